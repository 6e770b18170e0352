//! Work item tracking: work item types and categories, fields, work items
//! and JSON Patch documents.

use super::lenient;
use super::lenient_enum;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A field reference: `{"referenceName", "name", "url"}` (dependent fields,
/// the team field of `teamfieldvalues`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldReference {
    /// Reference name, e.g. `System.AreaPath`.
    pub reference_name: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// REST URL of the field.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// `GET {base}/{project}/_apis/wit/workitemtypes/{type}` and items of
/// `GET {base}/{project}/_apis/wit/workitemtypes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemType {
    /// Type name, e.g. `Bug` (used in `…/workitems/$Bug`).
    pub name: String,
    /// Reference name, e.g. `Microsoft.VSTS.WorkItemTypes.Bug`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reference_name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// Colour, hex without `#`, e.g. `CC293D`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub color: Option<String>,
    /// Icon.
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub icon: Option<WorkItemIcon>,
    /// Whether the type is disabled (hidden) in its process.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub is_disabled: bool,
    /// Legacy XML form (can be tens of KB; usually not needed).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub xml_form: Option<String>,
    /// States with colours and categories (absent in the older examples).
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub states: Vec<WorkItemStateColor>,
    /// Fields of the type (older name of `fieldInstances`).
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub fields: Vec<WorkItemTypeFieldInstance>,
    /// Fields of the type.
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub field_instances: Vec<WorkItemTypeFieldInstance>,
    /// State transitions: from-state (`""` = initial) → allowed transitions.
    #[serde(
        default,
        deserialize_with = "lenient::opt_or_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub transitions: Option<BTreeMap<String, Vec<WorkItemStateTransition>>>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// HAL links.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
}

impl WorkItemType {
    /// The type's fields: `fieldInstances` when present, else `fields`.
    pub fn field_list(&self) -> &[WorkItemTypeFieldInstance] {
        if self.field_instances.is_empty() {
            &self.fields
        } else {
            &self.field_instances
        }
    }

    /// A field of the type by reference name (case-insensitive).
    pub fn field(&self, reference_name: &str) -> Option<&WorkItemTypeFieldInstance> {
        self.field_list()
            .iter()
            .find(|f| f.reference_name.eq_ignore_ascii_case(reference_name))
    }

    /// Whether the type has the field (case-insensitive reference name).
    pub fn has_field(&self, reference_name: &str) -> bool {
        self.field(reference_name).is_some()
    }

    /// Fields that are always required.
    pub fn required_fields(&self) -> impl Iterator<Item = &WorkItemTypeFieldInstance> {
        self.field_list().iter().filter(|f| f.always_required)
    }

    /// Whether the type is usable (not disabled).
    pub fn is_enabled(&self) -> bool {
        !self.is_disabled
    }
}

/// `icon` of a work item type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemIcon {
    /// Icon id, e.g. `icon_insect`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Icon URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// A state of a work item type (`states` of a type, items of
/// `GET {base}/{project}/_apis/wit/workitemtypes/{type}/states`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemStateColor {
    /// State name, e.g. `Active`.
    pub name: String,
    /// Colour, hex without `#`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub color: Option<String>,
    /// State category: `Proposed`, `InProgress`, `Resolved`, `Completed`, `Removed`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub category: Option<String>,
}

/// One allowed transition of a work item type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemStateTransition {
    /// Target state.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub to: Option<String>,
    /// Actions (often `null`).
    #[serde(default, deserialize_with = "lenient::string_vec")]
    pub actions: Vec<String>,
}

/// A field of a work item type, as listed in the type (`fields` /
/// `fieldInstances`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemTypeFieldInstance {
    /// Whether a value is always required.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub always_required: bool,
    /// Default value, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// Reference name, e.g. `System.Title`.
    pub reference_name: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Help text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub help_text: Option<String>,
    /// REST URL of the field.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// `GET {base}/{project}/_apis/wit/workitemtypecategories/{category}` and
/// items of `…/workitemtypecategories`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemTypeCategory {
    /// Category name, e.g. `Bug Category`.
    pub name: String,
    /// Reference name, e.g. `Microsoft.BugCategory`.
    pub reference_name: String,
    /// The category's default type.
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub default_work_item_type: Option<WorkItemTypeReference>,
    /// All types in the category.
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub work_item_types: Vec<WorkItemTypeReference>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// Well-known work item type category reference names.
pub mod category {
    /// Bugs.
    pub const BUG: &str = "Microsoft.BugCategory";
    /// Requirements (User Story, Product Backlog Item, Issue, Requirement).
    pub const REQUIREMENT: &str = "Microsoft.RequirementCategory";
    /// Tasks.
    pub const TASK: &str = "Microsoft.TaskCategory";
    /// Features.
    pub const FEATURE: &str = "Microsoft.FeatureCategory";
    /// Epics.
    pub const EPIC: &str = "Microsoft.EpicCategory";
    /// Types hidden from the backlog and the "new work item" menus.
    pub const HIDDEN: &str = "Microsoft.HiddenCategory";
}

/// A reference to a work item type: `{"name": "Bug", "url": "…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemTypeReference {
    /// Type name.
    pub name: String,
    /// REST URL of the type.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// `GET {base}/{project}/_apis/wit/workitemtypes/{type}/fields[/{field}][?$expand=all]`:
/// a field as it applies to one work item type, with its allowed values
/// when expanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemTypeField {
    /// Whether a value is always required.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub always_required: bool,
    /// Default value (a string, a number, or an identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// Allowed values (`$expand=all`): strings (`"1"`), numbers, or identity
    /// objects `{displayName, id, uniqueName, descriptor}`. Empty = any value.
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub allowed_values: Vec<Value>,
    /// Fields whose value depends on this one (`$expand=all`).
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub dependent_fields: Vec<FieldReference>,
    /// Reference name, e.g. `Microsoft.VSTS.Common.Priority`.
    pub reference_name: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Help text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub help_text: Option<String>,
    /// REST URL of the field.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Whether it is an identity field (newer versions).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_identity: Option<bool>,
}

impl WorkItemTypeField {
    /// Whether the field restricts its values to a list.
    pub fn has_allowed_values(&self) -> bool {
        !self.allowed_values.is_empty()
    }

    /// The allowed values as text: strings as is, numbers spelled out,
    /// identities by unique name (else display name, else id).
    pub fn allowed_value_strings(&self) -> Vec<String> {
        self.allowed_values.iter().filter_map(value_text).collect()
    }

    /// Whether `value` is acceptable: true when there is no list of allowed
    /// values, else when it matches one of them case-insensitively as text
    /// or numerically (`2` matches `"2"`; an identity matches by unique
    /// name, display name or id).
    pub fn allows(&self, value: &Value) -> bool {
        self.allowed_values.is_empty() || self.allowed_values.iter().any(|a| values_match(a, value))
    }

    /// [`Self::allows`] for a textual value.
    pub fn allows_str(&self, value: &str) -> bool {
        self.allows(&Value::String(value.to_string()))
    }
}

/// Text form of a scalar or identity value.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => ["uniqueName", "displayName", "id"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_string),
        other => lenient::value_to_string(other),
    }
}

fn values_match(allowed: &Value, candidate: &Value) -> bool {
    let Some(c) = value_text(candidate) else {
        return false;
    };
    let c = c.trim();
    let texts: Vec<String> = match allowed {
        Value::Object(map) => ["uniqueName", "displayName", "id"]
            .iter()
            .filter_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        other => lenient::value_to_string(other).into_iter().collect(),
    };
    texts.iter().any(|a| {
        let a = a.trim();
        a.eq_ignore_ascii_case(c)
            || matches!(
                (a.parse::<f64>(), c.parse::<f64>()),
                (Ok(x), Ok(y)) if x == y
            )
    })
}

lenient_enum! {
    /// `type` of a work item field.
    pub enum FieldType {
        /// Short text.
        String = "string",
        /// Integer.
        Integer = "integer",
        /// Date and time.
        DateTime = "dateTime",
        /// Long plain text.
        PlainText = "plainText",
        /// HTML.
        Html = "html",
        /// Area or iteration path.
        TreePath = "treePath",
        /// History (discussion).
        History = "history",
        /// Decimal number.
        Double = "double",
        /// GUID.
        Guid = "guid",
        /// Boolean.
        Boolean = "boolean",
        /// Identity.
        Identity = "identity",
        /// Picklist of strings.
        PicklistString = "picklistString",
        /// Picklist of integers.
        PicklistInteger = "picklistInteger",
        /// Picklist of decimals.
        PicklistDouble = "picklistDouble",
    }
}

/// `GET {base}/_apis/wit/fields/{field}` and items of `GET {base}/[{project}/]_apis/wit/fields`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemField {
    /// Display name.
    pub name: String,
    /// Reference name, e.g. `System.IterationPath`.
    pub reference_name: String,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// Data type.
    #[serde(rename = "type", default)]
    pub field_type: Option<FieldType>,
    /// Usage: `none`, `workItem`, `workItemLink`, `tree`, `workItemTypeExtension`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub usage: Option<String>,
    /// Whether it is read-only.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub read_only: bool,
    /// Whether it can be sorted by.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub can_sort_by: Option<bool>,
    /// Whether it can be queried.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_queryable: Option<bool>,
    /// Query operators.
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub supported_operations: Vec<FieldOperation>,
    /// Whether it holds identities.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub is_identity: bool,
    /// Whether it is a picklist.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub is_picklist: bool,
    /// Whether the picklist only suggests values.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub is_picklist_suggested: bool,
    /// Picklist id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub picklist_id: Option<String>,
    /// Whether it is locked for editing.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_locked: Option<bool>,
    /// Whether it is deleted.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_deleted: Option<bool>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// A query operator of a field: `{"referenceName": "SupportedOperations.Equals", "name": "="}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldOperation {
    /// Reference name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reference_name: Option<String>,
    /// Display name / operator.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

/// A JSON Patch (RFC 6902) operation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOp {
    /// Add (also sets a field).
    Add,
    /// Remove.
    Remove,
    /// Replace.
    Replace,
    /// Test (e.g. `/rev`).
    Test,
    /// Move.
    Move,
    /// Copy.
    Copy,
}

/// One operation of the `application/json-patch+json` body of
/// `POST {base}/{project}/_apis/wit/workitems/${type}` and
/// `PATCH {base}/_apis/wit/workitems/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonPatchOperation {
    /// Operation.
    pub op: PatchOp,
    /// JSON pointer, e.g. `/fields/System.Title`.
    pub path: String,
    /// Value (for add, replace, test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Source pointer (for move, copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A JSON Patch document.
pub type JsonPatchDocument = Vec<JsonPatchOperation>;

impl JsonPatchOperation {
    /// `{"op": "add", "path": "/fields/{reference_name}", "value": value}`.
    pub fn add_field(reference_name: &str, value: impl Into<Value>) -> Self {
        Self {
            op: PatchOp::Add,
            path: format!("/fields/{reference_name}"),
            value: Some(value.into()),
            from: None,
        }
    }

    /// `{"op": "test", "path": "/rev", "value": rev}`.
    pub fn test_rev(rev: i64) -> Self {
        Self {
            op: PatchOp::Test,
            path: "/rev".to_string(),
            value: Some(Value::from(rev)),
            from: None,
        }
    }

    /// The field reference name when `path` is `/fields/{ref}`.
    pub fn field_reference_name(&self) -> Option<&str> {
        self.path.strip_prefix("/fields/").filter(|r| !r.is_empty())
    }
}

/// A work item: the answer of `POST …/wit/workitems/${type}` (create, also
/// with `validateOnly=true`), `GET …/wit/workitems/{id}`, `PATCH
/// …/wit/workitems/{id}`, and the template `GET …/wit/workitems/${type}`
/// (which has no `id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItem {
    /// Id; absent in templates and may be absent or 0 on `validateOnly`.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<i64>,
    /// Revision.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub rev: Option<i64>,
    /// Field values by reference name (identities are objects).
    #[serde(default, deserialize_with = "lenient::object_or_empty")]
    pub fields: serde_json::Map<String, Value>,
    /// Links to other work items and artifacts.
    #[serde(
        default,
        deserialize_with = "lenient::vec_skip_invalid",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub relations: Vec<WorkItemRelation>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// HAL links (`self`, `html`, `workItemType`, …).
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
}

impl WorkItem {
    /// A field value by reference name.
    pub fn field(&self, reference_name: &str) -> Option<&Value> {
        self.fields.get(reference_name)
    }

    /// A textual field value (identities give their display name).
    pub fn field_str(&self, reference_name: &str) -> Option<&str> {
        match self.fields.get(reference_name)? {
            Value::String(s) => Some(s),
            Value::Object(map) => map.get("displayName").and_then(Value::as_str),
            _ => None,
        }
    }

    /// `System.Title`.
    pub fn title(&self) -> Option<&str> {
        self.field_str("System.Title")
    }

    /// `System.WorkItemType`.
    pub fn work_item_type(&self) -> Option<&str> {
        self.field_str("System.WorkItemType")
    }

    /// The id when it is a real one (positive).
    pub fn real_id(&self) -> Option<i64> {
        self.id.filter(|id| *id > 0)
    }

    /// `_links.{rel}.href`, e.g. `html` for the web page of the work item.
    pub fn link_href(&self, rel: &str) -> Option<&str> {
        self.links.as_ref()?.get(rel)?.get("href")?.as_str()
    }
}

/// A relation of a work item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemRelation {
    /// Relation type, e.g. `System.LinkTypes.Hierarchy-Reverse`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub rel: Option<String>,
    /// Target URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Attributes (`isLocked`, `comment`, `name`, …).
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub attributes: Option<serde_json::Map<String, Value>>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn add_field_builds_pointer() {
        let op = JsonPatchOperation::add_field("System.Title", "Disk full on web-01");
        assert_eq!(
            serde_json::to_value(&op).unwrap(),
            json!({"op": "add", "path": "/fields/System.Title", "value": "Disk full on web-01"})
        );
        assert_eq!(op.field_reference_name(), Some("System.Title"));
        let op = JsonPatchOperation::add_field("Microsoft.VSTS.Common.Priority", 2);
        assert_eq!(op.value, Some(json!(2)));
        let t = JsonPatchOperation::test_rev(3);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"op":"test","path":"/rev","value":3}"#
        );
    }

    #[test]
    fn patch_parses_with_null_from() {
        let ops: JsonPatchDocument = serde_json::from_str(
            r#"[{"op":"add","path":"/fields/System.Title","from":null,"value":"Sample task"},{"op":"copy","from":"/a","path":"/b"}]"#,
        )
        .unwrap();
        assert_eq!(ops[0].from, None);
        assert_eq!(ops[1].op, PatchOp::Copy);
        assert!(
            serde_json::from_str::<JsonPatchOperation>(r#"{"op":"frobnicate","path":"/x"}"#)
                .is_err()
        );
    }

    #[test]
    fn allowed_values_strings_numbers_identities() {
        let f: WorkItemTypeField = serde_json::from_str(
            r#"{"alwaysRequired":false,"defaultValue":2,"allowedValues":["1","2","3","4"],"dependentFields":[],"referenceName":"Microsoft.VSTS.Common.Priority","name":"Priority"}"#,
        )
        .unwrap();
        assert!(f.allows(&json!(2)));
        assert!(f.allows(&json!("3")));
        assert!(f.allows(&json!(4.0)));
        assert!(!f.allows(&json!(5)));
        assert!(!f.allows(&json!(null)));
        assert_eq!(f.allowed_value_strings(), ["1", "2", "3", "4"]);

        let f: WorkItemTypeField = serde_json::from_str(
            r#"{"allowedValues":[{"displayName":"Jamal Hartnett","id":"df828ec3-71d8-6e69-9afd-e736c5a32145","uniqueName":"fabrikamfiber4@hotmail.com"}],"referenceName":"System.AssignedTo"}"#,
        )
        .unwrap();
        assert!(f.allows_str("FabrikamFiber4@hotmail.com"));
        assert!(f.allows_str("Jamal Hartnett"));
        assert!(!f.allows_str("someone@else.com"));
        assert_eq!(f.allowed_value_strings(), ["fabrikamfiber4@hotmail.com"]);

        let free: WorkItemTypeField =
            serde_json::from_str(r#"{"referenceName":"System.Title","allowedValues":null}"#)
                .unwrap();
        assert!(free.allows_str("anything"));
        assert!(!free.always_required);
    }

    #[test]
    fn work_item_type_fields_and_states() {
        let t: WorkItemType = serde_json::from_str(
            r#"{"name":"Issue","referenceName":"Microsoft.VSTS.WorkItemTypes.Issue","isDisabled":"False","states":[{"name":"To Do","color":"b2b2b2","category":"Proposed"},{"name":"Done","color":"339933","category":"Completed"}],"fieldInstances":[{"alwaysRequired":true,"referenceName":"System.Title","name":"Title"},{"alwaysRequired":false,"referenceName":"System.AreaPath","name":"Area Path"}],"transitions":{"":[{"to":"To Do","actions":null}]}}"#,
        )
        .unwrap();
        assert!(t.is_enabled());
        assert_eq!(t.states.len(), 2);
        assert!(t.has_field("system.title"));
        assert_eq!(t.required_fields().count(), 1);
        let tr = t.transitions.as_ref().unwrap();
        assert_eq!(tr[""][0].to.as_deref(), Some("To Do"));
        assert!(tr[""][0].actions.is_empty());
    }

    #[test]
    fn work_item_helpers() {
        let w: WorkItem = serde_json::from_str(
            r#"{"id":0,"rev":"1","fields":{"System.Title":"Check","System.CreatedBy":{"displayName":"Jamal Hartnett","uniqueName":"jamal@fabrikam.com"}},"_links":{"html":{"href":"https://dev.azure.com/fabrikam/web/wi.aspx?id=1"}}}"#,
        )
        .unwrap();
        assert_eq!(w.real_id(), None);
        assert_eq!(w.rev, Some(1));
        assert_eq!(w.title(), Some("Check"));
        assert_eq!(w.field_str("System.CreatedBy"), Some("Jamal Hartnett"));
        assert!(w.link_href("html").is_some());
        let w: WorkItem = serde_json::from_str(r#"{"fields":null}"#).unwrap();
        assert!(w.fields.is_empty());
    }

    #[test]
    fn field_type_lenient() {
        let f: WorkItemField = serde_json::from_str(
            r#"{"name":"Story Points","referenceName":"Microsoft.VSTS.Scheduling.StoryPoints","type":"double","readOnly":false,"isPicklist":"false"}"#,
        )
        .unwrap();
        assert_eq!(f.field_type, Some(FieldType::Double));
        let f: WorkItemField =
            serde_json::from_str(r#"{"name":"X","referenceName":"Custom.X","type":"hologram"}"#)
                .unwrap();
        assert_eq!(f.field_type, Some(FieldType::Unknown));
        assert_eq!(
            FieldType::from_wire("PicklistString"),
            FieldType::PicklistString
        );
    }
}

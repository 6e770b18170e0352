//! Work items: the dry-run create (`POST {project}/_apis/wit/workitems/${type}`,
//! JSON Patch) with Azure DevOps' rule validation, and `GET` of a work item
//! (always 404: the sandbox never stores work items).
//!
//! Contract of the create, checked in this order:
//! - a caller without write scope (the `read-only` scenario) → 401;
//!   a content type other than `application/json-patch+json` → 415;
//! - unknown type → 404 `VS402323`; a disabled type → 400;
//! - a body that is not a non-empty JSON array of operations → 400
//!   `VssPropertyValidationException`; an unknown operation or a path other
//!   than `/fields/…` (`/relations…` and `test` are ignored) → 400; a field
//!   not on the type → 400 `TF51535`;
//! - a bad area/iteration path → 400 `TF401347`;
//! - read-only fields, missing required fields, values outside
//!   `allowedValues`, wrong types, a state other than the initial one,
//!   unknown assignees → 400 `RuleValidationException` (eventId 3200) with
//!   `customProperties.RuleValidationErrors`, all at once (`bypassRules=true`
//!   skips these rules);
//! - then, with `validateOnly=true`, the would-be work item (`id` 0, `rev`
//!   1); without it 400 `WorkItemTrackingSandboxException`.

use serde_json::{Map, Value, json};

use super::ctx::{Ctx, field_not_found};
use super::data::{Catalog, FieldDef, Project, Tree, TypeField, WitType};
use super::http::{HResult, Resp, ado_error, ado_error_ex, json_resp, truncate, type_name_for};
use super::util::{now_rfc3339, parse_ymd};

/// `GET [{project}/]_apis/wit/workitems/{id}`: the sandbox stores none.
pub(crate) fn work_item_get(_ctx: &Ctx, id: &str) -> HResult {
    Err(ado_error_ex(
        404,
        &format!(
            "TF401232: Work item {} does not exist, or you do not have permissions to read it.",
            truncate(id, 50)
        ),
        "WorkItemUnauthorizedAccessException",
        0,
        3200,
    ))
}

/// One rule violation.
struct RuleError {
    field: String,
    flags: Vec<&'static str>,
    message: String,
}

fn rule_error(f: &FieldDef, flags: Vec<&'static str>) -> RuleError {
    let codes: Vec<String> = flags
        .iter()
        .map(|s| {
            let mut c = s.chars();
            match c.next() {
                Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect();
    RuleError {
        field: f.ref_name.clone(),
        message: format!(
            "TF401320: Rule Error for field {}. Error code: {}.",
            f.name,
            codes.join(", ")
        ),
        flags,
    }
}

fn rule_validation(errors: &[RuleError]) -> Resp {
    let items: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                "fieldReferenceName": e.field,
                "fieldStatusFlags": e.flags.join(", "),
                "errorMessage": e.message,
                "fieldStatusCode": 0,
                "ruleValidationErrors": null
            })
        })
        .collect();
    let message = errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default();
    let body = json!({
        "$id": "1",
        "customProperties": {"RuleValidationErrors": items},
        "innerException": null,
        "message": message,
        "typeName": type_name_for("RuleValidationException"),
        "typeKey": "RuleValidationException",
        "errorCode": 0,
        "eventId": 3200
    });
    json_resp(400, &body, None)
}

fn invalid_patch(why: &str) -> Resp {
    ado_error(
        400,
        &format!("You must pass a valid patch document in the body of the request. {why}"),
        "VssPropertyValidationException",
    )
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True".into() } else { "False".into() }),
        Value::Object(o) => o
            .get("uniqueName")
            .or_else(|| o.get("id"))
            .or_else(|| o.get("displayName"))
            .and_then(Value::as_str)
            .map(str::to_string),
        Value::Array(_) => Some(v.to_string()),
    }
}

/// Resolves `Name <mail>`, a mail address, a display name or an id to a
/// project member.
fn resolve_identity(ctx: &Ctx, p: &Project, text: &str) -> Option<usize> {
    let t = text.trim();
    let inner = match (t.rfind('<'), t.rfind('>')) {
        (Some(a), Some(b)) if a < b => &t[a + 1..b],
        _ => t,
    };
    let c = ctx.catalog();
    let mut candidates = p.members();
    if let Some(me) = ctx.caller.person()
        && !candidates.contains(&me)
    {
        candidates.push(me);
    }
    candidates.into_iter().find(|i| {
        c.people.get(*i).is_some_and(|x| {
            x.email.eq_ignore_ascii_case(inner)
                || x.email.eq_ignore_ascii_case(t)
                || x.name.eq_ignore_ascii_case(t)
                || x.id.eq_ignore_ascii_case(t)
                || x.windows.eq_ignore_ascii_case(t)
        })
    })
}

fn work_item_identity(ctx: &Ctx, idx: usize) -> Value {
    let Some(person) = ctx.catalog().people.get(idx) else {
        return Value::Null;
    };
    let mut v = ctx.identity_ref(person);
    if let Value::Object(m) = &mut v {
        m.insert(
            "_links".into(),
            json!({"avatar": {"href": format!("{}/_apis/GraphProfile/MemberAvatars/{}", ctx.url, person.descriptor)}}),
        );
    }
    v
}

fn tree_path_error(field: &str) -> Resp {
    ado_error_ex(
        400,
        &format!("TF401347: Invalid tree name given for work item -1, field '{field}'."),
        "WorkItemFieldInvalidTreeNameException",
        600_171,
        3200,
    )
}

/// Validates a tree path value (`Project\A\B`) and returns its field form.
fn check_tree_path(p: &Project, tree: &Tree, value: &str) -> Option<String> {
    let v = value.trim().trim_start_matches('\\');
    let mut segs = v.split('\\');
    let first = segs.next()?;
    if !first.eq_ignore_ascii_case(&p.name) {
        return None;
    }
    let rest: Vec<&str> = segs.collect();
    if rest.iter().any(|s| s.is_empty()) {
        return None;
    }
    let idx = tree.find(&rest.join("\\"))?;
    let n = tree.nodes.get(idx)?;
    Some(if n.rel.is_empty() {
        p.name.clone()
    } else {
        format!("{}\\{}", p.name, n.rel)
    })
}

/// `POST {project}/_apis/wit/workitems/${type}` (JSON Patch).
pub(crate) fn create(ctx: &Ctx, p: &Project, type_name: &str) -> HResult {
    check_create_request(ctx)?;
    let t = ctx.work_item_type(p, type_name)?;
    if t.disabled {
        return Err(ado_error(
            400,
            &format!(
                "The work item type '{}' is disabled in the process of project '{}'; disabled types cannot be used to create work items.",
                t.name, p.name
            ),
            "WorkItemTypeDisabledException",
        ));
    }
    let given = patch_values(ctx, t)?;
    let bypass = ctx.flag("bypassRules");
    let mut draft = validate_values(ctx, p, t, &given, bypass)?;
    if !bypass {
        draft
            .errors
            .extend(missing_required(ctx.catalog(), t, &given));
    }
    if !draft.errors.is_empty() {
        return Err(rule_validation(&draft.errors));
    }
    if !ctx.flag("validateOnly") {
        return Err(ado_error_ex(
            400,
            "The Azure DevOps sandbox never stores work items: the request is valid, but only dry runs (validateOnly=true) are supported.",
            "WorkItemTrackingSandboxException",
            0,
            3200,
        ));
    }
    ctx.ok(&would_be_item(ctx, p, t, draft))
}

/// What a create needs before its body is read: a caller with write scope
/// (401) and a JSON Patch content type (415).
fn check_create_request(ctx: &Ctx) -> Result<(), Resp> {
    if !ctx.caller.can_write() {
        return Err(ado_error(
            401,
            "The personal access token used for this request does not have the required scope 'vso.work_write' (Work Items: Read & write) to perform this action.",
            "UnauthorizedRequestException",
        ));
    }
    let ct = ctx
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .to_ascii_lowercase()
        .contains("application/json-patch+json")
    {
        return Err(ado_error(
            415,
            &format!(
                "The request indicated a Content-Type of \"{}\" for method type \"{}\" which is not supported. Valid content types for this method are: application/json-patch+json.",
                truncate(ct, 100),
                ctx.method
            ),
            "VssRequestContentTypeNotSupportedException",
        ));
    }
    Ok(())
}

/// The field values the JSON Patch body sets, as (index into the catalog's
/// fields, value; `null` for `remove`), the last write of a field winning;
/// or why the document is refused.
fn patch_values(ctx: &Ctx, t: &WitType) -> Result<Vec<(usize, Value)>, Resp> {
    let doc: Value =
        serde_json::from_slice(ctx.body).map_err(|_| invalid_patch("The body is not JSON."))?;
    let ops = doc
        .as_array()
        .ok_or_else(|| invalid_patch("The body must be a JSON array of operations."))?;
    if ops.is_empty() {
        return Err(invalid_patch("The patch document is empty."));
    }
    let c = ctx.catalog();
    let mut given: Vec<(usize, Value)> = Vec::new();
    for o in ops {
        let Some(obj) = o.as_object() else {
            return Err(invalid_patch("Every operation must be an object."));
        };
        let opname = obj
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase();
        let path = obj.get("path").and_then(Value::as_str).unwrap_or("");
        if !matches!(
            opname.as_str(),
            "add" | "replace" | "remove" | "test" | "copy" | "move"
        ) {
            return Err(invalid_patch("Unknown operation."));
        }
        let lower = path.to_lowercase();
        if lower.starts_with("/relations") || opname == "test" {
            continue;
        }
        let fkey = match (path.get(..8), path.get(8..)) {
            (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case("/fields/") => Some(rest),
            _ => None,
        };
        let Some(fkey) = fkey else {
            return Err(invalid_patch(&format!(
                "The path '{}' is not valid.",
                truncate(path, 100)
            )));
        };
        let Some(fi) = c.field(fkey).filter(|i| t.field(*i).is_some()) else {
            return Err(field_not_found(fkey, 400));
        };
        let value = if opname == "remove" {
            Value::Null
        } else {
            obj.get("value").cloned().unwrap_or(Value::Null)
        };
        given.retain(|(i, _)| *i != fi);
        given.push((fi, value));
    }
    Ok(given)
}

/// The work item a create would make, as far as validated.
struct Draft {
    /// The values of the fields the patch set, by reference name.
    fields: Map<String, Value>,
    /// Area path, field form (`Project\A\B`).
    area: String,
    /// Iteration path, field form.
    iteration: String,
    /// The type's initial state (the only one a new work item can have).
    initial: String,
    /// Rule violations found so far.
    errors: Vec<RuleError>,
}

/// Validates the given values into a [`Draft`]: an area or iteration path
/// that is not the project's stops at once (400 `TF401347`); other rule
/// violations are collected (unless `bypass`).
fn validate_values(
    ctx: &Ctx,
    p: &Project,
    t: &WitType,
    given: &[(usize, Value)],
    bypass: bool,
) -> Result<Draft, Resp> {
    let c = ctx.catalog();
    let trees = p.trees();
    let mut draft = Draft {
        fields: Map::new(),
        area: p.name.clone(),
        iteration: p.name.clone(),
        initial: t.states.first().map(|s| s.name.clone()).unwrap_or_default(),
        errors: Vec::new(),
    };
    for (fi, value) in given {
        let (Some(f), Some(tf)) = (c.fields.get(*fi), t.field(*fi)) else {
            continue;
        };
        let text = value_text(value).filter(|s| !s.trim().is_empty());
        match f.ref_name.as_str() {
            "System.AreaPath" | "System.IterationPath" => {
                let is_area = f.ref_name == "System.AreaPath";
                let tree = if is_area {
                    &trees.areas
                } else {
                    &trees.iterations
                };
                match text.as_deref().and_then(|v| check_tree_path(p, tree, v)) {
                    Some(ok) if is_area => draft.area = ok,
                    Some(ok) => draft.iteration = ok,
                    None => return Err(tree_path_error(&f.ref_name)),
                }
            }
            _ => validate_value(ctx, p, f, tf, text, bypass, &mut draft),
        }
    }
    Ok(draft)
}

/// Validates the value of one field (not a tree path): its typed value
/// into the draft's fields, or a rule violation into its errors.
fn validate_value(
    ctx: &Ctx,
    p: &Project,
    f: &FieldDef,
    tf: &TypeField,
    text: Option<String>,
    bypass: bool,
    draft: &mut Draft,
) {
    if f.read_only || f.system {
        if !bypass {
            draft.errors.push(rule_error(f, vec!["readOnly"]));
        }
        return;
    }
    let Some(text) = text else {
        if tf.required && !bypass {
            draft.errors.push(rule_error(f, required_flags(tf)));
        }
        return;
    };
    if f.identity {
        match resolve_identity(ctx, p, &text) {
            Some(i) => {
                draft
                    .fields
                    .insert(f.ref_name.clone(), work_item_identity(ctx, i));
            }
            None if bypass => {
                draft.fields.insert(f.ref_name.clone(), Value::String(text));
            }
            None => draft.errors.push(rule_error(
                f,
                vec!["hasValues", "limitedToValues", "invalidIdentity"],
            )),
        }
        return;
    }
    let typed = match typed_value(f, &text) {
        Ok(v) => v,
        Err(flag) => {
            if !bypass {
                draft.errors.push(rule_error(f, vec![flag]));
            }
            return;
        }
    };
    if f.ref_name == "System.State" && !text.eq_ignore_ascii_case(&draft.initial) && !bypass {
        draft.errors.push(rule_error(
            f,
            vec![
                "required",
                "hasValues",
                "limitedToValues",
                "invalidListValue",
            ],
        ));
        return;
    }
    if !tf.allowed.is_empty()
        && !bypass
        && !tf
            .allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(text.trim()))
        && f.ref_name != "System.Reason"
    {
        let mut flags = Vec::new();
        if tf.required {
            flags.push("required");
        }
        flags.extend(["hasValues", "limitedToValues", "invalidListValue"]);
        draft.errors.push(rule_error(f, flags));
        return;
    }
    draft.fields.insert(f.ref_name.clone(), typed);
}

/// The value of `text` as the field's type, or the rule flag of a value
/// that is not one.
fn typed_value(f: &FieldDef, text: &str) -> Result<Value, &'static str> {
    match f.field_type.as_str() {
        "integer" => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "invalidType"),
        "double" => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("invalidType"),
        "boolean" => match text.trim().to_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("invalidType"),
        },
        "dateTime" => {
            let d = text.trim();
            if d.get(..10).and_then(parse_ymd).is_some() {
                Ok(Value::String(d.to_string()))
            } else {
                Err("invalidDate")
            }
        }
        "string" if text.chars().count() > 255 => Err("invalidTooLong"),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// The flags of a required field left empty.
fn required_flags(tf: &TypeField) -> Vec<&'static str> {
    let mut flags = vec!["required"];
    if !tf.allowed.is_empty() {
        flags.extend(["hasValues", "limitedToValues"]);
    }
    flags.push("invalidEmpty");
    flags
}

/// The required fields of the type that the patch did not set and that
/// get no value otherwise (a default, the server, the workflow, the
/// project's root paths).
fn missing_required(c: &Catalog, t: &WitType, given: &[(usize, Value)]) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for tf in &t.fields {
        let Some(f) = c.fields.get(tf.field) else {
            continue;
        };
        let skip = f.read_only
            || f.system
            || tf.default.is_some()
            || matches!(
                f.ref_name.as_str(),
                "System.State" | "System.Reason" | "System.AreaPath" | "System.IterationPath"
            );
        if !tf.required || skip || given.iter().any(|(i, _)| *i == tf.field) {
            continue;
        }
        errors.push(rule_error(f, required_flags(tf)));
    }
    errors
}

/// The would-be work item of a valid dry-run create (`id` 0, `rev` 1).
fn would_be_item(ctx: &Ctx, p: &Project, t: &WitType, draft: Draft) -> Value {
    let wi_url = format!("{}/_apis/wit/workItems/0", ctx.url);
    json!({
        "id": 0,
        "rev": 1,
        "fields": would_be_fields(ctx, p, t, draft),
        "_links": {
            "self": {"href": wi_url},
            "workItemUpdates": {"href": format!("{wi_url}/updates")},
            "workItemRevisions": {"href": format!("{wi_url}/revisions")},
            "workItemHistory": {"href": format!("{wi_url}/history")},
            "workItemComments": {"href": format!("{wi_url}/comments")},
            "html": {"href": format!("{}/web/wi.aspx?pcguid={}&id=0", ctx.url, ctx.org.id)},
            "workItemType": {"href": ctx.type_url(p, t)},
            "fields": {"href": format!("{}/_apis/wit/fields", ctx.url)}
        },
        "url": wi_url
    })
}

/// The fields of the would-be work item: the system fields of a new item,
/// the type's defaults, then the values the patch set.
fn would_be_fields(ctx: &Ctx, p: &Project, t: &WitType, draft: Draft) -> Map<String, Value> {
    let c = ctx.catalog();
    let now = now_rfc3339();
    let me = ctx
        .caller
        .person()
        .map(|i| work_item_identity(ctx, i))
        .unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("System.AreaPath".into(), Value::String(draft.area));
    out.insert("System.TeamProject".into(), Value::String(p.name.clone()));
    out.insert(
        "System.IterationPath".into(),
        Value::String(draft.iteration),
    );
    out.insert("System.WorkItemType".into(), Value::String(t.name.clone()));
    out.insert("System.State".into(), Value::String(draft.initial));
    out.insert(
        "System.Reason".into(),
        Value::String(t.initial_reason.clone()),
    );
    out.insert("System.CreatedDate".into(), Value::String(now.clone()));
    out.insert("System.CreatedBy".into(), me.clone());
    out.insert("System.ChangedDate".into(), Value::String(now.clone()));
    out.insert("System.ChangedBy".into(), me);
    out.insert("System.CommentCount".into(), Value::from(0));
    for tf in &t.fields {
        let (Some(f), Some(d)) = (c.fields.get(tf.field), &tf.default) else {
            continue;
        };
        if matches!(f.ref_name.as_str(), "System.State" | "System.Reason") {
            continue;
        }
        let v = match f.field_type.as_str() {
            "integer" => d
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(d.clone())),
            _ => Value::String(d.clone()),
        };
        out.insert(f.ref_name.clone(), v);
    }
    if t.fields.iter().any(|tf| {
        c.fields
            .get(tf.field)
            .is_some_and(|f| f.ref_name == "Microsoft.VSTS.Common.StateChangeDate")
    }) {
        out.insert(
            "Microsoft.VSTS.Common.StateChangeDate".into(),
            Value::String(now),
        );
    }
    for (k, v) in draft.fields {
        out.insert(k, v);
    }
    out
}

//! Work item tracking APIs: work item types, their fields and states,
//! categories, fields, classification nodes, team settings and the
//! (dry-run) work item create with Azure DevOps' rule validation.
//!
//! Contract:
//! - Shapes follow the official examples (`wit__*.json`, `work__*.json`).
//! - Classification node `path` values are realistic
//!   (`\Project\Area\Web\Checkout`, `\Project\Iteration\Release 1\Sprint 2`);
//!   iterations carry `attributes.startDate/finishDate`. A missing node →
//!   404 `WorkItemTrackingTreeNodeNotFoundException` (TF200016 text).
//! - Team settings report iteration paths relative to the root with a
//!   leading backslash (`\Release 1\Sprint 2`), as the official example does;
//!   team field values use the field form (`Project\Area`).
//! - Create (`POST {project}/_apis/wit/workitems/${type}`, JSON Patch):
//!   validates like the real service — unknown type → 404 `VS402323`;
//!   unknown field → 400 `TF51535`; bad area/iteration → 400 `TF401347`;
//!   missing required fields, values outside `allowedValues`, wrong types,
//!   unknown assignees → 400 `RuleValidationException` (eventId 3200) with
//!   `customProperties.RuleValidationErrors`. With `validateOnly=true` the
//!   would-be work item is returned with `id` 0 and `rev` 1. Without it the
//!   sandbox refuses (400 `WorkItemTrackingSandboxException`) after
//!   validation: it never stores work items. A PAT without write scope (the
//!   `read-only` scenario) gets 401 before anything else.

use serde_json::{Map, Value, json};

use super::data::{Catalog, FieldDef, Process, Project, Team, Tree, TypeField, WitType};
use super::http::{
    HResult, Resp, ado_error, ado_error_ex, escape_xml, list, truncate, type_name_for,
};
use super::ctx::Ctx;
use super::util::{date_string, encode_segment, now_rfc3339};

fn process<'a>(ctx: &Ctx<'a>, p: &Project) -> Result<&'a Process, Resp> {
    ctx.st.cat.processes.get(p.process).ok_or_else(|| {
        ado_error(
            500,
            "The project's process is missing.",
            "VssServiceException",
        )
    })
}

fn wit<'a>(ctx: &Ctx<'a>, p: &Project, name: &str) -> Result<&'a WitType, Resp> {
    let pr = process(ctx, p)?;
    pr.wit(name).ok_or_else(|| {
        ado_error(
            404,
            &format!(
                "VS402323: Work item type {} does not exist in project {} or you do not have permission to access it.",
                truncate(name, 200),
                p.id
            ),
            "WorkItemTypeNotFoundException",
        )
    })
}

fn field_url(ctx: &Ctx, f: &FieldDef) -> String {
    format!("{}/_apis/wit/fields/{}", ctx.url, f.ref_name)
}

fn type_url(ctx: &Ctx, p: &Project, t: &WitType) -> String {
    format!(
        "{}/{}/_apis/wit/workItemTypes/{}",
        ctx.url,
        p.id,
        encode_segment(&t.name)
    )
}

fn cat<'a>(ctx: &Ctx<'a>) -> &'a Catalog {
    ctx.st.cat.get()
}

fn op(r: &str, n: &str) -> Value {
    json!({"referenceName": format!("SupportedOperations.{r}"), "name": n})
}

fn supported_operations(f: &FieldDef) -> Vec<Value> {
    let cmp = || {
        vec![
            op("Equals", "="),
            op("NotEquals", "<>"),
            op("GreaterThan", ">"),
            op("LessThan", "<"),
            op("GreaterThanEquals", ">="),
            op("LessThanEquals", "<="),
        ]
    };
    let field_cmp = || {
        vec![
            op("EqualsField", "= [Field]"),
            op("NotEqualsField", "<> [Field]"),
            op("GreaterThanField", "> [Field]"),
            op("LessThanField", "< [Field]"),
            op("GreaterThanEqualsField", ">= [Field]"),
            op("LessThanEqualsField", "<= [Field]"),
        ]
    };
    match f.field_type.as_str() {
        "treePath" => vec![
            op("Under", "Under"),
            op("NotUnder", "Not Under"),
            op("Equals", "="),
            op("NotEquals", "<>"),
            op("In", "In"),
        ],
        "html" | "plainText" | "history" => {
            vec![
                op("Contains", "Contains"),
                op("NotContains", "Does Not Contain"),
            ]
        }
        "boolean" => vec![
            op("Equals", "="),
            op("NotEquals", "<>"),
            op("EqualsField", "= [Field]"),
            op("NotEqualsField", "<> [Field]"),
        ],
        "string" => {
            let mut v = cmp();
            v.extend([
                op("Contains", "Contains"),
                op("NotContains", "Does Not Contain"),
                op("In", "In"),
                op("InGroup", "In Group"),
                op("NotInGroup", "Not In Group"),
                op("Ever", "Was Ever"),
            ]);
            v.extend(field_cmp());
            v
        }
        _ => {
            let mut v = cmp();
            v.extend([op("In", "In"), op("Ever", "Was Ever")]);
            v.extend(field_cmp());
            v
        }
    }
}

fn field_json(ctx: &Ctx, f: &FieldDef) -> Value {
    let mut v = json!({
        "name": f.name,
        "referenceName": f.ref_name,
        "type": f.field_type,
        "usage": "workItem",
        "readOnly": f.read_only,
        "canSortBy": !matches!(f.field_type.as_str(), "html" | "history" | "plainText"),
        "isQueryable": true,
        "supportedOperations": supported_operations(f),
        "isIdentity": f.identity,
        "isPicklist": f.picklist.is_some(),
        "isPicklistSuggested": false,
        "url": field_url(ctx, f),
    });
    if let Value::Object(m) = &mut v {
        if let Some(d) = &f.description {
            m.insert("description".into(), Value::String(d.clone()));
        }
        if let Some(pl) = &f.picklist {
            m.insert("picklistId".into(), Value::String(pl.clone()));
        }
    }
    v
}

fn fields_in(ctx: &Ctx, procs: &[usize]) -> Vec<usize> {
    let c = cat(ctx);
    let mut used = vec![false; c.fields.len()];
    for pi in procs {
        if let Some(pr) = c.processes.get(*pi) {
            for t in &pr.types {
                for tf in &t.fields {
                    if let Some(u) = used.get_mut(tf.field) {
                        *u = true;
                    }
                }
            }
        }
    }
    used.iter()
        .enumerate()
        .filter(|(_, u)| **u)
        .map(|(i, _)| i)
        .collect()
}

/// `GET [{project}/]_apis/wit/fields`
pub(crate) fn fields_list(ctx: &Ctx, p: Option<&Project>) -> HResult {
    let procs: Vec<usize> = match p {
        Some(p) => vec![p.process],
        None => ctx.org.processes.clone(),
    };
    let items: Vec<Value> = fields_in(ctx, &procs)
        .into_iter()
        .filter_map(|i| cat(ctx).fields.get(i))
        .map(|f| field_json(ctx, f))
        .collect();
    ctx.ok(&list(items))
}

fn field_not_found(key: &str, status: u16) -> Resp {
    ado_error_ex(
        status,
        &format!("TF51535: Cannot find field {}.", truncate(key, 200)),
        "WorkItemTrackingFieldDefinitionNotFoundException",
        600_122,
        3200,
    )
}

/// `GET [{project}/]_apis/wit/fields/{refOrName}`
pub(crate) fn field_get(ctx: &Ctx, p: Option<&Project>, key: &str) -> HResult {
    let procs: Vec<usize> = match p {
        Some(p) => vec![p.process],
        None => ctx.org.processes.clone(),
    };
    let used = fields_in(ctx, &procs);
    match cat(ctx).field(key).filter(|i| used.contains(i)) {
        Some(i) => match cat(ctx).fields.get(i) {
            Some(f) => ctx.ok(&field_json(ctx, f)),
            None => Err(field_not_found(key, 404)),
        },
        None => Err(field_not_found(key, 404)),
    }
}

fn identity_values(ctx: &Ctx, p: &Project) -> Vec<Value> {
    p.members()
        .iter()
        .filter_map(|i| cat(ctx).people.get(*i))
        .map(|person| {
            json!({
                "displayName": person.name,
                "id": person.id,
                "uniqueName": if ctx.org.server { person.windows.clone() } else { person.email.clone() },
                "descriptor": person.descriptor
            })
        })
        .collect()
}

/// The field entry of a type. `mode`: 0 = in the type, 1 = list, 2 = list
/// with `$expand=all`.
fn type_field_json(ctx: &Ctx, p: &Project, tf: &TypeField, mode: u8) -> Option<Value> {
    let c = cat(ctx);
    let f = c.fields.get(tf.field)?;
    let mut m = Map::new();
    if let Some(h) = &tf.help {
        m.insert("helpText".into(), Value::String(h.clone()));
    }
    m.insert("alwaysRequired".into(), Value::Bool(tf.required));
    if mode >= 1 {
        m.insert(
            "defaultValue".into(),
            tf.default.clone().map(Value::String).unwrap_or(Value::Null),
        );
    }
    if mode == 2 {
        let allowed: Vec<Value> = if f.identity {
            identity_values(ctx, p)
        } else {
            tf.allowed
                .iter()
                .map(|a| Value::String(a.clone()))
                .collect()
        };
        m.insert("allowedValues".into(), Value::Array(allowed));
        let deps: Vec<Value> = f
            .depends
            .iter()
            .filter_map(|d| c.field(d).and_then(|i| c.fields.get(i)))
            .map(|d| json!({"referenceName": d.ref_name, "name": d.name, "url": field_url(ctx, d)}))
            .collect();
        m.insert("dependentFields".into(), Value::Array(deps));
    }
    m.insert("referenceName".into(), Value::String(f.ref_name.clone()));
    m.insert("name".into(), Value::String(f.name.clone()));
    m.insert("url".into(), Value::String(field_url(ctx, f)));
    Some(Value::Object(m))
}

fn xml_form(c: &Catalog, t: &WitType) -> String {
    let mut controls = String::new();
    for tf in &t.fields {
        let Some(f) = c.fields.get(tf.field) else {
            continue;
        };
        if f.read_only || f.system {
            continue;
        }
        let kind = match f.field_type.as_str() {
            "html" | "history" => "HtmlFieldControl",
            "treePath" => "WorkItemClassificationControl",
            "dateTime" => "DateTimeControl",
            _ => "FieldControl",
        };
        controls.push_str(&format!(
            "<Control Label=\"{}\" LabelPosition=\"Left\" FieldName=\"{}\" Type=\"{kind}\" />",
            escape_xml(&f.name),
            escape_xml(&f.ref_name)
        ));
    }
    format!(
        "<FORM><Layout HideReadOnlyEmptyFields=\"true\" HideControlBorders=\"true\"><Group Margin=\"(10,0,0,0)\"><Column PercentWidth=\"100\">{controls}</Column></Group></Layout></FORM>"
    )
}

fn type_json(ctx: &Ctx, p: &Project, t: &WitType, links: bool) -> Value {
    let c = cat(ctx);
    let fields: Vec<Value> = t
        .fields
        .iter()
        .filter_map(|tf| type_field_json(ctx, p, tf, 0))
        .collect();
    let mut transitions = Map::new();
    for s in &t.states {
        let to: Vec<Value> = std::iter::once(&s.name)
            .chain(t.states.iter().map(|x| &x.name).filter(|n| **n != s.name))
            .map(|n| json!({"to": n, "actions": null}))
            .collect();
        transitions.insert(s.name.clone(), Value::Array(to));
    }
    if let Some(first) = t.states.first() {
        transitions.insert(String::new(), json!([{"to": first.name, "actions": null}]));
    }
    let states: Vec<Value> = t
        .states
        .iter()
        .map(|s| json!({"name": s.name, "color": s.color, "category": s.category}))
        .collect();
    let url = type_url(ctx, p, t);
    let mut v = json!({
        "name": t.name,
        "referenceName": t.ref_name,
        "description": t.description,
        "color": t.color,
        "icon": {
            "id": t.icon,
            "url": format!("{}/_apis/wit/workItemIcons/{}?color={}&v=2", ctx.url, t.icon, t.color)
        },
        "isDisabled": t.disabled,
        "xmlForm": xml_form(c, t),
        "fields": fields.clone(),
        "fieldInstances": fields,
        "transitions": transitions,
        "states": states,
        "url": url,
    });
    if links && let Value::Object(m) = &mut v {
        m.insert("_links".into(), json!({"self": {"href": url}}));
    }
    v
}

/// `GET {project}/_apis/wit/workitemtypes`
pub(crate) fn types_list(ctx: &Ctx, p: &Project) -> HResult {
    let pr = process(ctx, p)?;
    let items: Vec<Value> = pr
        .types
        .iter()
        .map(|t| type_json(ctx, p, t, false))
        .collect();
    ctx.ok(&list(items))
}

/// `GET {project}/_apis/wit/workitemtypes/{type}`
pub(crate) fn type_get(ctx: &Ctx, p: &Project, name: &str) -> HResult {
    let t = wit(ctx, p, name)?;
    ctx.ok(&type_json(ctx, p, t, true))
}

fn expand_all(ctx: &Ctx) -> bool {
    ctx.q("$expand").is_some_and(|e| {
        let e = e.to_lowercase();
        e == "all" || e == "allowedvalues" || e == "dependentfields"
    })
}

/// `GET {project}/_apis/wit/workitemtypes/{type}/fields[?$expand=all]`
pub(crate) fn type_fields(ctx: &Ctx, p: &Project, name: &str) -> HResult {
    let t = wit(ctx, p, name)?;
    let mode = if expand_all(ctx) { 2 } else { 1 };
    let items: Vec<Value> = t
        .fields
        .iter()
        .filter_map(|tf| type_field_json(ctx, p, tf, mode))
        .collect();
    ctx.ok(&list(items))
}

/// `GET {project}/_apis/wit/workitemtypes/{type}/fields/{field}`
pub(crate) fn type_field(ctx: &Ctx, p: &Project, name: &str, field: &str) -> HResult {
    let t = wit(ctx, p, name)?;
    let mode = if expand_all(ctx) { 2 } else { 1 };
    let tf = cat(ctx)
        .field(field)
        .and_then(|i| t.field(i))
        .ok_or_else(|| field_not_found(field, 404))?;
    match type_field_json(ctx, p, tf, mode) {
        Some(v) => ctx.ok(&v),
        None => Err(field_not_found(field, 404)),
    }
}

/// `GET {project}/_apis/wit/workitemtypes/{type}/states`
pub(crate) fn type_states(ctx: &Ctx, p: &Project, name: &str) -> HResult {
    let t = wit(ctx, p, name)?;
    let items: Vec<Value> = t
        .states
        .iter()
        .map(|s| json!({"name": s.name, "color": s.color, "category": s.category}))
        .collect();
    ctx.ok(&list(items))
}

/// `GET {project}/_apis/wit/workitemtypecategories[/{ref}]`
pub(crate) fn categories(ctx: &Ctx, p: &Project, one: Option<&str>) -> HResult {
    let pr = process(ctx, p)?;
    let mut items = Vec::new();
    for c in &pr.categories {
        if let Some(o) = one
            && !c.ref_name.eq_ignore_ascii_case(o)
            && !c.name.eq_ignore_ascii_case(o)
        {
            continue;
        }
        let enabled: Vec<&WitType> = c
            .types
            .iter()
            .filter_map(|n| pr.wit(n))
            .filter(|t| !t.disabled)
            .collect();
        let Some(default) = enabled.first() else {
            continue;
        };
        let r = |t: &WitType| json!({"name": t.name, "url": type_url(ctx, p, t)});
        items.push(json!({
            "name": c.name,
            "referenceName": c.ref_name,
            "defaultWorkItemType": r(default),
            "workItemTypes": enabled.iter().map(|t| r(t)).collect::<Vec<_>>(),
            "url": format!("{}/{}/_apis/wit/workItemTypeCategories/{}", ctx.url, p.id, c.ref_name),
        }));
    }
    match one {
        None => ctx.ok(&list(items)),
        Some(o) => match items.into_iter().next() {
            Some(v) => ctx.ok(&v),
            None => Err(ado_error(
                404,
                &format!(
                    "The work item type category '{}' does not exist in project '{}'.",
                    truncate(o, 200),
                    p.name
                ),
                "WorkItemTypeCategoryNotFoundException",
            )),
        },
    }
}

// ---------------------------------------------------------------------------
// Classification nodes
// ---------------------------------------------------------------------------

fn group_name(is_area: bool) -> &'static str {
    if is_area { "Areas" } else { "Iterations" }
}

fn node_path(p: &Project, tree: &Tree, idx: usize) -> String {
    let root = if tree.is_area { "Area" } else { "Iteration" };
    match tree.nodes.get(idx) {
        Some(n) if !n.rel.is_empty() => format!("\\{}\\{root}\\{}", p.name, n.rel),
        _ => format!("\\{}\\{root}", p.name),
    }
}

fn node_url(ctx: &Ctx, p: &Project, tree: &Tree, idx: usize) -> String {
    let mut url = format!(
        "{}/{}/_apis/wit/classificationNodes/{}",
        ctx.url,
        p.id,
        group_name(tree.is_area)
    );
    if let Some(n) = tree.nodes.get(idx) {
        for seg in n.rel.split('\\').filter(|s| !s.is_empty()) {
            url.push('/');
            url.push_str(&encode_segment(seg));
        }
    }
    url
}

fn node_json(ctx: &Ctx, p: &Project, tree: &Tree, idx: usize, depth: u32, top: bool) -> Value {
    let Some(n) = tree.nodes.get(idx) else {
        return Value::Null;
    };
    let mut m = Map::new();
    m.insert("id".into(), Value::from(n.id));
    m.insert("identifier".into(), Value::String(n.identifier.clone()));
    m.insert("name".into(), Value::String(n.name.clone()));
    m.insert(
        "structureType".into(),
        Value::String(if tree.is_area { "area" } else { "iteration" }.into()),
    );
    m.insert("hasChildren".into(), Value::Bool(!n.children.is_empty()));
    m.insert("path".into(), Value::String(node_path(p, tree, idx)));
    if let Some((s, f)) = n.dates {
        m.insert(
            "attributes".into(),
            json!({"startDate": date_string(s), "finishDate": date_string(f)}),
        );
    }
    if depth > 0 && !n.children.is_empty() {
        let kids: Vec<Value> = n
            .children
            .iter()
            .map(|c| node_json(ctx, p, tree, *c, depth - 1, false))
            .collect();
        m.insert("children".into(), Value::Array(kids));
    }
    let url = node_url(ctx, p, tree, idx);
    if top {
        let mut links = Map::new();
        links.insert("self".into(), json!({"href": url}));
        if let Some(parent) = n.parent {
            links.insert(
                "parent".into(),
                json!({"href": node_url(ctx, p, tree, parent)}),
            );
        }
        m.insert("_links".into(), Value::Object(links));
    }
    m.insert("url".into(), Value::String(url));
    Value::Object(m)
}

fn parse_depth(ctx: &Ctx) -> Result<u32, Resp> {
    match ctx.q("$depth") {
        None => Ok(0),
        Some(d) => d.trim().parse::<u32>().map(|d| d.min(64)).map_err(|_| {
            ado_error(
                400,
                &format!(
                    "The value '{}' of query parameter '$depth' is not valid: expected a non-negative integer.",
                    truncate(d, 50)
                ),
                "InvalidArgumentValueException",
            )
        }),
    }
}

fn node_not_found(p: &Project, is_area: bool, rel: &str) -> Resp {
    let root = if is_area { "Area" } else { "Iteration" };
    let shown = if rel.is_empty() {
        format!("\\{}\\{root}", p.name)
    } else {
        format!("\\{}\\{root}\\{}", p.name, truncate(rel, 300))
    };
    ado_error_ex(
        404,
        &format!(
            "TF200016: The following node does not exist: {shown}. Verify that the name of the node is correct and that the node exists on the specified Azure DevOps Server."
        ),
        "WorkItemTrackingTreeNodeNotFoundException",
        0,
        3200,
    )
}

/// `GET {project}/_apis/wit/classificationnodes?$depth=N` (both roots) or
/// `?ids=1,2[&errorPolicy=omit]`.
pub(crate) fn nodes_root(ctx: &Ctx, p: &Project) -> HResult {
    let depth = parse_depth(ctx)?;
    let trees = p.trees();
    if let Some(ids) = ctx.q("ids") {
        let omit = ctx
            .q("errorPolicy")
            .is_some_and(|e| e.eq_ignore_ascii_case("omit"));
        let mut out = Vec::new();
        for raw in ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(1000)
        {
            let found = raw.parse::<i64>().ok().and_then(|id| {
                trees
                    .areas
                    .by_id(id)
                    .map(|i| (&trees.areas, i))
                    .or_else(|| trees.iterations.by_id(id).map(|i| (&trees.iterations, i)))
            });
            match found {
                Some((tree, i)) => out.push(node_json(ctx, p, tree, i, depth, true)),
                None if omit => out.push(Value::Null),
                None => {
                    return Err(ado_error_ex(
                        404,
                        &format!(
                            "VS402485: The classification node with id '{}' does not exist, or you do not have permission to read it.",
                            truncate(raw, 50)
                        ),
                        "WorkItemTrackingTreeNodeNotFoundException",
                        0,
                        3200,
                    ));
                }
            }
        }
        return ctx.ok(&list(out));
    }
    let items = vec![
        node_json(ctx, p, &trees.areas, 0, depth, true),
        node_json(ctx, p, &trees.iterations, 0, depth, true),
    ];
    ctx.ok(&list(items))
}

/// `GET {project}/_apis/wit/classificationnodes/{areas|iterations}[/{path}]`
pub(crate) fn nodes_get(ctx: &Ctx, p: &Project, group: &str, path: &[String]) -> HResult {
    let is_area = match group.to_lowercase().as_str() {
        // The enum's numbers bind too (TreeStructureGroup: Areas = 0,
        // Iterations = 1), as the Node client sends them.
        "areas" | "area" | "0" => true,
        "iterations" | "iteration" | "1" => false,
        _ => {
            return Err(ado_error(
                400,
                &format!(
                    "The structure group '{}' is not valid. Use 'Areas' or 'Iterations'.",
                    truncate(group, 50)
                ),
                "InvalidArgumentValueException",
            ));
        }
    };
    let depth = parse_depth(ctx)?;
    let trees = p.trees();
    let tree = if is_area {
        &trees.areas
    } else {
        &trees.iterations
    };
    let rel = path
        .iter()
        .flat_map(|s| s.split(['\\', '/']))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\\");
    match tree.find(&rel) {
        Some(i) => ctx.ok(&node_json(ctx, p, tree, i, depth, true)),
        None => Err(node_not_found(p, is_area, &rel)),
    }
}

// ---------------------------------------------------------------------------
// Team settings
// ---------------------------------------------------------------------------

fn field_form(p: &Project, rel: &str) -> String {
    let rel = rel.trim_matches(['\\', '/']).replace('/', "\\");
    if rel.is_empty() {
        p.name.clone()
    } else {
        format!("{}\\{rel}", p.name)
    }
}

fn team_or_default<'a>(p: &'a Project, team: Option<&'a Team>) -> Result<&'a Team, Resp> {
    team.or_else(|| p.default_team()).ok_or_else(|| {
        ado_error(
            404,
            "The project has no default team.",
            "TeamNotFoundException",
        )
    })
}

/// `GET {project}[/{team}]/_apis/work/teamsettings`
pub(crate) fn team_settings(ctx: &Ctx, p: &Project, team: Option<&Team>) -> HResult {
    let t = team_or_default(p, team)?;
    let trees = p.trees();
    let it = &trees.iterations;
    let base = format!("{}/{}/{}/_apis/work/teamsettings", ctx.url, p.id, t.id);
    let iter_ref = |idx: usize| {
        let n = it.nodes.get(idx);
        json!({
            "id": n.map(|n| n.identifier.clone()).unwrap_or_default(),
            "name": n.map(|n| n.name.clone()).unwrap_or_default(),
            "path": n.map(|n| if n.rel.is_empty() { String::new() } else { format!("\\{}", n.rel) }).unwrap_or_default(),
            "url": node_url(ctx, p, it, idx)
        })
    };
    let default_iter = t.iteration.as_deref().and_then(|r| it.find(r));
    let pr = process(ctx, p)?;
    let bugs = match pr.base_name(cat(ctx)) {
        "Scrum" => "asRequirements",
        "Basic" => "off",
        _ => "asTasks",
    };
    let mut links = json!({
        "self": {"href": base},
        "project": {"href": ctx.project_url(p)},
        "team": {"href": format!("{}/teams/{}", ctx.project_url(p), t.id)},
        "teamIterations": {"href": format!("{base}/iterations")},
        "teamFieldValues": {"href": format!("{base}/teamfieldvalues")},
        "classificationNode": [{"href": node_url(ctx, p, it, 0)}]
    });
    if let (Some(i), Some(arr)) = (
        default_iter,
        links
            .get_mut("classificationNode")
            .and_then(Value::as_array_mut),
    ) {
        arr.push(json!({"href": node_url(ctx, p, it, i)}));
    }
    let body = json!({
        "backlogIteration": iter_ref(0),
        "bugsBehavior": bugs,
        "workingDays": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "backlogVisibilities": {
            "Microsoft.EpicCategory": false,
            "Microsoft.FeatureCategory": true,
            "Microsoft.RequirementCategory": true
        },
        "defaultIteration": default_iter.map(iter_ref).unwrap_or(Value::Null),
        "defaultIterationMacro": "@currentIteration",
        "url": base,
        "_links": links
    });
    ctx.ok(&body)
}

/// `GET {project}[/{team}]/_apis/work/teamsettings/teamfieldvalues`
pub(crate) fn team_field_values(ctx: &Ctx, p: &Project, team: Option<&Team>) -> HResult {
    let t = team_or_default(p, team)?;
    let base = format!("{}/{}/{}/_apis/work/teamsettings", ctx.url, p.id, t.id);
    let values: Vec<Value> = t
        .areas
        .iter()
        .map(|a| json!({"value": field_form(p, a), "includeChildren": true}))
        .collect();
    let body = json!({
        "field": {
            "referenceName": "System.AreaPath",
            "url": format!("{}/_apis/wit/fields/System.AreaPath", ctx.url)
        },
        "defaultValue": field_form(p, &t.default_area),
        "values": values,
        "url": format!("{base}/teamfieldvalues"),
        "_links": {
            "self": {"href": format!("{base}/teamfieldvalues")},
            "project": {"href": ctx.project_url(p)},
            "team": {"href": format!("{}/teams/{}", ctx.project_url(p), t.id)},
            "teamSettings": {"href": base},
            "areaPathClassificationNodes": {"href": format!("{}/{}/_apis/wit/classificationNodes/Areas", ctx.url, p.id)}
        }
    });
    ctx.ok(&body)
}

// ---------------------------------------------------------------------------
// Work items
// ---------------------------------------------------------------------------

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
    super::http::json_resp(400, &body, None)
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
    let c = cat(ctx);
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
    let Some(person) = cat(ctx).people.get(idx) else {
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
    let t = wit(ctx, p, type_name)?;
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
    let doc: Value =
        serde_json::from_slice(ctx.body).map_err(|_| invalid_patch("The body is not JSON."))?;
    let ops = doc
        .as_array()
        .ok_or_else(|| invalid_patch("The body must be a JSON array of operations."))?;
    if ops.is_empty() {
        return Err(invalid_patch("The patch document is empty."));
    }
    let c = cat(ctx);
    let bypass = ctx.flag("bypassRules");
    let trees = p.trees();
    // Collect field values (last write wins).
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

    let mut errors: Vec<RuleError> = Vec::new();
    let mut fields = Map::new();
    let mut area = p.name.clone();
    let mut iteration = p.name.clone();
    let initial = t.states.first().map(|s| s.name.clone()).unwrap_or_default();

    for (fi, value) in &given {
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
                    Some(ok) => {
                        if is_area {
                            area = ok;
                        } else {
                            iteration = ok;
                        }
                    }
                    None => return Err(tree_path_error(&f.ref_name)),
                }
                continue;
            }
            _ => {}
        }
        if f.read_only || f.system {
            if !bypass {
                errors.push(rule_error(f, vec!["readOnly"]));
            }
            continue;
        }
        let Some(text) = text else {
            if tf.required && !bypass {
                let mut flags = vec!["required"];
                if !tf.allowed.is_empty() {
                    flags.extend(["hasValues", "limitedToValues"]);
                }
                flags.push("invalidEmpty");
                errors.push(rule_error(f, flags));
            }
            continue;
        };
        if f.identity {
            match resolve_identity(ctx, p, &text) {
                Some(i) => {
                    fields.insert(f.ref_name.clone(), work_item_identity(ctx, i));
                }
                None if bypass => {
                    fields.insert(f.ref_name.clone(), Value::String(text));
                }
                None => errors.push(rule_error(
                    f,
                    vec!["hasValues", "limitedToValues", "invalidIdentity"],
                )),
            }
            continue;
        }
        // Type checks.
        let typed: Result<Value, &'static str> = match f.field_type.as_str() {
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
                if d.get(..10).and_then(super::util::parse_ymd).is_some() {
                    Ok(Value::String(d.to_string()))
                } else {
                    Err("invalidDate")
                }
            }
            "string" if text.chars().count() > 255 => Err("invalidTooLong"),
            _ => Ok(Value::String(text.clone())),
        };
        let typed = match typed {
            Ok(v) => v,
            Err(flag) => {
                if !bypass {
                    errors.push(rule_error(f, vec![flag]));
                }
                continue;
            }
        };
        if f.ref_name == "System.State" && !text.eq_ignore_ascii_case(&initial) && !bypass {
            errors.push(rule_error(
                f,
                vec![
                    "required",
                    "hasValues",
                    "limitedToValues",
                    "invalidListValue",
                ],
            ));
            continue;
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
            errors.push(rule_error(f, flags));
            continue;
        }
        fields.insert(f.ref_name.clone(), typed);
    }

    // Required fields nobody set.
    if !bypass {
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
            let mut flags = vec!["required"];
            if !tf.allowed.is_empty() {
                flags.extend(["hasValues", "limitedToValues"]);
            }
            flags.push("invalidEmpty");
            errors.push(rule_error(f, flags));
        }
    }
    if !errors.is_empty() {
        return Err(rule_validation(&errors));
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

    // The would-be work item.
    let now = now_rfc3339();
    let me = ctx
        .caller
        .person()
        .map(|i| work_item_identity(ctx, i))
        .unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("System.AreaPath".into(), Value::String(area));
    out.insert("System.TeamProject".into(), Value::String(p.name.clone()));
    out.insert("System.IterationPath".into(), Value::String(iteration));
    out.insert("System.WorkItemType".into(), Value::String(t.name.clone()));
    out.insert("System.State".into(), Value::String(initial));
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
    for (k, v) in fields {
        out.insert(k, v);
    }
    let wi_url = format!("{}/_apis/wit/workItems/0", ctx.url);
    let body = json!({
        "id": 0,
        "rev": 1,
        "fields": out,
        "_links": {
            "self": {"href": wi_url},
            "workItemUpdates": {"href": format!("{wi_url}/updates")},
            "workItemRevisions": {"href": format!("{wi_url}/revisions")},
            "workItemHistory": {"href": format!("{wi_url}/history")},
            "workItemComments": {"href": format!("{wi_url}/comments")},
            "html": {"href": format!("{}/web/wi.aspx?pcguid={}&id=0", ctx.url, ctx.org.id)},
            "workItemType": {"href": type_url(ctx, p, t)},
            "fields": {"href": format!("{}/_apis/wit/fields", ctx.url)}
        },
        "url": wi_url
    });
    ctx.ok(&body)
}

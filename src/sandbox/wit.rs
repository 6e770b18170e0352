//! Work item tracking metadata: work item types, their fields and states,
//! categories, fields, classification nodes and team settings.
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
//! - Work items (the dry-run create and `GET`) are in `workitems`.

use serde_json::{Map, Value, json};

use super::ctx::{Ctx, field_not_found};
use super::data::{Catalog, FieldDef, Project, Team, Tree, TypeField, WitType};
use super::http::{HResult, Resp, ado_error, ado_error_ex, escape_xml, list, truncate};
use super::util::{date_string, encode_segment};

fn field_url(ctx: &Ctx, f: &FieldDef) -> String {
    format!("{}/_apis/wit/fields/{}", ctx.url, f.ref_name)
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
    let c = ctx.catalog();
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
        .filter_map(|i| ctx.catalog().fields.get(i))
        .map(|f| field_json(ctx, f))
        .collect();
    ctx.ok(&list(items))
}

/// `GET [{project}/]_apis/wit/fields/{refOrName}`
pub(crate) fn field_get(ctx: &Ctx, p: Option<&Project>, key: &str) -> HResult {
    let procs: Vec<usize> = match p {
        Some(p) => vec![p.process],
        None => ctx.org.processes.clone(),
    };
    let used = fields_in(ctx, &procs);
    match ctx.catalog().field(key).filter(|i| used.contains(i)) {
        Some(i) => match ctx.catalog().fields.get(i) {
            Some(f) => ctx.ok(&field_json(ctx, f)),
            None => Err(field_not_found(key, 404)),
        },
        None => Err(field_not_found(key, 404)),
    }
}

fn identity_values(ctx: &Ctx, p: &Project) -> Vec<Value> {
    p.members()
        .iter()
        .filter_map(|i| ctx.catalog().people.get(*i))
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
    let c = ctx.catalog();
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
    let c = ctx.catalog();
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
    let url = ctx.type_url(p, t);
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
    let pr = ctx.process(p)?;
    let items: Vec<Value> = pr
        .types
        .iter()
        .map(|t| type_json(ctx, p, t, false))
        .collect();
    ctx.ok(&list(items))
}

/// `GET {project}/_apis/wit/workitemtypes/{type}`
pub(crate) fn type_get(ctx: &Ctx, p: &Project, name: &str) -> HResult {
    let t = ctx.work_item_type(p, name)?;
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
    let t = ctx.work_item_type(p, name)?;
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
    let t = ctx.work_item_type(p, name)?;
    let mode = if expand_all(ctx) { 2 } else { 1 };
    let tf = ctx
        .catalog()
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
    let t = ctx.work_item_type(p, name)?;
    let items: Vec<Value> = t
        .states
        .iter()
        .map(|s| json!({"name": s.name, "color": s.color, "category": s.category}))
        .collect();
    ctx.ok(&list(items))
}

/// `GET {project}/_apis/wit/workitemtypecategories[/{ref}]`
pub(crate) fn categories(ctx: &Ctx, p: &Project, one: Option<&str>) -> HResult {
    let pr = ctx.process(p)?;
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
        let r = |t: &WitType| json!({"name": t.name, "url": ctx.type_url(p, t)});
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
    let pr = ctx.process(p)?;
    let bugs = match pr.base_name(ctx.catalog()) {
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

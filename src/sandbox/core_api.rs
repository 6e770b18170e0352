//! Core, process and security APIs: connectionData, projects (paged), project
//! properties, teams and members, processes, security namespaces, permission
//! evaluation (the resource locations are in `location`).
//!
//! Contract: bodies have the shapes of the official examples
//! (`core__Projects_List.json`, `core__Teams_*.json`,
//! `processes__Processes_*.json`, `security__*.json`, …). Paging of the
//! project list: `$top` (default 100), `$skip`, `continuationToken`; when
//! more remain, the `x-ms-continuationtoken` header holds the value to pass
//! back. Permission answers come from a per-identity table: the main user is
//! Project Administrator unless the project's asset entry overrides a
//! namespace mask; the `no-permissions` scenario answers `false` everywhere.

use serde_json::{Value, json};

use super::ctx::Ctx;
use super::data::{
    ANONYMOUS_ID, MSA_TENANT, NS_CSS, NS_ITERATION, NS_PROJECT, NS_SERVICE_HOOKS, NS_TAGGING,
    Person, Project, SERVER_DEPLOYMENT_ID, SERVICES_DEPLOYMENT_ID, full_mask, namespace_name,
};
use super::http::{HResult, Resp, add_header, ado_error, list, truncate};
use super::util::{guid_from, is_guid, wildcard_match};

/// The identity object of connectionData.
fn identity(ctx: &Ctx, person: Option<&Person>) -> Value {
    let Some(p) = person else {
        return json!({
            "id": ANONYMOUS_ID,
            "descriptor": "Microsoft.TeamFoundation.UnauthenticatedIdentity;S-1-0-0",
            "subjectDescriptor": "s2s.YWFhYWFhYWEtYWFhYS1hYWFhLWFhYWEtYWFhYWFhYWFhYWFh",
            "providerDisplayName": "Anonymous",
            "isActive": true,
            "properties": {},
            "resourceVersion": 2,
            "metaTypeId": 255
        });
    };
    let org = ctx.org;
    let app = ctx
        .caller
        .person()
        .and_then(|i| ctx.st.cat.app_of(i))
        .filter(|a| {
            ctx.st
                .cat
                .people
                .get(a.person)
                .is_some_and(|x| x.id == p.id)
        });
    let (descriptor, subject, account) = if let Some(a) = app {
        (
            format!(
                "Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;{}\\{}",
                a.tenant, p.id
            ),
            p.descriptor.clone(),
            a.client_id.clone(),
        )
    } else if org.server {
        let sid = format!(
            "S-1-5-21-2127521184-1604012920-1887927527-{}",
            1000 + super::util::fnv1a64(p.email.as_bytes()) % 90_000
        );
        (
            format!("System.Security.Principal.WindowsIdentity;{sid}"),
            format!("win.{}", super::util::b64url_encode(sid.as_bytes())),
            p.windows.clone(),
        )
    } else if org.tenant.as_deref() == Some(MSA_TENANT) {
        let puid = format!("{:016X}", super::util::fnv1a64(p.email.as_bytes()));
        (
            format!("Microsoft.IdentityModel.Claims.ClaimsIdentity;{puid}@Live.com"),
            format!(
                "msa.{}",
                p.descriptor.strip_prefix("aad.").unwrap_or(&p.descriptor)
            ),
            p.email.clone(),
        )
    } else {
        (
            format!(
                "Microsoft.IdentityModel.Claims.ClaimsIdentity;{}\\{}",
                org.tenant.as_deref().unwrap_or(""),
                p.email
            ),
            p.descriptor.clone(),
            p.email.clone(),
        )
    };
    json!({
        "id": p.id,
        "descriptor": descriptor,
        "subjectDescriptor": subject,
        "providerDisplayName": p.name,
        "isActive": true,
        "properties": {"Account": {"$type": "System.String", "$value": account}},
        "resourceVersion": 2,
        "metaTypeId": 0
    })
}

fn person<'a>(ctx: &Ctx<'a>) -> Option<&'a Person> {
    ctx.caller.person().and_then(|i| ctx.st.cat.people.get(i))
}

/// `GET _apis/connectionData`
pub(crate) fn connection_data(ctx: &Ctx) -> HResult {
    let user = identity(ctx, person(ctx));
    let (deployment_id, deployment_type) = if ctx.org.server {
        (SERVER_DEPLOYMENT_ID, "onPremises")
    } else {
        (SERVICES_DEPLOYMENT_ID, "hosted")
    };
    let body = json!({
        "authenticatedUser": user,
        "authorizedUser": user,
        "instanceId": ctx.org.id,
        "deploymentId": deployment_id,
        "deploymentType": deployment_type,
        "locationServiceData": {
            "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
            "defaultAccessMappingMoniker": "PublicAccessMapping",
            "lastChangeId": 305_174,
            "lastChangeId64": 305_174,
            "clientAccessMappingMoniker": "PublicAccessMapping",
            "accessMappings": [{
                "displayName": "Public Access Mapping",
                "moniker": "PublicAccessMapping",
                "accessPoint": format!("{}/", ctx.url),
                "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
                "virtualDirectory": ""
            }],
            "serviceDefinitions": []
        }
    });
    ctx.ok(&body)
}

fn project_ref(ctx: &Ctx, p: &Project) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "url": ctx.project_url(p),
        "state": "wellFormed",
        "revision": p.revision,
        "visibility": p.visibility,
        "lastUpdateTime": p.last_update,
    });
    if let (Some(d), Value::Object(m)) = (&p.description, &mut v) {
        m.insert("description".into(), Value::String(d.clone()));
    }
    v
}

fn parse_count(ctx: &Ctx, name: &str) -> Result<Option<usize>, Resp> {
    match ctx.q(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
            ado_error(
                400,
                &format!(
                    "The value '{}' of query parameter '{name}' is not valid: expected a non-negative integer.",
                    truncate(v, 50)
                ),
                "InvalidArgumentValueException",
            )
        }),
    }
}

/// `GET _apis/projects` with `$top`, `$skip`, `continuationToken`.
pub(crate) fn projects_list(ctx: &Ctx) -> HResult {
    let top = parse_count(ctx, "$top")?.unwrap_or(100);
    let skip = parse_count(ctx, "$skip")?.unwrap_or(0);
    let start = match ctx.q("continuationToken") {
        Some(t) if !t.is_empty() => t.trim().parse::<usize>().map_err(|_| {
            ado_error(
                400,
                &format!("The continuation token '{}' is not valid.", truncate(t, 50)),
                "InvalidArgumentValueException",
            )
        })?,
        _ => skip,
    };
    // The catalog keeps projects sorted by name.
    let all = &ctx.org.projects;
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(top)
        .map(|p| project_ref(ctx, p))
        .collect();
    let end = start.saturating_add(top);
    let mut resp = super::http::ok(&list(page), &ctx.ver);
    if end < all.len() && top > 0 {
        add_header(&mut resp, "x-ms-continuationtoken", &end.to_string());
    }
    Ok(resp)
}

/// `GET _apis/projects/{idOrName}` (`includeCapabilities`).
pub(crate) fn project_get(ctx: &Ctx, key: &str) -> HResult {
    let p = ctx.project(key)?;
    let mut v = project_ref(ctx, p);
    let team = p.default_team();
    if let Value::Object(m) = &mut v {
        m.insert(
            "_links".into(),
            json!({
                "self": {"href": ctx.project_url(p)},
                "collection": {"href": format!("{}/_apis/projectCollections/{}", ctx.url, ctx.org.id)},
                "web": {"href": format!("{}/{}", ctx.url, super::util::encode_segment(&p.name))}
            }),
        );
        if let Some(t) = team {
            m.insert(
                "defaultTeam".into(),
                json!({
                    "id": t.id,
                    "name": t.name,
                    "url": format!("{}/teams/{}", ctx.project_url(p), t.id)
                }),
            );
        }
        if ctx.flag("includeCapabilities") {
            let proc_ = ctx.st.cat.processes.get(p.process);
            let git = p.source_control.eq_ignore_ascii_case("git");
            m.insert(
                "capabilities".into(),
                json!({
                    "versioncontrol": {
                        "sourceControlType": p.source_control,
                        "gitEnabled": if git { "True" } else { "False" },
                        "tfvcEnabled": if git { "False" } else { "True" }
                    },
                    "processTemplate": {
                        "templateName": proc_.map(|x| x.name.as_str()).unwrap_or(""),
                        "templateTypeId": proc_.map(|x| x.type_id.as_str()).unwrap_or("")
                    }
                }),
            );
        }
    }
    ctx.ok(&v)
}

/// `GET _apis/projects/{id}/properties` (`keys` filter with `*`).
pub(crate) fn project_properties(ctx: &Ctx, key: &str) -> HResult {
    let p = ctx.project(key)?;
    let cat = ctx.st.cat.get();
    let Some(proc_) = cat.processes.get(p.process) else {
        return Err(ado_error(500, "Process not found.", "VssServiceException"));
    };
    let template = guid_from(&format!("template:{}:{}", ctx.org.name, proc_.type_id));
    let original = match &proc_.parent {
        Some(parent) => guid_from(&format!("template:{}:{}", ctx.org.name, parent)),
        None => template.clone(),
    };
    let git = p.source_control.eq_ignore_ascii_case("git");
    let mut props: Vec<(&str, String)> = vec![
        ("System.CurrentProcessTemplateId", template),
        ("System.OriginalProcessTemplateId", original),
        ("System.ProcessTemplateType", proc_.type_id.clone()),
        ("System.Process Template", proc_.name.clone()),
        (
            "System.Microsoft.TeamFoundation.Team.Default",
            p.default_team().map(|t| t.id.clone()).unwrap_or_default(),
        ),
        (
            "System.SourceControlCapabilityFlags",
            if git { "2" } else { "1" }.to_string(),
        ),
    ];
    if git {
        props.push(("System.SourceControlGitEnabled", "True".into()));
        props.push((
            "System.SourceControlGitPermissionsInitialized",
            "True".into(),
        ));
    } else {
        props.push(("System.SourceControlTfvcEnabled", "True".into()));
    }
    let keys: Vec<&str> = ctx
        .q("keys")
        .map(|k| {
            k.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let items: Vec<Value> = props
        .into_iter()
        .filter(|(n, _)| keys.is_empty() || keys.iter().any(|k| wildcard_match(k, n)))
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    ctx.ok(&list(items))
}

fn team_json(ctx: &Ctx, p: &Project, t: &super::data::Team) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "url": format!("{}/teams/{}", ctx.project_url(p), t.id),
        "description": t.description,
        "identityUrl": ctx.st.identity_url(ctx.org, &t.id),
        "projectName": p.name,
        "projectId": p.id
    })
}

/// `GET _apis/projects/{p}/teams` (`$mine`, `$top`, `$skip`).
pub(crate) fn teams_list(ctx: &Ctx, key: &str) -> HResult {
    let p = ctx.project(key)?;
    let top = parse_count(ctx, "$top")?.unwrap_or(100);
    let skip = parse_count(ctx, "$skip")?.unwrap_or(0);
    let me = ctx.caller.person();
    let mine = ctx.flag("$mine");
    let items: Vec<Value> = p
        .teams
        .iter()
        .filter(|t| !mine || t.members.iter().any(|(m, _)| Some(*m) == me))
        .skip(skip)
        .take(top)
        .map(|t| team_json(ctx, p, t))
        .collect();
    ctx.ok(&json!({"value": items, "count": items.len()}))
}

/// `GET _apis/projects/{p}/teams/{t}`
pub(crate) fn team_get(ctx: &Ctx, pkey: &str, tkey: &str) -> HResult {
    let p = ctx.project(pkey)?;
    let t = ctx.team(p, tkey)?;
    ctx.ok(&team_json(ctx, p, t))
}

/// `GET _apis/projects/{p}/teams/{t}/members`
pub(crate) fn team_members(ctx: &Ctx, pkey: &str, tkey: &str) -> HResult {
    let p = ctx.project(pkey)?;
    let t = ctx.team(p, tkey)?;
    let top = parse_count(ctx, "$top")?.unwrap_or(100);
    let skip = parse_count(ctx, "$skip")?.unwrap_or(0);
    let items: Vec<Value> = t
        .members
        .iter()
        .skip(skip)
        .take(top)
        .filter_map(|(i, admin)| {
            let person = ctx.st.cat.people.get(*i)?;
            Some(json!({"isTeamAdmin": admin, "identity": ctx.identity_ref(person)}))
        })
        .collect();
    ctx.ok(&json!({"value": items, "count": items.len()}))
}

fn process_json(ctx: &Ctx, idx: usize) -> Option<Value> {
    let pr = ctx.st.cat.processes.get(idx)?;
    let mut v = json!({
        "typeId": pr.type_id,
        "referenceName": null,
        "name": pr.name,
        "description": pr.description,
        "parentProcessTypeId": pr.parent.clone().unwrap_or_else(|| MSA_TENANT.to_string()),
        "isEnabled": true,
        "isDefault": pr.is_default,
        "customizationType": pr.customization
    });
    if ctx
        .q("$expand")
        .is_some_and(|e| e.to_lowercase().contains("projects"))
        && let Value::Object(m) = &mut v
    {
        let projects: Vec<Value> = ctx
            .org
            .projects
            .iter()
            .filter(|p| p.process == idx)
            .map(|p| {
                json!({
                    "id": p.id,
                    "name": p.name,
                    "description": p.description.clone().unwrap_or_default(),
                    "url": ctx.project_url(p)
                })
            })
            .collect();
        m.insert("projects".into(), Value::Array(projects));
    }
    Some(v)
}

/// `GET _apis/work/processes` (`$expand=projects`).
pub(crate) fn processes_list(ctx: &Ctx) -> HResult {
    let items: Vec<Value> = ctx
        .org
        .processes
        .iter()
        .filter_map(|i| process_json(ctx, *i))
        .collect();
    ctx.ok(&list(items))
}

/// `GET _apis/work/processes/{typeId}`
pub(crate) fn process_get(ctx: &Ctx, id: &str) -> HResult {
    let found = ctx
        .org
        .processes
        .iter()
        .find(|i| {
            ctx.st
                .cat
                .processes
                .get(**i)
                .is_some_and(|p| p.type_id.eq_ignore_ascii_case(id))
        })
        .and_then(|i| process_json(ctx, *i));
    match found {
        Some(v) => ctx.ok(&v),
        None => Err(ado_error(
            404,
            &format!(
                "VS402360: The process with type id '{}' does not exist or you do not have permission to access it.",
                truncate(id, 100)
            ),
            "ProcessNotFoundByTypeIdException",
        )),
    }
}

/// `GET _apis/securitynamespaces[/{id}]`
pub(crate) fn security_namespaces(ctx: &Ctx, id: Option<&str>) -> HResult {
    let ns: Vec<Value> = ctx
        .st
        .cat
        .namespaces
        .iter()
        .filter(|n| match id {
            None => true,
            Some("00000000-0000-0000-0000-000000000000") => true,
            Some(x) => n
                .get("namespaceId")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(x)),
        })
        .map(namespace_json)
        .collect();
    ctx.ok(&list(ns))
}

fn namespace_json(n: &Value) -> Value {
    let id = n.get("namespaceId").cloned().unwrap_or(Value::Null);
    let mut out = n.clone();
    if let Value::Object(m) = &mut out {
        let actions: Vec<Value> = n
            .get("actions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|x| {
                        json!({
                            "bit": x.get(0).cloned().unwrap_or(Value::Null),
                            "name": x.get(1).cloned().unwrap_or(Value::Null),
                            "displayName": x.get(2).cloned().unwrap_or(Value::Null),
                            "namespaceId": id
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        m.insert("actions".into(), Value::Array(actions));
    }
    out
}

/// The allowed-bits mask of the caller for `token` in `ns`.
fn mask_for(ctx: &Ctx, ns: &str, token: &str) -> u64 {
    if ctx.caller.no_permissions() {
        return 0;
    }
    let cat = ctx.st.cat.get();
    let Some(name) = namespace_name(cat, ns) else {
        return 0;
    };
    let ns = ns.to_lowercase();
    let token = token.trim();
    enum Target<'a> {
        Org,
        Project(&'a Project),
        Nothing,
    }
    let by_id = |id: &str| match ctx.org.project(id) {
        Some(p) if is_guid(id) => Target::Project(p),
        _ => Target::Nothing,
    };
    let target = match ns.as_str() {
        NS_PROJECT => {
            let prefix = "$project:vstfs:///classification/teamproject/";
            let lower = token.to_lowercase();
            if lower == "$project" || lower == "$project:" {
                Target::Org
            } else if let Some(rest) = lower.strip_prefix(prefix) {
                by_id(rest.split(':').next().unwrap_or(""))
            } else {
                Target::Nothing
            }
        }
        NS_TAGGING => {
            let t = token.trim_start_matches('/');
            if t.is_empty() {
                Target::Org
            } else {
                by_id(t.split('/').next().unwrap_or(""))
            }
        }
        NS_SERVICE_HOOKS => {
            let lower = token.to_lowercase();
            match lower.strip_prefix("publishersecurity") {
                Some("") | Some("/") => Target::Org,
                Some(rest) if rest.starts_with('/') => {
                    by_id(rest.trim_start_matches('/').split('/').next().unwrap_or(""))
                }
                _ => Target::Nothing,
            }
        }
        NS_CSS | NS_ITERATION => {
            let is_area = ns == NS_CSS;
            let first = token
                .to_lowercase()
                .strip_prefix("vstfs:///classification/node/")
                .map(|r| r.split(':').next().unwrap_or("").to_string());
            match first.and_then(|root| ctx.org.project_by_root_node(is_area, &root)) {
                Some(p) => Target::Project(p),
                None => Target::Nothing,
            }
        }
        _ => Target::Nothing,
    };
    let main = ctx.caller.person() == Some(cat.main_user);
    // An application identity has the main user's rights in the projects
    // where it is a team administrator (what an admin would grant it).
    let app_admin = |p: &Project| {
        ctx.caller.person().is_some_and(|me| {
            cat.app_of(me).is_some()
                && p.teams
                    .iter()
                    .any(|t| t.members.iter().any(|(m, admin)| *m == me && *admin))
        })
    };
    match target {
        Target::Project(p) => {
            if !main && !app_admin(p) {
                return 0;
            }
            p.permissions
                .get(&name)
                .copied()
                .unwrap_or_else(|| full_mask(cat, &ns))
        }
        Target::Org => {
            if !main {
                return 0;
            }
            match ns.as_str() {
                NS_PROJECT | NS_TAGGING | NS_SERVICE_HOOKS => 1,
                _ => 0,
            }
        }
        Target::Nothing => 0,
    }
}

fn namespace_known(ctx: &Ctx, ns: &str) -> Result<(), Resp> {
    if is_guid(ns) && namespace_name(&ctx.st.cat, ns).is_some() {
        Ok(())
    } else {
        Err(ado_error(
            404,
            &format!(
                "The security namespace '{}' does not exist.",
                truncate(ns, 100)
            ),
            "InvalidSecurityNamespaceException",
        ))
    }
}

/// `GET _apis/permissions/{namespaceId}/{bits}?tokens=a,b`
pub(crate) fn has_permissions(ctx: &Ctx, ns: &str, bits: &str) -> HResult {
    namespace_known(ctx, ns)?;
    let Ok(bits) = bits.trim().parse::<u64>() else {
        return Err(ado_error(
            400,
            &format!(
                "The value '{}' is not a valid permission bit mask.",
                truncate(bits, 50)
            ),
            "InvalidArgumentValueException",
        ));
    };
    let delimiter = ctx.q("delimiter").filter(|d| !d.is_empty()).unwrap_or(",");
    let tokens: Vec<&str> = match ctx.q("tokens").or_else(|| ctx.q("token")) {
        Some(t) => t.split(delimiter).collect(),
        None => vec![""],
    };
    if tokens.len() > 10_000 {
        return Err(ado_error(
            400,
            "Too many tokens in one request (the sandbox accepts up to 10,000).",
            "InvalidArgumentValueException",
        ));
    }
    let values: Vec<Value> = tokens
        .iter()
        .map(|t| Value::Bool(mask_for(ctx, ns, t) & bits == bits))
        .collect();
    ctx.ok(&list(values))
}

fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// `POST _apis/security/permissionevaluationbatch`
pub(crate) fn permission_batch(ctx: &Ctx) -> HResult {
    let bad = |why: &str| {
        ado_error(
            400,
            &format!("The permission evaluation batch is not valid: {why}"),
            "VssPropertyValidationException",
        )
    };
    let body: Value = serde_json::from_slice(ctx.body).map_err(|_| bad("the body is not JSON."))?;
    let evals = get_ci(&body, "evaluations")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("'evaluations' is missing."))?;
    let mut out = Vec::with_capacity(evals.len());
    for e in evals.iter().take(10_000) {
        let ns = get_ci(e, "securityNamespaceId")
            .and_then(Value::as_str)
            .unwrap_or("");
        let token = get_ci(e, "token").and_then(Value::as_str).unwrap_or("");
        let bits = get_ci(e, "permissions")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let allowed =
            namespace_name(&ctx.st.cat, ns).is_some() && mask_for(ctx, ns, token) & bits == bits;
        out.push(json!({
            "securityNamespaceId": ns,
            "token": token,
            "permissions": bits,
            "value": allowed
        }));
    }
    let always = get_ci(&body, "alwaysAllowAdministrators")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    ctx.ok(&json!({"alwaysAllowAdministrators": always, "evaluations": out}))
}

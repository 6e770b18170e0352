//! The location service, as Azure DevOps serves it: what Microsoft's
//! clients (the `azure-devops` Python package, `azure-devops-node-api`, the
//! .NET client) ask before their first real call.
//!
//! Contract:
//! - `OPTIONS {org}/_apis/` lists every resource location the sandbox
//!   serves (`{count, value: [ApiResourceLocation]}`: id, area,
//!   resourceName, routeTemplate, resourceVersion, minVersion, maxVersion,
//!   releasedVersion); `OPTIONS {org}/_apis/{area}` those of one area (any
//!   case; an unknown area has none). No credentials are needed.
//! - `GET {org}/_apis/resourceAreas[/{areaId}]`: where each area lives
//!   (`{id, name, locationUrl}`). A Server collection answers
//!   `{"count":0,"value":null}`, as on-premises servers do (the clients then
//!   use the collection URL for every area).
//! - The deployment level (`/_apis/…` for Services, `/tfs/_apis/…` for the
//!   Server): `OPTIONS` lists the Location area; `GET resourceAreas` answers
//!   for the organization named by `accountName` or `organizationName`.
//! - Location ids and route templates are those of Microsoft's clients and
//!   REST specifications (`vsts-rest-api-specs`); see [`LOCATIONS`].

use hyper::Method;
use serde_json::{Value, json};

use super::data::Org;
use super::http::{Resp, ado_error, json_resp, list, method_not_allowed, truncate};
use super::state::State;

/// One resource location: id, area, resource name, route template,
/// resource version.
type Location = (&'static str, &'static str, &'static str, &'static str, u32);

/// Every location the sandbox serves, with the ids Microsoft's clients ask
/// for (e.g. `CoreApi.getProjects` → `603fe2ac-…`, the location client's
/// `getResourceAreas` → `e81700f7-…`).
const LOCATIONS: &[Location] = &[
    (
        "00d9565f-ed9c-4a06-9a50-00e7896ccab4",
        "Location",
        "ConnectionData",
        "_apis/{resource}",
        1,
    ),
    (
        "e81700f7-3be2-46de-8624-2eb35882fcaa",
        "Location",
        "ResourceAreas",
        "_apis/{resource}/{areaId}",
        1,
    ),
    (
        "603fe2ac-9723-48b9-88ad-09305aa6c6e1",
        "core",
        "projects",
        "_apis/{resource}/{*projectId}",
        4,
    ),
    (
        "4976a71a-4487-49aa-8aab-a1eda469037a",
        "core",
        "properties",
        "_apis/projects/{projectId}/{resource}",
        1,
    ),
    (
        "d30a3dd1-f8ba-442a-b86a-bd0c0c383e59",
        "core",
        "teams",
        "_apis/projects/{projectId}/{resource}/{*teamId}",
        3,
    ),
    (
        "294c494c-2600-4d7e-b76c-3dd50c3c95be",
        "core",
        "members",
        "_apis/projects/{projectId}/teams/{teamId}/{resource}",
        2,
    ),
    (
        "02cc6a73-5cfb-427d-8c8e-b49fb086e8af",
        "processes",
        "processes",
        "_apis/work/{resource}/{processTypeId}",
        2,
    ),
    (
        "7c8d7a76-4a09-43e8-b5df-bd792f4ac6aa",
        "wit",
        "workItemTypes",
        "{project}/_apis/wit/{resource}/{type}",
        2,
    ),
    (
        "bd293ce5-3d25-4192-8e67-e8092e879efb",
        "wit",
        "workItemTypesField",
        "{project}/_apis/wit/workitemtypes/{type}/fields/{field}",
        3,
    ),
    (
        "7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa",
        "wit",
        "workItemTypeStates",
        "{project}/_apis/wit/workitemtypes/{type}/{resource}",
        1,
    ),
    (
        "9b9f5734-36c8-415e-ba67-f83b45c31408",
        "wit",
        "workItemTypeCategories",
        "{project}/_apis/wit/{resource}/{category}",
        2,
    ),
    (
        "b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94",
        "wit",
        "fields",
        "{project}/_apis/wit/{resource}/{fieldNameOrRefName}",
        3,
    ),
    (
        "5a172953-1b41-49d3-840a-33f79c3ce89f",
        "wit",
        "classificationNodes",
        "{project}/_apis/wit/{resource}/{structureGroup}/{*path}",
        2,
    ),
    (
        "a70579d1-f53a-48ee-a5be-7be8659023b9",
        "wit",
        "classificationNodes",
        "{project}/_apis/wit/{resource}",
        2,
    ),
    (
        "62d3d110-0047-428c-ad3c-4fe872c91c74",
        "wit",
        "workItems",
        "{project}/_apis/wit/{resource}/${type}",
        3,
    ),
    (
        "72c7ddf8-2cdc-4f60-90cd-ab71c14a399b",
        "wit",
        "workItems",
        "{project}/_apis/wit/{resource}/{id}",
        3,
    ),
    (
        "c3c1012b-bea7-49d7-b45e-1664e566f84c",
        "work",
        "teamsettings",
        "{project}/{team}/_apis/work/{resource}",
        1,
    ),
    (
        "07ced576-58ed-49e6-9c1e-5cb53ab8bf2a",
        "work",
        "teamfieldvalues",
        "{project}/{team}/_apis/work/teamsettings/{resource}",
        2,
    ),
    (
        "ce7b9f95-fde9-4be8-a86d-83b366f0b87a",
        "Security",
        "SecurityNamespaces",
        "_apis/{resource}/{securityNamespaceId}",
        1,
    ),
    (
        "dd3b8bd6-c7fc-4cbd-929a-933d9c011c9d",
        "Security",
        "Permissions",
        "_apis/{resource}/{securityNamespaceId}/{permissions}",
        2,
    ),
    (
        "cf1faa59-1b63-4448-bf04-13d981a46f5d",
        "Security",
        "PermissionEvaluationBatch",
        "_apis/security/{resource}",
        1,
    ),
];

/// Resource areas (id as in the clients' `RESOURCE_AREA_ID` /
/// `resource_area_identifier`, name) of the areas served.
pub(crate) const RESOURCE_AREAS: &[(&str, &str)] = &[
    ("79134c72-4a58-4b42-976c-04e7115f32bf", "core"),
    ("5264459e-e5e0-4bd8-b118-0985e68a4ec5", "wit"),
    ("1d4f49f9-02b9-4e26-b826-2cdb6195f2a9", "work"),
];

/// `(maxVersion, releasedVersion)`: Services serve 7.2 as preview and 7.1
/// released; a collection serves exactly its api-version.
fn versions(org: Option<&Org>, st: &State) -> (String, String) {
    match org {
        Some(o) if o.server => (o.max_api_version(), o.max_api_version()),
        Some(o) => (o.max_api_version(), "7.1".to_string()),
        // The Server deployment: its newest collection.
        None => {
            let newest = st.cat.collections().max_by_key(|o| o.max_api_key());
            let v = newest.map_or_else(|| "6.0".to_string(), Org::max_api_version);
            (v.clone(), v)
        }
    }
}

fn location_json(loc: &Location, max: &str, released: &str) -> Value {
    let (id, area, name, route, rv) = loc;
    json!({
        "id": id,
        "area": area,
        "resourceName": name,
        "routeTemplate": route,
        "resourceVersion": rv,
        "minVersion": "1.0",
        "maxVersion": max,
        "releasedVersion": released
    })
}

/// `OPTIONS {org}/_apis/[{area}]`.
pub(crate) fn resource_locations(st: &State, org: &Org, area: Option<&str>) -> Resp {
    let (max, released) = versions(Some(org), st);
    let items: Vec<Value> = LOCATIONS
        .iter()
        .filter(|l| area.is_none_or(|a| l.1.eq_ignore_ascii_case(a)))
        .map(|l| location_json(l, &max, &released))
        .collect();
    json_resp(200, &list(items), None)
}

/// `{id, name, locationUrl}` of each area of `org`.
fn areas_of(org_url: &str) -> Vec<Value> {
    RESOURCE_AREAS
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name, "locationUrl": format!("{org_url}/")}))
        .collect()
}

/// `GET {org}/_apis/resourceAreas[/{areaId}]`.
pub(crate) fn resource_areas(st: &State, org: &Org, area_id: Option<&str>, ver: &str) -> Resp {
    if org.server {
        return match area_id {
            None => json_resp(200, &json!({"count": 0, "value": null}), Some(ver)),
            Some(id) => area_not_found(id),
        };
    }
    let areas = areas_of(&st.org_url(org));
    match area_id {
        None => json_resp(200, &list(areas), Some(ver)),
        Some(id) => match areas
            .into_iter()
            .find(|a| a["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
        {
            Some(a) => json_resp(200, &a, Some(ver)),
            None => area_not_found(id),
        },
    }
}

fn area_not_found(id: &str) -> Resp {
    ado_error(
        404,
        &format!(
            "The resource area '{}' is not registered on this host.",
            truncate(id, 100)
        ),
        "VssResourceNotFoundException",
    )
}

/// The deployment level: `/_apis/{rest}` (Services, `server` false) and
/// `/tfs/_apis/{rest}` (the Server). Needs no credentials.
pub(crate) fn deployment(
    st: &State,
    server: bool,
    method: &Method,
    rest: &[String],
    query: &[(String, String)],
) -> Resp {
    let lower: Vec<String> = rest.iter().map(|s| s.to_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    if *method == Method::OPTIONS {
        if l.len() > 1 {
            return method_not_allowed("OPTIONS", "GET");
        }
        let (max, released) = if server {
            versions(None, st)
        } else {
            ("7.2".to_string(), "7.1".to_string())
        };
        let items: Vec<Value> = LOCATIONS
            .iter()
            .filter(|loc| loc.1 == "Location")
            .filter(|loc| l.first().is_none_or(|a| loc.1.eq_ignore_ascii_case(a)))
            .map(|loc| location_json(loc, &max, &released))
            .collect();
        return json_resp(200, &list(items), None);
    }
    if *method != Method::GET && *method != Method::HEAD {
        return method_not_allowed(method.as_str(), "GET");
    }
    let (area_id, ok) = match l.as_slice() {
        ["resourceareas"] => (None, true),
        ["resourceareas", _] => (Some(rest[1].as_str()), true),
        _ => (None, false),
    };
    if !ok {
        return super::http::not_found(&format!("/_apis/{}", rest.join("/")));
    }
    let named = query
        .iter()
        .find(|(k, _)| {
            k.eq_ignore_ascii_case("accountName") || k.eq_ignore_ascii_case("organizationName")
        })
        .map(|(_, v)| v.as_str());
    let org = match named {
        Some(name) if !server => st.cat.services_org(name),
        _ => None,
    };
    match org {
        Some(o) => resource_areas(st, o, area_id, "7.1"),
        None if server && area_id.is_none() => {
            json_resp(200, &json!({"count": 0, "value": null}), Some("7.1"))
        }
        None if area_id.is_none() => json_resp(200, &list(Vec::new()), Some("7.1")),
        None => area_not_found(area_id.unwrap_or_default()),
    }
}

#[allow(clippy::expect_used, clippy::unwrap_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_ids_are_unique_guids() {
        let mut seen = std::collections::HashSet::new();
        for (id, area, name, route, _) in LOCATIONS {
            assert!(super::super::util::is_guid(id), "{id}");
            assert!(seen.insert(*id), "{id} twice");
            assert!(!area.is_empty() && !name.is_empty() && !route.is_empty());
        }
        assert!(
            LOCATIONS
                .iter()
                .any(|l| l.0 == "e81700f7-3be2-46de-8624-2eb35882fcaa")
        );
    }
}

//! A decoded organization request, as the organization API handlers
//! (`core_api`, `wit`, …) see it: the organization, the caller, the
//! api-version, the query and body, with the lookups and links the answers
//! share (a project, team or work item type by id or name with Azure
//! DevOps' 404, an identity's `IdentityRef`). Built by the server after the
//! credential and version checks; handlers never see a request that failed
//! them.

use bytes::Bytes;
use hyper::Method;
use hyper::header::HeaderMap;
use serde_json::{Value, json};

use super::auth::Caller;
use super::data::{Catalog, Org, Person, Process, Project, Team, WitType};
use super::http::{self, HResult, Resp, ado_error, ado_error_ex, truncate};
use super::state::State;
use super::util::{encode_segment, is_guid};

/// A decoded organization request, as seen by the API handlers.
pub(crate) struct Ctx<'a> {
    pub st: &'a State,
    pub org: &'a Org,
    /// The organization URL (`http://127.0.0.1:PORT/contoso-agile`).
    pub url: String,
    pub caller: Caller,
    /// The api-version as sent (echoed in `Content-Type`).
    pub ver: String,
    pub query: &'a [(String, String)],
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

impl<'a> Ctx<'a> {
    /// A query parameter (case-insensitive name).
    pub fn q(&self, name: &str) -> Option<&'a str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A boolean query parameter.
    pub fn flag(&self, name: &str) -> bool {
        self.q(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `200` with the api-version in the content type.
    pub fn ok(&self, v: &Value) -> HResult {
        Ok(http::ok(v, &self.ver))
    }

    /// A project by id or name, or the Azure DevOps 404.
    pub fn project(&self, key: &str) -> Result<&'a Project, Resp> {
        self.org.project(key).ok_or_else(|| project_not_found(key))
    }

    /// A team of the project by id or name, or 404.
    pub fn team(&self, p: &'a Project, key: &str) -> Result<&'a Team, Resp> {
        p.team(key).ok_or_else(|| {
            ado_error(
                404,
                &format!(
                    "The team with id or name '{}' does not exist in project '{}'.",
                    truncate(key, 200),
                    p.name
                ),
                "TeamNotFoundException",
            )
        })
    }

    /// `{org}/_apis/projects/{id}`
    pub fn project_url(&self, p: &Project) -> String {
        format!("{}/_apis/projects/{}", self.url, p.id)
    }

    /// The catalog the organization is in.
    pub fn catalog(&self) -> &'a Catalog {
        self.st.cat.get()
    }

    /// The project's process (a 500 if the catalog lacks it).
    pub fn process(&self, p: &Project) -> Result<&'a Process, Resp> {
        self.st.cat.processes.get(p.process).ok_or_else(|| {
            ado_error(
                500,
                "The project's process is missing.",
                "VssServiceException",
            )
        })
    }

    /// A work item type of the project's process by name or reference
    /// name, or the Azure DevOps 404 (`VS402323`).
    pub fn work_item_type(&self, p: &Project, name: &str) -> Result<&'a WitType, Resp> {
        let pr = self.process(p)?;
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

    /// `{org}/{projectId}/_apis/wit/workItemTypes/{type}`
    pub fn type_url(&self, p: &Project, t: &WitType) -> String {
        format!(
            "{}/{}/_apis/wit/workItemTypes/{}",
            self.url,
            p.id,
            encode_segment(&t.name)
        )
    }

    /// A team member identity (`IdentityRef`).
    pub fn identity_ref(&self, person: &Person) -> Value {
        json!({
            "id": person.id,
            "displayName": person.name,
            "uniqueName": if self.org.server { person.windows.clone() } else { person.email.clone() },
            "url": self.st.identity_url(self.org, &person.id),
            "imageUrl": format!("{}/_api/_common/identityImage?id={}", self.url, person.id),
            "descriptor": person.descriptor
        })
    }
}

/// The 404 for an unknown project (by id: VS800075, by name: TF200016).
fn project_not_found(key: &str) -> Resp {
    if is_guid(key) {
        ado_error(
            404,
            &format!(
                "VS800075: The project with id 'vstfs:///Classification/TeamProject/{}' does not exist, or you do not have permission to access it.",
                key.to_lowercase()
            ),
            "ProjectDoesNotExistException",
        )
    } else {
        ado_error(
            404,
            &format!(
                "TF200016: The following project does not exist: {}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
                truncate(key, 200)
            ),
            "ProjectDoesNotExistWithNameException",
        )
    }
}

/// The answer for an unknown field (`TF51535`): 404 when reading, 400 in a
/// work item create.
pub(crate) fn field_not_found(key: &str, status: u16) -> Resp {
    ado_error_ex(
        status,
        &format!("TF51535: Cannot find field {}.", truncate(key, 200)),
        "WorkItemTrackingFieldDefinitionNotFoundException",
        600_122,
        3200,
    )
}

//! `AdoClient`: the typed Azure DevOps calls of one organization (Services)
//! or collection (Server), each with its api-version, built on the HTTP rules
//! of [`super::http`].

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{AdoError, SupportIds};
use super::http::{Body, Credential, HttpClient, RawResponse};
use super::models::{
    Account, ClassificationNode, ConnectionData, JsonPatchOperation, ListResponse, NodeName,
    PermissionEvaluation, Process, Profile, ProjectProperty, SecurityNamespace, TeamFieldValues,
    TeamMember, TeamProject, TeamProjectReference, TeamSetting, WebApiTeam, WorkItem,
    WorkItemField, WorkItemType, WorkItemTypeCategory, WorkItemTypeField,
};
use super::version::ApiVersion;

/// A parsed answer with what the headers said about it.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub value: T,
    /// `x-ms-continuationtoken`: more results follow; pass it back as `continuationToken`.
    pub continuation_token: Option<String>,
    pub ids: SupportIds,
}

/// One page of projects.
pub type ProjectPage = ApiResponse<ListResponse<TeamProjectReference>>;

/// Which classification tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureGroup {
    Areas,
    Iterations,
}

impl StructureGroup {
    fn segment(self) -> &'static str {
        match self {
            StructureGroup::Areas => "areas",
            StructureGroup::Iterations => "iterations",
        }
    }
}

/// Most projects fetched per page when listing all of them.
const PROJECT_PAGE: usize = 500;
/// A bound on pages, so a server that keeps answering never loops us forever.
const MAX_PAGES: usize = 1_000;

/// Appends path segments to a URL (percent-encoding each), dropping a trailing slash first.
pub fn push_segments(url: &mut Url, segments: &[&str]) -> Result<(), AdoError> {
    let shown = url.to_string();
    let mut segs = url
        .path_segments_mut()
        .map_err(|_| AdoError::InvalidRequest(format!("{shown} cannot take a path")))?;
    segs.pop_if_empty();
    for s in segments {
        segs.push(s);
    }
    Ok(())
}

/// `{base}/_apis/connectionData?connectOptions=1&lastChangeId=-1&lastChangeId64=-1&api-version={api}`:
/// who am I (SPEC §3).
pub fn connection_data_url(base: &Url, api: &str) -> Result<Url, AdoError> {
    let mut url = base.clone();
    push_segments(&mut url, &["_apis", "connectionData"])?;
    url.query_pairs_mut()
        .append_pair("connectOptions", "1")
        .append_pair("lastChangeId", "-1")
        .append_pair("lastChangeId64", "-1")
        .append_pair("api-version", api);
    Ok(url)
}

/// The Azure DevOps client of one organization or collection.
#[derive(Debug, Clone)]
pub struct AdoClient {
    http: HttpClient,
    base: Url,
    credential: Credential,
    version: ApiVersion,
}

impl AdoClient {
    /// A client for `base` (`https://dev.azure.com/{org}` or a collection URL).
    pub fn new(
        http: HttpClient,
        base: Url,
        credential: Credential,
        version: ApiVersion,
    ) -> Result<Self, AdoError> {
        if base.cannot_be_a_base() || base.host_str().is_none() {
            return Err(AdoError::InvalidRequest(format!(
                "{base} is not an organization or collection URL"
            )));
        }
        Ok(AdoClient {
            http,
            base,
            credential,
            version,
        })
    }

    /// The organization or collection URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The api-version in use.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The same client with another api-version.
    pub fn with_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)], api: &str) -> Result<Url, AdoError> {
        let mut url = self.base.clone();
        push_segments(&mut url, segments)?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
            q.append_pair("api-version", api);
        }
        Ok(url)
    }

    async fn call(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Body>,
    ) -> Result<RawResponse, AdoError> {
        let resp = self.http.send(method, url, &self.credential, body).await?;
        resp.classified()
    }

    async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
        api: &str,
    ) -> Result<ApiResponse<T>, AdoError> {
        let url = self.url(segments, query, api)?;
        let resp = self.call(Method::GET, &url, None).await?;
        Ok(ApiResponse {
            value: resp.json()?,
            continuation_token: resp
                .header("x-ms-continuationtoken")
                .map(str::to_string)
                .filter(|t| !t.is_empty()),
            ids: resp.ids.clone(),
        })
    }

    fn stable(&self) -> String {
        self.version.to_string()
    }

    /// Who am I: `_apis/connectionData`. The authenticated user may be the
    /// anonymous identity (see `Identity::is_anonymous`).
    pub async fn connection_data(&self) -> Result<ConnectionData, AdoError> {
        let url = connection_data_url(&self.base, &self.version.preview(1))?;
        self.call(Method::GET, &url, None).await?.json()
    }

    /// One page of projects (`$top`/`$skip`, or a continuation token).
    pub async fn projects_page(
        &self,
        top: Option<usize>,
        skip: Option<usize>,
        continuation: Option<&str>,
    ) -> Result<ProjectPage, AdoError> {
        let top_s = top.map(|t| t.to_string());
        let skip_s = skip.map(|s| s.to_string());
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(t) = &top_s {
            q.push(("$top", t));
        }
        if let Some(s) = &skip_s {
            q.push(("$skip", s));
        }
        if let Some(c) = continuation {
            q.push(("continuationToken", c));
        }
        self.get(&["_apis", "projects"], &q, &self.stable()).await
    }

    /// Every project, following continuation tokens (or `$skip` when the
    /// server pages without them).
    pub async fn all_projects(&self) -> Result<Vec<TeamProjectReference>, AdoError> {
        let mut all: Vec<TeamProjectReference> = Vec::new();
        let mut token: Option<String> = None;
        let mut seen_tokens = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let skip = if token.is_none() && !all.is_empty() {
                Some(all.len())
            } else {
                None
            };
            let page = self
                .projects_page(Some(PROJECT_PAGE), skip, token.as_deref())
                .await?;
            let n = page.value.value.len();
            all.extend(page.value.value);
            match page.continuation_token {
                Some(t) if seen_tokens.insert(t.clone()) => token = Some(t),
                Some(_) => break, // the same token twice: the server is looping
                None if n == PROJECT_PAGE => token = None, // page full: try $skip
                None => break,
            }
            if n == 0 {
                break;
            }
        }
        let mut ids = std::collections::HashSet::new();
        all.retain(|p| ids.insert(p.id.clone()));
        Ok(all)
    }

    /// A project by name or id, with its capabilities (process template).
    pub async fn project(&self, name_or_id: &str) -> Result<TeamProject, AdoError> {
        let q = [("includeCapabilities", "true")];
        Ok(self
            .get(&["_apis", "projects", name_or_id], &q, &self.stable())
            .await?
            .value)
    }

    /// A project's properties (`System.ProcessTemplateType`, …).
    pub async fn project_properties(
        &self,
        project_id: &str,
    ) -> Result<Vec<ProjectProperty>, AdoError> {
        let api = self.version.preview(1);
        let list: ListResponse<ProjectProperty> = self
            .get(&["_apis", "projects", project_id, "properties"], &[], &api)
            .await?
            .value;
        Ok(list.value)
    }

    /// The organization's processes.
    pub async fn processes(&self) -> Result<Vec<Process>, AdoError> {
        let list: ListResponse<Process> = self
            .get(&["_apis", "work", "processes"], &[], &self.stable())
            .await?
            .value;
        Ok(list.value)
    }

    /// The organization's processes, each with the projects that use it
    /// (`$expand=projects`): every project's process in one request.
    pub async fn processes_with_projects(&self) -> Result<Vec<Process>, AdoError> {
        let list: ListResponse<Process> = self
            .get(
                &["_apis", "work", "processes"],
                &[("$expand", "projects")],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// One process by type id.
    pub async fn process(&self, type_id: &str) -> Result<Process, AdoError> {
        Ok(self
            .get(
                &["_apis", "work", "processes", type_id],
                &[],
                &self.stable(),
            )
            .await?
            .value)
    }

    /// The signed-in user's profile. The client's base is the profile
    /// service (`https://app.vssps.visualstudio.com`); Entra tokens only.
    pub async fn profile_me(&self) -> Result<Profile, AdoError> {
        Ok(self
            .get(&["_apis", "profile", "profiles", "me"], &[], &self.stable())
            .await?
            .value)
    }

    /// The organizations a member belongs to (`_apis/accounts?memberId=`),
    /// on the profile service; Entra tokens only.
    pub async fn accounts(&self, member_id: &str) -> Result<Vec<Account>, AdoError> {
        let list: ListResponse<Account> = self
            .get(
                &["_apis", "accounts"],
                &[("memberId", member_id)],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// A project's teams.
    pub async fn teams(&self, project: &str) -> Result<Vec<WebApiTeam>, AdoError> {
        let list: ListResponse<WebApiTeam> = self
            .get(
                &["_apis", "projects", project, "teams"],
                &[],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// A team's members.
    pub async fn team_members(
        &self,
        project: &str,
        team: &str,
    ) -> Result<Vec<TeamMember>, AdoError> {
        let list: ListResponse<TeamMember> = self
            .get(
                &["_apis", "projects", project, "teams", team, "members"],
                &[],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// A team's area paths (the project's default team when `team` is `None`).
    pub async fn team_field_values(
        &self,
        project: &str,
        team: Option<&str>,
    ) -> Result<TeamFieldValues, AdoError> {
        let mut segs = vec![project];
        segs.extend(team);
        segs.extend(["_apis", "work", "teamsettings", "teamfieldvalues"]);
        Ok(self.get(&segs, &[], &self.stable()).await?.value)
    }

    /// A team's settings: default and backlog iteration.
    pub async fn team_settings(
        &self,
        project: &str,
        team: Option<&str>,
    ) -> Result<TeamSetting, AdoError> {
        let mut segs = vec![project];
        segs.extend(team);
        segs.extend(["_apis", "work", "teamsettings"]);
        Ok(self.get(&segs, &[], &self.stable()).await?.value)
    }

    /// The project's work item types.
    pub async fn work_item_types(&self, project: &str) -> Result<Vec<WorkItemType>, AdoError> {
        let list: ListResponse<WorkItemType> = self
            .get(
                &[project, "_apis", "wit", "workitemtypes"],
                &[],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// One work item type.
    pub async fn work_item_type(
        &self,
        project: &str,
        type_name: &str,
    ) -> Result<WorkItemType, AdoError> {
        Ok(self
            .get(
                &[project, "_apis", "wit", "workitemtypes", type_name],
                &[],
                &self.stable(),
            )
            .await?
            .value)
    }

    /// The project's work item type categories (`Microsoft.BugCategory`, …).
    pub async fn work_item_type_categories(
        &self,
        project: &str,
    ) -> Result<Vec<WorkItemTypeCategory>, AdoError> {
        let list: ListResponse<WorkItemTypeCategory> = self
            .get(
                &[project, "_apis", "wit", "workitemtypecategories"],
                &[],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// The fields of a work item type; with `expand_all`, `allowedValues`,
    /// `defaultValue` and `alwaysRequired` too.
    pub async fn work_item_type_fields(
        &self,
        project: &str,
        type_name: &str,
        expand_all: bool,
    ) -> Result<Vec<WorkItemTypeField>, AdoError> {
        let q: &[(&str, &str)] = if expand_all {
            &[("$expand", "all")]
        } else {
            &[]
        };
        let list: ListResponse<WorkItemTypeField> = self
            .get(
                &[
                    project,
                    "_apis",
                    "wit",
                    "workitemtypes",
                    type_name,
                    "fields",
                ],
                q,
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// The organization's work item fields.
    pub async fn fields(&self) -> Result<Vec<WorkItemField>, AdoError> {
        let list: ListResponse<WorkItemField> = self
            .get(&["_apis", "wit", "fields"], &[], &self.stable())
            .await?
            .value;
        Ok(list.value)
    }

    /// One field by reference name.
    pub async fn field(&self, reference_name: &str) -> Result<WorkItemField, AdoError> {
        Ok(self
            .get(
                &["_apis", "wit", "fields", reference_name],
                &[],
                &self.stable(),
            )
            .await?
            .value)
    }

    /// A classification node (area or iteration) and `depth` levels of children.
    /// `path` is relative to the root (`Devices/Phone`, or `\`-separated); empty for the root.
    pub async fn classification_node(
        &self,
        project: &str,
        group: StructureGroup,
        path: &str,
        depth: Option<u32>,
    ) -> Result<ClassificationNode, AdoError> {
        let mut segs = vec![
            project,
            "_apis",
            "wit",
            "classificationnodes",
            group.segment(),
        ];
        segs.extend(path.split(['/', '\\']).filter(|s| !s.is_empty()));
        let depth_s = depth.map(|d| d.to_string());
        let q: Vec<(&str, &str)> = depth_s.iter().map(|d| ("$depth", d.as_str())).collect();
        Ok(self.get(&segs, &q, &self.stable()).await?.value)
    }

    /// The area or iteration tree to `depth` levels, names only (a tree
    /// picker's data; see [`NodeName`]).
    pub async fn classification_tree(
        &self,
        project: &str,
        group: StructureGroup,
        depth: u32,
    ) -> Result<NodeName, AdoError> {
        let segs = [
            project,
            "_apis",
            "wit",
            "classificationnodes",
            group.segment(),
        ];
        let d = depth.to_string();
        Ok(self
            .get(&segs, &[("$depth", d.as_str())], &self.stable())
            .await?
            .value)
    }

    /// Both roots (areas and iterations) with `depth` levels of children.
    pub async fn classification_roots(
        &self,
        project: &str,
        depth: Option<u32>,
    ) -> Result<Vec<ClassificationNode>, AdoError> {
        let depth_s = depth.map(|d| d.to_string());
        let q: Vec<(&str, &str)> = depth_s.iter().map(|d| ("$depth", d.as_str())).collect();
        let list: ListResponse<ClassificationNode> = self
            .get(
                &[project, "_apis", "wit", "classificationnodes"],
                &q,
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value)
    }

    /// Every security namespace (permission bit names live here).
    pub async fn security_namespaces(&self) -> Result<Vec<SecurityNamespace>, AdoError> {
        let list: ListResponse<SecurityNamespace> = self
            .get(&["_apis", "securitynamespaces"], &[], &self.stable())
            .await?
            .value;
        Ok(list.value)
    }

    /// One security namespace by id.
    pub async fn security_namespace(
        &self,
        namespace_id: &str,
    ) -> Result<Option<SecurityNamespace>, AdoError> {
        let list: ListResponse<SecurityNamespace> = self
            .get(
                &["_apis", "securitynamespaces", namespace_id],
                &[],
                &self.stable(),
            )
            .await?
            .value;
        Ok(list.value.into_iter().next())
    }

    /// Does the caller have `bits` in `namespace_id` for each token? One
    /// answer per token, in order.
    pub async fn has_permissions(
        &self,
        namespace_id: &str,
        bits: u32,
        tokens: &[&str],
    ) -> Result<Vec<bool>, AdoError> {
        let bits_s = bits.to_string();
        let joined = tokens.join(",");
        let q = [
            ("tokens", joined.as_str()),
            ("alwaysAllowAdministrators", "false"),
        ];
        let answer: PermissionEvaluation = self
            .get(
                &["_apis", "permissions", namespace_id, &bits_s],
                &q,
                &self.stable(),
            )
            .await?
            .value;
        if answer.value.len() != tokens.len() {
            return Err(AdoError::Malformed {
                status: 200,
                host: self.base.host_str().unwrap_or_default().to_string(),
                detail: format!(
                    "asked about {} token(s), got {} answer(s)",
                    tokens.len(),
                    answer.value.len()
                ),
            });
        }
        Ok(answer.value)
    }

    /// A dry-run create (`validateOnly=true`): the service checks the whole
    /// JSON Patch against the process rules and creates nothing.
    pub async fn validate_work_item(
        &self,
        project: &str,
        type_name: &str,
        operations: &[JsonPatchOperation],
    ) -> Result<WorkItem, AdoError> {
        let type_seg = format!("${type_name}");
        let url = self.url(
            &[project, "_apis", "wit", "workitems", &type_seg],
            &[("validateOnly", "true")],
            &self.stable(),
        )?;
        let bytes = serde_json::to_vec(operations)
            .map_err(|e| AdoError::InvalidRequest(format!("cannot encode the work item: {e}")))?;
        let body = Body {
            content_type: "application/json-patch+json",
            bytes: Bytes::from(bytes),
        };
        let resp = self.call(Method::POST, &url, Some(&body)).await?;
        resp.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ado::http::ClientOptions;

    fn client(base: &str) -> AdoClient {
        let http = match HttpClient::new(ClientOptions::default()) {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        };
        let base = match Url::parse(base) {
            Ok(u) => u,
            Err(e) => panic!("{e}"),
        };
        match AdoClient::new(http, base, Credential::Anonymous, ApiVersion::SERVICES) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn urls_encode_segments_and_carry_the_api_version() {
        let c = client("https://dev.azure.com/contoso/");
        let u = c
            .url(
                &["My Project", "_apis", "wit", "workitems", "$Bug"],
                &[("validateOnly", "true")],
                "7.1",
            )
            .map(|u| u.to_string());
        assert_eq!(
            u.ok().as_deref(),
            Some(
                "https://dev.azure.com/contoso/My%20Project/_apis/wit/workitems/$Bug?validateOnly=true&api-version=7.1"
            )
        );
        let u = c.url(&["a/b?c#d"], &[], "7.1").map(|u| u.to_string()).ok();
        assert_eq!(
            u.as_deref(),
            Some("https://dev.azure.com/contoso/a%2Fb%3Fc%23d?api-version=7.1")
        );
    }

    #[test]
    fn collection_urls_keep_their_path() {
        let c = client("https://tfs.contoso.com/tfs/DefaultCollection");
        let u = c
            .url(&["_apis", "projects"], &[], "6.0")
            .map(|u| u.to_string());
        assert_eq!(
            u.ok().as_deref(),
            Some("https://tfs.contoso.com/tfs/DefaultCollection/_apis/projects?api-version=6.0")
        );
    }
}

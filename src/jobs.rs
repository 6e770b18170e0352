//! Runs the wizard's background jobs: each step's validation against the
//! Azure DevOps REST API, the network probe and the save. Plain async
//! functions with no UI knowledge; every failure comes back as a
//! [`Problem`] with a code, a one-line message and a fix.

use secrecy::SecretString;
use serde_json::json;
use url::Url;

use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::endpoints::Deployment;
use crate::ado::error::AdoError;
use crate::ado::http::{Credential, HttpClient};
use crate::ado::models::{JsonPatchOperation, system_process_name};
use crate::ado::version::{ApiVersion, negotiate_server};
use crate::checks::below_root;
use crate::net::probe::{probe_azure_devops, probe_endpoints};
use crate::store::config::ConfigStore;
use crate::store::secrets::{SecretStore, SecretStoreKind};
use crate::wizard::{
    CheckRow, CheckStatus, Job, JobResult, MappingInfo, Problem, ProjectInfo, ProjectItem,
    SaveRequest, SavedInfo, Session, UserInfo,
};

/// What jobs need: the HTTP client and the stores.
#[derive(Clone)]
pub struct JobContext {
    pub http: HttpClient,
    pub config: ConfigStore,
    pub secrets: SecretStore,
}

/// Runs one job to its result (never panics; errors become `Failed`).
pub async fn run(ctx: &JobContext, job: Job) -> JobResult {
    let result = match job {
        Job::ProbeTarget {
            deployment,
            base_url,
        } => probe_azure_devops(&ctx.http, deployment, &base_url)
            .await
            .map(|tenant| JobResult::TargetOk { tenant }),
        Job::SignIn {
            deployment,
            base_url,
            pat,
        } => sign_in(&ctx.http, deployment, &base_url, pat).await,
        Job::LoadProjects { session } => load_projects(&ctx.http, &session).await,
        Job::CheckProject { session, project } => {
            check_project(&ctx.http, &session, &project).await
        }
        Job::LoadMapping { session, project } => load_mapping(&ctx.http, &session, &project).await,
        Job::ProbeNetwork { endpoints } => Ok(JobResult::Network(
            probe_endpoints(&ctx.http, &endpoints).await,
        )),
        Job::Review {
            session,
            project,
            mapping,
        } => Ok(review(&ctx.http, &session, &project, &mapping).await),
        Job::Save(req) => save(ctx, *req).await,
    };
    result.unwrap_or_else(JobResult::Failed)
}

fn client(http: &HttpClient, session: &Session) -> Result<AdoClient, Problem> {
    let version = ApiVersion::parse(&session.api_version).unwrap_or(ApiVersion::SERVICES);
    AdoClient::new(
        http.clone(),
        session.base_url.clone(),
        Credential::Pat(session.pat.clone()),
        version,
    )
    .map_err(|e| Problem::from(&e))
}

/// Who am I with this PAT; for Server, which api-version the collection speaks.
pub async fn sign_in(
    http: &HttpClient,
    deployment: Deployment,
    base_url: &Url,
    pat: SecretString,
) -> Result<JobResult, Problem> {
    let cred = Credential::Pat(pat);
    let version = match deployment {
        Deployment::Services => ApiVersion::SERVICES,
        Deployment::Server => negotiate_server(http, base_url, &cred)
            .await
            .map_err(|e| auth_problem(&e))?,
    };
    let client = AdoClient::new(http.clone(), base_url.clone(), cred, version)
        .map_err(|e| Problem::from(&e))?;
    let me = client
        .connection_data()
        .await
        .map_err(|e| auth_problem(&e))?;
    if me.authenticated_user.is_anonymous() {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Azure DevOps treated the token as anonymous: it was not accepted",
            "Create a new personal access token and paste it here",
        ));
    }
    Ok(JobResult::SignedIn {
        user: UserInfo {
            display_name: me.authenticated_user.display_name().to_string(),
            sign_in: me.authenticated_user.account().map(str::to_string),
        },
        api_version: version.to_string(),
    })
}

fn auth_problem(e: &AdoError) -> Problem {
    let mut p = Problem::from(e);
    if p.code == "PROVIDER_AUTH_REQUIRED" {
        p.fix = "Check the token was copied whole and has not expired or been revoked; \
                 create a new one under User settings › Personal access tokens"
            .into();
    }
    p
}

async fn load_projects(http: &HttpClient, session: &Session) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let mut projects = c.all_projects().await.map_err(|e| Problem::from(&e))?;
    projects.sort_by_key(|p| p.name.to_lowercase());
    Ok(JobResult::Projects(
        projects
            .into_iter()
            .map(|p| ProjectItem {
                id: p.id,
                name: p.name,
                description: p.description.unwrap_or_default(),
                visibility: p
                    .visibility
                    .map(|v| v.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    ))
}

async fn check_project(
    http: &HttpClient,
    session: &Session,
    name: &str,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let p = c.project(name).await.map_err(|e| Problem::from(&e))?;
    let process = match p.process_template_name() {
        Some(n) => n.to_string(),
        None => p
            .process_template_type_id()
            .and_then(system_process_name)
            .unwrap_or("unknown")
            .to_string(),
    };
    Ok(JobResult::ProjectOk(ProjectInfo {
        id: p.id.clone(),
        name: p.name.clone(),
        process,
        default_team: p.default_team.as_ref().and_then(|t| t.name.clone()),
    }))
}

fn field_form(project: &str, below: &str) -> String {
    if below.is_empty() {
        project.to_string()
    } else {
        format!("{project}\\{below}")
    }
}

async fn load_mapping(
    http: &HttpClient,
    session: &Session,
    project: &ProjectInfo,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let p = project.name.as_str();
    let team = project.default_team.as_deref();
    let (types, cats, tfv, ts) = tokio::join!(
        c.work_item_types(p),
        c.work_item_type_categories(p),
        c.team_field_values(p, team),
        c.team_settings(p, team),
    );
    let types = types.map_err(|e| scope_read(&e))?;
    let enabled: Vec<_> = types.iter().filter(|t| t.is_enabled()).collect();
    let bug_default = cats.ok().and_then(|cats| {
        cats.into_iter()
            .find(|c| c.reference_name == "Microsoft.BugCategory")
            .and_then(|c| c.default_work_item_type.map(|t| t.name))
    });
    let chosen = enabled
        .iter()
        .find(|t| t.name == "Issue")
        .or_else(|| {
            bug_default
                .as_ref()
                .and_then(|b| enabled.iter().find(|t| &t.name == b))
        })
        .or_else(|| enabled.first())
        .ok_or_else(|| {
            Problem::new(
                "MAPPING_INVALID",
                format!("project {p} has no enabled work item type"),
                "Enable a work item type under Organization Settings › Boards › Process",
            )
        })?;
    let area_below = tfv
        .ok()
        .and_then(|v| v.default_value)
        .map(|a| below_root(p, &a))
        .unwrap_or_default();
    let iteration_below = ts
        .ok()
        .and_then(|s| s.default_iteration.or(s.backlog_iteration))
        .and_then(|i| i.path)
        .map(|i| below_root(p, &i))
        .unwrap_or_default();
    let (area, iteration, fields) = tokio::join!(
        c.classification_node(p, StructureGroup::Areas, &area_below, Some(0)),
        c.classification_node(p, StructureGroup::Iterations, &iteration_below, Some(0)),
        c.work_item_type_fields(p, &chosen.name, true),
    );
    let area_path = field_form(p, &area_below);
    let iteration_path = field_form(p, &iteration_below);
    area.map_err(|e| missing_path("area", &area_path, &e))?;
    iteration.map_err(|e| missing_path("iteration", &iteration_path, &e))?;
    let fields = fields.map_err(|e| scope_read(&e))?;
    Ok(JobResult::MappingOk(MappingInfo {
        work_item_type: chosen.name.clone(),
        type_states: chosen.states.iter().map(|s| s.name.clone()).collect(),
        area_path,
        iteration_path,
        has_priority: fields
            .iter()
            .any(|f| f.reference_name == "Microsoft.VSTS.Common.Priority"),
    }))
}

fn scope_read(e: &AdoError) -> Problem {
    let mut p = Problem::from(e);
    if matches!(
        e,
        AdoError::Unauthorized { .. } | AdoError::Forbidden { .. }
    ) {
        p.code = "PROVIDER_SCOPE_UNAVAILABLE".into();
        p.fix = "Give the token the scopes Work Items (Read & write) and Project and Team (Read)"
            .into();
    }
    p
}

fn missing_path(kind: &str, path: &str, e: &AdoError) -> Problem {
    match e {
        AdoError::NotFound { .. } => Problem::new(
            "MAPPING_INVALID",
            format!("the default {kind} path {path} does not exist"),
            format!(
                "Create it under Project Settings › Boards › Project configuration, or set the team's default {kind}"
            ),
        ),
        other => Problem::from(other),
    }
}

fn row(id: &'static str, title: &str, status: CheckStatus, detail: impl Into<String>) -> CheckRow {
    CheckRow {
        id,
        title: title.to_string(),
        status,
        detail: detail.into(),
        fix: None,
    }
}

fn failed(id: &'static str, title: &str, p: Problem) -> CheckRow {
    CheckRow {
        id,
        title: title.to_string(),
        status: CheckStatus::Fail,
        detail: format!("{}: {}", p.code, p.message),
        fix: Some(p.fix),
    }
}

/// `project.process`: a system process, or one inherited from it, passes; a
/// custom (XML) process or one we cannot identify warns.
async fn process_row(c: &AdoClient, project: &ProjectInfo) -> CheckRow {
    const TITLE: &str = "Supported process";
    let name = project.process.as_str();
    let known = c
        .processes()
        .await
        .ok()
        .and_then(|ps| ps.into_iter().find(|p| p.name.eq_ignore_ascii_case(name)));
    match known.as_ref().and_then(|p| p.system_base().map(|b| (p, b))) {
        Some((p, base)) if p.parent().is_some() => row(
            "project.process",
            TITLE,
            CheckStatus::Pass,
            format!("{name} (inherited from {base})"),
        ),
        Some(_) => row("project.process", TITLE, CheckStatus::Pass, name.to_string()),
        None if ["Basic", "Agile", "Scrum", "CMMI"].contains(&name) => {
            row("project.process", TITLE, CheckStatus::Pass, name.to_string())
        }
        None => CheckRow {
            id: "project.process",
            title: TITLE.into(),
            status: CheckStatus::Warn,
            detail: format!("{name} is a custom (XML) process"),
            fix: Some(
                "Custom processes work when their types and fields match the mapping; check the Field mapping values"
                    .into(),
            ),
        },
    }
}

/// The checks available so far (the full catalogue is `ado-setup doctor`'s).
async fn review(
    http: &HttpClient,
    session: &Session,
    project: &ProjectInfo,
    mapping: &MappingInfo,
) -> JobResult {
    let c = match client(http, session) {
        Ok(c) => c,
        Err(p) => return JobResult::Failed(p),
    };
    let p = project.name.as_str();
    let ops = [
        JsonPatchOperation::add_field("System.Title", json!("ado-setup validation (dry run)")),
        JsonPatchOperation::add_field("System.AreaPath", json!(mapping.area_path)),
        JsonPatchOperation::add_field("System.IterationPath", json!(mapping.iteration_path)),
    ];
    let (me, proj, types, dry) = tokio::join!(
        c.connection_data(),
        c.project(p),
        c.work_item_types(p),
        c.validate_work_item(p, &mapping.work_item_type, &ops),
    );
    let mut rows = Vec::new();
    let signed_in = matches!(&me, Ok(m) if !m.authenticated_user.is_anonymous());
    rows.push(match me {
        Ok(m) if signed_in => row(
            "auth.credentials",
            "Credentials accepted",
            CheckStatus::Pass,
            format!("signed in as {}", m.authenticated_user.display_name()),
        ),
        Ok(_) => failed(
            "auth.credentials",
            "Credentials accepted",
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                "the token was treated as anonymous",
                "Create a new personal access token",
            ),
        ),
        Err(e) => failed("auth.credentials", "Credentials accepted", auth_problem(&e)),
    });
    rows.push(match proj {
        Ok(_) => row(
            "project.access",
            "Project readable",
            CheckStatus::Pass,
            p.to_string(),
        ),
        Err(e) => failed("project.access", "Project readable", Problem::from(&e)),
    });
    rows.push(process_row(&c, project).await);
    match types {
        Ok(t) => {
            let found = t
                .iter()
                .any(|t| t.name == mapping.work_item_type && t.is_enabled());
            rows.push(row(
                "scope.read",
                "Work item metadata readable",
                CheckStatus::Pass,
                format!("{} work item types", t.len()),
            ));
            rows.push(if found {
                row(
                    "mapping.work_item_type",
                    "Work item type exists",
                    CheckStatus::Pass,
                    mapping.work_item_type.clone(),
                )
            } else {
                failed(
                    "mapping.work_item_type",
                    "Work item type exists",
                    Problem::new(
                        "MAPPING_INVALID",
                        format!("{} is not an enabled type", mapping.work_item_type),
                        "Choose another work item type",
                    ),
                )
            });
        }
        Err(e) => rows.push(failed(
            "scope.read",
            "Work item metadata readable",
            scope_read(&e),
        )),
    }
    rows.push(row(
        "mapping.area_path",
        "Area path exists",
        CheckStatus::Pass,
        mapping.area_path.clone(),
    ));
    rows.push(row(
        "mapping.iteration_path",
        "Iteration path exists",
        CheckStatus::Pass,
        mapping.iteration_path.clone(),
    ));
    match dry {
        Ok(_) => {
            rows.push(row(
                "scope.write",
                "Work items can be created",
                CheckStatus::Pass,
                "dry run accepted (nothing was created)",
            ));
            rows.push(row(
                "mapping.dry_run",
                "Dry-run create",
                CheckStatus::Pass,
                "accepted",
            ));
        }
        Err(e @ (AdoError::Unauthorized { .. } | AdoError::Forbidden { .. })) if signed_in => {
            rows.push(failed(
                "scope.write",
                "Work items can be created",
                Problem::new(
                    "PROVIDER_SCOPE_UNAVAILABLE",
                    format!("reads work but creating a work item is refused: {e}"),
                    "Edit the token under User settings › Personal access tokens and tick Work Items › Read & write",
                ),
            ));
        }
        Err(AdoError::RuleValidation { errors, .. }) => {
            rows.push(row(
                "scope.write",
                "Work items can be created",
                CheckStatus::Pass,
                "the service evaluated the dry run",
            ));
            let fields: Vec<String> = errors
                .iter()
                .map(|e| {
                    let field = e.field_reference_name.as_deref().unwrap_or("a field");
                    if e.is_required_missing() {
                        format!("{field} is required")
                    } else {
                        format!("{field} has a value the rules refuse")
                    }
                })
                .collect();
            rows.push(failed(
                "mapping.dry_run",
                "Dry-run create",
                Problem::new(
                    "MAPPING_REJECTED",
                    fields.join("; "),
                    "Values for required fields come with the full field mapping (a later version); \
                     until then choose a project or type without required custom fields",
                ),
            ));
        }
        Err(e) => rows.push(failed(
            "mapping.dry_run",
            "Dry-run create",
            Problem::from(&e),
        )),
    }
    JobResult::Reviewed(rows)
}

/// Writes the secret, then the connection; if the connection cannot be
/// written the secret is removed again, so a failed save leaves nothing new.
async fn save(ctx: &JobContext, req: SaveRequest) -> Result<JobResult, Problem> {
    let SaveRequest {
        mut connection,
        pat,
    } = req;
    let name = connection.name.clone();
    let stores_secrets = ctx.secrets.kind() != SecretStoreKind::None;
    if stores_secrets {
        ctx.secrets
            .set(name.as_str(), &pat)
            .await
            .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    }
    connection.secret_ref = Some(ctx.secrets.secret_ref(&name));
    connection.validated_at = Some(crate::store::config::now_rfc3339());
    let written = ctx.config.load().and_then(|mut config| {
        config.upsert(connection.clone())?;
        ctx.config.save(&config)
    });
    if let Err(e) = written {
        if stores_secrets {
            let _ = ctx.secrets.delete(name.as_str()).await;
        }
        return Err(Problem::new(e.code(), e.to_string(), e.fix()));
    }
    Ok(JobResult::Saved(SavedInfo {
        name: connection.name.clone(),
        config_path: ctx.config.path().display().to_string(),
        secret_location: ctx.secrets.describe(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_below_the_root() {
        assert_eq!(
            below_root("P", "\\Release 1\\Sprint 3"),
            "Release 1\\Sprint 3"
        );
        assert_eq!(below_root("P", "P\\Team A"), "Team A");
        assert_eq!(below_root("P", "P"), "");
        assert_eq!(below_root("P", ""), "");
        assert_eq!(field_form("P", ""), "P");
        assert_eq!(field_form("P", "A\\B"), "P\\A\\B");
    }
}

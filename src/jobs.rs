//! Runs the wizard's background jobs: each step's validation against the
//! Azure DevOps REST API, the network probe and the save. Plain async
//! functions with no UI knowledge; every failure comes back as a
//! [`Problem`] with a code, a one-line message and a fix.

use secrecy::SecretString;
use url::Url;

use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::endpoints::Deployment;
use crate::ado::error::AdoError;
use crate::ado::http::{Credential, HttpClient};
use crate::ado::version::{ApiVersion, negotiate_server};
use crate::checks::{
    Context as CheckContext, Subject, below_root, process_name, project_defaults, scope_problem,
};
use crate::net::probe::{probe_azure_devops, probe_endpoints};
use crate::store::config::{Access, ConfigStore, PriorityMap};
use crate::store::secrets::{SecretStore, SecretStoreKind};
use crate::wizard::{
    Job, JobResult, MappingInfo, Problem, ProjectInfo, ProjectItem, ReviewRequest, SaveRequest,
    SavedInfo, Session, UserInfo,
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
        Job::Review(req) => Ok(review(ctx, *req).await),
        Job::Troubleshoot {
            name,
            only,
            devops_base,
            authority,
            extra_endpoints,
            allow_http,
        } => {
            troubleshoot(
                ctx,
                &name,
                only,
                devops_base,
                authority,
                extra_endpoints,
                allow_http,
            )
            .await
        }
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
    let process = process_name(&p);
    Ok(JobResult::ProjectOk(ProjectInfo {
        id: p.id.clone(),
        name: p.name.clone(),
        process,
        default_team: p.default_team.as_ref().and_then(|t| t.name.clone()),
    }))
}

async fn load_mapping(
    http: &HttpClient,
    session: &Session,
    project: &ProjectInfo,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let p = project.name.as_str();
    let d = project_defaults(&c, p, project.default_team.as_deref())
        .await
        .map_err(|e| scope_read(&e))?;
    let chosen = d
        .work_item_type
        .as_deref()
        .and_then(|name| d.types.iter().find(|t| t.name == name))
        .ok_or_else(|| {
            Problem::new(
                "MAPPING_INVALID",
                format!("project {p} has no enabled work item type"),
                "Enable a work item type under Organization Settings › Boards › Process",
            )
        })?;
    let area_below = below_root(p, &d.area_path);
    let iteration_below = below_root(p, &d.iteration_path);
    let (area, iteration, fields) = tokio::join!(
        c.classification_node(p, StructureGroup::Areas, &area_below, Some(0)),
        c.classification_node(p, StructureGroup::Iterations, &iteration_below, Some(0)),
        c.work_item_type_fields(p, &chosen.name, true),
    );
    let (area_path, iteration_path) = (d.area_path.clone(), d.iteration_path.clone());
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
    if let Some((code, fix)) = scope_problem(e) {
        p.code = code.into();
        p.fix = fix.into();
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

/// Review: the check catalogue — the same implementation `doctor` runs —
/// for the answers so far.
async fn review(ctx: &JobContext, job: ReviewRequest) -> JobResult {
    let ReviewRequest {
        session,
        project,
        mapping,
        devops_base,
        extra_endpoints,
        allow_http,
    } = job;
    let target = match session.deployment {
        Deployment::Services => session
            .base_url
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_string))
            .unwrap_or_default(),
        Deployment::Server => session.base_url.as_str().to_string(),
    };
    let subject = Subject {
        name: None,
        deployment: session.deployment,
        target,
        project: Some(project.name.clone()),
        access: Access::ReadWrite,
        pat: Some(session.pat.clone()),
        pat_source: "the token you entered".into(),
        entra: None,
        work_item_type: Some(mapping.work_item_type.clone()),
        area_path: Some(mapping.area_path.clone()),
        iteration_path: Some(mapping.iteration_path.clone()),
        priority_map: PriorityMap::default(),
        assignee: None,
        field_defaults: Default::default(),
    };
    let check_ctx = CheckContext {
        http: ctx.http.clone(),
        devops_base,
        extra_endpoints,
        allow_http,
        config: Some(ctx.config.clone()),
        secrets: Some(ctx.secrets.clone()),
    };
    JobResult::Reviewed(crate::checks::run(&subject, &check_ctx).await.outcomes)
}

/// The troubleshooter: every check for a saved connection (or only one and
/// what it needs), with its stored secret (or `AZURE_DEVOPS_EXT_PAT` when
/// nothing is stored).
async fn troubleshoot(
    ctx: &JobContext,
    name: &str,
    only: Option<&'static str>,
    devops_base: Url,
    authority: Url,
    extra_endpoints: Vec<Url>,
    allow_http: bool,
) -> Result<JobResult, Problem> {
    let (mut subject, secrets) =
        crate::doctor::saved_subject(&ctx.config, name, &authority).await?;
    if subject.pat.is_none()
        && subject.entra.is_none()
        && let Ok(p) = std::env::var(crate::store::secrets::PAT_ENV)
        && !p.trim().is_empty()
    {
        subject.pat = Some(SecretString::from(p.trim().to_string()));
        subject.pat_source = crate::store::secrets::PAT_ENV.into();
    }
    let check_ctx = CheckContext {
        http: ctx.http.clone(),
        devops_base,
        extra_endpoints,
        allow_http,
        config: Some(ctx.config.clone()),
        secrets,
    };
    let report = match only {
        Some(id) => crate::checks::run_one(&subject, &check_ctx, id).await,
        None => crate::checks::run(&subject, &check_ctx).await,
    };
    crate::doctor::keep_renewed_secret(check_ctx.secrets.as_ref(), name, &report).await;
    Ok(JobResult::Troubleshot {
        outcomes: report.outcomes,
        only,
    })
}

/// Saves a new connection. The config is checked first (a new name, a new
/// organization+project), so nothing is touched when it would be refused;
/// then the secret, then the config. If the config cannot be written, the
/// secret store is put back as it was — nothing saved before is lost.
async fn save(ctx: &JobContext, req: SaveRequest) -> Result<JobResult, Problem> {
    let SaveRequest {
        mut connection,
        pat,
    } = req;
    let to_problem =
        |e: crate::store::config::ConfigError| Problem::new(e.code(), e.to_string(), e.fix());
    let name = connection.name.clone();
    connection.secret_ref = Some(ctx.secrets.secret_ref(&name));
    connection.validated_at = Some(crate::store::config::now_rfc3339());
    let mut config = ctx.config.load().map_err(to_problem)?;
    config.insert(connection.clone()).map_err(to_problem)?;

    let secret_problem =
        |e: crate::store::secrets::SecretError| Problem::new(e.code(), e.to_string(), e.fix());
    let stores_secrets = ctx.secrets.kind() != SecretStoreKind::None;
    let previous = if stores_secrets {
        let previous = ctx
            .secrets
            .get(name.as_str())
            .await
            .map_err(secret_problem)?;
        ctx.secrets
            .set(name.as_str(), &pat)
            .await
            .map_err(secret_problem)?;
        previous
    } else {
        None
    };
    if let Err(e) = ctx.config.save(&config) {
        if stores_secrets {
            let _ = match &previous {
                Some(old) => ctx.secrets.set(name.as_str(), old).await,
                None => ctx.secrets.delete(name.as_str()).await.map(|_| ()),
            };
        }
        return Err(to_problem(e));
    }
    Ok(JobResult::Saved(SavedInfo {
        name,
        config_path: ctx.config.path().display().to_string(),
        secret_location: ctx.secrets.describe(),
    }))
}

//! Review and troubleshooter jobs: the check catalogue run on the
//! connection being set up (permissions, Review) or on a saved one
//! (the troubleshooter), through the same [`crate::checks`] as `doctor`.

use secrecy::SecretString;
use url::Url;

use super::context::JobContext;
use crate::ado::endpoints::Deployment;
use crate::ado::http::Credential;
use crate::checks::{Context as CheckContext, Subject};
use crate::store::config::Access;
use crate::wizard::{JobResult, MappingInfo, Problem, ProjectInfo, ReviewRequest, Session};

/// The subject and context of the checks for the wizard's answers; with
/// `stores`, the stores' own checks run too.
pub(super) fn review_context(
    ctx: &JobContext,
    req: &ReviewRequest,
    stores: bool,
) -> (Subject, CheckContext) {
    let subject = session_subject(&req.session, &req.project, &req.mapping);
    let check_ctx = CheckContext {
        http: ctx.http.clone(),
        devops_base: req.devops_base.clone(),
        extra_endpoints: req.extra_endpoints.clone(),
        allow_http: req.allow_http,
        config: stores.then(|| ctx.config.clone()),
        secrets: stores.then(|| ctx.secrets.clone()),
    };
    (subject, check_ctx)
}

/// The `permission.*` checks for the project just chosen (and the checks
/// they need), as the Project step's validation (SPEC §2.5).
pub(super) async fn check_permissions(
    ctx: &JobContext,
    session: &Session,
    project: &ProjectInfo,
    devops_base: Url,
    allow_http: bool,
) -> JobResult {
    const IDS: [&str; 3] = [
        "permission.project_admin",
        "permission.service_hooks",
        "permission.tags",
    ];
    let mapping = MappingInfo {
        work_item_type: String::new(),
        type_states: Vec::new(),
        area_path: String::new(),
        iteration_path: String::new(),
        has_priority: false,
        priority_map: Default::default(),
        assignee: None,
        field_defaults: Default::default(),
    };
    let mut subject = session_subject(session, project, &mapping);
    subject.work_item_type = None;
    subject.area_path = None;
    subject.iteration_path = None;
    let check_ctx = CheckContext {
        http: ctx.http.clone(),
        devops_base,
        extra_endpoints: Vec::new(),
        allow_http,
        config: None,
        secrets: None,
    };
    let report = crate::checks::run_some(&subject, &check_ctx, &IDS).await;
    JobResult::Permissions {
        project_id: project.id.clone(),
        outcomes: report
            .outcomes
            .into_iter()
            .filter(|o| IDS.contains(&o.id))
            .collect(),
    }
}

/// The checks' subject for the wizard's answers so far.
fn session_subject(session: &Session, project: &ProjectInfo, mapping: &MappingInfo) -> Subject {
    let target = match session.deployment {
        Deployment::Services => session
            .base_url
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_string))
            .unwrap_or_default(),
        Deployment::Server => session.base_url.as_str().to_string(),
    };
    Subject {
        name: None,
        deployment: session.deployment,
        target,
        project: Some(project.name.clone()),
        project_id: Some(project.id.clone()).filter(|id| !id.is_empty()),
        api_version: Some(session.api_version.clone()).filter(|v| !v.is_empty()),
        access: Access::ReadWrite,
        pat: match &session.credential {
            Credential::Pat(p) => Some(p.clone()),
            _ => None,
        },
        pat_source: "the token you entered".into(),
        secret_unreadable: None,
        entra: session
            .entra
            .as_ref()
            .map(|(app, e)| crate::checks::EntraSign {
                app: app.clone(),
                refresh_token: e.refresh.clone(),
                tenant: e.tenant.clone(),
            }),
        unattended: session.unattended.clone(),
        work_item_type: Some(mapping.work_item_type.clone()),
        area_path: Some(mapping.area_path.clone()),
        iteration_path: Some(mapping.iteration_path.clone()),
        priority_map: mapping.priority_map,
        assignee: mapping.assignee.clone(),
        field_defaults: mapping.field_defaults.clone(),
    }
}

/// Review: the check catalogue — the same implementation `doctor` runs —
/// for the answers so far.
pub(super) async fn review(ctx: &JobContext, job: ReviewRequest) -> JobResult {
    let (subject, check_ctx) = review_context(ctx, &job, true);
    JobResult::Reviewed(crate::checks::run(&subject, &check_ctx).await.outcomes)
}

/// The troubleshooter: every check for a saved connection (or only one and
/// what it needs), with its stored secret (or `AZURE_DEVOPS_EXT_PAT` when
/// nothing is stored).
pub(super) async fn troubleshoot(
    ctx: &JobContext,
    name: &str,
    only: Option<&'static str>,
    devops_base: Url,
    authority: Url,
    extra_endpoints: Vec<Url>,
    allow_http: bool,
) -> Result<JobResult, Problem> {
    let (mut subject, secrets) =
        crate::checks::saved_subject(&ctx.config, name, &authority).await?;
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
    crate::checks::keep_renewed_secret(check_ctx.secrets.as_ref(), name, &report).await;
    Ok(JobResult::Troubleshot {
        outcomes: report.outcomes,
        only,
    })
}

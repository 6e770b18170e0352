//! What each of the wizard's background jobs does ([`crate::wizard::Job`]
//! in, [`JobResult`] out): each step's validation against the Azure DevOps
//! REST API, the network probe and the save, one file per kind of job.
//! Plain async functions with no UI knowledge, run by the TUI's driver (and
//! by `connect --non-interactive` for its save); every failure comes back
//! as a [`crate::problem::Problem`] with a code, a one-line message and a fix.

use crate::ado::probe::probe_azure_devops;
use crate::wizard::{Job, JobResult};

mod context;
mod mapping;
mod organization;
mod project;
mod review;
mod save;
mod sign_in;

pub use context::JobContext;
use mapping::{load_mapping, load_type_fields, validate_mapping};
use organization::{check_organization, load_organizations};
use project::{check_project, load_projects};
use review::{check_permissions, review, troubleshoot};
use save::{open_store, save, save_allowlist};
use sign_in::{
    certificate_credential, device_wait, probe_azure_cli, probe_managed_identity, sign_in,
    sign_in_unattended,
};

/// Runs one job to its result (never panics; errors become `Failed`). One
/// arm per job, read as a table.
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
        Job::SignInUnattended {
            mut unattended,
            base_url,
            org_tenant,
            certificate,
        } => {
            if let Some(path) = certificate.as_deref() {
                match certificate_credential(path) {
                    Err(p) => return JobResult::CertificateUnreadable(p),
                    Ok(c) => {
                        if let crate::auth::Unattended::ServicePrincipal(sp) = unattended.as_mut() {
                            sp.credential = Some(c);
                        }
                    }
                }
            }
            sign_in_unattended(&ctx.http, *unattended, &base_url, org_tenant.as_deref()).await
        }
        Job::ProbeManagedIdentity { imds } => Ok(probe_managed_identity(&imds).await),
        Job::ProbeAzureCli { tenant } => Ok(probe_azure_cli(tenant.as_deref()).await),
        Job::DeviceStart { app, tenant } => {
            crate::auth::start_device_code(&ctx.http, &app, &tenant)
                .await
                .map(|code| JobResult::DeviceCode(Box::new(code)))
                .map_err(|e| e.problem)
        }
        Job::DeviceWait {
            app,
            code,
            base_url,
            org_tenant,
        } => device_wait(&ctx.http, &app, &code, &base_url, org_tenant.as_deref()).await,
        Job::LoadOrganizations {
            profile_base,
            entra,
        } => load_organizations(&ctx.http, profile_base, &entra).await,
        Job::CheckOrganization {
            app,
            organization,
            base_url,
            entra,
        } => check_organization(&ctx.http, &app, organization, base_url, entra).await,
        Job::LoadProjects { session } => load_projects(&ctx.http, &session).await,
        Job::CheckProject { session, project } => {
            check_project(&ctx.http, &session, &project).await
        }
        Job::CheckPermissions {
            session,
            project,
            devops_base,
            allow_http,
        } => Ok(check_permissions(ctx, &session, &project, devops_base, allow_http).await),
        Job::LoadMapping { session, project } => load_mapping(&ctx.http, &session, &project).await,
        Job::LoadTypeFields {
            session,
            project,
            work_item_type,
        } => load_type_fields(&ctx.http, &session, &project, &work_item_type).await,
        Job::ValidateMapping(req) => Ok(validate_mapping(ctx, *req).await),
        Job::ProbeNetwork { endpoints } => {
            crate::net::probe::probe_endpoints_staged(&endpoints, ctx.http.probe_options())
                .await
                .map(JobResult::Network)
        }
        Job::SaveAllowlist { text, file_name } => save_allowlist(ctx, &text, &file_name),
        Job::OpenStore { choice } => open_store(ctx, choice).await,
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

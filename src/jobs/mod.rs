//! Runs the wizard's background jobs: each step's validation against the
//! Azure DevOps REST API, the network probe and the save. Plain async
//! functions with no UI knowledge; every failure comes back as a
//! [`Problem`] with a code, a one-line message and a fix.

use secrecy::SecretString;
use url::Url;

use std::path::Path;

use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::endpoints::Deployment;
use crate::ado::error::AdoError;
use crate::ado::http::{Credential, HttpClient};
use crate::ado::negotiate::who_am_i;
use crate::ado::probe::probe_azure_devops;
use crate::ado::version::ApiVersion;
use crate::auth::ClientCredential;
use crate::auth::unattended::{client_assertion, probe_imds, read_certificate};
use crate::checks::{
    Context as CheckContext, Subject, process_name, project_defaults, scope_problem,
};
use crate::store::config::{Access, ConfigStore};
use crate::store::secrets::{SecretStore, SecretStoreKind};
use crate::wizard::tree::TreePicker;
use crate::wizard::{
    EntraApp, EntraSession, Job, JobResult, MappingData, MappingInfo, MemberItem, OrgItem, Problem,
    ProjectInfo, ProjectItem, RequiredField, ReviewRequest, SaveRequest, SavedInfo, Session,
    SignInMethod, TypeChoice, TypeFields, Unavailable, UserInfo,
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
        Job::SignInUnattended {
            mut unattended,
            base_url,
            org_tenant,
            certificate,
        } => match certificate
            .as_deref()
            .map(certificate_credential)
            .transpose()
        {
            Err(p) => Ok(JobResult::CertificateUnreadable(p)),
            Ok(credential) => {
                if let (Some(c), crate::auth::Unattended::ServicePrincipal(sp)) =
                    (credential, unattended.as_mut())
                {
                    sp.credential = Some(c);
                }
                sign_in_unattended(&ctx.http, *unattended, &base_url, org_tenant.as_deref()).await
            }
        },
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

fn client(http: &HttpClient, session: &Session) -> Result<AdoClient, Problem> {
    let version = ApiVersion::parse(&session.api_version).unwrap_or(ApiVersion::SERVICES);
    AdoClient::new(
        http.clone(),
        session.base_url.clone(),
        session.credential.clone(),
        version,
    )
    .map_err(|e| Problem::from(&e))
}

/// Who am I with a Microsoft sign-in's token at `base_url`.
async fn whoami_entra(
    http: &HttpClient,
    base_url: &Url,
    tokens: &crate::auth::Tokens,
) -> Result<(UserInfo, EntraSession), Problem> {
    let c = AdoClient::new(
        http.clone(),
        base_url.clone(),
        tokens.credential(),
        ApiVersion::SERVICES,
    )
    .map_err(|e| Problem::from(&e))?;
    let me = c.connection_data().await.map_err(|e| {
        let mut p = Problem::from(&e);
        if p.code == "PROVIDER_AUTH_REQUIRED" {
            p.fix = format!(
                "Check that {} is a member of the organization (Organization Settings › Users), or sign in with another account",
                tokens.account().unwrap_or("the account")
            );
        }
        p
    })?;
    let Some(refresh) = tokens.refresh.clone() else {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Microsoft Entra ID sent no refresh token, so later runs could not sign in silently",
            "Check that the client app may request offline_access, or use a personal access token",
        ));
    };
    if me.authenticated_user.is_anonymous() {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Azure DevOps treated the sign-in as anonymous",
            "Sign in with an account that is a member of the organization",
        ));
    }
    Ok((
        {
            let mut user = user_info(&me);
            user.sign_in = user
                .sign_in
                .or_else(|| tokens.account().map(str::to_string));
            user
        },
        EntraSession {
            access: tokens.access.clone(),
            refresh,
            tenant: tokens.tenant().map(str::to_string),
        },
    ))
}

/// A token for a managed identity, the Azure CLI or a service principal,
/// then who am I with it at `base_url`.
async fn sign_in_unattended(
    http: &HttpClient,
    u: crate::auth::Unattended,
    base_url: &Url,
    org_tenant: Option<&str>,
) -> Result<JobResult, Problem> {
    let token = crate::auth::unattended::acquire(http, &u, org_tenant).await?;
    let c = AdoClient::new(
        http.clone(),
        base_url.clone(),
        token.credential(),
        ApiVersion::SERVICES,
    )
    .map_err(|e| Problem::from(&e))?;
    let me = c.connection_data().await.map_err(|e| {
        let mut p = Problem::from(&e);
        if p.code == "PROVIDER_AUTH_REQUIRED" {
            p.fix = "Add the identity to the organization: Organization Settings › Users › Add users (access level Basic), then to the project".into();
        }
        p
    })?;
    Ok(JobResult::SignedInUnattended {
        user: user_info(&me),
        unattended: Box::new(u),
        access: token.access.clone(),
    })
}

/// A service principal's certificate file from the wizard (`~/` is the
/// home directory), checked as far as it can be without Entra ID: readable,
/// a PEM with a certificate and an RSA private key. The fixes speak of the
/// wizard's field, not of `--certificate`.
fn certificate_credential(path: &Path) -> Result<ClientCredential, Problem> {
    let path = match path.strip_prefix("~") {
        Ok(rest) => match directories::BaseDirs::new() {
            Some(b) => b.home_dir().join(rest),
            None => path.to_path_buf(),
        },
        Err(_) => path.to_path_buf(),
    };
    let wizard_fix = |mut p: Problem| {
        p.fix = if p.code == "CONFIG_INVALID" {
            match std::env::current_dir() {
                Ok(cwd) if path.is_relative() => format!(
                    "Check the path (a relative one starts in {}) and that you can read the file",
                    cwd.display()
                ),
                _ => "Check the path and that you can read the file".into(),
            }
        } else {
            "Give a PEM file with the unencrypted private key (PKCS#8 or PKCS#1 RSA) and the certificate uploaded to the app, e.g. cat key.pem cert.pem > sp.pem".into()
        };
        p
    };
    let credential = read_certificate(&path).map_err(wizard_fix)?;
    // The key must sign an assertion (RS256): a key of another kind is
    // said here, on the field, rather than after a round trip.
    if let ClientCredential::Certificate(pem) = &credential {
        client_assertion(pem, "check", "https://login.invalid/", 0).map_err(wizard_fix)?;
    }
    Ok(credential)
}

/// Whether managed identity can be used here: the metadata endpoint answers.
async fn probe_managed_identity(imds: &Url) -> JobResult {
    let available = probe_imds(imds)
        .await
        .map(|()| "the instance metadata endpoint answers".to_string())
        .map_err(|problem| Unavailable {
            brief: imds_brief(&problem),
            problem: in_wizard_words(problem),
        });
    JobResult::MethodProbed {
        method: SignInMethod::ManagedIdentity,
        available,
    }
}

/// Whether the Azure CLI can be used here: installed and signed in.
async fn probe_azure_cli(tenant: Option<&str>) -> JobResult {
    let available = crate::auth::unattended::probe_azure_cli(tenant)
        .await
        .map(|account| format!("signed in as {account}"))
        .map_err(|problem| Unavailable {
            brief: az_brief(&problem),
            problem: in_wizard_words(problem),
        });
    JobResult::MethodProbed {
        method: SignInMethod::AzureCli,
        available,
    }
}

/// A probe's fix as the Sign in step says it: the methods by their names
/// there rather than `--auth`, and `r` (check again) rather than doctor.
/// (A fix worded otherwise is kept as it is.)
fn in_wizard_words(mut p: Problem) -> Problem {
    use crate::auth::unattended::{FIX_AGAIN, FIX_ANOTHER_AUTH, FIX_OTHER_METHODS};
    p.fix = p
        .fix
        .replace(
            FIX_OTHER_METHODS,
            "elsewhere choose Service principal or Azure CLI",
        )
        .replace(FIX_ANOTHER_AUTH, "then press r; or choose another method")
        .replace(FIX_AGAIN, "then press r to check again");
    p
}

/// Why managed identity is unavailable, in the few words its choice shows.
fn imds_brief(p: &Problem) -> String {
    let m = p.message.as_str();
    if m.contains("no instance metadata endpoint answered") {
        "no instance metadata endpoint answered"
    } else if m.contains("not Azure's instance metadata service") {
        "the metadata endpoint is not Azure's"
    } else {
        "the metadata endpoint cannot be asked"
    }
    .to_string()
}

/// Why the Azure CLI is unavailable, in the few words its choice shows.
fn az_brief(p: &Problem) -> String {
    let m = p.message.as_str();
    if m.contains("not installed") {
        "az is not installed"
    } else if m.contains("has expired") {
        "az's sign-in has expired — run az login"
    } else if m.contains("not signed in") {
        "az is not signed in — run az login"
    } else if m.contains("not in the organization's directory") {
        "az's account is not in the organization's directory"
    } else if m.contains("did not answer within") {
        "az did not answer in time"
    } else if m.contains("could not be started") || m.contains("failed to run") {
        "az cannot be run"
    } else {
        "az cannot get a token for Azure DevOps"
    }
    .to_string()
}

/// Waits for the user to approve the device code, then signs in to the
/// organization with a token of its tenant.
async fn device_wait(
    http: &HttpClient,
    app: &EntraApp,
    code: &crate::auth::DeviceCode,
    base_url: &Url,
    org_tenant: Option<&str>,
) -> Result<JobResult, Problem> {
    let tokens = crate::auth::wait_for_tokens(http, app, code)
        .await
        .map_err(|e| e.problem)?;
    let tokens = crate::auth::token_for_tenant(http, app, tokens, org_tenant)
        .await
        .map_err(|e| e.problem)?;
    let (user, entra) = whoami_entra(http, base_url, &tokens).await?;
    Ok(JobResult::SignedIn {
        user,
        api_version: ApiVersion::SERVICES.to_string(),
        entra: Some(entra),
    })
}

/// The user's organizations (those of the token's directory).
async fn load_organizations(
    http: &HttpClient,
    profile_base: Url,
    entra: &EntraSession,
) -> Result<JobResult, Problem> {
    let c = AdoClient::new(
        http.clone(),
        profile_base,
        Credential::Bearer(entra.access.clone()),
        ApiVersion::SERVICES,
    )
    .map_err(|e| Problem::from(&e))?;
    let me = c.profile_me().await.map_err(|e| Problem::from(&e))?;
    let mut orgs: Vec<OrgItem> = c
        .accounts(&me.id)
        .await
        .map_err(|e| Problem::from(&e))?
        .into_iter()
        .filter(|a| {
            a.account_status
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case("enabled"))
        })
        .map(|a| OrgItem {
            name: a.account_name,
        })
        .collect();
    orgs.sort_by_key(|o| o.name.to_lowercase());
    orgs.dedup();
    Ok(JobResult::Organizations(orgs))
}

/// The organization chosen from the list: its tenant (an unauthenticated
/// HEAD), a token for that tenant, and who am I there.
async fn check_organization(
    http: &HttpClient,
    app: &EntraApp,
    organization: String,
    base_url: Url,
    entra: EntraSession,
) -> Result<JobResult, Problem> {
    let authority = crate::auth::discover_authority(http, &base_url, None).await?;
    let tenant = match &authority {
        crate::auth::Authority::Tenant(t) => Some(t.clone()),
        crate::auth::Authority::MicrosoftAccount => Some(crate::auth::MSA_TENANT.to_string()),
        crate::auth::Authority::Unknown => None,
    };
    let tokens = crate::auth::Tokens {
        access: entra.access.clone(),
        refresh: Some(entra.refresh.clone()),
        claims: crate::ado::models::JwtClaims {
            tid: entra.tenant.clone(),
            ..Default::default()
        },
        refresh_expires_in: None,
    };
    let tokens = crate::auth::token_for_tenant(http, app, tokens, tenant.as_deref())
        .await
        .map_err(|e| e.problem)?;
    let (user, entra) = whoami_entra(http, &base_url, &tokens).await?;
    Ok(JobResult::OrganizationOk(Box::new(
        crate::wizard::OrganizationOk {
            organization,
            base_url,
            tenant,
            user,
            entra,
        },
    )))
}

/// Who am I with this PAT; for Server, which api-version the collection speaks.
pub async fn sign_in(
    http: &HttpClient,
    deployment: Deployment,
    base_url: &Url,
    pat: SecretString,
) -> Result<JobResult, Problem> {
    // One round trip: who am I, and (Server) the api-version at once.
    let (client, me) = who_am_i(http, deployment, base_url, &Credential::Pat(pat))
        .await
        .map_err(|e| auth_problem(&e))?;
    let version = client.version();
    if me.authenticated_user.is_anonymous() {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Azure DevOps treated the token as anonymous: it was not accepted",
            "Create a new personal access token and paste it here",
        ));
    }
    Ok(JobResult::SignedIn {
        user: user_info(&me),
        api_version: version.to_string(),
        entra: None,
    })
}

/// The signed-in identity as who-am-I names it.
fn user_info(me: &crate::ado::models::ConnectionData) -> UserInfo {
    UserInfo {
        display_name: me.authenticated_user.display_name().to_string(),
        sign_in: me.authenticated_user.account().map(str::to_string),
    }
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
    // Each project's process, from one request (the processes with their
    // projects). A server without the process API (XML-process
    // collections) or a token that may not read it leaves it unknown.
    let process_of: std::collections::HashMap<String, String> = c
        .processes_with_projects()
        .await
        .map(|processes| {
            processes
                .into_iter()
                .flat_map(|p| {
                    let name = p.name;
                    p.projects
                        .into_iter()
                        .map(move |r| (r.id.to_lowercase(), name.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(JobResult::Projects(
        projects
            .into_iter()
            .map(|p| ProjectItem {
                id: p.id.clone(),
                name: p.name,
                description: p.description.unwrap_or_default(),
                process: process_of
                    .get(&p.id.to_lowercase())
                    .map(|name| crate::text::clean_string(name.clone()))
                    .unwrap_or_default(),
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
    // Two round trips: the defaults, the whole trees and the teams at once,
    // then the default type's fields and the teams' members. The whole
    // trees are read at once: a 20,000-node tree is a few MB, read once,
    // then picked from and filtered locally.
    let defaults_and_fields = async {
        let d = project_defaults(&c, p, project.default_team.as_deref())
            .await
            .map_err(|e| scope_read(&e))?;
        let Some(default_type) = d.work_item_type.clone() else {
            return Err(Problem::new(
                "MAPPING_INVALID",
                format!("project {p} has no enabled work item type"),
                "Enable a work item type under Organization Settings › Boards › Process",
            ));
        };
        let fields = type_fields(&c, p, &default_type).await;
        Ok((d, default_type, fields))
    };
    let (read, areas, iterations, members) = tokio::join!(
        defaults_and_fields,
        c.classification_tree(p, StructureGroup::Areas, TREE_DEPTH),
        c.classification_tree(p, StructureGroup::Iterations, TREE_DEPTH),
        team_members(&c, p),
    );
    let (d, default_type, fields) = read?;
    let types: Vec<TypeChoice> = d
        .types
        .iter()
        .filter(|t| t.is_enabled() && !d.hidden.contains(&t.name))
        .map(|t| TypeChoice {
            name: t.name.clone(),
            states: t.states.iter().map(|s| s.name.clone()).collect(),
        })
        .collect();
    let areas = TreePicker::from_classification(&areas.map_err(|e| scope_read(&e))?);
    let iterations = TreePicker::from_classification(&iterations.map_err(|e| scope_read(&e))?);
    let (area, iteration) = (d.area_path.clone(), d.iteration_path.clone());
    if !areas.contains_path(&area) {
        return Err(missing_path("area", &area));
    }
    if !iterations.contains_path(&iteration) {
        return Err(missing_path("iteration", &iteration));
    }
    Ok(JobResult::MappingLoaded(Box::new(MappingData {
        types,
        default_type,
        areas,
        iterations,
        default_area: area,
        default_iteration: iteration,
        members,
        fields: fields?,
    })))
}

/// Levels of the area and iteration trees read at once.
const TREE_DEPTH: u32 = 30;

/// What a type's fields mean for the mapping: the priority values, and the
/// fields that need a value.
async fn type_fields(c: &AdoClient, project: &str, type_name: &str) -> Result<TypeFields, Problem> {
    let fields = c
        .work_item_type_fields(project, type_name, true)
        .await
        .map_err(|e| scope_read(&e))?;
    let priority_values = fields
        .iter()
        .find(|f| f.reference_name == "Microsoft.VSTS.Common.Priority")
        .map(|f| {
            let v = f.allowed_value_strings();
            if v.is_empty() {
                ["1", "2", "3", "4"].map(str::to_string).to_vec()
            } else {
                v
            }
        });
    let required = crate::checks::required_fields(&fields)
        .into_iter()
        .map(|f| RequiredField {
            reference_name: f.reference_name.clone(),
            name: f.name.clone().unwrap_or_else(|| f.reference_name.clone()),
            allowed_values: f.allowed_value_strings(),
            help: f.help_text.clone().filter(|h| !h.trim().is_empty()),
        })
        .collect();
    Ok(TypeFields {
        work_item_type: type_name.to_string(),
        priority_values,
        required,
    })
}

/// Members of the project's teams (the first 20 teams), once each, sorted.
async fn team_members(c: &AdoClient, project: &str) -> Vec<MemberItem> {
    let Ok(teams) = c.teams(project).await else {
        return Vec::new();
    };
    let lists = futures::future::join_all(
        teams
            .iter()
            .take(20)
            .map(|t| c.team_members(project, &t.name)),
    )
    .await;
    let mut out: Vec<MemberItem> = lists
        .into_iter()
        .flatten()
        .flatten()
        .filter(|m| m.identity.is_container != Some(true))
        .filter_map(|m| {
            let unique = m.identity.unique_name.clone()?;
            let name = m
                .identity
                .display_name
                .clone()
                .unwrap_or_else(|| unique.clone());
            Some(MemberItem {
                label: format!("{name} <{unique}>"),
                unique_name: unique,
            })
        })
        .collect();
    out.sort_by_key(|m| m.label.to_lowercase());
    out.dedup_by(|a, b| a.unique_name.eq_ignore_ascii_case(&b.unique_name));
    out
}

async fn load_type_fields(
    http: &HttpClient,
    session: &Session,
    project: &ProjectInfo,
    type_name: &str,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    Ok(JobResult::TypeFields(
        type_fields(&c, &project.name, type_name).await?,
    ))
}

/// The mapping checks of the catalogue (what `doctor` runs as `mapping.*`)
/// for the chosen mapping, ending with the dry-run create.
async fn validate_mapping(ctx: &JobContext, req: ReviewRequest) -> JobResult {
    let (subject, check_ctx) = review_context(ctx, &req, false);
    let mapping = req.mapping;
    let report = crate::checks::run_some(
        &subject,
        &check_ctx,
        &[
            "mapping.work_item_type",
            "mapping.area_path",
            "mapping.iteration_path",
            "mapping.priority",
            "mapping.assignee",
            "mapping.required_fields",
            "mapping.dry_run",
        ],
    )
    .await;
    JobResult::MappingChecked {
        mapping: Box::new(mapping),
        outcomes: report.outcomes,
    }
}

fn scope_read(e: &AdoError) -> Problem {
    let mut p = Problem::from(e);
    if let Some((code, fix)) = scope_problem(e) {
        p.code = code.into();
        p.fix = fix.into();
    }
    p
}

fn missing_path(kind: &str, path: &str) -> Problem {
    Problem::new(
        "MAPPING_INVALID",
        format!("the default {kind} path {path} does not exist"),
        format!(
            "Create it under Project Settings › Boards › Project configuration, or set the team's default {kind}"
        ),
    )
}

/// Opens the store the user chose when the OS keyring failed, and proves it.
async fn open_store(
    ctx: &JobContext,
    choice: crate::store::secrets::SecretStoreChoice,
) -> Result<JobResult, Problem> {
    let err = |e: crate::store::secrets::SecretError| {
        Problem::new(
            e.code(),
            e.to_string(),
            "Choose another of the options above",
        )
    };
    let store = SecretStore::open(choice, ctx.config.dir())
        .await
        .map_err(err)?;
    store.round_trip().await.map_err(err)?;
    Ok(JobResult::StoreOpened {
        description: store.describe(),
        store,
    })
}

/// Writes the firewall request next to the config (the demo's is temporary).
fn save_allowlist(ctx: &JobContext, text: &str, file_name: &str) -> Result<JobResult, Problem> {
    let path = ctx.config.dir().join(file_name);
    crate::store::fsutil::write_atomic(&path, text.as_bytes(), None).map_err(|e| {
        Problem::new(
            "CONFIG_INVALID",
            format!("cannot write {}: {e}", path.display()),
            "Check that the config directory is writable, or copy the list with c instead",
        )
    })?;
    Ok(JobResult::AllowlistSaved(path.display().to_string()))
}

/// The subject and context of the checks for the wizard's answers; with
/// `stores`, the stores' own checks run too.
fn review_context(ctx: &JobContext, req: &ReviewRequest, stores: bool) -> (Subject, CheckContext) {
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
async fn check_permissions(
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
async fn review(ctx: &JobContext, job: ReviewRequest) -> JobResult {
    let (subject, check_ctx) = review_context(ctx, &job, true);
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

/// Saves a new connection. The config is checked first (a new name, a new
/// organization+project), so nothing is touched when it would be refused;
/// then the secret, then the config. If the config cannot be written, the
/// secret store is put back as it was — nothing saved before is lost.
async fn save(ctx: &JobContext, req: SaveRequest) -> Result<JobResult, Problem> {
    let SaveRequest {
        replaces,
        mut connection,
        secret,
    } = req;
    let to_problem =
        |e: crate::store::config::ConfigError| Problem::new(e.code(), e.to_string(), e.fix());
    let name = connection.name.clone();
    // Managed identity and the Azure CLI keep nothing secret.
    let keeps_secret = connection.auth_method.stores_secret();
    connection.secret_ref = keeps_secret.then(|| ctx.secrets.secret_ref(&name));
    connection.validated_at = Some(crate::store::config::now_rfc3339());
    let mut config = ctx.config.load().map_err(to_problem)?;
    // Editing: the old entry goes, in the same atomic write.
    let old = replaces.and_then(|n| config.remove(&n));
    config.insert(connection.clone()).map_err(to_problem)?;

    let secret_problem =
        |e: crate::store::secrets::SecretError| Problem::new(e.code(), e.to_string(), e.fix());
    let stores_secrets = keeps_secret && ctx.secrets.kind() != SecretStoreKind::None;
    let previous = if stores_secrets {
        let previous = ctx
            .secrets
            .get(name.as_str())
            .await
            .map_err(secret_problem)?;
        ctx.secrets
            .set(name.as_str(), &secret)
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
    // Renamed (or moved to another store) by an edit: the old secret goes.
    if let Some(old) = old
        && let Some(r) = &old.secret_ref
        && (!old.name.eq_ignore_ascii_case(&name) || r.store != ctx.secrets.kind())
        && let Ok(store) = SecretStore::open_ref(r, ctx.config.dir()).await
        && let Err(e) = store.delete(old.name.as_str()).await
    {
        tracing::warn!(error = %e, "could not delete the secret of the connection's old name");
    }
    Ok(JobResult::Saved(SavedInfo {
        name,
        config_path: ctx.config.path().display().to_string(),
        secret_location: ctx.secrets.describe(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_az_is_unavailable_in_a_few_words_and_the_wizards() {
        let p = crate::auth::unattended::azure_cli_token_with(
            "ado-setup-no-such-az-program",
            Some("contoso.example"),
            crate::auth::unattended::AZ_TIMEOUT,
        )
        .await
        .err()
        .unwrap_or_else(|| Problem::new("X", "no error", ""));
        assert_eq!(az_brief(&p), "az is not installed");
        let p = in_wizard_words(p);
        assert!(p.fix.contains("az login --tenant contoso.example"), "{p:?}");
        assert!(p.fix.contains("press r"), "{p:?}");
        assert!(!p.fix.contains("--auth"), "{p:?}");
    }

    #[test]
    fn az_failures_have_briefs() {
        let brief = |m: &str| az_brief(&Problem::new("PROVIDER_AUTH_REQUIRED", m, ""));
        assert_eq!(
            brief("the Azure CLI is not signed in: Please run 'az login'"),
            "az is not signed in — run az login"
        );
        assert_eq!(
            brief("the Azure CLI's sign-in has expired: AADSTS700082"),
            "az's sign-in has expired — run az login"
        );
        assert_eq!(
            brief("the Azure CLI did not answer within 30 s"),
            "az did not answer in time"
        );
        assert_eq!(brief("boom"), "az cannot get a token for Azure DevOps");
    }

    #[tokio::test]
    async fn no_metadata_endpoint_is_unavailable_in_a_few_words() {
        let (_closed, port) = crate::net::closed_port();
        let Ok(url) = Url::parse(&format!("http://127.0.0.1:{port}")) else {
            panic!("a loopback URL")
        };
        match probe_managed_identity(&url).await {
            JobResult::MethodProbed {
                method: SignInMethod::ManagedIdentity,
                available: Err(u),
            } => {
                assert_eq!(u.brief, "no instance metadata endpoint answered");
                assert!(
                    u.problem
                        .fix
                        .contains("choose Service principal or Azure CLI"),
                    "{u:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    fn a_certificate_file_is_checked_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let p = certificate_credential(&missing).err().unwrap();
        assert_eq!(p.code, "CONFIG_INVALID");
        assert!(p.message.contains("cannot read the certificate"), "{p:?}");
        assert!(!p.fix.contains("--certificate"), "{p:?}");

        let not_pem = dir.path().join("secret.txt");
        std::fs::write(&not_pem, "just text").unwrap();
        let p = certificate_credential(&not_pem).err().unwrap();
        assert!(p.message.contains("no certificate"), "{p:?}");
        assert!(p.fix.contains("cat key.pem cert.pem"), "{p:?}");

        // An EC key cannot sign RS256: said before a round trip.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let ec = dir.path().join("ec.pem");
        std::fs::write(&ec, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
        let p = certificate_credential(&ec).err().unwrap();
        assert!(p.message.contains("not an RSA key"), "{p:?}");

        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let rsa = dir.path().join("sp.pem");
        std::fs::write(&rsa, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
        let c = certificate_credential(&rsa).unwrap();
        assert_eq!(c.kind(), "certificate");
    }
}

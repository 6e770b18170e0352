//! `ado-setup connect --non-interactive`: the wizard's answers from flags and
//! the environment, the same checks (the catalogue `doctor` runs), and a
//! save only when they pass — for provisioning scripts. Also the
//! non-interactive Microsoft sign-in (device code on stderr) that `doctor`
//! uses for ad hoc `--auth device-code` runs, and the unattended sign-ins
//! from flags (`--auth managed-identity | service-principal | azure-cli`)
//! that both commands share.

use secrecy::SecretString;
use serde_json::json;

use std::process::ExitCode;

use super::flags::{
    ConnectError, device_code_sign_in, refine, setup, subject_from_flags, unattended_from_flags,
};
use super::process::{printed, problem_exit, run_with_stdin_secret, to_stderr};
use super::report::{checklist, json_value};
use crate::ado::endpoints::{Deployment, Endpoints};
use crate::ado::http::HttpClient;
use crate::auth::Unattended;
use crate::checks::{self, Context, Report, Status, Subject};
use crate::cli::{AuthChoice, ConnectArgs, ConnectionFlags, GlobalArgs, exit};
use crate::jobs::JobContext;
use crate::net::target::parse_services_target;
use crate::problem::Problem;
use crate::store::config::{
    AuthMethod, ConfigStore, Connection, ConnectionUser, ProviderKey, suggest_connection_name,
    validate_connection_name,
};
use crate::store::secrets::{PAT_ENV, SecretStore};
use crate::wizard::{Job, JobResult, SaveRequest, SavedInfo};

/// What `connect --non-interactive` prints, and its exit code.
#[derive(Debug)]
pub struct ConnectOutput {
    pub stdout: String,
    pub code: u8,
}

/// Saves a connection that keeps no secret (managed identity, Azure CLI):
/// the config entry only, `secret_ref` unset, no secret store touched.
fn save_without_secret(
    config: &ConfigStore,
    mut connection: Connection,
) -> Result<SavedInfo, Problem> {
    let to_problem =
        |e: crate::store::config::ConfigError| Problem::new(e.code(), e.to_string(), e.fix());
    connection.secret_ref = None;
    connection.validated_at = Some(crate::store::config::now_rfc3339());
    let name = connection.name.clone();
    let mut loaded = config.load().map_err(to_problem)?;
    loaded.insert(connection).map_err(to_problem)?;
    config.save(&loaded).map_err(to_problem)?;
    Ok(crate::wizard::SavedInfo {
        name,
        config_path: config.path().display().to_string(),
        secret_location: "nowhere: nothing secret is stored".to_string(),
    })
}

/// Runs `connect --non-interactive`.
pub async fn connect(
    global: &GlobalArgs,
    args: &ConnectArgs,
    stdin_pat: Option<SecretString>,
    env: impl Fn(&str) -> Option<String>,
    notify: &(dyn Fn(&str) + Sync),
) -> Result<ConnectOutput, ConnectError> {
    let flags = &args.connection;
    let (endpoints, http) = setup(global, &env).map_err(ConnectError::usage)?;
    let mut subject =
        subject_from_flags(flags, "connect --non-interactive").map_err(ConnectError::usage)?;
    refine(&mut subject, flags).map_err(ConnectError::usage)?;
    let Some(project) = subject.project.clone() else {
        return Err(ConnectError::usage(Problem::new(
            "CONFIG_INVALID",
            "connect needs the project: --project NAME",
            "e.g. ado-setup connect --non-interactive --org contoso --project Payments",
        )));
    };
    let name = connection_name(&subject, flags, &endpoints, &project);
    let config = free_name(global, &name)?;
    subject.name = None;

    let method = flags.auth.unwrap_or(AuthChoice::Pat);
    let secrets = secret_store(global, method, &config).await?;
    let sign_in = SignIn {
        http: &http,
        endpoints: &endpoints,
        flags,
        notify,
    };
    add_credential(&mut subject, method, &sign_in, stdin_pat, &env).await?;

    // The checks: the same catalogue as the wizard's Review and doctor.
    let ctx = Context {
        http: http.clone(),
        devops_base: endpoints.devops.clone(),
        extra_endpoints: vec![endpoints.vssps.clone(), endpoints.profile.clone()],
        allow_http: global.allow_http,
        config: None,
        secrets: Some(secrets.clone()),
    };
    let report = checks::run(&subject, &ctx).await;
    let summary = report.summary();
    let auth_failed = report.get("auth.credentials").is_some_and(|o| {
        o.status == Status::Fail && o.code.as_deref() == Some("PROVIDER_AUTH_REQUIRED")
    });
    let refusal = refusal(summary.fail, summary.warn, args.force);
    let saved = match refusal {
        Some(_) => None,
        None => {
            let jobs = JobContext {
                http,
                config: config.clone(),
                secrets: secrets.clone(),
            };
            Some(save_connection(&jobs, &subject, &report, &name, &endpoints).await)
        }
    };
    let (saved, save_problem) = match saved {
        Some(Ok(info)) => (Some(info), None),
        Some(Err(p)) => (None, Some(p)),
        None => (None, None),
    };
    let code = if saved.is_some() {
        exit::OK
    } else if auth_failed {
        exit::AUTH
    } else {
        exit::FAILED
    };
    let outcome = Outcome {
        name: &name,
        saved: saved.as_ref(),
        refusal: refusal.as_deref(),
        save_problem: save_problem.as_ref(),
    };
    let stdout = if args.json {
        json_out(&subject, &report, &outcome)
    } else {
        human_out(
            &subject,
            &report,
            &outcome,
            !crate::cli::report::utf8_locale(&env),
        )
    };
    Ok(ConnectOutput { stdout, code })
}

/// The name: given, or suggested as the wizard would.
fn connection_name(
    subject: &Subject,
    flags: &ConnectionFlags,
    endpoints: &Endpoints,
    project: &str,
) -> String {
    let first = match subject.deployment {
        Deployment::Services => parse_services_target(&subject.target, &endpoints.devops)
            .map(|t| t.organization)
            .unwrap_or_else(|_| subject.target.clone()),
        Deployment::Server => url::Url::parse(&subject.target)
            .ok()
            .and_then(|u| {
                u.path_segments()?
                    .rfind(|s| !s.is_empty())
                    .map(str::to_string)
            })
            .unwrap_or_default(),
    };
    flags
        .connection_name
        .clone()
        .unwrap_or_else(|| suggest_connection_name(&first, project))
}

/// The config store, once `name` is known to be valid and free — checked
/// before anything is asked of Azure DevOps.
fn free_name(global: &GlobalArgs, name: &str) -> Result<ConfigStore, ConnectError> {
    validate_connection_name(name)
        .map_err(|e| ConnectError::usage(Problem::new(e.code(), e.to_string(), e.fix())))?;
    let said = |e: crate::store::config::ConfigError| {
        ConnectError::usage(Problem::new(e.code(), e.to_string(), e.fix()))
    };
    let config = ConfigStore::resolve(global.config_dir.as_deref()).map_err(said)?;
    let loaded = config.load().map_err(said)?;
    if loaded.get(name).is_some() {
        return Err(ConnectError::usage(Problem::new(
            "CONNECTION_EXISTS",
            format!("a connection named {name} exists already"),
            "Choose another --name, or check it with: ado-setup doctor NAME",
        )));
    }
    Ok(config)
}

/// The store is proven before a secret is asked for; never a silent
/// fallback (`--secret-store` chooses). A managed identity and the Azure
/// CLI keep no secret, and need no store.
async fn secret_store(
    global: &GlobalArgs,
    method: AuthChoice,
    config: &ConfigStore,
) -> Result<SecretStore, ConnectError> {
    if matches!(method, AuthChoice::ManagedIdentity | AuthChoice::AzureCli) {
        return Ok(SecretStore::none());
    }
    SecretStore::open_checked(
        global.secret_store,
        config.dir(),
        global.require_secure_storage,
    )
    .await
    .map_err(|e| ConnectError {
        problem: Problem::new(e.code(), e.to_string(), e.fix()),
        code: exit::FAILED,
    })
}

/// What a sign-in from flags needs.
struct SignIn<'a> {
    http: &'a HttpClient,
    endpoints: &'a Endpoints,
    flags: &'a ConnectionFlags,
    notify: &'a (dyn Fn(&str) + Sync),
}

/// The credential the flags name, on the subject: a PAT (standard input or
/// the environment), a Microsoft sign-in, or an unattended sign-in.
async fn add_credential(
    subject: &mut Subject,
    method: AuthChoice,
    how: &SignIn<'_>,
    stdin_pat: Option<SecretString>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConnectError> {
    match method {
        AuthChoice::Pat => {
            let (pat, source) = match stdin_pat {
                Some(p) => (Some(p), "standard input"),
                None => (
                    env(PAT_ENV)
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .map(SecretString::from),
                    PAT_ENV,
                ),
            };
            let Some(pat) = pat else {
                return Err(ConnectError {
                    problem: Problem::new(
                        "PROVIDER_AUTH_REQUIRED",
                        "no personal access token: pipe it with --pat-stdin or set AZURE_DEVOPS_EXT_PAT",
                        "e.g. printenv ADO_PAT | ado-setup connect --non-interactive --pat-stdin …",
                    ),
                    code: exit::AUTH,
                });
            };
            subject.pat = Some(pat);
            subject.pat_source = source.into();
        }
        AuthChoice::DeviceCode => {
            let e = device_code_sign_in(how.http, how.endpoints, subject, how.flags, how.notify)
                .await
                .map_err(ConnectError::sign_in)?;
            subject.entra = Some(e);
            subject.pat_source = "Microsoft sign-in".into();
        }
        AuthChoice::ManagedIdentity | AuthChoice::ServicePrincipal | AuthChoice::AzureCli => {
            let u =
                unattended_from_flags(how.endpoints, subject.deployment, how.flags, stdin_pat, env)
                    .await?;
            if let Some(u) = u {
                subject.pat_source = match &u {
                    Unattended::ServicePrincipal(sp) => {
                        format!("{}, from {}", u.describe(), sp.source)
                    }
                    _ => u.describe(),
                };
                subject.unattended = Some(u);
            }
        }
    }
    Ok(())
}

/// Why nothing is saved: a failed check, or a warning without `--force`.
fn refusal(fail: usize, warn: usize, force: bool) -> Option<String> {
    if fail > 0 {
        Some(format!("{fail} check(s) failed; nothing was saved"))
    } else if warn > 0 && !force {
        Some(format!(
            "{warn} check(s) warned; nothing was saved (pass --force to save with warnings)"
        ))
    } else {
        None
    }
}

/// Saves the connection the checks established, with its secret (the
/// wizard's own save job), or without one for a sign-in that keeps none.
async fn save_connection(
    jobs: &JobContext,
    subject: &Subject,
    report: &Report,
    name: &str,
    endpoints: &Endpoints,
) -> Result<SavedInfo, Problem> {
    let Some(connection) = build(subject, report, name, endpoints) else {
        return Err(Problem::new(
            "CONFIG_INVALID",
            "the checks passed but did not establish every setting",
            "Report this as a bug; run `ado-setup connect` (the wizard) meanwhile",
        ));
    };
    if !connection.auth_method.stores_secret() {
        return save_without_secret(&jobs.config, connection);
    }
    let secret = match (&subject.entra, &subject.unattended, &subject.pat) {
        (Some(e), _, _) => report
            .renewed_secret
            .clone()
            .unwrap_or_else(|| e.refresh_token.clone()),
        (None, Some(u), _) if u.secret().is_some() => u
            .secret()
            .unwrap_or_else(|| SecretString::from(String::new())),
        (None, _, Some(p)) => p.clone(),
        (None, _, None) => SecretString::from(String::new()),
    };
    let request = SaveRequest {
        replaces: None,
        connection,
        secret,
    };
    match crate::jobs::run(jobs, Job::Save(Box::new(request))).await {
        JobResult::Saved(info) => Ok(info),
        JobResult::Failed(p) => Err(p),
        other => Err(Problem::new(
            "CONFIG_INVALID",
            format!("unexpected save result {other:?}"),
            "Report this as a bug",
        )),
    }
}

/// How the run ended: saved, refused by the checks, or failed to save.
struct Outcome<'a> {
    name: &'a str,
    saved: Option<&'a SavedInfo>,
    refusal: Option<&'a str>,
    save_problem: Option<&'a Problem>,
}

/// `--json`: doctor's object with the connection's name and what was saved.
fn json_out(subject: &Subject, report: &Report, o: &Outcome<'_>) -> String {
    let mut v = json_value(subject, report);
    v["schema"] = json!("ado-setup.connect/v1");
    v["connection"]["name"] = json!(o.name);
    v["saved"] = json!(o.saved.is_some());
    v["config_path"] = json!(o.saved.map(|s| s.config_path.clone()));
    v["secret_store"] = json!(o.saved.map(|s| s.secret_location.clone()));
    v["problem"] = match (o.refusal, o.save_problem) {
        (_, Some(p)) => json!({"code": p.code, "message": p.message, "fix": p.fix}),
        (Some(r), None) => json!({"code": "CHECKS_FAILED", "message": r}),
        (None, None) => serde_json::Value::Null,
    };
    crate::text::to_json_pretty(&v)
}

/// The checklist, then what was saved where, or why nothing was.
fn human_out(subject: &Subject, report: &Report, o: &Outcome<'_>, ascii: bool) -> String {
    let mut named = subject.clone();
    named.name = Some(o.name.to_string());
    let mut out = checklist("connect", &named, report, ascii);
    match (o.saved, o.refusal, o.save_problem) {
        (Some(info), _, _) if !subject.auth_method().stores_secret() => {
            out.push_str(&format!(
                "\nSaved connection {} to {}; nothing secret is stored: {} gets a token on each run.\nNext: ado-setup doctor {}\n",
                info.name,
                info.config_path,
                subject
                    .unattended
                    .as_ref()
                    .map(Unattended::describe)
                    .unwrap_or_default(),
                info.name
            ))
        }
        (Some(info), _, _) => out.push_str(&format!(
            "\nSaved connection {} to {}; the secret is in {}.\nNext: ado-setup doctor {}\n",
            info.name, info.config_path, info.secret_location, info.name
        )),
        (None, _, Some(p)) => out.push_str(&format!(
            "\nNothing was saved: {}: {}\n  fix: {}\n",
            p.code, p.message, p.fix
        )),
        (None, Some(r), None) => out.push_str(&format!("\n{r}.\n")),
        (None, None, None) => {}
    }
    // The problem and names quote the server: nothing may drive a terminal.
    crate::text::clean_lines_string(out)
}

/// The connection the run established (SPEC §1), without its secret.
fn build(
    subject: &Subject,
    report: &Report,
    name: &str,
    endpoints: &Endpoints,
) -> Option<Connection> {
    let f = &report.facts;
    let base_url = report.base_url.clone()?;
    let provider_key = match subject.deployment {
        Deployment::Services => ProviderKey::AzureDevopsServices,
        Deployment::Server => ProviderKey::AzureDevopsServer,
    };
    let organization = match subject.deployment {
        Deployment::Services => parse_services_target(&subject.target, &endpoints.devops)
            .ok()
            .map(|t| t.organization),
        Deployment::Server => None,
    };
    let (auth_method, client_id, tenant_id) = match (&subject.entra, &subject.unattended) {
        (Some(e), _) => (
            AuthMethod::DeviceCode,
            Some(e.app.client_id.clone()),
            f.tenant.clone().or_else(|| e.tenant.clone()),
        ),
        (None, Some(u)) => {
            let given = match u {
                Unattended::ServicePrincipal(sp) => sp.tenant.clone(),
                Unattended::AzureCli { tenant } => tenant.clone(),
                Unattended::ManagedIdentity { .. } => None,
            };
            (
                u.method(),
                u.client_id().map(str::to_string),
                f.tenant.clone().or(given),
            )
        }
        (None, None) => (AuthMethod::Pat, None, f.tenant.clone()),
    };
    Some(Connection {
        name: name.to_string(),
        provider_key,
        deployment_mode: provider_key.deployment_mode(),
        organization,
        base_url,
        api_version: f.api_version.clone()?,
        auth_method,
        access: subject.access,
        tenant_id: tenant_id.filter(|_| subject.deployment == Deployment::Services),
        client_id,
        user: f.user.clone().map(|u| ConnectionUser {
            display_name: u.display_name,
            sign_in: u.sign_in,
        }),
        project: f.project.clone()?,
        project_id: f.project_id.clone()?,
        process: f.process.clone()?,
        work_item_type: f.work_item_type.clone()?,
        area_path: f.area_path.clone()?,
        iteration_path: f.iteration_path.clone()?,
        priority_map: subject.priority_map,
        assignee: subject.assignee.clone(),
        field_defaults: subject.field_defaults.clone(),
        allowlist_status: report.allowlist_status,
        secret_ref: None,
        validated_at: None,
    })
}

/// `connect --non-interactive`.
pub fn main(global: &GlobalArgs, args: &ConnectArgs) -> ExitCode {
    let result = run_with_stdin_secret(&args.connection, "connect --non-interactive", |pat| {
        connect(global, args, pat, |k| std::env::var(k).ok(), &to_stderr)
    });
    match result {
        Err(code) => code,
        Ok(Ok(out)) => printed(&out.stdout, out.code),
        Ok(Err(e)) => problem_exit(&e.problem, e.code),
    }
}

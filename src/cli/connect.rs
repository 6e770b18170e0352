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
use super::process::{printed, problem_exit, read_stdin_pat, runtime, to_stderr};
use super::report::{checklist, json_value};
use crate::ado::endpoints::{Deployment, Endpoints};
use crate::auth::Unattended;
use crate::checks::{self, Context, Report, Status, Subject};
use crate::cli::{AuthChoice, ConnectArgs, GlobalArgs, exit};
use crate::jobs::JobContext;
use crate::net::target::parse_services_target;
use crate::problem::Problem;
use crate::store::config::{
    AuthMethod, ConfigStore, Connection, ConnectionUser, ProviderKey, suggest_connection_name,
    validate_connection_name,
};
use crate::store::secrets::{PAT_ENV, SecretStore};
use crate::wizard::{Job, JobResult, SaveRequest};

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
) -> Result<crate::wizard::SavedInfo, Problem> {
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

    // The name: given, or suggested as the wizard would; checked before
    // anything is asked of Azure DevOps.
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
    let name = flags
        .connection_name
        .clone()
        .unwrap_or_else(|| suggest_connection_name(&first, &project));
    validate_connection_name(&name)
        .map_err(|e| ConnectError::usage(Problem::new(e.code(), e.to_string(), e.fix())))?;
    let config = ConfigStore::resolve(global.config_dir.as_deref())
        .map_err(|e| ConnectError::usage(Problem::new(e.code(), e.to_string(), e.fix())))?;
    let loaded = config
        .load()
        .map_err(|e| ConnectError::usage(Problem::new(e.code(), e.to_string(), e.fix())))?;
    if loaded.get(&name).is_some() {
        return Err(ConnectError::usage(Problem::new(
            "CONNECTION_EXISTS",
            format!("a connection named {name} exists already"),
            "Choose another --name, or check it with: ado-setup doctor NAME",
        )));
    }
    subject.name = None;

    // The store is proven before a secret is asked for; never a silent
    // fallback (--secret-store chooses). A managed identity and the Azure
    // CLI keep no secret, and need no store.
    let method = flags.auth.unwrap_or(AuthChoice::Pat);
    let keeps_secret = !matches!(method, AuthChoice::ManagedIdentity | AuthChoice::AzureCli);
    let secrets = if keeps_secret {
        SecretStore::open_checked(
            global.secret_store,
            config.dir(),
            global.require_secure_storage,
        )
        .await
        .map_err(|e| ConnectError {
            problem: Problem::new(e.code(), e.to_string(), e.fix()),
            code: exit::FAILED,
        })?
    } else {
        SecretStore::none()
    };

    // The credential.
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
            let e = device_code_sign_in(&http, &endpoints, &subject, flags, notify)
                .await
                .map_err(|p| ConnectError {
                    code: if p.code == "CONFIG_INVALID" {
                        exit::USAGE
                    } else {
                        exit::AUTH
                    },
                    problem: p,
                })?;
            subject.entra = Some(e);
            subject.pat_source = "Microsoft sign-in".into();
        }
        AuthChoice::ManagedIdentity | AuthChoice::ServicePrincipal | AuthChoice::AzureCli => {
            let u = unattended_from_flags(&endpoints, subject.deployment, flags, stdin_pat, &env)
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

    let refusal = if summary.fail > 0 {
        Some(format!(
            "{} check(s) failed; nothing was saved",
            summary.fail
        ))
    } else if summary.warn > 0 && !args.force {
        Some(format!(
            "{} check(s) warned; nothing was saved (pass --force to save with warnings)",
            summary.warn
        ))
    } else {
        None
    };
    let mut saved = None;
    let mut save_problem = None;
    if refusal.is_none() {
        match build(&subject, &report, &name, &endpoints) {
            Some(connection) if !connection.auth_method.stores_secret() => {
                match save_without_secret(&config, connection) {
                    Ok(info) => saved = Some(info),
                    Err(p) => save_problem = Some(p),
                }
            }
            Some(connection) => {
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
                let jobs = JobContext {
                    http,
                    config: config.clone(),
                    secrets: secrets.clone(),
                };
                match crate::jobs::run(
                    &jobs,
                    Job::Save(Box::new(SaveRequest {
                        replaces: None,
                        connection,
                        secret,
                    })),
                )
                .await
                {
                    JobResult::Saved(info) => saved = Some(info),
                    JobResult::Failed(p) => save_problem = Some(p),
                    other => {
                        save_problem = Some(Problem::new(
                            "CONFIG_INVALID",
                            format!("unexpected save result {other:?}"),
                            "Report this as a bug",
                        ))
                    }
                }
            }
            None => {
                save_problem = Some(Problem::new(
                    "CONFIG_INVALID",
                    "the checks passed but did not establish every setting",
                    "Report this as a bug; run `ado-setup connect` (the wizard) meanwhile",
                ));
            }
        }
    }

    let code = if saved.is_some() {
        exit::OK
    } else if auth_failed {
        exit::AUTH
    } else {
        exit::FAILED
    };
    let stdout = if args.json {
        let mut v = json_value(&subject, &report);
        v["schema"] = json!("ado-setup.connect/v1");
        v["connection"]["name"] = json!(name);
        v["saved"] = json!(saved.is_some());
        v["config_path"] = json!(saved.as_ref().map(|s| s.config_path.clone()));
        v["secret_store"] = json!(saved.as_ref().map(|s| s.secret_location.clone()));
        v["problem"] = match (&refusal, &save_problem) {
            (_, Some(p)) => json!({"code": p.code, "message": p.message, "fix": p.fix}),
            (Some(r), None) => json!({"code": "CHECKS_FAILED", "message": r}),
            (None, None) => serde_json::Value::Null,
        };
        crate::text::to_json_pretty(&v)
    } else {
        let ascii = !crate::cli::report::utf8_locale(&env);
        let mut named = subject.clone();
        named.name = Some(name.clone());
        let mut out = checklist("connect", &named, &report, ascii);
        match (&saved, &refusal, &save_problem) {
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
    };
    Ok(ConnectOutput { stdout, code })
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
        allowlist_status: report.allowlist_status.as_deref().and_then(|s| {
            use crate::store::config::AllowlistStatus as A;
            [A::Direct, A::Proxy, A::Partial, A::Blocked]
                .into_iter()
                .find(|a| a.as_str() == s)
        }),
        secret_ref: None,
        validated_at: None,
    })
}

/// `connect --non-interactive`.
pub fn main(global: &GlobalArgs, args: &crate::cli::ConnectArgs) -> ExitCode {
    let stdin_pat = match read_stdin_pat(&args.connection, "connect --non-interactive") {
        Ok(p) => p,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = runtime.block_on(connect(
        global,
        args,
        stdin_pat,
        |k| std::env::var(k).ok(),
        &to_stderr,
    ));
    match result {
        Ok(out) => printed(&out.stdout, out.code),
        Err(e) => problem_exit(&e.problem, e.code),
    }
}

//! `ado-setup doctor`: what is checked (a saved connection, or the flags of
//! an ad hoc run), the run, and its renderings — a checklist for people
//! (✓ ! ✗ -, or ASCII), one JSON object (`ado-setup.doctor/v1`) for
//! scripts, and a redacted support report.

use secrecy::SecretString;

use std::process::ExitCode;

use super::flags::{refine, setup, subject_from_flags};
use super::process::{printed, problem_exit, run_with_stdin_secret, to_stderr};
use super::report::{exit_code, human_output, json_output, utf8_locale, write_report};
use crate::ado::endpoints::Endpoints;
use crate::ado::http::HttpClient;
use crate::checks::{self, Context, Report, Subject, keep_renewed_secret, saved_subject};
use crate::cli::{DoctorArgs, GlobalArgs, exit};
use crate::problem::Problem;
use crate::store::config::ConfigStore;
use crate::store::secrets::PAT_ENV;

/// What `doctor` prints and how it exits.
#[derive(Debug)]
pub struct DoctorOutput {
    pub stdout: String,
    pub code: u8,
}

/// Runs `doctor`. `stdin_pat` is the token read from standard input with
/// `--pat-stdin`; `env` looks up environment variables.
pub async fn doctor(
    global: &GlobalArgs,
    args: &DoctorArgs,
    stdin_pat: Option<SecretString>,
    env: impl Fn(&str) -> Option<String>,
    notify: &(dyn Fn(&str) + Sync),
) -> Result<DoctorOutput, Problem> {
    let (endpoints, http) = setup(global, &env)?;
    let flags = &args.connection;
    let mut config = None;
    let mut secrets = None;
    let mut subject = match &args.name {
        Some(name) => {
            let store = ConfigStore::resolve(global.config_dir.as_deref())
                .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
            let (subject, store_secrets) =
                saved_subject(&store, name, &endpoints.authority).await?;
            secrets = store_secrets;
            config = Some(store);
            subject
        }
        None => subject_from_flags(flags, "doctor")?,
    };
    refine(&mut subject, flags)?;

    // A saved managed identity asks the endpoint this run's environment
    // names.
    if let Some(crate::auth::Unattended::ManagedIdentity { imds, .. }) = &mut subject.unattended {
        imds.clone_from(&endpoints.imds);
    }
    let run = Run {
        args,
        endpoints: &endpoints,
        http: &http,
        notify,
    };
    choose_credential(&mut subject, &run, stdin_pat, &env).await?;

    // The checks probe these for Services connections only.
    let extra_endpoints = vec![endpoints.vssps.clone(), endpoints.profile.clone()];
    let ctx = Context {
        http,
        devops_base: endpoints.devops.clone(),
        extra_endpoints,
        allow_http: global.allow_http,
        config,
        secrets,
    };
    let report = checks::run(&subject, &ctx).await;
    log_outcomes(&report);
    if let Some(name) = &subject.name {
        keep_renewed_secret(ctx.secrets.as_ref(), name, &report).await;
    }

    if let Some(path) = &args.report {
        write_report(path, &subject, &report, &endpoints, &env)?;
    }
    let stdout = if args.json {
        json_output(&subject, &report)
    } else {
        let ascii = args.plain || !utf8_locale(&env);
        human_output(&subject, &report, ascii, args.all)
    };
    Ok(DoctorOutput {
        stdout,
        code: exit_code(&report, args.strict),
    })
}

/// What a run of `doctor` signs in with.
struct Run<'a> {
    args: &'a DoctorArgs,
    endpoints: &'a Endpoints,
    http: &'a HttpClient,
    notify: &'a (dyn Fn(&str) + Sync),
}

/// The credential the checks use, in order of precedence: a token on
/// standard input wins over the stored secret (for a service principal: its
/// client secret); the environment's only where no Microsoft or unattended
/// sign-in is saved (a PAT exported for other tools must not hide the
/// sign-in being diagnosed).
async fn choose_credential(
    subject: &mut Subject,
    run: &Run<'_>,
    stdin_pat: Option<SecretString>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), Problem> {
    let flags = &run.args.connection;
    let env_pat = env(PAT_ENV)
        .filter(|p| !p.trim().is_empty())
        .map(SecretString::from);
    let saved_sp = matches!(
        subject.unattended,
        Some(crate::auth::Unattended::ServicePrincipal(_))
    );

    if run.args.name.is_none()
        && let Some(u) = crate::cli::flags::unattended_from_flags(
            run.endpoints,
            subject.deployment,
            flags,
            stdin_pat.clone(),
            env,
        )
        .await
        .map_err(|e| e.problem)?
    {
        // Ad hoc unattended sign-in: the token is acquired by the checks.
        subject.pat_source = match &u {
            crate::auth::Unattended::ServicePrincipal(sp) => {
                format!("{}, from {}", u.describe(), sp.source)
            }
            _ => u.describe(),
        };
        subject.unattended = Some(u);
    } else if let Some(p) = stdin_pat {
        if saved_sp
            && let Some(crate::auth::Unattended::ServicePrincipal(sp)) = &mut subject.unattended
        {
            sp.credential = Some(crate::auth::ClientCredential::Secret(p));
            sp.source = "standard input".into();
        } else {
            subject.pat = Some(p);
            subject.pat_source = "standard input".into();
            subject.entra = None;
            subject.unattended = None;
        }
    } else if run.args.name.is_none() && flags.auth == Some(crate::cli::AuthChoice::DeviceCode) {
        // Ad hoc with Microsoft sign-in: the code on stderr, then the checks.
        let sign = crate::cli::flags::device_code_sign_in(
            run.http,
            run.endpoints,
            subject,
            flags,
            run.notify,
        )
        .await?;
        subject.entra = Some(sign);
        subject.pat_source = "Microsoft sign-in".into();
    } else if let Some(p) = env_pat
        && subject.entra.is_none()
        && subject.unattended.is_none()
    {
        subject.pat = Some(p);
        subject.pat_source = PAT_ENV.into();
    } else if let Some(crate::auth::Unattended::ServicePrincipal(sp)) = &mut subject.unattended
        && sp.credential.is_none()
        && let Some(secret) = env(crate::auth::unattended::CLIENT_SECRET_ENV)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    {
        // Nothing in the store: the environment's client secret.
        sp.credential = Some(crate::auth::ClientCredential::Secret(SecretString::from(
            secret,
        )));
        sp.source = crate::auth::unattended::CLIENT_SECRET_ENV.into();
        subject.pat_source = format!("the service principal {}, from {}", sp.client_id, sp.source);
    }
    Ok(())
}

/// For the `-v` log attached to a ticket: each result in a line.
fn log_outcomes(report: &Report) {
    for o in &report.outcomes {
        tracing::debug!(
            check = o.id,
            status = ?o.status,
            code = o.code.as_deref().unwrap_or("-"),
            message = %o.message,
            "checked"
        );
    }
}

/// `doctor`: every check, a checklist or JSON, exit codes of SPEC §5.
pub fn main(global: &GlobalArgs, args: &DoctorArgs) -> ExitCode {
    let result = run_with_stdin_secret(&args.connection, "doctor", |pat| {
        doctor(global, args, pat, |k| std::env::var(k).ok(), &to_stderr)
    });
    match result {
        Err(code) => code,
        Ok(Ok(out)) => printed(&out.stdout, out.code),
        // A sign-in that could not happen (ad hoc --auth device-code) is 4.
        Ok(Err(p)) if p.code == "PROVIDER_AUTH_REQUIRED" => problem_exit(&p, exit::AUTH),
        Ok(Err(p)) => problem_exit(&p, exit::USAGE),
    }
}

//! `ado-setup doctor`: what is checked (a saved connection, or the flags of
//! an ad hoc run), the run, and its renderings — a checklist for people
//! (✓ ! ✗ -, or ASCII), one JSON object (`ado-setup.doctor/v1`) for
//! scripts, and a redacted support report.

use std::fmt::Write as _;
use std::path::Path;

use secrecy::SecretString;
use serde_json::json;

use crate::ado::endpoints::{Deployment, Endpoints};
use crate::ado::http::{ClientOptions, HttpClient};
use crate::checks::{self, Context, Report, Status, Subject};
use crate::cli::{ConnectionFlags, DeploymentChoice, DoctorArgs, GlobalArgs, exit};
use crate::problem::Problem;
use crate::store::config::{Access, AuthMethod, ConfigStore, PriorityMap, ProviderKey};
use crate::store::secrets::{PAT_ENV, SecretStore};
use crate::text::Untrusted;

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
    let env_pat = env(PAT_ENV)
        .filter(|p| !p.trim().is_empty())
        .map(SecretString::from);

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
    let saved_sp = matches!(
        subject.unattended,
        Some(crate::auth::Unattended::ServicePrincipal(_))
    );

    // A token on standard input wins over the stored secret (for a service
    // principal: its client secret); the environment's only where no
    // Microsoft or unattended sign-in is saved (a PAT exported for other
    // tools must not hide the sign-in being diagnosed).
    if args.name.is_none()
        && let Some(u) = crate::connect::unattended_from_flags(
            &endpoints,
            subject.deployment,
            flags,
            stdin_pat.clone(),
            &env,
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
    } else if args.name.is_none() && flags.auth == Some(crate::cli::AuthChoice::DeviceCode) {
        // Ad hoc with Microsoft sign-in: the code on stderr, then the checks.
        let sign =
            crate::connect::device_code_sign_in(&http, &endpoints, &subject, flags, notify).await?;
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
    // For the `-v` log attached to a ticket: each result in a line.
    for o in &report.outcomes {
        tracing::debug!(
            check = o.id,
            status = ?o.status,
            code = o.code.as_deref().unwrap_or("-"),
            message = %o.message,
            "checked"
        );
    }
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

/// The endpoints (from the environment) and the HTTP client (with
/// `--ca-file`) every command that talks to Azure DevOps uses.
pub(crate) fn setup(
    global: &GlobalArgs,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(Endpoints, HttpClient), Problem> {
    let endpoints = Endpoints::from_lookup(env, global.allow_http)
        .map_err(|e| Problem::new(e.code(), e.to_string(), "Fix or unset the variable"))?;
    Ok((endpoints, http_client(global)?))
}

/// The HTTP client of every command: `--ca-file` and `--timeout` applied.
pub(crate) fn http_client(global: &GlobalArgs) -> Result<HttpClient, Problem> {
    if let Some(path) = &global.ca_file {
        // Said as what it is (a certificate file problem) before the client
        // gets it.
        crate::net::tls::load_ca_file(path)?;
    }
    let defaults = ClientOptions::default();
    let request_timeout = std::time::Duration::from_secs(global.timeout.max(1));
    HttpClient::new(ClientOptions {
        ca_file: global.ca_file.clone(),
        request_timeout,
        connect_timeout: defaults.connect_timeout.min(request_timeout),
        ..defaults
    })
    .map_err(|e| Problem::from(&e))
}

/// The connection the flags describe (`--org` or `--base-url`), before
/// [`refine`] adds the rest.
pub(crate) fn subject_from_flags(
    flags: &ConnectionFlags,
    command: &str,
) -> Result<Subject, Problem> {
    let (deployment, target) = match (flags.deployment, &flags.org, &flags.base_url) {
        (Some(DeploymentChoice::Server), _, Some(u)) | (None, None, Some(u)) => {
            (Deployment::Server, u.clone())
        }
        (Some(DeploymentChoice::Services) | None, Some(o), _) => (Deployment::Services, o.clone()),
        _ => {
            return Err(Problem::new(
                "CONFIG_INVALID",
                if command == "doctor" {
                    "nothing to check: give a saved connection NAME, or --org ORG (Services) or --base-url URL (Server)"
                } else {
                    "no connection given: pass --org ORG (Services) or --base-url URL (Server)"
                },
                format!(
                    "ado-setup {command} --org contoso --project Payments   (PAT from AZURE_DEVOPS_EXT_PAT or --pat-stdin)"
                ),
            ));
        }
    };
    Ok(Subject {
        pat_source: "no secret given".into(),
        ..Subject::bare(deployment, target)
    })
}

/// Applies the connection flags to a subject (saved or from flags).
pub(crate) fn refine(subject: &mut Subject, flags: &ConnectionFlags) -> Result<(), Problem> {
    if let Some(p) = &flags.project {
        subject.project = Some(p.clone());
    }
    if let Some(t) = &flags.work_item_type {
        subject.work_item_type = Some(t.clone());
    }
    if let Some(a) = &flags.area_path {
        subject.area_path = Some(a.clone());
    }
    if let Some(i) = &flags.iteration_path {
        subject.iteration_path = Some(i.clone());
    }
    if let Some(a) = &flags.assignee {
        subject.assignee = Some(a.clone());
    }
    if let Some(m) = &flags.priority_map {
        subject.priority_map =
            PriorityMap::parse(m).map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    }
    for f in &flags.fields {
        let Some((k, v)) = f.split_once('=') else {
            return Err(Problem::new(
                "CONFIG_INVALID",
                format!("--field {f:?} is not REF=VALUE"),
                "e.g. --field Custom.CustomerImpact=High",
            ));
        };
        subject
            .field_defaults
            .insert(k.trim().to_string(), v.trim().to_string());
    }
    if flags.read_only {
        subject.access = Access::ReadOnly;
    }
    Ok(())
}

/// Stores the refresh token Entra ID renewed during a run in place of the
/// old one, so the saved sign-in keeps sliding forward. Best effort: the
/// old token stays valid if this fails.
pub async fn keep_renewed_secret(secrets: Option<&SecretStore>, name: &str, report: &Report) {
    if let (Some(s), Some(fresh)) = (secrets, &report.renewed_secret)
        && let Err(e) = s.set(name, fresh).await
    {
        tracing::warn!(connection = name, error = %e, "could not store the renewed sign-in");
    }
}

/// What is checked for a saved connection: its settings, and its secret
/// from the store its `secret_ref` names (with that store, for
/// `storage.secret`): a PAT, the refresh token of a Microsoft sign-in (at
/// `authority`), or a service principal's client secret or certificate (at
/// `authority`). A managed identity (at `ADO_SETUP_IMDS_URL`) and the Azure
/// CLI keep no secret: their token is acquired by the checks. A missing
/// connection is an input error.
pub async fn saved_subject(
    store: &ConfigStore,
    name: &str,
    authority: &url::Url,
) -> Result<(Subject, Option<SecretStore>), Problem> {
    let loaded = store
        .load()
        .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    let Some(c) = loaded.get(name).cloned() else {
        return Err(Problem::new(
            "CONFIG_INVALID",
            format!("no connection named {name} in {}", store.path().display()),
            "Check the name (saved connections are listed by the wizard's start menu), or pass --config-dir",
        ));
    };
    let mut pat = None;
    let mut pat_source = "no stored secret".to_string();
    let mut secrets = None;
    let mut secret_unreadable = None;
    if let Some(r) = &c.secret_ref {
        match SecretStore::open_ref(r, store.dir()).await {
            Ok(s) => {
                match s.get(name).await {
                    Ok(Some(p)) => {
                        pat = Some(p);
                        pat_source = s.describe();
                    }
                    Ok(None) => pat_source = format!("nothing stored in {}", s.describe()),
                    Err(e) => {
                        pat_source = format!("the secret store failed: {e}");
                        secret_unreadable = Some(e);
                    }
                }
                secrets = Some(s);
            }
            Err(e) => {
                pat_source = format!("the secret store failed: {e}");
                secret_unreadable = Some(e);
            }
        }
    }
    let mut entra = None;
    let mut unattended = None;
    let services = c.provider_key == ProviderKey::AzureDevopsServices;
    match c.auth_method {
        AuthMethod::ManagedIdentity if services => {
            let imds = Endpoints::imds_from_env().map_err(|e| {
                Problem::new(e.code(), e.to_string(), "Fix or unset ADO_SETUP_IMDS_URL")
            })?;
            let u = crate::auth::Unattended::ManagedIdentity {
                imds,
                client_id: c.client_id.clone(),
            };
            pat_source = format!("{}; nothing secret is stored", u.describe());
            unattended = Some(u);
        }
        AuthMethod::AzureCli if services => {
            let u = crate::auth::Unattended::AzureCli {
                tenant: c.tenant_id.clone(),
            };
            pat_source = format!("{}; nothing secret is stored", u.describe());
            unattended = Some(u);
        }
        AuthMethod::ServicePrincipal if services => {
            let credential = pat.take().map(crate::auth::ClientCredential::from_stored);
            let source = if credential.is_some() {
                pat_source.clone()
            } else {
                format!("no client secret: {pat_source}")
            };
            let sp = crate::auth::ServicePrincipal {
                authority: authority.clone(),
                tenant: c.tenant_id.clone(),
                client_id: c.client_id.clone().unwrap_or_default(),
                credential,
                source,
            };
            pat_source = format!("the service principal {}, from {}", sp.client_id, sp.source);
            unattended = Some(crate::auth::Unattended::ServicePrincipal(sp));
        }
        _ => {}
    }
    if c.auth_method == AuthMethod::DeviceCode {
        entra = pat.take().map(|refresh_token| checks::EntraSign {
            app: crate::auth::EntraApp {
                authority: authority.clone(),
                client_id: c
                    .client_id
                    .clone()
                    .unwrap_or_else(|| crate::auth::DEFAULT_CLIENT_ID.to_string()),
            },
            refresh_token,
            tenant: c.tenant_id.clone(),
        });
        if entra.is_some() {
            pat_source = format!("Microsoft sign-in, {pat_source}");
        }
    }
    let subject = Subject {
        name: Some(c.name.clone()),
        deployment: match c.provider_key {
            ProviderKey::AzureDevopsServices => Deployment::Services,
            ProviderKey::AzureDevopsServer => Deployment::Server,
        },
        target: c.organization.clone().unwrap_or(c.base_url.clone()),
        project: Some(c.project.clone()),
        project_id: Some(c.project_id.clone()).filter(|id| !id.is_empty()),
        api_version: Some(c.api_version.clone()).filter(|v| !v.is_empty()),
        access: c.access,
        pat,
        pat_source,
        secret_unreadable,
        entra,
        unattended,
        work_item_type: Some(c.work_item_type.clone()),
        area_path: Some(c.area_path.clone()),
        iteration_path: Some(c.iteration_path.clone()),
        priority_map: c.priority_map,
        assignee: c.assignee.clone(),
        field_defaults: c.field_defaults.clone(),
    };
    Ok((subject, secrets))
}

/// SPEC §5: 0 no fail (with --strict, no warn); 4 authentication required; 1 otherwise.
pub fn exit_code(report: &Report, strict: bool) -> u8 {
    let s = report.summary();
    if s.fail > 0 {
        let auth = report.get("auth.credentials").is_some_and(|o| {
            o.status == Status::Fail && o.code.as_deref() == Some("PROVIDER_AUTH_REQUIRED")
        });
        if auth { exit::AUTH } else { exit::FAILED }
    } else if strict && s.warn > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

pub(crate) fn utf8_locale(env: &impl Fn(&str) -> Option<String>) -> bool {
    let locale = env("LC_ALL")
        .filter(|v| !v.is_empty())
        .or_else(|| env("LC_CTYPE").filter(|v| !v.is_empty()))
        .or_else(|| env("LANG").filter(|v| !v.is_empty()));
    match locale {
        Some(l) => {
            let l = l.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        }
        // No locale at all: most terminals today are UTF-8.
        None => true,
    }
}

/// The object of SPEC §5.
pub fn json_output(subject: &Subject, report: &Report) -> String {
    crate::text::to_json_pretty(&json_value(subject, report))
}

/// The `doctor --json` object (SPEC §5), for `doctor` and `connect --json`.
pub fn json_value(subject: &Subject, report: &Report) -> serde_json::Value {
    let provider = match subject.deployment {
        Deployment::Services => "azure_devops_services",
        Deployment::Server => "azure_devops_server",
    };
    let organization = match subject.deployment {
        Deployment::Services => report
            .base_url
            .as_ref()
            .and_then(|b| b.rsplit('/').next().map(str::to_string)),
        Deployment::Server => None,
    };
    json!({
        "schema": "ado-setup.doctor/v1",
        "connection": {
            "name": subject.name,
            "provider_key": provider,
            "organization": organization,
            "base_url": report.base_url,
            "project": subject.project,
            "auth_method": subject.auth_method().as_str(),
        },
        "allowlist_status": report.allowlist_status,
        "checks": report.outcomes.iter().map(|o| json!({
            "id": o.id,
            "title": o.title,
            "status": o.status,
            "code": o.code,
            "message": o.message,
            "fix": o.fix,
            "duration_ms": o.duration_ms,
        })).collect::<Vec<_>>(),
        "summary": report.summary(),
    })
}

/// The checklist for people. Skipped checks are folded into one line per
/// cause unless `all` (`doctor --all`) asks for each of them.
pub fn human_output(subject: &Subject, report: &Report, ascii: bool, all: bool) -> String {
    render_checklist("doctor", subject, report, ascii, all)
}

/// The checklist under a header naming the command (`doctor`, `connect`),
/// skipped checks folded by cause. Names and messages (which quote the
/// server) are made safe to show.
pub fn checklist(command: &str, subject: &Subject, report: &Report, ascii: bool) -> String {
    render_checklist(command, subject, report, ascii, false)
}

/// Why a skipped check did not run, traced to its root: the check whose
/// failure (or own skip reason) stopped it. `needs X, which did not run`
/// follows X; `needs X, which failed` ends at X.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipCause {
    /// This check failed, and everything below it waited for it.
    Failed(&'static str),
    /// A reason of its own (`read-only connection: …`), said as is.
    Reason(String),
}

/// The root cause of each skipped check of `report`, by check id.
pub fn skip_causes(report: &Report) -> Vec<(&'static str, SkipCause)> {
    let find = |id: &str| report.outcomes.iter().find(|o| o.id == id);
    report
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Skip)
        .map(|o| {
            let mut at = o;
            // The chain is acyclic (prerequisites come earlier); the bound
            // is only a guard against a malformed report.
            for _ in 0..report.outcomes.len() {
                let need = at
                    .message
                    .strip_prefix("needs ")
                    .and_then(|m| m.split_once(", which "))
                    .and_then(|(need, _)| find(need));
                match need {
                    Some(n) if n.status == Status::Skip => at = n,
                    Some(n) => return (o.id, SkipCause::Failed(n.id)),
                    None => break,
                }
            }
            (o.id, SkipCause::Reason(at.message.clone()))
        })
        .collect()
}

fn render_checklist(
    command: &str,
    subject: &Subject,
    report: &Report,
    ascii: bool,
    all: bool,
) -> String {
    let mark = |s: Status| match (s, ascii) {
        (Status::Pass, false) => "✓",
        (Status::Warn, false) => "!",
        (Status::Fail, false) => "✗",
        (Status::Skip, false) => "-",
        (Status::Pass, true) => "[ OK ]",
        (Status::Warn, true) => "[WARN]",
        (Status::Fail, true) => "[FAIL]",
        (Status::Skip, true) => "[SKIP]",
    };
    let mut out = String::new();
    let what = subject.name.clone().unwrap_or_else(|| "ad hoc".to_string());
    let _ = writeln!(
        out,
        "ado-setup {command}: {} ({}{})",
        Untrusted::new(&what),
        Untrusted::new(report.base_url.as_deref().unwrap_or(&subject.target)),
        subject
            .project
            .as_ref()
            .map(|p| format!(" · {}", Untrusted::new(p)))
            .unwrap_or_default()
    );
    // Skipped checks sharing a cause are one line: after the check that
    // failed, or where the first of them would be.
    let causes = skip_causes(report);
    let members = |cause: &SkipCause| -> Vec<&'static str> {
        causes
            .iter()
            .filter(|(_, c)| c == cause)
            .map(|(id, _)| *id)
            .collect()
    };
    let folded = |id: &str| -> Option<&SkipCause> {
        let (_, cause) = causes.iter().find(|(i, _)| *i == id)?;
        (!all && members(cause).len() > 1).then_some(cause)
    };
    let fold_line = |out: &mut String, cause: &SkipCause| {
        let ids = members(cause);
        let why = match cause {
            SkipCause::Failed(id) => format!("{id} failed"),
            SkipCause::Reason(r) => Untrusted::new(r).to_string(),
        };
        let _ = writeln!(
            out,
            "{} {} checks skipped: {why} ({}{})",
            mark(Status::Skip),
            ids.len(),
            ids.iter().take(3).copied().collect::<Vec<_>>().join(", "),
            if ids.len() > 3 {
                ", …; --all lists each"
            } else {
                ""
            }
        );
    };
    let mut said: Vec<SkipCause> = Vec::new();
    for o in &report.outcomes {
        if let Some(cause) = folded(o.id) {
            let root_shown = matches!(cause, SkipCause::Failed(root)
                if report.outcomes.iter().any(|r| r.id == *root));
            if !root_shown && !said.contains(cause) {
                fold_line(&mut out, cause);
                said.push(cause.clone());
            }
            continue;
        }
        let _ = writeln!(
            out,
            "{} {:<26} {}",
            mark(o.status),
            o.id,
            Untrusted::new(&o.message)
        );
        if let Some(code) = &o.code {
            let _ = writeln!(out, "    {}", Untrusted::new(code));
        }
        for f in &o.fix {
            let _ = writeln!(out, "    fix: {}", Untrusted::new(f));
        }
        let waiting = SkipCause::Failed(o.id);
        if !all && members(&waiting).len() > 1 {
            fold_line(&mut out, &waiting);
            said.push(waiting);
        }
    }
    let s = report.summary();
    let _ = writeln!(
        out,
        "{} passed, {} warned, {} failed, {} skipped",
        s.pass, s.warn, s.fail, s.skip
    );
    let out = crate::text::clean_lines_string(out);
    if ascii { ascii_only(&out) } else { out }
}

/// `text` in plain ASCII (`--plain`, or a terminal that is not UTF-8): our
/// own typography becomes its ASCII look-alike; anything else (a name from
/// the server) is written as a `\u{…}` escape rather than bytes the
/// terminal would garble.
pub fn ascii_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '›' | '→' => out.push('>'),
            '‹' | '←' => out.push('<'),
            '·' | '•' | '–' | '—' | '−' => out.push('-'),
            '…' => out.push_str("..."),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '✓' => out.push_str("OK"),
            '✗' => out.push('x'),
            '\u{a0}' => out.push(' '),
            other => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
            }
        }
    }
    out
}

/// The redacted support report (SPEC §4): versions, overrides, proxy
/// settings (without credentials), every check with timings, HTTP status and
/// support ids. Never a secret, token or Authorization header.
fn write_report(
    path: &Path,
    subject: &Subject,
    report: &Report,
    endpoints: &Endpoints,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), Problem> {
    let mut r = String::new();
    let _ = writeln!(r, "ado-setup support report");
    let _ = writeln!(r, "tool: ado-setup {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(r, "os: {} {}", std::env::consts::OS, std::env::consts::ARCH);
    let _ = writeln!(r, "devops: {}", endpoints.devops);
    let _ = writeln!(r, "vssps: {}", endpoints.vssps);
    let _ = writeln!(r, "profile: {}", endpoints.profile);
    let _ = writeln!(r, "authority: {}", endpoints.authority);
    let _ = writeln!(r, "imds: {}", endpoints.imds);
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        if let Some(v) = env(var) {
            let _ = writeln!(r, "{var}: {}", redact_userinfo(&v));
        }
    }
    let _ = writeln!(r, "secret source: {}", Untrusted::new(&subject.pat_source));
    let _ = writeln!(
        r,
        "allowlist: {}",
        report.allowlist_status.as_deref().unwrap_or("not probed")
    );
    let _ = writeln!(r);
    for o in &report.outcomes {
        let http = o
            .http
            .as_ref()
            .map(|h| {
                format!(
                    " http={} activity={}",
                    h.status.map_or("-".to_string(), |s| s.to_string()),
                    Untrusted::new(h.activity_id.as_deref().unwrap_or("-"))
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            r,
            "{:<26} {:<5} {:>6} ms {}{} {}",
            o.id,
            format!("{:?}", o.status).to_lowercase(),
            o.duration_ms,
            o.code.as_deref().unwrap_or(""),
            http,
            Untrusted::new(&o.message)
        );
    }
    // The report is read with `cat` and pasted into tickets: nothing in it
    // may drive a terminal.
    let r = crate::text::clean_lines_string(r);
    crate::store::fsutil::write_atomic(path, r.as_bytes(), None).map_err(|e| {
        Problem::new(
            "CONFIG_WRITE_FAILED",
            format!("cannot write the report {}: {e}", path.display()),
            "Choose a writable path for --report",
        )
    })
}

/// `http://user:pw@proxy:8080` → `http://***@proxy:8080`.
fn redact_userinfo(v: &str) -> String {
    match url::Url::parse(v) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("***");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_are_redacted() {
        assert_eq!(
            redact_userinfo("http://user:secret@proxy.example:8080"),
            "http://***@proxy.example:8080/"
        );
        assert_eq!(redact_userinfo("proxy.example:3128"), "proxy.example:3128");
    }

    #[test]
    fn plain_output_is_ascii_and_keeps_what_it_cannot_fold() {
        assert_eq!(
            ascii_only("Organization Settings › Policies · Zoë…"),
            "Organization Settings > Policies - Zo\\u{eb}..."
        );
        assert!(ascii_only("日本 ✓ — “x”").is_ascii());
    }

    #[test]
    fn locale_decides_ascii() {
        let env = |k: &str| (k == "LANG").then(|| "C".to_string());
        assert!(!utf8_locale(&env));
        let env = |k: &str| (k == "LC_ALL").then(|| "en_US.UTF-8".to_string());
        assert!(utf8_locale(&env));
    }
}

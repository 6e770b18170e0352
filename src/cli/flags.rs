//! What `doctor` and `connect --non-interactive` read from the same flags:
//! the endpoints and HTTP client of a run (`--ca-file`, `--timeout`), the
//! connection the flags describe ([`subject_from_flags`], [`refine`]), and
//! its sign-in — a Microsoft device code told on stderr, or an unattended
//! sign-in ([`unattended_from_flags`]).

use secrecy::SecretString;

use crate::ado::endpoints::{Deployment, Endpoints};
use crate::ado::http::{ClientOptions, HttpClient};
use crate::auth::unattended::{CLIENT_SECRET_ENV, read_certificate};
use crate::auth::{self, ClientCredential, EntraApp, ServicePrincipal, Unattended};
use crate::checks::{EntraSign, Subject};
use crate::cli::{AuthChoice, ConnectionFlags, DeploymentChoice, GlobalArgs, exit};
use crate::net::target::parse_services_target;
use crate::problem::Problem;
use crate::store::config::{Access, PriorityMap};

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

/// A failure before the checks ran, with its exit code (2 input, 1 store,
/// 4 sign-in).
#[derive(Debug)]
pub struct ConnectError {
    pub problem: Problem,
    pub code: u8,
}

impl ConnectError {
    /// An input error: exit 2.
    pub(crate) fn usage(problem: Problem) -> Self {
        ConnectError {
            problem,
            code: exit::USAGE,
        }
    }

    /// A sign-in that failed: exit 4, or 2 when the input was at fault.
    pub(crate) fn sign_in(problem: Problem) -> Self {
        ConnectError {
            code: if problem.code == "CONFIG_INVALID" {
                exit::USAGE
            } else {
                exit::AUTH
            },
            problem,
        }
    }
}

/// Signs in with Microsoft without a TUI: discovers the organization's
/// tenant (or takes `--tenant`), tells the user the code and page through
/// `notify` (stderr), waits, and returns the sign-in for the checks.
pub async fn device_code_sign_in(
    http: &HttpClient,
    endpoints: &Endpoints,
    subject: &Subject,
    flags: &ConnectionFlags,
    notify: &(dyn Fn(&str) + Sync),
) -> Result<EntraSign, Problem> {
    if subject.deployment != Deployment::Services {
        return Err(Problem::new(
            "CONFIG_INVALID",
            "--auth device-code is for Azure DevOps Services; a Server signs in with a PAT",
            "Use --auth pat with the token in AZURE_DEVOPS_EXT_PAT or --pat-stdin",
        ));
    }
    let target = parse_services_target(&subject.target, &endpoints.devops)
        .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    let org_url = endpoints.organization_url(&target.organization);
    let authority = auth::discover_authority(http, &org_url, flags.tenant.as_deref()).await?;
    let app = EntraApp {
        authority: endpoints.authority.clone(),
        client_id: flags
            .client_id
            .clone()
            .unwrap_or_else(|| auth::DEFAULT_CLIENT_ID.to_string()),
    };
    let code = auth::start_device_code(http, &app, authority.segment())
        .await
        .map_err(|e| e.problem)?;
    notify(&format!(
        "To sign in, open {} on any device and enter the code {} (valid {} minutes). Waiting…",
        code.verification_uri,
        code.user_code,
        code.expires_at
            .saturating_duration_since(std::time::Instant::now())
            .as_secs()
            .div_ceil(60)
    ));
    let tokens = auth::wait_for_tokens(http, &app, &code)
        .await
        .map_err(|e| e.problem)?;
    let Some(refresh_token) = tokens.refresh.clone() else {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Microsoft Entra ID sent no refresh token, so later runs could not sign in silently",
            "Check that the client app may request offline_access, or use a personal access token",
        ));
    };
    notify(&format!(
        "Signed in as {}.",
        tokens.account().unwrap_or("the account")
    ));
    Ok(EntraSign {
        app,
        refresh_token,
        tenant: authority
            .tenant_id()
            .map(str::to_string)
            .or_else(|| tokens.tenant().map(str::to_string)),
    })
}

/// The unattended sign-in the flags ask for (`--auth managed-identity |
/// service-principal | azure-cli`), `Ok(None)` for the other methods.
/// `stdin_secret`: what `--secret-stdin` (`--pat-stdin`) read, the service
/// principal's client secret. A managed identity is probed first (about a
/// second): where no metadata endpoint answers, it is not offered.
/// Errors carry their exit code (2 input, 4 sign-in).
pub async fn unattended_from_flags(
    endpoints: &Endpoints,
    deployment: Deployment,
    flags: &ConnectionFlags,
    stdin_secret: Option<SecretString>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Unattended>, ConnectError> {
    let method = match flags.auth {
        Some(
            m @ (AuthChoice::ManagedIdentity | AuthChoice::ServicePrincipal | AuthChoice::AzureCli),
        ) => m,
        _ => return Ok(None),
    };
    let flag = match method {
        AuthChoice::ManagedIdentity => "managed-identity",
        AuthChoice::ServicePrincipal => "service-principal",
        _ => "azure-cli",
    };
    if deployment != Deployment::Services {
        return Err(ConnectError::usage(Problem::new(
            "CONFIG_INVALID",
            format!(
                "--auth {flag} is for Azure DevOps Services; Azure DevOps Server signs in with a PAT"
            ),
            "Use --auth pat with the token in AZURE_DEVOPS_EXT_PAT or --pat-stdin",
        )));
    }
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let client_id = given(&flags.client_id);
    let tenant = given(&flags.tenant);
    if method != AuthChoice::ServicePrincipal && flags.certificate.is_some() {
        return Err(ConnectError::usage(Problem::new(
            "CONFIG_INVALID",
            format!("--certificate is for --auth service-principal, not --auth {flag}"),
            "Leave out --certificate",
        )));
    }
    match method {
        AuthChoice::ManagedIdentity => {
            auth::probe_imds(&endpoints.imds)
                .await
                .map_err(ConnectError::sign_in)?;
            Ok(Some(Unattended::ManagedIdentity {
                imds: endpoints.imds.clone(),
                client_id,
            }))
        }
        AuthChoice::ServicePrincipal => {
            service_principal(endpoints, flags, client_id, tenant, stdin_secret, env)
        }
        _ => Ok(Some(Unattended::AzureCli { tenant })),
    }
}

/// `--auth service-principal`: the app's client id and its credential — a
/// certificate, a secret on standard input, or `AZURE_CLIENT_SECRET`.
fn service_principal(
    endpoints: &Endpoints,
    flags: &ConnectionFlags,
    client_id: Option<String>,
    tenant: Option<String>,
    stdin_secret: Option<SecretString>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Unattended>, ConnectError> {
    let Some(client_id) = client_id else {
        return Err(ConnectError::usage(Problem::new(
            "CONFIG_INVALID",
            "--auth service-principal needs the app's client id: --client-id APP_ID",
            "e.g. … --auth service-principal --tenant contoso.onmicrosoft.com --client-id 00000000-0000-0000-0000-000000000000 --secret-stdin",
        )));
    };
    let env_secret = env(CLIENT_SECRET_ENV)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let (credential, source) = match (&flags.certificate, stdin_secret, env_secret) {
        (Some(path), _, _) => (
            read_certificate(path).map_err(ConnectError::sign_in)?,
            format!("the certificate {}", path.display()),
        ),
        (None, Some(s), _) => (ClientCredential::Secret(s), "standard input".to_string()),
        (None, None, Some(s)) => (
            ClientCredential::Secret(SecretString::from(s)),
            CLIENT_SECRET_ENV.to_string(),
        ),
        (None, None, None) => {
            return Err(ConnectError {
                problem: Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    "no credential for the service principal: pipe its client secret with --secret-stdin, set AZURE_CLIENT_SECRET, or pass --certificate PEM",
                    "e.g. printenv SP_SECRET | ado-setup connect --non-interactive --auth service-principal --tenant T --client-id ID --secret-stdin …",
                ),
                code: exit::AUTH,
            });
        }
    };
    Ok(Some(Unattended::ServicePrincipal(ServicePrincipal {
        authority: endpoints.authority.clone(),
        tenant,
        client_id,
        credential: Some(credential),
        source,
    })))
}

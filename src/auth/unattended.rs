//! Unattended sign-in (issue 10): tokens for Azure DevOps without a person
//! at the keyboard.
//!
//! - **Managed identity**: `GET {imds}/metadata/identity/oauth2/token
//!   ?api-version=2018-02-01&resource=499b84ac-…[&client_id=…]` with
//!   `Metadata: true` at the Azure instance metadata service (IMDS,
//!   `http://169.254.169.254`, `ADO_SETUP_IMDS_URL`). Nothing secret is
//!   kept: the connection records the method and, for a user-assigned
//!   identity, its client id.
//! - **Service principal**: the client-credentials grant at
//!   `{authority}/{tenant}/oauth2/v2.0/token` with scope
//!   `499b84ac-…/.default`, authenticated by a client secret or by a
//!   certificate (a JWT client assertion signed RS256 with its private key,
//!   `x5t#S256` naming the certificate). The secret (or the PEM) is the
//!   connection's secret, in the secret store like a PAT.
//! - **Azure CLI**: `az account get-access-token --resource 499b84ac-…
//!   [--tenant T]`, reusing whatever account `az login` signed in. Nothing is
//!   kept.
//!
//! The metadata service is asked with a client of its own: never through a
//! proxy (it is on the machine itself, and a proxy would answer for another
//! machine or not at all), with a short timeout so that "not on Azure" is
//! said within about a second. The client-credentials grant uses the
//! project's [`HttpClient`] (endpoint overrides, proxy, `--ca-file`).
//!
//! Secrets (client secrets, private keys, access tokens) are
//! [`SecretString`]s; they travel only in request bodies and headers (and,
//! for `az`, in its standard output), never in a URL, an argument, a
//! message or a log line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::ADO_RESOURCE;
use crate::ado::client::push_segments;
use crate::ado::http::{Body, Credential, HttpClient};
use crate::ado::models::{JwtClaims, OAuthErrorResponse, TokenResponse, decode_jwt_claims};
use crate::problem::Problem;
use crate::store::config::AuthMethod;

/// The scope of the client-credentials grant: Azure DevOps with the
/// application's own rights.
pub const ADO_DEFAULT_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// The instance metadata API version asked for.
pub const IMDS_API_VERSION: &str = "2018-02-01";

/// Where a service principal's client secret may come from (besides
/// standard input), like the Azure SDKs.
pub const CLIENT_SECRET_ENV: &str = "AZURE_CLIENT_SECRET";

/// How long the metadata endpoint gets to answer the availability probe.
pub const IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a token request to the metadata endpoint may take (the first
/// token of an identity can take a few seconds).
const IMDS_TOKEN_TIMEOUT: Duration = Duration::from_secs(15);

/// How long `az account get-access-token` may take.
pub const AZ_TIMEOUT: Duration = Duration::from_secs(30);

/// An unattended sign-in: where its token comes from. `Debug` shows no
/// secret.
#[derive(Debug, Clone)]
pub enum Unattended {
    /// The machine's managed identity: system-assigned (`client_id` `None`)
    /// or a user-assigned one.
    ManagedIdentity {
        imds: Url,
        client_id: Option<String>,
    },
    /// An Entra application with a client secret or a certificate.
    ServicePrincipal(ServicePrincipal),
    /// The account the Azure CLI is signed in with. `tenant`: the directory
    /// to get the token from (`--tenant`), else the organization's.
    AzureCli { tenant: Option<String> },
}

/// A service principal and its credential.
#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    /// `https://login.microsoftonline.com` or its override.
    pub authority: Url,
    /// The tenant the token is asked from (`--tenant`, saved `tenant_id`);
    /// `None`: the organization's.
    pub tenant: Option<String>,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret or certificate; `None` when none was found.
    pub credential: Option<ClientCredential>,
    /// Where the credential came from, in words (never the credential).
    pub source: String,
}

/// How a service principal proves who it is. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub enum ClientCredential {
    /// A client secret (the secret's *Value*).
    Secret(SecretString),
    /// A PEM holding the private key and the certificate uploaded to the app.
    Certificate(SecretString),
}

impl ClientCredential {
    /// What the secret store holds back as a credential: a PEM is a
    /// certificate, anything else a client secret.
    pub fn from_stored(secret: SecretString) -> ClientCredential {
        if secret
            .expose_secret()
            .trim_start()
            .starts_with("-----BEGIN")
        {
            ClientCredential::Certificate(secret)
        } else {
            ClientCredential::Secret(secret)
        }
    }

    /// What goes to the secret store.
    pub fn stored(&self) -> SecretString {
        match self {
            ClientCredential::Secret(s) | ClientCredential::Certificate(s) => s.clone(),
        }
    }

    /// In words.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientCredential::Secret(_) => "client secret",
            ClientCredential::Certificate(_) => "certificate",
        }
    }
}

impl Unattended {
    /// The connection's `auth_method`.
    pub fn method(&self) -> AuthMethod {
        match self {
            Unattended::ManagedIdentity { .. } => AuthMethod::ManagedIdentity,
            Unattended::ServicePrincipal(_) => AuthMethod::ServicePrincipal,
            Unattended::AzureCli { .. } => AuthMethod::AzureCli,
        }
    }

    /// The identity in words, for messages: "the managed identity
    /// (system-assigned)", "the service principal 1234…".
    pub fn describe(&self) -> String {
        match self {
            Unattended::ManagedIdentity {
                client_id: None, ..
            } => "the managed identity (system-assigned)".to_string(),
            Unattended::ManagedIdentity {
                client_id: Some(id),
                ..
            } => format!("the managed identity {id} (user-assigned)"),
            Unattended::ServicePrincipal(sp) => {
                format!("the service principal {}", sp.client_id)
            }
            Unattended::AzureCli { .. } => "the Azure CLI's sign-in".to_string(),
        }
    }

    /// The client id to save with the connection.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Unattended::ManagedIdentity { client_id, .. } => client_id.as_deref(),
            Unattended::ServicePrincipal(sp) => Some(&sp.client_id),
            Unattended::AzureCli { .. } => None,
        }
    }

    /// The secret to keep in the store: only a service principal has one.
    pub fn secret(&self) -> Option<SecretString> {
        match self {
            Unattended::ServicePrincipal(sp) => sp.credential.as_ref().map(|c| c.stored()),
            _ => None,
        }
    }
}

/// An access token for Azure DevOps from an unattended sign-in. `Debug`
/// shows no token.
#[derive(Debug, Clone)]
pub struct AppToken {
    pub access: SecretString,
    /// The token's claims (unverified: tenant, object id, expiry).
    pub claims: JwtClaims,
    /// When the access token expires (Unix seconds), when known.
    pub expires_on: Option<u64>,
}

impl AppToken {
    fn new(access: SecretString, expires_on: Option<u64>) -> AppToken {
        let claims = decode_jwt_claims(access.expose_secret()).unwrap_or_default();
        let expires_on = expires_on.or(claims.exp);
        AppToken {
            access,
            claims,
            expires_on,
        }
    }

    /// The tenant the token is from (`tid`).
    pub fn tenant(&self) -> Option<&str> {
        self.claims.tid.as_deref()
    }

    /// The credential for Azure DevOps requests.
    pub fn credential(&self) -> Credential {
        Credential::Bearer(self.access.clone())
    }
}

/// Gets a token for `u`. `org_tenant` is the organization's Entra tenant
/// (as its answer named it): the directory a service principal or the
/// Azure CLI asks when no tenant was given.
pub async fn acquire(
    http: &HttpClient,
    u: &Unattended,
    org_tenant: Option<&str>,
) -> Result<AppToken, Problem> {
    let org = super::Authority::from_tenant(org_tenant);
    match u {
        Unattended::ManagedIdentity { imds, client_id } => {
            managed_identity_token(imds, client_id.as_deref()).await
        }
        Unattended::ServicePrincipal(sp) => {
            let tenant = sp.tenant.as_deref().or(org.tenant_id()).ok_or_else(|| {
                Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    "the service principal's tenant is not known (the organization named none)",
                    "Pass --tenant with the id or domain of the tenant the app is registered in",
                )
            })?;
            let Some(credential) = &sp.credential else {
                return Err(Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "no client secret or certificate for the service principal {} ({})",
                        sp.client_id, sp.source
                    ),
                    format!(
                        "Set {CLIENT_SECRET_ENV}, or store it again: ado-setup edit NAME (or connect again with --secret-stdin or --certificate PEM)"
                    ),
                ));
            };
            client_credentials_token(http, &sp.authority, tenant, &sp.client_id, credential).await
        }
        Unattended::AzureCli { tenant } => {
            azure_cli_token(tenant.as_deref().or(org.tenant_id())).await
        }
    }
}

// ─── Managed identity ───────────────────────────────────────────────────────

/// The client the metadata endpoint is asked with: no proxy, no redirects.
fn imds_client(connect: Duration, total: Duration) -> Result<reqwest::Client, Problem> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect)
        .timeout(total)
        .user_agent(concat!("ado-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            Problem::new(
                "NETWORK_UNREACHABLE",
                format!("cannot set up HTTP for the managed identity endpoint: {e}"),
                "Report this as a bug",
            )
        })
}

/// `{imds}/metadata/identity/oauth2/token`.
fn imds_token_url(imds: &Url) -> Result<Url, Problem> {
    let mut url = imds.clone();
    push_segments(&mut url, &["metadata", "identity", "oauth2", "token"])
        .map_err(|e| Problem::from(&e))?;
    Ok(url)
}

fn shown(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// The words of these fixes that name the command line; the wizard says
/// them its own way (`jobs::in_wizard_words`).
pub const FIX_OTHER_METHODS: &str = "elsewhere use --auth service-principal or --auth azure-cli";
pub const FIX_ANOTHER_AUTH: &str = "or choose another --auth";
pub const FIX_AGAIN: &str = "then run doctor again";

/// The fix when no metadata endpoint answers.
fn no_imds_fix() -> String {
    format!(
        "Managed identity works on Azure VMs, VM scale sets and AKS nodes with an identity assigned; \
         {FIX_OTHER_METHODS} (ADO_SETUP_IMDS_URL overrides the endpoint)"
    )
}

/// Whether the metadata endpoint answers at all (any HTTP answer within
/// [`IMDS_PROBE_TIMEOUT`]): what decides whether managed identity is
/// offered. The probe carries no `Metadata` header and asks for no token.
pub async fn probe_imds(imds: &Url) -> Result<(), Problem> {
    probe_imds_within(imds, IMDS_PROBE_TIMEOUT).await
}

/// [`probe_imds`] with another timeout.
pub async fn probe_imds_within(imds: &Url, timeout: Duration) -> Result<(), Problem> {
    let client = imds_client(timeout, timeout)?;
    let mut url = imds_token_url(imds)?;
    url.query_pairs_mut()
        .append_pair("api-version", IMDS_API_VERSION);
    match client.get(url).send().await {
        Ok(resp) => {
            // Azure's answers here are JSON (`error` without the header);
            // another cloud's metadata server on the same address is not it.
            let status = resp.status().as_u16();
            let body = read_limited(resp, 16 * 1024).await.unwrap_or_default();
            let azure = serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|v| v.get("error").is_some() || v.get("access_token").is_some());
            if azure {
                Ok(())
            } else {
                Err(Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "managed identity is not available here: something answered at {} (HTTP {status}), but not Azure's instance metadata service",
                        shown(imds)
                    ),
                    no_imds_fix(),
                ))
            }
        }
        Err(e) => Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "managed identity is not available here: no instance metadata endpoint answered at {} within {} s ({})",
                shown(imds),
                timeout.as_secs_f32(),
                transport_words(&e)
            ),
            no_imds_fix(),
        )),
    }
}

/// Whether the Azure CLI can hand out a token for Azure DevOps here (it is
/// installed and signed in): the signed-in account, for the wizard to
/// show, or why not. Costs one `az account get-access-token` (a few
/// seconds).
pub async fn probe_azure_cli(tenant: Option<&str>) -> Result<String, Problem> {
    let token = azure_cli_token(tenant).await?;
    Ok(token
        .claims
        .sign_in_name()
        .or(token.claims.oid.as_deref())
        .unwrap_or("the signed-in account")
        .to_string())
}

/// A reqwest failure in a few words, without the URL.
fn transport_words(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_string();
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut last = None;
    while let Some(err) = cur {
        last = Some(err.to_string());
        cur = err.source();
    }
    let words = last.unwrap_or_else(|| "no answer".to_string());
    if e.is_connect() && !words.to_ascii_lowercase().contains("connect") {
        format!("cannot connect: {words}")
    } else {
        words.chars().take(160).collect()
    }
}

/// The metadata service's error answer.
#[derive(Debug, Deserialize, Default)]
struct ImdsError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// A token for Azure DevOps from the managed identity (`client_id`: a
/// user-assigned identity's client id; `None`: the system-assigned one).
/// Busy answers (429, 5xx, 410 during an update) are retried twice.
pub async fn managed_identity_token(
    imds: &Url,
    client_id: Option<&str>,
) -> Result<AppToken, Problem> {
    let client = imds_client(Duration::from_secs(2), IMDS_TOKEN_TIMEOUT)?;
    let mut url = imds_token_url(imds)?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("api-version", IMDS_API_VERSION)
            .append_pair("resource", ADO_RESOURCE);
        if let Some(id) = client_id {
            q.append_pair("client_id", id);
        }
    }
    let (status, body) = imds_answer(&client, &url, imds).await?;
    if (200..300).contains(&status) {
        let t: TokenResponse = crate::text::from_json_slice(&body).map_err(|e| {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the managed identity endpoint at {} sent an unreadable token ({e})",
                    shown(imds)
                ),
                "Check ADO_SETUP_IMDS_URL: it must be the instance metadata endpoint",
            )
        })?;
        return Ok(AppToken::new(t.access_token, t.expires_on));
    }
    Err(imds_refusal(status, &body, client_id))
}

/// The metadata service's answer to a token request (`url`), busy answers
/// (429, 5xx, 410 during an update) retried twice: its status and body.
async fn imds_answer(
    client: &reqwest::Client,
    url: &Url,
    imds: &Url,
) -> Result<(u16, Vec<u8>), Problem> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let resp = client
            .get(url.clone())
            .header("Metadata", "true")
            .send()
            .await
            .map_err(|e| {
                Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "no managed identity endpoint answered at {} ({})",
                        shown(imds),
                        transport_words(&e)
                    ),
                    no_imds_fix(),
                )
            })?;
        let status = resp.status().as_u16();
        let body = read_limited(resp, 64 * 1024).await.map_err(|e| {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the managed identity endpoint at {} broke off its answer ({})",
                    shown(imds),
                    transport_words(&e)
                ),
                "Try again; if it persists, restart the VM's guest agent",
            )
        })?;
        if matches!(status, 410 | 429 | 500..=599) && attempt < 3 {
            tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            continue;
        }
        return Ok((status, body));
    }
}

/// Why the metadata service gave no token (`status`, `body`): no such
/// identity on this machine, or another refusal in its words.
fn imds_refusal(status: u16, body: &[u8], client_id: Option<&str>) -> Problem {
    let who = match client_id {
        Some(id) => format!("the user-assigned managed identity {id}"),
        None => "the system-assigned managed identity".to_string(),
    };
    let err: ImdsError = crate::text::from_json_slice(body).unwrap_or_default();
    let said = err
        .error_description
        .clone()
        .or(err.error.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let said: String = said.chars().take(200).collect();
    let not_found = said.to_ascii_lowercase().contains("identity not found")
        || (status == 400
            && err.error.as_deref() == Some("invalid_request")
            && client_id.is_some());
    match (not_found, client_id) {
        (true, Some(id)) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "no managed identity with client id {id} is assigned to this machine (the metadata endpoint said: {said})"
            ),
            "Assign the user-assigned identity to this VM (Azure portal › the VM › Identity › User assigned), or check --client-id; without --client-id the system-assigned identity is used",
        ),
        (true, None) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "this machine has no system-assigned managed identity (the metadata endpoint said: {said})"
            ),
            "Turn it on (Azure portal › the VM › Identity › System assigned › On), or pass --client-id with the client id of a user-assigned identity",
        ),
        (false, _) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the managed identity endpoint refused a token for {who}: {said}"),
            "Try again in a minute; if it persists, check the VM's identity settings (Azure portal › the VM › Identity)",
        ),
    }
}

async fn read_limited(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > limit {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

// ─── Service principal ──────────────────────────────────────────────────────

fn form(pairs: &[(&str, &str)]) -> Body {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    Body {
        content_type: "application/x-www-form-urlencoded",
        bytes: Bytes::from(s.finish()),
    }
}

/// `{authority}/{tenant}/oauth2/v2.0/token`.
fn token_endpoint(authority: &Url, tenant: &str) -> Result<Url, Problem> {
    let mut url = authority.clone();
    push_segments(&mut url, &[tenant, "oauth2", "v2.0", "token"]).map_err(|e| Problem::from(&e))?;
    Ok(url)
}

/// A token for Azure DevOps with the client-credentials grant.
pub async fn client_credentials_token(
    http: &HttpClient,
    authority: &Url,
    tenant: &str,
    client_id: &str,
    credential: &ClientCredential,
) -> Result<AppToken, Problem> {
    let url = token_endpoint(authority, tenant)?;
    let assertion;
    let mut pairs = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("scope", ADO_DEFAULT_SCOPE),
    ];
    match credential {
        ClientCredential::Secret(s) => pairs.push(("client_secret", s.expose_secret())),
        ClientCredential::Certificate(pem) => {
            assertion = client_assertion(pem, client_id, url.as_str(), unix_now())?;
            pairs.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ));
            pairs.push(("client_assertion", assertion.expose_secret()));
        }
    }
    let resp = http
        .send(
            Method::POST,
            &url,
            &Credential::Anonymous,
            Some(&form(&pairs)),
        )
        .await
        .map_err(|e| Problem::from(&e))?;
    if (200..300).contains(&resp.status) {
        let t: TokenResponse = crate::text::from_json_slice(&resp.body).map_err(|e| {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!("Microsoft Entra ID sent an unreadable token ({e})"),
                "Try again; if it persists, check ADO_SETUP_AUTHORITY_URL and the proxy settings",
            )
        })?;
        let expires_on = t.expires_on.or(t.expires_in.map(|s| unix_now() + s));
        return Ok(AppToken::new(t.access_token, expires_on));
    }
    match crate::text::from_json_slice::<OAuthErrorResponse>(&resp.body) {
        Ok(e) => Err(explain_client_credentials(
            &e, tenant, client_id, credential,
        )),
        Err(_) => Err(match resp.classified().err() {
            Some(e) => Problem::from(&e),
            None => Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the sign-in service at {} answered unexpectedly",
                    url.host_str().unwrap_or("?")
                ),
                "Check ADO_SETUP_AUTHORITY_URL and the proxy settings",
            ),
        }),
    }
}

/// What a refused client-credentials grant means.
fn explain_client_credentials(
    e: &OAuthErrorResponse,
    tenant: &str,
    client_id: &str,
    credential: &ClientCredential,
) -> Problem {
    let said = e
        .error_description
        .as_deref()
        .map(|d| d.split(" Trace ID:").next().unwrap_or(d).trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| e.error.clone());
    let said: String = said.chars().take(240).collect();
    let trace = e
        .trace_id
        .as_deref()
        .map(|t| format!(" (trace id {t})"))
        .unwrap_or_default();
    let secrets_page =
        format!("Entra admin center › App registrations › {client_id} › Certificates & secrets");
    match e.aadsts_code() {
        Some(7000215) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the client secret of the service principal {client_id} was refused: {said}"),
            format!(
                "Give the secret's Value, not its Secret ID ({secrets_page}); or create a new secret there"
            ),
        ),
        Some(7000222) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the client secret of the service principal {client_id} has expired: {said}"),
            format!(
                "Create a new client secret ({secrets_page}), then store it: ado-setup edit NAME (or connect again)"
            ),
        ),
        Some(700027 | 700024 | 700023 | 7000274 | 7000277) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the certificate of the service principal {client_id} was refused: {said}"),
            format!(
                "Upload the certificate (its public part, .cer/.pem) to the app: {secrets_page} › Certificates; check that it has not expired and that the PEM's key belongs to it"
            ),
        ),
        Some(700016) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("no application with client id {client_id} in tenant {tenant}: {said}"),
            "Check --client-id (the app's Application (client) ID) and --tenant (the tenant the app is registered in, or where a multi-tenant app was consented)",
        ),
        Some(90002 | 900023 | 90033) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the tenant {tenant} was not found: {said}"),
            "Check --tenant: the tenant id (a GUID) or a verified domain of the directory",
        ),
        Some(7000218 | 50059) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("Microsoft Entra ID needs a credential for the service principal: {said}"),
            format!(
                "Pipe the client secret with --secret-stdin, set {CLIENT_SECRET_ENV}, or pass --certificate PEM"
            ),
        ),
        Some(53003 | 53000 | 53001 | 53002 | 530032 | 50097 | 50105) => Problem::new(
            "ORG_POLICY_BLOCKED",
            format!(
                "a Conditional Access policy blocked the service principal {client_id}: {said}{trace}"
            ),
            "Ask your Entra admin which policy for workload identities applies (Entra admin center › Sign-in logs › Service principal sign-ins, by the trace id)",
        ),
        Some(70011 | 1002012 | 500011) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "Azure DevOps is not available to the service principal {client_id} in tenant {tenant}: {said}"
            ),
            "Check that the tenant is the organization's directory (--tenant), and that Azure DevOps (499b84ac-1321-427f-aa17-267ca6975798) is known there",
        ),
        _ => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "Microsoft Entra ID refused the service principal {client_id} ({}): {said}{trace}",
                credential.kind()
            ),
            format!(
                "Check --tenant, --client-id and the {} ({secrets_page})",
                credential.kind()
            ),
        ),
    }
}

/// The seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// base64url without padding (RFC 4648 §5).
fn b64url(data: &[u8]) -> String {
    crate::ado::models::base64url_encode(data)
}

/// SHA-256, from the TLS stack's crypto provider (no extra dependency).
fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    let suite = rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let hash = suite.tls13()?.common.hash_provider;
    Some(hash.hash(data).as_ref().to_vec())
}

fn cert_problem(message: impl Into<String>) -> Problem {
    Problem::new(
        "PROVIDER_AUTH_REQUIRED",
        message,
        "Give --certificate a PEM file with the unencrypted private key (PKCS#8 or PKCS#1 RSA) and the certificate uploaded to the app, e.g. cat key.pem cert.pem > sp.pem",
    )
}

/// The certificate (DER) of a PEM, and its private key.
fn pem_parts(
    pem: &SecretString,
) -> Result<
    (
        rustls::pki_types::CertificateDer<'static>,
        rustls::pki_types::PrivateKeyDer<'static>,
    ),
    Problem,
> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bytes = pem.expose_secret().as_bytes();
    if pem.expose_secret().contains("ENCRYPTED PRIVATE KEY") {
        return Err(cert_problem(
            "the certificate's private key is encrypted (a passphrase cannot be given unattended)",
        ));
    }
    let cert = CertificateDer::pem_slice_iter(bytes)
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| {
            cert_problem("the PEM holds no certificate (-----BEGIN CERTIFICATE-----)")
        })?;
    let key = PrivateKeyDer::from_pem_slice(bytes)
        .map_err(|_| cert_problem("the PEM holds no private key (-----BEGIN PRIVATE KEY-----)"))?;
    Ok((cert, key))
}

/// The client assertion of the certificate credential (RFC 7523): a JWT
/// signed RS256 with the certificate's private key, its header naming the
/// certificate by `x5t#S256`; `aud` is the token endpoint, `iss` and `sub`
/// the client id, valid 10 minutes.
pub fn client_assertion(
    pem: &SecretString,
    client_id: &str,
    audience: &str,
    now: u64,
) -> Result<SecretString, Problem> {
    use rustls::SignatureScheme;
    let (cert, key) = pem_parts(pem)?;
    let thumbprint = sha256(cert.as_ref())
        .ok_or_else(|| cert_problem("SHA-256 is not available in this build"))?;
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key)
        .map_err(|e| cert_problem(format!("the private key cannot be used: {e}")))?;
    let signer = signing
        .choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
        .ok_or_else(|| {
            cert_problem(
                "the private key is not an RSA key (Entra ID needs RS256 for client assertions)",
            )
        })?;
    let mut jti = [0u8; 16];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut jti)
        .map_err(|_| cert_problem("no random numbers for the assertion id"))?;
    let header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        "x5t#S256": b64url(&thumbprint),
    });
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": b64url(&jti),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    });
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = signer
        .sign(input.as_bytes())
        .map_err(|e| cert_problem(format!("signing the assertion failed: {e}")))?;
    Ok(SecretString::from(format!("{input}.{}", b64url(&sig))))
}

/// When the PEM's certificate expires (Unix seconds), if it can be read.
pub fn certificate_not_after(pem: &SecretString) -> Option<i64> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let cert = CertificateDer::pem_slice_iter(pem.expose_secret().as_bytes())
        .next()?
        .ok()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    Some(parsed.validity().not_after.timestamp())
}

/// Reads a `--certificate` PEM file into a credential (it holds the private
/// key: it is kept as a secret).
pub fn read_certificate(path: &std::path::Path) -> Result<ClientCredential, Problem> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problem::new(
            "CONFIG_INVALID",
            format!("cannot read the certificate {}: {e}", path.display()),
            "Give --certificate the path of a readable PEM file (private key and certificate)",
        )
    })?;
    let pem = SecretString::from(text);
    pem_parts(&pem)?;
    Ok(ClientCredential::Certificate(pem))
}

// ─── Azure CLI ──────────────────────────────────────────────────────────────

/// `az account get-access-token --output json`.
#[derive(Deserialize)]
struct AzAccessToken {
    #[serde(rename = "accessToken")]
    access_token: SecretString,
    /// Unix seconds, a number or a string (az 2.54 and later).
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
    /// Local time, `2025-01-02 03:04:05.000000` (every version).
    #[serde(default, rename = "expiresOn")]
    _expires_on_local: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
}

/// The program that is the Azure CLI.
fn az_program() -> &'static str {
    if cfg!(windows) { "az.cmd" } else { "az" }
}

/// A tenant as it may be given to `az --tenant` (a GUID or a domain: no
/// option-like or odd text reaches the command line).
fn tenant_arg_ok(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 256
        && !t.starts_with('-')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

/// A token for Azure DevOps from the Azure CLI's sign-in
/// (`az account get-access-token --resource 499b84ac-… [--tenant T]`).
pub async fn azure_cli_token(tenant: Option<&str>) -> Result<AppToken, Problem> {
    azure_cli_token_with(az_program(), tenant, AZ_TIMEOUT).await
}

/// [`azure_cli_token`] with another program and timeout (tests).
pub async fn azure_cli_token_with(
    program: &str,
    tenant: Option<&str>,
    timeout: Duration,
) -> Result<AppToken, Problem> {
    let tenant = tenant.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = tenant
        && !tenant_arg_ok(t)
    {
        return Err(Problem::new(
            "CONFIG_INVALID",
            format!("{t:?} is not a tenant id or domain"),
            "Pass --tenant with the tenant's id (a GUID) or a verified domain",
        ));
    }
    let login = match tenant {
        Some(t) => format!("az login --tenant {t}"),
        None => "az login".to_string(),
    };
    let out = run_az(az_token_command(program, tenant), &login, timeout).await?;
    if !out.status.success() {
        return Err(explain_az_failure(
            &String::from_utf8_lossy(&out.stderr),
            &login,
        ));
    }
    let t: AzAccessToken = crate::text::from_json_slice(&out.stdout).map_err(|e| {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI answered something other than a token ({e})"),
            format!(
                "Run `az account get-access-token --resource {ADO_RESOURCE}` by hand; update the Azure CLI (`az upgrade`) if its answer is not JSON"
            ),
        )
    })?;
    let expires_on = match &t.expires_on {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let mut token = AppToken::new(t.access_token, expires_on);
    if token.claims.tid.is_none() {
        token.claims.tid = t.tenant;
    }
    Ok(token)
}

/// `program account get-access-token --resource 499b84ac-… [--tenant T]`,
/// with no input and its output captured.
fn az_token_command(program: &str, tenant: Option<&str>) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args([
        "account",
        "get-access-token",
        "--resource",
        ADO_RESOURCE,
        "--output",
        "json",
        "--only-show-errors",
    ]);
    if let Some(t) = tenant {
        cmd.args(["--tenant", t]);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs the Azure CLI within `timeout` (killed when it takes longer); a
/// missing `az` is said with how to install it and sign in (`login`).
async fn run_az(
    mut cmd: tokio::process::Command,
    login: &str,
    timeout: Duration,
) -> Result<std::process::Output, Problem> {
    let child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                "the Azure CLI (az) is not installed, or not on PATH",
                format!(
                    "Install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and run `{login}` as the user the integration runs as, {FIX_ANOTHER_AUTH}"
                ),
            )
        } else {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!("the Azure CLI (az) could not be started: {e}"),
                "Check that `az` runs for this user (try `az version`)",
            )
        }
    })?;
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI (az) failed to run: {e}"),
            "Check that `az` runs for this user (try `az version`)",
        )),
        Err(_) => Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "the Azure CLI did not answer within {} s",
                timeout.as_secs()
            ),
            format!(
                "Run `az account get-access-token --resource {ADO_RESOURCE}` by hand to see what it waits for"
            ),
        )),
    }
}

/// What a failed `az account get-access-token` means, from its stderr.
fn explain_az_failure(stderr: &str, login: &str) -> Problem {
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no error text");
    let first = first.strip_prefix("ERROR:").unwrap_or(first).trim();
    let first: String = first.chars().take(220).collect();
    let lower = stderr.to_ascii_lowercase();
    let expired = [
        "aadsts700082",
        "aadsts50173",
        "aadsts700084",
        "aadsts50078",
        "aadsts50076",
        "aadsts70043",
        "expired",
        "interactive authentication is needed",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let fix_login = format!(
        "Run `{login}` as the user the integration runs as (add `--scope {ADO_DEFAULT_SCOPE}` if it asks), {FIX_AGAIN}"
    );
    if expired {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI's sign-in has expired: {first}"),
            fix_login,
        )
    } else if lower.contains("az login") || lower.contains("not logged in") {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI is not signed in: {first}"),
            fix_login,
        )
    } else if lower.contains("aadsts50020") || lower.contains("aadsts90072") {
        Problem::new(
            "AUTH_WRONG_DIRECTORY",
            format!("the Azure CLI's account is not in the organization's directory: {first}"),
            format!(
                "Run `{login}` with an account of the organization's directory, or ask its admin to add you as a guest"
            ),
        )
    } else {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI could not get a token for Azure DevOps: {first}"),
            format!(
                "Run `az account get-access-token --resource {ADO_RESOURCE}` by hand to see the whole error"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_has_no_padding() {
        assert_eq!(b64url(b""), "");
        assert_eq!(b64url(b"f"), "Zg");
        assert_eq!(b64url(b"fo"), "Zm8");
        assert_eq!(b64url(b"foo"), "Zm9v");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn sha256_is_sha256() {
        let h = sha256(b"abc").unwrap_or_default();
        assert_eq!(b64url(&h), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    #[test]
    fn a_stored_pem_is_a_certificate_anything_else_a_secret() {
        let c = ClientCredential::from_stored(SecretString::from(
            "\n-----BEGIN PRIVATE KEY-----\n…".to_string(),
        ));
        assert_eq!(c.kind(), "certificate");
        let s = ClientCredential::from_stored(SecretString::from("abc~123".to_string()));
        assert_eq!(s.kind(), "client secret");
        assert!(!format!("{s:?}").contains("abc~123"));
    }

    #[test]
    fn az_tenants_never_look_like_options() {
        assert!(tenant_arg_ok("contoso.example"));
        assert!(tenant_arg_ok("f50b3664-ff5f-44cf-bb3e-31185eb08830"));
        assert!(!tenant_arg_ok("--query"));
        assert!(!tenant_arg_ok("a b"));
        assert!(!tenant_arg_ok("a;b"));
        assert!(!tenant_arg_ok(""));
    }

    #[test]
    fn az_failures_say_what_to_run() {
        let signed_out = explain_az_failure(
            "ERROR: Please run 'az login' to setup account.\n",
            "az login --tenant t",
        );
        assert_eq!(signed_out.code, "PROVIDER_AUTH_REQUIRED");
        assert!(
            signed_out.message.contains("not signed in"),
            "{signed_out:?}"
        );
        assert!(signed_out.fix.contains("az login --tenant t"));
        let expired = explain_az_failure(
            "ERROR: AADSTS700082: The refresh token has expired due to inactivity.\nInteractive authentication is needed. Please run:\naz login --scope 499b84ac-1321-427f-aa17-267ca6975798/.default\n",
            "az login",
        );
        assert!(expired.message.contains("has expired"), "{expired:?}");
        assert!(expired.message.contains("AADSTS700082"));
        assert!(expired.fix.starts_with("Run `az login`"));
        let other = explain_az_failure("boom\n", "az login");
        assert!(other.message.contains("boom"));
    }

    #[test]
    fn client_credential_errors_are_method_specific() {
        let err = |code: u64| OAuthErrorResponse {
            error: "invalid_client".into(),
            error_description: Some(format!("AADSTS{code}: Something. Trace ID: x")),
            error_codes: vec![code],
            timestamp: None,
            trace_id: Some("x".into()),
            correlation_id: None,
            error_uri: None,
            suberror: None,
            claims: None,
        };
        let secret = ClientCredential::Secret(SecretString::from("s".to_string()));
        let p = explain_client_credentials(&err(7000215), "t", "app", &secret);
        assert!(p.message.contains("client secret"), "{p:?}");
        assert!(p.fix.contains("Value, not its Secret ID"));
        let p = explain_client_credentials(&err(7000222), "t", "app", &secret);
        assert!(p.message.contains("expired"), "{p:?}");
        let p = explain_client_credentials(&err(700016), "t", "app", &secret);
        assert!(
            p.message
                .contains("no application with client id app in tenant t")
        );
        let p = explain_client_credentials(&err(53003), "t", "app", &secret);
        assert_eq!(p.code, "ORG_POLICY_BLOCKED");
        let p = explain_client_credentials(&err(1), "t", "app", &secret);
        assert_eq!(p.code, "PROVIDER_AUTH_REQUIRED");
        assert!(!p.message.contains("Trace ID"));
    }

    #[test]
    fn a_bad_pem_is_refused_with_the_fix() {
        let p = client_assertion(
            &SecretString::from("not a pem".to_string()),
            "c",
            "https://x/t/oauth2/v2.0/token",
            1,
        );
        match p {
            Err(p) => {
                assert_eq!(p.code, "PROVIDER_AUTH_REQUIRED");
                assert!(p.fix.contains("--certificate"));
            }
            Ok(_) => panic!("a non-PEM was accepted"),
        }
    }

    #[test]
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    fn the_client_assertion_is_an_rs256_jwt_naming_the_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("rsa key");
        let cert = rcgen::CertificateParams::new(vec!["payments-sync".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = SecretString::from(format!("{}{}", key.serialize_pem(), cert.pem()));
        let jwt = client_assertion(&pem, "app-id", "https://login/t/oauth2/v2.0/token", 1000)
            .expect("assertion");
        let parts: Vec<&str> = jwt.expose_secret().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&crate::ado::models::base64url_decode(parts[0]).unwrap())
                .unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(
            header["x5t#S256"],
            b64url(&sha256(cert.der()).unwrap()).as_str()
        );
        let claims = decode_jwt_claims(jwt.expose_secret()).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("app-id"));
        assert_eq!(claims.exp, Some(1600));
        assert!(certificate_not_after(&pem).is_some());
    }

    #[tokio::test]
    async fn no_metadata_endpoint_is_said_within_the_probe_timeout() {
        let (_closed, port) = crate::net::closed_port();
        let url = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap_or_else(|e| panic!("{e}"));
        let p = probe_imds(&url).await;
        match p {
            Err(p) => {
                assert!(
                    p.message.contains("managed identity is not available here"),
                    "{p:?}"
                );
                assert!(p.fix.contains("--auth service-principal"));
            }
            Ok(()) => panic!("nothing listens there"),
        }
    }

    #[tokio::test]
    async fn another_metadata_server_is_not_azures() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here!")
                    .await;
            }
        });
        let url = Url::parse(&format!("http://{addr}")).unwrap_or_else(|e| panic!("{e}"));
        match probe_imds(&url).await {
            Err(p) => assert!(
                p.message
                    .contains("(HTTP 404), but not Azure's instance metadata service"),
                "{p:?}"
            ),
            Ok(()) => panic!("an HTML 404 is not Azure's IMDS"),
        }
    }

    #[tokio::test]
    async fn a_missing_az_is_said_as_such() {
        let p = azure_cli_token_with("ado-setup-no-such-az-program", None, AZ_TIMEOUT).await;
        match p {
            Err(p) => {
                assert_eq!(p.code, "PROVIDER_AUTH_REQUIRED");
                assert!(p.message.contains("not installed"), "{p:?}");
                assert!(p.fix.contains("az login"));
            }
            Ok(_) => panic!("no such program"),
        }
        let bad = azure_cli_token_with("az", Some("--query"), AZ_TIMEOUT).await;
        assert!(matches!(bad, Err(p) if p.code == "CONFIG_INVALID"));
    }
}

//! The device authorization grant and the refresh-token grant against
//! `{authority}/{tenant}/oauth2/v2.0/{devicecode,token}`.
//!
//! Secrets (device code, access and refresh tokens) are [`SecretString`]s;
//! they travel only in request bodies and the `Authorization` header, never
//! in a URL, a message or a log line.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::ADO_SCOPE;
use crate::ado::client::push_segments;
use crate::ado::http::{Body, Credential, HttpClient};
use crate::ado::models::{
    DeviceCodeResponse, JwtClaims, OAuthErrorKind, OAuthErrorResponse, TokenResponse,
};
use crate::problem::Problem;

/// The public client and the authority it signs in at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraApp {
    /// `https://login.microsoftonline.com` or its override.
    pub authority: Url,
    pub client_id: String,
}

impl EntraApp {
    fn endpoint(&self, tenant: &str, op: &str) -> Result<Url, Problem> {
        let mut url = self.authority.clone();
        push_segments(&mut url, &[tenant, "oauth2", "v2.0", op]).map_err(|e| Problem::from(&e))?;
        Ok(url)
    }
}

/// A device code to show the user.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    /// What the user types.
    pub user_code: String,
    /// Where the user types it.
    pub verification_uri: String,
    /// The code the client polls with (secret).
    pub device_code: SecretString,
    /// When the code stops working.
    pub expires_at: Instant,
    /// Seconds between polls.
    pub interval: u64,
    /// The tenant segment the code was issued for.
    pub tenant: String,
}

/// Tokens from a grant. `Debug` shows no token.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: SecretString,
    pub refresh: Option<SecretString>,
    /// The access token's claims (unverified: for the tenant check, the
    /// user's name and expiry).
    pub claims: JwtClaims,
    /// Seconds until the refresh token expires, when the service says.
    pub refresh_expires_in: Option<u64>,
}

impl Tokens {
    fn from_response(t: TokenResponse) -> Tokens {
        Tokens {
            claims: t.access_token_claims().unwrap_or_default(),
            refresh_expires_in: t.refresh_token_expires_in,
            access: t.access_token,
            refresh: t.refresh_token,
        }
    }

    /// The tenant the access token is from (`tid`).
    pub fn tenant(&self) -> Option<&str> {
        self.claims.tid.as_deref()
    }

    /// The signed-in account's address.
    pub fn account(&self) -> Option<&str> {
        self.claims.sign_in_name()
    }

    /// The credential for Azure DevOps requests.
    pub fn credential(&self) -> Credential {
        Credential::Bearer(self.access.clone())
    }
}

/// One poll of the token endpoint.
#[derive(Debug)]
pub enum Poll {
    /// The user has not finished yet.
    Pending,
    /// Polling too fast: wait 5 seconds more from now on.
    SlowDown,
    Done(Box<Tokens>),
    Failed(EntraError),
}

/// A refused grant: what to tell the user, and the service's own codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraError {
    pub problem: Problem,
    /// `AADSTSnnnnn`, when the service said.
    pub aadsts: Option<u64>,
    pub kind: Option<OAuthErrorKind>,
}

impl EntraError {
    /// The user is not in the tenant asked for (`AADSTS50020`, and the
    /// related 50034/90072).
    pub fn is_wrong_directory(&self) -> bool {
        matches!(self.aadsts, Some(50020 | 90072))
    }
}

impl From<Problem> for EntraError {
    fn from(problem: Problem) -> Self {
        EntraError {
            problem,
            aadsts: None,
            kind: None,
        }
    }
}

/// `text` cut to about `max` characters: at the end of a sentence when one
/// ends in reach, else at a word, with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    if let Some(i) = cut.rfind(". ").filter(|i| *i >= max / 3) {
        return cut[..=i].to_string();
    }
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// What a refused grant means for the user.
fn explain(e: &OAuthErrorResponse) -> Problem {
    let code = e.aadsts_code();
    let said = e
        .error_description
        .as_deref()
        .map(|d| d.split(" Trace ID:").next().unwrap_or(d).trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| e.error.clone());
    let said = shorten(&said, 220);
    let trace = e
        .trace_id
        .as_deref()
        .map(|t| format!(" (trace id {t})"))
        .unwrap_or_default();
    let again = "Sign in again: ado-setup edit NAME (or start the wizard again)";
    match (e.kind(), code) {
        (OAuthErrorKind::AuthorizationDeclined, _) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "the sign-in was declined in the browser",
            "Start the sign-in again and approve it (choose the account that is a member of the organization)",
        ),
        (OAuthErrorKind::ExpiredToken, _) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "the code expired before the sign-in was finished",
            "Start the sign-in again and enter the new code within its time limit",
        ),
        (OAuthErrorKind::BadVerificationCode, _) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "the sign-in service did not recognise the device code",
            "Start the sign-in again",
        ),
        (_, Some(50020 | 90072)) => Problem::new(
            "AUTH_WRONG_DIRECTORY",
            format!("this account is not in the organization's directory: {said}{trace}"),
            "Sign in with an account of the organization's directory, or ask its admin to add you as a guest; https://aex.dev.azure.com/me lists your directories",
        ),
        (_, Some(700082 | 700084 | 50173 | 50133 | 700081)) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the saved sign-in has expired or was revoked: {said}"),
            again,
        ),
        (_, Some(50076 | 50079 | 50074 | 50158)) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("multi-factor authentication is required again: {said}"),
            "Sign in again with the device code to complete MFA: ado-setup edit NAME",
        ),
        (_, Some(53000 | 53001 | 53002 | 53003 | 530032 | 50097)) => Problem::new(
            "ORG_POLICY_BLOCKED",
            format!("a Conditional Access policy blocked the sign-in: {said}{trace}"),
            "Sign in from a compliant device or network, or ask your Entra admin which policy applies (Entra admin center › Sign-in logs, by the trace id)",
        ),
        (_, Some(65001 | 65004 | 90094 | 90095)) => Problem::new(
            "ORG_POLICY_BLOCKED",
            format!("the app needs consent in this directory: {said}"),
            "Ask an Entra admin to grant consent for the client, or use --client-id with an app registered in your tenant",
        ),
        (_, Some(90002 | 90033 | 900023)) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the directory was not found: {said}"),
            "Check --tenant (a tenant id or domain), or leave it out to use the organization's",
        ),
        (OAuthErrorKind::InvalidClient | OAuthErrorKind::UnauthorizedClient, _)
        | (_, Some(700016 | 7000218 | 700025 | 50011)) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the client app cannot sign in here: {said}"),
            "Check --client-id: a public client app with \"Allow public client flows\" enabled, or leave it out for the default",
        ),
        _ => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("Microsoft Entra ID refused the sign-in: {said}{trace}"),
            again,
        ),
    }
}

/// Posts a form to the token or device code endpoint; `Ok` for 2xx with the
/// body, the explained OAuth error otherwise.
async fn post(http: &HttpClient, url: &Url, body: Body) -> Result<Bytes, EntraError> {
    let resp = http
        .send(Method::POST, url, &Credential::Anonymous, Some(&body))
        .await
        .map_err(|e| EntraError::from(Problem::from(&e)))?;
    if (200..300).contains(&resp.status) {
        return Ok(resp.body);
    }
    match crate::text::from_json_slice::<OAuthErrorResponse>(&resp.body) {
        Ok(err) => Err(EntraError {
            problem: explain(&err),
            aadsts: err.aadsts_code(),
            kind: Some(err.kind()),
        }),
        Err(_) => {
            // Not Entra's JSON (a proxy page, a wrong authority URL …).
            let e = resp.classified().err();
            Err(EntraError::from(match e {
                Some(e) => Problem::from(&e),
                None => Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "the sign-in service at {} answered unexpectedly",
                        url.host_str().unwrap_or("?")
                    ),
                    "Check ADO_SETUP_AUTHORITY_URL and the proxy settings",
                ),
            }))
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, EntraError> {
    crate::text::from_json_slice(body).map_err(|e| {
        EntraError::from(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the sign-in service sent an unreadable {what} ({e})"),
            "Try again; if it persists, check ADO_SETUP_AUTHORITY_URL and the proxy settings",
        ))
    })
}

/// Asks for a device code (`POST {authority}/{tenant}/oauth2/v2.0/devicecode`).
pub async fn start_device_code(
    http: &HttpClient,
    app: &EntraApp,
    tenant: &str,
) -> Result<DeviceCode, EntraError> {
    let url = app.endpoint(tenant, "devicecode")?;
    let body = post(
        http,
        &url,
        Body::form(&[("client_id", &app.client_id), ("scope", ADO_SCOPE)]),
    )
    .await?;
    let r: DeviceCodeResponse = parse(&body, "device code")?;
    Ok(DeviceCode {
        user_code: r.user_code.chars().take(64).collect(),
        verification_uri: r.verification_uri.chars().take(300).collect(),
        expires_at: Instant::now() + Duration::from_secs(r.expires_in.min(86_400)),
        interval: r.poll_interval().min(60),
        device_code: r.device_code,
        tenant: tenant.to_string(),
    })
}

/// One poll of `/token` with the device code (RFC 8628 §3.4–3.5).
pub async fn poll_once(http: &HttpClient, app: &EntraApp, code: &DeviceCode) -> Poll {
    let url = match app.endpoint(&code.tenant, "token") {
        Ok(u) => u,
        Err(p) => return Poll::Failed(p.into()),
    };
    let body = Body::form(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", &app.client_id),
        ("device_code", code.device_code.expose_secret()),
    ]);
    match post(http, &url, body).await {
        Ok(b) => match parse::<TokenResponse>(&b, "token") {
            Ok(t) => Poll::Done(Box::new(Tokens::from_response(t))),
            Err(e) => Poll::Failed(e),
        },
        Err(e) if e.kind == Some(OAuthErrorKind::AuthorizationPending) => Poll::Pending,
        Err(e) if e.kind == Some(OAuthErrorKind::SlowDown) => Poll::SlowDown,
        Err(e) => Poll::Failed(e),
    }
}

/// Polls until the user approves, declines or the code expires, honouring
/// `interval` and `slow_down`. Cancel by dropping the future.
pub async fn wait_for_tokens(
    http: &HttpClient,
    app: &EntraApp,
    code: &DeviceCode,
) -> Result<Tokens, EntraError> {
    let mut interval = Duration::from_secs(code.interval.max(1));
    loop {
        if Instant::now() + interval > code.expires_at {
            return Err(explain(&OAuthErrorResponse {
                error: "expired_token".into(),
                error_description: None,
                error_codes: Vec::new(),
                timestamp: None,
                trace_id: None,
                correlation_id: None,
                error_uri: None,
                suberror: None,
                claims: None,
            })
            .into());
        }
        tokio::time::sleep(interval).await;
        match poll_once(http, app, code).await {
            Poll::Pending => {}
            Poll::SlowDown => interval += Duration::from_secs(5),
            Poll::Done(t) => return Ok(*t),
            Poll::Failed(e) => return Err(e),
        }
    }
}

/// Exchanges a refresh token for new tokens for `tenant` (the refresh-token
/// grant; also how a token for another tenant is obtained).
pub async fn refresh(
    http: &HttpClient,
    app: &EntraApp,
    tenant: &str,
    refresh_token: &SecretString,
) -> Result<Tokens, EntraError> {
    let url = app.endpoint(tenant, "token")?;
    let body = post(
        http,
        &url,
        Body::form(&[
            ("grant_type", "refresh_token"),
            ("client_id", &app.client_id),
            ("scope", ADO_SCOPE),
            ("refresh_token", refresh_token.expose_secret()),
        ]),
    )
    .await?;
    let t: TokenResponse = parse(&body, "token")?;
    Ok(Tokens::from_response(t))
}

/// A token for the organization's tenant: `tokens` when their `tid` is that
/// tenant (or the tenant is unknown or a Microsoft-account one), else one
/// re-acquired for it with the refresh token.
pub async fn token_for_tenant(
    http: &HttpClient,
    app: &EntraApp,
    tokens: Tokens,
    org_tenant: Option<&str>,
) -> Result<Tokens, EntraError> {
    let want = super::Authority::from_tenant(org_tenant);
    match (want.tenant_id(), tokens.tenant(), &tokens.refresh) {
        (Some(want), Some(tid), Some(rt)) if !tid.eq_ignore_ascii_case(want) => {
            refresh(http, app, want, rt).await
        }
        _ => Ok(tokens),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(error: &str, codes: &[u64], desc: &str) -> OAuthErrorResponse {
        OAuthErrorResponse {
            error: error.into(),
            error_description: Some(format!("{desc} Trace ID: abc Correlation ID: def")),
            error_codes: codes.to_vec(),
            timestamp: None,
            trace_id: Some("abc".into()),
            correlation_id: None,
            error_uri: None,
            suberror: None,
            claims: None,
        }
    }

    #[test]
    fn aadsts_codes_become_clear_problems() {
        let cases = [
            ("invalid_grant", 700082, "PROVIDER_AUTH_REQUIRED", "expired"),
            (
                "invalid_grant",
                50076,
                "PROVIDER_AUTH_REQUIRED",
                "multi-factor",
            ),
            (
                "invalid_grant",
                53003,
                "ORG_POLICY_BLOCKED",
                "Conditional Access",
            ),
            ("invalid_grant", 50020, "AUTH_WRONG_DIRECTORY", "directory"),
            (
                "invalid_request",
                90002,
                "PROVIDER_AUTH_REQUIRED",
                "directory was not found",
            ),
            (
                "unauthorized_client",
                700016,
                "PROVIDER_AUTH_REQUIRED",
                "client app",
            ),
            (
                "authorization_declined",
                70000,
                "PROVIDER_AUTH_REQUIRED",
                "declined",
            ),
            ("expired_token", 70019, "PROVIDER_AUTH_REQUIRED", "expired"),
            (
                "bad_verification_code",
                70000,
                "PROVIDER_AUTH_REQUIRED",
                "did not recognise",
            ),
        ];
        for (error, code, want, words) in cases {
            let p = explain(&err(error, &[code], &format!("AADSTS{code}: Something.")));
            assert_eq!(p.code, want, "{error} {code}");
            assert!(p.message.contains(words), "{error} {code}: {}", p.message);
            assert!(!p.fix.is_empty());
            assert!(!p.message.contains("Correlation ID"), "{}", p.message);
        }
    }

    #[test]
    fn a_hostile_description_reaches_no_terminal() {
        let body = br#"{"error":"invalid_grant","error_codes":[53003],"error_description":"AADSTS53003: \u001b]52;c;cm0=\u0007Blocked\u009b2J by \u202epolicy. Trace ID: x","trace_id":"t\u001b[2J1"}"#;
        let e: OAuthErrorResponse =
            crate::text::from_json_slice(body).unwrap_or_else(|e| panic!("{e}"));
        let p = explain(&e);
        assert!(
            !p.message.chars().any(crate::text::is_unsafe),
            "{:?}",
            p.message
        );
        assert!(p.message.contains("Blocked by policy"), "{}", p.message);
        // Without the boundary too: the problem itself is made safe.
        let raw = err(
            "invalid_grant",
            &[53003],
            "AADSTS53003: \u{1b}]0;x\u{7}Blocked\u{202e}.",
        );
        let p = explain(&raw);
        assert!(
            !p.message.chars().any(crate::text::is_unsafe),
            "{:?}",
            p.message
        );
        assert!(p.message.contains("AADSTS53003: Blocked."), "{}", p.message);
    }

    #[test]
    fn long_descriptions_are_cut_at_a_sentence_or_a_word() {
        let long = format!(
            "{} Second sentence that is long. {}",
            "A".repeat(60) + ".",
            "x ".repeat(200)
        );
        let s = shorten(&long, 100);
        assert!(s.ends_with('.'), "{s}");
        let s = shorten(&"word ".repeat(100), 50);
        assert!(s.ends_with('…') && s.chars().count() <= 51, "{s}");
        assert_eq!(shorten("short", 50), "short");
    }

    #[test]
    fn the_form_is_url_encoded() {
        let b = Body::form(&[("scope", ADO_SCOPE), ("client_id", "a&b")]);
        let s = String::from_utf8(b.bytes.to_vec()).unwrap_or_default();
        assert_eq!(
            s,
            "scope=499b84ac-1321-427f-aa17-267ca6975798%2F.default+offline_access&client_id=a%26b"
        );
    }
}

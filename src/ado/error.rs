//! One error type for every answer an Azure DevOps endpoint (or something in
//! front of it: a proxy, a sign-in page, a wrong host) can give. `classify`
//! is a pure function of status, headers and body, so every class is unit
//! tested; the client feeds it real responses.
//!
//! Every variant has a stable code (SPEC §4), a one-line message that never
//! contains a secret, and a fix.

use std::time::Duration;

use serde::Serialize;

use super::models::{ApiErrorBody, RuleValidationError, parse_version_out_of_range};

/// Support identifiers Azure DevOps attaches to an answer; support engineers
/// quote them to Microsoft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SupportIds {
    /// `ActivityId` response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    /// `X-VSS-E2EID` response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e2e_id: Option<String>,
    /// `eventId` of the error body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
}

impl SupportIds {
    /// Reads the support headers of a response.
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Self {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| crate::text::clean(s).chars().take(100).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        SupportIds {
            activity_id: get("activityid"),
            e2e_id: get("x-vss-e2eid"),
            event_id: None,
        }
    }

    /// ` (ActivityId …)` for a message, or nothing.
    pub fn suffix(&self) -> String {
        match &self.activity_id {
            Some(id) => format!(" (ActivityId {id})"),
            None => String::new(),
        }
    }
}

/// Why a 401 (or a policy 403) was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthFailure {
    /// The credential is missing, wrong, revoked or expired (`TF400813` and friends).
    InvalidCredentials,
    /// The identity exists in Entra ID but was never materialized in the organization
    /// (`AadUserStateException`): the user has to sign in to the web UI once.
    NotMaterialized,
    /// An organization policy refused the sign-in: Conditional Access (`VS403463`)
    /// or "Third-party application access via OAuth" turned off.
    PolicyBlocked,
}

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// TCP connect refused, reset or unreachable.
    Connect,
    /// TLS handshake failed (untrusted certificate, wrong name, protocol).
    Tls,
    /// The proxy in effect (`HTTPS_PROXY`) failed: unreachable, closed the
    /// connection, refused the tunnel or asked for credentials.
    Proxy,
    /// No complete answer within the timeout.
    Timeout,
    /// The connection broke while the answer was being read, or HTTP was violated.
    Protocol,
}

/// Every way a request to Azure DevOps can fail.
#[derive(Debug, thiserror::Error)]
pub enum AdoError {
    /// 203, or an HTML page where JSON was expected: Azure DevOps answers a
    /// sign-in page instead of 401 when it does not accept the credentials.
    #[error("Azure DevOps did not accept the credentials (it answered a sign-in page){}", ids.suffix())]
    CredentialsRejected { status: u16, ids: SupportIds },

    /// 401 (or a 403 that is an organization policy), with the service's reason.
    #[error("{}{}", auth_message(*kind, message), ids.suffix())]
    Unauthorized {
        status: u16,
        kind: AuthFailure,
        message: String,
        type_key: Option<String>,
        ids: SupportIds,
    },

    /// 403: the identity is known but lacks a permission.
    #[error("Azure DevOps refused the request: {message}{}", ids.suffix())]
    Forbidden {
        message: String,
        type_key: Option<String>,
        ids: SupportIds,
    },

    /// Not found (404). `project_missing` when the service says the project does not exist
    /// or is not visible (`VS800075`).
    #[error("not found: {message}{}", ids.suffix())]
    NotFound {
        message: String,
        type_key: Option<String>,
        project_missing: bool,
        ids: SupportIds,
    },

    /// 400 `RuleValidationException`: a work item would break the process rules.
    #[error("Azure DevOps rejected the work item: {message}{}", ids.suffix())]
    RuleValidation {
        message: String,
        errors: Vec<RuleValidationError>,
        ids: SupportIds,
    },

    /// Any other 400.
    #[error("Azure DevOps rejected the request: {message}{}", ids.suffix())]
    BadRequest {
        message: String,
        type_key: Option<String>,
        ids: SupportIds,
    },

    /// The server does not support the api-version asked for.
    #[error("the server does not support REST API version {requested}{}", latest.as_ref().map(|l| format!(" (its latest is {l})")).unwrap_or_default())]
    VersionOutOfRange {
        requested: String,
        latest: Option<String>,
        message: String,
    },

    /// 429 or 503 still refused after the bounded retries.
    #[error("Azure DevOps is throttling or unavailable (HTTP {status}) after {attempts} attempt(s){}{}", retry_after.map(|d| format!("; it asked to wait {} s", d.as_secs())).unwrap_or_default(), ids.suffix())]
    Throttled {
        status: u16,
        retry_after: Option<Duration>,
        attempts: u32,
        ids: SupportIds,
    },

    /// A 3xx answer. Redirects are never followed (credentials must not travel
    /// to another host).
    #[error("{}", redirect_message(from_host, location.as_deref(), *cross_host))]
    Redirect {
        status: u16,
        from_host: String,
        location: Option<String>,
        cross_host: bool,
    },

    /// 5xx other than a retried 503.
    #[error("Azure DevOps had a server error (HTTP {status}){}{}", if message.is_empty() { String::new() } else { format!(": {message}") }, ids.suffix())]
    Server {
        status: u16,
        message: String,
        ids: SupportIds,
    },

    /// A status no other variant covers.
    #[error("unexpected HTTP {status} from Azure DevOps{}{}", if message.is_empty() { String::new() } else { format!(": {message}") }, ids.suffix())]
    UnexpectedStatus {
        status: u16,
        message: String,
        ids: SupportIds,
    },

    /// DNS, TCP, TLS, timeout or a broken connection.
    #[error("{}", transport_message(*kind, host, detail))]
    Transport {
        kind: TransportKind,
        host: String,
        detail: String,
        /// A fix for this very failure (TLS failures say which), instead of
        /// the generic one of its kind.
        fix: Option<String>,
    },

    /// The body is not what the endpoint returns (not JSON, wrong shape, truncated).
    #[error(
        "the answer from {host} is not a valid Azure DevOps response (HTTP {status}): {detail}"
    )]
    Malformed {
        status: u16,
        host: String,
        detail: String,
    },

    /// The body is larger than the client accepts.
    #[error("the answer from {host} is larger than {} (the most ado-setup reads); refusing to read it", size(*limit))]
    TooLarge { host: String, limit: usize },

    /// The URL or a request option could not be used.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

fn auth_message(kind: AuthFailure, message: &str) -> String {
    let lead = match kind {
        AuthFailure::InvalidCredentials => "Azure DevOps did not accept the credentials",
        AuthFailure::NotMaterialized => {
            "the identity has not been materialized in this organization yet"
        }
        AuthFailure::PolicyBlocked => "an organization policy blocked this sign-in",
    };
    if message.is_empty() {
        lead.to_string()
    } else {
        format!("{lead}: {message}")
    }
}

fn redirect_message(from: &str, location: Option<&str>, cross_host: bool) -> String {
    match (location, cross_host) {
        (Some(to), true) => {
            let host = url::Url::parse(to)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| to.to_string());
            format!(
                "{from} redirected to another host, {host} ({to}); redirects are not followed and nothing was sent there"
            )
        }
        (Some(to), false) => format!("{from} redirected to {to}; use that address instead"),
        (None, _) => format!("{from} answered a redirect without a location"),
    }
}

fn transport_message(kind: TransportKind, host: &str, detail: &str) -> String {
    let what = match kind {
        TransportKind::Dns => format!("cannot resolve {host}"),
        TransportKind::Connect => format!("cannot connect to {host}"),
        TransportKind::Tls => format!("TLS with {host} failed"),
        TransportKind::Proxy => format!("the proxy {host} failed"),
        TransportKind::Timeout => format!("{host} did not answer in time"),
        TransportKind::Protocol => format!("the connection to {host} broke"),
    };
    if detail.is_empty() {
        what
    } else {
        format!("{what}: {detail}")
    }
}

/// Said to a person as its code, its one line and its fix.
impl From<&AdoError> for crate::problem::Problem {
    fn from(e: &AdoError) -> Self {
        crate::problem::Problem::new(e.code(), e.to_string(), e.fix())
    }
}

impl AdoError {
    /// The stable code (SPEC §4 where the spec names one; otherwise a
    /// `PROVIDER_*` code documented in the README).
    pub fn code(&self) -> &'static str {
        match self {
            AdoError::CredentialsRejected { .. } => "PROVIDER_AUTH_REQUIRED",
            AdoError::Unauthorized { kind, .. } => match kind {
                AuthFailure::InvalidCredentials => "PROVIDER_AUTH_REQUIRED",
                AuthFailure::NotMaterialized => "IDENTITY_NOT_MATERIALIZED",
                AuthFailure::PolicyBlocked => "ORG_POLICY_BLOCKED",
            },
            AdoError::Forbidden { .. } => "PERMISSION_MISSING",
            AdoError::NotFound {
                project_missing: true,
                ..
            } => "PROJECT_NOT_FOUND",
            AdoError::NotFound { .. } => "PROVIDER_NOT_FOUND",
            AdoError::RuleValidation { .. } => "MAPPING_REJECTED",
            AdoError::BadRequest { .. } => "PROVIDER_REQUEST_REJECTED",
            AdoError::VersionOutOfRange { .. } => "PROVIDER_VERSION_UNSUPPORTED",
            AdoError::Throttled { .. } | AdoError::Server { .. } => "PROVIDER_UNAVAILABLE",
            AdoError::Redirect { .. } => "PROVIDER_BASE_URL_BLOCKED",
            AdoError::UnexpectedStatus { .. } => "PROVIDER_RESPONSE_INVALID",
            AdoError::Transport { kind, .. } => match kind {
                TransportKind::Tls => "NETWORK_TLS_FAILED",
                _ => "NETWORK_UNREACHABLE",
            },
            AdoError::Malformed { .. } | AdoError::TooLarge { .. } => "PROVIDER_RESPONSE_INVALID",
            AdoError::InvalidRequest(_) => "PROVIDER_BASE_URL_BLOCKED",
        }
    }

    /// A generic fix for this class of failure. The check catalogue gives more
    /// specific fixes where it knows the context (which call, which scope).
    pub fn fix(&self) -> String {
        match self {
            AdoError::CredentialsRejected { .. }
            | AdoError::Unauthorized {
                kind: AuthFailure::InvalidCredentials,
                ..
            } => "Create a new personal access token under User settings › Personal access tokens \
                  (or sign in again) and run `ado-setup edit NAME`"
                .into(),
            AdoError::Unauthorized {
                kind: AuthFailure::NotMaterialized,
                ..
            } => "Sign in to the organization's web UI once with this account, then retry".into(),
            AdoError::Unauthorized {
                kind: AuthFailure::PolicyBlocked,
                ..
            } => "Ask an organization admin to review Organization Settings › Policies \
                  (Third-party application access via OAuth) and your Conditional Access policies"
                .into(),
            AdoError::Forbidden { .. } => {
                "Ask a Project Administrator to grant the permission under Project Settings › Permissions"
                    .into()
            }
            AdoError::NotFound {
                project_missing: true,
                ..
            } => "Check the project name, and that this account is a member of the project".into(),
            AdoError::NotFound { .. } => {
                "Check the organization name or collection URL".into()
            }
            AdoError::RuleValidation { .. } => {
                "Give the fields named above an allowed value in the field mapping".into()
            }
            AdoError::BadRequest { .. } | AdoError::UnexpectedStatus { .. } => {
                "Run `ado-setup doctor --report FILE` and attach the report to a support ticket"
                    .into()
            }
            AdoError::VersionOutOfRange { .. } => {
                "Azure DevOps Server 2019 or later is required; upgrade the server or check the collection URL"
                    .into()
            }
            AdoError::Throttled { .. } | AdoError::Server { .. } => {
                "Wait a few minutes and retry; check https://status.dev.azure.com for incidents"
                    .into()
            }
            AdoError::Redirect { .. } | AdoError::InvalidRequest(_) => {
                "Use the organization's or collection's own URL (https://dev.azure.com/ORG or https://SERVER/tfs/COLLECTION)"
                    .into()
            }
            AdoError::Transport { fix: Some(fix), .. } => fix.clone(),
            AdoError::Transport {
                kind: TransportKind::Tls,
                ..
            } => "If a proxy inspects TLS, pass its CA certificate with --ca-file PEM".into(),
            AdoError::Transport {
                kind: TransportKind::Dns,
                ..
            } => "Check the host name and this machine's DNS settings".into(),
            AdoError::Transport {
                kind: TransportKind::Timeout,
                ..
            } => "Check the network path (firewall, HTTPS_PROXY/NO_PROXY); on a slow link, allow more time with --timeout SECONDS"
                .into(),
            AdoError::Transport { .. } => {
                "Check the network path: firewall allowlist, HTTPS_PROXY/NO_PROXY, and run `ado-setup doctor`"
                    .into()
            }
            AdoError::Malformed { .. } | AdoError::TooLarge { .. } => {
                "Check that the URL points at Azure DevOps and no proxy rewrites its answers".into()
            }
        }
    }

    /// Support identifiers of the answer, when there was one.
    pub fn support_ids(&self) -> Option<&SupportIds> {
        match self {
            AdoError::CredentialsRejected { ids, .. }
            | AdoError::Unauthorized { ids, .. }
            | AdoError::Forbidden { ids, .. }
            | AdoError::NotFound { ids, .. }
            | AdoError::RuleValidation { ids, .. }
            | AdoError::BadRequest { ids, .. }
            | AdoError::Throttled { ids, .. }
            | AdoError::Server { ids, .. }
            | AdoError::UnexpectedStatus { ids, .. } => Some(ids),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            AdoError::CredentialsRejected { status, .. }
            | AdoError::Unauthorized { status, .. }
            | AdoError::Throttled { status, .. }
            | AdoError::Redirect { status, .. }
            | AdoError::Server { status, .. }
            | AdoError::UnexpectedStatus { status, .. }
            | AdoError::Malformed { status, .. } => Some(*status),
            AdoError::Forbidden { .. } => Some(403),
            AdoError::NotFound { .. } => Some(404),
            AdoError::RuleValidation { .. }
            | AdoError::BadRequest { .. }
            | AdoError::VersionOutOfRange { .. } => Some(400),
            _ => None,
        }
    }
}

/// Does this body look like an HTML page rather than an API answer?
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html")) {
        return true;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..]
        .iter()
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<head")
}

/// The first 64 KiB of a page, as text: where its title and sign-in form are.
fn page_head(body: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&body[..body.len().min(64 * 1024)])
}

/// Whether an HTML page asks to sign in (Azure DevOps' answer to rejected
/// credentials) rather than being some other server's page.
fn looks_like_sign_in(body: &[u8]) -> bool {
    let head = page_head(body).to_ascii_lowercase();
    [
        "sign in",
        "signin",
        "sign-in",
        "login.microsoftonline",
        "login.live.com",
    ]
    .iter()
    .any(|m| head.contains(m))
}

/// The `<title>` of an HTML page, on one line, at most 80 characters.
pub fn html_title(body: &[u8]) -> Option<String> {
    let text = page_head(body);
    // ASCII lowercasing keeps byte offsets, so they index `text` too.
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = crate::text::clean(&text[open_end..close])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(80)
        .collect();
    (!title.is_empty()).then_some(title)
}

/// What the client saw of an answer, for classification.
#[derive(Debug)]
pub struct Answer<'a> {
    pub status: u16,
    pub host: &'a str,
    pub content_type: Option<&'a str>,
    pub location: Option<&'a str>,
    pub ids: SupportIds,
    pub body: &'a [u8],
}

/// `32 MiB`, `512 KiB` or `100 bytes`.
fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    if bytes >= KIB * KIB && bytes.is_multiple_of(KIB * KIB) {
        format!("{} MiB", bytes / (KIB * KIB))
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Turns a non-success answer into its error; `Ok(())` for a 2xx JSON answer
/// that the caller should now parse.
pub fn classify(answer: Answer<'_>) -> Result<(), AdoError> {
    let Answer {
        status,
        host,
        content_type,
        location,
        mut ids,
        body,
    } = answer;

    if (300..400).contains(&status) {
        // `host` is `name[:port]` as the request was made.
        let cross_host = location
            .and_then(|l| url::Url::parse(l).ok())
            .and_then(|u| {
                let name = u.host_str()?;
                let to = match u.port() {
                    Some(p) => format!("{name}:{p}"),
                    None => name.to_string(),
                };
                Some(!to.eq_ignore_ascii_case(host))
            })
            .unwrap_or(false);
        return Err(AdoError::Redirect {
            status,
            from_host: host.to_string(),
            // Without its query and fragment: they can carry sign-in state.
            location: location.map(|l| {
                crate::text::clean(l.split(['?', '#']).next().unwrap_or(l))
                    .chars()
                    .take(300)
                    .collect()
            }),
            cross_host,
        });
    }
    if status == 203 {
        return Err(AdoError::CredentialsRejected { status, ids });
    }
    let html = looks_like_html(content_type, body);
    if html && (200..300).contains(&status) && !looks_like_sign_in(body) {
        // A proxy's or portal's page, not Azure DevOps asking to sign in.
        return Err(AdoError::Malformed {
            status,
            host: host.to_string(),
            detail: match html_title(body) {
                Some(title) => format!("a web page \"{title}\" instead of JSON"),
                None => "a web page instead of JSON".to_string(),
            },
        });
    }
    if html && (status < 300 || status == 401 || status == 403) {
        return Err(AdoError::CredentialsRejected { status, ids });
    }
    if (200..300).contains(&status) {
        return Ok(());
    }

    let parsed: Option<ApiErrorBody> = if html {
        None
    } else {
        crate::text::from_json_slice(body).ok()
    };
    if let Some(event_id) = parsed.as_ref().and_then(|b| b.event_id) {
        ids.event_id = Some(event_id);
    }
    let message = parsed
        .as_ref()
        .and_then(|b| b.message.clone())
        .map(|m| one_line(&m))
        .unwrap_or_default();
    let type_key = parsed.as_ref().and_then(|b| b.type_key.clone());
    let tk = type_key.as_deref().unwrap_or("");

    match status {
        400 => {
            if let Some((requested, latest)) = parse_version_out_of_range(&message) {
                return Err(AdoError::VersionOutOfRange {
                    requested,
                    latest: Some(latest),
                    message,
                });
            }
            if tk == "VssVersionOutOfRangeException" {
                return Err(AdoError::VersionOutOfRange {
                    requested: String::new(),
                    latest: None,
                    message,
                });
            }
            if tk == "RuleValidationException" {
                let errors = parsed
                    .as_ref()
                    .map(|b| b.rule_validation_errors())
                    .unwrap_or_default();
                return Err(AdoError::RuleValidation {
                    message,
                    errors,
                    ids,
                });
            }
            Err(AdoError::BadRequest {
                message: or_status(message, status),
                type_key,
                ids,
            })
        }
        401 | 403 => {
            let lower = message.to_ascii_lowercase();
            let kind = if tk == "AadUserStateException" || lower.contains("not been materialized") {
                Some(AuthFailure::NotMaterialized)
            } else if message.contains("VS403463")
                || lower.contains("conditional access")
                || lower.contains("third-party application access via oauth")
            {
                Some(AuthFailure::PolicyBlocked)
            } else if status == 401 {
                Some(AuthFailure::InvalidCredentials)
            } else {
                None
            };
            match kind {
                Some(kind) => Err(AdoError::Unauthorized {
                    status,
                    kind,
                    message,
                    type_key,
                    ids,
                }),
                None => Err(AdoError::Forbidden {
                    message: or_status(message, status),
                    type_key,
                    ids,
                }),
            }
        }
        404 => {
            let project_missing = message.contains("VS800075")
                || tk.starts_with("ProjectDoesNotExist")
                || tk == "ProjectNotFoundException";
            let message = if message.is_empty() {
                if html || parsed.is_none() {
                    format!("{host} has no Azure DevOps API at this address")
                } else {
                    "HTTP 404".to_string()
                }
            } else {
                message
            };
            Err(AdoError::NotFound {
                message,
                type_key,
                project_missing,
                ids,
            })
        }
        429 => Err(AdoError::Throttled {
            status,
            retry_after: None,
            attempts: 1,
            ids,
        }),
        500..=599 => Err(AdoError::Server {
            status,
            message,
            ids,
        }),
        _ => Err(AdoError::UnexpectedStatus {
            status,
            message,
            ids,
        }),
    }
}

fn or_status(message: String, status: u16) -> String {
    if message.is_empty() {
        format!("HTTP {status}")
    } else {
        message
    }
}

/// Messages are shown on one line, made safe ([`crate::text`]) and bounded.
fn one_line(s: &str) -> String {
    crate::text::clean_bounded(s, 400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer<'a>(status: u16, ct: Option<&'a str>, body: &'a [u8]) -> Answer<'a> {
        Answer {
            status,
            host: "dev.azure.com",
            content_type: ct,
            location: None,
            ids: SupportIds::default(),
            body,
        }
    }

    fn err(status: u16, body: &str) -> AdoError {
        match classify(answer(status, Some("application/json"), body.as_bytes())) {
            Err(e) => e,
            Ok(()) => panic!("{status} {body} classified as success"),
        }
    }

    #[test]
    fn status_203_and_html_mean_rejected_credentials() {
        let e = err(203, "<html><body>Sign in</body></html>");
        assert_eq!(e.code(), "PROVIDER_AUTH_REQUIRED");
        let page = b"\n  <!DOCTYPE html><html>sign in</html>";
        for status in [200, 401] {
            let e = classify(answer(status, None, page));
            assert!(
                matches!(e, Err(AdoError::CredentialsRejected { .. })),
                "{status}"
            );
        }
        let e = classify(answer(
            200,
            Some("text/html; charset=utf-8"),
            b"<html><title>Sign in</title></html>",
        ));
        assert!(matches!(e, Err(AdoError::CredentialsRejected { .. })));
    }

    #[test]
    fn another_servers_page_is_not_a_sign_in() {
        let page = b"<html><head><title>Access\n  Denied</title></head><body>Blocked by the proxy</body></html>";
        let e = classify(answer(200, Some("text/html"), page));
        match e {
            Err(e @ AdoError::Malformed { .. }) => {
                assert_eq!(e.code(), "PROVIDER_RESPONSE_INVALID");
                assert!(
                    e.to_string()
                        .contains("a web page \"Access Denied\" instead of JSON"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        let e = classify(answer(200, Some("text/html"), b"whatever"));
        assert!(matches!(e, Err(AdoError::Malformed { .. })), "{e:?}");
        assert_eq!(html_title(b"<TITLE>x</TITLE>").as_deref(), Some("x"));
        assert_eq!(html_title(b"<title></title>"), None);
        assert_eq!(html_title(b"no title"), None);
    }

    #[test]
    fn hostile_messages_titles_and_headers_are_made_safe() {
        let inert = |s: &str| !s.chars().any(crate::text::is_unsafe);
        let body = r#"{"message":"TF400813: \u001b]52;c;cm0=\u0007Denied\u009b2J for \u202eyou","typeKey":"X\u001b[1m"}"#;
        let e = err(401, body);
        let shown = e.to_string();
        assert!(inert(&shown), "{shown:?}");
        assert!(shown.contains("TF400813: Denied for you"), "{shown}");
        let title = html_title("<title>\u{1b}]0;pwned\u{7}Proxy\u{202e} page</title>".as_bytes());
        assert_eq!(title.as_deref(), Some("Proxy page"));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "activityid",
            reqwest::header::HeaderValue::from_bytes(b"a1\tb2").unwrap_or_else(|e| panic!("{e}")),
        );
        let ids = SupportIds::from_headers(&headers);
        assert!(ids.activity_id.as_deref().is_some_and(inert), "{ids:?}");
    }

    #[test]
    fn json_2xx_is_success() {
        assert!(classify(answer(200, Some("application/json"), b"{\"count\":0}")).is_ok());
    }

    #[test]
    fn unauthorized_reasons_are_told_apart() {
        let e = err(
            401,
            r#"{"$id":"1","message":"TF400813: The user '' is not authorized to access this resource.","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}"#,
        );
        assert_eq!(e.code(), "PROVIDER_AUTH_REQUIRED");
        assert_eq!(e.support_ids().and_then(|i| i.event_id), Some(3000));

        let e = err(
            401,
            r#"{"message":"The identity 'x' has not been materialized.","typeKey":"AadUserStateException"}"#,
        );
        assert_eq!(e.code(), "IDENTITY_NOT_MATERIALIZED");

        let e = err(
            401,
            r#"{"message":"VS403463: The conditional access policy defined by your Azure Active Directory administrator has failed.","typeKey":"UnauthorizedRequestException"}"#,
        );
        assert_eq!(e.code(), "ORG_POLICY_BLOCKED");

        let e = err(403, r#"{"message":"VS403463: conditional access"}"#);
        assert_eq!(e.code(), "ORG_POLICY_BLOCKED");

        let e = err(
            403,
            r#"{"message":"TF401027: You need the Git 'GenericContribute' permission","typeKey":"GitNeedsPermissionException"}"#,
        );
        assert_eq!(e.code(), "PERMISSION_MISSING");
        assert!(e.to_string().contains("TF401027"));
    }

    #[test]
    fn project_not_found_is_its_own_code() {
        let e = err(
            404,
            r#"{"message":"VS800075: The project with id 'vstfs:///Classification/TeamProject/x' does not exist, or you do not have permission to access it.","typeKey":"ProjectDoesNotExistException"}"#,
        );
        assert_eq!(e.code(), "PROJECT_NOT_FOUND");
        let e = err(
            404,
            r#"{"message":"TF200016: The following node does not exist"}"#,
        );
        assert_eq!(e.code(), "PROVIDER_NOT_FOUND");
        let e = classify(answer(404, Some("text/html"), b"<html>nginx</html>"));
        match e {
            Err(AdoError::NotFound { message, .. }) => {
                assert!(message.contains("no Azure DevOps API"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rule_validation_errors_are_kept_per_field() {
        let body = r#"{"$id":"1","customProperties":{"RuleValidationErrors":[{"fieldReferenceName":"Custom.Impact","fieldStatusFlags":"required, hasValues, limitedToValues, invalidEmpty","errorMessage":"TF401320: Rule Error for field Impact. Error code: Required, HasValues, LimitedToValues, InvalidEmpty.","fieldStatusCode":0,"ruleValidationErrors":null}]},"innerException":null,"message":"TF401320: Rule Error for field Impact.","typeName":"x","typeKey":"RuleValidationException","errorCode":0,"eventId":3200}"#;
        match err(400, body) {
            AdoError::RuleValidation { errors, .. } => {
                assert_eq!(errors.len(), 1);
                assert_eq!(
                    errors[0].field_reference_name.as_deref(),
                    Some("Custom.Impact")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn version_out_of_range_names_the_latest() {
        let e = err(
            400,
            r#"{"message":"The requested REST API version of 7.1 is out of range for this server. The latest REST API version for this server is 6.0.","typeKey":"VssVersionOutOfRangeException"}"#,
        );
        match e {
            AdoError::VersionOutOfRange {
                requested, latest, ..
            } => {
                assert_eq!(requested, "7.1");
                assert_eq!(latest.as_deref(), Some("6.0"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn redirects_report_both_hosts() {
        let e = classify(Answer {
            status: 302,
            host: "dev.azure.com",
            content_type: None,
            location: Some("https://evil.example/_signin?state=abc123#frag"),
            ids: SupportIds::default(),
            body: b"",
        });
        match e {
            Err(
                e @ AdoError::Redirect {
                    cross_host: true, ..
                },
            ) => {
                assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
                let m = e.to_string();
                assert!(
                    m.contains("dev.azure.com") && m.contains("evil.example"),
                    "{m}"
                );
                assert!(!m.contains("abc123") && !m.contains("frag"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_to_the_same_host_and_port_is_not_cross_host() {
        let answer = |location: &'static str| Answer {
            status: 301,
            host: "tfs.contoso.com:8443",
            content_type: None,
            location: Some(location),
            ids: SupportIds::default(),
            body: b"",
        };
        assert!(matches!(
            classify(answer(
                "https://tfs.contoso.com:8443/tfs/DefaultCollection/"
            )),
            Err(AdoError::Redirect {
                cross_host: false,
                ..
            })
        ));
        assert!(matches!(
            classify(answer("https://tfs.contoso.com/x")),
            Err(AdoError::Redirect {
                cross_host: true,
                ..
            })
        ));
    }

    #[test]
    fn server_errors_and_garbage() {
        assert_eq!(err(500, "oops").code(), "PROVIDER_UNAVAILABLE");
        assert_eq!(err(502, "").code(), "PROVIDER_UNAVAILABLE");
        assert_eq!(err(418, "{}").code(), "PROVIDER_RESPONSE_INVALID");
        assert_eq!(
            err(400, "not json").to_string(),
            "Azure DevOps rejected the request: HTTP 400"
        );
        let long = format!("{{\"message\":\"{}\\nsecond line\"}}", "x".repeat(1000));
        let m = err(400, &long).to_string();
        assert!(!m.contains('\n') && m.chars().count() < 500, "{m}");
    }

    #[test]
    fn every_error_has_a_code_and_a_fix() {
        let all = [
            err(203, ""),
            err(401, "{}"),
            err(403, "{}"),
            err(404, "{}"),
            err(400, "{}"),
            err(500, "{}"),
            AdoError::Transport {
                kind: TransportKind::Tls,
                host: "h".into(),
                detail: String::new(),
                fix: None,
            },
            AdoError::TooLarge {
                host: "h".into(),
                limit: 1,
            },
        ];
        for e in all {
            assert!(!e.code().is_empty());
            assert!(!e.fix().is_empty());
            assert!(!e.to_string().is_empty());
        }
    }
}

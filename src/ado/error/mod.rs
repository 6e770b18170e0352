//! One error type for every answer an Azure DevOps endpoint (or something in
//! front of it: a proxy, a sign-in page, a wrong host) can give, and for the
//! failures below HTTP. How an answer becomes one is [`classify`]'s (in
//! `answer.rs`).
//!
//! Every variant has a stable code (SPEC §4), a one-line message that never
//! contains a secret, and a fix.

use std::time::Duration;

use serde::Serialize;

use super::models::RuleValidationError;

mod answer;

pub use answer::{Answer, classify, html_title, looks_like_html};

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

//! The connection (SPEC §1) and the config file that holds connections.
//!
//! Layout of `config.toml` (schema 1): a `schema` key, then one `[[connection]]`
//! array-of-tables entry per connection, in the order they were added:
//!
//! ```toml
//! schema = 1
//!
//! [[connection]]
//! name = "contoso-boards"
//! provider_key = "azure_devops_services"
//! deployment_mode = "cloud"
//! organization = "contoso"
//! base_url = "https://dev.azure.com/contoso"
//! # ...
//! [connection.priority_map]
//! critical = 1
//! high = 2
//! medium = 3
//! low = 4
//! ```
//!
//! Keys this version does not know (top level, or directly inside a
//! `[[connection]]` table) are kept when the file is rewritten. Comments and
//! formatting are not kept.
//!
//! A file that fails to parse is never overwritten silently: [`ConfigStore::save`]
//! first copies it to `config.toml.bak-<UTC timestamp>` and reports the backup in
//! its [`SaveOutcome`]. A file with a newer schema than this build knows is never
//! overwritten: load and save both refuse it.

/// Part of a connection's schema; measured by the network probes.
pub use crate::net::allowlist::AllowlistStatus;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::fsutil::{self, FailPoint, PrivacyWarning};
pub use super::secrets::SecretRef;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;
/// File name of the config file inside the config dir.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// Environment variable that overrides the config dir (same as `--config-dir`).
pub const CONFIG_DIR_ENV: &str = "ADO_SETUP_CONFIG_DIR";

// ---------------------------------------------------------------------------
// The connection
// ---------------------------------------------------------------------------

/// Which Azure DevOps product the connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKey {
    /// Azure DevOps Services (`dev.azure.com`).
    #[default]
    AzureDevopsServices,
    /// Azure DevOps Server (self-hosted collection).
    AzureDevopsServer,
}

impl ProviderKey {
    /// The key as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKey::AzureDevopsServices => "azure_devops_services",
            ProviderKey::AzureDevopsServer => "azure_devops_server",
        }
    }

    /// The deployment mode that goes with this provider.
    pub fn deployment_mode(self) -> DeploymentMode {
        match self {
            ProviderKey::AzureDevopsServices => DeploymentMode::Cloud,
            ProviderKey::AzureDevopsServer => DeploymentMode::SelfHosted,
        }
    }
}

impl fmt::Display for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cloud (Services) or self-hosted (Server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DeploymentMode {
    /// Azure DevOps Services.
    #[default]
    #[serde(rename = "cloud")]
    Cloud,
    /// Azure DevOps Server.
    #[serde(rename = "self-hosted")]
    SelfHosted,
}

impl DeploymentMode {
    /// The mode as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentMode::Cloud => "cloud",
            DeploymentMode::SelfHosted => "self-hosted",
        }
    }
}

impl fmt::Display for DeploymentMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the integration signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// Entra ID device code (Services only).
    #[default]
    DeviceCode,
    /// Personal access token.
    Pat,
    /// Azure managed identity (Services only): nothing secret is stored;
    /// `client_id` names a user-assigned identity.
    ManagedIdentity,
    /// Entra service principal (Services only): `tenant_id`, `client_id`;
    /// the client secret (or certificate PEM) is the stored secret.
    ServicePrincipal,
    /// The Azure CLI's signed-in account (Services only): nothing is stored.
    AzureCli,
}

impl AuthMethod {
    /// Whether the connection keeps a secret in a secret store (a PAT, a
    /// refresh token, a service principal's client secret); a managed
    /// identity and the Azure CLI keep none.
    pub fn stores_secret(self) -> bool {
        !matches!(self, AuthMethod::ManagedIdentity | AuthMethod::AzureCli)
    }

    /// The method as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::DeviceCode => "device_code",
            AuthMethod::Pat => "pat",
            AuthMethod::ManagedIdentity => "managed_identity",
            AuthMethod::ServicePrincipal => "service_principal",
            AuthMethod::AzureCli => "azure_cli",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the integration writes work items or only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Creates work items (default).
    #[default]
    ReadWrite,
    /// Only reads (analytics); write checks are skipped.
    ReadOnly,
}

impl Access {
    /// The access as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::ReadWrite => "read_write",
            Access::ReadOnly => "read_only",
        }
    }
}

/// The authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConnectionUser {
    /// Display name, e.g. "Jamal Hartnett".
    pub display_name: String,
    /// Sign-in address (UPN / email), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<String>,
}

/// A saved connection: every field of SPEC §1.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Connection {
    /// Connection name (see [`validate_connection_name`]).
    pub name: String,
    /// `azure_devops_services` or `azure_devops_server`.
    pub provider_key: ProviderKey,
    /// `cloud` or `self-hosted`.
    pub deployment_mode: DeploymentMode,
    /// Services: the organization name (see [`validate_org_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Services: `https://dev.azure.com/{org}`; Server: the collection URL.
    pub base_url: String,
    /// Negotiated REST API version, e.g. `7.1`.
    pub api_version: String,
    /// How the integration signs in.
    pub auth_method: AuthMethod,
    /// `read_write` (default) or `read_only`.
    #[serde(default)]
    pub access: Access,
    /// Entra tenant of the organization (device code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Entra public client id used (device code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The authenticated identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ConnectionUser>,
    /// Azure Boards project name.
    pub project: String,
    /// Project id (GUID).
    pub project_id: String,
    /// Process name (Basic, Agile, Scrum, CMMI, inherited or custom).
    pub process: String,
    /// Work item type to create.
    pub work_item_type: String,
    /// Area path in field form `Project\Area\Child`.
    pub area_path: String,
    /// Iteration path in field form.
    pub iteration_path: String,
    /// Severity → `Microsoft.VSTS.Common.Priority`.
    #[serde(default)]
    pub priority_map: PriorityMap,
    /// Default assignee, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Values for required custom fields, by reference name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_defaults: BTreeMap<String, String>,
    /// Network allowlist result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlist_status: Option<AllowlistStatus>,
    /// Where the secret lives (never the secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretRef>,
    /// Last full successful validation, RFC 3339 UTC (see [`rfc3339_utc`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<String>,
}

/// Every key a `[[connection]]` table may hold in this schema. Other keys are
/// kept verbatim on rewrite.
pub const CONNECTION_KEYS: &[&str] = &[
    "name",
    "provider_key",
    "deployment_mode",
    "organization",
    "base_url",
    "api_version",
    "auth_method",
    "access",
    "tenant_id",
    "client_id",
    "user",
    "project",
    "project_id",
    "process",
    "work_item_type",
    "area_path",
    "iteration_path",
    "priority_map",
    "assignee",
    "field_defaults",
    "allowlist_status",
    "secret_ref",
    "validated_at",
];

impl Connection {
    /// The organization+project identity used for uniqueness: the organization
    /// (Services) or the normalised base URL (Server, which has no organization),
    /// plus the project, both compared case-insensitively as Azure DevOps does.
    pub fn target_key(&self) -> (String, String) {
        let org = match &self.organization {
            Some(o) if !o.is_empty() => o.to_ascii_lowercase(),
            _ => self.base_url.trim_end_matches('/').to_ascii_lowercase(),
        };
        (org, self.project.to_lowercase())
    }

    /// The organization, or the base URL when there is none (for messages).
    pub fn org_label(&self) -> &str {
        match &self.organization {
            Some(o) if !o.is_empty() => o,
            _ => &self.base_url,
        }
    }
}

// ---------------------------------------------------------------------------
// Priority map
// ---------------------------------------------------------------------------

/// A severity reported by the integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// critical
    Critical,
    /// high
    High,
    /// medium
    Medium,
    /// low
    Low,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = PriorityMapError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| PriorityMapError::UnknownSeverity(t.to_string()))
    }
}

/// Severity → `Microsoft.VSTS.Common.Priority` value. Default
/// critical=1, high=2, medium=3, low=4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriorityMap {
    /// Priority for critical findings.
    #[serde(default = "default_critical")]
    pub critical: i64,
    /// Priority for high findings.
    #[serde(default = "default_high")]
    pub high: i64,
    /// Priority for medium findings.
    #[serde(default = "default_medium")]
    pub medium: i64,
    /// Priority for low findings.
    #[serde(default = "default_low")]
    pub low: i64,
}

fn default_critical() -> i64 {
    1
}
fn default_high() -> i64 {
    2
}
fn default_medium() -> i64 {
    3
}
fn default_low() -> i64 {
    4
}

impl Default for PriorityMap {
    fn default() -> Self {
        PriorityMap {
            critical: default_critical(),
            high: default_high(),
            medium: default_medium(),
            low: default_low(),
        }
    }
}

impl PriorityMap {
    /// Parses `critical=1,high=2,medium=3,low=4` (the `--priority-map` flag).
    ///
    /// Severity names are case-insensitive and spaces are ignored; severities
    /// left out keep their default. Errors: an empty map, an item without
    /// `=`, an unknown severity, a value that is not an integer, a severity
    /// given twice.
    pub fn parse(input: &str) -> Result<PriorityMap, PriorityMapError> {
        if input.trim().is_empty() {
            return Err(PriorityMapError::Empty);
        }
        let mut map = PriorityMap::default();
        let mut seen: Vec<Severity> = Vec::new();
        for item in input.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let Some((key, value)) = item.split_once('=') else {
                return Err(PriorityMapError::Malformed(item.to_string()));
            };
            let severity: Severity = key.parse()?;
            if seen.contains(&severity) {
                return Err(PriorityMapError::Duplicate(severity));
            }
            seen.push(severity);
            let value = value.trim();
            let n: i64 = value.parse().map_err(|_| PriorityMapError::NotAnInteger {
                severity,
                value: value.to_string(),
            })?;
            map.set(severity, n);
        }
        if seen.is_empty() {
            return Err(PriorityMapError::Empty);
        }
        Ok(map)
    }

    /// The priority of one severity.
    pub fn get(&self, severity: Severity) -> i64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    /// Changes the priority of one severity.
    pub fn set(&mut self, severity: Severity, value: i64) {
        match severity {
            Severity::Critical => self.critical = value,
            Severity::High => self.high = value,
            Severity::Medium => self.medium = value,
            Severity::Low => self.low = value,
        }
    }

    /// `(severity, priority)` pairs, most severe first.
    pub fn entries(&self) -> [(Severity, i64); 4] {
        Severity::ALL.map(|s| (s, self.get(s)))
    }
}

impl fmt::Display for PriorityMap {
    /// `critical=1,high=2,medium=3,low=4` (what [`PriorityMap::parse`] reads).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .entries()
            .iter()
            .map(|(s, v)| format!("{s}={v}"))
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl FromStr for PriorityMap {
    type Err = PriorityMapError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PriorityMap::parse(s)
    }
}

/// A `--priority-map` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorityMapError {
    /// Nothing given.
    #[error("the priority map is empty: give severity=priority pairs separated by commas")]
    Empty,
    /// An item without `=`.
    #[error("priority map item {0:?} is not of the form severity=priority")]
    Malformed(String),
    /// Not critical/high/medium/low.
    #[error("unknown severity {0:?} in the priority map: use critical, high, medium or low")]
    UnknownSeverity(String),
    /// The value is not an integer.
    #[error("priority for {severity} must be an integer, got {value:?}")]
    NotAnInteger {
        /// The severity.
        severity: Severity,
        /// What was given.
        value: String,
    },
    /// A severity given twice.
    #[error("severity {0} is given more than once in the priority map")]
    Duplicate(Severity),
}

impl PriorityMapError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "PRIORITY_MAP_INVALID"
    }

    /// How to fix it.
    pub fn fix(&self) -> String {
        "Use the form critical=1,high=2,medium=3,low=4 (each severity at most once; \
         omitted severities keep these defaults)"
            .to_string()
    }
}

// ---------------------------------------------------------------------------
// Name rules
// ---------------------------------------------------------------------------

/// Which kind of name a [`NameError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A connection name.
    Connection,
    /// An Azure DevOps organization name.
    Organization,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Connection => "connection name",
            NameKind::Organization => "organization name",
        })
    }
}

/// A connection or organization name that breaks a rule of SPEC §1. The
/// message says which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty.
    #[error("{kind} is empty")]
    Empty {
        /// Connection or organization.
        kind: NameKind,
    },
    /// Fewer characters than allowed.
    #[error("{kind} {name:?} is too short: it must have at least {min} characters")]
    TooShort {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// Minimum length.
        min: usize,
    },
    /// More characters than allowed.
    #[error("{kind} {name:?} is too long: it may have at most {max} characters")]
    TooLong {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// Maximum length.
        max: usize,
    },
    /// First character not allowed.
    #[error("{kind} {name:?} must start with {rule}")]
    BadStart {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// "a letter" or "a letter or digit".
        rule: &'static str,
    },
    /// A character other than letters, digits and hyphens.
    #[error("{kind} {name:?} may contain only letters, digits and hyphens (found {ch:?})")]
    BadChar {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
        /// The offending character.
        ch: char,
    },
    /// Ends with a hyphen (organization).
    #[error("{kind} {name:?} must not end with a hyphen")]
    TrailingHyphen {
        /// Connection or organization.
        kind: NameKind,
        /// The name.
        name: String,
    },
}

impl NameError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "NAME_INVALID"
    }

    /// The rule, as advice.
    pub fn fix(&self) -> String {
        let kind = match self {
            NameError::Empty { kind }
            | NameError::TooShort { kind, .. }
            | NameError::TooLong { kind, .. }
            | NameError::BadStart { kind, .. }
            | NameError::BadChar { kind, .. }
            | NameError::TrailingHyphen { kind, .. } => *kind,
        };
        match kind {
            NameKind::Connection => "A connection name starts with a letter and has 3–32 letters, \
                                     digits or hyphens, e.g. contoso-boards"
                .to_string(),
            NameKind::Organization => "An organization name is the part after dev.azure.com/: \
                                       letters, digits and hyphens, starting with a letter or \
                                       digit, not ending with a hyphen, at most 50 characters"
                .to_string(),
        }
    }
}

fn check_chars(kind: NameKind, name: &str) -> Result<(), NameError> {
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(NameError::BadChar {
            kind,
            name: name.to_string(),
            ch,
        });
    }
    Ok(())
}

/// A connection name in the rules' shape from the organization (or host)
/// and the project: `contoso-payments-platform`, at most 32 characters,
/// cut at a hyphen.
pub fn suggest_connection_name(first: &str, project: &str) -> String {
    let raw = format!("{first}-{project}");
    let mut name = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    // At most 32 characters, cut at a hyphen rather than mid-word.
    let mut name = name.trim_end_matches('-').to_string();
    if name.len() > 32 {
        let cut = name[..33].rfind('-').filter(|&i| i >= 3).unwrap_or(32);
        name.truncate(cut);
    }
    while name.ends_with('-') {
        name.pop();
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("ado-{name}").chars().take(32).collect();
    }
    if name.len() < 3 {
        name = "azure-boards".into();
    }
    name
}

/// Connection name: starts with a letter; letters, digits, hyphens; 3–32
/// characters (ASCII).
pub fn validate_connection_name(name: &str) -> Result<(), NameError> {
    let kind = NameKind::Connection;
    let Some(first) = name.chars().next() else {
        return Err(NameError::Empty { kind });
    };
    if !first.is_ascii_alphabetic() {
        return Err(NameError::BadStart {
            kind,
            name: name.to_string(),
            rule: "a letter",
        });
    }
    check_chars(kind, name)?;
    let len = name.chars().count();
    if len < 3 {
        return Err(NameError::TooShort {
            kind,
            name: name.to_string(),
            min: 3,
        });
    }
    if len > 32 {
        return Err(NameError::TooLong {
            kind,
            name: name.to_string(),
            max: 32,
        });
    }
    Ok(())
}

/// Organization name: starts with a letter or digit; letters, digits,
/// hyphens; no trailing hyphen; at most 50 characters (ASCII).
pub fn validate_org_name(name: &str) -> Result<(), NameError> {
    use crate::net::target::{OrgNameProblem, TargetError};
    // One rule, kept with the target parser; here it speaks NameError.
    let kind = NameKind::Organization;
    let name_s = || name.to_string();
    match crate::net::target::validate_org_name(name) {
        Ok(()) => Ok(()),
        Err(TargetError::InvalidOrgName { problem, .. }) => Err(match problem {
            OrgNameProblem::Empty => NameError::Empty { kind },
            OrgNameProblem::InvalidChar { ch, .. } => NameError::BadChar {
                kind,
                name: name_s(),
                ch,
            },
            OrgNameProblem::TrailingHyphen => NameError::TrailingHyphen {
                kind,
                name: name_s(),
            },
            OrgNameProblem::TooLong(_) => NameError::TooLong {
                kind,
                name: name_s(),
                max: crate::net::target::MAX_ORG_NAME_LEN,
            },
            OrgNameProblem::BadStart(_) => NameError::BadStart {
                kind,
                name: name_s(),
                rule: "a letter or digit",
            },
        }),
        Err(_) => Err(NameError::BadStart {
            kind,
            name: name_s(),
            rule: "a letter or digit",
        }),
    }
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

/// Formats a time as RFC 3339 in UTC with whole seconds, e.g.
/// `2023-11-14T22:13:20Z`.
pub fn rfc3339_utc(t: SystemTime) -> String {
    let (days, secs_of_day) = split_unix(t);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        (secs_of_day % 3600) / 60,
        secs_of_day % 60
    )
}

/// The current time as [`rfc3339_utc`] (for `validated_at`).
pub fn now_rfc3339() -> String {
    rfc3339_utc(SystemTime::now())
}

/// Compact UTC timestamp for file names, e.g. `20231114T221320Z`.
fn compact_utc(t: SystemTime) -> String {
    rfc3339_utc(t).replace(['-', ':'], "")
}

/// Days since 1970-01-01 and seconds into that day (works before 1970 too).
fn split_unix(t: SystemTime) -> (i64, i64) {
    let secs: i64 = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2),
        Err(e) => {
            let d = e.duration();
            // Round towards negative infinity for sub-second parts.
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
            if d.subsec_nanos() > 0 {
                -whole - 1
            } else {
                -whole
            }
        }
    };
    (secs.div_euclid(86_400), secs.rem_euclid(86_400))
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (y, m, d).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Everything that can go wrong with the config file or a connection in it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML or a value has the wrong type.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong (one line).
        message: String,
    },
    /// Written by a newer ado-setup.
    #[error(
        "{} has config schema {found}, but this ado-setup understands schema {supported} at most",
        path.display()
    )]
    SchemaTooNew {
        /// The config file.
        path: PathBuf,
        /// Schema in the file.
        found: i64,
        /// Newest schema this build knows.
        supported: i64,
    },
    /// The file (or directory) cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file cannot be written. The previous file is unchanged.
    #[error("cannot save {}: {source} (the previous file is unchanged)", path.display())]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// No `--config-dir`, no `ADO_SETUP_CONFIG_DIR`, and no home directory.
    #[error("no config directory: no --config-dir, no {CONFIG_DIR_ENV}, and no home directory")]
    NoConfigDir,
    /// A connection or organization name breaks a rule.
    #[error(transparent)]
    Name(#[from] NameError),
    /// `insert` of a name that exists.
    #[error("a connection named {name:?} already exists")]
    NameTaken {
        /// The name.
        name: String,
    },
    /// Another connection already targets this organization+project.
    #[error(
        "connection {existing:?} already targets organization {organization:?}, project {project:?}"
    )]
    TargetTaken {
        /// The name that was being saved.
        name: String,
        /// The connection that has this target.
        existing: String,
        /// Organization (or base URL for Server).
        organization: String,
        /// Project.
        project: String,
    },
    /// A connection to save lacks a required value or is inconsistent.
    #[error("connection {name:?} cannot be saved: {problem}")]
    Incomplete {
        /// The connection.
        name: String,
        /// What is missing or inconsistent (one line).
        problem: String,
    },
    /// The config could not be turned into TOML (a bug).
    #[error("cannot encode the config as TOML: {0}")]
    Encode(String),
}

impl ConfigError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Invalid { .. }
            | ConfigError::SchemaTooNew { .. }
            | ConfigError::Read { .. }
            | ConfigError::Encode(_) => "CONFIG_INVALID",
            ConfigError::Write { .. } => "CONFIG_WRITE_FAILED",
            ConfigError::NoConfigDir => "CONFIG_DIR_UNKNOWN",
            ConfigError::Name(e) => e.code(),
            ConfigError::NameTaken { .. } | ConfigError::TargetTaken { .. } => "CONNECTION_EXISTS",
            ConfigError::Incomplete { .. } => "CONNECTION_INCOMPLETE",
        }
    }

    /// The exact steps that fix it.
    pub fn fix(&self) -> String {
        match self {
            ConfigError::Invalid { path, line, .. } => {
                let at = line.map(|l| format!("line {l} of ")).unwrap_or_default();
                format!(
                    "Correct {at}{} in an editor, or move it aside to start over. \
                     ado-setup will not overwrite it without first keeping a copy \
                     ({CONFIG_FILE_NAME}.bak-<time>)",
                    path.display()
                )
            }
            ConfigError::SchemaTooNew { path, .. } => format!(
                "Upgrade ado-setup to the version that wrote {}, or use --config-dir with \
                 another directory. The file has not been changed",
                path.display()
            ),
            ConfigError::Read { path, .. } => format!(
                "Make sure {} is a file you own and can read (ls -l; chown/chmod 600)",
                path.display()
            ),
            ConfigError::Write { path, .. } => {
                let dir = path.parent().unwrap_or(path);
                format!(
                    "Make sure {} exists, is writable by you and the disk is not full, \
                     or choose another directory with --config-dir",
                    dir.display()
                )
            }
            ConfigError::NoConfigDir => {
                format!("Pass --config-dir DIR or set {CONFIG_DIR_ENV}=DIR (or set HOME)")
            }
            ConfigError::Name(e) => e.fix(),
            ConfigError::NameTaken { name } => format!(
                "Choose another name, or change the existing one with `ado-setup edit {name}`"
            ),
            ConfigError::TargetTaken { existing, .. } => format!(
                "Change it with `ado-setup edit {existing}`, or remove it first with \
                 `ado-setup remove {existing}`"
            ),
            ConfigError::Incomplete { name, .. } => format!(
                "Finish the wizard for {name} (`ado-setup edit {name}`) so every step is \
                 validated before saving"
            ),
            ConfigError::Encode(_) => {
                "This is a bug in ado-setup; please report it with the output of -v".to_string()
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Config (in memory)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Stored {
    connection: Connection,
    /// Keys of the `[[connection]]` table this build does not know.
    extra: toml::Table,
}

/// The content of the config file: connections in file order, plus any
/// top-level keys this build does not know (kept on save).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    connections: Vec<Stored>,
    extra: toml::Table,
}

impl Config {
    /// An empty config.
    pub fn new() -> Self {
        Self::default()
    }

    /// The connections, in file order.
    pub fn connections(&self) -> impl ExactSizeIterator<Item = &Connection> + '_ {
        self.connections.iter().map(|s| &s.connection)
    }

    /// Connection names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.connections().map(|c| c.name.as_str()).collect()
    }

    /// Number of connections.
    pub fn len(&self) -> usize {
        self.connections.len()
    }

    /// No connections.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    fn position(&self, name: &str) -> Option<usize> {
        // Case-insensitive: keyrings such as Windows Credential Manager do not
        // distinguish "Prod" from "prod".
        self.connections
            .iter()
            .position(|s| s.connection.name.eq_ignore_ascii_case(name))
    }

    /// The connection with this name (names compare case-insensitively).
    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.position(name).map(|i| &self.connections[i].connection)
    }

    /// The connection that targets the same organization+project as
    /// `connection` under another name, if any.
    pub fn conflicting(&self, connection: &Connection) -> Option<&Connection> {
        let key = connection.target_key();
        self.connections()
            .find(|c| !c.name.eq_ignore_ascii_case(&connection.name) && c.target_key() == key)
    }

    fn check(&self, connection: &Connection) -> Result<(), ConfigError> {
        validate_connection_name(&connection.name)?;
        if let Some(org) = &connection.organization {
            validate_org_name(org)?;
        }
        let incomplete = |problem: String| ConfigError::Incomplete {
            name: connection.name.clone(),
            problem,
        };
        let required = [
            ("base_url", &connection.base_url),
            ("api_version", &connection.api_version),
            ("project", &connection.project),
            ("project_id", &connection.project_id),
            ("process", &connection.process),
            ("work_item_type", &connection.work_item_type),
            ("area_path", &connection.area_path),
            ("iteration_path", &connection.iteration_path),
        ];
        if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
            return Err(incomplete(format!("{field} is empty")));
        }
        if connection.provider_key.deployment_mode() != connection.deployment_mode {
            return Err(incomplete(format!(
                "provider_key {} does not go with deployment_mode {}",
                connection.provider_key, connection.deployment_mode
            )));
        }
        if connection.provider_key == ProviderKey::AzureDevopsServices
            && connection.organization.is_none()
        {
            return Err(incomplete(
                "an Azure DevOps Services connection needs its organization".to_string(),
            ));
        }
        if let Some(other) = self.conflicting(connection) {
            return Err(ConfigError::TargetTaken {
                name: connection.name.clone(),
                existing: other.name.clone(),
                organization: connection.org_label().to_string(),
                project: connection.project.clone(),
            });
        }
        Ok(())
    }

    /// Adds a new connection. Fails if the name exists, or for any reason
    /// [`upsert`](Self::upsert) fails.
    pub fn insert(&mut self, connection: Connection) -> Result<(), ConfigError> {
        if self.position(&connection.name).is_some() {
            return Err(ConfigError::NameTaken {
                name: connection.name,
            });
        }
        self.upsert(connection).map(|_| ())
    }

    /// Adds a connection, or replaces the one with the same name (keeping its
    /// position and its unknown keys). Returns the replaced connection. Fails
    /// if a name rule is broken ([`ConfigError::Name`]), a required value is
    /// empty or provider and deployment disagree ([`ConfigError::Incomplete`]),
    /// or *another* connection targets the same organization+project
    /// ([`ConfigError::TargetTaken`]).
    pub fn upsert(&mut self, connection: Connection) -> Result<Option<Connection>, ConfigError> {
        self.check(&connection)?;
        match self.position(&connection.name) {
            Some(i) => Ok(Some(std::mem::replace(
                &mut self.connections[i].connection,
                connection,
            ))),
            None => {
                self.connections.push(Stored {
                    connection,
                    extra: toml::Table::new(),
                });
                Ok(None)
            }
        }
    }

    /// Removes and returns the connection with this name.
    pub fn remove(&mut self, name: &str) -> Option<Connection> {
        self.position(name)
            .map(|i| self.connections.remove(i).connection)
    }

    /// Unknown top-level keys that will be written back.
    pub fn unknown_keys(&self) -> &toml::Table {
        &self.extra
    }

    /// Unknown keys of one connection that will be written back.
    pub fn unknown_connection_keys(&self, name: &str) -> Option<&toml::Table> {
        self.position(name).map(|i| &self.connections[i].extra)
    }

    /// Renders the file content.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        #[derive(Serialize)]
        struct Out<'a> {
            schema: i64,
            #[serde(flatten)]
            extra: &'a toml::Table,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            connection: Vec<ConnOut<'a>>,
        }
        #[derive(Serialize)]
        struct ConnOut<'a> {
            #[serde(flatten)]
            connection: &'a Connection,
            #[serde(flatten)]
            extra: &'a toml::Table,
        }
        let out = Out {
            schema: SCHEMA_VERSION,
            extra: &self.extra,
            connection: self
                .connections
                .iter()
                .map(|s| ConnOut {
                    connection: &s.connection,
                    extra: &s.extra,
                })
                .collect(),
        };
        let body = toml::to_string(&out).map_err(|e| ConfigError::Encode(e.to_string()))?;
        Ok(format!(
            "# ado-setup connections. Secrets are never stored here.\n\
             # Edit with `ado-setup edit NAME`; unknown keys are kept.\n{body}"
        ))
    }

    /// Parses file content. `path` is used in error messages only.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let from_de = |e: toml::de::Error| de_error(text, path, e);

        // 1. Syntax.
        let mut raw: toml::Table = text.parse().map_err(from_de)?;

        // 2. Schema (a file without one is schema 1).
        check_schema(&raw, text, path)?;

        // 3. Types (with spans, so errors have line numbers).
        #[derive(Deserialize)]
        struct Typed {
            #[serde(default)]
            connection: Vec<Connection>,
        }
        let typed: Typed = toml::from_str(text).map_err(from_de)?;

        // 4. Names: valid and unique.
        check_names(text, path)?;

        // 5. Unknown keys.
        let raw_connections = match raw.remove("connection") {
            Some(toml::Value::Array(a)) => a,
            _ => Vec::new(),
        };
        raw.remove("schema");
        let mut connections = Vec::with_capacity(typed.connection.len());
        for (i, connection) in typed.connection.into_iter().enumerate() {
            let mut extra = match raw_connections.get(i) {
                Some(toml::Value::Table(t)) => t.clone(),
                _ => toml::Table::new(),
            };
            for key in CONNECTION_KEYS {
                extra.remove(*key);
            }
            connections.push(Stored { connection, extra });
        }
        Ok(Config {
            connections,
            extra: raw,
        })
    }
}

/// A config file that cannot be used, at `line` when known.
fn invalid(path: &Path, line: Option<usize>, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// A toml error as [`ConfigError::Invalid`], with its line and the key of
/// that line (toml's type errors do not name it).
fn de_error(text: &str, path: &Path, e: toml::de::Error) -> ConfigError {
    let line = e.span().map(|s| line_of(text, s.start));
    let message = e.message().trim().replace('\n', " ");
    // toml's type errors do not name the key: add the key of that line.
    let key = line
        .and_then(|l| text.lines().nth(l - 1))
        .and_then(key_of_line)
        .filter(|k| !message.contains(*k));
    let message = match key {
        Some(k) => format!("{k}: {message}"),
        None => message,
    };
    invalid(path, line, message)
}

/// The `schema` key: an integer from 1 to [`SCHEMA_VERSION`] (absent: 1).
fn check_schema(raw: &toml::Table, text: &str, path: &Path) -> Result<(), ConfigError> {
    let schema = match raw.get("schema") {
        None => 1,
        Some(toml::Value::Integer(n)) => *n,
        Some(_) => {
            let line = find_key_line(text, "schema");
            return Err(invalid(
                path,
                line,
                "`schema` must be an integer".to_string(),
            ));
        }
    };
    if schema > SCHEMA_VERSION {
        return Err(ConfigError::SchemaTooNew {
            path: path.to_path_buf(),
            found: schema,
            supported: SCHEMA_VERSION,
        });
    }
    if schema < 1 {
        let line = find_key_line(text, "schema");
        return Err(invalid(
            path,
            line,
            format!("`schema` must be {SCHEMA_VERSION}, found {schema}"),
        ));
    }
    Ok(())
}

/// Every connection name valid and used once (case-insensitively), or the
/// line of the first that is not.
fn check_names(text: &str, path: &Path) -> Result<(), ConfigError> {
    #[derive(Deserialize)]
    struct NameOnly {
        name: toml::Spanned<String>,
    }
    #[derive(Deserialize)]
    struct Names {
        #[serde(default)]
        connection: Vec<NameOnly>,
    }
    let names: Names = toml::from_str(text).map_err(|e| de_error(text, path, e))?;
    for (i, n) in names.connection.iter().enumerate() {
        let line = Some(line_of(text, n.name.span().start));
        validate_connection_name(n.name.get_ref())
            .map_err(|e| invalid(path, line, e.to_string()))?;
        if names.connection[..i]
            .iter()
            .any(|m| m.name.get_ref().eq_ignore_ascii_case(n.name.get_ref()))
        {
            return Err(invalid(
                path,
                line,
                format!(
                    "connection name {:?} is used more than once",
                    n.name.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

fn line_of(text: &str, byte: usize) -> usize {
    let end = byte.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The bare key of a `key = value` line, if the line is one.
fn key_of_line(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    .then_some(key)
}

fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

// ---------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------

/// The OS config dir for ado-setup (`~/.config/ado-setup` on Linux), if the
/// home directory is known.
pub fn default_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ado-setup").map(|p| p.config_dir().to_path_buf())
}

/// The config dir to use: `flag` (`--config-dir`, which clap already fills
/// from `ADO_SETUP_CONFIG_DIR`), else `ADO_SETUP_CONFIG_DIR`, else
/// [`default_config_dir`].
pub fn resolve_config_dir(flag: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    default_config_dir().ok_or(ConfigError::NoConfigDir)
}

/// What a successful [`ConfigStore::save`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    /// The file written.
    pub path: PathBuf,
    /// Where the previous, unparseable file was copied before it was replaced.
    pub backup: Option<PathBuf>,
    /// Privacy problems of the directory (never changed silently).
    pub warnings: Vec<PrivacyWarning>,
}

/// The config file in a config dir.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    dir: PathBuf,
    fail_at: Option<FailPoint>,
    before_save: Option<SaveHook>,
}

/// Test seam: run at the start of every save (to hold a save while a test
/// signals the process, say).
#[derive(Clone)]
struct SaveHook(std::sync::Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for SaveHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SaveHook")
    }
}

impl ConfigStore {
    /// The config file in `dir`. Does not touch the disk.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        ConfigStore {
            dir: dir.into(),
            fail_at: None,
            before_save: None,
        }
    }

    /// [`resolve_config_dir`] then [`ConfigStore::open`].
    pub fn resolve(flag: Option<&Path>) -> Result<Self, ConfigError> {
        resolve_config_dir(flag).map(Self::open)
    }

    /// Test seam: make the next saves fail at `at` (the previous file must
    /// stay intact).
    #[doc(hidden)]
    pub fn with_fail_point(mut self, at: FailPoint) -> Self {
        self.fail_at = Some(at);
        self
    }

    /// Test seam: run `hook` at the start of every save.
    #[doc(hidden)]
    pub fn with_save_hook(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.before_save = Some(SaveHook(std::sync::Arc::new(hook)));
        self
    }

    /// The config dir.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `DIR/config.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(CONFIG_FILE_NAME)
    }

    /// Reads the file. A missing file (or dir) is an empty config.
    pub fn load(&self) -> Result<Config, ConfigError> {
        let path = self.path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::from_toml(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::new()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(ConfigError::Invalid {
                path,
                line: None,
                message: "the file is not UTF-8 text".to_string(),
            }),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Writes `config` atomically (mode 0600; the dir is created 0700).
    ///
    /// If the file on disk has a newer schema, nothing is written
    /// ([`ConfigError::SchemaTooNew`]). If it does not parse, it is first
    /// copied to `config.toml.bak-<timestamp>` (returned in
    /// [`SaveOutcome::backup`]). On any error the previous file is intact.
    pub fn save(&self, config: &Config) -> Result<SaveOutcome, ConfigError> {
        if let Some(hook) = &self.before_save {
            (hook.0)();
        }
        let path = self.path();
        let text = config.to_toml()?;
        let write_err = |source| ConfigError::Write {
            path: path.clone(),
            source,
        };
        fsutil::ensure_private_dir(&self.dir).map_err(write_err)?;

        let mut backup = None;
        match std::fs::read(&path) {
            Ok(old) => {
                match std::str::from_utf8(&old)
                    .ok()
                    .map(|t| Config::from_toml(t, &path))
                {
                    Some(Ok(_)) => {}
                    Some(Err(e @ ConfigError::SchemaTooNew { .. })) => return Err(e),
                    Some(Err(_)) | None => {
                        backup = Some(self.backup_copy(&old).map_err(write_err)?);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ConfigError::Read { path, source }),
        }

        fsutil::write_atomic(&path, text.as_bytes(), self.fail_at).map_err(write_err)?;
        Ok(SaveOutcome {
            path: path.clone(),
            backup,
            warnings: self.privacy(),
        })
    }

    fn backup_copy(&self, old: &[u8]) -> std::io::Result<PathBuf> {
        let stamp = compact_utc(SystemTime::now());
        let mut n = 0u32;
        loop {
            let name = if n == 0 {
                format!("{CONFIG_FILE_NAME}.bak-{stamp}")
            } else {
                format!("{CONFIG_FILE_NAME}.bak-{stamp}-{n}")
            };
            let candidate = self.dir.join(name);
            match fsutil::write_new_private(&candidate, old) {
                Ok(()) => return Ok(candidate),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Privacy problems: the config dir or file accessible by other users
    /// (Unix). Reported, never changed silently.
    pub fn privacy(&self) -> Vec<PrivacyWarning> {
        [self.dir.clone(), self.path()]
            .iter()
            .filter_map(|p| fsutil::check_private(p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::Duration;

    fn at(secs: i64) -> SystemTime {
        if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs((-secs) as u64)
        }
    }

    #[test]
    fn rfc3339_known_timestamps() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
            (951_868_800, "2000-03-01T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (-86_400 * 365, "1969-01-01T00:00:00Z"),
        ];
        for (secs, want) in cases {
            assert_eq!(rfc3339_utc(at(secs)), want, "{secs}");
        }
        // Sub-second parts are truncated (towards the past).
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_millis(1_999)),
            "1970-01-01T00:00:01Z"
        );
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH - Duration::from_millis(500)),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(compact_utc(at(1_700_000_000)), "20231114T221320Z");
    }

    #[test]
    fn every_serialized_key_is_known() {
        let c = Connection {
            organization: Some("o".into()),
            tenant_id: Some("t".into()),
            client_id: Some("c".into()),
            user: Some(ConnectionUser::default()),
            assignee: Some("a".into()),
            field_defaults: [("a".to_string(), "b".to_string())].into(),
            allowlist_status: Some(AllowlistStatus::Direct),
            secret_ref: Some(SecretRef {
                store: super::super::secrets::SecretStoreKind::File,
                service: "s".into(),
                account: "a".into(),
            }),
            validated_at: Some("x".into()),
            ..Connection::default()
        };
        let table = toml::Table::try_from(&c).unwrap();
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        let mut known = CONNECTION_KEYS.to_vec();
        keys.sort_unstable();
        known.sort_unstable();
        assert_eq!(keys, known);
    }

    #[test]
    fn line_numbers() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
        assert_eq!(find_key_line("x = 1\n  schema = 'a'\n", "schema"), Some(2));
        assert_eq!(key_of_line("  api_version = 7.1"), Some("api_version"));
        assert_eq!(key_of_line("[connection.user]"), None);
        assert_eq!(key_of_line("\"quoted key\" = 1"), None);
    }
}

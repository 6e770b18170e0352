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
//!
//! This file is the connection itself; `file.rs` is the config file
//! ([`Config`], [`ConfigStore`], [`ConfigError`]), `names.rs` the name
//! rules, `priority.rs` the priority map, `time.rs` its timestamps.

/// Part of a connection's schema; measured by the network probes.
pub use crate::net::allowlist::AllowlistStatus;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use super::secrets::SecretRef;

mod file;
mod names;
mod priority;
mod time;

pub use file::{
    Config, ConfigError, ConfigStore, SaveOutcome, default_config_dir, resolve_config_dir,
};
pub use names::{
    NameError, NameKind, suggest_connection_name, validate_connection_name, validate_org_name,
};
pub use priority::{PriorityMap, PriorityMapError, Severity};
pub use time::{now_rfc3339, rfc3339_utc};

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

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
}

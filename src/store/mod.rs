//! Storage: the config file, the secret stores and the wizard's draft.
//!
//! - [`config`]: the [`Connection`] (SPEC §1) and `config.toml` ([`ConfigStore`]).
//! - [`secrets`]: where the secret lives ([`SecretStore`]; SPEC §8: never a
//!   silent downgrade, keyring calls off the runtime with a timeout).
//! - [`draft`]: an interrupted wizard's non-secret answers.
//!
//! Depends only on `net` (the allowlist status a connection records, the
//! organization-name rule); nothing here talks to Azure DevOps.

pub mod config;
pub mod draft;
pub(crate) mod fsutil;
pub mod secrets;

#[doc(hidden)]
pub use fsutil::FailPoint;
pub use fsutil::{PrivacyWarning, check_private};

pub use config::{
    Access, AllowlistStatus, AuthMethod, Config, ConfigError, ConfigStore, Connection,
    ConnectionUser, DeploymentMode, NameError, NameKind, PriorityMap, PriorityMapError,
    ProviderKey, SaveOutcome, SecretRef, Severity, default_config_dir, now_rfc3339,
    resolve_config_dir, rfc3339_utc, validate_connection_name, validate_org_name,
};
pub use secrets::{SecretError, SecretKey, SecretStore, SecretStoreKind};

//! Where the secret (PAT or refresh token) lives — SPEC §8.
//!
//! - [`SecretStoreKind::Keyring`]: the OS keyring through `keyring-core`
//!   (Linux: Secret Service over D-Bus; macOS: Keychain; Windows: Credential
//!   Manager).
//! - [`SecretStoreKind::Keyutils`]: the Linux kernel keyring (lost on reboot).
//! - [`SecretStoreKind::File`]: `secrets.toml` in the config dir, plain text,
//!   mode 0600, written atomically.
//! - [`SecretStoreKind::None`]: nothing stored; the integration reads
//!   `AZURE_DEVOPS_EXT_PAT` at run time.
//!
//! `--secret-store auto` means the OS keyring *if it passes a round trip*;
//! otherwise [`SecretStore::open`] fails with [`SecretError::Unavailable`] and
//! the caller asks the user (TUI) or stops (non-interactive). There is never a
//! silent fallback to a weaker store.
//!
//! Every store call runs off the async runtime, under a timeout (default
//! 3 s), so a hung D-Bus never freezes the UI. A keyring (OS or kernel) is
//! owned by one dedicated thread of its own (`keyring.rs`) from its creation
//! to its drop: the Secret Service store holds a blocking zbus
//! connection whose drop calls `block_on`, which panics on a tokio thread
//! ("Cannot start a runtime from within a runtime"), so nothing zbus makes
//! may be created, used or dropped on the runtime. Plain threads are used
//! rather than `tokio::task::spawn_blocking`: those run inside the runtime's
//! context, a hung blocking task cannot be cancelled, and the runtime waits
//! for it at shutdown, which would turn a hung keyring into a hung exit.
//!
//! Nothing here logs or formats a secret: secrets are [`SecretString`]s and
//! error messages never contain them.
//!
//! This file is the choice of store and the calls every store answers
//! ([`SecretStore`]); `keyring.rs` holds the keyrings and the calls off the
//! runtime, `file.rs` the file store.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyring_core::CredentialStore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::fsutil::{self, PrivacyWarning};

mod file;
mod keyring;

use file::{file_read, file_update};
use keyring::{
    KeyringThread, one_line, open_keyutils, open_os_keyring, os_keyring_description, run_blocking,
};

/// Where a new secret goes (`--secret-store`, the wizard's store choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStoreChoice {
    /// The OS keyring when it passes a write/read/delete test.
    Auto,
    /// The OS keyring only.
    Keyring,
    /// The Linux kernel keyring.
    Keyutils,
    /// A 0600 file in the config dir.
    File,
    /// No stored secret.
    None,
}

impl SecretStoreChoice {
    /// Every choice, in the order offered.
    pub const ALL: [SecretStoreChoice; 5] = [
        SecretStoreChoice::Auto,
        SecretStoreChoice::Keyring,
        SecretStoreChoice::Keyutils,
        SecretStoreChoice::File,
        SecretStoreChoice::None,
    ];

    /// The choice as typed (`--secret-store auto`).
    pub fn name(self) -> &'static str {
        match self {
            SecretStoreChoice::Auto => "auto",
            SecretStoreChoice::Keyring => "keyring",
            SecretStoreChoice::Keyutils => "keyutils",
            SecretStoreChoice::File => "file",
            SecretStoreChoice::None => "none",
        }
    }

    /// What the choice means, in one line.
    pub fn help(self) -> &'static str {
        match self {
            SecretStoreChoice::Auto => {
                "The OS keyring when it passes a write/read/delete test; otherwise stop and say how to choose"
            }
            SecretStoreChoice::Keyring => {
                "The OS keyring only (Secret Service, Keychain, Credential Manager)"
            }
            SecretStoreChoice::Keyutils => "The Linux kernel keyring (lost on reboot)",
            SecretStoreChoice::File => "A 0600 file in the config dir (plain text)",
            SecretStoreChoice::None => {
                "Do not store the secret; supply AZURE_DEVOPS_EXT_PAT at run time"
            }
        }
    }
}

/// Keyring service name of every ado-setup secret.
pub const SERVICE: &str = "ado-setup";
/// Account used by [`SecretStore::round_trip`]. It can never be a connection
/// name (those have no underscores).
pub const PROBE_ACCOUNT: &str = "__ado-setup-probe__";
/// Default timeout of one store call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// File name of the file store inside the config dir.
pub const SECRETS_FILE_NAME: &str = "secrets.toml";
/// The environment variable that supplies the PAT when nothing is stored.
pub const PAT_ENV: &str = "AZURE_DEVOPS_EXT_PAT";

/// Which store holds a secret (`secret_ref.store` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretStoreKind {
    /// The OS keyring.
    Keyring,
    /// The Linux kernel keyring (lost on reboot).
    Keyutils,
    /// A plain-text 0600 file in the config dir.
    File,
    /// Not stored: `AZURE_DEVOPS_EXT_PAT` at run time.
    None,
}

impl SecretStoreKind {
    /// The kind as written in the config file and accepted by `--secret-store`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStoreKind::Keyring => "keyring",
            SecretStoreKind::Keyutils => "keyutils",
            SecretStoreKind::File => "file",
            SecretStoreKind::None => "none",
        }
    }

    /// Short human name, e.g. "the OS keyring".
    pub fn label(self) -> &'static str {
        match self {
            SecretStoreKind::Keyring => "the OS keyring",
            SecretStoreKind::Keyutils => "the kernel keyring",
            SecretStoreKind::File => "the secrets file",
            SecretStoreKind::None => "no secret store",
        }
    }

    /// The explicit `--secret-store` choice that opens this kind.
    pub fn choice(self) -> SecretStoreChoice {
        match self {
            SecretStoreKind::Keyring => SecretStoreChoice::Keyring,
            SecretStoreKind::Keyutils => SecretStoreChoice::Keyutils,
            SecretStoreKind::File => SecretStoreChoice::File,
            SecretStoreKind::None => SecretStoreChoice::None,
        }
    }
}

impl fmt::Display for SecretStoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<SecretStoreKind> for SecretStoreChoice {
    fn from(kind: SecretStoreKind) -> Self {
        kind.choice()
    }
}

/// The fix shared by every "this store does not work" error: how to choose
/// another store explicitly, and what each one means.
pub fn alternatives_fix() -> String {
    let mut s = String::from("Choose another store explicitly:");
    if cfg!(target_os = "linux") {
        s.push_str(
            "\n  --secret-store keyutils  the Linux kernel keyring: private to you, \
             but lost on reboot (re-run `ado-setup edit NAME` after a reboot)",
        );
    }
    s.push_str(
        "\n  --secret-store file      a plain-text file in the config dir, \
         readable only by you (mode 0600)",
    );
    s.push_str(&format!(
        "\n  --secret-store none      store nothing: set {PAT_ENV} when the integration runs"
    ));
    s
}

/// A secret store that cannot do what was asked. Every variant has the code
/// `SECRET_STORE_UNAVAILABLE`; no message ever contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No usable store for the choice (auto: the OS keyring failed its round
    /// trip; keyring/keyutils: cannot be opened here).
    #[error("no usable secret store: {why}")]
    Unavailable {
        /// One line: why.
        why: String,
    },
    /// A store call did not finish in time (a hung D-Bus, an unlock prompt
    /// nobody answers).
    #[error("{} did not answer within {} ms ({op})", store.label(), after.as_millis())]
    Timeout {
        /// The store.
        store: SecretStoreKind,
        /// What was being done: "open", "write", "read", "delete".
        op: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// A store call failed.
    #[error("cannot {op} the secret in {}: {message}", store.label())]
    Failed {
        /// The store.
        store: SecretStoreKind,
        /// "write", "read" or "delete".
        op: &'static str,
        /// One line from the store (never the secret).
        message: String,
    },
    /// The round trip read back something else than it wrote.
    #[error("{} returned a different value than was written", store.label())]
    Mismatch {
        /// The store.
        store: SecretStoreKind,
    },
    /// The `none` store was asked to hold a secret.
    #[error(
        "the secret store is `none`: ado-setup keeps no secret; \
         set {PAT_ENV} when the integration runs"
    )]
    NotStored,
    /// A [`SecretRef`] of another store was given.
    #[error("the secret is kept in {} but {} was opened", expected.label(), actual.label())]
    WrongStore {
        /// The store the reference names.
        expected: SecretStoreKind,
        /// The store that was opened.
        actual: SecretStoreKind,
    },
}

impl SecretError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "SECRET_STORE_UNAVAILABLE"
    }

    /// What to do.
    pub fn fix(&self) -> String {
        match self {
            SecretError::Unavailable { .. } | SecretError::Mismatch { .. } => {
                format!("{}\n{}", keyring_advice(), alternatives_fix())
            }
            SecretError::Timeout { store, .. } => {
                let first = match store {
                    SecretStoreKind::Keyring => {
                        "The keyring service may be hung or waiting for an unlock prompt on \
                         another screen: unlock it (or restart it) and try again."
                    }
                    _ => "The store did not respond; try again.",
                };
                format!("{first}\n{}", alternatives_fix())
            }
            SecretError::Failed { store, .. } => match store {
                SecretStoreKind::File => format!(
                    "Make sure the config dir and {SECRETS_FILE_NAME} in it belong to you \
                     and are writable (chmod 700 DIR; chmod 600 DIR/{SECRETS_FILE_NAME}).\n{}",
                    alternatives_fix()
                ),
                _ => format!("{}\n{}", keyring_advice(), alternatives_fix()),
            },
            SecretError::NotStored => format!(
                "Set {PAT_ENV} in the environment of the integration, or store the secret \
                 with --secret-store keyring, keyutils or file"
            ),
            SecretError::WrongStore { expected, .. } => format!(
                "Open it with --secret-store {expected}, or run `ado-setup edit NAME` to \
                 store the secret again"
            ),
        }
    }
}

fn keyring_advice() -> &'static str {
    if cfg!(target_os = "linux") {
        "The OS keyring needs a Secret Service provider (GNOME Keyring or KWallet) running \
         and unlocked in this session; over SSH there usually is none."
    } else if cfg!(target_os = "macos") {
        "Unlock the login keychain (Keychain Access) and allow ado-setup access."
    } else if cfg!(target_os = "windows") {
        "Check that Credential Manager is available for this user."
    } else {
        "This platform has no supported OS keyring."
    }
}

/// What identifies a secret: a connection name (`&str`) or a [`SecretRef`].
pub trait SecretKey {
    /// The account: the connection name.
    fn account(&self) -> &str;
    /// The keyring service, if the key names one (else the store's).
    fn service(&self) -> Option<&str> {
        None
    }
    /// The store the key belongs to, if it names one.
    fn store(&self) -> Option<SecretStoreKind> {
        None
    }
}

impl SecretKey for str {
    fn account(&self) -> &str {
        self
    }
}

impl SecretKey for String {
    fn account(&self) -> &str {
        self
    }
}

impl SecretKey for SecretRef {
    fn account(&self) -> &str {
        &self.account
    }
    fn service(&self) -> Option<&str> {
        Some(&self.service)
    }
    fn store(&self) -> Option<SecretStoreKind> {
        Some(self.store)
    }
}

#[derive(Clone)]
enum Backend {
    Keyring(KeyringThread),
    File(PathBuf),
    None,
}

/// An opened secret store. Cheap to clone.
#[derive(Clone)]
pub struct SecretStore {
    kind: SecretStoreKind,
    backend: Backend,
    service: String,
    timeout: Duration,
    label: Option<String>,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("kind", &self.kind)
            .field("service", &self.service)
            .field("timeout", &self.timeout)
            .field("describe", &self.describe())
            .finish()
    }
}

impl SecretStore {
    /// Opens the store the user chose. `config_dir` is where the file store
    /// keeps `secrets.toml`.
    ///
    /// - `auto`: the OS keyring, after a successful [`round_trip`](Self::round_trip);
    ///   otherwise [`SecretError::Unavailable`] (never a fallback).
    /// - `keyring`, `keyutils`: opened, not yet tested (call `round_trip`
    ///   before asking for the secret); [`SecretError::Unavailable`] when they
    ///   do not exist here.
    /// - `file`, `none`: always open; nothing is written until `set`.
    pub async fn open(choice: SecretStoreChoice, config_dir: &Path) -> Result<Self, SecretError> {
        Self::open_with(choice, config_dir, None, DEFAULT_TIMEOUT).await
    }

    /// [`open`](Self::open) with a timeout per call and, for tests and the
    /// demo, a credential store that stands in for the OS keyring (used by
    /// `auto` and `keyring`).
    pub async fn open_with(
        choice: SecretStoreChoice,
        config_dir: &Path,
        os_keyring: Option<Arc<CredentialStore>>,
        timeout: Duration,
    ) -> Result<Self, SecretError> {
        match choice {
            SecretStoreChoice::Auto | SecretStoreChoice::Keyring => {
                let thread = match os_keyring {
                    Some(s) => KeyringThread::adopt(s, SecretStoreKind::Keyring),
                    None => open_os_keyring(timeout).await?,
                };
                let store = Self::on_thread(thread, SecretStoreKind::Keyring).with_timeout(timeout);
                if choice == SecretStoreChoice::Auto {
                    store
                        .round_trip()
                        .await
                        .map_err(|e| SecretError::Unavailable {
                            why: format!("the OS keyring failed its write/read/delete test: {e}"),
                        })?;
                }
                Ok(store)
            }
            SecretStoreChoice::Keyutils => Ok(Self::on_thread(
                open_keyutils(timeout).await?,
                SecretStoreKind::Keyutils,
            )
            .with_timeout(timeout)),
            SecretStoreChoice::File => Ok(Self::file(config_dir).with_timeout(timeout)),
            SecretStoreChoice::None => Ok(Self::none()),
        }
    }

    /// [`open`](Self::open), refusing the weaker stores (keyutils, file,
    /// none) when `require_secure` (`--require-secure-storage`).
    pub async fn open_checked(
        choice: SecretStoreChoice,
        config_dir: &Path,
        require_secure: bool,
    ) -> Result<Self, SecretError> {
        if require_secure
            && matches!(
                choice,
                SecretStoreChoice::Keyutils | SecretStoreChoice::File | SecretStoreChoice::None
            )
        {
            return Err(SecretError::Unavailable {
                why: format!(
                    "--require-secure-storage refuses --secret-store {}",
                    format!("{choice:?}").to_lowercase()
                ),
            });
        }
        Self::open(choice, config_dir).await
    }

    /// Opens the store a saved connection's [`SecretRef`] names (explicitly,
    /// never `auto`), with its service name.
    pub async fn open_ref(secret_ref: &SecretRef, config_dir: &Path) -> Result<Self, SecretError> {
        let store = Self::open(secret_ref.store.choice(), config_dir).await?;
        Ok(store.with_service(&secret_ref.service))
    }

    /// A store over any keyring-core credential store, reported as `kind`.
    /// For tests (keyring-core's `mock`, fault-injecting stores) and for
    /// callers that build their own store.
    pub fn with_credential_store(store: Arc<CredentialStore>, kind: SecretStoreKind) -> Self {
        Self::on_thread(KeyringThread::adopt(store, kind), kind)
    }

    fn on_thread(thread: KeyringThread, kind: SecretStoreKind) -> Self {
        SecretStore {
            kind,
            backend: Backend::Keyring(thread),
            service: SERVICE.to_string(),
            timeout: DEFAULT_TIMEOUT,
            label: None,
        }
    }

    /// An in-memory keyring (keyring-core's mock store), forgotten when the
    /// process exits: for tests and the demo's temporary secret store. Never
    /// a choice for real connections.
    pub fn mock() -> Result<Self, SecretError> {
        let store = keyring_core::mock::Store::new().map_err(|e| SecretError::Unavailable {
            why: one_line(&e.to_string()),
        })?;
        let mut s = Self::with_credential_store(store, SecretStoreKind::Keyring);
        s.label = Some("an in-memory keyring (forgotten when ado-setup exits)".to_string());
        Ok(s)
    }

    /// The plain-text file store: `config_dir/secrets.toml`, mode 0600.
    pub fn file(config_dir: &Path) -> Self {
        SecretStore {
            kind: SecretStoreKind::File,
            backend: Backend::File(config_dir.join(SECRETS_FILE_NAME)),
            service: SERVICE.to_string(),
            timeout: DEFAULT_TIMEOUT,
            label: None,
        }
    }

    /// The store that keeps nothing.
    pub fn none() -> Self {
        SecretStore {
            kind: SecretStoreKind::None,
            backend: Backend::None,
            service: SERVICE.to_string(),
            timeout: DEFAULT_TIMEOUT,
            label: None,
        }
    }

    /// Sets the timeout of each store call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses another keyring service name (default `ado-setup`).
    pub fn with_service(mut self, service: &str) -> Self {
        self.service = service.to_string();
        self
    }

    /// Which store this is.
    pub fn kind(&self) -> SecretStoreKind {
        self.kind
    }

    /// The keyring service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The timeout of each call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The secrets file, for the file store.
    pub fn file_path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::File(p) => Some(p),
            _ => None,
        }
    }

    /// One line for humans: where the secret is (or is not) kept.
    pub fn describe(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        match (&self.backend, self.kind) {
            (Backend::File(p), _) => {
                format!("a plain-text file readable only by you: {}", p.display())
            }
            (Backend::None, _) => format!("not stored: set {PAT_ENV}"),
            (Backend::Keyring(_), SecretStoreKind::Keyutils) => {
                "the kernel keyring (lost on reboot)".to_string()
            }
            (Backend::Keyring(_), _) => os_keyring_description().to_string(),
        }
    }

    /// The reference to save in the connection for `account` (the
    /// connection name). Never the secret.
    pub fn secret_ref(&self, account: &str) -> SecretRef {
        SecretRef {
            store: self.kind,
            service: self.service.clone(),
            account: account.to_string(),
        }
    }

    /// Privacy problems of the secrets file (file store, Unix): reported,
    /// never changed silently.
    pub fn privacy(&self) -> Vec<PrivacyWarning> {
        match &self.backend {
            Backend::File(p) => {
                let mut v: Vec<PrivacyWarning> = p
                    .parent()
                    .and_then(fsutil::check_private)
                    .into_iter()
                    .collect();
                v.extend(fsutil::check_private(p));
                v
            }
            _ => Vec::new(),
        }
    }

    /// Proves the store works: writes a probe entry, reads it back, compares,
    /// deletes it. The `none` store has nothing to prove and passes.
    pub async fn round_trip(&self) -> Result<(), SecretError> {
        if matches!(self.backend, Backend::None) {
            return Ok(());
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let probe = SecretString::from(format!("probe-{}-{nanos}", std::process::id()));
        self.set(PROBE_ACCOUNT, &probe).await?;
        let read = self.get(PROBE_ACCOUNT).await;
        let deleted = self.delete(PROBE_ACCOUNT).await;
        match read? {
            Some(v) if v.expose_secret() == probe.expose_secret() => {}
            _ => return Err(SecretError::Mismatch { store: self.kind }),
        }
        deleted.map(|_| ())
    }

    fn resolve<K: SecretKey + ?Sized>(&self, key: &K) -> Result<(String, String), SecretError> {
        if key.account().is_empty() {
            return Err(SecretError::Failed {
                store: self.kind,
                op: "find",
                message: "no account name (the connection name is empty)".to_string(),
            });
        }
        if let Some(store) = key.store()
            && store != self.kind
        {
            return Err(SecretError::WrongStore {
                expected: store,
                actual: self.kind,
            });
        }
        let service = key.service().unwrap_or(&self.service).to_string();
        Ok((service, key.account().to_string()))
    }

    /// Stores `secret` for `key` (a connection name or its [`SecretRef`]),
    /// replacing any previous one. The `none` store refuses
    /// ([`SecretError::NotStored`]).
    pub async fn set<K: SecretKey + ?Sized>(
        &self,
        key: &K,
        secret: &SecretString,
    ) -> Result<(), SecretError> {
        let (service, account) = self.resolve(key)?;
        let secret = SecretString::from(secret.expose_secret().to_owned());
        let kind = self.kind;
        match &self.backend {
            Backend::None => Err(SecretError::NotStored),
            Backend::Keyring(thread) => {
                thread
                    .with_entry(kind, "write", self.timeout, (service, account), move |e| {
                        e.set_password(secret.expose_secret())
                    })
                    .await
            }
            Backend::File(path) => {
                let path = path.clone();
                run_blocking(kind, "write", self.timeout, move || {
                    file_update(&path, |map| {
                        map.entry(service).or_default().insert(account, secret);
                        true
                    })
                    .map(|_| ())
                })
                .await
            }
        }
    }

    /// The secret for `key`, or `None` when there is none (always `None` for
    /// the `none` store: the caller reads `AZURE_DEVOPS_EXT_PAT`).
    pub async fn get<K: SecretKey + ?Sized>(
        &self,
        key: &K,
    ) -> Result<Option<SecretString>, SecretError> {
        let (service, account) = self.resolve(key)?;
        let kind = self.kind;
        match &self.backend {
            Backend::None => Ok(None),
            Backend::Keyring(thread) => {
                thread
                    .with_entry(kind, "read", self.timeout, (service, account), |e| match e
                        .get_password()
                    {
                        Ok(p) => Ok(Some(SecretString::from(p))),
                        Err(keyring_core::Error::NoEntry) => Ok(None),
                        Err(e) => Err(e),
                    })
                    .await
            }
            Backend::File(path) => {
                let path = path.clone();
                run_blocking(kind, "read", self.timeout, move || {
                    let mut map = file_read(&path)?;
                    Ok(map
                        .get_mut(&service)
                        .and_then(|accounts| accounts.remove(&account)))
                })
                .await
            }
        }
    }

    /// Deletes the secret for `key`. Returns whether there was one.
    pub async fn delete<K: SecretKey + ?Sized>(&self, key: &K) -> Result<bool, SecretError> {
        let (service, account) = self.resolve(key)?;
        let kind = self.kind;
        match &self.backend {
            Backend::None => Ok(false),
            Backend::Keyring(thread) => {
                thread
                    .with_entry(
                        kind,
                        "delete",
                        self.timeout,
                        (service, account),
                        |e| match e.delete_credential() {
                            Ok(()) => Ok(true),
                            Err(keyring_core::Error::NoEntry) => Ok(false),
                            Err(e) => Err(e),
                        },
                    )
                    .await
            }
            Backend::File(path) => {
                let path = path.clone();
                run_blocking(kind, "delete", self.timeout, move || {
                    file_update(&path, |map| {
                        let removed = map
                            .get_mut(&service)
                            .is_some_and(|accounts| accounts.remove(&account).is_some());
                        map.retain(|_, accounts| !accounts.is_empty());
                        removed
                    })
                })
                .await
            }
        }
    }
}

/// Where the secret of a connection is kept. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// The store that holds it.
    pub store: SecretStoreKind,
    /// Keyring service name (`ado-setup`).
    pub service: String,
    /// Keyring account: the connection name.
    pub account: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fixes_name_the_alternatives() {
        let fix = SecretError::Unavailable { why: "x".into() }.fix();
        assert!(fix.contains("--secret-store file"));
        assert!(fix.contains("--secret-store none"));
        assert!(fix.contains(PAT_ENV));
        if cfg!(target_os = "linux") {
            assert!(fix.contains("--secret-store keyutils"));
            assert!(fix.contains("lost on reboot"));
        }
    }
}

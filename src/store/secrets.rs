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
//! owned by one dedicated thread of its own ([`KeyringThread`]) from its
//! creation to its drop: the Secret Service store holds a blocking zbus
//! connection whose drop calls `block_on`, which panics on a tokio thread
//! ("Cannot start a runtime from within a runtime"), so nothing zbus makes
//! may be created, used or dropped on the runtime. Plain threads are used
//! rather than `tokio::task::spawn_blocking`: those run inside the runtime's
//! context, a hung blocking task cannot be cancelled, and the runtime waits
//! for it at shutdown, which would turn a hung keyring into a hung exit.
//!
//! Nothing here logs or formats a secret: secrets are [`SecretString`]s and
//! error messages never contain them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyring_core::CredentialStore;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::fsutil::{self, PrivacyWarning};

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

// ---------------------------------------------------------------------------
// Running store calls off the runtime
// ---------------------------------------------------------------------------

/// One call on a keyring's own thread.
type KeyringJob = Box<dyn FnOnce(&CredentialStore) + Send>;

/// A keyring owned by a thread of its own: created there (or handed to it),
/// used only there, and dropped there when the last handle is gone. Calls
/// are queued to it and awaited under a timeout; a call that hangs holds
/// the thread (later calls time out too), never the caller or the exit.
#[derive(Clone)]
struct KeyringThread {
    jobs: std::sync::mpsc::Sender<KeyringJob>,
}

impl KeyringThread {
    /// Starts the thread and makes the store on it with `make`; the answer
    /// says whether it could.
    fn start<M>(
        kind: SecretStoreKind,
        make: M,
    ) -> (
        KeyringThread,
        tokio::sync::oneshot::Receiver<Result<(), SecretError>>,
    )
    where
        M: FnOnce() -> Result<Arc<CredentialStore>, SecretError> + Send + 'static,
    {
        let (jobs, queue) = std::sync::mpsc::channel::<KeyringJob>();
        let (opened_tx, opened) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name(format!("ado-setup-{}", kind.as_str()))
            .spawn(move || {
                let store = match make() {
                    Ok(store) => {
                        let _ = opened_tx.send(Ok(()));
                        store
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = queue.recv() {
                    job(&*store);
                }
                // Every handle is gone: the store is dropped here, on its
                // own thread, never on the runtime.
                drop(store);
            });
        // Without a thread the queue's receiver is gone: every call answers
        // "not running" instead of hanging.
        if let Err(e) = spawned {
            tracing::debug!("cannot start the {} thread: {e}", kind.as_str());
        }
        (KeyringThread { jobs }, opened)
    }

    /// A thread for a store made elsewhere (tests, the demo's mock store).
    fn adopt(store: Arc<CredentialStore>, kind: SecretStoreKind) -> KeyringThread {
        Self::start(kind, move || Ok(store)).0
    }

    /// Runs `f` with the store on its thread, waiting at most `timeout`.
    async fn call<T, F>(
        &self,
        store: SecretStoreKind,
        op: &'static str,
        timeout: Duration,
        f: F,
    ) -> Result<T, SecretError>
    where
        T: Send + 'static,
        F: FnOnce(&CredentialStore) -> Result<T, SecretError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: KeyringJob = Box::new(move |credentials: &CredentialStore| {
            let _ = tx.send(f(credentials));
        });
        if self.jobs.send(job).is_err() {
            return Err(SecretError::Failed {
                store,
                op,
                message: "the store's thread is not running".to_string(),
            });
        }
        await_answer(store, op, timeout, rx).await
    }

    /// Runs `f` on the entry of (service, account), built on the thread;
    /// errors of either are said with [`keyring_error`].
    async fn with_entry<T, F>(
        &self,
        store: SecretStoreKind,
        op: &'static str,
        timeout: Duration,
        (service, account): (String, String),
        f: F,
    ) -> Result<T, SecretError>
    where
        T: Send + 'static,
        F: FnOnce(&keyring_core::Entry) -> keyring_core::Result<T> + Send + 'static,
    {
        self.call(store, op, timeout, move |credentials| {
            let entry = credentials
                .build(&service, &account, None)
                .map_err(|e| keyring_error(store, op, e))?;
            f(&entry).map_err(|e| keyring_error(store, op, e))
        })
        .await
    }
}

/// Waits at most `timeout` for the answer of a call made off the runtime.
async fn await_answer<T>(
    store: SecretStoreKind,
    op: &'static str,
    timeout: Duration,
    rx: tokio::sync::oneshot::Receiver<Result<T, SecretError>>,
) -> Result<T, SecretError> {
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(SecretError::Failed {
            store,
            op,
            message: "the store crashed during the call".to_string(),
        }),
        Err(_) => Err(SecretError::Timeout {
            store,
            op,
            after: timeout,
        }),
    }
}

/// Runs `f` on a detached thread and waits for it at most `timeout`. A call
/// that hangs keeps its thread, but never the caller or the process exit.
async fn run_blocking<T, F>(
    store: SecretStoreKind,
    op: &'static str,
    timeout: Duration,
    f: F,
) -> Result<T, SecretError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, SecretError> + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("ado-setup-secret-{op}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| SecretError::Failed {
            store,
            op,
            message: format!("cannot start a worker thread: {e}"),
        })?;
    await_answer(store, op, timeout, rx).await
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A platform failure in words: the D-Bus faults an admin meets (no
/// session bus, no Secret Service on it) instead of zbus's own text.
fn platform_words(inner: &str) -> String {
    let line = one_line(inner);
    if line.contains("ServiceUnknown") || line.contains("was not provided by any") {
        return "no Secret Service provider (GNOME Keyring, KWallet) is running on this \
                D-Bus session"
            .to_string();
    }
    if let Some(rest) = line.split("Failed to connect to address `").nth(1) {
        let address = rest.split('`').next().unwrap_or_default();
        return format!(
            "no D-Bus session bus answers at {address} (DBUS_SESSION_BUS_ADDRESS; an SSH \
             login or a service usually has none)"
        );
    }
    if line.contains("DBUS_SESSION_BUS_ADDRESS") || line.contains("session bus") {
        return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset; an SSH login or a \
                service usually has none)"
            .to_string();
    }
    line.trim_start_matches("zbus error: ").to_string()
}

/// Maps a keyring-core error to a message that never holds secret data
/// (some variants carry the raw bytes, and the mock's `Debug` shows them).
fn keyring_error(store: SecretStoreKind, op: &'static str, e: keyring_core::Error) -> SecretError {
    use keyring_core::Error as E;
    let message = match &e {
        E::NoStorageAccess(inner) if store == SecretStoreKind::Keyutils => format!(
            "the kernel refused access ({}); containers often block the keyctl calls",
            one_line(&inner.to_string())
        ),
        E::NoStorageAccess(inner) if inner.to_string().contains("prompt dismissed") => {
            "the keyring is locked, and its unlock prompt was dismissed or could not be shown \
             (no desktop session)"
                .to_string()
        }
        E::NoStorageAccess(inner) => format!(
            "access denied or the keyring is locked ({})",
            one_line(&inner.to_string())
        ),
        E::PlatformFailure(inner) => platform_words(&inner.to_string()),
        E::NoEntry => "no such entry".to_string(),
        E::BadEncoding(_) => "the stored secret is not UTF-8 text".to_string(),
        E::BadDataFormat(_, _) => "the stored secret is malformed".to_string(),
        E::BadStoreFormat(why) => format!("the store is malformed: {}", one_line(why)),
        E::TooLong(what, max) => format!("{what} is longer than the store allows ({max})"),
        E::Invalid(what, why) => format!("invalid {what}: {}", one_line(why)),
        E::Ambiguous(items) => format!("{} entries match; remove the extra ones", items.len()),
        E::NoDefaultStore => "no credential store".to_string(),
        E::NotSupportedByStore(why) => format!("not supported: {}", one_line(why)),
        _ => "unexpected keyring error".to_string(),
    };
    SecretError::Failed { store, op, message }
}

fn os_keyring_description() -> &'static str {
    if cfg!(target_os = "linux") {
        "the Secret Service keyring (GNOME Keyring / KWallet)"
    } else if cfg!(target_os = "macos") {
        "the macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "the Windows Credential Manager"
    } else {
        "the OS keyring"
    }
}

#[cfg(target_os = "linux")]
fn new_os_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn new_os_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn new_os_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn new_os_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "this platform has no supported OS keyring".to_string(),
    ))
}

/// Starts the OS keyring's thread and connects there (on Linux: to the
/// D-Bus session bus), waiting at most `timeout`.
async fn open_os_keyring(timeout: Duration) -> Result<KeyringThread, SecretError> {
    let kind = SecretStoreKind::Keyring;
    open_on_thread(kind, timeout, move || {
        new_os_keyring().map_err(|e| keyring_error(kind, "open", e))
    })
    .await
    .map_err(|e| SecretError::Unavailable {
        why: match e {
            SecretError::Failed { message, .. } => {
                format!("cannot open {}: {message}", os_keyring_description())
            }
            other => other.to_string(),
        },
    })
}

/// Starts the kernel keyring's thread and opens it there.
async fn open_keyutils(timeout: Duration) -> Result<KeyringThread, SecretError> {
    open_on_thread(SecretStoreKind::Keyutils, timeout, new_keyutils).await
}

async fn open_on_thread<M>(
    kind: SecretStoreKind,
    timeout: Duration,
    make: M,
) -> Result<KeyringThread, SecretError>
where
    M: FnOnce() -> Result<Arc<CredentialStore>, SecretError> + Send + 'static,
{
    let (thread, opened) = KeyringThread::start(kind, make);
    await_answer(kind, "open", timeout, opened).await?;
    Ok(thread)
}

#[cfg(target_os = "linux")]
fn new_keyutils() -> Result<Arc<CredentialStore>, SecretError> {
    let store: Arc<CredentialStore> =
        linux_keyutils_keyring_store::Store::new().map_err(|e| SecretError::Unavailable {
            why: format!(
                "cannot open the kernel keyring: {}",
                one_line(&e.to_string())
            ),
        })?;
    Ok(store)
}

#[cfg(not(target_os = "linux"))]
fn new_keyutils() -> Result<Arc<CredentialStore>, SecretError> {
    Err(SecretError::Unavailable {
        why: "the kernel keyring (keyutils) exists only on Linux".to_string(),
    })
}

// ---------------------------------------------------------------------------
// The file store
// ---------------------------------------------------------------------------

/// service → account → secret.
type SecretMap = BTreeMap<String, BTreeMap<String, SecretString>>;

fn file_failed(op: &'static str, message: String) -> SecretError {
    SecretError::Failed {
        store: SecretStoreKind::File,
        op,
        message,
    }
}

/// Reads the secrets file; a missing file is empty. Error messages carry the
/// line number only, never the text (which holds secrets).
fn file_read(path: &Path) -> Result<SecretMap, SecretError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SecretMap::new()),
        Err(e) => return Err(file_failed("read", format!("{}: {e}", path.display()))),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(file_failed(
            "read",
            format!("{} is not UTF-8 text", path.display()),
        ));
    };
    let invalid = |line: Option<usize>| {
        let at = line.map(|l| format!(" at line {l}")).unwrap_or_default();
        file_failed(
            "read",
            format!(
                "{} is not a valid ado-setup secrets file{at}; it was left unchanged",
                path.display()
            ),
        )
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        invalid(e.span().map(|s| {
            text.as_bytes()[..s.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        }))
    })?;
    let mut map = SecretMap::new();
    for (service, value) in table {
        match value {
            toml::Value::Integer(_) if service == "schema" => {}
            toml::Value::Table(accounts) => {
                let mut out = BTreeMap::new();
                for (account, value) in accounts {
                    match value {
                        toml::Value::String(s) => {
                            out.insert(account, SecretString::from(s));
                        }
                        _ => return Err(invalid(None)),
                    }
                }
                map.insert(service, out);
            }
            _ => return Err(invalid(None)),
        }
    }
    Ok(map)
}

/// TOML basic string, written straight into a zeroizing buffer.
fn push_toml_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render(map: &SecretMap) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(256));
    out.push_str(
        "# ado-setup secrets: plain text, readable only by you (mode 0600).\n\
         # One table per keyring service, one key per connection name.\n\
         schema = 1\n",
    );
    for (service, accounts) in map {
        out.push_str("\n[");
        push_toml_string(&mut out, service);
        out.push_str("]\n");
        for (account, secret) in accounts {
            push_toml_string(&mut out, account);
            out.push_str(" = ");
            push_toml_string(&mut out, secret.expose_secret());
            out.push('\n');
        }
    }
    out
}

/// Read-modify-write of the secrets file (atomic, 0600, dir 0700). `change`
/// returns whether it changed anything; the result is passed through.
fn file_update(
    path: &Path,
    change: impl FnOnce(&mut SecretMap) -> bool,
) -> Result<bool, SecretError> {
    let mut map = file_read(path)?;
    if !change(&mut map) {
        return Ok(false);
    }
    let write_err = |e: std::io::Error| file_failed("write", format!("{}: {e}", path.display()));
    if map.is_empty() {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(write_err(e)),
        };
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsutil::ensure_private_dir(dir).map_err(write_err)?;
    }
    let text = render(&map);
    fsutil::write_atomic(path, text.as_bytes(), None).map_err(write_err)?;
    Ok(true)
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
    fn rendered_file_parses_back() {
        let mut map = SecretMap::new();
        map.entry("ado-setup".to_string())
            .or_default()
            .insert("prod".to_string(), SecretString::from("a\"b\\c\nd\u{1}é"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRETS_FILE_NAME);
        std::fs::write(&path, render(&map).as_bytes()).unwrap();
        let back = file_read(&path).unwrap();
        assert_eq!(
            back["ado-setup"]["prod"].expose_secret(),
            "a\"b\\c\nd\u{1}é"
        );
    }

    #[test]
    fn a_corrupt_secrets_file_is_reported_without_its_content_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRETS_FILE_NAME);
        std::fs::write(&path, "[ado-setup]\nprod = \"hunter2\nbroken").unwrap();
        let err = file_update(&path, |_| true).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("at line"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(!err.fix().contains("hunter2"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[ado-setup]\nprod = \"hunter2\nbroken"
        );
    }

    #[test]
    fn d_bus_faults_are_said_in_words() {
        let no_bus = platform_words(
            "zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: No such file or directory (os error 2)",
        );
        assert!(
            no_bus.contains("no D-Bus session bus answers at unix:path=/run/user/0/bus"),
            "{no_bus}"
        );
        let no_service = platform_words(
            "zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files",
        );
        assert!(
            no_service.starts_with("no Secret Service provider"),
            "{no_service}"
        );
        assert!(!no_service.contains("zbus"));
        assert_eq!(
            platform_words("zbus error: something else"),
            "something else"
        );
    }

    #[tokio::test]
    async fn run_blocking_answers_at_the_timeout_while_the_call_still_hangs() {
        // The call hangs until `release` is dropped, after the answer.
        let (release, hang) = std::sync::mpsc::channel::<()>();
        let r: Result<(), _> = run_blocking(
            SecretStoreKind::Keyring,
            "read",
            Duration::from_millis(50),
            move || {
                let _ = hang.recv();
                Ok(())
            },
        )
        .await;
        assert!(matches!(r, Err(SecretError::Timeout { op: "read", .. })));
        drop(release);
    }

    #[tokio::test]
    async fn a_panicking_store_is_an_error_not_a_crash() {
        // The panic ends the call (not the timeout, set far beyond any
        // machine's time to unwind and print a backtrace).
        let r: Result<(), _> = run_blocking(
            SecretStoreKind::Keyring,
            "read",
            Duration::from_secs(600),
            || panic!("store bug"),
        )
        .await;
        assert!(matches!(r, Err(SecretError::Failed { .. })), "{r:?}");
    }

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

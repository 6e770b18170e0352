//! The keyrings (the OS keyring and the Linux kernel keyring), each owned
//! by a thread of its own ([`KeyringThread`]), and every store call run off
//! the async runtime under a timeout ([`run_blocking`] for the file store).
//! A hung keyring costs its thread, never the caller or the process exit;
//! keyring errors are said in words that never hold secret data.

use std::sync::Arc;
use std::time::Duration;

use keyring_core::CredentialStore;

use super::{SecretError, SecretStoreKind};

/// One call on a keyring's own thread.
type KeyringJob = Box<dyn FnOnce(&CredentialStore) + Send>;

/// A keyring owned by a thread of its own: created there (or handed to it),
/// used only there, and dropped there when the last handle is gone. Calls
/// are queued to it and awaited under a timeout; a call that hangs holds
/// the thread (later calls time out too), never the caller or the exit.
#[derive(Clone)]
pub(super) struct KeyringThread {
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
    pub(super) fn adopt(store: Arc<CredentialStore>, kind: SecretStoreKind) -> KeyringThread {
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
    pub(super) async fn with_entry<T, F>(
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
pub(super) async fn run_blocking<T, F>(
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

/// Whitespace runs (line breaks included) as one space: a platform
/// error's text on one line. Not a cleaner: text is made safe where it is
/// shown ([`crate::text`]).
pub(super) fn one_line(s: &str) -> String {
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

/// The OS keyring of this platform, in words.
pub(super) fn os_keyring_description() -> &'static str {
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
pub(super) async fn open_os_keyring(timeout: Duration) -> Result<KeyringThread, SecretError> {
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
pub(super) async fn open_keyutils(timeout: Duration) -> Result<KeyringThread, SecretError> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

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
}

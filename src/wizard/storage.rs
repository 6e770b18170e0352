//! The Storage step, asked first when the OS keyring failed its test: the
//! stores offered instead, said plainly, and the keys that choose one (a
//! job opens and proves it; the driver then puts it to use).

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Job, Wizard};

/// The stores offered when the OS keyring does not work, with what each
/// means, said plainly.
pub fn store_options() -> Vec<(
    crate::store::secrets::SecretStoreChoice,
    &'static str,
    &'static str,
)> {
    use crate::store::secrets::SecretStoreChoice as C;
    let mut v = Vec::new();
    if cfg!(target_os = "linux") {
        v.push((
            C::Keyutils,
            "Linux kernel keyring (keyutils)",
            "private to you, but LOST ON REBOOT: sign in again after a restart",
        ));
    }
    v.push((
        C::File,
        "A file in the config directory",
        "PLAIN TEXT, readable only by you (mode 0600)",
    ));
    v.push((
        C::None,
        "Do not store it",
        "the integration must get AZURE_DEVOPS_EXT_PAT when it runs",
    ));
    v
}

/// Choosing a store when the OS keyring failed: the store is opened and
/// proven by a job; the driver puts it to use.
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let options = store_options();
    match key.code {
        KeyCode::Up => w.menu_index = w.menu_index.saturating_sub(1),
        KeyCode::Down => w.menu_index = (w.menu_index + 1).min(options.len().saturating_sub(1)),
        KeyCode::Enter if w.pending.is_none() => {
            if let Some((choice, _, _)) = options.get(w.menu_index) {
                return w.spawn(Job::OpenStore { choice: *choice });
            }
        }
        _ => {}
    }
    Vec::new()
}

//! The wizard's launch: `ado-setup` (and `connect`, `edit`, `doctor --tui`)
//! for real, `demo` against the sandbox. Sets the wizard up ([`super::launch`]),
//! takes the terminal, runs the driver, and says what was saved.

use std::io::Write;
use std::process::ExitCode;

use super::launch::Launch;
use super::process::{fail, problem_exit, runtime, usage_error, wait_for_shutdown_signal};
use crate::cli::{GlobalArgs, exit};
use crate::store::secrets::SecretStore;
use crate::text::Untrusted;
use crate::wizard::{Outcome, SavedInfo, SignInSettings};

/// How the wizard starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Start<'a> {
    /// Against the sandbox (`demo`), not the real Azure DevOps.
    pub demo: bool,
    /// `doctor --tui NAME`: open the troubleshooter on this saved connection.
    pub troubleshoot: Option<&'a str>,
    /// `connect --client-id` for Microsoft sign-in.
    pub client_id: Option<&'a str>,
    /// `connect --tenant` for Microsoft sign-in.
    pub tenant: Option<&'a str>,
    /// `edit NAME`: the saved connection to change.
    pub edit: Option<&'a str>,
}

/// The wizard, for real (`ado-setup`, `connect`) or against the sandbox (`demo`).
pub fn main(global: &GlobalArgs, how: Start<'_>) -> ExitCode {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "ado-setup: the wizard needs a terminal (stdin and stdout are not one); \
             `ado-setup demo --serve` and `ado-setup --help` work without one"
        );
        return ExitCode::from(exit::USAGE);
    }
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let launch = match prepare(global, how).await {
            Ok(l) => l,
            Err(code) => return code,
        };
        let mut guard = match crate::tui::terminal::TerminalGuard::new() {
            Ok(g) => g,
            Err(e) => return fail(&format!("cannot use this terminal: {e}")),
        };
        let events = crossterm::event::EventStream::new();
        let result = crate::tui::driver::run(
            &mut guard.terminal,
            launch.wizard,
            events,
            launch.jobs,
            crate::tui::theme::Theme::from_env(),
            wait_for_shutdown_signal(),
            |_| {},
        )
        .await;
        drop(guard);
        match result {
            Ok((Outcome::Saved(info), _)) => say_saved(&info, launch.note.as_deref()),
            Ok((Outcome::Quit, _)) => ExitCode::from(exit::OK),
            Ok((Outcome::Cancelled, _)) => {
                let _ = writeln!(std::io::stderr(), "ado-setup: cancelled; nothing was saved");
                ExitCode::from(exit::CANCELLED)
            }
            Err(e) => fail(&format!("the wizard stopped: {e:#}")),
        }
    })
}

/// The wizard set up as `how` asks, before the terminal is taken, or the
/// exit code after saying why it cannot start.
async fn prepare(global: &GlobalArgs, how: Start<'_>) -> Result<Launch, ExitCode> {
    let mut sign_in = SignInSettings {
        tenant: how.tenant.map(str::to_string),
        can_open_browser: SignInSettings::browser_available(|k| std::env::var(k).ok()),
        ..Default::default()
    };
    if let Some(id) = how.client_id {
        sign_in.client_id = id.to_string();
    }
    let setup = if how.demo {
        super::launch::demo(global, sign_in).await
    } else {
        super::launch::real(global, sign_in).await
    };
    let mut l = setup.map_err(|problem| problem_exit(&problem, exit::FAILED))?;
    if let Some(name) = how.edit {
        open_edit(&mut l, name).await?;
    }
    if let Some(name) = how.troubleshoot
        && !l.wizard.open_troubleshooter(name)
    {
        return Err(usage_error(
            "CONFIG_INVALID",
            &format!(
                "no connection named {name} in {}",
                l.jobs.config.path().display()
            ),
            "Check the name (`ado-setup list`), or pass --config-dir",
        ));
    }
    Ok(l)
}

/// `edit NAME`: the saved connection, and its PAT from its own store.
async fn open_edit(l: &mut Launch, name: &str) -> Result<(), ExitCode> {
    let saved = l.jobs.config.load().ok().and_then(|c| c.get(name).cloned());
    let Some(c) = saved else {
        return Err(usage_error(
            "CONFIG_INVALID",
            &format!(
                "no connection named {name} in {}",
                l.jobs.config.path().display()
            ),
            "Check the name (`ado-setup list`), or pass --config-dir",
        ));
    };
    let mut pat = None;
    if let Some(r) = &c.secret_ref
        && let Ok(store) = SecretStore::open_ref(r, l.jobs.config.dir()).await
    {
        pat = store.get(c.name.as_str()).await.ok().flatten();
    }
    l.wizard.start_edit(&c, pat.as_ref());
    Ok(())
}

/// What was saved and where, then what to run next (or the launch's note).
fn say_saved(info: &SavedInfo, note: Option<&str>) -> ExitCode {
    println!("Saved connection {}.", Untrusted::new(&info.name));
    println!("  settings: {}", Untrusted::new(&info.config_path));
    println!("  secret:   {}", Untrusted::new(&info.secret_location));
    match note {
        Some(n) => println!("{}", Untrusted::lines(n)),
        None => {
            println!("Next: ado-setup doctor {}", info.name);
            println!("      ado-setup export {}", info.name);
        }
    }
    ExitCode::from(exit::OK)
}

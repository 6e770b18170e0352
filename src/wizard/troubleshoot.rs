//! The troubleshooter (from the start menu, or opened on a named
//! connection): pick a saved connection, run its checks in a job, open a
//! check's guidance, re-run one check (with the checks it needs) or all of
//! them. Esc walks back: guidance → checklist → connections → start menu.

use crossterm::event::{KeyCode, KeyEvent};

use super::{CheckOutcome, Effect, Job, Step, Wizard};

/// The troubleshooter: which connection, its checks, which one is open.
#[derive(Debug, Default)]
pub struct TroubleState {
    /// Index into the saved connections while picking.
    pub pick: usize,
    /// The connection being checked.
    pub name: Option<String>,
    pub outcomes: Vec<CheckOutcome>,
    /// Selected check.
    pub index: usize,
    /// Showing the selected check's guidance.
    pub detail: bool,
    /// The check being re-run on its own (with the checks it needs).
    pub rerun: Option<&'static str>,
}

impl Wizard {
    /// Opens the troubleshooter with a saved connection selected (Enter runs
    /// it). `false` when there is no such connection.
    pub fn open_troubleshooter(&mut self, name: &str) -> bool {
        match self
            .settings
            .existing
            .iter()
            .position(|(n, _, _)| n.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                self.step = Step::Troubleshoot;
                self.trouble = TroubleState {
                    pick: i,
                    ..TroubleState::default()
                };
                true
            }
            None => false,
        }
    }
}

/// Runs the checks of connection `name`: all of them, or `only` one (and
/// the checks it needs).
fn run_troubleshoot(w: &mut Wizard, name: String, only: Option<&'static str>) -> Vec<Effect> {
    let extra_endpoints = w.settings.service_endpoints();
    w.trouble.name = Some(name.clone());
    w.trouble.rerun = only;
    if only.is_none() {
        w.trouble.detail = false;
    }
    let job = Job::Troubleshoot {
        name,
        only,
        devops_base: w.settings.devops_base.clone(),
        authority: w.settings.authority_base.clone(),
        extra_endpoints,
        allow_http: w.settings.allow_http,
    };
    w.spawn(job)
}

/// Esc, when nothing is pending: one level back.
pub(super) fn on_esc(w: &mut Wizard) -> Vec<Effect> {
    // Guidance → checklist → connections → start menu.
    if w.trouble.detail {
        w.trouble.detail = false;
    } else if w.trouble.name.is_some() {
        w.trouble.name = None;
        w.trouble.outcomes.clear();
        w.problem = None;
    } else {
        w.step = Step::Menu;
    }
    Vec::new()
}

/// Keys of the troubleshooter: ↑↓ Enter pick a connection; then ↑↓ choose
/// a check, Enter opens its guidance, `r` re-runs it, `R` re-runs them all.
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.pending.is_some() {
        return Vec::new();
    }
    let Some(name) = w.trouble.name.clone() else {
        let n = w.settings.existing.len();
        match key.code {
            KeyCode::Up => w.trouble.pick = w.trouble.pick.saturating_sub(1),
            KeyCode::Down => w.trouble.pick = (w.trouble.pick + 1).min(n.saturating_sub(1)),
            KeyCode::Enter => {
                if let Some((name, _, _)) = w.settings.existing.get(w.trouble.pick).cloned() {
                    return run_troubleshoot(w, name, None);
                }
            }
            _ => {}
        }
        return Vec::new();
    };
    let n = w.trouble.outcomes.len();
    let selected = w.trouble.outcomes.get(w.trouble.index).map(|o| o.id);
    match key.code {
        KeyCode::Char('r') if selected.is_some() => return run_troubleshoot(w, name, selected),
        KeyCode::Char('r' | 'R') => return run_troubleshoot(w, name, None),
        KeyCode::Up if !w.trouble.detail => w.trouble.index = w.trouble.index.saturating_sub(1),
        KeyCode::Down if !w.trouble.detail => {
            w.trouble.index = (w.trouble.index + 1).min(n.saturating_sub(1))
        }
        KeyCode::Enter if n > 0 => w.trouble.detail = !w.trouble.detail,
        KeyCode::Enter => return run_troubleshoot(w, name, None),
        _ => {}
    }
    Vec::new()
}

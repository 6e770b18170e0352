//! The start menu, shown when connections exist or a draft waits: resume
//! the draft, start a new connection, troubleshoot a saved one, or quit.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Outcome, Step, TroubleState, Wizard};

/// An entry of the start menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    Resume,
    New,
    Troubleshoot,
    Quit,
}

/// The start menu's entries, with their labels.
pub fn menu_items(w: &Wizard) -> Vec<(MenuItem, String)> {
    let mut v = Vec::new();
    if let Some(d) = &w.settings.draft {
        v.push((MenuItem::Resume, format!("Resume: {}", d.label())));
    }
    v.push((MenuItem::New, "New connection".into()));
    if !w.settings.existing.is_empty() {
        v.push((MenuItem::Troubleshoot, "Troubleshoot a connection".into()));
    }
    v.push((MenuItem::Quit, "Quit".into()));
    v
}

/// Keys of the start menu: ↑↓ Tab choose, Enter takes the entry (a new
/// start drops the old draft).
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let items = menu_items(w);
    match key.code {
        KeyCode::Up | KeyCode::BackTab => w.menu_index = w.menu_index.saturating_sub(1),
        KeyCode::Down | KeyCode::Tab => {
            w.menu_index = (w.menu_index + 1).min(items.len().saturating_sub(1))
        }
        KeyCode::Enter => match items.get(w.menu_index).map(|i| i.0) {
            Some(MenuItem::Resume) => {
                if let Some(d) = w.settings.draft.take() {
                    w.resume(&d);
                }
                return w.enter(Step::Deployment);
            }
            Some(MenuItem::New) => {
                // A new start: the old draft goes.
                let had = w.settings.draft.take().is_some();
                let mut e = w.enter(Step::Deployment);
                if had {
                    e.push(Effect::ClearDraft);
                }
                return e;
            }
            Some(MenuItem::Troubleshoot) => {
                w.trouble = TroubleState::default();
                w.problem = None;
                w.step = Step::Troubleshoot;
            }
            Some(MenuItem::Quit) | None => return vec![Effect::Quit(Outcome::Quit)],
        },
        _ => {}
    }
    Vec::new()
}

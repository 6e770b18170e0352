//! The Organization step (Services): with Microsoft sign-in, a filterable
//! list of the user's organizations, and a job that checks the chosen one;
//! with a PAT, the organization from the Target step (Enter goes on).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use url::Url;

use super::{Effect, Job, Problem, Step, Wizard};

/// Keys of the Organization step. `None` without Microsoft sign-in: the
/// organization is the Target step's, and Enter goes on as on any step.
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Option<Vec<Effect>> {
    w.entra.as_ref()?;
    Some(key_list(w, key))
}

/// The list of the user's organizations: typing filters it, ↑↓ choose,
/// Enter checks the chosen one (or what was typed, when nothing matches).
fn key_list(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.pending.is_some() {
        return Vec::new();
    }
    if !w.orgs_loaded {
        // The list failed to load: Enter tries again.
        if key.code == KeyCode::Enter {
            w.problem = None;
            return w.enter(Step::Organization);
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Up => w.orgs.select_prev(),
        KeyCode::Down => w.orgs.select_next(),
        KeyCode::Enter => {
            let chosen = match w.orgs.selected() {
                Some(o) => o.name.clone(),
                // Nothing matches: what was typed is taken as the name (an
                // organization of another directory is not listed).
                None => w.orgs.query().trim().to_string(),
            };
            if let Err(e) = crate::net::target::validate_org_name(&chosen) {
                w.problem = Some(Problem::new(e.code(), e.to_string(), e.fix()));
                return Vec::new();
            }
            let (Some(entra), Ok(base_url)) = (
                w.entra.clone(),
                Url::parse(&format!(
                    "{}/{chosen}",
                    w.settings.devops_base.as_str().trim_end_matches('/')
                )),
            ) else {
                return Vec::new();
            };
            let app = w.entra_app();
            return w.spawn(Job::CheckOrganization {
                app,
                organization: chosen,
                base_url,
                entra,
            });
        }
        KeyCode::Backspace => {
            let mut q = w.orgs.query().to_string();
            q.pop();
            w.orgs.set_query(&q);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            let q = format!("{}{c}", w.orgs.query());
            w.orgs.set_query(&q);
        }
        _ => {}
    }
    w.problem = None;
    Vec::new()
}

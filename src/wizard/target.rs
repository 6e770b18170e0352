//! The Deployment step (Services or Server) and the Target step (an
//! organization, or a Server collection's URL): the answer is parsed here
//! and a job probes it; changing either forgets everything after it.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use super::{Effect, Job, Problem, SignInMethod, Step, Wizard, edit};
use crate::ado::endpoints::Deployment;
use crate::net::target::{parse_server_url, parse_services_target};

/// Keys of the Deployment step: ↑↓ Tab (or 1, 2) choose Services or
/// Server, Enter goes on. Another deployment forgets the target and all
/// after it.
pub(super) fn on_deployment_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let choose = |w: &mut Wizard, d: Deployment| {
        if w.deployment != d {
            w.deployment = d;
            // Server signs in with a PAT only.
            w.sign_in_method = SignInMethod::Pat;
            w.target = Input::default();
            w.forget_from_target();
        }
    };
    match key.code {
        KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
            let other = match w.deployment {
                Deployment::Services => Deployment::Server,
                Deployment::Server => Deployment::Services,
            };
            choose(w, other);
        }
        KeyCode::Char('1') => choose(w, Deployment::Services),
        KeyCode::Char('2') => choose(w, Deployment::Server),
        KeyCode::Enter => return w.enter(Step::Target),
        _ => {}
    }
    Vec::new()
}

/// Keys of the Target step: keys edit the answer (a change cancels the
/// check of the old one), Enter parses it and probes the target.
pub(super) fn on_target_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if key.code != KeyCode::Enter {
        if edit(&mut w.target, key) {
            w.problem = None;
            // The answer changed: a check of the old one no longer counts.
            return w.cancel_pending();
        }
        return Vec::new();
    }
    let text = w.target.value().trim().to_string();
    let mut warnings = Vec::new();
    let parsed = match w.deployment {
        Deployment::Services => parse_services_target(&text, &w.settings.devops_base).map(|t| {
            let mut base = w.settings.devops_base.clone();
            if let Ok(mut segs) = base.path_segments_mut() {
                segs.pop_if_empty().push(&t.organization);
            }
            (base, Some(t.organization), t.project)
        }),
        Deployment::Server => parse_server_url(&text, w.settings.allow_http).map(|t| {
            warnings = t.warnings;
            (t.base_url, None, t.project)
        }),
    };
    match parsed {
        Err(e) => {
            w.problem = Some(Problem::new(e.code(), e.to_string(), e.fix()));
            Vec::new()
        }
        Ok((base_url, org, project)) => {
            // An edit (or a resumed draft) keeps its project for as long as
            // the target is the one it started with.
            let started_with = w
                .editing
                .as_ref()
                .or(w.resumed.as_ref())
                .map(|c| c.organization.clone().unwrap_or_else(|| c.base_url.clone()));
            let kept = w
                .project_hint
                .clone()
                .filter(|_| started_with.as_deref() == Some(text.as_str()));
            if w.base_url.as_ref() != Some(&base_url) {
                w.forget_from_target();
            }
            w.base_url = Some(base_url.clone());
            w.target_warnings = warnings;
            w.organization = org;
            w.project_hint = project.or(kept);
            w.spawn(Job::ProbeTarget {
                deployment: w.deployment,
                base_url,
            })
        }
    }
}

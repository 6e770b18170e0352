//! Terminal input: what every step shares — the quit question, help, a
//! save that must finish, Esc (cancel what is pending, else go back) and
//! pastes cleaned of control characters — then the key goes to the step
//! it belongs to. Enter on a step whose work ran on arrival advances (or
//! retries what failed).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

use super::sign_in::is_client_id_char;
use super::{
    Effect, Outcome, SignInMethod, Step, Wizard, mapping, menu, network, organization, project,
    review, sign_in, storage, target, troubleshoot,
};

/// A paste (bracketed): its text, without control characters, into the
/// field or filter that has focus.
pub(super) fn on_paste(w: &mut Wizard, text: &str) -> Vec<Effect> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    if w.step == Step::Mapping && mapping::on_paste(w, &clean) {
        return Vec::new();
    }
    let field = match w.step {
        Step::Target => &mut w.target,
        Step::SignIn if w.sign_in_method == SignInMethod::Pat => &mut w.pat,
        Step::SignIn if w.sign_in_method == SignInMethod::ServicePrincipal && !w.sp_on_secret => {
            &mut w.sp_client
        }
        Step::SignIn if w.sign_in_method == SignInMethod::ServicePrincipal => &mut w.sp_secret,
        Step::SignIn if w.sign_in_method == SignInMethod::ManagedIdentity => {
            for c in clean.chars().filter(|c| is_client_id_char(*c)) {
                w.mi_client.handle(InputRequest::InsertChar(c));
            }
            w.problem = None;
            return Vec::new();
        }
        Step::Review => &mut w.review.name,
        Step::Project => {
            let q = format!("{}{}", w.projects.query(), clean);
            w.projects.set_query(&q);
            return Vec::new();
        }
        Step::Organization if w.orgs_loaded => {
            let q = format!("{}{}", w.orgs.query(), clean);
            w.orgs.set_query(&q);
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    for c in clean.chars() {
        field.handle(InputRequest::InsertChar(c));
    }
    if w.step == Step::Review {
        w.review.name_edited = true;
    }
    w.problem = None;
    w.sp_error = None;
    Vec::new()
}

fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c')
}

/// The text field that has focus on this step, if any.
fn focused_text(w: &Wizard) -> Option<&Input> {
    match w.step {
        Step::Target => Some(&w.target),
        Step::SignIn if w.sign_in_method == SignInMethod::Pat => Some(&w.pat),
        Step::SignIn if w.sign_in_method == SignInMethod::ServicePrincipal => {
            Some(if w.sp_on_secret {
                &w.sp_secret
            } else {
                &w.sp_client
            })
        }
        Step::SignIn if w.sign_in_method == SignInMethod::ManagedIdentity => Some(&w.mi_client),
        Step::Review => Some(&w.review.name),
        _ => None,
    }
}

/// A key press: the questions and rules every step shares first, then the
/// step's own keys.
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    // A quit question takes every key.
    if w.confirm_quit {
        return answer_quit(w, key);
    }
    if w.show_help {
        w.show_help = false;
        return Vec::new();
    }

    // A save in flight must finish (or roll back) before anything else.
    if w.pending.is_some_and(|p| !p.cancellable) {
        return Vec::new();
    }

    // An open picker of the Field mapping step takes every key but Ctrl-C.
    if w.step == Step::Mapping
        && !is_ctrl_c(&key)
        && key.code != KeyCode::F(1)
        && w.form.as_ref().is_some_and(|f| f.picker.is_some())
        && let Some(effects) = mapping::on_key(w, key)
    {
        return effects;
    }

    if let Some(effects) = quit_or_help(w, key) {
        return effects;
    }

    // Esc cancels what is pending; otherwise it goes back. Backspace only
    // edits (SPEC §2): a held Backspace after clearing a field must never
    // leave the step, or the next paste (a token) lands in another field.
    if key.code == KeyCode::Esc {
        return go_back(w);
    }
    step_key(w, key)
}

/// The answer to "quit?": Ctrl-C, `y` or `q` quit (cancelling what is
/// pending); any other key stays.
fn answer_quit(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        _ if is_ctrl_c(&key) => {
            let mut e = w.cancel_pending();
            e.push(Effect::Quit(Outcome::Cancelled));
            e
        }
        KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Char('q') => {
            let mut e = w.cancel_pending();
            e.push(Effect::Quit(Outcome::Cancelled));
            e
        }
        _ => {
            w.confirm_quit = false;
            Vec::new()
        }
    }
}

/// Ctrl-C (or `q` outside text) quits, asking first when answers would be
/// lost; F1 (or `?` where it types nothing) opens help. `None` for other
/// keys.
fn quit_or_help(w: &mut Wizard, key: KeyEvent) -> Option<Vec<Effect>> {
    let text_focus = focused_text(w);
    let text_empty = text_focus.is_none_or(|i| i.value().is_empty());
    let org_list = w.step == Step::Organization && w.orgs_loaded;
    let in_text = text_focus.is_some() || w.step == Step::Project || org_list;

    if is_ctrl_c(&key) || (key.code == KeyCode::Char('q') && !in_text) {
        if w.step == Step::Done || !w.has_unsaved_answers() {
            let mut e = w.cancel_pending();
            e.push(Effect::Quit(match w.saved.clone() {
                Some(s) => Outcome::Saved(s),
                // Leaving the menu or the troubleshooter cancels nothing.
                None if matches!(w.step, Step::Menu | Step::Troubleshoot | Step::Storage) => {
                    Outcome::Quit
                }
                None => Outcome::Cancelled,
            }));
            return Some(e);
        }
        w.confirm_quit = true;
        return Some(Vec::new());
    }
    if key.code == KeyCode::F(1)
        || (key.code == KeyCode::Char('?') && text_empty && !in_text)
        || (key.code == KeyCode::Char('?') && text_focus.is_some() && text_empty)
    {
        w.show_help = true;
        return Some(Vec::new());
    }
    None
}

/// Esc: the troubleshooter walks back its own levels; elsewhere Esc
/// cancels what is pending, else goes to the previous step (not from Done).
fn go_back(w: &mut Wizard) -> Vec<Effect> {
    if w.step == Step::Troubleshoot && w.pending.is_none() {
        return troubleshoot::on_esc(w);
    }
    if w.pending.is_some() {
        w.problem = None;
        w.device = None;
        return w.cancel_pending();
    }
    if w.step == Step::Done {
        return Vec::new();
    }
    if let Some(prev) = w.prev_step() {
        w.problem = None;
        w.step = prev;
    }
    Vec::new()
}

/// A key for the step on screen.
fn step_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match w.step {
        Step::Storage => storage::on_key(w, key),
        Step::Menu => menu::on_key(w, key),
        Step::Deployment => target::on_deployment_key(w, key),
        Step::Target => target::on_target_key(w, key),
        Step::SignIn => sign_in::on_key(w, key),
        Step::Organization => match organization::on_key(w, key) {
            Some(effects) => effects,
            None => key_continue(w, key),
        },
        Step::Project => project::on_key(w, key),
        Step::Mapping => match mapping::on_key(w, key) {
            Some(effects) => effects,
            None => key_continue(w, key),
        },
        Step::Network => match network::on_key(w, key) {
            Some(effects) => effects,
            None => key_continue(w, key),
        },
        Step::Review => review::on_key(w, key),
        Step::Troubleshoot => troubleshoot::on_key(w, key),
        Step::Done => match key.code {
            KeyCode::Enter => {
                let outcome = match w.saved.clone() {
                    Some(s) => Outcome::Saved(s),
                    None => Outcome::Cancelled,
                };
                vec![Effect::Quit(outcome)]
            }
            _ => Vec::new(),
        },
    }
}

/// Enter on a step whose work runs on arrival (Organization with a PAT,
/// Field mapping, Network).
fn key_continue(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter if w.pending.is_none() => {
            // A step that failed retries on Enter; one that is done advances.
            let ready = match w.step {
                Step::Mapping => w.form.is_some(),
                Step::Network => w.network.is_some(),
                _ => true,
            };
            if ready {
                let next = w.next_step();
                w.enter(next)
            } else {
                let step = w.step;
                match step {
                    Step::Mapping => w.form = None,
                    Step::Network => w.network = None,
                    _ => {}
                }
                w.enter(step)
            }
        }
        _ => Vec::new(),
    }
}

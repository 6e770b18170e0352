//! The footer's key hints: which keys the current step (and what is open or
//! running in it) answers to. A pure function of the wizard's state.

use crate::wizard::{Step, Wizard};

/// Key hints for the current step.
pub fn key_hints(w: &Wizard) -> Vec<(&'static str, &'static str)> {
    if w.is_pending() && w.device.is_some() {
        let mut keys = vec![("c", "copy code")];
        if w.settings.sign_in.can_open_browser {
            keys.push(("o", "open browser"));
        }
        keys.extend([("Esc", "cancel"), ("Ctrl-C", "quit")]);
        return keys;
    }
    if w.is_pending() {
        return vec![("Esc", "cancel"), ("Ctrl-C", "quit")];
    }
    let mut hints = step_keys(w);
    if can_go_back(w) {
        hints.push(("Esc", "back"));
    }
    // `?` types into text fields, so those steps name F1.
    // Where `?` is typed (filters, fields), help is F1.
    let text_step = matches!(
        w.step,
        Step::Target | Step::SignIn | Step::Project | Step::Review
    ) || (w.step == Step::Mapping
        && w.form.as_ref().is_some_and(|f| f.picker.is_some()))
        || (w.step == Step::Organization && w.orgs_loaded);
    hints.push((if text_step { "F1" } else { "?" }, "help"));
    if w.step != Step::Menu {
        hints.push(("Ctrl-C", "quit"));
    }
    hints
}

/// The keys of the step itself (before back, help and quit).
fn step_keys(w: &Wizard) -> Vec<(&'static str, &'static str)> {
    match w.step {
        Step::Menu | Step::Storage => vec![("↑↓", "move"), ("Enter", "choose"), ("q", "quit")],
        Step::Deployment => vec![("↑↓", "choose"), ("Enter", "continue")],
        Step::Target => vec![("Enter", "check & continue")],
        Step::Review => vec![("Enter", "save"), ("↑↓", "scroll")],
        Step::SignIn if w.deployment == crate::ado::endpoints::Deployment::Services => {
            sign_in_keys(w)
        }
        Step::SignIn => vec![("Enter", "sign in")],
        Step::Project => vec![("type", "filter"), ("↑↓", "move"), ("Enter", "choose")],
        Step::Mapping => mapping_keys(w),
        Step::Organization if w.entra.is_some() => {
            vec![("type", "filter"), ("↑↓", "move"), ("Enter", "choose")]
        }
        Step::Network => vec![
            ("Enter", "continue"),
            ("r", "re-test"),
            ("c", "copy"),
            ("s", "save"),
        ],
        Step::Done => vec![("Enter", "exit")],
        Step::Troubleshoot => troubleshoot_keys(w),
        _ => vec![("Enter", "continue")],
    }
}

/// Sign-in (Services): the method, and what Enter (and F2) do for it.
fn sign_in_keys(w: &Wizard) -> Vec<(&'static str, &'static str)> {
    use crate::wizard::{Availability, SignInMethod, SpCredential};
    match (w.sign_in_method, w.probes.of(w.sign_in_method)) {
        (_, Some(Availability::Unavailable(_))) => {
            vec![("Tab", "method"), ("Enter", "why"), ("r", "check again")]
        }
        (SignInMethod::ServicePrincipal, _) => vec![
            ("Tab", "method"),
            ("Enter", if w.sp_on_secret { "sign in" } else { "next" }),
            (
                "F2",
                match w.sp_credential {
                    SpCredential::Secret => "certificate",
                    SpCredential::CertificateFile => "secret",
                },
            ),
        ],
        _ => vec![("Tab", "method"), ("Enter", "sign in")],
    }
}

/// Field mapping: the open picker's keys, or the form's.
fn mapping_keys(w: &Wizard) -> Vec<(&'static str, &'static str)> {
    use crate::wizard::Picker;
    match w.form.as_ref().and_then(|f| f.picker.as_ref()) {
        Some(Picker::Area | Picker::Iteration) => vec![
            ("←→", "fold"),
            ("Tab", "default"),
            ("Enter", "choose"),
            ("Esc", "close"),
        ],
        Some(Picker::Priority(_)) => {
            vec![("↑↓", "severity"), ("←→", "value"), ("Enter", "done")]
        }
        Some(Picker::Text(..)) => vec![("Enter", "set"), ("Esc", "close")],
        Some(_) => vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Enter", "choose"),
            ("Esc", "close"),
        ],
        None if w.form.as_ref().is_some_and(|f| f.verified().is_some()) => {
            vec![("↑↓", "row"), ("Enter", "change / continue")]
        }
        None => vec![("↑↓", "row"), ("Enter", "change / check")],
    }
}

/// Troubleshooting: choosing a connection, its checklist, or one check's
/// guidance.
fn troubleshoot_keys(w: &Wizard) -> Vec<(&'static str, &'static str)> {
    if w.trouble.name.is_none() {
        vec![("↑↓", "choose"), ("Enter", "check it")]
    } else if w.trouble.detail {
        vec![("Enter", "back to the list"), ("r", "re-run this check")]
    } else {
        vec![
            ("↑↓", "move"),
            ("Enter", "what to do"),
            ("r", "re-run this"),
            ("R", "all"),
        ]
    }
}

/// Whether Esc goes back from here: not from the start menu, the store
/// choice or the end; from Deployment only when there is a menu to go back
/// to; not while a mapping picker is open (there Esc closes it).
fn can_go_back(w: &Wizard) -> bool {
    match w.step {
        Step::Done | Step::Menu | Step::Storage => false,
        Step::Deployment => !w.settings.existing.is_empty(),
        Step::Mapping => w.form.as_ref().is_none_or(|f| f.picker.is_none()),
        _ => true,
    }
}

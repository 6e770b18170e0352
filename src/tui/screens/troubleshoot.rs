//! Troubleshooting a saved connection: which connection, the list of its
//! checks (with re-runs in flight), and one check's finding with the steps to
//! fix it ([`guidance`] adds the step-by-step help for a problem code).

use ratatui::text::{Line, Span};

use super::widgets::{pending_line, status_mark};
use crate::tui::theme::Theme;
use crate::wizard::{CheckStatus, Wizard};

pub(super) fn troubleshoot<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    let Some(name) = &w.trouble.name else {
        return connections(w, theme);
    };
    // A re-run of one check keeps the list (or its guidance) on screen.
    let rerun = if w.is_pending() {
        w.trouble.rerun
    } else {
        None
    };
    if w.is_pending() && rerun.is_none() {
        return vec![pending_line(
            w,
            &format!("Running every check of {name}…"),
            theme,
        )];
    }
    if w.trouble.outcomes.is_empty() {
        return vec![Line::from(format!(
            "No checks ran for {name}; press r to run them."
        ))];
    }
    if w.trouble.detail {
        return check_detail(w, name, rerun, theme);
    }
    check_list(w, name, rerun, theme, height)
}

/// The saved connections to choose from.
fn connections<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![
        Line::from("Which connection should be checked?"),
        Line::from(""),
    ];
    for (i, (name, where_, project)) in w.settings.existing.iter().enumerate() {
        let row = format!("{name:<32} {where_} · {project}");
        let row: String = row.chars().take(74).collect();
        let selected = i == w.trouble.pick;
        l.push(Line::from(Span::styled(
            format!("{}{row}", if selected { "› " } else { "  " }),
            if selected {
                theme.selected()
            } else {
                theme.normal()
            },
        )));
    }
    l
}

/// The line saying which check is being re-run.
fn rerun_line<'a>(w: &Wizard, id: &str, theme: &Theme) -> Line<'a> {
    pending_line(w, &format!("Re-running {id}…"), theme)
}

/// The selected check: what it found, and what to do (its fix, then the
/// step-by-step guidance for its code).
fn check_detail<'a>(
    w: &'a Wizard,
    name: &str,
    rerun: Option<&str>,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    let Some(c) = w.trouble.outcomes.get(w.trouble.index) else {
        return l;
    };
    if let Some(id) = rerun {
        l.push(rerun_line(w, id, theme));
    }
    l.push(Line::from(vec![
        status_mark(c.status, theme),
        Span::styled(c.id, theme.title()),
        Span::raw(format!("  {}", c.title)),
    ]));
    if let Some(code) = &c.code {
        l.push(Line::styled(format!("  {code}"), theme.error()));
    }
    l.push(Line::from(format!("  {}", c.message)));
    let mut steps: Vec<String> = c.fix.clone();
    if let Some(code) = &c.code {
        steps.extend(guidance(code).iter().map(|s| s.replace("NAME", name)));
    }
    if !steps.is_empty() {
        l.push(Line::from(""));
        l.push(Line::styled("What to do:", theme.key()));
        for (i, s) in steps.iter().enumerate() {
            l.push(Line::from(format!("  {}. {s}", i + 1)));
        }
    }
    l
}

/// The count of each outcome (or the re-run in flight), then the checks,
/// scrolled to keep the selected one in view; a check being re-run is
/// marked `…`.
fn check_list<'a>(
    w: &'a Wizard,
    name: &str,
    rerun: Option<&str>,
    theme: &Theme,
    height: u16,
) -> Vec<Line<'a>> {
    let outcomes = &w.trouble.outcomes;
    let running = rerun.map(crate::checks::closure).unwrap_or_default();
    let count = |st: CheckStatus| outcomes.iter().filter(|c| c.status == st).count();
    let mut l = Vec::new();
    if let Some(id) = rerun {
        l.push(rerun_line(w, id, theme));
    } else {
        l.push(Line::from(format!(
            "{name}: {} passed, {} warned, {} failed, {} skipped",
            count(CheckStatus::Pass),
            count(CheckStatus::Warn),
            count(CheckStatus::Fail),
            count(CheckStatus::Skip)
        )));
    }
    let rows = usize::from(height.saturating_sub(2)).max(1);
    let offset = w.trouble.index.saturating_sub(rows.saturating_sub(1));
    for (i, c) in outcomes.iter().enumerate().skip(offset).take(rows) {
        let selected = i == w.trouble.index;
        let text = format!(
            "{}{:<26} {}",
            if selected { "› " } else { "  " },
            c.id,
            c.message.chars().take(44).collect::<String>()
        );
        let mark = if running.contains(c.id) {
            Span::styled("… ", theme.dim())
        } else {
            status_mark(c.status, theme)
        };
        l.push(Line::from(vec![
            mark,
            Span::styled(
                text,
                if selected {
                    theme.selected()
                } else {
                    theme.normal()
                },
            ),
        ]));
    }
    l
}

/// Step-by-step help for a code, beyond the check's own fix (the seed
/// troubleshooting sequences).
fn guidance(code: &str) -> &'static [&'static str] {
    match code {
        "IDENTITY_NOT_MATERIALIZED" => &[
            "Open the organization (https://dev.azure.com/ORG) in a browser",
            "Sign in with the same account the token belongs to",
            "Wait a minute, then press r",
        ],
        "PERMISSION_MISSING" => &[
            "Ask a Project Collection Administrator to open Organization Settings › Users",
            "Manage user › add the account to the project's Project Administrators group",
            "Or grant the single permission under Project Settings › Permissions",
            "Press r to check again",
        ],
        "ORG_POLICY_BLOCKED" => &[
            "Organization Settings › Policies: is Third-party application access via OAuth on?",
            "Conditional Access: sign in from a compliant device or network",
            "Check https://aex.dev.azure.com/me › Authorizations for a revoked grant",
        ],
        "AUTH_WRONG_DIRECTORY" => &[
            "Open https://aex.dev.azure.com/me and switch to the organization's directory",
            "Sign in again with --tenant set to that directory",
        ],
        "PROVIDER_AUTH_REQUIRED" => &[
            "User settings › Personal access tokens: is the token there, unexpired, not revoked?",
            "Create a new one with Work Items (Read & write) and Project and Team (Read)",
            "Store the new one with ado-setup edit NAME, then press r",
        ],
        "PROVIDER_SCOPE_UNAVAILABLE" => &[
            "User settings › Personal access tokens › edit the token",
            "Tick Work Items › Read & write (and Project and Team › Read)",
            "Press r to check again",
        ],
        "NETWORK_UNREACHABLE" | "NETWORK_BLOCKED" => &[
            "Check DNS and the firewall allowlist for the endpoints of the Network step",
            "Behind a proxy: set HTTPS_PROXY (and NO_PROXY for internal hosts)",
        ],
        "NETWORK_TLS_FAILED" => &["A proxy that inspects TLS needs its CA: pass --ca-file PEM"],
        _ => &[],
    }
}

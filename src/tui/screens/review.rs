//! The Review step (the name to save under, failures with their fixes, the
//! answers, every check by group, scrolling under a fixed head) and the Done
//! screen after saving.

use ratatui::text::{Line, Span};

use super::widgets::{fit, pending_line, status_mark, text_field, wrap_words};
use crate::tui::theme::Theme;
use crate::wizard::{CheckOutcome, CheckStatus, Wizard};

pub(super) fn review<'a>(w: &'a Wizard, theme: &Theme, height: u16, width: u16) -> Vec<Line<'a>> {
    let width = usize::from(width).max(20);
    let head = head(w, theme);
    let checks = &w.review.checks;
    let mut body = failures(checks, width, theme);
    body.push(Line::styled("What will be saved", theme.title()));
    for a in w.review_answers() {
        body.push(Line::from(vec![
            Span::styled(format!("  {:<17}", a.label), theme.key()),
            Span::raw(a.value),
        ]));
    }
    body.extend(check_groups(checks, theme));

    // The body scrolls under the fixed head; the last row says there is more.
    let room = usize::from(height).saturating_sub(head.len()).max(1);
    let max = body.len().saturating_sub(room);
    w.review.max_scroll.set(max);
    let offset = w.review.scroll.min(max);
    let more = offset < max;
    let take = if more { room - 1 } else { room };
    let mut l = head;
    l.extend(body.into_iter().skip(offset).take(take));
    if more {
        l.push(Line::styled(
            "↓ more below: ↑↓ PgUp PgDn scroll",
            theme.dim(),
        ));
    }
    l.into_iter().map(|line| fit(line, width)).collect()
}

/// The fixed head: the name field (and what is wrong with it), then the
/// checks or save in flight, or the count of each outcome.
fn head<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut head = Vec::new();
    head.push(text_field(
        "Save as:",
        w.review.name.value(),
        w.review.name.cursor(),
        false,
        true,
        theme,
    ));
    if let Some(e) = &w.review.name_error {
        head.push(Line::styled(format!("  {e}"), theme.error()));
    }
    let checks = &w.review.checks;
    if checks.is_empty() && w.is_pending() {
        head.push(pending_line(w, "Running the checks…", theme));
    } else if w.is_pending() {
        head.push(pending_line(w, "Saving…", theme));
    } else if !checks.is_empty() {
        let count = |st: CheckStatus| checks.iter().filter(|c| c.status == st).count();
        let fail = count(CheckStatus::Fail);
        head.push(Line::from(vec![
            Span::styled(
                format!("✓ {} passed  ", count(CheckStatus::Pass)),
                theme.ok(),
            ),
            Span::styled(
                format!("! {} warned  ", count(CheckStatus::Warn)),
                theme.warn(),
            ),
            Span::styled(
                format!("✗ {fail} failed  "),
                if fail > 0 { theme.error() } else { theme.dim() },
            ),
            Span::styled(
                format!("- {} skipped", count(CheckStatus::Skip)),
                theme.dim(),
            ),
        ]));
    }
    head
}

/// Failures and warnings first, in full, with their fixes in the wizard's
/// words.
fn failures<'a>(checks: &[CheckOutcome], width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut body = Vec::new();
    for c in checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
    {
        body.push(Line::from(vec![
            status_mark(c.status, theme),
            Span::styled(c.title, theme.key()),
        ]));
        let code = c
            .code
            .as_deref()
            .map(|c| format!("{c}: "))
            .unwrap_or_default();
        let message = format!("{code}{}", crate::wizard::established(c));
        for part in wrap_words(&message, width - 4).into_iter().take(2) {
            body.push(Line::from(format!("    {part}")));
        }
        for fix in &c.fix {
            let fix = crate::wizard::review_fix(c.id, &crate::text::clean(fix));
            for (i, part) in wrap_words(&fix, width - 9).into_iter().take(3).enumerate() {
                body.push(Line::from(vec![
                    Span::styled(if i == 0 { "    Fix: " } else { "         " }, theme.key()),
                    Span::raw(part),
                ]));
            }
        }
    }
    body
}

/// Every check (the same as `ado-setup doctor`), by group, with what each
/// established.
fn check_groups<'a>(checks: &[CheckOutcome], theme: &Theme) -> Vec<Line<'a>> {
    let mut body = Vec::new();
    if !checks.is_empty() {
        body.push(Line::styled(
            "Checks (the same as `ado-setup doctor`)",
            theme.title(),
        ));
    }
    for (group, _) in crate::wizard::CHECK_GROUPS {
        let in_group: Vec<_> = checks
            .iter()
            .filter(|c| crate::wizard::check_group(c.id) == group)
            .collect();
        if in_group.is_empty() {
            continue;
        }
        body.push(Line::styled(format!(" {group}"), theme.key()));
        for c in in_group {
            body.push(Line::from(vec![
                Span::raw("  "),
                status_mark(c.status, theme),
                Span::raw(c.title),
                Span::styled(format!(" · {}", crate::wizard::established(c)), theme.dim()),
            ]));
        }
    }
    body
}

/// The Done screen: where the connection was saved and what to run next.
pub(super) fn done<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let Some(s) = &w.saved else {
        return vec![Line::from("Nothing was saved.")];
    };
    vec![
        Line::from(vec![
            Span::styled("✓ ", theme.ok()),
            Span::raw(format!("Connection {} saved.", s.name)),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::styled("Settings: ", theme.key()),
            Span::raw(s.config_path.clone()),
        ]),
        Line::from(vec![
            Span::styled("Secret:   ", theme.key()),
            Span::raw(s.secret_location.clone()),
        ]),
        Line::from(""),
        Line::from("Next:"),
        Line::from(vec![
            Span::raw(format!("  ado-setup doctor {}", s.name)),
            Span::styled("   checks it any time", theme.dim()),
        ]),
        Line::from(vec![
            Span::raw(format!("  ado-setup export {}", s.name)),
            Span::styled("   prints it for the integration", theme.dim()),
        ]),
    ]
}

//! The Project step: the filterable list of projects in columns (name,
//! process, visibility, as much description as fits).

use ratatui::text::{Line, Span};

use super::widgets::{pending_line, signed_in_line, text_field};
use crate::tui::theme::Theme;
use crate::wizard::Wizard;

pub(super) fn project<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    let mut l = vec![signed_in_line(w, theme)];
    let query = w.projects.query();
    let mut filter = text_field("Filter:", query, query.chars().count(), false, true, theme);
    filter.spans.push(Span::styled(
        format!("   {} of {} projects", w.projects.len(), w.projects.total()),
        theme.dim(),
    ));
    l.push(filter);
    if !w.projects_loaded {
        if w.is_pending() {
            l.push(pending_line(w, "Loading projects…", theme));
        }
        return l;
    }
    let rows = height.saturating_sub(4) as usize;
    let offset = w.projects.scroll_offset(0, rows);
    let window = w.projects.window(offset, rows);
    // Columns sized to the rows shown: name, process, visibility, then as
    // much of the description as fits (SPEC §2.5).
    let cut = |s: &str, n: usize| -> String {
        if s.chars().count() > n {
            s.chars().take(n - 1).chain(['…']).collect()
        } else {
            s.to_string()
        }
    };
    let name_w = window
        .iter()
        .map(|r| r.item.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(7, 36);
    let process_w = window
        .iter()
        .map(|r| r.item.process.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(7, 18);
    l.push(Line::styled(
        format!(
            "  {:<name_w$}  {:<process_w$}  {:<7}  Description",
            "Project", "Process", "Access"
        ),
        theme.dim(),
    ));
    for row in window {
        let item = row.item;
        let marker = if row.selected { "› " } else { "  " };
        let style = if row.selected {
            theme.selected()
        } else {
            theme.normal()
        };
        let process = if item.process.is_empty() {
            "?".to_string()
        } else {
            cut(&item.process, process_w)
        };
        let visibility = match item.visibility.as_str() {
            "" => "?".to_string(),
            v => cut(v, 7),
        };
        let room = 76usize.saturating_sub(name_w + process_w + 7 + 6);
        l.push(Line::from(vec![
            Span::styled(
                format!("{marker}{:<name_w$}", cut(&item.name, name_w)),
                style,
            ),
            Span::raw(format!("  {process:<process_w$}  {visibility:<7}")),
            Span::styled(
                format!("  {}", cut(&item.description, room.max(2))),
                theme.dim(),
            ),
        ]));
    }
    if w.projects.is_empty() {
        l.push(Line::styled("  no project matches the filter", theme.dim()));
    }
    if w.is_pending() {
        l.push(pending_line(w, "Checking the project…", theme));
    }
    l
}

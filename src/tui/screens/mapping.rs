//! The Field mapping step: the project's permission checks as they land,
//! then the mapping's rows (type, area, iteration, priority, assignee, the
//! fields the process requires) and the dry run's verdict. An open picker is
//! drawn by `mapping_picker`.

use ratatui::text::{Line, Span};

use super::mapping_picker::mapping_picker;
use super::widgets::{pending_line, spinner, status_mark, wrap_words};
use crate::tui::theme::Theme;
use crate::wizard::{CheckStatus, MappingForm, MappingRow, Wizard};

pub(super) fn mapping<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    let Some(form) = &w.form else {
        return loading(w, theme);
    };
    if let Some(picker) = &form.picker {
        return mapping_picker(form, picker, theme, height);
    }
    let mut l = Vec::new();
    if let Some(p) = &w.project {
        l.push(Line::styled(
            format!("{} · {} process", p.name, p.process),
            theme.dim(),
        ));
    }
    l.extend(permission_lines(w, theme));
    for (i, row) in form.rows().iter().enumerate() {
        let selected = i == form.row;
        match row_text(form, row) {
            Some(text) => l.extend(form_row(form, row, text, selected, theme)),
            None => l.extend(continue_row(form, selected, theme)),
        }
    }
    if w.is_pending() {
        l.push(pending_line(
            w,
            "Checking the mapping (validateOnly: nothing is created)…",
            theme,
        ));
    }
    l
}

/// Before the form exists: the project, its permission checks, and the
/// project's settings being read (or Enter to read them again).
fn loading<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    if let Some(p) = &w.project {
        l.push(check_line(
            true,
            "Project",
            format!("{} ({} process)", p.name, p.process),
            theme,
        ));
    }
    l.extend(permission_lines(w, theme));
    if w.is_pending() {
        l.push(pending_line(
            w,
            "Reading types, area and iteration trees, team members…",
            theme,
        ));
    } else {
        l.push(Line::styled(
            "Press Enter to read the project's settings again.",
            theme.dim(),
        ));
    }
    l
}

/// A row's label, value and note; `None` for the last row (the button).
fn row_text(form: &MappingForm, row: &MappingRow) -> Option<(String, String, String)> {
    Some(match row {
        MappingRow::Type => (
            "Work item type".into(),
            form.work_item_type.clone(),
            if form.loading_fields {
                "reading its fields…".into()
            } else {
                form.states().join(" → ")
            },
        ),
        MappingRow::Area => ("Area path".into(), form.area.clone(), String::new()),
        MappingRow::Iteration => (
            "Iteration path".into(),
            form.iteration.clone(),
            String::new(),
        ),
        MappingRow::Priority => match &form.fields.priority_values {
            Some(_) => (
                "Priority".into(),
                form.priority.to_string().replace(',', " "),
                String::new(),
            ),
            None => (
                "Priority".into(),
                "—".into(),
                "this type has no Priority field; not mapped".into(),
            ),
        },
        MappingRow::Assignee => (
            "Assignee".into(),
            form.assignee.clone().unwrap_or_else(|| "none".into()),
            String::new(),
        ),
        MappingRow::Field(f) => {
            let field = form.fields.required.get(*f);
            let name = field.map_or(String::new(), |f| f.name.clone());
            let value = field
                .and_then(|f| form.values.get(&f.reference_name).cloned())
                .unwrap_or_else(|| "— needs a value".into());
            (name, value, "required by the process".into())
        }
        MappingRow::Continue => return None,
    })
}

/// One row of the form: a mark (✗ its error, ! a required field without a
/// value), label, value and note, then the row's error in full.
fn form_row<'a>(
    form: &MappingForm,
    row: &MappingRow,
    (label, value, note): (String, String, String),
    selected: bool,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let marker = if selected { "› " } else { "  " };
    let style = if selected {
        theme.selected()
    } else {
        theme.normal()
    };
    let error = form.errors.get(row.key(form));
    let mark = match (error, row) {
        (Some(_), _) => Span::styled("✗ ", theme.error()),
        (None, MappingRow::Field(f))
            if form
                .fields
                .required
                .get(*f)
                .is_some_and(|f| !form.values.contains_key(&f.reference_name)) =>
        {
            Span::styled("! ", theme.warn())
        }
        _ => Span::styled("  ", theme.dim()),
    };
    let value: String = value.chars().take(46).collect();
    let mut spans = vec![
        mark,
        Span::styled(format!("{marker}{label:<16} {value}"), style),
    ];
    if !note.is_empty() {
        spans.push(Span::styled(format!("  {note}"), theme.dim()));
    }
    let mut l = vec![Line::from(spans)];
    if let Some(e) = error {
        let e: String = e.chars().take(72).collect();
        l.push(Line::styled(format!("      {e}"), theme.error()));
    }
    l
}

/// The last row: what the dry run accepted (once it did) and the button
/// that checks or continues.
fn continue_row<'a>(form: &MappingForm, selected: bool, theme: &Theme) -> Vec<Line<'a>> {
    let marker = if selected { "› " } else { "  " };
    let mut l = vec![Line::from("")];
    let label = match form.verified() {
        Some(said) => {
            let said = format!("✓ Dry run accepted: {said}");
            for part in wrap_words(&said, 76).into_iter().take(3) {
                l.push(Line::styled(part, theme.ok()));
            }
            "[ Continue to the Network allowlist ]"
        }
        None => "[ Check with a dry run and continue ]",
    };
    l.push(Line::from(Span::styled(
        format!("{marker}{label}"),
        if selected {
            theme.selected()
        } else {
            theme.key()
        },
    )));
    l
}

fn check_line<'a>(ok: bool, label: &str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        if ok {
            Span::styled("✓ ", theme.ok())
        } else {
            Span::styled("! ", theme.warn())
        },
        Span::styled(format!("{label:<16}"), theme.key()),
        Span::raw(value),
    ])
}

/// The chosen project's permission checks, as the Field mapping step shows
/// them: one line of marks, and for one that did not pass, what to do.
fn permission_lines<'a>(w: &Wizard, theme: &Theme) -> Vec<Line<'a>> {
    use crate::wizard::Permissions;
    fn label(id: &'static str) -> &'static str {
        match id {
            "permission.project_admin" => "Project Administrator",
            "permission.service_hooks" => "service hooks",
            "permission.tags" => "tags",
            other => other,
        }
    }
    match &w.permissions {
        Permissions::NotRun => Vec::new(),
        Permissions::Checking { .. } => vec![Line::from(vec![
            Span::styled(format!("{:<16}", "Permissions"), theme.key()),
            Span::styled(
                format!(
                    "{} checking Project Administrator, service hooks, tags…",
                    spinner(w.tick)
                ),
                theme.dim(),
            ),
        ])],
        Permissions::Checked(outcomes) => {
            let mut marks = vec![Span::styled(format!("{:<16}", "Permissions"), theme.key())];
            for o in outcomes {
                marks.push(status_mark(o.status, theme));
                marks.push(Span::raw(format!("{}  ", label(o.id))));
            }
            let mut l = vec![Line::from(marks)];
            if let Some(o) = outcomes
                .iter()
                .find(|o| matches!(o.status, CheckStatus::Fail | CheckStatus::Warn))
            {
                let fix = o
                    .fix
                    .first()
                    .map(|f| crate::wizard::review_fix(o.id, &crate::text::clean(f)))
                    .unwrap_or_default();
                let said = format!(
                    "{}: {} (you can go on; Review lists every fix)",
                    label(o.id),
                    crate::text::clean(&o.message)
                );
                for part in wrap_words(&said, 72).into_iter().take(2) {
                    l.push(Line::styled(format!("    {part}"), theme.warn()));
                }
                for (i, part) in wrap_words(&fix, 67).into_iter().take(2).enumerate() {
                    l.push(Line::from(vec![
                        Span::styled(if i == 0 { "    Fix: " } else { "         " }, theme.key()),
                        Span::raw(part),
                    ]));
                }
            }
            l
        }
    }
}

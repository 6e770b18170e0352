//! The Field mapping step's open picker: a filterable list (type, assignee,
//! a field's allowed values), an area or iteration tree, the priority per
//! severity, or a free-text value.

use ratatui::text::{Line, Span};

use tui_input::Input;

use super::widgets::{option, text_field};
use crate::tui::theme::Theme;
use crate::wizard::filter::FilterList;
use crate::wizard::tree::TreePicker;
use crate::wizard::{MappingForm, MemberItem, Picker, TypeChoice, ValueItem};

/// The open picker of the Field mapping step.
pub(super) fn mapping_picker<'a>(
    form: &'a MappingForm,
    picker: &'a Picker,
    theme: &Theme,
    height: u16,
) -> Vec<Line<'a>> {
    let rows = usize::from(height.saturating_sub(3)).max(1);
    match picker {
        Picker::Type(list) => type_picker(list, rows, theme),
        Picker::Area => tree_picker(
            "Area path",
            &form.data.areas,
            &form.data.default_area,
            rows,
            theme,
        ),
        Picker::Iteration => tree_picker(
            "Iteration path",
            &form.data.iterations,
            &form.data.default_iteration,
            rows,
            theme,
        ),
        Picker::Priority(sev) => priority_picker(form, *sev, theme),
        Picker::Assignee(list) => assignee_picker(list, rows, theme),
        Picker::Values(i, list) => values_picker(form, *i, list, rows, theme),
        Picker::Text(i, input) => text_picker(form, *i, input, theme),
    }
}

/// A picker's first line: its title, the filter field and a count.
fn filter_line<'a>(title: &str, query: &str, count: String, theme: &Theme) -> Line<'a> {
    let mut line = text_field("Filter:", query, query.chars().count(), false, true, theme);
    line.spans
        .insert(0, Span::styled(format!("{title}  "), theme.title()));
    line.spans
        .push(Span::styled(format!("   {count}"), theme.dim()));
    line
}

/// The work item types, with each one's states.
fn type_picker<'a>(list: &FilterList<TypeChoice>, rows: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![filter_line(
        "Work item type",
        list.query(),
        format!("{} of {}", list.len(), list.total()),
        theme,
    )];
    let offset = list.scroll_offset(0, rows);
    for row in list.window(offset, rows) {
        let states = row.item.states.join(" → ");
        l.push(option(row.selected, &row.item.name, &states, theme));
    }
    l
}

/// The area or iteration tree, with the team's default.
fn tree_picker<'a>(
    title: &str,
    tree: &TreePicker,
    default: &str,
    rows: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut l = vec![filter_line(
        title,
        tree.query(),
        format!("{} of {} shown", tree.len(), tree.total()),
        theme,
    )];
    let default: String = default.chars().take(60).collect();
    l.push(Line::styled(
        format!("Team default (Tab): {default}"),
        theme.dim(),
    ));
    let rows = rows.saturating_sub(1).max(1);
    let offset = tree.scroll_offset(rows);
    for r in tree.window(offset, rows) {
        let indent = "  ".repeat(usize::from(r.node.depth.min(20)));
        let twisty = match (r.has_children, r.expanded) {
            (false, _) => "  ",
            (true, true) => "▾ ",
            (true, false) => "▸ ",
        };
        let marker = if r.selected { "› " } else { "  " };
        let style = if r.selected {
            theme.selected()
        } else if r.matched {
            theme.key()
        } else {
            theme.normal()
        };
        let text: String = format!("{marker}{indent}{twisty}{}", r.node.name)
            .chars()
            .take(76)
            .collect();
        l.push(Line::from(Span::styled(text, style)));
    }
    if tree.is_empty() {
        l.push(Line::styled(
            "  no node matches; a full path (Project\\Area\\Child) is taken if it exists",
            theme.dim(),
        ));
    }
    l
}

/// The priority of each severity, with the values the field allows.
fn priority_picker<'a>(form: &MappingForm, sev: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![Line::styled(
        "Priority for each severity (allowed values of Microsoft.VSTS.Common.Priority)",
        theme.title(),
    )];
    let values = form.fields.priority_values.clone().unwrap_or_default();
    for (i, s) in crate::store::config::Severity::ALL.iter().enumerate() {
        let v = form.priority.get(*s);
        let allowed = values.contains(&v.to_string());
        l.push(option(
            i == sev,
            &format!("{:<9} ◂ {v} ▸", s.to_string()),
            if allowed { "" } else { "not an allowed value" },
            theme,
        ));
    }
    l.push(Line::styled(
        format!("Allowed: {}", values.join(", ")),
        theme.dim(),
    ));
    l
}

/// The team members; an address typed assigns to someone not in a team.
fn assignee_picker<'a>(list: &FilterList<MemberItem>, rows: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![filter_line(
        "Assignee",
        list.query(),
        format!("{} of {} team members", list.len(), list.total()),
        theme,
    )];
    let offset = list.scroll_offset(0, rows.saturating_sub(1));
    for row in list.window(offset, rows.saturating_sub(1)) {
        l.push(option(row.selected, &row.item.label, "", theme));
    }
    if list.is_empty() {
        let q = list.query().trim();
        l.push(Line::styled(
            if q.contains('@') {
                format!("  Enter assigns to {q} (checked against the teams)")
            } else {
                "  no member matches; type an address to assign to someone else".into()
            },
            theme.dim(),
        ));
    }
    l
}

/// The allowed values of the required picklist field `i`.
fn values_picker<'a>(
    form: &MappingForm,
    i: usize,
    list: &FilterList<ValueItem>,
    rows: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let name = form
        .fields
        .required
        .get(i)
        .map_or(String::new(), |f| f.name.clone());
    let mut l = vec![filter_line(
        &name,
        list.query(),
        format!("{} of {}", list.len(), list.total()),
        theme,
    )];
    if let Some(help) = form.fields.required.get(i).and_then(|f| f.help.clone()) {
        l.push(Line::styled(help, theme.dim()));
    }
    let offset = list.scroll_offset(0, rows.saturating_sub(1));
    for row in list.window(offset, rows.saturating_sub(1)) {
        l.push(option(row.selected, &row.item.0, "", theme));
    }
    l
}

/// The value of the required free-text field `i`.
fn text_picker<'a>(form: &MappingForm, i: usize, input: &'a Input, theme: &Theme) -> Vec<Line<'a>> {
    let field = form.fields.required.get(i);
    let mut l = vec![Line::styled(
        field.map_or(String::new(), |f| {
            format!("{} ({})", f.name, f.reference_name)
        }),
        theme.title(),
    )];
    l.push(Line::styled(
        "The process requires a value for every new work item; this one is used for all.",
        theme.dim(),
    ));
    if let Some(help) = field.and_then(|f| f.help.clone()) {
        l.push(Line::styled(help, theme.dim()));
    }
    l.push(text_field(
        "Value:",
        input.value(),
        input.cursor(),
        false,
        true,
        theme,
    ));
    l
}

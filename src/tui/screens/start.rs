//! The screens before a connection is described: the secret store choice
//! (when the OS keyring fails), the start menu and the deployment choice
//! (Services or Server).

use ratatui::text::Line;

use super::widgets::{option, pending_line};
use crate::ado::endpoints::Deployment;
use crate::tui::theme::Theme;
use crate::wizard::Wizard;

pub(super) fn storage<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![
        Line::styled("The OS keyring cannot be used here:", theme.warn()),
        Line::from(format!(
            "  {}",
            w.settings
                .store_problem
                .clone()
                .unwrap_or_default()
                .split(": zbus error")
                .next()
                .unwrap_or_default()
                .chars()
                .take(150)
                .collect::<String>()
        )),
        Line::styled(
            "(common over SSH, in containers and on servers without a desktop session)",
            theme.dim(),
        ),
        Line::from(""),
        Line::from("Where should ado-setup keep the secret (the PAT or the sign-in)?"),
    ];
    for (i, (_, label, note)) in crate::wizard::store_options().iter().enumerate() {
        l.push(option(w.menu_index == i, label, "", theme));
        l.push(Line::styled(format!("      {note}"), theme.dim()));
    }
    l.push(Line::from(""));
    l.push(Line::styled(
        format!(
            "The file would be {}/secrets.toml. To avoid this question: --secret-store CHOICE;",
            w.settings.store_dir
        ),
        theme.dim(),
    ));
    l.push(Line::styled(
        "to refuse anything but the OS keyring: --require-secure-storage.",
        theme.dim(),
    ));
    if w.is_pending() {
        l.push(pending_line(
            w,
            "Testing the store (write, read, delete)…",
            theme,
        ));
    }
    l
}

pub(super) fn menu<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![Line::from("What would you like to do?"), Line::from("")];
    for (i, (_, label)) in crate::wizard::menu_items(w).iter().enumerate() {
        let label: String = label.chars().take(74).collect();
        l.push(option(w.menu_index == i, &label, "", theme));
    }
    if w.settings.existing.is_empty() {
        return l;
    }
    l.extend([
        Line::from(""),
        Line::styled("Saved connections", theme.title()),
    ]);
    for (name, where_, project) in &w.settings.existing {
        let row = format!("  {name:<32} {where_} · {project}");
        let mut row: String = row.chars().take(77).collect();
        if row.chars().count() == 77 {
            row.push('…');
        }
        l.push(Line::from(row));
    }
    l.push(Line::from(""));
    l.push(Line::styled(
        "Change one: ado-setup edit NAME · remove one: ado-setup remove NAME",
        theme.dim(),
    ));
    l
}

pub(super) fn deployment<'a>(w: &Wizard, theme: &Theme) -> Vec<Line<'a>> {
    vec![
        Line::from("Where does Azure Boards run?"),
        Line::from(""),
        option(
            w.deployment == Deployment::Services,
            "1 Azure DevOps Services",
            "cloud: dev.azure.com/ORG, ORG.visualstudio.com",
            theme,
        ),
        option(
            w.deployment == Deployment::Server,
            "2 Azure DevOps Server  ",
            "self-hosted (formerly TFS)",
            theme,
        ),
    ]
}

//! The Target step: the organization name or URL (Services) or the
//! collection URL (Server), with examples, hints and the check in flight.

use ratatui::text::Line;

use super::widgets::{pending_line, text_field};
use crate::ado::endpoints::Deployment;
use crate::tui::theme::Theme;
use crate::wizard::Wizard;

pub(super) fn target<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let (prompt, label, example) = match w.deployment {
        Deployment::Services => (
            "Organization name, or paste any Azure DevOps URL:",
            "Organization:",
            "e.g. contoso · https://dev.azure.com/contoso/Payments · https://contoso.visualstudio.com",
        ),
        Deployment::Server => (
            "Collection URL of your Azure DevOps Server:",
            "Collection URL:",
            "e.g. https://tfs.contoso.com/tfs/DefaultCollection",
        ),
    };
    let mut l = vec![
        Line::from(prompt),
        Line::from(""),
        text_field(
            label,
            w.target.value(),
            w.target.cursor(),
            false,
            true,
            theme,
        ),
        Line::from(""),
        Line::styled(example, theme.dim()),
    ];
    let wanted = match w.deployment {
        Deployment::Services => "organizations",
        Deployment::Server => "collection",
    };
    for hint in w.settings.hints.iter().filter(|h| h.contains(wanted)) {
        l.push(Line::styled(hint.clone(), theme.dim()));
    }
    if w.settings.allow_http && !w.settings.demo {
        l.push(Line::styled(
            "--allow-http: plain http:// URLs are accepted; credentials travel unencrypted.",
            theme.error(),
        ));
    }
    if w.is_pending() {
        l.push(Line::from(""));
        let what = match &w.base_url {
            Some(u) => format!(
                "Checking that {} answers as Azure DevOps…",
                u.as_str().trim_end_matches('/')
            ),
            None => "Checking…".to_string(),
        };
        l.push(pending_line(w, &what, theme));
    }
    l
}

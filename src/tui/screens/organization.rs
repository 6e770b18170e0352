//! The Organization step: with Microsoft sign-in, the user's organizations
//! (filterable); with any other sign-in, the one organization from the
//! Target step and why no list is shown.

use ratatui::text::{Line, Span};

use super::widgets::{option, pending_line, signed_in_line, text_field};
use crate::tui::theme::Theme;
use crate::wizard::{SignInMethod, Wizard};

pub(super) fn organization<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    if w.entra.is_some() {
        return organization_list(w, theme, height);
    }
    vec![
        signed_in_line(w, theme),
        Line::from(""),
        Line::from(vec![
            Span::styled("Organization: ", theme.key()),
            Span::raw(w.organization.clone().unwrap_or_default()),
        ]),
        Line::from(vec![
            Span::styled("URL:          ", theme.key()),
            Span::raw(
                w.base_url
                    .as_ref()
                    .map(|u| u.as_str().trim_end_matches('/').to_string())
                    .unwrap_or_default(),
            ),
        ]),
        Line::from(vec![
            Span::styled("Tenant:       ", theme.key()),
            Span::raw(match w.tenant.as_deref() {
                Some("00000000-0000-0000-0000-000000000000") => {
                    "Microsoft account (no Entra tenant)".to_string()
                }
                Some(t) => t.to_string(),
                None => "unknown".to_string(),
            }),
        ]),
        Line::from(""),
        Line::styled(
            match w.sign_in_method {
                SignInMethod::AzureCli => {
                    "With the Azure CLI's sign-in the wizard does not list your organizations:"
                }
                SignInMethod::ManagedIdentity | SignInMethod::ServicePrincipal => {
                    "An application identity has no list of organizations to choose from"
                }
                _ => "With a personal access token the list of your organizations is not available",
            },
            theme.dim(),
        ),
        Line::styled(
            match w.sign_in_method {
                SignInMethod::AzureCli => "this connection uses the one above.",
                SignInMethod::ManagedIdentity | SignInMethod::ServicePrincipal => {
                    "(it is added to organizations one by one): this connection uses the one above."
                }
                _ => {
                    "(those APIs accept only Microsoft sign-in): this connection uses the one above."
                }
            },
            theme.dim(),
        ),
    ]
}

/// Microsoft sign-in: the user's organizations, filterable.
fn organization_list<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    let mut l = vec![signed_in_line(w, theme)];
    let query = w.orgs.query();
    let mut filter = text_field("Filter:", query, query.chars().count(), false, true, theme);
    filter.spans.push(Span::styled(
        format!("   {} of {} organizations", w.orgs.len(), w.orgs.total()),
        theme.dim(),
    ));
    l.push(filter);
    if !w.orgs_loaded {
        if w.is_pending() {
            l.push(pending_line(w, "Listing your organizations…", theme));
        } else {
            l.push(Line::styled("Press Enter to try again.", theme.dim()));
        }
        return l;
    }
    let rows = usize::from(height.saturating_sub(5)).max(1);
    let offset = w.orgs.scroll_offset(0, rows);
    for row in w.orgs.window(offset, rows) {
        let here = w.organization.as_deref() == Some(row.item.name.as_str());
        l.push(option(
            row.selected,
            &row.item.name,
            if here { "(from the Target step)" } else { "" },
            theme,
        ));
    }
    if w.orgs.is_empty() {
        l.push(Line::styled(
            format!("  none matches; Enter uses {query:?} as the organization name"),
            theme.dim(),
        ));
    }
    if w.is_pending() {
        l.push(pending_line(w, "Checking the organization…", theme));
    } else {
        l.push(Line::styled(
            "Organizations of other directories are not listed: type the name.",
            theme.dim(),
        ));
    }
    l
}

//! The body of each step. One function per step; each is a pure function of
//! the wizard's state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{spinner, text_field};
use crate::ado::endpoints::Deployment;
use crate::tui::theme::Theme;
use crate::wizard::{
    Availability, CheckStatus, MappingForm, MappingRow, Picker, SignInMethod, SpCredential, Step,
    Wizard,
};

/// Renders the current step's body into `area`.
pub fn render_step(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let lines = match w.step {
        Step::Storage => storage(w, theme),
        Step::Menu => menu(w, theme),
        Step::Deployment => deployment(w, theme),
        Step::Target => target(w, theme),
        Step::SignIn => sign_in(w, theme),
        Step::Organization => organization(w, theme, area.height),
        Step::Project => project(w, theme, area.height),
        Step::Mapping => mapping(w, theme, area.height),
        Step::Network => network(w, theme),
        Step::Review => review(w, theme, area.height, area.width),
        Step::Done => done(w, theme),
        Step::Troubleshoot => troubleshoot(w, theme, area.height),
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn option<'a>(selected: bool, label: &str, note: &str, theme: &Theme) -> Line<'a> {
    let marker = if selected { "› " } else { "  " };
    let style = if selected {
        theme.selected()
    } else {
        ratatui::style::Style::default()
    };
    Line::from(vec![
        Span::styled(format!("{marker}{label}"), style),
        Span::styled(format!("  {note}"), theme.dim()),
    ])
}

/// A sign-in method whose availability was probed: its note says what the
/// probe found, and an unavailable one is greyed (it can still be chosen,
/// to read why).
fn probed_option<'a>(
    w: &Wizard,
    method: SignInMethod,
    label: &str,
    unknown: &str,
    checking: &str,
    theme: &Theme,
) -> Line<'a> {
    let selected = w.sign_in_method == method;
    let (note, greyed) = match w.probes.of(method) {
        Some(Availability::Checking { .. }) => (format!("({checking})"), false),
        Some(Availability::Available(detail)) => (format!("✓ {detail}; nothing stored"), false),
        Some(Availability::Unavailable(why)) => (format!("✗ unavailable: {}", why.brief), true),
        Some(Availability::Unknown) | None => (format!("({unknown})"), false),
    };
    if !greyed {
        return option(selected, label, &note, theme);
    }
    let marker = if selected { "› " } else { "  " };
    Line::from(vec![
        Span::styled(
            format!("{marker}{label}"),
            if selected {
                theme.selected()
            } else {
                theme.dim()
            },
        ),
        Span::styled(format!("  {note}"), theme.dim()),
    ])
}

/// Below the choices, for managed identity and the Azure CLI: what Enter
/// does, the probe still running, or why the method is unavailable.
fn probed_detail<'a>(w: &Wizard, enter: &str, checking: &str, theme: &Theme) -> Vec<Line<'a>> {
    match w.probes.of(w.sign_in_method) {
        Some(Availability::Unavailable(why)) => vec![
            Line::styled(format!("✗ {}", why.problem.message), theme.warn()),
            Line::styled(
                "Enter shows what to do · r checks again · Tab chooses another method",
                theme.dim(),
            ),
        ],
        Some(Availability::Checking { .. }) => vec![
            Line::from(enter.to_string()),
            Line::styled(format!("{checking} (Enter need not wait)"), theme.dim()),
        ],
        _ => vec![Line::from(enter.to_string())],
    }
}

fn pending_line<'a>(w: &Wizard, what: &str, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{} ", spinner(w.tick)), theme.title()),
        Span::raw(what.to_string()),
        Span::styled("  (Esc cancels)", theme.dim()),
    ])
}

fn storage<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
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

fn menu<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
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

fn deployment<'a>(w: &Wizard, theme: &Theme) -> Vec<Line<'a>> {
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

fn target<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
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

fn token_page(w: &Wizard) -> String {
    match (&w.deployment, &w.base_url) {
        (_, Some(base)) => format!(
            "{}/_usersSettings/tokens",
            base.as_str().trim_end_matches('/')
        ),
        _ => "User settings › Personal access tokens".to_string(),
    }
}

fn sign_in<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    if w.deployment == Deployment::Services {
        l.push(Line::from("How do you want to sign in?"));
        l.push(option(
            w.sign_in_method == SignInMethod::DeviceCode,
            "Sign in with Microsoft",
            "(device code: works over SSH, no token to create)",
            theme,
        ));
        l.push(option(
            w.sign_in_method == SignInMethod::Pat,
            "Personal access token",
            "",
            theme,
        ));
        l.push(probed_option(
            w,
            SignInMethod::ManagedIdentity,
            "Managed identity",
            "this Azure VM's identity; nothing stored",
            "checking the metadata endpoint…",
            theme,
        ));
        l.push(probed_option(
            w,
            SignInMethod::AzureCli,
            "Azure CLI",
            "reuse `az login`; nothing stored",
            "checking `az`…",
            theme,
        ));
        l.push(option(
            w.sign_in_method == SignInMethod::ServicePrincipal,
            "Service principal",
            "(an app's client id and secret or certificate)",
            theme,
        ));
    } else {
        l.push(Line::from("Sign in with a personal access token."));
        l.push(Line::styled(
            "Windows (NTLM/Kerberos) authentication is not supported by ado-setup.",
            theme.dim(),
        ));
    }
    for warning in &w.target_warnings {
        l.push(Line::styled(format!("! {warning}"), theme.error()));
    }
    l.push(Line::from(""));
    if w.sign_in_method == SignInMethod::Pat {
        l.push(text_field(
            "Token:",
            w.pat.value(),
            w.pat.cursor(),
            true,
            true,
            theme,
        ));
        if w.settings.demo && !w.pat.value().is_empty() {
            l.push(Line::styled(
                "Demo: the sandbox's token is filled in; press Enter.",
                theme.dim(),
            ));
        }
        l.push(Line::from(""));
        l.push(Line::from(vec![
            Span::styled("Create one at ", theme.dim()),
            Span::raw(token_page(w)),
        ]));
        l.push(Line::styled(
            "Scopes: Work Items (Read & write), Project and Team (Read); Identity (Read) for assignee search.",
            theme.dim(),
        ));
    }
    if w.sign_in_method == SignInMethod::DeviceCode {
        device_code(w, theme, &mut l);
        return l;
    }
    match w.sign_in_method {
        SignInMethod::ManagedIdentity => {
            l.push(text_field(
                "Client id:",
                w.mi_client.value(),
                w.mi_client.cursor(),
                false,
                true,
                theme,
            ));
            l.push(Line::styled(
                "Optional: a user-assigned identity's client id; empty: the machine's own identity.",
                theme.dim(),
            ));
            l.extend(probed_detail(
                w,
                "Enter gets a token from this machine's instance metadata endpoint.",
                "Checking whether the endpoint answers…",
                theme,
            ));
        }
        SignInMethod::AzureCli => l.extend(probed_detail(
            w,
            "Enter asks `az account get-access-token` for an Azure DevOps token.",
            "Checking whether az is installed and signed in…",
            theme,
        )),
        SignInMethod::ServicePrincipal => {
            l.push(text_field(
                "Client id:",
                w.sp_client.value(),
                w.sp_client.cursor(),
                false,
                !w.sp_on_secret,
                theme,
            ));
            let certificate = w.sp_credential == SpCredential::CertificateFile;
            l.push(text_field(
                if certificate {
                    "Certificate file:"
                } else {
                    "Client secret:"
                },
                w.sp_secret.value(),
                w.sp_secret.cursor(),
                !certificate,
                w.sp_on_secret,
                theme,
            ));
            if let Some(p) = &w.sp_error {
                l.push(Line::styled(format!("✗ {}", p.message), theme.error()));
                l.push(Line::from(vec![
                    Span::styled("Fix: ", theme.key()),
                    Span::raw(p.fix.clone()),
                ]));
            }
            l.push(Line::styled(
                if certificate {
                    "A PEM file with the private key and the certificate uploaded to the app; it is stored like a secret. F2: a client secret instead."
                } else {
                    "The secret's Value (masked). F2: a certificate file (PEM) instead."
                },
                theme.dim(),
            ));
            l.push(Line::styled(
                "The app must be added to the organization (Organization Settings › Users).",
                theme.dim(),
            ));
        }
        _ => {}
    }
    if w.is_pending() {
        l.push(Line::from(""));
        l.push(pending_line(w, "Signing in…", theme));
    }
    l
}

/// The code, large, the page to enter it on, and the countdown.
fn device_code<'a>(w: &'a Wizard, theme: &Theme, l: &mut Vec<Line<'a>>) {
    let Some(d) = &w.device else {
        if w.is_pending() {
            l.push(pending_line(
                w,
                "Asking Microsoft Entra ID for a code…",
                theme,
            ));
        } else {
            l.push(Line::from(
                "Press Enter for a code, then sign in on any device with a browser.",
            ));
            match w.tenant.as_deref() {
                Some(crate::auth::MSA_TENANT) => l.push(Line::styled(
                    "This organization uses Microsoft accounts: a work account may be refused; a PAT always works.",
                    theme.dim(),
                )),
                Some(t) => l.push(Line::styled(
                    format!("The organization's directory: {t}"),
                    theme.dim(),
                )),
                None => {}
            }
        }
        return;
    };
    l.push(Line::from(vec![
        Span::raw("1. Open  "),
        Span::styled(d.verification_uri.clone(), theme.title()),
    ]));
    l.push(Line::from("2. Enter the code:"));
    // The code, spaced and framed, so it reads at a glance.
    let spaced: String = d
        .user_code
        .chars()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let width = spaced.chars().count() + 4;
    l.push(Line::styled(
        format!("     ┌{}┐", "─".repeat(width)),
        theme.key(),
    ));
    l.push(Line::from(vec![
        Span::styled("     │  ", theme.key()),
        Span::styled(spaced, theme.title()),
        Span::styled("  │", theme.key()),
    ]));
    l.push(Line::styled(
        format!("     └{}┘", "─".repeat(width)),
        theme.key(),
    ));
    let left = w.device_seconds_left().unwrap_or(0);
    l.push(pending_line(
        w,
        &format!(
            "Waiting for you to sign in… {}:{:02} left",
            left / 60,
            left % 60
        ),
        theme,
    ));
    let mut keys = vec![Span::styled("c", theme.key()), Span::raw(" copy the code")];
    if w.settings.sign_in.can_open_browser {
        keys.extend([
            Span::raw(" · "),
            Span::styled("o", theme.key()),
            Span::raw(" open the browser"),
        ]);
    } else {
        keys.push(Span::styled(
            " · no browser here (SSH or no display): use any other device",
            theme.dim(),
        ));
    }
    l.push(Line::from(keys));
}

fn signed_in_line<'a>(w: &Wizard, theme: &Theme) -> Line<'a> {
    match &w.user {
        Some(u) => Line::from(vec![
            Span::styled("✓ ", theme.ok()),
            Span::raw(format!(
                "Signed in as {}{}",
                u.display_name,
                u.sign_in
                    .as_ref()
                    .map(|s| format!(" <{s}>"))
                    .unwrap_or_default()
            )),
        ]),
        None => Line::from(""),
    }
}

fn organization<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
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

fn project<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
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
            ratatui::style::Style::default()
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

fn mapping<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    let Some(form) = &w.form else {
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
        return l;
    };
    if let Some(picker) = &form.picker {
        return mapping_picker(w, form, picker, theme, height);
    }
    if let Some(p) = &w.project {
        l.push(Line::styled(
            format!("{} · {} process", p.name, p.process),
            theme.dim(),
        ));
    }
    l.extend(permission_lines(w, theme));
    let rows = form.rows();
    for (i, row) in rows.iter().enumerate() {
        let selected = i == form.row;
        let marker = if selected { "› " } else { "  " };
        let style = if selected {
            theme.selected()
        } else {
            ratatui::style::Style::default()
        };
        let error = form.errors.get(row.key(form));
        let (label, value, note): (String, String, String) = match row {
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
            MappingRow::Continue => {
                l.push(Line::from(""));
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
                continue;
            }
        };
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
        l.push(Line::from(spans));
        if let Some(e) = error {
            let e: String = e.chars().take(72).collect();
            l.push(Line::styled(format!("      {e}"), theme.error()));
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

/// The open picker of the Field mapping step.
fn mapping_picker<'a>(
    w: &'a Wizard,
    form: &'a MappingForm,
    picker: &'a Picker,
    theme: &Theme,
    height: u16,
) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    let rows = usize::from(height.saturating_sub(3)).max(1);
    let filter_line = |title: &str, query: &str, count: String| {
        let mut line = text_field("Filter:", query, query.chars().count(), false, true, theme);
        line.spans
            .insert(0, Span::styled(format!("{title}  "), theme.title()));
        line.spans
            .push(Span::styled(format!("   {count}"), theme.dim()));
        line
    };
    let _ = w;
    match picker {
        Picker::Type(list) => {
            l.push(filter_line(
                "Work item type",
                list.query(),
                format!("{} of {}", list.len(), list.total()),
            ));
            let offset = list.scroll_offset(0, rows);
            for row in list.window(offset, rows) {
                let states = row.item.states.join(" → ");
                l.push(option(row.selected, &row.item.name, &states, theme));
            }
        }
        Picker::Area | Picker::Iteration => {
            let (title, tree, default) = if matches!(picker, Picker::Area) {
                ("Area path", &form.data.areas, &form.data.default_area)
            } else {
                (
                    "Iteration path",
                    &form.data.iterations,
                    &form.data.default_iteration,
                )
            };
            l.push(filter_line(
                title,
                tree.query(),
                format!("{} of {} shown", tree.len(), tree.total()),
            ));
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
                    ratatui::style::Style::default()
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
        }
        Picker::Priority(sev) => {
            l.push(Line::styled(
                "Priority for each severity (allowed values of Microsoft.VSTS.Common.Priority)",
                theme.title(),
            ));
            let values = form.fields.priority_values.clone().unwrap_or_default();
            for (i, s) in crate::store::config::Severity::ALL.iter().enumerate() {
                let v = form.priority.get(*s);
                let allowed = values.contains(&v.to_string());
                l.push(option(
                    i == *sev,
                    &format!("{:<9} ◂ {v} ▸", s.to_string()),
                    if allowed { "" } else { "not an allowed value" },
                    theme,
                ));
            }
            l.push(Line::styled(
                format!("Allowed: {}", values.join(", ")),
                theme.dim(),
            ));
        }
        Picker::Assignee(list) => {
            l.push(filter_line(
                "Assignee",
                list.query(),
                format!("{} of {} team members", list.len(), list.total()),
            ));
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
        }
        Picker::Values(i, list) => {
            let name = form
                .fields
                .required
                .get(*i)
                .map_or(String::new(), |f| f.name.clone());
            l.push(filter_line(
                &name,
                list.query(),
                format!("{} of {}", list.len(), list.total()),
            ));
            if let Some(help) = form.fields.required.get(*i).and_then(|f| f.help.clone()) {
                l.push(Line::styled(help, theme.dim()));
            }
            let offset = list.scroll_offset(0, rows.saturating_sub(1));
            for row in list.window(offset, rows.saturating_sub(1)) {
                l.push(option(row.selected, &row.item.0, "", theme));
            }
        }
        Picker::Text(i, input) => {
            let field = form.fields.required.get(*i);
            l.push(Line::styled(
                field.map_or(String::new(), |f| {
                    format!("{} ({})", f.name, f.reference_name)
                }),
                theme.title(),
            ));
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
        }
    }
    l
}

/// A stage's time in at most five characters (`15ms`, `1.2s`, `12s`).
fn stage_time(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms}ms"),
        1_000..=9_999 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format!("{}s", ms / 1000),
    }
}

fn network<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![Line::styled(
        format!(
            "  {:<13}{:<28} {:>5} {:>5} {:>5} {:>5}  result",
            "Service", "Host (outbound TCP)", "DNS", "TCP", "TLS", "HTTP"
        ),
        theme.key(),
    )];
    let Some(network) = &w.network else {
        if w.is_pending() {
            l.push(pending_line(
                w,
                "Reaching each endpoint (DNS, TCP, TLS, HTTP)…",
                theme,
            ));
        }
        return l;
    };
    let stage = |x: Option<(u64, bool)>| match x {
        None => "-".to_string(),
        Some((_, true)) => "✗".to_string(),
        Some((ms, false)) => stage_time(ms),
    };
    let mut proxies: Vec<&str> = Vec::new();
    for p in network {
        // HTTPS's port 443 goes without saying; any other is shown.
        let host = url::Url::parse(&p.result.url)
            .map(|u| match u.port_or_known_default() {
                Some(443) => u.host_str().unwrap_or_default().to_string(),
                _ => crate::net::allowlist::host_port(&u),
            })
            .unwrap_or_else(|_| p.result.url.clone());
        let host: String = if host.chars().count() > 28 {
            host.chars().take(27).chain(['…']).collect()
        } else {
            host
        };
        let role = w.endpoint_role(&p.result.url);
        let dns = p.dns.as_ref().map(|d| (d.ms, d.error.is_some()));
        let tcp = p.tcp.as_ref().map(|d| (d.ms, d.error.is_some()));
        let tls = p.tls.as_ref().map(|d| (d.ms, d.error.is_some()));
        let http = p.http.as_ref().map(|d| (d.ms, d.error.is_some()));
        let result = match (&p.http, p.result.ok) {
            (Some(h), true) => match h.status {
                Some(code) => format!("HTTP {code}"),
                None => "answered".to_string(),
            },
            _ => "blocked".to_string(),
        };
        l.push(Line::from(vec![
            if p.result.ok {
                Span::styled("✓ ", theme.ok())
            } else {
                Span::styled("✗ ", theme.error())
            },
            Span::styled(format!("{:<13}", role.what), theme.key()),
            Span::raw(format!("{host:<28} ")),
            Span::styled(
                format!(
                    "{:>5} {:>5} {:>5} {:>5}  ",
                    stage(dns),
                    stage(tcp),
                    stage(tls),
                    stage(http)
                ),
                theme.dim(),
            ),
            Span::raw(result),
        ]));
        // Where the endpoint is overridden: the real host it stands in for.
        let mut in_place = role
            .replaces
            .map(|r| format!("in place of {} ({})", r.host, r.by))
            .unwrap_or_default();
        // What a firewall or support engineer needs to see next to it.
        let detail = if !p.result.ok {
            p.problem
                .as_ref()
                .map(|pr| pr.message.clone())
                .unwrap_or_else(|| p.result.detail.clone())
        } else {
            let addrs = p
                .dns
                .as_ref()
                .map(|d| {
                    d.addresses
                        .iter()
                        .take(2)
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let cert = p
                .tls
                .as_ref()
                .and_then(|t| t.certificate.as_ref())
                .map(|c| {
                    format!(
                        " · cert until {}",
                        c.not_after.get(..10).unwrap_or(&c.not_after)
                    )
                })
                .unwrap_or_default();
            let inspected = if p.tls.as_ref().is_some_and(|t| t.inspected) {
                " · TLS inspected by a proxy"
            } else {
                ""
            };
            format!("{addrs}{cert}{inspected}")
        };
        // The stand-in shares the success's line where both fit, else it
        // gets its own; a failure then gets two lines for its reason.
        let detail = if p.result.ok
            && !in_place.is_empty()
            && in_place.chars().count() + 3 + detail.chars().count() <= 74
        {
            let joined = format!("{in_place} · {detail}");
            in_place.clear();
            joined
        } else {
            detail
        };
        if !in_place.is_empty() {
            l.push(Line::styled(format!("    {in_place}"), theme.dim()));
        }
        let chars: Vec<char> = detail.chars().collect();
        let lines = if p.result.ok { 1 } else { 2 };
        for chunk in chars.chunks(74).take(lines) {
            l.push(Line::styled(
                format!("    {}", chunk.iter().collect::<String>()),
                if p.result.ok {
                    theme.dim()
                } else {
                    theme.error()
                },
            ));
        }
        if let Some(proxy) = &p.proxy
            && !proxies.contains(&proxy.as_str())
        {
            proxies.push(proxy);
        }
    }
    let status = crate::wizard::probes_status(network).as_str();
    l.push(Line::from(vec![
        Span::styled("Allowlist status: ", theme.key()),
        Span::styled(
            status,
            if status == "direct" || status == "proxy" {
                theme.ok()
            } else {
                theme.error()
            },
        ),
        Span::styled(
            if proxies.is_empty() {
                "   no proxy in effect".to_string()
            } else {
                format!("   proxy: {}", proxies.join(", "))
            },
            theme.dim(),
        ),
    ]));
    if let Some(n) = &w.notice {
        l.push(Line::styled(n.clone(), theme.ok()));
    }
    l.push(Line::styled(
        "Inbound (service hooks): allow Azure DevOps' published IP ranges, listed at",
        theme.dim(),
    ));
    l.push(Line::styled(
        crate::net::allowlist::IP_RANGES_URL
            .trim_start_matches("https://")
            .to_string(),
        theme.dim(),
    ));
    l
}

/// `text` in lines of at most `width` characters, broken between words
/// (a word longer than a line is cut).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: String = word.to_string();
        loop {
            let len = line.chars().count();
            let need = word.chars().count() + usize::from(len > 0);
            if len + need <= width {
                if len > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than the line: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `line` cut to `width` characters (a final `…` where it was cut), so a
/// row never wraps and the scroll arithmetic stays true.
fn fit(line: Line<'_>, width: usize) -> Line<'_> {
    if line.width() <= width {
        return line;
    }
    let mut room = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        if room == 0 {
            break;
        }
        let text: String = span.content.chars().take(room).collect();
        room -= text.chars().count();
        spans.push(Span::styled(text, span.style));
    }
    spans.push(Span::raw("…"));
    Line::from(spans).style(line.style)
}

fn review<'a>(w: &'a Wizard, theme: &Theme, height: u16, width: u16) -> Vec<Line<'a>> {
    let width = usize::from(width).max(20);
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

    let mut body: Vec<Line> = Vec::new();
    // Failures and warnings first, in full, with their fixes in the
    // wizard's words.
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
    body.push(Line::styled("What will be saved", theme.title()));
    for a in w.review_answers() {
        body.push(Line::from(vec![
            Span::styled(format!("  {:<17}", a.label), theme.key()),
            Span::raw(a.value),
        ]));
    }
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

fn done<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
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

fn status_mark(status: CheckStatus, theme: &Theme) -> Span<'static> {
    match status {
        CheckStatus::Pass => Span::styled("✓ ", theme.ok()),
        CheckStatus::Warn => Span::styled("! ", theme.warn()),
        CheckStatus::Fail => Span::styled("✗ ", theme.error()),
        CheckStatus::Skip => Span::styled("- ", theme.dim()),
    }
}

/// Step-by-step help for a code, beyond the check's own fix (the seed
/// troubleshooting sequences).
pub fn guidance(code: &str) -> &'static [&'static str] {
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

fn troubleshoot<'a>(w: &'a Wizard, theme: &Theme, height: u16) -> Vec<Line<'a>> {
    let mut l = Vec::new();
    let Some(name) = &w.trouble.name else {
        l.push(Line::from("Which connection should be checked?"));
        l.push(Line::from(""));
        for (i, (name, where_, project)) in w.settings.existing.iter().enumerate() {
            let row = format!("{name:<32} {where_} · {project}");
            let row: String = row.chars().take(74).collect();
            let selected = i == w.trouble.pick;
            l.push(Line::from(Span::styled(
                format!("{}{row}", if selected { "› " } else { "  " }),
                if selected {
                    theme.selected()
                } else {
                    ratatui::style::Style::default()
                },
            )));
        }
        return l;
    };
    // A re-run of one check keeps the list (or its guidance) on screen.
    let rerun = if w.is_pending() {
        w.trouble.rerun
    } else {
        None
    };
    if w.is_pending() && rerun.is_none() {
        l.push(pending_line(
            w,
            &format!("Running every check of {name}…"),
            theme,
        ));
        return l;
    }
    let running = rerun.map(crate::checks::closure).unwrap_or_default();
    let rerun_line = |id: &str| pending_line(w, &format!("Re-running {id}…"), theme);
    let outcomes = &w.trouble.outcomes;
    if outcomes.is_empty() {
        l.push(Line::from(format!(
            "No checks ran for {name}; press r to run them."
        )));
        return l;
    }
    if w.trouble.detail {
        let Some(c) = outcomes.get(w.trouble.index) else {
            return l;
        };
        if let Some(id) = rerun {
            l.push(rerun_line(id));
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
        return l;
    }
    let count = |st: CheckStatus| outcomes.iter().filter(|c| c.status == st).count();
    if let Some(id) = rerun {
        l.push(rerun_line(id));
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
                    ratatui::style::Style::default()
                },
            ),
        ]));
    }
    l
}

//! The Sign-in step: the choice of method (with what each probe found), then
//! the method's fields: the PAT, the device code and its countdown, managed
//! identity, the Azure CLI, or a service principal's id and secret or
//! certificate.

use ratatui::text::{Line, Span};

use super::widgets::{option, pending_line, text_field};
use crate::ado::endpoints::Deployment;
use crate::tui::theme::Theme;
use crate::wizard::{Availability, SignInMethod, SpCredential, Wizard};

pub(super) fn sign_in<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = methods(w, theme);
    for warning in &w.target_warnings {
        l.push(Line::styled(format!("! {warning}"), theme.error()));
    }
    l.push(Line::from(""));
    match w.sign_in_method {
        SignInMethod::Pat => l.extend(pat(w, theme)),
        SignInMethod::DeviceCode => {
            device_code(w, theme, &mut l);
            return l;
        }
        SignInMethod::ManagedIdentity => l.extend(managed_identity(w, theme)),
        SignInMethod::AzureCli => l.extend(probed_detail(
            w,
            "Enter asks `az account get-access-token` for an Azure DevOps token.",
            "Checking whether az is installed and signed in…",
            theme,
        )),
        SignInMethod::ServicePrincipal => l.extend(service_principal(w, theme)),
    }
    if w.is_pending() {
        l.push(Line::from(""));
        l.push(pending_line(w, "Signing in…", theme));
    }
    l
}

/// The methods to choose from (Services), or why a PAT is the only one
/// (Server).
fn methods<'a>(w: &Wizard, theme: &Theme) -> Vec<Line<'a>> {
    if w.deployment != Deployment::Services {
        return vec![
            Line::from("Sign in with a personal access token."),
            Line::styled(
                "Windows (NTLM/Kerberos) authentication is not supported by ado-setup.",
                theme.dim(),
            ),
        ];
    }
    vec![
        Line::from("How do you want to sign in?"),
        option(
            w.sign_in_method == SignInMethod::DeviceCode,
            "Sign in with Microsoft",
            "(device code: works over SSH, no token to create)",
            theme,
        ),
        option(
            w.sign_in_method == SignInMethod::Pat,
            "Personal access token",
            "",
            theme,
        ),
        probed_option(
            w,
            SignInMethod::ManagedIdentity,
            "Managed identity",
            "this Azure VM's identity; nothing stored",
            "checking the metadata endpoint…",
            theme,
        ),
        probed_option(
            w,
            SignInMethod::AzureCli,
            "Azure CLI",
            "reuse `az login`; nothing stored",
            "checking `az`…",
            theme,
        ),
        option(
            w.sign_in_method == SignInMethod::ServicePrincipal,
            "Service principal",
            "(an app's client id and secret or certificate)",
            theme,
        ),
    ]
}

/// The masked token field, where to create a token and its scopes.
fn pat<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![text_field(
        "Token:",
        w.pat.value(),
        w.pat.cursor(),
        true,
        true,
        theme,
    )];
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
    l
}

/// The optional client id of a user-assigned identity, and the probe.
fn managed_identity<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![
        text_field(
            "Client id:",
            w.mi_client.value(),
            w.mi_client.cursor(),
            false,
            true,
            theme,
        ),
        Line::styled(
            "Optional: a user-assigned identity's client id; empty: the machine's own identity.",
            theme.dim(),
        ),
    ];
    l.extend(probed_detail(
        w,
        "Enter gets a token from this machine's instance metadata endpoint.",
        "Checking whether the endpoint answers…",
        theme,
    ));
    l
}

/// The app's client id, then its secret (masked) or certificate file, and
/// the last attempt's problem.
fn service_principal<'a>(w: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut l = vec![text_field(
        "Client id:",
        w.sp_client.value(),
        w.sp_client.cursor(),
        false,
        !w.sp_on_secret,
        theme,
    )];
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
    l
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

fn token_page(w: &Wizard) -> String {
    match (&w.deployment, &w.base_url) {
        (_, Some(base)) => format!(
            "{}/_usersSettings/tokens",
            base.as_str().trim_end_matches('/')
        ),
        _ => "User settings › Personal access tokens".to_string(),
    }
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

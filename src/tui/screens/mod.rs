//! Pure render functions of the wizard's state: one per step, plus the frame
//! (header, progress, problem box, key hints, help, quit question) around
//! them. Nothing here changes state or performs I/O.

mod steps;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::theme::Theme;
use crate::wizard::{Step, Wizard};

/// Smallest size the wizard draws in; below it a "too small" note is shown.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for a tick.
pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick % SPINNER.len() as u64) as usize]
}

/// Draws the whole wizard. Every cell drawn is made safe last
/// ([`crate::text::clean_buffer`]): names and messages come from servers.
pub fn render(frame: &mut Frame, w: &Wizard, theme: &Theme) {
    render_all(frame, w, theme);
    crate::text::clean_buffer(frame.buffer_mut());
}

fn render_all(frame: &mut Frame, w: &Wizard, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = Paragraph::new(vec![
            Line::from("The terminal is too small for ado-setup."),
            Line::from(format!(
                "It needs {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
                area.width, area.height
            )),
            Line::from("Enlarge the window; nothing is lost."),
        ])
        .wrap(Wrap { trim: true });
        frame.render_widget(msg, area);
        return;
    }

    // The problem box fits its wrapped text (message and fix) plus borders.
    let problem_height = w.problem.as_ref().map_or(0, |p| {
        let inner = usize::from(area.width.saturating_sub(2)).max(1);
        let rows = p.message.chars().count().max(1).div_ceil(inner)
            + (p.fix.chars().count() + 5).div_ceil(inner);
        (rows as u16 + 2).min(area.height / 3)
    });
    let [header, progress, body, problem, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(problem_height),
        Constraint::Length(1),
    ])
    .areas(area);

    render_header(frame, header, w, theme);
    render_progress(frame, progress, w, theme);
    let inner = Rect {
        x: body.x + 1,
        width: body.width.saturating_sub(2),
        ..body
    };
    steps::render_step(frame, inner, w, theme);
    if let Some(p) = &w.problem {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.error())
            .title(Span::styled(format!(" ✗ {} ", p.code), theme.error()));
        let text = vec![
            Line::from(p.message.clone()),
            Line::from(vec![
                Span::styled("Fix: ", theme.key()),
                Span::raw(p.fix.clone()),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
            problem,
        );
    }
    render_footer(frame, footer, w, theme);

    if w.show_help {
        render_help(frame, area, w, theme);
    }
    if w.confirm_quit {
        render_confirm_quit(frame, area, theme);
    }
}

fn render_header(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let mut left = vec![Span::styled(" ado-setup ", theme.title())];
    if w.settings.demo {
        left.push(Span::styled(
            "[demo: sandbox, nothing is saved on this machine] ",
            theme.warn(),
        ));
    }
    let right = if matches!(w.step, Step::Menu | Step::Troubleshoot | Step::Storage) {
        String::new()
    } else {
        let steps = w.steps();
        let i = steps.iter().position(|s| *s == w.step).map_or(0, |i| i + 1);
        format!("Step {i} of {} ", steps.len())
    };
    let [l, r] = Layout::horizontal([Constraint::Min(10), Constraint::Length(right.len() as u16)])
        .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(Span::styled(right, theme.dim())), r);
}

fn render_progress(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    if matches!(w.step, Step::Menu | Step::Troubleshoot | Step::Storage) {
        return;
    }
    let steps = w.steps();
    let current = steps.iter().position(|s| *s == w.step).unwrap_or(0);
    let mut spans = vec![Span::raw(" ")];
    for (i, _) in steps.iter().enumerate() {
        let (mark, style) = if i < current {
            ("●", theme.ok())
        } else if i == current {
            ("◉", theme.title())
        } else {
            ("○", theme.dim())
        };
        spans.push(Span::styled(mark, style));
    }
    spans.push(Span::raw("  "));
    spans.push(Span::styled(w.step.title(), theme.title()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Key hints for the current step.
pub fn key_hints(w: &Wizard) -> Vec<(&'static str, &'static str)> {
    if w.is_pending() && w.device.is_some() {
        let mut keys = vec![("c", "copy code")];
        if w.settings.sign_in.can_open_browser {
            keys.push(("o", "open browser"));
        }
        keys.extend([("Esc", "cancel"), ("Ctrl-C", "quit")]);
        return keys;
    }
    if w.is_pending() {
        return vec![("Esc", "cancel"), ("Ctrl-C", "quit")];
    }
    let mut hints = match w.step {
        Step::Menu | Step::Storage => vec![("↑↓", "move"), ("Enter", "choose"), ("q", "quit")],
        Step::Deployment => vec![("↑↓", "choose"), ("Enter", "continue")],
        Step::Target => vec![("Enter", "check & continue")],
        Step::Review => vec![("Enter", "save"), ("↑↓", "scroll")],
        Step::SignIn if w.deployment == crate::ado::endpoints::Deployment::Services => {
            use crate::wizard::{Availability, SignInMethod, SpCredential};
            match (w.sign_in_method, w.probes.of(w.sign_in_method)) {
                (_, Some(Availability::Unavailable(_))) => {
                    vec![("Tab", "method"), ("Enter", "why"), ("r", "check again")]
                }
                (SignInMethod::ServicePrincipal, _) => vec![
                    ("Tab", "method"),
                    ("Enter", if w.sp_on_secret { "sign in" } else { "next" }),
                    (
                        "F2",
                        match w.sp_credential {
                            SpCredential::Secret => "certificate",
                            SpCredential::CertificateFile => "secret",
                        },
                    ),
                ],
                _ => vec![("Tab", "method"), ("Enter", "sign in")],
            }
        }
        Step::SignIn => vec![("Enter", "sign in")],
        Step::Project => vec![("type", "filter"), ("↑↓", "move"), ("Enter", "choose")],
        Step::Mapping => match w.form.as_ref().and_then(|f| f.picker.as_ref()) {
            Some(crate::wizard::Picker::Area | crate::wizard::Picker::Iteration) => vec![
                ("←→", "fold"),
                ("Tab", "default"),
                ("Enter", "choose"),
                ("Esc", "close"),
            ],
            Some(crate::wizard::Picker::Priority(_)) => {
                vec![("↑↓", "severity"), ("←→", "value"), ("Enter", "done")]
            }
            Some(crate::wizard::Picker::Text(..)) => vec![("Enter", "set"), ("Esc", "close")],
            Some(_) => vec![
                ("type", "filter"),
                ("↑↓", "move"),
                ("Enter", "choose"),
                ("Esc", "close"),
            ],
            None if w.form.as_ref().is_some_and(|f| f.verified().is_some()) => {
                vec![("↑↓", "row"), ("Enter", "change / continue")]
            }
            None => vec![("↑↓", "row"), ("Enter", "change / check")],
        },
        Step::Organization if w.entra.is_some() => {
            vec![("type", "filter"), ("↑↓", "move"), ("Enter", "choose")]
        }
        Step::Network => vec![
            ("Enter", "continue"),
            ("r", "re-test"),
            ("c", "copy"),
            ("s", "save"),
        ],
        Step::Done => vec![("Enter", "exit")],
        Step::Troubleshoot if w.trouble.name.is_none() => {
            vec![("↑↓", "choose"), ("Enter", "check it")]
        }
        Step::Troubleshoot if w.trouble.detail => {
            vec![("Enter", "back to the list"), ("r", "re-run this check")]
        }
        Step::Troubleshoot => vec![
            ("↑↓", "move"),
            ("Enter", "what to do"),
            ("r", "re-run this"),
            ("R", "all"),
        ],
        _ => vec![("Enter", "continue")],
    };
    let can_go_back = match w.step {
        Step::Done | Step::Menu | Step::Storage => false,
        Step::Deployment => !w.settings.existing.is_empty(),
        Step::Mapping => w.form.as_ref().is_none_or(|f| f.picker.is_none()),
        _ => true,
    };
    if can_go_back {
        hints.push(("Esc", "back"));
    }
    // `?` types into text fields, so those steps name F1.
    // Where `?` is typed (filters, fields), help is F1.
    let text_step = matches!(
        w.step,
        Step::Target | Step::SignIn | Step::Project | Step::Review
    ) || (w.step == Step::Mapping
        && w.form.as_ref().is_some_and(|f| f.picker.is_some()))
        || (w.step == Step::Organization && w.orgs_loaded);
    hints.push((if text_step { "F1" } else { "?" }, "help"));
    if w.step != Step::Menu {
        hints.push(("Ctrl-C", "quit"));
    }
    hints
}

fn render_footer(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in key_hints(w) {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::styled(format!(" {what}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The help text of a step.
pub fn help_text(step: Step) -> &'static [&'static str] {
    match step {
        Step::Storage => &[
            "The OS keyring (Secret Service, Keychain, Credential Manager) failed a",
            "write/read/delete test, so ado-setup will not use it, and will not pick",
            "another store for you. Choose one; it is tested before any secret is asked.",
        ],
        Step::Menu => &[
            "Start a new connection, troubleshoot a saved one (every check, with what to do), or quit.",
            "Saved connections are listed for reference; `ado-setup doctor NAME` checks one.",
        ],
        Step::Deployment => &[
            "Azure DevOps Services is the cloud service at dev.azure.com.",
            "Azure DevOps Server (formerly TFS) runs on your own servers.",
        ],
        Step::Target => &[
            "Services: type the organization name, or paste any Azure DevOps URL",
            "(dev.azure.com/ORG/PROJECT, ORG.visualstudio.com, a repo or wiki URL):",
            "the organization and project are taken from it.",
            "Server: the collection URL, e.g. https://tfs.contoso.com/tfs/DefaultCollection.",
        ],
        Step::SignIn => &[
            "Sign in with Microsoft: Enter shows a code; enter it on any device with a",
            "browser (your phone will do) and sign in. The sign-in is kept (a refresh",
            "token in the secret store), so later runs need none.",
            "Personal access token: scopes Work Items (Read & write) and Project and",
            "Team (Read); create one under User settings › Personal access tokens.",
            "It is masked here and stored only in the secret store.",
            "Managed identity, Azure CLI: checked when this step opens (does the",
            "metadata endpoint answer; is az installed and signed in?). An unavailable",
            "one says why: Enter shows the fix, r checks again. Nothing is stored.",
            "Service principal: the app's client id, then its client secret's Value,",
            "or (F2) a certificate file: a PEM with the private key and certificate.",
        ],
        Step::Organization => &[
            "With Microsoft sign-in: the organizations of your directory; type to filter.",
            "An organization of another directory is not listed: type its name and press Enter.",
            "With a PAT: the organization from the Target step.",
        ],
        Step::Project => &[
            "Type to filter (fuzzy: `pay plat` finds Payments Platform).",
            "↑↓ PgUp PgDn Home End move; Enter checks the project and continues.",
            "Each row shows the project's process and visibility (? where unknown).",
            "The permission checks (Project Administrator, service hooks, tags) run",
            "when a project is chosen; the next step shows them as they land.",
        ],
        Step::Mapping => &[
            "How work items are created. Defaults come from the project's default team.",
            "↑↓ choose a row, Enter changes it; the last row checks everything with a",
            "validateOnly create (nothing is created) and shows what it would have",
            "created; Enter then continues.",
            "Pickers: type to filter; trees: ←→ collapse/expand, Tab the team's default;",
            "priority: ←→ change a severity's value; assignee: type an address for",
            "someone not in a team; Delete clears it. Esc closes a picker.",
            "Fields marked ! are required by the process and need a value.",
        ],
        Step::Network => &[
            "Every endpoint this connection needs, reached from this machine: DNS, TCP,",
            "TLS (the certificate is checked; --ca-file adds a CA) and an HTTP request,",
            "through the proxy of HTTPS_PROXY/NO_PROXY when one applies.",
            "r re-tests; c copies the list for a firewall request (OSC 52); s saves it as",
            "a text file next to the config. Status: direct, proxy, partial or blocked.",
            "Each row names its service (Azure DevOps, identity, profile, sign-in, the",
            "organization's legacy host); one replaced by ADO_SETUP_*_URL or the demo says",
            "which real host it stands in for.",
        ],
        Step::Review => &[
            "Every answer that will be saved, then every check (the same as",
            "`ado-setup doctor`) by group, with what each established; failures first,",
            "each with what to change and where. ↑↓ PgUp PgDn scroll.",
            "The checks ran against Azure DevOps; nothing was created there.",
            "Name the connection and press Enter to save it. Saving is the only step that writes.",
        ],
        Step::Done => &["The connection is saved. Enter exits."],
        Step::Troubleshoot => &[
            "Every check of `ado-setup doctor`, for a saved connection.",
            "↑↓ choose a check, Enter shows what it found and what to do.",
            "r re-runs the selected check (and the checks it needs); R re-runs them all.",
            "Esc goes back: guidance › checklist › connections › start menu.",
        ],
    }
}

fn render_help(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let mut lines: Vec<Line> = help_text(w.step).iter().map(|l| Line::from(*l)).collect();
    lines.push(Line::from(""));
    lines.push(Line::from(
        "Everywhere: Esc goes back (Backspace only edits); Ctrl-C quits.",
    ));
    lines.push(Line::styled("Press any key to close.", theme.dim()));
    let width = 76u16.min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let rect = centered(area, width, rows as u16 + 2);
    // The whole band behind the box is cleared: no half-covered text of the
    // step shows at its sides.
    frame.render_widget(
        Clear,
        Rect {
            x: area.x,
            width: area.width,
            ..rect
        },
    );
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::default().borders(Borders::ALL).title(Span::styled(
                format!(" Help: {} ", w.step.title()),
                theme.title(),
            )),
        ),
        rect,
    );
}

fn render_confirm_quit(frame: &mut Frame, area: Rect, theme: &Theme) {
    let rect = centered(area, 50, 5);
    frame.render_widget(Clear, rect);
    let text = vec![
        Line::from("Quit and discard your answers?"),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" quit   "),
            Span::styled("any other key", theme.key()),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.warn())
                .title(" Quit? "),
        ),
        rect,
    );
}

/// A labelled single-line text field; `masked` shows bullets only.
/// `cursor` is the character index of the caret (tui-input's `cursor()`).
pub(crate) fn text_field<'a>(
    label: &'a str,
    value: &str,
    cursor: usize,
    masked: bool,
    focused: bool,
    theme: &Theme,
) -> Line<'a> {
    let shown: String = if masked {
        "•".repeat(value.chars().count().min(64))
    } else {
        value.to_string()
    };
    let at = cursor.min(shown.chars().count());
    let (before, after): (String, String) = (
        shown.chars().take(at).collect(),
        shown.chars().skip(at).collect(),
    );
    let mut spans = vec![Span::styled(format!("{label} "), theme.key())];
    spans.push(Span::styled(before, theme.input()));
    if focused {
        spans.push(Span::styled("▏", Style::default()));
    }
    spans.push(Span::styled(after, theme.input()));
    Line::from(spans)
}

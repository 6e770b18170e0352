//! The boxes drawn over a step: the help box (the step's help text plus
//! what holds everywhere) and the quit question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::widgets::centered;
use crate::tui::theme::Theme;
use crate::wizard::{Step, Wizard};

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

pub(super) fn render_help(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
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

pub(super) fn render_confirm_quit(frame: &mut Frame, area: Rect, theme: &Theme) {
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

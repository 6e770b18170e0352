//! Pure render functions of the wizard's state. This file draws the frame
//! (header, progress, the step's body, problem box, key hints) and picks the
//! step's body; each step (or group of related steps) has its own file that
//! turns the wizard into lines; `hints` and `overlays` hold the key hints,
//! the help texts and the boxes drawn over a step; `widgets` the pieces the
//! steps share (text field, choice, spinner, status marks, word wrap).
//! Nothing here changes state or performs I/O; every style comes from
//! [`crate::tui::theme`].

mod hints;
mod mapping;
mod mapping_picker;
mod network;
mod organization;
mod overlays;
mod project;
mod review;
mod sign_in;
mod start;
mod target;
mod troubleshoot;
mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::theme::Theme;
use crate::wizard::{Step, Wizard};

pub use hints::key_hints;
pub use overlays::help_text;
pub use widgets::spinner;

/// Smallest width the wizard draws in; below it a "too small" note is shown.
pub const MIN_WIDTH: u16 = 60;
/// Smallest height the wizard draws in (see [`MIN_WIDTH`]).
pub const MIN_HEIGHT: u16 = 16;

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
    render_step(frame, inner, w, theme);
    render_problem(frame, problem, w, theme);
    render_footer(frame, footer, w, theme);

    if w.show_help {
        overlays::render_help(frame, area, w, theme);
    }
    if w.confirm_quit {
        overlays::render_confirm_quit(frame, area, theme);
    }
}

/// The problem box under the body: the problem's code, message and fix.
fn render_problem(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let Some(p) = &w.problem else {
        return;
    };
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
        area,
    );
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

fn render_footer(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in key_hints(w) {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::styled(format!(" {what}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Renders the current step's body into `area`.
fn render_step(frame: &mut Frame, area: Rect, w: &Wizard, theme: &Theme) {
    let lines = match w.step {
        Step::Storage => start::storage(w, theme),
        Step::Menu => start::menu(w, theme),
        Step::Deployment => start::deployment(w, theme),
        Step::Target => target::target(w, theme),
        Step::SignIn => sign_in::sign_in(w, theme),
        Step::Organization => organization::organization(w, theme, area.height),
        Step::Project => project::project(w, theme, area.height),
        Step::Mapping => mapping::mapping(w, theme, area.height),
        Step::Network => network::network(w, theme),
        Step::Review => review::review(w, theme, area.height, area.width),
        Step::Done => review::done(w, theme),
        Step::Troubleshoot => troubleshoot::troubleshoot(w, theme, area.height),
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

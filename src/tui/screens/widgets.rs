//! The pieces the step screens share: the spinner, a text field, a choice
//! row, the "working…" line, the signed-in line, check status marks, word
//! wrapping and cutting a line to a width, and centring a box. Pure
//! functions of their arguments; styles from the theme.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;
use crate::wizard::{CheckStatus, Wizard};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for a tick.
pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick % SPINNER.len() as u64) as usize]
}

/// A labelled single-line text field; `masked` shows bullets only.
/// `cursor` is the character index of the caret (tui-input's `cursor()`).
pub(super) fn text_field<'a>(
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
        spans.push(Span::styled("▏", theme.normal()));
    }
    spans.push(Span::styled(after, theme.input()));
    Line::from(spans)
}

pub(super) fn option<'a>(selected: bool, label: &str, note: &str, theme: &Theme) -> Line<'a> {
    let marker = if selected { "› " } else { "  " };
    let style = if selected {
        theme.selected()
    } else {
        theme.normal()
    };
    Line::from(vec![
        Span::styled(format!("{marker}{label}"), style),
        Span::styled(format!("  {note}"), theme.dim()),
    ])
}

pub(super) fn pending_line<'a>(w: &Wizard, what: &str, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{} ", spinner(w.tick)), theme.title()),
        Span::raw(what.to_string()),
        Span::styled("  (Esc cancels)", theme.dim()),
    ])
}

pub(super) fn signed_in_line<'a>(w: &Wizard, theme: &Theme) -> Line<'a> {
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

pub(super) fn status_mark(status: CheckStatus, theme: &Theme) -> Span<'static> {
    match status {
        CheckStatus::Pass => Span::styled("✓ ", theme.ok()),
        CheckStatus::Warn => Span::styled("! ", theme.warn()),
        CheckStatus::Fail => Span::styled("✗ ", theme.error()),
        CheckStatus::Skip => Span::styled("- ", theme.dim()),
    }
}

/// `text` in lines of at most `width` characters, broken between words
/// (a word longer than a line is cut).
pub(super) fn wrap_words(text: &str, width: usize) -> Vec<String> {
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
pub(super) fn fit(line: Line<'_>, width: usize) -> Line<'_> {
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

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

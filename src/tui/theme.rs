//! Every style the screens use, in one place. With `NO_COLOR` the palette is
//! dropped and selection is carried by a marker and reverse video alone.

use ratatui::style::{Color, Modifier, Style};

/// The screens' styles.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Whether colours are used (false with `NO_COLOR`).
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set (to anything non-empty).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// A monochrome theme (tests, `NO_COLOR`).
    pub fn plain() -> Theme {
        Theme { color: false }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    /// Text without any style (the default style, named so screens take
    /// every style from here).
    pub fn normal(&self) -> Style {
        Style::default()
    }
    /// Titles: the app name, the step, a picker's title.
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Notes and secondary text.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    /// The selected row (reverse video, so it shows without colour).
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    /// Something that passed.
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    /// A warning, or something that needs attention.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    /// A failure.
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// Keys, labels and field names.
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Text the user typed into a field.
    pub fn input(&self) -> Style {
        Style::default().add_modifier(Modifier::UNDERLINED)
    }
}

//! The terminal guard: raw mode, alternate screen and bracketed paste on
//! creation; restored on drop — on a normal exit, an error, a signal, and
//! (through ratatui's panic hook) a panic.

use std::io::stdout;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Owns the terminal while the TUI runs.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters the TUI (fails when there is no terminal).
    pub fn new() -> std::io::Result<Self> {
        let terminal = ratatui::try_init()?;
        let _ = execute!(stdout(), EnableBracketedPaste);
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(stdout(), DisableBracketedPaste);
        ratatui::restore();
    }
}

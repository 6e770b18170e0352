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

/// The OSC 52 sequence that asks the terminal to put `text` on the system
/// clipboard (works over SSH in most terminals).
pub fn osc52(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut b64 = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                b64.push('=');
            }
        }
    }
    format!("\x1b]52;c;{b64}\x07")
}

/// Copies `text` through the terminal (OSC 52), when stdout is one.
pub fn copy_to_clipboard(text: &str) {
    use std::io::{IsTerminal, Write};
    let mut out = std::io::stdout();
    if out.is_terminal() {
        let _ = out.write_all(osc52(text).as_bytes());
        let _ = out.flush();
    }
}

#[cfg(test)]
mod osc52_tests {
    #[test]
    fn osc52_is_base64_in_the_escape() {
        assert_eq!(super::osc52("ABCD-EFGH"), "\x1b]52;c;QUJDRC1FRkdI\x07");
        assert_eq!(super::osc52("a"), "\x1b]52;c;YQ==\x07");
        assert_eq!(super::osc52("ab"), "\x1b]52;c;YWI=\x07");
        assert_eq!(super::osc52(""), "\x1b]52;c;\x07");
    }
}

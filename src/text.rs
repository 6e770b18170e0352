//! Text from parties ado-setup does not control — a server's names,
//! messages and headers, another tool's output, a hand-edited config — made
//! safe to put on a terminal or in a file someone will `cat`.
//!
//! [`Untrusted`] is the one type for it. Its rule, applied everywhere:
//!
//! * terminal control sequences (ESC `[`…, ESC `]`… BEL/ST, DCS/SOS/PM/APC
//!   strings, two-character escapes, and their 8-bit C1 forms `U+009B`,
//!   `U+009D`, …) are removed whole, so an OSC 52 clipboard write or a
//!   clear-screen leaves only the text around it;
//! * line breaks and tabs become a space (one-line text), or are kept where
//!   ado-setup composed the lines itself ([`Untrusted::lines`]);
//! * every other C0 or C1 control and DEL becomes `U+FFFD` (�), so it is
//!   seen, not obeyed;
//! * bidirectional overrides and isolates (`U+202A`–`U+202E`,
//!   `U+2066`–`U+2069`) and the other invisible format characters that can
//!   disguise text (zero-width space, LRM/RLM/ALM, word joiner, BOM, soft
//!   hyphen, tag characters, …) are removed. ZWJ and ZWNJ stay: scripts and
//!   emoji need them and they cannot reorder or hide text.
//!
//! It is applied where server text enters ([`from_json_slice`] for every
//! JSON answer, [`Problem::new`](crate::problem::Problem::new) for every
//! message) and again where text leaves (doctor, connect, list, show,
//! export, the `-v` log and every TUI frame), so a path forgotten at one end
//! is caught at the other. JSON output keeps values intact instead:
//! [`json_safe`] writes the offending characters as `\uXXXX` escapes.
//!
//! A leaf of the crate: it depends on no other module, and [`clean_bounded`]
//! is the one way to quote such text into a bounded line of a message.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::iter::Peekable;
use std::str::Chars;

/// Text from outside, shown safely: its `Display` applies the module's rule.
///
/// `Untrusted::new(name)` is for one-line text (names, messages, headers);
/// [`Untrusted::lines`] keeps line breaks and tabs, for output that
/// ado-setup composed line by line around such text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Untrusted<'a> {
    text: &'a str,
    keep_lines: bool,
}

impl<'a> Untrusted<'a> {
    /// One-line text: line breaks and tabs become spaces.
    pub fn new(text: &'a str) -> Self {
        Untrusted {
            text,
            keep_lines: false,
        }
    }

    /// Text whose line breaks (`\n`, `\r\n`) and tabs are ado-setup's own.
    pub fn lines(text: &'a str) -> Self {
        Untrusted {
            text,
            keep_lines: true,
        }
    }

    /// The safe text, borrowed when nothing had to change.
    pub fn cleaned(self) -> Cow<'a, str> {
        if self.text.chars().any(|c| self.needs_work(c)) {
            Cow::Owned(self.to_string())
        } else {
            Cow::Borrowed(self.text)
        }
    }

    fn needs_work(self, c: char) -> bool {
        match c {
            '\n' | '\t' => !self.keep_lines,
            c => is_unsafe(c),
        }
    }
}

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\u{1b}' => skip_escape(&mut chars),
                '\u{9b}' => skip_csi(&mut chars),
                // DCS, SOS, OSC, PM, APC: strings up to a terminator.
                '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
                '\n' | '\t' if self.keep_lines => f.write_char(c)?,
                '\r' if self.keep_lines && chars.peek() == Some(&'\n') => {}
                // Line and paragraph breaks of every kind: a space, so no
                // server text starts a line of its own.
                '\n' | '\t' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                    f.write_char(' ')?
                }
                c if c.is_control() => f.write_char(char::REPLACEMENT_CHARACTER)?,
                c if is_invisible_format(c) => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// One-line safe text (see [`Untrusted::new`]).
pub fn clean(text: &str) -> Cow<'_, str> {
    Untrusted::new(text).cleaned()
}

/// Safe text that keeps ado-setup's own line breaks (see [`Untrusted::lines`]).
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    Untrusted::lines(text).cleaned()
}

/// [`clean`] for an owned string: the same string when nothing changes.
pub fn clean_string(text: String) -> String {
    if text.chars().any(|c| Untrusted::new(&text).needs_work(c)) {
        Untrusted::new(&text).to_string()
    } else {
        text
    }
}

/// [`clean_lines`] for an owned string: the same string when nothing changes.
pub fn clean_lines_string(text: String) -> String {
    if text.chars().any(|c| Untrusted::lines(&text).needs_work(c)) {
        Untrusted::lines(&text).to_string()
    } else {
        text
    }
}

/// [`clean`], trimmed and at most `max` characters long (the last one `…`
/// when cut): another party's message quoted into one of ado-setup's lines.
pub fn clean_bounded(text: &str, max: usize) -> String {
    let flat = clean(text);
    let trimmed = flat.trim();
    if trimmed.chars().count() > max {
        let mut t: String = trimmed.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        trimmed.to_string()
    }
}

/// Whether a character must not reach a terminal as is: a C0 or C1 control,
/// DEL, a line or paragraph separator, or an invisible format character.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_invisible_format(c)
}

/// Bidi controls and the other invisible format characters (Unicode `Cf`)
/// that can hide or reorder text; ZWNJ and ZWJ are not among them.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// After ESC: the rest of the sequence it starts, whatever its kind.
fn skip_escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        // nF escapes: intermediates, then one final character.
        Some(' '..='/') => {
            while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
            chars.next_if(|c| matches!(c, '0'..='~'));
        }
        // Two-character escapes (ESC c, ESC 7, ESC =, …).
        Some('0'..='~') => {
            chars.next();
        }
        // A lone ESC: only it goes.
        _ => {}
    }
}

/// After CSI: parameters and intermediates, then the final byte.
fn skip_csi(chars: &mut Peekable<Chars<'_>>) {
    while chars.next_if(|c| matches!(c, ' '..='?')).is_some() {}
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// After OSC, DCS, SOS, PM or APC: the string up to its terminator (BEL,
/// ST as ESC `\` or `U+009C`, or CAN/SUB, which abort it). Without a
/// terminator only the introducer goes: the rest is shown, made safe.
fn skip_string(chars: &mut Peekable<Chars<'_>>) {
    let mut ahead = chars.clone();
    let mut taken = 0usize;
    loop {
        match ahead.next() {
            None => return,
            Some('\u{07}' | '\u{9c}' | '\u{18}' | '\u{1a}') => {
                taken += 1;
                break;
            }
            Some('\u{1b}') if ahead.peek() == Some(&'\\') => {
                taken += 2;
                break;
            }
            // Another sequence begins: this one ends here.
            Some('\u{1b}') => break,
            Some(_) => taken += 1,
        }
    }
    for _ in 0..taken {
        chars.next();
    }
}

/// Serialized JSON made safe to print: every unsafe character (which JSON
/// can only carry inside a string; serde escapes C0 already, but not DEL,
/// C1 or bidi controls) becomes its `\uXXXX` escape, so the value is the
/// same to a parser and inert on a terminal. The layout's own line breaks
/// stay.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_unsafe(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value as pretty JSON for the terminal, ending in a newline, with
/// [`json_safe`] applied.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let raw = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    let mut out = match json_safe(&raw) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(s) => s,
    };
    out.push('\n');
    out
}

/// Applies the one-line rule to every string of a JSON value, object keys
/// included.
pub fn clean_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(c) = clean(s) {
                *s = c;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean_json),
        Value::Object(map) => {
            if map.keys().any(|k| clean(k) != k.as_str()) {
                let old = std::mem::take(map);
                for (k, v) in old {
                    map.insert(clean(&k).into_owned(), v);
                }
            }
            map.values_mut().for_each(clean_json);
        }
        _ => {}
    }
}

/// Parses a server's JSON answer with every string made safe first (see
/// [`clean_json`]): the boundary through which server JSON enters the
/// models. Syntax errors say where, as `serde_json::from_slice` does.
pub fn from_json_slice<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)?;
    clean_json(&mut value);
    serde_json::from_value(value)
}

/// Makes every cell of a rendered frame safe: a symbol holding an unsafe
/// character is replaced by its cleaned form (a space when nothing is
/// left). ratatui already drops C0/C1 controls from text it lays out; this
/// also covers bidi and format characters, and cells set directly.
pub fn clean_buffer(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        let symbol = cell.symbol();
        if symbol.chars().any(is_unsafe) {
            let cleaned = clean(symbol).into_owned();
            let cleaned = if cleaned.is_empty() {
                " ".to_string()
            } else {
                cleaned
            };
            cell.set_symbol(&cleaned);
        }
    }
}

/// An `io::Write` that applies [`Untrusted::lines`] to everything written
/// through it (the `-v` log file). Each write is expected to hold whole
/// characters, as the log formatter's one-write-per-event does; bytes that
/// are not UTF-8 are written as `U+FFFD`.
#[derive(Debug)]
pub struct CleanWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for CleanWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(clean_lines(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What no output may contain.
    fn assert_inert(s: &str) {
        for c in s.chars() {
            assert!(
                !is_unsafe(c) || c == '\n' || c == '\t',
                "{c:?} (U+{:04X}) left in {s:?}",
                c as u32
            );
        }
    }

    #[test]
    fn osc_52_clipboard_write_is_removed_whole() {
        let s = "Jamal\u{1b}]52;c;ZWNobyBwd25lZA==\u{07} Hartnett";
        assert_eq!(clean(s), "Jamal Hartnett");
        let st = "Jamal\u{1b}]52;c;ZWNobyBwd25lZA==\u{1b}\\ Hartnett";
        assert_eq!(clean(st), "Jamal Hartnett");
        let c1 = "Jamal\u{9d}0;title\u{9c} Hartnett";
        assert_eq!(clean(c1), "Jamal Hartnett");
    }

    #[test]
    fn csi_sequences_in_both_forms_are_removed() {
        assert_eq!(clean("\u{1b}[2J\u{1b}[HFabrikam"), "Fabrikam");
        assert_eq!(clean("\u{1b}[1;31mred\u{1b}[0m"), "red");
        assert_eq!(clean("\u{9b}2JFabrikam"), "Fabrikam");
        assert_eq!(clean("a\u{1b}[?25lb"), "ab");
    }

    #[test]
    fn other_escapes_and_strings_are_removed() {
        assert_eq!(clean("a\u{1b}cb"), "ab", "ESC c resets the terminal");
        assert_eq!(clean("a\u{1b}(Bb"), "ab", "nF escape");
        assert_eq!(clean("a\u{1b}P1$r\u{1b}\\b"), "ab", "DCS");
        assert_eq!(clean("a\u{1b}_app\u{07}b"), "ab", "APC");
        assert_eq!(clean("a\u{1b}"), "a", "a lone ESC at the end");
        assert_eq!(clean("a\u{1b}\u{1b}[1mb"), "ab");
    }

    #[test]
    fn an_unterminated_string_loses_only_its_introducer() {
        assert_eq!(clean("a\u{1b}]0;title"), "a0;title");
        assert_eq!(clean("a\u{9d}0;title"), "a0;title");
    }

    #[test]
    fn stray_controls_are_shown_not_obeyed() {
        assert_eq!(clean("a\u{07}b\u{0}c\u{7f}d\u{8a}e"), "a�b�c�d�e");
        assert_eq!(clean("back\u{08}space"), "back�space");
    }

    #[test]
    fn line_breaks_become_spaces_in_one_line_text() {
        assert_eq!(clean("a\nb\r\nc\td\u{2028}e\u{85}f"), "a b  c d e f");
        assert_eq!(clean("[ OK ]\r[FAIL]"), "[ OK ] [FAIL]");
    }

    #[test]
    fn bounded_text_is_clean_trimmed_and_cut_with_an_ellipsis() {
        assert_eq!(clean_bounded("  a\u{1b}[2J\nb  ", 10), "a b");
        assert_eq!(clean_bounded("abcdef", 6), "abcdef");
        assert_eq!(clean_bounded("abcdefg", 6), "abcde…");
    }

    #[test]
    fn our_own_lines_are_kept() {
        assert_eq!(clean_lines("a\n\tb\r\nc\rd"), "a\n\tb\nc d");
        assert!(matches!(clean_lines("one\ntwo\n"), Cow::Borrowed(_)));
        assert_eq!(clean_lines("x \u{1b}[2Jy\n"), "x y\n");
    }

    #[test]
    fn bidi_and_invisible_format_characters_are_removed() {
        assert_eq!(clean("abc\u{202e}fdp.exe"), "abcfdp.exe");
        assert_eq!(clean("\u{2066}a\u{2069}\u{200b}b\u{feff}\u{200f}"), "ab");
        assert_eq!(clean("tag\u{e0041}\u{e0042}s"), "tags");
        // ZWJ sequences (emoji) and ZWNJ (Persian) survive.
        assert_eq!(clean("👩\u{200d}💻"), "👩\u{200d}💻");
        assert_eq!(clean("می\u{200c}خواهم"), "می\u{200c}خواهم");
    }

    #[test]
    fn ordinary_text_is_borrowed_untouched() {
        let s = "Fabrikam Fiber · Überprüfung — 日本語 ✓";
        assert!(matches!(clean(s), Cow::Borrowed(t) if t == s));
        assert_eq!(Untrusted::new(s).to_string(), s);
    }

    #[test]
    fn json_output_keeps_values_and_escapes_what_is_unsafe() {
        let v = serde_json::json!({"name": "a\u{1b}]52;c;x\u{07}\u{9b}2J\u{202e}b\u{7f}"});
        let out = to_json_pretty(&v);
        assert_inert(&out);
        assert!(out.contains("\\u009b"), "{out}");
        assert!(out.contains("\\u202e"), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v, "the value is unchanged for a parser");
        let astral = json_safe("\"\u{e0041}\"");
        assert_eq!(astral, "\"\\udb40\\udc41\"");
    }

    #[test]
    fn server_json_is_cleaned_on_the_way_in() {
        #[derive(serde::Deserialize)]
        struct Me {
            name: String,
            tags: Vec<String>,
            props: std::collections::BTreeMap<String, String>,
        }
        let body = br#"{"name":"\u001b]52;c;cHduZWQ=\u0007Jamal\u202e","tags":["\u009b31mx"],"props":{"k\u001b[2J":"v\n"}}"#;
        let me: Me = from_json_slice(body).unwrap();
        assert_eq!(me.name, "Jamal");
        assert_eq!(me.tags, ["x"]);
        assert_eq!(me.props.get("k").map(String::as_str), Some("v "));
        let err = from_json_slice::<Me>(b"{\"name\":").err().unwrap();
        assert!(err.is_eof());
    }

    #[test]
    fn the_log_writer_cleans_what_passes() {
        use std::io::Write;
        let mut w = CleanWriter(Vec::new());
        w.write_all(b"who=\x1b]52;c;eA==\x07Jamal\xc2\x9b2J\n")
            .unwrap();
        assert_eq!(String::from_utf8(w.0).unwrap(), "who=Jamal\n");
    }

    #[test]
    fn buffer_cells_are_cleaned() {
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf[(0, 0)].set_symbol("\u{202e}");
        buf[(1, 0)].set_symbol("\u{1b}");
        buf[(2, 0)].set_symbol("e\u{301}");
        clean_buffer(&mut buf);
        assert_eq!(buf[(0, 0)].symbol(), " ");
        assert_eq!(buf[(1, 0)].symbol(), " ");
        assert_eq!(buf[(2, 0)].symbol(), "e\u{301}");
    }

    /// Characters an attacker would reach for, mixed with plain text.
    fn hostile_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => proptest::char::range('\u{0}', '\u{a0}'),
            1 => proptest::char::range('\u{2000}', '\u{2070}'),
            1 => Just('\u{feff}'),
            1 => proptest::char::range('\u{e0000}', '\u{e0080}'),
            2 => proptest::char::any(),
        ]
    }

    proptest! {
        #[test]
        fn no_output_ever_holds_an_unsafe_character(
            chars in proptest::collection::vec(hostile_char(), 0..64)
        ) {
            let s: String = chars.into_iter().collect();
            let one = clean(&s);
            assert_inert(&one);
            prop_assert!(!one.contains('\n') && !one.contains('\t'));
            assert_inert(&clean_lines(&s));
            assert_inert(&json_safe(&serde_json::to_string(&s).unwrap()));
            // Cleaning is idempotent: clean text is left as it is.
            prop_assert_eq!(clean(&one), one.clone());
        }

        #[test]
        fn printable_text_survives(s in "[a-zA-Z0-9 .,;:!?'\"()\\[\\]{}<>@#$%&*+=/\\\\|~^_-]{0,40}") {
            prop_assert_eq!(clean(&s), s.as_str());
        }

        #[test]
        fn escaped_json_parses_to_the_same_value(
            chars in proptest::collection::vec(hostile_char(), 0..32)
        ) {
            let s: String = chars.into_iter().collect();
            let json = serde_json::to_string_pretty(&serde_json::json!({"v": s})).unwrap();
            let back: serde_json::Value = serde_json::from_str(&json_safe(&json)).unwrap();
            prop_assert_eq!(back["v"].as_str(), Some(s.as_str()));
        }
    }
}

//! A failure as the user sees it: a stable code, a one-line message and a
//! fix. Every layer that reports to a person (wizard, doctor) speaks this.
//! Depends only on [`crate::text`], which makes all three safe to show.

/// A failure as the user sees it: code, one line, fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: String,
    pub message: String,
    pub fix: String,
}

impl Problem {
    /// A problem from its three parts. Message and fix often quote a
    /// server or another tool, so both are made safe to show here (see
    /// [`crate::text`]): the message on one line, the fix keeping its lines.
    pub fn new(code: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            code: crate::text::clean(code).into_owned(),
            message: crate::text::clean_string(message.into()),
            fix: crate::text::clean_lines_string(fix.into()),
        }
    }
}

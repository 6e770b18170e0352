//! A failure as the user sees it: a stable code, a one-line message and a
//! fix. Every layer that reports to a person (wizard, doctor) speaks this.

/// A failure as the user sees it: code, one line, fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: String,
    pub message: String,
    pub fix: String,
}

impl Problem {
    /// A problem from its three parts.
    pub fn new(code: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            code: code.to_string(),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl From<&crate::ado::error::AdoError> for Problem {
    fn from(e: &crate::ado::error::AdoError) -> Self {
        Problem::new(e.code(), e.to_string(), e.fix())
    }
}

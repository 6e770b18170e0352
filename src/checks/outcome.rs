//! Building a [`CheckOutcome`]: pass, warn/fail with a code and fixes, skip
//! with the reason, a failure from an Azure DevOps error. Shared by every
//! family of checks and the runner; depends only on the catalogue.

use std::time::Instant;

use super::catalogue::def;
use super::report::{CheckOutcome, HttpTrace, Status};
use crate::ado::error::AdoError;

/// `f()`'s output when `yes` (the run evaluates the check), without
/// starting it otherwise.
pub(super) async fn maybe<F: std::future::Future>(
    yes: bool,
    f: impl FnOnce() -> F,
) -> Option<F::Output> {
    if yes { Some(f().await) } else { None }
}

/// Milliseconds since `started`, for `duration_ms`.
fn ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The catalogue title of `id`.
fn title(id: &'static str) -> &'static str {
    def(id).map_or(id, |d| d.title)
}

/// `id` passed.
pub(super) fn pass(id: &'static str, message: impl Into<String>, started: Instant) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status: Status::Pass,
        code: None,
        message: message.into(),
        fix: Vec::new(),
        duration_ms: ms(started),
        http: None,
        fields: Vec::new(),
    }
}

/// `id` did not pass (`warn` or `fail`), with its code and fixed fix lines.
pub(super) fn not_pass(
    id: &'static str,
    status: Status,
    code: &str,
    message: impl Into<String>,
    fix: &[&str],
    started: Instant,
) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status,
        code: Some(code.to_string()),
        message: message.into(),
        fix: fix.iter().map(|s| s.to_string()).collect(),
        duration_ms: ms(started),
        http: None,
        fields: Vec::new(),
    }
}

/// A failure whose fix is computed (an error's own `fix()`).
pub(super) fn fail_with(
    id: &'static str,
    code: &str,
    message: impl Into<String>,
    fix: String,
    started: Instant,
) -> CheckOutcome {
    // A computed fix may run over several lines (steps, alternatives): each
    // is a fix of its own, as they would be flattened into one otherwise.
    CheckOutcome {
        fix: fix
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        ..not_pass(id, Status::Fail, code, message, &[], started)
    }
}

/// `id` did not run, and why.
pub(super) fn skip(id: &'static str, why: impl Into<String>) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status: Status::Skip,
        code: None,
        message: why.into(),
        fix: Vec::new(),
        duration_ms: 0,
        http: None,
        fields: Vec::new(),
    }
}

/// `id` failed with what Azure DevOps answered: the error's code, message,
/// fix and HTTP trace.
pub(super) fn from_error(id: &'static str, e: &AdoError, started: Instant) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status: Status::Fail,
        code: Some(e.code().to_string()),
        message: e.to_string(),
        fix: vec![e.fix()],
        duration_ms: ms(started),
        http: Some(HttpTrace {
            status: e.status(),
            activity_id: e.support_ids().and_then(|i| i.activity_id.clone()),
        }),
        fields: Vec::new(),
    }
}

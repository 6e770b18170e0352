//! What a run reports: each check's [`CheckOutcome`] (status, message,
//! code, fixes, the HTTP answers it rests on) and the [`Report`] of a run,
//! with its summary and the facts it established.

use secrecy::SecretString;
use serde::Serialize;

use crate::net::allowlist::AllowlistStatus;

/// A check's result (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One check as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    /// Set when the status is not `pass`.
    pub code: Option<String>,
    pub message: String,
    /// The exact steps or command that resolve it.
    pub fix: Vec<String>,
    pub duration_ms: u64,
    /// HTTP status and support id of the answer behind a failure, for the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpTrace>,
    /// The fields a mapping check found wrong, each with what it needs (the
    /// wizard shows them on the field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

/// A work item field a check found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub reference_name: String,
    pub message: String,
}

/// What Azure DevOps answered, for support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpTrace {
    pub status: Option<u16>,
    pub activity_id: Option<String>,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

/// Every outcome of a run, in catalogue order.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<CheckOutcome>,
    /// `direct`, `proxy`, `partial` or `blocked`, when the allowlist was probed.
    pub allowlist_status: Option<AllowlistStatus>,
    /// The base URL the checks used.
    pub base_url: Option<String>,
    /// The refresh token Entra ID renewed during the run (Microsoft
    /// sign-in), for the caller to store in place of the old one.
    pub renewed_secret: Option<SecretString>,
    /// What the run established, for saving a connection from it.
    pub facts: Facts,
}

/// What a run established along the way (only what passed its check).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub api_version: Option<String>,
    pub user: Option<crate::store::config::ConnectionUser>,
    /// The organization's Entra tenant, as its answer named it.
    pub tenant: Option<String>,
    pub project: Option<String>,
    pub project_id: Option<String>,
    pub process: Option<String>,
    pub work_item_type: Option<String>,
    pub area_path: Option<String>,
    pub iteration_path: Option<String>,
}

impl Report {
    /// Counts per status.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for o in &self.outcomes {
            match o.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Skip => s.skip += 1,
            }
        }
        s
    }

    /// One check's outcome.
    pub fn get(&self, id: &str) -> Option<&CheckOutcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }
}

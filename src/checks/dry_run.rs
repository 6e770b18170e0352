//! The dry-run create (`validateOnly=true`: nothing is created) that answers
//! both `scope.write` and `mapping.dry_run` (SPEC §4): its operations, built
//! from the mapping, and what its answer says for each. A 401 on the write
//! while reads work is a missing PAT scope, not bad credentials.

use std::time::Instant;

use serde_json::json;

use super::outcome::{from_error, not_pass, pass};
use super::project::PAT_SCOPES;
use super::report::{CheckOutcome, FieldProblem, Status};
use super::subject::Subject;
use crate::ado::error::{AdoError, AuthFailure};
use crate::ado::models::{JsonPatchOperation, RuleValidationError, WorkItem};
use crate::store::config::Severity;

/// The operations of the dry-run create; `has_priority`: the type has
/// `Microsoft.VSTS.Common.Priority`.
pub(super) fn dry_run_ops(
    subject: &Subject,
    has_priority: bool,
    area: Option<&str>,
    iteration: Option<&str>,
) -> Vec<JsonPatchOperation> {
    let mut ops = vec![JsonPatchOperation::add_field(
        "System.Title",
        json!("ado-setup doctor (dry run)"),
    )];
    if let Some(a) = area {
        ops.push(JsonPatchOperation::add_field("System.AreaPath", json!(a)));
    }
    if let Some(i) = iteration {
        ops.push(JsonPatchOperation::add_field(
            "System.IterationPath",
            json!(i),
        ));
    }
    if has_priority {
        ops.push(JsonPatchOperation::add_field(
            "Microsoft.VSTS.Common.Priority",
            json!(subject.priority_map.get(Severity::Medium)),
        ));
    }
    if let Some(a) = &subject.assignee {
        ops.push(JsonPatchOperation::add_field("System.AssignedTo", json!(a)));
    }
    for (k, v) in &subject.field_defaults {
        ops.push(JsonPatchOperation::add_field(k, json!(v)));
    }
    ops
}

/// `scope.write` from the dry-run create's answer, and `mapping.dry_run`
/// where the answer says something about the mapping (`None` when
/// `scope.write` failed: the runner skips `mapping.dry_run` for it).
pub(super) fn write_checks(
    answer: Result<WorkItem, AdoError>,
    started: Instant,
) -> (CheckOutcome, Option<CheckOutcome>) {
    match answer {
        Ok(_) => (
            pass("scope.write", "a dry-run create was accepted", started),
            Some(pass(
                "mapping.dry_run",
                "accepted (validateOnly: nothing was created)",
                started,
            )),
        ),
        Err(
            e @ AdoError::Unauthorized {
                kind: AuthFailure::InvalidCredentials,
                ..
            },
        ) => {
            // Reads work, the write is refused: a scope the token lacks.
            let mut o = from_error("scope.write", &e, started);
            o.code = Some("PROVIDER_SCOPE_UNAVAILABLE".into());
            let said = match &e {
                AdoError::Unauthorized { message, .. } if !message.is_empty() => message.clone(),
                other => other.to_string(),
            };
            o.message = format!("reads work but creating a work item is refused: {said}");
            o.fix = vec![PAT_SCOPES.to_string()];
            (o, None)
        }
        Err(e @ (AdoError::Unauthorized { .. } | AdoError::Forbidden { .. })) => {
            let mut o = from_error("scope.write", &e, started);
            if matches!(e, AdoError::Forbidden { .. }) {
                o.fix = vec![
                    "Give the user Contribute rights on work items in the area: Project Settings › Project configuration › Areas › Security".into(),
                ];
            }
            (o, None)
        }
        Err(AdoError::RuleValidation {
            errors, message, ..
        }) => (
            pass(
                "scope.write",
                "the service evaluated a dry-run create",
                started,
            ),
            Some(rejected(&errors, message, started)),
        ),
        Err(e) => (
            pass("scope.write", "not refused for lack of rights", started),
            Some(from_error("mapping.dry_run", &e, started)),
        ),
    }
}

/// `mapping.dry_run` when the process rules refused the create: each field
/// named, with what it needs.
fn rejected(errors: &[RuleValidationError], message: String, started: Instant) -> CheckOutcome {
    let named: Vec<String> = errors
        .iter()
        .map(|e| {
            let f = e.field_reference_name.as_deref().unwrap_or("a field");
            if e.is_required_missing() {
                format!("{f} is required")
            } else {
                format!("{f} has a value the rules refuse")
            }
        })
        .collect();
    let msg = if named.is_empty() {
        message
    } else {
        named.join("; ")
    };
    let fields = errors
        .iter()
        .map(|e| FieldProblem {
            reference_name: e.field_reference_name.clone().unwrap_or_default(),
            message: if e.is_required_missing() {
                "required by a rule: give it a value".to_string()
            } else {
                e.error_message
                    .clone()
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "a rule refuses this value".to_string())
            },
        })
        .collect();
    CheckOutcome {
        fields,
        ..not_pass(
            "mapping.dry_run",
            Status::Fail,
            "MAPPING_REJECTED",
            msg,
            &["Give each field named a value: --field REF=VALUE (or its default in the config)"],
            started,
        )
    }
}

//! `mapping.work_item_type`, `mapping.area_path`, `mapping.iteration_path`,
//! `mapping.assignee`, `mapping.priority` and `mapping.required_fields`
//! (SPEC §4): the mapping against what the project holds. What the mapping
//! asks about comes from the subject, else the project's defaults
//! ([`MappingPlan`]). The dry-run create is in `dry_run.rs`.

use std::time::Instant;

use serde_json::{Value, json};

use super::outcome::{from_error, not_pass, pass};
use super::project::ProjectDefaults;
use super::report::{CheckOutcome, FieldProblem, Status};
use super::subject::Subject;
use crate::ado::client::AdoClient;
use crate::ado::error::AdoError;
use crate::ado::models::{WorkItemType, WorkItemTypeField};
use crate::store::config::Severity;

/// Fields every work item gets without a mapping (SPEC §4: the standard ones
/// and what the service fills in itself).
const STANDARD_FIELDS: &[&str] = &[
    "System.Title",
    "System.State",
    "System.AreaPath",
    "System.IterationPath",
    "System.AreaId",
    "System.IterationId",
    "System.WorkItemType",
    "System.TeamProject",
    "System.Reason",
];

/// What the mapping checks ask about: the subject's type and paths, else
/// the project's defaults.
pub(super) struct MappingPlan {
    pub wanted: Option<String>,
    /// `wanted` as the project names it, when the project has it.
    pub found: Option<String>,
    pub area_path: String,
    pub iteration_path: String,
}

impl MappingPlan {
    pub(super) fn new(subject: &Subject, m: &ProjectDefaults) -> MappingPlan {
        let wanted = subject
            .work_item_type
            .clone()
            .or_else(|| m.work_item_type.clone());
        let found = wanted.as_ref().and_then(|w| {
            m.types
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(w))
                .map(|t| t.name.clone())
        });
        MappingPlan {
            wanted,
            found,
            area_path: subject.area_path.clone().unwrap_or(m.area_path.clone()),
            iteration_path: subject
                .iteration_path
                .clone()
                .unwrap_or(m.iteration_path.clone()),
        }
    }
}

/// `mapping.work_item_type`: the type `wanted` (`found`: the project's type
/// of that name) exists and is enabled. Gives the type's name when it passed.
pub(super) fn type_check(
    wanted: Option<&str>,
    found: Option<&WorkItemType>,
    m: &ProjectDefaults,
    project: &str,
    started: Instant,
) -> (Option<String>, CheckOutcome) {
    match (wanted, found) {
        (Some(_), Some(t)) if t.is_enabled() => (
            Some(t.name.clone()),
            pass("mapping.work_item_type", t.name.clone(), started),
        ),
        (Some(w), Some(_)) => (
            None,
            not_pass(
                "mapping.work_item_type",
                Status::Fail,
                "MAPPING_INVALID",
                format!("work item type {w} is disabled in this project"),
                &[
                    "Choose an enabled type (--work-item-type), or enable it under Organization Settings › Boards › Process",
                ],
                started,
            ),
        ),
        (Some(w), None) => (
            None,
            CheckOutcome {
                fix: vec![format!(
                    "Choose one of: {}",
                    m.types
                        .iter()
                        .filter(|t| t.is_enabled())
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
                ..not_pass(
                    "mapping.work_item_type",
                    Status::Fail,
                    "MAPPING_INVALID",
                    format!("project {project} has no work item type {w}"),
                    &[],
                    started,
                )
            },
        ),
        (None, _) => (
            None,
            not_pass(
                "mapping.work_item_type",
                Status::Fail,
                "MAPPING_INVALID",
                "the project has no enabled work item type to create",
                &["Enable a work item type under Organization Settings › Boards › Process"],
                started,
            ),
        ),
    }
}

/// `mapping.area_path` or `mapping.iteration_path` (`kind`: `area` or
/// `iteration`) from the classification node's answer for `path`.
pub(super) fn path_check(
    id: &'static str,
    kind: &str,
    path: &str,
    result: Result<(), AdoError>,
    started: Instant,
) -> CheckOutcome {
    match result {
        Ok(()) => pass(id, path.to_string(), started),
        Err(AdoError::NotFound { .. }) => CheckOutcome {
            fix: vec![format!(
                "Choose an existing {kind} path (--{kind}-path), or create it under Project Settings › Boards › Project configuration"
            )],
            ..not_pass(
                id,
                Status::Fail,
                "MAPPING_INVALID",
                format!("the {kind} path {path} does not exist"),
                &[],
                started,
            )
        },
        Err(e) => from_error(id, &e, started),
    }
}

/// Whether `who` is a member of any team of the project: the teams, then
/// every team's members at once (a member list that cannot be read counts
/// as not holding them).
pub(super) async fn assignee_found(
    c: AdoClient,
    project: String,
    who: String,
) -> Result<bool, AdoError> {
    let teams = c.teams(&project).await?;
    let lists =
        futures::future::join_all(teams.iter().map(|t| c.team_members(&project, &t.name))).await;
    Ok(lists.into_iter().flatten().flatten().any(|m| {
        m.identity
            .unique_name
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(&who))
    }))
}

/// `mapping.assignee`: the assignee, if any, is in a team of the project
/// (`found`: what [`assignee_found`] answered).
pub(super) fn assignee_check(
    project: &str,
    assignee: Option<&str>,
    found: Option<Result<bool, AdoError>>,
    started: Instant,
) -> CheckOutcome {
    let (Some(who), Some(found)) = (assignee, found) else {
        return pass(
            "mapping.assignee",
            "none: work items are created unassigned",
            started,
        );
    };
    let found = match found {
        Ok(f) => f,
        Err(e) => return from_error("mapping.assignee", &e, started),
    };
    if found {
        pass("mapping.assignee", who.to_string(), started)
    } else {
        not_pass(
            "mapping.assignee",
            Status::Fail,
            "MAPPING_INVALID",
            format!("{who} is not a member of any team of {project}"),
            &[
                "Use the sign-in address of a project member (--assignee), or add the user to a team under Project Settings › Teams",
            ],
            started,
        )
    }
}

/// `mapping.priority`: every severity maps to a value the type's Priority
/// field allows (a warning when the type has no Priority field).
pub(super) fn priority_check(
    fields: &[WorkItemTypeField],
    subject: &Subject,
    started: Instant,
) -> CheckOutcome {
    let Some(f) = fields
        .iter()
        .find(|f| f.reference_name == "Microsoft.VSTS.Common.Priority")
    else {
        return not_pass(
            "mapping.priority",
            Status::Warn,
            "MAPPING_INVALID",
            "this work item type has no Priority field: the priority map is not used",
            &["Choose a type with Microsoft.VSTS.Common.Priority to map severities"],
            started,
        );
    };
    let refused: Vec<String> = Severity::ALL
        .iter()
        .map(|s| (s, subject.priority_map.get(*s)))
        .filter(|(_, v)| f.has_allowed_values() && !f.allows(&json!(v)))
        .map(|(s, v)| format!("{s}={v}"))
        .collect();
    if refused.is_empty() {
        pass(
            "mapping.priority",
            subject.priority_map.to_string(),
            started,
        )
    } else {
        CheckOutcome {
            fields: vec![FieldProblem {
                reference_name: f.reference_name.clone(),
                message: format!(
                    "{} not allowed; one of: {}",
                    refused.join(", "),
                    f.allowed_value_strings().join(", ")
                ),
            }],
            fix: vec![format!(
                "Map each severity to one of: {} (--priority-map)",
                f.allowed_value_strings().join(", ")
            )],
            ..not_pass(
                "mapping.priority",
                Status::Fail,
                "MAPPING_INVALID",
                format!("not allowed for Priority: {}", refused.join(", ")),
                &[],
                started,
            )
        }
    }
}

/// The fields a create must be given a value for: `alwaysRequired`, not
/// one of the standard fields, and without a default of their own.
pub fn required_fields(fields: &[WorkItemTypeField]) -> Vec<&WorkItemTypeField> {
    fields
        .iter()
        .filter(|f| f.always_required)
        .filter(|f| !STANDARD_FIELDS.contains(&f.reference_name.as_str()))
        .filter(|f| f.default_value.as_ref().is_none_or(Value::is_null))
        .collect()
}

/// `mapping.required_fields`: every field a create must be given has a
/// value in the mapping.
pub(super) fn required_fields_check(
    fields: &[WorkItemTypeField],
    subject: &Subject,
    started: Instant,
) -> CheckOutcome {
    let missing: Vec<&WorkItemTypeField> = required_fields(fields)
        .into_iter()
        .filter(|f| !subject.field_defaults.contains_key(&f.reference_name))
        .collect();
    if missing.is_empty() {
        return pass(
            "mapping.required_fields",
            "every required field has a value",
            started,
        );
    }
    let named: Vec<String> = missing
        .iter()
        .map(|f| {
            let allowed = f.allowed_value_strings();
            if allowed.is_empty() {
                f.reference_name.clone()
            } else {
                format!("{} (one of: {})", f.reference_name, allowed.join(", "))
            }
        })
        .collect();
    CheckOutcome {
        fields: missing
            .iter()
            .map(|f| {
                let allowed = f.allowed_value_strings();
                FieldProblem {
                    reference_name: f.reference_name.clone(),
                    message: if allowed.is_empty() {
                        "required: give it a value".to_string()
                    } else {
                        format!("required: one of {}", allowed.join(", "))
                    },
                }
            })
            .collect(),
        fix: missing
            .iter()
            .map(|f| format!("--field {}=VALUE", f.reference_name))
            .collect(),
        ..not_pass(
            "mapping.required_fields",
            Status::Fail,
            "MAPPING_REQUIRED_FIELD",
            format!("required without a value: {}", named.join("; ")),
            &[],
            started,
        )
    }
}

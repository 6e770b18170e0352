//! `project.access`, `project.process` and `scope.read` (SPEC §4): the
//! project, its process, and the metadata the mapping needs from it
//! ([`ProjectDefaults`], also read by the wizard's Field mapping step). Also
//! the path forms shared with the mapping checks and the wizard.

use std::time::Instant;

use super::outcome::{from_error, not_pass, pass};
use super::report::{CheckOutcome, Status};
use crate::ado::client::AdoClient;
use crate::ado::error::AdoError;
use crate::ado::models::{Process, TeamProject, WorkItemType};

/// The PAT scopes to tick, as a fix line.
pub(super) const PAT_SCOPES: &str = "Under User settings › Personal access tokens, edit the token and tick \
     Work Items (Read & write) and Project and Team (Read)";

/// `project.access`: the project given was read (`found`: its answer,
/// `None` when no project was given). Gives the project when it passed.
pub(super) fn access_check(
    name: Option<&str>,
    found: Option<Result<TeamProject, AdoError>>,
    started: Instant,
) -> (Option<TeamProject>, CheckOutcome) {
    let (Some(name), Some(found)) = (name, found) else {
        let o = not_pass(
            "project.access",
            Status::Fail,
            "PROJECT_NOT_FOUND",
            "no project given",
            &["Pass --project NAME, or check a saved connection: ado-setup doctor NAME"],
            started,
        );
        return (None, o);
    };
    match found {
        Ok(p) => {
            let o = pass("project.access", format!("{} ({})", p.name, p.id), started);
            (Some(p), o)
        }
        Err(e) => {
            let mut o = from_error("project.access", &e, started);
            if matches!(e, AdoError::NotFound { .. }) {
                o.code = Some("PROJECT_NOT_FOUND".into());
                o.fix = vec![format!(
                    "Check the name {name:?}, and that this account is a member: \
                     Organization Settings › Users › Manage user › Projects"
                )];
            }
            (None, o)
        }
    }
}

/// `project.process`: the project's process `name` is a system one or
/// inherited from one (a warning for a custom one, or when the process list
/// could not be read).
pub(super) fn process_check(
    processes: Result<Vec<Process>, AdoError>,
    name: &str,
    started: Instant,
) -> CheckOutcome {
    let system = ["Basic", "Agile", "Scrum", "CMMI"].contains(&name);
    let processes = match processes {
        Ok(p) => p,
        Err(_) if system => return pass("project.process", name.to_string(), started),
        // Older servers may not answer the process list: say what is unknown.
        Err(e) => {
            return not_pass(
                "project.process",
                Status::Warn,
                "PROCESS_UNSUPPORTED",
                format!(
                    "{name}: the process list could not be read ({}), so inherited and custom cannot be told apart",
                    e.code()
                ),
                &[
                    "Check Organization Settings › Boards › Process: an inherited process works; a custom (XML) one needs its types and fields to match the mapping",
                ],
                started,
            );
        }
    };
    let known = processes
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name));
    match known.as_ref().and_then(|p| p.system_base().map(|b| (p, b))) {
        Some((p, base)) if p.parent().is_some() => pass(
            "project.process",
            format!("{name} (inherited from {base})"),
            started,
        ),
        Some(_) => pass("project.process", name.to_string(), started),
        None if system => pass("project.process", name.to_string(), started),
        None => not_pass(
            "project.process",
            Status::Warn,
            "PROCESS_UNSUPPORTED",
            format!("{name} is a custom (XML) process"),
            &[
                "Custom processes work when the mapping's type and fields exist; check the mapping.* results",
            ],
            started,
        ),
    }
}

/// What the mapping needs from a project: its work item types and the
/// defaults of SPEC §1 (type: `Issue`, else the bug category's default; area
/// and iteration: the default team's), in field form. Read once, used by the
/// wizard's Field mapping step and the `mapping.*` checks.
pub struct ProjectDefaults {
    pub types: Vec<WorkItemType>,
    /// The default type, if the project has an enabled one.
    pub work_item_type: Option<String>,
    pub area_path: String,
    pub iteration_path: String,
    /// Types of the hidden category (test plans, code reviews, feedback…):
    /// not for an integration to create.
    pub hidden: Vec<String>,
}

/// Reads [`ProjectDefaults`]: four requests, concurrently. Only the type
/// list is required; the team's defaults fall back to the project root.
pub async fn project_defaults(
    c: &AdoClient,
    project: &str,
    team: Option<&str>,
) -> Result<ProjectDefaults, AdoError> {
    let (types, cats, tfv, ts) = tokio::join!(
        c.work_item_types(project),
        c.work_item_type_categories(project),
        c.team_field_values(project, team),
        c.team_settings(project, team),
    );
    let types = types?;
    let cats = cats.unwrap_or_default();
    let hidden: Vec<String> = cats
        .iter()
        .filter(|c| c.reference_name == "Microsoft.HiddenCategory")
        .flat_map(|c| c.work_item_types.iter().map(|t| t.name.clone()))
        .collect();
    let bug_default = cats
        .into_iter()
        .find(|c| c.reference_name == "Microsoft.BugCategory")
        .and_then(|c| c.default_work_item_type.map(|t| t.name));
    let area_path = field_form(
        project,
        &tfv.ok()
            .and_then(|v| v.default_value)
            .map(|a| below_root(project, &a))
            .unwrap_or_default(),
    );
    let iteration_path = field_form(
        project,
        &ts.ok()
            .and_then(|s| s.default_iteration.or(s.backlog_iteration))
            .and_then(|i| i.path)
            .map(|i| below_root(project, &i))
            .unwrap_or_default(),
    );
    let work_item_type = default_type(&types, bug_default.as_deref());
    Ok(ProjectDefaults {
        types,
        work_item_type,
        area_path,
        iteration_path,
        hidden,
    })
}

/// A read refused for lack of rights names the PAT scopes to tick.
pub fn scope_problem(e: &AdoError) -> Option<(&'static str, &'static str)> {
    matches!(
        e,
        AdoError::Unauthorized { .. } | AdoError::Forbidden { .. }
    )
    .then_some(("PROVIDER_SCOPE_UNAVAILABLE", PAT_SCOPES))
}

/// `scope.read`: the project's work item metadata was readable; gives what
/// was read with it.
pub(super) fn read_metadata(
    defaults: Result<ProjectDefaults, AdoError>,
    started: Instant,
) -> Result<(ProjectDefaults, CheckOutcome), Box<CheckOutcome>> {
    let defaults = defaults.map_err(|e| {
        let mut o = from_error("scope.read", &e, started);
        if let Some((code, fix)) = scope_problem(&e) {
            o.code = Some(code.into());
            o.fix = vec![fix.into()];
        }
        Box::new(o)
    })?;
    let o = pass(
        "scope.read",
        format!("{} work item types readable", defaults.types.len()),
        started,
    );
    Ok((defaults, o))
}

fn default_type(types: &[WorkItemType], bug_default: Option<&str>) -> Option<String> {
    let enabled: Vec<&WorkItemType> = types.iter().filter(|t| t.is_enabled()).collect();
    enabled
        .iter()
        .find(|t| t.name == "Issue")
        .or_else(|| bug_default.and_then(|b| enabled.iter().find(|t| t.name == b)))
        .or_else(|| enabled.first())
        .map(|t| t.name.clone())
}

/// `Project` + `Release 1\Sprint 3` → `Project\Release 1\Sprint 3`.
pub fn field_form(project: &str, below: &str) -> String {
    if below.is_empty() {
        project.to_string()
    } else {
        format!("{project}\\{below}")
    }
}

/// The process name of a project: its capabilities, else the system
/// process its template type id names.
pub fn process_name(p: &TeamProject) -> String {
    match p.process_template_name() {
        Some(n) => n.to_string(),
        None => p
            .process_template_type_id()
            .and_then(crate::ado::models::system_process_name)
            .unwrap_or("unknown")
            .to_string(),
    }
}

/// `\Release 1\Sprint 3` or `Project\Release 1` → `Release 1\Sprint 3`.
pub fn below_root(project: &str, path: &str) -> String {
    let trimmed = path.trim_start_matches('\\');
    match trimmed.split_once('\\') {
        Some((first, rest)) if first.to_lowercase() == project.to_lowercase() => rest.to_string(),
        None if trimmed.to_lowercase() == project.to_lowercase() => String::new(),
        _ => trimmed.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{below_root, field_form};

    #[test]
    fn paths_below_the_root() {
        assert_eq!(
            below_root("P", "\\Release 1\\Sprint 3"),
            "Release 1\\Sprint 3"
        );
        assert_eq!(below_root("P", "P\\Team A"), "Team A");
        assert_eq!(below_root("P", "P"), "");
        assert_eq!(below_root("P", ""), "");
        assert_eq!(field_form("P", ""), "P");
        assert_eq!(field_form("P", "A\\B"), "P\\A\\B");
    }
}

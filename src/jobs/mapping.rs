//! Field-mapping jobs: the project's work item types, area and iteration
//! trees and team members, one type's fields, and a mapping validated by
//! the `mapping.*` checks.

use super::context::{JobContext, client};
use super::review::review_context;
use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::error::AdoError;
use crate::ado::http::HttpClient;
use crate::checks::{project_defaults, scope_problem};
use crate::wizard::tree::TreePicker;
use crate::wizard::{
    JobResult, MappingData, MemberItem, Problem, ProjectInfo, RequiredField, ReviewRequest,
    Session, TypeChoice, TypeFields,
};

pub(super) async fn load_mapping(
    http: &HttpClient,
    session: &Session,
    project: &ProjectInfo,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let p = project.name.as_str();
    // Two round trips: the defaults, the whole trees and the teams at once,
    // then the default type's fields and the teams' members. The whole
    // trees are read at once: a 20,000-node tree is a few MB, read once,
    // then picked from and filtered locally.
    let defaults_and_fields = async {
        let d = project_defaults(&c, p, project.default_team.as_deref())
            .await
            .map_err(|e| scope_read(&e))?;
        let Some(default_type) = d.work_item_type.clone() else {
            return Err(Problem::new(
                "MAPPING_INVALID",
                format!("project {p} has no enabled work item type"),
                "Enable a work item type under Organization Settings › Boards › Process",
            ));
        };
        let fields = type_fields(&c, p, &default_type).await;
        Ok((d, default_type, fields))
    };
    let (read, areas, iterations, members) = tokio::join!(
        defaults_and_fields,
        c.classification_tree(p, StructureGroup::Areas, TREE_DEPTH),
        c.classification_tree(p, StructureGroup::Iterations, TREE_DEPTH),
        team_members(&c, p),
    );
    let (d, default_type, fields) = read?;
    let types: Vec<TypeChoice> = d
        .types
        .iter()
        .filter(|t| t.is_enabled() && !d.hidden.contains(&t.name))
        .map(|t| TypeChoice {
            name: t.name.clone(),
            states: t.states.iter().map(|s| s.name.clone()).collect(),
        })
        .collect();
    let areas = TreePicker::from_classification(&areas.map_err(|e| scope_read(&e))?);
    let iterations = TreePicker::from_classification(&iterations.map_err(|e| scope_read(&e))?);
    let (area, iteration) = (d.area_path.clone(), d.iteration_path.clone());
    if !areas.contains_path(&area) {
        return Err(missing_path("area", &area));
    }
    if !iterations.contains_path(&iteration) {
        return Err(missing_path("iteration", &iteration));
    }
    Ok(JobResult::MappingLoaded(Box::new(MappingData {
        types,
        default_type,
        areas,
        iterations,
        default_area: area,
        default_iteration: iteration,
        members,
        fields: fields?,
    })))
}

/// Levels of the area and iteration trees read at once.
const TREE_DEPTH: u32 = 30;

/// What a type's fields mean for the mapping: the priority values, and the
/// fields that need a value.
async fn type_fields(c: &AdoClient, project: &str, type_name: &str) -> Result<TypeFields, Problem> {
    let fields = c
        .work_item_type_fields(project, type_name, true)
        .await
        .map_err(|e| scope_read(&e))?;
    let priority_values = fields
        .iter()
        .find(|f| f.reference_name == "Microsoft.VSTS.Common.Priority")
        .map(|f| {
            let v = f.allowed_value_strings();
            if v.is_empty() {
                ["1", "2", "3", "4"].map(str::to_string).to_vec()
            } else {
                v
            }
        });
    let required = crate::checks::required_fields(&fields)
        .into_iter()
        .map(|f| RequiredField {
            reference_name: f.reference_name.clone(),
            name: f.name.clone().unwrap_or_else(|| f.reference_name.clone()),
            allowed_values: f.allowed_value_strings(),
            help: f.help_text.clone().filter(|h| !h.trim().is_empty()),
        })
        .collect();
    Ok(TypeFields {
        work_item_type: type_name.to_string(),
        priority_values,
        required,
    })
}

/// Members of the project's teams (the first 20 teams), once each, sorted.
async fn team_members(c: &AdoClient, project: &str) -> Vec<MemberItem> {
    let Ok(teams) = c.teams(project).await else {
        return Vec::new();
    };
    let lists = futures::future::join_all(
        teams
            .iter()
            .take(20)
            .map(|t| c.team_members(project, &t.name)),
    )
    .await;
    let mut out: Vec<MemberItem> = lists
        .into_iter()
        .flatten()
        .flatten()
        .filter(|m| m.identity.is_container != Some(true))
        .filter_map(|m| {
            let unique = m.identity.unique_name.clone()?;
            let name = m
                .identity
                .display_name
                .clone()
                .unwrap_or_else(|| unique.clone());
            Some(MemberItem {
                label: format!("{name} <{unique}>"),
                unique_name: unique,
            })
        })
        .collect();
    out.sort_by_key(|m| m.label.to_lowercase());
    out.dedup_by(|a, b| a.unique_name.eq_ignore_ascii_case(&b.unique_name));
    out
}

pub(super) async fn load_type_fields(
    http: &HttpClient,
    session: &Session,
    project: &ProjectInfo,
    type_name: &str,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    Ok(JobResult::TypeFields(
        type_fields(&c, &project.name, type_name).await?,
    ))
}

/// The mapping checks of the catalogue (what `doctor` runs as `mapping.*`)
/// for the chosen mapping, ending with the dry-run create.
pub(super) async fn validate_mapping(ctx: &JobContext, req: ReviewRequest) -> JobResult {
    let (subject, check_ctx) = review_context(ctx, &req, false);
    let mapping = req.mapping;
    let report = crate::checks::run_some(
        &subject,
        &check_ctx,
        &[
            "mapping.work_item_type",
            "mapping.area_path",
            "mapping.iteration_path",
            "mapping.priority",
            "mapping.assignee",
            "mapping.required_fields",
            "mapping.dry_run",
        ],
    )
    .await;
    JobResult::MappingChecked {
        mapping: Box::new(mapping),
        outcomes: report.outcomes,
    }
}

fn scope_read(e: &AdoError) -> Problem {
    let mut p = Problem::from(e);
    if let Some((code, fix)) = scope_problem(e) {
        p.code = code.into();
        p.fix = fix.into();
    }
    p
}

fn missing_path(kind: &str, path: &str) -> Problem {
    Problem::new(
        "MAPPING_INVALID",
        format!("the default {kind} path {path} does not exist"),
        format!(
            "Create it under Project Settings › Boards › Project configuration, or set the team's default {kind}"
        ),
    )
}

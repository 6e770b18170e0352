//! Project jobs: the projects of the organization, and one project read
//! with its process, default work item type and visibility.

use super::context::client;
use crate::ado::http::HttpClient;
use crate::checks::process_name;
use crate::wizard::{JobResult, Problem, ProjectInfo, ProjectItem, Session};

pub(super) async fn load_projects(
    http: &HttpClient,
    session: &Session,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let mut projects = c.all_projects().await.map_err(|e| Problem::from(&e))?;
    projects.sort_by_key(|p| p.name.to_lowercase());
    // Each project's process, from one request (the processes with their
    // projects). A server without the process API (XML-process
    // collections) or a token that may not read it leaves it unknown.
    let process_of: std::collections::HashMap<String, String> = c
        .processes_with_projects()
        .await
        .map(|processes| {
            processes
                .into_iter()
                .flat_map(|p| {
                    let name = p.name;
                    p.projects
                        .into_iter()
                        .map(move |r| (r.id.to_lowercase(), name.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(JobResult::Projects(
        projects
            .into_iter()
            .map(|p| ProjectItem {
                id: p.id.clone(),
                name: p.name,
                description: p.description.unwrap_or_default(),
                process: process_of
                    .get(&p.id.to_lowercase())
                    .map(|name| crate::text::clean_string(name.clone()))
                    .unwrap_or_default(),
                visibility: p
                    .visibility
                    .map(|v| v.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    ))
}

pub(super) async fn check_project(
    http: &HttpClient,
    session: &Session,
    name: &str,
) -> Result<JobResult, Problem> {
    let c = client(http, session)?;
    let p = c.project(name).await.map_err(|e| Problem::from(&e))?;
    let process = process_name(&p);
    Ok(JobResult::ProjectOk(ProjectInfo {
        id: p.id.clone(),
        name: p.name.clone(),
        process,
        default_team: p.default_team.as_ref().and_then(|t| t.name.clone()),
    }))
}

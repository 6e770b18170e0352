//! The Project step's data against the sandbox, through the real jobs and
//! HTTP client: each project's process in the list (one request for all),
//! and the permission checks that run when a project is chosen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ado_setup::ado::endpoints::Deployment;
use ado_setup::ado::http::Credential;
use ado_setup::checks::Status;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::wizard::{Job, JobResult, ProjectInfo, Session};
use secrecy::SecretString;
use url::Url;

fn session(sb: &Sandbox, org: &str, pat: &str) -> Session {
    Session {
        deployment: Deployment::Services,
        base_url: Url::parse(&format!("{}/{org}", sb.devops_url())).unwrap(),
        credential: Credential::Pat(SecretString::from(pat.to_string())),
        api_version: "7.1".into(),
        entra: None,
        unattended: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_list_names_each_projects_process_and_visibility() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let jobs = support::driver::file_jobs(tmp.path());
    let job = Job::LoadProjects {
        session: session(&sb, "contoso-agile", sb.pat()),
    };
    let items = match ado_setup::jobs::run(&jobs, job).await {
        JobResult::Projects(items) => items,
        other => panic!("{other:?}"),
    };
    let payments = items
        .iter()
        .find(|p| p.name == "Payments Platform")
        .unwrap_or_else(|| panic!("{items:?}"));
    assert_eq!(payments.process, "Agile", "{payments:?}");
    assert_eq!(payments.visibility, "private", "{payments:?}");
    assert!(
        items.iter().all(|p| !p.process.is_empty()),
        "every project's process is known: {items:?}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choosing_a_project_runs_its_permission_checks() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let jobs = support::driver::file_jobs(tmp.path());
    let devops_base = Url::parse(&sb.devops_url()).unwrap();
    let project = |s: &Session| {
        let jobs = &jobs;
        let s = s.clone();
        async move {
            match ado_setup::jobs::run(
                jobs,
                Job::CheckProject {
                    session: s,
                    project: "Payments Platform".into(),
                },
            )
            .await
            {
                JobResult::ProjectOk(p) => p,
                other => panic!("{other:?}"),
            }
        }
    };
    let permissions = |s: Session, p: ProjectInfo| {
        let jobs = &jobs;
        let devops_base = devops_base.clone();
        async move {
            match ado_setup::jobs::run(
                jobs,
                Job::CheckPermissions {
                    session: s,
                    project: p.clone(),
                    devops_base,
                    allow_http: true,
                },
            )
            .await
            {
                JobResult::Permissions {
                    project_id,
                    outcomes,
                } => {
                    assert_eq!(project_id, p.id);
                    outcomes
                }
                other => panic!("{other:?}"),
            }
        }
    };

    let full = session(&sb, "contoso-agile", sb.pat());
    let p = project(&full).await;
    let outcomes = permissions(full, p).await;
    let ids: Vec<&str> = outcomes.iter().map(|o| o.id).collect();
    assert_eq!(
        ids,
        [
            "permission.project_admin",
            "permission.service_hooks",
            "permission.tags"
        ]
    );
    assert!(
        outcomes.iter().all(|o| o.status == Status::Pass),
        "{outcomes:?}"
    );

    // A Stakeholder: reads work, every permission is refused.
    let stakeholder = sb
        .scenarios()
        .into_iter()
        .find(|s| s.name == "no-permissions")
        .unwrap()
        .pat;
    let limited = session(&sb, "contoso-agile", &stakeholder);
    let p = project(&limited).await;
    let outcomes = permissions(limited, p).await;
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    for o in &outcomes {
        assert_eq!(o.status, Status::Fail, "{o:?}");
        assert_eq!(o.code.as_deref(), Some("PERMISSION_MISSING"), "{o:?}");
        assert!(!o.fix.is_empty(), "{o:?}");
    }
    sb.shutdown().await;
}

//! How many sequential round trips `doctor` and each wizard step's
//! validation make, as the sandbox counts them from its request timestamps
//! (a count, not a time): each answer is delayed, so requests sent together
//! overlap and a request that waited for another starts after it ended.
//! A change that adds a sequential round trip fails here (issue 17).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ado_setup::ado::endpoints::Deployment;
use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::checks::{Context, Report, Status, Subject, run};
use ado_setup::jobs::JobContext;
use ado_setup::sandbox::{Sandbox, SandboxOptions, round_trips};
use ado_setup::store::config::{ConfigStore, PriorityMap};
use ado_setup::store::secrets::SecretStore;
use ado_setup::wizard::{Job, JobResult, MappingInfo, ProjectInfo, ReviewRequest, Session};
use secrecy::SecretString;
use url::Url;

/// Long enough that requests sent together always overlap, and that no
/// answer's own processing time (a big list, a loaded machine) is long
/// enough for an unrelated request to fit in before the next round starts.
const LATENCY: Duration = Duration::from_millis(400);

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        latency: LATENCY,
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

fn http() -> HttpClient {
    HttpClient::new(ClientOptions::default()).unwrap()
}

fn context(sb: &Sandbox) -> Context {
    Context {
        http: http(),
        devops_base: Url::parse(&sb.devops_url()).unwrap(),
        extra_endpoints: vec![
            Url::parse(&sb.vssps_url()).unwrap(),
            Url::parse(&sb.profile_url()).unwrap(),
        ],
        allow_http: true,
        config: None,
        secrets: None,
    }
}

fn subject(sb: &Sandbox, deployment: Deployment, target: &str, project: &str) -> Subject {
    Subject {
        project: Some(project.into()),
        pat: Some(SecretString::from(sb.pat().to_string())),
        pat_source: "the test".into(),
        ..Subject::bare(deployment, target)
    }
}

/// The subject as a saved connection holds it, from what a run found.
fn saved(mut s: Subject, report: &Report) -> Subject {
    let f = &report.facts;
    s.project_id = f.project_id.clone();
    s.api_version = f.api_version.clone();
    s.work_item_type = f.work_item_type.clone();
    s.area_path = f.area_path.clone();
    s.iteration_path = f.iteration_path.clone();
    assert!(
        s.project_id.is_some() && s.work_item_type.is_some(),
        "{f:?}"
    );
    s
}

/// Runs `f`; returns its output, the requests it made and their round
/// trips. The timeline goes to stderr (seen when an assertion fails).
async fn counted<T>(sb: &Sandbox, f: impl std::future::Future<Output = T>) -> (T, usize, usize) {
    let mark = sb.served_mark();
    let out = f.await;
    let mut served = sb.served_since(mark);
    served.sort_by_key(|r| r.start);
    if let Some(t0) = served.first().map(|r| r.start) {
        for r in &served {
            eprintln!(
                "  {:>5} ms – {:>5} ms  {} {}",
                (r.start - t0).as_millis(),
                (r.end - t0).as_millis(),
                r.method,
                r.path
            );
        }
    }
    (out, served.len(), round_trips(&served))
}

fn all_pass(report: &Report) {
    let bad: Vec<String> = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Fail))
        .map(|o| format!("{}: {}", o.id, o.message))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_costs_three_round_trips_and_two_for_a_saved_connection() {
    let sb = sandbox().await;
    let ctx = context(&sb);
    let cases = [
        (
            Deployment::Services,
            "contoso-agile".to_string(),
            "Payments Platform",
            true,
        ),
        (
            Deployment::Services,
            "contoso-basic".to_string(),
            "Website Refresh",
            false,
        ),
        (
            Deployment::Server,
            sb.collection_url(),
            "Manufacturing Execution",
            false,
        ),
    ];
    for (deployment, target, project, assignee) in cases {
        let mut s = subject(&sb, deployment, &target, project);
        if assignee {
            s.assignee = Some("avery.lindqvist@contoso.example".into());
        }
        let (report, requests, trips) = counted(&sb, run(&s, &ctx)).await;
        all_pass(&report);
        eprintln!("doctor {target}: {requests} requests, {trips} round trips");
        assert!(trips <= 3, "doctor {target}: {trips} round trips");

        let s = saved(s, &report);
        let (report, requests, trips) = counted(&sb, run(&s, &ctx)).await;
        all_pass(&report);
        eprintln!("doctor (saved) {target}: {requests} requests, {trips} round trips");
        assert!(trips <= 2, "doctor (saved) {target}: {trips} round trips");
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_prerequisite_skips_its_dependants_though_the_requests_went_out() {
    let sb = sandbox().await;
    let ctx = context(&sb);
    // A saved connection whose project is gone: the permission checks and
    // the dry run were sent with the project's read, but are reported
    // skipped because project.access failed.
    let s = subject(
        &sb,
        Deployment::Services,
        "contoso-agile",
        "Payments Platform",
    );
    let (report, _, _) = counted(&sb, run(&s, &ctx)).await;
    let mut s = saved(s, &report);
    s.project = Some("No Such Project".into());
    let (report, requests, trips) = counted(&sb, run(&s, &ctx)).await;
    assert!(trips <= 2, "{trips}");
    assert!(requests > 4, "the early requests went out: {requests}");
    assert_eq!(report.get("project.access").unwrap().status, Status::Fail);
    for id in [
        "project.process",
        "scope.read",
        "permission.project_admin",
        "permission.service_hooks",
        "permission.tags",
        "mapping.work_item_type",
        "mapping.area_path",
        "scope.write",
        "mapping.dry_run",
    ] {
        let o = report.get(id).unwrap();
        assert_eq!(o.status, Status::Skip, "{id}: {o:?}");
    }
    // And a refused PAT: nothing past auth.credentials is evaluated.
    let mut s = s;
    s.project = Some("Payments Platform".into());
    s.pat = Some(SecretString::from("not-the-pat".to_string()));
    let (report, _, trips) = counted(&sb, run(&s, &ctx)).await;
    assert!(trips <= 2, "{trips}");
    assert_eq!(report.get("auth.credentials").unwrap().status, Status::Fail);
    for id in ["project.access", "permission.tags", "mapping.assignee"] {
        assert_eq!(report.get(id).unwrap().status, Status::Skip, "{id}");
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_wizard_step_validates_at_its_minimum() {
    let sb = sandbox().await;
    let tmp = tempfile::tempdir().unwrap();
    let jobs = JobContext {
        http: http(),
        config: ConfigStore::open(tmp.path()),
        secrets: SecretStore::none(),
    };
    let pat = || SecretString::from(sb.pat().to_string());
    for (deployment, base, project) in [
        (
            Deployment::Services,
            format!("{}/contoso-agile", sb.devops_url()),
            "Payments Platform",
        ),
        (
            Deployment::Server,
            sb.collection_url(),
            "Manufacturing Execution",
        ),
    ] {
        let base_url = Url::parse(&base).unwrap();
        let step = |name: &str, trips: usize, most: usize| {
            eprintln!("{name} ({base}): {trips} round trips");
            assert!(
                trips <= most,
                "{name} ({base}): {trips} round trips, at most {most}"
            );
        };
        let (r, _, trips) = counted(
            &sb,
            ado_setup::jobs::run(
                &jobs,
                Job::ProbeTarget {
                    deployment,
                    base_url: base_url.clone(),
                },
            ),
        )
        .await;
        assert!(matches!(r, JobResult::TargetOk { .. }), "{r:?}");
        step("Target", trips, 1);

        let (r, _, trips) = counted(
            &sb,
            ado_setup::jobs::run(
                &jobs,
                Job::SignIn {
                    deployment,
                    base_url: base_url.clone(),
                    pat: pat(),
                },
            ),
        )
        .await;
        let api_version = match r {
            JobResult::SignedIn { api_version, .. } => api_version,
            other => panic!("{other:?}"),
        };
        step("Sign in", trips, 1);
        let session = Session {
            deployment,
            base_url: base_url.clone(),
            credential: Credential::Pat(pat()),
            api_version,
            entra: None,
            unattended: None,
        };

        let (r, _, trips) = counted(
            &sb,
            ado_setup::jobs::run(
                &jobs,
                Job::CheckProject {
                    session: session.clone(),
                    project: project.into(),
                },
            ),
        )
        .await;
        let info: ProjectInfo = match r {
            JobResult::ProjectOk(p) => p,
            other => panic!("{other:?}"),
        };
        step("Project", trips, 2);

        let (r, _, trips) = counted(
            &sb,
            ado_setup::jobs::run(
                &jobs,
                Job::LoadMapping {
                    session: session.clone(),
                    project: info.clone(),
                },
            ),
        )
        .await;
        let data = match r {
            JobResult::MappingLoaded(d) => d,
            other => panic!("{other:?}"),
        };
        step("Field mapping (load)", trips, 2);

        let mapping = MappingInfo {
            work_item_type: data.default_type.clone(),
            type_states: Vec::new(),
            area_path: data.default_area.clone(),
            iteration_path: data.default_iteration.clone(),
            has_priority: data.fields.priority_values.is_some(),
            priority_map: PriorityMap::default(),
            assignee: data.members.first().map(|m| m.unique_name.clone()),
            field_defaults: data
                .fields
                .required
                .iter()
                .map(|f| {
                    let v = f.allowed_values.first().cloned().unwrap_or("x".into());
                    (f.reference_name.clone(), v)
                })
                .collect(),
        };
        let request = ReviewRequest {
            session: session.clone(),
            project: info.clone(),
            mapping,
            devops_base: Url::parse(&sb.devops_url()).unwrap(),
            extra_endpoints: vec![
                Url::parse(&sb.vssps_url()).unwrap(),
                Url::parse(&sb.profile_url()).unwrap(),
            ],
            allow_http: true,
        };
        let (r, _, trips) = counted(
            &sb,
            ado_setup::jobs::run(&jobs, Job::ValidateMapping(Box::new(request.clone()))),
        )
        .await;
        match r {
            JobResult::MappingChecked { outcomes, .. } => {
                let bad: Vec<_> = outcomes
                    .iter()
                    .filter(|o| o.status == Status::Fail)
                    .map(|o| format!("{}: {}", o.id, o.message))
                    .collect();
                assert!(bad.is_empty(), "{bad:?}");
            }
            other => panic!("{other:?}"),
        }
        step("Field mapping (validate)", trips, 2);

        let (r, _, trips) = counted(
            &sb,
            ado_setup::jobs::run(&jobs, Job::Review(Box::new(request))),
        )
        .await;
        assert!(matches!(r, JobResult::Reviewed(_)), "{r:?}");
        step("Review", trips, 3);
    }
    sb.shutdown().await;
}

//! Round trips of `doctor` and of each wizard step's validation against the
//! sandbox with 200 ms added to every answer (an admin far from the
//! service): requests, sequential round trips (counted from the sandbox's
//! request timestamps: the longest chain of requests each sent after the
//! one before it was answered) and wall time. SPEC §8 and issue 17: a run
//! costs only the round trips its data dependencies force — doctor 3
//! (2 for a saved connection), Target 1, Sign in 1, Project ≤ 2, Field
//! mapping ≤ 2, Review ≤ 3. Prints a Markdown table (the README's).
//!
//! `cargo run --release --example doctor_bench [-- --json] [-- --latency-ms N]`

use std::future::Future;
use std::time::{Duration, Instant};

use ado_setup::ado::endpoints::Deployment;
use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::checks::{Context, Report, Status, Subject, run};
use ado_setup::jobs::JobContext;
use ado_setup::sandbox::{Sandbox, SandboxOptions, round_trips};
use ado_setup::store::config::{ConfigStore, PriorityMap};
use ado_setup::store::secrets::SecretStore;
use ado_setup::wizard::{Job, JobResult, MappingInfo, ReviewRequest, Session};
use anyhow::{Context as _, bail};
use secrecy::SecretString;
use url::Url;

struct Row {
    what: String,
    target: &'static str,
    requests: usize,
    round_trips: usize,
    wall: Duration,
}

async fn measure<T>(
    sb: &Sandbox,
    rows: &mut Vec<Row>,
    what: &str,
    target: &'static str,
    f: impl Future<Output = T>,
) -> T {
    let mark = sb.served_mark();
    let started = Instant::now();
    let out = f.await;
    let wall = started.elapsed();
    let served = sb.served_since(mark);
    rows.push(Row {
        what: what.to_string(),
        target,
        requests: served.len(),
        round_trips: round_trips(&served),
        wall,
    });
    out
}

fn subject(sb: &Sandbox, deployment: Deployment, target: &str, project: &str) -> Subject {
    Subject {
        project: Some(project.into()),
        pat: Some(SecretString::from(sb.pat().to_string())),
        pat_source: "the sandbox".into(),
        ..Subject::bare(deployment, target)
    }
}

fn check(report: &Report, what: &str) -> anyhow::Result<()> {
    if let Some(o) = report.outcomes.iter().find(|o| o.status == Status::Fail) {
        bail!("{what}: {} failed: {}", o.id, o.message);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let latency = args
        .iter()
        .position(|a| a == "--latency-ms")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse::<u64>())
        .transpose()
        .context("--latency-ms takes a number")?
        .map_or(Duration::from_millis(200), Duration::from_millis);
    let sb = Sandbox::start(SandboxOptions {
        latency,
        ..SandboxOptions::default()
    })
    .await?;
    let http = HttpClient::new(ClientOptions::default())?;
    let extra = vec![Url::parse(&sb.vssps_url())?, Url::parse(&sb.profile_url())?];
    let ctx = Context {
        http: http.clone(),
        devops_base: Url::parse(&sb.devops_url())?,
        extra_endpoints: extra.clone(),
        allow_http: true,
        config: None,
        secrets: None,
    };
    let tmp = tempfile::tempdir()?;
    let jobs = JobContext {
        http: http.clone(),
        config: ConfigStore::open(tmp.path()),
        secrets: SecretStore::none(),
    };
    let mut rows = Vec::new();
    let collection = sb.collection_url();
    let services_base = format!("{}/contoso-agile", sb.devops_url());
    let cases = [
        (
            "Services",
            Deployment::Services,
            "contoso-agile".to_string(),
            services_base,
            "Payments Platform",
            Some("avery.lindqvist@contoso.example"),
        ),
        (
            "Server",
            Deployment::Server,
            collection.clone(),
            collection,
            "Manufacturing Execution",
            None,
        ),
    ];
    for (label, deployment, target, base, project, assignee) in cases {
        // doctor, ad hoc (flags) and for a saved connection.
        let mut s = subject(&sb, deployment, &target, project);
        s.assignee = assignee.map(str::to_string);
        let report = measure(&sb, &mut rows, "doctor", label, run(&s, &ctx)).await;
        check(&report, "doctor")?;
        let f = &report.facts;
        s.project_id = f.project_id.clone();
        s.api_version = f.api_version.clone();
        s.work_item_type = f.work_item_type.clone();
        s.area_path = f.area_path.clone();
        s.iteration_path = f.iteration_path.clone();
        let report = measure(
            &sb,
            &mut rows,
            "doctor (saved connection)",
            label,
            run(&s, &ctx),
        )
        .await;
        check(&report, "doctor (saved)")?;

        // The wizard's steps, each as its job.
        let base_url = Url::parse(&base)?;
        let pat = || SecretString::from(sb.pat().to_string());
        let job = |j| ado_setup::jobs::run(&jobs, j);
        let r = measure(
            &sb,
            &mut rows,
            "wizard: Target",
            label,
            job(Job::ProbeTarget {
                deployment,
                base_url: base_url.clone(),
            }),
        )
        .await;
        if !matches!(r, JobResult::TargetOk { .. }) {
            bail!("Target: {r:?}");
        }
        let r = measure(
            &sb,
            &mut rows,
            "wizard: Sign in",
            label,
            job(Job::SignIn {
                deployment,
                base_url: base_url.clone(),
                pat: pat(),
            }),
        )
        .await;
        let JobResult::SignedIn { api_version, .. } = r else {
            bail!("Sign in: {r:?}");
        };
        let session = Session {
            deployment,
            base_url: base_url.clone(),
            credential: Credential::Pat(pat()),
            api_version,
            entra: None,
            unattended: None,
        };
        let r = measure(
            &sb,
            &mut rows,
            "wizard: Project",
            label,
            job(Job::CheckProject {
                session: session.clone(),
                project: project.into(),
            }),
        )
        .await;
        let JobResult::ProjectOk(info) = r else {
            bail!("Project: {r:?}");
        };
        let r = measure(
            &sb,
            &mut rows,
            "wizard: Field mapping (load)",
            label,
            job(Job::LoadMapping {
                session: session.clone(),
                project: info.clone(),
            }),
        )
        .await;
        let JobResult::MappingLoaded(data) = r else {
            bail!("Field mapping: {r:?}");
        };
        let request = ReviewRequest {
            session,
            project: info,
            mapping: MappingInfo {
                work_item_type: data.default_type.clone(),
                type_states: Vec::new(),
                area_path: data.default_area.clone(),
                iteration_path: data.default_iteration.clone(),
                has_priority: data.fields.priority_values.is_some(),
                priority_map: PriorityMap::default(),
                assignee: data.members.first().map(|m| m.unique_name.clone()),
                field_defaults: Default::default(),
            },
            devops_base: Url::parse(&sb.devops_url())?,
            extra_endpoints: extra.clone(),
            allow_http: true,
        };
        let r = measure(
            &sb,
            &mut rows,
            "wizard: Field mapping (validate)",
            label,
            job(Job::ValidateMapping(Box::new(request.clone()))),
        )
        .await;
        if !matches!(r, JobResult::MappingChecked { .. }) {
            bail!("Field mapping (validate): {r:?}");
        }
        let r = measure(
            &sb,
            &mut rows,
            "wizard: Review",
            label,
            job(Job::Review(Box::new(request))),
        )
        .await;
        if !matches!(r, JobResult::Reviewed(_)) {
            bail!("Review: {r:?}");
        }
    }
    sb.shutdown().await;

    if json {
        let items: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{{\"what\":\"{}\",\"target\":\"{}\",\"requests\":{},\"round_trips\":{},\"wall_ms\":{}}}",
                    r.what,
                    r.target,
                    r.requests,
                    r.round_trips,
                    r.wall.as_millis()
                )
            })
            .collect();
        println!(
            "{{\"latency_ms\":{},\"rows\":[{}]}}",
            latency.as_millis(),
            items.join(",")
        );
    } else {
        println!(
            "{} ms added to every answer; round trips counted from the sandbox's request timestamps\n",
            latency.as_millis()
        );
        println!("| What | Target | Requests | Round trips | Wall |");
        println!("|---|---|--:|--:|--:|");
        for r in &rows {
            println!(
                "| {} | {} | {} | {} | {} ms |",
                r.what,
                r.target,
                r.requests,
                r.round_trips,
                r.wall.as_millis()
            );
        }
    }
    Ok(())
}

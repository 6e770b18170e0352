//! How many round trips a `doctor` run costs: the whole catalogue against
//! the sandbox with 100 ms added to every answer, timed, next to the sum of
//! its requests' latencies. Concurrency factor = sum ÷ wall time (SPEC §8
//! wants a run to cost only the round trips its dependencies force).
//!
//! `cargo run --release --example doctor_bench [-- --json]`

use std::time::{Duration, Instant};

use ado_setup::ado::endpoints::Deployment;
use ado_setup::ado::http::{ClientOptions, HttpClient};
use ado_setup::checks::{Context, Subject, run};
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::store::config::{Access, PriorityMap};
use secrecy::SecretString;
use url::Url;

const LATENCY: Duration = Duration::from_millis(100);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let json = std::env::args().any(|a| a == "--json");
    let sb = Sandbox::start(SandboxOptions {
        latency: LATENCY,
        ..SandboxOptions::default()
    })
    .await?;
    let ctx = Context {
        http: HttpClient::new(ClientOptions::default())?,
        devops_base: Url::parse(&sb.devops_url())?,
        extra_endpoints: vec![Url::parse(&sb.vssps_url())?, Url::parse(&sb.profile_url())?],
        allow_http: true,
        config: None,
        secrets: None,
    };
    let subject = Subject {
        name: None,
        deployment: Deployment::Services,
        target: "contoso-agile".into(),
        project: Some("Payments Platform".into()),
        access: Access::ReadWrite,
        pat: Some(SecretString::from(sb.pat().to_string())),
        pat_source: "the sandbox".into(),
        secret_unreadable: None,
        entra: None,
        unattended: None,
        work_item_type: None,
        area_path: None,
        iteration_path: None,
        priority_map: PriorityMap::default(),
        assignee: Some("avery.lindqvist@contoso.example".into()),
        field_defaults: Default::default(),
    };
    let before = sb.requests_served();
    let started = Instant::now();
    let report = run(&subject, &ctx).await;
    let wall = started.elapsed();
    let requests = sb.requests_served() - before;
    let serial = LATENCY * u32::try_from(requests)?;
    let factor = serial.as_secs_f64() / wall.as_secs_f64();
    let s = report.summary();
    if json {
        println!(
            "{{\"latency_ms\":{},\"requests\":{requests},\"serial_ms\":{},\"wall_ms\":{},\"concurrency_factor\":{factor:.2},\"pass\":{},\"fail\":{}}}",
            LATENCY.as_millis(),
            serial.as_millis(),
            wall.as_millis(),
            s.pass,
            s.fail
        );
    } else {
        println!(
            "doctor against the sandbox, {} ms added per answer",
            LATENCY.as_millis()
        );
        println!("{:<28}{:>10}", "requests", requests);
        println!(
            "{:<28}{:>10} ms",
            "sum of request latencies",
            serial.as_millis()
        );
        println!("{:<28}{:>10} ms", "wall time", wall.as_millis());
        println!("{:<28}{:>10.2}", "concurrency factor", factor);
        println!(
            "{:<28}{:>10}",
            "checks passed / failed",
            format!("{} / {}", s.pass, s.fail)
        );
    }
    sb.shutdown().await;
    Ok(())
}

//! A tour of the client core against the sandbox: who-am-I, projects and
//! api-version per organization and Server collection (2020 and 2019), with
//! the time each call took.
//!
//! `cargo run --release --example sandbox_tour`

use std::time::Instant;

use ado_setup::ado::client::AdoClient;
use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::ado::negotiate::negotiate_server;
use ado_setup::ado::version::ApiVersion;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use secrecy::SecretString;
use url::Url;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sb = Sandbox::start(SandboxOptions::default()).await?;
    let http = HttpClient::new(ClientOptions::default())?;
    let cred = Credential::Pat(SecretString::from(sb.pat().to_string()));

    println!(
        "{:<22} {:>8} {:>9} {:>10}  signed in as",
        "organization", "version", "projects", "time (ms)"
    );
    let mut targets: Vec<(String, String, bool)> = sb
        .organization_urls()
        .into_iter()
        .map(|(name, url)| (name, url, false))
        .collect();
    // The Server collections: DefaultCollection (2020, api-version 6.0) and
    // LegacyCollection (2019, 5.0), each negotiated below.
    for c in sb.collections() {
        targets.push((format!("tfs/{}", c.name), c.url, true));
    }

    for (name, url, server) in targets {
        let started = Instant::now();
        let base = Url::parse(&url)?;
        let version = if server {
            negotiate_server(&http, &base, &cred).await?
        } else {
            ApiVersion::SERVICES
        };
        let client = AdoClient::new(http.clone(), base, cred.clone(), version)?;
        let line = match (client.connection_data().await, client.all_projects().await) {
            (Ok(me), Ok(projects)) => format!(
                "{:>9} {:>10.1}  {}",
                projects.len(),
                started.elapsed().as_secs_f64() * 1000.0,
                me.authenticated_user.display_name()
            ),
            (Err(e), _) | (_, Err(e)) => format!("{} {e}", e.code()),
        };
        println!("{name:<22} {version:>8} {line}");
    }
    sb.shutdown().await;
    Ok(())
}

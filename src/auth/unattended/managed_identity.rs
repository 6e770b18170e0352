//! Managed identity: a token for Azure DevOps from the Azure instance
//! metadata service (IMDS, `http://169.254.169.254`, `ADO_SETUP_IMDS_URL`):
//! `GET {imds}/metadata/identity/oauth2/token?api-version=2018-02-01
//! &resource=499b84ac-…[&client_id=…]` with `Metadata: true`, asked with a
//! client of its own (never through a proxy, short timeouts), and the probe
//! that decides whether managed identity is offered at all.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::{AppToken, FIX_OTHER_METHODS};
use crate::ado::client::push_segments;
use crate::ado::models::TokenResponse;
use crate::auth::ADO_RESOURCE;
use crate::problem::Problem;

/// The instance metadata API version asked for.
pub const IMDS_API_VERSION: &str = "2018-02-01";

/// How long the metadata endpoint gets to answer the availability probe.
pub const IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a token request to the metadata endpoint may take (the first
/// token of an identity can take a few seconds).
const IMDS_TOKEN_TIMEOUT: Duration = Duration::from_secs(15);

/// The client the metadata endpoint is asked with: no proxy, no redirects.
fn imds_client(connect: Duration, total: Duration) -> Result<reqwest::Client, Problem> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect)
        .timeout(total)
        .user_agent(concat!("ado-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            Problem::new(
                "NETWORK_UNREACHABLE",
                format!("cannot set up HTTP for the managed identity endpoint: {e}"),
                "Report this as a bug",
            )
        })
}

/// `{imds}/metadata/identity/oauth2/token`.
fn imds_token_url(imds: &Url) -> Result<Url, Problem> {
    let mut url = imds.clone();
    push_segments(&mut url, &["metadata", "identity", "oauth2", "token"])
        .map_err(|e| Problem::from(&e))?;
    Ok(url)
}

fn shown(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// The fix when no metadata endpoint answers.
fn no_imds_fix() -> String {
    format!(
        "Managed identity works on Azure VMs, VM scale sets and AKS nodes with an identity assigned; \
         {FIX_OTHER_METHODS} (ADO_SETUP_IMDS_URL overrides the endpoint)"
    )
}

/// Whether the metadata endpoint answers at all (any HTTP answer within
/// [`IMDS_PROBE_TIMEOUT`]): what decides whether managed identity is
/// offered. The probe carries no `Metadata` header and asks for no token.
pub async fn probe_imds(imds: &Url) -> Result<(), Problem> {
    probe_imds_within(imds, IMDS_PROBE_TIMEOUT).await
}

/// [`probe_imds`] with another timeout.
pub async fn probe_imds_within(imds: &Url, timeout: Duration) -> Result<(), Problem> {
    let client = imds_client(timeout, timeout)?;
    let mut url = imds_token_url(imds)?;
    url.query_pairs_mut()
        .append_pair("api-version", IMDS_API_VERSION);
    match client.get(url).send().await {
        Ok(resp) => {
            // Azure's answers here are JSON (`error` without the header);
            // another cloud's metadata server on the same address is not it.
            let status = resp.status().as_u16();
            let body = read_limited(resp, 16 * 1024).await.unwrap_or_default();
            let azure = serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|v| v.get("error").is_some() || v.get("access_token").is_some());
            if azure {
                Ok(())
            } else {
                Err(Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "managed identity is not available here: something answered at {} (HTTP {status}), but not Azure's instance metadata service",
                        shown(imds)
                    ),
                    no_imds_fix(),
                ))
            }
        }
        Err(e) => Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "managed identity is not available here: no instance metadata endpoint answered at {} within {} s ({})",
                shown(imds),
                timeout.as_secs_f32(),
                transport_words(&e)
            ),
            no_imds_fix(),
        )),
    }
}

/// A reqwest failure in a few words, without the URL.
fn transport_words(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_string();
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut last = None;
    while let Some(err) = cur {
        last = Some(err.to_string());
        cur = err.source();
    }
    let words = last.unwrap_or_else(|| "no answer".to_string());
    if e.is_connect() && !words.to_ascii_lowercase().contains("connect") {
        format!("cannot connect: {words}")
    } else {
        words.chars().take(160).collect()
    }
}

/// The metadata service's error answer.
#[derive(Debug, Deserialize, Default)]
struct ImdsError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// A token for Azure DevOps from the managed identity (`client_id`: a
/// user-assigned identity's client id; `None`: the system-assigned one).
/// Busy answers (429, 5xx, 410 during an update) are retried twice.
pub async fn managed_identity_token(
    imds: &Url,
    client_id: Option<&str>,
) -> Result<AppToken, Problem> {
    let client = imds_client(Duration::from_secs(2), IMDS_TOKEN_TIMEOUT)?;
    let mut url = imds_token_url(imds)?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("api-version", IMDS_API_VERSION)
            .append_pair("resource", ADO_RESOURCE);
        if let Some(id) = client_id {
            q.append_pair("client_id", id);
        }
    }
    let (status, body) = imds_answer(&client, &url, imds).await?;
    if (200..300).contains(&status) {
        let t: TokenResponse = crate::text::from_json_slice(&body).map_err(|e| {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the managed identity endpoint at {} sent an unreadable token ({e})",
                    shown(imds)
                ),
                "Check ADO_SETUP_IMDS_URL: it must be the instance metadata endpoint",
            )
        })?;
        return Ok(AppToken::new(t.access_token, t.expires_on));
    }
    Err(imds_refusal(status, &body, client_id))
}

/// The metadata service's answer to a token request (`url`), busy answers
/// (429, 5xx, 410 during an update) retried twice: its status and body.
async fn imds_answer(
    client: &reqwest::Client,
    url: &Url,
    imds: &Url,
) -> Result<(u16, Vec<u8>), Problem> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let resp = client
            .get(url.clone())
            .header("Metadata", "true")
            .send()
            .await
            .map_err(|e| {
                Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "no managed identity endpoint answered at {} ({})",
                        shown(imds),
                        transport_words(&e)
                    ),
                    no_imds_fix(),
                )
            })?;
        let status = resp.status().as_u16();
        let body = read_limited(resp, 64 * 1024).await.map_err(|e| {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the managed identity endpoint at {} broke off its answer ({})",
                    shown(imds),
                    transport_words(&e)
                ),
                "Try again; if it persists, restart the VM's guest agent",
            )
        })?;
        if matches!(status, 410 | 429 | 500..=599) && attempt < 3 {
            tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            continue;
        }
        return Ok((status, body));
    }
}

/// Why the metadata service gave no token (`status`, `body`): no such
/// identity on this machine, or another refusal in its words.
fn imds_refusal(status: u16, body: &[u8], client_id: Option<&str>) -> Problem {
    let who = match client_id {
        Some(id) => format!("the user-assigned managed identity {id}"),
        None => "the system-assigned managed identity".to_string(),
    };
    let err: ImdsError = crate::text::from_json_slice(body).unwrap_or_default();
    let said = err
        .error_description
        .clone()
        .or(err.error.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let said: String = said.chars().take(200).collect();
    let not_found = said.to_ascii_lowercase().contains("identity not found")
        || (status == 400
            && err.error.as_deref() == Some("invalid_request")
            && client_id.is_some());
    match (not_found, client_id) {
        (true, Some(id)) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "no managed identity with client id {id} is assigned to this machine (the metadata endpoint said: {said})"
            ),
            "Assign the user-assigned identity to this VM (Azure portal › the VM › Identity › User assigned), or check --client-id; without --client-id the system-assigned identity is used",
        ),
        (true, None) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "this machine has no system-assigned managed identity (the metadata endpoint said: {said})"
            ),
            "Turn it on (Azure portal › the VM › Identity › System assigned › On), or pass --client-id with the client id of a user-assigned identity",
        ),
        (false, _) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the managed identity endpoint refused a token for {who}: {said}"),
            "Try again in a minute; if it persists, check the VM's identity settings (Azure portal › the VM › Identity)",
        ),
    }
}

async fn read_limited(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > limit {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_metadata_endpoint_is_said_within_the_probe_timeout() {
        let (_closed, port) = crate::net::closed_port();
        let url = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap_or_else(|e| panic!("{e}"));
        let p = probe_imds(&url).await;
        match p {
            Err(p) => {
                assert!(
                    p.message.contains("managed identity is not available here"),
                    "{p:?}"
                );
                assert!(p.fix.contains("--auth service-principal"));
            }
            Ok(()) => panic!("nothing listens there"),
        }
    }

    #[tokio::test]
    async fn another_metadata_server_is_not_azures() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here!")
                    .await;
            }
        });
        let url = Url::parse(&format!("http://{addr}")).unwrap_or_else(|e| panic!("{e}"));
        match probe_imds(&url).await {
            Err(p) => assert!(
                p.message
                    .contains("(HTTP 404), but not Azure's instance metadata service"),
                "{p:?}"
            ),
            Ok(()) => panic!("an HTML 404 is not Azure's IMDS"),
        }
    }
}

//! Network probes: is there an Azure DevOps at a base URL, and is each
//! endpoint a connection needs reachable from here. Used by the wizard's
//! Target and Network steps and by the `network.*` checks.

use std::time::Instant;

use reqwest::Method;
use url::Url;

use crate::ado::endpoints::Deployment;
use crate::ado::error::AdoError;
use crate::ado::http::{Credential, HttpClient};
use crate::problem::Problem;

/// One row of the network allowlist table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointResult {
    pub url: String,
    pub ok: bool,
    pub detail: String,
    pub via_proxy: bool,
    pub millis: u64,
}

/// Is there an Azure DevOps at `base_url`? An unauthenticated who-am-I must
/// answer 401 with Azure DevOps headers (or, for a public organization, the
/// anonymous identity). Returns the organization's Entra tenant when the
/// answer names it.
pub async fn probe_azure_devops(
    http: &HttpClient,
    deployment: Deployment,
    base_url: &Url,
) -> Result<Option<String>, Problem> {
    let url = crate::ado::client::connection_data_url(base_url, "5.0-preview")
        .map_err(|e| Problem::from(&e))?;
    let resp = http
        .send(Method::GET, &url, &Credential::Anonymous, None)
        .await
        .map_err(|e| Problem::from(&e))?;
    let header = |n: &str| resp.header(n).map(str::to_string);
    let tenant = crate::auth::tenant_from_headers(&resp.headers);
    let looks_like_ado = header("x-tfs-processid").is_some()
        || header("x-vss-resourcetenant").is_some()
        || header("activityid").is_some()
        || header("www-authenticate").is_some_and(|h| h.contains("TFS-Federated"));
    let where_ = base_url.as_str().trim_end_matches('/');
    match resp.status {
        401 | 203 if looks_like_ado => Ok(tenant),
        200 if resp.json::<crate::ado::models::ConnectionData>().is_ok() => Ok(tenant),
        404 if looks_like_ado || deployment == Deployment::Services => Err(match deployment {
            Deployment::Services => Problem::new(
                "PROVIDER_NOT_FOUND",
                format!("there is no Azure DevOps organization at {where_}"),
                "Check the organization name; https://aex.dev.azure.com/me lists yours",
            ),
            Deployment::Server => Problem::new(
                "PROVIDER_NOT_FOUND",
                format!("{where_} is an Azure DevOps Server without this collection"),
                "Check the collection name, e.g. https://SERVER/tfs/DefaultCollection",
            ),
        }),
        status => {
            let moved = resp.clone().classified().err();
            if let Some(e @ AdoError::Redirect { .. }) = moved {
                return Err(Problem::from(&e));
            }
            Err(Problem::new(
                "PROVIDER_BASE_URL_BLOCKED",
                format!("{where_} does not answer like Azure DevOps (HTTP {status})"),
                match deployment {
                    Deployment::Services => {
                        "Use the organization name or https://dev.azure.com/ORG"
                    }
                    Deployment::Server => {
                        "Use the collection URL, e.g. https://SERVER/tfs/DefaultCollection"
                    }
                },
            ))
        }
    }
}

/// Reaches each endpoint once (any HTTP answer counts as reachable).
pub async fn probe_endpoints(http: &HttpClient, endpoints: &[Url]) -> Vec<EndpointResult> {
    let proxy = std::env::var("HTTPS_PROXY")
        .or_else(|_| std::env::var("https_proxy"))
        .ok()
        .filter(|p| !p.is_empty());
    let no_proxy = std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .unwrap_or_default();
    let probes = endpoints.iter().map(|u| async {
        let started = Instant::now();
        let result = http
            .send(Method::GET, u, &Credential::Anonymous, None)
            .await;
        let millis = started.elapsed().as_millis() as u64;
        let host = u.host_str().unwrap_or_default();
        let via_proxy =
            proxy.is_some() && u.scheme() == "https" && !no_proxy_matches(&no_proxy, host);
        let (ok, detail) = match result {
            Ok(r) => (true, format!("HTTP {}", r.status)),
            Err(e) => (false, e.code().to_string()),
        };
        EndpointResult {
            url: u.as_str().trim_end_matches('/').to_string(),
            ok,
            detail,
            via_proxy,
            millis,
        }
    });
    futures::future::join_all(probes).await
}

/// Does a `NO_PROXY` list exempt `host`? `*` exempts everything; an entry
/// matches the host itself or a subdomain of it (on a dot boundary).
pub fn no_proxy_matches(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        let entry = entry.split(':').next().unwrap_or_default().to_string();
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_on_dot_boundaries() {
        assert!(no_proxy_matches("dev.azure.com", "dev.azure.com"));
        assert!(no_proxy_matches(".azure.com", "dev.azure.com"));
        assert!(no_proxy_matches("azure.com", "dev.azure.com"));
        assert!(no_proxy_matches("*.azure.com", "dev.azure.com"));
        assert!(no_proxy_matches("localhost, *", "dev.azure.com"));
        assert!(!no_proxy_matches("re.com", "dev.azure.com"));
        assert!(!no_proxy_matches("", "dev.azure.com"));
        assert!(no_proxy_matches("tfs.contoso.com:8443", "tfs.contoso.com"));
    }
}

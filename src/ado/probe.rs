//! Is there an Azure DevOps at a base URL? One unauthenticated who-am-I,
//! read for Azure DevOps' own headers, and the Entra tenant an answer names
//! (`WWW-Authenticate: Bearer authorization_uri=…` or
//! `X-VSS-ResourceTenant`) — the start of tenant discovery.

use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

use super::endpoints::Deployment;
use super::error::AdoError;
use super::http::{Credential, HttpClient, RawResponse};
use crate::problem::Problem;

/// Is there an Azure DevOps at `base_url`? An unauthenticated who-am-I must
/// answer 401 with Azure DevOps headers (or, for a public organization, the
/// anonymous identity). Returns the organization's Entra tenant when the
/// answer names it.
pub async fn probe_azure_devops(
    http: &HttpClient,
    deployment: Deployment,
    base_url: &Url,
) -> Result<Option<String>, Problem> {
    let url = super::client::connection_data_url(base_url, "5.0-preview")
        .map_err(|e| Problem::from(&e))?;
    let resp = http
        .send(Method::GET, &url, &Credential::Anonymous, None)
        .await
        .map_err(|e| Problem::from(&e))?;
    let header = |n: &str| resp.header(n).map(str::to_string);
    let tenant = tenant_from_headers(&resp.headers);
    let looks_like_ado = header("x-tfs-processid").is_some()
        || header("x-vss-resourcetenant").is_some()
        || header("activityid").is_some()
        || header("www-authenticate").is_some_and(|h| h.contains("TFS-Federated"));
    let where_ = base_url.as_str().trim_end_matches('/');
    match resp.status {
        401 | 203 if looks_like_ado => Ok(tenant),
        200 if resp.json::<super::models::ConnectionData>().is_ok() => Ok(tenant),
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
            let classified = resp.clone().classified().err();
            if let Some(e @ (AdoError::Redirect { .. } | AdoError::Server { .. })) = classified {
                // A move, or a server error: said as what it is.
                return Err(Problem::from(&e));
            }
            Err(Problem::new(
                "PROVIDER_BASE_URL_BLOCKED",
                format!(
                    "{where_} does not answer like Azure DevOps (HTTP {status}{})",
                    what_answered(&resp)
                ),
                match deployment {
                    Deployment::Services => {
                        "Use the organization name or https://dev.azure.com/ORG; if it is right, a proxy answered: ask for the host to be allowed"
                    }
                    Deployment::Server => {
                        "Use the collection URL, e.g. https://SERVER/tfs/DefaultCollection; if it is right, a proxy answered: ask for the host to be allowed"
                    }
                },
            ))
        }
    }
}

/// `, a web page "Access Denied"` or `, text/plain`: what answered instead
/// of Azure DevOps, for the message.
fn what_answered(resp: &RawResponse) -> String {
    let content_type = resp
        .header("content-type")
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let title = super::error::html_title(&resp.body);
    match (content_type.as_str(), title) {
        (_, Some(title)) => format!(", a web page \"{title}\""),
        ("text/html", None) => ", a web page".to_string(),
        ("", None) => String::new(),
        (other, None) => format!(", {}", other.chars().take(60).collect::<String>()),
    }
}

/// The tenant an Azure DevOps answer names: the `authorization_uri` of a
/// `WWW-Authenticate: Bearer` challenge (any of them), else
/// `X-VSS-ResourceTenant`.
pub fn tenant_from_headers(headers: &HeaderMap) -> Option<String> {
    let from_challenge = headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.trim_start().to_ascii_lowercase().starts_with("bearer"))
        .find_map(|v| {
            let rest = v.split("authorization_uri=").nth(1)?;
            let uri = rest.trim_start_matches('"').split(['"', ',', ' ']).next()?;
            let tenant = uri.trim_end_matches('/').rsplit('/').next()?;
            is_tenant_like(tenant).then(|| tenant.to_string())
        });
    from_challenge.or_else(|| {
        headers
            .get("x-vss-resourcetenant")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or(v).trim().to_string())
            .filter(|t| is_tenant_like(t))
    })
}

/// A GUID or a domain name: what can stand in an authority path.
fn is_tenant_like(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 256
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

//! The first requests on a connection: who am I (`connectionData`), and on
//! Server which api-version it speaks — read from its resource locations
//! (`OPTIONS {base}/_apis`), or from its "out of range … latest … is 6.0"
//! answer.

use reqwest::Method;
use url::Url;

use super::client::AdoClient;
use super::endpoints::Deployment;
use super::error::AdoError;
use super::http::{Credential, HttpClient};
use super::models::{ConnectionData, ListResponse, ResourceLocation};
use super::version::ApiVersion;

/// Clamps what a server offers to what we speak, refusing what is too old.
fn settle(offered: ApiVersion) -> Result<ApiVersion, AdoError> {
    if offered < ApiVersion::OLDEST {
        return Err(AdoError::VersionOutOfRange {
            requested: ApiVersion::OLDEST.to_string(),
            latest: Some(offered.to_string()),
            message: format!(
                "{} is not supported; Azure DevOps Server 2019 (api-version 5.0) or later is",
                offered.product()
            ),
        });
    }
    Ok(offered.min(ApiVersion::SERVICES))
}

/// Negotiates the api-version of an Azure DevOps Server collection.
///
/// First the resource locations (`OPTIONS {base}/_apis`, the highest
/// `releasedVersion`); when the server does not answer those, a
/// connectionData call at 7.1 whose "out of range" answer names the latest.
pub async fn negotiate_server(
    http: &HttpClient,
    base: &Url,
    credential: &Credential,
) -> Result<ApiVersion, AdoError> {
    let mut options_url = base.clone();
    super::client::push_segments(&mut options_url, &["_apis"])?;
    if let Ok(resp) = http
        .send(Method::OPTIONS, &options_url, credential, None)
        .await
        .and_then(|r| r.classified())
        && let Ok(list) = resp.json::<ListResponse<ResourceLocation>>()
        && let Some(best) = list
            .value
            .iter()
            .filter_map(|l| l.released_version.as_deref().and_then(ApiVersion::parse))
            .max()
    {
        return settle(best);
    }

    let probe = super::client::connection_data_url(base, &ApiVersion::SERVICES.preview(1))?;
    let resp = http.send(Method::GET, &probe, credential, None).await?;
    match resp.classified() {
        Ok(_) => Ok(ApiVersion::SERVICES),
        Err(AdoError::VersionOutOfRange {
            latest: Some(latest),
            requested,
            message,
        }) => match ApiVersion::parse(&latest) {
            Some(v) => settle(v),
            None => Err(AdoError::VersionOutOfRange {
                requested,
                latest: Some(latest),
                message,
            }),
        },
        Err(e) => Err(e),
    }
}

/// Who am I, and at which api-version to go on, in one round trip:
/// Services speaks [`ApiVersion::SERVICES`]; for a Server collection the
/// negotiation ([`negotiate_server`]) and a who-am-I at
/// [`ApiVersion::OLDEST`] (which every supported server answers) go out
/// together. Returns a client at the negotiated version.
///
/// Which failure is said: a refused credential (401) from who-am-I first
/// (it says more: not materialized, a policy), then the negotiation's
/// (a server too old), then who-am-I's.
pub async fn who_am_i(
    http: &HttpClient,
    deployment: Deployment,
    base: &Url,
    credential: &Credential,
) -> Result<(AdoClient, ConnectionData), AdoError> {
    let version = match deployment {
        Deployment::Services => ApiVersion::SERVICES,
        Deployment::Server => ApiVersion::OLDEST,
    };
    let client = AdoClient::new(http.clone(), base.clone(), credential.clone(), version)?;
    match deployment {
        Deployment::Services => {
            let me = client.connection_data().await?;
            Ok((client, me))
        }
        Deployment::Server => {
            let (negotiated, me) = tokio::join!(
                negotiate_server(http, base, credential),
                client.connection_data()
            );
            match (negotiated, me) {
                (_, Err(e @ AdoError::Unauthorized { .. })) => Err(e),
                (Err(e), _) | (Ok(_), Err(e)) => Err(e),
                (Ok(v), Ok(me)) => Ok((client.with_version(v), me)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_clamps_and_refuses_old_servers() {
        assert_eq!(
            settle(ApiVersion { major: 7, minor: 2 }).ok(),
            Some(ApiVersion::SERVICES)
        );
        assert_eq!(
            settle(ApiVersion { major: 6, minor: 0 }).ok(),
            Some(ApiVersion { major: 6, minor: 0 })
        );
        let e = settle(ApiVersion { major: 4, minor: 1 });
        assert!(matches!(e, Err(AdoError::VersionOutOfRange { .. })));
    }
}

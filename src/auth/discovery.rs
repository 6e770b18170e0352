//! Which Entra ID tenant signs in to an organization: an unauthenticated
//! `HEAD {devops}/{org}` answers 401 with
//! `WWW-Authenticate: Bearer authorization_uri=https://login.microsoftonline.com/{tenant}`
//! and/or `X-VSS-ResourceTenant: {tenant}`.

use crate::ado::probe::tenant_from_headers;
use reqwest::Method;
use url::Url;

use super::{ANY_ORGANIZATION, MSA_TENANT};
use crate::ado::http::{Credential, HttpClient};
use crate::problem::Problem;

/// Where to sign in for an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    /// An Entra ID tenant (its id).
    Tenant(String),
    /// A Microsoft-account organization (all-zero tenant): sign in with
    /// `organizations`; a personal account may need a PAT instead.
    MicrosoftAccount,
    /// Not known (no organization typed yet, or the answer named none).
    Unknown,
}

impl Authority {
    /// The tenant segment of the authority URL.
    pub fn segment(&self) -> &str {
        match self {
            Authority::Tenant(t) => t,
            Authority::MicrosoftAccount | Authority::Unknown => ANY_ORGANIZATION,
        }
    }

    /// The tenant id when it is an Entra tenant.
    pub fn tenant_id(&self) -> Option<&str> {
        match self {
            Authority::Tenant(t) => Some(t),
            _ => None,
        }
    }

    /// From a tenant id as Azure DevOps reports it.
    pub fn from_tenant(tenant: Option<&str>) -> Authority {
        match tenant.map(str::trim).filter(|t| !t.is_empty()) {
            None => Authority::Unknown,
            Some(t) if t == MSA_TENANT => Authority::MicrosoftAccount,
            Some(t) => Authority::Tenant(t.to_ascii_lowercase()),
        }
    }
}

/// Discovers the authority of the organization at `org_url` with an
/// unauthenticated `HEAD`. `override_tenant` (`--tenant`) wins. A network
/// failure is a [`Problem`]; an answer that names no tenant is
/// [`Authority::Unknown`].
pub async fn discover_authority(
    http: &HttpClient,
    org_url: &Url,
    override_tenant: Option<&str>,
) -> Result<Authority, Problem> {
    if let Some(t) = override_tenant.map(str::trim).filter(|t| !t.is_empty()) {
        return Ok(Authority::from_tenant(Some(t)));
    }
    let resp = http
        .send(Method::HEAD, org_url, &Credential::Anonymous, None)
        .await
        .map_err(|e| Problem::from(&e))?;
    Ok(Authority::from_tenant(
        tenant_from_headers(&resp.headers).as_deref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.append(*k, v);
            }
        }
        h
    }

    #[test]
    fn the_bearer_challenge_names_the_tenant_whichever_challenge_comes_first() {
        let h = headers(&[
            ("www-authenticate", "Basic realm=\"https://dev.azure.com/\""),
            (
                "www-authenticate",
                "Bearer authorization_uri=https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47, error=\"invalid_token\"",
            ),
            (
                "x-vss-resourcetenant",
                "11111111-86f1-41af-91ab-2d7cd011db47",
            ),
        ]);
        assert_eq!(
            tenant_from_headers(&h).as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
    }

    #[test]
    fn the_resource_tenant_header_is_the_fallback() {
        let h = headers(&[
            ("www-authenticate", "Bearer"),
            (
                "x-vss-resourcetenant",
                "00000000-0000-0000-0000-000000000000",
            ),
        ]);
        let t = tenant_from_headers(&h);
        assert_eq!(t.as_deref(), Some(MSA_TENANT));
        assert_eq!(
            Authority::from_tenant(t.as_deref()),
            Authority::MicrosoftAccount
        );
        assert_eq!(Authority::MicrosoftAccount.segment(), "organizations");
    }

    #[test]
    fn nothing_usable_is_unknown() {
        assert_eq!(tenant_from_headers(&headers(&[])), None);
        let h = headers(&[(
            "www-authenticate",
            "Bearer authorization_uri=https://evil.example/../../x?y=1",
        )]);
        assert_eq!(tenant_from_headers(&h), None);
        assert_eq!(Authority::from_tenant(Some("  ")), Authority::Unknown);
        assert_eq!(
            Authority::from_tenant(Some("ABCDEF01-0000-0000-0000-000000000001")),
            Authority::Tenant("abcdef01-0000-0000-0000-000000000001".into())
        );
    }
}

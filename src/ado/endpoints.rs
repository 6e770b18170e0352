//! The service endpoints (SPEC §3 "Endpoints"), overridable for sovereign
//! clouds, proxies and tests through `ADO_SETUP_*_URL` variables. Plain
//! `http://` is accepted only with `--allow-http` — except for the instance
//! metadata endpoint (`ADO_SETUP_IMDS_URL`), which is plain HTTP by design:
//! Azure serves it on the link-local address `169.254.169.254` of the
//! machine itself, never over a network, and it has no `https://` form.

use url::Url;

/// Services or Server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deployment {
    /// Azure DevOps Services (`provider_key` `azure_devops_services`, cloud).
    Services,
    /// Azure DevOps Server (`provider_key` `azure_devops_server`, self-hosted).
    Server,
}

impl Deployment {
    /// `provider_key` of the connection.
    pub fn provider_key(self) -> &'static str {
        match self {
            Deployment::Services => "azure_devops_services",
            Deployment::Server => "azure_devops_server",
        }
    }

    /// `deployment_mode` of the connection.
    pub fn mode(self) -> &'static str {
        match self {
            Deployment::Services => "cloud",
            Deployment::Server => "self-hosted",
        }
    }
}

/// Base URLs of the services a Services connection talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `https://dev.azure.com` (`ADO_SETUP_DEVOPS_URL`)
    pub devops: Url,
    /// `https://vssps.dev.azure.com` (`ADO_SETUP_VSSPS_URL`)
    pub vssps: Url,
    /// `https://app.vssps.visualstudio.com` (`ADO_SETUP_PROFILE_URL`)
    pub profile: Url,
    /// `https://login.microsoftonline.com` (`ADO_SETUP_AUTHORITY_URL`)
    pub authority: Url,
    /// `http://169.254.169.254` (`ADO_SETUP_IMDS_URL`): the Azure instance
    /// metadata service, where a managed identity gets its tokens. Plain
    /// `http://` without `--allow-http` (see the module docs).
    pub imds: Url,
}

/// The variable that overrides the instance metadata endpoint.
pub const IMDS_VAR: &str = "ADO_SETUP_IMDS_URL";

/// Azure's instance metadata endpoint (link-local, plain HTTP by design).
pub const DEFAULT_IMDS_URL: &str = "http://169.254.169.254";

/// An endpoint override that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{var}={value} is not an absolute URL: {reason}")]
    Invalid {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error("{var}={value} uses http://; pass --allow-http to accept plain HTTP")]
    PlainHttp { var: &'static str, value: String },
}

impl EndpointError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        "PROVIDER_BASE_URL_BLOCKED"
    }
}

const DEFAULTS: [(&str, &str); 4] = [
    ("ADO_SETUP_DEVOPS_URL", "https://dev.azure.com"),
    ("ADO_SETUP_VSSPS_URL", "https://vssps.dev.azure.com"),
    (
        "ADO_SETUP_PROFILE_URL",
        "https://app.vssps.visualstudio.com",
    ),
    (
        "ADO_SETUP_AUTHORITY_URL",
        "https://login.microsoftonline.com",
    ),
];

impl Endpoints {
    /// Endpoints from the process environment.
    pub fn from_env(allow_http: bool) -> Result<Endpoints, EndpointError> {
        Self::from_lookup(|k| std::env::var(k).ok(), allow_http)
    }

    /// Endpoints from any variable lookup (tests pass a map).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        allow_http: bool,
    ) -> Result<Endpoints, EndpointError> {
        let get = |(var, default): (&'static str, &str)| {
            let value = lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string());
            parse_endpoint(var, &value, allow_http)
        };
        let [devops, vssps, profile, authority] = DEFAULTS;
        Ok(Endpoints {
            devops: get(devops)?,
            vssps: get(vssps)?,
            profile: get(profile)?,
            authority: get(authority)?,
            imds: Self::imds_from_lookup(&lookup)?,
        })
    }

    /// The instance metadata endpoint from `ADO_SETUP_IMDS_URL` (default
    /// `http://169.254.169.254`). `http://` needs no `--allow-http` here: the
    /// endpoint is on the machine itself and Azure serves it only over HTTP.
    pub fn imds_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Url, EndpointError> {
        let value = lookup(IMDS_VAR)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_IMDS_URL.to_string());
        parse_endpoint(IMDS_VAR, &value, true)
    }

    /// [`imds_from_lookup`](Self::imds_from_lookup) over the process environment.
    pub fn imds_from_env() -> Result<Url, EndpointError> {
        Self::imds_from_lookup(|k| std::env::var(k).ok())
    }

    /// `{devops}/{org}`: the base URL of a Services organization.
    pub fn organization_url(&self, org: &str) -> Url {
        let mut u = self.devops.clone();
        if let Ok(mut segs) = u.path_segments_mut() {
            segs.pop_if_empty().push(org);
        }
        u
    }
}

fn parse_endpoint(var: &'static str, value: &str, allow_http: bool) -> Result<Url, EndpointError> {
    let url = Url::parse(value).map_err(|e| EndpointError::Invalid {
        var,
        value: value.to_string(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(EndpointError::PlainHttp {
                var,
                value: value.to_string(),
            });
        }
        other => {
            return Err(EndpointError::Invalid {
                var,
                value: value.to_string(),
                reason: format!("scheme {other} is not https"),
            });
        }
    }
    if url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(EndpointError::Invalid {
            var,
            value: value.to_string(),
            reason: "no host".into(),
        });
    }
    let mut url = url;
    if url.path().ends_with('/') && url.path() != "/" {
        let trimmed = url.path().trim_end_matches('/').to_string();
        url.set_path(&trimmed);
    }
    Ok(url)
}

/// The endpoints a connection needs (SPEC §6), the one list the wizard's
/// Network step and the `network.allowlist` check probe. Services: the
/// Azure DevOps endpoint, the identity and profile endpoints (`services`),
/// the sign-in authority when the sign-in uses one, and
/// `{legacy_org}.visualstudio.com` when given and the Azure DevOps endpoint
/// is Microsoft's own (`dev.azure.com`): behind an overridden one (a
/// sovereign cloud, a proxy, a test sandbox) there is no such host to allow.
/// Server: the collection URL.
pub fn required_endpoints(
    deployment: Deployment,
    devops: &Url,
    services: &[Url],
    authority: Option<&Url>,
    legacy_org: Option<&str>,
    server_base: Option<&Url>,
) -> Vec<Url> {
    match deployment {
        Deployment::Services => {
            let mut out = vec![devops.clone()];
            out.extend(services.iter().cloned());
            out.extend(authority.cloned());
            if let Some(org) = legacy_org
                && devops.host_str() == Some("dev.azure.com")
                && let Ok(u) = Url::parse(&format!("https://{org}.visualstudio.com"))
            {
                out.push(u);
            }
            out
        }
        Deployment::Server => server_base.into_iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::test_url as url;
    use std::collections::HashMap;

    fn lookup(map: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = map
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_are_microsofts_hosts() {
        let e = Endpoints::from_lookup(lookup(&[]), false);
        let e = match e {
            Ok(e) => e,
            Err(err) => panic!("{err}"),
        };
        assert_eq!(e.devops.as_str(), "https://dev.azure.com/");
        assert_eq!(
            e.organization_url("contoso").as_str(),
            "https://dev.azure.com/contoso"
        );
        assert_eq!(e.authority.host_str(), Some("login.microsoftonline.com"));
        assert_eq!(e.imds.as_str(), "http://169.254.169.254/");
    }

    #[test]
    fn the_metadata_endpoint_is_plain_http_without_allow_http() {
        let vars = [("ADO_SETUP_IMDS_URL", "http://127.0.0.1:9/_imds/")];
        match Endpoints::from_lookup(lookup(&vars), false) {
            Ok(e) => assert_eq!(e.imds.as_str(), "http://127.0.0.1:9/_imds"),
            Err(err) => panic!("{err}"),
        }
        let bad = [("ADO_SETUP_IMDS_URL", "169.254.169.254")];
        assert!(Endpoints::from_lookup(lookup(&bad), false).is_err());
        let ftp = [("ADO_SETUP_IMDS_URL", "ftp://169.254.169.254")];
        assert!(Endpoints::imds_from_lookup(lookup(&ftp)).is_err());
    }

    #[test]
    fn http_overrides_need_allow_http() {
        let vars = [("ADO_SETUP_DEVOPS_URL", "http://127.0.0.1:8080/")];
        assert!(matches!(
            Endpoints::from_lookup(lookup(&vars), false),
            Err(EndpointError::PlainHttp { .. })
        ));
        let e = Endpoints::from_lookup(lookup(&vars), true);
        match e {
            Ok(e) => assert_eq!(
                e.organization_url("org").as_str(),
                "http://127.0.0.1:8080/org"
            ),
            Err(err) => panic!("{err}"),
        }
        let bad = [("ADO_SETUP_VSSPS_URL", "ftp://x")];
        assert!(Endpoints::from_lookup(lookup(&bad), true).is_err());
        let path = [("ADO_SETUP_AUTHORITY_URL", "http://127.0.0.1:9/_login/")];
        match Endpoints::from_lookup(lookup(&path), true) {
            Ok(e) => assert_eq!(e.authority.as_str(), "http://127.0.0.1:9/_login"),
            Err(err) => panic!("{err}"),
        }
    }

    #[test]
    fn required_endpoints_follow_the_deployment() {
        let devops = url("https://dev.azure.com");
        let services = [
            url("https://vssps.dev.azure.com"),
            url("https://app.vssps.visualstudio.com"),
        ];
        let authority = url("https://login.microsoftonline.com");
        let all = required_endpoints(
            Deployment::Services,
            &devops,
            &services,
            Some(&authority),
            Some("contoso"),
            None,
        );
        let shown: Vec<&str> = all.iter().map(Url::as_str).collect();
        assert_eq!(
            shown,
            [
                "https://dev.azure.com/",
                "https://vssps.dev.azure.com/",
                "https://app.vssps.visualstudio.com/",
                "https://login.microsoftonline.com/",
                "https://contoso.visualstudio.com/",
            ]
        );
        let pat = required_endpoints(Deployment::Services, &devops, &services, None, None, None);
        assert_eq!(pat.len(), 3);
        // An overridden Azure DevOps endpoint has no legacy host beside it.
        let sandbox = url("http://127.0.0.1:8080");
        let overridden = required_endpoints(
            Deployment::Services,
            &sandbox,
            &services,
            None,
            Some("contoso"),
            None,
        );
        assert!(
            overridden
                .iter()
                .all(|u| u.host_str() != Some("contoso.visualstudio.com")),
            "{overridden:?}"
        );

        let base = url("https://tfs.contoso.com:8443/tfs/DefaultCollection");
        let server = required_endpoints(
            Deployment::Server,
            &devops,
            &services,
            Some(&authority),
            Some("contoso"),
            Some(&base),
        );
        assert_eq!(
            server.iter().map(Url::as_str).collect::<Vec<_>>(),
            ["https://tfs.contoso.com:8443/tfs/DefaultCollection"]
        );
    }
}

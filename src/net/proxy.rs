//! Which proxy a request to a URL goes through, decided exactly as the HTTP
//! client (reqwest) decides it: `HTTPS_PROXY`/`https_proxy` for `https://`,
//! `HTTP_PROXY`/`http_proxy` for `http://`, `ALL_PROXY` for both, `NO_PROXY`
//! (domains, subdomains, IP addresses, CIDR ranges, `*`), and on macOS and
//! Windows the system's proxy settings. Tests give the rules explicitly
//! instead of through the process environment.

use std::sync::Arc;

use hyper::header::HeaderValue;
use hyper_util::client::proxy::matcher::Matcher;
use url::Url;

/// The proxy rules a probe follows.
#[derive(Clone, Debug)]
pub struct ProxyRules {
    matcher: Option<Arc<Matcher>>,
}

impl ProxyRules {
    /// The rules the HTTP client follows: environment variables, then the
    /// operating system's settings.
    pub fn system() -> Self {
        ProxyRules {
            matcher: Some(Arc::new(Matcher::from_system())),
        }
    }

    /// No proxy at all.
    pub fn none() -> Self {
        ProxyRules { matcher: None }
    }

    /// Explicit rules: `https` for `https://` URLs, `http` for `http://` URLs
    /// (each like the value of `HTTPS_PROXY`/`HTTP_PROXY`, e.g.
    /// `http://user:pass@proxy.corp:3128`), and a `NO_PROXY` list.
    pub fn explicit(https: Option<&str>, http: Option<&str>, no_proxy: &str) -> Self {
        ProxyRules {
            matcher: Some(Arc::new(
                Matcher::builder()
                    .https(https.unwrap_or_default().to_string())
                    .http(http.unwrap_or_default().to_string())
                    .no(no_proxy.to_string())
                    .build(),
            )),
        }
    }

    /// The proxy a request to `url` goes through, if any.
    pub fn for_url(&self, url: &Url) -> Option<ProxyTarget> {
        let matcher = self.matcher.as_ref()?;
        let uri: hyper::Uri = url.as_str().parse().ok()?;
        let intercept = matcher.intercept(&uri)?;
        let proxy = intercept.uri();
        let scheme = proxy.scheme_str().unwrap_or("http").to_ascii_lowercase();
        let host = proxy.host()?.to_string();
        let port = proxy.port_u16().unwrap_or(match scheme.as_str() {
            "https" => 443,
            "socks4" | "socks4a" | "socks5" | "socks5h" => 1080,
            _ => 80,
        });
        Some(ProxyTarget {
            scheme,
            host,
            port,
            authorization: intercept.basic_auth().cloned(),
        })
    }
}

/// A proxy in effect for one URL. Its credentials are kept only to be sent
/// to the proxy; `Debug` and [`ProxyTarget::address`] never show them.
#[derive(Clone)]
pub struct ProxyTarget {
    /// `http`, `https`, or a SOCKS scheme (not probed).
    pub scheme: String,
    /// Host name or address, IPv6 in brackets.
    pub host: String,
    pub port: u16,
    authorization: Option<HeaderValue>,
}

impl ProxyTarget {
    /// `host:port`, the way the proxy is shown to the user.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The `Proxy-Authorization` value from the proxy URL's user info.
    pub(crate) fn authorization(&self) -> Option<&HeaderValue> {
        self.authorization.as_ref()
    }

    /// Whether credentials for the proxy were given.
    pub fn has_credentials(&self) -> bool {
        self.authorization.is_some()
    }
}

impl std::fmt::Debug for ProxyTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyTarget")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.authorization.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::test_url as url;

    #[test]
    fn explicit_rules_pick_by_scheme_and_honour_no_proxy() {
        let rules = ProxyRules::explicit(
            Some("http://user:secret@proxy.corp:3128"),
            None,
            "tfs.contoso.com, 10.0.0.0/8",
        );
        let p = rules.for_url(&url("https://dev.azure.com/contoso"));
        let Some(p) = p else {
            panic!("https://dev.azure.com is not proxied")
        };
        assert_eq!(p.address(), "proxy.corp:3128");
        assert_eq!(p.scheme, "http");
        assert!(p.has_credentials());
        let shown = format!("{p:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("user"),
            "{shown}"
        );

        assert!(rules.for_url(&url("https://tfs.contoso.com/tfs")).is_none());
        assert!(
            rules
                .for_url(&url("https://build.tfs.contoso.com"))
                .is_none()
        );
        assert!(rules.for_url(&url("https://10.1.2.3/tfs")).is_none());
        assert!(rules.for_url(&url("http://dev.azure.com")).is_none());
        assert!(
            ProxyRules::none()
                .for_url(&url("https://dev.azure.com"))
                .is_none()
        );
    }

    #[test]
    fn a_proxy_without_scheme_or_port_gets_the_defaults() {
        let rules = ProxyRules::explicit(Some("proxy.corp"), Some("proxy.corp:8080"), "");
        let p = rules.for_url(&url("https://dev.azure.com"));
        assert_eq!(p.map(|p| p.address()).as_deref(), Some("proxy.corp:80"));
        let p = rules.for_url(&url("http://tfs.local:8080"));
        assert_eq!(p.map(|p| p.address()).as_deref(), Some("proxy.corp:8080"));
    }
}

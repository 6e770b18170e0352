//! Network probes: is there an Azure DevOps at a base URL, and is each
//! endpoint a connection needs reachable from here. Used by the wizard's
//! Target and Network steps and by the `network.*` checks.
//!
//! An endpoint probe (SPEC §6) runs its stages on one connection, each with
//! its own timeout and time: DNS (addresses), TCP connect, with a proxy in
//! effect a `CONNECT` tunnel through it (DNS and TCP are then the proxy's),
//! TLS (issuer, expiry, trusted or why not), and an unauthenticated `GET`
//! whose answer's head is read (any status counts as reachable; redirects are
//! reported, never followed). Proxy rules and trust are the HTTP client's
//! (`HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, `--ca-file`), but given as
//! [`ProbeOptions`] so tests need no process environment. The request is
//! made on the probe's own connection rather than through the shared client
//! so that the stages measured are the very path the answer came over.
//!
//! This file is what a probe finds and the [`Prober`]'s stage sequence;
//! `stages.rs` runs each stage on the wire.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use url::Url;

use super::proxy::{ProxyRules, ProxyTarget};
use super::tls::{self, TLS_CODE, TlsStage, Trust};
use crate::problem::Problem;

mod stages;

use stages::{bare, connect_stage, dns_stage, http_stage, tcp_stage};

/// One row of the network allowlist table (the stages are in
/// [`EndpointProbe`], which holds this row).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointResult {
    /// The endpoint, without a trailing slash.
    pub url: String,
    /// The endpoint answered HTTP (any status).
    pub ok: bool,
    /// `HTTP 401`, or one line naming the failed stage and why
    /// (`DNS: …`, `TCP: …`, `CONNECT …`, `TLS: …`, `HTTP: …`).
    pub detail: String,
    /// A proxy was in effect for this endpoint.
    pub via_proxy: bool,
    /// All stages together.
    pub millis: u64,
}

/// How the probes run: the proxy rules, the extra CA, the time each stage
/// may take.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Which proxy each endpoint goes through.
    pub proxy: ProxyRules,
    /// Extra trusted CA certificates (PEM), as `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// Longest DNS lookup, TCP connect, proxy CONNECT and TLS handshake, each.
    pub timeout: Duration,
    /// Longest wait for the HTTP answer's head.
    pub http_timeout: Duration,
}

impl ProbeOptions {
    /// The proxy rules of the process (`HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY`, `NO_PROXY`, and the system's settings on macOS and
    /// Windows), 3 s per stage, 5 s for the HTTP answer, no extra CA.
    pub fn from_env() -> Self {
        ProbeOptions {
            proxy: ProxyRules::system(),
            ca_file: None,
            timeout: Duration::from_secs(3),
            http_timeout: Duration::from_secs(5),
        }
    }
}

/// DNS lookup of the host dialled (the endpoint, or the proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsStage {
    /// The name looked up (the proxy's when a proxy is in effect).
    pub host: String,
    pub addresses: Vec<IpAddr>,
    pub ms: u64,
    pub error: Option<String>,
}

/// TCP connect to the host dialled (the endpoint, or the proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpStage {
    /// The address connected to (or the last one tried).
    pub address: Option<SocketAddr>,
    pub ms: u64,
    pub error: Option<String>,
}

/// `CONNECT host:port` through the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectStage {
    /// `host:port` asked for.
    pub target: String,
    /// The proxy's HTTP status, when it answered.
    pub status: Option<u16>,
    pub ms: u64,
    pub error: Option<String>,
}

/// The unauthenticated HTTP request to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpStage {
    /// The status of the answer, when there was one.
    pub status: Option<u16>,
    pub ms: u64,
    /// The answer carries Azure DevOps headers (`ActivityId`,
    /// `X-TFS-ProcessId`, `X-VSS-*`, a `TFS-Federated` challenge).
    pub azure_devops: bool,
    /// A redirect to another host (`host[:port]`); never followed.
    pub redirect_to: Option<String>,
    pub error: Option<String>,
}

/// Everything one endpoint's probe found: the summary row, each stage, and
/// the problem (code, message, fix) when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointProbe {
    /// The row the allowlist table and `allowlist_status` use. `ok`: the
    /// HTTP stage got an answer; `millis`: all stages.
    pub result: EndpointResult,
    /// The proxy used (`host:port`, never its credentials).
    pub proxy: Option<String>,
    /// Of the endpoint, or of the proxy when one is in effect.
    pub dns: Option<DnsStage>,
    /// To the endpoint, or to the proxy when one is in effect.
    pub tcp: Option<TcpStage>,
    /// TLS with an `https://` proxy.
    pub proxy_tls: Option<TlsStage>,
    /// The tunnel through the proxy (`https://` endpoints).
    pub connect: Option<ConnectStage>,
    /// TLS with the endpoint (through the tunnel when proxied).
    pub tls: Option<TlsStage>,
    pub http: Option<HttpStage>,
    /// Why the endpoint is not reachable.
    pub problem: Option<Problem>,
}

impl EndpointProbe {
    /// The stages that ran, as `(name, milliseconds)`, in order.
    pub fn timings(&self) -> Vec<(&'static str, u64)> {
        let mut out = Vec::new();
        if let Some(s) = &self.dns {
            out.push(("dns", s.ms));
        }
        if let Some(s) = &self.tcp {
            out.push(("tcp", s.ms));
        }
        if let Some(s) = &self.proxy_tls {
            out.push(("proxy tls", s.ms));
        }
        if let Some(s) = &self.connect {
            out.push(("connect", s.ms));
        }
        if let Some(s) = &self.tls {
            out.push(("tls", s.ms));
        }
        if let Some(s) = &self.http {
            out.push(("http", s.ms));
        }
        out
    }
}

/// Probes every endpoint concurrently (see [`Prober`]). Fails only when the
/// options cannot be used (a bad `ca_file`).
pub async fn probe_endpoints_staged(
    endpoints: &[Url],
    opts: ProbeOptions,
) -> Result<Vec<EndpointProbe>, Problem> {
    // Reading the system's CA store is blocking file I/O.
    let prober = tokio::task::spawn_blocking(move || Prober::new(opts))
        .await
        .map_err(|e| {
            Problem::new(
                TLS_CODE,
                format!("cannot set up TLS for the probes: {e}"),
                "Retry; run `ado-setup doctor -v` and attach the log if it persists",
            )
        })??;
    Ok(prober.probe_all(endpoints).await)
}

/// Probes endpoints stage by stage: DNS, TCP, (proxy TLS, CONNECT), TLS,
/// HTTP. Each stage has its own timeout and time; a failed stage ends the
/// probe with a problem that names the stage.
#[derive(Debug, Clone)]
pub struct Prober {
    opts: ProbeOptions,
    trust: Trust,
}

/// What the HTTP stage's stream must do.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

const UNREACHABLE: &str = "NETWORK_UNREACHABLE";

impl Prober {
    /// Builds the trust (system CAs + `ca_file`) once for many probes.
    pub fn new(opts: ProbeOptions) -> Result<Prober, Problem> {
        let trust = Trust::new(opts.ca_file.as_deref())?;
        Ok(Prober { opts, trust })
    }

    /// Probes every endpoint concurrently; results in the same order.
    pub async fn probe_all(&self, endpoints: &[Url]) -> Vec<EndpointProbe> {
        futures::future::join_all(endpoints.iter().map(|u| self.probe(u))).await
    }

    /// Probes one endpoint.
    pub async fn probe(&self, url: &Url) -> EndpointProbe {
        let started = Instant::now();
        let mut p = EndpointProbe {
            result: EndpointResult {
                url: shown_url(url),
                ok: false,
                detail: String::new(),
                via_proxy: false,
                millis: 0,
            },
            proxy: None,
            dns: None,
            tcp: None,
            proxy_tls: None,
            connect: None,
            tls: None,
            http: None,
            problem: None,
        };
        let problem = self.run(url, &mut p).await.err();
        p.result.millis = millis(started);
        match (&p.http, problem) {
            (
                Some(HttpStage {
                    status: Some(status),
                    redirect_to,
                    ..
                }),
                _,
            ) => {
                p.result.ok = true;
                p.result.detail = match redirect_to {
                    Some(to) => format!("HTTP {status} → {to} (not followed)"),
                    None => format!("HTTP {status}"),
                };
            }
            (_, Some(problem)) => {
                p.result.detail = problem.message.clone();
                p.problem = Some(problem);
            }
            (_, None) => p.result.detail = "no answer".into(),
        }
        p
    }

    /// The stages in order, each recorded in `p`; the first that fails
    /// ends the probe with its problem.
    async fn run(&self, url: &Url, p: &mut EndpointProbe) -> Result<(), Problem> {
        let (host, port) = match (url.scheme(), url.host_str(), url.port_or_known_default()) {
            ("https" | "http", Some(h), Some(port)) => (h.to_string(), port),
            _ => {
                return Err(Problem::new(
                    "PROVIDER_BASE_URL_BLOCKED",
                    format!("{} is not an http(s) URL with a host", p.result.url),
                    "Use an https:// endpoint",
                ));
            }
        };
        let https = url.scheme() == "https";
        let proxy = self.opts.proxy.for_url(url);
        p.result.via_proxy = proxy.is_some();
        p.proxy = proxy.as_ref().map(ProxyTarget::address);
        if let Some(px) = &proxy
            && !matches!(px.scheme.as_str(), "http" | "https")
        {
            return Err(Problem::new(
                UNREACHABLE,
                format!(
                    "proxy {} uses {}://, which this tool does not support",
                    px.address(),
                    px.scheme
                ),
                "Use an HTTP proxy (http://HOST:PORT) in HTTPS_PROXY, or add the host to NO_PROXY",
            ));
        }
        let mut stream = self.dial(&host, port, proxy.as_ref(), p).await?;
        if let Some(px) = &proxy {
            if px.scheme == "https" {
                stream = self.proxy_tls(stream, px, p).await?;
            }
            if https {
                self.tunnel(&mut stream, &format!("{host}:{port}"), px, p)
                    .await?;
            }
        }
        if https {
            stream = self.endpoint_tls(stream, &host, p).await?;
        }
        let forward = if https { None } else { proxy.as_ref() };
        self.http(stream, url, &host, forward, p).await
    }

    /// DNS and TCP: to the proxy when one is in effect, otherwise to
    /// `host:port`.
    async fn dial(
        &self,
        host: &str,
        port: u16,
        proxy: Option<&ProxyTarget>,
        p: &mut EndpointProbe,
    ) -> Result<Box<dyn Io>, Problem> {
        let timeout = self.opts.timeout;
        let (dial_host, dial_port) = match proxy {
            Some(px) => (px.host.clone(), px.port),
            None => (host.to_string(), port),
        };
        let what = match proxy {
            Some(_) => format!("the proxy {dial_host}"),
            None => dial_host.clone(),
        };
        let (dns, addrs) = dns_stage(&dial_host, dial_port, timeout).await;
        let dns_error = dns.error.clone();
        p.dns = Some(dns);
        if let Some(e) = dns_error {
            return Err(Problem::new(
                UNREACHABLE,
                format!("DNS: cannot resolve {what}: {e}"),
                if proxy.is_some() {
                    format!(
                        "Check the proxy's host name in HTTPS_PROXY/HTTP_PROXY, or add {host} to NO_PROXY to reach it directly"
                    )
                } else {
                    "Check the host name and this machine's DNS settings; behind a proxy, set HTTPS_PROXY"
                        .to_string()
                },
            ));
        }
        let (tcp, stream) = tcp_stage(&addrs, timeout).await;
        p.tcp = Some(tcp.clone());
        let Some(stream) = stream else {
            let e = tcp.error.unwrap_or_default();
            // The address, when the host is a name.
            let at = match tcp.address {
                Some(a) if bare(&dial_host).parse::<IpAddr>().is_err() => format!(" ({})", a.ip()),
                _ => String::new(),
            };
            return Err(Problem::new(
                UNREACHABLE,
                format!(
                    "TCP: cannot connect to {what}:{dial_port}{at}: {e} after {} ms",
                    tcp.ms
                ),
                if proxy.is_some() {
                    format!(
                        "Check the proxy address and port in HTTPS_PROXY/HTTP_PROXY, or add {host} to NO_PROXY to reach it directly"
                    )
                } else {
                    format!(
                        "Ask your network team to allow outbound TCP {dial_port} to {dial_host}, or set HTTPS_PROXY"
                    )
                },
            ));
        };
        Ok(Box::new(stream))
    }

    /// TLS with an `https://` proxy.
    async fn proxy_tls(
        &self,
        stream: Box<dyn Io>,
        px: &ProxyTarget,
        p: &mut EndpointProbe,
    ) -> Result<Box<dyn Io>, Problem> {
        let hs = tls::handshake(&self.trust, &px.host, stream, self.opts.timeout).await;
        p.proxy_tls = Some(hs.stage);
        match (hs.stream, hs.problem) {
            (Some(s), _) => Ok(Box::new(s)),
            (None, problem) => {
                let mut problem = problem
                    .unwrap_or_else(|| Problem::new(TLS_CODE, "TLS with the proxy failed", ""));
                problem.message = format!("proxy {}: {}", px.address(), problem.message);
                Err(problem)
            }
        }
    }

    /// `CONNECT authority` through the proxy, for an `https://` endpoint.
    async fn tunnel(
        &self,
        stream: &mut Box<dyn Io>,
        authority: &str,
        px: &ProxyTarget,
        p: &mut EndpointProbe,
    ) -> Result<(), Problem> {
        let connect = connect_stage(stream, authority, px, self.opts.timeout).await;
        p.connect = Some(connect.clone());
        if connect.status.is_some_and(|s| (200..300).contains(&s)) {
            return Ok(());
        }
        let e = connect.error.unwrap_or_default();
        let fix = match connect.status {
            Some(407) if px.has_credentials() => {
                "The proxy rejected the user and password in HTTPS_PROXY; correct them"
            }
            Some(407) => {
                "The proxy requires authentication: put the user and password in HTTPS_PROXY (http://USER:PASSWORD@HOST:PORT)"
            }
            Some(_) => "Ask your network team to allow the host above through the proxy",
            None => "Check that HTTPS_PROXY names an HTTP proxy",
        };
        Err(Problem::new(
            UNREACHABLE,
            format!(
                "CONNECT {authority} through the proxy {}: {e}",
                px.address()
            ),
            fix,
        ))
    }

    /// TLS with an `https://` endpoint (through the tunnel when proxied).
    async fn endpoint_tls(
        &self,
        stream: Box<dyn Io>,
        host: &str,
        p: &mut EndpointProbe,
    ) -> Result<Box<dyn Io>, Problem> {
        let hs = tls::handshake(&self.trust, host, stream, self.opts.timeout).await;
        p.tls = Some(hs.stage);
        match (hs.stream, hs.problem) {
            (Some(s), _) => Ok(Box::new(s)),
            (None, problem) => Err(problem
                .unwrap_or_else(|| Problem::new(TLS_CODE, format!("TLS with {host} failed"), ""))),
        }
    }

    /// The unauthenticated `GET`; any status is an answer.
    async fn http(
        &self,
        stream: Box<dyn Io>,
        url: &Url,
        host: &str,
        forward: Option<&ProxyTarget>,
        p: &mut EndpointProbe,
    ) -> Result<(), Problem> {
        let http = http_stage(stream, url, forward, self.opts.http_timeout).await;
        p.http = Some(http.clone());
        match http.status {
            Some(_) => Ok(()),
            None => Err(Problem::new(
                UNREACHABLE,
                format!(
                    "HTTP: {host} did not answer: {}",
                    http.error.unwrap_or_default()
                ),
                "Something in the path (firewall, proxy) may drop the request; ask for the host to be allowed",
            )),
        }
    }
}

/// The URL as shown in rows: no trailing slash.
fn shown_url(u: &Url) -> String {
    u.as_str().trim_end_matches('/').to_string()
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
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

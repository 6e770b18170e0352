//! The HTTP rules every Azure DevOps call follows (SPEC §3): one reqwest
//! client with timeouts, the Azure DevOps headers, redirects never followed,
//! bounded bodies, bounded retries of 429/503 after `Retry-After`, and
//! transport failures sorted into DNS / TCP / TLS / timeout.

use std::path::PathBuf;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::error::{AdoError, Answer, SupportIds, TransportKind, classify};
use crate::net::proxy::{ProxyRules, ProxyTarget};
use crate::net::tls::Trust;

/// `ado-setup/<version>`, sent as User-Agent on every request.
use crate::net::USER_AGENT;

/// Limits and trust settings of the HTTP client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub request_timeout: Duration,
    /// Largest body read; larger answers fail with `TooLarge`.
    pub max_body_bytes: usize,
    /// Attempts for a request answered 429/503 (the first included).
    pub max_attempts: u32,
    /// Wait before a retry when the answer has no `Retry-After` (doubles each time).
    pub retry_base_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one fails at once (and says how long).
    pub max_retry_after: Duration,
    /// Extra trusted CA certificates (PEM), for TLS inspection or a private CA.
    pub ca_file: Option<PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 32 * 1024 * 1024,
            max_attempts: 3,
            retry_base_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(30),
            ca_file: None,
        }
    }
}

/// The credential a request carries. `Debug` never shows the secret.
#[derive(Debug, Clone)]
pub enum Credential {
    /// No Authorization header (tenant discovery, "is this Azure DevOps").
    Anonymous,
    /// Personal access token: HTTP Basic with an empty user name.
    Pat(SecretString),
    /// Entra ID access token.
    Bearer(SecretString),
}

/// A request body.
#[derive(Debug, Clone)]
pub struct Body {
    pub content_type: &'static str,
    pub bytes: Bytes,
}

impl Body {
    /// An `application/x-www-form-urlencoded` body (OAuth token requests).
    pub fn form(pairs: &[(&str, &str)]) -> Body {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: Bytes::from(s.finish()),
        }
    }
}

/// An answer that passed transport, size and retry handling (not yet classified).
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub ids: SupportIds,
    /// The host the request went to (for messages).
    pub host: String,
}

impl RawResponse {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Classifies the answer: `Ok(self)` for 2xx JSON, the error otherwise.
    pub fn classified(self) -> Result<RawResponse, AdoError> {
        classify(Answer {
            status: self.status,
            host: &self.host,
            content_type: self.header("content-type"),
            location: self.header("location"),
            ids: self.ids.clone(),
            body: &self.body,
        })?;
        Ok(self)
    }

    /// Parses the JSON body into `T`, every string made safe to show
    /// ([`crate::text::from_json_slice`]); a wrong shape is `Malformed`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, AdoError> {
        crate::text::from_json_slice(&self.body).map_err(|e| AdoError::Malformed {
            status: self.status,
            host: self.host.clone(),
            detail: match self.header("content-type") {
                _ if e.is_eof() => format!("the answer ends early (cut short on the way?): {e}"),
                Some(ct) if !ct.to_ascii_lowercase().contains("json") => format!(
                    "a {} answer instead of JSON",
                    ct.split(';')
                        .next()
                        .unwrap_or(ct)
                        .trim()
                        .chars()
                        .take(60)
                        .collect::<String>()
                ),
                _ => format!("{e}"),
            },
        })
    }
}

/// One reqwest client shared by every call; cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    opts: ClientOptions,
    trust: Trust,
    /// The proxy rules reqwest follows (read from the environment when the
    /// client is built, as reqwest reads them), to blame a failing proxy.
    proxy: ProxyRules,
}

impl HttpClient {
    /// Builds the client. Fails only when the CA file cannot be read or parsed.
    pub fn new(opts: ClientOptions) -> Result<Self, AdoError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "X-TFS-FedAuthRedirect",
            HeaderValue::from_static("Suppress"),
        );
        headers.insert(
            "X-VSS-ForceMsaPassThrough",
            HeaderValue::from_static("true"),
        );
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout);
        // The probes' trust (src/net/tls/): system CAs, `--ca-file`, and a
        // server certificate found in `--ca-file` trusted as it is.
        let trust =
            Trust::new(opts.ca_file.as_deref()).map_err(|p| AdoError::InvalidRequest(p.message))?;
        let tls = trust
            .client_config(&[b"h2", b"http/1.1"])
            .map_err(AdoError::InvalidRequest)?;
        builder = builder.tls_backend_preconfigured(tls);
        let inner = builder
            .build()
            .map_err(|e| AdoError::InvalidRequest(format!("cannot set up HTTP: {e}")))?;
        Ok(HttpClient {
            inner,
            opts,
            trust,
            proxy: ProxyRules::system(),
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// How the network probes run beside this client: the process's proxy
    /// rules ([`crate::net::probe::ProbeOptions::from_env`]) with the client's `--ca-file`.
    pub fn probe_options(&self) -> crate::net::probe::ProbeOptions {
        crate::net::probe::ProbeOptions {
            ca_file: self.opts.ca_file.clone(),
            ..crate::net::probe::ProbeOptions::from_env()
        }
    }

    /// Sends a request: transport errors sorted, bodies bounded, 429/503
    /// retried after `Retry-After` within the bounds. The answer is returned
    /// unclassified (the caller decides what a status means).
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        credential: &Credential,
        body: Option<&Body>,
    ) -> Result<RawResponse, AdoError> {
        let host = host_of(url);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let mut rb = self.inner.request(method.clone(), url.clone());
            rb = match credential {
                Credential::Anonymous => rb,
                Credential::Pat(pat) => rb.basic_auth("", Some(pat.expose_secret())),
                Credential::Bearer(token) => rb.bearer_auth(token.expose_secret()),
            };
            if let Some(b) = body {
                rb = rb
                    .header(header::CONTENT_TYPE, b.content_type)
                    .body(b.bytes.clone());
            }
            let resp = rb.send().await.map_err(|e| {
                let e = self.transport_error(url, &host, &e);
                // In words (never rustls' `Debug`), without query or headers.
                tracing::debug!(%method, %host, path = url.path(), code = e.code(), "failed: {e}");
                e
            })?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let ids = SupportIds::from_headers(&headers);

            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                let retry_after = parse_retry_after(&headers);
                let wait = retry_after.unwrap_or_else(|| {
                    self.opts
                        .retry_base_delay
                        .saturating_mul(1u32 << (attempt - 1).min(8))
                });
                if attempt < self.opts.max_attempts && wait <= self.opts.max_retry_after {
                    drop(resp);
                    tracing::debug!(%host, status = status.as_u16(), ?wait, attempt, "retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(AdoError::Throttled {
                    status: status.as_u16(),
                    retry_after,
                    attempts: attempt,
                    ids,
                });
            }

            let body = self.read_bounded(resp, url, &host).await?;
            // What support needs from a -v log: never a header, query or body.
            tracing::debug!(
                %method,
                %host,
                path = url.path(),
                status = status.as_u16(),
                bytes = body.len(),
                attempt,
                activity_id = ids.activity_id.as_deref().unwrap_or("-"),
                "answered"
            );
            return Ok(RawResponse {
                status: status.as_u16(),
                headers,
                body,
                ids,
                host,
            });
        }
    }
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => url.as_str().chars().take(100).collect(),
    }
}

impl HttpClient {
    /// The body, at most `max_body_bytes` of it.
    async fn read_bounded(
        &self,
        mut resp: reqwest::Response,
        url: &Url,
        host: &str,
    ) -> Result<Bytes, AdoError> {
        let opts = &self.opts;
        let limit = opts.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(AdoError::TooLarge {
                host: host.to_string(),
                limit,
            });
        }
        // One allocation when the length is announced (no doubling of large
        // bodies such as a 20,000-node tree).
        let announced = resp
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(limit);
        let mut buf = BytesMut::with_capacity(announced);
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.transport_error(url, host, &e))?
        {
            if buf.len() + chunk.len() > limit {
                return Err(AdoError::TooLarge {
                    host: host.to_string(),
                    limit,
                });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

/// `Retry-After` in seconds (the form Azure DevOps sends). An HTTP-date is not
/// interpreted: the default backoff applies.
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = v.parse().ok()?;
    if secs.is_finite() && secs >= 0.0 {
        Some(Duration::from_secs_f64(secs.min(86_400.0)))
    } else {
        None
    }
}

/// Words rustls (and the OS verifier) use in handshake failures.
const TLS_SIGNS: [&str; 9] = [
    "certificate",
    "tls",
    "handshake",
    "peer sent",
    "peer is incompatible",
    "corrupt message",
    "invalidcontenttype",
    "alert",
    "unknownissuer",
];

impl HttpClient {
    /// Sorts a reqwest failure into a transport kind, with the innermost
    /// cause as detail (never the URL's query or any header); a failing
    /// proxy and a TLS failure are said in words, each with its own fix.
    fn transport_error(&self, url: &Url, host: &str, e: &reqwest::Error) -> AdoError {
        let opts = &self.opts;
        // Start below reqwest's own message: it names the URL, whose words
        // ("tls", "alert", …) must not decide the kind.
        let mut chain = Vec::new();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        while let Some(err) = cur {
            chain.push(err.to_string());
            cur = err.source();
        }
        let all = chain.join(" | ").to_ascii_lowercase();
        if e.is_connect()
            && (all.contains("tunnel error") || !TLS_SIGNS.iter().any(|sign| all.contains(sign)))
            && let Some(proxy) = self.proxy.for_url(url)
        {
            return proxy_error(&proxy, url, host, &all, chain.last(), e.is_timeout(), opts);
        }
        let kind = if e.is_timeout() || all.contains("timed out") {
            TransportKind::Timeout
        } else if all.contains("dns error")
            || all.contains("failed to lookup address")
            || all.contains("name or service not known")
            || all.contains("no such host")
        {
            TransportKind::Dns
        } else if TLS_SIGNS.iter().any(|sign| all.contains(sign)) {
            TransportKind::Tls
        } else if e.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Protocol
        };
        if kind == TransportKind::Tls {
            // Said in words from the rustls error and the certificate the
            // server presented — never rustls' `Debug` text.
            let tls_host = url.host_str().unwrap_or(host);
            let rejection = self.trust.verifier().rejection(tls_host);
            let error = rustls_error(e).or_else(|| rejection.as_ref().map(|r| r.error.clone()));
            let chain = rejection.map(|r| r.chain).unwrap_or_default();
            let fallback = chain_text(e);
            let (message, fix) =
                crate::net::tls::describe_failure(tls_host, &chain, error.as_ref(), &fallback);
            return AdoError::Transport {
                kind,
                host: host.to_string(),
                detail: message,
                fix: Some(fix),
            };
        }
        let detail = match kind {
            // "operation timed out" says less than the limit that was reached.
            TransportKind::Timeout if e.is_connect() => format!(
                "no connection within {} s",
                opts.connect_timeout.as_secs_f32()
            ),
            TransportKind::Timeout => format!(
                "no complete answer within {} s (--timeout)",
                opts.request_timeout.as_secs_f32()
            ),
            _ => chain
                .last()
                .map(|s| s.chars().take(200).collect::<String>())
                .unwrap_or_default(),
        };
        AdoError::Transport {
            kind,
            host: host.to_string(),
            detail,
            fix: None,
        }
    }
}

/// A request that failed at the proxy in effect for it: said as the
/// proxy's failure (its address, never its credentials), with a fix about
/// `HTTPS_PROXY`/`NO_PROXY`.
fn proxy_error(
    proxy: &ProxyTarget,
    url: &Url,
    host: &str,
    all: &str,
    last: Option<&String>,
    timed_out: bool,
    opts: &ClientOptions,
) -> AdoError {
    let var = if url.scheme() == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    let bare_host = url.host_str().unwrap_or(host);
    let bypass = format!("or add {bare_host} to NO_PROXY to reach it directly");
    let (what, fix) = if all.contains("proxy authorization required") {
        if proxy.has_credentials() {
            (
                "it rejected the user and password (HTTP 407)".to_string(),
                format!("Correct the user and password in {var} (http://USER:PASSWORD@HOST:PORT)"),
            )
        } else {
            (
                "it requires a user and password (HTTP 407)".to_string(),
                format!(
                    "Put the proxy's user and password in {var} (http://USER:PASSWORD@HOST:PORT)"
                ),
            )
        }
    } else if all.contains("tunnel error: unsuccessful") {
        (
            format!("it refused a tunnel to {host}"),
            format!("Ask your network team to allow {host} through the proxy, {bypass}"),
        )
    } else if all.contains("unexpected end of file")
        || all.contains("connection reset")
        || all.contains("broken pipe")
    {
        (
            format!("it closed the connection instead of opening a tunnel to {host}"),
            format!("Check that {var} names a working HTTP proxy (http://HOST:PORT), {bypass}"),
        )
    } else {
        let why = if timed_out || all.contains("timed out") {
            format!(
                "no connection within {} s",
                opts.connect_timeout.as_secs_f32()
            )
        } else if all.contains("refused") {
            "connection refused".to_string()
        } else {
            last.map(|l| crate::net::tls::one_line(l))
                .unwrap_or_else(|| "no connection".into())
        };
        (
            format!("cannot connect to it ({why})"),
            format!("Check the proxy's address and port in {var} (or unset it), {bypass}"),
        )
    };
    AdoError::Transport {
        kind: TransportKind::Proxy,
        host: proxy.address(),
        detail: format!("{what}; it is in {var} for {host}"),
        fix: Some(fix),
    }
}

/// The rustls error inside a reqwest error (wrapped in I/O errors on the
/// way, which hide it from `source()`).
fn rustls_error(e: &reqwest::Error) -> Option<rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let mut inner: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(i) = inner {
            if let Some(r) = i.downcast_ref::<rustls::Error>() {
                return Some(r.clone());
            }
            inner = i
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|b| b as &(dyn std::error::Error + 'static));
        }
        cur = err.source();
    }
    None
}

/// The innermost cause of a reqwest error, one bounded line.
fn chain_text(e: &reqwest::Error) -> String {
    let mut last = None;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = cur {
        last = Some(err.to_string());
        cur = err.source();
    }
    crate::net::tls::one_line(&last.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("0.5"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(500)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h), None);
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("-4"));
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn credential_debug_hides_the_secret() {
        let c = Credential::Pat(SecretString::from("super-secret-pat"));
        assert!(!format!("{c:?}").contains("super-secret-pat"));
    }

    #[test]
    fn a_missing_ca_file_is_a_clear_error() {
        let e = HttpClient::new(ClientOptions {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..ClientOptions::default()
        });
        match e {
            Err(e) => assert!(e.to_string().contains("/nonexistent/ca.pem")),
            Ok(_) => panic!("a missing CA file was accepted"),
        }
    }
}

//! The probe's stages on the wire, each under its own timeout and timed:
//! DNS lookup, TCP connect, a `CONNECT` through a proxy, and an
//! unauthenticated `GET` whose answer's head (never a body) is read and
//! parsed. Each returns its stage record; turning a failed stage into a
//! problem is the [`Prober`](super::Prober)'s.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

use super::{ConnectStage, DnsStage, HttpStage, Io, TcpStage, millis};
use crate::net::USER_AGENT;
use crate::net::proxy::ProxyTarget;
use crate::net::tls;

/// A host as the resolver takes it (IPv6 without brackets).
pub(super) fn bare(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

pub(super) async fn dns_stage(
    host: &str,
    port: u16,
    timeout: Duration,
) -> (DnsStage, Vec<SocketAddr>) {
    let started = Instant::now();
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((bare(host), port))).await;
    let ms = millis(started);
    let (addrs, error) = match lookup {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                (addrs, Some("no address".to_string()))
            } else {
                (addrs, None)
            }
        }
        Ok(Err(e)) => (Vec::new(), Some(tls::one_line(&e.to_string()))),
        Err(_) => (
            Vec::new(),
            Some(format!("no answer within {} s", timeout.as_secs_f32())),
        ),
    };
    let mut addresses: Vec<IpAddr> = Vec::new();
    for a in &addrs {
        if !addresses.contains(&a.ip()) {
            addresses.push(a.ip());
        }
    }
    (
        DnsStage {
            host: host.to_string(),
            addresses,
            ms,
            error,
        },
        addrs,
    )
}

/// Connects to the addresses in turn (at most 3) until one answers, all
/// within `timeout` (a refused address is quick, so the next one gets a try).
pub(super) async fn tcp_stage(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> (TcpStage, Option<TcpStream>) {
    let started = Instant::now();
    let mut stage = TcpStage {
        address: None,
        ms: 0,
        error: None,
    };
    for addr in addrs.iter().take(3) {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        stage.address = Some(*addr);
        match tokio::time::timeout(left, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                stage.ms = millis(started);
                stage.error = None;
                return (stage, Some(stream));
            }
            Ok(Err(e)) => stage.error = Some(io_reason(&e)),
            Err(_) => {
                stage.error = Some(format!(
                    "no answer within {} s (a firewall may drop the connection)",
                    timeout.as_secs_f32()
                ))
            }
        }
    }
    stage.ms = millis(started);
    (stage, None)
}

fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "connection reset".into(),
        K::ConnectionAborted => "connection aborted".into(),
        K::TimedOut => "timed out".into(),
        K::UnexpectedEof => "the connection was closed".into(),
        _ => tls::one_line(&e.to_string()),
    }
}

/// Asks the proxy for a tunnel to `authority`.
pub(super) async fn connect_stage(
    stream: &mut Box<dyn Io>,
    authority: &str,
    proxy: &ProxyTarget,
    timeout: Duration,
) -> ConnectStage {
    let started = Instant::now();
    let mut request = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\n"
    );
    if let Some(auth) = proxy.authorization().and_then(|v| v.to_str().ok()) {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await?;
        read_head(stream).await
    };
    let outcome = tokio::time::timeout(timeout, exchange).await;
    let ms = millis(started);
    let mut stage = ConnectStage {
        target: authority.to_string(),
        status: None,
        ms,
        error: None,
    };
    match outcome {
        Ok(Ok(head)) => match parse_head(&head) {
            Some(h) => {
                stage.status = Some(h.status);
                if !(200..300).contains(&h.status) {
                    stage.error = Some(match h.status {
                        407 => "the proxy requires authentication (HTTP 407)".to_string(),
                        s => format!("the proxy refused it (HTTP {s})"),
                    });
                }
            }
            None => stage.error = Some("the proxy's answer is not HTTP".into()),
        },
        Ok(Err(e)) => stage.error = Some(io_reason(&e)),
        Err(_) => stage.error = Some(format!("no answer within {} s", timeout.as_secs_f32())),
    }
    stage
}

/// Sends an unauthenticated `GET` and reads the answer's head (never a
/// body, never a redirect).
pub(super) async fn http_stage(
    mut stream: Box<dyn Io>,
    url: &Url,
    forward_proxy: Option<&ProxyTarget>,
    timeout: Duration,
) -> HttpStage {
    let started = Instant::now();
    let host_header = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => String::new(),
    };
    let target = match forward_proxy {
        // A plain-HTTP request through a proxy names the whole URL.
        Some(_) => {
            let mut u = url.clone();
            u.set_fragment(None);
            u.to_string()
        }
        None => match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        },
    };
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {USER_AGENT}\r\n\
         Accept: application/json\r\nX-TFS-FedAuthRedirect: Suppress\r\n\
         X-VSS-ForceMsaPassThrough: true\r\nConnection: close\r\n"
    );
    if let Some(auth) = forward_proxy
        .and_then(ProxyTarget::authorization)
        .and_then(|v| v.to_str().ok())
    {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await?;
        read_head(&mut stream).await
    };
    let outcome = tokio::time::timeout(timeout, exchange).await;
    let mut stage = HttpStage {
        status: None,
        ms: millis(started),
        azure_devops: false,
        redirect_to: None,
        error: None,
    };
    match outcome {
        Ok(Ok(head)) => match parse_head(&head) {
            Some(h) => {
                stage.status = Some(h.status);
                stage.azure_devops = h.azure_devops;
                if (300..400).contains(&h.status)
                    && let Some(loc) = h.location.as_deref()
                {
                    stage.redirect_to = cross_host(url, loc);
                }
            }
            None if head.is_empty() => {
                stage.error = Some("the connection was closed without an answer".into())
            }
            None => stage.error = Some("the answer is not HTTP".into()),
        },
        Ok(Err(e)) => stage.error = Some(io_reason(&e)),
        Err(_) => stage.error = Some(format!("no answer within {} s", timeout.as_secs_f32())),
    }
    stage
}

/// `host[:port]` of `location` when it is another host or port than `url`'s.
fn cross_host(url: &Url, location: &str) -> Option<String> {
    let to = url.join(location).ok()?;
    let same = to.host_str() == url.host_str()
        && to.port_or_known_default() == url.port_or_known_default();
    if same {
        return None;
    }
    Some(match (to.host_str(), to.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => "a URL without a host".to_string(),
    })
}

/// Reads until the end of an HTTP head (at most 16 KiB).
async fn read_head<S: AsyncRead + Unpin + ?Sized>(stream: &mut S) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    Ok(buf)
}

/// What the probes read from an answer's head.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    location: Option<String>,
    azure_devops: bool,
}

fn parse_head(head: &[u8]) -> Option<Head> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    if !(100..=999).contains(&status) {
        return None;
    }
    let mut location = None;
    let mut azure_devops = false;
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        match name.as_str() {
            "location" => location = Some(value.chars().take(2000).collect()),
            "activityid" | "x-tfs-processid" | "x-vss-resourcetenant" | "x-vss-e2eid" => {
                azure_devops = true
            }
            "www-authenticate" if value.contains("TFS-Federated") => azure_devops = true,
            _ => {}
        }
    }
    Some(Head {
        status,
        location,
        azure_devops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::test_url as url;

    #[test]
    fn heads_are_parsed_for_status_location_and_azure_devops_headers() {
        let h =
            parse_head(b"HTTP/1.1 401 Unauthorized\r\nActivityId: x\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(
            h,
            Some(Head {
                status: 401,
                location: None,
                azure_devops: true
            })
        );
        let h = parse_head(b"HTTP/1.0 302 Found\r\nlocation: /next\r\n\r\n");
        assert_eq!(h.and_then(|h| h.location), Some("/next".to_string()));
        let h = parse_head(b"HTTP/1.1 200 OK\r\nWWW-Authenticate: TFS-Federated\r\n\r\n");
        assert!(h.is_some_and(|h| h.azure_devops));
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH_9.6\r\n"), None);
        assert_eq!(parse_head(b""), None);
        assert_eq!(parse_head(b"HTTP/1.1 abc\r\n\r\n"), None);
    }

    #[test]
    fn only_another_host_or_port_is_a_cross_host_redirect() {
        let from = url("https://tfs.contoso.com/tfs/DefaultCollection");
        assert_eq!(cross_host(&from, "/tfs/Other"), None);
        assert_eq!(cross_host(&from, "https://tfs.contoso.com:443/x"), None);
        assert_eq!(
            cross_host(&from, "https://tfs.contoso.com:8443/x"),
            Some("tfs.contoso.com:8443".to_string())
        );
        assert_eq!(
            cross_host(&from, "https://evil.example/login?token=secret"),
            Some("evil.example".to_string())
        );
    }
}

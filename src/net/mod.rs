//! Network: what the user typed as a target and URL safety, proxy rules, TLS
//! trust, the allowlist, and the endpoint probes (DNS, TCP, proxy, TLS,
//! HTTP).
//!
//! Depends on nothing of Azure DevOps — only on `problem` and `text`; `ado`
//! builds its HTTP client on the proxy rules and the trust defined here.

pub mod allowlist;
pub mod probe;
pub mod proxy;
pub mod target;
pub mod tls;

/// The `User-Agent` of every request this tool makes, probes included.
pub const USER_AGENT: &str = concat!("ado-setup/", env!("CARGO_PKG_VERSION"));

/// For tests: `s` as a URL (a test's own constant, so a bad one is a bug
/// in the test).
#[cfg(test)]
#[allow(clippy::panic)]
pub(crate) fn test_url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// For tests: a port on 127.0.0.1 that is bound, so nobody else can take
/// it, and does not listen, so every connection is refused — for as long
/// as the socket is kept.
#[cfg(test)]
#[allow(clippy::panic)]
pub(crate) fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap_or_else(|e| panic!("{e}"));
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap_or_else(|e| panic!("{e}"));
    let port = socket
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    (socket, port)
}

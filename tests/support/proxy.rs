//! A small HTTP proxy for tests (tokio): `CONNECT` tunnels and absolute-form
//! `http://` requests, optionally requiring Basic `Proxy-Authorization`,
//! counting what it forwarded per target (`host:port`) so a test can prove
//! the traffic went through it — or did not. Plus a dead proxy: a port that
//! is bound but does not listen.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

#[derive(Default)]
struct Counts {
    /// Tunnels opened and requests forwarded, per target.
    forwarded: HashMap<String, usize>,
    /// Answers 407 given.
    refused_auth: usize,
    /// Every `Proxy-Authorization` value received (to prove the credentials
    /// were sent to the proxy, and only there).
    authorizations: Vec<String>,
}

/// A running proxy on 127.0.0.1; stops when dropped.
pub struct Proxy {
    pub addr: SocketAddr,
    counts: Arc<Mutex<Counts>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// Starts a proxy; with `credentials` (`user`, `password`) it answers
    /// 407 to any request without them.
    pub async fn start(credentials: Option<(&str, &str)>) -> Proxy {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("proxy bind: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => panic!("proxy addr: {e}"),
        };
        let expected = credentials
            .map(|(u, p)| format!("Basic {}", super::base64(format!("{u}:{p}").as_bytes())));
        let counts: Arc<Mutex<Counts>> = Arc::default();
        let c2 = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counts = c2.clone();
                let expected = expected.clone();
                tokio::spawn(async move {
                    handle(client, expected, counts).await;
                });
            }
        });
        Proxy { addr, counts, task }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://USER:PASSWORD@127.0.0.1:PORT`
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.addr)
    }

    fn with<T>(&self, f: impl FnOnce(&Counts) -> T) -> T {
        match self.counts.lock() {
            Ok(c) => f(&c),
            Err(p) => f(&p.into_inner()),
        }
    }

    /// Tunnels opened and requests forwarded to `target` (`host:port`).
    pub fn forwarded_to(&self, target: &str) -> usize {
        self.with(|c| c.forwarded.get(target).copied().unwrap_or(0))
    }

    /// Tunnels opened and requests forwarded, to any target.
    pub fn forwarded(&self) -> usize {
        self.with(|c| c.forwarded.values().sum())
    }

    /// 407 answers given.
    pub fn refused_auth(&self) -> usize {
        self.with(|c| c.refused_auth)
    }

    /// The `Proxy-Authorization` values received.
    pub fn authorizations(&self) -> Vec<String> {
        self.with(|c| c.authorizations.clone())
    }
}

fn lock(counts: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    match counts.lock() {
        Ok(c) => c,
        Err(p) => p.into_inner(),
    }
}

/// Reads a request head; returns it and any bytes read past it.
async fn read_head(s: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end + 4]).into_owned();
            return Some((head, buf[end + 4..].to_vec()));
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn handle(mut client: TcpStream, expected: Option<String>, counts: Arc<Mutex<Counts>>) {
    let Some((head, rest)) = read_head(&mut client).await else {
        return;
    };
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default().to_string();
    let auth = lines
        .clone()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, v)| v.trim().to_string());
    if let Some(a) = &auth {
        lock(&counts).authorizations.push(a.clone());
    }
    if let Some(want) = &expected
        && auth.as_deref() != Some(want.as_str())
    {
        lock(&counts).refused_auth += 1;
        let _ = client
            .write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"test proxy\"\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    }
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    if method == "CONNECT" {
        let Ok(mut upstream) = TcpStream::connect(&target).await else {
            let _ = client
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                .await;
            return;
        };
        *lock(&counts).forwarded.entry(target).or_default() += 1;
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        if !rest.is_empty() && upstream.write_all(&rest).await.is_err() {
            return;
        }
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        return;
    }
    // Absolute form: `GET http://host:port/path HTTP/1.1`.
    let Some(after) = target.strip_prefix("http://") else {
        let _ = client
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    let (authority, path) = match after.find('/') {
        Some(i) => (after[..i].to_string(), after[i..].to_string()),
        None => (after.to_string(), "/".to_string()),
    };
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    *lock(&counts).forwarded.entry(authority).or_default() += 1;
    let version = parts.next().unwrap_or("HTTP/1.1");
    let mut out = format!("{method} {path} {version}\r\n");
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.to_ascii_lowercase().starts_with("proxy-") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    if upstream.write_all(out.as_bytes()).await.is_err() || upstream.write_all(&rest).await.is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// A port on 127.0.0.1 that is bound but does not listen (connections to
/// it are refused) for as long as the socket is kept.
pub fn dead_port() -> (TcpSocket, SocketAddr) {
    let socket = match TcpSocket::new_v4() {
        Ok(s) => s,
        Err(e) => panic!("socket: {e}"),
    };
    if let Err(e) = socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))) {
        panic!("bind: {e}");
    }
    let addr = match socket.local_addr() {
        Ok(a) => a,
        Err(e) => panic!("local_addr: {e}"),
    };
    (socket, addr)
}

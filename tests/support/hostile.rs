//! A hostile Azure DevOps: a real HTTP server in front of the sandbox that
//! forwards every request and rewrites the JSON answers so that names
//! (display name, project, team, area, iteration, work item type, field,
//! allowed value) and every error
//! `message` carry terminal attacks — an OSC 52 clipboard write, a CSI
//! clear screen, a C1 CSI (`U+009B`), a bidi override (`U+202E`) — around
//! their visible text. Once the attacks are removed each name reads as the
//! sandbox's own, so every later request still finds what it names.

use std::net::SocketAddr;

use tokio::net::TcpListener;

/// OSC 52 (write "rm -rf ~/*" to the clipboard), then clear the screen and
/// home the cursor.
pub const ATTACK: &str = "\u{1b}]52;c;cm0gLXJmIH4vKg==\u{07}\u{1b}[2J\u{1b}[H";

/// `visible` with the attacks around and inside it: the OSC 52 and clear
/// screen before, a C1 CSI (8-bit `ESC [`) after its first word, a bidi
/// override and a colour reset at the end.
pub fn hostile(visible: &str) -> String {
    let (first, rest) = visible.split_once(' ').unwrap_or((visible, ""));
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!(" {rest}")
    };
    format!("{ATTACK}{first}\u{9b}31m{rest}\u{202e}\u{1b}[0m")
}

/// The names the server disguises (all in the sandbox's data).
pub const NAMES: &[&str] = &[
    "Avery Lindqvist",
    "Payments Platform",
    "Checkout",
    "Sprint",
    "Issue",
    "Customer Impact",
    "Priority",
    "High",
];

/// `s` as it appears between the quotes of a JSON string.
fn json_inner(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
}

/// The hostile version of a JSON answer from the sandbox at `from`, as
/// served at `to`.
pub fn rewrite(body: &str, from: &str, to: &str) -> String {
    let mut out = body.replace(from, to);
    for name in NAMES {
        out = out.replace(name, &json_inner(&hostile(name)));
    }
    out.replace(
        "\"message\":\"",
        &format!("\"message\":\"{}", json_inner(ATTACK)),
    )
}

/// The hostile server; it stops when dropped.
pub struct HostileServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl HostileServer {
    /// Starts in front of the sandbox at `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: String) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("bind: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => panic!("local_addr: {e}"),
        };
        let client = match reqwest::Client::builder().no_proxy().build() {
            Ok(c) => c,
            Err(e) => panic!("client: {e}"),
        };
        let me = format!("http://{addr}");
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (client, upstream, me) = (client.clone(), upstream.clone(), me.clone());
                tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    let Some(req) = super::read_request(&mut stream).await else {
                        return;
                    };
                    let answer = forward(&client, &upstream, &me, &req).await;
                    let _ = stream.write_all(&answer).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        HostileServer { addr, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    me: &str,
    req: &super::Received,
) -> Vec<u8> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut out = client.request(method, format!("{upstream}{}", req.target));
    for (k, v) in &req.headers {
        let skip = ["host", "content-length", "connection"];
        if !skip.iter().any(|s| k.eq_ignore_ascii_case(s)) {
            out = out.header(k.as_str(), v.as_str());
        }
    }
    let resp = match out.body(req.body.clone()).send().await {
        Ok(r) => r,
        Err(e) => return super::http(502, &[], format!("upstream: {e}").as_bytes()),
    };
    let status = resp.status().as_u16();
    let keep: Vec<(String, String)> = resp
        .headers()
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "content-length" | "connection" | "transfer-encoding"
            )
        })
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let json = keep
        .iter()
        .any(|(k, v)| k == "content-type" && v.contains("json"));
    let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let body = if json {
        rewrite(&String::from_utf8_lossy(&body), upstream, me).into_bytes()
    } else {
        body
    };
    let mut headers: Vec<(&str, &str)> =
        keep.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A support id a terminal must not see raw either (obs-text is legal in
    // a header value; this one is a C1 CSI in Latin-1).
    headers.push(("ActivityId", "a1\u{9b}2J"));
    super::http(status, &headers, &body)
}

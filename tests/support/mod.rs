//! Small fault-injecting HTTP servers for tests: a real TCP listener on
//! 127.0.0.1 that answers each request with whatever bytes a test scripts —
//! including answers no well-behaved server gives (truncated bodies, hangs,
//! trickles, lies about length). Every request it received is recorded so a
//! test can assert on what the client sent.
#![allow(dead_code)]

pub mod driver;
pub mod hostile;
pub mod proxy;
#[cfg(unix)]
pub mod pty_env;
pub mod run;
pub mod secret_service;
pub mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
pub enum Reply {
    /// Write these bytes, then close.
    Bytes(Vec<u8>),
    /// Write the head, then the body in pieces with a pause between them.
    Trickle {
        head: Vec<u8>,
        pieces: Vec<Vec<u8>>,
        pause: Duration,
    },
    /// Read the request and never answer (until the client gives up).
    Hang,
    /// Close the connection without a byte.
    Close,
}

/// A full HTTP/1.1 answer with `Content-Length` and `Connection: close`.
pub fn http(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> Reply {
    Reply::Bytes(http(
        status,
        &[("Content-Type", "application/json; charset=utf-8")],
        body.as_bytes(),
    ))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        203 => "Non-Authoritative Information",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

type Handler = dyn Fn(usize, &Received) -> Reply + Send + Sync;

/// A scripted server. The handler gets the request's index (0, 1, …) and the request.
pub struct FaultServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultServer {
    pub async fn start(
        handler: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("bind: {e}"),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => panic!("local_addr: {e}"),
        };
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let rec = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let rec = rec.clone();
                tokio::spawn(async move {
                    serve_one(stream, handler, rec).await;
                });
            }
        });
        FaultServer {
            addr,
            received,
            task,
        }
    }

    /// `http://127.0.0.1:PORT` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        match self.received.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(mut stream: TcpStream, handler: Arc<Handler>, rec: Arc<Mutex<Vec<Received>>>) {
    let Some(req) = read_request(&mut stream).await else {
        return;
    };
    let index = {
        let mut g = match rec.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.push(req.clone());
        g.len() - 1
    };
    match handler(index, &req) {
        Reply::Bytes(b) => {
            let _ = stream.write_all(&b).await;
            let _ = stream.shutdown().await;
        }
        Reply::Trickle {
            head,
            pieces,
            pause,
        } => {
            if stream.write_all(&head).await.is_err() {
                return;
            }
            for p in pieces {
                tokio::time::sleep(pause).await;
                if stream.write_all(&p).await.is_err() {
                    return;
                }
            }
            let _ = stream.shutdown().await;
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Reply::Close => {}
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        method,
        target,
        headers,
        body,
    })
}

/// Standard, padded Base64 (for Authorization headers the tests write by hand).
pub fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Wizard settings for tests: Microsoft's hosts, no demo, nothing saved yet.
pub fn wizard_settings() -> ado_setup::wizard::Settings {
    let url = |s: &str| match url::Url::parse(s) {
        Ok(u) => u,
        Err(e) => panic!("{s}: {e}"),
    };
    ado_setup::wizard::Settings {
        devops_base: url("https://dev.azure.com"),
        vssps_base: url("https://vssps.dev.azure.com"),
        profile_base: url("https://app.vssps.visualstudio.com"),
        authority_base: url("https://login.microsoftonline.com"),
        allow_http: false,
        demo: false,
        existing: Vec::new(),
        secret_store: "the Secret Service keyring".into(),
        hints: Vec::new(),
        sign_in: Default::default(),
        store_problem: None,
        store_dir: String::new(),
        draft: None,
    }
}

/// A check outcome for wizard tests.
pub fn outcome(
    id: &'static str,
    status: ado_setup::checks::Status,
    code: Option<&str>,
    message: &str,
    fix: &[&str],
) -> ado_setup::checks::CheckOutcome {
    ado_setup::checks::CheckOutcome {
        id,
        title: ado_setup::checks::def(id).map_or(id, |d| d.title),
        status,
        code: code.map(str::to_string),
        message: message.to_string(),
        fix: fix.iter().map(|f| f.to_string()).collect(),
        duration_ms: 1,
        http: None,
        fields: Vec::new(),
    }
}

/// What the Field mapping step loads for a small Agile project: three types,
/// an area and an iteration tree, two members, the Issue type's fields (a
/// required picklist field when `required` is set).
#[allow(dead_code)]
pub fn mapping_data(required: bool) -> Box<ado_setup::wizard::MappingData> {
    use ado_setup::wizard::tree::{TreeNode, TreePicker};
    use ado_setup::wizard::{MappingData, MemberItem, RequiredField, TypeChoice, TypeFields};
    let tree = |paths: &[&str]| {
        let mut nodes: Vec<TreeNode> = Vec::new();
        for p in paths {
            let depth = p.matches('\\').count() as u16;
            let parent = p
                .rsplit_once('\\')
                .and_then(|(up, _)| nodes.iter().position(|n| n.path == up))
                .map(|i| i as u32);
            nodes.push(TreeNode {
                name: p.rsplit('\\').next().unwrap_or(p).to_string(),
                path: p.to_string(),
                depth,
                parent,
            });
        }
        TreePicker::new(nodes)
    };
    Box::new(MappingData {
        types: vec![
            TypeChoice {
                name: "Bug".into(),
                states: vec!["New".into(), "Active".into(), "Closed".into()],
            },
            TypeChoice {
                name: "Issue".into(),
                states: vec!["Active".into(), "Closed".into()],
            },
            TypeChoice {
                name: "Task".into(),
                states: vec!["New".into(), "Active".into(), "Closed".into()],
            },
        ],
        default_type: "Issue".into(),
        areas: tree(&[
            "Payments Platform",
            "Payments Platform\\Checkout",
            "Payments Platform\\Checkout\\Cards",
            "Payments Platform\\Ledger",
        ]),
        iterations: tree(&[
            "Payments Platform",
            "Payments Platform\\Release 2026.1",
            "Payments Platform\\Release 2026.1\\Sprint 3",
            "Payments Platform\\Release 2026.1\\Sprint 4",
        ]),
        default_area: "Payments Platform\\Checkout".into(),
        default_iteration: "Payments Platform\\Release 2026.1\\Sprint 3".into(),
        members: vec![
            MemberItem {
                label: "Avery Lindqvist <avery.lindqvist@contoso.example>".into(),
                unique_name: "avery.lindqvist@contoso.example".into(),
            },
            MemberItem {
                label: "Priya Raman <priya.raman@contoso.example>".into(),
                unique_name: "priya.raman@contoso.example".into(),
            },
        ],
        fields: TypeFields {
            work_item_type: "Issue".into(),
            priority_values: Some(vec!["1".into(), "2".into(), "3".into(), "4".into()]),
            required: if required {
                vec![RequiredField {
                    reference_name: "Custom.CustomerImpact".into(),
                    name: "Customer Impact".into(),
                    allowed_values: vec!["High".into(), "Medium".into(), "Low".into()],
                    help: Some("How badly customers are affected.".into()),
                }]
            } else {
                Vec::new()
            },
        },
    })
}

/// Saves, in `dir`, a Microsoft sign-in (device code) connection `name` to
/// `{devops_url}/{org}`'s `project` in tenant `tenant`, with `refresh_token`
/// as its secret in the file store — the way the wizard saves one.
#[allow(clippy::unwrap_used)]
pub async fn save_signed_in(
    dir: &std::path::Path,
    devops_url: &str,
    name: &str,
    org: &str,
    project: &str,
    tenant: &str,
    refresh_token: &secrecy::SecretString,
) {
    use ado_setup::store::config::*;
    let secrets = ado_setup::store::secrets::SecretStore::file(dir);
    secrets.set(name, refresh_token).await.unwrap();
    let store = ConfigStore::open(dir);
    let mut config = store.load().unwrap();
    config
        .upsert(Connection {
            name: name.into(),
            provider_key: ProviderKey::AzureDevopsServices,
            deployment_mode: DeploymentMode::Cloud,
            organization: Some(org.into()),
            base_url: format!("{devops_url}/{org}"),
            api_version: "7.1".into(),
            auth_method: AuthMethod::DeviceCode,
            tenant_id: Some(tenant.into()),
            client_id: Some(ado_setup::auth::DEFAULT_CLIENT_ID.into()),
            project: project.into(),
            project_id: "00000000-0000-0000-0000-0000000000aa".into(),
            process: "Agile".into(),
            work_item_type: "Bug".into(),
            area_path: project.into(),
            iteration_path: project.into(),
            secret_ref: Some(secrets.secret_ref(name)),
            ..Connection::default()
        })
        .unwrap();
    store.save(&config).unwrap();
}

/// The binary pointed at the sandbox (or a fault prefix of it) at `base`:
/// `--allow-http`, the Azure DevOps, identity, profile and Entra endpoints
/// under `base`, and nothing from the caller's environment that would
/// change a run (a PAT, a config dir, a timeout, proxies).
pub fn ado_setup_against(base: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ado-setup"));
    cmd.arg("--allow-http")
        .env("ADO_SETUP_DEVOPS_URL", base)
        .env("ADO_SETUP_VSSPS_URL", format!("{base}/_vssps"))
        .env("ADO_SETUP_PROFILE_URL", format!("{base}/_profile"))
        .env("ADO_SETUP_AUTHORITY_URL", format!("{base}/_login"))
        .env_remove("AZURE_DEVOPS_EXT_PAT")
        .env_remove("ADO_SETUP_CONFIG_DIR")
        .env_remove("ADO_SETUP_TIMEOUT")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    cmd
}

/// Says on stderr (past the test harness's capture, so CI logs show it)
/// that `test` did not run and why. Under CI (`CI` set), where `.ci/run`
/// provides everything the tests need, a skip is a failure instead.
pub fn skip(test: &str, why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}; CI must run it (.ci/run provides what it needs)");
    }
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Microsoft's example responses (`ADO_EXAMPLES_DIR`, relative to the
/// repository), or `None` after [`skip`] says so. A value that is not a
/// folder is a failure.
pub fn examples_dir(test: &str) -> Option<std::path::PathBuf> {
    let raw = std::env::var_os("ADO_EXAMPLES_DIR").filter(|v| !v.is_empty());
    let Some(raw) = raw else {
        skip(test, "ADO_EXAMPLES_DIR not set");
        return None;
    };
    let dir = std::path::PathBuf::from(raw);
    let dir = if dir.is_absolute() {
        dir
    } else {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)
    };
    assert!(
        dir.is_dir(),
        "ADO_EXAMPLES_DIR {} is not a directory",
        dir.display()
    );
    Some(dir)
}

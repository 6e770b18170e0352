//! Endpoint probes (SPEC §6) against local servers only: a TLS server with a
//! certificate from a CA made at test time (rejected, then accepted with
//! `--ca-file`), a closed port, an unresolvable name, a local CONNECT proxy
//! (plain, inspecting, refusing, with credentials), and a redirecting server
//! (nothing reaches the second host).

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::net::probe::{EndpointProbe, ProbeOptions, Prober, probe_endpoints_staged};
use ado_setup::net::proxy::ProxyRules;
use ado_setup::store::config::AllowlistStatus;
use ado_setup::wizard::allowlist_status;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use reqwest::Method;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

const CA_NAME: &str = "Contoso Inspection Test CA";

/// Requests (heads) a server received, in order.
type Seen = Arc<Mutex<Vec<String>>>;

fn seen(log: &Seen) -> Vec<String> {
    match log.lock() {
        Ok(v) => v.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

fn record(log: &Seen, head: String) {
    match log.lock() {
        Ok(mut v) => v.push(head),
        Err(p) => p.into_inner().push(head),
    }
}

fn url(s: &str) -> Url {
    match Url::parse(s) {
        Ok(u) => u,
        Err(e) => panic!("{s}: {e}"),
    }
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

/// A CA and a server certificate (localhost, 127.0.0.1, dev.azure.com)
/// issued by it, made for this test run.
struct Pki {
    _dir: tempfile::TempDir,
    ca_file: PathBuf,
    server: Arc<rustls::ServerConfig>,
}

fn pki() -> Pki {
    let ca_key = ok(KeyPair::generate(), "CA key");
    let mut ca = ok(CertificateParams::new(Vec::<String>::new()), "CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, CA_NAME);
    ca.distinguished_name
        .push(DnType::OrganizationName, "Contoso Test");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ok(ca.self_signed(&ca_key), "CA certificate");
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = ok(KeyPair::generate(), "server key");
    let mut leaf = ok(
        CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "dev.azure.com".to_string(),
        ]),
        "server params",
    );
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = ok(leaf.signed_by(&leaf_key, &issuer), "server certificate");

    let dir = ok(tempfile::tempdir(), "temp dir");
    let ca_file = dir.path().join("ca.pem");
    ok(std::fs::write(&ca_file, ca_cert.pem()), "write CA file");

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
    let server = ok(
        ok(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions(),
            "server TLS versions",
        )
        .with_no_client_auth()
        .with_single_cert(chain, key),
        "server TLS config",
    );
    Pki {
        _dir: dir,
        ca_file,
        server: Arc::new(server),
    }
}

async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

const ADO_401: &str = "HTTP/1.1 401 Unauthorized\r\n\
    Content-Type: application/json; charset=utf-8\r\n\
    ActivityId: 3c1b5c1e-0000-0000-0000-000000000000\r\n\
    X-TFS-ProcessId: 7a1e0c4e-0000-0000-0000-000000000000\r\n\
    X-VSS-E2EID: 3c1b5c1e-0000-0000-0000-000000000000\r\n\
    WWW-Authenticate: Bearer authorization_uri=https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\r\n\
    WWW-Authenticate: Basic realm=\"https://tfsprodweu1.app.visualstudio.com/\"\r\n\
    WWW-Authenticate: TFS-Federated\r\n\
    Content-Length: 0\r\nConnection: close\r\n\r\n";

/// A TLS server answering every request like Azure DevOps does without
/// credentials (401 with its headers). Records the request heads.
async fn ado_tls_server(config: Arc<rustls::ServerConfig>) -> (SocketAddr, Seen) {
    let listener = ok(TcpListener::bind("127.0.0.1:0").await, "bind");
    let addr = ok(listener.local_addr(), "addr");
    let log: Seen = Arc::default();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let l2 = log.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let log = l2.clone();
            tokio::spawn(async move {
                // A rejected certificate ends the handshake here.
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let head = read_head(&mut tls).await;
                    record(&log, head);
                    let _ = tls.write_all(ADO_401.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (addr, log)
}

/// A plain HTTP server answering `answer` to everything; records heads and
/// counts connections.
async fn http_server(answer: String) -> (SocketAddr, Seen) {
    let listener = ok(TcpListener::bind("127.0.0.1:0").await, "bind");
    let addr = ok(listener.local_addr(), "addr");
    let log: Seen = Arc::default();
    let l2 = log.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let log = l2.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let head = read_head(&mut tcp).await;
                record(&log, head);
                let _ = tcp.write_all(answer.as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    (addr, log)
}

#[derive(Clone, Copy)]
enum ProxyMode {
    /// Tunnels to the host asked for.
    Tunnel,
    /// Tunnels every CONNECT to this address (what an inspecting proxy does:
    /// the client talks TLS with the proxy's own server).
    Intercept(SocketAddr),
    /// Answers this status to every CONNECT.
    Refuse(u16),
}

/// A tiny CONNECT proxy. Records each CONNECT head.
async fn connect_proxy(mode: ProxyMode) -> (SocketAddr, Seen) {
    let listener = ok(TcpListener::bind("127.0.0.1:0").await, "bind");
    let addr = ok(listener.local_addr(), "addr");
    let log: Seen = Arc::default();
    let l2 = log.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = l2.clone();
            tokio::spawn(async move {
                let head = read_head(&mut client).await;
                record(&log, head.clone());
                let asked = head
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("CONNECT "))
                    .and_then(|l| l.split_whitespace().next())
                    .map(str::to_string);
                let target = match (mode, asked) {
                    (ProxyMode::Refuse(status), _) => {
                        let _ = client
                            .write_all(
                                format!("HTTP/1.1 {status} Refused\r\nContent-Length: 0\r\n\r\n")
                                    .as_bytes(),
                            )
                            .await;
                        return;
                    }
                    (_, None) => {
                        let _ = client.write_all(b"HTTP/1.1 405 Only CONNECT\r\n\r\n").await;
                        return;
                    }
                    (ProxyMode::Intercept(to), Some(_)) => TcpStream::connect(to).await,
                    (ProxyMode::Tunnel, Some(authority)) => TcpStream::connect(authority).await,
                };
                let Ok(mut upstream) = target else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (addr, log)
}

fn opts(proxy: ProxyRules, ca_file: Option<PathBuf>) -> ProbeOptions {
    ProbeOptions {
        proxy,
        ca_file,
        timeout: Duration::from_secs(3),
        http_timeout: Duration::from_secs(3),
    }
}

async fn probe(u: &Url, o: ProbeOptions) -> EndpointProbe {
    let mut all = ok(
        probe_endpoints_staged(std::slice::from_ref(u), o).await,
        "probe options",
    );
    match all.pop() {
        Some(p) => {
            eprintln!(
                "{} ok={} via_proxy={} {} ms {:?} | {}",
                p.result.url,
                p.result.ok,
                p.result.via_proxy,
                p.result.millis,
                p.timings(),
                p.result.detail
            );
            p
        }
        None => panic!("no probe result"),
    }
}

#[tokio::test]
async fn an_untrusted_certificate_names_its_ca_and_ca_file_makes_it_trusted() {
    let pki = pki();
    let (addr, log) = ado_tls_server(pki.server.clone()).await;
    let u = url(&format!("https://127.0.0.1:{}/", addr.port()));

    let p = probe(&u, opts(ProxyRules::none(), None)).await;
    assert!(!p.result.ok);
    assert!(!p.result.via_proxy);
    let tls = p.tls.clone().unwrap_or_default();
    assert!(!tls.trusted);
    assert!(
        tls.ca.as_deref().is_some_and(|ca| ca.contains(CA_NAME)),
        "{tls:?}"
    );
    let cert = tls.certificate.clone();
    assert!(
        cert.as_ref()
            .is_some_and(|c| c.issuer.contains(CA_NAME) && c.subject.contains("localhost")),
        "{cert:?}"
    );
    assert!(cert.as_ref().is_some_and(|c| c.days_left > 300), "{cert:?}");
    assert!(p.result.detail.contains(CA_NAME), "{}", p.result.detail);
    assert!(p.result.detail.contains("--ca-file"), "{}", p.result.detail);
    // Not a Microsoft host: nothing suggests inspection.
    assert!(!p.result.detail.contains("inspect"), "{}", p.result.detail);
    let problem = p.problem.clone();
    assert_eq!(
        problem.as_ref().map(|x| x.code.as_str()),
        Some("NETWORK_TLS_FAILED")
    );
    assert!(problem.is_some_and(|x| x.fix.contains("--ca-file") && x.fix.contains(CA_NAME)));
    // DNS and TCP ran and were timed; HTTP did not run.
    assert!(
        p.dns
            .as_ref()
            .is_some_and(|d| d.error.is_none() && !d.addresses.is_empty())
    );
    assert!(
        p.tcp
            .as_ref()
            .is_some_and(|t| t.error.is_none() && t.address == Some(addr))
    );
    assert!(p.http.is_none());
    assert!(
        seen(&log).is_empty(),
        "a request went over an untrusted connection"
    );

    let p = probe(&u, opts(ProxyRules::none(), Some(pki.ca_file.clone()))).await;
    assert!(p.result.ok, "{}", p.result.detail);
    assert_eq!(p.result.detail, "HTTP 401");
    let tls = p.tls.clone().unwrap_or_default();
    assert!(tls.trusted && tls.error.is_none(), "{tls:?}");
    assert!(tls.version.is_some());
    assert!(!tls.inspected);
    let http = p.http.clone();
    assert!(
        http.as_ref()
            .is_some_and(|h| h.status == Some(401) && h.azure_devops),
        "{http:?}"
    );
    assert!(p.problem.is_none());
    assert_eq!(
        allowlist_status(std::slice::from_ref(&p.result)),
        AllowlistStatus::Direct
    );
    let heads = seen(&log);
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with("GET / HTTP/1.1\r\n"), "{}", heads[0]);
    assert!(
        !heads[0].to_ascii_lowercase().contains("authorization"),
        "{}",
        heads[0]
    );
    assert!(heads[0].contains("ado-setup/"), "{}", heads[0]);
}

#[tokio::test]
async fn a_bad_ca_file_is_a_clear_coded_error() {
    let dir = ok(tempfile::tempdir(), "temp dir");
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    ok(std::fs::write(&garbage, "hello\n"), "write");
    for (path, says) in [(missing, "cannot read"), (garbage, "no PEM certificate")] {
        let e = probe_endpoints_staged(
            &[url("https://dev.azure.com")],
            opts(ProxyRules::none(), Some(path.clone())),
        )
        .await
        .err();
        let Some(e) = e else {
            panic!("{} was accepted", path.display())
        };
        assert_eq!(e.code, "NETWORK_TLS_FAILED");
        assert!(
            e.message.contains(&path.display().to_string()),
            "{}",
            e.message
        );
        assert!(e.message.contains(says), "{}", e.message);
        assert!(e.fix.contains("PEM"), "{}", e.fix);
    }
}

#[tokio::test]
async fn a_closed_port_fails_at_tcp_with_its_time() {
    // Bound (nobody else can take it), not listening.
    let (_closed, closed) = support::proxy::dead_port();
    let port = closed.port();
    let p = probe(
        &url(&format!("https://127.0.0.1:{port}")),
        opts(ProxyRules::none(), None),
    )
    .await;
    assert!(!p.result.ok);
    let tcp = p.tcp.clone();
    assert!(
        tcp.as_ref()
            .is_some_and(|t| t.error.as_deref() == Some("connection refused") && t.ms < 3000),
        "{tcp:?}"
    );
    assert!(p.tls.is_none() && p.http.is_none());
    assert_eq!(
        p.problem.as_ref().map(|x| x.code.as_str()),
        Some("NETWORK_UNREACHABLE")
    );
    assert!(
        p.result.detail.starts_with("TCP: cannot connect"),
        "{}",
        p.result.detail
    );
    assert!(p.result.detail.contains(" ms"), "{}", p.result.detail);
    assert_eq!(allowlist_status(&[p.result]), AllowlistStatus::Blocked);
}

#[tokio::test]
async fn an_unresolvable_name_fails_at_dns() {
    let p = probe(
        &url("https://nonexistent.invalid"),
        ProbeOptions {
            timeout: Duration::from_secs(2),
            ..opts(ProxyRules::none(), None)
        },
    )
    .await;
    assert!(!p.result.ok);
    let dns = p.dns.clone();
    assert!(
        dns.as_ref().is_some_and(|d| d.host == "nonexistent.invalid"
            && d.addresses.is_empty()
            && d.error.is_some()),
        "{dns:?}"
    );
    assert!(p.tcp.is_none());
    assert!(
        p.result
            .detail
            .contains("DNS: cannot resolve nonexistent.invalid"),
        "{}",
        p.result.detail
    );
    assert_eq!(
        p.problem.map(|x| x.code),
        Some("NETWORK_UNREACHABLE".to_string())
    );
}

#[tokio::test]
async fn through_a_connect_proxy_the_probe_reports_proxy() {
    let pki = pki();
    let (server, server_log) = ado_tls_server(pki.server.clone()).await;
    let (proxy, proxy_log) = connect_proxy(ProxyMode::Tunnel).await;
    let proxy_url = format!("http://probe-user:probe-secret@127.0.0.1:{}", proxy.port());
    let rules = ProxyRules::explicit(Some(&proxy_url), None, "");
    let u = url(&format!("https://127.0.0.1:{}/", server.port()));

    let p = probe(&u, opts(rules.clone(), Some(pki.ca_file.clone()))).await;
    assert!(p.result.ok, "{}", p.result.detail);
    assert!(p.result.via_proxy);
    assert_eq!(
        p.proxy.as_deref(),
        Some(format!("127.0.0.1:{}", proxy.port()).as_str())
    );
    // DNS and TCP are the proxy's; then CONNECT, then TLS through the tunnel.
    assert!(
        p.tcp.as_ref().is_some_and(|t| t.address == Some(proxy)),
        "{:?}",
        p.tcp
    );
    let connect = p.connect.clone();
    assert!(
        connect.as_ref().is_some_and(
            |c| c.status == Some(200) && c.target == format!("127.0.0.1:{}", server.port())
        ),
        "{connect:?}"
    );
    assert!(p.tls.as_ref().is_some_and(|t| t.trusted));
    assert_eq!(p.http.as_ref().and_then(|h| h.status), Some(401));
    assert_eq!(
        allowlist_status(std::slice::from_ref(&p.result)),
        AllowlistStatus::Proxy
    );

    let heads = seen(&proxy_log);
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].starts_with(&format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n", server.port())),
        "{}",
        heads[0]
    );
    // The proxy got its credentials; the endpoint did not.
    assert!(
        heads[0].contains("Proxy-Authorization: Basic "),
        "{}",
        heads[0]
    );
    assert_eq!(seen(&server_log).len(), 1);
    assert!(
        !seen(&server_log)[0]
            .to_ascii_lowercase()
            .contains("authorization")
    );
    // The proxy's credentials appear nowhere.
    let shown = format!("{p:?}");
    assert!(
        !shown.contains("probe-secret") && !shown.contains("probe-user"),
        "{shown}"
    );

    // NO_PROXY exempts the host: direct again.
    let exempt = ProxyRules::explicit(Some(&proxy_url), None, "127.0.0.1");
    let p = probe(&u, opts(exempt, Some(pki.ca_file.clone()))).await;
    assert!(p.result.ok && !p.result.via_proxy && p.connect.is_none());
    assert_eq!(seen(&proxy_log).len(), 1);
}

#[tokio::test]
async fn an_inspecting_proxy_is_named_and_its_ca_is_the_fix() {
    let pki = pki();
    let (server, _) = ado_tls_server(pki.server.clone()).await;
    let (proxy, proxy_log) = connect_proxy(ProxyMode::Intercept(server)).await;
    let rules = ProxyRules::explicit(
        Some(&format!("http://127.0.0.1:{}", proxy.port())),
        None,
        "",
    );
    let u = url("https://dev.azure.com");

    let p = probe(&u, opts(rules.clone(), None)).await;
    assert!(!p.result.ok && p.result.via_proxy);
    assert!(seen(&proxy_log)[0].starts_with("CONNECT dev.azure.com:443 HTTP/1.1"));
    let d = &p.result.detail;
    assert!(d.contains(CA_NAME) && d.contains("--ca-file"), "{d}");
    assert!(
        d.contains("proxy on this network may be inspecting TLS"),
        "{d}"
    );
    assert!(p.tls.as_ref().is_some_and(|t| t.inspected && !t.trusted));
    assert_eq!(
        allowlist_status(std::slice::from_ref(&p.result)),
        AllowlistStatus::Blocked
    );

    // With the inspection CA trusted it works, and says it is inspected.
    let p = probe(&u, opts(rules, Some(pki.ca_file.clone()))).await;
    assert!(p.result.ok, "{}", p.result.detail);
    assert!(p.tls.as_ref().is_some_and(|t| t.inspected && t.trusted));
    assert_eq!(allowlist_status(&[p.result]), AllowlistStatus::Proxy);
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_says_so() {
    for (status, says) in [
        (403, "the proxy refused it (HTTP 403)"),
        (407, "requires authentication"),
    ] {
        let (proxy, _) = connect_proxy(ProxyMode::Refuse(status)).await;
        let rules = ProxyRules::explicit(
            Some(&format!("http://127.0.0.1:{}", proxy.port())),
            None,
            "",
        );
        let p = probe(&url("https://dev.azure.com"), opts(rules, None)).await;
        assert!(!p.result.ok && p.result.via_proxy);
        assert_eq!(p.connect.as_ref().and_then(|c| c.status), Some(status));
        assert!(p.result.detail.contains(says), "{}", p.result.detail);
        assert!(p.tls.is_none());
    }
}

#[tokio::test]
async fn a_redirect_to_another_host_is_never_followed() {
    let (second, second_log) =
        http_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".into()).await;
    let (first, first_log) = http_server(format!(
        "HTTP/1.1 302 Found\r\nLocation: http://localhost:{}/landing?token=abc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        second.port()
    ))
    .await;
    let u = url(&format!(
        "http://127.0.0.1:{}/tfs/DefaultCollection",
        first.port()
    ));

    let p = probe(&u, opts(ProxyRules::none(), None)).await;
    assert!(p.result.ok);
    let http = p.http.clone();
    assert!(
        http.as_ref().is_some_and(|h| h.status == Some(302)
            && h.redirect_to.as_deref() == Some(format!("localhost:{}", second.port()).as_str())),
        "{http:?}"
    );
    assert!(
        p.result.detail.contains("not followed"),
        "{}",
        p.result.detail
    );
    assert!(!p.result.detail.contains("abc"), "{}", p.result.detail);
    let heads = seen(&first_log);
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].starts_with("GET /tfs/DefaultCollection HTTP/1.1"),
        "{}",
        heads[0]
    );
    assert!(
        !heads[0].to_ascii_lowercase().contains("authorization"),
        "{}",
        heads[0]
    );

    // The HTTP client with a PAT: the first host gets it, the second nothing.
    let client = ok(HttpClient::new(ClientOptions::default()), "client");
    let pat = Credential::Pat(SecretString::from("pat-never-forwarded"));
    let r = ok(client.send(Method::GET, &u, &pat, None).await, "send");
    assert_eq!(r.status, 302);
    assert_eq!(seen(&first_log).len(), 2);
    assert!(
        seen(&first_log)[1]
            .to_ascii_lowercase()
            .contains("authorization: basic")
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(seen(&second_log).is_empty(), "{:?}", seen(&second_log));
}

#[tokio::test]
async fn probes_run_concurrently_with_short_timeouts() {
    let pki = pki();
    let (server, _) = ado_tls_server(pki.server.clone()).await;
    // Accepts TCP and then says nothing: the TLS stage times out.
    let silent = ok(TcpListener::bind("127.0.0.1:0").await, "bind");
    let silent_addr = ok(silent.local_addr(), "addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let prober = ok(
        Prober::new(ProbeOptions {
            timeout: Duration::from_millis(700),
            ..opts(ProxyRules::none(), Some(pki.ca_file.clone()))
        }),
        "prober",
    );
    let urls = [
        url(&format!("https://127.0.0.1:{}", server.port())),
        url(&format!("https://127.0.0.1:{}", silent_addr.port())),
        url(&format!("https://localhost:{}", server.port())),
    ];
    let probes = prober.probe_all(&urls).await;
    for p in &probes {
        eprintln!(
            "{} {} ms {:?} | {}",
            p.result.url,
            p.result.millis,
            p.timings(),
            p.result.detail
        );
    }
    assert_eq!(probes.len(), 3);
    assert!(probes[0].result.ok && probes[2].result.ok);
    assert!(!probes[1].result.ok);
    assert!(
        probes[1]
            .result
            .detail
            .contains("did not complete the handshake"),
        "{}",
        probes[1].result.detail
    );
    // The silent server held the handshake until the probe's timeout.
    assert!(probes[1].tls.as_ref().is_some_and(|t| t.ms >= 600));
    assert_eq!(
        allowlist_status(&probes.iter().map(|p| p.result.clone()).collect::<Vec<_>>()),
        AllowlistStatus::Partial
    );
}

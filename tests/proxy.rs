//! Proxies for real: `connect` and `doctor` against the HTTPS sandbox
//! through a real HTTP CONNECT proxy (tests/support/proxy.rs) named by
//! `HTTPS_PROXY` — with and without `user:password@` in its URL (sent to
//! the proxy, never printed or written) —, `NO_PROXY` sending the host
//! direct (the proxy sees nothing), and a dead proxy named as the cause.
//! The proxy counts what it forwarded, so each test proves which way the
//! traffic went.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::run::{Run, files_with};

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use ado_setup::sandbox::{Sandbox, SandboxOptions, SandboxTls};
use serde_json::Value;
use support::proxy::{Proxy, dead_port};
use support::tls::{ado_setup_over_https, assert_no_debug_text};

const PROXY_USER: &str = "proxy-user";
const PROXY_PASSWORD: &str = "Pr0xy-S3cret-Wd7q";

struct Env {
    sb: Sandbox,
    rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
    ca: PathBuf,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions {
            approve_after: Duration::from_millis(200),
            tls: Some(SandboxTls::Generated),
            ..SandboxOptions::default()
        }))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ca = tmp.path().join("sandbox-ca.pem");
    std::fs::write(&ca, sb.ca_pem().unwrap()).unwrap();
    Env { sb, rt, tmp, ca }
}

impl Env {
    fn proxy(&self, credentials: Option<(&str, &str)>) -> Proxy {
        self.rt.block_on(Proxy::start(credentials))
    }

    /// `host:port` of the sandbox, as a CONNECT target.
    fn target(&self) -> String {
        self.sb.addr().to_string()
    }

    /// The binary with `--ca-file`, the config and state under the temp
    /// dir, and `vars` as its only proxy settings.
    fn cmd(&self, vars: &[(&str, &str)], args: &[&str]) -> Command {
        let mut cmd = ado_setup_over_https(&self.sb.devops_url(), Some(&self.ca));
        cmd.arg("--config-dir")
            .arg(self.tmp.path().join("config"))
            .args(args)
            .env("XDG_STATE_HOME", self.tmp.path().join("state"))
            .env("HOME", self.tmp.path());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, vars: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Run {
        let r = support::run::run(self.cmd(vars, args), stdin);
        assert_no_debug_text(&r.all());
        r
    }

    /// `doctor --json` on contoso-agile's Payments Platform with the PAT.
    fn doctor(&self, vars: &[(&str, &str)], extra: &[&str]) -> Run {
        let mut vars = vars.to_vec();
        vars.push(("AZURE_DEVOPS_EXT_PAT", self.sb.pat()));
        let mut args = vec!["doctor", "--json"];
        args.extend_from_slice(AGILE);
        args.extend_from_slice(extra);
        self.run(&vars, &args, None)
    }

    /// `connect --non-interactive` (PAT on stdin, file secret store).
    fn connect(&self, vars: &[(&str, &str)], name: &str) -> Run {
        let mut args = vec!["--secret-store", "file", "connect", "--non-interactive"];
        args.extend_from_slice(AGILE);
        args.extend(["--pat-stdin", "--json", "--name", name]);
        self.run(vars, &args, Some(self.sb.pat()))
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("config/config.toml")).unwrap_or_default()
    }
}

const AGILE: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

#[test]
fn doctor_and_connect_go_through_the_https_proxy() {
    let env = env();
    let proxy = env.proxy(None);
    let via = [("HTTPS_PROXY", proxy.url())];
    let vars: Vec<(&str, &str)> = via.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let r = env.doctor(&vars, &[]);
    assert_eq!(r.exit, 0, "{}", r.all());
    assert_eq!(r.json()["allowlist_status"], "proxy", "{}", r.all());
    let through = proxy.forwarded_to(&env.target());
    assert!(through >= 2, "the proxy forwarded {through} connections");
    assert!(
        r.check("network.allowlist")["message"]
            .to_string()
            .contains("proxy")
            || r.check("network.allowlist")["status"] == "pass",
        "{}",
        r.all()
    );

    let before = proxy.forwarded();
    let r = env.connect(&vars, "via-proxy");
    assert_eq!(r.exit, 0, "{}", r.all());
    assert_eq!(r.json()["saved"], true);
    assert!(proxy.forwarded() > before);
    assert!(
        env.config_text().contains("allowlist_status = \"proxy\""),
        "{}",
        env.config_text()
    );

    // The lower-case spelling is honoured too.
    let before = proxy.forwarded();
    let r = env.run(
        &[("https_proxy", &proxy.url())],
        &["--secret-store", "file", "doctor", "via-proxy", "--json"],
        None,
    );
    assert_eq!(r.exit, 0, "{}", r.all());
    assert!(proxy.forwarded() > before);
}

#[test]
fn proxy_credentials_are_sent_to_the_proxy_and_never_shown() {
    let env = env();
    let proxy = env.proxy(Some((PROXY_USER, PROXY_PASSWORD)));
    let with = proxy.url_with(PROXY_USER, PROXY_PASSWORD);
    let report = env.tmp.path().join("report.txt");
    let report_arg = report.to_string_lossy().into_owned();

    let r = env.doctor(&[("HTTPS_PROXY", &with)], &["-v", "--report", &report_arg]);
    assert_eq!(r.exit, 0, "{}", r.all());
    assert_eq!(r.json()["allowlist_status"], "proxy", "{}", r.all());
    assert!(proxy.forwarded_to(&env.target()) >= 2);
    let expected = format!(
        "Basic {}",
        support::base64(format!("{PROXY_USER}:{PROXY_PASSWORD}").as_bytes())
    );
    assert!(proxy.authorizations().iter().all(|a| *a == expected));
    assert!(!r.all().contains(PROXY_PASSWORD), "{}", r.all());
    assert!(report.exists(), "no report written");

    let r = env.connect(&[("HTTPS_PROXY", &with)], "authenticated-proxy");
    assert_eq!(r.exit, 0, "{}", r.all());
    assert!(!r.all().contains(PROXY_PASSWORD));
    assert!(env.config_text().contains("allowlist_status = \"proxy\""));

    // Nowhere on disk: config, secrets, report, log.
    let hits = files_with(env.tmp.path(), PROXY_PASSWORD);
    assert!(hits.is_empty(), "the proxy password is in {hits:?}");

    // Without credentials: the proxy asks for them, and is named.
    let refused_before = proxy.refused_auth();
    let forwarded_before = proxy.forwarded();
    let r = env.doctor(&[("HTTPS_PROXY", &proxy.url())], &[]);
    assert_ne!(r.exit, 0, "{}", r.all());
    assert!(proxy.refused_auth() > refused_before);
    assert_eq!(proxy.forwarded(), forwarded_before);
    let c = r.check("network.reachable");
    assert_eq!(c["code"], "NETWORK_UNREACHABLE", "{c}");
    let message = c["message"].as_str().unwrap_or_default();
    assert!(message.contains(&proxy.addr.to_string()), "{message}");
    assert!(message.contains("user and password"), "{message}");
    assert!(c["fix"].to_string().contains("HTTPS_PROXY"), "{c}");

    // Wrong credentials: said as such, the wrong password not shown.
    let wrong = proxy.url_with(PROXY_USER, "not-the-Pa55word");
    let r = env.doctor(&[("HTTPS_PROXY", &wrong)], &[]);
    assert_ne!(r.exit, 0, "{}", r.all());
    let message = r.check("network.reachable")["message"].to_string();
    assert!(
        message.contains("rejected the user and password"),
        "{message}"
    );
    assert!(!r.all().contains("not-the-Pa55word"), "{}", r.all());
}

#[test]
fn no_proxy_covering_the_host_goes_direct() {
    let env = env();
    let proxy = env.proxy(None);
    for vars in [
        [
            ("HTTPS_PROXY", proxy.url()),
            ("NO_PROXY", "127.0.0.1".to_string()),
        ],
        [
            ("https_proxy", proxy.url()),
            ("no_proxy", "localhost, 127.0.0.0/8".to_string()),
        ],
    ] {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = env.doctor(&vars, &[]);
        assert_eq!(r.exit, 0, "{vars:?}: {}", r.all());
        assert_eq!(r.json()["allowlist_status"], "direct", "{}", r.all());
        assert_eq!(proxy.forwarded(), 0, "{vars:?}: the proxy was used");
    }
}

#[test]
fn a_dead_proxy_is_named_as_the_cause() {
    let env = env();
    // Bound, not listening: connections are refused.
    let (_socket, dead) = dead_port();
    // Listening, but closes every connection without an answer.
    let closing = env.rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.shutdown().await;
            }
        });
        addr
    });
    let sandbox = env.target();
    for (proxy, words) in [
        (dead, "connection refused"),
        (closing, "closed the connection"),
    ] {
        let url = format!("http://{proxy}");
        let r = env.doctor(&[("HTTPS_PROXY", &url)], &[]);
        assert_ne!(r.exit, 0, "{}", r.all());
        let c = r.check("network.reachable");
        assert_eq!(c["code"], "NETWORK_UNREACHABLE", "{c}");
        let message = c["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("the proxy {proxy} failed")),
            "{message}"
        );
        assert!(message.contains(words), "{message}");
        let fix = c["fix"].to_string();
        assert!(
            fix.contains("HTTPS_PROXY") && fix.contains("NO_PROXY"),
            "{fix}"
        );
        // The allowlist probe says the same about the proxy.
        let allowlist = r.check("network.allowlist");
        let shown = allowlist.to_string();
        assert!(shown.contains(&proxy.to_string()), "{shown}");
        assert!(shown.contains("NO_PROXY"), "{shown}");
        assert!(!message.starts_with(&format!("cannot connect to {sandbox}")));

        // connect says it too, and saves nothing.
        let r = env.connect(&[("HTTPS_PROXY", &url)], "never-saved");
        assert_ne!(r.exit, 0, "{}", r.all());
        assert!(
            r.all().contains(&format!("the proxy {proxy} failed")),
            "{}",
            r.all()
        );
        assert!(!env.config_text().contains("never-saved"));
    }
}

/// Plain `http://` (a lab sandbox, `--allow-http`) through `HTTP_PROXY`:
/// the proxy gets absolute-form requests and forwards them.
#[test]
fn plain_http_goes_through_http_proxy_in_absolute_form() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let proxy = rt.block_on(Proxy::start(Some((PROXY_USER, PROXY_PASSWORD))));
    let tmp = tempfile::tempdir().unwrap();
    let out = support::ado_setup_against(&sb.devops_url())
        .args(["doctor", "--json"])
        .args(AGILE)
        .env("AZURE_DEVOPS_EXT_PAT", sb.pat())
        .env("HTTP_PROXY", proxy.url_with(PROXY_USER, PROXY_PASSWORD))
        .env("HOME", tmp.path())
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(!all.contains(PROXY_PASSWORD), "{all}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(v["allowlist_status"], "proxy", "{all}");
    assert!(proxy.forwarded_to(&sb.addr().to_string()) >= 2);
    assert_eq!(proxy.refused_auth(), 0);
}

/// Through the tunnel, the server's certificate is still checked: without
/// the CA, the failure is TLS (in words, naming the CA), not the proxy's.
#[test]
fn an_untrusted_certificate_behind_the_proxy_is_a_tls_failure() {
    let env = env();
    let proxy = env.proxy(None);
    let out = ado_setup_over_https(&env.sb.devops_url(), None)
        .args(["doctor", "--json"])
        .args(AGILE)
        .env("AZURE_DEVOPS_EXT_PAT", env.sb.pat())
        .env("HTTPS_PROXY", proxy.url())
        .env("HOME", env.tmp.path())
        .env("XDG_STATE_HOME", env.tmp.path().join("state"))
        .output()
        .unwrap();
    let r = Run {
        exit: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_debug_text(&r.all());
    assert_ne!(r.exit, 0, "{}", r.all());
    assert!(proxy.forwarded_to(&env.target()) >= 1);
    let c = r.check("network.reachable");
    assert_eq!(c["code"], "NETWORK_TLS_FAILED", "{c}");
    let message = c["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(ado_setup::sandbox::SANDBOX_CA_NAME),
        "{message}"
    );
}

//! HTTPS end to end: the product's own client (reqwest + rustls) against the
//! sandbox serving TLS, without `--allow-http`. With the sandbox's CA passed
//! by `--ca-file`, `doctor`, `connect --non-interactive` and `doctor NAME`
//! pass; a self-signed certificate that is its own CA (what `openssl req
//! -x509` makes) passed by `--ca-file` is trusted as itself; every other
//! certificate failure is said in words with a fix, and no rustls/webpki
//! `Debug` text reaches stdout, stderr or JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::run::Run;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ado_setup::sandbox::{SANDBOX_CA_NAME, Sandbox, SandboxOptions, SandboxTls};
use support::tls::{self as certs, Pem, Spec, ado_setup_over_https, assert_no_debug_text};

struct Env {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
}

fn start(tls: SandboxTls) -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions {
            approve_after: Duration::from_millis(200),
            tls: Some(tls),
            ..SandboxOptions::default()
        }))
        .unwrap();
    assert!(sb.devops_url().starts_with("https://127.0.0.1:"));
    Env {
        sb,
        _rt: rt,
        tmp: tempfile::tempdir().unwrap(),
    }
}

fn run(cmd: Command, stdin: Option<&str>) -> Run {
    let r = support::run::run(cmd, stdin);
    assert_no_debug_text(&r.all());
    r
}

impl Env {
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The generated sandbox CA as a `--ca-file`.
    fn sandbox_ca(&self) -> PathBuf {
        let pem = self.sb.ca_pem().expect("a generated sandbox has a CA");
        self.write("sandbox-ca.pem", pem)
    }

    fn cmd(&self, ca_file: Option<&Path>, args: &[&str]) -> Command {
        let mut cmd = ado_setup_over_https(&self.sb.devops_url(), ca_file);
        cmd.arg("--config-dir")
            .arg(self.tmp.path().join("config"))
            .args(args)
            .env("XDG_STATE_HOME", self.tmp.path().join("state"))
            .env("HOME", self.tmp.path());
        cmd
    }

    /// `doctor --json` on contoso-agile's Payments Platform with the PAT.
    fn doctor(&self, ca_file: Option<&Path>) -> Run {
        let mut cmd = self.cmd(ca_file, &["doctor", "--json"]);
        cmd.args(AGILE).env("AZURE_DEVOPS_EXT_PAT", self.sb.pat());
        run(cmd, None)
    }
}

const AGILE: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

#[test]
fn doctor_connect_and_a_saved_connection_work_over_https_with_the_ca_file() {
    let env = start(SandboxTls::Generated);
    let ca = env.sandbox_ca();

    let r = env.doctor(Some(&ca));
    assert_eq!(r.exit, 0, "{}", r.all());
    let v = r.json();
    assert_eq!(v["summary"]["fail"], 0, "{}", r.all());
    assert_eq!(r.check("network.reachable")["status"], "pass");
    assert_eq!(
        r.check("network.allowlist")["status"],
        "pass",
        "{}",
        r.all()
    );
    assert_eq!(v["allowlist_status"], "direct", "{}", r.all());

    let pat = env.sb.pat().to_string();
    let mut args = vec!["--secret-store", "file", "connect", "--non-interactive"];
    args.extend_from_slice(AGILE);
    args.extend(["--pat-stdin", "--json", "--name", "over-tls"]);
    let r = run(env.cmd(Some(&ca), &args), Some(&pat));
    assert_eq!(r.exit, 0, "{}", r.all());
    assert_eq!(r.json()["saved"], true, "{}", r.all());
    assert!(!r.all().contains(&pat));
    let config = std::fs::read_to_string(env.tmp.path().join("config/config.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "base_url = \"{}/contoso-agile\"",
            env.sb.devops_url()
        )),
        "{config}"
    );
    assert!(!config.contains(&pat));

    let r = run(
        env.cmd(
            Some(&ca),
            &["--secret-store", "file", "doctor", "over-tls", "--json"],
        ),
        None,
    );
    assert_eq!(r.exit, 0, "{}", r.all());
    assert_eq!(r.json()["summary"]["fail"], 0, "{}", r.all());

    // Without the CA: the sandbox's CA is named, with the flag that adds it.
    let r = env.doctor(None);
    assert_ne!(r.exit, 0, "{}", r.all());
    let c = r.check("network.reachable");
    assert_eq!(c["code"], "NETWORK_TLS_FAILED", "{}", r.all());
    let message = c["message"].as_str().unwrap_or_default();
    assert!(message.contains(SANDBOX_CA_NAME), "{message}");
    assert!(message.contains("not trusted"), "{message}");
    assert!(c["fix"].to_string().contains("--ca-file"), "{c}");
    let allowlist = r.check("network.allowlist");
    assert_eq!(allowlist["code"], "NETWORK_BLOCKED", "{allowlist}");
    assert!(
        allowlist["message"].to_string().contains(SANDBOX_CA_NAME),
        "{allowlist}"
    );
}

/// A self-signed certificate with basicConstraints CA:TRUE, passed as the
/// `--ca-file`, is trusted as itself; without it, it is called self-signed.
fn self_signed_ca_certificate_is_trusted_as_itself(pem: &Pem) {
    let env = start(pem.sandbox_tls());
    let cert = env.write("server.pem", &pem.cert);

    let r = env.doctor(Some(&cert));
    assert_eq!(r.exit, 0, "{}", r.all());
    assert_eq!(r.json()["summary"]["fail"], 0, "{}", r.all());
    assert_eq!(
        r.check("network.allowlist")["status"],
        "pass",
        "{}",
        r.all()
    );

    let r = env.doctor(None);
    let c = r.check("network.reachable");
    assert_eq!(c["code"], "NETWORK_TLS_FAILED", "{}", r.all());
    let message = c["message"].as_str().unwrap_or_default();
    assert!(message.contains("self-signed"), "{message}");
    assert!(message.contains("tfs.contoso.example"), "{message}");
    assert!(c["fix"].to_string().contains("--ca-file"), "{c}");
}

#[test]
fn a_self_signed_certificate_made_by_openssl_req_x509_is_accepted_with_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let Some(pem) = certs::openssl_self_signed(dir.path()) else {
        return;
    };
    self_signed_ca_certificate_is_trusted_as_itself(&pem);
}

#[test]
fn a_self_signed_ca_certificate_made_by_rcgen_is_accepted_with_ca_file() {
    let pem = certs::self_signed(&Spec {
        is_ca: true,
        ..Spec::default()
    });
    self_signed_ca_certificate_is_trusted_as_itself(&pem);
}

/// One certificate failure: what the server presents, what `--ca-file`
/// holds, and the words the message and the fix must have.
struct Case {
    name: &'static str,
    server: Pem,
    ca_file: Option<String>,
    message: &'static [&'static str],
    fix: &'static [&'static str],
}

#[test]
fn every_certificate_failure_is_said_in_words_with_a_fix() {
    let ca = certs::ca("Contoso Test Issuing CA");
    let pinned_expired = certs::self_signed(&Spec {
        is_ca: true,
        not_before: (2019, 1, 1),
        not_after: (2021, 6, 30),
        ..Spec::default()
    });
    let pinned_other_name = certs::self_signed(&Spec {
        is_ca: true,
        names: &["tfs.contoso.example"],
        ..Spec::default()
    });
    let cases = vec![
        Case {
            name: "expired",
            server: ca.issue(&Spec {
                not_before: (2019, 1, 1),
                not_after: (2021, 6, 30),
                ..Spec::default()
            }),
            ca_file: Some(ca.pem.clone()),
            message: &["expired on 2021-06-30"],
            fix: &["renew"],
        },
        Case {
            name: "not yet valid",
            server: ca.issue(&Spec {
                not_before: (2090, 1, 1),
                ..Spec::default()
            }),
            ca_file: Some(ca.pem.clone()),
            message: &["not valid before 2090-01-01"],
            fix: &["clock"],
        },
        Case {
            name: "wrong host name",
            server: ca.issue(&Spec {
                names: &["tfs.contoso.example", "tfs"],
                ..Spec::default()
            }),
            ca_file: Some(ca.pem.clone()),
            message: &["is for tfs.contoso.example, tfs, not 127.0.0.1"],
            fix: &["host name"],
        },
        Case {
            name: "unknown issuer",
            server: ca.issue(&Spec::default()),
            ca_file: None,
            message: &["issued by \"CN=Contoso Test Issuing CA\"", "not trusted"],
            fix: &["Contoso Test Issuing CA", "--ca-file"],
        },
        Case {
            name: "self-signed",
            server: certs::self_signed(&Spec::default()),
            ca_file: None,
            message: &["self-signed", "CN=tfs.contoso.example"],
            fix: &["--ca-file"],
        },
        Case {
            name: "self-signed CA certificate",
            server: certs::self_signed(&Spec {
                is_ca: true,
                ..Spec::default()
            }),
            ca_file: None,
            message: &["self-signed"],
            fix: &["--ca-file"],
        },
        Case {
            name: "CA certificate used as the server's",
            server: ca.issue(&Spec {
                is_ca: true,
                ..Spec::default()
            }),
            ca_file: Some(ca.pem.clone()),
            message: &["is a CA certificate, not a server certificate"],
            fix: &["server certificate", "--ca-file"],
        },
        Case {
            name: "pinned but expired",
            ca_file: Some(pinned_expired.cert.clone()),
            server: pinned_expired,
            message: &["expired on 2021-06-30"],
            fix: &["renew"],
        },
        Case {
            name: "pinned but for another name",
            ca_file: Some(pinned_other_name.cert.clone()),
            server: pinned_other_name,
            message: &["is for tfs.contoso.example, not 127.0.0.1"],
            fix: &["host name"],
        },
    ];
    for case in cases {
        eprintln!("case: {}", case.name);
        let env = start(case.server.sandbox_tls());
        let ca_file = case.ca_file.as_ref().map(|pem| env.write("ca.pem", pem));
        let r = env.doctor(ca_file.as_deref());
        assert_ne!(r.exit, 0, "{}: {}", case.name, r.all());
        let c = r.check("network.reachable");
        assert_eq!(c["code"], "NETWORK_TLS_FAILED", "{}: {c}", case.name);
        let message = c["message"].as_str().unwrap_or_default();
        for want in case.message {
            assert!(
                message.contains(want),
                "{}: `{want}` not in {message}",
                case.name
            );
        }
        let fix = c["fix"].to_string();
        for want in case.fix {
            assert!(fix.contains(want), "{}: `{want}` not in {fix}", case.name);
        }
        // The human output says the same, in words.
        let mut cmd = env.cmd(ca_file.as_deref(), &["doctor"]);
        cmd.args(AGILE).env("AZURE_DEVOPS_EXT_PAT", env.sb.pat());
        let human = run(cmd, None);
        assert!(
            human.stdout.contains(case.message[0]),
            "{}: {}",
            case.name,
            human.all()
        );
    }
}

#[test]
fn connect_says_a_certificate_failure_in_words() {
    let ca = certs::ca("Contoso Test Issuing CA");
    let env = start(
        ca.issue(&Spec {
            is_ca: true,
            ..Spec::default()
        })
        .sandbox_tls(),
    );
    let ca_file = env.write("ca.pem", &ca.pem);
    let mut args = vec!["--secret-store", "file", "connect", "--non-interactive"];
    args.extend_from_slice(AGILE);
    args.push("--pat-stdin");
    let r = run(env.cmd(Some(&ca_file), &args), Some(env.sb.pat()));
    assert_ne!(r.exit, 0, "{}", r.all());
    assert!(r.all().contains("NETWORK_TLS_FAILED"), "{}", r.all());
    assert!(
        r.all()
            .contains("is a CA certificate, not a server certificate"),
        "{}",
        r.all()
    );
    assert!(!env.tmp.path().join("config/config.toml").exists());

    // Nor in the report or the -v log.
    let report = env.tmp.path().join("report.txt");
    let mut cmd = env.cmd(Some(&ca_file), &["-v", "doctor", "--report"]);
    cmd.arg(&report)
        .args(AGILE)
        .env("AZURE_DEVOPS_EXT_PAT", env.sb.pat());
    let r = run(cmd, None);
    assert_ne!(r.exit, 0, "{}", r.all());
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.contains("is a CA certificate, not a server certificate"),
        "{report}"
    );
    assert_no_debug_text(&report);
    let log = env.tmp.path().join("state/ado-setup/ado-setup.log");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.is_empty());
    assert_no_debug_text(&log);
}

/// `demo --serve --tls`: the banner names the CA file on a line of its own,
/// every URL is https://, and doctor passes against it with that CA.
#[cfg(unix)]
#[test]
fn demo_serve_tls_prints_its_ca_file_and_serves_https() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ado-setup"));
    cmd.args(["demo", "--serve", "--tls"])
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .env("HOME", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for var in certs::LEAKY_ENV {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut ca_file = None;
    let mut org = None;
    let mut pat = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(p) = line.strip_prefix("ca-file ") {
            ca_file = Some(PathBuf::from(p));
        } else if let Some(u) = line.strip_prefix("url ") {
            assert!(u.starts_with("https://127.0.0.1:"), "{line}");
            if u.ends_with("/contoso-agile") {
                org = Some(u.to_string());
            }
        } else if let Some(p) = line.strip_prefix("pat ") {
            pat = Some(p.to_string());
            break;
        }
    }
    let ca_file = ca_file.expect("no ca-file line before pat");
    let org = org.expect("no contoso-agile url");
    let pat = pat.expect("no pat line");
    let pem = std::fs::read_to_string(&ca_file).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let base = org.trim_end_matches("/contoso-agile").to_string();

    let mut cmd = ado_setup_over_https(&base, Some(&ca_file));
    cmd.args(["doctor", "--json"])
        .args(AGILE)
        .env("AZURE_DEVOPS_EXT_PAT", &pat)
        .env("XDG_STATE_HOME", tmp.path().join("state"));
    let r = run(cmd, None);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.exit, 0, "{}", r.all());
}

#[test]
fn tls_needs_serve() {
    let out = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
        .args(["demo", "--tls"])
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--serve"));
}

#[test]
fn a_self_signed_server_certificate_without_ca_flag_is_accepted_with_ca_file() {
    let pem = certs::self_signed(&Spec::default());
    self_signed_ca_certificate_is_trusted_as_itself(&pem);
}

//! `ado-setup doctor` end to end: the real binary against the sandbox (and a
//! closed port), `--json` per SPEC §5, one test per failure code the sandbox
//! can produce, exit codes, a saved connection, and the secret in no output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use ado_setup::checks::CATALOGUE;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

struct Env {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
}

fn sandbox() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    Env { sb, _rt: rt }
}

impl Env {
    fn scenario(&self, name: &str) -> String {
        self.sb
            .scenarios()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap()
            .pat
    }

    /// Runs `doctor --json` with `pat` in AZURE_DEVOPS_EXT_PAT.
    fn doctor(&self, pat: Option<&str>, args: &[&str]) -> (i32, Value, String) {
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.arg("doctor").arg("--json").args(args);
        if let Some(p) = pat {
            cmd.env("AZURE_DEVOPS_EXT_PAT", p);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), json, stdout + &stderr)
    }
}

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn status(v: &Value, id: &str) -> String {
    check(v, id)["status"].as_str().unwrap().to_string()
}

fn code(v: &Value, id: &str) -> String {
    check(v, id)["code"].as_str().unwrap_or("").to_string()
}

const AGILE: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

#[test]
fn a_healthy_connection_passes_and_the_json_has_the_spec_shape() {
    let env = sandbox();
    let pat = env.sb.pat().to_string();
    let (exit, v, raw) = env.doctor(Some(&pat), AGILE);
    assert_eq!(exit, 0, "{raw}");
    assert_eq!(v["schema"], "ado-setup.doctor/v1");
    assert_eq!(v["connection"]["provider_key"], "azure_devops_services");
    assert_eq!(v["connection"]["organization"], "contoso-agile");
    assert_eq!(v["connection"]["project"], "Payments Platform");
    assert_eq!(v["connection"]["auth_method"], "pat");
    assert_eq!(v["allowlist_status"], "direct");
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let catalogue: Vec<&str> = CATALOGUE.iter().map(|d| d.id).collect();
    assert_eq!(ids, catalogue, "every check once, in catalogue order");
    for c in v["checks"].as_array().unwrap() {
        for key in ["title", "status", "message", "fix", "duration_ms"] {
            assert!(!c[key].is_null(), "{} lacks {key}", c["id"]);
        }
        assert!(c.get("code").is_some());
    }
    assert_eq!(v["summary"]["fail"], 0);
    assert_eq!(status(&v, "mapping.dry_run"), "pass");
    assert!(!raw.contains(&pat), "the PAT is in the output");
}

#[test]
fn each_documented_failure_gets_its_code() {
    let env = sandbox();
    let full = env.sb.pat().to_string();
    // (PAT, flags, check, expected code, exit code)
    type Case<'a> = (Option<String>, Vec<&'a str>, &'a str, &'a str, i32);
    let cases: Vec<Case> = vec![
        (
            None,
            AGILE.to_vec(),
            "auth.credentials",
            "PROVIDER_AUTH_REQUIRED",
            4,
        ),
        (
            Some("wrong-token".into()),
            AGILE.to_vec(),
            "auth.credentials",
            "PROVIDER_AUTH_REQUIRED",
            4,
        ),
        (
            Some(env.scenario("expired")),
            AGILE.to_vec(),
            "auth.credentials",
            "PROVIDER_AUTH_REQUIRED",
            4,
        ),
        (
            Some(env.scenario("not-materialized")),
            AGILE.to_vec(),
            "auth.identity",
            "IDENTITY_NOT_MATERIALIZED",
            1,
        ),
        (
            Some(env.scenario("conditional-access")),
            AGILE.to_vec(),
            "auth.policy",
            "ORG_POLICY_BLOCKED",
            1,
        ),
        (
            Some(env.scenario("read-only")),
            AGILE.to_vec(),
            "scope.write",
            "PROVIDER_SCOPE_UNAVAILABLE",
            1,
        ),
        (
            Some(env.scenario("no-permissions")),
            AGILE.to_vec(),
            "permission.project_admin",
            "PERMISSION_MISSING",
            1,
        ),
        (
            Some(full.clone()),
            vec!["--org", "contoso-agile", "--project", "Legacy CRM"],
            "permission.service_hooks",
            "PERMISSION_MISSING",
            1,
        ),
        (
            Some(full.clone()),
            vec!["--org", "contoso-agile", "--project", "No Such Project"],
            "project.access",
            "PROJECT_NOT_FOUND",
            1,
        ),
        (
            Some(full.clone()),
            vec![
                "--org",
                "contoso-agile",
                "--project",
                "Customer Support Desk",
            ],
            "mapping.required_fields",
            "MAPPING_REQUIRED_FIELD",
            1,
        ),
        (
            Some(full.clone()),
            vec![
                "--org",
                "contoso-agile",
                "--project",
                "Customer Support Desk",
            ],
            "mapping.dry_run",
            "MAPPING_REJECTED",
            1,
        ),
        (
            Some(full.clone()),
            [AGILE, &["--area-path", "Payments Platform\\Nowhere"]].concat(),
            "mapping.area_path",
            "MAPPING_INVALID",
            1,
        ),
        (
            Some(full.clone()),
            [AGILE, &["--work-item-type", "Spaceship"]].concat(),
            "mapping.work_item_type",
            "MAPPING_INVALID",
            1,
        ),
        (
            Some(full.clone()),
            [AGILE, &["--priority-map", "critical=0"]].concat(),
            "mapping.priority",
            "MAPPING_INVALID",
            1,
        ),
        (
            Some(full.clone()),
            [AGILE, &["--assignee", "nobody@elsewhere.example"]].concat(),
            "mapping.assignee",
            "MAPPING_INVALID",
            1,
        ),
        (
            Some(full.clone()),
            vec!["--org", "no-such-org", "--project", "x"],
            "network.reachable",
            "PROVIDER_BASE_URL_BLOCKED",
            1,
        ),
        (
            Some(full.clone()),
            vec!["--org", "bad_name!", "--project", "x"],
            "target.url",
            "PROVIDER_BASE_URL_BLOCKED",
            1,
        ),
    ];
    for (pat, args, id, expected, exit) in cases {
        let (got_exit, v, raw) = env.doctor(pat.as_deref(), &args);
        assert_eq!(code(&v, id), expected, "{args:?}: {id}\n{raw}");
        assert_eq!(status(&v, id), "fail", "{args:?}: {id}");
        assert!(
            !check(&v, id)["fix"].as_array().unwrap().is_empty(),
            "{id} has no fix"
        );
        assert_eq!(got_exit, exit, "{args:?}\n{raw}");
        if let Some(p) = &pat {
            assert!(!raw.contains(p.as_str()), "the secret is in the output");
        }
    }
}

#[test]
fn a_failed_prerequisite_skips_with_the_reason() {
    let env = sandbox();
    let (_, v, _) = env.doctor(Some("wrong-token"), AGILE);
    assert_eq!(status(&v, "project.access"), "skip");
    let msg = check(&v, "project.access")["message"].as_str().unwrap();
    assert!(msg.contains("auth."), "{msg}");
    assert_eq!(status(&v, "mapping.dry_run"), "skip");
}

#[test]
fn the_server_collection_passes_at_its_api_version() {
    let env = sandbox();
    let pat = env.sb.pat().to_string();
    let url = env.sb.collection_url();
    let (exit, v, raw) = env.doctor(
        Some(&pat),
        &["--base-url", &url, "--project", "Quality Lab"],
    );
    assert_eq!(exit, 0, "{raw}");
    assert_eq!(v["connection"]["provider_key"], "azure_devops_server");
    let msg = check(&v, "auth.credentials")["message"].as_str().unwrap();
    assert!(msg.contains("api-version 6.0"), "{msg}");
}

#[test]
fn plain_http_needs_allow_http_and_a_closed_port_is_unreachable() {
    let env = sandbox();
    let pat = env.sb.pat().to_string();
    // Without --allow-http the http:// endpoint override itself is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
        .args(["doctor", "--json", "--org", "contoso-agile"])
        .env("ADO_SETUP_DEVOPS_URL", env.sb.devops_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-http"));

    // Bound (nobody else can take it), not listening.
    let (_closed, closed) = support::proxy::dead_port();
    let url = format!("http://{closed}/tfs/DefaultCollection");
    let (exit, v, _) = env.doctor(Some(&pat), &["--base-url", &url, "--project", "x"]);
    assert_eq!(exit, 1);
    assert_eq!(code(&v, "network.reachable"), "NETWORK_UNREACHABLE");
}

/// The network is down: the human output says the skipped checks once per
/// cause (after the check that failed), `--all` lists each, and `--json`
/// keeps every check.
#[test]
fn skipped_checks_fold_into_one_line_per_cause() {
    let env = sandbox();
    let pat = env.sb.pat().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/tfs/DefaultCollection");
    let human = |extra: &[&str]| {
        let out = support::ado_setup_against(&env.sb.devops_url())
            .args(["doctor", "--base-url", &url, "--project", "x"])
            .args(extra)
            .env("AZURE_DEVOPS_EXT_PAT", &pat)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let folded = human(&[]);
    let skip_lines: Vec<&str> = folded.lines().filter(|l| l.starts_with("- ")).collect();
    assert!(skip_lines.len() <= 3, "skips are not folded:\n{folded}");
    assert!(!folded.contains("which did not run"), "{folded}");
    let line = folded
        .lines()
        .find(|l| l.contains("checks skipped: network.reachable failed"))
        .unwrap_or_else(|| panic!("no fold line:\n{folded}"));
    assert!(line.contains("--all"), "{line}");
    // The fold line follows the failure and its fix.
    let at = |needle: &str| folded.find(needle).unwrap();
    assert!(at("network.reachable") < at("checks skipped: network.reachable"));

    let (_, v, _) = env.doctor(Some(&pat), &["--base-url", &url, "--project", "x"]);
    let skipped: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "skip")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(skipped.len() > 5, "{v}");
    assert_eq!(v["checks"].as_array().unwrap().len(), CATALOGUE.len());
    let n: usize = line
        .trim_start_matches("- ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 1 && n <= skipped.len(), "{line}");

    let every = human(&["--all"]);
    for id in &skipped {
        assert!(
            every.lines().any(|l| l.starts_with("- ") && l.contains(id)),
            "--all does not list {id}:\n{every}"
        );
    }
    assert!(!every.contains("checks skipped:"), "{every}");
}

/// A server that answers plain HTTP where TLS is expected: the handshake
/// fails, and doctor says it is TLS (not "unreachable").
#[test]
fn a_failed_tls_handshake_is_network_tls_failed() {
    let env = sandbox();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let url = format!("https://127.0.0.1:{port}/tfs/DefaultCollection");
    let pat = env.sb.pat().to_string();
    let (exit, v, raw) = env.doctor(Some(&pat), &["--base-url", &url, "--project", "x"]);
    assert_eq!(exit, 1, "{raw}");
    assert_eq!(code(&v, "network.reachable"), "NETWORK_TLS_FAILED", "{raw}");
    // Said as what it is: no TLS on that port (not an untrusted certificate).
    let message = check(&v, "network.reachable")["message"].as_str().unwrap();
    assert!(message.contains("does not answer with TLS"), "{message}");
    let fix = check(&v, "network.reachable")["fix"][0].as_str().unwrap();
    assert!(fix.contains("https://"), "{fix}");
    assert_eq!(status(&v, "auth.credentials"), "skip");
    assert!(!raw.contains(&pat));
}

/// Throttling that persists past the retries is reported as such, with
/// what the service said, not mistaken for a wrong URL. (Throttling that
/// ends is waited out: see the `scenario-throttled` organization.)
#[test]
fn persistent_throttling_is_reported_after_the_retries() {
    let env = sandbox();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
            );
        }
    });
    let url = format!("http://127.0.0.1:{port}/tfs/DefaultCollection");
    let pat = env.sb.pat().to_string();
    let (exit, v, raw) = env.doctor(Some(&pat), &["--base-url", &url, "--project", "x"]);
    assert_eq!(exit, 1, "{raw}");
    assert_eq!(
        code(&v, "network.reachable"),
        "PROVIDER_UNAVAILABLE",
        "{raw}"
    );
    assert!(
        hits.load(std::sync::atomic::Ordering::SeqCst) >= 3,
        "retried before reporting"
    );
}

#[test]
fn a_saved_connection_is_checked_with_its_stored_secret() {
    let env = sandbox();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let pat = env.sb.pat().to_string();
    // Save one the way the wizard does: file store + config.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use ado_setup::store::config::*;
        use ado_setup::store::secrets::SecretStore;
        let secrets = SecretStore::file(&dir);
        secrets
            .set("payments", &secrecy::SecretString::from(pat.clone()))
            .await
            .unwrap();
        let store = ConfigStore::open(&dir);
        let mut config = store.load().unwrap();
        config
            .upsert(Connection {
                name: "payments".into(),
                provider_key: ProviderKey::AzureDevopsServices,
                deployment_mode: DeploymentMode::Cloud,
                organization: Some("contoso-agile".into()),
                base_url: format!("{}/contoso-agile", env.sb.devops_url()),
                api_version: "7.1".into(),
                auth_method: AuthMethod::Pat,
                project: "Payments Platform".into(),
                project_id: "c1d40a2e-4882-414a-adb0-8d73f032fb8c".into(),
                process: "Agile".into(),
                work_item_type: "Bug".into(),
                area_path: "Payments Platform".into(),
                iteration_path: "Payments Platform".into(),
                secret_ref: Some(secrets.secret_ref("payments")),
                ..Connection::default()
            })
            .unwrap();
        store.save(&config).unwrap();
    });
    let (exit, v, raw) = env.doctor(None, &["payments", "--config-dir", dir.to_str().unwrap()]);
    assert_eq!(exit, 0, "{raw}");
    assert_eq!(v["connection"]["name"], "payments");
    assert_eq!(status(&v, "storage.secret"), "pass");
    assert_eq!(status(&v, "storage.config"), "pass");
    assert_eq!(check(&v, "mapping.work_item_type")["message"], "Bug");
    assert!(!raw.contains(&pat));

    // The report: written, redacted, every check listed.
    let report = tmp.path().join("report.txt");
    let (_, _, _) = env.doctor(
        None,
        &[
            "payments",
            "--config-dir",
            dir.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("ado-setup support report"));
    for d in CATALOGUE {
        assert!(text.contains(d.id), "report lacks {}", d.id);
    }
    assert!(!text.contains(&pat), "the PAT is in the report");
    assert!(!text.to_lowercase().contains("authorization"));

    // An unknown name is an input error.
    let (exit, _, raw) = env.doctor(None, &["nope", "--config-dir", dir.to_str().unwrap()]);
    assert_eq!(exit, 2, "{raw}");
}

#[test]
fn pat_stdin_and_plain_output() {
    let env = sandbox();
    let pat = env.sb.pat().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
        .args(["doctor", "--plain", "--allow-http", "--pat-stdin"])
        .args(AGILE)
        .env("ADO_SETUP_DEVOPS_URL", env.sb.devops_url())
        .env("ADO_SETUP_VSSPS_URL", env.sb.vssps_url())
        .env("ADO_SETUP_PROFILE_URL", env.sb.profile_url())
        .env_remove("AZURE_DEVOPS_EXT_PAT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{pat}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("[ OK ] auth.credentials"), "{text}");
    assert!(text.contains("standard input"));
    // Everything ado-setup writes itself is ASCII under --plain.
    assert!(
        text.is_ascii(),
        "not ASCII: {:?}",
        text.chars().filter(|c| !c.is_ascii()).collect::<String>()
    );
    assert!(text.lines().last().unwrap().contains("0 failed"));
    assert!(!text.contains(&pat));
}

mod support;

/// Garbage from something that looks like Azure DevOps: every answer is
/// truncated, HTML, or the wrong shape. doctor reports, never panics.
#[test]
fn malformed_and_truncated_answers_never_panic() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let replies: [fn() -> support::Reply; 4] = [
        || {
            support::Reply::Bytes(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-TFS-ProcessId: x\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{\"authenticatedUser\":{\"id\""
                    .to_vec(),
            )
        },
        || support::json(200, r#"{"authenticatedUser":"nope","value":[1,2,3]}"#),
        || {
            support::Reply::Bytes(support::http(
                401,
                &[("X-TFS-ProcessId", "x"), ("Content-Type", "text/html")],
                b"<html>nope</html>",
            ))
        },
        || support::json(500, "{\"message\":null}"),
    ];
    for (i, reply) in replies.into_iter().enumerate() {
        let server = rt.block_on(support::FaultServer::start(move |n, _| {
            // The first answer says "Azure DevOps is here"; the rest is garbage.
            if n == 0 {
                support::Reply::Bytes(support::http(
                    401,
                    &[
                        ("X-TFS-ProcessId", "x"),
                        ("Content-Type", "application/json"),
                    ],
                    b"{}",
                ))
            } else {
                reply()
            }
        }));
        let url = server.url("/tfs/DefaultCollection");
        let out = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
            .args([
                "doctor",
                "--json",
                "--allow-http",
                "--base-url",
                &url,
                "--project",
                "P",
            ])
            .env("AZURE_DEVOPS_EXT_PAT", "some-token")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "case {i}: {stderr}");
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("case {i}: not JSON ({e}): {stderr}"));
        assert!(matches!(out.status.code(), Some(1) | Some(4)), "case {i}");
        assert!(v["summary"]["fail"].as_u64().unwrap() >= 1, "case {i}: {v}");
        drop(server);
    }
}

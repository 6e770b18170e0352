//! Fault injection end to end (SPEC §8 "bad input of every kind"): the
//! sandbox's fault mode (`/_fault/{kind}` path prefix, or a fault for every
//! request) met by every command —
//!
//! - `doctor --json` ad hoc, with every endpoint behind the fault;
//! - `connect --non-interactive --json` with a connection already saved;
//! - `doctor NAME` of a saved connection whose server now answers with the
//!   fault (the sandbox turned faulty in place, `Sandbox::set_fault`);
//! - the wizard (`driver::run`), meeting the fault after sign-in, on the
//!   Project step.
//!
//! Each must end with a clear failure (a code, a message and a fix), no
//! panic, no hang past `--timeout` (a guard kills the process if it does),
//! and no change to any saved file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ado_setup::ado::http::{ClientOptions, HttpClient};
use ado_setup::jobs::JobContext;
use ado_setup::sandbox::fault::Fault;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::wizard::{Outcome, Step, Wizard};
use crossterm::event::KeyCode;
use serde_json::Value;
use support::driver::{Act, drive_wizard, leak};

/// The client's whole-request timeout in these tests (`--timeout`).
const TIMEOUT_SECS: u64 = 3;

/// Longest any command may run: its timeout for each of a few dependent
/// requests, the network probes' own 5 s, and retries after `Retry-After`.
const GUARD: Duration = Duration::from_secs(60);

/// Every fault kind, and the code each surface must report.
struct Expect {
    kind: &'static str,
    /// `doctor`/`connect` with every request faulty: the failing check's code.
    whole: &'static str,
    /// The wizard meeting the fault on the Project step (`{kind}:projects`).
    project_step: &'static str,
}

const FAULTS: [Expect; 11] = [
    Expect {
        // A server that never answers.
        kind: "delay-600000",
        whole: "NETWORK_UNREACHABLE",
        project_step: "NETWORK_UNREACHABLE",
    },
    Expect {
        kind: "drop",
        whole: "NETWORK_UNREACHABLE",
        project_step: "NETWORK_UNREACHABLE",
    },
    Expect {
        // The anonymous probe needs no body: sign-in meets the fault.
        kind: "truncate",
        whole: "PROVIDER_RESPONSE_INVALID",
        project_step: "PROVIDER_RESPONSE_INVALID",
    },
    Expect {
        kind: "huge",
        whole: "PROVIDER_BASE_URL_BLOCKED",
        project_step: "PROVIDER_RESPONSE_INVALID",
    },
    Expect {
        kind: "html",
        whole: "PROVIDER_BASE_URL_BLOCKED",
        project_step: "PROVIDER_RESPONSE_INVALID",
    },
    Expect {
        kind: "wrong-type",
        whole: "PROVIDER_BASE_URL_BLOCKED",
        project_step: "PROVIDER_RESPONSE_INVALID",
    },
    Expect {
        kind: "500",
        whole: "PROVIDER_UNAVAILABLE",
        project_step: "PROVIDER_UNAVAILABLE",
    },
    Expect {
        kind: "503",
        whole: "PROVIDER_UNAVAILABLE",
        project_step: "PROVIDER_UNAVAILABLE",
    },
    Expect {
        kind: "500-retry-after",
        whole: "PROVIDER_UNAVAILABLE",
        project_step: "PROVIDER_UNAVAILABLE",
    },
    Expect {
        kind: "503-retry-after",
        whole: "PROVIDER_UNAVAILABLE",
        project_step: "PROVIDER_UNAVAILABLE",
    },
    Expect {
        kind: "slow-loris",
        whole: "NETWORK_UNREACHABLE",
        project_step: "NETWORK_UNREACHABLE",
    },
];

fn expect(kind: &str) -> &'static Expect {
    FAULTS.iter().find(|e| e.kind == kind).unwrap()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs the binary; kills it and fails if it outlives [`GUARD`].
fn run_guarded(mut cmd: Command, stdin: Option<&str>) -> (Output, Duration) {
    let started = Instant::now();
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    // Read the pipes on threads so a chatty child never blocks on them.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut buf).ok();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut buf).ok();
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} hung: still running after {GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    (output, started.elapsed())
}

/// The binary with the sandbox's endpoints under `base` (a sandbox URL,
/// perhaps with a fault prefix), a config dir and the file secret store.
fn ado_setup(base: &str, config: &Path, args: &[&str]) -> Command {
    let mut cmd = support::ado_setup_against(base);
    cmd.args(args)
        .args(["--timeout", &TIMEOUT_SECS.to_string()])
        .arg("--config-dir")
        .arg(config)
        .args(["--secret-store", "file"])
        .env("ADO_SETUP_IMDS_URL", format!("{base}/_imds"))
        .env("NO_COLOR", "1");
    cmd
}

/// Saves the connection `prod` (contoso-agile · Payments Platform, PAT in
/// the file store) against the healthy sandbox at `base`.
fn save_prod(base: &str, config: &Path, pat: &str) {
    let cmd = ado_setup(
        base,
        config,
        &[
            "connect",
            "--non-interactive",
            "--org",
            "contoso-agile",
            "--project",
            "Payments Platform",
            "--auth",
            "pat",
            "--pat-stdin",
            "--name",
            "prod",
        ],
    );
    let (out, _) = run_guarded(cmd, Some(pat));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The first failing check of a `--json` report: (id, code, message, fix).
fn first_failure(json: &Value) -> (String, String, String, Vec<String>) {
    let checks = json["checks"].as_array().expect("checks");
    let failed = checks
        .iter()
        .find(|c| c["status"] == "fail")
        .unwrap_or_else(|| panic!("no check failed: {json:#}"));
    (
        failed["id"].as_str().unwrap().to_string(),
        failed["code"].as_str().unwrap_or_default().to_string(),
        failed["message"].as_str().unwrap_or_default().to_string(),
        failed["fix"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// A command's run: failed as expected, clearly, without a panic, within
/// the guard, and said nothing of the PAT.
fn assert_clear_failure(what: &str, out: &Output, code: &str, pat: &str) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stdout.contains("panicked"),
        "{what}: a panic\n{stderr}"
    );
    assert!(
        !stdout.contains(pat) && !stderr.contains(pat),
        "{what}: the PAT was printed"
    );
    assert_eq!(out.status.code(), Some(1), "{what}: {stdout}{stderr}");
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {stdout}{stderr}"));
    let (id, got, message, fix) = first_failure(&json);
    assert_eq!(got, code, "{what}: {id}: {message}");
    assert!(!message.trim().is_empty(), "{what}: {id} says nothing");
    assert!(
        !message.contains('\n') && message.chars().count() <= 400,
        "{what}: {message}"
    );
    assert!(
        fix.iter().any(|f| !f.trim().is_empty()),
        "{what}: {id} has no fix"
    );
    json
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Every surface against one fault kind.
fn every_command_meets(kind: &str) {
    let e = expect(kind);
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let pat = sb.pat().to_string();
    let healthy = sb.devops_url();
    let faulty = sb.fault_url(kind);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    save_prod(&healthy, &config, &pat);
    let saved = snapshot(&config);
    assert!(saved.len() >= 2, "config and secrets saved: {saved:?}");

    // doctor, ad hoc, every endpoint faulty.
    let mut cmd = ado_setup(
        &faulty,
        &config,
        &[
            "doctor",
            "--json",
            "--org",
            "contoso-agile",
            "--project",
            "Payments Platform",
        ],
    );
    cmd.env("AZURE_DEVOPS_EXT_PAT", &pat);
    let (out, _) = run_guarded(cmd, None);
    assert_clear_failure(&format!("{kind}: doctor (ad hoc)"), &out, e.whole, &pat);
    assert_eq!(
        snapshot(&config),
        saved,
        "{kind}: doctor changed saved files"
    );

    // connect, a new name and the saved one: neither is (re)written.
    for name in ["staging", "prod"] {
        let cmd = ado_setup(
            &faulty,
            &config,
            &[
                "connect",
                "--non-interactive",
                "--json",
                "--org",
                "contoso-agile",
                "--project",
                "Payments Platform",
                "--auth",
                "pat",
                "--pat-stdin",
                "--name",
                name,
            ],
        );
        let (out, _) = run_guarded(cmd, Some(&pat));
        if name == "prod" {
            // Refused before any request: the name is taken.
            assert_eq!(out.status.code(), Some(2), "{kind}: connect prod");
        } else {
            assert_clear_failure(&format!("{kind}: connect"), &out, e.whole, &pat);
        }
        assert_eq!(
            snapshot(&config),
            saved,
            "{kind}: connect changed saved files"
        );
    }

    // The wizard, meeting the fault on the Project step.
    let at_projects = sb.fault_url(&format!("{kind}:projects"));
    let run = rt.block_on(wizard_meets(&at_projects, &config, &pat, e.project_step));
    assert_eq!(run.outcome, Outcome::Cancelled, "{kind}: wizard");
    let problem = run.problems.first().cloned().unwrap_or_default();
    assert!(
        problem.starts_with(e.project_step) && !problem.ends_with("()"),
        "{kind}: wizard showed {problem}"
    );
    assert!(
        run.frames.iter().all(|f| !f.contains(&pat)),
        "{kind}: the PAT was drawn"
    );
    assert_eq!(
        snapshot(&config),
        saved,
        "{kind}: the wizard changed saved files"
    );

    // doctor on the saved connection, its server now answering with the
    // fault (the same server: no port is given up and taken again).
    sb.set_fault(Some(Fault::parse(kind).unwrap()));
    let cmd = ado_setup(&healthy, &config, &["doctor", "--json", "prod"]);
    let (out, _) = run_guarded(cmd, None);
    assert_clear_failure(&format!("{kind}: doctor prod"), &out, e.whole, &pat);
    assert_eq!(
        snapshot(&config),
        saved,
        "{kind}: doctor prod changed saved files"
    );
    rt.block_on(sb.shutdown());
}

/// The wizard against `base`: Services, contoso-agile, the PAT, then waits
/// for the problem `code` and gives up (Ctrl-C, confirm).
async fn wizard_meets(
    base: &str,
    config: &Path,
    pat: &str,
    code: &'static str,
) -> support::driver::Run {
    let settings = support::driver::sandbox_settings(base);
    let jobs = JobContext {
        http: HttpClient::new(ClientOptions {
            request_timeout: Duration::from_secs(TIMEOUT_SECS),
            ..ClientOptions::default()
        })
        .unwrap(),
        ..support::driver::file_jobs(config)
    };
    let pat = leak(pat.to_string());
    let script = vec![
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Type("contoso-agile"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Key(KeyCode::Tab), // Personal access token
        Act::Type(pat),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Organization),
        Act::Key(KeyCode::Enter),
        Act::Problem(code),
        Act::Ctrl('c'),
        Act::Type("y"),
    ];
    drive_wizard(Wizard::new(settings), jobs, script, GUARD).await
}

#[test]
fn drop_mid_body() {
    every_command_meets("drop");
}

#[test]
fn truncated_body() {
    every_command_meets("truncate");
}

#[test]
fn fifty_megabyte_body() {
    every_command_meets("huge");
}

#[test]
fn html_instead_of_json() {
    every_command_meets("html");
}

#[test]
fn plain_text_instead_of_json() {
    every_command_meets("wrong-type");
}

#[test]
fn http_500() {
    every_command_meets("500");
}

#[test]
fn http_500_with_retry_after() {
    every_command_meets("500-retry-after");
}

#[test]
fn http_503() {
    every_command_meets("503");
}

#[test]
fn http_503_with_retry_after() {
    every_command_meets("503-retry-after");
}

#[test]
fn slow_loris() {
    every_command_meets("slow-loris");
}

#[test]
fn a_server_that_never_answers() {
    every_command_meets("delay-600000");
}

#[test]
fn every_kind_is_tested() {
    let kinds: Vec<&str> = ado_setup::sandbox::fault::KINDS
        .iter()
        .flat_map(|(k, _)| k.split(" / "))
        .map(|k| if k == "delay-{ms}" { "delay-600000" } else { k })
        .collect();
    let tested: Vec<&str> = FAULTS.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, tested);
}

//! `ado-setup connect --non-interactive` end to end: the real binary against
//! the sandbox. It saves only when every check passes (warnings with
//! `--force`), never with a failed check, refuses taken names before asking
//! Azure DevOps anything, signs in with a device code on stderr, and never
//! prints or writes the secret outside the secret store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::run::{Run, files_with};

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use ado_setup::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

struct Env {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions {
            approve_after: Duration::from_millis(200),
            ..SandboxOptions::default()
        }))
        .unwrap();
    Env {
        sb,
        _rt: rt,
        tmp: tempfile::tempdir().unwrap(),
    }
}

impl Env {
    fn dir(&self) -> PathBuf {
        self.tmp.path().join("config")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.arg("--config-dir")
            .arg(self.dir())
            .args(args)
            .env("LANG", "C.UTF-8")
            .env("XDG_STATE_HOME", self.tmp.path().join("state"));
        cmd
    }

    /// `connect --non-interactive ARGS` with `stdin` piped in.
    fn connect(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut all = vec!["--secret-store", "file", "connect", "--non-interactive"];
        all.extend_from_slice(args);
        support::run::run(self.cmd(&all), stdin)
    }

    fn config_text(&self) -> Option<String> {
        std::fs::read_to_string(self.dir().join("config.toml")).ok()
    }
}

const AGILE: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

#[test]
fn a_passing_pat_connection_is_saved_and_doctor_passes_on_it() {
    let env = env();
    let pat = env.sb.pat().to_string();
    let mut args = AGILE.to_vec();
    args.extend(["--pat-stdin", "--json"]);
    let run = env.connect(&args, Some(&pat));
    assert_eq!(run.exit, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["schema"], "ado-setup.connect/v1");
    assert_eq!(v["saved"], true);
    assert_eq!(v["connection"]["name"], "contoso-agile-payments-platform");
    assert_eq!(v["connection"]["auth_method"], "pat");
    assert_eq!(v["summary"]["fail"], 0);
    assert_eq!(
        v["checks"].as_array().unwrap().len(),
        ado_setup::checks::CATALOGUE.len()
    );
    let config = env.config_text().unwrap();
    for want in [
        "name = \"contoso-agile-payments-platform\"",
        "project_id = \"c1d40a2e-4882-414a-adb0-8d73f032fb8c\"",
        "work_item_type = \"Issue\"",
        "auth_method = \"pat\"",
        "allowlist_status = \"direct\"",
        "validated_at",
    ] {
        assert!(config.contains(want), "{want} missing:\n{config}");
    }
    // The PAT: not printed; only in the secret store's file.
    assert!(!run.all().contains(&pat));
    let hits = files_with(env.tmp.path(), &pat);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");

    // Later: doctor on the saved connection needs nothing else.
    let out = env
        .cmd(&["doctor", "contoso-agile-payments-platform"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The same name again: refused before anything else, exit 2.
    let run = env.connect(&[AGILE, &["--pat-stdin"]].concat(), Some(&pat));
    assert_eq!(run.exit, 2, "{}", run.all());
    assert!(run.stderr.contains("CONNECTION_EXISTS"), "{}", run.stderr);
    // The same organization+project under another name: refused, nothing changed.
    let before = env.config_text().unwrap();
    let run = env.connect(
        &[AGILE, &["--pat-stdin", "--name", "payments-again"]].concat(),
        Some(&pat),
    );
    assert_eq!(run.exit, 1, "{}", run.all());
    assert!(run.stdout.contains("Nothing was saved"), "{}", run.stdout);
    assert_eq!(env.config_text().unwrap(), before);
}

#[test]
fn a_failed_check_saves_nothing_and_says_why() {
    let env = env();
    let pat = env.sb.pat().to_string();
    let args = [
        "--org",
        "contoso-agile",
        "--project",
        "Customer Support Desk",
        "--pat-stdin",
    ];
    let run = env.connect(&args, Some(&pat));
    assert_eq!(run.exit, 1, "{}", run.all());
    assert!(
        run.stdout.contains("MAPPING_REQUIRED_FIELD"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("nothing was saved"), "{}", run.stdout);
    assert!(env.config_text().is_none(), "no config was written");
    assert!(
        files_with(env.tmp.path(), &pat).is_empty(),
        "no secret was written"
    );

    // With the field given, it passes and saves.
    let run = env.connect(
        &[&args[..], &["--field", "Custom.CustomerImpact=High"]].concat(),
        Some(&pat),
    );
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(
        env.config_text()
            .unwrap()
            .contains("\"Custom.CustomerImpact\" = \"High\""),
        "{}",
        env.config_text().unwrap()
    );
}

#[test]
fn warnings_need_force_and_a_rejected_token_is_exit_4() {
    let env = env();
    let pat = env.sb.pat().to_string();
    // A custom (XML) process on the Server collection warns.
    let collection = env.sb.collection_url();
    let args = [
        "--base-url",
        collection.as_str(),
        "--project",
        "Legacy Waterfall",
        "--pat-stdin",
    ];
    let run = env.connect(&args, Some(&pat));
    assert_eq!(run.exit, 1, "{}", run.all());
    assert!(run.stdout.contains("--force"), "{}", run.stdout);
    assert!(env.config_text().is_none());
    let run = env.connect(&[&args[..], &["--force"]].concat(), Some(&pat));
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(env.config_text().unwrap().contains("Legacy Waterfall"));

    // A rejected token: exit 4, nothing more saved.
    let before = env.config_text().unwrap();
    let run = env.connect(
        &[
            "--org",
            "contoso-basic",
            "--project",
            "Website Refresh",
            "--pat-stdin",
        ],
        Some("not-a-valid-token"),
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    assert_eq!(env.config_text().unwrap(), before);
    // No token at all: exit 4 before any check.
    let run = env.connect(
        &["--org", "contoso-basic", "--project", "Website Refresh"],
        None,
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    assert!(
        run.stderr.contains("AZURE_DEVOPS_EXT_PAT"),
        "{}",
        run.stderr
    );
    // Missing project: a usage error.
    let run = env.connect(&["--org", "contoso-basic", "--pat-stdin"], Some(&pat));
    assert_eq!(run.exit, 2, "{}", run.all());
}

#[test]
fn device_code_sign_in_prints_the_code_on_stderr_and_saves_the_refresh_token() {
    let env = env();
    let run = env.connect(
        &[
            "--org",
            "contoso-scrum",
            "--project",
            "Inventory Service",
            "--auth",
            "device-code",
            "--json",
        ],
        None,
    );
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(run.stderr.contains("/devicelogin"), "{}", run.stderr);
    assert!(run.stderr.contains("enter the code"), "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["saved"], true);
    assert_eq!(v["connection"]["auth_method"], "device_code");
    let config = env.config_text().unwrap();
    assert!(config.contains("auth_method = \"device_code\""), "{config}");
    assert!(
        config.contains(ado_setup::auth::DEFAULT_CLIENT_ID),
        "{config}"
    );
    assert!(!config.contains("refresh"), "{config}");
    // doctor refreshes silently.
    let out = env
        .cmd(&["doctor", "contoso-scrum-inventory-service", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["connection"]["auth_method"], "device_code");

    // Device code is for Services.
    let collection = env.sb.collection_url();
    let run = env.connect(
        &[
            "--base-url",
            collection.as_str(),
            "--project",
            "Quality Lab",
            "--auth",
            "device-code",
        ],
        None,
    );
    assert_eq!(run.exit, 2, "{}", run.all());
    assert!(
        run.stderr.contains("Server signs in with a PAT"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unusable_secret_store_is_never_a_silent_fallback() {
    let env = env();
    let pat = env.sb.pat().to_string();
    // `keyring` with no keyring daemon reachable (a private D-Bus address).
    let mut cmd = env.cmd(&[
        "--secret-store",
        "keyring",
        "connect",
        "--non-interactive",
        "--org",
        "contoso-agile",
        "--project",
        "Payments Platform",
        "--pat-stdin",
    ]);
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", env.tmp.path().join("no-bus").display()),
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pat.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("SECRET_STORE_UNAVAILABLE"), "{stderr}");
    assert!(env.config_text().is_none());
    assert!(files_with(env.tmp.path(), &pat).is_empty());
}

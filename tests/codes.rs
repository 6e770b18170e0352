//! Codes the README documents, each produced by the real binary the way a
//! user meets it: `CONFIG_DIR_UNKNOWN` (no home directory), `NETWORK_BLOCKED`
//! (one required endpoint unreachable while Azure DevOps answers) and
//! `PROCESS_UNSUPPORTED` (a custom XML process). `PROVIDER_REQUEST_REJECTED`
//! is shown in `client_faults.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

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
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    Env {
        sb,
        _rt: rt,
        tmp: tempfile::tempdir().unwrap(),
    }
}

/// `doctor --json ARGS --pat-stdin` against the sandbox, `cmd` adjusted.
fn doctor(env: &Env, args: &[&str], adjust: impl FnOnce(&mut Command)) -> (i32, Value) {
    let mut cmd = support::ado_setup_against(&env.sb.devops_url());
    cmd.arg("--config-dir")
        .arg(env.tmp.path().join("config"))
        .args(["doctor", "--json", "--pat-stdin"])
        .args(args)
        .env("XDG_STATE_HOME", env.tmp.path().join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    adjust(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(env.sb.pat().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no {id} in {json}"))
}

#[test]
fn an_unreachable_identity_endpoint_is_network_blocked() {
    let env = env();
    // Bound, not listening: the identity endpoint refuses every connection.
    let (_dead, dead) = support::proxy::dead_port();
    let (exit, json) = doctor(
        &env,
        &["--org", "contoso-agile", "--project", "Payments Platform"],
        |cmd| {
            cmd.env("ADO_SETUP_VSSPS_URL", format!("http://{dead}"));
        },
    );
    assert_eq!(exit, 1, "{json}");
    assert_eq!(check(&json, "network.reachable")["status"], "pass");
    let allowlist = check(&json, "network.allowlist");
    assert_eq!(allowlist["status"], "fail", "{allowlist}");
    assert_eq!(allowlist["code"], "NETWORK_BLOCKED");
    let message = allowlist["message"].as_str().unwrap();
    assert!(message.contains(&dead.to_string()), "{message}");
    assert!(!allowlist["fix"].as_array().unwrap().is_empty());
    assert_eq!(json["allowlist_status"], "partial");
}

#[test]
fn a_custom_xml_process_is_process_unsupported() {
    let env = env();
    let collection = env.sb.collection_url();
    let (_, json) = doctor(
        &env,
        &["--base-url", &collection, "--project", "Legacy Waterfall"],
        |_| {},
    );
    let process = check(&json, "project.process");
    assert_eq!(process["status"], "warn", "{process}");
    assert_eq!(process["code"], "PROCESS_UNSUPPORTED");
    assert!(
        process["message"]
            .as_str()
            .unwrap()
            .contains("Contoso Waterfall is a custom (XML) process"),
        "{process}"
    );
}

/// No home directory to find the config in (`HOME` unset and a user the
/// password database does not know), and no `--config-dir`: said as
/// `CONFIG_DIR_UNKNOWN` with its fix, exit 2. Switching to such a user
/// needs root (`setpriv`); CI runs as root.
#[cfg(unix)]
#[test]
fn no_home_directory_is_config_dir_unknown() {
    let root = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&root.stdout).trim() != "0"
        || !support::secret_service::on_path("setpriv")
    {
        support::skip(
            "CONFIG_DIR_UNKNOWN",
            "needs root and setpriv to run as a user without a home",
        );
        return;
    }
    // The binary must be reachable by that user.
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("ado-setup");
    std::fs::copy(env!("CARGO_BIN_EXE_ado-setup"), &bin).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new("setpriv")
        .args(["--reuid=64999", "--regid=64999", "--clear-groups"])
        .arg(&bin)
        .arg("list")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("CONFIG_DIR_UNKNOWN"), "{stderr}");
    assert!(stderr.contains("--config-dir"), "{stderr}");
}

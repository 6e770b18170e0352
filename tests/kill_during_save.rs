//! A `kill -9` at any moment of `connect --non-interactive` — including
//! while it saves — leaves the config file whole: it parses, the connection
//! saved before is unchanged, and a new one is either absent or complete.
//! Looped over kill times spread across a whole run.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::store::config::{ConfigStore, Connection};

#[test]
fn a_kill_during_save_leaves_the_old_config_intact() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let run = |project: &str, name: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
            .args([
                "--allow-http",
                "--secret-store",
                "file",
                "--config-dir",
                dir.to_str().unwrap(),
                "connect",
                "--non-interactive",
                "--org",
                "contoso-basic",
                "--project",
                project,
                "--name",
                name,
                "--pat-stdin",
            ])
            .env("ADO_SETUP_DEVOPS_URL", sb.devops_url())
            .env("ADO_SETUP_VSSPS_URL", sb.vssps_url())
            .env("ADO_SETUP_PROFILE_URL", sb.profile_url())
            .env("ADO_SETUP_AUTHORITY_URL", sb.authority_url())
            .env("XDG_STATE_HOME", tmp.path().join("state"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(sb.pat().as_bytes())
            .unwrap();
        child
    };

    // The connection saved before, and how long a whole run takes.
    let started = Instant::now();
    let status = run("Website Refresh", "keep").wait().unwrap();
    assert!(status.success());
    let whole = started.elapsed();
    let store = ConfigStore::open(&dir);
    let before: Connection = store.load().unwrap().get("keep").cloned().unwrap();

    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut completed = 0;
    let rounds = 40;
    for round in 0..rounds {
        // Kill times spread over the whole run, the save at its end included.
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let at = whole.mul_f64(0.5 + fraction * 0.7);
        let mut child = run("Field Service App", "try");
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let config = store
            .load()
            .unwrap_or_else(|e| panic!("round {round}: the config no longer loads: {e}"));
        assert_eq!(
            config.get("keep"),
            Some(&before),
            "round {round}: the connection saved before changed"
        );
        if let Some(c) = config.get("try") {
            completed += 1;
            assert_eq!(c.project, "Field Service App");
            assert!(c.validated_at.is_some() && c.secret_ref.is_some());
            // Back to the state before the round.
            let mut config = config;
            config.remove("try");
            store.save(&config).unwrap();
        }
        // No temporary file is left looking like the config.
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with("config.toml") || name == "config.toml",
                "round {round}: left behind {name}"
            );
        }
    }
    eprintln!("{completed} of {rounds} runs finished before the kill (a run takes {whole:?})");
    rt.block_on(sb.shutdown());
}

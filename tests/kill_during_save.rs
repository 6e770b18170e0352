//! A `kill -9` at any moment of `connect --non-interactive` — before, inside
//! and after its save — leaves the config file whole: it parses, the
//! connection saved before is unchanged, and a new one is either absent or
//! complete. The debug build marks the save window
//! (`ADO_SETUP_TEST_SAVE_WINDOW`: a file when the temporary file exists, a
//! pause before the rename, a file once the new config is in place), so
//! each kill is known to have landed before, inside or after the save, and
//! every one of the three is shown to happen.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let window = tmp.path().join("window");
    std::fs::create_dir_all(&window).unwrap();
    let run = |project: &str, name: &str| {
        for marker in ["entered", "left"] {
            let _ = std::fs::remove_file(window.join(marker));
        }
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
            .env("ADO_SETUP_TEST_SAVE_WINDOW", &window)
            .env("XDG_STATE_HOME", tmp.path().join("state"))
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
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
    // Waits (a bounded number of polls) for `marker` while `child` runs.
    let wait_for = |child: &mut std::process::Child, marker: &Path| {
        for _ in 0..3000 {
            if marker.exists() || child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    };

    // The connection saved before, and how long a run takes to reach its save.
    let started = Instant::now();
    let mut first = run("Website Refresh", "keep");
    wait_for(&mut first, &window.join("entered"));
    let to_save = started.elapsed();
    assert!(first.wait().unwrap().success());
    assert!(
        window.join("left").exists(),
        "the debug build marks the save"
    );
    let store = ConfigStore::open(&dir);
    let before: Connection = store.load().unwrap().get("keep").cloned().unwrap();

    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let (mut landed_before, mut inside, mut after) = (0, 0, 0);
    let rounds = 30;
    for round in 0..rounds {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let mut child = run("Field Service App", "try");
        // Aimed in turn before the save, inside it, and after it.
        match round % 3 {
            0 => std::thread::sleep(to_save.mul_f64(fraction * 0.9)),
            1 => wait_for(&mut child, &window.join("entered")),
            _ => wait_for(&mut child, &window.join("left")),
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Where it landed, from what the process marked before it died.
        let (entered, left) = (
            window.join("entered").exists(),
            window.join("left").exists(),
        );
        match (entered, left) {
            (false, _) => landed_before += 1,
            (true, false) => inside += 1,
            (true, true) => after += 1,
        }

        let config = store
            .load()
            .unwrap_or_else(|e| panic!("round {round}: the config no longer loads: {e}"));
        assert_eq!(
            config.get("keep"),
            Some(&before),
            "round {round}: the connection saved before changed"
        );
        match config.get("try") {
            Some(c) => {
                assert!(entered, "round {round}: saved without entering the save");
                assert_eq!(c.project, "Field Service App");
                assert!(c.validated_at.is_some() && c.secret_ref.is_some());
                // Back to the state before the round.
                let mut config = config;
                config.remove("try");
                store.save(&config).unwrap();
            }
            None => assert!(
                !left,
                "round {round}: the save finished, yet nothing was saved"
            ),
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
    eprintln!(
        "{rounds} kills: {landed_before} before the save, {inside} inside it, {after} after it \
         (a run reaches its save after {to_save:?})"
    );
    assert!(landed_before > 0, "no kill landed before the save");
    assert!(inside > 0, "no kill landed inside the save");
    assert!(after > 0, "no kill landed after the save");
    rt.block_on(sb.shutdown());
}

//! Microsoft's own clients against the sandbox: the `azure-devops` Python
//! package and `azure-devops-node-api` (pinned versions `.ci/run` installs
//! into `target/sdk-env`, or `ADO_SDK_ENV`) run `tests/sdk/python_client.py`
//! and `tests/sdk/node_client.js` — the calls an integration built on them
//! makes: connection data, projects paged by 100, a project with
//! capabilities, work item types, a type's fields with references (expand
//! all), area and iteration trees, teams, team members, team settings, a
//! `validateOnly` create, and a wrong PAT refused — on every Services
//! organization and on both Server collections.
//!
//! The clients run with a cleared environment (no proxy variables, no host
//! `HOME` or `AZURE_DEVOPS_EXT_PAT`); the PAT goes in `SDK_PAT`, never in an
//! argument. Without the installed clients the test says `SKIPPED` on
//! stderr (under CI it fails: `.ci/run` installs them).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ado_setup::sandbox::{Sandbox, SandboxOptions, data};
use serde_json::Value;

/// The pinned versions (`.ci/run` installs exactly these).
const PYTHON_SDK: &str = "7.1.0b4";
const NODE_SDK: &str = "15.1.3";

const TEST: &str = "sdk_clients";

fn sdk_env() -> PathBuf {
    match std::env::var_os("ADO_SDK_ENV").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/sdk-env"),
    }
}

/// The venv's python with `azure-devops` at the pinned version.
fn python(env: &Path) -> Result<PathBuf, String> {
    let py = env.join("py/bin/python");
    if !py.is_file() {
        return Err(format!("no Python venv at {}", py.display()));
    }
    let out = Command::new(&py)
        .env_clear()
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('azure-devops'))",
        ])
        .output()
        .map_err(|e| format!("{}: {e}", py.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if version != PYTHON_SDK {
        return Err(format!(
            "azure-devops {PYTHON_SDK} not installed in {} (found {version:?})",
            py.display()
        ));
    }
    Ok(py)
}

/// `node_modules` with `azure-devops-node-api` at the pinned version, and
/// the `node` that runs it.
fn node(env: &Path) -> Result<(PathBuf, PathBuf), String> {
    let modules = env.join("node/node_modules");
    let manifest = modules.join("azure-devops-node-api/package.json");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("no azure-devops-node-api at {}: {e}", manifest.display()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if json["version"] != NODE_SDK {
        return Err(format!(
            "azure-devops-node-api {NODE_SDK} not installed (found {})",
            json["version"]
        ));
    }
    let node = which("node").ok_or("node not on PATH")?;
    Ok((node, modules))
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A client run: cleared environment, its own home and cache folder.
fn client(program: &Path, script: &str, url: &str, pat: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/sdk")
                .join(script),
        )
        .arg(url)
        .env("SDK_PAT", pat)
        .env("HOME", home)
        .env("AZURE_DEVOPS_CACHE_DIR", home.join("cache"))
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn parse(who: &str, url: &str, out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{who} on {url} failed ({}):\n{stderr}\n{stdout}",
        out.status
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{who} on {url}: not JSON ({e}): {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_and_node_clients_work_against_every_organization_and_collection() {
    let env = sdk_env();
    let (py, (node, modules)) = match (python(&env), node(&env)) {
        (Ok(py), Ok(node)) => (py, node),
        (Err(why), _) | (_, Err(why)) => {
            support::skip(TEST, &format!("{why} (.ci/run installs them)"));
            return;
        }
    };
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let pat = sb.pat().to_string();
    let summaries = data::organizations();
    let mut targets: Vec<(String, String, bool)> = sb
        .organization_urls()
        .into_iter()
        .map(|(name, url)| (name, url, false))
        .collect();
    targets.extend(sb.collections().into_iter().map(|c| (c.name, c.url, true)));
    assert!(
        targets.iter().filter(|t| t.2).count() == 2,
        "both Server collections (2020 at 6.0, 2019 at 5.0)"
    );
    let mut paged_past_100 = false;
    for (name, url, server) in &targets {
        let home = tempfile::tempdir().unwrap();
        let (py_home, node_home) = (home.path().join("py"), home.path().join("node"));
        std::fs::create_dir_all(&py_home).unwrap();
        std::fs::create_dir_all(&node_home).unwrap();
        let mut py_cmd = client(&py, "python_client.py", url, &pat, &py_home);
        let mut node_cmd = client(&node, "node_client.js", url, &pat, &node_home);
        node_cmd.env("NODE_PATH", &modules);
        // Both clients at once (two cores), off the runtime the sandbox uses.
        let (py_out, node_out) = tokio::task::spawn_blocking(move || {
            let py = py_cmd.spawn().and_then(|c| c.wait_with_output());
            let node = node_cmd.output();
            (py, node)
        })
        .await
        .unwrap();
        let p = parse("python", url, &py_out.unwrap());
        let n = parse("node", url, &node_out.unwrap());

        let expected = summaries
            .iter()
            .find(|s| &s.name == name && s.server == *server)
            .map(|s| s.projects)
            .unwrap();
        for (who, v) in [("python", &p), ("node", &n)] {
            let ctx = format!("{who} on {url}: {v}");
            assert_eq!(v["projects"], expected, "{ctx}");
            assert_eq!(v["created_title"], "ado-setup SDK check", "{ctx}");
            assert!(v["user"].as_str().is_some_and(|s| !s.is_empty()), "{ctx}");
            assert!(
                v["process"].as_str().is_some_and(|s| !s.is_empty()),
                "{ctx}"
            );
            assert!(v["fields"].as_u64().is_some_and(|f| f > 10), "{ctx}");
            assert!(v["area_nodes"].as_u64().is_some_and(|c| c >= 1), "{ctx}");
            assert!(
                v["iteration_nodes"].as_u64().is_some_and(|c| c >= 2),
                "{ctx}"
            );
            assert!(v["teams"].as_u64().is_some_and(|c| c >= 1), "{ctx}");
            assert!(v["members"].as_u64().is_some_and(|c| c >= 1), "{ctx}");
            assert!(v["backlog_iteration"].is_string(), "{ctx}");
            assert_eq!(v["area_root"], v["project"], "{ctx}");
        }
        // The same answers through both clients.
        for key in [
            "user",
            "instance",
            "project",
            "process",
            "types",
            "fields",
            "area_nodes",
            "iteration_nodes",
            "teams",
            "members",
            "backlog_iteration",
        ] {
            assert_eq!(p[key], n[key], "{key} on {url}: python {p} / node {n}");
        }
        assert_eq!(p["roots"], serde_json::json!(["area", "iteration"]), "{p}");
        // A wrong PAT: Services answer 203 with the sign-in page (the Python
        // client cannot read it), the Server 401.
        if *server {
            assert_eq!(p["wrong_pat"], "AzureDevOpsServiceError", "{url}: {p}");
            assert_eq!(n["wrong_pat"], 401, "{url}: {n}");
        } else {
            assert_eq!(p["wrong_pat"], "DeserializationError", "{url}: {p}");
            assert_eq!(n["wrong_pat"], 203, "{url}: {n}");
        }
        paged_past_100 |= expected > 100;
    }
    assert!(paged_past_100, "no organization has more than 100 projects");
    sb.shutdown().await;
}

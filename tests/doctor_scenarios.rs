//! Every documented failure, demonstrated by *name*: the real binary's
//! `doctor --json` with the full-access PAT against the sandbox's scenario
//! organizations (`scenario-…`), the Azure DevOps Server 2019 collection
//! (`tfs/LegacyCollection`, api-version 5.0 only) and the host scenarios
//! (`tfs/RedirectedCollection`, `tfs/NotAzureDevOps`). Each asserts the
//! failing check, its status and code, the exit code, and that the PAT is in
//! no output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

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

struct Run {
    exit: i32,
    json: Value,
    raw: String,
}

impl Env {
    /// `doctor --json` with the full PAT in AZURE_DEVOPS_EXT_PAT, the
    /// sandbox's endpoints, a fresh config dir and no secret store.
    fn doctor(&self, args: &[&str]) -> Run {
        let config = tempfile::tempdir().unwrap();
        let out = support::ado_setup_against(&self.sb.devops_url())
            .arg("doctor")
            .arg("--json")
            .arg("--config-dir")
            .arg(config.path())
            .args(["--secret-store", "none"])
            .args(args)
            .env("AZURE_DEVOPS_EXT_PAT", self.sb.pat())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        let raw = stdout + &stderr;
        assert!(
            !raw.contains(self.sb.pat()),
            "the PAT is in the output: {raw}"
        );
        Run {
            exit: out.status.code().unwrap_or(-1),
            json,
            raw,
        }
    }

    /// `doctor` against a scenario organization's Payments Platform.
    fn scenario_org(&self, scenario: &str) -> Run {
        let org = self
            .sb
            .scenarios()
            .into_iter()
            .find(|s| s.name == scenario)
            .and_then(|s| s.organization)
            .unwrap_or_else(|| panic!("no scenario organization for {scenario}"));
        self.doctor(&["--org", &org, "--project", "Payments Platform"])
    }

    /// `doctor` against a Server collection URL.
    fn server(&self, base_url: &str, project: &str) -> Run {
        self.doctor(&[
            "--deployment",
            "server",
            "--base-url",
            base_url,
            "--project",
            project,
        ])
    }

    fn host_scenario(&self, name: &str) -> String {
        self.sb
            .host_scenarios()
            .into_iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("no host scenario {name}"))
            .url
    }
}

impl Run {
    fn check(&self, id: &str) -> &Value {
        self.json["checks"]
            .as_array()
            .unwrap_or_else(|| panic!("not doctor JSON: {}", self.raw))
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id}: {}", self.raw))
    }

    fn status(&self, id: &str) -> &str {
        self.check(id)["status"].as_str().unwrap()
    }

    fn message(&self, id: &str) -> &str {
        self.check(id)["message"].as_str().unwrap()
    }

    /// `id` failed with `code` and a fix, and doctor exited with `exit`.
    fn assert_fails(&self, id: &str, code: &str, exit: i32) {
        let c = self.check(id);
        assert_eq!(c["status"], "fail", "{id}: {}", self.raw);
        assert_eq!(c["code"], code, "{id}: {}", self.raw);
        assert!(
            !c["fix"].as_array().unwrap().is_empty(),
            "{id} has no fix: {}",
            self.raw
        );
        assert_eq!(self.exit, exit, "{}", self.raw);
    }

    /// The checks that failed.
    fn failed(&self) -> Vec<&str> {
        self.json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| c["id"].as_str().unwrap())
            .collect()
    }
}

#[test]
fn read_only_fails_scope_write() {
    let env = sandbox();
    let run = env.scenario_org("read-only");
    run.assert_fails("scope.write", "PROVIDER_SCOPE_UNAVAILABLE", 1);
    assert!(run.message("scope.write").contains("vso.work_write"));
    // Reads work: only the write failed.
    assert_eq!(run.status("auth.credentials"), "pass");
    assert_eq!(run.status("scope.read"), "pass");
    assert_eq!(run.failed(), ["scope.write"]);
}

#[test]
fn not_materialized_fails_auth_identity() {
    let env = sandbox();
    let run = env.scenario_org("not-materialized");
    run.assert_fails("auth.identity", "IDENTITY_NOT_MATERIALIZED", 1);
    assert!(run.message("auth.identity").contains("materialized"));
    assert_eq!(run.failed(), ["auth.identity"]);
}

#[test]
fn conditional_access_fails_auth_policy() {
    let env = sandbox();
    let run = env.scenario_org("conditional-access");
    run.assert_fails("auth.policy", "ORG_POLICY_BLOCKED", 1);
    assert!(run.message("auth.policy").contains("VS403463"));
    assert_eq!(run.failed(), ["auth.policy"]);
}

#[test]
fn expired_fails_auth_credentials() {
    let env = sandbox();
    let run = env.scenario_org("expired");
    run.assert_fails("auth.credentials", "PROVIDER_AUTH_REQUIRED", 4);
    assert_eq!(run.status("network.reachable"), "pass");
    assert_eq!(run.status("project.access"), "skip");
}

#[test]
fn no_permissions_fails_permission_project_admin() {
    let env = sandbox();
    let run = env.scenario_org("no-permissions");
    run.assert_fails("permission.project_admin", "PERMISSION_MISSING", 1);
    assert_eq!(run.status("project.access"), "pass");
    for id in ["permission.service_hooks", "permission.tags"] {
        assert_eq!(run.status(id), "fail", "{id}");
    }
}

#[test]
fn throttled_passes_after_waiting_out_the_429s() {
    let env = sandbox();
    let run = env.scenario_org("throttled");
    assert_eq!(run.exit, 0, "{}", run.raw);
    assert_eq!(run.json["summary"]["fail"], 0, "{}", run.raw);
    assert_eq!(run.status("mapping.dry_run"), "pass");
    // 429s were served, and each was retried and then answered: the
    // sandbox counts one 429 per distinct request, and served them all again.
    let throttled = env.sb.throttled_served();
    assert!(throttled >= 5, "{throttled} requests answered 429");
    assert!(
        env.sb.requests_served() >= 2 * throttled as u64,
        "{} requests for {throttled} throttled ones",
        env.sb.requests_served()
    );
}

#[test]
fn the_server_2019_collection_passes_at_api_version_5_0() {
    let env = sandbox();
    let url = env.sb.legacy_collection_url();
    for project in ["Claims Processing", "Branch Offices"] {
        let run = env.server(&url, project);
        assert_eq!(run.exit, 0, "{project}: {}", run.raw);
        assert_eq!(run.json["summary"]["fail"], 0, "{}", run.raw);
        assert_eq!(
            run.json["connection"]["provider_key"],
            "azure_devops_server"
        );
        let msg = run.message("auth.credentials");
        assert!(msg.contains("api-version 5.0"), "{msg}");
        for id in [
            "network.reachable",
            "project.access",
            "project.process",
            "scope.read",
            "scope.write",
            "permission.project_admin",
            "mapping.dry_run",
        ] {
            assert_eq!(run.status(id), "pass", "{project}: {id}: {}", run.raw);
        }
    }
}

#[test]
fn a_cross_host_redirect_is_blocked_and_names_both_hosts() {
    let env = sandbox();
    let run = env.server(&env.host_scenario("redirect"), "Quality Lab");
    assert_eq!(run.status("target.url"), "pass", "{}", run.raw);
    run.assert_fails("network.reachable", "PROVIDER_BASE_URL_BLOCKED", 1);
    let port = env.sb.addr().port();
    let msg = run.message("network.reachable");
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.contains(&format!("localhost:{port}")), "{msg}");
    // Nothing was sent on to the other host with credentials.
    assert_eq!(run.status("auth.credentials"), "skip", "{}", run.raw);
}

#[test]
fn a_host_that_is_not_azure_devops_is_blocked() {
    let env = sandbox();
    let run = env.server(&env.host_scenario("not-azure-devops"), "Quality Lab");
    assert_eq!(run.status("target.url"), "pass", "{}", run.raw);
    run.assert_fails("network.reachable", "PROVIDER_BASE_URL_BLOCKED", 1);
    assert_eq!(run.status("auth.credentials"), "skip", "{}", run.raw);
}

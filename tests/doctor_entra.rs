//! `ado-setup doctor NAME` for connections saved with Microsoft sign-in
//! (device code): the stored refresh token is exchanged silently for an
//! access token of the organization's tenant, renewed in the store, and the
//! directory and expiry checks report on it. The real binary against the
//! sandbox's Entra ID.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use ado_setup::ado::http::{ClientOptions, HttpClient};
use ado_setup::auth::{self, DEFAULT_CLIENT_ID, EntraApp};
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::store::secrets::SecretStore;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

const CONTOSO: &str = "f50b3664-ff5f-44cf-bb3e-31185eb08830";

struct Env {
    sb: Sandbox,
    rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions {
            approve_after: Duration::from_millis(100),
            ..SandboxOptions::default()
        }))
        .unwrap();
    Env {
        sb,
        rt,
        tmp: tempfile::tempdir().unwrap(),
    }
}

impl Env {
    fn dir(&self) -> std::path::PathBuf {
        self.tmp.path().join("config")
    }

    /// Signs in with the device code (the sandbox approves) and returns the
    /// refresh token.
    fn sign_in(&self) -> SecretString {
        let http = HttpClient::new(ClientOptions::default()).unwrap();
        let app = EntraApp {
            authority: Url::parse(&self.sb.authority_url()).unwrap(),
            client_id: DEFAULT_CLIENT_ID.into(),
        };
        self.rt.block_on(async {
            let code = auth::start_device_code(&http, &app, CONTOSO).await.unwrap();
            let t = auth::wait_for_tokens(&http, &app, &code).await.unwrap();
            t.refresh.unwrap()
        })
    }

    /// Saves a device-code connection to `org` with `secret` as its refresh token.
    fn save(&self, name: &str, org: &str, project: &str, secret: &SecretString) {
        let dir = self.dir();
        self.rt.block_on(support::save_signed_in(
            &dir,
            &self.sb.devops_url(),
            name,
            org,
            project,
            CONTOSO,
            secret,
        ));
    }

    fn stored(&self, name: &str) -> Option<String> {
        let dir = self.dir();
        self.rt.block_on(async {
            SecretStore::file(&dir)
                .get(name)
                .await
                .unwrap()
                .map(|s| s.expose_secret().to_string())
        })
    }

    fn doctor(&self, name: &str, pat_env: Option<&str>) -> (i32, Value, String) {
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.args(["doctor", name, "--json", "--config-dir"])
            .arg(self.dir());
        if let Some(p) = pat_env {
            cmd.env("AZURE_DEVOPS_EXT_PAT", p);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stdout + &stderr,
        )
    }
}

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {v}"))
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            out.push(format!("{}\n{text}", p.display()));
        }
    }
    out
}

#[test]
fn a_saved_microsoft_sign_in_is_refreshed_silently_and_renewed_in_the_store() {
    let env = env();
    let refresh = env.sign_in();
    env.save("payments", "contoso-agile", "Payments Platform", &refresh);
    // A PAT exported for other tools does not hide the sign-in under test.
    let (exit, v, raw) = env.doctor("payments", Some("not-the-credential"));
    assert_eq!(exit, 0, "{raw}");
    assert_eq!(check(&v, "auth.credentials")["status"], "pass");
    assert!(
        check(&v, "auth.credentials")["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft sign-in"),
        "{raw}"
    );
    assert_eq!(check(&v, "auth.directory")["status"], "pass", "{raw}");
    assert!(
        check(&v, "auth.directory")["message"]
            .as_str()
            .unwrap()
            .contains(CONTOSO)
    );
    assert_eq!(check(&v, "auth.expiry")["status"], "pass");
    // The refresh token renewed by Entra ID replaced the old one.
    let now = env.stored("payments").unwrap();
    assert!(!now.is_empty());
    assert_ne!(
        now,
        refresh.expose_secret(),
        "the store holds the renewed token"
    );
    // No token in any output or in any file but the secret store's.
    for secret in [refresh.expose_secret(), now.as_str()] {
        assert!(!raw.contains(secret), "a token is in the output");
    }
    for f in files_under(&env.dir()) {
        if f.contains("config.toml") {
            assert!(!f.contains(refresh.expose_secret()), "token in the config");
            assert!(!f.contains(&now), "token in the config");
        }
    }
    // Later runs work with the renewed token.
    let (exit, _, raw) = env.doctor("payments", None);
    assert_eq!(exit, 0, "{raw}");
}

#[test]
fn a_token_of_another_tenant_is_re_acquired_for_the_organizations() {
    let env = env();
    let refresh = env.sign_in();
    // Saved with the Contoso tenant; Fabrikam's organization needs a
    // Fabrikam token, which the same refresh token obtains (guest access).
    env.save("partners", "fabrikam-partners", "Joint Roadmap", &refresh);
    let (exit, v, raw) = env.doctor("partners", None);
    assert_eq!(check(&v, "auth.credentials")["status"], "pass", "{raw}");
    assert_eq!(check(&v, "auth.directory")["status"], "pass", "{raw}");
    assert!(
        check(&v, "auth.directory")["message"]
            .as_str()
            .unwrap()
            .contains("2e15abae-7f3a-40b1-bb30-3c7ffe57f959"),
        "{raw}"
    );
    assert_ne!(exit, 4, "{raw}");
}

#[test]
fn a_revoked_sign_in_asks_to_sign_in_again_with_exit_4() {
    let env = env();
    env.save(
        "payments",
        "contoso-agile",
        "Payments Platform",
        &SecretString::from("revoked-refresh-token".to_string()),
    );
    let (exit, v, raw) = env.doctor("payments", None);
    assert_eq!(exit, 4, "{raw}");
    let c = check(&v, "auth.credentials");
    assert_eq!(c["code"], "PROVIDER_AUTH_REQUIRED");
    assert!(
        c["fix"][0].as_str().unwrap().contains("ado-setup edit"),
        "{raw}"
    );
    assert!(!raw.contains("revoked-refresh-token"));
}

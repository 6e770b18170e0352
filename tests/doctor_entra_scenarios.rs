//! The sandbox's Microsoft sign-in scenarios end to end: a device code for a
//! scenario organization's tenant declined, expired, or refused for an
//! account of another directory (library level, `ado_setup::auth`), and
//! `ado-setup doctor NAME` (the real binary) for connections saved with
//! Microsoft sign-in to `scenario-wrong-directory` (`auth.directory`),
//! `scenario-expiring` (`auth.expiry`) and `scenario-not-materialized`
//! (`auth.identity`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use ado_setup::ado::http::{ClientOptions, HttpClient};
use ado_setup::auth::{
    self, Authority, DEFAULT_CLIENT_ID, EntraApp, EntraError, discover_authority,
};
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

const CONTOSO: &str = "f50b3664-ff5f-44cf-bb3e-31185eb08830";
const NORTHWIND: &str = "495893ac-20b1-4f08-898b-1e90dd4434b4";
const ADVENTURE_WORKS: &str = "0dbc0595-1a01-4d17-8abe-c175bb0cd8d5";

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

fn http() -> HttpClient {
    HttpClient::new(ClientOptions::default()).unwrap()
}

fn app(sb: &Sandbox) -> EntraApp {
    EntraApp {
        authority: Url::parse(&sb.authority_url()).unwrap(),
        client_id: DEFAULT_CLIENT_ID.into(),
    }
}

/// What doctor printed, for the failure messages.
struct Run {
    exit: i32,
    json: Value,
    raw: String,
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

    fn message(&self, id: &str) -> &str {
        self.check(id)["message"].as_str().unwrap_or("")
    }
}

impl Env {
    fn dir(&self) -> std::path::PathBuf {
        self.tmp.path().join("config")
    }

    /// The wizard's way in: the organization's tenant, discovered from its
    /// anonymous 401.
    fn tenant_of(&self, org: &str) -> String {
        let url = Url::parse(&format!("{}/{org}", self.sb.devops_url())).unwrap();
        let a = self
            .rt
            .block_on(discover_authority(&http(), &url, None))
            .unwrap();
        a.tenant_id()
            .unwrap_or_else(|| panic!("{org}: no tenant ({a:?})"))
            .to_string()
    }

    /// A device code sign-in for the organization's tenant, to the end.
    fn device_sign_in(&self, org: &str) -> Result<auth::Tokens, EntraError> {
        let tenant = self.tenant_of(org);
        let http = http();
        let app = app(&self.sb);
        self.rt.block_on(async {
            let code = auth::start_device_code(&http, &app, &tenant).await?;
            assert_eq!(code.tenant, tenant);
            auth::wait_for_tokens(&http, &app, &code).await
        })
    }

    /// Signs in at Contoso (the sandbox approves) and returns the refresh token.
    fn contoso_refresh_token(&self) -> SecretString {
        let http = http();
        let app = app(&self.sb);
        self.rt.block_on(async {
            let code = auth::start_device_code(&http, &app, CONTOSO).await.unwrap();
            let t = auth::wait_for_tokens(&http, &app, &code).await.unwrap();
            assert_eq!(t.tenant(), Some(CONTOSO));
            t.refresh.unwrap()
        })
    }

    /// Saves a device-code connection (tenant Contoso, as signed in) to
    /// `org`'s Payments Platform with `secret` as its refresh token.
    fn save(&self, name: &str, org: &str, secret: &SecretString) {
        let dir = self.dir();
        let project = "Payments Platform";
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

    fn doctor(&self, name: &str, extra: &[&str]) -> Run {
        self.run(&[&["doctor", name], extra].concat(), None)
    }

    /// `doctor --org ORG --project "Payments Platform"` with the full PAT.
    fn doctor_pat(&self, org: &str) -> Run {
        self.run(
            &[
                "doctor",
                "--org",
                org,
                "--project",
                "Payments Platform",
                "--secret-store",
                "none",
            ],
            Some(self.sb.pat()),
        )
    }

    fn run(&self, args: &[&str], pat: Option<&str>) -> Run {
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.args(args)
            .args(["--json", "--config-dir"])
            .arg(self.dir());
        if let Some(p) = pat {
            cmd.env("AZURE_DEVOPS_EXT_PAT", p);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        Run {
            exit: out.status.code().unwrap_or(-1),
            json,
            raw: stdout + &stderr,
        }
    }
}

// ---------------------------------------------------------------------------
// Device code sign-in (library level)
// ---------------------------------------------------------------------------

#[test]
fn a_declined_device_code_asks_to_sign_in_again() {
    let env = env();
    let e = env.device_sign_in("scenario-device-declined").unwrap_err();
    assert_eq!(e.problem.code, "PROVIDER_AUTH_REQUIRED", "{e:?}");
    assert!(e.problem.message.contains("declined"), "{e:?}");
    assert!(!e.problem.fix.is_empty());
    assert!(!e.is_wrong_directory());
}

#[test]
fn an_expired_device_code_asks_to_sign_in_again() {
    let env = env();
    // The sandbox's code lives 3 s here: the server's expired_token ends
    // the wait, not the client's own clock.
    let e = env.device_sign_in("scenario-device-expired").unwrap_err();
    assert_eq!(e.problem.code, "PROVIDER_AUTH_REQUIRED", "{e:?}");
    assert!(e.problem.message.contains("expired"), "{e:?}");
    assert!(!e.problem.fix.is_empty());
}

#[test]
fn a_device_code_for_a_directory_the_account_is_not_in_is_a_wrong_directory() {
    let env = env();
    assert_eq!(env.tenant_of("scenario-wrong-directory"), NORTHWIND);
    let e = env.device_sign_in("scenario-wrong-directory").unwrap_err();
    assert_eq!(e.problem.code, "AUTH_WRONG_DIRECTORY", "{e:?}");
    assert!(e.is_wrong_directory());
    assert_eq!(e.aadsts, Some(50020));
    assert!(e.problem.message.contains("Northwind Traders"), "{e:?}");
    assert!(!e.problem.fix.is_empty());
}

#[test]
fn the_other_sign_in_scenario_tenants_sign_in_normally() {
    let env = env();
    assert_eq!(
        env.rt
            .block_on(discover_authority(
                &http(),
                &Url::parse(&format!("{}/scenario-expiring", env.sb.devops_url())).unwrap(),
                None
            ))
            .unwrap(),
        Authority::Tenant(ADVENTURE_WORKS.into())
    );
    let t = env.device_sign_in("scenario-expiring").unwrap();
    assert_eq!(t.tenant(), Some(ADVENTURE_WORKS));
    assert_eq!(t.refresh_expires_in, Some(432_000));
    // The refresh token grant of a declined tenant works (only device
    // codes are declined there).
    let rt = env.contoso_refresh_token();
    let woodgrove = env.tenant_of("scenario-device-declined");
    let t = env
        .rt
        .block_on(auth::refresh(&http(), &app(&env.sb), &woodgrove, &rt))
        .unwrap();
    assert_eq!(t.tenant(), Some(woodgrove.as_str()));
    assert_eq!(t.refresh_expires_in, None);
    let e = env
        .rt
        .block_on(auth::refresh(&http(), &app(&env.sb), NORTHWIND, &rt))
        .unwrap_err();
    assert!(e.is_wrong_directory(), "{e:?}");
}

// ---------------------------------------------------------------------------
// doctor NAME with a saved Microsoft sign-in
// ---------------------------------------------------------------------------

#[test]
fn doctor_reports_a_wrong_directory_naming_both_tenants() {
    let env = env();
    let refresh = env.contoso_refresh_token();
    env.save("northwind", "scenario-wrong-directory", &refresh);
    let run = env.doctor("northwind", &[]);
    eprintln!("{}", run.raw);
    assert_eq!(run.exit, 1, "{}", run.raw);
    let c = run.check("auth.directory");
    assert_eq!(c["status"], "fail", "{}", run.raw);
    assert_eq!(c["code"], "AUTH_WRONG_DIRECTORY");
    let msg = run.message("auth.directory");
    assert!(msg.contains(CONTOSO), "the token's tenant: {msg}");
    assert!(msg.contains(NORTHWIND), "the organization's tenant: {msg}");
    assert!(!c["fix"].as_array().unwrap().is_empty());
    assert_eq!(run.check("auth.credentials")["status"], "pass");
    for id in ["auth.identity", "auth.policy", "auth.expiry"] {
        assert_eq!(run.check(id)["status"], "skip", "{id}: {}", run.raw);
    }
    assert!(!run.raw.contains(refresh.expose_secret()));
}

#[test]
fn doctor_warns_of_a_sign_in_about_to_expire_and_strict_fails_on_it() {
    let env = env();
    let refresh = env.contoso_refresh_token();
    env.save("adventure", "scenario-expiring", &refresh);
    let run = env.doctor("adventure", &[]);
    eprintln!("{}", run.raw);
    assert_eq!(run.exit, 0, "{}", run.raw);
    let c = run.check("auth.expiry");
    assert_eq!(c["status"], "warn", "{}", run.raw);
    assert_eq!(c["code"], "CREDENTIAL_EXPIRING");
    assert!(run.message("auth.expiry").contains('5'), "{}", run.raw);
    assert!(!c["fix"].as_array().unwrap().is_empty());
    assert_eq!(run.check("auth.directory")["status"], "pass");
    assert!(run.message("auth.directory").contains(ADVENTURE_WORKS));
    let fails: Vec<&Value> = run.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert!(fails.is_empty(), "{fails:?}");
    // The renewed refresh token was stored; --strict fails on the warning.
    let strict = env.doctor("adventure", &["--strict"]);
    assert_eq!(strict.exit, 1, "{}", strict.raw);
    assert_eq!(strict.check("auth.expiry")["code"], "CREDENTIAL_EXPIRING");
}

#[test]
fn doctor_reports_an_identity_not_materialized_for_a_microsoft_sign_in() {
    let env = env();
    let refresh = env.contoso_refresh_token();
    env.save("unmaterialized", "scenario-not-materialized", &refresh);
    let run = env.doctor("unmaterialized", &[]);
    eprintln!("{}", run.raw);
    assert_eq!(run.exit, 1, "{}", run.raw);
    let c = run.check("auth.identity");
    assert_eq!(c["status"], "fail", "{}", run.raw);
    assert_eq!(c["code"], "IDENTITY_NOT_MATERIALIZED");
    assert!(!c["fix"].as_array().unwrap().is_empty());
    assert_eq!(run.check("auth.credentials")["status"], "pass");
    assert_eq!(run.check("auth.directory")["status"], "pass");
}

#[test]
fn doctor_with_the_full_pat_is_refused_where_avery_is_not_a_member_only() {
    let env = env();
    let run = env.doctor_pat("scenario-wrong-directory");
    eprintln!("{}", run.raw);
    assert_eq!(run.exit, 4, "{}", run.raw);
    let c = run.check("auth.credentials");
    assert_eq!(c["status"], "fail", "{}", run.raw);
    assert_eq!(c["code"], "PROVIDER_AUTH_REQUIRED");
    assert!(!run.raw.contains(env.sb.pat()));
    // The sign-in scenarios act on Microsoft sign-in only: the PAT passes.
    for org in [
        "scenario-device-declined",
        "scenario-device-expired",
        "scenario-expiring",
    ] {
        let run = env.doctor_pat(org);
        assert_eq!(run.exit, 0, "{org}: {}", run.raw);
        assert_eq!(run.check("auth.expiry")["status"], "skip", "{org}");
    }
}

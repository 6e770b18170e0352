//! Unattended sign-in end to end (issue 10): the real binary against the
//! sandbox, with a managed identity (the sandbox's instance metadata
//! endpoint), a service principal (client secret and certificate) and the
//! Azure CLI (a stand-in `az` script on PATH). Each method: token acquired,
//! connection saved, `doctor` passes on it later; and the unavailable cases
//! (no metadata endpoint, `az` missing or signed out, a service principal
//! not added to the organization, a managed identity without access) say
//! what is wrong and what to do.
//!
//! Every endpoint is on loopback: `ADO_SETUP_IMDS_URL` always points at the
//! sandbox (or at a loopback port where nothing answers), so no test ever
//! asks 169.254.169.254.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::run::{Run, files_with};

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use ado_setup::sandbox::{Sandbox, SandboxApp, SandboxOptions};
use secrecy::ExposeSecret;
use serde_json::Value;

const CONTOSO_TENANT: &str = "f50b3664-ff5f-44cf-bb3e-31185eb08830";
const AGILE: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

struct Env {
    sb: Sandbox,
    rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
    /// `ADO_SETUP_IMDS_URL` for the runs (default: the sandbox's).
    imds: String,
    /// `PATH` for the runs (default: the test's, with the stand-in dir first).
    path: Option<String>,
    extra_env: Vec<(String, String)>,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions {
            approve_after: Duration::from_millis(200),
            ..SandboxOptions::default()
        }))
        .unwrap();
    let imds = sb.imds_url();
    Env {
        sb,
        rt,
        tmp: tempfile::tempdir().unwrap(),
        imds,
        path: None,
        extra_env: Vec::new(),
    }
}

impl Env {
    fn dir(&self) -> PathBuf {
        self.tmp.path().join("config")
    }

    fn bin(&self) -> PathBuf {
        self.tmp.path().join("bin")
    }

    fn app(&self, name: &str) -> SandboxApp {
        self.sb
            .apps()
            .into_iter()
            .find(|a| a.name.starts_with(name))
            .unwrap()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.arg("--config-dir")
            .arg(self.dir())
            .arg("--secret-store")
            .arg("file")
            .args(args)
            .env("ADO_SETUP_IMDS_URL", &self.imds)
            .env("LANG", "C.UTF-8")
            .env("XDG_STATE_HOME", self.tmp.path().join("state"))
            .env_remove("AZURE_CLIENT_SECRET");
        let path = match &self.path {
            Some(p) => p.clone(),
            None => format!(
                "{}:{}",
                self.bin().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        };
        cmd.env("PATH", path);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        support::run::run(self.cmd(args), stdin)
    }

    /// `connect --non-interactive --json ARGS` on contoso-agile / Payments Platform.
    fn connect(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut all = vec!["connect", "--non-interactive", "--json"];
        all.extend_from_slice(AGILE);
        all.extend_from_slice(args);
        self.run(&all, stdin)
    }

    fn doctor(&self, name: &str) -> Run {
        self.run(&["doctor", name, "--json"], None)
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.dir().join("config.toml")).unwrap_or_default()
    }

    /// The one saved connection's table, as TOML.
    fn saved(&self) -> toml::Value {
        let v: toml::Value = toml::from_str(&self.config_text()).unwrap();
        v["connection"][0].clone()
    }

    /// Writes the `az` stand-in: `stdout` with exit 0, or `stderr` with
    /// exit 1. It records its arguments in `bin/az-args`.
    fn az(&self, stdout: Option<&str>, stderr: Option<&str>) {
        std::fs::create_dir_all(self.bin()).unwrap();
        let args = self.bin().join("az-args");
        let mut script = format!("#!/bin/sh\necho \"$@\" > '{}'\n", args.display());
        // Single-quoted for sh: ' becomes '\''.
        let quote = |t: &str| format!("'{}'", t.replace('\'', "'\\''"));
        if let Some(out) = stdout {
            script.push_str(&format!("printf '%s\\n' {}\nexit 0\n", quote(out)));
        }
        if let Some(err) = stderr {
            script.push_str(&format!("printf '%s\\n' {} >&2\nexit 1\n", quote(err)));
        }
        let path = self.bin().join("az");
        std::fs::write(&path, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    fn az_args(&self) -> String {
        std::fs::read_to_string(self.bin().join("az-args")).unwrap_or_default()
    }

    /// A real access token of Avery (a device-code sign-in at the sandbox),
    /// what `az` would hand out after `az login`.
    fn user_token(&self) -> String {
        use ado_setup::ado::http::{ClientOptions, HttpClient};
        use ado_setup::auth::{DEFAULT_CLIENT_ID, EntraApp, start_device_code, wait_for_tokens};
        let http = HttpClient::new(ClientOptions::default()).unwrap();
        let app = EntraApp {
            authority: url::Url::parse(&self.sb.authority_url()).unwrap(),
            client_id: DEFAULT_CLIENT_ID.to_string(),
        };
        self.rt.block_on(async {
            let code = start_device_code(&http, &app, CONTOSO_TENANT)
                .await
                .map_err(|e| e.problem)
                .unwrap();
            let tokens = wait_for_tokens(&http, &app, &code)
                .await
                .map_err(|e| e.problem)
                .unwrap();
            tokens.access.expose_secret().to_string()
        })
    }
}

fn assert_passed(run: &Run) {
    assert_eq!(run.exit, 0, "{}", run.all());
    let v = run.json();
    assert_eq!(v["summary"]["fail"], 0, "{}", run.stdout);
}

// ─── Managed identity ───────────────────────────────────────────────────────

#[test]
fn a_managed_identity_connection_is_saved_without_a_secret_and_doctor_passes() {
    let env = env();
    let run = env.connect(
        &["--auth", "managed-identity", "--name", "payments-mi"],
        None,
    );
    assert_passed(&run);
    let v = run.json();
    assert_eq!(v["saved"], true);
    assert_eq!(v["connection"]["auth_method"], "managed_identity");
    assert_eq!(v["secret_store"], "nowhere: nothing secret is stored");
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"]
            .as_str()
            .unwrap()
            .contains("managed identity, system-assigned"),
        "{cred}"
    );
    assert!(
        cred["message"]
            .as_str()
            .unwrap()
            .contains("payments-integration (managed identity)"),
        "{cred}"
    );
    assert_eq!(run.check("auth.directory")["status"], "pass");
    assert_eq!(run.check("auth.expiry")["status"], "pass");
    assert_eq!(run.check("storage.secret")["status"], "skip");

    // Saved: the method, the org's tenant, no client id (system-assigned),
    // no secret reference; nothing in a secret store.
    let c = env.saved();
    assert_eq!(c["auth_method"].as_str(), Some("managed_identity"));
    assert_eq!(c["tenant_id"].as_str(), Some(CONTOSO_TENANT));
    assert!(c.get("client_id").is_none(), "{c}");
    assert!(c.get("secret_ref").is_none(), "{c}");
    assert!(!env.dir().join("secrets.toml").exists());

    // Later, doctor re-acquires a token from the metadata endpoint.
    let run = env.doctor("payments-mi");
    assert_passed(&run);
    assert_eq!(run.json()["connection"]["auth_method"], "managed_identity");
    let secret = run.check("storage.secret");
    assert!(
        secret["message"]
            .as_str()
            .unwrap()
            .contains("nothing secret is stored"),
        "{secret}"
    );
    // And the plain checklist.
    let run = env.run(&["doctor", "payments-mi", "--plain"], None);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(
        run.stdout.contains("[ OK ] auth.credentials"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_managed_identity_without_access_to_the_organization_says_how_to_add_it() {
    let env = env();
    let agent = env.app("reporting-agent");
    assert!(agent.organizations.is_empty());
    let run = env.connect(
        &[
            "--auth",
            "managed-identity",
            "--client-id",
            &agent.client_id,
        ],
        None,
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    assert_eq!(run.json()["saved"], false);
    let cred = run.check("auth.credentials");
    assert_eq!(cred["status"], "fail");
    assert_eq!(cred["code"], "PROVIDER_AUTH_REQUIRED");
    let message = cred["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "the managed identity ({}) has no access to this organization",
            agent.client_id
        )),
        "{message}"
    );
    assert!(message.contains("TF400813"), "{message}");
    let fix = cred["fix"].to_string();
    assert!(
        fix.contains("Organization Settings › Users › Add users"),
        "{fix}"
    );
    assert!(fix.contains(&agent.client_id), "{fix}");
    assert!(env.config_text().is_empty(), "nothing saved");

    // A client id no identity of this machine has.
    let run = env.connect(
        &[
            "--auth",
            "managed-identity",
            "--client-id",
            "00000000-1111-2222-3333-444444444444",
        ],
        None,
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"].as_str().unwrap().contains(
            "no managed identity with client id 00000000-1111-2222-3333-444444444444 is assigned to this machine"
        ),
        "{cred}"
    );
}

#[test]
fn no_metadata_endpoint_means_managed_identity_is_unavailable() {
    let mut env = env();
    // Nothing listens on this loopback port (bound, so nobody else can).
    let (_dead, dead_addr) = support::proxy::dead_port();
    env.imds = format!("http://{dead_addr}");
    let run = env.connect(&["--auth", "managed-identity"], None);
    assert_eq!(run.exit, 4, "{}", run.all());
    assert!(
        run.stderr.contains("PROVIDER_AUTH_REQUIRED: managed identity is not available here: no instance metadata endpoint answered at"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--auth service-principal"),
        "{}",
        run.stderr
    );
    assert!(env.config_text().is_empty());

    // An endpoint that accepts connections but never answers: the probe
    // gives up after about a second.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    env.imds = format!("http://{}", silent.local_addr().unwrap());
    let run = env.connect(&["--auth", "managed-identity"], None);
    assert_eq!(run.exit, 4, "{}", run.all());
    assert!(run.stderr.contains("within 1 s"), "{}", run.stderr);
    drop(silent);

    // doctor, ad hoc: the same clear message.
    let run = env.run(
        &[
            "doctor",
            "--org",
            "contoso-agile",
            "--project",
            "Payments Platform",
            "--auth",
            "managed-identity",
        ],
        None,
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    assert!(
        run.stderr
            .contains("managed identity is not available here"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_saved_managed_identity_off_azure_fails_auth_credentials_with_the_reason() {
    let mut env = env();
    let run = env.connect(
        &["--auth", "managed-identity", "--name", "payments-mi"],
        None,
    );
    assert_passed(&run);
    let (_closed, closed) = support::proxy::dead_port();
    env.imds = format!("http://{closed}");
    let run = env.doctor("payments-mi");
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert_eq!(cred["code"], "PROVIDER_AUTH_REQUIRED");
    assert!(
        cred["message"]
            .as_str()
            .unwrap()
            .contains("no managed identity endpoint answered at"),
        "{cred}"
    );
}

#[test]
fn managed_identity_is_for_services_only() {
    let env = env();
    let run = env.run(
        &[
            "connect",
            "--non-interactive",
            "--deployment",
            "server",
            "--base-url",
            &env.sb.collection_url(),
            "--project",
            "x",
            "--auth",
            "managed-identity",
        ],
        None,
    );
    assert_eq!(run.exit, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("--auth managed-identity is for Azure DevOps Services"),
        "{}",
        run.stderr
    );
}

// ─── Service principal ──────────────────────────────────────────────────────

#[test]
fn a_service_principal_with_a_secret_on_stdin_is_saved_and_doctor_passes() {
    let env = env();
    let sp = env.app("payments-sync");
    let secret = sp.secret.clone().unwrap();
    let run = env.connect(
        &[
            "--auth",
            "service-principal",
            "--tenant",
            "contoso.example",
            "--client-id",
            &sp.client_id,
            "--secret-stdin",
            "--name",
            "payments-sp",
        ],
        Some(&secret),
    );
    assert_passed(&run);
    assert_eq!(run.json()["connection"]["auth_method"], "service_principal");
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"].as_str().unwrap().contains(&format!(
            "service principal {}, client secret",
            sp.client_id
        )),
        "{cred}"
    );
    assert_eq!(run.check("auth.expiry")["status"], "skip");

    let c = env.saved();
    assert_eq!(c["auth_method"].as_str(), Some("service_principal"));
    assert_eq!(c["client_id"].as_str(), Some(sp.client_id.as_str()));
    assert_eq!(c["tenant_id"].as_str(), Some(CONTOSO_TENANT));
    assert_eq!(c["secret_ref"]["store"].as_str(), Some("file"));
    // The secret: never printed; only in the secret store.
    assert!(!run.all().contains(&secret));
    let hits = files_with(env.tmp.path(), &secret);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");

    // Later: the secret comes from the store.
    let run = env.doctor("payments-sp");
    assert_passed(&run);
    assert_eq!(run.check("storage.secret")["status"], "pass");
    assert!(!run.all().contains(&secret));
}

#[test]
fn a_service_principal_secret_from_the_environment_and_the_orgs_tenant() {
    let mut env = env();
    let sp = env.app("payments-sync");
    env.extra_env = vec![("AZURE_CLIENT_SECRET".into(), sp.secret.clone().unwrap())];
    // No --tenant: the organization's (discovered) is asked.
    let run = env.connect(
        &["--auth", "service-principal", "--client-id", &sp.client_id],
        None,
    );
    assert_passed(&run);
    assert_eq!(env.saved()["tenant_id"].as_str(), Some(CONTOSO_TENANT));
    // Ad hoc doctor too.
    let mut args = vec!["doctor", "--json", "--auth", "service-principal"];
    args.extend(["--client-id", &sp.client_id]);
    args.extend(AGILE);
    let run = env.run(&args, None);
    assert_passed(&run);
}

#[test]
fn a_service_principal_not_added_to_the_organization_is_told_where_to_add_it() {
    let env = env();
    let sp = env.app("reporting-exporter");
    assert!(sp.organizations.is_empty());
    let run = env.connect(
        &[
            "--auth",
            "service-principal",
            "--tenant",
            CONTOSO_TENANT,
            "--client-id",
            &sp.client_id,
            "--secret-stdin",
        ],
        sp.secret.as_deref(),
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert_eq!(cred["code"], "PROVIDER_AUTH_REQUIRED");
    let message = cred["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "the service principal {} is not a member of this organization",
            sp.client_id
        )),
        "{message}"
    );
    let fix = cred["fix"].to_string();
    assert!(
        fix.contains("Add the service principal to the organization: Organization Settings › Users › Add users"),
        "{fix}"
    );
    assert!(env.config_text().is_empty());
    assert!(files_with(env.tmp.path(), sp.secret.as_deref().unwrap()).is_empty());
}

#[test]
fn service_principal_credential_failures_are_specific() {
    let env = env();
    let sp = env.app("payments-sync");
    let base = [
        "--auth",
        "service-principal",
        "--tenant",
        CONTOSO_TENANT,
        "--client-id",
        sp.client_id.as_str(),
    ];

    // A wrong secret.
    let run = env.connect(
        &[&base[..], &["--secret-stdin"]].concat(),
        Some("not-the-secret"),
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"].as_str().unwrap().contains(&format!(
            "the client secret of the service principal {} was refused: AADSTS7000215",
            sp.client_id
        )),
        "{cred}"
    );
    assert!(cred["fix"].to_string().contains("Value, not its Secret ID"));
    assert!(!run.all().contains("not-the-secret"));

    // No credential at all.
    let run = env.connect(&base, None);
    assert_eq!(run.exit, 4, "{}", run.all());
    assert!(
        run.stderr
            .contains("no credential for the service principal: pipe its client secret with --secret-stdin, set AZURE_CLIENT_SECRET, or pass --certificate PEM"),
        "{}",
        run.stderr
    );

    // An app of another directory.
    let run = env.connect(
        &[
            "--auth",
            "service-principal",
            "--tenant",
            "fabrikam.example",
            "--client-id",
            &sp.client_id,
            "--secret-stdin",
        ],
        sp.secret.as_deref(),
    );
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"].as_str().unwrap().contains(&format!(
            "no application with client id {} in tenant fabrikam.example",
            sp.client_id
        )),
        "{cred}"
    );

    // No client id: an input error.
    let run = env.connect(
        &["--auth", "service-principal", "--secret-stdin"],
        Some("x"),
    );
    assert_eq!(run.exit, 2, "{}", run.all());
    assert!(run.stderr.contains("--client-id APP_ID"), "{}", run.stderr);
}

#[test]
fn a_service_principal_with_a_certificate_signs_a_client_assertion() {
    let env = env();
    let sp = env.app("payments-sync");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["payments-sync".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pem_path = env.tmp.path().join("payments-sync.pem");
    std::fs::write(&pem_path, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
    let pem_arg = pem_path.display().to_string();
    let args = [
        "--auth",
        "service-principal",
        "--tenant",
        CONTOSO_TENANT,
        "--client-id",
        sp.client_id.as_str(),
        "--certificate",
        pem_arg.as_str(),
    ];

    // Not (yet) uploaded to the app: refused, with where to upload it.
    let run = env.connect(&args, None);
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"].as_str().unwrap().contains(&format!(
            "the certificate of the service principal {} was refused: AADSTS700027",
            sp.client_id
        )),
        "{cred}"
    );
    assert!(
        cred["fix"]
            .to_string()
            .contains("Certificates & secrets › Certificates")
    );

    env.sb
        .trust_certificate(&sp.client_id, &cert.pem())
        .unwrap();
    let run = env.connect(&[&args[..], &["--name", "payments-cert"]].concat(), None);
    assert_passed(&run);
    let expiry = run.check("auth.expiry");
    assert_eq!(expiry["status"], "pass", "{expiry}");
    assert!(
        expiry["message"]
            .as_str()
            .unwrap()
            .contains("certificate is valid for"),
        "{expiry}"
    );
    // The private key is kept as the secret, in the store only.
    let key_line = key.serialize_pem().lines().nth(1).unwrap().to_string();
    let hits = files_with(&env.dir(), &key_line);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");
    assert!(!run.all().contains(&key_line));

    // Later, without the PEM file: the store has it.
    std::fs::remove_file(&pem_path).unwrap();
    let run = env.doctor("payments-cert");
    assert_passed(&run);
}

// ─── Azure CLI ──────────────────────────────────────────────────────────────

#[test]
fn an_azure_cli_sign_in_is_reused_saved_without_a_secret_and_doctor_passes() {
    let env = env();
    let token = env.user_token();
    env.az(
        Some(&format!(
            r#"{{"accessToken": "{token}", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "subscription": "5f2b1e3c-0000-0000-0000-000000000001", "tenant": "{CONTOSO_TENANT}", "tokenType": "Bearer"}}"#
        )),
        None,
    );
    let run = env.connect(&["--auth", "azure-cli", "--name", "payments-az"], None);
    assert_passed(&run);
    assert_eq!(run.json()["connection"]["auth_method"], "azure_cli");
    assert!(
        run.check("auth.credentials")["message"]
            .as_str()
            .unwrap()
            .contains("Azure CLI sign-in"),
        "{}",
        run.stdout
    );
    assert_eq!(run.check("auth.expiry")["status"], "pass");
    // az was asked for Azure DevOps in the organization's tenant, and was
    // given nothing secret.
    let args = env.az_args();
    assert!(
        args.contains("account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798"),
        "{args}"
    );
    assert!(
        args.contains(&format!("--tenant {CONTOSO_TENANT}")),
        "{args}"
    );

    let c = env.saved();
    assert_eq!(c["auth_method"].as_str(), Some("azure_cli"));
    assert!(c.get("secret_ref").is_none(), "{c}");
    // (Only the stand-in script itself holds it.)
    assert!(
        files_with(&env.dir(), &token).is_empty(),
        "the token is not kept"
    );
    assert!(files_with(&env.tmp.path().join("state"), &token).is_empty());
    assert!(!run.all().contains(&token));

    // Later: az is asked again.
    std::fs::remove_file(env.bin().join("az-args")).unwrap();
    let run = env.doctor("payments-az");
    assert_passed(&run);
    assert!(!env.az_args().is_empty(), "az ran");

    // The az sign-in expired: doctor says so, and what to run.
    env.az(
        None,
        Some(
            "ERROR: AADSTS700082: The refresh token has expired due to inactivity. Interactive authentication is needed. Please run: az login --scope 499b84ac-1321-427f-aa17-267ca6975798/.default",
        ),
    );
    let run = env.doctor("payments-az");
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert_eq!(cred["code"], "PROVIDER_AUTH_REQUIRED");
    assert!(
        cred["message"]
            .as_str()
            .unwrap()
            .starts_with("the Azure CLI's sign-in has expired: AADSTS700082"),
        "{cred}"
    );
    assert!(
        cred["fix"]
            .to_string()
            .contains(&format!("Run `az login --tenant {CONTOSO_TENANT}`")),
        "{cred}"
    );
}

#[test]
fn azure_cli_signed_out_or_missing_is_said_clearly() {
    let mut env = env();
    env.az(None, Some("ERROR: Please run 'az login' to setup account."));
    let run = env.connect(&["--auth", "azure-cli"], None);
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert!(
        cred["message"]
            .as_str()
            .unwrap()
            .contains("the Azure CLI is not signed in: Please run 'az login' to setup account."),
        "{cred}"
    );
    assert!(cred["fix"].to_string().contains("Run `az login"), "{cred}");
    assert!(env.config_text().is_empty());

    // No az anywhere on PATH.
    let empty = env.tmp.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    env.path = Some(empty.display().to_string());
    let run = env.connect(&["--auth", "azure-cli"], None);
    assert_eq!(run.exit, 4, "{}", run.all());
    let cred = run.check("auth.credentials");
    assert_eq!(
        cred["message"].as_str().unwrap(),
        "the Azure CLI (az) is not installed, or not on PATH"
    );
    assert!(
        cred["fix"]
            .to_string()
            .contains("https://learn.microsoft.com/cli/azure/install-azure-cli"),
        "{cred}"
    );
}

#[test]
fn an_azure_cli_token_of_another_directory_fails_auth_directory() {
    let env = env();
    // A token whose tid is not the organization's: a Fabrikam sign-in.
    let token = {
        use ado_setup::ado::http::{ClientOptions, HttpClient};
        use ado_setup::auth::{DEFAULT_CLIENT_ID, EntraApp, start_device_code, wait_for_tokens};
        let http = HttpClient::new(ClientOptions::default()).unwrap();
        let app = EntraApp {
            authority: url::Url::parse(&env.sb.authority_url()).unwrap(),
            client_id: DEFAULT_CLIENT_ID.to_string(),
        };
        env.rt.block_on(async {
            let code = start_device_code(&http, &app, "fabrikam.example")
                .await
                .map_err(|e| e.problem)
                .unwrap();
            let t = wait_for_tokens(&http, &app, &code)
                .await
                .map_err(|e| e.problem)
                .unwrap();
            t.access.expose_secret().to_string()
        })
    };
    env.az(
        Some(&format!(
            r#"{{"accessToken": "{token}", "tokenType": "Bearer"}}"#
        )),
        None,
    );
    let run = env.connect(&["--auth", "azure-cli"], None);
    assert_eq!(run.exit, 1, "{}", run.all());
    let dir = run.check("auth.directory");
    assert_eq!(dir["code"], "AUTH_WRONG_DIRECTORY");
    assert!(
        dir["message"]
            .as_str()
            .unwrap()
            .contains(&format!("the organization is in tenant {CONTOSO_TENANT}")),
        "{dir}"
    );
    assert!(
        dir["fix"]
            .to_string()
            .contains(&format!("az login --tenant {CONTOSO_TENANT}")),
        "{dir}"
    );
}

// ─── The sandbox's side ─────────────────────────────────────────────────────

#[test]
fn the_sandbox_metadata_endpoint_answers_like_imds() {
    let env = env();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let token_url = format!("{}/metadata/identity/oauth2/token", env.sb.imds_url());
    let get = |query: &str, metadata: bool| {
        let mut rb = client.get(format!("{token_url}?{query}"));
        if metadata {
            rb = rb.header("Metadata", "true");
        }
        env.rt.block_on(async {
            let r = rb.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    };
    let resource = "resource=499b84ac-1321-427f-aa17-267ca6975798";
    // Without the header (what the availability probe sends): 400.
    let (status, body) = get(&format!("api-version=2018-02-01&{resource}"), false);
    assert_eq!(status, 400);
    assert_eq!(
        body["error_description"],
        "Required metadata header not specified"
    );
    let (status, body) = get("api-version=2018-02-01", true);
    assert_eq!(status, 400);
    assert_eq!(
        body["error_description"],
        "Required audience parameter not specified"
    );
    // The system-assigned identity.
    let (status, body) = get(&format!("api-version=2018-02-01&{resource}"), true);
    assert_eq!(status, 200, "{body}");
    let mi = env.app("payments-integration");
    assert!(mi.system_assigned);
    assert_eq!(body["client_id"], mi.client_id.as_str());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "86399");
    assert!(body["expires_on"].as_str().unwrap().parse::<u64>().is_ok());
    let claims =
        ado_setup::ado::models::decode_jwt_claims(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.tid.as_deref(), Some(CONTOSO_TENANT));
    assert_eq!(claims.appid.as_deref(), Some(mi.client_id.as_str()));
    assert!(claims.upn.is_none() && claims.name.is_none());
    assert_eq!(mi.organizations, ["contoso-agile"]);
    // A user-assigned one by client id; an unknown one.
    let agent = env.app("reporting-agent");
    let (status, body) = get(
        &format!(
            "api-version=2018-02-01&{resource}&client_id={}",
            agent.client_id
        ),
        true,
    );
    assert_eq!(status, 200);
    assert_eq!(body["client_id"], agent.client_id.as_str());
    let (status, body) = get(
        &format!(
            "api-version=2018-02-01&{resource}&client_id=00000000-0000-0000-0000-000000000001"
        ),
        true,
    );
    assert_eq!(status, 400);
    assert_eq!(body["error_description"], "Identity not found");
}

#[test]
fn the_sandbox_client_credentials_grant_needs_the_apps_tenant_and_default_scope() {
    let env = env();
    let sp = env.app("payments-sync");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let post = |tenant: &str, form: &[(&str, &str)]| {
        let url = format!("{}/{tenant}/oauth2/v2.0/token", env.sb.authority_url());
        env.rt.block_on(async {
            let r = client.post(url).form(form).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        })
    };
    let secret = sp.secret.clone().unwrap();
    let ok = [
        ("grant_type", "client_credentials"),
        ("client_id", sp.client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
    ];
    let (status, body) = post(CONTOSO_TENANT, &ok);
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none());
    let (status, body) = post("organizations", &ok);
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 50059);
    let (status, body) = post("fabrikam.example", &ok);
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 700016);
    let mut bad_scope = ok;
    bad_scope[3].1 = "499b84ac-1321-427f-aa17-267ca6975798/user_impersonation";
    let (status, body) = post(CONTOSO_TENANT, &bad_scope);
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
    let (status, body) = post(CONTOSO_TENANT, &[ok[0], ok[1], ok[3]]);
    assert_eq!(status, 401);
    assert_eq!(body["error_codes"][0], 7000218);
}

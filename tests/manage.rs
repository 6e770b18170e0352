//! `list`, `show`, `remove`, `export` end to end: the real binary on a
//! temporary config dir with the file secret store; the secret in no output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ado_setup::store::config::{
    AuthMethod, ConfigStore, Connection, ConnectionUser, DeploymentMode, ProviderKey,
};
use ado_setup::store::secrets::SecretStore;
use serde_json::Value;

const PAYMENTS_PAT: &str = "pat-payments-8d1f0c7e2b";
const LEGACY_PAT: &str = "pat-legacy-5a9e31d4c6";

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fixture {
    fn empty() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("config");
        Fixture { _tmp: tmp, dir }
    }

    /// Two connections saved the way the wizard does: the secret in the file
    /// store, the settings in config.toml.
    fn two() -> Self {
        let f = Self::empty();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let secrets = SecretStore::file(&f.dir);
            for (name, pat) in [("payments", PAYMENTS_PAT), ("legacy-crm", LEGACY_PAT)] {
                secrets
                    .set(name, &secrecy::SecretString::from(pat))
                    .await
                    .unwrap();
            }
            let store = ConfigStore::open(&f.dir);
            let mut config = store.load().unwrap();
            config
                .insert(Connection {
                    name: "payments".into(),
                    provider_key: ProviderKey::AzureDevopsServices,
                    deployment_mode: DeploymentMode::Cloud,
                    organization: Some("contoso-agile".into()),
                    base_url: "https://dev.azure.com/contoso-agile".into(),
                    api_version: "7.1".into(),
                    auth_method: AuthMethod::Pat,
                    user: Some(ConnectionUser {
                        display_name: "Avery Lindqvist".into(),
                        sign_in: Some("avery.lindqvist@contoso.example".into()),
                    }),
                    project: "Payments Platform".into(),
                    project_id: "c1d40a2e-4882-414a-adb0-8d73f032fb8c".into(),
                    process: "Agile".into(),
                    work_item_type: "Bug".into(),
                    area_path: "Payments Platform\\Checkout's Team".into(),
                    iteration_path: "Payments Platform\\Sprint 1".into(),
                    field_defaults: [("Custom.CustomerImpact".to_string(), "High $x".to_string())]
                        .into(),
                    secret_ref: Some(secrets.secret_ref("payments")),
                    validated_at: Some("2025-01-02T03:04:05Z".into()),
                    ..Connection::default()
                })
                .unwrap();
            config
                .insert(Connection {
                    name: "legacy-crm".into(),
                    provider_key: ProviderKey::AzureDevopsServer,
                    deployment_mode: DeploymentMode::SelfHosted,
                    organization: None,
                    base_url: "https://tfs.contoso.com/tfs/DefaultCollection".into(),
                    api_version: "6.0".into(),
                    auth_method: AuthMethod::Pat,
                    project: "Legacy CRM".into(),
                    project_id: "0b6f2d1c-8a6e-4f55-9d7e-3c2b1a0f9e8d".into(),
                    process: "CMMI".into(),
                    work_item_type: "Issue".into(),
                    area_path: "Legacy CRM".into(),
                    iteration_path: "Legacy CRM".into(),
                    secret_ref: Some(secrets.secret_ref("legacy-crm")),
                    ..Connection::default()
                })
                .unwrap();
            store.save(&config).unwrap();
        });
        f
    }

    /// Runs the binary with this config dir; stdin is empty (not a terminal).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
            .args(args)
            .arg("--config-dir")
            .arg(&self.dir)
            .args(["--secret-store", "file"])
            .env_remove("ADO_SETUP_CONFIG_DIR")
            .env_remove("AZURE_DEVOPS_EXT_PAT")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        for secret in [PAYMENTS_PAT, LEGACY_PAT] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{args:?} printed a secret"
            );
        }
        (out.status.code().unwrap_or(-1), stdout, stderr)
    }

    fn names(&self) -> Vec<String> {
        ConfigStore::open(&self.dir)
            .load()
            .unwrap()
            .names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn secret(&self, name: &str) -> Option<String> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(SecretStore::file(&self.dir).get(name))
            .unwrap()
            .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_string())
    }

    fn config_path(&self) -> String {
        self.dir.join("config.toml").display().to_string()
    }
}

/// An error on stderr: one `ado-setup: CODE: message` line, then the fix.
fn assert_error(stderr: &str, code: &str) {
    let mut lines = stderr.lines();
    let first = lines.next().unwrap_or("");
    assert!(
        first.starts_with(&format!("ado-setup: {code}: ")),
        "{stderr}"
    );
    assert!(
        lines.next().unwrap_or("").starts_with("  fix: "),
        "{stderr}"
    );
}

#[test]
fn list_when_empty_says_how_to_create_one() {
    let f = Fixture::empty();
    let (code, out, err) = f.run(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("No connections yet; run `ado-setup` to create one.\n"),
        "{out}"
    );
    let (code, out, _) = f.run(&["list", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "ado-setup.list/v1");
    assert_eq!(v["connections"], Value::Array(vec![]));
}

#[test]
fn list_prints_a_table_sorted_by_name() {
    let f = Fixture::two();
    let (code, out, err) = f.run(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for h in [
        "NAME",
        "DEPLOYMENT",
        "ORGANIZATION / COLLECTION URL",
        "PROJECT",
        "AUTH",
        "VALIDATED",
    ] {
        assert!(lines[0].contains(h), "{out}");
    }
    let legacy: Vec<&str> = lines[1].split("  ").filter(|s| !s.is_empty()).collect();
    assert_eq!(
        legacy.iter().map(|s| s.trim()).collect::<Vec<_>>(),
        [
            "legacy-crm",
            "server",
            "https://tfs.contoso.com/tfs/DefaultCollection",
            "Legacy CRM",
            "pat",
            "never"
        ],
        "{out}"
    );
    assert!(lines[2].starts_with("payments "), "{out}");
    assert!(lines[2].contains("services"), "{out}");
    assert!(lines[2].contains("contoso-agile"), "{out}");
    assert!(lines[2].ends_with("2025-01-02T03:04:05Z"), "{out}");
    // Columns line up.
    let col = lines[0].find("PROJECT").unwrap();
    assert_eq!(lines[1].find("Legacy CRM"), Some(col), "{out}");
    assert_eq!(lines[2].find("Payments Platform"), Some(col), "{out}");
}

#[test]
fn list_json_has_every_field_and_no_secret() {
    let f = Fixture::two();
    let (code, out, _) = f.run(&["list", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "ado-setup.list/v1");
    assert_eq!(v["config_path"], f.config_path());
    let list = v["connections"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "legacy-crm");
    assert_eq!(list[0]["organization"], Value::Null);
    assert_eq!(list[0]["provider_key"], "azure_devops_server");
    assert_eq!(list[1]["name"], "payments");
    assert_eq!(list[1]["deployment_mode"], "cloud");
    assert_eq!(list[1]["secret_ref"]["store"], "file");
    assert_eq!(list[1]["secret_ref"]["account"], "payments");
    for c in list {
        for key in SPEC_FIELDS {
            assert!(c.get(key).is_some(), "{} lacks {key}", c["name"]);
        }
    }
}

/// Every field of SPEC §1.
const SPEC_FIELDS: &[&str] = &[
    "name",
    "provider_key",
    "deployment_mode",
    "organization",
    "base_url",
    "api_version",
    "auth_method",
    "access",
    "tenant_id",
    "client_id",
    "user",
    "project",
    "project_id",
    "process",
    "work_item_type",
    "area_path",
    "iteration_path",
    "priority_map",
    "assignee",
    "field_defaults",
    "allowlist_status",
    "secret_ref",
    "validated_at",
];

#[test]
fn show_prints_every_field_and_where_the_secret_is() {
    let f = Fixture::two();
    let (code, out, err) = f.run(&["show", "payments"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Connection payments\n"), "{out}");
    for key in SPEC_FIELDS.iter().filter(|k| **k != "name") {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(key)),
            "show lacks {key}:\n{out}"
        );
    }
    assert!(out.contains("Avery Lindqvist <avery.lindqvist@contoso.example>"));
    assert!(out.contains("critical=1,high=2,medium=3,low=4"), "{out}");
    assert!(out.contains("Custom.CustomerImpact = High $x"), "{out}");
    let secrets_file = f.dir.join("secrets.toml").display().to_string();
    assert!(
        out.contains(&format!(
            "the secrets file {secrets_file} (service ado-setup, account payments)"
        )),
        "{out}"
    );
    assert!(out.contains(&f.config_path()), "{out}");

    // Names are unique regardless of case: any case finds it.
    let (code, upper, _) = f.run(&["show", "PAYMENTS"]);
    assert_eq!(code, 0);
    assert_eq!(upper, out);
}

#[test]
fn show_json_is_the_connection() {
    let f = Fixture::two();
    let (code, out, _) = f.run(&["show", "legacy-crm", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "ado-setup.connection/v1");
    assert_eq!(v["config_path"], f.config_path());
    let c = &v["connection"];
    for key in SPEC_FIELDS {
        assert!(c.get(key).is_some(), "lacks {key}");
    }
    assert_eq!(c["name"], "legacy-crm");
    assert_eq!(c["deployment_mode"], "self-hosted");
    assert_eq!(
        c["base_url"],
        "https://tfs.contoso.com/tfs/DefaultCollection"
    );
    assert_eq!(c["priority_map"]["critical"], 1);
    assert_eq!(c["secret_ref"]["store"], "file");
    assert_eq!(c["secret_ref"]["service"], "ado-setup");
    assert_eq!(c["secret_ref"]["account"], "legacy-crm");
    assert_eq!(
        c["secret_ref"]["path"],
        f.dir.join("secrets.toml").display().to_string()
    );
}

#[test]
fn an_unknown_name_exits_2_with_the_config_path_and_a_suggestion() {
    let f = Fixture::two();
    for args in [
        &["show", "paymnets"][..],
        &["export", "paymnets"],
        &["remove", "paymnets", "--yes"],
    ] {
        let (code, out, err) = f.run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_error(&err, "CONFIG_INVALID");
        assert!(err.contains(&f.config_path()), "{args:?}: {err}");
        assert!(err.contains("did you mean payments?"), "{args:?}: {err}");
    }
    assert_eq!(f.names(), ["payments", "legacy-crm"]);
    // Nothing close: no suggestion, the list command instead.
    let (code, _, err) = f.run(&["show", "warehouse"]);
    assert_eq!(code, 2);
    assert!(!err.contains("did you mean"), "{err}");
    assert!(err.contains("ado-setup list"), "{err}");
    // No connections at all: how to create one.
    let (code, _, err) = Fixture::empty().run(&["show", "payments"]);
    assert_eq!(code, 2);
    assert!(err.contains("no saved connections"), "{err}");
}

#[test]
fn a_name_that_breaks_the_rules_says_which_rule() {
    let f = Fixture::two();
    let (code, _, err) = f.run(&["show", "payments_"]);
    assert_eq!(code, 2);
    assert_error(&err, "NAME_INVALID");
    assert!(
        err.contains("may contain only letters, digits and hyphens"),
        "{err}"
    );
    assert!(err.contains("did you mean payments?"), "{err}");
    assert!(err.contains("3–32"), "{err}");
    let (code, _, err) = f.run(&["export", "9lives"]);
    assert_eq!(code, 2);
    assert!(err.contains("must start with a letter"), "{err}");
}

#[test]
fn remove_with_yes_removes_the_entry_and_the_secret() {
    let f = Fixture::two();
    assert_eq!(f.secret("payments").as_deref(), Some(PAYMENTS_PAT));
    let (code, out, err) = f.run(&["remove", "payments", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(
        out.contains(&format!(
            "Removed connection payments from {}.",
            f.config_path()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "Removed its secret from the secrets file {}.",
            f.dir.join("secrets.toml").display()
        )),
        "{out}"
    );
    assert_eq!(f.names(), ["legacy-crm"]);
    assert_eq!(f.secret("payments"), None);
    // The other connection and its secret are untouched.
    assert_eq!(f.secret("legacy-crm").as_deref(), Some(LEGACY_PAT));
    let (code, out, _) = f.run(&["list"]);
    assert_eq!(code, 0);
    assert!(!out.contains("payments"), "{out}");
}

#[test]
fn remove_without_yes_and_without_a_terminal_removes_nothing() {
    let f = Fixture::two();
    let (code, out, err) = f.run(&["remove", "payments"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert_error(&err, "CONFIRMATION_REQUIRED");
    assert!(err.contains("nothing was removed"), "{err}");
    assert!(err.contains("ado-setup remove payments --yes"), "{err}");
    assert_eq!(f.names(), ["payments", "legacy-crm"]);
    assert_eq!(f.secret("payments").as_deref(), Some(PAYMENTS_PAT));
}

#[test]
fn export_json_is_for_the_integration_without_the_secret() {
    let f = Fixture::two();
    for args in [
        &["export", "payments"][..],
        &["export", "payments", "--format", "json"],
    ] {
        let (code, out, err) = f.run(args);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["schema"], "ado-setup.export/v1");
        for key in [
            "base_url",
            "organization",
            "project",
            "project_id",
            "api_version",
            "auth_method",
            "work_item_type",
            "area_path",
            "iteration_path",
            "priority_map",
            "assignee",
            "field_defaults",
            "tenant_id",
            "client_id",
            "secret_ref",
        ] {
            assert!(v.get(key).is_some(), "export lacks {key}");
        }
        assert!(v.get("secret").is_none());
        assert_eq!(v["base_url"], "https://dev.azure.com/contoso-agile");
        assert_eq!(v["area_path"], "Payments Platform\\Checkout's Team");
        assert_eq!(v["field_defaults"]["Custom.CustomerImpact"], "High $x");
        assert_eq!(v["priority_map"]["low"], 4);
        assert_eq!(v["secret_ref"]["store"], "file");
        assert_eq!(v["secret_ref"]["account"], "payments");
    }
}

/// Sources the env export in `sh` and prints the variables back.
fn sh_read(env_file: &Path, vars: &[&str]) -> Vec<String> {
    let script = vars
        .iter()
        .map(|v| format!("printf '%s\\n' \"${v}\""))
        .collect::<Vec<_>>()
        .join("; ");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "set -eu; set -a; . '{}'; set +a; {script}",
            env_file.display()
        ))
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[cfg(unix)]
#[test]
fn export_env_lines_parse_in_sh_without_the_secret() {
    let f = Fixture::two();
    let (code, out, err) = f.run(&["export", "payments", "--format", "env"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("AZURE_DEVOPS_EXT_PAT"), "{out}");
    for line in out.lines() {
        let (name, _) = line.split_once('=').unwrap();
        assert!(
            name.starts_with("AZURE_DEVOPS_") || name.starts_with("ADO_SETUP_"),
            "{line}"
        );
    }
    let file = f.dir.join("payments.env");
    std::fs::write(&file, &out).unwrap();
    let got = sh_read(
        &file,
        &[
            "ADO_SETUP_CONNECTION",
            "AZURE_DEVOPS_ORG_URL",
            "AZURE_DEVOPS_ORGANIZATION",
            "AZURE_DEVOPS_PROJECT",
            "AZURE_DEVOPS_PROJECT_ID",
            "AZURE_DEVOPS_API_VERSION",
            "AZURE_DEVOPS_AUTH_METHOD",
            "AZURE_DEVOPS_WORK_ITEM_TYPE",
            "AZURE_DEVOPS_AREA_PATH",
            "AZURE_DEVOPS_ITERATION_PATH",
            "AZURE_DEVOPS_PRIORITY_MAP",
            "AZURE_DEVOPS_ASSIGNEE",
            "AZURE_DEVOPS_FIELD_DEFAULTS",
            "AZURE_DEVOPS_TENANT_ID",
            "ADO_SETUP_SECRET_STORE",
            "ADO_SETUP_SECRET_ACCOUNT",
        ],
    );
    assert_eq!(
        got,
        [
            "payments",
            "https://dev.azure.com/contoso-agile",
            "contoso-agile",
            "Payments Platform",
            "c1d40a2e-4882-414a-adb0-8d73f032fb8c",
            "7.1",
            "pat",
            "Bug",
            "Payments Platform\\Checkout's Team",
            "Payments Platform\\Sprint 1",
            "critical=1,high=2,medium=3,low=4",
            "",
            r#"{"Custom.CustomerImpact":"High $x"}"#,
            "",
            "file",
            "payments",
        ]
    );
    // Server: no organization, the collection URL.
    let (code, out, _) = f.run(&["export", "legacy-crm", "--format", "env"]);
    assert_eq!(code, 0);
    std::fs::write(&file, &out).unwrap();
    let got = sh_read(
        &file,
        &[
            "AZURE_DEVOPS_ORG_URL",
            "AZURE_DEVOPS_ORGANIZATION",
            "AZURE_DEVOPS_DEPLOYMENT_MODE",
        ],
    );
    assert_eq!(
        got,
        [
            "https://tfs.contoso.com/tfs/DefaultCollection",
            "",
            "self-hosted"
        ]
    );
}

#[test]
fn include_secret_without_a_terminal_exits_2_and_prints_nothing() {
    let f = Fixture::two();
    for format in ["json", "env"] {
        let (code, out, err) =
            f.run(&["export", "payments", "--format", format, "--include-secret"]);
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty(), "{out}");
        assert_error(&err, "SECRET_EXPORT_REFUSED");
        assert!(err.contains("only to a terminal"), "{err}");
    }
}

/// The binary in a pseudo-terminal: the question on the terminal, the
/// answer typed, the exit code and everything it wrote.
#[cfg(unix)]
fn in_a_terminal(f: &Fixture, args: &[&str], answer: &str) -> (u32, String) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ado-setup"));
    cmd.args(args);
    cmd.arg("--config-dir");
    cmd.arg(&f.dir);
    cmd.env_remove("ADO_SETUP_CONFIG_DIR");
    cmd.env_remove("AZURE_DEVOPS_EXT_PAT");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let drained = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let text = || String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    let started = Instant::now();
    while !text().contains("[y/N]") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no question: {}",
            text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.write_all(answer.as_bytes()).unwrap();
    writer.write_all(b"\r").unwrap();
    writer.flush().unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The reader ends (EIO) once everything written before the exit is read.
    while !drained.is_finished() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(pty.master);
    (status.exit_code(), text())
}

#[cfg(unix)]
#[test]
fn on_a_terminal_remove_asks_and_include_secret_needs_a_yes() {
    let f = Fixture::two();

    // export --include-secret, answered no: nothing printed, cancelled.
    let (code, out) = in_a_terminal(
        &f,
        &["export", "payments", "--format", "env", "--include-secret"],
        "n",
    );
    assert_eq!(code, 130, "{out}");
    assert!(
        out.contains("Print the personal access token of payments"),
        "{out}"
    );
    assert!(!out.contains(PAYMENTS_PAT), "{out}");
    assert!(!out.contains("AZURE_DEVOPS_ORG_URL"), "{out}");

    // Answered yes: the secret, under its documented name.
    let (code, out) = in_a_terminal(
        &f,
        &["export", "payments", "--format", "env", "--include-secret"],
        "y",
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("AZURE_DEVOPS_EXT_PAT={PAYMENTS_PAT}")),
        "{out}"
    );

    // remove: asks; no keeps everything, yes removes entry and secret.
    let (code, out) = in_a_terminal(&f, &["remove", "payments"], "");
    assert_eq!(code, 130, "{out}");
    assert!(
        out.contains("Remove payments and its secret? [y/N]"),
        "{out}"
    );
    assert_eq!(f.names(), ["payments", "legacy-crm"]);
    let (code, out) = in_a_terminal(&f, &["remove", "payments"], "yes");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Removed connection payments"), "{out}");
    assert_eq!(f.names(), ["legacy-crm"]);
    assert_eq!(f.secret("payments"), None);
}

#[test]
fn the_readme_documents_every_export_variable() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (name, _) in ado_setup::cli::manage::ENV_VARS {
        assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
    }
    for name in [
        "AZURE_DEVOPS_EXT_PAT",
        ado_setup::cli::manage::REFRESH_TOKEN_ENV,
    ] {
        assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
    }
}

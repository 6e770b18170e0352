#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The config file and the secret stores (src/store).

use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ado_setup::store::secrets::SecretStoreChoice;
use ado_setup::store::secrets::{PROBE_ACCOUNT, SERVICE};
use ado_setup::store::*;
use keyring_core::api::{CredentialApi, CredentialStoreApi};
use keyring_core::{Credential, CredentialStore, Entry};
use secrecy::{ExposeSecret, SecretString};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const PAT: &str = "k7q2vxw4m9zt3r8yb6n5hc1dgpfjs0lae4u2wq7x9v3b5n8m1k6z";

fn full_connection() -> Connection {
    Connection {
        name: "contoso-boards".into(),
        provider_key: ProviderKey::AzureDevopsServices,
        deployment_mode: DeploymentMode::Cloud,
        organization: Some("contoso".into()),
        base_url: "https://dev.azure.com/contoso".into(),
        api_version: "7.1".into(),
        auth_method: AuthMethod::DeviceCode,
        access: Access::ReadOnly,
        tenant_id: Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into()),
        client_id: Some("872cd9fa-d31f-45e0-9eab-6e460a02d1f1".into()),
        user: Some(ConnectionUser {
            display_name: "Jamal Hartnett".into(),
            sign_in: Some("jamal@contoso.com".into()),
        }),
        project: "Fabrikam Fiber".into(),
        project_id: "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1".into(),
        process: "Agile".into(),
        work_item_type: "Bug".into(),
        area_path: "Fabrikam Fiber\\Web\\Checkout".into(),
        iteration_path: "Fabrikam Fiber\\Sprint 7".into(),
        priority_map: PriorityMap {
            critical: 1,
            high: 1,
            medium: 2,
            low: 4,
        },
        assignee: Some("jamal@contoso.com".into()),
        field_defaults: [
            ("Custom.Team".to_string(), "Payments".to_string()),
            ("Custom.Quote\"d".to_string(), "a \"b\" \\ c".to_string()),
        ]
        .into(),
        allowlist_status: Some(AllowlistStatus::Proxy),
        secret_ref: Some(SecretRef {
            store: SecretStoreKind::Keyring,
            service: "ado-setup".into(),
            account: "contoso-boards".into(),
        }),
        validated_at: Some("2024-05-01T12:34:56Z".into()),
    }
}

fn server_connection(name: &str, project: &str) -> Connection {
    Connection {
        name: name.into(),
        provider_key: ProviderKey::AzureDevopsServer,
        deployment_mode: DeploymentMode::SelfHosted,
        organization: None,
        base_url: "https://tfs.contoso.com/tfs/DefaultCollection".into(),
        api_version: "7.0".into(),
        auth_method: AuthMethod::Pat,
        project: project.into(),
        project_id: "1".into(),
        process: "Scrum".into(),
        work_item_type: "Issue".into(),
        area_path: project.into(),
        iteration_path: project.into(),
        ..Connection::default()
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ---------------------------------------------------------------------------
// Config file
// ---------------------------------------------------------------------------

#[test]
fn a_full_connection_round_trips_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path().join("cfg"));
    let mut config = store.load().unwrap();
    assert!(config.is_empty(), "a missing file is an empty config");
    config.insert(full_connection()).unwrap();
    config
        .insert(server_connection("onprem", "Tailspin"))
        .unwrap();
    let outcome = store.save(&config).unwrap();
    assert_eq!(outcome.path, store.path());
    assert_eq!(outcome.backup, None);

    let text = read(&store.path());
    let first_key = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap();
    assert_eq!(first_key, "schema = 1");
    assert!(text.contains("[[connection]]"), "{text}");
    assert!(text.contains("deployment_mode = \"self-hosted\""), "{text}");
    assert!(text.contains("auth_method = \"device_code\""), "{text}");

    let back = store.load().unwrap();
    assert_eq!(back.names(), vec!["contoso-boards", "onprem"]);
    assert_eq!(back.get("contoso-boards"), Some(&full_connection()));
    assert_eq!(back.get("CONTOSO-BOARDS"), Some(&full_connection()));
    assert_eq!(back, config);
}

#[test]
fn a_file_without_schema_is_schema_1_and_defaults_apply() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path());
    std::fs::write(
        store.path(),
        r#"
[[connection]]
name = "old-one"
provider_key = "azure_devops_server"
deployment_mode = "self-hosted"
base_url = "https://ado.contoso.com/DefaultCollection"
api_version = "6.0"
auth_method = "pat"
project = "P"
project_id = "1"
process = "Basic"
work_item_type = "Issue"
area_path = "P"
iteration_path = "P"
"#,
    )
    .unwrap();
    let config = store.load().unwrap();
    let c = config.get("old-one").unwrap();
    assert_eq!(c.access, Access::ReadWrite);
    assert_eq!(c.priority_map, PriorityMap::default());
    assert!(c.field_defaults.is_empty());
}

#[test]
fn unknown_keys_are_kept_on_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path());
    let mut config = Config::new();
    config.insert(full_connection()).unwrap();
    store.save(&config).unwrap();

    // A newer ado-setup (same schema) or a human added keys.
    let mut text = read(&store.path());
    text = text.replacen("schema = 1", "schema = 1\ntelemetry = false", 1);
    text.push_str("\n[plugins.jira]\nenabled = true\n");
    text = text.replacen(
        "name = \"contoso-boards\"",
        "name = \"contoso-boards\"\ncolor = \"blue\"\nlabels = [\"a\", \"b\"]",
        1,
    );
    text.push_str("\n[connection.webhook]\nurl = \"https://hooks.contoso.com/x\"\n");
    std::fs::write(store.path(), &text).unwrap();

    let mut config = store.load().unwrap();
    assert!(config.unknown_keys().contains_key("telemetry"));
    assert!(
        config
            .unknown_connection_keys("contoso-boards")
            .unwrap()
            .contains_key("webhook")
    );
    let mut c = config.get("contoso-boards").unwrap().clone();
    c.work_item_type = "Issue".into();
    c.assignee = None;
    config.upsert(c).unwrap();
    config.insert(server_connection("onprem", "P")).unwrap();
    store.save(&config).unwrap();

    let raw: toml::Table = read(&store.path()).parse().unwrap();
    assert_eq!(raw["schema"].as_integer(), Some(1));
    assert_eq!(raw["telemetry"].as_bool(), Some(false));
    assert_eq!(raw["plugins"]["jira"]["enabled"].as_bool(), Some(true));
    let conns = raw["connection"].as_array().unwrap();
    assert_eq!(conns.len(), 2);
    let c0 = conns[0].as_table().unwrap();
    assert_eq!(c0["color"].as_str(), Some("blue"));
    assert_eq!(c0["labels"].as_array().unwrap().len(), 2);
    assert_eq!(
        c0["webhook"]["url"].as_str(),
        Some("https://hooks.contoso.com/x")
    );
    assert_eq!(c0["work_item_type"].as_str(), Some("Issue"));
    assert!(!c0.contains_key("assignee"), "a cleared field is removed");
    let c1 = conns[1].as_table().unwrap();
    assert!(
        !c1.contains_key("color"),
        "unknown keys stay with their connection"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_0600_and_a_new_dir_0700() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("a").join("ado-setup");
    let store = ConfigStore::open(&cfg);
    let mut config = Config::new();
    config.insert(full_connection()).unwrap();
    let outcome = store.save(&config).unwrap();
    assert_eq!(mode(&cfg), 0o700);
    assert_eq!(mode(&store.path()), 0o600);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert!(store.privacy().is_empty());

    // An existing group/world-readable dir is reported, never changed.
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let warnings = store.privacy();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].fix.contains("chmod 700"));
    assert!(warnings[1].fix.contains("chmod 600"));
    let outcome = store.save(&config).unwrap();
    assert_eq!(mode(&cfg), 0o755, "the dir mode is not changed silently");
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    assert_eq!(mode(&store.path()), 0o600, "the rewritten file is 0600");
}

/// Whichever file the tool writes first into a new config dir (a draft, the
/// secrets file, the config), the dir is 0700, and the log dir of `-v` too:
/// the storage check then has nothing of the tool's own doing to report.
#[cfg(unix)]
#[tokio::test]
async fn the_config_dir_is_0700_whoever_creates_it() {
    let dir = tempfile::tempdir().unwrap();

    let by_draft = dir.path().join("draft").join("ado-setup");
    let draft = ado_setup::store::draft::Draft {
        target: "contoso".into(),
        ..Default::default()
    };
    ado_setup::store::draft::save(&by_draft, &draft).unwrap();
    assert_eq!(mode(&by_draft), 0o700);
    assert_eq!(mode(&by_draft.join("draft.toml")), 0o600);
    assert!(ConfigStore::open(&by_draft).privacy().is_empty());

    let by_secret = dir.path().join("secret").join("ado-setup");
    let store = SecretStore::file(&by_secret);
    store
        .set("payments", &secret("s3cr3t-value"))
        .await
        .unwrap();
    assert_eq!(mode(&by_secret), 0o700);
    assert!(ConfigStore::open(&by_secret).privacy().is_empty());

    // The log dir of `-v`, made by the binary.
    let state = dir.path().join("state");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ado-setup"))
        .args(["-v", "list", "--config-dir"])
        .arg(dir.path().join("cfg"))
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", &state)
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let log_dir = state.join("ado-setup");
    assert!(log_dir.join("ado-setup.log").is_file(), "{out:?}");
    assert_eq!(mode(&log_dir), 0o700);
}

#[test]
fn a_failed_save_leaves_the_previous_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path());
    let mut config = Config::new();
    config.insert(full_connection()).unwrap();
    store.save(&config).unwrap();
    let before = read(&store.path());

    config.insert(server_connection("onprem", "P")).unwrap();
    for at in [
        FailPoint::CreateTemp,
        FailPoint::Write,
        FailPoint::Sync,
        FailPoint::Rename,
    ] {
        let failing = store.clone().with_fail_point(at);
        let err = failing.save(&config).unwrap_err();
        assert_eq!(err.code(), "CONFIG_WRITE_FAILED", "{at:?}");
        assert!(err.to_string().contains("previous file is unchanged"));
        assert_eq!(read(&store.path()), before, "{at:?}");
        assert_eq!(
            files_under(dir.path()).len(),
            1,
            "{at:?}: no temp file is left behind"
        );
        assert_eq!(store.load().unwrap().len(), 1);
    }
}

#[cfg(unix)]
#[test]
fn a_save_into_a_read_only_dir_fails_and_keeps_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path().join("cfg"));
    let mut config = Config::new();
    config.insert(full_connection()).unwrap();
    store.save(&config).unwrap();
    let before = read(&store.path());
    config.insert(server_connection("onprem", "P")).unwrap();

    // A file where the config dir should be: no user, root included, can
    // write there.
    let blocked = ConfigStore::open(dir.path().join("a-file").join("cfg"));
    std::fs::write(dir.path().join("a-file"), b"not a directory").unwrap();
    let err = blocked.save(&config).unwrap_err();
    assert_eq!(err.code(), "CONFIG_WRITE_FAILED", "{err}");
    assert_eq!(read(&dir.path().join("a-file")), "not a directory");

    // A read-only dir: the previous file is kept. root ignores directory
    // permissions, so there this half cannot be shown (the fail points of
    // a_failed_save_leaves_the_previous_file_intact show it for everyone).
    std::fs::set_permissions(store.dir(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = store.dir().join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        std::fs::set_permissions(store.dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
        eprintln!(
            "SKIPPED the read-only-dir half of a_save_into_a_read_only_dir_fails_and_keeps_the_file: \
             running as root, which writes into read-only dirs"
        );
        return;
    }
    let err = store.save(&config).unwrap_err();
    std::fs::set_permissions(store.dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(err.code(), "CONFIG_WRITE_FAILED");
    assert_eq!(read(&store.path()), before);
}

#[test]
fn a_corrupt_file_reports_path_and_line_and_is_not_overwritten_silently() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path());
    let corrupt = "schema = 1\n\n[[connection]]\nname = \"a-b-c\"\nbase_url = [\n";
    std::fs::write(store.path(), corrupt).unwrap();

    let err = store.load().unwrap_err();
    assert_eq!(err.code(), "CONFIG_INVALID");
    match &err {
        ConfigError::Invalid { path, line, .. } => {
            assert_eq!(path, &store.path());
            assert_eq!(*line, Some(5), "{err}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{}:5:", store.path().display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "one line: {msg:?}");
    assert!(err.fix().contains("line 5"), "{}", err.fix());

    // Saving over it keeps a backup first.
    let mut config = Config::new();
    config.insert(full_connection()).unwrap();
    let outcome = store.save(&config).unwrap();
    let backup = outcome.backup.expect("a backup of the corrupt file");
    assert!(
        backup
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("config.toml.bak-")
    );
    assert_eq!(read(&backup), corrupt);
    #[cfg(unix)]
    assert_eq!(mode(&backup), 0o600);
    assert_eq!(store.load().unwrap().len(), 1);
    // A valid file is replaced without a backup.
    assert_eq!(store.save(&config).unwrap().backup, None);
}

#[test]
fn wrong_types_and_bad_names_report_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path());
    let base = full_connection();
    let mut config = Config::new();
    config.insert(base).unwrap();
    let good = config.to_toml().unwrap();

    let cases: [(&str, &str, &str); 4] = [
        ("api_version = \"7.1\"", "api_version = 7.1", "api_version"),
        (
            "auth_method = \"device_code\"",
            "auth_method = \"kerberos\"",
            "auth_method",
        ),
        (
            "name = \"contoso-boards\"",
            "name = \"9 lives\"",
            "must start with a letter",
        ),
        ("schema = 1", "schema = \"one\"", "schema"),
    ];
    for (from, to, hint) in cases {
        assert!(good.contains(from), "{from}");
        let text = good.replacen(from, to, 1);
        let want_line = text.lines().position(|l| l.starts_with(to)).unwrap() + 1;
        std::fs::write(store.path(), &text).unwrap();
        let err = store.load().unwrap_err();
        let ConfigError::Invalid { line, message, .. } = &err else {
            panic!("{to}: unexpected {err:?}");
        };
        assert!(
            line.is_some_and(|l| l.abs_diff(want_line) <= 1),
            "{to}: line {line:?}, want {want_line}: {message}"
        );
        assert!(
            message.contains(hint) || err.to_string().contains(hint),
            "{to}: {message}"
        );
    }

    // Two connections with the same name.
    let twice = format!("{good}\n{}", good.replacen("schema = 1", "", 1));
    std::fs::write(store.path(), &twice).unwrap();
    let err = store.load().unwrap_err();
    assert!(err.to_string().contains("more than once"), "{err}");
}

#[test]
fn a_newer_schema_is_refused_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::open(dir.path());
    let future = "schema = 2\n[connections.x]\nsomething = \"new\"\n";
    std::fs::write(store.path(), future).unwrap();
    let err = store.load().unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::SchemaTooNew {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "CONFIG_INVALID");
    assert!(err.to_string().contains("schema 2"), "{err}");
    assert!(err.fix().contains("Upgrade ado-setup"));

    let mut config = Config::new();
    config.insert(full_connection()).unwrap();
    let err = store.save(&config).unwrap_err();
    assert!(matches!(err, ConfigError::SchemaTooNew { .. }));
    assert_eq!(read(&store.path()), future);
    assert_eq!(files_under(dir.path()).len(), 1, "no backup, no temp file");
}

#[test]
fn names_are_unique_and_one_connection_per_org_and_project() {
    let mut config = Config::new();
    config.insert(full_connection()).unwrap();

    // Same name: insert refuses, upsert replaces.
    let err = config.insert(full_connection()).unwrap_err();
    assert!(matches!(err, ConfigError::NameTaken { .. }));
    assert_eq!(err.code(), "CONNECTION_EXISTS");
    assert!(err.fix().contains("ado-setup edit contoso-boards"));
    let mut changed = full_connection();
    changed.work_item_type = "Issue".into();
    let old = config.upsert(changed).unwrap();
    assert_eq!(old, Some(full_connection()));
    assert_eq!(config.len(), 1);
    // Names compare case-insensitively (Windows Credential Manager does).
    assert!(matches!(
        config.insert(Connection {
            name: "Contoso-Boards".into(),
            ..full_connection()
        }),
        Err(ConfigError::NameTaken { .. })
    ));

    // Another name on the same organization+project (case-insensitive).
    let other = Connection {
        name: "second".into(),
        organization: Some("CONTOSO".into()),
        project: "fabrikam fiber".into(),
        ..full_connection()
    };
    let err = config.upsert(other.clone()).unwrap_err();
    match &err {
        ConfigError::TargetTaken { existing, .. } => assert_eq!(existing, "contoso-boards"),
        e => panic!("unexpected {e:?}"),
    }
    assert!(err.fix().contains("ado-setup remove contoso-boards"));
    assert!(config.conflicting(&other).is_some());
    // Another project is fine.
    config
        .upsert(Connection {
            project: "Other".into(),
            ..other
        })
        .unwrap();

    // Server: the collection URL stands in for the organization.
    config.insert(server_connection("srv-one", "P")).unwrap();
    let mut dup = server_connection("srv-two", "P");
    dup.base_url.push('/');
    assert!(matches!(
        config.insert(dup),
        Err(ConfigError::TargetTaken { .. })
    ));
    config.insert(server_connection("srv-two", "Q")).unwrap();

    // Bad names never get in.
    let err = config
        .insert(Connection {
            name: "x".into(),
            ..server_connection("x", "Z")
        })
        .unwrap_err();
    assert_eq!(err.code(), "NAME_INVALID");
    let err = config
        .insert(Connection {
            name: "badorg".into(),
            organization: Some("bad-".into()),
            ..full_connection()
        })
        .unwrap_err();
    assert!(err.to_string().contains("hyphen"), "{err}");

    // Half-filled or inconsistent connections are never saved.
    let err = config
        .insert(Connection {
            project_id: " ".into(),
            ..server_connection("srv-three", "R")
        })
        .unwrap_err();
    assert_eq!(err.code(), "CONNECTION_INCOMPLETE");
    assert!(err.to_string().contains("project_id is empty"), "{err}");
    let err = config
        .insert(Connection {
            deployment_mode: DeploymentMode::Cloud,
            ..server_connection("srv-three", "R")
        })
        .unwrap_err();
    assert!(err.to_string().contains("does not go with"), "{err}");
    let err = config
        .insert(Connection {
            name: "no-org".into(),
            organization: None,
            project: "Elsewhere".into(),
            ..full_connection()
        })
        .unwrap_err();
    assert!(err.to_string().contains("needs its organization"), "{err}");

    assert_eq!(
        config.remove("SRV-ONE").map(|c| c.name),
        Some("srv-one".into())
    );
    assert!(config.remove("srv-one").is_none());
    assert_eq!(config.names(), vec!["contoso-boards", "second", "srv-two"]);
}

#[test]
fn connection_name_rules() {
    for ok in [
        "abc",
        "a-1",
        "Prod",
        "contoso-boards",
        "a234567890123456789012345678901b",
    ] {
        assert_eq!(validate_connection_name(ok), Ok(()), "{ok}");
    }
    let bad: [(&str, &str); 9] = [
        ("", "empty"),
        ("ab", "at least 3"),
        ("a2345678901234567890123456789012x", "at most 32"),
        ("1abc", "start with a letter"),
        ("-abc", "start with a letter"),
        ("ab c", "only letters, digits and hyphens"),
        ("ab_c", "only letters, digits and hyphens"),
        ("abç", "only letters, digits and hyphens"),
        ("ab\nc", "only letters, digits and hyphens"),
    ];
    for (name, rule) in bad {
        let err = validate_connection_name(name).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(rule), "{name:?}: {msg}");
        assert!(msg.starts_with("connection name"), "{msg}");
        assert!(!msg.contains('\n'), "one line: {msg:?}");
        assert_eq!(err.code(), "NAME_INVALID");
        assert!(err.fix().contains("3–32"));
    }
}

#[test]
fn organization_name_rules() {
    let fifty = "a".repeat(50);
    for ok in ["contoso", "1org", "a", "my-org-2", fifty.as_str()] {
        assert_eq!(validate_org_name(ok), Ok(()), "{ok}");
    }
    let fifty_one = "a".repeat(51);
    let bad: [(&str, &str); 6] = [
        ("", "empty"),
        ("-org", "start with a letter or digit"),
        ("org-", "must not end with a hyphen"),
        ("my org", "only letters, digits and hyphens"),
        ("my.org", "only letters, digits and hyphens"),
        (fifty_one.as_str(), "at most 50"),
    ];
    for (name, rule) in bad {
        let err = validate_org_name(name).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(rule), "{name:?}: {msg}");
        assert!(msg.starts_with("organization name"), "{msg}");
        assert!(err.fix().contains("dev.azure.com/"));
    }
}

#[test]
fn priority_map_parsing() {
    assert_eq!(
        PriorityMap::parse("critical=1,high=2,medium=3,low=4").unwrap(),
        PriorityMap::default()
    );
    let m = PriorityMap::parse(" Critical = 1 , HIGH=1,low=3 ").unwrap();
    assert_eq!((m.critical, m.high, m.medium, m.low), (1, 1, 3, 3));
    assert_eq!(
        m.get(Severity::Medium),
        3,
        "omitted severities keep defaults"
    );
    assert_eq!(m.to_string(), "critical=1,high=1,medium=3,low=3");
    assert_eq!(m.to_string().parse::<PriorityMap>().unwrap(), m);

    let cases: [(&str, &str); 6] = [
        ("", "empty"),
        (" , ", "empty"),
        ("urgent=1", "unknown severity \"urgent\""),
        ("high=two", "must be an integer, got \"two\""),
        ("high=1,high=2", "more than once"),
        ("high", "not of the form severity=priority"),
    ];
    for (input, want) in cases {
        let err = PriorityMap::parse(input).unwrap_err();
        assert!(err.to_string().contains(want), "{input:?}: {err}");
        assert_eq!(err.code(), "PRIORITY_MAP_INVALID");
        assert!(err.fix().contains("critical=1,high=2,medium=3,low=4"));
    }
}

#[test]
fn rfc3339_formatting() {
    let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
    assert_eq!(rfc3339_utc(at(0)), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(at(1_700_000_000)), "2023-11-14T22:13:20Z");
    assert_eq!(rfc3339_utc(at(1_709_164_800)), "2024-02-29T00:00:00Z");
    assert_eq!(
        rfc3339_utc(at(1_234_567_890) + Duration::from_millis(999)),
        "2009-02-13T23:31:30Z"
    );
    let now = now_rfc3339();
    assert_eq!(now.len(), 20, "{now}");
    assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
}

#[test]
fn config_dir_resolution() {
    let flag = PathBuf::from("/tmp/x-ado");
    assert_eq!(resolve_config_dir(Some(&flag)).unwrap(), flag);
    if std::env::var_os("ADO_SETUP_CONFIG_DIR").is_none() && std::env::var_os("HOME").is_some() {
        let d = default_config_dir().unwrap();
        assert!(d.ends_with("ado-setup"), "{}", d.display());
        assert_eq!(resolve_config_dir(None).unwrap(), d);
    }
    let store = ConfigStore::open("/tmp/x-ado");
    assert_eq!(store.path(), PathBuf::from("/tmp/x-ado/config.toml"));
}

#[test]
fn every_config_error_has_a_code_a_one_line_message_and_a_fix() {
    let p = PathBuf::from("/home/u/.config/ado-setup/config.toml");
    let errors = vec![
        ConfigError::Invalid {
            path: p.clone(),
            line: Some(3),
            message: "x".into(),
        },
        ConfigError::SchemaTooNew {
            path: p.clone(),
            found: 9,
            supported: 1,
        },
        ConfigError::Read {
            path: p.clone(),
            source: std::io::Error::other("denied"),
        },
        ConfigError::Write {
            path: p.clone(),
            source: std::io::Error::other("full"),
        },
        ConfigError::NoConfigDir,
        ConfigError::Name(validate_connection_name("x").unwrap_err()),
        ConfigError::NameTaken { name: "a".into() },
        ConfigError::TargetTaken {
            name: "a".into(),
            existing: "b".into(),
            organization: "o".into(),
            project: "p".into(),
        },
        ConfigError::Incomplete {
            name: "a".into(),
            problem: "p".into(),
        },
        ConfigError::Encode("e".into()),
    ];
    for e in errors {
        let s = e.to_string();
        assert!(!s.is_empty() && !s.contains('\n'), "{s:?}");
        assert!(!e.code().is_empty());
        assert!(!e.fix().is_empty());
    }
}

// ---------------------------------------------------------------------------
// Secret stores
// ---------------------------------------------------------------------------

/// A credential whose every call fails (a locked keyring that refuses).
#[derive(Debug)]
struct FailingCred;

impl CredentialApi for FailingCred {
    fn set_secret(&self, _: &[u8]) -> keyring_core::Result<()> {
        Err(keyring_core::Error::NoStorageAccess("locked".into()))
    }
    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        Err(keyring_core::Error::NoStorageAccess("locked".into()))
    }
    fn delete_credential(&self) -> keyring_core::Result<()> {
        Err(keyring_core::Error::NoStorageAccess("locked".into()))
    }
    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        Err(keyring_core::Error::NoStorageAccess("locked".into()))
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        None
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A gate a hanging store waits at: closed until the test opens it, so a
/// call that comes back while it is closed was cut by the timeout — whatever
/// the machine's speed.
#[derive(Debug, Default)]
struct Gate {
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
    /// Calls that came back from the store.
    returned: std::sync::atomic::AtomicUsize,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        self.returned
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
    fn returned(&self) -> usize {
        self.returned.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A credential whose every call hangs until its gate opens (a D-Bus call
/// nobody answers).
#[derive(Debug)]
struct HangingCred(Arc<Gate>);

impl CredentialApi for HangingCred {
    fn set_secret(&self, _: &[u8]) -> keyring_core::Result<()> {
        self.0.wait();
        Ok(())
    }
    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        self.0.wait();
        Err(keyring_core::Error::NoEntry)
    }
    fn delete_credential(&self) -> keyring_core::Result<()> {
        self.0.wait();
        Ok(())
    }
    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        Ok(None)
    }
    fn get_specifiers(&self) -> Option<(String, String)> {
        None
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct TestStore {
    hang: Option<Arc<Gate>>,
}

impl CredentialStoreApi for TestStore {
    fn vendor(&self) -> String {
        "test".into()
    }
    fn id(&self) -> String {
        "test".into()
    }
    fn build(
        &self,
        _service: &str,
        _user: &str,
        _mods: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let cred: Arc<Credential> = match &self.hang {
            Some(gate) => Arc::new(HangingCred(gate.clone())),
            None => Arc::new(FailingCred),
        };
        Ok(Entry::new_with_credential(cred))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn failing_store() -> Arc<CredentialStore> {
    Arc::new(TestStore { hang: None })
}

fn hanging_store(gate: &Arc<Gate>) -> Arc<CredentialStore> {
    Arc::new(TestStore {
        hang: Some(gate.clone()),
    })
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// Like the Secret Service store (a blocking zbus connection whose drop
/// calls `block_on`): it must never be used or dropped where a tokio runtime
/// is current. It records where each use and its drop happened.
#[derive(Debug)]
struct RuntimeShyStore {
    inner: Arc<CredentialStore>,
    seen: Arc<std::sync::Mutex<Vec<(&'static str, bool)>>>,
}

impl RuntimeShyStore {
    fn note(&self, what: &'static str) {
        let on_runtime = tokio::runtime::Handle::try_current().is_ok();
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((what, on_runtime));
        }
    }
}

impl Drop for RuntimeShyStore {
    fn drop(&mut self) {
        self.note("drop");
    }
}

impl CredentialStoreApi for RuntimeShyStore {
    fn vendor(&self) -> String {
        "runtime-shy".into()
    }
    fn id(&self) -> String {
        "runtime-shy".into()
    }
    fn build(
        &self,
        service: &str,
        user: &str,
        mods: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        self.note("build");
        self.inner.build(service, user, mods)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyring_lives_and_dies_on_its_own_thread_never_on_the_runtime() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let shy: Arc<CredentialStore> = Arc::new(RuntimeShyStore {
        inner: keyring_core::mock::Store::new().unwrap(),
        seen: seen.clone(),
    });
    let store = SecretStore::with_credential_store(shy, SecretStoreKind::Keyring);
    store.round_trip().await.unwrap();
    store
        .set("payments", &secret("s3cr3t-value"))
        .await
        .unwrap();
    let copy = store.clone();
    assert_eq!(
        copy.get("payments")
            .await
            .unwrap()
            .map(|s| s.expose_secret().to_string()),
        Some("s3cr3t-value".to_string())
    );
    assert!(copy.delete("payments").await.unwrap());
    // The last handles are dropped here, on a runtime worker.
    drop(store);
    drop(copy);
    let mut dropped = false;
    for _ in 0..200 {
        if seen.lock().unwrap().iter().any(|(what, _)| *what == "drop") {
            dropped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert!(dropped, "the store's thread never dropped it: {seen:?}");
    assert!(
        seen.iter().filter(|(w, _)| *w == "build").count() >= 6,
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|(_, on_runtime)| !on_runtime),
        "the store was used or dropped on the runtime: {seen:?}"
    );
}

#[tokio::test]
async fn mock_keyring_round_trip_set_get_delete() {
    let store = SecretStore::mock().unwrap();
    assert_eq!(store.kind(), SecretStoreKind::Keyring);
    assert!(
        store.describe().contains("in-memory"),
        "{}",
        store.describe()
    );
    store.round_trip().await.unwrap();
    assert!(
        store.get(PROBE_ACCOUNT).await.unwrap().is_none(),
        "the probe is deleted"
    );

    assert!(store.get("prod").await.unwrap().is_none());
    store.set("prod", &secret(PAT)).await.unwrap();
    assert_eq!(
        store.get("prod").await.unwrap().unwrap().expose_secret(),
        PAT
    );
    store.set("prod", &secret("second")).await.unwrap();
    let r = store.secret_ref("prod");
    assert_eq!(r.store, SecretStoreKind::Keyring);
    assert_eq!(r.service, SERVICE);
    assert_eq!(r.account, "prod");
    assert_eq!(
        store.get(&r).await.unwrap().unwrap().expose_secret(),
        "second"
    );
    assert!(store.delete(&r).await.unwrap());
    assert!(!store.delete("prod").await.unwrap());
    assert!(store.get("prod").await.unwrap().is_none());
}

#[tokio::test]
async fn a_secret_ref_of_another_store_is_refused() {
    let store = SecretStore::mock().unwrap();
    let r = SecretStore::file(Path::new("/nonexistent")).secret_ref("prod");
    let err = store.get(&r).await.unwrap_err();
    assert!(matches!(err, SecretError::WrongStore { .. }), "{err:?}");
    assert!(err.fix().contains("--secret-store file"));
}

#[tokio::test]
async fn file_store_is_0600_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let store = SecretStore::open(SecretStoreChoice::File, &cfg)
        .await
        .unwrap();
    assert_eq!(store.kind(), SecretStoreKind::File);
    assert!(!cfg.exists(), "opening writes nothing");
    let path = cfg.join("secrets.toml");
    assert_eq!(store.file_path(), Some(path.as_path()));
    assert_eq!(
        store.describe(),
        format!("a plain-text file readable only by you: {}", path.display())
    );

    store.round_trip().await.unwrap();
    assert!(!path.exists(), "the probe leaves no file behind");
    store.set("prod", &secret(PAT)).await.unwrap();
    store.set("stage", &secret("s\"2\\x")).await.unwrap();
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&cfg), 0o700);
    }
    assert!(store.privacy().is_empty());

    // A new instance (another process) reads the same file.
    let again = SecretStore::file(&cfg);
    assert_eq!(
        again.get("prod").await.unwrap().unwrap().expose_secret(),
        PAT
    );
    assert_eq!(
        again.get("stage").await.unwrap().unwrap().expose_secret(),
        "s\"2\\x"
    );
    assert!(again.delete("prod").await.unwrap());
    assert!(again.get("prod").await.unwrap().is_none());
    assert!(store.get("stage").await.unwrap().is_some());
    assert!(again.delete("stage").await.unwrap());
    assert!(!path.exists(), "an empty secrets file is removed");
}

#[tokio::test]
async fn none_store_refuses_to_hold_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecretStore::open(SecretStoreChoice::None, dir.path())
        .await
        .unwrap();
    assert_eq!(store.kind(), SecretStoreKind::None);
    assert_eq!(store.describe(), "not stored: set AZURE_DEVOPS_EXT_PAT");
    store.round_trip().await.unwrap();
    let err = store.set("prod", &secret(PAT)).await.unwrap_err();
    assert_eq!(err, SecretError::NotStored);
    assert_eq!(err.code(), "SECRET_STORE_UNAVAILABLE");
    assert!(err.to_string().contains("AZURE_DEVOPS_EXT_PAT"), "{err}");
    assert!(err.fix().contains("AZURE_DEVOPS_EXT_PAT"));
    assert!(!err.to_string().contains(PAT));
    assert!(store.get("prod").await.unwrap().is_none());
    assert!(!store.delete("prod").await.unwrap());
    assert!(files_under(dir.path()).is_empty());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn keyutils_is_described_as_lost_on_reboot() {
    let dir = tempfile::tempdir().unwrap();
    // Opening does not touch the kernel (containers may forbid keyctl).
    let store = SecretStore::open(SecretStoreChoice::Keyutils, dir.path())
        .await
        .unwrap();
    assert_eq!(store.kind(), SecretStoreKind::Keyutils);
    assert_eq!(store.describe(), "the kernel keyring (lost on reboot)");
}

async fn save_connection_with_secret(cfg: &Path, store: &SecretStore) {
    let mut c = full_connection();
    c.secret_ref = Some(store.secret_ref(&c.name));
    store.set(&c.name, &secret(PAT)).await.unwrap();
    let config_store = ConfigStore::open(cfg);
    let mut config = config_store.load().unwrap();
    config.upsert(c).unwrap();
    config_store.save(&config).unwrap();
    // Saved twice: a rewrite must not pull the secret in either.
    let config = config_store.load().unwrap();
    config_store.save(&config).unwrap();
}

#[tokio::test]
async fn the_secret_is_in_no_file_but_the_file_stores_own() {
    // File store: only secrets.toml holds it.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let store = SecretStore::open(SecretStoreChoice::File, &cfg)
        .await
        .unwrap();
    save_connection_with_secret(&cfg, &store).await;
    let files = files_under(&cfg);
    assert!(files.len() >= 2, "{files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let holds = contains_bytes(&bytes, PAT.as_bytes());
        let is_secrets_file = f.file_name().unwrap() == "secrets.toml";
        assert_eq!(holds, is_secrets_file, "{}", f.display());
    }
    let config_text = read(&cfg.join("config.toml"));
    assert!(config_text.contains("store = \"file\""), "{config_text}");

    // Keyring (mock): no file holds it at all.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let store = SecretStore::mock().unwrap();
    save_connection_with_secret(&cfg, &store).await;
    let files = files_under(&cfg);
    assert_eq!(files.len(), 1, "{files:?}");
    for f in files {
        assert!(!contains_bytes(&std::fs::read(&f).unwrap(), PAT.as_bytes()));
    }
    assert_eq!(
        store
            .get("contoso-boards")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        PAT
    );

    // And no Debug output of the stores or a secret shows it.
    assert!(!format!("{store:?}").contains(PAT));
    assert!(!format!("{:?}", secret(PAT)).contains(PAT));
}

#[tokio::test]
async fn auto_with_a_failing_keyring_is_unavailable_not_a_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let err = SecretStore::open_with(
        SecretStoreChoice::Auto,
        dir.path(),
        Some(failing_store()),
        Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    let SecretError::Unavailable { why } = &err else {
        panic!("unexpected {err:?}");
    };
    assert!(why.contains("locked"), "{why}");
    assert_eq!(err.code(), "SECRET_STORE_UNAVAILABLE");
    let fix = err.fix();
    assert!(fix.contains("--secret-store file"), "{fix}");
    assert!(fix.contains("--secret-store none"), "{fix}");
    assert!(fix.contains("AZURE_DEVOPS_EXT_PAT"), "{fix}");
    #[cfg(target_os = "linux")]
    assert!(fix.contains("--secret-store keyutils") && fix.contains("lost on reboot"));
    assert!(
        files_under(dir.path()).is_empty(),
        "no silent fallback to the file store"
    );

    // Explicit `keyring` opens, and its round trip says what failed.
    let store = SecretStore::open_with(
        SecretStoreChoice::Keyring,
        dir.path(),
        Some(failing_store()),
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    let err = store.round_trip().await.unwrap_err();
    assert!(
        matches!(err, SecretError::Failed { op: "write", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn auto_with_keyring_core_mock_error_injection_is_unavailable() {
    // keyring-core's mock: inject an error on the probe entry's next call.
    let mock = keyring_core::mock::Store::new().unwrap();
    let probe = mock.build(SERVICE, PROBE_ACCOUNT, None).unwrap();
    let cred: &keyring_core::mock::Cred = probe.as_any().downcast_ref().unwrap();
    cred.set_error(keyring_core::Error::PlatformFailure(
        "org.freedesktop.DBus.Error.ServiceUnknown".into(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let err = SecretStore::open_with(
        SecretStoreChoice::Auto,
        dir.path(),
        Some(mock.clone()),
        Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SecretError::Unavailable { .. }), "{err:?}");
    // Said in words, not as the D-Bus error name.
    assert!(
        err.to_string().contains("no Secret Service provider"),
        "{err}"
    );

    // The injected error was one-shot: the same store now passes.
    let store = SecretStore::open_with(
        SecretStoreChoice::Auto,
        dir.path(),
        Some(mock),
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    assert_eq!(store.kind(), SecretStoreKind::Keyring);
}

#[tokio::test]
async fn a_hanging_keyring_is_cut_by_the_timeout() {
    let gate = Arc::new(Gate::default());
    let store = SecretStore::with_credential_store(hanging_store(&gate), SecretStoreKind::Keyring)
        .with_timeout(Duration::from_millis(100));
    let err = store.get("prod").await.unwrap_err();
    assert!(
        matches!(
            err,
            SecretError::Timeout {
                op: "read",
                store: SecretStoreKind::Keyring,
                ..
            }
        ),
        "{err:?}"
    );
    // The answer came while the store still hung: the timeout cut it.
    assert_eq!(gate.returned(), 0);
    assert_eq!(err.code(), "SECRET_STORE_UNAVAILABLE");
    assert!(err.to_string().contains("100 ms"), "{err}");
    assert!(err.fix().contains("unlock"), "{}", err.fix());

    // `auto` over a hanging keyring: unavailable, without waiting for it.
    let dir = tempfile::tempdir().unwrap();
    let other = Arc::new(Gate::default());
    let err = SecretStore::open_with(
        SecretStoreChoice::Auto,
        dir.path(),
        Some(hanging_store(&other)),
        Duration::from_millis(100),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SecretError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer"), "{err}");
    assert_eq!(other.returned(), 0);
    gate.open();
    other.open();
}

#[tokio::test]
async fn the_ui_keeps_running_while_a_keyring_call_hangs() {
    // A current-thread runtime: a blocking keyring call on it would stall
    // this ticker; run off the runtime, the ticker keeps going.
    let gate = Arc::new(Gate::default());
    let store = SecretStore::with_credential_store(hanging_store(&gate), SecretStoreKind::Keyring)
        .with_timeout(Duration::from_millis(400));
    let ticker = tokio::spawn(async {
        let mut ticks = 0u32;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            ticks += 1;
        }
        ticks
    });
    assert!(store.get("prod").await.is_err());
    assert!(ticker.is_finished(), "the runtime was blocked");
    assert_eq!(ticker.await.unwrap(), 10);
    assert_eq!(gate.returned(), 0, "cut by the timeout, not by the store");
    gate.open();
}

#[tokio::test]
async fn every_secret_error_has_a_code_a_one_line_message_and_a_fix() {
    let errors = [
        SecretError::Unavailable { why: "x".into() },
        SecretError::Timeout {
            store: SecretStoreKind::Keyring,
            op: "open",
            after: Duration::from_secs(3),
        },
        SecretError::Failed {
            store: SecretStoreKind::File,
            op: "write",
            message: "m".into(),
        },
        SecretError::Mismatch {
            store: SecretStoreKind::Keyutils,
        },
        SecretError::NotStored,
        SecretError::WrongStore {
            expected: SecretStoreKind::File,
            actual: SecretStoreKind::Keyring,
        },
    ];
    for e in errors {
        let s = e.to_string();
        assert!(!s.contains('\n'), "{s:?}");
        assert_eq!(e.code(), "SECRET_STORE_UNAVAILABLE");
        assert!(!e.fix().is_empty());
    }
    assert_eq!(
        SecretStoreKind::Keyutils.choice(),
        SecretStoreChoice::Keyutils
    );
    assert_eq!(
        serde_json::to_string(&SecretStoreKind::Keyring).unwrap(),
        "\"keyring\""
    );
}

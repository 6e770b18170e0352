#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests (proptest) of the pure parts that take outside input:
//!
//! * target parsing (`net::target`): never a panic on any text; every
//!   accepted organization obeys SPEC §1; a valid organization (and project)
//!   comes back unchanged from every URL form Azure DevOps shows; accepted
//!   Server collection URLs are clean and parse to themselves; a password in
//!   a URL is never echoed;
//! * path conversion (`wizard::tree::field_form_of_node_path`,
//!   `ado::models::node_path_to_field_path`, `checks::{field_form,
//!   below_root}`): `\Project\Area\A\B` ↔ `Project\A\B`, idempotence, the two
//!   converters agree;
//! * the config file (`store::config`): any valid set of connections saved
//!   and loaded back is equal; unknown keys (top level and per connection)
//!   survive a load and a rewrite;
//! * every response model of `ado::models` (list in [`models_never_panic`]):
//!   arbitrary JSON never panics, neither when parsed nor in the helpers that
//!   read parsed values; deep nesting does not overflow a worker's stack;
//! * the response classifier `ado::error::classify` (also a `cargo fuzz`
//!   target in `fuzz/`).
//!
//! Runs are deterministic (a fixed seed) unless `PROPTEST_RNG_SEED` is set;
//! failures are not persisted to files. Each property has its own modest
//! case count so the file stays fast in debug builds; `PROPTEST_CASES` sets
//! one count for all, for a longer hunt.

use ado_setup::ado::error::{Answer, SupportIds, classify};
use ado_setup::ado::models::{self as m, ListResponse};
use ado_setup::checks::{below_root, field_form};
use ado_setup::net::target::{
    MAX_ORG_NAME_LEN, parse_server_url, parse_services_target, validate_org_name,
};
use ado_setup::store::config::{
    Access, AllowlistStatus, AuthMethod, CONNECTION_KEYS, Config, ConfigStore, Connection,
    ConnectionUser, DeploymentMode, PriorityMap, ProviderKey, SecretRef,
};
use ado_setup::store::secrets::SecretStoreKind;
use ado_setup::wizard::tree::{TreePicker, field_form_of_node_path};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, RngSeed};
use serde_json::Value;
use url::Url;

/// `cases` cases (`PROPTEST_CASES` overrides, for a longer hunt), a fixed
/// seed unless `PROPTEST_RNG_SEED` is set, no regression files.
fn cfg(cases: u32) -> PtConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let mut c = PtConfig::with_cases(cases);
    c.failure_persistence = None;
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x00ad_05e7);
    }
    c
}

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

/// The bases the Services parser is used with: the real one, the sandbox's
/// (plain HTTP on loopback with a port), and an override with a path prefix.
fn bases() -> Vec<Url> {
    [
        "https://dev.azure.com",
        "http://127.0.0.1:8080",
        "https://devops.contoso.example/prefix/",
    ]
    .iter()
    .map(|b| Url::parse(b).unwrap())
    .collect()
}

/// SPEC §1, written independently of the product: starts with a letter or
/// digit; letters, digits, hyphens; no trailing hyphen; at most 50.
fn org_rule(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.ends_with('-')
        && name.chars().count() <= MAX_ORG_NAME_LEN
}

/// A valid organization name.
fn valid_org() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]([a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?"
}

/// Something close to an organization name, valid or not.
fn near_org() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9-]{0,55}",
        "[a-zA-Z0-9_.é -]{0,12}",
        any::<String>(),
    ]
}

/// A project name Azure DevOps accepts (no `\ / : * ? " < > | ; # $ { } , +
/// = [ ]`, not starting with `_` or `.`, no leading or trailing space),
/// including non-ASCII letters. `DefaultCollection` is left out: on
/// `*.visualstudio.com` that segment is the collection, not a project.
fn valid_project() -> impl Strategy<Value = String> {
    "[A-Za-z0-9äöüßéÅ日本]([A-Za-z0-9äöüßéÅ日本 ._()&!'-]{0,20}[A-Za-z0-9äöüßéÅ日本)])?"
        .prop_filter("the collection segment", |p| {
            !p.eq_ignore_ascii_case("DefaultCollection")
        })
}

/// Percent-encodes everything but ASCII letters and digits.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Text shaped like what people paste: scheme, user info, host, port, path
/// segments (encoded, dotted, `_` routes), query and fragment, each from a
/// list of interesting pieces or arbitrary.
fn url_like() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "", "https://", "http://", "HTTPS://", "ssh://", "ftp://", "git@", "://", "h ttp://",
        "https:/", "https:",
    ]);
    let user = prop::sample::select(vec![
        "", "", "", "user@", "user:pw@", ":@", "contoso@", "a@b@",
    ]);
    let host = prop_oneof![
        prop::sample::select(vec![
            "dev.azure.com",
            "DEV.Azure.com",
            "contoso.visualstudio.com",
            "xn--bcher-kva.visualstudio.com",
            "xn--.visualstudio.com",
            ".visualstudio.com",
            "a.b.visualstudio.com",
            "visualstudio.com",
            "ssh.dev.azure.com:v3",
            "vs-ssh.visualstudio.com:v3",
            "127.0.0.1",
            "127.0.0.1:8080",
            "[::1]",
            "[::1]:8443",
            "localhost",
            "tfs.contoso.com",
            "tfs.contoso.com:8080",
            "bücher.example",
            "",
            "%00",
            "a..b",
        ])
        .prop_map(str::to_string),
        "[a-z0-9.:\\[\\]-]{0,20}",
    ];
    let segment = prop_oneof![
        prop::sample::select(vec![
            "contoso",
            "Contoso-Dev2",
            "_git",
            "_apis",
            "_wiki",
            "%5Fgit",
            "DefaultCollection",
            "tfs",
            "TFS",
            "Payments%20Platform",
            "%20",
            "%ZZ",
            "%C3%28",
            "%E2%82",
            "..",
            ".",
            "%2e%2e",
            "a b",
            "a%2Fb",
            "v3",
            "prefix",
            "-contoso",
            "contoso-",
        ])
        .prop_map(str::to_string),
        "[^/?#]{0,12}",
    ];
    let tail = prop::sample::select(vec!["", "", "/", "?a=1", "#frag", "?", "//", "\\x"]);
    (
        scheme,
        user,
        host,
        prop::collection::vec(segment, 0..5),
        tail,
    )
        .prop_map(|(s, u, h, segs, t)| {
            let mut out = format!("{s}{u}{h}");
            for seg in segs {
                out.push('/');
                out.push_str(&seg);
            }
            out.push_str(t);
            out
        })
}

/// Any text a user could type or paste.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![3 => url_like(), 1 => any::<String>(), 1 => near_org()]
}

proptest! {
    #![proptest_config(cfg(1024))]

    /// Never a panic; an accepted organization obeys SPEC §1 and parses to
    /// itself; an accepted project is a usable name; every refusal has the
    /// code and a fix.
    #[test]
    fn services_target_accepts_only_valid_organizations(input in any_input()) {
        for base in bases() {
            match parse_services_target(&input, &base) {
                Ok(t) => {
                    prop_assert!(org_rule(&t.organization), "{input:?} → {t:?}");
                    prop_assert!(validate_org_name(&t.organization).is_ok());
                    let again = parse_services_target(&t.organization, &base).unwrap();
                    prop_assert_eq!(&again.organization, &t.organization);
                    prop_assert_eq!(again.project, None);
                    if let Some(p) = &t.project {
                        prop_assert!(!p.is_empty() && p.trim() == p, "{input:?} → {p:?}");
                        prop_assert!(!p.starts_with('_'), "{input:?} → {p:?}");
                        prop_assert!(
                            !p.chars().any(|c| c.is_control() || "\\/:*?\"<>|".contains(c)),
                            "{input:?} → {p:?}"
                        );
                    }
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
                    prop_assert!(!e.fix().is_empty());
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }
    }

    /// Never a panic; an accepted collection URL is clean (https, or http
    /// only when allowed; no user info, query, fragment or trailing slash)
    /// and parses to itself.
    #[test]
    fn server_url_accepts_only_clean_collection_urls(
        input in any_input(),
        allow_http in any::<bool>(),
    ) {
        match parse_server_url(&input, allow_http) {
            Ok(t) => {
                let u = &t.base_url;
                prop_assert!(
                    u.scheme() == "https" || (allow_http && u.scheme() == "http"),
                    "{input:?} → {u}"
                );
                prop_assert!(u.username().is_empty() && u.password().is_none(), "{input:?} → {u}");
                prop_assert!(u.query().is_none() && u.fragment().is_none(), "{input:?} → {u}");
                prop_assert!(!u.as_str().ends_with('/'), "{input:?} → {u}");
                let again = parse_server_url(u.as_str(), allow_http);
                prop_assert!(again.is_ok(), "{input:?} → {u} → {again:?}");
                let again = again.unwrap();
                prop_assert_eq!(&again.base_url, u, "{:?}", input);
                prop_assert_eq!(again.project, None);
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
                prop_assert!(!e.fix().is_empty());
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    /// `validate_org_name` is exactly SPEC §1.
    #[test]
    fn org_name_rule_is_spec_1(name in near_org()) {
        prop_assert_eq!(validate_org_name(&name).is_ok(), org_rule(&name), "{:?}", name);
        // The config layer speaks the same rule.
        prop_assert_eq!(
            ado_setup::store::config::validate_org_name(&name).is_ok(),
            org_rule(&name),
            "{:?}",
            name
        );
    }

    /// A valid organization, with or without a project, comes back from
    /// every form Azure DevOps shows it in.
    #[test]
    fn a_valid_organization_round_trips(org in valid_org(), project in valid_project()) {
        let cloud = Url::parse("https://dev.azure.com").unwrap();
        let sandbox = Url::parse("http://127.0.0.1:8080").unwrap();
        let p = enc(&project);
        let exact: Vec<(String, &Url, Option<&str>)> = vec![
            (org.clone(), &cloud, None),
            (format!("https://dev.azure.com/{org}"), &cloud, None),
            (format!("https://dev.azure.com/{org}/"), &cloud, None),
            (format!("dev.azure.com/{org}"), &cloud, None),
            (format!("https://dev.azure.com/{org}/_settings/"), &cloud, None),
            (format!("https://dev.azure.com/{org}/{p}"), &cloud, Some(&project)),
            (format!("https://dev.azure.com/{org}/{p}/_git/repo?path=/x#y"), &cloud, Some(&project)),
            (format!("https://{org}@dev.azure.com/{org}/{p}/_git/repo"), &cloud, Some(&project)),
            (format!("git@ssh.dev.azure.com:v3/{org}/{p}/repo"), &cloud, Some(&project)),
            (format!("http://127.0.0.1:8080/{org}/{p}"), &sandbox, Some(&project)),
            (format!("127.0.0.1:8080/{org}"), &sandbox, None),
        ];
        for (input, base, want) in exact {
            let t = parse_services_target(&input, base);
            prop_assert!(t.is_ok(), "{input:?}: {t:?}");
            let t = t.unwrap();
            prop_assert_eq!(&t.organization, &org, "{:?}", input);
            prop_assert_eq!(t.project.as_deref(), want, "{:?}", input);
        }
        // Host names are case-insensitive: the org comes back in lower case.
        for (input, want) in [
            (format!("https://{org}.visualstudio.com"), None),
            (format!("https://{org}.visualstudio.com/DefaultCollection"), None),
            (format!("{org}.visualstudio.com/{p}"), Some(project.as_str())),
            (
                format!("https://{org}.visualstudio.com/DefaultCollection/{p}/_workitems"),
                Some(project.as_str()),
            ),
        ] {
            let t = parse_services_target(&input, &cloud);
            prop_assert!(t.is_ok(), "{input:?}: {t:?}");
            let t = t.unwrap();
            prop_assert_eq!(&t.organization, &org.to_ascii_lowercase(), "{:?}", input);
            prop_assert_eq!(t.project.as_deref(), want, "{:?}", input);
        }
    }

    /// A password in a URL is never repeated in a message or a fix.
    #[test]
    fn a_password_in_a_url_is_never_echoed(
        password in "[A-Za-z0-9]{12,16}",
        rest in url_like(),
    ) {
        let host_and_path = rest.split_once("://").map_or(rest.as_str(), |(_, r)| r);
        for input in [
            format!("https://user:{password}@{host_and_path}"),
            format!("https://user:{password}@dev.azure.com/contoso"),
            format!("https://user:{password}@tfs.contoso.com/tfs/DefaultCollection"),
            format!("ssh://git:{password}@ssh.dev.azure.com/v3/contoso/p/r"),
            format!("{password}:{password}@{host_and_path}"),
        ] {
            let cloud = Url::parse("https://dev.azure.com").unwrap();
            let mut said = Vec::new();
            match parse_services_target(&input, &cloud) {
                Ok(t) => said.push(format!("{t:?}")),
                Err(e) => said.extend([e.to_string(), e.fix()]),
            }
            for allow in [false, true] {
                match parse_server_url(&input, allow) {
                    Ok(t) => said.push(format!("{t:?}")),
                    Err(e) => said.extend([e.to_string(), e.fix()]),
                }
            }
            for s in said {
                prop_assert!(!s.contains(&password), "{input:?} → {s}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

/// A classification node or project name: no backslash or slash, no
/// leading or trailing space (Azure DevOps trims them).
fn node_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9äéÅ日._&()-]([A-Za-z0-9äéÅ日 ._&()-]{0,10}[A-Za-z0-9äéÅ日._&()-])?"
}

/// `Area`, `Iteration` or a plural, in any case.
fn structure() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["Area", "Iteration", "Areas", "Iterations"]),
        prop::collection::vec(any::<bool>(), 10),
    )
        .prop_map(|(s, upper)| {
            s.chars()
                .zip(upper)
                .map(|(c, u)| {
                    if u {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(cfg(512))]

    /// `\Project\Area\A\B` → `Project\A\B`, the same as `field_form`, the
    /// same as the models' converter; converting again changes nothing.
    #[test]
    fn node_paths_become_field_paths(
        project in node_name(),
        structure in structure(),
        below in prop::collection::vec(node_name(), 0..5),
    ) {
        let below_text = below.join("\\");
        let mut node = format!("\\{project}\\{structure}");
        for seg in &below {
            node.push('\\');
            node.push_str(seg);
        }
        let field = field_form_of_node_path(&node);
        // Built independently: the project, then each segment below the
        // structure node.
        let expected = std::iter::once(project.as_str())
            .chain(below.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\\");
        prop_assert_eq!(&field, &expected);
        prop_assert_eq!(&field, &field_form(&project, &below_text));
        // The models' converter also reads the `/`-separated form some
        // answers use.
        prop_assert_eq!(&m::node_path_to_field_path(&node.replace('\\', "/")), &expected);
        // Idempotent: a field-form path comes back unchanged.
        prop_assert_eq!(&field_form_of_node_path(&field), &field);
        // And back below the root.
        prop_assert_eq!(&below_root(&project, &field), &below_text);
        // The team-settings form `\A\B` (no project) means the same, unless
        // its first segment is named like the project.
        if below.first().is_none_or(|f| !f.eq_ignore_ascii_case(&project)) {
            prop_assert_eq!(&below_root(&project, &format!("\\{below_text}")), &below_text);
            prop_assert_eq!(&below_root(&project, &below_text), &below_text);
        }
        // `field_form ∘ below_root` is the identity on field-form paths.
        prop_assert_eq!(&field_form(&project, &below_root(&project, &field)), &field);
    }

    /// No input makes the converters panic; a path without the leading
    /// backslash is already in field form and comes back unchanged.
    #[test]
    fn path_converters_never_panic(path in any::<String>(), project in any::<String>()) {
        let field = field_form_of_node_path(&path);
        if !path.starts_with('\\') {
            prop_assert_eq!(&field, &path);
        }
        let _ = m::node_path_to_field_path(&path);
        let below = below_root(&project, &path);
        let _ = field_form(&project, &below);
    }
}

// ---------------------------------------------------------------------------
// Config file
// ---------------------------------------------------------------------------

/// Arbitrary text that is not blank (required fields may not be).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ._-]{1,16}",
        any::<String>(),
        Just("a \"quoted\" \\ value\nwith lines\t'".to_string()),
    ]
    .prop_filter("blank", |s| !s.trim().is_empty())
}

fn connection() -> impl Strategy<Value = Connection> {
    let services = any::<bool>();
    let identity = (
        "[a-zA-Z][a-zA-Z0-9-]{2,31}",
        services,
        valid_org(),
        text(),
        prop::sample::select(vec!["7.1", "7.0", "6.0", "5.0"]),
        prop::sample::select(vec![
            AuthMethod::Pat,
            AuthMethod::DeviceCode,
            AuthMethod::ManagedIdentity,
            AuthMethod::ServicePrincipal,
            AuthMethod::AzureCli,
        ]),
        prop::sample::select(vec![Access::ReadWrite, Access::ReadOnly]),
    );
    let optional = (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of((text(), prop::option::of(text()))),
        prop::option::of(text()),
        prop::collection::btree_map(text(), any::<String>(), 0..4),
        prop::option::of(prop::sample::select(vec![
            AllowlistStatus::Direct,
            AllowlistStatus::Proxy,
            AllowlistStatus::Partial,
            AllowlistStatus::Blocked,
        ])),
        prop::option::of((
            prop::sample::select(vec![
                SecretStoreKind::Keyring,
                SecretStoreKind::Keyutils,
                SecretStoreKind::File,
                SecretStoreKind::None,
            ]),
            any::<String>(),
            any::<String>(),
        )),
        prop::option::of(any::<String>()),
    );
    let mapping = (
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
        any::<[i64; 4]>(),
    );
    (identity, optional, mapping).prop_map(
        |(
            (name, services, org, base_url, api, auth_method, access),
            (tenant, client, user, assignee, field_defaults, allowlist, secret, validated),
            (project, project_id, process, wit, area, iteration, prio),
        )| {
            let (provider_key, deployment_mode, organization, base_url) = if services {
                (
                    ProviderKey::AzureDevopsServices,
                    DeploymentMode::Cloud,
                    Some(org.clone()),
                    format!("https://dev.azure.com/{org}"),
                )
            } else {
                (
                    ProviderKey::AzureDevopsServer,
                    DeploymentMode::SelfHosted,
                    None,
                    base_url,
                )
            };
            Connection {
                name,
                provider_key,
                deployment_mode,
                organization,
                base_url,
                api_version: api.to_string(),
                auth_method,
                access,
                tenant_id: tenant,
                client_id: client,
                user: user.map(|(display_name, sign_in)| ConnectionUser {
                    display_name,
                    sign_in,
                }),
                project,
                project_id,
                process,
                work_item_type: wit,
                area_path: area,
                iteration_path: iteration,
                priority_map: PriorityMap {
                    critical: prio[0],
                    high: prio[1],
                    medium: prio[2],
                    low: prio[3],
                },
                assignee,
                field_defaults,
                allowlist_status: allowlist,
                secret_ref: secret.map(|(store, service, account)| SecretRef {
                    store,
                    service,
                    account,
                }),
                validated_at: validated,
            }
        },
    )
}

/// Connections a config can hold together: the ones `insert` refuses (same
/// name, same organization+project) are dropped.
fn config_of(connections: Vec<Connection>) -> (Config, Vec<Connection>) {
    let mut config = Config::new();
    let mut kept = Vec::new();
    for c in connections {
        if config.insert(c.clone()).is_ok() {
            kept.push(c);
        }
    }
    (config, kept)
}

/// A TOML value for an unknown key: no floats (NaN ≠ NaN) and no dates.
fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(toml::Value::String),
        any::<i64>().prop_map(toml::Value::Integer),
        any::<bool>().prop_map(toml::Value::Boolean),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map("[a-z][a-z0-9_ -]{0,8}", inner, 0..4)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
        ]
    })
}

fn unknown_keys(reserved: &'static [&'static str]) -> impl Strategy<Value = toml::Table> {
    prop::collection::btree_map("[a-z][a-z0-9_]{0,10}|x-[^\\n]{0,6}", toml_value(), 0..4).prop_map(
        move |m| {
            m.into_iter()
                .filter(|(k, _)| !reserved.contains(&k.as_str()))
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(cfg(48))]

    /// Any valid set of connections, saved to disk and loaded back, is equal
    /// (in file order).
    #[test]
    fn connections_survive_a_save_and_a_load(
        connections in prop::collection::vec(connection(), 1..4),
    ) {
        let (config, kept) = config_of(connections);
        let tmp = tempfile::tempdir().unwrap();
        let store = ConfigStore::open(tmp.path().join("cfg"));
        store.save(&config).unwrap();
        let loaded = store.load().unwrap();
        let back: Vec<Connection> = loaded.connections().cloned().collect();
        prop_assert_eq!(back, kept);
        prop_assert!(loaded.unknown_keys().is_empty());
        // And the text itself is stable: rendering the loaded config gives
        // the same file.
        prop_assert_eq!(loaded.to_toml().unwrap(), config.to_toml().unwrap());
    }

    /// Keys this version does not know, at the top level and in each
    /// connection, are read, kept through an update, and written back.
    #[test]
    fn unknown_keys_are_kept(
        connections in prop::collection::vec(connection(), 1..3),
        top in unknown_keys(&["schema", "connection"]),
        per_connection in prop::collection::vec(unknown_keys(CONNECTION_KEYS), 3),
        new_type in text(),
    ) {
        let (config, kept) = config_of(connections);
        let mut doc: toml::Table = config.to_toml().unwrap().parse().unwrap();
        for (k, v) in &top {
            doc.insert(k.clone(), v.clone());
        }
        let Some(toml::Value::Array(tables)) = doc.get_mut("connection") else {
            panic!("no [[connection]] in {doc}");
        };
        for (t, extra) in tables.iter_mut().zip(&per_connection) {
            let toml::Value::Table(t) = t else { panic!("not a table") };
            for (k, v) in extra {
                t.insert(k.clone(), v.clone());
            }
        }
        let text = toml::to_string(&doc).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cfg");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), &text).unwrap();
        let store = ConfigStore::open(&dir);

        let check = |loaded: &Config, want: &[Connection]| -> Result<(), TestCaseError> {
            prop_assert_eq!(loaded.unknown_keys(), &top, "{}", text);
            for (c, extra) in want.iter().zip(&per_connection) {
                prop_assert_eq!(loaded.unknown_connection_keys(&c.name), Some(extra), "{}", text);
            }
            let back: Vec<Connection> = loaded.connections().cloned().collect();
            prop_assert_eq!(back.as_slice(), want);
            Ok(())
        };
        let mut loaded = store.load().unwrap();
        check(&loaded, &kept)?;

        // An update of the first connection keeps everything unknown.
        let mut changed = kept.clone();
        changed[0].work_item_type = new_type;
        loaded.upsert(changed[0].clone()).unwrap();
        store.save(&loaded).unwrap();
        check(&store.load().unwrap(), &changed)?;
    }
}

// ---------------------------------------------------------------------------
// Response models
// ---------------------------------------------------------------------------

/// Every key the models read (camelCase and the snake_case of Entra), plus a
/// few the service sends that no model reads.
const KEYS: &[&str] = &[
    "$id",
    "$type",
    "$value",
    "ErrorMessage",
    "FieldReferenceName",
    "FieldStatusCode",
    "FieldStatusFlags",
    "RuleValidationErrors",
    "_links",
    "abbreviation",
    "accessMappings",
    "accessPoint",
    "accessToken",
    "access_token",
    "accountId",
    "accountName",
    "accountOwner",
    "accountStatus",
    "accountType",
    "accountUri",
    "actions",
    "allowedValues",
    "alwaysRequired",
    "appid",
    "area",
    "attributes",
    "aud",
    "authenticatedUser",
    "authorizedUser",
    "azp",
    "backlogIteration",
    "backlogVisibilities",
    "bit",
    "bugsBehavior",
    "canSortBy",
    "capabilities",
    "category",
    "children",
    "claims",
    "color",
    "coreAttributes",
    "coreRevision",
    "correlationId",
    "correlation_id",
    "count",
    "createdBy",
    "createdDate",
    "customDisplayName",
    "customProperties",
    "customizationType",
    "dataspaceCategory",
    "defaultAccessMappingMoniker",
    "defaultIteration",
    "defaultIterationMacro",
    "defaultTeam",
    "defaultTeamImageUrl",
    "defaultValue",
    "defaultWorkItemType",
    "dependentFields",
    "deploymentId",
    "deploymentType",
    "description",
    "descriptor",
    "device_code",
    "displayName",
    "elementLength",
    "email",
    "emailAddress",
    "error",
    "errorCode",
    "error_codes",
    "error_description",
    "error_uri",
    "eventId",
    "exp",
    "expires_in",
    "expires_on",
    "ext_expires_in",
    "extensionType",
    "field",
    "fieldInstances",
    "fieldReferenceName",
    "fieldStatusCode",
    "fieldStatusFlags",
    "fieldType",
    "fields",
    "from",
    "gitEnabled",
    "hasChildren",
    "helpText",
    "href",
    "iat",
    "icon",
    "id",
    "id_token",
    "identifier",
    "identity",
    "identityUrl",
    "idp",
    "imageUrl",
    "inactive",
    "includeChildren",
    "innerException",
    "instanceId",
    "interval",
    "isActive",
    "isContainer",
    "isDefault",
    "isDeleted",
    "isDisabled",
    "isEnabled",
    "isIdentity",
    "isLocked",
    "isPicklist",
    "isPicklistSuggested",
    "isQueryable",
    "isRemotable",
    "isTeamAdmin",
    "iss",
    "lastChangeId",
    "lastChangeId64",
    "lastUpdateTime",
    "lastUpdatedBy",
    "lastUpdatedDate",
    "links",
    "locationServiceData",
    "maxVersion",
    "message",
    "metaTypeId",
    "minVersion",
    "moniker",
    "name",
    "namespaceId",
    "nbf",
    "oid",
    "op",
    "organizationName",
    "parentProcessTypeId",
    "path",
    "picklistId",
    "preferred_username",
    "processTemplate",
    "projectId",
    "projectName",
    "properties",
    "providerDisplayName",
    "publicAlias",
    "readOnly",
    "readPermission",
    "referenceName",
    "refresh_token",
    "refresh_token_expires_in",
    "rel",
    "relations",
    "releasedVersion",
    "resourceName",
    "resourceVersion",
    "rev",
    "revision",
    "routeTemplate",
    "ruleValidationErrors",
    "scope",
    "scp",
    "separatorValue",
    "serviceOwner",
    "sourceControlType",
    "state",
    "states",
    "statusReason",
    "structureType",
    "structureValue",
    "suberror",
    "subjectDescriptor",
    "supportedOperations",
    "systemBitMask",
    "templateName",
    "templateTypeId",
    "tfvcEnabled",
    "tid",
    "timeStamp",
    "timestamp",
    "to",
    "token_type",
    "traceId",
    "trace_id",
    "transitions",
    "type",
    "typeId",
    "typeKey",
    "typeName",
    "uniqueName",
    "upn",
    "url",
    "usage",
    "useTokenTranslator",
    "user_code",
    "value",
    "values",
    "ver",
    "verificationUri",
    "verification_uri",
    "verification_uri_complete",
    "verification_url",
    "versioncontrol",
    "virtualDirectory",
    "visibility",
    "webApplicationRelativeDirectory",
    "workItemTypes",
    "workingDays",
    "writePermission",
    "xmlForm",
    "System.Title",
    "System.WorkItemType",
    "Custom.X",
];

/// Strings the lenient parsers treat specially, or that stress them.
const STRINGS: &[&str] = &[
    "",
    "True",
    "false",
    "TRUE",
    "2",
    "-1",
    "0x10",
    "1e400",
    "18446744073709551616",
    "NaN",
    "system",
    "System",
    "inherited",
    "custom",
    "wellFormed",
    "area",
    "Iteration",
    "string",
    "integer",
    "treePath",
    "identity",
    "picklistString",
    "\\P\\Area\\A",
    "\\",
    "\\\\",
    "00000000-0000-0000-0000-000000000000",
    "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
    "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJhQGIuYyIsImV4cCI6MX0.",
    "a.b.c",
    "..",
    "AADSTS50020: x",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "VS403463: x",
    "TF400813: x",
    "The requested REST API version of 7.1 is out of range for this server. The latest REST API version this server supports is 6.0.",
    "RuleValidationException",
    "add",
    "replace",
    "test",
    "remove",
    "日本語",
    "\u{0}",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => ".{0,6}",
    ]
}

/// Any JSON value, up to a few levels deep, with object keys mostly taken
/// from the models' own vocabulary so the fields are hit.
fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(json_key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body: any value, or the list envelope around values.
fn json_body() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => json_value(),
        1 => (json_leaf(), prop::collection::vec(json_value(), 0..4))
            .prop_map(|(count, value)| serde_json::json!({"count": count, "value": value})),
    ]
}

/// Parses `v` into `T` from the value and from its text; returns the value
/// parse.
fn parse<T: serde::de::DeserializeOwned>(v: &Value, text: &str) -> Option<T> {
    let _ = serde_json::from_str::<T>(text);
    let _ = serde_json::from_slice::<T>(text.as_bytes());
    serde_json::from_value::<T>(v.clone()).ok()
}

/// Parses `v` into every model type and calls the helpers that read parsed
/// values. The types covered:
///
/// Profile, Account, ConnectionData, Identity, PropertyValue,
/// LocationServiceData, AccessMapping, ResourceLocation, DeviceCodeResponse,
/// TokenResponse, OAuthErrorResponse, JwtClaims, ApiErrorBody,
/// RuleValidationError, ClassificationNode, TeamProjectReference,
/// TeamProject, ProjectCapabilities, ProcessTemplateCapability,
/// VersionControlCapability, WebApiTeamRef, ProjectProperty, Process,
/// WebApiTeam, TeamMember, IdentityRef, SecurityNamespace, ActionDefinition,
/// FieldReference, WorkItemType, WorkItemIcon, WorkItemStateColor,
/// WorkItemStateTransition, WorkItemTypeFieldInstance, WorkItemTypeCategory,
/// WorkItemTypeReference, WorkItemTypeField, WorkItemField, FieldOperation,
/// PatchOp, JsonPatchOperation, JsonPatchDocument, WorkItem,
/// WorkItemRelation, TeamFieldValues, TeamFieldValue, TeamSetting,
/// TeamSettingsIteration; the lenient enums DeploymentType, OAuthErrorKind,
/// TreeNodeStructureType, ProjectState, ProjectVisibility,
/// CustomizationType, FieldType; and the list envelopes the client reads:
/// ListResponse of Account, ClassificationNode, Option<ClassificationNode>,
/// Process, ProjectProperty, SecurityNamespace, TeamMember,
/// TeamProjectReference, WebApiTeam, WorkItemField, WorkItemType,
/// WorkItemTypeCategory, WorkItemTypeField, Value, and
/// PermissionEvaluation (ListResponse<bool>, also as an Option).
fn exercise_models(v: &Value) {
    let text = v.to_string();
    macro_rules! just_parse {
        ($($t:ty),* $(,)?) => { $( let _ = parse::<$t>(v, &text); )* };
    }
    just_parse!(
        m::PropertyValue,
        m::LocationServiceData,
        m::AccessMapping,
        m::ResourceLocation,
        m::RuleValidationError,
        m::TeamProjectReference,
        m::ProjectCapabilities,
        m::ProcessTemplateCapability,
        m::VersionControlCapability,
        m::WebApiTeamRef,
        m::WebApiTeam,
        m::IdentityRef,
        m::ActionDefinition,
        m::FieldReference,
        m::WorkItemIcon,
        m::WorkItemStateColor,
        m::WorkItemStateTransition,
        m::WorkItemTypeCategory,
        m::WorkItemTypeReference,
        m::WorkItemField,
        m::FieldOperation,
        m::PatchOp,
        m::JsonPatchOperation,
        m::JsonPatchDocument,
        m::WorkItemRelation,
        m::TeamFieldValues,
        m::TeamSettingsIteration,
        m::DeploymentType,
        m::OAuthErrorKind,
        m::TreeNodeStructureType,
        m::ProjectState,
        m::ProjectVisibility,
        m::CustomizationType,
        m::FieldType,
        ListResponse<m::Account>,
        ListResponse<m::ClassificationNode>,
        ListResponse<Option<m::ClassificationNode>>,
        ListResponse<m::Process>,
        ListResponse<m::ProjectProperty>,
        ListResponse<m::SecurityNamespace>,
        ListResponse<m::TeamMember>,
        ListResponse<m::TeamProjectReference>,
        ListResponse<m::WebApiTeam>,
        ListResponse<m::WorkItemField>,
        ListResponse<m::WorkItemType>,
        ListResponse<m::WorkItemTypeCategory>,
        ListResponse<m::WorkItemTypeField>,
        ListResponse<Value>,
        m::PermissionEvaluation,
        Option<m::PermissionEvaluation>,
    );

    // Types with helpers: parse, then read.
    if let Some(p) = parse::<m::Profile>(v, &text) {
        let _ = format!("{p:?}");
    }
    if let Some(a) = parse::<m::Account>(v, &text) {
        let _ = a.is_enabled();
    }
    if let Some(c) = parse::<m::ConnectionData>(v, &text) {
        let _ = c.is_anonymous();
    }
    if let Some(i) = parse::<m::Identity>(v, &text) {
        let _ = (i.display_name(), i.account(), i.is_anonymous());
        let _ = i.property_str("Account");
    }
    if let Some(d) = parse::<m::DeviceCodeResponse>(v, &text) {
        let _ = d.poll_interval();
        // Secrets stay redacted in Debug.
        let _ = format!("{d:?}");
    }
    if let Some(t) = parse::<m::TokenResponse>(v, &text) {
        let _ = (t.scopes(), t.access_token_claims(), t.id_token_claims());
    }
    if let Some(e) = parse::<m::OAuthErrorResponse>(v, &text) {
        let _ = (e.kind(), e.aadsts_code());
    }
    if let Some(c) = parse::<m::JwtClaims>(v, &text) {
        let _ = (
            c.sign_in_name(),
            c.scopes(),
            c.is_expired_at(u64::MAX),
            c.is_expired_at(0),
        );
    }
    if let Some(e) = parse::<m::ApiErrorBody>(v, &text) {
        let _ = (
            e.is_azure_devops_error(),
            e.message(),
            e.has_type_key("RuleValidationException"),
            e.chain().count(),
            e.message_code(),
            e.version_out_of_range(),
        );
        for r in e.rule_validation_errors() {
            let _ = r.is_required_missing();
        }
    }
    if let Some(n) = parse::<m::ClassificationNode>(v, &text) {
        let _ = (n.field_path(), n.start_date(), n.finish_date(), n.count());
        let _ = n.walk().with_depth().count();
        for (path, _) in n.field_paths() {
            let _ = n.find_by_field_path(&path);
        }
        let _ = n.find_by_field_path("\\");
        let picker = TreePicker::from_classification(&n);
        let _ = picker.window(0, 20);
    }
    if let Some(p) = parse::<m::TeamProject>(v, &text) {
        let _ = (
            p.as_reference(),
            p.process_template_name(),
            p.process_template_type_id(),
        );
        let _ = ado_setup::checks::process_name(&p);
    }
    if let Some(p) = parse::<m::ProjectProperty>(v, &text) {
        let _ = p.value_str();
    }
    if let Some(p) = parse::<m::Process>(v, &text) {
        let _ = (p.parent(), p.system_base());
    }
    if let Some(t) = parse::<m::TeamMember>(v, &text) {
        let _ = format!("{t:?}");
    }
    if let Some(s) = parse::<m::SecurityNamespace>(v, &text) {
        let _ = (
            s.bit_for("GENERIC_READ"),
            s.action_for_bit(1),
            s.action_for_bit(0),
        );
    }
    if let Some(t) = parse::<m::WorkItemType>(v, &text) {
        let _ = (
            t.field_list().len(),
            t.has_field("System.Title"),
            t.is_enabled(),
        );
        let _ = t.field("System.Title");
        let _ = t.required_fields().count();
    }
    if let Some(i) = parse::<m::WorkItemTypeFieldInstance>(v, &text) {
        let _ = format!("{i:?}");
    }
    if let Some(f) = parse::<m::WorkItemTypeField>(v, &text) {
        let _ = (
            f.has_allowed_values(),
            f.allowed_value_strings(),
            f.allows_str("1"),
        );
        let _ = f.allows(v);
    }
    if let Some(w) = parse::<m::WorkItem>(v, &text) {
        let _ = (
            w.title(),
            w.work_item_type(),
            w.real_id(),
            w.link_href("self"),
        );
        let _ = w.field_str("System.Title");
    }
    if let Some(t) = parse::<m::TeamFieldValue>(v, &text) {
        let _ = format!("{t:?}");
    }
    if let Some(t) = parse::<m::TeamSetting>(v, &text) {
        let _ = format!("{t:?}");
    }
    if let Some(o) = parse::<m::JsonPatchOperation>(v, &text) {
        let _ = o.field_reference_name();
    }
}

proptest! {
    #![proptest_config(cfg(384))]

    /// Arbitrary JSON into every model: an error at most, never a panic.
    #[test]
    fn models_never_panic(v in json_body()) {
        exercise_models(&v);
    }

    /// The free functions that read text out of responses.
    #[test]
    fn response_text_helpers_never_panic(s in prop_oneof![
        any::<String>(),
        prop::sample::select(STRINGS).prop_map(str::to_string),
        "[A-Za-z0-9_=.-]{0,40}",
    ]) {
        let _ = m::decode_jwt_claims(&s);
        if let Some(bytes) = m::base64url_decode(&s) {
            prop_assert_eq!(m::base64url_decode(&m::base64url_encode(&bytes)), Some(bytes));
        }
        let _ = m::parse_version_out_of_range(&s);
        let _ = m::is_anonymous_id(&s);
        let _ = m::system_process_name(&s);
    }
}

/// Deeply nested answers (children of children, inner exceptions of inner
/// exceptions) up to serde_json's recursion limit parse on a stack the size
/// of a runtime worker's (2 MiB) without overflowing; deeper ones are
/// refused.
#[test]
fn deep_nesting_does_not_overflow_a_worker_stack() {
    let run = || {
        for depth in [100usize, 126, 127, 128, 200, 5_000] {
            let mut node = r#"{"name":"leaf"}"#.to_string();
            let mut error = r#"{"message":"leaf"}"#.to_string();
            for i in 0..depth {
                node = format!(r#"{{"name":"n{i}","children":[{node}]}}"#);
                error = format!(r#"{{"message":"m{i}","innerException":{error}}}"#);
            }
            let n = serde_json::from_str::<m::ClassificationNode>(&node);
            if let Ok(n) = &n {
                let _ = n.field_paths();
                let picker = TreePicker::from_classification(n);
                let _ = picker.total();
            }
            let e = serde_json::from_str::<m::ApiErrorBody>(&error);
            if let Ok(e) = &e {
                let _ = e.chain().count();
                let _ = e.message_code();
            }
            let list = format!(r#"{{"count":1,"value":[{node}]}}"#);
            let _ = serde_json::from_str::<ListResponse<m::ClassificationNode>>(&list);
            if depth >= 200 {
                assert!(n.is_err(), "depth {depth} accepted");
            }
        }
    };
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(run)
        .unwrap()
        .join()
        .expect("deep nesting overflowed or panicked");
}

// ---------------------------------------------------------------------------
// The response classifier
// ---------------------------------------------------------------------------

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        json_body().prop_map(|v| v.to_string().into_bytes()),
        Just(b"  <!DOCTYPE html><html>sign in</html>".to_vec()),
        Just(br#"{"message":"TF400813: The user is not authorized","typeKey":"UnauthorizedRequestException"}"#.to_vec()),
        Just(br#"{"message":"VS403463: Conditional Access","typeKey":"x","eventId":3000}"#.to_vec()),
        Just(br#"{"message":"x","typeKey":"RuleValidationException","customProperties":{"RuleValidationErrors":[{"fieldReferenceName":"A","fieldStatusFlags":"required, hasValues","errorMessage":"e"}]}}"#.to_vec()),
        Just(br#"{"message":"The requested REST API version of 7.1 is out of range for this server. The latest REST API version this server supports is 6.0.","typeKey":"VssVersionOutOfRangeException"}"#.to_vec()),
        Just(br#"{"$id":"1","innerException":null,"message":"AadUserStateException","typeKey":"AadUserStateException"}"#.to_vec()),
    ]
}

proptest! {
    #![proptest_config(cfg(1024))]

    /// Any answer: a verdict, never a panic; the basic rules hold.
    #[test]
    fn classify_never_panics(
        status in prop_oneof![100u16..600, any::<u16>()],
        host in prop_oneof![Just("dev.azure.com".to_string()), ".{0,20}"],
        content_type in prop::option::of(prop_oneof![
            Just("application/json; charset=utf-8".to_string()),
            Just("text/html".to_string()),
            Just("TEXT/HTML; charset=utf-8".to_string()),
            ".{0,20}",
        ]),
        location in prop::option::of(prop_oneof![
            Just("https://dev.azure.com/contoso/_signin?realm=x#y".to_string()),
            Just("http://localhost:1/x".to_string()),
            ".{0,400}",
        ]),
        activity in prop::option::of(".{0,10}"),
        body in body(),
    ) {
        let answer = Answer {
            status,
            host: &host,
            content_type: content_type.as_deref(),
            location: location.as_deref(),
            ids: SupportIds { activity_id: activity, ..SupportIds::default() },
            body: &body,
        };
        match classify(answer) {
            Ok(()) => prop_assert!((200..300).contains(&status) && status != 203),
            Err(e) => {
                prop_assert!(!e.code().is_empty());
                let _ = (e.to_string(), e.fix(), e.status(), e.support_ids());
                if (300..400).contains(&status) {
                    prop_assert_eq!(e.status(), Some(status));
                }
            }
        }
    }
}

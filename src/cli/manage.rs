//! `list`, `show`, `remove` and `export`: the saved connections, for people
//! and for the integration that consumes them (SPEC §1, §5).
//!
//! Each command is a function from the config store (and, for `remove` and
//! `export`, the secret store the connection's `secret_ref` names) to an
//! [`Outcome`] — what to print and the exit code — or a [`Failure`] — a
//! [`Problem`] (code, one-line message, fix) and the exit code. Nothing here
//! writes to the terminal: questions go through [`Console::confirm`], so tests
//! drive them.
//!
//! The secret is never printed, except by `export --include-secret` when
//! standard output is a terminal and the user said yes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use std::io::Write as _;
use std::process::ExitCode;

use super::process::{problem_exit, runtime};
use crate::cli::{Command, ExportFormat, GlobalArgs, exit};
use crate::problem::Problem;
use crate::store::config::{
    Access, AllowlistStatus, AuthMethod, Config, ConfigError, ConfigStore, Connection,
    DeploymentMode, PriorityMap, ProviderKey, SecretRef, validate_connection_name,
};
use crate::store::secrets::{PAT_ENV, SecretError, SecretStore, SecretStoreKind};
use crate::text::{self, Untrusted};

/// Schema of `list --json`.
pub const LIST_SCHEMA: &str = "ado-setup.list/v1";
/// Schema of `show --json`.
pub const CONNECTION_SCHEMA: &str = "ado-setup.connection/v1";
/// Schema of `export --format json`.
pub const EXPORT_SCHEMA: &str = "ado-setup.export/v1";

/// The variables `export --format env` prints, in order, with what they hold
/// (the README's table). An absent value is printed empty (`NAME=`).
pub const ENV_VARS: &[(&str, &str)] = &[
    ("ADO_SETUP_CONNECTION", "connection name"),
    (
        "AZURE_DEVOPS_PROVIDER_KEY",
        "`azure_devops_services` or `azure_devops_server`",
    ),
    ("AZURE_DEVOPS_DEPLOYMENT_MODE", "`cloud` or `self-hosted`"),
    (
        "AZURE_DEVOPS_ORG_URL",
        "`base_url`: `https://dev.azure.com/{org}`, or the Server collection URL",
    ),
    (
        "AZURE_DEVOPS_ORGANIZATION",
        "organization name (Services; empty for Server)",
    ),
    ("AZURE_DEVOPS_PROJECT", "project name"),
    ("AZURE_DEVOPS_PROJECT_ID", "project id (GUID)"),
    ("AZURE_DEVOPS_API_VERSION", "REST api-version, e.g. `7.1`"),
    ("AZURE_DEVOPS_AUTH_METHOD", "`pat` or `device_code`"),
    ("AZURE_DEVOPS_ACCESS", "`read_write` or `read_only`"),
    (
        "AZURE_DEVOPS_TENANT_ID",
        "Entra tenant (device code; else empty)",
    ),
    (
        "AZURE_DEVOPS_CLIENT_ID",
        "Entra public client id (device code; else empty)",
    ),
    ("AZURE_DEVOPS_WORK_ITEM_TYPE", "work item type to create"),
    (
        "AZURE_DEVOPS_AREA_PATH",
        "area path, field form `Project\\Area`",
    ),
    ("AZURE_DEVOPS_ITERATION_PATH", "iteration path, field form"),
    (
        "AZURE_DEVOPS_PRIORITY_MAP",
        "severity → priority, `critical=1,high=2,medium=3,low=4`",
    ),
    ("AZURE_DEVOPS_ASSIGNEE", "default assignee (empty: none)"),
    (
        "AZURE_DEVOPS_FIELD_DEFAULTS",
        "values for required fields by reference name, a JSON object",
    ),
    (
        "ADO_SETUP_SECRET_STORE",
        "where the secret is: `keyring`, `keyutils`, `file` or `none`",
    ),
    (
        "ADO_SETUP_SECRET_SERVICE",
        "its keyring service (`ado-setup`)",
    ),
    (
        "ADO_SETUP_SECRET_ACCOUNT",
        "its keyring account (the connection name)",
    ),
];

/// Variable of the refresh token (Microsoft sign-in) with `--include-secret`.
pub const REFRESH_TOKEN_ENV: &str = "AZURE_DEVOPS_REFRESH_TOKEN";

/// Code of `remove` without `--yes` where nobody can be asked.
pub const CONFIRMATION_REQUIRED: &str = "CONFIRMATION_REQUIRED";
/// Code of `export --include-secret` where the secret would not stay on a terminal.
pub const SECRET_EXPORT_REFUSED: &str = "SECRET_EXPORT_REFUSED";

/// What a command prints, and its exit code.
pub struct Outcome {
    /// Standard output (zeroized when dropped: `export --include-secret`
    /// puts the secret here).
    pub stdout: Zeroizing<String>,
    /// Standard error: notes and warnings, each line complete.
    pub stderr: String,
    /// Exit code (SPEC §5).
    pub code: u8,
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // stdout may hold a secret: never show it.
        f.debug_struct("Outcome")
            .field("stdout", &format_args!("<{} bytes>", self.stdout.len()))
            .field("stderr", &self.stderr)
            .field("code", &self.code)
            .finish()
    }
}

impl Outcome {
    fn ok(stdout: String) -> Self {
        Outcome {
            stdout: Zeroizing::new(stdout),
            stderr: String::new(),
            code: exit::OK,
        }
    }

    fn cancelled(what: &str) -> Self {
        Outcome {
            stdout: Zeroizing::new(String::new()),
            stderr: format!("ado-setup: cancelled; {what}\n"),
            code: exit::CANCELLED,
        }
    }
}

/// A command that could not do its job: the problem and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Code, one-line message, fix.
    pub problem: Problem,
    /// Exit code (SPEC §5).
    pub code: u8,
}

impl Failure {
    fn new(code: u8, problem: Problem) -> Self {
        Failure { problem, code }
    }

    fn usage(problem: Problem) -> Self {
        Self::new(exit::USAGE, problem)
    }
}

/// The terminal, as far as these commands need it.
pub struct Console<'a> {
    /// A question can be asked and answered (standard input and standard
    /// error are terminals).
    pub can_ask: bool,
    /// Standard output is a terminal (not piped or redirected).
    pub stdout_is_tty: bool,
    /// Asks a yes/no question (the text ends with `[y/N] `); true for yes.
    pub confirm: &'a mut dyn FnMut(&str) -> bool,
}

/// Whether an answer to a `[y/N]` question is yes (`y` or `yes`, any case).
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Runs `list`, `show`, `remove` or `export` (other commands are not this
/// module's: they fail as a usage error).
pub async fn run(
    global: &GlobalArgs,
    command: &Command,
    console: &mut Console<'_>,
) -> Result<Outcome, Failure> {
    let store = ConfigStore::resolve(global.config_dir.as_deref()).map_err(config_failure)?;
    match command {
        Command::List { json } => list(&store, *json),
        Command::Show { name, json } => show(&store, name, *json),
        Command::Remove { name, yes } => remove(&store, name, *yes, console).await,
        Command::Export {
            name,
            format,
            include_secret,
        } => export(&store, name, *format, *include_secret, console).await,
        _ => Err(Failure::usage(Problem::new(
            "CONFIG_INVALID",
            "this command does not manage saved connections",
            "See `ado-setup --help`",
        ))),
    }
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

/// `list [--json]`: every saved connection, sorted by name.
pub fn list(store: &ConfigStore, json: bool) -> Result<Outcome, Failure> {
    let config = load(store)?;
    let mut connections: Vec<&Connection> = config.connections().collect();
    connections.sort_by_key(|c| c.name.to_ascii_lowercase());
    if json {
        let value = ListView {
            schema: LIST_SCHEMA,
            config_path: store.path().display().to_string(),
            connections: connections
                .iter()
                .map(|c| ConnectionView::new(c, store))
                .collect(),
        };
        return Ok(Outcome::ok(pretty(&value)));
    }
    if connections.is_empty() {
        return Ok(Outcome::ok(format!(
            "No connections yet; run `ado-setup` to create one.\n(config: {})\n",
            store.path().display()
        )));
    }
    let header = [
        "NAME",
        "DEPLOYMENT",
        "ORGANIZATION / COLLECTION URL",
        "PROJECT",
        "AUTH",
        "VALIDATED",
    ];
    // The config may hold names as a server sent them (or as someone
    // edited them): each cell is made safe before the columns are measured.
    let rows: Vec<[String; 6]> = connections
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                deployment_label(c).to_string(),
                c.org_label().to_string(),
                c.project.clone(),
                c.auth_method.as_str().to_string(),
                c.validated_at
                    .clone()
                    .unwrap_or_else(|| "never".to_string()),
            ]
            .map(text::clean_string)
        })
        .collect();
    Ok(Outcome::ok(table(&header, &rows)))
}

fn deployment_label(c: &Connection) -> &'static str {
    match c.provider_key {
        crate::store::config::ProviderKey::AzureDevopsServices => "services",
        crate::store::config::ProviderKey::AzureDevopsServer => "server",
    }
}

/// Columns separated by two spaces, the last one not padded.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 < N {
                let pad = widths[i].saturating_sub(cell.chars().count());
                let _ = write!(l, "{cell}{}  ", " ".repeat(pad));
            } else {
                l.push_str(cell);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

// ---------------------------------------------------------------------------
// show
// ---------------------------------------------------------------------------

/// `show NAME [--json]`: every field of SPEC §1; the secret only as where
/// it is kept.
pub fn show(store: &ConfigStore, name: &str, json: bool) -> Result<Outcome, Failure> {
    let config = load(store)?;
    let c = find(store, &config, name)?;
    if json {
        let value = ShowView {
            schema: CONNECTION_SCHEMA,
            config_path: store.path().display().to_string(),
            connection: ConnectionView::new(c, store),
        };
        return Ok(Outcome::ok(pretty(&value)));
    }
    let none = || "(none)".to_string();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(none);
    let safe = |v: &str| text::clean(v).into_owned();
    let user = c.user.as_ref().map_or_else(none, |u| match &u.sign_in {
        Some(s) => format!(
            "{} <{}>",
            Untrusted::new(&u.display_name),
            Untrusted::new(s)
        ),
        None => safe(&u.display_name),
    });
    let field_defaults = if c.field_defaults.is_empty() {
        none()
    } else {
        c.field_defaults
            .iter()
            .map(|(k, v)| format!("{} = {}", Untrusted::new(k), Untrusted::new(v)))
            .collect::<Vec<_>>()
            .join(&format!("\n{}", " ".repeat(2 + LABEL_WIDTH)))
    };
    let fields: Vec<(&str, String)> = vec![
        ("provider_key", c.provider_key.as_str().to_string()),
        ("deployment_mode", c.deployment_mode.as_str().to_string()),
        ("organization", opt(&c.organization)),
        ("base_url", c.base_url.clone()),
        ("api_version", c.api_version.clone()),
        ("auth_method", c.auth_method.as_str().to_string()),
        ("access", c.access.as_str().to_string()),
        ("tenant_id", opt(&c.tenant_id)),
        ("client_id", opt(&c.client_id)),
        ("user", user),
        ("project", c.project.clone()),
        ("project_id", c.project_id.clone()),
        ("process", c.process.clone()),
        ("work_item_type", c.work_item_type.clone()),
        ("area_path", c.area_path.clone()),
        ("iteration_path", c.iteration_path.clone()),
        ("priority_map", c.priority_map.to_string()),
        ("assignee", opt(&c.assignee)),
        ("field_defaults", field_defaults),
        (
            "allowlist_status",
            c.allowlist_status
                .map_or_else(|| "(not checked)".to_string(), |s| s.as_str().to_string()),
        ),
        ("secret_ref", secret_ref_text(c.secret_ref.as_ref(), store)),
        (
            "validated_at",
            c.validated_at
                .clone()
                .unwrap_or_else(|| "never".to_string()),
        ),
    ];
    let mut out = format!("Connection {}\n", Untrusted::new(&c.name));
    for (label, value) in fields {
        // `field_defaults` spans lines of its own making; every other value
        // is one line.
        let value = if label == "field_defaults" {
            text::clean_lines_string(value)
        } else {
            text::clean_string(value)
        };
        let _ = writeln!(out, "  {label:<LABEL_WIDTH$}{value}");
    }
    let _ = writeln!(
        out,
        "  {:<LABEL_WIDTH$}{}",
        "config",
        store.path().display()
    );
    Ok(Outcome::ok(out))
}

const LABEL_WIDTH: usize = 18;

/// Where the secret is, for people: the store and its key, never the secret.
fn secret_ref_text(r: Option<&SecretRef>, store: &ConfigStore) -> String {
    let Some(r) = r else {
        return "(none recorded)".to_string();
    };
    let key = format!("service {}, account {}", r.service, r.account);
    match r.store {
        SecretStoreKind::Keyutils => format!("{}, lost on reboot ({key})", place(r, store)),
        SecretStoreKind::None => format!("not stored: the integration reads {PAT_ENV}"),
        _ => format!("{} ({key})", place(r, store)),
    }
}

/// The store a secret is in, for people: "the OS keyring", "the secrets file PATH".
fn place(r: &SecretRef, store: &ConfigStore) -> String {
    match r.store {
        SecretStoreKind::Keyring => "the OS keyring".to_string(),
        SecretStoreKind::Keyutils => "the kernel keyring".to_string(),
        SecretStoreKind::File => format!("the secrets file {}", secrets_file(store)),
        SecretStoreKind::None => "no secret store".to_string(),
    }
}

/// `list --json`.
#[derive(Serialize)]
struct ListView<'a> {
    schema: &'static str,
    config_path: String,
    connections: Vec<ConnectionView<'a>>,
}

/// `show --json`.
#[derive(Serialize)]
struct ShowView<'a> {
    schema: &'static str,
    config_path: String,
    connection: ConnectionView<'a>,
}

/// Every field of SPEC §1, in its order; absent ones `null`.
#[derive(Serialize)]
struct ConnectionView<'a> {
    name: &'a str,
    provider_key: ProviderKey,
    deployment_mode: DeploymentMode,
    organization: Option<&'a str>,
    base_url: &'a str,
    api_version: &'a str,
    auth_method: AuthMethod,
    access: Access,
    tenant_id: Option<&'a str>,
    client_id: Option<&'a str>,
    user: Option<UserView<'a>>,
    project: &'a str,
    project_id: &'a str,
    process: &'a str,
    work_item_type: &'a str,
    area_path: &'a str,
    iteration_path: &'a str,
    priority_map: &'a PriorityMap,
    assignee: Option<&'a str>,
    field_defaults: &'a BTreeMap<String, String>,
    allowlist_status: Option<AllowlistStatus>,
    secret_ref: Option<SecretRefView<'a>>,
    validated_at: Option<&'a str>,
}

#[derive(Serialize)]
struct UserView<'a> {
    display_name: &'a str,
    sign_in: Option<&'a str>,
}

/// Where the secret is: store, service, account and, in `list`/`show`, the
/// file store's path (`null` for the other stores; left out of `export`).
#[derive(Serialize)]
struct SecretRefView<'a> {
    store: SecretStoreKind,
    service: &'a str,
    account: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<Option<String>>,
}

impl<'a> SecretRefView<'a> {
    /// With `path` when `store` is given.
    fn new(r: &'a SecretRef, store: Option<&ConfigStore>) -> Self {
        SecretRefView {
            store: r.store,
            service: &r.service,
            account: &r.account,
            path: store.map(|s| (r.store == SecretStoreKind::File).then(|| secrets_file(s))),
        }
    }
}

impl<'a> ConnectionView<'a> {
    fn new(c: &'a Connection, store: &ConfigStore) -> Self {
        ConnectionView {
            name: &c.name,
            provider_key: c.provider_key,
            deployment_mode: c.deployment_mode,
            organization: c.organization.as_deref(),
            base_url: &c.base_url,
            api_version: &c.api_version,
            auth_method: c.auth_method,
            access: c.access,
            tenant_id: c.tenant_id.as_deref(),
            client_id: c.client_id.as_deref(),
            user: c.user.as_ref().map(|u| UserView {
                display_name: &u.display_name,
                sign_in: u.sign_in.as_deref(),
            }),
            project: &c.project,
            project_id: &c.project_id,
            process: &c.process,
            work_item_type: &c.work_item_type,
            area_path: &c.area_path,
            iteration_path: &c.iteration_path,
            priority_map: &c.priority_map,
            assignee: c.assignee.as_deref(),
            field_defaults: &c.field_defaults,
            allowlist_status: c.allowlist_status,
            secret_ref: c
                .secret_ref
                .as_ref()
                .map(|r| SecretRefView::new(r, Some(store))),
            validated_at: c.validated_at.as_deref(),
        }
    }
}

/// The file store's `secrets.toml` for this config dir.
fn secrets_file(store: &ConfigStore) -> String {
    SecretStore::file(store.dir()).file_path().map_or_else(
        || store.dir().display().to_string(),
        |p| p.display().to_string(),
    )
}

// ---------------------------------------------------------------------------
// remove
// ---------------------------------------------------------------------------

/// `remove NAME [--yes]`: asks on a terminal (or needs `--yes`), removes the
/// config entry (atomic save), then the secret. A secret that cannot be
/// deleted is a warning with the manual fix: the connection is gone either way.
pub async fn remove(
    store: &ConfigStore,
    name: &str,
    yes: bool,
    console: &mut Console<'_>,
) -> Result<Outcome, Failure> {
    let mut config = load(store)?;
    let connection = find(store, &config, name)?.clone();
    let name = connection.name.as_str();
    if !yes {
        if !console.can_ask {
            return Err(Failure::usage(Problem::new(
                CONFIRMATION_REQUIRED,
                format!(
                    "removing {name} needs confirmation, and there is no terminal to ask on \
                     (standard input is not one); nothing was removed"
                ),
                format!("Run `ado-setup remove {name} --yes` to remove it without asking"),
            )));
        }
        if !(console.confirm)(&format!("Remove {name} and its secret? [y/N] ")) {
            return Ok(Outcome::cancelled("nothing was removed"));
        }
    }

    config.remove(name);
    let saved = store.save(&config).map_err(config_failure)?;
    let mut stdout = format!("Removed connection {name} from {}.\n", saved.path.display());
    let mut stderr = String::new();
    for w in &saved.warnings {
        let _ = writeln!(
            stderr,
            "ado-setup: warning: CONFIG_INVALID: {}\n  fix: {}",
            w.message, w.fix
        );
    }

    match &connection.secret_ref {
        None => stdout.push_str("It had no stored secret.\n"),
        Some(r) if r.store == SecretStoreKind::None => {
            let _ = writeln!(
                stdout,
                "It had no stored secret (the integration read {PAT_ENV})."
            );
        }
        Some(r) => {
            let deleted = match SecretStore::open_ref(r, store.dir()).await {
                Ok(s) => s.delete(r).await.map(|found| (found, place(r, store))),
                Err(e) => Err(e),
            };
            match deleted {
                Ok((true, place)) => {
                    let _ = writeln!(stdout, "Removed its secret from {place}.");
                }
                Ok((false, place)) => {
                    let _ = writeln!(
                        stdout,
                        "Its secret was not in {place}; there was nothing to remove."
                    );
                }
                Err(e) => {
                    let _ = writeln!(
                        stderr,
                        "ado-setup: warning: {}: {name} was removed, but its secret is still \
                         stored: {e}\n  fix: {}",
                        e.code(),
                        manual_delete_fix(r, store)
                    );
                    stdout.push_str("Its secret is still stored (see the warning).\n");
                }
            }
        }
    }
    Ok(Outcome {
        stdout: Zeroizing::new(stdout),
        stderr,
        code: exit::OK,
    })
}

/// How to delete a secret by hand when the store refused.
fn manual_delete_fix(r: &SecretRef, store: &ConfigStore) -> String {
    let (service, account) = (&r.service, &r.account);
    match r.store {
        SecretStoreKind::Keyring if cfg!(target_os = "macos") => format!(
            "Unlock the login keychain, then: security delete-generic-password -s {service} -a {account}"
        ),
        SecretStoreKind::Keyring if cfg!(target_os = "windows") => {
            format!("Delete it from Credential Manager: cmdkey /delete:{account}.{service}")
        }
        SecretStoreKind::Keyring => format!(
            "Unlock the keyring in a desktop session, then: secret-tool clear service {service} username {account}"
        ),
        SecretStoreKind::Keyutils => format!(
            "keyctl purge user 'keyring:{account}@{service}' (the kernel keyring also forgets it at reboot)"
        ),
        SecretStoreKind::File => {
            let path = secrets_file(store);
            format!(
                "Delete the line `{account} = \"…\"` under [{service}] in {path} (keep the file mode 0600)"
            )
        }
        SecretStoreKind::None => "Nothing to do: no secret was stored".to_string(),
    }
}

// ---------------------------------------------------------------------------
// export
// ---------------------------------------------------------------------------

/// `export NAME --format json|env [--include-secret]`: the connection for
/// the integration. The secret only with `--include-secret`, only to a
/// terminal, only after the user says yes.
pub async fn export(
    store: &ConfigStore,
    name: &str,
    format: ExportFormat,
    include_secret: bool,
    console: &mut Console<'_>,
) -> Result<Outcome, Failure> {
    let config = load(store)?;
    let c = find(store, &config, name)?;
    let secret = if include_secret {
        match secret_for_export(store, c, console).await? {
            Some(s) => Some(s),
            None => return Ok(Outcome::cancelled("nothing was printed")),
        }
    } else {
        None
    };
    let secret = secret.map(|s| (secret_names(c.auth_method), s));
    let stdout = match format {
        ExportFormat::Json => export_json(c, secret.as_ref()),
        ExportFormat::Env => export_env(c, secret.as_ref()),
    };
    Ok(Outcome {
        stdout,
        stderr: String::new(),
        code: exit::OK,
    })
}

/// (environment variable, JSON `secret.kind`) of a connection's secret.
fn secret_names(auth: AuthMethod) -> (&'static str, &'static str) {
    match auth {
        AuthMethod::Pat => (PAT_ENV, "pat"),
        AuthMethod::DeviceCode => (REFRESH_TOKEN_ENV, "refresh_token"),
        AuthMethod::ServicePrincipal => ("AZURE_CLIENT_SECRET", "client_secret"),
        AuthMethod::ManagedIdentity | AuthMethod::AzureCli => ("ADO_SETUP_SECRET", "secret"),
    }
}

/// The secret for `--include-secret`: refused unless standard output is a
/// terminal and the user confirms (`Ok(None)`: declined).
async fn secret_for_export(
    store: &ConfigStore,
    c: &Connection,
    console: &mut Console<'_>,
) -> Result<Option<SecretString>, Failure> {
    let name = &c.name;
    let keep_it_stored = format!(
        "Let the integration read the secret from its store (`ado-setup export {name}` \
         names it in secret_ref), or give it {PAT_ENV}"
    );
    if !console.stdout_is_tty {
        return Err(Failure::usage(Problem::new(
            SECRET_EXPORT_REFUSED,
            "--include-secret prints the secret only to a terminal, and standard output is \
             piped or redirected; nothing was printed",
            format!(
                "{keep_it_stored}; to read the secret yourself, run the command in a terminal without redirecting its output"
            ),
        )));
    }
    if !console.can_ask {
        return Err(Failure::usage(Problem::new(
            SECRET_EXPORT_REFUSED,
            "--include-secret needs your confirmation, and standard input is not a terminal \
             to ask on; nothing was printed",
            format!("Run it in an interactive terminal, or: {keep_it_stored}"),
        )));
    }
    let r = match &c.secret_ref {
        Some(r) if r.store != SecretStoreKind::None => r,
        _ => {
            let e = SecretError::NotStored;
            return Err(Failure::usage(Problem::new(
                e.code(),
                format!("{name} has no stored secret: {e}"),
                e.fix(),
            )));
        }
    };
    let (_, kind) = secret_names(c.auth_method);
    let what = match kind {
        "pat" => "personal access token",
        "refresh_token" => "refresh token (a long-lived Microsoft sign-in)",
        _ => "secret",
    };
    let question = format!(
        "Print the {what} of {name} on this terminal? Anyone who sees the screen or its \
         scrollback can use it. [y/N] "
    );
    if !(console.confirm)(&question) {
        return Ok(None);
    }
    let store_failure =
        |e: SecretError| Failure::new(exit::FAILED, Problem::new(e.code(), e.to_string(), e.fix()));
    let secrets = SecretStore::open_ref(r, store.dir())
        .await
        .map_err(store_failure)?;
    match secrets.get(r).await.map_err(store_failure)? {
        Some(s) => Ok(Some(s)),
        None => Err(Failure::new(
            exit::AUTH,
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the secret of {name} is not in {} (service {}, account {})",
                    place(r, store),
                    r.service,
                    r.account
                ),
                format!("Sign in again and store it: `ado-setup edit {name}`"),
            ),
        )),
    }
}

/// `export --format json`: what the integration needs, in a stable order.
#[derive(Serialize)]
struct ExportView<'a> {
    schema: &'static str,
    name: &'a str,
    provider_key: ProviderKey,
    deployment_mode: DeploymentMode,
    base_url: &'a str,
    organization: Option<&'a str>,
    project: &'a str,
    project_id: &'a str,
    api_version: &'a str,
    auth_method: AuthMethod,
    access: Access,
    tenant_id: Option<&'a str>,
    client_id: Option<&'a str>,
    work_item_type: &'a str,
    area_path: &'a str,
    iteration_path: &'a str,
    priority_map: &'a PriorityMap,
    assignee: Option<&'a str>,
    field_defaults: &'a BTreeMap<String, String>,
    secret_ref: Option<SecretRefView<'a>>,
    /// Only with `--include-secret`, confirmed on a terminal.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<SecretView<'a>>,
}

#[derive(Serialize)]
struct SecretView<'a> {
    kind: &'static str,
    value: &'a str,
}

/// The export object; `secret`: ((env name, kind), value) with `--include-secret`.
fn export_json(
    c: &Connection,
    secret: Option<&((&str, &'static str), SecretString)>,
) -> Zeroizing<String> {
    let view = ExportView {
        schema: EXPORT_SCHEMA,
        name: &c.name,
        provider_key: c.provider_key,
        deployment_mode: c.deployment_mode,
        base_url: &c.base_url,
        organization: c.organization.as_deref(),
        project: &c.project,
        project_id: &c.project_id,
        api_version: &c.api_version,
        auth_method: c.auth_method,
        access: c.access,
        tenant_id: c.tenant_id.as_deref(),
        client_id: c.client_id.as_deref(),
        work_item_type: &c.work_item_type,
        area_path: &c.area_path,
        iteration_path: &c.iteration_path,
        priority_map: &c.priority_map,
        assignee: c.assignee.as_deref(),
        field_defaults: &c.field_defaults,
        secret_ref: c.secret_ref.as_ref().map(|r| SecretRefView::new(r, None)),
        secret: secret.map(|((_, kind), s)| SecretView {
            kind,
            value: s.expose_secret(),
        }),
    };
    Zeroizing::new(pretty(&view))
}

/// `NAME=value` lines (POSIX shell syntax, values quoted where needed).
fn export_env(
    c: &Connection,
    secret: Option<&((&str, &'static str), SecretString)>,
) -> Zeroizing<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let field_defaults = if c.field_defaults.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&c.field_defaults)
            .map(|j| text::json_safe(&j).into_owned())
            .unwrap_or_default()
    };
    let r = c.secret_ref.as_ref();
    let values: Vec<String> = vec![
        c.name.clone(),
        c.provider_key.as_str().to_string(),
        c.deployment_mode.as_str().to_string(),
        c.base_url.clone(),
        opt(&c.organization),
        c.project.clone(),
        c.project_id.clone(),
        c.api_version.clone(),
        c.auth_method.as_str().to_string(),
        c.access.as_str().to_string(),
        opt(&c.tenant_id),
        opt(&c.client_id),
        c.work_item_type.clone(),
        c.area_path.clone(),
        c.iteration_path.clone(),
        c.priority_map.to_string(),
        opt(&c.assignee),
        field_defaults,
        r.map(|r| r.store.as_str().to_string()).unwrap_or_default(),
        r.map(|r| r.service.clone()).unwrap_or_default(),
        r.map(|r| r.account.clone()).unwrap_or_default(),
    ];
    let mut out = Zeroizing::new(String::new());
    for ((var, _), value) in ENV_VARS.iter().zip(&values) {
        // Safe on a terminal first (no control or bidi character survives),
        // then quoted for the shell that sources it.
        let _ = writeln!(out, "{var}={}", shell_quote(&text::clean(value)));
    }
    if let Some(((var, _), s)) = secret {
        let quoted = Zeroizing::new(shell_quote(s.expose_secret()));
        let _ = writeln!(out, "{var}={}", quoted.as_str());
    }
    out
}

/// A value for `NAME=value` in POSIX shell: as is when it has only
/// characters the shell takes literally, else in single quotes (`'` as
/// `'\''`). Empty stays empty.
pub fn shell_quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./:@,+=%".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

// ---------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------

/// Pretty JSON, safe on a terminal ([`text::json_safe`]). `export` puts
/// the secret in it, so the unescaped text is zeroized too.
fn pretty<T: Serialize>(value: &T) -> String {
    let raw =
        Zeroizing::new(serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string()));
    let mut s = text::json_safe(&raw).into_owned();
    s.push('\n');
    s
}

fn config_failure(e: ConfigError) -> Failure {
    let code = match e {
        ConfigError::Read { .. } | ConfigError::Write { .. } => exit::FAILED,
        _ => exit::USAGE,
    };
    Failure::new(code, Problem::new(e.code(), e.to_string(), e.fix()))
}

fn load(store: &ConfigStore) -> Result<Config, Failure> {
    store.load().map_err(config_failure)
}

/// The connection called `name` (case-insensitive, as names are unique
/// regardless of case). A name that breaks the rules of SPEC §1 is
/// `NAME_INVALID`; an unknown one `CONFIG_INVALID`, with the config path and
/// the closest saved name.
fn find<'c>(
    store: &ConfigStore,
    config: &'c Config,
    name: &str,
) -> Result<&'c Connection, Failure> {
    if let Some(c) = config.get(name) {
        return Ok(c);
    }
    let names = config.names();
    let closest = closest_name(name, &names);
    let hint = closest
        .map(|n| format!(" (did you mean {n}?)"))
        .unwrap_or_default();
    if let Err(e) = validate_connection_name(name) {
        return Err(Failure::usage(Problem::new(
            e.code(),
            format!("{e}{hint}"),
            e.fix(),
        )));
    }
    let fix = match (closest, names.is_empty()) {
        (Some(n), _) => format!("Use the saved name {n}; `ado-setup list` shows every connection"),
        (None, true) => "There are no saved connections in this config dir: run `ado-setup` to \
                         create one, or pass --config-dir DIR (or set ADO_SETUP_CONFIG_DIR) \
                         for the right one"
            .to_string(),
        (None, false) => "`ado-setup list` shows the saved connections; pass --config-dir DIR \
                          if they are kept elsewhere"
            .to_string(),
    };
    Err(Failure::usage(Problem::new(
        "CONFIG_INVALID",
        format!(
            "no connection named {name} in {}{hint}",
            store.path().display()
        ),
        fix,
    )))
}

/// The saved name closest to `wanted` (case-insensitive edit distance, or
/// one containing the other), if it is close enough to be a typo.
pub fn closest_name<'a>(wanted: &str, names: &[&'a str]) -> Option<&'a str> {
    let w = wanted.to_ascii_lowercase();
    names
        .iter()
        .filter_map(|n| {
            let l = n.to_ascii_lowercase();
            let d = edit_distance(&w, &l);
            let contains = w.len().min(l.len()) >= 3 && (l.contains(&w) || w.contains(&l));
            let close = d <= 2 || d * 3 <= l.chars().count().max(w.chars().count());
            (close || contains).then_some((d, *n))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `list`, `show`, `remove`, `export`: questions on stderr, answers from stdin.
pub fn main(global: &GlobalArgs, command: &Command) -> ExitCode {
    use std::io::IsTerminal;
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let mut confirm = |question: &str| {
        let mut err = std::io::stderr();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        let mut answer = String::new();
        match std::io::stdin().read_line(&mut answer) {
            Ok(0) | Err(_) => {
                let _ = writeln!(err);
                false
            }
            Ok(_) => crate::cli::manage::is_yes(&answer),
        }
    };
    let mut console = crate::cli::manage::Console {
        can_ask: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        stdout_is_tty: std::io::stdout().is_terminal(),
        confirm: &mut confirm,
    };
    match runtime.block_on(crate::cli::manage::run(global, command, &mut console)) {
        Ok(out) => {
            // Written through the filter, not copied: stdout may hold a secret.
            let mut stdout = std::io::stdout().lock();
            let _ = write!(stdout, "{}", Untrusted::lines(&out.stdout));
            let _ = stdout.flush();
            let _ = write!(std::io::stderr(), "{}", Untrusted::lines(&out.stderr));
            ExitCode::from(out.code)
        }
        Err(f) => problem_exit(&f.problem, f.code),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::config::{DeploymentMode, ProviderKey};

    const PAT: &str = "unit-test-pat-4f1c9e";

    async fn saved(dir: &std::path::Path) -> ConfigStore {
        let secrets = SecretStore::file(dir);
        secrets
            .set("payments", &SecretString::from(PAT))
            .await
            .unwrap();
        let store = ConfigStore::open(dir);
        let mut config = store.load().unwrap();
        config
            .insert(Connection {
                name: "payments".into(),
                provider_key: ProviderKey::AzureDevopsServices,
                deployment_mode: DeploymentMode::Cloud,
                organization: Some("contoso".into()),
                base_url: "https://dev.azure.com/contoso".into(),
                api_version: "7.1".into(),
                auth_method: AuthMethod::Pat,
                project: "Payments Platform".into(),
                project_id: "c1d40a2e-4882-414a-adb0-8d73f032fb8c".into(),
                process: "Agile".into(),
                work_item_type: "Bug".into(),
                area_path: "Payments Platform\\Team A".into(),
                iteration_path: "Payments Platform".into(),
                secret_ref: Some(secrets.secret_ref("payments")),
                ..Connection::default()
            })
            .unwrap();
        store.save(&config).unwrap();
        store
    }

    /// A console whose confirm answers `answer` and records the questions.
    fn answering(answer: bool, asked: &mut Vec<String>) -> impl FnMut(&str) -> bool + '_ {
        move |q: &str| {
            asked.push(q.to_string());
            answer
        }
    }

    #[tokio::test]
    async fn remove_asks_and_yes_removes_entry_and_secret() {
        let tmp = tempfile::tempdir().unwrap();
        let store = saved(&tmp.path().join("c")).await;
        let mut asked = Vec::new();
        let mut confirm = answering(true, &mut asked);
        let mut console = Console {
            can_ask: true,
            stdout_is_tty: true,
            confirm: &mut confirm,
        };
        let out = remove(&store, "payments", false, &mut console)
            .await
            .unwrap();
        assert_eq!(out.code, exit::OK);
        assert!(
            out.stdout.contains("Removed connection payments"),
            "{out:?}"
        );
        assert!(out.stdout.contains("Removed its secret"), "{}", *out.stdout);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
        drop(confirm);
        assert_eq!(asked, vec!["Remove payments and its secret? [y/N] "]);
        assert!(store.load().unwrap().is_empty());
        let secret = SecretStore::file(store.dir())
            .get("payments")
            .await
            .unwrap();
        assert!(secret.is_none());
    }

    #[tokio::test]
    async fn remove_answered_no_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = saved(&tmp.path().join("c")).await;
        let mut asked = Vec::new();
        let mut confirm = answering(false, &mut asked);
        let mut console = Console {
            can_ask: true,
            stdout_is_tty: true,
            confirm: &mut confirm,
        };
        let out = remove(&store, "PAYMENTS", false, &mut console)
            .await
            .unwrap();
        assert_eq!(out.code, exit::CANCELLED);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("nothing was removed"));
        drop(confirm);
        assert_eq!(asked.len(), 1);
        assert_eq!(store.load().unwrap().len(), 1);
        let secret = SecretStore::file(store.dir())
            .get("payments")
            .await
            .unwrap();
        assert!(secret.is_some());
    }

    #[tokio::test]
    async fn remove_with_yes_does_not_ask_and_without_a_terminal_refuses() {
        let tmp = tempfile::tempdir().unwrap();
        let store = saved(&tmp.path().join("c")).await;
        let mut asked = Vec::new();
        let mut confirm = answering(true, &mut asked);
        let mut console = Console {
            can_ask: false,
            stdout_is_tty: false,
            confirm: &mut confirm,
        };
        let err = remove(&store, "payments", false, &mut console)
            .await
            .unwrap_err();
        assert_eq!(err.code, exit::USAGE);
        assert_eq!(err.problem.code, CONFIRMATION_REQUIRED);
        assert!(err.problem.fix.contains("--yes"));
        assert_eq!(store.load().unwrap().len(), 1);
        let out = remove(&store, "payments", true, &mut console)
            .await
            .unwrap();
        assert_eq!(out.code, exit::OK);
        drop(confirm);
        assert!(asked.is_empty());
        assert!(store.load().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_secret_that_cannot_be_deleted_is_a_warning_with_the_manual_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let store = saved(&tmp.path().join("c")).await;
        // A secrets file that does not parse: the store refuses to touch it.
        std::fs::write(store.dir().join("secrets.toml"), "[ado-setup\nbroken").unwrap();
        let mut yes = |_: &str| true;
        let mut console = Console {
            can_ask: true,
            stdout_is_tty: true,
            confirm: &mut yes,
        };
        let out = remove(&store, "payments", true, &mut console)
            .await
            .unwrap();
        assert_eq!(out.code, exit::OK);
        assert!(store.load().unwrap().is_empty());
        assert!(
            out.stderr.contains("warning: SECRET_STORE_UNAVAILABLE"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("fix: Delete the line `payments"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.contains("still stored"), "{}", *out.stdout);
    }

    #[tokio::test]
    async fn include_secret_prints_it_only_after_a_yes_on_a_terminal() {
        let tmp = tempfile::tempdir().unwrap();
        let store = saved(&tmp.path().join("c")).await;

        // Yes: the secret is in both formats, under its documented names.
        let mut asked = Vec::new();
        let mut confirm = answering(true, &mut asked);
        let mut console = Console {
            can_ask: true,
            stdout_is_tty: true,
            confirm: &mut confirm,
        };
        let env = export(&store, "payments", ExportFormat::Env, true, &mut console)
            .await
            .unwrap();
        assert!(
            env.stdout.contains(&format!("\n{PAT_ENV}={PAT}\n")),
            "{env:?}"
        );
        let j = export(&store, "payments", ExportFormat::Json, true, &mut console)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
        assert_eq!(v["secret"]["kind"], "pat");
        assert_eq!(v["secret"]["value"], PAT);
        assert!(!format!("{j:?}").contains(PAT), "Debug shows the secret");
        drop(confirm);
        assert_eq!(asked.len(), 2);
        assert!(asked[0].contains("personal access token"), "{}", asked[0]);

        // No: nothing printed, cancelled.
        let mut no = |_: &str| false;
        let mut console = Console {
            can_ask: true,
            stdout_is_tty: true,
            confirm: &mut no,
        };
        let out = export(&store, "payments", ExportFormat::Env, true, &mut console)
            .await
            .unwrap();
        assert_eq!(out.code, exit::CANCELLED);
        assert!(out.stdout.is_empty());

        // Not a terminal: refused before asking.
        let mut asked = Vec::new();
        let mut confirm = answering(true, &mut asked);
        for (can_ask, stdout_is_tty) in [(true, false), (false, true), (false, false)] {
            let mut console = Console {
                can_ask,
                stdout_is_tty,
                confirm: &mut confirm,
            };
            let err = export(&store, "payments", ExportFormat::Json, true, &mut console)
                .await
                .unwrap_err();
            assert_eq!(err.code, exit::USAGE);
            assert_eq!(err.problem.code, SECRET_EXPORT_REFUSED);
            assert!(!err.problem.message.contains(PAT));
        }
        drop(confirm);
        assert!(asked.is_empty());
    }

    #[test]
    fn closest_names() {
        let names = ["payments", "legacy-crm", "prod-boards"];
        assert_eq!(closest_name("paymnets", &names), Some("payments"));
        assert_eq!(closest_name("PAYMENT", &names), Some("payments"));
        assert_eq!(closest_name("legacy", &names), Some("legacy-crm"));
        assert_eq!(closest_name("zzzzzz", &names), None);
        assert_eq!(closest_name("x", &[]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote(""), "");
        assert_eq!(
            shell_quote("https://dev.azure.com/x"),
            "https://dev.azure.com/x"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("P\\Area"), "'P\\Area'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert!(is_yes(" Y\n") && is_yes("yes") && !is_yes("") && !is_yes("no"));
    }

    #[test]
    fn every_env_var_has_a_value() {
        let c = Connection::default();
        let out = export_env(&c, None);
        assert_eq!(out.lines().count(), ENV_VARS.len());
    }
}

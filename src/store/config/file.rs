//! The config file: its content ([`Config`]: connections in file order,
//! unknown keys kept, TOML in and out with line numbers in every error),
//! [`ConfigStore`] that loads and saves it atomically (a file that fails to
//! parse is backed up before it is replaced), and [`ConfigError`].

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::time::compact_utc;
use super::{
    CONFIG_DIR_ENV, CONFIG_FILE_NAME, CONNECTION_KEYS, Connection, NameError, ProviderKey,
    SCHEMA_VERSION, validate_connection_name, validate_org_name,
};
use crate::store::fsutil::{self, FailPoint, PrivacyWarning};

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Everything that can go wrong with the config file or a connection in it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML or a value has the wrong type.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong (one line).
        message: String,
    },
    /// Written by a newer ado-setup.
    #[error(
        "{} has config schema {found}, but this ado-setup understands schema {supported} at most",
        path.display()
    )]
    SchemaTooNew {
        /// The config file.
        path: PathBuf,
        /// Schema in the file.
        found: i64,
        /// Newest schema this build knows.
        supported: i64,
    },
    /// The file (or directory) cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file cannot be written. The previous file is unchanged.
    #[error("cannot save {}: {source} (the previous file is unchanged)", path.display())]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// No `--config-dir`, no `ADO_SETUP_CONFIG_DIR`, and no home directory.
    #[error("no config directory: no --config-dir, no {CONFIG_DIR_ENV}, and no home directory")]
    NoConfigDir,
    /// A connection or organization name breaks a rule.
    #[error(transparent)]
    Name(#[from] NameError),
    /// `insert` of a name that exists.
    #[error("a connection named {name:?} already exists")]
    NameTaken {
        /// The name.
        name: String,
    },
    /// Another connection already targets this organization+project.
    #[error(
        "connection {existing:?} already targets organization {organization:?}, project {project:?}"
    )]
    TargetTaken {
        /// The name that was being saved.
        name: String,
        /// The connection that has this target.
        existing: String,
        /// Organization (or base URL for Server).
        organization: String,
        /// Project.
        project: String,
    },
    /// A connection to save lacks a required value or is inconsistent.
    #[error("connection {name:?} cannot be saved: {problem}")]
    Incomplete {
        /// The connection.
        name: String,
        /// What is missing or inconsistent (one line).
        problem: String,
    },
    /// The config could not be turned into TOML (a bug).
    #[error("cannot encode the config as TOML: {0}")]
    Encode(String),
}

impl ConfigError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Invalid { .. }
            | ConfigError::SchemaTooNew { .. }
            | ConfigError::Read { .. }
            | ConfigError::Encode(_) => "CONFIG_INVALID",
            ConfigError::Write { .. } => "CONFIG_WRITE_FAILED",
            ConfigError::NoConfigDir => "CONFIG_DIR_UNKNOWN",
            ConfigError::Name(e) => e.code(),
            ConfigError::NameTaken { .. } | ConfigError::TargetTaken { .. } => "CONNECTION_EXISTS",
            ConfigError::Incomplete { .. } => "CONNECTION_INCOMPLETE",
        }
    }

    /// The exact steps that fix it.
    pub fn fix(&self) -> String {
        match self {
            ConfigError::Invalid { path, line, .. } => {
                let at = line.map(|l| format!("line {l} of ")).unwrap_or_default();
                format!(
                    "Correct {at}{} in an editor, or move it aside to start over. \
                     ado-setup will not overwrite it without first keeping a copy \
                     ({CONFIG_FILE_NAME}.bak-<time>)",
                    path.display()
                )
            }
            ConfigError::SchemaTooNew { path, .. } => format!(
                "Upgrade ado-setup to the version that wrote {}, or use --config-dir with \
                 another directory. The file has not been changed",
                path.display()
            ),
            ConfigError::Read { path, .. } => format!(
                "Make sure {} is a file you own and can read (ls -l; chown/chmod 600)",
                path.display()
            ),
            ConfigError::Write { path, .. } => {
                let dir = path.parent().unwrap_or(path);
                format!(
                    "Make sure {} exists, is writable by you and the disk is not full, \
                     or choose another directory with --config-dir",
                    dir.display()
                )
            }
            ConfigError::NoConfigDir => {
                format!("Pass --config-dir DIR or set {CONFIG_DIR_ENV}=DIR (or set HOME)")
            }
            ConfigError::Name(e) => e.fix(),
            ConfigError::NameTaken { name } => format!(
                "Choose another name, or change the existing one with `ado-setup edit {name}`"
            ),
            ConfigError::TargetTaken { existing, .. } => format!(
                "Change it with `ado-setup edit {existing}`, or remove it first with \
                 `ado-setup remove {existing}`"
            ),
            ConfigError::Incomplete { name, .. } => format!(
                "Finish the wizard for {name} (`ado-setup edit {name}`) so every step is \
                 validated before saving"
            ),
            ConfigError::Encode(_) => {
                "This is a bug in ado-setup; please report it with the output of -v".to_string()
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Config (in memory)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Stored {
    connection: Connection,
    /// Keys of the `[[connection]]` table this build does not know.
    extra: toml::Table,
}

/// The content of the config file: connections in file order, plus any
/// top-level keys this build does not know (kept on save).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    connections: Vec<Stored>,
    extra: toml::Table,
}

impl Config {
    /// An empty config.
    pub fn new() -> Self {
        Self::default()
    }

    /// The connections, in file order.
    pub fn connections(&self) -> impl ExactSizeIterator<Item = &Connection> + '_ {
        self.connections.iter().map(|s| &s.connection)
    }

    /// Connection names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.connections().map(|c| c.name.as_str()).collect()
    }

    /// Number of connections.
    pub fn len(&self) -> usize {
        self.connections.len()
    }

    /// No connections.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    fn position(&self, name: &str) -> Option<usize> {
        // Case-insensitive: keyrings such as Windows Credential Manager do not
        // distinguish "Prod" from "prod".
        self.connections
            .iter()
            .position(|s| s.connection.name.eq_ignore_ascii_case(name))
    }

    /// The connection with this name (names compare case-insensitively).
    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.position(name).map(|i| &self.connections[i].connection)
    }

    /// The connection that targets the same organization+project as
    /// `connection` under another name, if any.
    pub fn conflicting(&self, connection: &Connection) -> Option<&Connection> {
        let key = connection.target_key();
        self.connections()
            .find(|c| !c.name.eq_ignore_ascii_case(&connection.name) && c.target_key() == key)
    }

    fn check(&self, connection: &Connection) -> Result<(), ConfigError> {
        validate_connection_name(&connection.name)?;
        if let Some(org) = &connection.organization {
            validate_org_name(org)?;
        }
        let incomplete = |problem: String| ConfigError::Incomplete {
            name: connection.name.clone(),
            problem,
        };
        let required = [
            ("base_url", &connection.base_url),
            ("api_version", &connection.api_version),
            ("project", &connection.project),
            ("project_id", &connection.project_id),
            ("process", &connection.process),
            ("work_item_type", &connection.work_item_type),
            ("area_path", &connection.area_path),
            ("iteration_path", &connection.iteration_path),
        ];
        if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
            return Err(incomplete(format!("{field} is empty")));
        }
        if connection.provider_key.deployment_mode() != connection.deployment_mode {
            return Err(incomplete(format!(
                "provider_key {} does not go with deployment_mode {}",
                connection.provider_key, connection.deployment_mode
            )));
        }
        if connection.provider_key == ProviderKey::AzureDevopsServices
            && connection.organization.is_none()
        {
            return Err(incomplete(
                "an Azure DevOps Services connection needs its organization".to_string(),
            ));
        }
        if let Some(other) = self.conflicting(connection) {
            return Err(ConfigError::TargetTaken {
                name: connection.name.clone(),
                existing: other.name.clone(),
                organization: connection.org_label().to_string(),
                project: connection.project.clone(),
            });
        }
        Ok(())
    }

    /// Adds a new connection. Fails if the name exists, or for any reason
    /// [`upsert`](Self::upsert) fails.
    pub fn insert(&mut self, connection: Connection) -> Result<(), ConfigError> {
        if self.position(&connection.name).is_some() {
            return Err(ConfigError::NameTaken {
                name: connection.name,
            });
        }
        self.upsert(connection).map(|_| ())
    }

    /// Adds a connection, or replaces the one with the same name (keeping its
    /// position and its unknown keys). Returns the replaced connection. Fails
    /// if a name rule is broken ([`ConfigError::Name`]), a required value is
    /// empty or provider and deployment disagree ([`ConfigError::Incomplete`]),
    /// or *another* connection targets the same organization+project
    /// ([`ConfigError::TargetTaken`]).
    pub fn upsert(&mut self, connection: Connection) -> Result<Option<Connection>, ConfigError> {
        self.check(&connection)?;
        match self.position(&connection.name) {
            Some(i) => Ok(Some(std::mem::replace(
                &mut self.connections[i].connection,
                connection,
            ))),
            None => {
                self.connections.push(Stored {
                    connection,
                    extra: toml::Table::new(),
                });
                Ok(None)
            }
        }
    }

    /// Removes and returns the connection with this name.
    pub fn remove(&mut self, name: &str) -> Option<Connection> {
        self.position(name)
            .map(|i| self.connections.remove(i).connection)
    }

    /// Unknown top-level keys that will be written back.
    pub fn unknown_keys(&self) -> &toml::Table {
        &self.extra
    }

    /// Unknown keys of one connection that will be written back.
    pub fn unknown_connection_keys(&self, name: &str) -> Option<&toml::Table> {
        self.position(name).map(|i| &self.connections[i].extra)
    }

    /// Renders the file content.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        #[derive(Serialize)]
        struct Out<'a> {
            schema: i64,
            #[serde(flatten)]
            extra: &'a toml::Table,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            connection: Vec<ConnOut<'a>>,
        }
        #[derive(Serialize)]
        struct ConnOut<'a> {
            #[serde(flatten)]
            connection: &'a Connection,
            #[serde(flatten)]
            extra: &'a toml::Table,
        }
        let out = Out {
            schema: SCHEMA_VERSION,
            extra: &self.extra,
            connection: self
                .connections
                .iter()
                .map(|s| ConnOut {
                    connection: &s.connection,
                    extra: &s.extra,
                })
                .collect(),
        };
        let body = toml::to_string(&out).map_err(|e| ConfigError::Encode(e.to_string()))?;
        Ok(format!(
            "# ado-setup connections. Secrets are never stored here.\n\
             # Edit with `ado-setup edit NAME`; unknown keys are kept.\n{body}"
        ))
    }

    /// Parses file content. `path` is used in error messages only.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let from_de = |e: toml::de::Error| de_error(text, path, e);

        // 1. Syntax.
        let mut raw: toml::Table = text.parse().map_err(from_de)?;

        // 2. Schema (a file without one is schema 1).
        check_schema(&raw, text, path)?;

        // 3. Types (with spans, so errors have line numbers).
        #[derive(Deserialize)]
        struct Typed {
            #[serde(default)]
            connection: Vec<Connection>,
        }
        let typed: Typed = toml::from_str(text).map_err(from_de)?;

        // 4. Names: valid and unique.
        check_names(text, path)?;

        // 5. Unknown keys.
        let raw_connections = match raw.remove("connection") {
            Some(toml::Value::Array(a)) => a,
            _ => Vec::new(),
        };
        raw.remove("schema");
        let mut connections = Vec::with_capacity(typed.connection.len());
        for (i, connection) in typed.connection.into_iter().enumerate() {
            let mut extra = match raw_connections.get(i) {
                Some(toml::Value::Table(t)) => t.clone(),
                _ => toml::Table::new(),
            };
            for key in CONNECTION_KEYS {
                extra.remove(*key);
            }
            connections.push(Stored { connection, extra });
        }
        Ok(Config {
            connections,
            extra: raw,
        })
    }
}

/// A config file that cannot be used, at `line` when known.
fn invalid(path: &Path, line: Option<usize>, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// A toml error as [`ConfigError::Invalid`], with its line and the key of
/// that line (toml's type errors do not name it).
fn de_error(text: &str, path: &Path, e: toml::de::Error) -> ConfigError {
    let line = e.span().map(|s| line_of(text, s.start));
    let message = e.message().trim().replace('\n', " ");
    // toml's type errors do not name the key: add the key of that line.
    let key = line
        .and_then(|l| text.lines().nth(l - 1))
        .and_then(key_of_line)
        .filter(|k| !message.contains(*k));
    let message = match key {
        Some(k) => format!("{k}: {message}"),
        None => message,
    };
    invalid(path, line, message)
}

/// The `schema` key: an integer from 1 to [`SCHEMA_VERSION`] (absent: 1).
fn check_schema(raw: &toml::Table, text: &str, path: &Path) -> Result<(), ConfigError> {
    let schema = match raw.get("schema") {
        None => 1,
        Some(toml::Value::Integer(n)) => *n,
        Some(_) => {
            let line = find_key_line(text, "schema");
            return Err(invalid(
                path,
                line,
                "`schema` must be an integer".to_string(),
            ));
        }
    };
    if schema > SCHEMA_VERSION {
        return Err(ConfigError::SchemaTooNew {
            path: path.to_path_buf(),
            found: schema,
            supported: SCHEMA_VERSION,
        });
    }
    if schema < 1 {
        let line = find_key_line(text, "schema");
        return Err(invalid(
            path,
            line,
            format!("`schema` must be {SCHEMA_VERSION}, found {schema}"),
        ));
    }
    Ok(())
}

/// Every connection name valid and used once (case-insensitively), or the
/// line of the first that is not.
fn check_names(text: &str, path: &Path) -> Result<(), ConfigError> {
    #[derive(Deserialize)]
    struct NameOnly {
        name: toml::Spanned<String>,
    }
    #[derive(Deserialize)]
    struct Names {
        #[serde(default)]
        connection: Vec<NameOnly>,
    }
    let names: Names = toml::from_str(text).map_err(|e| de_error(text, path, e))?;
    for (i, n) in names.connection.iter().enumerate() {
        let line = Some(line_of(text, n.name.span().start));
        validate_connection_name(n.name.get_ref())
            .map_err(|e| invalid(path, line, e.to_string()))?;
        if names.connection[..i]
            .iter()
            .any(|m| m.name.get_ref().eq_ignore_ascii_case(n.name.get_ref()))
        {
            return Err(invalid(
                path,
                line,
                format!(
                    "connection name {:?} is used more than once",
                    n.name.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

fn line_of(text: &str, byte: usize) -> usize {
    let end = byte.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The bare key of a `key = value` line, if the line is one.
fn key_of_line(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    .then_some(key)
}

fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

// ---------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------

/// The OS config dir for ado-setup (`~/.config/ado-setup` on Linux), if the
/// home directory is known.
pub fn default_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ado-setup").map(|p| p.config_dir().to_path_buf())
}

/// The config dir to use: `flag` (`--config-dir`, which clap already fills
/// from `ADO_SETUP_CONFIG_DIR`), else `ADO_SETUP_CONFIG_DIR`, else
/// [`default_config_dir`].
pub fn resolve_config_dir(flag: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    default_config_dir().ok_or(ConfigError::NoConfigDir)
}

/// What a successful [`ConfigStore::save`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    /// The file written.
    pub path: PathBuf,
    /// Where the previous, unparseable file was copied before it was replaced.
    pub backup: Option<PathBuf>,
    /// Privacy problems of the directory (never changed silently).
    pub warnings: Vec<PrivacyWarning>,
}

/// The config file in a config dir.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    dir: PathBuf,
    fail_at: Option<FailPoint>,
    before_save: Option<SaveHook>,
}

/// Test seam: run at the start of every save (to hold a save while a test
/// signals the process, say).
#[derive(Clone)]
struct SaveHook(std::sync::Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for SaveHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SaveHook")
    }
}

impl ConfigStore {
    /// The config file in `dir`. Does not touch the disk.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        ConfigStore {
            dir: dir.into(),
            fail_at: None,
            before_save: None,
        }
    }

    /// [`resolve_config_dir`] then [`ConfigStore::open`].
    pub fn resolve(flag: Option<&Path>) -> Result<Self, ConfigError> {
        resolve_config_dir(flag).map(Self::open)
    }

    /// Test seam: make the next saves fail at `at` (the previous file must
    /// stay intact).
    #[doc(hidden)]
    pub fn with_fail_point(mut self, at: FailPoint) -> Self {
        self.fail_at = Some(at);
        self
    }

    /// Test seam: run `hook` at the start of every save.
    #[doc(hidden)]
    pub fn with_save_hook(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.before_save = Some(SaveHook(std::sync::Arc::new(hook)));
        self
    }

    /// The config dir.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `DIR/config.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(CONFIG_FILE_NAME)
    }

    /// Reads the file. A missing file (or dir) is an empty config.
    pub fn load(&self) -> Result<Config, ConfigError> {
        let path = self.path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::from_toml(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::new()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(ConfigError::Invalid {
                path,
                line: None,
                message: "the file is not UTF-8 text".to_string(),
            }),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Writes `config` atomically (mode 0600; the dir is created 0700).
    ///
    /// If the file on disk has a newer schema, nothing is written
    /// ([`ConfigError::SchemaTooNew`]). If it does not parse, it is first
    /// copied to `config.toml.bak-<timestamp>` (returned in
    /// [`SaveOutcome::backup`]). On any error the previous file is intact.
    pub fn save(&self, config: &Config) -> Result<SaveOutcome, ConfigError> {
        if let Some(hook) = &self.before_save {
            (hook.0)();
        }
        let path = self.path();
        let text = config.to_toml()?;
        let write_err = |source| ConfigError::Write {
            path: path.clone(),
            source,
        };
        fsutil::ensure_private_dir(&self.dir).map_err(write_err)?;

        let mut backup = None;
        match std::fs::read(&path) {
            Ok(old) => {
                match std::str::from_utf8(&old)
                    .ok()
                    .map(|t| Config::from_toml(t, &path))
                {
                    Some(Ok(_)) => {}
                    Some(Err(e @ ConfigError::SchemaTooNew { .. })) => return Err(e),
                    Some(Err(_)) | None => {
                        backup = Some(self.backup_copy(&old).map_err(write_err)?);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ConfigError::Read { path, source }),
        }

        fsutil::write_atomic_watched(&path, text.as_bytes(), self.fail_at).map_err(write_err)?;
        Ok(SaveOutcome {
            path: path.clone(),
            backup,
            warnings: self.privacy(),
        })
    }

    fn backup_copy(&self, old: &[u8]) -> std::io::Result<PathBuf> {
        let stamp = compact_utc(SystemTime::now());
        let mut n = 0u32;
        loop {
            let name = if n == 0 {
                format!("{CONFIG_FILE_NAME}.bak-{stamp}")
            } else {
                format!("{CONFIG_FILE_NAME}.bak-{stamp}-{n}")
            };
            let candidate = self.dir.join(name);
            match fsutil::write_new_private(&candidate, old) {
                Ok(()) => return Ok(candidate),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Privacy problems: the config dir or file accessible by other users
    /// (Unix). Reported, never changed silently.
    pub fn privacy(&self) -> Vec<PrivacyWarning> {
        [self.dir.clone(), self.path()]
            .iter()
            .filter_map(|p| fsutil::check_private(p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
        assert_eq!(find_key_line("x = 1\n  schema = 'a'\n", "schema"), Some(2));
        assert_eq!(key_of_line("  api_version = 7.1"), Some("api_version"));
        assert_eq!(key_of_line("[connection.user]"), None);
        assert_eq!(key_of_line("\"quoted key\" = 1"), None);
    }
}

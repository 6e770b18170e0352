//! Command-line definitions (SPEC §5): every command and flag, with the help
//! text a user reads. Parsing only; `main.rs` dispatches.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::store::secrets::SecretStoreChoice;

/// Exit codes of SPEC §5.
pub mod exit {
    /// Success (doctor: no `fail`; with `--strict`, no `warn`).
    pub const OK: u8 = 0;
    /// A validation or check failed.
    pub const FAILED: u8 = 1;
    /// Usage or input error (also: a command this build does not provide yet).
    pub const USAGE: u8 = 2;
    /// Authentication required.
    pub const AUTH: u8 = 4;
    /// Cancelled by the user.
    pub const CANCELLED: u8 = 130;
}

#[derive(Debug, Parser)]
#[command(
    name = "ado-setup",
    version,
    about = "Connect an integration to Azure Boards in Azure DevOps Services or Server",
    long_about = "Connect an integration to Azure Boards in Azure DevOps Services or Server.\n\n\
        Without a command, starts the setup wizard (a menu when connections exist). \
        Every step is validated against the Azure DevOps REST API; the result is a named \
        connection: settings in the config file, the secret in the OS keyring.",
    after_help = "Try it without an Azure DevOps account: `ado-setup demo --serve` runs a local sandbox.",
    // A single-valued flag given twice takes the last value, so a script can
    // override a default it was handed (`--area-path A … --area-path B`).
    // Repeatable flags (`--field`, `-v`) still add up.
    args_override_self = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags accepted by every command.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Directory of config.toml [default: the OS config dir, e.g. ~/.config/ado-setup]
    #[arg(long, global = true, value_name = "DIR", env = "ADO_SETUP_CONFIG_DIR")]
    pub config_dir: Option<PathBuf>,

    /// Where secrets are kept: the OS keyring, the kernel keyring (lost on reboot),
    /// a 0600 file (plain text), or nowhere (use AZURE_DEVOPS_EXT_PAT at run time)
    #[arg(long, global = true, value_enum, default_value_t = SecretStoreChoice::Auto)]
    pub secret_store: SecretStoreChoice,

    /// Accept plain http:// URLs (lab and test setups only; credentials travel unencrypted)
    #[arg(long, global = true)]
    pub allow_http: bool,

    /// Also trust the CA certificate(s) in this PEM file (corporate TLS inspection, private CA)
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Refuse the weaker secret stores (keyutils, file, none): the OS keyring or nothing
    #[arg(long, global = true)]
    pub require_secure_storage: bool,

    /// Seconds allowed for each request to Azure DevOps or Microsoft Entra ID, body included
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "ADO_SETUP_TIMEOUT",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=600)
    )]
    pub timeout: u64,

    /// Write a log to the state dir (never contains secrets)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--secret-store`: the store's own choices, with the help text of each.
impl ValueEnum for SecretStoreChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &SecretStoreChoice::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.help()))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new connection (the wizard, or flags only with --non-interactive)
    Connect(ConnectArgs),
    /// Change a saved connection: the wizard, prefilled with NAME, validated again
    Edit {
        /// Connection name
        name: String,
    },
    /// Run every check against a saved connection (or the flags given) and say what to fix
    Doctor(DoctorArgs),
    /// List saved connections
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show one saved connection (never the secret)
    Show {
        /// Connection name
        name: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove a saved connection: its config entry and its secret
    Remove {
        /// Connection name
        name: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Print a connection for the integration that consumes it (never the secret)
    Export {
        /// Connection name
        name: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Also print the secret (PAT or refresh token): only to a terminal, after you confirm
        #[arg(long)]
        include_secret: bool,
    },
    /// Try everything against a built-in fake Azure DevOps (nothing on this machine changes)
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object (schema ado-setup.export/v1)
    Json,
    /// NAME=value lines in shell syntax (AZURE_DEVOPS_ORG_URL, AZURE_DEVOPS_PROJECT, …)
    Env,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Take every answer from flags and environment; no TUI
    #[arg(long)]
    pub non_interactive: bool,

    /// Print the result as JSON (with --non-interactive)
    #[arg(long)]
    pub json: bool,

    /// Save even when checks only warn (with --non-interactive; a failed check never saves)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub connection: ConnectionFlags,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Saved connection to check (omit to check the connection given by flags)
    pub name: Option<String>,

    /// Print one JSON object (schema ado-setup.doctor/v1)
    #[arg(long)]
    pub json: bool,

    /// Plain ASCII output (no symbols, no colour)
    #[arg(long)]
    pub plain: bool,

    /// Write a redacted support report to FILE
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Exit 1 on warnings too
    #[arg(long)]
    pub strict: bool,

    /// List every skipped check on its own line (by default, checks skipped for
    /// the same cause are one line; --json always lists every check)
    #[arg(long)]
    pub all: bool,

    /// Open the TUI troubleshooter on NAME (a terminal is needed)
    #[arg(long, requires = "name")]
    pub tui: bool,

    #[command(flatten)]
    pub connection: ConnectionFlags,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Only run the sandbox server and print its URLs and token, until interrupted
    #[arg(long)]
    pub serve: bool,

    /// Port for --serve [default: a free port]
    #[arg(long, requires = "serve", value_name = "N")]
    pub port: Option<u16>,

    /// With --serve: answer every request with this fault (KIND or KIND:MATCH;
    /// see "Fault injection" in the README). Any URL path can also be prefixed
    /// with /_fault/SPEC
    #[arg(long, requires = "serve", value_name = "SPEC", value_parser = parse_fault)]
    pub fault: Option<crate::sandbox::fault::Fault>,

    /// With --serve: serve HTTPS with a CA and certificate made at start; the
    /// CA's PEM file is printed as `ca-file PATH` (pass it with --ca-file)
    #[arg(long, requires = "serve")]
    pub tls: bool,
}

fn parse_fault(spec: &str) -> Result<crate::sandbox::fault::Fault, String> {
    crate::sandbox::fault::Fault::parse(spec)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeploymentChoice {
    /// Azure DevOps Services (dev.azure.com)
    Services,
    /// Azure DevOps Server (self-hosted)
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthChoice {
    /// Personal access token (from stdin or AZURE_DEVOPS_EXT_PAT)
    Pat,
    /// Sign in with Microsoft (Entra ID device code; Services only)
    DeviceCode,
    /// This Azure machine's managed identity (--client-id for a user-assigned one; Services only)
    ManagedIdentity,
    /// An Entra app: --tenant, --client-id, and the client secret (--secret-stdin or
    /// AZURE_CLIENT_SECRET) or --certificate PEM (Services only)
    ServicePrincipal,
    /// Reuse the Azure CLI's sign-in (`az login`; Services only)
    AzureCli,
}

/// The answers of the wizard, as flags (for `connect --non-interactive` and ad hoc `doctor`).
#[derive(Debug, Args, Default)]
pub struct ConnectionFlags {
    /// Connection name (letter first; letters, digits, hyphens; 3–32 chars)
    #[arg(long = "name", id = "connection_name", value_name = "NAME")]
    pub connection_name: Option<String>,
    /// Services (cloud) or Server (self-hosted)
    #[arg(long, value_enum)]
    pub deployment: Option<DeploymentChoice>,
    /// Organization name, or any Azure DevOps URL (Services)
    #[arg(long)]
    pub org: Option<String>,
    /// Collection URL, e.g. https://tfs.contoso.com/tfs/DefaultCollection (Server)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// How to sign in
    #[arg(long, value_enum)]
    pub auth: Option<AuthChoice>,
    /// Read the secret from standard input: the PAT (otherwise from AZURE_DEVOPS_EXT_PAT),
    /// or with --auth service-principal the client secret (otherwise from AZURE_CLIENT_SECRET)
    #[arg(long, visible_alias = "secret-stdin")]
    pub pat_stdin: bool,
    /// Entra tenant (id or domain) to sign in to [default: discovered from the organization]
    #[arg(long)]
    pub tenant: Option<String>,
    /// Entra client id: the public client for device-code sign-in, the app of a service
    /// principal, or a user-assigned managed identity
    #[arg(long)]
    pub client_id: Option<String>,
    /// With --auth service-principal: a PEM file with the app certificate and its
    /// (unencrypted) private key, instead of a client secret
    #[arg(long, value_name = "PEM")]
    pub certificate: Option<PathBuf>,
    /// Azure Boards project (name or id)
    #[arg(long)]
    pub project: Option<String>,
    /// Work item type to create [default: Issue, else the bug category's default]
    #[arg(long)]
    pub work_item_type: Option<String>,
    /// Area path in field form, e.g. Project\Team
    #[arg(long)]
    pub area_path: Option<String>,
    /// Iteration path in field form, e.g. Project\Sprint 1
    #[arg(long)]
    pub iteration_path: Option<String>,
    /// Severity to priority, e.g. critical=1,high=2,medium=3,low=4
    #[arg(long, value_name = "MAP")]
    pub priority_map: Option<String>,
    /// Default assignee (unique name / sign-in address)
    #[arg(long)]
    pub assignee: Option<String>,
    /// Value for a required field, by reference name (repeatable)
    #[arg(long = "field", value_name = "REF=VALUE")]
    pub fields: Vec<String>,
    /// The integration only reads (write checks are skipped)
    #[arg(long)]
    pub read_only: bool,
}

impl ConnectionFlags {
    /// No connection flag was given.
    pub fn is_empty(&self) -> bool {
        self.tenant.is_none() && self.client_id.is_none() && self.has_no_answers()
    }

    /// No answer was given (`--tenant` and `--client-id` only say how to
    /// sign in, which the wizard honours).
    pub fn has_no_answers(&self) -> bool {
        self.connection_name.is_none()
            && self.deployment.is_none()
            && self.org.is_none()
            && self.base_url.is_none()
            && self.auth.is_none()
            && !self.pat_stdin
            && self.certificate.is_none()
            && self.project.is_none()
            && self.work_item_type.is_none()
            && self.area_path.is_none()
            && self.iteration_path.is_none()
            && self.priority_map.is_none()
            && self.assignee.is_none()
            && self.fields.is_empty()
            && !self.read_only
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        // debug_assert does not build every subcommand: build each one.
        for sub in cmd.get_subcommands() {
            sub.clone().debug_assert();
        }
    }

    #[test]
    fn global_flags_are_accepted_after_the_command() {
        let cli = Cli::try_parse_from([
            "ado-setup",
            "doctor",
            "prod",
            "--json",
            "--allow-http",
            "--secret-store",
            "file",
        ])
        .map_err(|e| e.to_string());
        let cli = match cli {
            Ok(c) => c,
            Err(e) => panic!("parse failed: {e}"),
        };
        assert!(cli.global.allow_http);
        assert_eq!(cli.global.secret_store, SecretStoreChoice::File);
        match cli.command {
            Some(Command::Doctor(d)) => {
                assert_eq!(d.name.as_deref(), Some("prod"));
                assert!(d.json);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn there_is_no_flag_that_takes_a_pat_as_an_argument() {
        // SPEC §3: a PAT is never read from a command-line argument.
        let cmd = Cli::command();
        let mut stack = vec![cmd];
        while let Some(c) = stack.pop() {
            for arg in c.get_arguments() {
                let id = arg.get_id().as_str();
                let secretish = id
                    .split('_')
                    .any(|w| ["pat", "token", "secret", "password"].contains(&w))
                    && id != "secret_store";
                assert!(
                    !(secretish && arg.get_action().takes_values()),
                    "{} takes a value: {id}",
                    c.get_name()
                );
            }
            stack.extend(c.get_subcommands().cloned());
        }
    }

    #[test]
    fn field_is_repeatable_and_port_needs_serve() {
        let cli = Cli::try_parse_from([
            "ado-setup",
            "connect",
            "--non-interactive",
            "--field",
            "Custom.A=1",
            "--field",
            "Custom.B=x",
        ]);
        match cli.map(|c| c.command) {
            Ok(Some(Command::Connect(c))) => assert_eq!(c.connection.fields.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["ado-setup", "demo", "--port", "80"]).is_err());
    }

    #[test]
    fn a_single_valued_flag_given_twice_takes_the_last() {
        let cli = Cli::try_parse_from([
            "ado-setup",
            "--secret-store",
            "file",
            "doctor",
            "--area-path",
            "A",
            "--area-path",
            "B",
            "--json",
            "--json",
            "--field",
            "Custom.A=1",
            "--field",
            "Custom.B=2",
            "-v",
            "-v",
            "--secret-store",
            "none",
        ]);
        let cli = match cli {
            Ok(c) => c,
            Err(e) => panic!("parse failed: {e}"),
        };
        assert_eq!(cli.global.secret_store, SecretStoreChoice::None);
        assert_eq!(cli.global.verbose, 2, "-v still counts");
        match cli.command {
            Some(Command::Doctor(d)) => {
                assert_eq!(d.connection.area_path.as_deref(), Some("B"));
                assert!(d.json);
                assert_eq!(d.connection.fields, ["Custom.A=1", "Custom.B=2"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

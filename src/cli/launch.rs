//! Sets the wizard up: for real (endpoints from the environment, the config
//! dir, a secret store that passed its round trip) or for the demo (the
//! sandbox, a temporary config dir and an in-memory secret store, so nothing
//! on the machine changes).

use secrecy::SecretString;
use url::Url;

use crate::ado::endpoints::Endpoints;
use crate::ado::http::HttpClient;
use crate::cli::GlobalArgs;
use crate::jobs::JobContext;
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::store::config::ConfigStore;
use crate::store::secrets::SecretStore;
use crate::wizard::{Problem, Settings, SignInSettings, Wizard};

/// A ready wizard and what it needs while it runs.
pub struct Launch {
    pub wizard: Wizard,
    pub jobs: JobContext,
    /// A line to print after the wizard ends.
    pub note: Option<String>,
    /// Kept alive for the demo: the sandbox and the temporary config dir.
    _sandbox: Option<Sandbox>,
    _tmp: Option<tempfile::TempDir>,
}

fn http(global: &GlobalArgs) -> Result<HttpClient, Problem> {
    super::flags::http_client(global)
}

/// The wizard against the real Azure DevOps.
pub async fn real(global: &GlobalArgs, sign_in: SignInSettings) -> Result<Launch, Problem> {
    let endpoints = Endpoints::from_env(global.allow_http)
        .map_err(|e| Problem::new(e.code(), e.to_string(), "Fix or unset the variable"))?;
    let config = ConfigStore::resolve(global.config_dir.as_deref())
        .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    let existing = config
        .load()
        .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    let existing = existing
        .connections()
        // Shown on the start menu: made safe like any text from outside.
        .map(|c| {
            (
                c.name.clone(),
                crate::text::clean(c.org_label()).into_owned(),
                crate::text::clean(&c.project).into_owned(),
            )
        })
        .collect();
    // The store is proven with a round trip before the user types a secret.
    // When the OS keyring fails its test (headless Linux, SSH, containers),
    // the wizard says why and asks which weaker store to use — never a
    // silent fallback; `--require-secure-storage` or an explicit
    // `--secret-store` stops here instead.
    let (secrets, store_problem) = match SecretStore::open_checked(
        global.secret_store,
        config.dir(),
        global.require_secure_storage,
    )
    .await
    {
        Ok(s) => (s, None),
        Err(e @ crate::store::secrets::SecretError::Unavailable { .. })
            if global.secret_store == crate::store::secrets::SecretStoreChoice::Auto
                && !global.require_secure_storage =>
        {
            (SecretStore::none(), Some(e.to_string()))
        }
        Err(e) => return Err(Problem::new(e.code(), e.to_string(), e.fix())),
    };
    let settings = Settings {
        devops_base: endpoints.devops.clone(),
        vssps_base: endpoints.vssps.clone(),
        profile_base: endpoints.profile.clone(),
        authority_base: endpoints.authority.clone(),
        allow_http: global.allow_http,
        demo: false,
        existing,
        secret_store: secrets.describe(),
        hints: Vec::new(),
        sign_in: SignInSettings {
            imds: Some(endpoints.imds.clone()),
            ..sign_in
        },
        store_problem,
        store_dir: config.dir().display().to_string(),
        draft: crate::store::draft::load(config.dir()),
    };
    Ok(Launch {
        wizard: Wizard::new(settings),
        jobs: JobContext {
            http: http(global)?,
            config,
            secrets,
        },
        note: None,
        _sandbox: None,
        _tmp: None,
    })
}

fn url(s: &str) -> Result<Url, Problem> {
    Url::parse(s).map_err(|e| {
        Problem::new(
            "PROVIDER_BASE_URL_BLOCKED",
            format!("sandbox URL {s}: {e}"),
            "Report this as a bug",
        )
    })
}

/// The wizard against the built-in sandbox, in a temporary config dir.
pub async fn demo(global: &GlobalArgs, sign_in: SignInSettings) -> Result<Launch, Problem> {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .map_err(|e| {
            Problem::new(
                "NETWORK_UNREACHABLE",
                format!("cannot start the sandbox: {e:#}"),
                "Check that this machine allows listening on 127.0.0.1",
            )
        })?;
    let tmp = tempfile::tempdir().map_err(|e| {
        Problem::new(
            "CONFIG_INVALID",
            format!("cannot create a temporary directory: {e}"),
            "Check TMPDIR",
        )
    })?;
    let config = ConfigStore::open(tmp.path().join("config"));
    let secrets =
        SecretStore::mock().map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    let orgs: Vec<String> = sandbox
        .organization_urls()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let hints = vec![
        format!("Sandbox organizations: {}", orgs.join(", ")),
        format!("Sandbox collection (Server): {}", sandbox.collection_url()),
    ];
    let settings = Settings {
        devops_base: url(&sandbox.devops_url())?,
        vssps_base: url(&sandbox.vssps_url())?,
        profile_base: url(&sandbox.profile_url())?,
        authority_base: url(&sandbox.authority_url())?,
        allow_http: true,
        demo: true,
        existing: Vec::new(),
        secret_store: secrets.describe(),
        hints,
        sign_in: SignInSettings {
            imds: url(&sandbox.imds_url()).ok(),
            ..sign_in
        },
        store_problem: None,
        store_dir: String::new(),
        draft: None,
    };
    let mut wizard = Wizard::new(settings);
    wizard.prefill_pat(&SecretString::from(sandbox.pat().to_string()));
    Ok(Launch {
        wizard,
        jobs: JobContext {
            http: http(global)?,
            config,
            secrets,
        },
        note: Some(
            "This was the demo: its config dir and secret store were temporary and are gone. \
             Run `ado-setup` to connect to your Azure DevOps."
                .into(),
        ),
        _sandbox: Some(sandbox),
        _tmp: Some(tmp),
    })
}

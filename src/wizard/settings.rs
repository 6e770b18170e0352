//! The fixed facts the wizard is started with: the Azure DevOps and
//! Microsoft endpoints (or their overrides), the demo, the saved
//! connections, the secret store, how sign-in is done here. The wizard
//! reads them; it changes them only where an answer is about them (a store
//! chosen on the Storage step, a draft taken up, the connection being
//! edited no longer counted as taken).

use url::Url;

/// Fixed facts the wizard needs about its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://dev.azure.com` or its override.
    pub devops_base: Url,
    pub vssps_base: Url,
    pub profile_base: Url,
    pub authority_base: Url,
    pub allow_http: bool,
    /// Running against the sandbox.
    pub demo: bool,
    /// Saved connections `(name, organization or base URL, project)`.
    pub existing: Vec<(String, String, String)>,
    /// Where a secret would be stored, in words.
    pub secret_store: String,
    /// Extra lines for the Target screen (the demo lists the sandbox's organizations).
    pub hints: Vec<String>,
    pub sign_in: SignInSettings,
    /// Why the OS keyring cannot be used here; the wizard asks for another
    /// store first.
    pub store_problem: Option<String>,
    /// The config dir (where the file store would write).
    pub store_dir: String,
    /// An interrupted wizard's answers, offered on the start menu.
    pub draft: Option<crate::store::draft::Draft>,
}

impl Settings {
    /// The services a Services connection needs besides the organization
    /// (identity and profile); the checks use them for Services only.
    pub fn service_endpoints(&self) -> Vec<Url> {
        vec![self.vssps_base.clone(), self.profile_base.clone()]
    }
}

/// How Microsoft sign-in is done here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSettings {
    /// The public client (`--client-id`; default [`crate::auth::DEFAULT_CLIENT_ID`]).
    pub client_id: String,
    /// `--tenant`: overrides the organization's tenant.
    pub tenant: Option<String>,
    /// A browser can be opened here (a display, and not an SSH session).
    pub can_open_browser: bool,
    /// The instance metadata endpoint (managed identity), when known.
    pub imds: Option<Url>,
}

impl Default for SignInSettings {
    fn default() -> Self {
        SignInSettings {
            client_id: crate::auth::DEFAULT_CLIENT_ID.to_string(),
            tenant: None,
            can_open_browser: false,
            imds: None,
        }
    }
}

impl SignInSettings {
    /// Whether a browser can be opened, from the environment: not over SSH,
    /// and a display (Linux/BSD) or a desktop OS.
    pub fn browser_available(env: impl Fn(&str) -> Option<String>) -> bool {
        let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
        if set("SSH_CONNECTION") || set("SSH_TTY") || set("SSH_CLIENT") {
            return false;
        }
        cfg!(any(target_os = "macos", target_os = "windows"))
            || set("DISPLAY")
            || set("WAYLAND_DISPLAY")
    }
}

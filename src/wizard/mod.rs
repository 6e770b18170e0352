//! Pure state machine of the setup wizard (SPEC §2). `update` takes a
//! message (a key, a paste, a tick, a background result) and returns effects
//! as data; the driver (`crate::tui::driver`) performs them and feeds results back.
//! It never performs I/O. Every background result carries the id of the
//! request it answers: a result whose id is not the pending one is stale and
//! ignored.

pub mod background;
pub mod filter;
mod mapping;
mod review;
pub mod tree;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use secrecy::SecretString;
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};
use url::Url;

use crate::ado::endpoints::Deployment;
use crate::ado::http::Credential;
pub use crate::net::allowlist::{allowlist_status, probes_status};
use crate::net::target::{parse_server_url, parse_services_target};
use crate::store::config::{
    Access, AuthMethod, Connection, ConnectionUser, ProviderKey, validate_connection_name,
};
use crate::wizard::filter::FilterList;
pub use background::*;
pub use mapping::{MappingForm, Picker, Row as MappingRow};
pub use review::{Answer, CHECK_GROUPS, check_group, established, review_fix};

// ─── Steps ──────────────────────────────────────────────────────────────────

/// The wizard's screens, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The OS keyring failed its test: which store instead (asked first).
    Storage,
    Menu,
    Deployment,
    Target,
    SignIn,
    Organization,
    Project,
    Mapping,
    Network,
    Review,
    Done,
    /// The troubleshooter (from the start menu): a saved connection's checks.
    Troubleshoot,
}

impl Step {
    /// The title shown in the header.
    pub fn title(self) -> &'static str {
        match self {
            Step::Storage => "Secret store",
            Step::Menu => "Start",
            Step::Deployment => "Deployment",
            Step::Target => "Target",
            Step::SignIn => "Sign in",
            Step::Organization => "Organization",
            Step::Project => "Project",
            Step::Mapping => "Field mapping",
            Step::Network => "Network allowlist",
            Step::Review => "Review",
            Step::Done => "Done",
            Step::Troubleshoot => "Troubleshoot",
        }
    }
}

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    DeviceCode,
    Pat,
    /// The machine's managed identity (Azure VMs, scale sets, AKS).
    ManagedIdentity,
    /// The account the Azure CLI is signed in with.
    AzureCli,
    /// An Entra application with a client secret.
    ServicePrincipal,
}

impl SignInMethod {
    /// The order Tab and ↑↓ go through (Services).
    pub const ALL: [SignInMethod; 5] = [
        SignInMethod::DeviceCode,
        SignInMethod::Pat,
        SignInMethod::ManagedIdentity,
        SignInMethod::AzureCli,
        SignInMethod::ServicePrincipal,
    ];

    fn step(self, forward: bool) -> SignInMethod {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        let n = Self::ALL.len();
        Self::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Whether an unattended sign-in method can be used on this machine, as
/// its probe found: managed identity when the instance metadata endpoint
/// answers, the Azure CLI when `az` is installed and signed in. The probes
/// run beside the Sign in step (they are not [`Pending`]: nothing waits
/// for them); an unavailable method can still be chosen, to read why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Availability {
    /// Not probed yet (the Sign in step of Services starts the probes).
    #[default]
    Unknown,
    /// The probe with this id is running.
    Checking { id: u64 },
    /// It can be used; what the probe found, in words.
    Available(String),
    /// It cannot be used here: why, briefly and in full with its fix.
    Unavailable(Unavailable),
}

/// What the availability probes of the Sign in step found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignInProbes {
    pub managed_identity: Availability,
    pub azure_cli: Availability,
    /// The tenant the Azure CLI was asked for (another organization's
    /// tenant probes again).
    pub azure_cli_tenant: Option<String>,
}

impl SignInProbes {
    /// The availability of `method`; `None` for methods that are not probed.
    pub fn of(&self, method: SignInMethod) -> Option<&Availability> {
        match method {
            SignInMethod::ManagedIdentity => Some(&self.managed_identity),
            SignInMethod::AzureCli => Some(&self.azure_cli),
            _ => None,
        }
    }

    fn of_mut(&mut self, method: SignInMethod) -> Option<&mut Availability> {
        match method {
            SignInMethod::ManagedIdentity => Some(&mut self.managed_identity),
            SignInMethod::AzureCli => Some(&mut self.azure_cli),
            _ => None,
        }
    }
}

/// Whether the service principal's credential field holds a client secret
/// (masked) or the path of a certificate file (PEM, shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpCredential {
    /// The client secret's Value (masked; the default).
    #[default]
    Secret,
    /// A PEM file with the private key and the certificate (F2); the job
    /// reads it.
    CertificateFile,
}

/// A background request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub id: u64,
    pub step: Step,
    pub since_tick: u64,
    /// Esc may abort it (a save may not: it must finish or roll back).
    pub cancellable: bool,
}

/// What the driver must do.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Run `job` in the background; answer with `Msg::Done { id, .. }`.
    Spawn { id: u64, job: Box<Job> },
    /// Abort the job with this id (its result, if any, will be ignored).
    Cancel { id: u64 },
    /// Leave the wizard.
    Quit(Outcome),
    /// Open a URL in the user's browser (only offered where there is one).
    OpenUrl(String),
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Keep the non-secret answers so far (an interruption can resume).
    SaveDraft(Box<crate::store::draft::Draft>),
    /// The draft is done with (saved, or quit on purpose).
    ClearDraft,
}

/// How the wizard ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Saved(SavedInfo),
    /// Quit from the start menu: nothing was asked, nothing to cancel.
    Quit,
    Cancelled,
}

/// Input to the state machine.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A terminal event (keys, paste, resize).
    Term(Event),
    /// The animation tick (only sent while something is pending).
    Tick,
    /// A background job finished.
    Done { id: u64, result: JobResult },
}

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

/// The stores offered when the OS keyring does not work, with what each
/// means, said plainly.
pub fn store_options() -> Vec<(
    crate::store::secrets::SecretStoreChoice,
    &'static str,
    &'static str,
)> {
    use crate::store::secrets::SecretStoreChoice as C;
    let mut v = Vec::new();
    if cfg!(target_os = "linux") {
        v.push((
            C::Keyutils,
            "Linux kernel keyring (keyutils)",
            "private to you, but LOST ON REBOOT: sign in again after a restart",
        ));
    }
    v.push((
        C::File,
        "A file in the config directory",
        "PLAIN TEXT, readable only by you (mode 0600)",
    ));
    v.push((
        C::None,
        "Do not store it",
        "the integration must get AZURE_DEVOPS_EXT_PAT when it runs",
    ));
    v
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

/// Ticks per second of [`Msg::Tick`] (the driver ticks every 100 ms).
pub const TICKS_PER_SECOND: u64 = 10;

impl Settings {
    /// The services a Services connection needs besides the organization
    /// (identity and profile); the checks use them for Services only.
    pub fn service_endpoints(&self) -> Vec<Url> {
        vec![self.vssps_base.clone(), self.profile_base.clone()]
    }
}

/// The permission checks run when a project is chosen (SPEC §2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Permissions {
    #[default]
    NotRun,
    /// The job with this id is running.
    Checking {
        id: u64,
    },
    Checked(Vec<CheckOutcome>),
}

/// What an endpoint of the Network step stands for (`Azure DevOps`,
/// `identity`, `profile`, `sign-in`, `org (legacy)`, `collection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointRole {
    pub what: &'static str,
    /// Set when the endpoint replaces Microsoft's own host.
    pub replaces: Option<EndpointOverride>,
}

/// The real host an overridden endpoint stands in for, and what put it
/// there (the variable, or the demo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointOverride {
    pub host: &'static str,
    pub by: &'static str,
}

/// The Review form's saved-name field and its checks.
#[derive(Debug, Default)]
pub struct ReviewState {
    pub name: Input,
    /// The user typed in the name (else it follows the suggestion).
    pub name_edited: bool,
    pub name_error: Option<String>,
    pub checks: Vec<CheckOutcome>,
    /// Lines scrolled past below the name field (↑↓ PgUp PgDn).
    pub scroll: usize,
    /// The furthest `scroll` can go, as the last frame drawn found it (the
    /// screen knows its height; the keys stop there).
    pub max_scroll: std::cell::Cell<usize>,
}

/// The troubleshooter: which connection, its checks, which one is open.
#[derive(Debug, Default)]
pub struct TroubleState {
    /// Index into the saved connections while picking.
    pub pick: usize,
    /// The connection being checked.
    pub name: Option<String>,
    pub outcomes: Vec<CheckOutcome>,
    /// Selected check.
    pub index: usize,
    /// Showing the selected check's guidance.
    pub detail: bool,
    /// The check being re-run on its own (with the checks it needs).
    pub rerun: Option<&'static str>,
}

/// All the wizard knows. `Debug` leaves the token out.
pub struct Wizard {
    pub settings: Settings,
    pub step: Step,
    pub menu_index: usize,
    pub deployment: Deployment,
    pub target: Input,
    pub sign_in_method: SignInMethod,
    pub pat: Input,
    pub projects: FilterList<ProjectItem>,
    pub projects_loaded: bool,
    /// The device code on screen while the user signs in elsewhere.
    pub device: Option<DeviceView>,
    /// The Microsoft sign-in, once done.
    pub entra: Option<EntraSession>,
    /// An unattended sign-in (managed identity, Azure CLI, service
    /// principal) and its access token, once done.
    pub unattended: Option<(crate::auth::Unattended, SecretString)>,
    /// The service principal's client id and credential (a masked secret,
    /// or a certificate file's path: `sp_credential`), and which has focus.
    pub sp_client: Input,
    pub sp_secret: Input,
    /// A user-assigned managed identity's client id (empty: the machine's
    /// system-assigned identity). Only hex digits and `-` are typed into it,
    /// so `r` (check again) stays a key.
    pub mi_client: Input,
    pub sp_on_secret: bool,
    pub sp_credential: SpCredential,
    /// What is wrong with the credential field (nothing given, or a
    /// certificate file that cannot be used), shown on the field.
    pub sp_error: Option<Problem>,
    /// Whether managed identity and the Azure CLI can be used here.
    pub probes: SignInProbes,
    /// The signed-in user's organizations (Microsoft sign-in).
    pub orgs: FilterList<OrgItem>,
    pub orgs_loaded: bool,

    // What has been validated so far (cleared when an earlier answer changes).
    pub base_url: Option<Url>,
    pub organization: Option<String>,
    pub project_hint: Option<String>,
    /// Things to know about the target (plain HTTP, loopback, stripped query).
    pub target_warnings: Vec<String>,
    pub tenant: Option<String>,
    pub user: Option<UserInfo>,
    pub api_version: Option<String>,
    pub project: Option<ProjectInfo>,
    /// The `permission.*` checks of the chosen project: running (the job's
    /// id), then their outcomes. Shown from the Field mapping step on.
    pub permissions: Permissions,
    /// The Field mapping form, once its data is loaded.
    pub form: Option<MappingForm>,
    /// The mapping, once its checks passed.
    pub mapping: Option<MappingInfo>,
    /// The probe results, once the Network step ran.
    pub network: Option<Vec<EndpointProbe>>,
    /// A line of news on the Network step (where the list was saved).
    pub notice: Option<String>,
    pub review: ReviewState,
    pub trouble: TroubleState,
    pub saved: Option<SavedInfo>,
    /// `ado-setup edit`: the connection being changed (its saved settings
    /// prefill every step and are validated again).
    pub editing: Option<Connection>,
    /// A resumed draft's mapping answers (applied when the form loads).
    pub resumed: Option<Connection>,

    pub problem: Option<Problem>,
    pub pending: Option<Pending>,
    pub show_help: bool,
    pub confirm_quit: bool,
    pub tick: u64,
    next_id: u64,
}

impl std::fmt::Debug for Wizard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wizard")
            .field("step", &self.step)
            .field("deployment", &self.deployment)
            .field("target", &self.target.value())
            .field("pat", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("project", &self.project)
            .field("pending", &self.pending)
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

// ─── Construction ───────────────────────────────────────────────────────────

impl Wizard {
    /// A fresh wizard: the menu when connections exist, else Deployment.
    pub fn new(settings: Settings) -> Self {
        let step = if settings.store_problem.is_some() {
            Step::Storage
        } else if settings.existing.is_empty() && settings.draft.is_none() {
            Step::Deployment
        } else {
            Step::Menu
        };
        Wizard {
            settings,
            step,
            menu_index: 0,
            deployment: Deployment::Services,
            target: Input::default(),
            sign_in_method: SignInMethod::DeviceCode,
            pat: Input::default(),
            projects: FilterList::new(Vec::new()),
            projects_loaded: false,
            device: None,
            entra: None,
            unattended: None,
            sp_client: Input::default(),
            sp_secret: Input::default(),
            mi_client: Input::default(),
            sp_on_secret: false,
            sp_credential: SpCredential::Secret,
            sp_error: None,
            probes: SignInProbes::default(),
            orgs: FilterList::new(Vec::new()),
            orgs_loaded: false,
            base_url: None,
            organization: None,
            project_hint: None,
            target_warnings: Vec::new(),
            tenant: None,
            user: None,
            api_version: None,
            project: None,
            permissions: Permissions::NotRun,
            form: None,
            mapping: None,
            network: None,
            notice: None,
            review: ReviewState::default(),
            trouble: TroubleState::default(),
            saved: None,
            editing: None,
            resumed: None,
            problem: None,
            pending: None,
            show_help: false,
            confirm_quit: false,
            tick: 0,
            next_id: 0,
        }
    }

    /// `ado-setup edit NAME`: every step prefilled from `c` (its PAT from the
    /// store, when it has one), starting at Deployment; each is validated
    /// again, and saving replaces it.
    pub fn start_edit(&mut self, c: &Connection, pat: Option<&SecretString>) {
        self.deployment = match c.provider_key {
            ProviderKey::AzureDevopsServices => Deployment::Services,
            ProviderKey::AzureDevopsServer => Deployment::Server,
        };
        self.target = Input::new(c.organization.clone().unwrap_or(c.base_url.clone()));
        self.sign_in_method = match (self.deployment, c.auth_method) {
            (Deployment::Services, AuthMethod::DeviceCode) => SignInMethod::DeviceCode,
            (Deployment::Services, AuthMethod::ManagedIdentity) => {
                self.mi_client = Input::new(c.client_id.clone().unwrap_or_default());
                SignInMethod::ManagedIdentity
            }
            (Deployment::Services, AuthMethod::AzureCli) => SignInMethod::AzureCli,
            (Deployment::Services, AuthMethod::ServicePrincipal) => {
                self.sp_client = Input::new(c.client_id.clone().unwrap_or_default());
                SignInMethod::ServicePrincipal
            }
            _ => SignInMethod::Pat,
        };
        if let Some(p) = pat.filter(|_| c.auth_method == AuthMethod::Pat) {
            self.prefill_pat(p);
        }
        self.project_hint = Some(c.project.clone());
        self.review.name = Input::new(c.name.clone());
        self.review.name_edited = true;
        // Its own name and organization+project are not "taken".
        self.settings
            .existing
            .retain(|(n, _, _)| !n.eq_ignore_ascii_case(&c.name));
        self.editing = Some(c.clone());
        self.step = Step::Deployment;
    }

    /// The draft the driver keeps after a move to `self.step` from
    /// `before`: every answering step reached leaves one (never in the demo,
    /// never a secret).
    pub fn draft_after(&self, before: Step) -> Option<crate::store::draft::Draft> {
        if self.step == before
            || self.settings.demo
            || matches!(
                self.step,
                Step::Menu | Step::Troubleshoot | Step::Storage | Step::Done | Step::Deployment
            )
        {
            return None;
        }
        self.draft()
    }

    /// The non-secret answers so far, for a draft.
    pub fn draft(&self) -> Option<crate::store::draft::Draft> {
        let target = self.target.value().trim().to_string();
        if target.is_empty() {
            return None;
        }
        let form = self.form.as_ref();
        Some(crate::store::draft::Draft {
            deployment: match self.deployment {
                Deployment::Services => "services",
                Deployment::Server => "server",
            }
            .into(),
            target,
            sign_in: match self.sign_in_method {
                SignInMethod::DeviceCode => "device_code",
                SignInMethod::Pat => "pat",
                SignInMethod::ManagedIdentity => "managed_identity",
                SignInMethod::AzureCli => "azure_cli",
                SignInMethod::ServicePrincipal => "service_principal",
            }
            .into(),
            client_id: match self.sign_in_method {
                SignInMethod::ServicePrincipal => Some(self.sp_client.value()),
                SignInMethod::ManagedIdentity => Some(self.mi_client.value()),
                _ => None,
            }
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
            project: self
                .project
                .as_ref()
                .map(|p| p.name.clone())
                .or_else(|| self.project_hint.clone()),
            work_item_type: form.map(|f| f.work_item_type.clone()),
            area_path: form.map(|f| f.area.clone()),
            iteration_path: form.map(|f| f.iteration.clone()),
            priority_map: form.map(|f| f.priority),
            assignee: form.and_then(|f| f.assignee.clone()),
            field_defaults: form.map(|f| f.values.clone()).unwrap_or_default(),
            step: self.step.title().to_string(),
        })
    }

    /// Resumes an interrupted wizard: its answers filled in (like `edit`, but
    /// nothing saved is replaced and the sign-in is done again).
    pub fn resume(&mut self, d: &crate::store::draft::Draft) {
        let c = Connection {
            provider_key: if d.deployment == "server" {
                ProviderKey::AzureDevopsServer
            } else {
                ProviderKey::AzureDevopsServices
            },
            organization: (d.deployment != "server").then(|| d.target.clone()),
            base_url: d.target.clone(),
            auth_method: match d.sign_in.as_str() {
                "device_code" => AuthMethod::DeviceCode,
                "managed_identity" => AuthMethod::ManagedIdentity,
                "azure_cli" => AuthMethod::AzureCli,
                "service_principal" => AuthMethod::ServicePrincipal,
                _ => AuthMethod::Pat,
            },
            client_id: d.client_id.clone(),
            project: d.project.clone().unwrap_or_default(),
            work_item_type: d.work_item_type.clone().unwrap_or_default(),
            area_path: d.area_path.clone().unwrap_or_default(),
            iteration_path: d.iteration_path.clone().unwrap_or_default(),
            priority_map: d.priority_map.unwrap_or_default(),
            assignee: d.assignee.clone(),
            field_defaults: d.field_defaults.clone(),
            ..Connection::default()
        };
        let existing = self.settings.existing.clone();
        let name = self.review.name.clone();
        self.start_edit(&c, None);
        // Not an edit: nothing saved is replaced, names stay taken.
        self.settings.existing = existing;
        self.review.name = name;
        self.review.name_edited = false;
        if d.project.is_none() {
            self.project_hint = None;
        }
        self.resumed = Some(c);
        self.editing = None;
    }

    /// Fills the token field (the demo fills in the sandbox's token).
    pub fn prefill_pat(&mut self, pat: &SecretString) {
        use secrecy::ExposeSecret;
        self.pat = Input::new(pat.expose_secret().to_string());
    }

    /// Opens the troubleshooter with a saved connection selected (Enter runs
    /// it). `false` when there is no such connection.
    pub fn open_troubleshooter(&mut self, name: &str) -> bool {
        match self
            .settings
            .existing
            .iter()
            .position(|(n, _, _)| n.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                self.step = Step::Troubleshoot;
                self.trouble = TroubleState {
                    pick: i,
                    ..TroubleState::default()
                };
                true
            }
            None => false,
        }
    }

    /// Is a background job running?
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Has the user given any answer that quitting would lose?
    pub fn has_unsaved_answers(&self) -> bool {
        // A prefilled token (the demo's) is not an answer; one the user typed
        // implies a later step.
        self.saved.is_none()
            && !matches!(self.step, Step::Menu | Step::Troubleshoot | Step::Storage)
            && (!self.target.value().is_empty() || self.step as u8 > Step::Deployment as u8)
    }

    /// The steps of this deployment, in order (for the header).
    pub fn steps(&self) -> Vec<Step> {
        let mut s = vec![Step::Deployment, Step::Target, Step::SignIn];
        if self.deployment == Deployment::Services {
            s.push(Step::Organization);
        }
        s.extend([
            Step::Project,
            Step::Mapping,
            Step::Network,
            Step::Review,
            Step::Done,
        ]);
        s
    }

    fn next_step(&self) -> Step {
        let steps = self.steps();
        let i = steps.iter().position(|s| *s == self.step).unwrap_or(0);
        steps.get(i + 1).copied().unwrap_or(Step::Done)
    }

    fn prev_step(&self) -> Option<Step> {
        if self.step == Step::Deployment {
            return (!self.settings.existing.is_empty()).then_some(Step::Menu);
        }
        let steps = self.steps();
        let i = steps.iter().position(|s| *s == self.step)?;
        i.checked_sub(1).map(|j| steps[j])
    }

    fn spawn(&mut self, job: Job) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(p) = self.pending.take() {
            effects.push(Effect::Cancel { id: p.id });
        }
        self.next_id += 1;
        let id = self.next_id;
        let cancellable = !matches!(job, Job::Save(_));
        self.pending = Some(Pending {
            id,
            step: self.step,
            since_tick: self.tick,
            cancellable,
        });
        self.problem = None;
        effects.push(Effect::Spawn {
            id,
            job: Box::new(job),
        });
        effects
    }

    fn cancel_pending(&mut self) -> Vec<Effect> {
        match self.pending.take() {
            Some(p) => vec![Effect::Cancel { id: p.id }],
            None => Vec::new(),
        }
    }

    fn session(&self) -> Option<Session> {
        let (credential, entra) = match (&self.entra, &self.unattended) {
            (Some(e), _) => (
                Credential::Bearer(e.access.clone()),
                Some((self.entra_app(), e.clone())),
            ),
            (None, Some((_, access))) => (Credential::Bearer(access.clone()), None),
            (None, None) => (
                Credential::Pat(SecretString::from(self.pat.value().trim().to_string())),
                None,
            ),
        };
        Some(Session {
            deployment: self.deployment,
            base_url: self.base_url.clone()?,
            credential,
            api_version: self.api_version.clone()?,
            entra,
            unattended: self.unattended.as_ref().map(|(u, _)| u.clone()),
        })
    }

    /// The public client and authority of Microsoft sign-in.
    pub fn entra_app(&self) -> EntraApp {
        EntraApp {
            authority: self.settings.authority_base.clone(),
            client_id: self.settings.sign_in.client_id.clone(),
        }
    }

    /// Seconds left on the device code on screen.
    pub fn device_seconds_left(&self) -> Option<u64> {
        let d = self.device.as_ref()?;
        let elapsed = self.tick.saturating_sub(d.issued_tick) / TICKS_PER_SECOND;
        Some(d.expires_in.saturating_sub(elapsed))
    }

    /// Moves to `step`, starting the work that step needs on arrival.
    fn enter(&mut self, step: Step) -> Vec<Effect> {
        self.step = step;
        self.problem = None;
        self.show_help = false;
        match step {
            Step::SignIn if self.deployment == Deployment::Services => self.start_probes(),
            Step::Organization if self.entra.is_some() && !self.orgs_loaded => {
                match self.entra.clone() {
                    Some(entra) => self.spawn(Job::LoadOrganizations {
                        profile_base: self.settings.profile_base.clone(),
                        entra,
                    }),
                    None => Vec::new(),
                }
            }
            Step::Project if !self.projects_loaded => match self.session() {
                Some(session) => self.spawn(Job::LoadProjects { session }),
                None => Vec::new(),
            },
            Step::Mapping if self.form.is_none() => match (self.session(), self.project.clone()) {
                (Some(session), Some(project)) => self.spawn(Job::LoadMapping { session, project }),
                _ => Vec::new(),
            },
            Step::Network if self.network.is_none() => {
                let endpoints = self.endpoints();
                self.spawn(Job::ProbeNetwork { endpoints })
            }
            Step::Review => {
                if !self.review.name_edited || self.review.name.value().is_empty() {
                    self.review.name = Input::new(self.suggested_name());
                    self.review.name_edited = false;
                }
                match (self.session(), self.project.clone(), self.mapping.clone()) {
                    (Some(session), Some(project), Some(mapping)) => {
                        self.review.checks.clear();
                        self.review.scroll = 0;
                        let extra_endpoints = self.settings.service_endpoints();
                        self.spawn(Job::Review(Box::new(ReviewRequest {
                            session,
                            project,
                            mapping,
                            devops_base: self.settings.devops_base.clone(),
                            extra_endpoints,
                            allow_http: self.settings.allow_http,
                        })))
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// Starts the availability probes that have not run (the Azure CLI's
    /// again when the tenant it would be asked for changed). They run
    /// beside the step; their results land in `self.probes`.
    fn start_probes(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.probes.managed_identity == Availability::Unknown {
            effects.extend(self.probe(SignInMethod::ManagedIdentity));
        }
        if self.probes.azure_cli == Availability::Unknown
            || self.probes.azure_cli_tenant != self.azure_cli_tenant()
        {
            effects.extend(self.probe(SignInMethod::AzureCli));
        }
        effects
    }

    /// Probes `method` (again): whether it can be used here.
    fn probe(&mut self, method: SignInMethod) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(Availability::Checking { id }) = self.probes.of(method) {
            effects.push(Effect::Cancel { id: *id });
        }
        let job = match method {
            SignInMethod::ManagedIdentity => match self.settings.sign_in.imds.clone() {
                Some(imds) => Job::ProbeManagedIdentity { imds },
                None => {
                    self.probes.managed_identity = Availability::Unavailable(Unavailable {
                        brief: "no instance metadata endpoint is set".into(),
                        problem: Problem::new(
                            "PROVIDER_AUTH_REQUIRED",
                            "managed identity is not available here: no instance metadata endpoint is set",
                            "Set ADO_SETUP_IMDS_URL to the endpoint, or choose another sign-in method",
                        ),
                    });
                    return effects;
                }
            },
            SignInMethod::AzureCli => {
                let tenant = self.azure_cli_tenant();
                self.probes.azure_cli_tenant = tenant.clone();
                Job::ProbeAzureCli { tenant }
            }
            _ => return effects,
        };
        self.next_id += 1;
        let id = self.next_id;
        if let Some(a) = self.probes.of_mut(method) {
            *a = Availability::Checking { id };
        }
        effects.push(Effect::Spawn {
            id,
            job: Box::new(job),
        });
        effects
    }

    /// The tenant the Azure CLI is asked for: `--tenant`, else the
    /// organization's (as the sign-in itself does).
    fn azure_cli_tenant(&self) -> Option<String> {
        self.settings.sign_in.tenant.clone().or_else(|| {
            crate::auth::Authority::from_tenant(self.tenant.as_deref())
                .tenant_id()
                .map(str::to_string)
        })
    }

    /// Starts the permission checks of the chosen project beside the
    /// Field mapping step (nothing waits for them).
    fn check_permissions(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Permissions::Checking { id } = self.permissions {
            effects.push(Effect::Cancel { id });
        }
        let (Some(session), Some(project)) = (self.session(), self.project.clone()) else {
            self.permissions = Permissions::NotRun;
            return effects;
        };
        self.next_id += 1;
        let id = self.next_id;
        self.permissions = Permissions::Checking { id };
        effects.push(Effect::Spawn {
            id,
            job: Box::new(Job::CheckPermissions {
                session,
                project,
                devops_base: self.settings.devops_base.clone(),
                allow_http: self.settings.allow_http,
            }),
        });
        effects
    }

    /// The firewall request for the probed endpoints.
    pub fn firewall_request(&self) -> Option<String> {
        let probes = self.network.as_ref()?;
        Some(crate::net::allowlist::firewall_request(
            probes,
            probes_status(probes).as_str(),
        ))
    }

    /// What a probed endpoint (`url`, as the Network step's rows give it)
    /// stands for, and — where `ADO_SETUP_*_URL` or the demo replaced it —
    /// the real host it stands in for.
    pub fn endpoint_role(&self, url: &str) -> EndpointRole {
        let url = url.trim_end_matches('/');
        let same = |u: &Url| u.as_str().trim_end_matches('/').eq_ignore_ascii_case(url);
        let s = &self.settings;
        let known: [(&Url, &'static str, &'static str, &'static str); 4] = [
            (
                &s.devops_base,
                "Azure DevOps",
                "dev.azure.com",
                "ADO_SETUP_DEVOPS_URL",
            ),
            (
                &s.vssps_base,
                "identity",
                "vssps.dev.azure.com",
                "ADO_SETUP_VSSPS_URL",
            ),
            (
                &s.profile_base,
                "profile",
                "app.vssps.visualstudio.com",
                "ADO_SETUP_PROFILE_URL",
            ),
            (
                &s.authority_base,
                "sign-in",
                "login.microsoftonline.com",
                "ADO_SETUP_AUTHORITY_URL",
            ),
        ];
        if self.deployment == Deployment::Services {
            for (base, what, real, var) in known {
                if same(base) {
                    let replaced = base
                        .host_str()
                        .is_some_and(|h| !h.eq_ignore_ascii_case(real));
                    return EndpointRole {
                        what,
                        replaces: replaced.then_some(EndpointOverride {
                            host: real,
                            by: if s.demo { "the demo's sandbox" } else { var },
                        }),
                    };
                }
            }
            if Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .is_some_and(|h| h.ends_with(".visualstudio.com"))
            {
                return EndpointRole {
                    what: "org (legacy)",
                    replaces: None,
                };
            }
        }
        EndpointRole {
            what: match self.deployment {
                Deployment::Server => "collection",
                Deployment::Services => "endpoint",
            },
            replaces: None,
        }
    }

    /// The endpoints this connection needs (SPEC §6).
    pub fn endpoints(&self) -> Vec<Url> {
        // Entra ID's sign-in endpoint, where the connection signs in there
        // itself: the same rule as `network.allowlist`.
        let authority = matches!(
            self.sign_in_method,
            SignInMethod::DeviceCode | SignInMethod::ServicePrincipal
        )
        .then_some(&self.settings.authority_base);
        crate::ado::endpoints::required_endpoints(
            self.deployment,
            &self.settings.devops_base,
            &self.settings.service_endpoints(),
            authority,
            self.organization.as_deref().filter(|_| !self.settings.demo),
            self.base_url.as_ref(),
        )
    }

    /// `{org}-{project}` (or `{host}-{project}`) in the name rules' shape.
    pub fn suggested_name(&self) -> String {
        let first = self
            .organization
            .clone()
            .or_else(|| {
                self.base_url
                    .as_ref()
                    .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
            })
            .unwrap_or_default();
        let project = self
            .project
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        crate::store::config::suggest_connection_name(&first, &project)
    }

    /// Clears what depends on the target (a new target invalidates it all).
    fn forget_from_target(&mut self) {
        self.base_url = None;
        self.organization = None;
        self.project_hint = None;
        self.target_warnings.clear();
        self.tenant = None;
        self.forget_from_sign_in();
    }

    fn forget_from_sign_in(&mut self) {
        self.user = None;
        self.api_version = None;
        self.device = None;
        self.entra = None;
        self.unattended = None;
        self.orgs = FilterList::new(Vec::new());
        self.orgs_loaded = false;
        self.projects = FilterList::new(Vec::new());
        self.projects_loaded = false;
        self.forget_from_project();
    }

    fn forget_from_project(&mut self) {
        self.project = None;
        self.permissions = Permissions::NotRun;
        self.form = None;
        self.mapping = None;
        self.network = None;
        self.review.checks.clear();
    }
}

// ─── Update ─────────────────────────────────────────────────────────────────

/// Applies `msg`; returns what the driver must do.
pub fn update(w: &mut Wizard, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick => {
            w.tick = w.tick.wrapping_add(1);
            Vec::new()
        }
        Msg::Done { id, result } => on_result(w, id, result),
        Msg::Term(Event::Paste(text)) => on_paste(w, &text),
        Msg::Term(Event::Key(key)) if key.kind != KeyEventKind::Release => on_key(w, key),
        Msg::Term(_) => Vec::new(),
    }
}

fn on_result(w: &mut Wizard, id: u64, result: JobResult) -> Vec<Effect> {
    // The availability probes are not pending work: their results count
    // whatever the step, unless a newer probe of the method replaced them.
    if let JobResult::MethodProbed { method, available } = result {
        if let Some(a) = w.probes.of_mut(method)
            && *a == (Availability::Checking { id })
        {
            *a = match available {
                Ok(detail) => Availability::Available(detail),
                Err(why) => Availability::Unavailable(why),
            };
        }
        return Vec::new();
    }
    // Likewise the chosen project's permission checks: they land whatever
    // the step, unless another project was chosen since.
    if let JobResult::Permissions {
        project_id,
        outcomes,
    } = result
    {
        if w.permissions == (Permissions::Checking { id })
            && w.project.as_ref().is_some_and(|p| p.id == project_id)
        {
            w.permissions = Permissions::Checked(outcomes);
        }
        return Vec::new();
    }
    let Some(p) = w.pending else {
        return Vec::new();
    };
    if p.id != id || p.step != w.step {
        return Vec::new(); // stale: the user moved on or asked again
    }
    w.pending = None;
    match result {
        JobResult::Failed(problem) => {
            w.problem = Some(problem);
            w.device = None;
            Vec::new()
        }
        JobResult::CertificateUnreadable(problem) => {
            w.sp_error = Some(problem);
            w.sp_on_secret = true;
            Vec::new()
        }
        // Handled before the pending check.
        JobResult::MethodProbed { .. } => Vec::new(),
        JobResult::SignedInUnattended {
            user,
            unattended,
            access,
        } => {
            w.user = Some(user);
            w.api_version = Some("7.1".into());
            w.unattended = Some((*unattended, access));
            w.sp_secret = Input::default();
            let next = w.next_step();
            w.enter(next)
        }
        JobResult::DeviceCode(code) => {
            w.device = Some(DeviceView {
                user_code: code.user_code.clone(),
                verification_uri: code.verification_uri.clone(),
                expires_in: code
                    .expires_at
                    .saturating_duration_since(std::time::Instant::now())
                    .as_secs(),
                issued_tick: w.tick,
            });
            let Some(base_url) = w.base_url.clone() else {
                return Vec::new();
            };
            let job = Job::DeviceWait {
                app: w.entra_app(),
                code,
                base_url,
                org_tenant: w.tenant.clone(),
            };
            w.spawn(job)
        }
        JobResult::Organizations(items) => {
            w.orgs = FilterList::new(items);
            w.orgs_loaded = true;
            if let Some(org) = w.organization.clone() {
                w.orgs
                    .select_where(|o: &OrgItem| o.name.eq_ignore_ascii_case(&org));
            }
            Vec::new()
        }
        JobResult::OrganizationOk(ok) => {
            let OrganizationOk {
                organization,
                base_url,
                tenant,
                user,
                entra,
            } = *ok;
            if w.organization.as_deref() != Some(organization.as_str()) {
                w.project_hint = None;
                w.projects = FilterList::new(Vec::new());
                w.projects_loaded = false;
                w.forget_from_project();
            }
            w.organization = Some(organization);
            w.base_url = Some(base_url);
            w.tenant = tenant;
            w.user = Some(user);
            w.entra = Some(entra);
            let next = w.next_step();
            w.enter(next)
        }
        JobResult::TargetOk { tenant } => {
            w.tenant = tenant;
            let next = w.next_step();
            w.enter(next)
        }
        JobResult::SignedIn {
            user,
            api_version,
            entra,
        } => {
            w.user = Some(user);
            w.api_version = Some(api_version);
            w.device = None;
            w.entra = entra;
            let next = w.next_step();
            w.enter(next)
        }
        JobResult::Projects(items) => {
            w.projects = FilterList::new(items);
            w.projects_loaded = true;
            if let Some(hint) = w.project_hint.clone() {
                w.projects
                    .select_where(|p: &ProjectItem| p.name.eq_ignore_ascii_case(&hint));
            }
            Vec::new()
        }
        JobResult::ProjectOk(info) => {
            w.project = Some(info);
            w.form = None;
            w.mapping = None;
            w.network = None;
            let mut effects = w.check_permissions();
            let next = w.next_step();
            effects.extend(w.enter(next));
            effects
        }
        // Handled before the pending check.
        JobResult::Permissions { .. } => Vec::new(),
        JobResult::MappingLoaded(data) => {
            let mut form = MappingForm::new(data);
            w.mapping = None;
            // Editing: the saved mapping where it still fits the project.
            let mut effects = Vec::new();
            if let Some(c) = w.editing.as_ref().or(w.resumed.as_ref())
                && !c.work_item_type.is_empty()
                && w.project
                    .as_ref()
                    .is_some_and(|p| p.name.eq_ignore_ascii_case(&c.project))
            {
                if form.data.areas.contains_path(&c.area_path) {
                    form.area = c.area_path.clone();
                }
                if form.data.iterations.contains_path(&c.iteration_path) {
                    form.iteration = c.iteration_path.clone();
                }
                form.priority = c.priority_map;
                form.assignee = c.assignee.clone();
                form.values = c.field_defaults.clone();
                if c.work_item_type != form.work_item_type
                    && form.data.types.iter().any(|t| t.name == c.work_item_type)
                {
                    form.work_item_type = c.work_item_type.clone();
                    form.loading_fields = true;
                    if let (Some(session), Some(project)) = (w.session(), w.project.clone()) {
                        effects = w.spawn(Job::LoadTypeFields {
                            session,
                            project,
                            work_item_type: c.work_item_type.clone(),
                        });
                    }
                }
                form.row = form.rows().len() - 1;
            }
            w.form = Some(form);
            effects
        }
        JobResult::TypeFields(fields) => {
            if let Some(f) = w.form.as_mut() {
                f.set_fields(fields);
            }
            Vec::new()
        }
        JobResult::MappingChecked { mapping, outcomes } => {
            let Some(form) = w.form.as_mut() else {
                return Vec::new();
            };
            let general = form.file_outcomes(&outcomes);
            let failed: Vec<&CheckOutcome> = outcomes
                .iter()
                .filter(|o| o.status == CheckStatus::Fail)
                .collect();
            if failed.is_empty() {
                // Shown on the form; Enter goes on (SPEC §2.6: the dry run's
                // result is seen before the step advances).
                form.verified = Some(((*mapping).clone(), mapping::would_create(&mapping)));
                form.row = form.rows().len().saturating_sub(1);
                w.mapping = Some(*mapping);
                return Vec::new();
            }
            let code = failed
                .iter()
                .find_map(|o| o.code.clone())
                .unwrap_or_else(|| "MAPPING_REJECTED".into());
            let marked = form.errors.len();
            let mut message = if marked > 0 {
                format!("{marked} field(s) need attention (marked ✗); nothing was created")
            } else {
                "the mapping was refused; nothing was created".to_string()
            };
            if let Some(first) = general.first() {
                message.push_str(&format!(": {first}"));
            }
            let fix = failed
                .iter()
                .flat_map(|o| o.fix.first())
                .next()
                .cloned()
                .unwrap_or_else(|| {
                    "Change the marked fields (Enter on a field), then check again".into()
                });
            // Focus the first row with a problem.
            let rows = form.rows();
            if let Some(i) = rows
                .iter()
                .position(|r| form.errors.contains_key(r.key(form)))
            {
                form.row = i;
            }
            w.problem = Some(Problem::new(&code, message, fix));
            Vec::new()
        }
        JobResult::Network(rows) => {
            w.network = Some(rows);
            w.notice = None;
            Vec::new()
        }
        JobResult::StoreOpened { description, .. } => {
            w.settings.secret_store = description;
            w.settings.store_problem = None;
            w.menu_index = 0;
            w.step = if w.settings.existing.is_empty() {
                Step::Deployment
            } else {
                Step::Menu
            };
            Vec::new()
        }
        JobResult::AllowlistSaved(path) => {
            w.notice = Some(format!("Saved the firewall request to {path}"));
            Vec::new()
        }
        JobResult::Troubleshot {
            outcomes: rows,
            only: Some(_),
        } => {
            // One check re-ran: its row (and those it needs) change, the
            // selection and the open guidance stay.
            w.trouble.rerun = None;
            for fresh in rows {
                match w.trouble.outcomes.iter_mut().find(|o| o.id == fresh.id) {
                    Some(old) => *old = fresh,
                    None => w.trouble.outcomes.push(fresh),
                }
            }
            Vec::new()
        }
        JobResult::Troubleshot {
            outcomes: rows,
            only: None,
        } => {
            w.trouble.rerun = None;
            // Open on the first failure (or warning), where help is needed.
            w.trouble.index = rows
                .iter()
                .position(|c| c.status == CheckStatus::Fail)
                .or_else(|| rows.iter().position(|c| c.status == CheckStatus::Warn))
                .unwrap_or(0);
            w.trouble.outcomes = rows;
            w.trouble.detail = false;
            Vec::new()
        }
        JobResult::Reviewed(rows) => {
            // "Nothing was saved" stays while a check still fails.
            let still_failing = rows.iter().any(|c| c.status == CheckStatus::Fail);
            if !still_failing
                || w.problem
                    .as_ref()
                    .is_some_and(|p| p.code != "CHECKS_FAILED")
            {
                w.problem = None;
            }
            w.review.checks = rows;
            Vec::new()
        }
        JobResult::Saved(info) => {
            w.saved = Some(info);
            // The secret is saved; it no longer needs to be held.
            w.pat = Input::default();
            w.entra = None;
            w.step = Step::Done;
            Vec::new()
        }
    }
}

fn on_paste(w: &mut Wizard, text: &str) -> Vec<Effect> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    if w.step == Step::Mapping && mapping::on_paste(w, &clean) {
        return Vec::new();
    }
    let field = match w.step {
        Step::Target => &mut w.target,
        Step::SignIn if w.sign_in_method == SignInMethod::Pat => &mut w.pat,
        Step::SignIn if w.sign_in_method == SignInMethod::ServicePrincipal && !w.sp_on_secret => {
            &mut w.sp_client
        }
        Step::SignIn if w.sign_in_method == SignInMethod::ServicePrincipal => &mut w.sp_secret,
        Step::SignIn if w.sign_in_method == SignInMethod::ManagedIdentity => {
            for c in clean.chars().filter(|c| is_client_id_char(*c)) {
                w.mi_client.handle(InputRequest::InsertChar(c));
            }
            w.problem = None;
            return Vec::new();
        }
        Step::Review => &mut w.review.name,
        Step::Project => {
            let q = format!("{}{}", w.projects.query(), clean);
            w.projects.set_query(&q);
            return Vec::new();
        }
        Step::Organization if w.orgs_loaded => {
            let q = format!("{}{}", w.orgs.query(), clean);
            w.orgs.set_query(&q);
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    for c in clean.chars() {
        field.handle(InputRequest::InsertChar(c));
    }
    if w.step == Step::Review {
        w.review.name_edited = true;
    }
    w.problem = None;
    w.sp_error = None;
    Vec::new()
}

/// What a client id (a GUID) is made of.
fn is_client_id_char(c: char) -> bool {
    c.is_ascii_hexdigit() || c == '-'
}

fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c')
}

/// The text field that has focus on this step, if any.
fn focused_text(w: &Wizard) -> Option<&Input> {
    match w.step {
        Step::Target => Some(&w.target),
        Step::SignIn if w.sign_in_method == SignInMethod::Pat => Some(&w.pat),
        Step::SignIn if w.sign_in_method == SignInMethod::ServicePrincipal => {
            Some(if w.sp_on_secret {
                &w.sp_secret
            } else {
                &w.sp_client
            })
        }
        Step::SignIn if w.sign_in_method == SignInMethod::ManagedIdentity => Some(&w.mi_client),
        Step::Review => Some(&w.review.name),
        _ => None,
    }
}

fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    // A quit question takes every key.
    if w.confirm_quit {
        return match key.code {
            _ if is_ctrl_c(&key) => {
                let mut e = w.cancel_pending();
                e.push(Effect::Quit(Outcome::Cancelled));
                e
            }
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Char('q') => {
                let mut e = w.cancel_pending();
                e.push(Effect::Quit(Outcome::Cancelled));
                e
            }
            _ => {
                w.confirm_quit = false;
                Vec::new()
            }
        };
    }
    if w.show_help {
        w.show_help = false;
        return Vec::new();
    }

    // A save in flight must finish (or roll back) before anything else.
    if w.pending.is_some_and(|p| !p.cancellable) {
        return Vec::new();
    }

    // An open picker of the Field mapping step takes every key but Ctrl-C.
    if w.step == Step::Mapping
        && !is_ctrl_c(&key)
        && key.code != KeyCode::F(1)
        && w.form.as_ref().is_some_and(|f| f.picker.is_some())
        && let Some(effects) = mapping::on_key(w, key)
    {
        return effects;
    }

    let text_focus = focused_text(w);
    let text_empty = text_focus.is_none_or(|i| i.value().is_empty());
    let org_list = w.step == Step::Organization && w.orgs_loaded;
    let in_text = text_focus.is_some() || w.step == Step::Project || org_list;

    if is_ctrl_c(&key) || (key.code == KeyCode::Char('q') && !in_text) {
        if w.step == Step::Done || !w.has_unsaved_answers() {
            let mut e = w.cancel_pending();
            e.push(Effect::Quit(match w.saved.clone() {
                Some(s) => Outcome::Saved(s),
                // Leaving the menu or the troubleshooter cancels nothing.
                None if matches!(w.step, Step::Menu | Step::Troubleshoot | Step::Storage) => {
                    Outcome::Quit
                }
                None => Outcome::Cancelled,
            }));
            return e;
        }
        w.confirm_quit = true;
        return Vec::new();
    }
    if key.code == KeyCode::F(1)
        || (key.code == KeyCode::Char('?') && text_empty && !in_text)
        || (key.code == KeyCode::Char('?') && text_focus.is_some() && text_empty)
    {
        w.show_help = true;
        return Vec::new();
    }

    // Esc cancels what is pending; otherwise it goes back. Backspace only
    // edits (SPEC §2): a held Backspace after clearing a field must never
    // leave the step, or the next paste (a token) lands in another field.
    let back = key.code == KeyCode::Esc;
    if back && w.step == Step::Troubleshoot && w.pending.is_none() {
        // Guidance → checklist → connections → start menu.
        if w.trouble.detail {
            w.trouble.detail = false;
        } else if w.trouble.name.is_some() {
            w.trouble.name = None;
            w.trouble.outcomes.clear();
            w.problem = None;
        } else {
            w.step = Step::Menu;
        }
        return Vec::new();
    }
    if back {
        if w.pending.is_some() {
            w.problem = None;
            w.device = None;
            return w.cancel_pending();
        }
        if w.step == Step::Done {
            return Vec::new();
        }
        if let Some(prev) = w.prev_step() {
            w.problem = None;
            w.step = prev;
        }
        return Vec::new();
    }

    match w.step {
        Step::Storage => key_storage(w, key),
        Step::Menu => key_menu(w, key),
        Step::Deployment => key_deployment(w, key),
        Step::Target => key_target(w, key),
        Step::SignIn => key_sign_in(w, key),
        Step::Organization => key_organization(w, key),
        Step::Project => key_project(w, key),
        Step::Mapping => match mapping::on_key(w, key) {
            Some(effects) => effects,
            None => key_continue(w, key),
        },
        Step::Network => key_continue(w, key),
        Step::Review => key_review(w, key),
        Step::Troubleshoot => key_troubleshoot(w, key),
        Step::Done => match key.code {
            KeyCode::Enter => {
                let outcome = match w.saved.clone() {
                    Some(s) => Outcome::Saved(s),
                    None => Outcome::Cancelled,
                };
                vec![Effect::Quit(outcome)]
            }
            _ => Vec::new(),
        },
    }
}

/// Choosing a store when the OS keyring failed: the store is opened and
/// proven by a job; the driver puts it to use.
fn key_storage(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let options = store_options();
    match key.code {
        KeyCode::Up => w.menu_index = w.menu_index.saturating_sub(1),
        KeyCode::Down => w.menu_index = (w.menu_index + 1).min(options.len().saturating_sub(1)),
        KeyCode::Enter if w.pending.is_none() => {
            if let Some((choice, _, _)) = options.get(w.menu_index) {
                return w.spawn(Job::OpenStore { choice: *choice });
            }
        }
        _ => {}
    }
    Vec::new()
}

/// An entry of the start menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    Resume,
    New,
    Troubleshoot,
    Quit,
}

/// The start menu's entries, with their labels.
pub fn menu_items(w: &Wizard) -> Vec<(MenuItem, String)> {
    let mut v = Vec::new();
    if let Some(d) = &w.settings.draft {
        v.push((MenuItem::Resume, format!("Resume: {}", d.label())));
    }
    v.push((MenuItem::New, "New connection".into()));
    if !w.settings.existing.is_empty() {
        v.push((MenuItem::Troubleshoot, "Troubleshoot a connection".into()));
    }
    v.push((MenuItem::Quit, "Quit".into()));
    v
}

fn key_menu(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let items = menu_items(w);
    match key.code {
        KeyCode::Up | KeyCode::BackTab => w.menu_index = w.menu_index.saturating_sub(1),
        KeyCode::Down | KeyCode::Tab => {
            w.menu_index = (w.menu_index + 1).min(items.len().saturating_sub(1))
        }
        KeyCode::Enter => match items.get(w.menu_index).map(|i| i.0) {
            Some(MenuItem::Resume) => {
                if let Some(d) = w.settings.draft.take() {
                    w.resume(&d);
                }
                return w.enter(Step::Deployment);
            }
            Some(MenuItem::New) => {
                // A new start: the old draft goes.
                let had = w.settings.draft.take().is_some();
                let mut e = w.enter(Step::Deployment);
                if had {
                    e.push(Effect::ClearDraft);
                }
                return e;
            }
            Some(MenuItem::Troubleshoot) => {
                w.trouble = TroubleState::default();
                w.problem = None;
                w.step = Step::Troubleshoot;
            }
            Some(MenuItem::Quit) | None => return vec![Effect::Quit(Outcome::Quit)],
        },
        _ => {}
    }
    Vec::new()
}

fn run_troubleshoot(w: &mut Wizard, name: String, only: Option<&'static str>) -> Vec<Effect> {
    let extra_endpoints = w.settings.service_endpoints();
    w.trouble.name = Some(name.clone());
    w.trouble.rerun = only;
    if only.is_none() {
        w.trouble.detail = false;
    }
    let job = Job::Troubleshoot {
        name,
        only,
        devops_base: w.settings.devops_base.clone(),
        authority: w.settings.authority_base.clone(),
        extra_endpoints,
        allow_http: w.settings.allow_http,
    };
    w.spawn(job)
}

fn key_troubleshoot(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.pending.is_some() {
        return Vec::new();
    }
    let Some(name) = w.trouble.name.clone() else {
        let n = w.settings.existing.len();
        match key.code {
            KeyCode::Up => w.trouble.pick = w.trouble.pick.saturating_sub(1),
            KeyCode::Down => w.trouble.pick = (w.trouble.pick + 1).min(n.saturating_sub(1)),
            KeyCode::Enter => {
                if let Some((name, _, _)) = w.settings.existing.get(w.trouble.pick).cloned() {
                    return run_troubleshoot(w, name, None);
                }
            }
            _ => {}
        }
        return Vec::new();
    };
    let n = w.trouble.outcomes.len();
    let selected = w.trouble.outcomes.get(w.trouble.index).map(|o| o.id);
    match key.code {
        KeyCode::Char('r') if selected.is_some() => return run_troubleshoot(w, name, selected),
        KeyCode::Char('r' | 'R') => return run_troubleshoot(w, name, None),
        KeyCode::Up if !w.trouble.detail => w.trouble.index = w.trouble.index.saturating_sub(1),
        KeyCode::Down if !w.trouble.detail => {
            w.trouble.index = (w.trouble.index + 1).min(n.saturating_sub(1))
        }
        KeyCode::Enter if n > 0 => w.trouble.detail = !w.trouble.detail,
        KeyCode::Enter => return run_troubleshoot(w, name, None),
        _ => {}
    }
    Vec::new()
}

fn key_deployment(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let choose = |w: &mut Wizard, d: Deployment| {
        if w.deployment != d {
            w.deployment = d;
            // Server signs in with a PAT only.
            w.sign_in_method = SignInMethod::Pat;
            w.target = Input::default();
            w.forget_from_target();
        }
    };
    match key.code {
        KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
            let other = match w.deployment {
                Deployment::Services => Deployment::Server,
                Deployment::Server => Deployment::Services,
            };
            choose(w, other);
        }
        KeyCode::Char('1') => choose(w, Deployment::Services),
        KeyCode::Char('2') => choose(w, Deployment::Server),
        KeyCode::Enter => return w.enter(Step::Target),
        _ => {}
    }
    Vec::new()
}

fn edit(input: &mut Input, key: KeyEvent) -> bool {
    input
        .handle_event(&Event::Key(key))
        .is_some_and(|c| c.value)
}

fn key_target(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if key.code != KeyCode::Enter {
        if edit(&mut w.target, key) {
            w.problem = None;
            // The answer changed: a check of the old one no longer counts.
            return w.cancel_pending();
        }
        return Vec::new();
    }
    let text = w.target.value().trim().to_string();
    let mut warnings = Vec::new();
    let parsed = match w.deployment {
        Deployment::Services => parse_services_target(&text, &w.settings.devops_base).map(|t| {
            let mut base = w.settings.devops_base.clone();
            if let Ok(mut segs) = base.path_segments_mut() {
                segs.pop_if_empty().push(&t.organization);
            }
            (base, Some(t.organization), t.project)
        }),
        Deployment::Server => parse_server_url(&text, w.settings.allow_http).map(|t| {
            warnings = t.warnings;
            (t.base_url, None, t.project)
        }),
    };
    match parsed {
        Err(e) => {
            w.problem = Some(Problem::new(e.code(), e.to_string(), e.fix()));
            Vec::new()
        }
        Ok((base_url, org, project)) => {
            // An edit (or a resumed draft) keeps its project for as long as
            // the target is the one it started with.
            let started_with = w
                .editing
                .as_ref()
                .or(w.resumed.as_ref())
                .map(|c| c.organization.clone().unwrap_or_else(|| c.base_url.clone()));
            let kept = w
                .project_hint
                .clone()
                .filter(|_| started_with.as_deref() == Some(text.as_str()));
            if w.base_url.as_ref() != Some(&base_url) {
                w.forget_from_target();
            }
            w.base_url = Some(base_url.clone());
            w.target_warnings = warnings;
            w.organization = org;
            w.project_hint = project.or(kept);
            w.spawn(Job::ProbeTarget {
                deployment: w.deployment,
                base_url,
            })
        }
    }
}

fn key_sign_in(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.deployment == Deployment::Services
        && matches!(
            key.code,
            KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab
        )
    {
        let forward = !matches!(key.code, KeyCode::Up | KeyCode::BackTab);
        w.sign_in_method = w.sign_in_method.step(forward);
        w.sp_error = None;
        w.device = None;
        w.forget_from_sign_in();
        w.problem = None;
        return w.cancel_pending();
    }
    if w.sign_in_method == SignInMethod::DeviceCode {
        return key_device_code(w, key);
    }
    if matches!(
        w.sign_in_method,
        SignInMethod::ManagedIdentity | SignInMethod::AzureCli | SignInMethod::ServicePrincipal
    ) {
        return key_unattended(w, key);
    }
    if key.code != KeyCode::Enter {
        if edit(&mut w.pat, key) {
            w.problem = None;
            w.forget_from_sign_in();
            return w.cancel_pending();
        }
        return Vec::new();
    }
    let pat = w.pat.value().trim().to_string();
    if pat.is_empty() {
        w.problem = Some(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Paste a personal access token first",
            "Create one under User settings › Personal access tokens (see the scopes listed)",
        ));
        return Vec::new();
    }
    let Some(base_url) = w.base_url.clone() else {
        w.step = Step::Target;
        return Vec::new();
    };
    w.spawn(Job::SignIn {
        deployment: w.deployment,
        base_url,
        pat: SecretString::from(pat),
    })
}

/// Managed identity, Azure CLI, service principal: Enter gets a token (the
/// service principal first takes its client id, then a client secret or,
/// after F2, a certificate file). A method its probe found unavailable
/// signs nothing in: Enter shows why and the fix, `r` checks again.
fn key_unattended(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    use crate::auth::{ClientCredential, ServicePrincipal, Unattended};
    if w.pending.is_some() {
        return Vec::new();
    }
    let method = w.sign_in_method;
    if method == SignInMethod::ServicePrincipal && key.code == KeyCode::F(2) {
        // Never carry a typed secret into a field shown in clear.
        w.sp_credential = match w.sp_credential {
            SpCredential::Secret => SpCredential::CertificateFile,
            SpCredential::CertificateFile => SpCredential::Secret,
        };
        w.sp_secret = Input::default();
        w.sp_on_secret = true;
        w.sp_error = None;
        w.problem = None;
        return Vec::new();
    }
    if method == SignInMethod::ServicePrincipal && key.code != KeyCode::Enter {
        let field = if w.sp_on_secret {
            &mut w.sp_secret
        } else {
            &mut w.sp_client
        };
        if edit(field, key) {
            w.problem = None;
            w.sp_error = None;
        }
        return Vec::new();
    }
    if method == SignInMethod::ManagedIdentity
        && match key.code {
            KeyCode::Char(c) => is_client_id_char(c),
            KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => false,
            _ => true,
        }
    {
        if edit(&mut w.mi_client, key) {
            w.problem = None;
        }
        return Vec::new();
    }
    let availability = w.probes.of(method).cloned();
    if key.code == KeyCode::Char('r')
        && !matches!(availability, None | Some(Availability::Checking { .. }))
    {
        w.problem = None;
        return w.probe(method);
    }
    if key.code != KeyCode::Enter {
        return Vec::new();
    }
    if let Some(Availability::Unavailable(why)) = availability {
        w.problem = Some(why.problem);
        return Vec::new();
    }
    let Some(base_url) = w.base_url.clone() else {
        w.step = Step::Target;
        return Vec::new();
    };
    let tenant = w.settings.sign_in.tenant.clone();
    let mut certificate = None;
    let u = match method {
        SignInMethod::ManagedIdentity => match w.settings.sign_in.imds.clone() {
            Some(imds) => Unattended::ManagedIdentity {
                imds,
                client_id: Some(w.mi_client.value().trim().to_string()).filter(|c| !c.is_empty()),
            },
            None => return Vec::new(),
        },
        SignInMethod::AzureCli => Unattended::AzureCli { tenant },
        _ => {
            let client = w.sp_client.value().trim().to_string();
            if !w.sp_on_secret || client.is_empty() {
                w.sp_on_secret = !client.is_empty();
                return Vec::new();
            }
            let given = w.sp_secret.value().trim().to_string();
            let (credential, source) = match w.sp_credential {
                _ if given.is_empty() => {
                    w.sp_error = Some(match w.sp_credential {
                        SpCredential::Secret => Problem::new(
                            "PROVIDER_AUTH_REQUIRED",
                            "Paste the client secret's Value first (or F2 for a certificate file)",
                            "Entra admin center › App registrations › the app › Certificates & secrets",
                        ),
                        SpCredential::CertificateFile => Problem::new(
                            "PROVIDER_AUTH_REQUIRED",
                            "Type the path of the certificate file first (or F2 for a client secret)",
                            "A PEM file with the private key and the certificate uploaded to the app",
                        ),
                    });
                    return Vec::new();
                }
                SpCredential::Secret => (
                    Some(ClientCredential::Secret(SecretString::from(given))),
                    "the secret you entered".to_string(),
                ),
                SpCredential::CertificateFile => {
                    let source = format!("the certificate {given}");
                    certificate = Some(std::path::PathBuf::from(given));
                    (None, source)
                }
            };
            Unattended::ServicePrincipal(ServicePrincipal {
                authority: w.settings.authority_base.clone(),
                tenant,
                client_id: client,
                credential,
                source,
            })
        }
    };
    w.sp_error = None;
    w.forget_from_sign_in();
    w.spawn(Job::SignInUnattended {
        unattended: Box::new(u),
        base_url,
        org_tenant: w.tenant.clone(),
        certificate,
    })
}

/// Sign in with Microsoft: Enter asks for a code; while it is on screen,
/// `o` opens the browser (where there is one) and `c` copies the code.
fn key_device_code(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if let Some(d) = &w.device {
        return match key.code {
            KeyCode::Char('o') if w.settings.sign_in.can_open_browser => {
                vec![Effect::OpenUrl(d.verification_uri.clone())]
            }
            KeyCode::Char('c') => vec![Effect::Copy(d.user_code.clone())],
            _ => Vec::new(),
        };
    }
    if key.code != KeyCode::Enter || w.pending.is_some() {
        return Vec::new();
    }
    if w.base_url.is_none() {
        w.step = Step::Target;
        return Vec::new();
    }
    w.forget_from_sign_in();
    let tenant = w.settings.sign_in.tenant.clone().unwrap_or_else(|| {
        crate::auth::Authority::from_tenant(w.tenant.as_deref())
            .segment()
            .to_string()
    });
    let app = w.entra_app();
    w.spawn(Job::DeviceStart { app, tenant })
}

/// The Organization step: with Microsoft sign-in, a filterable list of the
/// user's organizations (Enter checks the chosen one); with a PAT, the
/// organization from the Target step.
fn key_organization(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.entra.is_none() {
        return key_continue(w, key);
    }
    if w.pending.is_some() {
        return Vec::new();
    }
    if !w.orgs_loaded {
        // The list failed to load: Enter tries again.
        if key.code == KeyCode::Enter {
            w.problem = None;
            return w.enter(Step::Organization);
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Up => w.orgs.select_prev(),
        KeyCode::Down => w.orgs.select_next(),
        KeyCode::Enter => {
            let chosen = match w.orgs.selected() {
                Some(o) => o.name.clone(),
                // Nothing matches: what was typed is taken as the name (an
                // organization of another directory is not listed).
                None => w.orgs.query().trim().to_string(),
            };
            if let Err(e) = crate::net::target::validate_org_name(&chosen) {
                w.problem = Some(Problem::new(e.code(), e.to_string(), e.fix()));
                return Vec::new();
            }
            let (Some(entra), Ok(base_url)) = (
                w.entra.clone(),
                Url::parse(&format!(
                    "{}/{chosen}",
                    w.settings.devops_base.as_str().trim_end_matches('/')
                )),
            ) else {
                return Vec::new();
            };
            let app = w.entra_app();
            return w.spawn(Job::CheckOrganization {
                app,
                organization: chosen,
                base_url,
                entra,
            });
        }
        KeyCode::Backspace => {
            let mut q = w.orgs.query().to_string();
            q.pop();
            w.orgs.set_query(&q);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            let q = format!("{}{c}", w.orgs.query());
            w.orgs.set_query(&q);
        }
        _ => {}
    }
    w.problem = None;
    Vec::new()
}

fn key_continue(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter if w.pending.is_none() => {
            // A step that failed retries on Enter; one that is done advances.
            let ready = match w.step {
                Step::Mapping => w.form.is_some(),
                Step::Network => w.network.is_some(),
                _ => true,
            };
            if ready {
                let next = w.next_step();
                w.enter(next)
            } else {
                let step = w.step;
                match step {
                    Step::Mapping => w.form = None,
                    Step::Network => w.network = None,
                    _ => {}
                }
                w.enter(step)
            }
        }
        KeyCode::Char('r') if w.pending.is_none() && w.step == Step::Network => {
            w.network = None;
            w.enter(Step::Network)
        }
        KeyCode::Char('c') if w.step == Step::Network => {
            match w.firewall_request() {
                Some(text) => {
                    w.notice = Some("Copied the list to the clipboard (OSC 52: needs a terminal that allows it)".into());
                    vec![Effect::Copy(text)]
                }
                None => Vec::new(),
            }
        }
        KeyCode::Char('s') if w.pending.is_none() && w.step == Step::Network => {
            match w.firewall_request() {
                Some(text) => {
                    let first = w
                        .organization
                        .clone()
                        .or_else(|| {
                            w.base_url
                                .as_ref()
                                .and_then(|u| u.host_str().map(str::to_string))
                        })
                        .unwrap_or_else(|| "azure-devops".into());
                    let file_name = format!(
                        "allowlist-{}.txt",
                        crate::store::config::suggest_connection_name(&first, "")
                    );
                    w.spawn(Job::SaveAllowlist { text, file_name })
                }
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn key_project(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Up => w.projects.select_prev(),
        KeyCode::Down => w.projects.select_next(),
        KeyCode::PageUp => w.projects.page_up(10),
        KeyCode::PageDown => w.projects.page_down(10),
        KeyCode::Home => w.projects.select_first(),
        KeyCode::End => w.projects.select_last(),
        KeyCode::Backspace => {
            let mut q = w.projects.query().to_string();
            q.pop();
            w.projects.set_query(&q);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            let q = format!("{}{c}", w.projects.query());
            w.projects.set_query(&q);
        }
        KeyCode::Enter => {
            if w.pending.is_some() {
                return Vec::new();
            }
            if !w.projects_loaded {
                return w.enter(Step::Project);
            }
            let Some(name) = w.projects.selected().map(|p| p.name.clone()) else {
                return Vec::new();
            };
            let Some(session) = w.session() else {
                return Vec::new();
            };
            if w.project.as_ref().is_some_and(|p| p.name == name) && w.form.is_some() {
                return w.enter(Step::Mapping);
            }
            // At most one connection per organization+project (SPEC §1): say so now.
            let here = w
                .organization
                .clone()
                .or_else(|| {
                    w.base_url
                        .as_ref()
                        .map(|u| u.as_str().trim_end_matches('/').to_string())
                })
                .unwrap_or_default();
            if let Some((existing, _, _)) = w.settings.existing.iter().find(|(_, org, project)| {
                org.eq_ignore_ascii_case(&here) && project.eq_ignore_ascii_case(&name)
            }) {
                w.problem = Some(Problem::new(
                    "CONNECTION_EXISTS",
                    format!("connection {existing} already connects {here} · {name}"),
                    format!(
                        "Choose another project, or change {existing} with: ado-setup edit {existing}"
                    ),
                ));
                return Vec::new();
            }
            w.forget_from_project();
            return w.spawn(Job::CheckProject {
                session,
                project: name,
            });
        }
        _ => {}
    }
    Vec::new()
}

fn key_review(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    // ↑↓ PgUp PgDn scroll the answers and checks (the name field has one
    // line: they edit nothing).
    let page = 10;
    match key.code {
        KeyCode::Up => w.review.scroll = w.review.scroll.saturating_sub(1),
        KeyCode::Down => w.review.scroll = w.review.scroll.saturating_add(1),
        KeyCode::PageUp => w.review.scroll = w.review.scroll.saturating_sub(page),
        KeyCode::PageDown => w.review.scroll = w.review.scroll.saturating_add(page),
        _ => {}
    }
    w.review.scroll = w.review.scroll.min(w.review.max_scroll.get());
    if matches!(
        key.code,
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown
    ) {
        return Vec::new();
    }
    if key.code != KeyCode::Enter {
        if edit(&mut w.review.name, key) {
            w.review.name_edited = true;
            w.review.name_error = None;
        }
        return Vec::new();
    }
    if w.pending.is_some() {
        return Vec::new();
    }
    let name = w.review.name.value().trim().to_string();
    if let Err(e) = validate_connection_name(&name) {
        w.review.name_error = Some(e.to_string());
        return Vec::new();
    }
    if let Some((_, where_, _)) = w
        .settings
        .existing
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(&name))
    {
        w.review.name_error = Some(format!(
            "a connection named {name} exists already ({where_}); choose another name"
        ));
        return Vec::new();
    }
    if w.review.checks.is_empty() {
        // The checks did not run (or failed to): run them again.
        return w.enter(Step::Review);
    }
    if w.review
        .checks
        .iter()
        .any(|c| c.status == CheckStatus::Fail)
    {
        // Nothing is saved while a check fails; Enter runs them again.
        w.review.checks.clear();
        let effects = w.enter(Step::Review);
        w.problem = Some(Problem::new(
            "CHECKS_FAILED",
            "Some checks failed; nothing was saved. Running them again…",
            "Fix what the failed checks say (Esc goes back to change answers)",
        ));
        return effects;
    }
    match build_connection(w, &name) {
        Some(connection) => {
            let secret = match (&w.entra, &w.unattended) {
                (Some(e), _) => e.refresh.clone(),
                (None, Some((u, _))) => u
                    .secret()
                    .unwrap_or_else(|| SecretString::from(String::new())),
                (None, None) => SecretString::from(w.pat.value().trim().to_string()),
            };
            let replaces = w.editing.as_ref().map(|c| c.name.clone());
            w.spawn(Job::Save(Box::new(SaveRequest {
                replaces,
                connection,
                secret,
            })))
        }
        None => {
            w.problem = Some(Problem::new(
                "CONFIG_INVALID",
                "Some answers are missing; go back and complete them",
                "Press Esc to go back",
            ));
            Vec::new()
        }
    }
}

/// The connection the answers describe (SPEC §1), without its secret.
pub fn build_connection(w: &Wizard, name: &str) -> Option<Connection> {
    let project = w.project.clone()?;
    let mapping = w.mapping.clone()?;
    let base_url = w.base_url.clone()?;
    let provider_key = match w.deployment {
        Deployment::Services => ProviderKey::AzureDevopsServices,
        Deployment::Server => ProviderKey::AzureDevopsServer,
    };
    Some(Connection {
        name: name.to_string(),
        provider_key,
        deployment_mode: provider_key.deployment_mode(),
        organization: w.organization.clone(),
        base_url: base_url.as_str().trim_end_matches('/').to_string(),
        api_version: w.api_version.clone()?,
        auth_method: match (&w.entra, &w.unattended) {
            (Some(_), _) => AuthMethod::DeviceCode,
            (None, Some((u, _))) => u.method(),
            (None, None) => AuthMethod::Pat,
        },
        access: Access::ReadWrite,
        tenant_id: w.tenant.clone(),
        client_id: match (&w.entra, &w.unattended) {
            (Some(_), _) => Some(w.settings.sign_in.client_id.clone()),
            (None, Some((u, _))) => u.client_id().map(str::to_string),
            (None, None) => None,
        },
        user: w.user.as_ref().map(|u| ConnectionUser {
            display_name: u.display_name.clone(),
            sign_in: u.sign_in.clone(),
        }),
        project: project.name,
        project_id: project.id,
        process: project.process,
        work_item_type: mapping.work_item_type,
        area_path: mapping.area_path,
        iteration_path: mapping.iteration_path,
        priority_map: mapping.priority_map,
        assignee: mapping.assignee,
        field_defaults: mapping.field_defaults,
        allowlist_status: w.network.as_deref().map(probes_status),
        secret_ref: None,
        validated_at: None,
    })
}

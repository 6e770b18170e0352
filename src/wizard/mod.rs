//! Pure state machine of the setup wizard (SPEC §2). `update` takes a
//! message (a key, a paste, a tick, a background result) and returns effects
//! as data; the driver (`crate::tui::driver`) performs them and feeds results back.
//! It never performs I/O. Every background result carries the id of the
//! request it answers: a result whose id is not the pending one is stale and
//! ignored.
//!
//! This file is the contract: the [`Step`]s, what comes in ([`Msg`]) and
//! what goes out ([`Effect`]), the [`Wizard`]'s state, [`update`], and the
//! moves every step shares (arriving at a step, spawning and cancelling
//! work, forgetting answers an earlier change invalidates). The rest, one
//! concern a file, uses these and never each other, except that `keys`
//! routes a key to the step it belongs to and `results` applies what a job
//! sends back:
//!
//! - `keys`: keys and pastes every step shares (quit, help, Esc), then the step's own;
//! - `results`: a job's result applied to the state (stale ones dropped);
//! - `settings`: the fixed facts of the environment;
//! - `prefill`: `edit`, a resumed draft, and the draft the answers make;
//! - one file per screen: `storage`, `menu`, `target` (Deployment and
//!   Target), `sign_in`, `organization`, `project`, `mapping`, `network`,
//!   `review`, `troubleshoot`;
//! - `background`: the jobs and their results, as data; `filter`, `tree`:
//!   the list and tree models the screens filter.

pub mod background;
pub mod filter;
mod keys;
mod mapping;
mod menu;
mod network;
mod organization;
mod prefill;
mod project;
mod results;
mod review;
mod settings;
mod sign_in;
mod storage;
mod target;
pub mod tree;
mod troubleshoot;

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use secrecy::SecretString;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use url::Url;

use crate::ado::endpoints::Deployment;
use crate::ado::http::Credential;
pub use crate::net::allowlist::{allowlist_status, probes_status};
use crate::store::config::Connection;
use crate::wizard::filter::FilterList;
pub use background::*;
pub use mapping::{MappingForm, Picker, Row as MappingRow};
pub use menu::{MenuItem, menu_items};
pub use network::{EndpointOverride, EndpointRole};
pub use project::Permissions;
pub use review::{
    Answer, CHECK_GROUPS, ReviewState, build_connection, check_group, established, review_fix,
};
pub use settings::{Settings, SignInSettings};
pub use sign_in::{Availability, SignInMethod, SignInProbes, SpCredential};
pub use storage::store_options;
pub use troubleshoot::TroubleState;

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

// ─── Messages in, effects out ───────────────────────────────────────────────

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

/// Ticks per second of [`Msg::Tick`] (the driver ticks every 100 ms).
pub const TICKS_PER_SECOND: u64 = 10;

// ─── State ──────────────────────────────────────────────────────────────────

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
}

// ─── Moving between steps ───────────────────────────────────────────────────

impl Wizard {
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

    /// The step after this one.
    fn next_step(&self) -> Step {
        let steps = self.steps();
        let i = steps.iter().position(|s| *s == self.step).unwrap_or(0);
        steps.get(i + 1).copied().unwrap_or(Step::Done)
    }

    /// Where Esc goes back to (the menu from Deployment, when there is one).
    fn prev_step(&self) -> Option<Step> {
        if self.step == Step::Deployment {
            return (!self.settings.existing.is_empty()).then_some(Step::Menu);
        }
        let steps = self.steps();
        let i = steps.iter().position(|s| *s == self.step)?;
        i.checked_sub(1).map(|j| steps[j])
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
            Step::Review => self.enter_review(),
            _ => Vec::new(),
        }
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

    /// Clears what depends on the sign-in.
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

    /// Clears what depends on the project.
    fn forget_from_project(&mut self) {
        self.project = None;
        self.permissions = Permissions::NotRun;
        self.form = None;
        self.mapping = None;
        self.network = None;
        self.review.checks.clear();
    }
}

// ─── Background work ────────────────────────────────────────────────────────

impl Wizard {
    /// Is a background job running?
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Asks for `job`, replacing (cancelling) what was pending; its result
    /// is awaited on this step.
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

    /// Drops the pending request (its result will be ignored).
    fn cancel_pending(&mut self) -> Vec<Effect> {
        match self.pending.take() {
            Some(p) => vec![Effect::Cancel { id: p.id }],
            None => Vec::new(),
        }
    }

    /// What a signed-in job needs, once the target and sign-in are known.
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
}

// ─── Update ─────────────────────────────────────────────────────────────────

/// Applies `msg`; returns what the driver must do.
pub fn update(w: &mut Wizard, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick => {
            w.tick = w.tick.wrapping_add(1);
            Vec::new()
        }
        Msg::Done { id, result } => results::on_result(w, id, result),
        Msg::Term(Event::Paste(text)) => keys::on_paste(w, &text),
        Msg::Term(Event::Key(key)) if key.kind != KeyEventKind::Release => keys::on_key(w, key),
        Msg::Term(_) => Vec::new(),
    }
}

// ─── Shared by the steps' keys ──────────────────────────────────────────────

/// Hands `key` to a text field; true when it changed the text.
fn edit(input: &mut Input, key: KeyEvent) -> bool {
    input
        .handle_event(&Event::Key(key))
        .is_some_and(|c| c.value)
}

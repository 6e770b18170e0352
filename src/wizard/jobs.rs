//! The work the wizard asks for and what comes back, as plain data. The
//! state machine emits a [`Job`]; the driver runs it on a background task
//! (see `crate::jobs`) and feeds the [`JobResult`] back with the same id.

use secrecy::SecretString;
use url::Url;

use crate::ado::endpoints::Deployment;
pub use crate::net::probe::EndpointResult;
pub use crate::problem::Problem;

/// Background work, tagged by the step that asked for it.
#[derive(Debug, Clone)]
pub enum Job {
    /// Is there an Azure DevOps at this base URL? (unauthenticated)
    ProbeTarget {
        deployment: Deployment,
        base_url: Url,
    },
    /// Who am I with this PAT (and, for Server, which api-version).
    SignIn {
        deployment: Deployment,
        base_url: Url,
        pat: SecretString,
    },
    /// Every project of the organization or collection.
    LoadProjects { session: Session },
    /// The chosen project: readable, its process and default team.
    CheckProject { session: Session, project: String },
    /// Default work item type, area and iteration of the project, checked.
    LoadMapping {
        session: Session,
        project: ProjectInfo,
    },
    /// The endpoints this connection needs, each reached once.
    ProbeNetwork { endpoints: Vec<Url> },
    /// The check catalogue (the same one `doctor` runs), for the Review step.
    Review(Box<ReviewRequest>),
    /// Every check for a saved connection (the TUI troubleshooter), or only
    /// `only` and the checks it needs ("re-run this check").
    Troubleshoot {
        name: String,
        only: Option<&'static str>,
        devops_base: Url,
        /// `https://login.microsoftonline.com` or its override (Microsoft sign-in).
        authority: Url,
        extra_endpoints: Vec<Url>,
        allow_http: bool,
    },
    /// Write the connection and its secret (the only job that writes).
    Save(Box<SaveRequest>),
}

/// What the Review step checks, and against which endpoints.
#[derive(Debug, Clone)]
pub struct ReviewRequest {
    pub session: Session,
    pub project: ProjectInfo,
    pub mapping: MappingInfo,
    /// `https://dev.azure.com` or its override.
    pub devops_base: Url,
    /// Endpoints besides the organization's (vssps, profile).
    pub extra_endpoints: Vec<Url>,
    pub allow_http: bool,
}

/// What a signed-in call needs: where, how, which api-version.
#[derive(Debug, Clone)]
pub struct Session {
    pub deployment: Deployment,
    pub base_url: Url,
    pub pat: SecretString,
    pub api_version: String,
}

/// The validated project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    pub id: String,
    pub name: String,
    pub process: String,
    pub default_team: Option<String>,
}

/// The validated default mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingInfo {
    pub work_item_type: String,
    pub type_states: Vec<String>,
    pub area_path: String,
    pub iteration_path: String,
    pub has_priority: bool,
}

/// The signed-in identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub display_name: String,
    pub sign_in: Option<String>,
}

pub use crate::checks::{CheckOutcome, Status as CheckStatus};

/// Everything the Save job writes.
#[derive(Debug, Clone)]
pub struct SaveRequest {
    pub connection: crate::store::config::Connection,
    pub pat: SecretString,
}

/// Where things were saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedInfo {
    pub name: String,
    pub config_path: String,
    pub secret_location: String,
}

/// What came back.
#[derive(Debug, Clone)]
pub enum JobResult {
    TargetOk {
        tenant: Option<String>,
    },
    SignedIn {
        user: UserInfo,
        api_version: String,
    },
    Projects(Vec<ProjectItem>),
    ProjectOk(ProjectInfo),
    MappingOk(MappingInfo),
    Network(Vec<EndpointResult>),
    Reviewed(Vec<CheckOutcome>),
    /// The troubleshooter's run: every check, or (`only`) one check and the
    /// checks it needs.
    Troubleshot {
        outcomes: Vec<CheckOutcome>,
        only: Option<&'static str>,
    },
    Saved(SavedInfo),
    Failed(Problem),
}

/// A project in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub visibility: String,
}

impl crate::widgets::filter::Filterable for ProjectItem {
    fn filter_text(&self) -> &str {
        &self.name
    }
}

//! The work the wizard asks for and what comes back, as plain data. The
//! state machine emits a [`Job`]; the driver runs it on a background task
//! (see `crate::jobs`) and feeds the [`JobResult`] back with the same id.

use secrecy::SecretString;
use url::Url;

use crate::ado::endpoints::Deployment;
use crate::ado::http::Credential;
pub use crate::auth::{DeviceCode, EntraApp};
pub use crate::checks::{CheckOutcome, Status as CheckStatus};
pub use crate::net::probe::{EndpointProbe, EndpointResult};
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
    /// Managed identity, Azure CLI or service principal: a token, then who
    /// am I with it.
    SignInUnattended {
        unattended: Box<crate::auth::Unattended>,
        base_url: Url,
        org_tenant: Option<String>,
        /// A service principal's certificate file (PEM: private key and
        /// certificate), read by the job; its errors come back as
        /// [`JobResult::CertificateUnreadable`].
        certificate: Option<std::path::PathBuf>,
    },
    /// Can managed identity be used here: does the instance metadata
    /// endpoint answer (within a second)? Runs beside the Sign in step and
    /// never blocks it.
    ProbeManagedIdentity { imds: Url },
    /// Can the Azure CLI be used here: is `az` installed and signed in (for
    /// `tenant`, the one the sign-in would ask)? Runs beside the Sign in step.
    ProbeAzureCli { tenant: Option<String> },
    /// Microsoft sign-in, part 1: ask Entra ID for a device code.
    DeviceStart { app: EntraApp, tenant: String },
    /// Part 2: poll until the user approves, get a token for the
    /// organization's tenant, then who am I with it.
    DeviceWait {
        app: EntraApp,
        code: Box<DeviceCode>,
        base_url: Url,
        /// The organization's tenant, as the Target step discovered it.
        org_tenant: Option<String>,
    },
    /// The organizations the signed-in user belongs to (profile + accounts).
    LoadOrganizations {
        profile_base: Url,
        entra: EntraSession,
    },
    /// The chosen organization: its tenant, a token for it, who am I there.
    CheckOrganization {
        app: EntraApp,
        organization: String,
        base_url: Url,
        entra: EntraSession,
    },
    /// Every project of the organization or collection.
    LoadProjects { session: Session },
    /// The chosen project: readable, its process and default team.
    CheckProject { session: Session, project: String },
    /// The permission checks of SPEC §4 (`permission.*`) for the project
    /// just chosen. Runs beside the Field mapping step (not [`Pending`]:
    /// nothing waits for it); the result is shown there and at Review.
    ///
    /// [`Pending`]: super::Pending
    CheckPermissions {
        session: Session,
        project: ProjectInfo,
        /// `https://dev.azure.com` or its override.
        devops_base: Url,
        allow_http: bool,
    },
    /// What the Field mapping step offers: types, area and iteration trees,
    /// the team's defaults, team members, the default type's fields.
    LoadMapping {
        session: Session,
        project: ProjectInfo,
    },
    /// Priority values and required fields of another work item type.
    LoadTypeFields {
        session: Session,
        project: ProjectInfo,
        work_item_type: String,
    },
    /// The mapping checks (the same as doctor's `mapping.*`), ending with a
    /// `validateOnly` create: nothing is created.
    ValidateMapping(Box<ReviewRequest>),
    /// The endpoints this connection needs, each reached once.
    ProbeNetwork { endpoints: Vec<Url> },
    /// Open the chosen secret store and prove it with a round trip.
    OpenStore {
        choice: crate::store::secrets::SecretStoreChoice,
    },
    /// Write the firewall request text to a file.
    SaveAllowlist { text: String, file_name: String },
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
    /// The PAT, or the access token of a Microsoft sign-in.
    pub credential: Credential,
    pub api_version: String,
    /// The Microsoft sign-in behind `credential`, when it is one.
    pub entra: Option<(EntraApp, EntraSession)>,
    /// The unattended sign-in behind `credential`, when it is one.
    pub unattended: Option<crate::auth::Unattended>,
}

/// The organization chosen from the list, signed in to.
#[derive(Debug, Clone)]
pub struct OrganizationOk {
    pub organization: String,
    pub base_url: Url,
    pub tenant: Option<String>,
    pub user: UserInfo,
    pub entra: EntraSession,
}

/// A Microsoft sign-in held while the wizard runs. `Debug` shows no token.
#[derive(Debug, Clone)]
pub struct EntraSession {
    pub access: SecretString,
    pub refresh: SecretString,
    /// The tenant of the access token (`tid`).
    pub tenant: Option<String>,
}

/// What the Sign in screen shows while the user signs in on another device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceView {
    pub user_code: String,
    pub verification_uri: String,
    /// Seconds the code is valid, from `issued_tick`.
    pub expires_in: u64,
    pub issued_tick: u64,
}

/// An organization in the Organization step's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgItem {
    pub name: String,
}

impl crate::wizard::filter::Filterable for OrgItem {
    fn filter_text(&self) -> &str {
        &self.name
    }
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
    pub priority_map: crate::store::config::PriorityMap,
    /// The assignee's unique name, if any.
    pub assignee: Option<String>,
    /// Values of required fields, by reference name.
    pub field_defaults: std::collections::BTreeMap<String, String>,
}

/// A work item type the project can create (enabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeChoice {
    pub name: String,
    pub states: Vec<String>,
}

impl crate::wizard::filter::Filterable for TypeChoice {
    fn filter_text(&self) -> &str {
        &self.name
    }
}

/// A member of a project team, as an assignee choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberItem {
    /// `Display Name <unique name>`.
    pub label: String,
    pub unique_name: String,
}

impl crate::wizard::filter::Filterable for MemberItem {
    fn filter_text(&self) -> &str {
        &self.label
    }
}

/// A value in a picklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueItem(pub String);

impl crate::wizard::filter::Filterable for ValueItem {
    fn filter_text(&self) -> &str {
        &self.0
    }
}

/// A field the type requires beyond Title, State, Area and Iteration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredField {
    pub reference_name: String,
    pub name: String,
    /// The picklist, when the field has one.
    pub allowed_values: Vec<String>,
    pub help: Option<String>,
}

/// What a work item type's fields mean for the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeFields {
    pub work_item_type: String,
    /// `Microsoft.VSTS.Common.Priority`'s allowed values; `None` when the
    /// type has no such field.
    pub priority_values: Option<Vec<String>>,
    pub required: Vec<RequiredField>,
}

/// Everything the Field mapping step offers for the project.
#[derive(Debug, Clone)]
pub struct MappingData {
    pub types: Vec<TypeChoice>,
    pub default_type: String,
    pub areas: crate::wizard::tree::TreePicker,
    pub iterations: crate::wizard::tree::TreePicker,
    /// The default team's values (field form).
    pub default_area: String,
    pub default_iteration: String,
    pub members: Vec<MemberItem>,
    /// The default type's fields.
    pub fields: TypeFields,
}

/// The signed-in identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub display_name: String,
    pub sign_in: Option<String>,
}

/// Everything the Save job writes.
#[derive(Debug, Clone)]
pub struct SaveRequest {
    /// `ado-setup edit`: the saved connection this one replaces.
    pub replaces: Option<String>,
    pub connection: crate::store::config::Connection,
    /// The PAT, or the refresh token of a Microsoft sign-in.
    pub secret: SecretString,
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
        /// Set for a Microsoft sign-in.
        entra: Option<EntraSession>,
    },
    /// An unattended sign-in worked.
    SignedInUnattended {
        user: UserInfo,
        unattended: Box<crate::auth::Unattended>,
        access: SecretString,
    },
    /// The service principal's certificate file cannot be read or used
    /// (shown on its field; nothing was sent).
    CertificateUnreadable(Problem),
    /// What a sign-in method's availability probe found.
    MethodProbed {
        method: super::SignInMethod,
        available: Result<String, Unavailable>,
    },
    /// A device code to show; the wait for approval starts at once.
    DeviceCode(Box<DeviceCode>),
    Organizations(Vec<OrgItem>),
    OrganizationOk(Box<OrganizationOk>),
    Projects(Vec<ProjectItem>),
    ProjectOk(ProjectInfo),
    /// The `permission.*` outcomes for the project with this id.
    Permissions {
        project_id: String,
        outcomes: Vec<CheckOutcome>,
    },
    MappingLoaded(Box<MappingData>),
    TypeFields(TypeFields),
    /// The mapping checks' outcomes for `mapping` (passed when none failed).
    MappingChecked {
        mapping: Box<MappingInfo>,
        outcomes: Vec<CheckOutcome>,
    },
    Network(Vec<EndpointProbe>),
    /// Where the firewall request was written.
    AllowlistSaved(String),
    /// The store chosen instead of the OS keyring, proven; the driver uses
    /// it for every later job.
    StoreOpened {
        store: crate::store::secrets::SecretStore,
        description: String,
    },
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

/// Why a sign-in method cannot be used on this machine: in a few words for
/// the choice on screen, and the whole reason with its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub brief: String,
    pub problem: Problem,
}

/// A project in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub visibility: String,
    /// Its process (`Agile`, an inherited process's name), when the
    /// organization's process list could be read; empty otherwise.
    pub process: String,
}

impl crate::wizard::filter::Filterable for ProjectItem {
    fn filter_text(&self) -> &str {
        &self.name
    }
}

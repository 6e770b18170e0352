//! The sandbox's data set: organizations, projects, teams, people, processes,
//! fields, security namespaces and classification trees.
//!
//! Contract:
//! - Everything comes from the JSON files in `assets/sandbox/` (embedded with
//!   `include_str!`, format described in `assets/sandbox/README.md`); the
//!   generated parts (the 3,000 projects of `contoso-enterprise`, the
//!   22,221-node area tree of `Enterprise Portfolio`, iteration dates, every
//!   GUID not written in the assets) are derived deterministically from
//!   parameters in those files, so every run serves identical data.
//! - [`catalog`] parses the assets once per process and shares the result;
//!   it returns an error (never panics) if an asset is malformed.
//! - Classification trees are built lazily, once per project, and shared via
//!   `Arc` ([`Project::trees`]).
//! - Nothing here knows about HTTP; the server modules render this data in the
//!   Azure DevOps JSON shapes.
//!
//! Other code may use this module to find its way around the sandbox, e.g.
//! [`org_for_process`] or [`Catalog::orgs`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::scenario::{ScenarioKind, SignInKind, scenario_kind, sign_in_kind};
use super::util::{guid_from, parse_ymd};

const ORGS_JSON: &str = include_str!("../../assets/sandbox/organizations.json");
const PROCESSES_JSON: &str = include_str!("../../assets/sandbox/processes.json");
const FIELDS_JSON: &str = include_str!("../../assets/sandbox/fields.json");
const SECURITY_JSON: &str = include_str!("../../assets/sandbox/security.json");

static NOBODY: Person = Person {
    id: String::new(),
    name: String::new(),
    email: String::new(),
    windows: String::new(),
    descriptor: String::new(),
};

/// Tenant id of Microsoft-account (MSA) backed organizations.
pub const MSA_TENANT: &str = "00000000-0000-0000-0000-000000000000";
/// The id Azure DevOps reports for the anonymous identity.
pub const ANONYMOUS_ID: &str = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
/// Deployment id reported by the Services organizations.
pub const SERVICES_DEPLOYMENT_ID: &str = "0b5d8ebe-30d0-4640-994e-bb9636fcf5e4";
/// Deployment id reported by the Azure DevOps Server collection.
pub const SERVER_DEPLOYMENT_ID: &str = "c8ad981b-3355-41d9-a91f-85e235e84e59";
/// Id of the identity used by the `not-materialized` scenario.
pub const UNMATERIALIZED_ID: &str = "898745a4-c041-4604-8058-ce1446f4ba9a";
/// The Project security namespace.
pub const NS_PROJECT: &str = "52d39943-cb85-4d7f-8fa8-c6baac873819";
/// The Tagging security namespace.
pub const NS_TAGGING: &str = "bb50f182-8e5e-40b8-bc21-e8752a1e7ae2";
/// The ServiceHooks security namespace.
pub const NS_SERVICE_HOOKS: &str = "cb594ebe-87dd-4fc9-ac2c-6a10a4c92046";
/// The CSS (area) security namespace.
pub const NS_CSS: &str = "83e28ad4-2d72-4ceb-97b0-c7726d5502c3";
/// The Iteration security namespace.
pub const NS_ITERATION: &str = "bf7bfa03-b2b7-47db-8113-fa2e002cc5b1";

// ---------------------------------------------------------------------------
// Raw asset formats (see assets/sandbox/README.md)
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct RawOrgFile {
    main_user: String,
    reader_user: String,
    tenants: Vec<Tenant>,
    people: Vec<RawPerson>,
    #[serde(default)]
    apps: Vec<RawApp>,
    organizations: Vec<RawOrg>,
}

#[derive(Deserialize)]
struct RawApp {
    kind: AppKind,
    name: String,
    client_id: String,
    tenant: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    system_assigned: bool,
}

#[derive(Deserialize)]
struct RawPerson {
    name: String,
    email: String,
    #[serde(default)]
    windows: Option<String>,
}

#[derive(Deserialize)]
struct RawOrg {
    name: String,
    id: String,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    server: bool,
    process: String,
    #[serde(default)]
    anonymous_access: bool,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    projects: Vec<RawProject>,
    #[serde(default)]
    generated_projects: Option<RawGenerator>,
}

#[derive(Deserialize)]
struct RawProject {
    id: String,
    name: String,
    process: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    source_control: Option<String>,
    #[serde(default)]
    revision: Option<u64>,
    #[serde(default)]
    last_update: Option<String>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    area_generator: Option<RawAreaGenerator>,
    iterations: RawIterations,
    #[serde(default)]
    permissions: HashMap<String, u64>,
    teams: Vec<RawTeam>,
}

#[derive(Deserialize, Clone)]
struct RawIterations {
    start: String,
    days: i64,
    paths: Vec<String>,
}

#[derive(Deserialize)]
struct RawAreaGenerator {
    levels: Vec<Vec<String>>,
}

#[derive(Deserialize)]
struct RawTeam {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    areas: Option<Vec<String>>,
    #[serde(default)]
    default_area: Option<String>,
    #[serde(default)]
    iteration: Option<String>,
    members: Vec<String>,
    #[serde(default)]
    admins: Vec<String>,
}

#[derive(Deserialize)]
struct RawGenerator {
    departments: Vec<String>,
    systems: Vec<String>,
    regions: Vec<String>,
    processes: Vec<String>,
    areas: Vec<String>,
    iterations: RawIterations,
}

#[derive(Deserialize)]
struct RawProcessFile {
    common_types: Vec<RawType>,
    common_categories: Vec<RawCategory>,
    processes: Vec<RawProcess>,
}

#[derive(Deserialize, Clone)]
struct RawType {
    name: String,
    #[serde(rename = "ref")]
    ref_name: String,
    color: String,
    icon: String,
    description: String,
    states: Vec<(String, String, String)>,
    initial_reason: String,
    fields: Vec<String>,
}

#[derive(Deserialize, Clone)]
struct RawCategory {
    #[serde(rename = "ref")]
    ref_name: String,
    name: String,
    types: Vec<String>,
}

#[derive(Deserialize)]
struct RawProcess {
    #[serde(rename = "typeId")]
    type_id: String,
    name: String,
    #[serde(rename = "customizationType")]
    customization_type: String,
    #[serde(rename = "isDefault")]
    is_default: bool,
    description: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    organizations: Option<Vec<String>>,
    #[serde(default)]
    types: Vec<RawType>,
    #[serde(default)]
    categories: Vec<RawCategory>,
    #[serde(default)]
    changes: HashMap<String, RawTypeChange>,
}

#[derive(Deserialize, Default)]
struct RawTypeChange {
    #[serde(default)]
    add_fields: Vec<String>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    disabled: bool,
}

#[derive(Deserialize)]
struct RawFieldFile {
    system_fields: Vec<String>,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
struct RawField {
    #[serde(rename = "ref")]
    ref_name: String,
    name: String,
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default, rename = "readOnly")]
    read_only: bool,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    help: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    allowed: Vec<String>,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    identity: bool,
    #[serde(default)]
    picklist: Option<String>,
    #[serde(default)]
    depends: Vec<String>,
}

#[derive(Deserialize)]
struct RawSecurityFile {
    namespaces: Vec<serde_json::Value>,
}

// ---------------------------------------------------------------------------
// Public model
// ---------------------------------------------------------------------------

/// An Entra ID tenant.
#[derive(Debug, Clone, Deserialize)]
pub struct Tenant {
    /// Tenant id (GUID).
    pub id: String,
    /// Display name of the directory.
    pub name: String,
    /// The directory's verified domain.
    pub domain: String,
}

/// What kind of application identity an [`App`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// A managed identity, served by the sandbox's instance metadata endpoint.
    ManagedIdentity,
    /// An app registration, signing in with the client-credentials grant.
    ServicePrincipal,
}

/// An application identity (`apps` in `organizations.json`): a managed
/// identity or a service principal. Each is also a [`Person`] (its
/// `email` is the client id, as Azure DevOps names service principals), so
/// team membership, permissions and `connectionData` treat it like a user.
#[derive(Debug, Clone)]
pub struct App {
    pub kind: AppKind,
    /// Display name.
    pub name: String,
    /// Application (client) id.
    pub client_id: String,
    /// Entra tenant the identity lives in.
    pub tenant: String,
    /// The client secret (service principals).
    pub secret: Option<String>,
    /// The machine's system-assigned identity (managed identities): what
    /// the metadata endpoint answers for when no `client_id` is asked.
    pub system_assigned: bool,
    /// Its index in [`Catalog::people`].
    pub person: usize,
}

/// A user.
#[derive(Debug, Clone)]
pub struct Person {
    /// Identity id (GUID, derived from the address).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Sign-in address (`uniqueName`).
    pub email: String,
    /// `DOMAIN\account` used on the Azure DevOps Server collection.
    pub windows: String,
    /// Graph subject descriptor (`aad.…`).
    pub descriptor: String,
}

/// A work item field definition (organization level).
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Reference name, e.g. `System.Title`.
    pub ref_name: String,
    /// Friendly name, e.g. `Title`.
    pub name: String,
    /// Azure DevOps field type (`string`, `integer`, `treePath`, …).
    pub field_type: String,
    /// Computed by the server; cannot be set.
    pub read_only: bool,
    /// `alwaysRequired` as reported by the work item type.
    pub required: bool,
    /// Set by the server from another field (area/iteration ids).
    pub system: bool,
    /// Help text (`helpText`).
    pub help: Option<String>,
    /// Field description.
    pub description: Option<String>,
    /// Allowed values (strings, as Azure DevOps reports them).
    pub allowed: Vec<String>,
    /// Default value.
    pub default: Option<String>,
    /// An identity field.
    pub identity: bool,
    /// Picklist id for custom picklist fields.
    pub picklist: Option<String>,
    /// Reference names of dependent fields.
    pub depends: Vec<String>,
}

/// A workflow state.
#[derive(Debug, Clone)]
pub struct StateDef {
    /// State name.
    pub name: String,
    /// Colour, hex without `#`.
    pub color: String,
    /// State category (`Proposed`, `InProgress`, `Resolved`, `Completed`, `Removed`).
    pub category: String,
}

/// A field on a work item type, with the type's rules.
#[derive(Debug, Clone)]
pub struct TypeField {
    /// Index into [`Catalog::fields`].
    pub field: usize,
    /// `alwaysRequired`.
    pub required: bool,
    /// Default value.
    pub default: Option<String>,
    /// Allowed values.
    pub allowed: Vec<String>,
    /// Help text.
    pub help: Option<String>,
}

/// A work item type of a process.
#[derive(Debug, Clone)]
pub struct WitType {
    /// Name, e.g. `User Story`.
    pub name: String,
    /// Reference name.
    pub ref_name: String,
    /// Description.
    pub description: String,
    /// Colour.
    pub color: String,
    /// Icon id.
    pub icon: String,
    /// Disabled in the process (`isDisabled`).
    pub disabled: bool,
    /// Workflow states; the first is the initial state.
    pub states: Vec<StateDef>,
    /// Reason for the initial state.
    pub initial_reason: String,
    /// Fields, in form order.
    pub fields: Vec<TypeField>,
}

impl WitType {
    /// The rules for field `idx` on this type.
    pub fn field(&self, idx: usize) -> Option<&TypeField> {
        self.fields.iter().find(|f| f.field == idx)
    }
}

/// A work item type category.
#[derive(Debug, Clone)]
pub struct Category {
    /// Reference name, e.g. `Microsoft.BugCategory`.
    pub ref_name: String,
    /// Name, e.g. `Bug Category`.
    pub name: String,
    /// Type names; the first is the default type.
    pub types: Vec<String>,
}

/// A process (system, inherited or custom XML).
#[derive(Debug, Clone)]
pub struct Process {
    /// Process type id.
    pub type_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// `System`, `Inherited` or `Custom` (as in the official example).
    pub customization: String,
    /// Parent process type id (inherited processes only).
    pub parent: Option<String>,
    /// The organization's default process.
    pub is_default: bool,
    /// Organizations that have this process; `None` = all.
    pub organizations: Option<Vec<String>>,
    /// Work item types.
    pub types: Vec<WitType>,
    /// Categories.
    pub categories: Vec<Category>,
}

impl Process {
    /// A type by name or reference name (case-insensitive).
    pub fn wit(&self, name: &str) -> Option<&WitType> {
        self.types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name) || t.ref_name.eq_ignore_ascii_case(name))
    }

    /// The system process this one derives from (itself for system ones).
    pub fn base_name<'a>(&'a self, cat: &'a Catalog) -> &'a str {
        match &self.parent {
            Some(p) => cat
                .processes
                .iter()
                .find(|x| &x.type_id == p)
                .map(|x| x.name.as_str())
                .unwrap_or(&self.name),
            None => &self.name,
        }
    }
}

/// A team.
#[derive(Debug, Clone)]
pub struct Team {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Members: (index into [`Catalog::people`], is team admin).
    pub members: Vec<(usize, bool)>,
    /// Area paths owned by the team, relative to the area root (`""` = root).
    pub areas: Vec<String>,
    /// Default area path, relative.
    pub default_area: String,
    /// Default iteration path, relative.
    pub iteration: Option<String>,
}

/// How a project's area tree is defined.
#[derive(Debug, Clone)]
pub enum AreaSpec {
    /// Relative paths (`Web/Checkout`).
    List(Vec<String>),
    /// Every combination of the per-level names (a big tree).
    Generated(Vec<Vec<String>>),
}

/// How a project's iteration tree is defined: leaves get consecutive date
/// ranges of `days` days from `start`; parents span their children.
#[derive(Debug, Clone)]
pub struct IterationSpec {
    /// Day number of the first day.
    pub start: i64,
    /// Length of each leaf iteration in days.
    pub days: i64,
    /// Leaf paths, relative (`Release 1/Sprint 1`).
    pub paths: Vec<String>,
}

/// A project.
#[derive(Debug)]
pub struct Project {
    /// Project id.
    pub id: String,
    /// Project name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Index into [`Catalog::processes`].
    pub process: usize,
    /// `private` or `public`.
    pub visibility: String,
    /// `Git` or `Tfvc`.
    pub source_control: String,
    /// Project revision.
    pub revision: u64,
    /// Last update time (RFC 3339).
    pub last_update: String,
    /// Teams; the first is the default team.
    pub teams: Vec<Team>,
    /// Area tree definition.
    pub areas: AreaSpec,
    /// Iteration tree definition.
    pub iterations: IterationSpec,
    /// Permission masks of the main user by namespace name, overriding the
    /// Project Administrator defaults.
    pub permissions: HashMap<String, u64>,
    node_id_base: i64,
    trees: OnceLock<Arc<Trees>>,
}

impl Project {
    /// The default team.
    pub fn default_team(&self) -> Option<&Team> {
        self.teams.first()
    }

    /// A team by id or name (case-insensitive).
    pub fn team(&self, key: &str) -> Option<&Team> {
        self.teams
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(key) || t.name.eq_ignore_ascii_case(key))
    }

    /// The area and iteration trees (built on first use, then shared).
    pub fn trees(&self) -> Arc<Trees> {
        self.trees
            .get_or_init(|| Arc::new(build_trees(self)))
            .clone()
    }

    /// Every member of any team (person indices, deduplicated, in order).
    pub fn members(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for t in &self.teams {
            for (p, _) in &t.members {
                if !out.contains(p) {
                    out.push(*p);
                }
            }
        }
        out
    }
}

/// An organization (Services) or a collection (Server).
#[derive(Debug)]
pub struct Org {
    /// Organization / collection name.
    pub name: String,
    /// Instance id (host id).
    pub id: String,
    /// Entra tenant; `None` for a Server collection.
    pub tenant: Option<String>,
    /// An Azure DevOps Server collection (on-premises, PAT only).
    pub server: bool,
    /// The highest REST api-version served, `(major, minor)`: 7.2 (with
    /// `-preview`) for Services organizations; a collection's `api_version`
    /// (6.0 when absent) for Server collections.
    pub api_version: (u32, u32),
    /// Scenario organization: the name of the error scenario (`read-only`,
    /// `expired`, …) every accepted credential gets here, or of the
    /// Microsoft sign-in scenario of its tenant (`device-declined`,
    /// `device-expired`, `wrong-directory`, `expiring`).
    pub scenario: Option<String>,
    /// The process most projects use (the org "per process").
    pub primary_process: String,
    /// Anonymous `connectionData` is answered (org with public projects).
    pub anonymous_access: bool,
    /// Projects.
    pub projects: Vec<Project>,
    /// Indices into [`Catalog::processes`] available in this org.
    pub processes: Vec<usize>,
    by_key: HashMap<String, usize>,
    root_nodes: OnceLock<HashMap<String, usize>>,
}

impl Org {
    /// A project by id or name (case-insensitive).
    pub fn project(&self, key: &str) -> Option<&Project> {
        self.by_key
            .get(&key.to_lowercase())
            .and_then(|i| self.projects.get(*i))
    }

    /// The project whose area (`is_area`) or iteration root node has this
    /// identifier (security tokens of the CSS / Iteration namespaces).
    pub fn project_by_root_node(&self, is_area: bool, identifier: &str) -> Option<&Project> {
        let map = self.root_nodes.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, p) in self.projects.iter().enumerate() {
                m.insert(root_node_identifier(&p.id, true), i);
                m.insert(root_node_identifier(&p.id, false), i);
            }
            m
        });
        let key = identifier.to_lowercase();
        map.get(&key)
            .and_then(|i| self.projects.get(*i))
            .filter(|p| root_node_identifier(&p.id, is_area) == key)
    }

    /// The error scenario of a PAT scenario organization: what every
    /// accepted credential gets here.
    pub(crate) fn error_scenario(&self) -> Option<ScenarioKind> {
        scenario_kind(self.scenario.as_deref()?)
    }

    /// The sign-in scenario of a sign-in scenario organization: how the
    /// sandbox's Entra ID treats its tenant.
    pub(crate) fn sign_in_scenario(&self) -> Option<SignInKind> {
        sign_in_kind(self.scenario.as_deref()?)
    }

    /// True for a Microsoft-account organization.
    pub fn is_msa(&self) -> bool {
        self.tenant.as_deref() == Some(MSA_TENANT)
    }

    /// The highest api-version served, as text (`7.2`, `6.0`, `5.0`).
    pub fn max_api_version(&self) -> String {
        format!("{}.{}", self.api_version.0, self.api_version.1)
    }

    /// The highest api-version as a comparable key (`major * 1000 + minor`).
    pub fn max_api_key(&self) -> u32 {
        self.api_version.0 * 1000 + self.api_version.1
    }

    /// The product a collection stands for, by its api-version.
    pub fn product(&self) -> &'static str {
        if !self.server {
            return "Azure DevOps Services";
        }
        match self.api_version {
            (7, _) => "Azure DevOps Server 2022",
            (6, _) => "Azure DevOps Server 2020",
            (5, _) => "Azure DevOps Server 2019",
            _ => "Team Foundation Server",
        }
    }
}

/// One node of a classification tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Integer id (unique in the organization).
    pub id: i64,
    /// GUID identifier.
    pub identifier: String,
    /// Node name (the project name for the root).
    pub name: String,
    /// Path relative to the root, `\`-separated (`""` for the root).
    pub rel: String,
    /// Parent index.
    pub parent: Option<usize>,
    /// Child indices.
    pub children: Vec<usize>,
    /// Start and finish day numbers (iterations only).
    pub dates: Option<(i64, i64)>,
}

/// An area or iteration tree; node 0 is the root.
#[derive(Debug)]
pub struct Tree {
    /// `true` for areas, `false` for iterations.
    pub is_area: bool,
    /// Nodes; index 0 is the root.
    pub nodes: Vec<Node>,
    by_rel: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

impl Tree {
    /// A node by relative path (`\` or `/` separated, case-insensitive).
    pub fn find(&self, rel: &str) -> Option<usize> {
        let key = normalize_rel(rel);
        self.by_rel.get(&key).copied()
    }

    /// A node by integer id.
    pub fn by_id(&self, id: i64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Number of nodes, root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Never empty (there is always a root); provided for clippy.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The classification trees of one project.
#[derive(Debug)]
pub struct Trees {
    /// Areas.
    pub areas: Tree,
    /// Iterations.
    pub iterations: Tree,
}

/// The whole data set.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Entra tenants.
    pub tenants: Vec<Tenant>,
    /// Every person.
    pub people: Vec<Person>,
    /// Index of the main user (the identity of the full-access PAT and of
    /// device-code sign-ins).
    pub main_user: usize,
    /// Index of the read-only user (the `no-permissions` scenario).
    pub reader_user: usize,
    /// Managed identities and service principals (each also in `people`).
    pub apps: Vec<App>,
    /// Services organizations and the Server collection.
    pub orgs: Vec<Org>,
    /// Processes.
    pub processes: Vec<Process>,
    /// Field definitions.
    pub fields: Vec<FieldDef>,
    /// Security namespaces, in the Azure DevOps JSON shape.
    pub namespaces: Vec<serde_json::Value>,
    field_index: HashMap<String, usize>,
}

impl Catalog {
    /// A Services organization by name (case-insensitive).
    pub fn services_org(&self, name: &str) -> Option<&Org> {
        self.orgs
            .iter()
            .find(|o| !o.server && o.name.eq_ignore_ascii_case(name))
    }

    /// The first Azure DevOps Server collection (`DefaultCollection`).
    pub fn collection(&self) -> Option<&Org> {
        self.orgs.iter().find(|o| o.server)
    }

    /// A Server collection by name (case-insensitive).
    pub fn collection_named(&self, name: &str) -> Option<&Org> {
        self.orgs
            .iter()
            .find(|o| o.server && o.name.eq_ignore_ascii_case(name))
    }

    /// Every Server collection, in catalog order.
    pub fn collections(&self) -> impl Iterator<Item = &Org> {
        self.orgs.iter().filter(|o| o.server)
    }

    /// The scenario organization of a scenario (`read-only` →
    /// `scenario-read-only`).
    pub fn scenario_org(&self, scenario: &str) -> Option<&Org> {
        self.orgs
            .iter()
            .find(|o| o.scenario.as_deref() == Some(scenario))
    }

    /// A field by reference name or friendly name (case-insensitive).
    pub fn field(&self, key: &str) -> Option<usize> {
        if let Some(i) = self.field_index.get(&key.to_lowercase()) {
            return Some(*i);
        }
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(key))
    }

    /// A person by sign-in address.
    pub fn person(&self, email: &str) -> Option<usize> {
        self.people
            .iter()
            .position(|p| p.email.eq_ignore_ascii_case(email))
    }

    /// The application identity behind a person, if it is one.
    pub fn app_of(&self, person: usize) -> Option<&App> {
        self.apps.iter().find(|a| a.person == person)
    }

    /// An application identity of `kind` by client id (case-insensitive).
    pub fn app(&self, kind: AppKind, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.kind == kind && a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// The main user.
    pub fn main(&self) -> &Person {
        // `main_user` is validated when the catalog is built, and there is
        // always at least that one person.
        self.people
            .get(self.main_user)
            .or_else(|| self.people.first())
            .unwrap_or(&NOBODY)
    }

    /// A tenant's entry.
    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// The sign-in scenario of a tenant: that of the scenario organization
    /// in it.
    pub(crate) fn tenant_sign_in_scenario(&self, tid: &str) -> Option<SignInKind> {
        self.orgs
            .iter()
            .filter(|o| {
                o.tenant
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(tid))
            })
            .find_map(Org::sign_in_scenario)
    }
}

/// The catalog as the sandbox's handlers hold it: built once per process,
/// on first use. [`SharedCatalog::build_in_background`] starts building it
/// on a thread, so a sandbox starts (and the demo draws its first frame)
/// without waiting for its 3,000 generated projects; the first request
/// waits for the rest of the build.
#[derive(Debug, Clone, Copy)]
pub struct SharedCatalog;

impl SharedCatalog {
    /// Starts building the catalog on a thread (if not built yet).
    pub fn build_in_background() -> SharedCatalog {
        let spawned = std::thread::Builder::new()
            .name("sandbox-catalog".into())
            .spawn(|| {
                if let Err(e) = catalog() {
                    tracing::error!("{e:#}");
                }
            });
        if let Err(e) = spawned {
            tracing::debug!("no thread for the sandbox catalog ({e}); built on first use");
        }
        SharedCatalog
    }

    /// The catalog (waits for its build). Assets that do not parse (a
    /// defect the data tests catch) give an empty catalog, in which every
    /// organization is unknown, and an error in the log.
    pub fn get(self) -> &'static Catalog {
        static EMPTY: OnceLock<Catalog> = OnceLock::new();
        match catalog() {
            Ok(c) => c,
            Err(_) => EMPTY.get_or_init(Catalog::default),
        }
    }
}

impl std::ops::Deref for SharedCatalog {
    type Target = Catalog;

    fn deref(&self) -> &Catalog {
        self.get()
    }
}

/// The Services organizations a person can try (no scenario ones), read
/// from the assets without building the catalog.
pub fn services_organization_names() -> anyhow::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Names {
        organizations: Vec<Name>,
    }
    #[derive(Deserialize)]
    struct Name {
        name: String,
        #[serde(default)]
        server: bool,
        #[serde(default)]
        scenario: Option<String>,
    }
    let names: Names =
        serde_json::from_str(ORGS_JSON).map_err(|e| anyhow::anyhow!("organizations.json: {e}"))?;
    Ok(names
        .organizations
        .into_iter()
        .filter(|o| !o.server && o.scenario.is_none())
        .map(|o| o.name)
        .collect())
}

/// The catalog (parsed once per process).
pub fn catalog() -> anyhow::Result<&'static Catalog> {
    static CAT: OnceLock<Result<Catalog, String>> = OnceLock::new();
    match CAT.get_or_init(|| build_catalog().map_err(|e| format!("{e:#}"))) {
        Ok(c) => Ok(c),
        Err(e) => Err(anyhow::anyhow!("sandbox assets are invalid: {e}")),
    }
}

/// Summary of one organization, for callers outside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSummary {
    /// Organization / collection name.
    pub name: String,
    /// Path below the sandbox root (`/contoso-agile`, `/tfs/DefaultCollection`).
    pub path: String,
    /// Main process of the organization.
    pub process: String,
    /// Entra tenant (`None` for a Server collection).
    pub tenant: Option<String>,
    /// A Server collection.
    pub server: bool,
    /// The highest api-version served (`7.2`, `6.0`, `5.0`).
    pub api_version: String,
    /// The scenario of a scenario organization (`read-only`, …,
    /// `wrong-directory`, …).
    pub scenario: Option<String>,
    /// Number of projects.
    pub projects: usize,
}

/// Every organization and collection, in catalog order.
pub fn organizations() -> Vec<OrgSummary> {
    let Ok(cat) = catalog() else {
        return Vec::new();
    };
    cat.orgs
        .iter()
        .map(|o| OrgSummary {
            name: o.name.clone(),
            path: if o.server {
                format!("/tfs/{}", o.name)
            } else {
                format!("/{}", o.name)
            },
            process: o.primary_process.clone(),
            tenant: o.tenant.clone(),
            server: o.server,
            api_version: o.max_api_version(),
            scenario: o.scenario.clone(),
            projects: o.projects.len(),
        })
        .collect()
}

/// The Services organization dedicated to a system process (`Basic`,
/// `Agile`, `Scrum`, `CMMI`), e.g. `contoso-agile`.
pub fn org_for_process(process: &str) -> Option<String> {
    let cat = catalog().ok()?;
    cat.orgs
        .iter()
        .find(|o| {
            !o.server
                && o.scenario.is_none()
                && o.primary_process.eq_ignore_ascii_case(process)
                && o.tenant.as_deref() != Some(MSA_TENANT)
                && o.name.starts_with("contoso-")
                && o.projects.len() < 100
        })
        .map(|o| o.name.clone())
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// `major.minor` (both numbers, e.g. `5.0`).
fn parse_major_minor(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn normalize_rel(rel: &str) -> String {
    rel.split(['\\', '/'])
        .filter(|s| !s.is_empty())
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("\\")
}

fn person_from(raw: &RawPerson) -> Person {
    let local = raw.email.split('@').next().unwrap_or(&raw.email);
    let account: String = local.chars().filter(|c| *c != '.').collect();
    Person {
        id: guid_from(&format!("person:{}", raw.email.to_lowercase())),
        name: raw.name.clone(),
        email: raw.email.clone(),
        windows: raw
            .windows
            .clone()
            .unwrap_or_else(|| format!("CONTOSO\\{account}")),
        descriptor: format!(
            "aad.{}",
            super::util::b64url_encode(
                guid_from(&format!("subject:{}", raw.email.to_lowercase())).as_bytes()
            )
        ),
    }
}

fn build_catalog() -> anyhow::Result<Catalog> {
    let raw_orgs: RawOrgFile =
        serde_json::from_str(ORGS_JSON).map_err(|e| anyhow::anyhow!("organizations.json: {e}"))?;
    let raw_proc: RawProcessFile =
        serde_json::from_str(PROCESSES_JSON).map_err(|e| anyhow::anyhow!("processes.json: {e}"))?;
    let raw_fields: RawFieldFile =
        serde_json::from_str(FIELDS_JSON).map_err(|e| anyhow::anyhow!("fields.json: {e}"))?;
    let raw_sec: RawSecurityFile =
        serde_json::from_str(SECURITY_JSON).map_err(|e| anyhow::anyhow!("security.json: {e}"))?;

    // Fields.
    let fields: Vec<FieldDef> = raw_fields
        .fields
        .into_iter()
        .map(|f| FieldDef {
            ref_name: f.ref_name,
            name: f.name,
            field_type: f.field_type,
            read_only: f.read_only,
            required: f.required,
            system: f.system,
            help: f.help,
            description: f.description,
            allowed: f.allowed,
            default: f.default,
            identity: f.identity,
            picklist: f.picklist,
            depends: f.depends,
        })
        .collect();
    let field_index: HashMap<String, usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.ref_name.to_lowercase(), i))
        .collect();
    let fidx = |r: &str| -> anyhow::Result<usize> {
        field_index
            .get(&r.to_lowercase())
            .copied()
            .ok_or_else(|| anyhow::anyhow!("unknown field {r}"))
    };
    let system_fields: Vec<usize> = raw_fields
        .system_fields
        .iter()
        .map(|r| fidx(r))
        .collect::<anyhow::Result<_>>()?;

    // Processes: system ones first, then derived ones.
    let build_type = |t: &RawType, all_names: &[String]| -> anyhow::Result<WitType> {
        let mut idxs: Vec<usize> = system_fields.clone();
        for r in &t.fields {
            let i = fidx(r)?;
            if !idxs.contains(&i) {
                idxs.push(i);
            }
        }
        let states: Vec<StateDef> = t
            .states
            .iter()
            .map(|(n, c, k)| StateDef {
                name: n.clone(),
                color: c.clone(),
                category: k.clone(),
            })
            .collect();
        let fields = idxs
            .into_iter()
            .map(|i| {
                let f = &fields[i];
                let (allowed, default) = match f.ref_name.as_str() {
                    "System.State" => (
                        states.iter().map(|s| s.name.clone()).collect(),
                        states.first().map(|s| s.name.clone()),
                    ),
                    "System.Reason" => (vec![t.initial_reason.clone()], None),
                    "System.WorkItemType" => (all_names.to_vec(), None),
                    _ => (f.allowed.clone(), f.default.clone()),
                };
                TypeField {
                    field: i,
                    required: f.required,
                    default,
                    allowed,
                    help: f.help.clone(),
                }
            })
            .collect();
        Ok(WitType {
            name: t.name.clone(),
            ref_name: t.ref_name.clone(),
            description: t.description.clone(),
            color: t.color.clone(),
            icon: t.icon.clone(),
            disabled: false,
            states,
            initial_reason: t.initial_reason.clone(),
            fields,
        })
    };

    let mut processes: Vec<Process> = Vec::new();
    for rp in raw_proc.processes.iter().filter(|p| p.parent.is_none()) {
        let mut raw_types: Vec<RawType> = rp.types.clone();
        raw_types.extend(raw_proc.common_types.iter().cloned());
        let names: Vec<String> = raw_types.iter().map(|t| t.name.clone()).collect();
        let types = raw_types
            .iter()
            .map(|t| build_type(t, &names))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut categories: Vec<Category> = rp
            .categories
            .iter()
            .chain(raw_proc.common_categories.iter())
            .map(|c| Category {
                ref_name: c.ref_name.clone(),
                name: c.name.clone(),
                types: c.types.clone(),
            })
            .collect();
        categories.retain(|c| c.types.iter().all(|t| names.contains(t)));
        processes.push(Process {
            type_id: rp.type_id.clone(),
            name: rp.name.clone(),
            description: rp.description.clone(),
            customization: rp.customization_type.clone(),
            parent: None,
            is_default: rp.is_default,
            organizations: rp.organizations.clone(),
            types,
            categories,
        });
    }
    for rp in raw_proc.processes.iter().filter(|p| p.parent.is_some()) {
        let parent_id = rp.parent.clone().unwrap_or_default();
        let base = processes
            .iter()
            .find(|p| p.type_id == parent_id)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("process {}: unknown parent", rp.name))?;
        let mut types = base.types.clone();
        for (tname, ch) in &rp.changes {
            let t = types
                .iter_mut()
                .find(|t| t.name.eq_ignore_ascii_case(tname))
                .ok_or_else(|| anyhow::anyhow!("process {}: unknown type {tname}", rp.name))?;
            t.disabled = ch.disabled;
            for r in &ch.add_fields {
                let i = fidx(r)?;
                if t.field(i).is_none() {
                    let f = &fields[i];
                    t.fields.push(TypeField {
                        field: i,
                        required: f.required,
                        default: f.default.clone(),
                        allowed: f.allowed.clone(),
                        help: f.help.clone(),
                    });
                }
            }
            for r in &ch.required {
                let i = fidx(r)?;
                if let Some(tf) = t.fields.iter_mut().find(|f| f.field == i) {
                    tf.required = true;
                }
            }
        }
        processes.push(Process {
            type_id: rp.type_id.clone(),
            name: rp.name.clone(),
            description: rp.description.clone(),
            customization: rp.customization_type.clone(),
            parent: if rp.customization_type.eq_ignore_ascii_case("inherited") {
                Some(parent_id)
            } else {
                None
            },
            is_default: rp.is_default,
            organizations: rp.organizations.clone(),
            types,
            categories: base.categories.clone(),
        });
    }

    // People, then the application identities (as people too).
    let mut people: Vec<Person> = raw_orgs.people.iter().map(person_from).collect();
    let mut apps = Vec::new();
    for ra in &raw_orgs.apps {
        if !super::util::is_guid(&ra.client_id) {
            anyhow::bail!("app {}: client_id is not a GUID", ra.name);
        }
        if !raw_orgs
            .tenants
            .iter()
            .any(|t| t.id.eq_ignore_ascii_case(&ra.tenant))
        {
            anyhow::bail!("app {}: tenant {} is not in tenants", ra.name, ra.tenant);
        }
        if people
            .iter()
            .any(|p| p.email.eq_ignore_ascii_case(&ra.client_id))
        {
            anyhow::bail!("app {}: client_id {} is not unique", ra.name, ra.client_id);
        }
        if ra.kind == AppKind::ServicePrincipal && ra.secret.is_none() {
            anyhow::bail!("app {}: a service principal needs a secret", ra.name);
        }
        let id = guid_from(&format!("app:{}", ra.client_id.to_lowercase()));
        apps.push(App {
            kind: ra.kind,
            name: ra.name.clone(),
            client_id: ra.client_id.to_lowercase(),
            tenant: ra.tenant.to_lowercase(),
            secret: ra.secret.clone(),
            system_assigned: ra.system_assigned,
            person: people.len(),
        });
        people.push(Person {
            id: id.clone(),
            name: ra.name.clone(),
            email: ra.client_id.to_lowercase(),
            windows: ra.name.clone(),
            descriptor: format!(
                "aadsp.{}",
                super::util::b64url_encode(
                    guid_from(&format!("subject:app:{}", ra.client_id.to_lowercase())).as_bytes()
                )
            ),
        });
    }
    if apps
        .iter()
        .filter(|a| a.kind == AppKind::ManagedIdentity && a.system_assigned)
        .count()
        > 1
    {
        anyhow::bail!("apps: at most one system-assigned managed identity");
    }
    let person_idx = |email: &str| -> anyhow::Result<usize> {
        people
            .iter()
            .position(|p| p.email.eq_ignore_ascii_case(email))
            .ok_or_else(|| anyhow::anyhow!("unknown person {email}"))
    };
    let main_user = person_idx(&raw_orgs.main_user)?;
    let reader_user = person_idx(&raw_orgs.reader_user)?;

    let process_idx = |name: &str| -> anyhow::Result<usize> {
        processes
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| anyhow::anyhow!("unknown process {name}"))
    };
    let iter_spec = |r: &RawIterations| -> anyhow::Result<IterationSpec> {
        Ok(IterationSpec {
            start: parse_ymd(&r.start).ok_or_else(|| anyhow::anyhow!("bad date {}", r.start))?,
            days: r.days.max(1),
            paths: r.paths.clone(),
        })
    };

    // Organizations.
    let mut orgs: Vec<Org> = Vec::new();
    for (oi, ro) in raw_orgs.organizations.iter().enumerate() {
        let mut projects: Vec<Project> = Vec::new();
        let base = (oi as i64 + 1) * 1_000_000_000;
        for (pi, rp) in ro.projects.iter().enumerate() {
            let process = process_idx(&rp.process)?;
            let mut teams = Vec::new();
            for (ti, rt) in rp.teams.iter().enumerate() {
                let mut members = Vec::new();
                for m in &rt.members {
                    let p = person_idx(m)?;
                    let admin = rt.admins.iter().any(|a| a.eq_ignore_ascii_case(m));
                    members.push((p, admin));
                }
                let areas = rt.areas.clone().unwrap_or_else(|| vec![String::new()]);
                let default_area = rt
                    .default_area
                    .clone()
                    .unwrap_or_else(|| areas.first().cloned().unwrap_or_default());
                teams.push(Team {
                    id: guid_from(&format!("team:{}:{}", rp.id, rt.name.to_lowercase())),
                    name: rt.name.clone(),
                    description: rt.description.clone().unwrap_or_else(|| {
                        if ti == 0 {
                            "The default project team.".to_string()
                        } else {
                            String::new()
                        }
                    }),
                    members,
                    areas,
                    default_area,
                    iteration: rt.iteration.clone(),
                });
            }
            let areas = match &rp.area_generator {
                Some(g) => AreaSpec::Generated(g.levels.clone()),
                None => AreaSpec::List(rp.areas.clone()),
            };
            projects.push(Project {
                id: rp.id.clone(),
                name: rp.name.clone(),
                description: rp.description.clone(),
                process,
                visibility: rp.visibility.clone().unwrap_or_else(|| "private".into()),
                source_control: rp.source_control.clone().unwrap_or_else(|| "Git".into()),
                revision: rp.revision.unwrap_or(1),
                last_update: rp
                    .last_update
                    .clone()
                    .unwrap_or_else(|| "2026-01-05T09:00:00.000Z".into()),
                teams,
                areas,
                iterations: iter_spec(&rp.iterations)?,
                permissions: rp.permissions.clone(),
                node_id_base: base + pi as i64 * 100_000,
                trees: OnceLock::new(),
            });
        }
        if let Some(g) = &ro.generated_projects {
            let contoso: Vec<usize> = people
                .iter()
                .enumerate()
                .filter(|(i, p)| {
                    p.email.ends_with("@contoso.example") && *i != main_user && *i != reader_user
                })
                .map(|(i, _)| i)
                .collect();
            let procs = g
                .processes
                .iter()
                .map(|p| process_idx(p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let iterations = iter_spec(&g.iterations)?;
            let mut n = projects.len();
            for d in &g.departments {
                for s in &g.systems {
                    for r in &g.regions {
                        let name = format!("{d} {s} {r}");
                        let id = guid_from(&format!("project:{}:{}", ro.name, name.to_lowercase()));
                        let process = procs.get(n % procs.len().max(1)).copied().unwrap_or(0);
                        let mut members = vec![(main_user, true)];
                        if !contoso.is_empty() {
                            for k in 0..3 {
                                let p = contoso[(n * 3 + k) % contoso.len()];
                                if !members.iter().any(|(m, _)| *m == p) {
                                    members.push((p, false));
                                }
                            }
                        }
                        let day = 20_089 + (n as i64 * 37) % 400;
                        projects.push(Project {
                            id: id.clone(),
                            name: name.clone(),
                            description: Some(format!("{s} for {d}, {r} region.")),
                            process,
                            visibility: "private".into(),
                            source_control: "Git".into(),
                            revision: 40 + (n as u64 * 7919) % 900,
                            last_update: format!(
                                "{}T{:02}:{:02}:{:02}.{:03}Z",
                                &super::util::date_string(day)[..10],
                                (n * 7) % 24,
                                (n * 13) % 60,
                                (n * 29) % 60,
                                (n * 97) % 1000
                            ),
                            teams: vec![Team {
                                id: guid_from(&format!("team:{id}:{} team", name.to_lowercase())),
                                name: format!("{name} Team"),
                                description: "The default project team.".into(),
                                members,
                                areas: vec![String::new()],
                                default_area: String::new(),
                                iteration: g.iterations.paths.first().cloned(),
                            }],
                            areas: AreaSpec::List(g.areas.clone()),
                            iterations: iterations.clone(),
                            permissions: HashMap::new(),
                            node_id_base: base + n as i64 * 100_000,
                            trees: OnceLock::new(),
                        });
                        n += 1;
                    }
                }
            }
        }
        projects.sort_by_key(|p| p.name.to_lowercase());
        let mut by_key = HashMap::new();
        for (i, p) in projects.iter().enumerate() {
            by_key.insert(p.id.to_lowercase(), i);
            by_key.insert(p.name.to_lowercase(), i);
        }
        let procs: Vec<usize> = processes
            .iter()
            .enumerate()
            .filter(|(_, p)| match &p.organizations {
                None => true,
                Some(list) => list.iter().any(|o| o.eq_ignore_ascii_case(&ro.name)),
            })
            .map(|(i, _)| i)
            .collect();
        let api_version = match (&ro.api_version, ro.server) {
            (None, true) => (6, 0),
            (None, false) => (7, 2),
            (Some(_), false) => {
                anyhow::bail!(
                    "organization {}: api_version is for Server collections only",
                    ro.name
                )
            }
            (Some(v), true) => parse_major_minor(v)
                .ok_or_else(|| anyhow::anyhow!("collection {}: bad api_version {v}", ro.name))?,
        };
        if let Some(sc) = &ro.scenario
            && scenario_kind(sc).is_none()
            && sign_in_kind(sc).is_none()
        {
            anyhow::bail!("organization {}: unknown scenario {sc}", ro.name);
        }
        if orgs
            .iter()
            .any(|o: &Org| o.server == ro.server && o.name.eq_ignore_ascii_case(&ro.name))
        {
            anyhow::bail!("organization {} is listed twice", ro.name);
        }
        orgs.push(Org {
            name: ro.name.clone(),
            id: ro.id.clone(),
            tenant: if ro.server { None } else { ro.tenant.clone() },
            server: ro.server,
            api_version,
            scenario: ro.scenario.clone(),
            primary_process: ro.process.clone(),
            anonymous_access: ro.anonymous_access,
            projects,
            processes: procs,
            by_key,
            root_nodes: OnceLock::new(),
        });
    }

    // A sign-in scenario acts on its organization's tenant, which must be a
    // known directory of its own.
    for o in &orgs {
        if o.sign_in_scenario().is_none() {
            continue;
        }
        let Some(t) = o.tenant.as_deref().filter(|t| *t != MSA_TENANT) else {
            anyhow::bail!("organization {}: a sign-in scenario needs a tenant", o.name);
        };
        if !raw_orgs
            .tenants
            .iter()
            .any(|x| x.id.eq_ignore_ascii_case(t))
        {
            anyhow::bail!("organization {}: tenant {t} is not in tenants", o.name);
        }
        if orgs.iter().any(|other| {
            other.name != o.name
                && other
                    .tenant
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(t))
        }) {
            anyhow::bail!(
                "organization {}: the tenant of a sign-in scenario is its own",
                o.name
            );
        }
    }

    Ok(Catalog {
        tenants: raw_orgs.tenants,
        people,
        main_user,
        reader_user,
        apps,
        orgs,
        processes,
        fields,
        namespaces: raw_sec.namespaces,
        field_index,
    })
}

/// The identifier of a project's area or iteration root node.
fn root_node_identifier(project_id: &str, is_area: bool) -> String {
    let kind = if is_area { "area" } else { "iteration" };
    guid_from(&format!("node:{project_id}:{kind}:"))
}

struct TreeBuilder {
    is_area: bool,
    project_id: String,
    next_id: i64,
    nodes: Vec<Node>,
    by_rel: HashMap<String, usize>,
}

impl TreeBuilder {
    fn new(is_area: bool, project: &Project, first_id: i64) -> Self {
        let mut b = TreeBuilder {
            is_area,
            project_id: project.id.clone(),
            next_id: first_id,
            nodes: Vec::new(),
            by_rel: HashMap::new(),
        };
        b.push(None, project.name.clone(), String::new());
        b
    }

    fn push(&mut self, parent: Option<usize>, name: String, rel: String) -> usize {
        let idx = self.nodes.len();
        let key = rel.to_lowercase();
        let kind = if self.is_area { "area" } else { "iteration" };
        self.nodes.push(Node {
            id: self.next_id,
            identifier: guid_from(&format!("node:{}:{kind}:{key}", self.project_id)),
            name,
            rel,
            parent,
            children: Vec::new(),
            dates: None,
        });
        self.next_id += 1;
        if let Some(p) = parent {
            self.nodes[p].children.push(idx);
        }
        self.by_rel.insert(key, idx);
        idx
    }

    /// Adds `a/b/c`, creating missing ancestors; returns the leaf index.
    fn add_path(&mut self, path: &str) -> usize {
        let mut cur = 0usize;
        let mut rel = String::new();
        for seg in path.split(['/', '\\']).filter(|s| !s.trim().is_empty()) {
            let seg = seg.trim();
            if !rel.is_empty() {
                rel.push('\\');
            }
            rel.push_str(seg);
            cur = match self.by_rel.get(&rel.to_lowercase()) {
                Some(i) => *i,
                None => self.push(Some(cur), seg.to_string(), rel.clone()),
            };
        }
        cur
    }

    fn finish(self) -> Tree {
        let by_id = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id, i))
            .collect();
        Tree {
            is_area: self.is_area,
            nodes: self.nodes,
            by_rel: self.by_rel,
            by_id,
        }
    }
}

fn build_trees(p: &Project) -> Trees {
    let mut a = TreeBuilder::new(true, p, p.node_id_base + 1);
    match &p.areas {
        AreaSpec::List(paths) => {
            for path in paths {
                a.add_path(path);
            }
        }
        AreaSpec::Generated(levels) => {
            fn rec(b: &mut TreeBuilder, levels: &[Vec<String>], parent: usize, rel: &str) {
                let Some((first, rest)) = levels.split_first() else {
                    return;
                };
                for name in first {
                    let r = if rel.is_empty() {
                        name.clone()
                    } else {
                        format!("{rel}\\{name}")
                    };
                    let idx = b.push(Some(parent), name.clone(), r.clone());
                    rec(b, rest, idx, &r);
                }
            }
            rec(&mut a, levels, 0, "");
        }
    }
    let mut it = TreeBuilder::new(false, p, p.node_id_base + 50_001);
    let spec = &p.iterations;
    for (k, path) in spec.paths.iter().enumerate() {
        let leaf = it.add_path(path);
        let start = spec.start + k as i64 * spec.days;
        let finish = start + spec.days - 3;
        it.nodes[leaf].dates = Some((start, finish.max(start)));
    }
    // Parents (except the root) span their children.
    for i in (1..it.nodes.len()).rev() {
        if let Some((s, f)) = it.nodes[i].dates
            && let Some(pi) = it.nodes[i].parent
            && pi != 0
        {
            let merged = match it.nodes[pi].dates {
                Some((ps, pf)) => (ps.min(s), pf.max(f)),
                None => (s, f),
            };
            it.nodes[pi].dates = Some(merged);
        }
    }
    Trees {
        areas: a.finish(),
        iterations: it.finish(),
    }
}

/// Full permission mask of a namespace (every action bit).
pub fn full_mask(cat: &Catalog, namespace_id: &str) -> u64 {
    cat.namespaces
        .iter()
        .find(|n| {
            n.get("namespaceId")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case(namespace_id))
        })
        .and_then(|n| n.get("actions"))
        .and_then(|a| a.as_array())
        .map(|acts| {
            acts.iter()
                .filter_map(|a| a.get(0).and_then(|b| b.as_u64()))
                .fold(0u64, |m, b| m | b)
        })
        .unwrap_or(0)
}

/// The namespace name for an id.
pub fn namespace_name(cat: &Catalog, namespace_id: &str) -> Option<String> {
    cat.namespaces
        .iter()
        .find(|n| {
            n.get("namespaceId")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case(namespace_id))
        })
        .and_then(|n| n.get("name"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The demo's first frame names the organizations without waiting for
    /// the catalog: the same ones the catalog serves.
    #[test]
    fn the_organization_names_read_early_are_the_catalogs() {
        let early = services_organization_names().expect("names");
        let cat = SharedCatalog::build_in_background();
        let served: Vec<String> = cat
            .orgs
            .iter()
            .filter(|o| !o.server && o.scenario.is_none())
            .map(|o| o.name.clone())
            .collect();
        assert_eq!(early, served);
        assert!(early.iter().any(|n| n == "contoso-agile"));
    }

    #[test]
    fn catalog_parses_and_is_consistent() {
        let cat = catalog().expect("assets parse");
        assert!(cat.orgs.len() >= 7);
        for p in ["Basic", "Agile", "Scrum", "CMMI"] {
            let org = org_for_process(p).expect("org per process");
            let o = cat.services_org(&org).expect("org exists");
            assert!(!o.projects.is_empty());
        }
        let ent = cat.services_org("contoso-enterprise").expect("enterprise");
        assert_eq!(ent.projects.len(), 3000);
        let mut names: Vec<&str> = ent.projects.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 3000);
        assert!(cat.services_org("avery-personal").expect("msa").is_msa());
        assert!(cat.collection().expect("collection").server);
    }

    #[test]
    fn collections_have_their_own_api_versions() {
        let cat = catalog().expect("assets parse");
        let default = cat.collection_named("defaultcollection").expect("default");
        assert_eq!(default.name, cat.collection().expect("first").name);
        assert_eq!(default.max_api_version(), "6.0");
        let legacy = cat.collection_named("LegacyCollection").expect("legacy");
        assert_eq!((legacy.api_version, legacy.max_api_key()), ((5, 0), 5000));
        assert_eq!(legacy.product(), "Azure DevOps Server 2019");
        assert!(legacy.tenant.is_none());
        assert_eq!(cat.collections().count(), 2);
        let agile = cat.services_org("contoso-agile").expect("agile");
        assert_eq!(agile.max_api_version(), "7.2");
        assert!(cat.collection_named("contoso-agile").is_none());
        assert_eq!(parse_major_minor(" 5.1 "), Some((5, 1)));
        assert_eq!(parse_major_minor("5"), None);
        assert_eq!(parse_major_minor("5.x"), None);
    }

    #[test]
    fn every_scenario_has_one_scenario_organization() {
        let cat = catalog().expect("assets parse");
        for (name, _, kind, _) in crate::sandbox::scenario::SCENARIOS {
            let orgs: Vec<&Org> = cat
                .orgs
                .iter()
                .filter(|o| o.scenario.as_deref() == Some(*name))
                .collect();
            assert_eq!(orgs.len(), 1, "{name}");
            let org = orgs[0];
            assert_eq!(org.name, format!("scenario-{name}"));
            assert_eq!(org.error_scenario(), Some(*kind));
            assert!(!org.server);
            assert_eq!(
                org.tenant.as_deref(),
                cat.tenants.first().map(|t| t.id.as_str())
            );
            assert_eq!(cat.scenario_org(name).map(|o| &o.name), Some(&org.name));
            let p = org.project("Payments Platform").expect("project");
            assert_eq!(cat.processes[p.process].name, "Agile");
            let team = p.default_team().expect("team");
            assert!(team.members.contains(&(cat.main_user, true)));
            assert!(p.permissions.is_empty(), "full permissions");
        }
        let plain = cat.services_org("contoso-agile").expect("org");
        assert_eq!(plain.error_scenario(), None);
        // Scenario organizations are not "the organization per process".
        assert_eq!(org_for_process("Agile").as_deref(), Some("contoso-agile"));
    }

    #[test]
    fn every_sign_in_scenario_has_an_organization_in_a_tenant_of_its_own() {
        use crate::sandbox::scenario::SIGN_IN_SCENARIOS;
        let cat = catalog().expect("assets parse");
        let mut tenants = Vec::new();
        for (name, kind, _) in SIGN_IN_SCENARIOS {
            let org = cat.scenario_org(name).expect("scenario org");
            assert_eq!(org.name, format!("scenario-{name}"));
            assert_eq!(org.sign_in_scenario(), Some(*kind));
            let tid = org.tenant.clone().expect("tenant");
            assert!(cat.tenant(&tid).is_some(), "{name}: {tid}");
            assert_eq!(cat.tenant_sign_in_scenario(&tid), Some(*kind));
            assert!(!tenants.contains(&tid), "{name}: shared tenant");
            tenants.push(tid);
            let p = org.project("Payments Platform").expect("project");
            assert_eq!(cat.processes[p.process].name, "Agile");
            let avery_member = p.members().contains(&cat.main_user);
            assert_eq!(avery_member, *kind != SignInKind::WrongDirectory, "{name}");
            assert!(org_for_process("Agile").is_some_and(|o| o != org.name));
        }
        let wrong = cat.scenario_org("wrong-directory").expect("org");
        let t = cat
            .tenant(wrong.tenant.as_deref().unwrap_or(""))
            .expect("tenant");
        assert_eq!(
            (t.name.as_str(), t.domain.as_str()),
            ("Northwind Traders", "northwind.example")
        );
        assert_eq!(
            cat.tenant_sign_in_scenario("f50b3664-ff5f-44cf-bb3e-31185eb08830"),
            None
        );
    }

    #[test]
    fn project_and_organization_ids_are_unique_across_the_catalog() {
        let cat = catalog().expect("assets parse");
        let mut ids = std::collections::HashSet::new();
        for o in &cat.orgs {
            assert!(ids.insert(o.id.to_lowercase()), "org id {}", o.id);
            for p in &o.projects {
                assert!(ids.insert(p.id.to_lowercase()), "{}: {}", o.name, p.id);
            }
        }
    }

    #[test]
    fn inherited_process_has_required_custom_field() {
        let cat = catalog().expect("assets parse");
        let p = cat
            .processes
            .iter()
            .find(|p| p.name == "Agile - Support Desk")
            .expect("inherited");
        assert_eq!(p.base_name(cat), "Agile");
        let issue = p.wit("Issue").expect("issue");
        let f = cat.field("Custom.CustomerImpact").expect("field");
        assert!(issue.field(f).expect("on issue").required);
        assert!(p.wit("Epic").expect("epic").disabled);
    }

    #[test]
    fn trees_are_built_with_realistic_paths() {
        let cat = catalog().expect("assets parse");
        let org = cat.services_org("contoso-agile").expect("org");
        let p = org.project("payments platform").expect("project");
        let t = p.trees();
        let i = t.areas.find("Checkout/Wallets").expect("node");
        assert_eq!(t.areas.nodes[i].rel, "Checkout\\Wallets");
        let s = t
            .iterations
            .find("Release 2026.1\\Sprint 2")
            .expect("sprint");
        assert!(t.iterations.nodes[s].dates.is_some());
        let big = org.project("Enterprise Portfolio").expect("big").trees();
        assert_eq!(big.areas.len(), 1 + 20 + 200 + 2000 + 20000);
    }

    #[test]
    fn application_identities_are_people_and_members_where_they_were_added() {
        let cat = catalog().expect("catalog");
        assert_eq!(cat.apps.len(), 4);
        let system: Vec<&App> = cat
            .apps
            .iter()
            .filter(|a| a.kind == AppKind::ManagedIdentity && a.system_assigned)
            .collect();
        assert_eq!(system.len(), 1);
        let agile = cat.services_org("contoso-agile").expect("agile");
        let payments = agile.project("Payments Platform").expect("payments");
        for a in &cat.apps {
            let p = &cat.people[a.person];
            assert_eq!(p.email, a.client_id);
            assert_eq!(
                cat.app_of(a.person).map(|x| &x.client_id),
                Some(&a.client_id)
            );
            assert!(p.descriptor.starts_with("aadsp."));
            assert_eq!(
                cat.app(a.kind, &a.client_id.to_uppercase())
                    .map(|x| x.person),
                Some(a.person)
            );
            let admin = payments
                .teams
                .iter()
                .any(|t| t.members.contains(&(a.person, true)));
            // payments-integration and payments-sync were added; the others not.
            assert_eq!(admin, a.name.starts_with("payments-"), "{}", a.name);
            if a.kind == AppKind::ServicePrincipal {
                assert!(a.secret.is_some());
            }
        }
        assert!(cat.app_of(cat.main_user).is_none());
    }
}

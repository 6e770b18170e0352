//! The catalog's data model: tenants, people and application identities,
//! fields and processes, organizations with their projects and teams, and
//! the lookups the handlers use. Pure data: nothing here parses assets or
//! knows HTTP.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::trees::{AreaSpec, IterationSpec, Trees, build_trees, root_node_identifier};
use crate::sandbox::scenario::{ScenarioKind, SignInKind, scenario_kind, sign_in_kind};

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
    pub(super) node_id_base: i64,
    pub(super) trees: OnceLock<Arc<Trees>>,
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
            .get_or_init(|| {
                Arc::new(build_trees(
                    &self.id,
                    &self.name,
                    self.node_id_base,
                    &self.areas,
                    &self.iterations,
                ))
            })
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
    pub(super) by_key: HashMap<String, usize>,
    pub(super) root_nodes: OnceLock<HashMap<String, usize>>,
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
    pub(super) field_index: HashMap<String, usize>,
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

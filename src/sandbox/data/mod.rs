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

mod build;
mod model;
mod raw;
mod trees;

use std::sync::OnceLock;

use serde::Deserialize;

pub use model::{
    ANONYMOUS_ID, App, AppKind, Catalog, Category, FieldDef, MSA_TENANT, NS_CSS, NS_ITERATION,
    NS_PROJECT, NS_SERVICE_HOOKS, NS_TAGGING, Org, Person, Process, Project, SERVER_DEPLOYMENT_ID,
    SERVICES_DEPLOYMENT_ID, StateDef, Team, Tenant, TypeField, UNMATERIALIZED_ID, WitType,
    full_mask, namespace_name,
};
pub use trees::{AreaSpec, IterationSpec, Node, Tree, Trees};

use build::build_catalog;
use raw::ORGS_JSON;

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

#[allow(clippy::expect_used, clippy::unwrap_used)]
#[cfg(test)]
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
        use crate::sandbox::scenario::{SIGN_IN_SCENARIOS, SignInKind};
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

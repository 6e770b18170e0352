//! The check catalogue (SPEC §4), shared by the wizard (Review, Field
//! mapping validation, the TUI troubleshooter) and `doctor`: every check
//! with its stable id, order, prerequisites, codes and fixes, implemented
//! once. This file holds the catalogue and the types a run reports in; one
//! file per family says what its checks report (`target`, `network`, `auth`,
//! `project` with `scope.read`, `permission`, `mapping`, `dry_run` for
//! `scope.write` and `mapping.dry_run`, `storage`), `outcome` builds the
//! outcomes, and `run` (with `early`, requests sent ahead) runs them in
//! stages that follow the prerequisites: the checks of a stage share their
//! requests and run concurrently, so a run costs only the round trips its
//! dependencies force; a check whose prerequisite did not pass is `skip`
//! with the reason. Depends on `ado`, `auth`, `net` and `store` only (and
//! the shared `problem`).

mod auth;
mod auth_unattended;
mod dry_run;
mod early;
mod mapping;
mod network;
mod outcome;
mod permission;
mod project;
mod run;
mod saved;
mod storage;
mod target;

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Serialize;
use url::Url;

use crate::ado::endpoints::Deployment;
use crate::ado::http::HttpClient;
use crate::store::config::{Access, ConfigStore, PriorityMap};
use crate::store::secrets::SecretStore;

pub use mapping::required_fields;
pub use project::{
    ProjectDefaults, below_root, field_form, process_name, project_defaults, scope_problem,
};
pub use run::{run, run_one, run_some};
pub use saved::{keep_renewed_secret, saved_subject};

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckDef {
    pub id: &'static str,
    pub title: &'static str,
    /// Checks that must pass (or warn) before this one can run.
    pub needs: &'static [&'static str],
}

/// Every check, in the order of SPEC §4 (and of every report).
pub const CATALOGUE: &[CheckDef] = &[
    CheckDef {
        id: "target.url",
        title: "Organization or collection URL is valid and safe",
        needs: &[],
    },
    CheckDef {
        id: "network.reachable",
        title: "Azure DevOps answers from this machine",
        needs: &["target.url"],
    },
    CheckDef {
        id: "network.allowlist",
        title: "Every endpoint the connection needs is reachable",
        needs: &["target.url"],
    },
    CheckDef {
        id: "auth.credentials",
        title: "A secret is present and accepted",
        needs: &["network.reachable"],
    },
    CheckDef {
        id: "auth.identity",
        title: "The identity is materialized in the organization",
        needs: &["auth.credentials"],
    },
    CheckDef {
        id: "auth.directory",
        title: "The token is from the organization's directory",
        needs: &["auth.credentials"],
    },
    CheckDef {
        id: "auth.policy",
        title: "Organization policies allow this sign-in",
        needs: &["auth.credentials"],
    },
    CheckDef {
        id: "auth.expiry",
        title: "The credential does not expire within 14 days",
        needs: &["auth.credentials"],
    },
    CheckDef {
        id: "project.access",
        title: "The project exists and is readable",
        needs: &["auth.identity", "auth.policy"],
    },
    CheckDef {
        id: "project.process",
        title: "The project's process is supported",
        needs: &["project.access"],
    },
    CheckDef {
        id: "scope.read",
        title: "Work item metadata is readable",
        needs: &["project.access"],
    },
    CheckDef {
        id: "scope.write",
        title: "Work items can be created",
        needs: &["mapping.work_item_type"],
    },
    CheckDef {
        id: "permission.project_admin",
        title: "The user is a Project Administrator",
        needs: &["project.access"],
    },
    CheckDef {
        id: "permission.service_hooks",
        title: "The user may create service hooks",
        needs: &["project.access"],
    },
    CheckDef {
        id: "permission.tags",
        title: "The user may create tags",
        needs: &["project.access"],
    },
    CheckDef {
        id: "mapping.work_item_type",
        title: "The work item type exists and is enabled",
        needs: &["scope.read"],
    },
    CheckDef {
        id: "mapping.area_path",
        title: "The area path exists",
        needs: &["scope.read"],
    },
    CheckDef {
        id: "mapping.iteration_path",
        title: "The iteration path exists",
        needs: &["scope.read"],
    },
    CheckDef {
        id: "mapping.priority",
        title: "Every mapped priority is allowed",
        needs: &["mapping.work_item_type"],
    },
    CheckDef {
        id: "mapping.assignee",
        title: "The assignee is a user of the project",
        needs: &["scope.read"],
    },
    CheckDef {
        id: "mapping.required_fields",
        title: "Every required field has a value",
        needs: &["mapping.work_item_type"],
    },
    CheckDef {
        id: "mapping.dry_run",
        title: "A dry-run create with the whole mapping succeeds",
        needs: &["scope.write", "mapping.area_path", "mapping.iteration_path"],
    },
    CheckDef {
        id: "storage.secret",
        title: "The secret store works and holds the secret",
        needs: &[],
    },
    CheckDef {
        id: "storage.config",
        title: "The config file is readable, valid and private",
        needs: &[],
    },
];

/// The definition of a check id.
pub fn def(id: &str) -> Option<&'static CheckDef> {
    CATALOGUE.iter().find(|d| d.id == id)
}

/// `id` and every check it needs, directly or through another check.
pub fn closure(id: &str) -> std::collections::HashSet<&'static str> {
    let mut out = std::collections::HashSet::new();
    let mut todo: Vec<&'static str> = def(id).map(|d| d.id).into_iter().collect();
    while let Some(next) = todo.pop() {
        if out.insert(next) {
            todo.extend(def(next).map_or(&[][..], |d| d.needs));
        }
    }
    out
}

/// A check's result (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One check as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    /// Set when the status is not `pass`.
    pub code: Option<String>,
    pub message: String,
    /// The exact steps or command that resolve it.
    pub fix: Vec<String>,
    pub duration_ms: u64,
    /// HTTP status and support id of the answer behind a failure, for the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpTrace>,
    /// The fields a mapping check found wrong, each with what it needs (the
    /// wizard shows them on the field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

/// A work item field a check found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub reference_name: String,
    pub message: String,
}

/// What Azure DevOps answered, for support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpTrace {
    pub status: Option<u16>,
    pub activity_id: Option<String>,
}

/// What is checked: a saved connection or the flags of an ad hoc run.
#[derive(Debug, Clone)]
pub struct Subject {
    pub name: Option<String>,
    pub deployment: Deployment,
    /// Services: the organization name (or URL as typed); Server: the collection URL.
    pub target: String,
    pub project: Option<String>,
    /// The project's id, when known (a saved connection): the permission
    /// checks need not wait for the project to be read.
    pub project_id: Option<String>,
    /// The api-version a saved Server connection negotiated: requests that
    /// need no project go out with the sign-in.
    pub api_version: Option<String>,
    pub access: Access,
    /// The PAT, when one was found.
    pub pat: Option<SecretString>,
    /// Where the PAT came from, in words (for messages; never the PAT).
    pub pat_source: String,
    /// The saved secret's store answered with an error (locked, gone, hung):
    /// `auth.credentials` says so instead of "no secret".
    pub secret_unreadable: Option<crate::store::SecretError>,
    /// Microsoft sign-in (device code): the saved refresh token and app.
    /// When set, it is used instead of `pat`.
    pub entra: Option<EntraSign>,
    /// Unattended sign-in (managed identity, service principal, Azure
    /// CLI): a token is acquired for the run. When set (and `entra` is not),
    /// it is used instead of `pat`.
    pub unattended: Option<crate::auth::Unattended>,
    pub work_item_type: Option<String>,
    pub area_path: Option<String>,
    pub iteration_path: Option<String>,
    pub priority_map: PriorityMap,
    pub assignee: Option<String>,
    pub field_defaults: BTreeMap<String, String>,
}

impl Subject {
    /// What `target` (an organization, or a collection URL) is, and nothing
    /// more: no name, project, secret or mapping (read-write access, the
    /// default priority map). Callers set what they know on top.
    pub fn bare(deployment: Deployment, target: impl Into<String>) -> Subject {
        Subject {
            name: None,
            deployment,
            target: target.into(),
            project: None,
            project_id: None,
            api_version: None,
            access: Access::ReadWrite,
            pat: None,
            pat_source: String::new(),
            secret_unreadable: None,
            entra: None,
            unattended: None,
            work_item_type: None,
            area_path: None,
            iteration_path: None,
            priority_map: PriorityMap::default(),
            assignee: None,
            field_defaults: BTreeMap::new(),
        }
    }

    /// The connection's `auth_method` as the checks use it.
    pub fn auth_method(&self) -> crate::store::config::AuthMethod {
        use crate::store::config::AuthMethod;
        match (&self.entra, &self.unattended) {
            (Some(_), _) => AuthMethod::DeviceCode,
            (None, Some(u)) => u.method(),
            (None, None) => AuthMethod::Pat,
        }
    }
}

/// A saved Microsoft sign-in. `Debug` shows no token.
#[derive(Debug, Clone)]
pub struct EntraSign {
    pub app: crate::auth::EntraApp,
    pub refresh_token: SecretString,
    /// The tenant saved with the connection (the organization's answer wins).
    pub tenant: Option<String>,
}

/// Where and with what the checks run.
#[derive(Clone)]
pub struct Context {
    pub http: HttpClient,
    pub devops_base: Url,
    pub extra_endpoints: Vec<Url>,
    pub allow_http: bool,
    /// The config store of a saved connection (`storage.config`).
    pub config: Option<ConfigStore>,
    /// The secret store of a saved connection (`storage.secret`).
    pub secrets: Option<SecretStore>,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

/// Every outcome of a run, in catalogue order.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<CheckOutcome>,
    /// `direct`, `proxy`, `partial` or `blocked`, when the allowlist was probed.
    pub allowlist_status: Option<String>,
    /// The base URL the checks used.
    pub base_url: Option<String>,
    /// The refresh token Entra ID renewed during the run (Microsoft
    /// sign-in), for the caller to store in place of the old one.
    pub renewed_secret: Option<SecretString>,
    /// What the run established, for saving a connection from it.
    pub facts: Facts,
}

/// What a run established along the way (only what passed its check).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub api_version: Option<String>,
    pub user: Option<crate::store::config::ConnectionUser>,
    /// The organization's Entra tenant, as its answer named it.
    pub tenant: Option<String>,
    pub project: Option<String>,
    pub project_id: Option<String>,
    pub process: Option<String>,
    pub work_item_type: Option<String>,
    pub area_path: Option<String>,
    pub iteration_path: Option<String>,
}

impl Report {
    /// Counts per status.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for o in &self.outcomes {
            match o.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Skip => s.skip += 1,
            }
        }
        s
    }

    /// One check's outcome.
    pub fn get(&self, id: &str) -> Option<&CheckOutcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_every_spec_check_once_and_needs_come_first_or_are_known() {
        let ids: Vec<&str> = CATALOGUE.iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), 24);
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 24, "duplicate ids");
        for d in CATALOGUE {
            for n in d.needs {
                assert!(ids.contains(n), "{} needs unknown {n}", d.id);
                assert_ne!(*n, d.id);
            }
        }
        assert_eq!(ids.first(), Some(&"target.url"));
        assert_eq!(ids.last(), Some(&"storage.config"));
    }

    #[test]
    fn a_checks_closure_holds_it_and_everything_it_needs() {
        let c = closure("mapping.dry_run");
        for id in [
            "mapping.dry_run",
            "scope.write",
            "mapping.work_item_type",
            "scope.read",
            "project.access",
            "auth.identity",
            "auth.policy",
            "auth.credentials",
            "network.reachable",
            "target.url",
            "mapping.area_path",
        ] {
            assert!(c.contains(id), "{id} missing");
        }
        assert!(!c.contains("network.allowlist"));
        assert!(!c.contains("storage.secret"));
        assert!(!c.contains("permission.tags"));
        assert_eq!(closure("storage.config").len(), 1);
        assert!(closure("no.such").is_empty());
    }
}

//! The check catalogue (SPEC §4), shared by the wizard (Review, Field
//! mapping validation, the TUI troubleshooter) and `doctor`: every check
//! with its stable id, order, prerequisites, codes and fixes, implemented
//! once. This file only names the parts: `catalogue` (the checks), `subject`
//! (what is checked, with what), `report` (what a run reports); one
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
mod catalogue;
mod dry_run;
mod early;
mod mapping;
mod network;
mod outcome;
mod permission;
mod project;
mod report;
mod run;
mod saved;
mod storage;
mod subject;
mod target;

pub use catalogue::{CATALOGUE, CheckDef, closure, def};
pub use mapping::required_fields;
pub use project::{
    ProjectDefaults, below_root, field_form, process_name, project_defaults, scope_problem,
};
pub use report::{CheckOutcome, Facts, FieldProblem, HttpTrace, Report, Status, Summary};
pub use run::{run, run_one, run_some};
pub use saved::{keep_renewed_secret, saved_subject};
pub use subject::{Context, EntraSign, Subject};

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

//! The catalogue (SPEC §4): every check with its stable id, title,
//! family and prerequisites, in the order a run reports them.

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

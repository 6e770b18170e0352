//! `permission.project_admin`, `permission.service_hooks` and
//! `permission.tags` (SPEC §4): what the user may do in the project, read
//! with `_apis/permissions` (namespaces and bit names from
//! `_apis/securitynamespaces`, tokens per Microsoft's namespace reference).

use std::time::Instant;

use super::outcome::{from_error, not_pass, pass, skip};
use super::report::{CheckOutcome, Status};
use crate::ado::client::AdoClient;
use crate::ado::error::AdoError;
use crate::ado::models::{SecurityNamespace, security_namespace};
use crate::store::config::Access;

/// The three permission checks.
pub(super) const PERMISSION_IDS: [&str; 3] = [
    "permission.project_admin",
    "permission.service_hooks",
    "permission.tags",
];

/// The three permission checks for the project `project_id`: the
/// namespaces once (`namespaces`: already read, if they were), then one
/// evaluation each, concurrently.
pub(super) async fn permissions(
    c: &AdoClient,
    project_id: &str,
    access: Access,
    namespaces: Option<Result<Vec<SecurityNamespace>, AdoError>>,
) -> Vec<CheckOutcome> {
    let started = Instant::now();
    let ids = PERMISSION_IDS;
    // The namespaces were read alongside the project.
    let namespaces = match namespaces {
        Some(Ok(n)) => n,
        Some(Err(e)) => return ids.iter().map(|id| from_error(id, &e, started)).collect(),
        None => match c.security_namespaces().await {
            Ok(n) => n,
            Err(e) => return ids.iter().map(|id| from_error(id, &e, started)).collect(),
        },
    };
    let want = [
        (
            ids[0],
            security_namespace::PROJECT,
            "GENERIC_WRITE",
            security_namespace::project_token(project_id),
            "Add the user to Project Administrators: Organization Settings › Users › Manage user › Project Administrators (or Project Settings › Permissions › Project Administrators › Members)",
        ),
        (
            ids[1],
            security_namespace::SERVICE_HOOKS,
            "EditSubscriptions",
            security_namespace::service_hooks_token(project_id),
            "Grant \"Edit subscriptions\" under Project Settings › Permissions (Service hooks), or add the user to Project Administrators",
        ),
        (
            ids[2],
            security_namespace::TAGGING,
            "Create",
            security_namespace::tagging_token(project_id),
            "Grant \"Create tag definition\" under Project Settings › Permissions",
        ),
    ];
    let checks = want.iter().map(|(id, ns, bit_name, token, fix)| {
        let namespaces = &namespaces;
        async move {
            let started = Instant::now();
            if access == Access::ReadOnly && *id != "permission.project_admin" {
                return skip(id, "read-only connection: not needed");
            }
            let Some(bit) = namespaces
                .iter()
                .find(|n| n.namespace_id.eq_ignore_ascii_case(ns))
                .and_then(|n| n.bit_for(bit_name))
            else {
                return not_pass(
                    id,
                    Status::Warn,
                    "PERMISSION_MISSING",
                    format!("the server has no {bit_name} permission to evaluate"),
                    &["Check the permission by hand under Project Settings › Permissions"],
                    started,
                );
            };
            match c.has_permissions(ns, bit, &[token.as_str()]).await {
                Ok(v) if v.first() == Some(&true) => {
                    pass(id, format!("{bit_name} allowed"), started)
                }
                Ok(_) => not_pass(
                    id,
                    Status::Fail,
                    "PERMISSION_MISSING",
                    format!("{bit_name} is not allowed for this user"),
                    &[fix],
                    started,
                ),
                Err(e) => from_error(id, &e, started),
            }
        }
    });
    futures::future::join_all(checks).await
}

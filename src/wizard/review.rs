//! What the Review step shows, as plain data: every answer that will be
//! saved, the checks grouped by what they are about with what each
//! established, and their fixes in the wizard's words (Esc back to a step,
//! a row of Field mapping) rather than the command line's (`--field
//! REF=VALUE`). Pure functions of the wizard's state; no I/O.

use super::{CheckOutcome, CheckStatus, Wizard};
use crate::ado::endpoints::Deployment;
use crate::text::Untrusted;

/// One answer of the Review step: what it is and what will be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub label: &'static str,
    pub value: String,
}

/// The groups the Review step shows the checks in, in order, each with
/// the id prefixes it holds.
pub const CHECK_GROUPS: [(&str, &[&str]); 5] = [
    ("Target and network", &["target.", "network."]),
    ("Sign-in", &["auth."]),
    (
        "Project and permissions",
        &["project.", "scope.", "permission."],
    ),
    ("Field mapping", &["mapping."]),
    ("Secret and config", &["storage."]),
];

/// The group a check id belongs to.
pub fn check_group(id: &str) -> &'static str {
    CHECK_GROUPS
        .iter()
        .find(|(_, prefixes)| prefixes.iter().any(|p| id.starts_with(p)))
        .map_or("Other", |(name, _)| name)
}

/// What a check established, in a few words: its own message, or, where
/// that is a technical name (`GENERIC_WRITE allowed`), what it means.
pub fn established(o: &CheckOutcome) -> String {
    if o.status != CheckStatus::Pass {
        return Untrusted::new(&o.message).to_string();
    }
    match o.id {
        "scope.write" => "can create work items (dry run)".into(),
        "permission.project_admin" => "Project Administrator".into(),
        "permission.service_hooks" => "can create service hooks".into(),
        "permission.tags" => "can create tags".into(),
        "mapping.dry_run" => "accepted; nothing was created".into(),
        _ => Untrusted::new(&o.message).to_string(),
    }
}

/// The Esc presses from Review back to the Field mapping step.
const TO_MAPPING: &str = "Field mapping (Esc twice)";

/// A check's fix in the wizard's words: the command-line flags and
/// commands a fix names (for `doctor` and `connect`) become the step or the
/// Field mapping row that changes the answer. A fix that names none is
/// kept as it is.
pub fn review_fix(id: &str, fix: &str) -> String {
    // A whole fix that is a flag to set.
    if let Some(field) = fix
        .strip_prefix("--field ")
        .and_then(|f| f.strip_suffix("=VALUE"))
    {
        return format!("In {TO_MAPPING}, give {field} a value on its row (marked !)");
    }
    if fix.contains("--pat-stdin") || fix.contains("AZURE_DEVOPS_EXT_PAT") {
        return "Go back to Sign in (Esc) and enter the token again".into();
    }
    if fix.starts_with("Pass --project") {
        return "Go back to Project (Esc) and choose a project you can read".into();
    }
    if fix.contains("--field REF=VALUE") {
        return format!("In {TO_MAPPING}, give each field named a value on its row");
    }
    let mut f = fix
        .replace(
            "(--work-item-type)",
            &format!("({TO_MAPPING} › Work item type)"),
        )
        .replace("(--assignee)", &format!("({TO_MAPPING} › Assignee)"))
        .replace("(--priority-map)", &format!("({TO_MAPPING} › Priority)"))
        .replace("--area-path", &format!("{TO_MAPPING} › Area path"))
        .replace(
            "--iteration-path",
            &format!("{TO_MAPPING} › Iteration path"),
        )
        // Flags of the wizard itself: said as a restart with them.
        .replace(": --tenant ", ": start ado-setup again with --tenant ")
        .replace(
            "with --ca-file PEM",
            "with --ca-file PEM (start ado-setup again with it)",
        )
        .replace(
            "and run `ado-setup doctor`",
            "then press Enter to check again",
        )
        .replace("then run doctor again", "then press Enter to check again");
    // Fixes that send a saved connection back through the wizard: here the
    // wizard is running, so the Sign in step is meant.
    for cmd in ["`ado-setup connect`", "ado-setup connect"] {
        f = f.replace(cmd, "the Sign in step (Esc back to it)");
    }
    if f.contains("--") && id.starts_with("mapping.") {
        // Any other flag of the mapping: the step that sets it.
        return format!("{f} — in the wizard: {TO_MAPPING}");
    }
    f
}

impl Wizard {
    /// Every answer the Review step's save would write, in words (SPEC
    /// §2.8): deployment, organization, project and process, type, area,
    /// iteration, priority map, assignee, required-field values, the
    /// allowlist status, the sign-in and where the secret goes.
    pub fn review_answers(&self) -> Vec<Answer> {
        let clean = |s: &str| Untrusted::new(s).to_string();
        let mut a = Vec::new();
        let mut push = |label, value: String| a.push(Answer { label, value });
        let url = self
            .base_url
            .as_ref()
            .map(|u| u.as_str().trim_end_matches('/').to_string())
            .unwrap_or_default();
        match self.deployment {
            Deployment::Services => {
                push("Deployment", "Azure DevOps Services (cloud)".into());
                push(
                    "Organization",
                    match &self.organization {
                        Some(o) if !url.is_empty() => format!("{} · {url}", clean(o)),
                        Some(o) => clean(o),
                        None => url.clone(),
                    },
                );
            }
            Deployment::Server => {
                push("Deployment", "Azure DevOps Server (self-hosted)".into());
                push("Collection", url.clone());
            }
        }
        let user = self
            .user
            .as_ref()
            .map(|u| {
                format!(
                    " as {}{}",
                    clean(&u.display_name),
                    u.sign_in
                        .as_ref()
                        .map(|s| format!(" <{}>", clean(s)))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let method = match (&self.entra, &self.unattended) {
            (Some(_), _) => "Microsoft sign-in (device code)".to_string(),
            (None, Some((u, _))) => u.describe(),
            (None, None) => "Personal access token".to_string(),
        };
        push("Sign-in", format!("{method}{user}"));
        if let Some(p) = &self.project {
            push(
                "Project",
                format!("{} ({} process)", clean(&p.name), clean(&p.process)),
            );
        }
        if let Some(m) = &self.mapping {
            push("Work item type", clean(&m.work_item_type));
            push("Area path", clean(&m.area_path));
            push("Iteration path", clean(&m.iteration_path));
            push(
                "Priority",
                if m.has_priority {
                    m.priority_map.to_string().replace(',', " · ")
                } else {
                    "not mapped (the type has no Priority field)".into()
                },
            );
            push(
                "Assignee",
                m.assignee
                    .as_deref()
                    .map_or("none: work items are created unassigned".into(), clean),
            );
            if m.field_defaults.is_empty() {
                push("Required fields", "none beyond the standard ones".into());
            }
            for (reference, value) in &m.field_defaults {
                push(
                    "Required field",
                    format!("{} = {}", clean(reference), clean(value)),
                );
            }
        }
        push(
            "Allowlist",
            match self.network.as_deref() {
                Some(probes) => format!(
                    "{} ({} endpoint(s) probed)",
                    super::probes_status(probes).as_str(),
                    probes.len()
                ),
                None => "not probed".into(),
            },
        );
        let stores_nothing = self.entra.is_none()
            && self
                .unattended
                .as_ref()
                .is_some_and(|(u, _)| u.secret().is_none());
        push(
            "Secret",
            if stores_nothing {
                "nothing to store: this sign-in keeps no secret".into()
            } else {
                clean(&self.settings.secret_store)
            },
        );
        a
    }
}

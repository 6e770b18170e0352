//! The Review step (SPEC §2.8). What it shows, as plain data: every answer
//! that will be saved, the checks grouped by what they are about with what
//! each established, and their fixes in the wizard's words (Esc back to a
//! step, a row of Field mapping) rather than the command line's (`--field
//! REF=VALUE`). Then its form: the saved name (suggested, checked against
//! the rules and the saved connections), the checks run on arrival, and
//! Enter, which saves only when every check passed: the connection the
//! answers describe goes to the Save job with its secret.

use crossterm::event::{KeyCode, KeyEvent};
use secrecy::SecretString;
use tui_input::Input;

use super::{
    CheckOutcome, CheckStatus, Effect, Job, MappingInfo, Problem, ReviewRequest, SaveRequest, Step,
    Wizard, edit, probes_status,
};
use crate::ado::endpoints::Deployment;
use crate::store::config::{
    Access, AuthMethod, Connection, ConnectionUser, ProviderKey, validate_connection_name,
};
use crate::text::Untrusted;

// ─── What it shows ──────────────────────────────────────────────────────────

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
        let mut a = self.target_answers();
        a.push(self.sign_in_answer());
        if let Some(p) = &self.project {
            a.push(answer(
                "Project",
                format!("{} ({} process)", clean(&p.name), clean(&p.process)),
            ));
        }
        if let Some(m) = &self.mapping {
            a.extend(mapping_answers(m));
        }
        a.push(answer(
            "Allowlist",
            match self.network.as_deref() {
                Some(probes) => format!(
                    "{} ({} endpoint(s) probed)",
                    probes_status(probes).as_str(),
                    probes.len()
                ),
                None => "not probed".into(),
            },
        ));
        let stores_nothing = self.entra.is_none()
            && self
                .unattended
                .as_ref()
                .is_some_and(|(u, _)| u.secret().is_none());
        a.push(answer(
            "Secret",
            if stores_nothing {
                "nothing to store: this sign-in keeps no secret".into()
            } else {
                clean(&self.settings.secret_store)
            },
        ));
        a
    }

    /// The deployment, and the organization or collection.
    fn target_answers(&self) -> Vec<Answer> {
        let url = self
            .base_url
            .as_ref()
            .map(|u| u.as_str().trim_end_matches('/').to_string())
            .unwrap_or_default();
        match self.deployment {
            Deployment::Services => vec![
                answer("Deployment", "Azure DevOps Services (cloud)".into()),
                answer(
                    "Organization",
                    match &self.organization {
                        Some(o) if !url.is_empty() => format!("{} · {url}", clean(o)),
                        Some(o) => clean(o),
                        None => url.clone(),
                    },
                ),
            ],
            Deployment::Server => vec![
                answer("Deployment", "Azure DevOps Server (self-hosted)".into()),
                answer("Collection", url.clone()),
            ],
        }
    }

    /// How the connection signs in, and as whom.
    fn sign_in_answer(&self) -> Answer {
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
        answer("Sign-in", format!("{method}{user}"))
    }
}

/// The mapping's answers: type, area, iteration, priority, assignee and
/// the required fields' values.
fn mapping_answers(m: &MappingInfo) -> Vec<Answer> {
    let mut a = vec![
        answer("Work item type", clean(&m.work_item_type)),
        answer("Area path", clean(&m.area_path)),
        answer("Iteration path", clean(&m.iteration_path)),
        answer(
            "Priority",
            if m.has_priority {
                m.priority_map.to_string().replace(',', " · ")
            } else {
                "not mapped (the type has no Priority field)".into()
            },
        ),
        answer(
            "Assignee",
            m.assignee
                .as_deref()
                .map_or("none: work items are created unassigned".into(), clean),
        ),
    ];
    if m.field_defaults.is_empty() {
        a.push(answer(
            "Required fields",
            "none beyond the standard ones".into(),
        ));
    }
    for (reference, value) in &m.field_defaults {
        a.push(answer(
            "Required field",
            format!("{} = {}", clean(reference), clean(value)),
        ));
    }
    a
}

fn answer(label: &'static str, value: String) -> Answer {
    Answer { label, value }
}

/// Text from the server, made safe to show.
fn clean(s: &str) -> String {
    Untrusted::new(s).to_string()
}

// ─── The form ───────────────────────────────────────────────────────────────

/// The Review form's saved-name field and its checks.
#[derive(Debug, Default)]
pub struct ReviewState {
    pub name: Input,
    /// The user typed in the name (else it follows the suggestion).
    pub name_edited: bool,
    pub name_error: Option<String>,
    pub checks: Vec<CheckOutcome>,
    /// Lines scrolled past below the name field (↑↓ PgUp PgDn).
    pub scroll: usize,
    /// The furthest `scroll` can go, as the last frame drawn found it (the
    /// screen knows its height; the keys stop there).
    pub max_scroll: std::cell::Cell<usize>,
}

impl Wizard {
    /// `{org}-{project}` (or `{host}-{project}`) in the name rules' shape.
    pub fn suggested_name(&self) -> String {
        let first = self
            .organization
            .clone()
            .or_else(|| {
                self.base_url
                    .as_ref()
                    .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
            })
            .unwrap_or_default();
        let project = self
            .project
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        crate::store::config::suggest_connection_name(&first, &project)
    }

    /// Arriving at Review: the suggested name (unless the user typed one),
    /// and the checks run again.
    pub(super) fn enter_review(&mut self) -> Vec<Effect> {
        if !self.review.name_edited || self.review.name.value().is_empty() {
            self.review.name = Input::new(self.suggested_name());
            self.review.name_edited = false;
        }
        match (self.session(), self.project.clone(), self.mapping.clone()) {
            (Some(session), Some(project), Some(mapping)) => {
                self.review.checks.clear();
                self.review.scroll = 0;
                let extra_endpoints = self.settings.service_endpoints();
                self.spawn(Job::Review(Box::new(ReviewRequest {
                    session,
                    project,
                    mapping,
                    devops_base: self.settings.devops_base.clone(),
                    extra_endpoints,
                    allow_http: self.settings.allow_http,
                })))
            }
            _ => Vec::new(),
        }
    }
}

/// Keys of the Review step: ↑↓ PgUp PgDn scroll, other keys edit the
/// name, Enter saves.
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    // ↑↓ PgUp PgDn scroll the answers and checks (the name field has one
    // line: they edit nothing).
    let page = 10;
    match key.code {
        KeyCode::Up => w.review.scroll = w.review.scroll.saturating_sub(1),
        KeyCode::Down => w.review.scroll = w.review.scroll.saturating_add(1),
        KeyCode::PageUp => w.review.scroll = w.review.scroll.saturating_sub(page),
        KeyCode::PageDown => w.review.scroll = w.review.scroll.saturating_add(page),
        _ => {}
    }
    w.review.scroll = w.review.scroll.min(w.review.max_scroll.get());
    if matches!(
        key.code,
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown
    ) {
        return Vec::new();
    }
    if key.code != KeyCode::Enter {
        if edit(&mut w.review.name, key) {
            w.review.name_edited = true;
            w.review.name_error = None;
        }
        return Vec::new();
    }
    if w.pending.is_some() {
        return Vec::new();
    }
    confirm(w)
}

/// Enter: a name that is valid and free, checks that ran and passed, then
/// the save.
fn confirm(w: &mut Wizard) -> Vec<Effect> {
    let name = w.review.name.value().trim().to_string();
    if let Err(e) = validate_connection_name(&name) {
        w.review.name_error = Some(e.to_string());
        return Vec::new();
    }
    if let Some((_, where_, _)) = w
        .settings
        .existing
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(&name))
    {
        w.review.name_error = Some(format!(
            "a connection named {name} exists already ({where_}); choose another name"
        ));
        return Vec::new();
    }
    if w.review.checks.is_empty() {
        // The checks did not run (or failed to): run them again.
        return w.enter(Step::Review);
    }
    if w.review
        .checks
        .iter()
        .any(|c| c.status == CheckStatus::Fail)
    {
        // Nothing is saved while a check fails; Enter runs them again.
        w.review.checks.clear();
        let effects = w.enter(Step::Review);
        w.problem = Some(Problem::new(
            "CHECKS_FAILED",
            "Some checks failed; nothing was saved. Running them again…",
            "Fix what the failed checks say (Esc goes back to change answers)",
        ));
        return effects;
    }
    save(w, &name)
}

/// The Save job for the connection named `name` and its secret (the
/// refresh token, the unattended sign-in's secret, or the PAT).
fn save(w: &mut Wizard, name: &str) -> Vec<Effect> {
    match build_connection(w, name) {
        Some(connection) => {
            let secret = match (&w.entra, &w.unattended) {
                (Some(e), _) => e.refresh.clone(),
                (None, Some((u, _))) => u
                    .secret()
                    .unwrap_or_else(|| SecretString::from(String::new())),
                (None, None) => SecretString::from(w.pat.value().trim().to_string()),
            };
            let replaces = w.editing.as_ref().map(|c| c.name.clone());
            w.spawn(Job::Save(Box::new(SaveRequest {
                replaces,
                connection,
                secret,
            })))
        }
        None => {
            w.problem = Some(Problem::new(
                "CONFIG_INVALID",
                "Some answers are missing; go back and complete them",
                "Press Esc to go back",
            ));
            Vec::new()
        }
    }
}

/// The connection the answers describe (SPEC §1), without its secret.
pub fn build_connection(w: &Wizard, name: &str) -> Option<Connection> {
    let project = w.project.clone()?;
    let mapping = w.mapping.clone()?;
    let base_url = w.base_url.clone()?;
    let provider_key = match w.deployment {
        Deployment::Services => ProviderKey::AzureDevopsServices,
        Deployment::Server => ProviderKey::AzureDevopsServer,
    };
    Some(Connection {
        name: name.to_string(),
        provider_key,
        deployment_mode: provider_key.deployment_mode(),
        organization: w.organization.clone(),
        base_url: base_url.as_str().trim_end_matches('/').to_string(),
        api_version: w.api_version.clone()?,
        auth_method: match (&w.entra, &w.unattended) {
            (Some(_), _) => AuthMethod::DeviceCode,
            (None, Some((u, _))) => u.method(),
            (None, None) => AuthMethod::Pat,
        },
        access: Access::ReadWrite,
        tenant_id: w.tenant.clone(),
        client_id: match (&w.entra, &w.unattended) {
            (Some(_), _) => Some(w.settings.sign_in.client_id.clone()),
            (None, Some((u, _))) => u.client_id().map(str::to_string),
            (None, None) => None,
        },
        user: w.user.as_ref().map(|u| ConnectionUser {
            display_name: u.display_name.clone(),
            sign_in: u.sign_in.clone(),
        }),
        project: project.name,
        project_id: project.id,
        process: project.process,
        work_item_type: mapping.work_item_type,
        area_path: mapping.area_path,
        iteration_path: mapping.iteration_path,
        priority_map: mapping.priority_map,
        assignee: mapping.assignee,
        field_defaults: mapping.field_defaults,
        allowlist_status: w.network.as_deref().map(probes_status),
        secret_ref: None,
        validated_at: None,
    })
}

//! What a background job sent back, applied to the state. The sign-in
//! probes and the permission checks run beside a step and land whatever
//! the step (unless a newer request replaced them); every other result
//! answers the pending request and is dropped as stale when the user moved
//! on or asked again. One function a kind of result, in the order of the
//! steps.

use secrecy::SecretString;
use tui_input::Input;

use super::mapping::would_create;
use super::{
    Availability, CheckOutcome, CheckStatus, DeviceCode, DeviceView, Effect, EntraSession, Job,
    JobResult, MappingData, MappingForm, MappingInfo, OrgItem, OrganizationOk, Permissions,
    Problem, ProjectInfo, ProjectItem, SavedInfo, SignInMethod, Step, Unavailable, UserInfo,
    Wizard,
};
use crate::wizard::filter::FilterList;

/// Applies the result of job `id`; returns what the driver must do next.
pub(super) fn on_result(w: &mut Wizard, id: u64, result: JobResult) -> Vec<Effect> {
    let result = match result {
        JobResult::MethodProbed { method, available } => {
            method_probed(w, id, method, available);
            return Vec::new();
        }
        JobResult::Permissions {
            project_id,
            outcomes,
        } => {
            permissions_checked(w, id, &project_id, outcomes);
            return Vec::new();
        }
        pending => pending,
    };
    let Some(p) = w.pending else {
        return Vec::new();
    };
    if p.id != id || p.step != w.step {
        return Vec::new(); // stale: the user moved on or asked again
    }
    w.pending = None;
    apply(w, result)
}

/// The availability probes are not pending work: their results count
/// whatever the step, unless a newer probe of the method replaced them.
fn method_probed(
    w: &mut Wizard,
    id: u64,
    method: SignInMethod,
    available: Result<String, Unavailable>,
) {
    if let Some(a) = w.probes.of_mut(method)
        && *a == (Availability::Checking { id })
    {
        *a = match available {
            Ok(detail) => Availability::Available(detail),
            Err(why) => Availability::Unavailable(why),
        };
    }
}

/// Likewise the chosen project's permission checks: they land whatever
/// the step, unless another project was chosen since.
fn permissions_checked(w: &mut Wizard, id: u64, project_id: &str, outcomes: Vec<CheckOutcome>) {
    if w.permissions == (Permissions::Checking { id })
        && w.project.as_ref().is_some_and(|p| p.id == project_id)
    {
        w.permissions = Permissions::Checked(outcomes);
    }
}

/// The result of the pending request, on the step that asked for it.
fn apply(w: &mut Wizard, result: JobResult) -> Vec<Effect> {
    match result {
        JobResult::Failed(problem) => {
            w.problem = Some(problem);
            w.device = None;
            Vec::new()
        }
        // Handled before the pending check.
        JobResult::MethodProbed { .. } | JobResult::Permissions { .. } => Vec::new(),
        JobResult::StoreOpened { description, .. } => store_opened(w, description),
        JobResult::TargetOk { tenant } => {
            w.tenant = tenant;
            let next = w.next_step();
            w.enter(next)
        }
        JobResult::SignedIn {
            user,
            api_version,
            entra,
        } => signed_in(w, user, api_version, entra),
        JobResult::SignedInUnattended {
            user,
            unattended,
            access,
        } => signed_in_unattended(w, user, *unattended, access),
        JobResult::CertificateUnreadable(problem) => {
            w.sp_error = Some(problem);
            w.sp_on_secret = true;
            Vec::new()
        }
        JobResult::DeviceCode(code) => device_code(w, code),
        JobResult::Organizations(items) => organizations(w, items),
        JobResult::OrganizationOk(ok) => organization_ok(w, *ok),
        JobResult::Projects(items) => projects(w, items),
        JobResult::ProjectOk(info) => project_ok(w, info),
        JobResult::MappingLoaded(data) => mapping_loaded(w, data),
        JobResult::TypeFields(fields) => {
            if let Some(f) = w.form.as_mut() {
                f.set_fields(fields);
            }
            Vec::new()
        }
        JobResult::MappingChecked { mapping, outcomes } => mapping_checked(w, mapping, outcomes),
        JobResult::Network(rows) => {
            w.network = Some(rows);
            w.notice = None;
            Vec::new()
        }
        JobResult::AllowlistSaved(path) => {
            w.notice = Some(format!("Saved the firewall request to {path}"));
            Vec::new()
        }
        JobResult::Reviewed(rows) => reviewed(w, rows),
        JobResult::Saved(info) => saved(w, info),
        JobResult::Troubleshot {
            outcomes,
            only: Some(_),
        } => troubleshot_one(w, outcomes),
        JobResult::Troubleshot {
            outcomes,
            only: None,
        } => troubleshot_all(w, outcomes),
    }
}

// ─── Storage ────────────────────────────────────────────────────────────────

/// The store chosen instead of the OS keyring is open: on to the menu (or
/// the first question).
fn store_opened(w: &mut Wizard, description: String) -> Vec<Effect> {
    w.settings.secret_store = description;
    w.settings.store_problem = None;
    w.menu_index = 0;
    w.step = if w.settings.existing.is_empty() {
        Step::Deployment
    } else {
        Step::Menu
    };
    Vec::new()
}

// ─── Sign in and organization ───────────────────────────────────────────────

/// Signed in with a PAT, or with Microsoft (device code): on.
fn signed_in(
    w: &mut Wizard,
    user: UserInfo,
    api_version: String,
    entra: Option<EntraSession>,
) -> Vec<Effect> {
    w.user = Some(user);
    w.api_version = Some(api_version);
    w.device = None;
    w.entra = entra;
    let next = w.next_step();
    w.enter(next)
}

/// Signed in unattended: the token is kept, a typed secret is not.
fn signed_in_unattended(
    w: &mut Wizard,
    user: UserInfo,
    unattended: crate::auth::Unattended,
    access: SecretString,
) -> Vec<Effect> {
    w.user = Some(user);
    w.api_version = Some("7.1".into());
    w.unattended = Some((unattended, access));
    w.sp_secret = Input::default();
    let next = w.next_step();
    w.enter(next)
}

/// A device code to show; the wait for the user's approval starts at once.
fn device_code(w: &mut Wizard, code: Box<DeviceCode>) -> Vec<Effect> {
    w.device = Some(DeviceView {
        user_code: code.user_code.clone(),
        verification_uri: code.verification_uri.clone(),
        expires_in: code
            .expires_at
            .saturating_duration_since(std::time::Instant::now())
            .as_secs(),
        issued_tick: w.tick,
    });
    let Some(base_url) = w.base_url.clone() else {
        return Vec::new();
    };
    let job = Job::DeviceWait {
        app: w.entra_app(),
        code,
        base_url,
        org_tenant: w.tenant.clone(),
    };
    w.spawn(job)
}

/// The user's organizations, the known one selected.
fn organizations(w: &mut Wizard, items: Vec<OrgItem>) -> Vec<Effect> {
    w.orgs = FilterList::new(items);
    w.orgs_loaded = true;
    if let Some(org) = w.organization.clone() {
        w.orgs
            .select_where(|o: &OrgItem| o.name.eq_ignore_ascii_case(&org));
    }
    Vec::new()
}

/// The chosen organization, signed in to: another one forgets the
/// projects; on.
fn organization_ok(w: &mut Wizard, ok: OrganizationOk) -> Vec<Effect> {
    let OrganizationOk {
        organization,
        base_url,
        tenant,
        user,
        entra,
    } = ok;
    if w.organization.as_deref() != Some(organization.as_str()) {
        w.project_hint = None;
        w.projects = FilterList::new(Vec::new());
        w.projects_loaded = false;
        w.forget_from_project();
    }
    w.organization = Some(organization);
    w.base_url = Some(base_url);
    w.tenant = tenant;
    w.user = Some(user);
    w.entra = Some(entra);
    let next = w.next_step();
    w.enter(next)
}

// ─── Project ────────────────────────────────────────────────────────────────

/// The projects, the hinted one selected.
fn projects(w: &mut Wizard, items: Vec<ProjectItem>) -> Vec<Effect> {
    w.projects = FilterList::new(items);
    w.projects_loaded = true;
    if let Some(hint) = w.project_hint.clone() {
        w.projects
            .select_where(|p: &ProjectItem| p.name.eq_ignore_ascii_case(&hint));
    }
    Vec::new()
}

/// The chosen project checks out: its permission checks start beside the
/// Field mapping step, which comes next.
fn project_ok(w: &mut Wizard, info: ProjectInfo) -> Vec<Effect> {
    w.project = Some(info);
    w.form = None;
    w.mapping = None;
    w.network = None;
    let mut effects = w.check_permissions();
    let next = w.next_step();
    effects.extend(w.enter(next));
    effects
}

// ─── Field mapping ──────────────────────────────────────────────────────────

/// The Field mapping form, with the project's defaults or, when editing
/// (or resuming), the saved mapping where it still fits the project.
fn mapping_loaded(w: &mut Wizard, data: Box<MappingData>) -> Vec<Effect> {
    let mut form = MappingForm::new(data);
    w.mapping = None;
    // Editing: the saved mapping where it still fits the project.
    let mut effects = Vec::new();
    if let Some(c) = w.editing.as_ref().or(w.resumed.as_ref())
        && !c.work_item_type.is_empty()
        && w.project
            .as_ref()
            .is_some_and(|p| p.name.eq_ignore_ascii_case(&c.project))
    {
        if form.data.areas.contains_path(&c.area_path) {
            form.area = c.area_path.clone();
        }
        if form.data.iterations.contains_path(&c.iteration_path) {
            form.iteration = c.iteration_path.clone();
        }
        form.priority = c.priority_map;
        form.assignee = c.assignee.clone();
        form.values = c.field_defaults.clone();
        if c.work_item_type != form.work_item_type
            && form.data.types.iter().any(|t| t.name == c.work_item_type)
        {
            form.work_item_type = c.work_item_type.clone();
            form.loading_fields = true;
            if let (Some(session), Some(project)) = (w.session(), w.project.clone()) {
                effects = w.spawn(Job::LoadTypeFields {
                    session,
                    project,
                    work_item_type: c.work_item_type.clone(),
                });
            }
        }
        form.row = form.rows().len() - 1;
    }
    w.form = Some(form);
    effects
}

/// The mapping checks' verdict: passed, the dry run's words shown on the
/// form (Enter goes on); failed, each problem on its row and the first
/// such row focused.
fn mapping_checked(
    w: &mut Wizard,
    mapping: Box<MappingInfo>,
    outcomes: Vec<CheckOutcome>,
) -> Vec<Effect> {
    let Some(form) = w.form.as_mut() else {
        return Vec::new();
    };
    let general = form.file_outcomes(&outcomes);
    let failed: Vec<&CheckOutcome> = outcomes
        .iter()
        .filter(|o| o.status == CheckStatus::Fail)
        .collect();
    if failed.is_empty() {
        // Shown on the form; Enter goes on (SPEC §2.6: the dry run's
        // result is seen before the step advances).
        form.verified = Some(((*mapping).clone(), would_create(&mapping)));
        form.row = form.rows().len().saturating_sub(1);
        w.mapping = Some(*mapping);
        return Vec::new();
    }
    let code = failed
        .iter()
        .find_map(|o| o.code.clone())
        .unwrap_or_else(|| "MAPPING_REJECTED".into());
    let marked = form.errors.len();
    let mut message = if marked > 0 {
        format!("{marked} field(s) need attention (marked ✗); nothing was created")
    } else {
        "the mapping was refused; nothing was created".to_string()
    };
    if let Some(first) = general.first() {
        message.push_str(&format!(": {first}"));
    }
    let fix = failed
        .iter()
        .flat_map(|o| o.fix.first())
        .next()
        .cloned()
        .unwrap_or_else(|| "Change the marked fields (Enter on a field), then check again".into());
    // Focus the first row with a problem.
    let rows = form.rows();
    if let Some(i) = rows
        .iter()
        .position(|r| form.errors.contains_key(r.key(form)))
    {
        form.row = i;
    }
    w.problem = Some(Problem::new(&code, message, fix));
    Vec::new()
}

// ─── Review and save ────────────────────────────────────────────────────────

/// The Review step's checks.
fn reviewed(w: &mut Wizard, rows: Vec<CheckOutcome>) -> Vec<Effect> {
    // "Nothing was saved" stays while a check still fails.
    let still_failing = rows.iter().any(|c| c.status == CheckStatus::Fail);
    if !still_failing
        || w.problem
            .as_ref()
            .is_some_and(|p| p.code != "CHECKS_FAILED")
    {
        w.problem = None;
    }
    w.review.checks = rows;
    Vec::new()
}

/// Saved: the Done step.
fn saved(w: &mut Wizard, info: SavedInfo) -> Vec<Effect> {
    w.saved = Some(info);
    // The secret is saved; it no longer needs to be held.
    w.pat = Input::default();
    w.entra = None;
    w.step = Step::Done;
    Vec::new()
}

// ─── Troubleshoot ───────────────────────────────────────────────────────────

/// One check re-ran: its row (and those it needs) change, the selection
/// and the open guidance stay.
fn troubleshot_one(w: &mut Wizard, rows: Vec<CheckOutcome>) -> Vec<Effect> {
    w.trouble.rerun = None;
    for fresh in rows {
        match w.trouble.outcomes.iter_mut().find(|o| o.id == fresh.id) {
            Some(old) => *old = fresh,
            None => w.trouble.outcomes.push(fresh),
        }
    }
    Vec::new()
}

/// Every check ran: the list opens on the first failure (or warning),
/// where help is needed.
fn troubleshot_all(w: &mut Wizard, rows: Vec<CheckOutcome>) -> Vec<Effect> {
    w.trouble.rerun = None;
    // Open on the first failure (or warning), where help is needed.
    w.trouble.index = rows
        .iter()
        .position(|c| c.status == CheckStatus::Fail)
        .or_else(|| rows.iter().position(|c| c.status == CheckStatus::Warn))
        .unwrap_or(0);
    w.trouble.outcomes = rows;
    w.trouble.detail = false;
    Vec::new()
}

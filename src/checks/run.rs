//! One run of the catalogue, in stages that follow the prerequisites.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

use super::early::Pre;
use super::{CheckOutcome, Context, HttpTrace, Report, Status, Subject, def};
use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::endpoints::Deployment;
use crate::ado::error::{AdoError, AuthFailure};
use crate::ado::http::Credential;
use crate::ado::models::{
    JsonPatchOperation, Process, SecurityNamespace, WorkItemType, WorkItemTypeField,
    security_namespace,
};
use crate::ado::negotiate::who_am_i;
use crate::ado::probe::probe_azure_devops;
use crate::ado::version::ApiVersion;
use crate::net::allowlist::probes_status;
use crate::net::probe::probe_endpoints_staged;
use crate::net::target::{parse_server_url, parse_services_target};
use crate::store::config::{Access, Severity};

/// The PAT scopes to tick, as a fix line.
const PAT_SCOPES: &str = "Under User settings › Personal access tokens, edit the token and tick \
     Work Items (Read & write) and Project and Team (Read)";

/// Fields every work item gets without a mapping (SPEC §4: the standard ones
/// and what the service fills in itself).
const STANDARD_FIELDS: &[&str] = &[
    "System.Title",
    "System.State",
    "System.AreaPath",
    "System.IterationPath",
    "System.AreaId",
    "System.IterationId",
    "System.WorkItemType",
    "System.TeamProject",
    "System.Reason",
];

struct Run {
    outcomes: HashMap<&'static str, CheckOutcome>,
    /// A refresh token the service renewed during the run (to be saved).
    renewed_secret: Option<SecretString>,
    facts: super::Facts,
    /// The checks this run evaluates (`None`: all of them).
    focus: Option<HashSet<&'static str>>,
}

/// `f()`'s output when `yes`, without starting it otherwise.
async fn maybe<F: std::future::Future>(yes: bool, f: impl FnOnce() -> F) -> Option<F::Output> {
    if yes { Some(f().await) } else { None }
}

fn ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn title(id: &'static str) -> &'static str {
    def(id).map_or(id, |d| d.title)
}

fn pass(id: &'static str, message: impl Into<String>, started: Instant) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status: Status::Pass,
        code: None,
        message: message.into(),
        fix: Vec::new(),
        duration_ms: ms(started),
        http: None,
        fields: Vec::new(),
    }
}

fn not_pass(
    id: &'static str,
    status: Status,
    code: &str,
    message: impl Into<String>,
    fix: &[&str],
    started: Instant,
) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status,
        code: Some(code.to_string()),
        message: message.into(),
        fix: fix.iter().map(|s| s.to_string()).collect(),
        duration_ms: ms(started),
        http: None,
        fields: Vec::new(),
    }
}

/// A failure whose fix is computed (an error's own `fix()`).
fn fail_with(
    id: &'static str,
    code: &str,
    message: impl Into<String>,
    fix: String,
    started: Instant,
) -> CheckOutcome {
    // A computed fix may run over several lines (steps, alternatives): each
    // is a fix of its own, as they would be flattened into one otherwise.
    CheckOutcome {
        fix: fix
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        ..not_pass(id, Status::Fail, code, message, &[], started)
    }
}

fn skip(id: &'static str, why: impl Into<String>) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status: Status::Skip,
        code: None,
        message: why.into(),
        fix: Vec::new(),
        duration_ms: 0,
        http: None,
        fields: Vec::new(),
    }
}

fn from_error(id: &'static str, e: &AdoError, started: Instant) -> CheckOutcome {
    CheckOutcome {
        id,
        title: title(id),
        status: Status::Fail,
        code: Some(e.code().to_string()),
        message: e.to_string(),
        fix: vec![e.fix()],
        duration_ms: ms(started),
        http: Some(HttpTrace {
            status: e.status(),
            activity_id: e.support_ids().and_then(|i| i.activity_id.clone()),
        }),
        fields: Vec::new(),
    }
}

/// The three permission checks.
const PERMISSION_IDS: [&str; 3] = [
    "permission.project_admin",
    "permission.service_hooks",
    "permission.tags",
];

/// The api-version known before any request: Services', or the one a
/// saved Server connection negotiated.
fn known_version(subject: &Subject) -> Option<ApiVersion> {
    match subject.deployment {
        Deployment::Services => Some(ApiVersion::SERVICES),
        Deployment::Server => subject.api_version.as_deref().and_then(ApiVersion::parse),
    }
}

impl Run {
    fn new(focus: Option<HashSet<&'static str>>) -> Run {
        Run {
            outcomes: HashMap::new(),
            renewed_secret: None,
            facts: super::Facts::default(),
            focus,
        }
    }

    /// Takes what a stage run on its own found (the early sign-in).
    fn absorb(&mut self, other: Run) {
        self.outcomes.extend(other.outcomes);
        if other.renewed_secret.is_some() {
            self.renewed_secret = other.renewed_secret;
        }
        if other.facts.api_version.is_some() {
            self.facts.api_version = other.facts.api_version;
        }
        if other.facts.user.is_some() {
            self.facts.user = other.facts.user;
        }
    }

    fn set(&mut self, o: CheckOutcome) {
        self.outcomes.insert(o.id, o);
    }

    /// Why `id` cannot run, when a prerequisite did not pass or warn.
    fn blocked(&self, id: &str) -> Option<String> {
        for need in def(id).map_or(&[][..], |d| d.needs) {
            match self.outcomes.get(need).map(|o| o.status) {
                Some(Status::Pass | Status::Warn) => {}
                Some(Status::Fail) => return Some(format!("needs {need}, which failed")),
                Some(Status::Skip) | None => {
                    return Some(format!("needs {need}, which did not run"));
                }
            }
        }
        None
    }

    /// Marks `ids` skipped where blocked; returns whether all of them may run.
    fn gate(&mut self, ids: &[&'static str]) -> bool {
        let mut all = true;
        for id in ids {
            if let Some(why) = self.blocked(id) {
                self.set(skip(id, why));
                all = false;
            }
        }
        all
    }

    /// Whether this run evaluates `id`.
    fn wants(&self, id: &str) -> bool {
        self.focus.as_ref().is_none_or(|f| f.contains(id))
    }

    /// Whether this run evaluates any of `ids`.
    fn wants_any(&self, ids: &[&str]) -> bool {
        ids.iter().any(|id| self.wants(id))
    }

    fn ok(&self, id: &str) -> bool {
        matches!(
            self.outcomes.get(id).map(|o| o.status),
            Some(Status::Pass | Status::Warn)
        )
    }
}

/// Runs every check of the catalogue for `subject`.
pub async fn run(subject: &Subject, ctx: &Context) -> Report {
    run_focused(subject, ctx, None).await
}

/// Runs one check and the checks it needs (transitively), and nothing else:
/// "re-run this check". The report holds only those checks, in catalogue
/// order.
pub async fn run_one(subject: &Subject, ctx: &Context, id: &str) -> Report {
    run_focused(subject, ctx, Some(super::closure(id))).await
}

/// Runs these checks and the checks they need (the wizard's Field mapping
/// validation: every `mapping.*` check).
pub async fn run_some(subject: &Subject, ctx: &Context, ids: &[&str]) -> Report {
    let focus = ids.iter().flat_map(|id| super::closure(id)).collect();
    run_focused(subject, ctx, Some(focus)).await
}

async fn run_focused(
    subject: &Subject,
    ctx: &Context,
    focus: Option<HashSet<&'static str>>,
) -> Report {
    let mut r = Run {
        outcomes: HashMap::new(),
        renewed_secret: None,
        facts: super::Facts::default(),
        focus,
    };
    let mut allowlist = None;
    // The organization's Entra tenant, as its unauthenticated answer names it.
    let mut org_tenant: Option<String> = None;

    // ─── Local: the target's syntax, the stores ─────────────────────────────
    let started = Instant::now();
    let base = match target_url(subject, ctx) {
        Ok((base, warnings)) => {
            let msg = if warnings.is_empty() {
                base.as_str().trim_end_matches('/').to_string()
            } else {
                format!(
                    "{} ({})",
                    base.as_str().trim_end_matches('/'),
                    warnings.join("; ")
                )
            };
            r.set(pass("target.url", msg, started));
            Some(base)
        }
        Err(o) => {
            r.set(*o);
            None
        }
    };
    let (secret_o, config_o) = tokio::join!(
        maybe(r.wants("storage.secret"), || storage_secret(subject, ctx)),
        maybe(r.wants("storage.config"), || storage_config(ctx)),
    );
    secret_o.into_iter().chain(config_o).for_each(|o| r.set(o));

    // ─── Round trip 1: the network probes and, for a PAT, the sign-in ───────
    // A PAT needs nothing from the probes, so who-am-I (and a Server's
    // api-version) go out with them, and round trip 2 goes out as soon as
    // the sign-in is known; what came early is reported only where the
    // prerequisites passed. A Microsoft or unattended sign-in needs the
    // organization's tenant from the probe first.
    let auth_ids = [
        "auth.credentials",
        "auth.identity",
        "auth.directory",
        "auth.policy",
        "auth.expiry",
    ];
    let wants_auth = r.wants_any(&auth_ids);
    let wants_net = r.wants_any(&["network.reachable", "network.allowlist"]);
    let pat_sign_in = subject.entra.is_none() && subject.unattended.is_none();
    let mut pre = Pre::default();
    // Org-level reads that need no project id go out with the sign-in when
    // the api-version is known without negotiating (Services, or a saved
    // Server connection's): the permission names, the assignee's teams.
    if wants_auth
        && pat_sign_in
        && let (Some(b), Some(pat), Some(v)) = (&base, &subject.pat, known_version(subject))
        && let Ok(c) = AdoClient::new(ctx.http.clone(), b.clone(), Credential::Pat(pat.clone()), v)
    {
        if r.wants("project.access") && r.wants_any(&PERMISSION_IDS) {
            pre.namespaces(&c);
        }
        if r.wants("mapping.assignee")
            && let (Some(project), Some(who)) = (&subject.project, &subject.assignee)
        {
            pre.assignee(&c, project, who);
        }
    }
    let net = async {
        match (&base, wants_net) {
            (Some(b), true) => Some(network_stage(&r, subject, ctx, b).await),
            _ => None,
        }
    };
    let focus = r.focus.clone();
    let early_sign_in = async {
        match (&base, wants_auth && pat_sign_in) {
            (Some(b), true) => {
                let mut sub = Run::new(focus);
                let c = sign_in(&mut sub, subject, ctx, b.clone(), None).await;
                if let Some(c) = &c {
                    pre.start(c, subject, &|id| sub.wants(id));
                }
                Some((sub, c))
            }
            _ => None,
        }
    };
    let (net, early_sign_in) = tokio::join!(net, early_sign_in);
    match net {
        Some(n) => {
            n.outcomes.into_iter().for_each(|o| r.set(o));
            allowlist = n.allowlist;
            org_tenant = n.tenant;
        }
        None if wants_net && base.is_none() => {
            r.gate(&["network.reachable", "network.allowlist"]);
        }
        None => {}
    }

    // ─── Sign-in: who am I, and what that answer says ───────────────────────
    let mut client = None;
    if wants_auth
        && r.gate(&["auth.credentials"])
        && let Some(base) = base.clone()
    {
        client = match early_sign_in {
            Some((sub, c)) => {
                r.absorb(sub);
                c
            }
            None => {
                let c = sign_in(&mut r, subject, ctx, base, org_tenant.as_deref()).await;
                if let Some(c) = &c {
                    pre.start(c, subject, &|id| r.wants(id));
                }
                c
            }
        };
    }
    r.gate(&[
        "auth.identity",
        "auth.directory",
        "auth.policy",
        "auth.expiry",
    ]);

    // ─── Round trip 2: the project ──────────────────────────────────────────
    let mut project = None;
    if r.wants("project.access")
        && r.gate(&["project.access"])
        && let Some(c) = &client
    {
        let started = Instant::now();
        let found = match &subject.project {
            Some(name) => Some(match pre.project.take().await {
                Some(p) => p,
                None => c.project(name).await,
            }),
            None => None,
        };
        match (&subject.project, found) {
            (None, _) | (_, None) => r.set(not_pass(
                "project.access",
                Status::Fail,
                "PROJECT_NOT_FOUND",
                "no project given",
                &["Pass --project NAME, or check a saved connection: ado-setup doctor NAME"],
                started,
            )),
            (Some(name), Some(found)) => match found {
                Ok(p) => {
                    r.set(pass(
                        "project.access",
                        format!("{} ({})", p.name, p.id),
                        started,
                    ));
                    r.facts.project_id = Some(p.id.clone());
                    r.facts.project = Some(p.name.clone());
                    r.facts.process = Some(process_name(&p));
                    project = Some(p);
                }
                Err(e) => {
                    let mut o = from_error("project.access", &e, started);
                    if matches!(e, AdoError::NotFound { .. }) {
                        o.code = Some("PROJECT_NOT_FOUND".into());
                        o.fix = vec![format!(
                            "Check the name {name:?}, and that this account is a member: \
                             Organization Settings › Users › Manage user › Projects"
                        )];
                    }
                    r.set(o);
                }
            },
        }
    }

    // ─── What the project holds, and what the user may do there ────────────
    let stage = [
        "project.process",
        "scope.read",
        "permission.project_admin",
        "permission.service_hooks",
        "permission.tags",
    ];
    let gated = r.wants_any(&stage) && r.gate(&stage);
    let mut meta = None;
    if gated && let (Some(c), Some(p)) = (&client, &project) {
        let process = process_name(p);
        // The permissions need the project's id (round trip 3, unless a
        // saved connection's id sent them with round trip 2).
        if r.wants_any(&stage[2..]) {
            pre.permissions(c, &p.id, subject.access);
        }
        let mut perms_early = pre.claim_permissions(&p.id);
        let (process_o, read) = tokio::join!(
            maybe(r.wants("project.process"), || async {
                let started = Instant::now();
                let list = match pre.processes.take().await {
                    Some(l) => l,
                    None => c.processes().await,
                };
                process_check(list, &process, started)
            }),
            maybe(r.wants("scope.read"), || async {
                let started = Instant::now();
                let d = match pre.meta.take().await {
                    Some(d) => d,
                    None => project_defaults(c, &p.name, None).await,
                };
                read_metadata(d, started)
            }),
        );
        process_o.into_iter().for_each(|o| r.set(o));
        match read {
            Some(Ok((m, o))) => {
                r.set(o);
                meta = Some(m);
            }
            Some(Err(o)) => r.set(*o),
            None => {}
        }
        // Round trip 3 (with the permissions): what the project's defaults
        // address — the type's fields, the paths, the dry run.
        if let Some(m) = &meta {
            let plan = MappingPlan::new(subject, m);
            if let Some(t) = plan.found.as_deref() {
                if r.wants("mapping.work_item_type") {
                    pre.fields(c, &p.name, t);
                }
                if r.wants_any(&["scope.write", "mapping.dry_run"])
                    && subject.access != Access::ReadOnly
                {
                    let ops = dry_run_ops(
                        subject,
                        true,
                        Some(&plan.area_path),
                        Some(&plan.iteration_path),
                    );
                    pre.dry_run(c, &p.name, t, ops);
                }
            }
            if r.wants("mapping.area_path") {
                pre.area(c, &p.name, &plan.area_path);
            }
            if r.wants("mapping.iteration_path") {
                pre.iteration(c, &p.name, &plan.iteration_path);
            }
        }
        if r.wants_any(&stage[2..]) {
            let perms = match perms_early.take().await {
                Some(v) => v,
                None => {
                    let ns = pre.claim_namespaces().take().await.filter(Result::is_ok);
                    permissions(c, &p.id, subject.access, ns).await
                }
            };
            perms.into_iter().for_each(|o| r.set(o));
        }
    }

    // ─── The mapping ────────────────────────────────────────────────────────
    let mapping_ids = [
        "mapping.work_item_type",
        "mapping.area_path",
        "mapping.iteration_path",
        "mapping.assignee",
    ];
    let mut chosen_type: Option<String> = None;
    let mut fields: Vec<WorkItemTypeField> = Vec::new();
    let mut area = None;
    let mut iteration = None;
    if r.wants_any(&mapping_ids)
        && r.gate(&mapping_ids)
        && let (Some(c), Some(p), Some(m)) = (&client, &project, &meta)
    {
        let started = Instant::now();
        let plan = MappingPlan::new(subject, m);
        let wanted = plan.wanted.clone();
        let area_path = plan.area_path.clone();
        let iteration_path = plan.iteration_path.clone();
        let type_ok = wanted
            .as_ref()
            .and_then(|w| m.types.iter().find(|t| t.name.eq_ignore_ascii_case(w)));
        let area_below = below_root(&p.name, &area_path);
        let iteration_below = below_root(&p.name, &iteration_path);
        let mut fields_early = type_ok
            .map(|t| pre.claim_fields(&t.name))
            .unwrap_or_default();
        let mut area_early = pre.claim_area(&area_path);
        let mut iteration_early = pre.claim_iteration(&iteration_path);
        let mut assignee_early = pre.claim_assignee();
        let (fields_r, area_r, iter_r, assignee_o) = tokio::join!(
            async {
                match type_ok {
                    Some(t) => Some(match fields_early.take().await {
                        Some(f) => f,
                        None => c.work_item_type_fields(&p.name, &t.name, true).await,
                    }),
                    None => None,
                }
            },
            async {
                match area_early.take().await {
                    Some(a) => a,
                    None => c
                        .classification_node(&p.name, StructureGroup::Areas, &area_below, Some(0))
                        .await
                        .map(|_| ()),
                }
            },
            async {
                match iteration_early.take().await {
                    Some(i) => i,
                    None => c
                        .classification_node(
                            &p.name,
                            StructureGroup::Iterations,
                            &iteration_below,
                            Some(0),
                        )
                        .await
                        .map(|_| ()),
                }
            },
            async {
                let started = Instant::now();
                let found = match (subject.assignee.clone(), assignee_early.take().await) {
                    (None, _) => None,
                    (Some(_), Some(Ok(found))) => Some(Ok(found)),
                    (Some(who), _) => Some(assignee_found(c.clone(), p.name.clone(), who).await),
                };
                assignee_check(&p.name, subject.assignee.as_deref(), found, started)
            },
        );
        r.set(match (&wanted, type_ok) {
            (Some(_), Some(t)) if t.is_enabled() => {
                chosen_type = Some(t.name.clone());
                pass("mapping.work_item_type", t.name.clone(), started)
            }
            (Some(w), Some(_)) => not_pass(
                "mapping.work_item_type",
                Status::Fail,
                "MAPPING_INVALID",
                format!("work item type {w} is disabled in this project"),
                &["Choose an enabled type (--work-item-type), or enable it under Organization Settings › Boards › Process"],
                started,
            ),
            (Some(w), None) => CheckOutcome {
                fix: vec![format!(
                    "Choose one of: {}",
                    m.types
                        .iter()
                        .filter(|t| t.is_enabled())
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )],
                ..not_pass(
                    "mapping.work_item_type",
                    Status::Fail,
                    "MAPPING_INVALID",
                    format!("project {} has no work item type {w}", p.name),
                    &[],
                    started,
                )
            },
            (None, _) => not_pass(
                "mapping.work_item_type",
                Status::Fail,
                "MAPPING_INVALID",
                "the project has no enabled work item type to create",
                &["Enable a work item type under Organization Settings › Boards › Process"],
                started,
            ),
        });
        r.set(path_check(
            "mapping.area_path",
            "area",
            &area_path,
            area_r,
            started,
        ));
        r.set(path_check(
            "mapping.iteration_path",
            "iteration",
            &iteration_path,
            iter_r,
            started,
        ));
        r.facts.work_item_type.clone_from(&chosen_type);
        if r.ok("mapping.area_path") {
            r.facts.area_path = Some(area_path.clone());
            area = Some(area_path);
        }
        if r.ok("mapping.iteration_path") {
            r.facts.iteration_path = Some(iteration_path.clone());
            iteration = Some(iteration_path);
        }
        r.set(assignee_o);
        match fields_r {
            Some(Ok(f)) => fields = f,
            Some(Err(e)) => r.set(from_error("mapping.work_item_type", &e, started)),
            None => {}
        }
    }

    let stage = ["mapping.priority", "mapping.required_fields"];
    if r.wants_any(&stage) && r.gate(&stage) {
        let started = Instant::now();
        r.set(priority_check(&fields, subject, started));
        r.set(required_fields_check(&fields, subject, started));
    }

    // ─── Writing: one dry-run create answers both ───────────────────────────
    if !r.wants_any(&["scope.write", "mapping.dry_run"]) {
        // Not asked for.
    } else if subject.access == Access::ReadOnly {
        for id in ["scope.write", "mapping.dry_run"] {
            r.set(skip(id, "read-only connection: nothing is written"));
        }
    } else if r.gate(&["scope.write"])
        && let (Some(c), Some(p), Some(t)) = (&client, &project, &chosen_type)
    {
        let started = Instant::now();
        let has_priority = fields
            .iter()
            .any(|f| f.reference_name == "Microsoft.VSTS.Common.Priority");
        let ops = dry_run_ops(subject, has_priority, area.as_deref(), iteration.as_deref());
        // The dry run sent early counts when it was this very create.
        let answer = match pre.claim_dry_run(t, &ops).take().await {
            Some(a) => a,
            None => c.validate_work_item(&p.name, t, &ops).await,
        };
        match answer {
            Ok(_) => {
                r.set(pass(
                    "scope.write",
                    "a dry-run create was accepted",
                    started,
                ));
                if r.gate(&["mapping.dry_run"]) {
                    r.set(pass(
                        "mapping.dry_run",
                        "accepted (validateOnly: nothing was created)",
                        started,
                    ));
                }
            }
            Err(
                e @ AdoError::Unauthorized {
                    kind: AuthFailure::InvalidCredentials,
                    ..
                },
            ) => {
                // Reads work, the write is refused: a scope the token lacks.
                let mut o = from_error("scope.write", &e, started);
                o.code = Some("PROVIDER_SCOPE_UNAVAILABLE".into());
                let said = match &e {
                    AdoError::Unauthorized { message, .. } if !message.is_empty() => {
                        message.clone()
                    }
                    other => other.to_string(),
                };
                o.message = format!("reads work but creating a work item is refused: {said}");
                o.fix = vec![PAT_SCOPES.to_string()];
                r.set(o);
                r.gate(&["mapping.dry_run"]);
            }
            Err(e @ (AdoError::Unauthorized { .. } | AdoError::Forbidden { .. })) => {
                let mut o = from_error("scope.write", &e, started);
                if matches!(e, AdoError::Forbidden { .. }) {
                    o.fix = vec![
                        "Give the user Contribute rights on work items in the area: Project Settings › Project configuration › Areas › Security".into(),
                    ];
                }
                r.set(o);
                r.gate(&["mapping.dry_run"]);
            }
            Err(AdoError::RuleValidation {
                errors, message, ..
            }) => {
                r.set(pass(
                    "scope.write",
                    "the service evaluated a dry-run create",
                    started,
                ));
                if r.gate(&["mapping.dry_run"]) {
                    let named: Vec<String> = errors
                        .iter()
                        .map(|e| {
                            let f = e.field_reference_name.as_deref().unwrap_or("a field");
                            if e.is_required_missing() {
                                format!("{f} is required")
                            } else {
                                format!("{f} has a value the rules refuse")
                            }
                        })
                        .collect();
                    let msg = if named.is_empty() {
                        message
                    } else {
                        named.join("; ")
                    };
                    let fields = errors
                        .iter()
                        .map(|e| super::FieldProblem {
                            reference_name: e.field_reference_name.clone().unwrap_or_default(),
                            message: if e.is_required_missing() {
                                "required by a rule: give it a value".to_string()
                            } else {
                                e.error_message
                                    .clone()
                                    .filter(|m| !m.is_empty())
                                    .unwrap_or_else(|| "a rule refuses this value".to_string())
                            },
                        })
                        .collect();
                    r.set(CheckOutcome {
                        fields,
                        ..not_pass(
                            "mapping.dry_run",
                            Status::Fail,
                            "MAPPING_REJECTED",
                            msg,
                            &["Give each field named a value: --field REF=VALUE (or its default in the config)"],
                            started,
                        )
                    });
                }
            }
            Err(e) => {
                r.set(pass(
                    "scope.write",
                    "not refused for lack of rights",
                    started,
                ));
                if r.gate(&["mapping.dry_run"]) {
                    r.set(from_error("mapping.dry_run", &e, started));
                }
            }
        }
    }

    // Anything a stage could not reach is skipped with its reason.
    let wanted: Vec<_> = super::CATALOGUE.iter().filter(|d| r.wants(d.id)).collect();
    let outcomes: Vec<CheckOutcome> = wanted
        .into_iter()
        .map(|d| {
            r.outcomes.remove(d.id).unwrap_or_else(|| {
                skip(
                    d.id,
                    r.blocked(d.id)
                        .unwrap_or_else(|| "not evaluated".to_string()),
                )
            })
        })
        .collect();
    r.facts.tenant = org_tenant;
    // Fixes name the command for this connection.
    let again = match &subject.name {
        Some(n) => format!("ado-setup edit {n}"),
        None => "ado-setup connect".to_string(),
    };
    let outcomes = outcomes
        .into_iter()
        .map(|mut o: CheckOutcome| {
            for f in &mut o.fix {
                if f.contains("ado-setup edit NAME") {
                    *f = f.replace("ado-setup edit NAME", &again);
                }
            }
            o
        })
        .collect();
    Report {
        outcomes,
        facts: r.facts,
        renewed_secret: r.renewed_secret,
        allowlist_status: allowlist,
        base_url: base.map(|b| b.as_str().trim_end_matches('/').to_string()),
    }
}

/// What the network stage found.
struct NetStage {
    outcomes: Vec<CheckOutcome>,
    /// `direct`, `proxy`, `partial` or `blocked`.
    allowlist: Option<String>,
    /// The organization's Entra tenant, as its unauthenticated answer names it.
    tenant: Option<String>,
}

/// The endpoints `network.allowlist` probes: the same list as the wizard's
/// Network step ([`crate::ado::endpoints::required_endpoints`] with the
/// organization's name, so `{org}.visualstudio.com` where the Azure DevOps
/// endpoint is Microsoft's own).
fn allowlist_endpoints(subject: &Subject, ctx: &Context, base: &Url) -> Vec<Url> {
    // Entra ID: for a Microsoft sign-in or a service principal.
    let authority = match (&subject.entra, &subject.unattended) {
        (Some(e), _) => Some(&e.app.authority),
        (None, Some(crate::auth::Unattended::ServicePrincipal(sp))) => Some(&sp.authority),
        _ => None,
    };
    let organization = match subject.deployment {
        Deployment::Services => parse_services_target(&subject.target, &ctx.devops_base)
            .ok()
            .map(|t| t.organization),
        Deployment::Server => None,
    };
    crate::ado::endpoints::required_endpoints(
        subject.deployment,
        &ctx.devops_base,
        &ctx.extra_endpoints,
        authority,
        organization.as_deref(),
        Some(base),
    )
}

/// Is it Azure DevOps, is every endpoint reachable: both at once.
async fn network_stage(r: &Run, subject: &Subject, ctx: &Context, base: &Url) -> NetStage {
    let started = Instant::now();
    let mut out = NetStage {
        outcomes: Vec::new(),
        allowlist: None,
        tenant: None,
    };
    let endpoints = allowlist_endpoints(subject, ctx, base);
    let (probe, rows) = tokio::join!(
        maybe(r.wants("network.reachable"), || probe_azure_devops(
            &ctx.http,
            subject.deployment,
            base
        )),
        maybe(r.wants("network.allowlist"), || probe_endpoints_staged(
            &endpoints,
            ctx.http.probe_options()
        ))
    );
    if let Some(probe) = probe {
        if let Ok(t) = &probe {
            out.tenant.clone_from(t);
        }
        out.outcomes.push(match probe {
            Ok(tenant) => pass(
                "network.reachable",
                match tenant {
                    Some(t) => format!("Azure DevOps answered (tenant {t})"),
                    None => "Azure DevOps answered".to_string(),
                },
                started,
            ),
            Err(p) => {
                let code = match p.code.as_str() {
                    // Busy or failing (429/5xx that persisted) is not a wrong URL.
                    "NETWORK_UNREACHABLE" | "NETWORK_TLS_FAILED" | "PROVIDER_UNAVAILABLE" => {
                        p.code.clone()
                    }
                    _ => "PROVIDER_BASE_URL_BLOCKED".to_string(),
                };
                CheckOutcome {
                    code: Some(code),
                    fix: vec![p.fix],
                    ..not_pass(
                        "network.reachable",
                        Status::Fail,
                        "",
                        p.message,
                        &[],
                        started,
                    )
                }
            }
        });
    }
    if let Some(probes) = rows {
        let probes = match probes {
            Ok(p) => p,
            Err(problem) => {
                // The trust store could not be built (a bad --ca-file).
                out.outcomes.push(fail_with(
                    "network.allowlist",
                    &problem.code,
                    problem.message,
                    problem.fix,
                    started,
                ));
                Vec::new()
            }
        };
        let status = probes_status(&probes);
        out.allowlist = Some(status.as_str().to_string());
        let blocked: Vec<String> = probes
            .iter()
            .filter(|p| !p.result.ok)
            .map(|p| format!("{} ({})", p.result.url, p.result.detail))
            .collect();
        let mut fixes: Vec<String> = probes
            .iter()
            .filter_map(|p| p.problem.as_ref().map(|pr| pr.fix.clone()))
            .collect();
        fixes.dedup();
        if probes.is_empty() {
            // Reported above.
        } else if !blocked.is_empty() {
            fixes.push(
                "Ask your network team to allow outbound HTTPS to the hosts above (the wizard's Network step saves the list), or set HTTPS_PROXY/NO_PROXY".into(),
            );
            out.outcomes.push(CheckOutcome {
                fix: fixes,
                ..not_pass(
                    "network.allowlist",
                    Status::Fail,
                    "NETWORK_BLOCKED",
                    format!("not reachable: {}", blocked.join(", ")),
                    &[],
                    started,
                )
            });
        } else {
            out.outcomes.push(pass(
                "network.allowlist",
                format!(
                    "{} endpoint(s) reachable, {}",
                    probes.len(),
                    status.as_str()
                ),
                started,
            ));
        }
    }
    out
}

/// What the mapping checks ask about: the subject's type and paths, else
/// the project's defaults.
struct MappingPlan {
    wanted: Option<String>,
    /// `wanted` as the project names it, when the project has it.
    found: Option<String>,
    area_path: String,
    iteration_path: String,
}

impl MappingPlan {
    fn new(subject: &Subject, m: &ProjectDefaults) -> MappingPlan {
        let wanted = subject
            .work_item_type
            .clone()
            .or_else(|| m.work_item_type.clone());
        let found = wanted.as_ref().and_then(|w| {
            m.types
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(w))
                .map(|t| t.name.clone())
        });
        MappingPlan {
            wanted,
            found,
            area_path: subject.area_path.clone().unwrap_or(m.area_path.clone()),
            iteration_path: subject
                .iteration_path
                .clone()
                .unwrap_or(m.iteration_path.clone()),
        }
    }
}

fn target_url(subject: &Subject, ctx: &Context) -> Result<(Url, Vec<String>), Box<CheckOutcome>> {
    let started = Instant::now();
    let err = |code: &str, msg: String, fix: String| {
        Box::new(CheckOutcome {
            fix: vec![fix],
            ..not_pass("target.url", Status::Fail, code, msg, &[], started)
        })
    };
    match subject.deployment {
        Deployment::Services => {
            let t = parse_services_target(&subject.target, &ctx.devops_base)
                .map_err(|e| err(e.code(), e.to_string(), e.fix()))?;
            let mut base = ctx.devops_base.clone();
            if let Ok(mut segs) = base.path_segments_mut() {
                segs.pop_if_empty().push(&t.organization);
            }
            if base.scheme() == "http" && !ctx.allow_http {
                return Err(err(
                    "PROVIDER_BASE_URL_BLOCKED",
                    format!("{base} uses plain http://"),
                    "Pass --allow-http (lab and test setups only)".into(),
                ));
            }
            Ok((base, Vec::new()))
        }
        Deployment::Server => {
            let t = parse_server_url(&subject.target, ctx.allow_http)
                .map_err(|e| err(e.code(), e.to_string(), e.fix()))?;
            Ok((t.base_url, t.warnings))
        }
    }
}

async fn storage_secret(subject: &Subject, ctx: &Context) -> CheckOutcome {
    use crate::auth::Unattended;
    let started = Instant::now();
    if subject.entra.is_none() && subject.pat.is_none() {
        match &subject.unattended {
            Some(Unattended::ManagedIdentity { .. }) => {
                return skip(
                    "storage.secret",
                    "nothing secret is stored: the managed identity's tokens come from the metadata endpoint",
                );
            }
            Some(Unattended::AzureCli { .. }) => {
                return skip(
                    "storage.secret",
                    "nothing secret is stored: the Azure CLI keeps its own sign-in",
                );
            }
            _ => {}
        }
    }
    // A secret found elsewhere (the environment, standard input).
    let fallback = match &subject.unattended {
        Some(Unattended::ServicePrincipal(sp)) if subject.entra.is_none() => {
            sp.credential.as_ref().map(|_| sp.source.clone())
        }
        _ => subject.pat.as_ref().map(|_| subject.pat_source.clone()),
    };
    if ctx.secrets.is_none()
        && let Some(e) = &subject.secret_unreadable
    {
        // The saved connection's store could not even be opened.
        return fail_with("storage.secret", e.code(), e.to_string(), e.fix(), started);
    }
    let Some(store) = &ctx.secrets else {
        return skip(
            "storage.secret",
            format!(
                "no saved connection: the secret came from {}",
                subject.pat_source
            ),
        );
    };
    if let Err(e) = store.round_trip().await {
        return fail_with("storage.secret", e.code(), e.to_string(), e.fix(), started);
    }
    match (&subject.name, subject.pat.is_some()) {
        (Some(name), _) => match store.get(name.as_str()).await {
            Ok(Some(_)) => pass(
                "storage.secret",
                format!("{} holds the secret", store.describe()),
                started,
            ),
            Ok(None) if fallback.is_some() => not_pass(
                "storage.secret",
                Status::Warn,
                "SECRET_STORE_UNAVAILABLE",
                format!(
                    "{} holds no secret for {name}; using {}",
                    store.describe(),
                    fallback.as_deref().unwrap_or_default()
                ),
                &["Run `ado-setup edit NAME` to store the secret again"],
                started,
            ),
            Ok(None) => not_pass(
                "storage.secret",
                Status::Fail,
                "SECRET_STORE_UNAVAILABLE",
                format!("{} holds no secret for {name}", store.describe()),
                &[match &subject.unattended {
                    Some(Unattended::ServicePrincipal(_)) => {
                        "Set AZURE_CLIENT_SECRET, or run `ado-setup edit NAME` to store the client secret again"
                    }
                    _ => {
                        "Set AZURE_DEVOPS_EXT_PAT, or run `ado-setup edit NAME` to store the secret again"
                    }
                }],
                started,
            ),
            Err(e) => fail_with("storage.secret", e.code(), e.to_string(), e.fix(), started),
        },
        (None, _) => pass("storage.secret", store.describe(), started),
    }
}

async fn storage_config(ctx: &Context) -> CheckOutcome {
    let started = Instant::now();
    let Some(config) = &ctx.config else {
        return skip("storage.config", "no saved connection: flags only");
    };
    match config.load() {
        Err(e) => fail_with("storage.config", e.code(), e.to_string(), e.fix(), started),
        Ok(_) => {
            let warnings = config.privacy();
            if warnings.is_empty() {
                pass(
                    "storage.config",
                    config.path().display().to_string(),
                    started,
                )
            } else {
                let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
                not_pass(
                    "storage.config",
                    Status::Warn,
                    "CONFIG_INVALID",
                    text.join("; "),
                    &["chmod 700 the config dir and chmod 600 the files in it"],
                    started,
                )
            }
        }
    }
}

/// The credential of a run: the PAT, or an Entra access token obtained with
/// the saved refresh token for the organization's tenant.
enum Signed {
    Pat(SecretString),
    Entra {
        tokens: Box<crate::auth::Tokens>,
        /// The organization's directory would not issue a token for this
        /// account: the token is from the home tenant.
        wrong_directory: Option<String>,
    },
    /// An unattended sign-in's token (managed identity, service
    /// principal, Azure CLI: `subject.unattended`).
    App(Box<crate::auth::AppToken>),
}

/// An unattended sign-in in short words, for "accepted (…)".
fn unattended_source(u: &crate::auth::Unattended) -> String {
    use crate::auth::Unattended;
    match u {
        Unattended::ManagedIdentity {
            client_id: None, ..
        } => "managed identity, system-assigned".to_string(),
        Unattended::ManagedIdentity {
            client_id: Some(id),
            ..
        } => format!("managed identity {id}"),
        Unattended::ServicePrincipal(sp) => match &sp.credential {
            Some(c) => format!("service principal {}, {}", sp.client_id, c.kind()),
            None => format!("service principal {}", sp.client_id),
        },
        Unattended::AzureCli { .. } => "Azure CLI sign-in".to_string(),
    }
}

/// What `auth.directory` says when an unattended token is from another
/// tenant than the organization's: the message and the fixes.
fn unattended_wrong_directory(
    u: &crate::auth::Unattended,
    tid: &str,
    org: &str,
) -> (String, Vec<String>) {
    use crate::auth::Unattended;
    match u {
        Unattended::ManagedIdentity { .. } => (
            format!(
                "the managed identity's token is from tenant {tid}; the organization is in tenant {org}"
            ),
            vec![
                "A managed identity belongs to the directory of its Azure subscription: connect the organization to that directory (Organization Settings › Microsoft Entra), or use a service principal of the organization's directory (--auth service-principal)".into(),
            ],
        ),
        Unattended::ServicePrincipal(sp) => (
            format!(
                "the service principal's token is from tenant {tid}; the organization is in tenant {org}"
            ),
            vec![
                format!(
                    "Ask for the token in the organization's directory: --tenant {org} (a multi-tenant app must be consented there first), then ado-setup edit NAME"
                ),
                format!(
                    "Or register the app in that directory and use its client id instead of {}",
                    sp.client_id
                ),
            ],
        ),
        Unattended::AzureCli { .. } => (
            format!(
                "the Azure CLI's token is from tenant {tid}; the organization is in tenant {org}"
            ),
            vec![format!(
                "Run `az login --tenant {org}` with an account of the organization's directory, then run doctor again"
            )],
        ),
    }
}

/// What `auth.expiry` says for an unattended sign-in.
fn unattended_expiry(u: &crate::auth::Unattended, started: Instant) -> CheckOutcome {
    use crate::auth::{ClientCredential, Unattended};
    const DAY: i64 = 24 * 3600;
    match u {
        Unattended::ManagedIdentity { .. } => pass(
            "auth.expiry",
            "nothing to expire: the managed identity's tokens come from the metadata endpoint on every run",
            started,
        ),
        Unattended::AzureCli { .. } => pass(
            "auth.expiry",
            "the Azure CLI renews its own sign-in; doctor says when it has expired and what to run",
            started,
        ),
        Unattended::ServicePrincipal(sp) => match &sp.credential {
            Some(ClientCredential::Certificate(pem)) => {
                let now = i64::try_from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0),
                )
                .unwrap_or(0);
                match crate::auth::unattended::certificate_not_after(pem) {
                    Some(end) if end - now < 14 * DAY => CheckOutcome {
                        fix: vec![format!(
                            "Upload a new certificate to the app (Entra admin center › App registrations › {} › Certificates & secrets) and store it: ado-setup edit NAME",
                            sp.client_id
                        )],
                        ..not_pass(
                            "auth.expiry",
                            Status::Warn,
                            "CREDENTIAL_EXPIRING",
                            format!(
                                "the service principal's certificate expires in {} day(s)",
                                (end - now).max(0).div_euclid(DAY) + 1
                            ),
                            &[],
                            started,
                        )
                    },
                    Some(end) => pass(
                        "auth.expiry",
                        format!(
                            "the service principal's certificate is valid for {} more days",
                            (end - now) / DAY
                        ),
                        started,
                    ),
                    None => pass(
                        "auth.expiry",
                        "the certificate's expiry could not be read",
                        started,
                    ),
                }
            }
            _ => skip(
                "auth.expiry",
                format!(
                    "a client secret's expiry cannot be read with the secret itself: see Entra admin center › App registrations › {} › Certificates & secrets",
                    sp.client_id
                ),
            ),
        },
    }
}

/// An access token for the organization's tenant from the refresh token;
/// a token of another tenant is re-acquired for the organization's before a
/// wrong directory is reported.
async fn entra_tokens(
    r: &mut Run,
    e: &super::EntraSign,
    ctx: &Context,
    org_tenant: Option<&str>,
    started: Instant,
) -> Option<Signed> {
    use crate::auth::{Authority, refresh};
    let org = Authority::from_tenant(org_tenant.or(e.tenant.as_deref()));
    let fail = |r: &mut Run, p: &crate::problem::Problem| {
        let mut o = not_pass(
            "auth.credentials",
            Status::Fail,
            "PROVIDER_AUTH_REQUIRED",
            p.message.clone(),
            &[],
            started,
        );
        o.code = Some(p.code.clone());
        o.fix = vec![p.fix.clone()];
        r.set(o);
    };
    let first = refresh(&ctx.http, &e.app, org.segment(), &e.refresh_token).await;
    let (tokens, mut wrong) = match first {
        Ok(t) => (t, None),
        Err(err) if err.is_wrong_directory() => {
            // Not a member there: what does the account's own directory say?
            match refresh(
                &ctx.http,
                &e.app,
                crate::auth::ANY_ORGANIZATION,
                &e.refresh_token,
            )
            .await
            {
                Ok(home) => (home, Some(err.problem.message)),
                Err(err) => {
                    fail(r, &err.problem);
                    return None;
                }
            }
        }
        Err(err) => {
            fail(r, &err.problem);
            return None;
        }
    };
    let mut tokens = tokens;
    if wrong.is_none()
        && let Some(want) = org.tenant_id()
        && tokens
            .tenant()
            .is_some_and(|tid| !tid.eq_ignore_ascii_case(want))
    {
        match refresh(&ctx.http, &e.app, want, &e.refresh_token).await {
            Ok(t) => tokens = t,
            Err(err) if err.is_wrong_directory() => wrong = Some(err.problem.message),
            Err(err) => {
                fail(r, &err.problem);
                return None;
            }
        }
    }
    Some(Signed::Entra {
        tokens: Box::new(tokens),
        wrong_directory: wrong,
    })
}

async fn sign_in(
    r: &mut Run,
    subject: &Subject,
    ctx: &Context,
    base: Url,
    org_tenant: Option<&str>,
) -> Option<AdoClient> {
    let started = Instant::now();
    let unattended = subject
        .unattended
        .as_ref()
        .filter(|_| subject.entra.is_none());
    let signed = match (&subject.entra, subject.pat.clone()) {
        (Some(e), _) => entra_tokens(r, e, ctx, org_tenant, started).await?,
        (None, _) if unattended.is_some() => {
            let u = unattended?;
            match crate::auth::unattended::acquire(&ctx.http, u, org_tenant).await {
                Ok(t) => Signed::App(Box::new(t)),
                Err(p) => {
                    r.set(fail_with(
                        "auth.credentials",
                        &p.code,
                        p.message,
                        p.fix,
                        started,
                    ));
                    return None;
                }
            }
        }
        (None, Some(pat)) if !pat.expose_secret().trim().is_empty() => Signed::Pat(pat),
        (None, Some(_)) => {
            r.set(not_pass(
                "auth.credentials",
                Status::Fail,
                "PROVIDER_AUTH_REQUIRED",
                format!("the secret from {} is empty", subject.pat_source),
                &["Set AZURE_DEVOPS_EXT_PAT to the token"],
                started,
            ));
            return None;
        }
        (None, None) if let Some(e) = &subject.secret_unreadable => {
            r.set(fail_with(
                "auth.credentials",
                e.code(),
                format!("the saved secret cannot be read, so nothing was signed in: {e}"),
                e.fix(),
                started,
            ));
            return None;
        }
        (None, None) => {
            r.set(not_pass(
                "auth.credentials",
                Status::Fail,
                "PROVIDER_AUTH_REQUIRED",
                format!("no secret found ({})", subject.pat_source),
                &["Set AZURE_DEVOPS_EXT_PAT or pass --pat-stdin, or run `ado-setup edit NAME` to store one"],
                started,
            ));
            return None;
        }
    };
    // What auth.directory and auth.expiry say (PAT: not applicable).
    let pat_only = "applies to Microsoft sign-in (device code) only; this connection uses a PAT";
    let (cred, directory, expiry) = match &signed {
        Signed::Pat(pat) => (
            Credential::Pat(pat.clone()),
            skip("auth.directory", pat_only),
            skip(
                "auth.expiry",
                "a PAT's expiry cannot be read with the PAT itself: see User settings › Personal access tokens",
            ),
        ),
        Signed::Entra {
            tokens,
            wrong_directory,
        } => {
            r.renewed_secret = tokens.refresh.clone();
            let tid = tokens.tenant().unwrap_or("unknown").to_string();
            let who = tokens.account().unwrap_or("this account").to_string();
            if let Some(why) = wrong_directory {
                let org = org_tenant.unwrap_or("the organization's tenant");
                r.set(pass(
                    "auth.credentials",
                    format!("Microsoft Entra ID signed in {who} (tenant {tid})"),
                    started,
                ));
                r.set(not_pass(
                    "auth.directory",
                    Status::Fail,
                    "AUTH_WRONG_DIRECTORY",
                    format!(
                        "the token is from tenant {tid}; the organization is in tenant {org}, which has no account {who} ({why})"
                    ),
                    &[
                        "Sign in with an account of the organization's directory: ado-setup edit NAME (https://aex.dev.azure.com/me lists your directories)",
                        "Or ask an admin of that directory to add the account as a guest and to the organization (Organization Settings › Users)",
                    ],
                    started,
                ));
                for id in ["auth.identity", "auth.policy", "auth.expiry"] {
                    r.set(skip(id, "needs auth.directory, which failed"));
                }
                return None;
            }
            let directory = pass(
                "auth.directory",
                match org_tenant {
                    Some(t) if t == crate::auth::MSA_TENANT => {
                        format!("tenant {tid}; a Microsoft-account organization")
                    }
                    _ => format!("tenant {tid}, the organization's directory"),
                },
                started,
            );
            const FORTNIGHT: u64 = 14 * 24 * 3600;
            let expiry = match tokens.refresh_expires_in {
                Some(secs) if secs < FORTNIGHT => not_pass(
                    "auth.expiry",
                    Status::Warn,
                    "CREDENTIAL_EXPIRING",
                    format!(
                        "the saved sign-in expires in {} day(s)",
                        secs.div_ceil(24 * 3600)
                    ),
                    &["Sign in again before then: ado-setup edit NAME"],
                    started,
                ),
                Some(secs) => pass(
                    "auth.expiry",
                    format!(
                        "the saved sign-in is valid for {} more days",
                        secs / (24 * 3600)
                    ),
                    started,
                ),
                None => pass(
                    "auth.expiry",
                    "access tokens are renewed silently; the sign-in lasts while it is used at least every 90 days",
                    started,
                ),
            };
            (tokens.credential(), directory, expiry)
        }
        Signed::App(token) => {
            let Some(u) = &subject.unattended else {
                return None;
            };
            let tid = token.tenant().unwrap_or("unknown").to_string();
            let org = crate::auth::Authority::from_tenant(org_tenant);
            if let (Some(want), Some(got)) = (org.tenant_id(), token.tenant())
                && !got.eq_ignore_ascii_case(want)
            {
                let (message, fixes) = unattended_wrong_directory(u, &tid, want);
                r.set(pass(
                    "auth.credentials",
                    format!("{} got a token (tenant {tid})", unattended_source(u)),
                    started,
                ));
                r.set(CheckOutcome {
                    fix: fixes,
                    ..not_pass(
                        "auth.directory",
                        Status::Fail,
                        "AUTH_WRONG_DIRECTORY",
                        message,
                        &[],
                        started,
                    )
                });
                for id in ["auth.identity", "auth.policy", "auth.expiry"] {
                    r.set(skip(id, "needs auth.directory, which failed"));
                }
                return None;
            }
            let directory = pass(
                "auth.directory",
                match org_tenant {
                    Some(t) if t == crate::auth::MSA_TENANT => {
                        format!("tenant {tid}; a Microsoft-account organization")
                    }
                    Some(_) => format!("tenant {tid}, the organization's directory"),
                    None => format!("tenant {tid} (the organization named no tenant)"),
                },
                started,
            );
            (token.credential(), directory, unattended_expiry(u, started))
        }
    };
    let source = match (&signed, &subject.unattended) {
        (Signed::Pat(_), _) => subject.pat_source.clone(),
        (Signed::Entra { .. }, _) => "Microsoft sign-in".to_string(),
        (Signed::App(_), Some(u)) => unattended_source(u),
        (Signed::App(_), None) => "an unattended sign-in".to_string(),
    };
    let web = base.as_str().trim_end_matches('/').to_string();
    // Who am I, with the api-version negotiated at the same time (Server).
    match who_am_i(&ctx.http, subject.deployment, &base, &cred).await {
        Ok((client, me)) if !me.authenticated_user.is_anonymous() => {
            let version = client.version();
            r.facts.api_version = Some(version.to_string());
            r.facts.user = Some(crate::store::config::ConnectionUser {
                display_name: me.authenticated_user.display_name().to_string(),
                sign_in: me.authenticated_user.account().map(str::to_string),
            });
            r.set(pass(
                "auth.credentials",
                format!(
                    "accepted ({source}): signed in as {}, api-version {version}",
                    me.authenticated_user.display_name()
                ),
                started,
            ));
            r.set(pass("auth.identity", "materialized", started));
            r.set(pass(
                "auth.policy",
                "no policy blocked the sign-in",
                started,
            ));
            r.set(directory);
            r.set(expiry);
            Some(client)
        }
        Ok(_) => {
            r.set(not_pass(
                "auth.credentials",
                Status::Fail,
                "PROVIDER_AUTH_REQUIRED",
                "Azure DevOps treated the token as anonymous",
                &["Create a new personal access token under User settings › Personal access tokens"],
                started,
            ));
            None
        }
        Err(
            e @ AdoError::Unauthorized {
                kind: AuthFailure::NotMaterialized,
                ..
            },
        ) => {
            r.set(pass("auth.credentials", "the token is valid", started));
            let mut o = from_error("auth.identity", &e, started);
            o.fix = vec![
                format!(
                    "Sign in to the organization's web UI once with this account ({web}), then run doctor again"
                ),
                "If it persists, an admin can re-add the user under Organization Settings › Users"
                    .into(),
            ];
            r.set(o);
            r.set(skip("auth.policy", "needs auth.identity, which failed"));
            r.set(directory);
            r.set(skip("auth.expiry", "needs a materialized identity"));
            None
        }
        Err(
            e @ AdoError::Unauthorized {
                kind: AuthFailure::PolicyBlocked,
                ..
            },
        ) => {
            r.set(pass("auth.credentials", "the token is valid", started));
            r.set(pass("auth.identity", "not in question", started));
            let mut o = from_error("auth.policy", &e, started);
            o.fix = vec![
                "Ask an organization admin: Organization Settings › Policies › Third-party application access via OAuth".into(),
                "Conditional Access (VS403463): sign in from a compliant device or network, or ask your Entra admin".into(),
            ];
            r.set(o);
            r.set(directory);
            r.set(skip("auth.expiry", "needs auth.policy, which failed"));
            None
        }
        Err(e) => {
            let mut o = from_error("auth.credentials", &e, started);
            if o.code.as_deref() == Some("PROVIDER_AUTH_REQUIRED") {
                o.message = format!("the token from {source} was not accepted: {}", o.message);
                let recognised = o
                    .message
                    .contains("is not authorized to access this resource");
                o.fix = match &signed {
                    Signed::Pat(_) if recognised => vec![
                        "Azure DevOps knows the token's user, who is not a member of this organization: add the user under Organization Settings › Users, or use a token of a member".into(),
                    ],
                    Signed::Pat(_) => vec![
                        "Create a new personal access token under User settings › Personal access tokens (it may have expired or been revoked)".into(),
                        "When you create it, tick Work Items (Read & write) and Project and Team (Read), for this organization or all accessible organizations".into(),
                    ],
                    Signed::Entra { .. } => vec![
                        "Check that the account is a member of the organization (Organization Settings › Users), then sign in again: ado-setup edit NAME".into(),
                    ],
                    Signed::App(token) => {
                        let said = e.to_string();
                        let (message, fix) = unattended_not_accepted(
                            subject.unattended.as_ref(),
                            token,
                            recognised,
                            &said,
                        );
                        o.message = message;
                        fix
                    }
                };
            }
            r.set(o);
            None
        }
    }
}

/// What `auth.credentials` says when Azure DevOps refuses an unattended
/// sign-in's token: the message and the fixes. `recognised`: Azure DevOps
/// knows the identity (`TF400813 … is not authorized`), which is not a
/// member of the organization.
fn unattended_not_accepted(
    u: Option<&crate::auth::Unattended>,
    token: &crate::auth::AppToken,
    recognised: bool,
    said: &str,
) -> (String, Vec<String>) {
    use crate::auth::Unattended;
    let said = said.to_string();
    match (u, recognised) {
        (Some(Unattended::ServicePrincipal(sp)), true) => (
            format!(
                "the service principal {} is not a member of this organization: {said}",
                sp.client_id
            ),
            vec![
                format!(
                    "Add the service principal to the organization: Organization Settings › Users › Add users, search for the app's name or client id {}, access level Basic",
                    sp.client_id
                ),
                "Then add it to the project (Project Settings › Permissions › Contributors, or Project Administrators for the permission checks) and run doctor again".into(),
            ],
        ),
        (Some(Unattended::ManagedIdentity { client_id, .. }), true) => (
            format!(
                "the managed identity ({}) has no access to this organization: {said}",
                client_id.as_deref().unwrap_or("system-assigned")
            ),
            vec![
                format!(
                    "Add the managed identity to the organization: Organization Settings › Users › Add users, search for {}, access level Basic",
                    match client_id {
                        Some(id) => format!("the identity's name or client id {id}"),
                        None => "the VM's name (a system-assigned identity is named after its VM)".to_string(),
                    }
                ),
                "Then add it to the project (Project Settings › Permissions › Contributors, or Project Administrators for the permission checks) and run doctor again".into(),
            ],
        ),
        (Some(Unattended::AzureCli { .. }), true) => (
            format!(
                "the Azure CLI's account ({}) is not a member of this organization: {said}",
                token.claims.sign_in_name().unwrap_or("unknown")
            ),
            vec![
                "Add the account under Organization Settings › Users, or run `az login` with an account that is a member, then run doctor again".into(),
            ],
        ),
        (Some(u), false) => (
            said,
            vec![format!(
                "Azure DevOps refused the token of {}: check that the organization accepts Microsoft Entra tokens and that the identity is a member (Organization Settings › Users)",
                u.describe()
            )],
        ),
        (None, _) => (said, Vec::new()),
    }
}

fn process_check(
    processes: Result<Vec<Process>, AdoError>,
    name: &str,
    started: Instant,
) -> CheckOutcome {
    let system = ["Basic", "Agile", "Scrum", "CMMI"].contains(&name);
    let processes = match processes {
        Ok(p) => p,
        Err(_) if system => return pass("project.process", name.to_string(), started),
        // Older servers may not answer the process list: say what is unknown.
        Err(e) => {
            return not_pass(
                "project.process",
                Status::Warn,
                "PROCESS_UNSUPPORTED",
                format!(
                    "{name}: the process list could not be read ({}), so inherited and custom cannot be told apart",
                    e.code()
                ),
                &[
                    "Check Organization Settings › Boards › Process: an inherited process works; a custom (XML) one needs its types and fields to match the mapping",
                ],
                started,
            );
        }
    };
    let known = processes
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name));
    match known.as_ref().and_then(|p| p.system_base().map(|b| (p, b))) {
        Some((p, base)) if p.parent().is_some() => pass(
            "project.process",
            format!("{name} (inherited from {base})"),
            started,
        ),
        Some(_) => pass("project.process", name.to_string(), started),
        None if system => pass("project.process", name.to_string(), started),
        None => not_pass(
            "project.process",
            Status::Warn,
            "PROCESS_UNSUPPORTED",
            format!("{name} is a custom (XML) process"),
            &[
                "Custom processes work when the mapping's type and fields exist; check the mapping.* results",
            ],
            started,
        ),
    }
}

/// What the mapping needs from a project: its work item types and the
/// defaults of SPEC §1 (type: `Issue`, else the bug category's default; area
/// and iteration: the default team's), in field form. Read once, used by the
/// wizard's Field mapping step and the `mapping.*` checks.
pub struct ProjectDefaults {
    pub types: Vec<WorkItemType>,
    /// The default type, if the project has an enabled one.
    pub work_item_type: Option<String>,
    pub area_path: String,
    pub iteration_path: String,
    /// Types of the hidden category (test plans, code reviews, feedback…):
    /// not for an integration to create.
    pub hidden: Vec<String>,
}

/// Reads [`ProjectDefaults`]: four requests, concurrently. Only the type
/// list is required; the team's defaults fall back to the project root.
pub async fn project_defaults(
    c: &AdoClient,
    project: &str,
    team: Option<&str>,
) -> Result<ProjectDefaults, AdoError> {
    let (types, cats, tfv, ts) = tokio::join!(
        c.work_item_types(project),
        c.work_item_type_categories(project),
        c.team_field_values(project, team),
        c.team_settings(project, team),
    );
    let types = types?;
    let cats = cats.unwrap_or_default();
    let hidden: Vec<String> = cats
        .iter()
        .filter(|c| c.reference_name == "Microsoft.HiddenCategory")
        .flat_map(|c| c.work_item_types.iter().map(|t| t.name.clone()))
        .collect();
    let bug_default = cats
        .into_iter()
        .find(|c| c.reference_name == "Microsoft.BugCategory")
        .and_then(|c| c.default_work_item_type.map(|t| t.name));
    let area_path = field_form(
        project,
        &tfv.ok()
            .and_then(|v| v.default_value)
            .map(|a| below_root(project, &a))
            .unwrap_or_default(),
    );
    let iteration_path = field_form(
        project,
        &ts.ok()
            .and_then(|s| s.default_iteration.or(s.backlog_iteration))
            .and_then(|i| i.path)
            .map(|i| below_root(project, &i))
            .unwrap_or_default(),
    );
    let work_item_type = default_type(&types, bug_default.as_deref());
    Ok(ProjectDefaults {
        types,
        work_item_type,
        area_path,
        iteration_path,
        hidden,
    })
}

/// A read refused for lack of rights names the PAT scopes to tick.
pub fn scope_problem(e: &AdoError) -> Option<(&'static str, &'static str)> {
    matches!(
        e,
        AdoError::Unauthorized { .. } | AdoError::Forbidden { .. }
    )
    .then_some(("PROVIDER_SCOPE_UNAVAILABLE", PAT_SCOPES))
}

fn read_metadata(
    defaults: Result<ProjectDefaults, AdoError>,
    started: Instant,
) -> Result<(ProjectDefaults, CheckOutcome), Box<CheckOutcome>> {
    let defaults = defaults.map_err(|e| {
        let mut o = from_error("scope.read", &e, started);
        if let Some((code, fix)) = scope_problem(&e) {
            o.code = Some(code.into());
            o.fix = vec![fix.into()];
        }
        Box::new(o)
    })?;
    let o = pass(
        "scope.read",
        format!("{} work item types readable", defaults.types.len()),
        started,
    );
    Ok((defaults, o))
}

fn default_type(types: &[WorkItemType], bug_default: Option<&str>) -> Option<String> {
    let enabled: Vec<&WorkItemType> = types.iter().filter(|t| t.is_enabled()).collect();
    enabled
        .iter()
        .find(|t| t.name == "Issue")
        .or_else(|| bug_default.and_then(|b| enabled.iter().find(|t| t.name == b)))
        .or_else(|| enabled.first())
        .map(|t| t.name.clone())
}

/// `Project` + `Release 1\Sprint 3` → `Project\Release 1\Sprint 3`.
pub fn field_form(project: &str, below: &str) -> String {
    if below.is_empty() {
        project.to_string()
    } else {
        format!("{project}\\{below}")
    }
}

/// The process name of a project: its capabilities, else the system
/// process its template type id names.
pub fn process_name(p: &crate::ado::models::TeamProject) -> String {
    match p.process_template_name() {
        Some(n) => n.to_string(),
        None => p
            .process_template_type_id()
            .and_then(crate::ado::models::system_process_name)
            .unwrap_or("unknown")
            .to_string(),
    }
}

/// `\Release 1\Sprint 3` or `Project\Release 1` → `Release 1\Sprint 3`.
pub fn below_root(project: &str, path: &str) -> String {
    let trimmed = path.trim_start_matches('\\');
    match trimmed.split_once('\\') {
        Some((first, rest)) if first.to_lowercase() == project.to_lowercase() => rest.to_string(),
        None if trimmed.to_lowercase() == project.to_lowercase() => String::new(),
        _ => trimmed.to_string(),
    }
}

fn path_check(
    id: &'static str,
    kind: &str,
    path: &str,
    result: Result<(), AdoError>,
    started: Instant,
) -> CheckOutcome {
    match result {
        Ok(()) => pass(id, path.to_string(), started),
        Err(AdoError::NotFound { .. }) => CheckOutcome {
            fix: vec![format!(
                "Choose an existing {kind} path (--{kind}-path), or create it under Project Settings › Boards › Project configuration"
            )],
            ..not_pass(
                id,
                Status::Fail,
                "MAPPING_INVALID",
                format!("the {kind} path {path} does not exist"),
                &[],
                started,
            )
        },
        Err(e) => from_error(id, &e, started),
    }
}

/// Whether `who` is a member of any team of the project: the teams, then
/// every team's members at once (a member list that cannot be read counts
/// as not holding them).
pub(super) async fn assignee_found(
    c: AdoClient,
    project: String,
    who: String,
) -> Result<bool, AdoError> {
    let teams = c.teams(&project).await?;
    let lists =
        futures::future::join_all(teams.iter().map(|t| c.team_members(&project, &t.name))).await;
    Ok(lists.into_iter().flatten().flatten().any(|m| {
        m.identity
            .unique_name
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(&who))
    }))
}

fn assignee_check(
    project: &str,
    assignee: Option<&str>,
    found: Option<Result<bool, AdoError>>,
    started: Instant,
) -> CheckOutcome {
    let (Some(who), Some(found)) = (assignee, found) else {
        return pass(
            "mapping.assignee",
            "none: work items are created unassigned",
            started,
        );
    };
    let found = match found {
        Ok(f) => f,
        Err(e) => return from_error("mapping.assignee", &e, started),
    };
    if found {
        pass("mapping.assignee", who.to_string(), started)
    } else {
        not_pass(
            "mapping.assignee",
            Status::Fail,
            "MAPPING_INVALID",
            format!("{who} is not a member of any team of {project}"),
            &[
                "Use the sign-in address of a project member (--assignee), or add the user to a team under Project Settings › Teams",
            ],
            started,
        )
    }
}

fn priority_check(
    fields: &[WorkItemTypeField],
    subject: &Subject,
    started: Instant,
) -> CheckOutcome {
    let Some(f) = fields
        .iter()
        .find(|f| f.reference_name == "Microsoft.VSTS.Common.Priority")
    else {
        return not_pass(
            "mapping.priority",
            Status::Warn,
            "MAPPING_INVALID",
            "this work item type has no Priority field: the priority map is not used",
            &["Choose a type with Microsoft.VSTS.Common.Priority to map severities"],
            started,
        );
    };
    let refused: Vec<String> = Severity::ALL
        .iter()
        .map(|s| (s, subject.priority_map.get(*s)))
        .filter(|(_, v)| f.has_allowed_values() && !f.allows(&json!(v)))
        .map(|(s, v)| format!("{s}={v}"))
        .collect();
    if refused.is_empty() {
        pass(
            "mapping.priority",
            subject.priority_map.to_string(),
            started,
        )
    } else {
        CheckOutcome {
            fields: vec![super::FieldProblem {
                reference_name: f.reference_name.clone(),
                message: format!(
                    "{} not allowed; one of: {}",
                    refused.join(", "),
                    f.allowed_value_strings().join(", ")
                ),
            }],
            fix: vec![format!(
                "Map each severity to one of: {} (--priority-map)",
                f.allowed_value_strings().join(", ")
            )],
            ..not_pass(
                "mapping.priority",
                Status::Fail,
                "MAPPING_INVALID",
                format!("not allowed for Priority: {}", refused.join(", ")),
                &[],
                started,
            )
        }
    }
}

/// The fields a create must be given a value for: `alwaysRequired`, not
/// one of the standard fields, and without a default of their own.
pub fn required_fields(fields: &[WorkItemTypeField]) -> Vec<&WorkItemTypeField> {
    fields
        .iter()
        .filter(|f| f.always_required)
        .filter(|f| !STANDARD_FIELDS.contains(&f.reference_name.as_str()))
        .filter(|f| f.default_value.as_ref().is_none_or(Value::is_null))
        .collect()
}

fn required_fields_check(
    fields: &[WorkItemTypeField],
    subject: &Subject,
    started: Instant,
) -> CheckOutcome {
    let missing: Vec<&WorkItemTypeField> = required_fields(fields)
        .into_iter()
        .filter(|f| !subject.field_defaults.contains_key(&f.reference_name))
        .collect();
    if missing.is_empty() {
        return pass(
            "mapping.required_fields",
            "every required field has a value",
            started,
        );
    }
    let named: Vec<String> = missing
        .iter()
        .map(|f| {
            let allowed = f.allowed_value_strings();
            if allowed.is_empty() {
                f.reference_name.clone()
            } else {
                format!("{} (one of: {})", f.reference_name, allowed.join(", "))
            }
        })
        .collect();
    CheckOutcome {
        fields: missing
            .iter()
            .map(|f| {
                let allowed = f.allowed_value_strings();
                super::FieldProblem {
                    reference_name: f.reference_name.clone(),
                    message: if allowed.is_empty() {
                        "required: give it a value".to_string()
                    } else {
                        format!("required: one of {}", allowed.join(", "))
                    },
                }
            })
            .collect(),
        fix: missing
            .iter()
            .map(|f| format!("--field {}=VALUE", f.reference_name))
            .collect(),
        ..not_pass(
            "mapping.required_fields",
            Status::Fail,
            "MAPPING_REQUIRED_FIELD",
            format!("required without a value: {}", named.join("; ")),
            &[],
            started,
        )
    }
}

/// The operations of the dry-run create; `has_priority`: the type has
/// `Microsoft.VSTS.Common.Priority`.
pub(super) fn dry_run_ops(
    subject: &Subject,
    has_priority: bool,
    area: Option<&str>,
    iteration: Option<&str>,
) -> Vec<JsonPatchOperation> {
    let mut ops = vec![JsonPatchOperation::add_field(
        "System.Title",
        json!("ado-setup doctor (dry run)"),
    )];
    if let Some(a) = area {
        ops.push(JsonPatchOperation::add_field("System.AreaPath", json!(a)));
    }
    if let Some(i) = iteration {
        ops.push(JsonPatchOperation::add_field(
            "System.IterationPath",
            json!(i),
        ));
    }
    if has_priority {
        ops.push(JsonPatchOperation::add_field(
            "Microsoft.VSTS.Common.Priority",
            json!(subject.priority_map.get(Severity::Medium)),
        ));
    }
    if let Some(a) = &subject.assignee {
        ops.push(JsonPatchOperation::add_field("System.AssignedTo", json!(a)));
    }
    for (k, v) in &subject.field_defaults {
        ops.push(JsonPatchOperation::add_field(k, json!(v)));
    }
    ops
}

/// The three permission checks: namespaces once, then one evaluation each.
pub(super) async fn permissions(
    c: &AdoClient,
    project_id: &str,
    access: Access,
    namespaces: Option<Result<Vec<SecurityNamespace>, AdoError>>,
) -> Vec<CheckOutcome> {
    let started = Instant::now();
    let ids = [
        "permission.project_admin",
        "permission.service_hooks",
        "permission.tags",
    ];
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

#[cfg(test)]
mod tests {
    use super::{below_root, field_form};

    fn subject(deployment: crate::ado::endpoints::Deployment, target: &str) -> super::Subject {
        super::Subject::bare(deployment, target)
    }

    fn context(devops: &str) -> super::Context {
        let u = |s: &str| url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        super::Context {
            http: crate::ado::http::HttpClient::new(Default::default())
                .unwrap_or_else(|e| panic!("{e}")),
            devops_base: u(devops),
            extra_endpoints: vec![
                u("https://app.vssps.visualstudio.com"),
                u("https://aex.dev.azure.com"),
            ],
            allow_http: true,
            config: None,
            secrets: None,
        }
    }

    /// `network.allowlist` probes what the wizard's Network step probes:
    /// the legacy `{org}.visualstudio.com` host where the Azure DevOps
    /// endpoint is Microsoft's own, and not behind an overridden one.
    #[test]
    fn the_allowlist_is_the_wizards_list() {
        use crate::ado::endpoints::Deployment;
        let strs = |v: Vec<url::Url>| v.iter().map(|u| u.to_string()).collect::<Vec<_>>();
        let ctx = context("https://dev.azure.com");
        let s = subject(Deployment::Services, "contoso");
        let base =
            url::Url::parse("https://dev.azure.com/contoso").unwrap_or_else(|e| panic!("{e}"));
        let doctor = super::allowlist_endpoints(&s, &ctx, &base);
        let wizard = crate::ado::endpoints::required_endpoints(
            Deployment::Services,
            &ctx.devops_base,
            &ctx.extra_endpoints,
            None,
            Some("contoso"),
            Some(&base),
        );
        assert_eq!(strs(doctor.clone()), strs(wizard));
        assert!(
            strs(doctor).contains(&"https://contoso.visualstudio.com/".to_string()),
            "the legacy host is probed"
        );
        // A URL as typed names the same organization.
        let s = subject(
            Deployment::Services,
            "https://dev.azure.com/contoso/Payments",
        );
        let typed = super::allowlist_endpoints(&s, &ctx, &base);
        assert!(strs(typed).contains(&"https://contoso.visualstudio.com/".to_string()));
        // Behind an overridden endpoint (a sandbox) there is no such host.
        let ctx = context("http://127.0.0.1:8080");
        let s = subject(Deployment::Services, "contoso");
        let base =
            url::Url::parse("http://127.0.0.1:8080/contoso").unwrap_or_else(|e| panic!("{e}"));
        let list = strs(super::allowlist_endpoints(&s, &ctx, &base));
        assert!(
            !list
                .iter()
                .any(|u| u.contains("visualstudio.com/") && u.contains("contoso")),
            "{list:?}"
        );
    }

    #[test]
    fn paths_below_the_root() {
        assert_eq!(
            below_root("P", "\\Release 1\\Sprint 3"),
            "Release 1\\Sprint 3"
        );
        assert_eq!(below_root("P", "P\\Team A"), "Team A");
        assert_eq!(below_root("P", "P"), "");
        assert_eq!(below_root("P", ""), "");
        assert_eq!(field_form("P", ""), "P");
        assert_eq!(field_form("P", "A\\B"), "P\\A\\B");
    }
}

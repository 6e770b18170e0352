//! The runner: one run of the catalogue, in stages that follow the
//! prerequisites (local, round trip 1 with the sign-in, the project, what it
//! holds, the mapping, the write). Each stage gates its checks on their
//! prerequisites, runs what it evaluates concurrently, and leaves what later
//! stages need in `Stages`; requests are sent ahead through `early::Pre`. The
//! families say what each check reports; this file only decides when a check
//! runs and with what. Nothing in the room depends on it.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use secrecy::SecretString;
use url::Url;

use super::auth::{SignIn, sign_in};
use super::catalogue::def;
use super::dry_run::{dry_run_ops, write_checks};
use super::early::Pre;
use super::mapping::{
    MappingPlan, assignee_check, assignee_found, path_check, priority_check, required_fields_check,
    type_check,
};
use super::network::network_stage;
use super::outcome::{from_error, maybe, skip};
use super::permission::{PERMISSION_IDS, permissions};
use super::project::{
    ProjectDefaults, access_check, below_root, process_check, process_name, project_defaults,
    read_metadata,
};
use super::report::{CheckOutcome, Report, Status};
use super::storage::{storage_config, storage_secret};
use super::subject::{Context, Subject};
use super::target::target_check;
use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::endpoints::Deployment;
use crate::ado::error::AdoError;
use crate::ado::http::Credential;
use crate::ado::models::{TeamProject, WorkItemType, WorkItemTypeField};
use crate::ado::version::ApiVersion;
use crate::net::allowlist::AllowlistStatus;
use crate::store::config::Access;

/// The checks of the sign-in.
const AUTH_IDS: [&str; 5] = [
    "auth.credentials",
    "auth.identity",
    "auth.directory",
    "auth.policy",
    "auth.expiry",
];

/// The checks of the network probes.
const NETWORK_IDS: [&str; 2] = ["network.reachable", "network.allowlist"];

/// What a run has reported so far, and which checks it evaluates.
struct Run {
    outcomes: HashMap<&'static str, CheckOutcome>,
    /// A refresh token the service renewed during the run (to be saved).
    renewed_secret: Option<SecretString>,
    facts: super::report::Facts,
    /// The checks this run evaluates (`None`: all of them).
    focus: Option<HashSet<&'static str>>,
}

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
            facts: super::report::Facts::default(),
            focus,
        }
    }

    /// Takes what the sign-in found; gives its client.
    fn absorb(&mut self, s: SignIn) -> Option<AdoClient> {
        s.outcomes.into_iter().for_each(|o| self.set(o));
        if s.renewed_secret.is_some() {
            self.renewed_secret = s.renewed_secret;
        }
        if s.api_version.is_some() {
            self.facts.api_version = s.api_version;
        }
        if s.user.is_some() {
            self.facts.user = s.user;
        }
        s.client
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
    run_focused(subject, ctx, Some(super::catalogue::closure(id))).await
}

/// Runs these checks and the checks they need (the wizard's Field mapping
/// validation: every `mapping.*` check).
pub async fn run_some(subject: &Subject, ctx: &Context, ids: &[&str]) -> Report {
    let focus = ids
        .iter()
        .flat_map(|id| super::catalogue::closure(id))
        .collect();
    run_focused(subject, ctx, Some(focus)).await
}

async fn run_focused(
    subject: &Subject,
    ctx: &Context,
    focus: Option<HashSet<&'static str>>,
) -> Report {
    let mut s = Stages::new(subject, ctx, focus);
    s.local().await;
    let early_sign_in = s.round_trip_one().await;
    s.auth(early_sign_in).await;
    s.project().await;
    s.project_contents().await;
    s.mapping().await;
    s.mapping_fields();
    s.write().await;
    s.report()
}

/// A run from stage to stage: what it reported, the requests sent ahead,
/// and what each stage established for the stages after it.
struct Stages<'a> {
    subject: &'a Subject,
    ctx: &'a Context,
    r: Run,
    pre: Pre,
    /// The base URL, when `target.url` passed.
    base: Option<Url>,
    /// `direct`, `proxy`, `partial` or `blocked`, when the allowlist was probed.
    allowlist: Option<AllowlistStatus>,
    /// The organization's Entra tenant, as its unauthenticated answer names it.
    org_tenant: Option<String>,
    /// Signed in, when the sign-in passed.
    client: Option<AdoClient>,
    /// The project, when `project.access` passed.
    project: Option<TeamProject>,
    /// The project's types and defaults, when `scope.read` passed.
    meta: Option<ProjectDefaults>,
    /// What the mapping checks established.
    mapping: Mapped,
}

/// What the mapping checks established, for the write.
#[derive(Default)]
struct Mapped {
    /// The work item type, when `mapping.work_item_type` passed.
    chosen_type: Option<String>,
    /// The type's fields (empty when they could not be read).
    fields: Vec<WorkItemTypeField>,
    /// The area path, when `mapping.area_path` passed.
    area: Option<String>,
    /// The iteration path, when `mapping.iteration_path` passed.
    iteration: Option<String>,
}

impl<'a> Stages<'a> {
    fn new(subject: &'a Subject, ctx: &'a Context, focus: Option<HashSet<&'static str>>) -> Self {
        Stages {
            subject,
            ctx,
            r: Run::new(focus),
            pre: Pre::default(),
            base: None,
            allowlist: None,
            org_tenant: None,
            client: None,
            project: None,
            meta: None,
            mapping: Mapped::default(),
        }
    }

    /// Local: the target's syntax, the stores.
    async fn local(&mut self) {
        let (subject, ctx) = (self.subject, self.ctx);
        let (base, o) = target_check(subject, ctx);
        self.r.set(o);
        self.base = base;
        let (secret_o, config_o) = tokio::join!(
            maybe(self.r.wants("storage.secret"), || storage_secret(
                subject, ctx
            )),
            maybe(self.r.wants("storage.config"), || storage_config(ctx)),
        );
        secret_o
            .into_iter()
            .chain(config_o)
            .for_each(|o| self.r.set(o));
    }

    /// Round trip 1: the network probes and, for a PAT, the sign-in.
    ///
    /// A PAT needs nothing from the probes, so who-am-I (and a Server's
    /// api-version) go out with them, and round trip 2 goes out as soon as
    /// the sign-in is known; what came early is reported only where the
    /// prerequisites passed (the sign-in stage decides). A Microsoft or
    /// unattended sign-in needs the organization's tenant from the probe
    /// first. Gives the sign-in that went out early.
    async fn round_trip_one(&mut self) -> Option<SignIn> {
        let (subject, ctx) = (self.subject, self.ctx);
        let wants_auth = self.r.wants_any(&AUTH_IDS);
        let wants_net = self.r.wants_any(&NETWORK_IDS);
        let pat_sign_in = subject.entra.is_none() && subject.unattended.is_none();
        if wants_auth && pat_sign_in {
            self.send_org_reads();
        }
        let (r, pre, base) = (&self.r, &mut self.pre, &self.base);
        let (wants_reachable, wants_allowlist) =
            (r.wants("network.reachable"), r.wants("network.allowlist"));
        let net = async {
            match (base, wants_net) {
                (Some(b), true) => {
                    Some(network_stage(subject, ctx, b, wants_reachable, wants_allowlist).await)
                }
                _ => None,
            }
        };
        let early_sign_in = async {
            match (base, wants_auth && pat_sign_in) {
                (Some(b), true) => {
                    let s = sign_in(subject, ctx, b.clone(), None).await;
                    if let Some(c) = &s.client {
                        pre.start(c, subject, &|id| r.wants(id));
                    }
                    Some(s)
                }
                _ => None,
            }
        };
        let (net, early_sign_in) = tokio::join!(net, early_sign_in);
        match net {
            Some(n) => {
                n.outcomes.into_iter().for_each(|o| self.r.set(o));
                self.allowlist = n.allowlist;
                self.org_tenant = n.tenant;
            }
            None if wants_net && self.base.is_none() => {
                self.r.gate(&NETWORK_IDS);
            }
            None => {}
        }
        early_sign_in
    }

    /// Org-level reads that need no project id go out with a PAT's sign-in
    /// when the api-version is known without negotiating (Services, or a
    /// saved Server connection's): the permission names, the assignee's
    /// teams.
    fn send_org_reads(&mut self) {
        let subject = self.subject;
        let (Some(b), Some(pat), Some(v)) = (&self.base, &subject.pat, known_version(subject))
        else {
            return;
        };
        let Ok(c) = AdoClient::new(
            self.ctx.http.clone(),
            b.clone(),
            Credential::Pat(pat.clone()),
            v,
        ) else {
            return;
        };
        if self.r.wants("project.access") && self.r.wants_any(&PERMISSION_IDS) {
            self.pre.namespaces(&c);
        }
        if self.r.wants("mapping.assignee")
            && let (Some(project), Some(who)) = (&subject.project, &subject.assignee)
        {
            self.pre.assignee(&c, project, who);
        }
    }

    /// Sign-in: who am I, and what that answer says (the one sent early,
    /// else now, with the organization's tenant).
    async fn auth(&mut self, early: Option<SignIn>) {
        if self.r.wants_any(&AUTH_IDS)
            && self.r.gate(&["auth.credentials"])
            && let Some(base) = self.base.clone()
        {
            self.client = match early {
                Some(s) => self.r.absorb(s),
                None => {
                    let s = sign_in(self.subject, self.ctx, base, self.org_tenant.as_deref()).await;
                    if let Some(c) = &s.client {
                        let r = &self.r;
                        self.pre.start(c, self.subject, &|id| r.wants(id));
                    }
                    self.r.absorb(s)
                }
            };
        }
        self.r.gate(&[
            "auth.identity",
            "auth.directory",
            "auth.policy",
            "auth.expiry",
        ]);
    }

    /// Round trip 2: the project.
    async fn project(&mut self) {
        if !(self.r.wants("project.access") && self.r.gate(&["project.access"])) {
            return;
        }
        let Some(c) = &self.client else {
            return;
        };
        let started = Instant::now();
        let found = match &self.subject.project {
            Some(name) => Some(match self.pre.project.take().await {
                Some(p) => p,
                None => c.project(name).await,
            }),
            None => None,
        };
        let (project, o) = access_check(self.subject.project.as_deref(), found, started);
        self.r.set(o);
        if let Some(p) = &project {
            self.r.facts.project_id = Some(p.id.clone());
            self.r.facts.project = Some(p.name.clone());
            self.r.facts.process = Some(process_name(p));
        }
        self.project = project;
    }

    /// What the project holds (its process, its metadata), and what the
    /// user may do there; sends round trip 3 for the mapping as soon as the
    /// project's defaults are known.
    async fn project_contents(&mut self) {
        let stage = [
            "project.process",
            "scope.read",
            "permission.project_admin",
            "permission.service_hooks",
            "permission.tags",
        ];
        if !(self.r.wants_any(&stage) && self.r.gate(&stage)) {
            return;
        }
        let Stages {
            subject,
            r,
            pre,
            client,
            project,
            meta,
            ..
        } = self;
        let (Some(c), Some(p)) = (&*client, &*project) else {
            return;
        };
        let process = process_name(p);
        // The permissions need the project's id (round trip 3, unless a
        // saved connection's id sent them with round trip 2).
        if r.wants_any(&PERMISSION_IDS) {
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
                *meta = Some(m);
            }
            Some(Err(o)) => r.set(*o),
            None => {}
        }
        if let Some(m) = &*meta {
            pre.defaults_known(c, subject, &p.name, m, &|id| r.wants(id));
        }
        if r.wants_any(&PERMISSION_IDS) {
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

    /// The mapping: the type, the paths, the assignee, all at once.
    async fn mapping(&mut self) {
        let ids = [
            "mapping.work_item_type",
            "mapping.area_path",
            "mapping.iteration_path",
            "mapping.assignee",
        ];
        if !(self.r.wants_any(&ids) && self.r.gate(&ids)) {
            return;
        }
        let (Some(c), Some(p), Some(m)) = (&self.client, &self.project, &self.meta) else {
            return;
        };
        let started = Instant::now();
        let plan = MappingPlan::new(self.subject, m);
        let type_ok = plan
            .wanted
            .as_ref()
            .and_then(|w| m.types.iter().find(|t| t.name.eq_ignore_ascii_case(w)));
        let a = mapping_answers(&mut self.pre, self.subject, c, p, type_ok, &plan).await;
        let r = &mut self.r;
        let (chosen_type, o) = type_check(plan.wanted.as_deref(), type_ok, m, &p.name, started);
        r.set(o);
        r.set(path_check(
            "mapping.area_path",
            "area",
            &plan.area_path,
            a.area,
            started,
        ));
        r.set(path_check(
            "mapping.iteration_path",
            "iteration",
            &plan.iteration_path,
            a.iteration,
            started,
        ));
        r.facts.work_item_type.clone_from(&chosen_type);
        self.mapping.chosen_type = chosen_type;
        if r.ok("mapping.area_path") {
            r.facts.area_path = Some(plan.area_path.clone());
            self.mapping.area = Some(plan.area_path);
        }
        if r.ok("mapping.iteration_path") {
            r.facts.iteration_path = Some(plan.iteration_path.clone());
            self.mapping.iteration = Some(plan.iteration_path);
        }
        r.set(a.assignee);
        match a.fields {
            Some(Ok(f)) => self.mapping.fields = f,
            Some(Err(e)) => r.set(from_error("mapping.work_item_type", &e, started)),
            None => {}
        }
    }

    /// The priority map and the required fields, against the type's fields.
    fn mapping_fields(&mut self) {
        let stage = ["mapping.priority", "mapping.required_fields"];
        if self.r.wants_any(&stage) && self.r.gate(&stage) {
            let started = Instant::now();
            let fields = &self.mapping.fields;
            self.r.set(priority_check(fields, self.subject, started));
            self.r
                .set(required_fields_check(fields, self.subject, started));
        }
    }

    /// Writing: one dry-run create answers both `scope.write` and
    /// `mapping.dry_run`.
    async fn write(&mut self) {
        let subject = self.subject;
        if !self.r.wants_any(&["scope.write", "mapping.dry_run"]) {
            // Not asked for.
            return;
        }
        if subject.access == Access::ReadOnly {
            for id in ["scope.write", "mapping.dry_run"] {
                self.r
                    .set(skip(id, "read-only connection: nothing is written"));
            }
            return;
        }
        if !self.r.gate(&["scope.write"]) {
            return;
        }
        let (Some(c), Some(p), Some(t)) = (&self.client, &self.project, &self.mapping.chosen_type)
        else {
            return;
        };
        let started = Instant::now();
        let m = &self.mapping;
        let has_priority = m
            .fields
            .iter()
            .any(|f| f.reference_name == "Microsoft.VSTS.Common.Priority");
        let ops = dry_run_ops(
            subject,
            has_priority,
            m.area.as_deref(),
            m.iteration.as_deref(),
        );
        // The dry run sent early counts when it was this very create.
        let answer = match self.pre.claim_dry_run(t, &ops).take().await {
            Some(a) => a,
            None => c.validate_work_item(&p.name, t, &ops).await,
        };
        let (write, dry_run) = write_checks(answer, started);
        self.r.set(write);
        if self.r.gate(&["mapping.dry_run"])
            && let Some(o) = dry_run
        {
            self.r.set(o);
        }
    }

    /// The report: every check the run evaluates, in catalogue order;
    /// anything a stage could not reach is skipped with its reason.
    fn report(mut self) -> Report {
        let r = &mut self.r;
        let wanted: Vec<_> = super::catalogue::CATALOGUE
            .iter()
            .filter(|d| r.wants(d.id))
            .collect();
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
        r.facts.tenant = self.org_tenant;
        // Fixes name the command for this connection.
        let again = match &self.subject.name {
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
            facts: self.r.facts,
            renewed_secret: self.r.renewed_secret,
            allowlist_status: self.allowlist,
            base_url: self
                .base
                .map(|b| b.as_str().trim_end_matches('/').to_string()),
        }
    }
}

/// What the mapping stage's requests answered.
struct MappingAnswers {
    /// The type's fields, when the project has the type.
    fields: Option<Result<Vec<WorkItemTypeField>, AdoError>>,
    area: Result<(), AdoError>,
    iteration: Result<(), AdoError>,
    /// `mapping.assignee`, decided with its own request.
    assignee: CheckOutcome,
}

/// The mapping stage's requests, concurrently: the type's fields, the two
/// paths and the assignee (each the one sent ahead, when it was for this).
async fn mapping_answers(
    pre: &mut Pre,
    subject: &Subject,
    c: &AdoClient,
    p: &TeamProject,
    type_ok: Option<&WorkItemType>,
    plan: &MappingPlan,
) -> MappingAnswers {
    let area_below = below_root(&p.name, &plan.area_path);
    let iteration_below = below_root(&p.name, &plan.iteration_path);
    let mut fields_early = type_ok
        .map(|t| pre.claim_fields(&t.name))
        .unwrap_or_default();
    let mut area_early = pre.claim_area(&plan.area_path);
    let mut iteration_early = pre.claim_iteration(&plan.iteration_path);
    let mut assignee_early = pre.claim_assignee();
    let node = |group, below: &str| {
        let below = below.to_string();
        async move {
            c.classification_node(&p.name, group, &below, Some(0))
                .await
                .map(|_| ())
        }
    };
    let (fields, area, iteration, assignee) = tokio::join!(
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
                None => node(StructureGroup::Areas, &area_below).await,
            }
        },
        async {
            match iteration_early.take().await {
                Some(i) => i,
                None => node(StructureGroup::Iterations, &iteration_below).await,
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
    MappingAnswers {
        fields,
        area,
        iteration,
        assignee,
    }
}

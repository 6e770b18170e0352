//! Requests sent before the stage that uses their answers: as soon as what
//! they are addressed by is known (SPEC §8: a run costs only the round
//! trips its dependencies force). The catalogue's stages still decide what
//! is reported: an answer that came early is used only where the check's
//! prerequisites passed, and only when it is for what the stage would have
//! asked (the same type, path, project id or dry-run operations); otherwise
//! the stage asks again. Used by the runner only; depends on the families
//! for what each request computes, never on the runner.

use super::dry_run::dry_run_ops;
use super::mapping::{MappingPlan, assignee_found};
use super::permission::{PERMISSION_IDS, permissions};
use super::project::{ProjectDefaults, below_root, project_defaults};
use super::report::CheckOutcome;
use super::subject::Subject;
use crate::ado::client::{AdoClient, StructureGroup};
use crate::ado::error::AdoError;
use crate::ado::models::{
    JsonPatchOperation, Process, SecurityNamespace, TeamProject, WorkItem, WorkItemTypeField,
};
use crate::store::config::Access;

/// One request sent ahead. Aborted if its answer is never taken.
pub(super) struct Early<T>(Option<tokio::task::JoinHandle<T>>);

impl<T> Default for Early<T> {
    fn default() -> Self {
        Early(None)
    }
}

impl<T: Send + 'static> Early<T> {
    pub(super) fn spawn(f: impl std::future::Future<Output = T> + Send + 'static) -> Self {
        Early(Some(tokio::spawn(f)))
    }

    pub(super) fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// The answer, once (`None`: never sent, already taken, or the task
    /// failed — the caller then asks itself).
    pub(super) async fn take(&mut self) -> Option<T> {
        match self.0.take() {
            Some(h) => h.await.ok(),
            None => None,
        }
    }
}

impl<T> Drop for Early<T> {
    fn drop(&mut self) {
        if let Some(h) = &self.0 {
            h.abort();
        }
    }
}

type R<T> = Result<T, AdoError>;

/// Every request a run sent ahead, each with what it was for.
#[derive(Default)]
pub(super) struct Pre {
    pub project: Early<R<TeamProject>>,
    pub processes: Early<R<Vec<Process>>>,
    pub meta: Early<R<ProjectDefaults>>,
    /// Org-level: sent with the sign-in when the api-version is known.
    namespaces: Early<R<Vec<SecurityNamespace>>>,
    /// Org-level: sent with the sign-in when the api-version is known.
    assignee: Early<R<bool>>,
    fields: Early<R<Vec<WorkItemTypeField>>>,
    fields_type: String,
    area: Early<R<()>>,
    area_path: String,
    iteration: Early<R<()>>,
    iteration_path: String,
    dry_run: Early<R<WorkItem>>,
    dry_run_type: String,
    dry_run_ops: Vec<JsonPatchOperation>,
    permissions: Early<Vec<CheckOutcome>>,
    permissions_id: String,
}

impl Pre {
    /// The permission names (`_apis/securitynamespaces`).
    pub fn namespaces(&mut self, c: &AdoClient) {
        if self.namespaces.is_none() {
            let c = c.clone();
            self.namespaces = Early::spawn(async move { c.security_namespaces().await });
        }
    }

    /// Whether `who` is in a team of `project` (the teams, then their members).
    pub fn assignee(&mut self, c: &AdoClient, project: &str, who: &str) {
        if self.assignee.is_none() {
            self.assignee = Early::spawn(assignee_found(
                c.clone(),
                project.to_string(),
                who.to_string(),
            ));
        }
    }

    pub fn project(&mut self, c: &AdoClient, name: &str) {
        let (c, name) = (c.clone(), name.to_string());
        self.project = Early::spawn(async move { c.project(&name).await });
    }

    pub fn processes(&mut self, c: &AdoClient) {
        let c = c.clone();
        self.processes = Early::spawn(async move { c.processes().await });
    }

    /// The project's types and the default team's defaults (no team name
    /// needed: `{project}/_apis/work/teamsettings` is the default team's).
    pub fn meta(&mut self, c: &AdoClient, name: &str) {
        let (c, name) = (c.clone(), name.to_string());
        self.meta = Early::spawn(async move { project_defaults(&c, &name, None).await });
    }

    pub fn fields(&mut self, c: &AdoClient, project: &str, type_name: &str) {
        if self.fields.is_none() {
            let (c, p, t) = (c.clone(), project.to_string(), type_name.to_string());
            self.fields_type = t.clone();
            self.fields = Early::spawn(async move { c.work_item_type_fields(&p, &t, true).await });
        }
    }

    pub fn area(&mut self, c: &AdoClient, project: &str, path: &str) {
        if self.area.is_none() {
            self.area_path = path.to_string();
            self.area = node(c, project, StructureGroup::Areas, path);
        }
    }

    pub fn iteration(&mut self, c: &AdoClient, project: &str, path: &str) {
        if self.iteration.is_none() {
            self.iteration_path = path.to_string();
            self.iteration = node(c, project, StructureGroup::Iterations, path);
        }
    }

    /// The dry-run create (`validateOnly`: nothing is created).
    pub fn dry_run(
        &mut self,
        c: &AdoClient,
        project: &str,
        type_name: &str,
        ops: Vec<JsonPatchOperation>,
    ) {
        if self.dry_run.is_none() {
            let (c, p, t) = (c.clone(), project.to_string(), type_name.to_string());
            self.dry_run_type = t.clone();
            self.dry_run_ops = ops.clone();
            self.dry_run = Early::spawn(async move { c.validate_work_item(&p, &t, &ops).await });
        }
    }

    /// The three permission checks for the project `id` (with the
    /// namespaces sent earlier, if any).
    pub fn permissions(&mut self, c: &AdoClient, id: &str, access: Access) {
        if self.permissions.is_none() {
            let (c, id2) = (c.clone(), id.to_string());
            let mut ns = std::mem::take(&mut self.namespaces);
            self.permissions_id = id.to_string();
            self.permissions = Early::spawn(async move {
                let ns = ns.take().await.filter(Result::is_ok);
                permissions(&c, &id2, access, ns).await
            });
        }
    }

    /// Round trip 2: everything addressed by the project's name, and what
    /// the subject already names (a saved connection's type, paths and
    /// project id), for the checks `wants` evaluates.
    pub fn start(&mut self, c: &AdoClient, subject: &Subject, wants: &dyn Fn(&str) -> bool) {
        let Some(name) = subject.project.as_deref() else {
            return;
        };
        if !wants("project.access") {
            return;
        }
        let perms = PERMISSION_IDS;
        self.project(c, name);
        if wants("project.process") {
            self.processes(c);
        }
        if wants("scope.read") {
            self.meta(c, name);
        }
        if perms.iter().any(|id| wants(id)) {
            self.namespaces(c);
        }
        if wants("mapping.assignee")
            && let Some(who) = &subject.assignee
        {
            self.assignee(c, name, who);
        }
        if wants("mapping.work_item_type")
            && let Some(t) = &subject.work_item_type
        {
            self.fields(c, name, t);
        }
        if wants("mapping.area_path")
            && let Some(a) = &subject.area_path
        {
            self.area(c, name, a);
        }
        if wants("mapping.iteration_path")
            && let Some(i) = &subject.iteration_path
        {
            self.iteration(c, name, i);
        }
        // The dry run as if the type has a Priority field and the paths
        // exist; sent again later only when that turns out wrong.
        if (wants("scope.write") || wants("mapping.dry_run"))
            && subject.access != Access::ReadOnly
            && let (Some(t), Some(a), Some(i)) = (
                &subject.work_item_type,
                subject.area_path.as_deref(),
                subject.iteration_path.as_deref(),
            )
        {
            let ops = dry_run_ops(subject, true, Some(a), Some(i));
            self.dry_run(c, name, t, ops);
        }
        // A saved connection knows its project id.
        if perms.iter().any(|id| wants(id))
            && let Some(id) = subject.project_id.as_deref().filter(|id| !id.is_empty())
        {
            self.permissions(c, id, subject.access);
        }
    }

    /// Round trip 3 (with the permissions): what the project's defaults
    /// `m` address — the type's fields, the paths, the dry run — for the
    /// checks `wants` evaluates.
    pub fn defaults_known(
        &mut self,
        c: &AdoClient,
        subject: &Subject,
        project: &str,
        m: &ProjectDefaults,
        wants: &dyn Fn(&str) -> bool,
    ) {
        let plan = MappingPlan::new(subject, m);
        if let Some(t) = plan.found.as_deref() {
            if wants("mapping.work_item_type") {
                self.fields(c, project, t);
            }
            if (wants("scope.write") || wants("mapping.dry_run"))
                && subject.access != Access::ReadOnly
            {
                let ops = dry_run_ops(
                    subject,
                    true,
                    Some(&plan.area_path),
                    Some(&plan.iteration_path),
                );
                self.dry_run(c, project, t, ops);
            }
        }
        if wants("mapping.area_path") {
            self.area(c, project, &plan.area_path);
        }
        if wants("mapping.iteration_path") {
            self.iteration(c, project, &plan.iteration_path);
        }
    }

    // ─── Claiming: the request sent ahead, if it was for this ──────────────

    pub fn claim_namespaces(&mut self) -> Early<R<Vec<SecurityNamespace>>> {
        std::mem::take(&mut self.namespaces)
    }

    pub fn claim_assignee(&mut self) -> Early<R<bool>> {
        std::mem::take(&mut self.assignee)
    }

    pub fn claim_fields(&mut self, type_name: &str) -> Early<R<Vec<WorkItemTypeField>>> {
        claim(
            &mut self.fields,
            self.fields_type.eq_ignore_ascii_case(type_name),
        )
    }

    pub fn claim_area(&mut self, path: &str) -> Early<R<()>> {
        claim(&mut self.area, self.area_path == path)
    }

    pub fn claim_iteration(&mut self, path: &str) -> Early<R<()>> {
        claim(&mut self.iteration, self.iteration_path == path)
    }

    pub fn claim_dry_run(
        &mut self,
        type_name: &str,
        ops: &[JsonPatchOperation],
    ) -> Early<R<WorkItem>> {
        let same = self.dry_run_type.eq_ignore_ascii_case(type_name) && self.dry_run_ops == ops;
        claim(&mut self.dry_run, same)
    }

    pub fn claim_permissions(&mut self, id: &str) -> Early<Vec<CheckOutcome>> {
        claim(&mut self.permissions, self.permissions_id == id)
    }
}

/// The request sent ahead when it was for this (else nothing: ask again).
fn claim<T>(e: &mut Early<T>, same: bool) -> Early<T> {
    if same {
        std::mem::take(e)
    } else {
        Early::default()
    }
}

fn node(c: &AdoClient, project: &str, group: StructureGroup, path: &str) -> Early<R<()>> {
    let (c, p) = (c.clone(), project.to_string());
    let below = below_root(project, path);
    Early::spawn(async move {
        c.classification_node(&p, group, &below, Some(0))
            .await
            .map(|_| ())
    })
}

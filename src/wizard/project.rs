//! The Project step: a filterable list of the organization's projects; the
//! chosen one is checked by a job (at most one connection per
//! organization+project), and its permission checks then run beside the
//! Field mapping step, nothing waiting for them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{CheckOutcome, Effect, Job, Problem, Step, Wizard};

/// The permission checks run when a project is chosen (SPEC §2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Permissions {
    #[default]
    NotRun,
    /// The job with this id is running.
    Checking {
        id: u64,
    },
    Checked(Vec<CheckOutcome>),
}

impl Wizard {
    /// Starts the permission checks of the chosen project beside the
    /// Field mapping step (nothing waits for them).
    pub(super) fn check_permissions(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Permissions::Checking { id } = self.permissions {
            effects.push(Effect::Cancel { id });
        }
        let (Some(session), Some(project)) = (self.session(), self.project.clone()) else {
            self.permissions = Permissions::NotRun;
            return effects;
        };
        self.next_id += 1;
        let id = self.next_id;
        self.permissions = Permissions::Checking { id };
        effects.push(Effect::Spawn {
            id,
            job: Box::new(Job::CheckPermissions {
                session,
                project,
                devops_base: self.settings.devops_base.clone(),
                allow_http: self.settings.allow_http,
            }),
        });
        effects
    }
}

/// Keys of the Project step: typing filters, ↑↓ PgUp PgDn Home End
/// choose, Enter checks the chosen project (or goes on when it is the one
/// already checked, or loads the list again when it failed).
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Up => w.projects.select_prev(),
        KeyCode::Down => w.projects.select_next(),
        KeyCode::PageUp => w.projects.page_up(10),
        KeyCode::PageDown => w.projects.page_down(10),
        KeyCode::Home => w.projects.select_first(),
        KeyCode::End => w.projects.select_last(),
        KeyCode::Backspace => {
            let mut q = w.projects.query().to_string();
            q.pop();
            w.projects.set_query(&q);
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            let q = format!("{}{c}", w.projects.query());
            w.projects.set_query(&q);
        }
        KeyCode::Enter => {
            if w.pending.is_some() {
                return Vec::new();
            }
            if !w.projects_loaded {
                return w.enter(Step::Project);
            }
            let Some(name) = w.projects.selected().map(|p| p.name.clone()) else {
                return Vec::new();
            };
            let Some(session) = w.session() else {
                return Vec::new();
            };
            if w.project.as_ref().is_some_and(|p| p.name == name) && w.form.is_some() {
                return w.enter(Step::Mapping);
            }
            // At most one connection per organization+project (SPEC §1): say so now.
            let here = w
                .organization
                .clone()
                .or_else(|| {
                    w.base_url
                        .as_ref()
                        .map(|u| u.as_str().trim_end_matches('/').to_string())
                })
                .unwrap_or_default();
            if let Some((existing, _, _)) = w.settings.existing.iter().find(|(_, org, project)| {
                org.eq_ignore_ascii_case(&here) && project.eq_ignore_ascii_case(&name)
            }) {
                w.problem = Some(Problem::new(
                    "CONNECTION_EXISTS",
                    format!("connection {existing} already connects {here} · {name}"),
                    format!(
                        "Choose another project, or change {existing} with: ado-setup edit {existing}"
                    ),
                ));
                return Vec::new();
            }
            w.forget_from_project();
            return w.spawn(Job::CheckProject {
                session,
                project: name,
            });
        }
        _ => {}
    }
    Vec::new()
}

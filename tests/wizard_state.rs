//! The wizard's state machine alone. No IO, no async: messages in, effects
//! and state out — every transition, back navigation keeping data, stale
//! results, cancel and retry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ado_setup::ado::endpoints::Deployment;
use ado_setup::wizard::{
    Availability, CheckStatus, Effect, Job, JobResult, Msg, OrgItem, OrganizationOk, Outcome,
    Problem, ProjectInfo, ProjectItem, SavedInfo, Settings, SignInMethod, SpCredential, Step,
    Unavailable, UserInfo, Wizard, update,
};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

fn settings() -> Settings {
    support::wizard_settings()
}

fn key(code: KeyCode) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(c: char) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn typed(w: &mut Wizard, text: &str) {
    for c in text.chars() {
        update(w, key(KeyCode::Char(c)));
    }
}

/// The single job spawned by `effects`, with its id (the permission checks
/// a chosen project starts beside the next step aside).
fn spawned(effects: &[Effect]) -> (u64, Job) {
    let spawns: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Spawn { job, .. } if matches!(**job, Job::CheckPermissions { .. }) => None,
            Effect::Spawn { id, job } => Some((*id, (**job).clone())),
            _ => None,
        })
        .collect();
    assert_eq!(spawns.len(), 1, "{effects:?}");
    spawns.into_iter().next().unwrap()
}

fn done(w: &mut Wizard, id: u64, result: JobResult) -> Vec<Effect> {
    update(w, Msg::Done { id, result })
}

fn user() -> UserInfo {
    UserInfo {
        display_name: "Avery Lindqvist".into(),
        sign_in: Some("avery@contoso.example".into()),
    }
}

fn project_info() -> ProjectInfo {
    ProjectInfo {
        id: "p1".into(),
        name: "Payments".into(),
        process: "Agile".into(),
        default_team: Some("Payments Team".into()),
    }
}

/// Loads the mapping form and passes its checks: the Network step follows.
fn pass_mapping(w: &mut Wizard, load_id: u64) -> Vec<Effect> {
    done(
        w,
        load_id,
        JobResult::MappingLoaded(support::mapping_data(false)),
    );
    let (id, job) = spawned(&update(w, key(KeyCode::Enter)));
    let mapping = match job {
        Job::ValidateMapping(req) => req.mapping,
        other => panic!("{other:?}"),
    };
    let e = done(
        w,
        id,
        JobResult::MappingChecked {
            mapping: Box::new(mapping.clone()),
            outcomes: vec![support::outcome(
                "mapping.dry_run",
                CheckStatus::Pass,
                None,
                "accepted",
                &[],
            )],
        },
    );
    // The dry run's result is shown first; Enter goes on.
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(w.step, Step::Mapping);
    let said = w.form.as_ref().unwrap().verified().unwrap().to_string();
    assert!(
        said.starts_with(&format!(
            "would create an {} in {}",
            mapping.work_item_type, mapping.area_path
        )),
        "{said}"
    );
    update(w, key(KeyCode::Enter))
}

fn items() -> Vec<ProjectItem> {
    ["Alpha", "Payments", "Zeta"]
        .iter()
        .enumerate()
        .map(|(i, n)| ProjectItem {
            id: format!("p{i}"),
            name: n.to_string(),
            description: String::new(),
            visibility: "private".into(),
            process: "Agile".into(),
        })
        .collect()
}

/// Drives a Services wizard to the Project step with a loaded list.
fn to_project_step(w: &mut Wizard) {
    update(w, key(KeyCode::Enter)); // Deployment: Services
    assert_eq!(w.step, Step::Target);
    typed(w, "https://dev.azure.com/contoso/Payments/_git/api");
    let (id, job) = spawned(&update(w, key(KeyCode::Enter)));
    assert!(matches!(
        job,
        Job::ProbeTarget {
            deployment: Deployment::Services,
            ..
        }
    ));
    assert_eq!(w.organization.as_deref(), Some("contoso"));
    assert_eq!(w.project_hint.as_deref(), Some("Payments"));
    done(
        w,
        id,
        JobResult::TargetOk {
            tenant: Some("t1".into()),
        },
    );
    assert_eq!(w.step, Step::SignIn);
    assert_eq!(
        w.sign_in_method,
        SignInMethod::DeviceCode,
        "Microsoft sign-in is the default for Services"
    );
    update(w, key(KeyCode::Tab));
    assert_eq!(w.sign_in_method, SignInMethod::Pat);
    typed(w, "secret-pat");
    let (id, job) = spawned(&update(w, key(KeyCode::Enter)));
    assert!(matches!(job, Job::SignIn { .. }));
    done(
        w,
        id,
        JobResult::SignedIn {
            user: user(),
            api_version: "7.1".into(),
            entra: None,
        },
    );
    assert_eq!(w.step, Step::Organization);
    let (id, job) = spawned(&update(w, key(KeyCode::Enter)));
    assert_eq!(w.step, Step::Project);
    assert!(matches!(job, Job::LoadProjects { .. }));
    done(w, id, JobResult::Projects(items()));
}

#[test]
fn a_fresh_wizard_starts_at_deployment_or_the_menu() {
    let w = Wizard::new(settings());
    assert_eq!(w.step, Step::Deployment);
    let mut s = settings();
    s.existing = vec![("prod".into(), "contoso".into(), "Payments".into())];
    let mut w = Wizard::new(s);
    assert_eq!(w.step, Step::Menu);
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.step, Step::Deployment);
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Menu);
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Down));
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(matches!(e.as_slice(), [Effect::Quit(Outcome::Quit)]));
}

#[test]
fn the_whole_services_flow_reaches_done() {
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    // The project from the pasted URL is preselected.
    assert_eq!(
        w.projects.selected().map(|p| p.name.as_str()),
        Some("Payments")
    );
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match job {
        Job::CheckProject { project, .. } => assert_eq!(project, "Payments"),
        other => panic!("{other:?}"),
    }
    let e = done(&mut w, id, JobResult::ProjectOk(project_info()));
    assert_eq!(w.step, Step::Mapping);
    let (id, job) = spawned(&e);
    assert!(matches!(job, Job::LoadMapping { .. }));
    let e = pass_mapping(&mut w, id);
    let (id, job) = spawned(&e);
    assert_eq!(w.step, Step::Network);
    match job {
        Job::ProbeNetwork { endpoints } => {
            let hosts: Vec<_> = endpoints.iter().filter_map(|u| u.host_str()).collect();
            assert!(hosts.contains(&"dev.azure.com"));
            assert!(hosts.contains(&"contoso.visualstudio.com"));
            // Entra ID's sign-in endpoint only where the sign-in goes there.
            assert_eq!(
                hosts.contains(&"login.microsoftonline.com"),
                w.sign_in_method == SignInMethod::DeviceCode,
                "{:?}: {hosts:?}",
                w.sign_in_method
            );
        }
        other => panic!("{other:?}"),
    }
    done(&mut w, id, JobResult::Network(Vec::new()));
    // The list for a firewall request: copied, and saved by a job.
    let e = update(&mut w, key(KeyCode::Char('c')));
    assert!(
        matches!(e.as_slice(), [Effect::Copy(t)] if t.contains("Outbound HTTPS")),
        "{e:?}"
    );
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Char('s'))));
    match job {
        Job::SaveAllowlist { text, file_name } => {
            assert_eq!(file_name, "allowlist-contoso.txt");
            assert!(text.contains("Status from this machine: blocked"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    done(
        &mut w,
        id,
        JobResult::AllowlistSaved("/tmp/x/allowlist-contoso.txt".into()),
    );
    assert!(
        w.notice
            .as_deref()
            .unwrap()
            .contains("allowlist-contoso.txt")
    );
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert_eq!(w.step, Step::Review);
    assert!(matches!(job, Job::Review(_)));
    assert_eq!(w.review.name.value(), "contoso-payments");
    done(
        &mut w,
        id,
        JobResult::Reviewed(vec![support::outcome(
            "auth.credentials",
            CheckStatus::Pass,
            None,
            "accepted",
            &[],
        )]),
    );
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match &job {
        Job::Save(req) => {
            let c = &req.connection;
            assert_eq!(c.name, "contoso-payments");
            assert_eq!(c.organization.as_deref(), Some("contoso"));
            assert_eq!(c.base_url, "https://dev.azure.com/contoso");
            assert_eq!(c.project, "Payments");
            assert_eq!(c.work_item_type, "Issue");
            assert_eq!(c.provider_key.as_str(), "azure_devops_services");
            assert_eq!(c.api_version, "7.1");
            assert!(
                c.secret_ref.is_none(),
                "the job decides where the secret goes"
            );
        }
        other => panic!("{other:?}"),
    }
    let saved = SavedInfo {
        name: "contoso-payments".into(),
        config_path: "/tmp/c/config.toml".into(),
        secret_location: "mock".into(),
    };
    done(&mut w, id, JobResult::Saved(saved.clone()));
    assert_eq!(w.step, Step::Done);
    assert!(w.pat.value().is_empty(), "the PAT is dropped once saved");
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(matches!(e.as_slice(), [Effect::Quit(Outcome::Saved(s))] if *s == saved));
}

#[test]
fn server_skips_the_organization_step() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Down));
    assert_eq!(w.deployment, Deployment::Server);
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "https://tfs.contoso.example/tfs/DefaultCollection/");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert_eq!(
        w.base_url.as_ref().map(|u| u.as_str()),
        Some("https://tfs.contoso.example/tfs/DefaultCollection")
    );
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    typed(&mut w, "pat");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(
        &mut w,
        id,
        JobResult::SignedIn {
            user: user(),
            api_version: "6.0".into(),
            entra: None,
        },
    );
    assert_eq!(w.step, Step::Project);
    assert!(!w.steps().contains(&Step::Organization));
    assert!(matches!(spawned(&e).1, Job::LoadProjects { .. }));
}

#[test]
fn backspace_only_edits_and_never_leaves_a_step() {
    let collection = "https://tfs.contoso.example/tfs/DefaultCollection";
    let mut w = Wizard::new(settings());
    // On a list step Backspace does nothing.
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Backspace));
    assert_eq!(w.step, Step::Deployment);
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, collection);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    assert_eq!(w.step, Step::SignIn);
    // A wrong token, cleared with Ctrl-U, then a held Backspace: the step and
    // the collection URL stay, and the next paste lands in the masked field.
    typed(&mut w, "wrong-token");
    update(&mut w, ctrl('u'));
    assert_eq!(w.pat.value(), "");
    for _ in 0..20 {
        update(&mut w, key(KeyCode::Backspace));
    }
    assert_eq!(w.step, Step::SignIn);
    assert_eq!(w.target.value(), collection);
    update(&mut w, Msg::Term(Event::Paste("the-right-token".into())));
    assert_eq!(w.pat.value(), "the-right-token");
    assert_eq!(w.target.value(), collection);
    // Esc is what goes back.
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Target);
}

#[test]
fn invalid_input_shows_a_problem_and_spawns_nothing() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso-");
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(e.is_empty());
    let p = w.problem.clone().expect("a problem");
    assert_eq!(p.code, "PROVIDER_BASE_URL_BLOCKED");
    // Typing clears it; a corrected input goes on.
    update(&mut w, key(KeyCode::Backspace));
    assert!(w.problem.is_none());
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(matches!(spawned(&e).1, Job::ProbeTarget { .. }));
}

#[test]
fn a_failed_check_can_be_corrected_and_retried() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "nosuchorg");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(
        &mut w,
        id,
        JobResult::Failed(Problem::new(
            "PROVIDER_NOT_FOUND",
            "no such org",
            "check it",
        )),
    );
    assert_eq!(w.step, Step::Target);
    assert_eq!(
        w.problem.as_ref().map(|p| p.code.as_str()),
        Some("PROVIDER_NOT_FOUND")
    );
    assert!(!w.is_pending());
    let (id2, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(id2 > id);
    assert!(w.problem.is_none(), "a retry clears the old problem");
}

#[test]
fn stale_results_are_ignored() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (first, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    // Esc cancels; the late answer must not move the wizard.
    let e = update(&mut w, key(KeyCode::Esc));
    assert!(matches!(e.as_slice(), [Effect::Cancel { id }] if *id == first));
    assert_eq!(w.step, Step::Target);
    done(&mut w, first, JobResult::TargetOk { tenant: None });
    assert_eq!(w.step, Step::Target);

    // Asking again cancels the previous request; only the newest answer counts.
    let (second, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(
        e.iter()
            .any(|e| matches!(e, Effect::Cancel { id } if *id == second))
    );
    let (third, _) = spawned(&e);
    done(&mut w, second, JobResult::TargetOk { tenant: None });
    assert_eq!(w.step, Step::Target);
    done(&mut w, third, JobResult::TargetOk { tenant: None });
    assert_eq!(w.step, Step::SignIn);
}

#[test]
fn going_back_keeps_answers_and_a_changed_target_forgets_what_depended_on_it() {
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Organization);
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::SignIn);
    assert_eq!(w.pat.value(), "secret-pat");
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Target);
    assert_eq!(
        w.target.value(),
        "https://dev.azure.com/contoso/Payments/_git/api"
    );
    assert!(w.user.is_some(), "nothing forgotten by just going back");

    // Forward again with the same target: the list is still loaded.
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    assert_eq!(w.step, Step::SignIn);

    // A different target forgets the sign-in and the projects.
    update(&mut w, key(KeyCode::Esc));
    for _ in 0..60 {
        update(&mut w, key(KeyCode::Backspace));
    }
    // Backspace only edits: the empty field stays on Target.
    assert_eq!(w.step, Step::Target);
    assert_eq!(w.target.value(), "");
    typed(&mut w, "fabrikam");
    spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(w.user.is_none());
    assert!(!w.projects_loaded);
}

#[test]
fn project_filter_and_selection() {
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    typed(&mut w, "zet");
    assert_eq!(w.projects.len(), 1);
    assert_eq!(w.projects.selected().map(|p| p.name.as_str()), Some("Zeta"));
    for _ in 0..3 {
        update(&mut w, key(KeyCode::Backspace));
    }
    assert_eq!(w.projects.len(), 3);
    assert_eq!(w.step, Step::Project, "Backspace edits the filter");
    update(&mut w, key(KeyCode::Backspace));
    assert_eq!(w.step, Step::Project, "and never leaves the step");
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Organization, "Esc goes back");
}

fn device_code(code: &str) -> Box<ado_setup::auth::DeviceCode> {
    Box::new(ado_setup::auth::DeviceCode {
        user_code: code.into(),
        verification_uri: "https://microsoft.com/devicelogin".into(),
        device_code: secrecy::SecretString::from("device-secret".to_string()),
        expires_at: std::time::Instant::now() + std::time::Duration::from_secs(900),
        interval: 5,
        tenant: "t1".into(),
    })
}

fn entra() -> ado_setup::wizard::EntraSession {
    ado_setup::wizard::EntraSession {
        access: secrecy::SecretString::from("access-secret".to_string()),
        refresh: secrecy::SecretString::from("refresh-secret".to_string()),
        tenant: Some("t1".into()),
    }
}

#[test]
fn microsoft_sign_in_shows_the_code_waits_and_lists_organizations() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(
        &mut w,
        id,
        JobResult::TargetOk {
            tenant: Some("t1".into()),
        },
    );
    assert_eq!(w.sign_in_method, SignInMethod::DeviceCode, "the default");
    // Enter asks for a code for the organization's tenant.
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match &job {
        Job::DeviceStart { tenant, app } => {
            assert_eq!(tenant, "t1");
            assert_eq!(app.client_id, ado_setup::auth::DEFAULT_CLIENT_ID);
        }
        other => panic!("{other:?}"),
    }
    // The code comes back: shown, and the wait starts at once.
    let e = done(&mut w, id, JobResult::DeviceCode(device_code("ABCD-EFGH")));
    let (wait_id, job) = spawned(&e);
    match &job {
        Job::DeviceWait { org_tenant, .. } => assert_eq!(org_tenant.as_deref(), Some("t1")),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.device.as_ref().unwrap().user_code, "ABCD-EFGH");
    assert!(
        !format!("{job:?}").contains("device-secret"),
        "Debug redacts"
    );
    // The countdown follows the ticks.
    for _ in 0..20 {
        update(&mut w, Msg::Tick);
    }
    let left = w.device_seconds_left().unwrap();
    assert!((895..=898).contains(&left), "{left}");
    // c copies the code; o opens nothing without a browser.
    let e = update(&mut w, key(KeyCode::Char('c')));
    assert!(matches!(e.as_slice(), [Effect::Copy(c)] if c == "ABCD-EFGH"));
    assert!(update(&mut w, key(KeyCode::Char('o'))).is_empty());
    w.settings.sign_in.can_open_browser = true;
    let e = update(&mut w, key(KeyCode::Char('o')));
    assert!(matches!(e.as_slice(), [Effect::OpenUrl(u)] if u.ends_with("/devicelogin")));
    // Esc cancels the wait and clears the code.
    let e = update(&mut w, key(KeyCode::Esc));
    assert!(matches!(e.as_slice(), [Effect::Cancel { id }] if *id == wait_id));
    assert!(w.device.is_none());
    assert_eq!(w.step, Step::SignIn);
    // Again, and this time the user declines.
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let (id, _) = spawned(&done(&mut w, id, JobResult::DeviceCode(device_code("X"))));
    done(
        &mut w,
        id,
        JobResult::Failed(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "the sign-in was declined in the browser",
            "Start again",
        )),
    );
    assert!(w.device.is_none());
    assert_eq!(w.problem.as_ref().unwrap().code, "PROVIDER_AUTH_REQUIRED");
    // And once more, approved.
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(w.problem.is_none());
    let (id, _) = spawned(&done(&mut w, id, JobResult::DeviceCode(device_code("Y"))));
    let e = done(
        &mut w,
        id,
        JobResult::SignedIn {
            user: user(),
            api_version: "7.1".into(),
            entra: Some(entra()),
        },
    );
    assert_eq!(w.step, Step::Organization);
    let (id, job) = spawned(&e);
    assert!(matches!(job, Job::LoadOrganizations { .. }), "{job:?}");
    let orgs = ["contoso", "contoso-labs", "fabrikam-it"]
        .iter()
        .map(|n| OrgItem {
            name: n.to_string(),
        })
        .collect();
    done(&mut w, id, JobResult::Organizations(orgs));
    assert_eq!(
        w.orgs.selected().map(|o| o.name.as_str()),
        Some("contoso"),
        "the Target step's organization is preselected"
    );
    // Typing filters; Enter checks the chosen organization.
    typed(&mut w, "labs");
    assert_eq!(w.orgs.len(), 1);
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match &job {
        Job::CheckOrganization {
            organization,
            base_url,
            ..
        } => {
            assert_eq!(organization, "contoso-labs");
            assert_eq!(base_url.as_str(), "https://dev.azure.com/contoso-labs");
        }
        other => panic!("{other:?}"),
    }
    let e = done(
        &mut w,
        id,
        JobResult::OrganizationOk(Box::new(OrganizationOk {
            organization: "contoso-labs".into(),
            base_url: url::Url::parse("https://dev.azure.com/contoso-labs").unwrap(),
            tenant: Some("t1".into()),
            user: user(),
            entra: entra(),
        })),
    );
    assert_eq!(w.step, Step::Project);
    assert_eq!(w.organization.as_deref(), Some("contoso-labs"));
    match spawned(&e).1 {
        Job::LoadProjects { session } => {
            assert!(matches!(
                session.credential,
                ado_setup::ado::http::Credential::Bearer(_)
            ));
            assert!(session.entra.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{w:?}").contains("secret"), "{w:?}");
}

#[test]
fn a_tenant_flag_overrides_the_organizations_and_nothing_listed_takes_the_typed_name() {
    let mut s = settings();
    s.sign_in.tenant = Some("contoso.example".into());
    let mut w = Wizard::new(s);
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(matches!(job, Job::DeviceStart { tenant, .. } if tenant == "contoso.example"));

    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(
        matches!(job, Job::DeviceStart { tenant, .. } if tenant == "organizations"),
        "no tenant known: organizations"
    );
    let (id, _) = spawned(&done(&mut w, id, JobResult::DeviceCode(device_code("Z"))));
    let e = done(
        &mut w,
        id,
        JobResult::SignedIn {
            user: user(),
            api_version: "7.1".into(),
            entra: Some(entra()),
        },
    );
    let (id, _) = spawned(&e);
    done(&mut w, id, JobResult::Organizations(Vec::new()));
    typed(&mut w, "fabrikam-partners");
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(
        matches!(job, Job::CheckOrganization { organization, .. } if organization == "fabrikam-partners")
    );
    // A name that cannot be an organization is refused before any request.
    w.pending = None;
    w.orgs.set_query("bad name!");
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(e.is_empty());
    assert!(w.problem.is_some());
}

#[test]
fn quitting_asks_when_answers_would_be_lost() {
    let mut w = Wizard::new(settings());
    let e = update(&mut w, ctrl('c'));
    assert!(
        matches!(e.as_slice(), [Effect::Quit(Outcome::Cancelled)]),
        "nothing to lose: quits at once"
    );

    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    assert!(update(&mut w, ctrl('c')).is_empty());
    assert!(w.confirm_quit);
    update(&mut w, key(KeyCode::Char('n')));
    assert!(!w.confirm_quit);
    assert_eq!(w.target.value(), "contoso", "answers kept");
    update(&mut w, ctrl('c'));
    let e = update(&mut w, key(KeyCode::Char('y')));
    assert!(matches!(e.as_slice(), [Effect::Quit(Outcome::Cancelled)]));
}

#[test]
fn q_types_in_text_fields_and_help_opens_and_closes() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "q");
    assert_eq!(w.target.value(), "q");
    assert!(!w.confirm_quit);
    update(&mut w, key(KeyCode::F(1)));
    assert!(w.show_help);
    update(&mut w, key(KeyCode::Char('x')));
    assert!(!w.show_help);
    assert_eq!(
        w.target.value(),
        "q",
        "the key that closes help is not typed"
    );
}

#[test]
fn paste_fills_the_focused_field_without_newlines() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    update(
        &mut w,
        Msg::Term(Event::Paste(
            "https://contoso.visualstudio.com/Payments\n".into(),
        )),
    );
    assert_eq!(
        w.target.value(),
        "https://contoso.visualstudio.com/Payments"
    );
}

#[test]
fn review_refuses_a_bad_or_taken_name_and_failed_checks() {
    let mut s = settings();
    s.existing = vec![(
        "contoso-payments".into(),
        "contoso".into(),
        "Billing".into(),
    )];
    let mut w = Wizard::new(s);
    update(&mut w, key(KeyCode::Enter)); // menu → Deployment
    to_project_step(&mut w);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(&mut w, id, JobResult::ProjectOk(project_info()));
    let e = pass_mapping(&mut w, spawned(&e).0);
    let (id, _) = spawned(&e);
    done(&mut w, id, JobResult::Network(Vec::new()));
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(
        &mut w,
        id,
        JobResult::Reviewed(vec![support::outcome(
            "mapping.dry_run",
            CheckStatus::Fail,
            Some("MAPPING_REJECTED"),
            "Custom.X is required",
            &["give Custom.X a value"],
        )]),
    );
    // Taken name.
    assert!(update(&mut w, key(KeyCode::Enter)).is_empty());
    assert!(
        w.review
            .name_error
            .as_ref()
            .unwrap()
            .contains("exists already")
    );
    // Invalid name.
    let n = w.review.name.value().chars().count();
    for _ in 0..n {
        update(&mut w, key(KeyCode::Backspace));
    }
    assert_eq!(
        w.step,
        Step::Review,
        "Backspace edits the name until it is empty"
    );
    typed(&mut w, "9x");
    assert!(update(&mut w, key(KeyCode::Enter)).is_empty());
    assert!(w.review.name_error.is_some());
    // A good name, but a failed check: nothing is saved; the checks run again.
    update(&mut w, key(KeyCode::Backspace));
    update(&mut w, key(KeyCode::Backspace));
    typed(&mut w, "payments-prod");
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(matches!(spawned(&e).1, Job::Review(_)));
    assert_eq!(
        w.problem.as_ref().map(|p| p.code.as_str()),
        Some("CHECKS_FAILED")
    );
}

#[test]
fn allowlist_status_follows_the_probes() {
    use ado_setup::store::config::AllowlistStatus;
    use ado_setup::wizard::{EndpointResult, allowlist_status};
    let row = |ok: bool, via_proxy: bool| EndpointResult {
        url: "https://dev.azure.com".into(),
        ok,
        detail: String::new(),
        via_proxy,
        millis: 1,
    };
    assert_eq!(
        allowlist_status(&[row(true, false), row(true, false)]),
        AllowlistStatus::Direct
    );
    assert_eq!(
        allowlist_status(&[row(true, true), row(true, false)]),
        AllowlistStatus::Proxy
    );
    assert_eq!(
        allowlist_status(&[row(true, false), row(false, false)]),
        AllowlistStatus::Partial
    );
    assert_eq!(
        allowlist_status(&[row(false, false)]),
        AllowlistStatus::Blocked
    );
    assert_eq!(allowlist_status(&[]), AllowlistStatus::Blocked);
}

#[test]
fn editing_while_a_check_runs_cancels_it() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = update(&mut w, key(KeyCode::Char('x')));
    assert!(matches!(e.as_slice(), [Effect::Cancel { id: c }] if *c == id));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    assert_eq!(
        w.step,
        Step::Target,
        "the result for the old input is ignored"
    );
}

#[test]
fn the_token_is_trimmed_everywhere_and_never_in_debug_output() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    update(&mut w, key(KeyCode::Tab)); // Personal access token
    typed(&mut w, " tok-123 ");
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match job {
        Job::SignIn { pat, .. } => {
            use secrecy::ExposeSecret;
            assert_eq!(pat.expose_secret(), "tok-123");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{w:?}").contains("tok-123"));
    let e = done(
        &mut w,
        id,
        JobResult::SignedIn {
            user: user(),
            api_version: "7.1".into(),
            entra: None,
        },
    );
    assert!(e.is_empty());
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match job {
        Job::LoadProjects { session } => {
            use secrecy::ExposeSecret;
            match session.credential {
                ado_setup::ado::http::Credential::Pat(p) => {
                    assert_eq!(p.expose_secret(), "tok-123")
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn choosing_server_signs_in_with_a_pat_whatever_was_chosen_before() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    assert_eq!(w.sign_in_method, SignInMethod::DeviceCode);
    update(&mut w, key(KeyCode::Esc));
    update(&mut w, key(KeyCode::Esc));
    update(&mut w, key(KeyCode::Down));
    assert_eq!(w.deployment, Deployment::Server);
    assert_eq!(w.sign_in_method, SignInMethod::Pat);
}

#[test]
fn ctrl_c_twice_quits() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    update(&mut w, ctrl('c'));
    assert!(w.confirm_quit);
    let e = update(&mut w, ctrl('c'));
    assert!(matches!(e.as_slice(), [Effect::Quit(Outcome::Cancelled)]));
}

#[test]
fn a_project_that_already_has_a_connection_is_refused_at_once() {
    let mut s = settings();
    s.existing = vec![("prod".into(), "contoso".into(), "Payments".into())];
    let mut w = Wizard::new(s);
    update(&mut w, key(KeyCode::Enter));
    to_project_step(&mut w);
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(e.is_empty());
    assert_eq!(
        w.problem.as_ref().map(|p| p.code.as_str()),
        Some("CONNECTION_EXISTS")
    );
    update(&mut w, key(KeyCode::Down));
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(matches!(spawned(&e).1, Job::CheckProject { .. }));
}

#[test]
fn the_troubleshooter_runs_a_saved_connection_and_shows_guidance() {
    let mut s = settings();
    s.existing = vec![
        ("prod".into(), "contoso".into(), "Payments".into()),
        (
            "lab".into(),
            "https://tfs.lab/tfs/DefaultCollection".into(),
            "Lab".into(),
        ),
    ];
    let mut w = Wizard::new(s);
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.step, Step::Troubleshoot);
    update(&mut w, key(KeyCode::Down));
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match job {
        Job::Troubleshoot { name, .. } => assert_eq!(name, "lab"),
        other => panic!("{other:?}"),
    }
    done(
        &mut w,
        id,
        JobResult::Troubleshot {
            outcomes: vec![
                support::outcome("target.url", CheckStatus::Pass, None, "ok", &[]),
                support::outcome(
                    "auth.identity",
                    CheckStatus::Fail,
                    Some("IDENTITY_NOT_MATERIALIZED"),
                    "not materialized",
                    &["Sign in once"],
                ),
                support::outcome("storage.config", CheckStatus::Pass, None, "ok", &[]),
            ],
            only: None,
        },
    );
    assert_eq!(w.trouble.index, 1, "opens on the first failure");
    update(&mut w, key(KeyCode::Enter));
    assert!(w.trouble.detail);
    // r re-runs the selected check only; its guidance stays open.
    let (id2, job) = spawned(&update(&mut w, key(KeyCode::Char('r'))));
    assert!(id2 > id);
    assert!(
        matches!(
            job,
            Job::Troubleshoot {
                only: Some("auth.identity"),
                ..
            }
        ),
        "{job:?}"
    );
    assert_eq!(w.trouble.rerun, Some("auth.identity"));
    done(
        &mut w,
        id2,
        JobResult::Troubleshot {
            outcomes: vec![
                support::outcome("target.url", CheckStatus::Pass, None, "again", &[]),
                support::outcome("auth.identity", CheckStatus::Pass, None, "fixed", &[]),
            ],
            only: Some("auth.identity"),
        },
    );
    assert!(w.trouble.detail, "the guidance stays open");
    assert_eq!(w.trouble.index, 1);
    assert_eq!(w.trouble.rerun, None);
    let rows: Vec<_> = w
        .trouble
        .outcomes
        .iter()
        .map(|o| (o.id, o.status, o.message.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("target.url", CheckStatus::Pass, "again"),
            ("auth.identity", CheckStatus::Pass, "fixed"),
            ("storage.config", CheckStatus::Pass, "ok"),
        ],
        "the re-run rows are replaced in place, the others kept"
    );
    // R re-runs them all.
    update(&mut w, key(KeyCode::Enter));
    let (id3, job) = spawned(&update(&mut w, key(KeyCode::Char('R'))));
    assert!(
        matches!(job, Job::Troubleshoot { only: None, .. }),
        "{job:?}"
    );
    done(
        &mut w,
        id3,
        JobResult::Troubleshot {
            outcomes: Vec::new(),
            only: None,
        },
    );
    // Esc: checklist → connections → menu; q quits without asking.
    update(&mut w, key(KeyCode::Esc));
    assert!(w.trouble.name.is_none());
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Menu);
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Enter));
    let e = update(&mut w, key(KeyCode::Char('q')));
    assert!(matches!(e.as_slice(), [Effect::Quit(_)]));
}

#[test]
fn doctor_tui_opens_the_troubleshooter_on_a_named_connection() {
    let mut s = settings();
    s.existing = vec![
        ("prod".into(), "contoso".into(), "Payments".into()),
        ("lab".into(), "fabrikam".into(), "Lab".into()),
    ];
    let mut w = Wizard::new(s);
    assert!(!w.open_troubleshooter("nope"));
    assert!(w.open_troubleshooter("LAB"));
    assert_eq!(w.step, Step::Troubleshoot);
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(matches!(job, Job::Troubleshoot { name, .. } if name == "lab"));
}

#[test]
fn the_mapping_form_changes_each_field_and_shows_the_dry_runs_findings_on_them() {
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(&mut w, id, JobResult::ProjectOk(project_info()));
    let (id, _) = spawned(&e);
    done(
        &mut w,
        id,
        JobResult::MappingLoaded(support::mapping_data(true)),
    );
    let form = w.form.as_ref().unwrap();
    assert_eq!(
        form.area, "Payments Platform\\Checkout",
        "the team's default"
    );
    assert_eq!(
        form.rows()[form.row],
        ado_setup::wizard::MappingRow::Field(0),
        "focus starts on the field that needs a value"
    );
    // The area tree: the default is selected; filter, choose Cards.
    w.form.as_mut().unwrap().row = 1;
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "cards");
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(
        w.form.as_ref().unwrap().area,
        "Payments Platform\\Checkout\\Cards"
    );
    assert!(w.form.as_ref().unwrap().picker.is_none());
    // q in a picker filters, it does not quit; Esc closes the picker only.
    w.form.as_mut().unwrap().row = 2;
    update(&mut w, key(KeyCode::Enter));
    let e = update(&mut w, key(KeyCode::Char('q')));
    assert!(e.is_empty() && !w.confirm_quit);
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Mapping);
    assert!(w.form.as_ref().unwrap().picker.is_none());
    // Priority: high becomes 3.
    w.form.as_mut().unwrap().row = 3;
    update(&mut w, key(KeyCode::Enter));
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Right));
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(
        w.form.as_ref().unwrap().priority.to_string(),
        "critical=1,high=3,medium=3,low=4"
    );
    // Assignee: a team member.
    w.form.as_mut().unwrap().row = 4;
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "priya");
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(
        w.form.as_ref().unwrap().assignee.as_deref(),
        Some("priya.raman@contoso.example")
    );
    // Check without the required field: the findings land on the fields.
    let rows = w.form.as_ref().unwrap().rows().len();
    w.form.as_mut().unwrap().row = rows - 1;
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let mapping = match job {
        Job::ValidateMapping(req) => req.mapping,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        mapping.assignee.as_deref(),
        Some("priya.raman@contoso.example")
    );
    assert!(mapping.field_defaults.is_empty());
    let mut rejected = support::outcome(
        "mapping.dry_run",
        CheckStatus::Fail,
        Some("MAPPING_REJECTED"),
        "Custom.CustomerImpact is required",
        &["Give each field named a value"],
    );
    rejected.fields = vec![ado_setup::checks::FieldProblem {
        reference_name: "Custom.CustomerImpact".into(),
        message: "required by a rule: give it a value".into(),
    }];
    done(
        &mut w,
        id,
        JobResult::MappingChecked {
            mapping: Box::new(mapping),
            outcomes: vec![rejected],
        },
    );
    assert_eq!(w.step, Step::Mapping);
    assert!(w.mapping.is_none());
    let form = w.form.as_ref().unwrap();
    assert_eq!(
        form.errors.get("Custom.CustomerImpact").map(String::as_str),
        Some("required by a rule: give it a value")
    );
    assert_eq!(
        form.rows()[form.row],
        ado_setup::wizard::MappingRow::Field(0),
        "focus on it"
    );
    assert_eq!(w.problem.as_ref().unwrap().code, "MAPPING_REJECTED");
    // Fix it: the picklist offers the allowed values.
    update(&mut w, key(KeyCode::Enter));
    update(&mut w, key(KeyCode::Down)); // Medium
    update(&mut w, key(KeyCode::Enter));
    let form = w.form.as_ref().unwrap();
    assert_eq!(
        form.values.get("Custom.CustomerImpact").map(String::as_str),
        Some("Medium")
    );
    assert!(form.errors.is_empty());
    // Choosing another type reads its fields.
    w.form.as_mut().unwrap().row = 0;
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "task");
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(
        matches!(&job, Job::LoadTypeFields { work_item_type, .. } if work_item_type == "Task"),
        "{job:?}"
    );
    assert!(w.form.as_ref().unwrap().loading_fields);
}

#[test]
fn when_the_os_keyring_fails_the_wizard_asks_which_store_first() {
    let mut s = settings();
    s.store_problem =
        Some("the OS keyring failed its write/read/delete test: no D-Bus session".into());
    let mut w = Wizard::new(s);
    assert_eq!(w.step, Step::Storage);
    // Nothing is chosen silently: Enter on the (default) first option opens
    // and tests that store.
    update(&mut w, key(KeyCode::Down));
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let options = ado_setup::wizard::store_options();
    match job {
        Job::OpenStore { choice } => assert_eq!(choice, options[1].0),
        other => panic!("{other:?}"),
    }
    let store = ado_setup::store::secrets::SecretStore::none();
    done(
        &mut w,
        id,
        JobResult::StoreOpened {
            description: "nowhere: set AZURE_DEVOPS_EXT_PAT".into(),
            store,
        },
    );
    assert_eq!(w.step, Step::Deployment);
    assert!(w.settings.store_problem.is_none());
    assert_eq!(w.settings.secret_store, "nowhere: set AZURE_DEVOPS_EXT_PAT");
    // q on the store question quits cleanly.
    let mut s = settings();
    s.store_problem = Some("no keyring".into());
    let mut w = Wizard::new(s);
    let e = update(&mut w, key(KeyCode::Char('q')));
    assert!(
        matches!(e.as_slice(), [Effect::Quit(Outcome::Quit)]),
        "{e:?}"
    );
}

#[test]
fn an_interrupted_wizard_leaves_a_draft_that_the_next_start_offers_to_resume() {
    // Each step reached leaves a draft of the answers (never a secret).
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "https://dev.azure.com/contoso/Payments");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let before = w.step;
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    let draft = w.draft_after(before).expect("a draft at Sign in");
    assert_eq!(draft.target, "https://dev.azure.com/contoso/Payments");
    assert_eq!(draft.project.as_deref(), Some("Payments"));
    assert_eq!(draft.step, "Sign in");
    assert!(
        w.draft_after(w.step).is_none(),
        "only when the step changes"
    );
    update(&mut w, key(KeyCode::Tab));
    typed(&mut w, "secret-token");
    let d = w.draft().unwrap();
    assert!(
        !format!("{d:?}").contains("secret-token"),
        "never the secret"
    );
    let draft = Box::new(draft);

    // The next start offers it first; Enter resumes with the answers in place.
    let mut s = settings();
    s.draft = Some(*draft);
    let mut w = Wizard::new(s);
    assert_eq!(w.step, Step::Menu);
    let items = ado_setup::wizard::menu_items(&w);
    assert_eq!(items[0].0, ado_setup::wizard::MenuItem::Resume);
    assert!(items[0].1.contains("contoso/Payments"), "{items:?}");
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.step, Step::Deployment);
    assert_eq!(w.target.value(), "https://dev.azure.com/contoso/Payments");
    assert_eq!(w.project_hint.as_deref(), Some("Payments"));
    assert!(w.editing.is_none(), "resuming replaces nothing");

    // Or a new start: the old draft goes.
    let mut s = settings();
    s.draft = Some(ado_setup::store::draft::Draft {
        target: "old".into(),
        ..Default::default()
    });
    let mut w = Wizard::new(s);
    update(&mut w, key(KeyCode::Down));
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(e.iter().any(|e| matches!(e, Effect::ClearDraft)), "{e:?}");
    assert_eq!(w.step, Step::Deployment);
}

#[test]
fn a_service_principal_is_signed_in_with_its_client_id_and_a_masked_secret() {
    let mut w = Wizard::new(settings());
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "contoso");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    done(&mut w, id, JobResult::TargetOk { tenant: None });
    for _ in 0..4 {
        update(&mut w, key(KeyCode::Tab));
    }
    assert_eq!(w.sign_in_method, SignInMethod::ServicePrincipal);
    typed(&mut w, "11111111-2222-3333-4444-555555555555");
    assert!(
        update(&mut w, key(KeyCode::Enter)).is_empty(),
        "to the secret"
    );
    assert!(w.sp_on_secret);
    typed(&mut w, "very-secret-value");
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(
        !format!("{job:?}").contains("very-secret-value"),
        "Debug shows no secret"
    );
    match job {
        Job::SignInUnattended { unattended, .. } => {
            assert_eq!(
                unattended.method(),
                ado_setup::store::config::AuthMethod::ServicePrincipal
            );
            assert_eq!(
                unattended.client_id(),
                Some("11111111-2222-3333-4444-555555555555")
            );
        }
        other => panic!("{other:?}"),
    }
    // ↑ goes back through the methods.
    let mut w2 = Wizard::new(settings());
    update(&mut w2, key(KeyCode::Enter));
    typed(&mut w2, "contoso");
    let (id, _) = spawned(&update(&mut w2, key(KeyCode::Enter)));
    done(&mut w2, id, JobResult::TargetOk { tenant: None });
    update(&mut w2, key(KeyCode::Up));
    assert_eq!(w2.sign_in_method, SignInMethod::ServicePrincipal);
}

// ─── Unattended sign-in: availability probes, certificate, resume ─────────

const ORG_TENANT: &str = "f50b3664-ff5f-44cf-bb3e-31185eb08830";

/// Settings whose metadata endpoint is a loopback address (never asked: no IO here).
fn settings_with_imds() -> Settings {
    let mut s = settings();
    s.sign_in.imds = Some(url::Url::parse("http://127.0.0.1:9/_imds").unwrap());
    s
}

/// Every job spawned by `effects`, with its id.
fn spawns(effects: &[Effect]) -> Vec<(u64, Job)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Spawn { id, job } => Some((*id, (**job).clone())),
            _ => None,
        })
        .collect()
}

/// A Services wizard at the Sign in step of contoso (in `tenant`); the
/// effects of arriving there.
fn at_sign_in(w: &mut Wizard, tenant: Option<&str>) -> Vec<Effect> {
    update(w, key(KeyCode::Enter));
    typed(w, "contoso");
    let (id, _) = spawned(&update(w, key(KeyCode::Enter)));
    let e = done(
        w,
        id,
        JobResult::TargetOk {
            tenant: tenant.map(str::to_string),
        },
    );
    assert_eq!(w.step, Step::SignIn);
    e
}

/// The ids of the two probes started by `effects` (managed identity, Azure CLI).
fn probe_ids(effects: &[Effect]) -> (u64, u64) {
    let s = spawns(effects);
    let mi = s
        .iter()
        .find(|(_, j)| matches!(j, Job::ProbeManagedIdentity { .. }))
        .map(|(id, _)| *id)
        .expect("a managed identity probe");
    let az = s
        .iter()
        .find(|(_, j)| matches!(j, Job::ProbeAzureCli { .. }))
        .map(|(id, _)| *id)
        .expect("an Azure CLI probe");
    (mi, az)
}

fn unavailable(brief: &str, message: &str, fix: &str) -> Unavailable {
    Unavailable {
        brief: brief.into(),
        problem: Problem::new("PROVIDER_AUTH_REQUIRED", message, fix),
    }
}

fn probed(method: SignInMethod, available: Result<String, Unavailable>) -> JobResult {
    JobResult::MethodProbed { method, available }
}

fn tab_to(w: &mut Wizard, method: SignInMethod) {
    for _ in 0..SignInMethod::ALL.len() {
        if w.sign_in_method == method {
            return;
        }
        update(w, key(KeyCode::Tab));
    }
    assert_eq!(w.sign_in_method, method);
}

#[test]
fn the_sign_in_step_probes_managed_identity_and_the_azure_cli_once_beside_the_step() {
    let mut w = Wizard::new(settings_with_imds());
    let e = at_sign_in(&mut w, Some(ORG_TENANT));
    let s = spawns(&e);
    assert_eq!(s.len(), 2, "{e:?}");
    assert!(s.iter().any(|(_, j)| matches!(
        j,
        Job::ProbeManagedIdentity { imds } if imds.as_str() == "http://127.0.0.1:9/_imds"
    )));
    assert!(
        s.iter().any(|(_, j)| matches!(
            j,
            Job::ProbeAzureCli { tenant: Some(t) } if t == ORG_TENANT
        )),
        "az is asked for the organization's tenant, as its sign-in will be"
    );
    let (mi, az) = probe_ids(&e);
    assert_eq!(w.probes.managed_identity, Availability::Checking { id: mi });
    assert_eq!(w.probes.azure_cli, Availability::Checking { id: az });
    assert!(!w.is_pending(), "nothing waits for the probes");

    // Keys do not probe again; nor does coming back to the step.
    for _ in 0..3 {
        assert!(spawns(&update(&mut w, key(KeyCode::Tab))).is_empty());
    }
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Target);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(
        &mut w,
        id,
        JobResult::TargetOk {
            tenant: Some(ORG_TENANT.into()),
        },
    );
    assert!(spawns(&e).is_empty(), "{e:?}");

    // The results land whatever the step (they are about the machine).
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Target);
    done(
        &mut w,
        mi,
        probed(
            SignInMethod::ManagedIdentity,
            Err(unavailable(
                "no instance metadata endpoint answered",
                "managed identity is not available here: no instance metadata endpoint answered at http://127.0.0.1:9/_imds within 1 s (timed out)",
                "Managed identity works on Azure VMs…",
            )),
        ),
    );
    done(
        &mut w,
        az,
        probed(
            SignInMethod::AzureCli,
            Ok("signed in as avery@contoso.example".into()),
        ),
    );
    assert!(matches!(
        &w.probes.managed_identity,
        Availability::Unavailable(u) if u.brief == "no instance metadata endpoint answered"
    ));
    assert_eq!(
        w.probes.azure_cli,
        Availability::Available("signed in as avery@contoso.example".into())
    );
    assert!(w.problem.is_none(), "a probe result is no problem");

    // Another organization's tenant: az is asked again, for that tenant.
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(
        &mut w,
        id,
        JobResult::TargetOk {
            tenant: Some("9a0b3c4d-0000-4000-8000-000000000001".into()),
        },
    );
    let s = spawns(&e);
    assert!(
        matches!(s.as_slice(), [(_, Job::ProbeAzureCli { tenant: Some(t) })] if t.starts_with("9a0b")),
        "{e:?}"
    );
}

#[test]
fn a_stale_probe_result_is_ignored() {
    let mut w = Wizard::new(settings_with_imds());
    let (mi, _) = probe_ids(&at_sign_in(&mut w, None));
    tab_to(&mut w, SignInMethod::ManagedIdentity);
    // Unavailable, then checked again (r): the first probe's late answer no longer counts.
    done(
        &mut w,
        mi,
        probed(
            SignInMethod::ManagedIdentity,
            Err(unavailable(
                "x",
                "managed identity is not available here",
                "fix",
            )),
        ),
    );
    let e = update(&mut w, key(KeyCode::Char('r')));
    let s = spawns(&e);
    let [(again, Job::ProbeManagedIdentity { .. })] = s.as_slice() else {
        panic!("{e:?}")
    };
    let again = *again;
    assert_eq!(
        w.probes.managed_identity,
        Availability::Checking { id: again }
    );
    done(
        &mut w,
        mi,
        probed(SignInMethod::ManagedIdentity, Ok("old".into())),
    );
    assert_eq!(
        w.probes.managed_identity,
        Availability::Checking { id: again }
    );
    done(
        &mut w,
        again,
        probed(
            SignInMethod::ManagedIdentity,
            Ok("the instance metadata endpoint answers".into()),
        ),
    );
    assert_eq!(
        w.probes.managed_identity,
        Availability::Available("the instance metadata endpoint answers".into())
    );
}

#[test]
fn enter_on_an_unavailable_method_shows_why_and_the_fix_and_signs_nothing_in() {
    let mut w = Wizard::new(settings_with_imds());
    let (mi, az) = probe_ids(&at_sign_in(&mut w, Some(ORG_TENANT)));
    done(
        &mut w,
        az,
        probed(
            SignInMethod::AzureCli,
            Err(unavailable(
                "az is not signed in — run az login",
                "the Azure CLI is not signed in: Please run 'az login' to setup account.",
                "Run `az login` as the user the integration runs as",
            )),
        ),
    );
    tab_to(&mut w, SignInMethod::AzureCli);
    let e = update(&mut w, key(KeyCode::Enter));
    assert!(spawns(&e).is_empty(), "{e:?}");
    assert!(!w.is_pending());
    let p = w.problem.clone().expect("the reason is shown");
    assert!(p.message.contains("not signed in"), "{p:?}");
    assert!(p.fix.contains("az login"), "{p:?}");
    assert_eq!(w.step, Step::SignIn);

    // r checks again (after `az login`, say); the shown reason goes.
    let e = update(&mut w, key(KeyCode::Char('r')));
    let s = spawns(&e);
    assert!(
        matches!(s.as_slice(), [(_, Job::ProbeAzureCli { tenant: Some(t) })] if t == ORG_TENANT),
        "{e:?}"
    );
    assert!(w.problem.is_none());
    assert!(!w.is_pending());
    let again = s[0].0;

    // Still checking: Enter does not wait for the probe.
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(
        matches!(&job, Job::SignInUnattended { unattended, .. }
            if unattended.method() == ado_setup::store::config::AuthMethod::AzureCli),
        "{job:?}"
    );
    // The probe's answer while signing in changes nothing pending.
    done(
        &mut w,
        again,
        probed(SignInMethod::AzureCli, Ok("signed in as avery".into())),
    );
    assert!(w.is_pending());

    // Available: Enter signs in.
    update(&mut w, key(KeyCode::Esc)); // cancels the sign-in
    assert!(!w.is_pending());
    tab_to(&mut w, SignInMethod::ManagedIdentity);
    done(
        &mut w,
        mi,
        probed(
            SignInMethod::ManagedIdentity,
            Ok("the instance metadata endpoint answers".into()),
        ),
    );
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(
        matches!(&job, Job::SignInUnattended { unattended, .. }
            if unattended.method() == ado_setup::store::config::AuthMethod::ManagedIdentity),
        "{job:?}"
    );
}

#[test]
fn without_a_metadata_endpoint_managed_identity_is_unavailable_at_once() {
    let mut w = Wizard::new(settings());
    assert!(w.settings.sign_in.imds.is_none());
    let e = at_sign_in(&mut w, None);
    let s = spawns(&e);
    assert!(
        matches!(s.as_slice(), [(_, Job::ProbeAzureCli { tenant: None })]),
        "only az is probed: {e:?}"
    );
    let Availability::Unavailable(why) = &w.probes.managed_identity else {
        panic!("{:?}", w.probes)
    };
    assert!(why.problem.fix.contains("ADO_SETUP_IMDS_URL"));
    tab_to(&mut w, SignInMethod::ManagedIdentity);
    assert!(spawns(&update(&mut w, key(KeyCode::Enter))).is_empty());
    assert!(
        w.problem
            .as_ref()
            .is_some_and(|p| p.message.contains("no instance metadata endpoint is set"))
    );
}

#[test]
fn server_probes_nothing() {
    let mut w = Wizard::new(settings_with_imds());
    update(&mut w, key(KeyCode::Down));
    assert_eq!(w.deployment, Deployment::Server);
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "https://tfs.contoso.example/tfs/DefaultCollection");
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(&mut w, id, JobResult::TargetOk { tenant: None });
    assert_eq!(w.step, Step::SignIn);
    assert!(spawns(&e).is_empty(), "{e:?}");
    assert_eq!(w.probes.managed_identity, Availability::Unknown);
}

#[test]
fn a_service_principal_takes_a_certificate_file_instead_of_a_secret() {
    let mut w = Wizard::new(settings());
    at_sign_in(&mut w, Some(ORG_TENANT));
    tab_to(&mut w, SignInMethod::ServicePrincipal);
    typed(&mut w, "11111111-2222-3333-4444-555555555555");
    update(&mut w, key(KeyCode::Enter));
    assert!(w.sp_on_secret);
    assert_eq!(w.sp_credential, SpCredential::Secret);

    // A secret typed, then F2: the field is emptied (it is shown in clear now).
    typed(&mut w, "half-a-secret");
    update(&mut w, key(KeyCode::F(2)));
    assert_eq!(w.sp_credential, SpCredential::CertificateFile);
    assert_eq!(w.sp_secret.value(), "", "a secret never shows in clear");

    // Nothing typed: said on the field.
    assert!(spawns(&update(&mut w, key(KeyCode::Enter))).is_empty());
    assert!(
        w.sp_error
            .as_ref()
            .is_some_and(|p| p.message.contains("path of the certificate file"))
    );
    assert!(w.problem.is_none());

    typed(&mut w, "/etc/ado-setup/payments-sync.pem");
    assert!(w.sp_error.is_none(), "typing clears the field's error");
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match &job {
        Job::SignInUnattended {
            unattended,
            certificate,
            ..
        } => {
            assert_eq!(
                certificate.as_deref(),
                Some(std::path::Path::new("/etc/ado-setup/payments-sync.pem"))
            );
            assert_eq!(
                unattended.client_id(),
                Some("11111111-2222-3333-4444-555555555555")
            );
            assert!(
                unattended.secret().is_none(),
                "the job reads the file, not the state machine"
            );
        }
        other => panic!("{other:?}"),
    }

    // The file cannot be used: the reason is on the field, not in the problem box.
    done(
        &mut w,
        id,
        JobResult::CertificateUnreadable(Problem::new(
            "CONFIG_INVALID",
            "cannot read the certificate /etc/ado-setup/payments-sync.pem: No such file or directory (os error 2)",
            "Check the path and that you can read the file",
        )),
    );
    assert!(!w.is_pending());
    assert_eq!(w.step, Step::SignIn);
    assert!(w.problem.is_none());
    assert!(
        w.sp_error
            .as_ref()
            .is_some_and(|p| p.message.contains("No such file"))
    );
    assert!(w.sp_on_secret, "the focus is on the field to correct");

    // F2 again: back to a secret, the path cleared.
    update(&mut w, key(KeyCode::F(2)));
    assert_eq!(w.sp_credential, SpCredential::Secret);
    assert_eq!(w.sp_secret.value(), "");
    assert!(w.sp_error.is_none());
    typed(&mut w, "s3cr3t~value");
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    match job {
        Job::SignInUnattended {
            unattended,
            certificate,
            ..
        } => {
            assert!(certificate.is_none());
            assert!(unattended.secret().is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_draft_resumes_with_its_sign_in_method() {
    use ado_setup::store::draft::Draft;
    let cases = [
        ("services", "device_code", SignInMethod::DeviceCode),
        ("services", "pat", SignInMethod::Pat),
        (
            "services",
            "managed_identity",
            SignInMethod::ManagedIdentity,
        ),
        ("services", "azure_cli", SignInMethod::AzureCli),
        (
            "services",
            "service_principal",
            SignInMethod::ServicePrincipal,
        ),
        ("server", "pat", SignInMethod::Pat),
        // Server signs in with a PAT only, whatever a draft says.
        ("server", "managed_identity", SignInMethod::Pat),
    ];
    for (deployment, sign_in, method) in cases {
        let mut s = settings();
        s.draft = Some(Draft {
            deployment: deployment.into(),
            target: if deployment == "server" {
                "https://tfs.contoso.example/tfs/DefaultCollection".into()
            } else {
                "contoso".into()
            },
            sign_in: sign_in.into(),
            client_id: (sign_in == "service_principal" || sign_in == "managed_identity")
                .then(|| "11111111-2222-3333-4444-555555555555".into()),
            step: "Sign in".into(),
            ..Draft::default()
        });
        let mut w = Wizard::new(s);
        update(&mut w, key(KeyCode::Enter)); // Resume
        assert_eq!(w.step, Step::Deployment);
        assert_eq!(w.sign_in_method, method, "{deployment} {sign_in}");
        if method == SignInMethod::ServicePrincipal {
            assert_eq!(w.sp_client.value(), "11111111-2222-3333-4444-555555555555");
            assert_eq!(w.sp_secret.value(), "", "no secret is resumed");
        }
        if method == SignInMethod::ManagedIdentity {
            // A user-assigned identity stays the one it was.
            assert_eq!(w.mi_client.value(), "11111111-2222-3333-4444-555555555555");
        }
    }

    // The draft of a service principal keeps its client id, never its secret.
    let mut w = Wizard::new(settings());
    at_sign_in(&mut w, None);
    tab_to(&mut w, SignInMethod::ServicePrincipal);
    typed(&mut w, "11111111-2222-3333-4444-555555555555");
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "very-secret-value");
    let d = w.draft().unwrap();
    assert_eq!(d.sign_in, "service_principal");
    assert_eq!(
        d.client_id.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert!(!format!("{d:?}").contains("very-secret-value"));
    let text = toml::to_string(&d).unwrap();
    assert!(!text.contains("very-secret-value"));
    let back: Draft = toml::from_str(&text).unwrap();
    assert_eq!(back, d);
    // An older draft without the field still reads.
    let old: Draft = toml::from_str(
        "deployment = \"services\"\ntarget = \"contoso\"\nsign_in = \"azure_cli\"\n",
    )
    .unwrap();
    assert_eq!(old.client_id, None);
}

#[test]
fn a_user_assigned_managed_identity_is_chosen_by_its_client_id() {
    let mut w = Wizard::new(settings_with_imds());
    at_sign_in(&mut w, Some("f50b3664-ff5f-44cf-bb3e-31185eb08830"));
    tab_to(&mut w, SignInMethod::ManagedIdentity);
    // Only what a client id is made of is typed; `r` stays "check again".
    typed(&mut w, "7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b5x2");
    assert_eq!(w.mi_client.value(), "7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b52");
    update(&mut w, key(KeyCode::Backspace));
    typed(&mut w, "2");
    let e = update(&mut w, key(KeyCode::Enter));
    let job = spawns(&e)
        .into_iter()
        .find_map(|(_, j)| match j {
            Job::SignInUnattended { unattended, .. } => Some(*unattended),
            _ => None,
        })
        .expect("a sign-in");
    match job {
        ado_setup::auth::Unattended::ManagedIdentity { client_id, .. } => assert_eq!(
            client_id.as_deref(),
            Some("7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b52")
        ),
        other => panic!("{other:?}"),
    }
    let d = w.draft().unwrap();
    assert_eq!(
        d.client_id.as_deref(),
        Some("7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b52")
    );

    // Empty: the machine's own (system-assigned) identity.
    let mut w = Wizard::new(settings_with_imds());
    at_sign_in(&mut w, None);
    tab_to(&mut w, SignInMethod::ManagedIdentity);
    let e = update(&mut w, key(KeyCode::Enter));
    let client = spawns(&e).into_iter().find_map(|(_, j)| match j {
        Job::SignInUnattended { unattended, .. } => match *unattended {
            ado_setup::auth::Unattended::ManagedIdentity { client_id, .. } => Some(client_id),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(client, Some(None));

    // `edit` of a user-assigned connection keeps its identity.
    let mut w = Wizard::new(settings_with_imds());
    let c = ado_setup::store::config::Connection {
        name: "payments".into(),
        organization: Some("contoso".into()),
        base_url: "https://dev.azure.com/contoso".into(),
        auth_method: ado_setup::store::config::AuthMethod::ManagedIdentity,
        client_id: Some("7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b52".into()),
        project: "Payments".into(),
        ..Default::default()
    };
    w.start_edit(&c, None);
    assert_eq!(w.sign_in_method, SignInMethod::ManagedIdentity);
    assert_eq!(w.mi_client.value(), "7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b52");
}

/// `edit` and a resumed draft keep the saved project through the Target
/// step while the target is the one they started with (the Project step
/// preselects it); another target drops it.
#[test]
fn edit_and_resume_keep_the_project_while_the_target_is_unchanged() {
    let c = ado_setup::store::config::Connection {
        name: "payments".into(),
        organization: Some("contoso".into()),
        base_url: "https://dev.azure.com/contoso".into(),
        auth_method: ado_setup::store::config::AuthMethod::Pat,
        project: "Payments".into(),
        ..Default::default()
    };
    let mut w = Wizard::new(settings());
    w.start_edit(&c, None);
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.step, Step::Target);
    assert_eq!(w.target.value(), "contoso");
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.project_hint.as_deref(), Some("Payments"));

    // Another organization: the saved project means nothing there.
    let mut w = Wizard::new(settings());
    w.start_edit(&c, None);
    update(&mut w, key(KeyCode::Enter));
    typed(&mut w, "-eu");
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.project_hint, None);

    // A draft interrupted after its Project step.
    let mut s = settings();
    let d = ado_setup::store::draft::Draft {
        deployment: "services".into(),
        target: "contoso".into(),
        sign_in: "pat".into(),
        project: Some("Payments".into()),
        step: "Field mapping".into(),
        ..Default::default()
    };
    s.draft = Some(d.clone());
    let mut w = Wizard::new(s);
    w.resume(&d);
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.step, Step::Target);
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.project_hint.as_deref(), Some("Payments"));
}

#[test]
fn review_fixes_name_wizard_steps_not_command_line_flags() {
    use ado_setup::wizard::review_fix;
    // Every command-line fix the checks give for a mapping, said in TUI words.
    let cases = [
        (
            "mapping.required_fields",
            "--field Custom.CustomerImpact=VALUE",
        ),
        (
            "mapping.dry_run",
            "Give each field named a value: --field REF=VALUE (or its default in the config)",
        ),
        (
            "mapping.work_item_type",
            "Choose an enabled type (--work-item-type), or enable it under Organization Settings › Boards › Process",
        ),
        (
            "mapping.assignee",
            "Use the sign-in address of a project member (--assignee), or add the user to a team under Project Settings › Teams",
        ),
        (
            "mapping.priority",
            "Map each severity to one of: 1, 2, 3, 4 (--priority-map)",
        ),
        (
            "project.access",
            "Pass --project NAME, or check a saved connection: ado-setup doctor NAME",
        ),
        (
            "auth.credentials",
            "Set AZURE_DEVOPS_EXT_PAT or pass --pat-stdin, or run `ado-setup connect` to store one",
        ),
        (
            "auth.identity",
            "Check that the account is a member of the organization (Organization Settings › Users), then sign in again: ado-setup connect",
        ),
    ];
    for (id, fix) in cases {
        let said = review_fix(id, fix);
        for flag in [
            "--field",
            "--work-item-type",
            "--assignee",
            "--priority-map",
            "--project",
            "--pat-stdin",
            "ado-setup connect",
            "ado-setup doctor",
        ] {
            assert!(!said.contains(flag), "{id}: {said}");
        }
        assert_ne!(said, fix, "{id} was not reworded");
    }
    assert!(review_fix("mapping.required_fields", "--field Custom.X=VALUE").contains("Custom.X"));
    assert!(
        review_fix("mapping.assignee", "x (--assignee)")
            .contains("Field mapping (Esc twice) › Assignee")
    );
    // The wizard's own flags are said as a restart with them.
    assert!(
        review_fix(
            "auth.directory",
            "Ask for the token in the organization's directory: --tenant contoso, then ado-setup connect"
        )
        .contains("start ado-setup again with --tenant contoso")
    );
    // A fix without command-line words stays as it is.
    let plain = "Grant \"Create tag definition\" under Project Settings › Permissions";
    assert_eq!(review_fix("permission.tags", plain), plain);
}

#[test]
fn review_lists_every_answer_and_arrows_scroll_without_touching_the_name() {
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(&mut w, id, JobResult::ProjectOk(project_info()));
    let e = pass_mapping(&mut w, spawned(&e).0);
    let (id, _) = spawned(&e);
    done(&mut w, id, JobResult::Network(Vec::new()));
    update(&mut w, key(KeyCode::Enter));
    assert_eq!(w.step, Step::Review);
    let answers = w.review_answers();
    let labels: Vec<&str> = answers.iter().map(|a| a.label).collect();
    for label in [
        "Deployment",
        "Organization",
        "Sign-in",
        "Project",
        "Work item type",
        "Area path",
        "Iteration path",
        "Priority",
        "Assignee",
        "Allowlist",
        "Secret",
    ] {
        assert!(labels.contains(&label), "{label}: {labels:?}");
    }
    let value = |l: &str| answers.iter().find(|a| a.label == l).unwrap().value.clone();
    assert!(value("Sign-in").contains("Avery Lindqvist"), "{answers:?}");
    assert_eq!(value("Secret"), w.settings.secret_store);

    // The screen found 12 lines to scroll; the keys stop there.
    w.review.max_scroll.set(12);
    let name = w.review.name.value().to_string();
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Down));
    assert_eq!(w.review.scroll, 2);
    update(&mut w, key(KeyCode::PageDown));
    update(&mut w, key(KeyCode::PageDown));
    assert_eq!(w.review.scroll, 12);
    update(&mut w, key(KeyCode::Up));
    assert_eq!(w.review.scroll, 11);
    update(&mut w, key(KeyCode::PageUp));
    update(&mut w, key(KeyCode::PageUp));
    assert_eq!(w.review.scroll, 0);
    assert_eq!(w.review.name.value(), name, "scrolling edits nothing");
    assert_eq!(w.step, Step::Review);
}

#[test]
fn an_accepted_dry_run_is_shown_and_a_changed_answer_checks_again() {
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(&mut w, id, JobResult::ProjectOk(project_info()));
    let (load, _) = spawned(&e);
    done(
        &mut w,
        load,
        JobResult::MappingLoaded(support::mapping_data(false)),
    );
    let (id, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let Job::ValidateMapping(req) = job else {
        panic!("{job:?}")
    };
    done(
        &mut w,
        id,
        JobResult::MappingChecked {
            mapping: Box::new(req.mapping.clone()),
            outcomes: vec![support::outcome(
                "mapping.dry_run",
                CheckStatus::Pass,
                None,
                "accepted",
                &[],
            )],
        },
    );
    assert_eq!(w.step, Step::Mapping, "the result is shown before going on");
    assert!(w.form.as_ref().unwrap().verified().is_some());
    // Another area: the accepted run no longer applies; Enter checks again.
    let form = w.form.as_mut().unwrap();
    form.area = "Payments Platform".into();
    assert!(form.verified().is_none());
    let (_, job) = spawned(&update(&mut w, key(KeyCode::Enter)));
    assert!(matches!(job, Job::ValidateMapping(_)), "{job:?}");
    assert_eq!(w.step, Step::Mapping);
}

#[test]
fn choosing_a_project_checks_its_permissions_beside_the_next_step() {
    use ado_setup::wizard::Permissions;
    let mut w = Wizard::new(settings());
    to_project_step(&mut w);
    let (id, _) = spawned(&update(&mut w, key(KeyCode::Enter)));
    let e = done(&mut w, id, JobResult::ProjectOk(project_info()));
    // Two jobs: the mapping's data (pending) and the permissions (beside).
    let perm = e
        .iter()
        .find_map(|e| match e {
            Effect::Spawn { id, job } => match &**job {
                Job::CheckPermissions { project, .. } => Some((*id, project.id.clone())),
                _ => None,
            },
            _ => None,
        })
        .expect("the permission checks start");
    assert_eq!(perm.1, project_info().id);
    assert_eq!(w.permissions, Permissions::Checking { id: perm.0 });
    let (load, job) = spawned(&e);
    assert!(matches!(job, Job::LoadMapping { .. }), "{job:?}");
    assert_eq!(w.step, Step::Mapping);
    assert!(w.is_pending());

    let outcomes = vec![support::outcome(
        "permission.project_admin",
        CheckStatus::Fail,
        Some("PERMISSION_MISSING"),
        "GENERIC_WRITE is not allowed for this user",
        &["Add the user to Project Administrators"],
    )];
    // A result for another project (or an older run) is ignored.
    done(
        &mut w,
        perm.0,
        JobResult::Permissions {
            project_id: "another".into(),
            outcomes: outcomes.clone(),
        },
    );
    assert_eq!(w.permissions, Permissions::Checking { id: perm.0 });
    done(
        &mut w,
        perm.0 + 100,
        JobResult::Permissions {
            project_id: project_info().id,
            outcomes: outcomes.clone(),
        },
    );
    assert_eq!(w.permissions, Permissions::Checking { id: perm.0 });
    // Its own result lands, and the mapping's load is still pending.
    done(
        &mut w,
        perm.0,
        JobResult::Permissions {
            project_id: project_info().id,
            outcomes: outcomes.clone(),
        },
    );
    assert_eq!(w.permissions, Permissions::Checked(outcomes));
    assert_eq!(w.pending.map(|p| p.id), Some(load));
    // Going back to another project forgets them.
    update(&mut w, key(KeyCode::Esc));
    update(&mut w, key(KeyCode::Esc));
    assert_eq!(w.step, Step::Project);
}

/// The Network step probes what `network.allowlist` probes: Entra ID's
/// sign-in endpoint only for a sign-in that goes there.
#[test]
fn the_network_step_probes_the_sign_in_endpoint_only_for_entra_sign_ins() {
    let mut w = Wizard::new(settings());
    let authority = w.settings.authority_base.clone();
    let has_authority = |w: &Wizard| {
        w.endpoints()
            .iter()
            .any(|u| u.host_str() == authority.host_str() && u.path() == authority.path())
    };
    w.sign_in_method = SignInMethod::DeviceCode;
    assert!(has_authority(&w), "{:?}", w.endpoints());
    w.sign_in_method = SignInMethod::ServicePrincipal;
    assert!(has_authority(&w));
    for method in [
        SignInMethod::Pat,
        SignInMethod::ManagedIdentity,
        SignInMethod::AzureCli,
    ] {
        w.sign_in_method = method;
        assert!(!has_authority(&w), "{method:?}: {:?}", w.endpoints());
    }
}

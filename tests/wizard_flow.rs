//! Whole wizard runs through the production driver loop (`driver::run`) on a
//! `TestBackend`, against the sandbox over real HTTP, to a saved connection:
//! Services and Server with a PAT. Scripted keys are paced by the state the
//! loop reports. Also proves the PAT is never on screen and lands in no file
//! but the secret store's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::driver::{Act, file_jobs, leak};

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ado_setup::ado::http::{ClientOptions, HttpClient};
use ado_setup::jobs::JobContext;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::store::config::ConfigStore;
use ado_setup::store::secrets::SecretStore;
use ado_setup::tui::driver;
use ado_setup::tui::theme::Theme;
use ado_setup::wizard::{Job, JobResult, Outcome, Settings, Step, Wizard};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

fn settings(sb: &Sandbox) -> Settings {
    let s = support::driver::sandbox_settings(&sb.devops_url());
    assert_eq!(
        s.vssps_base.as_str(),
        Url::parse(&sb.vssps_url()).unwrap().as_str()
    );
    s
}

/// Runs `script` through `driver::run`; returns the outcome, the final screen and every frame.
async fn drive(
    settings: Settings,
    jobs: JobContext,
    script: Vec<Act>,
) -> (Outcome, String, Vec<String>) {
    drive_wizard(Wizard::new(settings), jobs, script).await
}

/// [`drive`] for a wizard set up beforehand (`ado-setup edit`).
async fn drive_wizard(
    wizard: Wizard,
    jobs: JobContext,
    script: Vec<Act>,
) -> (Outcome, String, Vec<String>) {
    let run = support::driver::drive_wizard(wizard, jobs, script, Duration::from_secs(30)).await;
    (run.outcome, run.last, run.frames)
}

/// From the Field mapping step, every default accepted through to Done and
/// out.
fn accept_to_done() -> Vec<Act> {
    vec![
        Act::At(Step::Mapping),
        Act::Key(KeyCode::Enter),
        // The dry run's result is shown; Enter goes on.
        Act::Shows("Dry run accepted".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Network),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Review),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Done),
        Act::Key(KeyCode::Enter),
    ]
}

fn key_event(code: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl_key(code: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::CONTROL)))
}

fn http() -> HttpClient {
    HttpClient::new(ClientOptions::default()).unwrap()
}

/// Every file below `dir` that contains `needle` (or its Base64 form).
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let b64 = support::base64(needle.as_bytes());
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                if text.contains(needle) || text.contains(&b64) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_with_a_pat_to_a_saved_connection() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let pat = leak(sb.pat());
    let org_url = leak(format!(
        "{}/contoso-agile/Payments%20Platform/_git/api",
        sb.devops_url()
    ));
    let script = [
        vec![
            Act::At(Step::Deployment),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Target),
            Act::Type(org_url),
            Act::Key(KeyCode::Enter),
            Act::At(Step::SignIn),
            Act::Key(KeyCode::Tab), // Personal access token
            Act::Type(pat),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Organization),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Project),
            // The project from the pasted URL is preselected.
            Act::Key(KeyCode::Enter),
        ],
        accept_to_done(),
    ]
    .concat();
    let (outcome, last, frames) = drive(settings(&sb), jobs.clone(), script).await;
    let saved = match outcome {
        Outcome::Saved(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(saved.name, "contoso-agile-payments-platform");
    assert!(
        last.contains("Connection contoso-agile-payments-platform saved"),
        "{last}"
    );

    let config = jobs.config.load().unwrap();
    let c = config.get(&saved.name).expect("saved");
    assert_eq!(c.organization.as_deref(), Some("contoso-agile"));
    assert_eq!(c.project, "Payments Platform");
    assert_eq!(c.process, "Agile");
    assert_eq!(c.api_version, "7.1");
    assert_eq!(c.work_item_type, "Issue");
    assert!(c.area_path.starts_with("Payments Platform"));
    assert!(
        c.iteration_path.starts_with("Payments Platform\\"),
        "{}",
        c.iteration_path
    );
    assert!(c.validated_at.is_some());
    assert!(c.secret_ref.is_some());
    assert_eq!(c.auth_method, ado_setup::store::config::AuthMethod::Pat);
    assert_eq!(
        c.allowlist_status,
        Some(ado_setup::store::config::AllowlistStatus::Direct)
    );

    let secret = jobs
        .secrets
        .get(saved.name.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secret.expose_secret(), pat);

    // The PAT: never on screen; in no file but the secret store's own.
    assert!(frames.len() > 10);
    for f in &frames {
        assert!(!f.contains(pat), "the PAT was drawn:\n{f}");
    }
    let hits = files_containing(tmp.path(), pat);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");
    sb.shutdown().await;
}

/// Microsoft sign-in, then another organization chosen from the list (by
/// filter): the saved connection holds the refresh token, the tenant and the
/// client — and `doctor`'s checks pass on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_sign_in_and_an_organization_from_the_list() {
    let sb = Sandbox::start(SandboxOptions {
        approve_after: Duration::from_millis(300),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let script = [
        vec![
            Act::At(Step::Deployment),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Target),
            Act::Type("contoso-agile"),
            Act::Key(KeyCode::Enter),
            Act::At(Step::SignIn),
            Act::Key(KeyCode::Enter), // device code; the sandbox approves
            Act::At(Step::Organization),
            // The list is filtered to the one wanted.
            Act::Type("scrum"),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Project),
            Act::Key(KeyCode::Enter),
        ],
        accept_to_done(),
    ]
    .concat();
    let (outcome, _, frames) = drive(settings(&sb), jobs.clone(), script).await;
    let saved = match outcome {
        Outcome::Saved(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(saved.name, "contoso-scrum-inventory-service");
    let config = jobs.config.load().unwrap();
    let c = config.get(&saved.name).expect("saved");
    assert_eq!(
        c.auth_method,
        ado_setup::store::config::AuthMethod::DeviceCode
    );
    assert_eq!(c.organization.as_deref(), Some("contoso-scrum"));
    assert_eq!(
        c.tenant_id.as_deref(),
        Some("f50b3664-ff5f-44cf-bb3e-31185eb08830"),
        "the organization's tenant"
    );
    assert_eq!(
        c.client_id.as_deref(),
        Some(ado_setup::auth::DEFAULT_CLIENT_ID)
    );
    let refresh = jobs
        .secrets
        .get(saved.name.as_str())
        .await
        .unwrap()
        .unwrap();
    let refresh = refresh.expose_secret().to_string();
    assert!(!refresh.is_empty());
    for f in &frames {
        assert!(!f.contains(&refresh), "the refresh token was drawn");
    }
    let hits = files_containing(tmp.path(), &refresh);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");

    // The saved sign-in works for the checks later (what `doctor NAME` does).
    let authority = Url::parse(&sb.authority_url()).unwrap();
    let (subject, secrets) =
        ado_setup::checks::saved_subject(&jobs.config, &saved.name, &authority)
            .await
            .unwrap();
    assert!(subject.entra.is_some() && subject.pat.is_none());
    let s = settings(&sb);
    let report = ado_setup::checks::run(
        &subject,
        &ado_setup::checks::Context {
            http: http(),
            devops_base: s.devops_base.clone(),
            extra_endpoints: s.service_endpoints(),
            allow_http: true,
            config: Some(jobs.config.clone()),
            secrets,
        },
    )
    .await;
    let failed: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.status == ado_setup::checks::Status::Fail)
        .map(|o| format!("{}: {}", o.id, o.message))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        report.get("auth.directory").unwrap().status,
        ado_setup::checks::Status::Pass
    );
    sb.shutdown().await;
}

/// `ado-setup edit NAME`: every step prefilled and validated again; a new
/// name replaces the old entry, and the old name's secret goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_revalidates_and_replaces_the_saved_connection() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let pat = leak(sb.pat());
    // A saved connection, the way the wizard saves one.
    let first = [
        vec![
            Act::At(Step::Deployment),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Target),
            Act::Type("contoso-scrum"),
            Act::Key(KeyCode::Enter),
            Act::At(Step::SignIn),
            Act::Key(KeyCode::Tab),
            Act::Type(pat),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Organization),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Project),
            Act::Key(KeyCode::Enter),
        ],
        accept_to_done(),
    ]
    .concat();
    let (outcome, _, _) = drive(settings(&sb), jobs.clone(), first).await;
    let Outcome::Saved(saved) = outcome else {
        panic!("{outcome:?}")
    };
    let before = jobs
        .config
        .load()
        .unwrap()
        .get(&saved.name)
        .cloned()
        .unwrap();

    // Edit it: Enter through every prefilled step; rename it at Review.
    let mut s = settings(&sb);
    s.existing = vec![(
        before.name.clone(),
        "contoso-scrum".into(),
        before.project.clone(),
    )];
    let mut w = Wizard::new(s);
    w.start_edit(&before, Some(&SecretString::from(pat.to_string())));
    assert_eq!(w.step, Step::Deployment);
    let mut script = vec![
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Organization),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Project),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Mapping),
        Act::Key(KeyCode::Enter),
        // The dry run's result is shown; Enter goes on.
        Act::Shows("Dry run accepted".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Network),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Review),
    ];
    // The name field holds the old name: erase it, type a new one.
    script.extend(std::iter::repeat_n(
        Act::Key(KeyCode::Backspace),
        before.name.len(),
    ));
    script.extend([
        Act::Type("scrum-inventory"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Done),
        Act::Key(KeyCode::Enter),
    ]);
    let (outcome, _, _) = drive_wizard(w, jobs.clone(), script).await;
    assert!(
        matches!(&outcome, Outcome::Saved(s) if s.name == "scrum-inventory"),
        "{outcome:?}"
    );
    let config = jobs.config.load().unwrap();
    assert_eq!(
        config.names(),
        vec!["scrum-inventory"],
        "replaced, not added"
    );
    let after = config.get("scrum-inventory").unwrap();
    assert_eq!(after.project, before.project);
    assert_eq!(after.area_path, before.area_path);
    assert!(after.validated_at >= before.validated_at);
    // The secret moved with the name.
    assert!(
        jobs.secrets
            .get(before.name.as_str())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        jobs.secrets
            .get("scrum-inventory")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        pat
    );
    sb.shutdown().await;
}

/// The machine's managed identity, chosen in the Sign in step: the step
/// probes the (sandbox's) instance metadata endpoint and offers it, a token
/// comes from there, every check passes, and the saved connection records
/// the method and keeps no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_from_the_sign_in_step_keeps_no_secret() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let mut s = settings(&sb);
    s.sign_in.imds = Some(Url::parse(&sb.imds_url()).unwrap());
    let script = [
        vec![
            Act::At(Step::Deployment),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Target),
            Act::Type("contoso-agile"),
            Act::Key(KeyCode::Enter),
            Act::At(Step::SignIn),
            Act::Shows(
                "Managed identity  ✓ the instance metadata endpoint answers; nothing stored".into(),
            ),
            Act::Key(KeyCode::Tab), // PAT
            Act::Key(KeyCode::Tab), // managed identity
            Act::Key(KeyCode::Enter),
            Act::At(Step::Organization),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Project),
            Act::Type("payments"),
            Act::Key(KeyCode::Enter),
        ],
        accept_to_done(),
    ]
    .concat();
    let (outcome, _, _) = drive(s, jobs.clone(), script).await;
    let Outcome::Saved(saved) = outcome else {
        panic!("{outcome:?}")
    };
    let config = jobs.config.load().unwrap();
    let c = config.get(&saved.name).unwrap();
    assert_eq!(
        c.auth_method,
        ado_setup::store::config::AuthMethod::ManagedIdentity
    );
    assert!(c.secret_ref.is_none(), "nothing secret is kept");
    assert!(
        jobs.secrets
            .get(saved.name.as_str())
            .await
            .unwrap()
            .is_none()
    );
    sb.shutdown().await;
}

/// A service principal with a certificate file, from the Sign in step: a
/// path that cannot be read is said on the field; F2 twice empties it; the
/// right file signs a client assertion, every check passes, and the private
/// key is kept only in the secret store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_principal_with_a_certificate_file_from_the_sign_in_step() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let sp = sb
        .apps()
        .into_iter()
        .find(|a| a.name.starts_with("payments-sync"))
        .unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["payments-sync".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    sb.trust_certificate(&sp.client_id, &cert.pem()).unwrap();
    let pem_path = tmp.path().join("payments-sync.pem");
    std::fs::write(&pem_path, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
    let missing = tmp.path().join("missing.pem");
    let script = [
        vec![
            Act::At(Step::Deployment),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Target),
            Act::Type("contoso-agile"),
            Act::Key(KeyCode::Enter),
            Act::At(Step::SignIn),
            Act::Key(KeyCode::BackTab), // service principal
            Act::Type(leak(sp.client_id.clone())),
            Act::Key(KeyCode::Enter),
            Act::Key(KeyCode::F(2)),
            Act::Shows("Certificate file:".into()),
            Act::Type(leak(missing.display().to_string())),
            Act::Key(KeyCode::Enter),
            Act::Shows("✗ cannot read the certificate".into()),
            Act::Key(KeyCode::F(2)), // a secret …
            Act::Key(KeyCode::F(2)), // … and back: the field is empty again
            Act::Type(leak(pem_path.display().to_string())),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Organization),
            Act::Key(KeyCode::Enter),
            Act::At(Step::Project),
            Act::Type("payments"),
            Act::Key(KeyCode::Enter),
        ],
        accept_to_done(),
    ]
    .concat();
    let (outcome, _, frames) = drive(settings(&sb), jobs.clone(), script).await;
    let Outcome::Saved(saved) = outcome else {
        panic!("{outcome:?}")
    };
    let config = jobs.config.load().unwrap();
    let c = config.get(&saved.name).unwrap();
    assert_eq!(
        c.auth_method,
        ado_setup::store::config::AuthMethod::ServicePrincipal
    );
    assert_eq!(c.client_id.as_deref(), Some(sp.client_id.as_str()));
    // The private key: in the secret store only, never on screen.
    let stored = jobs
        .secrets
        .get(saved.name.as_str())
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .expose_secret()
            .contains("-----BEGIN CERTIFICATE-----")
    );
    let key_line = key.serialize_pem().lines().nth(1).unwrap().to_string();
    let hits = files_containing(&dir, &key_line);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");
    assert!(frames.iter().all(|f| !f.contains(&key_line)));
    sb.shutdown().await;
}

/// An interrupted wizard leaves a draft of its answers in the config dir
/// (never the secret); a saved connection removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_wizard_leaves_a_draft() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let mut s = settings(&sb);
    s.demo = false;
    let pat = leak(sb.pat());
    let script = vec![
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Type("contoso-basic"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Key(KeyCode::Tab), // Personal access token
        Act::Type(pat),
        Act::Key(KeyCode::Enter),
        // Signed in with the PAT: the draft is written again here.
        Act::At(Step::Organization),
        Act::Key(KeyCode::Char('q')),
        Act::Key(KeyCode::Char('y')),
    ];
    let (outcome, _, _) = drive(s, jobs.clone(), script).await;
    assert_eq!(outcome, Outcome::Cancelled);
    let draft = ado_setup::store::draft::load(&dir).expect("a draft");
    assert_eq!(draft.target, "contoso-basic");
    assert_eq!(draft.step, "Organization");
    assert_eq!(draft.sign_in, "pat");
    // Never the secret: not in the draft, not in any file of the dir.
    let raw = std::fs::read_to_string(dir.join("draft.toml")).unwrap();
    assert!(!raw.contains(pat), "{raw}");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(pat),
            "{} holds the PAT",
            entry.path().display()
        );
    }
    sb.shutdown().await;
}

/// No OS keyring: the wizard asks which store first; the file store chosen
/// there is the one the save writes to (the driver switches to it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_chosen_when_the_keyring_fails_is_the_one_saved_to() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = JobContext {
        http: http(),
        config: ConfigStore::open(&dir),
        // What launch puts in place until a store is chosen.
        secrets: SecretStore::none(),
    };
    let mut s = settings(&sb);
    s.store_problem = Some("the OS keyring failed its write/read/delete test".into());
    let pat = leak(sb.pat());
    let file_option = ado_setup::wizard::store_options()
        .iter()
        .position(|(c, _, _)| *c == ado_setup::store::secrets::SecretStoreChoice::File)
        .unwrap();
    let mut script = vec![Act::At(Step::Storage)];
    script.extend(std::iter::repeat_n(Act::Key(KeyCode::Down), file_option));
    script.extend([
        Act::Key(KeyCode::Enter),
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Type("contoso-basic"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Key(KeyCode::Tab),
        Act::Type(pat),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Organization),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Project),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Mapping),
        Act::Key(KeyCode::Enter),
        // The dry run's result is shown; Enter goes on.
        Act::Shows("Dry run accepted".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Network),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Review),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Done),
        Act::Key(KeyCode::Enter),
    ]);
    let (outcome, _, _) = drive(s, jobs.clone(), script).await;
    assert!(matches!(outcome, Outcome::Saved(_)), "{outcome:?}");
    let hits = files_containing(tmp.path(), pat);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("secrets.toml"), "{hits:?}");
    sb.shutdown().await;
}

/// An inherited process with a required field: checking without a value,
/// the dry run's finding lands on the field; the user picks a value from
/// its picklist, and the saved connection carries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_rejects_a_field_and_the_user_fixes_it() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let pat = leak(sb.pat());
    let script = vec![
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Type("contoso-agile"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Key(KeyCode::Tab),
        Act::Type(pat),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Organization),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Project),
        Act::Type("support desk"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Mapping),
        // Straight to "Check and continue", leaving the field empty.
        Act::Key(KeyCode::Down),
        Act::Key(KeyCode::Enter),
        Act::Problem("MAPPING_"),
        // Focus is on the field: open its picklist, take the first value.
        Act::Key(KeyCode::Enter),
        Act::Key(KeyCode::Enter),
        Act::Key(KeyCode::Down),
        Act::Key(KeyCode::Enter),
        // The dry run's result is shown; Enter goes on.
        Act::Shows("Dry run accepted".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Network),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Review),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Done),
        Act::Key(KeyCode::Enter),
    ];
    let (outcome, _, frames) = drive(settings(&sb), jobs.clone(), script).await;
    let saved = match outcome {
        Outcome::Saved(s) => s,
        other => panic!("{other:?}"),
    };
    // The finding was shown on the field itself.
    assert!(
        frames
            .iter()
            .any(|f| f.contains("✗ › Customer Impact") || f.contains("✗   Customer Impact")),
        "no frame marked the field"
    );
    let config = jobs.config.load().unwrap();
    let c = config.get(&saved.name).unwrap();
    assert_eq!(c.project, "Customer Support Desk");
    let value = c.field_defaults.get("Custom.CustomerImpact").cloned();
    assert!(value.is_some(), "{:?}", c.field_defaults);
    sb.shutdown().await;
}

/// An organization of another directory (typed: it is not in the list) gets
/// a token of its own tenant from the same refresh token.
#[tokio::test]
async fn an_organization_of_another_directory_gets_a_token_of_its_tenant() {
    let sb = Sandbox::start(SandboxOptions {
        approve_after: Duration::from_millis(100),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let jobs = file_jobs(tmp.path());
    let s = settings(&sb);
    let app = ado_setup::auth::EntraApp {
        authority: s.authority_base.clone(),
        client_id: ado_setup::auth::DEFAULT_CLIENT_ID.into(),
    };
    let run = |job| ado_setup::jobs::run(&jobs, job);
    let code = match run(Job::DeviceStart {
        app: app.clone(),
        tenant: "organizations".into(),
    })
    .await
    {
        JobResult::DeviceCode(c) => c,
        other => panic!("{other:?}"),
    };
    let contoso = Url::parse(&format!("{}/contoso-agile", sb.devops_url())).unwrap();
    let entra = match run(Job::DeviceWait {
        app: app.clone(),
        code,
        base_url: contoso,
        org_tenant: Some("f50b3664-ff5f-44cf-bb3e-31185eb08830".into()),
    })
    .await
    {
        JobResult::SignedIn {
            entra: Some(e),
            user,
            ..
        } => {
            assert_eq!(user.display_name, "Avery Lindqvist");
            e
        }
        other => panic!("{other:?}"),
    };
    match run(Job::LoadOrganizations {
        profile_base: s.profile_base.clone(),
        entra: entra.clone(),
    })
    .await
    {
        JobResult::Organizations(orgs) => {
            assert!(orgs.iter().any(|o| o.name == "contoso-agile"));
            assert!(!orgs.iter().any(|o| o.name == "fabrikam-partners"));
        }
        other => panic!("{other:?}"),
    }
    let fabrikam = Url::parse(&format!("{}/fabrikam-partners", sb.devops_url())).unwrap();
    match run(Job::CheckOrganization {
        app,
        organization: "fabrikam-partners".into(),
        base_url: fabrikam,
        entra: entra.clone(),
    })
    .await
    {
        JobResult::OrganizationOk(ok) => {
            let fabrikam_tenant = "2e15abae-7f3a-40b1-bb30-3c7ffe57f959";
            assert_eq!(ok.tenant.as_deref(), Some(fabrikam_tenant));
            assert_eq!(ok.entra.tenant.as_deref(), Some(fabrikam_tenant));
        }
        other => panic!("{other:?}"),
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_with_a_pat_to_a_saved_connection_in_the_keyring() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let secrets = SecretStore::mock().unwrap();
    let jobs = JobContext {
        http: http(),
        config: ConfigStore::open(&dir),
        secrets: secrets.clone(),
    };
    let pat = leak(sb.pat());
    let collection = leak(sb.collection_url());
    let script = vec![
        Act::At(Step::Deployment),
        Act::Key(KeyCode::Down),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Target),
        Act::Type(collection),
        Act::Key(KeyCode::Enter),
        Act::At(Step::SignIn),
        Act::Type(pat),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Project),
        Act::Type("manufac"),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Mapping),
        Act::Key(KeyCode::Enter),
        // The dry run's result is shown; Enter goes on.
        Act::Shows("Dry run accepted".into()),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Network),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Review),
        // A name of our own.
        Act::Key(KeyCode::Home),
        Act::Key(KeyCode::Char('k')),
        Act::Key(KeyCode::Backspace),
        Act::Key(KeyCode::Enter),
        Act::At(Step::Done),
        Act::Key(KeyCode::Enter),
    ];
    let (outcome, _, frames) = drive(settings(&sb), jobs.clone(), script).await;
    let saved = match outcome {
        Outcome::Saved(s) => s,
        other => panic!("{other:?}"),
    };
    let config = jobs.config.load().unwrap();
    let c = config.get(&saved.name).expect("saved");
    assert_eq!(c.provider_key.as_str(), "azure_devops_server");
    assert_eq!(c.api_version, "6.0");
    assert_eq!(c.project, "Manufacturing Execution");
    assert_eq!(c.organization, None);
    assert!(c.base_url.ends_with("/tfs/DefaultCollection"));
    let secret: SecretString = secrets.get(saved.name.as_str()).await.unwrap().unwrap();
    assert_eq!(secret.expose_secret(), pat);
    for f in &frames {
        assert!(!f.contains(pat));
    }
    assert!(files_containing(tmp.path(), pat).is_empty());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_pat_shows_the_problem_and_saves_nothing() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let jobs = file_jobs(&dir);
    let seen_problem = Arc::new(Mutex::new(None::<String>));
    let (tx, rx) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let keys = |s: &str| {
        for c in s.chars() {
            tx.unbounded_send(key_event(KeyCode::Char(c))).unwrap();
        }
    };
    let enter = || {
        tx.unbounded_send(key_event(KeyCode::Enter)).unwrap();
    };
    enter();
    keys("contoso-scrum");
    enter();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let sp = seen_problem.clone();
    let tx2 = tx.clone();
    let typed = std::sync::atomic::AtomicBool::new(false);
    let observe = move |w: &Wizard| {
        if w.step == Step::SignIn
            && w.pat.value().is_empty()
            && !w.is_pending()
            && w.problem.is_none()
            && !typed.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            // Personal access token (Microsoft sign-in is the default).
            let _ = tx2.unbounded_send(key_event(KeyCode::Tab));
            for c in "wrong-token".chars() {
                let _ = tx2.unbounded_send(key_event(KeyCode::Char(c)));
            }
            let _ = tx2.unbounded_send(key_event(KeyCode::Enter));
        }
        if let Some(p) = &w.problem {
            *sp.lock().unwrap() = Some(p.code.clone());
            // Give up: Ctrl-C, then confirm.
            let _ = tx2.unbounded_send(ctrl_key(KeyCode::Char('c')));
            let _ = tx2.unbounded_send(key_event(KeyCode::Char('y')));
        }
    };
    let (outcome, _) = tokio::time::timeout(
        Duration::from_secs(30),
        driver::run(
            &mut terminal,
            Wizard::new(settings(&sb)),
            rx,
            jobs.clone(),
            Theme::plain(),
            std::future::pending::<()>(),
            observe,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(outcome, Outcome::Cancelled);
    assert_eq!(
        seen_problem.lock().unwrap().as_deref(),
        Some("PROVIDER_AUTH_REQUIRED")
    );
    assert!(
        !dir.join("config.toml").exists(),
        "nothing is written before Review"
    );
    assert!(!dir.join("secrets.toml").exists());
    sb.shutdown().await;
}

fn connection(name: &str, project: &str) -> ado_setup::store::config::Connection {
    use ado_setup::store::config::*;
    Connection {
        name: name.into(),
        provider_key: ProviderKey::AzureDevopsServices,
        deployment_mode: DeploymentMode::Cloud,
        organization: Some("contoso".into()),
        base_url: "https://dev.azure.com/contoso".into(),
        api_version: "7.1".into(),
        auth_method: AuthMethod::Pat,
        project: project.into(),
        project_id: "p".into(),
        process: "Agile".into(),
        work_item_type: "Bug".into(),
        area_path: project.into(),
        iteration_path: project.into(),
        ..Connection::default()
    }
}

#[tokio::test]
async fn a_save_never_loses_what_was_saved_before() {
    use ado_setup::store::FailPoint;
    use ado_setup::wizard::{Job, JobResult, SaveRequest};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let secrets = SecretStore::file(&dir);
    let store = ConfigStore::open(&dir);
    // One saved connection with its secret.
    secrets
        .set("payments", &SecretString::from("old-secret".to_string()))
        .await
        .unwrap();
    let mut config = store.load().unwrap();
    config.insert(connection("payments", "Payments")).unwrap();
    store.save(&config).unwrap();

    let save = |store: ConfigStore, c, pat: &str| {
        let jobs = JobContext {
            http: http(),
            config: store,
            secrets: secrets.clone(),
        };
        let job = Job::Save(Box::new(SaveRequest {
            replaces: None,
            connection: c,
            secret: SecretString::from(pat.to_string()),
        }));
        async move { ado_setup::jobs::run(&jobs, job).await }
    };
    // The same name (in another case), and the same org+project: refused,
    // nothing touched.
    for c in [
        connection("PAYMENTS", "Other"),
        connection("second", "Payments"),
    ] {
        match save(store.clone(), c, "new-secret").await {
            JobResult::Failed(p) => assert_eq!(p.code, "CONNECTION_EXISTS", "{p:?}"),
            other => panic!("{other:?}"),
        }
        let kept = secrets.get("payments").await.unwrap().unwrap();
        assert_eq!(kept.expose_secret(), "old-secret");
    }
    // A config write that fails: the secret store is put back as it was.
    secrets
        .set("stale", &SecretString::from("stale-secret".to_string()))
        .await
        .unwrap();
    let failing = ConfigStore::open(&dir).with_fail_point(FailPoint::Rename);
    match save(failing, connection("stale", "Stale"), "new-secret").await {
        JobResult::Failed(p) => assert_eq!(p.code, "CONFIG_WRITE_FAILED", "{p:?}"),
        other => panic!("{other:?}"),
    }
    let restored = secrets.get("stale").await.unwrap().unwrap();
    assert_eq!(restored.expose_secret(), "stale-secret");
    let failing = ConfigStore::open(&dir).with_fail_point(FailPoint::Rename);
    save(failing, connection("fresh", "Fresh"), "new-secret").await;
    assert!(secrets.get("fresh").await.unwrap().is_none(), "rolled back");
    assert_eq!(store.load().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_a_save_lets_it_finish() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    // The save is held at its start until the signal has reached the
    // wizard, so the signal lands inside the save whatever the timing.
    let gate = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let saving = Arc::new(tokio::sync::Notify::new());
    let mut jobs = file_jobs(&dir);
    jobs.config = {
        let gate = gate.clone();
        let saving = saving.clone();
        jobs.config.clone().with_save_hook(move || {
            saving.notify_one();
            let (open, opened) = &*gate;
            let mut open = open.lock().unwrap();
            while !*open {
                open = opened.wait(open).unwrap();
            }
        })
    };
    let delivered_while_saving = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (tx, rx) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let stop = Arc::new(tokio::sync::Notify::new());
    // The step, and whether the mapping's dry run is shown as accepted
    // (Enter again goes on).
    let sent = Arc::new(Mutex::new(None::<(Step, bool)>));
    let target = format!("{}/contoso-agile/Payments%20Platform", sb.devops_url());
    let pat = sb.pat().to_string();
    let observe = {
        let stop = stop.clone();
        let sent = sent.clone();
        let tx = tx.clone();
        move |w: &Wizard| {
            let enter = || {
                let _ = tx.unbounded_send(key_event(KeyCode::Enter));
            };
            if w.pending.is_some_and(|p| !p.cancellable) {
                stop.notify_one(); // SIGTERM while saving
                return;
            }
            let mut last = sent.lock().unwrap();
            let verified = w.form.as_ref().is_some_and(|f| f.verified().is_some());
            if w.is_pending() || w.problem.is_some() || *last == Some((w.step, verified)) {
                return;
            }
            *last = Some((w.step, verified));
            match w.step {
                Step::Target => {
                    for c in target.chars() {
                        let _ = tx.unbounded_send(key_event(KeyCode::Char(c)));
                    }
                    enter();
                }
                Step::SignIn => {
                    for c in pat.chars() {
                        let _ = tx.unbounded_send(key_event(KeyCode::Char(c)));
                    }
                    enter();
                }
                Step::Done => {}
                _ => enter(),
            }
        }
    };
    let settings = settings(&sb);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let shutdown = {
        let stop = stop.clone();
        let gate = gate.clone();
        let delivered = delivered_while_saving.clone();
        async move {
            stop.notified().await;
            // The save has started and is held: deliver the signal, then
            // let the save go on.
            saving.notified().await;
            delivered.store(true, std::sync::atomic::Ordering::SeqCst);
            let (open, opened) = &*gate;
            *open.lock().unwrap() = true;
            opened.notify_all();
        }
    };
    let (outcome, _) = tokio::time::timeout(
        Duration::from_secs(30),
        driver::run(
            &mut terminal,
            Wizard::new(settings),
            rx,
            jobs.clone(),
            Theme::plain(),
            shutdown,
            observe,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        delivered_while_saving.load(std::sync::atomic::Ordering::SeqCst),
        "the signal reached the wizard during the save"
    );
    assert!(matches!(outcome, Outcome::Saved(_)), "{outcome:?}");
    let config = jobs.config.load().unwrap();
    assert_eq!(config.len(), 1);
    let name = config.names()[0].to_string();
    assert!(jobs.secrets.get(name.as_str()).await.unwrap().is_some());
    drop(tx);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_troubleshooter_checks_a_saved_connection_with_its_secret() {
    use ado_setup::wizard::{Job, JobResult};
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("config");
    let secrets = SecretStore::file(&dir);
    let store = ConfigStore::open(&dir);
    let mut c = connection("payments", "Payments Platform");
    c.organization = Some("contoso-agile".into());
    c.base_url = format!("{}/contoso-agile", sb.devops_url());
    c.area_path = "Payments Platform".into();
    c.iteration_path = "Payments Platform".into();
    c.secret_ref = Some(secrets.secret_ref("payments"));
    secrets
        .set("payments", &SecretString::from(sb.pat().to_string()))
        .await
        .unwrap();
    let mut config = store.load().unwrap();
    config.insert(c).unwrap();
    store.save(&config).unwrap();

    let jobs = JobContext {
        http: http(),
        config: store,
        secrets,
    };
    let s = settings(&sb);
    let job = Job::Troubleshoot {
        name: "payments".into(),
        only: None,
        devops_base: s.devops_base.clone(),
        authority: s.authority_base.clone(),
        extra_endpoints: vec![s.vssps_base.clone(), s.profile_base.clone()],
        allow_http: true,
    };
    match ado_setup::jobs::run(&jobs, job).await {
        JobResult::Troubleshot { outcomes: rows, .. } => {
            assert_eq!(rows.len(), ado_setup::checks::CATALOGUE.len());
            let failed: Vec<_> = rows
                .iter()
                .filter(|r| r.status == ado_setup::checks::Status::Fail)
                .map(|r| format!("{}: {}", r.id, r.message))
                .collect();
            assert!(failed.is_empty(), "{failed:?}");
            let secret = rows.iter().find(|r| r.id == "storage.secret").unwrap();
            assert_eq!(secret.status, ado_setup::checks::Status::Pass);
        }
        other => panic!("{other:?}"),
    }
    let full_cost = sb.requests_served();

    // "Re-run this check": the check and what it needs, nothing else, for
    // fewer requests than the whole catalogue.
    let before = sb.requests_served();
    let job = Job::Troubleshoot {
        name: "payments".into(),
        only: Some("permission.tags"),
        devops_base: s.devops_base.clone(),
        authority: s.authority_base.clone(),
        extra_endpoints: vec![s.vssps_base.clone(), s.profile_base.clone()],
        allow_http: true,
    };
    match ado_setup::jobs::run(&jobs, job).await {
        JobResult::Troubleshot {
            outcomes: rows,
            only,
        } => {
            assert_eq!(only, Some("permission.tags"));
            let ids: Vec<&str> = rows.iter().map(|r| r.id).collect();
            assert_eq!(
                ids,
                [
                    "target.url",
                    "network.reachable",
                    "auth.credentials",
                    "auth.identity",
                    "auth.policy",
                    "project.access",
                    "permission.tags",
                ]
            );
            assert!(
                rows.iter()
                    .all(|r| r.status == ado_setup::checks::Status::Pass),
                "{rows:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let one_cost = sb.requests_served() - before;
    assert!(
        one_cost < full_cost,
        "one check cost {one_cost} requests, the whole run {full_cost}"
    );
    sb.shutdown().await;
}

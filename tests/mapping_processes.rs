//! The Field mapping screen for a project of each process in the sandbox —
//! Basic, Agile, Scrum, CMMI and an inherited process with a required custom
//! field — loaded by the real job over HTTP, snapshotted at 80×24.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ado_setup::ado::endpoints::Deployment;
use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::jobs::JobContext;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use ado_setup::store::config::ConfigStore;
use ado_setup::store::secrets::SecretStore;
use ado_setup::tui::screens::render;
use ado_setup::tui::theme::Theme;
use ado_setup::wizard::{Job, JobResult, MappingForm, ProjectInfo, Session, Step, Wizard};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use url::Url;

fn screen(w: &Wizard) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| render(f, w, &Theme::plain())).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..24 {
        let mut line = String::new();
        for x in 0..80 {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn the_mapping_screen_for_each_process() {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let jobs = JobContext {
        http: HttpClient::new(ClientOptions::default()).unwrap(),
        config: ConfigStore::open(tmp.path()),
        secrets: SecretStore::none(),
    };
    let cases = [
        ("basic", "contoso-basic", "Website Refresh", "Basic"),
        ("agile", "contoso-agile", "Payments Platform", "Agile"),
        ("scrum", "contoso-scrum", "Inventory Service", "Scrum"),
        ("cmmi", "contoso-cmmi", "Avionics Firmware", "CMMI"),
        (
            "inherited",
            "contoso-agile",
            "Customer Support Desk",
            "Agile - Support Desk",
        ),
    ];
    for (snap, org, project, process) in cases {
        let session = Session {
            deployment: Deployment::Services,
            base_url: Url::parse(&format!("{}/{org}", sb.devops_url())).unwrap(),
            credential: Credential::Pat(SecretString::from(sb.pat().to_string())),
            api_version: "7.1".into(),
            entra: None,
            unattended: None,
        };
        let info = ProjectInfo {
            id: String::new(),
            name: project.into(),
            process: process.into(),
            default_team: Some(format!("{project} Team")),
        };
        let data = match ado_setup::jobs::run(
            &jobs,
            Job::LoadMapping {
                session,
                project: info.clone(),
            },
        )
        .await
        {
            JobResult::MappingLoaded(d) => d,
            other => panic!("{org}/{project}: {other:?}"),
        };
        let mut w = Wizard::new(support::wizard_settings());
        w.step = Step::Mapping;
        w.project = Some(info);
        let form = MappingForm::new(data);
        // What each process offers.
        match snap {
            "basic" => assert_eq!(form.work_item_type, "Issue"),
            "agile" => assert_eq!(form.work_item_type, "Issue"),
            "scrum" | "cmmi" => assert!(
                ["Bug", "Issue", "Impediment"].contains(&form.work_item_type.as_str()),
                "{snap}: {}",
                form.work_item_type
            ),
            _ => assert!(
                form.fields
                    .required
                    .iter()
                    .any(|f| f.reference_name == "Custom.CustomerImpact"),
                "the inherited process asks for its required field"
            ),
        }
        assert!(form.data.areas.total() >= 1);
        assert!(form.data.iterations.contains_path(&form.iteration));
        w.form = Some(form);
        insta::assert_snapshot!(format!("mapping_{snap}"), screen(&w));
    }
    sb.shutdown().await;
}

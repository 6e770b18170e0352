//! The real client against the sandbox over real HTTP: every endpoint the
//! client core offers, the large data sets, the Server collection's
//! api-version negotiation, and each error scenario's classification.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ado_setup::ado::client::{AdoClient, StructureGroup};
use ado_setup::ado::error::{AdoError, AuthFailure};
use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::ado::models::{DeploymentType, JsonPatchOperation};
use ado_setup::ado::negotiate::negotiate_server;
use ado_setup::ado::version::ApiVersion;
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use secrecy::SecretString;
use serde_json::json;
use url::Url;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        port: 0,
        approve_after: Duration::from_millis(100),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn http() -> HttpClient {
    HttpClient::new(ClientOptions {
        retry_base_delay: Duration::from_millis(50),
        ..ClientOptions::default()
    })
    .expect("http client")
}

fn client_for(url: &str, pat: &str, version: ApiVersion) -> AdoClient {
    AdoClient::new(
        http(),
        Url::parse(url).expect("url"),
        Credential::Pat(SecretString::from(pat.to_string())),
        version,
    )
    .expect("client")
}

fn org(sb: &Sandbox, name: &str, pat: &str) -> AdoClient {
    client_for(
        &format!("{}/{name}", sb.devops_url()),
        pat,
        ApiVersion::SERVICES,
    )
}

fn scenario_pat(sb: &Sandbox, name: &str) -> String {
    sb.scenarios()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
        .pat
}

#[tokio::test]
async fn every_client_call_works_against_a_services_org() {
    let sb = sandbox().await;
    let c = org(&sb, "contoso-agile", sb.pat());

    let me = c.connection_data().await.expect("connectionData");
    assert_eq!(me.authenticated_user.display_name(), "Avery Lindqvist");
    assert_eq!(
        me.authenticated_user.account(),
        Some("avery.lindqvist@contoso.example")
    );
    assert!(!me.authenticated_user.is_anonymous());
    assert_eq!(me.deployment_type, Some(DeploymentType::Hosted));

    let projects = c.all_projects().await.expect("projects");
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"Payments Platform"), "{names:?}");

    let p = c.project("Payments Platform").await.expect("project");
    assert_eq!(p.process_template_name(), Some("Agile"));
    assert!(p.default_team.is_some());
    let by_id = c.project(&p.id).await.expect("project by id");
    assert_eq!(by_id.name, "Payments Platform");

    let props = c.project_properties(&p.id).await.expect("properties");
    assert!(
        props
            .iter()
            .any(|pr| pr.name == "System.ProcessTemplateType"),
        "{props:?}"
    );

    let processes = c.processes().await.expect("processes");
    for name in ["Basic", "Agile", "Scrum", "CMMI"] {
        assert!(processes.iter().any(|pr| pr.name == name), "{name}");
    }
    let agile = processes.iter().find(|pr| pr.name == "Agile").unwrap();
    let one = c.process(&agile.type_id).await.expect("process");
    assert_eq!(one.name, "Agile");

    let teams = c.teams(&p.name).await.expect("teams");
    assert!(teams.len() >= 3, "{teams:?}");
    let members = c
        .team_members(&p.name, &teams[0].name)
        .await
        .expect("members");
    assert!(!members.is_empty());
    assert!(members.iter().all(|m| m.identity.unique_name.is_some()));

    let tfv = c
        .team_field_values(&p.name, None)
        .await
        .expect("team field values");
    let default_area = tfv.default_value.clone().unwrap_or_default();
    assert!(
        default_area.starts_with("Payments Platform"),
        "{default_area}"
    );
    let ts = c.team_settings(&p.name, None).await.expect("team settings");
    assert!(ts.default_iteration.is_some() || ts.backlog_iteration.is_some());

    let types = c.work_item_types(&p.name).await.expect("types");
    for t in ["User Story", "Bug", "Task", "Epic"] {
        assert!(types.iter().any(|w| w.name == t), "{t}");
    }
    let bug = c.work_item_type(&p.name, "Bug").await.expect("type");
    assert_eq!(bug.name, "Bug");
    let cats = c
        .work_item_type_categories(&p.name)
        .await
        .expect("categories");
    let bug_cat = cats
        .iter()
        .find(|c| c.reference_name == "Microsoft.BugCategory")
        .expect("bug category");
    assert_eq!(
        bug_cat
            .default_work_item_type
            .as_ref()
            .map(|t| t.name.as_str()),
        Some("Bug")
    );

    let fields = c
        .work_item_type_fields(&p.name, "Bug", true)
        .await
        .expect("fields");
    let prio = fields
        .iter()
        .find(|f| f.reference_name == "Microsoft.VSTS.Common.Priority")
        .expect("priority");
    assert!(prio.allows(&json!(1)) && prio.allows(&json!(4)));
    assert!(!prio.allows(&json!(7)));
    let plain = c
        .work_item_type_fields(&p.name, "Bug", false)
        .await
        .expect("fields");
    assert_eq!(plain.len(), fields.len());

    let all_fields = c.fields().await.expect("all fields");
    assert!(
        all_fields
            .iter()
            .any(|f| f.reference_name == "System.Title")
    );
    let title = c.field("System.Title").await.expect("field");
    assert_eq!(title.reference_name, "System.Title");

    let roots = c
        .classification_roots(&p.name, Some(2))
        .await
        .expect("roots");
    assert_eq!(roots.len(), 2);
    let areas = c
        .classification_node(&p.name, StructureGroup::Areas, "", Some(5))
        .await
        .expect("areas");
    assert_eq!(areas.field_path().as_deref(), Some("Payments Platform"));
    assert!(areas.count() > 3);
    let iterations = c
        .classification_node(&p.name, StructureGroup::Iterations, "", Some(5))
        .await
        .expect("iterations");
    let paths = iterations.field_paths();
    assert!(
        paths
            .iter()
            .any(|(p, _)| p.starts_with("Payments Platform\\")),
        "{paths:?}"
    );
    let child = &areas.children[0];
    let sub = c
        .classification_node(&p.name, StructureGroup::Areas, &child.name, None)
        .await
        .expect("sub node");
    assert_eq!(sub.name, child.name);
    match c
        .classification_node(&p.name, StructureGroup::Areas, "No Such Area", None)
        .await
    {
        Err(e @ AdoError::NotFound { .. }) => assert_eq!(e.code(), "PROVIDER_NOT_FOUND"),
        other => panic!("{other:?}"),
    }

    let namespaces = c.security_namespaces().await.expect("namespaces");
    let project_ns = namespaces
        .iter()
        .find(|n| n.name == "Project")
        .expect("Project namespace");
    let write = project_ns.bit_for("GENERIC_WRITE").expect("GENERIC_WRITE");
    let one_ns = c
        .security_namespace(&project_ns.namespace_id)
        .await
        .expect("one namespace")
        .expect("found");
    assert_eq!(one_ns.namespace_id, project_ns.namespace_id);
    let token = format!("$PROJECT:vstfs:///Classification/TeamProject/{}", p.id);
    let allowed = c
        .has_permissions(&project_ns.namespace_id, write, &[&token])
        .await
        .expect("permissions");
    assert_eq!(allowed, vec![true]);

    let area = areas.field_path().unwrap_or_default();
    let ops = [
        JsonPatchOperation::add_field("System.Title", json!("ado-setup dry run")),
        JsonPatchOperation::add_field("System.AreaPath", json!(area)),
        JsonPatchOperation::add_field("Microsoft.VSTS.Common.Priority", json!(2)),
    ];
    let item = c
        .validate_work_item(&p.name, "Bug", &ops)
        .await
        .expect("dry run");
    assert_eq!(item.title(), Some("ado-setup dry run"));

    let bad = [
        JsonPatchOperation::add_field("System.Title", json!("x")),
        JsonPatchOperation::add_field("Microsoft.VSTS.Common.Priority", json!(7)),
    ];
    match c.validate_work_item(&p.name, "Bug", &bad).await {
        Err(AdoError::RuleValidation { errors, .. }) => assert!(
            errors.iter().any(
                |e| e.field_reference_name.as_deref() == Some("Microsoft.VSTS.Common.Priority")
            ),
            "{errors:?}"
        ),
        other => panic!("{other:?}"),
    }

    match c.project("No Such Project").await {
        Err(e) => assert_eq!(e.code(), "PROJECT_NOT_FOUND", "{e}"),
        Ok(p) => panic!("{p:?}"),
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_required_custom_field_is_named_by_the_dry_run() {
    let sb = sandbox().await;
    let c = org(&sb, "contoso-agile", sb.pat());
    let project = "Customer Support Desk";
    let types = c.work_item_types(project).await.expect("types");
    let mut named = Vec::new();
    for t in types.iter().filter(|t| t.is_enabled()) {
        let fields = c
            .work_item_type_fields(project, &t.name, true)
            .await
            .expect("fields");
        let required: Vec<String> = fields
            .iter()
            .filter(|f| f.always_required)
            .map(|f| f.reference_name.clone())
            .filter(|r| r.starts_with("Custom."))
            .collect();
        if required.is_empty() {
            continue;
        }
        let ops = [JsonPatchOperation::add_field("System.Title", json!("x"))];
        match c.validate_work_item(project, &t.name, &ops).await {
            Err(e @ AdoError::RuleValidation { .. }) => {
                assert_eq!(e.code(), "MAPPING_REJECTED");
                if let AdoError::RuleValidation { errors, .. } = e {
                    for r in &required {
                        assert!(
                            errors
                                .iter()
                                .any(|e| e.field_reference_name.as_deref() == Some(r.as_str())),
                            "{r} not named in {errors:?}"
                        );
                    }
                }
            }
            other => panic!("{}: {other:?}", t.name),
        }
        named.extend(required);
    }
    assert!(
        !named.is_empty(),
        "no type of {project} has a required custom field"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn large_data_sets_page_and_load() {
    let sb = sandbox().await;
    let c = org(&sb, "contoso-enterprise", sb.pat());
    let projects = c.all_projects().await.expect("projects");
    assert!(projects.len() >= 3000, "{}", projects.len());
    let mut ids: Vec<&str> = projects.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), projects.len());

    let c = org(&sb, "contoso-agile", sb.pat());
    let tree = c
        .classification_node("Enterprise Portfolio", StructureGroup::Areas, "", Some(10))
        .await
        .expect("large tree");
    assert!(tree.count() >= 20_000, "{}", tree.count());
    sb.shutdown().await;
}

#[tokio::test]
async fn the_server_collection_negotiates_its_version() {
    let sb = sandbox().await;
    let base = Url::parse(&sb.collection_url()).unwrap();
    let cred = Credential::Pat(SecretString::from(sb.pat().to_string()));
    let v = negotiate_server(&http(), &base, &cred)
        .await
        .expect("negotiation");
    assert_eq!(v, ApiVersion { major: 6, minor: 0 });

    let c = client_for(&sb.collection_url(), sb.pat(), v);
    let me = c.connection_data().await.expect("who am i");
    assert_eq!(me.deployment_type, Some(DeploymentType::OnPremises));
    let projects = c.all_projects().await.expect("projects");
    assert!(projects.iter().any(|p| p.name == "Manufacturing Execution"));

    // Asked at 7.1, the server says what it speaks.
    let c71 = c.clone().with_version(ApiVersion::SERVICES);
    match c71.all_projects().await {
        Err(AdoError::VersionOutOfRange { latest, .. }) => {
            assert_eq!(latest.as_deref(), Some("6.0"))
        }
        other => panic!("{other:?}"),
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn error_scenarios_are_classified() {
    let sb = sandbox().await;

    // A wrong PAT: the 203 sign-in page.
    let e = org(&sb, "contoso-agile", "not-the-pat")
        .connection_data()
        .await;
    assert!(
        matches!(e, Err(AdoError::CredentialsRejected { .. })),
        "{e:?}"
    );

    let e = org(&sb, "contoso-agile", &scenario_pat(&sb, "expired"))
        .connection_data()
        .await;
    match e {
        Err(e) => assert_eq!(e.code(), "PROVIDER_AUTH_REQUIRED"),
        Ok(_) => panic!("expired PAT accepted"),
    }

    let e = org(&sb, "contoso-agile", &scenario_pat(&sb, "not-materialized"))
        .connection_data()
        .await;
    assert!(
        matches!(
            e,
            Err(AdoError::Unauthorized {
                kind: AuthFailure::NotMaterialized,
                ..
            })
        ),
        "{e:?}"
    );

    let e = org(
        &sb,
        "contoso-agile",
        &scenario_pat(&sb, "conditional-access"),
    )
    .connection_data()
    .await;
    match e {
        Err(e) => assert_eq!(e.code(), "ORG_POLICY_BLOCKED", "{e}"),
        Ok(_) => panic!("conditional access not enforced"),
    }

    // Read-only: reads work, the dry run is refused with 401.
    let ro = org(&sb, "contoso-agile", &scenario_pat(&sb, "read-only"));
    ro.project("Payments Platform").await.expect("reads work");
    let ops = [JsonPatchOperation::add_field("System.Title", json!("x"))];
    match ro
        .validate_work_item("Payments Platform", "Bug", &ops)
        .await
    {
        Err(AdoError::Unauthorized { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }

    // No permissions: reads work, permission evaluation says no.
    let np = org(&sb, "contoso-agile", &scenario_pat(&sb, "no-permissions"));
    let p = np.project("Payments Platform").await.expect("reads work");
    let token = format!("$PROJECT:vstfs:///Classification/TeamProject/{}", p.id);
    let answer = np
        .has_permissions("52d39943-cb85-4d7f-8fa8-c6baac873819", 2, &[&token])
        .await
        .expect("permission answer");
    assert_eq!(answer, vec![false]);

    // Throttled: every other call is 429 with Retry-After; the client retries.
    let th = org(&sb, "contoso-agile", &scenario_pat(&sb, "throttled"));
    for _ in 0..2 {
        th.connection_data()
            .await
            .expect("retried after Retry-After");
    }

    // An organization that does not exist.
    match org(&sb, "no-such-org", sb.pat()).connection_data().await {
        Err(e @ AdoError::NotFound { .. }) => assert_eq!(e.code(), "PROVIDER_NOT_FOUND"),
        other => panic!("{other:?}"),
    }
    sb.shutdown().await;
}

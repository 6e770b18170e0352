//! A snapshot of every screen in its states (empty, invalid, pending, failed,
//! ok) at 80×24 on ratatui's `TestBackend`, in the monochrome theme (what
//! `NO_COLOR=1` shows: selection must be visible without colour).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ado_setup::ado::endpoints::Deployment;
use ado_setup::tui::screens::render;
use ado_setup::tui::theme::Theme;
use ado_setup::wizard::filter::FilterList;
use ado_setup::wizard::{
    Availability, CheckStatus, DeviceView, EndpointProbe, EndpointResult, EntraSession,
    MappingForm, OrgItem, Pending, Problem, ProjectInfo, ProjectItem, SavedInfo, Settings,
    SignInMethod, SpCredential, Step, Unavailable, UserInfo, Wizard,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_input::Input;
use url::Url;

fn settings() -> Settings {
    support::wizard_settings()
}

fn screen(w: &Wizard) -> String {
    screen_at(w, 80, 24)
}

fn screen_at(w: &Wizard, width: u16, height: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| render(f, w, &Theme::plain())).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn pending(w: &mut Wizard) {
    w.pending = Some(Pending {
        id: 1,
        step: w.step,
        since_tick: 0,
        cancellable: true,
    });
}

fn problem(code: &str, message: &str, fix: &str) -> Option<Problem> {
    Some(Problem::new(code, message, fix))
}

fn signed_in(w: &mut Wizard) {
    w.base_url = Some(Url::parse("https://dev.azure.com/contoso").unwrap());
    w.organization = Some("contoso".into());
    w.tenant = Some("f50b3664-ff5f-44cf-bb3e-31185eb08830".into());
    w.user = Some(UserInfo {
        display_name: "Avery Lindqvist".into(),
        sign_in: Some("avery.lindqvist@contoso.example".into()),
    });
    w.api_version = Some("7.1".into());
}

fn project_items(n: usize) -> Vec<ProjectItem> {
    (0..n)
        .map(|i| ProjectItem {
            id: format!("id-{i}"),
            name: format!("Project {i:04}"),
            description: format!("Description of project {i}"),
            visibility: if i == 3 { "public" } else { "private" }.into(),
            process: ["Agile", "Scrum", "Payments Agile", "Basic"][i % 4].into(),
        })
        .collect()
}

fn with_project(w: &mut Wizard) {
    signed_in(w);
    w.project = Some(ProjectInfo {
        id: "p1".into(),
        name: "Payments Platform".into(),
        process: "Agile".into(),
        default_team: Some("Payments Platform Team".into()),
    });
}

fn with_mapping(w: &mut Wizard) {
    with_project(w);
    let form = MappingForm::new(support::mapping_data(false));
    w.mapping = Some(form.info());
    w.form = Some(form);
}

fn at(step: Step) -> Wizard {
    let mut w = Wizard::new(settings());
    w.step = step;
    w
}

macro_rules! snap {
    ($name:expr, $w:expr) => {
        insta::assert_snapshot!($name, screen(&$w));
    };
}

#[test]
fn menu() {
    let mut s = settings();
    s.existing = vec![
        (
            "contoso-payments".into(),
            "contoso".into(),
            "Payments Platform".into(),
        ),
        (
            "tfs-manufacturing".into(),
            "https://tfs.contoso.example/tfs/DefaultCollection".into(),
            "Manufacturing Execution".into(),
        ),
    ];
    let w = Wizard::new(s);
    assert_eq!(w.step, Step::Menu);
    snap!("menu", w);
}

#[test]
fn deployment() {
    let w = at(Step::Deployment);
    snap!("deployment_services", w);
    let mut w = at(Step::Deployment);
    w.deployment = Deployment::Server;
    snap!("deployment_server", w);
}

#[test]
fn target() {
    let w = at(Step::Target);
    snap!("target_empty", w);

    let mut w = at(Step::Target);
    w.target = Input::new("contoso-".into());
    w.problem = problem(
        "PROVIDER_BASE_URL_BLOCKED",
        "contoso- is not an organization name: it may not end with a hyphen",
        "Type the name as in https://dev.azure.com/NAME, e.g. contoso",
    );
    snap!("target_invalid", w);

    let mut w = at(Step::Target);
    w.target = Input::new("https://dev.azure.com/contoso/Payments%20Platform/_git/api".into());
    w.base_url = Some(Url::parse("https://dev.azure.com/contoso").unwrap());
    pending(&mut w);
    snap!("target_pending", w);

    let mut w = at(Step::Target);
    w.target = Input::new("nosuchorg".into());
    w.problem = problem(
        "PROVIDER_NOT_FOUND",
        "there is no Azure DevOps organization at https://dev.azure.com/nosuchorg",
        "Check the organization name; https://aex.dev.azure.com/me lists yours",
    );
    snap!("target_failed", w);

    let mut w = at(Step::Target);
    w.deployment = Deployment::Server;
    w.settings.allow_http = true;
    w.target = Input::new("http://tfs.lab.example:8080/tfs/DefaultCollection".into());
    snap!("target_server_http", w);
}

#[test]
fn sign_in() {
    let pat_at = || {
        let mut w = at(Step::SignIn);
        w.sign_in_method = SignInMethod::Pat;
        w.base_url = Some(Url::parse("https://dev.azure.com/contoso").unwrap());
        w
    };
    let w = pat_at();
    snap!("sign_in_empty", w);

    let mut w = pat_at();
    w.pat = Input::new("a-very-secret-token-value".into());
    let shown = screen(&w);
    assert!(
        !shown.contains("a-very-secret-token-value"),
        "the PAT is masked"
    );
    snap!("sign_in_typed", w);

    let mut w = pat_at();
    w.pat = Input::new("a-very-secret-token-value".into());
    pending(&mut w);
    snap!("sign_in_pending", w);

    let mut w = pat_at();
    w.pat = Input::new("expired".into());
    w.problem = problem(
        "PROVIDER_AUTH_REQUIRED",
        "Azure DevOps did not accept the credentials (it answered a sign-in page)",
        "Check the token was copied whole and has not expired or been revoked",
    );
    snap!("sign_in_failed", w);

    let mut w = at(Step::SignIn);
    w.base_url = Some(Url::parse("https://dev.azure.com/contoso").unwrap());
    w.tenant = Some("f50b3664-ff5f-44cf-bb3e-31185eb08830".into());
    assert_eq!(w.sign_in_method, SignInMethod::DeviceCode, "the default");
    snap!("sign_in_device_code", w);

    let mut w = at(Step::SignIn);
    w.tenant = Some("00000000-0000-0000-0000-000000000000".into());
    snap!("sign_in_device_code_microsoft_account", w);

    let mut w = at(Step::SignIn);
    pending(&mut w);
    snap!("sign_in_device_code_asking", w);

    // The code on screen, over SSH (no browser offered) …
    let mut w = at(Step::SignIn);
    pending(&mut w);
    w.device = Some(DeviceView {
        user_code: "F7KQ2ZP9M".into(),
        verification_uri: "https://microsoft.com/devicelogin".into(),
        expires_in: 900,
        issued_tick: 0,
    });
    w.tick = 125; // 12.5 s later
    assert_eq!(w.device_seconds_left(), Some(888));
    let shown = screen(&w);
    assert!(shown.contains("F 7 K Q 2 Z P 9 M"), "{shown}");
    assert!(shown.contains("14:48 left"), "{shown}");
    snap!("sign_in_device_code_waiting_ssh", w);
    // … and on a desktop.
    w.settings.sign_in.can_open_browser = true;
    snap!("sign_in_device_code_waiting_desktop", w);

    let mut w = at(Step::SignIn);
    w.problem = problem(
        "PROVIDER_AUTH_REQUIRED",
        "the sign-in was declined in the browser",
        "Start the sign-in again and approve it (choose the account that is a member of the organization)",
    );
    snap!("sign_in_device_code_declined", w);

    let mut w = at(Step::SignIn);
    w.deployment = Deployment::Server;
    w.sign_in_method = SignInMethod::Pat;
    w.base_url = Some(Url::parse("https://tfs.contoso.example/tfs/DefaultCollection").unwrap());
    snap!("sign_in_server", w);
}

/// The Sign in step of Services on `method`, for contoso.
fn sign_in_on(method: SignInMethod) -> Wizard {
    let mut w = at(Step::SignIn);
    w.base_url = Some(Url::parse("https://dev.azure.com/contoso").unwrap());
    w.tenant = Some("f50b3664-ff5f-44cf-bb3e-31185eb08830".into());
    w.sign_in_method = method;
    w
}

fn imds_unavailable() -> Availability {
    Availability::Unavailable(Unavailable {
        brief: "no instance metadata endpoint answered".into(),
        problem: Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "managed identity is not available here: no instance metadata endpoint answered at http://169.254.169.254 within 1 s (timed out)",
            "Managed identity works on Azure VMs, VM scale sets and AKS nodes with an identity assigned; elsewhere choose Service principal or Azure CLI (ADO_SETUP_IMDS_URL overrides the endpoint)",
        ),
    })
}

fn az_missing() -> Availability {
    Availability::Unavailable(Unavailable {
        brief: "az is not installed".into(),
        problem: Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "the Azure CLI (az) is not installed, or not on PATH",
            "Install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and run `az login --tenant f50b3664-ff5f-44cf-bb3e-31185eb08830` as the user the integration runs as, then press r; or choose another method",
        ),
    })
}

#[test]
fn sign_in_unattended() {
    // The probes still running: the choices say so; Enter need not wait.
    let mut w = sign_in_on(SignInMethod::ManagedIdentity);
    w.probes.managed_identity = Availability::Checking { id: 1 };
    w.probes.azure_cli = Availability::Checking { id: 2 };
    let shown = screen(&w);
    assert!(
        shown.contains("Managed identity  (checking the metadata endpoint…)"),
        "{shown}"
    );
    assert!(shown.contains("Azure CLI  (checking `az`…)"), "{shown}");
    snap!("sign_in_probes_checking", w);

    // No metadata endpoint (not on Azure), az signed in: managed identity
    // is greyed with the reason, and still selectable to read it.
    w.probes.managed_identity = imds_unavailable();
    w.probes.azure_cli = Availability::Available("signed in as avery@contoso.example".into());
    let shown = screen(&w);
    assert!(
        shown.contains("✗ unavailable: no instance metadata endpoint answered"),
        "{shown}"
    );
    assert!(shown.contains("Enter why"), "{shown}");
    snap!("sign_in_managed_identity_unavailable", w);

    // The Azure CLI available: its account on the choice.
    let mut w = sign_in_on(SignInMethod::AzureCli);
    w.probes.managed_identity =
        Availability::Available("the instance metadata endpoint answers".into());
    w.probes.azure_cli = Availability::Available("signed in as avery@contoso.example".into());
    snap!("sign_in_azure_cli_available", w);

    // az missing, and Enter pressed: the reason with its fix.
    let mut w = sign_in_on(SignInMethod::AzureCli);
    w.probes.managed_identity = imds_unavailable();
    w.probes.azure_cli = az_missing();
    if let Availability::Unavailable(u) = az_missing() {
        w.problem = Some(u.problem);
    }
    let shown = screen(&w);
    assert!(
        shown.contains("✗ unavailable: az is not installed"),
        "{shown}"
    );
    assert!(shown.contains("PROVIDER_AUTH_REQUIRED"), "{shown}");
    snap!("sign_in_azure_cli_unavailable_why", w);
}

#[test]
fn sign_in_service_principal() {
    // Client id, then the secret, masked.
    let mut w = sign_in_on(SignInMethod::ServicePrincipal);
    w.sp_client = Input::new("11111111-2222-3333-4444-555555555555".into());
    w.sp_secret = Input::new("Xy8Q~very.secret-value".into());
    w.sp_on_secret = true;
    let shown = screen(&w);
    assert!(!shown.contains("very.secret"), "the secret is masked");
    assert!(shown.contains("F2 certificate"), "{shown}");
    snap!("sign_in_service_principal_secret", w);

    // F2: a certificate file, shown in clear, and its error on the field.
    w.sp_credential = SpCredential::CertificateFile;
    w.sp_secret = Input::new("/etc/ado-setup/payments-sync.pem".into());
    w.sp_error = Some(Problem::new(
        "CONFIG_INVALID",
        "cannot read the certificate /etc/ado-setup/payments-sync.pem: No such file or directory (os error 2)",
        "Check the path and that you can read the file",
    ));
    let shown = screen(&w);
    assert!(
        shown.contains("Certificate file: /etc/ado-setup/payments-sync.pem"),
        "{shown}"
    );
    assert!(shown.contains("✗ cannot read the certificate"), "{shown}");
    snap!("sign_in_service_principal_certificate_error", w);

    // The help names every method.
    let mut w = sign_in_on(SignInMethod::ServicePrincipal);
    w.show_help = true;
    snap!("sign_in_help", w);
}

#[test]
fn organization_list_after_microsoft_sign_in() {
    let mut w = at(Step::Organization);
    signed_in(&mut w);
    w.entra = Some(EntraSession {
        access: "access-token-value".to_string().into(),
        refresh: "refresh-token-value".to_string().into(),
        tenant: Some("f50b3664-ff5f-44cf-bb3e-31185eb08830".into()),
    });
    pending(&mut w);
    snap!("organization_list_loading", w);
    w.pending = None;
    w.orgs = FilterList::new(
        ["contoso", "contoso-agile", "contoso-labs", "fabrikam-it"]
            .iter()
            .map(|n| OrgItem {
                name: n.to_string(),
            })
            .collect(),
    );
    w.orgs_loaded = true;
    w.orgs.select_where(|o: &OrgItem| o.name == "contoso");
    let shown = screen(&w);
    assert!(!shown.contains("token-value"));
    snap!("organization_list", w);
    w.orgs.set_query("zzz");
    snap!("organization_list_no_match", w);
}

#[test]
fn organization() {
    let mut w = at(Step::Organization);
    signed_in(&mut w);
    snap!("organization", w);

    let mut w = at(Step::Organization);
    signed_in(&mut w);
    w.sign_in_method = ado_setup::wizard::SignInMethod::ManagedIdentity;
    snap!("organization_application_identity", w);
}

#[test]
fn project() {
    let mut w = at(Step::Project);
    signed_in(&mut w);
    pending(&mut w);
    snap!("project_loading", w);

    let mut w = at(Step::Project);
    signed_in(&mut w);
    w.projects = FilterList::new(project_items(3000));
    w.projects_loaded = true;
    snap!("project_list", w);

    let mut w = at(Step::Project);
    signed_in(&mut w);
    w.projects = FilterList::new(project_items(3000));
    w.projects_loaded = true;
    w.projects.set_query("12 7");
    snap!("project_filtered", w);

    let mut w = at(Step::Project);
    signed_in(&mut w);
    w.projects = FilterList::new(project_items(30));
    w.projects_loaded = true;
    w.projects.set_query("zzz");
    snap!("project_no_match", w);

    let mut w = at(Step::Project);
    signed_in(&mut w);
    w.projects = FilterList::new(project_items(30));
    w.projects_loaded = true;
    w.problem = problem(
        "PROJECT_NOT_FOUND",
        "not found: VS800075: The project with id 'vstfs:///Classification/TeamProject/x' does not exist",
        "Check the project name, and that this account is a member of the project",
    );
    snap!("project_failed", w);
}

#[test]
fn mapping() {
    let mut w = at(Step::Mapping);
    with_project(&mut w);
    pending(&mut w);
    snap!("mapping_pending", w);

    let mut w = at(Step::Mapping);
    with_mapping(&mut w);
    snap!("mapping_ok", w);

    // The permission checks of the chosen project, shown on the way.
    let mut w = at(Step::Mapping);
    with_mapping(&mut w);
    w.permissions = ado_setup::wizard::Permissions::Checked(vec![
        support::outcome(
            "permission.project_admin",
            CheckStatus::Pass,
            None,
            "GENERIC_WRITE allowed",
            &[],
        ),
        support::outcome(
            "permission.service_hooks",
            CheckStatus::Pass,
            None,
            "EditSubscriptions allowed",
            &[],
        ),
        support::outcome(
            "permission.tags",
            CheckStatus::Fail,
            Some("PERMISSION_MISSING"),
            "Create is not allowed for this user",
            &["Grant \"Create tag definition\" under Project Settings › Permissions"],
        ),
    ]);
    let text = screen(&w);
    assert!(
        text.contains("Permissions     ✓ Project Administrator  ✓ service hooks  ✗ tags"),
        "{text}"
    );
    assert!(text.contains("Create tag definition"), "{text}");
    snap!("mapping_permissions", w);
    w.permissions = ado_setup::wizard::Permissions::Checking { id: 9 };
    assert!(screen(&w).contains("checking Project Administrator"));

    // The dry run passed: what it would have created, before going on.
    let mut w = at(Step::Mapping);
    with_mapping(&mut w);
    let form = w.form.as_mut().unwrap();
    let info = form.info();
    form.verified = Some((info.clone(), "would create an Issue in Payments Platform\\Checkout, iteration Payments Platform\\Release 2026.1\\Sprint 3; nothing was created".into()));
    let text = screen(&w);
    assert!(
        text.contains("✓ Dry run accepted: would create an Issue in Payments Platform\\Checkout"),
        "{text}"
    );
    assert!(
        text.contains("[ Continue to the Network allowlist ]"),
        "{text}"
    );
    snap!("mapping_verified", w);

    // A type without a Priority field.
    let mut w = at(Step::Mapping);
    with_mapping(&mut w);
    if let Some(f) = w.form.as_mut() {
        f.fields.priority_values = None;
    }
    snap!("mapping_no_priority", w);

    let mut w = at(Step::Mapping);
    with_project(&mut w);
    w.problem = problem(
        "MAPPING_INVALID",
        "the default area path Payments Platform\\Gone does not exist",
        "Create it under Project Settings › Boards › Project configuration",
    );
    snap!("mapping_failed", w);

    // An inherited process with a required picklist field, and the dry run's
    // answer marked on the fields it names.
    let mut w = at(Step::Mapping);
    with_project(&mut w);
    w.form = Some(MappingForm::new(support::mapping_data(true)));
    snap!("mapping_required_field", w);
    if let Some(f) = w.form.as_mut() {
        f.errors.insert(
            "Custom.CustomerImpact".into(),
            "required: one of High, Medium, Low".into(),
        );
        f.errors.insert(
            "System.AssignedTo".into(),
            "nobody@elsewhere.example is not a member of any team of Payments Platform".into(),
        );
        f.assignee = Some("nobody@elsewhere.example".into());
    }
    w.problem = problem(
        "MAPPING_REQUIRED_FIELD",
        "2 field(s) need attention (marked ✗); nothing was created",
        "--field Custom.CustomerImpact=VALUE",
    );
    snap!("mapping_rejected", w);
}

#[test]
fn mapping_pickers() {
    use ado_setup::wizard::{Msg, update};
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let key = |c: KeyCode| Msg::Term(Event::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    let mut w = at(Step::Mapping);
    with_project(&mut w);
    w.form = Some(MappingForm::new(support::mapping_data(true)));
    // Row 0: the type list.
    w.form.as_mut().unwrap().row = 0;
    update(&mut w, key(KeyCode::Enter));
    snap!("mapping_picker_type", w);
    update(&mut w, key(KeyCode::Esc));
    // The area tree, at the team's default.
    w.form.as_mut().unwrap().row = 1;
    update(&mut w, key(KeyCode::Enter));
    snap!("mapping_picker_area", w);
    for c in "card".chars() {
        update(&mut w, key(KeyCode::Char(c)));
    }
    snap!("mapping_picker_area_filtered", w);
    update(&mut w, key(KeyCode::Esc));
    // The priority map.
    w.form.as_mut().unwrap().row = 3;
    update(&mut w, key(KeyCode::Enter));
    update(&mut w, key(KeyCode::Down));
    update(&mut w, key(KeyCode::Right));
    snap!("mapping_picker_priority", w);
    update(&mut w, key(KeyCode::Enter));
    // The assignee, with an address typed.
    w.form.as_mut().unwrap().row = 4;
    update(&mut w, key(KeyCode::Enter));
    snap!("mapping_picker_assignee", w);
    for c in "morgan@contoso.example".chars() {
        update(&mut w, key(KeyCode::Char(c)));
    }
    snap!("mapping_picker_assignee_typed", w);
    update(&mut w, key(KeyCode::Esc));
    // The required picklist field.
    w.form.as_mut().unwrap().row = 5;
    update(&mut w, key(KeyCode::Enter));
    snap!("mapping_picker_values", w);
}

/// Probes of the five Services endpoints: all reachable directly, or
/// (`ok` false) the last two blocked — one at TCP, one at TLS by an
/// inspecting proxy's certificate; with `proxy`, every endpoint via a proxy.
fn endpoints(ok: bool, proxy: bool) -> Vec<EndpointProbe> {
    use ado_setup::net::probe::{DnsStage, HttpStage, TcpStage};
    use ado_setup::net::tls::{CertInfo, TlsStage};
    [
        "https://dev.azure.com",
        "https://vssps.dev.azure.com",
        "https://app.vssps.visualstudio.com",
        "https://login.microsoftonline.com",
        "https://contoso.visualstudio.com",
    ]
    .iter()
    .enumerate()
    .map(|(i, u)| {
        let reached = ok || i < 3;
        let tcp_fails = !ok && i == 3;
        let tls_fails = !ok && i == 4;
        let ms = 5 + i as u64;
        EndpointProbe {
            result: EndpointResult {
                url: u.to_string(),
                ok: reached,
                detail: if reached {
                    "HTTP 401".into()
                } else if tcp_fails {
                    "TCP: connection refused".into()
                } else {
                    "TLS: certificate not trusted".into()
                },
                via_proxy: proxy,
                millis: 40 + i as u64 * 7,
            },
            proxy: proxy.then(|| "proxy.contoso.example:8080".to_string()),
            dns: Some(DnsStage {
                host: u.trim_start_matches("https://").to_string(),
                addresses: vec![format!("13.107.{}.{}", 42 + i, 18 + i).parse().unwrap()],
                ms,
                error: None,
            }),
            tcp: Some(TcpStage {
                address: None,
                ms: ms + 10,
                error: tcp_fails.then(|| "connection refused".to_string()),
            }),
            proxy_tls: None,
            connect: None,
            tls: (!tcp_fails).then(|| TlsStage {
                ms: ms + 20,
                version: Some("TLSv1_3".into()),
                certificate: Some(CertInfo {
                    subject: format!("CN={}", u.trim_start_matches("https://")),
                    issuer: if tls_fails {
                        "CN=Contoso Inspection CA".into()
                    } else {
                        "CN=Microsoft Azure RSA TLS Issuing CA 04".into()
                    },
                    not_after: "2027-03-01 12:00:00 UTC".into(),
                    days_left: 99,
                    names: Vec::new(),
                }),
                ca: None,
                trusted: !tls_fails,
                inspected: tls_fails,
                error: tls_fails.then(|| "certificate not trusted".to_string()),
            }),
            http: reached.then(|| HttpStage {
                status: Some(401),
                ms: ms + 30,
                azure_devops: true,
                redirect_to: None,
                error: None,
            }),
            problem: (!reached).then(|| {
                ado_setup::problem::Problem::new(
                    if tls_fails {
                        "NETWORK_TLS_FAILED"
                    } else {
                        "NETWORK_UNREACHABLE"
                    },
                    if tls_fails {
                        "TLS with contoso.visualstudio.com: certificate issued by CN=Contoso Inspection CA is not trusted; a proxy may be inspecting TLS"
                    } else {
                        "cannot connect to login.microsoftonline.com:443: connection refused"
                    },
                    "Allow outbound HTTPS to it",
                )
            }),
        }
    })
    .collect()
}

#[test]
fn network() {
    let mut w = at(Step::Network);
    with_mapping(&mut w);
    pending(&mut w);
    snap!("network_pending", w);

    let mut w = at(Step::Network);
    with_mapping(&mut w);
    w.network = Some(endpoints(true, false));
    snap!("network_direct", w);

    let mut w = at(Step::Network);
    with_mapping(&mut w);
    w.network = Some(endpoints(false, false));
    snap!("network_partial", w);

    let mut w = at(Step::Network);
    with_mapping(&mut w);
    w.network = Some(endpoints(true, true));
    w.notice = Some(
        "Saved the firewall request to /home/avery/.config/ado-setup/allowlist-contoso.txt".into(),
    );
    snap!("network_proxy_saved", w);
    // The demo (or ADO_SETUP_*_URL): four endpoints on one host and port;
    // each row says what it stands for and the real host it replaces.
    let mut s = settings();
    s.demo = true;
    s.devops_base = Url::parse("http://127.0.0.1:41234").unwrap();
    s.vssps_base = Url::parse("http://127.0.0.1:41234/_vssps").unwrap();
    s.profile_base = Url::parse("http://127.0.0.1:41234/_profile").unwrap();
    s.authority_base = Url::parse("http://127.0.0.1:41234/_entra").unwrap();
    let mut demo = Wizard::new(s);
    demo.step = Step::Network;
    with_mapping(&mut demo);
    let urls = demo.endpoints();
    assert_eq!(urls.len(), 4, "{urls:?}");
    let mut rows = endpoints(true, false);
    rows.truncate(4);
    for (row, u) in rows.iter_mut().zip(&urls) {
        row.result.url = u.as_str().trim_end_matches('/').to_string();
    }
    demo.network = Some(rows);
    let text = screen(&demo);
    for (what, real) in [
        ("Azure DevOps", "dev.azure.com"),
        ("identity", "vssps.dev.azure.com"),
        ("profile", "app.vssps.visualstudio.com"),
        ("sign-in", "login.microsoftonline.com"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(what) && l.contains("127.0.0.1:41234")),
            "{what}:\n{text}"
        );
        assert!(
            text.contains(&format!("in place of {real} (the demo's sandbox)")),
            "{real}:\n{text}"
        );
    }
    snap!("network_overridden", demo);
    // Outside the demo, the variable that replaced it is named.
    demo.settings.demo = false;
    let text = screen(&demo);
    assert!(
        text.contains("in place of vssps.dev.azure.com (ADO_SETUP_VSSPS_URL)"),
        "{text}"
    );

    // The firewall request text.
    let text = w.firewall_request().unwrap();
    assert!(text.contains("dev.azure.com:443"), "{text}");
    assert!(
        text.contains("via proxy proxy.contoso.example:8080"),
        "{text}"
    );
    assert!(text.contains("allow-list-ip-url"), "{text}");
}

fn checks(fail: bool) -> Vec<ado_setup::checks::CheckOutcome> {
    use support::outcome;
    let mut rows: Vec<_> = ado_setup::checks::CATALOGUE
        .iter()
        .map(|d| outcome(d.id, CheckStatus::Pass, None, "ok", &[]))
        .collect();
    for r in rows.iter_mut() {
        match r.id {
            "auth.directory" | "auth.expiry" | "storage.config" => {
                *r = outcome(r.id, CheckStatus::Skip, None, "not applicable", &[])
            }
            "project.process" => {
                *r = outcome(
                    r.id,
                    CheckStatus::Warn,
                    Some("PROCESS_UNSUPPORTED"),
                    "Contoso Waterfall is a custom (XML) process",
                    &["Custom processes work when the mapping's type and fields exist"],
                )
            }
            "mapping.dry_run" if fail => {
                *r = outcome(
                    r.id,
                    CheckStatus::Fail,
                    Some("MAPPING_REJECTED"),
                    "Custom.CustomerImpact is required",
                    &["Give each field named a value: --field REF=VALUE"],
                )
            }
            _ => {}
        }
    }
    rows
}

#[test]
fn review() {
    let mut w = at(Step::Review);
    with_mapping(&mut w);
    w.review.name = Input::new("contoso-payments-platform".into());
    pending(&mut w);
    snap!("review_pending", w);

    let mut w = at(Step::Review);
    with_mapping(&mut w);
    w.review.name = Input::new("contoso-payments-platform".into());
    w.review.checks = checks(false);
    snap!("review_ok", w);

    let mut w = at(Step::Review);
    with_mapping(&mut w);
    w.review.name = Input::new("contoso-payments-platform".into());
    w.review.checks = checks(true);
    w.problem = problem(
        "CHECKS_FAILED",
        "Some checks failed; nothing was saved",
        "Fix what the failed checks say, then press Enter to run them again",
    );
    snap!("review_failed", w);
    // Fixes are said in the wizard's words, not the command line's.
    let text = screen(&w);
    assert!(!text.contains("--field"), "{text}");
    assert!(text.contains("Field mapping (Esc twice)"), "{text}");

    // Every answer that will be saved, then the checks by their titles,
    // grouped, with what each established; ↓ scrolls to them.
    let mut w = at(Step::Review);
    with_mapping(&mut w);
    w.network = Some(endpoints(true, false));
    w.review.name = Input::new("contoso-payments-platform".into());
    w.review.checks = checks(false);
    let text = screen(&w);
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
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(label)),
            "{label}:\n{text}"
        );
    }
    assert!(text.contains("Payments Platform (Agile process)"), "{text}");
    assert!(text.contains("direct (5 endpoint(s) probed)"), "{text}");
    assert!(text.contains("↓ more below"), "{text}");
    w.review.scroll = usize::MAX;
    let end = screen(&w);
    assert!(!end.contains("↓ more below"), "{end}");
    assert!(end.contains("Secret and config"), "{end}");
    w.review.scroll = 8;
    snap!("review_scrolled", w);
    // Scrolled through, every check is there by its title, in its group.
    let mut seen = String::new();
    for at in 0..=w.review.max_scroll.get() {
        w.review.scroll = at;
        seen.push_str(&screen(&w));
    }
    for d in ado_setup::checks::CATALOGUE {
        assert!(seen.contains(d.title), "{}:\n{seen}", d.title);
    }
    for group in [
        "Target and network",
        "Sign-in",
        "Project and permissions",
        "Field mapping",
    ] {
        assert!(seen.contains(group), "{group}");
    }
    assert!(
        seen.contains("The user is a Project Administrator · Project Administrator"),
        "{seen}"
    );
    assert!(seen.contains("Work items can be created · can create work items (dry run)"));

    let mut w = at(Step::Review);
    with_mapping(&mut w);
    w.review.name = Input::new("9-bad".into());
    w.review.name_error = Some("a connection name starts with a letter".into());
    w.review.checks = checks(false);
    snap!("review_invalid_name", w);
}

#[test]
fn done_help_quit_and_too_small() {
    let mut w = at(Step::Done);
    w.saved = Some(SavedInfo {
        name: "contoso-payments-platform".into(),
        config_path: "/home/avery/.config/ado-setup/config.toml".into(),
        secret_location: "the Secret Service keyring (service ado-setup)".into(),
    });
    snap!("done", w);

    let mut w = at(Step::Target);
    w.show_help = true;
    snap!("help_target", w);

    let mut w = at(Step::Target);
    w.target = Input::new("contoso".into());
    w.confirm_quit = true;
    snap!("confirm_quit", w);

    let w = at(Step::Deployment);
    insta::assert_snapshot!("too_small", screen_at(&w, 50, 12));
}

#[test]
fn troubleshoot() {
    let mut s = settings();
    s.existing = vec![
        (
            "contoso-payments".into(),
            "contoso".into(),
            "Payments Platform".into(),
        ),
        (
            "tfs-manufacturing".into(),
            "https://tfs.contoso.example/tfs/DefaultCollection".into(),
            "Manufacturing Execution".into(),
        ),
    ];
    let mut w = Wizard::new(s);
    w.step = Step::Troubleshoot;
    snap!("troubleshoot_pick", w);

    w.trouble.name = Some("contoso-payments".into());
    pending(&mut w);
    snap!("troubleshoot_pending", w);

    w.pending = None;
    w.trouble.outcomes = checks(true);
    w.trouble.index = w
        .trouble
        .outcomes
        .iter()
        .position(|c| c.status == CheckStatus::Fail)
        .unwrap();
    snap!("troubleshoot_list", w);

    w.trouble.detail = true;
    snap!("troubleshoot_detail", w);

    // r: the selected check re-runs, its guidance stays on screen.
    let selected = w.trouble.outcomes[w.trouble.index].id;
    w.trouble.rerun = Some(selected);
    pending(&mut w);
    snap!("troubleshoot_rerun_detail", w);
    w.trouble.detail = false;
    snap!("troubleshoot_rerun_list", w);

    // A rejected token: the check's fix, then the step-by-step guidance,
    // naming this connection.
    w.pending = None;
    w.trouble.rerun = None;
    w.trouble.index = w
        .trouble
        .outcomes
        .iter()
        .position(|c| c.id == "auth.credentials")
        .unwrap();
    w.trouble.outcomes[w.trouble.index] = support::outcome(
        "auth.credentials",
        CheckStatus::Fail,
        Some("PROVIDER_AUTH_REQUIRED"),
        "the token was rejected (expired or revoked)",
        &["Create a new personal access token"],
    );
    w.trouble.detail = true;
    let text = screen(&w);
    assert!(
        text.contains("2. User settings › Personal access tokens"),
        "{text}"
    );
    assert!(text.contains("ado-setup edit contoso-payments"), "{text}");
    assert!(!text.contains("later version"), "{text}");
    snap!("troubleshoot_guidance", w);
}

#[test]
fn secret_store_question() {
    let mut s = settings();
    s.store_problem = Some(
        "the OS keyring failed its write/read/delete test: cannot reach the Secret Service (no D-Bus session bus)".into(),
    );
    s.store_dir = "/home/avery/.config/ado-setup".into();
    let w = Wizard::new(s);
    snap!("secret_store_question", w);
}

#[test]
fn menu_with_a_draft_to_resume() {
    let mut s = settings();
    s.draft = Some(ado_setup::store::draft::Draft {
        deployment: "services".into(),
        target: "contoso".into(),
        sign_in: "device_code".into(),
        project: Some("Payments Platform".into()),
        step: "Field mapping".into(),
        ..Default::default()
    });
    let w = Wizard::new(s);
    snap!("menu_resume", w);
}

/// The help of every step, at 80×24: the box and nothing of the step
/// beside it (the band behind it is cleared).
#[test]
fn help_of_every_step() {
    for step in [
        Step::Storage,
        Step::Menu,
        Step::Deployment,
        Step::Target,
        Step::SignIn,
        Step::Organization,
        Step::Project,
        Step::Mapping,
        Step::Network,
        Step::Review,
        Step::Done,
        Step::Troubleshoot,
    ] {
        let mut w = at(step);
        w.show_help = true;
        let text = screen(&w);
        let title = format!("Help: {}", step.title());
        assert!(text.contains(&title), "{step:?}:\n{text}");
        // Each row the box spans starts with its border, after blanks only.
        for line in text.lines().filter(|l| l.contains('│')) {
            let before = line.split('│').next().unwrap_or_default();
            assert!(before.trim().is_empty(), "{step:?}: {line:?}");
        }
        insta::assert_snapshot!(format!("help_of_{step:?}").to_lowercase(), text);
    }
}

/// A Server collection past Sign in (no Organization step): the project
/// list, the mapping, the one endpoint of the Network step, Review, Done.
#[test]
fn server_flow_after_sign_in() {
    let collection = "https://tfs.contoso.example/tfs/DefaultCollection";
    // The step, with a mapping when it needs one, as a Server collection.
    let server = |step: Step| {
        let mut w = at(step);
        if step != Step::Project {
            with_mapping(&mut w);
        }
        w.deployment = Deployment::Server;
        w.sign_in_method = SignInMethod::Pat;
        w.base_url = Some(Url::parse(collection).unwrap());
        w.organization = None;
        w.tenant = None;
        w.user = Some(UserInfo {
            display_name: "Avery Lindqvist".into(),
            sign_in: Some("CONTOSO\\avery".into()),
        });
        w.api_version = Some("6.0".into());
        w
    };
    let w = server(Step::Project);
    assert!(!w.steps().contains(&Step::Organization));

    let mut w = server(Step::Project);
    w.projects = FilterList::new(project_items(12));
    w.projects_loaded = true;
    let text = screen(&w);
    assert!(text.contains("Step 4 of 8"), "{text}");
    snap!("server_project_list", w);

    let w = server(Step::Mapping);
    snap!("server_mapping", w);

    let mut w = server(Step::Network);
    let urls = w.endpoints();
    assert_eq!(
        urls.len(),
        1,
        "a Server connection needs its collection host only: {urls:?}"
    );
    let mut rows = endpoints(true, false);
    rows.truncate(1);
    rows[0].result.url = "https://tfs.contoso.example".into();
    w.network = Some(rows);
    let text = screen(&w);
    assert!(text.contains("tfs.contoso.example"), "{text}");
    assert!(!text.contains("login.microsoftonline.com"), "{text}");
    snap!("server_network", w);

    let mut w = server(Step::Review);
    w.review.name = Input::new("tfs-payments-platform".into());
    w.review.checks = checks(false);
    let text = screen(&w);
    assert!(text.contains("Azure DevOps Server"), "{text}");
    snap!("server_review", w);
}

/// Every endpoint blocked: each row says why, and the status is `blocked`.
#[test]
fn network_every_endpoint_blocked() {
    let mut w = at(Step::Network);
    with_mapping(&mut w);
    let mut rows = endpoints(false, false);
    for row in rows.iter_mut() {
        row.result.ok = false;
        row.result.detail = "TCP: connection timed out".into();
        if let Some(tcp) = row.tcp.as_mut() {
            tcp.error = Some("connection timed out".into());
        }
        row.tls = None;
        row.http = None;
        row.problem = Some(Problem::new(
            "NETWORK_UNREACHABLE",
            "cannot connect: connection timed out (a firewall dropping outbound HTTPS)",
            "Allow outbound HTTPS to it",
        ));
    }
    w.network = Some(rows);
    let text = screen(&w);
    assert!(text.contains("blocked"), "{text}");
    assert!(!text.contains("direct"), "{text}");
    snap!("network_blocked", w);
}

//! Sign in with Microsoft against the sandbox's Entra ID, over real HTTP:
//! tenant discovery, the device code flow to tokens, refresh (also for
//! another tenant), the organization list, and the failures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ado_setup::ado::client::AdoClient;
use ado_setup::ado::http::{ClientOptions, HttpClient};
use ado_setup::ado::version::ApiVersion;
use ado_setup::auth::{
    self, Authority, DEFAULT_CLIENT_ID, DeviceCode, EntraApp, Poll, discover_authority,
};
use ado_setup::sandbox::{Sandbox, SandboxOptions};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

const CONTOSO: &str = "f50b3664-ff5f-44cf-bb3e-31185eb08830";
const FABRIKAM: &str = "2e15abae-7f3a-40b1-bb30-3c7ffe57f959";

async fn sandbox(approve_after: Duration) -> Sandbox {
    Sandbox::start(SandboxOptions {
        approve_after,
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

fn http() -> HttpClient {
    HttpClient::new(ClientOptions::default()).unwrap()
}

fn app(sb: &Sandbox) -> EntraApp {
    EntraApp {
        authority: Url::parse(&sb.authority_url()).unwrap(),
        client_id: DEFAULT_CLIENT_ID.into(),
    }
}

fn org_url(sb: &Sandbox, org: &str) -> Url {
    Url::parse(&format!("{}/{org}", sb.devops_url())).unwrap()
}

#[tokio::test]
async fn discovery_names_the_tenant_or_the_microsoft_account_org() {
    let sb = sandbox(Duration::from_millis(100)).await;
    let http = http();
    let a = discover_authority(&http, &org_url(&sb, "contoso-agile"), None)
        .await
        .unwrap();
    assert_eq!(a, Authority::Tenant(CONTOSO.into()));
    let a = discover_authority(&http, &org_url(&sb, "fabrikam-partners"), None)
        .await
        .unwrap();
    assert_eq!(a, Authority::Tenant(FABRIKAM.into()));
    let a = discover_authority(&http, &org_url(&sb, "avery-personal"), None)
        .await
        .unwrap();
    assert_eq!(a, Authority::MicrosoftAccount);
    assert_eq!(a.segment(), "organizations");
    // --tenant wins without a request.
    let a = discover_authority(
        &http,
        &org_url(&sb, "contoso-agile"),
        Some("contoso.example"),
    )
    .await
    .unwrap();
    assert_eq!(a, Authority::Tenant("contoso.example".into()));
    // An unreachable host is a network problem, not a silent "unknown".
    let p = discover_authority(&http, &Url::parse("http://127.0.0.1:9/x").unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(p.code, "NETWORK_UNREACHABLE");
    sb.shutdown().await;
}

async fn sign_in(sb: &Sandbox, http: &HttpClient, tenant: &str) -> auth::Tokens {
    let code: DeviceCode = auth::start_device_code(http, &app(sb), tenant)
        .await
        .unwrap();
    assert!(!code.user_code.is_empty());
    assert!(code.verification_uri.ends_with("/devicelogin"));
    assert!(code.interval >= 1);
    auth::wait_for_tokens(http, &app(sb), &code).await.unwrap()
}

#[tokio::test]
async fn the_device_code_flow_polls_until_approved_and_the_token_works() {
    let sb = sandbox(Duration::from_millis(1500)).await;
    let http = http();
    let code = auth::start_device_code(&http, &app(&sb), CONTOSO)
        .await
        .unwrap();
    // Before approval: pending (polling at once, the first poll is allowed).
    assert!(matches!(
        auth::poll_once(&http, &app(&sb), &code).await,
        Poll::Pending
    ));
    // Polling again immediately is too fast.
    assert!(matches!(
        auth::poll_once(&http, &app(&sb), &code).await,
        Poll::SlowDown
    ));
    let started = Instant::now();
    let tokens = auth::wait_for_tokens(&http, &app(&sb), &code)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "honours the interval"
    );
    assert_eq!(tokens.tenant(), Some(CONTOSO));
    assert_eq!(tokens.account(), Some("avery.lindqvist@contoso.example"));
    assert!(
        tokens.refresh.is_some(),
        "offline_access gives a refresh token"
    );
    // The Bearer token is accepted by the organization.
    let c = AdoClient::new(
        http.clone(),
        org_url(&sb, "contoso-agile"),
        tokens.credential(),
        ApiVersion::SERVICES,
    )
    .unwrap();
    let me = c.connection_data().await.unwrap();
    assert_eq!(me.authenticated_user.display_name(), "Avery Lindqvist");
    // A redeemed code cannot be used again.
    match auth::poll_once(&http, &app(&sb), &code).await {
        Poll::Failed(e) => assert_eq!(e.problem.code, "PROVIDER_AUTH_REQUIRED"),
        other => panic!("{other:?}"),
    }
    // Debug never shows a token.
    let dbg = format!("{tokens:?}");
    assert!(!dbg.contains(tokens.access.expose_secret()));
    sb.shutdown().await;
}

#[tokio::test]
async fn refresh_renews_silently_and_reaches_another_tenant() {
    let sb = sandbox(Duration::from_millis(100)).await;
    let http = http();
    let tokens = sign_in(&sb, &http, "organizations").await;
    assert_eq!(tokens.tenant(), Some(CONTOSO), "home tenant");
    let rt = tokens.refresh.clone().unwrap();
    let again = auth::refresh(&http, &app(&sb), CONTOSO, &rt).await.unwrap();
    assert_eq!(again.tenant(), Some(CONTOSO));
    assert!(again.refresh.is_some(), "the refresh token is renewed");
    // The Contoso token is refused by the Fabrikam organization …
    let fabrikam = |t: &auth::Tokens| {
        AdoClient::new(
            http.clone(),
            org_url(&sb, "fabrikam-partners"),
            t.credential(),
            ApiVersion::SERVICES,
        )
        .unwrap()
    };
    assert!(fabrikam(&again).connection_data().await.is_err());
    // … and a token for Fabrikam's tenant, from the same refresh token, works.
    let guest = auth::refresh(&http, &app(&sb), FABRIKAM, &rt)
        .await
        .unwrap();
    assert_eq!(guest.tenant(), Some(FABRIKAM));
    fabrikam(&guest).connection_data().await.unwrap();
    // A tenant that does not exist.
    let e = auth::refresh(&http, &app(&sb), "nowhere.example", &rt)
        .await
        .unwrap_err();
    assert_eq!(e.problem.code, "AUTH_WRONG_DIRECTORY", "{:?}", e.problem);
    // A refresh token the service does not know.
    let e = auth::refresh(&http, &app(&sb), CONTOSO, &SecretString::from("nope"))
        .await
        .unwrap_err();
    assert_eq!(e.problem.code, "PROVIDER_AUTH_REQUIRED");
    assert!(!e.problem.message.contains("nope"));
    sb.shutdown().await;
}

#[tokio::test]
async fn the_organization_list_needs_an_entra_token() {
    let sb = sandbox(Duration::from_millis(100)).await;
    let http = http();
    let tokens = sign_in(&sb, &http, CONTOSO).await;
    let profile = AdoClient::new(
        http.clone(),
        Url::parse(&sb.profile_url()).unwrap(),
        tokens.credential(),
        ApiVersion::SERVICES,
    )
    .unwrap();
    let me = profile.profile_me().await.unwrap();
    let orgs = profile.accounts(&me.id).await.unwrap();
    let names: Vec<&str> = orgs.iter().map(|a| a.account_name.as_str()).collect();
    assert!(names.contains(&"contoso-agile"), "{names:?}");
    // Like Azure DevOps, the list holds the organizations of the token's
    // directory only.
    assert!(!names.contains(&"fabrikam-partners"), "{names:?}");
    // With a PAT the same call is refused.
    let with_pat = AdoClient::new(
        http.clone(),
        Url::parse(&sb.profile_url()).unwrap(),
        ado_setup::ado::http::Credential::Pat(SecretString::from(sb.pat().to_string())),
        ApiVersion::SERVICES,
    )
    .unwrap();
    assert!(with_pat.profile_me().await.is_err());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_id_or_unknown_tenant_is_explained() {
    let sb = sandbox(Duration::from_millis(100)).await;
    let http = http();
    let bad = EntraApp {
        client_id: "not-a-guid".into(),
        ..app(&sb)
    };
    let e = auth::start_device_code(&http, &bad, CONTOSO)
        .await
        .unwrap_err();
    assert!(e.problem.message.contains("client app"), "{:?}", e.problem);
    assert!(e.problem.fix.contains("--client-id"));
    let e = auth::start_device_code(&http, &app(&sb), "00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(
        e.problem.message.contains("directory was not found"),
        "{:?}",
        e.problem
    );
    sb.shutdown().await;
}

//! The real client (reqwest, real sockets) against fault-injecting servers:
//! every error class of `AdoError`, the HTTP rules of SPEC §3, and nothing
//! panics or hangs past its timeout whatever the server does.

mod support;

use std::time::Duration;

use ado_setup::ado::client::AdoClient;
use ado_setup::ado::error::{AdoError, AuthFailure, TransportKind};
use ado_setup::ado::http::{ClientOptions, Credential, HttpClient};
use ado_setup::ado::models::JsonPatchOperation;
use ado_setup::ado::negotiate::negotiate_server;
use ado_setup::ado::version::ApiVersion;
use secrecy::SecretString;
use support::{FaultServer, Reply, http, json};
use url::Url;

const PAT: &str = "test-pat-0001";
/// base64(":test-pat-0001")
const BASIC: &str = "Basic OnRlc3QtcGF0LTAwMDE=";

fn opts() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        retry_base_delay: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(2),
        ..ClientOptions::default()
    }
}

fn client_with(server: &FaultServer, opts: ClientOptions) -> AdoClient {
    let http = HttpClient::new(opts).unwrap_or_else(|e| panic!("{e}"));
    let base = Url::parse(&server.url("/contoso")).unwrap_or_else(|e| panic!("{e}"));
    AdoClient::new(
        http,
        base,
        Credential::Pat(SecretString::from(PAT)),
        ApiVersion::SERVICES,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn client(server: &FaultServer) -> AdoClient {
    client_with(server, opts())
}

const CONNECTION_DATA: &str = r#"{"authenticatedUser":{"id":"8a3b4c5d-0000-4000-8000-000000000001","descriptor":"Microsoft.IdentityModel.Claims.ClaimsIdentity;x","subjectDescriptor":"aad.x","providerDisplayName":"Avery Admin","isActive":true,"properties":{"Account":{"$type":"System.String","$value":"avery@contoso.example"}},"resourceVersion":2,"metaTypeId":0},"authorizedUser":{"id":"8a3b4c5d-0000-4000-8000-000000000001","providerDisplayName":"Avery Admin"},"instanceId":"1","deploymentId":"2","deploymentType":"hosted"}"#;

#[tokio::test]
async fn every_request_follows_the_azure_devops_http_rules() {
    let server = FaultServer::start(|_, _| json(200, CONNECTION_DATA)).await;
    let me = client(&server)
        .connection_data()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(me.authenticated_user.display_name(), "Avery Admin");

    let got = server.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "GET");
    assert!(
        r.target.starts_with("/contoso/_apis/connectionData?"),
        "{}",
        r.target
    );
    assert!(
        r.target.contains("api-version=7.1-preview.1"),
        "{}",
        r.target
    );
    assert!(r.target.contains("connectOptions=1"));
    assert_eq!(r.header("authorization"), Some(BASIC));
    assert_eq!(r.header("x-tfs-fedauthredirect"), Some("Suppress"));
    assert_eq!(r.header("x-vss-forcemsapassthrough"), Some("true"));
    let ua = r.header("user-agent").unwrap_or_default();
    assert_eq!(ua, format!("ado-setup/{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn a_sign_in_page_means_the_credentials_were_rejected() {
    let page =
        b"<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head></html>";
    for status in [203u16, 200] {
        let server = FaultServer::start(move |_, _| {
            Reply::Bytes(http(
                status,
                &[
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("ActivityId", "act-1"),
                ],
                page,
            ))
        })
        .await;
        let e = client(&server).projects_page(None, None, None).await;
        match e {
            Err(e @ AdoError::CredentialsRejected { .. }) => {
                assert_eq!(e.code(), "PROVIDER_AUTH_REQUIRED");
                assert!(e.to_string().contains("act-1"), "{e}");
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn unauthorized_answers_are_classified_by_their_reason() {
    let cases = [
        (
            401,
            r#"{"$id":"1","innerException":null,"message":"TF400813: The user 'x' is not authorized to access this resource.","typeName":"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}"#,
            "PROVIDER_AUTH_REQUIRED",
        ),
        (
            401,
            r#"{"$id":"1","message":"The identity 'avery@contoso.example' has not been materialized.","typeKey":"AadUserStateException","errorCode":0,"eventId":3000}"#,
            "IDENTITY_NOT_MATERIALIZED",
        ),
        (
            401,
            r#"{"$id":"1","message":"VS403463: The conditional access policy defined by your Azure Active Directory administrator has failed.","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}"#,
            "ORG_POLICY_BLOCKED",
        ),
        (
            403,
            r#"{"$id":"1","message":"Access denied. You need the permission to perform this action.","typeKey":"AccessCheckException","errorCode":0,"eventId":3000}"#,
            "PERMISSION_MISSING",
        ),
        (
            404,
            r#"{"$id":"1","message":"VS800075: The project with id 'vstfs:///Classification/TeamProject/Nope' does not exist, or you do not have permission to access it.","typeKey":"ProjectDoesNotExistWithNameException","errorCode":0,"eventId":3000}"#,
            "PROJECT_NOT_FOUND",
        ),
        (
            500,
            r#"{"$id":"1","message":"Internal error","typeKey":"Exception"}"#,
            "PROVIDER_UNAVAILABLE",
        ),
    ];
    for (status, body, code) in cases {
        let server = FaultServer::start(move |_, _| json(status, body)).await;
        match client(&server).project("Nope").await {
            Err(e) => {
                assert_eq!(e.code(), code, "{status}: {e}");
                assert!(!e.fix().is_empty());
            }
            Ok(p) => panic!("{status} parsed as {p:?}"),
        }
    }
    let server = FaultServer::start(|_, _| {
        json(
            401,
            r#"{"message":"The identity has not been materialized.","typeKey":"AadUserStateException"}"#,
        )
    })
    .await;
    assert!(matches!(
        client(&server).connection_data().await,
        Err(AdoError::Unauthorized {
            kind: AuthFailure::NotMaterialized,
            ..
        })
    ));
}

#[tokio::test]
async fn rule_validation_errors_name_each_field() {
    let body = r#"{"$id":"1","customProperties":{"RuleValidationErrors":[{"fieldReferenceName":"Custom.CustomerImpact","fieldStatusFlags":"required, hasValues, limitedToValues, invalidEmpty","errorMessage":"TF401320: Rule Error for field Customer Impact. Error code: Required, HasValues, LimitedToValues, InvalidEmpty.","fieldStatusCode":0,"ruleValidationErrors":null},{"fieldReferenceName":"Microsoft.VSTS.Common.Priority","fieldStatusFlags":"hasValues, limitedToValues, invalidListValue","errorMessage":"TF401320: Rule Error for field Priority.","fieldStatusCode":0,"ruleValidationErrors":null}]},"innerException":null,"message":"TF401320: Rule Error for field Customer Impact. Error code: Required, HasValues, LimitedToValues, InvalidEmpty.","typeName":"Microsoft.TeamFoundation.WorkItemTracking.Server.RuleValidationException, Microsoft.TeamFoundation.WorkItemTracking.Server","typeKey":"RuleValidationException","errorCode":0,"eventId":3200}"#;
    let server = FaultServer::start(move |_, _| json(400, body)).await;
    let ops = [JsonPatchOperation::add_field(
        "System.Title",
        serde_json::json!("dry run"),
    )];
    let e = client(&server)
        .validate_work_item("Fabrikam", "Bug", &ops)
        .await;
    match e {
        Err(e @ AdoError::RuleValidation { .. }) => {
            assert_eq!(e.code(), "MAPPING_REJECTED");
            let AdoError::RuleValidation { errors, .. } = &e else {
                unreachable!()
            };
            let fields: Vec<_> = errors
                .iter()
                .filter_map(|e| e.field_reference_name.as_deref())
                .collect();
            assert_eq!(
                fields,
                ["Custom.CustomerImpact", "Microsoft.VSTS.Common.Priority"]
            );
        }
        other => panic!("{other:?}"),
    }
    let r = &server.received()[0];
    assert_eq!(r.method, "POST");
    assert!(
        r.target
            .starts_with("/contoso/Fabrikam/_apis/wit/workitems/$Bug?validateOnly=true"),
        "{}",
        r.target
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json-patch+json")
    );
    let sent: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sent,
        serde_json::json!([{"op":"add","path":"/fields/System.Title","value":"dry run"}])
    );
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after_within_bounds() {
    // 429 with Retry-After: 0, then success.
    let server = FaultServer::start(|i, _| {
        if i == 0 {
            Reply::Bytes(http(429, &[("Retry-After", "0")], b""))
        } else {
            json(200, r#"{"count":0,"value":[]}"#)
        }
    })
    .await;
    let page = client(&server).projects_page(None, None, None).await;
    assert!(page.is_ok(), "{page:?}");
    assert_eq!(server.received().len(), 2);

    // 503 without Retry-After, forever: bounded attempts, then Throttled.
    let server = FaultServer::start(|_, _| Reply::Bytes(http(503, &[], b"busy"))).await;
    match client(&server).projects_page(None, None, None).await {
        Err(e @ AdoError::Throttled { .. }) => {
            assert_eq!(e.code(), "PROVIDER_UNAVAILABLE");
            assert!(matches!(e, AdoError::Throttled { attempts: 3, .. }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received().len(), 3);

    // A Retry-After longer than we wait: fail at once and say how long.
    let server =
        FaultServer::start(|_, _| Reply::Bytes(http(429, &[("Retry-After", "3600")], b""))).await;
    match client(&server).projects_page(None, None, None).await {
        Err(AdoError::Throttled { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)))
        }
        other => panic!("{other:?}"),
    }
    // Answered after the one request: it did not wait to try again.
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn redirects_are_never_followed_and_name_both_hosts() {
    let elsewhere = FaultServer::start(|_, _| json(200, CONNECTION_DATA)).await;
    let target = elsewhere.url("/steal");
    let target_host = target.replace("127.0.0.1", "localhost");
    let location = target_host.clone();
    let server = FaultServer::start(move |_, _| {
        Reply::Bytes(http(302, &[("Location", location.as_str())], b""))
    })
    .await;
    match client(&server).connection_data().await {
        Err(
            e @ AdoError::Redirect {
                cross_host: true, ..
            },
        ) => {
            assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
            let m = e.to_string();
            assert!(m.contains("127.0.0.1") && m.contains("localhost"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        elsewhere.received().is_empty(),
        "the redirect target was contacted"
    );
}

#[tokio::test]
async fn server_versions_are_negotiated() {
    // Resource locations answered: the highest released version wins.
    let server = FaultServer::start(|_, r| {
        if r.method == "OPTIONS" {
            json(
                200,
                r#"{"count":2,"value":[{"id":"603fe2ac-9723-48b9-88ad-09305aa6c6e1","area":"core","resourceName":"projects","routeTemplate":"_apis/{resource}/{*projectId}","resourceVersion":4,"minVersion":"1.0","maxVersion":"7.0","releasedVersion":"7.0"},{"id":"x","area":"wit","resourceName":"fields","routeTemplate":"x","resourceVersion":2,"minVersion":"1.0","maxVersion":"7.0","releasedVersion":"6.0"}]}"#,
            )
        } else {
            json(404, "{}")
        }
    })
    .await;
    let http_client = HttpClient::new(opts()).unwrap_or_else(|e| panic!("{e}"));
    let base = Url::parse(&server.url("/tfs/DefaultCollection")).unwrap_or_else(|e| panic!("{e}"));
    let cred = Credential::Pat(SecretString::from(PAT));
    let v = negotiate_server(&http_client, &base, &cred).await;
    assert_eq!(v.ok(), Some(ApiVersion { major: 7, minor: 0 }));
    assert_eq!(server.received()[0].target, "/tfs/DefaultCollection/_apis");

    // No resource locations: the "out of range" answer names the latest.
    let server = FaultServer::start(|_, r| {
        if r.method == "OPTIONS" {
            Reply::Bytes(http(405, &[], b""))
        } else {
            json(
                400,
                r#"{"$id":"1","innerException":null,"message":"The requested REST API version of 7.1-preview.1 is out of range for this server. The latest REST API version for this server is 5.0.","typeName":"Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi","typeKey":"VssVersionOutOfRangeException","errorCode":0,"eventId":3000}"#,
            )
        }
    })
    .await;
    let base = Url::parse(&server.url("/tfs/DefaultCollection")).unwrap_or_else(|e| panic!("{e}"));
    let v = negotiate_server(&http_client, &base, &cred).await;
    assert_eq!(v.ok(), Some(ApiVersion::OLDEST));

    // Too old (TFS 2018 speaks 4.1): refused with a clear error.
    let server = FaultServer::start(|_, _| {
        json(
            400,
            r#"{"message":"The requested REST API version of 7.1-preview.1 is out of range for this server. The latest REST API version for this server is 4.1.","typeKey":"VssVersionOutOfRangeException"}"#,
        )
    })
    .await;
    let base = Url::parse(&server.url("/tfs/DefaultCollection")).unwrap_or_else(|e| panic!("{e}"));
    match negotiate_server(&http_client, &base, &cred).await {
        Err(e @ AdoError::VersionOutOfRange { .. }) => {
            assert_eq!(e.code(), "PROVIDER_VERSION_UNSUPPORTED")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn transport_failures_are_sorted() {
    // Closed port: bound (nobody else can take it), not listening.
    let (_closed, closed) = support::proxy::dead_port();
    let port = closed.port();
    let http_client = HttpClient::new(opts()).unwrap_or_else(|e| panic!("{e}"));
    let cred = Credential::Anonymous;
    let url = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{e}"));
    let c = AdoClient::new(
        http_client.clone(),
        url(&format!("http://127.0.0.1:{port}/org")),
        cred.clone(),
        ApiVersion::SERVICES,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match c.connection_data().await {
        Err(
            e @ AdoError::Transport {
                kind: TransportKind::Connect,
                ..
            },
        ) => assert_eq!(e.code(), "NETWORK_UNREACHABLE"),
        other => panic!("closed port: {other:?}"),
    }
    // Words in the URL (alerts, tls, certificate) do not make it a TLS failure.
    let c = AdoClient::new(
        http_client.clone(),
        url(&format!("http://127.0.0.1:{port}/tls/Alerts-certificate")),
        cred.clone(),
        ApiVersion::SERVICES,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match c.connection_data().await {
        Err(AdoError::Transport {
            kind: TransportKind::Connect,
            ..
        }) => {}
        other => panic!("closed port, telling URL: {other:?}"),
    }

    // A name that cannot resolve (.invalid is reserved, RFC 2606).
    let c = AdoClient::new(
        http_client.clone(),
        url("https://no-such-host.invalid/org"),
        cred.clone(),
        ApiVersion::SERVICES,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match c.connection_data().await {
        Err(AdoError::Transport {
            kind: TransportKind::Dns,
            ..
        }) => {}
        other => panic!("unresolvable: {other:?}"),
    }

    // TLS to a server that answers plain HTTP as soon as it accepts.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let plain_addr = plain.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = plain.accept().await {
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let c = AdoClient::new(
        http_client.clone(),
        url(&format!("https://{plain_addr}/org")),
        cred.clone(),
        ApiVersion::SERVICES,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match c.connection_data().await {
        Err(
            e @ AdoError::Transport {
                kind: TransportKind::Tls,
                ..
            },
        ) => assert_eq!(e.code(), "NETWORK_TLS_FAILED"),
        other => panic!("tls: {other:?}"),
    }
}

#[tokio::test]
async fn hangs_and_trickles_end_at_the_timeout() {
    let short = ClientOptions {
        request_timeout: Duration::from_millis(400),
        ..opts()
    };
    // A server that never answers: only the timeout can end the call.
    let server = FaultServer::start(|_, _| Reply::Hang).await;
    match client_with(&server, short.clone()).connection_data().await {
        Err(AdoError::Transport {
            kind: TransportKind::Timeout,
            ..
        }) => {}
        other => panic!("hang: {other:?}"),
    }

    // Slow-loris: a valid head, then one byte every 150 ms.
    let server = FaultServer::start(|_, _| Reply::Trickle {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            .to_vec(),
        pieces: (0..100).map(|_| b" ".to_vec()).collect(),
        pause: Duration::from_millis(150),
    })
    .await;
    // The whole body would take 15 s and then be invalid JSON: a timeout
    // (not a parse error) shows the call was cut before the body ended.
    match client_with(&server, short).connection_data().await {
        Err(AdoError::Transport {
            kind: TransportKind::Timeout,
            ..
        }) => {}
        other => panic!("trickle: {other:?}"),
    }
}

#[tokio::test]
async fn broken_truncated_and_oversized_bodies() {
    // Connection closed before a byte.
    let server = FaultServer::start(|_, _| Reply::Close).await;
    match client(&server).connection_data().await {
        Err(AdoError::Transport { .. }) => {}
        other => panic!("close: {other:?}"),
    }

    // Truncated: promises 1000 bytes, sends 20, closes.
    let server = FaultServer::start(|_, _| {
        let mut b =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
                .to_vec();
        b.extend_from_slice(br#"{"count":3,"value":["#);
        Reply::Bytes(b)
    })
    .await;
    match client(&server).projects_page(None, None, None).await {
        Err(AdoError::Transport {
            kind: TransportKind::Protocol,
            ..
        })
        | Err(AdoError::Malformed { .. }) => {}
        other => panic!("truncated: {other:?}"),
    }

    // Declared larger than the limit: refused without reading.
    let server = FaultServer::start(|_, _| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n{"
                .to_vec(),
        )
    })
    .await;
    let small = ClientOptions {
        max_body_bytes: 1024,
        ..opts()
    };
    match client_with(&server, small.clone()).connection_data().await {
        Err(e @ AdoError::TooLarge { .. }) => assert_eq!(e.code(), "PROVIDER_RESPONSE_INVALID"),
        other => panic!("declared large: {other:?}"),
    }

    // Chunked, no length, larger than the limit: stopped at the limit.
    let server = FaultServer::start(|_, _| {
        let mut b = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..20 {
            b.extend_from_slice(b"400\r\n");
            b.extend_from_slice(&[b' '; 0x400]);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"0\r\n\r\n");
        Reply::Bytes(b)
    })
    .await;
    match client_with(&server, small).connection_data().await {
        Err(AdoError::TooLarge { limit: 1024, .. }) => {}
        other => panic!("chunked large: {other:?}"),
    }

    // Not JSON, and JSON of the wrong shape.
    for body in [
        "this is not json",
        r#"{"count":1,"value":"nope"}"#,
        "[1,2,3]",
    ] {
        let server = FaultServer::start(move |_, _| json(200, body)).await;
        match client(&server).projects_page(None, None, None).await {
            Err(e @ AdoError::Malformed { .. }) => {
                assert_eq!(e.code(), "PROVIDER_RESPONSE_INVALID")
            }
            other => panic!("{body}: {other:?}"),
        }
    }

    // JSON with a wrong content type still parses: the body decides.
    let server = FaultServer::start(|_, _| {
        Reply::Bytes(http(
            200,
            &[("Content-Type", "text/plain")],
            br#"{"count":0,"value":[]}"#,
        ))
    })
    .await;
    assert!(
        client(&server)
            .projects_page(None, None, None)
            .await
            .is_ok()
    );
}

fn project_json(i: usize) -> String {
    format!(
        r#"{{"id":"00000000-0000-4000-8000-{i:012}","name":"P{i}","url":"x","state":"wellFormed","revision":1,"visibility":"private","lastUpdateTime":"2026-01-01T00:00:00Z"}}"#
    )
}

#[tokio::test]
async fn all_projects_follows_continuation_tokens_and_stops_on_a_loop() {
    // 1,200 projects in pages of 500 with tokens.
    let server = FaultServer::start(|_, r| {
        let start: usize = r
            .target
            .split(['?', '&'])
            .find_map(|kv| kv.strip_prefix("continuationToken="))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let end = (start + 500).min(1200);
        let items: Vec<String> = (start..end).map(project_json).collect();
        let body = format!(
            r#"{{"count":{},"value":[{}]}}"#,
            items.len(),
            items.join(",")
        );
        let next = end.to_string();
        let mut headers = vec![("Content-Type", "application/json")];
        if end < 1200 {
            headers.push(("x-ms-continuationtoken", next.as_str()));
        }
        Reply::Bytes(http(200, &headers, body.as_bytes()))
    })
    .await;
    let all = client(&server)
        .all_projects()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 1200);
    assert_eq!(server.received().len(), 3);
    assert!(server.received()[0].target.contains("%24top=500"));

    // A server that always answers the same token: stops, no endless loop.
    let server = FaultServer::start(|_, _| {
        let body = format!(r#"{{"count":1,"value":[{}]}}"#, project_json(1));
        Reply::Bytes(http(
            200,
            &[
                ("Content-Type", "application/json"),
                ("x-ms-continuationtoken", "same"),
            ],
            body.as_bytes(),
        ))
    })
    .await;
    let all = client(&server)
        .all_projects()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 1);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_permission_answer_of_the_wrong_length_is_malformed() {
    let server = FaultServer::start(|_, _| json(200, r#"{"count":1,"value":[true]}"#)).await;
    let c = client(&server);
    let ok = c
        .has_permissions("52d39943-cb85-4d7f-8fa8-c6baac873819", 2, &["$PROJECT:a"])
        .await;
    assert_eq!(ok.ok(), Some(vec![true]));
    let r = &server.received()[0];
    assert!(
        r.target.starts_with(
            "/contoso/_apis/permissions/52d39943-cb85-4d7f-8fa8-c6baac873819/2?tokens="
        ),
        "{}",
        r.target
    );
    let bad = c
        .has_permissions("52d39943-cb85-4d7f-8fa8-c6baac873819", 2, &["a", "b"])
        .await;
    assert!(matches!(bad, Err(AdoError::Malformed { .. })), "{bad:?}");
}

/// A 400 that is not a work item rule: PROVIDER_REQUEST_REJECTED, with the
/// server's own message (and its support ids) kept.
#[tokio::test]
async fn a_bad_request_is_provider_request_rejected_with_the_servers_message() {
    let server = FaultServer::start(|_, _| {
        Reply::Bytes(http(
            400,
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("ActivityId", "0f1e2d3c-0000-4000-8000-00000000abcd"),
            ],
            br#"{"$id":"1","innerException":null,"message":"TF400813: The continuation token is not valid.","typeName":"Microsoft.TeamFoundation.Core.WebApi.InvalidArgumentValueException, Microsoft.TeamFoundation.Core.WebApi","typeKey":"InvalidArgumentValueException","errorCode":0,"eventId":3000}"#,
        ))
    })
    .await;
    let e = client(&server)
        .projects_page(None, None, None)
        .await
        .unwrap_err();
    assert!(matches!(e, AdoError::BadRequest { .. }), "{e:?}");
    assert_eq!(e.code(), "PROVIDER_REQUEST_REJECTED");
    let text = e.to_string();
    assert!(text.contains("TF400813"), "{text}");
    assert!(!text.contains('\n'), "{text}");
    assert_eq!(server.received().len(), 1, "a 400 is not retried");
}

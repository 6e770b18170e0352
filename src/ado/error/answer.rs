//! How an answer becomes an [`AdoError`]: [`classify`] is a pure function of
//! status, headers and body (a sign-in page, another server's page, Azure
//! DevOps' JSON error and its `typeKey`), so every class is unit tested; the
//! client feeds it real responses.

use super::{AdoError, AuthFailure, SupportIds};
use crate::ado::models::{ApiErrorBody, parse_version_out_of_range};

/// Does this body look like an HTML page rather than an API answer?
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html")) {
        return true;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..]
        .iter()
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<head")
}

/// The first 64 KiB of a page, as text: where its title and sign-in form are.
fn page_head(body: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&body[..body.len().min(64 * 1024)])
}

/// Whether an HTML page asks to sign in (Azure DevOps' answer to rejected
/// credentials) rather than being some other server's page.
fn looks_like_sign_in(body: &[u8]) -> bool {
    let head = page_head(body).to_ascii_lowercase();
    [
        "sign in",
        "signin",
        "sign-in",
        "login.microsoftonline",
        "login.live.com",
    ]
    .iter()
    .any(|m| head.contains(m))
}

/// The `<title>` of an HTML page, on one line, at most 80 characters.
pub fn html_title(body: &[u8]) -> Option<String> {
    let text = page_head(body);
    // ASCII lowercasing keeps byte offsets, so they index `text` too.
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = crate::text::clean(&text[open_end..close])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(80)
        .collect();
    (!title.is_empty()).then_some(title)
}

/// What the client saw of an answer, for classification.
#[derive(Debug)]
pub struct Answer<'a> {
    pub status: u16,
    pub host: &'a str,
    pub content_type: Option<&'a str>,
    pub location: Option<&'a str>,
    pub ids: SupportIds,
    pub body: &'a [u8],
}

/// Turns a non-success answer into its error; `Ok(())` for a 2xx JSON answer
/// that the caller should now parse.
pub fn classify(answer: Answer<'_>) -> Result<(), AdoError> {
    let Answer {
        status,
        host,
        content_type,
        location,
        mut ids,
        body,
    } = answer;

    if (300..400).contains(&status) {
        return Err(redirect(status, host, location));
    }
    if status == 203 {
        return Err(AdoError::CredentialsRejected { status, ids });
    }
    let html = looks_like_html(content_type, body);
    if html && (200..300).contains(&status) && !looks_like_sign_in(body) {
        // A proxy's or portal's page, not Azure DevOps asking to sign in.
        return Err(AdoError::Malformed {
            status,
            host: host.to_string(),
            detail: match html_title(body) {
                Some(title) => format!("a web page \"{title}\" instead of JSON"),
                None => "a web page instead of JSON".to_string(),
            },
        });
    }
    if html && (status < 300 || status == 401 || status == 403) {
        return Err(AdoError::CredentialsRejected { status, ids });
    }
    if (200..300).contains(&status) {
        return Ok(());
    }

    let said = Said::read(html, body);
    if let Some(event_id) = said.body.as_ref().and_then(|b| b.event_id) {
        ids.event_id = Some(event_id);
    }
    Err(match status {
        400 => bad_request(status, said, ids),
        401 | 403 => refused(status, said, ids),
        404 => not_found(host, html, said, ids),
        429 => AdoError::Throttled {
            status,
            retry_after: None,
            attempts: 1,
            ids,
        },
        500..=599 => AdoError::Server {
            status,
            message: said.message,
            ids,
        },
        _ => AdoError::UnexpectedStatus {
            status,
            message: said.message,
            ids,
        },
    })
}

/// A 3xx answer: where it points, and whether that is another host.
fn redirect(status: u16, host: &str, location: Option<&str>) -> AdoError {
    // `host` is `name[:port]` as the request was made.
    let cross_host = location
        .and_then(|l| url::Url::parse(l).ok())
        .and_then(|u| {
            let name = u.host_str()?;
            let to = match u.port() {
                Some(p) => format!("{name}:{p}"),
                None => name.to_string(),
            };
            Some(!to.eq_ignore_ascii_case(host))
        })
        .unwrap_or(false);
    AdoError::Redirect {
        status,
        from_host: host.to_string(),
        // Without its query and fragment: they can carry sign-in state.
        location: location.map(|l| {
            crate::text::clean(l.split(['?', '#']).next().unwrap_or(l))
                .chars()
                .take(300)
                .collect()
        }),
        cross_host,
    }
}

/// What an error answer's JSON body said (nothing for a page).
struct Said {
    body: Option<ApiErrorBody>,
    /// Its message on one line; empty when there was none.
    message: String,
    type_key: Option<String>,
}

impl Said {
    fn read(html: bool, body: &[u8]) -> Said {
        let parsed: Option<ApiErrorBody> = if html {
            None
        } else {
            crate::text::from_json_slice(body).ok()
        };
        let message = parsed
            .as_ref()
            .and_then(|b| b.message.clone())
            .map(|m| one_line(&m))
            .unwrap_or_default();
        let type_key = parsed.as_ref().and_then(|b| b.type_key.clone());
        Said {
            body: parsed,
            message,
            type_key,
        }
    }

    /// The `typeKey`, or `""`.
    fn type_key(&self) -> &str {
        self.type_key.as_deref().unwrap_or("")
    }
}

/// A 400: an api-version the server does not speak, a work item that breaks
/// the process rules, or another rejected request.
fn bad_request(status: u16, said: Said, ids: SupportIds) -> AdoError {
    if let Some((requested, latest)) = parse_version_out_of_range(&said.message) {
        return AdoError::VersionOutOfRange {
            requested,
            latest: Some(latest),
            message: said.message,
        };
    }
    if said.type_key() == "VssVersionOutOfRangeException" {
        return AdoError::VersionOutOfRange {
            requested: String::new(),
            latest: None,
            message: said.message,
        };
    }
    if said.type_key() == "RuleValidationException" {
        let errors = said
            .body
            .as_ref()
            .map(|b| b.rule_validation_errors())
            .unwrap_or_default();
        return AdoError::RuleValidation {
            message: said.message,
            errors,
            ids,
        };
    }
    AdoError::BadRequest {
        message: or_status(said.message, status),
        type_key: said.type_key,
        ids,
    }
}

/// A 401 or 403: why the sign-in was refused, or (a 403 with no such
/// reason) a missing permission.
fn refused(status: u16, said: Said, ids: SupportIds) -> AdoError {
    let message = &said.message;
    let lower = message.to_ascii_lowercase();
    let kind =
        if said.type_key() == "AadUserStateException" || lower.contains("not been materialized") {
            Some(AuthFailure::NotMaterialized)
        } else if message.contains("VS403463")
            || lower.contains("conditional access")
            || lower.contains("third-party application access via oauth")
        {
            Some(AuthFailure::PolicyBlocked)
        } else if status == 401 {
            Some(AuthFailure::InvalidCredentials)
        } else {
            None
        };
    match kind {
        Some(kind) => AdoError::Unauthorized {
            status,
            kind,
            message: said.message,
            type_key: said.type_key,
            ids,
        },
        None => AdoError::Forbidden {
            message: or_status(said.message, status),
            type_key: said.type_key,
            ids,
        },
    }
}

/// A 404: a project that does not exist (or is not visible), or no API at
/// this address.
fn not_found(host: &str, html: bool, said: Said, ids: SupportIds) -> AdoError {
    let tk = said.type_key();
    let project_missing = said.message.contains("VS800075")
        || tk.starts_with("ProjectDoesNotExist")
        || tk == "ProjectNotFoundException";
    let message = if said.message.is_empty() {
        if html || said.body.is_none() {
            format!("{host} has no Azure DevOps API at this address")
        } else {
            "HTTP 404".to_string()
        }
    } else {
        said.message
    };
    AdoError::NotFound {
        message,
        type_key: said.type_key,
        project_missing,
        ids,
    }
}

fn or_status(message: String, status: u16) -> String {
    if message.is_empty() {
        format!("HTTP {status}")
    } else {
        message
    }
}

/// Messages are shown on one line, made safe ([`crate::text`]) and bounded.
fn one_line(s: &str) -> String {
    crate::text::clean_bounded(s, 400)
}

#[cfg(test)]
mod tests {
    use super::super::TransportKind;
    use super::*;

    fn answer<'a>(status: u16, ct: Option<&'a str>, body: &'a [u8]) -> Answer<'a> {
        Answer {
            status,
            host: "dev.azure.com",
            content_type: ct,
            location: None,
            ids: SupportIds::default(),
            body,
        }
    }

    fn err(status: u16, body: &str) -> AdoError {
        match classify(answer(status, Some("application/json"), body.as_bytes())) {
            Err(e) => e,
            Ok(()) => panic!("{status} {body} classified as success"),
        }
    }

    #[test]
    fn status_203_and_html_mean_rejected_credentials() {
        let e = err(203, "<html><body>Sign in</body></html>");
        assert_eq!(e.code(), "PROVIDER_AUTH_REQUIRED");
        let page = b"\n  <!DOCTYPE html><html>sign in</html>";
        for status in [200, 401] {
            let e = classify(answer(status, None, page));
            assert!(
                matches!(e, Err(AdoError::CredentialsRejected { .. })),
                "{status}"
            );
        }
        let e = classify(answer(
            200,
            Some("text/html; charset=utf-8"),
            b"<html><title>Sign in</title></html>",
        ));
        assert!(matches!(e, Err(AdoError::CredentialsRejected { .. })));
    }

    #[test]
    fn another_servers_page_is_not_a_sign_in() {
        let page = b"<html><head><title>Access\n  Denied</title></head><body>Blocked by the proxy</body></html>";
        let e = classify(answer(200, Some("text/html"), page));
        match e {
            Err(e @ AdoError::Malformed { .. }) => {
                assert_eq!(e.code(), "PROVIDER_RESPONSE_INVALID");
                assert!(
                    e.to_string()
                        .contains("a web page \"Access Denied\" instead of JSON"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        let e = classify(answer(200, Some("text/html"), b"whatever"));
        assert!(matches!(e, Err(AdoError::Malformed { .. })), "{e:?}");
        assert_eq!(html_title(b"<TITLE>x</TITLE>").as_deref(), Some("x"));
        assert_eq!(html_title(b"<title></title>"), None);
        assert_eq!(html_title(b"no title"), None);
    }

    #[test]
    fn hostile_messages_titles_and_headers_are_made_safe() {
        let inert = |s: &str| !s.chars().any(crate::text::is_unsafe);
        let body = r#"{"message":"TF400813: \u001b]52;c;cm0=\u0007Denied\u009b2J for \u202eyou","typeKey":"X\u001b[1m"}"#;
        let e = err(401, body);
        let shown = e.to_string();
        assert!(inert(&shown), "{shown:?}");
        assert!(shown.contains("TF400813: Denied for you"), "{shown}");
        let title = html_title("<title>\u{1b}]0;pwned\u{7}Proxy\u{202e} page</title>".as_bytes());
        assert_eq!(title.as_deref(), Some("Proxy page"));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "activityid",
            reqwest::header::HeaderValue::from_bytes(b"a1\tb2").unwrap_or_else(|e| panic!("{e}")),
        );
        let ids = SupportIds::from_headers(&headers);
        assert!(ids.activity_id.as_deref().is_some_and(inert), "{ids:?}");
    }

    #[test]
    fn json_2xx_is_success() {
        assert!(classify(answer(200, Some("application/json"), b"{\"count\":0}")).is_ok());
    }

    #[test]
    fn unauthorized_reasons_are_told_apart() {
        let e = err(
            401,
            r#"{"$id":"1","message":"TF400813: The user '' is not authorized to access this resource.","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}"#,
        );
        assert_eq!(e.code(), "PROVIDER_AUTH_REQUIRED");
        assert_eq!(e.support_ids().and_then(|i| i.event_id), Some(3000));

        let e = err(
            401,
            r#"{"message":"The identity 'x' has not been materialized.","typeKey":"AadUserStateException"}"#,
        );
        assert_eq!(e.code(), "IDENTITY_NOT_MATERIALIZED");

        let e = err(
            401,
            r#"{"message":"VS403463: The conditional access policy defined by your Azure Active Directory administrator has failed.","typeKey":"UnauthorizedRequestException"}"#,
        );
        assert_eq!(e.code(), "ORG_POLICY_BLOCKED");

        let e = err(403, r#"{"message":"VS403463: conditional access"}"#);
        assert_eq!(e.code(), "ORG_POLICY_BLOCKED");

        let e = err(
            403,
            r#"{"message":"TF401027: You need the Git 'GenericContribute' permission","typeKey":"GitNeedsPermissionException"}"#,
        );
        assert_eq!(e.code(), "PERMISSION_MISSING");
        assert!(e.to_string().contains("TF401027"));
    }

    #[test]
    fn project_not_found_is_its_own_code() {
        let e = err(
            404,
            r#"{"message":"VS800075: The project with id 'vstfs:///Classification/TeamProject/x' does not exist, or you do not have permission to access it.","typeKey":"ProjectDoesNotExistException"}"#,
        );
        assert_eq!(e.code(), "PROJECT_NOT_FOUND");
        let e = err(
            404,
            r#"{"message":"TF200016: The following node does not exist"}"#,
        );
        assert_eq!(e.code(), "PROVIDER_NOT_FOUND");
        let e = classify(answer(404, Some("text/html"), b"<html>nginx</html>"));
        match e {
            Err(AdoError::NotFound { message, .. }) => {
                assert!(message.contains("no Azure DevOps API"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rule_validation_errors_are_kept_per_field() {
        let body = r#"{"$id":"1","customProperties":{"RuleValidationErrors":[{"fieldReferenceName":"Custom.Impact","fieldStatusFlags":"required, hasValues, limitedToValues, invalidEmpty","errorMessage":"TF401320: Rule Error for field Impact. Error code: Required, HasValues, LimitedToValues, InvalidEmpty.","fieldStatusCode":0,"ruleValidationErrors":null}]},"innerException":null,"message":"TF401320: Rule Error for field Impact.","typeName":"x","typeKey":"RuleValidationException","errorCode":0,"eventId":3200}"#;
        match err(400, body) {
            AdoError::RuleValidation { errors, .. } => {
                assert_eq!(errors.len(), 1);
                assert_eq!(
                    errors[0].field_reference_name.as_deref(),
                    Some("Custom.Impact")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn version_out_of_range_names_the_latest() {
        let e = err(
            400,
            r#"{"message":"The requested REST API version of 7.1 is out of range for this server. The latest REST API version for this server is 6.0.","typeKey":"VssVersionOutOfRangeException"}"#,
        );
        match e {
            AdoError::VersionOutOfRange {
                requested, latest, ..
            } => {
                assert_eq!(requested, "7.1");
                assert_eq!(latest.as_deref(), Some("6.0"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn redirects_report_both_hosts() {
        let e = classify(Answer {
            status: 302,
            host: "dev.azure.com",
            content_type: None,
            location: Some("https://evil.example/_signin?state=abc123#frag"),
            ids: SupportIds::default(),
            body: b"",
        });
        match e {
            Err(
                e @ AdoError::Redirect {
                    cross_host: true, ..
                },
            ) => {
                assert_eq!(e.code(), "PROVIDER_BASE_URL_BLOCKED");
                let m = e.to_string();
                assert!(
                    m.contains("dev.azure.com") && m.contains("evil.example"),
                    "{m}"
                );
                assert!(!m.contains("abc123") && !m.contains("frag"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_to_the_same_host_and_port_is_not_cross_host() {
        let answer = |location: &'static str| Answer {
            status: 301,
            host: "tfs.contoso.com:8443",
            content_type: None,
            location: Some(location),
            ids: SupportIds::default(),
            body: b"",
        };
        assert!(matches!(
            classify(answer(
                "https://tfs.contoso.com:8443/tfs/DefaultCollection/"
            )),
            Err(AdoError::Redirect {
                cross_host: false,
                ..
            })
        ));
        assert!(matches!(
            classify(answer("https://tfs.contoso.com/x")),
            Err(AdoError::Redirect {
                cross_host: true,
                ..
            })
        ));
    }

    #[test]
    fn server_errors_and_garbage() {
        assert_eq!(err(500, "oops").code(), "PROVIDER_UNAVAILABLE");
        assert_eq!(err(502, "").code(), "PROVIDER_UNAVAILABLE");
        assert_eq!(err(418, "{}").code(), "PROVIDER_RESPONSE_INVALID");
        assert_eq!(
            err(400, "not json").to_string(),
            "Azure DevOps rejected the request: HTTP 400"
        );
        let long = format!("{{\"message\":\"{}\\nsecond line\"}}", "x".repeat(1000));
        let m = err(400, &long).to_string();
        assert!(!m.contains('\n') && m.chars().count() < 500, "{m}");
    }

    #[test]
    fn every_error_has_a_code_and_a_fix() {
        let all = [
            err(203, ""),
            err(401, "{}"),
            err(403, "{}"),
            err(404, "{}"),
            err(400, "{}"),
            err(500, "{}"),
            AdoError::Transport {
                kind: TransportKind::Tls,
                host: "h".into(),
                detail: String::new(),
                fix: None,
            },
            AdoError::TooLarge {
                host: "h".into(),
                limit: 1,
            },
        ];
        for e in all {
            assert!(!e.code().is_empty());
            assert!(!e.fix().is_empty());
            assert!(!e.to_string().is_empty());
        }
    }
}

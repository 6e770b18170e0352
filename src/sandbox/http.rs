//! Response building for the sandbox: JSON bodies, Azure DevOps error bodies,
//! HTML pages, and `api-version` parsing.
//!
//! Contract: building a response never fails or panics — a header value that
//! cannot be represented is dropped rather than unwrapped. Error bodies have
//! the Azure DevOps shape
//! `{"$id":"1","innerException":null,"message":…,"typeName":…,"typeKey":…,"errorCode":0,"eventId":3000}`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

/// The response type of every sandbox handler.
pub type Resp = Response<Full<Bytes>>;

/// Handlers return `Err(response)` to stop early with an error response.
pub type HResult = Result<Resp, Resp>;

/// A response with a body, content type and extra headers.
pub fn build(status: u16, content_type: &str, body: Bytes, headers: &[(&str, String)]) -> Resp {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if !content_type.is_empty()
        && let Ok(v) = HeaderValue::from_str(content_type)
    {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    for (k, v) in headers {
        add_header(&mut resp, k, v);
    }
    resp
}

/// Appends a header (keeps existing values of the same name).
pub fn add_header(resp: &mut Resp, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        resp.headers_mut().append(n, v);
    }
}

/// A JSON response (`application/json; charset=utf-8; api-version=…`).
pub fn json_resp(status: u16, v: &Value, api_version: Option<&str>) -> Resp {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let ct = match api_version {
        Some(ver) => format!("application/json; charset=utf-8; api-version={ver}"),
        None => "application/json; charset=utf-8".to_string(),
    };
    build(status, &ct, Bytes::from(body), &[])
}

/// `200 OK` with a JSON body.
pub fn ok(v: &Value, api_version: &str) -> Resp {
    json_resp(200, v, Some(api_version))
}

/// `{count, value}` list envelope.
pub fn list(items: Vec<Value>) -> Value {
    json!({"count": items.len(), "value": items})
}

/// Full .NET type name Azure DevOps reports for a `typeKey`.
pub fn type_name_for(type_key: &str) -> String {
    let (ns, asm) = match type_key {
        "VssVersionNotSpecifiedException"
        | "VssVersionOutOfRangeException"
        | "VssInvalidPreviewVersionException"
        | "VssInvalidApiVersionException"
        | "VssRequestContentTypeNotSupportedException"
        | "VssPropertyValidationException"
        | "VssResourceNotFoundException" => (
            "Microsoft.VisualStudio.Services.WebApi",
            "Microsoft.VisualStudio.Services.WebApi",
        ),
        "UnauthorizedRequestException"
        | "AadUserStateException"
        | "HostDoesNotExistException"
        | "RequestBlockedException"
        | "InvalidArgumentValueException" => (
            "Microsoft.TeamFoundation.Framework.Server",
            "Microsoft.TeamFoundation.Framework.Server",
        ),
        "ProjectDoesNotExistException"
        | "ProjectDoesNotExistWithNameException"
        | "TeamNotFoundException"
        | "ProcessNotFoundByTypeIdException" => (
            "Microsoft.TeamFoundation.Core.WebApi",
            "Microsoft.TeamFoundation.Core.WebApi",
        ),
        "WorkItemTypeNotFoundException"
        | "WorkItemTrackingFieldDefinitionNotFoundException"
        | "WorkItemTypeCategoryNotFoundException" => (
            "Microsoft.TeamFoundation.WorkItemTracking.Server.Metadata",
            "Microsoft.TeamFoundation.WorkItemTracking.Server",
        ),
        "RuleValidationException"
        | "WorkItemTrackingTreeNodeNotFoundException"
        | "WorkItemUnauthorizedAccessException"
        | "WorkItemFieldInvalidTreeNameException"
        | "WorkItemTypeDisabledException"
        | "WorkItemTrackingSandboxException" => (
            "Microsoft.TeamFoundation.WorkItemTracking.Server",
            "Microsoft.TeamFoundation.WorkItemTracking.Server",
        ),
        "InvalidSecurityNamespaceException" => (
            "Microsoft.TeamFoundation.Framework.Server",
            "Microsoft.TeamFoundation.Framework.Server",
        ),
        _ => (
            "Microsoft.VisualStudio.Services.Common",
            "Microsoft.VisualStudio.Services.Common",
        ),
    };
    format!("{ns}.{type_key}, {asm}")
}

/// The Azure DevOps error body.
pub fn error_body(message: &str, type_key: &str, event_id: u32) -> Value {
    json!({
        "$id": "1",
        "innerException": null,
        "message": message,
        "typeName": type_name_for(type_key),
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": event_id,
    })
}

/// An Azure DevOps error response (eventId 3000).
pub fn ado_error(status: u16, message: &str, type_key: &str) -> Resp {
    json_resp(status, &error_body(message, type_key, 3000), None)
}

/// An Azure DevOps error response with an explicit `errorCode` and `eventId`.
pub fn ado_error_ex(
    status: u16,
    message: &str,
    type_key: &str,
    error_code: i64,
    event_id: u32,
) -> Resp {
    let mut body = error_body(message, type_key, event_id);
    if let Value::Object(m) = &mut body {
        m.insert("errorCode".into(), Value::from(error_code));
    }
    json_resp(status, &body, None)
}

/// `405` in the ASP.NET Web API shape Azure DevOps uses.
pub fn method_not_allowed(method: &str, allow: &str) -> Resp {
    let body = json!({"count": 1, "value": {"Message": format!("The requested resource does not support http method '{method}'.")}});
    let mut r = json_resp(405, &body, None);
    add_header(&mut r, "Allow", allow);
    r
}

/// `404` for a route the sandbox does not serve.
pub fn not_found(path: &str) -> Resp {
    ado_error(
        404,
        &format!(
            "The resource '{}' was not found. The Azure DevOps sandbox serves only the API subset ado-setup uses.",
            truncate(path, 200)
        ),
        "VssResourceNotFoundException",
    )
}

/// An HTML response.
pub fn html(status: u16, body: String) -> Resp {
    build(status, "text/html; charset=utf-8", Bytes::from(body), &[])
}

/// Shortens user input echoed in messages.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Escapes text for HTML and XML.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A parsed `api-version` (`7.1`, `7.1-preview`, `7.1-preview.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    /// The string as sent.
    pub raw: String,
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// `-preview` given.
    pub preview: bool,
}

impl ApiVersion {
    /// Parses the value; `None` if it is not a version.
    pub fn parse(raw: &str) -> Option<ApiVersion> {
        let raw = raw.trim();
        let (num, rest) = match raw.split_once('-') {
            Some((n, r)) => (n, Some(r)),
            None => (raw, None),
        };
        let num = num.strip_prefix('v').unwrap_or(num);
        let (maj, min) = num.split_once('.').unwrap_or((num, "0"));
        let major: u32 = maj.parse().ok()?;
        let minor: u32 = min.parse().ok()?;
        let preview = match rest {
            None => false,
            Some(r) => {
                let lower = r.to_ascii_lowercase();
                let tail = lower.strip_prefix("preview")?;
                if !tail.is_empty() {
                    let n = tail.strip_prefix('.')?;
                    n.parse::<u32>().ok()?;
                }
                true
            }
        };
        if major > 1000 || minor > 1000 {
            return None;
        }
        Some(ApiVersion {
            raw: raw.to_string(),
            major,
            minor,
            preview,
        })
    }

    /// `major * 1000 + minor` for comparisons.
    pub fn key(&self) -> u32 {
        self.major * 1000 + self.minor
    }
}

/// Finds `api-version` in the query (first) or the `Accept` header.
/// `Ok(None)` when absent, `Err(raw)` when present but malformed.
pub fn find_api_version(
    query: &[(String, String)],
    accept: Option<&str>,
) -> Result<Option<ApiVersion>, String> {
    if let Some((_, v)) = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
    {
        return ApiVersion::parse(v).map(Some).ok_or_else(|| v.clone());
    }
    if let Some(acc) = accept {
        for part in acc.split([';', ',']) {
            if let Some((k, v)) = part.split_once('=')
                && k.trim().eq_ignore_ascii_case("api-version")
            {
                let v = v.trim().trim_matches('"');
                return ApiVersion::parse(v).map(Some).ok_or_else(|| v.to_string());
            }
        }
    }
    Ok(None)
}

#[allow(clippy::expect_used, clippy::unwrap_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_api_versions() {
        let v = ApiVersion::parse("7.1-preview.1");
        assert!(v.is_some_and(|v| (v.major, v.minor, v.preview) == (7, 1, true)));
        assert!(ApiVersion::parse("7.1").is_some_and(|v| !v.preview && v.key() == 7001));
        assert!(ApiVersion::parse("6.0-preview").is_some());
        assert!(ApiVersion::parse("abc").is_none());
        assert!(ApiVersion::parse("7.1-beta").is_none());
        assert!(ApiVersion::parse("7.1-preview.x").is_none());
        let q = vec![("API-Version".to_string(), "7.0".to_string())];
        assert_eq!(
            find_api_version(&q, None).ok().flatten().map(|v| v.raw),
            Some("7.0".to_string())
        );
        assert_eq!(
            find_api_version(&[], Some("application/json; api-version=7.1"))
                .ok()
                .flatten()
                .map(|v| v.raw),
            Some("7.1".to_string())
        );
        assert!(find_api_version(&[], Some("application/json")).is_ok_and(|v| v.is_none()));
        assert!(find_api_version(&[], Some("application/json;api-version=x")).is_err());
    }
}

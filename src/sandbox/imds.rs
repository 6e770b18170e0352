//! A small Azure instance metadata service (IMDS, `http://169.254.169.254`)
//! for managed identities, under `{base}/_imds`.
//!
//! Contract (as the real service answers):
//! - `GET /metadata/identity/oauth2/token?api-version=…&resource=…
//!   [&client_id=…]` with the header `Metadata: true` → 200
//!   `{access_token, client_id, expires_in, expires_on, ext_expires_in,
//!   not_before, resource, token_type}` (numbers as strings), the token of
//!   the machine's managed identity (`apps` of kind `managed_identity` in
//!   the assets): without `client_id` the system-assigned one, with it the
//!   user-assigned one of that client id. Tokens last 24 hours; they carry
//!   no `upn`/`name`, `idtyp` `app`, `oid` the identity's object id.
//! - No `Metadata: true` → 400 `invalid_request` "Required metadata header
//!   not specified" (what a probe without the header gets: the endpoint
//!   answers, so managed identity is available); no `api-version` → 400;
//!   no `resource` → 400 "Required audience parameter not specified"; an
//!   unknown `client_id` → 400 `invalid_request` "Identity not found".
//! - Other paths → 404, other methods → 405.

use hyper::Method;
use hyper::header::HeaderMap;
use serde_json::json;

use super::data::AppKind;
use super::http::{Resp, json_resp};
use super::state::State;
use super::token::app_token;

fn imds_error(status: u16, error: &str, description: &str) -> Resp {
    json_resp(
        status,
        &json!({"error": error, "error_description": description}),
        None,
    )
}

/// Handles everything under `{base}/_imds`.
pub(crate) fn handle(
    st: &State,
    method: &Method,
    segs: &[String],
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Resp {
    let low: Vec<String> = segs.iter().map(|s| s.to_lowercase()).collect();
    let l: Vec<&str> = low.iter().map(String::as_str).collect();
    if l.as_slice() != ["metadata", "identity", "oauth2", "token"] {
        return imds_error(404, "not_found", "The requested resource was not found.");
    }
    if *method != Method::GET {
        return imds_error(
            405,
            "method_not_allowed",
            "The request method is not allowed: use GET.",
        );
    }
    let metadata = headers
        .get("metadata")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !metadata {
        return imds_error(
            400,
            "invalid_request",
            "Required metadata header not specified",
        );
    }
    let q = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if q("api-version").is_none() {
        return imds_error(
            400,
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    let Some(resource) = q("resource") else {
        return imds_error(
            400,
            "invalid_request",
            "Required audience parameter not specified",
        );
    };
    let app = match q("client_id") {
        Some(id) => st.cat.app(AppKind::ManagedIdentity, id),
        None => st
            .cat
            .apps
            .iter()
            .find(|a| a.kind == AppKind::ManagedIdentity && a.system_assigned),
    };
    let Some(app) = app else {
        return imds_error(400, "invalid_request", "Identity not found");
    };
    let resource = resource.trim_end_matches('/');
    let (access, expires_on) = app_token(st, app, resource, "2", 86_399);
    let now = expires_on - 86_399;
    json_resp(
        200,
        &json!({
            "access_token": access,
            "client_id": app.client_id,
            "expires_in": "86399",
            "expires_on": expires_on.to_string(),
            "ext_expires_in": "86399",
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }),
        None,
    )
}

//! The profile host (`app.vssps.visualstudio.com`, under `{base}/_profile`):
//! `GET _apis/profile/profiles/{id|me}` and `GET _apis/accounts?memberId=…`,
//! which, as in Azure DevOps, accept only Entra ID access tokens.
//!
//! Contract:
//! - Unknown paths → 404, methods other than GET/HEAD → 405.
//! - No credential, another scheme, or a token the sandbox did not sign
//!   (or expired, or not for Azure DevOps) → 401 with `WWW-Authenticate:
//!   Bearer authorization_uri={authority}/common`; a PAT (`Basic`) → 401
//!   saying that PATs are not accepted here.
//! - An `api-version` is required (query or `Accept` header) → else 400.
//! - The profile is the token's user (`me` or its id; another id → 404
//!   `ProfileNotFoundException`); accounts are the Services organizations
//!   in the token's tenant (or Microsoft-account ones) where the user is a
//!   member of a team, and only for `memberId`/`ownerId` = the user.

use hyper::Method;
use hyper::header::HeaderMap;
use serde_json::{Value, json};

use super::data::{MSA_TENANT, Person};
use super::http::{
    Resp, add_header, ado_error, find_api_version, json_resp, list, method_not_allowed, not_found,
    truncate,
};
use super::state::State;
use super::token::verify_token;

/// `{profile_url}/…`: profile and accounts (OAuth tokens only).
pub(crate) fn handle(
    st: &State,
    method: &Method,
    segs: &[String],
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Resp {
    let low: Vec<String> = segs.iter().map(|s| s.to_lowercase()).collect();
    let l: Vec<&str> = low.iter().map(String::as_str).collect();
    let known = matches!(
        l.as_slice(),
        ["_apis", "profile", "profiles", _] | ["_apis", "accounts"]
    );
    if !known {
        return not_found(&format!("/{}", segs.join("/")));
    }
    if *method != Method::GET && *method != Method::HEAD {
        return method_not_allowed(method.as_str(), "GET");
    }
    let claims = match bearer_claims(st, headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ver = match api_version(method, query, headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let oid = claims.get("oid").and_then(Value::as_str).unwrap_or("");
    let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    let Some(person) = st.cat.people.iter().find(|p| p.id == oid) else {
        return no_auth(st);
    };
    match l.as_slice() {
        ["_apis", "profile", "profiles", id] => profile(person, id, &ver),
        _ => accounts(st, person, tid, query, &ver),
    }
}

/// `401` for a request without a usable OAuth token.
fn no_auth(st: &State) -> Resp {
    let mut r = ado_error(
        401,
        "TF400813: Resource not available for anonymous access. Client authentication required.",
        "UnauthorizedRequestException",
    );
    add_header(
        &mut r,
        "WWW-Authenticate",
        &format!("Bearer authorization_uri={}/common", st.authority_url()),
    );
    r
}

/// The claims of the request's Entra ID access token, or the `401`: only
/// Entra ID access tokens are credentials here.
fn bearer_claims(st: &State, headers: &HeaderMap) -> Result<Value, Resp> {
    let header = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let Some(header) = header else {
        return Err(no_auth(st));
    };
    let (scheme, param) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        let mut r = ado_error(
            401,
            "The profile and accounts APIs accept only OAuth access tokens (Microsoft Entra ID). Personal access tokens are not accepted here.",
            "UnauthorizedRequestException",
        );
        add_header(
            &mut r,
            "WWW-Authenticate",
            &format!("Bearer authorization_uri={}/common", st.authority_url()),
        );
        return Err(r);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(no_auth(st));
    }
    verify_token(st, param.trim()).map_err(|_| no_auth(st))
}

/// The `api-version` as sent (query or `Accept` header), or the `400`.
fn api_version(
    method: &Method,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Result<String, Resp> {
    let accept = headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    match find_api_version(query, accept) {
        Ok(Some(v)) => Ok(v.raw),
        Ok(None) => Err(ado_error(
            400,
            &format!(
                "No api-version was supplied for the \"{method}\" request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\")."
            ),
            "VssVersionNotSpecifiedException",
        )),
        Err(raw) => Err(ado_error(
            400,
            &format!("The api-version '{}' is not valid.", truncate(&raw, 50)),
            "VssInvalidApiVersionException",
        )),
    }
}

/// `GET _apis/profile/profiles/{id}`: the token's user, as `me` or by id.
fn profile(person: &Person, id: &str, ver: &str) -> Resp {
    if id != "me" && !id.eq_ignore_ascii_case(&person.id) {
        return ado_error(
            404,
            &format!("The profile '{}' could not be found.", truncate(id, 100)),
            "ProfileNotFoundException",
        );
    }
    let body = json!({
        "displayName": person.name,
        "publicAlias": person.id,
        "emailAddress": person.email,
        "coreRevision": 412,
        "timeStamp": "2025-09-14T08:12:44.3570000+00:00",
        "id": person.id,
        "revision": 412
    });
    json_resp(200, &body, Some(ver))
}

/// `GET _apis/accounts?memberId=…` (or `ownerId`): the Services
/// organizations of the token's tenant (or Microsoft-account ones) where
/// the user is a member; none for another member id.
fn accounts(st: &State, person: &Person, tid: &str, query: &[(String, String)], ver: &str) -> Resp {
    let qv = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    let member = qv("memberId").or_else(|| qv("ownerId"));
    let Some(member) = member else {
        return ado_error(
            400,
            "A memberId or ownerId query parameter is required.",
            "InvalidArgumentValueException",
        );
    };
    let mut items = Vec::new();
    if member.eq_ignore_ascii_case(&person.id) {
        for o in st.cat.orgs.iter().filter(|o| !o.server) {
            let t = o.tenant.as_deref().unwrap_or("");
            let is_member = o.projects.iter().take(50).any(|p| {
                p.members()
                    .iter()
                    .any(|m| st.cat.people.get(*m).is_some_and(|x| x.id == person.id))
            });
            if is_member && (t.eq_ignore_ascii_case(tid) || t == MSA_TENANT) {
                items.push(json!({
                    "accountId": o.id,
                    "accountUri": format!("{}/{}/", st.vssps_url(), o.name),
                    "accountName": o.name,
                    "properties": {}
                }));
            }
        }
    }
    json_resp(200, &list(items), Some(ver))
}

//! A small Microsoft Entra ID (login.microsoftonline.com) for the device
//! code flow, refresh tokens and service principals, under
//! `{authority_url}`. This module routes; the flows are its children
//! (`device`, `user_tokens`, `client_credentials`), on top of the OAuth
//! wire shapes (`oauth`) and the directories (`tenants`).
//!
//! Contract:
//! - `POST /{tenant}/oauth2/v2.0/devicecode` (form: `client_id`, `scope`;
//!   a client id not in [`device::KNOWN_PUBLIC_CLIENTS`] → `unauthorized_client`
//!   `AADSTS700016`) →
//!   `{user_code, device_code, verification_uri, expires_in, interval,
//!   message}`. `{tenant}` is `organizations`, `common`, `consumers`, a known
//!   tenant id or domain; the all-zero tenant and unknown tenants fail with
//!   `AADSTS90002` like the real service.
//! - `POST /{tenant}/oauth2/v2.0/token`, `grant_type=
//!   urn:ietf:params:oauth:grant-type:device_code`: `authorization_pending`
//!   (400, `AADSTS70016`) until `approve_after` has passed since the code was
//!   issued, then the tokens; polling again sooner than half the `interval`
//!   → `slow_down`; unknown code → `bad_verification_code`; after
//!   `expires_in` (900 s) → `expired_token`. A code is redeemed once. The
//!   `interval` is 5 s (as Entra ID) when `approve_after` is at least 5 s,
//!   else 1 s so that demos and tests stay quick.
//! - `grant_type=refresh_token` issues new tokens, for the tenant in the path
//!   (`organizations`/`common`: the tenant of the refresh token). A tenant the
//!   user is not in → `invalid_grant` `AADSTS50020`.
//! - Sign-in scenarios ([`super::scenario::SIGN_IN_SCENARIOS`]), selected by organization: the
//!   tenant of a sign-in scenario organization (`"scenario":
//!   "device-declined"` …, each in a tenant of its own) behaves as follows
//!   (the code is issued normally in every case):
//!   - `device-declined`: once `approve_after` has passed, the poll answers
//!     `authorization_declined` (`AADSTS70000`) and the code is gone.
//!   - `device-expired`: the code is never approved; `expires_in` is 3 s
//!     (60 s when `approve_after` is at least 5 s), after which polls answer
//!     `expired_token` (`AADSTS70019`).
//!   - `wrong-directory`: the main user is not a member of the tenant: once
//!     "approved", the poll answers `invalid_grant` `AADSTS50020` (signed in
//!     with an account that is not in the tenant), and so do refresh-token
//!     grants for it.
//!   - `expiring`: token responses for the tenant carry
//!     `refresh_token_expires_in` 432000 (5 days).
//! - `grant_type=client_credentials` (service principals, `apps` of kind
//!   `service_principal` in the assets): `client_id`, `scope`
//!   (`{resource}/.default`), and `client_secret` or a certificate
//!   (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
//!   jwt-bearer`, `client_assertion`: a JWT signed RS256, its header naming a
//!   certificate trusted for the app with [`super::Sandbox::trust_certificate`]
//!   by `x5t#S256`; `aud` the token endpoint, `iss` = `sub` = the client
//!   id, unexpired). The tenant in the path must be the app's (its id or
//!   domain; `organizations`/`common` → `AADSTS50059`). Unknown app or
//!   another tenant → `unauthorized_client` `AADSTS700016`; wrong secret →
//!   `invalid_client` `AADSTS7000215`; an assertion of an unknown
//!   certificate or with a bad signature → `invalid_client`
//!   `AADSTS700027`; no credential → `AADSTS7000218`; a scope without
//!   `/.default` → `invalid_scope` `AADSTS1002012`. The app token has no
//!   `upn`/`name`, `idtyp` `app`, `oid` the app's object id; no refresh
//!   token.
//! - Access tokens are JWT-shaped (`aud` = Azure DevOps, `tid`, `oid`, `upn`,
//!   `name`, `exp`, `iat`), valid one hour, signed with a per-sandbox key.
//!   A refresh token is issued only when the scope has `offline_access`.
//! - Errors have the Entra shape: `error`, `error_description` (with the
//!   `AADSTS` code), `error_codes`, `timestamp`, `trace_id`,
//!   `correlation_id`, `error_uri`.

mod client_credentials;
mod device;
mod oauth;
mod tenants;
mod user_tokens;

use bytes::Bytes;
use hyper::Method;
use hyper::header::HeaderMap;
use serde_json::json;

use self::oauth::{Form, aad_error, missing_parameter};
use super::http::{Resp, html, json_resp, method_not_allowed, not_found, truncate};
use super::state::State;
use super::util::parse_pairs;

/// Handles everything under `{authority_url}`.
pub(crate) async fn handle(
    st: &State,
    method: &Method,
    segs: &[String],
    _headers: &HeaderMap,
    body: &Bytes,
    _query: &[(String, String)],
) -> Resp {
    let low: Vec<String> = segs.iter().map(|s| s.to_lowercase()).collect();
    let l: Vec<&str> = low.iter().map(String::as_str).collect();
    match l.as_slice() {
        ["devicelogin"] => html(200, device::login_page(st)),
        [_, "v2.0", ".well-known", "openid-configuration"] => openid_configuration(st, &segs[0]),
        [_, "oauth2", "v2.0", op @ ("devicecode" | "token")] => {
            if *method != Method::POST {
                return aad_error(
                    405,
                    "invalid_request",
                    900561,
                    "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
                    st,
                );
            }
            let Some(form) = std::str::from_utf8(body).ok().and_then(parse_pairs) else {
                return aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must be application/x-www-form-urlencoded.",
                    st,
                );
            };
            let f = Form(form);
            if *op == "devicecode" {
                device::issue(st, &segs[0], &f)
            } else {
                token(st, &segs[0], &f)
            }
        }
        _ => {
            if *method == Method::GET || *method == Method::POST {
                not_found(&format!("/_login/{}", segs.join("/")))
            } else {
                method_not_allowed(method.as_str(), "GET, POST")
            }
        }
    }
}

/// `{tenant}/v2.0/.well-known/openid-configuration`: where the endpoints
/// of the tenant segment `t` are.
fn openid_configuration(st: &State, t: &str) -> Resp {
    let base = format!("{}/{}", st.authority_url(), t);
    json_resp(
        200,
        &json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "issuer": format!("{}/{{tenantid}}/v2.0", st.authority_url()),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com"
        }),
        None,
    )
}

/// `POST {tenant}/oauth2/v2.0/token`: the grant the form names.
fn token(st: &State, tenant: &str, form: &Form) -> Resp {
    let Some(grant_type) = form.get("grant_type") else {
        return missing_parameter(st, "grant_type");
    };
    let Some(client_id) = form.get("client_id") else {
        return missing_parameter(st, "client_id");
    };
    match grant_type {
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            device::redeem(st, client_id, form)
        }
        "refresh_token" => user_tokens::refresh(st, tenant, client_id, form),
        "client_credentials" => client_credentials::grant(st, tenant, client_id, form),
        other => aad_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                truncate(other, 100)
            ),
            st,
        ),
    }
}

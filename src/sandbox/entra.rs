//! A small Microsoft Entra ID (login.microsoftonline.com) for the device
//! code flow, under `{authority_url}`.
//!
//! Contract:
//! - `POST /{tenant}/oauth2/v2.0/devicecode` (form: `client_id`, `scope`;
//!   a client id not in [`KNOWN_PUBLIC_CLIENTS`] → `unauthorized_client`
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

use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use hyper::header::HeaderMap;
use serde_json::{Value, json};

use super::data::{App, AppKind, MSA_TENANT};
use super::http::{Resp, html, json_resp, method_not_allowed, not_found};
use super::scenario::SignInKind;
use super::state::{DeviceGrant, RefreshGrant, State};
use super::token::{ADO_RESOURCE, app_token, mint_token};
use super::util::{is_guid, now_rfc3339, parse_pairs, random_guid, random_string, unix_now};

/// The Microsoft-account ("consumers") tenant.
pub const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// How long a device code is valid.
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);

/// `refresh_token_expires_in` of the `expiring` scenario's tenant: 5 days.
pub(crate) const EXPIRING_REFRESH_SECS: u64 = 5 * 24 * 3600;

fn aad_error(status: u16, error: &str, code: u32, description: &str, st: &State) -> Resp {
    let trace = random_guid();
    let corr = random_guid();
    let ts = now_rfc3339();
    let ts_short = format!("{} {}", &ts[..10], &ts[11..19]);
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts_short}Z"),
        "error_codes": [code],
        "timestamp": format!("{ts_short}Z"),
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": format!("{}/error?code={code}", st.authority_url()),
    });
    json_resp(status, &body, None)
}

/// Resolves the tenant segment of the authority path.
fn resolve_tenant(st: &State, tenant: &str, home: &str) -> Result<String, String> {
    let t = tenant.to_lowercase();
    match t.as_str() {
        "organizations" | "common" => Ok(home.to_string()),
        "consumers" => Ok(CONSUMERS_TENANT.to_string()),
        _ => {
            if t == MSA_TENANT {
                return Err(tenant.to_string());
            }
            st.cat
                .tenants
                .iter()
                .find(|x| x.id.eq_ignore_ascii_case(&t) || x.domain.eq_ignore_ascii_case(&t))
                .map(|x| x.id.clone())
                .ok_or_else(|| tenant.to_string())
        }
    }
}

fn home_tenant(st: &State) -> String {
    home_tenant_of(st, &st.cat.main().email)
}

/// The tenant of an address's domain (the first tenant when none matches).
fn home_tenant_of(st: &State, email: &str) -> String {
    let domain = email.split('@').nth(1).unwrap_or("");
    st.cat
        .tenants
        .iter()
        .find(|t| t.domain.eq_ignore_ascii_case(domain))
        .or_else(|| st.cat.tenants.first())
        .map(|t| t.id.clone())
        .unwrap_or_else(|| MSA_TENANT.to_string())
}

/// Tenants the main user can get tokens for: every tenant of the catalog
/// but the `wrong-directory` scenario's.
fn user_in_tenant(st: &State, tid: &str) -> bool {
    tid == CONSUMERS_TENANT
        || (st
            .cat
            .tenants
            .iter()
            .any(|t| t.id.eq_ignore_ascii_case(tid))
            && st.cat.tenant_sign_in_scenario(tid) != Some(SignInKind::WrongDirectory))
}

/// `invalid_grant` `AADSTS50020`: `upn` (home tenant `home`) is not in
/// tenant `tid` (named by its display name when the catalog knows it).
fn not_in_tenant(st: &State, upn: &str, home: &str, tid: &str, client_id: &str) -> Resp {
    let tenant = st
        .cat
        .tenant(tid)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| super::http::truncate(tid, 100));
    aad_error(
        400,
        "invalid_grant",
        50020,
        &format!(
            "User account '{upn}' from identity provider 'https://sts.windows.net/{home}/' does not exist in tenant '{tenant}' and cannot access the application '{}' in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.",
            super::http::truncate(client_id, 100)
        ),
        st,
    )
}

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
        ["devicelogin"] => html(200, device_login_page(st)),
        [_, "v2.0", ".well-known", "openid-configuration"] => {
            let t = &segs[0];
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
                device_code(st, &segs[0], &f)
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

fn device_login_page(st: &State) -> String {
    let secs = st.approve_after.as_secs_f64();
    let pending: String = {
        let map = st
            .devices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.values()
            .filter(|g| g.issued.elapsed() < g.lifetime)
            .take(20)
            .map(|g| {
                let due = g.issued.elapsed() >= st.approve_after;
                let state = match st.cat.tenant_sign_in_scenario(&g.tid) {
                    Some(SignInKind::DeviceExpired) => "never approved: expires",
                    Some(SignInKind::DeviceDeclined) if due => "declined",
                    Some(SignInKind::WrongDirectory) if due => {
                        "signed in with an account that is not in the tenant"
                    }
                    _ if due => "approved",
                    _ => "pending",
                };
                format!(
                    "<li><code>{}</code> ({state})</li>",
                    super::http::escape_xml(&g.user_code)
                )
            })
            .collect()
    };
    format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Enter code</h1><p>This is the Azure DevOps sandbox: every device code is approved automatically {secs:.1} seconds after it was issued, as Avery Lindqvist (except in the tenants of the sign-in scenario organizations: scenario-device-declined, scenario-device-expired, scenario-wrong-directory). Nothing to do here.</p><ul>{pending}</ul></body></html>"
    )
}

/// A parsed form body.
struct Form(Vec<(String, String)>);

impl Form {
    /// A non-empty form value.
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// The public client applications the sandbox's Entra ID knows, as every
/// tenant does (multi-tenant Microsoft apps pre-authorized for Azure
/// DevOps). A device code for any other client id → `unauthorized_client`
/// `AADSTS700016`, as Entra ID answers for an app not in the directory.
pub(crate) const KNOWN_PUBLIC_CLIENTS: &[(&str, &str)] = &[
    ("872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio"),
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Microsoft Azure CLI",
    ),
];

fn device_code(st: &State, tenant: &str, form: &Form) -> Resp {
    let f = |k: &str| form.get(k);
    let Some(client_id) = f("client_id") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
            st,
        );
    };
    if !is_guid(client_id) {
        return aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant.",
                super::http::truncate(client_id, 100)
            ),
            st,
        );
    }
    let Some(scope) = f("scope") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
            st,
        );
    };
    let tid = match resolve_tenant(st, tenant, &home_tenant(st)) {
        Ok(t) => t,
        Err(t) => {
            return aad_error(
                400,
                "invalid_request",
                90002,
                &format!(
                    "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                    super::http::truncate(&t, 100)
                ),
                st,
            );
        }
    };
    if !KNOWN_PUBLIC_CLIENTS
        .iter()
        .any(|(id, _)| id.eq_ignore_ascii_case(client_id))
    {
        let directory = st
            .cat
            .tenant(&tid)
            .map_or_else(|| tid.clone(), |t| t.name.clone());
        return aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                super::http::truncate(client_id, 100),
                super::http::truncate(&directory, 100)
            ),
            st,
        );
    }
    let slow = st.approve_after >= Duration::from_secs(5);
    let interval: u64 = if slow { 5 } else { 1 };
    let lifetime = match st.cat.tenant_sign_in_scenario(&tid) {
        Some(SignInKind::DeviceExpired) if slow => Duration::from_secs(60),
        Some(SignInKind::DeviceExpired) => Duration::from_secs(3),
        _ => DEVICE_CODE_LIFETIME,
    };
    let user_code = random_string(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 9);
    let device_code = format!(
        "DAQABIQEAAAD{}",
        random_string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            140
        )
    );
    let uri = format!("{}/devicelogin", st.authority_url());
    let grant = DeviceGrant {
        user_code: user_code.clone(),
        client_id: client_id.to_string(),
        scope: scope.to_string(),
        tid,
        issued: Instant::now(),
        last_poll: None,
        interval,
        lifetime,
    };
    {
        let mut map = st
            .devices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.retain(|_, g| g.issued.elapsed() < DEVICE_CODE_LIFETIME * 2);
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(device_code.clone(), grant);
    }
    json_resp(
        200,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": uri,
            "expires_in": lifetime.as_secs(),
            "interval": interval,
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
        }),
        None,
    )
}

fn token(st: &State, tenant: &str, form: &Form) -> Resp {
    let f = |k: &str| form.get(k);
    let Some(grant_type) = f("grant_type") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
            st,
        );
    };
    let Some(client_id) = f("client_id") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
            st,
        );
    };
    match grant_type {
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            let Some(code) = f("device_code").or_else(|| f("code")) else {
                return aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'device_code'.",
                    st,
                );
            };
            let mut map = st
                .devices
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(grant) = map.get_mut(code) else {
                return aad_error(
                    400,
                    "bad_verification_code",
                    70000,
                    "The provided value for the input parameter 'device_code' is not valid.",
                    st,
                );
            };
            if grant.client_id != client_id {
                return aad_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The device code was issued to a different client.",
                    st,
                );
            }
            if grant.issued.elapsed() >= grant.lifetime {
                map.remove(code);
                return aad_error(
                    400,
                    "expired_token",
                    70019,
                    "Verification code expired.",
                    st,
                );
            }
            let now = Instant::now();
            let too_fast = grant.last_poll.is_some_and(|t| {
                now.duration_since(t) < Duration::from_millis(grant.interval * 500)
            });
            grant.last_poll = Some(now);
            if too_fast {
                return aad_error(
                    400,
                    "slow_down",
                    70016,
                    "OAuth 2.0 device flow error. The client is polling too frequently; increase the polling interval.",
                    st,
                );
            }
            let scenario = st.cat.tenant_sign_in_scenario(&grant.tid);
            if grant.issued.elapsed() < st.approve_after
                || scenario == Some(SignInKind::DeviceExpired)
            {
                return aad_error(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    st,
                );
            }
            let g = grant.clone();
            map.remove(code);
            drop(map);
            match scenario {
                Some(SignInKind::DeviceDeclined) => aad_error(
                    400,
                    "authorization_declined",
                    70000,
                    "The user declined the authentication request (device code flow): the sign-in was not approved.",
                    st,
                ),
                Some(SignInKind::WrongDirectory) => not_in_tenant(
                    st,
                    &st.cat.main().email,
                    &home_tenant(st),
                    &g.tid,
                    &g.client_id,
                ),
                _ => issue_tokens(st, &g.client_id, &g.scope, &g.tid, st.cat.main_user),
            }
        }
        "refresh_token" => {
            let Some(rt) = f("refresh_token") else {
                return aad_error(
                    400,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'refresh_token'.",
                    st,
                );
            };
            let grant = {
                let map = st
                    .refresh
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                map.get(rt).cloned()
            };
            let Some(grant) = grant else {
                return aad_error(
                    400,
                    "invalid_grant",
                    9002313,
                    "Invalid request. Request is malformed or invalid.",
                    st,
                );
            };
            if grant.client_id != client_id {
                return aad_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The refresh token was issued to a different client.",
                    st,
                );
            }
            let tid = match resolve_tenant(st, tenant, &grant.tid) {
                Ok(t) if user_in_tenant(st, &t) => t,
                Ok(t) | Err(t) => {
                    let upn = st
                        .cat
                        .people
                        .get(grant.person)
                        .map(|p| p.email.clone())
                        .unwrap_or_default();
                    let home = home_tenant_of(st, &upn);
                    return not_in_tenant(st, &upn, &home, &t, client_id);
                }
            };
            let scope = f("scope").unwrap_or(&grant.scope).to_string();
            issue_tokens(st, client_id, &scope, &tid, grant.person)
        }
        "client_credentials" => client_credentials(st, tenant, client_id, form),
        other => aad_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                super::http::truncate(other, 100)
            ),
            st,
        ),
    }
}

fn issue_tokens(st: &State, client_id: &str, scope: &str, tid: &str, person: usize) -> Resp {
    let Some(p) = st.cat.people.get(person) else {
        return aad_error(
            400,
            "invalid_grant",
            50034,
            "The user account does not exist.",
            st,
        );
    };
    let now = unix_now();
    let for_ado = scope.contains(ADO_RESOURCE) || scope.contains("vso.");
    let aud = if for_ado {
        ADO_RESOURCE
    } else {
        "00000003-0000-0000-c000-000000000000"
    };
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "acr": "1",
        "amr": ["pwd", "mfa"],
        "appid": client_id,
        "appidacr": "0",
        "name": p.name,
        "oid": p.id,
        "scp": "user_impersonation",
        "sub": super::util::guid_from(&format!("sub:{}:{client_id}", p.id)),
        "tid": tid,
        "unique_name": p.email,
        "upn": p.email,
        "ver": "1.0",
    });
    let id_claims = json!({
        "aud": client_id,
        "iss": format!("{}/{tid}/v2.0", st.authority_url()),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": p.name,
        "oid": p.id,
        "preferred_username": p.email,
        "sub": super::util::guid_from(&format!("sub:{}:{client_id}", p.id)),
        "tid": tid,
        "ver": "2.0",
    });
    let access = mint_token(st, &claims);
    let id_token = mint_token(st, &id_claims);
    let granted_scope = if for_ado {
        format!("{ADO_RESOURCE}/user_impersonation {ADO_RESOURCE}/.default")
    } else {
        "openid profile email".to_string()
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted_scope,
        "expires_in": 3600,
        "ext_expires_in": 3600,
        "access_token": access,
        "id_token": id_token,
        "client_info": super::util::b64url_encode(json!({"uid": p.id, "utid": tid}).to_string().as_bytes()),
    });
    if scope.split_whitespace().any(|s| s == "offline_access") {
        let rt = format!(
            "1.AQsA{}",
            random_string(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                200
            )
        );
        {
            let mut map = st
                .refresh
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(
                rt.clone(),
                RefreshGrant {
                    client_id: client_id.to_string(),
                    scope: scope.to_string(),
                    tid: tid.to_string(),
                    person,
                },
            );
        }
        if let Value::Object(m) = &mut body {
            m.insert("refresh_token".into(), Value::String(rt));
            if st.cat.tenant_sign_in_scenario(tid) == Some(SignInKind::Expiring) {
                m.insert(
                    "refresh_token_expires_in".into(),
                    Value::from(EXPIRING_REFRESH_SECS),
                );
            }
        }
    }
    json_resp(200, &body, None)
}

/// The client-credentials grant of a service principal.
fn client_credentials(st: &State, tenant: &str, client_id: &str, form: &Form) -> Resp {
    let t = super::http::truncate(tenant, 100);
    let c = super::http::truncate(client_id, 100);
    if matches!(
        tenant.to_ascii_lowercase().as_str(),
        "organizations" | "common" | "consumers"
    ) {
        return aad_error(
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided credentials.",
            st,
        );
    }
    let tid = match resolve_tenant(st, tenant, "") {
        Ok(t) => t,
        Err(_) => {
            return aad_error(
                400,
                "invalid_request",
                90002,
                &format!(
                    "Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
                st,
            );
        }
    };
    let app = st
        .cat
        .app(AppKind::ServicePrincipal, client_id)
        .filter(|a| a.tenant.eq_ignore_ascii_case(&tid));
    let Some(app) = app else {
        return aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{c}' was not found in the directory '{t}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
            st,
        );
    };
    let Some(scope) = form.get("scope") else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
            st,
        );
    };
    let Some(resource) = scope.trim().strip_suffix("/.default") else {
        return aad_error(
            400,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
                super::http::truncate(scope, 200)
            ),
            st,
        );
    };
    let acr = if let Some(secret) = form.get("client_secret") {
        if app.secret.as_deref() != Some(secret) {
            return aad_error(
                401,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.client_id
                ),
                st,
            );
        }
        "1"
    } else if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type")
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return aad_error(
                400,
                "invalid_request",
                70002,
                "The client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                st,
            );
        }
        let audience = format!("{}/{tenant}/oauth2/v2.0/token", st.authority_url());
        if let Err(why) = verify_assertion(st, app, assertion, &audience) {
            return aad_error(401, "invalid_client", why.0, &why.1, st);
        }
        "2"
    } else {
        return aad_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            st,
        );
    };
    let resource = if resource.eq_ignore_ascii_case(ADO_RESOURCE) {
        ADO_RESOURCE.to_string()
    } else {
        resource.to_string()
    };
    let (access, _) = app_token(st, app, &resource, acr, 3599);
    json_resp(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access,
        }),
        None,
    )
}

/// Verifies a certificate client assertion (RFC 7523) for `app`:
/// `Err((AADSTS code, description))` when it must be refused.
fn verify_assertion(
    st: &State,
    app: &App,
    assertion: &str,
    audience: &str,
) -> Result<(), (u32, String)> {
    use super::util::b64_decode;
    let invalid = |what: &str| {
        (
            700027,
            format!("Client assertion failed signature validation. {what}"),
        )
    };
    let mut parts = assertion.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("The assertion is not a signed JWT."));
    };
    let decode = |part: &str| -> Option<Value> {
        b64_decode(part).and_then(|b| serde_json::from_slice(&b).ok())
    };
    let (Some(header), Some(claims), Some(sig)) = (decode(h), decode(p), b64_decode(sig)) else {
        return Err(invalid("The assertion could not be decoded."));
    };
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(invalid("The assertion must be signed with RS256."));
    }
    let thumbprint = header.get("x5t#S256").and_then(Value::as_str).unwrap_or("");
    let trusted = {
        let certs = st
            .certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        certs
            .iter()
            .find(|(id, der)| {
                id.eq_ignore_ascii_case(&app.client_id)
                    && sha256(der).is_some_and(|h| super::util::b64url_encode(&h) == thumbprint)
            })
            .map(|(_, der)| der.clone())
    };
    let Some(der) = trusted else {
        return Err((
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]",
                super::http::truncate(thumbprint, 64),
                app.client_id
            ),
        ));
    };
    if !rs256_valid(&der, format!("{h}.{p}").as_bytes(), &sig) {
        return Err(invalid("Client assertion contains an invalid signature."));
    }
    let text = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
    if !text("aud").eq_ignore_ascii_case(audience) {
        return Err((
            700027,
            format!(
                "Client assertion failed signature validation. The audience '{}' is not the token endpoint.",
                super::http::truncate(text("aud"), 200)
            ),
        ));
    }
    if !text("iss").eq_ignore_ascii_case(&app.client_id)
        || !text("sub").eq_ignore_ascii_case(&app.client_id)
    {
        return Err((
            700023,
            "Client assertion audience claim does not match: iss and sub must be the client id."
                .to_string(),
        ));
    }
    let now = unix_now();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now || nbf > now + 300 {
        return Err((
            700024,
            "Client assertion is not within its valid time range.".to_string(),
        ));
    }
    Ok(())
}

/// SHA-256 with the TLS stack's crypto provider.
pub(crate) fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    let suite = rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    Some(
        suite
            .tls13()?
            .common
            .hash_provider
            .hash(data)
            .as_ref()
            .to_vec(),
    )
}

/// Whether `sig` is an RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature of
/// `message` by the key of the certificate `der`.
fn rs256_valid(der: &[u8], message: &[u8], sig: &[u8]) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return false;
    };
    let key = &cert.tbs_certificate.subject_pki.subject_public_key.data;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    provider
        .signature_verification_algorithms
        .mapping
        .iter()
        .filter(|(scheme, _)| *scheme == rustls::SignatureScheme::RSA_PKCS1_SHA256)
        .flat_map(|(_, algs)| algs.iter())
        .any(|alg| alg.verify_signature(key, message, sig).is_ok())
}

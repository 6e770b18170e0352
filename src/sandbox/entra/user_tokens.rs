//! A user's tokens: what the device code grant (once approved) and the
//! refresh token grant answer — an access token for Azure DevOps (or
//! Microsoft Graph), an ID token, and a refresh token when the scope has
//! `offline_access` (expiring in 5 days in the `expiring` scenario's
//! tenant). Refresh tokens are redeemed for the tenant in the path.

use serde_json::{Value, json};

use super::oauth::{Form, aad_error, missing_parameter};
use super::tenants::{home_tenant_of, not_in_tenant, resolve_tenant, user_in_tenant};
use crate::sandbox::data::Person;
use crate::sandbox::http::{Resp, json_resp};
use crate::sandbox::scenario::SignInKind;
use crate::sandbox::state::{RefreshGrant, State};
use crate::sandbox::token::{ADO_RESOURCE, mint_token};
use crate::sandbox::util::{b64url_encode, guid_from, random_string, unix_now};

/// `refresh_token_expires_in` of the `expiring` scenario's tenant: 5 days.
pub(crate) const EXPIRING_REFRESH_SECS: u64 = 5 * 24 * 3600;

/// The refresh token grant of `…/token`: new tokens for the tenant in the
/// path (`organizations`/`common`: the refresh token's), or `AADSTS50020`
/// for a tenant the user is not in.
pub(super) fn refresh(st: &State, tenant: &str, client_id: &str, form: &Form) -> Resp {
    let Some(rt) = form.get("refresh_token") else {
        return missing_parameter(st, "refresh_token");
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
    let scope = form.get("scope").unwrap_or(&grant.scope).to_string();
    issue_tokens(st, client_id, &scope, &tid, grant.person)
}

/// The token answer for `person` (an index into the catalog's people),
/// signed in to `client_id` for `scope` in tenant `tid`.
pub(super) fn issue_tokens(
    st: &State,
    client_id: &str,
    scope: &str,
    tid: &str,
    person: usize,
) -> Resp {
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
    let access = mint_token(st, &access_claims(p, client_id, tid, for_ado, now));
    let id_token = mint_token(st, &id_claims(st, p, client_id, tid, now));
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
        "client_info": b64url_encode(json!({"uid": p.id, "utid": tid}).to_string().as_bytes()),
    });
    if scope.split_whitespace().any(|s| s == "offline_access") {
        let rt = remember_refresh_token(
            st,
            RefreshGrant {
                client_id: client_id.to_string(),
                scope: scope.to_string(),
                tid: tid.to_string(),
                person,
            },
        );
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

/// The claims of a user's access token: for Azure DevOps (`for_ado`) or
/// else Microsoft Graph, valid one hour from `now`.
fn access_claims(p: &Person, client_id: &str, tid: &str, for_ado: bool, now: i64) -> Value {
    let aud = if for_ado {
        ADO_RESOURCE
    } else {
        "00000003-0000-0000-c000-000000000000"
    };
    json!({
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
        "sub": guid_from(&format!("sub:{}:{client_id}", p.id)),
        "tid": tid,
        "unique_name": p.email,
        "upn": p.email,
        "ver": "1.0",
    })
}

/// The claims of a user's ID token for `client_id`.
fn id_claims(st: &State, p: &Person, client_id: &str, tid: &str, now: i64) -> Value {
    json!({
        "aud": client_id,
        "iss": format!("{}/{tid}/v2.0", st.authority_url()),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": p.name,
        "oid": p.id,
        "preferred_username": p.email,
        "sub": guid_from(&format!("sub:{}:{client_id}", p.id)),
        "tid": tid,
        "ver": "2.0",
    })
}

/// A new refresh token for `grant`, kept until redeemed (all of them are
/// forgotten if a client floods the sandbox with sign-ins).
fn remember_refresh_token(st: &State, grant: RefreshGrant) -> String {
    let rt = format!(
        "1.AQsA{}",
        random_string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            200
        )
    );
    let mut map = st
        .refresh
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if map.len() > 10_000 {
        map.clear();
    }
    map.insert(rt.clone(), grant);
    rt
}

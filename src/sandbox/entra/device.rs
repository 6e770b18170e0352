//! The device code flow: `POST {tenant}/oauth2/v2.0/devicecode` issues a
//! code, the device code grant of `…/token` redeems it once the sandbox has
//! "approved" it (`approve_after` after it was issued), and `/devicelogin`
//! is the page a user would enter the code on. The sign-in scenarios act
//! here: a code for a `device-declined` tenant is declined, one for a
//! `device-expired` tenant never approved, one for the `wrong-directory`
//! tenant answers `AADSTS50020` once "approved".

use std::time::{Duration, Instant};

use serde_json::json;

use super::oauth::{Form, aad_error, missing_parameter};
use super::tenants::{home_tenant, not_in_tenant, resolve_tenant};
use super::user_tokens::issue_tokens;
use crate::sandbox::http::{Resp, escape_xml, json_resp, truncate};
use crate::sandbox::scenario::SignInKind;
use crate::sandbox::state::{DeviceGrant, State};
use crate::sandbox::util::{is_guid, random_string};

/// How long a device code is valid.
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);

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

/// `/devicelogin`: what a user would enter the code on; here a page that
/// says codes are approved automatically, with the pending ones.
pub(super) fn login_page(st: &State) -> String {
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
                    escape_xml(&g.user_code)
                )
            })
            .collect()
    };
    format!(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Enter code</h1><p>This is the Azure DevOps sandbox: every device code is approved automatically {secs:.1} seconds after it was issued, as Avery Lindqvist (except in the tenants of the sign-in scenario organizations: scenario-device-declined, scenario-device-expired, scenario-wrong-directory). Nothing to do here.</p><ul>{pending}</ul></body></html>"
    )
}

/// `POST {tenant}/oauth2/v2.0/devicecode`: a new device code.
pub(super) fn issue(st: &State, tenant: &str, form: &Form) -> Resp {
    let (client_id, scope, tid) = match device_code_request(st, tenant, form) {
        Ok(r) => r,
        Err(r) => return r,
    };
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
    remember(st, device_code.clone(), grant);
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

/// The client id, scope and tenant id of a device code request, or its
/// rejection: a client id that is not a GUID, no scope, an unknown tenant,
/// a client the directory does not know.
fn device_code_request<'f>(
    st: &State,
    tenant: &str,
    form: &'f Form,
) -> Result<(&'f str, &'f str, String), Resp> {
    let Some(client_id) = form.get("client_id") else {
        return Err(missing_parameter(st, "client_id"));
    };
    if !is_guid(client_id) {
        return Err(aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant.",
                truncate(client_id, 100)
            ),
            st,
        ));
    }
    let Some(scope) = form.get("scope") else {
        return Err(missing_parameter(st, "scope"));
    };
    let tid = match resolve_tenant(st, tenant, &home_tenant(st)) {
        Ok(t) => t,
        Err(t) => {
            return Err(aad_error(
                400,
                "invalid_request",
                90002,
                &format!(
                    "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                    truncate(&t, 100)
                ),
                st,
            ));
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
        return Err(aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                truncate(client_id, 100),
                truncate(&directory, 100)
            ),
            st,
        ));
    }
    Ok((client_id, scope, tid))
}

/// Keeps a new device code (and forgets long-expired ones; all of them if
/// a client floods the sandbox with codes).
fn remember(st: &State, device_code: String, grant: DeviceGrant) {
    let mut map = st
        .devices
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.retain(|_, g| g.issued.elapsed() < DEVICE_CODE_LIFETIME * 2);
    if map.len() > 10_000 {
        map.clear();
    }
    map.insert(device_code, grant);
}

/// The device code grant of `…/token`: the tokens once the code is
/// approved, else why not (pending, too fast, expired, declined, another
/// directory).
pub(super) fn redeem(st: &State, client_id: &str, form: &Form) -> Resp {
    let Some(code) = form.get("device_code").or_else(|| form.get("code")) else {
        return missing_parameter(st, "device_code");
    };
    let (g, scenario) = match take_approved(st, code, client_id) {
        Ok(approved) => approved,
        Err(r) => return r,
    };
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

/// Polls device code `code` for `client_id`: once approved, the grant (now
/// redeemed, so removed) with the sign-in scenario of its tenant; else the
/// answer of the poll (unknown code, another client, expired, polling too
/// fast, still pending).
fn take_approved(
    st: &State,
    code: &str,
    client_id: &str,
) -> Result<(DeviceGrant, Option<SignInKind>), Resp> {
    let mut map = st
        .devices
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some(grant) = map.get_mut(code) else {
        return Err(aad_error(
            400,
            "bad_verification_code",
            70000,
            "The provided value for the input parameter 'device_code' is not valid.",
            st,
        ));
    };
    if grant.client_id != client_id {
        return Err(aad_error(
            400,
            "invalid_grant",
            70000,
            "The device code was issued to a different client.",
            st,
        ));
    }
    if grant.issued.elapsed() >= grant.lifetime {
        map.remove(code);
        return Err(aad_error(
            400,
            "expired_token",
            70019,
            "Verification code expired.",
            st,
        ));
    }
    let now = Instant::now();
    let too_fast = grant
        .last_poll
        .is_some_and(|t| now.duration_since(t) < Duration::from_millis(grant.interval * 500));
    grant.last_poll = Some(now);
    if too_fast {
        return Err(aad_error(
            400,
            "slow_down",
            70016,
            "OAuth 2.0 device flow error. The client is polling too frequently; increase the polling interval.",
            st,
        ));
    }
    let scenario = st.cat.tenant_sign_in_scenario(&grant.tid);
    if grant.issued.elapsed() < st.approve_after || scenario == Some(SignInKind::DeviceExpired) {
        return Err(aad_error(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
            st,
        ));
    }
    let g = grant.clone();
    map.remove(code);
    Ok((g, scenario))
}

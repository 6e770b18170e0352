//! The directories of the sandbox's Entra ID: which tenant an authority
//! path names, the main user's home tenant, the tenants the user is a
//! member of (all but the `wrong-directory` scenario's), and the
//! `AADSTS50020` answer for a user outside the tenant.

use super::oauth::aad_error;
use crate::sandbox::data::MSA_TENANT;
use crate::sandbox::http::{Resp, truncate};
use crate::sandbox::scenario::SignInKind;
use crate::sandbox::state::State;

/// The Microsoft-account ("consumers") tenant.
pub const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Resolves the tenant segment of the authority path.
pub(super) fn resolve_tenant(st: &State, tenant: &str, home: &str) -> Result<String, String> {
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

/// The main user's home tenant.
pub(super) fn home_tenant(st: &State) -> String {
    home_tenant_of(st, &st.cat.main().email)
}

/// The tenant of an address's domain (the first tenant when none matches).
pub(super) fn home_tenant_of(st: &State, email: &str) -> String {
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
pub(super) fn user_in_tenant(st: &State, tid: &str) -> bool {
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
pub(super) fn not_in_tenant(st: &State, upn: &str, home: &str, tid: &str, client_id: &str) -> Resp {
    let tenant = st
        .cat
        .tenant(tid)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| truncate(tid, 100));
    aad_error(
        400,
        "invalid_grant",
        50020,
        &format!(
            "User account '{upn}' from identity provider 'https://sts.windows.net/{home}/' does not exist in tenant '{tenant}' and cannot access the application '{}' in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.",
            truncate(client_id, 100)
        ),
        st,
    )
}

//! What the `auth.*` checks say about an unattended sign-in (managed
//! identity, service principal, Azure CLI): its name in a message, a token
//! from the wrong directory, its expiry, a refused token. Words only: no
//! request; used by the sign-in in `auth.rs`.

use std::time::Instant;

use super::outcome::{not_pass, pass, skip};
use super::report::{CheckOutcome, Status};

/// An unattended sign-in in short words, for "accepted (…)".
pub(super) fn unattended_source(u: &crate::auth::Unattended) -> String {
    use crate::auth::Unattended;
    match u {
        Unattended::ManagedIdentity {
            client_id: None, ..
        } => "managed identity, system-assigned".to_string(),
        Unattended::ManagedIdentity {
            client_id: Some(id),
            ..
        } => format!("managed identity {id}"),
        Unattended::ServicePrincipal(sp) => match &sp.credential {
            Some(c) => format!("service principal {}, {}", sp.client_id, c.kind()),
            None => format!("service principal {}", sp.client_id),
        },
        Unattended::AzureCli { .. } => "Azure CLI sign-in".to_string(),
    }
}

/// What `auth.directory` says when an unattended token is from another
/// tenant than the organization's: the message and the fixes.
pub(super) fn unattended_wrong_directory(
    u: &crate::auth::Unattended,
    tid: &str,
    org: &str,
) -> (String, Vec<String>) {
    use crate::auth::Unattended;
    match u {
        Unattended::ManagedIdentity { .. } => (
            format!(
                "the managed identity's token is from tenant {tid}; the organization is in tenant {org}"
            ),
            vec![
                "A managed identity belongs to the directory of its Azure subscription: connect the organization to that directory (Organization Settings › Microsoft Entra), or use a service principal of the organization's directory (--auth service-principal)".into(),
            ],
        ),
        Unattended::ServicePrincipal(sp) => (
            format!(
                "the service principal's token is from tenant {tid}; the organization is in tenant {org}"
            ),
            vec![
                format!(
                    "Ask for the token in the organization's directory: --tenant {org} (a multi-tenant app must be consented there first), then ado-setup edit NAME"
                ),
                format!(
                    "Or register the app in that directory and use its client id instead of {}",
                    sp.client_id
                ),
            ],
        ),
        Unattended::AzureCli { .. } => (
            format!(
                "the Azure CLI's token is from tenant {tid}; the organization is in tenant {org}"
            ),
            vec![format!(
                "Run `az login --tenant {org}` with an account of the organization's directory, then run doctor again"
            )],
        ),
    }
}

/// What `auth.expiry` says for an unattended sign-in.
pub(super) fn unattended_expiry(u: &crate::auth::Unattended, started: Instant) -> CheckOutcome {
    use crate::auth::{ClientCredential, Unattended};
    const DAY: i64 = 24 * 3600;
    match u {
        Unattended::ManagedIdentity { .. } => pass(
            "auth.expiry",
            "nothing to expire: the managed identity's tokens come from the metadata endpoint on every run",
            started,
        ),
        Unattended::AzureCli { .. } => pass(
            "auth.expiry",
            "the Azure CLI renews its own sign-in; doctor says when it has expired and what to run",
            started,
        ),
        Unattended::ServicePrincipal(sp) => match &sp.credential {
            Some(ClientCredential::Certificate(pem)) => {
                let now = i64::try_from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0),
                )
                .unwrap_or(0);
                match crate::auth::unattended::certificate_not_after(pem) {
                    Some(end) if end - now < 14 * DAY => CheckOutcome {
                        fix: vec![format!(
                            "Upload a new certificate to the app (Entra admin center › App registrations › {} › Certificates & secrets) and store it: ado-setup edit NAME",
                            sp.client_id
                        )],
                        ..not_pass(
                            "auth.expiry",
                            Status::Warn,
                            "CREDENTIAL_EXPIRING",
                            format!(
                                "the service principal's certificate expires in {} day(s)",
                                (end - now).max(0).div_euclid(DAY) + 1
                            ),
                            &[],
                            started,
                        )
                    },
                    Some(end) => pass(
                        "auth.expiry",
                        format!(
                            "the service principal's certificate is valid for {} more days",
                            (end - now) / DAY
                        ),
                        started,
                    ),
                    None => pass(
                        "auth.expiry",
                        "the certificate's expiry could not be read",
                        started,
                    ),
                }
            }
            _ => skip(
                "auth.expiry",
                format!(
                    "a client secret's expiry cannot be read with the secret itself: see Entra admin center › App registrations › {} › Certificates & secrets",
                    sp.client_id
                ),
            ),
        },
    }
}

/// What `auth.credentials` says when Azure DevOps refuses an unattended
/// sign-in's token: the message and the fixes. `recognised`: Azure DevOps
/// knows the identity (`TF400813 … is not authorized`), which is not a
/// member of the organization.
pub(super) fn unattended_not_accepted(
    u: Option<&crate::auth::Unattended>,
    token: &crate::auth::AppToken,
    recognised: bool,
    said: &str,
) -> (String, Vec<String>) {
    use crate::auth::Unattended;
    let said = said.to_string();
    match (u, recognised) {
        (Some(Unattended::ServicePrincipal(sp)), true) => (
            format!(
                "the service principal {} is not a member of this organization: {said}",
                sp.client_id
            ),
            vec![
                format!(
                    "Add the service principal to the organization: Organization Settings › Users › Add users, search for the app's name or client id {}, access level Basic",
                    sp.client_id
                ),
                "Then add it to the project (Project Settings › Permissions › Contributors, or Project Administrators for the permission checks) and run doctor again".into(),
            ],
        ),
        (Some(Unattended::ManagedIdentity { client_id, .. }), true) => (
            format!(
                "the managed identity ({}) has no access to this organization: {said}",
                client_id.as_deref().unwrap_or("system-assigned")
            ),
            vec![
                format!(
                    "Add the managed identity to the organization: Organization Settings › Users › Add users, search for {}, access level Basic",
                    match client_id {
                        Some(id) => format!("the identity's name or client id {id}"),
                        None => "the VM's name (a system-assigned identity is named after its VM)".to_string(),
                    }
                ),
                "Then add it to the project (Project Settings › Permissions › Contributors, or Project Administrators for the permission checks) and run doctor again".into(),
            ],
        ),
        (Some(Unattended::AzureCli { .. }), true) => (
            format!(
                "the Azure CLI's account ({}) is not a member of this organization: {said}",
                token.claims.sign_in_name().unwrap_or("unknown")
            ),
            vec![
                "Add the account under Organization Settings › Users, or run `az login` with an account that is a member, then run doctor again".into(),
            ],
        ),
        (Some(u), false) => (
            said,
            vec![format!(
                "Azure DevOps refused the token of {}: check that the organization accepts Microsoft Entra tokens and that the identity is a member (Organization Settings › Users)",
                u.describe()
            )],
        ),
        (None, _) => (said, Vec::new()),
    }
}

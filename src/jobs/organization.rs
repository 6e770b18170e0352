//! Organization jobs: the organizations a Microsoft sign-in can reach
//! (from the profile service), and one organization checked with it.

use url::Url;

use super::sign_in::whoami_entra;
use crate::ado::client::AdoClient;
use crate::ado::http::{Credential, HttpClient};
use crate::ado::version::ApiVersion;
use crate::wizard::{EntraApp, EntraSession, JobResult, OrgItem, Problem};

/// The user's organizations (those of the token's directory).
pub(super) async fn load_organizations(
    http: &HttpClient,
    profile_base: Url,
    entra: &EntraSession,
) -> Result<JobResult, Problem> {
    let c = AdoClient::new(
        http.clone(),
        profile_base,
        Credential::Bearer(entra.access.clone()),
        ApiVersion::SERVICES,
    )
    .map_err(|e| Problem::from(&e))?;
    let me = c.profile_me().await.map_err(|e| Problem::from(&e))?;
    let mut orgs: Vec<OrgItem> = c
        .accounts(&me.id)
        .await
        .map_err(|e| Problem::from(&e))?
        .into_iter()
        .filter(|a| {
            a.account_status
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case("enabled"))
        })
        .map(|a| OrgItem {
            name: a.account_name,
        })
        .collect();
    orgs.sort_by_key(|o| o.name.to_lowercase());
    orgs.dedup();
    Ok(JobResult::Organizations(orgs))
}

/// The organization chosen from the list: its tenant (an unauthenticated
/// HEAD), a token for that tenant, and who am I there.
pub(super) async fn check_organization(
    http: &HttpClient,
    app: &EntraApp,
    organization: String,
    base_url: Url,
    entra: EntraSession,
) -> Result<JobResult, Problem> {
    let authority = crate::auth::discover_authority(http, &base_url, None).await?;
    let tenant = match &authority {
        crate::auth::Authority::Tenant(t) => Some(t.clone()),
        crate::auth::Authority::MicrosoftAccount => Some(crate::auth::MSA_TENANT.to_string()),
        crate::auth::Authority::Unknown => None,
    };
    let tokens = crate::auth::Tokens {
        access: entra.access.clone(),
        refresh: Some(entra.refresh.clone()),
        claims: crate::ado::models::JwtClaims {
            tid: entra.tenant.clone(),
            ..Default::default()
        },
        refresh_expires_in: None,
    };
    let tokens = crate::auth::token_for_tenant(http, app, tokens, tenant.as_deref())
        .await
        .map_err(|e| e.problem)?;
    let (user, entra) = whoami_entra(http, &base_url, &tokens).await?;
    Ok(JobResult::OrganizationOk(Box::new(
        crate::wizard::OrganizationOk {
            organization,
            base_url,
            tenant,
            user,
            entra,
        },
    )))
}

//! Credentials of the organization APIs: PATs (HTTP Basic) and Entra ID
//! access tokens (Bearer) decoded into a [`Caller`], with the error
//! scenarios attached; and the rejections Azure DevOps answers (401 with the
//! tenant discovery challenges, the 203 sign-in page, the 429 of throttling).
//!
//! Contract (mirrors Azure DevOps Services):
//! - No `Authorization` → the request is anonymous; organization handlers
//!   answer 401 with `WWW-Authenticate: Bearer authorization_uri=…/{tenant},
//!   Basic realm=…, TFS-Federated`, `X-VSS-ResourceTenant` and a JSON
//!   `TF400813` body. The Server collection answers `Negotiate`, `NTLM`,
//!   `Basic` instead.
//! - `Basic base64(user:PAT)`, any user name: the full-access PAT, or a
//!   scenario PAT (see [`super::scenario::SCENARIOS`]). Any other secret → **203** with the
//!   HTML sign-in page (Services) or 401 (Server).
//! - Scenario organizations (`"scenario"` in `organizations.json`): the
//!   full-access PAT and valid Bearer tokens get exactly what that
//!   scenario's PAT gets (one code path, `scenario_caller`); scenario PATs
//!   keep their own scenario there.
//! - `Bearer` JWT issued by the sandbox's Entra endpoints: accepted by
//!   Services organizations while unexpired, when its audience is Azure
//!   DevOps and its `tid` is the organization's tenant (any tenant for the
//!   Microsoft-account organization). A wrong tenant → 401 `TF400813: The
//!   user … is not authorized`. The Server collection refuses Bearer tokens.
//! - App tokens (managed identities from `/_imds`, service principals from
//!   the client-credentials grant) carry no `upn` or `name`; their `oid` is
//!   the application identity's object id. They are accepted like user
//!   tokens, but only by organizations the identity was added to (a member
//!   of a team of one of its projects); elsewhere → 401 `TF400813: The
//!   user '{oid}' is not authorized to access this resource.`, as Azure
//!   DevOps answers for a service principal that is not in the organization.
//! - Sign-in scenario organizations (`scenario-device-declined`, … see
//!   [`super::scenario::SIGN_IN_SCENARIOS`]) act on the Entra ID side only;
//!   their credentials work as on any organization, except on
//!   `scenario-wrong-directory`, whose members are all of another directory:
//!   every PAT of a non-member (the full-access PAT and the scenario PATs,
//!   `expired` aside, which stays a 203) and every Bearer token of a
//!   non-member → 401 `TF400813: The user … is not authorized`.
//! - Malformed `Authorization` headers → 401, never a panic.

use hyper::header::HeaderMap;
use serde_json::Value;

use super::data::{MSA_TENANT, Org};
use super::http::{Resp, add_header, ado_error, html};
use super::scenario::{SCENARIOS, ScenarioKind, SignInKind};
use super::state::State;
use super::token::verify_token;
use super::util::{b64_decode, unix_now};

/// The full-access PAT.
pub const FULL_PAT: &str = "sbxfull3rgyqnbcheehjqictnse4n7evboh3i2z7vmsrfeqd67cp";

/// Who is calling.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Anonymous,
    Pat {
        person: usize,
        scenario: Option<ScenarioKind>,
    },
    Bearer {
        person: usize,
        scenario: Option<ScenarioKind>,
    },
}

impl Caller {
    /// The person (index into the catalog), `None` when anonymous.
    pub fn person(&self) -> Option<usize> {
        match self {
            Caller::Anonymous => None,
            Caller::Pat { person, .. } | Caller::Bearer { person, .. } => Some(*person),
        }
    }

    /// The scenario in effect (a scenario PAT, or a scenario organization).
    pub fn scenario(&self) -> Option<ScenarioKind> {
        match self {
            Caller::Anonymous => None,
            Caller::Pat { scenario, .. } | Caller::Bearer { scenario, .. } => *scenario,
        }
    }

    /// False for anonymous callers and the `read-only` scenario.
    pub fn can_write(&self) -> bool {
        !matches!(self, Caller::Anonymous) && self.scenario() != Some(ScenarioKind::ReadOnly)
    }

    /// True for anonymous callers and the `no-permissions` scenario.
    pub fn no_permissions(&self) -> bool {
        matches!(self, Caller::Anonymous) || self.scenario() == Some(ScenarioKind::NoPermissions)
    }

    /// True for the `throttled` scenario.
    pub fn is_throttled(&self) -> bool {
        self.scenario() == Some(ScenarioKind::Throttled)
    }
}

fn host_of(st: &State) -> String {
    st.base
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_string()
}

/// The 401 for anonymous requests, with the headers used for tenant
/// discovery.
pub(crate) fn anonymous_401(st: &State, org: &Org) -> Resp {
    let mut r = ado_error(
        401,
        "TF400813: Resource not available for anonymous access. Client authentication required.",
        "UnauthorizedRequestException",
    );
    add_challenges(st, org, &mut r, None);
    r
}

fn add_challenges(st: &State, org: &Org, r: &mut Resp, error: Option<&str>) {
    let host = host_of(st);
    match &org.tenant {
        Some(tenant) => {
            let mut bearer = format!("Bearer authorization_uri={}/{tenant}", st.authority_url());
            if let Some(e) = error {
                bearer.push_str(&format!(
                    ", error=\"invalid_token\", error_description=\"{e}\""
                ));
            }
            add_header(r, "WWW-Authenticate", &bearer);
            add_header(
                r,
                "WWW-Authenticate",
                &format!("Basic realm=\"https://{host}/\""),
            );
            add_header(r, "WWW-Authenticate", "TFS-Federated");
            add_header(r, "X-TFS-FedAuthRealm", &format!("https://{host}/"));
            add_header(
                r,
                "X-TFS-FedAuthIssuer",
                &format!("{}/{}/", st.base, org.name),
            );
            add_header(
                r,
                "X-VSS-AuthorizationEndpoint",
                &format!("{}/{}/", st.vssps_url(), org.name),
            );
        }
        None => {
            add_header(r, "WWW-Authenticate", "Bearer");
            add_header(r, "WWW-Authenticate", &format!("Basic realm=\"{host}\""));
            add_header(r, "WWW-Authenticate", "Negotiate");
            add_header(r, "WWW-Authenticate", "NTLM");
        }
    }
}

/// The 203 sign-in page Azure DevOps answers for rejected credentials.
pub(crate) fn signin_203(st: &State, org: &Org) -> Resp {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"utf-8\">\n<title>Azure DevOps Services | Sign In</title>\n</head>\n<body>\n<div class=\"signin-page\">\n<h1>Sign in to Azure DevOps</h1>\n<p>You need to sign in to access the organization <b>{}</b>.</p>\n<p><a href=\"{}/_signin?realm=dev.azure.com&amp;reply_to={}\">Sign in</a></p>\n</div>\n</body>\n</html>\n",
        super::http::escape_xml(&org.name),
        super::http::escape_xml(&st.vssps_url()),
        super::http::escape_xml(&st.org_url(org))
    );
    let mut r = html(203, page);
    add_header(
        &mut r,
        "X-TFS-FedAuthRealm",
        &format!("https://{}/", host_of(st)),
    );
    add_header(
        &mut r,
        "X-TFS-FedAuthRedirect",
        &format!("{}/_signin", st.vssps_url()),
    );
    r
}

/// `429` with the headers Azure DevOps sends when it throttles.
pub(crate) fn throttled_429() -> Resp {
    let mut r = ado_error(
        429,
        "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'ATCPU' in namespace 'User'. For more information on why your request was blocked, see the topic \"Rate limits\" on the Microsoft Web site (https://go.microsoft.com/fwlink/?LinkId=823950).",
        "RequestBlockedException",
    );
    add_header(&mut r, "Retry-After", "1");
    add_header(&mut r, "X-RateLimit-Resource", "ATCPU");
    add_header(&mut r, "X-RateLimit-Delay", "1.000");
    add_header(&mut r, "X-RateLimit-Limit", "200");
    add_header(&mut r, "X-RateLimit-Remaining", "0");
    add_header(&mut r, "X-RateLimit-Reset", &(unix_now() + 1).to_string());
    r
}

/// Decodes the `Authorization` header into a [`Caller`], or the rejection.
pub(crate) fn authenticate(st: &State, org: &Org, headers: &HeaderMap) -> Result<Caller, Resp> {
    let Some(value) = headers.get(hyper::header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let Ok(value) = value.to_str() else {
        return Err(anonymous_401(st, org));
    };
    let value = value.trim();
    let (scheme, param) = value.split_once(' ').unwrap_or((value, ""));
    let param = param.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        pat_caller(st, org, param)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        bearer_caller(st, org, param)
    } else {
        Err(anonymous_401(st, org))
    }
}

/// The caller of a `Basic` credential (`param`: base64 of `user:PAT`): the
/// full-access PAT, a scenario PAT, or the rejection of any other secret.
fn pat_caller(st: &State, org: &Org, param: &str) -> Result<Caller, Resp> {
    let secret = b64_decode(param)
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(_, p)| p.to_string()));
    let Some(secret) = secret else {
        return Err(anonymous_401(st, org));
    };
    let known = secret == FULL_PAT || SCENARIOS.iter().any(|(_, p, ..)| *p == secret);
    let expired = SCENARIOS
        .iter()
        .any(|(_, p, k, _)| *p == secret && *k == ScenarioKind::Expired);
    if known && !expired && !admits(st, org, st.cat.main_user) {
        return Err(not_authorized(st, org, &st.cat.main().id));
    }
    if secret == FULL_PAT {
        return match org.error_scenario() {
            Some(kind) => scenario_caller(st, org, kind, st.cat.main_user, false),
            None => Ok(Caller::Pat {
                person: st.cat.main_user,
                scenario: None,
            }),
        };
    }
    let Some((_, _, kind, _)) = SCENARIOS.iter().find(|(_, p, _, _)| *p == secret) else {
        return Err(bad_secret(st, org));
    };
    scenario_caller(st, org, *kind, st.cat.main_user, false)
}

/// The caller of a `Bearer` credential (`param`: an access token of the
/// sandbox's Entra ID), or its rejection.
fn bearer_caller(st: &State, org: &Org, param: &str) -> Result<Caller, Resp> {
    if org.server {
        let mut r = ado_error(
            401,
            "TF400813: Resource not available for anonymous access. Client authentication required.",
            "UnauthorizedRequestException",
        );
        add_challenges(st, org, &mut r, None);
        return Err(r);
    }
    let claims = match verify_token(st, param) {
        Ok(c) => c,
        Err(why) => {
            let mut r = ado_error(
                401,
                "TF400813: Resource not available for anonymous access. Client authentication required.",
                "UnauthorizedRequestException",
            );
            add_challenges(st, org, &mut r, Some(why));
            return Err(r);
        }
    };
    let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    let oid = claims.get("oid").and_then(Value::as_str).unwrap_or("");
    let Some(person) = st.cat.people.iter().position(|p| p.id == oid) else {
        return Err(anonymous_401(st, org));
    };
    let org_tenant = org.tenant.as_deref().unwrap_or("");
    if (org_tenant != MSA_TENANT && !tid.eq_ignore_ascii_case(org_tenant))
        || !admits(st, org, person)
    {
        return Err(not_authorized(st, org, oid));
    }
    match org.error_scenario() {
        Some(kind) => scenario_caller(st, org, kind, person, true),
        None => Ok(Caller::Bearer {
            person,
            scenario: None,
        }),
    }
}

/// Whether `person` may use the organization at all: an application
/// identity (managed identity, service principal) only where it was added
/// (a member of a team of one of its projects); people everywhere, except
/// in the `wrong-directory` scenario organization (a member of one of its
/// teams): its members are all of another directory.
fn admits(st: &State, org: &Org, person: usize) -> bool {
    let member = || org.projects.iter().any(|p| p.members().contains(&person));
    if st.cat.app_of(person).is_some() {
        return member();
    }
    org.sign_in_scenario() != Some(SignInKind::WrongDirectory) || member()
}

/// 401 `TF400813: The user '{id}' is not authorized …` with the tenant
/// discovery challenges: a credential of someone who is not a member (or a
/// token of another tenant).
fn not_authorized(st: &State, org: &Org, id: &str) -> Resp {
    let mut r = ado_error(
        401,
        &format!(
            "TF400813: The user '{}' is not authorized to access this resource.",
            super::http::truncate(id, 64)
        ),
        "UnauthorizedRequestException",
    );
    add_challenges(st, org, &mut r, None);
    r
}

/// What a scenario makes of an accepted credential: the rejection Azure
/// DevOps answers in that failure, or the caller with the scenario attached.
/// Used for scenario PATs and for every accepted credential on a scenario
/// organization (`bearer`: the credential was an Entra ID access token).
/// `person` is the credential's identity; the `no-permissions` scenario
/// answers as the reader user instead.
fn scenario_caller(
    st: &State,
    org: &Org,
    kind: ScenarioKind,
    person: usize,
    bearer: bool,
) -> Result<Caller, Resp> {
    let person = if kind == ScenarioKind::NoPermissions {
        st.cat.reader_user
    } else {
        person
    };
    match kind {
        ScenarioKind::Expired => Err(bad_secret(st, org)),
        ScenarioKind::NotMaterialized if !org.server => Err(ado_error(
            401,
            &format!(
                "Identity {} has not been materialized, please use interactive login over the browser first.",
                super::data::UNMATERIALIZED_ID
            ),
            "AadUserStateException",
        )),
        ScenarioKind::ConditionalAccess if !org.server => Err(ado_error(
            403,
            "VS403463: The conditional access policy defined by your Azure Active Directory administrator has failed.",
            "VssServiceException",
        )),
        ScenarioKind::NotMaterialized | ScenarioKind::ConditionalAccess => Err(bad_secret(st, org)),
        k if bearer => Ok(Caller::Bearer {
            person,
            scenario: Some(k),
        }),
        k => Ok(Caller::Pat {
            person,
            scenario: Some(k),
        }),
    }
}

fn bad_secret(st: &State, org: &Org) -> Resp {
    if org.server {
        let mut r = ado_error(
            401,
            "TF400813: The user '' is not authorized to access this resource.",
            "UnauthorizedRequestException",
        );
        add_challenges(st, org, &mut r, None);
        r
    } else {
        signin_203(st, org)
    }
}

#[allow(clippy::expect_used, clippy::unwrap_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_pats_are_distinct_and_well_formed() {
        let mut all: Vec<&str> = SCENARIOS.iter().map(|s| s.1).collect();
        all.push(FULL_PAT);
        for p in &all {
            assert_eq!(p.len(), 52);
            assert!(
                p.bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
            );
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}

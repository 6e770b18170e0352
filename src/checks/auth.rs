//! `auth.credentials`, `auth.identity`, `auth.directory`, `auth.policy` and
//! `auth.expiry` (SPEC §3, §4): the credential (a PAT, a Microsoft sign-in's
//! refresh token, or an unattended sign-in's token), then who-am-I with it.
//! One sign-in decides all five; it returns them with the signed-in client,
//! for the runner to report and use.

use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::auth_unattended::{
    unattended_expiry, unattended_not_accepted, unattended_source, unattended_wrong_directory,
};
use super::outcome::{fail_with, from_error, not_pass, pass, skip};
use super::report::{CheckOutcome, Status};
use super::subject::{Context, Subject};
use crate::ado::client::AdoClient;
use crate::ado::error::{AdoError, AuthFailure};
use crate::ado::http::Credential;
use crate::ado::negotiate::who_am_i;
use crate::store::config::ConnectionUser;

/// The credential of a run: the PAT, or an Entra access token obtained with
/// the saved refresh token for the organization's tenant.
enum Signed {
    Pat(SecretString),
    Entra {
        tokens: Box<crate::auth::Tokens>,
        /// The organization's directory would not issue a token for this
        /// account: the token is from the home tenant.
        wrong_directory: Option<String>,
    },
    /// An unattended sign-in's token (managed identity, service
    /// principal, Azure CLI: `subject.unattended`).
    App(Box<crate::auth::AppToken>),
}

/// What the sign-in found: the `auth.*` outcomes it decided, the client
/// when who-am-I passed, and what the run keeps of it.
#[derive(Default)]
pub(super) struct SignIn {
    pub outcomes: Vec<CheckOutcome>,
    /// A client for the organization, signed in: set when `auth.credentials`,
    /// `auth.identity` and `auth.policy` passed.
    pub client: Option<AdoClient>,
    /// A refresh token Entra ID renewed (Microsoft sign-in), to be saved.
    pub renewed_secret: Option<SecretString>,
    /// The api-version who-am-I negotiated.
    pub api_version: Option<String>,
    pub user: Option<ConnectionUser>,
}

impl SignIn {
    fn set(&mut self, o: CheckOutcome) {
        self.outcomes.push(o);
    }
}

/// `auth.*`: the credential (PAT, Microsoft sign-in or unattended), then
/// who-am-I with it (and a Server's api-version negotiated with it).
/// `org_tenant`: the organization's tenant, as its probe named it.
pub(super) async fn sign_in(
    subject: &Subject,
    ctx: &Context,
    base: Url,
    org_tenant: Option<&str>,
) -> SignIn {
    let mut s = SignIn::default();
    s.client = signed_client(&mut s, subject, ctx, base, org_tenant).await;
    s
}

async fn signed_client(
    s: &mut SignIn,
    subject: &Subject,
    ctx: &Context,
    base: Url,
    org_tenant: Option<&str>,
) -> Option<AdoClient> {
    let started = Instant::now();
    let signed = credential(s, subject, ctx, org_tenant, started).await?;
    // What auth.directory and auth.expiry say (PAT: not applicable).
    let pat_only = "applies to Microsoft sign-in (device code) only; this connection uses a PAT";
    let (cred, directory, expiry) = match &signed {
        Signed::Pat(pat) => (
            Credential::Pat(pat.clone()),
            skip("auth.directory", pat_only),
            skip(
                "auth.expiry",
                "a PAT's expiry cannot be read with the PAT itself: see User settings › Personal access tokens",
            ),
        ),
        Signed::Entra {
            tokens,
            wrong_directory,
        } => {
            s.renewed_secret = tokens.refresh.clone();
            let (directory, expiry) =
                entra_verdicts(s, tokens, wrong_directory.as_deref(), org_tenant, started)?;
            (tokens.credential(), directory, expiry)
        }
        Signed::App(token) => {
            let Some(u) = &subject.unattended else {
                return None;
            };
            let directory = app_directory(s, u, token, org_tenant, started)?;
            (token.credential(), directory, unattended_expiry(u, started))
        }
    };
    let source = match (&signed, &subject.unattended) {
        (Signed::Pat(_), _) => subject.pat_source.clone(),
        (Signed::Entra { .. }, _) => "Microsoft sign-in".to_string(),
        (Signed::App(_), Some(u)) => unattended_source(u),
        (Signed::App(_), None) => "an unattended sign-in".to_string(),
    };
    let said = Said {
        source,
        directory,
        expiry,
        started,
    };
    who_am_i_check(s, subject, ctx, &base, &cred, &signed, said).await
}

/// The credential to sign in with; `None` (with `auth.credentials` set)
/// when there is none or it could not be obtained.
async fn credential(
    s: &mut SignIn,
    subject: &Subject,
    ctx: &Context,
    org_tenant: Option<&str>,
    started: Instant,
) -> Option<Signed> {
    let unattended = subject
        .unattended
        .as_ref()
        .filter(|_| subject.entra.is_none());
    let signed = match (&subject.entra, subject.pat.clone()) {
        (Some(e), _) => entra_tokens(s, e, ctx, org_tenant, started).await?,
        (None, _) if unattended.is_some() => {
            let u = unattended?;
            match crate::auth::unattended::acquire(&ctx.http, u, org_tenant).await {
                Ok(t) => Signed::App(Box::new(t)),
                Err(p) => {
                    s.set(fail_with(
                        "auth.credentials",
                        &p.code,
                        p.message,
                        p.fix,
                        started,
                    ));
                    return None;
                }
            }
        }
        (None, Some(pat)) if !pat.expose_secret().trim().is_empty() => Signed::Pat(pat),
        (None, Some(_)) => {
            s.set(not_pass(
                "auth.credentials",
                Status::Fail,
                "PROVIDER_AUTH_REQUIRED",
                format!("the secret from {} is empty", subject.pat_source),
                &["Set AZURE_DEVOPS_EXT_PAT to the token"],
                started,
            ));
            return None;
        }
        (None, None) if let Some(e) = &subject.secret_unreadable => {
            s.set(fail_with(
                "auth.credentials",
                e.code(),
                format!("the saved secret cannot be read, so nothing was signed in: {e}"),
                e.fix(),
                started,
            ));
            return None;
        }
        (None, None) => {
            s.set(not_pass(
                "auth.credentials",
                Status::Fail,
                "PROVIDER_AUTH_REQUIRED",
                format!("no secret found ({})", subject.pat_source),
                &["Set AZURE_DEVOPS_EXT_PAT or pass --pat-stdin, or run `ado-setup edit NAME` to store one"],
                started,
            ));
            return None;
        }
    };
    Some(signed)
}

/// An access token for the organization's tenant from the refresh token;
/// a token of another tenant is re-acquired for the organization's before a
/// wrong directory is reported.
async fn entra_tokens(
    s: &mut SignIn,
    e: &super::subject::EntraSign,
    ctx: &Context,
    org_tenant: Option<&str>,
    started: Instant,
) -> Option<Signed> {
    use crate::auth::{Authority, refresh};
    let org = Authority::from_tenant(org_tenant.or(e.tenant.as_deref()));
    let fail = |s: &mut SignIn, p: &crate::problem::Problem| {
        let mut o = not_pass(
            "auth.credentials",
            Status::Fail,
            "PROVIDER_AUTH_REQUIRED",
            p.message.clone(),
            &[],
            started,
        );
        o.code = Some(p.code.clone());
        o.fix = vec![p.fix.clone()];
        s.set(o);
    };
    let first = refresh(&ctx.http, &e.app, org.segment(), &e.refresh_token).await;
    let (tokens, mut wrong) = match first {
        Ok(t) => (t, None),
        Err(err) if err.is_wrong_directory() => {
            // Not a member there: what does the account's own directory say?
            match refresh(
                &ctx.http,
                &e.app,
                crate::auth::ANY_ORGANIZATION,
                &e.refresh_token,
            )
            .await
            {
                Ok(home) => (home, Some(err.problem.message)),
                Err(err) => {
                    fail(s, &err.problem);
                    return None;
                }
            }
        }
        Err(err) => {
            fail(s, &err.problem);
            return None;
        }
    };
    let mut tokens = tokens;
    if wrong.is_none()
        && let Some(want) = org.tenant_id()
        && tokens
            .tenant()
            .is_some_and(|tid| !tid.eq_ignore_ascii_case(want))
    {
        match refresh(&ctx.http, &e.app, want, &e.refresh_token).await {
            Ok(t) => tokens = t,
            Err(err) if err.is_wrong_directory() => wrong = Some(err.problem.message),
            Err(err) => {
                fail(s, &err.problem);
                return None;
            }
        }
    }
    Some(Signed::Entra {
        tokens: Box::new(tokens),
        wrong_directory: wrong,
    })
}

/// `auth.directory` and `auth.expiry` for a Microsoft sign-in; `None` (with
/// the wrong directory reported and what needs it skipped) when the token
/// is not from the organization's directory.
fn entra_verdicts(
    s: &mut SignIn,
    tokens: &crate::auth::Tokens,
    wrong_directory: Option<&str>,
    org_tenant: Option<&str>,
    started: Instant,
) -> Option<(CheckOutcome, CheckOutcome)> {
    let tid = tokens.tenant().unwrap_or("unknown").to_string();
    let who = tokens.account().unwrap_or("this account").to_string();
    if let Some(why) = wrong_directory {
        let org = org_tenant.unwrap_or("the organization's tenant");
        s.set(pass(
            "auth.credentials",
            format!("Microsoft Entra ID signed in {who} (tenant {tid})"),
            started,
        ));
        s.set(not_pass(
            "auth.directory",
            Status::Fail,
            "AUTH_WRONG_DIRECTORY",
            format!(
                "the token is from tenant {tid}; the organization is in tenant {org}, which has no account {who} ({why})"
            ),
            &[
                "Sign in with an account of the organization's directory: ado-setup edit NAME (https://aex.dev.azure.com/me lists your directories)",
                "Or ask an admin of that directory to add the account as a guest and to the organization (Organization Settings › Users)",
            ],
            started,
        ));
        skip_after_wrong_directory(s);
        return None;
    }
    let directory = pass(
        "auth.directory",
        match org_tenant {
            Some(t) if t == crate::auth::MSA_TENANT => {
                format!("tenant {tid}; a Microsoft-account organization")
            }
            _ => format!("tenant {tid}, the organization's directory"),
        },
        started,
    );
    Some((directory, entra_expiry(tokens, started)))
}

/// `auth.expiry` for a Microsoft sign-in: how long the refresh token lasts.
fn entra_expiry(tokens: &crate::auth::Tokens, started: Instant) -> CheckOutcome {
    const FORTNIGHT: u64 = 14 * 24 * 3600;
    match tokens.refresh_expires_in {
        Some(secs) if secs < FORTNIGHT => not_pass(
            "auth.expiry",
            Status::Warn,
            "CREDENTIAL_EXPIRING",
            format!(
                "the saved sign-in expires in {} day(s)",
                secs.div_ceil(24 * 3600)
            ),
            &["Sign in again before then: ado-setup edit NAME"],
            started,
        ),
        Some(secs) => pass(
            "auth.expiry",
            format!(
                "the saved sign-in is valid for {} more days",
                secs / (24 * 3600)
            ),
            started,
        ),
        None => pass(
            "auth.expiry",
            "access tokens are renewed silently; the sign-in lasts while it is used at least every 90 days",
            started,
        ),
    }
}

/// `auth.directory` for an unattended sign-in; `None` (with the wrong
/// directory reported and what needs it skipped) when the token is from
/// another tenant than the organization's.
fn app_directory(
    s: &mut SignIn,
    u: &crate::auth::Unattended,
    token: &crate::auth::AppToken,
    org_tenant: Option<&str>,
    started: Instant,
) -> Option<CheckOutcome> {
    let tid = token.tenant().unwrap_or("unknown").to_string();
    let org = crate::auth::Authority::from_tenant(org_tenant);
    if let (Some(want), Some(got)) = (org.tenant_id(), token.tenant())
        && !got.eq_ignore_ascii_case(want)
    {
        let (message, fixes) = unattended_wrong_directory(u, &tid, want);
        s.set(pass(
            "auth.credentials",
            format!("{} got a token (tenant {tid})", unattended_source(u)),
            started,
        ));
        s.set(CheckOutcome {
            fix: fixes,
            ..not_pass(
                "auth.directory",
                Status::Fail,
                "AUTH_WRONG_DIRECTORY",
                message,
                &[],
                started,
            )
        });
        skip_after_wrong_directory(s);
        return None;
    }
    Some(pass(
        "auth.directory",
        match org_tenant {
            Some(t) if t == crate::auth::MSA_TENANT => {
                format!("tenant {tid}; a Microsoft-account organization")
            }
            Some(_) => format!("tenant {tid}, the organization's directory"),
            None => format!("tenant {tid} (the organization named no tenant)"),
        },
        started,
    ))
}

/// The checks a wrong directory leaves without a token to ask with.
fn skip_after_wrong_directory(s: &mut SignIn) {
    for id in ["auth.identity", "auth.policy", "auth.expiry"] {
        s.set(skip(id, "needs auth.directory, which failed"));
    }
}

/// What the credential already decided, for who-am-I to report with its own.
struct Said {
    /// Where the credential came from, in words.
    source: String,
    directory: CheckOutcome,
    expiry: CheckOutcome,
    started: Instant,
}

/// Who am I, with the api-version negotiated at the same time (Server):
/// `auth.credentials`, `auth.identity`, `auth.policy` from its answer.
async fn who_am_i_check(
    s: &mut SignIn,
    subject: &Subject,
    ctx: &Context,
    base: &Url,
    cred: &Credential,
    signed: &Signed,
    said: Said,
) -> Option<AdoClient> {
    let Said {
        source,
        directory,
        expiry,
        started,
    } = said;
    let web = base.as_str().trim_end_matches('/').to_string();
    match who_am_i(&ctx.http, subject.deployment, base, cred).await {
        Ok((client, me)) if !me.authenticated_user.is_anonymous() => {
            let version = client.version();
            s.api_version = Some(version.to_string());
            s.user = Some(ConnectionUser {
                display_name: me.authenticated_user.display_name().to_string(),
                sign_in: me.authenticated_user.account().map(str::to_string),
            });
            s.set(pass(
                "auth.credentials",
                format!(
                    "accepted ({source}): signed in as {}, api-version {version}",
                    me.authenticated_user.display_name()
                ),
                started,
            ));
            s.set(pass("auth.identity", "materialized", started));
            s.set(pass(
                "auth.policy",
                "no policy blocked the sign-in",
                started,
            ));
            s.set(directory);
            s.set(expiry);
            Some(client)
        }
        Ok(_) => {
            s.set(not_pass(
                "auth.credentials",
                Status::Fail,
                "PROVIDER_AUTH_REQUIRED",
                "Azure DevOps treated the token as anonymous",
                &["Create a new personal access token under User settings › Personal access tokens"],
                started,
            ));
            None
        }
        Err(
            e @ AdoError::Unauthorized {
                kind: AuthFailure::NotMaterialized,
                ..
            },
        ) => {
            s.set(pass("auth.credentials", "the token is valid", started));
            let mut o = from_error("auth.identity", &e, started);
            o.fix = vec![
                format!(
                    "Sign in to the organization's web UI once with this account ({web}), then run doctor again"
                ),
                "If it persists, an admin can re-add the user under Organization Settings › Users"
                    .into(),
            ];
            s.set(o);
            s.set(skip("auth.policy", "needs auth.identity, which failed"));
            s.set(directory);
            s.set(skip("auth.expiry", "needs a materialized identity"));
            None
        }
        Err(
            e @ AdoError::Unauthorized {
                kind: AuthFailure::PolicyBlocked,
                ..
            },
        ) => {
            s.set(pass("auth.credentials", "the token is valid", started));
            s.set(pass("auth.identity", "not in question", started));
            let mut o = from_error("auth.policy", &e, started);
            o.fix = vec![
                "Ask an organization admin: Organization Settings › Policies › Third-party application access via OAuth".into(),
                "Conditional Access (VS403463): sign in from a compliant device or network, or ask your Entra admin".into(),
            ];
            s.set(o);
            s.set(directory);
            s.set(skip("auth.expiry", "needs auth.policy, which failed"));
            None
        }
        Err(e) => {
            s.set(credentials_refused(&e, &source, signed, subject, started));
            None
        }
    }
}

/// `auth.credentials` when who-am-I refused the credential.
fn credentials_refused(
    e: &AdoError,
    source: &str,
    signed: &Signed,
    subject: &Subject,
    started: Instant,
) -> CheckOutcome {
    let mut o = from_error("auth.credentials", e, started);
    if o.code.as_deref() != Some("PROVIDER_AUTH_REQUIRED") {
        return o;
    }
    o.message = format!("the token from {source} was not accepted: {}", o.message);
    let recognised = o
        .message
        .contains("is not authorized to access this resource");
    o.fix = match signed {
        Signed::Pat(_) if recognised => vec![
            "Azure DevOps knows the token's user, who is not a member of this organization: add the user under Organization Settings › Users, or use a token of a member".into(),
        ],
        Signed::Pat(_) => vec![
            "Create a new personal access token under User settings › Personal access tokens (it may have expired or been revoked)".into(),
            "When you create it, tick Work Items (Read & write) and Project and Team (Read), for this organization or all accessible organizations".into(),
        ],
        Signed::Entra { .. } => vec![
            "Check that the account is a member of the organization (Organization Settings › Users), then sign in again: ado-setup edit NAME".into(),
        ],
        Signed::App(token) => {
            let said = e.to_string();
            let (message, fix) =
                unattended_not_accepted(subject.unattended.as_ref(), token, recognised, &said);
            o.message = message;
            fix
        }
    };
    o
}

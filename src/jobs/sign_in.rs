//! Sign-in jobs: a PAT's who-am-I, a Microsoft sign-in's device code and
//! its wait, the unattended sign-ins (service principal, managed identity,
//! Azure CLI) and the probes that say which of them this machine offers.

use secrecy::SecretString;
use url::Url;

use std::path::Path;

use crate::ado::client::AdoClient;
use crate::ado::endpoints::Deployment;
use crate::ado::error::AdoError;
use crate::ado::http::{Credential, HttpClient};
use crate::ado::negotiate::who_am_i;
use crate::ado::version::ApiVersion;
use crate::auth::ClientCredential;
use crate::auth::unattended::{client_assertion, probe_imds, read_certificate};
use crate::wizard::{
    EntraApp, EntraSession, JobResult, Problem, SignInMethod, Unavailable, UserInfo,
};

/// Who am I with a Microsoft sign-in's token at `base_url`.
pub(super) async fn whoami_entra(
    http: &HttpClient,
    base_url: &Url,
    tokens: &crate::auth::Tokens,
) -> Result<(UserInfo, EntraSession), Problem> {
    let c = AdoClient::new(
        http.clone(),
        base_url.clone(),
        tokens.credential(),
        ApiVersion::SERVICES,
    )
    .map_err(|e| Problem::from(&e))?;
    let me = c.connection_data().await.map_err(|e| {
        let mut p = Problem::from(&e);
        if p.code == "PROVIDER_AUTH_REQUIRED" {
            p.fix = format!(
                "Check that {} is a member of the organization (Organization Settings › Users), or sign in with another account",
                tokens.account().unwrap_or("the account")
            );
        }
        p
    })?;
    let Some(refresh) = tokens.refresh.clone() else {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Microsoft Entra ID sent no refresh token, so later runs could not sign in silently",
            "Check that the client app may request offline_access, or use a personal access token",
        ));
    };
    if me.authenticated_user.is_anonymous() {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Azure DevOps treated the sign-in as anonymous",
            "Sign in with an account that is a member of the organization",
        ));
    }
    Ok((
        {
            let mut user = user_info(&me);
            user.sign_in = user
                .sign_in
                .or_else(|| tokens.account().map(str::to_string));
            user
        },
        EntraSession {
            access: tokens.access.clone(),
            refresh,
            tenant: tokens.tenant().map(str::to_string),
        },
    ))
}

/// A token for a managed identity, the Azure CLI or a service principal,
/// then who am I with it at `base_url`.
pub(super) async fn sign_in_unattended(
    http: &HttpClient,
    u: crate::auth::Unattended,
    base_url: &Url,
    org_tenant: Option<&str>,
) -> Result<JobResult, Problem> {
    let token = crate::auth::unattended::acquire(http, &u, org_tenant).await?;
    let c = AdoClient::new(
        http.clone(),
        base_url.clone(),
        token.credential(),
        ApiVersion::SERVICES,
    )
    .map_err(|e| Problem::from(&e))?;
    let me = c.connection_data().await.map_err(|e| {
        let mut p = Problem::from(&e);
        if p.code == "PROVIDER_AUTH_REQUIRED" {
            p.fix = "Add the identity to the organization: Organization Settings › Users › Add users (access level Basic), then to the project".into();
        }
        p
    })?;
    Ok(JobResult::SignedInUnattended {
        user: user_info(&me),
        unattended: Box::new(u),
        access: token.access.clone(),
    })
}

/// A service principal's certificate file from the wizard (`~/` is the
/// home directory), checked as far as it can be without Entra ID: readable,
/// a PEM with a certificate and an RSA private key. The fixes speak of the
/// wizard's field, not of `--certificate`.
pub(super) fn certificate_credential(path: &Path) -> Result<ClientCredential, Problem> {
    let path = match path.strip_prefix("~") {
        Ok(rest) => match directories::BaseDirs::new() {
            Some(b) => b.home_dir().join(rest),
            None => path.to_path_buf(),
        },
        Err(_) => path.to_path_buf(),
    };
    let wizard_fix = |mut p: Problem| {
        p.fix = if p.code == "CONFIG_INVALID" {
            match std::env::current_dir() {
                Ok(cwd) if path.is_relative() => format!(
                    "Check the path (a relative one starts in {}) and that you can read the file",
                    cwd.display()
                ),
                _ => "Check the path and that you can read the file".into(),
            }
        } else {
            "Give a PEM file with the unencrypted private key (PKCS#8 or PKCS#1 RSA) and the certificate uploaded to the app, e.g. cat key.pem cert.pem > sp.pem".into()
        };
        p
    };
    let credential = read_certificate(&path).map_err(wizard_fix)?;
    // The key must sign an assertion (RS256): a key of another kind is
    // said here, on the field, rather than after a round trip.
    if let ClientCredential::Certificate(pem) = &credential {
        client_assertion(pem, "check", "https://login.invalid/", 0).map_err(wizard_fix)?;
    }
    Ok(credential)
}

/// Whether managed identity can be used here: the metadata endpoint answers.
pub(super) async fn probe_managed_identity(imds: &Url) -> JobResult {
    let available = probe_imds(imds)
        .await
        .map(|()| "the instance metadata endpoint answers".to_string())
        .map_err(|problem| Unavailable {
            brief: imds_brief(&problem),
            problem: in_wizard_words(problem),
        });
    JobResult::MethodProbed {
        method: SignInMethod::ManagedIdentity,
        available,
    }
}

/// Whether the Azure CLI can be used here: installed and signed in.
pub(super) async fn probe_azure_cli(tenant: Option<&str>) -> JobResult {
    let available = crate::auth::unattended::probe_azure_cli(tenant)
        .await
        .map(|account| format!("signed in as {account}"))
        .map_err(|problem| Unavailable {
            brief: az_brief(&problem),
            problem: in_wizard_words(problem),
        });
    JobResult::MethodProbed {
        method: SignInMethod::AzureCli,
        available,
    }
}

/// A probe's fix as the Sign in step says it: the methods by their names
/// there rather than `--auth`, and `r` (check again) rather than doctor.
/// (A fix worded otherwise is kept as it is.)
fn in_wizard_words(mut p: Problem) -> Problem {
    use crate::auth::unattended::{FIX_AGAIN, FIX_ANOTHER_AUTH, FIX_OTHER_METHODS};
    p.fix = p
        .fix
        .replace(
            FIX_OTHER_METHODS,
            "elsewhere choose Service principal or Azure CLI",
        )
        .replace(FIX_ANOTHER_AUTH, "then press r; or choose another method")
        .replace(FIX_AGAIN, "then press r to check again");
    p
}

/// Why managed identity is unavailable, in the few words its choice shows.
fn imds_brief(p: &Problem) -> String {
    let m = p.message.as_str();
    if m.contains("no instance metadata endpoint answered") {
        "no instance metadata endpoint answered"
    } else if m.contains("not Azure's instance metadata service") {
        "the metadata endpoint is not Azure's"
    } else {
        "the metadata endpoint cannot be asked"
    }
    .to_string()
}

/// Why the Azure CLI is unavailable, in the few words its choice shows.
fn az_brief(p: &Problem) -> String {
    let m = p.message.as_str();
    if m.contains("not installed") {
        "az is not installed"
    } else if m.contains("has expired") {
        "az's sign-in has expired — run az login"
    } else if m.contains("not signed in") {
        "az is not signed in — run az login"
    } else if m.contains("not in the organization's directory") {
        "az's account is not in the organization's directory"
    } else if m.contains("did not answer within") {
        "az did not answer in time"
    } else if m.contains("could not be started") || m.contains("failed to run") {
        "az cannot be run"
    } else {
        "az cannot get a token for Azure DevOps"
    }
    .to_string()
}

/// Waits for the user to approve the device code, then signs in to the
/// organization with a token of its tenant.
pub(super) async fn device_wait(
    http: &HttpClient,
    app: &EntraApp,
    code: &crate::auth::DeviceCode,
    base_url: &Url,
    org_tenant: Option<&str>,
) -> Result<JobResult, Problem> {
    let tokens = crate::auth::wait_for_tokens(http, app, code)
        .await
        .map_err(|e| e.problem)?;
    let tokens = crate::auth::token_for_tenant(http, app, tokens, org_tenant)
        .await
        .map_err(|e| e.problem)?;
    let (user, entra) = whoami_entra(http, base_url, &tokens).await?;
    Ok(JobResult::SignedIn {
        user,
        api_version: ApiVersion::SERVICES.to_string(),
        entra: Some(entra),
    })
}

/// Who am I with this PAT; for Server, which api-version the collection speaks.
pub async fn sign_in(
    http: &HttpClient,
    deployment: Deployment,
    base_url: &Url,
    pat: SecretString,
) -> Result<JobResult, Problem> {
    // One round trip: who am I, and (Server) the api-version at once.
    let (client, me) = who_am_i(http, deployment, base_url, &Credential::Pat(pat))
        .await
        .map_err(|e| auth_problem(&e))?;
    let version = client.version();
    if me.authenticated_user.is_anonymous() {
        return Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Azure DevOps treated the token as anonymous: it was not accepted",
            "Create a new personal access token and paste it here",
        ));
    }
    Ok(JobResult::SignedIn {
        user: user_info(&me),
        api_version: version.to_string(),
        entra: None,
    })
}

/// The signed-in identity as who-am-I names it.
fn user_info(me: &crate::ado::models::ConnectionData) -> UserInfo {
    UserInfo {
        display_name: me.authenticated_user.display_name().to_string(),
        sign_in: me.authenticated_user.account().map(str::to_string),
    }
}

fn auth_problem(e: &AdoError) -> Problem {
    let mut p = Problem::from(e);
    if p.code == "PROVIDER_AUTH_REQUIRED" {
        p.fix = "Check the token was copied whole and has not expired or been revoked; \
                 create a new one under User settings › Personal access tokens"
            .into();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_az_is_unavailable_in_a_few_words_and_the_wizards() {
        let p = crate::auth::unattended::azure_cli_token_with(
            "ado-setup-no-such-az-program",
            Some("contoso.example"),
            crate::auth::unattended::AZ_TIMEOUT,
        )
        .await
        .err()
        .unwrap_or_else(|| Problem::new("X", "no error", ""));
        assert_eq!(az_brief(&p), "az is not installed");
        let p = in_wizard_words(p);
        assert!(p.fix.contains("az login --tenant contoso.example"), "{p:?}");
        assert!(p.fix.contains("press r"), "{p:?}");
        assert!(!p.fix.contains("--auth"), "{p:?}");
    }

    #[test]
    fn az_failures_have_briefs() {
        let brief = |m: &str| az_brief(&Problem::new("PROVIDER_AUTH_REQUIRED", m, ""));
        assert_eq!(
            brief("the Azure CLI is not signed in: Please run 'az login'"),
            "az is not signed in — run az login"
        );
        assert_eq!(
            brief("the Azure CLI's sign-in has expired: AADSTS700082"),
            "az's sign-in has expired — run az login"
        );
        assert_eq!(
            brief("the Azure CLI did not answer within 30 s"),
            "az did not answer in time"
        );
        assert_eq!(brief("boom"), "az cannot get a token for Azure DevOps");
    }

    #[tokio::test]
    async fn no_metadata_endpoint_is_unavailable_in_a_few_words() {
        let (_closed, port) = crate::net::closed_port();
        let Ok(url) = Url::parse(&format!("http://127.0.0.1:{port}")) else {
            panic!("a loopback URL")
        };
        match probe_managed_identity(&url).await {
            JobResult::MethodProbed {
                method: SignInMethod::ManagedIdentity,
                available: Err(u),
            } => {
                assert_eq!(u.brief, "no instance metadata endpoint answered");
                assert!(
                    u.problem
                        .fix
                        .contains("choose Service principal or Azure CLI"),
                    "{u:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    fn a_certificate_file_is_checked_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let p = certificate_credential(&missing).err().unwrap();
        assert_eq!(p.code, "CONFIG_INVALID");
        assert!(p.message.contains("cannot read the certificate"), "{p:?}");
        assert!(!p.fix.contains("--certificate"), "{p:?}");

        let not_pem = dir.path().join("secret.txt");
        std::fs::write(&not_pem, "just text").unwrap();
        let p = certificate_credential(&not_pem).err().unwrap();
        assert!(p.message.contains("no certificate"), "{p:?}");
        assert!(p.fix.contains("cat key.pem cert.pem"), "{p:?}");

        // An EC key cannot sign RS256: said before a round trip.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let ec = dir.path().join("ec.pem");
        std::fs::write(&ec, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
        let p = certificate_credential(&ec).err().unwrap();
        assert!(p.message.contains("not an RSA key"), "{p:?}");

        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let rsa = dir.path().join("sp.pem");
        std::fs::write(&rsa, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
        let c = certificate_credential(&rsa).unwrap();
        assert_eq!(c.kind(), "certificate");
    }
}

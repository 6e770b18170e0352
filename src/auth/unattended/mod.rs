//! Unattended sign-in (issue 10): tokens for Azure DevOps without a person
//! at the keyboard.
//!
//! - **Managed identity**: `GET {imds}/metadata/identity/oauth2/token
//!   ?api-version=2018-02-01&resource=499b84ac-…[&client_id=…]` with
//!   `Metadata: true` at the Azure instance metadata service (IMDS,
//!   `http://169.254.169.254`, `ADO_SETUP_IMDS_URL`). Nothing secret is
//!   kept: the connection records the method and, for a user-assigned
//!   identity, its client id.
//! - **Service principal**: the client-credentials grant at
//!   `{authority}/{tenant}/oauth2/v2.0/token` with scope
//!   `499b84ac-…/.default`, authenticated by a client secret or by a
//!   certificate (a JWT client assertion signed RS256 with its private key,
//!   `x5t#S256` naming the certificate). The secret (or the PEM) is the
//!   connection's secret, in the secret store like a PAT.
//! - **Azure CLI**: `az account get-access-token --resource 499b84ac-…
//!   [--tenant T]`, reusing whatever account `az login` signed in. Nothing is
//!   kept.
//!
//! The metadata service is asked with a client of its own: never through a
//! proxy (it is on the machine itself, and a proxy would answer for another
//! machine or not at all), with a short timeout so that "not on Azure" is
//! said within about a second. The client-credentials grant uses the
//! project's [`HttpClient`] (endpoint overrides, proxy, `--ca-file`).
//!
//! Secrets (client secrets, private keys, access tokens) are
//! [`SecretString`]s; they travel only in request bodies and headers (and,
//! for `az`, in its standard output), never in a URL, an argument, a
//! message or a log line.
//!
//! Each method is a file of its own (`managed_identity.rs`,
//! `service_principal.rs`, `azure_cli.rs`); this one holds what they share:
//! the [`Unattended`] choice, the [`AppToken`] they give, and [`acquire`].

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::ado::http::{Credential, HttpClient};
use crate::ado::models::{JwtClaims, decode_jwt_claims};
use crate::problem::Problem;
use crate::store::config::AuthMethod;

mod azure_cli;
mod managed_identity;
mod service_principal;

pub use azure_cli::{AZ_TIMEOUT, azure_cli_token, azure_cli_token_with, probe_azure_cli};
pub use managed_identity::{
    IMDS_API_VERSION, IMDS_PROBE_TIMEOUT, managed_identity_token, probe_imds, probe_imds_within,
};
pub use service_principal::{
    certificate_not_after, client_assertion, client_credentials_token, read_certificate,
};

/// The scope of the client-credentials grant: Azure DevOps with the
/// application's own rights.
pub const ADO_DEFAULT_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// Where a service principal's client secret may come from (besides
/// standard input), like the Azure SDKs.
pub const CLIENT_SECRET_ENV: &str = "AZURE_CLIENT_SECRET";

/// An unattended sign-in: where its token comes from. `Debug` shows no
/// secret.
#[derive(Debug, Clone)]
pub enum Unattended {
    /// The machine's managed identity: system-assigned (`client_id` `None`)
    /// or a user-assigned one.
    ManagedIdentity {
        imds: Url,
        client_id: Option<String>,
    },
    /// An Entra application with a client secret or a certificate.
    ServicePrincipal(ServicePrincipal),
    /// The account the Azure CLI is signed in with. `tenant`: the directory
    /// to get the token from (`--tenant`), else the organization's.
    AzureCli { tenant: Option<String> },
}

/// A service principal and its credential.
#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    /// `https://login.microsoftonline.com` or its override.
    pub authority: Url,
    /// The tenant the token is asked from (`--tenant`, saved `tenant_id`);
    /// `None`: the organization's.
    pub tenant: Option<String>,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret or certificate; `None` when none was found.
    pub credential: Option<ClientCredential>,
    /// Where the credential came from, in words (never the credential).
    pub source: String,
}

/// How a service principal proves who it is. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub enum ClientCredential {
    /// A client secret (the secret's *Value*).
    Secret(SecretString),
    /// A PEM holding the private key and the certificate uploaded to the app.
    Certificate(SecretString),
}

impl ClientCredential {
    /// What the secret store holds back as a credential: a PEM is a
    /// certificate, anything else a client secret.
    pub fn from_stored(secret: SecretString) -> ClientCredential {
        if secret
            .expose_secret()
            .trim_start()
            .starts_with("-----BEGIN")
        {
            ClientCredential::Certificate(secret)
        } else {
            ClientCredential::Secret(secret)
        }
    }

    /// What goes to the secret store.
    pub fn stored(&self) -> SecretString {
        match self {
            ClientCredential::Secret(s) | ClientCredential::Certificate(s) => s.clone(),
        }
    }

    /// In words.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientCredential::Secret(_) => "client secret",
            ClientCredential::Certificate(_) => "certificate",
        }
    }
}

impl Unattended {
    /// The connection's `auth_method`.
    pub fn method(&self) -> AuthMethod {
        match self {
            Unattended::ManagedIdentity { .. } => AuthMethod::ManagedIdentity,
            Unattended::ServicePrincipal(_) => AuthMethod::ServicePrincipal,
            Unattended::AzureCli { .. } => AuthMethod::AzureCli,
        }
    }

    /// The identity in words, for messages: "the managed identity
    /// (system-assigned)", "the service principal 1234…".
    pub fn describe(&self) -> String {
        match self {
            Unattended::ManagedIdentity {
                client_id: None, ..
            } => "the managed identity (system-assigned)".to_string(),
            Unattended::ManagedIdentity {
                client_id: Some(id),
                ..
            } => format!("the managed identity {id} (user-assigned)"),
            Unattended::ServicePrincipal(sp) => {
                format!("the service principal {}", sp.client_id)
            }
            Unattended::AzureCli { .. } => "the Azure CLI's sign-in".to_string(),
        }
    }

    /// The client id to save with the connection.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Unattended::ManagedIdentity { client_id, .. } => client_id.as_deref(),
            Unattended::ServicePrincipal(sp) => Some(&sp.client_id),
            Unattended::AzureCli { .. } => None,
        }
    }

    /// The secret to keep in the store: only a service principal has one.
    pub fn secret(&self) -> Option<SecretString> {
        match self {
            Unattended::ServicePrincipal(sp) => sp.credential.as_ref().map(|c| c.stored()),
            _ => None,
        }
    }
}

/// An access token for Azure DevOps from an unattended sign-in. `Debug`
/// shows no token.
#[derive(Debug, Clone)]
pub struct AppToken {
    pub access: SecretString,
    /// The token's claims (unverified: tenant, object id, expiry).
    pub claims: JwtClaims,
    /// When the access token expires (Unix seconds), when known.
    pub expires_on: Option<u64>,
}

impl AppToken {
    fn new(access: SecretString, expires_on: Option<u64>) -> AppToken {
        let claims = decode_jwt_claims(access.expose_secret()).unwrap_or_default();
        let expires_on = expires_on.or(claims.exp);
        AppToken {
            access,
            claims,
            expires_on,
        }
    }

    /// The tenant the token is from (`tid`).
    pub fn tenant(&self) -> Option<&str> {
        self.claims.tid.as_deref()
    }

    /// The credential for Azure DevOps requests.
    pub fn credential(&self) -> Credential {
        Credential::Bearer(self.access.clone())
    }
}

/// The words of these fixes that name the command line; the wizard says
/// them its own way (`jobs::in_wizard_words`).
pub const FIX_OTHER_METHODS: &str = "elsewhere use --auth service-principal or --auth azure-cli";
pub const FIX_ANOTHER_AUTH: &str = "or choose another --auth";
pub const FIX_AGAIN: &str = "then run doctor again";

/// Gets a token for `u`. `org_tenant` is the organization's Entra tenant
/// (as its answer named it): the directory a service principal or the
/// Azure CLI asks when no tenant was given.
pub async fn acquire(
    http: &HttpClient,
    u: &Unattended,
    org_tenant: Option<&str>,
) -> Result<AppToken, Problem> {
    let org = super::Authority::from_tenant(org_tenant);
    match u {
        Unattended::ManagedIdentity { imds, client_id } => {
            managed_identity_token(imds, client_id.as_deref()).await
        }
        Unattended::ServicePrincipal(sp) => {
            let tenant = sp.tenant.as_deref().or(org.tenant_id()).ok_or_else(|| {
                Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    "the service principal's tenant is not known (the organization named none)",
                    "Pass --tenant with the id or domain of the tenant the app is registered in",
                )
            })?;
            let Some(credential) = &sp.credential else {
                return Err(Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    format!(
                        "no client secret or certificate for the service principal {} ({})",
                        sp.client_id, sp.source
                    ),
                    format!(
                        "Set {CLIENT_SECRET_ENV}, or store it again: ado-setup edit NAME (or connect again with --secret-stdin or --certificate PEM)"
                    ),
                ));
            };
            client_credentials_token(http, &sp.authority, tenant, &sp.client_id, credential).await
        }
        Unattended::AzureCli { tenant } => {
            azure_cli_token(tenant.as_deref().or(org.tenant_id())).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_pem_is_a_certificate_anything_else_a_secret() {
        let c = ClientCredential::from_stored(SecretString::from(
            "\n-----BEGIN PRIVATE KEY-----\n…".to_string(),
        ));
        assert_eq!(c.kind(), "certificate");
        let s = ClientCredential::from_stored(SecretString::from("abc~123".to_string()));
        assert_eq!(s.kind(), "client secret");
        assert!(!format!("{s:?}").contains("abc~123"));
    }
}

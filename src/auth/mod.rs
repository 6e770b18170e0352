//! Sign in with Microsoft (SPEC §3): tenant discovery, the OAuth 2.0 device
//! authorization grant (RFC 8628) against Microsoft Entra ID's v2.0
//! endpoints, and silent token refresh; and the unattended sign-ins
//! ([`unattended`]: managed identity, service principal, Azure CLI).
//! Hand-written on the project's one HTTP client, so the endpoint
//! overrides, the proxy, `--ca-file` and the transport error classes apply
//! to every request of the flow.
//!
//! Depends on `ado` (its HTTP client, models and unauthenticated probe),
//! `store` (a connection's auth method), `problem` and `text`. Nothing here
//! knows about the terminal: the wizard, `connect` and the checks call
//! these functions and present the [`Problem`](crate::problem::Problem)s
//! they return.

pub mod discovery;
pub mod entra;
pub mod unattended;

pub use discovery::{Authority, discover_authority};
pub use entra::{
    DeviceCode, EntraApp, EntraError, Poll, Tokens, poll_once, refresh, start_device_code,
    token_for_tenant, wait_for_tokens,
};
pub use unattended::{
    AppToken, ClientCredential, ServicePrincipal, Unattended, azure_cli_token,
    client_credentials_token, managed_identity_token, probe_azure_cli, probe_imds,
};

/// Azure DevOps' resource (application) id in Entra ID.
pub const ADO_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// The scope asked for: Azure DevOps with the user's rights, and a refresh
/// token so later runs need no new sign-in.
pub const ADO_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access";

/// The default public client: Visual Studio's, which Microsoft pre-authorizes
/// for Azure DevOps and which Git Credential Manager also uses for Azure
/// Repos. Organizations that restrict clients can register their own public
/// client (with "Allow public client flows") and pass `--client-id`.
pub const DEFAULT_CLIENT_ID: &str = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1";

/// The tenant segment used when the organization's tenant is not known (or
/// the organization is backed by Microsoft accounts).
pub const ANY_ORGANIZATION: &str = "organizations";

/// The all-zero tenant Azure DevOps reports for Microsoft-account organizations.
pub const MSA_TENANT: &str = "00000000-0000-0000-0000-000000000000";

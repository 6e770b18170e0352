//! The embedded, in-process fake Azure DevOps behind `ado-setup demo`.
//!
//! [`Sandbox::start`] binds `127.0.0.1` (random port by default) and serves,
//! over real HTTP (hyper 1, HTTP/1.1 and HTTP/2), the Azure DevOps API subset
//! ado-setup uses, in the exact JSON shapes of Microsoft's official examples,
//! with realistic data from `assets/sandbox/` (see [`data`]).
//!
//! # URL layout (one host)
//!
//! | stands for | sandbox URL |
//! |---|---|
//! | `https://dev.azure.com/{org}` | `http://127.0.0.1:PORT/{org}` ([`Sandbox::devops_url`]) |
//! | `https://vssps.dev.azure.com/{org}` | `http://127.0.0.1:PORT/_vssps/{org}` ([`Sandbox::vssps_url`]) |
//! | `https://app.vssps.visualstudio.com` | `http://127.0.0.1:PORT/_profile` ([`Sandbox::profile_url`]) |
//! | `https://login.microsoftonline.com` | `http://127.0.0.1:PORT/_login` ([`Sandbox::authority_url`]) |
//! | `http://169.254.169.254` (instance metadata, managed identities) | `http://127.0.0.1:PORT/_imds` ([`Sandbox::imds_url`]) |
//! | Azure DevOps Server 2020 collection | `http://127.0.0.1:PORT/tfs/DefaultCollection` ([`Sandbox::collection_url`]) |
//! | Azure DevOps Server 2019 collection | `http://127.0.0.1:PORT/tfs/LegacyCollection` ([`Sandbox::legacy_collection_url`]) |
//! | a host that redirects to another host | `http://127.0.0.1:PORT/tfs/RedirectedCollection`, `/_redirect/{path}` ([`Sandbox::host_scenarios`]) |
//! | a host that is not Azure DevOps | `http://127.0.0.1:PORT/tfs/NotAzureDevOps`, `/_notado/{path}` ([`Sandbox::host_scenarios`]) |
//!
//! # Organizations
//!
//! | organization | process | notes |
//! |---|---|---|
//! | `contoso-basic` | Basic | Website Refresh, Field Service App |
//! | `contoso-agile` | Agile | Payments Platform; Customer Support Desk (inherited *Agile - Support Desk*, required `Custom.CustomerImpact` on Issue and Bug, Epic disabled); Enterprise Portfolio (22,221-node area tree); Legacy CRM (no service-hook edit, no tag create); Security Audit (the main user is only a Contributor) |
//! | `contoso-scrum` | Scrum | Inventory Service, Warehouse Robotics |
//! | `contoso-cmmi` | CMMI | Avionics Firmware, Compliance Tracking |
//! | `contoso-enterprise` | mixed | 3,000 generated projects (paged) |
//! | `avery-personal` | Agile/Basic | Microsoft-account org (tenant `00000000-…`), anonymous connectionData |
//! | `fabrikam-partners` | Scrum | another Entra tenant (guest access; a token for the Contoso tenant is refused) |
//! | `tfs/DefaultCollection` | Agile, CMMI, Scrum, custom XML | Azure DevOps Server 2020 (API 6.0, PAT only, `onPremises`) |
//! | `tfs/LegacyCollection` | Agile | Azure DevOps Server 2019 (API 5.0 only, PAT only): Claims Processing, Branch Offices |
//! | `scenario-read-only` | Agile | scenario organization: any accepted credential gets the `read-only` scenario |
//! | `scenario-not-materialized` | Agile | … the `not-materialized` scenario |
//! | `scenario-conditional-access` | Agile | … the `conditional-access` scenario |
//! | `scenario-expired` | Agile | … the `expired` scenario |
//! | `scenario-no-permissions` | Agile | … the `no-permissions` scenario |
//! | `scenario-throttled` | Agile | … the `throttled` scenario |
//! | `scenario-device-declined` | Agile | sign-in scenario, tenant *Woodgrove Bank* (`woodgrove.example`): device codes for it are declined |
//! | `scenario-device-expired` | Agile | sign-in scenario, tenant *Tailspin Toys* (`tailspin.example`): device codes for it expire unapproved |
//! | `scenario-wrong-directory` | Agile | sign-in scenario, tenant *Northwind Traders* (`northwind.example`), of which Avery is not a member |
//! | `scenario-expiring` | Agile | sign-in scenario, tenant *Adventure Works* (`adventureworks.example`): refresh tokens expire in 5 days |
//!
//! Each scenario organization of the PAT scenarios (Contoso tenant) has one
//! project, *Payments Platform* (its own ids; areas, iterations, one team
//! with Avery as administrator), so `doctor --org scenario-… --project
//! "Payments Platform"` with the full PAT reaches the failing check:
//!
//! | organization | `doctor` with the full PAT (exit code) |
//! |---|---|
//! | `scenario-read-only` | `scope.write` `PROVIDER_SCOPE_UNAVAILABLE` (1) |
//! | `scenario-not-materialized` | `auth.identity` `IDENTITY_NOT_MATERIALIZED` (1) |
//! | `scenario-conditional-access` | `auth.policy` `ORG_POLICY_BLOCKED` (1) |
//! | `scenario-expired` | `auth.credentials` `PROVIDER_AUTH_REQUIRED` (4) |
//! | `scenario-no-permissions` | `permission.project_admin` (and service hooks, tags) `PERMISSION_MISSING` (1) |
//! | `scenario-throttled` | every check passes after waiting out the 429s (0) |
//! | `--deployment server --base-url …/tfs/LegacyCollection` | every check passes at api-version 5.0 (0) |
//! | `--deployment server --base-url …/tfs/RedirectedCollection` | `network.reachable` `PROVIDER_BASE_URL_BLOCKED` (1) |
//! | `--deployment server --base-url …/tfs/NotAzureDevOps` | `network.reachable` `PROVIDER_BASE_URL_BLOCKED` (1) |
//!
//! # Microsoft sign-in scenarios
//!
//! Selected by organization name ([`Sandbox::sign_in_scenarios`]): each
//! organization is in an Entra tenant of its own, and the sandbox's Entra
//! ID treats that tenant as the scenario says; the wizard reaches it by
//! signing in to the organization (its tenant is discovered from the 401).
//! Each has a *Payments Platform* project like the other scenario
//! organizations (Avery is a team administrator, except in
//! `scenario-wrong-directory`, whose members are Northwind people).
//!
//! | organization | Entra ID answers | what the user sees |
//! |---|---|---|
//! | `scenario-device-declined` | a device code for its tenant: `authorization_declined` (`AADSTS70000`) once `approve_after` has passed | sign-in fails, `PROVIDER_AUTH_REQUIRED` "…declined…"; the PAT and refresh tokens work |
//! | `scenario-device-expired` | a device code for its tenant: `expires_in` 3 s (60 s when `approve_after` ≥ 5 s), never approved, then `expired_token` (`AADSTS70019`) | sign-in fails, `PROVIDER_AUTH_REQUIRED` "…expired…"; the PAT and refresh tokens work |
//! | `scenario-wrong-directory` | device code (once "approved") and refresh-token grants for its tenant: `invalid_grant` `AADSTS50020`; not in the accounts list | `doctor` with a saved Microsoft sign-in: `auth.directory` `AUTH_WRONG_DIRECTORY` (1); with the full PAT: `auth.credentials` `PROVIDER_AUTH_REQUIRED` (4) |
//! | `scenario-expiring` | token responses for its tenant carry `refresh_token_expires_in` 432000 (5 days) | `doctor` with a saved Microsoft sign-in: `auth.expiry` `CREDENTIAL_EXPIRING` warn (0; 1 with `--strict`) |
//!
//! # Credentials
//!
//! - Full-access PAT: `sbxfull3rgyqnbcheehjqictnse4n7evboh3i2z7vmsrfeqd67cp`
//!   ([`Sandbox::pat`]), the identity of Avery Lindqvist
//!   (`avery.lindqvist@contoso.example`), accepted by every organization and
//!   collection.
//! - Device code sign-in ([`Sandbox::authority_url`]): approved automatically
//!   `approve_after` after the code is issued (except in the tenants of the
//!   sign-in scenarios above); the Bearer token works on the Services
//!   organizations of its tenant and on the Microsoft-account org.
//! - Scenario PATs ([`Sandbox::scenarios`]):
//!   - `read-only` `sbxreadonlyv65z3dbzbogjqxstgljhwef7uk6jopbpsvl4v6ab2`:
//!     reads work; the dry-run create answers 401 `UnauthorizedRequestException`
//!     "…does not have the required scope 'vso.work_write'…".
//!   - `not-materialized` `sbxnotmaterialized33tnpdnvh3zjcoe2f6xveob6qpkcyqofx7`:
//!     every call 401 `AadUserStateException` "Identity … has not been
//!     materialized, please use interactive login over the browser first."
//!   - `conditional-access` `sbxconditionalaccess6xkdqtlaf243os676fgpoxhuiclhb4hj`:
//!     every call 403 `VssServiceException` "VS403463: The conditional access
//!     policy defined by your Azure Active Directory administrator has failed."
//!   - `expired` `sbxexpiredi6ufmopbfrgjgshtyu3per46sz6lhv26e5dwts37sp`:
//!     203 with the HTML sign-in page (like any wrong PAT).
//!   - `no-permissions` `sbxnopermissionskykaujcfkfrbuv6p45l365qk7ul2w3cecysv`:
//!     Morgan Ellison; reads work, every permission evaluation is `false`.
//!   - `throttled` `sbxthrottledrytkvpxxfgq5e7fuy6jukxfnrbqikpn6lphhjwpj`:
//!     full access, but every API request is answered 429 (`Retry-After: 1`) once, then served.
//!
//! - Application identities ([`Sandbox::apps`], `apps` in the assets), all
//!   in the Contoso tenant:
//!   - `payments-integration (managed identity)`
//!     `3c1f6a2e-8b4d-4f0a-9e7c-5d2b1a9f6e31`: the machine's
//!     system-assigned identity (`/_imds` without `client_id`); a team
//!     administrator of *Payments Platform* in `contoso-agile`, so `doctor`
//!     passes there.
//!   - `reporting-agent (managed identity)`
//!     `7e2d9c41-5a3b-4c8e-b1f6-0a9d8e7c6b52`: user-assigned
//!     (`client_id=…`), added to no organization: 401 `TF400813 … is not
//!     authorized` everywhere.
//!   - `payments-sync (service principal)`
//!     `b7a4c2e9-1d3f-4e6a-8c5b-9f0e2d1a3c47`, secret
//!     `sbx~PaymentsSync.7Qe2vL9xK4mN8pR1sandboxonly` (or a certificate
//!     trusted with [`Sandbox::trust_certificate`]): like
//!     payments-integration.
//!   - `reporting-exporter (service principal)`
//!     `e5d8f1a2-6c4b-4a7e-9d3c-2b1f0e8a7d69`, secret
//!     `sbx~ReportingExporter.3Hw6tY1uJ5kL0zX8sandboxonly`: a valid app
//!     that was never added to an organization (401 `TF400813`).
//!
//! Scenario PATs are Services behaviours; on the Server collections the
//! Entra-specific ones (`not-materialized`, `conditional-access`) and
//! `expired` are rejected with 401 like any unknown PAT.
//!
//! On the scenario organization of a PAT scenario the full-access PAT and any
//! valid Bearer token of the Contoso tenant get exactly what the scenario's
//! PAT gets (the same code path); a scenario PAT keeps its own scenario
//! there. On `scenario-wrong-directory` every PAT and token of Avery gets
//! 401 (not a member).
//!
//! # Host scenarios
//!
//! Answers of web servers that are not Azure DevOps, without any Azure
//! DevOps header (`ActivityId`, `X-TFS-ProcessId`, …):
//!
//! - `/_redirect/{path}` → `302 Found`, `Location:
//!   http://localhost:PORT/{path}` (query kept): the same server under
//!   another host name, i.e. a cross-host redirect. `/tfs/RedirectedCollection/{path}`
//!   answers the same with `Location: http://localhost:PORT/tfs/DefaultCollection/{path}`.
//! - `/_notado/{path}` and `/tfs/NotAzureDevOps/{path}` → `200` with the
//!   default page of a fresh IIS (`Server: Microsoft-IIS/10.0`); OPTIONS
//!   `200`, other methods `405`.
//!
//! The `tfs/…` forms exist because ado-setup refuses a collection URL whose
//! first path segment starts with `_` (`target.url`), so only they can be
//! given to `doctor --base-url`.
//!
//! # Work items
//!
//! The sandbox never stores work items. `validateOnly=true` creates are fully
//! validated and answer the would-be item (`id` 0, `rev` 1); creates without
//! it are validated, then refused with 400 `WorkItemTrackingSandboxException`.
//! `GET …/_apis/wit/workitems/{id}` always answers 404 `TF401232`.
//!
//! # Behaviour notes (where Azure DevOps leaves a choice)
//!
//! - Checks run in this order: organization exists (404, no tenant header) →
//!   credentials (401 / 203 / 403) → `api-version` (400) → route. Services
//!   accept API versions 1.0–7.2 (`7.2` needs `-preview`); a collection
//!   1.0 up to its `api_version` (DefaultCollection 6.0, LegacyCollection
//!   5.0; `VssVersionOutOfRangeException` above, naming that latest
//!   version). `OPTIONS {collection}/_apis` reports it as `maxVersion` and
//!   `releasedVersion`.
//! - Anonymous requests get 401, except `connectionData` of `avery-personal`
//!   (an org with a public project), which answers the anonymous identity
//!   `aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa`. `OPTIONS {org}/_apis` needs no
//!   credentials.
//! - The location service as Microsoft's clients use it (see `location`):
//!   `OPTIONS {org}/_apis/` and `OPTIONS {org}/_apis/{area}`,
//!   `_apis/resourceAreas`, and the deployment level (`/_apis/…`,
//!   `/tfs/_apis/…`). `connectionData` needs no api-version (the latest
//!   released is used); everything else takes it from the query or the
//!   `Accept` header (`application/json;api-version=7.1`).
//! - Project list: sorted by name; page size `$top` (default 100); the
//!   continuation token is the offset of the next page.
//! - Unknown project: by id → 404 `VS800075` (`ProjectDoesNotExistException`);
//!   by name → 404 `TF200016` (`ProjectDoesNotExistWithNameException`).
//! - Team settings iteration paths are relative with a leading backslash
//!   (`\Release 2026.1\Sprint 3`), as in the official example.
//! - Permission tokens: Project `$PROJECT:vstfs:///Classification/TeamProject/{id}`
//!   (`$PROJECT` = organization level), Tagging `/{projectId}`, ServiceHooks
//!   `PublisherSecurity/{projectId}` (`PublisherSecurity` = organization
//!   level), CSS/Iteration `vstfs:///Classification/Node/{rootNodeId}[:…]`.
//!   At organization level the main user has only the read bit.
//! - Every response (host scenarios aside) carries `ActivityId`,
//!   `X-VSS-E2EID` and `X-TFS-ProcessId`; organization responses
//!   `X-VSS-ResourceTenant`.

// Handlers return error *responses* by value (`Result<Response, Response>`);
// they are cold paths, so the size of the `Err` variant does not matter.
#![allow(clippy::result_large_err)]

// The modules in layers: each uses only modules of the layers above it,
// never one of its own layer (handlers share nothing sideways: what two of
// them need lives in a lower layer), so no two files import each other.
//
// 1. helpers and tables, depending on nothing of the sandbox: `util`,
//    `http` (response building), `record`, `tls`, `scenario`;
// 2. `fault` (fault injection) and `data` (the catalog: pure data);
// 3. `state` (one running sandbox), `token` (the token format);
// 4. `auth` (credentials → `Caller`), then `ctx` (the request context of
//    the organization APIs);
// 5. the handlers: `core_api`, `wit`, `workitems`, `location`, `entra`,
//    `imds`, `profile`, `hosts`;
// 6. `server` (accept loop, faults, routing), then this file.

// Layers 1 and 2.
mod http;
mod record;
mod scenario;
mod tls;
mod util;

pub mod data;
pub mod fault;

// Layers 3 and 4.
mod auth;
mod ctx;
mod state;
mod token;

// Layer 5: the handlers.
mod core_api;
mod entra;
mod hosts;
mod imds;
mod location;
mod profile;
mod wit;
mod workitems;

// Layer 6.
mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use record::{ServedRequest, round_trips};
use state::State;

/// Options for [`Sandbox::start`].
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How long after issuing a device code the sandbox approves it.
    pub approve_after: Duration,
    /// Delay added before every answer (benchmarks: a far-away service).
    pub latency: Duration,
    /// A fault for every request (`demo --serve --fault`); a `/_fault/…`
    /// path prefix picks one per request regardless.
    pub fault: Option<fault::Fault>,
    /// Serve HTTPS instead of plain HTTP (`demo --serve --tls`).
    pub tls: Option<SandboxTls>,
}

/// The certificate an HTTPS sandbox presents.
#[derive(Clone)]
pub enum SandboxTls {
    /// A CA and a server certificate for `127.0.0.1` and `localhost`, made
    /// at start; the CA is [`Sandbox::ca_pem`] (what `--ca-file` takes).
    Generated,
    /// This certificate chain (server certificate first) and private key,
    /// both PEM: a self-signed certificate, an expired one, one for
    /// another name, ….
    Given { cert_pem: String, key_pem: String },
}

impl std::fmt::Debug for SandboxTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxTls::Generated => f.write_str("Generated"),
            SandboxTls::Given { .. } => f.write_str("Given { .. }"),
        }
    }
}

/// Name of the CA an HTTPS sandbox makes at start.
pub const SANDBOX_CA_NAME: &str = tls::CA_NAME;

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            port: 0,
            approve_after: Duration::from_secs(3),
            latency: Duration::ZERO,
            fault: None,
            tls: None,
        }
    }
}

/// A documented error scenario: a PAT that makes the sandbox answer like
/// Azure DevOps does in a particular failure, and the scenario organization
/// where every accepted credential gets the same answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Short name (`read-only`, `not-materialized`, …).
    pub name: &'static str,
    /// The PAT that triggers it.
    pub pat: String,
    /// What the sandbox answers.
    pub description: &'static str,
    /// The scenario organization (`scenario-read-only`, …).
    pub organization: Option<String>,
    /// Its URL (`http://127.0.0.1:PORT/scenario-read-only`).
    pub organization_url: Option<String>,
    /// What the scenario organization answers, and what `doctor` reports.
    pub organization_description: &'static str,
}

/// A Microsoft sign-in scenario: an organization in an Entra tenant of its
/// own, which the sandbox's Entra ID treats in a particular way (declined or
/// expired device codes, a directory the user is not in, a refresh token
/// about to expire). No PAT triggers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInScenario {
    /// Short name (`device-declined`, `device-expired`, `wrong-directory`,
    /// `expiring`).
    pub name: &'static str,
    /// The scenario organization (`scenario-device-declined`, …).
    pub organization: String,
    /// Its URL (`http://127.0.0.1:PORT/scenario-device-declined`).
    pub organization_url: String,
    /// The organization's tenant id.
    pub tenant: String,
    /// The tenant's display name (`Northwind Traders`, …).
    pub tenant_name: String,
    /// What the sandbox answers, and what the wizard or `doctor` reports.
    pub description: &'static str,
}

/// An application identity of the sandbox: a managed identity (tokens from
/// [`Sandbox::imds_url`]) or a service principal (client-credentials grant
/// at [`Sandbox::authority_url`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxApp {
    /// `managed_identity` or `service_principal`.
    pub kind: &'static str,
    /// Display name, e.g. `payments-sync (service principal)`.
    pub name: String,
    /// Application (client) id.
    pub client_id: String,
    /// Its Entra tenant.
    pub tenant: String,
    /// The client secret (service principals; sandbox-only values).
    pub secret: Option<String>,
    /// The system-assigned managed identity (asked for without `client_id`).
    pub system_assigned: bool,
    /// The organizations it was added to (a member of a team there).
    pub organizations: Vec<String>,
}

/// An Azure DevOps Server collection of the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Collection name (`DefaultCollection`, `LegacyCollection`).
    pub name: String,
    /// `http://127.0.0.1:PORT/tfs/{name}`
    pub url: String,
    /// The only api-versions served are up to this one (`6.0`, `5.0`).
    pub api_version: String,
    /// One line: what it stands for.
    pub description: String,
}

/// A host scenario: a URL where something other than Azure DevOps answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostScenario {
    /// Short name (`redirect`, `not-azure-devops`).
    pub name: &'static str,
    /// A collection URL behind it, for `doctor --base-url`.
    pub url: String,
    /// What the sandbox answers there.
    pub description: &'static str,
}

/// A running sandbox. Dropping it stops the server (abruptly); prefer
/// [`Sandbox::shutdown`].
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<State>,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}

impl Sandbox {
    /// Binds 127.0.0.1 and spawns the server task on the current tokio
    /// runtime.
    pub async fn start(opts: SandboxOptions) -> anyhow::Result<Sandbox> {
        let cat = data::SharedCatalog::build_in_background();
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], opts.port)))
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
        let addr = listener.local_addr()?;
        let identity = match &opts.tls {
            None => None,
            Some(SandboxTls::Generated) => Some(tls::generated()?),
            Some(SandboxTls::Given { cert_pem, key_pem }) => Some(tls::given(cert_pem, key_pem)?),
        };
        let mut state = State::new(
            cat,
            addr,
            opts.approve_after,
            opts.latency,
            opts.fault.clone(),
        );
        if identity.is_some() {
            state.base = format!("https://{addr}");
        }
        let state = Arc::new(state);
        let ca_pem = identity.as_ref().and_then(|i| i.ca_pem.clone());
        let acceptor = identity.map(|i| tokio_rustls::TlsAcceptor::from(i.config));
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, state.clone(), rx, acceptor));
        tracing::debug!(%addr, "Azure DevOps sandbox listening");
        Ok(Sandbox {
            addr,
            state,
            ca_pem,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/_fault/{spec}`: put it before any sandbox
    /// path (`{fault_url}/contoso-agile`, as `ADO_SETUP_DEVOPS_URL`, …) to
    /// get the fault `spec` names (see [`fault`]).
    pub fn fault_url(&self, spec: &str) -> String {
        format!("{}/{}/{spec}", self.state.base, fault::PREFIX)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.state.base.starts_with("https://")
    }

    /// The CA (PEM) of the certificate an HTTPS sandbox made at start
    /// ([`SandboxTls::Generated`]): pass it with `--ca-file`.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Stands for `https://dev.azure.com`: `http://127.0.0.1:PORT`
    /// (`https://` when serving TLS).
    pub fn devops_url(&self) -> String {
        self.state.base.clone()
    }

    /// Stands for `https://vssps.dev.azure.com`.
    pub fn vssps_url(&self) -> String {
        self.state.vssps_url()
    }

    /// Stands for `https://app.vssps.visualstudio.com`.
    pub fn profile_url(&self) -> String {
        self.state.profile_url()
    }

    /// Stands for `https://login.microsoftonline.com`.
    pub fn authority_url(&self) -> String {
        self.state.authority_url()
    }

    /// Stands for `http://169.254.169.254`, the instance metadata service
    /// where managed identities get tokens (`ADO_SETUP_IMDS_URL`).
    pub fn imds_url(&self) -> String {
        self.state.imds_url()
    }

    /// The managed identities and service principals, with the
    /// organizations each was added to.
    pub fn apps(&self) -> Vec<SandboxApp> {
        let cat = self.state.cat.get();
        cat.apps
            .iter()
            .map(|a| SandboxApp {
                kind: match a.kind {
                    data::AppKind::ManagedIdentity => "managed_identity",
                    data::AppKind::ServicePrincipal => "service_principal",
                },
                name: a.name.clone(),
                client_id: a.client_id.clone(),
                tenant: a.tenant.clone(),
                secret: a.secret.clone(),
                system_assigned: a.system_assigned,
                organizations: cat
                    .orgs
                    .iter()
                    .filter(|o| o.projects.iter().any(|p| p.members().contains(&a.person)))
                    .map(|o| o.name.clone())
                    .collect(),
            })
            .collect()
    }

    /// Trusts the certificate in `cert_pem` (its first `CERTIFICATE`) for
    /// the service principal `client_id`: client assertions signed with its
    /// key and naming it by `x5t#S256` are accepted from now on.
    pub fn trust_certificate(&self, client_id: &str, cert_pem: &str) -> anyhow::Result<()> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let der = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .next()
            .ok_or_else(|| anyhow::anyhow!("no certificate in the PEM"))?
            .map_err(|e| anyhow::anyhow!("unreadable certificate: {e:?}"))?;
        if self
            .state
            .cat
            .app(data::AppKind::ServicePrincipal, client_id)
            .is_none()
        {
            anyhow::bail!("no service principal {client_id} in the sandbox");
        }
        self.state
            .certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((client_id.to_lowercase(), der.as_ref().to_vec()));
        Ok(())
    }

    /// Every Services organization except the scenario organizations (PAT
    /// and sign-in scenarios alike): `(name, "{devops_url}/{name}")`.
    /// Read from the assets: this does not wait for the catalog's build
    /// (the demo shows them on its first frame).
    pub fn organization_urls(&self) -> Vec<(String, String)> {
        if let Ok(names) = data::services_organization_names() {
            return names
                .into_iter()
                .map(|n| {
                    let url = format!("{}/{n}", self.state.base);
                    (n, url)
                })
                .collect();
        }
        self.state
            .cat
            .orgs
            .iter()
            .filter(|o| !o.server && o.scenario.is_none())
            .map(|o| (o.name.clone(), self.state.org_url(o)))
            .collect()
    }

    /// The Azure DevOps Server 2020 collection URL (`/tfs/DefaultCollection`).
    pub fn collection_url(&self) -> String {
        format!("{}/tfs/DefaultCollection", self.state.base)
    }

    /// The Azure DevOps Server 2019 collection URL (`/tfs/LegacyCollection`,
    /// api-version 5.0 only).
    pub fn legacy_collection_url(&self) -> String {
        format!("{}/tfs/LegacyCollection", self.state.base)
    }

    /// Every Server collection, in catalog order.
    pub fn collections(&self) -> Vec<Collection> {
        self.state
            .cat
            .collections()
            .map(|o| Collection {
                name: o.name.clone(),
                url: self.state.org_url(o),
                api_version: o.max_api_version(),
                description: format!(
                    "{} (api-version {} and older only, PAT only, {} projects)",
                    o.product(),
                    o.max_api_version(),
                    o.projects.len()
                ),
            })
            .collect()
    }

    /// The host scenarios, as collection URLs `doctor --base-url` accepts
    /// (`/tfs/RedirectedCollection`, `/tfs/NotAzureDevOps`). The same
    /// answers come for any path under `/_redirect/` and `/_notado/`.
    pub fn host_scenarios(&self) -> Vec<HostScenario> {
        let base = &self.state.base;
        vec![
            HostScenario {
                name: "redirect",
                url: format!("{base}/tfs/{}", hosts::REDIRECTED_COLLECTION),
                description: "every request answers 302 to http://localhost:PORT/tfs/DefaultCollection/... (another host name; also /_redirect/{path}) -> doctor: network.reachable PROVIDER_BASE_URL_BLOCKED",
            },
            HostScenario {
                name: "not-azure-devops",
                url: format!("{base}/tfs/{}", hosts::NOT_ADO_COLLECTION),
                description: "every request answers 200 with an IIS default page, no Azure DevOps headers (also /_notado/{path}) -> doctor: network.reachable PROVIDER_BASE_URL_BLOCKED",
            },
        ]
    }

    /// Requests answered so far.
    pub fn requests_served(&self) -> u64 {
        self.state
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// From now on, answers every request without a `/_fault/…` prefix with
    /// `fault` (or, with `None`, with none): the same server, on the same
    /// port, turned faulty for the saved connections that point at it.
    pub fn set_fault(&self, fault: Option<fault::Fault>) {
        *self
            .state
            .fault
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fault;
    }

    /// How many requests are in the log of served requests: a mark for
    /// [`Sandbox::served_since`].
    pub fn served_mark(&self) -> usize {
        self.state.log.len()
    }

    /// The requests served after `mark`, each with when it arrived and
    /// when its answer was ready ([`round_trips`] counts the sequential
    /// round trips among them).
    pub fn served_since(&self, mark: usize) -> Vec<ServedRequest> {
        self.state.log.since(mark)
    }

    /// Requests the `throttled` scenario has answered 429 so far (each
    /// distinct request once; its retry is served).
    pub fn throttled_served(&self) -> usize {
        self.state
            .throttled_seen
            .lock()
            .map(|seen| seen.len())
            .unwrap_or_else(|poisoned| poisoned.into_inner().len())
    }

    /// The full-access PAT.
    pub fn pat(&self) -> &str {
        auth::FULL_PAT
    }

    /// The documented error scenarios (each with a PAT), with their
    /// scenario organizations. The Microsoft sign-in scenarios, which have
    /// no PAT, are [`Sandbox::sign_in_scenarios`].
    pub fn scenarios(&self) -> Vec<Scenario> {
        scenario::SCENARIOS
            .iter()
            .map(|(name, pat, _, description)| {
                let org = self.state.cat.scenario_org(name);
                Scenario {
                    name,
                    pat: (*pat).to_string(),
                    description,
                    organization: org.map(|o| o.name.clone()),
                    organization_url: org.map(|o| self.state.org_url(o)),
                    organization_description: scenario::SCENARIO_ORG_NOTES
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or("", |(_, d)| d),
                }
            })
            .collect()
    }

    /// The Microsoft sign-in scenarios, with their organizations and
    /// tenants (no PAT triggers them; see [`SignInScenario`]).
    pub fn sign_in_scenarios(&self) -> Vec<SignInScenario> {
        scenario::SIGN_IN_SCENARIOS
            .iter()
            .filter_map(|(name, _, description)| {
                let org = self.state.cat.scenario_org(name)?;
                let tenant = org.tenant.clone()?;
                let tenant_name = self
                    .state
                    .cat
                    .tenant(&tenant)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                Some(SignInScenario {
                    name,
                    organization: org.name.clone(),
                    organization_url: self.state.org_url(org),
                    tenant,
                    tenant_name,
                    description,
                })
            })
            .collect()
    }

    /// Stops accepting connections, closes open ones and waits for the
    /// server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Lines `ado-setup demo --serve` prints first (after `ca-file <PATH>`,
/// the CA's PEM file, with `--tls`): one `url <URL>` per
/// organization (scenario organizations aside) and collection, then
/// `pat <PAT>`; after them one line each of
/// - `scenario <name> <PAT> <description>` (the scenario PATs),
/// - `scenario-org <org> <URL> <description>` (scenario organizations: any
///   accepted credential gets that scenario; then those of the Microsoft
///   sign-in scenarios, whose description starts with `sign-in <name>,
///   tenant <tenant name> (<id>):`),
/// - `collection <name> <URL> <description>` (Server collections),
/// - `host <name> <URL> <description>` (host scenarios),
/// - `fault <kind> <URL prefix> <description>` (fault injection: put the
///   prefix before any path, see [`fault`]).
pub fn serve_banner(sb: &Sandbox) -> Vec<String> {
    let mut lines: Vec<String> = sb
        .organization_urls()
        .into_iter()
        .map(|(_, url)| format!("url {url}"))
        .collect();
    let collections = sb.collections();
    for c in &collections {
        lines.push(format!("url {}", c.url));
    }
    lines.push(format!("pat {}", sb.pat()));
    let scenarios = sb.scenarios();
    for s in &scenarios {
        lines.push(format!("scenario {} {} {}", s.name, s.pat, s.description));
    }
    for s in &scenarios {
        if let (Some(org), Some(url)) = (&s.organization, &s.organization_url) {
            lines.push(format!(
                "scenario-org {org} {url} {}",
                s.organization_description
            ));
        }
    }
    for s in sb.sign_in_scenarios() {
        lines.push(format!(
            "scenario-org {} {} sign-in {}, tenant {} ({}): {}",
            s.organization, s.organization_url, s.name, s.tenant_name, s.tenant, s.description
        ));
    }
    for c in &collections {
        lines.push(format!("collection {} {} {}", c.name, c.url, c.description));
    }
    for h in sb.host_scenarios() {
        lines.push(format!("host {} {} {}", h.name, h.url, h.description));
    }
    for (kind, description) in fault::KINDS {
        for kind in kind.split(" / ") {
            lines.push(format!("fault {kind} {} {description}", sb.fault_url(kind)));
        }
    }
    lines
}

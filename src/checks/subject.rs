//! What a run checks ([`Subject`]: a connection, saved or being set up,
//! with its credential) and where and with what it runs ([`Context`]).

use std::collections::BTreeMap;

use secrecy::SecretString;
use url::Url;

use crate::ado::endpoints::Deployment;
use crate::ado::http::HttpClient;
use crate::store::config::{Access, ConfigStore, PriorityMap};
use crate::store::secrets::SecretStore;

/// What is checked: a saved connection or the flags of an ad hoc run.
#[derive(Debug, Clone)]
pub struct Subject {
    pub name: Option<String>,
    pub deployment: Deployment,
    /// Services: the organization name (or URL as typed); Server: the collection URL.
    pub target: String,
    pub project: Option<String>,
    /// The project's id, when known (a saved connection): the permission
    /// checks need not wait for the project to be read.
    pub project_id: Option<String>,
    /// The api-version a saved Server connection negotiated: requests that
    /// need no project go out with the sign-in.
    pub api_version: Option<String>,
    pub access: Access,
    /// The PAT, when one was found.
    pub pat: Option<SecretString>,
    /// Where the PAT came from, in words (for messages; never the PAT).
    pub pat_source: String,
    /// The saved secret's store answered with an error (locked, gone, hung):
    /// `auth.credentials` says so instead of "no secret".
    pub secret_unreadable: Option<crate::store::SecretError>,
    /// Microsoft sign-in (device code): the saved refresh token and app.
    /// When set, it is used instead of `pat`.
    pub entra: Option<EntraSign>,
    /// Unattended sign-in (managed identity, service principal, Azure
    /// CLI): a token is acquired for the run. When set (and `entra` is not),
    /// it is used instead of `pat`.
    pub unattended: Option<crate::auth::Unattended>,
    pub work_item_type: Option<String>,
    pub area_path: Option<String>,
    pub iteration_path: Option<String>,
    pub priority_map: PriorityMap,
    pub assignee: Option<String>,
    pub field_defaults: BTreeMap<String, String>,
}

impl Subject {
    /// What `target` (an organization, or a collection URL) is, and nothing
    /// more: no name, project, secret or mapping (read-write access, the
    /// default priority map). Callers set what they know on top.
    pub fn bare(deployment: Deployment, target: impl Into<String>) -> Subject {
        Subject {
            name: None,
            deployment,
            target: target.into(),
            project: None,
            project_id: None,
            api_version: None,
            access: Access::ReadWrite,
            pat: None,
            pat_source: String::new(),
            secret_unreadable: None,
            entra: None,
            unattended: None,
            work_item_type: None,
            area_path: None,
            iteration_path: None,
            priority_map: PriorityMap::default(),
            assignee: None,
            field_defaults: BTreeMap::new(),
        }
    }

    /// The connection's `auth_method` as the checks use it.
    pub fn auth_method(&self) -> crate::store::config::AuthMethod {
        use crate::store::config::AuthMethod;
        match (&self.entra, &self.unattended) {
            (Some(_), _) => AuthMethod::DeviceCode,
            (None, Some(u)) => u.method(),
            (None, None) => AuthMethod::Pat,
        }
    }
}

/// A saved Microsoft sign-in. `Debug` shows no token.
#[derive(Debug, Clone)]
pub struct EntraSign {
    pub app: crate::auth::EntraApp,
    pub refresh_token: SecretString,
    /// The tenant saved with the connection (the organization's answer wins).
    pub tenant: Option<String>,
}

/// Where and with what the checks run.
#[derive(Clone)]
pub struct Context {
    pub http: HttpClient,
    pub devops_base: Url,
    pub extra_endpoints: Vec<Url>,
    pub allow_http: bool,
    /// The config store of a saved connection (`storage.config`).
    pub config: Option<ConfigStore>,
    /// The secret store of a saved connection (`storage.secret`).
    pub secrets: Option<SecretStore>,
}

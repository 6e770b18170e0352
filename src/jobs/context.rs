//! What every job works with: the HTTP client and the stores
//! ([`JobContext`]), and an Azure DevOps client for a signed-in session.

use crate::ado::client::AdoClient;
use crate::ado::http::HttpClient;
use crate::ado::version::ApiVersion;
use crate::store::config::ConfigStore;
use crate::store::secrets::SecretStore;
use crate::wizard::{Problem, Session};

/// What jobs need: the HTTP client and the stores.
#[derive(Clone)]
pub struct JobContext {
    pub http: HttpClient,
    pub config: ConfigStore,
    pub secrets: SecretStore,
}

pub(super) fn client(http: &HttpClient, session: &Session) -> Result<AdoClient, Problem> {
    let version = ApiVersion::parse(&session.api_version).unwrap_or(ApiVersion::SERVICES);
    AdoClient::new(
        http.clone(),
        session.base_url.clone(),
        session.credential.clone(),
        version,
    )
    .map_err(|e| Problem::from(&e))
}

//! A saved connection as a check subject: its settings, and its secret read
//! from the store its `secret_ref` names — a PAT, a refresh token or a
//! client credential — or, when that store fails, why. Also the write-back
//! of a refresh token Entra ID renewed during a run.

use secrecy::SecretString;

use super::report::Report;
use super::subject::{EntraSign, Subject};
use crate::ado::endpoints::{Deployment, Endpoints};
use crate::problem::Problem;
use crate::store::config::{AuthMethod, ConfigStore, Connection, ProviderKey};
use crate::store::secrets::SecretStore;

/// Stores the refresh token Entra ID renewed during a run in place of the
/// old one, so the saved sign-in keeps sliding forward. Best effort: the
/// old token stays valid if this fails.
pub async fn keep_renewed_secret(secrets: Option<&SecretStore>, name: &str, report: &Report) {
    if let (Some(s), Some(fresh)) = (secrets, &report.renewed_secret)
        && let Err(e) = s.set(name, fresh).await
    {
        tracing::warn!(connection = name, error = %e, "could not store the renewed sign-in");
    }
}

/// What is checked for a saved connection: its settings, and its secret
/// from the store its `secret_ref` names (with that store, for
/// `storage.secret`): a PAT, the refresh token of a Microsoft sign-in (at
/// `authority`), or a service principal's client secret or certificate (at
/// `authority`). A managed identity (at `ADO_SETUP_IMDS_URL`) and the Azure
/// CLI keep no secret: their token is acquired by the checks. A missing
/// connection is an input error.
pub async fn saved_subject(
    store: &ConfigStore,
    name: &str,
    authority: &url::Url,
) -> Result<(Subject, Option<SecretStore>), Problem> {
    let loaded = store
        .load()
        .map_err(|e| Problem::new(e.code(), e.to_string(), e.fix()))?;
    let Some(c) = loaded.get(name).cloned() else {
        return Err(Problem::new(
            "CONFIG_INVALID",
            format!("no connection named {name} in {}", store.path().display()),
            "Check the name (saved connections are listed by the wizard's start menu), or pass --config-dir",
        ));
    };
    let StoredSecret {
        mut pat,
        source: mut pat_source,
        store: secrets,
        unreadable: secret_unreadable,
    } = StoredSecret::read(&c, store).await;
    let (entra, unattended) = sign_in_of(&c, &mut pat, &mut pat_source, authority)?;
    let subject = Subject {
        name: Some(c.name.clone()),
        deployment: match c.provider_key {
            ProviderKey::AzureDevopsServices => Deployment::Services,
            ProviderKey::AzureDevopsServer => Deployment::Server,
        },
        target: c.organization.clone().unwrap_or(c.base_url.clone()),
        project: Some(c.project.clone()),
        project_id: Some(c.project_id.clone()).filter(|id| !id.is_empty()),
        api_version: Some(c.api_version.clone()).filter(|v| !v.is_empty()),
        access: c.access,
        pat,
        pat_source,
        secret_unreadable,
        entra,
        unattended,
        work_item_type: Some(c.work_item_type.clone()),
        area_path: Some(c.area_path.clone()),
        iteration_path: Some(c.iteration_path.clone()),
        priority_map: c.priority_map,
        assignee: c.assignee.clone(),
        field_defaults: c.field_defaults.clone(),
    };
    Ok((subject, secrets))
}

/// The secret a saved connection's `secret_ref` names, where it was found,
/// and — when its store failed — why.
struct StoredSecret {
    pat: Option<SecretString>,
    source: String,
    store: Option<SecretStore>,
    unreadable: Option<crate::store::secrets::SecretError>,
}

impl StoredSecret {
    async fn read(c: &Connection, config: &ConfigStore) -> StoredSecret {
        let mut found = StoredSecret {
            pat: None,
            source: "no stored secret".to_string(),
            store: None,
            unreadable: None,
        };
        let Some(r) = &c.secret_ref else {
            return found;
        };
        match SecretStore::open_ref(r, config.dir()).await {
            Ok(s) => {
                match s.get(&c.name).await {
                    Ok(Some(p)) => {
                        found.pat = Some(p);
                        found.source = s.describe();
                    }
                    Ok(None) => found.source = format!("nothing stored in {}", s.describe()),
                    Err(e) => {
                        found.source = format!("the secret store failed: {e}");
                        found.unreadable = Some(e);
                    }
                }
                found.store = Some(s);
            }
            Err(e) => {
                found.source = format!("the secret store failed: {e}");
                found.unreadable = Some(e);
            }
        }
        found
    }
}

/// The sign-in a saved connection uses besides a PAT: a Microsoft sign-in
/// (its refresh token taken from `pat`), or an unattended one — a managed
/// identity (at `ADO_SETUP_IMDS_URL`), the Azure CLI, or a service principal
/// (its client credential taken from `pat`).
fn sign_in_of(
    c: &Connection,
    pat: &mut Option<SecretString>,
    pat_source: &mut String,
    authority: &url::Url,
) -> Result<(Option<EntraSign>, Option<crate::auth::Unattended>), Problem> {
    let mut entra = None;
    let mut unattended = None;
    let services = c.provider_key == ProviderKey::AzureDevopsServices;
    match c.auth_method {
        AuthMethod::ManagedIdentity if services => {
            let imds = Endpoints::imds_from_env().map_err(|e| {
                Problem::new(e.code(), e.to_string(), "Fix or unset ADO_SETUP_IMDS_URL")
            })?;
            let u = crate::auth::Unattended::ManagedIdentity {
                imds,
                client_id: c.client_id.clone(),
            };
            *pat_source = format!("{}; nothing secret is stored", u.describe());
            unattended = Some(u);
        }
        AuthMethod::AzureCli if services => {
            let u = crate::auth::Unattended::AzureCli {
                tenant: c.tenant_id.clone(),
            };
            *pat_source = format!("{}; nothing secret is stored", u.describe());
            unattended = Some(u);
        }
        AuthMethod::ServicePrincipal if services => {
            let credential = pat.take().map(crate::auth::ClientCredential::from_stored);
            let source = if credential.is_some() {
                pat_source.clone()
            } else {
                format!("no client secret: {pat_source}")
            };
            let sp = crate::auth::ServicePrincipal {
                authority: authority.clone(),
                tenant: c.tenant_id.clone(),
                client_id: c.client_id.clone().unwrap_or_default(),
                credential,
                source,
            };
            *pat_source = format!("the service principal {}, from {}", sp.client_id, sp.source);
            unattended = Some(crate::auth::Unattended::ServicePrincipal(sp));
        }
        _ => {}
    }
    if c.auth_method == AuthMethod::DeviceCode {
        entra = pat.take().map(|refresh_token| EntraSign {
            app: crate::auth::EntraApp {
                authority: authority.clone(),
                client_id: c
                    .client_id
                    .clone()
                    .unwrap_or_else(|| crate::auth::DEFAULT_CLIENT_ID.to_string()),
            },
            refresh_token,
            tenant: c.tenant_id.clone(),
        });
        if entra.is_some() {
            *pat_source = format!("Microsoft sign-in, {pat_source}");
        }
    }
    Ok((entra, unattended))
}

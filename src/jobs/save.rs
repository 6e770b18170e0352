//! Saving: opening the chosen secret store (with its round trip), the
//! allowlist file, and the connection itself — secret first, then the
//! config entry, so a failure leaves what was saved before intact.

use super::context::JobContext;
use crate::store::secrets::{SecretStore, SecretStoreKind};
use crate::wizard::{JobResult, Problem, SaveRequest, SavedInfo};

/// Opens the store the user chose when the OS keyring failed, and proves it.
pub(super) async fn open_store(
    ctx: &JobContext,
    choice: crate::store::secrets::SecretStoreChoice,
) -> Result<JobResult, Problem> {
    let err = |e: crate::store::secrets::SecretError| {
        Problem::new(
            e.code(),
            e.to_string(),
            "Choose another of the options above",
        )
    };
    let store = SecretStore::open(choice, ctx.config.dir())
        .await
        .map_err(err)?;
    store.round_trip().await.map_err(err)?;
    Ok(JobResult::StoreOpened {
        description: store.describe(),
        store,
    })
}

/// Writes the firewall request next to the config (the demo's is temporary).
pub(super) fn save_allowlist(
    ctx: &JobContext,
    text: &str,
    file_name: &str,
) -> Result<JobResult, Problem> {
    let path = ctx.config.dir().join(file_name);
    crate::store::fsutil::write_atomic(&path, text.as_bytes(), None).map_err(|e| {
        Problem::new(
            "CONFIG_INVALID",
            format!("cannot write {}: {e}", path.display()),
            "Check that the config directory is writable, or copy the list with c instead",
        )
    })?;
    Ok(JobResult::AllowlistSaved(path.display().to_string()))
}

/// Saves a new connection. The config is checked first (a new name, a new
/// organization+project), so nothing is touched when it would be refused;
/// then the secret, then the config. If the config cannot be written, the
/// secret store is put back as it was — nothing saved before is lost.
pub(super) async fn save(ctx: &JobContext, req: SaveRequest) -> Result<JobResult, Problem> {
    let SaveRequest {
        replaces,
        mut connection,
        secret,
    } = req;
    let to_problem =
        |e: crate::store::config::ConfigError| Problem::new(e.code(), e.to_string(), e.fix());
    let name = connection.name.clone();
    // Managed identity and the Azure CLI keep nothing secret.
    let keeps_secret = connection.auth_method.stores_secret();
    connection.secret_ref = keeps_secret.then(|| ctx.secrets.secret_ref(&name));
    connection.validated_at = Some(crate::store::config::now_rfc3339());
    let mut config = ctx.config.load().map_err(to_problem)?;
    // Editing: the old entry goes, in the same atomic write.
    let old = replaces.and_then(|n| config.remove(&n));
    config.insert(connection.clone()).map_err(to_problem)?;

    let secret_problem =
        |e: crate::store::secrets::SecretError| Problem::new(e.code(), e.to_string(), e.fix());
    let stores_secrets = keeps_secret && ctx.secrets.kind() != SecretStoreKind::None;
    let previous = if stores_secrets {
        let previous = ctx
            .secrets
            .get(name.as_str())
            .await
            .map_err(secret_problem)?;
        ctx.secrets
            .set(name.as_str(), &secret)
            .await
            .map_err(secret_problem)?;
        previous
    } else {
        None
    };
    if let Err(e) = ctx.config.save(&config) {
        if stores_secrets {
            let _ = match &previous {
                Some(old) => ctx.secrets.set(name.as_str(), old).await,
                None => ctx.secrets.delete(name.as_str()).await.map(|_| ()),
            };
        }
        return Err(to_problem(e));
    }
    // Renamed (or moved to another store) by an edit: the old secret goes.
    if let Some(old) = old
        && let Some(r) = &old.secret_ref
        && (!old.name.eq_ignore_ascii_case(&name) || r.store != ctx.secrets.kind())
        && let Ok(store) = SecretStore::open_ref(r, ctx.config.dir()).await
        && let Err(e) = store.delete(old.name.as_str()).await
    {
        tracing::warn!(error = %e, "could not delete the secret of the connection's old name");
    }
    Ok(JobResult::Saved(SavedInfo {
        name,
        config_path: ctx.config.path().display().to_string(),
        secret_location: ctx.secrets.describe(),
    }))
}

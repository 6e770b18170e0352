//! `storage.secret` and `storage.config` (SPEC §4): the local stores of a
//! saved connection. No request to Azure DevOps; they need no other check
//! and run with `target.url`.

use std::time::Instant;

use super::outcome::{fail_with, not_pass, pass, skip};
use super::report::{CheckOutcome, Status};
use super::subject::{Context, Subject};

/// `storage.secret`: the secret store works (a write/read/delete round
/// trip) and holds the connection's secret.
pub(super) async fn storage_secret(subject: &Subject, ctx: &Context) -> CheckOutcome {
    use crate::auth::Unattended;
    let started = Instant::now();
    if subject.entra.is_none() && subject.pat.is_none() {
        match &subject.unattended {
            Some(Unattended::ManagedIdentity { .. }) => {
                return skip(
                    "storage.secret",
                    "nothing secret is stored: the managed identity's tokens come from the metadata endpoint",
                );
            }
            Some(Unattended::AzureCli { .. }) => {
                return skip(
                    "storage.secret",
                    "nothing secret is stored: the Azure CLI keeps its own sign-in",
                );
            }
            _ => {}
        }
    }
    // A secret found elsewhere (the environment, standard input).
    let fallback = match &subject.unattended {
        Some(Unattended::ServicePrincipal(sp)) if subject.entra.is_none() => {
            sp.credential.as_ref().map(|_| sp.source.clone())
        }
        _ => subject.pat.as_ref().map(|_| subject.pat_source.clone()),
    };
    if ctx.secrets.is_none()
        && let Some(e) = &subject.secret_unreadable
    {
        // The saved connection's store could not even be opened.
        return fail_with("storage.secret", e.code(), e.to_string(), e.fix(), started);
    }
    let Some(store) = &ctx.secrets else {
        return skip(
            "storage.secret",
            format!(
                "no saved connection: the secret came from {}",
                subject.pat_source
            ),
        );
    };
    if let Err(e) = store.round_trip().await {
        return fail_with("storage.secret", e.code(), e.to_string(), e.fix(), started);
    }
    match (&subject.name, subject.pat.is_some()) {
        (Some(name), _) => match store.get(name.as_str()).await {
            Ok(Some(_)) => pass(
                "storage.secret",
                format!("{} holds the secret", store.describe()),
                started,
            ),
            Ok(None) if fallback.is_some() => not_pass(
                "storage.secret",
                Status::Warn,
                "SECRET_STORE_UNAVAILABLE",
                format!(
                    "{} holds no secret for {name}; using {}",
                    store.describe(),
                    fallback.as_deref().unwrap_or_default()
                ),
                &["Run `ado-setup edit NAME` to store the secret again"],
                started,
            ),
            Ok(None) => not_pass(
                "storage.secret",
                Status::Fail,
                "SECRET_STORE_UNAVAILABLE",
                format!("{} holds no secret for {name}", store.describe()),
                &[match &subject.unattended {
                    Some(Unattended::ServicePrincipal(_)) => {
                        "Set AZURE_CLIENT_SECRET, or run `ado-setup edit NAME` to store the client secret again"
                    }
                    _ => {
                        "Set AZURE_DEVOPS_EXT_PAT, or run `ado-setup edit NAME` to store the secret again"
                    }
                }],
                started,
            ),
            Err(e) => fail_with("storage.secret", e.code(), e.to_string(), e.fix(), started),
        },
        (None, _) => pass("storage.secret", store.describe(), started),
    }
}

/// `storage.config`: the config file is readable, valid and private.
pub(super) async fn storage_config(ctx: &Context) -> CheckOutcome {
    let started = Instant::now();
    let Some(config) = &ctx.config else {
        return skip("storage.config", "no saved connection: flags only");
    };
    match config.load() {
        Err(e) => fail_with("storage.config", e.code(), e.to_string(), e.fix(), started),
        Ok(_) => {
            let warnings = config.privacy();
            if warnings.is_empty() {
                pass(
                    "storage.config",
                    config.path().display().to_string(),
                    started,
                )
            } else {
                let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
                not_pass(
                    "storage.config",
                    Status::Warn,
                    "CONFIG_INVALID",
                    text.join("; "),
                    &["chmod 700 the config dir and chmod 600 the files in it"],
                    started,
                )
            }
        }
    }
}

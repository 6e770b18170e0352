//! Azure CLI: a token for Azure DevOps from whatever account `az login`
//! signed in (`az account get-access-token --resource 499b84ac-…
//! [--tenant T]`), run with no input, under a timeout; its failures said as
//! the `az` command to run.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::{ADO_DEFAULT_SCOPE, AppToken, FIX_AGAIN, FIX_ANOTHER_AUTH};
use crate::auth::ADO_RESOURCE;
use crate::problem::Problem;

/// How long `az account get-access-token` may take.
pub const AZ_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether the Azure CLI can hand out a token for Azure DevOps here (it is
/// installed and signed in): the signed-in account, for the wizard to
/// show, or why not. Costs one `az account get-access-token` (a few
/// seconds).
pub async fn probe_azure_cli(tenant: Option<&str>) -> Result<String, Problem> {
    let token = azure_cli_token(tenant).await?;
    Ok(token
        .claims
        .sign_in_name()
        .or(token.claims.oid.as_deref())
        .unwrap_or("the signed-in account")
        .to_string())
}

/// `az account get-access-token --output json`.
#[derive(Deserialize)]
struct AzAccessToken {
    #[serde(rename = "accessToken")]
    access_token: SecretString,
    /// Unix seconds, a number or a string (az 2.54 and later).
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
    /// Local time, `2025-01-02 03:04:05.000000` (every version).
    #[serde(default, rename = "expiresOn")]
    _expires_on_local: Option<String>,
    #[serde(default)]
    tenant: Option<String>,
}

/// The program that is the Azure CLI.
fn az_program() -> &'static str {
    if cfg!(windows) { "az.cmd" } else { "az" }
}

/// A tenant as it may be given to `az --tenant` (a GUID or a domain: no
/// option-like or odd text reaches the command line).
fn tenant_arg_ok(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 256
        && !t.starts_with('-')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

/// A token for Azure DevOps from the Azure CLI's sign-in
/// (`az account get-access-token --resource 499b84ac-… [--tenant T]`).
pub async fn azure_cli_token(tenant: Option<&str>) -> Result<AppToken, Problem> {
    azure_cli_token_with(az_program(), tenant, AZ_TIMEOUT).await
}

/// [`azure_cli_token`] with another program and timeout (tests).
pub async fn azure_cli_token_with(
    program: &str,
    tenant: Option<&str>,
    timeout: Duration,
) -> Result<AppToken, Problem> {
    let tenant = tenant.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = tenant
        && !tenant_arg_ok(t)
    {
        return Err(Problem::new(
            "CONFIG_INVALID",
            format!("{t:?} is not a tenant id or domain"),
            "Pass --tenant with the tenant's id (a GUID) or a verified domain",
        ));
    }
    let login = match tenant {
        Some(t) => format!("az login --tenant {t}"),
        None => "az login".to_string(),
    };
    let out = run_az(az_token_command(program, tenant), &login, timeout).await?;
    if !out.status.success() {
        return Err(explain_az_failure(
            &String::from_utf8_lossy(&out.stderr),
            &login,
        ));
    }
    let t: AzAccessToken = crate::text::from_json_slice(&out.stdout).map_err(|e| {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI answered something other than a token ({e})"),
            format!(
                "Run `az account get-access-token --resource {ADO_RESOURCE}` by hand; update the Azure CLI (`az upgrade`) if its answer is not JSON"
            ),
        )
    })?;
    let expires_on = match &t.expires_on {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let mut token = AppToken::new(t.access_token, expires_on);
    if token.claims.tid.is_none() {
        token.claims.tid = t.tenant;
    }
    Ok(token)
}

/// `program account get-access-token --resource 499b84ac-… [--tenant T]`,
/// with no input and its output captured.
fn az_token_command(program: &str, tenant: Option<&str>) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args([
        "account",
        "get-access-token",
        "--resource",
        ADO_RESOURCE,
        "--output",
        "json",
        "--only-show-errors",
    ]);
    if let Some(t) = tenant {
        cmd.args(["--tenant", t]);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs the Azure CLI within `timeout` (killed when it takes longer); a
/// missing `az` is said with how to install it and sign in (`login`).
async fn run_az(
    mut cmd: tokio::process::Command,
    login: &str,
    timeout: Duration,
) -> Result<std::process::Output, Problem> {
    let child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                "the Azure CLI (az) is not installed, or not on PATH",
                format!(
                    "Install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and run `{login}` as the user the integration runs as, {FIX_ANOTHER_AUTH}"
                ),
            )
        } else {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!("the Azure CLI (az) could not be started: {e}"),
                "Check that `az` runs for this user (try `az version`)",
            )
        }
    })?;
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI (az) failed to run: {e}"),
            "Check that `az` runs for this user (try `az version`)",
        )),
        Err(_) => Err(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "the Azure CLI did not answer within {} s",
                timeout.as_secs()
            ),
            format!(
                "Run `az account get-access-token --resource {ADO_RESOURCE}` by hand to see what it waits for"
            ),
        )),
    }
}

/// What a failed `az account get-access-token` means, from its stderr.
fn explain_az_failure(stderr: &str, login: &str) -> Problem {
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no error text");
    let first = first.strip_prefix("ERROR:").unwrap_or(first).trim();
    let first: String = first.chars().take(220).collect();
    let lower = stderr.to_ascii_lowercase();
    let expired = [
        "aadsts700082",
        "aadsts50173",
        "aadsts700084",
        "aadsts50078",
        "aadsts50076",
        "aadsts70043",
        "expired",
        "interactive authentication is needed",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let fix_login = format!(
        "Run `{login}` as the user the integration runs as (add `--scope {ADO_DEFAULT_SCOPE}` if it asks), {FIX_AGAIN}"
    );
    if expired {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI's sign-in has expired: {first}"),
            fix_login,
        )
    } else if lower.contains("az login") || lower.contains("not logged in") {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI is not signed in: {first}"),
            fix_login,
        )
    } else if lower.contains("aadsts50020") || lower.contains("aadsts90072") {
        Problem::new(
            "AUTH_WRONG_DIRECTORY",
            format!("the Azure CLI's account is not in the organization's directory: {first}"),
            format!(
                "Run `{login}` with an account of the organization's directory, or ask its admin to add you as a guest"
            ),
        )
    } else {
        Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the Azure CLI could not get a token for Azure DevOps: {first}"),
            format!(
                "Run `az account get-access-token --resource {ADO_RESOURCE}` by hand to see the whole error"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn az_tenants_never_look_like_options() {
        assert!(tenant_arg_ok("contoso.example"));
        assert!(tenant_arg_ok("f50b3664-ff5f-44cf-bb3e-31185eb08830"));
        assert!(!tenant_arg_ok("--query"));
        assert!(!tenant_arg_ok("a b"));
        assert!(!tenant_arg_ok("a;b"));
        assert!(!tenant_arg_ok(""));
    }

    #[test]
    fn az_failures_say_what_to_run() {
        let signed_out = explain_az_failure(
            "ERROR: Please run 'az login' to setup account.\n",
            "az login --tenant t",
        );
        assert_eq!(signed_out.code, "PROVIDER_AUTH_REQUIRED");
        assert!(
            signed_out.message.contains("not signed in"),
            "{signed_out:?}"
        );
        assert!(signed_out.fix.contains("az login --tenant t"));
        let expired = explain_az_failure(
            "ERROR: AADSTS700082: The refresh token has expired due to inactivity.\nInteractive authentication is needed. Please run:\naz login --scope 499b84ac-1321-427f-aa17-267ca6975798/.default\n",
            "az login",
        );
        assert!(expired.message.contains("has expired"), "{expired:?}");
        assert!(expired.message.contains("AADSTS700082"));
        assert!(expired.fix.starts_with("Run `az login`"));
        let other = explain_az_failure("boom\n", "az login");
        assert!(other.message.contains("boom"));
    }

    #[tokio::test]
    async fn a_missing_az_is_said_as_such() {
        let p = azure_cli_token_with("ado-setup-no-such-az-program", None, AZ_TIMEOUT).await;
        match p {
            Err(p) => {
                assert_eq!(p.code, "PROVIDER_AUTH_REQUIRED");
                assert!(p.message.contains("not installed"), "{p:?}");
                assert!(p.fix.contains("az login"));
            }
            Ok(_) => panic!("no such program"),
        }
        let bad = azure_cli_token_with("az", Some("--query"), AZ_TIMEOUT).await;
        assert!(matches!(bad, Err(p) if p.code == "CONFIG_INVALID"));
    }
}

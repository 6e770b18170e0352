//! The allowlist as people need it: what each endpoint is for, and the text
//! of a firewall request (hosts, ports, purpose, what this machine saw).

use url::Url;

use super::probe::{EndpointProbe, EndpointResult};
use serde::{Deserialize, Serialize};

/// `direct`, `proxy`, `partial` or `blocked` (SPEC §6) from probe results.
pub fn allowlist_status(rows: &[EndpointResult]) -> AllowlistStatus {
    let ok = rows.iter().filter(|r| r.ok).count();
    if rows.is_empty() || ok == 0 {
        AllowlistStatus::Blocked
    } else if ok < rows.len() {
        AllowlistStatus::Partial
    } else if rows.iter().any(|r| r.via_proxy) {
        AllowlistStatus::Proxy
    } else {
        AllowlistStatus::Direct
    }
}

/// [`allowlist_status`] of staged probes.
pub fn probes_status(probes: &[EndpointProbe]) -> AllowlistStatus {
    let rows: Vec<EndpointResult> = probes.iter().map(|p| p.result.clone()).collect();
    allowlist_status(&rows)
}

/// Microsoft's page on the IP ranges and URLs Azure DevOps uses, including
/// the inbound ranges service hooks come from (kept current by Microsoft;
/// nothing is hard-coded here).
pub const IP_RANGES_URL: &str =
    "https://learn.microsoft.com/azure/devops/organizations/security/allow-list-ip-url";

/// What an endpoint is for, in words.
pub fn purpose(url: &Url) -> &'static str {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host == "dev.azure.com" {
        "Azure DevOps REST API (work items, projects, checks)"
    } else if host.starts_with("vssps.") || url.path().starts_with("/_vssps") {
        "Azure DevOps identity and organization services"
    } else if host.starts_with("app.vssps.") || url.path().starts_with("/_profile") {
        "profile and organization list (Microsoft sign-in)"
    } else if host.starts_with("login.") || url.path().starts_with("/_login") {
        "Microsoft Entra ID sign-in and token refresh"
    } else if host.ends_with(".visualstudio.com") {
        "the organization's legacy URL (redirects, older clients)"
    } else {
        "Azure DevOps"
    }
}

/// `host:port` of an endpoint.
pub fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// The text of a firewall request: one line per endpoint (host and port,
/// purpose, what this machine saw), the proxy, and the note on inbound
/// traffic.
pub fn firewall_request(probes: &[EndpointProbe], status: &str) -> String {
    let mut out = String::from(
        "Outbound HTTPS needed by the Azure Boards integration (set up with ado-setup):\n\n",
    );
    let hp = |p: &EndpointProbe| {
        Url::parse(&p.result.url)
            .map(|u| (host_port(&u), purpose(&u)))
            .unwrap_or_else(|_| (p.result.url.clone(), "Azure DevOps"))
    };
    let width = probes.iter().map(|p| hp(p).0.len()).max().unwrap_or(0);
    for p in probes {
        let seen = if p.result.ok {
            match &p.proxy {
                Some(proxy) => format!("reachable via proxy {proxy}"),
                None => "reachable".to_string(),
            }
        } else {
            format!("NOT reachable: {}", p.result.detail)
        };
        let (host, what) = hp(p);
        out.push_str(&format!("  {host:<width$}  TCP  {what}  [{seen}]\n"));
    }
    out.push_str(&format!("\nStatus from this machine: {status}\n"));
    out.push_str(&format!(
        "\nInbound (service hooks from Azure DevOps to this integration): allow Azure DevOps' \
         published IP ranges, see {IP_RANGES_URL}\n"
    ));
    out
}

/// Network allowlist result (SPEC §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowlistStatus {
    /// Every endpoint reachable without a proxy.
    Direct,
    /// Every endpoint reachable, some through the proxy.
    Proxy,
    /// Some endpoints unreachable.
    Partial,
    /// No endpoint reachable.
    Blocked,
}

impl AllowlistStatus {
    /// The status as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            AllowlistStatus::Direct => "direct",
            AllowlistStatus::Proxy => "proxy",
            AllowlistStatus::Partial => "partial",
            AllowlistStatus::Blocked => "blocked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_ports() {
        let u = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(purpose(&u("https://dev.azure.com")).contains("REST API"));
        assert!(purpose(&u("https://login.microsoftonline.com")).contains("Entra"));
        assert!(purpose(&u("https://contoso.visualstudio.com")).contains("legacy"));
        assert!(purpose(&u("https://app.vssps.visualstudio.com")).contains("profile"));
        assert_eq!(host_port(&u("https://dev.azure.com")), "dev.azure.com:443");
        assert_eq!(host_port(&u("http://tfs.lab:8080/tfs")), "tfs.lab:8080");
    }
}

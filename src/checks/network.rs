//! `network.reachable` and `network.allowlist` (SPEC §4, §6): is it Azure
//! DevOps, and is every endpoint the connection needs reachable. Both are
//! probed at once, in round trip 1; the probe's answer also names the
//! organization's Entra tenant, which a Microsoft or unattended sign-in needs.

use std::time::Instant;

use url::Url;

use super::outcome::{fail_with, maybe, not_pass, pass};
use super::report::{CheckOutcome, Status};
use super::subject::{Context, Subject};
use crate::ado::endpoints::Deployment;
use crate::ado::probe::probe_azure_devops;
use crate::net::allowlist::{AllowlistStatus, probes_status};
use crate::net::probe::{EndpointProbe, probe_endpoints_staged};
use crate::net::target::parse_services_target;
use crate::problem::Problem;

/// What the network stage found.
pub(super) struct NetStage {
    pub outcomes: Vec<CheckOutcome>,
    /// `direct`, `proxy`, `partial` or `blocked`.
    pub allowlist: Option<AllowlistStatus>,
    /// The organization's Entra tenant, as its unauthenticated answer names it.
    pub tenant: Option<String>,
}

/// The endpoints `network.allowlist` probes: the same list as the wizard's
/// Network step ([`crate::ado::endpoints::required_endpoints`] with the
/// organization's name, so `{org}.visualstudio.com` where the Azure DevOps
/// endpoint is Microsoft's own).
fn allowlist_endpoints(subject: &Subject, ctx: &Context, base: &Url) -> Vec<Url> {
    // Entra ID: for a Microsoft sign-in or a service principal.
    let authority = match (&subject.entra, &subject.unattended) {
        (Some(e), _) => Some(&e.app.authority),
        (None, Some(crate::auth::Unattended::ServicePrincipal(sp))) => Some(&sp.authority),
        _ => None,
    };
    let organization = match subject.deployment {
        Deployment::Services => parse_services_target(&subject.target, &ctx.devops_base)
            .ok()
            .map(|t| t.organization),
        Deployment::Server => None,
    };
    crate::ado::endpoints::required_endpoints(
        subject.deployment,
        &ctx.devops_base,
        &ctx.extra_endpoints,
        authority,
        organization.as_deref(),
        Some(base),
    )
}

/// Is it Azure DevOps, is every endpoint reachable: both at once, each only
/// when the run evaluates it.
pub(super) async fn network_stage(
    subject: &Subject,
    ctx: &Context,
    base: &Url,
    wants_reachable: bool,
    wants_allowlist: bool,
) -> NetStage {
    let started = Instant::now();
    let mut out = NetStage {
        outcomes: Vec::new(),
        allowlist: None,
        tenant: None,
    };
    let endpoints = allowlist_endpoints(subject, ctx, base);
    let (probe, rows) = tokio::join!(
        maybe(wants_reachable, || probe_azure_devops(
            &ctx.http,
            subject.deployment,
            base
        )),
        maybe(wants_allowlist, || probe_endpoints_staged(
            &endpoints,
            ctx.http.probe_options()
        ))
    );
    if let Some(probe) = probe {
        if let Ok(t) = &probe {
            out.tenant.clone_from(t);
        }
        out.outcomes.push(reachable_check(probe, started));
    }
    if let Some(probes) = rows {
        let probes = match probes {
            Ok(p) => p,
            Err(problem) => {
                // The trust store could not be built (a bad --ca-file).
                out.outcomes.push(fail_with(
                    "network.allowlist",
                    &problem.code,
                    problem.message,
                    problem.fix,
                    started,
                ));
                Vec::new()
            }
        };
        out.allowlist = Some(probes_status(&probes));
        // No probe at all: the failure is reported above.
        if !probes.is_empty() {
            out.outcomes.push(allowlist_check(&probes, started));
        }
    }
    out
}

/// `network.reachable` from the Azure DevOps probe (its answer: the
/// organization's tenant, if it names one).
fn reachable_check(probe: Result<Option<String>, Problem>, started: Instant) -> CheckOutcome {
    match probe {
        Ok(tenant) => pass(
            "network.reachable",
            match tenant {
                Some(t) => format!("Azure DevOps answered (tenant {t})"),
                None => "Azure DevOps answered".to_string(),
            },
            started,
        ),
        Err(p) => {
            let code = match p.code.as_str() {
                // Busy or failing (429/5xx that persisted) is not a wrong URL.
                "NETWORK_UNREACHABLE" | "NETWORK_TLS_FAILED" | "PROVIDER_UNAVAILABLE" => {
                    p.code.clone()
                }
                _ => "PROVIDER_BASE_URL_BLOCKED".to_string(),
            };
            CheckOutcome {
                code: Some(code),
                fix: vec![p.fix],
                ..not_pass(
                    "network.reachable",
                    Status::Fail,
                    "",
                    p.message,
                    &[],
                    started,
                )
            }
        }
    }
}

/// `network.allowlist` from the endpoint probes (at least one).
fn allowlist_check(probes: &[EndpointProbe], started: Instant) -> CheckOutcome {
    let status = probes_status(probes);
    let blocked: Vec<String> = probes
        .iter()
        .filter(|p| !p.result.ok)
        .map(|p| format!("{} ({})", p.result.url, p.result.detail))
        .collect();
    let mut fixes: Vec<String> = probes
        .iter()
        .filter_map(|p| p.problem.as_ref().map(|pr| pr.fix.clone()))
        .collect();
    fixes.dedup();
    if blocked.is_empty() {
        return pass(
            "network.allowlist",
            format!(
                "{} endpoint(s) reachable, {}",
                probes.len(),
                status.as_str()
            ),
            started,
        );
    }
    fixes.push(
        "Ask your network team to allow outbound HTTPS to the hosts above (the wizard's Network step saves the list), or set HTTPS_PROXY/NO_PROXY".into(),
    );
    CheckOutcome {
        fix: fixes,
        ..not_pass(
            "network.allowlist",
            Status::Fail,
            "NETWORK_BLOCKED",
            format!("not reachable: {}", blocked.join(", ")),
            &[],
            started,
        )
    }
}

#[cfg(test)]
mod tests {
    fn subject(deployment: crate::ado::endpoints::Deployment, target: &str) -> super::Subject {
        super::Subject::bare(deployment, target)
    }

    fn context(devops: &str) -> super::Context {
        let u = |s: &str| url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        super::Context {
            http: crate::ado::http::HttpClient::new(Default::default())
                .unwrap_or_else(|e| panic!("{e}")),
            devops_base: u(devops),
            extra_endpoints: vec![
                u("https://app.vssps.visualstudio.com"),
                u("https://aex.dev.azure.com"),
            ],
            allow_http: true,
            config: None,
            secrets: None,
        }
    }

    /// `network.allowlist` probes what the wizard's Network step probes:
    /// the legacy `{org}.visualstudio.com` host where the Azure DevOps
    /// endpoint is Microsoft's own, and not behind an overridden one.
    #[test]
    fn the_allowlist_is_the_wizards_list() {
        use crate::ado::endpoints::Deployment;
        let strs = |v: Vec<url::Url>| v.iter().map(|u| u.to_string()).collect::<Vec<_>>();
        let ctx = context("https://dev.azure.com");
        let s = subject(Deployment::Services, "contoso");
        let base =
            url::Url::parse("https://dev.azure.com/contoso").unwrap_or_else(|e| panic!("{e}"));
        let doctor = super::allowlist_endpoints(&s, &ctx, &base);
        let wizard = crate::ado::endpoints::required_endpoints(
            Deployment::Services,
            &ctx.devops_base,
            &ctx.extra_endpoints,
            None,
            Some("contoso"),
            Some(&base),
        );
        assert_eq!(strs(doctor.clone()), strs(wizard));
        assert!(
            strs(doctor).contains(&"https://contoso.visualstudio.com/".to_string()),
            "the legacy host is probed"
        );
        // A URL as typed names the same organization.
        let s = subject(
            Deployment::Services,
            "https://dev.azure.com/contoso/Payments",
        );
        let typed = super::allowlist_endpoints(&s, &ctx, &base);
        assert!(strs(typed).contains(&"https://contoso.visualstudio.com/".to_string()));
        // Behind an overridden endpoint (a sandbox) there is no such host.
        let ctx = context("http://127.0.0.1:8080");
        let s = subject(Deployment::Services, "contoso");
        let base =
            url::Url::parse("http://127.0.0.1:8080/contoso").unwrap_or_else(|e| panic!("{e}"));
        let list = strs(super::allowlist_endpoints(&s, &ctx, &base));
        assert!(
            !list
                .iter()
                .any(|u| u.contains("visualstudio.com/") && u.contains("contoso")),
            "{list:?}"
        );
    }
}

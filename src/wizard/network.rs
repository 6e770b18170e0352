//! The Network allowlist step: the endpoints this connection needs (SPEC
//! §6), what each stands for (and which real host an override replaces),
//! the firewall request made from their probes, and the keys that probe
//! again, copy the request or save it to a file.

use crossterm::event::{KeyCode, KeyEvent};
use url::Url;

use super::{Effect, Job, SignInMethod, Step, Wizard, probes_status};
use crate::ado::endpoints::Deployment;

/// What an endpoint of the Network step stands for (`Azure DevOps`,
/// `identity`, `profile`, `sign-in`, `org (legacy)`, `collection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointRole {
    pub what: &'static str,
    /// Set when the endpoint replaces Microsoft's own host.
    pub replaces: Option<EndpointOverride>,
}

/// The real host an overridden endpoint stands in for, and what put it
/// there (the variable, or the demo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointOverride {
    pub host: &'static str,
    pub by: &'static str,
}

impl Wizard {
    /// The firewall request for the probed endpoints.
    pub fn firewall_request(&self) -> Option<String> {
        let probes = self.network.as_ref()?;
        Some(crate::net::allowlist::firewall_request(
            probes,
            probes_status(probes).as_str(),
        ))
    }

    /// What a probed endpoint (`url`, as the Network step's rows give it)
    /// stands for, and — where `ADO_SETUP_*_URL` or the demo replaced it —
    /// the real host it stands in for.
    pub fn endpoint_role(&self, url: &str) -> EndpointRole {
        let url = url.trim_end_matches('/');
        let same = |u: &Url| u.as_str().trim_end_matches('/').eq_ignore_ascii_case(url);
        let s = &self.settings;
        let known: [(&Url, &'static str, &'static str, &'static str); 4] = [
            (
                &s.devops_base,
                "Azure DevOps",
                "dev.azure.com",
                "ADO_SETUP_DEVOPS_URL",
            ),
            (
                &s.vssps_base,
                "identity",
                "vssps.dev.azure.com",
                "ADO_SETUP_VSSPS_URL",
            ),
            (
                &s.profile_base,
                "profile",
                "app.vssps.visualstudio.com",
                "ADO_SETUP_PROFILE_URL",
            ),
            (
                &s.authority_base,
                "sign-in",
                "login.microsoftonline.com",
                "ADO_SETUP_AUTHORITY_URL",
            ),
        ];
        if self.deployment == Deployment::Services {
            for (base, what, real, var) in known {
                if same(base) {
                    let replaced = base
                        .host_str()
                        .is_some_and(|h| !h.eq_ignore_ascii_case(real));
                    return EndpointRole {
                        what,
                        replaces: replaced.then_some(EndpointOverride {
                            host: real,
                            by: if s.demo { "the demo's sandbox" } else { var },
                        }),
                    };
                }
            }
            if Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .is_some_and(|h| h.ends_with(".visualstudio.com"))
            {
                return EndpointRole {
                    what: "org (legacy)",
                    replaces: None,
                };
            }
        }
        EndpointRole {
            what: match self.deployment {
                Deployment::Server => "collection",
                Deployment::Services => "endpoint",
            },
            replaces: None,
        }
    }

    /// The endpoints this connection needs (SPEC §6).
    pub fn endpoints(&self) -> Vec<Url> {
        // Entra ID's sign-in endpoint, where the connection signs in there
        // itself: the same rule as `network.allowlist`.
        let authority = matches!(
            self.sign_in_method,
            SignInMethod::DeviceCode | SignInMethod::ServicePrincipal
        )
        .then_some(&self.settings.authority_base);
        crate::ado::endpoints::required_endpoints(
            self.deployment,
            &self.settings.devops_base,
            &self.settings.service_endpoints(),
            authority,
            self.organization.as_deref().filter(|_| !self.settings.demo),
            self.base_url.as_ref(),
        )
    }
}

/// Keys of the Network step: `r` probes again, `c` copies the firewall
/// request (OSC 52), `s` saves it to a file. `None` for other keys (Enter
/// goes on as on any step).
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Option<Vec<Effect>> {
    let effects = match key.code {
        KeyCode::Char('r') if w.pending.is_none() => {
            w.network = None;
            w.enter(Step::Network)
        }
        KeyCode::Char('c') => {
            match w.firewall_request() {
                Some(text) => {
                    w.notice = Some("Copied the list to the clipboard (OSC 52: needs a terminal that allows it)".into());
                    vec![Effect::Copy(text)]
                }
                None => Vec::new(),
            }
        }
        KeyCode::Char('s') if w.pending.is_none() => match w.firewall_request() {
            Some(text) => {
                let first = w
                    .organization
                    .clone()
                    .or_else(|| {
                        w.base_url
                            .as_ref()
                            .and_then(|u| u.host_str().map(str::to_string))
                    })
                    .unwrap_or_else(|| "azure-devops".into());
                let file_name = format!(
                    "allowlist-{}.txt",
                    crate::store::config::suggest_connection_name(&first, "")
                );
                w.spawn(Job::SaveAllowlist { text, file_name })
            }
            None => Vec::new(),
        },
        _ => return None,
    };
    Some(effects)
}

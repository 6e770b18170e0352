//! The Sign in step: the methods (device code, PAT, managed identity,
//! Azure CLI, service principal), the availability probes that run beside
//! the step for the unattended ones, and the keys of each method. A job
//! does the signing in; its result moves the wizard on.

use crossterm::event::{KeyCode, KeyEvent};
use secrecy::SecretString;
use tui_input::Input;

use super::{Effect, EntraApp, Job, Problem, Step, TICKS_PER_SECOND, Unavailable, Wizard, edit};
use crate::ado::endpoints::Deployment;
use crate::auth::{ClientCredential, ServicePrincipal, Unattended};

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    DeviceCode,
    Pat,
    /// The machine's managed identity (Azure VMs, scale sets, AKS).
    ManagedIdentity,
    /// The account the Azure CLI is signed in with.
    AzureCli,
    /// An Entra application with a client secret.
    ServicePrincipal,
}

impl SignInMethod {
    /// The order Tab and ↑↓ go through (Services).
    pub const ALL: [SignInMethod; 5] = [
        SignInMethod::DeviceCode,
        SignInMethod::Pat,
        SignInMethod::ManagedIdentity,
        SignInMethod::AzureCli,
        SignInMethod::ServicePrincipal,
    ];

    fn step(self, forward: bool) -> SignInMethod {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        let n = Self::ALL.len();
        Self::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Whether an unattended sign-in method can be used on this machine, as
/// its probe found: managed identity when the instance metadata endpoint
/// answers, the Azure CLI when `az` is installed and signed in. The probes
/// run beside the Sign in step (they are not [`Pending`](super::Pending): nothing waits
/// for them); an unavailable method can still be chosen, to read why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Availability {
    /// Not probed yet (the Sign in step of Services starts the probes).
    #[default]
    Unknown,
    /// The probe with this id is running.
    Checking { id: u64 },
    /// It can be used; what the probe found, in words.
    Available(String),
    /// It cannot be used here: why, briefly and in full with its fix.
    Unavailable(Unavailable),
}

/// What the availability probes of the Sign in step found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignInProbes {
    pub managed_identity: Availability,
    pub azure_cli: Availability,
    /// The tenant the Azure CLI was asked for (another organization's
    /// tenant probes again).
    pub azure_cli_tenant: Option<String>,
}

impl SignInProbes {
    /// The availability of `method`; `None` for methods that are not probed.
    pub fn of(&self, method: SignInMethod) -> Option<&Availability> {
        match method {
            SignInMethod::ManagedIdentity => Some(&self.managed_identity),
            SignInMethod::AzureCli => Some(&self.azure_cli),
            _ => None,
        }
    }

    pub(super) fn of_mut(&mut self, method: SignInMethod) -> Option<&mut Availability> {
        match method {
            SignInMethod::ManagedIdentity => Some(&mut self.managed_identity),
            SignInMethod::AzureCli => Some(&mut self.azure_cli),
            _ => None,
        }
    }
}

/// Whether the service principal's credential field holds a client secret
/// (masked) or the path of a certificate file (PEM, shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpCredential {
    /// The client secret's Value (masked; the default).
    #[default]
    Secret,
    /// A PEM file with the private key and the certificate (F2); the job
    /// reads it.
    CertificateFile,
}

impl Wizard {
    /// The public client and authority of Microsoft sign-in.
    pub fn entra_app(&self) -> EntraApp {
        EntraApp {
            authority: self.settings.authority_base.clone(),
            client_id: self.settings.sign_in.client_id.clone(),
        }
    }

    /// Seconds left on the device code on screen.
    pub fn device_seconds_left(&self) -> Option<u64> {
        let d = self.device.as_ref()?;
        let elapsed = self.tick.saturating_sub(d.issued_tick) / TICKS_PER_SECOND;
        Some(d.expires_in.saturating_sub(elapsed))
    }

    /// Starts the availability probes that have not run (the Azure CLI's
    /// again when the tenant it would be asked for changed). They run
    /// beside the step; their results land in `self.probes`.
    pub(super) fn start_probes(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.probes.managed_identity == Availability::Unknown {
            effects.extend(self.probe(SignInMethod::ManagedIdentity));
        }
        if self.probes.azure_cli == Availability::Unknown
            || self.probes.azure_cli_tenant != self.azure_cli_tenant()
        {
            effects.extend(self.probe(SignInMethod::AzureCli));
        }
        effects
    }

    /// Probes `method` (again): whether it can be used here.
    fn probe(&mut self, method: SignInMethod) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(Availability::Checking { id }) = self.probes.of(method) {
            effects.push(Effect::Cancel { id: *id });
        }
        let job = match method {
            SignInMethod::ManagedIdentity => match self.settings.sign_in.imds.clone() {
                Some(imds) => Job::ProbeManagedIdentity { imds },
                None => {
                    self.probes.managed_identity = Availability::Unavailable(Unavailable {
                        brief: "no instance metadata endpoint is set".into(),
                        problem: Problem::new(
                            "PROVIDER_AUTH_REQUIRED",
                            "managed identity is not available here: no instance metadata endpoint is set",
                            "Set ADO_SETUP_IMDS_URL to the endpoint, or choose another sign-in method",
                        ),
                    });
                    return effects;
                }
            },
            SignInMethod::AzureCli => {
                let tenant = self.azure_cli_tenant();
                self.probes.azure_cli_tenant = tenant.clone();
                Job::ProbeAzureCli { tenant }
            }
            _ => return effects,
        };
        self.next_id += 1;
        let id = self.next_id;
        if let Some(a) = self.probes.of_mut(method) {
            *a = Availability::Checking { id };
        }
        effects.push(Effect::Spawn {
            id,
            job: Box::new(job),
        });
        effects
    }

    /// The tenant the Azure CLI is asked for: `--tenant`, else the
    /// organization's (as the sign-in itself does).
    fn azure_cli_tenant(&self) -> Option<String> {
        self.settings.sign_in.tenant.clone().or_else(|| {
            crate::auth::Authority::from_tenant(self.tenant.as_deref())
                .tenant_id()
                .map(str::to_string)
        })
    }
}

/// What a client id (a GUID) is made of.
pub(super) fn is_client_id_char(c: char) -> bool {
    c.is_ascii_hexdigit() || c == '-'
}

/// Keys of the Sign in step: ↑↓ Tab choose the method (Services; the
/// choice forgets any sign-in), the rest go to the method's own keys.
pub(super) fn on_key(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.deployment == Deployment::Services
        && matches!(
            key.code,
            KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab
        )
    {
        let forward = !matches!(key.code, KeyCode::Up | KeyCode::BackTab);
        w.sign_in_method = w.sign_in_method.step(forward);
        w.sp_error = None;
        w.device = None;
        w.forget_from_sign_in();
        w.problem = None;
        return w.cancel_pending();
    }
    if w.sign_in_method == SignInMethod::DeviceCode {
        return key_device_code(w, key);
    }
    if matches!(
        w.sign_in_method,
        SignInMethod::ManagedIdentity | SignInMethod::AzureCli | SignInMethod::ServicePrincipal
    ) {
        return key_unattended(w, key);
    }
    key_pat(w, key)
}

/// A personal access token: keys edit it, Enter signs in with it.
fn key_pat(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if key.code != KeyCode::Enter {
        if edit(&mut w.pat, key) {
            w.problem = None;
            w.forget_from_sign_in();
            return w.cancel_pending();
        }
        return Vec::new();
    }
    let pat = w.pat.value().trim().to_string();
    if pat.is_empty() {
        w.problem = Some(Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            "Paste a personal access token first",
            "Create one under User settings › Personal access tokens (see the scopes listed)",
        ));
        return Vec::new();
    }
    let Some(base_url) = w.base_url.clone() else {
        w.step = Step::Target;
        return Vec::new();
    };
    w.spawn(Job::SignIn {
        deployment: w.deployment,
        base_url,
        pat: SecretString::from(pat),
    })
}

/// Managed identity, Azure CLI, service principal: Enter gets a token (the
/// service principal first takes its client id, then a client secret or,
/// after F2, a certificate file). A method its probe found unavailable
/// signs nothing in: Enter shows why and the fix, `r` checks again.
fn key_unattended(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if w.pending.is_some() {
        return Vec::new();
    }
    let method = w.sign_in_method;
    if method == SignInMethod::ServicePrincipal && key.code == KeyCode::F(2) {
        // Never carry a typed secret into a field shown in clear.
        w.sp_credential = match w.sp_credential {
            SpCredential::Secret => SpCredential::CertificateFile,
            SpCredential::CertificateFile => SpCredential::Secret,
        };
        w.sp_secret = Input::default();
        w.sp_on_secret = true;
        w.sp_error = None;
        w.problem = None;
        return Vec::new();
    }
    if method == SignInMethod::ServicePrincipal && key.code != KeyCode::Enter {
        let field = if w.sp_on_secret {
            &mut w.sp_secret
        } else {
            &mut w.sp_client
        };
        if edit(field, key) {
            w.problem = None;
            w.sp_error = None;
        }
        return Vec::new();
    }
    if method == SignInMethod::ManagedIdentity
        && match key.code {
            KeyCode::Char(c) => is_client_id_char(c),
            KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => false,
            _ => true,
        }
    {
        if edit(&mut w.mi_client, key) {
            w.problem = None;
        }
        return Vec::new();
    }
    let availability = w.probes.of(method).cloned();
    if key.code == KeyCode::Char('r')
        && !matches!(availability, None | Some(Availability::Checking { .. }))
    {
        w.problem = None;
        return w.probe(method);
    }
    if key.code != KeyCode::Enter {
        return Vec::new();
    }
    if let Some(Availability::Unavailable(why)) = availability {
        w.problem = Some(why.problem);
        return Vec::new();
    }
    sign_in_unattended(w, method)
}

/// Enter on an unattended method: the job that gets its token, once what
/// it needs is given.
fn sign_in_unattended(w: &mut Wizard, method: SignInMethod) -> Vec<Effect> {
    let Some(base_url) = w.base_url.clone() else {
        w.step = Step::Target;
        return Vec::new();
    };
    let tenant = w.settings.sign_in.tenant.clone();
    let (u, certificate) = match method {
        SignInMethod::ManagedIdentity => match w.settings.sign_in.imds.clone() {
            Some(imds) => (
                Unattended::ManagedIdentity {
                    imds,
                    client_id: Some(w.mi_client.value().trim().to_string())
                        .filter(|c| !c.is_empty()),
                },
                None,
            ),
            None => return Vec::new(),
        },
        SignInMethod::AzureCli => (Unattended::AzureCli { tenant }, None),
        _ => match service_principal(w, tenant) {
            Some(sp) => sp,
            None => return Vec::new(),
        },
    };
    w.sp_error = None;
    w.forget_from_sign_in();
    w.spawn(Job::SignInUnattended {
        unattended: Box::new(u),
        base_url,
        org_tenant: w.tenant.clone(),
        certificate,
    })
}

/// The service principal of the fields, with the certificate file to read
/// (when its credential is one); `None` while a field is still to fill
/// (Enter on the client id moves to the credential).
fn service_principal(
    w: &mut Wizard,
    tenant: Option<String>,
) -> Option<(Unattended, Option<std::path::PathBuf>)> {
    let client = w.sp_client.value().trim().to_string();
    if !w.sp_on_secret || client.is_empty() {
        w.sp_on_secret = !client.is_empty();
        return None;
    }
    let given = w.sp_secret.value().trim().to_string();
    let mut certificate = None;
    let (credential, source) = match w.sp_credential {
        _ if given.is_empty() => {
            w.sp_error = Some(match w.sp_credential {
                SpCredential::Secret => Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    "Paste the client secret's Value first (or F2 for a certificate file)",
                    "Entra admin center › App registrations › the app › Certificates & secrets",
                ),
                SpCredential::CertificateFile => Problem::new(
                    "PROVIDER_AUTH_REQUIRED",
                    "Type the path of the certificate file first (or F2 for a client secret)",
                    "A PEM file with the private key and the certificate uploaded to the app",
                ),
            });
            return None;
        }
        SpCredential::Secret => (
            Some(ClientCredential::Secret(SecretString::from(given))),
            "the secret you entered".to_string(),
        ),
        SpCredential::CertificateFile => {
            let source = format!("the certificate {given}");
            certificate = Some(std::path::PathBuf::from(given));
            (None, source)
        }
    };
    let sp = Unattended::ServicePrincipal(ServicePrincipal {
        authority: w.settings.authority_base.clone(),
        tenant,
        client_id: client,
        credential,
        source,
    });
    Some((sp, certificate))
}

/// Sign in with Microsoft: Enter asks for a code; while it is on screen,
/// `o` opens the browser (where there is one) and `c` copies the code.
fn key_device_code(w: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if let Some(d) = &w.device {
        return match key.code {
            KeyCode::Char('o') if w.settings.sign_in.can_open_browser => {
                vec![Effect::OpenUrl(d.verification_uri.clone())]
            }
            KeyCode::Char('c') => vec![Effect::Copy(d.user_code.clone())],
            _ => Vec::new(),
        };
    }
    if key.code != KeyCode::Enter || w.pending.is_some() {
        return Vec::new();
    }
    if w.base_url.is_none() {
        w.step = Step::Target;
        return Vec::new();
    }
    w.forget_from_sign_in();
    let tenant = w.settings.sign_in.tenant.clone().unwrap_or_else(|| {
        crate::auth::Authority::from_tenant(w.tenant.as_deref())
            .segment()
            .to_string()
    });
    let app = w.entra_app();
    w.spawn(Job::DeviceStart { app, tenant })
}

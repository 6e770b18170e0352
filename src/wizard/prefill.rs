//! Answers that come from elsewhere: `ado-setup edit` prefills every step
//! from a saved connection, a resumed draft does the same without replacing
//! anything, the demo prefills its token; and the other way round, the
//! draft (never a secret) that the answers so far make.

use secrecy::SecretString;
use tui_input::Input;

use super::{SignInMethod, Step, Wizard};
use crate::ado::endpoints::Deployment;
use crate::store::config::{AuthMethod, Connection, ProviderKey};

impl Wizard {
    /// `ado-setup edit NAME`: every step prefilled from `c` (its PAT from the
    /// store, when it has one), starting at Deployment; each is validated
    /// again, and saving replaces it.
    pub fn start_edit(&mut self, c: &Connection, pat: Option<&SecretString>) {
        self.deployment = match c.provider_key {
            ProviderKey::AzureDevopsServices => Deployment::Services,
            ProviderKey::AzureDevopsServer => Deployment::Server,
        };
        self.target = Input::new(c.organization.clone().unwrap_or(c.base_url.clone()));
        self.sign_in_method = match (self.deployment, c.auth_method) {
            (Deployment::Services, AuthMethod::DeviceCode) => SignInMethod::DeviceCode,
            (Deployment::Services, AuthMethod::ManagedIdentity) => {
                self.mi_client = Input::new(c.client_id.clone().unwrap_or_default());
                SignInMethod::ManagedIdentity
            }
            (Deployment::Services, AuthMethod::AzureCli) => SignInMethod::AzureCli,
            (Deployment::Services, AuthMethod::ServicePrincipal) => {
                self.sp_client = Input::new(c.client_id.clone().unwrap_or_default());
                SignInMethod::ServicePrincipal
            }
            _ => SignInMethod::Pat,
        };
        if let Some(p) = pat.filter(|_| c.auth_method == AuthMethod::Pat) {
            self.prefill_pat(p);
        }
        self.project_hint = Some(c.project.clone());
        self.review.name = Input::new(c.name.clone());
        self.review.name_edited = true;
        // Its own name and organization+project are not "taken".
        self.settings
            .existing
            .retain(|(n, _, _)| !n.eq_ignore_ascii_case(&c.name));
        self.editing = Some(c.clone());
        self.step = Step::Deployment;
    }

    /// The draft the driver keeps after a move to `self.step` from
    /// `before`: every answering step reached leaves one (never in the demo,
    /// never a secret).
    pub fn draft_after(&self, before: Step) -> Option<crate::store::draft::Draft> {
        if self.step == before
            || self.settings.demo
            || matches!(
                self.step,
                Step::Menu | Step::Troubleshoot | Step::Storage | Step::Done | Step::Deployment
            )
        {
            return None;
        }
        self.draft()
    }

    /// The non-secret answers so far, for a draft.
    pub fn draft(&self) -> Option<crate::store::draft::Draft> {
        let target = self.target.value().trim().to_string();
        if target.is_empty() {
            return None;
        }
        let form = self.form.as_ref();
        Some(crate::store::draft::Draft {
            deployment: match self.deployment {
                Deployment::Services => "services",
                Deployment::Server => "server",
            }
            .into(),
            target,
            sign_in: match self.sign_in_method {
                SignInMethod::DeviceCode => "device_code",
                SignInMethod::Pat => "pat",
                SignInMethod::ManagedIdentity => "managed_identity",
                SignInMethod::AzureCli => "azure_cli",
                SignInMethod::ServicePrincipal => "service_principal",
            }
            .into(),
            client_id: match self.sign_in_method {
                SignInMethod::ServicePrincipal => Some(self.sp_client.value()),
                SignInMethod::ManagedIdentity => Some(self.mi_client.value()),
                _ => None,
            }
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
            project: self
                .project
                .as_ref()
                .map(|p| p.name.clone())
                .or_else(|| self.project_hint.clone()),
            work_item_type: form.map(|f| f.work_item_type.clone()),
            area_path: form.map(|f| f.area.clone()),
            iteration_path: form.map(|f| f.iteration.clone()),
            priority_map: form.map(|f| f.priority),
            assignee: form.and_then(|f| f.assignee.clone()),
            field_defaults: form.map(|f| f.values.clone()).unwrap_or_default(),
            step: self.step.title().to_string(),
        })
    }

    /// Resumes an interrupted wizard: its answers filled in (like `edit`, but
    /// nothing saved is replaced and the sign-in is done again).
    pub fn resume(&mut self, d: &crate::store::draft::Draft) {
        let c = Connection {
            provider_key: if d.deployment == "server" {
                ProviderKey::AzureDevopsServer
            } else {
                ProviderKey::AzureDevopsServices
            },
            organization: (d.deployment != "server").then(|| d.target.clone()),
            base_url: d.target.clone(),
            auth_method: match d.sign_in.as_str() {
                "device_code" => AuthMethod::DeviceCode,
                "managed_identity" => AuthMethod::ManagedIdentity,
                "azure_cli" => AuthMethod::AzureCli,
                "service_principal" => AuthMethod::ServicePrincipal,
                _ => AuthMethod::Pat,
            },
            client_id: d.client_id.clone(),
            project: d.project.clone().unwrap_or_default(),
            work_item_type: d.work_item_type.clone().unwrap_or_default(),
            area_path: d.area_path.clone().unwrap_or_default(),
            iteration_path: d.iteration_path.clone().unwrap_or_default(),
            priority_map: d.priority_map.unwrap_or_default(),
            assignee: d.assignee.clone(),
            field_defaults: d.field_defaults.clone(),
            ..Connection::default()
        };
        let existing = self.settings.existing.clone();
        let name = self.review.name.clone();
        self.start_edit(&c, None);
        // Not an edit: nothing saved is replaced, names stay taken.
        self.settings.existing = existing;
        self.review.name = name;
        self.review.name_edited = false;
        if d.project.is_none() {
            self.project_hint = None;
        }
        self.resumed = Some(c);
        self.editing = None;
    }

    /// Fills the token field (the demo fills in the sandbox's token).
    pub fn prefill_pat(&mut self, pat: &SecretString) {
        use secrecy::ExposeSecret;
        self.pat = Input::new(pat.expose_secret().to_string());
    }
}

//! The draft of an interrupted wizard (SSH drop, crash, signal): its
//! non-secret answers, kept in `draft.toml` beside the config (mode 0600,
//! written atomically at every step), so the next start can offer to resume.
//! Never a secret: the sign-in is done again on resume.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::PriorityMap;

/// File name of the draft inside the config dir.
pub const DRAFT_FILE_NAME: &str = "draft.toml";

/// The answers given so far.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Draft {
    /// `services` or `server`.
    pub deployment: String,
    /// The organization, URL or collection URL as typed.
    pub target: String,
    /// The sign-in method, as `auth_method` is written: `device_code`,
    /// `pat`, `managed_identity`, `azure_cli` or `service_principal`.
    pub sign_in: String,
    /// A service principal's client id (not a secret; its secret is never
    /// kept here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_item_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_map: Option<PriorityMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_defaults: BTreeMap<String, String>,
    /// The step it was on (its title), for the resume offer.
    #[serde(default)]
    pub step: String,
}

impl Draft {
    /// `contoso · Payments Platform (Field mapping)`.
    pub fn label(&self) -> String {
        let mut s = self.target.clone();
        if let Some(p) = &self.project {
            s.push_str(&format!(" · {p}"));
        }
        if !self.step.is_empty() {
            s.push_str(&format!(" ({})", self.step));
        }
        s
    }
}

/// The draft in `config_dir`, if one is there and readable (an unreadable
/// one is ignored: it only ever saves typing).
pub fn load(config_dir: &Path) -> Option<Draft> {
    let text = std::fs::read_to_string(config_dir.join(DRAFT_FILE_NAME)).ok()?;
    toml::from_str(&text).ok()
}

/// Writes the draft (atomically, 0600; a new config dir is made 0700).
pub fn save(config_dir: &Path, draft: &Draft) -> std::io::Result<()> {
    let text = toml::to_string(draft).map_err(std::io::Error::other)?;
    super::fsutil::write_atomic(&config_dir.join(DRAFT_FILE_NAME), text.as_bytes(), None)
}

/// Removes the draft (a saved connection, or a deliberate quit).
pub fn clear(config_dir: &Path) {
    let _ = std::fs::remove_file(config_dir.join(DRAFT_FILE_NAME));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_round_trips_and_is_cleared() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(load(dir.path()).is_none());
        let d = Draft {
            deployment: "services".into(),
            target: "contoso".into(),
            sign_in: "pat".into(),
            project: Some("Payments".into()),
            step: "Field mapping".into(),
            ..Draft::default()
        };
        save(dir.path(), &d).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(dir.path()), Some(d.clone()));
        assert_eq!(d.label(), "contoso · Payments (Field mapping)");
        clear(dir.path());
        assert!(load(dir.path()).is_none());
    }
}

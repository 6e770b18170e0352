//! The asset formats (`assets/sandbox/*.json`, described in
//! `assets/sandbox/README.md`), embedded in the binary, as serde reads
//! them. Only the builder (`build`) looks at these shapes.

use std::collections::HashMap;

use serde::Deserialize;

use super::model::{AppKind, Tenant};

pub(super) const ORGS_JSON: &str = include_str!("../../../assets/sandbox/organizations.json");
pub(super) const PROCESSES_JSON: &str = include_str!("../../../assets/sandbox/processes.json");
pub(super) const FIELDS_JSON: &str = include_str!("../../../assets/sandbox/fields.json");
pub(super) const SECURITY_JSON: &str = include_str!("../../../assets/sandbox/security.json");

#[derive(Deserialize)]
pub(super) struct RawOrgFile {
    pub(super) main_user: String,
    pub(super) reader_user: String,
    pub(super) tenants: Vec<Tenant>,
    pub(super) people: Vec<RawPerson>,
    #[serde(default)]
    pub(super) apps: Vec<RawApp>,
    pub(super) organizations: Vec<RawOrg>,
}

#[derive(Deserialize)]
pub(super) struct RawApp {
    pub(super) kind: AppKind,
    pub(super) name: String,
    pub(super) client_id: String,
    pub(super) tenant: String,
    #[serde(default)]
    pub(super) secret: Option<String>,
    #[serde(default)]
    pub(super) system_assigned: bool,
}

#[derive(Deserialize)]
pub(super) struct RawPerson {
    pub(super) name: String,
    pub(super) email: String,
    #[serde(default)]
    pub(super) windows: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct RawOrg {
    pub(super) name: String,
    pub(super) id: String,
    #[serde(default)]
    pub(super) tenant: Option<String>,
    #[serde(default)]
    pub(super) server: bool,
    pub(super) process: String,
    #[serde(default)]
    pub(super) anonymous_access: bool,
    #[serde(default)]
    pub(super) scenario: Option<String>,
    #[serde(default)]
    pub(super) api_version: Option<String>,
    #[serde(default)]
    pub(super) projects: Vec<RawProject>,
    #[serde(default)]
    pub(super) generated_projects: Option<RawGenerator>,
}

#[derive(Deserialize)]
pub(super) struct RawProject {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) process: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) visibility: Option<String>,
    #[serde(default)]
    pub(super) source_control: Option<String>,
    #[serde(default)]
    pub(super) revision: Option<u64>,
    #[serde(default)]
    pub(super) last_update: Option<String>,
    #[serde(default)]
    pub(super) areas: Vec<String>,
    #[serde(default)]
    pub(super) area_generator: Option<RawAreaGenerator>,
    pub(super) iterations: RawIterations,
    #[serde(default)]
    pub(super) permissions: HashMap<String, u64>,
    pub(super) teams: Vec<RawTeam>,
}

#[derive(Deserialize, Clone)]
pub(super) struct RawIterations {
    pub(super) start: String,
    pub(super) days: i64,
    pub(super) paths: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct RawAreaGenerator {
    pub(super) levels: Vec<Vec<String>>,
}

#[derive(Deserialize)]
pub(super) struct RawTeam {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) areas: Option<Vec<String>>,
    #[serde(default)]
    pub(super) default_area: Option<String>,
    #[serde(default)]
    pub(super) iteration: Option<String>,
    pub(super) members: Vec<String>,
    #[serde(default)]
    pub(super) admins: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct RawGenerator {
    pub(super) departments: Vec<String>,
    pub(super) systems: Vec<String>,
    pub(super) regions: Vec<String>,
    pub(super) processes: Vec<String>,
    pub(super) areas: Vec<String>,
    pub(super) iterations: RawIterations,
}

#[derive(Deserialize)]
pub(super) struct RawProcessFile {
    pub(super) common_types: Vec<RawType>,
    pub(super) common_categories: Vec<RawCategory>,
    pub(super) processes: Vec<RawProcess>,
}

#[derive(Deserialize, Clone)]
pub(super) struct RawType {
    pub(super) name: String,
    #[serde(rename = "ref")]
    pub(super) ref_name: String,
    pub(super) color: String,
    pub(super) icon: String,
    pub(super) description: String,
    pub(super) states: Vec<(String, String, String)>,
    pub(super) initial_reason: String,
    pub(super) fields: Vec<String>,
}

#[derive(Deserialize, Clone)]
pub(super) struct RawCategory {
    #[serde(rename = "ref")]
    pub(super) ref_name: String,
    pub(super) name: String,
    pub(super) types: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct RawProcess {
    #[serde(rename = "typeId")]
    pub(super) type_id: String,
    pub(super) name: String,
    #[serde(rename = "customizationType")]
    pub(super) customization_type: String,
    #[serde(rename = "isDefault")]
    pub(super) is_default: bool,
    pub(super) description: String,
    #[serde(default)]
    pub(super) parent: Option<String>,
    #[serde(default)]
    pub(super) organizations: Option<Vec<String>>,
    #[serde(default)]
    pub(super) types: Vec<RawType>,
    #[serde(default)]
    pub(super) categories: Vec<RawCategory>,
    #[serde(default)]
    pub(super) changes: HashMap<String, RawTypeChange>,
}

#[derive(Deserialize, Default)]
pub(super) struct RawTypeChange {
    #[serde(default)]
    pub(super) add_fields: Vec<String>,
    #[serde(default)]
    pub(super) required: Vec<String>,
    #[serde(default)]
    pub(super) disabled: bool,
}

#[derive(Deserialize)]
pub(super) struct RawFieldFile {
    pub(super) system_fields: Vec<String>,
    pub(super) fields: Vec<RawField>,
}

#[derive(Deserialize)]
pub(super) struct RawField {
    #[serde(rename = "ref")]
    pub(super) ref_name: String,
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) field_type: String,
    #[serde(default, rename = "readOnly")]
    pub(super) read_only: bool,
    #[serde(default)]
    pub(super) required: bool,
    #[serde(default)]
    pub(super) system: bool,
    #[serde(default)]
    pub(super) help: Option<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) allowed: Vec<String>,
    #[serde(default)]
    pub(super) default: Option<String>,
    #[serde(default)]
    pub(super) identity: bool,
    #[serde(default)]
    pub(super) picklist: Option<String>,
    #[serde(default)]
    pub(super) depends: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct RawSecurityFile {
    pub(super) namespaces: Vec<serde_json::Value>,
}

//! Projects, project properties, processes, teams and team members.

use super::lenient;
use super::lenient_enum;
use serde::{Deserialize, Serialize};

lenient_enum! {
    /// `state` of a project.
    pub enum ProjectState {
        /// Ready to use.
        WellFormed = "wellFormed",
        /// Being created.
        CreatePending = "createPending",
        /// Being deleted.
        Deleting = "deleting",
        /// Just created, not yet ready.
        New = "new",
        /// Filter value "all states".
        All = "all",
        /// Filter value "unchanged".
        Unchanged = "unchanged",
        /// Deleted (recycle bin).
        Deleted = "deleted",
    }
}

lenient_enum! {
    /// `visibility` of a project.
    pub enum ProjectVisibility {
        /// Only members can see it.
        Private = "private",
        /// Anyone on the internet can see it (Services only).
        Public = "public",
        /// Visible to everyone in the organization (Server/enterprise).
        Organization = "organization",
    }
}

/// One item of `GET {base}/_apis/projects` (`ListResponse<TeamProjectReference>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamProjectReference {
    /// Project id (GUID).
    pub id: String,
    /// Project name.
    pub name: String,
    /// Description (omitted when empty).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// REST URL of the project.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Lifecycle state.
    #[serde(default)]
    pub state: Option<ProjectState>,
    /// Revision.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub revision: Option<u64>,
    /// Visibility.
    #[serde(default)]
    pub visibility: Option<ProjectVisibility>,
    /// Last update time (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_update_time: Option<String>,
    /// Abbreviation.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub abbreviation: Option<String>,
    /// Default team's image URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub default_team_image_url: Option<String>,
}

/// `GET {base}/_apis/projects/{projectIdOrName}?includeCapabilities=true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamProject {
    /// Project id (GUID).
    pub id: String,
    /// Project name.
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// REST URL of the project.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Lifecycle state.
    #[serde(default)]
    pub state: Option<ProjectState>,
    /// Revision.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub revision: Option<u64>,
    /// Visibility.
    #[serde(default)]
    pub visibility: Option<ProjectVisibility>,
    /// Last update time (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_update_time: Option<String>,
    /// Abbreviation.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub abbreviation: Option<String>,
    /// Process and version control (only with `includeCapabilities=true`).
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub capabilities: Option<ProjectCapabilities>,
    /// The project's default team.
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub default_team: Option<WebApiTeamRef>,
    /// HAL links (`self`, `collection`, `web`).
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<serde_json::Value>,
}

impl TeamProject {
    /// The project as a list item.
    pub fn as_reference(&self) -> TeamProjectReference {
        TeamProjectReference {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            url: self.url.clone(),
            state: self.state,
            revision: self.revision,
            visibility: self.visibility,
            last_update_time: self.last_update_time.clone(),
            abbreviation: self.abbreviation.clone(),
            default_team_image_url: None,
        }
    }

    /// The process template name from the capabilities (`Agile`, `Scrum`,
    /// an inherited process's name, …), if requested and present.
    pub fn process_template_name(&self) -> Option<&str> {
        self.capabilities
            .as_ref()?
            .process_template
            .as_ref()?
            .template_name
            .as_deref()
    }

    /// The process type id (GUID) from the capabilities.
    pub fn process_template_type_id(&self) -> Option<&str> {
        self.capabilities
            .as_ref()?
            .process_template
            .as_ref()?
            .template_type_id
            .as_deref()
    }
}

/// `capabilities` of a project (`includeCapabilities=true`). The wire keys are
/// `processTemplate` and (all lower case) `versioncontrol`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectCapabilities {
    /// `processTemplate`.
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub process_template: Option<ProcessTemplateCapability>,
    /// `versioncontrol`.
    #[serde(
        rename = "versioncontrol",
        alias = "versionControl",
        default,
        deserialize_with = "lenient::opt_or_none"
    )]
    pub versioncontrol: Option<VersionControlCapability>,
}

/// `capabilities.processTemplate`: `{"templateName": "Agile", "templateTypeId": "adcc42ab-…"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessTemplateCapability {
    /// Process name, e.g. `Agile` or an inherited process's name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub template_name: Option<String>,
    /// Process type id (GUID); absent on old Servers.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub template_type_id: Option<String>,
}

/// `capabilities.versioncontrol`: `{"sourceControlType": "Git", "gitEnabled": "True", "tfvcEnabled": "False"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionControlCapability {
    /// `Git` or `Tfvc`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_control_type: Option<String>,
    /// Git enabled (sent as the string `"True"`/`"False"`).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub git_enabled: Option<bool>,
    /// TFVC enabled (sent as the string `"True"`/`"False"`).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub tfvc_enabled: Option<bool>,
}

/// A reference to a team (`defaultTeam` of a project).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebApiTeamRef {
    /// Team id (GUID).
    pub id: String,
    /// Team name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// REST URL of the team.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

/// One item of `GET {base}/_apis/projects/{projectId}/properties[?keys=…]`
/// (api-version `7.1-preview.1`), e.g.
/// `{"name": "System.CurrentProcessTemplateId", "value": "2dc3221a-…"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectProperty {
    /// Property name, e.g. `System.ProcessTemplateType`.
    pub name: String,
    /// Property value (any JSON; the service sends strings, even for `"True"` and `"2"`).
    #[serde(default)]
    pub value: serde_json::Value,
}

impl ProjectProperty {
    /// The value as text (strings as is; numbers and booleans spelled out).
    pub fn value_str(&self) -> Option<String> {
        lenient::value_to_string(&self.value)
    }
}

/// Well-known project property names.
pub mod project_property {
    /// The project's current process (a process type id for inherited processes).
    pub const CURRENT_PROCESS_TEMPLATE_ID: &str = "System.CurrentProcessTemplateId";
    /// The process the project was created with.
    pub const ORIGINAL_PROCESS_TEMPLATE_ID: &str = "System.OriginalProcessTemplateId";
    /// The system process (Agile, Scrum, …) the current process derives from.
    pub const PROCESS_TEMPLATE_TYPE: &str = "System.ProcessTemplateType";
    /// The process name (note the space).
    pub const PROCESS_TEMPLATE: &str = "System.Process Template";
    /// The default team id.
    pub const DEFAULT_TEAM: &str = "System.Microsoft.TeamFoundation.Team.Default";
}

lenient_enum! {
    /// `customizationType` of a process (the examples send `System`/`Inherited`).
    pub enum CustomizationType {
        /// A built-in process (Basic, Agile, Scrum, CMMI).
        System = "system",
        /// Inherited from a system process.
        Inherited = "inherited",
        /// Custom (hosted XML / on-premises XML).
        Custom = "custom",
    }
}

/// One item of `GET {base}/_apis/work/processes` and `GET
/// {base}/_apis/work/processes/{processTypeId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Process {
    /// Process type id (GUID).
    pub type_id: String,
    /// Process name.
    pub name: String,
    /// Reference name (null for system processes).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reference_name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// Parent process type id (all-zero GUID for system processes).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub parent_process_type_id: Option<String>,
    /// Whether projects can be created with it.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_enabled: Option<bool>,
    /// Whether it is the organization's default.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_default: Option<bool>,
    /// `system`, `inherited` or `custom`.
    #[serde(default)]
    pub customization_type: Option<CustomizationType>,
    /// The projects using it (only with `$expand=projects`).
    #[serde(default)]
    pub projects: Vec<ProcessProject>,
}

/// A project of a process (`$expand=projects`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessProject {
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

impl Process {
    /// The parent process type id, `None` when absent or the all-zero GUID.
    pub fn parent(&self) -> Option<&str> {
        self.parent_process_type_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.chars().all(|c| matches!(c, '0' | '-' | '{' | '}')))
    }

    /// The built-in process this one is or derives from (`Agile`, `Scrum`,
    /// `CMMI`, `Basic`), known from the well-known type ids.
    pub fn system_base(&self) -> Option<&'static str> {
        system_process_name(&self.type_id).or_else(|| self.parent().and_then(system_process_name))
    }
}

/// The name of a built-in process from its well-known type id (any case).
pub fn system_process_name(type_id: &str) -> Option<&'static str> {
    const SYSTEM_PROCESSES: [(&str, &str); 4] = [
        ("adcc42ab-9882-485e-a3ed-7678f01f66bc", "Agile"),
        ("6b724908-ef14-45cf-84f8-768b5384da45", "Scrum"),
        ("27450541-8e31-4150-9947-dc59f998fc01", "CMMI"),
        ("b8a3a935-7e91-48b8-a94c-606d37c3e9f2", "Basic"),
    ];
    let id = type_id.trim().trim_start_matches('{').trim_end_matches('}');
    SYSTEM_PROCESSES
        .iter()
        .find(|(guid, _)| guid.eq_ignore_ascii_case(id))
        .map(|(_, name)| *name)
}

/// `GET {base}/_apis/projects/{projectId}/teams/{teamId}` and items of
/// `GET {base}/_apis/projects/{projectId}/teams[?$mine=true]` /
/// `GET {base}/_apis/teams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebApiTeam {
    /// Team id (GUID).
    pub id: String,
    /// Team name.
    pub name: String,
    /// REST URL of the team.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// URL of the team's identity.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub identity_url: Option<String>,
    /// Project name (newer versions).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub project_name: Option<String>,
    /// Project id (newer versions).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub project_id: Option<String>,
}

/// One item of `GET {base}/_apis/projects/{projectId}/teams/{teamId}/members`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    /// Whether the member administers the team.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub is_team_admin: bool,
    /// The member.
    pub identity: IdentityRef,
}

/// A reference to an identity (team members, identity fields of work items,
/// identity `allowedValues`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    /// Identity id (GUID).
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    /// Unique name: the sign-in address (or `DOMAIN\user` on Server).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub unique_name: Option<String>,
    /// REST URL of the identity.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// Avatar URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub image_url: Option<String>,
    /// Graph subject descriptor.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub descriptor: Option<String>,
    /// Whether it is a group.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_container: Option<bool>,
    /// Whether it is inactive.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub inactive: Option<bool>,
}

impl IdentityRef {
    /// The value to put in an identity field of a work item: the unique name
    /// when known, else the display name, else the id.
    pub fn field_value(&self) -> &str {
        self.unique_name
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                self.display_name
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
            })
            .unwrap_or(&self.id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn project_with_capabilities_7_1_shape() {
        let json = r#"{"id":"eb6e4656-77fc-42a1-9181-4c6d8e9da5d1","name":"Fabrikam-Fiber-TFVC","url":"https://dev.azure.com/fabrikam/_apis/projects/eb6e4656-77fc-42a1-9181-4c6d8e9da5d1","state":"wellFormed","revision":"411","visibility":"private","lastUpdateTime":"2024-01-05T10:11:12.13Z","capabilities":{"versioncontrol":{"sourceControlType":"Git","gitEnabled":"True","tfvcEnabled":"False"},"processTemplate":{"templateName":"Agile","templateTypeId":"adcc42ab-9882-485e-a3ed-7678f01f66bc"}},"defaultTeam":{"id":"66df9be7-3586-467b-9c5f-425b29afedfd","name":"Fabrikam-Fiber-TFVC Team","url":"https://dev.azure.com/fabrikam/_apis/projects/eb6e4656-77fc-42a1-9181-4c6d8e9da5d1/teams/66df9be7-3586-467b-9c5f-425b29afedfd"}}"#;
        let p: TeamProject = serde_json::from_str(json).unwrap();
        assert_eq!(p.revision, Some(411));
        assert_eq!(p.visibility, Some(ProjectVisibility::Private));
        assert_eq!(p.state, Some(ProjectState::WellFormed));
        assert_eq!(p.process_template_name(), Some("Agile"));
        assert_eq!(
            p.process_template_type_id(),
            Some("adcc42ab-9882-485e-a3ed-7678f01f66bc")
        );
        let vc = p
            .capabilities
            .as_ref()
            .unwrap()
            .versioncontrol
            .as_ref()
            .unwrap();
        assert_eq!(vc.git_enabled, Some(true));
        assert_eq!(vc.tfvc_enabled, Some(false));
        assert_eq!(p.as_reference().name, "Fabrikam-Fiber-TFVC");
        // Serialises back with the wire key spellings.
        let back = serde_json::to_value(&p).unwrap();
        assert!(back["capabilities"]["versioncontrol"].is_object());
        assert!(back["capabilities"]["processTemplate"]["templateName"].is_string());
    }

    #[test]
    fn unknown_state_and_visibility_do_not_fail() {
        let json = r#"{"id":"1","name":"P","state":"archived","visibility":7}"#;
        let p: TeamProjectReference = serde_json::from_str(json).unwrap();
        assert_eq!(p.state, Some(ProjectState::Unknown));
        assert_eq!(p.visibility, Some(ProjectVisibility::Unknown));
    }

    #[test]
    fn process_helpers() {
        let json = r#"{"typeId":"e31fd6e1-c6af-44bb-925e-dfa71f551463","referenceName":"Inherited.e31fd6e1","name":"Fabrikam Agile","parentProcessTypeId":"adcc42ab-9882-485e-a3ed-7678f01f66bc","isEnabled":true,"isDefault":false,"customizationType":"inherited"}"#;
        let p: Process = serde_json::from_str(json).unwrap();
        assert_eq!(p.customization_type, Some(CustomizationType::Inherited));
        assert_eq!(p.system_base(), Some("Agile"));
        let json = r#"{"typeId":"6b724908-ef14-45cf-84f8-768b5384da45","name":"Scrum","parentProcessTypeId":"00000000-0000-0000-0000-000000000000","customizationType":"System"}"#;
        let p: Process = serde_json::from_str(json).unwrap();
        assert_eq!(p.customization_type, Some(CustomizationType::System));
        assert_eq!(p.parent(), None);
        assert_eq!(p.system_base(), Some("Scrum"));
        assert_eq!(
            system_process_name("B8A3A935-7E91-48B8-A94C-606D37C3E9F2"),
            Some("Basic")
        );
        assert_eq!(system_process_name("not-a-guid"), None);
    }

    #[test]
    fn identity_ref_field_value() {
        let r: IdentityRef = serde_json::from_str(
            r#"{"id":"3b5f0c34-4aec-4bf4-8708-1d36f0dbc468","displayName":"Christie Church","uniqueName":"fabrikamfiber1@hotmail.com"}"#,
        )
        .unwrap();
        assert_eq!(r.field_value(), "fabrikamfiber1@hotmail.com");
    }
}

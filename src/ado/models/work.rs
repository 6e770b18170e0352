//! Team settings (`{project}/{team}/_apis/work/teamsettings…`): the team's
//! default area path and iterations, used as defaults in the field mapping.

use super::FieldReference;
use super::lenient;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET {base}/{project}/{team}/_apis/work/teamsettings/teamfieldvalues`:
/// the team's area paths (the team field is `System.AreaPath` unless the
/// project was configured otherwise).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamFieldValues {
    /// The team field, normally `System.AreaPath`.
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub field: Option<FieldReference>,
    /// The team's default value, in field form (`Project\Area`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub default_value: Option<String>,
    /// All of the team's values.
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub values: Vec<TeamFieldValue>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// HAL links.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<serde_json::Value>,
}

/// One value of [`TeamFieldValues`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamFieldValue {
    /// The value, e.g. `Fabrikam-Fiber\Auto`.
    pub value: String,
    /// Whether sub-areas belong to the team too.
    #[serde(default, deserialize_with = "lenient::bool_or_false")]
    pub include_children: bool,
}

/// `GET {base}/{project}/{team}/_apis/work/teamsettings`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamSetting {
    /// The iteration at the root of the team's backlog.
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub backlog_iteration: Option<TeamSettingsIteration>,
    /// The default iteration for new work items (when no macro is set).
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub default_iteration: Option<TeamSettingsIteration>,
    /// Macro for the default iteration, e.g. `@currentIteration`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub default_iteration_macro: Option<String>,
    /// `off`, `asRequirements` or `asTasks`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub bugs_behavior: Option<String>,
    /// Working days, e.g. `["monday", …]`.
    #[serde(default, deserialize_with = "lenient::string_vec")]
    pub working_days: Vec<String>,
    /// Backlog category reference name → visible.
    #[serde(default, deserialize_with = "lenient::bool_map")]
    pub backlog_visibilities: BTreeMap<String, bool>,
    /// REST URL.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    /// HAL links (note: `classificationNode` is an array of links here).
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<serde_json::Value>,
}

/// An iteration reference inside [`TeamSetting`].
///
/// Its `path` is *not* reliably in field form: the official example has
/// `""` for the backlog root and `"\\Iteration 1"` for a child.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamSettingsIteration {
    /// Iteration node identifier (GUID).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Iteration name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Iteration path as the service sent it.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub path: Option<String>,
    /// REST URL of the classification node.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn team_settings_with_array_links_and_nulls() {
        let json = r#"{"backlogIteration":{"id":"323b04b6-2fb8-4093-94f4-fbe3bd36a19f","name":"Contoso","path":"","url":"https://x"},"bugsBehavior":"asRequirements","workingDays":null,"backlogVisibilities":{"Microsoft.EpicCategory":false,"Microsoft.FeatureCategory":"True"},"defaultIteration":null,"defaultIterationMacro":"@currentIteration","_links":{"classificationNode":[{"href":"a"},{"href":"b"}]}}"#;
        let t: TeamSetting = serde_json::from_str(json).unwrap();
        assert!(t.working_days.is_empty());
        assert!(t.default_iteration.is_none());
        assert_eq!(
            t.backlog_visibilities.get("Microsoft.EpicCategory"),
            Some(&false)
        );
        assert_eq!(
            t.backlog_visibilities.get("Microsoft.FeatureCategory"),
            Some(&true)
        );
        assert_eq!(
            t.default_iteration_macro.as_deref(),
            Some("@currentIteration")
        );
    }

    #[test]
    fn team_field_values() {
        let json = r#"{"field":{"referenceName":"System.AreaPath","url":"https://x"},"defaultValue":"Contoso\\Web","values":[{"value":"Contoso\\Web","includeChildren":true},{"value":"Contoso\\Api"}]}"#;
        let t: TeamFieldValues = serde_json::from_str(json).unwrap();
        assert_eq!(t.field.unwrap().reference_name, "System.AreaPath");
        assert_eq!(t.default_value.as_deref(), Some("Contoso\\Web"));
        assert_eq!(t.values.len(), 2);
        assert!(t.values[0].include_children);
        assert!(!t.values[1].include_children);
    }
}

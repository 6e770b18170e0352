//! Security namespaces (`_apis/securitynamespaces`), used to look up the
//! permission bits that `_apis/permissions/{namespaceId}/{bits}` evaluates.

use super::lenient;
use serde::{Deserialize, Serialize};

/// Items of `GET {base}/_apis/securitynamespaces[/{securityNamespaceId}]`
/// (both answer a `ListResponse<SecurityNamespace>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityNamespace {
    /// Namespace id (GUID).
    pub namespace_id: String,
    /// Name, e.g. `Project`, `Tagging`, `ServiceHooks`.
    pub name: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    /// Token separator (`/`, `\`, `:` or even `"\u0000"`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub separator_value: Option<String>,
    /// Fixed element length of tokens (-1 when variable).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub element_length: Option<i64>,
    /// Bit mask meaning "write".
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub write_permission: Option<i64>,
    /// Bit mask meaning "read".
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub read_permission: Option<i64>,
    /// Dataspace category, e.g. `Default`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub dataspace_category: Option<String>,
    /// Permission bits with their names.
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub actions: Vec<ActionDefinition>,
    /// Structure value.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub structure_value: Option<i64>,
    /// Server-side extension type, if any.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub extension_type: Option<String>,
    /// Whether it is remotable.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_remotable: Option<bool>,
    /// Whether tokens are translated.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub use_token_translator: Option<bool>,
    /// Bits reserved for the system.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub system_bit_mask: Option<i64>,
}

impl SecurityNamespace {
    /// The bit of the action named `name` (case-insensitive), e.g.
    /// `bit_for("GENERIC_READ")` in `Project` → `Some(1)`.
    pub fn bit_for(&self, name: &str) -> Option<u32> {
        let name = name.trim();
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.bit)
    }

    /// The action for a bit, if the namespace defines it.
    pub fn action_for_bit(&self, bit: u32) -> Option<&ActionDefinition> {
        self.actions.iter().find(|a| a.bit == bit)
    }
}

/// One permission of a [`SecurityNamespace`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDefinition {
    /// The bit (a power of two).
    #[serde(deserialize_with = "lenient::req_u32")]
    pub bit: u32,
    /// Name, e.g. `GENERIC_READ`.
    pub name: String,
    /// Display name, e.g. `View project-level information`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    /// Namespace id (GUID).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub namespace_id: Option<String>,
}

/// Well-known security namespace ids (from Microsoft's security namespace
/// reference) and the token forms ado-setup needs.
pub mod security_namespace {
    /// `Project`: project-level permissions (`GENERIC_READ`, `GENERIC_WRITE`, …).
    pub const PROJECT: &str = "52d39943-cb85-4d7f-8fa8-c6baac873819";
    /// `Tagging`: `Enumerate`, `Create`, `Update`, `Delete`.
    pub const TAGGING: &str = "bb50f182-8e5e-40b8-bc21-e8752a1e7ae2";
    /// `ServiceHooks`: `ViewSubscriptions`, `EditSubscriptions`, …
    pub const SERVICE_HOOKS: &str = "cb594ebe-87dd-4fc9-ac2c-6a10a4c92046";
    /// `CSS`: area path permissions (`WORK_ITEM_READ`, `WORK_ITEM_WRITE`, …).
    pub const CSS: &str = "83e28ad4-2d72-4ceb-97b0-c7726d5502c3";
    /// `Iteration`: iteration path permissions.
    pub const ITERATION: &str = "bf7bfa03-b2b7-47db-8113-fa2e002cc5b1";
    /// `WorkItemTrackingAdministration`.
    pub const WORK_ITEM_TRACKING_ADMINISTRATION: &str = "445d2788-c5fb-4132-bbef-09c4045ad93f";
    /// `Identity`.
    pub const IDENTITY: &str = "5a27515b-ccd7-42c9-84f1-54c998f03866";

    /// Token of a project in the `Project` namespace:
    /// `$PROJECT:vstfs:///Classification/TeamProject/{projectId}`.
    pub fn project_token(project_id: &str) -> String {
        format!("$PROJECT:vstfs:///Classification/TeamProject/{project_id}")
    }

    /// Token of a project in the `Tagging` namespace: `/{projectId}`.
    pub fn tagging_token(project_id: &str) -> String {
        format!("/{project_id}")
    }

    /// Token of a project in the `ServiceHooks` namespace:
    /// `PublisherSecurity/{projectId}`.
    pub fn service_hooks_token(project_id: &str) -> String {
        format!("PublisherSecurity/{project_id}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn bit_for_is_case_insensitive() {
        let ns: SecurityNamespace = serde_json::from_str(
            r#"{"namespaceId":"52d39943-cb85-4d7f-8fa8-c6baac873819","name":"Project","displayName":"Project","separatorValue":":","elementLength":-1,"writePermission":2,"readPermission":1,"dataspaceCategory":"Default","actions":[{"bit":1,"name":"GENERIC_READ","displayName":"View project-level information","namespaceId":"52d39943-cb85-4d7f-8fa8-c6baac873819"},{"bit":"2","name":"GENERIC_WRITE","displayName":"Edit project-level information"},{"bit":"x","name":"BROKEN"},{"bit":8192,"name":"MANAGE_PROPERTIES"}],"structureValue":1,"extensionType":null,"isRemotable":false,"useTokenTranslator":false,"systemBitMask":0}"#,
        )
        .unwrap();
        assert_eq!(ns.bit_for("GENERIC_READ"), Some(1));
        assert_eq!(ns.bit_for("generic_write"), Some(2));
        assert_eq!(ns.bit_for(" Manage_Properties "), Some(8192));
        assert_eq!(ns.bit_for("BROKEN"), None, "a malformed action is skipped");
        assert_eq!(ns.bit_for("DELETE"), None);
        assert_eq!(
            ns.action_for_bit(2).map(|a| a.name.as_str()),
            Some("GENERIC_WRITE")
        );
        assert_eq!(ns.system_bit_mask, Some(0));
    }

    #[test]
    fn tokens() {
        assert_eq!(
            security_namespace::project_token("eb6e4656-77fc-42a1-9181-4c6d8e9da5d1"),
            "$PROJECT:vstfs:///Classification/TeamProject/eb6e4656-77fc-42a1-9181-4c6d8e9da5d1"
        );
        assert_eq!(security_namespace::tagging_token("p"), "/p");
    }
}

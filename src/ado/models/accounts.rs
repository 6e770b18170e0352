//! Profile and organization listing (`app.vssps.visualstudio.com`). These
//! APIs accept Entra tokens only, not PATs.

use super::lenient;
use serde::{Deserialize, Serialize};

/// `GET https://app.vssps.visualstudio.com/_apis/profile/profiles/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Profile id (GUID); pass as `memberId` to the accounts API.
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    /// Public alias (usually the id).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub public_alias: Option<String>,
    /// Email address.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email_address: Option<String>,
    /// Core revision.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub core_revision: Option<i64>,
    /// Time stamp (ISO 8601).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub time_stamp: Option<String>,
    /// Revision.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub revision: Option<i64>,
    /// Core attributes (with `details=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_attributes: Option<serde_json::Value>,
}

/// Items of `GET https://app.vssps.visualstudio.com/_apis/accounts?memberId={id}`
/// (or `ownerId=`): the organizations a user belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Organization id (GUID).
    pub account_id: String,
    /// Organization URL, e.g. `https://vssps.dev.azure.com/Fabrikam/` (or
    /// the old `https://fabrikam.vssps.visualstudio.com:443/` form).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub account_uri: Option<String>,
    /// Organization name (the `{org}` of `dev.azure.com/{org}`).
    pub account_name: String,
    /// Organization display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub organization_name: Option<String>,
    /// Type (`personal`, `organization`; a number on some versions).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub account_type: Option<String>,
    /// Owner id (GUID).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub account_owner: Option<String>,
    /// Status (`enabled`, `disabled`, `deleted`, `moved`, …).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub account_status: Option<String>,
    /// Why the status is what it is.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status_reason: Option<String>,
    /// Namespace id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub namespace_id: Option<String>,
    /// Creator id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created_by: Option<String>,
    /// Creation date.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub created_date: Option<String>,
    /// Last updater id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_updated_by: Option<String>,
    /// Last update date.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_updated_date: Option<String>,
    /// Property bag (usually `{}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<serde_json::Value>,
}

impl Account {
    /// Whether the organization is usable (status absent or `enabled`).
    pub fn is_enabled(&self) -> bool {
        self.account_status
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("enabled") || s == "1")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn account_with_numeric_type_and_status() {
        let a: Account = serde_json::from_str(
            r#"{"accountId":"6affcbef-fe5d-44c6-8a29-439b79aaa118","accountUri":"https://vssps.dev.azure.com/Contoso/","accountName":"Contoso","accountType":0,"accountStatus":"enabled","properties":{}}"#,
        )
        .unwrap();
        assert_eq!(a.account_type.as_deref(), Some("0"));
        assert!(a.is_enabled());
        let a: Account = serde_json::from_str(
            r#"{"accountId":"x","accountName":"Old","accountStatus":"disabled"}"#,
        )
        .unwrap();
        assert!(!a.is_enabled());
    }

    #[test]
    fn profile_minimal() {
        let p: Profile = serde_json::from_str(
            r#"{"id":"d6245f20-2af8-44f4-9451-8107cb2767db","coreRevision":"1647"}"#,
        )
        .unwrap();
        assert_eq!(p.core_revision, Some(1647));
        assert!(p.display_name.is_none());
    }
}

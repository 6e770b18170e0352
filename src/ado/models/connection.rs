//! Who-am-I (`_apis/connectionData`) and resource locations (`OPTIONS _apis`).

use super::lenient;
use super::lenient_enum;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET {base}/_apis/connectionData?connectOptions=1&lastChangeId=-1&lastChangeId64=-1`
/// (api-version `…-preview`): the identity behind the credentials, and what
/// kind of deployment answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionData {
    /// The identity the credentials authenticate (anonymous when rejected).
    pub authenticated_user: Identity,
    /// The identity requests are authorized as (usually the same).
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub authorized_user: Option<Identity>,
    /// The organization's / collection's instance id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub instance_id: Option<String>,
    /// The deployment (scale unit / server) id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub deployment_id: Option<String>,
    /// `hosted` (Services) or `onPremises` (Server). Missing on old Servers.
    #[serde(default)]
    pub deployment_type: Option<DeploymentType>,
    /// Location service summary (present with `connectOptions=1`).
    #[serde(default, deserialize_with = "lenient::opt_or_none")]
    pub location_service_data: Option<LocationServiceData>,
    /// Virtual directory of the web application (Server), e.g. `/tfs/`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub web_application_relative_directory: Option<String>,
}

impl ConnectionData {
    /// Whether the service treated the request as anonymous (credentials
    /// missing or rejected).
    pub fn is_anonymous(&self) -> bool {
        self.authenticated_user.is_anonymous()
    }
}

lenient_enum! {
    /// `connectionData.deploymentType`.
    pub enum DeploymentType {
        /// Azure DevOps Services (cloud).
        Hosted = "hosted",
        /// Azure DevOps Server (self-hosted).
        OnPremises = "onPremises",
    }
}

/// An identity as returned by `connectionData` (`authenticatedUser`,
/// `authorizedUser`) and the identities API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Identity id (a GUID; all-zero or `aaaaaaaa-…` when anonymous).
    pub id: String,
    /// Legacy identity descriptor, e.g. `Microsoft.IdentityModel.Claims.ClaimsIdentity;…`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub descriptor: Option<String>,
    /// Graph subject descriptor, e.g. `aad.…` or `msa.…`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub subject_descriptor: Option<String>,
    /// Display name from the identity provider.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub provider_display_name: Option<String>,
    /// Display name set in Azure DevOps (takes precedence when set).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub custom_display_name: Option<String>,
    /// Whether the identity is active.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_active: Option<bool>,
    /// Whether this is a group.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_container: Option<bool>,
    /// Property bag: `{"Account": {"$type": "System.String", "$value": "jamal@fabrikam.com"}}`.
    /// Malformed entries are dropped.
    #[serde(default, deserialize_with = "lenient::map_skip_invalid")]
    pub properties: BTreeMap<String, PropertyValue>,
    /// Resource version of the identity record.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub resource_version: Option<i64>,
    /// Identity meta type (0 = member, 1 = guest, 255 = unknown).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub meta_type_id: Option<i64>,
}

/// The all-zero GUID, used for "nobody".
pub const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";
/// The id Azure DevOps gives the anonymous identity.
pub const ANONYMOUS_IDENTITY_ID: &str = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";

impl Identity {
    /// The name to show: the custom display name when set, else the
    /// provider's display name, else the sign-in address, else the id.
    pub fn display_name(&self) -> &str {
        non_empty(self.custom_display_name.as_deref())
            .or_else(|| non_empty(self.provider_display_name.as_deref()))
            .or_else(|| self.account())
            .unwrap_or(&self.id)
    }

    /// The sign-in address (`properties.Account.$value`), e.g. `jamal@fabrikam.com`.
    pub fn account(&self) -> Option<&str> {
        self.property_str("Account")
    }

    /// A string property from the property bag (key matched case-insensitively).
    pub fn property_str(&self, key: &str) -> Option<&str> {
        let prop = self.properties.get(key).or_else(|| {
            self.properties
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })?;
        non_empty(prop.value.as_str())
    }

    /// Whether this is "nobody": an empty or all-zero id, or the anonymous
    /// identity `aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa`.
    pub fn is_anonymous(&self) -> bool {
        is_anonymous_id(&self.id)
    }
}

/// Whether an identity id means "not signed in": empty, the all-zero GUID
/// or the anonymous GUID (any case, with or without braces or dashes).
pub fn is_anonymous_id(id: &str) -> bool {
    let hex: String = id
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .chars()
        .filter(|c| *c != '-')
        .collect();
    hex.is_empty()
        || hex.chars().all(|c| c == '0')
        || (hex.len() == 32 && hex.chars().all(|c| c == 'a' || c == 'A'))
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A typed value of an identity property bag: `{"$type": "System.String", "$value": …}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PropertyValue {
    /// .NET type name, e.g. `System.String`.
    #[serde(rename = "$type", default, deserialize_with = "lenient::opt_string")]
    pub type_name: Option<String>,
    /// The value (any JSON).
    #[serde(rename = "$value", default)]
    pub value: serde_json::Value,
}

/// `connectionData.locationServiceData`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationServiceData {
    /// Service owner GUID (`00025394-6065-48ca-87d9-7f5672854ef7` = Azure DevOps).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub service_owner: Option<String>,
    /// Default access mapping moniker, e.g. `PublicAccessMapping`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub default_access_mapping_moniker: Option<String>,
    /// Location change id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub last_change_id: Option<i64>,
    /// 64-bit location change id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub last_change_id64: Option<i64>,
    /// Access mappings (public URL, server URL, …).
    #[serde(default, deserialize_with = "lenient::vec_skip_invalid")]
    pub access_mappings: Vec<AccessMapping>,
}

/// One access mapping of the location service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessMapping {
    /// Moniker, e.g. `PublicAccessMapping`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub moniker: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub display_name: Option<String>,
    /// Base URL of this mapping.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub access_point: Option<String>,
    /// Virtual directory (Server).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub virtual_directory: Option<String>,
}

/// One item of `OPTIONS {base}/_apis` (a `ListResponse<ResourceLocation>`):
/// where an API lives and which versions it supports. Used to negotiate
/// the api-version with a Server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceLocation {
    /// Location id (GUID).
    pub id: String,
    /// Area, e.g. `core`, `wit`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub area: Option<String>,
    /// Resource name, e.g. `projects`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub resource_name: Option<String>,
    /// Route template, e.g. `_apis/{resource}/{*projectId}`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub route_template: Option<String>,
    /// Resource version (the `.N` of `7.1-preview.N`).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub resource_version: Option<i64>,
    /// Minimum api-version, e.g. `"1.0"`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub min_version: Option<String>,
    /// Maximum api-version, e.g. `"7.1"`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub max_version: Option<String>,
    /// Highest released (non-preview) api-version, e.g. `"7.0"`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub released_version: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const CONNECTION_DATA: &str = r#"{"authenticatedUser":{"id":"d291b0c4-a05c-4ea6-8df1-4b41d5f39eff","descriptor":"Microsoft.IdentityModel.Claims.ClaimsIdentity;72f988bf-86f1-41af-91ab-2d7cd011db47\\jamal@fabrikam.com","subjectDescriptor":"aad.ZDI5MWIwYzQtYTA1Yy03ZWE2LThkZjEtNGI0MWQ1ZjM5ZWZm","providerDisplayName":"Jamal Hartnett","isActive":true,"properties":{"Account":{"$type":"System.String","$value":"jamal@fabrikam.com"}},"resourceVersion":2,"metaTypeId":0},"authorizedUser":{"id":"d291b0c4-a05c-4ea6-8df1-4b41d5f39eff","providerDisplayName":"Jamal Hartnett","customDisplayName":"Jamal H.","isActive":true,"properties":{"Account":{"$type":"System.String","$value":"jamal@fabrikam.com"}},"resourceVersion":2,"metaTypeId":0},"instanceId":"20cda608-32f0-4e6e-9b7c-8def7b38d15a","deploymentId":"3d6e2f52-b0ae-4b4a-9a7b-7b5c4e4a9e21","deploymentType":"hosted","locationServiceData":{"serviceOwner":"00025394-6065-48ca-87d9-7f5672854ef7","defaultAccessMappingMoniker":"PublicAccessMapping","lastChangeId":1,"lastChangeId64":1}}"#;

    #[test]
    fn connection_data_parses() {
        let cd: ConnectionData = serde_json::from_str(CONNECTION_DATA).unwrap();
        assert_eq!(cd.deployment_type, Some(DeploymentType::Hosted));
        assert!(!cd.is_anonymous());
        let me = &cd.authenticated_user;
        assert_eq!(me.display_name(), "Jamal Hartnett");
        assert_eq!(me.account(), Some("jamal@fabrikam.com"));
        let authorized = cd.authorized_user.as_ref().unwrap();
        assert_eq!(authorized.display_name(), "Jamal H.");
        let lsd = cd.location_service_data.unwrap();
        assert_eq!(lsd.last_change_id64, Some(1));
        assert_eq!(
            lsd.default_access_mapping_moniker.as_deref(),
            Some("PublicAccessMapping")
        );
    }

    #[test]
    fn anonymous_connection_data() {
        let json = r#"{"authenticatedUser":{"id":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","descriptor":"System:PublicAccess;aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","providerDisplayName":"Anonymous","isActive":true,"properties":{},"resourceVersion":2,"metaTypeId":255},"deploymentType":"onPremises"}"#;
        let cd: ConnectionData = serde_json::from_str(json).unwrap();
        assert!(cd.is_anonymous());
        assert_eq!(cd.deployment_type, Some(DeploymentType::OnPremises));
        assert_eq!(cd.authenticated_user.account(), None);
    }

    #[test]
    fn identity_is_anonymous() {
        let id = |s: &str| Identity {
            id: s.to_string(),
            descriptor: None,
            subject_descriptor: None,
            provider_display_name: None,
            custom_display_name: None,
            is_active: None,
            is_container: None,
            properties: BTreeMap::new(),
            resource_version: None,
            meta_type_id: None,
        };
        assert!(id(EMPTY_GUID).is_anonymous());
        assert!(id(ANONYMOUS_IDENTITY_ID).is_anonymous());
        assert!(id("AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA").is_anonymous());
        assert!(id("{00000000-0000-0000-0000-000000000000}").is_anonymous());
        assert!(id("").is_anonymous());
        assert!(!id("d291b0c4-a05c-4ea6-8df1-4b41d5f39eff").is_anonymous());
        assert!(!id("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaab").is_anonymous());
        // Display name falls back to the id when nothing else is known.
        assert_eq!(id(EMPTY_GUID).display_name(), EMPTY_GUID);
    }

    #[test]
    fn deployment_type_is_lenient() {
        let t: DeploymentType = serde_json::from_str(r#""OnPremises""#).unwrap();
        assert_eq!(t, DeploymentType::OnPremises);
        let t: DeploymentType = serde_json::from_str(r#""unknown""#).unwrap();
        assert_eq!(t, DeploymentType::Unknown);
        let t: DeploymentType = serde_json::from_str(r#""sovereign""#).unwrap();
        assert_eq!(t, DeploymentType::Unknown);
        let t: DeploymentType = serde_json::from_str("3").unwrap();
        assert_eq!(t, DeploymentType::Unknown);
        assert_eq!(
            serde_json::to_string(&DeploymentType::OnPremises).unwrap(),
            r#""onPremises""#
        );
    }

    #[test]
    fn malformed_properties_are_dropped() {
        let json = r#"{"id":"x","properties":{"Account":{"$type":"System.String","$value":"a@b.c"},"Odd":5}}"#;
        let i: Identity = serde_json::from_str(json).unwrap();
        assert_eq!(i.account(), Some("a@b.c"));
        assert_eq!(i.properties.len(), 1);
    }

    #[test]
    fn resource_location_versions_as_numbers_or_strings() {
        let json = r#"{"count":1,"value":[{"id":"603fe2ac-9723-48b9-88ad-09305aa6c6e1","area":"core","resourceName":"projects","routeTemplate":"_apis/{resource}/{*projectId}","resourceVersion":4,"minVersion":"1.0","maxVersion":7.1,"releasedVersion":"7.0"}]}"#;
        let l: super::super::ListResponse<ResourceLocation> = serde_json::from_str(json).unwrap();
        let r = &l.value[0];
        assert_eq!(r.max_version.as_deref(), Some("7.1"));
        assert_eq!(r.min_version.as_deref(), Some("1.0"));
        assert_eq!(r.resource_version, Some(4));
    }
}

//! The JSON error body of Azure DevOps, and what can be read out of it.

use super::lenient;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The error body Azure DevOps sends with 4xx/5xx answers:
/// `{"$id":"1","innerException":null,"message":"…","typeName":"…","typeKey":"…","errorCode":0,"eventId":3000,"customProperties":{…}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    /// Serializer reference id (`"1"`).
    #[serde(
        rename = "$id",
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ref_id: Option<String>,
    /// Nested cause (an error body of the same shape), if any.
    #[serde(
        default,
        deserialize_with = "inner_exception",
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_exception: Option<Box<ApiErrorBody>>,
    /// Human-readable message, often starting with a code (`TF401232:`, `VS403463:`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
    /// .NET exception type name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub type_name: Option<String>,
    /// Short exception type, e.g. `RuleValidationException`,
    /// `ProjectDoesNotExistWithNameException`, `VssVersionOutOfRangeException`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub type_key: Option<String>,
    /// Error code (mostly 0).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub error_code: Option<i64>,
    /// Event id (e.g. 3000).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub event_id: Option<i64>,
    /// Extra data, e.g. `RuleValidationErrors` (PascalCase key).
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_properties: Option<serde_json::Map<String, Value>>,
}

fn inner_exception<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<ApiErrorBody>>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(v @ Value::Object(_)) => serde_json::from_value::<ApiErrorBody>(v).ok().map(Box::new),
        _ => None,
    })
}

impl ApiErrorBody {
    /// Whether this looks like an Azure DevOps error body at all (has a
    /// message or a type key), as opposed to some other JSON.
    pub fn is_azure_devops_error(&self) -> bool {
        self.message.is_some() || self.type_key.is_some()
    }

    /// The message, or `""`.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }

    /// Whether `typeKey` is `key` (case-insensitive), here or in an inner exception.
    pub fn has_type_key(&self, key: &str) -> bool {
        self.chain().any(|e| {
            e.type_key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
        })
    }

    /// This error and its inner exceptions, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &ApiErrorBody> {
        std::iter::successors(Some(self), |e| e.inner_exception.as_deref())
    }

    /// The leading code of the message, e.g. `TF401232` or `VS403463`.
    pub fn message_code(&self) -> Option<&str> {
        let msg = self.message.as_deref()?.trim_start();
        let (code, _) = msg.split_once(':')?;
        let letters = code.chars().take_while(|c| c.is_ascii_uppercase()).count();
        let valid = (2..=4).contains(&letters)
            && code.len() > letters
            && code[letters..].chars().all(|c| c.is_ascii_digit());
        valid.then_some(code)
    }

    /// The per-field failures of a `RuleValidationException` (work item
    /// create/update), from `customProperties.RuleValidationErrors` —
    /// nested `ruleValidationErrors` are flattened after their parent.
    /// Empty when there are none.
    pub fn rule_validation_errors(&self) -> Vec<RuleValidationError> {
        let Some(props) = self.custom_properties.as_ref() else {
            return Vec::new();
        };
        let raw = props.get("RuleValidationErrors").or_else(|| {
            props
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("RuleValidationErrors"))
                .map(|(_, v)| v)
        });
        let Some(Value::Array(items)) = raw else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            if let Ok(err) = serde_json::from_value::<RuleValidationError>(item.clone()) {
                err.flatten_into(&mut out);
            }
        }
        out
    }

    /// `(requested, latest)` when the server rejected the api-version
    /// (`VssVersionOutOfRangeException`), see [`parse_version_out_of_range`].
    pub fn version_out_of_range(&self) -> Option<(String, String)> {
        self.chain()
            .find_map(|e| parse_version_out_of_range(e.message()))
    }
}

/// One entry of `customProperties.RuleValidationErrors`:
/// `{"fieldReferenceName":"Microsoft.VSTS.Common.Priority","fieldStatusFlags":"required, hasValues, limitedToValues, allowsOldValue, invalidListValue","errorMessage":"TF401326: …","fieldStatusCode":4107,"ruleValidationErrors":null}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleValidationError {
    /// The field that failed, e.g. `System.Title`.
    #[serde(
        default,
        alias = "FieldReferenceName",
        deserialize_with = "lenient::opt_string"
    )]
    pub field_reference_name: Option<String>,
    /// Flags, e.g. `required, invalidEmpty` (a string; a number on some versions).
    #[serde(
        default,
        alias = "FieldStatusFlags",
        deserialize_with = "lenient::opt_string"
    )]
    pub field_status_flags: Option<String>,
    /// The message, e.g. `TF401320: Rule Error for field Title. …`.
    #[serde(
        default,
        alias = "ErrorMessage",
        deserialize_with = "lenient::opt_string"
    )]
    pub error_message: Option<String>,
    /// Status code.
    #[serde(
        default,
        alias = "FieldStatusCode",
        deserialize_with = "lenient::opt_i64"
    )]
    pub field_status_code: Option<i64>,
    /// Nested errors (usually `null`).
    #[serde(
        default,
        alias = "RuleValidationErrors",
        deserialize_with = "lenient::vec_skip_invalid",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rule_validation_errors: Vec<RuleValidationError>,
}

impl RuleValidationError {
    fn flatten_into(mut self, out: &mut Vec<RuleValidationError>) {
        let nested = std::mem::take(&mut self.rule_validation_errors);
        out.push(self);
        for n in nested {
            n.flatten_into(out);
        }
    }

    /// Whether the flags say the field is required but empty.
    pub fn is_required_missing(&self) -> bool {
        self.field_status_flags.as_deref().is_some_and(|f| {
            let f = f.to_ascii_lowercase();
            f.contains("invalidempty") || (f.contains("required") && f.contains("empty"))
        })
    }
}

/// Parses the api-version refusal of an older Server:
/// `The requested REST API version of 7.1 is out of range for this server.
/// The latest REST API version for this server is 6.0.` → `("7.1", "6.0")`.
pub fn parse_version_out_of_range(message: &str) -> Option<(String, String)> {
    let requested = version_after(message, "requested REST API version of ")?;
    let latest = version_after(message, "latest REST API version for this server is ")?;
    Some((requested, latest))
}

/// The version token after `marker` (ASCII case-insensitive), without a
/// sentence-ending dot or quotes.
fn version_after(message: &str, marker: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let start = lower.find(&marker.to_ascii_lowercase())? + marker.len();
    let rest = message.get(start..)?.trim_start();
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '"' | '\''))
        .collect();
    let token = token
        .trim_matches(|c| c == '"' || c == '\'')
        .trim_end_matches('.');
    let valid = token.chars().next().is_some_and(|c| c.is_ascii_digit());
    valid.then(|| token.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const RULE_ERROR: &str = r#"{"$id":"1","customProperties":{"RuleValidationErrors":[{"fieldReferenceName":"Microsoft.VSTS.Common.Priority","fieldStatusFlags":"required, hasValues, limitedToValues, allowsOldValue, invalidListValue","errorMessage":"TF401326: Invalid field status 'InvalidListValue' for field 'Microsoft.VSTS.Common.Priority'.","fieldStatusCode":4107,"ruleValidationErrors":null},{"fieldReferenceName":"Custom.Team","fieldStatusFlags":"required, invalidEmpty","errorMessage":"TF401320: Rule Error for field Team. Error code: Required, InvalidEmpty.","fieldStatusCode":"4","ruleValidationErrors":[{"fieldReferenceName":"Custom.Nested","errorMessage":"nested"}]}]},"innerException":null,"message":"TF401320: Rule Error for field Team. Error code: Required, InvalidEmpty.","typeName":"Microsoft.TeamFoundation.WorkItemTracking.Server.RuleValidationException, Microsoft.TeamFoundation.WorkItemTracking.Server","typeKey":"RuleValidationException","errorCode":0,"eventId":3200}"#;

    #[test]
    fn rule_validation_errors_are_read() {
        let e: ApiErrorBody = serde_json::from_str(RULE_ERROR).unwrap();
        assert!(e.is_azure_devops_error());
        assert!(e.has_type_key("rulevalidationexception"));
        assert_eq!(e.message_code(), Some("TF401320"));
        assert_eq!(e.event_id, Some(3200));
        let errs = e.rule_validation_errors();
        let names: Vec<&str> = errs
            .iter()
            .filter_map(|r| r.field_reference_name.as_deref())
            .collect();
        assert_eq!(
            names,
            [
                "Microsoft.VSTS.Common.Priority",
                "Custom.Team",
                "Custom.Nested"
            ]
        );
        assert_eq!(errs[0].field_status_code, Some(4107));
        assert_eq!(errs[1].field_status_code, Some(4));
        assert!(errs[1].is_required_missing());
        assert!(!errs[0].is_required_missing());
    }

    #[test]
    fn no_rule_errors_is_empty() {
        let e: ApiErrorBody = serde_json::from_str(
            r#"{"$id":"1","innerException":null,"message":"TF200016: The following project does not exist: Nope. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.","typeName":"Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi","typeKey":"ProjectDoesNotExistWithNameException","errorCode":0,"eventId":3000}"#,
        )
        .unwrap();
        assert!(e.rule_validation_errors().is_empty());
        assert_eq!(e.message_code(), Some("TF200016"));
        let e: ApiErrorBody =
            serde_json::from_str(r#"{"customProperties":{"RuleValidationErrors":"oops"}}"#)
                .unwrap();
        assert!(e.rule_validation_errors().is_empty());
        assert!(!e.is_azure_devops_error());
    }

    #[test]
    fn inner_exception_object_or_null_or_junk() {
        let e: ApiErrorBody = serde_json::from_str(
            r#"{"message":"outer","innerException":{"message":"The requested REST API version of 7.1 is out of range for this server. The latest REST API version for this server is 6.0.","typeKey":"VssVersionOutOfRangeException","innerException":null}}"#,
        )
        .unwrap();
        assert!(e.has_type_key("VssVersionOutOfRangeException"));
        assert_eq!(e.chain().count(), 2);
        assert_eq!(
            e.version_out_of_range(),
            Some(("7.1".to_string(), "6.0".to_string()))
        );
        let e: ApiErrorBody =
            serde_json::from_str(r#"{"message":"x","innerException":"text"}"#).unwrap();
        assert!(e.inner_exception.is_none());
    }

    #[test]
    fn version_out_of_range_messages() {
        assert_eq!(
            parse_version_out_of_range(
                "The requested REST API version of 7.1 is out of range for this server. The latest REST API version for this server is 6.0."
            ),
            Some(("7.1".to_string(), "6.0".to_string()))
        );
        assert_eq!(
            parse_version_out_of_range(
                "VS800071: The requested REST API version of 7.1-preview.1 is out of range for this server. The latest REST API version for this server is 5.0-preview.1."
            ),
            Some(("7.1-preview.1".to_string(), "5.0-preview.1".to_string()))
        );
        assert_eq!(
            parse_version_out_of_range(
                "the requested rest api version of 7.0 is out of range for this server. the latest rest api version for this server is 5.1"
            ),
            Some(("7.0".to_string(), "5.1".to_string()))
        );
        assert_eq!(
            parse_version_out_of_range("TF400813: Resource not available for anonymous access."),
            None
        );
        assert_eq!(
            parse_version_out_of_range("The requested REST API version of "),
            None
        );
        assert_eq!(parse_version_out_of_range(""), None);
        assert_eq!(
            parse_version_out_of_range("ünïcödé requested REST API version of ß"),
            None
        );
    }

    #[test]
    fn message_code_variants() {
        let e = |m: &str| ApiErrorBody {
            message: Some(m.to_string()),
            ..Default::default()
        };
        assert_eq!(
            e("VS403463: The conditional access policy …").message_code(),
            Some("VS403463")
        );
        assert_eq!(e("Rule: something").message_code(), None);
        assert_eq!(e("no code").message_code(), None);
    }
}

//! Typed models of the Azure DevOps REST API (api-version 7.1 on Services,
//! 5.0–7.0 on Server) and of the Microsoft Entra ID (v2.0 endpoint) responses
//! that ado-setup reads or writes.
//!
//! Design rules, because the service adds keys over time and older Server
//! versions omit some:
//!
//! * Every struct ignores unknown keys and every non-essential field is an
//!   `Option` or has a default: a missing, `null` or oddly typed optional key
//!   never fails parsing. Only identifiers (a project's `id` and `name`, a
//!   node's `name`, …) are required.
//! * Enums for string values that the service may extend (project `state`,
//!   `visibility`, process `customizationType`, `deploymentType`, node
//!   `structureType`, field `type`, …) match case-insensitively (the examples
//!   send both `system` and `System`) and fall back to an `Unknown` variant.
//! * Numbers the service sometimes sends as strings (`"2"`), and booleans it
//!   sometimes sends as `"True"`, are accepted either way.
//! * Secrets (tokens, the device code) are [`secrecy::SecretString`], whose
//!   `Debug` is redacted; the structs holding them are not `Serialize`.
//!
//! Everything is re-exported flat from here: `crate::ado::models::TeamProject`.

mod accounts;
mod connection;
mod entra;
mod errors;
mod lenient;
mod nodes;
mod projects;
mod security;
mod wit;
mod work;

pub use accounts::*;
pub use connection::*;
pub use entra::*;
pub use errors::*;
pub use nodes::*;
pub use projects::*;
pub use security::*;
pub use wit::*;
pub use work::*;

use serde::{Deserialize, Serialize};

/// The generic list envelope of Azure DevOps: `{"count": n, "value": [...]}`.
///
/// Used by every list endpoint (`_apis/projects`, `_apis/wit/fields`,
/// `_apis/securitynamespaces`, …). `count` is informational only: the
/// official `work/processes` example says `14` next to four items, so code
/// must use `value.len()`. Further pages are signalled out of band
/// (`x-ms-continuationtoken` header), not in the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Number of items as reported by the service (may disagree with `value`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u32>,
    /// The items.
    pub value: Vec<T>,
}

impl<T> Default for ListResponse<T> {
    fn default() -> Self {
        Self {
            count: None,
            value: Vec::new(),
        }
    }
}

impl<T> ListResponse<T> {
    /// Wraps items in the envelope, with `count` set to their number.
    pub fn new(value: Vec<T>) -> Self {
        let count = u32::try_from(value.len()).ok();
        Self { count, value }
    }

    /// Number of items actually received.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether no item was received.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.value.iter()
    }
}

impl<T> IntoIterator for ListResponse<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.value.into_iter()
    }
}

/// Answer of `GET {base}/_apis/permissions/{namespaceId}/{bits}?tokens=a,b,c`:
/// one boolean per token, in the order of the `tokens` query parameter.
///
/// Note: the official single-token example (`?token=…`) has a `null` body;
/// parse such answers as `Option<PermissionEvaluation>`.
pub type PermissionEvaluation = ListResponse<bool>;

/// Declares a string enum whose wire values the service may extend:
/// matched case-insensitively, anything else (or a non-string) becomes
/// `Unknown`, serialised with its canonical wire spelling.
macro_rules! lenient_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of ado-setup does not know (or none).
            #[default]
            Unknown,
        }

        impl $name {
            /// The canonical wire spelling (`"unknown"` for [`Self::Unknown`]).
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown => "unknown",
                }
            }

            /// Case-insensitive parse; never fails.
            pub fn from_wire(s: &str) -> Self {
                let s = s.trim();
                $(
                    if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                        return Self::$variant;
                    }
                )+
                Self::Unknown
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                Ok(match v {
                    serde_json::Value::String(s) => Self::from_wire(&s),
                    _ => Self::Unknown,
                })
            }
        }
    };
}
pub(crate) use lenient_enum;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn list_response_tolerates_string_count_and_missing_count() {
        let l: ListResponse<u32> = serde_json::from_str(r#"{"count":"2","value":[1,2]}"#).unwrap();
        assert_eq!(l.count, Some(2));
        let l: ListResponse<u32> = serde_json::from_str(r#"{"value":[]}"#).unwrap();
        assert_eq!(l.count, None);
        assert!(l.is_empty());
        let l: ListResponse<u32> = serde_json::from_str(r#"{"count":{},"value":[3]}"#).unwrap();
        assert_eq!(l.count, None);
        assert_eq!(l.len(), 1);
        // `value` is the essential part of a list.
        assert!(serde_json::from_str::<ListResponse<u32>>(r#"{"count":1}"#).is_err());
    }

    #[test]
    fn list_response_new_round_trips() {
        let l = ListResponse::new(vec![true, false]);
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, r#"{"count":2,"value":[true,false]}"#);
        let back: PermissionEvaluation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
    }

    #[test]
    fn permission_evaluation_null_body_is_none() {
        let p: Option<PermissionEvaluation> = serde_json::from_str("null").unwrap();
        assert!(p.is_none());
    }
}

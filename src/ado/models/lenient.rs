//! Lenient `deserialize_with` helpers shared by the models: numbers that may
//! arrive as strings, booleans as `"True"`, `null` where a list is expected,
//! and lists or maps with the odd malformed element.
//!
//! The `opt_*` helpers never fail: an unusable value becomes `None`. They go
//! through [`serde_json::Value`], which is fine for the small scalars they
//! read (and the whole crate reads JSON only).

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads a JSON value as an unsigned integer: `2`, `2.0` or `"2"`.
pub(crate) fn value_to_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a JSON value as a signed integer: `-1`, `2.0` or `"-1"`.
pub(crate) fn value_to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a JSON value as a boolean: `true`, `"True"`, `"false"`, `1`, `0`.
pub(crate) fn value_to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let s = s.trim();
            if s.eq_ignore_ascii_case("true") || s == "1" {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") || s == "0" {
                Some(false)
            } else {
                None
            }
        }
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a scalar JSON value as text: strings as is, numbers and booleans
/// in their JSON spelling. Objects, arrays and `null` give `None`.
pub(crate) fn value_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn opt_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Option::<Value>::deserialize(d)
}

/// `Option<u64>` from a number or numeric string; anything else is `None`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_value(d)?.as_ref().and_then(value_to_u64))
}

/// `Option<u32>` from a number or numeric string; anything else is `None`.
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(opt_value(d)?
        .as_ref()
        .and_then(value_to_u64)
        .and_then(|n| u32::try_from(n).ok()))
}

/// `Option<i64>` from a number or numeric string; anything else is `None`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(opt_value(d)?.as_ref().and_then(value_to_i64))
}

/// `Option<bool>` from a boolean, `"True"`/`"false"` or `0`/`1`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(opt_value(d)?.as_ref().and_then(value_to_bool))
}

/// `bool`, `false` when missing, `null` or unreadable.
pub(crate) fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_value(d)?
        .as_ref()
        .and_then(value_to_bool)
        .unwrap_or(false))
}

/// `Option<String>` from a string, number or boolean; anything else is `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(opt_value(d)?.as_ref().and_then(value_to_string))
}

/// Required `u64` from a number or numeric string.
pub(crate) fn req_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = Value::deserialize(d)?;
    value_to_u64(&v)
        .ok_or_else(|| D::Error::custom(format!("expected an unsigned integer, got {}", kind(&v))))
}

/// Required `u32` from a number or numeric string.
pub(crate) fn req_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = Value::deserialize(d)?;
    value_to_u64(&v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            D::Error::custom(format!(
                "expected a 32-bit unsigned integer, got {}",
                kind(&v)
            ))
        })
}

/// A list where the service may send `null`, a non-list, or malformed
/// elements: `null`/non-list give an empty list, bad elements are skipped.
pub(crate) fn vec_skip_invalid<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match opt_value(d)? {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A list of strings where numbers and booleans are turned into text and
/// other elements are skipped; `null` or a non-list give an empty list.
pub(crate) fn string_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match opt_value(d)? {
        Some(Value::Array(items)) => items.iter().filter_map(value_to_string).collect(),
        Some(Value::String(s)) => vec![s],
        _ => Vec::new(),
    })
}

/// A string-keyed map whose malformed entries are skipped; `null` or a
/// non-object give an empty map.
pub(crate) fn map_skip_invalid<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match opt_value(d)? {
        Some(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| serde_json::from_value(v).ok().map(|v| (k, v)))
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// A string-keyed map of booleans (each read like [`value_to_bool`]);
/// unreadable entries are skipped, `null` or a non-object give an empty map.
pub(crate) fn bool_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, bool>, D::Error> {
    Ok(match opt_value(d)? {
        Some(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| value_to_bool(&v).map(|b| (k, b)))
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// `Option<T>` that is `None` when the value is `null` or does not fit `T`.
pub(crate) fn opt_or_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(opt_value(d)?.and_then(|v| serde_json::from_value(v).ok()))
}

/// `serde_json::Map` that is empty when the value is `null` or not an object.
pub(crate) fn object_or_empty<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<serde_json::Map<String, Value>, D::Error> {
    Ok(match opt_value(d)? {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    })
}

/// `Option<serde_json::Map>`: `None` when the value is `null` or not an object.
pub(crate) fn opt_object<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Map<String, Value>>, D::Error> {
    Ok(match opt_value(d)? {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_from_strings_and_floats() {
        assert_eq!(value_to_u64(&json!(2)), Some(2));
        assert_eq!(value_to_u64(&json!("2")), Some(2));
        assert_eq!(value_to_u64(&json!(" 3599 ")), Some(3599));
        assert_eq!(value_to_u64(&json!(2.0)), Some(2));
        assert_eq!(value_to_u64(&json!(2.5)), None);
        assert_eq!(value_to_u64(&json!(-1)), None);
        assert_eq!(value_to_u64(&json!(1e300)), None);
        assert_eq!(value_to_u64(&json!("x")), None);
        assert_eq!(value_to_i64(&json!(-1)), Some(-1));
        assert_eq!(value_to_i64(&json!("-1")), Some(-1));
        assert_eq!(value_to_i64(&json!(-1e300)), None);
    }

    #[test]
    fn booleans_from_strings() {
        assert_eq!(value_to_bool(&json!("True")), Some(true));
        assert_eq!(value_to_bool(&json!("false")), Some(false));
        assert_eq!(value_to_bool(&json!(1)), Some(true));
        assert_eq!(value_to_bool(&json!("yes")), None);
        assert_eq!(value_to_bool(&json!(null)), None);
    }
}

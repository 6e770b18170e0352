//! The OAuth 2.0 wire shapes of the sandbox's Entra ID endpoints: the form
//! body of a request and the Entra error answer (`error`,
//! `error_description` with the `AADSTS` code, `error_codes`, `timestamp`,
//! `trace_id`, `correlation_id`, `error_uri`).

use serde_json::json;

use crate::sandbox::http::{Resp, json_resp};
use crate::sandbox::state::State;
use crate::sandbox::util::{now_rfc3339, random_guid};

/// A parsed form body.
pub(super) struct Form(pub(super) Vec<(String, String)>);

impl Form {
    /// A non-empty form value.
    pub(super) fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// An Entra error answer: `status`, the OAuth `error`, the `AADSTS` `code`
/// and its description, with fresh trace and correlation ids.
pub(super) fn aad_error(
    status: u16,
    error: &str,
    code: u32,
    description: &str,
    st: &State,
) -> Resp {
    let trace = random_guid();
    let corr = random_guid();
    let ts = now_rfc3339();
    let ts_short = format!("{} {}", &ts[..10], &ts[11..19]);
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts_short}Z"),
        "error_codes": [code],
        "timestamp": format!("{ts_short}Z"),
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": format!("{}/error?code={code}", st.authority_url()),
    });
    json_resp(status, &body, None)
}

/// `invalid_request` `AADSTS900144`: the form lacks the parameter `name`.
pub(super) fn missing_parameter(st: &State, name: &str) -> Resp {
    aad_error(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
        st,
    )
}

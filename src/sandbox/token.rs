//! The tokens the sandbox's Entra ID and instance metadata service issue:
//! JWT-shaped, signed with the per-sandbox key (`State::sign_key`), and
//! verified here again when a Bearer credential comes back. One place for
//! the token format, so that issuers and checkers cannot drift apart.

use serde_json::{Value, json};

use super::data::App;
use super::state::State;
use super::util::{b64_decode, b64url_encode, fnv1a64, random_string, splitmix64, unix_now};

/// Azure DevOps' Entra ID resource (application) id.
pub const ADO_RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";

fn mac(st: &State, data: &str) -> String {
    let mut out = Vec::with_capacity(32);
    let mut h = fnv1a64(data.as_bytes()) ^ st.sign_key.0;
    for i in 0..4u64 {
        h = splitmix64(h ^ st.sign_key.1.rotate_left(i as u32 * 13));
        out.extend_from_slice(&h.to_be_bytes());
    }
    b64url_encode(&out)
}

/// Signs a JWT-shaped token (base64url header.payload.signature).
pub(crate) fn mint_token(st: &State, claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "sandbox-signing-key", "x5t": "sandbox-signing-key"});
    let h = b64url_encode(header.to_string().as_bytes());
    let p = b64url_encode(claims.to_string().as_bytes());
    let signed = format!("{h}.{p}");
    let sig = mac(st, &signed);
    format!("{signed}.{sig}")
}

/// Verifies a sandbox access token; `Err` carries the reason.
pub(crate) fn verify_token(st: &State, token: &str) -> Result<Value, &'static str> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("The access token is malformed");
    };
    if mac(st, &format!("{h}.{p}")) != s {
        return Err("The access token signature is invalid");
    }
    let claims: Value = b64_decode(p)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("The access token is malformed")?;
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= unix_now() {
        return Err("The access token has expired");
    }
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    if !aud.eq_ignore_ascii_case(ADO_RESOURCE) && aud != "https://app.vssps.visualstudio.com" {
        return Err("The access token audience is not Azure DevOps");
    }
    Ok(claims)
}

/// An access token for an application identity (no `upn`, no `name`):
/// the token and its expiry (Unix seconds).
pub(crate) fn app_token(
    st: &State,
    app: &App,
    resource: &str,
    appidacr: &str,
    lifetime: i64,
) -> (String, i64) {
    let oid = st
        .cat
        .people
        .get(app.person)
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let now = unix_now();
    let tid = &app.tenant;
    let claims = json!({
        "aud": resource,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "aio": random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24),
        "appid": app.client_id,
        "appidacr": appidacr,
        "idp": format!("https://sts.windows.net/{tid}/"),
        "idtyp": "app",
        "oid": oid,
        "sub": oid,
        "tid": tid,
        "ver": "1.0",
    });
    (mint_token(st, &claims), now + lifetime)
}

#[allow(clippy::expect_used, clippy::unwrap_used)]
#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn state() -> State {
        let cat = crate::sandbox::data::SharedCatalog;
        State::new(
            cat,
            ([127, 0, 0, 1], 9).into(),
            Duration::from_secs(1),
            Duration::ZERO,
            None,
        )
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let st = state();
        let now = unix_now();
        let claims =
            json!({"aud": ADO_RESOURCE, "tid": "t", "oid": "o", "exp": now + 60, "iat": now});
        let tok = mint_token(&st, &claims);
        assert_eq!(tok.split('.').count(), 3);
        assert_eq!(verify_token(&st, &tok).expect("valid")["oid"], "o");
        assert!(verify_token(&st, &format!("{tok}x")).is_err());
        assert!(verify_token(&st, "a.b").is_err());
        assert!(verify_token(&st, "").is_err());
        // Another sandbox (another key) does not accept it.
        assert!(verify_token(&state(), &tok).is_err());
        let expired = mint_token(&st, &json!({"aud": ADO_RESOURCE, "exp": now - 1}));
        assert_eq!(
            verify_token(&st, &expired),
            Err("The access token has expired")
        );
        let graph = mint_token(
            &st,
            &json!({"aud": "00000003-0000-0000-c000-000000000000", "exp": now + 60}),
        );
        assert!(verify_token(&st, &graph).is_err());
    }
}

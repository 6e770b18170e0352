//! The client-credentials grant of service principals (`apps` of kind
//! `service_principal` in the assets): authenticated by their client
//! secret or by a certificate client assertion (RFC 7523: a JWT signed
//! RS256 with the key of a certificate trusted for the app with
//! `Sandbox::trust_certificate`, named by `x5t#S256`). The app token has
//! no `upn`/`name` and no refresh token.

use serde_json::{Value, json};

use super::oauth::{Form, aad_error, missing_parameter};
use super::tenants::resolve_tenant;
use crate::sandbox::data::{App, AppKind};
use crate::sandbox::http::{Resp, json_resp, truncate};
use crate::sandbox::state::State;
use crate::sandbox::token::{ADO_RESOURCE, app_token};
use crate::sandbox::util::{b64_decode, b64url_encode, unix_now};

/// The client-credentials grant of `…/token` for service principal
/// `client_id` in the tenant of the path.
pub(super) fn grant(st: &State, tenant: &str, client_id: &str, form: &Form) -> Resp {
    let app = match service_principal(st, tenant, client_id) {
        Ok(app) => app,
        Err(r) => return r,
    };
    let Some(scope) = form.get("scope") else {
        return missing_parameter(st, "scope");
    };
    let Some(resource) = scope.trim().strip_suffix("/.default") else {
        return aad_error(
            400,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
                truncate(scope, 200)
            ),
            st,
        );
    };
    let acr = match authenticate(st, app, tenant, form) {
        Ok(acr) => acr,
        Err(r) => return r,
    };
    let resource = if resource.eq_ignore_ascii_case(ADO_RESOURCE) {
        ADO_RESOURCE.to_string()
    } else {
        resource.to_string()
    };
    let (access, _) = app_token(st, app, &resource, acr, 3599);
    json_resp(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access,
        }),
        None,
    )
}

/// The service principal `client_id` of the tenant the path names (its id
/// or domain), or the rejection: no tenant named, an unknown tenant, an
/// app not in that tenant.
fn service_principal<'s>(st: &'s State, tenant: &str, client_id: &str) -> Result<&'s App, Resp> {
    let t = truncate(tenant, 100);
    let c = truncate(client_id, 100);
    if matches!(
        tenant.to_ascii_lowercase().as_str(),
        "organizations" | "common" | "consumers"
    ) {
        return Err(aad_error(
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided credentials.",
            st,
        ));
    }
    let tid = match resolve_tenant(st, tenant, "") {
        Ok(t) => t,
        Err(_) => {
            return Err(aad_error(
                400,
                "invalid_request",
                90002,
                &format!(
                    "Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
                st,
            ));
        }
    };
    st.cat
        .app(AppKind::ServicePrincipal, client_id)
        .filter(|a| a.tenant.eq_ignore_ascii_case(&tid))
        .ok_or_else(|| {
            aad_error(
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{c}' was not found in the directory '{t}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
                st,
            )
        })
}

/// Checks the app's credential in the form: its client secret (`appidacr`
/// `1`) or a certificate client assertion (`2`); else the rejection.
fn authenticate(st: &State, app: &App, tenant: &str, form: &Form) -> Result<&'static str, Resp> {
    if let Some(secret) = form.get("client_secret") {
        if app.secret.as_deref() != Some(secret) {
            return Err(aad_error(
                401,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.client_id
                ),
                st,
            ));
        }
        Ok("1")
    } else if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type")
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return Err(aad_error(
                400,
                "invalid_request",
                70002,
                "The client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                st,
            ));
        }
        let audience = format!("{}/{tenant}/oauth2/v2.0/token", st.authority_url());
        if let Err(why) = verify_assertion(st, app, assertion, &audience) {
            return Err(aad_error(401, "invalid_client", why.0, &why.1, st));
        }
        Ok("2")
    } else {
        Err(aad_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            st,
        ))
    }
}

/// Verifies a certificate client assertion (RFC 7523) for `app`:
/// `Err((AADSTS code, description))` when it must be refused.
fn verify_assertion(
    st: &State,
    app: &App,
    assertion: &str,
    audience: &str,
) -> Result<(), (u32, String)> {
    let invalid = |what: &str| {
        (
            700027,
            format!("Client assertion failed signature validation. {what}"),
        )
    };
    let mut parts = assertion.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("The assertion is not a signed JWT."));
    };
    let decode = |part: &str| -> Option<Value> {
        b64_decode(part).and_then(|b| serde_json::from_slice(&b).ok())
    };
    let (Some(header), Some(claims), Some(sig)) = (decode(h), decode(p), b64_decode(sig)) else {
        return Err(invalid("The assertion could not be decoded."));
    };
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(invalid("The assertion must be signed with RS256."));
    }
    let thumbprint = header.get("x5t#S256").and_then(Value::as_str).unwrap_or("");
    let trusted = {
        let certs = st
            .certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        certs
            .iter()
            .find(|(id, der)| {
                id.eq_ignore_ascii_case(&app.client_id)
                    && sha256(der).is_some_and(|h| b64url_encode(&h) == thumbprint)
            })
            .map(|(_, der)| der.clone())
    };
    let Some(der) = trusted else {
        return Err((
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]",
                truncate(thumbprint, 64),
                app.client_id
            ),
        ));
    };
    if !rs256_valid(&der, format!("{h}.{p}").as_bytes(), &sig) {
        return Err(invalid("Client assertion contains an invalid signature."));
    }
    let text = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
    if !text("aud").eq_ignore_ascii_case(audience) {
        return Err((
            700027,
            format!(
                "Client assertion failed signature validation. The audience '{}' is not the token endpoint.",
                truncate(text("aud"), 200)
            ),
        ));
    }
    if !text("iss").eq_ignore_ascii_case(&app.client_id)
        || !text("sub").eq_ignore_ascii_case(&app.client_id)
    {
        return Err((
            700023,
            "Client assertion audience claim does not match: iss and sub must be the client id."
                .to_string(),
        ));
    }
    let now = unix_now();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now || nbf > now + 300 {
        return Err((
            700024,
            "Client assertion is not within its valid time range.".to_string(),
        ));
    }
    Ok(())
}

/// SHA-256 with the TLS stack's crypto provider.
fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    let suite = rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    Some(
        suite
            .tls13()?
            .common
            .hash_provider
            .hash(data)
            .as_ref()
            .to_vec(),
    )
}

/// Whether `sig` is an RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature of
/// `message` by the key of the certificate `der`.
fn rs256_valid(der: &[u8], message: &[u8], sig: &[u8]) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return false;
    };
    let key = &cert.tbs_certificate.subject_pki.subject_public_key.data;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    provider
        .signature_verification_algorithms
        .mapping
        .iter()
        .filter(|(scheme, _)| *scheme == rustls::SignatureScheme::RSA_PKCS1_SHA256)
        .flat_map(|(_, algs)| algs.iter())
        .any(|alg| alg.verify_signature(key, message, sig).is_ok())
}

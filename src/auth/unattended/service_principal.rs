//! Service principal: the client-credentials grant at
//! `{authority}/{tenant}/oauth2/v2.0/token` with scope `499b84ac-…/.default`,
//! authenticated by a client secret or by a certificate (a JWT client
//! assertion signed RS256 with its private key, `x5t#S256` naming the
//! certificate), on the project's [`HttpClient`].

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{ADO_DEFAULT_SCOPE, AppToken, CLIENT_SECRET_ENV, ClientCredential};
use crate::ado::client::push_segments;
use crate::ado::http::{Body, Credential, HttpClient};
use crate::ado::models::{OAuthErrorResponse, TokenResponse};
use crate::problem::Problem;

/// `{authority}/{tenant}/oauth2/v2.0/token`.
fn token_endpoint(authority: &Url, tenant: &str) -> Result<Url, Problem> {
    let mut url = authority.clone();
    push_segments(&mut url, &[tenant, "oauth2", "v2.0", "token"]).map_err(|e| Problem::from(&e))?;
    Ok(url)
}

/// A token for Azure DevOps with the client-credentials grant.
pub async fn client_credentials_token(
    http: &HttpClient,
    authority: &Url,
    tenant: &str,
    client_id: &str,
    credential: &ClientCredential,
) -> Result<AppToken, Problem> {
    let url = token_endpoint(authority, tenant)?;
    let assertion;
    let mut pairs = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("scope", ADO_DEFAULT_SCOPE),
    ];
    match credential {
        ClientCredential::Secret(s) => pairs.push(("client_secret", s.expose_secret())),
        ClientCredential::Certificate(pem) => {
            assertion = client_assertion(pem, client_id, url.as_str(), unix_now())?;
            pairs.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ));
            pairs.push(("client_assertion", assertion.expose_secret()));
        }
    }
    let resp = http
        .send(
            Method::POST,
            &url,
            &Credential::Anonymous,
            Some(&Body::form(&pairs)),
        )
        .await
        .map_err(|e| Problem::from(&e))?;
    if (200..300).contains(&resp.status) {
        let t: TokenResponse = crate::text::from_json_slice(&resp.body).map_err(|e| {
            Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!("Microsoft Entra ID sent an unreadable token ({e})"),
                "Try again; if it persists, check ADO_SETUP_AUTHORITY_URL and the proxy settings",
            )
        })?;
        let expires_on = t.expires_on.or(t.expires_in.map(|s| unix_now() + s));
        return Ok(AppToken::new(t.access_token, expires_on));
    }
    match crate::text::from_json_slice::<OAuthErrorResponse>(&resp.body) {
        Ok(e) => Err(explain_client_credentials(
            &e, tenant, client_id, credential,
        )),
        Err(_) => Err(match resp.classified().err() {
            Some(e) => Problem::from(&e),
            None => Problem::new(
                "PROVIDER_AUTH_REQUIRED",
                format!(
                    "the sign-in service at {} answered unexpectedly",
                    url.host_str().unwrap_or("?")
                ),
                "Check ADO_SETUP_AUTHORITY_URL and the proxy settings",
            ),
        }),
    }
}

/// What a refused client-credentials grant means.
fn explain_client_credentials(
    e: &OAuthErrorResponse,
    tenant: &str,
    client_id: &str,
    credential: &ClientCredential,
) -> Problem {
    let said = e
        .error_description
        .as_deref()
        .map(|d| d.split(" Trace ID:").next().unwrap_or(d).trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| e.error.clone());
    let said: String = said.chars().take(240).collect();
    let trace = e
        .trace_id
        .as_deref()
        .map(|t| format!(" (trace id {t})"))
        .unwrap_or_default();
    let secrets_page =
        format!("Entra admin center › App registrations › {client_id} › Certificates & secrets");
    match e.aadsts_code() {
        Some(7000215) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the client secret of the service principal {client_id} was refused: {said}"),
            format!(
                "Give the secret's Value, not its Secret ID ({secrets_page}); or create a new secret there"
            ),
        ),
        Some(7000222) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the client secret of the service principal {client_id} has expired: {said}"),
            format!(
                "Create a new client secret ({secrets_page}), then store it: ado-setup edit NAME (or connect again)"
            ),
        ),
        Some(700027 | 700024 | 700023 | 7000274 | 7000277) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the certificate of the service principal {client_id} was refused: {said}"),
            format!(
                "Upload the certificate (its public part, .cer/.pem) to the app: {secrets_page} › Certificates; check that it has not expired and that the PEM's key belongs to it"
            ),
        ),
        Some(700016) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("no application with client id {client_id} in tenant {tenant}: {said}"),
            "Check --client-id (the app's Application (client) ID) and --tenant (the tenant the app is registered in, or where a multi-tenant app was consented)",
        ),
        Some(90002 | 900023 | 90033) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("the tenant {tenant} was not found: {said}"),
            "Check --tenant: the tenant id (a GUID) or a verified domain of the directory",
        ),
        Some(7000218 | 50059) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!("Microsoft Entra ID needs a credential for the service principal: {said}"),
            format!(
                "Pipe the client secret with --secret-stdin, set {CLIENT_SECRET_ENV}, or pass --certificate PEM"
            ),
        ),
        Some(53003 | 53000 | 53001 | 53002 | 530032 | 50097 | 50105) => Problem::new(
            "ORG_POLICY_BLOCKED",
            format!(
                "a Conditional Access policy blocked the service principal {client_id}: {said}{trace}"
            ),
            "Ask your Entra admin which policy for workload identities applies (Entra admin center › Sign-in logs › Service principal sign-ins, by the trace id)",
        ),
        Some(70011 | 1002012 | 500011) => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "Azure DevOps is not available to the service principal {client_id} in tenant {tenant}: {said}"
            ),
            "Check that the tenant is the organization's directory (--tenant), and that Azure DevOps (499b84ac-1321-427f-aa17-267ca6975798) is known there",
        ),
        _ => Problem::new(
            "PROVIDER_AUTH_REQUIRED",
            format!(
                "Microsoft Entra ID refused the service principal {client_id} ({}): {said}{trace}",
                credential.kind()
            ),
            format!(
                "Check --tenant, --client-id and the {} ({secrets_page})",
                credential.kind()
            ),
        ),
    }
}

/// The seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// base64url without padding (RFC 4648 §5).
fn b64url(data: &[u8]) -> String {
    crate::ado::models::base64url_encode(data)
}

/// SHA-256, from the TLS stack's crypto provider (no extra dependency).
fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    let suite = rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let hash = suite.tls13()?.common.hash_provider;
    Some(hash.hash(data).as_ref().to_vec())
}

fn cert_problem(message: impl Into<String>) -> Problem {
    Problem::new(
        "PROVIDER_AUTH_REQUIRED",
        message,
        "Give --certificate a PEM file with the unencrypted private key (PKCS#8 or PKCS#1 RSA) and the certificate uploaded to the app, e.g. cat key.pem cert.pem > sp.pem",
    )
}

/// The certificate (DER) of a PEM, and its private key.
fn pem_parts(
    pem: &SecretString,
) -> Result<
    (
        rustls::pki_types::CertificateDer<'static>,
        rustls::pki_types::PrivateKeyDer<'static>,
    ),
    Problem,
> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bytes = pem.expose_secret().as_bytes();
    if pem.expose_secret().contains("ENCRYPTED PRIVATE KEY") {
        return Err(cert_problem(
            "the certificate's private key is encrypted (a passphrase cannot be given unattended)",
        ));
    }
    let cert = CertificateDer::pem_slice_iter(bytes)
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| {
            cert_problem("the PEM holds no certificate (-----BEGIN CERTIFICATE-----)")
        })?;
    let key = PrivateKeyDer::from_pem_slice(bytes)
        .map_err(|_| cert_problem("the PEM holds no private key (-----BEGIN PRIVATE KEY-----)"))?;
    Ok((cert, key))
}

/// The client assertion of the certificate credential (RFC 7523): a JWT
/// signed RS256 with the certificate's private key, its header naming the
/// certificate by `x5t#S256`; `aud` is the token endpoint, `iss` and `sub`
/// the client id, valid 10 minutes.
pub fn client_assertion(
    pem: &SecretString,
    client_id: &str,
    audience: &str,
    now: u64,
) -> Result<SecretString, Problem> {
    use rustls::SignatureScheme;
    let (cert, key) = pem_parts(pem)?;
    let thumbprint = sha256(cert.as_ref())
        .ok_or_else(|| cert_problem("SHA-256 is not available in this build"))?;
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key)
        .map_err(|e| cert_problem(format!("the private key cannot be used: {e}")))?;
    let signer = signing
        .choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
        .ok_or_else(|| {
            cert_problem(
                "the private key is not an RSA key (Entra ID needs RS256 for client assertions)",
            )
        })?;
    let mut jti = [0u8; 16];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut jti)
        .map_err(|_| cert_problem("no random numbers for the assertion id"))?;
    let header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        "x5t#S256": b64url(&thumbprint),
    });
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": b64url(&jti),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    });
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = signer
        .sign(input.as_bytes())
        .map_err(|e| cert_problem(format!("signing the assertion failed: {e}")))?;
    Ok(SecretString::from(format!("{input}.{}", b64url(&sig))))
}

/// When the PEM's certificate expires (Unix seconds), if it can be read.
pub fn certificate_not_after(pem: &SecretString) -> Option<i64> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let cert = CertificateDer::pem_slice_iter(pem.expose_secret().as_bytes())
        .next()?
        .ok()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    Some(parsed.validity().not_after.timestamp())
}

/// Reads a `--certificate` PEM file into a credential (it holds the private
/// key: it is kept as a secret).
pub fn read_certificate(path: &std::path::Path) -> Result<ClientCredential, Problem> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problem::new(
            "CONFIG_INVALID",
            format!("cannot read the certificate {}: {e}", path.display()),
            "Give --certificate the path of a readable PEM file (private key and certificate)",
        )
    })?;
    let pem = SecretString::from(text);
    pem_parts(&pem)?;
    Ok(ClientCredential::Certificate(pem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ado::models::decode_jwt_claims;

    #[test]
    fn base64url_has_no_padding() {
        assert_eq!(b64url(b""), "");
        assert_eq!(b64url(b"f"), "Zg");
        assert_eq!(b64url(b"fo"), "Zm8");
        assert_eq!(b64url(b"foo"), "Zm9v");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn sha256_is_sha256() {
        let h = sha256(b"abc").unwrap_or_default();
        assert_eq!(b64url(&h), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    #[test]
    fn client_credential_errors_are_method_specific() {
        let err = |code: u64| OAuthErrorResponse {
            error: "invalid_client".into(),
            error_description: Some(format!("AADSTS{code}: Something. Trace ID: x")),
            error_codes: vec![code],
            timestamp: None,
            trace_id: Some("x".into()),
            correlation_id: None,
            error_uri: None,
            suberror: None,
            claims: None,
        };
        let secret = ClientCredential::Secret(SecretString::from("s".to_string()));
        let p = explain_client_credentials(&err(7000215), "t", "app", &secret);
        assert!(p.message.contains("client secret"), "{p:?}");
        assert!(p.fix.contains("Value, not its Secret ID"));
        let p = explain_client_credentials(&err(7000222), "t", "app", &secret);
        assert!(p.message.contains("expired"), "{p:?}");
        let p = explain_client_credentials(&err(700016), "t", "app", &secret);
        assert!(
            p.message
                .contains("no application with client id app in tenant t")
        );
        let p = explain_client_credentials(&err(53003), "t", "app", &secret);
        assert_eq!(p.code, "ORG_POLICY_BLOCKED");
        let p = explain_client_credentials(&err(1), "t", "app", &secret);
        assert_eq!(p.code, "PROVIDER_AUTH_REQUIRED");
        assert!(!p.message.contains("Trace ID"));
    }

    #[test]
    fn a_bad_pem_is_refused_with_the_fix() {
        let p = client_assertion(
            &SecretString::from("not a pem".to_string()),
            "c",
            "https://x/t/oauth2/v2.0/token",
            1,
        );
        match p {
            Err(p) => {
                assert_eq!(p.code, "PROVIDER_AUTH_REQUIRED");
                assert!(p.fix.contains("--certificate"));
            }
            Ok(_) => panic!("a non-PEM was accepted"),
        }
    }

    #[test]
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    fn the_client_assertion_is_an_rs256_jwt_naming_the_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("rsa key");
        let cert = rcgen::CertificateParams::new(vec!["payments-sync".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = SecretString::from(format!("{}{}", key.serialize_pem(), cert.pem()));
        let jwt = client_assertion(&pem, "app-id", "https://login/t/oauth2/v2.0/token", 1000)
            .expect("assertion");
        let parts: Vec<&str> = jwt.expose_secret().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&crate::ado::models::base64url_decode(parts[0]).unwrap())
                .unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(
            header["x5t#S256"],
            b64url(&sha256(cert.der()).unwrap()).as_str()
        );
        let claims = decode_jwt_claims(jwt.expose_secret()).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("app-id"));
        assert_eq!(claims.exp, Some(1600));
        assert!(certificate_not_after(&pem).is_some());
    }
}

//! Why a TLS handshake failed, in words a person can act on: one line naming
//! the host, the certificate and the CA involved, and a fix (most often the
//! CA to pass with `--ca-file`). Built from the error rustls gave and the
//! [`TlsStage`] facts of the chain the server presented; never rustls'
//! `Debug` text.

use rustls::CertificateError;
use rustls::pki_types::CertificateDer;

use super::{TlsStage, chain_stage, one_line, utc};

/// Why a TLS connection to `host` (a URL host, no port) failed, in words,
/// and the fix: from the error rustls gave and the certificates `host`
/// presented (when it got that far). `fallback` is said when there is no
/// rustls error (the connection closed). Never rustls' `Debug` text.
pub fn describe_failure(
    host: &str,
    chain: &[CertificateDer<'_>],
    error: Option<&rustls::Error>,
    fallback: &str,
) -> (String, String) {
    explain(host, &chain_stage(host, chain), error, fallback)
}

/// `CaUsedAsEndEntity` → `ca used as end entity`: the name of a variant
/// rustls or webpki gave, as words (its last identifier).
pub(super) fn words(debug: &str) -> String {
    let ident = debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .rfind(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .unwrap_or_default();
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One line saying why a handshake failed (without a `TLS:` prefix), and
/// the fix.
pub(super) fn explain(
    host: &str,
    stage: &TlsStage,
    error: Option<&rustls::Error>,
    fallback: &str,
) -> (String, String) {
    match error {
        None => (
            format!("the connection to {host} closed during the handshake ({fallback})"),
            "A firewall or proxy may block TLS to this host; ask for it to be allowed".to_string(),
        ),
        Some(rustls::Error::InvalidCertificate(cert_error)) => {
            certificate_refused(&Presented::new(host, stage), cert_error)
        }
        Some(other) => protocol_failure(host, other),
    }
}

/// `Ask the server's administrator to {what}`.
fn admin(what: &str) -> String {
    format!("Ask the server's administrator to {what}")
}

/// A handshake that failed before (or without) judging a certificate: the
/// server speaks no TLS, refused, has nothing in common with this tool, or
/// broke the protocol.
fn protocol_failure(host: &str, error: &rustls::Error) -> (String, String) {
    match error {
        rustls::Error::InvalidMessage(_) => (
            format!("{host} does not answer with TLS on this port"),
            "Check the port and the scheme (https://); a proxy or captive portal may answer instead"
                .to_string(),
        ),
        rustls::Error::AlertReceived(alert) => (
            format!(
                "{host} refused the handshake (TLS alert: {})",
                words(&format!("{alert:?}"))
            ),
            "The server does not accept this client's TLS settings, or something in the path blocks it"
                .to_string(),
        ),
        rustls::Error::PeerIncompatible(why) => (
            format!(
                "{host} and this tool have no TLS version or cipher in common ({})",
                words(&format!("{why:?}"))
            ),
            admin("enable TLS 1.2 or 1.3 with current ciphers"),
        ),
        rustls::Error::PeerMisbehaved(why) => (
            format!(
                "{host} broke the TLS protocol ({})",
                words(&format!("{why:?}"))
            ),
            "A proxy or load balancer in the path may interfere; try without it, or ask the server's administrator"
                .to_string(),
        ),
        rustls::Error::General(why) => (
            format!("{host}: {}", one_line(why)),
            "Install the system CA certificates (e.g. the ca-certificates package) or pass --ca-file PEM"
                .to_string(),
        ),
        other => (
            format!("TLS with {host} failed ({})", words(&format!("{other:?}"))),
            "If a proxy inspects TLS, pass its CA certificate with --ca-file PEM".to_string(),
        ),
    }
}

/// The certificate a host presented, as the words about its refusal name it.
struct Presented<'a> {
    host: &'a str,
    stage: &'a TlsStage,
    /// The issuer of the last certificate sent (the CA to trust).
    ca: String,
    /// Said after a refusal when a proxy may be inspecting TLS.
    inspection: &'static str,
}

impl<'a> Presented<'a> {
    fn new(host: &'a str, stage: &'a TlsStage) -> Self {
        Presented {
            host,
            stage,
            ca: stage.ca.clone().unwrap_or_else(|| "an unknown CA".into()),
            inspection: if stage.inspected {
                "; a proxy on this network may be inspecting TLS"
            } else {
                ""
            },
        }
    }

    /// The fix that names the CA to add.
    fn add_ca(&self) -> String {
        format!(
            "Get the certificate of \"{}\" from your network team or the server's administrator (PEM) and pass it with --ca-file PEM",
            self.ca
        )
    }

    /// The fix that trusts this very server.
    fn pin_fix(&self) -> String {
        format!(
            "If you trust this server, get its certificate as PEM from its administrator (or with `openssl s_client -connect {}:PORT -showcerts`) and pass it with --ca-file PEM",
            self.host
        )
    }

    /// `add_ca` when a proxy may be inspecting TLS, otherwise `fix`.
    fn add_ca_or(&self, fix: &str) -> String {
        if self.stage.inspected {
            self.add_ca()
        } else {
            fix.to_string()
        }
    }

    fn subject(&self) -> String {
        self.stage
            .certificate
            .as_ref()
            .map(|c| c.subject.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "no subject".into())
    }

    fn self_signed(&self) -> bool {
        self.stage
            .certificate
            .as_ref()
            .is_some_and(|c| c.subject == c.issuer)
    }
}

/// Why the certificate a host presented was refused, and the fix.
fn certificate_refused(p: &Presented<'_>, cert_error: &CertificateError) -> (String, String) {
    let (host, ca, inspection) = (p.host, &p.ca, p.inspection);
    let ca_as_server = format!("{cert_error:?}").contains("CaUsedAsEndEntity");
    match cert_error {
        CertificateError::UnknownIssuer
        | CertificateError::BadSignature
        | CertificateError::Other(_)
            if p.self_signed()
                && (ca_as_server || !matches!(cert_error, CertificateError::Other(_))) =>
        {
            (
                format!(
                    "the certificate of {host} is self-signed ({}), which is not trusted here{inspection}",
                    p.subject()
                ),
                if p.stage.inspected {
                    p.add_ca()
                } else {
                    p.pin_fix()
                },
            )
        }
        CertificateError::Other(_) if ca_as_server => (
            format!(
                "the certificate of {host} ({}) is a CA certificate, not a server certificate{inspection}",
                p.subject()
            ),
            format!(
                "{}; or, if you trust this exact certificate, pass it with --ca-file PEM",
                admin(&format!(
                    "install a server certificate (not a CA one) issued by \"{ca}\""
                ))
            ),
        ),
        CertificateError::UnknownIssuer => (
            format!(
                "the certificate of {host} is issued by \"{ca}\", which is not trusted here{inspection}; add that CA with --ca-file PEM"
            ),
            p.add_ca(),
        ),
        CertificateError::BadSignature => (
            format!(
                "the certificate of {host} carries a signature that does not match its issuer \"{ca}\"{inspection}"
            ),
            p.add_ca(),
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            expired(p, cert_error)
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            not_valid_yet(p, cert_error)
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            wrong_name(p)
        }
        CertificateError::Revoked => (
            format!("the certificate of {host} has been revoked by its issuer \"{ca}\""),
            admin("install a new certificate"),
        ),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => (
            format!(
                "the certificate of {host} is not meant for TLS servers (its extended key usage lacks server authentication)"
            ),
            admin("install a certificate for server authentication"),
        ),
        CertificateError::BadEncoding => (
            format!("the certificate of {host} is malformed"),
            admin("install a valid certificate"),
        ),
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => (
            format!(
                "the certificate of {host} is signed with an algorithm this tool does not accept (e.g. SHA-1)"
            ),
            admin("install a certificate signed with SHA-256 or better"),
        ),
        other => (
            format!(
                "the certificate of {host} (issued by \"{ca}\") was rejected: {}{inspection}",
                words(&format!("{other:?}"))
            ),
            p.add_ca(),
        ),
    }
}

/// An expired certificate: when it expired, and renewal as the fix.
fn expired(p: &Presented<'_>, cert_error: &CertificateError) -> (String, String) {
    let when = match cert_error {
        CertificateError::ExpiredContext { not_after, .. } => {
            utc(i64::try_from(not_after.as_secs()).unwrap_or(i64::MAX))
        }
        _ => p
            .stage
            .certificate
            .as_ref()
            .map(|c| c.not_after.clone())
            .unwrap_or_else(|| "an earlier date".into()),
    };
    (
        format!(
            "the certificate of {} expired on {when}{}",
            p.host, p.inspection
        ),
        p.add_ca_or(
            "Ask the server's administrator to renew its certificate (or check this machine's clock)",
        ),
    )
}

/// A certificate not valid yet: from when, and this machine's clock as the
/// first suspect.
fn not_valid_yet(p: &Presented<'_>, cert_error: &CertificateError) -> (String, String) {
    let when = match cert_error {
        CertificateError::NotValidYetContext { not_before, .. } => {
            utc(i64::try_from(not_before.as_secs()).unwrap_or(i64::MAX))
        }
        _ => "a later date".into(),
    };
    (
        format!(
            "the certificate of {} is not valid before {when}{}",
            p.host, p.inspection
        ),
        "Check this machine's clock, date and time zone; if they are right, ask the server's administrator for a certificate valid now"
            .to_string(),
    )
}

/// A certificate for other names: the names it is for.
fn wrong_name(p: &Presented<'_>) -> (String, String) {
    let host = p.host;
    let names = p
        .stage
        .certificate
        .as_ref()
        .map(|c| c.names.join(", "))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "other names (none for this host)".into());
    (
        format!(
            "the certificate presented for {host} is for {names}, not {host}{}",
            p.inspection
        ),
        p.add_ca_or(
            "Use a host name the certificate names (above), or ask the server's administrator for a certificate that names this host",
        ),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::CertInfo;
    use super::*;

    #[test]
    fn variant_names_become_words() {
        assert_eq!(
            words("Other(OtherError(CaUsedAsEndEntity))"),
            "ca used as end entity"
        );
        assert_eq!(words("HandshakeFailure"), "handshake failure");
        assert_eq!(words(""), "");
    }

    /// Stands for webpki's error of the same name (only its `Debug` matters).
    #[derive(Debug)]
    struct CaUsedAsEndEntity;
    impl std::fmt::Display for CaUsedAsEndEntity {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }
    impl std::error::Error for CaUsedAsEndEntity {}

    #[test]
    fn no_failure_is_said_with_debug_text() {
        let other = |e| {
            rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                Arc::new(e),
            )))
        };
        let stage = TlsStage {
            certificate: Some(CertInfo {
                subject: "CN=tfs.contoso.example".into(),
                issuer: "CN=Contoso Issuing CA".into(),
                not_after: "2030-01-01 00:00:00 UTC".into(),
                days_left: 1000,
                names: vec!["tfs.contoso.example".into()],
            }),
            ca: Some("CN=Contoso Issuing CA".into()),
            ..TlsStage::default()
        };
        let errors = [
            other(CaUsedAsEndEntity),
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
            rustls::Error::InvalidCertificate(CertificateError::Revoked),
            rustls::Error::InvalidCertificate(CertificateError::UnhandledCriticalExtension),
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
            rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered),
            rustls::Error::NoCertificatesPresented,
        ];
        for e in &errors {
            let (message, fix) = explain("tfs.contoso.example", &stage, Some(e), "closed");
            for text in [&message, &fix] {
                for debug in ["Other(", "Error(", "Certificate", "{", "Context"] {
                    assert!(!text.contains(debug), "{e:?}: {text}");
                }
                assert!(!text.is_empty());
            }
        }
        let (message, _) = explain("tfs.contoso.example", &stage, Some(&errors[0]), "");
        assert!(message.contains("is a CA certificate"), "{message}");
    }
}

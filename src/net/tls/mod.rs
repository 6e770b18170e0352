//! TLS for the network probes: the same trust as the HTTP client (rustls with
//! the platform verifier, the aws-lc-rs provider and the `--ca-file` roots),
//! plus what the client cannot tell: the certificate the server presented
//! (issuer, subject, expiry) even when it is rejected, and why it was
//! rejected, in words that name the CA to add with `--ca-file` (those words
//! are `failure`'s).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use url::Host;

use crate::problem::Problem;

mod failure;

pub use failure::describe_failure;
use failure::{explain, words};

/// Code of every TLS failure, a bad `--ca-file` included (SPEC §4).
pub const TLS_CODE: &str = "NETWORK_TLS_FAILED";

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject distinguished name, e.g. `CN=dev.azure.com`.
    pub subject: String,
    /// Issuer distinguished name, e.g. `CN=Microsoft Azure RSA TLS Issuing CA 04, O=Microsoft Corporation, C=US`.
    pub issuer: String,
    /// End of validity, `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_after: String,
    /// Whole days from now until `not_after` (negative once expired).
    pub days_left: i64,
    /// DNS names and IP addresses the certificate is valid for (at most 10).
    pub names: Vec<String>,
}

/// Reads the CA certificates of `--ca-file`. Every failure is a
/// `NETWORK_TLS_FAILED` problem naming the file, with a fix that says what
/// the file must hold.
pub fn load_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, Problem> {
    let fix = "Pass --ca-file a PEM file holding the CA certificate(s) to trust \
               (-----BEGIN CERTIFICATE----- blocks), e.g. the TLS inspection CA \
               exported by your network team";
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| {
        Problem::new(
            TLS_CODE,
            format!("--ca-file {shown}: cannot read it: {e}"),
            fix,
        )
    })?;
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&pem) {
        let cert = item.map_err(|e| {
            Problem::new(
                TLS_CODE,
                format!("--ca-file {shown} is not a PEM certificate bundle: {e}"),
                fix,
            )
        })?;
        if let Err(e) = x509_parser::parse_x509_certificate(cert.as_ref()) {
            return Err(Problem::new(
                TLS_CODE,
                format!(
                    "--ca-file {shown}: certificate {} is not a valid X.509 certificate: {e}",
                    certs.len() + 1
                ),
                fix,
            ));
        }
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(Problem::new(
            TLS_CODE,
            format!("--ca-file {shown} holds no PEM certificate"),
            fix,
        ));
    }
    Ok(certs)
}

/// The trust every probe and the HTTP client use: built once (it reads the
/// system's CA store and the `--ca-file`).
#[derive(Debug, Clone)]
pub struct Trust {
    provider: Arc<CryptoProvider>,
    verifier: Arc<TrustVerifier>,
    extra_roots: usize,
}

impl Trust {
    /// The system's CAs plus those of `ca_file`. A bad `ca_file` is an
    /// error; a machine without CA certificates is not (each TLS
    /// connection then says so).
    pub fn new(ca_file: Option<&Path>) -> Result<Trust, Problem> {
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let extra = match ca_file {
            Some(path) => load_ca_file(path)?,
            None => Vec::new(),
        };
        let extra_roots = extra.len();
        let platform = if extra.is_empty() {
            rustls_platform_verifier::Verifier::new(provider.clone())
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                extra.clone(),
                provider.clone(),
            )
        };
        let platform = match (platform, ca_file) {
            (Ok(v), _) => Ok(Arc::new(v) as Arc<dyn ServerCertVerifier>),
            (Err(e), Some(path)) => {
                return Err(Problem::new(
                    TLS_CODE,
                    format!(
                        "--ca-file {}: cannot be used as a CA: {}",
                        path.display(),
                        match &e {
                            rustls::Error::InvalidCertificate(c) => words(&format!("{c:?}")),
                            other => one_line(&other.to_string()),
                        }
                    ),
                    "Pass --ca-file a PEM file with CA certificates (not a server certificate or a key)",
                ));
            }
            (Err(e), None) => Err(format!(
                "no CA certificates to verify with: {}",
                one_line(&e.to_string())
            )),
        };
        Ok(Trust {
            verifier: Arc::new(TrustVerifier {
                platform,
                pinned: extra,
                provider: provider.clone(),
                rejected: Mutex::new(Vec::new()),
            }),
            provider,
            extra_roots,
        })
    }

    /// How many CA certificates `--ca-file` added.
    pub fn extra_roots(&self) -> usize {
        self.extra_roots
    }

    /// The certificate check every connection makes.
    pub fn verifier(&self) -> &Arc<TrustVerifier> {
        &self.verifier
    }

    /// A client configuration with this trust, offering `alpn`.
    pub fn client_config(&self, alpn: &[&[u8]]) -> Result<ClientConfig, String> {
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {}", one_line(&e.to_string())))?
            .dangerous()
            .with_custom_certificate_verifier(self.verifier.clone())
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(config)
    }

    fn config(&self) -> Result<(Arc<ClientConfig>, Arc<Recorder>), String> {
        let recorder = Arc::new(Recorder {
            inner: self.verifier.clone(),
            seen: Mutex::new(Seen::default()),
        });
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {}", one_line(&e.to_string())))?
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok((Arc::new(config), recorder))
    }
}

/// A certificate a server presented and why it was rejected.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// The chain as presented, server certificate first.
    pub chain: Vec<CertificateDer<'static>>,
    pub error: rustls::Error,
}

/// How many hosts' last rejections are kept (for the messages).
const REJECTIONS_KEPT: usize = 16;

/// The platform verifier (system CAs plus `--ca-file`), except for a server
/// certificate that is itself in `--ca-file`: that one is trusted as it is
/// (pinned), as curl and git trust it — a self-signed certificate that is
/// its own CA, common on Azure DevOps Server, included — with its host
/// names and validity dates still checked. Remembers the last rejected
/// certificate of each host, so the failure can be said in words.
#[derive(Debug)]
pub struct TrustVerifier {
    platform: Result<Arc<dyn ServerCertVerifier>, String>,
    pinned: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    rejected: Mutex<Vec<(String, Rejection)>>,
}

impl TrustVerifier {
    /// The last certificate `host` presented that was rejected (the host as
    /// in a URL; IPv6 with or without brackets).
    pub fn rejection(&self, host: &str) -> Option<Rejection> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let list = match self.rejected.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        list.iter()
            .rev()
            .find(|(h, _)| *h == host)
            .map(|(_, r)| r.clone())
    }

    fn remember(&self, host: String, rejection: Rejection) {
        let mut list = match self.rejected.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        list.retain(|(h, _)| *h != host);
        if list.len() >= REJECTIONS_KEPT {
            list.remove(0);
        }
        list.push((host, rejection));
    }
}

/// Checks a server certificate found in `--ca-file` as itself: its names
/// and its validity dates (the handshake proves the server holds its key).
fn verify_pinned(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
    rustls::client::verify_server_name(&parsed, server_name)?;
    let (_, cert) = x509_parser::parse_x509_certificate(end_entity.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let at =
        |t: i64| UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(t).unwrap_or(0)));
    let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now_secs < not_before {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYetContext {
                time: now,
                not_before: at(not_before),
            },
        ));
    }
    if now_secs > not_after {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::ExpiredContext {
                time: now,
                not_after: at(not_after),
            },
        ));
    }
    Ok(ServerCertVerified::assertion())
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let pinned = self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref());
        let verdict = if pinned {
            verify_pinned(end_entity, server_name, now)
        } else {
            match &self.platform {
                Ok(v) => {
                    v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                }
                Err(why) => Err(rustls::Error::General(why.clone())),
            }
        };
        if let Err(error) = &verdict {
            let mut chain = vec![end_entity.clone().into_owned()];
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
            self.remember(
                server_name.to_str().to_ascii_lowercase(),
                Rejection {
                    chain,
                    error: error.clone(),
                },
            );
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.platform {
            Ok(v) => v.verify_tls12_signature(message, cert, dss),
            Err(_) => rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.platform {
            Ok(v) => v.verify_tls13_signature(message, cert, dss),
            Err(_) => rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match &self.platform {
            Ok(v) => v.supported_verify_schemes(),
            Err(_) => self
                .provider
                .signature_verification_algorithms
                .supported_schemes(),
        }
    }
}

#[derive(Debug, Default)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    error: Option<rustls::Error>,
}

/// Verifies like [`TrustVerifier`], and remembers the chain the server
/// presented and the verdict (one handshake).
#[derive(Debug)]
struct Recorder {
    inner: Arc<TrustVerifier>,
    seen: Mutex<Seen>,
}

impl Recorder {
    fn take(&self) -> Seen {
        match self.seen.lock() {
            Ok(mut s) => std::mem::take(&mut *s),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        let seen = Seen {
            chain,
            error: verdict.as_ref().err().cloned(),
        };
        match self.seen.lock() {
            Ok(mut s) => *s = seen,
            Err(poisoned) => *poisoned.into_inner() = seen,
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The TLS stage of a probe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsStage {
    /// Handshake time (or time until it failed).
    pub ms: u64,
    /// `TLSv1_3` or `TLSv1_2` once the handshake completed.
    pub version: Option<String>,
    /// The server's certificate, when it sent one (also when it was rejected).
    pub certificate: Option<CertInfo>,
    /// Issuer of the last certificate the server sent: the CA that has to
    /// be trusted (the one to pass with `--ca-file` when it is not).
    pub ca: Option<String>,
    /// The certificate chain verified.
    pub trusted: bool,
    /// A Microsoft host whose certificate was not issued by Microsoft's
    /// public CAs: something on the network inspects TLS.
    pub inspected: bool,
    /// Why the handshake failed, one line.
    pub error: Option<String>,
}

/// A TLS handshake's outcome: the stage, the stream on success, and a problem
/// (code, message, fix) on failure.
pub(crate) struct Handshake<S> {
    pub stage: TlsStage,
    pub stream: Option<TlsStream<S>>,
    pub problem: Option<Problem>,
}

/// The TLS name for `host` (a URL host: domain, IPv4 or `[IPv6]`).
fn server_name(host: &str) -> Option<ServerName<'static>> {
    match Host::parse(host).ok()? {
        Host::Domain(d) => ServerName::try_from(d).ok(),
        Host::Ipv4(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V4(ip).into())),
        Host::Ipv6(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V6(ip).into())),
    }
}

/// Runs a TLS handshake with `host` over `stream` within `timeout`.
pub(crate) async fn handshake<S>(
    trust: &Trust,
    host: &str,
    stream: S,
    timeout: Duration,
) -> Handshake<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let started = Instant::now();
    let mut stage = TlsStage::default();
    let fail = |mut stage: TlsStage, message: String, fix: String| {
        stage.error = Some(message.clone());
        Handshake {
            stage,
            stream: None,
            problem: Some(Problem::new(TLS_CODE, message, fix)),
        }
    };
    let generic_fix = || "Check that the host serves HTTPS on this port".to_string();
    let Some(name) = server_name(host) else {
        return fail(
            stage,
            format!("TLS: {host} is not a valid TLS server name"),
            generic_fix(),
        );
    };
    let (config, recorder) = match trust.config() {
        Ok(c) => c,
        Err(e) => return fail(stage, format!("TLS: {e}"), generic_fix()),
    };
    let connector = TlsConnector::from(config);
    let result = tokio::time::timeout(timeout, connector.connect(name, stream)).await;
    stage.ms = millis(started);
    let seen = recorder.take();
    let ms = stage.ms;
    stage = chain_stage(host, &seen.chain);
    stage.ms = ms;
    match result {
        Ok(Ok(tls)) => {
            stage.trusted = true;
            stage.version = tls.get_ref().1.protocol_version().map(|v| format!("{v:?}"));
            Handshake {
                stage,
                stream: Some(tls),
                problem: None,
            }
        }
        Ok(Err(io)) => {
            let rustls_error = seen.error.clone().or_else(|| {
                io.get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                    .cloned()
            });
            let (message, fix) = explain(
                host,
                &stage,
                rustls_error.as_ref(),
                &one_line(&io.to_string()),
            );
            fail(stage, format!("TLS: {message}"), fix)
        }
        Err(_) => {
            let message = format!(
                "TLS: {host} did not complete the handshake within {} s",
                timeout.as_secs_f32()
            );
            fail(
                stage,
                message,
                "A firewall or proxy may hold TLS to this host; check the allowlist and HTTPS_PROXY"
                    .to_string(),
            )
        }
    }
}

/// The certificate facts of a presented chain, as the TLS stage shows them.
fn chain_stage(host: &str, chain: &[CertificateDer<'_>]) -> TlsStage {
    let mut stage = TlsStage::default();
    if let Some(leaf) = chain.first() {
        stage.certificate = cert_info(leaf.as_ref());
    }
    stage.ca = chain
        .last()
        .and_then(|c| cert_info(c.as_ref()))
        .map(|c| c.issuer);
    stage.inspected = microsoft_host(host)
        && stage
            .ca
            .as_deref()
            .is_some_and(|ca| !microsoft_public_ca(ca));
    stage
}

/// Is `host` one of Microsoft's (Azure DevOps, Entra ID, …)?
pub fn microsoft_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    [
        "azure.com",
        "visualstudio.com",
        "microsoftonline.com",
        "microsoft.com",
        "windows.net",
        "live.com",
        "azure.net",
    ]
    .iter()
    .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// Does an issuer name look like the public CAs Microsoft's hosts use
/// (Microsoft's own issuing CAs, DigiCert)?
pub fn microsoft_public_ca(issuer: &str) -> bool {
    let i = issuer.to_ascii_lowercase();
    i.contains("o=microsoft corporation") || i.contains("o=digicert")
}

/// Subject, issuer, expiry and names of a DER certificate.
pub fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.timestamp();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            let shown = match n {
                x509_parser::extensions::GeneralName::DNSName(d) => Some(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => match b.len() {
                    4 => <[u8; 4]>::try_from(*b)
                        .ok()
                        .map(|a| std::net::Ipv4Addr::from(a).to_string()),
                    16 => <[u8; 16]>::try_from(*b)
                        .ok()
                        .map(|a| std::net::Ipv6Addr::from(a).to_string()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(s) = shown
                && names.len() < 10
            {
                names.push(one_line(&s));
            }
        }
    }
    Some(CertInfo {
        subject: one_line(&cert.subject().to_string()),
        issuer: one_line(&cert.issuer().to_string()),
        not_after: utc(not_after),
        days_left: (not_after - now).div_euclid(86_400),
        names,
    })
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time.
pub fn utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Another party's text (a certificate's names, an I/O or TLS library's
/// error) as one bounded line of a message, made safe by the one cleaner,
/// [`crate::text::clean`].
pub(crate) fn one_line(s: &str) -> String {
    crate::text::clean_bounded(s, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_767_225_599), "2025-12-31 23:59:59 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn microsoft_hosts_and_their_public_cas() {
        assert!(microsoft_host("dev.azure.com"));
        assert!(microsoft_host("contoso.visualstudio.com"));
        assert!(microsoft_host("login.microsoftonline.com."));
        assert!(!microsoft_host("tfs.contoso.com"));
        assert!(!microsoft_host("notazure.com"));
        assert!(microsoft_public_ca(
            "CN=Microsoft Azure RSA TLS Issuing CA 04, O=Microsoft Corporation, C=US"
        ));
        assert!(microsoft_public_ca(
            "CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US"
        ));
        assert!(!microsoft_public_ca(
            "CN=Zscaler Intermediate Root CA, O=Zscaler Inc."
        ));
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_coded_problem() {
        let p = load_ca_file(Path::new("/nonexistent/ca.pem")).err();
        let p = p.unwrap_or_else(|| Problem::new("", "", ""));
        assert_eq!(p.code, TLS_CODE);
        assert!(p.message.contains("/nonexistent/ca.pem"), "{}", p.message);
        assert!(p.fix.contains("--ca-file"));

        let dir = tempfile::tempdir().ok();
        let path = dir.as_ref().map(|d| d.path().join("empty.pem"));
        if let Some(path) = path {
            assert!(std::fs::write(&path, "not a certificate\n").is_ok());
            let p = load_ca_file(&path).err();
            assert!(
                p.as_ref()
                    .is_some_and(|p| p.message.contains("no PEM certificate")),
                "{p:?}"
            );
            assert!(
                std::fs::write(
                    &path,
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
                )
                .is_ok()
            );
            let p = load_ca_file(&path).err();
            assert!(
                p.as_ref()
                    .is_some_and(|p| p.code == TLS_CODE && p.message.contains("not a valid X.509")),
                "{p:?}"
            );
        }
    }

    #[test]
    fn one_line_drops_controls_and_bidi_overrides() {
        assert_eq!(
            one_line("CN=a\u{1b}]52;c;eA==\u{7}b\u{202E}gpj.exe\u{9b}31m"),
            "CN=abgpj.exe"
        );
    }

    #[test]
    fn server_names_for_domains_and_addresses() {
        assert!(matches!(
            server_name("dev.azure.com"),
            Some(ServerName::DnsName(_))
        ));
        assert!(matches!(
            server_name("127.0.0.1"),
            Some(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name("[::1]"),
            Some(ServerName::IpAddress(_))
        ));
    }
}

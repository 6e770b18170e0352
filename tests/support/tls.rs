//! Certificates for HTTPS tests, made at test time with rcgen (and one with
//! `openssl req -x509`, the way Azure DevOps Server admins often make them),
//! and the binary pointed at an HTTPS sandbox: no `--allow-http`, the CA
//! passed with `--ca-file`, nothing inherited that changes a run.

use std::path::Path;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A certificate (chain) and its private key, both PEM.
#[derive(Clone)]
pub struct Pem {
    pub cert: String,
    pub key: String,
}

impl Pem {
    /// For [`ado_setup::sandbox::SandboxOptions::tls`].
    pub fn sandbox_tls(&self) -> ado_setup::sandbox::SandboxTls {
        ado_setup::sandbox::SandboxTls::Given {
            cert_pem: self.cert.clone(),
            key_pem: self.key.clone(),
        }
    }
}

/// A CA for tests: its PEM, and what signs with it.
pub struct TestCa {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// A CA named `name`.
pub fn ca(name: &str) -> TestCa {
    let key = ok(KeyPair::generate(), "CA key");
    let mut params = ok(CertificateParams::new(Vec::<String>::new()), "CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = ok(params.self_signed(&key), "CA certificate");
    TestCa {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// What a test certificate looks like.
pub struct Spec<'a> {
    pub common_name: &'a str,
    /// DNS names and IP addresses (subject alternative names).
    pub names: &'a [&'a str],
    /// `(year, month, day)` of its validity.
    pub not_before: (i32, u8, u8),
    pub not_after: (i32, u8, u8),
    /// basicConstraints CA:TRUE (what `openssl req -x509` makes).
    pub is_ca: bool,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            common_name: "tfs.contoso.example",
            names: &["127.0.0.1", "localhost"],
            not_before: (2020, 1, 1),
            not_after: (2099, 12, 31),
            is_ca: false,
        }
    }
}

fn params(spec: &Spec<'_>) -> CertificateParams {
    let names: Vec<String> = spec.names.iter().map(|n| n.to_string()).collect();
    let mut params = ok(CertificateParams::new(names), "params");
    params
        .distinguished_name
        .push(DnType::CommonName, spec.common_name);
    let (y, m, d) = spec.not_before;
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = spec.not_after;
    params.not_after = rcgen::date_time_ymd(y, m, d);
    if spec.is_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
    } else {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    }
    params
}

impl TestCa {
    /// A server certificate issued by this CA.
    pub fn issue(&self, spec: &Spec<'_>) -> Pem {
        let key = ok(KeyPair::generate(), "server key");
        let mut p = params(spec);
        p.use_authority_key_identifier_extension = true;
        let cert = ok(p.signed_by(&key, &self.issuer), "server certificate");
        Pem {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// A self-signed server certificate.
pub fn self_signed(spec: &Spec<'_>) -> Pem {
    let key = ok(KeyPair::generate(), "key");
    let cert = ok(params(spec).self_signed(&key), "self-signed certificate");
    Pem {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// `openssl req -x509` (CA:TRUE, as openssl makes it) for 127.0.0.1 and
/// localhost, or `None` (said on stderr) when openssl is not installed.
pub fn openssl_self_signed(dir: &Path) -> Option<Pem> {
    let cert = dir.join("openssl-cert.pem");
    let key = dir.join("openssl-key.pem");
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=tfs.contoso.example"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .env_remove("OPENSSL_CONF")
        .output();
    match out {
        Ok(o) if o.status.success() => Some(Pem {
            cert: ok(std::fs::read_to_string(&cert), "openssl cert"),
            key: ok(std::fs::read_to_string(&key), "openssl key"),
        }),
        Ok(o) => panic!(
            "openssl req -x509 failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            eprintln!("SKIPPED the openssl-made certificate: cannot run openssl ({e})");
            None
        }
    }
}

/// Environment variables that would change a run: proxies (both cases), a
/// PAT, a config dir, a timeout.
pub const LEAKY_ENV: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "AZURE_DEVOPS_EXT_PAT",
    "ADO_SETUP_CONFIG_DIR",
    "ADO_SETUP_TIMEOUT",
];

/// The binary pointed at an HTTPS sandbox at `base` (`https://…`): the
/// Azure DevOps, identity, profile and Entra endpoints under it, WITHOUT
/// `--allow-http`, with `--ca-file ca_file` when given, and nothing
/// inherited that would change a run.
pub fn ado_setup_over_https(base: &str, ca_file: Option<&Path>) -> Command {
    assert!(base.starts_with("https://"), "{base}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ado-setup"));
    if let Some(ca) = ca_file {
        cmd.arg("--ca-file").arg(ca);
    }
    cmd.env("ADO_SETUP_DEVOPS_URL", base)
        .env("ADO_SETUP_VSSPS_URL", format!("{base}/_vssps"))
        .env("ADO_SETUP_PROFILE_URL", format!("{base}/_profile"))
        .env("ADO_SETUP_AUTHORITY_URL", format!("{base}/_login"))
        .env("LANG", "C.UTF-8");
    for var in LEAKY_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// rustls/webpki `Debug` text that must never reach a user.
pub const DEBUG_TEXT: &[&str] = &[
    "Other(OtherError(",
    "OtherError",
    "CertificateError",
    "InvalidCertificate(",
    "CaUsedAsEndEntity",
    "UnknownIssuer",
    "NotValidForName",
    "ExpiredContext",
    "NotValidYet",
    "invalid peer certificate",
    "AlertReceived",
];

/// Panics when `text` carries rustls/webpki `Debug` text.
pub fn assert_no_debug_text(text: &str) {
    for needle in DEBUG_TEXT {
        assert!(
            !text.contains(needle),
            "`{needle}` reached the user:\n{text}"
        );
    }
}

//! The file store: `secrets.toml` in the config dir, one table per keyring
//! service and one key per connection name, plain text, mode 0600, written
//! atomically. Its errors name the line at most, never the text (which
//! holds secrets).

use std::collections::BTreeMap;
use std::path::Path;

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::{SecretError, SecretStoreKind};
use crate::store::fsutil;

/// service → account → secret.
type SecretMap = BTreeMap<String, BTreeMap<String, SecretString>>;

fn file_failed(op: &'static str, message: String) -> SecretError {
    SecretError::Failed {
        store: SecretStoreKind::File,
        op,
        message,
    }
}

/// Reads the secrets file; a missing file is empty. Error messages carry the
/// line number only, never the text (which holds secrets).
pub(super) fn file_read(path: &Path) -> Result<SecretMap, SecretError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SecretMap::new()),
        Err(e) => return Err(file_failed("read", format!("{}: {e}", path.display()))),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(file_failed(
            "read",
            format!("{} is not UTF-8 text", path.display()),
        ));
    };
    let invalid = |line: Option<usize>| {
        let at = line.map(|l| format!(" at line {l}")).unwrap_or_default();
        file_failed(
            "read",
            format!(
                "{} is not a valid ado-setup secrets file{at}; it was left unchanged",
                path.display()
            ),
        )
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        invalid(e.span().map(|s| {
            text.as_bytes()[..s.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        }))
    })?;
    let mut map = SecretMap::new();
    for (service, value) in table {
        match value {
            toml::Value::Integer(_) if service == "schema" => {}
            toml::Value::Table(accounts) => {
                let mut out = BTreeMap::new();
                for (account, value) in accounts {
                    match value {
                        toml::Value::String(s) => {
                            out.insert(account, SecretString::from(s));
                        }
                        _ => return Err(invalid(None)),
                    }
                }
                map.insert(service, out);
            }
            _ => return Err(invalid(None)),
        }
    }
    Ok(map)
}

/// TOML basic string, written straight into a zeroizing buffer.
fn push_toml_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render(map: &SecretMap) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(256));
    out.push_str(
        "# ado-setup secrets: plain text, readable only by you (mode 0600).\n\
         # One table per keyring service, one key per connection name.\n\
         schema = 1\n",
    );
    for (service, accounts) in map {
        out.push_str("\n[");
        push_toml_string(&mut out, service);
        out.push_str("]\n");
        for (account, secret) in accounts {
            push_toml_string(&mut out, account);
            out.push_str(" = ");
            push_toml_string(&mut out, secret.expose_secret());
            out.push('\n');
        }
    }
    out
}

/// Read-modify-write of the secrets file (atomic, 0600, dir 0700). `change`
/// returns whether it changed anything; the result is passed through.
pub(super) fn file_update(
    path: &Path,
    change: impl FnOnce(&mut SecretMap) -> bool,
) -> Result<bool, SecretError> {
    let mut map = file_read(path)?;
    if !change(&mut map) {
        return Ok(false);
    }
    let write_err = |e: std::io::Error| file_failed("write", format!("{}: {e}", path.display()));
    if map.is_empty() {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(write_err(e)),
        };
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsutil::ensure_private_dir(dir).map_err(write_err)?;
    }
    let text = render(&map);
    fsutil::write_atomic(path, text.as_bytes(), None).map_err(write_err)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::SECRETS_FILE_NAME;
    use super::*;

    #[test]
    fn rendered_file_parses_back() {
        let mut map = SecretMap::new();
        map.entry("ado-setup".to_string())
            .or_default()
            .insert("prod".to_string(), SecretString::from("a\"b\\c\nd\u{1}é"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRETS_FILE_NAME);
        std::fs::write(&path, render(&map).as_bytes()).unwrap();
        let back = file_read(&path).unwrap();
        assert_eq!(
            back["ado-setup"]["prod"].expose_secret(),
            "a\"b\\c\nd\u{1}é"
        );
    }

    #[test]
    fn a_corrupt_secrets_file_is_reported_without_its_content_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRETS_FILE_NAME);
        std::fs::write(&path, "[ado-setup]\nprod = \"hunter2\nbroken").unwrap();
        let err = file_update(&path, |_| true).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("at line"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(!err.fix().contains("hunter2"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[ado-setup]\nprod = \"hunter2\nbroken"
        );
    }
}

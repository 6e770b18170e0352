#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Secret hygiene (SPEC §8): every command that can see a secret is run
//! against the sandbox — `connect --non-interactive` (PAT from stdin and
//! from `AZURE_DEVOPS_EXT_PAT`, Services and Server, passing and failing),
//! `doctor` (ad hoc and on saved connections, text, `--json`, `--report`,
//! failing scenarios), `list`, `show`, `export` (json, env, a refused
//! `--include-secret`) and `remove --yes`, all with `-v`/`-vv` so a log is
//! written — and the secret is searched for everywhere: in every stdout and
//! stderr, and in every file left under the temp dir (config, log, reports,
//! backups, temp files) except the file secret store `secrets.toml` itself.
//!
//! Searched for: the PAT, and the Base64 of `:PAT` (what HTTP Basic sends)
//! and of the PAT alone, padded or not. With a device-code sign-in: the
//! refresh token as saved in `secrets.toml` (read after each command, since
//! a refresh may rotate it).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ado_setup::sandbox::{Sandbox, SandboxOptions};

struct Env {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
    /// Everything any command printed, labelled.
    printed: Vec<(String, String)>,
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions {
            approve_after: Duration::from_millis(200),
            ..SandboxOptions::default()
        }))
        .unwrap();
    Env {
        sb,
        _rt: rt,
        tmp: tempfile::tempdir().unwrap(),
        printed: Vec::new(),
    }
}

/// How the PAT reaches the binary.
#[derive(Clone, Copy)]
enum Pat<'a> {
    None,
    Stdin(&'a str),
    Env(&'a str),
}

impl Env {
    fn config_dir(&self) -> PathBuf {
        self.tmp.path().join("config")
    }

    fn secrets_file(&self) -> PathBuf {
        self.config_dir().join("secrets.toml")
    }

    /// Runs the binary with the global flags, the sandbox endpoints and a
    /// home, state dir and config dir inside the temp dir; returns the exit
    /// code. What it printed is kept for the final search.
    fn run(&mut self, args: &[&str], pat: Pat<'_>) -> i32 {
        let home = self.tmp.path().join("home");
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.arg("--config-dir")
            .arg(self.config_dir())
            .args(["--secret-store", "file"])
            .args(args)
            .env("HOME", &home)
            .env("XDG_STATE_HOME", self.tmp.path().join("state"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("LANG", "C.UTF-8")
            // No keyring daemon is ever asked: the store is the file.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", self.tmp.path().join("no-bus").display()),
            )
            .env_remove("NO_COLOR")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy");
        if let Pat::Env(p) = pat {
            cmd.env("AZURE_DEVOPS_EXT_PAT", p);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Pat::Stdin(p) = pat {
            stdin.write_all(p.as_bytes()).unwrap();
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let label = args.join(" ");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code().unwrap_or(-1);
        self.printed
            .push((format!("stdout of `{label}` (exit {code})"), stdout));
        self.printed
            .push((format!("stderr of `{label}` (exit {code})"), stderr));
        code
    }

    /// The last output of the last command, for assertion messages.
    fn last(&self) -> String {
        self.printed
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(|(l, t)| format!("--- {l}\n{t}"))
            .collect()
    }

    fn report(&self, name: &str) -> String {
        self.tmp
            .path()
            .join("reports")
            .join(name)
            .to_string_lossy()
            .into_owned()
    }

    /// The secret saved for `name` in `secrets.toml`.
    fn saved_secret(&self, name: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.secrets_file()).ok()?;
        let table: toml::Table = text.parse().unwrap();
        table
            .get(ado_setup::store::secrets::SERVICE)?
            .get(name)?
            .as_str()
            .map(str::to_string)
    }

    /// Asserts that no needle is in anything printed, nor in any file under
    /// the temp dir but `secrets.toml`; that the `-v` log was written; and
    /// that the search found the secrets where they belong (so it works).
    /// `log_lines`: the log must have something in it (the product logs
    /// little at `-v`: retries, and a few warnings).
    fn assert_nowhere(&self, needles: &[(String, String)], log_lines: bool) {
        let mut leaks = Vec::new();
        for (label, text) in &self.printed {
            for (what, needle) in needles {
                if text.contains(needle.as_str()) {
                    leaks.push(format!("{what} in {label}"));
                }
            }
        }
        let files = files_under(self.tmp.path());
        let log = self
            .tmp
            .path()
            .join("state")
            .join("ado-setup")
            .join("ado-setup.log");
        assert!(
            files.contains(&log),
            "-v wrote no log at {}: {files:?}",
            log.display()
        );
        if log_lines {
            assert!(
                std::fs::metadata(&log).unwrap().len() > 0,
                "the log is empty"
            );
        }
        let reports: Vec<_> = files
            .iter()
            .filter(|f| f.parent().is_some_and(|p| p.ends_with("reports")))
            .collect();
        assert!(!reports.is_empty(), "no --report was written: {files:?}");
        for f in &files {
            if *f == self.secrets_file() {
                continue;
            }
            let bytes = std::fs::read(f).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for (what, needle) in needles {
                if text.contains(needle.as_str()) {
                    leaks.push(format!("{what} in the file {}", f.display()));
                }
            }
        }
        assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Standard Base64 (RFC 4648, padded).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The secret and the forms it travels in: itself, and Base64 of `:secret`
/// (HTTP Basic with an empty user) and of the secret alone, each without
/// padding (a substring of the padded form, so both are covered) and in the
/// URL-safe alphabet.
fn forms(what: &str, secret: &str) -> Vec<(String, String)> {
    let mut out = vec![(what.to_string(), secret.to_string())];
    for (label, raw) in [
        (format!("Base64 of \":{what}\""), format!(":{secret}")),
        (format!("Base64 of the {what}"), secret.to_string()),
    ] {
        let b = base64(raw.as_bytes());
        let unpadded = b.trim_end_matches('=').to_string();
        let url_safe = unpadded.replace('+', "-").replace('/', "_");
        out.push((label.clone(), unpadded));
        out.push((format!("{label} (URL-safe)"), url_safe));
    }
    out
}

#[test]
fn base64_matches_rfc_4648() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64(b":pat\xff"), "OnBhdP8=");
}

/// Exit codes of `doctor` on `scenario-throttled`: every request is
/// answered 429 once and retried after `Retry-After`, so doctor passes.
const THROTTLED: &[i32] = &[0];

const PAYMENTS: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];

#[test]
fn a_pat_is_only_ever_in_the_secret_store() {
    let mut env = env();
    let pat = env.sb.pat().to_string();
    let legacy = env.sb.legacy_collection_url();
    let r = |env: &Env, n: &str| env.report(n);
    std::fs::create_dir_all(env.tmp.path().join("reports")).unwrap();

    // connect: from stdin (JSON), from the environment (text, -vv), a
    // Server collection, and the failing ways.
    let code = env.run(
        &[
            &[
                "-v",
                "connect",
                "--non-interactive",
                "--pat-stdin",
                "--json",
            ],
            PAYMENTS,
        ]
        .concat(),
        Pat::Stdin(&pat),
    );
    assert_eq!(code, 0, "{}", env.last());
    let code = env.run(
        &[
            "-vv",
            "connect",
            "--non-interactive",
            "--org",
            "contoso-basic",
            "--project",
            "Website Refresh",
            "--name",
            "basic-env",
        ],
        Pat::Env(&pat),
    );
    assert_eq!(code, 0, "{}", env.last());
    let code = env.run(
        &[
            "-v",
            "connect",
            "--non-interactive",
            "--base-url",
            &legacy,
            "--project",
            "Claims Processing",
            "--name",
            "legacy-claims",
            "--pat-stdin",
        ],
        Pat::Stdin(&pat),
    );
    assert_eq!(code, 0, "{}", env.last());
    // A failed check saves nothing; a 401 is exit 4; a taken name exit 2.
    let code = env.run(
        &[
            "-v",
            "connect",
            "--non-interactive",
            "--org",
            "contoso-agile",
            "--project",
            "Customer Support Desk",
            "--pat-stdin",
            "--json",
        ],
        Pat::Stdin(&pat),
    );
    assert_eq!(code, 1, "{}", env.last());
    let code = env.run(
        &[
            "-v",
            "connect",
            "--non-interactive",
            "--org",
            "scenario-wrong-directory",
            "--project",
            "Payments Platform",
        ],
        Pat::Env(&pat),
    );
    assert_eq!(code, 4, "{}", env.last());
    let code = env.run(
        &[&["connect", "--non-interactive", "--pat-stdin"], PAYMENTS].concat(),
        Pat::Stdin(&pat),
    );
    assert_eq!(code, 2, "{}", env.last());
    assert_eq!(
        env.saved_secret("contoso-agile-payments-platform")
            .as_deref(),
        Some(pat.as_str()),
        "the search would find nothing: the PAT is not where it belongs"
    );

    // doctor, ad hoc: stdin and environment, text, JSON, report, Server,
    // and the scenarios that fail on the PAT.
    let report1 = r(&env, "adhoc.txt");
    let report2 = r(&env, "adhoc-env.txt");
    let report3 = r(&env, "adhoc-fail.txt");
    let runs: Vec<(Vec<&str>, Pat<'_>, &[i32])> = vec![
        (
            [&["-v", "doctor", "--pat-stdin", "--json"], PAYMENTS].concat(),
            Pat::Stdin(&pat),
            &[0],
        ),
        (
            [
                &["-vv", "doctor", "--pat-stdin", "--report", &report1],
                PAYMENTS,
            ]
            .concat(),
            Pat::Stdin(&pat),
            &[0],
        ),
        (
            [&["-v", "doctor", "--plain", "--report", &report2], PAYMENTS].concat(),
            Pat::Env(&pat),
            &[0],
        ),
        (
            vec![
                "-v",
                "doctor",
                "--deployment",
                "server",
                "--base-url",
                &legacy,
                "--project",
                "Claims Processing",
                "--json",
            ],
            Pat::Env(&pat),
            &[0],
        ),
        (
            vec![
                "-v",
                "doctor",
                "--org",
                "scenario-read-only",
                "--project",
                "Payments Platform",
                "--report",
                &report3,
            ],
            Pat::Env(&pat),
            &[1],
        ),
        (
            vec![
                "-vv",
                "doctor",
                "--org",
                "scenario-expired",
                "--project",
                "Payments Platform",
                "--json",
            ],
            Pat::Env(&pat),
            &[4],
        ),
        // 429s: retried, and the retries logged. (Exit 1 too: the sandbox
        // throttles every other request globally, so a request among the
        // concurrent ones can draw three 429s in a row and give up.)
        (
            vec![
                "-vv",
                "doctor",
                "--org",
                "scenario-throttled",
                "--project",
                "Payments Platform",
            ],
            Pat::Env(&pat),
            THROTTLED,
        ),
        (
            vec![
                "-v",
                "doctor",
                "--org",
                "scenario-conditional-access",
                "--project",
                "Payments Platform",
                "--pat-stdin",
            ],
            Pat::Stdin(&pat),
            &[1],
        ),
        (
            vec![
                "-v",
                "doctor",
                "--org",
                "scenario-wrong-directory",
                "--project",
                "Payments Platform",
                "--json",
            ],
            Pat::Env(&pat),
            &[4],
        ),
    ];
    for (args, pat_in, want) in runs {
        let code = env.run(&args, pat_in);
        assert!(want.contains(&code), "{}", env.last());
    }

    // doctor on the saved connections: its own secret, and overridden.
    let report4 = r(&env, "saved.txt");
    for (args, pat_in) in [
        (
            vec!["-v", "doctor", "contoso-agile-payments-platform"],
            Pat::None,
        ),
        (
            vec!["-v", "doctor", "contoso-agile-payments-platform", "--json"],
            Pat::None,
        ),
        (
            vec![
                "-vv",
                "doctor",
                "contoso-agile-payments-platform",
                "--report",
                &report4,
            ],
            Pat::None,
        ),
        (vec!["-v", "doctor", "basic-env", "--json"], Pat::Env(&pat)),
        (
            vec!["-v", "doctor", "legacy-claims", "--pat-stdin"],
            Pat::Stdin(&pat),
        ),
    ] {
        let code = env.run(&args, pat_in);
        assert_eq!(code, 0, "{}", env.last());
    }

    // list, show, export: never the secret.
    for args in [vec!["-v", "list"], vec!["-v", "list", "--json"]] {
        assert_eq!(env.run(&args, Pat::None), 0, "{}", env.last());
    }
    for name in [
        "contoso-agile-payments-platform",
        "basic-env",
        "legacy-claims",
    ] {
        for args in [
            vec!["-v", "show", name],
            vec!["-v", "show", name, "--json"],
            vec!["-v", "export", name],
            vec!["-v", "export", name, "--format", "json"],
            vec!["-v", "export", name, "--format", "env"],
        ] {
            assert_eq!(env.run(&args, Pat::None), 0, "{}", env.last());
        }
        // Without a terminal the secret is refused, and nothing printed.
        let code = env.run(
            &["-v", "export", name, "--format", "env", "--include-secret"],
            Pat::None,
        );
        assert_eq!(code, 2, "{}", env.last());
    }

    // remove, with the store.
    for name in [
        "contoso-agile-payments-platform",
        "basic-env",
        "legacy-claims",
    ] {
        assert_eq!(
            env.run(&["-v", "remove", name, "--yes"], Pat::None),
            0,
            "{}",
            env.last()
        );
        assert_eq!(env.saved_secret(name), None, "{name}: secret left behind");
    }

    env.assert_nowhere(&forms("PAT", &pat), true);
}

#[test]
fn a_refresh_token_is_only_ever_in_the_secret_store() {
    let mut env = env();
    std::fs::create_dir_all(env.tmp.path().join("reports")).unwrap();
    let name = "contoso-scrum-inventory-service";
    let mut tokens: Vec<String> = Vec::new();
    let keep = |env: &Env, tokens: &mut Vec<String>| {
        if let Some(t) = env.saved_secret(name)
            && !tokens.contains(&t)
        {
            tokens.push(t);
        }
    };

    let code = env.run(
        &[
            "-v",
            "connect",
            "--non-interactive",
            "--org",
            "contoso-scrum",
            "--project",
            "Inventory Service",
            "--auth",
            "device-code",
            "--json",
        ],
        Pat::None,
    );
    assert_eq!(code, 0, "{}", env.last());
    keep(&env, &mut tokens);
    assert_eq!(tokens.len(), 1, "no refresh token in secrets.toml");
    assert!(tokens[0].len() >= 16, "an implausible refresh token");

    let report = env.report("device.txt");
    for args in [
        vec!["-v", "doctor", name],
        vec!["-vv", "doctor", name, "--json"],
        vec!["-v", "doctor", name, "--report", &report],
        vec!["-v", "list"],
        vec!["-v", "list", "--json"],
        vec!["-v", "show", name],
        vec!["-v", "show", name, "--json"],
        vec!["-v", "export", name, "--format", "json"],
        vec!["-v", "export", name, "--format", "env"],
    ] {
        assert_eq!(env.run(&args, Pat::None), 0, "{}", env.last());
        keep(&env, &mut tokens);
    }
    let code = env.run(&["-v", "export", name, "--include-secret"], Pat::None);
    assert_eq!(code, 2, "{}", env.last());
    keep(&env, &mut tokens);
    assert_eq!(
        env.run(&["-v", "remove", name, "--yes"], Pat::None),
        0,
        "{}",
        env.last()
    );
    assert_eq!(env.saved_secret(name), None, "secret left behind");

    let mut needles = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        needles.push((format!("refresh token #{}", i + 1), t.clone()));
    }
    env.assert_nowhere(&needles, false);
}

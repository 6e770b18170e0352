//! The real binary: version, help texts, exit codes of commands that this
//! version does not provide yet, and usage errors.

mod support;

use std::process::{Command, Output};

use support::base64;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ado-setup"))
        .args(args)
        .env_remove("ADO_SETUP_CONFIG_DIR")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the binary: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn version_prints_the_version() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("ado-setup {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_command_has_help_that_says_what_it_does() {
    let top = text(&run(&["--help"]).stdout);
    let expected = [
        ("connect", "new connection"),
        ("edit", "prefilled"),
        ("doctor", "check"),
        ("list", "List saved connections"),
        ("show", "never the secret"),
        ("remove", "config entry and its secret"),
        ("export", "never the secret"),
        ("demo", "fake Azure DevOps"),
    ];
    for (cmd, words) in expected {
        assert!(top.contains(cmd), "--help lacks {cmd}:\n{top}");
        let out = run(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd} --help failed");
        let help = text(&out.stdout);
        assert!(
            help.contains(words),
            "{cmd} --help lacks {words:?}:\n{help}"
        );
        for global in [
            "--config-dir",
            "--secret-store",
            "--allow-http",
            "--ca-file",
            "--verbose",
        ] {
            assert!(help.contains(global), "{cmd} --help lacks {global}");
        }
    }
    let doctor = text(&run(&["doctor", "--help"]).stdout);
    for flag in [
        "--json",
        "--plain",
        "--report",
        "--strict",
        "--org",
        "--base-url",
        "--pat-stdin",
        "--priority-map",
        "--field",
    ] {
        assert!(doctor.contains(flag), "doctor --help lacks {flag}");
    }
}

#[test]
fn connect_non_interactive_without_a_connection_is_an_input_error() {
    let out = run(&["connect", "--non-interactive"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--org ORG"), "{err}");
    assert!(
        err.contains("fix: ado-setup connect --non-interactive"),
        "{err}"
    );
}

#[test]
fn the_wizard_without_a_terminal_says_so_and_exits_2() {
    for args in [&[][..], &["connect"], &["demo"], &["edit", "prod"]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("needs a terminal"), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn doctor_without_a_target_is_an_input_error() {
    let out = run(&["doctor"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("nothing to check"), "{err}");
    assert!(err.contains("fix:"), "{err}");
}

#[test]
fn connect_flags_without_non_interactive_are_refused() {
    let out = run(&["connect", "--org", "contoso"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--non-interactive"));
}

#[test]
fn doctor_tui_needs_a_name_and_a_terminal() {
    let out = run(&["doctor", "--tui"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["doctor", "prod", "--tui"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("needs a terminal"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["doctor", "--secret-store", "floppy"],
        &["demo", "--port", "8080"],
        &["connect", "--deployment", "mainframe"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!text(&out.stderr).is_empty());
    }
}

/// `demo --serve` prints its URLs and PAT first, answers a client that knows
/// nothing of this crate (raw HTTP over a socket, like curl), and stops
/// cleanly on SIGTERM.
#[cfg(unix)]
#[test]
fn demo_serve_is_usable_by_any_http_client() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let mut child = Command::new(env!("CARGO_BIN_EXE_ado-setup"))
        .args(["demo", "--serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the binary: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    let mut urls = Vec::new();
    let mut pat = None;
    for line in lines.by_ref() {
        let line = line.unwrap_or_else(|e| panic!("{e}"));
        if let Some(u) = line.strip_prefix("url ") {
            assert!(pat.is_none(), "url after pat: {line}");
            urls.push(u.to_string());
        } else if let Some(p) = line.strip_prefix("pat ") {
            pat = Some(p.to_string());
            break;
        } else {
            panic!("unexpected banner line before pat: {line}");
        }
    }
    let pat = pat.unwrap_or_else(|| panic!("no pat line"));
    assert!(urls.len() >= 5, "{urls:?}");
    assert!(urls.iter().any(|u| u.ends_with("/tfs/DefaultCollection")));

    let org = urls
        .iter()
        .find(|u| u.ends_with("/contoso-agile"))
        .unwrap_or_else(|| panic!("no contoso-agile in {urls:?}"));
    let rest = org
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{org}"));
    let (hostport, path) = rest.split_once('/').unwrap_or_else(|| panic!("{org}"));
    let auth = base64(format!(":{pat}").as_bytes());
    let get = |auth_header: &str| -> String {
        let mut s = TcpStream::connect(hostport).unwrap_or_else(|e| panic!("{e}"));
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let req = format!(
            "GET /{path}/_apis/projects?api-version=7.1 HTTP/1.1\r\nHost: {hostport}\r\n{auth_header}Connection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut answer = String::new();
        s.read_to_string(&mut answer)
            .unwrap_or_else(|e| panic!("{e}"));
        answer
    };
    let answer = get(&format!("Authorization: Basic {auth}\r\n"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"count\":"), "{answer}");
    assert!(answer.contains("Payments Platform"), "{answer}");
    let anonymous = get("");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(killed.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            assert_eq!(status.code(), Some(0), "SIGTERM should stop it cleanly");
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("demo --serve did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_test_base64_matches_a_known_value() {
    assert_eq!(base64(b":test-pat-0001"), "OnRlc3QtcGF0LTAwMDE=");
    assert_eq!(base64(b"a"), "YQ==");
}

#[test]
fn demo_serve_on_a_busy_port_fails_with_one_line() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = l
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port()
        .to_string();
    let out = run(&["demo", "--serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cannot start the sandbox on port"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_fault_or_timeout_that_cannot_be_used_is_refused() {
    let out = run(&["demo", "--serve", "--fault", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown fault 'nonsense'") && err.contains("slow-loris"),
        "{err}"
    );
    let out = run(&["demo", "--fault", "drop"]);
    assert_eq!(out.status.code(), Some(2), "--fault needs --serve");
    let out = run(&["--timeout", "0", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--timeout"));
}

#[test]
fn an_empty_stdin_is_named_as_the_secret_the_method_wants() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run_empty = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ado-setup"))
            .arg("--config-dir")
            .arg(tmp.path())
            .args([
                "connect",
                "--non-interactive",
                "--org",
                "contoso",
                "--project",
                "Payments",
            ])
            .args(extra)
            .env_remove("ADO_SETUP_CONFIG_DIR")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run the binary: {e}"))
    };
    let out = run_empty(&[
        "--auth",
        "service-principal",
        "--tenant",
        "contoso.example",
        "--client-id",
        "b7a4c2e9-1d3f-4e6a-8c5b-9f0e2d1a3c47",
        "--secret-stdin",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--secret-stdin: standard input was empty")
            && err.contains("Pipe the client secret in"),
        "{err}"
    );
    let out = run_empty(&["--pat-stdin"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--pat-stdin: standard input was empty") && err.contains("Pipe the token in"),
        "{err}"
    );
}

//! The real binary: version, help texts, exit codes of commands that this
//! version does not provide yet, and usage errors.

use std::process::{Command, Output};

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
fn commands_not_built_yet_say_so_and_exit_2() {
    let cases: &[&[&str]] = &[
        &[],
        &["connect"],
        &["connect", "--non-interactive"],
        &["edit", "prod"],
        &["doctor"],
        &["list"],
        &["show", "prod"],
        &["remove", "prod", "--yes"],
        &["export", "prod"],
        &["demo"],
    ];
    for args in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("not available yet"), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
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

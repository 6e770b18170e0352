//! The OS keyring for real: GNOME Keyring's Secret Service on a private
//! D-Bus session (see `support::secret_service`), and the Linux kernel
//! keyring. Every command that touches the store — connect, doctor, remove —
//! runs the real binary against the sandbox with the default store choice
//! (`auto`: the Secret Service after a round trip), and nothing may panic:
//! the Secret Service's blocking D-Bus connection must never be made, used
//! or dropped on the async runtime. A locked collection and a daemon killed
//! between two commands are clear `SECRET_STORE_UNAVAILABLE` failures with a
//! fix, never a hang.
//!
//! Without `dbus-daemon`/`gnome-keyring-daemon`/`secret-tool` (or `keyctl`)
//! these tests say so on stderr and skip; under CI they fail instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::run::{Run, files_with};

use std::path::PathBuf;
use std::process::Command;

use ado_setup::sandbox::{Sandbox, SandboxOptions};
use support::secret_service::{SecretService, on_path, skip};

const ARGS: &[&str] = &["--org", "contoso-agile", "--project", "Payments Platform"];
const NAME: &str = "contoso-agile-payments-platform";

struct Env {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
    tmp: tempfile::TempDir,
}

/// Exited by itself, not by a panic (101) or a signal.
fn assert_no_panic(run: &Run) {
    assert_ne!(run.exit, 101, "panicked:\n{}", run.all());
    assert_ne!(run.exit, -1, "killed or crashed:\n{}", run.all());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("Cannot start a runtime"),
        "{}",
        run.stderr
    );
}

fn env() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(Sandbox::start(SandboxOptions::default()))
        .unwrap();
    Env {
        sb,
        _rt: rt,
        tmp: tempfile::tempdir().unwrap(),
    }
}

impl Env {
    fn dir(&self) -> PathBuf {
        self.tmp.path().join("config")
    }

    /// The binary against the sandbox, with a home of its own, on the
    /// session's bus when there is one.
    fn cmd(&self, session: Option<&SecretService>, args: &[&str]) -> Command {
        let mut cmd = support::ado_setup_against(&self.sb.devops_url());
        cmd.arg("--config-dir")
            .arg(self.dir())
            .args(args)
            .env("LANG", "C.UTF-8")
            .env("HOME", self.tmp.path())
            .env("XDG_STATE_HOME", self.tmp.path().join("state"))
            .env("XDG_CONFIG_HOME", self.tmp.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.tmp.path().join("xdg-data"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        if let Some(s) = session {
            s.apply(&mut cmd);
        }
        cmd
    }

    /// `[GLOBAL] connect --non-interactive [FLAGS]` with the sandbox's PAT
    /// on stdin.
    fn connect(&self, session: Option<&SecretService>, global: &[&str], flags: &[&str]) -> Run {
        let mut args = global.to_vec();
        args.extend(["connect", "--non-interactive", "--pat-stdin", "--json"]);
        args.extend_from_slice(ARGS);
        args.extend_from_slice(flags);
        let run = support::run::run(self.cmd(session, &args), Some(self.sb.pat()));
        assert_no_panic(&run);
        run
    }

    fn command(&self, session: Option<&SecretService>, args: &[&str]) -> Run {
        let run = support::run::run(self.cmd(session, args), None);
        assert_no_panic(&run);
        run
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.dir().join("config.toml")).unwrap_or_default()
    }
}

#[test]
fn connect_doctor_and_remove_use_the_secret_service_and_never_panic() {
    let Some(session) = SecretService::start("secret service: connect, doctor, remove") else {
        return;
    };
    let env = env();
    let pat = env.sb.pat().to_string();

    // The default store (auto) is the Secret Service after its round trip.
    let run = env.connect(Some(&session), &[], &[]);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert_eq!(run.json()["saved"], true, "{}", run.stdout);
    let config = env.config_text();
    assert!(config.contains("store = \"keyring\""), "{config}");
    // Another program finds the secret where ado-setup put it.
    assert_eq!(
        session.lookup("ado-setup", NAME).as_deref(),
        Some(pat.as_str())
    );
    // Not in the clear anywhere else: config dir, state, the keyring's own
    // files (encrypted), the output.
    assert!(files_with(env.tmp.path(), &pat).is_empty());
    assert!(files_with(&session.keyring_dir(), &pat).is_empty());
    assert!(!run.all().contains(&pat));
    // The round trip's probe entry is gone.
    assert_eq!(
        session.lookup("ado-setup", ado_setup::store::secrets::PROBE_ACCOUNT),
        None
    );

    // doctor on the saved connection reads the secret from the keyring.
    let run = env.command(Some(&session), &["doctor", NAME, "--json"]);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert_eq!(
        run.check("storage.secret")["status"],
        "pass",
        "{}",
        run.stdout
    );
    assert_eq!(run.check("auth.credentials")["status"], "pass");
    // list and show open no store; show names it.
    let run = env.command(Some(&session), &["show", NAME]);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(!run.all().contains(&pat));

    // remove deletes the secret from the keyring, and the entry.
    let run = env.command(Some(&session), &["remove", NAME, "--yes"]);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert_eq!(session.lookup("ado-setup", NAME), None);
    assert!(!env.config_text().contains(NAME), "{}", env.config_text());
}

#[test]
fn a_locked_collection_is_a_clear_failure_within_the_timeout() {
    let Some(session) = SecretService::start("secret service: locked collection") else {
        return;
    };
    let env = env();
    let run = env.connect(Some(&session), &[], &[]);
    assert_eq!(run.exit, 0, "{}", run.all());
    session.lock();

    // doctor: the secret cannot be read; said with its code and fix.
    let run = env.command(Some(&session), &["doctor", NAME, "--json"]);
    assert_eq!(run.exit, 1, "{}", run.all());
    let check = run.check("storage.secret");
    assert_eq!(check["status"], "fail", "{}", run.stdout);
    assert_eq!(check["code"], "SECRET_STORE_UNAVAILABLE");
    let fix = check["fix"].to_string();
    assert!(fix.contains("unlock") || fix.contains("Unlock"), "{fix}");
    // The human output says the same in words, and no D-Bus jargon leaks.
    let run = env.command(Some(&session), &["doctor", NAME]);
    assert_eq!(run.exit, 1, "{}", run.all());
    assert!(
        run.stdout.contains("SECRET_STORE_UNAVAILABLE"),
        "{}",
        run.stdout
    );

    // A new connection with the default store: the round trip fails, so
    // nothing is saved and the stores to choose from are named.
    let run = env.connect(Some(&session), &[], &["--name", "second-try"]);
    assert_ne!(run.exit, 0, "{}", run.all());
    assert!(
        run.all().contains("SECRET_STORE_UNAVAILABLE"),
        "{}",
        run.all()
    );
    assert!(run.all().contains("--secret-store"), "{}", run.all());
    assert!(!env.config_text().contains("second-try"));
}

#[test]
fn the_daemon_killed_between_two_commands_is_named_not_a_crash() {
    let Some(mut session) = SecretService::start("secret service: daemon killed") else {
        return;
    };
    let env = env();
    let run = env.connect(Some(&session), &[], &[]);
    assert_eq!(run.exit, 0, "{}", run.all());
    let before = env.config_text();
    session.kill_keyring();

    let run = env.command(Some(&session), &["doctor", NAME, "--json"]);
    assert_eq!(run.exit, 1, "{}", run.all());
    let check = run.check("storage.secret");
    assert_eq!(check["status"], "fail", "{}", run.stdout);
    assert_eq!(check["code"], "SECRET_STORE_UNAVAILABLE");
    assert!(
        check["message"]
            .as_str()
            .is_some_and(|m| m.contains("no Secret Service provider")),
        "{check}"
    );
    assert_eq!(env.config_text(), before, "doctor changed nothing");
    // remove takes the entry out as asked, and says the secret is still in
    // the keyring with the command that clears it once the keyring is back.
    let run = env.command(Some(&session), &["remove", NAME, "--yes"]);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(
        run.stderr.contains("SECRET_STORE_UNAVAILABLE"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains(&format!(
            "secret-tool clear service ado-setup username {NAME}"
        )),
        "{}",
        run.stderr
    );
    assert!(!env.config_text().contains(NAME));
}

/// `cmd` run by `keyctl session NAME`: in the named session keyring, as a
/// login session gives one (pam_keyinit); consecutive commands share it.
fn in_key_session(cmd: &Command, session: &str) -> Command {
    let mut k = Command::new("keyctl");
    k.args(["session", session])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => k.env(key, v),
            None => k.env_remove(key),
        };
    }
    k
}

/// The kernel keyring (keyutils), written, read and deleted for real: the
/// key is found by `keyctl` between commands.
#[test]
fn the_kernel_keyring_is_written_read_and_deleted() {
    if !on_path("keyctl") {
        skip(
            "keyutils: connect, doctor, remove",
            "no keyctl here (apt-get install keyutils)",
        );
        return;
    }
    let env = env();
    let pat = env.sb.pat().to_string();
    let name = format!("keyutils-{}", std::process::id());
    let session = format!("ado-setup-test-{}", std::process::id());
    let description = format!("keyring:{name}@ado-setup");
    // The store links the user's persistent keyring into the session and
    // keeps the key there too: look where it does.
    let keyctl_read = || {
        let out = Command::new("keyctl")
            .args(["session", &session, "sh", "-c"])
            .arg(format!(
                "keyctl get_persistent @s >/dev/null && id=$(keyctl search @s user '{description}') \
                 && keyctl pipe \"$id\""
            ))
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let run_in_session = |args: &[&str], stdin: Option<&str>| {
        let run = support::run::run(in_key_session(&env.cmd(None, args), &session), stdin);
        assert_no_panic(&run);
        run
    };

    let mut connect = vec!["--secret-store", "keyutils", "connect", "--non-interactive"];
    connect.extend(["--pat-stdin", "--name", &name]);
    connect.extend_from_slice(ARGS);
    let run = run_in_session(&connect, Some(&pat));
    assert_eq!(run.exit, 0, "{}", run.all());
    assert!(env.config_text().contains("store = \"keyutils\""));
    assert_eq!(
        keyctl_read().as_deref(),
        Some(pat.as_str()),
        "keyctl reads the key"
    );
    assert!(files_with(env.tmp.path(), &pat).is_empty());
    assert!(!run.all().contains(&pat));

    let run = run_in_session(&["doctor", &name, "--json"], None);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert_eq!(
        run.check("storage.secret")["status"],
        "pass",
        "{}",
        run.stdout
    );

    let run = run_in_session(&["remove", &name, "--yes"], None);
    assert_eq!(run.exit, 0, "{}", run.all());
    assert_eq!(keyctl_read(), None, "the key is deleted");
}

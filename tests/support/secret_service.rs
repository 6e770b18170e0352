//! A real Secret Service for tests: a private D-Bus session bus and
//! `gnome-keyring-daemon --unlock --components=secrets` on it — what
//! `dbus-run-session` and an unlocked desktop session give an admin. Each
//! test gets its own bus, so one can lock the collection or kill the daemon
//! without touching another.
//!
//! The bus has no service activation: a killed daemon stays dead (instead of
//! being started again, locked), and an unlock prompt cannot be shown.
//!
//! Where `dbus-daemon`, `gnome-keyring-daemon`, `dbus-send` or `secret-tool`
//! is missing, [`SecretService::start`] says so on stderr and the test skips,
//! except under CI (`CI` set), where `.ci/run` installs them and a skip is a
//! failure.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use super::skip;

const TOOLS: &[&str] = &[
    "dbus-daemon",
    "gnome-keyring-daemon",
    "dbus-send",
    "secret-tool",
];

/// The password of the test's login keyring.
const PASSWORD: &str = "ado-setup-test-keyring";

/// A private session bus with an unlocked GNOME Keyring on it.
pub struct SecretService {
    dir: tempfile::TempDir,
    address: String,
    bus: Child,
    keyring: Option<Child>,
}

/// Whether `tool` is on `PATH`.
pub fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(tool).is_file()))
}

impl SecretService {
    /// Starts a bus and an unlocked keyring, or `None` when this machine
    /// cannot (said on stderr; a failure under CI).
    pub fn start(test: &str) -> Option<SecretService> {
        let missing: Vec<&str> = TOOLS.iter().copied().filter(|t| !on_path(t)).collect();
        if !missing.is_empty() {
            skip(
                test,
                &format!(
                    "no {} here (apt-get install dbus gnome-keyring libsecret-tools)",
                    missing.join(", ")
                ),
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let conf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().to_string();
        assert!(address.starts_with("unix:"), "dbus-daemon said {line:?}");
        let mut service = SecretService {
            dir,
            address,
            bus,
            keyring: None,
        };
        service.start_keyring();
        Some(service)
    }

    fn start_keyring(&mut self) {
        let run = self.dir.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_RUNTIME_DIR", &run)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The login keyring's password, then end of input.
        let mut stdin = keyring.stdin.take().unwrap();
        stdin.write_all(PASSWORD.as_bytes()).unwrap();
        drop(stdin);
        self.keyring = Some(keyring);
        for _ in 0..200 {
            if self.has_owner("org.freedesktop.secrets") {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("gnome-keyring-daemon did not take org.freedesktop.secrets on the test bus");
    }

    fn dbus_send(&self, args: &[&str]) -> std::process::Output {
        Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .arg("--print-reply")
            .args(args)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()
            .unwrap()
    }

    fn has_owner(&self, name: &str) -> bool {
        let out = self.dbus_send(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ]);
        String::from_utf8_lossy(&out.stdout).contains("boolean true")
    }

    /// The bus address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A folder of this session's, for the test's own files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Points `cmd` at this session's bus.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
    }

    /// What `secret-tool lookup service SERVICE username ACCOUNT` finds: the
    /// secret ado-setup keeps for a connection, read by another program.
    pub fn lookup(&self, service: &str, account: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", account])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Stores `secret` with `secret-tool`, as another program would.
    pub fn store(&self, service: &str, account: &str, secret: &str) {
        let mut child = Command::new("secret-tool")
            .args(["store", "--label=test", "service", service])
            .args(["username", account])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(secret.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "secret-tool store failed");
    }

    /// Locks the login collection (as a screen lock or a timeout would).
    pub fn lock(&self) {
        let out = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ]);
        assert!(
            out.status.success(),
            "Lock: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Kills the keyring daemon (the bus stays): the Secret Service is gone.
    pub fn kill_keyring(&mut self) {
        if let Some(mut k) = self.keyring.take() {
            let _ = k.kill();
            let _ = k.wait();
        }
        for _ in 0..200 {
            if !self.has_owner("org.freedesktop.secrets") {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("org.freedesktop.secrets is still owned after the kill");
    }

    /// The keyring's files (to search them for a secret in clear).
    pub fn keyring_dir(&self) -> PathBuf {
        self.dir.path().join("data").join("keyrings")
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        if let Some(mut k) = self.keyring.take() {
            let _ = k.kill();
            let _ = k.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

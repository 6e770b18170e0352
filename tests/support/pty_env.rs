//! The binary in a pseudo-terminal (portable-pty + vt100), in a hermetic
//! environment: [`Hermetic`] is what a launched binary sees (a temporary
//! `HOME`, a `PATH` holding only a stand-in `az`, and nothing of the host's
//! environment — no proxies, no `XDG_*`, no `AZURE_DEVOPS_EXT_PAT`, no
//! `ADO_SETUP_*`); [`Tty`] runs the binary in it and reads the screen.
//!
//! The binary is the release build (`target/release/ado-setup`, which CI
//! builds first) when it is newer than every source file; otherwise — say,
//! after an edit without `cargo build --release` — the test build, and the
//! tests say so on stderr. `ADO_SETUP_PTY_BINARY` names another binary.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};

/// What the stand-in `az` writes on stderr: the Azure CLI's words when no
/// one is signed in.
pub const AZ_NOT_SIGNED_IN: &str = "ERROR: Please run 'az login' to setup account.";

/// A temporary home for one or more launches of the binary: `home/` (the
/// `HOME` and working directory), `bin/` (the whole `PATH`: a stand-in `az`
/// that records each call in `az-calls.log` and answers that no one is
/// signed in), and `config/` (for `--config-dir`).
pub struct Hermetic {
    tmp: tempfile::TempDir,
}

impl Default for Hermetic {
    fn default() -> Self {
        Self::new()
    }
}

impl Hermetic {
    pub fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        for d in ["home", "bin"] {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        let h = Hermetic { tmp };
        // Shell built-ins only: nothing else is on PATH.
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\necho \"{AZ_NOT_SIGNED_IN}\" >&2\nexit 1\n",
            h.az_log().display()
        );
        let az = h.bin().join("az");
        std::fs::write(&az, script).unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        h
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    pub fn bin(&self) -> PathBuf {
        self.tmp.path().join("bin")
    }

    /// For `--config-dir` (not created: the binary makes it).
    pub fn config_dir(&self) -> PathBuf {
        self.tmp.path().join("config")
    }

    fn az_log(&self) -> PathBuf {
        self.tmp.path().join("az-calls.log")
    }

    /// The argument lists the stand-in `az` was called with, one a call.
    pub fn az_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.az_log())
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Every variable a launched binary gets (callers add their own).
    pub fn vars(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HOME", self.home()),
            ("PATH", self.bin()),
            ("TERM", PathBuf::from("xterm-256color")),
        ]
    }

    /// Makes `cmd` see this environment and nothing of the host's.
    pub fn apply_pty(&self, cmd: &mut CommandBuilder) {
        cmd.env_clear();
        for (k, v) in self.vars() {
            cmd.env(k, v);
        }
        cmd.cwd(self.home());
    }

    /// [`Hermetic::apply_pty`] for a `std::process::Command`.
    pub fn apply_std(&self, cmd: &mut std::process::Command) {
        cmd.env_clear();
        for (k, v) in self.vars() {
            cmd.env(k, v);
        }
        cmd.current_dir(self.home());
    }
}

/// The variables that point the binary at the sandbox at `base`: its Azure
/// DevOps, identity, profile, Entra and instance metadata endpoints.
pub fn sandbox_vars(sb: &ado_setup::sandbox::Sandbox) -> Vec<(&'static str, String)> {
    vec![
        ("ADO_SETUP_DEVOPS_URL", sb.devops_url()),
        ("ADO_SETUP_VSSPS_URL", sb.vssps_url()),
        ("ADO_SETUP_PROFILE_URL", sb.profile_url()),
        ("ADO_SETUP_AUTHORITY_URL", sb.authority_url()),
        ("ADO_SETUP_IMDS_URL", sb.imds_url()),
    ]
}

/// The newest modification time of the files the binary is built from.
fn newest_source() -> SystemTime {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![
        root.join("src"),
        root.join("assets"),
        root.join("Cargo.toml"),
        root.join("Cargo.lock"),
    ];
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if let Ok(m) = meta.modified() {
            newest = newest.max(m);
        }
    }
    newest
}

/// The binary the PTY tests run (see the module comment).
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(p) = std::env::var_os("ADO_SETUP_PTY_BINARY") {
            return PathBuf::from(p);
        }
        let test_build = PathBuf::from(env!("CARGO_BIN_EXE_ado-setup"));
        let release = test_build
            .parent()
            .and_then(Path::parent)
            .map(|target| target.join("release").join("ado-setup"));
        let fresh = release.as_ref().filter(|r| {
            std::fs::metadata(r)
                .and_then(|m| m.modified())
                .is_ok_and(|built| built >= newest_source())
        });
        match fresh {
            Some(r) => {
                eprintln!("PTY tests: the release binary {}", r.display());
                r.clone()
            }
            None => {
                eprintln!(
                    "PTY tests: NOT the release binary (missing or older than the sources; \
                     run `cargo build --release --locked` first): using {}",
                    test_build.display()
                );
                test_build
            }
        }
    })
}

fn pty_size(rows: u16, cols: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// The binary in a pseudo-terminal, and everything it wrote.
pub struct Tty {
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Kept open for as long as the test runs (and for resizing).
    master: Box<dyn MasterPty + Send>,
    /// Size changes: the output offset at which each took effect, rows, cols.
    resizes: Vec<(usize, u16, u16)>,
    /// The environment of a launch that was not given one.
    _own: Option<Hermetic>,
}

impl Tty {
    /// [`binary`] with `args` in a fresh [`Hermetic`] environment plus
    /// `env`, under `NO_COLOR=1`.
    pub fn spawn<V: AsRef<OsStr>>(args: &[&str], env: &[(&str, V)]) -> Tty {
        Tty::spawn_with(args, env, true)
    }

    /// `no_color`: set `NO_COLOR=1`, else leave it unset.
    pub fn spawn_with<V: AsRef<OsStr>>(args: &[&str], env: &[(&str, V)], no_color: bool) -> Tty {
        Tty::spawn_binary(binary(), args, env, no_color)
    }

    pub fn spawn_binary<V: AsRef<OsStr>>(
        bin: &Path,
        args: &[&str],
        env: &[(&str, V)],
        no_color: bool,
    ) -> Tty {
        let own = Hermetic::new();
        let mut tty = Tty::spawn_in(&own, bin, args, env, no_color);
        tty._own = Some(own);
        tty
    }

    /// [`binary`] with `args` in `h` plus `env`, under `NO_COLOR=1`.
    pub fn launch<V: AsRef<OsStr>>(h: &Hermetic, args: &[&str], env: &[(&str, V)]) -> Tty {
        Tty::spawn_in(h, binary(), args, env, true)
    }

    fn spawn_in<V: AsRef<OsStr>>(
        h: &Hermetic,
        bin: &Path,
        args: &[&str],
        env: &[(&str, V)],
        no_color: bool,
    ) -> Tty {
        let pty = native_pty_system().openpty(pty_size(24, 80)).unwrap();
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        h.apply_pty(&mut cmd);
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        Tty {
            raw,
            writer,
            child,
            master: pty.master,
            resizes: vec![(0, 24, 80)],
            _own: None,
        }
    }

    /// Resizes the terminal (the binary gets SIGWINCH); the emulator takes
    /// the new size from the output received so far on.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let at = self.raw.lock().unwrap().len();
        self.master.resize(pty_size(rows, cols)).unwrap();
        self.resizes.push((at, rows, cols));
    }

    /// The emulated terminal after everything received, replaying the
    /// resizes where they happened.
    pub fn screen(&self) -> vt100::Parser {
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let raw = self.raw.lock().unwrap();
        let (_, rows, cols) = self.resizes[0];
        let mut p = vt100::Parser::new(size(rows), size(cols), 0);
        let mut done = 0;
        for &(at, rows, cols) in &self.resizes[1..] {
            let at = at.min(raw.len());
            p.process(&raw[done..at]);
            p.set_size(size(rows), size(cols));
            done = at;
        }
        p.process(&raw[done..]);
        p
    }

    pub fn contents(&self) -> String {
        self.screen().screen().contents()
    }

    /// Waits (with backoff, up to 30 s) until the screen shows `text`.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text));
    }

    /// Waits (with backoff, up to 30 s) until `ready` holds for the screen.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) {
        let started = Instant::now();
        let mut delay = Duration::from_millis(10);
        while started.elapsed() < Duration::from_secs(30) {
            if ready(&self.contents()) {
                // A stable frame: give the loop a moment to finish drawing.
                std::thread::sleep(Duration::from_millis(30));
                return;
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(200));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.contents());
    }

    /// Waits until nothing new has been drawn for a while (before asserting
    /// that something is absent).
    pub fn wait_stable(&self) {
        let started = Instant::now();
        let mut last = self.raw.lock().unwrap().len();
        let mut quiet = 0;
        while quiet < 3 && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(100));
            let now = self.raw.lock().unwrap().len();
            if now == last {
                quiet += 1;
            } else {
                quiet = 0;
                last = now;
            }
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn wait_exit(&mut self) -> u32 {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the binary did not exit; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    /// The terminal after the binary left: main screen, cursor visible, no
    /// bracketed paste left on.
    pub fn assert_restored(&self) {
        let p = self.screen();
        assert!(
            !p.screen().alternate_screen(),
            "still on the alternate screen"
        );
        assert!(!p.screen().hide_cursor(), "cursor still hidden");
        let raw = self.raw_text();
        let on = raw.rfind("\x1b[?2004h");
        let off = raw.rfind("\x1b[?2004l");
        assert!(off > on, "bracketed paste left on");
    }
}

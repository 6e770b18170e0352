//! The real binary in a pseudo-terminal (portable-pty + vt100): the demo's
//! first screen, quitting with `q`, a full PAT run to Done, SIGTERM — and the
//! terminal restored every time (alternate screen left, cursor shown,
//! bracketed paste off). The PAT is searched for in everything the binary
//! drew, printed and wrote (log included).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Tty {
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Tty {
    fn spawn(args: &[&str], env: &[(&str, &Path)]) -> Tty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ado-setup"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
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
            let _keep_master_open = pty.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        Tty { raw, writer, child }
    }

    fn screen(&self) -> vt100::Parser {
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut p = vt100::Parser::new(size(24), size(80), 0);
        p.process(&self.raw.lock().unwrap());
        p
    }

    fn contents(&self) -> String {
        self.screen().screen().contents()
    }

    fn wait_for(&self, text: &str) {
        let started = Instant::now();
        let mut delay = Duration::from_millis(10);
        while started.elapsed() < Duration::from_secs(30) {
            if self.contents().contains(text) {
                // A stable frame: give the loop a moment to finish drawing.
                std::thread::sleep(Duration::from_millis(30));
                return;
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(200));
        }
        panic!(
            "timed out waiting for {text:?}; screen:\n{}",
            self.contents()
        );
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self) -> u32 {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the binary did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    /// The terminal after the binary left: main screen, cursor visible, no
    /// bracketed paste left on.
    fn assert_restored(&self) {
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

fn home(tmp: &Path) -> Vec<(&'static str, std::path::PathBuf)> {
    vec![
        ("HOME", tmp.to_path_buf()),
        ("XDG_CONFIG_HOME", tmp.join("config")),
        ("XDG_STATE_HOME", tmp.join("state")),
        ("XDG_DATA_HOME", tmp.join("data")),
    ]
}

fn env_refs<'a>(v: &'a [(&'static str, std::path::PathBuf)]) -> Vec<(&'static str, &'a Path)> {
    v.iter().map(|(k, p)| (*k, p.as_path())).collect()
}

#[test]
fn demo_shows_the_first_screen_and_q_restores_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let env = home(tmp.path());
    let mut tty = Tty::spawn(&["demo"], &env_refs(&env));
    tty.wait_for("Where does Azure Boards run?");
    let screen = tty.contents();
    assert!(screen.contains("› 1 Azure DevOps Services"), "{screen}");
    assert!(screen.contains("Step 1 of 9"));
    tty.send("q");
    assert_eq!(tty.wait_exit(), 130);
    tty.assert_restored();
}

#[test]
fn a_full_pat_run_to_done_and_the_pat_is_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let env = home(tmp.path());
    let mut tty = Tty::spawn(&["demo", "-v"], &env_refs(&env));
    tty.wait_for("Where does Azure Boards run?");
    tty.send("\r");
    tty.wait_for("Organization name, or paste");
    // A pasted project URL, as bracketed paste.
    tty.send("\x1b[200~https://dev.azure.com/contoso-agile/Payments%20Platform/_git/api\x1b[201~");
    tty.wait_for("Payments%20Platform/_git/api");
    tty.send("\r");
    tty.wait_for("Press Enter for a code");
    tty.send("\t"); // Personal access token
    tty.wait_for("sandbox's token is filled in");
    tty.send("\r");
    tty.wait_for("Organization: contoso-agile");
    tty.send("\r");
    tty.wait_for("› Payments Platform");
    tty.send("\r");
    tty.wait_for("Iteration path");
    tty.send("\r");
    tty.wait_for("Allowlist status: direct");
    tty.send("\r");
    tty.wait_for("0 failed");
    tty.send("\r");
    tty.wait_for("Connection contoso-agile-payments-platform saved");
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
    let out = tty.contents();
    assert!(
        out.contains("Saved connection contoso-agile-payments-platform"),
        "{out}"
    );

    // The sandbox's PAT: not in anything drawn or printed, nor in any file
    // the run left (the log included).
    let pat = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let sb = ado_setup::sandbox::Sandbox::start(Default::default())
                .await
                .unwrap();
            sb.pat().to_string()
        })
    };
    assert!(
        !tty.raw_text().contains(&pat),
        "the PAT reached the terminal"
    );
    let mut files = Vec::new();
    let mut stack = vec![tmp.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    assert!(
        files.iter().any(|f| f.ends_with("ado-setup.log")),
        "-v wrote no log: {files:?}"
    );
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(!text.contains(&pat), "the PAT is in {}", f.display());
    }
}

#[test]
fn a_full_microsoft_sign_in_run_to_done() {
    let tmp = tempfile::tempdir().unwrap();
    let env = home(tmp.path());
    let mut tty = Tty::spawn(&["demo"], &env_refs(&env));
    tty.wait_for("Where does Azure Boards run?");
    tty.send("\r");
    tty.wait_for("Organization name, or paste");
    tty.send("contoso-scrum");
    tty.wait_for("Organization: contoso-scrum");
    tty.send("\r");
    tty.wait_for("Press Enter for a code");
    tty.send("\r");
    // The code and the page, then (the sandbox approves after 3 s) the
    // organization list of the user's directory, this one preselected.
    tty.wait_for("Enter the code:");
    assert!(
        tty.contents().contains("/devicelogin"),
        "{}",
        tty.contents()
    );
    tty.wait_for("› contoso-scrum");
    assert!(tty.contents().contains("Signed in as Avery Lindqvist"));
    tty.send("\r");
    tty.wait_for("Inventory Service");
    tty.send("\r");
    tty.wait_for("Iteration path");
    tty.send("\r");
    tty.wait_for("Allowlist status: direct");
    tty.send("\r");
    tty.wait_for("0 failed");
    tty.send("\r");
    tty.wait_for("saved");
    tty.send("\r");
    assert_eq!(tty.wait_exit(), 0);
    tty.assert_restored();
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["-TERM", "-HUP"] {
        let tmp = tempfile::tempdir().unwrap();
        let env = home(tmp.path());
        let mut tty = Tty::spawn(&["demo"], &env_refs(&env));
        tty.wait_for("Where does Azure Boards run?");
        tty.send("\r");
        tty.wait_for("Organization name, or paste");
        tty.send("contoso");
        tty.wait_for("Organization: contoso");
        let pid = tty.child.process_id().unwrap();
        let ok = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(tty.wait_exit(), 130, "{signal}");
        tty.assert_restored();
    }
}

#[test]
fn a_panic_restores_the_terminal() {
    // Debug builds panic on purpose after the first frame when asked to.
    if !cfg!(debug_assertions) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut env = home(tmp.path());
    env.push(("ADO_SETUP_TEST_PANIC", tmp.path().to_path_buf()));
    let mut tty = Tty::spawn(&["demo"], &env_refs(&env));
    assert_eq!(tty.wait_exit(), 101);
    tty.assert_restored();
    assert!(
        tty.raw_text().contains("panic requested"),
        "{}",
        tty.raw_text()
    );
}

//! Running the binary to its end: what it printed and how it exited, with
//! a guard against a hang, and a search of what it left on disk.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How a run of the binary ended.
pub struct Run {
    /// The exit code (-1 when a signal ended it).
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output and standard error, one after the other.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Standard output as JSON (`Null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or(Value::Null)
    }

    /// The check `id` of a `--json` answer (`Null` when there is none).
    pub fn check(&self, id: &str) -> Value {
        self.json()["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id).cloned())
            .unwrap_or(Value::Null)
    }
}

/// Runs `cmd` with `stdin` (then end of input) to its end. One that has
/// not ended after a minute is killed and fails the test: a guard against
/// a hang, not a measure of speed.
pub fn run(mut cmd: Command, stdin: Option<&str>) -> Run {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot start {:?}: {e}", cmd.get_program()),
    };
    if let Some(mut input) = child.stdin.take()
        && let Some(text) = stdin
    {
        // A binary that exits before reading its input is not an error here.
        let _ = input.write_all(text.as_bytes());
    }
    // Output is read on threads so a full pipe never stalls the child.
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = read(child.stdout.take().map(|p| Box::new(p) as _));
    let err = read(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > Duration::from_secs(60) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{:?} did not end within a minute:\n{}{}",
                    cmd.get_args().collect::<Vec<_>>(),
                    out.join().unwrap_or_default(),
                    err.join().unwrap_or_default()
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("wait: {e}"),
        }
    };
    Run {
        exit: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Every file under `dir` (recursively) whose bytes hold `needle`.
pub fn files_with(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return hits;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            hits.extend(files_with(&p, needle));
        } else if std::fs::read(&p).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle)) {
            hits.push(p);
        }
    }
    hits
}

//! The quality bars of SPEC §8, measured (release build) and printed as a
//! table, or as JSON with `--json`:
//!
//! - time from process start to the first frame (the real binary, `demo`, in
//!   a pseudo-terminal; median of 5 starts) — target ≤ 50 ms;
//! - per-keystroke update + redraw (p50/p99) in the project list with 10,000
//!   projects and in the area picker with a 20,000-node tree, each while a
//!   request is in flight — target p99 ≤ 16 ms;
//! - `doctor` (the real binary) against the sandbox with 100 ms added to
//!   every answer: wall time next to the sum of its requests' latencies — the
//!   concurrency factor, target ≥ 3;
//! - peak memory (VmHWM) of the wizard through a full run that loads the
//!   22,221-node Enterprise Portfolio area tree (against a sandbox in this
//!   process, as Azure DevOps runs elsewhere) — target ≤ 50 MB.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench [-- --json]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ado_setup::tui::screens::render;
use ado_setup::tui::theme::Theme;
use ado_setup::wizard::filter::FilterList;
use ado_setup::wizard::tree::{TreeNode, TreePicker};
use ado_setup::wizard::{
    MappingData, MappingForm, Msg, Pending, Picker, ProjectItem, Settings, SignInSettings, Step,
    TypeChoice, TypeFields, Wizard, update,
};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use url::Url;

fn binary() -> PathBuf {
    // target/release/examples/bench → target/release/ado-setup
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("ado-setup")
}

fn settings() -> Settings {
    let u = |s: &str| Url::parse(s).unwrap();
    Settings {
        devops_base: u("https://dev.azure.com"),
        vssps_base: u("https://vssps.dev.azure.com"),
        profile_base: u("https://app.vssps.visualstudio.com"),
        authority_base: u("https://login.microsoftonline.com"),
        allow_http: false,
        demo: false,
        existing: Vec::new(),
        secret_store: "the OS keyring".into(),
        hints: Vec::new(),
        sign_in: SignInSettings::default(),
        store_problem: None,
        store_dir: String::new(),
        draft: None,
    }
}

fn key(c: char) -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn backspace() -> Msg {
    Msg::Term(Event::Key(KeyEvent::new(
        KeyCode::Backspace,
        KeyModifiers::NONE,
    )))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Types `queries` one key at a time (then erases them), timing update +
/// a full redraw at 80×24 per key.
fn keystrokes(w: &mut Wizard, queries: &[&str]) -> Vec<Duration> {
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let theme = Theme::plain();
    let mut times = Vec::new();
    let mut timed = |w: &mut Wizard, msg: Msg| {
        let t = Instant::now();
        update(w, msg);
        term.draw(|f| render(f, w, &theme)).unwrap();
        times.push(t.elapsed());
    };
    for q in queries {
        for c in q.chars() {
            timed(w, key(c));
        }
        for _ in q.chars() {
            timed(w, backspace());
        }
    }
    times.sort();
    times
}

fn pending(step: Step) -> Option<Pending> {
    Some(Pending {
        id: 1,
        step,
        since_tick: 0,
        cancellable: true,
    })
}

/// The project list with 10,000 projects, a request in flight.
fn project_list() -> Vec<Duration> {
    let words = [
        "Payments", "Portal", "Billing", "Ledger", "Insights", "Gateway", "Mobile", "Data",
    ];
    let items: Vec<ProjectItem> = (0..10_000)
        .map(|i| ProjectItem {
            id: format!("{i:08}"),
            name: format!("{} {} {i}", words[i % 8], words[(i / 8) % 8]),
            description: format!("Project number {i}"),
            visibility: "private".into(),
            process: "Agile".into(),
        })
        .collect();
    let mut w = Wizard::new(settings());
    w.step = Step::Project;
    w.projects = FilterList::new(items);
    w.projects_loaded = true;
    w.pending = pending(Step::Project);
    keystrokes(&mut w, &["pay led 77", "insights gateway", "zz"])
}

/// The area picker with a 20,000-node tree, a request in flight.
fn area_picker() -> (Duration, Vec<Duration>) {
    let mut nodes = vec![TreeNode {
        name: "Enterprise Portfolio".into(),
        path: "Enterprise Portfolio".into(),
        depth: 0,
        parent: None,
    }];
    for d in 0..20 {
        let di = nodes.len() as u32;
        let dp = format!("Enterprise Portfolio\\Division {d}");
        nodes.push(TreeNode {
            name: format!("Division {d}"),
            path: dp.clone(),
            depth: 1,
            parent: Some(0),
        });
        for t in 0..100 {
            let ti = nodes.len() as u32;
            let tp = format!("{dp}\\Team {d}-{t}");
            nodes.push(TreeNode {
                name: format!("Team {d}-{t}"),
                path: tp.clone(),
                depth: 2,
                parent: Some(di),
            });
            for c in 0..9 {
                let name = format!("{} {c}", ["Backend", "Frontend", "Ops"][c % 3]);
                nodes.push(TreeNode {
                    path: format!("{tp}\\{name}"),
                    name,
                    depth: 3,
                    parent: Some(ti),
                });
            }
        }
    }
    let open = Instant::now();
    let areas = TreePicker::new(nodes.clone());
    let open = open.elapsed();
    let data = MappingData {
        types: vec![TypeChoice {
            name: "Issue".into(),
            states: vec!["Active".into(), "Closed".into()],
        }],
        default_type: "Issue".into(),
        areas,
        iterations: TreePicker::new(nodes[..1].to_vec()),
        default_area: "Enterprise Portfolio".into(),
        default_iteration: "Enterprise Portfolio".into(),
        members: Vec::new(),
        fields: TypeFields::default(),
    };
    let mut w = Wizard::new(settings());
    w.step = Step::Mapping;
    let mut form = MappingForm::new(Box::new(data));
    form.picker = Some(Picker::Area);
    w.form = Some(form);
    w.pending = pending(Step::Mapping);
    (
        open,
        keystrokes(&mut w, &["team 7-42 ops", "backend 3", "zz"]),
    )
}

/// Bytes a pseudo-terminal has received from the child so far.
struct Pty {
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    fn spawn(args: &[&str], home: &std::path::Path) -> Pty {
        Pty::spawn_env(args, home, &[])
    }

    fn spawn_env(args: &[&str], home: &std::path::Path, env: &[(&str, String)]) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(binary());
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            raw,
            writer: pty.master.take_writer().unwrap(),
            child,
            _master: pty.master,
        }
    }

    fn screen(&self) -> String {
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut p = vt100::Parser::new(size(24), size(80), 0);
        p.process(&self.raw.lock().unwrap());
        p.screen().contents()
    }

    fn wait_for(&self, text: &str) {
        let started = Instant::now();
        while !self.screen().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting for {text:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

/// Process start to the first complete frame of `demo`.
fn first_frame() -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..5 {
        let home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let mut pty = Pty::spawn(&["demo"], home.path());
        pty.wait_for("Where does Azure Boards run?");
        times.push(started.elapsed());
        pty.send("q");
        let _ = pty.child.wait();
    }
    times.sort();
    times
}

/// Peak RSS of the wizard (the binary, not the sandbox: that runs in this
/// process, as Azure DevOps would run elsewhere) through a full run that
/// loads the 22,221-node area tree, in KiB.
fn peak_rss() -> u64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt
        .block_on(ado_setup::sandbox::Sandbox::start(Default::default()))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cfg");
    let env = [
        ("ADO_SETUP_DEVOPS_URL", sb.devops_url()),
        ("ADO_SETUP_VSSPS_URL", sb.vssps_url()),
        ("ADO_SETUP_PROFILE_URL", sb.profile_url()),
        ("ADO_SETUP_AUTHORITY_URL", sb.authority_url()),
    ];
    let mut pty = Pty::spawn_env(
        &[
            "--allow-http",
            "--secret-store",
            "file",
            "--config-dir",
            dir.to_str().unwrap(),
        ],
        home.path(),
        &env,
    );
    pty.wait_for("Where does Azure Boards run?");
    pty.send("\r");
    pty.wait_for("Organization name, or paste");
    pty.send("contoso-agile");
    pty.send("\r");
    pty.wait_for("Press Enter for a code");
    pty.send("\t");
    pty.wait_for("Token:");
    pty.send(sb.pat());
    pty.send("\r");
    pty.wait_for("Organization: contoso-agile");
    pty.send("\r");
    pty.wait_for("Payments Platform");
    pty.send("enterprise portfolio");
    pty.wait_for("› Enterprise Portfolio");
    pty.send("\r");
    pty.wait_for("Check with a dry run");
    // Open the area picker (22,221 nodes) and filter it once.
    pty.send("\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\r");
    pty.send("x\x7f\x1b");
    pty.wait_for("Check with a dry run");
    pty.send("\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B\x1b[B\r");
    pty.wait_for("Allowlist status");
    pty.send("\r");
    pty.wait_for("failed");
    let pid = pty.child.process_id().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = pty.child.kill();
    hwm
}

/// `doctor` (the binary) against the sandbox with added latency.
fn doctor() -> (u64, Duration, Duration) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let latency = Duration::from_millis(100);
    let sb = rt
        .block_on(ado_setup::sandbox::Sandbox::start(
            ado_setup::sandbox::SandboxOptions {
                latency,
                ..Default::default()
            },
        ))
        .unwrap();
    let before = sb.requests_served();
    let started = Instant::now();
    let out = std::process::Command::new(binary())
        .args([
            "doctor",
            "--json",
            "--allow-http",
            "--org",
            "contoso-agile",
            "--project",
            "Payments Platform",
            "--assignee",
            "avery.lindqvist@contoso.example",
        ])
        .env("ADO_SETUP_DEVOPS_URL", sb.devops_url())
        .env("ADO_SETUP_VSSPS_URL", sb.vssps_url())
        .env("ADO_SETUP_PROFILE_URL", sb.profile_url())
        .env("ADO_SETUP_AUTHORITY_URL", sb.authority_url())
        .env("AZURE_DEVOPS_EXT_PAT", sb.pat())
        .output()
        .unwrap();
    let wall = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "doctor failed");
    let requests = sb.requests_served() - before;
    (requests, latency * requests as u32, wall)
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    assert!(
        binary().exists(),
        "build the binary first: cargo build --release"
    );
    let frame = first_frame();
    let projects = project_list();
    let (tree_open, tree) = area_picker();
    let (requests, serial, wall) = doctor();
    let rss_kib = peak_rss();
    let factor = serial.as_secs_f64() / wall.as_secs_f64();
    let first = percentile(&frame, 0.5);
    let rows: Vec<(&str, String, &str, bool)> = vec![
        (
            "first frame (median of 5)",
            format!("{:.1} ms", ms(first)),
            "≤ 50 ms",
            ms(first) <= 50.0,
        ),
        (
            "keystroke, 10,000 projects (p50 / p99)",
            format!(
                "{:.2} / {:.2} ms",
                ms(percentile(&projects, 0.5)),
                ms(percentile(&projects, 0.99))
            ),
            "p99 ≤ 16 ms",
            ms(percentile(&projects, 0.99)) <= 16.0,
        ),
        (
            "keystroke, 20,000-node area tree (p50 / p99)",
            format!(
                "{:.2} / {:.2} ms",
                ms(percentile(&tree, 0.5)),
                ms(percentile(&tree, 0.99))
            ),
            "p99 ≤ 16 ms",
            ms(percentile(&tree, 0.99)) <= 16.0,
        ),
        (
            "area tree open (build the picker)",
            format!("{:.1} ms", ms(tree_open)),
            "",
            true,
        ),
        (
            "doctor: requests, serial sum, wall",
            format!(
                "{requests}, {} ms, {} ms",
                serial.as_millis(),
                wall.as_millis()
            ),
            "",
            true,
        ),
        (
            "doctor concurrency factor",
            format!("{factor:.2}"),
            "≥ 3",
            factor >= 3.0,
        ),
        (
            "peak RSS, wizard run through the 22,221-node tree",
            format!("{:.1} MB", rss_kib as f64 / 1024.0),
            "≤ 50 MB",
            rss_kib as f64 / 1024.0 <= 50.0,
        ),
    ];
    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(what, figure, target, met)| {
                serde_json::json!({"what": what, "figure": figure, "target": target, "met": met})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
    } else {
        for (what, figure, target, met) in &rows {
            let verdict = match (target.is_empty(), met) {
                (true, _) => "",
                (false, true) => "met",
                (false, false) => "MISSED",
            };
            println!("{what:<48} {figure:>22}  {target:<12} {verdict}");
        }
    }
}

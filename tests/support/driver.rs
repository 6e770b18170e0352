//! Drives whole wizard runs through the production driver loop
//! (`driver::run`) on an 80×24 `TestBackend`: scripted keys paced by the state
//! the loop reports, every frame kept as text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ado_setup::jobs::JobContext;
use ado_setup::tui::driver;
use ado_setup::tui::screens::render;
use ado_setup::tui::theme::Theme;
use ado_setup::wizard::{Outcome, Step, Wizard};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// One scripted action.
#[derive(Clone, Debug)]
pub enum Act {
    /// Wait until the wizard is idle on this step (fails on a problem).
    At(Step),
    Type(&'static str),
    Key(KeyCode),
    /// The key with Ctrl held.
    Ctrl(char),
    /// Wait until the wizard is idle showing a problem with this code (from
    /// then on, that code no longer fails an `At`).
    Problem(&'static str),
    /// Wait until the screen shows this text.
    Shows(String),
}

/// What the loop reported last.
#[derive(Default)]
struct Seen {
    step: Option<Step>,
    pending: bool,
    /// `CODE: message (fix)` of the problem shown.
    problem: Option<String>,
    /// Every frame ever drawn, as text.
    frames: Vec<String>,
}

/// `text` for the life of the test (what [`Act::Type`] takes).
pub fn leak(text: impl Into<String>) -> &'static str {
    Box::leak(text.into().into_boxed_str())
}

/// The jobs' context: a default HTTP client, the config and the file
/// secret store in `dir`.
pub fn file_jobs(dir: &std::path::Path) -> ado_setup::jobs::JobContext {
    ado_setup::jobs::JobContext {
        http: ado_setup::ado::http::HttpClient::new(Default::default()).unwrap(),
        config: ado_setup::store::config::ConfigStore::open(dir),
        secrets: ado_setup::store::secrets::SecretStore::file(dir),
    }
}

/// Wizard settings for the sandbox (or a fault prefix of it) at `base`:
/// its identity, profile and Entra endpoints under `base`, plain HTTP
/// allowed, and the demo's rule that the sandbox stands for every endpoint
/// (no `{org}.visualstudio.com` probe).
pub fn sandbox_settings(base: &str) -> ado_setup::wizard::Settings {
    let url = |s: String| url::Url::parse(&s).unwrap();
    ado_setup::wizard::Settings {
        devops_base: url(base.to_string()),
        vssps_base: url(format!("{base}/_vssps")),
        profile_base: url(format!("{base}/_profile")),
        authority_base: url(format!("{base}/_login")),
        allow_http: true,
        demo: true,
        secret_store: "test store".into(),
        ..super::wizard_settings()
    }
}

/// The wizard's screen at 80×24, as text (one line per row).
pub fn frame_text(w: &Wizard) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| render(f, w, &Theme::plain())).unwrap();
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..24 {
        for x in 0..80 {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// What a scripted run ended with.
pub struct Run {
    pub outcome: Outcome,
    /// The last screen.
    pub last: String,
    /// Every frame drawn.
    pub frames: Vec<String>,
    /// `CODE: message (fix)` of every problem the script waited for.
    pub problems: Vec<String>,
}

/// Runs `script` through `driver::run` from `wizard`. Each wait gives up after
/// `patience`; the whole run after twice that plus 30 s.
pub async fn drive_wizard(
    wizard: Wizard,
    jobs: JobContext,
    script: Vec<Act>,
    patience: Duration,
) -> Run {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let problems = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let pacer = {
        let seen = seen.clone();
        let problems = problems.clone();
        tokio::spawn(async move {
            let mut expected: Option<String> = None;
            let send = |code: KeyCode, mods: KeyModifiers| {
                tx.unbounded_send(Ok(Event::Key(KeyEvent::new(code, mods))))
                    .unwrap();
            };
            for act in script {
                match act {
                    Act::Problem(code) => {
                        let started = Instant::now();
                        loop {
                            {
                                let s = seen.lock().unwrap();
                                if let Some(p) = s
                                    .problem
                                    .as_ref()
                                    .filter(|p| !s.pending && p.starts_with(code))
                                {
                                    problems.lock().unwrap().push(p.clone());
                                    break;
                                }
                                assert!(
                                    started.elapsed() < patience,
                                    "timed out waiting for the problem {code}; last problem {:?}\n{}",
                                    s.problem,
                                    s.frames.last().cloned().unwrap_or_default()
                                );
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        expected = Some(code.to_string());
                    }
                    Act::At(step) => {
                        let started = Instant::now();
                        loop {
                            {
                                let s = seen.lock().unwrap();
                                if !s.pending {
                                    if let Some(p) = s.problem.as_ref().filter(|p| {
                                        expected.as_ref().is_none_or(|e| !p.starts_with(e.as_str()))
                                    }) {
                                        panic!(
                                            "waiting for {step:?}, got a problem: {p}\n{}",
                                            s.frames.last().cloned().unwrap_or_default()
                                        );
                                    }
                                    if s.step == Some(step) {
                                        break;
                                    }
                                }
                                assert!(
                                    started.elapsed() < patience,
                                    "timed out waiting for {step:?}\n{}",
                                    s.frames.last().cloned().unwrap_or_default()
                                );
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                    Act::Shows(text) => {
                        let started = Instant::now();
                        loop {
                            {
                                let s = seen.lock().unwrap();
                                if s.frames.last().is_some_and(|f| f.contains(text.as_str())) {
                                    break;
                                }
                                assert!(
                                    started.elapsed() < patience,
                                    "timed out waiting for {text:?} on screen:\n{}",
                                    s.frames.last().cloned().unwrap_or_default()
                                );
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                    Act::Type(text) => {
                        for c in text.chars() {
                            send(KeyCode::Char(c), KeyModifiers::NONE);
                        }
                    }
                    Act::Key(code) => send(code, KeyModifiers::NONE),
                    Act::Ctrl(c) => send(KeyCode::Char(c), KeyModifiers::CONTROL),
                }
            }
            // Keep the stream open: the wizard ends by quitting.
            std::mem::forget(tx);
        })
    };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let observe = {
        let seen = seen.clone();
        move |w: &Wizard| {
            let mut s = seen.lock().unwrap();
            s.step = Some(w.step);
            s.pending = w.is_pending();
            s.problem = w
                .problem
                .as_ref()
                .map(|p| format!("{}: {} ({})", p.code, p.message, p.fix));
            s.frames.push(frame_text(w));
        }
    };
    let run = driver::run(
        &mut terminal,
        wizard,
        rx,
        jobs,
        Theme::plain(),
        std::future::pending::<()>(),
        observe,
    );
    // A failed expectation in the script ends the run at once.
    let mut pacer = pacer;
    let mut pacer_done = false;
    let both = async {
        tokio::pin!(run);
        loop {
            tokio::select! {
                r = &mut run => break r,
                p = &mut pacer, if !pacer_done => {
                    pacer_done = true;
                    if let Err(e) = p {
                        std::panic::resume_unwind(e.into_panic());
                    }
                }
            }
        }
    };
    let (outcome, wizard) = tokio::time::timeout(patience * 2 + Duration::from_secs(30), both)
        .await
        .expect("the wizard finished in time")
        .expect("the wizard ran");
    if !pacer_done && let Err(e) = pacer.await {
        std::panic::resume_unwind(e.into_panic());
    }
    let last = frame_text(&wizard);
    let frames = std::mem::take(&mut seen.lock().unwrap().frames);
    let problems = std::mem::take(&mut *problems.lock().unwrap());
    Run {
        outcome,
        last,
        frames,
        problems,
    }
}

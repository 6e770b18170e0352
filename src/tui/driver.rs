//! The driver: draws the wizard, waits on terminal events, background results
//! and (only while something is pending) a tick, feeds each to the pure state
//! machine and performs the effects it returns. [`Driver`] is that loop's
//! core without a terminal (tests and headless runs use it directly);
//! [`run`] adds drawing and the event stream, generic over the ratatui
//! backend so tests drive this very loop on a `TestBackend`.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use crate::jobs::{JobContext, run as run_job};
use crate::tui::screens;
use crate::tui::theme::Theme;
use crate::wizard::{Effect, JobResult, Msg, Outcome, Step, Wizard, update};

/// How often the spinner advances while a job runs.
pub const TICK: Duration = Duration::from_millis(1000 / crate::wizard::TICKS_PER_SECOND);

/// How long a signal waits for a save in flight to finish.
pub const SAVE_GRACE: Duration = Duration::from_secs(5);

/// The wizard with its background jobs: applies messages, runs effects.
pub struct Driver {
    pub wizard: Wizard,
    ctx: JobContext,
    tx: mpsc::UnboundedSender<(u64, JobResult)>,
    rx: mpsc::UnboundedReceiver<(u64, JobResult)>,
    /// Dropping the set aborts every job still running.
    tasks: JoinSet<()>,
    running: HashMap<u64, AbortHandle>,
}

impl Driver {
    /// A driver for `wizard`, running jobs with `ctx`.
    pub fn new(wizard: Wizard, ctx: JobContext) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Driver {
            wizard,
            ctx,
            tx,
            rx,
            tasks: JoinSet::new(),
            running: HashMap::new(),
        }
    }

    /// Applies one message and performs its effects; `Some` when the wizard quits.
    pub fn apply(&mut self, msg: Msg) -> Option<Outcome> {
        let mut quit = None;
        let before = self.wizard.step;
        let mut effects = update(&mut self.wizard, msg);
        // Every step reached leaves a draft; a saved connection ends it.
        if let Some(d) = self.wizard.draft_after(before) {
            effects.push(Effect::SaveDraft(Box::new(d)));
        }
        if self.wizard.step == Step::Done && before != Step::Done && !self.wizard.settings.demo {
            effects.push(Effect::ClearDraft);
        }
        for effect in effects {
            match effect {
                Effect::Spawn { id, job } => {
                    let tx = self.tx.clone();
                    let ctx = self.ctx.clone();
                    let handle = self.tasks.spawn(async move {
                        let result = run_job(&ctx, *job).await;
                        let _ = tx.send((id, result));
                    });
                    self.running.insert(id, handle);
                }
                Effect::Cancel { id } => {
                    if let Some(h) = self.running.remove(&id) {
                        h.abort();
                    }
                }
                Effect::Quit(o) => quit = Some(o),
                Effect::OpenUrl(url) => {
                    if let Err(e) = open::that_detached(&url) {
                        tracing::warn!(error = %e, "could not open the browser");
                    }
                }
                Effect::Copy(text) => crate::tui::terminal::copy_to_clipboard(&text),
                Effect::SaveDraft(d) => {
                    if let Err(e) = crate::store::draft::save(self.ctx.config.dir(), &d) {
                        tracing::warn!(error = %e, "could not keep a draft of the answers");
                    }
                }
                Effect::ClearDraft => crate::store::draft::clear(self.ctx.config.dir()),
            }
        }
        quit
    }

    /// The next background result, as a message.
    pub async fn next_result(&mut self) -> Option<Msg> {
        let (id, result) = self.rx.recv().await?;
        // A secret store the user chose replaces the one jobs use.
        if let crate::wizard::JobResult::StoreOpened { store, .. } = &result
            && self.running.contains_key(&id)
        {
            self.ctx.secrets = store.clone();
        }
        self.running.remove(&id);
        while self.tasks.try_join_next().is_some() {}
        Some(Msg::Done { id, result })
    }

    /// Applies background results until nothing is pending.
    pub async fn settle(&mut self) -> Option<Outcome> {
        while self.wizard.is_pending() {
            let msg = self.next_result().await?;
            if let Some(o) = self.apply(msg) {
                return Some(o);
            }
        }
        None
    }
}

/// Runs the wizard until it quits, the events end, or `shutdown` resolves
/// (SIGTERM/SIGHUP). `observe` sees the state after every message (tests
/// use it to pace scripted input). Returns the outcome and the final state.
pub async fn run<B, S, F>(
    terminal: &mut Terminal<B>,
    wizard: Wizard,
    mut events: S,
    ctx: JobContext,
    theme: Theme,
    shutdown: F,
    mut observe: impl FnMut(&Wizard),
) -> anyhow::Result<(Outcome, Wizard)>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
    F: Future<Output = ()>,
{
    let mut driver = Driver::new(wizard, ctx);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    observe(&driver.wizard);

    let outcome = loop {
        terminal.draw(|f| screens::render(f, &driver.wizard, &theme))?;
        // Debug builds only: lets the PTY tests prove a panic restores the terminal.
        #[cfg(debug_assertions)]
        if std::env::var_os("ADO_SETUP_TEST_PANIC").is_some() {
            panic!("panic requested by ADO_SETUP_TEST_PANIC");
        }
        let pending = driver.wizard.is_pending();
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(e)) => Msg::Term(e),
                Some(Err(e)) => return Err(e.into()),
                None => break Outcome::Cancelled,
            },
            Some(msg) = driver.next_result() => msg,
            _ = tick.tick(), if pending => Msg::Tick,
            _ = &mut shutdown => {
                // A save in flight finishes (or rolls back) before we leave,
                // so a signal never splits a secret from its connection.
                if driver.wizard.pending.is_some_and(|p| !p.cancellable) {
                    let _ = tokio::time::timeout(SAVE_GRACE, driver.settle()).await;
                }
                break match driver.wizard.saved.clone() {
                    Some(s) => Outcome::Saved(s),
                    None => Outcome::Cancelled,
                };
            }
        };
        let quit = driver.apply(msg);
        observe(&driver.wizard);
        if let Some(o) = quit {
            break o;
        }
    };
    terminal.draw(|f| screens::render(f, &driver.wizard, &theme))?;
    Ok((outcome, driver.wizard))
}

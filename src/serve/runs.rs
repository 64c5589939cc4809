//! Runs through HTTP: plan, apply, stop, resume. An apply runs the CLI's own session
//! (`cli::apply::execute`) on a thread of its own, under the same checkpoint lock, with an
//! interrupt that a stop raises exactly as Ctrl-C does.
//!
//! A run's `state`, and the `apply` exit code it corresponds to (README, "serve"):
//! `running`; `stopping`; `completed` (0); `completed_with_errors` (4); `stopped` (75:
//! resumable); `failed` (1: a person must fix something); `not_started`; `no_plan`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::watch;

use ghl_migrate::apply::{Ending, Report};
use ghl_migrate::config::{ApiKind, Loaded};
use ghl_migrate::error::{Error, exit};
use ghl_migrate::ghl::ratelimit::Limiter;
use ghl_migrate::ghl::remote::{self, Side};
use ghl_migrate::plan::Plan;
use ghl_migrate::state::{Access, Durability, State};

use super::App;
use super::events::{Live, now_ms};
use super::reply::{Refusal, Reply};
use crate::cli;

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// A stop was asked: nothing more is launched, in-flight steps settle.
    Stopping,
    Ended(Outcome),
}

/// How a run ended, as a state, the CLI's exit code and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub state: &'static str,
    pub exit_code: i32,
    pub reason: Option<String>,
}

impl Outcome {
    pub fn of_ending(ending: &Ending) -> Outcome {
        let (state, reason) = match ending {
            Ending::Complete => ("completed", None),
            Ending::Rejected => ("completed_with_errors", None),
            Ending::Stopped { reason } => ("stopped", Some(reason.clone())),
            Ending::Unfinished { note } => ("stopped", Some(note.clone())),
            Ending::Error { reason } => ("failed", Some(reason.clone())),
        };
        Outcome {
            state,
            exit_code: exit_code_of(state),
            reason,
        }
    }

    fn of_result(result: &Result<Report, Error>) -> Outcome {
        match result {
            Ok(report) => Outcome::of_ending(&report.ending),
            // Stopped before it began, by something that goes away (rate limit, network).
            Err(err) if err.is_resumable() => Outcome {
                state: "stopped",
                exit_code: exit::RESUMABLE,
                reason: Some(err.to_string()),
            },
            Err(err) => Outcome {
                state: "failed",
                exit_code: exit::ERROR,
                reason: Some(err.to_string()),
            },
        }
    }
}

/// The `apply` exit code a state corresponds to.
pub fn exit_code_of(state: &str) -> i32 {
    match state {
        "completed" => exit::OK,
        "completed_with_errors" => exit::PARTIAL,
        "stopped" => exit::RESUMABLE,
        _ => exit::ERROR,
    }
}

/// The run this server started last.
pub struct Current {
    pub number: u64,
    pub resumed: bool,
    pub started_ms: u64,
    pub phase: Phase,
    stop: watch::Sender<bool>,
    pub live: Arc<Live>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Current {
    pub fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::Stopping)
    }
}

/// The server's runs: one at a time (the checkpoint's lock also keeps out a CLI apply).
#[derive(Default)]
pub struct Runs {
    slot: Mutex<Option<Current>>,
    counter: AtomicU64,
}

impl Runs {
    pub fn slot(&self) -> MutexGuard<'_, Option<Current>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn active(&self) -> bool {
        self.slot().as_ref().is_some_and(Current::is_active)
    }

    /// Raises the stop of the running apply, as Ctrl-C does (server shutdown).
    pub fn raise_stop(&self) {
        if let Some(c) = self.slot().as_mut().filter(|c| c.is_active()) {
            let _ = c.stop.send(true);
            c.phase = Phase::Stopping;
        }
    }

    /// Raises the stop of the running apply and waits for it to settle.
    pub fn stop_and_wait(&self) {
        self.raise_stop();
        let thread = self.slot().as_mut().and_then(|c| c.thread.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// Starts an apply of the server's plan (`resume`: continue a stopped one). Refusals are
/// synchronous (409 while another runs, a partial run without resume, a locked checkpoint);
/// what happens after the start is the run's state.
pub fn start(app: &Arc<App>, resume: bool) -> Reply<Value> {
    let mut slot = app.runs.slot();
    if let Some(c) = slot.as_ref().filter(|c| c.is_active()) {
        return Err(Refusal::conflict(format!(
            "run {} of migration `{}` is in progress; stop it or wait for it to end",
            c.number, app.migration_id
        )));
    }
    let plan = app.plan()?;
    let loaded = app.settings.loaded();
    if loaded.config.name != plan.name {
        return Err(Refusal::conflict(format!(
            "the plan {} is for migration `{}`, this server serves `{}`: make a new plan \
             (POST /api/v1/migration/plan)",
            app.plan_path.display(),
            plan.name,
            loaded.config.name
        )));
    }
    if resume && loaded.config.target.api == ApiKind::Fixture {
        return Err(Refusal::conflict(
            "a fixture target is applied in memory, so an interrupted dry run has nothing to \
             resume; start it again (POST /api/v1/migration/apply)",
        ));
    }
    let mut state = State::open(&app.state_path, Access::Write(Durability::Normal))
        .map_err(|e| Refusal::of(&e))?;
    let target_lock =
        cli::apply::target_lock(&loaded, &app.state_path).map_err(|e| Refusal::of(&e))?;
    let decided =
        ghl_migrate::apply::start_on(&plan, &mut state, resume).map_err(|e| Refusal::of(&e))?;
    let records = state.steps().map_err(|e| Refusal::of(&e))?;
    decided.map_err(|m| {
        let m = m.replace(
            "add --resume to continue it",
            &format!(
                "continue it with POST /api/v1/migration/resume/{}",
                app.migration_id
            ),
        );
        Refusal::conflict(m)
    })?;
    let limiters = target_limiters(&loaded).map_err(|e| Refusal::of(&e))?;
    let knob = app.settings.attach(limiters);
    let number = app.runs.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let live = Arc::new(Live::new(number, &plan, &records, app.hub.clone()));
    let (stop, stop_rx) = watch::channel(false);
    let mut options = cli::apply::options(&loaded, &app.plan_path, resume);
    options.interrupt = Some(stop_rx);
    options.max_in_flight_live = Some(knob);
    let runtime = cli::runtime().map_err(|e| Refusal::of(&e))?;
    let thread = {
        let (app, live, plan) = (app.clone(), live.clone(), plan.clone());
        std::thread::Builder::new()
            .name(format!("apply-{number}"))
            .spawn(move || {
                let result = runtime.block_on(async {
                    let session = cli::apply::Session {
                        plan: &plan,
                        state: &mut state,
                        progress: &*live,
                        options,
                    };
                    cli::apply::execute(&loaded, session, None).await
                });
                // The locks go before the run is seen as ended, so a resume can take them.
                drop(state);
                drop(target_lock);
                finish(&app, number, &result);
            })
            .map_err(|e| Refusal::of(&Error::Other(format!("cannot start the run: {e}"))))?
    };
    *slot = Some(Current {
        number,
        resumed: resume,
        started_ms: now_ms(),
        phase: Phase::Running,
        stop,
        live,
        thread: Some(thread),
    });
    drop(slot);
    app.hub.send("status", &super::status::status(app));
    Ok(json!({
        "migration_id": app.migration_id,
        "run": number,
        "state": "running",
        "resumed": resume,
        "status": format!("/api/v1/migration/status/{}", app.migration_id),
        "events": format!("/api/v1/migration/events/{}", app.migration_id),
    }))
}

/// The live target's limiters (shared with the apply's own client: one per token and
/// location, every token of the target), so that a config update paces the running apply;
/// none for a fixture target.
fn target_limiters(loaded: &Loaded) -> ghl_migrate::Result<Vec<Arc<Limiter>>> {
    if loaded.config.target.api == ApiKind::Fixture {
        return Ok(Vec::new());
    }
    let target = remote::open(
        Side::Target,
        &loaded.config.target,
        &loaded.config.rate_limit,
        &cli::env_var,
    )?;
    Ok(target
        .http()
        .map(|h| h.lanes().iter().map(|l| l.limiter.clone()).collect())
        .unwrap_or_default())
}

/// Records the end of run `number` and tells the event streams.
fn finish(app: &Arc<App>, number: u64, result: &Result<Report, Error>) {
    let outcome = Outcome::of_result(result);
    app.settings.restore_limits();
    {
        let mut slot = app.runs.slot();
        if let Some(c) = slot.as_mut().filter(|c| c.number == number) {
            c.live.set_message(match &outcome.reason {
                Some(r) => format!("{}: {r}", outcome.state),
                None => outcome.state.to_string(),
            });
            c.phase = Phase::Ended(outcome);
        }
    }
    app.hub.send("status", &super::status::status(app));
}

/// Asks the running apply to stop, as Ctrl-C does: it stays resumable.
pub fn stop(app: &App) -> Reply<Value> {
    let mut slot = app.runs.slot();
    let Some(c) = slot.as_mut().filter(|c| c.is_active()) else {
        return Err(Refusal::conflict(format!(
            "no apply of migration `{}` is running here",
            app.migration_id
        )));
    };
    let _ = c.stop.send(true);
    c.phase = Phase::Stopping;
    let number = c.number;
    drop(slot);
    app.settings.lift_delay_for_stop();
    app.hub.send("status", &super::status::status(app));
    Ok(json!({"migration_id": app.migration_id, "run": number, "state": "stopping"}))
}

/// Makes a plan from both accounts and writes it where the server's applies read it.
pub async fn plan(app: &Arc<App>) -> Reply<Value> {
    if app.runs.active() {
        return Err(Refusal::conflict(
            "an apply is running: a new plan now would change what it resumes; stop it first",
        ));
    }
    // The checkpoint keeps one plan revision: a new plan while another process holds it (from
    // the moment it takes the lock, before its run is recorded) or over a stopped run would
    // leave that run unresumable, from here and from the CLI.
    if super::status::locked_elsewhere(app) {
        return Err(Refusal::conflict(
            "another process (a CLI apply, or another server) holds this checkpoint: a new \
             plan now would change what its run resumes",
        ));
    }
    if super::status::status(app)["state"] == "stopped" {
        return Err(Refusal::conflict(format!(
            "a stopped run of the plan {} is resumable: finish it first (POST \
             /api/v1/migration/resume/{}); a new plan now would leave it unresumable",
            app.plan_path.display(),
            app.migration_id
        )));
    }
    let loaded = app.settings.loaded();
    let path = app.plan_path.clone();
    // As the CLI plans: on a thread of its own (reading is async, matching is CPU work).
    let plan = tokio::task::spawn_blocking(move || {
        let quiet = ghl_migrate::progress::Silent;
        let (source, target) = cli::plan::read_accounts(&loaded, &quiet)?;
        let plan = cli::plan::make(&loaded, &source, &target)?;
        ghl_migrate::plan::file::write(&path, &plan)?;
        Ok::<_, Error>(plan)
    })
    .await
    .map_err(|e| Refusal::of(&Error::Other(format!("planning failed: {e}"))))?
    .map_err(|e| Refusal::of(&e))?;
    Ok(plan_document(app, &plan))
}

/// The plan as a reviewer reads it first: header, summary, mapping report, warnings and what
/// it will not do (the first 200 of those, with the total).
pub fn plan_document(app: &App, plan: &Plan) -> Value {
    const NOT_DONE_SHOWN: usize = 200;
    json!({
        "migration_id": app.migration_id,
        "path": app.plan_path.display().to_string(),
        "name": plan.name,
        "source": plan.source,
        "target": plan.target,
        "summary": plan.summary,
        "mapping": plan.mapping,
        "warnings": plan.warnings,
        "steps": plan.steps.len(),
        "not_done": plan.not_done.iter().take(NOT_DONE_SHOWN).collect::<Vec<_>>(),
        "not_done_total": plan.not_done.len(),
        "text": ghl_migrate::render::text::overview(plan),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_become_documented_states_and_exit_codes() {
        let cases = [
            (Ending::Complete, "completed", 0),
            (Ending::Rejected, "completed_with_errors", 4),
            (
                Ending::Stopped {
                    reason: "interrupted".into(),
                },
                "stopped",
                75,
            ),
            (
                Ending::Error {
                    reason: "401".into(),
                },
                "failed",
                1,
            ),
        ];
        for (ending, state, code) in cases {
            let o = Outcome::of_ending(&ending);
            assert_eq!((o.state, o.exit_code), (state, code), "{ending:?}");
        }
    }
}

//! `apply`: executes a plan against a target, exactly once, checkpointed, resumable after
//! anything. Written once against the `Ghl` trait (live clients and the in-memory account).
//!
//! A fresh apply first checks the plan is not stale (the live target's fingerprint equals the
//! plan's), records the run, then runs the steps. A resume trusts its checkpoint and reconciles
//! the steps in doubt. A finished run sends nothing.

mod book;
mod executor;
mod graph;
mod reconcile;
mod report;
mod request;
mod same_target;
mod start;
mod step;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
mod text;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub use graph::{Graph, GraphError};
pub use report::{Ending, Failure, KindCounts, Report, Session};
pub use start::{Start, decide};
pub use text::render;

use crate::error::{Error, Result};
use crate::ghl::{self, Ghl};
use crate::plan::{self, Plan};
use crate::progress::{Event, Progress};
use crate::state::{NewRun, SessionEnd, State, StepStatus};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Continue a stopped run of this plan (without it, a partial run is refused).
    pub resume: bool,
    /// At most this many steps in flight (the client's limiter paces the requests themselves).
    pub max_in_flight: usize,
    /// When set, the cap on steps in flight is read from here before each launch instead
    /// (`serve` changes it while the run goes on).
    pub max_in_flight_live: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
    /// Raised (set to `true`) to stop cleanly: nothing more is launched, in-flight steps settle.
    pub interrupt: Option<tokio::sync::watch::Receiver<bool>>,
    /// The plan file, for messages.
    pub plan_path: PathBuf,
    /// Test hook: abort the process at a given write and phase, as a crash would.
    pub abort_at: Option<AbortAt>,
    /// How long the target's search may lag behind its writes: an in-doubt create is looked
    /// up only this long after the doubt arose (for a checkpoint's, after this session began).
    pub search_lag: std::time::Duration,
}

impl Options {
    /// The cap on steps in flight now (at least one).
    pub fn max_in_flight_now(&self) -> usize {
        self.max_in_flight_live
            .as_ref()
            .map_or(self.max_in_flight, |n| n.load(Ordering::Relaxed))
            .max(1)
    }
}

/// Where a simulated crash happens: the N-th step launched in this session (from 1), and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortAt {
    pub write: usize,
    pub phase: Phase,
}

/// The moments of one step's life where a crash matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The intent is committed, the request has not left.
    Intent,
    /// The request was answered, the answer is not recorded yet.
    Sent,
    /// The answer is recorded.
    Recorded,
}

impl std::str::FromStr for AbortAt {
    type Err = String;

    /// `N:intent`, `N:sent` or `N:recorded`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let (n, phase) = s
            .split_once(':')
            .ok_or_else(|| format!("`{s}`: expected N:intent|sent|recorded"))?;
        let write = n.parse().map_err(|_| format!("`{n}` is not a number"))?;
        let phase = match phase {
            "intent" => Phase::Intent,
            "sent" => Phase::Sent,
            "recorded" => Phase::Recorded,
            other => return Err(format!("unknown phase `{other}`")),
        };
        Ok(AbortAt { write, phase })
    }
}

/// The target, the plan, the checkpoint and where progress goes.
pub struct Run<'a, G> {
    pub target: &'a G,
    pub plan: &'a Plan,
    pub state: &'a mut State,
    pub progress: &'a dyn Progress,
}

/// Applies `run.plan` to `run.target`, recording every step in `run.state`.
pub async fn apply<G: Ghl>(run: Run<'_, G>, mut options: Options) -> Result<Report> {
    let Run {
        target,
        plan,
        state,
        progress,
    } = run;
    let started = Instant::now();
    let graph = graph::build(plan).map_err(|e| match e {
        GraphError::Invalid(message) => Error::Plan {
            path: options.plan_path.clone(),
            message,
        },
        GraphError::Cycle(c) => Error::Cycle(c),
    })?;
    let existing = state.run()?;
    let steps = state.steps()?;
    let start = decide(plan, existing.as_ref(), &steps, options.resume).map_err(|message| {
        Error::State {
            path: state.path().to_path_buf(),
            message,
        }
    })?;
    if start == Start::Finished {
        let ending = ending_of_finished(&steps);
        return Ok(Report::build(
            plan,
            existing.as_ref(),
            &steps,
            ending,
            Session::default(),
        ));
    }
    let requests = AtomicU64::new(0);
    match start {
        Start::Fresh => {
            check_not_stale(target, plan, &requests).await?;
            state.begin(&NewRun::of(plan))?;
        }
        // A resume trusts its checkpoint, but only against the location it was made for.
        _ => {
            check_location(target, plan, &requests).await?;
            same_target::check(target, plan, &steps, &requests).await?;
        }
    }
    let steps = state.steps()?;
    let mut book = book::Book::new(plan, &graph, &steps);
    progress.event(&Event::Begin {
        total: plan.steps.len(),
        already_done: steps.iter().filter(|s| s.status.is_terminal()).count(),
        resumed: start == Start::Resume,
    });
    let exec = executor::Exec {
        ghl: target,
        plan,
        graph: &graph,
        state: &mut *state,
        progress,
    };
    let stopped = exec.run(&mut book, &mut options, &requests).await?;
    let session = Session {
        ms: started.elapsed().as_millis() as u64,
        requests: requests.load(Ordering::Relaxed),
    };
    let finished = book.status.iter().all(StepStatus::is_terminal);
    state.end_session(SessionEnd {
        active_ms: session.ms as i64,
        requests: session.requests as i64,
        finished,
    })?;
    progress.event(&Event::End {
        done: book.count(StepStatus::Done),
        failed: book.count(StepStatus::Failed),
        blocked: book.count(StepStatus::Blocked),
        pending: book.count(StepStatus::Pending) + book.count(StepStatus::Sending),
    });
    let steps = state.steps()?;
    // A stop seen when nothing was left to do (Ctrl-C as the last answers arrive) ends nothing.
    let ending = match stopped {
        Some(stop) if !finished => stop,
        _ => ending_of_finished(&steps),
    };
    Ok(Report::build(
        plan,
        state.run()?.as_ref(),
        &steps,
        ending,
        session,
    ))
}

/// A run that went to its end: complete, or some objects were refused.
fn ending_of_finished(steps: &[crate::state::StepRecord]) -> Ending {
    if steps
        .iter()
        .any(|s| matches!(s.status, StepStatus::Failed | StepStatus::Blocked))
    {
        Ending::Rejected
    } else {
        Ending::Complete
    }
}

/// Refuses to resume against another location than the plan's (one cheap read).
async fn check_location<G: Ghl>(target: &G, plan: &Plan, requests: &AtomicU64) -> Result<()> {
    requests.fetch_add(1, Ordering::Relaxed);
    let live = target.location().await.map_err(|source| Error::Api {
        side: "target".into(),
        source,
    })?;
    if live.id != plan.target.location {
        return Err(wrong_location(plan, &live.id));
    }
    Ok(())
}

fn wrong_location(plan: &Plan, live: &str) -> Error {
    Error::Other(format!(
        "the plan was made for target location {}, but the target is location {live}",
        plan.target.location
    ))
}

/// Refuses a plan whose target changed since it was made (or that was made for another one).
async fn check_not_stale<G: Ghl>(target: &G, plan: &Plan, requests: &AtomicU64) -> Result<()> {
    // The snapshot's six reads (location, fields, pipelines, users, contacts, opportunities).
    requests.fetch_add(6, Ordering::Relaxed);
    let live = ghl::snapshot(target).await.map_err(|source| Error::Api {
        side: "target".into(),
        source,
    })?;
    if live.location.id != plan.target.location {
        return Err(wrong_location(plan, &live.location.id));
    }
    let actual = plan::fingerprint::account(&live);
    if actual != plan.target.fingerprint {
        return Err(Error::StalePlan {
            planned: plan.target.fingerprint.clone(),
            actual,
        });
    }
    Ok(())
}

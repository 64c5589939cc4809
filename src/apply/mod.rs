//! `apply`: executes a plan against a target, exactly once, checkpointed, resumable after
//! anything. Written once against the `Ghl` trait (live clients and the in-memory account).
//!
//! A fresh apply first checks the plan is not stale (the live target's fingerprint equals the
//! plan's), records the run, then runs the steps. A resume trusts its checkpoint and reconciles
//! the steps in doubt. A finished run sends nothing.

mod before;
mod book;
mod canary;
mod executor;
mod graph;
mod history;
mod merge;
mod pipelines;
mod reconcile;
mod report;
mod request;
mod restore;
mod same_target;
mod stale;
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
use crate::state::{NewRun, ObjectRecord, SessionEnd, State, StepStatus, plan_fingerprint};

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
    /// The target is a fixture applied in memory: the run is recorded, but maps nothing.
    pub dry_run: bool,
    /// How long the target's search may lag behind its writes: an in-doubt create is looked
    /// up only this long after the doubt arose (for a checkpoint's, after this session began).
    pub search_lag: std::time::Duration,
    /// How long after it was sent a write the client gave up on may still land: an in-doubt
    /// create is looked up only once this (then `search_lag`) has passed since it was sent
    /// (for a checkpoint's, since this session began).
    pub late_write: std::time::Duration,
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
    let start = start_on(plan, state, options.resume)?.map_err(|message| Error::State {
        path: state.path().to_path_buf(),
        message,
    })?;
    let existing = state.run()?;
    let steps = state.steps()?;
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
    // Deletes and restores only of what the ledger maps for this target, each once.
    let done: std::collections::BTreeSet<&str> = match start {
        Start::Resume => steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .map(|s| s.id.as_str())
            .collect(),
        _ => Default::default(),
    };
    crate::plan::undo_check::check(plan, &state.objects(&plan.target.location)?, &done).map_err(
        |message| Error::State {
            path: state.path().to_path_buf(),
            message,
        },
    )?;
    let requests = AtomicU64::new(0);
    let canary = match start {
        Start::Fresh => {
            progress.event(&Event::Preparing {
                what: "checking the plan is not stale (reading the target)",
            });
            let ledger = Ledger {
                objects: state.objects(&plan.target.location)?,
                view: state.view(&plan.target.fingerprint)?,
            };
            let reading = crate::ledger::Reading {
                in_flight: options.max_in_flight_now(),
                progress,
            };
            let live = check_not_stale(target, plan, &ledger, &requests, &reading).await?;
            state.begin(&NewRun {
                dry_run: options.dry_run,
                ..NewRun::of(plan)
            })?;
            if !options.dry_run {
                carry_doubts(plan, state)?;
            }
            canary::Canary::new(Some(&live.custom_fields))
        }
        // A resume trusts its checkpoint, but only against the location it was made for.
        _ => {
            progress.event(&Event::Preparing {
                what: "checking the target is the location this run wrote to",
            });
            check_location(target, plan, &requests).await?;
            // An undo acts only by the target ids its ledger recorded for this location (checked
            // just above); a delete of an id that is not there does nothing.
            if !plan.is_undo() {
                same_target::check(target, plan, &steps, &requests).await?;
            }
            state.start_session()?;
            canary::Canary::new(None)
        }
    };
    let steps = state.steps()?;
    let mut book = book::Book::new(plan, &graph, &steps);
    progress.event(&Event::Begin {
        total: plan.steps.len(),
        already_done: steps.iter().filter(|s| s.status.is_terminal()).count(),
        resumed: start == Start::Resume,
        kinds: kinds_progress(plan, &book),
    });
    let exec = executor::Exec {
        ghl: target,
        plan,
        graph: &graph,
        state: &mut *state,
        progress,
        canary: &canary,
        started,
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
    let steps = state.steps()?;
    // A stop seen when nothing was left to do (Ctrl-C as the last answers arrive) ends nothing.
    let ending = match stopped {
        Some(stop) if !finished => stop,
        _ => ending_of_finished(&steps),
    };
    progress.event(&Event::End {
        done: book.count(StepStatus::Done),
        failed: book.count(StepStatus::Failed),
        blocked: book.count(StepStatus::Blocked),
        pending: book.count(StepStatus::Pending) + book.count(StepStatus::Sending),
        reason: &ending.reason(),
    });
    Ok(Report::build(
        plan,
        state.run()?.as_ref(),
        &steps,
        ending,
        session,
    ))
}

/// Decides how an apply of `plan` starts on the ledger `state`, and selects the latest run of
/// the plan's revision there. The inner error is the refusal, for a person.
pub fn start_on(
    plan: &Plan,
    state: &mut State,
    resume: bool,
) -> Result<std::result::Result<Start, String>> {
    let fingerprint = plan_fingerprint(plan);
    let existing = state.select_revision(&fingerprint)?;
    let steps = state.steps()?;
    let runs = state.runs()?;
    let mut unseen = Vec::new();
    for r in start::unseen(plan, &fingerprint, &runs) {
        if state.steps_of(r.id)?.iter().any(|s| s.attempts > 0) {
            unseen.push(r.clone());
        }
    }
    let history = start::History {
        run: existing.as_ref(),
        steps: &steps,
        unseen: &unseen,
    };
    Ok(decide(plan, history, resume))
}

/// A new revision inherits the doubts of earlier runs: a step another run sent without
/// recording its answer (a crash, a lost answer) may have landed, and the step, under the same
/// id or for the same source object in this revision, is looked up before it is sent again,
/// as a resume would.
fn carry_doubts(plan: &Plan, state: &mut State) -> Result<()> {
    let doubts = state.doubts_elsewhere(&plan.target.location)?;
    let ids: std::collections::HashSet<&str> = doubts.iter().map(|(id, _)| id.as_str()).collect();
    let objects: std::collections::HashSet<&str> =
        doubts.iter().map(|(_, object)| object.as_str()).collect();
    let updates: Vec<crate::state::Update> = crate::state::NewRun::of(plan)
        .steps
        .into_iter()
        .filter(|s| {
            let object = format!("{} {}", s.kind, s.source_key.as_deref().unwrap_or(&s.id));
            ids.contains(s.id.as_str()) || objects.contains(object.as_str())
        })
        .map(|s| crate::state::Update {
            id: s.id.clone(),
            change: crate::state::Change::Sending { body: None },
        })
        .collect();
    state.record(&updates)
}

/// A run that went to its end: complete, or some objects were refused.
/// Steps per kind, and how many of them are finished, as the run begins.
fn kinds_progress<'p>(
    plan: &'p Plan,
    book: &book::Book,
) -> std::collections::BTreeMap<&'p str, crate::progress::KindProgress> {
    let mut kinds = std::collections::BTreeMap::new();
    for (step, status) in plan.steps.iter().zip(&book.status) {
        let k: &mut crate::progress::KindProgress = kinds.entry(step.action.kind()).or_default();
        k.total += 1;
        k.finished += usize::from(status.is_terminal());
    }
    kinds
}

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

/// What the ledger says about the target: what this migration wrote, and the target as the
/// plan saw it (object by object), when the plan was made on this ledger.
struct Ledger {
    objects: Vec<ObjectRecord>,
    view: Option<Vec<plan::fingerprint::ObjectDigest>>,
}

/// Refuses a plan whose target changed since it was made (or that was made for another one).
/// The target is read as the plan read it: what the ledger says this migration wrote is read
/// by id, so a search lagging behind our own writes is not taken for someone else's change.
/// Returns the target as read, for what else the run needs of it (the field types).
async fn check_not_stale<G: Ghl>(
    target: &G,
    plan: &Plan,
    ledger: &Ledger,
    requests: &AtomicU64,
    reading: &crate::ledger::Reading<'_>,
) -> Result<crate::model::Account> {
    // The snapshot's six reads (location, fields, pipelines, users, contacts, opportunities).
    requests.fetch_add(6, Ordering::Relaxed);
    let api = |source| Error::Api {
        side: "target".into(),
        source,
    };
    let mut live = ghl::snapshot(target).await.map_err(api)?;
    let reads = crate::ledger::complete(target, &mut live, &ledger.objects, reading)
        .await
        .map_err(api)?;
    requests.fetch_add(reads as u64, Ordering::Relaxed);
    if live.location.id != plan.target.location {
        return Err(wrong_location(plan, &live.location.id));
    }
    // An undo decided on the notes and tasks of the contacts it names: read them as it did.
    let actual = if plan.is_undo() {
        let reads = crate::ledger::complete_history(target, &mut live, &ledger.objects, reading)
            .await
            .map_err(api)?;
        requests.fetch_add(reads as u64, Ordering::Relaxed);
        plan::fingerprint::with_history(&live)
    } else {
        plan::fingerprint::account(&live)
    };
    if actual != plan.target.fingerprint {
        let changes = match &ledger.view {
            Some(before) => {
                let said = stale::describe(before, &plan::fingerprint::objects(&live));
                if said.is_empty() {
                    said
                } else {
                    format!(": {said}")
                }
            }
            None => String::new(),
        };
        return Err(Error::StalePlan {
            planned: plan.target.fingerprint.clone(),
            actual,
            changes,
        });
    }
    Ok(live)
}

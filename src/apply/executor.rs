//! The scheduling loop: as many steps in flight as allowed, in dependency order. Each round
//! commits the intents of the steps about to leave in one transaction, sends them, then commits
//! every result that has arrived in one transaction. A stop (rate limit, daily budget, network,
//! interrupt) launches nothing more, tells the target to send nothing more (what waits for the
//! rate limiter gives up unsent), lets requests already on the wire settle and records them.

use std::sync::atomic::{AtomicU64, Ordering};

use futures::FutureExt;
use futures::stream::{FuturesUnordered, StreamExt};

use super::book::{Book, Next};
use super::canary::Canary;
use super::graph::Graph;
use super::report::Ending;
use super::step::{Outcome, StepRun};
use super::{AbortAt, Options, Phase};
use crate::error::Result;
use crate::ghl::{ApiError, ApiErrorKind, Ghl};
use crate::plan::Plan;
use crate::progress::{Event, Progress};
use crate::state::{Change, SessionUsage, State, StepStatus, Update};

/// What the loop needs, borrowed for one session.
pub struct Exec<'a, G> {
    pub ghl: &'a G,
    pub plan: &'a Plan,
    pub graph: &'a Graph,
    pub state: &'a mut State,
    pub progress: &'a dyn Progress,
    pub canary: &'a Canary,
    /// When this session began (its requests and time are saved with each record).
    pub started: std::time::Instant,
}

/// One settled step: its index, its launch number in this session, what became of it.
type Settled = (usize, usize, Outcome);

impl<G: Ghl> Exec<'_, G> {
    /// Runs every step that can run; returns how the session ended (`None`: ran to the end).
    pub async fn run(
        self,
        book: &mut Book,
        options: &mut Options,
        requests: &AtomicU64,
    ) -> Result<Option<Ending>> {
        let Exec {
            ghl,
            plan,
            graph,
            state,
            progress,
            canary,
            started,
        } = self;
        let so_far = |state: &mut State| {
            state.session_so_far(SessionUsage {
                active_ms: started.elapsed().as_millis() as i64,
                requests: requests.load(Ordering::Relaxed) as i64,
            })
        };
        // A checkpoint's steps in doubt were sent before this session began.
        let session_start = tokio::time::Instant::now();
        // Raised when the run stops, so that steps waiting to look something up give way.
        let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
        let mut inflight = FuturesUnordered::new();
        let mut stop: Option<Ending> = None;
        let mut launched = 0usize;
        loop {
            // Launch what may run, recording every intent in one commit before anything leaves.
            let mut updates = Vec::new();
            let mut launches = Vec::new();
            let max = options.max_in_flight_now();
            while stop.is_none() && inflight.len() + launches.len() < max {
                let Some(i) = book.ready.pop_front() else {
                    break;
                };
                let step = &plan.steps[i];
                match book.next(plan, graph, i) {
                    Next::Blocked { reason } => {
                        progress.event(&Event::StepBlocked {
                            id: &step.id,
                            kind: step.action.kind(),
                            reason: &reason,
                        });
                        updates.push(update(&step.id, Change::Blocked { reason }));
                        book.finish(graph, i, StepStatus::Blocked);
                    }
                    Next::Launch { request, in_doubt } => {
                        if !in_doubt {
                            // The request itself, with the intent: what an undo compares with.
                            let body = serde_json::to_string(&request).ok();
                            updates.push(update(&step.id, Change::Sending { body }));
                        }
                        launched += 1;
                        launches.push((i, launched, request, in_doubt));
                    }
                }
            }
            so_far(state);
            state.record(&updates)?;
            abort_if(
                options.abort_at,
                Phase::Intent,
                launches.iter().map(|l| l.1),
            );
            for (i, n, request, in_doubt) in launches {
                let step = &plan.steps[i];
                book.status[i] = StepStatus::Sending;
                progress.event(&Event::StepStarted {
                    id: &step.id,
                    kind: step.action.kind(),
                });
                let lag = (session_start + options.search_lag)
                    .saturating_duration_since(tokio::time::Instant::now());
                if in_doubt && super::reconcile::waits_in_doubt(&step.action) && !lag.is_zero() {
                    progress.event(&Event::SearchLag {
                        id: &step.id,
                        kind: step.action.kind(),
                        wait_ms: lag.as_millis() as u64,
                    });
                }
                let run = StepRun {
                    ghl,
                    step_id: &step.id,
                    action: &step.action,
                    request: *request,
                    doubt_since: in_doubt.then_some(session_start),
                    search_lag: options.search_lag,
                    late_write: options.late_write,
                    stopping: stopping_rx.clone(),
                    requests,
                    canary,
                    // A note's or task's earlier twins run before it (see the planner).
                    claimed: step
                        .after
                        .iter()
                        .filter_map(|twin| book.created.get(twin).cloned())
                        .collect(),
                    before: Default::default(),
                };
                inflight.push(run.run().map(move |outcome| (i, n, outcome)));
            }
            if inflight.is_empty() {
                break;
            }

            // Wait for one result (or an interrupt), then take every other one already there.
            let first = tokio::select! {
                biased;
                _ = interrupted(&mut options.interrupt), if stop.is_none() => {
                    let reason = "interrupted".to_string();
                    progress.event(&Event::Stopping { reason: &reason });
                    stop = Some(Ending::Stopped { reason });
                    stopping.send_replace(true);
                    // Steps waiting for the rate limiter have sent nothing: they leave now,
                    // unsent, and stay pending; only requests already on the wire settle.
                    ghl.stop_sending();
                    continue;
                }
                settled = inflight.next() => settled,
            };
            let mut settled: Vec<Settled> = first.into_iter().collect();
            while let Some(Some(s)) = inflight.next().now_or_never() {
                settled.push(s);
            }
            let numbers: Vec<usize> = settled.iter().map(|s| s.1).collect();
            abort_if(options.abort_at, Phase::Sent, numbers.iter().copied());

            let mut updates = Vec::new();
            for (i, _, outcome) in settled {
                let step = &plan.steps[i];
                let (id, kind) = (step.id.as_str(), step.action.kind());
                match outcome {
                    Outcome::Done {
                        target_id,
                        reconciled,
                        before,
                    } => {
                        progress.event(&Event::StepDone {
                            id,
                            kind,
                            target_id: &target_id,
                            reconciled,
                        });
                        book.created.insert(id.to_string(), target_id.clone());
                        book.finish(graph, i, StepStatus::Done);
                        if let Some(before) = before {
                            updates.push(update(id, Change::Before { before }));
                        }
                        updates.push(update(
                            id,
                            Change::Done {
                                target_id,
                                reconciled,
                            },
                        ));
                    }
                    Outcome::Failed { reason } => {
                        progress.event(&Event::StepFailed {
                            id,
                            kind,
                            reason: &reason,
                        });
                        book.finish(graph, i, StepStatus::Failed);
                        updates.push(update(id, Change::Failed { reason }));
                    }
                    Outcome::Stop { error, in_doubt } => {
                        if stop.is_none() {
                            let ending = ending_of(&error);
                            if let Ending::Stopped { reason } | Ending::Error { reason } = &ending {
                                progress.event(&Event::Stopping { reason });
                            }
                            stop = Some(ending);
                            stopping.send_replace(true);
                            ghl.stop_sending();
                        }
                        // In doubt, it stays `sending` and a resume looks it up first.
                        if !in_doubt {
                            book.status[i] = StepStatus::Pending;
                            updates.push(update(
                                id,
                                Change::Pending {
                                    reason: error.to_string(),
                                },
                            ));
                        }
                    }
                }
            }
            so_far(state);
            state.record(&updates)?;
            abort_if(options.abort_at, Phase::Recorded, numbers.into_iter());
        }
        Ok(stop)
    }
}

fn update(id: &str, change: Change) -> Update {
    Update {
        id: id.to_string(),
        change,
    }
}

/// A stopping error: resumable (exit 75) unless a person must fix something first.
fn ending_of(error: &ApiError) -> Ending {
    let reason = error.to_string();
    match error.kind {
        ApiErrorKind::Auth | ApiErrorKind::Protocol | ApiErrorKind::Permanent => {
            Ending::Error { reason }
        }
        ApiErrorKind::Retryable
        | ApiErrorKind::Ambiguous
        | ApiErrorKind::RateLimited
        | ApiErrorKind::DailyBudget => Ending::Stopped { reason },
    }
}

/// Resolves when the interrupt flag is raised; never without an interrupt source.
async fn interrupted(rx: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    match rx {
        Some(rx) => {
            if rx.wait_for(|&raised| raised).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// The crash test hook: aborts the process (as `kill -9` would) at the given write and phase.
fn abort_if(at: Option<AbortAt>, phase: Phase, writes: impl Iterator<Item = usize>) {
    if let Some(at) = at
        && at.phase == phase
    {
        for n in writes {
            if n == at.write {
                std::process::abort();
            }
        }
    }
}

//! Progress of the running apply, for people and machines: a [`Live`] progress sink that tallies
//! the executor's events per kind (for `status` and the dashboard) and hands each one to the
//! [`Hub`], which fans them out as server-sent events.

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use ghl_migrate::plan::Plan;
use ghl_migrate::progress::{Event, Progress};
use ghl_migrate::state::{StepRecord, StepStatus};

/// How soon a browser reconnects to a stream that ended.
const RECONNECT: Duration = Duration::from_secs(1);

/// How many event streams may be open at once: each holds a connection and a receiver, and a
/// dashboard needs one; beyond this a request is refused (503) rather than served.
pub const MAX_STREAMS: usize = 64;

/// How many failures the status keeps (the ledger keeps them all).
const RECENT_FAILURES: usize = 20;

/// One server-sent event: its name (`progress`, `status`) and its JSON data.
#[derive(Debug, Clone)]
pub struct Message {
    pub name: &'static str,
    pub data: Arc<str>,
}

/// Fans messages out to every open event stream; a slow reader skips what it missed.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Message>,
    /// Raised when the server shuts down: every stream ends.
    closing: Arc<watch::Sender<bool>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(1024).0,
            closing: Arc::new(watch::channel(false).0),
        }
    }
}

impl Hub {
    /// Ends every event stream (and every one opened later).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn send(&self, name: &'static str, data: &Value) {
        // Nobody listening is fine.
        let _ = self.tx.send(Message {
            name,
            data: data.to_string().into(),
        });
    }

    /// How many event streams are open now.
    pub fn open_streams(&self) -> usize {
        self.tx.receiver_count()
    }

    /// An event stream: `first` (the status now), then every message from here on, until the
    /// server shuts down or `lifetime` has passed (the browser then reconnects by itself).
    pub fn stream(
        &self,
        first: Value,
        lifetime: Option<Duration>,
    ) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>> + use<>> {
        let rx = self.tx.subscribe();
        let first = futures::stream::once(async move {
            Message {
                name: "status",
                data: first.to_string().into(),
            }
        });
        let rest = futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(m) => return Some((m, rx)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        let mut closing = self.closing.subscribe();
        let closed = async move {
            let over = async {
                match lifetime {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = closing.wait_for(|&c| c) => {}
                _ = over => {}
            }
        };
        let events = first.chain(rest).take_until(closed).map(|m| {
            Ok(SseEvent::default()
                .event(m.name)
                .data(&*m.data)
                .retry(RECONNECT))
        });
        Sse::new(events).keep_alive(KeepAlive::default())
    }
}

/// Steps of one kind in this run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindProgress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub blocked: usize,
}

impl KindProgress {
    /// Done, failed or blocked: nothing more will happen to them.
    pub fn finished(&self) -> usize {
        self.done + self.failed + self.blocked
    }

    pub fn pending(&self) -> usize {
        self.total.saturating_sub(self.finished())
    }
}

/// A failure as the dashboard lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RecentFailure {
    pub id: String,
    pub status: &'static str,
    pub reason: String,
}

/// What the running apply has done so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub kinds: BTreeMap<String, KindProgress>,
    /// The kind of the latest step started: the old callback's `stage`.
    pub stage: Option<String>,
    /// The latest thing that happened, for people.
    pub message: String,
    /// Steps finished in this session (for objects/s).
    pub finished_here: usize,
    pub first_step_at: Option<Instant>,
    pub recent_failures: VecDeque<RecentFailure>,
    /// The variables of the target's tokens the server refused while others carried the run.
    pub refused_tokens: Vec<String>,
}

/// The progress sink of one run: tallies, and broadcasts every event.
pub struct Live {
    run: u64,
    tally: Mutex<Tally>,
    hub: Hub,
}

impl Live {
    /// A run of `plan` whose checkpoint holds `records` (steps finished by earlier sessions
    /// count as finished already).
    pub fn new(run: u64, plan: &Plan, records: &[StepRecord], hub: Hub) -> Live {
        let mut tally = Tally::default();
        for step in &plan.steps {
            tally
                .kinds
                .entry(step.action.kind().to_string())
                .or_default()
                .total += 1;
        }
        for r in records {
            let k = tally.kinds.entry(r.kind.clone()).or_default();
            match r.status {
                StepStatus::Done => k.done += 1,
                StepStatus::Failed => k.failed += 1,
                StepStatus::Blocked => k.blocked += 1,
                StepStatus::Pending | StepStatus::Sending => {}
            }
        }
        tally.message = "starting".into();
        Live {
            run,
            tally: Mutex::new(tally),
            hub,
        }
    }

    pub fn tally(&self) -> Tally {
        self.lock().clone()
    }

    /// Records how the run ended, for the status.
    pub fn set_message(&self, message: String) {
        self.lock().message = message;
    }

    fn lock(&self) -> MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn note(&self, event: &Event<'_>) {
        let mut t = self.lock();
        let finish = |t: &mut Tally, kind: &str, status: StepStatus| {
            let k = t.kinds.entry(kind.to_string()).or_default();
            match status {
                StepStatus::Done => k.done += 1,
                StepStatus::Failed => k.failed += 1,
                _ => k.blocked += 1,
            }
            t.finished_here += 1;
        };
        match event {
            Event::StepStarted { id, kind } => {
                t.stage = Some(kind.to_string());
                t.first_step_at.get_or_insert_with(Instant::now);
                t.message = format!("sending {id}");
            }
            Event::StepDone {
                id,
                kind,
                reconciled,
                ..
            } => {
                finish(&mut t, kind, StepStatus::Done);
                t.message = if *reconciled {
                    format!("{id}: found in the target")
                } else {
                    format!("{id}: done")
                };
            }
            Event::StepFailed { id, kind, reason } | Event::StepBlocked { id, kind, reason } => {
                let status = match event {
                    Event::StepFailed { .. } => StepStatus::Failed,
                    _ => StepStatus::Blocked,
                };
                finish(&mut t, kind, status);
                t.message = format!("{id}: {status}: {reason}");
                if t.recent_failures.len() == RECENT_FAILURES {
                    t.recent_failures.pop_front();
                }
                t.recent_failures.push_back(RecentFailure {
                    id: id.to_string(),
                    status: status.as_str(),
                    reason: reason.to_string(),
                });
            }
            Event::Stopping { reason } => t.message = format!("stopping: {reason}"),
            Event::TokenRefused { token_env } => {
                t.message = ghl_migrate::progress::refused_token(token_env);
                if !t.refused_tokens.iter().any(|v| v == token_env) {
                    t.refused_tokens.push(token_env.to_string());
                }
            }
            _ => {}
        }
    }
}

impl Progress for Live {
    fn event(&self, event: &Event<'_>) {
        self.note(event);
        let mut data = serde_json::to_value(event).unwrap_or_else(|_| json!({}));
        data["run"] = json!(self.run);
        data["at_ms"] = json!(now_ms());
        self.hub.send("progress", &data);
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_per_kind_and_keeps_recent_failures() {
        let plan: Plan = ghl_migrate::plan::file::parse(
            std::path::Path::new("t.plan.yaml"),
            include_str!("../../tests/plan_file_sample.plan.yaml"),
        )
        .unwrap();
        let hub = Hub::default();
        let mut rx = hub.tx.subscribe();
        let live = Live::new(7, &plan, &[], hub);
        let total: usize = live.tally().kinds.values().map(|k| k.total).sum();
        assert_eq!(total, plan.steps.len());
        live.event(&Event::StepStarted {
            id: "contact/a",
            kind: "contact",
        });
        live.event(&Event::StepFailed {
            id: "contact/a",
            kind: "contact",
            reason: "400 bad phone",
        });
        let t = live.tally();
        assert_eq!(t.stage.as_deref(), Some("contact"));
        assert_eq!(t.kinds["contact"].failed, 1);
        assert_eq!(t.recent_failures[0].reason, "400 bad phone");
        let first = rx.try_recv().unwrap();
        assert_eq!(first.name, "progress");
        let data: Value = serde_json::from_str(&first.data).unwrap();
        assert_eq!(data["event"], "step_started");
        assert_eq!(data["run"], 7);
    }
}

//! The result of an apply (or the progress `status` reads back): per kind what is done, failed,
//! blocked, pending, and what the plan itself left out; failures with reasons; time and requests.
//! Built from the checkpoint, so `apply` and `status` tell the same story.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::Plan;
use crate::state::{RunRecord, StepRecord, StepStatus};

/// Counts for one object kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// Steps done (created, or updated for merges).
    pub done: usize,
    /// Of those, creates.
    pub created: usize,
    /// Of those, updates of existing target objects (merge, overwrite).
    pub updated: usize,
    /// Of those, deletes (`undo`); `already_gone` of them found the object gone (not found).
    pub deleted: usize,
    pub already_gone: usize,
    /// Of those, contacts given back what a merge added (`undo`).
    pub restored: usize,
    pub failed: usize,
    pub blocked: usize,
    /// Not finished yet (pending, or in doubt until a resume reconciles it).
    pub pending: usize,
    /// What the plan itself does not do (blocked by the plan, skipped, duplicates, ...).
    pub not_in_plan: usize,
    /// The same, by the plan's outcome (`blocked`, `filtered`, `duplicate_in_source`, ...):
    /// the counts of the plan's summary.
    pub not_in_plan_by_outcome: BTreeMap<String, usize>,
}

/// A step that did not succeed, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub id: String,
    pub status: String,
    pub reason: String,
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Ending {
    /// Every step is done.
    Complete,
    /// Every step ran; the API refused some.
    Rejected,
    /// Stopped early; `--resume` continues.
    Stopped { reason: String },
    /// Stopped on something a person must fix (credentials, a broken server).
    Error { reason: String },
    /// As `status` sees a run that has not ended (running, or stopped early, or not begun).
    Unfinished { note: String },
}

impl Ending {
    /// In words, for the end of progress: `complete`, `rejected`, or why it stopped.
    pub fn reason(&self) -> String {
        match self {
            Ending::Complete => "complete".into(),
            Ending::Rejected => "rejected: the API refused some objects".into(),
            Ending::Stopped { reason } => format!("stopped: {reason}"),
            Ending::Error { reason } => format!("error: {reason}"),
            Ending::Unfinished { note } => note.clone(),
        }
    }
}

/// What an apply session reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub plan: String,
    pub ending: Ending,
    /// By kind: `custom_field`, `contact`, `opportunity`.
    pub kinds: BTreeMap<String, KindCounts>,
    pub failures: Vec<Failure>,
    /// Steps found in the target instead of being sent again (after a crash or a lost answer).
    pub reconciled: usize,
    /// False when read back from the checkpoint (`status`): no session to speak of.
    #[serde(skip)]
    pub has_session: bool,
    /// This session's duration and requests (calls through `Ghl`: a paged read counts once).
    pub session_ms: u64,
    pub session_requests: u64,
    /// Totals over every session of the run.
    pub total_ms: u64,
    pub total_requests: u64,
}

impl Report {
    /// Counts from the checkpoint's steps (and the plan's own not-done list).
    pub fn from_steps(
        plan: &Plan,
        steps: &[StepRecord],
    ) -> (BTreeMap<String, KindCounts>, Vec<Failure>, usize) {
        let mut kinds: BTreeMap<String, KindCounts> = ["custom_field", "contact", "opportunity"]
            .iter()
            .map(|k| (k.to_string(), KindCounts::default()))
            .collect();
        let mut failures = Vec::new();
        let mut reconciled = 0;
        for s in steps {
            let k = kinds.entry(s.kind.clone()).or_default();
            match s.status {
                StepStatus::Done => {
                    k.done += 1;
                    // A stage addition creates a stage (the plan's summary says `create`).
                    if s.action.starts_with("create") || s.action == "add_stage" {
                        k.created += 1;
                    } else if s.action == "delete" {
                        k.deleted += 1;
                        k.already_gone += s.reconciled as usize;
                    } else if s.action == "restore_contact" {
                        k.restored += 1;
                    } else {
                        k.updated += 1;
                    }
                    reconciled += s.reconciled as usize;
                }
                StepStatus::Failed => k.failed += 1,
                StepStatus::Blocked => k.blocked += 1,
                StepStatus::Pending | StepStatus::Sending => k.pending += 1,
            }
            if matches!(s.status, StepStatus::Failed | StepStatus::Blocked) {
                failures.push(Failure {
                    id: s.id.clone(),
                    status: s.status.to_string(),
                    reason: s.last_error.clone().unwrap_or_default(),
                });
            }
        }
        for n in &plan.not_done {
            let kind = n.id.split('/').next().unwrap_or_default();
            if let Some(k) = kinds.get_mut(kind) {
                k.not_in_plan += 1;
                *k.not_in_plan_by_outcome
                    .entry(n.outcome.clone())
                    .or_default() += 1;
            }
        }
        (kinds, failures, reconciled)
    }

    /// The report of a run as its checkpoint holds it.
    pub fn build(
        plan: &Plan,
        run: Option<&RunRecord>,
        steps: &[StepRecord],
        ending: Ending,
        session: Session,
    ) -> Report {
        let (kinds, failures, reconciled) = Report::from_steps(plan, steps);
        Report {
            plan: plan.name.clone(),
            ending,
            kinds,
            failures,
            reconciled,
            has_session: true,
            session_ms: session.ms,
            session_requests: session.requests,
            total_ms: run.map_or(0, |r| r.active_ms as u64),
            total_requests: run.map_or(0, |r| r.requests as u64),
        }
    }

    /// The process exit code of this ending (see `error::exit`).
    pub fn exit_code(&self) -> i32 {
        use crate::error::exit;
        match self.ending {
            Ending::Complete => exit::OK,
            Ending::Rejected => exit::PARTIAL,
            Ending::Stopped { .. } | Ending::Unfinished { .. } => exit::RESUMABLE,
            Ending::Error { .. } => exit::ERROR,
        }
    }
}

/// What one session measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Session {
    pub ms: u64,
    pub requests: u64,
}

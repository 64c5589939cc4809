//! What the checkpoint holds and what is written to it: the run, its steps, and step changes.

use crate::plan::Plan;

use super::StepStatus;

/// The run a checkpoint belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub plan_name: String,
    pub plan_fingerprint: String,
    pub target_api: String,
    pub target_location: String,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    /// How many times apply ran on this state (1 + resumes).
    pub sessions: i64,
    /// Time spent applying, summed over sessions.
    pub active_ms: i64,
    /// Requests sent, summed over sessions.
    pub requests: i64,
}

/// One step as the checkpoint holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub id: String,
    pub kind: String,
    pub action: String,
    pub status: StepStatus,
    pub attempts: i64,
    pub target_id: Option<String>,
    /// Found in the target by its natural key rather than created by a request we saw succeed.
    pub reconciled: bool,
    pub last_error: Option<String>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
}

/// What a new run records up front: the plan's identity and every step, `pending`.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub plan_name: String,
    pub plan_fingerprint: String,
    pub target_api: String,
    pub target_location: String,
    pub steps: Vec<NewStep>,
}

#[derive(Debug, Clone)]
pub struct NewStep {
    pub id: String,
    pub kind: String,
    pub action: String,
}

impl NewRun {
    /// The run of `plan`, every step pending.
    pub fn of(plan: &Plan) -> NewRun {
        NewRun {
            plan_name: plan.name.clone(),
            plan_fingerprint: plan_fingerprint(plan),
            target_api: plan.target.api.clone(),
            target_location: plan.target.location.clone(),
            steps: plan
                .steps
                .iter()
                .map(|s| NewStep {
                    id: s.id.clone(),
                    kind: s.action.kind().to_string(),
                    action: s.action.name().to_string(),
                })
                .collect(),
        }
    }
}

/// A step's move to a new status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The intent: a request is about to leave (counts an attempt).
    Sending,
    /// Back to pending: the request could not have been acted on (e.g. 429), send it again later.
    Pending {
        reason: String,
    },
    Done {
        target_id: String,
        reconciled: bool,
    },
    Failed {
        reason: String,
    },
    Blocked {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub id: String,
    pub change: Change,
}

/// What one apply session adds to the run's totals.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionEnd {
    pub active_ms: i64,
    pub requests: i64,
    /// Every step is terminal: the run is over.
    pub finished: bool,
}

/// Identifies the plan a checkpoint belongs to: its name, target and steps (not its summary).
pub fn plan_fingerprint(plan: &Plan) -> String {
    crate::plan::fingerprint::of(&(&plan.name, &plan.target, &plan.steps))
}

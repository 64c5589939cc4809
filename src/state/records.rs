//! What the ledger holds and what is written to it: runs, their steps, step changes, and the
//! map of every object this migration wrote.

use crate::plan::Plan;

use super::StepStatus;

/// One run of one plan revision (or of an undo plan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Its number in the ledger, from 1, in the order runs began.
    pub id: i64,
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
    /// The process of its latest session.
    pub pid: Option<i64>,
    /// Applied to a fixture in memory: it wrote nothing anywhere, and is not in the map.
    pub dry_run: bool,
    /// An undo plan's run.
    pub undo: bool,
}

impl RunRecord {
    /// The short revision `plan`, `show` and `status` print.
    pub fn revision(&self) -> &str {
        short_revision(&self.plan_fingerprint)
    }
}

/// What the ledger knows of one object this migration wrote: the source object, the target
/// object, how (`created`, `merged`, `adopted`: found in the target after a lost answer), the
/// run and step that wrote it, when, and the request it sent (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRecord {
    /// `custom_field`, `contact`, `opportunity`, or any kind a later step type adds.
    pub kind: String,
    /// The source object's id (or, where it has none, the plan step's id).
    pub source_key: String,
    pub target_id: String,
    pub how: String,
    pub run_id: i64,
    pub step_id: String,
    pub body: Option<String>,
    pub at_ms: i64,
    /// What a merge or overwrite found before writing (JSON of `plan::undo::Before`); `None`
    /// for creates, and for merges recorded before ledger version 3.
    pub before: Option<String>,
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
    /// An undo plan's run: a step done takes its object out of the map.
    pub undo: bool,
    /// A dry run (a fixture target in memory): recorded, but it wrote nothing to map.
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub struct NewStep {
    pub id: String,
    pub kind: String,
    pub action: String,
    /// The source object the step writes, for the ledger's map.
    pub source_key: Option<String>,
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
                    source_key: Some(s.action.source_id().unwrap_or(&s.id).to_string()),
                })
                .collect(),
            undo: plan.is_undo(),
            dry_run: false,
        }
    }
}

/// A step's move to a new status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The intent: a request is about to leave (counts an attempt), with the request it sends.
    Sending {
        body: Option<String>,
    },
    /// Back to pending: the request could not have been acted on (e.g. 429), send it again later.
    Pending {
        reason: String,
    },
    Done {
        target_id: String,
        reconciled: bool,
    },
    /// What an update found in the target before writing (recorded with its `Done`).
    Before {
        before: String,
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

/// A session's time applying and requests sent, so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionUsage {
    pub active_ms: i64,
    pub requests: i64,
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

/// The first 12 hex digits of a fingerprint: the revision people see and type.
pub fn short_revision(fingerprint: &str) -> &str {
    let hex = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
    &hex[..hex.len().min(12)]
}

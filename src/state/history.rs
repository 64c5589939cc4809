//! The migration's history as `status` shows it: each run, its revision, and where it stands.

use serde::Serialize;

use super::{RunRecord, StepRecord, StepStatus};

/// Where one run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunState {
    /// An apply is running it now.
    Running { pid: u32 },
    /// It stopped before its end: `apply PLAN --resume` continues it.
    Stopped,
    /// Every step is done.
    Complete,
    /// Every step ran; some were refused or blocked.
    Failed,
    /// Recorded, nothing sent yet.
    NotStarted,
}

impl RunState {
    /// Where `run` stands, from its steps and the process holding the ledger now (if any).
    pub fn of(run: &RunRecord, steps: &[StepRecord], writer: Option<u32>) -> RunState {
        if let Some(pid) = writer.filter(|&p| run.pid == Some(i64::from(p))) {
            return RunState::Running { pid };
        }
        if steps.iter().all(|s| s.status.is_terminal()) && run.finished_at_ms.is_some() {
            let refused = steps
                .iter()
                .any(|s| matches!(s.status, StepStatus::Failed | StepStatus::Blocked));
            return if refused {
                RunState::Failed
            } else {
                RunState::Complete
            };
        }
        if steps
            .iter()
            .all(|s| s.attempts == 0 && !s.status.is_terminal())
        {
            return RunState::NotStarted;
        }
        RunState::Stopped
    }

    /// As people read it.
    pub fn describe(&self) -> String {
        match self {
            RunState::Running { pid } => format!("running (process {pid})"),
            RunState::Stopped => "stopped, resumable (--resume)".into(),
            RunState::Complete => "complete".into(),
            RunState::Failed => "finished, some objects refused".into(),
            RunState::NotStarted => "not started".into(),
        }
    }
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub run: i64,
    pub revision: String,
    pub undo: bool,
    pub dry_run: bool,
    #[serde(flatten)]
    pub state: RunState,
    pub steps: usize,
    pub done: usize,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

impl RunSummary {
    pub fn of(run: &RunRecord, steps: &[StepRecord], writer: Option<u32>) -> Self {
        RunSummary {
            run: run.id,
            revision: run.revision().to_string(),
            undo: run.undo,
            dry_run: run.dry_run,
            state: RunState::of(run, steps, writer),
            steps: steps.len(),
            done: steps
                .iter()
                .filter(|s| s.status == StepStatus::Done)
                .count(),
            started_at_ms: run.started_at_ms,
            finished_at_ms: run.finished_at_ms,
        }
    }

    /// `#2  rev 3fa1c2d4e5b6  complete  180/180 steps done`.
    pub fn line(&self) -> String {
        format!(
            "#{:<3} revision {}{}{}  {}/{} steps done  {}",
            self.run,
            self.revision,
            if self.undo { " (undo)" } else { "" },
            if self.dry_run { " (dry run)" } else { "" },
            self.done,
            self.steps,
            self.state.describe()
        )
    }
}

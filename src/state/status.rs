//! The life of one step in the checkpoint: `pending -> sending -> done | failed`, or `blocked`
//! when a step it depends on did not succeed.

use std::fmt;
use std::str::FromStr;

/// Where a step stands. `Sending` is written (and committed) before its request leaves, so a
/// step found `Sending` after a crash is in doubt and must be reconciled before it is re-sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepStatus {
    Pending,
    Sending,
    Done,
    Failed,
    Blocked,
}

impl StepStatus {
    pub const ALL: [StepStatus; 5] = [
        StepStatus::Pending,
        StepStatus::Sending,
        StepStatus::Done,
        StepStatus::Failed,
        StepStatus::Blocked,
    ];

    /// The spelling stored in the database and shown to people.
    pub fn as_str(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Sending => "sending",
            StepStatus::Done => "done",
            StepStatus::Failed => "failed",
            StepStatus::Blocked => "blocked",
        }
    }

    /// Nothing more will happen to the step in this run or a resumed one.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            StepStatus::Done | StepStatus::Failed | StepStatus::Blocked
        )
    }
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StepStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StepStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown step status `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_spelling() {
        for st in StepStatus::ALL {
            assert_eq!(st.as_str().parse::<StepStatus>(), Ok(st));
        }
        assert!("sent".parse::<StepStatus>().is_err());
    }

    #[test]
    fn only_done_failed_and_blocked_are_terminal() {
        assert!(!StepStatus::Pending.is_terminal());
        assert!(!StepStatus::Sending.is_terminal());
        assert!(StepStatus::Done.is_terminal());
        assert!(StepStatus::Failed.is_terminal());
        assert!(StepStatus::Blocked.is_terminal());
    }
}

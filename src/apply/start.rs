//! Whether an apply may start, and how: fresh, resuming, or nothing left to do. A pure decision
//! over what the ledger holds, in the spirit of refinery's history table: a partial run of
//! this revision without `--resume` is refused, and so is a plan that did not see a run of
//! another revision which wrote to the target after the plan was made.

use crate::plan::Plan;
use crate::state::{RunRecord, StepRecord, StepStatus};

/// How this apply starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Nothing was sent yet: check the plan is not stale, record the run, go.
    Fresh,
    /// Continue a stopped run: trust the checkpoint, reconcile the steps in doubt.
    Resume,
    /// Every step is done, failed or blocked: nothing to send.
    Finished,
}

/// What the ledger holds that matters to an apply of one plan revision.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// The latest run of this revision, if it ran, and its steps.
    pub run: Option<&'a RunRecord>,
    pub steps: &'a [StepRecord],
    /// Runs of other revisions that the plan did not see (begun after the last run it saw)
    /// and that sent something.
    pub unseen: &'a [RunRecord],
}

/// Decides how an apply of `plan` starts.
pub fn decide(plan: &Plan, history: History<'_>, resume: bool) -> Result<Start, String> {
    let History { run, steps, unseen } = history;
    if run.is_some() {
        if !steps.is_empty() && steps.iter().all(|s| s.status.is_terminal()) {
            return Ok(Start::Finished);
        }
        let started = steps
            .iter()
            .any(|s| s.status != StepStatus::Pending || s.attempts > 0);
        if started {
            // A run of another revision that began after this one stopped and wrote to the
            // target has done (some of) this run's remaining work: resuming would repeat it.
            if let Some(later) = unseen
                .iter()
                .find(|r| run.is_some_and(|this| r.id > this.id))
            {
                return Err(format!(
                    "run #{} of this migration (revision {}, {}) wrote to the target after this \
                     run stopped, so it may have done what is left here: resuming this older \
                     revision could write it twice; re-run plan and apply the new revision",
                    later.id,
                    later.revision(),
                    if later.finished_at_ms.is_some() {
                        "finished"
                    } else {
                        "not finished"
                    },
                ));
            }
            if resume {
                return Ok(Start::Resume);
            }
            let done = steps.iter().filter(|s| s.status.is_terminal()).count();
            return Err(format!(
                "a partial apply of this plan is recorded here ({done} of {} steps finished); \
                 add --resume to continue it",
                steps.len()
            ));
        }
    }
    if let Some(other) = unseen.first() {
        return Err(format!(
            "run #{} of this migration (revision {}, {}) wrote to the target after this plan \
             was made, and the plan did not see it: re-run plan{}",
            other.id,
            other.revision(),
            if other.finished_at_ms.is_some() {
                "finished"
            } else {
                "not finished"
            },
            if plan.target.ledger_run.is_none() {
                " (this plan saw no earlier run of the migration)"
            } else {
                ""
            }
        ));
    }
    Ok(Start::Fresh)
}

/// The runs `plan` did not see: begun after the last run it saw, of another revision.
pub fn unseen<'a>(
    plan: &Plan,
    fingerprint: &str,
    runs: &'a [RunRecord],
) -> impl Iterator<Item = &'a RunRecord> {
    let seen = plan.target.ledger_run.unwrap_or(0);
    runs.iter()
        .filter(move |r| r.id > seen && r.plan_fingerprint != fingerprint && !r.dry_run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::testing::*;
    use crate::state::plan_fingerprint;

    fn run_of(plan: &Plan, id: i64) -> RunRecord {
        RunRecord {
            id,
            plan_name: plan.name.clone(),
            plan_fingerprint: plan_fingerprint(plan),
            target_api: "fixture".into(),
            target_location: "TGT".into(),
            started_at_ms: 0,
            finished_at_ms: None,
            sessions: 1,
            active_ms: 0,
            requests: 0,
            pid: None,
            dry_run: false,
            undo: false,
        }
    }

    fn step(status: StepStatus, attempts: i64) -> StepRecord {
        StepRecord {
            id: "x/1".into(),
            kind: "contact".into(),
            action: "create_contact".into(),
            status,
            attempts,
            target_id: None,
            reconciled: false,
            last_error: None,
            started_at_ms: None,
            finished_at_ms: None,
        }
    }

    fn of<'a>(run: Option<&'a RunRecord>, steps: &'a [StepRecord]) -> History<'a> {
        History {
            run,
            steps,
            unseen: &[],
        }
    }

    #[test]
    fn an_empty_ledger_or_a_run_that_never_sent_starts_fresh() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        assert_eq!(decide(&plan, of(None, &[]), false), Ok(Start::Fresh));
        let run = run_of(&plan, 1);
        let steps = [step(StepStatus::Pending, 0)];
        assert_eq!(
            decide(&plan, of(Some(&run), &steps), false),
            Ok(Start::Fresh)
        );
    }

    #[test]
    fn a_partial_run_needs_resume() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        let run = run_of(&plan, 1);
        let steps = [step(StepStatus::Done, 1), step(StepStatus::Sending, 1)];
        let err = decide(&plan, of(Some(&run), &steps), false).unwrap_err();
        assert!(err.contains("add --resume"), "{err}");
        assert!(err.contains("1 of 2"), "{err}");
        assert_eq!(
            decide(&plan, of(Some(&run), &steps), true),
            Ok(Start::Resume)
        );
        let retried = [step(StepStatus::Pending, 1)];
        assert!(decide(&plan, of(Some(&run), &retried), false).is_err());
    }

    #[test]
    fn a_finished_run_has_nothing_to_do_with_or_without_resume() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        let run = run_of(&plan, 1);
        let steps = [step(StepStatus::Done, 1), step(StepStatus::Failed, 1)];
        let history = of(Some(&run), &steps);
        assert_eq!(decide(&plan, history, false), Ok(Start::Finished));
        assert_eq!(decide(&plan, history, true), Ok(Start::Finished));
    }

    #[test]
    fn a_new_revision_starts_fresh_unless_a_run_it_did_not_see_wrote_since() {
        let old = plan_of(vec![field_step("f/a", "A")]);
        let mut new = old.clone();
        new.steps.push(field_step("f/b", "B"));
        let runs = [run_of(&old, 1)];
        let fp = plan_fingerprint(&new);
        // Made before run 1: it did not see it.
        let not_seen: Vec<RunRecord> = unseen(&new, &fp, &runs).cloned().collect();
        let history = History {
            run: None,
            steps: &[],
            unseen: &not_seen,
        };
        let err = decide(&new, history, false).unwrap_err();
        assert!(err.contains("run #1"), "{err}");
        assert!(err.contains(runs[0].revision()), "{err}");
        // Made after it: a normal new revision.
        new.target.ledger_run = Some(1);
        let fp = plan_fingerprint(&new);
        assert_eq!(unseen(&new, &fp, &runs).count(), 0);
        assert_eq!(decide(&new, of(None, &[]), false), Ok(Start::Fresh));
    }
}

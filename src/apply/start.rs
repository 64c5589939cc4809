//! Whether an apply may start, and how: fresh, resuming, or nothing left to do. A pure decision
//! over what the checkpoint holds, in the spirit of refinery's history table: a checkpoint made
//! for another plan, or a partial run without `--resume`, is refused.

use crate::plan::Plan;
use crate::state::{RunRecord, StepRecord, StepStatus, plan_fingerprint};

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

/// Decides how an apply of `plan` starts on a checkpoint holding `run` and `steps`.
pub fn decide(
    plan: &Plan,
    run: Option<&RunRecord>,
    steps: &[StepRecord],
    resume: bool,
) -> Result<Start, String> {
    let Some(run) = run else {
        return Ok(Start::Fresh);
    };
    if run.plan_fingerprint != plan_fingerprint(plan) {
        let same_name = run.plan_name == plan.name;
        return Err(format!(
            "this checkpoint belongs to {} (plan `{}`, {}); pass another --state, or move the \
             file away if that run is over",
            if same_name {
                "another revision of this plan"
            } else {
                "another plan"
            },
            run.plan_name,
            run.plan_fingerprint
        ));
    }
    if steps.iter().all(|s| s.status.is_terminal()) {
        return Ok(Start::Finished);
    }
    let started = steps
        .iter()
        .any(|s| s.status != StepStatus::Pending || s.attempts > 0);
    if !started {
        return Ok(Start::Fresh);
    }
    if resume {
        return Ok(Start::Resume);
    }
    let done = steps.iter().filter(|s| s.status.is_terminal()).count();
    Err(format!(
        "a partial apply of this plan is recorded here ({done} of {} steps finished); add \
         --resume to continue it",
        steps.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::testing::*;

    fn run_of(plan: &Plan) -> RunRecord {
        RunRecord {
            plan_name: plan.name.clone(),
            plan_fingerprint: plan_fingerprint(plan),
            target_api: "fixture".into(),
            target_location: "TGT".into(),
            started_at_ms: 0,
            finished_at_ms: None,
            sessions: 1,
            active_ms: 0,
            requests: 0,
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

    #[test]
    fn an_empty_checkpoint_or_one_that_never_sent_starts_fresh() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        assert_eq!(decide(&plan, None, &[], false), Ok(Start::Fresh));
        let run = run_of(&plan);
        let steps = [step(StepStatus::Pending, 0)];
        assert_eq!(decide(&plan, Some(&run), &steps, false), Ok(Start::Fresh));
    }

    #[test]
    fn a_partial_run_needs_resume() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        let run = run_of(&plan);
        let steps = [step(StepStatus::Done, 1), step(StepStatus::Sending, 1)];
        let err = decide(&plan, Some(&run), &steps, false).unwrap_err();
        assert!(err.contains("add --resume"), "{err}");
        assert!(err.contains("1 of 2"), "{err}");
        assert_eq!(decide(&plan, Some(&run), &steps, true), Ok(Start::Resume));
        let retried = [step(StepStatus::Pending, 1)];
        assert!(decide(&plan, Some(&run), &retried, false).is_err());
    }

    #[test]
    fn a_finished_run_has_nothing_to_do_with_or_without_resume() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        let run = run_of(&plan);
        let steps = [step(StepStatus::Done, 1), step(StepStatus::Failed, 1)];
        assert_eq!(
            decide(&plan, Some(&run), &steps, false),
            Ok(Start::Finished)
        );
        assert_eq!(decide(&plan, Some(&run), &steps, true), Ok(Start::Finished));
    }

    #[test]
    fn a_checkpoint_of_another_plan_is_refused() {
        let plan = plan_of(vec![field_step("f/a", "A")]);
        let mut other = plan.clone();
        other.steps.push(field_step("f/b", "B"));
        let run = run_of(&other);
        let err = decide(&plan, Some(&run), &[], true).unwrap_err();
        assert!(err.contains("another revision of this plan"), "{err}");
        other.name = "elsewhere".into();
        let err = decide(&plan, Some(&run_of(&other)), &[], true).unwrap_err();
        assert!(err.contains("another plan"), "{err}");
    }
}

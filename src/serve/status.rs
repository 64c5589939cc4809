//! The status of the migration's run, `GET /status/{migration_id}` and the event stream's
//! `status` messages: the old progress callback's keys (`stage`, `current`, `total`,
//! `percentage`, `message`), the run's state and exit code, per-kind progress, objects/s, ETA,
//! the rate limit and recent failures; from the running apply, or else from the checkpoint.

use serde_json::{Value, json};

use ghl_migrate::apply::Ending;
use ghl_migrate::plan::Plan;
use ghl_migrate::state::Lock;

use super::App;
use super::events::{KindProgress, RecentFailure, Tally};
use super::runs::{Outcome, Phase, exit_code_of};
use crate::cli;

/// The status now.
pub fn status(app: &App) -> Value {
    let plan = app.plan().ok();
    let order = |kinds: &mut Vec<(String, KindProgress)>| {
        if let Some(p) = &plan {
            let first = |k: &str| p.steps.iter().position(|s| s.action.kind() == k);
            kinds.sort_by_key(|(k, _)| first(k).unwrap_or(usize::MAX));
        }
    };
    let slot = app.runs.slot();
    let mut doc = if let Some(c) = slot.as_ref() {
        let tally = c.live.tally();
        let mut kinds: Vec<_> = tally.kinds.clone().into_iter().collect();
        order(&mut kinds);
        let (state, outcome) = match &c.phase {
            Phase::Running => ("running", None),
            Phase::Stopping => ("stopping", None),
            Phase::Ended(o) => (o.state, Some(o)),
        };
        let mut doc = document(app, state, &kinds, &tally);
        doc["run"] = json!(c.number);
        doc["resumed"] = json!(c.resumed);
        doc["started_at_ms"] = json!(c.started_ms);
        if let Some(o) = outcome {
            doc["exit_code"] = json!(o.exit_code);
            doc["reason"] = json!(o.reason);
        }
        doc
    } else {
        drop(slot);
        from_checkpoint(app, plan.as_deref(), order)
    };
    doc["rate_limit"] = app.settings.pacing();
    doc
}

/// The status after a restart (or before any run here): what the checkpoint holds.
fn from_checkpoint(
    app: &App,
    plan: Option<&Plan>,
    order: impl Fn(&mut Vec<(String, KindProgress)>),
) -> Value {
    let Some(plan) = plan else {
        let mut doc = document(app, "no_plan", &[], &Tally::default());
        doc["message"] = json!("no plan yet: POST /api/v1/migration/plan makes one");
        return doc;
    };
    let reading = match cli::status::read(plan, &app.state_path) {
        Ok(r) => r,
        Err(e) => {
            let mut doc = document(app, "failed", &[], &Tally::default());
            doc["message"] = json!(e.to_string());
            return doc;
        }
    };
    let mut kinds: Vec<(String, KindProgress)> = reading
        .report
        .kinds
        .iter()
        .map(|(k, c)| {
            let p = KindProgress {
                total: c.done + c.failed + c.blocked + c.pending,
                done: c.done,
                failed: c.failed,
                blocked: c.blocked,
            };
            (k.clone(), p)
        })
        .filter(|(_, p)| p.total > 0)
        .collect();
    order(&mut kinds);
    let state = match (&reading.run, &reading.report.ending) {
        // Another process took the lock and has not recorded its run yet.
        (None, _) if locked_elsewhere(app) => "running_elsewhere",
        (None, _) => "not_started",
        (Some(_), Ending::Unfinished { .. }) if locked_elsewhere(app) => "running_elsewhere",
        (Some(_), ending) => Outcome::of_ending(ending).state,
    };
    let tally = Tally {
        message: match state {
            "not_started" => "not applied yet: POST /api/v1/migration/apply starts it".into(),
            "running_elsewhere" => "another process (a CLI apply) is applying this plan".into(),
            "stopped" => format!(
                "stopped early; POST /api/v1/migration/resume/{} continues it",
                app.migration_id
            ),
            other => other.to_string(),
        },
        recent_failures: reading
            .report
            .failures
            .iter()
            .rev()
            .take(20)
            .rev()
            .map(|f| RecentFailure {
                id: f.id.clone(),
                status: if f.status == "failed" {
                    "failed"
                } else {
                    "blocked"
                },
                reason: f.reason.clone(),
            })
            .collect(),
        ..Tally::default()
    };
    let mut doc = document(app, state, &kinds, &tally);
    doc["run"] = Value::Null;
    if reading.run.is_some() && state != "running_elsewhere" {
        doc["exit_code"] = json!(exit_code_of(state));
    }
    doc
}

/// Whether another process holds the checkpoint's lock (an apply running there). Taking the
/// lock for an instant is the only way to know; a CLI apply starting in that instant would
/// be told another apply runs, and can be started again.
pub fn locked_elsewhere(app: &App) -> bool {
    app.state_path.exists() && Lock::acquire(&app.state_path).is_err()
}

/// The status document's common part.
fn document(app: &App, state: &str, kinds: &[(String, KindProgress)], tally: &Tally) -> Value {
    let stage = tally
        .stage
        .clone()
        .or_else(|| {
            kinds
                .iter()
                .find(|(_, p)| p.pending() > 0)
                .or(kinds.last())
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_default();
    let of_stage = kinds
        .iter()
        .find(|(k, _)| *k == stage)
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    let total: usize = kinds.iter().map(|(_, p)| p.total).sum();
    let finished: usize = kinds.iter().map(|(_, p)| p.finished()).sum();
    let elapsed = tally.first_step_at.map(|t| t.elapsed().as_secs_f64());
    let per_second = elapsed
        .filter(|s| *s > 0.0)
        .map(|s| tally.finished_here as f64 / s);
    let eta = per_second
        .filter(|r| *r > 0.0 && state == "running")
        .map(|r| round1((total - finished) as f64 / r));
    json!({
        "migration_id": app.migration_id,
        "state": state,
        "resumable": state == "stopped",
        "exit_code": null,
        "stage": stage_name(&stage),
        "current": of_stage.finished(),
        "total": of_stage.total,
        "percentage": percent(of_stage.finished(), of_stage.total),
        "message": tally.message,
        "overall": {"current": finished, "total": total, "percentage": percent(finished, total)},
        "kinds": kinds.iter().map(|(k, p)| json!({
            "kind": k, "stage": stage_name(k), "total": p.total, "done": p.done,
            "failed": p.failed, "blocked": p.blocked, "pending": p.pending(),
        })).collect::<Vec<_>>(),
        "objects_per_second": per_second.map(round1),
        "eta_seconds": eta,
        "recent_failures": tally.recent_failures,
        "refused_tokens": tally.refused_tokens,
    })
}

/// The old callback's stage names: `contacts`, `opportunities`, `custom_fields`.
fn stage_name(kind: &str) -> String {
    match kind {
        "" => String::new(),
        "opportunity" => "opportunities".into(),
        k if k.ends_with('s') => k.into(),
        k => format!("{k}s"),
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    round1(part as f64 * 100.0 / whole as f64)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_the_old_callback_names() {
        assert_eq!(stage_name("contact"), "contacts");
        assert_eq!(stage_name("opportunity"), "opportunities");
        assert_eq!(stage_name("custom_field"), "custom_fields");
        assert_eq!(percent(120, 198), 60.6);
        assert_eq!(percent(0, 0), 100.0);
    }
}

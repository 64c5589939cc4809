//! The `status` command: a plan's progress and results, read from the migration's ledger
//! (without the lock, so it works while an apply runs), and the history of every run of every
//! revision. JSON keeps the seed system's summary shape.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use ghl_migrate::apply::{self, Ending, KindCounts, Report, Session};
use ghl_migrate::config;
use ghl_migrate::error::{Result, exit};
use ghl_migrate::plan::Plan;
use ghl_migrate::state::{
    Access, RunRecord, RunSummary, State, StepStatus, plan_fingerprint, short_revision,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plan whose apply to report on.
    plan: PathBuf,
    /// The checkpoint (default: the one migration.yaml names, else .ghl-migrate/<name>.sqlite).
    #[arg(long)]
    state: Option<PathBuf>,
    /// The declaration, for the default checkpoint path.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> Result<i32> {
    let plan = super::apply::read_plan(&args.plan)?;
    let path = args.state.clone().unwrap_or_else(|| {
        config::load(&args.config, &super::env_var)
            .map(|l| l.state_path())
            .unwrap_or_else(|_| PathBuf::from(".ghl-migrate").join(format!("{}.sqlite", plan.name)))
    });
    let reading = read(&plan, &path)?;
    match args.format {
        Format::Text => {
            outln!("revision {}", reading.revision);
            out!("{}", apply::render(&reading.report));
            out!("{}", history_text(&reading.history));
        }
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&summary(&plan, &reading)).unwrap_or_default()
        ),
    }
    Ok(exit::OK)
}

/// The migration's runs, one line each, oldest first.
fn history_text(history: &[RunSummary]) -> String {
    if history.is_empty() {
        return "history: no run yet\n".into();
    }
    let mut out = String::from("history (every run of this migration):\n");
    for run in history {
        out.push_str(&format!("  {}\n", run.line()));
    }
    out
}

/// What the checkpoint at `path` says of `plan`'s apply (`serve` reads it the same way).
pub(crate) struct Reading {
    pub run: Option<RunRecord>,
    pub report: Report,
    /// The plan's revision, as `plan` and `show` print it.
    pub revision: String,
    /// Every run of every revision of the migration.
    pub history: Vec<RunSummary>,
}

/// Reads the checkpoint (without the lock: it works while an apply runs); a missing file
/// means nothing was applied yet.
pub(crate) fn read(plan: &Plan, path: &Path) -> Result<Reading> {
    // The ledger holds every revision's runs: this plan's latest, and the whole history.
    let (run, steps, history) = if path.exists() {
        let mut state = State::open(path, Access::Read)?;
        let run = state.select_revision(&plan_fingerprint(plan))?;
        (run, state.steps()?, state.history()?)
    } else {
        (None, Vec::new(), Vec::new())
    };
    let started = run.is_some();
    let all_terminal = started && steps.iter().all(|s| s.status.is_terminal());
    let ending = if !all_terminal {
        Ending::Unfinished {
            note: match (started, ghl_migrate::state::holder(path)) {
                (_, Some(Some(pid))) => format!("running (process {pid})"),
                (_, Some(None)) => "running".into(),
                (true, None) => "stopped early (`apply --resume` continues it)".into(),
                (false, None) => "not applied yet".into(),
            },
        }
    } else if steps
        .iter()
        .any(|s| matches!(s.status, StepStatus::Failed | StepStatus::Blocked))
    {
        Ending::Rejected
    } else {
        Ending::Complete
    };
    let mut report = Report::build(plan, run.as_ref(), &steps, ending, Session::default());
    // Read back from the checkpoint: there is no session of this command to report on.
    report.has_session = false;
    if !started {
        // Nothing recorded yet: every step of the plan is pending.
        for step in &plan.steps {
            report
                .kinds
                .entry(step.action.kind().to_string())
                .or_default()
                .pending += 1;
        }
    }
    Ok(Reading {
        run,
        report,
        revision: short_revision(&plan_fingerprint(plan)).to_string(),
        history,
    })
}

/// The seed system's summary shape, plus per-kind step counts and failures.
pub(crate) fn summary(plan: &Plan, reading: &Reading) -> Value {
    let (run, report) = (reading.run.as_ref(), &reading.report);
    let k = |kind: &str| report.kinds.get(kind).cloned().unwrap_or_default();
    let (fields, contacts, opps) = (k("custom_field"), k("contact"), k("opportunity"));
    json!({
        "plan": plan.name,
        "custom_fields": {
            "status": kind_status(&fields),
            // The plan's count of source fields with a target (matched, mapped or created),
            // the same number as `smart_mapping_report.summary.fields_mapped`.
            "mapped_count": plan.mapping.fields_mapped,
            "created_count": fields.created,
        },
        "pipelines": {
            // Created by steps (pipelines, then their stages): done when those are.
            "status": kind_status(&both(&k("pipeline"), &k("stage"))),
            "mapped_count": plan.mapping.pipelines_mapped,
            "created_count": k("pipeline").created,
        },
        "contacts": {
            "status": kind_status(&contacts),
            "mapped_count": contacts.done,
            "created_count": contacts.created,
        },
        "opportunities": {
            "status": kind_status(&opps),
            "created_count": opps.created,
        },
        "duration_minutes": run.map_or(0.0, |r| ((r.active_ms as f64) / 600.0).round() / 100.0),
        "smart_mapping_report": {
            "summary": {
                "pipelines_mapped": plan.mapping.pipelines_mapped,
                "stages_mapped": plan.mapping.stages_mapped,
                "fields_mapped": plan.mapping.fields_mapped,
                "overall_readiness_percent": plan.mapping.overall_readiness_percent,
            }
        },
        "state": report.ending.reason(),
        "steps": report.kinds,
        "failures": report.failures,
        "requests": report.total_requests,
        "finished": run.is_some_and(|r| r.finished_at_ms.is_some()),
        "revision": reading.revision,
        "runs": reading.history,
    })
}

/// The step counts of two kinds together, for a status that covers both.
fn both(a: &KindCounts, b: &KindCounts) -> KindCounts {
    KindCounts {
        done: a.done + b.done,
        failed: a.failed + b.failed,
        blocked: a.blocked + b.blocked,
        pending: a.pending + b.pending,
        ..KindCounts::default()
    }
}

/// `completed`, `completed_with_errors`, `in_progress` or `pending`.
fn kind_status(k: &KindCounts) -> &'static str {
    if k.pending == 0 {
        if k.failed + k.blocked > 0 {
            "completed_with_errors"
        } else {
            "completed"
        }
    } else if k.done + k.failed + k.blocked > 0 {
        "in_progress"
    } else {
        "pending"
    }
}

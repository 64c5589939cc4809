//! The `undo` command (Terraform's `destroy`): read the migration's ledger and the target as it
//! is now (every object the ledger names read by id, never by search alone), and write a
//! reviewable plan that removes exactly what this migration wrote. `apply` runs it like any
//! plan. The source is not read: an undo works when the source is gone.

use std::path::PathBuf;

use ghl_migrate::config::{self, ApiKind, Loaded};
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::ghl::memory::{MemoryAccount, MemoryOptions};
use ghl_migrate::ghl::remote::{self, Side as RemoteSide};
use ghl_migrate::ghl::{self, ApiResult, Ghl};
use ghl_migrate::ledger::Reading;
use ghl_migrate::model::Account;
use ghl_migrate::plan::undo_build::{UndoInput, build};
use ghl_migrate::plan::{Plan, Side, fingerprint};
use ghl_migrate::progress::{Event, Progress};
use ghl_migrate::state::{ObjectRecord, State, StepStatus, plan_fingerprint, short_revision};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The migration's declaration (its ledger and target are undone).
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// Where to write the undo plan (default: plans/<name>.undo.plan.yaml).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// Exit 0 when there is nothing to undo, 2 when there is (1 on error).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Progress of the reads on stderr: a live display on a terminal, timestamped log lines
    /// otherwise (auto); or `bars`, `log`, `json` (JSON lines), `none`.
    #[arg(long, value_enum, default_value_t = super::apply::ProgressKind::Auto)]
    progress: super::apply::ProgressKind,
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let path = loaded.state_path();
    if !path.exists() {
        return Err(Error::State {
            path,
            message: "no ledger here: this migration has not written anything to undo".into(),
        });
    }
    let state = State::open_upgrading(&path)?;
    if let Some(pid) = state.writer_pid() {
        return Err(Error::State {
            path,
            message: format!(
                "an apply of this migration is running (process {pid}) and writing its ledger: \
                 an undo planned now would miss what it writes next. Let it end (or stop it \
                 with Ctrl-C), then undo"
            ),
        });
    }
    if let Some(message) = in_doubt(&state)? {
        return Err(Error::State { path, message });
    }
    let last_run = state
        .runs()?
        .iter()
        .filter(|r| !r.dry_run)
        .map(|r| r.id)
        .max();
    let progress = super::apply::progress_sink(args.progress, None);
    let plan = super::runtime()?.block_on(make(&loaded, &state, last_run, progress.as_ref()))?;
    drop(state);
    // The reads are over: a terminal display is cleared before the plan is shown.
    drop(progress);
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("plans").join(format!("{}.undo.plan.yaml", loaded.config.name))
    });
    ghl_migrate::plan::file::write(&out, &plan)?;
    outln!("{}", ghl_migrate::render::text::overview(&plan));
    outln!("{}", super::plan::budget_line(&loaded, &plan, None));
    outln!(
        "undo plan written to {} (revision {}); review it, then: ghl-migrate apply {} -c {}",
        out.display(),
        short_revision(&plan_fingerprint(&plan)),
        out.display(),
        args.config.display()
    );
    let changes = !plan.steps.is_empty();
    if !changes {
        outln!(
            "nothing to undo: the ledger maps nothing this migration wrote that is still to remove"
        );
    }
    Ok(if args.detailed_exitcode && changes {
        exit::CHANGES
    } else {
        exit::OK
    })
}

async fn make(
    loaded: &Loaded,
    state: &State,
    last_run: Option<i64>,
    progress: &dyn Progress,
) -> Result<Plan> {
    let api = |source| Error::Api {
        side: "target".into(),
        source,
    };
    let target = &loaded.config.target;
    let reading = Reading {
        in_flight: loaded.config.rate_limit.max_in_flight,
        progress,
    };
    let (account, objects) = match target.api {
        ApiKind::Fixture => {
            let path = loaded.resolve(&target.path.clone().unwrap_or_default());
            let fixture = ghl_migrate::fixture::load(&path)?;
            let memory = MemoryAccount::new(fixture, MemoryOptions::default());
            read(&memory, state, &reading).await?
        }
        ApiKind::V1 | ApiKind::V2 => {
            let live = remote::open(
                RemoteSide::Target,
                target,
                &loaded.config.rate_limit,
                &super::env_var,
            )?;
            read(&live, state, &reading).await?
        }
    };
    let account = account.map_err(api)?;
    let keys: Vec<(&str, &str, &str)> = objects
        .iter()
        .map(|o| (o.kind.as_str(), o.source_key.as_str(), o.target_id.as_str()))
        .collect();
    Ok(build(UndoInput {
        name: &loaded.config.name,
        // The undo's source is the migration's ledger (the source account is not read).
        source: Side {
            api: ghl_migrate::plan::UNDO_SOURCE.into(),
            location: ledger_name(loaded),
            name: format!("the ledger of migration {}", loaded.config.name),
            // What the undo's decisions depend on of the migration: its ledger's map.
            fingerprint: fingerprint::of(&keys),
            ledger_run: None,
        },
        target: Side {
            api: target.api.as_str().to_string(),
            location: account.location.id.clone(),
            name: account.location.name.clone(),
            fingerprint: fingerprint::with_history(&account),
            ledger_run: last_run,
        },
        account: &account,
        objects: &objects,
    }))
}

/// The target as `apply` will check it (snapshot, then the ledger's objects by id), plus the
/// notes and tasks of every contact the ledger names; and the ledger's map for it.
async fn read<G: Ghl>(
    ghl: &G,
    state: &State,
    reading: &Reading<'_>,
) -> Result<(ApiResult<Account>, Vec<ObjectRecord>)> {
    let location = match ghl.location().await {
        Ok(l) => l,
        Err(e) => return Ok((Err(e), Vec::new())),
    };
    let mut objects = state.objects(&location.id)?;
    for o in objects
        .iter_mut()
        .filter(|o| o.kind == "contact" && o.how != "merged")
    {
        let merges = state.later_merges(&o.kind, &o.source_key, o.run_id)?;
        ghl_migrate::plan::undo_build::with_later_merges(o, &merges);
    }
    let account = async {
        reading.progress.event(&Event::Preparing {
            what: "planning the undo",
        });
        let mut account = ghl::snapshot(ghl).await?;
        ghl_migrate::ledger::complete(ghl, &mut account, &objects, reading).await?;
        ghl_migrate::ledger::complete_history(ghl, &mut account, &objects, reading).await?;
        Ok(account)
    }
    .await;
    Ok((account, objects))
}

/// Why no undo can be planned yet: a run of the migration left writes in doubt (sent, their
/// answer not recorded: stopped, or still running). What they created is not in the map, so an
/// undo would leave it behind without a word; resuming that run reconciles them first.
fn in_doubt(state: &State) -> Result<Option<String>> {
    for run in state.runs()?.iter().filter(|r| !r.dry_run && !r.undo) {
        let doubt = state
            .steps_of(run.id)?
            .iter()
            .filter(|s| s.status == StepStatus::Sending)
            .count();
        if doubt > 0 {
            return Ok(Some(format!(
                "run #{} of this migration (revision {}) has {doubt} write(s) in doubt (sent, \
                 the answer not recorded: it stopped, or is still running); what they created \
                 is not in the ledger yet, so an undo would leave it behind. Resume that run \
                 first (ghl-migrate apply PLAN --resume), then undo",
                run.id,
                short_revision(&run.plan_fingerprint)
            )));
        }
    }
    Ok(None)
}

/// The ledger's file name, as the undo plan names its source.
fn ledger_name(loaded: &Loaded) -> String {
    let path = loaded.state_path();
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

//! The `plan` command: read both accounts and the migration's ledger, match, write the plan,
//! print its summary and revision.

use std::path::PathBuf;

use ghl_migrate::config::{self, ApiKind, Loaded};
use ghl_migrate::error::{Result, exit};
use ghl_migrate::ghl::accounts;
use ghl_migrate::ghl::memory::{MemoryAccount, MemoryOptions};
use ghl_migrate::ghl::remote::{self, Side};
use ghl_migrate::ledger;
use ghl_migrate::model::Account;
use ghl_migrate::plan::build::{PlanInput, build_with};
use ghl_migrate::plan::{Plan, fingerprint};
use ghl_migrate::progress::{Event, Progress};
use ghl_migrate::state::{
    Access, Durability, ObjectRecord, State, plan_fingerprint, short_revision,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The declaration to plan from.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// Where to write the plan (default: plans/<name>.plan.yaml in the current folder).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// Exit 0 when the plan has no changes, 2 when it has some (1 on error).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Progress of the reads on stderr: a live display on a terminal, timestamped log lines
    /// otherwise (auto); or `bars`, `log`, `json` (JSON lines), `none`.
    #[arg(long, value_enum, default_value_t = super::apply::ProgressKind::Auto)]
    progress: super::apply::ProgressKind,
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let progress = super::apply::progress_sink(args.progress, None);
    // Held past the reads: the limiters keep the daily limit the target's answers announced,
    // and which tokens the servers refused.
    let held = accounts::hold_connections(&loaded, &super::env_var)?;
    let (source, target) = read_accounts(&loaded, progress.as_ref())?;
    let daily_limit = held
        .iter()
        .find(|(side, _)| *side == Side::Target)
        .and_then(|(_, t)| t.http())
        .and_then(|http| http.limiter().last_headers().daily_limit);
    let refused: Vec<(Side, String)> = held
        .iter()
        .flat_map(|(side, c)| c.refused_tokens().into_iter().map(|var| (*side, var)))
        .collect();
    drop(held);
    let json = matches!(args.progress, super::apply::ProgressKind::Json);
    for (_, var) in refused.iter().filter(|_| json) {
        progress.event(&Event::TokenRefused { token_env: var });
    }
    // The reads are over: nothing more to show (a terminal display is cleared).
    drop(progress);
    for (side, var) in refused.iter().filter(|_| !json) {
        eprintln!(
            "warning: {side}: the server refused the token in ${var} (401/403); plan read with \
             the account's other tokens: fix it or remove it from token_env before apply"
        );
    }
    let plan = make(&loaded, &source, &target)?;
    // The accounts are no longer needed: free them (on the side) while the plan is written.
    let freeing = std::thread::spawn(move || drop((source, target)));
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("plans").join(format!("{}.plan.yaml", loaded.config.name))
    });
    ghl_migrate::plan::file::write(&out, &plan)?;
    outln!("{}", ghl_migrate::render::text::overview(&plan));
    outln!("{}", budget_line(&loaded, &plan, daily_limit));
    outln!(
        "plan written to {} (revision {})",
        out.display(),
        short_revision(&plan_fingerprint(&plan))
    );
    let changes = !plan.steps.is_empty();
    if !changes {
        outln!("no changes: the target holds everything this plan would write");
    }
    let _ = freeing.join();
    // The process ends here: freeing a large plan object by object would only delay the exit.
    std::mem::forget(plan);
    Ok(if args.detailed_exitcode && changes {
        exit::CHANGES
    } else {
        exit::OK
    })
}

/// The requests the apply will send and the days the target's daily budget needs for them: at
/// the daily limit the target announced while it was read, else GoHighLevel's default.
pub(crate) fn budget_line(loaded: &Loaded, plan: &Plan, announced: Option<u64>) -> String {
    use ghl_migrate::plan::budget::{DEFAULT_DAILY, estimate};
    let reserve = loaded.config.rate_limit.daily_reserve;
    let (daily, whose) = match announced {
        Some(limit) => (limit, "the target's announced limit"),
        None => (DEFAULT_DAILY, "GoHighLevel's default"),
    };
    let e = estimate(plan, daily, reserve);
    let days = if e.days <= 1 {
        "within one day".to_string()
    } else {
        format!(
            "{} days: run `apply --wait-for-budget` to go on by itself each day",
            e.days
        )
    };
    format!(
        "budget: about {} write requests to the target; at {daily} a day per location ({whose}, \
         shared by its tokens) less rate_limit.daily_reserve {reserve}: {days}",
        e.requests
    )
}

/// The plan of `loaded` between the two accounts as read (`serve` plans the same way): what
/// the migration's ledger maps decides first, and the plan notes the last run it saw.
pub(crate) fn make(loaded: &Loaded, source: &Account, target: &Account) -> Result<Plan> {
    let ledger = Ledger::read(loaded)?;
    let objects = ledger.objects(&target.location.id)?;
    // The contacts whose notes and tasks were read from a live target (see read_accounts).
    let (_, scope) = ghl_migrate::plan::build::history_scope(&loaded.config, source, target);
    let read: std::collections::HashSet<String> = scope.contacts.into_iter().collect();
    let history = match loaded.config.target.api {
        ghl_migrate::config::ApiKind::Fixture => ledger::HistoryRead::All,
        _ => ledger::HistoryRead::Of(&read),
    };
    let mut plan = build_with(
        PlanInput {
            config: &loaded.config,
            source,
            target,
        },
        &ledger::view(target, &objects, history),
    )?;
    plan.target.ledger_run = ledger.last_run;
    record_view(loaded, &plan, target);
    Ok(plan)
}

/// Reads the source and target accounts, concurrently (fixtures from their files, live ones
/// over the network, each within its own rate limit), then reads by id what the ledger says
/// this migration wrote to the target (its search may not show it yet).
pub(crate) fn read_accounts(
    loaded: &Loaded,
    progress: &dyn Progress,
) -> Result<(Account, Account)> {
    let ledger = Ledger::read(loaded)?;
    let _held = accounts::hold_connections(loaded, &super::env_var)?;
    super::runtime()?.block_on(async {
        let (mut source, mut target) =
            accounts::read_both_accounts(loaded, &super::env_var, progress).await?;
        accounts::target_extras(loaded, &mut target, &super::env_var).await?;
        // The ledger's objects first: the notes and tasks of a contact this migration created
        // are read only if the plan sees that contact, whatever the search shows yet.
        complete_from_ledger(loaded, &ledger, &mut target, progress).await?;
        accounts::read_both_histories(loaded, &mut source, &mut target, &super::env_var, progress)
            .await?;
        Ok((source, target))
    })
}

/// Adds to `target` what the ledger says this migration wrote there, read by id.
async fn complete_from_ledger(
    loaded: &Loaded,
    ledger: &Ledger,
    target: &mut Account,
    progress: &dyn Progress,
) -> Result<()> {
    let objects = ledger.objects(&target.location.id)?;
    if objects.is_empty() {
        return Ok(());
    }
    let api = |source| ghl_migrate::Error::Api {
        side: "target".into(),
        source,
    };
    let reading = ledger::Reading {
        in_flight: loaded.config.rate_limit.max_in_flight,
        progress,
    };
    match loaded.config.target.api {
        ApiKind::Fixture => {
            let memory = MemoryAccount::new(target.clone(), MemoryOptions::default());
            ledger::complete(&memory, target, &objects, &reading).await
        }
        ApiKind::V1 | ApiKind::V2 => {
            let live = remote::open(
                Side::Target,
                &loaded.config.target,
                &loaded.config.rate_limit,
                &super::env_var,
            )?;
            ledger::complete(&live, target, &objects, &reading).await
        }
    }
    .map_err(api)?;
    Ok(())
}

/// Keeps the target as this plan saw it in the ledger (object by object), so that a stale
/// apply can say what changed since. Best effort: a ledger held by a running apply is left
/// alone; a fixture target's ledger is not created for it.
fn record_view(loaded: &Loaded, plan: &Plan, target: &Account) {
    let path = loaded.state_path();
    if loaded.config.target.api == ApiKind::Fixture && !path.exists() {
        return;
    }
    if let Ok(mut state) = State::open(&path, Access::Write(Durability::Normal)) {
        let _ = state.record_view(&plan.target.fingerprint, &fingerprint::objects(target));
    }
}

/// What the migration's ledger holds for planning: the last run that wrote to a target, and
/// every object the migration wrote.
#[derive(Default)]
struct Ledger {
    last_run: Option<i64>,
    state: Option<State>,
}

impl Ledger {
    /// The declaration's ledger, if there is one (none yet before the first apply).
    fn read(loaded: &Loaded) -> Result<Ledger> {
        let path = loaded.state_path();
        if !path.exists() {
            return Ok(Ledger::default());
        }
        let state = State::open_upgrading(&path)?;
        let last_run = state
            .runs()?
            .iter()
            .filter(|r| !r.dry_run)
            .map(|r| r.id)
            .max();
        Ok(Ledger {
            last_run,
            state: Some(state),
        })
    }

    fn objects(&self, location: &str) -> Result<Vec<ObjectRecord>> {
        match &self.state {
            Some(state) => state.objects(location),
            None => Ok(Vec::new()),
        }
    }
}

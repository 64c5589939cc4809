//! The `plan` command: read both accounts, match, write the plan, print its summary.

use std::path::PathBuf;

use ghl_migrate::config::{self, Loaded};
use ghl_migrate::error::{Result, exit};
use ghl_migrate::ghl::accounts;
use ghl_migrate::model::Account;
use ghl_migrate::plan::Plan;
use ghl_migrate::plan::build::{PlanInput, build};

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
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let (source, target) = read_accounts(&loaded)?;
    let plan = make(&loaded, &source, &target)?;
    // The accounts are no longer needed: free them (on the side) while the plan is written.
    let freeing = std::thread::spawn(move || drop((source, target)));
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("plans").join(format!("{}.plan.yaml", loaded.config.name))
    });
    ghl_migrate::plan::file::write(&out, &plan)?;
    outln!("{}", ghl_migrate::render::text::overview(&plan));
    outln!("{}", budget_line(&loaded, &plan));
    outln!("plan written to {}", out.display());
    let changes = !plan.steps.is_empty();
    let _ = freeing.join();
    // The process ends here: freeing a large plan object by object would only delay the exit.
    std::mem::forget(plan);
    Ok(if args.detailed_exitcode && changes {
        exit::CHANGES
    } else {
        exit::OK
    })
}

/// The requests the apply will send and the days the target's daily budget needs for them.
fn budget_line(loaded: &Loaded, plan: &Plan) -> String {
    use ghl_migrate::plan::budget::{DEFAULT_DAILY, estimate};
    let reserve = loaded.config.rate_limit.daily_reserve;
    let e = estimate(plan, DEFAULT_DAILY, reserve);
    let days = if e.days <= 1 {
        "within one day".to_string()
    } else {
        format!(
            "{} days: run `apply --wait-for-budget` to go on by itself each day",
            e.days
        )
    };
    format!(
        "budget: about {} write requests to the target; at {DEFAULT_DAILY} a day per location \
         (GoHighLevel's default, shared by its tokens; `check` shows the target's) less \
         rate_limit.daily_reserve {reserve}: {days}",
        e.requests
    )
}

/// The plan of `loaded` between the two accounts as read (`serve` plans the same way).
pub(crate) fn make(loaded: &Loaded, source: &Account, target: &Account) -> Result<Plan> {
    build(PlanInput {
        config: &loaded.config,
        source,
        target,
    })
}

/// Reads the source and target accounts, concurrently (fixtures from their files, live ones
/// over the network, each within its own rate limit).
pub(crate) fn read_accounts(loaded: &Loaded) -> Result<(Account, Account)> {
    super::runtime()?.block_on(accounts::read_both(loaded, &super::env_var))
}

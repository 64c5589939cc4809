//! The `plan` command: read both accounts, match, write the plan, print its summary.

use std::path::PathBuf;

use ghl_migrate::config::{self, Loaded};
use ghl_migrate::error::{Result, exit};
use ghl_migrate::ghl::accounts;
use ghl_migrate::model::Account;
use ghl_migrate::plan::Plan;
use ghl_migrate::plan::build::{PlanInput, build};
use ghl_migrate::progress::Progress;

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
    /// Progress of the reads on stderr: bars on a terminal, JSON lines otherwise (auto), or none.
    #[arg(long, value_enum, default_value_t = super::apply::ProgressKind::Auto)]
    progress: super::apply::ProgressKind,
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let progress = super::apply::progress_sink(args.progress);
    let (source, target) = read_accounts(&loaded, progress.as_ref())?;
    let plan = make(&loaded, &source, &target)?;
    // The accounts are no longer needed: free them (on the side) while the plan is written.
    let freeing = std::thread::spawn(move || drop((source, target)));
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("plans").join(format!("{}.plan.yaml", loaded.config.name))
    });
    ghl_migrate::plan::file::write(&out, &plan)?;
    outln!("{}", ghl_migrate::render::text::overview(&plan));
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
pub(crate) fn read_accounts(
    loaded: &Loaded,
    progress: &dyn Progress,
) -> Result<(Account, Account)> {
    super::runtime()?.block_on(accounts::read_both(loaded, &super::env_var, progress))
}

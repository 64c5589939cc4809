//! The `diff` command: what changed between two revisions of a plan (exit 0 either way, unless
//! `--exit-code`: then 2 when the plans differ, the code of `plan --detailed-exitcode`).

use std::path::PathBuf;

use ghl_migrate::error::Result;
use ghl_migrate::error::exit;
use ghl_migrate::plan::{diff, file};
use ghl_migrate::render::plan_diff;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier plan.
    old_plan: PathBuf,
    /// The later plan.
    new_plan: PathBuf,
    /// Exit 2 when the plans differ (0 when they are the same; 1 stays "error").
    #[arg(long)]
    exit_code: bool,
}

pub fn run(args: Args) -> Result<i32> {
    let old = file::read(&args.old_plan)?;
    let new = file::read(&args.new_plan)?;
    let diff = diff::diff(&old, &new);
    super::emit(&plan_diff::render(&diff));
    Ok(match args.exit_code && !diff.is_empty() {
        true => exit::CHANGES,
        false => exit::OK,
    })
}

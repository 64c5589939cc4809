//! The `diff` command: what changed between two revisions of a plan (exit 0 either way).

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
}

pub fn run(args: Args) -> Result<i32> {
    let old = file::read(&args.old_plan)?;
    let new = file::read(&args.new_plan)?;
    super::emit(&plan_diff::render(&diff::diff(&old, &new)));
    Ok(exit::OK)
}

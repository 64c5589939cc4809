//! The `show` command.

use ghl_migrate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<i32> {
    Err(Error::Other("`show` is not built yet".into()))
}

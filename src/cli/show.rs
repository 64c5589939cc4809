//! The `show` command: render a plan for a terminal, a pull-request comment or a machine.

use std::path::PathBuf;

use ghl_migrate::error::Result;
use ghl_migrate::error::exit;
use ghl_migrate::plan::file;
use ghl_migrate::render::{self, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plan file to render.
    plan: PathBuf,
    /// `text` for a terminal, `markdown` for a PR comment (fits GitHub's limit), `json` for machines.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Text,
    Markdown,
    Json,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Text => Format::Text,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Json => Format::Json,
        }
    }
}

pub fn run(args: Args) -> Result<i32> {
    let plan = file::read(&args.plan)?;
    super::emit(&render::render(&plan, args.format.into()));
    Ok(exit::OK)
}

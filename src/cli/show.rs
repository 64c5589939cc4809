//! The `show` command: render a plan for a terminal, a pull-request comment or a machine.

use std::path::PathBuf;

use ghl_migrate::error::exit;
use ghl_migrate::error::{Error, Result};
use ghl_migrate::plan::file;
use ghl_migrate::render::{self, Format};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plan file to render.
    plan: PathBuf,
    /// `text` for a terminal, `markdown` for a PR comment (fits GitHub's limit), `json` for machines.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Show only this step (or not-done entry) in full, e.g. `contact/jane@acme.test`.
    #[arg(long, value_name = "ID")]
    step: Option<String>,
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
    let text = match &args.step {
        None => render::render(&plan, args.format.into()),
        Some(id) => render::one_step::render(&plan, id, args.format.into()).ok_or_else(|| {
            Error::Other(format!(
                "{}: no step or not-done entry has the id `{id}` (`ghl-migrate show {}` lists them)",
                args.plan.display(),
                args.plan.display()
            ))
        })?,
    };
    super::emit(&text);
    Ok(exit::OK)
}

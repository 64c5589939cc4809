//! The `export` command: snapshot one account (all of what `plan` reads, in the model's V2
//! shapes) into a fixture file, so that `plan` on exports equals `plan` on the live accounts.

use std::path::PathBuf;

use ghl_migrate::config::{self, ApiKind};
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::fixture;
use ghl_migrate::ghl::remote::{self, Side};
use ghl_migrate::ghl::snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Account {
    Source,
    Target,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The declaration naming the accounts.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// Which account to export.
    #[arg(long, value_enum)]
    account: Account,
    /// The fixture file to write (`.json`, or `.yaml`/`.yml`).
    #[arg(short = 'o', long = "out")]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let side = match args.account {
        Account::Source => Side::Source,
        Account::Target => Side::Target,
    };
    let account = match side {
        Side::Source => &loaded.config.source,
        Side::Target => &loaded.config.target,
    };
    let snapshot = if account.api == ApiKind::Fixture {
        let path = account
            .path
            .as_deref()
            .unwrap_or_else(|| std::path::Path::new(""));
        fixture::load(&loaded.resolve(path))?
    } else {
        let remote = remote::open(side, account, &loaded.config.rate_limit, &super::env_var)?;
        super::runtime()?
            .block_on(snapshot(&remote))
            .map_err(|source| Error::Api {
                side: side.as_str().to_string(),
                source,
            })?
    };
    fixture::save(&args.out, &snapshot)?;
    println!(
        "exported {side} (location {}): {} custom fields, {} pipelines, {} users, {} contacts, {} opportunities -> {}",
        snapshot.location.id,
        snapshot.custom_fields.len(),
        snapshot.pipelines.len(),
        snapshot.users.len(),
        snapshot.contacts.len(),
        snapshot.opportunities.len(),
        args.out.display()
    );
    Ok(exit::OK)
}

//! The `export` command: snapshot one account (all of what `plan` reads, in the model's V2
//! shapes) into a fixture file, so that `plan` on exports equals `plan` on the live accounts.

use std::path::PathBuf;

use ghl_migrate::config;
use ghl_migrate::error::{Result, exit};
use ghl_migrate::fixture;
use ghl_migrate::ghl::accounts;
use ghl_migrate::ghl::history::HistoryScope;
use ghl_migrate::ghl::remote::Side;

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
    let progress = super::apply::progress_sink(super::apply::ProgressKind::Auto, None);
    let snapshot = super::runtime()?.block_on(async {
        let mut account = accounts::read(
            &loaded,
            side,
            &super::env_var,
            &ghl_migrate::progress::Silent,
        )
        .await?;
        // Every contact's notes and tasks: an export holds what any plan may read of it.
        let scope = HistoryScope {
            contacts: account.contacts.iter().map(|c| c.id.clone()).collect(),
            notes: true,
            tasks: true,
        };
        let vars = &super::env_var;
        accounts::read_history(&loaded, side, &mut account, &scope, vars, progress.as_ref())
            .await?;
        Ok::<_, ghl_migrate::error::Error>(account)
    })?;
    fixture::save(&args.out, &snapshot)?;
    outln!(
        "exported {side} (location {}): {} custom fields, {} pipelines, {} users, {} contacts, {} opportunities, {} notes, {} tasks -> {}",
        snapshot.location.id,
        snapshot.custom_fields.len(),
        snapshot.pipelines.len(),
        snapshot.users.len(),
        snapshot.contacts.len(),
        snapshot.opportunities.len(),
        snapshot.notes.len(),
        snapshot.tasks.len(),
        args.out.display()
    );
    Ok(exit::OK)
}

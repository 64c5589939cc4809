//! The `probe` command: a self-test of a live account's rate limits, for what GoHighLevel does
//! not document (is the burst window fixed or sliding, does a 429 cost daily budget, is
//! `Retry-After` sent), with read-only requests; it prints the findings and the settings they
//! imply. See [`ghl_migrate::ghl::limits_probe`].

use std::path::PathBuf;

use ghl_migrate::config::{self, ApiKind};
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::ghl::accounts;
use ghl_migrate::ghl::limits_probe::{self, Counted, Findings, WindowSeen};
use ghl_migrate::ghl::remote::{self, Side};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The declaration naming the accounts.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// Which account to probe (the target is where `apply` writes).
    #[arg(long, value_enum, default_value_t = Account::Target)]
    account: Account,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Account {
    Source,
    Target,
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let side = match args.account {
        Account::Source => Side::Source,
        Account::Target => Side::Target,
    };
    let account = accounts::config(&loaded, side);
    if account.api == ApiKind::Fixture {
        return Err(Error::Other(format!(
            "probe: the {side} is a fixture file; the probe measures a live account"
        )));
    }
    let remote = remote::open(side, account, &loaded.config.rate_limit, &super::env_var)?;
    let http = remote
        .http()
        .ok_or_else(|| Error::Other(format!("probe: the {side} is not reached over HTTP")))?;
    outln!(
        "probe: measuring the {side}'s rate limits with read-only requests (GET /locations/{}); \
         this takes about three burst intervals and provokes a 429 on purpose",
        remote.location_id()
    );
    let findings = super::runtime()?
        .block_on(limits_probe::run(http, remote.location_id()))
        .map_err(|source| Error::Api {
            side: side.as_str().to_string(),
            source,
        })?;
    for line in report(&findings) {
        outln!("{line}");
    }
    Ok(exit::OK)
}

/// The findings, one line each, and what they imply for `migration.yaml`.
fn report(f: &Findings) -> Vec<String> {
    let n = |v: Option<u32>| v.map_or("?".into(), |v| v.to_string());
    let interval = f
        .interval
        .map_or("?".into(), |d| format!("{} ms", d.as_millis()));
    let window = match f.window {
        WindowSeen::Fixed => "fixed (Remaining jumped back up when a window restarted)".into(),
        WindowSeen::Sliding => {
            "sliding (Remaining levelled off: each request counts against the last interval)".into()
        }
        WindowSeen::Unclear => format!(
            "unclear (Remaining went {:?}); another process may be using this token: probe again when it is idle",
            f.remaining
        ),
    };
    let counted = match f.refusals_counted {
        Counted::Yes => "yes: each 429 cost one request of the daily budget",
        Counted::No => "no: refused requests were not taken from the daily budget",
        Counted::Unclear if f.burst_refused == 0 => "unknown: no 429 could be provoked",
        Counted::Unclear => "unknown: the daily count moved by other than the requests sent",
    };
    let retry_after = match &f.retry_after {
        Some(v) => format!("sent ({v:?})"),
        None if f.burst_refused > 0 => "not sent".into(),
        None => "unknown: no 429 could be provoked".into(),
    };
    let mut lines = vec![
        format!("  burst limit:        {} per {interval}", n(f.max)),
        format!("  burst window:       {window}"),
        format!(
            "  a 429 costs budget: {counted} (burst of {}: {} accepted, {} refused)",
            f.burst_ok + f.burst_refused,
            f.burst_ok,
            f.burst_refused
        ),
        format!("  Retry-After:        {retry_after}"),
        "settings they imply:".into(),
    ];
    lines.push(match f.window {
        WindowSeen::Sliding => "  the pacing already keeps every interval under the limit \
             (it widens its window by the spread of round trips); nothing to set"
            .into(),
        _ => "  nothing to set for the window: the pacing is safe under either kind".into(),
    });
    if f.refusals_counted == Counted::Yes {
        lines.push(
            "  rate_limit.max_retries: 3   # 429s cost daily budget here: give up sooner".into(),
        );
    }
    if f.retry_after.is_some() {
        lines.push(
            "  the server says when to retry; the tool still pauses one interval plus jitter \
             after a 429, which is at least as long"
                .into(),
        );
    }
    lines
}

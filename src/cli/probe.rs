//! The `probe` command: a self-test of a live account's rate limits, for what GoHighLevel does
//! not document (is the burst window fixed or sliding, does a 429 cost daily budget, is
//! `Retry-After` sent), with read-only requests; it prints the findings and the settings they
//! imply. See [`ghl_migrate::ghl::limits_probe`].

use std::path::PathBuf;

use ghl_migrate::config::{self, ApiKind};
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::ghl::accounts;
use ghl_migrate::ghl::lag_probe;
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
    /// Also time the search lag: creates one contact named "ghl-migrate probe" (tagged
    /// ghl-migrate-probe) in the account, times its appearance in the lookup `apply` uses,
    /// and deletes it. This writes to the account, so only with this flag.
    #[arg(long)]
    search_lag: bool,
    /// Skip the rate-limit measurements (e.g. to time only the search lag).
    #[arg(long)]
    no_limits: bool,
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
    let runtime = super::runtime()?;
    let api_error = |source| Error::Api {
        side: side.as_str().to_string(),
        source,
    };
    if !args.no_limits {
        let findings = runtime
            .block_on(limits_probe::run(http, remote.location_id()))
            .map_err(api_error)?;
        for line in report(&findings) {
            outln!("{line}");
        }
    }
    if args.search_lag {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        outln!(
            "probe: timing the search lag with one temporary contact (tag {})",
            lag_probe::TAG
        );
        let found = runtime
            .block_on(lag_probe::run(&remote, http, &stamp.to_string()))
            .map_err(api_error)?;
        for line in lag_report(&found) {
            outln!("{line}");
        }
    }
    Ok(exit::OK)
}

/// The search-lag finding and the setting it implies.
fn lag_report(f: &lag_probe::LagFound) -> Vec<String> {
    let seen = match f.lag {
        Some(lag) => format!(
            "a new contact was found by its email {} ms after its create was answered",
            lag.as_millis()
        ),
        None => format!(
            "a new contact was not found by its email within {} s",
            lag_probe::GIVE_UP.as_secs()
        ),
    };
    let deleted = if f.deleted {
        format!("deleted again ({})", f.email)
    } else {
        format!(
            "NOT deleted: delete contact {} ({}, tag {}) by hand",
            f.contact_id,
            f.email,
            lag_probe::TAG
        )
    };
    vec![
        format!("  search lag:         {seen}; the contact was {deleted}"),
        "settings they imply (put in migration.yaml):".into(),
        format!(
            "  rate_limit:\n    search_lag_ms: {}   # twice the lag measured, in whole seconds",
            f.setting_ms()
        ),
    ]
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

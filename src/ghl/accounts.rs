//! Reading a configured account whole, whatever it is: a fixture file or a live location
//! (through [`super::remote`]), so `plan` and `export` read accounts one way; and, for `plan`,
//! the notes and tasks of the contacts it migrates, with their cost announced first.

use super::history::{self, HistoryScope, ReadCost};
use super::ratelimit::FALLBACK_INTERVAL;
use super::remote::{self, Remote, Side};
use super::{Ghl, snapshot};
use crate::access::Access;
use crate::config::{AccountConfig, ApiKind, Loaded};
use crate::error::{Error, Result};
use crate::fixture;
use crate::model::Account;
use crate::progress::{Event, Progress};

/// The rate ceiling assumed before the server has announced one (GoHighLevel's documented
/// burst limit, ghl-api.md §3).
const DEFAULT_CEILING: u32 = 100;

/// The declaration's account for `side`.
pub fn config(loaded: &Loaded, side: Side) -> &AccountConfig {
    match side {
        Side::Source => &loaded.config.source,
        Side::Target => &loaded.config.target,
    }
}

/// One account, read whole: a fixture loaded from its file, a live one snapshotted.
pub async fn read(
    loaded: &Loaded,
    side: Side,
    vars: &dyn Fn(&str) -> Option<String>,
    progress: &dyn Progress,
) -> Result<Account> {
    let account = config(loaded, side);
    if account.api == ApiKind::Fixture {
        // Parsing a large file is CPU work: on a blocking thread, so both sides load at once.
        let path = loaded.resolve(&account.path.clone().unwrap_or_default());
        return tokio::task::spawn_blocking(move || fixture::load(&path))
            .await
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()));
    }
    let live = remote::open(side, account, &loaded.config.rate_limit, vars)?;
    let name = side.as_str();
    let sent = || live.http().map_or(0, |h| h.activity().sent);
    let started = std::time::Instant::now();
    let reading = async { futures::join!(snapshot(&live), live.workflows()) };
    // What is read so far, every second, for as long as the reads take.
    let telling = async {
        loop {
            tokio::time::sleep(READ_PROGRESS_EVERY).await;
            progress.event(&Event::Reading {
                side: name,
                requests: sent(),
            });
        }
    };
    let (snapshot, workflows) = tokio::select! {
        read = reading => read,
        never = telling => never,
    };
    let mut snapshot = snapshot.map_err(|source| Error::Api {
        side: name.to_string(),
        source,
    })?;
    // A token that may not read workflows leaves them unknown; that is no reason to stop.
    snapshot.workflows = workflows.ok();
    progress.event(&Event::AccountRead {
        side: name,
        requests: sent(),
        seconds: started.elapsed().as_secs_f64(),
        contacts: snapshot.contacts.len(),
        opportunities: snapshot.opportunities.len(),
        custom_fields: snapshot.custom_fields.len(),
        pipelines: snapshot.pipelines.len(),
        users: snapshot.users.len(),
    });
    Ok(snapshot)
}

/// How often `plan` says how far its reads of a live account have come.
const READ_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A connection to each live side, to hold while reading: a side's limiter (what it knows of
/// the server's rate window and ceiling) lives as long as a connection to it does, so the reads
/// that follow the records (notes and tasks) pace on, and estimate from, what those saw.
pub fn hold_connections(
    loaded: &Loaded,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(Side, Remote)>> {
    [Side::Source, Side::Target]
        .into_iter()
        .filter(|side| config(loaded, *side).api != ApiKind::Fixture)
        .map(|side| {
            let rate = &loaded.config.rate_limit;
            Ok((side, remote::open(side, config(loaded, side), rate, vars)?))
        })
        .collect()
}

/// Source and target, read concurrently (they are separate locations with separate budgets),
/// then the notes and tasks of the contacts the plan needs from each live side.
pub async fn read_both(
    loaded: &Loaded,
    vars: &dyn Fn(&str) -> Option<String>,
    progress: &dyn Progress,
) -> Result<(Account, Account)> {
    let _held = hold_connections(loaded, vars)?;
    let (mut source, mut target) = read_both_accounts(loaded, vars, progress).await?;
    read_both_histories(loaded, &mut source, &mut target, vars, progress).await?;
    Ok((source, target))
}

/// Reads both accounts without their contacts' notes and tasks, concurrently.
pub async fn read_both_accounts(
    loaded: &Loaded,
    vars: &dyn Fn(&str) -> Option<String>,
    progress: &dyn Progress,
) -> Result<(Account, Account)> {
    futures::try_join!(
        read(loaded, Side::Source, vars, progress),
        read(loaded, Side::Target, vars, progress)
    )
}

/// Reads the notes and tasks of the contacts a plan of these accounts needs, both sides at
/// once. The target must already hold every contact the plan matches (the ledger's included).
pub async fn read_both_histories(
    loaded: &Loaded,
    source: &mut Account,
    target: &mut Account,
    vars: &dyn Fn(&str) -> Option<String>,
    progress: &dyn Progress,
) -> Result<()> {
    let (from, to) = crate::plan::build::history_scope(&loaded.config, source, target);
    futures::try_join!(
        read_history(loaded, Side::Source, source, &from, vars, progress),
        read_history(loaded, Side::Target, target, &to, vars, progress),
    )?;
    Ok(())
}

/// The notes and tasks of `scope`'s contacts of a live account (a fixture holds its own):
/// the cost announced, then read at the account's full rate, with progress.
pub async fn read_history(
    loaded: &Loaded,
    side: Side,
    account: &mut Account,
    scope: &HistoryScope,
    vars: &dyn Fn(&str) -> Option<String>,
    progress: &dyn Progress,
) -> Result<()> {
    let cfg = config(loaded, side);
    if cfg.api == ApiKind::Fixture || scope.contacts.is_empty() || !(scope.notes || scope.tasks) {
        return Ok(());
    }
    let rate = &loaded.config.rate_limit;
    let live = remote::open(side, cfg, rate, vars)?;
    let cost = ReadCost::of(scope, live.api() == ApiKind::V2);
    // The snapshot's answers have told the shared limiter the server's ceiling by now.
    let headers = live
        .http()
        .map(|h| h.limiter().last_headers())
        .unwrap_or_default();
    let ceiling = match (headers.max, rate.max_per_interval) {
        (Some(s), Some(u)) => s.min(u),
        (s, u) => s.or(u).unwrap_or(DEFAULT_CEILING),
    };
    let interval_ms = headers
        .interval_ms
        .unwrap_or(FALLBACK_INTERVAL.as_millis() as u64);
    let name = side.as_str();
    progress.event(&Event::ReadPlanned {
        side: name,
        contacts: scope.contacts.len(),
        requests: cost.requests(),
        seconds: cost.seconds_at(ceiling, interval_ms),
        ceiling,
        interval_ms,
    });
    let total = scope.contacts.len();
    let done = |n: usize| {
        progress.event(&Event::ReadProgress {
            side: name,
            done: n,
            total,
        })
    };
    let (notes, tasks) = history::read(&live, scope, rate.max_in_flight, &done)
        .await
        .map_err(|source| Error::Api {
            side: name.to_string(),
            source,
        })?;
    account.notes = notes;
    account.tasks = tasks;
    Ok(())
}

/// What `plan` needs to know of a live target beyond its records: what its token may do to
/// pipelines (probed without changing anything). A fixture target may do everything.
pub async fn target_extras(
    loaded: &Loaded,
    target: &mut Account,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    let account = config(loaded, Side::Target);
    if account.api == ApiKind::Fixture {
        return Ok(());
    }
    match remote::open(Side::Target, account, &loaded.config.rate_limit, vars)? {
        Remote::V1(_) => target.access = Access::v1(),
        Remote::V2(c) => target.access = c.pipeline_access().await,
    }
    Ok(())
}

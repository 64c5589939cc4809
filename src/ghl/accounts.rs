//! Reading a configured account whole, whatever it is: a fixture file or a live location
//! (through [`super::remote`]), so `plan` and `export` read accounts one way.

use super::remote::{self, Remote, Side};
use super::{Ghl, snapshot};
use crate::access::Access;
use crate::config::{AccountConfig, ApiKind, Loaded};
use crate::error::{Error, Result};
use crate::fixture;
use crate::model::Account;

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
    let (snapshot, workflows) = futures::join!(snapshot(&live), live.workflows());
    let mut snapshot = snapshot.map_err(|source| Error::Api {
        side: side.as_str().to_string(),
        source,
    })?;
    // A token that may not read workflows leaves them unknown; that is no reason to stop.
    snapshot.workflows = workflows.ok();
    Ok(snapshot)
}

/// Source and target, read concurrently (they are separate locations with separate budgets).
pub async fn read_both(
    loaded: &Loaded,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<(Account, Account)> {
    futures::try_join!(
        read(loaded, Side::Source, vars),
        read(loaded, Side::Target, vars)
    )
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

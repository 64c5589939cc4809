//! Reading a configured account whole, whatever it is: a fixture file or a live location
//! (through [`super::remote`]), so `plan` and `export` read accounts one way.

use super::remote::{self, Side};
use super::snapshot;
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
    snapshot(&live).await.map_err(|source| Error::Api {
        side: side.as_str().to_string(),
        source,
    })
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

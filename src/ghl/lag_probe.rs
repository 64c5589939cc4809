//! The search-lag self-test (`ghl-migrate probe --search-lag`, never without that flag: it
//! writes): creates one clearly named contact in the account, times how long the lookup
//! `apply` uses for in-doubt creates (by email) takes to find it, and deletes it.

use std::time::{Duration, Instant};

use super::http::{Http, Request};
use super::wire::segment;
use super::{ApiResult, ContactKey, ContactWrite, Ghl};

/// How long to look before giving up.
pub const GIVE_UP: Duration = Duration::from_secs(90);

/// The pause between two lookups.
pub const EVERY: Duration = Duration::from_millis(250);

/// The tag the probe's contact carries, for a person to find (and delete) it if the probe could not.
pub const TAG: &str = "ghl-migrate-probe";

/// What the search-lag test saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagFound {
    /// From the create's answer to the first lookup that found the contact; `None` when it
    /// was not found within [`GIVE_UP`].
    pub lag: Option<Duration>,
    pub email: String,
    pub contact_id: String,
    /// The contact was deleted again.
    pub deleted: bool,
}

impl LagFound {
    /// The `rate_limit.search_lag_ms` this lag implies: twice what was seen, rounded up to a
    /// second, at least one second (one measurement is no bound).
    pub fn setting_ms(&self) -> u64 {
        let seen = self.lag.unwrap_or(GIVE_UP).as_millis() as u64;
        (seen * 2).div_ceil(1000).max(1) * 1000
    }
}

/// Creates the probe contact (named by `stamp`), times its appearance, deletes it.
pub async fn run<G: Ghl>(ghl: &G, http: &Http, stamp: &str) -> ApiResult<LagFound> {
    let email = format!("ghl-migrate-probe-{stamp}@example.invalid");
    let write = ContactWrite {
        first_name: Some("ghl-migrate probe".into()),
        last_name: Some("(temporary, deleted by the probe)".into()),
        email: Some(email.clone()),
        tags: vec![TAG.into()],
        ..ContactWrite::default()
    };
    let created = ghl.create_contact(&write).await?;
    let since = Instant::now();
    let key = ContactKey {
        email: Some(email.clone()),
        phone: None,
    };
    let mut lag = None;
    while since.elapsed() < GIVE_UP {
        if ghl
            .find_contacts(&key)
            .await?
            .iter()
            .any(|c| c.id == created.id)
        {
            lag = Some(since.elapsed());
            break;
        }
        tokio::time::sleep(EVERY).await;
    }
    let delete = Request::delete(format!("/contacts/{}", segment(&created.id)));
    let deleted = http.send(&delete).await.is_ok();
    Ok(LagFound {
        lag,
        email,
        contact_id: created.id,
        deleted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_is_twice_the_lag_in_whole_seconds() {
        let found = |ms: Option<u64>| LagFound {
            lag: ms.map(Duration::from_millis),
            email: String::new(),
            contact_id: String::new(),
            deleted: true,
        };
        assert_eq!(found(Some(0)).setting_ms(), 1_000);
        assert_eq!(found(Some(4_200)).setting_ms(), 9_000);
        assert_eq!(found(None).setting_ms(), 180_000);
    }
}

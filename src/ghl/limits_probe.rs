//! The self-test of a live account's rate limits (`ghl-migrate probe`): what GoHighLevel does
//! not document (ghl-api.md §7), measured with read-only requests (`GET /locations/{id}`):
//!
//! - **fixed or sliding burst window**: reads at a steady tenth of the interval for a little
//!   over two intervals. A fixed window shows `X-RateLimit-Remaining` jumping back up when it
//!   restarts; a sliding one levels off (as many leave the window as enter it);
//! - **does a 429 count against the daily budget, is `Retry-After` sent**: a burst of
//!   `max + 3` reads at once, outside the pacing, provokes a 429; the daily remaining before and
//!   after says whether the refused requests were counted.
//!
//! The decisions are pure functions ([`window_kind`], [`refusals_counted`]) over what was seen.

use std::time::Duration;

use super::ApiResult;
use super::http::{Http, RawAnswer, Request};
use super::wire::segment;

/// How the burst counter counts, as far as the answers showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSeen {
    Fixed,
    Sliding,
    /// Neither pattern (other traffic on the token, or no `Remaining` header).
    Unclear,
}

/// Whether refused requests (429) were taken from the daily budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Yes,
    No,
    /// No 429 could be provoked, no daily header, or other traffic blurred the count.
    Unclear,
}

/// Everything the probe measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    pub max: Option<u32>,
    pub interval: Option<Duration>,
    /// `Remaining` of each steady read, in order.
    pub remaining: Vec<u32>,
    pub window: WindowSeen,
    /// Of the burst: answered 2xx, answered 429.
    pub burst_ok: u32,
    pub burst_refused: u32,
    /// The `Retry-After` of the first 429, if one came with it.
    pub retry_after: Option<String>,
    pub refusals_counted: Counted,
}

/// Reads in the steady phase per interval.
pub const STEADY_PER_INTERVAL: u32 = 10;

/// How long the steady phase lasts, in intervals: long enough to see a fixed window restart
/// after a full one.
pub const STEADY_INTERVALS: f64 = 2.2;

/// A fixed window restarting shows `Remaining` rising by at least this much at once; under a
/// sliding window it rises by one at most (a request leaving as another enters).
pub const RESTART_RISE: u32 = 4;

/// Fixed or sliding, from the `Remaining` of reads sent one after the other at a steady
/// tenth of the interval for more than two intervals.
pub fn window_kind(remaining: &[u32]) -> WindowSeen {
    let rises = remaining.windows(2).map(|w| w[1].saturating_sub(w[0]));
    if rises.clone().any(|r| r >= RESTART_RISE) {
        return WindowSeen::Fixed;
    }
    // Sliding: once an interval has passed the count levels off (as many leave as enter),
    // give or take a read that came a little late.
    let settled = STEADY_PER_INTERVAL as usize + 2;
    let tail = remaining.get(settled..).unwrap_or_default();
    let (Some(first), Some(low), Some(high)) =
        (remaining.first(), tail.iter().min(), tail.iter().max())
    else {
        return WindowSeen::Unclear;
    };
    let counted = first.saturating_sub(*low) + 1 >= RESTART_RISE;
    if tail.len() >= 4 && counted && high - low <= 3 {
        WindowSeen::Sliding
    } else {
        WindowSeen::Unclear
    }
}

/// Whether the daily budget paid for refused requests: it went from `before` to `after` over
/// `ok` accepted and `refused` refused requests (plus the one read that saw `after`).
pub fn refusals_counted(before: Option<u64>, after: Option<u64>, ok: u32, refused: u32) -> Counted {
    let (Some(before), Some(after)) = (before, after) else {
        return Counted::Unclear;
    };
    if refused == 0 || after > before {
        return Counted::Unclear;
    }
    let spent = before - after;
    let accepted = u64::from(ok) + 1;
    if spent == accepted {
        Counted::No
    } else if spent == accepted + u64::from(refused) {
        Counted::Yes
    } else {
        Counted::Unclear
    }
}

/// Runs the probe on one account (costs about `2.2 × 10 + max + 5` requests of its daily budget
/// and, by design, one or more 429s).
pub async fn run(http: &Http, location_id: &str) -> ApiResult<Findings> {
    let read = Request::get(format!("/locations/{}", segment(location_id)));
    let first = http.send_unpaced(&read).await?;
    let max = first.headers.max;
    let interval = first.headers.interval_ms.map(Duration::from_millis);
    let step = interval.unwrap_or(Duration::from_secs(10)) / STEADY_PER_INTERVAL;
    // Start with an empty window: what the first read found is someone else's.
    tokio::time::sleep(interval.unwrap_or_default()).await;
    let mut remaining = Vec::new();
    let mut last: RawAnswer = first;
    let reads = (f64::from(STEADY_PER_INTERVAL) * STEADY_INTERVALS).ceil() as u32;
    for _ in 0..reads {
        let started = tokio::time::Instant::now();
        last = http.send_unpaced(&read).await?;
        if let Some(r) = last.headers.remaining {
            remaining.push(r);
        }
        tokio::time::sleep_until(started + step).await;
    }
    let window = window_kind(&remaining);
    // Let the window empty, then provoke a 429.
    tokio::time::sleep(interval.unwrap_or_default()).await;
    let before = last.headers.daily_remaining;
    let burst = max.unwrap_or(100) + 3;
    let answers = futures::future::join_all((0..burst).map(|_| http.send_unpaced(&read))).await;
    let (mut ok, mut refused, mut retry_after) = (0, 0, None);
    for answer in answers.into_iter().flatten() {
        match answer.status {
            429 => {
                refused += 1;
                retry_after = retry_after.or(answer.retry_after);
            }
            s if (200..300).contains(&s) => ok += 1,
            _ => {}
        }
    }
    tokio::time::sleep(interval.unwrap_or_default().mul_f64(1.1)).await;
    let after = http.send_unpaced(&read).await?.headers.daily_remaining;
    Ok(Findings {
        max,
        interval,
        remaining,
        window,
        burst_ok: ok,
        burst_refused: refused,
        retry_after,
        refusals_counted: refusals_counted(before, after, ok, refused),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_is_a_fixed_window_a_plateau_a_sliding_one() {
        let fixed: Vec<u32> = (0..22).map(|i| 99 - (i % 10)).collect();
        assert_eq!(window_kind(&fixed), WindowSeen::Fixed);
        let sliding: Vec<u32> = (0..22).map(|i| 99 - i.min(10)).collect();
        assert_eq!(window_kind(&sliding), WindowSeen::Sliding);
        let jitter: Vec<u32> = (0..22).map(|i| 99 - i.min(10) + (i % 2)).collect();
        assert_eq!(window_kind(&jitter), WindowSeen::Sliding);
        // Reads slowed down (a loaded machine): the level drifts up one at a time.
        let late: Vec<u32> = (0..22)
            .map(|i: u32| 99 - i.min(10) + i.saturating_sub(14) / 3)
            .collect();
        assert_eq!(window_kind(&late), WindowSeen::Sliding);
        assert_eq!(window_kind(&[]), WindowSeen::Unclear);
        let busy: Vec<u32> = (0..22).map(|i| 99 - 3 * i).collect();
        assert_eq!(window_kind(&busy), WindowSeen::Unclear);
    }

    #[test]
    fn the_daily_count_says_whether_refusals_were_paid_for() {
        assert_eq!(refusals_counted(Some(1000), Some(899), 100, 3), Counted::No);
        assert_eq!(
            refusals_counted(Some(1000), Some(896), 100, 3),
            Counted::Yes
        );
        assert_eq!(
            refusals_counted(Some(1000), Some(800), 100, 3),
            Counted::Unclear
        );
        assert_eq!(
            refusals_counted(Some(1000), Some(899), 100, 0),
            Counted::Unclear
        );
        assert_eq!(refusals_counted(None, Some(899), 100, 3), Counted::Unclear);
    }
}

//! `apply --wait-for-budget`: a run stopped because the target's daily budget is down to
//! `rate_limit.daily_reserve` waits for the budget to come back (when the server says, in
//! `x-ratelimit-daily-reset`, else checking again every [`POLL`]), says when it will go on, and
//! goes on by itself. Ctrl-C or SIGTERM during the wait stop it like any run (exit 75).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ghl_migrate::apply::Report;
use ghl_migrate::error::Result;
use ghl_migrate::ghl::remote::Remote;
use ghl_migrate::ghl::v1_shapes::iso_datetime;
use ghl_migrate::progress::{Event, Progress};

/// How long to wait when the server does not say when the budget comes back: one request is
/// spent each time to learn whether it has.
pub const POLL: Duration = Duration::from_secs(15 * 60);

/// A little after the announced reset, so the first request finds the new day.
const AFTER_RESET: Duration = Duration::from_secs(2);

/// How long to wait for the target's daily budget, when it is what stopped the run: none when
/// it did not; zero when the new day began while the run was stopping (an answer already
/// carried the new budget).
pub fn needed(target: &Remote, reserve: u64) -> Option<Duration> {
    let limiter = target.http()?.limiter();
    if !limiter.daily_refused() {
        return None;
    }
    if limiter.daily_left().is_none_or(|left| left > reserve) {
        return Some(Duration::ZERO);
    }
    let wait = limiter
        .last_headers()
        .daily_reset_ms
        .map_or(POLL, |ms| Duration::from_millis(ms) + AFTER_RESET);
    Some(wait.min(Duration::from_secs(86_400)))
}

/// The steps a session's run has finished (done, failed or blocked, earlier sessions
/// included); `None` when it stopped before it began.
pub fn finished(result: &Result<Report>) -> Option<usize> {
    let report = result.as_ref().ok()?;
    Some(
        report
            .kinds
            .values()
            .map(|k| k.done + k.failed + k.blocked)
            .sum(),
    )
}

/// The wait [`needed`] asks for, or at least [`POLL`] when the last wait was in vain (the
/// session after it finished no step: the budget was not back, whatever the server said of
/// its reset time). Trusting a wrong reset time again would check every few seconds, each
/// check spending requests of the location's budget, its reserve included.
pub fn after_last(wait: Duration, last_in_vain: bool) -> Duration {
    if last_in_vain { wait.max(POLL) } else { wait }
}

/// Says when the run goes on (a line on stderr, or an event to `json` progress), then waits;
/// false when a signal stopped the wait.
pub async fn wait(
    target: &Remote,
    wait: Duration,
    interrupt: Option<tokio::sync::watch::Receiver<bool>>,
    json: Option<&dyn Progress>,
) -> bool {
    let at = SystemTime::now() + wait;
    let at_ms = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let until = iso_datetime(at_ms);
    let message = if wait.is_zero() {
        format!(
            "the target's daily API budget ran down to rate_limit.daily_reserve and has already \
             come back: going on by itself at {until}"
        )
    } else {
        format!(
            "the target's daily API budget is down to rate_limit.daily_reserve; waiting {} for \
             it to come back: going on by itself at {until} (Ctrl-C stops the wait; resume later \
             with --resume)",
            human(wait)
        )
    };
    match json {
        Some(progress) => progress.event(&Event::WaitingForBudget {
            wait_ms: wait.as_millis() as u64,
            until: &until,
            message: &message,
        }),
        None => eprintln!("{message}"),
    }
    let stopped = async {
        match interrupt {
            Some(mut rx) => {
                while !*rx.borrow() {
                    if rx.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
            None => std::future::pending::<()>().await,
        }
    };
    let waited = tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = stopped => false,
    };
    if waited && let Some(http) = target.http() {
        // The next request goes out and its answer says what the new day holds.
        for lane in http.lanes() {
            lane.limiter.forget_daily();
        }
        // The run that stopped told the connection to send nothing more; the next one sends.
        http.resume_sending();
    }
    waited
}

/// `3 h 05 min`, `12 min`, `40 s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_after_one_in_vain_is_at_least_the_poll() {
        let told = Duration::from_secs(2);
        assert_eq!(after_last(told, false), told);
        assert_eq!(after_last(told, true), POLL);
        assert_eq!(after_last(2 * POLL, true), 2 * POLL);
    }

    #[test]
    fn waits_are_said_in_human_units() {
        assert_eq!(human(Duration::from_secs(40)), "40 s");
        assert_eq!(human(Duration::from_secs(12 * 60 + 5)), "12 min");
        assert_eq!(human(Duration::from_secs(3 * 3600 + 5 * 60)), "3 h 05 min");
    }
}

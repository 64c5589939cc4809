//! The rate limiter: one per (token, location), shared by every request of that account, paced
//! from the `X-RateLimit-*` headers the server actually sends, never from hard-coded numbers.
//!
//! The pacing decision is a pure function ([`decide`]) over a plain state ([`Pace`]), the
//! headers seen ([`RateHeaders`]) and the current instant; [`Limiter`] is the thin async shell
//! that sleeps and counts requests in flight around it.
//!
//! How it paces: until the first response arrives, one request is in flight at a time. Once the
//! server has announced `max` requests per `interval`, the limiter keeps a log of its own send
//! times and lets a request go while fewer than `max` were sent in the last `interval` (widened
//! by a small margin and by the recent spread of round-trip times, so that requests travelling
//! at different speeds cannot crowd into one server window), up to `max_in_flight` at once.
//! After a 429 the pacing did not foresee, the window widens a little more. A `Remaining` lower than
//! the log explains (another process using the same token) is added to the log. A 429 pauses
//! every request of the account for an interval plus jitter. When `Daily-Remaining` reaches the
//! configured reserve, every further request is refused.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::config::RateLimitConfig;

/// Share of the announced interval added as a margin for what the measured round-trip spread
/// does not cover (timer lateness, a send that leaves a little after it was counted here).
/// Pacing at `max` per `interval * (1 + margin)` reaches `1 / (1 + margin)` (99.5%) of the
/// ceiling, less the round-trip spread.
pub const INTERVAL_MARGIN: f64 = 0.005;

/// The pause after a 429 when the server never announced its interval: GoHighLevel's
/// documented window (ghl-api.md §3). Only used until the headers have been seen.
pub const FALLBACK_INTERVAL: Duration = Duration::from_secs(10);

/// The rate-limit headers of one response; absent headers are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateHeaders {
    pub max: Option<u32>,
    pub remaining: Option<u32>,
    pub interval_ms: Option<u64>,
    pub daily_limit: Option<u64>,
    pub daily_remaining: Option<u64>,
    /// `x-ratelimit-daily-reset`: milliseconds until the daily budget comes back (ghl-api.md
    /// §3 lists it, unverified).
    pub daily_reset_ms: Option<u64>,
}

impl RateHeaders {
    /// Reads the headers from (name, value) pairs; names are matched case-insensitively.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut h = RateHeaders::default();
        for (name, value) in pairs {
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "x-ratelimit-max" => h.max = value.parse().ok(),
                "x-ratelimit-remaining" => h.remaining = value.parse().ok(),
                "x-ratelimit-interval-milliseconds" => h.interval_ms = value.parse().ok(),
                "x-ratelimit-limit-daily" => h.daily_limit = value.parse().ok(),
                "x-ratelimit-daily-remaining" => h.daily_remaining = value.parse().ok(),
                "x-ratelimit-daily-reset" => h.daily_reset_ms = value.parse().ok(),
                _ => {}
            }
        }
        h
    }

    /// True when the response carried any rate-limit header at all.
    pub fn any(&self) -> bool {
        *self != RateHeaders::default()
    }
}

/// The limits the user configured (`rate_limit` in migration.yaml), as the pacer needs them.
/// (Retries are the HTTP layer's business: `rate_limit.max_retries` goes to [`super::http`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_in_flight: usize,
    pub max_per_interval: Option<u32>,
    pub min_delay: Option<Duration>,
    pub daily_reserve: u64,
}

impl From<&RateLimitConfig> for Limits {
    fn from(c: &RateLimitConfig) -> Self {
        Limits {
            max_in_flight: c.max_in_flight.max(1),
            max_per_interval: c.max_per_interval,
            min_delay: c.min_delay_ms.map(Duration::from_millis),
            daily_reserve: c.daily_reserve,
        }
    }
}

/// What the pacer knows: the server's announcements and this account's recent sends.
#[derive(Debug, Clone, Default)]
pub struct Pace {
    /// Any response seen yet (until then, one request at a time).
    pub seen_response: bool,
    /// The announced ceiling and its window.
    pub max: Option<u32>,
    pub interval: Option<Duration>,
    /// Send times within the (widened) window, oldest first; may hold entries added for
    /// requests the server counted that this process did not send.
    pub log: VecDeque<Instant>,
    pub in_flight: usize,
    pub last_sent: Option<Instant>,
    /// After a 429: nothing is sent before this instant.
    pub paused_until: Option<Instant>,
    /// The last announced daily remaining, and requests sent since it was announced.
    pub daily_remaining: Option<u64>,
    pub sent_since_daily: u64,
    /// Requests of the location (every token's) sent and not answered yet.
    pub daily_in_flight: u64,
    /// The last headers seen, for `check`.
    pub last_headers: RateHeaders,
    /// Margin added to the window after 429s that our pacing did not foresee (latency jitter
    /// larger than [`INTERVAL_MARGIN`] covers), up to [`MAX_EXTRA_MARGIN`].
    pub extra_margin: f64,
    /// Round-trip times of the latest answers, whose spread widens the window: a request
    /// that took longer to arrive than the one before it may land in the server's next window.
    pub rtts: VecDeque<Duration>,
}

/// How many recent round trips the latency spread is measured over.
pub const RTT_SAMPLES: usize = 64;

/// From this many samples on, the single slowest round trip is left out of the spread: one
/// late answer (this process descheduled while it was on its way back) would otherwise widen
/// every window for the next [`RTT_SAMPLES`] requests.
pub const SPREAD_OUTLIER_FROM: usize = 16;

/// How much an unforeseen 429 widens the window (see [`Pace::extra_margin`]).
pub const MARGIN_PER_429: f64 = 0.02;

/// The latency spread widens the window by at most this share of the interval.
pub const MAX_SPREAD_SHARE: f64 = 0.10;

/// The most the window is ever widened after unforeseen 429s (pacing at 80% of the ceiling).
pub const MAX_EXTRA_MARGIN: f64 = 0.22;

/// The pacer's answer for the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send now (and call [`on_send`]).
    Go,
    /// Ask again after this long (or earlier, when a request completes).
    Wait(Duration),
    /// Too many in flight: ask again when one completes.
    WaitForSlot,
    /// The daily budget is down to the reserve: send nothing more.
    DailyBudget { remaining: u64 },
}

impl Pace {
    /// The effective ceiling per window: the server's, lowered by the user's override.
    pub fn ceiling(&self, limits: &Limits) -> Option<u32> {
        match (self.max, limits.max_per_interval) {
            (Some(s), Some(u)) => Some(s.min(u)),
            (s, u) => s.or(u),
        }
    }

    /// The window the log is kept over: the announced interval widened by the margin.
    pub fn window(&self) -> Duration {
        let base = self.interval.unwrap_or(FALLBACK_INTERVAL);
        base.mul_f64(1.0 + INTERVAL_MARGIN + self.extra_margin)
            + self.rtt_spread().min(base.mul_f64(MAX_SPREAD_SHARE))
    }

    /// The difference between the slowest and the fastest recent round trip (the slowest
    /// one left out once there are [`SPREAD_OUTLIER_FROM`] samples).
    ///
    /// Why the window is widened by it: under a sliding window (or a fixed one that restarts at
    /// the first request after it expires), a request that reaches the server's counter faster
    /// than the one sent `max` requests before it may land within the interval of it. How much of a
    /// round trip lies before the counter is not visible from here, so the whole spread counts.
    pub fn rtt_spread(&self) -> Duration {
        let Some(min) = self.rtts.iter().min() else {
            return Duration::ZERO;
        };
        let mut sorted: Vec<Duration> = self.rtts.iter().copied().collect();
        sorted.sort_unstable();
        let skip = usize::from(sorted.len() >= SPREAD_OUTLIER_FROM);
        sorted[sorted.len() - 1 - skip] - *min
    }

    fn prune(&mut self, now: Instant) {
        let window = self.window();
        while let Some(&t) = self.log.front() {
            if now.saturating_duration_since(t) >= window {
                self.log.pop_front();
            } else {
                break;
            }
        }
    }
}

/// The pacing decision: may a request go now? Pure apart from dropping expired log entries.
pub fn decide(pace: &mut Pace, limits: &Limits, now: Instant) -> Decision {
    if let Some(daily) = pace.daily_remaining {
        let left = daily.saturating_sub(pace.sent_since_daily);
        if left <= limits.daily_reserve {
            return Decision::DailyBudget { remaining: left };
        }
    }
    if let Some(until) = pace.paused_until {
        if now < until {
            return Decision::Wait(until - now);
        }
        pace.paused_until = None;
    }
    let slots = if pace.seen_response {
        limits.max_in_flight
    } else {
        1
    };
    if pace.in_flight >= slots {
        return Decision::WaitForSlot;
    }
    if let (Some(delay), Some(last)) = (limits.min_delay, pace.last_sent) {
        let next = last + delay;
        if now < next {
            return Decision::Wait(next - now);
        }
    }
    if let Some(ceiling) = pace.ceiling(limits) {
        pace.prune(now);
        if pace.log.len() >= ceiling.max(1) as usize {
            // The oldest send that must leave the window before another fits.
            let idx = pace.log.len() - ceiling.max(1) as usize;
            let frees_at = pace.log[idx] + pace.window();
            return Decision::Wait(frees_at.saturating_duration_since(now).max(MIN_WAIT));
        }
    }
    Decision::Go
}

/// Whether `announced` daily remaining is an earlier moment's count, answered late: more than
/// this process knows is left, by no more than the requests still in flight beside it (which
/// the server may not have counted when it answered). Taken, it would give back budget that is
/// spent; more than that is a new day.
fn late_daily(pace: &Pace, announced: u64) -> bool {
    pace.daily_remaining
        .map(|r| r.saturating_sub(pace.sent_since_daily))
        .is_some_and(|known| announced > known && announced <= known + pace.daily_in_flight)
}

/// Never ask to wait for less than this, so a waiter does not spin.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// Records that a request was sent at `now`.
pub fn on_send(pace: &mut Pace, now: Instant) {
    pace.in_flight += 1;
    pace.last_sent = Some(now);
    pace.log.push_back(now);
    pace.sent_since_daily += 1;
    pace.daily_in_flight += 1;
    pace.prune(now);
}

/// How a request ended, for the pacer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response with this HTTP status.
    Status(u16),
    /// No response (transport failure).
    NoResponse,
}

/// Records a finished request: sent at `sent_at`, ended at `now`, with these headers.
/// `jitter` in `[0, 1)` spreads the pause after a 429. Returns the pause, if one began.
pub fn on_complete(
    pace: &mut Pace,
    sent_at: Instant,
    outcome: Outcome,
    headers: &RateHeaders,
    now: Instant,
    jitter: f64,
) -> Option<Duration> {
    pace.in_flight = pace.in_flight.saturating_sub(1);
    if let Outcome::Status(_) = outcome {
        pace.seen_response = true;
        if pace.rtts.len() == RTT_SAMPLES {
            pace.rtts.pop_front();
        }
        pace.rtts.push_back(now.saturating_duration_since(sent_at));
    }
    if headers.any() {
        pace.last_headers = headers.clone();
    }
    if let Some(max) = headers.max.filter(|m| *m > 0) {
        pace.max = Some(max);
    }
    if let Some(ms) = headers.interval_ms.filter(|ms| *ms > 0) {
        pace.interval = Some(Duration::from_millis(ms));
    }
    if let Some(daily) = headers.daily_remaining.filter(|d| !late_daily(pace, *d)) {
        pace.daily_remaining = Some(daily);
        pace.sent_since_daily = 0;
    }
    pace.daily_in_flight = pace.daily_in_flight.saturating_sub(1);
    // Requests the server counted that our log does not explain (another process, or sends
    // from before this limiter existed) are added, dated when this request left.
    if let (Some(max), Some(remaining)) = (pace.max, headers.remaining) {
        let used = max.saturating_sub(remaining) as usize;
        let window = pace.window();
        let since = sent_at.checked_sub(window);
        let known = pace
            .log
            .iter()
            .filter(|t| since.is_none_or(|s| **t > s))
            .count();
        for _ in known..used {
            let pos = pace.log.partition_point(|t| *t <= sent_at);
            pace.log.insert(pos, sent_at);
        }
    }
    if outcome == Outcome::Status(429) {
        // Widen once per unforeseen pause, not once per request caught in it.
        let already_paused = pace.paused_until.is_some_and(|u| u > now);
        if pace.max.is_some() && !already_paused {
            pace.extra_margin = (pace.extra_margin + MARGIN_PER_429).min(MAX_EXTRA_MARGIN);
        }
        let pause = pause_after_429(pace.interval, jitter);
        let until = now + pause;
        pace.paused_until = Some(pace.paused_until.map_or(until, |u| u.max(until)));
        return Some(pause);
    }
    None
}

/// The pause after a 429: one announced interval, plus up to a quarter of it as jitter so that
/// the waiting requests do not all return at the same instant.
pub fn pause_after_429(interval: Option<Duration>, jitter: f64) -> Duration {
    let interval = interval.unwrap_or(FALLBACK_INTERVAL);
    interval + interval.mul_f64(jitter.clamp(0.0, 0.999) / 4.0)
}

/// Why the limiter would not let a request go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    DailyBudget { remaining: u64 },
}

/// The daily budget of one location as last announced, and the requests sent since by any of
/// its tokens: GoHighLevel counts one day for all the tokens of a location (ghl-api.md §3).
#[derive(Debug, Default)]
pub struct Daily {
    remaining: Option<u64>,
    sent_since: u64,
    in_flight: u64,
    /// A request was refused because the budget was down to the reserve (until forgotten).
    refused: bool,
}

/// The async limiter shared by every request of one account.
#[derive(Debug)]
pub struct Limiter {
    /// The user's limits; `serve` changes them while a run goes on (the next request obeys).
    limits: Mutex<Limits>,
    pace: Mutex<Pace>,
    changed: Notify,
    /// Shared with the limiters of the location's other tokens.
    daily: Arc<Mutex<Daily>>,
    /// The server refused this token (401/403) in this process: for telling a person which
    /// token to fix. Setting it aside is each connection's own decision ([`super::lanes`]).
    refused_token: std::sync::atomic::AtomicBool,
}

/// A request in flight; hand it back to [`Limiter::complete`] (dropping it counts as a
/// transport failure, e.g. when the request future is cancelled).
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<Limiter>,
    sent_at: Instant,
    done: bool,
}

impl Limiter {
    pub fn new(limits: Limits) -> Arc<Self> {
        Self::with_daily(limits, Arc::default())
    }

    /// A limiter for one token of a location whose daily budget `daily` counts.
    pub fn with_daily(limits: Limits, daily: Arc<Mutex<Daily>>) -> Arc<Self> {
        Arc::new(Limiter {
            limits: Mutex::new(limits),
            pace: Mutex::new(Pace::default()),
            changed: Notify::new(),
            daily,
            refused_token: Default::default(),
        })
    }

    /// Runs `f` on the pace with the location's shared daily count in it, and keeps what `f`
    /// changed of that count (lock order: the pace, then the day).
    fn with_pace<T>(&self, f: impl FnOnce(&mut Pace) -> T) -> T {
        let mut pace = self.lock();
        let mut daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        pace.daily_remaining = daily.remaining;
        pace.sent_since_daily = daily.sent_since;
        pace.daily_in_flight = daily.in_flight;
        let out = f(&mut pace);
        daily.remaining = pace.daily_remaining;
        daily.sent_since = pace.sent_since_daily;
        daily.in_flight = pace.daily_in_flight;
        out
    }

    pub fn limits(&self) -> Limits {
        self.limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the user's limits; waiting requests are paced by the new ones at once.
    pub fn set_limits(&self, limits: Limits) {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
        self.changed.notify_waiters();
    }

    /// Waits until the pacer lets a request go, and counts it as sent.
    pub async fn acquire(self: &Arc<Self>) -> Result<Permit, Refusal> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = Instant::now();
            let limits = self.limits();
            let decision = self.with_pace(|pace| {
                let d = decide(pace, &limits, now);
                if d == Decision::Go {
                    on_send(pace, now);
                }
                d
            });
            match decision {
                Decision::Go => {
                    return Ok(Permit {
                        limiter: Arc::clone(self),
                        sent_at: now,
                        done: false,
                    });
                }
                Decision::DailyBudget { remaining } => {
                    self.daily.lock().unwrap_or_else(|e| e.into_inner()).refused = true;
                    return Err(Refusal::DailyBudget { remaining });
                }
                Decision::WaitForSlot => notified.await,
                Decision::Wait(d) => {
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = &mut notified => {}
                    }
                }
            }
        }
    }

    /// Records the end of a request; returns the pause that a 429 started, if any.
    pub fn complete(
        &self,
        mut permit: Permit,
        outcome: Outcome,
        headers: &RateHeaders,
    ) -> Option<Duration> {
        permit.done = true;
        let pause = self.with_pace(|pace| {
            on_complete(
                pace,
                permit.sent_at,
                outcome,
                headers,
                Instant::now(),
                rand::random::<f64>(),
            )
        });
        self.changed.notify_waiters();
        pause
    }

    /// The rate-limit headers of the latest response that carried any.
    pub fn last_headers(&self) -> RateHeaders {
        self.lock().last_headers.clone()
    }

    /// The window currently paced over (the announced interval, widened).
    pub fn window(&self) -> Duration {
        self.lock().window()
    }

    /// What is left of the location's daily budget as far as this process knows (the last
    /// announcement on any of its tokens, less the requests sent since); `None` before any.
    pub fn daily_left(&self) -> Option<u64> {
        let daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        daily.remaining.map(|r| r.saturating_sub(daily.sent_since))
    }

    /// Notes that the server refused this limiter's token.
    pub fn note_token_refused(&self) {
        self.refused_token
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the server refused this limiter's token in this process, on any connection.
    pub fn token_refused(&self) -> bool {
        self.refused_token
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// True once a request was refused because the daily budget was down to the reserve (by
    /// this limiter or another token's of the location), until [`Limiter::forget_daily`].
    pub fn daily_refused(&self) -> bool {
        self.daily.lock().unwrap_or_else(|e| e.into_inner()).refused
    }

    /// Forgets the daily budget announced so far, so that the next request goes out and its
    /// answer says what is left (after waiting for the budget to come back).
    pub fn forget_daily(&self) {
        let mut daily = self.daily.lock().unwrap_or_else(|e| e.into_inner());
        // The requests still in flight are still to be answered.
        *daily = Daily {
            in_flight: daily.in_flight,
            ..Daily::default()
        };
        drop(daily);
        self.lock().daily_remaining = None;
        self.changed.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.pace.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            self.limiter.with_pace(|pace| {
                pace.in_flight = pace.in_flight.saturating_sub(1);
                pace.daily_in_flight = pace.daily_in_flight.saturating_sub(1);
            });
            self.limiter.changed.notify_waiters();
        }
    }
}

/// Whose budget a limiter paces: one server's (token, location).
#[derive(Debug, Clone, Copy)]
pub struct Budget<'a> {
    pub base_url: &'a str,
    pub token: &'a str,
    pub location_id: &'a str,
}

/// The process-wide registry that makes one limiter per (server, token, location): two clients
/// for the same account (e.g. a plan's read and a check) share their budget. Keyed by a hash
/// of the token, so the registry itself holds no secret. The limiters of one (server,
/// location) share its daily count.
pub fn shared(budget: Budget<'_>, limits: Limits) -> Arc<Limiter> {
    use sha2::{Digest, Sha256};
    type Key = (String, String, String);
    type DayKey = (String, String);
    static REGISTRY: Mutex<BTreeMap<Key, Weak<Limiter>>> = Mutex::new(BTreeMap::new());
    static DAYS: Mutex<BTreeMap<DayKey, Weak<Mutex<Daily>>>> = Mutex::new(BTreeMap::new());
    let base = budget.base_url.trim_end_matches('/').to_string();
    let key = (
        base.clone(),
        hex::encode(Sha256::digest(budget.token.as_bytes())),
        budget.location_id.to_string(),
    );
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    registry.retain(|_, w| w.strong_count() > 0);
    if let Some(existing) = registry.get(&key).and_then(Weak::upgrade) {
        return existing;
    }
    let daily = {
        let mut days = DAYS.lock().unwrap_or_else(|e| e.into_inner());
        days.retain(|_, w| w.strong_count() > 0);
        let day_key = (base, budget.location_id.to_string());
        match days.get(&day_key).and_then(Weak::upgrade) {
            Some(daily) => daily,
            None => {
                let daily = Arc::default();
                days.insert(day_key, Arc::downgrade(&daily));
                daily
            }
        }
    };
    let limiter = Limiter::with_daily(limits, daily);
    registry.insert(key, Arc::downgrade(&limiter));
    limiter
}

#[cfg(test)]
#[path = "ratelimit_tests.rs"]
mod tests;

//! The rate limiter: a burst counter per (token, location), over a fixed or a sliding window,
//! and a daily counter per location shared by all its tokens, as GoHighLevel counts them. A
//! request that is refused (429) is not counted. Time is passed in, so the rules are tested
//! without sleeping.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::options::{RateLimit, WindowKind};

/// GoHighLevel's day (the sandbox can shorten it: [`Caller::day`]).
pub const DAY: Duration = Duration::from_secs(86_400);

/// What one request got from the limiter; every response carries it as headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub max: u32,
    pub remaining: u32,
    pub interval_ms: u64,
    pub daily_limit: u64,
    pub daily_remaining: u64,
    /// Until the daily budget comes back.
    pub daily_reset: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u64,
}

impl Window {
    /// The window holding `now`, restarted when `length` has passed.
    fn current(&mut self, now: Instant, length: Duration) -> &mut Self {
        if now.duration_since(self.start) >= length {
            *self = Window {
                start: now,
                count: 0,
            };
        }
        self
    }
}

/// The requests counted in the last interval before `now`: a sliding window.
#[derive(Debug, Clone, Default)]
struct Sliding {
    counted: VecDeque<Instant>,
}

impl Sliding {
    /// Forgets what left the window ending at `now`; the count that remains.
    fn current(&mut self, now: Instant, length: Duration) -> u64 {
        while let Some(&t) = self.counted.front() {
            if now.saturating_duration_since(t) >= length {
                self.counted.pop_front();
            } else {
                break;
            }
        }
        self.counted.len() as u64
    }
}

/// Counters for every (token, location) burst window and every location's day.
#[derive(Debug, Default)]
pub struct Limiter {
    bursts: HashMap<(String, String), Window>,
    slides: HashMap<(String, String), Sliding>,
    days: HashMap<String, Window>,
}

/// Who is asking and under which limits.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The presented token (never logged; only a map key).
    pub token: &'a str,
    pub location: &'a str,
    pub rate: RateLimit,
    pub window: WindowKind,
    pub daily: u64,
    /// How long a day lasts (shortened in tests).
    pub day: Duration,
}

impl Limiter {
    /// Counts one request at `now` if both limits allow it.
    pub fn check(&mut self, caller: Caller<'_>, now: Instant) -> Verdict {
        let interval = Duration::from_millis(caller.rate.interval_ms.max(1));
        let key = (caller.token.to_string(), caller.location.to_string());
        let in_window = match caller.window {
            WindowKind::Fixed => {
                self.bursts
                    .entry(key.clone())
                    .or_insert(Window {
                        start: now,
                        count: 0,
                    })
                    .current(now, interval)
                    .count
            }
            WindowKind::Sliding => self
                .slides
                .entry(key.clone())
                .or_default()
                .current(now, interval),
        };
        let day = self
            .days
            .entry(caller.location.to_string())
            .or_insert(Window {
                start: now,
                count: 0,
            })
            .current(now, caller.day);
        let allowed = in_window < u64::from(caller.rate.max) && day.count < caller.daily;
        let daily_reset = (day.start + caller.day).saturating_duration_since(now);
        if allowed {
            day.count += 1;
            match caller.window {
                WindowKind::Fixed => {
                    if let Some(burst) = self.bursts.get_mut(&key) {
                        burst.count += 1;
                    }
                }
                WindowKind::Sliding => {
                    if let Some(slide) = self.slides.get_mut(&key) {
                        slide.counted.push_back(now);
                    }
                }
            }
        }
        let counted = in_window + u64::from(allowed);
        Verdict {
            allowed,
            max: caller.rate.max,
            remaining: u64::from(caller.rate.max).saturating_sub(counted) as u32,
            interval_ms: caller.rate.interval_ms,
            daily_limit: caller.daily,
            daily_remaining: caller.daily.saturating_sub(day.count),
            daily_reset,
        }
    }

    /// Forgets every counter (an admin reset).
    pub fn reset(&mut self) {
        self.bursts.clear();
        self.slides.clear();
        self.days.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(token: &str) -> Caller<'_> {
        Caller {
            token,
            location: "loc",
            rate: RateLimit {
                max: 2,
                interval_ms: 1000,
            },
            window: WindowKind::Fixed,
            daily: 5,
            day: DAY,
        }
    }

    fn sliding(token: &str) -> Caller<'_> {
        Caller {
            window: WindowKind::Sliding,
            ..caller(token)
        }
    }

    #[test]
    fn a_fixed_window_lets_a_burst_straddle_its_boundary() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        assert!(l.check(caller("a"), t0).allowed);
        // Late in the first window, then early in the next: 3 within 200 ms.
        assert!(
            l.check(caller("a"), t0 + Duration::from_millis(900))
                .allowed
        );
        assert!(
            l.check(caller("a"), t0 + Duration::from_millis(1000))
                .allowed
        );
        assert!(
            l.check(caller("a"), t0 + Duration::from_millis(1100))
                .allowed
        );
    }

    #[test]
    fn a_sliding_window_counts_the_last_interval_before_each_request() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(l.check(sliding("a"), at(0)).allowed);
        let v = l.check(sliding("a"), at(900));
        assert!(v.allowed);
        assert_eq!(v.remaining, 0);
        // A fixed window would have restarted at 1000 ms; the sliding one still holds 900.
        assert!(
            l.check(sliding("a"), at(1000)).allowed,
            "the request at 0 has left the window"
        );
        assert!(
            !l.check(sliding("a"), at(1100)).allowed,
            "900 and 1000 are still in it"
        );
        assert!(!l.check(sliding("a"), at(1899)).allowed);
        let v = l.check(sliding("a"), at(1900));
        assert!(v.allowed);
        assert_eq!(v.remaining, 0);
        assert!(
            l.check(sliding("b"), at(1900)).allowed,
            "tokens have their own windows"
        );
        assert_eq!(
            l.check(sliding("b"), at(1900)).daily_remaining,
            0,
            "the day is the location's"
        );
    }

    #[test]
    fn burst_window_refuses_then_restarts() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        assert_eq!(l.check(caller("a"), t0).remaining, 1);
        assert_eq!(l.check(caller("a"), t0).remaining, 0);
        let refused = l.check(caller("a"), t0);
        assert!(!refused.allowed);
        assert_eq!(refused.daily_remaining, 3);
        assert!(
            l.check(caller("b"), t0).allowed,
            "tokens have their own bursts"
        );
        let later = t0 + Duration::from_millis(1000);
        assert!(l.check(caller("a"), later).allowed);
    }

    #[test]
    fn daily_budget_is_shared_by_the_location() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let mut allowed = 0;
        for i in 0..10u64 {
            let token = if i % 2 == 0 { "a" } else { "b" };
            let now = t0 + Duration::from_millis(1000 * i);
            if l.check(caller(token), now).allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 5);
        let v = l.check(caller("c"), t0 + Duration::from_secs(20));
        assert!(!v.allowed);
        assert_eq!(v.daily_remaining, 0);
    }
}

//! The rate limiter: a fixed-window burst counter per (token, location) and a daily counter
//! per location shared by all its tokens, as GoHighLevel counts them. A request that is
//! refused (429) is not counted. Time is passed in, so the rules are tested without sleeping.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::options::RateLimit;

const DAY: Duration = Duration::from_secs(86_400);

/// What one request got from the limiter; every response carries it as headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub max: u32,
    pub remaining: u32,
    pub interval_ms: u64,
    pub daily_limit: u64,
    pub daily_remaining: u64,
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

/// Counters for every (token, location) burst window and every location's day.
#[derive(Debug, Default)]
pub struct Limiter {
    bursts: HashMap<(String, String), Window>,
    days: HashMap<String, Window>,
}

/// Who is asking and under which limits.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The presented token (never logged; only a map key).
    pub token: &'a str,
    pub location: &'a str,
    pub rate: RateLimit,
    pub daily: u64,
}

impl Limiter {
    /// Counts one request at `now` if both limits allow it.
    pub fn check(&mut self, caller: Caller<'_>, now: Instant) -> Verdict {
        let interval = Duration::from_millis(caller.rate.interval_ms.max(1));
        let burst = self
            .bursts
            .entry((caller.token.to_string(), caller.location.to_string()))
            .or_insert(Window {
                start: now,
                count: 0,
            })
            .current(now, interval);
        let day = self
            .days
            .entry(caller.location.to_string())
            .or_insert(Window {
                start: now,
                count: 0,
            })
            .current(now, DAY);
        let allowed = burst.count < u64::from(caller.rate.max) && day.count < caller.daily;
        if allowed {
            burst.count += 1;
            day.count += 1;
        }
        Verdict {
            allowed,
            max: caller.rate.max,
            remaining: u64::from(caller.rate.max).saturating_sub(burst.count) as u32,
            interval_ms: caller.rate.interval_ms,
            daily_limit: caller.daily,
            daily_remaining: caller.daily.saturating_sub(day.count),
        }
    }

    /// Forgets every counter (an admin reset).
    pub fn reset(&mut self) {
        self.bursts.clear();
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
            daily: 5,
        }
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

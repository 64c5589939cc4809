//! The effective configuration the server runs with: migration.yaml with its environment
//! overrides, then what `POST /config/update` changed. An update reaches the running apply at
//! once (its cap on steps in flight and its target's rate limiter) and every later run.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Deserialize;
use serde_json::{Value, json};

use ghl_migrate::config::Loaded;
use ghl_migrate::ghl::ratelimit::{Limiter, Limits};

/// Where a value set through the API came from, as `config` shows it.
pub const UPDATE_ORIGIN: &str = "POST /api/v1/migration/config/update";

/// The seed system's limits on its two knobs, and ours.
const MAX_BATCH_SIZE: u64 = 1_000;
const MAX_DELAY_SECONDS: f64 = 600.0;

/// `POST /config/update`'s body: either key, or both.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    /// Requests in flight at once (`rate_limit.max_in_flight`).
    pub batch_size: Option<Value>,
    /// The minimum pause between two requests to one account, in seconds.
    pub rate_limit_delay: Option<Value>,
}

/// The configuration and the knobs of the run that is going on, if any.
pub struct Settings {
    loaded: Mutex<Loaded>,
    /// The running apply's cap on steps in flight.
    in_flight: Arc<AtomicUsize>,
    /// The running (or last) apply's target limiters, one per token (live targets only).
    limiters: Mutex<Vec<Arc<Limiter>>>,
    /// A stop is under way: the pause between requests is not imposed until the run ends.
    stopping: AtomicBool,
}

impl Settings {
    pub fn new(loaded: Loaded) -> Settings {
        let in_flight = Arc::new(AtomicUsize::new(loaded.config.rate_limit.max_in_flight));
        Settings {
            loaded: Mutex::new(loaded),
            in_flight,
            limiters: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        }
    }

    /// The effective declaration now.
    pub fn loaded(&self) -> Loaded {
        lock(&self.loaded).clone()
    }

    /// Hands the knobs to a run starting now: its cap on steps in flight, and its target's
    /// limiters, one per token (set to the effective limits, whoever opened them first).
    pub fn attach(&self, limiters: Vec<Arc<Limiter>>) -> Arc<AtomicUsize> {
        let rate = lock(&self.loaded).config.rate_limit.clone();
        self.stopping.store(false, Ordering::Relaxed);
        self.in_flight.store(rate.max_in_flight, Ordering::Relaxed);
        for l in &limiters {
            l.set_limits(Limits::from(&rate));
        }
        *lock(&self.limiters) = limiters;
        self.in_flight.clone()
    }

    /// A stop lets the steps in flight settle; those not sent yet wait only for the pause asked
    /// for between requests, which could keep the stop waiting batch_size × delay (up to hours
    /// at the largest values the API takes). So while a run stops that pause is lifted; the
    /// server's announced limits and the cap on requests in flight still pace what goes out.
    pub fn lift_delay_for_stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.set_limiter(Limits::from(&lock(&self.loaded).config.rate_limit));
    }

    /// The running or last apply's limiter paced by the effective settings again (after a stop).
    pub fn restore_limits(&self) {
        self.stopping.store(false, Ordering::Relaxed);
        self.set_limiter(Limits::from(&lock(&self.loaded).config.rate_limit));
    }

    /// Sets the current limiters' limits (without the pause while a run stops).
    fn set_limiter(&self, limits: Limits) {
        let stopping = self.stopping.load(Ordering::Relaxed);
        for l in self.limiters() {
            l.set_limits(Limits {
                min_delay: if stopping { None } else { limits.min_delay },
                ..limits.clone()
            });
        }
    }

    /// The target limiters of the running or last apply (the first token's first).
    pub fn limiters(&self) -> Vec<Arc<Limiter>> {
        lock(&self.limiters).clone()
    }

    /// Validates and applies an update; on error nothing changes.
    pub fn update(&self, update: &Update) -> Result<(), String> {
        if update.batch_size.is_none() && update.rate_limit_delay.is_none() {
            return Err("nothing to update: send batch_size, rate_limit_delay or both".into());
        }
        let batch =
            read(&update.batch_size, |v| {
                v.as_u64().filter(|n| (1..=MAX_BATCH_SIZE).contains(n)).ok_or_else(|| {
                format!("batch_size: expected a whole number from 1 to {MAX_BATCH_SIZE}, got {v}")
            })
            })?;
        let delay = read(&update.rate_limit_delay, |v| {
            v.as_f64()
                .filter(|s| (0.0..=MAX_DELAY_SECONDS).contains(s))
                .ok_or_else(|| {
                    format!(
                        "rate_limit_delay: expected seconds from 0 to {MAX_DELAY_SECONDS} (e.g. 0.2), got {v}"
                    )
                })
        })?;
        let mut loaded = lock(&self.loaded);
        let rate = &mut loaded.config.rate_limit;
        if let Some(n) = batch {
            rate.max_in_flight = n as usize;
        }
        if let Some(secs) = delay {
            rate.min_delay_ms = Some((secs * 1000.0).round() as u64);
        }
        let limits = Limits::from(&*rate);
        self.in_flight.store(rate.max_in_flight, Ordering::Relaxed);
        for (set, key) in [
            (batch.is_some(), "rate_limit.max_in_flight"),
            (delay.is_some(), "rate_limit.min_delay_ms"),
        ] {
            if set {
                loaded.origins.insert(key.into(), UPDATE_ORIGIN.into());
            }
        }
        drop(loaded);
        self.set_limiter(limits);
        Ok(())
    }

    /// The seed system's two keys, where each came from, and every other effective setting.
    pub fn document(&self, settings: Vec<crate::cli::config_cmd::Entry>) -> Value {
        let loaded = lock(&self.loaded);
        let rate = &loaded.config.rate_limit;
        let origin = |key: &str| loaded.origins.get(key).cloned().unwrap_or_default();
        json!({
            "batch_size": rate.max_in_flight,
            "rate_limit_delay": rate.min_delay_ms.unwrap_or(0) as f64 / 1000.0,
            "origins": {
                "batch_size": origin("rate_limit.max_in_flight"),
                "rate_limit_delay": origin("rate_limit.min_delay_ms"),
            },
            "settings": settings,
        })
    }

    /// The pacing of the running (or last) apply, as its knobs hold it now.
    pub fn pacing(&self) -> Value {
        let mut out = json!({"batch_size": self.in_flight.load(Ordering::Relaxed)});
        if let Some(l) = self.limiters().first() {
            let limits = l.limits();
            let h = l.last_headers();
            out["rate_limit_delay"] = json!(limits.min_delay.map_or(0.0, |d| d.as_secs_f64()));
            out["requests_in_flight_max"] = json!(limits.max_in_flight);
            out["max_per_interval"] = json!(limits.max_per_interval);
            out["server"] = json!({
                "max": h.max,
                "remaining": h.remaining,
                "interval_ms": h.interval_ms,
                "daily_remaining": h.daily_remaining,
            });
            out["window_ms"] = json!(l.window().as_millis() as u64);
        }
        out
    }
}

/// An optional key's value, validated by `check`.
fn read<T>(
    value: &Option<Value>,
    check: impl Fn(&Value) -> Result<T, String>,
) -> Result<Option<T>, String> {
    value.as_ref().map(check).transpose()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.yaml");
        std::fs::write(
            &path,
            "name: d\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: fixture\n  path: t.json\n",
        )
        .unwrap();
        Settings::new(ghl_migrate::config::load(&path, &|_| None).unwrap())
    }

    fn update(body: Value) -> Update {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn an_update_changes_the_knobs_and_says_where_they_came_from() {
        let s = settings();
        let limiter = Limiter::new(Limits::from(&s.loaded().config.rate_limit));
        let knob = s.attach(vec![limiter.clone()]);
        s.update(&update(json!({"batch_size": 3, "rate_limit_delay": 0.25})))
            .unwrap();
        assert_eq!(knob.load(Ordering::Relaxed), 3);
        assert_eq!(limiter.limits().max_in_flight, 3);
        assert_eq!(
            limiter.limits().min_delay,
            Some(std::time::Duration::from_millis(250))
        );
        let doc = s.document(Vec::new());
        assert_eq!(doc["batch_size"], 3);
        assert_eq!(doc["rate_limit_delay"], 0.25);
        assert_eq!(doc["origins"]["batch_size"], UPDATE_ORIGIN);
    }

    #[test]
    fn an_update_paces_every_token_of_the_target() {
        let s = settings();
        let limits = Limits::from(&s.loaded().config.rate_limit);
        let tokens = [Limiter::new(limits.clone()), Limiter::new(limits)];
        s.attach(tokens.to_vec());
        s.update(&update(json!({"rate_limit_delay": 0.5}))).unwrap();
        for l in &tokens {
            assert_eq!(
                l.limits().min_delay,
                Some(std::time::Duration::from_millis(500))
            );
        }
    }

    #[test]
    fn a_bad_update_changes_nothing_and_says_why() {
        let s = settings();
        for (body, words) in [
            (json!({"batch_size": 0}), "batch_size"),
            (json!({"batch_size": 2.5}), "whole number"),
            (json!({"rate_limit_delay": -1}), "rate_limit_delay"),
            (json!({"rate_limit_delay": "fast"}), "seconds"),
            (json!({}), "nothing to update"),
        ] {
            let err = s.update(&update(body.clone())).unwrap_err();
            assert!(err.contains(words), "{body}: {err}");
        }
        assert_eq!(s.loaded().config.rate_limit.max_in_flight, 16);
        assert_eq!(s.document(Vec::new())["origins"]["batch_size"], "default");
    }
}

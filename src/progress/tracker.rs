//! What a person watching an apply wants to know, kept from the events and the target
//! connection's activity: steps finished per kind, objects per second, the time left at the
//! rate the server allows, and what the run is doing right now (sending, waiting for the rate
//! limit, for the search to catch up, retrying, stopping). The terminal and log sinks render it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Event, KindProgress};
use crate::ghl::http::Activity;

/// Reads the target connection's activity (requests waiting, sent, 429s, announced rate).
pub type ActivityProbe = Arc<dyn Fn() -> Activity + Send + Sync>;

/// The run as the events told it.
#[derive(Default)]
struct Run {
    started: Option<Instant>,
    total: usize,
    finished: usize,
    finished_before: usize,
    kinds: BTreeMap<String, KindProgress>,
    in_flight: usize,
    /// Steps waiting for the search, until when.
    search_lag: BTreeMap<String, Instant>,
    stopping: Option<String>,
    /// What is checked before the steps begin.
    preparing: Option<String>,
    /// The 429 count last seen, and when it last grew.
    too_many: (u64, Option<Instant>),
    /// Requests the connection had sent when the run began.
    sent_before: Option<u64>,
    /// What `plan` is reading now, per side.
    reading: BTreeMap<String, String>,
}

/// Keeps the run's state; shared by a sink and its redraw ticker.
pub struct Tracker {
    run: Mutex<Run>,
    probe: Option<ActivityProbe>,
}

impl Tracker {
    pub fn new(probe: Option<ActivityProbe>) -> Self {
        Tracker {
            run: Mutex::new(Run::default()),
            probe,
        }
    }

    /// Takes in one event.
    pub fn observe(&self, event: &Event<'_>) {
        let mut run = self.lock();
        match event {
            Event::ReadPlanned { side, contacts, .. } => {
                run.reading.insert(
                    side.to_string(),
                    format!("notes and tasks of 0/{contacts} contacts"),
                );
            }
            Event::Reading { side, requests } => {
                let s = if *requests == 1 { "" } else { "s" };
                run.reading
                    .insert(side.to_string(), format!("{requests} request{s} sent"));
            }
            Event::AccountRead { side, .. } => {
                run.reading.remove(*side);
            }
            Event::ReadProgress { side, done, total } if done < total => {
                run.reading.insert(
                    side.to_string(),
                    format!("notes and tasks of {done}/{total} contacts"),
                );
            }
            Event::ReadProgress { side, .. } => {
                run.reading.remove(*side);
            }
            Event::Preparing { what } => run.preparing = Some(what.to_string()),
            Event::Begin {
                total,
                already_done,
                kinds,
                ..
            } => {
                run.started = Some(Instant::now());
                run.preparing = None;
                // A session after a stopped one (`apply --wait-for-budget`) is not stopping.
                run.stopping = None;
                run.total = *total;
                run.finished = *already_done;
                run.finished_before = *already_done;
                run.kinds = kinds.iter().map(|(k, p)| (k.to_string(), *p)).collect();
                run.sent_before = self.probe.as_ref().map(|p| p().sent);
            }
            Event::StepStarted { .. } => run.in_flight += 1,
            Event::SearchLag { id, wait_ms, .. } => {
                let until = Instant::now() + Duration::from_millis(*wait_ms);
                run.search_lag.insert(id.to_string(), until);
            }
            Event::StepDone { id, kind, .. } | Event::StepFailed { id, kind, .. } => {
                run.in_flight = run.in_flight.saturating_sub(1);
                run.search_lag.remove(*id);
                run.finish(kind);
            }
            Event::StepBlocked { kind, .. } => run.finish(kind),
            Event::Stopping { reason } => run.stopping = Some(reason.to_string()),
            Event::End { .. } => run.in_flight = 0,
            Event::TokenRefused { .. } | Event::WaitingForBudget { .. } => {}
        }
    }

    /// (finished, total) steps.
    pub fn position(&self) -> (usize, usize) {
        let run = self.lock();
        (run.finished, run.total)
    }

    /// `2.4/s  ETA 1m15s`: objects per second this session, and the time left.
    pub fn pace(&self) -> String {
        let activity = self.activity();
        let run = self.lock();
        let Some(started) = run.started else {
            return String::new();
        };
        let elapsed = started.elapsed().as_secs_f64().max(0.001);
        let done = run.finished - run.finished_before;
        let left = run.total - run.finished;
        let rate = done as f64 / elapsed;
        let mut eta = (done > 0).then(|| left as f64 / rate);
        // At the server's ceiling, each step costing the requests steps have cost so far.
        if let (Some(a), Some(max), Some(interval)) = (
            activity.as_ref(),
            activity.as_ref().and_then(|a| a.max),
            activity.as_ref().and_then(|a| a.interval_ms),
        ) && max > 0
        {
            let sent = a.sent.saturating_sub(run.sent_before.unwrap_or(0)) as f64;
            let per_step = if done > 0 {
                (sent / done as f64).max(1.0)
            } else {
                1.0
            };
            let ceiling = max as f64 * 1000.0 / interval.max(1) as f64;
            let at_ceiling = left as f64 * per_step / ceiling;
            eta = Some(eta.map_or(at_ceiling, |e| e.max(at_ceiling)));
        }
        match eta {
            _ if left == 0 => format!("{rate:.1}/s"),
            Some(eta) => format!("{rate:.1}/s  ETA {}", duration(eta)),
            None => format!("{rate:.1}/s  ETA -"),
        }
    }

    /// `contacts 30/197  opportunities 0/28  fields 4/4`.
    pub fn kinds(&self) -> String {
        let run = self.lock();
        run.kinds
            .iter()
            .map(|(kind, p)| format!("{} {}/{}", kind_label(kind), p.finished, p.total))
            .collect::<Vec<_>>()
            .join("  ")
    }

    /// What the run is doing now, in words.
    pub fn state(&self) -> String {
        let now = self.doing();
        match self.lock().preparing.clone() {
            Some(what) => format!("{what}: {now}"),
            None => now,
        }
    }

    fn doing(&self) -> String {
        let activity = self.activity();
        let mut run = self.lock();
        if let Some(reason) = &run.stopping {
            return format!("stopping ({reason}); {} in flight settling", run.in_flight);
        }
        if let Some(a) = &activity {
            if a.too_many_requests > run.too_many.0 {
                run.too_many = (a.too_many_requests, Some(Instant::now()));
            }
            if a.waiting_for_rate_limit > 0 {
                let recent_429 = run
                    .too_many
                    .1
                    .is_some_and(|t| t.elapsed() < Duration::from_secs(15));
                let why = if recent_429 {
                    "the server answered 429: pausing, then retrying".to_string()
                } else {
                    "waiting for the rate limit".to_string()
                };
                let window = match (a.remaining, a.max, a.interval_ms) {
                    (Some(left), Some(max), Some(ms)) => format!(
                        "; {left} of {max} left, frees within {}",
                        duration(ms as f64 / 1000.0)
                    ),
                    _ => String::new(),
                };
                return format!("{why}: {} queued{window}", a.waiting_for_rate_limit);
            }
            if a.retrying > 0 {
                return format!("retrying {} request(s) after a network failure", a.retrying);
            }
        }
        let now = Instant::now();
        if let Some(until) = run.search_lag.values().max() {
            let left = until.saturating_duration_since(now).as_secs_f64();
            if left > 0.0 {
                return format!(
                    "waiting {} for the search to catch up, then looking up {} step(s) in doubt",
                    duration(left),
                    run.search_lag.len()
                );
            }
        }
        if run.started.is_none() && !run.reading.is_empty() {
            let sides: Vec<String> = run
                .reading
                .iter()
                .map(|(side, what)| format!("{side} {what}"))
                .collect();
            return format!("reading: {}", sides.join("; "));
        }
        match run.in_flight {
            0 if run.preparing.is_some() => "reading".to_string(),
            0 => "idle".to_string(),
            n => format!("sending: {n} in flight"),
        }
    }

    fn activity(&self) -> Option<Activity> {
        self.probe.as_ref().map(|p| p())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Run> {
        self.run.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Run {
    fn finish(&mut self, kind: &str) {
        self.finished += 1;
        self.kinds.entry(kind.to_string()).or_default().finished += 1;
    }
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "contact" => "contacts",
        "opportunity" => "opportunities",
        "custom_field" => "fields",
        other => other,
    }
}

/// `45s`, `3m05s`, `1h02m`.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begin(tracker: &Tracker) {
        let mut kinds = BTreeMap::new();
        kinds.insert(
            "contact",
            KindProgress {
                total: 3,
                finished: 1,
            },
        );
        kinds.insert(
            "opportunity",
            KindProgress {
                total: 2,
                finished: 0,
            },
        );
        tracker.observe(&Event::Begin {
            total: 5,
            already_done: 1,
            resumed: true,
            kinds,
        });
    }

    #[test]
    fn while_plan_reads_the_state_says_what_each_side_is_reading() {
        let tracker = Tracker::new(None);
        tracker.observe(&Event::Reading {
            side: "source",
            requests: 3,
        });
        tracker.observe(&Event::Reading {
            side: "target",
            requests: 5,
        });
        assert_eq!(
            tracker.state(),
            "reading: source 3 requests sent; target 5 requests sent"
        );
        tracker.observe(&Event::AccountRead {
            side: "target",
            requests: 7,
            seconds: 0.5,
            contacts: 1,
            opportunities: 0,
            custom_fields: 0,
            pipelines: 0,
            users: 0,
        });
        tracker.observe(&Event::ReadProgress {
            side: "target",
            done: 2,
            total: 9,
        });
        assert_eq!(
            tracker.state(),
            "reading: source 3 requests sent; target notes and tasks of 2/9 contacts"
        );
    }

    #[test]
    fn counts_per_kind_and_states_follow_the_events() {
        let probe: ActivityProbe = Arc::new(|| Activity {
            sent: 0,
            waiting_for_rate_limit: 3,
            max: Some(25),
            remaining: Some(0),
            interval_ms: Some(10_000),
            ..Activity::default()
        });
        let tracker = Tracker::new(Some(probe));
        begin(&tracker);
        tracker.observe(&Event::StepStarted {
            id: "contact/a",
            kind: "contact",
        });
        tracker.observe(&Event::StepDone {
            id: "contact/a",
            kind: "contact",
            target_id: "T",
            reconciled: false,
        });
        assert_eq!(tracker.position(), (2, 5));
        assert_eq!(tracker.kinds(), "contacts 2/3  opportunities 0/2");
        assert_eq!(
            tracker.state(),
            "waiting for the rate limit: 3 queued; 0 of 25 left, frees within 10s"
        );
        // 3 steps left at 1 request each, 2.5 requests a second at most.
        assert!(tracker.pace().ends_with("ETA 1s") || tracker.pace().contains("ETA"));
        tracker.observe(&Event::Stopping {
            reason: "interrupted",
        });
        assert_eq!(
            tracker.state(),
            "stopping (interrupted); 0 in flight settling"
        );
        // The run goes on in a new session (after waiting for the daily budget).
        tracker.observe(&Event::Begin {
            total: 5,
            already_done: 2,
            resumed: true,
            kinds: BTreeMap::new(),
        });
        assert!(
            !tracker.state().starts_with("stopping"),
            "{}",
            tracker.state()
        );
    }

    #[test]
    fn a_search_lag_wait_is_said() {
        let tracker = Tracker::new(None);
        begin(&tracker);
        tracker.observe(&Event::SearchLag {
            id: "contact/a",
            kind: "contact",
            wait_ms: 10_000,
        });
        assert!(
            tracker
                .state()
                .starts_with("waiting 10s for the search to catch up"),
            "{}",
            tracker.state()
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(4.6), "5s");
        assert_eq!(duration(185.0), "3m05s");
        assert_eq!(duration(3720.0), "1h02m");
    }
}

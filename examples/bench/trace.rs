//! What the traffic of one run says: requests, reads, writes, 429s, waste, and how close the
//! sends came to the fastest schedule the server's fixed window allows. Also writes the trace
//! (one line per request, as the server saw it) for a person to read.

use std::io::Write;
use std::path::Path;

use ghl_migrate::sandbox::{RateLimit, Stats};

use crate::proxy::Entry;

/// Counts over one run's requests.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    pub requests: usize,
    /// Reads (GETs and searches) before the first write: the stale-plan check's snapshot.
    pub reads: usize,
    pub writes_ok: usize,
    pub too_many: usize,
    /// Any answer other than 2xx or 429.
    pub errors: usize,
    /// Requests that moved no object forward: 429s, errors, reads after the first write.
    pub waste: usize,
    /// Of the waste, the reads after the first write: a step's own reads (a contact read right
    /// before its merge, a value read back by the canary, a pipeline read before a stage is
    /// added, a lookup after a lost answer).
    pub step_reads: usize,
    /// The steady-state share of the ceiling: k intervals divided by the time from the first
    /// admitted request to the one that opened the k-th next window (request k * max); `None`
    /// when every request fits in one window.
    pub pacing: Option<f64>,
}

impl Traffic {
    pub fn waste_percent(&self) -> f64 {
        100.0 * self.waste as f64 / self.requests.max(1) as f64
    }

    /// The waste against its bar, and what it is made of.
    pub fn waste_target(&self) -> String {
        let share = |n: usize| 100.0 * n as f64 / self.requests.max(1) as f64;
        format!(
            "waste {:.1}% (<= 2%): {} ({:.1}% reads inside steps, {:.1}% 429s and errors)",
            self.waste_percent(),
            if self.waste_percent() <= 2.0 {
                "met"
            } else {
                "NOT met"
            },
            share(self.step_reads),
            share(self.waste - self.step_reads),
        )
    }

    pub fn of(log: &[Entry], rate: RateLimit) -> Traffic {
        let first_write = log.iter().position(|e| !e.is_read());
        let mut t = Traffic {
            requests: log.len(),
            ..Traffic::default()
        };
        for (i, e) in log.iter().enumerate() {
            let before_writes = first_write.is_none_or(|w| i < w);
            match e.status {
                429 => t.too_many += 1,
                _ if !e.ok() => t.errors += 1,
                _ if e.is_read() && before_writes => t.reads += 1,
                _ if e.is_read() => t.step_reads += 1,
                _ => t.writes_ok += 1,
            }
        }
        t.waste = t.requests - t.reads - t.writes_ok;
        let admitted: Vec<&Entry> = log.iter().filter(|e| e.status != 429).collect();
        // The steady state: k full windows after the first request, the request that opened
        // the last of them arrives no earlier than k intervals later under a perfect pacer.
        let max = rate.max.max(1) as usize;
        let k = admitted.len().saturating_sub(1) / max;
        if k > 0 {
            let span = admitted[k * max].arrived_ms - admitted[0].arrived_ms;
            if span > 0.0 {
                t.pacing = Some((k as u64 * rate.interval_ms) as f64 / span);
            }
        }
        t
    }

    /// Without a trace: only what the sandbox counted (no ordering, so no read after a write).
    pub fn from_stats(stats: &Stats) -> Traffic {
        let count = |pred: &dyn Fn(&str) -> bool| -> usize {
            stats
                .by_status
                .iter()
                .filter(|(k, _)| pred(k))
                .map(|(_, v)| *v as usize)
                .sum()
        };
        let reads: usize = stats
            .by_route
            .iter()
            .filter(|(route, _)| route.starts_with("GET ") || route.ends_with("/search"))
            .map(|(_, v)| *v as usize)
            .sum();
        let requests = stats.requests as usize;
        let too_many = stats.too_many_requests as usize;
        let errors = count(&|k| !k.starts_with('2') && k != "429");
        Traffic {
            requests,
            reads,
            writes_ok: requests.saturating_sub(reads + too_many + errors),
            too_many,
            errors,
            waste: too_many + errors,
            step_reads: 0,
            pacing: None,
        }
    }
}

/// `trace.csv`: arrival and answer (ms since the proxy started), method, path, status, and
/// the `X-RateLimit-Remaining` the client saw.
pub fn write_csv(path: &Path, log: &[Entry]) {
    let Ok(file) = std::fs::File::create(path) else {
        return;
    };
    let mut w = std::io::BufWriter::new(file);
    let _ = writeln!(w, "arrived_ms,answered_ms,method,path,status,remaining");
    for e in log {
        let _ = writeln!(
            w,
            "{:.1},{:.1},{},{},{},{}",
            e.arrived_ms,
            e.answered_ms,
            e.method,
            e.path,
            e.status,
            e.remaining.map_or(String::new(), |r| r.to_string())
        );
    }
}

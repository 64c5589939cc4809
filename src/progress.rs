//! Progress of an apply, as events handed to a sink: the library never prints, the command line
//! picks the sink (a live display on a terminal, timestamped log lines otherwise, JSON lines on
//! request, nothing in tests). Events are plain serialisable data (also for `serve`).

mod log;
mod terminal;
mod ticker;
mod tracker;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

pub use log::LogLines;
pub use terminal::Bar;
pub use tracker::{ActivityProbe, Tracker};

/// Something that happened during an apply (or, for the `read_*` events, while `plan` reads).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    /// Before the steps: a check against the target (not stale, the same location) that reads it.
    Preparing {
        what: &'a str,
    },
    /// The run starts: how many steps the plan has and how many an earlier session finished.
    Begin {
        total: usize,
        already_done: usize,
        resumed: bool,
        /// Steps per kind (`contact`, `opportunity`, `custom_field`) and how many are finished.
        kinds: BTreeMap<&'a str, KindProgress>,
    },
    StepStarted {
        id: &'a str,
        kind: &'a str,
    },
    StepDone {
        id: &'a str,
        kind: &'a str,
        target_id: &'a str,
        /// Found in the target by its natural key instead of being sent.
        reconciled: bool,
    },
    StepFailed {
        id: &'a str,
        kind: &'a str,
        reason: &'a str,
    },
    StepBlocked {
        id: &'a str,
        kind: &'a str,
        reason: &'a str,
    },
    /// A step that may have been sent before waits for the target's search to show it before it
    /// is looked up (so that what did land is found, not sent twice).
    SearchLag {
        id: &'a str,
        kind: &'a str,
        wait_ms: u64,
    },
    /// The run stops early (rate limit, daily budget, network, interrupt); in-flight steps settle.
    Stopping {
        reason: &'a str,
    },
    /// The server refused one of the target's tokens (401/403) while others remained: the run
    /// went on with them. Named by its variable, never its value. (Told after the session: the
    /// command line prints it as a warning, `serve` shows it.)
    TokenRefused {
        token_env: &'a str,
    },
    /// `apply --wait-for-budget` waits `wait_ms` for the target's daily budget and goes on by
    /// itself at `until` (ISO 8601); `message` says so for a person. (Printed by the command
    /// line outside JSON progress, where this event is its line.)
    WaitingForBudget {
        wait_ms: u64,
        until: &'a str,
        message: &'a str,
    },
    /// The session ends with these counts, and why (`complete`, `rejected`: some objects were
    /// refused, or the reason it stopped).
    End {
        done: usize,
        failed: usize,
        blocked: usize,
        pending: usize,
        reason: &'a str,
    },
    /// `plan` is about to read the notes and tasks of `contacts` contacts of one side: the
    /// requests that will cost and how long they take at the side's rate ceiling.
    ReadPlanned {
        side: &'a str,
        contacts: usize,
        requests: u64,
        seconds: f64,
        ceiling: u32,
        interval_ms: u64,
    },
    /// `plan` is reading the records of one live side: the requests (pages) sent so far.
    Reading {
        side: &'a str,
        requests: u64,
    },
    /// `plan` has read the records of one live side: what it holds and what that cost.
    AccountRead {
        side: &'a str,
        requests: u64,
        seconds: f64,
        contacts: usize,
        opportunities: usize,
        custom_fields: usize,
        pipelines: usize,
        users: usize,
    },
    /// Contacts of one side whose notes and tasks have been read so far.
    ReadProgress {
        side: &'a str,
        done: usize,
        total: usize,
    },
}

/// What a person is told of a token the server refused (its variable, never its value).
pub fn refused_token(token_env: &str) -> String {
    format!(
        "the server refused the token in ${token_env} (401/403); the run went on with the \
         target's other tokens: fix it or remove it from token_env"
    )
}

/// One kind's steps: how many the plan has, how many an earlier session finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindProgress {
    pub total: usize,
    pub finished: usize,
}

/// Where progress goes.
pub trait Progress: Send + Sync {
    fn event(&self, event: &Event<'_>);
}

/// Drops every event (tests, `--quiet`).
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: &Event<'_>) {}
}

/// One JSON object per line, for machines (`--progress json`): every event with `ts`, the time
/// it was emitted (UTC, ISO 8601, milliseconds).
#[derive(Debug)]
pub struct JsonLines<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> JsonLines<W> {
    pub fn new(out: W) -> Self {
        JsonLines {
            out: Mutex::new(out),
        }
    }
}

impl<W: Write + Send> Progress for JsonLines<W> {
    fn event(&self, event: &Event<'_>) {
        if let (Ok(line), Ok(mut out)) = (serde_json::to_string(event), self.out.lock()) {
            // `{"event":...}` becomes `{"ts":"...","event":...}`.
            let line = format!("{{\"ts\":\"{}\",{}", timestamp(), &line[1..]);
            // Progress is best effort: a closed stderr must not stop an apply.
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Now, UTC, as `2026-12-01T12:00:00.123Z`.
pub fn timestamp() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let day = crate::plan::label::iso_from_epoch_ms(ms.div_euclid(86_400_000) * 86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    format!(
        "{day}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// `source: history of 120 contacts: 121 requests, ~20 s at 100 per 10 s` (notes and tasks).
pub fn read_planned(
    side: &str,
    contacts: usize,
    requests: u64,
    seconds: f64,
    ceiling: u32,
    interval_ms: u64,
) -> String {
    format!(
        "{side}: history of {contacts} contacts: {requests} requests, ~{seconds:.0} s at \
         {ceiling} per {} s",
        interval_ms as f64 / 1000.0
    )
}

/// `source: 197 contacts, 38 opportunities, 35 fields in 9 requests (1.2 s)`: what `plan`
/// read of one live side, in a line that fits 80 columns (the JSON event has every count).
pub fn account_read(event: &Event<'_>) -> Option<String> {
    let Event::AccountRead {
        side,
        requests,
        seconds,
        contacts,
        opportunities,
        custom_fields,
        ..
    } = event
    else {
        return None;
    };
    Some(format!(
        "{side}: {contacts} contacts, {opportunities} opportunities, {custom_fields} fields in \
         {requests} requests ({seconds:.1} s)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_one_tagged_object_per_event() {
        let sink = JsonLines::new(Vec::new());
        sink.event(&Event::StepDone {
            id: "contact/a",
            kind: "contact",
            target_id: "T1",
            reconciled: false,
        });
        sink.event(&Event::Stopping { reason: "429" });
        let text = String::from_utf8(sink.out.into_inner().unwrap()).unwrap();
        // Every line starts with its timestamp, then the event.
        let lines: Vec<&str> = text
            .lines()
            .map(|l| {
                assert!(l.starts_with("{\"ts\":\"20"), "{l}");
                assert_eq!(&l[30..34], "Z\",\"", "{l}");
                &l[34..]
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                r#"event":"step_done","id":"contact/a","kind":"contact","target_id":"T1","reconciled":false}"#,
                r#"event":"stopping","reason":"429"}"#,
            ]
        );
    }
}

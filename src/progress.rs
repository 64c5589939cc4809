//! Progress of an apply, as events handed to a sink: the library never prints, the command line
//! picks the sink (bars on a terminal, JSON lines otherwise, nothing in tests).

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

/// Something that happened during an apply (or, for the `read_*` events, while `plan` reads).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    /// The run starts: how many steps the plan has and how many an earlier session finished.
    Begin {
        total: usize,
        already_done: usize,
        resumed: bool,
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
    /// The run stops early (rate limit, daily budget, network, interrupt); in-flight steps settle.
    Stopping {
        reason: &'a str,
    },
    /// The session ends with these counts.
    End {
        done: usize,
        failed: usize,
        blocked: usize,
        pending: usize,
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
    /// Contacts of one side whose notes and tasks have been read so far.
    ReadProgress {
        side: &'a str,
        done: usize,
        total: usize,
    },
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

/// One JSON object per line, for logs and machines (e.g. stderr when it is not a terminal).
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
            // Progress is best effort: a closed stderr must not stop an apply.
            let _ = writeln!(out, "{line}");
        }
    }
}

/// A terminal progress bar (indicatif); failures are printed above it as they happen.
#[derive(Debug)]
pub struct Bar {
    bar: indicatif::ProgressBar,
    /// Contacts read and to read, per side, while `plan` reads notes and tasks.
    reads: Mutex<std::collections::BTreeMap<String, (usize, usize)>>,
}

impl Bar {
    /// A bar drawn on stderr.
    pub fn stderr() -> Self {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps {msg}",
        ) {
            bar.set_style(style);
        }
        Bar {
            bar,
            reads: Mutex::default(),
        }
    }

    /// One bar for both sides' reads: their sums, each side in the message.
    fn read(&self, side: &str, done: usize, total: usize) {
        let Ok(mut reads) = self.reads.lock() else {
            return;
        };
        if reads.is_empty()
            && let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            )
        {
            self.bar.set_style(style);
        }
        reads.insert(side.to_string(), (done, total));
        let (done, total) = reads
            .values()
            .fold((0, 0), |(d, t), (dd, tt)| (d + dd, t + tt));
        let sides: Vec<String> = reads
            .iter()
            .map(|(side, (d, t))| format!("{side} {d}/{t}"))
            .collect();
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.bar
            .set_message(format!("notes/tasks ({})", sides.join(", ")));
        if done == total {
            self.bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::Begin {
                total,
                already_done,
                ..
            } => {
                self.bar.set_length(*total as u64);
                self.bar.set_position(*already_done as u64);
            }
            Event::StepStarted { id, .. } => self.bar.set_message(id.to_string()),
            Event::StepDone { .. } => self.bar.inc(1),
            Event::StepFailed { id, reason, .. } => {
                self.bar.println(format!("failed  {id}: {reason}"));
                self.bar.inc(1);
            }
            Event::StepBlocked { id, reason, .. } => {
                self.bar.println(format!("blocked {id}: {reason}"));
                self.bar.inc(1);
            }
            Event::Stopping { reason } => self.bar.println(format!("stopping: {reason}")),
            Event::End { .. } => self.bar.finish_and_clear(),
            Event::ReadPlanned {
                side,
                contacts,
                requests,
                seconds,
                ceiling,
                interval_ms,
            } => {
                self.bar.println(read_planned(
                    side,
                    *contacts,
                    *requests,
                    *seconds,
                    *ceiling,
                    *interval_ms,
                ));
                self.read(side, 0, *contacts);
            }
            Event::ReadProgress { side, done, total } => self.read(side, *done, *total),
        }
    }
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
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                r#"{"event":"step_done","id":"contact/a","kind":"contact","target_id":"T1","reconciled":false}"#,
                r#"{"event":"stopping","reason":"429"}"#,
            ]
        );
    }
}

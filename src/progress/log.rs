//! Plain log lines with timestamps, the default when stderr is not a terminal: the start, each
//! failed or blocked step, a progress line every few seconds (counts per kind, pace, time left,
//! what the run is doing), the stop and the end with its reason.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::ticker::Ticker;
use super::{ActivityProbe, Event, Progress, Tracker, timestamp};

/// Timestamped text lines on a writer (stderr in the CLI).
pub struct LogLines<W: Write + Send + 'static> {
    out: Arc<Mutex<W>>,
    tracker: Arc<Tracker>,
    every: Duration,
    ticker: Mutex<Ticker>,
    /// When a line last said what `plan` is reading (one every `every`, from the first read).
    read_line_at: Mutex<Option<std::time::Instant>>,
}

impl<W: Write + Send + 'static> LogLines<W> {
    /// Lines on `out`, a progress line every `every` while the run goes on.
    pub fn new(out: W, probe: Option<ActivityProbe>, every: Duration) -> Self {
        LogLines {
            out: Arc::new(Mutex::new(out)),
            tracker: Arc::new(Tracker::new(probe)),
            every,
            ticker: Mutex::new(Ticker::default()),
            read_line_at: Mutex::new(None),
        }
    }

    fn line(&self, text: &str) {
        write_line(&self.out, text);
    }
}

fn write_line<W: Write>(out: &Mutex<W>, text: &str) {
    if let Ok(mut out) = out.lock() {
        // Progress is best effort: a closed stderr must not stop an apply.
        let _ = writeln!(out, "{} {text}", timestamp());
    }
}

/// `45/229 steps (contacts 30/197  fields 4/4) 2.4/s  ETA 1m15s; sending: 4 in flight`.
fn progress_line(tracker: &Tracker) -> String {
    let (finished, total) = tracker.position();
    format!(
        "{finished}/{total} steps ({}) {}; {}",
        tracker.kinds(),
        tracker.pace(),
        tracker.state()
    )
}

impl<W: Write + Send + 'static> Progress for LogLines<W> {
    fn event(&self, event: &Event<'_>) {
        self.tracker.observe(event);
        match event {
            Event::ReadPlanned {
                side,
                contacts,
                requests,
                seconds,
                ceiling,
                interval_ms,
            } => self.line(&super::read_planned(
                side,
                *contacts,
                *requests,
                *seconds,
                *ceiling,
                *interval_ms,
            )),
            Event::AccountRead { .. } => self.line(&super::account_read(event).unwrap_or_default()),
            Event::Reading { .. } | Event::ReadProgress { .. } => {
                let mut at = self.read_line_at.lock().unwrap_or_else(|e| e.into_inner());
                let now = std::time::Instant::now();
                match *at {
                    None => *at = Some(now),
                    Some(last) if now - last >= self.every => {
                        *at = Some(now);
                        self.line(&self.tracker.state());
                    }
                    Some(_) => {}
                }
            }
            Event::Begin {
                total,
                already_done,
                resumed,
                ..
            } => {
                let verb = if *resumed { "resuming" } else { "starting" };
                self.line(&format!(
                    "{verb}: {total} steps, {already_done} finished before ({})",
                    self.tracker.kinds()
                ));
                let (out, tracker) = (Arc::clone(&self.out), Arc::clone(&self.tracker));
                let mut first = true;
                let ticker = Ticker::start(self.every, move || {
                    // The first tick comes at once: wait a period before the first line.
                    if !std::mem::take(&mut first) {
                        write_line(&out, &progress_line(&tracker));
                    }
                });
                *self.ticker.lock().unwrap_or_else(|e| e.into_inner()) = ticker;
            }
            Event::StepFailed { id, reason, .. } => self.line(&format!("failed {id}: {reason}")),
            Event::StepBlocked { id, reason, .. } => self.line(&format!("blocked {id}: {reason}")),
            Event::Stopping { reason } => self.line(&format!("stopping: {reason}")),
            Event::End {
                done,
                failed,
                blocked,
                pending,
                reason,
            } => {
                self.ticker.lock().unwrap_or_else(|e| e.into_inner()).stop();
                self.line(&format!(
                    "end ({reason}): {done} done, {failed} failed, {blocked} blocked, {pending} \
                     pending; {}",
                    self.tracker.kinds()
                ));
            }
            Event::Preparing { what } => self.line(what),
            // The command line prints it as a warning after the run.
            Event::StepStarted { .. }
            | Event::StepDone { .. }
            | Event::SearchLag { .. }
            | Event::TokenRefused { .. }
            | Event::WaitingForBudget { .. } => {}
        }
    }
}

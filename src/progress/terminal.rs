//! The live display on a terminal: a bar with steps, objects per second and the time left; a
//! line of counts per kind; a line saying what the run is doing now (sending, waiting for the
//! rate limit and when it frees, for the search, retrying, stopping). Each line is cut to the
//! terminal's width; failures and blocked steps are printed above it as they happen.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ticker::Ticker;
use super::{ActivityProbe, Event, Progress, Tracker};

/// The terminal display, drawn on stderr.
pub struct Bar {
    tracker: Arc<Tracker>,
    multi: MultiProgress,
    head: ProgressBar,
    kinds: ProgressBar,
    state: ProgressBar,
    ticker: Mutex<Ticker>,
}

impl Bar {
    /// A display on stderr; `probe` reads the target connection's activity, when it has one.
    pub fn stderr(probe: Option<ActivityProbe>) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = |template: &str| {
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
        };
        // Until the steps begin (checks first), no bar: 0 of 0 would draw as full.
        let head = multi.add(ProgressBar::new(0).with_style(style("{elapsed_precise} {wide_msg}")));
        let kinds = multi.add(ProgressBar::new(0).with_style(style("  {wide_msg}")));
        let state = multi.add(ProgressBar::new(0).with_style(style("  {wide_msg}")));
        Bar {
            tracker: Arc::new(Tracker::new(probe)),
            multi,
            head,
            kinds,
            state,
            ticker: Mutex::new(Ticker::default()),
        }
    }

    fn ticking(&self) -> bool {
        self.ticker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .running()
    }

    fn redraw_every(&self, every: Duration) {
        // A session after an ended one (`apply --wait-for-budget` going on): its lines were
        // finished with the first session's end, and a finished line draws nothing more.
        for bar in [&self.head, &self.kinds, &self.state] {
            if bar.is_finished() {
                bar.reset();
            }
        }
        let (tracker, head, kinds, state) = (
            Arc::clone(&self.tracker),
            self.head.clone(),
            self.kinds.clone(),
            self.state.clone(),
        );
        let bar_style = ProgressStyle::with_template(
            "{elapsed_precise} {bar:24} {pos}/{len} steps  {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let mut styled = false;
        let ticker = Ticker::start(every, move || {
            let (finished, total) = tracker.position();
            if total > 0 && !std::mem::replace(&mut styled, true) {
                head.set_style(bar_style.clone());
            }
            head.set_length(total as u64);
            head.set_position(finished as u64);
            head.set_message(tracker.pace());
            kinds.set_message(tracker.kinds());
            state.set_message(tracker.state());
        });
        *self.ticker.lock().unwrap_or_else(|e| e.into_inner()) = ticker;
    }
}

/// A display dropped before its run's end (`plan`, after its reads) leaves nothing drawn.
impl Drop for Bar {
    fn drop(&mut self) {
        self.ticker.lock().unwrap_or_else(|e| e.into_inner()).stop();
        for bar in [&self.state, &self.kinds, &self.head] {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Progress for Bar {
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
            } => {
                let _ = self.multi.println(super::read_planned(
                    side,
                    *contacts,
                    *requests,
                    *seconds,
                    *ceiling,
                    *interval_ms,
                ));
            }
            Event::AccountRead { .. } => {
                self.multi
                    .println(super::account_read(event).unwrap_or_default())
                    .ok();
            }
            Event::Reading { .. } | Event::ReadProgress { .. } if !self.ticking() => {
                self.redraw_every(Duration::from_millis(200))
            }
            Event::Reading { .. } | Event::ReadProgress { .. } => {}
            // The display starts with the first event; checks before the steps may wait too.
            Event::Preparing { .. } => self.redraw_every(Duration::from_millis(200)),
            Event::Begin { .. } if !self.ticking() => self.redraw_every(Duration::from_millis(200)),
            Event::StepFailed { id, reason, .. } => {
                let _ = self.multi.println(format!("failed  {id}: {reason}"));
            }
            Event::StepBlocked { id, reason, .. } => {
                let _ = self.multi.println(format!("blocked {id}: {reason}"));
            }
            Event::Stopping { reason } => {
                let _ = self.multi.println(format!("stopping: {reason}"));
            }
            Event::End { .. } => {
                self.ticker.lock().unwrap_or_else(|e| e.into_inner()).stop();
                for bar in [&self.state, &self.kinds, &self.head] {
                    bar.finish_and_clear();
                }
                let _ = self.multi.clear();
            }
            // The command line prints it as a warning after the run.
            Event::Begin { .. }
            | Event::StepStarted { .. }
            | Event::StepDone { .. }
            | Event::SearchLag { .. }
            | Event::TokenRefused { .. }
            | Event::WaitingForBudget { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_after_an_ended_one_is_drawn_again() {
        let bar = Bar::stderr(None);
        let end = Event::End {
            done: 3,
            failed: 0,
            blocked: 0,
            pending: 5,
            reason: "stopped",
        };
        bar.event(&Event::Preparing { what: "checks" });
        bar.event(&end);
        assert!(bar.head.is_finished());
        bar.event(&Event::Preparing { what: "checks" });
        for line in [&bar.head, &bar.kinds, &bar.state] {
            assert!(!line.is_finished(), "the next session's lines draw");
        }
        bar.event(&end);
    }
}

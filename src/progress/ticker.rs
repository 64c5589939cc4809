//! A thread that calls a function every so often until stopped (redraws, periodic log lines).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Stops the thread when dropped (or on [`Ticker::stop`]).
#[derive(Debug, Default)]
pub struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    /// Calls `tick` every `every` from a thread of its own.
    pub fn start(every: Duration, mut tick: impl FnMut() + Send + 'static) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                tick();
                // Parked, not asleep: `stop` wakes it at once, whatever `every` is.
                let deadline = std::time::Instant::now() + every;
                while !flag.load(Ordering::Relaxed) {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        break;
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }

    /// True while its thread runs.
    pub fn running(&self) -> bool {
        self.thread.is_some()
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopping_does_not_wait_for_the_next_tick() {
        let ticks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&ticks);
        let mut ticker = Ticker::start(Duration::from_secs(3600), move || {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        while ticks.load(Ordering::Relaxed) == 0 {
            std::thread::yield_now();
        }
        // Returns at once (a sleeping thread would hold this for an hour).
        ticker.stop();
        assert_eq!(ticks.load(Ordering::Relaxed), 1);
    }
}

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
                std::thread::sleep(every);
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
            let _ = thread.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

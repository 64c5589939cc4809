//! The tokens of one account: GoHighLevel counts the burst limit per token and location, so
//! k tokens of one location give k burst windows (against one shared daily budget, which the
//! limiters share: [`super::ratelimit::shared`]). Each request goes out on whichever token's
//! limiter lets it go first, starting from a rotating token so that idle windows are all used.
//! A token the server refuses (401/403) is set aside, by its variable's name, while others
//! remain.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::http::Secret;
use super::ratelimit::{Limiter, Permit, Refusal};

/// One token of the account: the variable it came from (named in messages, never its value),
/// its value, and the limiter pacing its window.
#[derive(Debug)]
pub struct Lane {
    pub var: String,
    pub token: Secret,
    pub limiter: Arc<Limiter>,
    refused: AtomicBool,
}

impl Lane {
    pub fn new(var: impl Into<String>, token: Secret, limiter: Arc<Limiter>) -> Self {
        Lane {
            var: var.into(),
            token,
            limiter,
            refused: AtomicBool::new(false),
        }
    }

    /// True once the server refused this token.
    pub fn is_refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The tokens of one account, at least one.
#[derive(Debug)]
pub struct Lanes {
    lanes: Vec<Lane>,
    next: AtomicUsize,
    /// Held while a token is set aside: two refused at once on two threads must not both see
    /// the other still open and leave none.
    refusing: Mutex<()>,
}

impl Lanes {
    /// Panics on an empty list: an account has at least one token (config validation).
    pub fn new(lanes: Vec<Lane>) -> Self {
        assert!(!lanes.is_empty(), "an account has at least one token");
        Lanes {
            lanes,
            next: AtomicUsize::new(0),
            refusing: Mutex::new(()),
        }
    }

    pub fn all(&self) -> &[Lane] {
        &self.lanes
    }

    /// The first token's lane (the one `check` reports the headers of).
    pub fn first(&self) -> &Lane {
        &self.lanes[0]
    }

    /// Sets a token aside after the server refused it; false when it is the last one left
    /// (then the refusal is the request's answer).
    pub fn refuse(&self, index: usize) -> bool {
        self.lanes[index].limiter.note_token_refused();
        let _one_at_a_time = self.refusing.lock().unwrap_or_else(|e| e.into_inner());
        let others = self
            .lanes
            .iter()
            .enumerate()
            .any(|(i, l)| i != index && !l.is_refused());
        if others {
            self.lanes[index].refused.store(true, Ordering::Relaxed);
        }
        others
    }

    /// Waits until one token's limiter lets a request go: its index and permit.
    pub async fn acquire(&self) -> Result<(usize, Permit), Refusal> {
        let n = self.lanes.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let open: Vec<usize> = (0..n)
            .map(|k| (start + k) % n)
            .filter(|i| !self.lanes[*i].is_refused())
            .collect();
        if let [only] = open[..] {
            return self.lanes[only].limiter.acquire().await.map(|p| (only, p));
        }
        // Polled in order, so the first ready lane wins and no other sends; the rest are
        // dropped before they let anything go.
        let waits = open.into_iter().map(|i| {
            Box::pin(async move { self.lanes[i].limiter.acquire().await.map(|p| (i, p)) })
        });
        futures::future::select_all(waits).await.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::ratelimit::Limits;

    fn lanes(n: usize) -> Lanes {
        Lanes::new(
            (0..n)
                .map(|i| {
                    let limiter = Limiter::new(Limits::from(&Default::default()));
                    Lane::new(
                        format!("TOK_{i}"),
                        Secret::new(format!("token-{i}")),
                        limiter,
                    )
                })
                .collect(),
        )
    }

    /// Two tokens refused at the same moment on two threads (a multi-threaded runtime): one is
    /// set aside, the other stays as the last one, never both (no token left to send on).
    #[test]
    fn tokens_refused_at_once_always_leave_one() {
        for _ in 0..5_000 {
            let lanes = lanes(2);
            let start = std::sync::Barrier::new(2);
            let set_aside: Vec<bool> = std::thread::scope(|s| {
                let threads: Vec<_> = (0..2)
                    .map(|i| {
                        let (lanes, start) = (&lanes, &start);
                        s.spawn(move || {
                            start.wait();
                            lanes.refuse(i)
                        })
                    })
                    .collect();
                threads.into_iter().map(|t| t.join().unwrap()).collect()
            });
            assert_eq!(
                set_aside.iter().filter(|s| **s).count(),
                1,
                "set aside: {set_aside:?}"
            );
            assert_eq!(lanes.all().iter().filter(|l| !l.is_refused()).count(), 1);
        }
    }
}

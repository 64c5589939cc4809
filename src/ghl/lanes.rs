//! The tokens of one account: GoHighLevel counts the burst limit per token and location, so
//! k tokens of one location give k burst windows (against one shared daily budget, which the
//! limiters share: [`super::ratelimit::shared`]). Each request goes out on whichever token's
//! limiter lets it go first, starting from a rotating token so that idle windows are all used.
//! A token the server refuses (401/403) is set aside, by its variable's name, while others
//! remain.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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
}

impl Lanes {
    /// Panics on an empty list: an account has at least one token (config validation).
    pub fn new(lanes: Vec<Lane>) -> Self {
        assert!(!lanes.is_empty(), "an account has at least one token");
        Lanes {
            lanes,
            next: AtomicUsize::new(0),
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

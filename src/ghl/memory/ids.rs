//! Deterministic ids for new records: 20 characters of `[A-Za-z0-9]` like GoHighLevel's,
//! derived from a seed and a counter (never from OS randomness), so reruns give the same ids.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A counter-based id generator.
#[derive(Debug, Clone)]
pub struct IdGen {
    seed: String,
    counter: u64,
}

impl IdGen {
    pub fn new(seed: impl Into<String>) -> Self {
        IdGen {
            seed: seed.into(),
            counter: 0,
        }
    }

    /// The next id; `taken` says whether an id is already in use (then the next one is tried).
    pub fn next(&mut self, taken: impl Fn(&str) -> bool) -> String {
        loop {
            self.counter += 1;
            let digest = Sha256::digest(format!("{}:{}", self.seed, self.counter).as_bytes());
            let id: String = digest
                .iter()
                .take(20)
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            if !taken(&id) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_alphanumeric_and_distinct() {
        let mut a = IdGen::new("loc");
        let mut b = IdGen::new("loc");
        let first = a.next(|_| false);
        assert_eq!(first, b.next(|_| false));
        assert_eq!(first.len(), 20);
        assert!(first.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(first, a.next(|_| false));
        let skipped = b.next(|id| id == first);
        assert_ne!(skipped, first);
    }
}

//! The state every sandbox request shares: the account, the accepted tokens, the limiter,
//! the faults, the latency generator and the statistics, each behind its own short lock.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::faults::Faults;
use super::limiter::Limiter;
use super::options::{LatencyRange, Options, RateLimit, TokenConfig, WindowKind};
use super::reply;
use super::search_lag::SearchLag;
use super::stats::Stats;
use super::validate::Dto;
use crate::ghl::memory::MemoryAccount;

pub struct App {
    pub memory: Arc<MemoryAccount>,
    pub location_id: String,
    pub tokens: Vec<TokenConfig>,
    pub rate: RateLimit,
    pub window: WindowKind,
    pub daily: u64,
    pub day: Duration,
    /// What `x-ratelimit-daily-reset` says instead of the truth, if set.
    pub daily_reset: Option<Duration>,
    /// `Version` values accepted on V2 routes.
    pub versions: Vec<String>,
    pub limiter: Mutex<Limiter>,
    pub faults: Mutex<Faults>,
    pub stats: Mutex<Stats>,
    pub latency: Mutex<Latency>,
    /// `None` when searches show every write at once (no lock taken then).
    pub search_lag: Option<Mutex<SearchLag>>,
    /// Answers in the spec's shapes rather than the live API's.
    pub spec_shapes: bool,
    /// Writes stored other than sent.
    pub wrong_writes: Mutex<Vec<super::WrongWrite>>,
}

/// The latency range (changeable at run time) and its seeded generator.
pub struct Latency {
    pub range: Option<LatencyRange>,
    rng: StdRng,
}

/// Locks a mutex, ignoring poisoning (a panicking request must not stop the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    pub fn new(memory: Arc<MemoryAccount>, options: &Options) -> Self {
        let location_id = memory.read(|a| a.location.id.clone());
        let lag = Duration::from_millis(options.search_lag_ms);
        let search_lag =
            (!lag.is_zero()).then(|| Mutex::new(memory.read(|a| SearchLag::new(lag, a))));
        App {
            memory,
            location_id,
            tokens: options.tokens.clone(),
            rate: options.rate,
            window: options.window,
            daily: options.daily,
            day: Duration::from_millis(options.day_ms.max(1)),
            daily_reset: options.daily_reset_ms.map(Duration::from_millis),
            versions: options.versions.clone(),
            limiter: Mutex::new(Limiter::default()),
            faults: Mutex::new(Faults::new(options.faults.clone(), options.seed)),
            stats: Mutex::new(Stats::default()),
            latency: Mutex::new(Latency {
                range: options.latency,
                rng: StdRng::seed_from_u64(options.seed.wrapping_add(1)),
            }),
            search_lag,
            spec_shapes: options.spec_shapes,
            wrong_writes: Mutex::new(options.wrong_writes.clone()),
        }
    }

    /// After a write: its new objects reach the search index only after the lag.
    pub fn note_write(&self) {
        if let Some(lag) = &self.search_lag {
            // Memory first, then the lag: the order the search handlers take them in.
            let now = std::time::Instant::now();
            self.memory.read(|a| lock(lag).note(a, now));
        }
    }

    /// Whether searches show the contact or opportunity `id` yet.
    pub fn searchable(&self, id: &str) -> bool {
        let now = std::time::Instant::now();
        self.search_lag
            .as_ref()
            .is_none_or(|lag| lock(lag).shows(id, now))
    }

    /// The configuration of a presented token, if it is one the sandbox accepts.
    pub fn token(&self, presented: &str) -> Option<&TokenConfig> {
        self.tokens
            .iter()
            .find(|t| !presented.is_empty() && t.token == presented)
    }

    /// The delay before the next request, drawn from the latency range.
    pub fn next_delay(&self) -> Option<Duration> {
        let mut latency = lock(&self.latency);
        let range = latency.range?;
        let ms = latency.rng.random_range(range.min_ms..=range.max_ms);
        Some(Duration::from_millis(ms))
    }

    /// 403 unless `id` is this sandbox's location.
    pub fn check_location(&self, id: &str) -> Result<(), Response> {
        if id == self.location_id {
            Ok(())
        } else {
            Err(reply::forbidden())
        }
    }

    /// An opportunity as the V2 routes answer it: typed custom values unless `spec_shapes`.
    pub fn v2_opportunity(
        &self,
        account: &crate::model::Account,
        opportunity: &crate::model::Opportunity,
    ) -> serde_json::Value {
        let value = super::shapes::opportunity(account, opportunity);
        if self.spec_shapes {
            value
        } else {
            super::live::typed_values(value)
        }
    }

    /// A contact write as this sandbox stores it (see `wrong_writes`).
    pub fn stored_contact(&self, mut write: crate::ghl::ContactWrite) -> crate::ghl::ContactWrite {
        let wrong = lock(&self.wrong_writes).clone();
        self.memory
            .read(|a| super::wrong_writes::contact(&wrong, a, &mut write));
        write
    }

    /// An opportunity create as this sandbox stores it (see `wrong_writes`).
    pub fn stored_opportunity(
        &self,
        mut write: crate::ghl::NewOpportunity,
    ) -> crate::ghl::NewOpportunity {
        let wrong = lock(&self.wrong_writes).clone();
        self.memory
            .read(|a| super::wrong_writes::opportunity(&wrong, a, &mut write));
        write
    }

    /// A field create as this sandbox stores it.
    pub fn stored_field(
        &self,
        mut field: crate::ghl::NewCustomField,
    ) -> crate::ghl::NewCustomField {
        super::wrong_writes::field(&lock(&self.wrong_writes), &mut field);
        field
    }

    /// Counts a write that changed the account.
    pub fn committed(&self) {
        lock(&self.stats).writes_committed += 1;
    }

    /// `POST .../contacts/{id}/tags` on either API: the body checked against `dto`, the tags
    /// added, the contact's tags afterwards.
    pub fn add_tags(&self, id: &str, body: &Bytes, dto: &Dto) -> Result<Vec<String>, Response> {
        #[derive(serde::Deserialize)]
        struct Tags {
            tags: Vec<String>,
        }
        let (tags, _): (Tags, _) = super::validate::decode(dto, body)?;
        let all = self
            .memory
            .add_tags(id, &tags.tags)
            .map_err(|e| reply::bad_request(e.message))?;
        self.committed();
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Account;

    fn app(seed: u64) -> App {
        let options = Options {
            latency: Some(LatencyRange {
                min_ms: 100,
                max_ms: 400,
            }),
            seed,
            ..Options::default()
        };
        App::new(
            Arc::new(MemoryAccount::new(Account::default(), Default::default())),
            &options,
        )
    }

    #[test]
    fn latency_is_drawn_in_range_and_repeats_with_the_seed() {
        let one = app(3);
        let delays: Vec<Duration> = (0..50).filter_map(|_| one.next_delay()).collect();
        assert_eq!(delays.len(), 50);
        assert!(
            delays
                .iter()
                .all(|d| (100..=400).contains(&(d.as_millis() as u64)))
        );
        let again = app(3);
        let repeat: Vec<Duration> = (0..50).filter_map(|_| again.next_delay()).collect();
        assert_eq!(delays, repeat);
    }
}

//! Search lag: GoHighLevel answers its searches from an index that catches up with writes
//! after a while (how long is unverified). With a lag set, contacts and opportunities created
//! less than that long ago are missing from the sandbox's search answers (contact search, the
//! duplicate lookup, opportunity search), while reads by id see them at once.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::model::Account;

pub struct SearchLag {
    lag: Duration,
    /// Every contact and opportunity id noted so far.
    known: HashSet<String>,
    /// When each object created while the lag was on was first noted.
    born: HashMap<String, Instant>,
    /// How many contacts and opportunities were noted (records are only ever appended).
    noted: (usize, usize),
}

impl SearchLag {
    /// The objects `account` holds now are indexed already.
    pub fn new(lag: Duration, account: &Account) -> Self {
        SearchLag {
            lag,
            known: ids(account, (0, 0)).map(str::to_string).collect(),
            born: HashMap::new(),
            noted: (account.contacts.len(), account.opportunities.len()),
        }
    }

    pub fn is_on(&self) -> bool {
        !self.lag.is_zero()
    }

    /// After a write: notes the objects it created as born `now`.
    pub fn note(&mut self, account: &Account, now: Instant) {
        if !self.is_on() {
            return;
        }
        for id in ids(account, self.noted) {
            if self.known.insert(id.to_string()) {
                self.born.insert(id.to_string(), now);
            }
        }
        self.noted = (account.contacts.len(), account.opportunities.len());
    }

    /// Whether a search at `now` shows the object (one not noted yet is too new to).
    pub fn shows(&self, id: &str, now: Instant) -> bool {
        if !self.is_on() {
            return true;
        }
        match self.born.get(id) {
            Some(&born) => now.saturating_duration_since(born) >= self.lag,
            None => self.known.contains(id),
        }
    }
}

/// The ids of the contacts and opportunities after the first `from` of each.
fn ids(account: &Account, from: (usize, usize)) -> impl Iterator<Item = &str> {
    let contacts = account.contacts.iter().skip(from.0).map(|c| c.id.as_str());
    contacts.chain(
        account
            .opportunities
            .iter()
            .skip(from.1)
            .map(|o| o.id.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contact;

    fn account(ids: &[&str]) -> Account {
        Account {
            contacts: ids
                .iter()
                .map(|id| Contact {
                    id: id.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn new_objects_show_once_the_lag_has_passed() {
        let t0 = Instant::now();
        let mut lag = SearchLag::new(Duration::from_millis(500), &account(&["old"]));
        assert!(lag.shows("old", t0));
        let now = account(&["old", "new"]);
        assert!(!lag.shows("new", t0), "created, not noted yet");
        lag.note(&now, t0);
        assert!(!lag.shows("new", t0 + Duration::from_millis(499)));
        assert!(lag.shows("new", t0 + Duration::from_millis(500)));
    }

    /// A search (memory lock, then the lag's) and the note after a write take the two locks in
    /// the same order, so that they never wait for each other (they once did, in reverse).
    #[test]
    fn a_search_and_a_write_note_never_deadlock() {
        use std::sync::Arc;
        use std::sync::mpsc::channel;

        use crate::ghl::memory::{MemoryAccount, MemoryOptions};
        use crate::sandbox::app::App;

        let ids: Vec<String> = (0..2000).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let memory = Arc::new(MemoryAccount::new(account(&refs), MemoryOptions::default()));
        let options = crate::sandbox::Options {
            search_lag_ms: 300,
            ..Default::default()
        };
        let app = Arc::new(App::new(memory, &options));
        let (tx, rx) = channel();
        let searcher = app.clone();
        let done = tx.clone();
        std::thread::spawn(move || {
            for _ in 0..300 {
                // As `v2::contacts::search` does.
                searcher.memory.read(|a| {
                    a.contacts
                        .iter()
                        .filter(|c| searcher.searchable(&c.id))
                        .count()
                });
            }
            done.send(()).ok();
        });
        let writer = app.clone();
        std::thread::spawn(move || {
            for _ in 0..3000 {
                // As `pipeline` does after every non-GET request (a search is a POST too).
                writer.note_write();
            }
            tx.send(()).ok();
        });
        for _ in 0..2 {
            assert!(
                rx.recv_timeout(Duration::from_secs(30)).is_ok(),
                "deadlock: search holds memory and waits for the lag, note_write the reverse"
            );
        }
    }

    #[test]
    fn without_a_lag_everything_shows() {
        let lag = SearchLag::new(Duration::ZERO, &account(&[]));
        assert!(lag.shows("anything", Instant::now()));
    }
}

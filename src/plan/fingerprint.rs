//! Fingerprints: a `sha256:` hash of exactly the account state a plan's decisions depend on,
//! independent of the order the API returned things in. Apply compares the live target's
//! fingerprint with the plan's to refuse a stale plan.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::Account;

/// The fingerprint of an account: its definitions, contacts and opportunities, sorted by id.
/// Streams canonical JSON into the hash, one object at a time, without copying the account.
pub fn account(account: &Account) -> String {
    let mut h = HashWriter(Sha256::new());
    h.put("location", &account.location);
    for f in sorted(&account.custom_fields, |f| &f.id) {
        h.put("field", f);
    }
    for p in sorted(&account.pipelines, |p| &p.id) {
        let mut p = p.clone();
        p.stages.sort_by(|x, y| x.id.cmp(&y.id));
        h.put("pipeline", &p);
    }
    for u in sorted(&account.users, |u| &u.id) {
        h.put("user", u);
    }
    for c in sorted(&account.contacts, |c| &c.id) {
        let mut c = c.clone();
        c.tags.sort();
        c.custom_fields.sort_by(|x, y| x.id.cmp(&y.id));
        // When a contact was added is not something a plan decides on.
        c.date_added = None;
        h.put("contact", &c);
    }
    for o in sorted(&account.opportunities, |o| &o.id) {
        h.put("opportunity", o);
    }
    format!("sha256:{}", hex::encode(h.0.finalize()))
}

/// References to the items, ordered by a key.
fn sorted<T>(items: &[T], key: impl Fn(&T) -> &String) -> Vec<&T> {
    let mut v: Vec<&T> = items.iter().collect();
    v.sort_by(|a, b| key(a).cmp(key(b)));
    v
}

/// The fingerprint of any serialisable value (its canonical JSON).
pub fn of<T: Serialize>(value: &T) -> String {
    let mut h = HashWriter(Sha256::new());
    serde_json::to_writer(&mut h, value).expect("plain data always serialises");
    format!("sha256:{}", hex::encode(h.0.finalize()))
}

/// Feeds written bytes into the hash.
struct HashWriter(Sha256);

impl HashWriter {
    /// Adds one tagged object's canonical JSON.
    fn put<T: Serialize>(&mut self, tag: &str, value: &T) {
        self.0.update(tag.as_bytes());
        serde_json::to_writer(&mut *self, value).expect("plain data always serialises");
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contact, Location};

    fn contact(id: &str, tags: &[&str]) -> Contact {
        Contact {
            id: id.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn order_of_reads_does_not_change_the_fingerprint() {
        let loc = Location {
            id: "L".into(),
            name: "x".into(),
        };
        let a = Account {
            location: loc.clone(),
            contacts: vec![contact("a", &["x", "y"]), contact("b", &[])],
            ..Default::default()
        };
        let b = Account {
            location: loc,
            contacts: vec![contact("b", &[]), contact("a", &["y", "x"])],
            ..Default::default()
        };
        assert_eq!(account(&a), account(&b));
    }

    #[test]
    fn a_changed_value_changes_the_fingerprint() {
        let mut a = Account::default();
        a.contacts.push(contact("a", &[]));
        let before = account(&a);
        a.contacts[0].email = Some("x@y.z".into());
        assert_ne!(before, account(&a));
        assert!(before.starts_with("sha256:"));
    }
}

//! Fingerprints: a `sha256:` hash of exactly the account state a plan's decisions depend on,
//! independent of the order the API returned things in. Apply compares the live target's
//! fingerprint with the plan's to refuse a stale plan.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{Account, Contact};

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
        contact(&mut h, c);
    }
    for o in sorted(&account.opportunities, |o| &o.id) {
        h.put("opportunity", o);
    }
    format!("sha256:{}", hex::encode(h.0.finalize()))
}

/// One object of an account as [`objects`] lists it: kind, id, a label for people, and the
/// hash of exactly what [`account`] hashes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDigest {
    pub kind: &'static str,
    pub id: String,
    pub label: String,
    pub digest: String,
}

/// Every object of an account with its own digest, so that two states of an account can be
/// compared object by object (what changed, not only that something did).
pub fn objects(account: &Account) -> Vec<ObjectDigest> {
    fn one(
        kind: &'static str,
        id: &str,
        label: String,
        fill: impl FnOnce(&mut HashWriter),
    ) -> ObjectDigest {
        let mut h = HashWriter(Sha256::new());
        fill(&mut h);
        ObjectDigest {
            kind,
            id: id.to_string(),
            label,
            digest: hex::encode(&h.0.finalize()[..12]),
        }
    }
    let mut out = Vec::new();
    for f in &account.custom_fields {
        out.push(one("custom_field", &f.id, f.name.clone(), |h| {
            h.put("field", f)
        }));
    }
    for p in &account.pipelines {
        let mut p = p.clone();
        p.stages.sort_by(|x, y| x.id.cmp(&y.id));
        out.push(one("pipeline", &p.id, p.name.clone(), |h| {
            h.put("pipeline", &p)
        }));
    }
    for u in &account.users {
        let label = u.email.clone().unwrap_or_else(|| u.id.clone());
        out.push(one("user", &u.id, label, |h| h.put("user", u)));
    }
    for c in &account.contacts {
        out.push(one("contact", &c.id, c.display_name(), |h| contact(h, c)));
    }
    for o in &account.opportunities {
        out.push(one("opportunity", &o.id, o.name.clone(), |h| {
            h.put("opportunity", o)
        }));
    }
    out
}

/// A contact, field by field, without copying it (the bulk of any account).
fn contact(h: &mut HashWriter, c: &Contact) {
    h.text("contact", &c.id);
    // `Contact::text_fields` lists every text field; when a contact was added is not
    // something a plan decides on.
    for (_, value) in c.text_fields() {
        match value {
            Some(v) => h.text("s", v),
            None => h.0.update(b"-"),
        }
    }
    h.0.update(match c.dnd {
        None => b"d-",
        Some(true) => b"d1",
        Some(false) => b"d0",
    });
    let mut tags: Vec<&String> = c.tags.iter().collect();
    tags.sort();
    for tag in tags {
        h.text("t", tag);
    }
    for v in sorted(&c.custom_fields, |v| &v.id) {
        h.text("f", &v.id);
        h.put("v", &v.value);
    }
    h.0.update(b";");
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
    /// Adds one tagged string, length-prefixed so that no two sequences collide.
    fn text(&mut self, tag: &str, value: &str) {
        self.0.update(tag.as_bytes());
        self.0.update((value.len() as u64).to_le_bytes());
        self.0.update(value.as_bytes());
    }

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

#[cfg(test)]
mod contact_tests {
    use super::*;
    use crate::model::FieldValue;

    fn base() -> Account {
        let mut a = Account::default();
        a.contacts.push(Contact {
            id: "c".into(),
            tags: vec!["a".into(), "b".into()],
            custom_fields: vec![
                FieldValue {
                    id: "f1".into(),
                    value: "x".into(),
                },
                FieldValue {
                    id: "f2".into(),
                    value: 1.into(),
                },
            ],
            ..Default::default()
        });
        a
    }

    #[test]
    fn every_contact_change_that_matters_changes_it() {
        let before = account(&base());
        let edits: [fn(&mut Contact); 5] = [
            |c| c.tags.push("c".into()),
            |c| c.custom_fields[1].value = 2.into(),
            |c| c.dnd = Some(true),
            |c| c.first_name = Some(String::new()),
            |c| c.assigned_to = Some("u".into()),
        ];
        for edit in edits {
            let mut a = base();
            edit(&mut a.contacts[0]);
            assert_ne!(account(&a), before);
        }
    }

    #[test]
    fn tag_and_value_order_and_date_added_do_not() {
        let before = account(&base());
        let mut a = base();
        a.contacts[0].tags.reverse();
        a.contacts[0].custom_fields.reverse();
        a.contacts[0].date_added = Some("2020-01-01T00:00:00.000Z".into());
        assert_eq!(account(&a), before);
    }
}

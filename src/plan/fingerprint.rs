//! Fingerprints: a `sha256:` hash of exactly the account state a plan's decisions depend on,
//! independent of the order the API returned things in. Apply compares the live target's
//! fingerprint with the plan's to refuse a stale plan.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::Account;

/// The fingerprint of an account: its definitions, contacts and opportunities, sorted by id.
pub fn account(account: &Account) -> String {
    let mut a = account.clone();
    a.custom_fields.sort_by(|x, y| x.id.cmp(&y.id));
    a.pipelines.sort_by(|x, y| x.id.cmp(&y.id));
    for p in &mut a.pipelines {
        p.stages.sort_by(|x, y| x.id.cmp(&y.id));
    }
    a.users.sort_by(|x, y| x.id.cmp(&y.id));
    a.contacts.sort_by(|x, y| x.id.cmp(&y.id));
    for c in &mut a.contacts {
        c.tags.sort();
        c.custom_fields.sort_by(|x, y| x.id.cmp(&y.id));
        // When a contact was added is not something a plan decides on.
        c.date_added = None;
    }
    a.opportunities.sort_by(|x, y| x.id.cmp(&y.id));
    of(&a)
}

/// The fingerprint of any serialisable value (its canonical JSON).
pub fn of<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).expect("plain data always serialises");
    format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
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

//! What changed in the target since a plan was made, object by object, for the stale-plan
//! refusal: which kinds, how many added, removed or changed, and a few of them by name.

use std::collections::{BTreeMap, HashMap};

use crate::plan::fingerprint::ObjectDigest;

/// How many objects of a kind a message names.
const EXAMPLES: usize = 3;

/// `contact: 1 changed (Ann Lee); opportunity: 2 added (Deal X, Deal Y)`, or empty when the
/// two lists hold the same objects.
pub fn describe(before: &[ObjectDigest], after: &[ObjectDigest]) -> String {
    let key = |o: &ObjectDigest| (o.kind, o.id.clone());
    let old: HashMap<_, &ObjectDigest> = before.iter().map(|o| (key(o), o)).collect();
    let new: HashMap<_, &ObjectDigest> = after.iter().map(|o| (key(o), o)).collect();
    // kind -> (what, labels), in a stable order.
    let mut by_kind: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for o in after {
        let what = match old.get(&key(o)) {
            None => "added",
            Some(b) if b.digest != o.digest => "changed",
            Some(_) => continue,
        };
        by_kind
            .entry(o.kind)
            .or_default()
            .entry(what)
            .or_default()
            .push(&o.label);
    }
    for o in before {
        if !new.contains_key(&key(o)) {
            by_kind
                .entry(o.kind)
                .or_default()
                .entry("removed")
                .or_default()
                .push(&o.label);
        }
    }
    by_kind
        .into_iter()
        .map(|(kind, whats)| {
            let parts: Vec<String> = whats
                .into_iter()
                .map(|(what, mut labels)| {
                    labels.sort();
                    let n = labels.len();
                    let shown: Vec<&str> = labels.into_iter().take(EXAMPLES).collect();
                    let more = if n > EXAMPLES { ", ..." } else { "" };
                    format!("{n} {what} ({}{more})", shown.join(", "))
                })
                .collect();
            format!("{kind}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &'static str, id: &str, label: &str, digest: &str) -> ObjectDigest {
        ObjectDigest {
            kind,
            id: id.into(),
            label: label.into(),
            digest: digest.into(),
        }
    }

    #[test]
    fn names_each_kind_with_counts_and_a_few_examples() {
        let before = vec![
            obj("contact", "1", "Ann", "a"),
            obj("contact", "2", "Bob", "b"),
            obj("opportunity", "9", "Deal", "d"),
        ];
        let mut after = vec![
            obj("contact", "1", "Ann", "a2"),
            obj("contact", "2", "Bob", "b"),
        ];
        for i in 0..5 {
            after.push(obj("contact", &format!("n{i}"), &format!("New {i}"), "x"));
        }
        assert_eq!(
            describe(&before, &after),
            "contact: 5 added (New 0, New 1, New 2, ...), 1 changed (Ann); opportunity: 1 removed (Deal)"
        );
        assert_eq!(describe(&before, &before), "");
    }
}

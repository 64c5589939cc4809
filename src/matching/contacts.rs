//! Contacts: by email (trimmed, case-insensitive), then by phone in E.164. A contact with
//! neither is identified by its source id, stamped into a target custom field. Duplicates
//! inside the source are reported, never silently merged.

use std::collections::HashMap;

use crate::config::ContactFilter;
use crate::model::Contact;
use crate::normalize;

/// How a source contact is identified in the target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    Email(String),
    Phone(String),
    /// Neither email nor phone: the source id, stamped into the target on create.
    SourceId(String),
}

impl Identity {
    /// `email`, `phone` or `source_id`.
    pub fn kind(&self) -> &'static str {
        match self {
            Identity::Email(_) => "email",
            Identity::Phone(_) => "phone",
            Identity::SourceId(_) => "source_id",
        }
    }

    /// The value: the normalised email or phone, or the source id.
    pub fn value(&self) -> &str {
        match self {
            Identity::Email(v) | Identity::Phone(v) | Identity::SourceId(v) => v,
        }
    }

    /// The plan's step id for the contact, e.g. `contact/jane@acme.test`.
    pub fn step_id(&self) -> String {
        match self {
            Identity::Email(e) => format!("contact/{e}"),
            Identity::Phone(p) => format!("contact/{p}"),
            Identity::SourceId(id) => format!("contact/source:{id}"),
        }
    }
}

/// What a source contact is in the target.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactOutcome {
    /// Not in the target: to be created.
    New,
    /// Already in the target (index into the target list), matched by `email`, `phone` or `source_id`.
    Existing { target: usize, by: &'static str },
    /// Another source contact has the same identity; that one is migrated (its source index).
    DuplicateInSource { kept: usize },
    /// Matches the same target contact as another source contact (its source index).
    SameTarget { other: usize, target: usize },
    /// Left out by `filters.contacts`.
    Filtered(String),
}

/// The decision for one source contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactDecision {
    /// Index into the source contact list.
    pub source: usize,
    pub identity: Identity,
    pub outcome: ContactOutcome,
}

/// Inputs to contact matching beyond the two lists.
#[derive(Debug, Clone, Copy)]
pub struct ContactMatchOptions<'a> {
    pub filter: &'a ContactFilter,
    /// Country code for national phone numbers (e.g. `"1"`).
    pub default_country: &'a str,
    /// The target field holding stamped source ids, when the target has it.
    pub stamp_field_id: Option<&'a str>,
    /// The ledger's map (source contact id -> target contact id) of contacts this migration
    /// wrote and the target still holds: it decides before any key does.
    pub ledger: Option<&'a HashMap<String, String>>,
}

/// The identity of a contact: its email, else its phone, else its source id.
pub fn identity(contact: &Contact, default_country: &str) -> Identity {
    if let Some(e) = contact.email.as_deref().and_then(normalize::email) {
        Identity::Email(e)
    } else if let Some(p) = contact
        .phone
        .as_deref()
        .and_then(|p| normalize::phone(p, default_country))
    {
        Identity::Phone(p)
    } else {
        Identity::SourceId(contact.id.clone())
    }
}

/// Decides every source contact, in source order. First-come (by `dateAdded`, then id) wins
/// among duplicates, so the result does not depend on the order the API returned them in.
pub fn match_contacts(
    source: &[Contact],
    target: &[Contact],
    opts: ContactMatchOptions<'_>,
) -> Vec<ContactDecision> {
    let index = TargetIndex::new(target, opts);
    let mut order: Vec<usize> = (0..source.len()).collect();
    order.sort_by(|a, b| {
        let (a, b) = (&source[*a], &source[*b]);
        (a.date_added.as_deref(), &a.id).cmp(&(b.date_added.as_deref(), &b.id))
    });
    let mut decisions: Vec<Option<ContactDecision>> = vec![None; source.len()];
    let mut seen_identity: HashMap<Identity, usize> = HashMap::new();
    let mut claimed_target: HashMap<usize, usize> = HashMap::new();
    for i in order {
        let c = &source[i];
        let id = identity(c, opts.default_country);
        let outcome = if let Some(reason) = filtered(c, opts.filter) {
            ContactOutcome::Filtered(reason)
        } else if let Some(&kept) = seen_identity.get(&id) {
            ContactOutcome::DuplicateInSource { kept }
        } else {
            seen_identity.insert(id.clone(), i);
            match index.find(c, &id, opts.default_country) {
                None => ContactOutcome::New,
                Some((t, by)) => match claimed_target.get(&t) {
                    Some(&other) => ContactOutcome::SameTarget { other, target: t },
                    None => {
                        claimed_target.insert(t, i);
                        ContactOutcome::Existing { target: t, by }
                    }
                },
            }
        };
        decisions[i] = Some(ContactDecision {
            source: i,
            identity: id,
            outcome,
        });
    }
    decisions.into_iter().flatten().collect()
}

/// Why a contact is left out by the filter, if it is.
fn filtered(c: &Contact, filter: &ContactFilter) -> Option<String> {
    let has = |wanted: &String| c.tags.iter().any(|t| t.eq_ignore_ascii_case(wanted));
    if let Some(tag) = filter.skip_tags.iter().find(|t| has(t)) {
        return Some(format!("has tag `{tag}` (filters.contacts.skip_tags)"));
    }
    if !filter.only_tags.is_empty() && !filter.only_tags.iter().any(has) {
        return Some("has none of filters.contacts.only_tags".into());
    }
    None
}

/// The target's contacts indexed by email, phone and stamped source id.
struct TargetIndex<'a> {
    ledger: Option<&'a HashMap<String, String>>,
    by_id: HashMap<&'a str, usize>,
    by_email: HashMap<String, usize>,
    by_phone: HashMap<String, usize>,
    by_stamp: HashMap<String, usize>,
}

impl<'a> TargetIndex<'a> {
    fn new(target: &'a [Contact], opts: ContactMatchOptions<'a>) -> Self {
        let by_id = match opts.ledger {
            Some(_) => target
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id.as_str(), i))
                .collect(),
            None => HashMap::new(),
        };
        let mut index = TargetIndex {
            ledger: opts.ledger,
            by_id,
            by_email: HashMap::with_capacity(target.len()),
            by_phone: HashMap::with_capacity(target.len()),
            by_stamp: HashMap::new(),
        };
        // Lowest position wins where the target itself holds duplicates: deterministic.
        for (i, t) in target.iter().enumerate() {
            if let Some(e) = t.email.as_deref().and_then(normalize::email) {
                index.by_email.entry(e).or_insert(i);
            }
            if let Some(p) = t
                .phone
                .as_deref()
                .and_then(|p| normalize::phone(p, opts.default_country))
            {
                index.by_phone.entry(p).or_insert(i);
            }
            if let Some(stamp) = opts.stamp_field_id {
                for v in t.custom_fields.iter().filter(|v| v.id == stamp) {
                    if let Some(s) = v.value.as_str() {
                        index.by_stamp.entry(s.to_string()).or_insert(i);
                    }
                }
            }
        }
        index
    }

    fn find(&self, c: &Contact, id: &Identity, country: &str) -> Option<(usize, &'static str)> {
        if let Some(&t) = self
            .ledger
            .and_then(|l| l.get(&c.id))
            .and_then(|target| self.by_id.get(target.as_str()))
        {
            return Some((t, "ledger"));
        }
        if let Identity::Email(e) = id
            && let Some(&t) = self.by_email.get(e)
        {
            return Some((t, "email"));
        }
        if let Some(p) = c
            .phone
            .as_deref()
            .and_then(|p| normalize::phone(p, country))
            && let Some(&t) = self.by_phone.get(&p)
        {
            return Some((t, "phone"));
        }
        self.by_stamp.get(&c.id).map(|&t| (t, "source_id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldValue;

    fn contact(id: &str, email: Option<&str>, phone: Option<&str>) -> Contact {
        Contact {
            id: id.into(),
            email: email.map(String::from),
            phone: phone.map(String::from),
            ..Default::default()
        }
    }

    fn run(source: &[Contact], target: &[Contact]) -> Vec<ContactOutcome> {
        let filter = ContactFilter::default();
        let opts = ContactMatchOptions {
            filter: &filter,
            default_country: "1",
            stamp_field_id: Some("stamp"),
            ledger: None,
        };
        match_contacts(source, target, opts)
            .into_iter()
            .map(|d| d.outcome)
            .collect()
    }

    #[test]
    fn email_match_ignores_case_and_spaces() {
        let out = run(
            &[contact("s1", Some(" Jane@Acme.test"), None)],
            &[contact("t1", Some("jane@acme.test"), None)],
        );
        assert_eq!(
            out,
            vec![ContactOutcome::Existing {
                target: 0,
                by: "email"
            }]
        );
    }

    #[test]
    fn phone_match_normalises_to_e164() {
        let out = run(
            &[contact("s1", None, Some("(555) 010-1234"))],
            &[contact("t1", None, Some("+15550101234"))],
        );
        assert_eq!(
            out,
            vec![ContactOutcome::Existing {
                target: 0,
                by: "phone"
            }]
        );
    }

    #[test]
    fn email_then_phone() {
        let out = run(
            &[contact("s1", Some("new@acme.test"), Some("+15550101234"))],
            &[contact("t1", Some("old@acme.test"), Some("555-010-1234"))],
        );
        assert_eq!(
            out,
            vec![ContactOutcome::Existing {
                target: 0,
                by: "phone"
            }]
        );
    }

    #[test]
    fn duplicates_in_the_source_are_reported_first_come_first_kept() {
        let mut a = contact("s1", Some("a@acme.test"), None);
        a.date_added = Some("2024-01-02T00:00:00.000Z".into());
        let mut b = contact("s2", Some("A@ACME.test"), None);
        b.date_added = Some("2024-01-01T00:00:00.000Z".into());
        let out = run(&[a, b], &[]);
        assert_eq!(
            out,
            vec![
                ContactOutcome::DuplicateInSource { kept: 1 },
                ContactOutcome::New
            ]
        );
    }

    #[test]
    fn contacts_without_email_or_phone_match_by_stamped_source_id() {
        let mut t = contact("t1", None, None);
        t.custom_fields.push(FieldValue {
            id: "stamp".into(),
            value: "s1".into(),
        });
        let decisions = match_contacts(
            &[contact("s1", None, None), contact("s2", None, None)],
            &[t],
            ContactMatchOptions {
                filter: &ContactFilter::default(),
                default_country: "1",
                stamp_field_id: Some("stamp"),
                ledger: None,
            },
        );
        assert_eq!(decisions[0].identity, Identity::SourceId("s1".into()));
        assert_eq!(
            decisions[0].outcome,
            ContactOutcome::Existing {
                target: 0,
                by: "source_id"
            }
        );
        assert_eq!(decisions[1].outcome, ContactOutcome::New);
        assert_eq!(decisions[1].identity.step_id(), "contact/source:s2");
    }

    #[test]
    fn two_source_contacts_on_one_target_contact_are_reported() {
        let out = run(
            &[
                contact("s1", Some("a@acme.test"), None),
                contact("s2", Some("b@acme.test"), Some("+15550101234")),
            ],
            &[contact("t1", Some("a@acme.test"), Some("+15550101234"))],
        );
        assert_eq!(
            out[1],
            ContactOutcome::SameTarget {
                other: 0,
                target: 0
            }
        );
    }

    #[test]
    fn filters_skip_and_only_tags() {
        let mut tagged = contact("s1", Some("a@acme.test"), None);
        tagged.tags = vec!["Test".into()];
        let plain = contact("s2", Some("b@acme.test"), None);
        let filter = ContactFilter {
            skip_tags: vec!["test".into()],
            only_tags: vec![],
        };
        let opts = ContactMatchOptions {
            filter: &filter,
            default_country: "1",
            stamp_field_id: None,
            ledger: None,
        };
        let d = match_contacts(&[tagged.clone(), plain.clone()], &[], opts);
        assert!(matches!(d[0].outcome, ContactOutcome::Filtered(_)));
        assert_eq!(d[1].outcome, ContactOutcome::New);
        let only = ContactFilter {
            skip_tags: vec![],
            only_tags: vec!["test".into()],
        };
        let d = match_contacts(
            &[tagged, plain],
            &[],
            ContactMatchOptions {
                filter: &only,
                ..opts
            },
        );
        assert_eq!(d[0].outcome, ContactOutcome::New);
        assert!(matches!(d[1].outcome, ContactOutcome::Filtered(_)));
    }
}

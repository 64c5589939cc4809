//! Read before write, for an update of an existing contact: the contact must still be the one
//! the plan matched (it holds the email or phone it was matched by: a hand-edited `into:` that
//! names a stranger is refused), and a merge fills only what is still empty when it writes (a
//! value a person set since the plan is kept).

use serde_json::Value;

use crate::ghl::ContactWrite;
use crate::model::Contact;

/// Why the contact read back is not the one the plan matched, if it is not. `step_id` is the
/// step's id, `contact/<email or phone>` for a contact matched by one of them.
pub fn mismatch(contact: &Contact, matched_by: &str, step_id: &str) -> Option<String> {
    let key = step_id.strip_prefix("contact/")?;
    // The step id names the contact by its email, else its phone; a contact named by its
    // email but matched by its phone cannot be checked from the plan alone.
    let holds = match matched_by {
        "email" if key.contains('@') => contact
            .email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(key.trim())),
        "phone" if key.starts_with('+') => contact
            .phone
            .as_deref()
            .is_some_and(|p| digits(p) == digits(key) && !digits(key).is_empty()),
        _ => return None,
    };
    (!holds).then(|| {
        format!(
            "the contact to update ({}) does not hold the {matched_by} {key} the plan matched it \
             by; was `into:` edited? Re-run plan",
            contact.id
        )
    })
}

/// The part of a merge's body that the contact still lacks.
pub fn still_empty(contact: &Contact, body: &ContactWrite) -> ContactWrite {
    let mut out = body.clone();
    for ((_, slot), (_, held)) in out.text_fields_mut().into_iter().zip(contact.text_fields()) {
        if held.as_deref().is_some_and(|v| !v.trim().is_empty()) {
            *slot = None;
        }
    }
    out.custom_fields.retain(|w| {
        !contact
            .custom_fields
            .iter()
            .any(|v| v.id == w.id && !is_empty(&v.value))
    });
    if contact.dnd.is_some() {
        out.dnd = None;
    }
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn digits(p: &str) -> String {
    p.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::CustomFieldWrite;
    use crate::model::FieldValue;

    #[test]
    fn a_merge_keeps_what_a_person_set_since_the_plan() {
        let contact = Contact {
            id: "T1".into(),
            city: Some("Lyon".into()),
            custom_fields: vec![FieldValue {
                id: "F1".into(),
                value: "set".into(),
            }],
            ..Default::default()
        };
        let body = ContactWrite {
            city: Some("Paris".into()),
            phone: Some("+15550100".into()),
            custom_fields: vec![
                CustomFieldWrite {
                    id: "F1".into(),
                    field_value: "ours".into(),
                },
                CustomFieldWrite {
                    id: "F2".into(),
                    field_value: "ours".into(),
                },
            ],
            ..Default::default()
        };
        let left = still_empty(&contact, &body);
        assert_eq!(left.city, None);
        assert_eq!(left.phone.as_deref(), Some("+15550100"));
        assert_eq!(left.custom_fields.len(), 1);
        assert_eq!(left.custom_fields[0].id, "F2");
    }

    #[test]
    fn the_contact_must_hold_the_key_it_was_matched_by() {
        let contact = Contact {
            id: "T1".into(),
            email: Some("Old@Acme.test".into()),
            phone: Some("+1 555 0110".into()),
            ..Default::default()
        };
        assert_eq!(mismatch(&contact, "email", "contact/old@acme.test"), None);
        assert_eq!(mismatch(&contact, "phone", "contact/+15550110"), None);
        assert!(mismatch(&contact, "email", "contact/new@acme.test").is_some());
        assert!(mismatch(&contact, "phone", "contact/+15550111").is_some());
        assert_eq!(mismatch(&contact, "source_id", "contact/source:C1"), None);
        // Named by an email it does not hold, but matched by a phone: not checkable.
        assert_eq!(mismatch(&contact, "phone", "contact/ken@acme.test"), None);
    }
}

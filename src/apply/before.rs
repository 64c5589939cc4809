//! What a merge or overwrite finds in the contact right before it writes, kept in the ledger
//! with the step's result so that `undo` sets back exactly that (and only what was changed).
//! A step re-sent after a stop may find its own earlier write there: a merge only fills empty
//! values, so such a value was empty before; an overwrite's earlier value is then unknown.

use crate::ghl::ContactWrite;
use crate::model::Contact;
use crate::plan::undo::{Before, current_value, same_value};

/// How the step writes and whether an earlier attempt of it may have landed.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    pub overwrite: bool,
    pub in_doubt: bool,
}

/// What `contact` holds, before the write of `body` and `add_tags`, of what they change.
pub fn of(contact: &Contact, body: &ContactWrite, add_tags: &[String], at: Attempt) -> Before {
    let mut before = Before::default();
    let written = body
        .text_fields()
        .into_iter()
        .filter_map(|(name, v)| {
            v.clone()
                .map(|v| (name.to_string(), serde_json::Value::String(v), false))
        })
        .chain(
            body.custom_fields
                .iter()
                .map(|w| (w.id.clone(), w.field_value.clone(), true)),
        );
    for (field, wrote, custom) in written {
        let held = current_value(contact, &field, custom);
        let prior = if same_value(&held, &serde_json::Value::Null) {
            Some(serde_json::Value::Null)
        } else if same_value(&held, &wrote) {
            match (at.in_doubt, at.overwrite) {
                (false, _) => None,
                (true, false) => Some(serde_json::Value::Null),
                (true, true) => {
                    before.unknown.push(field.clone());
                    None
                }
            }
        } else if at.overwrite {
            Some(held)
        } else {
            // A merge leaves a value the contact holds alone.
            None
        };
        if let Some(prior) = prior {
            let map = match custom {
                true => &mut before.custom,
                false => &mut before.fields,
            };
            map.insert(field, prior);
        }
    }
    for tag in add_tags {
        let held = contact
            .tags
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tag.trim()));
        if !held || at.in_doubt {
            before.tags_added.push(tag.clone());
        }
    }
    before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::CustomFieldWrite;
    use serde_json::json;

    fn contact() -> Contact {
        Contact {
            id: "T1".into(),
            email: Some("a@x.test".into()),
            city: Some("Paris".into()),
            tags: vec!["customer".into()],
            custom_fields: vec![crate::model::FieldValue {
                id: "F1".into(),
                value: json!("North"),
            }],
            ..Default::default()
        }
    }

    fn body() -> ContactWrite {
        ContactWrite {
            phone: Some("+15550100".into()),
            city: Some("Lyon".into()),
            custom_fields: vec![
                CustomFieldWrite {
                    id: "F1".into(),
                    field_value: json!("South"),
                },
                CustomFieldWrite {
                    id: "F2".into(),
                    field_value: json!("SEO"),
                },
            ],
            ..Default::default()
        }
    }

    const FIRST: Attempt = Attempt {
        overwrite: false,
        in_doubt: false,
    };

    #[test]
    fn a_merge_records_the_values_it_fills_and_the_tags_it_adds_only() {
        let tags = ["vip".to_string(), "Customer".to_string()];
        let b = of(&contact(), &body(), &tags, FIRST);
        assert_eq!(b.fields, [("phone".to_string(), json!(null))].into());
        assert_eq!(b.custom, [("F2".to_string(), json!(null))].into());
        assert_eq!(b.tags_added, vec!["vip".to_string()]);
    }

    #[test]
    fn an_overwrite_records_what_it_replaces() {
        let at = Attempt {
            overwrite: true,
            ..FIRST
        };
        let b = of(&contact(), &body(), &[], at);
        assert_eq!(b.fields["city"], json!("Paris"));
        assert_eq!(b.custom["F1"], json!("North"));
        assert!(b.unknown.is_empty());
    }

    #[test]
    fn a_resent_step_that_finds_its_own_values_knows_a_merge_filled_them() {
        let mut written = contact();
        written.phone = Some("+15550100".into());
        written.tags.push("vip".into());
        let doubt = Attempt {
            overwrite: false,
            in_doubt: true,
        };
        let b = of(&written, &body(), &["vip".to_string()], doubt);
        assert_eq!(b.fields["phone"], json!(null));
        assert_eq!(b.tags_added, vec!["vip".to_string()]);
        // An overwrite's earlier value is then unknown: said, not guessed.
        let mut overwritten = contact();
        overwritten.city = Some("Lyon".into());
        let doubt = Attempt {
            overwrite: true,
            in_doubt: true,
        };
        let b = of(&overwritten, &body(), &[], doubt);
        assert_eq!(b.unknown, vec!["city".to_string()]);
    }
}

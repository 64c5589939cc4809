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

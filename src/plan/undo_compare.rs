//! What a person changed since the migration wrote an object, in words: the undo leaves
//! such an object (or value) alone and lists it. Each object is compared with the request
//! the ledger recorded for it; a merged contact with what the merge found before writing.

use std::collections::BTreeSet;

use serde_json::Value;

use super::undo::{Before, ValueRestore, current_value, same_value};
use crate::ghl::{ContactWrite, NewOpportunity, NewTask};
use crate::model::{Account, Contact, Opportunity, Task};

/// A custom field's name, else its id.
pub fn field_name(a: &Account, id: &str) -> String {
    a.custom_fields
        .iter()
        .find(|f| f.id == id)
        .map_or_else(|| id.to_string(), |f| f.name.clone())
}

/// How a contact the migration created differs from what it sent: each difference in words.
pub fn created_contact_changes(c: &Contact, sent: &ContactWrite, a: &Account) -> Vec<String> {
    let mut why = Vec::new();
    for ((name, now), (_, wrote)) in c.text_fields().into_iter().zip(sent.text_fields()) {
        // `name` is derived by the server from the first and last names.
        if name == "name" && wrote.is_none() {
            continue;
        }
        let now = now.as_deref().map(str::trim).unwrap_or_default();
        let wrote = wrote.as_deref().map(str::trim).unwrap_or_default();
        let same = match name {
            "email" => now.eq_ignore_ascii_case(wrote),
            _ => now == wrote,
        };
        if !same {
            why.push(format!("{name} is now {now:?}"));
        }
    }
    let tags =
        |t: &[String]| -> BTreeSet<String> { t.iter().map(|t| t.trim().to_lowercase()).collect() };
    if tags(&c.tags) != tags(&sent.tags) {
        why.push(format!("its tags are now [{}]", c.tags.join(", ")));
    }
    if c.dnd.unwrap_or(false) != sent.dnd.unwrap_or(false) {
        why.push("do-not-disturb was changed".into());
    }
    let mut ids: BTreeSet<&str> = c.custom_fields.iter().map(|v| v.id.as_str()).collect();
    ids.extend(sent.custom_fields.iter().map(|v| v.id.as_str()));
    for id in ids {
        let now = current_value(c, id, true);
        let wrote = sent
            .custom_fields
            .iter()
            .find(|v| v.id == id)
            .map_or(Value::Null, |v| v.field_value.clone());
        if !same_value(&now, &wrote) {
            why.push(format!("custom:{} is now {now}", field_name(a, id)));
        }
    }
    why
}

/// Notes, tasks and opportunities of a contact that this migration did not write.
pub fn foreign_children(a: &Account, contact: &str, ours: &BTreeSet<&str>) -> Vec<String> {
    let notes = a
        .notes
        .iter()
        .filter(|n| n.contact_id == contact && !ours.contains(n.id.as_str()))
        .count();
    let tasks = a
        .tasks
        .iter()
        .filter(|t| t.contact_id == contact && !ours.contains(t.id.as_str()))
        .count();
    let opportunities = a
        .opportunities
        .iter()
        .filter(|o| o.contact_id == contact && !ours.contains(o.id.as_str()))
        .count();
    [
        (notes, "note"),
        (tasks, "task"),
        (opportunities, "opportunity"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("it holds {n} {what}(s) the migration did not write"))
    .collect()
}

/// What to set back on a contact the migration merged into, and what is left alone (why).
pub fn merge_restore(
    c: &Contact,
    body: &ContactWrite,
    before: Option<&Before>,
    a: &Account,
) -> (Vec<ValueRestore>, Vec<String>) {
    let mut restore = Vec::new();
    let mut why = Vec::new();
    let Some(before) = before else {
        let written: Vec<String> = body
            .text_fields()
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| n.to_string())
            .chain(
                body.custom_fields
                    .iter()
                    .map(|v| format!("custom:{}", field_name(a, &v.id))),
            )
            .collect();
        if !written.is_empty() {
            why.push(format!(
                "what it held before the merge is not in the ledger (merged by an older \
                 version): {} not set back",
                written.join(", ")
            ));
        }
        return (restore, why);
    };
    let wrote_text = |field: &str| -> Value {
        body.text_fields()
            .into_iter()
            .find(|(n, _)| *n == field)
            .and_then(|(_, v)| v.clone())
            .map_or(Value::Null, Value::String)
    };
    let wrote_custom = |field: &str| -> Value {
        body.custom_fields
            .iter()
            .find(|v| v.id == field)
            .map_or(Value::Null, |v| v.field_value.clone())
    };
    let entries = before
        .fields
        .iter()
        .map(|(f, to)| (f, to, false, wrote_text(f)))
        .chain(
            before
                .custom
                .iter()
                .map(|(f, to)| (f, to, true, wrote_custom(f))),
        );
    for (field, to, custom, wrote) in entries {
        let now = current_value(c, field, custom);
        let label = match custom {
            true => format!("custom:{}", field_name(a, field)),
            false => field.clone(),
        };
        if same_value(&now, &wrote) {
            restore.push(ValueRestore {
                field: field.clone(),
                name: if custom { label } else { String::new() },
                wrote,
                to: to.clone(),
                custom,
            });
        } else {
            why.push(format!(
                "{label} is now {now} (the migration wrote {wrote})"
            ));
        }
    }
    for field in &before.unknown {
        why.push(format!(
            "{field}: what it held before the overwrite is unknown (a resumed write found its own value)"
        ));
    }
    (restore, why)
}

/// The tags the merge added that the contact still has.
pub fn tags_to_remove(c: &Contact, add_tags: &[String], before: Option<&Before>) -> Vec<String> {
    let added = before.map_or(add_tags, |b| b.tags_added.as_slice());
    added
        .iter()
        .filter(|t| c.tags.iter().any(|x| x.eq_ignore_ascii_case(t.trim())))
        .cloned()
        .collect()
}

/// How a task the migration created differs from what it sent.
pub fn task_changes(x: &Task, sent: &NewTask) -> Vec<String> {
    let mut why = Vec::new();
    if x.title.trim() != sent.title.trim() {
        why.push(format!("its title is now {:?}", x.title));
    }
    if x.body.as_deref().unwrap_or("").trim() != sent.body.as_deref().unwrap_or("").trim() {
        why.push("its text was edited".into());
    }
    if x.completed != sent.completed {
        why.push(format!("completed is now {}", x.completed));
    }
    why
}

/// How an opportunity the migration created differs from what it sent (its custom values are
/// not compared: the live API reads them back typed).
pub fn opportunity_changes(o: &Opportunity, sent: &NewOpportunity) -> Vec<String> {
    let mut why = Vec::new();
    if o.name.trim() != sent.name.trim() {
        why.push(format!("its name is now {:?}", o.name));
    }
    if o.status != sent.status {
        why.push(format!("its status is now {:?}", o.status));
    }
    if o.pipeline_id != sent.pipeline_id
        || (sent.pipeline_stage_id.is_some() && o.pipeline_stage_id != sent.pipeline_stage_id)
    {
        why.push("it was moved to another stage".into());
    }
    if o.monetary_value.unwrap_or(0.0) != sent.monetary_value.unwrap_or(0.0) {
        why.push(format!("its value is now {:?}", o.monetary_value));
    }
    if o.assigned_to != sent.assigned_to {
        why.push("it was assigned to someone else".into());
    }
    why
}

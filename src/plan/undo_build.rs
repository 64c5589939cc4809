//! The undo plan, a pure function of the ledger's map and the target as it is now: every
//! object this migration created is deleted (notes and tasks, then opportunities, then
//! contacts, then custom fields), every contact it merged into gets back what it held (its
//! tags removed, each value set back), and whatever a person changed since the migration wrote
//! it is listed and left alone. Pipelines and stages it created are listed and kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::undo::{Before, ContactRestore, DeleteObject, same_value};
use super::undo_compare::{
    created_contact_changes, foreign_children, merge_restore, opportunity_changes, tags_to_remove,
    task_changes,
};
use super::{Action, Counts, FORMAT, MappingReport, NotDone, Plan, Side, Step, Summary};
use crate::ghl::{ContactWrite, Doomed, NewCustomField, NewNote, NewOpportunity, NewTask};
use crate::model::{Account, Contact};
use crate::state::ObjectRecord;

/// What the undo plan is made from.
pub struct UndoInput<'a> {
    pub name: &'a str,
    /// The migration's source, as the declaration names it (it is not read).
    pub source: Side,
    /// The target as read now (its fingerprint is the plan's).
    pub target: Side,
    /// The target now, with the notes and tasks of every contact the ledger names.
    pub account: &'a Account,
    /// The ledger's map for this target.
    pub objects: &'a [ObjectRecord],
}

/// What one step of the migration sent, as the ledger recorded it with its intent.
pub(super) enum Wrote {
    Field(NewCustomField),
    Contact(ContactWrite),
    Merge {
        body: ContactWrite,
        add_tags: Vec<String>,
    },
    Opportunity(NewOpportunity),
    Note(String, NewNote),
    Task(String, NewTask),
    /// A pipeline or a stage (kept), or a body this build does not read.
    Other,
}

pub(super) fn wrote(record: &ObjectRecord) -> Wrote {
    let Some(Value::Object(map)) = record
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
    else {
        return Wrote::Other;
    };
    let Some((key, v)) = map.into_iter().next() else {
        return Wrote::Other;
    };
    let contact = || v["contact"].as_str().unwrap_or_default().to_string();
    let read = match key.as_str() {
        "create_field" => parse(&v).map(Wrote::Field),
        "create_contact" => parse(&v).map(Wrote::Contact),
        "update_contact" => parse(&v["body"]).map(|body| Wrote::Merge {
            body,
            add_tags: parse(&v["add_tags"]).unwrap_or_default(),
        }),
        "create_opportunity" => parse(&v).map(Wrote::Opportunity),
        "create_note" => parse(&v["body"]).map(|b| Wrote::Note(contact(), b)),
        "create_task" => parse(&v["body"]).map(|b| Wrote::Task(contact(), b)),
        _ => None,
    };
    read.unwrap_or(Wrote::Other)
}

/// Folds into a created contact's recorded request what later revisions' merges into it
/// wrote (`merges`: their recorded requests, oldest first), so that the undo compares the
/// contact with everything the migration sent it, not with its create alone.
pub fn with_later_merges(record: &mut ObjectRecord, merges: &[String]) {
    let Wrote::Contact(mut sent) = wrote(record) else {
        return;
    };
    for m in merges {
        let probe = ObjectRecord {
            body: Some(m.clone()),
            ..record.clone()
        };
        let Wrote::Merge { body, add_tags } = wrote(&probe) else {
            continue;
        };
        for ((_, slot), (_, v)) in sent.text_fields_mut().into_iter().zip(body.text_fields()) {
            if v.is_some() {
                *slot = v.clone();
            }
        }
        for t in add_tags.iter().chain(&body.tags) {
            if !sent
                .tags
                .iter()
                .any(|x| x.trim().eq_ignore_ascii_case(t.trim()))
            {
                sent.tags.push(t.clone());
            }
        }
        for v in body.custom_fields {
            sent.custom_fields.retain(|x| x.id != v.id);
            sent.custom_fields.push(v);
        }
    }
    if let Ok(v) = serde_json::to_value(&sent) {
        record.body = Some(serde_json::json!({ "create_contact": v }).to_string());
    }
}

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    serde_json::from_value(v.clone()).ok()
}

/// The plan's pieces as they are gathered, kind by kind.
#[derive(Default)]
struct Gathered {
    /// Steps by phase: 0 notes and tasks, 1 opportunities, 2 restores, 3 contacts, 4 fields.
    phases: [Vec<Step>; 5],
    not_done: Vec<NotDone>,
    counts: BTreeMap<&'static str, Counts>,
    ids: BTreeSet<String>,
}

impl Gathered {
    fn count(&mut self, kind: &'static str, outcome: &str) {
        *self
            .counts
            .entry(kind)
            .or_default()
            .entry(outcome.to_string())
            .or_default() += 1;
    }

    fn uncount(&mut self, kind: &'static str, outcome: &str) {
        let Some(counts) = self.counts.get_mut(kind) else {
            return;
        };
        if let Some(n) = counts.get_mut(outcome) {
            *n -= 1;
            if *n == 0 {
                counts.remove(outcome);
            }
        }
    }

    /// The id of the step that wrote it (`contact/jane@acme.test`), unique in the plan.
    fn step_id(&mut self, record: &ObjectRecord) -> String {
        let base = record.step_id.clone();
        let mut id = base.clone();
        let mut n = 1;
        while !self.ids.insert(id.clone()) {
            n += 1;
            id = format!("{base}#{n}");
        }
        id
    }

    fn left_alone(&mut self, kind: &'static str, id: String, what: &str, why: Vec<String>) {
        self.count(kind, "changed_since");
        self.not_done.push(NotDone {
            id,
            outcome: "changed_since".into(),
            reason: format!(
                "{what}: changed since the migration wrote it, left alone ({})",
                why.join("; ")
            ),
        });
    }
}

/// Builds the undo plan.
pub fn build(input: UndoInput<'_>) -> Plan {
    let a = input.account;
    let contacts: HashMap<&str, &Contact> = a.contacts.iter().map(|c| (c.id.as_str(), c)).collect();
    let ours: BTreeSet<&str> = input.objects.iter().map(|o| o.target_id.as_str()).collect();
    let mut g = Gathered::default();
    // Contact deletes wait for the deletes of what hangs off them; field deletes for the
    // restores that write them.
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let mut field_users: HashMap<String, Vec<String>> = HashMap::new();
    // Contacts that stay (merged or left alone), whose values keep a field alive.
    let mut deleted_contacts: BTreeSet<String> = BTreeSet::new();
    // What of the migration's is left alone on each contact: deleting the contact would take it.
    let mut kept_children: HashMap<String, Vec<String>> = HashMap::new();
    let mut fields = Vec::new();
    for record in input.objects {
        let id = g.step_id(record);
        let delete = |what: Doomed, name: String| Step {
            id: id.clone(),
            action: Action::Delete(DeleteObject {
                what,
                name,
                source_key: record.source_key.clone(),
                run: record.run_id,
            }),
            after: vec![],
        };
        let t = record.target_id.clone();
        match (record.kind.as_str(), wrote(record)) {
            ("note", Wrote::Note(contact_id, sent)) => {
                let name = super::label::text_start(&sent.body);
                let what = Doomed::Note {
                    contact_id: contact_id.clone(),
                    id: t.clone(),
                };
                match a.notes.iter().find(|n| n.id == t) {
                    None => {
                        g.count("notes", "already_gone");
                        g.phases[0].push(delete(what, name));
                    }
                    Some(n) if n.body.trim() != sent.body.trim() => {
                        let why = vec![format!(
                            "its text is now {:?}",
                            super::label::text_start(&n.body)
                        )];
                        kept_children
                            .entry(contact_id)
                            .or_default()
                            .push(format!("note {name:?}"));
                        g.left_alone("notes", id, &format!("note {name:?}"), why);
                    }
                    Some(_) => {
                        g.count("notes", "delete");
                        children.entry(contact_id).or_default().push(id.clone());
                        g.phases[0].push(delete(what, name));
                    }
                }
            }
            ("task", Wrote::Task(contact_id, sent)) => {
                let name = sent.title.clone();
                let what = Doomed::Task {
                    contact_id: contact_id.clone(),
                    id: t.clone(),
                };
                match a.tasks.iter().find(|x| x.id == t) {
                    None => {
                        g.count("tasks", "already_gone");
                        g.phases[0].push(delete(what, name));
                    }
                    Some(x) => {
                        let why = task_changes(x, &sent);
                        if why.is_empty() {
                            g.count("tasks", "delete");
                            children.entry(contact_id).or_default().push(id.clone());
                            g.phases[0].push(delete(what, name));
                        } else {
                            kept_children
                                .entry(contact_id)
                                .or_default()
                                .push(format!("task {name:?}"));
                            g.left_alone("tasks", id, &format!("task {name:?}"), why);
                        }
                    }
                }
            }
            ("opportunity", Wrote::Opportunity(sent)) => {
                let what = Doomed::Opportunity {
                    id: t.clone(),
                    pipeline_id: sent.pipeline_id.clone(),
                };
                match a.opportunities.iter().find(|o| o.id == t) {
                    None => {
                        g.count("opportunities", "already_gone");
                        g.phases[1].push(delete(what, sent.name.clone()));
                    }
                    Some(o) => {
                        let why = opportunity_changes(o, &sent);
                        let name =
                            format!("{} ({})", o.name, contact_name(&contacts, &o.contact_id));
                        if why.is_empty() {
                            g.count("opportunities", "delete");
                            children
                                .entry(o.contact_id.clone())
                                .or_default()
                                .push(id.clone());
                            g.phases[1].push(delete(what, name));
                        } else {
                            kept_children
                                .entry(o.contact_id.clone())
                                .or_default()
                                .push(format!("opportunity {name}"));
                            g.left_alone("opportunities", id, &format!("opportunity {name}"), why);
                        }
                    }
                }
            }
            ("contact", Wrote::Contact(sent)) => {
                let what = Doomed::Contact { id: t.clone() };
                match contacts.get(t.as_str()) {
                    None => {
                        g.count("contacts", "already_gone");
                        g.phases[3].push(delete(what, t.clone()));
                    }
                    Some(c) => {
                        let name = super::label::contact(c);
                        let mut why = created_contact_changes(c, &sent, a);
                        why.extend(foreign_children(a, &t, &ours));
                        if why.is_empty() {
                            g.count("contacts", "delete");
                            deleted_contacts.insert(t.clone());
                            g.phases[3].push(delete(what, name));
                        } else {
                            g.left_alone("contacts", id, &format!("contact {name}"), why);
                        }
                    }
                }
            }
            ("contact", Wrote::Merge { body, add_tags }) => {
                let Some(c) = contacts.get(t.as_str()) else {
                    g.count("contacts", "already_gone");
                    g.not_done.push(NotDone {
                        id,
                        outcome: "already_gone".into(),
                        reason: format!(
                            "contact {t} the migration merged into is no longer in the target: \
                             nothing to take back"
                        ),
                    });
                    continue;
                };
                let before: Option<Before> = record
                    .before
                    .as_deref()
                    .and_then(|b| serde_json::from_str(b).ok());
                let name = super::label::contact(c);
                let (restore, why) = merge_restore(c, &body, before.as_ref(), a);
                for v in restore.iter().filter(|v| v.custom) {
                    field_users
                        .entry(v.field.clone())
                        .or_default()
                        .push(id.clone());
                }
                let remove_tags = tags_to_remove(c, &add_tags, before.as_ref());
                let had_restore = !restore.is_empty() || !remove_tags.is_empty();
                if !why.is_empty() {
                    let left = if had_restore {
                        format!("{id}#left")
                    } else {
                        id.clone()
                    };
                    g.left_alone("contacts", left, &format!("contact {name}"), why);
                }
                if had_restore {
                    g.count("contacts", "restore");
                    g.phases[2].push(Step {
                        id,
                        action: Action::RestoreContact(ContactRestore {
                            id: t,
                            name,
                            remove_tags,
                            values: restore,
                            source_key: record.source_key.clone(),
                            run: record.run_id,
                        }),
                        after: vec![],
                    });
                }
            }
            ("custom_field", Wrote::Field(sent)) => fields.push((record, id, sent)),
            ("pipeline" | "stage", _) => {
                let kind = if record.kind == "pipeline" {
                    "pipelines"
                } else {
                    "stages"
                };
                g.count(kind, "kept");
                g.not_done.push(NotDone {
                    id,
                    outcome: "kept".into(),
                    reason: format!(
                        "{} created by run #{}: undo leaves pipelines and stages in place \
                         (deleting a pipeline deletes every opportunity in it, a person's too; \
                         V1 cannot delete them); remove it by hand once it is empty",
                        record.kind, record.run_id
                    ),
                });
            }
            (kind, _) => {
                g.not_done.push(NotDone {
                    id,
                    outcome: "unknown".into(),
                    reason: format!(
                        "the ledger holds a {kind} ({}) whose request this version cannot read: \
                         left alone",
                        record.target_id
                    ),
                });
            }
        }
    }
    // A created contact holding something of the migration's that is left alone stays too.
    for step in std::mem::take(&mut g.phases[3]) {
        let kept = match &step.action {
            Action::Delete(d) => kept_children
                .get(d.what.id())
                .filter(|_| deleted_contacts.remove(d.what.id()))
                .map(|kept| (d.name.clone(), kept)),
            _ => None,
        };
        let Some((name, kept)) = kept else {
            g.phases[3].push(step);
            continue;
        };
        g.uncount("contacts", "delete");
        let why = vec![format!("it holds {}, left alone", kept.join(", "))];
        g.left_alone("contacts", step.id, &format!("contact {name}"), why);
    }
    for (record, id, sent) in fields {
        let what = Doomed::CustomField {
            id: record.target_id.clone(),
        };
        let step = |name: String, after: Vec<String>| Step {
            id: id.clone(),
            action: Action::Delete(DeleteObject {
                what: what.clone(),
                name,
                source_key: record.source_key.clone(),
                run: record.run_id,
            }),
            after,
        };
        let Some(f) = a.custom_fields.iter().find(|f| f.id == record.target_id) else {
            g.count("custom_fields", "already_gone");
            g.phases[4].push(step(sent.name.clone(), vec![]));
            continue;
        };
        let mut why = Vec::new();
        if f.name.trim() != sent.name.trim() {
            why.push(format!("it is now named {:?}", f.name));
        }
        let restored = field_users.remove(&f.id).unwrap_or_default();
        let holders = a
            .contacts
            .iter()
            .filter(|c| !deleted_contacts.contains(&c.id))
            .filter(|c| {
                c.custom_fields
                    .iter()
                    .any(|v| v.id == f.id && !same_value(&v.value, &Value::Null))
            })
            .count()
            .saturating_sub(restored.len());
        if why.is_empty() && holders > 0 {
            g.count("custom_fields", "in_use");
            g.not_done.push(NotDone {
                id,
                outcome: "in_use".into(),
                reason: format!(
                    "custom field {}: left alone, {holders} contact(s) this undo does not delete \
                     (a person's, or left alone above) hold a value in it",
                    f.name
                ),
            });
        } else if why.is_empty() {
            g.count("custom_fields", "delete");
            g.phases[4].push(step(f.name.clone(), restored));
        } else {
            g.left_alone(
                "custom_fields",
                id,
                &format!("custom field {}", f.name),
                why,
            );
        }
    }
    let [mut notes, opportunities, restores, mut deletes, fields] = std::mem::take(&mut g.phases);
    notes.sort_by_key(|s| matches!(&s.action, Action::Delete(d) if d.what.kind() == "task"));
    for step in &mut deletes {
        if let Action::Delete(d) = &step.action {
            step.after = children.remove(d.what.id()).unwrap_or_default();
        }
    }
    let steps: Vec<Step> = notes
        .into_iter()
        .chain(opportunities)
        .chain(restores)
        .chain(deletes)
        .chain(fields)
        .collect();
    let counts = |k: &str| g.counts.get(k).cloned().unwrap_or_default();
    let summary = Summary {
        custom_fields: counts("custom_fields"),
        pipelines: counts("pipelines"),
        stages: counts("stages"),
        users: Counts::new(),
        contacts: counts("contacts"),
        opportunities: counts("opportunities"),
        notes: counts("notes"),
        tasks: counts("tasks"),
        readiness_percent: 100.0,
    };
    let mut warnings = vec![format!(
        "undo: deletes what this migration created and takes back what it added to the \
         contacts it merged into, from its ledger ({} objects); what a person changed since is \
         listed under not_done and left alone. A deleted object cannot be brought back.",
        input.objects.len()
    )];
    if input.target.api == "v1" {
        warnings.push(
            "target is V1: deletes use the V1 routes (DELETE /v1/contacts/{id}, \
             /v1/pipelines/{pid}/opportunities/{id}, /v1/custom-fields/{id}, \
             /v1/contacts/{id}/notes/{id}, /v1/contacts/{id}/tasks/{id}, \
             /v1/contacts/{id}/tags/), from the V1 documentation, not verified live"
                .into(),
        );
    }
    Plan {
        format: FORMAT.to_string(),
        name: input.name.to_string(),
        source: input.source,
        target: input.target,
        summary,
        mapping: MappingReport::default(),
        warnings,
        steps,
        not_done: g.not_done,
    }
}

fn contact_name(contacts: &HashMap<&str, &Contact>, id: &str) -> String {
    contacts
        .get(id)
        .map_or_else(|| id.to_string(), |c| super::label::contact(c))
}

#[cfg(test)]
mod tests;

//! What an undo plan may do, checked against the ledger right before it is applied: every
//! delete and restore must be one the ledger's map still records for the plan's target (same
//! kind, id, route and values), each at most once, and only an undo plan deletes or restores.
//! A plan edited by hand, or made for another ledger, cannot point a delete at a person's
//! object, take a person's tag, or write a value the migration did not.

use std::collections::BTreeSet;

use super::undo::{Before, ContactRestore, DeleteObject, same_value};
use super::undo_build::{Wrote, wrote};
use super::undo_compare::{sent_custom, sent_text};
use super::{Action, Plan};
use crate::ghl::Doomed;
use crate::state::ObjectRecord;

/// Checks `plan` against the ledger's map `objects` (of the plan's target location). Steps in
/// `done` (already done by the run being resumed) have left the map and are not checked.
/// The error names the step and what is wrong, for a person.
pub fn check(plan: &Plan, objects: &[ObjectRecord], done: &BTreeSet<&str>) -> Result<(), String> {
    let undoes = |a: &Action| matches!(a, Action::Delete(_) | Action::RestoreContact(_));
    if !plan.is_undo() {
        return match plan.steps.iter().find(|s| undoes(&s.action)) {
            Some(s) => Err(format!(
                "step {}: only an undo plan (written by `ghl-migrate undo`) deletes or restores",
                s.id
            )),
            None => Ok(()),
        };
    }
    let mut seen = BTreeSet::new();
    for step in &plan.steps {
        let (kind, source_key) = match &step.action {
            Action::Delete(d) => (d.what.kind(), d.source_key.as_str()),
            Action::RestoreContact(r) => ("contact", r.source_key.as_str()),
            other => {
                return Err(format!(
                    "step {}: {} in an undo plan: an undo plan only deletes and restores",
                    step.id,
                    other.name()
                ));
            }
        };
        if !seen.insert((kind, source_key)) {
            return Err(format!(
                "step {}: the ledger entry {kind} {source_key} is undone twice in this plan",
                step.id
            ));
        }
        if done.contains(step.id.as_str()) {
            continue;
        }
        let record = objects
            .iter()
            .find(|o| o.kind == kind && o.source_key == source_key);
        let verdict = match (&step.action, record) {
            (Action::Delete(d), Some(r)) => delete_matches(d, r),
            (Action::RestoreContact(c), Some(r)) => restore_matches(c, r),
            _ => Err(Mismatch::NotOurs),
        };
        verdict.map_err(|m| {
            let why = match m {
                Mismatch::NotOurs => "not one this migration wrote",
                Mismatch::Values => "not what this migration wrote",
            };
            format!(
                "step {}: {why} (the ledger's map for {} holds no such {kind}); the undo plan was \
                 edited or made for another ledger; re-run undo",
                step.id, plan.target.location
            )
        })?;
    }
    Ok(())
}

enum Mismatch {
    /// The object is not in the map as this step names it.
    NotOurs,
    /// The contact is the migration's, but the step takes back something it did not write.
    Values,
}

fn delete_matches(d: &DeleteObject, r: &ObjectRecord) -> Result<(), Mismatch> {
    let expected = match wrote(r) {
        Wrote::Contact(_) => Doomed::Contact {
            id: r.target_id.clone(),
        },
        Wrote::Field(_) => Doomed::CustomField {
            id: r.target_id.clone(),
        },
        Wrote::Opportunity(sent) => Doomed::Opportunity {
            id: r.target_id.clone(),
            pipeline_id: sent.pipeline_id,
        },
        Wrote::Note(contact_id, _) => Doomed::Note {
            contact_id,
            id: r.target_id.clone(),
        },
        Wrote::Task(contact_id, _) => Doomed::Task {
            contact_id,
            id: r.target_id.clone(),
        },
        Wrote::Merge { .. } | Wrote::Other => return Err(Mismatch::NotOurs),
    };
    match r.how != "merged" && d.what == expected {
        true => Ok(()),
        false => Err(Mismatch::NotOurs),
    }
}

fn restore_matches(c: &ContactRestore, r: &ObjectRecord) -> Result<(), Mismatch> {
    let Wrote::Merge { body, add_tags } = wrote(r) else {
        return Err(Mismatch::NotOurs);
    };
    if r.how != "merged" || r.target_id != c.id {
        return Err(Mismatch::NotOurs);
    }
    let before: Option<Before> = r
        .before
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    let added = before.as_ref().map_or(&add_tags, |b| &b.tags_added);
    let ours = |t: &String| {
        added
            .iter()
            .any(|a| a.trim().eq_ignore_ascii_case(t.trim()))
    };
    if !c.remove_tags.iter().all(ours) {
        return Err(Mismatch::Values);
    }
    let values_match = c.values.iter().all(|v| {
        let Some(before) = &before else {
            return false;
        };
        let (held, sent) = match v.custom {
            true => (before.custom.get(&v.field), sent_custom(&body, &v.field)),
            false => (before.fields.get(&v.field), sent_text(&body, &v.field)),
        };
        held == Some(&v.to) && same_value(&sent, &v.wrote)
    });
    match values_match {
        true => Ok(()),
        false => Err(Mismatch::Values),
    }
}

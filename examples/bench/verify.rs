//! Objects lost or duplicated: the sandbox's final account compared with what the plan says must
//! exist. Every planned create must be there exactly once (found by the target id the checkpoint
//! recorded, and by its natural key), and nothing beyond the planned creates may have appeared.

use std::collections::{BTreeMap, HashSet};

use ghl_migrate::model::Account;
use ghl_migrate::plan::{Action, Plan};
use ghl_migrate::state::{StepRecord, StepStatus};

/// The outcome of one comparison.
#[derive(Debug, Clone, Default)]
pub struct Check {
    /// Objects the plan creates or merges (the migration's unit of work).
    pub planned: usize,
    /// Of those, moved: done in the checkpoint and present in the target.
    pub moved: usize,
    /// Moved, by kind (`custom_field`, `contact`, `opportunity`, `note`, `task`).
    pub moved_by_kind: BTreeMap<&'static str, usize>,
    /// Planned creates missing from the target.
    pub lost: usize,
    /// Objects created beyond the plan (a create sent twice).
    pub duplicated: usize,
}

/// Compares `after` (the final target) with `before` and the plan, using the checkpoint's ids.
pub fn check(plan: &Plan, steps: &[StepRecord], before: &Account, after: &Account) -> Check {
    let done: BTreeMap<&str, &StepRecord> = steps
        .iter()
        .filter(|s| s.status == StepStatus::Done)
        .map(|s| (s.id.as_str(), s))
        .collect();
    let ids: HashSet<&str> = after
        .contacts
        .iter()
        .map(|c| c.id.as_str())
        .chain(after.opportunities.iter().map(|o| o.id.as_str()))
        .chain(after.custom_fields.iter().map(|f| f.id.as_str()))
        .chain(after.notes.iter().map(|n| n.id.as_str()))
        .chain(after.tasks.iter().map(|t| t.id.as_str()))
        .collect();
    let contact_keys = contact_key_counts(after);
    let before_keys = contact_key_counts(before);
    let mut c = Check::default();
    let mut creates = [0usize; 5];
    for step in &plan.steps {
        c.planned += 1;
        let record = done.get(step.id.as_str());
        let present = record
            .and_then(|r| r.target_id.as_deref())
            .is_some_and(|id| ids.contains(id));
        let kind = match &step.action {
            Action::CreateField(_) => Some(0),
            Action::CreateContact(_) => Some(1),
            Action::CreateOpportunity(_) => Some(2),
            Action::CreateNote(_) => Some(3),
            Action::CreateTask(_) => Some(4),
            // The large benchmark accounts plan no pipeline writes (no pipeline ids in `ids`).
            Action::MergeContact(_)
            | Action::OverwriteContact(_)
            | Action::CreatePipeline(_)
            | Action::AddStage(_)
            | Action::Delete(_)
            | Action::RestoreContact(_) => None,
        };
        if let Some(k) = kind {
            creates[k] += 1;
            if !present {
                c.lost += 1;
            }
        }
        if let Action::CreateContact(create) = &step.action
            && let Some(key) = natural_key(&create.fields)
        {
            let n = contact_keys
                .get(&key)
                .copied()
                .unwrap_or(0)
                .saturating_sub(before_keys.get(&key).copied().unwrap_or(0));
            if n > 1 {
                c.duplicated += n - 1;
            }
        }
        if present || (kind.is_none() && record.is_some()) {
            c.moved += 1;
            *c.moved_by_kind.entry(step.action.kind()).or_insert(0) += 1;
        }
    }
    let grew = |a: usize, b: usize| a.saturating_sub(b);
    let extra = grew(
        after.custom_fields.len(),
        before.custom_fields.len() + creates[0],
    ) + grew(after.contacts.len(), before.contacts.len() + creates[1])
        + grew(
            after.opportunities.len(),
            before.opportunities.len() + creates[2],
        )
        + grew(after.notes.len(), before.notes.len() + creates[3])
        + grew(after.tasks.len(), before.tasks.len() + creates[4]);
    c.duplicated = c.duplicated.max(extra);
    c
}

fn natural_key(fields: &BTreeMap<String, String>) -> Option<String> {
    fields
        .get("email")
        .map(|e| e.trim().to_lowercase())
        .or_else(|| fields.get("phone").cloned())
}

fn contact_key_counts(account: &Account) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for c in &account.contacts {
        let key = c
            .email
            .as_ref()
            .map(|e| e.trim().to_lowercase())
            .or_else(|| c.phone.clone());
        if let Some(key) = key {
            *counts.entry(key).or_insert(0) += 1;
        }
    }
    counts
}

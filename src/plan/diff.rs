//! What changed between two revisions of a plan, as plain data: header and summary values,
//! mapping entries, steps added, removed and changed (by id, with a unified diff of their YAML),
//! warnings and not-done entries. `render::plan_diff` turns it into text.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use similar::TextDiff;

use crate::plan::file::plan_fingerprint;
use crate::plan::{NotDone, Plan, Step};

/// Everything that differs between an old and a new plan; empty when they are equal.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanDiff {
    /// Format, name, sides (api, location, name, fingerprint) and the steps fingerprint.
    pub header: Vec<ValueChange>,
    /// Summary counts (`contacts.create`), readiness and the mapping counts.
    pub summary: Vec<ValueChange>,
    /// Mapping entries by kind and source name (`stage Sales / Won`): `target (by)`.
    pub mapping: Vec<ValueChange>,
    /// Steps only the new plan has, in its order.
    pub steps_added: Vec<Step>,
    /// Steps only the old plan has, in its order.
    pub steps_removed: Vec<Step>,
    /// Steps both have (by id) whose content differs, in the new plan's order.
    pub steps_changed: Vec<StepChange>,
    /// True when the steps both plans have run in another order.
    pub steps_reordered: bool,
    pub warnings_added: Vec<String>,
    pub warnings_removed: Vec<String>,
    pub not_done_added: Vec<NotDone>,
    pub not_done_removed: Vec<NotDone>,
    /// Not-done entries (by id) whose outcome or reason changed: (old, new).
    pub not_done_changed: Vec<(NotDone, NotDone)>,
    /// Objects that moved between the steps and the not-done list under the same id (e.g. a
    /// filter change: `filtered` -> `create_opportunity`); not listed as added or removed.
    pub outcome_changed: Vec<OutcomeChange>,
}

/// An object that is a step in one plan and not done in the other (or the reverse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeChange {
    pub id: String,
    /// The step's action (`create_opportunity`) or the not-done outcome (`filtered`).
    pub old: String,
    pub new: String,
    /// The not-done side's reason.
    pub reason: String,
}

/// A named value before and after; `None` where a side does not have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueChange {
    pub what: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A step whose content changed, with a unified diff of its YAML (`@@` hunks, no file header).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepChange {
    pub id: String,
    pub old: Step,
    pub new: Step,
    pub diff: String,
}

impl PlanDiff {
    /// True when the plans are the same in every respect the diff looks at.
    pub fn is_empty(&self) -> bool {
        *self == PlanDiff::default()
    }
}

/// Compares two plans.
pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    let (mut steps_added, mut steps_removed, steps_changed, steps_reordered) = steps(old, new);
    let (mut not_done_added, mut not_done_removed, not_done_changed) = not_done(old, new);
    let mut outcome_changed = moved(&mut steps_added, &mut not_done_removed, |n, s| {
        (n.outcome.clone(), s.action.name().to_string())
    });
    outcome_changed.extend(moved(&mut steps_removed, &mut not_done_added, |n, s| {
        (s.action.name().to_string(), n.outcome.clone())
    }));
    PlanDiff {
        header: changes(header_values(old), header_values(new)),
        summary: changes(summary_values(old), summary_values(new)),
        mapping: changes(mapping_values(old), mapping_values(new)),
        steps_added,
        steps_removed,
        steps_changed,
        steps_reordered,
        warnings_added: only_in(&new.warnings, &old.warnings),
        warnings_removed: only_in(&old.warnings, &new.warnings),
        not_done_added,
        not_done_removed,
        not_done_changed,
        outcome_changed,
    }
}

/// Takes out of `steps` and `not_done` the ids both hold, as outcome changes (`old_new` gives
/// the old and new outcome words of the pair).
fn moved(
    steps: &mut Vec<Step>,
    not_done: &mut Vec<NotDone>,
    old_new: impl Fn(&NotDone, &Step) -> (String, String),
) -> Vec<OutcomeChange> {
    let by_id: HashMap<String, NotDone> =
        not_done.iter().map(|n| (n.id.clone(), n.clone())).collect();
    let mut out = Vec::new();
    steps.retain(|s| match by_id.get(&s.id) {
        Some(n) => {
            let (old, new) = old_new(n, s);
            out.push(OutcomeChange {
                id: s.id.clone(),
                old,
                new,
                reason: n.reason.clone(),
            });
            false
        }
        None => true,
    });
    let taken: HashSet<&str> = out.iter().map(|c| c.id.as_str()).collect();
    not_done.retain(|n| !taken.contains(n.id.as_str()));
    out
}

/// Named values of a plan, in display order.
type Values = Vec<(String, String)>;

fn header_values(plan: &Plan) -> Values {
    let mut values = vec![
        ("format".to_string(), plan.format.clone()),
        ("name".to_string(), plan.name.clone()),
    ];
    for (label, side) in [("source", &plan.source), ("target", &plan.target)] {
        values.push((format!("{label}.api"), side.api.clone()));
        values.push((format!("{label}.location"), side.location.clone()));
        values.push((format!("{label}.name"), side.name.clone()));
        values.push((format!("{label}.fingerprint"), side.fingerprint.clone()));
    }
    values.push(("steps fingerprint".to_string(), plan_fingerprint(plan)));
    values
}

fn summary_values(plan: &Plan) -> Values {
    let s = &plan.summary;
    let mut values = Values::new();
    for (kind, counts) in [
        ("custom_fields", &s.custom_fields),
        ("pipelines", &s.pipelines),
        ("stages", &s.stages),
        ("users", &s.users),
        ("contacts", &s.contacts),
        ("opportunities", &s.opportunities),
        ("notes", &s.notes),
        ("tasks", &s.tasks),
    ] {
        for (outcome, n) in counts {
            values.push((format!("{kind}.{outcome}"), n.to_string()));
        }
    }
    let m = &plan.mapping;
    values.extend([
        ("readiness_percent".into(), s.readiness_percent.to_string()),
        ("fields_mapped".into(), m.fields_mapped.to_string()),
        ("pipelines_mapped".into(), m.pipelines_mapped.to_string()),
        ("stages_mapped".into(), m.stages_mapped.to_string()),
        (
            "overall_readiness_percent".into(),
            m.overall_readiness_percent.to_string(),
        ),
    ]);
    values
}

fn mapping_values(plan: &Plan) -> Values {
    let m = &plan.mapping;
    [
        ("field", &m.fields),
        ("pipeline", &m.pipelines),
        ("stage", &m.stages),
        ("user", &m.users),
    ]
    .into_iter()
    .flat_map(|(kind, entries)| {
        entries.iter().map(move |e| {
            let target = e.target.as_deref().unwrap_or("-");
            (
                format!("{kind} {}", e.source),
                format!("{target} ({})", e.by),
            )
        })
    })
    .collect()
}

/// Values that differ, were added or were removed: old order first, then new-only names.
fn changes(old: Values, new: Values) -> Vec<ValueChange> {
    let new_by_name: HashMap<&str, &str> =
        new.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let old_by_name: HashMap<&str, &str> =
        old.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut out = Vec::new();
    for (name, value) in &old {
        match new_by_name.get(name.as_str()) {
            Some(v) if v == value => {}
            other => out.push(ValueChange {
                what: name.clone(),
                old: Some(value.clone()),
                new: other.map(|v| v.to_string()),
            }),
        }
    }
    for (name, value) in &new {
        if !old_by_name.contains_key(name.as_str()) {
            out.push(ValueChange {
                what: name.clone(),
                old: None,
                new: Some(value.clone()),
            });
        }
    }
    out
}

type StepChanges = (Vec<Step>, Vec<Step>, Vec<StepChange>, bool);

fn steps(old: &Plan, new: &Plan) -> StepChanges {
    let old_by_id: HashMap<&str, &Step> = old.steps.iter().map(|s| (s.id.as_str(), s)).collect();
    let new_ids: HashSet<&str> = new.steps.iter().map(|s| s.id.as_str()).collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for step in &new.steps {
        match old_by_id.get(step.id.as_str()) {
            None => added.push(step.clone()),
            Some(before) if *before != step => changed.push(StepChange {
                id: step.id.clone(),
                old: (*before).clone(),
                new: step.clone(),
                diff: yaml_diff(before, step),
            }),
            Some(_) => {}
        }
    }
    let removed = old
        .steps
        .iter()
        .filter(|s| !new_ids.contains(s.id.as_str()))
        .cloned()
        .collect();
    let common_old = old
        .steps
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| new_ids.contains(id));
    let common_new = new
        .steps
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| old_by_id.contains_key(id));
    let reordered = !common_old.eq(common_new);
    (added, removed, changed, reordered)
}

/// A unified diff of two steps' YAML, three lines of context, `@@` hunks only.
fn yaml_diff(old: &Step, new: &Step) -> String {
    let old = step_yaml(old);
    let new = step_yaml(new);
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .to_string()
}

fn step_yaml(step: &Step) -> String {
    serde_yaml::to_string(step).expect("a step is plain data and always serialises")
}

/// The entries of `a` that `b` does not have, in `a`'s order.
fn only_in(a: &[String], b: &[String]) -> Vec<String> {
    let b: HashSet<&String> = b.iter().collect();
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

type NotDoneChanges = (Vec<NotDone>, Vec<NotDone>, Vec<(NotDone, NotDone)>);

fn not_done(old: &Plan, new: &Plan) -> NotDoneChanges {
    let old_by_id: BTreeMap<&str, &NotDone> =
        old.not_done.iter().map(|n| (n.id.as_str(), n)).collect();
    let new_by_id: BTreeMap<&str, &NotDone> =
        new.not_done.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for n in &new.not_done {
        match old_by_id.get(n.id.as_str()) {
            None => added.push(n.clone()),
            Some(before) if *before != n => changed.push(((*before).clone(), n.clone())),
            Some(_) => {}
        }
    }
    let removed = old
        .not_done
        .iter()
        .filter(|n| !new_by_id.contains_key(n.id.as_str()))
        .cloned()
        .collect();
    (added, removed, changed)
}

#[cfg(test)]
mod tests;

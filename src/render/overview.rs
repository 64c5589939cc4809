//! What every rendering of a plan says first, computed once: the headline counts, the summary
//! table (kinds by outcome), mapping problems and the not-done list grouped by outcome.

use std::collections::BTreeMap;

use crate::plan::{Counts, MapEntry, NotDone, Plan, Step};

/// Step kinds in the order the plan runs them.
pub const STEP_KINDS: [&str; 5] = ["custom_field", "contact", "opportunity", "note", "task"];

/// Outcome columns in reading order; any others follow alphabetically.
const OUTCOME_ORDER: [&str; 12] = [
    "delete",
    "restore",
    "create",
    "merge",
    "overwrite",
    "map",
    "exists",
    "missing",
    "conflict",
    "blocked",
    "skipped",
    "duplicate_in_source",
];

/// Not-done groups in reading order (what needs a person first); others follow alphabetically.
const NOT_DONE_ORDER: [&str; 3] = ["blocked", "conflict", "duplicate_in_source"];

/// The summary's rows: a label and its counts.
pub fn summary_rows(plan: &Plan) -> Vec<(&'static str, &Counts)> {
    let s = &plan.summary;
    let mut rows = vec![
        ("custom fields", &s.custom_fields),
        ("pipelines", &s.pipelines),
        ("stages", &s.stages),
        ("users", &s.users),
        ("contacts", &s.contacts),
        ("opportunities", &s.opportunities),
    ];
    // Plans made before notes and tasks were migrated have no such rows.
    for (label, counts) in [("notes", &s.notes), ("tasks", &s.tasks)] {
        if !counts.is_empty() {
            rows.push((label, counts));
        }
    }
    rows
}

/// The outcome columns the summary uses, in reading order.
pub fn summary_columns(plan: &Plan) -> Vec<&str> {
    let mut present: Vec<&str> = summary_rows(plan)
        .into_iter()
        .flat_map(|(_, counts)| counts.keys().map(String::as_str))
        .collect();
    present.sort_by_key(|o| (rank(&OUTCOME_ORDER, o), *o));
    present.dedup();
    present
}

fn rank(order: &[&str], name: &str) -> usize {
    order.iter().position(|o| *o == name).unwrap_or(order.len())
}

/// The steps of one kind, in plan order.
pub fn steps_of<'a>(plan: &'a Plan, kind: &str) -> Vec<&'a Step> {
    plan.steps
        .iter()
        .filter(|s| s.action.kind() == kind)
        .collect()
}

/// The not-done entries by outcome, in reading order, each group in plan order.
pub fn not_done_groups(plan: &Plan) -> Vec<(&str, Vec<&NotDone>)> {
    let mut groups: BTreeMap<&str, Vec<&NotDone>> = BTreeMap::new();
    for n in &plan.not_done {
        groups.entry(n.outcome.as_str()).or_default().push(n);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|(o, _)| (rank(&NOT_DONE_ORDER, o), *o));
    groups
}

/// Mapping entries that did not map (missing, conflicting or without a target), by kind.
pub fn mapping_problems(plan: &Plan) -> Vec<(&'static str, &MapEntry)> {
    mapping_entries(plan)
        .into_iter()
        .filter(|(_, e)| e.target.is_none() || matches!(e.by.as_str(), "missing" | "conflict"))
        .collect()
}

/// Every mapping entry with its kind (`field`, `pipeline`, `stage`, `user`).
pub fn mapping_entries(plan: &Plan) -> Vec<(&'static str, &MapEntry)> {
    let m = &plan.mapping;
    [
        ("field", &m.fields),
        ("pipeline", &m.pipelines),
        ("stage", &m.stages),
        ("user", &m.users),
    ]
    .into_iter()
    .flat_map(|(kind, entries)| entries.iter().map(move |e| (kind, e)))
    .collect()
}

/// `8 steps: create 2 custom fields, merge 1 contact, ...`; `no steps` for an empty plan.
pub fn steps_headline(plan: &Plan) -> String {
    let mut by_action: Vec<(&str, &str, usize)> = Vec::new();
    for step in &plan.steps {
        let (verb, kind) = verb_and_kind(step);
        match by_action
            .iter_mut()
            .find(|(v, k, _)| *v == verb && *k == kind)
        {
            Some(entry) => entry.2 += 1,
            None => by_action.push((verb, kind, 1)),
        }
    }
    if by_action.is_empty() {
        return "no steps".into();
    }
    // An undo runs in its own order (notes and tasks first): the headline follows the plan.
    if !plan.is_undo() {
        by_action
            .sort_by_key(|(verb, kind, _)| (rank(&STEP_KINDS, kind), rank(&OUTCOME_ORDER, verb)));
    }
    let parts: Vec<String> = by_action
        .iter()
        .map(|(verb, kind, n)| format!("{verb} {} {}", thousands(*n), noun(kind, *n)))
        .collect();
    format!(
        "{} {}: {}",
        thousands(plan.steps.len()),
        plural(plan.steps.len(), "step", "steps"),
        parts.join(", ")
    )
}

/// `4 not done: 1 blocked, 1 conflict, ...`; `nothing left out` when empty.
pub fn not_done_headline(plan: &Plan) -> String {
    if plan.not_done.is_empty() {
        return "nothing left out".into();
    }
    let parts: Vec<String> = not_done_groups(plan)
        .iter()
        .map(|(outcome, items)| format!("{} {outcome}", thousands(items.len())))
        .collect();
    format!(
        "{} not done: {}",
        thousands(plan.not_done.len()),
        parts.join(", ")
    )
}

fn verb_and_kind(step: &Step) -> (&'static str, &'static str) {
    use crate::plan::Action;
    let verb = match step.action {
        Action::MergeContact(_) => "merge",
        Action::OverwriteContact(_) => "overwrite",
        Action::Delete(_) => "delete",
        Action::RestoreContact(_) => "restore",
        _ => "create",
    };
    (verb, step.action.kind())
}

/// A step kind as a noun: `custom field`/`custom fields`, `contact`/`contacts`, ...
pub fn noun(kind: &str, n: usize) -> String {
    let singular = kind.replace('_', " ");
    match singular.strip_suffix('y') {
        _ if n == 1 => singular,
        Some(stem) => format!("{stem}ies"),
        None => format!("{singular}s"),
    }
}

pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `9812` as `9,812`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A fingerprint shortened for people: `sha256:4f1c2a9e0b7d`.
pub fn short_fingerprint(fingerprint: &str) -> String {
    match fingerprint.split_once(':') {
        Some((algo, hex)) => format!("{algo}:{}", hex.chars().take(12).collect::<String>()),
        None => fingerprint.chars().take(19).collect(),
    }
}

/// A side of the migration in one line: `v2 ve9EPM428h8vShlRW1KT (Acme Inc)`.
pub fn side(side: &crate::plan::Side) -> String {
    if side.name.is_empty() {
        format!("{} {}", side.api, side.location)
    } else {
        format!(
            "{} {} ({})",
            side.api,
            side.location,
            super::visible::one_line(&side.name)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(9812), "9,812");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn nouns_are_plural() {
        assert_eq!(noun("opportunity", 2), "opportunities");
        assert_eq!(noun("custom_field", 1), "custom field");
        assert_eq!(noun("contact", 0), "contacts");
    }

    #[test]
    fn fingerprints_are_shortened() {
        assert_eq!(
            short_fingerprint("sha256:0123456789abcdef"),
            "sha256:0123456789ab"
        );
    }
}

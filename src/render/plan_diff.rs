//! A plan diff as text: a headline, then `+` (added), `-` (removed) and `~` (changed) lines for
//! header values, summary counts, mapping entries, steps (changed ones with their YAML diff),
//! warnings and not-done entries. Equal plans give `no changes`.

use super::visible::one_line;
use std::fmt::Write;

use crate::plan::diff::{PlanDiff, ValueChange};

use super::overview::{short_fingerprint, thousands};
use super::step_line;

pub fn render(diff: &PlanDiff) -> String {
    if diff.is_empty() {
        return "no changes\n".into();
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(diff));
    for change in &diff.header {
        value_line(&mut out, "", change);
    }
    for change in &diff.summary {
        value_line(&mut out, "summary ", change);
    }
    for change in &diff.mapping {
        value_line(&mut out, "mapping ", change);
    }
    steps(&mut out, diff);
    for w in &diff.warnings_added {
        let _ = writeln!(out, "+ warning: {}", one_line(w));
    }
    for w in &diff.warnings_removed {
        let _ = writeln!(out, "- warning: {}", one_line(w));
    }
    for n in &diff.not_done_added {
        let _ = writeln!(
            out,
            "+ not done: {} ({}): {}",
            one_line(&n.id),
            n.outcome,
            one_line(&n.reason)
        );
    }
    for n in &diff.not_done_removed {
        let _ = writeln!(
            out,
            "- not done: {} ({}): {}",
            one_line(&n.id),
            n.outcome,
            one_line(&n.reason)
        );
    }
    for (old, new) in &diff.not_done_changed {
        let _ = writeln!(
            out,
            "~ not done: {} ({} -> {}): {}",
            one_line(&new.id),
            old.outcome,
            new.outcome,
            one_line(&new.reason)
        );
        if old.reason != new.reason {
            let _ = writeln!(out, "    was: {}", one_line(&old.reason));
        }
    }
    for c in &diff.outcome_changed {
        let _ = writeln!(
            out,
            "~ {} ({} -> {}): {}",
            one_line(&c.id),
            c.old,
            c.new,
            one_line(&c.reason)
        );
    }
    out
}

/// `2 steps added, 1 removed, 1 changed; 1 warning added; ...`
fn headline(diff: &PlanDiff) -> String {
    let mut parts = Vec::new();
    let steps = [
        ("added", diff.steps_added.len()),
        ("removed", diff.steps_removed.len()),
        ("changed", diff.steps_changed.len()),
    ];
    if let Some(text) = counted("step", &steps) {
        parts.push(text);
    }
    if diff.steps_reordered {
        parts.push("steps reordered".into());
    }
    let warnings = [
        ("added", diff.warnings_added.len()),
        ("removed", diff.warnings_removed.len()),
    ];
    if let Some(text) = counted("warning", &warnings) {
        parts.push(text);
    }
    let not_done = [
        ("added", diff.not_done_added.len()),
        ("removed", diff.not_done_removed.len()),
        ("changed", diff.not_done_changed.len()),
    ];
    if let Some(text) = counted("not-done entry", &not_done) {
        parts.push(text);
    }
    if let Some(text) = counted("outcome", &[("changed", diff.outcome_changed.len())]) {
        parts.push(text);
    }
    if parts.is_empty() {
        parts.push("steps unchanged".into());
    }
    parts.join("; ")
}

/// `2 steps added, 1 removed`: the first non-zero count names the thing.
fn counted(noun: &str, counts: &[(&str, usize)]) -> Option<String> {
    let present: Vec<_> = counts.iter().filter(|(_, n)| *n > 0).collect();
    let (first, rest) = present.split_first()?;
    let mut text = format!(
        "{} {} {}",
        thousands(first.1),
        plural(noun, first.1),
        first.0
    );
    for (what, n) in rest {
        let _ = write!(text, ", {} {what}", thousands(*n));
    }
    Some(text)
}

fn plural(noun: &str, n: usize) -> String {
    match (n, noun.strip_suffix("entry")) {
        (1, _) => noun.to_string(),
        (_, Some(stem)) => format!("{stem}entries"),
        _ => format!("{noun}s"),
    }
}

fn value_line(out: &mut String, prefix: &str, change: &ValueChange) {
    let shown = |v: &str| {
        if v.starts_with("sha256:") {
            short_fingerprint(v)
        } else {
            one_line(v)
        }
    };
    let _ = match (&change.old, &change.new) {
        (Some(old), Some(new)) => writeln!(
            out,
            "~ {prefix}{}: {} -> {}",
            change.what,
            shown(old),
            shown(new)
        ),
        (None, Some(new)) => writeln!(out, "+ {prefix}{}: {}", change.what, shown(new)),
        (Some(old), None) => writeln!(out, "- {prefix}{}: {}", change.what, shown(old)),
        (None, None) => Ok(()),
    };
}

fn steps(out: &mut String, diff: &PlanDiff) {
    let width = step_line::id_width(
        diff.steps_added
            .iter()
            .chain(&diff.steps_removed)
            .chain(diff.steps_changed.iter().map(|c| &c.new)),
    );
    for step in &diff.steps_added {
        let _ = writeln!(
            out,
            "+ {:<width$}  {}",
            one_line(&step.id),
            step_line::describe(&step.action)
        );
    }
    for step in &diff.steps_removed {
        let _ = writeln!(
            out,
            "- {:<width$}  {}",
            one_line(&step.id),
            step_line::describe(&step.action)
        );
    }
    for change in &diff.steps_changed {
        let _ = writeln!(
            out,
            "~ {:<width$}  {}",
            one_line(&change.id),
            step_line::describe(&change.new.action)
        );
        for line in change.diff.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
}

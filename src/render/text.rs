//! A plan for a terminal: header, headline counts, the summary table, readiness and mapping
//! problems, warnings, what is not done (by outcome), then every step on one line.

use super::visible::one_line;
use std::fmt::Write;

use crate::plan::Plan;
use crate::state::{plan_fingerprint, short_revision};

use super::overview::{self as parts, short_fingerprint, thousands};
use super::step_line;

/// The whole plan: [`overview`], then every step on one line.
pub fn render(plan: &Plan) -> String {
    let mut out = overview(plan);
    steps(&mut out, plan);
    out
}

/// Everything but the step list: what `plan` prints after writing a plan.
pub fn overview(plan: &Plan) -> String {
    let mut out = String::new();
    header(&mut out, plan);
    summary(&mut out, plan);
    mapping(&mut out, plan);
    warnings(&mut out, plan);
    not_done(&mut out, plan);
    out
}

fn header(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "Plan {} ({})", plan.name, plan.format);
    for (label, side) in [("source", &plan.source), ("target", &plan.target)] {
        let _ = writeln!(
            out,
            "  {label}  {}  {}",
            parts::side(side),
            short_fingerprint(&side.fingerprint)
        );
    }
    // The revision `status` and apply's messages name (what the ledger records runs under).
    let _ = writeln!(
        out,
        "  revision {}",
        short_revision(&plan_fingerprint(plan))
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", parts::steps_headline(plan));
    let _ = writeln!(out, "{}", parts::not_done_headline(plan));
}

fn summary(out: &mut String, plan: &Plan) {
    let columns = parts::summary_columns(plan);
    let rows = parts::summary_rows(plan);
    let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let _ = writeln!(out);
    let mut line = format!("{:<label_width$}", "Summary");
    for c in &columns {
        let _ = write!(line, "  {c}");
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for (label, counts) in rows {
        let mut line = format!("{label:<label_width$}");
        for c in &columns {
            let cell = counts.get(*c).map_or("-".to_string(), |n| n.to_string());
            let _ = write!(line, "  {cell:>width$}", width = c.len());
        }
        let _ = writeln!(out, "{line}");
    }
}

fn mapping(out: &mut String, plan: &Plan) {
    // An undo maps nothing: it removes what the ledger says was written.
    if plan.is_undo() {
        return;
    }
    let m = &plan.mapping;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Readiness {}%: {}",
        m.overall_readiness_percent,
        crate::plan::readiness::explain(m)
    );
    for (kind, entry) in parts::mapping_problems(plan) {
        let _ = writeln!(out, "  {kind} {}: {}", one_line(&entry.source), entry.by);
    }
}

fn warnings(out: &mut String, plan: &Plan) {
    if plan.warnings.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Warnings ({})", thousands(plan.warnings.len()));
    for w in &plan.warnings {
        let _ = writeln!(out, "  - {}", one_line(w));
    }
}

fn not_done(out: &mut String, plan: &Plan) {
    if plan.not_done.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Not done ({})", thousands(plan.not_done.len()));
    for (outcome, items) in parts::not_done_groups(plan) {
        let _ = writeln!(out, "  {outcome} ({})", thousands(items.len()));
        let width = items
            .iter()
            .map(|n| n.id.chars().count())
            .max()
            .unwrap_or(0);
        for n in items {
            let _ = writeln!(
                out,
                "    {:<width$}  {}",
                one_line(&n.id),
                one_line(&n.reason)
            );
        }
    }
}

fn steps(out: &mut String, plan: &Plan) {
    let _ = writeln!(out);
    let _ = writeln!(out, "Steps ({})", thousands(plan.steps.len()));
    let width = step_line::id_width(&plan.steps);
    for step in &plan.steps {
        let _ = writeln!(out, "  {}", step_line::line(step, width));
    }
}

//! A report for people: one line per kind, the failures with their reasons, the totals.

use std::fmt::Write;

use super::report::{Ending, Report};

/// The report as the command line prints it.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let head = match &report.ending {
        Ending::Complete => "complete".to_string(),
        Ending::Rejected => "finished; the API rejected some objects".to_string(),
        Ending::Stopped { reason } => format!("stopped early: {reason}"),
        Ending::Error { reason } => format!("stopped: {reason}"),
        Ending::Unfinished { note } => note.clone(),
    };
    let _ = writeln!(out, "apply {}: {head}", report.plan);
    for (kind, k) in &report.kinds {
        let mut parts = Vec::new();
        if k.deleted + k.restored == 0 {
            parts.push(format!("{} created", k.created));
        }
        if k.updated > 0 {
            parts.push(format!("{} updated", k.updated));
        }
        if k.deleted > 0 {
            match k.already_gone {
                0 => parts.push(format!("{} deleted", k.deleted)),
                n => parts.push(format!("{} deleted ({n} already gone)", k.deleted)),
            }
        }
        if k.restored > 0 {
            parts.push(format!("{} restored", k.restored));
        }
        for (n, what) in [
            (k.failed, "failed"),
            (k.blocked, "blocked"),
            (k.pending, "pending"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if k.not_in_plan > 0 {
            // The plan's own words and counts: `10 not in plan (blocked 10)`.
            let why: Vec<String> = k
                .not_in_plan_by_outcome
                .iter()
                .map(|(outcome, n)| format!("{outcome} {n}"))
                .collect();
            parts.push(format!(
                "{} not in plan ({})",
                k.not_in_plan,
                why.join(", ")
            ));
        }
        let _ = writeln!(out, "  {kind:<13} {}", parts.join(", "));
    }
    if report.reconciled > 0 {
        let _ = writeln!(
            out,
            "  reconciled    {} found in the target instead of being sent again",
            report.reconciled
        );
    }
    if report.has_session {
        let _ = writeln!(
            out,
            "  requests      {} this session, {} in all; {:.1} s this session, {:.1} s in all",
            report.session_requests,
            report.total_requests,
            report.session_ms as f64 / 1000.0,
            report.total_ms as f64 / 1000.0
        );
    } else {
        let _ = writeln!(
            out,
            "  requests      {} in all; {:.1} s of applying in all",
            report.total_requests,
            report.total_ms as f64 / 1000.0
        );
    }
    if !report.failures.is_empty() {
        let _ = writeln!(out, "not done:");
        for f in &report.failures {
            let _ = writeln!(out, "  {} {}: {}", f.status, f.id, f.reason);
        }
    }
    out
}

//! A plan as a pull-request comment: headline counts, sides, summary table, mapping report,
//! warnings, what is not done, then the steps in a collapsed section per kind. Always fits in a
//! GitHub comment (65,535 characters): long lists are cut and each says what it left out.

use std::fmt::Write;

use crate::plan::Plan;
use crate::state::{plan_fingerprint, short_revision};

use super::budget::{self, Section};
use super::overview::{self, short_fingerprint, thousands};
use super::step_line;

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_535;

const BANNER: &str = "> [!NOTE]\n> This plan is too long for one comment: some lists below are cut, \
and each says how much. The plan file has everything.\n\n";

pub fn render(plan: &Plan) -> String {
    render_within(plan, COMMENT_LIMIT)
}

/// The comment, in at most `limit` bytes.
pub fn render_within(plan: &Plan, limit: usize) -> String {
    let mut top = String::new();
    header(&mut top, plan);
    let mut overview = String::new();
    summary(&mut overview, plan);
    readiness(&mut overview, plan);
    let mut sections = vec![Section {
        head: overview,
        ..Section::default()
    }];
    sections.extend(mapping_problems(plan));
    sections.extend(mapping_details(plan));
    sections.extend(warnings(plan));
    sections.extend(not_done(plan));
    sections.extend(steps(plan));
    budget::fit(&top, BANNER, &sections, limit)
}

fn header(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "### ghl-migrate plan `{}`", inline(&plan.name));
    let _ = writeln!(out);
    let last = match plan.is_undo() {
        true => "**undo**: removes what this migration wrote".to_string(),
        false => format!("readiness **{}%**", plan.mapping.overall_readiness_percent),
    };
    let _ = writeln!(
        out,
        "**{}** · **{}** · {last}",
        overview::steps_headline(plan),
        overview::not_done_headline(plan),
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| | api | location | name | fingerprint |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (label, s) in [("source", &plan.source), ("target", &plan.target)] {
        let _ = writeln!(
            out,
            "| {label} | {} | `{}` | {} | `{}` |",
            cell(&s.api),
            cell(&s.location),
            cell(&s.name),
            short_fingerprint(&s.fingerprint)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Format `{}` · revision `{}`",
        cell(&plan.format),
        short_revision(&plan_fingerprint(plan))
    );
    let _ = writeln!(out);
}

fn summary(out: &mut String, plan: &Plan) {
    let columns = overview::summary_columns(plan);
    let _ = writeln!(out, "#### Summary");
    let _ = writeln!(out);
    let mut head = String::from("| kind |");
    let mut rule = String::from("|---|");
    for c in &columns {
        let _ = write!(head, " {} |", cell(c));
        rule.push_str("--:|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for (label, counts) in overview::summary_rows(plan) {
        let mut row = format!("| {label} |");
        for c in &columns {
            let value = counts.get(*c).map_or(String::new(), |n| n.to_string());
            let _ = write!(row, " {value} |");
        }
        let _ = writeln!(out, "{row}");
    }
    let _ = writeln!(out);
}

fn readiness(out: &mut String, plan: &Plan) {
    if plan.is_undo() {
        return;
    }
    let m = &plan.mapping;
    let _ = writeln!(out, "#### Mapping");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Readiness **{}%** · fields mapped **{}** · pipelines mapped **{}** · stages mapped **{}**",
        m.overall_readiness_percent, m.fields_mapped, m.pipelines_mapped, m.stages_mapped
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Readiness: {}.",
        inline(&crate::plan::readiness::explain(m))
    );
    let _ = writeln!(out);
}

fn mapping_problems(plan: &Plan) -> Option<Section> {
    let problems = overview::mapping_problems(plan);
    let items: Vec<String> = problems
        .iter()
        .map(|(kind, e)| format!("- {kind} **{}**: {}\n", inline(&e.source), inline(&e.by)))
        .collect();
    non_empty(Section {
        head: "Not mapped:\n\n".into(),
        items,
        close: String::new(),
        noun: "unmapped definitions".into(),
        tail: "\n".into(),
    })
}

fn mapping_details(plan: &Plan) -> Option<Section> {
    let entries = overview::mapping_entries(plan);
    let items: Vec<String> = entries
        .iter()
        .map(|(kind, e)| {
            format!(
                "| {kind} | {} | {} | {} |\n",
                cell(&e.source),
                cell(e.target.as_deref().unwrap_or("")),
                cell(&e.by)
            )
        })
        .collect();
    non_empty(Section {
        head: format!(
            "<details><summary>Mapping details ({} definitions)</summary>\n\n\
             | kind | source | target | by |\n|---|---|---|---|\n",
            thousands(entries.len())
        ),
        items,
        close: "\n".into(),
        noun: "mapping entries".into(),
        tail: "</details>\n\n".into(),
    })
}

fn warnings(plan: &Plan) -> Option<Section> {
    non_empty(Section {
        head: format!("#### Warnings ({})\n\n", thousands(plan.warnings.len())),
        items: plan
            .warnings
            .iter()
            .map(|w| format!("- {}\n", inline(w)))
            .collect(),
        close: String::new(),
        noun: "warnings".into(),
        tail: "\n".into(),
    })
}

fn not_done(plan: &Plan) -> Vec<Section> {
    let groups = overview::not_done_groups(plan);
    let mut sections = Vec::new();
    for (i, (outcome, items)) in groups.iter().enumerate() {
        let mut head = String::new();
        if i == 0 {
            let _ = write!(
                head,
                "#### Not done ({})\n\n",
                thousands(plan.not_done.len())
            );
        }
        let _ = write!(
            head,
            "**{}** ({})\n\n",
            inline(outcome),
            thousands(items.len())
        );
        sections.push(Section {
            head,
            items: items
                .iter()
                .map(|n| format!("- `{}`: {}\n", code(&n.id), inline(&n.reason)))
                .collect(),
            close: String::new(),
            noun: format!("{} entries", inline(outcome)),
            tail: "\n".into(),
        });
    }
    sections
}

fn steps(plan: &Plan) -> Vec<Section> {
    let mut sections = Vec::new();
    let width = step_line::id_width(&plan.steps);
    for kind in overview::STEP_KINDS {
        let steps = overview::steps_of(plan, kind);
        if steps.is_empty() {
            continue;
        }
        let items: Vec<String> = steps
            .iter()
            .map(|s| format!("{}\n", step_line::line(s, width)))
            .collect();
        let fence = fence_for(&items);
        let head = if sections.is_empty() {
            format!("#### Steps ({})\n\n", thousands(plan.steps.len()))
        } else {
            String::new()
        };
        sections.push(Section {
            head: format!(
                "{head}<details><summary>{} ({})</summary>\n\n{fence}diff\n",
                overview::noun(kind, 2),
                thousands(steps.len())
            ),
            items,
            close: format!("{fence}\n"),
            noun: format!("{} steps", kind.replace('_', " ")),
            tail: "\n</details>\n\n".into(),
        });
    }
    sections
}

fn non_empty(section: Section) -> Option<Section> {
    (!section.items.is_empty()).then_some(section)
}

/// A code fence longer than any run of backticks in the items.
fn fence_for(items: &[String]) -> String {
    let longest = items
        .iter()
        .flat_map(|i| i.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

/// Text for a list item or paragraph: one line, no raw HTML.
fn inline(text: &str) -> String {
    super::visible::one_line(&text.replace(['\n', '\r'], " "))
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for a table cell.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

/// Text inside a code span.
fn code(text: &str) -> String {
    super::visible::one_line(&text.replace(['\n', '\r', '`'], " "))
}

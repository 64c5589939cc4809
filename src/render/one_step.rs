//! One step of a plan in full (`show PLAN --step ID`): its one-line description, then the step
//! exactly as the plan file holds it (YAML for text and markdown, JSON for machines); or the
//! not-done entry of that id and why.

use super::visible::one_line;
use serde_json::json;

use super::Format;
use super::step_line;
use crate::plan::{NotDone, Plan, Step};

/// The step or not-done entry with id `id`, rendered; `None` when the plan has neither.
pub fn render(plan: &Plan, id: &str, format: Format) -> Option<String> {
    if let Some(step) = plan.steps.iter().find(|s| s.id == id) {
        return Some(step_text(step, format));
    }
    let n = plan.not_done.iter().find(|n| n.id == id)?;
    Some(not_done_text(n, format))
}

fn step_text(step: &Step, format: Format) -> String {
    let line = step_line::line(step, 0);
    let yaml = serde_yaml::to_string(step).expect("a step is plain data and always serialises");
    match format {
        Format::Text => format!("{line}\n\n{yaml}"),
        Format::Markdown => format!("`{}`\n\n```yaml\n{yaml}```\n", line.replace('`', "'")),
        Format::Json => {
            let value = json!({"step": step, "summary": line});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
    }
}

fn not_done_text(n: &NotDone, format: Format) -> String {
    match format {
        Format::Text => format!(
            "{}  not done ({}): {}\n",
            one_line(&n.id),
            n.outcome,
            one_line(&n.reason)
        ),
        Format::Markdown => format!(
            "`{}` not done (**{}**): {}\n",
            one_line(&n.id).replace('`', "'"),
            n.outcome,
            one_line(&n.reason)
        ),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({"not_done": n})).unwrap_or_default()
        ),
    }
}

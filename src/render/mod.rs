//! Rendering plans for people and machines: a terminal (text), a pull-request comment
//! (markdown, always within GitHub's comment limit) and JSON; and plan diffs as text.
//! Pure functions from plan to string; only the CLI prints them.

mod budget;
pub mod json;
pub mod markdown;
pub mod one_step;
mod overview;
pub mod plan_diff;
mod step_line;
pub mod text;
mod undo_line;
pub mod visible;

use crate::plan::Plan;

/// How to render a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For a terminal: summary first, then one line per step.
    #[default]
    Text,
    /// For a pull-request comment (fits GitHub's 65,535-character limit).
    Markdown,
    /// The plan itself as JSON, for machines.
    Json,
}

/// The plan rendered in `format`.
pub fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Text => text::render(plan),
        Format::Markdown => markdown::render(plan),
        Format::Json => json::render(plan),
    }
}

#[cfg(test)]
mod tests;

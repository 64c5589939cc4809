//! Plan files: deterministic YAML out; on the way in, parse with file/line/column errors, then
//! validate that the plan can be executed as written (format, unique ids, dependency order,
//! references), so a hand-edited plan fails here, by step id, and never half-way through apply.

mod chunks;
mod emit;
mod flow;
mod validate;

use std::path::Path;

use crate::error::{Error, Result};
use crate::plan::{FORMAT, Plan, fingerprint};

pub use validate::validate;

/// The comment every plan file starts with (no timestamp: equal plans are byte-identical).
pub const HEADER: &str = "# ghl-migrate plan: review it, then run: ghl-migrate apply <path>\n";

/// The plan as the YAML document `plan` writes: the header comment, then the plan in the
/// field order of its types, one compact entry per object (see [`emit`]). Equal plans give
/// byte-identical text, and [`parse`] reads it back as the same plan.
pub fn to_yaml(plan: &Plan) -> String {
    to_pieces(plan).concat()
}

/// [`to_yaml`] as consecutive pieces of text, so that a large plan is written to its file
/// without ever being one string: everything but the steps as one value, the steps written
/// on the machine's cores in chunks of text.
fn to_pieces(plan: &Plan) -> Vec<String> {
    let head = Plan {
        format: plan.format.clone(),
        name: plan.name.clone(),
        source: plan.source.clone(),
        target: plan.target.clone(),
        summary: plan.summary.clone(),
        mapping: plan.mapping.clone(),
        warnings: plan.warnings.clone(),
        steps: Vec::new(),
        not_done: plan.not_done.clone(),
    };
    let steps = crate::parallel::map_chunks(&plan.steps, 1_000, |part| {
        let mut text = String::new();
        for step in part {
            if !flow::step_block(&mut text, step) {
                emit::step_block(&mut text, &to_value(step));
            }
        }
        text
    });
    let mut pieces = vec![HEADER.to_string()];
    pieces.extend(emit::document(&to_value(&head), steps));
    pieces
}

fn to_value(data: &impl serde::Serialize) -> serde_yaml::Value {
    serde_yaml::to_value(data).expect("a plan is plain data and always serialises")
}

/// Writes a plan file (whole or not at all), creating its parent folders.
pub fn write(path: &Path, plan: &Plan) -> Result<()> {
    crate::atomic_file::write_pieces(path, &to_pieces(plan))
}

/// Reads, parses and validates a plan file.
pub fn read(path: &Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Parses and validates plan text; `path` is only used to name the file in errors.
///
/// Errors: YAML that does not parse or does not fit the plan schema gives `file:line:column`
/// (naming the step when the problem is inside one); a plan of another format, an unknown key
/// or a plan that cannot be executed as written (see [`validate`]) gives `plan <file>: ...`.
pub fn parse(path: &Path, text: &str) -> Result<Plan> {
    // The common case, a valid plan, is parsed once: in parts on all cores when its layout
    // allows (see [`chunks`]), else as one document; the raw document is only built to explain
    // a failure (the format found, the id of the step at fault).
    // The parts' layout leaves no room for an alias; the whole document is checked first.
    let whole = || {
        crate::yaml_guard::check(path, text, crate::yaml_guard::DOCUMENT)?;
        Ok(serde_yaml::from_str(text))
    };
    let parsed = match chunks::parse(text) {
        Some(plan) => Ok(plan),
        None => whole()?,
    };
    let plan: Plan = match parsed {
        Ok(plan) => plan,
        Err(err) => {
            let raw: serde_yaml::Value =
                serde_yaml::from_str(text).map_err(|e| Error::yaml(path, &e))?;
            check_format(&raw).map_err(|message| plan_error(path, message))?;
            return Err(schema_error(path, &err, &raw));
        }
    };
    if plan.format != FORMAT {
        let raw = serde_yaml::Value::Mapping(
            [("format".into(), plan.format.clone().into())]
                .into_iter()
                .collect(),
        );
        check_format(&raw).map_err(|message| plan_error(path, message))?;
    }
    validate(&plan).map_err(|problems| plan_error(path, join(problems)))?;
    if !has_not_done(text) {
        return Err(plan_error(
            path,
            "the plan ends before its `not_done:` list (always written, even empty): the file \
             was cut short; re-run plan"
                .into(),
        ));
    }
    Ok(plan)
}

/// Whether the document has its last key, `not_done` (at the start of a line).
fn has_not_done(text: &str) -> bool {
    text.starts_with("not_done:") || text.contains("\nnot_done:")
}

/// The fingerprint of what apply executes: the steps, in order, with their full payloads.
pub fn plan_fingerprint(plan: &Plan) -> String {
    fingerprint::of(&plan.steps)
}

/// Before reading it as a plan, make sure the document says it is one, of the format we know.
fn check_format(raw: &serde_yaml::Value) -> std::result::Result<(), String> {
    let expected = format!("expected `format: {FORMAT}`");
    let Some(map) = raw.as_mapping() else {
        return Err(format!(
            "not a plan: the document is {}, {expected} at the top",
            describe(raw)
        ));
    };
    match map.get("format") {
        None => Err(format!("not a plan: no `format` key ({expected})")),
        Some(serde_yaml::Value::String(found)) if found == FORMAT => Ok(()),
        Some(serde_yaml::Value::String(found)) => Err(format!(
            "unsupported plan format `{found}` ({expected}); re-run plan with this version of ghl-migrate"
        )),
        Some(other) => Err(format!(
            "not a plan: `format` is {}, {expected}",
            describe(other)
        )),
    }
}

fn describe(value: &serde_yaml::Value) -> &'static str {
    use serde_yaml::Value;
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A schema error with its location; when it is inside a step (serde names it `steps[N]`),
/// the message also names the step by id, which is what a person searches the file for.
fn schema_error(path: &Path, err: &serde_yaml::Error, raw: &serde_yaml::Value) -> Error {
    let mut error = Error::yaml(path, err);
    let message = match &mut error {
        Error::Syntax { message, .. } | Error::Invalid { message, .. } => message,
        _ => return error,
    };
    if let Some((index, id)) = step_index(message).and_then(|i| Some((i, step_id(raw, i)?))) {
        // `steps[N]: ...` says no more than the step id does.
        let bare = format!("steps[{index}]: ");
        let rest = message.strip_prefix(&bare).unwrap_or(message);
        *message = format!("step {id}: {rest}");
    }
    error
}

/// `N` from a serde path such as `steps[N].create_contact: ...`.
fn step_index(message: &str) -> Option<usize> {
    let rest = message.strip_prefix("steps[")?;
    rest[..rest.find(']')?].parse().ok()
}

fn step_id(raw: &serde_yaml::Value, index: usize) -> Option<&str> {
    raw.get("steps")?.get(index)?.get("id")?.as_str()
}

fn plan_error(path: &Path, message: String) -> Error {
    Error::Plan {
        path: path.to_path_buf(),
        message,
    }
}

/// At most this many problems are listed; the rest are counted.
const MAX_LISTED: usize = 20;

fn join(problems: Vec<String>) -> String {
    if problems.len() == 1 {
        return problems.into_iter().next().unwrap_or_default();
    }
    let mut out = format!("{} problems:", problems.len());
    for p in problems.iter().take(MAX_LISTED) {
        out.push_str("\n  - ");
        out.push_str(p);
    }
    if problems.len() > MAX_LISTED {
        out.push_str(&format!("\n  ... and {} more", problems.len() - MAX_LISTED));
    }
    out
}

/// The hand-written sample plan the tests share (also a check that hand-written plans parse).
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    pub const TEXT: &str = include_str!("../../tests/plan_file_sample.plan.yaml");

    pub fn plan() -> Plan {
        parse(Path::new("sample.plan.yaml"), TEXT).expect("the sample plan is valid")
    }
}

#[cfg(test)]
mod tests;

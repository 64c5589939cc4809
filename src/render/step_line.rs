//! One compact line per step, the way a reviewer scans thousands of them:
//! `+ contact/jane@acme.test  create (email)`, `~ contact/bob@x  merge into Kq3…: phone, tags +vip`.

use crate::plan::{Action, ContactUpdate, Step, ValueWrite};

/// Ids longer than this are not padded to: one long id must not push every line right.
const MAX_ID_WIDTH: usize = 48;

/// The column width for the ids of these steps.
pub fn id_width<'a>(steps: impl IntoIterator<Item = &'a Step>) -> usize {
    steps
        .into_iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_ID_WIDTH)
}

/// `<sign> <id padded to width>  <what it does>`.
pub fn line(step: &Step, width: usize) -> String {
    format!(
        "{} {:<width$}  {}",
        sign(&step.action),
        step.id,
        describe(&step.action)
    )
}

/// `+` for what is created, `~` for what is changed in place.
pub fn sign(action: &Action) -> char {
    match action {
        Action::CreateField(_)
        | Action::CreateContact(_)
        | Action::CreateOpportunity(_)
        | Action::CreatePipeline(_)
        | Action::AddStage(_) => '+',
        Action::MergeContact(_) | Action::OverwriteContact(_) => '~',
    }
}

/// What the step does, in a few words.
pub fn describe(action: &Action) -> String {
    match action {
        Action::CreateField(f) => {
            let data_type = serde_json::to_value(&f.data_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let mut out = format!("create {}: {data_type}", f.name);
            if !f.options.is_empty() {
                out.push_str(&format!(" [{}]", f.options.join(", ")));
            }
            if let Some(model) = f.model.as_deref().filter(|m| *m != "contact") {
                out.push_str(&format!(" ({model})"));
            }
            out
        }
        Action::CreateContact(c) => {
            let mut parts = Vec::new();
            if !c.tags.is_empty() {
                parts.push(tags(&c.tags));
            }
            if !c.custom_fields.is_empty() {
                parts.push(values(&c.custom_fields));
            }
            let mut out = format!("create ({})", c.identity);
            if !parts.is_empty() {
                out.push_str(": ");
                out.push_str(&parts.join(", "));
            }
            out
        }
        Action::MergeContact(u) => update("merge into", u),
        Action::OverwriteContact(u) => update("overwrite", u),
        Action::CreateOpportunity(o) => {
            let mut out = format!("create {} ({})", o.stage, status(o));
            if let Some(value) = o.monetary_value {
                out.push_str(&format!(" {value}"));
            }
            out
        }
        Action::CreatePipeline(p) => {
            let stages: Vec<String> = p
                .stages
                .iter()
                .map(|s| format!("{} {}%", s.name, s.win_probability))
                .collect();
            format!("create {}: {}", p.name, stages.join(", "))
        }
        Action::AddStage(a) if a.in_new_pipeline => {
            format!(
                "take {} / {} (created with its pipeline)",
                a.pipeline_name, a.name
            )
        }
        Action::AddStage(a) => format!(
            "add {} / {} {}%, {}; keeps its {} stages",
            a.pipeline_name,
            a.name,
            a.win_probability,
            match &a.after {
                Some(after) => format!("after {after}"),
                None => "first".into(),
            },
            a.stages_before.len()
        ),
    }
}

fn status(o: &crate::plan::OpportunityCreate) -> String {
    serde_json::to_value(o.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `merge into <id>: phone, email, tags +vip`: what the update sends, by field name.
fn update(verb: &str, u: &ContactUpdate) -> String {
    let mut parts: Vec<String> = u.fields.keys().cloned().collect();
    if !u.custom_fields.is_empty() {
        parts.push(values(&u.custom_fields));
    }
    if !u.add_tags.is_empty() {
        parts.push(tags(&u.add_tags));
    }
    if parts.is_empty() {
        parts.push("nothing to change".into());
    }
    format!("{verb} {}: {}", u.into, parts.join(", "))
}

fn tags(tags: &[String]) -> String {
    let added: Vec<String> = tags.iter().map(|t| format!("+{t}")).collect();
    format!("tags {}", added.join(" "))
}

fn values(values: &[ValueWrite]) -> String {
    match values.len() {
        1 => "1 custom value".into(),
        n => format!("{n} custom values"),
    }
}

//! One compact line per step, the way a reviewer scans thousands of them:
//! `+ contact/jane@acme.test  create (email)`,
//! `~ contact/bob@x  merge into Bob Li <bob@x> (Kq3…): phone, Lead Score, tags +vip`.

use super::visible;
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
        visible::one_line(&step.id),
        describe(&step.action)
    )
}

/// `+` for what is created, `~` for what is changed in place.
pub fn sign(action: &Action) -> char {
    match action {
        Action::MergeContact(_) | Action::OverwriteContact(_) | Action::RestoreContact(_) => '~',
        Action::Delete(_) => '-',
        _ => '+',
    }
}

/// What the step does, in a few words, on one line whatever the names hold.
pub fn describe(action: &Action) -> String {
    visible::one_line(&describe_raw(action))
}

fn describe_raw(action: &Action) -> String {
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
            if let Some(email) = &c.assigned_to_email {
                parts.push(format!("owner {email}"));
            }
            let mut out = format!("create ({})", c.identity);
            if !parts.is_empty() {
                out.push_str(": ");
                out.push_str(&parts.join(", "));
            }
            out
        }
        Action::Delete(d) => format!("delete {} {} ({})", d.what.kind(), d.name, d.what.id()),
        Action::RestoreContact(r) => super::undo_line::restore(r),
        Action::MergeContact(u) => update("merge into", u),
        Action::OverwriteContact(u) => update("overwrite", u),
        Action::CreateOpportunity(o) => {
            let mut out = format!("create {} ({})", o.stage, status(o));
            if let Some(value) = o.monetary_value {
                out.push_str(&format!(" {value}"));
            }
            if !o.contact_name.is_empty() {
                out.push_str(&format!(" for {}", o.contact_name));
            }
            if let Some(email) = &o.assigned_to_email {
                out.push_str(&format!(", owner {email}"));
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
        Action::CreateNote(n) => {
            let text = crate::plan::history::original_text(&n.body);
            format!("add note: {}", preview(text))
        }
        Action::CreateTask(t) => {
            let due = t.due_date.get(..10).unwrap_or(&t.due_date);
            let mut out = format!("add task: {} (due {due}", preview(&t.title));
            if t.completed {
                out.push_str(", completed");
            }
            if t.assigned_to.is_some() {
                out.push_str(", assigned");
            }
            out.push(')');
            out
        }
    }
}

/// Characters of a note or task text shown on its line.
const PREVIEW_CHARS: usize = 40;

/// The start of a text on one line, quoted: `"Called about the renewal…" (812 chars)`.
fn preview(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = flat.chars().count();
    if n <= PREVIEW_CHARS {
        return format!("{flat:?}");
    }
    let head: String = flat.chars().take(PREVIEW_CHARS).collect();
    format!("{:?} ({n} chars)", format!("{}…", head.trim_end()))
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
    if let Some(email) = &u.assigned_to_email {
        parts.push(format!("owner {email}"));
    }
    let into = match u.into_contact.is_empty() {
        true => u.into.clone(),
        false => format!("{} ({})", u.into_contact, u.into),
    };
    format!("{verb} {into}: {}", parts.join(", "))
}

fn tags(tags: &[String]) -> String {
    let added: Vec<String> = tags.iter().map(|t| format!("+{t}")).collect();
    format!("tags {}", added.join(" "))
}

/// The custom values by field name, the first few of them: `Lead Score, Region +2`.
fn values(values: &[ValueWrite]) -> String {
    const SHOWN: usize = 3;
    let named: Vec<&str> = values
        .iter()
        .map(|v| match v.name.is_empty() {
            true => v.field.as_str(),
            false => v.name.as_str(),
        })
        .collect();
    let mut out = named[..named.len().min(SHOWN)].join(", ");
    if named.len() > SHOWN {
        out.push_str(&format!(" +{}", named.len() - SHOWN));
    }
    out
}

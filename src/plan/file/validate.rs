//! What makes a parsed plan executable as written: its name, unique step ids of the form
//! `<kind>/<key>`, `after` lists that only name earlier steps, and payload references that name
//! an earlier step of the right kind, which the step also lists in its `after`.
//!
//! References are not added to `after` implicitly: the plan file is exactly what apply runs
//! and what the reviewer read, so a reference missing from `after` is reported instead.

use std::collections::{HashMap, HashSet};

use crate::model::DataType;
use crate::plan::{Action, NoteCreate, Plan, Step, TaskCreate, ValueWrite, is_step_ref};

/// `Ok` for a plan apply can run as written; otherwise every problem, each naming its step.
/// `read` and `parse` call this; the planner's tests can call it on what it builds.
pub fn validate(plan: &Plan) -> Result<(), Vec<String>> {
    let mut problems = header_problems(plan);
    problems.extend(count_problems(plan));
    problems.extend(written_twice(plan));
    let mut earlier: HashMap<&str, (usize, &Step)> = HashMap::new();
    let all: HashSet<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    for (index, step) in plan.steps.iter().enumerate() {
        let mut report = |message: String| problems.push(format!("step {}: {message}", step.id));
        if let Some((first, _)) = earlier.get(step.id.as_str()) {
            report(format!(
                "the id is used twice (steps[{first}] and steps[{index}]); step ids must be unique"
            ));
            continue;
        }
        id_problems(step).into_iter().for_each(&mut report);
        payload_problems(&step.action)
            .into_iter()
            .for_each(&mut report);
        let lookup = Lookup {
            step,
            earlier: &earlier,
            all: &all,
        };
        lookup.after_problems().into_iter().for_each(&mut report);
        lookup.ref_problems().into_iter().for_each(&mut report);
        earlier.insert(step.id.as_str(), (index, step));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A plan writes each source object once, and creates each contact key once: a step copied
/// under another id (by hand, or a bad merge of two revisions) would create it twice.
fn written_twice(plan: &Plan) -> Vec<String> {
    let mut seen: HashMap<(&str, String), &str> = HashMap::new();
    let mut problems = vec![];
    for step in &plan.steps {
        for (what, key) in written(&step.action) {
            match seen.get(&(what, key.clone())) {
                Some(first) => problems.push(format!(
                    "step {}: writes {what} {key} again (step {first} does): a plan writes each \
                     source object once; re-run plan",
                    step.id
                )),
                None => {
                    seen.insert((what, key), step.id.as_str());
                }
            }
        }
    }
    problems
}

/// What `action` writes that must be written once: the source object, and for a contact it
/// creates, its email or phone.
fn written(action: &Action) -> Vec<(&'static str, String)> {
    let source = |what, id: &str| (!id.is_empty()).then(|| (what, id.to_string()));
    match action {
        Action::CreateContact(c) => {
            let key = ["email", "phone"]
                .iter()
                .find_map(|k| c.fields.get(*k).filter(|v| !v.trim().is_empty()))
                .map(|v| ("the contact key", v.trim().to_lowercase()));
            source("source contact", &c.source_id)
                .into_iter()
                .chain(key)
                .collect()
        }
        Action::MergeContact(u) | Action::OverwriteContact(u) => {
            source("source contact", &u.source_id).into_iter().collect()
        }
        Action::CreateOpportunity(o) => source("source opportunity", &o.source_id)
            .into_iter()
            .collect(),
        Action::CreateNote(n) => source("source note", &n.source_id).into_iter().collect(),
        Action::CreateTask(t) => source("source task", &t.source_id).into_iter().collect(),
        _ => vec![],
    }
}

/// The summary announces how many steps of each action the plan holds; a file that holds
/// another number was cut short (a killed write, a bad copy) or edited, and must not run.
fn count_problems(plan: &Plan) -> Vec<String> {
    let s = &plan.summary;
    let announced =
        |counts: &crate::plan::Counts, outcome: &str| counts.get(outcome).copied().unwrap_or(0);
    let expected = [
        ("create_field", announced(&s.custom_fields, "create")),
        ("create_contact", announced(&s.contacts, "create")),
        ("merge_contact", announced(&s.contacts, "merge")),
        ("overwrite_contact", announced(&s.contacts, "overwrite")),
        ("create_opportunity", announced(&s.opportunities, "create")),
        ("create_note", announced(&s.notes, "create")),
        ("create_task", announced(&s.tasks, "create")),
    ];
    expected
        .into_iter()
        .filter_map(|(action, want)| {
            let have = plan
                .steps
                .iter()
                .filter(|st| st.action.name() == action)
                .count() as u64;
            (have != want).then(|| {
                format!(
                    "the summary announces {want} {action} step(s) but the file holds {have}: \
                     the plan was cut short or edited; re-run plan"
                )
            })
        })
        .collect()
}

fn header_problems(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let name_ok = !plan.name.trim().is_empty()
        && plan
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        problems.push(format!(
            "name {:?} must be non-empty and use only letters, digits, '-', '_' and '.' (it names files)",
            plan.name
        ));
    }
    for (side, s) in [("source", &plan.source), ("target", &plan.target)] {
        if s.location.trim().is_empty() {
            problems.push(format!("{side}: location is empty"));
        }
    }
    for (what, value) in [
        ("summary.readiness_percent", plan.summary.readiness_percent),
        (
            "mapping.overall_readiness_percent",
            plan.mapping.overall_readiness_percent,
        ),
    ] {
        if !(0.0..=100.0).contains(&value) {
            problems.push(format!("{what} is {value}, not a percentage"));
        }
    }
    problems
}

/// A step id is `<kind>/<key>`: the `/` is what makes references to it step references.
fn id_problems(step: &Step) -> Vec<String> {
    let kind = step.action.kind();
    match step.id.split_once('/') {
        Some((prefix, key)) if prefix == kind && !key.trim().is_empty() => vec![],
        _ => vec![format!(
            "the id must be `{kind}/<key>` for a {} step",
            step.action.name()
        )],
    }
}

fn payload_problems(action: &Action) -> Vec<String> {
    let mut problems = Vec::new();
    let mut require = |what: &str, value: &str| {
        if value.trim().is_empty() {
            problems.push(format!("{}: `{what}` is empty", action.name()));
        }
    };
    match action {
        Action::CreateField(f) => {
            require("name", &f.name);
            if f.data_type == DataType::Unknown {
                problems.push("create_field: `dataType` is not a type GoHighLevel knows".into());
            }
            if let Some(model) = f.model.as_deref().filter(|m| !is_model(m)) {
                problems.push(format!(
                    "create_field: `model` is `{model}`, expected `contact` or `opportunity`"
                ));
            }
        }
        Action::CreateContact(c) => {
            require("source_id", &c.source_id);
            match c.identity.as_str() {
                "email" | "phone" => {
                    let key = c.identity.as_str();
                    if c.fields.get(key).is_none_or(|v| v.trim().is_empty()) {
                        problems.push(format!(
                            "create_contact: identity is `{key}` but `fields.{key}` is missing"
                        ));
                    }
                }
                "source_id" => {}
                other => problems.push(format!(
                    "create_contact: identity `{other}` is not one of email, phone, source_id"
                )),
            }
        }
        Action::MergeContact(u) | Action::OverwriteContact(u) => {
            require("into", &u.into);
            require("source_id", &u.source_id);
            if !matches!(u.matched_by.as_str(), "email" | "phone" | "source_id") {
                problems.push(format!(
                    "{}: matched_by `{}` is not one of email, phone, source_id",
                    action.name(),
                    u.matched_by
                ));
            }
        }
        Action::CreateOpportunity(o) => {
            require("name", &o.name);
            require("contact", &o.contact);
            require("pipeline_id", &o.pipeline_id);
            require("pipeline_stage_id", &o.pipeline_stage_id);
            require("source_id", &o.source_id);
            if let Some(v) = o.monetary_value.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                problems.push(format!(
                    "create_opportunity: monetary_value {v} is not an amount"
                ));
            }
        }
        Action::CreatePipeline(p) => {
            require("name", &p.name);
            require("source_id", &p.source_id);
            if p.stages.is_empty() {
                problems.push("create_pipeline: a pipeline needs at least one stage".into());
            }
            for (i, s) in p.stages.iter().enumerate() {
                if s.name.trim().is_empty() {
                    problems.push(format!("create_pipeline: `stages[{i}].name` is empty"));
                }
                problems.extend(probability_problem(
                    &format!("create_pipeline: `stages[{i}].win_probability`"),
                    s.win_probability,
                ));
            }
            let mut names: Vec<String> = p
                .stages
                .iter()
                .map(|s| s.name.trim().to_lowercase())
                .collect();
            names.sort();
            if names.windows(2).any(|w| w[0] == w[1]) {
                problems.push("create_pipeline: two stages have the same name".into());
            }
        }
        Action::AddStage(a) => {
            require("pipeline", &a.pipeline);
            require("pipeline_name", &a.pipeline_name);
            require("name", &a.name);
            problems.extend(probability_problem(
                "add_stage: `win_probability`",
                a.win_probability,
            ));
            if !a.in_new_pipeline && a.stages_before.is_empty() {
                problems.push(
                    "add_stage: `stages_before` is empty for an existing pipeline (a pipeline \
                     always has a stage)"
                        .into(),
                );
            }
        }
        Action::CreateNote(n) => {
            require("contact", &n.contact);
            require("body", &n.body);
            require("source_id", &n.source_id);
        }
        Action::CreateTask(t) => {
            require("contact", &t.contact);
            require("title", &t.title);
            require("due_date", &t.due_date);
            require("source_id", &t.source_id);
        }
        Action::Delete(d) => {
            require("id", d.what.id());
            require("source_key", &d.source_key);
            if let crate::ghl::Doomed::Note { contact_id, .. }
            | crate::ghl::Doomed::Task { contact_id, .. } = &d.what
            {
                require("contact_id", contact_id);
            }
            if crate::plan::is_step_ref(d.what.id()) {
                problems.push(format!(
                    "{}: `id` must be a target id, not a step",
                    action.name()
                ));
            }
        }
        Action::RestoreContact(r) => {
            require("id", &r.id);
            require("source_key", &r.source_key);
            if r.remove_tags.is_empty() && r.values.is_empty() {
                problems.push("restore_contact: nothing to restore".into());
            }
        }
    }
    problems
}

/// A win probability must be a percentage.
fn probability_problem(what: &str, p: f64) -> Option<String> {
    (!(0.0..=100.0).contains(&p)).then(|| format!("{what} {p} is not between 0 and 100"))
}

fn is_model(model: &str) -> bool {
    matches!(model, "contact" | "opportunity")
}

/// What a reference in a payload must point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wants {
    /// A custom field of this model (`contact` or `opportunity`).
    Field(&'static str),
    Contact,
    Pipeline,
    Stage,
}

/// One reference of a payload, with the name of the place it sits in.
#[derive(Debug)]
struct Ref<'a> {
    role: String,
    value: &'a str,
    wants: Wants,
}

fn field_refs<'a>(values: &'a [ValueWrite], model: &'static str) -> Vec<Ref<'a>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Ref {
            role: format!("custom_fields[{i}].field"),
            value: v.field.as_str(),
            wants: Wants::Field(model),
        })
        .collect()
}

/// Every reference of an action, by role; the same set as [`Action::refs`].
fn refs(action: &Action) -> Vec<Ref<'_>> {
    match action {
        Action::CreateField(_)
        | Action::CreatePipeline(_)
        | Action::Delete(_)
        | Action::RestoreContact(_) => vec![],
        Action::AddStage(a) => vec![Ref {
            role: "pipeline".into(),
            value: a.pipeline.as_str(),
            wants: Wants::Pipeline,
        }],
        Action::CreateContact(c) => field_refs(&c.custom_fields, "contact"),
        Action::MergeContact(u) | Action::OverwriteContact(u) => {
            let mut all = vec![Ref {
                role: "into".into(),
                value: u.into.as_str(),
                wants: Wants::Contact,
            }];
            all.extend(field_refs(&u.custom_fields, "contact"));
            all
        }
        Action::CreateOpportunity(o) => {
            let mut all = vec![
                Ref {
                    role: "contact".into(),
                    value: o.contact.as_str(),
                    wants: Wants::Contact,
                },
                Ref {
                    role: "pipeline_id".into(),
                    value: o.pipeline_id.as_str(),
                    wants: Wants::Pipeline,
                },
                Ref {
                    role: "pipeline_stage_id".into(),
                    value: o.pipeline_stage_id.as_str(),
                    wants: Wants::Stage,
                },
            ];
            all.extend(field_refs(&o.custom_fields, "opportunity"));
            all
        }
        Action::CreateNote(NoteCreate { contact, .. })
        | Action::CreateTask(TaskCreate { contact, .. }) => vec![Ref {
            role: "contact".into(),
            value: contact.as_str(),
            wants: Wants::Contact,
        }],
    }
}

/// Resolves a step's references against the steps before it (and, for messages, after it).
struct Lookup<'p, 'm> {
    step: &'p Step,
    earlier: &'m HashMap<&'p str, (usize, &'p Step)>,
    all: &'m HashSet<&'p str>,
}

impl Lookup<'_, '_> {
    fn after_problems(&self) -> Vec<String> {
        self.step
            .after
            .iter()
            .filter_map(|dep| {
                self.missing(dep)
                    .map(|why| format!("`after` names {dep}, which {why}"))
            })
            .collect()
    }

    fn ref_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for r in refs(&self.step.action) {
            if !is_step_ref(r.value) {
                continue;
            }
            if let Some(why) = self.missing(r.value) {
                problems.push(format!("{} refers to {}, which {why}", r.role, r.value));
                continue;
            }
            if let Some(why) = self.wrong_kind(&r) {
                problems.push(format!("{} refers to {}, {why}", r.role, r.value));
            }
            if !self.step.after.iter().any(|a| a == r.value) {
                problems.push(format!(
                    "{} refers to {}, which is missing from its `after` list",
                    r.role, r.value
                ));
            }
        }
        problems
    }

    /// Why `id` cannot be waited for by this step, if it cannot.
    fn missing(&self, id: &str) -> Option<String> {
        if id == self.step.id {
            return Some("is this step itself".into());
        }
        if self.earlier.contains_key(id) {
            return None;
        }
        Some(if self.all.contains(id) {
            "comes later in the plan (a step must follow the steps it needs)".into()
        } else {
            "is not a step of this plan".into()
        })
    }

    fn wrong_kind(&self, r: &Ref<'_>) -> Option<String> {
        let (_, target) = self.earlier.get(r.value)?;
        match (r.wants, &target.action) {
            (Wants::Contact, a) if a.kind() == "contact" => None,
            (Wants::Contact, a) => Some(format!("a {} step, not a contact step", a.kind())),
            (Wants::Field(model), Action::CreateField(f)) => {
                let has = f.model.as_deref().unwrap_or("contact");
                (has != model).then(|| format!("a field of {has}s, not of {model}s"))
            }
            (Wants::Field(_), a) => Some(format!("a {} step, not a custom_field step", a.kind())),
            (Wants::Pipeline, a) if a.kind() == "pipeline" => None,
            (Wants::Pipeline, a) => Some(format!("a {} step, not a pipeline step", a.kind())),
            (Wants::Stage, a) if a.kind() == "stage" => None,
            (Wants::Stage, a) => Some(format!("a {} step, not a stage step", a.kind())),
        }
    }
}

#[cfg(test)]
pub(super) fn ref_values(action: &Action) -> Vec<&str> {
    refs(action).into_iter().map(|r| r.value).collect()
}

//! On resume, proof that the target is the location this run wrote to, before any write: what
//! the run created (its fields, its first contacts) must be there, read back with the values the
//! plan gave them; before it created anything, a contact the plan merges into; before even that,
//! the target must still be the one the plan was made for. The location read alone cannot always
//! tell: on V1, a location key may not read its own location (and a key of another location is
//! refused the same way), and a location restored from a backup or a sibling copy has the same id.

use std::sync::atomic::{AtomicU64, Ordering};

use super::reconcile::{self, Found};
use super::request;
use crate::error::{Error, Result};
use crate::ghl::{self, ApiError, ApiErrorKind, Ghl};
use crate::model::Contact;
use crate::plan::{self, Action, Plan};
use crate::state::{StepRecord, StepStatus};

/// A contact the target must hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness<'a> {
    pub contact_id: &'a str,
    pub why: &'static str,
}

/// At most this many contacts are read: one contact deleted by a person since must not stop
/// a resume, and a target that holds none of them is not the one the run wrote to.
const WITNESSES: usize = 3;

/// The contacts to look for: the first ones this run created, else the first the plan updates.
pub fn witnesses<'a>(plan: &'a Plan, records: &'a [StepRecord]) -> Vec<Witness<'a>> {
    let created: Vec<Witness> = created(records, "create_contact")
        .map(|(_, id)| Witness {
            contact_id: id,
            why: "this run created it",
        })
        .take(WITNESSES)
        .collect();
    if !created.is_empty() {
        return created;
    }
    merge_targets(plan).take(WITNESSES).collect()
}

/// The (step id, target id) of every step of `action` this run finished.
fn created<'a>(
    records: &'a [StepRecord],
    action: &'static str,
) -> impl Iterator<Item = (&'a str, &'a str)> {
    records
        .iter()
        .filter_map(move |r| match (&r.target_id, r.status) {
            (Some(id), StepStatus::Done) if r.action == action => {
                Some((r.id.as_str(), id.as_str()))
            }
            _ => None,
        })
}

fn merge_targets(plan: &Plan) -> impl Iterator<Item = Witness<'_>> {
    plan.steps.iter().filter_map(|s| match &s.action {
        Action::MergeContact(u) | Action::OverwriteContact(u) => Some(Witness {
            contact_id: u.into.as_str(),
            why: "the plan updates it",
        }),
        _ => None,
    })
}

/// Refuses to resume unless the target holds something this run wrote (or, before it wrote
/// anything, a contact the plan merges into; before even that, is still what the plan saw).
pub async fn check<G: Ghl>(
    target: &G,
    plan: &Plan,
    records: &[StepRecord],
    requests: &AtomicU64,
) -> Result<()> {
    let mut missing = Vec::new();
    let fields: Vec<(&str, &str)> = created(records, "create_field")
        .filter_map(|(step, id)| Some((id, field_name(plan, step)?)))
        .collect();
    if !fields.is_empty() {
        requests.fetch_add(1, Ordering::Relaxed);
        let live = target.custom_fields().await.map_err(api)?;
        for (id, name) in &fields {
            match live.iter().find(|f| f.id == *id) {
                Some(f) if f.name.trim().eq_ignore_ascii_case(name.trim()) => return Ok(()),
                Some(f) => missing.push(format!("field {id} ({name}): named {}", f.name)),
                None => missing.push(format!(
                    "field {id} ({name}, this run created it): not there"
                )),
            }
        }
    }
    let created_pipelines: Vec<(&str, &str)> = created(records, "create_pipeline")
        .filter_map(|(step, id)| Some((id, pipeline_name(plan, step)?)))
        .collect();
    let nothing_created = fields.is_empty()
        && created_pipelines.is_empty()
        && created(records, "create_contact").next().is_none();
    // Like a merge target, a pipeline the plan adds stages to proves the location only until
    // the run created something of its own (a sibling copy has the same ids).
    let pipelines: Vec<(&str, &str, &str)> = created_pipelines
        .into_iter()
        .map(|(id, name)| (id, name, "this run created it"))
        .chain(
            changed_pipelines(plan)
                .filter(|_| nothing_created)
                .map(|(id, name)| (id, name, "the plan adds stages to it")),
        )
        .collect();
    if !pipelines.is_empty() {
        requests.fetch_add(1, Ordering::Relaxed);
        let live = target.pipelines().await.map_err(api)?;
        for (id, name, why) in &pipelines {
            match live.iter().find(|p| p.id == *id) {
                Some(p) if p.name.trim().eq_ignore_ascii_case(name.trim()) => return Ok(()),
                Some(p) => missing.push(format!("pipeline {id} ({name}, {why}): named {}", p.name)),
                None => missing.push(format!("pipeline {id} ({name}, {why}): not there")),
            }
        }
    }
    let mut contacts = witnesses(plan, records);
    if !nothing_created && contacts.iter().all(|w| w.why != "this run created it") {
        // The run created fields and no contact yet: the merge targets prove nothing more.
        contacts.clear();
    }
    for w in &contacts {
        requests.fetch_add(1, Ordering::Relaxed);
        match target.get_contact(w.contact_id).await {
            Ok(Some(c)) if same_contact(plan, records, w.contact_id, &c) => return Ok(()),
            Ok(Some(_)) => missing.push(format!(
                "{} ({}): holds another email or phone",
                w.contact_id, w.why
            )),
            Ok(None) => missing.push(format!("{} ({}): not there", w.contact_id, w.why)),
            Err(e) if refused(&e) => {
                missing.push(format!("{} ({}): refused, {e}", w.contact_id, w.why))
            }
            Err(source) => return Err(api(source)),
        }
    }
    if missing.is_empty() {
        return unchanged_since_the_plan(target, plan, records, requests).await;
    }
    Err(Error::Other(format!(
        "the target does not look like the location this run wrote to: none of what was read \
         to check is there ({}); check that the token or API key is for location {} (if they \
         were deleted on purpose, make a new plan and start a new checkpoint)",
        missing.join("; "),
        plan.target.location
    )))
}

/// Nothing the run wrote is known and the plan merges into nothing: the target must still be
/// the one the plan was made for, as a fresh apply would check, or hold what the run sent
/// before it stopped (a step in doubt, found by its natural key).
async fn unchanged_since_the_plan<G: Ghl>(
    target: &G,
    plan: &Plan,
    records: &[StepRecord],
    requests: &AtomicU64,
) -> Result<()> {
    requests.fetch_add(6, Ordering::Relaxed);
    let live = ghl::snapshot(target).await.map_err(api)?;
    if plan::fingerprint::account(&live) == plan.target.fingerprint {
        return Ok(());
    }
    let in_doubt = records.iter().filter(|r| r.status == StepStatus::Sending);
    for step in in_doubt.filter_map(|r| plan.steps.iter().find(|s| s.id == r.id)) {
        let Ok(request) = request::build(&step.action, &Default::default()) else {
            continue;
        };
        requests.fetch_add(1, Ordering::Relaxed);
        let found = reconcile::lookup(target, &step.action, &request, &[]).await;
        if let Ok(Found::Exists(_)) = found {
            return Ok(());
        }
    }
    Err(Error::Other(format!(
        "the target does not look like the location this run wrote to: nothing this run \
         created is recorded as done or found, and the target is no longer what the plan was \
         made for (its fingerprint differs); check that the token or API key is for location \
         {} (if the run stopped moments ago, its last write may not show in the target's \
         search yet: retry in a minute), or make a new plan and start a new checkpoint",
        plan.target.location
    )))
}

/// The name the plan gave the field step `step` created.
fn field_name<'a>(plan: &'a Plan, step: &str) -> Option<&'a str> {
    plan.steps
        .iter()
        .find(|s| s.id == step)
        .and_then(|s| match &s.action {
            Action::CreateField(f) => Some(f.name.as_str()),
            _ => None,
        })
}

/// The name the plan gave the pipeline step `step` created.
fn pipeline_name<'a>(plan: &'a Plan, step: &str) -> Option<&'a str> {
    plan.steps
        .iter()
        .find(|s| s.id == step)
        .and_then(|s| match &s.action {
            Action::CreatePipeline(p) => Some(p.name.as_str()),
            _ => None,
        })
}

/// The (id, name) of each existing target pipeline the plan adds stages to, once each.
fn changed_pipelines(plan: &Plan) -> impl Iterator<Item = (&str, &str)> {
    let mut seen = std::collections::HashSet::new();
    plan.steps.iter().filter_map(move |s| match &s.action {
        Action::AddStage(a) if !a.in_new_pipeline && !plan::is_step_ref(&a.pipeline) => seen
            .insert(a.pipeline.as_str())
            .then_some((a.pipeline.as_str(), a.pipeline_name.as_str())),
        _ => None,
    })
}

/// Whether a contact read back is the one the run created (its email or phone as planned); a
/// merge target is taken as it is.
fn same_contact(plan: &Plan, records: &[StepRecord], id: &str, c: &Contact) -> bool {
    let step = records
        .iter()
        .find(|r| r.target_id.as_deref() == Some(id) && r.action == "create_contact")
        .and_then(|r| plan.steps.iter().find(|s| s.id == r.id));
    let Some(Action::CreateContact(create)) = step.map(|s| &s.action) else {
        return true;
    };
    let planned = |key: &str| create.fields.get(key).map(|v| normal(key, v));
    let read = |key: &str, v: &Option<String>| v.as_deref().map(|v| normal(key, v));
    match (planned("email"), planned("phone")) {
        (None, None) => true,
        (email, phone) => {
            (email.is_some() && email == read("email", &c.email))
                || (phone.is_some() && phone == read("phone", &c.phone))
        }
    }
}

fn normal(key: &str, v: &str) -> String {
    if key == "phone" {
        v.chars().filter(char::is_ascii_digit).collect()
    } else {
        v.trim().to_lowercase()
    }
}

fn refused(e: &ApiError) -> bool {
    matches!(e.kind, ApiErrorKind::Auth | ApiErrorKind::Permanent)
}

fn api(source: ApiError) -> Error {
    Error::Api {
        side: "target".into(),
        source,
    }
}

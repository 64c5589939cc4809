//! The plan: a versioned, deterministic document of what `apply` will do, reviewed before it runs.
//!
//! Everything `apply` needs is here (full payloads), so apply never reads the source.
//! References between steps are plain strings: a value containing `/` (e.g. `contact/jane@acme.test`)
//! names a step of this plan whose created id is resolved at apply time; anything else is an id
//! that already exists in the target (GoHighLevel ids never contain `/`).

pub mod budget;
pub mod build;
pub mod contact_steps;
pub mod diff;
pub mod file;
pub mod fingerprint;
pub mod history;
pub mod label;
pub mod readiness;
pub mod undo;
pub mod undo_build;
pub mod undo_check;
pub mod undo_compare;
pub mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ghl::payload::NewCustomField;
use crate::model::OpportunityStatus;
pub use history::{NoteCreate, TaskCreate};
pub use undo::{ContactRestore, DeleteObject, ValueRestore};

/// How the warning about the target's workflows begins (`apply` repeats it before writing).
pub const AUTOMATIONS_WARNING: &str = "target automations:";

/// The `api` an undo plan gives as its source: the migration's ledger.
pub const UNDO_SOURCE: &str = "ledger";

/// The format tag every plan starts with; `apply` refuses any other.
pub const FORMAT: &str = "ghl-migrate/plan/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format: String,
    pub name: String,
    pub source: Side,
    pub target: Side,
    pub summary: Summary,
    pub mapping: MappingReport,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// What the plan will not do, each with its reason (blocked, skipped, duplicates, conflicts).
    /// Always written, even when empty: it is the document's last key, so a file without it
    /// was cut short (see `file::parse`).
    #[serde(default)]
    pub not_done: Vec<NotDone>,
}

/// One side of the migration as the plan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// `v1`, `v2` or `fixture`.
    pub api: String,
    pub location: String,
    #[serde(default)]
    pub name: String,
    /// `sha256:<hex>` of exactly the account state the plan's decisions depend on.
    pub fingerprint: String,
    /// The target only: the last run of the migration's ledger this plan saw (none: the ledger
    /// held no run). An apply refuses when a run it did not see wrote to the target since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_run: Option<i64>,
}

/// Counts per outcome (e.g. `create: 150`), in a stable order.
pub type Counts = BTreeMap<String, u64>;

/// What a reviewer reads first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub custom_fields: Counts,
    pub pipelines: Counts,
    pub stages: Counts,
    pub users: Counts,
    pub contacts: Counts,
    pub opportunities: Counts,
    /// Absent in plans made before notes and tasks were migrated.
    #[serde(default, skip_serializing_if = "Counts::is_empty")]
    pub notes: Counts,
    #[serde(default, skip_serializing_if = "Counts::is_empty")]
    pub tasks: Counts,
    pub readiness_percent: f64,
}

/// How each source definition maps to the target ("smart mapping" report).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingReport {
    pub fields_mapped: u64,
    pub pipelines_mapped: u64,
    pub stages_mapped: u64,
    pub overall_readiness_percent: f64,
    /// What the percentage counts and what it lacks, in words (see [`readiness::explain`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub readiness: String,
    #[serde(default)]
    pub fields: Vec<MapEntry>,
    #[serde(default)]
    pub pipelines: Vec<MapEntry>,
    #[serde(default)]
    pub stages: Vec<MapEntry>,
    #[serde(default)]
    pub users: Vec<MapEntry>,
}

/// One source definition and what it became in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapEntry {
    /// Source name (stages as `Pipeline / Stage`).
    pub source: String,
    /// Target name, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// How it was decided: `key`, `name`, `explicit`, `email`, `create`, `missing`, `conflict`.
    pub by: String,
}

/// Something the plan will not do, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotDone {
    pub id: String,
    /// `blocked`, `skipped`, `duplicate_in_source`, `conflict`, `exists`.
    pub outcome: String,
    pub reason: String,
}

impl Plan {
    /// Whether this plan undoes what the migration wrote (`undo`), rather than migrating.
    pub fn is_undo(&self) -> bool {
        // An undo plan's source is the migration's ledger (`undo`), even when it has no step.
        self.source.api == UNDO_SOURCE || self.steps.iter().any(|s| s.action.undoes())
    }
}

/// One unit of work: a stable id, one action, and the steps it must wait for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawStep")]
pub struct Step {
    pub id: String,
    pub action: Action,
    pub after: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create a custom field in the target.
    CreateField(NewCustomField),
    /// Create a contact that the target does not have.
    CreateContact(ContactCreate),
    /// Fill in what an existing target contact lacks and add tags; overwrites nothing.
    MergeContact(ContactUpdate),
    /// Set values on an existing target contact, replacing what it holds (policy `overwrite`).
    OverwriteContact(ContactUpdate),
    /// Create an opportunity for a contact.
    CreateOpportunity(OpportunityCreate),
    /// Create a pipeline the target lacks, with its stages in the source's order.
    CreatePipeline(PipelineCreate),
    /// Make sure a target pipeline has a stage: take it when it has it, else add it.
    AddStage(StageAdd),
    /// Add a note to a contact.
    CreateNote(NoteCreate),
    /// Add a task to a contact.
    CreateTask(TaskCreate),
    /// Delete an object this migration created (`undo`).
    Delete(DeleteObject),
    /// Take back from a contact what this migration's merge added (`undo`).
    RestoreContact(ContactRestore),
}

impl Action {
    /// The action's key in the plan file.
    pub fn name(&self) -> &'static str {
        match self {
            Action::CreateField(_) => "create_field",
            Action::CreateContact(_) => "create_contact",
            Action::MergeContact(_) => "merge_contact",
            Action::OverwriteContact(_) => "overwrite_contact",
            Action::CreateOpportunity(_) => "create_opportunity",
            Action::CreatePipeline(_) => "create_pipeline",
            Action::AddStage(_) => "add_stage",
            Action::CreateNote(_) => "create_note",
            Action::CreateTask(_) => "create_task",
            Action::Delete(_) => "delete",
            Action::RestoreContact(_) => "restore_contact",
        }
    }

    /// The object kind the step acts on: `custom_field`, `contact`, `opportunity`, `note` or
    /// `task`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateField(_) => "custom_field",
            Action::CreateContact(_) | Action::MergeContact(_) | Action::OverwriteContact(_) => {
                "contact"
            }
            Action::CreateOpportunity(_) => "opportunity",
            Action::CreatePipeline(_) => "pipeline",
            Action::AddStage(_) => "stage",
            Action::CreateNote(_) => "note",
            Action::CreateTask(_) => "task",
            Action::Delete(d) => d.what.kind(),
            Action::RestoreContact(_) => "contact",
        }
    }

    /// Whether the action takes back what an earlier run of the migration wrote.
    pub fn undoes(&self) -> bool {
        matches!(self, Action::Delete(_) | Action::RestoreContact(_))
    }

    /// The id of the source object the step writes, when it has one (the ledger's key).
    pub fn source_id(&self) -> Option<&str> {
        let id = match self {
            // Notes and tasks are matched by their text, not through the ledger's map.
            Action::CreateField(_)
            | Action::CreatePipeline(_)
            | Action::AddStage(_)
            | Action::CreateNote(_)
            | Action::CreateTask(_) => return None,
            Action::CreateContact(c) => &c.source_id,
            Action::MergeContact(u) | Action::OverwriteContact(u) => &u.source_id,
            Action::CreateOpportunity(o) => &o.source_id,
            Action::Delete(d) => &d.source_key,
            Action::RestoreContact(r) => &r.source_key,
        };
        Some(id.as_str()).filter(|id| !id.is_empty())
    }

    /// Every reference (step id or target id) the action's payload holds.
    pub fn refs(&self) -> Vec<&str> {
        match self {
            Action::CreateField(_)
            | Action::CreatePipeline(_)
            | Action::Delete(_)
            | Action::RestoreContact(_) => vec![],
            Action::AddStage(a) => vec![a.pipeline.as_str()],
            Action::CreateContact(c) => c.custom_fields.iter().map(|v| v.field.as_str()).collect(),
            Action::MergeContact(u) | Action::OverwriteContact(u) => {
                std::iter::once(u.into.as_str())
                    .chain(u.custom_fields.iter().map(|v| v.field.as_str()))
                    .collect()
            }
            Action::CreateOpportunity(o) => [
                o.contact.as_str(),
                o.pipeline_id.as_str(),
                o.pipeline_stage_id.as_str(),
            ]
            .into_iter()
            .chain(o.custom_fields.iter().map(|v| v.field.as_str()))
            .collect(),
            Action::CreateNote(n) => vec![n.contact.as_str()],
            Action::CreateTask(t) => vec![t.contact.as_str()],
        }
    }
}

/// True when a reference names a step of the plan rather than an existing target id.
pub fn is_step_ref(reference: &str) -> bool {
    reference.contains('/')
}

/// A custom value to write: the field (step ref or target id) and the value as the API takes it,
/// with the field's name (and a date value in ISO form) for the reviewer; apply reads neither.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueWrite {
    /// The target field's name (for the reviewer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub field: String,
    pub value: Value,
    /// A DATE value (epoch milliseconds) as an ISO date (for the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The body of a contact create, less the custom values' resolved ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    /// How the contact is identified in the target: `email`, `phone` or `source_id`.
    pub identity: String,
    /// The source contact's id (for the report and for the `source_id` identity).
    pub source_id: String,
    /// Standard fields by API name (`firstName`, `email`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<ValueWrite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// The email of the user `assigned_to` names (for the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
}

/// An update of an existing target contact (merge or overwrite).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// The target contact's id.
    pub into: String,
    /// The target contact as a person knows it, `Name <email>` (for the reviewer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub into_contact: String,
    pub source_id: String,
    /// How it was matched: `email` or `phone` or `source_id`.
    pub matched_by: String,
    /// Standard fields to set, by API name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<ValueWrite>,
    /// Tags to add (sent with `POST /contacts/{id}/tags`, which keeps the others).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// The email of the user `assigned_to` names (for the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to_email: Option<String>,
    /// Field-level changes for the reviewer: what the target holds now and what it will hold,
    /// by name (custom fields as `custom:<name>`, users by email, dates in ISO form).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// One field-level change of an update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    pub to: Value,
}

/// The body of an opportunity create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunityCreate {
    pub name: String,
    /// The contact: a step ref (`contact/...`) or an existing target contact id.
    pub contact: String,
    /// An existing target contact as a person knows it, `Name <email>` (for the reviewer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact_name: String,
    pub pipeline_id: String,
    pub pipeline_stage_id: String,
    /// `Pipeline / Stage` in the target, for the reviewer.
    pub stage: String,
    pub status: OpportunityStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// The email of the user `assigned_to` names (for the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to_email: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<ValueWrite>,
    pub source_id: String,
}

/// A pipeline to create: its name and every stage, in order, each with its win probability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineCreate {
    pub name: String,
    pub stages: Vec<StagePlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_opportunity_probability: Option<bool>,
    /// The source pipeline's id.
    pub source_id: String,
}

/// A stage as the plan writes it: always with a win probability (a stage sent without one
/// makes the server recompute every stage's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePlan {
    pub name: String,
    pub win_probability: f64,
}

/// A stage a target pipeline must have. Apply reads the pipeline right before writing: a stage
/// of that name already there is taken as it is; otherwise the pipeline must still hold exactly
/// `stages_before` (else the step fails as stale, naming what changed), and the update sends every
/// one of them with its id, unchanged and in its order, plus this one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageAdd {
    /// The pipeline: a step ref (`pipeline/...`) or an existing target pipeline id.
    pub pipeline: String,
    /// Its name in the target, for the reviewer and messages.
    pub pipeline_name: String,
    pub name: String,
    pub win_probability: f64,
    /// The stage it goes after (absent: first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The pipeline is created by this plan with this stage: the step only reads its id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_new_pipeline: bool,
    /// The pipeline's stages right before this step, in order: the target's as planned (with
    /// their ids) and those added by the steps before this one (without).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages_before: Vec<StageSeen>,
}

/// A stage the plan expects in a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSeen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub win_probability: Option<f64>,
}

/// The on-disk shape of a step, as read: `id`, exactly one action key, optional `after` (the
/// shape `Step`'s own `Serialize` writes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    #[serde(default)]
    create_field: Option<StrictField>,
    #[serde(default)]
    create_contact: Option<ContactCreate>,
    #[serde(default)]
    merge_contact: Option<ContactUpdate>,
    #[serde(default)]
    overwrite_contact: Option<ContactUpdate>,
    #[serde(default)]
    create_opportunity: Option<OpportunityCreate>,
    #[serde(default)]
    create_pipeline: Option<PipelineCreate>,
    #[serde(default)]
    add_stage: Option<StageAdd>,
    #[serde(default)]
    create_note: Option<NoteCreate>,
    #[serde(default)]
    create_task: Option<TaskCreate>,
    #[serde(default)]
    delete: Option<DeleteObject>,
    #[serde(default)]
    restore_contact: Option<ContactRestore>,
    #[serde(default)]
    after: Vec<String>,
}

impl TryFrom<RawStep> for Step {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<Self, Self::Error> {
        let mut actions = Vec::new();
        if let Some(StrictField(a)) = raw.create_field {
            actions.push(Action::CreateField(a));
        }
        if let Some(a) = raw.create_contact {
            actions.push(Action::CreateContact(a));
        }
        if let Some(a) = raw.merge_contact {
            actions.push(Action::MergeContact(a));
        }
        if let Some(a) = raw.overwrite_contact {
            actions.push(Action::OverwriteContact(a));
        }
        if let Some(a) = raw.create_opportunity {
            actions.push(Action::CreateOpportunity(a));
        }
        if let Some(a) = raw.create_pipeline {
            actions.push(Action::CreatePipeline(a));
        }
        if let Some(a) = raw.add_stage {
            actions.push(Action::AddStage(a));
        }
        if let Some(a) = raw.create_note {
            actions.push(Action::CreateNote(a));
        }
        if let Some(a) = raw.create_task {
            actions.push(Action::CreateTask(a));
        }
        if let Some(a) = raw.delete {
            actions.push(Action::Delete(a));
        }
        if let Some(a) = raw.restore_contact {
            actions.push(Action::RestoreContact(a));
        }
        if actions.len() != 1 {
            return Err(format!(
                "step `{}` must have exactly one action (create_field, create_contact, merge_contact, \
                 overwrite_contact, create_opportunity, create_pipeline, add_stage, \
                 create_note, create_task, delete or restore_contact), found {}",
                raw.id,
                actions.len()
            ));
        }
        Ok(Step {
            id: raw.id,
            action: actions.remove(0),
            after: raw.after,
        })
    }
}

/// A step in the shape of [`RawStep`], borrowed: a plan is serialised (written, hashed) without
/// copying its steps.
impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let after = usize::from(!self.after.is_empty());
        let mut s = serializer.serialize_struct("RawStep", 2 + after)?;
        s.serialize_field("id", &self.id)?;
        match &self.action {
            Action::CreateField(a) => s.serialize_field("create_field", a)?,
            Action::CreateContact(a) => s.serialize_field("create_contact", a)?,
            Action::MergeContact(a) => s.serialize_field("merge_contact", a)?,
            Action::OverwriteContact(a) => s.serialize_field("overwrite_contact", a)?,
            Action::CreateOpportunity(a) => s.serialize_field("create_opportunity", a)?,
            Action::CreatePipeline(a) => s.serialize_field("create_pipeline", a)?,
            Action::AddStage(a) => s.serialize_field("add_stage", a)?,
            Action::CreateNote(a) => s.serialize_field("create_note", a)?,
            Action::CreateTask(a) => s.serialize_field("create_task", a)?,
            Action::Delete(a) => s.serialize_field("delete", a)?,
            Action::RestoreContact(a) => s.serialize_field("restore_contact", a)?,
        }
        if !self.after.is_empty() {
            s.serialize_field("after", &self.after)?;
        }
        s.end()
    }
}

/// A `create_field` payload as a plan holds it: the API body, but read strictly. The body type
/// itself accepts and drops unknown keys (the API's schema has more than we send), which in a
/// hand-edited plan would silently lose what the person meant.
#[derive(Debug, Clone)]
struct StrictField(NewCustomField);

/// The keys a `create_field` payload may hold (those of [`NewCustomField`]).
const FIELD_KEYS: &[&str] = &[
    "name",
    "dataType",
    "model",
    "placeholder",
    "position",
    "options",
];

impl<'de> Deserialize<'de> for StrictField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let map = serde_json::Map::<String, Value>::deserialize(deserializer)?;
        if let Some(key) = map.keys().find(|k| !FIELD_KEYS.contains(&k.as_str())) {
            return Err(D::Error::custom(format!(
                "unknown key `create_field.{key}` (it is not part of the plan format; remove it)"
            )));
        }
        serde_json::from_value(Value::Object(map))
            .map(StrictField)
            .map_err(D::Error::custom)
    }
}

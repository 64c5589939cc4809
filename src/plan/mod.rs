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
pub mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ghl::payload::NewCustomField;
use crate::model::OpportunityStatus;

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
        }
    }

    /// The object kind the step acts on: `custom_field`, `contact` or `opportunity`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateField(_) => "custom_field",
            Action::CreateContact(_) | Action::MergeContact(_) | Action::OverwriteContact(_) => {
                "contact"
            }
            Action::CreateOpportunity(_) => "opportunity",
        }
    }

    /// Every reference (step id or target id) the action's payload holds.
    pub fn refs(&self) -> Vec<&str> {
        match self {
            Action::CreateField(_) => vec![],
            Action::CreateContact(c) => c.custom_fields.iter().map(|v| v.field.as_str()).collect(),
            Action::MergeContact(u) | Action::OverwriteContact(u) => {
                std::iter::once(u.into.as_str())
                    .chain(u.custom_fields.iter().map(|v| v.field.as_str()))
                    .collect()
            }
            Action::CreateOpportunity(o) => std::iter::once(o.contact.as_str())
                .chain(o.custom_fields.iter().map(|v| v.field.as_str()))
                .collect(),
        }
    }
}

/// True when a reference names a step of the plan rather than an existing target id.
pub fn is_step_ref(reference: &str) -> bool {
    reference.contains('/')
}

/// A custom value to write: the field (step ref or target id) and the value as the API takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueWrite {
    pub field: String,
    pub value: Value,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
}

/// An update of an existing target contact (merge or overwrite).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// The target contact's id.
    pub into: String,
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
    /// Field-level changes for the reviewer: what the target holds now and what it will hold.
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
    pub pipeline_id: String,
    pub pipeline_stage_id: String,
    /// `Pipeline / Stage` in the target, for the reviewer.
    pub stage: String,
    pub status: OpportunityStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<ValueWrite>,
    pub source_id: String,
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
        if actions.len() != 1 {
            return Err(format!(
                "step `{}` must have exactly one action (create_field, create_contact, merge_contact, \
                 overwrite_contact or create_opportunity), found {}",
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

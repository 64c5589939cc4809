//! Contact payloads: the full body of a create, and the field-level update of an existing
//! contact under the merge (fill what is missing) or overwrite policy. Tags are only ever added.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::config::ExistingPolicy;
use crate::matching::contacts::Identity;
use crate::matching::users::UserMap;
use crate::model::{Account, CONTACT_STANDARD_FIELDS, Contact, User};
use crate::normalize;
use crate::plan::build::{STAMP_FIELD_NAME, user_label};
use crate::plan::label;
use crate::plan::values::{Converted, FieldTarget, convert, is_empty};
use crate::plan::{Change, ContactCreate, ContactUpdate, ValueWrite, is_step_ref};

/// What contact payloads are built from, besides the contact itself.
#[derive(Debug, Clone, Copy)]
pub struct ContactContext<'a> {
    /// Source field id -> where its values go.
    pub fields: &'a HashMap<String, FieldTarget>,
    pub users: &'a UserMap,
    pub source: &'a Account,
    /// The target's users, to name the owner an update replaces.
    pub target_users: &'a [User],
    pub phone_country: &'a str,
    /// A tag every migrated contact gets (`tag_migrated`), so workflows can filter them out.
    pub tag_migrated: Option<&'a str>,
}

/// The contact's tags to write: its own, then the migration's tag, each once.
fn tags_of(c: &Contact, ctx: &ContactContext<'_>) -> Vec<String> {
    let mut tags = c.tags.clone();
    tags.extend(ctx.tag_migrated.map(String::from));
    dedup_tags(&tags)
}

/// A built create, with what could not be carried over.
#[derive(Debug, Clone)]
pub struct BuiltCreate {
    pub payload: ContactCreate,
    /// (target field name, why) for each value left out.
    pub dropped: Vec<(String, String)>,
    /// The source user's label, when the contact's owner has no counterpart.
    pub unmapped_user: Option<String>,
}

/// A built update (`None`: nothing to change), with what could not be carried over.
#[derive(Debug, Clone)]
pub struct BuiltUpdate {
    pub update: Option<ContactUpdate>,
    pub dropped: Vec<(String, String)>,
    pub unmapped_user: Option<String>,
}

/// The source contact's standard fields as they should be written (phones in E.164).
fn standard_fields(c: &Contact, phone_country: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let has_parts =
        c.standard_field("firstName").is_some() || c.standard_field("lastName").is_some();
    for &name in CONTACT_STANDARD_FIELDS {
        if name == "name" && has_parts {
            continue;
        }
        let Some(v) = c.standard_field(name) else {
            continue;
        };
        let v = match name {
            "phone" => normalize::phone(v, phone_country).unwrap_or_else(|| v.trim().to_string()),
            _ => v.trim().to_string(),
        };
        out.insert(name.to_string(), v);
    }
    out
}

/// The source contact's custom values converted for the target, sorted by field reference.
fn custom_values(
    c: &Contact,
    ctx: &ContactContext<'_>,
) -> (Vec<ValueWrite>, Vec<(String, String)>) {
    let mut values = vec![];
    let mut dropped = vec![];
    for v in &c.custom_fields {
        let Some(t) = ctx.fields.get(&v.id) else {
            continue;
        };
        match convert(&v.value, t) {
            Converted::Value(value) => values.push(ValueWrite::to(t, value)),
            Converted::Empty => {}
            Converted::Refused(why) => dropped.push((t.name.clone(), why)),
        }
    }
    values.sort_by(|a, b| a.field.cmp(&b.field));
    (values, dropped)
}

/// The contact's owner in the target, or the source user's label when it has no counterpart.
fn owner<'c>(c: &Contact, ctx: &ContactContext<'c>) -> (Option<&'c User>, Option<String>) {
    match c.assigned_to.as_deref().filter(|u| !u.is_empty()) {
        None => (None, None),
        Some(u) => match ctx.users.target(u) {
            Some(t) => (Some(t), None),
            None => (None, Some(user_label(ctx.source, u))),
        },
    }
}

/// A value as a change shows it: a date in ISO form, anything else as it is.
fn shown(v: &ValueWrite, value: &Value) -> Value {
    match &v.date {
        Some(_) => match value {
            Value::Number(n) => n.as_i64().map(label::iso_from_epoch_ms),
            Value::String(s) => s.trim().parse().ok().map(label::iso_from_epoch_ms),
            _ => None,
        }
        .map_or_else(|| value.clone(), Value::String),
        None => value.clone(),
    }
}

fn dedup_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    out
}

/// The full body of a contact the target does not have.
pub fn create(
    c: &Contact,
    identity: &Identity,
    stamp: Option<&str>,
    ctx: &ContactContext<'_>,
) -> BuiltCreate {
    let (values, dropped) = custom_values(c, ctx);
    let mut custom_fields = values;
    if let (Identity::SourceId(id), Some(stamp)) = (identity, stamp) {
        custom_fields.push(ValueWrite {
            name: STAMP_FIELD_NAME.to_string(),
            field: stamp.to_string(),
            value: Value::String(id.clone()),
            date: None,
        });
    }
    let (owner, unmapped_user) = owner(c, ctx);
    BuiltCreate {
        payload: ContactCreate {
            identity: identity.kind().into(),
            source_id: c.id.clone(),
            fields: standard_fields(c, ctx.phone_country),
            tags: tags_of(c, ctx),
            custom_fields,
            assigned_to: owner.map(|u| u.id.clone()),
            assigned_to_email: owner.map(label::user),
            dnd: c.dnd,
        },
        dropped,
        unmapped_user,
    }
}

/// The update of existing target contact `t` from source contact `c` under `policy`
/// (merge: fill what `t` lacks; overwrite: replace what differs). Tags are only added.
pub fn update(
    c: &Contact,
    t: &Contact,
    by: &str,
    policy: ExistingPolicy,
    ctx: &ContactContext<'_>,
) -> BuiltUpdate {
    let overwrite = policy == ExistingPolicy::Overwrite;
    let mut changes = vec![];
    let mut fields = BTreeMap::new();
    for (name, value) in standard_fields(c, ctx.phone_country) {
        let current = t.standard_field(&name).map(str::trim);
        let same = match (name.as_str(), current) {
            (_, None) => false,
            ("email", Some(cur)) => cur.eq_ignore_ascii_case(&value),
            ("phone", Some(cur)) => {
                normalize::phone(cur, ctx.phone_country).as_deref() == Some(value.as_str())
            }
            (_, Some(cur)) => cur == value,
        };
        if same || (current.is_some() && !overwrite) {
            continue;
        }
        changes.push(Change {
            field: name.clone(),
            from: current.map(|s| Value::String(s.to_string())),
            to: Value::String(value.clone()),
        });
        fields.insert(name, value);
    }
    let (values, dropped) = custom_values(c, ctx);
    let held: HashMap<&str, &Value> = t
        .custom_fields
        .iter()
        .filter(|v| !is_empty(&v.value))
        .map(|v| (v.id.as_str(), &v.value))
        .collect();
    let mut custom_fields = vec![];
    for v in values {
        let current = (!is_step_ref(&v.field))
            .then(|| held.get(v.field.as_str()))
            .flatten();
        let fill = match current {
            None => true,
            Some(cur) => overwrite && !same_value(cur, &v.value),
        };
        if fill {
            changes.push(Change {
                field: format!("custom:{}", v.name),
                from: current.map(|c| shown(&v, c)),
                to: shown(&v, &v.value),
            });
            custom_fields.push(v);
        }
    }
    let add_tags: Vec<String> = tags_of(c, ctx)
        .into_iter()
        .filter(|tag| !t.tags.iter().any(|have| have.eq_ignore_ascii_case(tag)))
        .collect();
    if !add_tags.is_empty() {
        changes.push(Change {
            field: "tags".into(),
            from: None,
            to: Value::from(add_tags.iter().map(|t| format!("+{t}")).collect::<Vec<_>>()),
        });
    }
    let (owner, unmapped_user) = owner(c, ctx);
    let owner = owner.filter(
        |o| match t.assigned_to.as_deref().filter(|a| !a.is_empty()) {
            None => true,
            Some(cur) => overwrite && cur != o.id,
        },
    );
    if let Some(o) = owner {
        changes.push(Change {
            field: "assignedTo".into(),
            from: t
                .assigned_to
                .as_deref()
                .map(|id| Value::String(label::user_id(ctx.target_users, id))),
            to: Value::String(label::user(o)),
        });
    }
    let update = (!changes.is_empty()).then(|| ContactUpdate {
        into: t.id.clone(),
        into_contact: label::contact(t),
        source_id: c.id.clone(),
        matched_by: by.into(),
        fields,
        custom_fields,
        add_tags,
        assigned_to: owner.map(|u| u.id.clone()),
        assigned_to_email: owner.map(label::user),
        changes,
    });
    BuiltUpdate {
        update,
        dropped,
        unmapped_user,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::Number(y)) | (Value::Number(y), Value::String(x)) => {
            x.trim().parse::<f64>().ok() == y.as_f64()
        }
        _ => a == b,
    }
}

//! The write rules of a GoHighLevel location as pure functions over the account: duplicate
//! detection, partial contact updates, tag union, new custom fields and new opportunities.

use serde_json::Value;

use super::Duplicate;
use crate::ghl::{ContactKey, ContactWrite, CustomFieldWrite, NewCustomField, NewOpportunity};
use crate::model::{
    Account, Contact, CustomField, DataType, FieldValue, Opportunity, OpportunityFieldValue,
};

fn same_email(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

fn same_phone(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a == b
}

/// The first contact (other than `exclude`) whose email (case-insensitive) matches, else the
/// first whose phone (exact) matches.
pub fn duplicate_of(
    account: &Account,
    email: Option<&str>,
    phone: Option<&str>,
    exclude: Option<&str>,
) -> Option<Duplicate> {
    let others = || {
        account
            .contacts
            .iter()
            .filter(move |c| Some(c.id.as_str()) != exclude)
    };
    let by_email = email.and_then(|e| {
        others()
            .find(|c| c.email.as_deref().is_some_and(|ce| same_email(ce, e)))
            .map(|c| (c, "email"))
    });
    let by_phone = || {
        phone.and_then(|p| {
            others()
                .find(|c| c.phone.as_deref().is_some_and(|cp| same_phone(cp, p)))
                .map(|c| (c, "phone"))
        })
    };
    by_email.or_else(by_phone).map(|(c, field)| Duplicate {
        contact_id: c.id.clone(),
        contact_name: c.display_name(),
        matching_field: field,
    })
}

/// A contact matches a lookup key by email (case-insensitive) or phone (exact).
pub fn matches_key(contact: &Contact, key: &ContactKey) -> bool {
    let email = match (&contact.email, &key.email) {
        (Some(c), Some(k)) => same_email(c, k),
        _ => false,
    };
    let phone = match (&contact.phone, &key.phone) {
        (Some(c), Some(k)) => same_phone(c, k),
        _ => false,
    };
    email || phone
}

/// Sets the fields a write carries and nothing else; custom values merge by field id (or
/// `fieldKey`), an empty value clears one, values for unknown fields are dropped. Never tags.
pub fn apply_contact_write(contact: &mut Contact, write: &ContactWrite, fields: &[CustomField]) {
    let slots = contact.text_fields_mut().into_iter();
    for ((_, slot), (_, value)) in slots.zip(write.text_fields()) {
        if let Some(v) = value {
            *slot = Some(v.clone()).filter(|s| !s.is_empty());
        }
    }
    if let Some(dnd) = write.dnd {
        contact.dnd = Some(dnd);
    }
    for value in &write.custom_fields {
        let Some(id) = resolve_field(fields, value) else {
            continue;
        };
        contact.custom_fields.retain(|v| v.id != id);
        if !is_empty_value(&value.field_value) {
            contact.custom_fields.push(FieldValue {
                id,
                value: value.field_value.clone(),
            });
        }
    }
}

/// The id of the field a written value names: by id, by `fieldKey` (`contact.pincode`), or
/// by the key without its model prefix (`pincode`).
fn resolve_field(fields: &[CustomField], value: &CustomFieldWrite) -> Option<String> {
    let named = value.id.as_str();
    fields
        .iter()
        .find(|f| f.id == named)
        .or_else(|| {
            fields.iter().find(|f| {
                f.field_key.as_deref().is_some_and(|key| {
                    key == named || key.split_once('.').is_some_and(|(_, bare)| bare == named)
                })
            })
        })
        .map(|f| f.id.clone())
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// `existing` plus the `added` tags it lacks (case-insensitive), in order, without repeats.
pub fn union_tags(existing: &[String], added: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::with_capacity(existing.len() + added.len());
    for tag in existing.iter().chain(added) {
        let tag = tag.trim();
        if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.to_string());
        }
    }
    tags
}

/// `contact.pincode` from model `contact` and name `Pin Code` -> `contact.pin_code`, made
/// unique among the existing keys.
pub fn field_key(model: &str, name: &str, existing: &[CustomField]) -> String {
    let mut snake = String::new();
    for ch in name.trim().chars() {
        if ch.is_ascii_alphanumeric() {
            snake.push(ch.to_ascii_lowercase());
        } else if !snake.ends_with('_') && !snake.is_empty() {
            snake.push('_');
        }
    }
    let snake = snake.trim_end_matches('_');
    let snake = if snake.is_empty() { "field" } else { snake };
    let base = format!("{model}.{snake}");
    let taken = |key: &str| existing.iter().any(|f| f.field_key.as_deref() == Some(key));
    let mut key = base.clone();
    let mut n = 0;
    while taken(&key) {
        n += 1;
        key = format!("{base}_{n}");
    }
    key
}

/// The field a create would store (id left empty for the caller), or why it is refused.
pub fn new_custom_field(
    existing: &[CustomField],
    new: &NewCustomField,
) -> Result<CustomField, String> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err("name should not be empty".into());
    }
    if new.data_type == DataType::Unknown {
        return Err("dataType must be a valid custom field type".into());
    }
    let model = new.model.as_deref().unwrap_or("contact");
    if existing
        .iter()
        .any(|f| f.model() == model && f.name.trim().eq_ignore_ascii_case(name))
    {
        return Err(format!("Custom field with name {name:?} already exists"));
    }
    Ok(CustomField {
        id: String::new(),
        name: name.to_string(),
        field_key: Some(field_key(model, name, existing)),
        data_type: new.data_type.clone(),
        picklist_options: if new.data_type.has_options() {
            new.options.clone()
        } else {
            Vec::new()
        },
        model: Some(model.to_string()),
        placeholder: new.placeholder.clone(),
        position: new.position,
    })
}

/// The opportunity a create would store (id left empty), or why it is refused: the pipeline,
/// the stage (in that pipeline) and the contact must exist. Without a stage it goes to the
/// pipeline's first stage. `has_contact` says whether a contact id exists in the location.
pub fn new_opportunity(
    account: &Account,
    new: &NewOpportunity,
    has_contact: impl Fn(&str) -> bool,
) -> Result<Opportunity, String> {
    let pipeline = account
        .pipelines
        .iter()
        .find(|p| p.id == new.pipeline_id)
        .ok_or_else(|| format!("Pipeline with id {} not found", new.pipeline_id))?;
    let stage = match &new.pipeline_stage_id {
        Some(stage) if pipeline.stages.iter().any(|s| &s.id == stage) => Some(stage.clone()),
        Some(stage) => return Err(format!("Pipeline stage with id {stage} not found")),
        None => pipeline.stages.first().map(|s| s.id.clone()),
    };
    if !has_contact(&new.contact_id) {
        return Err(format!("Contact with id {} not found", new.contact_id));
    }
    if new.name.trim().is_empty() {
        return Err("name should not be empty".into());
    }
    let custom_fields = new
        .custom_fields
        .iter()
        .filter(|v| !is_empty_value(&v.field_value))
        .filter_map(|v| {
            resolve_field(&account.custom_fields, v).map(|id| OpportunityFieldValue {
                id,
                field_value: v.field_value.clone(),
            })
        })
        .collect();
    Ok(Opportunity {
        id: String::new(),
        name: new.name.clone(),
        pipeline_id: new.pipeline_id.clone(),
        pipeline_stage_id: stage,
        status: new.status,
        monetary_value: new.monetary_value,
        contact_id: new.contact_id.clone(),
        assigned_to: new.assigned_to.clone(),
        custom_fields,
    })
}

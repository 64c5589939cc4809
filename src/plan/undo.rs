//! The steps of an undo plan: delete an object this migration created, or take back from a
//! contact it merged into exactly what it added (its tags, and each value it wrote, set back to
//! what the contact held before). Each names the ledger entry it undoes (`source_key`), so a
//! step done takes that entry out of the ledger's map.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ghl::Doomed;

/// Delete one object the migration created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteObject {
    /// The object: `kind`, its target `id`, and what its route needs (`contact_id`, `pipeline_id`).
    #[serde(flatten)]
    pub what: Doomed,
    /// The object as a person knows it (for the reviewer).
    pub name: String,
    /// The ledger's key of what is undone (the source object's id, or the step that wrote it).
    pub source_key: String,
    /// The ledger run that created it.
    pub run: i64,
}

/// Take back what a merge added to an existing contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRestore {
    /// The target contact's id.
    pub id: String,
    /// The contact as a person knows it (for the reviewer).
    pub name: String,
    /// Tags the migration added (sent with `DELETE /contacts/{id}/tags`, which keeps the others).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_tags: Vec<String>,
    /// Values the migration wrote, each set back to what the contact held before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueRestore>,
    pub source_key: String,
    pub run: i64,
}

/// One value to set back: a standard field by API name (`phone`) or a custom field by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRestore {
    /// `phone`, or the custom field's id.
    pub field: String,
    /// `custom:<name>` for a custom field (for the reviewer); empty for a standard field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What the migration wrote (and the contact still holds).
    pub wrote: Value,
    /// What it held before: `null` means empty, so the value is cleared.
    pub to: Value,
    /// Whether `field` is a custom field's id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub custom: bool,
}

/// Whether a value the target holds is the one written: equal JSON, or the same text (a
/// number read back as a string, spaces around), or both empty.
pub fn same_value(now: &Value, wrote: &Value) -> bool {
    fn text(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.trim().to_string(),
            Value::Array(items) if items.is_empty() => String::new(),
            other => other.to_string(),
        }
    }
    now == wrote || text(now) == text(wrote)
}

/// What a contact holds in a standard field (by API name) or a custom field (by id); `null`
/// when empty.
pub fn current_value(contact: &crate::model::Contact, field: &str, custom: bool) -> Value {
    if custom {
        return contact
            .custom_fields
            .iter()
            .find(|v| v.id == field)
            .map_or(Value::Null, |v| v.value.clone());
    }
    contact
        .text_fields()
        .into_iter()
        .find(|(name, _)| *name == field)
        .and_then(|(_, v)| v.clone())
        .map_or(Value::Null, Value::String)
}

/// What a merge or overwrite found in the contact right before it wrote, as the ledger keeps
/// it (`steps.before`, `objects.before`): each value it wrote with what was there before
/// (`null`: empty), and the tags it added. A value it found already holding what it wrote is
/// not listed: the migration did not change it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Before {
    /// Standard fields by API name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, Value>,
    /// Custom fields by id.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub custom: std::collections::BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags_added: Vec<String>,
    /// Values written whose earlier value could not be known (an overwrite re-sent after a
    /// stop found its own value there).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

//! V1 object shapes <-> the model's V2 shapes, as pure functions over JSON.
//!
//! On read: `customField:[{id,value}]` becomes `customFields`, epoch-ms dates become ISO 8601
//! (DATE field values and `dateAdded` with time, `dateOfBirth` as a date), an opportunity's
//! `title` is its `name`, `stageId` its `pipelineStageId`, `contact.id` its `contactId`.
//! On write: `customFields:[{id, field_value}]` becomes `customField:{id: value}`, an
//! opportunity's `name` its `title` and `pipelineStageId` its `stageId`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::payload::{ContactWrite, NewCustomField, NewOpportunity};
use super::wire::without_nulls;

/// A V1 contact in the model's shape. `date_fields` are the ids of DATE custom fields, whose
/// epoch-ms values become ISO 8601 text.
pub fn contact_from_v1(raw: &Value, date_fields: &BTreeSet<String>) -> Value {
    let mut c = without_nulls(raw);
    let Value::Object(map) = &mut c else {
        return c;
    };
    if let Some(Value::Array(values)) = map.remove("customField") {
        let converted: Vec<Value> = values
            .into_iter()
            .filter_map(|v| {
                let id = v.get("id")?.as_str()?.to_string();
                let value = v.get("value").or_else(|| v.get("fieldValue"))?.clone();
                if value.is_null() {
                    return None;
                }
                let value = match (&value, date_fields.contains(&id)) {
                    (Value::Number(n), true) => n
                        .as_i64()
                        .map(|ms| Value::String(iso_datetime(ms)))
                        .unwrap_or(value),
                    _ => value,
                };
                Some(serde_json::json!({ "id": id, "value": value }))
            })
            .collect();
        if !converted.is_empty() {
            map.insert("customFields".into(), Value::Array(converted));
        }
    }
    if let Some(date) = map
        .get("dateOfBirth")
        .and_then(super::live_shapes::birth_date)
    {
        map.insert("dateOfBirth".into(), Value::String(date));
    }
    if let Some(ms) = map.get("dateAdded").and_then(Value::as_i64) {
        map.insert("dateAdded".into(), Value::String(iso_datetime(ms)));
    }
    c
}

/// A V1 opportunity (listed under pipeline `pipeline_id`) in the model's shape.
pub fn opportunity_from_v1(raw: &Value, pipeline_id: &str) -> Value {
    let mut o = without_nulls(raw);
    let Value::Object(map) = &mut o else {
        return o;
    };
    rename(map, "title", "name");
    rename(map, "stageId", "pipelineStageId");
    if !map.contains_key("pipelineId") {
        map.insert("pipelineId".into(), Value::String(pipeline_id.to_string()));
    }
    if !map.contains_key("contactId")
        && let Some(id) = raw.pointer("/contact/id").cloned()
    {
        map.insert("contactId".into(), id);
    }
    if let Some(Value::String(s)) = map.get("monetaryValue")
        && let Ok(n) = s.trim().parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(n)
    {
        map.insert("monetaryValue".into(), Value::Number(n));
    }
    o
}

/// Moves `from` to `to` unless `to` is already set.
fn rename(map: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(v) = map.remove(from)
        && !map.contains_key(to)
    {
        map.insert(to.into(), v);
    }
}

/// A contact write in V1's shape (`customField:{id: value}`). `with_tags` is false for updates.
pub fn contact_to_v1(contact: &ContactWrite, tags: Tags) -> Value {
    let mut body = serde_json::to_value(contact).unwrap_or_default();
    let Value::Object(map) = &mut body else {
        return body;
    };
    map.remove("customFields");
    if tags == Tags::Omit {
        map.remove("tags");
    }
    if !contact.custom_fields.is_empty() {
        let values: Map<String, Value> = contact
            .custom_fields
            .iter()
            .map(|f| (f.id.clone(), f.field_value.clone()))
            .collect();
        map.insert("customField".into(), Value::Object(values));
    }
    body
}

/// Whether a contact write carries its tags (create) or must not (update: they would replace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tags {
    Send,
    Omit,
}

/// A custom-field create in V1's shape (`POST /custom-fields/`).
pub fn custom_field_to_v1(field: &NewCustomField) -> Value {
    let mut body = serde_json::json!({ "name": field.name, "dataType": field.data_type.as_str() });
    if let Some(p) = &field.placeholder {
        body["placeholder"] = Value::String(p.clone());
    }
    if let Some(p) = field.position {
        body["position"] = Value::from(p);
    }
    if !field.options.is_empty() {
        body["options"] = Value::from(field.options.clone());
    }
    body
}

/// An opportunity create in V1's shape (`POST /pipelines/{pid}/opportunities/`).
pub fn opportunity_to_v1(o: &NewOpportunity) -> Value {
    let mut body = serde_json::json!({
        "title": o.name,
        "status": o.status,
        "contactId": o.contact_id,
    });
    if let Some(stage) = &o.pipeline_stage_id {
        body["stageId"] = Value::String(stage.clone());
    }
    if let Some(v) = o.monetary_value {
        body["monetaryValue"] = Value::from(v);
    }
    if let Some(a) = &o.assigned_to {
        body["assignedTo"] = Value::String(a.clone());
    }
    body
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC).
pub fn iso_datetime(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Epoch milliseconds as `YYYY-MM-DD` (UTC).
pub fn iso_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
#[path = "v1_shapes_tests.rs"]
mod tests;

//! Canary writes: what the live API is not known to accept as sent (picklist `options` on a
//! field create, the value of a DATE or TEXTBOX_LIST field, on a contact or an opportunity) is
//! verified on its first write of a run, for each form the value takes (a DATE sent as epoch
//! milliseconds and one sent as an ISO day are two forms a server may store differently): the
//! object is read back by id and compared. Until then, other writes of the same shape and form
//! wait; after a mismatch, none is sent, and the run stops (exit 1) naming the field, what was
//! sent and what came back, before a second object is written wrong.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::request::Request;
use crate::ghl::memory::epoch_ms;
use crate::ghl::v1_shapes::iso_date;
use crate::ghl::{ApiError, ApiErrorKind, ApiResult, Ghl};
use crate::model::{CustomField, DataType};
use crate::normalize;

/// A write shape no live report confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    FieldOptions,
    DateValue,
    TextboxListValue,
}

/// The form a value is sent in: each is verified on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Form {
    /// A picklist, or anything with one form.
    One,
    /// Epoch milliseconds, as a number or digits.
    Epoch,
    /// `YYYY-MM-DD`.
    Day,
    /// An ISO date and time.
    Instant,
    /// A JSON list.
    List,
    /// Any other text.
    Text,
    Other,
}

impl Form {
    fn of(shape: Shape, value: &Value) -> Form {
        match (shape, value) {
            (Shape::FieldOptions, _) => Form::One,
            (_, Value::Number(_)) => Form::Epoch,
            (_, Value::Array(_)) => Form::List,
            (Shape::DateValue, Value::String(s)) => {
                let s = s.trim();
                let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
                if digits && s.len() == 10 && s.as_bytes()[4] == b'-' {
                    Form::Day
                } else if digits && s.parse::<i64>().is_ok() {
                    Form::Epoch
                } else if s.len() > 10 && s.get(..10).and_then(epoch_ms).is_some() {
                    Form::Instant
                } else {
                    Form::Text
                }
            }
            (_, Value::String(_)) => Form::Text,
            _ => Form::Other,
        }
    }
}

/// What a value is written on: contacts and opportunities are stored through different routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Object {
    Field,
    Contact,
    Opportunity,
}

/// One gate: a shape, in one form, on one kind of object.
type Key = (Shape, Form, Object);

/// Where a shape stands in this run.
#[derive(Debug, Clone, PartialEq)]
enum Gate {
    Unverified,
    Verified,
    /// Written wrong once: nothing more of this shape is sent.
    Failed(String),
}

/// The run's canaries: one gate per shape, form and object, and the target's field types.
pub struct Canary {
    gates: std::sync::Mutex<HashMap<Key, Arc<Mutex<Gate>>>>,
    /// Target field id -> (name, type); `None` until known (read on first need).
    fields: Mutex<Option<HashMap<String, (String, DataType)>>>,
}

/// What one canary write must find when read back.
struct Check {
    key: Key,
    /// The pipeline of an opportunity (it is read back through it).
    pipeline_id: String,
    field_id: String,
    sent: Value,
}

impl Canary {
    /// `known`: the target's fields when the run has them already (a fresh run's stale check).
    pub fn new(known: Option<&[CustomField]>) -> Self {
        Canary {
            gates: std::sync::Mutex::new(HashMap::new()),
            fields: Mutex::new(known.map(|fields| fields.iter().map(entry).collect())),
        }
    }

    /// A field this run created: its type is known without a read.
    pub async fn learn(&self, field: &CustomField) {
        if let Some(map) = self.fields.lock().await.as_mut() {
            let (id, value) = entry(field);
            map.insert(id, value);
        }
    }

    /// Sends `write` (which returns the id of the object written), verifying the first write
    /// of each unverified shape `request` carries by reading it back.
    pub async fn guard<G: Ghl, F>(&self, ghl: &G, request: &Request, write: F) -> ApiResult<String>
    where
        F: std::future::Future<Output = ApiResult<String>>,
    {
        let checks = self.checks(ghl, request).await?;
        let mut held: Vec<(OwnedMutexGuard<Gate>, Check)> = Vec::new();
        for check in checks {
            let gate = self.gate(check.key).lock_owned().await;
            match &*gate {
                Gate::Verified => {}
                Gate::Failed(why) => return Err(mismatch(HELD, why.clone())),
                Gate::Unverified => held.push((gate, check)),
            }
        }
        let id = write.await?;
        for (mut gate, check) in held {
            // The write landed: a failed read-back must not make it look unsent (a resume
            // would create it again); the gate stays unverified for the next write.
            let verdict = self
                .read_back(ghl, &id, &check)
                .await
                .map_err(|e| unverified(e, &id))?;
            match verdict {
                None => *gate = Gate::Verified,
                Some(why) => {
                    *gate = Gate::Failed(why.clone());
                    return Err(mismatch(WRITTEN, why));
                }
            }
        }
        Ok(id)
    }

    /// The gate of `key`, made on first need.
    fn gate(&self, key: Key) -> Arc<Mutex<Gate>> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        gates
            .entry(key)
            .or_insert_with(|| Arc::new(Mutex::new(Gate::Unverified)))
            .clone()
    }

    /// The shapes a request carries, one check per shape, form and object (the first value
    /// of each), in a fixed order (gates are always taken in that order).
    async fn checks<G: Ghl>(&self, ghl: &G, request: &Request) -> ApiResult<Vec<Check>> {
        let (object, pipeline_id, values): (Object, &str, Vec<(&str, &Value)>) = match request {
            Request::CreateField(f) if !f.options.is_empty() => {
                return Ok(vec![Check {
                    key: (Shape::FieldOptions, Form::One, Object::Field),
                    pipeline_id: String::new(),
                    field_id: String::new(),
                    sent: Value::from(f.options.clone()),
                }]);
            }
            Request::CreateContact(body) | Request::UpdateContact { body, .. } => (
                Object::Contact,
                "",
                body.custom_fields
                    .iter()
                    .map(|v| (v.id.as_str(), &v.field_value))
                    .collect(),
            ),
            Request::CreateOpportunity(o) => (
                Object::Opportunity,
                o.pipeline_id.as_str(),
                o.custom_fields
                    .iter()
                    .map(|v| (v.id.as_str(), &v.field_value))
                    .collect(),
            ),
            _ => return Ok(vec![]),
        };
        let mut out: Vec<Check> = Vec::new();
        for (id, value) in values {
            let shape = match self.type_of(ghl, id).await? {
                Some(DataType::Date) => Shape::DateValue,
                Some(DataType::TextboxList) => Shape::TextboxListValue,
                _ => continue,
            };
            let key = (shape, Form::of(shape, value), object);
            if !out.iter().any(|c| c.key == key) {
                out.push(Check {
                    key,
                    pipeline_id: pipeline_id.to_string(),
                    field_id: id.to_string(),
                    sent: value.clone(),
                });
            }
        }
        out.sort_by_key(|c| c.key);
        Ok(out)
    }

    /// A target field's type; the fields are (re)read when the id is not known yet.
    async fn type_of<G: Ghl>(&self, ghl: &G, id: &str) -> ApiResult<Option<DataType>> {
        let mut fields = self.fields.lock().await;
        if fields.as_ref().is_none_or(|m| !m.contains_key(id)) {
            *fields = Some(ghl.custom_fields().await?.iter().map(entry).collect());
        }
        Ok(fields
            .as_ref()
            .and_then(|m| m.get(id))
            .map(|(_, t)| t.clone()))
    }

    async fn name_of(&self, id: &str) -> String {
        self.fields
            .lock()
            .await
            .as_ref()
            .and_then(|m| m.get(id))
            .map_or_else(|| id.to_string(), |(name, _)| name.clone())
    }

    /// `None` when the object reads back as sent; else what differs, in words.
    async fn read_back<G: Ghl>(
        &self,
        ghl: &G,
        id: &str,
        check: &Check,
    ) -> ApiResult<Option<String>> {
        if check.key.0 == Shape::FieldOptions {
            let fields = ghl.custom_fields().await?;
            let got = fields.iter().find(|f| f.id == id);
            let options = got.map(|f| Value::from(f.picklist_options.clone()));
            let name = got.map_or(id.to_string(), |f| f.name.clone());
            let same = options
                .as_ref()
                .is_some_and(|o| items(o) == items(&check.sent));
            return Ok((!same).then(|| {
                describe(
                    &name,
                    "its picklist options",
                    &check.sent,
                    options.as_ref(),
                    id,
                )
            }));
        }
        let got = match check.key.2 {
            Object::Opportunity => {
                ghl.get_opportunity(id, &check.pipeline_id)
                    .await?
                    .and_then(|o| {
                        o.custom_fields
                            .into_iter()
                            .find(|v| v.id == check.field_id)
                            .map(|v| v.field_value)
                    })
            }
            _ => ghl.get_contact(id).await?.and_then(|c| {
                c.custom_fields
                    .into_iter()
                    .find(|v| v.id == check.field_id)
                    .map(|v| v.value)
            }),
        };
        let same = got.as_ref().is_some_and(|g| match check.key.0 {
            Shape::DateValue => date_of(g).is_some() && date_of(g) == date_of(&check.sent),
            _ => items(g) == items(&check.sent),
        });
        let name = self.name_of(&check.field_id).await;
        let what = match check.key.0 {
            Shape::DateValue => "its DATE value",
            _ => "its TEXTBOX_LIST value",
        };
        Ok((!same).then(|| {
            describe(
                &name,
                what,
                &check.sent,
                got.as_ref(),
                &match check.key.2 {
                    Object::Opportunity => format!("opportunity {id}"),
                    _ => format!("contact {id}"),
                },
            )
        }))
    }
}

fn entry(f: &CustomField) -> (String, (String, DataType)) {
    (f.id.clone(), (f.name.clone(), f.data_type.clone()))
}

fn describe(field: &str, what: &str, sent: &Value, got: Option<&Value>, object: &str) -> String {
    let got = got.map_or_else(|| "nothing".to_string(), Value::to_string);
    format!(
        "custom field `{field}`, {what} on {object}: sent {sent}, read back {got}. \
         The target does not store this shape as sent; nothing more of it was written. Fix the \
         value of {object} by hand, fix the cause (the field's type or the plan), then run \
         `apply --resume`"
    )
}

/// The "endpoint" of a canary error: the write landed wrong, or was held back.
const WRITTEN: &str = "canary write";
const HELD: &str = "canary (not sent)";

fn mismatch(endpoint: &str, why: String) -> ApiError {
    ApiError::new(ApiErrorKind::Protocol, endpoint, why)
}

/// A read-back that failed after the write of `id` landed: a stop with the object written
/// (its kind kept, for the exit code; a refusal of the read is no refusal of the write).
fn unverified(e: ApiError, id: &str) -> ApiError {
    let kind = match e.kind {
        ApiErrorKind::Permanent => ApiErrorKind::Protocol,
        other => other,
    };
    ApiError {
        kind,
        endpoint: WRITTEN.into(),
        status: None,
        message: format!("{id} was written, but reading it back to verify it failed: {e}"),
        ..e
    }
}

/// A canary stop: `Some(true)` when the object was written (wrong), `Some(false)` when the
/// write was held back, `None` for any other error.
pub fn stopped(err: &ApiError) -> Option<bool> {
    match err.endpoint.as_str() {
        WRITTEN => Some(true),
        HELD => Some(false),
        _ => None,
    }
}

/// A date value as `YYYY-MM-DD`: from epoch ms (a number or digits) or from ISO text.
fn date_of(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_i64().map(iso_date),
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(ms) => Some(iso_date(ms)),
                Err(_) => epoch_ms(s.get(..10).unwrap_or(s)).map(iso_date),
            }
        }
        _ => None,
    }
}

/// A list value as its sorted, normalised items (a text value split on commas).
fn items(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = match value {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        other => vec![other.to_string()],
    };
    out = out
        .iter()
        .map(|s| normalize::name(s))
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_compare_as_days_whatever_their_shape() {
        assert_eq!(
            date_of(&json!("1733702400000")).as_deref(),
            Some("2024-12-09")
        );
        assert_eq!(
            date_of(&json!(1733702400000i64)),
            date_of(&json!("2024-12-09"))
        );
        assert_eq!(
            date_of(&json!("2024-12-09T00:00:00.000Z")),
            date_of(&json!("2024-12-09"))
        );
        assert_ne!(
            date_of(&json!("2024-12-08")),
            date_of(&json!("1733702400000"))
        );
        assert_eq!(date_of(&json!(true)), None);
    }

    #[test]
    fn each_form_of_a_date_has_a_gate_of_its_own() {
        let form = |v: Value| Form::of(Shape::DateValue, &v);
        assert_eq!(form(json!("2024-12-09")), Form::Day);
        assert_eq!(form(json!("1733702400000")), Form::Epoch);
        assert_eq!(form(json!("-76809600000")), Form::Epoch);
        assert_eq!(form(json!(1733702400000i64)), Form::Epoch);
        assert_eq!(form(json!("2024-12-09T00:00:00.000Z")), Form::Instant);
        assert_eq!(form(json!("next week")), Form::Text);
        assert_eq!(Form::of(Shape::TextboxListValue, &json!(["a"])), Form::List);
        assert_eq!(
            Form::of(Shape::TextboxListValue, &json!("a, b")),
            Form::Text
        );
    }

    #[test]
    fn lists_compare_as_items() {
        assert_eq!(items(&json!("a, b")), items(&json!(["b", "a"])));
        assert_ne!(items(&json!("a, b")), items(&json!("a")));
    }
}

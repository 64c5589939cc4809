//! The one place where answers are normalised into the model's shapes, whatever shape the live
//! API chose (ghl-api.md §7): a contact from the search (`address`, `dateOfBirth` in epoch ms,
//! negative before 1970) or from `GET /contacts/{id}` (`address1`, a date string); an
//! opportunity's custom values plain (`fieldValue`) or typed (`fieldValueString`, ... with
//! `type`, highlevel-api-docs #87). A value in a shape not listed here is an error that names the
//! object, its id, the field and the shape: never dropped, never guessed.

use serde_json::{Map, Value};

use super::v1_shapes::iso_date;
use super::wire::without_nulls;
use crate::model::CONTACT_STANDARD_FIELDS;

/// A value whose shape this tool does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// `contact`, `opportunity`.
    pub object: &'static str,
    pub id: String,
    /// The field's name, or `customFields[<field id>]`.
    pub field: String,
    /// What was there, e.g. `a boolean (true)`.
    pub shape: String,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: `{}` is {}, a shape this tool does not know (nothing was guessed; report it)",
            self.object, self.id, self.field, self.shape
        )
    }
}

/// A contact in the model's shape, from any contact answer (search, get, create, update,
/// duplicate lookup).
pub fn contact(raw: &Value) -> Result<Value, ShapeError> {
    let mut c = without_nulls(raw);
    let problem = problem_in("contact", raw);
    let Value::Object(map) = &mut c else {
        return Err(problem("(the contact)", raw));
    };
    // The search's `address` is every other route's `address1`; a blank one gives way to the
    // other, two that disagree are not picked between.
    if let Some(address) = map.remove("address") {
        let Some(text) = address.as_str() else {
            return Err(problem("address", &address));
        };
        let blank = |v: &Value| v.as_str().is_some_and(|s| s.trim().is_empty());
        match map.get("address1") {
            None => {
                map.insert("address1".into(), address);
            }
            Some(one) if blank(one) => {
                map.insert("address1".into(), address);
            }
            Some(one) if blank(&address) || one.as_str() == Some(text) => {}
            Some(_) => return Err(problem("address", &address)),
        }
    }
    if let Some(born) = map.get("dateOfBirth") {
        let date = birth_date(born).ok_or_else(|| problem("dateOfBirth", born))?;
        map.insert("dateOfBirth".into(), Value::String(date));
    }
    for name in CONTACT_STANDARD_FIELDS.iter().chain(&["assignedTo"]) {
        if let Some(v) = map.get(*name).filter(|v| !v.is_string()) {
            return Err(problem(name, v));
        }
    }
    if let Some(tags) = map.get("tags")
        && !tags
            .as_array()
            .is_some_and(|t| t.iter().all(Value::is_string))
    {
        return Err(problem("tags", tags));
    }
    custom_values(map, "value").map_err(|(field, v)| problem(&field, &v))?;
    Ok(c)
}

/// An opportunity in the model's shape: `contactId` from `contact.id` when absent, custom
/// values under `fieldValue` whatever their typed name, a numeric-text `monetaryValue` a number.
pub fn opportunity(raw: &Value) -> Result<Value, ShapeError> {
    let mut o = without_nulls(raw);
    let problem = problem_in("opportunity", raw);
    let Value::Object(map) = &mut o else {
        return Err(problem("(the opportunity)", raw));
    };
    if !map.contains_key("contactId")
        && let Some(contact) = raw.pointer("/contact/id").cloned()
    {
        map.insert("contactId".into(), contact);
    }
    match map.get("monetaryValue") {
        None | Some(Value::Number(_)) => {}
        Some(Value::String(s)) if s.trim().parse::<f64>().is_ok() => {
            let n = s.trim().parse::<f64>().unwrap_or_default();
            map.insert("monetaryValue".into(), Value::from(n));
        }
        Some(v) => return Err(problem("monetaryValue", v)),
    }
    custom_values(map, "fieldValue").map_err(|(field, v)| problem(&field, &v))?;
    Ok(o)
}

/// A birth date as `YYYY-MM-DD` text: a date string as is, epoch milliseconds (any sign, as
/// the search answers them) as the UTC date. `None` for any other shape.
/// A date string with a time (`1990-05-17T00:00:00.000Z`, with or without an offset) is its
/// written day. An epoch outside what a calendar date can be (beyond ±8.64e15 ms, JavaScript's
/// own limit) is `None`, not a date in the year 292 million.
pub fn birth_date(value: &Value) -> Option<String> {
    /// JavaScript's largest date, in ms either side of 1970.
    const MAX_MS: i64 = 8_640_000_000_000_000;
    match value {
        Value::String(s) => Some(day_of(s).unwrap_or(s).to_string()),
        Value::Number(n) => {
            let ms = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_MS as f64)
                    .map(|f| f as i64)
            })?;
            (ms.unsigned_abs() <= MAX_MS as u64).then(|| iso_date(ms))
        }
        _ => None,
    }
}

/// The `YYYY-MM-DD` that starts a date-time string (`T` or a space after it), if it does.
fn day_of(s: &str) -> Option<&str> {
    let (day, rest) = (s.get(..10)?, s.get(10..)?);
    let digits = |r: std::ops::Range<usize>| day[r].bytes().all(|b| b.is_ascii_digit());
    let date =
        digits(0..4) && &day[4..5] == "-" && digits(5..7) && &day[7..8] == "-" && digits(8..10);
    (date && (rest.starts_with('T') || rest.starts_with(' '))).then_some(day)
}

/// The value keys a custom value may carry, plain or typed.
const PLAIN_VALUE_KEYS: &[&str] = &["value", "fieldValue", "field_value"];

/// Moves each custom value of `map["customFields"]` under `key`, whatever name it came under
/// (`value`, `fieldValue`, `field_value`, or one typed `fieldValue<Type>`). An item without
/// an id or a value is `Err((field, shape))`.
fn custom_values(map: &mut Map<String, Value>, key: &str) -> Result<(), (String, Value)> {
    let Some(values) = map.get_mut("customFields") else {
        return Ok(());
    };
    let Value::Array(items) = values else {
        return Err(("customFields".into(), values.clone()));
    };
    for item in items.iter_mut() {
        let Some(fields) = item.as_object_mut() else {
            return Err(("customFields[]".into(), item.clone()));
        };
        let Some(field_id) = fields.get("id").and_then(Value::as_str).map(str::to_string) else {
            return Err(("customFields[]".into(), item.clone()));
        };
        // Typed answers may list every typed key, the unused ones null.
        let names: Vec<String> = fields
            .iter()
            .filter(|(k, v)| {
                !v.is_null()
                    && (PLAIN_VALUE_KEYS.contains(&k.as_str()) || k.starts_with("fieldValue"))
            })
            .map(|(k, _)| k.clone())
            .collect();
        let value = match names.as_slice() {
            [one] => fields.remove(one).unwrap_or_default(),
            _ => {
                let shape = item.clone();
                return Err((format!("customFields[{field_id}]"), shape));
            }
        };
        fields.retain(|k, _| k == "id");
        fields.insert(key.into(), value);
    }
    Ok(())
}

/// Builds the errors about one object's fields.
fn problem_in(object: &'static str, raw: &Value) -> impl Fn(&str, &Value) -> ShapeError {
    let id = raw
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(no id)")
        .to_string();
    move |field, value| ShapeError {
        object,
        id: id.clone(),
        field: field.to_string(),
        shape: describe(value),
    }
}

/// A value's shape in words, with a short sample: `a boolean (true)`, `an object {a, b}`.
pub fn describe(value: &Value) -> String {
    let sample = |v: &Value| {
        let text = v.to_string();
        if text.chars().count() > 60 {
            format!("{}…", text.chars().take(60).collect::<String>())
        } else {
            text
        }
    };
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({})", sample(&Value::String(s.clone()))),
        Value::Array(_) => format!("a list ({})", sample(value)),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            format!("an object with keys {{{}}}", keys.join(", "))
        }
    }
}

#[cfg(test)]
#[path = "live_shapes_tests.rs"]
mod tests;

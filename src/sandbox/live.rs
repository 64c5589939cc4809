//! The live API's own answer shapes, where reports show they differ from the spec
//! (fixtures/live-answers, ghl-api.md §7). The sandbox answers this way unless started with
//! `spec_shapes`: `POST /contacts/search` answers about 35 keys per contact, with `address`
//! for `address1` and `dateOfBirth` in epoch ms (highlevel-api-docs #314); opportunity answers
//! carry typed custom values (`{id, type, fieldValueString | fieldValueNumber | ...}`, #87).

use serde_json::{Map, Value, json};

use crate::ghl::memory::epoch_ms;

/// The keys a live search contact carries beyond the model's own (null or empty when unknown).
/// Each with its empty value as JSON text.
const SEARCH_EXTRA_KEYS: &[(&str, &str)] = &[
    ("contactName", "null"),
    ("firstName", "null"),
    ("lastName", "null"),
    ("companyName", "null"),
    ("businessName", "null"),
    ("email", "null"),
    ("validEmail", "null"),
    ("phone", "null"),
    ("phoneLabel", "null"),
    ("address", "null"),
    ("city", "null"),
    ("state", "null"),
    ("postalCode", "null"),
    ("country", "null"),
    ("website", "null"),
    ("timezone", "null"),
    ("type", "\"lead\""),
    ("source", "null"),
    ("dnd", "null"),
    ("dndSettings", "{}"),
    ("inboundDndSettings", "{}"),
    ("dateOfBirth", "null"),
    ("assignedTo", "null"),
    ("tags", "[]"),
    ("customFields", "[]"),
    ("attributions", "[]"),
    ("attributionSource", "{}"),
    ("lastAttributionSource", "{}"),
    ("followers", "[]"),
    ("businessId", "null"),
    ("dateUpdated", "null"),
];

/// A V2 contact (as `GET /contacts/{id}` answers it) in the search's shape.
pub fn search_contact(get_shape: Value) -> Value {
    let Value::Object(mut map) = get_shape else {
        return get_shape;
    };
    if let Some(address) = map.remove("address1") {
        map.insert("address".into(), address);
    }
    if let Some(ms) = map
        .get("dateOfBirth")
        .and_then(Value::as_str)
        .and_then(epoch_ms)
    {
        map.insert("dateOfBirth".into(), json!(ms));
    }
    let name = [map.get("firstName"), map.get("lastName")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        map.insert("contactName".into(), json!(name.to_lowercase()));
    }
    if let Some(email) = map.get("email").and_then(Value::as_str) {
        let valid = email.contains('@');
        map.insert("validEmail".into(), json!(valid));
    }
    if let Some(added) = map.get("dateAdded").cloned() {
        map.entry("dateUpdated").or_insert(added);
    }
    for (key, empty) in SEARCH_EXTRA_KEYS {
        map.entry(*key)
            .or_insert_with(|| serde_json::from_str(empty).unwrap_or_default());
    }
    Value::Object(map)
}

/// A V2 opportunity answer with its custom values typed, as the live search answers them.
pub fn typed_values(mut opportunity: Value) -> Value {
    if let Some(items) = opportunity
        .get_mut("customFields")
        .and_then(Value::as_array_mut)
    {
        for item in items.iter_mut() {
            let Some(map) = item.as_object_mut() else {
                continue;
            };
            let Some(value) = map.remove("fieldValue") else {
                continue;
            };
            let (ty, key) = match &value {
                Value::Number(_) => ("number", "fieldValueNumber"),
                Value::Array(_) => ("array", "fieldValueArray"),
                Value::Bool(_) => ("boolean", "fieldValueBoolean"),
                _ => ("string", "fieldValueString"),
            };
            let mut typed = Map::new();
            typed.insert("id".into(), map.remove("id").unwrap_or_default());
            typed.insert("type".into(), json!(ty));
            typed.insert(key.into(), value);
            *map = typed;
        }
    }
    opportunity
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::live_shapes;

    #[test]
    fn the_search_shape_has_the_live_keys_and_reads_back_to_the_get_shape() {
        let get = json!({"id": "c1", "firstName": "Ada", "lastName": "Lovelace",
            "address1": "1 Road", "dateOfBirth": "1967-07-27", "email": "a@b.c"});
        let search = search_contact(get.clone());
        assert_eq!(search["address"], json!("1 Road"));
        assert!(search.get("address1").is_none());
        assert_eq!(search["dateOfBirth"], json!(-76_809_600_000i64));
        assert!(search.as_object().unwrap().len() >= 30);
        let back = live_shapes::contact(&search).unwrap();
        assert_eq!(back["address1"], get["address1"]);
        assert_eq!(back["dateOfBirth"], get["dateOfBirth"]);
    }

    #[test]
    fn opportunity_values_are_typed_and_read_back() {
        let o = json!({"id": "o1", "customFields": [
            {"id": "f1", "fieldValue": "x"}, {"id": "f2", "fieldValue": 4}]});
        let typed = typed_values(o.clone());
        assert_eq!(
            typed["customFields"][1],
            json!({"id": "f2", "type": "number", "fieldValueNumber": 4})
        );
        let back = live_shapes::opportunity(&typed).unwrap();
        assert_eq!(back["customFields"], o["customFields"]);
    }
}

//! The readers on the answers reported from live accounts (fixtures/live-answers).

use serde_json::{Value, json};

use super::*;
use crate::ghl::wire::convert;
use crate::model::{Contact, Opportunity};

fn answer(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/live-answers")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn read_contact(raw: &Value) -> Contact {
    convert("test", "contact", &contact(raw).unwrap()).unwrap()
}

#[test]
fn the_search_shape_and_the_get_shape_read_the_same() {
    let search = answer("contacts-search.json");
    let get = answer("contact-get.json");
    let from_search = read_contact(&search["contacts"][0]);
    let from_get = read_contact(&get["contact"]);
    assert_eq!(from_search.address1.as_deref(), Some("12 Example Road"));
    // Negative epoch ms: before 1970.
    assert_eq!(from_search.date_of_birth.as_deref(), Some("1967-07-27"));
    assert_eq!(from_search.address1, from_get.address1);
    assert_eq!(from_search.date_of_birth, from_get.date_of_birth);
    assert_eq!(from_search.custom_fields, from_get.custom_fields);
    let second = read_contact(&search["contacts"][1]);
    assert_eq!(second.date_of_birth.as_deref(), Some("2024-05-27"));
    assert_eq!(second.address1, None);
}

#[test]
fn an_unknown_shape_names_the_object_the_field_and_the_shape() {
    let mut raw = answer("contacts-search.json")["contacts"][0].clone();
    raw["dateOfBirth"] = json!({"year": 1967});
    let err = contact(&raw).unwrap_err().to_string();
    assert!(err.contains("Lv1aQ2wE3rT4yU5iO6pA"), "{err}");
    assert!(err.contains("`dateOfBirth`"), "{err}");
    assert!(err.contains("an object with keys {year}"), "{err}");
    raw["dateOfBirth"] = json!(true);
    assert!(contact(&raw).unwrap_err().shape.contains("boolean"));
    let mut raw = answer("contact-get.json")["contact"].clone();
    raw["city"] = json!(12);
    assert_eq!(contact(&raw).unwrap_err().field, "city");
}

#[test]
fn typed_opportunity_values_read_as_plain_ones() {
    let search = answer("opportunities-search-typed.json");
    let raw = &search["opportunities"][0];
    let o: Opportunity = convert("test", "opportunity", &opportunity(raw).unwrap()).unwrap();
    let values: Vec<(&str, &Value)> = o
        .custom_fields
        .iter()
        .map(|v| (v.id.as_str(), &v.field_value))
        .collect();
    assert_eq!(
        values,
        vec![
            ("CFopp00000000000001", &json!("Referral")),
            ("CFopp00000000000002", &json!(40)),
            ("CFopp00000000000003", &json!(["a", "b"])),
        ]
    );
    // The plain shape of the spec reads the same way.
    let plain = json!({"id": "o", "name": "n", "pipelineId": "p", "contact": {"id": "c"},
        "customFields": [{"id": "f", "fieldValue": "x"}]});
    let o: Opportunity = convert("test", "opportunity", &opportunity(&plain).unwrap()).unwrap();
    assert_eq!(o.contact_id, "c");
    assert_eq!(o.custom_fields[0].field_value, json!("x"));
}

#[test]
fn a_custom_value_without_a_value_or_with_two_is_an_error() {
    let raw = json!({"id": "o1", "customFields": [{"id": "f1", "type": "string"}]});
    let err = opportunity(&raw).unwrap_err();
    assert_eq!(err.field, "customFields[f1]");
    let raw = json!({"id": "o1", "customFields": [
        {"id": "f1", "fieldValueString": "a", "fieldValueNumber": 1}]});
    assert!(opportunity(&raw).is_err());
}

#[test]
fn birth_dates_in_every_reported_shape() {
    assert_eq!(
        birth_date(&json!("1990-01-02")).as_deref(),
        Some("1990-01-02")
    );
    assert_eq!(
        birth_date(&json!(-86_400_000)).as_deref(),
        Some("1969-12-31")
    );
    assert_eq!(
        birth_date(&json!(631_152_000_000i64)).as_deref(),
        Some("1990-01-01")
    );
    assert_eq!(birth_date(&json!(true)), None);
}

#[test]
fn the_duplicate_miss_and_the_unknown_property_answers_are_as_recorded() {
    assert_eq!(
        answer("contact-duplicate-miss.json")["contact"],
        Value::Null
    );
    let refused = answer("unprocessable-unknown-property.json");
    assert_eq!(refused["statusCode"], 422);
    assert!(
        refused["message"][0]
            .as_str()
            .unwrap()
            .ends_with("should not exist")
    );
}

// Review of issue 9 (r9): odd live answers.

#[test]
fn a_birth_date_with_a_time_or_an_offset_reads_as_its_day() {
    for (raw, day) in [
        ("1990-05-17T00:00:00.000Z", "1990-05-17"),
        ("1990-05-17T00:00:00+02:00", "1990-05-17"),
        ("1990-05-17 00:00:00", "1990-05-17"),
        ("1990-05-17", "1990-05-17"),
    ] {
        assert_eq!(birth_date(&json!(raw)).as_deref(), Some(day), "{raw}");
    }
    // A float epoch that is whole is a date; the search's own shape.
    assert_eq!(
        birth_date(&json!(642902400000.0)).as_deref(),
        Some("1990-05-17")
    );
}

#[test]
fn an_epoch_no_calendar_can_hold_is_an_error_not_a_date() {
    // u64 beyond i64 (was saturated to i64::MAX: year 292278994), a float far out of range,
    // i64 extremes.
    for raw in [
        json!(18446744073709551615u64),
        json!(1e300),
        json!(-1e300),
        json!(i64::MAX),
        json!(i64::MIN),
    ] {
        assert_eq!(birth_date(&raw), None, "{raw}");
        let e = contact(&json!({"id": "c1", "dateOfBirth": raw})).unwrap_err();
        assert_eq!(e.field, "dateOfBirth");
    }
}

#[test]
fn an_empty_address1_beside_the_searchs_address_keeps_the_address() {
    let c = read_contact(&json!({"id": "c1", "address1": "", "address": "1 Target Street"}));
    assert_eq!(c.address1.as_deref(), Some("1 Target Street"));
    let same = read_contact(&json!({"id": "c1", "address1": "1 A St", "address": "1 A St"}));
    assert_eq!(same.address1.as_deref(), Some("1 A St"));
}

#[test]
fn two_addresses_that_disagree_are_an_error_not_a_silent_pick() {
    let e = contact(&json!({"id": "c1", "address1": "1 A St", "address": "2 B Ave"})).unwrap_err();
    assert_eq!(e.field, "address");
    assert!(e.to_string().contains("2 B Ave"), "{e}");
}

#[test]
fn typed_custom_values_with_null_siblings_read_the_one_that_is_set() {
    let raw = json!({"id": "o1", "name": "Deal", "pipelineId": "P", "contactId": "C",
    "customFields": [
        {"id": "F1", "type": "string", "fieldValueString": "Referral",
         "fieldValueNumber": null, "fieldValue": null},
        {"id": "F2", "type": "number", "fieldValueString": null, "fieldValueNumber": 40},
    ]});
    let o: Opportunity = convert("test", "opportunity", &opportunity(&raw).unwrap()).unwrap();
    let values: Vec<_> = o
        .custom_fields
        .iter()
        .map(|v| v.field_value.clone())
        .collect();
    assert_eq!(values, vec![json!("Referral"), json!(40)]);
}

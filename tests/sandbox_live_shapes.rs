//! The sandbox answers like the live API by default (the shapes recorded in
//! fixtures/live-answers), and like the spec with `--spec-shapes`.

mod support;

use serde_json::{Value, json};
use support::{LOCATION, PIPELINE, STAGE, Sandbox};

/// The harness account with a birth date and an address on its contact, an opportunity
/// field and an opportunity with values.
fn account() -> Value {
    let mut a = support::account(1);
    a["contacts"][0]["address1"] = json!("12 Example Road");
    a["contacts"][0]["dateOfBirth"] = json!("1967-07-27");
    a["customFields"].as_array_mut().unwrap().push(
        json!({"id": "OPPFIELD000000000001", "name": "Deal Source", "dataType": "TEXT",
            "model": "opportunity"}),
    );
    a["opportunities"] = json!([{"id": "OPP00000000000000001", "name": "Deal", "pipelineId": PIPELINE,
        "pipelineStageId": STAGE, "status": "won", "contactId": "CON00000000000000000",
        "customFields": [{"id": "OPPFIELD000000000001", "fieldValue": "Referral"}]}]);
    a
}

fn search(sandbox: &Sandbox) -> Value {
    let body = json!({"locationId": LOCATION, "pageLimit": 10});
    sandbox.v2("POST", "/contacts/search", Some(&body)).json()["contacts"][0].clone()
}

fn opportunity(sandbox: &Sandbox) -> Value {
    let path = format!("/opportunities/search?location_id={LOCATION}&status=all");
    sandbox.v2("GET", &path, None).json()["opportunities"][0].clone()
}

/// The keys of a recorded live answer.
fn recorded(file: &str, pointer: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/live-answers")
        .join(file);
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut keys: Vec<String> = value
        .pointer(pointer)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn the_search_answers_in_the_live_shape_and_get_in_the_specs() {
    let sandbox = Sandbox::start(&account(), &[]);
    let found = search(&sandbox);
    assert_eq!(found["address"], json!("12 Example Road"));
    assert!(found.get("address1").is_none());
    assert_eq!(found["dateOfBirth"], json!(-76_809_600_000i64));
    // Every key of the recorded live answer is there.
    let keys = found.as_object().unwrap();
    for key in recorded("contacts-search.json", "/contacts/0") {
        assert!(keys.contains_key(&key), "the search answer lacks `{key}`");
    }
    let got = sandbox
        .v2("GET", "/contacts/CON00000000000000000", None)
        .json();
    assert_eq!(got["contact"]["address1"], json!("12 Example Road"));
    assert_eq!(got["contact"]["dateOfBirth"], json!("1967-07-27"));

    let miss = sandbox.v2(
        "GET",
        &format!("/contacts/search/duplicate?locationId={LOCATION}&email=nobody@example.com"),
        None,
    );
    assert_eq!(miss.status, 200);
    assert_eq!(miss.json(), json!({"contact": null}));
}

#[test]
fn opportunity_values_are_typed_and_unknown_properties_refused() {
    let sandbox = Sandbox::start(&account(), &[]);
    assert_eq!(
        opportunity(&sandbox)["customFields"][0],
        json!({"id": "OPPFIELD000000000001", "type": "string", "fieldValueString": "Referral"})
    );
    let refused = sandbox.v2(
        "POST",
        &format!("/locations/{LOCATION}/customFields"),
        Some(&json!({"name": "X", "dataType": "TEXT", "colour": "red"})),
    );
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.json()["message"],
        json!(["property colour should not exist"])
    );
    // A type the V2 field create does not document.
    let float = sandbox.v2(
        "POST",
        &format!("/locations/{LOCATION}/customFields"),
        Some(&json!({"name": "Y", "dataType": "FLOAT"})),
    );
    assert_eq!(float.status, 422);
}

#[test]
fn spec_shapes_on_request() {
    let sandbox = Sandbox::start(&account(), &["--spec-shapes"]);
    let found = search(&sandbox);
    assert_eq!(found["address1"], json!("12 Example Road"));
    assert_eq!(found["dateOfBirth"], json!("1967-07-27"));
    assert_eq!(
        opportunity(&sandbox)["customFields"][0],
        json!({"id": "OPPFIELD000000000001", "fieldValue": "Referral"})
    );
}

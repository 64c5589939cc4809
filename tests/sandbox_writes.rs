//! Writes through the sandbox over real HTTP, read back through `GET /_sandbox/account`:
//! V2 create/update/tags/upsert/custom fields/opportunities, the duplicate refusal with
//! `meta.contactId`, and V1's upserting create with `customField:{id: value}`.

mod support;

use serde_json::{Value, json};
use support::{FIELD, LOCATION, PIPELINE, STAGE, Sandbox};

fn contact<'a>(account: &'a Value, id: &str) -> &'a Value {
    account["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no contact {id}"))
}

#[test]
fn a_created_contact_reads_back_from_the_account() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let body = json!({
        "locationId": LOCATION, "firstName": "Grace", "email": "grace@example.com",
        "tags": ["vip", "VIP", "new"],
        "customFields": [{"id": FIELD, "field_value": "1234"}],
    });
    let created = sandbox.v2("POST", "/contacts/", Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["contact"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 20);
    let account = sandbox.account();
    let stored = contact(&account, &id);
    assert_eq!(stored["firstName"], "Grace");
    assert_eq!(stored["tags"], json!(["vip", "new"]));
    assert_eq!(
        stored["customFields"],
        json!([{"id": FIELD, "value": "1234"}])
    );
    let read = sandbox.v2("GET", &format!("/contacts/{id}"), None).json();
    assert_eq!(read["contact"]["email"], "grace@example.com");
    assert_eq!(sandbox.stats()["writesCommitted"], 1);
}

#[test]
fn update_sets_only_given_fields_and_tags_add() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let id = "CON00000000000000000";
    let tagged = sandbox.v2(
        "POST",
        &format!("/contacts/{id}/tags"),
        Some(&json!({"tags": ["a", "b"]})),
    );
    assert_eq!(tagged.status, 201);
    assert_eq!(tagged.json()["tags"], json!(["a", "b"]));
    let updated = sandbox.v2(
        "PUT",
        &format!("/contacts/{id}"),
        Some(&json!({"lastName": "Hopper"})),
    );
    assert_eq!(updated.status, 200);
    let body = updated.json();
    assert_eq!(body["succeded"], true);
    assert_eq!(body["contact"]["firstName"], "Contact0");
    assert_eq!(body["contact"]["lastName"], "Hopper");
    assert_eq!(body["contact"]["tags"], json!(["a", "b"]));
    let replaced = sandbox.v2(
        "PUT",
        &format!("/contacts/{id}"),
        Some(&json!({"tags": ["only"]})),
    );
    assert_eq!(
        replaced.json()["contact"]["tags"],
        json!(["only"]),
        "PUT tags replace, as the spec warns"
    );
    let missing = sandbox.v2("PUT", "/contacts/nope", Some(&json!({"lastName": "X"})));
    assert_eq!(missing.status, 400);
}

#[test]
fn a_location_forbidding_duplicates_refuses_with_the_existing_contact_id() {
    let sandbox = Sandbox::start(&support::account(2), &["--forbid-duplicates"]);
    let body = json!({"locationId": LOCATION, "email": "C0001@Example.com"});
    let refused = sandbox.v2("POST", "/contacts/", Some(&body));
    assert_eq!(refused.status, 400);
    let refusal = refused.json();
    assert_eq!(
        refusal["message"],
        "This location does not allow duplicated contacts."
    );
    assert_eq!(refusal["meta"]["contactId"], "CON00000000000000001");
    assert_eq!(refusal["meta"]["matchingField"], "email");
    let by_phone = json!({"locationId": LOCATION, "phone": "+15550000000"});
    let refused = sandbox.v2("POST", "/contacts/", Some(&by_phone)).json();
    assert_eq!(refused["meta"]["contactId"], "CON00000000000000000");
    assert_eq!(refused["meta"]["matchingField"], "phone");

    let dup = sandbox
        .v2(
            "GET",
            &format!("/contacts/search/duplicate?locationId={LOCATION}&email=c0001%40example.com"),
            None,
        )
        .json();
    assert_eq!(dup["contact"]["id"], "CON00000000000000001");

    sandbox.set_faults(json!({"forbidDuplicates": false}));
    assert_eq!(sandbox.v2("POST", "/contacts/", Some(&body)).status, 201);
    assert_eq!(sandbox.account()["contacts"].as_array().unwrap().len(), 3);
}

#[test]
fn upsert_updates_the_match_or_creates() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let body = json!({"locationId": LOCATION, "email": "c0000@example.com", "city": "Paris"});
    let up = sandbox.v2("POST", "/contacts/upsert", Some(&body)).json();
    assert_eq!(up["new"], false);
    assert_eq!(up["contact"]["id"], "CON00000000000000000");
    assert_eq!(up["contact"]["city"], "Paris");
    let body = json!({"locationId": LOCATION, "email": "fresh@example.com"});
    assert_eq!(
        sandbox.v2("POST", "/contacts/upsert", Some(&body)).json()["new"],
        true
    );
}

#[test]
fn custom_fields_and_opportunities_are_created_with_checks() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let path = format!("/locations/{LOCATION}/customFields");
    let field = json!({"name": "Favourite Colour", "dataType": "SINGLE_OPTIONS", "options": ["red", "blue"]});
    let created = sandbox.v2("POST", &path, Some(&field));
    assert_eq!(created.status, 201, "{}", created.body);
    let created = created.json();
    assert_eq!(
        created["customField"]["fieldKey"],
        "contact.favourite_colour"
    );
    assert_eq!(
        created["customField"]["picklistOptions"],
        json!(["red", "blue"])
    );
    assert_eq!(
        sandbox.v2("POST", &path, Some(&field)).status,
        400,
        "same name"
    );
    let listed = sandbox.v2("GET", &path, None).json();
    assert_eq!(listed["customFields"].as_array().unwrap().len(), 2);

    let opp = json!({"locationId": LOCATION, "pipelineId": PIPELINE, "pipelineStageId": STAGE,
        "name": "Deal", "status": "won", "contactId": "CON00000000000000000", "monetaryValue": 250});
    let made = sandbox.v2("POST", "/opportunities/", Some(&opp));
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.json()["opportunity"]["status"], "won");
    let mut bad = opp.clone();
    bad["contactId"] = json!("CONdoesnotexist00000");
    assert_eq!(
        sandbox.v2("POST", "/opportunities/", Some(&bad)).status,
        400
    );
    let account = sandbox.account();
    assert_eq!(account["opportunities"].as_array().unwrap().len(), 1);
    assert_eq!(account["opportunities"][0]["monetaryValue"], 250.0);
}

#[test]
fn v1_create_upserts_and_writes_custom_values_by_id() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let mut custom = serde_json::Map::new();
    custom.insert(FIELD.into(), json!("75001"));
    let body = json!({"email": "c0000@example.com", "lastName": "Known", "customField": custom});
    let first = sandbox.v1("POST", "/v1/contacts/", Some(&body)).json();
    assert_eq!(first["contact"]["id"], "CON00000000000000000");
    assert_eq!(
        first["contact"]["customField"],
        json!([{"id": FIELD, "value": "75001"}])
    );
    let body = json!({"email": "new@example.com", "tags": ["x"]});
    let second = sandbox.v1("POST", "/v1/contacts/", Some(&body)).json();
    let new_id = second["contact"]["id"].as_str().unwrap().to_string();
    let tags = sandbox.v1(
        "POST",
        &format!("/v1/contacts/{new_id}/tags/"),
        Some(&json!({"tags": ["y"]})),
    );
    assert_eq!(tags.json()["tags"], json!(["x", "y"]));
    let found = sandbox
        .v1("GET", "/v1/contacts/lookup?email=NEW%40example.com", None)
        .json();
    assert_eq!(found["contacts"][0]["id"], new_id.as_str());
    let account = sandbox.account();
    assert_eq!(account["contacts"].as_array().unwrap().len(), 2);
    assert_eq!(
        contact(&account, "CON00000000000000000")["lastName"],
        "Known"
    );
}

#[test]
fn custom_values_may_name_their_field_by_key() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let body = json!({"customFields": [{"key": "contact.pincode", "field_value": "999"}]});
    let updated = sandbox.v2("PUT", "/contacts/CON00000000000000000", Some(&body));
    assert_eq!(updated.status, 200, "{}", updated.body);
    let body = json!({"customFields": [{"key": "pincode", "field_value": "1000"}]});
    sandbox.v2("PUT", "/contacts/CON00000000000000000", Some(&body));
    let account = sandbox.account();
    assert_eq!(
        contact(&account, "CON00000000000000000")["customFields"],
        json!([{"id": FIELD, "value": "1000"}])
    );
}

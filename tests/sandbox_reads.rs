//! The read shapes the clients rely on, V2 and V1, over real HTTP: location, custom fields
//! (with `model`), pipelines, users, a contact; and V1's custom-field create and contact update.

mod support;

use serde_json::json;
use support::{FIELD, LOCATION, PIPELINE, STAGE, Sandbox};

#[test]
fn v2_reads_answer_in_the_spec_shapes() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let location = sandbox
        .v2("GET", &format!("/locations/{LOCATION}"), None)
        .json();
    assert_eq!(location["location"]["name"], "Sandbox target");

    let fields_path = format!("/locations/{LOCATION}/customFields");
    let fields = sandbox.v2("GET", &fields_path, None).json();
    assert_eq!(fields["customFields"][0]["id"], FIELD);
    assert_eq!(fields["customFields"][0]["fieldKey"], "contact.pincode");
    assert_eq!(fields["customFields"][0]["dataType"], "TEXT");
    let opportunity_fields = sandbox
        .v2("GET", &format!("{fields_path}?model=opportunity"), None)
        .json();
    assert_eq!(opportunity_fields["customFields"], json!([]));

    let pipelines = sandbox
        .v2(
            "GET",
            &format!("/opportunities/pipelines?locationId={LOCATION}"),
            None,
        )
        .json();
    assert_eq!(pipelines["pipelines"][0]["id"], PIPELINE);
    assert_eq!(pipelines["pipelines"][0]["stages"][0]["id"], STAGE);

    let users = sandbox
        .v2("GET", &format!("/users/?locationId={LOCATION}"), None)
        .json();
    assert_eq!(users["users"][0]["email"], "una@example.com");

    let contact = sandbox
        .v2("GET", "/contacts/CON00000000000000000", None)
        .json();
    assert_eq!(contact["contact"]["locationId"], LOCATION);
    let missing = sandbox.v2("GET", "/contacts/CON99999999999999999", None);
    assert_eq!(missing.status, 400);
    let unknown_route = sandbox.v2("GET", "/nothing/here", None);
    assert_eq!(unknown_route.status, 404);
}

#[test]
fn v1_reads_and_writes_answer_in_the_v1_shapes() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let fields = sandbox.v1("GET", "/v1/custom-fields/", None).json();
    assert_eq!(fields["customFields"][0]["fieldKey"], "contact.pincode");
    let created = sandbox.v1(
        "POST",
        "/v1/custom-fields/",
        Some(&json!({"name": "Shoe size", "dataType": "NUMERICAL"})),
    );
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.json()["fieldKey"], "contact.shoe_size");

    let pipelines = sandbox.v1("GET", "/v1/pipelines/", None).json();
    assert_eq!(pipelines["pipelines"][0]["locationId"], LOCATION);
    let users = sandbox.v1("GET", "/v1/users/", None).json();
    assert_eq!(users["users"][0]["name"], "Una User");
    let location = sandbox
        .v1("GET", &format!("/v1/locations/{LOCATION}"), None)
        .json();
    assert_eq!(location["id"], LOCATION);

    let mut custom = serde_json::Map::new();
    custom.insert(FIELD.into(), json!("42"));
    let updated = sandbox.v1(
        "PUT",
        "/v1/contacts/CON00000000000000000",
        Some(&json!({"city": "Lyon", "customField": custom})),
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    let contact = sandbox
        .v1("GET", "/v1/contacts/CON00000000000000000", None)
        .json();
    assert_eq!(contact["contact"]["city"], "Lyon");
    assert_eq!(contact["contact"]["firstName"], "Contact0");
    assert_eq!(
        contact["contact"]["customField"],
        json!([{"id": FIELD, "value": "42"}])
    );
    let no_key = sandbox.v1(
        "POST",
        "/v1/contacts/",
        Some(&json!({"firstName": "Nobody"})),
    );
    assert_eq!(no_key.status, 422, "V1 create needs an email or a phone");
}

//! Unit tests of the V1 <-> model conversions, with literal V1 documents.

use super::*;
use crate::ghl::payload::CustomFieldWrite;
use crate::model::{Contact, DataType, Opportunity, OpportunityStatus};
use serde_json::json;

#[test]
fn epoch_ms_become_iso_8601() {
    assert_eq!(iso_datetime(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_datetime(1_603_963_890_255), "2020-10-29T09:31:30.255Z");
    assert_eq!(iso_datetime(1_709_210_096_789), "2024-02-29T12:34:56.789Z");
    assert_eq!(iso_date(951_782_400_000), "2000-02-29");
    assert_eq!(iso_date(-86_400_000), "1969-12-31");
}

#[test]
fn a_v1_contact_reads_as_the_model() {
    let raw = json!({
        "id": "c1", "firstName": "Jane", "lastName": "Doe", "email": "jane@acme.test",
        "phone": "+15550100", "tags": ["vip"], "dateAdded": 1603963890255i64,
        "dateOfBirth": 951782400000i64, "companyName": null,
        "customField": [
            {"id": "fDate", "value": 1603963890255i64},
            {"id": "fNum", "value": 42},
            {"id": "fText", "value": "x"},
            {"id": "fNone", "value": null}
        ]
    });
    let dates: BTreeSet<String> = ["fDate".to_string()].into();
    let c: Contact = serde_json::from_value(contact_from_v1(&raw, &dates)).unwrap();
    assert_eq!(c.email.as_deref(), Some("jane@acme.test"));
    assert_eq!(c.date_added.as_deref(), Some("2020-10-29T09:31:30.255Z"));
    assert_eq!(c.date_of_birth.as_deref(), Some("2000-02-29"));
    assert_eq!(c.tags, vec!["vip"]);
    let values: Vec<(String, Value)> = c
        .custom_fields
        .iter()
        .map(|v| (v.id.clone(), v.value.clone()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("fDate".into(), json!("2020-10-29T09:31:30.255Z")),
            ("fNum".into(), json!(42)),
            ("fText".into(), json!("x")),
        ]
    );
}

#[test]
fn a_v1_opportunity_reads_as_the_model() {
    let raw = json!({
        "id": "o1", "title": "Deal 7", "stageId": "s-uuid", "status": "won",
        "monetaryValue": "1200.5", "contact": {"id": "c1", "name": "Jane"}
    });
    let o: Opportunity = serde_json::from_value(opportunity_from_v1(&raw, "p1")).unwrap();
    assert_eq!(o.name, "Deal 7");
    assert_eq!(o.pipeline_id, "p1");
    assert_eq!(o.pipeline_stage_id.as_deref(), Some("s-uuid"));
    assert_eq!(o.contact_id, "c1");
    assert_eq!(o.status, OpportunityStatus::Won);
    assert_eq!(o.monetary_value, Some(1200.5));
    // A `name` already present wins over `title`.
    let o = opportunity_from_v1(
        &json!({"id":"o","name":"N","title":"T","contactId":"c"}),
        "p",
    );
    assert_eq!(o["name"], "N");
}

#[test]
fn contact_writes_use_v1_custom_field_objects_and_updates_drop_tags() {
    let w = ContactWrite {
        email: Some("jane@acme.test".into()),
        tags: vec!["vip".into()],
        custom_fields: vec![
            CustomFieldWrite {
                id: "f1".into(),
                field_value: json!("x"),
            },
            CustomFieldWrite {
                id: "f2".into(),
                field_value: json!(["a", "b"]),
            },
        ],
        ..Default::default()
    };
    assert_eq!(
        contact_to_v1(&w, Tags::Send),
        json!({
            "email": "jane@acme.test", "tags": ["vip"],
            "customField": {"f1": "x", "f2": ["a", "b"]}
        })
    );
    let update = contact_to_v1(&w, Tags::Omit);
    assert!(update.get("tags").is_none());
}

#[test]
fn custom_field_and_opportunity_writes_in_v1_shape() {
    let f = NewCustomField {
        name: "Interests".into(),
        data_type: DataType::MultipleOptions,
        options: vec!["Ads".into(), "SEO".into()],
        ..Default::default()
    };
    assert_eq!(
        custom_field_to_v1(&f),
        json!({"name":"Interests","dataType":"MULTIPLE_OPTIONS","options":["Ads","SEO"]})
    );
    let o = NewOpportunity {
        pipeline_id: "p1".into(),
        name: "Deal".into(),
        pipeline_stage_id: Some("s1".into()),
        status: OpportunityStatus::Open,
        contact_id: "c1".into(),
        monetary_value: Some(10.0),
        ..Default::default()
    };
    assert_eq!(
        opportunity_to_v1(&o),
        json!({"title":"Deal","status":"open","contactId":"c1","stageId":"s1","monetaryValue":10.0})
    );
}

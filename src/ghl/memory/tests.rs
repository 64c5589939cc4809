//! The in-memory account's API semantics, one test per rule.

use serde_json::json;

use super::*;
use crate::ghl::CustomFieldWrite;
use crate::model::{DataType, FieldValue, OpportunityStatus, Stage};

fn account() -> Account {
    Account {
        location: Location {
            id: "LOC0000000000000000A".into(),
            name: "Target".into(),
        },
        custom_fields: vec![CustomField {
            id: "FLD0000000000000000A".into(),
            name: "Pincode".into(),
            field_key: Some("contact.pincode".into()),
            data_type: DataType::Text,
            ..CustomField::default()
        }],
        pipelines: vec![Pipeline {
            id: "PIP0000000000000000A".into(),
            name: "Sales".into(),
            stages: vec![
                Stage {
                    id: "stage-1".into(),
                    name: "New".into(),
                    ..Default::default()
                },
                Stage {
                    id: "stage-2".into(),
                    name: "Won".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
        contacts: vec![Contact {
            id: "CON0000000000000000A".into(),
            first_name: Some("Ada".into()),
            email: Some("Ada@Example.com".into()),
            phone: Some("+15550001".into()),
            tags: vec!["vip".into()],
            custom_fields: vec![FieldValue {
                id: "FLD0000000000000000A".into(),
                value: json!("111"),
            }],
            ..Contact::default()
        }],
        ..Account::default()
    }
}

fn forbidding() -> MemoryAccount {
    MemoryAccount::new(
        account(),
        MemoryOptions {
            forbid_duplicates: true,
        },
    )
}

fn allowing() -> MemoryAccount {
    MemoryAccount::new(account(), MemoryOptions::default())
}

fn write_email(email: &str) -> ContactWrite {
    ContactWrite {
        email: Some(email.into()),
        ..ContactWrite::default()
    }
}

#[tokio::test]
async fn create_contact_assigns_deterministic_20_char_ids() {
    let (a, b) = (allowing(), allowing());
    let one = a.create_contact(&write_email("x@y.z")).await.unwrap();
    let two = a.create_contact(&write_email("p@q.r")).await.unwrap();
    assert_eq!(one.id.len(), 20);
    assert!(one.id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(one.id, two.id);
    assert_eq!(
        b.create_contact(&write_email("x@y.z")).await.unwrap().id,
        one.id
    );
    assert!(one.date_added.is_some());
    assert_eq!(a.snapshot().contacts.len(), 3);
}

#[tokio::test]
async fn duplicate_email_is_refused_case_insensitively_when_forbidden() {
    let err = forbidding()
        .create_contact(&write_email("ada@example.COM"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Permanent);
    assert_eq!(err.status, Some(400));
    assert_eq!(err.message, DUPLICATE_MESSAGE);
    assert_eq!(err.existing_id.as_deref(), Some("CON0000000000000000A"));
}

#[tokio::test]
async fn duplicate_phone_is_refused_when_forbidden() {
    let write = ContactWrite {
        phone: Some("+15550001".into()),
        ..ContactWrite::default()
    };
    let err = forbidding().create_contact(&write).await.unwrap_err();
    assert_eq!(err.existing_id.as_deref(), Some("CON0000000000000000A"));
    let dup = forbidding().duplicate_of(None, Some("+15550001")).unwrap();
    assert_eq!(dup.matching_field, "phone");
}

#[tokio::test]
async fn duplicates_are_created_when_allowed() {
    let memory = allowing();
    memory
        .create_contact(&write_email("ada@example.com"))
        .await
        .unwrap();
    assert_eq!(memory.snapshot().contacts.len(), 2);
    memory.set_forbid_duplicates(true);
    assert!(
        memory
            .create_contact(&write_email("ADA@example.com"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn update_sets_only_given_fields_merges_custom_values_and_keeps_tags() {
    let memory = allowing();
    let write = ContactWrite {
        last_name: Some("Lovelace".into()),
        tags: vec!["ignored".into()],
        custom_fields: vec![CustomFieldWrite {
            id: "contact.pincode".into(),
            field_value: json!("222"),
        }],
        ..ContactWrite::default()
    };
    let updated = memory
        .update_contact("CON0000000000000000A", &write)
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Ada"));
    assert_eq!(updated.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(updated.tags, vec!["vip".to_string()]);
    assert_eq!(updated.custom_fields.len(), 1);
    assert_eq!(updated.custom_fields[0].value, json!("222"));
}

#[tokio::test]
async fn update_of_a_missing_contact_is_a_400() {
    let err = allowing()
        .update_contact("nope", &write_email("a@b.c"))
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ApiErrorKind::Permanent, Some(400)));
}

#[tokio::test]
async fn add_tags_is_an_ordered_case_insensitive_union() {
    let memory = allowing();
    let tags = ["VIP".to_string(), "new".into(), "New".into()];
    memory
        .add_contact_tags("CON0000000000000000A", &tags)
        .await
        .unwrap();
    let contact = memory.contact("CON0000000000000000A").unwrap();
    assert_eq!(contact.tags, vec!["vip".to_string(), "new".into()]);
}

#[tokio::test]
async fn custom_field_gets_id_and_key_and_same_name_is_refused() {
    let memory = allowing();
    let new = NewCustomField {
        name: "Favourite Colour".into(),
        data_type: DataType::SingleOptions,
        options: vec!["red".into()],
        ..NewCustomField::default()
    };
    let field = memory.create_custom_field(&new).await.unwrap();
    assert_eq!(field.id.len(), 20);
    assert_eq!(field.field_key.as_deref(), Some("contact.favourite_colour"));
    assert_eq!(field.picklist_options, vec!["red".to_string()]);
    let again = NewCustomField {
        name: "pincode".into(),
        ..NewCustomField::default()
    };
    let err = memory.create_custom_field(&again).await.unwrap_err();
    assert_eq!(err.status, Some(400));
}

#[tokio::test]
async fn opportunity_needs_existing_pipeline_stage_and_contact() {
    let memory = allowing();
    let good = NewOpportunity {
        pipeline_id: "PIP0000000000000000A".into(),
        name: "Deal".into(),
        pipeline_stage_id: Some("stage-2".into()),
        status: OpportunityStatus::Open,
        contact_id: "CON0000000000000000A".into(),
        monetary_value: Some(10.0),
        ..NewOpportunity::default()
    };
    let created = memory.create_opportunity(&good).await.unwrap();
    assert_eq!(created.id.len(), 20);
    let found = memory
        .find_opportunities("CON0000000000000000A", "PIP0000000000000000A")
        .await
        .unwrap();
    assert_eq!(found, vec![created]);
    for bad in [
        NewOpportunity {
            pipeline_id: "nope".into(),
            ..good.clone()
        },
        NewOpportunity {
            pipeline_stage_id: Some("nope".into()),
            ..good.clone()
        },
        NewOpportunity {
            contact_id: "nope".into(),
            ..good.clone()
        },
    ] {
        let err = memory.create_opportunity(&bad).await.unwrap_err();
        assert_eq!((err.kind, err.status), (ApiErrorKind::Permanent, Some(400)));
    }
}

#[tokio::test]
async fn find_contacts_by_email_or_exact_phone() {
    let memory = allowing();
    let by_email = ContactKey {
        email: Some("ada@example.com".into()),
        phone: None,
    };
    assert_eq!(memory.find_contacts(&by_email).await.unwrap().len(), 1);
    let by_phone = ContactKey {
        email: None,
        phone: Some("+15550001".into()),
    };
    assert_eq!(memory.find_contacts(&by_phone).await.unwrap().len(), 1);
    let other_phone = ContactKey {
        email: None,
        phone: Some("15550001".into()),
    };
    assert!(memory.find_contacts(&other_phone).await.unwrap().is_empty());
}

#[test]
fn upsert_updates_the_match_and_replaces_tags_or_creates() {
    let memory = allowing();
    let write = ContactWrite {
        email: Some("ADA@example.com".into()),
        city: Some("London".into()),
        tags: vec!["fresh".into()],
        ..ContactWrite::default()
    };
    let up = memory.upsert_contact(&write).unwrap();
    assert!(!up.new);
    assert_eq!(up.contact.id, "CON0000000000000000A");
    assert_eq!(up.contact.tags, vec!["fresh".to_string()]);
    assert_eq!(up.contact.first_name.as_deref(), Some("Ada"));
    let created = memory.upsert_contact(&write_email("new@x.y")).unwrap();
    assert!(created.new);
    assert_eq!(memory.into_account().contacts.len(), 2);
}

#[tokio::test]
async fn custom_values_resolve_by_id_field_key_or_bare_key_and_clear_when_empty() {
    let memory = allowing();
    for (name, value) in [("pincode", json!("1")), ("FLD0000000000000000A", json!(""))] {
        let write = ContactWrite {
            custom_fields: vec![CustomFieldWrite {
                id: name.into(),
                field_value: value,
            }],
            ..ContactWrite::default()
        };
        memory
            .update_contact("CON0000000000000000A", &write)
            .await
            .unwrap();
    }
    let contact = memory.contact("CON0000000000000000A").unwrap();
    assert!(contact.custom_fields.is_empty(), "an empty value clears");
}

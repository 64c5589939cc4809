//! Every request body the V2 client sends, captured on the wire, validates against the official
//! OpenAPI request schemas in `specs/ghl-openapi`, copied into the repository (CC0; see
//! `specs/README.md`): CreateContactDto, UpdateContactDto, TagsDTO, CreateCustomFieldsDTO,
//! opportunities CreateDto, the contact search body.
//!
//! The validator is small and covers what these specs use: `$ref`, `type`, `nullable`,
//! `required`, `properties` (an unknown property is an error), `items`, `anyOf`/`oneOf`/`allOf`
//! and `enum`. One convention of these NestJS-generated specs: a property typed `object` with
//! no `properties` stands for "any value" (e.g. `NumericField.field_value` is `type: object`
//! with `example: 100`, `dateOfBirth` is `type: object` with `example: "1990-09-25"`).

mod client_rawserver;

use std::path::PathBuf;

use client_rawserver::{Received, Reply, Server};
use ghl_migrate::config::{AccountConfig, ApiKind, RateLimitConfig};
use ghl_migrate::ghl::remote::{self, Side};
use ghl_migrate::ghl::{ContactWrite, CustomFieldWrite, Ghl, NewCustomField, NewOpportunity};
use ghl_migrate::model::{DataType, OpportunityStatus};
use serde_json::{Value, json};

/// Properties we send that the spec does not list, each with the reason.
const KNOWN_DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "CreateCustomFieldsDTO",
        "options",
        "picklist options: the spec has no field for them; community clients send `options` [U]",
    ),
    (
        "UpdateContactDto",
        "companyName",
        "in CreateContactDto but missing from UpdateContactDto; clients send it and it is accepted live [U]",
    ),
];

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/ghl-openapi")
}

struct Spec {
    doc: Value,
}

impl Spec {
    fn load(file: &str) -> Spec {
        let path = spec_dir().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the specs live in specs/ghl-openapi)",
                path.display()
            )
        });
        Spec {
            doc: serde_json::from_str(&text).unwrap(),
        }
    }

    fn schema(&self, name: &str) -> &Value {
        self.doc
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("no schema {name}"))
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => self.resolve(
                self.doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("dangling {r}")),
            ),
            None => schema,
        }
    }

    /// Every violation of `schema` by `value`, each with its JSON path.
    fn validate(
        &self,
        root: &str,
        schema: &Value,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                let fits = branches.iter().any(|b| {
                    let mut e = Vec::new();
                    self.validate(root, b, value, at, &mut e);
                    e.is_empty()
                });
                if !fits {
                    errors.push(format!("{at}: matches no branch of {key}: {value}"));
                }
                return;
            }
        }
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for b in all {
                self.validate(root, b, value, at, errors);
            }
        }
        if let Some(Value::Array(options)) = schema.get("enum")
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
        let props = schema.get("properties").and_then(Value::as_object);
        let ok = match schema.get("type").and_then(Value::as_str) {
            Some("string") => value.is_string(),
            Some("number") => value.is_number(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("boolean") => value.is_boolean(),
            Some("array") => value.is_array(),
            // `object` without properties: NestJS's spelling of "any".
            Some("object") if props.is_none_or(|p| p.is_empty()) => true,
            Some("object") => value.is_object(),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: expected {}, got {value}", schema["type"]));
            return;
        }
        if let (Some(items), Value::Array(values)) = (schema.get("items"), value) {
            for (i, v) in values.iter().enumerate() {
                self.validate(root, items, v, &format!("{at}[{i}]"), errors);
            }
        }
        if let (Some(props), Value::Object(map)) = (props, value) {
            if let Some(Value::Array(required)) = schema.get("required") {
                for r in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(r) {
                        errors.push(format!("{at}: missing required `{r}`"));
                    }
                }
            }
            for (k, v) in map {
                match props.get(k) {
                    Some(p) => self.validate(root, p, v, &format!("{at}.{k}"), errors),
                    None if props.is_empty() => {}
                    None if KNOWN_DEVIATIONS
                        .iter()
                        .any(|(s, p, _)| *s == root && p == k) => {}
                    None => errors.push(format!("{at}: unknown property `{k}`")),
                }
            }
        }
    }

    fn check(&self, name: &str, body: &Value) {
        let mut errors = Vec::new();
        self.validate(name, self.schema(name), body, name, &mut errors);
        assert!(
            errors.is_empty(),
            "{body} against {name}:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn the_validator_catches_what_it_must() {
    let contacts = Spec::load("contacts.json");
    let mut errors = Vec::new();
    let bad = json!({"firstName": 5, "colour": "blue", "customFields": [{"field_value": "x"}]});
    contacts.validate(
        "CreateContactDto",
        contacts.schema("CreateContactDto"),
        &bad,
        "$",
        &mut errors,
    );
    let text = errors.join("\n");
    assert!(text.contains("missing required `locationId`"), "{text}");
    assert!(text.contains("$.firstName: expected"), "{text}");
    assert!(text.contains("unknown property `colour`"), "{text}");
    assert!(
        text.contains("$.customFields[0]: matches no branch"),
        "{text}"
    );
    let opportunities = Spec::load("opportunities.json");
    let mut errors = Vec::new();
    let bad = json!({"pipelineId": "p", "locationId": "l", "name": "n", "status": "pending", "contactId": "c"});
    opportunities.validate(
        "CreateDto",
        opportunities.schema("CreateDto"),
        &bad,
        "$",
        &mut errors,
    );
    assert!(errors.join("\n").contains("is not one of"), "{errors:?}");
}

/// A plausible answer to each write, so the client carries on.
fn answer(req: &Received, _: usize) -> Reply {
    let contact = json!({"contact": {"id": "c1", "email": "jane@acme.test"}});
    match (req.method.as_str(), req.path()) {
        ("POST", "/contacts/search") => Reply::ok(json!({"contacts": [], "total": 0})),
        ("POST", "/contacts/") | ("PUT", _) => Reply::ok(contact),
        ("POST", p) if p.ends_with("/tags") => Reply::ok(json!({"tags": ["vip"]})),
        ("POST", p) if p.ends_with("/customFields") => Reply::ok(
            json!({"customField": {"id": "f9", "name": "Interests", "dataType": "MULTIPLE_OPTIONS"}}),
        ),
        ("POST", "/opportunities/") => Reply::ok(json!({"opportunity": {
            "id": "o1", "name": "Deal", "pipelineId": "p1", "contactId": "c1", "status": "open"}})),
        _ => Reply::status(404, "{}"),
    }
}

#[tokio::test]
async fn every_v2_request_body_matches_the_official_schemas() {
    let server = Server::start(answer);
    let cfg = AccountConfig {
        api: ApiKind::V2,
        location_id: Some("ve9EPM428h8vShlRW1KT".into()),
        token_env: Some("T".into()),
        base_url: Some(server.base.clone()),
        path: None,
    };
    let c = remote::open(Side::Target, &cfg, &RateLimitConfig::default(), &|_| {
        Some("tok-openapi".into())
    })
    .unwrap();
    let every_field = ContactWrite {
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        name: Some("Jane Doe".into()),
        email: Some("jane@acme.test".into()),
        phone: Some("+15550100".into()),
        company_name: Some("Acme".into()),
        address1: Some("1 Main St".into()),
        city: Some("Springfield".into()),
        state: Some("IL".into()),
        postal_code: Some("62701".into()),
        country: Some("US".into()),
        website: Some("https://acme.test".into()),
        timezone: Some("America/Chicago".into()),
        source: Some("migration".into()),
        date_of_birth: Some("1990-09-25".into()),
        assigned_to: Some("u1".into()),
        dnd: Some(false),
        tags: vec!["vip".into()],
        custom_fields: vec![
            CustomFieldWrite {
                id: "f1".into(),
                field_value: json!("text"),
            },
            CustomFieldWrite {
                id: "f2".into(),
                field_value: json!(42.5),
            },
            CustomFieldWrite {
                id: "f3".into(),
                field_value: json!(["a", "b"]),
            },
        ],
    };
    c.contacts().await.unwrap();
    c.create_custom_field(&NewCustomField {
        name: "Interests".into(),
        data_type: DataType::MultipleOptions,
        model: Some("contact".into()),
        placeholder: Some("pick".into()),
        position: Some(3),
        options: vec!["Ads".into(), "SEO".into()],
    })
    .await
    .unwrap();
    c.create_contact(&every_field).await.unwrap();
    c.update_contact("c1", &every_field).await.unwrap();
    c.add_contact_tags("c1", &["vip".into()]).await.unwrap();
    c.create_opportunity(&NewOpportunity {
        pipeline_id: "p1".into(),
        name: "Deal".into(),
        pipeline_stage_id: Some("s1".into()),
        status: OpportunityStatus::Won,
        contact_id: "c1".into(),
        monetary_value: Some(1200.0),
        assigned_to: Some("u1".into()),
        custom_fields: vec![CustomFieldWrite {
            id: "f4".into(),
            field_value: json!("x"),
        }],
    })
    .await
    .unwrap();

    let contacts = Spec::load("contacts.json");
    let locations = Spec::load("locations.json");
    let opportunities = Spec::load("opportunities.json");
    let mut checked = Vec::new();
    for req in server.requests() {
        let body = req.json();
        let schema = match (req.method.as_str(), req.path()) {
            ("POST", "/contacts/search") => {
                // The spec leaves SearchBodyV2DTO empty; check it is an object with our fields.
                contacts.check("SearchBodyV2DTO", &body);
                assert_eq!(body["locationId"], "ve9EPM428h8vShlRW1KT");
                assert!(
                    body["pageLimit"]
                        .as_u64()
                        .is_some_and(|n| (1..=500).contains(&n))
                );
                "SearchBodyV2DTO"
            }
            ("POST", "/contacts/") => {
                contacts.check("CreateContactDto", &body);
                "CreateContactDto"
            }
            ("PUT", "/contacts/c1") => {
                contacts.check("UpdateContactDto", &body);
                assert!(
                    body.get("tags").is_none(),
                    "an update never carries tags: {body}"
                );
                "UpdateContactDto"
            }
            ("POST", "/contacts/c1/tags") => {
                contacts.check("TagsDTO", &body);
                "TagsDTO"
            }
            ("POST", "/locations/ve9EPM428h8vShlRW1KT/customFields") => {
                locations.check("CreateCustomFieldsDTO", &body);
                "CreateCustomFieldsDTO"
            }
            ("POST", "/opportunities/") => {
                opportunities.check("CreateDto", &body);
                "CreateDto"
            }
            other => panic!("unexpected request {other:?}"),
        };
        checked.push(schema);
    }
    assert_eq!(
        checked,
        [
            "SearchBodyV2DTO",
            "CreateCustomFieldsDTO",
            "CreateContactDto",
            "UpdateContactDto",
            "TagsDTO",
            "CreateDto"
        ]
    );
}

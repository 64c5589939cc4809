//! The undo plan's decisions for merges from either ledger version, and what it keeps.

use super::*;
use serde_json::json;

fn record(kind: &str, target: &str, how: &str, body: Value, before: Option<&str>) -> ObjectRecord {
    ObjectRecord {
        kind: kind.into(),
        source_key: format!("S-{target}"),
        target_id: target.into(),
        how: how.into(),
        run_id: 1,
        step_id: format!("{kind}/{target}"),
        body: Some(body.to_string()),
        at_ms: 0,
        before: before.map(str::to_string),
    }
}

fn side(api: &str) -> Side {
    Side {
        api: api.into(),
        location: "L".into(),
        name: String::new(),
        fingerprint: "sha256:0".into(),
        ledger_run: Some(1),
    }
}

fn target() -> Account {
    serde_json::from_value(json!({
        "location": {"id": "L", "name": "T"},
        "contacts": [
            {"id": "M1", "email": "m@x.test", "phone": "+15550100", "tags": ["customer", "vip"]}
        ]
    }))
    .unwrap()
}

fn merge_body() -> Value {
    json!({"update_contact": {"id": "M1", "body": {"phone": "+15550100"}, "add_tags": ["vip"]}})
}

fn plan(objects: &[ObjectRecord]) -> Plan {
    build(UndoInput {
        name: "t",
        source: side("ledger"),
        target: side("v2"),
        account: &target(),
        objects,
    })
}

#[test]
fn a_merge_recorded_with_what_it_found_is_taken_back_exactly() {
    let before = r#"{"fields":{"phone":null},"tags_added":["vip"]}"#;
    let p = plan(&[record(
        "contact",
        "M1",
        "merged",
        merge_body(),
        Some(before),
    )]);
    let Action::RestoreContact(r) = &p.steps[0].action else {
        panic!("{p:#?}")
    };
    assert_eq!(r.remove_tags, vec!["vip".to_string()]);
    assert_eq!(r.values[0].field, "phone");
    assert_eq!(r.values[0].to, Value::Null);
    assert!(p.not_done.is_empty(), "{:#?}", p.not_done);
}

#[test]
fn a_merge_from_an_older_ledger_removes_its_tags_and_says_its_values_are_not_set_back() {
    let p = plan(&[record("contact", "M1", "merged", merge_body(), None)]);
    let Action::RestoreContact(r) = &p.steps[0].action else {
        panic!("{p:#?}")
    };
    assert!(r.values.is_empty());
    assert_eq!(r.remove_tags, vec!["vip".to_string()]);
    assert!(
        p.not_done[0].reason.contains("not in the ledger")
            && p.not_done[0].reason.contains("phone"),
        "{:#?}",
        p.not_done
    );
}

#[test]
fn created_pipelines_are_kept_and_said_so_and_a_v1_target_is_warned() {
    let body = json!({"create_pipeline": {"name": "Renewals", "stages": []}});
    let objects = [record("pipeline", "P9", "created", body, None)];
    let p = build(UndoInput {
        name: "t",
        source: side("ledger"),
        target: side("v1"),
        account: &target(),
        objects: &objects,
    });
    assert!(p.steps.is_empty());
    // An undo plan with nothing to do is still an undo (rendered without readiness).
    assert!(p.is_undo());
    assert_eq!(p.not_done[0].outcome, "kept");
    assert!(
        p.warnings.iter().any(|w| w.contains("V1 routes")),
        "{:#?}",
        p.warnings
    );
}

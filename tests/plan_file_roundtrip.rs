//! Any valid plan survives `write` then `read` unchanged, and equal plans are byte-identical:
//! random text (YAML look-alikes such as `yes`, `null`, `1e5`, `+1555`), numbers and tags.

use std::path::Path;

use ghl_migrate::plan::file;
use proptest::prelude::*;
use serde_json::Value;

use ghl_migrate::plan::{
    Action, ContactCreate, ContactUpdate, FORMAT, MappingReport, OpportunityCreate, Plan, Side,
    Step, Summary, ValueWrite,
};

/// Text that is valid, and often tricky, inside YAML scalars: YAML look-alikes of other types,
/// indicators, comment and mapping markers, quotes, flow punctuation, breaks, controls, unicode,
/// and random strings built from those pieces.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "[a-zA-Z0-9 ]{0,12}",
        "\\PC{60,120}",
        proptest::collection::vec(piece(), 0..5).prop_map(|p| p.concat()),
        Just(String::new()),
        Just("yes".to_string()),
        Just("No".to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        Just("1e5".to_string()),
        Just("43215".to_string()),
        Just("+15550100".to_string()),
        Just("0x1F".to_string()),
        Just("- item".to_string()),
        Just("key: value # not a comment".to_string()),
        Just(" leading and trailing ".to_string()),
        Just("line\nbreak".to_string()),
    ]
}

/// Fragments that are harmless alone and dangerous together or at the start of a scalar.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]{1,4}",
        prop::sample::select(vec![
            " ", ": ", ":", " #", "#", "'", "\"", "\\", ",", "[", "]", "{", "}", "-", "- ", "@",
            "*", "&", "!", "|", ">", "%", "?", "`", "~", ".", "+", "_", "/", "0x", "1e3", "yes",
            "no", "null", "true", "Zoë", "日本", "🎉", "\n", "\t", "\r", "\u{0}", "\u{7F}",
            "\u{85}", "\u{2028}", "\u{FEFF}", "\u{A0}",
        ])
        .prop_map(str::to_string),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0.0..1e12f64).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        proptest::collection::vec(text(), 0..3).prop_map(Value::from),
    ]
}

#[derive(Debug, Clone)]
struct Contact {
    fields: Vec<(String, String)>,
    tags: Vec<String>,
    value: Value,
    merge: bool,
    money: Option<f64>,
    deal: String,
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        proptest::collection::vec((prop_oneof!["[a-zA-Z]{1,8}", text()], text()), 0..4),
        proptest::collection::vec(text(), 0..3),
        value(),
        any::<bool>(),
        proptest::option::of(0.0..1e9f64),
        text(),
    )
        .prop_map(|(fields, tags, value, merge, money, deal)| Contact {
            fields,
            tags,
            value,
            merge,
            money,
            deal,
        })
}

fn plan_of(name: String, contacts: Vec<Contact>, warnings: Vec<String>) -> Plan {
    let side = |location: &str| Side {
        api: "fixture".into(),
        location: location.into(),
        name: String::new(),
        fingerprint: "sha256:00".into(),
        ledger_run: None,
    };
    let mut steps = vec![Step {
        id: "custom_field/notes".into(),
        action: Action::CreateField(ghl_migrate::ghl::payload::NewCustomField {
            name: "Notes".into(),
            ..Default::default()
        }),
        after: vec![],
    }];
    for (i, c) in contacts.into_iter().enumerate() {
        let id = format!("contact/{i}");
        let custom_fields = vec![ValueWrite {
            name: "Notes".into(),
            field: "custom_field/notes".into(),
            value: c.value,
            date: (i % 2 == 0).then(|| "2024-12-09".into()),
        }];
        let action = if c.merge {
            Action::MergeContact(ContactUpdate {
                into: format!("T{i}"),
                source_id: format!("S{i}"),
                matched_by: "email".into(),
                fields: c.fields.into_iter().collect(),
                custom_fields,
                add_tags: c.tags,
                ..Default::default()
            })
        } else {
            Action::CreateContact(ContactCreate {
                identity: "source_id".into(),
                source_id: format!("S{i}"),
                fields: c.fields.into_iter().collect(),
                tags: c.tags,
                custom_fields,
                ..Default::default()
            })
        };
        steps.push(Step {
            id: id.clone(),
            action,
            after: vec!["custom_field/notes".into()],
        });
        steps.push(Step {
            id: format!("opportunity/{i}"),
            action: Action::CreateOpportunity(OpportunityCreate {
                name: if c.deal.trim().is_empty() {
                    format!("Deal {i}")
                } else {
                    c.deal
                },
                contact: id.clone(),
                pipeline_id: "P".into(),
                pipeline_stage_id: "S".into(),
                stage: "Sales / New".into(),
                monetary_value: c.money,
                source_id: format!("O{i}"),
                ..Default::default()
            }),
            after: vec![id],
        });
    }
    // The summary announces the steps the plan holds, as the planner's does.
    let mut summary = Summary {
        readiness_percent: 50.0,
        ..Default::default()
    };
    for step in &steps {
        let (counts, outcome) = match step.action.name() {
            "create_field" => (&mut summary.custom_fields, "create"),
            "create_contact" => (&mut summary.contacts, "create"),
            "merge_contact" => (&mut summary.contacts, "merge"),
            "overwrite_contact" => (&mut summary.contacts, "overwrite"),
            _ => (&mut summary.opportunities, "create"),
        };
        *counts.entry(outcome.to_string()).or_default() += 1;
    }
    Plan {
        format: FORMAT.into(),
        name,
        source: side("A"),
        target: side("B"),
        summary,
        mapping: MappingReport::default(),
        warnings,
        steps,
        not_done: vec![],
    }
}

proptest! {
    // A fixed seed: the same cases on every run, so the suite is deterministic.
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_written_plan_reads_back_the_same(
        name in "[a-z0-9][a-z0-9._-]{0,15}",
        contacts in proptest::collection::vec(contact(), 0..6),
        warnings in proptest::collection::vec(text(), 0..3),
    ) {
        let plan = plan_of(name, contacts, warnings);
        let text = file::to_yaml(&plan);
        let back = file::parse(Path::new("p.plan.yaml"), &text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &plan);
        prop_assert_eq!(file::to_yaml(&back), text);
        prop_assert_eq!(file::plan_fingerprint(&back), file::plan_fingerprint(&plan));
    }
}

#[test]
fn write_then_read_through_the_file_system() {
    let plan = plan_of("demo".into(), vec![], vec!["w".into()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans/demo.plan.yaml");
    file::write(&path, &plan).unwrap();
    assert_eq!(file::read(&path).unwrap(), plan);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        file::to_yaml(&plan)
    );
}

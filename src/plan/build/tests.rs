//! The planner on literal accounts: every policy, conflict and outcome.

use super::*;
use crate::config::parse;
use crate::model::{
    Contact, CustomField, FieldValue, Location, Opportunity, Pipeline, Stage, User,
};
use serde_json::json;
use std::path::Path;

fn config(extra: &str) -> Config {
    let text = format!(
        "name: t\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: fixture\n  path: t.json\n{extra}"
    );
    parse(Path::new("migration.yaml"), &text).unwrap()
}

fn field(id: &str, name: &str, t: DataType) -> CustomField {
    CustomField {
        id: id.into(),
        name: name.into(),
        data_type: t,
        ..Default::default()
    }
}

fn contact(id: &str, email: Option<&str>, phone: Option<&str>) -> Contact {
    Contact {
        id: id.into(),
        email: email.map(String::from),
        phone: phone.map(String::from),
        first_name: Some(format!("N{id}")),
        ..Default::default()
    }
}

fn accounts() -> (Account, Account) {
    let stages = |p: &str| {
        vec![
            Stage {
                id: format!("{p}-new"),
                name: "New".into(),
                ..Default::default()
            },
            Stage {
                id: format!("{p}-won"),
                name: "Won".into(),
                ..Default::default()
            },
        ]
    };
    let mut jane = contact("s1", Some("Jane@Acme.test"), Some("(555) 010-0001"));
    jane.tags = vec!["vip".into()];
    jane.custom_fields = vec![
        FieldValue {
            id: "sf-region".into(),
            value: json!("North"),
        },
        FieldValue {
            id: "sf-score".into(),
            value: json!(7),
        },
    ];
    jane.assigned_to = Some("su1".into());
    let source = Account {
        location: Location {
            id: "SRC".into(),
            name: "Source".into(),
        },
        custom_fields: vec![
            field("sf-region", "Region", DataType::Text),
            field("sf-score", "Score", DataType::Numerical),
        ],
        pipelines: vec![
            Pipeline {
                id: "sp".into(),
                name: "Sales".into(),
                stages: stages("sp"),
                ..Default::default()
            },
            Pipeline {
                id: "sr".into(),
                name: "Renewals".into(),
                stages: stages("sr"),
                ..Default::default()
            },
        ],
        users: vec![User {
            id: "su1".into(),
            name: "Ann".into(),
            email: Some("ann@acme.test".into()),
        }],
        contacts: vec![
            jane,
            contact("s2", Some("bob@acme.test"), None),
            contact("s3", None, None),
            contact("s4", Some("JANE@acme.test"), None),
        ],
        opportunities: vec![
            Opportunity {
                id: "o1".into(),
                name: "Deal 7".into(),
                pipeline_id: "sp".into(),
                pipeline_stage_id: Some("sp-won".into()),
                contact_id: "s1".into(),
                monetary_value: Some(1200.0),
                ..Default::default()
            },
            Opportunity {
                id: "o2".into(),
                name: "Renewal".into(),
                pipeline_id: "sr".into(),
                pipeline_stage_id: Some("sr-new".into()),
                contact_id: "s2".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let mut target_jane = contact("t1", Some("jane@acme.test"), None);
    target_jane.first_name = Some("Janet".into());
    target_jane.tags = vec!["customer".into()];
    let target = Account {
        location: Location {
            id: "TGT".into(),
            name: "Target".into(),
        },
        custom_fields: vec![field("tf-region", "region", DataType::Numerical)],
        pipelines: vec![Pipeline {
            id: "tp".into(),
            name: "Sales".into(),
            stages: stages("tp"),
            ..Default::default()
        }],
        users: vec![User {
            id: "tu9".into(),
            name: "Ann".into(),
            email: Some("ANN@acme.test".into()),
        }],
        contacts: vec![target_jane],
        opportunities: vec![],
        ..Default::default()
    };
    (source, target)
}

/// The test migration with a V1 target.
fn v1_target_config() -> Config {
    let text = "name: t\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: v1\n  location_id: TGT\n  token_env: T\n";
    parse(Path::new("migration.yaml"), text).unwrap()
}

fn plan_with(extra: &str) -> Plan {
    let (s, t) = accounts();
    build(PlanInput {
        config: &config(extra),
        source: &s,
        target: &t,
    })
    .unwrap()
}

fn step<'p>(plan: &'p Plan, id: &str) -> &'p Step {
    plan.steps.iter().find(|s| s.id == id).unwrap_or_else(|| {
        panic!(
            "no step {id}; steps: {:?}",
            plan.steps.iter().map(|s| &s.id).collect::<Vec<_>>()
        )
    })
}

#[test]
fn merge_fills_only_what_the_target_lacks_and_adds_tags() {
    let plan = plan_with("");
    let Action::MergeContact(m) = &step(&plan, "contact/jane@acme.test").action else {
        panic!()
    };
    assert_eq!(m.into, "t1");
    assert_eq!(m.fields.get("firstName"), None, "never overwrites");
    assert_eq!(m.fields["phone"], "+15550100001");
    assert_eq!(m.add_tags, vec!["vip".to_string()]);
    assert_eq!(m.assigned_to.as_deref(), Some("tu9"));
}

#[test]
fn overwrite_policy_replaces_with_from_and_to() {
    let plan = plan_with("existing_contacts: overwrite\n");
    let Action::OverwriteContact(m) = &step(&plan, "contact/jane@acme.test").action else {
        panic!()
    };
    assert_eq!(m.fields["firstName"], "Ns1");
    let change = m.changes.iter().find(|c| c.field == "firstName").unwrap();
    assert_eq!(change.from, Some(json!("Janet")));
}

#[test]
fn skip_policy_leaves_existing_contacts_alone() {
    let plan = plan_with("existing_contacts: skip\n");
    assert!(plan.steps.iter().all(|s| s.id != "contact/jane@acme.test"));
    assert_eq!(plan.summary.contacts["skip"], 1);
}

#[test]
fn type_conflicts_are_shown_and_values_not_sent() {
    let plan = plan_with("");
    assert_eq!(plan.summary.custom_fields["conflict"], 1);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.starts_with("custom field `Region`: TEXT in the source, NUMERICAL"))
    );
    let json = serde_json::to_string(&plan.steps).unwrap();
    assert!(
        !json.contains("North"),
        "a conflicting value must not be sent"
    );
    // Score is created and its value goes through the new field's step.
    let Action::MergeContact(m) = &step(&plan, "contact/jane@acme.test").action else {
        panic!()
    };
    assert!(
        m.custom_fields
            .iter()
            .any(|v| v.field == "custom_field/contact.score" && v.value == json!(7))
    );
}

#[test]
fn contacts_without_keys_are_stamped() {
    let plan = plan_with("");
    let Action::CreateContact(c) = &step(&plan, "contact/source:s3").action else {
        panic!()
    };
    assert_eq!(c.identity, "source_id");
    assert!(
        c.custom_fields
            .iter()
            .any(|v| v.field == "custom_field/contact.ghl_migrate_source_id"
                && v.value == json!("s3"))
    );
    let stamp = plan
        .steps
        .iter()
        .position(|s| s.id == "custom_field/contact.ghl_migrate_source_id")
        .unwrap();
    let contact = plan
        .steps
        .iter()
        .position(|s| s.id == "contact/source:s3")
        .unwrap();
    assert!(stamp < contact);
}

#[test]
fn duplicates_in_source_are_reported_not_merged() {
    let plan = plan_with("");
    assert_eq!(plan.summary.contacts["duplicate_in_source"], 1);
    assert!(
        plan.not_done
            .iter()
            .any(|n| n.outcome == "duplicate_in_source" && n.reason.contains("s4"))
    );
}

#[test]
fn opportunities_follow_their_contact_or_are_blocked() {
    let plan = plan_with("create_pipelines: false\n");
    let s = step(&plan, "opportunity/jane@acme.test/sales/deal_7");
    let Action::CreateOpportunity(o) = &s.action else {
        panic!()
    };
    assert_eq!(o.contact, "t1");
    assert_eq!(o.pipeline_stage_id, "tp-won");
    assert!(
        s.after.is_empty(),
        "jane exists: her deal does not wait for (or fail with) her merge"
    );
    assert_eq!(plan.summary.opportunities["blocked"], 1);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("pipeline `Renewals`"))
    );
}

#[test]
fn readiness_counts_fields_pipelines_and_stages() {
    let plan = plan_with("create_pipelines: false\n");
    // fields: Score created (1 of 2); pipelines 1 of 2; stages 2 of 4 -> 4 of 8.
    assert_eq!(plan.summary.readiness_percent, 50.0);
    // Renewals created with its two stages: 7 of 8 (Region is a type conflict).
    assert_eq!(plan_with("").summary.readiness_percent, 87.5);
}

#[test]
fn the_plan_does_not_depend_on_read_order() {
    let (s, t) = accounts();
    let (mut s2, mut t2) = accounts();
    s2.contacts.reverse();
    s2.custom_fields.reverse();
    s2.opportunities.reverse();
    t2.contacts.reverse();
    let cfg = config("");
    let a = build(PlanInput {
        config: &cfg,
        source: &s,
        target: &t,
    })
    .unwrap();
    let b = build(PlanInput {
        config: &cfg,
        source: &s2,
        target: &t2,
    })
    .unwrap();
    assert_eq!(
        serde_yaml::to_string(&a).unwrap(),
        serde_yaml::to_string(&b).unwrap()
    );
}

#[test]
fn objects_limit_what_is_written() {
    let plan = plan_with("objects: [contacts]\n");
    assert!(
        plan.steps
            .iter()
            .all(|s| s.action.kind() == "contact" || s.id.ends_with("ghl_migrate_source_id"))
    );
}

#[test]
fn a_v1_target_cannot_take_contacts_without_email_or_phone() {
    let (s, t) = accounts();
    let cfg = v1_target_config();
    let plan = build(PlanInput {
        config: &cfg,
        source: &s,
        target: &t,
    })
    .unwrap();
    assert!(plan.steps.iter().all(|s| s.id != "contact/source:s3"));
    assert_eq!(plan.summary.contacts["blocked"], 1);
    assert!(
        plan.not_done
            .iter()
            .any(|n| n.id == "contact/source:s3" && n.reason.contains("V1 API"))
    );
}

#[test]
fn a_v1_target_blocks_new_contacts_sharing_a_phone_and_opportunity_fields() {
    let (mut s, t) = accounts();
    s.contacts.push(contact(
        "s5",
        Some("kid@acme.test"),
        Some("+1 555 010 0099"),
    ));
    s.contacts.push(contact(
        "s6",
        Some("parent@acme.test"),
        Some("(555) 010-0099"),
    ));
    let mut opp_field = field("sf-budget", "Budget", DataType::Numerical);
    opp_field.model = Some("opportunity".into());
    s.custom_fields.push(opp_field);
    let cfg = v1_target_config();
    let plan = build(PlanInput {
        config: &cfg,
        source: &s,
        target: &t,
    })
    .unwrap();
    // One of the two is created; the other would be merged into it by V1's upsert.
    let created = ["contact/kid@acme.test", "contact/parent@acme.test"]
        .iter()
        .filter(|id| plan.steps.iter().any(|s| s.id == **id))
        .count();
    assert_eq!(created, 1);
    assert!(
        plan.not_done
            .iter()
            .any(|n| n.reason.contains("upsert on phone"))
    );
    assert!(
        plan.steps
            .iter()
            .all(|s| !s.id.starts_with("custom_field/opportunity."))
    );
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("no opportunity custom fields"))
    );
    // A V2 target takes both.
    let v2 = build(PlanInput {
        config: &config(""),
        source: &s,
        target: &t,
    })
    .unwrap();
    assert!(v2.steps.iter().any(|s| s.id == "contact/kid@acme.test"));
    assert!(v2.steps.iter().any(|s| s.id == "contact/parent@acme.test"));
}

#[test]
fn mappings_and_filters_that_name_nothing_are_warned_about() {
    let plan = plan_with(
        "mappings:\n  pipelines: {Salse: Sales}\n  stages: {\"Sales / Wonn\": Won}\n  custom_fields: {Regoin: Region}\n  users: {ghost@acme.test: ann@acme.test}\nfilters:\n  opportunities:\n    skip_pipelines: [Archivez]\n",
    );
    for key in [
        "`Salse`",
        "`Sales / Wonn`",
        "`Regoin`",
        "`ghost@acme.test`",
        "`Archivez`",
    ] {
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains(key) && w.contains("names nothing in the source")),
            "{key}: {:?}",
            plan.warnings
        );
    }
    // Mappings that do name something are not warned about.
    let plan = plan_with("mappings:\n  pipelines: {Renewals: Sales}\n");
    assert!(
        plan.warnings.iter().all(|w| !w.contains("names nothing")),
        "{:?}",
        plan.warnings
    );
}

//! Literal plans for the executor's unit tests (the planner is not needed to test apply).

use std::collections::BTreeMap;

use serde_json::json;

use crate::ghl::NewCustomField;
use crate::model::{DataType, OpportunityStatus};
use crate::plan::{
    Action, ContactCreate, ContactUpdate, FORMAT, MappingReport, OpportunityCreate, Plan, Side,
    Step, Summary, ValueWrite,
};

pub const PIPELINE: &str = "pipe1";
pub const STAGE: &str = "stage1";

pub fn plan_of(steps: Vec<Step>) -> Plan {
    Plan {
        format: FORMAT.into(),
        name: "test".into(),
        source: side("SRC"),
        target: side("TGT"),
        summary: Summary::default(),
        mapping: MappingReport::default(),
        warnings: vec![],
        steps,
        not_done: vec![],
    }
}

fn side(location: &str) -> Side {
    Side {
        api: "fixture".into(),
        location: location.into(),
        name: String::new(),
        fingerprint: "sha256:unknown".into(),
        ledger_run: None,
    }
}

pub fn field_step(id: &str, name: &str) -> Step {
    Step {
        id: id.into(),
        action: Action::CreateField(NewCustomField {
            name: name.into(),
            data_type: DataType::Text,
            model: Some("contact".into()),
            ..Default::default()
        }),
        after: vec![],
    }
}

pub fn contact_step(id: &str, email: &str, values: &[(&str, &str)]) -> Step {
    let mut fields = BTreeMap::new();
    fields.insert("email".to_string(), email.to_string());
    fields.insert("firstName".to_string(), "First".to_string());
    Step {
        id: id.into(),
        action: Action::CreateContact(ContactCreate {
            identity: "email".into(),
            source_id: format!("src-{email}"),
            fields,
            tags: vec!["migrated".into()],
            custom_fields: values
                .iter()
                .map(|(f, v)| ValueWrite {
                    field: f.to_string(),
                    value: json!(v),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
        after: vec![],
    }
}

pub fn merge_step(id: &str, into: &str, phone: &str, tags: &[&str]) -> Step {
    let mut fields = BTreeMap::new();
    fields.insert("phone".to_string(), phone.to_string());
    Step {
        id: id.into(),
        action: Action::MergeContact(ContactUpdate {
            into: into.into(),
            source_id: format!("src-{id}"),
            matched_by: "email".into(),
            fields,
            add_tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }),
        after: vec![],
    }
}

pub fn opportunity_step(id: &str, contact: &str, name: &str) -> Step {
    Step {
        id: id.into(),
        action: Action::CreateOpportunity(OpportunityCreate {
            name: name.into(),
            contact: contact.into(),
            pipeline_id: PIPELINE.into(),
            pipeline_stage_id: STAGE.into(),
            stage: "Sales / New".into(),
            status: OpportunityStatus::Open,
            monetary_value: Some(100.0),
            source_id: format!("src-{id}"),
            ..Default::default()
        }),
        after: vec![],
    }
}

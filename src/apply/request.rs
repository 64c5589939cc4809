//! From a plan step to the request(s) it sends: references to earlier steps are replaced by the
//! target ids those steps created (read from the checkpoint), everything else is copied as is.

use std::collections::{BTreeMap, HashMap};

use crate::ghl::{
    ContactWrite, CustomFieldWrite, Doomed, NewCustomField, NewNote, NewOpportunity, NewTask,
    PipelineWrite, StageWrite,
};
use crate::plan::{
    Action, ContactCreate, ContactRestore, ContactUpdate, OpportunityCreate, PipelineCreate,
    StageAdd, ValueWrite, is_step_ref,
};

/// What one step sends, with every reference resolved to a target id.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    CreateField(NewCustomField),
    CreateContact(ContactWrite),
    /// `PUT /contacts/{id}` with only the given values, then `POST /contacts/{id}/tags`.
    UpdateContact {
        id: String,
        body: ContactWrite,
        add_tags: Vec<String>,
    },
    CreateOpportunity(NewOpportunity),
    /// `POST /opportunities/pipelines` with every stage.
    CreatePipeline(PipelineWrite),
    /// Read the pipeline, then (unless it has the stage) `PUT` it with every stage it has plus
    /// this one.
    AddStage {
        pipeline_id: String,
        stage: StageAdd,
    },
    /// `POST /contacts/{contact}/notes`.
    CreateNote {
        contact: String,
        body: NewNote,
    },
    /// `POST /contacts/{contact}/tasks`.
    CreateTask {
        contact: String,
        body: NewTask,
    },
    /// `DELETE` of one object (`undo`).
    Delete(Doomed),
    /// Read the contact, then `PUT` back each value it still holds as the migration wrote it,
    /// then `DELETE /contacts/{id}/tags` (`undo`).
    RestoreContact(ContactRestore),
}

/// A reference to a step that has no target id (it is not done): the step cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved(pub String);

/// Target ids of the steps done so far, by step id.
pub type Created = HashMap<String, String>;

/// Builds the request of `action`, resolving step references through `created`.
pub fn build(action: &Action, created: &Created) -> Result<Request, Unresolved> {
    let r = |reference: &str| resolve(reference, created);
    Ok(match action {
        Action::CreateField(f) => Request::CreateField(f.clone()),
        Action::CreateContact(c) => Request::CreateContact(contact_create(c, created)?),
        Action::MergeContact(u) | Action::OverwriteContact(u) => Request::UpdateContact {
            id: r(&u.into)?,
            body: contact_update(u, created)?,
            add_tags: u.add_tags.clone(),
        },
        Action::CreateOpportunity(o) => Request::CreateOpportunity(opportunity(o, created)?),
        Action::CreatePipeline(p) => Request::CreatePipeline(pipeline(p)),
        Action::AddStage(a) => Request::AddStage {
            pipeline_id: r(&a.pipeline)?,
            stage: a.clone(),
        },
        Action::CreateNote(n) => {
            let (contact, body) = super::history::note(n, created)?;
            Request::CreateNote { contact, body }
        }
        Action::CreateTask(t) => {
            let (contact, body) = super::history::task(t, created)?;
            Request::CreateTask { contact, body }
        }
        Action::Delete(d) => Request::Delete(d.what.clone()),
        Action::RestoreContact(r) => Request::RestoreContact(r.clone()),
    })
}

/// A new pipeline's body: its stages in order, each with its probability.
fn pipeline(p: &PipelineCreate) -> PipelineWrite {
    PipelineWrite {
        name: p.name.clone(),
        stages: p
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageWrite {
                id: None,
                name: s.name.clone(),
                position: i as i64,
                stage_win_probability: s.win_probability,
            })
            .collect(),
        use_opportunity_probability: p.use_opportunity_probability,
    }
}

/// A step reference becomes the id its step created; a target id stays as it is.
pub fn resolve(reference: &str, created: &Created) -> Result<String, Unresolved> {
    if !is_step_ref(reference) {
        return Ok(reference.to_string());
    }
    created
        .get(reference)
        .cloned()
        .ok_or_else(|| Unresolved(reference.to_string()))
}

fn contact_create(c: &ContactCreate, created: &Created) -> Result<ContactWrite, Unresolved> {
    let mut body = standard_fields(&c.fields);
    body.tags = c.tags.clone();
    body.custom_fields = values(&c.custom_fields, created)?;
    body.assigned_to = c.assigned_to.clone();
    body.dnd = c.dnd;
    Ok(body)
}

fn contact_update(u: &ContactUpdate, created: &Created) -> Result<ContactWrite, Unresolved> {
    let mut body = standard_fields(&u.fields);
    body.custom_fields = values(&u.custom_fields, created)?;
    body.assigned_to = u.assigned_to.clone();
    Ok(body)
}

fn opportunity(o: &OpportunityCreate, created: &Created) -> Result<NewOpportunity, Unresolved> {
    Ok(NewOpportunity {
        pipeline_id: resolve(&o.pipeline_id, created)?,
        name: o.name.clone(),
        pipeline_stage_id: Some(resolve(&o.pipeline_stage_id, created)?),
        status: o.status,
        contact_id: resolve(&o.contact, created)?,
        monetary_value: o.monetary_value,
        assigned_to: o.assigned_to.clone(),
        custom_fields: values(&o.custom_fields, created)?,
    })
}

fn values(values: &[ValueWrite], created: &Created) -> Result<Vec<CustomFieldWrite>, Unresolved> {
    values
        .iter()
        .map(|v| {
            Ok(CustomFieldWrite {
                id: resolve(&v.field, created)?,
                field_value: v.value.clone(),
            })
        })
        .collect()
}

/// Standard fields by API name into the body; names were checked when the graph was built.
fn standard_fields(fields: &BTreeMap<String, String>) -> ContactWrite {
    let mut body = ContactWrite::default();
    for (name, slot) in body.text_fields_mut() {
        if let Some(value) = fields.get(name) {
            *slot = Some(value.clone());
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::testing::*;
    use serde_json::json;

    #[test]
    fn a_contact_gets_the_id_of_the_field_created_before_it() {
        let step = contact_step(
            "contact/a@x.test",
            "a@x.test",
            &[("custom_field/region", "EU")],
        );
        let created = Created::from([("custom_field/region".to_string(), "F1".to_string())]);
        let Request::CreateContact(body) = build(&step.action, &created).unwrap() else {
            panic!()
        };
        assert_eq!(body.email.as_deref(), Some("a@x.test"));
        assert_eq!(body.first_name.as_deref(), Some("First"));
        assert_eq!(body.tags, vec!["migrated".to_string()]);
        assert_eq!(
            body.custom_fields,
            vec![CustomFieldWrite {
                id: "F1".into(),
                field_value: json!("EU")
            }]
        );
    }

    #[test]
    fn an_unresolved_reference_is_reported_and_a_target_id_passes_through() {
        let step = opportunity_step("opportunity/d", "contact/a@x.test", "Deal");
        assert_eq!(
            build(&step.action, &Created::new()),
            Err(Unresolved("contact/a@x.test".into()))
        );
        let step = opportunity_step("opportunity/d", "EXISTING1", "Deal");
        let Request::CreateOpportunity(o) = build(&step.action, &Created::new()).unwrap() else {
            panic!()
        };
        assert_eq!(o.contact_id, "EXISTING1");
        assert_eq!(o.pipeline_stage_id.as_deref(), Some(STAGE));
    }

    #[test]
    fn a_merge_sends_only_its_values_and_never_tags_in_the_body() {
        let step = merge_step("contact/b", "T9", "+15550100", &["vip"]);
        let Request::UpdateContact { id, body, add_tags } =
            build(&step.action, &Created::new()).unwrap()
        else {
            panic!()
        };
        assert_eq!(id, "T9");
        assert_eq!(
            body,
            ContactWrite {
                phone: Some("+15550100".into()),
                ..Default::default()
            }
        );
        assert_eq!(add_tags, vec!["vip".to_string()]);
    }
}

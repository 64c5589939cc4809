//! The steps' dependency graph: a step waits for the steps named in its `after` and for every
//! step its payload refers to. Built once, checked (unique ids, no dangling reference, no cycle,
//! known contact fields), then used by the executor to know what may run now.

use crate::error::Error;
use crate::graph::StepGraph;
use crate::model::CONTACT_STANDARD_FIELDS;
use crate::plan::{Action, Plan};

/// Dependencies by step index, both ways (the plan's one dependency graph).
pub type Graph = StepGraph;

/// Why a plan cannot be executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    Invalid(String),
    Cycle(String),
}

/// The graph of a plan about to be executed: the dependency graph, plus the check that contact
/// payloads only name fields the API knows.
pub fn build(plan: &Plan) -> Result<Graph, GraphError> {
    for step in &plan.steps {
        check_fields(&step.id, &step.action)?;
    }
    StepGraph::new(&plan.steps).map_err(|e| match e {
        Error::Cycle(c) => GraphError::Cycle(c),
        other => GraphError::Invalid(other.to_string()),
    })
}

/// Contact payloads name standard fields by API name; an unknown one would be silently dropped.
fn check_fields(id: &str, action: &Action) -> Result<(), GraphError> {
    let fields = match action {
        Action::CreateContact(c) => &c.fields,
        Action::MergeContact(u) | Action::OverwriteContact(u) => &u.fields,
        _ => return Ok(()),
    };
    match fields
        .keys()
        .find(|k| !CONTACT_STANDARD_FIELDS.contains(&k.as_str()))
    {
        Some(k) => Err(GraphError::Invalid(format!(
            "step `{id}` sets `{k}`, which is not a contact field the API knows (one of {})",
            CONTACT_STANDARD_FIELDS.join(", ")
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::testing::*;

    #[test]
    fn refs_and_after_become_dependencies() {
        let plan = plan_of(vec![
            field_step("custom_field/region", "Region"),
            contact_step(
                "contact/a@x.test",
                "a@x.test",
                &[("custom_field/region", "EU")],
            ),
            opportunity_step("opportunity/deal", "contact/a@x.test", "Deal"),
        ]);
        let g = build(&plan).unwrap();
        assert_eq!(g.deps[0], Vec::<usize>::new());
        assert_eq!(g.deps[1], vec![0]);
        assert_eq!(g.deps[2], vec![1]);
        assert_eq!(g.dependents[0], vec![1]);
    }

    #[test]
    fn a_dangling_reference_is_named() {
        let plan = plan_of(vec![opportunity_step(
            "opportunity/deal",
            "contact/ghost@x.test",
            "Deal",
        )]);
        let err = build(&plan).unwrap_err();
        assert_eq!(
            err,
            GraphError::Invalid(
                "step `opportunity/deal` refers to `contact/ghost@x.test`, which is not a step of this plan"
                    .into()
            )
        );
    }

    #[test]
    fn a_cycle_is_named_step_by_step() {
        let mut a = field_step("custom_field/a", "A");
        let mut b = field_step("custom_field/b", "B");
        a.after = vec!["custom_field/b".into()];
        b.after = vec!["custom_field/a".into()];
        let err = build(&plan_of(vec![a, b])).unwrap_err();
        let GraphError::Cycle(text) = err else {
            panic!("{err:?}")
        };
        assert!(
            text.contains("custom_field/a") && text.contains("custom_field/b"),
            "{text}"
        );
    }

    #[test]
    fn duplicate_ids_and_unknown_contact_fields_are_refused() {
        let plan = plan_of(vec![field_step("f/a", "A"), field_step("f/a", "A")]);
        assert!(matches!(build(&plan), Err(GraphError::Invalid(m)) if m.contains("twice")));
        let mut c = contact_step("contact/a", "a@x.test", &[]);
        if let Action::CreateContact(cc) = &mut c.action {
            cc.fields.insert("favouriteColour".into(), "red".into());
        }
        let err = build(&plan_of(vec![c])).unwrap_err();
        assert!(matches!(err, GraphError::Invalid(m) if m.contains("favouriteColour")));
    }
}

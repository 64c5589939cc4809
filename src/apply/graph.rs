//! The steps' dependency graph: a step waits for the steps named in its `after` and for every
//! step its payload refers to. Built once, checked (unique ids, no dangling reference, no cycle,
//! known contact fields), then used by the executor to know what may run now.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::model::CONTACT_STANDARD_FIELDS;
use crate::plan::{Action, Plan, is_step_ref};

/// Dependencies by step index, both ways.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Step id -> index in the plan.
    pub index: HashMap<String, usize>,
    /// What each step waits for.
    pub deps: Vec<Vec<usize>>,
    /// Who waits for each step.
    pub dependents: Vec<Vec<usize>>,
}

/// Why a plan cannot be executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    Invalid(String),
    Cycle(String),
}

impl Graph {
    pub fn build(plan: &Plan) -> Result<Graph, GraphError> {
        let mut index = HashMap::new();
        for (i, step) in plan.steps.iter().enumerate() {
            if index.insert(step.id.clone(), i).is_some() {
                return Err(GraphError::Invalid(format!(
                    "step id `{}` appears twice",
                    step.id
                )));
            }
        }
        let mut deps = vec![Vec::new(); plan.steps.len()];
        let mut dependents = vec![Vec::new(); plan.steps.len()];
        for (i, step) in plan.steps.iter().enumerate() {
            check_fields(&step.id, &step.action)?;
            let named = step
                .after
                .iter()
                .map(String::as_str)
                .chain(step.action.refs().into_iter().filter(|r| is_step_ref(r)));
            let mut seen = HashSet::new();
            for reference in named {
                let Some(&j) = index.get(reference) else {
                    return Err(GraphError::Invalid(format!(
                        "step `{}` refers to `{reference}`, which is not a step of this plan",
                        step.id
                    )));
                };
                if j == i {
                    return Err(GraphError::Cycle(format!("{} -> {}", step.id, step.id)));
                }
                if seen.insert(j) {
                    deps[i].push(j);
                    dependents[j].push(i);
                }
            }
        }
        let graph = Graph {
            index,
            deps,
            dependents,
        };
        graph.check_acyclic(plan)?;
        Ok(graph)
    }

    /// Kahn's algorithm; what is left over lies on a cycle, which is named step by step.
    fn check_acyclic(&self, plan: &Plan) -> Result<(), GraphError> {
        let mut waiting: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut queue: VecDeque<usize> = (0..waiting.len()).filter(|&i| waiting[i] == 0).collect();
        let mut seen = 0;
        while let Some(i) = queue.pop_front() {
            seen += 1;
            for &d in &self.dependents[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    queue.push_back(d);
                }
            }
        }
        if seen == waiting.len() {
            return Ok(());
        }
        // Walk from a leftover step along leftover dependencies until a step repeats.
        let start = (0..waiting.len()).find(|&i| waiting[i] > 0).unwrap_or(0);
        let mut path = vec![start];
        let mut at = start;
        loop {
            let next = self.deps[at]
                .iter()
                .copied()
                .find(|&d| waiting[d] > 0)
                .unwrap_or(start);
            if let Some(pos) = path.iter().position(|&p| p == next) {
                let cycle: Vec<&str> = path[pos..]
                    .iter()
                    .chain(std::iter::once(&next))
                    .map(|&i| plan.steps[i].id.as_str())
                    .collect();
                return Err(GraphError::Cycle(cycle.join(" -> ")));
            }
            path.push(next);
            at = next;
        }
    }
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
        let g = Graph::build(&plan).unwrap();
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
        let err = Graph::build(&plan).unwrap_err();
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
        let err = Graph::build(&plan_of(vec![a, b])).unwrap_err();
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
        assert!(matches!(Graph::build(&plan), Err(GraphError::Invalid(m)) if m.contains("twice")));
        let mut c = contact_step("contact/a", "a@x.test", &[]);
        if let Action::CreateContact(cc) = &mut c.action {
            cc.fields.insert("favouriteColour".into(), "red".into());
        }
        let err = Graph::build(&plan_of(vec![c])).unwrap_err();
        assert!(matches!(err, GraphError::Invalid(m) if m.contains("favouriteColour")));
    }
}

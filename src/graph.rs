//! The dependency graph of a plan's steps (petgraph): fields before the contacts that carry
//! their values, a contact before its opportunities, notes and tasks. Gives a deterministic
//! order and names any cycle step by step.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::{Error, Result};
use crate::plan::{Step, is_step_ref};

/// The steps as a graph: step `i` waits for every step in `deps[i]`.
#[derive(Debug, Clone)]
pub struct StepGraph {
    /// Step id -> index in the plan.
    pub index: HashMap<String, usize>,
    /// What each step waits for (each once, in the order named).
    pub deps: Vec<Vec<usize>>,
    /// Who waits for each step (in step order).
    pub dependents: Vec<Vec<usize>>,
}

impl StepGraph {
    /// Builds the graph from `after` lists and step references inside payloads, and checks it:
    /// ids are unique, every reference names a step, and there is no cycle (each named).
    pub fn new(steps: &[Step]) -> Result<Self> {
        let mut index = HashMap::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            if index.insert(step.id.clone(), i).is_some() {
                return Err(Error::Other(format!("step id `{}` appears twice", step.id)));
            }
        }
        let mut deps = vec![Vec::new(); steps.len()];
        let mut dependents = vec![Vec::new(); steps.len()];
        for (i, step) in steps.iter().enumerate() {
            let refs = step
                .after
                .iter()
                .map(String::as_str)
                .chain(step.action.refs().into_iter().filter(|r| is_step_ref(r)));
            for r in refs {
                let Some(&dep) = index.get(r) else {
                    return Err(Error::Other(format!(
                        "step `{}` refers to `{r}`, which is not a step of this plan",
                        step.id
                    )));
                };
                // Checked per step: asking a graph whether an edge exists would scan all the
                // edges of a popular dependency (a new field 100,000 contacts wait for).
                if !deps[i].contains(&dep) {
                    deps[i].push(dep);
                    dependents[dep].push(i);
                }
            }
        }
        let graph = StepGraph {
            index,
            deps,
            dependents,
        };
        graph.check_acyclic(steps)?;
        Ok(graph)
    }

    /// A topological order in which, among ready steps, `rank` (then position) decides.
    pub fn order_by<K: Ord>(&self, steps: &[Step], rank: impl Fn(&Step) -> K) -> Vec<usize> {
        let mut waiting: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<(K, usize)>> = (0..steps.len())
            .filter(|&i| waiting[i] == 0)
            .map(|i| Reverse((rank(&steps[i]), i)))
            .collect();
        let mut out = Vec::with_capacity(steps.len());
        while let Some(Reverse((_, i))) = ready.pop() {
            out.push(i);
            for &d in &self.dependents[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    ready.push(Reverse((rank(&steps[d]), d)));
                }
            }
        }
        out
    }

    /// Strongly connected components (petgraph's Tarjan): any of more than one step, or a step
    /// that waits for itself, is a cycle, named step by step.
    fn check_acyclic(&self, steps: &[Step]) -> Result<()> {
        let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(steps.len(), steps.len());
        for _ in steps {
            graph.add_node(());
        }
        for (i, deps) in self.deps.iter().enumerate() {
            for &d in deps {
                graph.add_edge(NodeIndex::new(d), NodeIndex::new(i), ());
            }
        }
        for scc in tarjan_scc(&graph) {
            let self_loop = scc.len() == 1 && self.deps[scc[0].index()].contains(&scc[0].index());
            if scc.len() > 1 || self_loop {
                let mut ids: Vec<&str> = scc.iter().map(|n| steps[n.index()].id.as_str()).collect();
                ids.sort_unstable();
                let first = ids[0];
                return Err(Error::Cycle(format!("{} -> {first}", ids.join(" -> "))));
            }
        }
        Ok(())
    }
}

/// Orders steps for the plan file: dependencies first; among ready steps fields, then contacts,
/// then opportunities, then notes, then tasks, each by id.
pub fn plan_order(steps: Vec<Step>) -> Result<Vec<Step>> {
    let graph = StepGraph::new(&steps)?;
    let rank = |s: &Step| {
        let kind = match s.action.kind() {
            "custom_field" => 0,
            "contact" => 1,
            "opportunity" => 2,
            "note" => 3,
            _ => 4,
        };
        (kind, s.id.clone())
    };
    let order = graph.order_by(&steps, rank);
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .map(|i| slots[i].take().expect("each index once"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::NewCustomField;
    use crate::plan::{Action, ContactCreate, OpportunityCreate, ValueWrite};

    fn field(id: &str) -> Step {
        Step {
            id: id.into(),
            action: Action::CreateField(NewCustomField::default()),
            after: vec![],
        }
    }

    fn contact(id: &str, field_ref: Option<&str>) -> Step {
        Step {
            id: id.into(),
            action: Action::CreateContact(ContactCreate {
                custom_fields: field_ref
                    .map(|f| {
                        vec![ValueWrite {
                            field: f.into(),
                            value: "x".into(),
                            ..Default::default()
                        }]
                    })
                    .unwrap_or_default(),
                ..Default::default()
            }),
            after: vec![],
        }
    }

    fn opportunity(id: &str, contact: &str) -> Step {
        Step {
            id: id.into(),
            action: Action::CreateOpportunity(OpportunityCreate {
                contact: contact.into(),
                ..Default::default()
            }),
            after: vec![],
        }
    }

    fn ids(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn dependencies_come_first_then_kind_then_id() {
        let steps = vec![
            opportunity("opportunity/a", "contact/b"),
            contact("contact/b", Some("custom_field/z")),
            contact("contact/a", None),
            field("custom_field/z"),
            opportunity("opportunity/b", "EXISTING1234567890ab"),
        ];
        let ordered = plan_order(steps).unwrap();
        assert_eq!(
            ids(&ordered),
            [
                "custom_field/z",
                "contact/a",
                "contact/b",
                "opportunity/a",
                "opportunity/b"
            ]
        );
    }

    #[test]
    fn a_dangling_reference_names_the_step() {
        let err = plan_order(vec![opportunity("opportunity/a", "contact/ghost")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "step `opportunity/a` refers to `contact/ghost`, which is not a step of this plan"
        );
    }

    #[test]
    fn a_cycle_is_named() {
        let mut a = contact("contact/a", None);
        a.after = vec!["contact/b".into()];
        let mut b = contact("contact/b", None);
        b.after = vec!["contact/a".into()];
        let err = plan_order(vec![a, b]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency cycle: contact/a -> contact/b -> contact/a"
        );
    }
}

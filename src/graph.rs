//! The dependency graph of a plan's steps (petgraph): fields before the contacts that carry
//! their values, a contact before its opportunities. Gives a deterministic order and names
//! any cycle step by step.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::{Error, Result};
use crate::plan::{Step, is_step_ref};

/// The steps as a graph: an edge `a -> b` means `b` waits for `a`.
#[derive(Debug)]
pub struct StepGraph {
    graph: DiGraph<usize, ()>,
}

impl StepGraph {
    /// Builds the graph from `after` lists and step references inside payloads.
    /// A reference to a step that does not exist is an error naming both.
    pub fn new(steps: &[Step]) -> Result<Self> {
        let index: HashMap<&str, usize> = steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut graph = DiGraph::with_capacity(steps.len(), steps.len());
        for i in 0..steps.len() {
            graph.add_node(i);
        }
        for (i, step) in steps.iter().enumerate() {
            let refs = step
                .after
                .iter()
                .map(String::as_str)
                .chain(step.action.refs().into_iter().filter(|r| is_step_ref(r)));
            // De-duplicated per step: asking the graph (`contains_edge`) would scan the edges of
            // a popular dependency, e.g. a new field that 100,000 contacts wait for.
            let mut deps: Vec<usize> = Vec::new();
            for r in refs {
                let Some(&dep) = index.get(r) else {
                    return Err(Error::Other(format!(
                        "step `{}` depends on `{r}`, which is not a step of this plan",
                        step.id
                    )));
                };
                if !deps.contains(&dep) {
                    deps.push(dep);
                    graph.add_edge(NodeIndex::new(dep), NodeIndex::new(i), ());
                }
            }
        }
        Ok(StepGraph { graph })
    }

    /// Indices of the steps each step waits for.
    pub fn dependencies(&self, step: usize) -> Vec<usize> {
        let mut deps: Vec<usize> = self
            .graph
            .neighbors_directed(NodeIndex::new(step), petgraph::Direction::Incoming)
            .map(|n| n.index())
            .collect();
        deps.sort_unstable();
        deps
    }

    /// Indices of the steps that wait for `step`.
    pub fn dependents(&self, step: usize) -> Vec<usize> {
        let mut deps: Vec<usize> = self
            .graph
            .neighbors_directed(NodeIndex::new(step), petgraph::Direction::Outgoing)
            .map(|n| n.index())
            .collect();
        deps.sort_unstable();
        deps
    }

    /// A topological order in which, among ready steps, `rank` (then position) decides.
    /// A cycle is an error that names its steps.
    pub fn order_by<K: Ord>(
        &self,
        steps: &[Step],
        rank: impl Fn(&Step) -> K,
    ) -> Result<Vec<usize>> {
        self.check_acyclic(steps)?;
        let n = self.graph.node_count();
        let mut waiting: Vec<usize> = (0..n).map(|i| self.dependencies(i).len()).collect();
        let mut ready: BinaryHeap<Reverse<(K, usize)>> = (0..n)
            .filter(|&i| waiting[i] == 0)
            .map(|i| Reverse((rank(&steps[i]), i)))
            .collect();
        let mut out = Vec::with_capacity(n);
        while let Some(Reverse((_, i))) = ready.pop() {
            out.push(i);
            for d in self.dependents(i) {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    ready.push(Reverse((rank(&steps[d]), d)));
                }
            }
        }
        Ok(out)
    }

    fn check_acyclic(&self, steps: &[Step]) -> Result<()> {
        for scc in tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
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
/// then opportunities, each by id.
pub fn plan_order(steps: Vec<Step>) -> Result<Vec<Step>> {
    let graph = StepGraph::new(&steps)?;
    let rank = |s: &Step| {
        let kind = match s.action.kind() {
            "custom_field" => 0,
            "contact" => 1,
            _ => 2,
        };
        (kind, s.id.clone())
    };
    let order = graph.order_by(&steps, rank)?;
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
            "step `opportunity/a` depends on `contact/ghost`, which is not a step of this plan"
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

//! The executor's bookkeeping, without I/O: each step's status, the ids created so far, how many
//! unfinished dependencies each step still waits for, and the queue of steps that may run now.

use std::collections::VecDeque;

use super::graph::Graph;
use super::request::{self, Created, Request};
use crate::plan::Plan;
use crate::state::{StepRecord, StepStatus};

#[derive(Debug)]
pub struct Book {
    pub status: Vec<StepStatus>,
    pub created: Created,
    waiting: Vec<usize>,
    pub ready: VecDeque<usize>,
}

/// What to do with a step taken from the ready queue.
#[derive(Debug)]
pub enum Next {
    /// Send it; `in_doubt` when the checkpoint says it may already have been sent.
    Launch {
        request: Box<Request>,
        in_doubt: bool,
    },
    /// A step it needs did not succeed.
    Blocked { reason: String },
}

impl Book {
    /// The book of a plan whose steps stand as `records` say (plan order, same ids).
    pub fn new(plan: &Plan, graph: &Graph, records: &[StepRecord]) -> Book {
        let mut status = vec![StepStatus::Pending; plan.steps.len()];
        let mut created = Created::new();
        for r in records {
            if let Some(&i) = graph.index.get(&r.id) {
                status[i] = r.status;
                if let (StepStatus::Done, Some(id)) = (r.status, &r.target_id) {
                    created.insert(r.id.clone(), id.clone());
                }
            }
        }
        let waiting: Vec<usize> = graph
            .deps
            .iter()
            .map(|deps| deps.iter().filter(|&&d| !status[d].is_terminal()).count())
            .collect();
        let ready = (0..status.len())
            .filter(|&i| !status[i].is_terminal() && waiting[i] == 0)
            .collect();
        Book {
            status,
            created,
            waiting,
            ready,
        }
    }

    /// Decides what to do with ready step `i`: every dependency is finished by now.
    pub fn next(&self, plan: &Plan, graph: &Graph, i: usize) -> Next {
        if let Some(&d) = graph.deps[i]
            .iter()
            .find(|&&d| self.status[d] != StepStatus::Done)
        {
            return Next::Blocked {
                reason: format!(
                    "needs `{}`, which {}",
                    plan.steps[d].id,
                    match self.status[d] {
                        StepStatus::Failed => "failed",
                        _ => "was blocked",
                    }
                ),
            };
        }
        let step = &plan.steps[i];
        match request::build(&step.action, &self.created) {
            Ok(request) => Next::Launch {
                request: Box::new(request),
                in_doubt: self.status[i] == StepStatus::Sending,
            },
            Err(request::Unresolved(r)) => Next::Blocked {
                reason: format!("`{r}` has no target id"),
            },
        }
    }

    /// Records a step's end; dependents whose last dependency this was become ready.
    pub fn finish(&mut self, graph: &Graph, i: usize, status: StepStatus) {
        self.status[i] = status;
        for &d in &graph.dependents[i] {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 && !self.status[d].is_terminal() {
                self.ready.push_back(d);
            }
        }
    }

    pub fn count(&self, status: StepStatus) -> usize {
        self.status.iter().filter(|&&s| s == status).count()
    }
}

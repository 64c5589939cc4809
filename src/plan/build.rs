//! The planner: a pure function from the declaration and both account snapshots to a [`Plan`].
//! Matching decides what each object is in the target; this module turns the decisions into
//! steps with full payloads, the summary, the mapping report and the warnings.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::{Config, ExistingPolicy, ObjectKind};
use crate::error::Result;
use crate::ghl::NewCustomField;
use crate::graph;
use crate::ledger::View;
use crate::matching::contacts::{ContactMatchOptions, ContactOutcome, Identity, match_contacts};
use crate::matching::fields::{FieldDecision, FieldOutcome, match_fields};
use crate::matching::opportunities::{ContactLink, OpportunityOutcome, match_opportunities};
use crate::matching::pipelines::match_pipelines;
use crate::matching::users::{UserMap, match_users};
use crate::model::{Account, DataType};
use crate::normalize;
use crate::plan::contact_steps::{self, ContactContext};
use crate::plan::label;
use crate::plan::values::{Converted, FieldTarget, convert};
use crate::plan::{
    Action, FORMAT, MapEntry, MappingReport, NotDone, OpportunityCreate, Plan, Side, Step, Summary,
    ValueWrite, fingerprint,
};

pub use history::history_scope;

/// The name of the target field that holds stamped source ids of contacts with no email or phone.
pub const STAMP_FIELD_NAME: &str = "ghl-migrate source id";

/// Everything the planner reads.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub config: &'a Config,
    pub source: &'a Account,
    pub target: &'a Account,
}

/// Builds the plan. Deterministic: equal inputs give equal plans, whatever the read order.
pub fn build(input: PlanInput<'_>) -> Result<Plan> {
    build_with(input, &View::default())
}

/// [`build`] for a migration whose ledger already holds runs: `ledger` is the target as the
/// ledger knows it (what this migration wrote and the target still holds, what it created
/// and a person deleted since).
pub fn build_with(input: PlanInput<'_>, ledger: &View) -> Result<Plan> {
    // Hashing both accounts is independent of matching: do it alongside.
    std::thread::scope(|scope| {
        let source_fp = scope.spawn(|| fingerprint::account(input.source));
        let target_fp = scope.spawn(|| fingerprint::account(input.target));
        let mut b = Builder::new(input, ledger);
        b.unused_declarations();
        b.fields();
        let users = b.users();
        b.pipelines();
        let links = b.contacts(&users);
        b.opportunities(&links, &users);
        b.notes(&links, &users);
        b.tasks(&links, &users);
        let source = source_fp.join().expect("hashing does not panic");
        let target = target_fp.join().expect("hashing does not panic");
        b.finish(&source, &target)
    })
}

struct Builder<'a> {
    input: PlanInput<'a>,
    ledger: &'a View,
    steps: Vec<Step>,
    not_done: Vec<NotDone>,
    warnings: Vec<String>,
    summary: Summary,
    mapping: MappingReport,
    /// Source field id -> where its values go.
    field_targets: HashMap<String, FieldTarget>,
    /// The stamp field: its reference (target id or step id), when contacts need it.
    stamp: Option<String>,
    pipelines: Option<crate::matching::pipelines::PipelineMap>,
    used_ids: HashSet<String>,
}

fn count(counts: &mut BTreeMap<String, u64>, outcome: &str) {
    *counts.entry(outcome.to_string()).or_default() += 1;
}

impl<'a> Builder<'a> {
    fn new(input: PlanInput<'a>, ledger: &'a View) -> Self {
        Builder {
            input,
            ledger,
            steps: vec![],
            not_done: vec![],
            warnings: vec![],
            summary: Summary::default(),
            mapping: MappingReport::default(),
            field_targets: HashMap::new(),
            stamp: None,
            pipelines: None,
            used_ids: HashSet::new(),
        }
    }

    fn wants(&self, kind: ObjectKind) -> bool {
        self.input.config.objects.contains(&kind)
    }

    /// `recreate` when the step re-creates an object this migration created before and a
    /// person deleted since (said in a warning: a decision the plan states, not an accident),
    /// else `create`.
    fn create_outcome(&mut self, kind: &str, source_id: &str, step: &str) -> &'static str {
        let Some(gone) = self.ledger.gone(kind, source_id) else {
            return "create";
        };
        self.warnings.push(format!(
            "{step}: this migration created it (run #{}, target id {}) and the target no longer \
             has it (deleted since?); this plan creates it again (to keep it deleted, leave it \
             out with a filter and re-plan)",
            gone.run_id, gone.target_id
        ));
        "recreate"
    }

    /// A step id that no other step has: `base`, else `base~2`, `base~3`, ...
    fn unique_id(&mut self, base: String) -> String {
        let mut id = base.clone();
        let mut n = 1;
        while !self.used_ids.insert(id.clone()) {
            n += 1;
            id = format!("{base}~{n}");
        }
        id
    }

    fn finish(mut self, source_fp: &str, target_fp: &str) -> Result<Plan> {
        // Every step a payload refers to is also listed in `after`, so reviewers see the order.
        for step in &mut self.steps {
            let mut after: Vec<String> = step.after.clone();
            for r in step.action.refs() {
                if crate::plan::is_step_ref(r) && !after.iter().any(|a| a == r) {
                    after.push(r.to_string());
                }
            }
            after.sort();
            step.after = after;
        }
        self.automations();
        let steps = graph::plan_order(std::mem::take(&mut self.steps))?;
        let fields_total = self.mapping.fields.len() as u64;
        let stage_total = self.mapping.stages.len() as u64;
        let pipeline_total = self.mapping.pipelines.len() as u64;
        let total = fields_total + stage_total + pipeline_total;
        let ready =
            self.mapping.fields_mapped + self.mapping.pipelines_mapped + self.mapping.stages_mapped;
        let readiness = if total == 0 {
            100.0
        } else {
            (ready as f64 * 1000.0 / total as f64).round() / 10.0
        };
        self.mapping.overall_readiness_percent = readiness;
        self.mapping.readiness = crate::plan::readiness::explain(&self.mapping);
        self.summary.readiness_percent = readiness;
        self.not_done
            .sort_by(|a, b| (&a.outcome, &a.id).cmp(&(&b.outcome, &b.id)));
        let cfg = self.input.config;
        Ok(Plan {
            format: FORMAT.into(),
            name: cfg.name.clone(),
            source: side(cfg.source.api.as_str(), self.input.source, source_fp),
            target: side(cfg.target.api.as_str(), self.input.target, target_fp),
            summary: self.summary,
            mapping: self.mapping,
            warnings: self.warnings,
            steps,
            not_done: self.not_done,
        })
    }
}

fn side(api: &str, account: &Account, fingerprint: &str) -> Side {
    Side {
        api: api.into(),
        location: account.location.id.clone(),
        name: account.location.name.clone(),
        fingerprint: fingerprint.to_string(),
        ledger_run: None,
    }
}

/// The target's stamp field, when it has one.
pub fn stamp_field(target: &Account) -> Option<&crate::model::CustomField> {
    let wanted = normalize::name(STAMP_FIELD_NAME);
    target
        .custom_fields
        .iter()
        .find(|f| f.model() == "contact" && normalize::name(&f.name) == wanted)
}

fn tally(
    dropped: &mut BTreeMap<String, (u64, String)>,
    unmapped_users: &mut BTreeMap<String, u64>,
    new_dropped: &[(String, String)],
    unmapped_user: &Option<String>,
) {
    for (field, why) in new_dropped {
        let e = dropped.entry(field.clone()).or_insert((0, why.clone()));
        e.0 += 1;
    }
    if let Some(u) = unmapped_user {
        *unmapped_users.entry(u.clone()).or_default() += 1;
    }
}

/// A source user's email (or id) for messages.
pub fn user_label(source: &Account, user_id: &str) -> String {
    source
        .users
        .iter()
        .find(|u| u.id == user_id)
        .and_then(|u| u.email.clone())
        .unwrap_or_else(|| user_id.to_string())
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

mod automations;
mod contacts;
mod definitions;
mod history;
#[cfg(test)]
mod history_tests;
mod opportunities;
mod pipelines;
#[cfg(test)]
mod tests;

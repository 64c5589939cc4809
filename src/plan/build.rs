//! The planner: a pure function from the declaration and both account snapshots to a [`Plan`].
//! Matching decides what each object is in the target; this module turns the decisions into
//! steps with full payloads, the summary, the mapping report and the warnings.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::{Config, ExistingPolicy, ObjectKind};
use crate::error::Result;
use crate::ghl::NewCustomField;
use crate::graph;
use crate::matching::contacts::{ContactMatchOptions, ContactOutcome, Identity, match_contacts};
use crate::matching::fields::{FieldDecision, FieldOutcome, match_fields};
use crate::matching::opportunities::{ContactLink, OpportunityOutcome, match_opportunities};
use crate::matching::pipelines::match_pipelines;
use crate::matching::users::{UserMap, match_users};
use crate::model::{Account, DataType};
use crate::normalize;
use crate::plan::contact_steps::{self, ContactContext};
use crate::plan::values::{Converted, FieldTarget, convert};
use crate::plan::{
    Action, FORMAT, MapEntry, MappingReport, NotDone, OpportunityCreate, Plan, Side, Step, Summary,
    ValueWrite, fingerprint,
};

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
    // Hashing both accounts is independent of matching: do it alongside.
    std::thread::scope(|scope| {
        let fingerprints = scope.spawn(|| {
            (
                fingerprint::account(input.source),
                fingerprint::account(input.target),
            )
        });
        let mut b = Builder::new(input);
        b.fields();
        let users = b.users();
        b.pipelines();
        let links = b.contacts(&users);
        b.opportunities(&links, &users);
        let (source, target) = fingerprints.join().expect("hashing does not panic");
        b.finish(&source, &target)
    })
}

struct Builder<'a> {
    input: PlanInput<'a>,
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
    fn new(input: PlanInput<'a>) -> Self {
        Builder {
            input,
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

    fn fields(&mut self) {
        let cfg = self.input.config;
        let decisions = match_fields(
            &self.input.source.custom_fields,
            &self.input.target.custom_fields,
            &cfg.mappings.custom_fields,
        );
        let create = self.wants(ObjectKind::CustomFields);
        for d in decisions {
            self.field(d, create);
        }
    }

    fn field(&mut self, d: FieldDecision, create: bool) {
        let s = &d.source;
        let label = format!("{} ({})", s.name, s.model());
        let counts = &mut self.summary.custom_fields;
        match &d.outcome {
            FieldOutcome::Mapped { target, by } => {
                count(counts, "map");
                self.mapping.fields_mapped += 1;
                self.mapping.fields.push(MapEntry {
                    source: label.clone(),
                    target: Some(target.name.clone()),
                    by: by.to_string(),
                });
                if !d.missing_options.is_empty() {
                    self.warnings.push(format!(
                        "custom field `{}`: the target lacks the options {}; values using them are not copied",
                        s.name,
                        quote_list(&d.missing_options)
                    ));
                }
                self.field_targets.insert(
                    s.id.clone(),
                    FieldTarget {
                        reference: target.id.clone(),
                        name: target.name.clone(),
                        data_type: target.data_type.clone(),
                        options: target.picklist_options.clone(),
                    },
                );
            }
            FieldOutcome::Create { name } if create => {
                count(counts, "create");
                self.mapping.fields_mapped += 1;
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: Some(name.clone()),
                    by: "create".into(),
                });
                let id = self.unique_id(format!(
                    "custom_field/{}.{}",
                    s.model(),
                    normalize::slug(name)
                ));
                self.steps.push(Step {
                    id: id.clone(),
                    action: Action::CreateField(NewCustomField {
                        name: name.clone(),
                        data_type: s.data_type.clone(),
                        model: Some(s.model().to_string()),
                        placeholder: s.placeholder.clone(),
                        position: s.position,
                        options: s.picklist_options.clone(),
                    }),
                    after: vec![],
                });
                self.field_targets.insert(
                    s.id.clone(),
                    FieldTarget {
                        reference: id,
                        name: name.clone(),
                        data_type: s.data_type.clone(),
                        options: s.picklist_options.clone(),
                    },
                );
            }
            FieldOutcome::Create { .. } => {
                count(counts, "missing");
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: None,
                    by: "missing".into(),
                });
                self.warnings.push(format!(
                    "custom field `{}` has no counterpart and custom_fields are not in `objects`; its values are not copied",
                    s.name
                ));
            }
            FieldOutcome::Conflict { target, reason } => {
                count(counts, "conflict");
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: Some(target.name.clone()),
                    by: "conflict".into(),
                });
                self.warnings
                    .push(format!("custom field `{}`: {reason}", s.name));
                self.not_done.push(NotDone {
                    id: format!("custom_field/{}.{}", s.model(), normalize::slug(&s.name)),
                    outcome: "conflict".into(),
                    reason: reason.clone(),
                });
            }
            FieldOutcome::Unsupported { reason } => {
                count(counts, "unsupported");
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: None,
                    by: "unsupported".into(),
                });
                self.warnings
                    .push(format!("custom field `{}`: {reason}", s.name));
            }
        }
    }

    fn users(&mut self) -> UserMap {
        let map = match_users(
            &self.input.source.users,
            &self.input.target.users,
            &self.input.config.mappings.users,
        );
        let mut users: Vec<_> = self.input.source.users.iter().collect();
        users.sort_by(|a, b| (&a.email, &a.id).cmp(&(&b.email, &b.id)));
        for u in users {
            let by = map.by[&u.id];
            let label = u.email.clone().unwrap_or_else(|| u.name.clone());
            count(
                &mut self.summary.users,
                if by == "missing" { "missing" } else { "map" },
            );
            self.mapping.users.push(MapEntry {
                source: label,
                target: map.by_source_id[&u.id]
                    .as_ref()
                    .map(|t| t.email.clone().unwrap_or_else(|| t.name.clone())),
                by: by.into(),
            });
        }
        map
    }

    fn pipelines(&mut self) {
        let cfg = self.input.config;
        let map = match_pipelines(
            &self.input.source.pipelines,
            &self.input.target.pipelines,
            &cfg.mappings.pipelines,
            &cfg.mappings.stages,
        );
        for d in &map.decisions {
            let missing = d.target.is_none();
            count(
                &mut self.summary.pipelines,
                if missing { "missing" } else { "map" },
            );
            if !missing {
                self.mapping.pipelines_mapped += 1;
            }
            self.mapping.pipelines.push(MapEntry {
                source: d.source.name.clone(),
                target: d.target.as_ref().map(|t| t.name.clone()),
                by: d.by.into(),
            });
            if missing {
                self.warnings.push(format!(
                    "pipeline `{}` is missing in the target: create it there (the API cannot), then re-plan",
                    d.source.name
                ));
            }
            for (s, t, by) in &d.stages {
                count(
                    &mut self.summary.stages,
                    if t.is_some() { "map" } else { "missing" },
                );
                if t.is_some() {
                    self.mapping.stages_mapped += 1;
                } else if !missing {
                    self.warnings.push(format!(
                        "stage `{} / {}` is missing in the target: add it there (the API cannot), then re-plan",
                        d.source.name, s.name
                    ));
                }
                self.mapping.stages.push(MapEntry {
                    source: format!("{} / {}", d.source.name, s.name),
                    target: match (&d.target, t) {
                        (Some(tp), Some(ts)) => Some(format!("{} / {}", tp.name, ts.name)),
                        _ => None,
                    },
                    by: (*by).into(),
                });
            }
        }
        self.pipelines = Some(map);
    }

    /// The stamp field's reference, creating it in the plan on first use.
    fn stamp_ref(&mut self) -> String {
        if let Some(s) = &self.stamp {
            return s.clone();
        }
        let existing = stamp_field(self.input.target).map(|f| f.id.clone());
        let reference = match existing {
            Some(id) => id,
            None => {
                let id = self.unique_id("custom_field/contact.ghl_migrate_source_id".into());
                self.steps.push(Step {
                    id: id.clone(),
                    action: Action::CreateField(NewCustomField {
                        name: STAMP_FIELD_NAME.into(),
                        data_type: DataType::Text,
                        model: Some("contact".into()),
                        placeholder: Some(
                            "set by ghl-migrate for contacts with no email or phone".into(),
                        ),
                        position: None,
                        options: vec![],
                    }),
                    after: vec![],
                });
                count(&mut self.summary.custom_fields, "create");
                id
            }
        };
        self.stamp = Some(reference.clone());
        reference
    }

    fn contacts(&mut self, users: &UserMap) -> HashMap<String, ContactLink> {
        let cfg = self.input.config;
        let (source, target) = (&self.input.source.contacts, &self.input.target.contacts);
        let stamp_id = stamp_field(self.input.target).map(|f| f.id.clone());
        let decisions = match_contacts(
            source,
            target,
            ContactMatchOptions {
                filter: &cfg.filters.contacts,
                default_country: &cfg.phone_country_code,
                stamp_field_id: stamp_id.as_deref(),
            },
        );
        let migrate = self.wants(ObjectKind::Contacts);
        let mut links: HashMap<String, ContactLink> = HashMap::with_capacity(source.len());
        let mut dropped: BTreeMap<String, (u64, String)> = BTreeMap::new();
        let mut unmapped_users: BTreeMap<String, u64> = BTreeMap::new();
        let mut no_key = 0u64;
        let mut order: Vec<usize> = (0..decisions.len()).collect();
        order.sort_by(|a, b| decisions[*a].identity.cmp(&decisions[*b].identity));
        for i in order {
            let d = &decisions[i];
            let c = &source[d.source];
            let step_id = d.identity.step_id();
            let link = match &d.outcome {
                ContactOutcome::Filtered(why) => {
                    count(&mut self.summary.contacts, "filtered");
                    ContactLink::NotMigrated(format!("contact {} is filtered out: {why}", step_id))
                }
                ContactOutcome::DuplicateInSource { kept } => {
                    count(&mut self.summary.contacts, "duplicate_in_source");
                    let kept_c = &source[*kept];
                    self.not_done.push(NotDone {
                        id: format!("{step_id}#{}", c.id),
                        outcome: "duplicate_in_source".into(),
                        reason: format!(
                            "source contact {} ({}) has the same {} as source contact {} ({}), which is migrated; \
                             its own values and tags are not: merge the two in the source, then re-plan",
                            c.id,
                            c.display_name(),
                            d.identity.kind(),
                            kept_c.id,
                            kept_c.display_name()
                        ),
                    });
                    // Its opportunities follow the person: resolved after the loop.
                    continue;
                }
                ContactOutcome::SameTarget { other, target: t } => {
                    count(&mut self.summary.contacts, "duplicate_in_source");
                    let other_c = &source[*other];
                    self.not_done.push(NotDone {
                        id: format!("{step_id}#{}", c.id),
                        outcome: "duplicate_in_source".into(),
                        reason: format!(
                            "source contact {} ({}) matches the same target contact {} as source contact {} ({}); \
                             only that one is merged",
                            c.id,
                            c.display_name(),
                            target[*t].id,
                            other_c.id,
                            other_c.display_name()
                        ),
                    });
                    ContactLink::Existing {
                        target_id: target[*t].id.clone(),
                        step: None,
                    }
                }
                ContactOutcome::New if !migrate => {
                    count(&mut self.summary.contacts, "not_in_scope");
                    ContactLink::NotMigrated("contacts are not in `objects`".into())
                }
                ContactOutcome::New => {
                    count(&mut self.summary.contacts, "create");
                    if let Identity::SourceId(_) = d.identity {
                        no_key += 1;
                    }
                    let stamp = match d.identity {
                        Identity::SourceId(_) => Some(self.stamp_ref()),
                        _ => None,
                    };
                    let ctx = ContactContext {
                        fields: &self.field_targets,
                        users,
                        source: self.input.source,
                        phone_country: &cfg.phone_country_code,
                    };
                    let built = contact_steps::create(c, &d.identity, stamp.as_deref(), &ctx);
                    tally(
                        &mut dropped,
                        &mut unmapped_users,
                        &built.dropped,
                        &built.unmapped_user,
                    );
                    let id = self.unique_id(step_id);
                    self.steps.push(Step {
                        id: id.clone(),
                        action: Action::CreateContact(built.payload),
                        after: vec![],
                    });
                    ContactLink::Created { step: id }
                }
                ContactOutcome::Existing { target: t, by } => {
                    let t = &target[*t];
                    let policy = if migrate {
                        cfg.existing_contacts
                    } else {
                        ExistingPolicy::Skip
                    };
                    let step = if policy == ExistingPolicy::Skip {
                        count(&mut self.summary.contacts, "skip");
                        None
                    } else {
                        let ctx = ContactContext {
                            fields: &self.field_targets,
                            users,
                            source: self.input.source,
                            phone_country: &cfg.phone_country_code,
                        };
                        let built = contact_steps::update(c, t, by, policy, &ctx);
                        tally(
                            &mut dropped,
                            &mut unmapped_users,
                            &built.dropped,
                            &built.unmapped_user,
                        );
                        match built.update {
                            None => {
                                count(&mut self.summary.contacts, "unchanged");
                                None
                            }
                            Some(update) => {
                                let (name, action) = match policy {
                                    ExistingPolicy::Overwrite => {
                                        ("overwrite", Action::OverwriteContact(update))
                                    }
                                    _ => ("merge", Action::MergeContact(update)),
                                };
                                count(&mut self.summary.contacts, name);
                                let id = self.unique_id(step_id);
                                self.steps.push(Step {
                                    id: id.clone(),
                                    action,
                                    after: vec![],
                                });
                                Some(id)
                            }
                        }
                    };
                    ContactLink::Existing {
                        target_id: t.id.clone(),
                        step,
                    }
                }
            };
            links.insert(c.id.clone(), link);
        }
        // A duplicate's opportunities belong to the person it duplicates.
        for d in &decisions {
            if let ContactOutcome::DuplicateInSource { kept } = d.outcome
                && let Some(link) = links.get(&source[kept].id).cloned()
            {
                links.insert(source[d.source].id.clone(), link);
            }
        }
        if no_key > 0 {
            self.warnings.push(format!(
                "{no_key} contact(s) have neither email nor phone: they are identified by their source id, \
                 stamped into the target field `{STAMP_FIELD_NAME}`"
            ));
        }
        self.value_warnings(dropped, unmapped_users, "contact");
        links
    }

    fn value_warnings(
        &mut self,
        dropped: BTreeMap<String, (u64, String)>,
        unmapped_users: BTreeMap<String, u64>,
        kind: &str,
    ) {
        for (field, (n, example)) in dropped {
            self.warnings.push(format!(
                "custom field `{field}`: {n} {kind} value(s) are not copied (e.g. {example})"
            ));
        }
        for (user, n) in unmapped_users {
            self.warnings.push(format!(
                "user {user} has no counterpart in the target: {n} {kind}(s) are left unassigned"
            ));
        }
    }

    fn opportunities(&mut self, links: &HashMap<String, ContactLink>, users: &UserMap) {
        let cfg = self.input.config;
        let pipelines = self.pipelines.take().expect("pipelines matched first");
        let source = &self.input.source.opportunities;
        let decisions = match_opportunities(
            source,
            &self.input.source.pipelines,
            &self.input.target.opportunities,
            &pipelines,
            links,
            &cfg.filters.opportunities,
        );
        let migrate = self.wants(ObjectKind::Opportunities);
        let mut dropped: BTreeMap<String, (u64, String)> = BTreeMap::new();
        let mut unmapped_users: BTreeMap<String, u64> = BTreeMap::new();
        let mut blocked_by: BTreeMap<String, u64> = BTreeMap::new();
        let mut planned: Vec<(String, Step)> = vec![];
        for d in &decisions {
            let o = &source[d.source];
            let link = links.get(&o.contact_id);
            let contact_key = match link {
                Some(ContactLink::Created { step })
                | Some(ContactLink::Existing {
                    step: Some(step), ..
                }) => step.trim_start_matches("contact/").to_string(),
                Some(ContactLink::Existing { target_id, .. }) => target_id.clone(),
                _ => o.contact_id.clone(),
            };
            let pipeline_name = self
                .input
                .source
                .pipelines
                .iter()
                .find(|p| p.id == o.pipeline_id)
                .map(|p| p.name.as_str())
                .unwrap_or("?");
            let base_id = format!(
                "opportunity/{contact_key}/{}/{}",
                normalize::slug(pipeline_name),
                normalize::slug(&o.name)
            );
            match &d.outcome {
                OpportunityOutcome::Filtered(_) => {
                    count(&mut self.summary.opportunities, "filtered")
                }
                OpportunityOutcome::Exists { .. } => {
                    count(&mut self.summary.opportunities, "exists")
                }
                OpportunityOutcome::DuplicateInSource { kept } => {
                    count(&mut self.summary.opportunities, "duplicate_in_source");
                    self.not_done.push(NotDone {
                        id: format!("{base_id}#{}", o.id),
                        outcome: "duplicate_in_source".into(),
                        reason: format!(
                            "source opportunity {} has the same contact, pipeline and name as source opportunity {}",
                            o.id, source[*kept].id
                        ),
                    });
                }
                OpportunityOutcome::Blocked(why) => {
                    count(&mut self.summary.opportunities, "blocked");
                    *blocked_by.entry(why.clone()).or_default() += 1;
                    self.not_done.push(NotDone {
                        id: format!("{base_id}#{}", o.id),
                        outcome: "blocked".into(),
                        reason: format!("{:?}: {why}", o.name),
                    });
                }
                OpportunityOutcome::New { .. } if !migrate => {
                    count(&mut self.summary.opportunities, "not_in_scope")
                }
                OpportunityOutcome::New {
                    pipeline_id,
                    stage_id,
                    stage_label,
                } => {
                    count(&mut self.summary.opportunities, "create");
                    let (contact, after) = match link {
                        Some(ContactLink::Created { step }) => (step.clone(), vec![step.clone()]),
                        Some(ContactLink::Existing { target_id, step }) => {
                            (target_id.clone(), step.iter().cloned().collect())
                        }
                        _ => unreachable!("matching blocks opportunities of unmigrated contacts"),
                    };
                    let custom_fields = opportunity_values(o, &self.field_targets, &mut dropped);
                    let assigned_to = o.assigned_to.as_deref().and_then(|u| {
                        let t = users.target_id(u).map(String::from);
                        if t.is_none() {
                            *unmapped_users
                                .entry(user_label(self.input.source, u))
                                .or_default() += 1;
                        }
                        t
                    });
                    let step = Step {
                        id: String::new(),
                        action: Action::CreateOpportunity(OpportunityCreate {
                            name: o.name.clone(),
                            contact,
                            pipeline_id: pipeline_id.clone(),
                            pipeline_stage_id: stage_id.clone(),
                            stage: stage_label.clone(),
                            status: o.status,
                            monetary_value: o.monetary_value,
                            assigned_to,
                            custom_fields,
                            source_id: o.id.clone(),
                        }),
                        after,
                    };
                    planned.push((base_id, step));
                }
            }
        }
        planned.sort_by(|a, b| a.0.cmp(&b.0));
        for (base, mut step) in planned {
            step.id = self.unique_id(base);
            self.steps.push(step);
        }
        for (why, n) in blocked_by {
            self.warnings.push(format!(
                "{n} opportunit{} blocked: {why}",
                if n == 1 { "y" } else { "ies" }
            ));
        }
        self.value_warnings(dropped, unmapped_users, "opportunity");
        self.pipelines = Some(pipelines);
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

/// An opportunity's custom values converted for the target; refused ones are tallied by field.
fn opportunity_values(
    o: &crate::model::Opportunity,
    targets: &HashMap<String, FieldTarget>,
    dropped: &mut BTreeMap<String, (u64, String)>,
) -> Vec<ValueWrite> {
    let mut out = vec![];
    for v in &o.custom_fields {
        let Some(t) = targets.get(&v.id) else {
            continue;
        };
        match convert(&v.field_value, t) {
            Converted::Value(value) => out.push(ValueWrite {
                field: t.reference.clone(),
                value,
            }),
            Converted::Empty => {}
            Converted::Refused(why) => dropped.entry(t.name.clone()).or_insert((0, why)).0 += 1,
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn side(api: &str, account: &Account, fingerprint: &str) -> Side {
    Side {
        api: api.into(),
        location: account.location.id.clone(),
        name: account.location.name.clone(),
        fingerprint: fingerprint.to_string(),
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

#[cfg(test)]
mod tests {
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
                },
                Stage {
                    id: format!("{p}-won"),
                    name: "Won".into(),
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
                },
                Pipeline {
                    id: "sr".into(),
                    name: "Renewals".into(),
                    stages: stages("sr"),
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
            }],
            users: vec![User {
                id: "tu9".into(),
                name: "Ann".into(),
                email: Some("ANN@acme.test".into()),
            }],
            contacts: vec![target_jane],
            opportunities: vec![],
        };
        (source, target)
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
        let plan = plan_with("");
        let s = step(&plan, "opportunity/jane@acme.test/sales/deal_7");
        let Action::CreateOpportunity(o) = &s.action else {
            panic!()
        };
        assert_eq!(o.contact, "t1");
        assert_eq!(o.pipeline_stage_id, "tp-won");
        assert_eq!(s.after, vec!["contact/jane@acme.test".to_string()]);
        assert_eq!(plan.summary.opportunities["blocked"], 1);
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains("pipeline `Renewals`"))
        );
    }

    #[test]
    fn readiness_counts_fields_pipelines_and_stages() {
        let plan = plan_with("");
        // fields: Score created (1 of 2); pipelines 1 of 2; stages 2 of 4 -> 4 of 8.
        assert_eq!(plan.summary.readiness_percent, 50.0);
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
}

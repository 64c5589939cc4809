//! Planning opportunities: create the ones the target lacks, in their mapped pipeline and stage, after their contact.

use super::*;

impl Builder<'_> {
    pub(super) fn opportunities(&mut self, links: &HashMap<String, ContactLink>, users: &UserMap) {
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
        // Opportunities whose value is no amount (negative): created without it.
        let mut odd_values: Vec<String> = vec![];
        // Existing target contacts by id, to name the ones opportunities are created for.
        let target_contacts: HashMap<&str, &crate::model::Contact> = self
            .input
            .target
            .contacts
            .iter()
            .map(|c| (c.id.as_str(), c))
            .collect();
        for d in &decisions {
            let o = &source[d.source];
            let link = links.get(&o.contact_id);
            let contact_key = match link {
                Some(ContactLink::Created { step })
                | Some(ContactLink::Filtered { step, .. })
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
            // Written by this migration and still there (read by id): it exists, whatever the
            // search shows yet.
            let mapped = self.ledger.target_of("opportunity", &o.id).is_some();
            match &d.outcome {
                OpportunityOutcome::New { .. } | OpportunityOutcome::Exists { .. } if mapped => {
                    count(&mut self.summary.opportunities, "exists")
                }
                // Listed under the id its step would have (stable whatever the filter), so that a
                // filter change shows in `diff` as a change of this entry.
                OpportunityOutcome::Filtered(why) => {
                    count(&mut self.summary.opportunities, "filtered");
                    let id = self.unique_id(base_id);
                    self.not_done.push(NotDone {
                        id,
                        outcome: "filtered".into(),
                        reason: format!("{:?}: {why}", o.name),
                    });
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
                    let id = self.unique_id(base_id);
                    self.not_done.push(NotDone {
                        id,
                        outcome: "blocked".into(),
                        reason: format!("{:?}: {why}", o.name),
                    });
                }
                OpportunityOutcome::New { .. } if !migrate => {
                    count(&mut self.summary.opportunities, "not_in_scope")
                }
                // The API requires a name: this one record is blocked, not the whole plan.
                OpportunityOutcome::New { .. } if o.name.trim().is_empty() => {
                    count(&mut self.summary.opportunities, "blocked");
                    self.not_done.push(NotDone {
                        id: format!("{base_id}#{}", o.id),
                        outcome: "blocked".into(),
                        reason: format!(
                            "source opportunity {} has no name, which the API requires; name it \
                             in the source, then re-plan",
                            o.id
                        ),
                    });
                }
                OpportunityOutcome::New {
                    pipeline_id,
                    stage_id,
                    stage_label,
                } => {
                    let outcome = self.create_outcome("opportunity", &o.id, &base_id);
                    count(&mut self.summary.opportunities, outcome);
                    let (contact, contact_name, after) = match link {
                        Some(ContactLink::Created { step }) => {
                            (step.clone(), String::new(), vec![step.clone()])
                        }
                        // The contact already exists: the opportunity does not wait for its merge,
                        // so a merge the API refuses cannot block it.
                        Some(ContactLink::Existing { target_id, .. }) => {
                            let name = target_contacts
                                .get(target_id.as_str())
                                .map(|c| label::contact(c))
                                .unwrap_or_default();
                            (target_id.clone(), name, vec![])
                        }
                        _ => unreachable!("matching blocks opportunities of unmigrated contacts"),
                    };
                    let custom_fields = opportunity_values(o, &self.field_targets, &mut dropped);
                    let owner = o.assigned_to.as_deref().and_then(|u| {
                        let t = users.target(u);
                        if t.is_none() {
                            *unmapped_users
                                .entry(user_label(self.input.source, u))
                                .or_default() += 1;
                        }
                        t
                    });
                    let monetary_value = o.monetary_value.filter(|v| {
                        let amount = v.is_finite() && *v >= 0.0;
                        if !amount {
                            odd_values.push(format!("{base_id} ({v})"));
                        }
                        amount
                    });
                    let step = Step {
                        id: String::new(),
                        action: Action::CreateOpportunity(OpportunityCreate {
                            name: o.name.clone(),
                            contact,
                            contact_name,
                            pipeline_id: pipeline_id.clone(),
                            pipeline_stage_id: stage_id.clone(),
                            stage: stage_label.clone(),
                            status: o.status,
                            monetary_value,
                            assigned_to: owner.map(|u| u.id.clone()),
                            assigned_to_email: owner.map(label::user),
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
        self.v1_source_values_warning(planned.len());
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
        if !odd_values.is_empty() {
            self.warnings.push(format!(
                "{} opportunit{} created without a value, since a monetaryValue must be an \
                 amount of 0 or more: {}",
                odd_values.len(),
                if odd_values.len() == 1 { "y" } else { "ies" },
                odd_values.join(", ")
            ));
        }
        self.value_warnings(dropped, unmapped_users, "opportunity");
        self.pipelines = Some(pipelines);
    }
}

impl Builder<'_> {
    /// API V1 does not return opportunity custom-field values: a V1 source's opportunities come
    /// without them, so each mapped opportunity field loses its values on every opportunity
    /// created. Said with counts, as nothing else in the plan shows the loss.
    fn v1_source_values_warning(&mut self, creates: usize) {
        if self.input.config.source.api != crate::config::ApiKind::V1 || creates == 0 {
            return;
        }
        let fields: Vec<String> = self
            .input
            .source
            .custom_fields
            .iter()
            .filter(|f| f.model() == "opportunity" && self.field_targets.contains_key(&f.id))
            .map(|f| f.name.clone())
            .collect();
        if fields.is_empty() {
            return;
        }
        self.warnings.push(format!(
            "opportunity custom fields {}: the source is read through API V1, which does not \
             return opportunity custom-field values, so the {creates} opportunit{} this plan \
             creates get none of them (read the source with `api: v2` to copy them)",
            quote_list(&fields),
            if creates == 1 { "y" } else { "ies" }
        ));
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
            Converted::Value(value) => out.push(ValueWrite::to(t, value)),
            Converted::Empty => {}
            Converted::Refused(why) => dropped.entry(t.name.clone()).or_insert((0, why)).0 += 1,
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

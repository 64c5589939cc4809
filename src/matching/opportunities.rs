//! Opportunities: placed by their pipeline and stage mapping, linked to their contact's fate,
//! and matched to existing target opportunities by (target contact, pipeline, name), so a
//! re-plan after a partial apply shows them as existing rather than new.

use std::collections::{HashMap, HashSet};

use crate::config::OpportunityFilter;
use crate::matching::pipelines::{PipelineMap, Placement};
use crate::model::{Opportunity, Pipeline};
use crate::normalize;

/// Where a source contact went, as opportunities need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactLink {
    /// The contact exists in the target with this id (and may also be merged by `step`).
    Existing {
        target_id: String,
        step: Option<String>,
    },
    /// The contact is created by this step.
    Created { step: String },
    /// The contact is not migrated; its opportunities cannot be.
    NotMigrated(String),
    /// A filter leaves the contact out (it would be `step`); its opportunities are filtered too.
    Filtered { step: String, why: String },
}

/// What a source opportunity is in the target.
#[derive(Debug, Clone, PartialEq)]
pub enum OpportunityOutcome {
    /// To be created in this target pipeline and stage.
    New {
        pipeline_id: String,
        stage_id: String,
        /// `Pipeline / Stage` in the target.
        stage_label: String,
    },
    /// The target already has it (same contact, pipeline and name).
    Exists { target_id: String },
    /// It cannot be migrated, and why.
    Blocked(String),
    /// Left out by `filters.opportunities`.
    Filtered(String),
    /// Another source opportunity has the same contact, pipeline and name (its index).
    DuplicateInSource { kept: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityDecision {
    /// Index into the source opportunity list.
    pub source: usize,
    pub outcome: OpportunityOutcome,
}

/// Decides every source opportunity, in source order.
pub fn match_opportunities(
    source: &[Opportunity],
    source_pipelines: &[Pipeline],
    target: &[Opportunity],
    pipelines: &PipelineMap,
    contacts: &HashMap<String, ContactLink>,
    filter: &OpportunityFilter,
) -> Vec<OpportunityDecision> {
    let existing: HashMap<(&str, &str, String), &str> = target
        .iter()
        .map(|o| {
            (
                (
                    o.contact_id.as_str(),
                    o.pipeline_id.as_str(),
                    normalize::name(&o.name),
                ),
                o.id.as_str(),
            )
        })
        .collect();
    let pipeline_name = |id: &str| {
        source_pipelines
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let skip_pipelines: HashSet<String> = filter
        .skip_pipelines
        .iter()
        .map(|p| normalize::name(p))
        .collect();
    let mut out = Vec::with_capacity(source.len());
    for (i, o) in source.iter().enumerate() {
        let outcome = decide(
            o,
            i,
            &Ctx {
                pipelines,
                contacts,
                filter,
                skip_pipelines: &skip_pipelines,
                existing: &existing,
                pipeline_name: &pipeline_name,
            },
            &mut seen,
        );
        out.push(OpportunityDecision { source: i, outcome });
    }
    out
}

type ExistingIndex<'a> = HashMap<(&'a str, &'a str, String), &'a str>;

struct Ctx<'a> {
    pipelines: &'a PipelineMap,
    contacts: &'a HashMap<String, ContactLink>,
    filter: &'a OpportunityFilter,
    skip_pipelines: &'a HashSet<String>,
    existing: &'a ExistingIndex<'a>,
    pipeline_name: &'a dyn Fn(&str) -> String,
}

fn decide(
    o: &Opportunity,
    index: usize,
    ctx: &Ctx<'_>,
    seen: &mut HashMap<(String, String, String), usize>,
) -> OpportunityOutcome {
    if !ctx.filter.statuses.is_empty() && !ctx.filter.statuses.contains(&o.status) {
        return OpportunityOutcome::Filtered(format!(
            "status {:?} is not in filters.opportunities.statuses",
            o.status
        ));
    }
    if ctx
        .skip_pipelines
        .contains(&normalize::name(&(ctx.pipeline_name)(&o.pipeline_id)))
    {
        return OpportunityOutcome::Filtered(
            "its pipeline is in filters.opportunities.skip_pipelines".into(),
        );
    }
    let link = ctx.contacts.get(&o.contact_id);
    let contact_key = match link {
        None => {
            return OpportunityOutcome::Blocked(format!(
                "its contact {} is not in the source",
                o.contact_id
            ));
        }
        Some(ContactLink::NotMigrated(why)) => {
            return OpportunityOutcome::Blocked(format!("its contact is not migrated: {why}"));
        }
        Some(ContactLink::Filtered { step, why }) => {
            return OpportunityOutcome::Filtered(format!(
                "its contact {step} is filtered out: {why}"
            ));
        }
        Some(ContactLink::Existing { target_id, .. }) => target_id.clone(),
        Some(ContactLink::Created { step }) => step.clone(),
    };
    let (pipeline, stage) = match ctx
        .pipelines
        .place(&o.pipeline_id, o.pipeline_stage_id.as_deref())
    {
        Placement::Found { pipeline, stage } => (pipeline, stage),
        Placement::Missing(why) => return OpportunityOutcome::Blocked(why),
    };
    let key = (contact_key, pipeline.id.clone(), normalize::name(&o.name));
    if let Some(&kept) = seen.get(&key) {
        return OpportunityOutcome::DuplicateInSource { kept };
    }
    seen.insert(key, index);
    if let Some(ContactLink::Existing { target_id, .. }) = link
        && let Some(id) = ctx.existing.get(&(
            target_id.as_str(),
            pipeline.id.as_str(),
            normalize::name(&o.name),
        ))
    {
        return OpportunityOutcome::Exists {
            target_id: id.to_string(),
        };
    }
    OpportunityOutcome::New {
        pipeline_id: pipeline.id.clone(),
        stage_id: stage.id.clone(),
        stage_label: format!("{} / {}", pipeline.name, stage.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::pipelines::match_pipelines;
    use crate::model::Stage;
    use std::collections::BTreeMap;

    fn pipeline(id: &str, name: &str, stages: &[(&str, &str)]) -> Pipeline {
        Pipeline {
            id: id.into(),
            name: name.into(),
            stages: stages
                .iter()
                .map(|(i, n)| Stage {
                    id: i.to_string(),
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn opp(id: &str, name: &str, contact: &str, stage: &str) -> Opportunity {
        Opportunity {
            id: id.into(),
            name: name.into(),
            contact_id: contact.into(),
            pipeline_id: "sp".into(),
            pipeline_stage_id: Some(stage.into()),
            ..Default::default()
        }
    }

    fn setup() -> (Vec<Pipeline>, PipelineMap, HashMap<String, ContactLink>) {
        let sp = vec![pipeline(
            "sp",
            "Sales",
            &[("s1", "New"), ("s2", "Lost Cause")],
        )];
        let tp = vec![pipeline("tp", "Sales", &[("t1", "New")])];
        let map = match_pipelines(&sp, &tp, &BTreeMap::new(), &BTreeMap::new());
        let contacts = HashMap::from([
            (
                "c1".to_string(),
                ContactLink::Created {
                    step: "contact/a@x.test".into(),
                },
            ),
            (
                "c2".to_string(),
                ContactLink::Existing {
                    target_id: "T2".into(),
                    step: None,
                },
            ),
            (
                "c3".to_string(),
                ContactLink::NotMigrated("filtered".into()),
            ),
        ]);
        (sp, map, contacts)
    }

    #[test]
    fn outcomes_cover_new_exists_blocked_and_duplicates() {
        let (sp, map, contacts) = setup();
        let source = vec![
            opp("o1", "Deal", "c1", "s1"),
            opp("o2", "Deal", "c2", "s1"),
            opp("o3", "Deal", "c1", "s2"),
            opp("o4", "Other", "c3", "s1"),
            opp("o5", "deal", "c1", "s1"),
        ];
        let target = vec![Opportunity {
            id: "TO".into(),
            name: "DEAL".into(),
            contact_id: "T2".into(),
            pipeline_id: "tp".into(),
            ..Default::default()
        }];
        let d = match_opportunities(
            &source,
            &sp,
            &target,
            &map,
            &contacts,
            &OpportunityFilter::default(),
        );
        assert!(
            matches!(&d[0].outcome, OpportunityOutcome::New { stage_label, .. } if stage_label == "Sales / New")
        );
        assert_eq!(
            d[1].outcome,
            OpportunityOutcome::Exists {
                target_id: "TO".into()
            }
        );
        assert!(
            matches!(&d[2].outcome, OpportunityOutcome::Blocked(why) if why.contains("Lost Cause"))
        );
        assert!(
            matches!(&d[3].outcome, OpportunityOutcome::Blocked(why) if why.contains("not migrated"))
        );
        assert_eq!(
            d[4].outcome,
            OpportunityOutcome::DuplicateInSource { kept: 0 }
        );
    }

    #[test]
    fn the_opportunities_of_a_filtered_contact_are_filtered_not_blocked() {
        let (sp, map, mut contacts) = setup();
        contacts.insert(
            "c3".into(),
            ContactLink::Filtered {
                step: "contact/c3@x.test".into(),
                why: "has tag `test`".into(),
            },
        );
        let source = vec![opp("o4", "Other", "c3", "s1")];
        let d = match_opportunities(&source, &sp, &[], &map, &contacts, &Default::default());
        assert_eq!(
            d[0].outcome,
            OpportunityOutcome::Filtered(
                "its contact contact/c3@x.test is filtered out: has tag `test`".into()
            )
        );
    }

    #[test]
    fn status_filter() {
        let (sp, map, contacts) = setup();
        let mut o = opp("o1", "Deal", "c1", "s1");
        o.status = crate::model::OpportunityStatus::Lost;
        let filter = OpportunityFilter {
            statuses: vec![crate::model::OpportunityStatus::Open],
            skip_pipelines: vec![],
        };
        let d = match_opportunities(&[o], &sp, &[], &map, &contacts, &filter);
        assert!(matches!(d[0].outcome, OpportunityOutcome::Filtered(_)));
    }
}

//! Pipelines by name and stages by name within their pipeline, with explicit overrides.
//! A missing one is reported here; the planner then plans its creation (V2, when the token may)
//! or leaves it blocking what needs it, with the reason it gives.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Pipeline, Stage};
use crate::normalize;

/// The decision for one source pipeline and its stages.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineDecision {
    pub source: Pipeline,
    /// The target pipeline, or `None` when the target lacks it.
    pub target: Option<Pipeline>,
    /// `name`, `explicit` or `missing`.
    pub by: &'static str,
    /// Per source stage (in source order): the target stage, or `None`.
    pub stages: Vec<(Stage, Option<Stage>, &'static str)>,
}

/// Source pipeline id and stage id -> target pipeline and stage.
#[derive(Debug, Clone, Default)]
pub struct PipelineMap {
    pub decisions: Vec<PipelineDecision>,
    index: HashMap<String, usize>,
    /// Why a missing pipeline is not created, and what to do (said where it blocks something).
    pub pipelines_not_created: String,
    /// Why a missing stage is not added, and what to do.
    pub stages_not_added: String,
}

/// What blocking on a missing pipeline or stage says when nobody said why it is not created.
const NOT_CREATED: &str = "it is not created by this plan: create it in the target, then re-plan";

/// Where an opportunity lands: the target pipeline and stage, or why it cannot.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement<'a> {
    Found {
        pipeline: &'a Pipeline,
        stage: &'a Stage,
    },
    Missing(String),
}

impl PipelineMap {
    /// Where a source (pipeline, stage) pair lands in the target.
    pub fn place(&self, pipeline_id: &str, stage_id: Option<&str>) -> Placement<'_> {
        let Some(d) = self.index.get(pipeline_id).map(|i| &self.decisions[*i]) else {
            return Placement::Missing(format!("source pipeline {pipeline_id} does not exist"));
        };
        let Some(target) = &d.target else {
            return Placement::Missing(format!(
                "pipeline `{}` has no counterpart in the target ({})",
                d.source.name,
                or_default(&self.pipelines_not_created)
            ));
        };
        let stage = match stage_id {
            Some(id) => d.stages.iter().find(|(s, _, _)| s.id == id),
            None => d.stages.first(),
        };
        match stage {
            Some((_, Some(t), _)) => Placement::Found {
                pipeline: target,
                stage: t,
            },
            Some((s, None, _)) => Placement::Missing(format!(
                "stage `{} / {}` has no counterpart in the target pipeline `{}` ({})",
                d.source.name,
                s.name,
                target.name,
                or_default(&self.stages_not_added)
            )),
            None => Placement::Missing(format!(
                "pipeline `{}` has no stage {}",
                d.source.name,
                stage_id.unwrap_or("at all")
            )),
        }
    }

    /// Every decision, to plan the creation of what is missing.
    pub fn decisions_mut(&mut self) -> &mut [PipelineDecision] {
        &mut self.decisions
    }

    pub fn decision(&self, source_pipeline_id: &str) -> Option<&PipelineDecision> {
        self.index
            .get(source_pipeline_id)
            .map(|i| &self.decisions[*i])
    }
}

fn or_default(why: &str) -> &str {
    if why.is_empty() { NOT_CREATED } else { why }
}

/// Matches pipelines by normalised name (or `explicit` source name -> target name), then
/// stages by normalised name within the matched pipeline (or `explicit_stages`
/// `"Pipeline / Stage"` -> target stage name).
pub fn match_pipelines(
    source: &[Pipeline],
    target: &[Pipeline],
    explicit: &BTreeMap<String, String>,
    explicit_stages: &BTreeMap<String, String>,
) -> PipelineMap {
    let mut map = PipelineMap::default();
    for p in source {
        let (wanted, by) = match explicit.get(&p.name) {
            Some(t) => (t.as_str(), "explicit"),
            None => (p.name.as_str(), "name"),
        };
        let target_p = target
            .iter()
            .find(|t| normalize::name(&t.name) == normalize::name(wanted));
        let stages = p
            .stages
            .iter()
            .map(|s| {
                let Some(tp) = target_p else {
                    return (s.clone(), None, "missing");
                };
                let key = format!("{} / {}", p.name, s.name);
                let (wanted, by) = match explicit_stages.get(&key) {
                    Some(t) => (t.as_str(), "explicit"),
                    None => (s.name.as_str(), "name"),
                };
                let hit = tp
                    .stages
                    .iter()
                    .find(|t| normalize::name(&t.name) == normalize::name(wanted))
                    .cloned();
                let by = if hit.is_some() { by } else { "missing" };
                (s.clone(), hit, by)
            })
            .collect();
        map.index.insert(p.id.clone(), map.decisions.len());
        map.decisions.push(PipelineDecision {
            source: p.clone(),
            target: target_p.cloned(),
            by: if target_p.is_some() { by } else { "missing" },
            stages,
        });
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline(id: &str, name: &str, stages: &[(&str, &str)]) -> Pipeline {
        Pipeline {
            id: id.into(),
            name: name.into(),
            stages: stages
                .iter()
                .map(|(id, n)| Stage {
                    id: id.to_string(),
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            use_opportunity_probability: None,
        }
    }

    #[test]
    fn pipelines_and_stages_match_by_name() {
        let s = [pipeline(
            "sp",
            "Sales",
            &[("s1", "New Lead"), ("s2", "Won")],
        )];
        let t = [pipeline(
            "tp",
            "sales",
            &[("t1", "new lead"), ("t2", "Won")],
        )];
        let m = match_pipelines(&s, &t, &BTreeMap::new(), &BTreeMap::new());
        match m.place("sp", Some("s2")) {
            Placement::Found { pipeline, stage } => {
                assert_eq!((pipeline.id.as_str(), stage.id.as_str()), ("tp", "t2"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_in_another_unicode_form_match() {
        let s = [pipeline(
            "sp",
            "Caf\u{e9}",
            &[("s1", "R\u{e9}sum\u{e9} sent")],
        )];
        let t = [pipeline(
            "tp",
            "Cafe\u{301}",
            &[("t1", "Re\u{301}sume\u{301} sent")],
        )];
        let m = match_pipelines(&s, &t, &BTreeMap::new(), &BTreeMap::new());
        match m.place("sp", Some("s1")) {
            Placement::Found { pipeline, stage } => {
                assert_eq!((pipeline.id.as_str(), stage.id.as_str()), ("tp", "t1"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_stage_blocks_with_a_reason() {
        let s = [pipeline(
            "sp",
            "Sales",
            &[("s1", "New"), ("s2", "Negotiation")],
        )];
        let t = [pipeline("tp", "Sales", &[("t1", "New")])];
        let m = match_pipelines(&s, &t, &BTreeMap::new(), &BTreeMap::new());
        match m.place("sp", Some("s2")) {
            Placement::Missing(why) => assert!(why.contains("`Sales / Negotiation`"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_pipeline_says_to_create_it() {
        let s = [pipeline("sp", "Renewals", &[("s1", "Due")])];
        let m = match_pipelines(&s, &[], &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(m.decisions[0].by, "missing");
        match m.place("sp", Some("s1")) {
            Placement::Missing(why) => assert!(why.contains("create it in the target"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn explicit_mappings_override_names() {
        let s = [pipeline("sp", "Deals", &[("s1", "Closed")])];
        let t = [pipeline("tp", "Sales", &[("t1", "Won")])];
        let m = match_pipelines(
            &s,
            &t,
            &BTreeMap::from([("Deals".into(), "Sales".into())]),
            &BTreeMap::from([("Deals / Closed".into(), "Won".into())]),
        );
        assert_eq!(m.decisions[0].by, "explicit");
        assert_eq!(m.decisions[0].stages[0].2, "explicit");
        assert!(matches!(m.place("sp", Some("s1")), Placement::Found { .. }));
    }
}

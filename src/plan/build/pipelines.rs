//! Planning pipelines and stages: each source pipeline maps to the target's by name (or an
//! explicit mapping); one the target lacks is created whole, and a stage an existing target
//! pipeline lacks is added, when the target token may (V2 with `pipelines.create` /
//! `pipelines.write`, and `create_pipelines` not turned off). Otherwise what needs it is blocked,
//! with the reason and the fix. Opportunities then refer to the create steps for their ids.

use super::*;
use crate::access::{Access, Permission};
use crate::config::ApiKind;
use crate::ghl::memory::position_probability;
use crate::matching::pipelines::PipelineDecision;
use crate::model::{Pipeline, Stage};
use crate::plan::{PipelineCreate, StageAdd, StagePlan, StageSeen};

/// Whether missing pipelines may be created and missing stages added, and why not.
struct May {
    create: Permission,
    change: Permission,
}

impl Builder<'_> {
    fn may(&self) -> May {
        let cfg = self.input.config;
        let turned_off = |what: &str| Permission::Refused {
            reason: format!("{what} are not created: `create_pipelines: false` in migration.yaml"),
            fix: "remove that line to let the plan create them, or create it in the target by \
                  hand, then re-plan"
                .into(),
        };
        let out_of_scope = || Permission::Refused {
            reason: "`pipelines` is not in `objects`".into(),
            fix: "add it to `objects`, or create it in the target by hand, then re-plan".into(),
        };
        let access = match cfg.target.api {
            ApiKind::V1 => Access::v1(),
            _ => self.input.target.access.clone(),
        };
        if !cfg.create_pipelines {
            May {
                create: turned_off("pipelines"),
                change: turned_off("stages"),
            }
        } else if !self.wants(ObjectKind::Pipelines) {
            May {
                create: out_of_scope(),
                change: out_of_scope(),
            }
        } else {
            May {
                create: access.create_pipelines,
                change: access.change_pipelines,
            }
        }
    }

    pub(super) fn pipelines(&mut self) {
        let cfg = self.input.config;
        let mut map = match_pipelines(
            &self.input.source.pipelines,
            &self.input.target.pipelines,
            &cfg.mappings.pipelines,
            &cfg.mappings.stages,
        );
        let may = self.may();
        map.pipelines_not_created = may.create.explain();
        map.stages_not_added = may.change.explain();
        // Pipeline names are unique per location, case-insensitively: one create per name.
        let mut created_names: HashSet<String> = HashSet::new();
        for d in map.decisions_mut() {
            if d.target.is_none() && may.create.allowed() {
                let name = cfg
                    .mappings
                    .pipelines
                    .get(&d.source.name)
                    .unwrap_or(&d.source.name)
                    .trim()
                    .to_string();
                if created_names.insert(normalize::name(&name)) && !has_twin_stages(&d.source) {
                    if cfg.mappings.pipelines.contains_key(&d.source.name) {
                        // Perhaps a typo of an existing pipeline's name: say it is created.
                        self.warnings.push(format!(
                            "`mappings.pipelines` maps `{}` to `{name}`, which the target does \
                             not have: the plan creates it; if you meant an existing pipeline, \
                             write its name exactly and re-plan",
                            d.source.name
                        ));
                    }
                    self.create_pipeline(d, name);
                }
            } else if d.target.is_some()
                && may.change.allowed()
                && d.stages.iter().any(|(_, t, _)| t.is_none())
                && d.target
                    .as_ref()
                    .and_then(stage_without_probability)
                    .is_none()
            {
                self.add_stages(d);
            }
        }
        self.report_pipelines(&map, &may);
        self.pipelines = Some(map);
    }

    /// One `create_pipeline` step with every stage, then one `add_stage` step per stage that
    /// only reads its id; the decision now points at those steps.
    fn create_pipeline(&mut self, d: &mut PipelineDecision, name: String) {
        let pid = self.unique_id(format!("pipeline/{}", normalize::slug(&name)));
        let n = d.source.stages.len();
        let stages: Vec<StagePlan> = d
            .source
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StagePlan {
                name: s.name.trim().to_string(),
                win_probability: s
                    .stage_win_probability
                    .unwrap_or_else(|| position_probability(i, n)),
            })
            .collect();
        self.steps.push(Step {
            id: pid.clone(),
            action: Action::CreatePipeline(PipelineCreate {
                name: name.clone(),
                stages: stages.clone(),
                use_opportunity_probability: d.source.use_opportunity_probability,
                source_id: d.source.id.clone(),
            }),
            after: vec![],
        });
        let mut planned = Pipeline {
            id: pid.clone(),
            name: name.clone(),
            ..Default::default()
        };
        let mut previous: Option<String> = None;
        for ((s, t, by), plan) in d.stages.iter_mut().zip(&stages) {
            let sid = self.stage_id(&name, &plan.name);
            self.steps.push(Step {
                id: sid.clone(),
                action: Action::AddStage(StageAdd {
                    pipeline: pid.clone(),
                    pipeline_name: name.clone(),
                    name: plan.name.clone(),
                    win_probability: plan.win_probability,
                    after: previous.replace(plan.name.clone()),
                    in_new_pipeline: true,
                    stages_before: vec![],
                }),
                after: vec![],
            });
            let stage = Stage {
                id: sid,
                name: s.name.clone(),
                stage_win_probability: Some(plan.win_probability),
            };
            planned.stages.push(stage.clone());
            *t = Some(stage);
            *by = "create";
        }
        d.target = Some(planned);
        d.by = "create";
    }

    /// One `add_stage` step per stage the target pipeline lacks, in the source's order, each
    /// placed after the stage that precedes it in the source, each after the one before (an
    /// update replaces the whole list: two at once would delete each other's stage).
    fn add_stages(&mut self, d: &mut PipelineDecision) {
        let cfg = self.input.config;
        let target = d.target.clone().expect("an existing target pipeline");
        // The pipeline's stages as they will be: the target's, with the new ones inserted.
        let mut now: Vec<StageSeen> = target
            .stages
            .iter()
            .map(|s| StageSeen {
                id: Some(s.id.clone()),
                name: s.name.clone(),
                win_probability: s.stage_win_probability,
            })
            .collect();
        let mut cursor: Option<usize> = None;
        let mut previous_step: Option<String> = None;
        let source_name = d.source.name.clone();
        let n = d.source.stages.len();
        for (i, (s, t, by)) in d.stages.iter_mut().enumerate() {
            if let Some(existing) = t {
                cursor = now
                    .iter()
                    .position(|x| x.id.as_deref() == Some(existing.id.as_str()))
                    .or(cursor);
                continue;
            }
            let key = format!("{source_name} / {}", s.name);
            let name = cfg
                .mappings
                .stages
                .get(&key)
                .unwrap_or(&s.name)
                .trim()
                .to_string();
            if now
                .iter()
                .any(|x| normalize::name(&x.name) == normalize::name(&name))
            {
                // Two source stages that become one name: the first is added, the other
                // stays missing (stage names are unique per pipeline).
                continue;
            }
            let at = cursor.map_or(0, |c| c + 1);
            let win_probability = s
                .stage_win_probability
                .unwrap_or_else(|| position_probability(i, n));
            let sid = self.stage_id(&target.name, &name);
            self.steps.push(Step {
                id: sid.clone(),
                action: Action::AddStage(StageAdd {
                    pipeline: target.id.clone(),
                    pipeline_name: target.name.clone(),
                    name: name.clone(),
                    win_probability,
                    after: at.checked_sub(1).map(|p| now[p].name.clone()),
                    in_new_pipeline: false,
                    stages_before: now.clone(),
                }),
                after: previous_step.iter().cloned().collect(),
            });
            now.insert(
                at,
                StageSeen {
                    id: None,
                    name: name.clone(),
                    win_probability: Some(win_probability),
                },
            );
            cursor = Some(at);
            previous_step = Some(sid.clone());
            *t = Some(Stage {
                id: sid,
                name,
                stage_win_probability: Some(win_probability),
            });
            *by = "create";
        }
    }

    fn stage_id(&mut self, pipeline: &str, stage: &str) -> String {
        self.unique_id(format!(
            "stage/{}/{}",
            normalize::slug(pipeline),
            normalize::slug(stage)
        ))
    }

    /// The summary, the mapping report and the warnings of every pipeline decision.
    fn report_pipelines(&mut self, map: &crate::matching::pipelines::PipelineMap, may: &May) {
        for d in &map.decisions {
            let missing = d.target.is_none();
            count(
                &mut self.summary.pipelines,
                match d.by {
                    "create" => "create",
                    _ if missing => "missing",
                    _ => "map",
                },
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
                let why = if may.create.allowed() {
                    "another source pipeline is created under the same name, or two of its \
                     stages have the same name (names are unique, whatever their case): \
                     rename one in the source, or map it with `mappings.pipelines`"
                        .to_string()
                } else {
                    may.create.explain()
                };
                self.warnings.push(format!(
                    "pipeline `{}` is missing in the target and not created: {why}",
                    d.source.name
                ));
            }
            for (s, t, by) in &d.stages {
                count(
                    &mut self.summary.stages,
                    match (*by, t) {
                        ("create", _) => "create",
                        (_, Some(_)) => "map",
                        _ => "missing",
                    },
                );
                if t.is_some() {
                    self.mapping.stages_mapped += 1;
                } else if !missing {
                    let unprobable = d.target.as_ref().and_then(stage_without_probability);
                    let why = if let (true, Some(stage)) = (may.change.allowed(), unprobable) {
                        format!(
                            "stage `{} / {stage}` of the target has no win probability, and an \
                             update without one makes the server recompute every stage's: set \
                             it in the target, then re-plan",
                            d.target.as_ref().map_or("", |t| t.name.as_str())
                        )
                    } else if may.change.allowed() {
                        "another source stage becomes a stage of the same name".to_string()
                    } else {
                        may.change.explain()
                    };
                    self.warnings.push(format!(
                        "stage `{} / {}` is missing in the target and not added: {why}",
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
    }
}

/// The first stage of a target pipeline without a win probability: no stage can be added to
/// it (every existing stage is sent back with its probability, and this one has none).
fn stage_without_probability(p: &Pipeline) -> Option<&str> {
    p.stages
        .iter()
        .find(|s| s.stage_win_probability.is_none())
        .map(|s| s.name.as_str())
}

/// Whether two stages of a pipeline have the same name, whatever the case (the API refuses it).
fn has_twin_stages(p: &Pipeline) -> bool {
    let mut names: Vec<String> = p.stages.iter().map(|s| normalize::name(&s.name)).collect();
    names.sort();
    names.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests;

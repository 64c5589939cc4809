//! Pipelines in memory with the live API's write semantics (ghl-api.md §7): names unique per
//! location and stage names unique per pipeline, case-insensitively; an update's `stages`
//! **replaces** the whole list (a stage with its `id` is kept, one without is created, one left
//! out is deleted and its opportunities move to the lowest-position remaining stage); an update
//! cannot remove every stage; a stage without a win probability makes every stage's probability
//! recomputed from its position; deleting a pipeline deletes its opportunities.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{MemoryAccount, State, refused};
use crate::ghl::{ApiResult, PipelineWrite};
use crate::model::{Pipeline, Stage};

/// A pipeline create or update body as a client may send it (a probability may be missing).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineInput {
    pub name: String,
    pub stages: Vec<StageInput>,
    #[serde(default)]
    pub use_opportunity_probability: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageInput {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub stage_win_probability: Option<f64>,
}

impl From<&PipelineWrite> for PipelineInput {
    fn from(w: &PipelineWrite) -> Self {
        PipelineInput {
            name: w.name.clone(),
            stages: w
                .stages
                .iter()
                .map(|s| StageInput {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    position: Some(s.position),
                    stage_win_probability: Some(s.stage_win_probability),
                })
                .collect(),
            use_opportunity_probability: w.use_opportunity_probability,
        }
    }
}

/// The probability the server gives the stage at `index` of `count` when it computes them: evenly
/// spread between 0 and 100 exclusive (6 stages: 14, 29, 43, 57, 71, 86).
pub fn position_probability(index: usize, count: usize) -> f64 {
    ((index as f64 + 1.0) * 100.0 / (count as f64 + 1.0)).round()
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// A stage id in the UUID shape the API uses, derived from a fresh record id.
fn uuid(seed: &str) -> String {
    let h = hex::encode(Sha256::digest(seed.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl MemoryAccount {
    /// One pipeline as stored.
    pub fn pipeline(&self, id: &str) -> Option<Pipeline> {
        self.read(|a| a.pipelines.iter().find(|p| p.id == id).cloned())
    }

    /// `POST /opportunities/pipelines`.
    pub fn create_pipeline_now(&self, input: &PipelineInput) -> ApiResult<Pipeline> {
        const ENDPOINT: &str = "POST /opportunities/pipelines";
        let mut state = self.lock();
        let state = &mut *state;
        if input.stages.is_empty() {
            return Err(refused(ENDPOINT, "A pipeline needs at least one stage"));
        }
        if input.stages.iter().any(|s| s.id.is_some()) {
            return Err(refused(
                ENDPOINT,
                "A new pipeline's stages cannot carry ids",
            ));
        }
        check_name(&state.account.pipelines, &input.name, None, ENDPOINT)?;
        let taken: Vec<String> = state
            .account
            .pipelines
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let id = state.ids.next(|id| taken.iter().any(|t| t == id));
        let stages = state.stages(ENDPOINT, &[], input)?;
        let pipeline = Pipeline {
            id,
            name: input.name.trim().to_string(),
            stages,
            use_opportunity_probability: input.use_opportunity_probability,
        };
        state.account.pipelines.push(pipeline.clone());
        Ok(pipeline)
    }

    /// `PUT /opportunities/pipelines/{id}`: full replacement of the name and the stages.
    pub fn update_pipeline_now(&self, id: &str, input: &PipelineInput) -> ApiResult<Pipeline> {
        const ENDPOINT: &str = "PUT /opportunities/pipelines/{id}";
        let mut state = self.lock();
        let state = &mut *state;
        let Some(at) = state.account.pipelines.iter().position(|p| p.id == id) else {
            return Err(refused(
                ENDPOINT,
                format!("Pipeline with id {id} not found"),
            ));
        };
        if input.stages.is_empty() {
            return Err(refused(
                ENDPOINT,
                "You cannot remove all stages of a pipeline",
            ));
        }
        check_name(&state.account.pipelines, &input.name, Some(id), ENDPOINT)?;
        let old = state.account.pipelines[at].stages.clone();
        if let Some(unknown) = input
            .stages
            .iter()
            .filter_map(|s| s.id.as_deref())
            .find(|sid| !old.iter().any(|o| o.id == *sid))
        {
            return Err(refused(
                ENDPOINT,
                format!("Stage {unknown} does not belong to pipeline {id}"),
            ));
        }
        let stages = state.stages(ENDPOINT, &old, input)?;
        let first = stages[0].id.clone();
        for o in &mut state.account.opportunities {
            let gone = o.pipeline_id == id
                && o.pipeline_stage_id
                    .as_ref()
                    .is_some_and(|s| !stages.iter().any(|k| &k.id == s));
            if gone {
                o.pipeline_stage_id = Some(first.clone());
            }
        }
        let p = &mut state.account.pipelines[at];
        p.name = input.name.trim().to_string();
        p.stages = stages;
        if input.use_opportunity_probability.is_some() {
            p.use_opportunity_probability = input.use_opportunity_probability;
        }
        Ok(p.clone())
    }

    /// `DELETE /opportunities/pipelines/{id}`: the pipeline and every opportunity in it.
    pub fn delete_pipeline(&self, id: &str) -> ApiResult<()> {
        let mut state = self.lock();
        let before = state.account.pipelines.len();
        state.account.pipelines.retain(|p| p.id != id);
        if state.account.pipelines.len() == before {
            return Err(refused(
                "DELETE /opportunities/pipelines/{id}",
                format!("Pipeline with id {id} not found"),
            ));
        }
        let State {
            account,
            opportunity_ids,
            ..
        } = &mut *state;
        account.opportunities.retain(|o| {
            let keep = o.pipeline_id != id;
            if !keep {
                opportunity_ids.remove(&o.id);
            }
            keep
        });
        Ok(())
    }
}

fn check_name(all: &[Pipeline], name: &str, own: Option<&str>, endpoint: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(refused(endpoint, "name should not be empty"));
    }
    match all
        .iter()
        .find(|p| Some(p.id.as_str()) != own && same(&p.name, name))
    {
        Some(p) => Err(refused(
            endpoint,
            format!("A pipeline named {:?} already exists", p.name),
        )),
        None => Ok(()),
    }
}

impl State {
    /// The stored stages of a create or update: ordered by position (then as sent), ids kept
    /// or made, names unique, probabilities as sent or all recomputed when one is missing.
    fn stages(
        &mut self,
        endpoint: &str,
        old: &[Stage],
        input: &PipelineInput,
    ) -> ApiResult<Vec<Stage>> {
        let mut sent: Vec<(usize, &StageInput)> = input.stages.iter().enumerate().collect();
        sent.sort_by_key(|(i, s)| (s.position.unwrap_or(*i as i64), *i));
        let mut out: Vec<Stage> = Vec::with_capacity(sent.len());
        for (_, s) in &sent {
            if s.name.trim().is_empty() {
                return Err(refused(endpoint, "stages.name should not be empty"));
            }
            if out.iter().any(|o| same(&o.name, &s.name)) {
                return Err(refused(
                    endpoint,
                    format!("Stage names must be unique within a pipeline: {:?}", s.name),
                ));
            }
            let id = match &s.id {
                Some(id) => id.clone(),
                None => {
                    let taken: Vec<String> = old.iter().map(|o| o.id.clone()).collect();
                    uuid(&self.ids.next(|id| taken.iter().any(|t| t == id)))
                }
            };
            out.push(Stage {
                id,
                name: s.name.trim().to_string(),
                stage_win_probability: s.stage_win_probability,
            });
        }
        if out.iter().any(|s| s.stage_win_probability.is_none()) {
            let n = out.len();
            for (i, s) in out.iter_mut().enumerate() {
                s.stage_win_probability = Some(position_probability(i, n));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, Opportunity};

    fn input(stages: &[(Option<&str>, &str, Option<f64>)]) -> PipelineInput {
        PipelineInput {
            name: "Sales".into(),
            stages: stages
                .iter()
                .map(|(id, name, p)| StageInput {
                    id: id.map(String::from),
                    name: name.to_string(),
                    position: None,
                    stage_win_probability: *p,
                })
                .collect(),
            use_opportunity_probability: None,
        }
    }

    fn account() -> MemoryAccount {
        MemoryAccount::new(
            Account {
                location: crate::model::Location {
                    id: "LOC".into(),
                    name: String::new(),
                },
                ..Default::default()
            },
            Default::default(),
        )
    }

    #[test]
    fn names_are_unique_case_insensitively() {
        let m = account();
        m.create_pipeline_now(&input(&[(None, "New", Some(10.0))]))
            .unwrap();
        let mut again = input(&[(None, "New", Some(10.0))]);
        again.name = " SALES ".into();
        let err = m.create_pipeline_now(&again).unwrap_err();
        assert!(err.message.contains("already exists"), "{err}");
        let dup = input(&[(None, "New", Some(1.0)), (None, "new", Some(2.0))]);
        let mut dup = dup;
        dup.name = "Other".into();
        assert!(m.create_pipeline_now(&dup).is_err());
    }

    #[test]
    fn an_update_replaces_the_stage_list_and_moves_opportunities_of_removed_stages() {
        let m = account();
        let p = m
            .create_pipeline_now(&input(&[
                (None, "A", Some(10.0)),
                (None, "B", Some(50.0)),
                (None, "C", Some(90.0)),
            ]))
            .unwrap();
        let (a, b, c) = (&p.stages[0], &p.stages[1], &p.stages[2]);
        m.lock().account.opportunities.push(Opportunity {
            id: "O1".into(),
            pipeline_id: p.id.clone(),
            pipeline_stage_id: Some(b.id.clone()),
            ..Default::default()
        });
        // B left out: deleted, its opportunity moved to the first remaining stage (C here).
        let after = m
            .update_pipeline_now(
                &p.id,
                &input(&[
                    (Some(&c.id), "C", Some(90.0)),
                    (Some(&a.id), "A", Some(10.0)),
                ]),
            )
            .unwrap();
        assert_eq!(after.stages.len(), 2);
        let moved = m.read(|acc| acc.opportunities[0].pipeline_stage_id.clone());
        assert_eq!(moved.as_deref(), Some(c.id.as_str()));
        // Every stage left out is refused.
        assert!(m.update_pipeline_now(&p.id, &input(&[])).is_err());
    }

    #[test]
    fn one_missing_probability_recomputes_them_all_and_a_stage_without_id_is_created() {
        let m = account();
        let p = m
            .create_pipeline_now(&input(&[(None, "A", Some(5.0)), (None, "B", Some(95.0))]))
            .unwrap();
        let after = m
            .update_pipeline_now(
                &p.id,
                &input(&[
                    (Some(&p.stages[0].id), "A", Some(5.0)),
                    (Some(&p.stages[1].id), "B", Some(95.0)),
                    (None, "C", None),
                ]),
            )
            .unwrap();
        let probs: Vec<f64> = after
            .stages
            .iter()
            .map(|s| s.stage_win_probability.unwrap())
            .collect();
        assert_eq!(probs, vec![25.0, 50.0, 75.0]);
        assert_eq!(after.stages[2].id.len(), 36);
    }

    #[test]
    fn deleting_a_pipeline_deletes_its_opportunities() {
        let m = account();
        let p = m
            .create_pipeline_now(&input(&[(None, "A", Some(5.0))]))
            .unwrap();
        m.lock().account.opportunities.push(Opportunity {
            id: "O1".into(),
            pipeline_id: p.id.clone(),
            ..Default::default()
        });
        m.delete_pipeline(&p.id).unwrap();
        assert!(m.read(|a| a.opportunities.is_empty() && a.pipelines.is_empty()));
    }
}

//! Adding a stage to a target pipeline without losing anything. A `PUT` replaces the whole stage
//! list (a stage left out is deleted with its opportunities moved, a stage without a probability
//! makes every probability recomputed), so the pipeline is read right before the write, compared
//! with what the plan saw (a difference fails the step as stale, naming it), and sent back whole:
//! every stage with its id, name, order and probability, plus the new one.

use crate::ghl::{ApiError, ApiErrorKind, ApiResult, Ghl, PipelineWrite, StageWrite};
use crate::model::{Pipeline, Stage};
use crate::plan::StageAdd;

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The stage of that name in a pipeline, if it has one.
pub fn stage_named<'a>(pipeline: &'a Pipeline, name: &str) -> Option<&'a Stage> {
    pipeline.stages.iter().find(|s| same(&s.name, name))
}

/// What changed in `live` since the plan saw it (`add.stages_before`), one phrase per change.
pub fn changes(live: &Pipeline, add: &StageAdd) -> Vec<String> {
    let mut out = Vec::new();
    let mut matched = vec![false; live.stages.len()];
    let mut order = Vec::new();
    for seen in &add.stages_before {
        let at = match &seen.id {
            Some(id) => live.stages.iter().position(|s| &s.id == id),
            None => live.stages.iter().position(|s| same(&s.name, &seen.name)),
        };
        let Some(at) = at else {
            out.push(format!("stage `{}` was removed", seen.name));
            continue;
        };
        matched[at] = true;
        order.push(at);
        let now = &live.stages[at];
        if !same(&now.name, &seen.name) {
            out.push(format!("stage `{}` was renamed `{}`", seen.name, now.name));
        }
        if let (Some(before), Some(after)) = (seen.win_probability, now.stage_win_probability)
            && before != after
        {
            out.push(format!(
                "stage `{}`'s win probability went from {before} to {after}",
                seen.name
            ));
        }
    }
    for (s, _) in live.stages.iter().zip(&matched).filter(|(_, m)| !**m) {
        out.push(format!("stage `{}` was added", s.name));
    }
    if order.windows(2).any(|w| w[0] > w[1]) {
        out.push("the stages were reordered".into());
    }
    out
}

/// The update that adds `add` to `live`: every stage it has, as it has it, in its order, with
/// the new one after `add.after`. Refused when the pipeline changed since the plan, or when a
/// stage has no probability (sending it without one would make the server recompute them all).
pub fn body(live: &Pipeline, add: &StageAdd) -> Result<PipelineWrite, String> {
    let changed = changes(live, add);
    if !changed.is_empty() {
        return Err(format!(
            "stale: pipeline `{}` changed since the plan: {}; re-plan",
            live.name,
            changed.join(", ")
        ));
    }
    let mut stages = Vec::with_capacity(live.stages.len() + 1);
    for s in &live.stages {
        let Some(p) = s.stage_win_probability else {
            return Err(format!(
                "stage `{} / {}` has no win probability: an update without one would make the \
                 server recompute every stage's; set it in the target, then resume",
                live.name, s.name
            ));
        };
        stages.push(StageWrite {
            id: Some(s.id.clone()),
            name: s.name.clone(),
            position: 0,
            stage_win_probability: p,
        });
    }
    let at = match &add.after {
        Some(after) => match live.stages.iter().position(|s| same(&s.name, after)) {
            Some(i) => i + 1,
            None => {
                return Err(format!(
                    "stale: stage `{after}` is gone from `{}`",
                    live.name
                ));
            }
        },
        None => 0,
    };
    stages.insert(
        at,
        StageWrite {
            id: None,
            name: add.name.clone(),
            position: 0,
            stage_win_probability: add.win_probability,
        },
    );
    for (i, s) in stages.iter_mut().enumerate() {
        s.position = i as i64;
    }
    Ok(PipelineWrite {
        name: live.name.clone(),
        stages,
        use_opportunity_probability: live.use_opportunity_probability,
    })
}

fn refused(endpoint: &str, message: String) -> ApiError {
    ApiError::new(ApiErrorKind::Permanent, endpoint, message)
}

/// Makes sure pipeline `pipeline_id` has the stage; its id. `count` is called per request.
pub async fn add_stage<G: Ghl>(
    ghl: &G,
    pipeline_id: &str,
    add: &StageAdd,
    count: impl Fn(),
) -> ApiResult<String> {
    let endpoint = format!("PUT /opportunities/pipelines/{pipeline_id}");
    count();
    let Some(live) = ghl.get_pipeline(pipeline_id).await? else {
        return Err(refused(
            &endpoint,
            format!(
                "stale: pipeline `{}` ({pipeline_id}) no longer exists; re-plan",
                add.pipeline_name
            ),
        ));
    };
    // Already there: added by an earlier attempt whose answer was lost, or created with its
    // pipeline. Taken as it is.
    if let Some(s) = stage_named(&live, &add.name) {
        return Ok(s.id.clone());
    }
    if add.in_new_pipeline {
        return Err(refused(
            &endpoint,
            format!(
                "stale: pipeline `{}`, created by this plan, no longer has its stage `{}`; re-plan",
                live.name, add.name
            ),
        ));
    }
    let update = body(&live, add).map_err(|m| refused(&endpoint, m))?;
    count();
    let answer = ghl.update_pipeline(pipeline_id, &update).await?;
    let after = match stage_named(&answer, &add.name) {
        Some(_) => answer,
        None => {
            // An answer without the stage list: read the pipeline again for the new id.
            count();
            ghl.get_pipeline(pipeline_id).await?.unwrap_or(answer)
        }
    };
    stage_named(&after, &add.name)
        .map(|s| s.id.clone())
        .ok_or_else(|| {
            ApiError::new(
                ApiErrorKind::Protocol,
                endpoint,
                format!(
                    "the update was answered, but the pipeline has no stage `{}`",
                    add.name
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::StageSeen;

    fn stage(id: &str, name: &str, p: Option<f64>) -> Stage {
        Stage {
            id: id.into(),
            name: name.into(),
            stage_win_probability: p,
        }
    }

    fn sales() -> Pipeline {
        Pipeline {
            id: "P".into(),
            name: "Sales".into(),
            stages: vec![
                stage("s1", "New", Some(10.0)),
                stage("s2", "Proposal", Some(50.0)),
                stage("s3", "Won", Some(100.0)),
            ],
            use_opportunity_probability: Some(true),
        }
    }

    fn add(after: Option<&str>) -> StageAdd {
        StageAdd {
            pipeline: "P".into(),
            pipeline_name: "Sales".into(),
            name: "Verbal Commit".into(),
            win_probability: 80.0,
            after: after.map(String::from),
            in_new_pipeline: false,
            stages_before: sales()
                .stages
                .iter()
                .map(|s| StageSeen {
                    id: Some(s.id.clone()),
                    name: s.name.clone(),
                    win_probability: s.stage_win_probability,
                })
                .collect(),
        }
    }

    #[test]
    fn an_update_sends_every_existing_stage_with_its_id_order_and_probability() {
        let body = body(&sales(), &add(Some("Proposal"))).unwrap();
        let sent: Vec<(Option<&str>, &str, i64, f64)> = body
            .stages
            .iter()
            .map(|s| {
                (
                    s.id.as_deref(),
                    s.name.as_str(),
                    s.position,
                    s.stage_win_probability,
                )
            })
            .collect();
        assert_eq!(
            sent,
            vec![
                (Some("s1"), "New", 0, 10.0),
                (Some("s2"), "Proposal", 1, 50.0),
                (None, "Verbal Commit", 2, 80.0),
                (Some("s3"), "Won", 3, 100.0),
            ]
        );
        assert_eq!(body.name, "Sales");
        assert_eq!(body.use_opportunity_probability, Some(true));
    }

    #[test]
    fn a_pipeline_changed_since_the_plan_is_stale_and_names_what_changed() {
        let mut live = sales();
        live.stages[1].name = "Quote".into();
        live.stages.remove(2);
        live.stages.push(stage("s9", "Lost", Some(0.0)));
        let err = body(&live, &add(None)).unwrap_err();
        assert!(
            err.starts_with("stale: pipeline `Sales` changed since the plan"),
            "{err}"
        );
        assert!(
            err.contains("stage `Proposal` was renamed `Quote`"),
            "{err}"
        );
        assert!(err.contains("stage `Won` was removed"), "{err}");
        assert!(err.contains("stage `Lost` was added"), "{err}");
        let mut reordered = sales();
        reordered.stages.swap(0, 2);
        assert!(
            body(&reordered, &add(None))
                .unwrap_err()
                .contains("reordered")
        );
    }

    #[test]
    fn a_stage_without_probability_is_never_sent() {
        let mut live = sales();
        live.stages[0].stage_win_probability = None;
        let mut a = add(None);
        a.stages_before[0].win_probability = None;
        let err = body(&live, &a).unwrap_err();
        assert!(
            err.contains("`Sales / New` has no win probability"),
            "{err}"
        );
    }
}

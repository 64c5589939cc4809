//! Planning pipelines and stages: what is created, in what order, with what probabilities, and
//! what stays blocked (map-only, a V1 target, a token without the scopes), with its reason.

use std::path::Path;

use crate::access::{Access, Permission};
use crate::config::{Config, parse};
use crate::model::Account;
use crate::plan::build::{PlanInput, build};
use crate::plan::{Action, Plan, StageAdd};

const SOURCE: &str = r#"{
  "location": {"id": "SRC"},
  "pipelines": [
    {"id": "sp", "name": "Sales", "stages": [
      {"id": "s-new", "name": "New", "stageWinProbability": 10},
      {"id": "s-neg", "name": "Negotiation", "stageWinProbability": 60},
      {"id": "s-com", "name": "Verbal Commit", "stageWinProbability": 80},
      {"id": "s-won", "name": "Won", "stageWinProbability": 100}]},
    {"id": "rp", "name": "Renewals", "stages": [
      {"id": "r-due", "name": "Due", "stageWinProbability": 30},
      {"id": "r-done", "name": "Renewed"}]}
  ],
  "contacts": [{"id": "c1", "email": "a@acme.test"}],
  "opportunities": [
    {"id": "o1", "name": "Deal", "pipelineId": "sp", "pipelineStageId": "s-com", "status": "open", "contactId": "c1"},
    {"id": "o2", "name": "Renewal", "pipelineId": "rp", "pipelineStageId": "r-done", "status": "open", "contactId": "c1"}
  ]
}"#;

const TARGET: &str = r#"{
  "location": {"id": "TGT"},
  "pipelines": [
    {"id": "tp", "name": "sales", "stages": [
      {"id": "t-new", "name": "New", "stageWinProbability": 15},
      {"id": "t-won", "name": "Won", "stageWinProbability": 95}]}
  ]
}"#;

fn config(extra: &str) -> Config {
    let text = format!(
        "name: t\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: fixture\n  path: t.json\n{extra}"
    );
    parse(Path::new("migration.yaml"), &text).unwrap()
}

fn plan(extra: &str, access: Access) -> Plan {
    let source: Account = serde_json::from_str(SOURCE).unwrap();
    let mut target: Account = serde_json::from_str(TARGET).unwrap();
    target.access = access;
    build(PlanInput {
        config: &config(extra),
        source: &source,
        target: &target,
    })
    .unwrap()
}

fn add(plan: &Plan, id: &str) -> StageAdd {
    match &plan.steps.iter().find(|s| s.id == id).unwrap().action {
        Action::AddStage(a) => a.clone(),
        other => panic!("{other:?}"),
    }
}

fn step_ids(plan: &Plan, prefix: &str) -> Vec<String> {
    plan.steps
        .iter()
        .filter(|s| s.id.starts_with(prefix))
        .map(|s| s.id.clone())
        .collect()
}

#[test]
fn a_missing_pipeline_is_created_whole_with_its_probabilities_in_source_order() {
    let plan = plan("", Access::default());
    let Action::CreatePipeline(p) = &plan
        .steps
        .iter()
        .find(|s| s.id == "pipeline/renewals")
        .unwrap()
        .action
    else {
        panic!()
    };
    let stages: Vec<(&str, f64)> = p
        .stages
        .iter()
        .map(|s| (s.name.as_str(), s.win_probability))
        .collect();
    // `Renewed` has no probability in the source: the server's own rule (by position) is
    // written out, so that no stage is ever sent without one.
    assert_eq!(stages, vec![("Due", 30.0), ("Renewed", 67.0)]);
    // Its stages are taken by id once it exists, and the opportunity waits for them.
    let renewed = add(&plan, "stage/renewals/renewed");
    assert!(renewed.in_new_pipeline);
    assert_eq!(renewed.pipeline, "pipeline/renewals");
    let opp = plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::CreateOpportunity(o) if o.source_id == "o2"))
        .unwrap();
    let Action::CreateOpportunity(o) = &opp.action else {
        panic!()
    };
    assert_eq!(o.pipeline_id, "pipeline/renewals");
    assert_eq!(o.pipeline_stage_id, "stage/renewals/renewed");
    assert!(opp.after.contains(&"stage/renewals/renewed".to_string()));
    assert_eq!(plan.summary.opportunities.get("blocked"), None);
    assert_eq!(plan.summary.readiness_percent, 100.0);
}

#[test]
fn missing_stages_are_added_in_order_keeping_every_existing_stage() {
    let plan = plan("", Access::default());
    // The source's name `Sales` matches the target's `sales` (names are case-insensitive):
    // no second pipeline, two stages added, one after the other.
    assert_eq!(step_ids(&plan, "pipeline/"), vec!["pipeline/renewals"]);
    let neg = add(&plan, "stage/sales/negotiation");
    let commit = add(&plan, "stage/sales/verbal_commit");
    assert_eq!(neg.pipeline, "tp");
    assert_eq!(neg.after.as_deref(), Some("New"));
    assert_eq!(neg.win_probability, 60.0);
    let before: Vec<(Option<&str>, &str)> = neg
        .stages_before
        .iter()
        .map(|s| (s.id.as_deref(), s.name.as_str()))
        .collect();
    assert_eq!(before, vec![(Some("t-new"), "New"), (Some("t-won"), "Won")]);
    // The second add expects the first one's stage, and runs after it: an update replaces the
    // whole list, so two at once would delete each other's stage.
    assert_eq!(commit.after.as_deref(), Some("Negotiation"));
    let names: Vec<&str> = commit
        .stages_before
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, vec!["New", "Negotiation", "Won"]);
    let commit_step = plan
        .steps
        .iter()
        .find(|s| s.id == "stage/sales/verbal_commit")
        .unwrap();
    assert_eq!(
        commit_step.after,
        vec!["stage/sales/negotiation".to_string()]
    );
}

#[test]
fn explicit_mappings_come_first() {
    let plan = plan(
        "mappings:\n  pipelines: {Renewals: Sales}\n  stages: {\"Renewals / Due\": New, \"Renewals / Renewed\": Won}\n",
        Access::default(),
    );
    assert!(step_ids(&plan, "pipeline/").is_empty());
    assert!(step_ids(&plan, "stage/renewals").is_empty());
}

#[test]
fn map_only_a_v1_target_or_a_token_without_the_scopes_block_with_reason_and_fix() {
    let refused = Access {
        create_pipelines: Access::missing_scope("pipelines.create", "401"),
        change_pipelines: Access::missing_scope("pipelines.write", "401"),
    };
    let v1 = {
        let source: Account = serde_json::from_str(SOURCE).unwrap();
        let target: Account = serde_json::from_str(TARGET).unwrap();
        let text = "name: t\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: v1\n  location_id: TGT\n  token_env: T\n";
        build(PlanInput {
            config: &parse(Path::new("migration.yaml"), text).unwrap(),
            source: &source,
            target: &target,
        })
        .unwrap()
    };
    for (plan, why) in [
        (
            plan("create_pipelines: false\n", Access::default()),
            "create_pipelines: false",
        ),
        (plan("", refused), "`pipelines.create`"),
        (v1, "V1 API cannot create"),
    ] {
        assert!(step_ids(&plan, "pipeline/").is_empty());
        assert!(step_ids(&plan, "stage/").is_empty());
        assert_eq!(plan.summary.opportunities["blocked"], 2, "{why}");
        assert!(
            plan.not_done
                .iter()
                .filter(|n| n.outcome == "blocked")
                .all(|n| n.reason.contains("re-plan")),
            "{why}: {:?}",
            plan.not_done
        );
        assert!(
            plan.warnings.iter().any(|w| w.contains(why)),
            "{why}: {:?}",
            plan.warnings
        );
    }
}

#[test]
fn a_token_that_may_create_but_not_change_adds_no_stage() {
    let access = Access {
        create_pipelines: Permission::Allowed,
        change_pipelines: Access::missing_scope("pipelines.write", "401"),
    };
    let plan = plan("", access);
    assert_eq!(step_ids(&plan, "pipeline/"), vec!["pipeline/renewals"]);
    assert!(step_ids(&plan, "stage/sales").is_empty());
    assert_eq!(plan.summary.opportunities["blocked"], 1);
}

/// `mappings.pipelines` naming a pipeline the target does not have (a typo of an existing one,
/// say) creates a pipeline under that name: the plan says so, so that a reviewer does not take
/// the `create` for the mapping they meant.
#[test]
fn a_mapping_to_a_pipeline_the_target_lacks_is_said_to_create_it() {
    let plan = plan(
        "mappings:\n  pipelines: {Renewals: Sales Pipline}\n",
        Access::default(),
    );
    assert_eq!(step_ids(&plan, "pipeline/"), vec!["pipeline/sales_pipline"]);
    assert!(
        plan.warnings.iter().any(|w| w.contains(
            "`mappings.pipelines` maps `Renewals` to `Sales Pipline`, which the target does not have"
        )),
        "{:#?}",
        plan.warnings
    );
}

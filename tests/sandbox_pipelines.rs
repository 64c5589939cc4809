//! The sandbox's pipeline routes behave like the live API (ghl-api.md §7), over real HTTP, so a
//! client that gets them wrong fails a test: a PUT's `stages` replaces the whole list (a stage
//! left out is deleted and its opportunities move to the lowest-position remaining stage, a stage
//! without id is created), one missing probability recomputes them all, every stage cannot be
//! removed, names are unique case-insensitively, unknown properties are refused (422), delete
//! removes the pipeline's opportunities, and each route has its own scope.

mod support;

use serde_json::{Value, json};
use support::{LOCATION, PIPELINE, STAGE, Sandbox, TOKEN_2};

const WON: &str = "5f0e3c2a-0000-4000-8000-000000000002";

/// The test account, with probabilities on its stages and an opportunity in each stage.
fn account() -> Value {
    let mut a = support::account(1);
    a["pipelines"][0]["stages"] = json!([
        {"id": STAGE, "name": "New", "stageWinProbability": 10},
        {"id": WON, "name": "Won", "stageWinProbability": 100},
    ]);
    a["opportunities"] = json!([
        {"id": "OPP00000000000000001", "name": "A", "pipelineId": PIPELINE, "pipelineStageId": STAGE,
         "status": "open", "contactId": "CON00000000000000000"},
        {"id": "OPP00000000000000002", "name": "B", "pipelineId": PIPELINE, "pipelineStageId": WON,
         "status": "won", "contactId": "CON00000000000000000"},
    ]);
    a["workflows"] = json!([
        {"id": "wf1", "name": "Welcome", "status": "published"},
        {"id": "wf2", "name": "Draft", "status": "draft"},
    ]);
    a
}

fn stages(sandbox: &Sandbox, id: &str) -> Vec<(String, String, f64)> {
    let read = sandbox.v2("GET", &format!("/opportunities/pipelines/{id}"), None);
    assert_eq!(read.status, 200, "{}", read.body);
    read.json()["pipeline"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
                s["stageWinProbability"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn stage_of(sandbox: &Sandbox, opportunity: &str) -> String {
    let account = sandbox.account();
    account["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == opportunity)
        .map(|o| o["pipelineStageId"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn a_created_pipeline_keeps_its_stages_order_and_probabilities() {
    let sandbox = Sandbox::start(&account(), &[]);
    let body = json!({"name": "Renewals", "locationId": LOCATION, "stages": [
        {"name": "Due", "position": 0, "stageWinProbability": 30},
        {"name": "Renewed", "position": 1, "stageWinProbability": 90}]});
    let created = sandbox.v2("POST", "/opportunities/pipelines", Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["pipeline"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got: Vec<(String, f64)> = stages(&sandbox, &id)
        .into_iter()
        .map(|(_, n, p)| (n, p))
        .collect();
    assert_eq!(got, vec![("Due".into(), 30.0), ("Renewed".into(), 90.0)]);
    // Names are unique per location, whatever their case.
    let again = json!({"name": "RENEWALS", "locationId": LOCATION, "stages": [{"name": "X"}]});
    let refused = sandbox.v2("POST", "/opportunities/pipelines", Some(&again));
    assert_eq!(refused.status, 400, "{}", refused.body);
    // Unknown properties are refused, at the top and in a stage.
    for bad in [
        json!({"name": "P1", "locationId": LOCATION, "stages": [{"name": "X"}], "color": "red"}),
        json!({"name": "P2", "locationId": LOCATION, "stages": [{"name": "X", "probability": 5}]}),
    ] {
        let r = sandbox.v2("POST", "/opportunities/pipelines", Some(&bad));
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("should not exist"), "{}", r.body);
    }
}

#[test]
fn a_put_replaces_the_whole_stage_list() {
    let sandbox = Sandbox::start(&account(), &[]);
    // `Won` left out: deleted, its opportunity moved to the lowest-position remaining stage; a
    // stage without id is created.
    let body = json!({"name": "Sales", "stages": [
        {"id": STAGE, "name": "New", "position": 0, "stageWinProbability": 10},
        {"name": "Closing", "position": 1, "stageWinProbability": 80}]});
    let put = sandbox.v2(
        "PUT",
        &format!("/opportunities/pipelines/{PIPELINE}"),
        Some(&body),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let now = stages(&sandbox, PIPELINE);
    assert_eq!(now.len(), 2);
    assert_eq!(now[0].0, STAGE);
    assert_eq!((now[1].1.as_str(), now[1].2), ("Closing", 80.0));
    assert_ne!(now[1].0, WON);
    assert_eq!(stage_of(&sandbox, "OPP00000000000000002"), STAGE);
    // Every stage cannot be removed.
    let empty = json!({"name": "Sales", "stages": []});
    let r = sandbox.v2(
        "PUT",
        &format!("/opportunities/pipelines/{PIPELINE}"),
        Some(&empty),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // `locationId` has no place in an update.
    let located =
        json!({"name": "Sales", "locationId": LOCATION, "stages": [{"id": STAGE, "name": "New"}]});
    let r = sandbox.v2(
        "PUT",
        &format!("/opportunities/pipelines/{PIPELINE}"),
        Some(&located),
    );
    assert_eq!(r.status, 422, "{}", r.body);
}

#[test]
fn one_stage_without_probability_recomputes_every_probability() {
    let sandbox = Sandbox::start(&account(), &[]);
    let body = json!({"name": "Sales", "stages": [
        {"id": STAGE, "name": "New", "stageWinProbability": 10},
        {"name": "Closing"},
        {"id": WON, "name": "Won", "stageWinProbability": 100}]});
    let put = sandbox.v2(
        "PUT",
        &format!("/opportunities/pipelines/{PIPELINE}"),
        Some(&body),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let probabilities: Vec<f64> = stages(&sandbox, PIPELINE).iter().map(|s| s.2).collect();
    assert_eq!(probabilities, vec![25.0, 50.0, 75.0]);
}

#[test]
fn deleting_a_pipeline_deletes_its_opportunities() {
    let sandbox = Sandbox::start(&account(), &[]);
    let r = sandbox.v2(
        "DELETE",
        &format!("/opportunities/pipelines/{PIPELINE}"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let account = sandbox.account();
    assert_eq!(account["pipelines"], json!([]));
    assert_eq!(account["opportunities"], json!([]));
}

#[test]
fn each_route_has_its_scope_and_workflows_are_listed() {
    let sandbox = Sandbox::start(
        &account(),
        &["--token-scopes", "SANDBOX_TOKEN_2=opportunities.readonly"],
    );
    let headers = support::v2_headers(TOKEN_2);
    let list = sandbox.request(
        "GET",
        &format!("/opportunities/pipelines?locationId={LOCATION}"),
        &headers,
        None,
    );
    assert_eq!(list.status, 200, "{}", list.body);
    let body = json!({"name": "New one", "locationId": LOCATION, "stages": [{"name": "X"}]});
    let create = sandbox.request("POST", "/opportunities/pipelines", &headers, Some(&body));
    assert_eq!(create.status, 401, "{}", create.body);
    let one = sandbox.request(
        "GET",
        &format!("/opportunities/pipelines/{PIPELINE}"),
        &headers,
        None,
    );
    assert_eq!(one.status, 401, "{}", one.body);
    let workflows = sandbox.request(
        "GET",
        &format!("/workflows/?locationId={LOCATION}"),
        &headers,
        None,
    );
    assert_eq!(workflows.status, 401, "{}", workflows.body);
    let all = sandbox.v2("GET", &format!("/workflows/?locationId={LOCATION}"), None);
    assert_eq!(all.status, 200, "{}", all.body);
    let json = all.json();
    let names: Vec<&str> = json["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Welcome", "Draft"]);
}

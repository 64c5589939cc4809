//! Paging through the sandbox over real HTTP: V2 `searchAfter`, V1 `startAfterId`, and the
//! V2 opportunity search `meta`, across many pages, each record exactly once.

mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use support::{LOCATION, PIPELINE, STAGE, Sandbox};

#[test]
fn v2_contact_search_pages_by_search_after() {
    let sandbox = Sandbox::start(&support::account(230), &[]);
    let mut seen = Vec::new();
    let mut after: Option<Value> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({"locationId": LOCATION, "pageLimit": 50});
        if let Some(a) = &after {
            body["searchAfter"] = a.clone();
        }
        let page = sandbox.v2("POST", "/contacts/search", Some(&body)).json();
        assert_eq!(page["total"], 230);
        let contacts = page["contacts"].as_array().unwrap();
        if contacts.is_empty() {
            break;
        }
        pages += 1;
        seen.extend(
            contacts
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        after = Some(contacts.last().unwrap()["searchAfter"].clone());
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 230);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 230);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "fixture ids follow dateAdded order");
}

#[test]
fn v2_search_refuses_a_page_limit_over_500_and_filters_by_query() {
    let sandbox = Sandbox::start(&support::account(3), &[]);
    let body = json!({"locationId": LOCATION, "pageLimit": 501});
    assert_eq!(
        sandbox.v2("POST", "/contacts/search", Some(&body)).status,
        422
    );
    let body = json!({"locationId": LOCATION, "pageLimit": 10, "query": "c0001@"});
    let page = sandbox.v2("POST", "/contacts/search", Some(&body)).json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["contacts"][0]["email"], "c0001@example.com");
}

#[test]
fn v1_contact_list_pages_by_start_after_id() {
    let sandbox = Sandbox::start(&support::account(250), &[]);
    let mut seen = HashSet::new();
    let mut path = "/v1/contacts/?limit=100".to_string();
    let mut pages = 0;
    loop {
        let page = sandbox.v1("GET", &path, None).json();
        let contacts = page["contacts"].as_array().unwrap();
        pages += 1;
        for c in contacts {
            assert!(c["customField"].is_array(), "V1 shape: {c}");
            assert!(seen.insert(c["id"].as_str().unwrap().to_string()));
        }
        let meta = &page["meta"];
        assert_eq!(meta["total"], 250);
        if seen.len() >= 250 {
            assert!(meta["nextPageUrl"].is_null());
            break;
        }
        assert!(meta["nextPageUrl"].as_str().unwrap().starts_with("http://"));
        path = format!(
            "/v1/contacts/?limit=100&startAfterId={}&startAfter={}",
            meta["startAfterId"].as_str().unwrap(),
            meta["startAfter"]
        );
    }
    assert_eq!(pages, 3);
}

#[test]
fn v2_opportunity_search_pages_with_meta() {
    let sandbox = Sandbox::start(&support::account(5), &[]);
    for i in 0..7 {
        let body = json!({
            "locationId": LOCATION, "pipelineId": PIPELINE, "pipelineStageId": STAGE,
            "name": format!("Deal {i}"), "status": "open",
            "contactId": format!("CON{:017}", i % 5),
        });
        let created = sandbox.v2("POST", "/opportunities/", Some(&body));
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let mut seen = HashSet::new();
    let mut path =
        format!("/opportunities/search?location_id={LOCATION}&pipeline_id={PIPELINE}&limit=3");
    loop {
        let page = sandbox.v2("GET", &path, None).json();
        let meta = &page["meta"];
        assert_eq!(meta["total"], 7);
        for o in page["opportunities"].as_array().unwrap() {
            assert!(seen.insert(o["id"].as_str().unwrap().to_string()));
            assert_eq!(o["contact"]["id"], o["contactId"]);
        }
        if meta["nextPageUrl"].is_null() {
            break;
        }
        path = format!(
            "/opportunities/search?location_id={LOCATION}&pipeline_id={PIPELINE}&limit=3&startAfterId={}&startAfter={}",
            meta["startAfterId"].as_str().unwrap(),
            meta["startAfter"]
        );
    }
    assert_eq!(seen.len(), 7);
    let one =
        format!("/opportunities/search?location_id={LOCATION}&contact_id=CON00000000000000000");
    let page = sandbox.v2("GET", &one, None).json();
    assert_eq!(page["meta"]["total"], 2);
}

#[test]
fn v1_opportunities_page_within_a_pipeline() {
    let sandbox = Sandbox::start(&support::account(2), &[]);
    for i in 0..5 {
        let body = json!({"title": format!("Deal {i}"), "status": "open", "stageId": STAGE,
            "contactId": "CON00000000000000001"});
        let path = format!("/v1/pipelines/{PIPELINE}/opportunities/");
        assert_eq!(sandbox.v1("POST", &path, Some(&body)).status, 200);
    }
    let first = sandbox
        .v1(
            "GET",
            &format!("/v1/pipelines/{PIPELINE}/opportunities?limit=3"),
            None,
        )
        .json();
    assert_eq!(first["opportunities"].as_array().unwrap().len(), 3);
    let next = format!(
        "/v1/pipelines/{PIPELINE}/opportunities?limit=3&startAfterId={}&startAfter={}",
        first["meta"]["startAfterId"].as_str().unwrap(),
        first["meta"]["startAfter"]
    );
    let second = sandbox.v1("GET", &next, None).json();
    assert_eq!(second["opportunities"].as_array().unwrap().len(), 2);
    assert_eq!(
        second["opportunities"][0]["contact"]["id"],
        "CON00000000000000001"
    );
}

//! Every injected fault, observed from a plain HTTP client: 429 storms, 500 before acting,
//! 504 after committing, a connection dropped after committing, a hang, a malformed body;
//! set by CLI flag or at run time through `POST /_sandbox/faults`.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{LOCATION, NoResponse, Sandbox, TOKEN};

fn create_body(email: &str) -> Value {
    json!({"locationId": LOCATION, "email": email})
}

fn raw_create(email: &str) -> String {
    support::raw_request(
        "POST",
        "/contacts/",
        &support::v2_headers(TOKEN),
        Some(&create_body(email).to_string()),
    )
}

fn emails(sandbox: &Sandbox) -> Vec<String> {
    sandbox.account()["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["email"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_429_storm_hits_the_next_n_matching_requests() {
    let sandbox = Sandbox::start(&support::account(1), &["--fault", "429,method=GET,count=2"]);
    let path = format!("/users/?locationId={LOCATION}");
    for _ in 0..2 {
        let r = sandbox.v2("GET", &path, None);
        assert_eq!(r.status, 429);
        assert_eq!(
            r.json(),
            json!({"statusCode": 429, "message": "Too Many Requests"})
        );
        assert!(r.header("x-ratelimit-remaining").is_some());
    }
    assert_eq!(sandbox.v2("GET", &path, None).status, 200);
    let stats = sandbox.stats();
    assert_eq!(stats["tooManyRequests"], 2);
    assert_eq!(stats["faultsInjected"], 2);
}

#[test]
fn a_500_comes_before_acting_and_writes_nothing() {
    let sandbox = Sandbox::start(&support::account(0), &[]);
    sandbox.set_faults(json!({"faults": [{"kind": "500", "method": "POST", "pathPrefix": "/contacts/", "count": 1}]}));
    let r = sandbox.v2("POST", "/contacts/", Some(&create_body("a@example.com")));
    assert_eq!(r.status, 500);
    assert!(emails(&sandbox).is_empty());
    assert_eq!(
        sandbox
            .v2("POST", "/contacts/", Some(&create_body("a@example.com")))
            .status,
        201
    );
    assert_eq!(emails(&sandbox), vec!["a@example.com"]);
}

#[test]
fn a_504_comes_after_the_write_was_committed() {
    let sandbox = Sandbox::start(
        &support::account(0),
        &["--fault", "504,path=/contacts/,count=1"],
    );
    let r = sandbox.v2("POST", "/contacts/", Some(&create_body("b@example.com")));
    assert_eq!(r.status, 504);
    assert_eq!(emails(&sandbox), vec!["b@example.com"]);
    assert_eq!(sandbox.stats()["writesCommitted"], 1);
}

#[test]
fn a_dropped_connection_closes_without_a_response_after_committing() {
    let sandbox = Sandbox::start(&support::account(0), &[]);
    sandbox.set_faults(json!({"faults": [{"kind": "drop", "method": "POST", "count": 1}]}));
    let outcome = support::send(&sandbox.addr, &raw_create("c@example.com"));
    assert!(matches!(outcome, Err(NoResponse::Closed)), "{outcome:?}");
    assert_eq!(emails(&sandbox), vec!["c@example.com"]);
    let stats = sandbox.stats();
    assert_eq!(stats["byStatus"]["none"], 1);
    let next = support::send(&sandbox.addr, &raw_create("d@example.com")).unwrap();
    assert_eq!(
        next.status, 201,
        "the server keeps serving other connections"
    );
}

#[test]
fn a_hanging_route_never_answers_and_others_still_do() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--fault", "hang,path=/contacts/search"],
    );
    let raw = support::raw_request(
        "POST",
        "/contacts/search",
        &support::v2_headers(TOKEN),
        Some(&json!({"locationId": LOCATION}).to_string()),
    );
    let outcome = support::send_with_timeout(&sandbox.addr, &raw, Duration::from_millis(300));
    assert!(matches!(outcome, Err(NoResponse::TimedOut)), "{outcome:?}");
    let other = sandbox.v2("GET", "/contacts/CON00000000000000000", None);
    assert_eq!(other.status, 200);
    sandbox.set_faults(json!({"faults": []}));
    let body = json!({"locationId": LOCATION});
    assert_eq!(
        sandbox.v2("POST", "/contacts/search", Some(&body)).status,
        200
    );
}

#[test]
fn a_malformed_body_is_not_json() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--fault", "malformed,method=GET,count=1"],
    );
    let r = sandbox.v2("GET", "/contacts/CON00000000000000000", None);
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with('{'));
    assert!(
        serde_json::from_str::<Value>(&r.body).is_err(),
        "{}",
        r.body
    );
    let again = sandbox.v2("GET", "/contacts/CON00000000000000000", None);
    assert_eq!(again.json()["contact"]["id"], "CON00000000000000000");
}

#[test]
fn probabilistic_faults_repeat_with_the_seed() {
    let run = || {
        let sandbox = Sandbox::start(
            &support::account(1),
            &["--seed", "42", "--fault", "500,p=0.5"],
        );
        (0..20)
            .map(|_| {
                sandbox
                    .v2("GET", "/contacts/CON00000000000000000", None)
                    .status
            })
            .collect::<Vec<u16>>()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");
}

#[test]
fn faults_and_latency_are_read_back_and_changed_at_run_time() {
    let sandbox = Sandbox::start(&support::account(1), &["--latency-ms", "1..2"]);
    let current = sandbox.set_faults(json!({"latencyMs": "off", "forbidDuplicates": true,
        "faults": [{"kind": "drop", "pathPrefix": "/v1/", "count": 3}]}));
    assert_eq!(current["forbidDuplicates"], true);
    assert!(current["latencyMs"].is_null());
    assert_eq!(current["faults"][0]["count"], 3);
    let bad = sandbox.request::<&str>(
        "POST",
        "/_sandbox/faults",
        &[],
        Some(&json!({"faults": [{"kind": "explode"}]})),
    );
    assert_eq!(bad.status, 400);
}

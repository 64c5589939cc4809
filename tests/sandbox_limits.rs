//! The sandbox's rate limits over real HTTP: the headers on every response, the burst
//! window's 429 (body, no Retry-After, recovery after the window), per-token bursts and the
//! shared daily budget. Short intervals keep it fast; waits are only ever past a window.

mod support;

use std::thread::sleep;
use std::time::Duration;

use serde_json::json;
use support::{LOCATION, Sandbox, TOKEN_2};

const HEADERS: &[&str] = &[
    "x-ratelimit-max",
    "x-ratelimit-remaining",
    "x-ratelimit-interval-milliseconds",
    "x-ratelimit-limit-daily",
    "x-ratelimit-daily-remaining",
    "x-ratelimit-daily-reset",
];

fn users_path() -> String {
    format!("/users/?locationId={LOCATION}")
}

#[test]
fn every_response_carries_the_rate_limit_headers() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let ok = sandbox.v2("GET", &users_path(), None);
    let unauthorized = sandbox.request(
        "GET",
        &users_path(),
        &[("Authorization", "Bearer nope")],
        None,
    );
    let invalid = sandbox.v2("POST", "/contacts/", Some(&json!({"bogus": 1})));
    let v1 = sandbox.v1("GET", "/v1/users/", None);
    for response in [&ok, &unauthorized, &invalid, &v1] {
        for name in HEADERS {
            assert!(
                response.header(name).is_some(),
                "{name} missing: {response:?}"
            );
        }
    }
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("x-ratelimit-max"), Some("100"));
    assert_eq!(ok.header("x-ratelimit-remaining"), Some("99"));
    assert_eq!(
        ok.header("x-ratelimit-interval-milliseconds"),
        Some("10000")
    );
    assert_eq!(ok.header("x-ratelimit-limit-daily"), Some("200000"));
    assert_eq!(ok.header("x-ratelimit-daily-remaining"), Some("199999"));
    assert_eq!(unauthorized.status, 401);
}

#[test]
fn the_burst_limit_answers_429_with_the_real_body_and_headers() {
    // A long window, so the requests surely share it however slow the machine is.
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--rate-max", "3", "--rate-interval-ms", "60000"],
    );
    for remaining in ["2", "1", "0"] {
        let r = sandbox.v2("GET", &users_path(), None);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-remaining"), Some(remaining));
    }
    let refused = sandbox.v2("GET", &users_path(), None);
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.json(),
        json!({"statusCode": 429, "message": "Too Many Requests"})
    );
    assert_eq!(refused.header("retry-after"), None);
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        refused.header("x-ratelimit-interval-milliseconds"),
        Some("60000")
    );
    let other_token = sandbox.request("GET", &users_path(), &support::v2_headers(TOKEN_2), None);
    assert_eq!(
        other_token.status, 200,
        "each token has its own burst window"
    );
    assert_eq!(sandbox.stats()["tooManyRequests"], 1);
}

#[test]
fn a_refused_caller_is_served_again_after_the_window() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--rate-max", "1", "--rate-interval-ms", "200"],
    );
    let refused = (0..100)
        .map(|_| sandbox.v2("GET", &users_path(), None).status)
        .any(|status| status == 429);
    assert!(
        refused,
        "back-to-back requests meet the limit of 1 per window"
    );
    // The window that refused began before the refusal: 250 ms later it has surely ended.
    sleep(Duration::from_millis(250));
    assert_eq!(sandbox.v2("GET", &users_path(), None).status, 200);
}

#[test]
fn the_daily_budget_is_shared_by_the_tokens_of_the_location() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--daily", "4", "--rate-interval-ms", "600000"],
    );
    for _ in 0..2 {
        assert_eq!(sandbox.v2("GET", &users_path(), None).status, 200);
        let r = sandbox.request("GET", &users_path(), &support::v2_headers(TOKEN_2), None);
        assert_eq!(r.status, 200);
    }
    let refused = sandbox.v2("GET", &users_path(), None);
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("x-ratelimit-daily-remaining"), Some("0"));
    assert_eq!(refused.header("x-ratelimit-limit-daily"), Some("4"));
    assert_eq!(
        refused.header("x-ratelimit-remaining"),
        Some("98"),
        "a refused request is not counted"
    );
}

#[test]
fn a_token_can_have_its_own_burst_limit() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--token-rate", "SANDBOX_TOKEN_2=1/60000"],
    );
    let headers = support::v2_headers(TOKEN_2);
    let first = sandbox.request("GET", &users_path(), &headers, None);
    assert_eq!(first.header("x-ratelimit-max"), Some("1"));
    assert_eq!(
        sandbox.request("GET", &users_path(), &headers, None).status,
        429
    );
    assert_eq!(sandbox.v2("GET", &users_path(), None).status, 200);
}

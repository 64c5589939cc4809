//! Authentication, location and body checks of the sandbox over real HTTP: wrong or missing
//! token, missing or wrong `Version`, missing scope, another location (403), bodies that do
//! not fit the official DTOs (422) or are not JSON (400).

mod support;

use serde_json::json;
use support::{LOCATION, PIPELINE, Sandbox, TOKEN_2};

#[test]
fn a_wrong_or_missing_token_is_401() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let path = format!("/locations/{LOCATION}");
    let wrong = sandbox.request("GET", &path, &support::v2_headers("not-the-token"), None);
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.json()["message"],
        "Invalid token: access token is invalid"
    );
    let none = sandbox.request("GET", &path, &[("Version", "2021-07-28")], None);
    assert_eq!(none.status, 401);
    let v1 = sandbox.request(
        "GET",
        "/v1/users/",
        &[("Authorization", "Bearer nope")],
        None,
    );
    assert_eq!(v1.status, 401);
    assert!(!wrong.body.contains(support::TOKEN));
}

#[test]
fn v2_needs_the_version_header_and_v1_does_not() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let path = format!("/locations/{LOCATION}");
    let bearer = format!("Bearer {}", support::TOKEN);
    let missing = sandbox.request("GET", &path, &[("Authorization", bearer.as_str())], None);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["message"], "version header was not found.");
    let with_version = |v: &'static str| {
        sandbox.request(
            "GET",
            &path,
            &[("Authorization", bearer.as_str()), ("Version", v)],
            None,
        )
    };
    let invented = with_version("2020-01-01");
    assert_eq!(invented.status, 401);
    assert_eq!(invented.json()["message"], "version header is invalid");
    assert_eq!(
        with_version("2021-04-15").status,
        200,
        "published versions are accepted"
    );
    let ok = sandbox.v2("GET", &path, None);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["location"]["id"], LOCATION);
    assert_eq!(
        sandbox
            .v1("GET", &format!("/v1/locations/{LOCATION}"), None)
            .status,
        200
    );
}

#[test]
fn another_location_is_403() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let other = "LOCsomebodyelse00001";
    let expected =
        json!({"statusCode": 403, "message": "The token does not have access to this location."});
    let by_path = sandbox.v2("GET", &format!("/locations/{other}/customFields"), None);
    assert_eq!(by_path.status, 403);
    assert_eq!(by_path.json(), expected);
    let by_query = sandbox.v2(
        "GET",
        &format!("/opportunities/pipelines?locationId={other}"),
        None,
    );
    assert_eq!(by_query.status, 403);
    let by_body = sandbox.v2(
        "POST",
        "/contacts/",
        Some(&json!({"locationId": other, "email": "x@example.com"})),
    );
    assert_eq!(by_body.status, 403);
    assert_eq!(sandbox.account()["contacts"].as_array().unwrap().len(), 1);
}

#[test]
fn a_token_without_the_scope_is_401_on_that_family_only() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &["--token-scopes", "SANDBOX_TOKEN_2=contacts.readonly,v1"],
    );
    let headers = support::v2_headers(TOKEN_2);
    let denied = sandbox.request(
        "GET",
        &format!("/users/?locationId={LOCATION}"),
        &headers,
        None,
    );
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.json()["message"],
        "The token is not authorized for this scope."
    );
    let allowed = sandbox.request("GET", "/contacts/CON00000000000000000", &headers, None);
    assert_eq!(allowed.status, 200);
}

#[test]
fn bodies_that_do_not_fit_the_dto_are_422() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let unknown = sandbox.v2(
        "POST",
        "/contacts/",
        Some(&json!({"locationId": LOCATION, "email": "x@example.com", "favouriteColour": "red"})),
    );
    assert_eq!(unknown.status, 422);
    let body = unknown.json();
    assert_eq!(body["statusCode"], 422);
    assert_eq!(body["error"], "Unprocessable Entity");
    assert_eq!(
        body["message"],
        json!(["property favouriteColour should not exist"])
    );

    let missing = sandbox.v2(
        "POST",
        "/opportunities/",
        Some(&json!({"locationId": LOCATION, "pipelineId": PIPELINE, "name": "Deal"})),
    );
    assert_eq!(missing.status, 422);
    let messages = missing.json()["message"].to_string();
    assert!(
        messages.contains("status") && messages.contains("contactId"),
        "{messages}"
    );

    let wrong_type = sandbox.v2(
        "POST",
        "/contacts/CON00000000000000000/tags",
        Some(&json!({"tags": "vip"})),
    );
    assert_eq!(wrong_type.status, 422);

    let snake = sandbox.v2(
        "GET",
        &format!("/opportunities/search?locationId={LOCATION}"),
        None,
    );
    assert_eq!(snake.status, 422, "2021-07-28 wants location_id");
    assert_eq!(sandbox.stats()["writesCommitted"], 0);
}

#[test]
fn a_body_that_is_not_json_is_400() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let raw = support::raw_request(
        "POST",
        "/contacts/",
        &support::v2_headers(support::TOKEN),
        Some("{\"locationId\": "),
    );
    let response = support::send(&sandbox.addr, &raw).unwrap();
    assert_eq!(response.status, 400);
}

#[test]
fn the_accepted_versions_can_be_narrowed() {
    let sandbox = Sandbox::start(&support::account(1), &["--version-header", "2021-07-28"]);
    let bearer = format!("Bearer {}", support::TOKEN);
    let path = format!("/locations/{LOCATION}");
    let older = sandbox.request(
        "GET",
        &path,
        &[
            ("Authorization", bearer.as_str()),
            ("Version", "2021-04-15"),
        ],
        None,
    );
    assert_eq!(older.status, 401);
    assert_eq!(sandbox.v2("GET", &path, None).status, 200);
}

#[test]
fn opportunity_search_takes_camel_case_only_under_v3() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let bearer = format!("Bearer {}", support::TOKEN);
    let v3 = [("Authorization", bearer.as_str()), ("Version", "v3")];
    let camel = format!("/opportunities/search?locationId={LOCATION}&pipelineId={PIPELINE}");
    assert_eq!(sandbox.request("GET", &camel, &v3, None).status, 200);
    let snake = format!("/opportunities/search?location_id={LOCATION}");
    assert_eq!(sandbox.request("GET", &snake, &v3, None).status, 422);
    assert_eq!(sandbox.v2("GET", &snake, None).status, 200);
}

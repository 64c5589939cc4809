//! Unit tests of the error classification and redaction.

use super::*;

#[test]
fn statuses_are_classified_by_what_the_caller_may_do() {
    use ApiErrorKind::*;
    let cases = [
        (Method::Get, 429, Retryable),
        (Method::Post, 429, Retryable),
        (Method::Search, 500, Retryable),
        (Method::Search, 504, Retryable),
        (Method::Get, 401, Auth),
        (Method::Put, 403, Auth),
        (Method::Get, 500, Retryable),
        (Method::Get, 503, Retryable),
        (Method::Post, 500, Ambiguous),
        (Method::Put, 502, Ambiguous),
        (Method::Post, 400, Permanent),
        (Method::Post, 422, Permanent),
        (Method::Get, 404, Permanent),
    ];
    for (method, status, kind) in cases {
        assert_eq!(classify_status(method, status), kind, "{method:?} {status}");
    }
}

#[test]
fn transport_failures_are_ambiguous_only_for_writes() {
    use ApiErrorKind::*;
    assert_eq!(
        classify_transport(Method::Post, Transport::Refused),
        Retryable
    );
    assert_eq!(
        classify_transport(Method::Post, Transport::Interrupted),
        Ambiguous
    );
    assert_eq!(
        classify_transport(Method::Put, Transport::Interrupted),
        Ambiguous
    );
    assert_eq!(
        classify_transport(Method::Get, Transport::Interrupted),
        Retryable
    );
    assert_eq!(classify_transport(Method::Get, Transport::Local), Auth);
}

#[test]
fn a_duplicate_refusal_carries_the_existing_contact_id() {
    let body = br#"{"statusCode":400,"message":"This location does not allow duplicated contacts.","meta":{"contactId":"abc123","contactName":"Jane","matchingField":"email"}}"#;
    let err = interpret(Method::Post, "POST /contacts/", 400, body).unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Permanent);
    assert_eq!(err.existing_id.as_deref(), Some("abc123"));
    assert_eq!(err.status, Some(400));
    assert_eq!(
        err.to_string(),
        "POST /contacts/ answered HTTP 400: This location does not allow duplicated contacts."
    );
}

#[test]
fn messages_come_from_message_lists_or_error_or_the_raw_body() {
    let e = interpret(Method::Post, "POST /x", 422, br#"{"statusCode":422,"message":["email must be an email","name too long"],"error":"Unprocessable Entity"}"#).unwrap_err();
    assert_eq!(e.message, "email must be an email; name too long");
    let e = interpret(
        Method::Get,
        "GET /contacts/x",
        400,
        br#"{"error":"Contact with id x not found","status":400}"#,
    )
    .unwrap_err();
    assert_eq!(e.message, "Contact with id x not found");
    let e = interpret(
        Method::Get,
        "GET /x",
        502,
        b"<html>\n<body>Bad   gateway</body></html>",
    )
    .unwrap_err();
    assert_eq!(e.message, "<html> <body>Bad gateway</body></html>");
    assert_eq!(e.kind, ApiErrorKind::Retryable);
}

#[test]
fn a_success_that_is_not_json_is_a_protocol_error() {
    let e = interpret(Method::Get, "GET /locations/L", 200, b"<html>hello</html>").unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Protocol);
    assert_eq!(e.status, Some(200));
    assert_eq!(
        interpret(Method::Post, "POST /x", 201, b"").unwrap(),
        Value::Null
    );
    assert_eq!(
        interpret(Method::Post, "POST /x", 200, br#"{"a":1}"#).unwrap()["a"],
        1
    );
}

#[test]
fn the_token_is_redacted_from_echoed_messages_and_never_debug_printed() {
    let token = Secret::new("pit-SECRET-123");
    let body = br#"{"statusCode":401,"message":"Invalid token: pit-SECRET-123 is not valid"}"#;
    let err = redact(
        interpret(Method::Get, "GET /x", 401, body).unwrap_err(),
        &token,
    );
    assert_eq!(err.kind, ApiErrorKind::Auth);
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert!(!format!("{err:?}").contains("SECRET"));
    assert!(!format!("{token:?}").contains("SECRET"));
}

#[test]
fn endpoints_name_method_and_path_without_query_values() {
    let r = Request::get("/contacts/search/duplicate")
        .query("locationId", "L")
        .query("email", "jane@example.com");
    assert_eq!(r.endpoint(), "GET /contacts/search/duplicate");
}

#[test]
fn an_echoed_token_is_removed_from_the_body_before_any_of_it_is_quoted() {
    let token = Secret::new("tgt-secret-TOKEN456abcdefghijkl");
    // The echo starts near the end of the prefix an error message quotes.
    let body = format!(
        "<html>{}Bearer {} trailing</html>",
        "x".repeat(190),
        token.expose()
    );
    let clean = redact_body(body.as_bytes(), &token);
    let err = interpret(Method::Get, "GET /x", 500, &clean).unwrap_err();
    assert!(!err.message.contains("tgt-secret"), "{}", err.message);
    assert_eq!(
        redact_body(b"nothing here", &token).as_ref(),
        b"nothing here"
    );
    assert_eq!(
        redact_body(b"a T b T", &Secret::new("T")).as_ref(),
        b"a [redacted] b [redacted]"
    );
}

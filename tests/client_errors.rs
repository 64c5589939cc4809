//! The live clients against a scripted HTTP peer: how each failure is classified, what is
//! retried and what is not (counted in requests received), and that the token never leaks.

mod client_rawserver;

use client_rawserver::{Reply, Server, rate_headers};
use ghl_migrate::config::{AccountConfig, ApiKind, RateLimitConfig, TokenEnv};
use ghl_migrate::ghl::remote::{self, Remote, Side};
use ghl_migrate::ghl::{ApiErrorKind, ContactWrite, Ghl};
use serde_json::json;

fn rate(max_retries: u32, timeout_ms: u64) -> RateLimitConfig {
    RateLimitConfig {
        max_retries,
        timeout_ms,
        daily_reserve: 0,
        ..RateLimitConfig::default()
    }
}

/// A client for `base`; each test uses its own token so that tests do not share a limiter.
fn open(api: ApiKind, base: &str, token: &str, rate: &RateLimitConfig) -> Remote {
    open_tokens(api, base, &[("TOKEN_VAR", token)], rate)
}

/// A client for `base` with several tokens: (variable, value), in `token_env`'s order.
fn open_tokens(
    api: ApiKind,
    base: &str,
    tokens: &[(&str, &str)],
    rate: &RateLimitConfig,
) -> Remote {
    let names = tokens.iter().map(|(var, _)| var.to_string()).collect();
    let cfg = AccountConfig {
        api,
        location_id: Some("LOC".into()),
        token_env: Some(TokenEnv::Many(names)),
        base_url: Some(base.into()),
        path: None,
    };
    let tokens: Vec<(String, String)> = tokens
        .iter()
        .map(|(var, value)| (var.to_string(), value.to_string()))
        .collect();
    remote::open(Side::Source, &cfg, rate, &move |k| {
        tokens
            .iter()
            .find(|(var, _)| var == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

fn contact(id: &str) -> serde_json::Value {
    json!({"id": id, "email": format!("{id}@example.com")})
}

#[tokio::test]
async fn v2_requests_carry_bearer_version_and_camel_case_paths() {
    let server = Server::start(|req, _| match req.path() {
        "/locations/LOC" => Reply::ok(json!({"location": {"id": "LOC", "name": "Acme"}})),
        "/locations/LOC/customFields" => Reply::ok(json!({"customFields": []})),
        _ => Reply::status(404, "{}"),
    });
    let c = open(ApiKind::V2, &server.base, "tok-headers-1", &rate(0, 2_000));
    assert_eq!(c.location().await.unwrap().name, "Acme");
    assert!(c.custom_fields().await.unwrap().is_empty());
    let reqs = server.requests();
    assert_eq!(
        reqs[0].header("authorization"),
        Some("Bearer tok-headers-1")
    );
    assert_eq!(reqs[0].header("version"), Some("2021-07-28"));
    assert_eq!(reqs[1].path(), "/locations/LOC/customFields");
}

#[tokio::test]
async fn a_429_storm_is_ridden_out_and_no_read_is_lost() {
    // The first four requests are refused; pacing comes from the 429's own headers (50 ms).
    let server = Server::start(|_, n| {
        let h = rate_headers(100, if n < 4 { 0 } else { 99 }, 50, 1_000);
        if n < 4 {
            Reply::status(429, r#"{"statusCode":429,"message":"Too Many Requests"}"#)
                .with_headers(&h)
        } else {
            // One body for both reads the users need: the location (its companyId), the users.
            Reply::ok(json!({"location": {"id": "LOC", "companyId": "CMP"},
                "users": [{"id": "u1", "name": "Ann", "email": "ann@x.test"}]}))
            .with_headers(&h)
        }
    });
    let c = open(ApiKind::V2, &server.base, "tok-storm", &rate(6, 2_000));
    let users = c.users().await.unwrap();
    assert_eq!(users.len(), 1);
    // Four refusals, the location read, the users search.
    assert_eq!(server.count(), 6);
    assert!(server.requests()[5].path().starts_with("/users/search"));
}

#[tokio::test]
async fn endless_429_stops_as_rate_limited_after_max_retries() {
    let server = Server::start(|_, _| {
        Reply::status(429, r#"{"statusCode":429,"message":"Too Many Requests"}"#)
            .with_headers(&rate_headers(100, 0, 20, 1_000))
    });
    let c = open(ApiKind::V2, &server.base, "tok-endless", &rate(3, 2_000));
    let err = c.users().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::RateLimited);
    assert!(err.is_resumable_stop());
    assert_eq!(server.count(), 4, "one try and three retries");
}

#[tokio::test]
async fn a_write_answered_429_is_resent_blind() {
    let server = Server::start(|_, n| {
        if n == 0 {
            Reply::status(429, "{}").with_headers(&rate_headers(100, 0, 20, 1_000))
        } else {
            Reply::ok(json!({"contact": contact("c1")}))
        }
    });
    let c = open(ApiKind::V2, &server.base, "tok-write429", &rate(3, 2_000));
    let created = c
        .create_contact(&ContactWrite {
            email: Some("c1@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.id, "c1");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_5xx_on_a_write_is_ambiguous_and_not_resent() {
    let server = Server::start(|_, _| Reply::status(502, "<html>bad gateway</html>"));
    let c = open(ApiKind::V2, &server.base, "tok-5xx-write", &rate(3, 2_000));
    let err = c
        .create_contact(&ContactWrite::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Ambiguous);
    assert_eq!(err.status, Some(502));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_5xx_on_a_read_is_retried() {
    let server = Server::start(|_, n| {
        if n < 2 {
            Reply::status(503, "{}")
        } else {
            Reply::ok(json!({"pipelines": []}))
        }
    });
    let c = open(ApiKind::V2, &server.base, "tok-5xx-read", &rate(3, 2_000));
    assert!(c.pipelines().await.unwrap().is_empty());
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_hanging_server_times_out_reads_with_retries_and_writes_without() {
    let server = Server::start(|_, _| Reply::Hang);
    let c = open(ApiKind::V2, &server.base, "tok-hang", &rate(1, 200));
    let err = c.users().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Retryable);
    assert_eq!(err.status, None);
    assert!(err.message.contains("timed out"), "{err}");
    assert_eq!(server.count(), 2, "a read is retried within the budget");
    let err = c
        .create_contact(&ContactWrite::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Ambiguous, "{err}");
    assert_eq!(server.count(), 3, "an ambiguous write is not resent");
}

#[tokio::test]
async fn a_cut_connection_after_a_write_is_ambiguous() {
    let server = Server::start(|_, _| Reply::Cut);
    let c = open(ApiKind::V2, &server.base, "tok-cut", &rate(3, 2_000));
    let err = c.add_contact_tags("c1", &["vip".into()]).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Ambiguous, "{err}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn connection_refused_is_retryable_even_for_writes() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = open(
        ApiKind::V2,
        &format!("http://127.0.0.1:{port}"),
        "tok-refused",
        &rate(1, 2_000),
    );
    let err = c
        .create_contact(&ContactWrite::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Retryable, "{err}");
    assert_eq!(err.endpoint, "POST /contacts/");
}

#[tokio::test]
async fn wrong_token_is_auth_and_not_retried() {
    let server = Server::start(|_, _| {
        Reply::status(
            401,
            r#"{"statusCode":401,"message":"Invalid token: access token is invalid","error":"Unauthorized"}"#,
        )
    });
    let c = open(ApiKind::V2, &server.base, "tok-wrong", &rate(3, 2_000));
    let err = c.location().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Auth);
    assert_eq!(
        err.to_string(),
        "GET /locations/LOC answered HTTP 401: Invalid token: access token is invalid \
         (the token in $TOKEN_VAR)",
        "a refused token is named by its variable, never shown"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_protocol_error() {
    let server = Server::start(|_, _| Reply::Json(200, vec![], "{\"contacts\": [".into()));
    let c = open(ApiKind::V2, &server.base, "tok-malformed", &rate(3, 2_000));
    let err = c.contacts().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Protocol);
    assert!(
        err.to_string()
            .starts_with("POST /contacts/search answered HTTP 200: the answer is not JSON"),
        "{err}"
    );
    let server = Server::start(|_, _| Reply::ok(json!({"contacts": "nope"})));
    let c = open(
        ApiKind::V2,
        &server.base,
        "tok-malformed-2",
        &rate(3, 2_000),
    );
    assert_eq!(c.contacts().await.unwrap_err().kind, ApiErrorKind::Protocol);
}

#[tokio::test]
async fn a_duplicate_refusal_names_the_existing_contact() {
    let server = Server::start(|_, _| {
        Reply::status(
            400,
            r#"{"statusCode":400,"message":"This location does not allow duplicated contacts.","meta":{"contactId":"EXIST1","matchingField":"email"}}"#,
        )
    });
    let c = open(ApiKind::V2, &server.base, "tok-dup", &rate(3, 2_000));
    let err = c
        .create_contact(&ContactWrite {
            email: Some("a@b.c".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Permanent);
    assert_eq!(err.existing_id.as_deref(), Some("EXIST1"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_missing_contact_is_none() {
    let server = Server::start(|req, _| match req.path() {
        "/contacts/gone404" => Reply::status(404, r#"{"message":"Not found"}"#),
        _ => Reply::status(
            400,
            r#"{"error":"Contact with id gone400 not found","status":400}"#,
        ),
    });
    let c = open(ApiKind::V2, &server.base, "tok-missing", &rate(3, 2_000));
    assert_eq!(c.get_contact("gone404").await.unwrap(), None);
    assert_eq!(c.get_contact("gone400").await.unwrap(), None);
}

#[tokio::test]
async fn an_echoed_token_is_redacted_from_errors() {
    let server = Server::start(|req, _| {
        let auth = req.header("authorization").unwrap_or_default().to_string();
        Reply::status(
            403,
            &json!({"message": format!("Forbidden for {auth}")}).to_string(),
        )
    });
    let c = open(
        ApiKind::V2,
        &server.base,
        "tok-ECHOED-SECRET",
        &rate(3, 2_000),
    );
    let err = c.users().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Auth);
    assert!(
        !format!("{err} {err:?} {c:?}").contains("ECHOED-SECRET"),
        "{err}"
    );
}

/// Standard base64, for a server that echoes what it was sent encoded.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..=c.len() {
            out.push(ABC[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

/// A server that echoes the token base64-encoded, lowercased or only half of it: nothing
/// derived from it reaches the error (which becomes stdout, JSON progress and `last_error`).
#[tokio::test]
async fn a_token_echoed_in_another_form_is_redacted_from_errors() {
    const TOKEN: &str = "tok-Form-SECRET-7f3a9c1e44b2";
    type Echo = fn(&str) -> String;
    let forms: [(&str, Echo); 3] = [
        ("base64 of the header", |auth| base64(auth.as_bytes())),
        ("lowercased", |auth| auth.to_lowercase()),
        ("the first half", |auth| {
            auth["Bearer ".len()..]["tok-Form-SECRET-7f3a9c1e44b2".len() / 2..].to_string()
        }),
    ];
    for (what, echo) in forms {
        let server = Server::start(move |req, _| {
            let auth = req.header("authorization").unwrap_or_default().to_string();
            Reply::status(
                403,
                &json!({"message": format!("Forbidden for {}", echo(&auth))}).to_string(),
            )
        });
        let c = open(ApiKind::V2, &server.base, TOKEN, &rate(3, 2_000));
        let err = c.users().await.unwrap_err();
        let shown = format!("{err} {err:?}");
        let auth = format!("Bearer {TOKEN}");
        for leak in [
            base64(auth.as_bytes())[8..24].to_string(),
            TOKEN.to_lowercase()[4..].to_string(),
            TOKEN[TOKEN.len() / 2..].to_string(),
        ] {
            assert!(!shown.contains(&leak), "{what}: {shown}");
        }
        assert!(shown.contains("[redacted]"), "{what}: {shown}");
    }
}

/// Two tokens of one account that share a long run (one is the other plus a short tail, or the
/// end of one is the start of the other): the server refuses the first and echoes the second.
/// Nothing of either reaches the error, whichever token's forms cover which part of the echo.
#[tokio::test]
async fn tokens_that_share_a_run_are_redacted_whole_from_an_echo() {
    const A: &str = "tok-Shared-7f3a9c1e44b2";
    for b in [
        "tok-Shared-7f3a9c1e44b2-Tail77",
        "7f3a9c1e44b2-Other-Tail77",
    ] {
        let server = Server::start(move |req, _| {
            let auth = req.header("authorization").unwrap_or_default().to_string();
            if auth.ends_with(A) {
                return Reply::status(401, r#"{"message":"Invalid JWT"}"#);
            }
            Reply::status(
                403,
                &json!({"message": format!("Forbidden for {auth}")}).to_string(),
            )
        });
        let c = open_tokens(
            ApiKind::V2,
            &server.base,
            &[("TOKEN_A", A), ("TOKEN_B", b)],
            &rate(3, 2_000),
        );
        let err = c.users().await.unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("$TOKEN_B"), "{shown}");
        assert!(!shown.contains("Tail77"), "{b}: {shown}");
    }
}

#[tokio::test]
async fn duplicate_lookups_are_url_encoded() {
    let server = Server::start(|_, _| Reply::ok(json!({"contact": null})));
    let c = open(ApiKind::V2, &server.base, "tok-lookup", &rate(3, 2_000));
    let key = ghl_migrate::ghl::ContactKey {
        email: Some("a+b@x.test".into()),
        phone: Some("+15550100".into()),
    };
    assert!(c.find_contacts(&key).await.unwrap().is_empty());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[0].target.contains("email=a%2Bb%40x.test"),
        "{}",
        reqs[0].target
    );
    assert!(
        reqs[1].target.contains("number=%2B15550100"),
        "{}",
        reqs[1].target
    );
    assert_eq!(reqs[1].query("locationId").as_deref(), Some("LOC"));
}

/// An opportunity of the scripted search, `i`-th overall.
fn opportunity(i: usize) -> serde_json::Value {
    json!({"id": format!("O{i}"), "name": format!("Deal {i}"), "pipelineId": "P",
        "contactId": "C", "status": if i.is_multiple_of(2) { "won" } else { "lost" }})
}

#[tokio::test]
async fn opportunity_pages_are_read_while_full_whatever_total_says_and_of_every_status() {
    // A `total` that is stale (or capped) says the first full page was all there is.
    let server = Server::start(|req, _| {
        let after = req.query("startAfterId");
        let (range, last) = match after.as_deref() {
            None => (0..100, "O99"),
            Some("O99") => (100..105, "O104"),
            _ => (0..0, ""),
        };
        let items: Vec<_> = range.map(opportunity).collect();
        Reply::ok(json!({"opportunities": items,
            "meta": {"total": 100, "startAfterId": last, "startAfter": 1}}))
    });
    let c = open(ApiKind::V2, &server.base, "tok-pages", &rate(0, 2_000));
    let all = c.opportunities().await.unwrap();
    assert_eq!(all.len(), 105);
    for req in server.requests() {
        assert_eq!(
            req.query("status").as_deref(),
            Some("all"),
            "{}",
            req.target
        );
    }
}

// Review of issue 9 (r9): pages that never end, cursors that are missing.

/// A user of the scripted users routes.
fn user(i: usize) -> serde_json::Value {
    json!({"id": format!("U{i}"), "name": format!("User {i}"), "email": format!("u{i}@x.test")})
}

#[tokio::test]
async fn a_users_search_that_ignores_skip_neither_loops_nor_duplicates() {
    // The search answers the same full page whatever `skip` says; the deprecated route has all.
    let server = Server::start(|req, n| match req.path() {
        "/locations/LOC" => Reply::ok(json!({"location": {"id": "LOC", "name": "Acme",
            "companyId": "COMP"}})),
        // A guard so that the loop this test looks for ends the test instead of hanging it.
        "/users/search" if n > 50 => Reply::status(400, "{}"),
        "/users/search" => Reply::ok(json!({"users": (0..100).map(user).collect::<Vec<_>>()})),
        "/users/" => Reply::ok(json!({"users": (0..150).map(user).collect::<Vec<_>>()})),
        _ => Reply::status(404, "{}"),
    });
    let c = open(ApiKind::V2, &server.base, "tok-users-loop", &rate(0, 2_000));
    let users = c.users().await.unwrap();
    let searches = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/users/search")
        .count();
    assert!(searches <= 2, "{searches} searches for one page of users");
    let mut ids: Vec<_> = users.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), users.len(), "duplicated users");
    assert_eq!(users.len(), 150);
}

#[tokio::test]
async fn a_full_opportunity_page_without_a_cursor_is_an_error_not_the_end() {
    // 150 exist; the first full page carries no `startAfterId`: stopping there loses 50.
    let server = Server::start(|_, _| {
        let items: Vec<_> = (0..100).map(opportunity).collect();
        Reply::ok(json!({"opportunities": items, "meta": {"total": 150}}))
    });
    let c = open(ApiKind::V2, &server.base, "tok-no-cursor", &rate(0, 2_000));
    let got = c.opportunities().await;
    assert!(got.is_err(), "read {} of 150 silently", got.unwrap().len());
}

#[tokio::test]
async fn a_duplicate_lookup_answer_without_contact_is_not_a_miss() {
    // Only 200 `{"contact": null}` is the reported miss; `{}` or another key is a shape this
    // client does not know, and reading it as "absent" would send an in-doubt create again.
    for body in [
        json!({}),
        json!({"contacts": [contact("c1")]}),
        json!({"contact": [contact("c1")]}),
    ] {
        let answer = body.clone();
        let server = Server::start(move |_, _| Reply::ok(answer.clone()));
        let c = open(ApiKind::V2, &server.base, "tok-dup-shape", &rate(0, 2_000));
        let key = ghl_migrate::ghl::ContactKey {
            email: Some("c1@example.com".into()),
            phone: None,
        };
        let got = c.find_contacts(&key).await;
        assert!(got.is_err(), "{body} read as {got:?}");
    }
    // The reported miss still is one.
    let server = Server::start(|_, _| Reply::ok(json!({"contact": null})));
    let c = open(ApiKind::V2, &server.base, "tok-dup-shape", &rate(0, 2_000));
    let key = ghl_migrate::ghl::ContactKey {
        email: Some("c1@example.com".into()),
        phone: None,
    };
    assert!(c.find_contacts(&key).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_contact_search_whose_pages_cycle_neither_loops_nor_duplicates() {
    // Page A's cursor leads to page B, whose cursor leads back to page A: each cursor differs
    // from the one before it, so only a memory of every contact read ends the loop.
    let page = |from: usize, cursor: &str| {
        let contacts: Vec<_> = (from..from + 500)
            .map(|i| {
                let mut c = contact(&format!("C{i}"));
                c["searchAfter"] = json!([i, format!("C{i}")]);
                c
            })
            .collect();
        let mut contacts = contacts;
        contacts[499]["searchAfter"] = json!([cursor]);
        Reply::ok(json!({"contacts": contacts, "total": 1000}))
    };
    let server = Server::start(move |req, n| {
        if n > 20 {
            return Reply::status(400, "{}");
        }
        let body: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
        match body["searchAfter"][0].as_str() {
            Some("a") => page(500, "b"),
            _ => page(0, "a"),
        }
    });
    let c = open(ApiKind::V2, &server.base, "tok-cycle", &rate(0, 2_000));
    let got = c.contacts().await;
    assert!(
        server.requests().len() <= 3,
        "{} pages read",
        server.requests().len()
    );
    assert!(got.is_err(), "read {} contacts", got.unwrap().len());
}

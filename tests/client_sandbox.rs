//! The live V1 and V2 clients against the project's sandbox over real HTTP: paging across many
//! pages, 429 storms with no read lost, pacing from the headers of a 25-per-interval token,
//! wrong token, wrong location, missing scope, malformed answers, hangs, and writes.
//! Assertions count requests and 429s (from `/_sandbox/stats`), never elapsed time.

mod support;

use std::collections::BTreeSet;

use ghl_migrate::config::{AccountConfig, ApiKind, RateLimitConfig};
use ghl_migrate::ghl::remote::{self, Remote, Side};
use ghl_migrate::ghl::{
    ApiErrorKind, ContactKey, ContactWrite, CustomFieldWrite, Ghl, NewCustomField, NewOpportunity,
    snapshot,
};
use ghl_migrate::model::{DataType, OpportunityStatus};
use serde_json::{Value, json};
use support::{LOCATION, PIPELINE, STAGE, Sandbox, TOKEN, TOKEN_2};

fn rate() -> RateLimitConfig {
    RateLimitConfig {
        daily_reserve: 0,
        timeout_ms: 5_000,
        ..RateLimitConfig::default()
    }
}

fn client(
    api: ApiKind,
    sandbox: &Sandbox,
    token: &str,
    location: &str,
    rate: &RateLimitConfig,
) -> Remote {
    let base = match api {
        ApiKind::V1 => format!("http://{}/v1", sandbox.addr),
        _ => format!("http://{}", sandbox.addr),
    };
    let cfg = AccountConfig {
        api,
        location_id: Some(location.into()),
        token_env: Some("TOKEN_VAR".into()),
        base_url: Some(base),
        path: None,
    };
    let token = token.to_string();
    remote::open(Side::Source, &cfg, rate, &move |k| {
        (k == "TOKEN_VAR").then(|| token.clone())
    })
    .unwrap()
}

/// The harness account with `contacts` contacts and `opportunities` opportunities on them.
fn account(contacts: usize, opportunities: usize) -> Value {
    let mut a = support::account(contacts);
    a["opportunities"] = (0..opportunities)
        .map(|i| {
            json!({
                "id": format!("OPP{i:017}"), "name": format!("Deal {i}"),
                "pipelineId": PIPELINE, "pipelineStageId": STAGE, "status": "open",
                "monetaryValue": i, "contactId": format!("CON{:017}", i % contacts),
            })
        })
        .collect();
    a
}

fn stat(sandbox: &Sandbox, route: &str) -> u64 {
    sandbox.stats()["byRoute"][route].as_u64().unwrap_or(0)
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> BTreeSet<String> {
    items.iter().map(|i| id(i).to_string()).collect()
}

#[tokio::test]
async fn v2_pages_every_contact_and_opportunity() {
    let sandbox = Sandbox::start(&account(1_234, 250), &[]);
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    let contacts = c.contacts().await.unwrap();
    assert_eq!(contacts.len(), 1_234);
    assert_eq!(ids(&contacts, |c| &c.id).len(), 1_234, "no contact twice");
    let opportunities = c.opportunities().await.unwrap();
    assert_eq!(ids(&opportunities, |o| &o.id).len(), 250);
    let stats = sandbox.stats();
    assert_eq!(stats["byRoute"]["POST /contacts/search"], 3, "{stats}");
    assert_eq!(stats["tooManyRequests"], 0);
}

#[tokio::test]
async fn v1_pages_every_contact_and_opportunity() {
    let sandbox = Sandbox::start(&account(250, 230), &[]);
    let c = client(ApiKind::V1, &sandbox, TOKEN, LOCATION, &rate());
    let contacts = c.contacts().await.unwrap();
    assert_eq!(ids(&contacts, |c| &c.id).len(), 250);
    let opportunities = c.opportunities().await.unwrap();
    assert_eq!(ids(&opportunities, |o| &o.id).len(), 230);
    assert!(
        opportunities
            .iter()
            .all(|o| o.pipeline_id == PIPELINE && o.contact_id.starts_with("CON"))
    );
}

#[tokio::test]
async fn v1_and_v2_snapshots_of_one_account_agree() {
    let sandbox = Sandbox::start(&account(120, 40), &[]);
    let v2 = snapshot(&client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate()))
        .await
        .unwrap();
    let v1 = snapshot(&client(ApiKind::V1, &sandbox, TOKEN_2, LOCATION, &rate()))
        .await
        .unwrap();
    let sorted = |mut a: ghl_migrate::model::Account| {
        a.contacts.sort_by(|x, y| x.id.cmp(&y.id));
        a.opportunities.sort_by(|x, y| x.id.cmp(&y.id));
        a
    };
    assert_eq!(sorted(v1), sorted(v2));
}

#[tokio::test]
async fn a_429_storm_loses_no_read() {
    for api in [ApiKind::V2, ApiKind::V1] {
        let sandbox = Sandbox::start(
            &account(600, 150),
            &["--fault", "429,count=12", "--rate-interval-ms", "200"],
        );
        let expected: ghl_migrate::model::Account =
            serde_json::from_value(sandbox.account()).unwrap();
        let got = snapshot(&client(api, &sandbox, TOKEN, LOCATION, &rate()))
            .await
            .unwrap();
        assert_eq!(
            ids(&got.contacts, |c| &c.id),
            ids(&expected.contacts, |c| &c.id)
        );
        assert_eq!(
            ids(&got.opportunities, |o| &o.id),
            ids(&expected.opportunities, |o| &o.id)
        );
        assert_eq!(sandbox.stats()["tooManyRequests"], 12, "{api:?}");
    }
}

#[tokio::test]
async fn a_25_per_interval_token_is_paced_from_its_headers() {
    // 25 requests per 500 ms: the client learns it from the first answer's headers.
    let sandbox = Sandbox::start(
        &account(30, 0),
        &["--rate-max", "25", "--rate-interval-ms", "500"],
    );
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    let ids: Vec<String> = (0..120).map(|i| format!("CON{:017}", i % 30)).collect();
    let found = futures::future::join_all(ids.iter().map(|id| c.get_contact(id))).await;
    assert!(found.iter().all(|r| matches!(r, Ok(Some(_)))));
    let stats = sandbox.stats();
    assert_eq!(
        stats["requests"],
        120 + stats["tooManyRequests"].as_u64().unwrap()
    );
    assert!(stats["tooManyRequests"].as_u64().unwrap() <= 1, "{stats}");
    let seen = c.http().unwrap().limiter().last_headers();
    assert_eq!((seen.max, seen.interval_ms), (Some(25), Some(500)));
}

#[tokio::test]
async fn wrong_token_wrong_location_and_missing_scope_are_auth_errors() {
    let sandbox = Sandbox::start(
        &account(1, 0),
        &["--token-scopes", "SANDBOX_TOKEN_2=contacts"],
    );
    let wrong = client(ApiKind::V2, &sandbox, "not-a-token", LOCATION, &rate());
    let err = wrong.location().await.unwrap_err();
    assert_eq!((err.kind, err.status), (ApiErrorKind::Auth, Some(401)));
    let elsewhere = client(
        ApiKind::V2,
        &sandbox,
        TOKEN,
        "LOCelsewhere00000000",
        &rate(),
    );
    let err = elsewhere.custom_fields().await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Auth, "{err}");
    let scoped = client(ApiKind::V2, &sandbox, TOKEN_2, LOCATION, &rate());
    assert_eq!(scoped.contacts().await.unwrap().len(), 1);
    let err = scoped.users().await.unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ApiErrorKind::Auth, Some(401)),
        "{err}"
    );
    assert_eq!(err.endpoint, "GET /users/");
}

#[tokio::test]
async fn a_malformed_answer_is_a_protocol_error() {
    let sandbox = Sandbox::start(
        &account(1, 0),
        // Both the users search and the deprecated route it falls back to.
        &["--fault", "malformed,path=/users,count=2"],
    );
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    assert_eq!(c.users().await.unwrap_err().kind, ApiErrorKind::Protocol);
    assert_eq!(c.users().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_hanging_read_times_out_and_is_retried() {
    let sandbox = Sandbox::start(&account(1, 0), &["--fault", "hang,path=/users,count=1"]);
    let c = client(
        ApiKind::V2,
        &sandbox,
        TOKEN,
        LOCATION,
        &RateLimitConfig {
            timeout_ms: 300,
            ..rate()
        },
    );
    assert_eq!(c.users().await.unwrap().len(), 1);
    assert_eq!(stat(&sandbox, "GET /users/search"), 2);
}

#[tokio::test]
async fn a_dropped_write_is_ambiguous_and_not_resent() {
    let sandbox = Sandbox::start(
        &account(1, 0),
        &["--fault", "drop,method=POST,path=/contacts/,count=1"],
    );
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    let write = ContactWrite {
        email: Some("new@example.com".into()),
        ..Default::default()
    };
    let err = c.create_contact(&write).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Ambiguous, "{err}");
    assert_eq!(sandbox.stats()["requests"], 1);
}

async fn write_everything(c: &Remote) {
    let field = c
        .create_custom_field(&NewCustomField {
            name: "Region".into(),
            data_type: DataType::Text,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(field.name, "Region");
    let write = ContactWrite {
        first_name: Some("Jane".into()),
        email: Some("jane@acme.test".into()),
        phone: Some("+15550100999".into()),
        tags: vec!["vip".into()],
        custom_fields: vec![CustomFieldWrite {
            id: field.id.clone(),
            field_value: json!("North"),
        }],
        ..Default::default()
    };
    let jane = c.create_contact(&write).await.unwrap();
    let update = ContactWrite {
        last_name: Some("Doe".into()),
        tags: vec!["ignored".into()],
        ..Default::default()
    };
    let updated = c.update_contact(&jane.id, &update).await.unwrap();
    assert_eq!(updated.last_name.as_deref(), Some("Doe"));
    c.add_contact_tags(&jane.id, &["lead".into()])
        .await
        .unwrap();
    let now = c.get_contact(&jane.id).await.unwrap().unwrap();
    assert_eq!(
        now.tags.iter().collect::<BTreeSet<_>>(),
        ["lead", "vip"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
            .iter()
            .collect()
    );
    assert_eq!(now.custom_fields[0].value, json!("North"));
    let key = ContactKey {
        email: Some("jane@acme.test".into()),
        phone: Some("+15550100999".into()),
    };
    assert_eq!(
        ids(&c.find_contacts(&key).await.unwrap(), |c| &c.id),
        [jane.id.clone()].into()
    );
    let opp = c
        .create_opportunity(&NewOpportunity {
            pipeline_id: PIPELINE.into(),
            name: "Deal".into(),
            pipeline_stage_id: Some(STAGE.into()),
            status: OpportunityStatus::Open,
            contact_id: jane.id.clone(),
            monetary_value: Some(1200.0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(opp.name, "Deal");
    let found = c.find_opportunities(&jane.id, PIPELINE).await.unwrap();
    assert_eq!(ids(&found, |o| &o.id), [opp.id].into());
    assert_eq!(c.get_contact("CONmissing0000000000").await.unwrap(), None);
}

#[tokio::test]
async fn v2_writes_are_accepted_by_the_sandbox() {
    let sandbox = Sandbox::start(&account(3, 0), &[]);
    write_everything(&client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate())).await;
    assert_eq!(sandbox.stats()["byStatus"].get("422"), None);
}

#[tokio::test]
async fn v1_writes_are_accepted_by_the_sandbox() {
    let sandbox = Sandbox::start(&account(3, 0), &[]);
    write_everything(&client(ApiKind::V1, &sandbox, TOKEN, LOCATION, &rate())).await;
    assert_eq!(sandbox.stats()["byStatus"].get("422"), None);
}

#[tokio::test]
async fn a_duplicate_refusal_names_the_existing_contact() {
    let sandbox = Sandbox::start(&account(3, 0), &["--forbid-duplicates"]);
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    let write = ContactWrite {
        email: Some("c0001@example.com".into()),
        ..Default::default()
    };
    let err = c.create_contact(&write).await.unwrap_err();
    assert_eq!(err.kind, ApiErrorKind::Permanent);
    assert_eq!(err.existing_id.as_deref(), Some("CON00000000000000001"));
}

#[tokio::test]
async fn snapshots_read_nothing_twice() {
    let sandbox = Sandbox::start(&account(250, 120), &[]);
    snapshot(&client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate()))
        .await
        .unwrap();
    // location, fields, pipelines, users, 1 contact page (500), 2 opportunity pages (100).
    assert_eq!(sandbox.stats()["requests"], 7, "{}", sandbox.stats());
    let sandbox = Sandbox::start(&account(250, 120), &[]);
    snapshot(&client(ApiKind::V1, &sandbox, TOKEN, LOCATION, &rate()))
        .await
        .unwrap();
    // location, fields, pipelines, users, 3 contact pages, 2 opportunity pages.
    assert_eq!(sandbox.stats()["requests"], 9, "{}", sandbox.stats());
}

#[tokio::test]
async fn the_daily_reserve_stops_reads_cleanly() {
    let sandbox = Sandbox::start(&account(3, 0), &["--daily", "30"]);
    let c = client(
        ApiKind::V2,
        &sandbox,
        TOKEN,
        LOCATION,
        &RateLimitConfig {
            daily_reserve: 20,
            ..rate()
        },
    );
    let mut ok = 0;
    let err = loop {
        match c.users().await {
            Ok(_) => ok += 1,
            Err(e) => break e,
        }
        assert!(ok < 30, "never stopped");
    };
    assert_eq!(err.kind, ApiErrorKind::DailyBudget, "{err}");
    assert!(err.is_resumable_stop());
    // The first read of the users also reads the location (for its companyId).
    assert_eq!(
        ok, 9,
        "30 a day less a reserve of 20: 1 location read and 9 users reads"
    );
    assert_eq!(
        sandbox.stats()["requests"],
        10,
        "the refused request was never sent"
    );
}

/// Contacts in the sandbox with this email.
fn holding(sandbox: &Sandbox, email: &str) -> usize {
    let account = sandbox.account();
    account["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["email"] == email)
        .count()
}

#[tokio::test]
async fn a_write_whose_answer_is_lost_or_unreadable_is_ambiguous_and_not_resent() {
    for fault in ["504", "drop", "malformed"] {
        let rule = format!("{fault},method=POST,path=/contacts/,count=1");
        let sandbox = Sandbox::start(&account(1, 0), &["--fault", &rule]);
        let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
        let write = ContactWrite {
            email: Some("late@example.com".into()),
            ..Default::default()
        };
        let err = c.create_contact(&write).await.unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::Ambiguous, "{fault}: {err}");
        assert_eq!(sandbox.stats()["requests"], 1, "{fault}: not resent");
        assert_eq!(
            holding(&sandbox, "late@example.com"),
            1,
            "{fault}: the write happened once"
        );
    }
}

#[tokio::test]
async fn writes_refused_with_429_are_resent_and_land_once() {
    let sandbox = Sandbox::start(
        &account(1, 0),
        &[
            "--fault",
            "429,method=POST,count=3",
            "--rate-interval-ms",
            "100",
        ],
    );
    for api in [ApiKind::V2, ApiKind::V1] {
        let c = client(api, &sandbox, TOKEN, LOCATION, &rate());
        let email = format!("{}@example.com", api.as_str());
        c.create_contact(&ContactWrite {
            email: Some(email.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(holding(&sandbox, &email), 1);
    }
    assert_eq!(sandbox.stats()["tooManyRequests"], 3);
}

#[tokio::test]
async fn each_token_is_paced_by_its_own_headers() {
    // TOKEN gets the default 100 per interval, TOKEN_2 only 10: both run at once, neither 429s.
    let sandbox = Sandbox::start(
        &account(20, 0),
        &[
            "--rate-interval-ms",
            "400",
            "--token-rate",
            "SANDBOX_TOKEN_2=10/400",
        ],
    );
    let fast = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    let slow = client(ApiKind::V2, &sandbox, TOKEN_2, LOCATION, &rate());
    let ids: Vec<String> = (0..40).map(|i| format!("CON{:017}", i % 20)).collect();
    let (a, b) = tokio::join!(
        futures::future::join_all(ids.iter().map(|id| fast.get_contact(id))),
        futures::future::join_all(ids.iter().map(|id| slow.get_contact(id))),
    );
    assert!(a.iter().chain(b.iter()).all(|r| matches!(r, Ok(Some(_)))));
    let stats = sandbox.stats();
    assert!(stats["tooManyRequests"].as_u64().unwrap() <= 1, "{stats}");
    assert_eq!(fast.http().unwrap().limiter().last_headers().max, Some(100));
    assert_eq!(slow.http().unwrap().limiter().last_headers().max, Some(10));
}

#[tokio::test]
async fn both_accounts_are_read_whatever_they_are() {
    let sandbox = Sandbox::start(&account(40, 10), &[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.json"), account(2, 0).to_string()).unwrap();
    let text = format!(
        "name: d\nsource:\n  api: v2\n  location_id: {LOCATION}\n  token_env: TOK\n  base_url: http://{}\ntarget:\n  api: fixture\n  path: t.json\n",
        sandbox.addr
    );
    let path = dir.path().join("migration.yaml");
    std::fs::write(&path, text).unwrap();
    let vars = |k: &str| (k == "TOK").then(|| TOKEN.to_string());
    let loaded = ghl_migrate::config::load(&path, &vars).unwrap();
    let (source, target) =
        ghl_migrate::ghl::accounts::read_both(&loaded, &vars, &ghl_migrate::progress::Silent)
            .await
            .unwrap();
    assert_eq!(
        (source.contacts.len(), source.opportunities.len()),
        (40, 10)
    );
    assert_eq!(target.contacts.len(), 2);
    let missing = |_: &str| None;
    let err =
        ghl_migrate::ghl::accounts::read_both(&loaded, &missing, &ghl_migrate::progress::Silent)
            .await
            .unwrap_err();
    assert!(
        matches!(err, ghl_migrate::Error::MissingToken { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn users_are_read_through_the_search_with_the_locations_company() {
    let sandbox = Sandbox::start(&account(1, 0), &[]);
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    assert_eq!(c.users().await.unwrap().len(), 1);
    assert_eq!(stat(&sandbox, "GET /users/search"), 1);
    assert_eq!(stat(&sandbox, "GET /users/"), 0);
    // The location read for its companyId is the one `location()` uses too.
    c.location().await.unwrap();
    assert_eq!(stat(&sandbox, "GET /locations/{id}"), 1);
}

#[tokio::test]
async fn users_fall_back_to_the_deprecated_route_and_an_error_names_both() {
    let sandbox = Sandbox::start(&account(1, 0), &["--fault", "malformed,path=/users/search"]);
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    assert_eq!(c.users().await.unwrap().len(), 1);
    assert_eq!(stat(&sandbox, "GET /users/"), 1);

    let sandbox = Sandbox::start(&account(1, 0), &["--fault", "malformed,path=/users"]);
    let c = client(ApiKind::V2, &sandbox, TOKEN, LOCATION, &rate());
    let err = c.users().await.unwrap_err().to_string();
    assert!(
        err.contains("GET /users/search") && err.contains("GET /users/ "),
        "{err}"
    );
}

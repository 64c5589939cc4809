//! The sandbox as a library (`sandbox::start`) driven by reqwest, the HTTP client the live
//! clients use: a dropped connection surfaces as a request error, and what was written is
//! visible through the handle's `MemoryAccount`.

use ghl_migrate::ghl::{self, ContactKey, Ghl};
use ghl_migrate::model::Account;
use ghl_migrate::sandbox::{self, FaultKind, FaultRule, Options, TokenConfig};
use serde_json::json;

fn account() -> Account {
    serde_json::from_value(json!({"location": {"id": "LOClibrary0000000001", "name": "Lib"}}))
        .unwrap()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn reqwest_sees_a_dropped_connection_and_the_write_is_committed() {
    let mut drop_once = FaultRule::new(FaultKind::Drop);
    drop_once.count = Some(1);
    let options = Options {
        tokens: vec![TokenConfig::new("lib-token")],
        faults: vec![drop_once],
        ..Options::default()
    };
    let handle = sandbox::start(account(), options).unwrap();
    let send = |email: &str| {
        client()
            .post(format!("{}/contacts/", handle.url()))
            .bearer_auth("lib-token")
            .header("Version", sandbox::API_VERSION)
            .json(&json!({"locationId": "LOClibrary0000000001", "email": email}))
            .send()
    };
    let err = send("lost@example.com").await.unwrap_err();
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    let key = ContactKey {
        email: Some("lost@example.com".into()),
        phone: None,
    };
    assert_eq!(handle.memory.find_contacts(&key).await.unwrap().len(), 1);
    let ok = send("second@example.com").await.unwrap();
    assert_eq!(ok.status(), 201);
    let snapshot = ghl::snapshot(&*handle.memory).await.unwrap();
    assert_eq!(snapshot.contacts.len(), 2);
    assert_eq!(handle.stats().writes_committed, 2);
}

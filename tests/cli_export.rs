//! `ghl-migrate export` as a binary against the sandbox: the fixture it writes holds exactly
//! the account the sandbox serves (through V2 and through V1), so planning on exports equals
//! planning on the live accounts.

mod support;

use std::path::Path;

use assert_cmd::Command;
use ghl_migrate::model::Account;
use support::{LOCATION, PIPELINE, STAGE, Sandbox, TOKEN};

fn account() -> serde_json::Value {
    let mut a = support::account(130);
    a["customFields"][0]["picklistOptions"] = serde_json::json!([]);
    a["contacts"][3]["tags"] = serde_json::json!(["vip", "lead"]);
    a["contacts"][3]["customFields"] =
        serde_json::json!([{"id": support::FIELD, "value": "12345"}]);
    a["opportunities"] = (0..105)
        .map(|i| serde_json::json!({
            "id": format!("OPP{i:017}"), "name": format!("Deal {i}"), "pipelineId": PIPELINE,
            "pipelineStageId": STAGE, "status": "won", "monetaryValue": 10.5, "contactId": format!("CON{:017}", i % 130),
        }))
        .collect();
    // History on some contacts: V1 reads it contact by contact, V2 tasks by one search.
    a["notes"] = (0..40)
        .map(|i| {
            serde_json::json!({
                "id": format!("NOTE{i:016}"), "contactId": format!("CON{:017}", i % 13),
                "body": format!("Note {i}: 日本 ✅\n- item"), "userId": "USR00000000000000001",
                "dateAdded": "2024-01-02T03:04:05.000Z",
            })
        })
        .collect();
    a["tasks"] = (0..30)
        .map(|i| {
            serde_json::json!({
                "id": format!("TASK{i:016}"), "contactId": format!("CON{:017}", i % 7),
                "title": format!("Task {i}"), "body": "call", "dueDate": "2024-02-03T04:05:06.000Z",
                "completed": i % 2 == 0,
            })
        })
        .collect();
    a
}

fn export(dir: &Path, api: &str, base: &str, out: &str) -> Account {
    let config = dir.join(format!("{api}.yaml"));
    let text = format!(
        "name: demo\nsource:\n  api: {api}\n  location_id: {LOCATION}\n  token_env: TOK\n  base_url: {base}\ntarget:\n  api: fixture\n  path: t.json\n"
    );
    std::fs::write(&config, text).unwrap();
    let out = dir.join(out);
    let run = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"))
        .args(["export", "--account", "source", "-o"])
        .arg(&out)
        .arg("-c")
        .arg(&config)
        .env("TOK", TOKEN)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("130 contacts, 105 opportunities, 40 notes, 30 tasks"),
        "{stdout}"
    );
    ghl_migrate::fixture::load(&out).unwrap()
}

fn sorted(mut a: Account) -> Account {
    a.contacts.sort_by(|x, y| x.id.cmp(&y.id));
    a.opportunities.sort_by(|x, y| x.id.cmp(&y.id));
    a.notes.sort_by(|x, y| x.id.cmp(&y.id));
    a.tasks.sort_by(|x, y| x.id.cmp(&y.id));
    a
}

#[test]
fn export_writes_exactly_the_served_account_through_v2_and_v1() {
    let served = account();
    // Exporting reads every contact's notes: a roomy rate keeps the test short.
    let sandbox = Sandbox::start(&served, &["--rate-max", "10000"]);
    let dir = tempfile::tempdir().unwrap();
    let expected: Account = serde_json::from_value(served).unwrap();
    let base = format!("http://{}", sandbox.addr);
    let v2 = export(dir.path(), "v2", &base, "v2.json");
    // The served location has no workflows: V2 reads an empty list (V1 cannot read them).
    let expected_v2 = Account {
        workflows: Some(vec![]),
        ..expected.clone()
    };
    assert_eq!(sorted(v2.clone()), sorted(expected_v2));
    let v1 = export(dir.path(), "v1", &format!("{base}/v1"), "v1.yaml");
    let mut v1 = sorted(v1);
    // V1 has no location name and no opportunity custom values; everything else is the same.
    v1.location.name = expected.location.name.clone();
    assert_eq!(v1, sorted(expected));
    // Every contact's personal data: readable by its owner only, like the checkpoint.
    #[cfg(unix)]
    for file in ["v2.json", "v1.yaml"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}

#[test]
fn a_failed_export_writes_nothing_and_exits_1() {
    let sandbox = Sandbox::start(&account(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("m.yaml");
    let text = format!(
        "name: demo\nsource:\n  api: v2\n  location_id: {LOCATION}\n  token_env: TOK\n  base_url: http://{}\ntarget:\n  api: fixture\n  path: t.json\n",
        sandbox.addr
    );
    std::fs::write(&config, text).unwrap();
    let out = dir.path().join("out.json");
    let run = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"))
        .args(["export", "--account", "source", "-o"])
        .arg(&out)
        .arg("-c")
        .arg(&config)
        .env("TOK", "not-the-token")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("error: source: GET"), "{stderr}");
    assert!(stderr.contains("answered HTTP 401"), "{stderr}");
    assert!(!out.exists());
}

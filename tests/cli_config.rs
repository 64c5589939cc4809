//! `ghl-migrate config`: every effective key with its origin, environment overrides named,
//! and tokens shown only as set or not set.

use assert_cmd::Command;
use serde_json::Value;

const DECLARATION: &str = "name: demo
source:
  api: v2
  location_id: LOCsource00000000001
  token_env: SRC_TOKEN
target:
  api: fixture
  path: fixtures/target.json
rate_limit:
  max_retries: 3
";

fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"));
    cmd.arg("config")
        .arg("-c")
        .arg(dir.join("migration.yaml"))
        .args(args);
    cmd.env_remove("MIGRATION_BATCH_SIZE")
        .env_remove("MIGRATION_RATE_LIMIT_DELAY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn entry<'a>(list: &'a [Value], key: &str) -> &'a Value {
    list.iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("no {key}"))
}

#[test]
fn every_key_with_its_origin_and_no_token() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("migration.yaml"), DECLARATION).unwrap();
    let env = [
        ("SRC_TOKEN", "pit-very-secret-value"),
        ("MIGRATION_BATCH_SIZE", "4"),
    ];
    let (code, json) = run(dir.path(), &["--format", "json"], &env);
    assert_eq!(code, 0);
    assert!(!json.contains("pit-very-secret-value"));
    let list: Vec<Value> = serde_json::from_str(&json).unwrap();
    let file = dir.path().join("migration.yaml").display().to_string();
    assert_eq!(entry(&list, "source.token")["value"], "set (redacted)");
    assert_eq!(entry(&list, "source.token")["origin"], "$SRC_TOKEN");
    assert_eq!(
        entry(&list, "source.base_url")["value"],
        "https://services.leadconnectorhq.com"
    );
    assert_eq!(
        entry(&list, "source.base_url")["origin"],
        "default for api v2"
    );
    assert_eq!(
        entry(&list, "rate_limit.max_retries")["origin"],
        file.as_str()
    );
    assert_eq!(entry(&list, "rate_limit.max_in_flight")["value"], 4);
    assert_eq!(
        entry(&list, "rate_limit.max_in_flight")["origin"],
        "$MIGRATION_BATCH_SIZE"
    );
    assert_eq!(
        entry(&list, "rate_limit.daily_reserve")["origin"],
        "default"
    );
    assert_eq!(
        entry(&list, "rate_limit.min_delay_ms")["value"],
        Value::Null
    );
    assert_eq!(entry(&list, "existing_contacts")["value"], "merge");
    assert_eq!(entry(&list, "name")["origin"], file.as_str());
    assert!(
        entry(&list, "target.path")["value"]
            .as_str()
            .unwrap()
            .ends_with("fixtures/target.json")
    );
    for key in [
        "objects",
        "mappings.custom_fields",
        "filters.contacts.skip_tags",
        "state",
        "rate_limit.timeout_ms",
    ] {
        entry(&list, key);
    }

    let (code, text) = run(dir.path(), &[], &[]);
    assert_eq!(code, 0);
    assert!(text.lines().nth(1).unwrap().starts_with("name "), "{text}");
    assert!(text.contains("source.token"), "{text}");
    assert!(text.contains("NOT SET"), "{text}");
}

#[test]
fn a_bad_declaration_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("migration.yaml"), "name: demo\nsource: [\n").unwrap();
    let (code, _) = run(dir.path(), &[], &[]);
    assert_eq!(code, 1);
}

//! `ghl-migrate probe` run as a binary against the sandbox (itself the real binary) configured
//! each way: a fixed or a sliding burst window, a search that lags or not. No timing is
//! asserted: only what the probe concluded and that it cleaned up after itself.

mod support;

use std::path::Path;

use assert_cmd::Command;
use support::{LOCATION, Sandbox, TOKEN};

fn config(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    let path = dir.join("migration.yaml");
    let text = format!(
        "name: demo\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: v2\n  \
         location_id: {LOCATION}\n  token_env: TGT_TOKEN\n  base_url: http://{}\n",
        sandbox.addr
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn probe(config: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"))
        .arg("probe")
        .arg("-c")
        .arg(config)
        .args(extra)
        .env("TGT_TOKEN", TOKEN)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(TOKEN), "never the token: {text}");
    (out.status.code().unwrap_or(-1), text)
}

/// A short interval, so that the probe's three intervals pass quickly.
const FAST: [&str; 4] = ["--rate-max", "30", "--rate-interval-ms", "400"];

fn window_seen(window: &str) -> String {
    let sandbox = Sandbox::start(
        &support::account(2),
        &[&FAST[..], &["--rate-window", window]].concat(),
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = probe(&config(dir.path(), &sandbox), &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("burst limit:        30 per 400 ms"), "{text}");
    // The sandbox does not count refused requests and sends no Retry-After.
    assert!(text.contains("a 429 costs budget: no"), "{text}");
    assert!(text.contains("Retry-After:        not sent"), "{text}");
    text
}

#[test]
fn a_fixed_window_is_told_from_its_restarts() {
    let text = window_seen("fixed");
    assert!(text.contains("burst window:       fixed"), "{text}");
}

#[test]
fn a_sliding_window_is_told_from_its_plateau() {
    let text = window_seen("sliding");
    assert!(text.contains("burst window:       sliding"), "{text}");
}

fn lag_probe(lag_ms: &str) -> String {
    let sandbox = Sandbox::start(&support::account(2), &["--search-lag-ms", lag_ms]);
    let before = sandbox.account()["contacts"].as_array().unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = probe(
        &config(dir.path(), &sandbox),
        &["--no-limits", "--search-lag"],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("a new contact was found by its email"),
        "{text}"
    );
    assert!(text.contains("search_lag_ms: "), "{text}");
    assert!(text.contains("deleted again"), "{text}");
    let after = sandbox.account()["contacts"].as_array().unwrap().len();
    assert_eq!(before, after, "the probe's contact is gone");
    assert!(!text.contains("burst window"), "--no-limits: {text}");
    text
}

#[test]
fn the_search_lag_is_timed_with_one_contact_deleted_again() {
    lag_probe("0");
    lag_probe("700");
}

#[test]
fn without_the_flag_nothing_is_written() {
    let sandbox = Sandbox::start(&support::account(2), &FAST);
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = probe(&config(dir.path(), &sandbox), &[]);
    assert_eq!(code, 0, "{text}");
    let stats = sandbox.stats();
    let writes: u64 = stats["byRoute"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(route, _)| !route.starts_with("GET "))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(writes, 0, "{stats}");
}

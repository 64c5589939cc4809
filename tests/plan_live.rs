//! `plan` against live accounts (the sandbox over real HTTP, V2 and V1 sources) equals `plan`
//! against the same accounts exported to fixture files, and against the original fixtures.

use std::path::Path;

use assert_cmd::Command;
use ghl_migrate::plan::Plan;
use ghl_migrate::sandbox::{self, Handle, Options, RateLimit, TokenConfig};

const SOURCE_TOKEN: &str = "pit-source-3f9a1c";
const TARGET_TOKEN: &str = "pit-target-7b2e4d";

fn demo(file: &str) -> ghl_migrate::model::Account {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo")
        .join(file);
    ghl_migrate::fixture::load(&path).unwrap()
}

fn serve(file: &str, token: &str) -> Handle {
    serve_with(file, token, &[])
}

fn serve_with(file: &str, token: &str, faults: &[&str]) -> Handle {
    sandbox::start(
        demo(file),
        Options {
            tokens: vec![TokenConfig::new(token)],
            rate: RateLimit {
                max: 10_000,
                interval_ms: 1_000,
            },
            faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
            ..Options::default()
        },
    )
    .unwrap()
}

fn live_side(api: &str, handle: &Handle, var: &str) -> String {
    let url = if api == "v1" {
        handle.v1_url()
    } else {
        handle.url()
    };
    let location = handle.account().location.id;
    format!("  api: {api}\n  location_id: {location}\n  token_env: {var}\n  base_url: {url}\n")
}

/// A folder whose migration.yaml names two live V2 sandboxes, with these token variables.
fn live_folder(source: &Handle, source_var: &str, target: &Handle) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let live = format!(
        "name: demo\nsource:\n{}target:\n{}",
        live_side("v2", source, source_var),
        live_side("v2", target, "GHL_TARGET_TOKEN")
    );
    std::fs::write(dir.path().join("migration.yaml"), live).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir)
        .env("GHL_SOURCE_TOKEN", SOURCE_TOKEN)
        .env("GHL_TARGET_TOKEN", TARGET_TOKEN)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains(SOURCE_TOKEN) && !text.contains(TARGET_TOKEN),
        "a token leaked: {text}"
    );
    text
}

/// The plan with the account kinds blanked: the rest must not depend on how accounts were read.
fn read_plan(path: &Path) -> Plan {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(!text.contains(SOURCE_TOKEN) && !text.contains(TARGET_TOKEN));
    let mut plan = ghl_migrate::plan::file::read(path).unwrap();
    plan.source.api.clear();
    plan.target.api.clear();
    plan
}

fn live_equals_exported(source_api: &str) {
    let source = serve("source.json", SOURCE_TOKEN);
    let target = serve("target.json", TARGET_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let live = format!(
        "name: demo\nsource:\n{}target:\n{}",
        live_side(source_api, &source, "GHL_SOURCE_TOKEN"),
        live_side("v2", &target, "GHL_TARGET_TOKEN")
    );
    std::fs::write(d.join("migration.yaml"), live).unwrap();
    ok(&run(d, &["plan", "-o", "live.plan.yaml"]));
    ok(&run(
        d,
        &["export", "--account", "source", "-o", "source.json"],
    ));
    ok(&run(
        d,
        &["export", "--account", "target", "-o", "target.json"],
    ));
    std::fs::write(
        d.join("exported.yaml"),
        "name: demo\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: fixture\n  path: target.json\n",
    )
    .unwrap();
    ok(&run(
        d,
        &["plan", "-c", "exported.yaml", "-o", "exported.plan.yaml"],
    ));

    let mut live = read_plan(&d.join("live.plan.yaml"));
    let exported = read_plan(&d.join("exported.plan.yaml"));
    if source_api == "v1" {
        // Only a plan that reads the source through V1 knows its opportunity values are lost,
        // and says so; the rest is the same.
        let before = live.warnings.len();
        live.warnings
            .retain(|w| !w.contains("which does not return opportunity custom-field values"));
        assert_eq!(live.warnings.len(), before - 1, "the V1 warning is missing");
    }
    assert_same(
        &live,
        &exported,
        &format!("plan over {source_api} vs plan on its export"),
    );
    if source_api == "v2" {
        // V2 serves the model as is, so the plan also equals the committed demo plan. (V1 turns
        // epoch-ms DATE values into ISO dates on read, so its payloads differ there, by design.)
        let original =
            read_plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/demo.plan.yaml"));
        assert_same(&live, &original, "plan over v2 vs the committed demo plan");
    }
    assert_eq!(live.summary.contacts.values().sum::<u64>(), 198);
}

/// Equal plans, or a short list of the steps that differ.
fn assert_same(a: &Plan, b: &Plan, what: &str) {
    if a == b {
        return;
    }
    let differing: Vec<&str> = a
        .steps
        .iter()
        .zip(&b.steps)
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.id.as_str())
        .take(5)
        .collect();
    panic!(
        "{what}: plans differ (steps {} vs {}; summary equal: {}; first differing steps: {differing:?})",
        a.steps.len(),
        b.steps.len(),
        a.summary == b.summary
    );
}

#[test]
fn plan_over_v2_equals_plan_on_the_exports() {
    live_equals_exported("v2");
}

#[test]
fn plan_over_a_v1_source_equals_plan_on_the_exports() {
    live_equals_exported("v1");
}

#[test]
fn a_missing_token_variable_is_named_and_nothing_is_written() {
    let source = serve("source.json", SOURCE_TOKEN);
    let target = serve("target.json", TARGET_TOKEN);
    let dir = live_folder(&source, "GHL_NOT_SET_ANYWHERE", &target);
    let out = run(dir.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GHL_NOT_SET_ANYWHERE"), "{err}");
    assert!(!dir.path().join("plans").exists());
}

#[test]
fn a_wrong_token_is_an_auth_error_that_never_shows_the_token() {
    let source = serve("source.json", "some-other-token");
    let target = serve("target.json", TARGET_TOKEN);
    let dir = live_folder(&source, "GHL_SOURCE_TOKEN", &target);
    let out = run(dir.path(), &["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("source") && err.contains("401"), "{err}");
    assert!(!err.contains(SOURCE_TOKEN), "{err}");
}

#[test]
fn a_failed_contact_search_is_a_read_and_is_retried() {
    // POST /contacts/search changes nothing: a 500, a 504 or a dropped answer on it is retried
    // like any read, and the plan is the same as without the faults.
    let source = serve_with(
        "source.json",
        SOURCE_TOKEN,
        &[
            "500,method=POST,path=/contacts/search,count=1",
            "drop,method=POST,path=/contacts/search,count=1",
        ],
    );
    let target = serve_with(
        "target.json",
        TARGET_TOKEN,
        &["504,method=POST,path=/contacts/search,count=1"],
    );
    let dir = live_folder(&source, "GHL_SOURCE_TOKEN", &target);
    ok(&run(dir.path(), &["plan", "-o", "live.plan.yaml"]));
    let live = read_plan(&dir.path().join("live.plan.yaml"));
    let original = read_plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/demo.plan.yaml"));
    assert_same(
        &live,
        &original,
        "plan over faulty searches vs the committed demo plan",
    );
}

/// `plan` says what it read of each live account and what that cost, before the plan: per
/// side, the records and the requests (pages) they took, then the notes and tasks.
#[test]
fn plan_shows_what_it_read_of_each_live_account() {
    let source = serve("source.json", SOURCE_TOKEN);
    let target = serve("target.json", TARGET_TOKEN);
    let dir = live_folder(&source, "GHL_SOURCE_TOKEN", &target);
    let out = run(dir.path(), &["plan", "--progress", "json", "-o", "p.yaml"]);
    ok(&out);
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for (side, handle) in [("source", &source), ("target", &target)] {
        let account = handle.account();
        let read: Vec<_> = events
            .iter()
            .filter(|e| e["event"] == "account_read" && e["side"] == side)
            .collect();
        assert_eq!(read.len(), 1, "{side}: {events:?}");
        let read = read[0];
        assert_eq!(read["contacts"], account.contacts.len(), "{side}");
        assert_eq!(read["opportunities"], account.opportunities.len(), "{side}");
        assert_eq!(read["custom_fields"], account.custom_fields.len(), "{side}");
        assert_eq!(read["pipelines"], account.pipelines.len(), "{side}");
        assert_eq!(read["users"], account.users.len(), "{side}");
        // Location, fields, pipelines, users, workflows, one page of contacts, one of
        // opportunities at least.
        assert!(read["requests"].as_u64().unwrap() >= 7, "{side}: {read}");
    }
    // Off a terminal by default: one plain, timestamped line per account.
    let out = run(dir.path(), &["plan", "-o", "p.yaml"]);
    let said = ok(&out);
    let source_line = format!(
        "source: {} contacts, {} opportunities, {} fields in ",
        source.account().contacts.len(),
        source.account().opportunities.len(),
        source.account().custom_fields.len()
    );
    assert!(said.contains(&source_line), "{said}");
    assert!(said.contains("target: "), "{said}");
}

//! `plan` through the real binary: outputs, exit codes, and every bad input's message.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn bin() -> Command {
    Command::cargo_bin("ghl-migrate").unwrap()
}

const SOURCE: &str = r#"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "customFields": [{"id": "F1", "name": "Region", "dataType": "TEXT"}],
  "pipelines": [{"id": "P1", "name": "Sales", "stages": [{"id": "S1", "name": "New"}]}],
  "contacts": [
    {"id": "C1", "email": "jane@acme.test", "firstName": "Jane", "tags": ["vip"],
     "customFields": [{"id": "F1", "value": "North"}]}
  ],
  "opportunities": [
    {"id": "O1", "name": "Deal", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C1"}
  ]
}"#;

const TARGET: &str = r#"{
  "location": {"id": "TGT0000000000000000a", "name": "Target"},
  "pipelines": [{"id": "TP", "name": "Sales", "stages": [{"id": "TS", "name": "New"}]}]
}"#;

const CONFIG: &str = "name: t\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: fixture\n  path: target.json\n";

fn project(config: &str, source: &str, target: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    std::fs::write(dir.path().join("source.json"), source).unwrap();
    std::fs::write(dir.path().join("target.json"), target).unwrap();
    dir
}

fn plan(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bin().current_dir(dir).arg("plan").args(extra).assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn plan_writes_the_default_path_and_prints_a_summary() {
    let dir = project(CONFIG, SOURCE, TARGET);
    let a = plan(dir.path(), &[]).success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(out.contains("create 1"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("plans/t.plan.yaml")).unwrap();
    assert!(text.contains("format: ghl-migrate/plan/v1"));
    assert!(text.contains("contact/jane@acme.test"));
}

#[test]
fn detailed_exitcode_is_2_with_changes_and_0_without() {
    let dir = project(CONFIG, SOURCE, TARGET);
    plan(dir.path(), &["--detailed-exitcode"]).code(2);
    // Planning the target onto itself changes nothing.
    let same = project(CONFIG, TARGET, TARGET);
    plan(same.path(), &["--detailed-exitcode"]).code(0);
}

#[test]
fn the_same_inputs_give_byte_identical_plans() {
    let dir = project(CONFIG, SOURCE, TARGET);
    plan(dir.path(), &["-o", "a.yaml"]).success();
    plan(dir.path(), &["-o", "b.yaml"]).success();
    let a = std::fs::read(dir.path().join("a.yaml")).unwrap();
    let b = std::fs::read(dir.path().join("b.yaml")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let dir = project("name: t\nsource: [unclosed\n", SOURCE, TARGET);
    let a = plan(dir.path(), &[]).code(1);
    let err = stderr(&a);
    assert!(err.starts_with("error: migration.yaml:"), "{err}");
}

#[test]
fn an_unknown_key_is_an_error_not_ignored() {
    let dir = project(&format!("{CONFIG}existing_contact: skip\n"), SOURCE, TARGET);
    let err = stderr(&plan(dir.path(), &[]).code(1));
    assert!(
        err.contains("migration.yaml:8:1: unknown field `existing_contact`"),
        "{err}"
    );
}

#[test]
fn a_missing_declaration_says_which_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = stderr(&plan(dir.path(), &["-c", "nope.yaml"]).code(1));
    assert!(err.contains("cannot read nope.yaml"), "{err}");
}

#[test]
fn a_missing_fixture_says_which_file() {
    let dir = project(CONFIG, SOURCE, TARGET);
    std::fs::remove_file(dir.path().join("target.json")).unwrap();
    let err = stderr(&plan(dir.path(), &[]).code(1));
    assert!(
        err.contains("cannot read") && err.contains("target.json"),
        "{err}"
    );
}

#[test]
fn a_fixture_with_a_dangling_opportunity_contact_is_refused() {
    let bad = SOURCE.replace(r#""contactId": "C1""#, r#""contactId": "GHOST""#);
    let dir = project(CONFIG, &bad, TARGET);
    let err = stderr(&plan(dir.path(), &[]).code(1));
    assert!(err.contains("source.json"), "{err}");
    assert!(
        err.contains("opportunity O1") && err.contains("contact GHOST, which does not exist"),
        "{err}"
    );
}

#[test]
fn a_fixture_with_a_dangling_stage_is_refused() {
    let bad = SOURCE.replace(r#""pipelineStageId": "S1""#, r#""pipelineStageId": "S9""#);
    let dir = project(CONFIG, &bad, TARGET);
    let err = stderr(&plan(dir.path(), &[]).code(1));
    assert!(
        err.contains("stage S9, which pipeline \"Sales\" does not have"),
        "{err}"
    );
}

#[test]
fn malformed_fixture_json_names_line_and_column() {
    let dir = project(CONFIG, "{\n  \"location\": {\"id\": 5}\n}", TARGET);
    let err = stderr(&plan(dir.path(), &[]).code(1));
    assert!(err.contains("source.json:2:"), "{err}");
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    // Thousands of source duplicates: far more output than a pipe buffers.
    let contacts: Vec<String> = (0..3000)
        .map(|i| format!(r#"{{"id": "C{i}", "email": "same@acme.test", "firstName": "N{i}"}}"#))
        .collect();
    let source = format!(
        r#"{{"location": {{"id": "SRC", "name": "S"}}, "contacts": [{}]}}"#,
        contacts.join(",")
    );
    let dir = project(CONFIG, &source, TARGET);
    for args in [&["plan"][..], &["show", "plans/t.plan.yaml"][..]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ghl-migrate"))
            .current_dir(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe as `| head -c1` would.
        let mut first = [0u8; 1];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn usage_errors_exit_1_never_2() {
    // 2 means "the plan has changes": a typo in a flag must not look like that.
    for args in [
        &["plan", "--detailed-exitcodes"][..],
        &["show"][..],
        &["bogus"][..],
        &[][..],
    ] {
        let out = bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    assert_eq!(bin().arg("--help").output().unwrap().status.code(), Some(0));
}

#[test]
fn plan_outside_apply_never_exits_75() {
    // Nothing listens at that address: the network is down. Only apply can be resumed.
    let dir = tempfile::tempdir().unwrap();
    let config = "name: t\nsource:\n  api: v2\n  location_id: L\n  token_env: T\n  base_url: http://127.0.0.1:9\ntarget:\n  api: v2\n  location_id: L\n  token_env: T\n  base_url: http://127.0.0.1:9\nrate_limit:\n  max_retries: 0\n";
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .env("T", "x")
        .arg("plan")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_truncated_plan_is_refused() {
    let dir = project(CONFIG, SOURCE, TARGET);
    plan(dir.path(), &[]).success();
    let path = dir.path().join("plans/t.plan.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Cut it after the contact step, at a line boundary: valid YAML, one step short.
    let cut = text.find("  - id: opportunity/").unwrap();
    std::fs::write(&path, &text[..cut]).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["show", "plans/t.plan.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("announces 1 create_opportunity step(s) but the file holds 0"),
        "{err}"
    );
}

#[test]
fn a_misspelt_list_in_a_fixture_is_an_error_not_an_empty_account() {
    let bad = SOURCE.replace(r#""contacts": ["#, r#""contact": ["#);
    let dir = project(CONFIG, &bad, TARGET);
    let err = stderr(&plan(dir.path(), &[]).code(1));
    assert!(
        err.contains("source.json:") && err.contains("unknown field `contact`"),
        "{err}"
    );
}

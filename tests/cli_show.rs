//! `show` through the real binary: each format, the default, and a plan too big for a comment.

use std::path::Path;

use assert_cmd::Command;
use ghl_migrate::plan::file;
use ghl_migrate::render::{self, Format};

const SAMPLE: &str = include_str!("plan_file_sample.plan.yaml");

/// A folder holding `plans/x.plan.yaml` with `text`.
fn folder_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("plans")).unwrap();
    std::fs::write(dir.path().join("plans/x.plan.yaml"), text).unwrap();
    dir
}

fn show(dir: &Path, extra: &[&str]) -> String {
    let out = Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir)
        .args(["show", "plans/x.plan.yaml"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn expected(format: Format) -> String {
    let plan = file::parse(Path::new("x"), SAMPLE).unwrap();
    render::render(&plan, format)
}

#[test]
fn text_is_the_default() {
    let dir = folder_with(SAMPLE);
    let out = show(dir.path(), &[]);
    assert_eq!(out, expected(Format::Text));
    assert!(out.contains("  + contact/jane@acme.test"));
    assert!(out.contains("~ contact/bob@example.test"));
    assert_eq!(show(dir.path(), &["--format", "text"]), out);
}

#[test]
fn markdown_for_a_pull_request() {
    let dir = folder_with(SAMPLE);
    let out = show(dir.path(), &["--format", "markdown"]);
    assert_eq!(out, expected(Format::Markdown));
    assert!(out.starts_with("### ghl-migrate plan `acme-to-parent`"));
}

#[test]
fn json_for_machines() {
    let dir = folder_with(SAMPLE);
    let out = show(dir.path(), &["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["format"], "ghl-migrate/plan/v1");
    assert_eq!(value["steps"].as_array().unwrap().len(), 8);
    assert_eq!(value["steps"][0]["id"], "custom_field/interests");
}

#[test]
fn an_unknown_format_is_refused() {
    let dir = folder_with(SAMPLE);
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .args(["show", "plans/x.plan.yaml", "--format", "html"])
        .assert()
        .failure();
}

/// The sample plus `n` contact steps, as plan text.
fn with_contacts(n: usize) -> String {
    // The summary announces every step the file holds (2 contacts in the sample, plus `n`).
    let mut text = SAMPLE.replace("not_done:\n", "").replacen(
        "  contacts:\n    create: 2\n",
        &format!("  contacts:\n    create: {}\n", n + 2),
        1,
    );
    let not_done_at = text.find("- id: custom_field/region").unwrap();
    let not_done = text.split_off(not_done_at);
    for i in 0..n {
        text.push_str(&format!(
            "- id: contact/p{i:05}@example.test\n  create_contact:\n    identity: email\n    \
             source_id: s{i}\n    fields:\n      email: p{i:05}@example.test\n"
        ));
    }
    text.push_str("not_done:\n");
    text.push_str(&not_done);
    text
}

#[test]
fn ten_thousand_steps_fit_in_a_comment() {
    let dir = folder_with(&with_contacts(10_000));
    let out = show(dir.path(), &["--format", "markdown"]);
    assert!(out.chars().count() <= 65_535, "{}", out.chars().count());
    let shown = out
        .lines()
        .filter(|l| l.starts_with("+ contact/") || l.starts_with("~ contact/"))
        .count();
    let note = format!(
        "… and {} more contact steps not shown (see the plan file)",
        thousands(10_004 - shown)
    );
    assert!(out.contains(&note), "no {note:?}");
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn one_step_is_shown_in_full_with_what_its_ids_name() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/plans/demo.plan.yaml");
    let out = assert_cmd::Command::cargo_bin("ghl-migrate")
        .unwrap()
        .args(["show", demo, "--step", "contact/+15550101234"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(
            "~ contact/+15550101234  merge into Rosa Delgado <rosa.delgado@example.org> (neVv0e093peD2Xco6ar8)"
        ),
        "{out}"
    );
    assert!(out.contains("  into: neVv0e093peD2Xco6ar8\n"), "{out}");
    assert!(out.contains("    date: 2024-04-25\n"), "{out}");
    assert!(
        out.contains("  assigned_to_email: marcus.reed@acme.test\n"),
        "{out}"
    );
    let unknown = assert_cmd::Command::cargo_bin("ghl-migrate")
        .unwrap()
        .args(["show", demo, "--step", "contact/nobody"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&unknown).contains("`contact/nobody`"));
}

/// A source whose names carry line breaks and a terminal escape: whoever can name a field, a
/// pipeline or a stage in the source account must not be able to add a line to the review.
const HOSTILE_SOURCE: &str = r#"{"location": {"id": "SRC0000000000000000a", "name": "Source"},
 "customFields": [{"id": "F1", "name": "Evil\n\n## All steps reviewed: nothing is created\n", "dataType": "TEXT"}],
 "pipelines": [{"id": "P1", "name": "Sales\r\n- [x] approved\n```", "stages": [
   {"id": "S1", "name": "New\u001b[31mRED\u202e", "stageWinProbability": 10}]}],
 "contacts": [{"id": "C1", "email": "a@acme.test", "firstName": "Ann", "customFields": [{"id": "F1", "value": "v"}]},
   {"id": "C2", "email": "a@acme.test", "firstName": "Ann\n- [x] approved\u001b[2J"}],
 "opportunities": [{"id": "O1", "name": "Deal", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C1"}]}"#;

#[test]
fn names_with_line_breaks_or_escapes_cannot_add_a_line_to_the_review() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("source.json"), HOSTILE_SOURCE).unwrap();
    std::fs::write(
        dir.path().join("target.json"),
        r#"{"location": {"id": "TGT0000000000000000a", "name": "Target"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("migration.yaml"),
        "name: x\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: fixture\n  path: target.json\n",
    )
    .unwrap();
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .arg("plan")
        .assert()
        .success();
    let not_done_id = "contact/a@acme.test#C2";
    let one = Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .args(["show", "plans/x.plan.yaml", "--step", not_done_id])
        .output()
        .unwrap();
    let empty = dir.path().join("plans/empty.plan.yaml");
    let mut plan = file::read(&dir.path().join("plans/x.plan.yaml")).unwrap();
    plan.not_done.clear();
    plan.warnings.clear();
    std::fs::write(&empty, serde_yaml::to_string(&plan).unwrap()).unwrap();
    let diff = Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .args(["diff", "plans/empty.plan.yaml", "plans/x.plan.yaml"])
        .output()
        .unwrap();
    let extra = [
        String::from_utf8_lossy(&one.stdout).into_owned(),
        String::from_utf8_lossy(&diff.stdout).into_owned(),
    ];
    assert!(
        extra[0].contains("not done"),
        "{}{}",
        extra[0],
        String::from_utf8_lossy(&one.stderr)
    );
    assert!(
        extra[1].contains("not done"),
        "diff: {}{}",
        extra[1],
        String::from_utf8_lossy(&diff.stderr)
    );
    let shows =
        [&[][..], &["--format", "markdown"][..]].map(|format| (format, show(dir.path(), format)));
    let others = extra.map(|out| (&["--step or diff"][..], out));
    for (format, out) in shows.into_iter().chain(others) {
        for line in out.lines() {
            let t = line.trim_start();
            assert!(
                !(t.starts_with("## All steps")
                    || t.starts_with("- [x]")
                    || t.starts_with("```") && !matches!(t.trim_start_matches('`'), "" | "diff")),
                "{format:?}: a name made its own line `{line}`:\n{out}"
            );
        }
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}') && !out.contains('\r'),
            "{format:?}: a raw control character reached the output:\n{out}"
        );
        assert!(out.contains("approved"), "{out}");
    }
}

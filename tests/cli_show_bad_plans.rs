//! Every kind of bad plan file, through the real binary: a message that names the file (and
//! line and column, or the step) on stderr, nothing on stdout, and exit code 1. Never a panic.

use assert_cmd::Command;

const SAMPLE: &str = include_str!("plan_file_sample.plan.yaml");

/// The sample with one edit, which must apply.
fn edited(from: &str, to: &str) -> String {
    assert!(SAMPLE.contains(from), "the sample holds {from:?}");
    SAMPLE.replacen(from, to, 1)
}

/// Runs `show plans/x.plan.yaml` on `bytes` and returns stderr, checking exit code 1.
fn show_error(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("plans")).unwrap();
    std::fs::write(dir.path().join("plans/x.plan.yaml"), bytes).unwrap();
    let output = Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .args(["show", "plans/x.plan.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(output.stdout.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .args(["show", "plans/none.plan.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: cannot read plans/none.plan.yaml: "),
        "{stderr}"
    );
}

#[test]
fn not_utf8() {
    let e = show_error(b"\xff\xfe\x00");
    assert!(
        e.starts_with("error: cannot read plans/x.plan.yaml: "),
        "{e}"
    );
}

#[test]
fn not_yaml() {
    let e = show_error(b"format: ghl-migrate/plan/v1\nsteps: [unclosed\n");
    assert!(e.starts_with("error: plans/x.plan.yaml:3:1: "), "{e}");
}

#[test]
fn yaml_but_not_a_plan() {
    assert_eq!(
        show_error(b"- just\n- a list\n"),
        "error: plan plans/x.plan.yaml: not a plan: the document is a list, expected `format: ghl-migrate/plan/v1` at the top\n"
    );
    assert_eq!(
        show_error(b""),
        "error: plan plans/x.plan.yaml: not a plan: the document is empty, expected `format: ghl-migrate/plan/v1` at the top\n"
    );
}

#[test]
fn another_format() {
    let e =
        show_error(edited("format: ghl-migrate/plan/v1", "format: ghl-migrate/plan/v2").as_bytes());
    assert_eq!(
        e,
        "error: plan plans/x.plan.yaml: unsupported plan format `ghl-migrate/plan/v2` (expected `format: ghl-migrate/plan/v1`); re-run plan with this version of ghl-migrate\n"
    );
}

#[test]
fn a_missing_header_field() {
    let e = show_error(
        edited(
            "  fingerprint: sha256:4f1c2a9e0b7d3f6a8c5e1d2b4a6f8e0c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a\n",
            "",
        )
        .as_bytes(),
    );
    assert_eq!(
        e,
        "error: plans/x.plan.yaml:5:3: source: missing field `fingerprint`\n"
    );
}

#[test]
fn a_step_with_two_actions() {
    let e = show_error(
        edited(
            "    model: opportunity\n",
            "    model: opportunity\n  create_contact:\n    identity: source_id\n    source_id: s\n",
        )
        .as_bytes(),
    );
    assert!(e.starts_with("error: plans/x.plan.yaml:"), "{e}");
    assert!(
        e.contains("step `custom_field/deal-source` must have exactly one action"),
        "{e}"
    );
}

#[test]
fn a_step_with_no_action() {
    let e = show_error(
        edited(
            "  create_field:\n    name: Deal Source\n    dataType: TEXT\n    model: opportunity\n",
            "",
        )
        .as_bytes(),
    );
    assert!(
        e.contains("step `custom_field/deal-source` must have exactly one action"),
        "{e}"
    );
}

#[test]
fn a_dangling_reference() {
    let e = show_error(
        edited(
            "    contact: contact/jane@acme.test",
            "    contact: contact/nobody@acme.test",
        )
        .as_bytes(),
    );
    assert_eq!(
        e,
        "error: plan plans/x.plan.yaml: step opportunity/deal-7-jane@acme.test: contact refers to contact/nobody@acme.test, which is not a step of this plan\n"
    );
}

#[test]
fn a_dependency_on_a_later_step() {
    let e = show_error(
        edited(
            "  after:\n  - custom_field/interests\n",
            "  after:\n  - custom_field/interests\n  - opportunity/renewal-bob@example.test\n",
        )
        .as_bytes(),
    );
    assert_eq!(
        e,
        "error: plan plans/x.plan.yaml: step contact/jane@acme.test: `after` names opportunity/renewal-bob@example.test, which comes later in the plan (a step must follow the steps it needs)\n"
    );
}

#[test]
fn a_duplicate_step_id() {
    let e = show_error(
        edited(
            "- id: contact/ann@example.test",
            "- id: contact/bob@example.test",
        )
        .as_bytes(),
    );
    assert_eq!(
        e,
        "error: plan plans/x.plan.yaml: step contact/bob@example.test: the id is used twice (steps[4] and steps[5]); step ids must be unique\n"
    );
}

#[test]
fn an_unknown_key_in_a_step() {
    let e = show_error(
        edited(
            "    identity: phone\n",
            "    identity: phone\n    colour: red\n",
        )
        .as_bytes(),
    );
    assert!(
        e.starts_with("error: plans/x.plan.yaml:116:5: step contact/+15550199: steps[3].create_contact: unknown field `colour`"),
        "{e}"
    );
    let e = show_error(
        edited(
            "    dataType: TEXT\n",
            "    dataType: TEXT\n    colour: red\n",
        )
        .as_bytes(),
    );
    assert_eq!(
        e,
        "error: plans/x.plan.yaml:86:3: step custom_field/deal-source: unknown key `create_field.colour` (it is not part of the plan format; remove it)\n"
    );
}

#[test]
fn an_invalid_opportunity_status() {
    let e = show_error(edited("    status: won", "    status: wonn").as_bytes());
    assert!(
        e.contains("step opportunity/deal-7-jane@acme.test: steps[6].create_opportunity.status: unknown variant `wonn`, expected one of `open`, `won`, `lost`, `abandoned`"),
        "{e}"
    );
}

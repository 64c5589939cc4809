//! `diff` through the real binary: equal plans, a re-plan with changes, and bad input.

use std::path::Path;

use assert_cmd::Command;

const SAMPLE: &str = include_str!("plan_file_sample.plan.yaml");

fn diff(dir: &Path, old: &str, new: &str) -> assert_cmd::assert::Assert {
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir)
        .args(["diff", old, new])
        .assert()
}

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn equal_plans_have_no_changes() {
    let dir = folder(&[("a.plan.yaml", SAMPLE), ("b.plan.yaml", SAMPLE)]);
    diff(dir.path(), "a.plan.yaml", "b.plan.yaml")
        .code(0)
        .stdout("no changes\n");
}

#[test]
fn a_replan_shows_what_changed() {
    // Bob's phone changed in the source, Pat's contact was deleted, a new contact appeared.
    let new = SAMPLE
        .replace("+15550111", "+15550112")
        .replacen(
            "- id: contact/+15550199\n  create_contact:\n    identity: phone\n    source_id: src-contact-2\n    fields:\n      firstName: Pat\n      phone: '+15550199'\n",
            "- id: contact/lee@acme.test\n  create_contact:\n    identity: email\n    source_id: src-contact-5\n    fields:\n      email: lee@acme.test\n",
            1,
        )
        .replacen("- 'pipeline `Renewals`", "- 'pipeline `Renewal`", 1);
    assert_ne!(new, SAMPLE);
    let dir = folder(&[("old.plan.yaml", SAMPLE), ("new.plan.yaml", &new)]);
    let out = diff(dir.path(), "old.plan.yaml", "new.plan.yaml")
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let expected = "\
1 step added, 1 removed, 1 changed; 1 warning added, 1 removed
~ steps fingerprint: sha256:6072e47b04b8 -> sha256:";
    assert!(out.starts_with(expected), "{out}");
    for line in [
        "+ contact/lee@acme.test     create (email)",
        "- contact/+15550199         create (phone)",
        "~ contact/bob@example.test  merge into Kq3xT0aZ9bYc8dWe7fVg: phone, tags +vip",
        "    -    phone: '+15550111'",
        "    +    phone: '+15550112'",
        "+ warning: pipeline `Renewal` does not exist in the target: create it there, then re-plan",
        "- warning: pipeline `Renewals` does not exist in the target: create it there, then re-plan",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "no line {line:?} in:\n{out}"
        );
    }
}

#[test]
fn a_bad_plan_on_either_side_is_an_error() {
    let dir = folder(&[
        ("good.plan.yaml", SAMPLE),
        ("bad.plan.yaml", "- not a plan\n"),
    ]);
    for (old, new) in [
        ("good.plan.yaml", "bad.plan.yaml"),
        ("bad.plan.yaml", "good.plan.yaml"),
    ] {
        diff(dir.path(), old, new).code(1).stdout("").stderr(
            "error: plan bad.plan.yaml: not a plan: the document is a list, expected `format: ghl-migrate/plan/v1` at the top\n",
        );
    }
    diff(dir.path(), "good.plan.yaml", "missing.plan.yaml").code(1);
}

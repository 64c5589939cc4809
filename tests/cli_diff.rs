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

#[test]
fn exit_code_says_whether_the_plans_differ() {
    let changed = SAMPLE.replace("+15550111", "+15550112");
    let dir = folder(&[
        ("a.plan.yaml", SAMPLE),
        ("b.plan.yaml", SAMPLE),
        ("c.plan.yaml", &changed),
    ]);
    let with_flag = |old: &str, new: &str| {
        Command::cargo_bin("ghl-migrate")
            .unwrap()
            .current_dir(dir.path())
            .args(["diff", old, new, "--exit-code"])
            .assert()
    };
    with_flag("a.plan.yaml", "b.plan.yaml").code(0);
    with_flag("a.plan.yaml", "c.plan.yaml").code(2);
}

/// Plans the `filters` scenario with the given `filters:` block, to `out`.
fn plan_filters(dir: &Path, filters: &str, out: &str) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/filters");
    for f in ["source.json", "target.json"] {
        std::fs::copy(scenario.join(f), dir.join(f)).unwrap();
    }
    let config = format!(
        "name: filters\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: fixture\n  \
         path: target.json\n{filters}"
    );
    std::fs::write(dir.join("migration.yaml"), config).unwrap();
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir)
        .args(["plan", "-o", out])
        .assert()
        .success();
}

#[test]
fn a_filter_change_is_a_change_of_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    plan_filters(
        dir.path(),
        "filters:\n  contacts:\n    skip_tags: [test, spam]\n",
        "old.plan.yaml",
    );
    plan_filters(
        dir.path(),
        "filters:\n  contacts:\n    skip_tags: [spam]\n",
        "new.plan.yaml",
    );
    let out = diff(dir.path(), "old.plan.yaml", "new.plan.yaml")
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    // The contact and its opportunity were filtered; now they are created, under the same ids.
    assert!(
        out.contains("~ contact/test.user@acme.test (filtered -> create_contact)"),
        "{out}"
    );
    assert!(
        out.contains(
            "~ opportunity/test.user@acme.test/sales/test_open_deal (filtered -> create_opportunity)"
        ),
        "{out}"
    );
    assert!(!out.contains("\n+ contact/test.user"), "{out}");
    assert!(!out.contains("- not done: contact/test.user"), "{out}");
}

//! The committed demo plan is exactly what `plan` produces from the bundled demo fixtures.

use assert_cmd::Command;

#[test]
fn plans_demo_plan_yaml_is_reproduced_from_the_demo_fixtures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tempfile::tempdir().unwrap();
    let fresh = out.path().join("demo.plan.yaml");
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(root)
        .args(["plan", "-c", "fixtures/demo/migration.yaml", "-o"])
        .arg(&fresh)
        .assert()
        .success();
    let committed = std::fs::read_to_string(format!("{root}/plans/demo.plan.yaml")).unwrap();
    let fresh = std::fs::read_to_string(&fresh).unwrap();
    if committed != fresh {
        let diff = similar::TextDiff::from_lines(&committed, &fresh)
            .unified_diff()
            .context_radius(2)
            .header(
                "plans/demo.plan.yaml (committed)",
                "plan of fixtures/demo (now)",
            )
            .to_string();
        panic!(
            "plans/demo.plan.yaml is out of date; regenerate it with\n  \
             cargo run -- plan -c fixtures/demo/migration.yaml\nand review the change:\n{}",
            diff.chars().take(20_000).collect::<String>()
        );
    }
}

#[test]
fn the_demo_plan_covers_every_kind_and_outcome_the_fixtures_hold() {
    let root = env!("CARGO_MANIFEST_DIR");
    let plan = ghl_migrate::plan::file::read(std::path::Path::new(&format!(
        "{root}/plans/demo.plan.yaml"
    )))
    .unwrap();
    let s = &plan.summary;
    assert_eq!(
        s.contacts.values().sum::<u64>(),
        198,
        "every source contact is accounted for"
    );
    assert_eq!(
        s.opportunities.values().sum::<u64>(),
        40,
        "every source opportunity is accounted for"
    );
    for (counts, outcome) in [
        (&s.contacts, "create"),
        (&s.contacts, "merge"),
        (&s.contacts, "duplicate_in_source"),
        (&s.custom_fields, "create"),
        (&s.custom_fields, "map"),
        (&s.custom_fields, "conflict"),
        (&s.pipelines, "create"),
        (&s.pipelines, "map"),
        (&s.stages, "create"),
        (&s.stages, "map"),
        (&s.opportunities, "create"),
    ] {
        assert!(
            counts.get(outcome).copied().unwrap_or(0) > 0,
            "no {outcome} in {counts:?}"
        );
    }
    assert!(
        plan.steps
            .iter()
            .any(|s| s.id.starts_with("contact/source:")),
        "a contact with no email or phone"
    );
    // The missing pipeline and stage are created: nothing waits on them (issue #11).
    assert_eq!(
        s.opportunities.get("blocked"),
        None,
        "{:?}",
        s.opportunities
    );
    assert_eq!(s.pipelines.get("missing"), None);
    assert_eq!(s.stages.get("missing"), None);
    // The target's published workflows are named before anyone applies.
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.starts_with("target automations:")
                && w.contains("Welcome email on Contact Created")
                && !w.contains("Win-back")),
        "{:?}",
        plan.warnings
    );
}

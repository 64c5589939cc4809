//! `apply` with a fixture target: the CI dry run, applied in memory by the same executor and
//! checkpoint, optionally writing the resulting account.

mod apply_support;

use apply_support::*;

#[test]
fn a_fixture_target_is_applied_in_memory_and_can_be_written_out() {
    let project = Project::new();
    let out = bin()
        .current_dir(project.path())
        .args(["apply", "plans/t.plan.yaml", "--progress", "json"])
        .args(["--write-fixture", "after.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The preamble names what is about to be written, and where.
    let steps = project.read_plan().steps.len();
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        first,
        format!("Applying {steps} steps to Target (TGT0000000000000000a)")
    );
    // Progress went to stderr as JSON lines, each with its time; the end says why it ended.
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress
            .lines()
            .all(|l| l.starts_with("{\"ts\":\"20") && l.contains("Z\",\"event\":")),
        "{progress}"
    );
    assert!(progress.contains("\"event\":\"step_done\""), "{progress}");
    let end = progress.lines().last().unwrap_or_default();
    assert!(
        end.contains("\"event\":\"end\"") && end.contains("\"reason\":\"complete\""),
        "{end}"
    );

    let after = ghl_migrate::fixture::load(&project.path().join("after.json")).unwrap();
    assert_eq!(after.contacts.len(), 11);
    assert_eq!(after.opportunities.len(), 5);
    assert_eq!(after.custom_fields.len(), 4);
    // The default checkpoint, beside migration.yaml.
    assert!(project.path().join(".ghl-migrate/t.sqlite").exists());

    // Same result as the live path over HTTP.
    assert_eq!(canonical(&after), expected_target());

    let again = bin()
        .current_dir(project.path())
        .args(["apply", "plans/t.plan.yaml", "--progress", "none"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 this session"));
}

#[test]
fn off_a_terminal_progress_is_plain_timestamped_lines() {
    let project = Project::new();
    let out = bin()
        .current_dir(project.path())
        .args(["apply", "plans/t.plan.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let progress = String::from_utf8_lossy(&out.stderr);
    // What the writes may set off in the target is said before the run, as a plain warning.
    let lines: Vec<&str> = progress
        .lines()
        .filter(|l| !l.starts_with("warning: "))
        .collect();
    // `2026-12-01T12:00:00.123Z starting: ...`, then the end with its reason; no JSON.
    for line in &lines {
        assert_eq!(line.as_bytes().get(23), Some(&b'Z'), "{line}");
        assert!(!line.contains('{'), "{line}");
    }
    assert!(
        lines[0][25..].starts_with("checking the plan is not stale"),
        "{progress}"
    );
    assert!(lines[1][25..].starts_with("starting: "), "{progress}");
    assert!(
        lines.last().unwrap()[25..].starts_with("end (complete): "),
        "{progress}"
    );
}

#[test]
fn a_declaration_for_another_migration_is_refused() {
    let project = Project::new();
    std::fs::write(
        project.path().join("other.yaml"),
        "name: other\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: fixture\n  path: target.json\n",
    )
    .unwrap();
    let out = bin()
        .current_dir(project.path())
        .args(["apply", "plans/t.plan.yaml", "-c", "other.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`other`"),
        "{}",
        text(&out)
    );
}

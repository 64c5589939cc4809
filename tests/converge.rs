//! Plan, apply, plan again: after an apply the next plan has nothing left to do. Run on the
//! demo and on every scenario, through the real binary, with the fixture target applied in memory.

use std::path::Path;

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("ghl-migrate").unwrap()
}

/// Copies a fixture folder, plans, applies (dry run), re-plans against the result.
fn converges(folder: &Path) {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(folder).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let run = |args: &[&str]| bin().current_dir(dir.path()).args(args).output().unwrap();
    let out = run(&["plan", "-o", "first.plan.yaml"]);
    assert!(
        out.status.success(),
        "{folder:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "apply",
        "first.plan.yaml",
        "--progress",
        "none",
        "--write-fixture",
        "after.json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{folder:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let config = std::fs::read_to_string(dir.path().join("migration.yaml")).unwrap();
    let target = config
        .lines()
        .skip_while(|l| !l.starts_with("target:"))
        .find_map(|l| l.trim().strip_prefix("path: "))
        .unwrap()
        .to_string();
    std::fs::write(
        dir.path().join("again.yaml"),
        config.replace(&format!("path: {target}"), "path: after.json"),
    )
    .unwrap();
    let out = run(&[
        "plan",
        "-c",
        "again.yaml",
        "-o",
        "second.plan.yaml",
        "--detailed-exitcode",
    ]);
    let second = std::fs::read_to_string(dir.path().join("second.plan.yaml")).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{folder:?}: the plan after apply still has changes:\n{second}"
    );
}

#[test]
fn the_demo_converges() {
    converges(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"));
}

#[test]
fn every_scenario_converges() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.join("migration.yaml").exists() && !name.starts_with("dangling-") {
            converges(&path);
            n += 1;
        }
    }
    assert!(n >= 10);
}

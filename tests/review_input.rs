//! The adversarial review of #15 (a15): hostile input to the real binary.

mod apply_support;

use apply_support::*;

/// #15.8 asks that plans and declarations be refused early, in bounded time. Flow nesting
/// deeper than the YAML guard's parser recurses (a few hundred levels) made the guard give
/// up and hand the file to serde_yaml, whose scanner is quadratic in that depth: 200,000 `[`
/// took six minutes in `config`, and a 4 MB plan of them kept `show` busy for hours. Now
/// refused at once, naming the file and place.
#[test]
fn deep_flow_nesting_is_refused_at_once_in_declarations_and_plans() {
    let dir = tempfile::tempdir().unwrap();
    let n = 40_000;
    let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
    std::fs::write(dir.path().join("m.yaml"), format!("name: {deep}\n")).unwrap();
    std::fs::write(
        dir.path().join("p.plan.yaml"),
        format!("format: ghl-migrate/plan/v1\nname: {deep}\n"),
    )
    .unwrap();
    for args in [vec!["config", "-c", "m.yaml"], vec!["show", "p.plan.yaml"]] {
        let out = bin().current_dir(dir.path()).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("levels deep"), "{args:?}: {said}");
        assert!(
            said.contains(":1:") || said.contains(":2:"),
            "{args:?}: {said}"
        );
    }
}

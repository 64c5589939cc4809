//! The adversarial review of #15 (a15): plans edited by hand, against the sandbox over real
//! HTTP with the real binary.

mod apply_support;

use apply_support::*;
use ghl_migrate::plan::Action;

/// A step copied under another id (its summary count raised to match, as a careful editor
/// would) writes one source object twice. Before the fix `show` accepted it and `apply`
/// created the contact twice, exit 0; now both refuse the plan, naming the two steps, and
/// nothing is written.
#[test]
fn a_step_copied_under_another_id_is_refused_before_anything_is_written() {
    for kind in ["contact", "note"] {
        let project = Project::new();
        let sandbox = serve(options());
        project.live_config(&sandbox, "");
        project.edit_plan(|plan| {
            let i = plan
                .steps
                .iter()
                .position(|s| s.action.kind() == kind)
                .unwrap();
            let mut copy = plan.steps[i].clone();
            copy.id = format!("{}-copy", copy.id);
            let counts = match &copy.action {
                Action::CreateContact(_) => &mut plan.summary.contacts,
                _ => &mut plan.summary.notes,
            };
            *counts.get_mut("create").unwrap() += 1;
            plan.steps.insert(i + 1, copy);
        });
        let out = bin()
            .current_dir(project.path())
            .args(["show", "plans/t.plan.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{kind}: {}", text(&out));
        let out = project.apply(&[], &[]);
        assert!(!out.status.success(), "{kind}: {}", text(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("-copy: writes source"), "{kind}: {said}");
        assert_eq!(
            canonical(&sandbox.account()),
            canonical(&target_account()),
            "{kind}: nothing is written"
        );
    }
}

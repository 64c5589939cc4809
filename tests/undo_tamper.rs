//! An undo plan edited by hand (or made for another moment) must not delete or rewrite what
//! is not the migration's: every delete and restore it holds has to be one the ledger's map
//! still records, for that target location, with the same kind, id and values. Over real HTTP
//! against the sandbox; the person's objects are checked untouched after the refusal.

mod apply_support;

use std::process::Output;

use apply_support::*;

use ghl_migrate::ghl::Doomed;
use ghl_migrate::plan::{Action, Plan};
use ghl_migrate::sandbox::Handle;

const UNDO_PLAN: &str = "plans/t.undo.plan.yaml";
/// The contact the target held before the migration (the migration merged into it).
const PERSONS: &str = "TC1aaaaaaaaaaaaaaaaa";

fn apply(project: &Project, plan: &str) -> Output {
    run(
        project,
        &["apply", plan, "-c", "live.yaml", "--progress", "none"],
    )
}

fn full(sandbox: &Handle) -> serde_json::Value {
    serde_json::to_value(sandbox.account()).unwrap()
}

/// A project migrated into a lagging sandbox, with its undo plan written.
fn migrated() -> (Project, Handle) {
    let project = Project::new();
    let mut opts = options();
    opts.search_lag_ms = 60_000;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let out = run(&project, &["plan", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = apply(&project, "plans/t.plan.yaml");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(&project, &["undo", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    (project, sandbox)
}

fn edit_undo(project: &Project, edit: impl FnOnce(&mut Plan)) {
    let path = project.path().join(UNDO_PLAN);
    let mut plan: Plan = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut plan);
    std::fs::write(&path, serde_yaml::to_string(&plan).unwrap()).unwrap();
}

/// Applies the edited undo plan: refused (exit 1, saying why), the target untouched.
fn refused(project: &Project, sandbox: &Handle, says: &str) {
    let before = full(sandbox);
    let out = apply(project, UNDO_PLAN);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(says), "{}", text(&out));
    assert_eq!(
        full(sandbox),
        before,
        "a refused undo plan wrote to the target"
    );
    assert!(sandbox.account().contacts.iter().any(|c| c.id == PERSONS));
}

#[test]
fn a_delete_step_pointed_at_a_persons_contact_is_refused() {
    let (project, sandbox) = migrated();
    edit_undo(&project, |plan| {
        let d = plan
            .steps
            .iter_mut()
            .find_map(|s| match &mut s.action {
                Action::Delete(d) if matches!(d.what, Doomed::Contact { .. }) => Some(d),
                _ => None,
            })
            .unwrap();
        d.what = Doomed::Contact { id: PERSONS.into() };
    });
    refused(&project, &sandbox, "not one this migration wrote");
}

#[test]
fn a_delete_step_whose_kind_was_changed_is_refused() {
    let (project, sandbox) = migrated();
    // The note's id stays, its kind becomes a contact: DELETE /contacts/{note id}; the step id
    // renamed too, so the file's own id check passes.
    edit_undo(&project, |plan| {
        let step = plan
            .steps
            .iter_mut()
            .find(
                |s| matches!(&s.action, Action::Delete(d) if matches!(d.what, Doomed::Note { .. })),
            )
            .unwrap();
        let old = step.id.clone();
        step.id = step.id.replacen("note/", "contact/", 1);
        let new = step.id.clone();
        if let Action::Delete(d) = &mut step.action {
            d.what = Doomed::Contact {
                id: d.what.id().to_string(),
            };
        }
        for s in &mut plan.steps {
            for a in &mut s.after {
                if *a == old {
                    *a = new.clone();
                }
            }
        }
    });
    refused(&project, &sandbox, "not one this migration wrote");
}

#[test]
fn a_restore_whose_values_were_changed_is_refused() {
    let (project, sandbox) = migrated();
    edit_undo(&project, |plan| {
        let r = plan
            .steps
            .iter_mut()
            .find_map(|s| match &mut s.action {
                Action::RestoreContact(r) => Some(r),
                _ => None,
            })
            .unwrap();
        r.remove_tags.push("customer".into());
        for v in &mut r.values {
            v.to = serde_json::json!("set by hand");
        }
    });
    refused(&project, &sandbox, "not what this migration wrote");
}

#[test]
fn a_restore_pointed_at_another_contact_is_refused() {
    let (project, sandbox) = migrated();
    let created = sandbox
        .account()
        .contacts
        .iter()
        .find(|c| c.email.as_deref() == Some("a@acme.test"))
        .unwrap()
        .id
        .clone();
    edit_undo(&project, |plan| {
        for s in &mut plan.steps {
            if let Action::RestoreContact(r) = &mut s.action {
                r.id = created.clone();
            }
        }
    });
    refused(&project, &sandbox, "not one this migration wrote");
}

#[test]
fn a_create_step_in_an_undo_plan_is_refused() {
    let (project, sandbox) = migrated();
    // A create in an undo run would take its source key's entry out of the map when done.
    let forward: Plan = serde_yaml::from_str(
        &std::fs::read_to_string(project.path().join("plans/t.plan.yaml")).unwrap(),
    )
    .unwrap();
    let create = forward
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::CreateContact(_)))
        .unwrap()
        .clone();
    edit_undo(&project, |plan| {
        let mut create = create.clone();
        create.id = "contact/smuggled".into();
        plan.steps.insert(0, create);
        // The summary edited too, so the file's own count check passes.
        *plan.summary.contacts.entry("create".into()).or_default() += 1;
    });
    refused(&project, &sandbox, "an undo plan only deletes and restores");
}

#[test]
fn a_delete_step_in_a_forward_plan_is_refused() {
    let project = Project::new();
    let mut opts = options();
    opts.search_lag_ms = 60_000;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let out = run(&project, &["plan", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    project.edit_plan(|plan| {
        let mut first = plan.steps[0].clone();
        first.id = "contact/smuggled".into();
        first.after.clear();
        first.action = Action::Delete(ghl_migrate::plan::undo::DeleteObject {
            what: Doomed::Contact { id: PERSONS.into() },
            name: "x".into(),
            source_key: "x".into(),
            run: 1,
        });
        plan.steps.push(first);
    });
    let out = apply(&project, "plans/t.plan.yaml");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(sandbox.account().contacts.iter().any(|c| c.id == PERSONS));
}

#[test]
fn a_duplicated_step_is_refused() {
    let (project, sandbox) = migrated();
    edit_undo(&project, |plan| {
        let i = plan
            .steps
            .iter()
            .position(|s| matches!(s.action, Action::Delete(_)))
            .unwrap();
        let mut twin = plan.steps[i].clone();
        twin.id = format!("{}#again", twin.id);
        plan.steps.push(twin);
    });
    refused(&project, &sandbox, "twice");
}

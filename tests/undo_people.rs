//! `undo` next to a person using the target: what a person adds to a migrated contact after
//! the undo plan was made is not deleted with it, and a migration undone then planned and
//! applied again comes back exactly once. Real binary, sandbox over HTTP, search lag longer
//! than the tests.

mod apply_support;

use std::process::Output;

use apply_support::*;

use ghl_migrate::ghl::{Ghl, NewNote, NewTask};
use ghl_migrate::sandbox::Handle;

const UNDO_PLAN: &str = "plans/t.undo.plan.yaml";

fn apply(project: &Project, plan: &str) -> Output {
    run(
        project,
        &["apply", plan, "-c", "live.yaml", "--progress", "none"],
    )
}

fn lagging() -> Handle {
    let mut opts = options();
    opts.search_lag_ms = 60_000;
    serve(opts)
}

fn plan_and_apply(project: &Project) {
    let out = run(project, &["plan", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = apply(project, "plans/t.plan.yaml");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn undo(project: &Project) -> String {
    let out = run(project, &["undo", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    text(&out)
}

fn contact_id(sandbox: &Handle, email: &str) -> String {
    sandbox
        .account()
        .contacts
        .iter()
        .find(|c| c.email.as_deref() == Some(email))
        .unwrap()
        .id
        .clone()
}

/// A person adds a note and a task to a contact the migration created, after the undo plan was
/// made: applying that plan must not delete them (with the contact or otherwise).
#[test]
fn a_note_and_a_task_a_person_adds_after_the_undo_plan_are_not_deleted() {
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    plan_and_apply(&project);
    undo(&project);
    let eve = contact_id(&sandbox, "e@acme.test");
    a_person_adds_a_note_and_a_task(&sandbox, &eve);
    // Refused as stale: the plan was made on the contact's notes and tasks as they were.
    let out = apply(&project, UNDO_PLAN);
    assert!(text(&out).contains("stale plan"), "{}", text(&out));
    persons_note_and_task_are_kept(&sandbox);
}

/// What a person adds to contact `id`: a note and a task.
fn a_person_adds_a_note_and_a_task(sandbox: &Handle, id: &str) {
    futures::executor::block_on(async {
        sandbox
            .memory
            .create_note(
                id,
                &NewNote {
                    body: "Called back, wants a quote".into(),
                    user_id: None,
                },
            )
            .await
            .unwrap();
        sandbox
            .memory
            .create_task(
                id,
                &NewTask {
                    title: "Send the quote".into(),
                    body: None,
                    due_date: "2026-12-24T09:00:00.000Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            )
            .await
            .unwrap();
    });
}

fn persons_note_and_task_are_kept(sandbox: &Handle) {
    let after = sandbox.account();
    assert!(
        after
            .notes
            .iter()
            .any(|n| n.body == "Called back, wants a quote"),
        "the person's note was deleted: {:#?}",
        after.notes
    );
    assert!(
        after.tasks.iter().any(|t| t.title == "Send the quote"),
        "the person's task was deleted: {:#?}",
        after.tasks
    );
}

/// The same during the undo's run, after its stale check: the undo stopped after its first
/// step, the person adds a note and a task to a contact it is about to delete, the run resumes
/// (a resume does not check the plan again). The contact is left alone with them; the rest of
/// the undo goes on.
#[test]
fn a_note_a_person_adds_during_the_undos_run_is_not_deleted_with_its_contact() {
    let project = Project::new();
    let sandbox = lagging();
    let live = project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    plan_and_apply(&project);
    undo(&project);
    // One step at a time, so that the stop falls before any contact's delete.
    let serial = std::fs::read_to_string(&live)
        .unwrap()
        .replace("max_in_flight: 4", "max_in_flight: 1");
    std::fs::write(&live, serial).unwrap();
    let args = ["apply", UNDO_PLAN, "-c", "live.yaml", "--progress", "none"];
    let out = run_with(&project, &args, &[("GHL_MIGRATE_TEST_ABORT", "1:recorded")]);
    assert_eq!(out.status.code(), None, "{}", text(&out));
    let eve = contact_id(&sandbox, "e@acme.test");
    a_person_adds_a_note_and_a_task(&sandbox, &eve);
    let out = run(&project, &[&args[..], &["--resume"]].concat());
    let said = text(&out);
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert!(
        said.contains("that this undo did not plan to delete"),
        "{said}"
    );
    persons_note_and_task_are_kept(&sandbox);
    assert!(sandbox.account().contacts.iter().any(|c| c.id == eve));
    // Everything else of the migration's is gone.
    assert!(
        !sandbox
            .account()
            .contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("a@acme.test")),
        "{said}"
    );
}

/// Apply, undo, plan again, apply: the migration is back, once (the target equals one apply's).
#[test]
fn undone_then_planned_and_applied_again_the_migration_comes_back_once() {
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    plan_and_apply(&project);
    let once = canonical(&sandbox.account());
    undo(&project);
    let out = apply(&project, UNDO_PLAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(sandbox.account().contacts.len(), 1);
    plan_and_apply(&project);
    let again = canonical(&sandbox.account());
    assert_eq!(again, once, "the migration did not come back exactly once");
    // A third apply of the same plan sends nothing more.
    let out = apply(&project, "plans/t.plan.yaml");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), once);
}

/// A note the migration wrote that a person changed since is listed and left alone: its
/// contact, which the migration created, is left alone too, or deleting it would take the note
/// with it. (The person's edit is made on the ledger's side: the sandbox has no note edit; the
/// undo sees the note differ from what the migration sent, exactly as after an edit.)
#[test]
fn a_contact_holding_a_note_left_alone_is_left_alone_too() {
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    plan_and_apply(&project);
    let merged = "TC1aaaaaaaaaaaaaaaaa";
    let ledger = project.path().join(".ghl-migrate/t.sqlite");
    let db = rusqlite::Connection::open(&ledger).unwrap();
    let (key, target, body): (String, String, String) = db
        .query_row(
            "SELECT source_key, target_id, body FROM objects WHERE kind = 'note' \
             AND body NOT LIKE ?1 ORDER BY source_key LIMIT 1",
            [format!("%{merged}%")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let mut body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["create_note"]["body"]["body"] = "what the migration wrote, before a person's edit".into();
    db.execute(
        "UPDATE objects SET body = ?1 WHERE kind = 'note' AND source_key = ?2",
        rusqlite::params![body.to_string(), key],
    )
    .unwrap();
    drop(db);
    let said = undo(&project);
    assert!(said.contains("changed_since"), "{said}");
    let out = apply(&project, UNDO_PLAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let after = sandbox.account();
    let note = after.notes.iter().find(|n| n.id == target);
    assert!(
        note.is_some(),
        "the note listed as left alone was deleted with its contact: {:#?}",
        after.notes
    );
    let contact = &note.unwrap().contact_id;
    assert!(after.contacts.iter().any(|c| &c.id == contact));
}

/// A migration stopped with a write in doubt (sent, its answer never recorded): the ledger does
/// not map what that write created. An undo then must not leave it behind without a word: it
/// refuses until the stopped run is resumed, and after the resume it takes back everything.
#[test]
fn an_undo_of_a_run_stopped_with_a_write_in_doubt_leaves_nothing_behind() {
    let project = Project::new();
    // The search shows writes at once (the declared lag, 0, holds), so the resume's look-ups
    // of the writes in doubt find them: this test is about undo, not about a lag misdeclared.
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let before = serde_json::to_value(sandbox.account()).unwrap();
    let out = run(&project, &["plan", "-c", "live.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = bin()
        .current_dir(project.path())
        .env(TOKEN_ENV, TOKEN)
        .env("GHL_MIGRATE_TEST_ABORT", "6:sent")
        .args(APPLY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "{}", text(&out));
    let out = run(&project, &["undo", "-c", "live.yaml"]);
    if out.status.code() == Some(0) {
        let out = apply(&project, UNDO_PLAN);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(
            serde_json::to_value(sandbox.account()).unwrap(),
            before,
            "the undo left behind what the write in doubt created"
        );
        return;
    }
    assert!(text(&out).contains("--resume"), "{}", text(&out));
    let out = run(&project, &[&APPLY[..], &["--resume"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let resumed = text(&out);
    undo(&project);
    let out = apply(&project, UNDO_PLAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = std::fs::read_to_string(project.path().join(UNDO_PLAN)).unwrap();
    assert_eq!(
        serde_json::to_value(sandbox.account()).unwrap(),
        before,
        "{resumed}\n{plan}\n{}",
        text(&out)
    );
}

/// Lost answers on the undo's writes: DELETEs answered 504 or dropped after acting, a restore's
/// update and tag removal answered 504 after acting. Resumed until done, the target is exactly
/// as before the migration and no DELETE acted twice (a second one finds it gone).
#[test]
fn lost_answers_on_deletes_and_restores_then_resume_restore_exactly() {
    use ghl_migrate::sandbox::{FaultKind, FaultRule};
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n  timeout_ms: 2000\n");
    let before = serde_json::to_value(sandbox.account()).unwrap();
    plan_and_apply(&project);
    undo(&project);
    let plan = std::fs::read_to_string(project.path().join(UNDO_PLAN)).unwrap();
    assert!(!plan.contains(TOKEN));
    let rule = |kind, method: &str, path: &str, count| FaultRule {
        method: Some(method.into()),
        path_prefix: Some(path.into()),
        count: Some(count),
        ..FaultRule::new(kind)
    };
    sandbox.set_faults(vec![
        rule(FaultKind::GatewayTimeout, "DELETE", "/contacts/", 3),
        rule(FaultKind::Drop, "DELETE", "/locations/", 1),
        rule(FaultKind::GatewayTimeout, "DELETE", "/opportunities/", 2),
        rule(FaultKind::GatewayTimeout, "PUT", "/contacts/", 1),
    ]);
    let mut out = apply(&project, UNDO_PLAN);
    for _ in 0..5 {
        if out.status.code() == Some(0) {
            break;
        }
        assert!(!text(&out).contains(TOKEN));
        out = run(
            &project,
            &[
                "apply",
                UNDO_PLAN,
                "-c",
                "live.yaml",
                "--progress",
                "none",
                "--resume",
            ],
        );
    }
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN));
    assert_eq!(sandbox.stats().faults_injected, 7, "{}", text(&out));
    assert_eq!(serde_json::to_value(sandbox.account()).unwrap(), before);
    let out = run(
        &project,
        &["undo", "-c", "live.yaml", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Two revisions: the first creates Eve; the source then gains a tag on Eve and the second
/// revision merges it into the contact the first created (matched by the ledger). Returns
/// Eve's id.
fn two_revisions(project: &Project, sandbox: &Handle) -> String {
    plan_and_apply(project);
    let source = project.path().join("source.json");
    let text_of = std::fs::read_to_string(&source).unwrap();
    let edited = text_of.replace(
        r#"{"id": "C5", "email": "e@acme.test", "firstName": "Eve"}"#,
        r#"{"id": "C5", "email": "e@acme.test", "firstName": "Eve", "tags": ["late"]}"#,
    );
    assert_ne!(edited, text_of);
    std::fs::write(&source, edited).unwrap();
    plan_and_apply(project);
    let eve = contact_id(sandbox, "e@acme.test");
    assert!(
        sandbox
            .account()
            .contacts
            .iter()
            .any(|c| c.id == eve && c.tags == ["late"]),
        "the second revision did not merge into Eve"
    );
    eve
}

/// A later revision's merge into a contact the migration created (matched by the ledger) is a
/// plan `apply` accepts (its `matched_by: ledger` was refused as not one of email, phone,
/// source_id).
#[test]
fn a_later_revision_merging_into_a_contact_it_created_applies() {
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    two_revisions(&project, &sandbox);
}

/// Everything on a contact created by one revision and merged into by a later one is the
/// migration's: the undo deletes it (it must not blame the later revision's tag on a person
/// and leave the contact behind).
#[test]
fn a_contact_created_then_merged_into_by_a_later_revision_is_undone() {
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let before = serde_json::to_value(sandbox.account()).unwrap();
    two_revisions(&project, &sandbox);
    let said = undo(&project);
    let out = apply(&project, UNDO_PLAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = std::fs::read_to_string(project.path().join(UNDO_PLAN)).unwrap();
    assert_eq!(
        serde_json::to_value(sandbox.account()).unwrap(),
        before,
        "{said}\n{plan}"
    );
}

/// An undo plan made, then the ledger moves on (a new revision applied): the old undo plan is
/// refused (it did not see what the new run wrote), and a fresh undo takes back both runs.
#[test]
fn an_undo_plan_made_before_a_later_apply_is_refused_and_a_new_one_undoes_both() {
    let project = Project::new();
    let sandbox = lagging();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let before = serde_json::to_value(sandbox.account()).unwrap();
    plan_and_apply(&project);
    undo(&project);
    let old = project.path().join("plans/old.undo.plan.yaml");
    std::fs::rename(project.path().join(UNDO_PLAN), &old).unwrap();
    let source = project.path().join("source.json");
    let text_of = std::fs::read_to_string(&source).unwrap();
    std::fs::write(
        &source,
        text_of.replace(
            r#"{"id": "C5", "email": "e@acme.test", "firstName": "Eve"}"#,
            r#"{"id": "C5", "email": "e@acme.test", "firstName": "Eve", "tags": ["late"]}"#,
        ),
    )
    .unwrap();
    plan_and_apply(&project);
    let applied = serde_json::to_value(sandbox.account()).unwrap();
    let out = apply(&project, "plans/old.undo.plan.yaml");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(serde_json::to_value(sandbox.account()).unwrap(), applied);
    undo(&project);
    let out = apply(&project, UNDO_PLAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(serde_json::to_value(sandbox.account()).unwrap(), before);
}

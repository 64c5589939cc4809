//! The migration's ledger across plan revisions, over real HTTP against the sandbox with a
//! search lag (new contacts and opportunities reach its searches only seconds after they are
//! written, as on the live API): no `--state` anywhere, the default ledger
//! `.ghl-migrate/t.sqlite` in the project folder.

mod apply_support;

use std::process::Output;

use apply_support::*;

/// Longer than any of these tests runs: every object written stays out of the searches.
const LAG_MS: u64 = 60_000;

fn lagging() -> ghl_migrate::sandbox::Options {
    let mut opts = options();
    opts.search_lag_ms = LAG_MS;
    opts
}

/// `plan -c live.yaml --detailed-exitcode`: the plan against the sandbox, its exit code.
fn plan(project: &Project) -> (i32, String) {
    let out = run(project, &["plan", "-c", "live.yaml", "--detailed-exitcode"]);
    (out.status.code().unwrap_or(-1), text(&out))
}

fn apply(project: &Project) -> Output {
    run(project, &APPLY)
}

fn lines_with_multiplicity_over_one(lines: &[String]) -> Vec<&String> {
    let mut seen = std::collections::BTreeMap::new();
    for l in lines {
        *seen.entry(l).or_insert(0) += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(l, _)| l)
        .collect()
}

/// apply -> plan -> apply at once (well within the search lag): the second plan has no
/// changes, the second apply sends nothing, the target is exactly what one apply makes.
fn apply_plan_apply(live: fn(&Project, &ghl_migrate::sandbox::Handle)) {
    // What one apply makes over this API (V1 cannot create a contact with no email or phone).
    let expected = {
        let project = Project::new();
        let sandbox = serve(options());
        live(&project, &sandbox);
        assert_eq!(plan(&project).0, 2);
        let out = apply(&project);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        canonical(&sandbox.account())
    };
    let project = Project::new();
    let sandbox = serve(lagging());
    live(&project, &sandbox);
    let (code, said) = plan(&project);
    assert_eq!(code, 2, "{said}");
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (code, said) = plan(&project);
    assert_eq!(
        code, 0,
        "a plan right after the apply has no changes: {said}"
    );
    assert!(said.contains("no changes"), "{said}");
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let actual = canonical(&sandbox.account());
    assert!(
        lines_with_multiplicity_over_one(&actual).is_empty(),
        "{actual:#?}"
    );
    assert_eq!(actual, expected);
}

#[test]
fn apply_then_plan_then_apply_within_the_search_lag_creates_nothing_twice_v2() {
    apply_plan_apply(|p, s| {
        p.live_config(s, "  search_lag_ms: 15000\n");
    });
}

#[test]
fn apply_then_plan_then_apply_within_the_search_lag_creates_nothing_twice_v1() {
    apply_plan_apply(|p, s| {
        p.live_config_v1(s);
    });
}

/// A first revision moves fields and contacts only; the second, planned after it, the rest.
/// Both apply to the same ledger with no `--state`, and `status` of either revision works.
#[test]
fn a_new_revision_applies_to_the_same_ledger_and_status_shows_every_run() {
    let expected = expected_target();
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let live = project.path().join("live.yaml");
    let full = std::fs::read_to_string(&live).unwrap();
    std::fs::write(&live, format!("{full}objects: [custom_fields, contacts]\n")).unwrap();
    assert_eq!(plan(&project).0, 2);
    let first = project.path().join("plans/first.plan.yaml");
    std::fs::copy(project.plan_path(), &first).unwrap();
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    std::fs::write(&live, full).unwrap();
    let (code, said) = plan(&project);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("revision "), "{said}");
    let plan = project.read_plan();
    // The first revision moved fields and contacts only; what is left is the rest (notes and
    // tasks are on by default).
    assert!(
        plan.steps
            .iter()
            .all(|s| ["opportunity", "note", "task"].contains(&s.action.kind())),
        "only the opportunities, notes and tasks are left: {:#?}",
        plan.steps.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected);

    let out = run(
        &project,
        &[
            "status",
            "plans/t.plan.yaml",
            "-c",
            "live.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{j}");
    assert!(runs.iter().all(|r| r["state"] == "complete"), "{j}");
    assert_eq!(runs[1]["revision"], j["revision"]);
    let out = run(
        &project,
        &["status", "plans/first.plan.yaml", "-c", "live.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("complete"), "{said}");
    assert!(said.contains("#1") && said.contains("#2"), "{said}");
}

/// A plan made before another revision's apply did not see what that apply wrote: applying
/// it is refused, naming the run.
#[test]
fn a_plan_that_did_not_see_a_later_apply_is_refused_naming_the_run() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    assert_eq!(plan(&project).0, 2);
    let old = project.path().join("plans/old.plan.yaml");
    std::fs::copy(project.plan_path(), &old).unwrap();
    // Another revision (one step fewer) is applied first.
    project.edit_plan(another_revision);
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(
        &project,
        &[
            "apply",
            "plans/old.plan.yaml",
            "-c",
            "live.yaml",
            "--progress",
            "none",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("run #1") && said.contains("re-run plan"),
        "{said}"
    );
}

/// #15.1, the re-plan part: an email contact and a phone-only contact sharing one phone. After
/// a complete apply, the phone-only contact is the one the migration created for it (the
/// ledger says so), not a merge into the other.
#[test]
fn a_household_sharing_a_phone_re_plans_to_no_changes() {
    let project = Project::new();
    let source = r#"{
      "location": {"id": "SRC0000000000000000a", "name": "Source"},
      "contacts": [
        {"id": "HA", "email": "ann@home.test", "phone": "+15550177", "firstName": "Ann",
         "dateAdded": "2024-02-01T00:00:00.000Z"},
        {"id": "HB", "phone": "+15550177", "firstName": "Ben",
         "dateAdded": "2024-01-01T00:00:00.000Z"}
      ]
    }"#;
    std::fs::write(project.path().join("source.json"), source).unwrap();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    assert_eq!(plan(&project).0, 2);
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (code, said) = plan(&project);
    assert_eq!(code, 0, "{said}");
    let plan = project.read_plan();
    assert!(plan.steps.is_empty(), "{:#?}", plan.steps);
    // Nor is either one taken for the other (a duplicate left out).
    assert!(plan.not_done.is_empty(), "{:#?}", plan.not_done);
}

/// An object the migration created and a person deleted since is shown as such, and the plan
/// says it creates it again.
#[test]
fn a_created_contact_deleted_since_is_shown_and_re_created_on_purpose() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    assert_eq!(plan(&project).0, 2);
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let gone = sandbox
        .account()
        .contacts
        .iter()
        .find(|c| c.email.as_deref() == Some("e@acme.test"))
        .unwrap()
        .id
        .clone();
    // A person deletes it: the target as it is now, without that contact.
    let mut after = sandbox.account();
    after.contacts.retain(|c| c.id != gone);
    let sandbox = ghl_migrate::sandbox::start(after, lagging()).unwrap();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let (code, said) = plan(&project);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("recreate"), "{said}");
    let plan = project.read_plan();
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains(&gone) && w.contains("creates it again")),
        "{:#?}",
        plan.warnings
    );
}

/// A note and a task the migration wrote and a person deleted since are shown as such too
/// (not silently written again), and the plan says it creates them again.
#[test]
fn a_migrated_note_and_task_deleted_since_are_shown_and_re_created_on_purpose() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let before = sandbox.account();
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut after = sandbox.account();
    let note = after
        .notes
        .iter()
        .find(|n| !before.notes.iter().any(|b| b.id == n.id))
        .expect("a migrated note")
        .id
        .clone();
    let task = after
        .tasks
        .iter()
        .find(|t| !before.tasks.iter().any(|b| b.id == t.id))
        .expect("a migrated task")
        .id
        .clone();
    // A person deletes them: the target as it is now, without that note and task.
    after.notes.retain(|n| n.id != note);
    after.tasks.retain(|t| t.id != task);
    let sandbox = ghl_migrate::sandbox::start(after, lagging()).unwrap();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let (code, said) = plan(&project);
    assert_eq!(code, 2, "{said}");
    let plan = project.read_plan();
    assert_eq!(plan.steps.len(), 2, "{:#?}", plan.steps);
    assert_eq!(plan.summary.notes.get("recreate"), Some(&1), "{said}");
    assert_eq!(plan.summary.tasks.get("recreate"), Some(&1), "{said}");
    for id in [&note, &task] {
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains(id.as_str()) && w.contains("creates it again")),
            "{id}: {:#?}",
            plan.warnings
        );
    }
}

/// #15.3: two applies of one migration from two folders (two ledgers) on one machine: the
/// second is refused while the first runs.
#[test]
fn a_second_apply_to_the_same_target_from_another_folder_is_refused() {
    let (a, b) = (Project::new(), Project::new());
    let mut opts = options();
    // The first apply's first write (a field create) never gets an answer: it runs until killed.
    opts.faults = vec!["hang,method=POST,path=/locations/".parse().unwrap()];
    let sandbox = serve(opts);
    a.live_config(&sandbox, "");
    b.live_config(&sandbox, "");
    let mut first = a.spawn(&APPLY, std::process::Stdio::null);
    // The run is begun (the locks are taken) once the ledger records it.
    let ledger = a.path().join(".ghl-migrate/t.sqlite");
    let begun = || {
        ghl_migrate::state::State::open(&ledger, ghl_migrate::state::Access::Read)
            .and_then(|mut s| s.select_latest())
            .is_ok_and(|r| r.is_some())
    };
    while !begun() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Without the lock the second would hang on the same write: give it a bounded time.
    let mut child = b.spawn(&APPLY, std::process::Stdio::piped);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let refused_in_time = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let second = child.wait_with_output().unwrap();
    let _ = first.kill();
    let _ = first.wait();
    assert!(refused_in_time, "the second apply ran: {}", text(&second));
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("another apply is writing to target location"),
        "{said}"
    );
    assert!(
        said.contains(".ghl-migrate/t.sqlite"),
        "names the other ledger: {said}"
    );
    let actual = canonical(&sandbox.account());
    assert!(
        lines_with_multiplicity_over_one(&actual).is_empty(),
        "{actual:#?}"
    );
}

/// The stale check names what a person changed since the plan: the kind, how many, which.
#[test]
fn a_stale_plan_is_refused_naming_what_changed() {
    let project = Project::new();
    let sandbox = serve(lagging());
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    assert_eq!(plan(&project).0, 2);
    // A person renames the existing contact and adds one, between plan and apply.
    let mut after = sandbox.account();
    after.contacts[0].first_name = Some("Renamed".into());
    let mut added = after.contacts[0].clone();
    added.id = "PERSON00000000000001".into();
    added.email = Some("walk-in@acme.test".into());
    added.first_name = Some("Walkin".into());
    after.contacts.push(added);
    let sandbox = ghl_migrate::sandbox::start(after, lagging()).unwrap();
    project.live_config(&sandbox, "  search_lag_ms: 15000\n");
    let out = apply(&project);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("stale plan"), "{said}");
    assert!(
        said.contains("contact: 1 added (Walkin), 1 changed (Renamed)"),
        "{said}"
    );
}

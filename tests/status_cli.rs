//! `status` through the real binary: before any apply, after a stopped one, after a finished one.

#[path = "apply_support/mod.rs"]
mod apply_support;

use apply_support::*;

fn status(project: &Project, format: &str) -> (i32, String) {
    let out = bin()
        .current_dir(project.path())
        .args([
            "status",
            "plans/t.plan.yaml",
            "--state",
            "state.sqlite",
            "--format",
            format,
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn json(project: &Project) -> serde_json::Value {
    let (code, text) = status(project, "json");
    assert_eq!(code, 0, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn status_follows_a_run_from_nothing_to_stopped_to_finished() {
    let project = Project::new();
    let j = json(&project);
    assert_eq!(j["contacts"]["status"], "pending");
    assert_eq!(j["contacts"]["created_count"], 0);
    assert_eq!(j["steps"]["contact"]["pending"], 11);
    let (_, said) = status(&project, "text");
    assert!(said.contains("not applied yet"), "{said}");

    let sandbox = serve(options());
    // One request at a time, so that write 5 is always the second contact: the three fields
    // first, then contacts (with four in flight, a contact can land before the last field).
    let live = project.live_config(&sandbox, "");
    let serial = std::fs::read_to_string(&live)
        .unwrap()
        .replace("max_in_flight: 4", "max_in_flight: 1");
    std::fs::write(&live, serial).unwrap();
    let out = project.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", "5:recorded")]);
    assert_eq!(out.status.code(), None, "{}", text(&out));
    let j = json(&project);
    assert_eq!(j["custom_fields"]["status"], "completed");
    assert_eq!(j["contacts"]["status"], "in_progress");
    assert_eq!(j["opportunities"]["status"], "pending");
    assert_eq!(j["finished"], false);

    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json(&project);
    for kind in ["custom_fields", "pipelines", "contacts", "opportunities"] {
        assert_eq!(j[kind]["status"], "completed", "{kind}: {j}");
    }
    assert_eq!(j["finished"], true);
    let (_, said) = status(&project, "text");
    assert!(said.contains("apply t: complete"), "{said}");
}

#[test]
fn status_of_another_revision_shows_it_unapplied_and_the_history_of_every_run() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    assert_eq!(project.apply(&[], &[]).status.code(), Some(0));
    let (_, said) = status(&project, "json");
    let first: serde_json::Value = serde_json::from_str(&said).unwrap();
    project.edit_plan(another_revision);
    let (code, text) = status(&project, "json");
    assert_eq!(code, 0, "{text}");
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["finished"], false, "{j}");
    assert_ne!(j["revision"], first["revision"], "{j}");
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{j}");
    assert_eq!(runs[0]["run"], 1);
    assert_eq!(runs[0]["revision"], first["revision"], "{j}");
    assert_eq!(runs[0]["state"], "complete", "{j}");
    let (_, said) = status(&project, "text");
    assert!(said.contains("not applied yet"), "{said}");
    assert!(said.contains("#1") && said.contains("complete"), "{said}");
}

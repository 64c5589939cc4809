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
    // Nothing holds the checkpoint: stopped, not "running, or stopped".
    let (_, said) = status(&project, "text");
    assert!(said.contains("stopped early"), "{said}");
    assert!(!said.contains("running"), "{said}");
    assert_eq!(j["state"], "stopped early (`apply --resume` continues it)");
    // Read back from the checkpoint, there is no "this session" to speak of.
    assert!(!said.contains("this session"), "{said}");
    // What the killed session sent is in the ledger: its reads and at least its five writes.
    let killed = j["requests"].as_u64().unwrap();
    assert!(killed >= 5, "{j}");

    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json(&project);
    for kind in ["custom_fields", "pipelines", "contacts", "opportunities"] {
        assert_eq!(j[kind]["status"], "completed", "{kind}: {j}");
    }
    assert_eq!(j["finished"], true);
    // The resume's requests are added to the killed session's, not put in their place.
    assert!(j["requests"].as_u64().unwrap() > killed, "{j}");
    let (_, said) = status(&project, "text");
    assert!(said.contains("apply t: complete"), "{said}");
    // One number for one thing, in both documents, matching the plan's.
    let plan = project.read_plan();
    assert_eq!(
        j["custom_fields"]["mapped_count"],
        j["smart_mapping_report"]["summary"]["fields_mapped"]
    );
    assert_eq!(
        j["custom_fields"]["mapped_count"],
        plan.mapping.fields_mapped
    );
    for (kind, counts) in j["steps"].as_object().unwrap() {
        let by_outcome = &counts["not_in_plan_by_outcome"];
        for (outcome, n) in by_outcome.as_object().unwrap() {
            let summary = match kind.as_str() {
                "custom_field" => &plan.summary.custom_fields,
                "contact" => &plan.summary.contacts,
                _ => &plan.summary.opportunities,
            };
            assert_eq!(
                summary.get(outcome).copied(),
                n.as_u64(),
                "{kind} {outcome}"
            );
            assert!(said.contains(&format!("{outcome} {n}")), "{said}");
        }
    }
}

#[test]
fn status_names_the_process_of_a_running_apply() {
    let project = Project::new();
    let sandbox = serve(options());
    // Slow enough to be running when status looks.
    project.live_config(&sandbox, "  min_delay_ms: 500\n");
    let mut child = project.spawn_apply(std::process::Stdio::null);
    let lock = project.path().join("state.sqlite.lock");
    let begun = std::time::Instant::now();
    while sandbox.stats().writes_committed < 1 {
        assert!(begun.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(lock.exists());
    let (_, said) = status(&project, "text");
    let j = json(&project);
    let _ = child.kill();
    let _ = child.wait();
    let running = format!("running (process {})", child.id());
    assert!(said.contains(&running), "{said}");
    assert_eq!(j["state"], running);
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

/// A source whose second pipeline the target lacks: the plan creates it.
const SOURCE_TWO_PIPELINES: &str = r#"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "pipelines": [
    {"id": "P1", "name": "Sales", "stages": [{"id": "S1", "name": "New"}, {"id": "S2", "name": "Won"}]},
    {"id": "P2", "name": "Renewals", "stages": [{"id": "R1", "name": "Due", "stageWinProbability": 30}]}],
  "contacts": [{"id": "C1", "email": "a@acme.test", "firstName": "Ann"}],
  "opportunities": [
    {"id": "O1", "name": "Renewal A", "pipelineId": "P2", "pipelineStageId": "R1", "status": "open", "contactId": "C1"}]
}"#;

/// Pipelines are created by steps now: their status follows those steps, as every other kind's,
/// instead of always saying "completed".
#[test]
fn the_pipelines_status_follows_their_steps() {
    let project = Project::with_source(SOURCE_TWO_PIPELINES);
    let j = json(&project);
    assert_eq!(j["pipelines"]["status"], "pending", "{j}");
    assert_eq!(j["pipelines"]["created_count"], 0, "{j}");
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json(&project);
    assert_eq!(j["pipelines"]["status"], "completed", "{j}");
    assert_eq!(j["pipelines"]["created_count"], 1, "{j}");
    // A stage the plan counts as created is counted as created, not as an update.
    let plan = project.read_plan();
    assert_eq!(
        plan.summary.stages.get("create"),
        Some(&1),
        "{:?}",
        plan.summary
    );
    assert_eq!(j["steps"]["stage"]["created"], 1, "{j}");
    assert_eq!(j["steps"]["stage"]["updated"], 0, "{j}");
}

//! The adversarial review of #12 (a15): notes and tasks that look alike, over real HTTP
//! against the sandbox with the real binary.

mod apply_support;

use apply_support::*;

/// The apply tests' accounts, where the target contact old@acme.test already holds a note
/// "Existing customer since 2019." (copied by hand) and a task "Renewal call" due 2024-03-01.
/// The source holds each of them twice (a person logs the same words twice, on other days).
fn twice_over() -> Project {
    let source = SOURCE
        .replace(
            r#""notes": ["#,
            r#""notes": [
    {"id": "N6", "contactId": "C10", "body": "Existing customer since 2019.", "dateAdded": "2021-06-01T08:00:00.000Z"},"#,
        )
        .replace(
            r#""tasks": ["#,
            r#""tasks": [
    {"id": "T4", "contactId": "C10", "title": "Renewal call", "dueDate": "2024-03-01T09:00:00.000Z", "completed": false},"#,
        );
    let target = TARGET.replace(
        r#""notes": ["#,
        r#""tasks": [{"id": "TT1aaaaaaaaaaaaaaaaa", "contactId": "TC1aaaaaaaaaaaaaaaaa",
    "title": "Renewal call", "dueDate": "2024-03-01T09:00:00.000Z", "completed": true}],
  "notes": ["#,
    );
    Project::of(&source, &target)
}

fn count_on_old(sandbox: &ghl_migrate::sandbox::Handle) -> (usize, usize) {
    let account = sandbox.account();
    let notes = account
        .notes
        .iter()
        .filter(|n| n.contact_id == "TC1aaaaaaaaaaaaaaaaa")
        .filter(|n| n.body.ends_with("Existing customer since 2019."))
        .count();
    let tasks = account
        .tasks
        .iter()
        .filter(|t| t.contact_id == "TC1aaaaaaaaaaaaaaaaa" && t.title == "Renewal call")
        .count();
    (notes, tasks)
}

/// Two source notes with the same text, one target note with it: one is the copy, the other
/// is still to be written. Before the fix both counted as present and the second was lost
/// (likewise two tasks with one title and due date). A re-plan afterwards has no changes.
#[test]
fn two_source_notes_with_one_text_need_two_on_the_target() {
    let project = twice_over();
    let target: ghl_migrate::model::Account =
        serde_json::from_str(&std::fs::read_to_string(project.path().join("target.json")).unwrap())
            .unwrap();
    let sandbox = ghl_migrate::sandbox::start(target, options()).unwrap();
    project.live_config(&sandbox, "");
    let plan = |detailed: bool| {
        let mut args = vec!["plan", "-c", "live.yaml"];
        if detailed {
            args.push("--detailed-exitcode");
        }
        bin()
            .current_dir(project.path())
            .env(TOKEN_ENV, TOKEN)
            .args(&args)
            .output()
            .unwrap()
    };
    let out = plan(false);
    assert!(out.status.success(), "{}", text(&out));
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(count_on_old(&sandbox), (2, 2), "one of each, twice");

    let out = plan(true);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a re-plan has no changes: {}",
        text(&out)
    );
}

/// Two source tasks with one title and due date on one contact, and the create of one of
/// them fails before it is acted on (a 500). Before the fix its in-doubt lookup listed the
/// contact's tasks, found its twin (sent at the same time, landed) and took it for its own:
/// one task lost, both reported created, exit 0 (2 runs in 3). Twins now run one after the
/// other and a lookup skips the ids its earlier twins own. (Notes with one text, date to the
/// minute and author are twins the same way.)
#[test]
fn an_in_doubt_task_is_not_taken_for_its_twin() {
    let source = SOURCE.replace(
        r#""tasks": ["#,
        r#""tasks": [
    {"id": "T4", "contactId": "C10", "title": "Renewal call", "dueDate": "2024-03-01T09:00:00.000Z", "completed": false},"#,
    );
    for _ in 0..5 {
        let project = Project::with_source(&source);
        let mut opts = options();
        opts.faults = vec![
            "500,method=POST,path=/contacts/TC1aaaaaaaaaaaaaaaaa/tasks,count=1"
                .parse()
                .unwrap(),
        ];
        let sandbox = serve(opts);
        project.live_config(&sandbox, "");
        let out = project.apply(&[], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(count_on_old(&sandbox).1, 2, "both twins are on the target");
    }
}

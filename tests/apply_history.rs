//! Notes and tasks end to end over real HTTP: `plan` reads each migrated contact's history
//! from a live source (V2, and V1), `apply` writes it to the sandbox target, and every source
//! note and task of a migrated contact is then on its target contact exactly once, a note with
//! its original date and author in its header line.

mod apply_support;

use apply_support::*;
use ghl_migrate::model::{Account, Contact};
use ghl_migrate::plan::history::{header, original_text, same_text};
use ghl_migrate::sandbox::{self, FaultKind, FaultRule, Handle};

const SOURCE_TOKEN_ENV: &str = "GHL_HISTORY_SOURCE_TOKEN";

fn source_account() -> Account {
    serde_json::from_str(SOURCE).unwrap()
}

/// The target contact a source contact became: same email, else same phone, else same name.
fn target_of<'a>(source: &Contact, target: &'a Account) -> &'a Contact {
    let email = |c: &Contact| c.email.as_deref().map(str::to_lowercase);
    target
        .contacts
        .iter()
        .find(|t| match (&source.email, &source.phone) {
            (Some(_), _) => email(t) == email(source),
            (None, Some(p)) => t.phone.as_ref() == Some(p),
            (None, None) => t.first_name == source.first_name,
        })
        .unwrap_or_else(|| panic!("source contact {} is not in the target", source.id))
}

/// Every source note and task is on its target contact exactly once, with what the API cannot
/// set written where a person reads it. Returns how many notes and tasks were checked.
fn assert_history_moved(source: &Account, target: &Account) -> (usize, usize) {
    for n in &source.notes {
        let c = source
            .contacts
            .iter()
            .find(|c| c.id == n.contact_id)
            .unwrap();
        let t = target_of(c, target);
        let on: Vec<&str> = target
            .notes
            .iter()
            .filter(|x| x.contact_id == t.id && same_text(original_text(&x.body), &n.body))
            .map(|x| x.body.as_str())
            .collect();
        assert_eq!(on.len(), 1, "note {} on {}: {on:#?}", n.id, t.id);
        if on[0] != "Existing customer since 2019." {
            let author = n.user_id.as_ref().map(|_| "Ann Owner <owner@acme.test>");
            let line = header(n.date_added.as_deref(), author);
            assert!(on[0].starts_with(&format!("{line}\n\n")), "{}", on[0]);
        }
    }
    for s in &source.tasks {
        let c = source
            .contacts
            .iter()
            .find(|c| c.id == s.contact_id)
            .unwrap();
        let t = target_of(c, target);
        let on: Vec<_> = target
            .tasks
            .iter()
            .filter(|x| x.contact_id == t.id && x.title == s.title)
            .collect();
        assert_eq!(on.len(), 1, "task {} on {}", s.id, t.id);
        let x = on[0];
        assert_eq!(
            (&x.body, &x.due_date, x.completed),
            (&s.body, &s.due_date, s.completed),
            "task {}",
            s.id
        );
        // Its assignee (owner@acme.test) has no user in the target: left unassigned.
        assert_eq!(x.assigned_to, None);
    }
    (source.notes.len(), source.tasks.len())
}

#[test]
fn every_note_and_task_is_on_its_target_contact_exactly_once_with_its_date_and_author() {
    let project = Project::new();
    let plan = project.read_plan();
    assert_eq!(plan.summary.notes.get("create"), Some(&4));
    assert_eq!(plan.summary.notes.get("exists"), Some(&1));
    assert_eq!(plan.summary.tasks.get("create"), Some(&3));
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let target = sandbox.account();
    assert_eq!(assert_history_moved(&source_account(), &target), (5, 3));
    // The hand-copied note was not added again: 1 + 4 notes in all.
    assert_eq!(target.notes.len(), 5);
}

/// Plans over a live source (served by its own sandbox over `api`), applies to a V2 target.
fn live_source_then_apply(api: &str) -> (Handle, Handle, String) {
    let source = sandbox::start(source_account(), options()).unwrap();
    let target = serve(options());
    let project = Project::new();
    let url = if api == "v1" {
        source.v1_url()
    } else {
        source.url()
    };
    let config = format!(
        "name: t\nsource:\n  api: {api}\n  location_id: SRC0000000000000000a\n  token_env: \
         {SOURCE_TOKEN_ENV}\n  base_url: {url}\ntarget:\n  api: v2\n  location_id: \
         {TARGET_LOCATION}\n  token_env: {TOKEN_ENV}\n  base_url: {}\nrate_limit:\n  \
         search_lag_ms: 0\n",
        target.url()
    );
    std::fs::write(project.path().join("live.yaml"), config).unwrap();
    let out = bin()
        .current_dir(project.path())
        .env(SOURCE_TOKEN_ENV, TOKEN)
        .env(TOKEN_ENV, TOKEN)
        .args(["plan", "-c", "live.yaml", "--progress", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let progress = String::from_utf8_lossy(&out.stderr).into_owned();
    let out = project.apply(&[], &[(SOURCE_TOKEN_ENV, TOKEN)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    (source, target, progress)
}

#[test]
fn over_a_live_v2_source_the_history_is_read_at_its_announced_cost_and_moved() {
    let (source, target, progress) = live_source_then_apply("v2");
    assert_history_moved(&source_account(), &target.account());
    // 11 migrated source contacts: 11 note lists and one task search, announced before.
    let planned = progress
        .lines()
        .find(|l| l.contains("\"read_planned\"") && l.contains("\"source\""))
        .unwrap_or_else(|| panic!("{progress}"));
    assert!(
        planned.contains("\"contacts\":11,\"requests\":12"),
        "{planned}"
    );
    let done = progress
        .lines()
        .filter(|l| l.contains("\"read_progress\"") && l.contains("\"source\""))
        .count();
    assert_eq!(done, 11, "{progress}");
    let stats = source.stats();
    let notes_reads = stats
        .by_route
        .iter()
        .filter(|(route, _)| route.starts_with("GET /contacts/{id}/notes"))
        .map(|(_, n)| *n)
        .sum::<u64>();
    assert_eq!(notes_reads, 11, "{:?}", stats.by_route);
}

#[test]
fn over_a_live_v1_source_the_history_is_read_contact_by_contact_and_moved() {
    let (_source, target, progress) = live_source_then_apply("v1");
    assert_history_moved(&source_account(), &target.account());
    // V1 has no task search: one notes and one tasks request per contact.
    assert!(
        progress.contains("\"contacts\":11,\"requests\":22"),
        "{progress}"
    );
}

/// The usual source with a long history: 60 more notes and 30 more tasks on its contacts.
fn long_history_source() -> String {
    let mut source: serde_json::Value = serde_json::from_str(SOURCE).unwrap();
    let contacts = ["C1", "C2", "C3", "C4", "C5", "C9", "C10", "C11"];
    for i in 0..60 {
        source["notes"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": format!("LN{i}"), "contactId": contacts[i % contacts.len()],
                "body": format!("Call log {i}: spoke for {i} minutes."), "userId": "U1",
                "dateAdded": format!("2024-04-{:02}T10:00:00.000Z", 1 + i % 28),
            }));
    }
    for i in 0..30 {
        source["tasks"].as_array_mut().unwrap().push(serde_json::json!({
            "id": format!("LT{i}"), "contactId": contacts[i % contacts.len()],
            "title": format!("Follow-up {i}"), "dueDate": format!("2025-05-{:02}T09:00:00.000Z", 1 + i % 28),
            "completed": i % 3 == 0,
        }));
    }
    source.to_string()
}

/// `kill -9` at 24 points of an apply that writes 97 notes and tasks (after the k-th of them
/// has landed, k spread over the run), then `--resume`: every note and task is there exactly
/// once, as after an uninterrupted run.
#[test]
fn kill_9_amid_notes_and_tasks_then_resume_gives_each_exactly_once() {
    let source_text = long_history_source();
    let project = Project::with(&source_text);
    let source: Account = serde_json::from_str(&source_text).unwrap();
    let expected = {
        let sandbox = serve(options());
        project.live_config(&sandbox, "");
        let out = project.apply(&[], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_history_moved(&source, &sandbox.account());
        canonical(&sandbox.account())
    };
    // One of the notes is on the target already.
    let history = |a: &Account| a.notes.len() + a.tasks.len() - 1;
    let planned = source.notes.len() + source.tasks.len() - 1;
    let mut amid = 0;
    let mut bad = vec![];
    let points: Vec<usize> = (0..24).map(|i| 1 + i * 4).collect();
    for &k in &points {
        let mut opts = options();
        opts.latency = Some("2..6".parse().unwrap());
        opts.seed = k as u64;
        let sandbox = serve(opts);
        project.live_config(&sandbox, "");
        let _ = std::fs::remove_file(project.state_path());
        let mut child = project.spawn_apply(std::process::Stdio::null);
        // Until the k-th note or task has landed (or the run is over).
        while history(&sandbox.account()) < k && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let written = history(&sandbox.account());
        if status.code().is_none() && 0 < written && written < planned {
            amid += 1;
        }
        let out = project.apply(&["--resume"], &[]);
        assert_eq!(out.status.code(), Some(0), "after {k}: {}", text(&out));
        let after = sandbox.account();
        if canonical(&after) != expected {
            bad.push(format!(
                "killed after {k} ({written} written): the target differs"
            ));
        }
        assert_history_moved(&source, &after);
    }
    eprintln!(
        "kill -9 amid history: {} points, {amid} killed with some but not all of the {planned} \
         notes and tasks written, {} with a difference",
        points.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

/// A note or task create whose answer is lost (dropped, 504, 500, cut short) is in doubt: it is
/// found by listing that contact's notes or tasks, one request, and never sent twice.
#[test]
fn in_doubt_note_and_task_creates_are_found_by_listing_the_contacts_history() {
    let source_text = long_history_source();
    let project = Project::with(&source_text);
    let source: Account = serde_json::from_str(&source_text).unwrap();
    let expected = {
        let sandbox = serve(options());
        project.live_config(&sandbox, "");
        assert_eq!(project.apply(&[], &[]).status.code(), Some(0));
        canonical(&sandbox.account())
    };
    for kind in [
        FaultKind::Drop,
        FaultKind::GatewayTimeout,
        FaultKind::ServerError,
        FaultKind::Malformed,
    ] {
        let mut opts = options();
        opts.seed = 7;
        let sandbox = serve(opts);
        project.live_config(&sandbox, "");
        let _ = std::fs::remove_file(project.state_path());
        // Past the stale-plan check (a search), so the faults hit only writes and lookups.
        project.begin_and_crash();
        // Some of the writes under /contacts/ (creates, tags, notes, tasks) lose their answer.
        sandbox.set_faults(vec![FaultRule {
            method: Some("POST".into()),
            path_prefix: Some("/contacts/".into()),
            probability: Some(0.2),
            ..FaultRule::new(kind)
        }]);
        // A step whose answer is lost three times in a row stops the run (75): resume it.
        let mut out = project.apply(&["--resume"], &[]);
        for _ in 0..10 {
            if out.status.code() != Some(75) {
                break;
            }
            out = project.apply(&["--resume"], &[]);
        }
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
        let after = sandbox.account();
        assert_eq!(canonical(&after), expected, "{kind:?}");
        assert_history_moved(&source, &after);
        let stats = sandbox.stats();
        let listed = |route: &str| stats.by_route.get(route).copied().unwrap_or(0);
        assert!(
            listed("GET /contacts/{id}/notes") > 0 && listed("GET /contacts/{id}/tasks") > 0,
            "{kind:?}: no note or task was looked up: {:?}",
            stats.by_route
        );
    }
}

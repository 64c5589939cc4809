//! The planner's notes and tasks on literal accounts.

use super::*;
use crate::config::parse;
use crate::model::{Contact, Location, Note, Task, User};
use crate::plan::Counts;
use std::path::Path;

fn config(extra: &str) -> Config {
    let text = format!(
        "name: t\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: fixture\n  path: t.json\n{extra}"
    );
    parse(Path::new("migration.yaml"), &text).unwrap()
}

fn contact(id: &str, email: &str) -> Contact {
    Contact {
        id: id.into(),
        email: Some(email.into()),
        ..Default::default()
    }
}

fn user(id: &str, name: &str, email: &str) -> User {
    User {
        id: id.into(),
        name: name.into(),
        email: Some(email.into()),
    }
}

fn note(id: &str, contact: &str, body: &str, user: Option<&str>) -> Note {
    Note {
        id: id.into(),
        contact_id: contact.into(),
        body: body.into(),
        user_id: user.map(String::from),
        date_added: Some("2024-03-14T09:30:12.345Z".into()),
    }
}

fn task(id: &str, contact: &str, title: &str, due: Option<&str>, user: Option<&str>) -> Task {
    Task {
        id: id.into(),
        contact_id: contact.into(),
        title: title.into(),
        due_date: due.map(String::from),
        assigned_to: user.map(String::from),
        completed: true,
        ..Default::default()
    }
}

/// Jane exists in the target (with a hand-copied note and a task), Bob is new, Carl is
/// filtered out.
fn accounts() -> (Account, Account) {
    let mut carl = contact("s3", "carl@acme.test");
    carl.tags = vec!["skip-me".into()];
    let source = Account {
        location: Location {
            id: "SRC".into(),
            name: "Source".into(),
        },
        users: vec![
            user("su1", "Ava Stone", "ava@acme.test"),
            user("su2", "Olaf Berg", "olaf@acme.test"),
        ],
        contacts: vec![
            contact("s1", "jane@acme.test"),
            contact("s2", "bob@acme.test"),
            carl,
        ],
        notes: vec![
            note(
                "n1",
                "s1",
                "Prefers calls after 3pm.\nAsked for pricing.",
                Some("su1"),
            ),
            note("n2", "s1", "Renewal next month.", Some("su2")),
            note("n3", "s2", "Met at the fair.", None),
            note("n4", "s3", "Filtered.", None),
            note("n5", "s2", "   ", None),
        ],
        tasks: vec![
            task(
                "t1",
                "s1",
                "Send quote",
                Some("2024-01-19T17:00:00.000Z"),
                Some("su1"),
            ),
            task(
                "t2",
                "s2",
                "Call back",
                Some("2024-02-01T09:00:00.000Z"),
                Some("su2"),
            ),
            task("t3", "s2", "No date", None, None),
        ],
        ..Default::default()
    };
    let target = Account {
        location: Location {
            id: "TGT".into(),
            name: "Target".into(),
        },
        users: vec![user("tu1", "Ava Stone", "AVA@acme.test")],
        contacts: vec![contact("t1", "jane@acme.test")],
        notes: vec![note(
            "x1",
            "t1",
            "  Prefers calls after 3pm.\r\nAsked for pricing. ",
            None,
        )],
        tasks: vec![task(
            "y1",
            "t1",
            "Send quote",
            Some("2024-01-19T17:00:00Z"),
            None,
        )],
        ..Default::default()
    };
    (source, target)
}

fn plan(extra: &str) -> Plan {
    let (source, target) = accounts();
    let config = config(extra);
    build(PlanInput {
        config: &config,
        source: &source,
        target: &target,
    })
    .unwrap()
}

fn step<'a>(plan: &'a Plan, id: &str) -> &'a Step {
    plan.steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

const FILTER: &str = "filters:\n  contacts:\n    skip_tags: [skip-me]\n";

#[test]
fn notes_the_target_lacks_are_created_after_their_contact_with_date_and_author() {
    let plan = plan(FILTER);
    let counts = |c: &Counts| {
        c.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        counts(&plan.summary.notes),
        ["blocked=1", "create=2", "exists=1"]
    );
    let Action::CreateNote(n) = &step(&plan, "note/t1/n2").action else {
        panic!()
    };
    assert_eq!(
        n.contact, "t1",
        "an existing contact is referred to by its id"
    );
    assert_eq!(
        n.body,
        "[migrated] originally added 2024-03-14 09:30 UTC by Olaf Berg <olaf@acme.test>\n\nRenewal next month."
    );
    assert_eq!(n.user_id, None, "Olaf has no target user");
    let s = step(&plan, "note/bob@acme.test/n3");
    let Action::CreateNote(n) = &s.action else {
        panic!()
    };
    assert_eq!(n.contact, "contact/bob@acme.test");
    assert_eq!(s.after, ["contact/bob@acme.test"]);
    // The note comes after its contact in the plan.
    let at = |id: &str| plan.steps.iter().position(|s| s.id == id).unwrap();
    assert!(at("contact/bob@acme.test") < at("note/bob@acme.test/n3"));
    assert!(
        plan.not_done
            .iter()
            .any(|d| d.id == "note/bob@acme.test/n5")
    );
}

#[test]
fn tasks_keep_everything_and_an_unmapped_assignee_is_a_warning_with_a_count() {
    let plan = plan(FILTER);
    assert_eq!(plan.summary.tasks.get("create"), Some(&1));
    assert_eq!(plan.summary.tasks.get("exists"), Some(&1));
    assert_eq!(plan.summary.tasks.get("blocked"), Some(&1));
    let Action::CreateTask(t) = &step(&plan, "task/bob@acme.test/t2").action else {
        panic!()
    };
    assert_eq!(
        (t.title.as_str(), t.due_date.as_str(), t.completed),
        ("Call back", "2024-02-01T09:00:00.000Z", true)
    );
    assert_eq!(t.assigned_to, None);
    assert!(
        plan.warnings.contains(
            &"user olaf@acme.test has no counterpart in the target: 1 task left unassigned"
                .to_string()
        ),
        "{:?}",
        plan.warnings
    );
    let blocked = plan
        .not_done
        .iter()
        .find(|d| d.id == "task/bob@acme.test/t3")
        .unwrap();
    assert!(blocked.reason.contains("no due date"), "{}", blocked.reason);
}

#[test]
fn a_filter_in_objects_leaves_notes_and_tasks_out() {
    let plan = plan("objects: [custom_fields, pipelines, contacts, opportunities]\n");
    assert!(
        plan.steps
            .iter()
            .all(|s| !matches!(s.action.kind(), "note" | "task"))
    );
    // Not counted either: a live plan does not read what it leaves out.
    assert!(plan.summary.notes.is_empty() && plan.summary.tasks.is_empty());
}

#[test]
fn the_history_scope_is_the_migrated_contacts_and_their_matches() {
    let (source, target) = accounts();
    let (from, to) = history_scope(&config(FILTER), &source, &target);
    assert_eq!(from.contacts, ["s1", "s2"]);
    assert_eq!(to.contacts, ["t1"]);
    assert!(from.notes && from.tasks);
    let (from, _) = history_scope(&config("objects: [contacts]\n"), &source, &target);
    assert!(from.contacts.is_empty());
}

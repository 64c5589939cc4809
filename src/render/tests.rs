use super::*;
use crate::plan::file::{sample, validate};
use crate::plan::{
    Action, ContactCreate, NotDone, NoteCreate, OpportunityCreate, Step, TaskCreate,
};

#[test]
fn text_snapshot() {
    insta::assert_snapshot!(render(&sample::plan(), Format::Text));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(render(&sample::plan(), Format::Markdown));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(render(&sample::plan(), Format::Json));
}

#[test]
fn json_holds_the_same_plan_as_the_yaml() {
    let plan = sample::plan();
    let back: Plan = serde_json::from_str(&render(&plan, Format::Json)).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn renderings_are_stable() {
    for format in [Format::Text, Format::Markdown, Format::Json] {
        assert_eq!(
            render(&sample::plan(), format),
            render(&sample::plan(), format)
        );
    }
}

/// The sample grown to `contacts` contact steps (each with an opportunity every tenth),
/// plus many warnings and not-done entries.
fn big_plan(contacts: usize) -> Plan {
    let mut plan = sample::plan();
    for i in 0..contacts {
        let email = format!("person{i:05}@example.test");
        let contact = format!("contact/{email}");
        plan.steps.push(Step {
            id: contact.clone(),
            action: Action::CreateContact(ContactCreate {
                identity: "email".into(),
                source_id: format!("src-{i}"),
                fields: [("email".to_string(), email.clone())].into(),
                tags: vec!["imported".into()],
                ..Default::default()
            }),
            after: vec![],
        });
        if i % 10 == 0 {
            plan.steps.push(Step {
                id: format!("opportunity/deal-{i}-{email}"),
                action: Action::CreateOpportunity(OpportunityCreate {
                    name: format!("Deal {i}"),
                    contact: contact.clone(),
                    pipeline_id: "P".into(),
                    pipeline_stage_id: "S".into(),
                    stage: "Sales / New".into(),
                    monetary_value: Some(100.0),
                    source_id: format!("opp-{i}"),
                    ..Default::default()
                }),
                after: vec![contact.clone()],
            });
        }
        // Each contact's history: a long note, and a task every fifth contact.
        plan.steps.push(Step {
            id: format!("note/{email}/n{i}"),
            action: Action::CreateNote(NoteCreate {
                contact: contact.clone(),
                body: format!(
                    "[migrated] originally added 2024-01-01 09:00 UTC\n\n{}",
                    "Called. ".repeat(200)
                ),
                source_id: format!("n{i}"),
                ..Default::default()
            }),
            after: vec![contact.clone()],
        });
        if i % 5 == 0 {
            plan.steps.push(Step {
                id: format!("task/{email}/t{i}"),
                action: Action::CreateTask(TaskCreate {
                    contact: contact.clone(),
                    title: "Call back".into(),
                    due_date: "2025-01-01T09:00:00.000Z".into(),
                    source_id: format!("t{i}"),
                    ..Default::default()
                }),
                after: vec![contact],
            });
        }
    }
    for i in 0..contacts / 20 {
        plan.warnings
            .push(format!("contact {i}: phone number not in E.164"));
        plan.not_done.push(NotDone {
            id: format!("contact/skipped{i}@example.test"),
            outcome: "skipped".into(),
            reason: "has the tag `do-not-migrate`".into(),
        });
    }
    // The summary announces what the steps hold.
    let count = |action: &str| {
        plan.steps
            .iter()
            .filter(|s| s.action.name() == action)
            .count() as u64
    };
    let (contacts, opportunities) = (count("create_contact"), count("create_opportunity"));
    plan.summary.contacts.insert("create".into(), contacts);
    plan.summary
        .opportunities
        .insert("create".into(), opportunities);
    let (notes, tasks) = (count("create_note"), count("create_task"));
    plan.summary.notes.insert("create".into(), notes);
    plan.summary.tasks.insert("create".into(), tasks);
    validate(&plan).expect("the big plan is valid");
    plan
}

/// How many entries a cut note says were left out, for `noun`.
fn cut_count(markdown: &str, noun: &str) -> usize {
    let tail = format!(" more {noun} not shown (see the plan file)");
    let line = markdown
        .lines()
        .find(|l| l.starts_with("… and ") && l.ends_with(&tail))
        .unwrap_or_else(|| panic!("no cut note for {noun}"));
    line["… and ".len()..line.len() - tail.len()]
        .replace(',', "")
        .parse()
        .unwrap()
}

#[test]
fn a_ten_thousand_contact_plan_fits_a_comment_and_says_what_was_cut() {
    let plan = big_plan(10_000);
    let md = render(&plan, Format::Markdown);
    assert!(
        md.chars().count() <= markdown::COMMENT_LIMIT,
        "{}",
        md.chars().count()
    );
    assert!(md.contains("This plan is too long for one comment"));
    let contact_steps = plan
        .steps
        .iter()
        .filter(|s| s.action.kind() == "contact")
        .count();
    let shown = md
        .lines()
        .filter(|l| l.starts_with("+ contact/") || l.starts_with("~ contact/"))
        .count();
    assert!(shown > 0);
    assert_eq!(shown + cut_count(&md, "contact steps"), contact_steps);
    let of_kind = |kind: &str| {
        plan.steps
            .iter()
            .filter(|s| s.action.kind() == kind)
            .count()
    };
    let opportunities = of_kind("opportunity");
    let shown = md
        .lines()
        .filter(|l| l.starts_with("+ opportunity/"))
        .count();
    assert_eq!(shown + cut_count(&md, "opportunity steps"), opportunities);
    // Notes and tasks are cut the same way, each on one short line.
    for (kind, prefix) in [("note", "+ note/"), ("task", "+ task/")] {
        let lines: Vec<&str> = md.lines().filter(|l| l.starts_with(prefix)).collect();
        assert!(!lines.is_empty(), "{kind}");
        assert!(
            lines.iter().all(|l| l.chars().count() < 160),
            "{kind}: {lines:?}"
        );
        assert_eq!(
            lines.len() + cut_count(&md, &format!("{kind} steps")),
            of_kind(kind)
        );
    }
    // Small lists stay whole.
    assert!(md.contains("+ custom_field/deal-source"));
    assert!(md.contains("**blocked** (1)"));
    // The summary is never cut.
    assert!(md.contains("#### Summary"));
}

#[test]
fn a_small_plan_is_not_cut() {
    let md = render(&sample::plan(), Format::Markdown);
    assert!(!md.contains("not shown"));
    assert!(!md.contains("too long"));
}

#[test]
fn text_lists_every_step_on_one_line() {
    let text = render(&big_plan(50), Format::Text);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("  + contact/person"))
            .count(),
        50
    );
}

fn empty_plan() -> Plan {
    let mut plan = sample::plan();
    plan.steps.clear();
    plan.not_done.clear();
    plan.warnings.clear();
    plan.summary = Default::default();
    plan.mapping = Default::default();
    plan
}

#[test]
fn an_empty_plan_renders_in_every_format() {
    let plan = empty_plan();
    let text = render(&plan, Format::Text);
    assert!(text.contains("no steps\nnothing left out\n"), "{text}");
    assert!(text.ends_with("Steps (0)\n"), "{text}");
    let md = render(&plan, Format::Markdown);
    assert!(md.contains("**no steps** · **nothing left out**"), "{md}");
    assert!(!md.contains("<details>"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&render(&plan, Format::Json)).unwrap();
    assert_eq!(json["steps"], serde_json::json!([]));
}

#[test]
fn markdown_cannot_be_broken_by_what_a_plan_holds() {
    let mut plan = sample::plan();
    plan.warnings = vec!["</details><script>x</script>\nsecond line".into()];
    plan.mapping.fields[0].source = "a | b".into();
    if let Action::CreateField(f) = &mut plan.steps[0].action {
        f.name = "has ``` a fence".into();
    }
    let md = render(&plan, Format::Markdown);
    assert!(md.contains("- &lt;/details&gt;&lt;script&gt;x&lt;/script&gt; second line\n"));
    assert!(md.contains("| field | a \\| b |"));
    assert!(md.contains("\n````diff\n+ custom_field/interests"), "{md}");
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn the_text_overview_is_the_rendering_without_its_steps() {
    let plan = sample::plan();
    let overview = text::overview(&plan);
    assert!(!overview.contains("Steps ("));
    assert!(render(&plan, Format::Text).starts_with(&overview));
}

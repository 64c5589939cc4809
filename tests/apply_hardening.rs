//! Hardening found by an adversarial review (issue 15): shared phones, writes that land late,
//! resumes against another location, merges after a person's edit, edited merge targets.

mod apply_support;

use apply_support::*;
use ghl_migrate::sandbox::{FaultKind, FaultRule};

/// A household: Ann has an email and a phone; Bob has only the same phone. Ann's email sorts
/// before Bob's phone, so that (one step at a time) she is created first and is the contact the
/// duplicate lookup names for that phone.
const HOUSEHOLD: &str = r##"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "customFields": [], "pipelines": [],
  "contacts": [
    {"id": "C1", "email": "#ann@home.test", "phone": "+15550100", "firstName": "Ann"},
    {"id": "C2", "phone": "+15550100", "firstName": "Bob"}
  ],
  "opportunities": []
}"##;

const ONE_AT_A_TIME: (&str, &str) = ("MIGRATION_BATCH_SIZE", "1");

fn contacts_named(project_account: &ghl_migrate::model::Account, name: &str) -> usize {
    project_account
        .contacts
        .iter()
        .filter(|c| c.first_name.as_deref() == Some(name))
        .count()
}

/// A phone-only contact whose phone another contact of the run holds is found again on resume
/// (the duplicate lookup names only one contact per phone: the other one).
#[test]
fn a_phone_only_contact_sharing_a_phone_is_created_once_after_a_crash_at_any_point() {
    let project = Project::with_source(HOUSEHOLD);
    let steps = project.read_plan().steps.len();
    for hook in (1..=steps).flat_map(|w| ["sent", "recorded"].map(|p| format!("{w}:{p}"))) {
        let sandbox = serve(options());
        project.live_config(&sandbox, "");
        let _ = std::fs::remove_file(project.state_path());
        let out = project.apply(&[], &[ONE_AT_A_TIME, ("GHL_MIGRATE_TEST_ABORT", &hook)]);
        assert_eq!(out.status.code(), None, "{hook}: {}", text(&out));
        let out = project.apply(&["--resume"], &[ONE_AT_A_TIME]);
        assert_eq!(out.status.code(), Some(0), "{hook}: {}", text(&out));
        let account = sandbox.account();
        assert_eq!(contacts_named(&account, "Ann"), 1, "{hook}");
        assert_eq!(contacts_named(&account, "Bob"), 1, "{hook}");
    }
}

/// The same household with both creates' answers lost (504 after the commit), in one run.
#[test]
fn a_phone_only_contact_sharing_a_phone_is_created_once_when_answers_are_lost() {
    let project = Project::with_source(HOUSEHOLD);
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    project.begin_and_crash();
    sandbox.set_faults(vec![FaultRule {
        method: Some("POST".into()),
        path_prefix: Some("/contacts/".into()),
        count: Some(2),
        ..FaultRule::new(FaultKind::GatewayTimeout)
    }]);
    let out = project.apply(&["--resume"], &[ONE_AT_A_TIME]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let account = sandbox.account();
    assert_eq!(contacts_named(&account, "Ann"), 1);
    assert_eq!(contacts_named(&account, "Bob"), 1);
}

/// A create that reaches the server after the client gave up on it (held 1.5 s, timeout 1 s,
/// search lag 0.3 s) is found by the lookup, which waits until such a write can no longer land
/// (`late_write_ms` after it was sent) and the search shows it: nothing is sent twice.
#[test]
fn a_create_that_lands_after_the_client_gave_up_is_not_sent_again() {
    const DELAY_MS: u64 = 1_500;
    let project = Project::new();
    let expected = expected_target();
    let sandbox = serve(ghl_migrate::sandbox::Options {
        search_lag_ms: 300,
        ..options()
    });
    project.live_config(
        &sandbox,
        "  timeout_ms: 1000\n  search_lag_ms: 300\n  late_write_ms: 3000\n",
    );
    project.begin_and_crash();
    let late = |prefix: &str| FaultRule {
        method: Some("POST".into()),
        path_prefix: Some(prefix.into()),
        count: Some(1),
        delay_ms: Some(DELAY_MS),
        ..FaultRule::new(FaultKind::Late)
    };
    sandbox.set_faults(vec![late("/contacts/"), late("/opportunities/")]);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(sandbox.stats().faults_injected, 2);
    // Every late request arrived before the apply ended: after its delay, it has landed.
    std::thread::sleep(std::time::Duration::from_millis(DELAY_MS));
    assert_eq!(canonical(&sandbox.account()), expected, "{}", text(&out));
}

/// Stops a run once its first two steps (the fields it creates) are recorded.
fn stop_after_the_fields(project: &Project) {
    let plan = project.read_plan();
    assert!(
        plan.steps[..2]
            .iter()
            .all(|s| s.id.starts_with("custom_field/")),
        "{:?}",
        plan.steps.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    let out = project.apply(
        &[],
        &[ONE_AT_A_TIME, ("GHL_MIGRATE_TEST_ABORT", "3:intent")],
    );
    assert_eq!(out.status.code(), None, "{}", text(&out));
}

/// Resumes against `other` and expects a refusal before any write.
fn resume_is_refused(project: &Project, other: &ghl_migrate::sandbox::Handle) {
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("does not look like the location this run wrote to"),
        "{}",
        text(&out)
    );
    assert_eq!(other.stats().writes_committed, 0);
}

/// A V2 copy of the target (same location id, same contacts) after a run that had created only
/// fields: the location read and the merge target cannot tell them apart; the created fields can.
#[test]
fn a_resume_against_a_v2_copy_after_only_fields_were_created_is_refused() {
    let project = Project::new();
    let written = serve(options());
    project.live_config(&written, "");
    stop_after_the_fields(&project);
    let copy = serve(options());
    project.live_config(&copy, "");
    resume_is_refused(&project, &copy);
    project.live_config(&written, "");
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A V1 key of another location (its `GET /locations/<id>` answers 403, as a key that may not
/// read its own location would) whose location holds the same contacts.
#[test]
fn a_resume_with_a_v1_key_of_another_location_is_refused() {
    let project = Project::new();
    let written = serve(options());
    project.live_config_v1(&written);
    stop_after_the_fields(&project);
    let mut account = target_account();
    account.location.id = "OTHER000000000000000".into();
    let other = ghl_migrate::sandbox::start(account, options()).unwrap();
    project.live_config_v1(&other);
    resume_is_refused(&project, &other);
}

fn merge_target(account: &ghl_migrate::model::Account) -> ghl_migrate::model::Contact {
    account
        .contacts
        .iter()
        .find(|c| c.id == "TC1aaaaaaaaaaaaaaaaa")
        .cloned()
        .unwrap()
}

/// A person sets the phone the merge would fill while the run is stopped: the resumed merge
/// reads the contact right before it writes and keeps the person's value.
#[test]
fn a_resumed_merge_keeps_a_value_a_person_set_since() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    project.begin_and_crash();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let edit = ghl_migrate::ghl::ContactWrite {
        phone: Some("+15559999".into()),
        ..Default::default()
    };
    rt.block_on(ghl_migrate::ghl::Ghl::update_contact(
        sandbox.memory.as_ref(),
        "TC1aaaaaaaaaaaaaaaaa",
        &edit,
    ))
    .unwrap();
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let merged = merge_target(&sandbox.account());
    assert_eq!(merged.phone.as_deref(), Some("+15559999"));
    assert!(merged.tags.contains(&"vip".to_string()), "{merged:?}");
}

/// A plan whose merge `into:` was edited to name an unrelated contact: that step fails with
/// its reason and the stranger is left untouched.
#[test]
fn a_merge_into_a_contact_that_does_not_hold_the_matched_email_is_refused() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stranger = rt
        .block_on(ghl_migrate::ghl::Ghl::create_contact(
            sandbox.memory.as_ref(),
            &ghl_migrate::ghl::ContactWrite {
                email: Some("stranger@else.test".into()),
                ..Default::default()
            },
        ))
        .unwrap();
    let live = ghl_migrate::plan::fingerprint::account(&sandbox.account());
    project.edit_plan(|plan| {
        plan.target.fingerprint = live;
        for step in &mut plan.steps {
            if let ghl_migrate::plan::Action::MergeContact(m) = &mut step.action {
                m.into = stranger.id.clone();
            }
        }
    });
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("failed contact/old@acme.test")
            && said.contains("does not hold the email old@acme.test"),
        "{said}"
    );
    let after = sandbox
        .account()
        .contacts
        .into_iter()
        .find(|c| c.id == stranger.id)
        .unwrap();
    assert_eq!(after.phone, None);
    assert!(after.tags.is_empty(), "{after:?}");
}

/// Odd source records: an opportunity with a negative value, one with a blank name.
const ODD_DEALS: &str = r#"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "customFields": [],
  "pipelines": [{"id": "P1", "name": "Sales", "stages": [{"id": "S1", "name": "New"}]}],
  "contacts": [{"id": "C1", "email": "a@acme.test", "firstName": "Ann"}],
  "opportunities": [
    {"id": "O1", "name": "Refund", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C1", "monetaryValue": -50},
    {"id": "O2", "name": "  ", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C1"},
    {"id": "O3", "name": "Fine", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C1", "monetaryValue": 10}
  ]
}"#;

/// One odd record makes one adjusted or blocked step with its reason, never a plan that
/// `show` and `apply` refuse as a whole.
#[test]
fn odd_source_opportunities_become_one_adjusted_or_blocked_step_each() {
    let project = Project::with_source(ODD_DEALS);
    let plan = std::fs::read_to_string(project.plan_path()).unwrap();
    assert!(plan.contains("O2") && plan.contains("no name"), "{plan}");
    assert!(plan.contains("-50"), "{plan}");
    let show = bin()
        .current_dir(project.path())
        .args(["show", "plans/t.plan.yaml"])
        .output()
        .unwrap();
    assert_eq!(show.status.code(), Some(0), "{}", text(&show));
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let deals = sandbox.account().opportunities;
    assert_eq!(deals.len(), 2, "{deals:?}");
    let refund = deals.iter().find(|o| o.name == "Refund").unwrap();
    assert_eq!(refund.monetary_value, None);
}

/// A phone with an extension: E.164 cannot hold it, and the plan says so instead of dropping
/// it silently.
#[test]
fn a_phone_extension_that_cannot_be_written_is_warned_about() {
    let project = Project::with_source(
        r#"{"location": {"id": "SRC0000000000000000a", "name": "Source"},
            "contacts": [{"id": "C1", "email": "a@acme.test", "phone": "555-010-2002 x23"}]}"#,
    );
    let plan = project.read_plan();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("extension") && w.contains("contact/a@acme.test")),
        "{:?}",
        plan.warnings
    );
}

//! The live API as it behaves (ghl-api.md §7), over real HTTP against the sandbox in its live
//! shapes: the demo migrated from V2 and V1 sources keeps every address and birth date and
//! overwrites nothing in a merge; a V1 source's opportunity values are a warning with a count;
//! a create answered 422 after it landed is looked up, not duplicated.

mod apply_support;

use std::path::Path;

use apply_support::{Project, canonical, expected_target, options, serve, text};
use assert_cmd::Command;
use ghl_migrate::model::{Account, Contact};
use ghl_migrate::sandbox::{self, Handle, Options, RateLimit, TokenConfig};

const SOURCE_TOKEN: &str = "live-source-token-1";
const TARGET_TOKEN: &str = "live-target-token-2";
const TARGET_STREET: &str = "1 Target Street";

fn demo(file: &str) -> Account {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo")
        .join(file);
    ghl_migrate::fixture::load(&path).unwrap()
}

fn start(account: Account, token: &str) -> Handle {
    sandbox::start(
        account,
        Options {
            tokens: vec![TokenConfig::new(token)],
            rate: RateLimit {
                max: 10_000,
                interval_ms: 1_000,
            },
            ..Options::default()
        },
    )
    .unwrap()
}

/// The demo target, where the contact the source's Olivia Martin merges into already has a
/// street address of its own.
fn target_with_an_address() -> Account {
    let mut target = demo("target.json");
    let olivia = target
        .contacts
        .iter_mut()
        .find(|c| c.email.as_deref() == Some("olivia.martin@example.com"))
        .unwrap();
    assert!(olivia.address1.is_none());
    olivia.address1 = Some(TARGET_STREET.into());
    target
}

fn side(api: &str, handle: &Handle, var: &str) -> String {
    let url = if api == "v1" {
        handle.v1_url()
    } else {
        handle.url()
    };
    let location = handle.account().location.id;
    format!("  api: {api}\n  location_id: {location}\n  token_env: {var}\n  base_url: {url}\n")
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir)
        .env("GHL_SOURCE_TOKEN", SOURCE_TOKEN)
        .env("GHL_TARGET_TOKEN", TARGET_TOKEN)
        .args(args)
        .output()
        .unwrap()
}

fn key(c: &Contact) -> Option<String> {
    c.email
        .as_deref()
        .map(|e| e.trim().to_lowercase())
        .or(c.phone.clone())
}

/// Plans and applies the demo from a live source (`v1` or `v2`) to a live V2 target; returns the
/// plan's text and the target afterwards.
fn migrate_demo(source_api: &str) -> (String, Account) {
    let source = start(demo("source.json"), SOURCE_TOKEN);
    let target = start(target_with_an_address(), TARGET_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "name: demo\nsource:\n{}target:\n{}existing_contacts: merge\nrate_limit:\n  search_lag_ms: 0\n",
        side(source_api, &source, "GHL_SOURCE_TOKEN"),
        side("v2", &target, "GHL_TARGET_TOKEN")
    );
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let out = run(dir.path(), &["plan", "-o", "demo.plan.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = std::fs::read_to_string(dir.path().join("demo.plan.yaml")).unwrap();
    let out = run(
        dir.path(),
        &["apply", "demo.plan.yaml", "--state", "state.sqlite"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    (plan, target.account())
}

/// Every source address and birth date is in the target (in the contact it became, or kept
/// where the target had one); the target's own street address is not overwritten.
fn assert_addresses_and_birth_dates_arrived(after: &Account) {
    let source = demo("source.json");
    let by_key: std::collections::HashMap<String, &Contact> = after
        .contacts
        .iter()
        .filter_map(|c| Some((key(c)?, c)))
        .collect();
    let mut seen = std::collections::HashMap::new();
    for k in source.contacts.iter().filter_map(key) {
        *seen.entry(k).or_insert(0) += 1;
    }
    let (mut addresses, mut births) = (0, 0);
    for c in &source.contacts {
        // A contact duplicated in the source is reported in the plan, not migrated twice.
        let Some(k) = key(c).filter(|k| seen[k] == 1) else {
            continue;
        };
        let Some(t) = by_key.get(&k) else { continue };
        if let Some(address) = &c.address1 {
            addresses += 1;
            let expected = if t.address1.as_deref() == Some(TARGET_STREET) {
                TARGET_STREET
            } else {
                address.as_str()
            };
            assert_eq!(t.address1.as_deref(), Some(expected), "{k}");
        }
        if let Some(born) = &c.date_of_birth {
            births += 1;
            assert_eq!(t.date_of_birth.as_deref(), Some(born.as_str()), "{k}");
        }
    }
    assert!(addresses >= 100, "only {addresses} addresses checked");
    assert!(births >= 15, "only {births} birth dates checked");
    let olivia = &by_key["olivia.martin@example.com"];
    assert_eq!(olivia.address1.as_deref(), Some(TARGET_STREET));
}

#[test]
fn from_a_v2_source_every_address_and_birth_date_arrives_and_no_merge_overwrites() {
    let (plan, after) = migrate_demo("v2");
    assert_addresses_and_birth_dates_arrived(&after);
    assert!(!plan.contains(TARGET_STREET), "the merge must not touch it");
    // A FLOAT field the V2 target would refuse is created as NUMERICAL, and the plan says so.
    assert!(
        plan.contains("does not document FLOAT for a new field; it is created as NUMERICAL"),
        "{plan}"
    );
    assert!(!plan.contains("dataType: FLOAT"));
}

#[test]
fn from_a_v1_source_too_and_the_lost_opportunity_values_are_a_warning_with_a_count() {
    let (plan, after) = migrate_demo("v1");
    assert_addresses_and_birth_dates_arrived(&after);
    let warning = plan
        .lines()
        .find(|l| l.contains("does not return opportunity custom-field values"))
        .unwrap_or_else(|| panic!("no warning for the V1 opportunity values:\n{plan}"));
    assert!(
        warning.contains("`Deal Source`") && warning.contains(" opportunities this plan creates"),
        "{warning}"
    );
    let creates = plan.matches("create_opportunity:").count();
    assert!(creates > 0);
    assert!(
        warning.contains(&format!("the {creates} opportunities")),
        "{warning}"
    );
}

#[test]
fn a_create_answered_422_after_it_landed_is_looked_up_and_not_sent_twice() {
    let expected = expected_target();
    let project = Project::new();
    let sandbox = serve(options());
    sandbox.set_faults(vec![
        "422,method=POST,path=/contacts/$,count=2".parse().unwrap(),
    ]);
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected, "{}", text(&out));
}

/// How many values the account holds for fields of `data_type`.
fn values_of(account: &Account, data_type: &str) -> usize {
    let ids: Vec<&str> = account
        .custom_fields
        .iter()
        .filter(|f| f.data_type.as_str() == data_type)
        .map(|f| f.id.as_str())
        .collect();
    account
        .contacts
        .iter()
        .flat_map(|c| &c.custom_fields)
        .filter(|v| ids.contains(&v.id.as_str()))
        .count()
}

/// The demo planned from its source fixture to a live target that stores `wrong` writes
/// wrong; applies it and returns the folder, the target and the apply's output.
fn apply_demo_to_a_wrong_target(wrong: &str) -> (tempfile::TempDir, Handle, std::process::Output) {
    let target = start(demo("target.json"), TARGET_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/source.json"),
        dir.path().join("source.json"),
    )
    .unwrap();
    let config = format!(
        "name: demo\nsource:\n  api: fixture\n  path: source.json\ntarget:\n{}\
         existing_contacts: merge\nrate_limit:\n  search_lag_ms: 0\n  late_write_ms: 500\n  max_in_flight: 8\n",
        side("v2", &target, "GHL_TARGET_TOKEN")
    );
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let out = run(dir.path(), &["plan", "-o", "demo.plan.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    apply_support::admin_post(
        &target,
        "/_sandbox/faults",
        &format!(r#"{{"wrongWrites": ["{wrong}"]}}"#),
    );
    let out = run(
        dir.path(),
        &["apply", "demo.plan.yaml", "--state", "state.sqlite"],
    );
    (dir, target, out)
}

#[test]
fn a_date_stored_wrong_stops_the_run_before_a_second_one_and_the_resume_finishes() {
    let before = values_of(&demo("target.json"), "DATE");
    let (dir, target, out) = apply_demo_to_a_wrong_target("date");
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        err.contains("its DATE value") && err.contains("sent \"") && err.contains("read back \""),
        "{err}"
    );
    assert!(err.contains("apply --resume"), "{err}");
    // Exactly one DATE value was written (wrong); every other waited and was not sent.
    assert_eq!(values_of(&target.account(), "DATE"), before + 1, "{err}");

    apply_support::admin_post(&target, "/_sandbox/faults", r#"{"wrongWrites": []}"#);
    let out = run(
        dir.path(),
        &[
            "apply",
            "demo.plan.yaml",
            "--state",
            "state.sqlite",
            "--resume",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(values_of(&target.account(), "DATE") > before + 10);
}

#[test]
fn a_textbox_list_stored_wrong_stops_the_run_too() {
    let before = values_of(&demo("target.json"), "TEXTBOX_LIST");
    let (_dir, target, out) = apply_demo_to_a_wrong_target("textbox-list");
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        err.contains("`Social Profiles`, its TEXTBOX_LIST value"),
        "{err}"
    );
    assert_eq!(values_of(&target.account(), "TEXTBOX_LIST"), before + 1);
}

#[test]
fn picklist_options_ignored_on_a_field_create_stop_the_run_before_a_second_field() {
    let source = r#"{
      "location": {"id": "SRC0000000000000000a", "name": "Source"},
      "customFields": [
        {"id": "F1", "name": "Plan", "dataType": "SINGLE_OPTIONS", "picklistOptions": ["Basic", "Pro"]},
        {"id": "F2", "name": "Channels", "dataType": "MULTIPLE_OPTIONS", "picklistOptions": ["Email", "SMS"]}
      ],
      "contacts": [{"id": "C1", "email": "a@acme.test", "customFields": [{"id": "F1", "value": "Pro"}]}]
    }"#;
    let before = serve(options()).account().custom_fields.len();
    let (dir, target, out) = apply_to_a_wrong_target(source, "options");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("its picklist options"),
        "{}",
        text(&out)
    );
    assert_eq!(target.account().custom_fields.len(), before + 1);

    apply_support::admin_post(&target, "/_sandbox/faults", r#"{"wrongWrites": []}"#);
    let out = in_folder(
        &dir,
        &[
            "apply",
            "wrong.plan.yaml",
            "--state",
            "s.sqlite",
            "--resume",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(target.account().custom_fields.len(), before + 2);
}

// Review of issue 9 (r9).

/// The demo planned from its source fixture to a live V2 target, applied with `faults` set on
/// the target and no retries, then resumed (without faults) until it finishes; the target
/// afterwards and the first apply's output.
fn apply_demo_with_faults_then_resume(faults: &str) -> (Account, String) {
    let target = start(demo("target.json"), TARGET_TOKEN);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/source.json"),
        dir.path().join("source.json"),
    )
    .unwrap();
    let config = format!(
        "name: demo\nsource:\n  api: fixture\n  path: source.json\ntarget:\n{}\
         existing_contacts: merge\nrate_limit:\n  search_lag_ms: 0\n  late_write_ms: 500\n  max_in_flight: 4\n  \
         max_retries: 0\n",
        side("v2", &target, "GHL_TARGET_TOKEN")
    );
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let out = run(dir.path(), &["plan", "-o", "demo.plan.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    target.set_faults(
        faults
            .split(';')
            .filter(|f| !f.is_empty())
            .map(|f| f.parse().unwrap())
            .collect(),
    );
    let apply = ["apply", "demo.plan.yaml", "--state", "state.sqlite"];
    let first = run(dir.path(), &apply);
    target.set_faults(vec![]);
    let mut resume = apply.to_vec();
    resume.push("--resume");
    let out = run(dir.path(), &resume);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    (target.account(), text(&first))
}

#[test]
fn a_canary_read_back_that_fails_after_the_create_landed_does_not_create_it_twice() {
    let (clean, _) = apply_demo_with_faults_then_resume("");
    // The read-back of the first DATE canary (GET /contacts/{id}) fails after its create.
    let (after, first) =
        apply_demo_with_faults_then_resume("500,method=GET,path=/contacts/,count=1");
    assert!(
        first.contains("GET /contacts/"),
        "the fault did not hit: {first}"
    );
    assert_eq!(
        after.contacts.len(),
        clean.contacts.len(),
        "a contact was created twice; first run: {first}"
    );
}

// Left by the review of issue 9: the canary per value form, and on opportunities.

/// Two contacts whose DATE values come in two forms (an ISO day, then epoch milliseconds), each
/// with an opportunity whose DATE value is a day.
const DATES_SOURCE: &str = r#"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "customFields": [
    {"id": "F1", "name": "Renewal", "dataType": "DATE"},
    {"id": "F3", "name": "Close Date", "dataType": "DATE", "model": "opportunity"}
  ],
  "pipelines": [{"id": "P1", "name": "Sales", "stages": [{"id": "S1", "name": "New"}]}],
  "contacts": [
    {"id": "C1", "email": "a@acme.test", "customFields": [{"id": "F1", "value": "2024-03-01"}]},
    {"id": "C2", "email": "b@acme.test", "customFields": [{"id": "F1", "value": "1709251200000"}]}
  ],
  "opportunities": [
    {"id": "O1", "name": "Deal 1", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open",
     "contactId": "C1", "customFields": [{"id": "F3", "fieldValue": "2024-05-01"}]},
    {"id": "O2", "name": "Deal 2", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open",
     "contactId": "C2", "customFields": [{"id": "F3", "fieldValue": "2024-06-01"}]}
  ]
}"#;

/// `source` planned to a V2 sandbox and applied one step at a time, the sandbox storing
/// `wrong` writes wrong. Returns the folder, the target and the apply's output.
fn apply_to_a_wrong_target(
    source: &str,
    wrong: &str,
) -> (tempfile::TempDir, Handle, std::process::Output) {
    let target = serve(options());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("source.json"), source).unwrap();
    let config = format!(
        "name: wrong\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: v2\n  \
         location_id: {}\n  token_env: {}\n  base_url: {}\nrate_limit:\n  search_lag_ms: 0\n  late_write_ms: 500\n  \
         max_in_flight: 1\n",
        apply_support::TARGET_LOCATION,
        apply_support::TOKEN_ENV,
        target.url()
    );
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let out = in_folder(&dir, &["plan", "-o", "wrong.plan.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    apply_support::admin_post(
        &target,
        "/_sandbox/faults",
        &format!(r#"{{"wrongWrites": ["{wrong}"]}}"#),
    );
    let out = in_folder(&dir, &["apply", "wrong.plan.yaml", "--state", "s.sqlite"]);
    (dir, target, out)
}

/// The binary in `dir`, with the sandbox target's token.
fn in_folder(dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("ghl-migrate")
        .unwrap()
        .current_dir(dir.path())
        .env(apply_support::TOKEN_ENV, apply_support::TOKEN)
        .args(args)
        .output()
        .unwrap()
}

fn contacts_of(account: &Account) -> Vec<&str> {
    account
        .contacts
        .iter()
        .filter_map(|c| c.email.as_deref())
        .filter(|e| e.ends_with("@acme.test") && e.len() == "a@acme.test".len())
        .collect()
}

#[test]
fn a_date_form_stored_wrong_is_caught_after_another_form_was_verified() {
    // The first contact's ISO day is stored as sent and verifies its form; the second's epoch
    // milliseconds are stored a day early: a form of its own, checked on its own.
    let (_dir, target, out) = apply_to_a_wrong_target(DATES_SOURCE, "date-epoch");
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`Renewal`, its DATE value on contact") && err.contains("1709251200000"),
        "{err}"
    );
    // The second contact is written (wrong, once); nothing is sent after the stop.
    let account = target.account();
    assert_eq!(contacts_of(&account).len(), 2, "{err}");
    assert!(account.opportunities.len() <= 1, "{err}");
}

#[test]
fn an_opportunity_date_stored_wrong_stops_the_run_before_a_second_opportunity() {
    // Contacts without DATE values: the opportunities' are the first written, stored a day early.
    let source = DATES_SOURCE
        .replace(
            r#""customFields": [{"id": "F1", "value": "2024-03-01"}]"#,
            r#""customFields": []"#,
        )
        .replace(
            r#""customFields": [{"id": "F1", "value": "1709251200000"}]"#,
            r#""customFields": []"#,
        );
    let before = target_opportunities();
    let (_dir, target, out) = apply_to_a_wrong_target(&source, "date");
    let err = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`Close Date`, its DATE value on opportunity"),
        "{err}"
    );
    assert_eq!(target.account().opportunities.len(), before + 1, "{err}");
}

fn target_opportunities() -> usize {
    serve(options()).account().opportunities.len()
}

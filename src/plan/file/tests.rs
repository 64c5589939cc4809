use std::path::Path;

use super::*;
use crate::plan::Action;

const SAMPLE: &str = sample::TEXT;
const PATH: &str = "plans/x.plan.yaml";

fn sample() -> Plan {
    sample::plan()
}

/// The sample with one edit, which must apply.
fn edited(from: &str, to: &str) -> String {
    assert!(SAMPLE.contains(from), "the sample holds {from:?}");
    SAMPLE.replacen(from, to, 1)
}

/// The error message `parse` gives for `text`, as the CLI prints it.
fn error(text: &str) -> String {
    match parse(Path::new(PATH), text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// The sample is hand-written in block style (which must keep parsing); `plan` writes it in
/// the compact layout of `emit`, reviewed here.
#[test]
fn the_sample_is_written_compactly() {
    let text = to_yaml(&sample());
    insta::assert_snapshot!(text);
    assert_eq!(parse(Path::new("x.yaml"), &text).unwrap(), sample());
}

#[test]
fn equal_plans_give_identical_text() {
    let a = sample();
    let b = parse(Path::new("elsewhere.yaml"), &to_yaml(&a)).unwrap();
    assert_eq!(a, b);
    assert_eq!(to_yaml(&a), to_yaml(&b));
    assert!(to_yaml(&a).starts_with(HEADER));
}

#[test]
fn write_creates_folders_and_read_gives_the_plan_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans/deep/x.plan.yaml");
    write(&path, &sample()).unwrap();
    assert_eq!(read(&path).unwrap(), sample());
}

#[test]
fn the_fingerprint_covers_the_steps_only() {
    let plan = sample();
    let fp = plan_fingerprint(&plan);
    assert!(fp.starts_with("sha256:"));

    let mut reworded = plan.clone();
    reworded.warnings.push("another warning".into());
    reworded.summary.readiness_percent = 50.0;
    assert_eq!(plan_fingerprint(&reworded), fp);

    let mut changed = plan.clone();
    changed.steps[0].id = "custom_field/other".into();
    assert_ne!(plan_fingerprint(&changed), fp);
}

#[test]
fn the_roles_cover_every_reference() {
    for step in sample().steps {
        assert_eq!(validate::ref_values(&step.action), step.action.refs());
    }
}

#[test]
fn text_that_is_not_yaml_gives_file_line_and_column() {
    let e = error("format: ghl-migrate/plan/v1\nsteps: [unclosed\n");
    assert!(e.starts_with("plans/x.plan.yaml:3:1: "), "{e}");
}

#[test]
fn yaml_that_is_not_a_plan_says_so() {
    assert_eq!(
        error("- a\n- b\n"),
        "plan plans/x.plan.yaml: not a plan: the document is a list, expected `format: ghl-migrate/plan/v1` at the top"
    );
    assert!(error("").contains("not a plan: the document is empty"));
    assert!(error("name: x\n").contains("not a plan: no `format` key"));
}

#[test]
fn another_format_names_both() {
    let e = error(&edited(
        "format: ghl-migrate/plan/v1",
        "format: ghl-migrate/plan/v9",
    ));
    assert!(
        e.contains(
            "unsupported plan format `ghl-migrate/plan/v9` (expected `format: ghl-migrate/plan/v1`)"
        ),
        "{e}"
    );
}

#[test]
fn a_step_with_two_actions_is_named() {
    let e = error(&edited(
        "    model: opportunity\n",
        "    model: opportunity\n  create_contact:\n    identity: source_id\n    source_id: s\n",
    ));
    assert!(e.starts_with("plans/x.plan.yaml:"), "{e}");
    assert!(e.contains("custom_field/deal-source"), "{e}");
    assert!(e.contains("exactly one action"), "{e}");
}

#[test]
fn a_dangling_reference_is_named_by_step_and_role() {
    let e = error(&edited(
        "    contact: contact/jane@acme.test",
        "    contact: contact/nobody@acme.test",
    ));
    assert!(
        e.contains("plan plans/x.plan.yaml: step opportunity/deal-7-jane@acme.test: contact refers to contact/nobody@acme.test, which is not a step of this plan"),
        "{e}"
    );
}

#[test]
fn an_after_entry_must_be_an_earlier_step() {
    let e = error(&edited(
        "  after:\n  - custom_field/interests\n",
        "  after:\n  - custom_field/interests\n  - contact/ann@example.test\n",
    ));
    assert!(
        e.contains("step contact/jane@acme.test: `after` names contact/ann@example.test, which comes later in the plan"),
        "{e}"
    );
}

#[test]
fn a_reference_must_be_in_after() {
    let e = error(&edited("  after:\n  - custom_field/interests\n", ""));
    assert!(
        e.contains("step contact/jane@acme.test: custom_fields[0].field refers to custom_field/interests, which is missing from its `after` list"),
        "{e}"
    );
}

#[test]
fn a_reference_must_be_of_the_right_kind() {
    let text = edited(
        "    - field: custom_field/deal-source\n",
        "    - field: contact/+15550199\n",
    )
    .replacen(
        "  - custom_field/deal-source\n",
        "  - contact/+15550199\n",
        1,
    );
    let e = error(&text);
    assert!(
        e.contains("custom_fields[0].field refers to contact/+15550199, a contact step, not a custom_field step"),
        "{e}"
    );
}

#[test]
fn a_contact_field_cannot_hold_an_opportunity_value() {
    let e = error(&edited("    model: opportunity\n", "    model: contact\n"));
    assert!(
        e.contains("refers to custom_field/deal-source, a field of contacts, not of opportunitys"),
        "{e}"
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let e = error(&edited(
        "- id: custom_field/deal-source",
        "- id: custom_field/interests",
    ));
    assert!(
        e.contains("step custom_field/interests: the id is used twice (steps[0] and steps[1])"),
        "{e}"
    );
}

#[test]
fn an_id_must_name_its_kind() {
    let e = error(&edited("- id: contact/+15550199", "- id: person/+15550199"));
    assert!(
        e.contains("step person/+15550199: the id must be `contact/<key>`"),
        "{e}"
    );
}

#[test]
fn an_unknown_status_is_a_schema_error_with_the_step() {
    let e = error(&edited("    status: won", "    status: wonn"));
    assert!(e.starts_with("plans/x.plan.yaml:"), "{e}");
    assert!(e.contains("step opportunity/deal-7-jane@acme.test"), "{e}");
    assert!(e.contains("unknown variant `wonn`"), "{e}");
}

#[test]
fn an_unknown_key_is_refused_everywhere() {
    let e = error(&edited(
        "    dataType: TEXT\n",
        "    dataType: TEXT\n    colour: red\n",
    ));
    assert!(
        e.contains("step custom_field/deal-source: unknown key `create_field.colour`"),
        "{e}"
    );
    let e = error(&edited(
        "    identity: phone\n",
        "    identity: phone\n    colour: red\n",
    ));
    assert!(e.contains("step contact/+15550199"), "{e}");
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = error(&edited(
        "name: acme-to-parent\n",
        "name: acme-to-parent\ncolour: red\n",
    ));
    assert!(e.contains("unknown field `colour`"), "{e}");
}

#[test]
fn several_problems_are_listed_together() {
    let text = edited("    source_id: src-contact-2\n", "    source_id: ''\n")
        .replacen(
            "    status: won",
            "    status: won\n    monetary_value: -5.0",
            1,
        )
        .replacen("    monetary_value: 1200.0\n", "", 1);
    let e = error(&text);
    assert!(e.contains("2 problems:"), "{e}");
    assert!(
        e.contains("step contact/+15550199: create_contact: `source_id` is empty"),
        "{e}"
    );
    assert!(e.contains("monetary_value -5 is not an amount"), "{e}");
}

#[test]
fn a_merge_must_say_how_it_matched() {
    let text = edited("    matched_by: email\n", "    matched_by: luck\n");
    let e = error(&text);
    assert!(
        e.contains("step contact/bob@example.test: merge_contact: matched_by `luck`"),
        "{e}"
    );
    let mut plan = sample();
    if let Action::CreateContact(c) = &mut plan.steps[2].action {
        c.fields.remove("email");
    }
    let problems = validate(&plan).unwrap_err();
    assert_eq!(
        problems,
        vec![
            "step contact/jane@acme.test: create_contact: identity is `email` but `fields.email` is missing"
        ]
    );
}

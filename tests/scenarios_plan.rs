//! Every scenario under fixtures/scenarios planned and rendered: a snapshot per scenario, plus
//! the outcome each scenario exists to show.

use std::path::{Path, PathBuf};

use ghl_migrate::plan::Plan;
use ghl_migrate::plan::build::{PlanInput, build};
use ghl_migrate::{config, fixture, render};

fn scenario_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name)
}

fn plan_of(name: &str) -> Plan {
    let loaded = config::load(&scenario_dir(name).join("migration.yaml"), &|_| None).unwrap();
    let account = |a: &config::AccountConfig| {
        fixture::load(&loaded.resolve(a.path.as_ref().unwrap())).unwrap()
    };
    let (source, target) = (
        account(&loaded.config.source),
        account(&loaded.config.target),
    );
    let plan = build(PlanInput {
        config: &loaded.config,
        source: &source,
        target: &target,
    })
    .unwrap();
    ghl_migrate::plan::file::validate(&plan).unwrap();
    plan
}

fn count(plan: &Plan, kind: &str, outcome: &str) -> u64 {
    let s = &plan.summary;
    let counts = match kind {
        "custom_fields" => &s.custom_fields,
        "pipelines" => &s.pipelines,
        "stages" => &s.stages,
        "users" => &s.users,
        "contacts" => &s.contacts,
        _ => &s.opportunities,
    };
    counts.get(outcome).copied().unwrap_or(0)
}

#[test]
fn every_scenario_renders_as_its_snapshot() {
    let mut names: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("migration.yaml").exists())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("dangling-"))
            .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let text = render::render(&plan_of(&name), render::Format::Text);
        insta::assert_snapshot!(format!("scenario_{name}"), text);
    }
}

#[test]
fn type_conflict_is_shown_and_its_values_not_sent() {
    let plan = plan_of("type-conflict");
    assert_eq!(count(&plan, "custom_fields", "conflict"), 1);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("in the source") && w.contains("in the target"))
    );
}

#[test]
fn a_missing_stage_is_added_and_its_opportunity_created() {
    let stage = plan_of("missing-stage");
    assert_eq!(count(&stage, "stages", "missing"), 0);
    assert!(count(&stage, "stages", "create") >= 1);
    assert_eq!(count(&stage, "opportunities", "blocked"), 0);
    assert!(stage.steps.iter().any(|s| s.id.starts_with("stage/")));
}

#[test]
fn a_missing_pipeline_blocks_its_opportunities_when_pipelines_are_map_only() {
    let pipeline = plan_of("missing-pipeline");
    assert_eq!(count(&pipeline, "pipelines", "missing"), 1);
    assert!(count(&pipeline, "opportunities", "blocked") >= 1);
    assert!(!pipeline.steps.iter().any(|s| s.id.starts_with("pipeline/")));
    assert!(pipeline.not_done.iter().all(|n| n.outcome != "blocked"
        || (n.reason.contains("create_pipelines: false") && n.reason.contains("re-plan"))));
}

#[test]
fn policies_for_existing_contacts() {
    assert!(count(&plan_of("merge-existing"), "contacts", "merge") >= 1);
    assert!(count(&plan_of("overwrite-existing"), "contacts", "overwrite") >= 1);
    let skip = plan_of("skip-existing");
    assert!(count(&skip, "contacts", "skip") >= 1);
    assert_eq!(
        count(&skip, "contacts", "merge") + count(&skip, "contacts", "overwrite"),
        0
    );
}

#[test]
fn duplicates_in_the_source_are_reported() {
    let plan = plan_of("duplicate-in-source");
    assert!(count(&plan, "contacts", "duplicate_in_source") >= 1);
    assert!(
        plan.not_done
            .iter()
            .any(|n| n.outcome == "duplicate_in_source")
    );
}

#[test]
fn contacts_without_a_natural_key_are_stamped() {
    let plan = plan_of("no-natural-key");
    assert!(
        plan.steps
            .iter()
            .any(|s| s.id == "custom_field/contact.ghl_migrate_source_id")
    );
    assert!(
        plan.steps
            .iter()
            .any(|s| s.id.starts_with("contact/source:"))
    );
}

#[test]
fn phone_numbers_in_national_formats_match_their_e164_twins() {
    let plan = plan_of("phone-only-match");
    // Six source phones in other formats are the same people as six target contacts; one is new.
    assert_eq!(
        count(&plan, "contacts", "unchanged") + count(&plan, "contacts", "merge"),
        6
    );
    assert_eq!(count(&plan, "contacts", "create"), 1);
}

#[test]
fn explicit_mappings_take_effect() {
    let plan = plan_of("explicit-mappings");
    let by_explicit = |entries: &[ghl_migrate::plan::MapEntry]| {
        entries.iter().filter(|e| e.by == "explicit").count()
    };
    assert!(by_explicit(&plan.mapping.pipelines) >= 1);
    assert!(by_explicit(&plan.mapping.stages) >= 2);
    assert!(by_explicit(&plan.mapping.fields) >= 1);
    assert!(by_explicit(&plan.mapping.users) >= 1);
    assert_eq!(
        count(&plan, "custom_fields", "conflict"),
        0,
        "Region goes to Sales Region"
    );
}

#[test]
fn filters_leave_objects_out() {
    let plan = plan_of("filters");
    assert!(count(&plan, "contacts", "filtered") >= 1);
    assert!(count(&plan, "opportunities", "filtered") >= 1);
}

#[test]
fn an_empty_target_gets_everything_created() {
    let plan = plan_of("empty-target");
    assert_eq!(count(&plan, "contacts", "merge"), 0);
    assert!(count(&plan, "contacts", "create") >= 1);
}

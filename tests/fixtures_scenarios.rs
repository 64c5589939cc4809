//! Every fixture under `fixtures/`: the committed scenario accounts equal the generator's
//! output, every account loads (except the two broken on purpose, which fail naming the
//! opportunity and what it lacks), and every `migration.yaml` parses and points at files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ghl_migrate::{config, fixture};

mod synth;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every folder under `fixtures/` that holds a `migration.yaml`.
fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![fixtures().join("demo")];
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(fixtures().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    scenarios.sort();
    dirs.extend(scenarios);
    dirs
}

fn is_dangling(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("dangling-"))
}

#[test]
fn committed_scenarios_equal_the_generator() {
    for s in synth::scenarios() {
        let dir = fixtures().join("scenarios").join(s.name);
        for (file, account) in [("source.json", &s.source), ("target.json", &s.target)] {
            let path = dir.join(file);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            let expected = serde_json::to_string_pretty(account).unwrap() + "\n";
            assert!(
                committed == expected,
                "{} differs from synth::scenarios(): run `cargo run --example gen_fixtures`",
                path.display()
            );
        }
    }
}

#[test]
fn every_scenario_folder_is_generated_and_every_scenario_has_a_folder() {
    let folders: BTreeSet<String> = fixture_dirs()
        .iter()
        .skip(1)
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let generated: BTreeSet<String> = synth::scenarios()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(folders, generated);
    for s in synth::scenarios() {
        assert_eq!(s.invalid, s.name.starts_with("dangling-"), "{}", s.name);
    }
}

#[test]
fn every_fixture_account_loads_except_the_dangling_ones() {
    for dir in fixture_dirs() {
        for file in ["source.json", "target.json"] {
            let path = dir.join(file);
            let loaded = fixture::load(&path);
            if is_dangling(&dir) && file == "source.json" {
                assert!(loaded.is_err(), "{} must be rejected", path.display());
            } else {
                loaded.unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

#[test]
fn a_dangling_contact_is_reported_with_the_opportunity_and_the_contact() {
    let path = fixtures().join("scenarios/dangling-opportunity-contact/source.json");
    let err = fixture::load(&path).unwrap_err().to_string();
    let account = fixture::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    let o = &account.opportunities[0];
    assert!(account.contacts.iter().all(|c| c.id != o.contact_id));
    assert!(err.contains(&o.id) && err.contains(&o.name), "{err}");
    assert!(
        err.contains(&o.contact_id) && err.contains("contact"),
        "{err}"
    );
    assert!(
        err.contains("dangling-opportunity-contact"),
        "names the file: {err}"
    );
}

#[test]
fn a_dangling_stage_is_reported_with_the_opportunity_and_the_stage() {
    let path = fixtures().join("scenarios/dangling-opportunity-stage/source.json");
    let err = fixture::load(&path).unwrap_err().to_string();
    let account = fixture::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    let o = &account.opportunities[0];
    let stage = o.pipeline_stage_id.as_deref().unwrap();
    assert!(account.pipelines.iter().any(|p| p.id == o.pipeline_id));
    assert!(err.contains(&o.id) && err.contains(&o.name), "{err}");
    assert!(err.contains(stage) && err.contains("stage"), "{err}");
}

#[test]
fn every_migration_yaml_parses_and_names_its_folder() {
    for dir in fixture_dirs() {
        let path = dir.join("migration.yaml");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let parsed = config::parse(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let folder = dir.file_name().unwrap().to_string_lossy();
        assert_eq!(parsed.name, folder, "{}", path.display());
        let loaded = config::load(&path, &|_| None).unwrap();
        for side in [&loaded.config.source, &loaded.config.target] {
            assert_eq!(side.api, config::ApiKind::Fixture);
            let file = loaded.resolve(side.path.as_deref().unwrap());
            assert!(
                file.is_file(),
                "{} names a missing {}",
                path.display(),
                file.display()
            );
        }
    }
}

#[test]
fn scenario_declarations_use_their_policies_mappings_and_filters() {
    let parse = |name: &str| {
        let path = fixtures()
            .join("scenarios")
            .join(name)
            .join("migration.yaml");
        config::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    use config::ExistingPolicy::*;
    for (name, policy) in [
        ("merge-existing", Merge),
        ("overwrite-existing", Overwrite),
        ("skip-existing", Skip),
    ] {
        assert_eq!(parse(name).existing_contacts, policy, "{name}");
    }
    let m = parse("explicit-mappings").mappings;
    assert!(!m.custom_fields.is_empty() && !m.pipelines.is_empty());
    assert!(!m.stages.is_empty() && !m.users.is_empty());
    let f = parse("filters").filters;
    assert!(!f.contacts.skip_tags.is_empty());
    assert!(!f.opportunities.statuses.is_empty() && !f.opportunities.skip_pipelines.is_empty());
}

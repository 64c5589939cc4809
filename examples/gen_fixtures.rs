//! Regenerates the committed fixture accounts from `tests/synth`:
//! `fixtures/demo/{source,target}.json` and `fixtures/scenarios/<name>/{source,target}.json`.
//! The `migration.yaml` and README files beside them are hand-written and left alone.
//!
//! Run: `cargo run --example gen_fixtures`

use std::path::{Path, PathBuf};

use ghl_migrate::fixture;
use ghl_migrate::model::Account;
#[path = "../tests/synth/mod.rs"]
mod synth;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (source, target) = synth::demo_pair();
    write_pair(&root.join("demo"), &source, &target)?;
    for scenario in synth::scenarios() {
        write_pair(
            &root.join("scenarios").join(scenario.name),
            &scenario.source,
            &scenario.target,
        )?;
    }
    Ok(())
}

fn write_pair(
    dir: &Path,
    source: &Account,
    target: &Account,
) -> Result<(), Box<dyn std::error::Error>> {
    fixture::save(&dir.join("source.json"), source)?;
    fixture::save(&dir.join("target.json"), target)?;
    println!("wrote {}", dir.display());
    Ok(())
}

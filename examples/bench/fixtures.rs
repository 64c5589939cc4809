//! The accounts the benchmark runs on: the bundled demo pair, and generated pairs written once
//! to `target/bench/fixtures/<name>/` (kept between runs: same options, same files).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::synth::{LargeOptions, large_pair};
use ghl_migrate::model::Account;

use crate::workspace::target_dir;

/// A source and a target fixture file.
pub struct Pair {
    pub source: PathBuf,
    pub target: PathBuf,
}

/// `fixtures/demo` of this repository.
pub fn demo() -> Pair {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    Pair {
        source: dir.join("source.json"),
        target: dir.join("target.json"),
    }
}

/// A generated pair, written unless the same options already wrote it.
pub fn generated(name: &str, opts: &LargeOptions) -> Pair {
    let dir = target_dir().join("bench/fixtures").join(name);
    let pair = Pair {
        source: dir.join("source.json"),
        target: dir.join("target.json"),
    };
    let stamp = dir.join("options.txt");
    let wanted = format!("{opts:?}");
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    if current == wanted && pair.source.exists() && pair.target.exists() {
        return pair;
    }
    std::fs::create_dir_all(&dir).expect("fixture folder");
    let (source, target) = large_pair(opts);
    write_json(&pair.source, &source);
    write_json(&pair.target, &target);
    std::fs::write(&stamp, wanted).expect("stamp");
    pair
}

fn write_json(path: &Path, account: &Account) {
    let mut w = BufWriter::new(File::create(path).expect("create fixture"));
    serde_json::to_writer(&mut w, account).expect("write fixture");
    w.flush().expect("flush fixture");
}

//! Writes a large fixture pair for benchmarks: DIR/source.json, DIR/target.json and
//! DIR/migration.yaml, from `tests/synth`'s `large_pair`, and says how long it took.
//!
//! Run: `cargo run --release --example gen_account -- --contacts 100000 --target-contacts 100000
//!       --opportunities 20000 --seed 1 --out /tmp/bench`
//! Other flags: `--overlap N` (default: half the smaller side), `--fields N` (contact custom
//! fields, default 32), `--value-percent P` (share of fields filled, default 25),
//! `--name NAME` (default `bench`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ghl_migrate::model::Account;
#[path = "../tests/synth/mod.rs"]
mod synth;

use synth::{LargeOptions, large_pair, migration_yaml};

struct Args {
    opts: LargeOptions,
    overlap: Option<usize>,
    out: PathBuf,
    name: String,
}

const USAGE: &str = "usage: gen_account --contacts N --target-contacts M --opportunities K \
                     [--overlap N] [--fields N] [--value-percent P] [--seed S] [--name NAME] --out DIR";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        opts: LargeOptions::default(),
        overlap: None,
        out: PathBuf::new(),
        name: "bench".into(),
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || -> Result<usize, String> {
            value
                .parse()
                .map_err(|_| format!("{flag}: expected a whole number, got {value:?}"))
        };
        match flag.as_str() {
            "--contacts" => parsed.opts.source_contacts = number()?,
            "--target-contacts" => parsed.opts.target_contacts = number()?,
            "--opportunities" => parsed.opts.opportunities = number()?,
            "--overlap" => parsed.overlap = Some(number()?),
            "--seed" => parsed.opts.seed = number()? as u64,
            "--fields" => parsed.opts.custom_fields = number()?,
            "--value-percent" => parsed.opts.value_percent = number()? as u32,
            "--name" => parsed.name = value,
            "--out" => parsed.out = PathBuf::from(value),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if parsed.out.as_os_str().is_empty() {
        return Err(format!("--out is required\n{USAGE}"));
    }
    let smaller = parsed.opts.source_contacts.min(parsed.opts.target_contacts);
    parsed.opts.overlap = parsed.overlap.unwrap_or(smaller / 2).min(smaller);
    Ok(parsed)
}

fn main() {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(1);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// What `fixture::save` writes (pretty JSON and a newline), streamed rather than built in memory.
fn write_json(path: &Path, account: &Account) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut out, account)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (source, target) = large_pair(&args.opts);
    let generated = started.elapsed();
    let started = Instant::now();
    std::fs::create_dir_all(&args.out)?;
    write_json(&args.out.join("source.json"), &source)?;
    write_json(&args.out.join("target.json"), &target)?;
    let yaml = migration_yaml(&args.name, &args.opts);
    std::fs::write(args.out.join("migration.yaml"), yaml)?;
    let written = started.elapsed();
    println!(
        "source: {} contacts, {} opportunities; target: {} contacts ({} overlapping), {} opportunities",
        source.contacts.len(),
        source.opportunities.len(),
        target.contacts.len(),
        args.opts.overlap,
        target.opportunities.len()
    );
    println!(
        "generated in {:.3} s, written to {} in {:.3} s",
        generated.as_secs_f64(),
        args.out.display(),
        written.as_secs_f64()
    );
    Ok(())
}

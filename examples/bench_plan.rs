//! Benchmark of `plan` on fixture accounts: time per phase and peak memory, in-process.
//!
//! Usage: `cargo run --release --example bench_plan -- DIR` where DIR holds a `migration.yaml`
//! naming two fixture accounts (e.g. written by `cargo run --release --example gen_account`).

use std::path::PathBuf;
use std::time::Instant;

use ghl_migrate::config;
use ghl_migrate::fixture;
use ghl_migrate::plan::build::{PlanInput, build};
use ghl_migrate::plan::file;

/// The binary's allocator (see src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: bench_plan DIR"));
    let total = Instant::now();
    let loaded = config::load(&dir.join("migration.yaml"), &|_| None).expect("migration.yaml");
    let path =
        |a: &config::AccountConfig| loaded.resolve(a.path.as_ref().expect("fixture account"));

    let t = Instant::now();
    let (source, target) = std::thread::scope(|s| {
        let src = s.spawn(|| fixture::load(&path(&loaded.config.source)));
        let tgt = s.spawn(|| fixture::load(&path(&loaded.config.target)));
        (
            src.join().unwrap().expect("source"),
            tgt.join().unwrap().expect("target"),
        )
    });
    let load = t.elapsed();

    let t = Instant::now();
    let plan = build(PlanInput {
        config: &loaded.config,
        source: &source,
        target: &target,
    })
    .expect("plan");
    let planning = t.elapsed();
    let (source_contacts, target_contacts) = (source.contacts.len(), target.contacts.len());
    // As `plan` does: the accounts are freed before the plan's text is made.
    drop((source, target));

    let t = Instant::now();
    let out = dir.join("bench.plan.yaml");
    file::write(&out, &plan).expect("write");
    let write = t.elapsed();
    let plan_total = total.elapsed();
    let plan_peak = peak_memory();

    let t = Instant::now();
    let back = file::read(&out).expect("the plan reads back");
    let read = t.elapsed();
    assert_eq!(back, plan, "the plan read back is the plan written");
    let peak = peak_memory();
    let text = std::fs::read(&out).expect("the plan file");

    println!(
        "source {} contacts, target {} contacts -> {} steps, plan {:.1} MB, {} lines",
        source_contacts,
        target_contacts,
        plan.steps.len(),
        text.len() as f64 / 1e6,
        text.iter().filter(|&&b| b == b'\n').count()
    );
    println!(
        "load fixtures (both, concurrently): {:>7.3} s",
        load.as_secs_f64()
    );
    println!(
        "match + build plan:                 {:>7.3} s",
        planning.as_secs_f64()
    );
    println!(
        "render + write plan:                {:>7.3} s",
        write.as_secs_f64()
    );
    println!(
        "plan (load + build + write):        {:>7.3} s, peak memory {plan_peak}",
        plan_total.as_secs_f64()
    );
    println!(
        "read back (parse + validate):       {:>7.3} s, peak memory since start {}",
        read.as_secs_f64(),
        peak
    );
}

/// The process's peak resident set size, from /proc (Linux).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc)".into())
}

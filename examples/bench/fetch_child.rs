//! The fetch measurement runs in a child process (this example re-run as `bench __fetch
//! CONFIG`), so that its peak memory is the fetch's alone, not the sandboxes'. It reads both
//! live accounts of a `migration.yaml` concurrently with the library's clients and snapshot,
//! as `plan` does, and prints one line of counts.

use std::path::Path;
use std::time::Instant;

use ghl_migrate::config;
use ghl_migrate::ghl::{self, remote};

/// The hidden argument that selects this mode.
pub const ARG: &str = "__fetch";

pub fn main(config_path: &Path) {
    let loaded = config::load(config_path, &|k| std::env::var(k).ok()).expect("config");
    let c = &loaded.config;
    let vars = |k: &str| std::env::var(k).ok();
    let source =
        remote::open(remote::Side::Source, &c.source, &c.rate_limit, &vars).expect("source client");
    let target =
        remote::open(remote::Side::Target, &c.target, &c.rate_limit, &vars).expect("target client");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    let (s, t) =
        runtime.block_on(async { tokio::join!(ghl::snapshot(&source), ghl::snapshot(&target)) });
    let (s, t) = (s.expect("source snapshot"), t.expect("target snapshot"));
    println!(
        "fetched {} + {} contacts, {} + {} opportunities in {:.2} s",
        s.contacts.len(),
        t.contacts.len(),
        s.opportunities.len(),
        t.opportunities.len(),
        started.elapsed().as_secs_f64()
    );
}

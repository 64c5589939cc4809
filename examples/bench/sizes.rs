//! Size benchmarks: reading two 10,000-contact live accounts from two sandboxes (source and
//! target read concurrently over V2; `plan` cannot read live accounts yet, so the library's
//! clients and `ghl::snapshot` do, in a child process), and the real `ghl-migrate plan` of
//! 100,000 x 100,000 contacts from fixture files. Time and the process's peak resident memory.

use crate::synth::LargeOptions;
use ghl_migrate::sandbox::{self, LatencyRange, Options, RateLimit, TokenConfig};

use crate::workspace::{TOKEN, TOKEN_ENV, Workspace};
use crate::{fetch_child, fixtures};

/// One measured `plan` run.
#[derive(Debug, Clone)]
pub struct Measured {
    pub label: String,
    pub detail: String,
    pub wall_s: f64,
    pub peak_kib: Option<u64>,
}

/// Fetch of two 10,000-contact accounts from two sandboxes (GoHighLevel's default limit,
/// latency 100 to 400 ms), then the plan, by `ghl-migrate plan` on two V2 accounts.
pub fn fetch() -> Vec<Measured> {
    let opts = LargeOptions {
        source_contacts: 10_000,
        target_contacts: 10_000,
        overlap: 5_000,
        opportunities: 2_000,
        ..LargeOptions::default()
    };
    let pair = fixtures::generated("fetch-10k", &opts);
    let source = ghl_migrate::fixture::load(&pair.source).expect("source");
    let target = ghl_migrate::fixture::load(&pair.target).expect("target");
    let (source_id, target_id) = (source.location.id.clone(), target.location.id.clone());
    let options = || Options {
        tokens: vec![TokenConfig::new(TOKEN)],
        rate: RateLimit::default(),
        latency: Some(LatencyRange {
            min_ms: 100,
            max_ms: 400,
        }),
        seed: 7,
        ..Options::default()
    };
    let source_box = sandbox::start(source, options()).expect("source sandbox");
    let target_box = sandbox::start(target, options()).expect("target sandbox");
    let ws = Workspace::new("fetch-10k");
    let side = |id: &str, url: String| {
        format!("  api: v2\n  location_id: {id}\n  token_env: {TOKEN_ENV}\n  base_url: {url}\n")
    };
    let yaml = format!(
        "name: fetch\nsource:\n{}target:\n{}",
        side(&source_id, source_box.url()),
        side(&target_id, target_box.url())
    );
    let config = ws.write("migration.yaml", &yaml);
    let me = std::env::current_exe().expect("current exe");
    let run = ws.run_program(&me, &[fetch_child::ARG, config.to_str().unwrap()]);
    run.expect("fetch of two live 10k accounts", &[0]);
    let requests = source_box.stats().requests + target_box.stats().requests;
    let said = String::from_utf8_lossy(&run.output.stdout)
        .trim()
        .to_string();
    let fetched = Measured {
        label: "fetch 2 x 10,000 contacts, source and target concurrently (V2, 2 sandboxes, \
                100/10 s, 100..400 ms; library clients + `ghl::snapshot`)"
            .into(),
        detail: format!("{requests} requests; {said}"),
        wall_s: run.elapsed.as_secs_f64(),
        peak_kib: run.peak_kib,
    };
    // The same two live accounts read by the real `plan`, which then matches and writes the plan.
    let before = source_box.stats().requests + target_box.stats().requests;
    let plan = ws.path("plan.yaml");
    let run = ws.run(&[
        "plan",
        "-c",
        config.to_str().unwrap(),
        "-o",
        plan.to_str().unwrap(),
    ]);
    run.expect("plan of two live 10k accounts", &[0]);
    let requests = source_box.stats().requests + target_box.stats().requests - before;
    let planned = Measured {
        label: "`ghl-migrate plan` of the same two live accounts (fetch + match + write)".into(),
        detail: format!("{requests} requests"),
        wall_s: run.elapsed.as_secs_f64(),
        peak_kib: run.peak_kib,
    };
    vec![fetched, planned]
}

/// `ghl-migrate plan` of 100,000 x 100,000 contacts from fixture files.
pub fn plan() -> Measured {
    let opts = LargeOptions {
        source_contacts: 100_000,
        target_contacts: 100_000,
        overlap: 50_000,
        opportunities: 20_000,
        ..LargeOptions::default()
    };
    let pair = fixtures::generated("plan-100k", &opts);
    let ws = Workspace::new("plan-100k");
    let (plan, run) = ws.plan_fixtures("plan100k", &pair.source, &pair.target);
    let text_len = std::fs::metadata(&plan).map_or(0, |m| m.len());
    Measured {
        label: "plan 100,000 x 100,000 contacts, 20,000 opportunities (fixtures)".into(),
        detail: format!("plan file {:.0} MB", text_len as f64 / 1e6),
        wall_s: run.elapsed.as_secs_f64(),
        peak_kib: run.peak_kib,
    }
}

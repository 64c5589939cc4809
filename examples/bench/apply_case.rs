//! One apply benchmark: plan the pair with the real binary, serve the target in a sandbox (with
//! the given rate limit and latency) behind the recording proxy, run the real `ghl-migrate
//! apply` against it over V2, then measure throughput, waste and lost objects.

use std::path::Path;

use ghl_migrate::model::Account;
use ghl_migrate::plan::Plan;
use ghl_migrate::sandbox::{self, LatencyRange, Options, RateLimit, TokenConfig, WindowKind};
use ghl_migrate::state::{Access, State};

use crate::proxy::{self, Entry};
use crate::trace::{self, Traffic};
use crate::verify::{self, Check};
use crate::workspace::{self, Workspace};

/// What to run.
pub struct Case<'a> {
    /// Names the row and the folder `target/bench/<slug>`.
    pub label: &'a str,
    pub slug: &'a str,
    pub source: &'a Path,
    pub target: &'a Path,
    pub rate: RateLimit,
    pub latency: Option<LatencyRange>,
    /// How the sandbox counts its burst window.
    pub window: WindowKind,
    /// Tokens of the target named in `token_env` (each with its own burst window).
    pub tokens: usize,
    /// Trace through the proxy (off for the engine measurement, where it would be the bottleneck).
    pub traced: bool,
}

/// What one apply achieved.
#[derive(Debug, Clone)]
pub struct Measured {
    pub label: String,
    pub rate: RateLimit,
    pub latency: Option<LatencyRange>,
    pub window: WindowKind,
    pub tokens: usize,
    pub exit_code: Option<i32>,
    pub wall_s: f64,
    pub steps: usize,
    pub traffic: Traffic,
    pub check: Check,
}

impl Measured {
    /// The ceiling the server announces, in requests per second (per token, times the tokens).
    pub fn ceiling(&self) -> f64 {
        f64::from(self.rate.max) * 1000.0 / self.rate.interval_ms as f64 * self.tokens as f64
    }
    pub fn objects_per_s(&self) -> f64 {
        self.check.moved as f64 / self.wall_s
    }
    pub fn requests_per_s(&self) -> f64 {
        self.traffic.requests as f64 / self.wall_s
    }
}

pub fn run(case: &Case<'_>, runtime: &tokio::runtime::Runtime) -> Measured {
    let ws = Workspace::new(case.slug);
    let (plan_path, _) = ws.plan_fixtures(case.slug, case.source, case.target);
    let plan: Plan = ghl_migrate::plan::file::read(&plan_path).expect("plan");
    let before: Account = ghl_migrate::fixture::load(case.target).expect("target fixture");
    let tokens: Vec<(String, String)> = (0..case.tokens.max(1)).map(workspace::token).collect();
    let options = Options {
        tokens: tokens.iter().map(|(_, t)| TokenConfig::new(t)).collect(),
        rate: case.rate,
        window: case.window,
        latency: case.latency,
        seed: 7,
        ..Options::default()
    };
    let sandbox = sandbox::start(before.clone(), options).expect("sandbox");
    let proxy = case.traced.then(|| {
        runtime
            .block_on(proxy::start(sandbox.url()))
            .expect("proxy")
    });
    let base_url = proxy.as_ref().map_or_else(|| sandbox.url(), |p| p.url());
    let vars: Vec<&str> = tokens.iter().map(|(v, _)| v.as_str()).collect();
    let live = format!(
        "name: {}\nsource:\n  api: fixture\n  path: {}\ntarget:\n  api: v2\n  location_id: {}\n  \
         token_env: [{}]\n  base_url: {base_url}\nexisting_contacts: merge\n",
        case.slug,
        case.source.display(),
        before.location.id,
        vars.join(", ")
    );
    let config = ws.write("live.yaml", &live);
    let state_path = ws.path("state.sqlite");
    let run = ws.run(&[
        "apply",
        plan_path.to_str().unwrap(),
        "-c",
        config.to_str().unwrap(),
        "--state",
        state_path.to_str().unwrap(),
        "--progress",
        "none",
    ]);
    ws.write(
        "apply.out.txt",
        &format!(
            "{}\n{}",
            String::from_utf8_lossy(&run.output.stdout),
            String::from_utf8_lossy(&run.output.stderr)
        ),
    );
    let log: Vec<Entry> = proxy.as_ref().map(|p| p.take()).unwrap_or_default();
    trace::write_csv(&ws.path("trace.csv"), &log);
    let stats = sandbox.stats();
    // k tokens pace like one token with k times the burst.
    let combined = RateLimit {
        max: case.rate.max * case.tokens.max(1) as u32,
        ..case.rate
    };
    let traffic = if case.traced {
        Traffic::of(&log, combined)
    } else {
        Traffic::from_stats(&stats)
    };
    let after = sandbox.account();
    let mut state = State::open(&state_path, Access::Read).expect("state");
    // The ledger holds every run of the migration: this case's is its latest (and only) one.
    state.select_latest().expect("ledger runs");
    let steps = state.steps().expect("steps");
    Measured {
        label: case.label.to_string(),
        rate: case.rate,
        latency: case.latency,
        window: case.window,
        tokens: case.tokens.max(1),
        exit_code: run.code(),
        wall_s: run.elapsed.as_secs_f64(),
        steps: plan.steps.len(),
        traffic,
        check: verify::check(&plan, &steps, &before, &after),
    }
}

//! A measurement, not a test (ignored by default; it asserts nothing about time): how close the
//! limiter gets to the ceiling the sandbox announces. Run it with
//! `cargo test --test client_throughput -- --ignored --nocapture`.

mod support;

use ghl_migrate::config::{AccountConfig, ApiKind, RateLimitConfig};
use ghl_migrate::ghl::Ghl;
use ghl_migrate::ghl::remote::{self, Side};
use support::{LOCATION, Sandbox, TOKEN};

async fn measure(max: u32, interval_ms: u64, n: usize) {
    let flags = [
        "--rate-max",
        &max.to_string(),
        "--rate-interval-ms",
        &interval_ms.to_string(),
    ];
    let sandbox = Sandbox::start(&support::account(50), &flags);
    let cfg = AccountConfig {
        api: ApiKind::V2,
        location_id: Some(LOCATION.into()),
        token_env: Some("T".into()),
        base_url: Some(format!("http://{}", sandbox.addr)),
        path: None,
    };
    let rate = RateLimitConfig {
        daily_reserve: 0,
        ..Default::default()
    };
    let c = remote::open(Side::Source, &cfg, &rate, &|_| Some(TOKEN.into())).unwrap();
    let ids: Vec<String> = (0..n).map(|i| format!("CON{:017}", i % 50)).collect();
    let started = std::time::Instant::now();
    let results = futures::future::join_all(ids.iter().map(|id| c.get_contact(id))).await;
    let elapsed = started.elapsed().as_secs_f64();
    let ok = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    let window = c.http().unwrap().limiter().window();
    // The last request cannot start before (n - 1) / max full windows have passed.
    let floor = ((n - 1) / max as usize) as f64 * interval_ms as f64 / 1000.0;
    let stats = sandbox.stats();
    eprintln!(
        "{max} per {interval_ms} ms, {n} reads: {ok} ok, {} x 429, {elapsed:.2} s (floor {floor:.2} s, {:.1}%), paced window {:?} ({:.1}% of the ceiling)",
        stats["tooManyRequests"],
        100.0 * floor / elapsed,
        window,
        100.0 * interval_ms as f64 / window.as_millis() as f64,
    );
}

#[tokio::test]
#[ignore = "a measurement; run with --ignored --nocapture"]
async fn throughput_against_the_announced_ceiling() {
    measure(25, 500, 500).await;
    measure(100, 1_000, 1_000).await;
    measure(25, 2_000, 150).await;
}

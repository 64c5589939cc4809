//! Ctrl-C stops new sends at once: steps waiting for the rate limiter leave no request after
//! the signal, requests already on the wire settle, the run exits 75, and a resume finishes
//! the target exactly. The real binary, SIGINT, the sandbox over HTTP; the sandbox's own
//! request count says what was sent after the signal.

#![cfg(unix)]

mod apply_support;

use std::time::{Duration, Instant};

use apply_support::*;

#[test]
fn ctrl_c_sends_nothing_that_was_waiting_for_the_rate_limiter() {
    let project = Project::new();
    let sandbox = serve(options());
    // One request every 700 ms, eight steps launched at once: most of them wait for the limiter.
    let config = project.live_config(&sandbox, "  min_delay_ms: 700\n");
    let text_of = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text_of.replace("max_in_flight: 4", "max_in_flight: 8"),
    )
    .unwrap();
    let total = project.read_plan().steps.len() as u64;

    let mut child = project.spawn_apply(std::process::Stdio::piped);
    let begun = Instant::now();
    while sandbox.stats().writes_committed < 3 {
        assert!(
            begun.elapsed() < Duration::from_secs(60),
            "the apply did not start writing"
        );
        assert!(child.try_wait().unwrap().is_none(), "the apply ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = sandbox.stats().requests;
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    let after = sandbox.stats().requests;
    eprintln!(
        "SIGINT after {before} requests; {} more arrived; exit after {took:?}",
        after - before
    );
    assert_eq!(out.status.code(), Some(75), "{}", text(&out));
    // At most the one request on the wire when the signal came (and one leaving as it came):
    // never the steps that were waiting for their turn.
    assert!(
        after - before <= 2,
        "{} requests arrived after the signal",
        after - before
    );
    assert!(
        sandbox.stats().writes_committed < total,
        "the run finished before the signal: nothing was tested"
    );

    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected_target());
}

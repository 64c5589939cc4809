//! Crash anywhere, resume, and the target is exactly what an uninterrupted run makes: no
//! duplicate, nothing missing. Two ways to crash the real binary against the sandbox over HTTP:
//! the abort hook at every step and phase (the key case: the write returned, its result not yet
//! recorded), and `kill -9` at varied moments of a run slowed by sandbox latency.

mod apply_support;

use std::collections::BTreeMap;
use std::time::Duration;

use apply_support::*;

/// Lines in one list and not the other, counted with multiplicity: (duplicates, missing).
fn differences(expected: &[String], actual: &[String]) -> (usize, usize) {
    let mut count: BTreeMap<&str, i64> = BTreeMap::new();
    for l in actual {
        *count.entry(l).or_default() += 1;
    }
    for l in expected {
        *count.entry(l).or_default() -= 1;
    }
    let extra = count
        .values()
        .filter(|&&n| n > 0)
        .map(|&n| n as usize)
        .sum();
    let missing = count
        .values()
        .filter(|&&n| n < 0)
        .map(|&n| -n as usize)
        .sum();
    (extra, missing)
}

/// Steps in the test plan (every one is a write the abort hook can land on).
fn steps(project: &Project) -> usize {
    project.read_plan().steps.len()
}

/// Crashes at `hook` (`N:phase`), resumes, and says what differs from `expected`, if anything.
fn crash_and_resume(project: &Project, hook: &str, expected: &[String]) -> Option<String> {
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let _ = std::fs::remove_file(project.state_path());
    let out = project.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", hook)]);
    assert_eq!(
        out.status.code(),
        None,
        "{hook} did not crash: {}",
        text(&out)
    );
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{hook}: {}", text(&out));
    let (duplicates, missing) = differences(expected, &canonical(&sandbox.account()));
    (duplicates + missing > 0)
        .then(|| format!("{hook}: {duplicates} duplicates, {missing} missing"))
}

#[test]
fn a_crash_at_any_step_and_phase_then_resume_gives_exactly_the_target() {
    let expected = expected_target();
    let n = steps(&Project::new());
    let hooks: Vec<String> = (1..=n)
        .flat_map(|w| ["intent", "sent", "recorded"].map(|p| format!("{w}:{p}")))
        .collect();
    // Three projects side by side, each crashing at every third point.
    let bad: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|k| {
                let (hooks, expected) = (&hooks, &expected);
                scope.spawn(move || {
                    let project = Project::new();
                    hooks
                        .iter()
                        .skip(k)
                        .step_by(3)
                        .filter_map(|hook| crash_and_resume(&project, hook, expected))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    eprintln!(
        "abort hook: {} crash points ({n} steps x 3 phases), {} with a difference",
        hooks.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

/// Kills a run with `kill -9` after each of `delays_ms`, resumes it, and checks the target:
/// each run gets a fresh sandbox from `options` (seeded by the delay), configured by `config`;
/// `check` sees the sandbox after each resume. Panics listing every run with a difference.
fn kill_9_then_resume(
    what: &str,
    delays_ms: &[u64],
    options: impl Fn() -> ghl_migrate::sandbox::Options,
    config: impl Fn(&Project, &ghl_migrate::sandbox::Handle),
    check: impl Fn(&ghl_migrate::sandbox::Handle),
) {
    let expected = expected_target();
    let project = Project::new();
    let mut killed = 0;
    let mut bad = Vec::new();
    for &delay in delays_ms {
        let mut opts = options();
        opts.latency = Some("3..9".parse().unwrap());
        opts.seed = delay;
        let sandbox = serve(opts);
        config(&project, &sandbox);
        let _ = std::fs::remove_file(project.state_path());
        let mut child = project.spawn_apply(std::process::Stdio::null);
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL
        if child.wait().unwrap().code().is_none() {
            killed += 1;
        }
        let out = project.apply(&["--resume"], &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "after {delay} ms: {}",
            text(&out)
        );
        check(&sandbox);
        let (duplicates, missing) = differences(&expected, &canonical(&sandbox.account()));
        if duplicates + missing > 0 {
            bad.push(format!(
                "{delay} ms: {duplicates} duplicates, {missing} missing"
            ));
        }
    }
    eprintln!(
        "{what}: {} moments, {killed} killed mid-run, {} with a difference",
        delays_ms.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn kill_9_at_varied_moments_then_resume_gives_exactly_the_target() {
    kill_9_then_resume(
        "kill -9",
        &[5, 15, 25, 40, 60, 80, 100, 130, 160, 200, 250, 300],
        options,
        |project, sandbox| {
            project.live_config(sandbox, "");
        },
        |_| {},
    );
}

/// Sandbox options with the target's three tokens, each with a burst small enough that a run
/// needs all of them at once.
fn three_tokens() -> ghl_migrate::sandbox::Options {
    let mut opts = options();
    let rate = ghl_migrate::sandbox::RateLimit {
        max: 6,
        interval_ms: 200,
    };
    opts.rate = rate;
    opts.window = ghl_migrate::sandbox::WindowKind::Sliding;
    for (_, token) in MORE_TOKENS {
        opts.tokens
            .push(ghl_migrate::sandbox::TokenConfig::new(token));
    }
    opts
}

#[test]
fn kill_9_with_requests_in_flight_on_three_tokens_then_resume_gives_exactly_the_target() {
    kill_9_then_resume(
        "kill -9 on three tokens",
        &[20, 60, 120, 200, 300],
        three_tokens,
        |project, sandbox| {
            project.live_config_three_tokens(sandbox, "");
        },
        |sandbox| {
            let stats = sandbox.stats();
            assert!(
                stats.by_token.len() == 3 && stats.by_token.iter().all(|n| *n > 0),
                "every token carries requests: {:?}",
                stats.by_token
            );
        },
    );
}

#[test]
fn a_refused_token_is_named_and_the_run_goes_on_with_the_others() {
    let expected = expected_target();
    let project = Project::new();
    let mut opts = three_tokens();
    // The sandbox accepts only two of the three tokens the run names.
    opts.tokens.pop();
    let sandbox = serve(opts);
    project.live_config_three_tokens(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains(MORE_TOKENS[1].0), "names the variable: {all}");
    assert!(!all.contains(MORE_TOKENS[1].1), "never the token: {all}");
    let (duplicates, missing) = differences(&expected, &canonical(&sandbox.account()));
    assert_eq!((duplicates, missing), (0, 0));
}

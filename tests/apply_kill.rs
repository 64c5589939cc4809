//! Crash anywhere, resume, and the target is exactly what an uninterrupted run makes: no
//! duplicate, nothing missing. Two ways to crash the real binary against the sandbox over HTTP:
//! the abort hook at every step and phase (the key case: the write returned, its result not yet
//! recorded), and `kill -9` at varied moments of a run slowed by sandbox latency.

mod apply_support;

use std::collections::BTreeMap;
use std::time::Duration;

use std::process::Output;

use apply_support::*;
use ghl_migrate::sandbox::Handle;

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

/// When a run is killed: a delay after it starts, or as soon as the target has committed that
/// many of its writes (whatever the machine's load, the kill lands among the writes).
#[derive(Debug, Clone, Copy)]
enum KillAt {
    Ms(u64),
    Writes(u64),
}

/// Kills a run with `kill -9` at each of `moments`, resumes it, and checks the target: each
/// run gets a fresh sandbox from `options` (seeded by the moment), configured by `config`;
/// `resume` continues the run (the same `apply --resume`, unless a test changes something first);
/// `check` sees the sandbox after each resume, with what it had seen when the run was killed
/// (`None` when it ended before the kill). Panics listing every run with a difference.
fn kill_9_then_resume(
    what: &str,
    moments: &[KillAt],
    options: impl Fn() -> ghl_migrate::sandbox::Options,
    config: impl Fn(&Project, &ghl_migrate::sandbox::Handle),
    resume: impl Fn(&Project, &ghl_migrate::sandbox::Handle) -> std::process::Output,
    mut check: impl FnMut(&ghl_migrate::sandbox::Handle, Option<&ghl_migrate::sandbox::Stats>),
) {
    let expected = expected_target();
    let project = Project::new();
    let mut killed = 0;
    let mut bad = Vec::new();
    for &moment in moments {
        let mut opts = options();
        opts.latency = Some("3..9".parse().unwrap());
        opts.seed = match moment {
            KillAt::Ms(n) | KillAt::Writes(n) => n,
        };
        let sandbox = serve(opts);
        config(&project, &sandbox);
        let _ = std::fs::remove_file(project.state_path());
        let mut child = project.spawn_apply(std::process::Stdio::null);
        match moment {
            KillAt::Ms(ms) => std::thread::sleep(Duration::from_millis(ms)),
            KillAt::Writes(n) => {
                while sandbox.stats().writes_committed < n && child.try_wait().unwrap().is_none() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
        let _ = child.kill(); // SIGKILL
        let at_kill = child.wait().unwrap().code().is_none().then(|| {
            killed += 1;
            sandbox.stats()
        });
        let out = resume(&project, &sandbox);
        assert_eq!(
            out.status.code(),
            Some(0),
            "killed at {moment:?}: {}",
            text(&out)
        );
        check(&sandbox, at_kill.as_ref());
        let (duplicates, missing) = differences(&expected, &canonical(&sandbox.account()));
        if duplicates + missing > 0 {
            bad.push(format!(
                "{moment:?}: {duplicates} duplicates, {missing} missing"
            ));
        }
    }
    eprintln!(
        "{what}: {} moments, {killed} killed mid-run, {} with a difference",
        moments.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

/// `apply --resume` with the configuration and tokens of the killed run.
fn the_same_resume(project: &Project, _: &ghl_migrate::sandbox::Handle) -> std::process::Output {
    project.apply(&["--resume"], &[])
}

#[test]
fn kill_9_at_varied_moments_then_resume_gives_exactly_the_target() {
    kill_9_then_resume(
        "kill -9",
        &[5, 15, 25, 40, 60, 80, 100, 130, 160, 200, 250, 300].map(KillAt::Ms),
        options,
        |project, sandbox| {
            project.live_config(sandbox, "");
        },
        the_same_resume,
        |_, _| {},
    );
}

#[test]
fn kill_9_with_requests_in_flight_on_three_tokens_then_resume_gives_exactly_the_target() {
    let mut mid_writes_on_every_token = 0;
    kill_9_then_resume(
        "kill -9 on three tokens",
        &[1, 4, 8, 12, 16].map(KillAt::Writes),
        three_tokens,
        |project, sandbox| {
            project.live_config_three_tokens(sandbox, "");
        },
        the_same_resume,
        |sandbox, at_kill| {
            let stats = sandbox.stats();
            assert!(
                stats.by_token.len() == 3 && stats.by_token.iter().all(|n| *n > 0),
                "every token carries requests: {:?}",
                stats.by_token
            );
            // Killed in the middle of its writes, every token carrying them: with 12 steps in
            // flight over three windows of 6, requests were on the wire on each.
            let seen = at_kill.expect("killed before the run ended");
            assert!(
                seen.writes_committed > 0 && stats.writes_committed > seen.writes_committed,
                "killed among the writes: {} of {} done",
                seen.writes_committed,
                stats.writes_committed
            );
            if seen.by_token.len() == 3 && seen.by_token.iter().all(|n| *n > 0) {
                mid_writes_on_every_token += 1;
            }
        },
    );
    eprintln!("killed among the writes with every token in use: {mid_writes_on_every_token} of 5");
    assert!(
        mid_writes_on_every_token > 0,
        "no run was killed in the middle of its writes with every token in use"
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

/// A fourth token of the target: the one a token list gains, or a token's new value after it
/// was rotated between the kill and the resume.
const NEW_TOKEN: (&str, &str) = ("GHL_APPLY_TEST_TOKEN_D", "apply-test-token-rotated-d");

#[test]
fn kill_9_on_three_tokens_then_resume_with_the_list_changed_gives_exactly_the_target() {
    let [b, c] = MORE_TOKENS.map(|(var, _)| var);
    // (what, token_env of the resume, variables changed for it)
    type Resume<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);
    let resumes: [Resume; 5] = [
        ("the same list", &[TOKEN_ENV, b, c], &[]),
        ("reordered", &[c, TOKEN_ENV, b], &[]),
        ("one removed", &[TOKEN_ENV, c], &[]),
        ("one added", &[TOKEN_ENV, b, c, NEW_TOKEN.0], &[NEW_TOKEN]),
        ("one rotated", &[TOKEN_ENV, b, c], &[(c, NEW_TOKEN.1)]),
    ];
    for (what, names, env) in resumes {
        kill_9_then_resume(
            &format!("kill -9 on three tokens, resumed with {what}"),
            &[3, 10].map(KillAt::Writes),
            || {
                let mut opts = three_tokens();
                opts.tokens
                    .push(ghl_migrate::sandbox::TokenConfig::new(NEW_TOKEN.1));
                opts
            },
            |project, sandbox| {
                project.live_config_three_tokens(sandbox, "");
            },
            |project, sandbox| {
                project.live_config_token_list(sandbox, names, "");
                project.apply(&["--resume"], env)
            },
            |_, at_kill| assert!(at_kill.is_some(), "{what}: the run ended before the kill"),
        );
    }
}

/// Runs the three-token apply with contact creates answered 401 (before acting), whichever
/// token carries them: the next `refusals` of them, or every one (`None`). Each refusal sets
/// its token aside while the other tokens' writes are in flight.
fn apply_with_tokens_refused_midway(project: &Project, refusals: Option<u64>) -> (Handle, Output) {
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    project.begin_and_crash();
    let count = refusals.map_or(String::new(), |n| format!(r#", "count": {n}"#));
    let rule = format!(
        r#"{{"faults": [{{"kind": "401", "method": "POST", "pathPrefix": "/contacts/$"{count}}}]}}"#
    );
    admin_post(&sandbox, "/_sandbox/faults", &rule);
    let out = project.apply(&["--resume"], &[]);
    (sandbox, out)
}

/// The variables of the three tokens named in `text` (never their values: asserted).
fn named_tokens(text: &str) -> Vec<&'static str> {
    let all = [(TOKEN_ENV, TOKEN), MORE_TOKENS[0], MORE_TOKENS[1]];
    for (_, token) in all {
        assert!(!text.contains(token), "never the token: {text}");
    }
    all.iter()
        .map(|(var, _)| *var)
        .filter(|var| text.contains(&format!("${var} ")) || text.contains(&format!("${var})")))
        .collect()
}

#[test]
fn a_token_refused_midway_is_set_aside_and_its_write_neither_lost_nor_repeated() {
    let expected = expected_target();
    let project = Project::new();
    let (sandbox, out) = apply_with_tokens_refused_midway(&project, Some(1));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(named_tokens(&text(&out)).len(), 1, "{}", text(&out));
    assert_eq!(
        differences(&expected, &canonical(&sandbox.account())),
        (0, 0)
    );
}

#[test]
fn every_token_refused_one_after_another_stops_resumably_and_the_resume_finishes_the_run() {
    let expected = expected_target();
    let project = Project::new();
    // Every contact create refused, whichever token carries it: one token after another is
    // set aside, and the last one's refusal ends the run.
    let (sandbox, out) = apply_with_tokens_refused_midway(&project, None);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "a token to fix: {all}");
    assert!(all.contains("resume with"), "says how to go on: {all}");
    assert_eq!(named_tokens(&all).len(), 3, "{all}");
    // The tokens are fixed (the server accepts them again) and the run resumed.
    admin_post(&sandbox, "/_sandbox/faults", r#"{"faults": []}"#);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        differences(&expected, &canonical(&sandbox.account())),
        (0, 0)
    );
}

#[test]
fn kill_9_after_a_token_was_set_aside_then_resume_with_it_back_gives_exactly_the_target() {
    kill_9_then_resume(
        "kill -9 after a 401 set a token aside",
        &[6, 12].map(KillAt::Writes),
        three_tokens,
        |project, sandbox| {
            project.live_config_three_tokens(sandbox, "");
            // The first contact create is refused on whichever token carries it.
            admin_post(
                sandbox,
                "/_sandbox/faults",
                r#"{"faults": [{"kind": "401", "method": "POST", "pathPrefix": "/contacts/$", "count": 1}]}"#,
            );
        },
        the_same_resume,
        |sandbox, at_kill| {
            let seen = at_kill.expect("killed before the run ended");
            assert_eq!(seen.faults_injected, 1, "the 401 came before the kill");
            assert!(sandbox.stats().writes_committed > seen.writes_committed);
        },
    );
}

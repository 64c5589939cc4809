//! A crash anywhere in an undo, then `apply --resume`: nothing is deleted or written twice
//! (the sandbox counts every write that changed it), nothing is left, and the target is
//! exactly as it was before the migration (its whole state). The abort hook at every step and
//! phase of the undo (the key case: the delete returned, its result not yet recorded), and
//! `kill -9` at varied moments of an undo slowed by sandbox latency. V2, with a search lag
//! longer than the test (the ledger's objects are read by id).

mod apply_support;

use std::process::Output;
use std::time::Duration;

use apply_support::*;
use ghl_migrate::sandbox::Handle;

const UNDO_PLAN: &str = "plans/t.undo.plan.yaml";

fn apply(project: &Project, plan: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["apply", plan, "-c", "live.yaml", "--progress", "none"];
    args.extend_from_slice(extra);
    run_with(project, &args, env)
}

/// The target's tokens in a run: its one token, or three (small windows, all needed at once).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tokens {
    One,
    Three,
}

/// A sandbox (latency as given) with the migration applied and its undo planned: the target
/// before the migration, and the writes the sandbox had committed before the undo.
fn migrated(
    project: &Project,
    latency: Option<&str>,
    seed: u64,
) -> (Handle, serde_json::Value, Counts) {
    migrated_on(Tokens::One, project, latency, seed)
}

/// [`migrated`] with the target's one or three tokens.
fn migrated_on(
    tokens: Tokens,
    project: &Project,
    latency: Option<&str>,
    seed: u64,
) -> (Handle, serde_json::Value, Counts) {
    let _ = std::fs::remove_dir_all(project.path().join(".ghl-migrate"));
    let mut opts = match tokens {
        Tokens::One => options(),
        // Windows roomy enough for no 429: a refused DELETE would count as one more sent
        // than the one-token baseline's.
        Tokens::Three => ghl_migrate::sandbox::Options {
            rate: options().rate,
            ..three_tokens()
        },
    };
    opts.search_lag_ms = 60_000;
    opts.latency = latency.map(|l| l.parse().unwrap());
    opts.seed = seed;
    let sandbox = serve(opts.clone());
    let lag = "  search_lag_ms: 15000\n";
    match tokens {
        Tokens::One => project.live_config(&sandbox, lag),
        Tokens::Three => project.live_config_three_tokens(&sandbox, lag),
    };
    let before = serde_json::to_value(sandbox.account()).unwrap();
    let out = run_with(project, &["plan", "-c", "live.yaml"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = apply(project, "plans/t.plan.yaml", &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run_with(project, &["undo", "-c", "live.yaml"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let writes = counts(&sandbox);
    (sandbox, before, writes)
}

/// Writes that changed the sandbox, and `DELETE` requests it received.
type Counts = (u64, u64);

fn counts(sandbox: &Handle) -> Counts {
    let stats = sandbox.stats();
    let deletes = stats
        .by_route
        .iter()
        .filter(|(route, _)| route.starts_with("DELETE "))
        .map(|(_, n)| n)
        .sum();
    (stats.writes_committed, deletes)
}

/// What differs after the undo and its resume, if anything.
fn verdict(
    what: &str,
    sandbox: &Handle,
    before: &serde_json::Value,
    writes: Counts,
    undo: Counts,
) -> Option<String> {
    let state = serde_json::to_value(sandbox.account()).unwrap();
    let (now, deletes) = counts(sandbox);
    let (written, deletes) = (now - writes.0, deletes - writes.1);
    let mut wrong = Vec::new();
    // Every DELETE an uninterrupted undo sends, once: none sent again after a crash (a delete
    // in doubt is read back by id first).
    if deletes != undo.1 {
        wrong.push(format!(
            "{deletes} DELETE requests, an uninterrupted undo sends {}",
            undo.1
        ));
    }
    if &state != before {
        wrong.push("the target differs from before the migration".to_string());
    }
    if written != undo.0 {
        wrong.push(format!(
            "{written} writes committed, an uninterrupted undo commits {}",
            undo.0
        ));
    }
    (!wrong.is_empty()).then(|| format!("{what}: {}", wrong.join("; ")))
}

/// The writes and deletes an uninterrupted undo makes, and the number of its steps.
fn baseline() -> (Counts, usize) {
    let project = Project::new();
    let (sandbox, before, writes) = migrated(&project, None, 0);
    let plan = std::fs::read_to_string(project.path().join(UNDO_PLAN)).unwrap();
    let steps = plan.lines().filter(|l| l.starts_with("  - id: ")).count();
    let out = apply(&project, UNDO_PLAN, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (now, deletes) = counts(&sandbox);
    let undo = (now - writes.0, deletes - writes.1);
    assert_eq!(verdict("baseline", &sandbox, &before, writes, undo), None);
    (undo, steps)
}

#[test]
fn a_crash_at_any_step_and_phase_of_an_undo_then_resume_restores_exactly() {
    let (undo, n) = baseline();
    let hooks: Vec<String> = (1..=n)
        .flat_map(|w| ["intent", "sent", "recorded"].map(|p| format!("{w}:{p}")))
        .collect();
    let bad: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|k| {
                let hooks = &hooks;
                scope.spawn(move || {
                    let project = Project::new();
                    let mut bad = Vec::new();
                    for hook in hooks.iter().skip(k).step_by(3) {
                        let (sandbox, before, writes) = migrated(&project, None, 0);
                        let out = apply(
                            &project,
                            UNDO_PLAN,
                            &[],
                            &[("GHL_MIGRATE_TEST_ABORT", hook.as_str())],
                        );
                        assert_eq!(out.status.code(), None, "{hook}: {}", text(&out));
                        let out = apply(&project, UNDO_PLAN, &["--resume"], &[]);
                        assert_eq!(out.status.code(), Some(0), "{hook}: {}", text(&out));
                        bad.extend(verdict(hook, &sandbox, &before, writes, undo));
                    }
                    bad
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    eprintln!(
        "undo abort hook: {} crash points ({n} steps x 3 phases), {} with a difference",
        hooks.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn kill_9_at_varied_moments_of_an_undo_then_resume_restores_exactly() {
    let (undo, _) = baseline();
    let project = Project::new();
    let mut killed = 0;
    let mut bad = Vec::new();
    let delays_ms = [5, 15, 25, 40, 60, 80, 100, 130, 160, 200, 250, 300];
    for delay in delays_ms {
        let (sandbox, before, writes) = migrated(&project, Some("3..9"), delay);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ghl-migrate"))
            .current_dir(project.path())
            .env(TOKEN_ENV, TOKEN)
            .env_remove("GHL_MIGRATE_TEST_ABORT")
            .args(["apply", UNDO_PLAN, "-c", "live.yaml", "--progress", "none"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL
        if child.wait().unwrap().code().is_none() {
            killed += 1;
        }
        let out = apply(&project, UNDO_PLAN, &["--resume"], &[]);
        let out = match out.status.code() {
            // Killed before its run began: nothing to resume, a fresh apply starts it.
            Some(1) if text(&out).contains("--resume") => apply(&project, UNDO_PLAN, &[], &[]),
            _ => out,
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "after {delay} ms: {}",
            text(&out)
        );
        bad.extend(verdict(
            &format!("{delay} ms"),
            &sandbox,
            &before,
            writes,
            undo,
        ));
    }
    eprintln!(
        "undo kill -9: {} moments, {killed} killed mid-run, {} with a difference",
        delays_ms.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn kill_9_among_the_deletes_of_an_undo_on_three_tokens_then_resume_restores_exactly() {
    let (undo, _) = baseline();
    let project = Project::new();
    let mut bad = Vec::new();
    for after in [2, 6] {
        let (sandbox, before, writes) = migrated_on(Tokens::Three, &project, Some("3..9"), after);
        let mut child = project.spawn(
            &["apply", UNDO_PLAN, "-c", "live.yaml", "--progress", "none"],
            std::process::Stdio::null,
        );
        while counts(&sandbox).1 - writes.1 < after && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill(); // SIGKILL
        assert_eq!(
            child.wait().unwrap().code(),
            None,
            "killed among the deletes"
        );
        let out = apply(&project, UNDO_PLAN, &["--resume"], &[]);
        assert_eq!(out.status.code(), Some(0), "after {after}: {}", text(&out));
        bad.extend(verdict(
            &format!("after {after} deletes"),
            &sandbox,
            &before,
            writes,
            undo,
        ));
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

//! `apply` through the real binary against the project's sandbox over real HTTP (V2): a complete
//! run, idempotence, lost answers, a location forbidding duplicates, 429 storms, a nearly spent
//! daily budget, and every refusal (stale plan, dangling reference, concurrent apply, corrupt
//! or foreign checkpoint, partial run without --resume).

mod apply_support;

use apply_support::*;
use ghl_migrate::sandbox::{FaultKind, FaultRule};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_complete_apply_then_a_second_one_that_writes_nothing() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("apply t: complete"), "{}", text(&out));

    let account = sandbox.account();
    let lines = canonical(&account);
    // 1 existing + 10 created contacts (one with no email or phone, identified by a stamped
    // source id); the existing one got the phone and the tag merged in.
    assert_eq!(account.contacts.len(), 11, "{lines:#?}");
    assert_eq!(account.custom_fields.len(), 4, "{lines:#?}");
    assert_eq!(account.opportunities.len(), 5, "{lines:#?}");
    let old = account
        .contacts
        .iter()
        .find(|c| c.email.as_deref() == Some("old@acme.test"))
        .unwrap();
    assert_eq!(old.phone.as_deref(), Some("+15550110"));
    assert!(old.tags.contains(&"customer".to_string()) && old.tags.contains(&"vip".to_string()));

    let before = sandbox.stats();
    let again = project.apply(&[], &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let after = sandbox.stats();
    assert_eq!(after.writes_committed, before.writes_committed);
    assert_eq!(after.requests, before.requests);
    assert_eq!(canonical(&sandbox.account()), lines);

    // status reads the same checkpoint, in the seed system's shape.
    let status = bin()
        .current_dir(project.path())
        .args([
            "status",
            "plans/t.plan.yaml",
            "--state",
            "state.sqlite",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["contacts"]["status"], "completed");
    assert_eq!(json["contacts"]["created_count"], 10);
    assert_eq!(json["contacts"]["mapped_count"], 11);
    assert_eq!(json["opportunities"]["created_count"], 5);
    assert_eq!(json["custom_fields"]["created_count"], 3);
    assert_eq!(json["pipelines"]["mapped_count"], 1);
    assert!(json["duration_minutes"].is_number());
    assert_eq!(
        json["smart_mapping_report"]["summary"]["pipelines_mapped"],
        1
    );
    assert!(json["smart_mapping_report"]["summary"]["overall_readiness_percent"].is_number());
}

#[test]
fn answers_lost_after_the_write_create_nothing_twice() {
    let project = Project::new();
    let expected = expected_target();
    for kind in [
        FaultKind::GatewayTimeout,
        FaultKind::Drop,
        FaultKind::ServerError,
        FaultKind::Malformed,
    ] {
        let post = |prefix: &str, count| FaultRule {
            method: Some("POST".into()),
            path_prefix: Some(prefix.into()),
            count: Some(count),
            ..FaultRule::new(kind)
        };
        let sandbox = serve(options());
        project.live_config(&sandbox, "");
        let _ = std::fs::remove_file(project.state_path());
        project.begin_and_crash();
        sandbox.set_faults(vec![
            post("/contacts/", 2),
            post("/opportunities/", 2),
            post("/locations/", 1),
        ]);
        let out = project.apply(&["--resume"], &[]);
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
        assert_eq!(canonical(&sandbox.account()), expected, "{kind:?}");
        assert_eq!(sandbox.stats().faults_injected, 5, "{kind:?}");
    }
}

/// GoHighLevel's searches may lag behind its writes. A create whose answer is lost is looked
/// up once `search_lag_ms` has passed, and nothing lands twice; looked up at once, the lookup
/// misses what did land and sends it again: the duplicates the wait is for.
#[test]
fn lost_answers_under_a_lagging_search_are_looked_up_after_the_lag() {
    let project = Project::new();
    let expected = expected_target();
    // Waiting 500 ms for a 300 ms lag always finds what landed; not waiting misses it whatever
    // the machine's speed, since that sandbox's lag is longer than the test can take.
    for (wait_ms, lag_ms, waits) in [(500, 300, true), (0, 600_000, false)] {
        let config = format!("  search_lag_ms: {wait_ms}\n");
        let sandbox = serve(ghl_migrate::sandbox::Options {
            search_lag_ms: lag_ms,
            ..options()
        });
        project.live_config(&sandbox, &config);
        let _ = std::fs::remove_file(project.state_path());
        project.begin_and_crash();
        let post = |prefix: &str| FaultRule {
            method: Some("POST".into()),
            path_prefix: Some(prefix.into()),
            count: Some(1),
            ..FaultRule::new(FaultKind::GatewayTimeout)
        };
        sandbox.set_faults(vec![post("/contacts/"), post("/opportunities/")]);
        let out = project.apply(&["--resume"], &[]);
        assert_eq!(out.status.code(), Some(0), "{config}: {}", text(&out));
        let account = sandbox.account();
        if waits {
            assert_eq!(canonical(&account), expected);
        } else {
            assert_eq!(account.contacts.len(), 12, "a contact sent twice");
            assert_eq!(account.opportunities.len(), 6, "an opportunity sent twice");
        }
    }
}

#[test]
fn a_location_that_forbids_duplicates_with_lost_answers() {
    let project = Project::new();
    let expected = expected_target();
    let mut opts = options();
    opts.forbid_duplicates = true;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "");
    project.begin_and_crash();
    sandbox.set_faults(vec![FaultRule {
        method: Some("POST".into()),
        path_prefix: Some("/contacts/".into()),
        count: Some(4),
        ..FaultRule::new(FaultKind::GatewayTimeout)
    }]);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected);
}

#[test]
fn a_429_storm_stops_with_75_and_the_resume_finishes() {
    let project = Project::new();
    let expected = expected_target();
    let mut opts = options();
    opts.rate = ghl_migrate::sandbox::RateLimit {
        max: 10_000,
        interval_ms: 50,
    };
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  max_retries: 1\n");
    project.begin_and_crash();
    sandbox.set_faults(vec![FaultRule {
        path_prefix: Some("/contacts/".into()),
        method: Some("POST".into()),
        ..FaultRule::new(FaultKind::TooManyRequests)
    }]);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(75), "{}", text(&out));
    let said = stdout(&out);
    assert!(
        said.contains("resume with: ghl-migrate apply plans/t.plan.yaml --resume --state state.sqlite -c live.yaml"),
        "{said}"
    );
    assert!(sandbox.stats().too_many_requests >= 2);
    // Without --resume the partial run is refused.
    let refused = project.apply(&[], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(stderr(&refused).contains("--resume"), "{}", text(&refused));

    sandbox.set_faults(vec![]);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected);
}

#[test]
fn a_nearly_spent_daily_budget_stops_with_75_and_the_resume_finishes() {
    let project = Project::new();
    let expected = expected_target();
    let mut opts = options();
    opts.daily = 30;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  daily_reserve: 5\n");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(75), "{}", text(&out));
    assert!(stdout(&out).contains("--resume"), "{}", text(&out));
    assert_ne!(canonical(&sandbox.account()), expected);

    // A new day.
    admin_post(&sandbox, "/_sandbox/reset-limits", "{}");
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected);
}

#[test]
fn asked_to_wait_for_the_daily_budget_it_says_when_and_goes_on_by_itself() {
    let project = Project::new();
    let expected = expected_target();
    let mut opts = options();
    // Days of two seconds, each with room for a third of the run.
    opts.daily = 20;
    opts.day_ms = 2_000;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  daily_reserve: 5\n");
    let out = project.apply(&["--wait-for-budget"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("going on by itself at"), "{err}");
    assert_eq!(canonical(&sandbox.account()), expected);
}

/// With `--progress json`, the wait for the daily budget is an event like the others: every
/// line on stderr is JSON (a machine reading them does not meet a line of text).
#[test]
fn with_json_progress_the_wait_for_the_budget_is_a_json_event() {
    let project = Project::new();
    let mut opts = options();
    opts.daily = 20;
    opts.day_ms = 2_000;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  daily_reserve: 5\n");
    let json = ["--progress", "json", "--wait-for-budget"];
    let out = run_with(&project, &[&APPLY_STATE[..], &json[..]].concat(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let waits: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "waiting_for_budget")
        .collect();
    assert!(!waits.is_empty(), "{events:?}");
    assert!(
        waits.iter().all(|w| w["until"].is_string()
            && w["message"]
                .as_str()
                .unwrap()
                .contains("going on by itself at")),
        "{waits:?}"
    );
}

#[test]
fn the_plan_counts_the_days_at_the_daily_limit_the_target_announces() {
    let project = Project::new();
    let mut opts = options();
    // 20 requests a day above the reserve: enough for the plan's reads, not for the writes.
    opts.daily = 100;
    let sandbox = serve(opts);
    project.live_config(&sandbox, "  daily_reserve: 80\n");
    let out = bin()
        .current_dir(project.path())
        .env(TOKEN_ENV, TOKEN)
        .args(["plan", "-c", "live.yaml", "--progress", "none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = stdout(&out);
    let line = said
        .lines()
        .find(|l| l.starts_with("budget: about "))
        .unwrap_or_else(|| panic!("no budget line: {said}"));
    assert!(
        line.contains("at 100 a day per location (the target's announced limit"),
        "{line}"
    );
    let requests: u64 = line["budget: about ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let days = requests.div_ceil(100 - 80);
    assert!(days > 1, "{line}");
    assert!(
        line.ends_with(&format!(
            "{days} days: run `apply --wait-for-budget` to go on by itself each day"
        )),
        "{line}"
    );
}

#[test]
fn a_stale_plan_is_refused_before_any_write() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    // Someone edits the target after the plan was made.
    admin_post(&sandbox, "/_sandbox/faults", "{}");
    let before = sandbox.stats().writes_committed;
    sandbox
        .memory
        .add_tags("TC1aaaaaaaaaaaaaaaaa", &["edited".to_string()])
        .unwrap();
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("stale plan"), "{}", text(&out));
    assert!(stderr(&out).contains("re-run plan"), "{}", text(&out));
    assert_eq!(sandbox.stats().writes_committed, before);
}

#[test]
fn a_hand_edited_plan_with_a_dangling_reference_is_refused() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    project.edit_plan(|plan| {
        let i = plan
            .steps
            .iter()
            .position(|s| s.id == "contact/a@acme.test")
            .expect("the plan creates contact a");
        plan.steps.remove(i);
        *plan.summary.contacts.get_mut("create").unwrap() -= 1;
        for s in &mut plan.steps {
            s.after.retain(|a| a != "contact/a@acme.test");
        }
    });
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("contact/a@acme.test"),
        "{}",
        text(&out)
    );
    assert_eq!(sandbox.stats().writes_committed, 0);
}

#[test]
fn a_second_concurrent_apply_is_refused() {
    let project = Project::new();
    let mut opts = options();
    opts.latency = Some("40..60".parse().unwrap());
    let sandbox = serve(opts);
    project.live_config(&sandbox, "");
    let mut first = project.spawn_apply(std::process::Stdio::null);
    // The lock file names its holder once the lock is taken.
    let lock = project.path().join("state.sqlite.lock");
    while std::fs::read_to_string(&lock).map_or(true, |s| s.trim().is_empty()) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = project.apply(&[], &[]);
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    assert!(
        stderr(&second).contains("another apply is running"),
        "{}",
        text(&second)
    );
    assert!(first.wait().unwrap().success());
}

#[test]
fn a_corrupt_or_foreign_checkpoint_is_refused_with_a_message() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    std::fs::write(
        project.state_path(),
        b"garbage, not a database at all, really not".repeat(50),
    )
    .unwrap();
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("not a ghl-migrate checkpoint"),
        "{}",
        text(&out)
    );
    // Going on without the ledger is said with its one danger: the target's search lag.
    assert!(
        stderr(&out).contains("keep a copy of it") && stderr(&out).contains("search_lag_ms"),
        "{}",
        text(&out)
    );

    // A revision made before another revision's run wrote to the target did not see it.
    std::fs::remove_file(project.state_path()).unwrap();
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    project.edit_plan(another_revision);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("run #1 of this migration") && stderr(&out).contains("re-run plan"),
        "{}",
        text(&out)
    );
}

/// Runs apply on a slow sandbox, sends it `signals` SIGTERMs once the run has begun, and returns
/// its output.
fn terminated(project: &Project, signals: usize) -> std::process::Output {
    let child = project.spawn_apply(std::process::Stdio::piped);
    // The run is recorded once the plan passed its stale check, after the handler is installed.
    let state = project.state_path();
    let begun = || {
        ghl_migrate::state::State::open(&state, ghl_migrate::state::Access::Read)
            .and_then(|mut s| s.select_latest())
            .is_ok_and(|r| r.is_some())
    };
    while !begun() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for _ in 0..signals {
        let term = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn sigterm_stops_cleanly_with_75_and_the_resume_finishes() {
    let project = Project::new();
    let expected = expected_target();
    for signals in [1, 2] {
        let mut opts = options();
        opts.latency = Some("20..30".parse().unwrap());
        let sandbox = serve(opts);
        project.live_config(&sandbox, "");
        let _ = std::fs::remove_file(project.state_path());
        let out = terminated(&project, signals);
        assert_eq!(out.status.code(), Some(75), "{signals}: {}", text(&out));
        if signals == 1 {
            let said = stdout(&out);
            assert!(said.contains("stopped early: interrupted"), "{said}");
            assert!(said.contains("resume with:"), "{said}");
        }
        let out = project.apply(&["--resume"], &[]);
        assert_eq!(out.status.code(), Some(0), "{signals}: {}", text(&out));
        assert_eq!(canonical(&sandbox.account()), expected, "{signals}");
    }
}

#[test]
fn an_object_the_api_refuses_fails_with_its_reason_and_exit_4() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    // A hand edit the API refuses: a stage that is not in the pipeline.
    project.edit_plan(|plan| {
        let step = plan
            .steps
            .iter_mut()
            .find(|s| s.id.starts_with("opportunity/b@acme.test"))
            .unwrap();
        let ghl_migrate::plan::Action::CreateOpportunity(o) = &mut step.action else {
            panic!("{step:?}")
        };
        o.pipeline_stage_id = "99999999-9999-9999-9999-999999999999".into();
    });

    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let said = stdout(&out);
    assert!(said.contains("failed opportunity/b@acme.test"), "{said}");
    assert!(said.contains("HTTP 4"), "{said}");
    assert_eq!(sandbox.account().opportunities.len(), 4);
    // Finished: applying again sends nothing and says the same.
    let again = project.apply(&[], &[]);
    assert_eq!(again.status.code(), Some(4), "{}", text(&again));
}

#[test]
fn network_down_stops_with_75_and_the_resume_finishes_elsewhere() {
    let project = Project::new();
    let expected = expected_target();
    let sandbox = serve(options());
    project.live_config(&sandbox, "  max_retries: 1\n");
    project.begin_and_crash();
    // The server goes away: connections are refused.
    let account = sandbox.account();
    drop(sandbox);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(75), "{}", text(&out));
    assert!(stdout(&out).contains("resume with:"), "{}", text(&out));

    // It comes back (at another address) with what it held.
    let sandbox = ghl_migrate::sandbox::start(account, options()).unwrap();
    project.live_config(&sandbox, "");
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected);
}

#[test]
fn over_v1_a_complete_apply_and_crashes_then_resume_give_the_same_target() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config_v1(&sandbox);
    let out = project.apply(&[], &[]);
    // V1 cannot create a contact without email or phone: that one step is refused, the rest done.
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        stdout(&out).contains("failed contact/source:C11: POST /contacts/ answered HTTP 422"),
        "{}",
        text(&out)
    );
    let expected = canonical(&sandbox.account());
    assert_eq!(sandbox.account().contacts.len(), 10);
    assert_eq!(sandbox.account().opportunities.len(), 5);

    for hook in ["3:sent", "9:sent", "12:recorded", "15:intent"] {
        let sandbox = serve(options());
        project.live_config_v1(&sandbox);
        std::fs::remove_file(project.state_path()).unwrap();
        let out = project.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", hook)]);
        assert_eq!(out.status.code(), None, "{hook}: {}", text(&out));
        let out = project.apply(&["--resume"], &[]);
        assert_eq!(out.status.code(), Some(4), "{hook}: {}", text(&out));
        assert_eq!(canonical(&sandbox.account()), expected, "{hook}");
    }
}

/// Over V1 a location key may not read its own location, so the location check alone cannot
/// tell a target from a copy of it: a resume also reads back a contact the run created, and
/// refuses a location that does not hold it, before any write.
#[test]
fn over_v1_a_resume_against_a_copy_of_the_target_is_refused() {
    let project = Project::new();
    let written = serve(options());
    project.live_config_v1(&written);
    let out = project.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", "8:recorded")]);
    assert_eq!(out.status.code(), None, "{}", text(&out));

    let copy = serve(options());
    project.live_config_v1(&copy);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("does not look like the location this run wrote to"),
        "{}",
        text(&out)
    );
    assert_eq!(copy.stats().writes_committed, 0);

    project.live_config_v1(&written);
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
}

#[test]
fn a_wrong_token_is_refused_with_1_and_never_printed() {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[(TOKEN_ENV, "wrong-secret-token")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("401"), "{}", text(&out));
    assert!(!text(&out).contains("wrong-secret-token"), "{}", text(&out));
    assert_eq!(sandbox.stats().writes_committed, 0);
    // Nothing was begun: a later apply with the right token starts fresh.
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

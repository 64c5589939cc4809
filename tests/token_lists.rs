//! A target named by several tokens (`token_env: [A, B, C]`), attacked through the values a
//! person may put in those variables: whatever they hold, a bad one is named by its variable,
//! never shown, and nothing is written with it.

mod apply_support;

use apply_support::*;

#[test]
fn a_token_with_a_line_break_in_a_list_is_named_before_anything_is_sent() {
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    let (var, _) = MORE_TOKENS[0];
    for value in [
        "apply-test\ntoken-b",
        "apply-test-token\r-b",
        "apply\u{7f}test-token-b",
    ] {
        let out = project.apply(&[], &[(var, value)]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains(&format!("variable {var} ")), "names it: {all}");
        for part in value.split(|c: char| c.is_control()) {
            assert!(!all.contains(part), "never the token: {all}");
        }
        assert_eq!(sandbox.stats().writes_committed, 0, "{all}");
    }
}

/// A variable of the list that is empty, only spaces, or not set at all: `apply` names it
/// and sends nothing (it does not quietly go on with the others: the list says what to use).
#[test]
fn an_empty_or_unset_variable_in_a_list_is_named_before_anything_is_sent() {
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    let unset = "GHL_APPLY_TEST_TOKEN_UNSET";
    project.live_config_token_list(&sandbox, &[TOKEN_ENV, unset, MORE_TOKENS[1].0], "");
    for (var, value) in [
        (unset, None),
        (MORE_TOKENS[1].0, Some("")),
        (MORE_TOKENS[1].0, Some("  \t ")),
    ] {
        if value.is_some() {
            project.live_config_three_tokens(&sandbox, "");
        }
        let env: Vec<(&str, &str)> = value.map(|v| (var, v)).into_iter().collect();
        let out = project.apply(&[], &env);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains(&format!("variable {var} ")), "names it: {all}");
        assert!(all.contains("not set or empty"), "{all}");
        assert_eq!(sandbox.stats().requests, 0, "{all}");
    }
}

#[test]
fn check_names_a_first_or_other_token_with_a_line_break_and_says_how_to_fix_it() {
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    for (var, value) in [
        (TOKEN_ENV, "FirstHalfA\nSecondHalfA"),
        (MORE_TOKENS[1].0, "FirstHalfC\nSecondHalfC"),
    ] {
        let out = run_with(
            &project,
            &["check", "-c", "live.yaml"],
            &[MORE_TOKENS[0], MORE_TOKENS[1], (var, value)],
        );
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains(&format!("variable {var} ")), "names it: {all}");
        assert!(
            all.contains(&format!("export {var}=")),
            "says how to fix it: {all}"
        );
        for part in value.split('\n') {
            assert!(!all.contains(part), "never the token: {all}");
        }
    }
}

/// `live.yaml` with the target's `token_env:` written as `value` (its line is the 8th).
fn with_token_env(project: &Project, value: &str) {
    let text = format!(
        "name: t\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: v2\n  \
         location_id: {TARGET_LOCATION}\n  token_env: {value}\n  base_url: http://127.0.0.1:9\n"
    );
    std::fs::write(project.path().join("live.yaml"), text).unwrap();
}

#[test]
fn a_token_env_that_is_not_a_name_or_a_list_of_names_is_refused_where_it_sits() {
    let project = Project::new();
    for (value, says) in [
        ("5", "a list of names"),
        ("true", "a list of names"),
        ("{A: B}", "a list of names"),
        ("[[GHL_A]]", "a list holds names only"),
        ("[GHL_A, [GHL_B]]", "a list holds names only"),
        ("[GHL_A, {B: C}]", "a list holds names only"),
        ("[]", "at least one"),
        ("[ ]", "at least one"),
        ("[GHL_A, GHL_A]", "names GHL_A twice"),
        ("[GHL_A, $GHL_B]", "the NAME of an environment variable"),
        (
            "[GHL_A, pit-0a1b2c3d]",
            "the NAME of an environment variable",
        ),
        ("[GHL_A, \"\"]", "the NAME of an environment variable"),
    ] {
        with_token_env(&project, value);
        let out = run(&project, &["check", "-c", "live.yaml"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{value}: {all}");
        assert!(all.contains("live.yaml:8:"), "{value}: where: {all}");
        assert!(all.contains("token_env"), "{value}: what: {all}");
        assert!(all.contains(says), "{value}: {says}: {all}");
        assert!(
            !all.contains("pit-0a1b"),
            "{value}: never a pasted token: {all}"
        );
    }
}

/// `apply --wait-for-budget` in the background, its stderr piped.
fn apply_waiting_for_budget(project: &Project) -> std::process::Child {
    project.spawn(
        &[
            &APPLY_STATE[..],
            &["--progress", "none", "--wait-for-budget"],
        ]
        .concat(),
        std::process::Stdio::piped,
    )
}

/// Three tokens sharing one daily budget of 20 requests (days of 3 s, 5 kept in reserve):
/// `apply --wait-for-budget` is stopped with `signal` while it waits for the next day, then
/// resumed (waiting again as needed): exactly the target, whatever the stop.
fn stopped_while_waiting_for_the_budget(signal: &str) {
    let expected = expected_target();
    let project = Project::new();
    let mut opts = three_tokens();
    opts.daily = 20;
    opts.day_ms = 3_000;
    let sandbox = serve(opts);
    project.live_config_three_tokens(&sandbox, "  daily_reserve: 5\n");
    let mut child = apply_waiting_for_budget(&project);
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    for line in std::io::BufRead::lines(stderr) {
        let line = line.unwrap();
        said += &line;
        said.push('\n');
        if line.contains("waiting") {
            break;
        }
    }
    assert!(
        said.contains("going on by itself at"),
        "never waited: {said}"
    );
    let written = sandbox.stats().writes_committed;
    let kill = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let all = format!("{said}{}", text(&out));
    match signal {
        "-KILL" => assert_eq!(out.status.code(), None, "{all}"),
        _ => {
            assert_eq!(out.status.code(), Some(75), "{all}");
            assert!(all.contains("--resume"), "says how to go on: {all}");
        }
    }
    assert_eq!(
        sandbox.stats().writes_committed,
        written,
        "nothing sent after the stop"
    );
    let out = project.apply(&["--resume", "--wait-for-budget"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(canonical(&sandbox.account()), expected);
}

#[test]
fn sigterm_while_waiting_for_the_daily_budget_exits_75_and_the_resume_finishes_exactly() {
    stopped_while_waiting_for_the_budget("-TERM");
}

#[test]
fn kill_9_while_waiting_for_the_daily_budget_then_resume_finishes_exactly() {
    stopped_while_waiting_for_the_budget("-KILL");
}

/// Every output of a run on three tokens, one refused midway and a write failing, traced at
/// the most verbose level, in JSON progress; then `status`, `check` and `probe`; then the
/// files the run left: none holds any token's value.
#[test]
fn no_token_of_a_list_appears_in_any_output_or_file_even_traced() {
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    admin_post(
        &sandbox,
        "/_sandbox/faults",
        r#"{"faults": [{"kind": "401", "method": "POST", "pathPrefix": "/contacts/$", "count": 1},
                       {"kind": "422", "method": "POST", "pathPrefix": "/opportunities/$", "count": 1}]}"#,
    );
    let env = [&[("RUST_LOG", "trace")][..], &MORE_TOKENS[..]].concat();
    let mut outputs = Vec::new();
    for args in [
        &[
            "apply",
            "plans/t.plan.yaml",
            "-c",
            "live.yaml",
            "--state",
            "state.sqlite",
            "--progress",
            "json",
        ][..],
        &["status", "plans/t.plan.yaml", "--state", "state.sqlite"],
        &[
            "status",
            "plans/t.plan.yaml",
            "--state",
            "state.sqlite",
            "--format",
            "json",
        ],
        &["check", "-c", "live.yaml"],
        &["probe", "-c", "live.yaml"],
    ] {
        outputs.push(run_with(&project, args, &env));
    }
    let applied = text(&outputs[0]);
    assert!(
        applied.contains(r#""event":"token_refused""#),
        "a token was refused: {applied}"
    );
    let mut files = Vec::new();
    for entry in walk(project.path()) {
        files.push((entry.display().to_string(), std::fs::read(&entry).unwrap()));
    }
    let tokens = [TOKEN, MORE_TOKENS[0].1, MORE_TOKENS[1].1];
    for out in &outputs {
        let all = text(out);
        assert!(all.len() > 200, "said something: {all}");
        for token in tokens {
            assert!(!all.contains(token), "{token} in: {all}");
        }
    }
    for (name, bytes) in &files {
        for token in tokens {
            let found = bytes.windows(token.len()).any(|w| w == token.as_bytes());
            assert!(!found, "{token} in {name}");
        }
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// One of three tokens has a much smaller window of its own (1 request per second against
/// 10,000): the run neither storms that
/// token with 429s nor duplicates anything.
#[test]
fn a_token_with_a_much_smaller_window_of_its_own_is_neither_stormed_nor_a_source_of_duplicates() {
    let expected = expected_target();
    let project = Project::new();
    // The other two roomy, so that every 429 would be the small one's.
    let mut opts = ghl_migrate::sandbox::Options {
        rate: options().rate,
        ..three_tokens()
    };
    opts.tokens[2].rate = Some(ghl_migrate::sandbox::RateLimit {
        max: 1,
        interval_ms: 1_000,
    });
    let sandbox = serve(opts);
    project.live_config_three_tokens(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stats = sandbox.stats();
    eprintln!(
        "{} requests, {} answered 429, by token {:?}",
        stats.requests, stats.too_many_requests, stats.by_token
    );
    assert!(
        stats.too_many_requests <= 3,
        "{} 429s of {} requests",
        stats.too_many_requests,
        stats.requests
    );
    assert_eq!(canonical(&sandbox.account()), expected);
}

/// Answers lost on several tokens at once: creates that land after the client gave up (held
/// 1.5 s, timeout 1 s), creates committed and answered 504, opportunities committed and their
/// connection cut, and a token refused (401) among them, over three tokens with a search lag:
/// each write in doubt is looked up, whichever token carries the lookup, and none is sent
/// twice.
#[test]
fn answers_lost_on_several_tokens_at_once_are_looked_up_not_sent_again() {
    use ghl_migrate::sandbox::{FaultKind, FaultRule};
    const DELAY_MS: u64 = 1_500;
    let expected = expected_target();
    let project = Project::new();
    let mut opts = three_tokens();
    opts.search_lag_ms = 300;
    let sandbox = serve(opts);
    project.live_config_three_tokens(
        &sandbox,
        "  timeout_ms: 1000\n  search_lag_ms: 300\n  late_write_ms: 3000\n",
    );
    project.begin_and_crash();
    let rule = |kind, path: &str, count| FaultRule {
        method: Some("POST".into()),
        path_prefix: Some(path.into()),
        count: Some(count),
        delay_ms: Some(DELAY_MS),
        ..FaultRule::new(kind)
    };
    sandbox.set_faults(vec![
        rule(FaultKind::Late, "/contacts/$", 3),
        rule(FaultKind::Unauthorized, "/contacts/$", 1),
        rule(FaultKind::GatewayTimeout, "/contacts/$", 2),
        rule(FaultKind::Drop, "/opportunities/$", 2),
    ]);
    let mut out = project.apply(&["--resume"], &[]);
    for _ in 0..3 {
        if out.status.code() == Some(0) {
            break;
        }
        out = project.apply(&["--resume"], &[]);
    }
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(sandbox.stats().faults_injected, 8);
    std::thread::sleep(std::time::Duration::from_millis(DELAY_MS));
    assert_eq!(canonical(&sandbox.account()), expected, "{}", text(&out));
}

/// `--progress json` is for machines: a token refused midway is one more JSON event naming its
/// variable, and no line of stderr is anything but JSON.
#[test]
fn a_token_refused_midway_is_a_json_event_among_json_progress_lines() {
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    project.begin_and_crash();
    admin_post(
        &sandbox,
        "/_sandbox/faults",
        r#"{"faults": [{"kind": "401", "method": "POST", "pathPrefix": "/contacts/$", "count": 1}]}"#,
    );
    let args = [
        "apply",
        "plans/t.plan.yaml",
        "-c",
        "live.yaml",
        "--state",
        "state.sqlite",
    ];
    let out = run_with(
        &project,
        &[&args[..], &["--resume", "--progress", "json"]].concat(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}\n{stderr}")))
        .collect();
    let refused: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "token_refused")
        .collect();
    assert_eq!(refused.len(), 1, "{stderr}");
    let var = refused[0]["token_env"].as_str().unwrap();
    assert!(
        [TOKEN_ENV, MORE_TOKENS[0].0, MORE_TOKENS[1].0].contains(&var),
        "{stderr}"
    );
}

/// Two variables of the list holding the same token: one window, not two (the server counts
/// by token), so the run paces them as one: no 429 storm, nothing twice.
#[test]
fn two_variables_with_the_same_token_are_paced_as_one_window() {
    let expected = expected_target();
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    let out = project.apply(&[], &[(MORE_TOKENS[0].0, MORE_TOKENS[1].1)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stats = sandbox.stats();
    // Paced as two windows, half the requests would be refused; a loaded machine's late
    // timers cost a few.
    assert!(
        stats.too_many_requests * 10 <= stats.requests,
        "{} 429s of {} requests",
        stats.too_many_requests,
        stats.requests
    );
    assert_eq!(stats.by_token[1], 0, "{:?}", stats.by_token);
    assert_eq!(canonical(&sandbox.account()), expected);
}

/// A token beyond ASCII (or with spaces inside) that the server refuses: set aside by name like
/// any other, the run goes on with the rest, and no part of the value is shown.
#[test]
fn a_token_beyond_ascii_or_with_spaces_is_refused_by_name_and_never_shown() {
    let expected = expected_target();
    let project = Project::new();
    let (var, _) = MORE_TOKENS[1];
    for value in ["tökén-ünïcødé-ßecret", "spaced token with words"] {
        let sandbox = serve(three_tokens());
        project.live_config_three_tokens(&sandbox, "");
        let _ = std::fs::remove_file(project.state_path());
        let out = project.apply(&[], &[(var, value)]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(0), "{all}");
        assert!(all.contains(&format!("${var} ")), "names it: {all}");
        for part in ["ünïcødé", "ßecret", "spaced token", "with words"] {
            assert!(!all.contains(part), "never the token: {all}");
        }
        assert_eq!(canonical(&sandbox.account()), expected, "{all}");
    }
}

/// A server whose `x-ratelimit-daily-reset` is wrong (always "now"): `--wait-for-budget`
/// waits as told once, and when the budget was not back after it, checks again only after
/// the long poll, not every two seconds (each check spends requests of the location's budget,
/// its reserve included).
#[test]
fn a_daily_reset_time_that_is_wrong_does_not_make_the_wait_spin() {
    let project = Project::new();
    let mut opts = three_tokens();
    opts.daily = 20;
    opts.day_ms = 3_600_000;
    opts.daily_reset_ms = Some(0);
    let sandbox = serve(opts);
    project.live_config_three_tokens(&sandbox, "  daily_reserve: 5\n");
    let mut child = apply_waiting_for_budget(&project);
    // Each wait says when the run goes on; read them until one is the long poll (or too many).
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut waits = Vec::new();
    for line in std::io::BufRead::lines(stderr) {
        let line = line.unwrap();
        if line.contains("going on by itself") {
            waits.push(line);
            if waits.len() == 6 || waits.last().is_some_and(|w| w.contains("15 min")) {
                break;
            }
        }
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    let told = waits.iter().rposition(|w| w.contains("waiting 2 s"));
    assert!(told.is_some(), "waits as told once: {waits:?}");
    assert_eq!(
        told.map(|t| t + 2),
        Some(waits.len()),
        "then no more: {waits:?}"
    );
    assert!(
        waits[waits.len() - 1].contains("waiting 15 min"),
        "{waits:?}"
    );
    assert_eq!(out.status.code(), Some(75), "{}", text(&out));
}

/// `plan` with a token the server refuses among three: the plan is made with the others, and
/// the refused one is named (never shown) in a warning, or a `token_refused` JSON event.
#[test]
fn plan_names_a_token_the_server_refused_while_it_read() {
    let project = Project::new();
    let (var, _) = MORE_TOKENS[1];
    let value = "not-a-token-the-sandbox-knows";
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    let plan = ["plan", "-c", "live.yaml", "--progress"];
    let out = run_with(&project, &[&plan[..], &["none"]].concat(), &[(var, value)]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains(&format!(
            "warning: target: the server refused the token in ${var} "
        )),
        "{all}"
    );
    assert!(!all.contains(value), "never the token: {all}");
    let out = run_with(&project, &[&plan[..], &["json"]].concat(), &[(var, value)]);
    let refused: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|e: &serde_json::Value| e["event"] == "token_refused")
        .collect();
    assert_eq!(refused.len(), 1, "{}", text(&out));
    assert_eq!(refused[0]["token_env"], var);
}

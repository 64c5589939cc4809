//! `ghl-migrate serve` over real HTTP: the old system's six routes in their shapes, runs through
//! the API (plan, apply, stop, resume, events), a config update pacing a running apply, auth off
//! loopback, bad requests, and a server killed mid-apply. The target is the project's sandbox.

mod apply_support;
mod serve_support;
mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use apply_support::{
    MORE_TOKENS, Project, TOKEN, canonical, expected_target, options, serve, text, three_tokens,
};
use ghl_migrate::sandbox::LatencyRange;
use serve_support::{ID, Server, Start};

const API: &str = "/api/v1/migration";

/// A project whose target is a fresh sandbox; `rate_limit` lines go into live.yaml.
fn project(rate_limit: &str, latency_ms: Option<u64>) -> (Project, ghl_migrate::sandbox::Handle) {
    let project = Project::new();
    let sandbox = serve(ghl_migrate::sandbox::Options {
        latency: latency_ms.map(|ms| LatencyRange {
            min_ms: ms,
            max_ms: ms,
        }),
        ..options()
    });
    project.live_config(&sandbox, rate_limit);
    (project, sandbox)
}

fn post(server: &Server, path: &str, body: &str) -> support::Response {
    server.call("POST", &format!("{API}{path}"), Some(body))
}

fn no_token_in(what: &str, text: &str) {
    assert!(
        !text.contains(TOKEN),
        "{what} shows the target token: {text}"
    );
}

#[test]
fn the_old_routes_answer_in_their_shapes() {
    let (project, _sandbox) = project("", None);
    std::fs::remove_file(project.plan_path()).unwrap();
    let server = Server::start(&project, Start::default());

    let config = server.get(&format!("{API}/config"));
    assert_eq!(config["batch_size"], 4, "{config}");
    assert_eq!(config["rate_limit_delay"], 0.0);
    assert_eq!(config["origins"]["batch_size"], "live.yaml");
    assert_eq!(config["origins"]["rate_limit_delay"], "default");
    let keys: Vec<&str> = config["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"rate_limit.max_in_flight"), "{keys:?}");
    assert!(keys.contains(&"target.token"), "{keys:?}");

    // No plan yet: the summary says how to make one; the status says so too.
    let r = server.call("GET", &format!("{API}/summary"), None);
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("POST /api/v1/migration/plan")
    );
    assert_eq!(server.status()["state"], "no_plan");

    let plan = server.call("POST", &format!("{API}/plan"), None);
    assert_eq!(plan.status, 200, "{}", plan.body);
    let plan = plan.json();
    assert_eq!(plan["name"], "t");
    assert!(
        plan["mapping"]["overall_readiness_percent"].is_number(),
        "{plan}"
    );
    assert!(plan["summary"]["contacts"].is_object(), "{plan}");
    assert_eq!(server.get(&format!("{API}/plan"))["steps"], plan["steps"]);

    // The summary is the very document `status --format json` prints.
    let summary = server.get(&format!("{API}/summary"));
    let cli = apply_support::bin()
        .current_dir(project.path())
        .args(["status", "plans/t.plan.yaml", "-c", "live.yaml"])
        .args(["--state", "state.sqlite", "--format", "json"])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", text(&cli));
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(summary, cli);
    for key in ["custom_fields", "pipelines", "contacts", "opportunities"] {
        assert!(summary[key]["status"].is_string(), "{key}: {summary}");
    }
    assert!(summary["duration_minutes"].is_number());
    assert!(summary["smart_mapping_report"]["summary"]["overall_readiness_percent"].is_number());

    let status = server.status();
    for key in [
        "stage",
        "current",
        "total",
        "percentage",
        "message",
        "state",
    ] {
        assert!(!status[key].is_null(), "{key}: {status}");
    }
    assert_eq!(status["state"], "not_started");
    assert_eq!(status["stage"], "custom_fields");
    assert_eq!(status["current"], 0);
    let r = server.call("GET", &format!("{API}/status/another"), None);
    assert_eq!(r.status, 404, "{}", r.body);

    let env = server.get(&format!("{API}/debug/env"));
    assert_eq!(
        env["variables"][apply_support::TOKEN_ENV],
        format!("set, {} characters", TOKEN.len())
    );
    assert_eq!(env["migration_id"], ID);
    assert_eq!(env["auth"], "none (loopback)");

    let connection = server.get(&format!("{API}/test-connection"));
    assert_eq!(connection["ok"], true, "{connection}");
    assert_eq!(connection["target"]["connected"], true);
    let lines = connection["target"]["lines"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["what"] == "token" && l["status"] == "ok"),
        "{connection}"
    );
    assert_eq!(connection["source"]["connected"], true);

    for (what, body) in [
        ("config", config.to_string()),
        ("debug/env", env.to_string()),
        ("test-connection", connection.to_string()),
        ("status", status.to_string()),
    ] {
        no_token_in(what, &body);
    }
    let page = server.call("GET", "/", None);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<script src=\"/dashboard.js\">"),
        "{}",
        page.body
    );
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
}

#[test]
fn bad_requests_are_refused_and_say_why() {
    let (project, _sandbox) = project("", None);
    std::fs::remove_file(project.plan_path()).unwrap();
    let server = Server::start(&project, Start::default());
    let r = post(
        &server,
        "/config/update",
        r#"{"batch_size": 2, "colour": "blue"}"#,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{}",
        r.body
    );
    let r = post(&server, "/config/update", r#"{"rate_limit_delay": -1}"#);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("rate_limit_delay"), "{}", r.body);
    let r = post(&server, "/config/update", "{not json");
    assert_eq!(r.status, 400, "{}", r.body);
    let r = post(&server, "/apply", r#"{"resume": false, "force": true}"#);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("unknown field `force`"), "{}", r.body);
    // Nothing changed.
    assert_eq!(server.get(&format!("{API}/config"))["batch_size"], 4);

    let big = format!(
        "{{\"batch_size\": 2, \"pad\": \"{}\"}}",
        "x".repeat(64 * 1024)
    );
    let r = post(&server, "/config/update", &big);
    assert_eq!(r.status, 413, "{}", r.body);

    let r = post(&server, "/apply", "{}");
    assert_eq!(r.status, 404, "no plan yet: {}", r.body);
    let r = post(&server, &format!("/stop/{ID}"), "");
    assert_eq!(r.status, 409, "nothing runs: {}", r.body);
    let r = server.call("GET", "/api/v1/nothing", None);
    assert_eq!(r.status, 404, "{}", r.body);
    let r = server.call("GET", &format!("{API}/events/{ID}?for=0"), None);
    assert_eq!(r.status, 400, "{}", r.body);
}

/// A page on another site, open in the operator's browser, can send requests to a loopback
/// server (a form or `fetch(..., {mode: "no-cors"})` with a `text/plain` body needs no CORS
/// preflight), and a name it controls can be made to resolve to 127.0.0.1 (DNS rebinding) so
/// that it reads the answers too. Neither may drive or read the server.
#[test]
fn a_page_on_another_site_can_neither_drive_nor_read_the_server() {
    let (project, _sandbox) = project("", None);
    let server = Server::start(&project, Start::default());
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    let evil = [("Origin", "http://evil.example")];
    let r = server.call_with(
        "POST",
        &format!("{API}/config/update"),
        Some(r#"{"rate_limit_delay": 600, "batch_size": 1}"#),
        &evil,
    );
    assert_eq!(r.status, 403, "a cross-site config update: {}", r.body);
    assert!(r.body.contains("Origin"), "{}", r.body);
    let r = server.call_with("POST", &format!("{API}/apply"), Some("{}"), &evil);
    assert_eq!(r.status, 403, "a cross-site apply: {}", r.body);
    let r = server.call_with(
        "POST",
        &format!("{API}/plan"),
        None,
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(r.status, 403, "a cross-site plan: {}", r.body);
    let r = server.call_with(
        "POST",
        &format!("{API}/stop/{ID}"),
        None,
        &[("Origin", "null")],
    );
    assert_eq!(r.status, 403, "an opaque origin: {}", r.body);
    // Nothing changed, and nothing ran.
    let config = server.get(&format!("{API}/config"));
    assert_eq!(config["batch_size"], 4, "{config}");
    assert_eq!(config["rate_limit_delay"], 0.0, "{config}");
    assert_eq!(server.status()["state"], "not_started");

    // DNS rebinding: the browser calls the server by the attacker's name.
    let rebound = format!("evil.example:{port}");
    for path in [
        format!("{API}/debug/env"),
        format!("{API}/config"),
        "/".into(),
    ] {
        let r = server.call_with("GET", &path, None, &[("Host", rebound.as_str())]);
        assert_eq!(r.status, 403, "GET {path} by another name: {}", r.body);
        assert!(!r.body.contains("working_directory"), "{}", r.body);
    }

    // The server's own page, by any loopback name, still works.
    let own = format!("http://127.0.0.1:{port}");
    let r = server.call_with(
        "POST",
        &format!("{API}/config/update"),
        Some(r#"{"batch_size": 2}"#),
        &[("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let localhost = format!("localhost:{port}");
    let r = server.call_with(
        "GET",
        &format!("{API}/config"),
        None,
        &[("Host", localhost.as_str())],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["batch_size"], 2);
}

#[test]
fn off_loopback_every_request_needs_the_token() {
    let (project, _sandbox) = project("", None);
    // 0.0.0.0 can be reached from other machines: no token, no server.
    let out = apply_support::bin()
        .current_dir(project.path())
        .args(["serve", "-c", "live.yaml", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--token-env"),
        "{}",
        text(&out)
    );

    const SERVE_TOKEN: &str = "serve-token-0123456789";
    let server = Server::start(
        &project,
        Start {
            listen: Some("0.0.0.0:0"),
            args: &["--token-env", "SERVE_TOKEN"],
            env: &[("SERVE_TOKEN", SERVE_TOKEN), ("RUST_LOG", "debug")],
        },
    );
    for path in [
        "/".to_string(),
        "/dashboard.js".to_string(),
        format!("{API}/config"),
        format!("{API}/summary"),
        format!("{API}/status/{ID}"),
        format!("{API}/debug/env"),
        format!("{API}/test-connection"),
        format!("{API}/events/{ID}?for=1"),
    ] {
        let r = server.call("GET", &path, None);
        assert_eq!(r.status, 401, "GET {path} without the token: {}", r.body);
        assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
        let wrong = server.call_with("GET", &path, None, &[("Authorization", "Bearer nope")]);
        assert_eq!(wrong.status, 401, "GET {path} with a wrong token");
    }
    let r = post(&server, "/config/update", r#"{"batch_size": 2}"#);
    assert_eq!(r.status, 401);

    let bearer = format!("Bearer {SERVE_TOKEN}");
    let auth = [("Authorization", bearer.as_str())];
    let r = server.call_with("GET", &format!("{API}/debug/env"), None, &auth);
    assert_eq!(r.status, 200, "{}", r.body);
    let env = r.json();
    assert_eq!(env["auth"], "token required");
    assert_eq!(env["variables"]["SERVE_TOKEN"], "set, 22 characters");
    let r = server.call_with(
        "POST",
        &format!("{API}/config/update"),
        Some(r#"{"batch_size": 2}"#),
        &auth,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    for path in ["/", "/dashboard.js", &format!("{API}/config")] {
        let r = server.call_with("GET", path, None, &auth);
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        assert!(!r.body.contains(SERVE_TOKEN), "GET {path} shows the token");
        no_token_in(path, &r.body);
    }
    let log = server.stderr();
    assert!(!log.contains(SERVE_TOKEN), "the log shows the server token");
    no_token_in("the log", &log);

    // A token beyond ASCII works as a bearer token too, not only inside Basic.
    const WIDE_TOKEN: &str = "srvTOKEN+/=:é9-ünï";
    let server = Server::start(
        &project,
        Start {
            listen: Some("0.0.0.0:0"),
            args: &["--token-env", "SERVE_TOKEN"],
            env: &[("SERVE_TOKEN", WIDE_TOKEN)],
        },
    );
    let bearer = format!("Bearer {WIDE_TOKEN}");
    let r = server.call_with(
        "GET",
        &format!("{API}/config"),
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let wrong = format!("Bearer {}", WIDE_TOKEN.replace('é', "e"));
    let r = server.call_with(
        "GET",
        &format!("{API}/config"),
        None,
        &[("Authorization", &wrong)],
    );
    assert_eq!(r.status, 401, "{}", r.body);
}

/// Plans and starts an apply over HTTP; returns its 202 answer.
fn plan_and_apply(server: &Server) -> Value {
    let r = post(server, "/plan", "");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(server, "/apply", "{}");
    assert_eq!(r.status, 202, "{}", r.body);
    r.json()
}

#[test]
fn a_whole_migration_through_the_api_stops_and_resumes() {
    let expected = expected_target();
    // One request every 250 ms: the run lasts several seconds, long enough to stop it.
    let (project, sandbox) = project("  min_delay_ms: 250\n", None);
    let server = Server::start(&project, Start::default());
    let started = plan_and_apply(&server);
    assert_eq!(started["migration_id"], ID);
    assert_eq!(started["state"], "running");

    let r = post(&server, "/apply", "{}");
    assert_eq!(r.status, 409, "a second apply while one runs: {}", r.body);
    // A CLI apply is kept out by the same lock.
    let cli = project.apply(&[], &[]);
    assert_eq!(cli.status.code(), Some(1), "{}", text(&cli));
    assert!(
        text(&cli).contains("another apply is running"),
        "{}",
        text(&cli)
    );

    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(1)
    });
    let events = server.events(1.5);
    assert_eq!(events[0].0, "status", "{events:?}");
    assert!(
        events
            .iter()
            .any(|(n, d)| n == "progress" && d["event"] == "step_done"),
        "{events:?}"
    );

    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(2)
    });
    let r = post(&server, &format!("/stop/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["state"], "stopping");
    let stopped = server.wait_for("the stop", |s| {
        s["state"] != "stopping" && s["state"] != "running"
    });
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    assert_eq!(stopped["resumable"], true);
    assert_eq!(stopped["exit_code"], 75);
    assert_eq!(stopped["reason"], "interrupted");
    let partial = stopped["overall"]["current"].as_u64().unwrap();
    assert!(
        partial < stopped["overall"]["total"].as_u64().unwrap(),
        "{stopped}"
    );
    let summary = server.get(&format!("{API}/summary"));
    assert_eq!(summary["finished"], false, "{summary}");

    let r = post(&server, "/apply", "{}");
    assert_eq!(r.status, 409, "a partial run without resume: {}", r.body);
    assert!(r.body.contains(&format!("/resume/{ID}")), "{}", r.body);
    let r = post(&server, &format!("/resume/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["resumed"], true);
    let done = server.wait_for("the end", |s| s["state"] != "running");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["exit_code"], 0);
    assert_eq!(done["percentage"], 100.0);
    let summary = server.get(&format!("{API}/summary"));
    assert_eq!(summary["finished"], true, "{summary}");
    assert_eq!(summary["contacts"]["status"], "completed");
    assert_eq!(
        canonical(&sandbox.account()),
        expected,
        "nothing lost, nothing twice"
    );
}

/// A careless operator sets the longest delay the API accepts mid-run, then stops the run:
/// the steps in flight were only waiting for that self-imposed pause (nothing sent yet), so the
/// stop must not wait for it (batch_size × 600 s, longer than anyone waits before `kill -9`).
#[test]
fn a_stop_does_not_wait_out_an_extreme_delay_set_mid_run() {
    let expected = expected_target();
    let (project, sandbox) = project("", Some(100));
    let server = Server::start(&project, Start::default());
    plan_and_apply(&server);
    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(1)
    });
    let r = post(&server, "/config/update", r#"{"rate_limit_delay": 600}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    // Steps launched from now on wait for the pause: let one end (its place is taken by a
    // step that waits), and a moment more for the executor to launch it.
    let at = server.status()["overall"]["current"].as_u64().unwrap();
    server.wait_for("another step done", |s| {
        s["overall"]["current"].as_u64() > Some(at)
    });
    server.events(0.5);
    let r = post(&server, &format!("/stop/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    let stopped = server.wait_for("the stop", |s| {
        s["state"] != "stopping" && s["state"] != "running"
    });
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    // The setting itself stands: the next run is paced by it again.
    assert_eq!(
        stopped["rate_limit"]["rate_limit_delay"], 600.0,
        "{stopped}"
    );
    assert_eq!(
        server.get(&format!("{API}/config"))["rate_limit_delay"],
        600.0
    );

    let r = post(&server, "/config/update", r#"{"rate_limit_delay": 0}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(&server, &format!("/resume/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    let done = server.wait_for("the end", |s| s["state"] != "running");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(
        canonical(&sandbox.account()),
        expected,
        "nothing lost, nothing twice"
    );
}

/// After a stop, the dashboard's Plan button (and `POST /plan`) would write a new plan over the
/// one the stopped run belongs to: the checkpoint keeps one plan revision, so the run could no
/// longer be resumed, from the API or the CLI. A resumable run keeps its plan.
#[test]
fn a_new_plan_does_not_strand_a_stopped_run() {
    let expected = expected_target();
    let (project, sandbox) = project("  min_delay_ms: 250\n", None);
    let server = Server::start(&project, Start::default());
    plan_and_apply(&server);
    server.wait_for("two steps done", |s| {
        s["overall"]["current"].as_u64() >= Some(2)
    });
    let r = post(&server, &format!("/stop/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    let stopped = server.wait_for("the stop", |s| {
        s["state"] != "stopping" && s["state"] != "running"
    });
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    let before = std::fs::read_to_string(project.plan_path()).unwrap();

    let r = post(&server, "/plan", "");
    assert_eq!(r.status, 409, "a new plan over a resumable run: {}", r.body);
    assert!(r.body.contains(&format!("/resume/{ID}")), "{}", r.body);
    assert_eq!(
        std::fs::read_to_string(project.plan_path()).unwrap(),
        before,
        "the plan file is untouched"
    );

    let r = post(&server, "/config/update", r#"{"rate_limit_delay": 0}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(&server, &format!("/resume/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    let done = server.wait_for("the end", |s| s["state"] != "running");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(canonical(&sandbox.account()), expected);
}

/// Two servers (or a server and a CLI apply) on one checkpoint: while one applies, a plan made
/// by the other would replace the plan the run belongs to, and a stop would leave it stranded.
#[test]
fn a_plan_waits_for_an_apply_another_process_runs() {
    // Slow answers: the apply holds the lock a while (reading the target) before it records
    // its run in the checkpoint; the other process must not take that moment for "not started".
    let (project, _sandbox) = project("", Some(300));
    let applying = Server::start(&project, Start::default());
    let other = Server::start(&project, Start::default());
    plan_and_apply(&applying);
    let before = std::fs::read_to_string(project.plan_path()).unwrap();
    let r = post(&other, "/plan", "");
    assert_eq!(
        r.status, 409,
        "a plan while another process applies: {}",
        r.body
    );
    assert_eq!(
        std::fs::read_to_string(project.plan_path()).unwrap(),
        before
    );
    let r = post(&other, "/apply", "{}");
    assert_eq!(r.status, 409, "{}", r.body);
    let seen = other.status();
    assert!(
        seen["state"] == "running_elsewhere" || applying.status()["state"] != "running",
        "the other server's status while this one applies: {seen}"
    );
}

#[test]
fn a_config_update_paces_the_running_apply_at_once() {
    // One step at a time, 100 ms per request: a few seconds of run to change.
    let (project, _sandbox) = project("", Some(100));
    let server = Server::start(
        &project,
        Start {
            env: &[("MIGRATION_BATCH_SIZE", "1")],
            ..Start::default()
        },
    );
    assert_eq!(
        server.get(&format!("{API}/config"))["origins"]["batch_size"],
        "$MIGRATION_BATCH_SIZE"
    );
    plan_and_apply(&server);
    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(1)
    });
    const DELAY: f64 = 0.4;
    let r = post(
        &server,
        "/config/update",
        &json!({"rate_limit_delay": DELAY}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let config = r.json();
    assert_eq!(config["rate_limit_delay"], DELAY);
    assert_eq!(
        config["origins"]["rate_limit_delay"],
        "POST /api/v1/migration/config/update"
    );
    assert_eq!(config["origins"]["batch_size"], "$MIGRATION_BATCH_SIZE");
    let status = server.status();
    assert_eq!(
        status["state"], "running",
        "the run must still go on: {status}"
    );
    assert_eq!(status["rate_limit"]["rate_limit_delay"], DELAY, "{status}");

    // The steps that end from now on are, on average, at least the new delay apart (one in
    // flight; the first end may be of a request sent before the update).
    let events = server.events(3.5);
    let ends: Vec<u64> = events
        .iter()
        .filter(|(n, d)| n == "progress" && d["event"] == "step_done")
        .map(|(_, d)| d["at_ms"].as_u64().unwrap())
        .collect();
    assert!(ends.len() >= 4, "{events:?}");
    let mean = (ends[ends.len() - 1] - ends[1]) as f64 / (ends.len() - 2) as f64;
    assert!(
        mean >= DELAY * 1000.0 * 0.9,
        "steps {mean} ms apart: {ends:?}"
    );
    // And later runs: the effective config keeps it.
    assert_eq!(
        server.get(&format!("{API}/config"))["rate_limit_delay"],
        DELAY
    );
}

#[test]
fn a_server_killed_mid_apply_leaves_a_resumable_run() {
    let expected = expected_target();
    let (project, sandbox) = project("  min_delay_ms: 250\n", None);
    let server = Server::start(&project, Start::default());
    plan_and_apply(&server);
    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(2)
    });
    server.kill();

    // The CLI sees a partial run, and so does a new server.
    let cli = apply_support::bin()
        .current_dir(project.path())
        .args([
            "status",
            "plans/t.plan.yaml",
            "-c",
            "live.yaml",
            "--state",
            "state.sqlite",
        ])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", text(&cli));
    assert!(text(&cli).contains("--resume"), "{}", text(&cli));
    let server = Server::start(&project, Start::default());
    let status = server.status();
    assert_eq!(status["state"], "stopped", "{status}");
    assert_eq!(status["resumable"], true);
    assert_eq!(status["exit_code"], 75);
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains(&format!("/resume/{ID}")),
        "{status}"
    );
    let r = post(&server, "/apply", "{}");
    assert_eq!(r.status, 409, "{}", r.body);
    let r = post(&server, &format!("/resume/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    let done = server.wait_for("the end", |s| s["state"] != "running");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(
        canonical(&sandbox.account()),
        expected,
        "nothing lost, nothing twice"
    );
}

#[test]
fn a_terminated_server_stops_its_apply_as_ctrl_c_does() {
    let expected = expected_target();
    let (project, sandbox) = project("  min_delay_ms: 250\n", None);
    let mut server = Server::start(&project, Start::default());
    plan_and_apply(&server);
    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(2)
    });
    let pid = server.child.id().to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
    drop(server);

    let server = Server::start(&project, Start::default());
    let status = server.status();
    assert_eq!(status["state"], "stopped", "{status}");
    let summary = server.get(&format!("{API}/summary"));
    assert_eq!(summary["finished"], false, "{summary}");
    assert!(
        summary["requests"].as_u64() > Some(0),
        "the session was recorded: {summary}"
    );
    let r = post(&server, &format!("/resume/{ID}"), "");
    assert_eq!(r.status, 202, "{}", r.body);
    let done = server.wait_for("the end", |s| s["state"] != "running");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(
        canonical(&sandbox.account()),
        expected,
        "nothing lost, nothing twice"
    );
}

#[test]
fn a_target_with_three_tokens_applies_through_the_api_on_every_token_and_tells_a_refused_one() {
    let expected = expected_target();
    let project = Project::new();
    let sandbox = serve(three_tokens());
    project.live_config_three_tokens(&sandbox, "");
    let server = Server::start(
        &project,
        Start {
            env: &MORE_TOKENS,
            ..Start::default()
        },
    );
    // One token is refused at the run's first contact create (revoked mid-run).
    apply_support::admin_post(
        &sandbox,
        "/_sandbox/faults",
        r#"{"faults": [{"kind": "401", "method": "POST", "pathPrefix": "/contacts/$", "count": 1}]}"#,
    );
    plan_and_apply(&server);
    let done = server.wait_for("the end", |s| s["state"] != "running");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(
        canonical(&sandbox.account()),
        expected,
        "nothing lost, nothing twice"
    );
    // The refused token is told through the API, by its variable.
    let refused = done["refused_tokens"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{done}");
    let var = refused[0].as_str().unwrap();
    assert!(var.starts_with(apply_support::TOKEN_ENV), "{done}");
    let by_token = sandbox.stats().by_token;
    assert!(
        by_token.len() == 3 && by_token.iter().all(|n| *n > 0),
        "every token carries requests: {by_token:?}"
    );
    // The server's variables document counts every token's variable, and shows none.
    let env = server.get(&format!("{API}/debug/env")).to_string();
    for (var, token) in MORE_TOKENS {
        assert!(env.contains(var), "{env}");
        assert!(!env.contains(token), "{env}");
    }
    let log = server.stderr();
    for (_, token) in MORE_TOKENS {
        assert!(!log.contains(token), "the log shows a token: {log}");
    }
    no_token_in("the log", &log);
}

/// A server and a CLI apply in two folders (two ledgers) on one target location: the one that
/// starts second is refused, as two CLI applies are, or both would create every object.
#[test]
fn a_server_and_a_cli_apply_on_one_target_from_two_folders_do_not_both_write() {
    let (a, b) = (Project::new(), Project::new());
    let mut opts = options();
    // The server's first write (a field create) never gets an answer: its run holds on.
    opts.faults = vec![
        "hang,method=POST,path=/locations/TGT0000000000000000a/customFields"
            .parse()
            .unwrap(),
    ];
    let sandbox = serve(opts);
    a.live_config(&sandbox, "");
    b.live_config(&sandbox, "");
    let server = Server::start(&a, Start::default());
    plan_and_apply(&server);
    // Without the lock the CLI would hang on the same write: give it a bounded time.
    let out = apply_support::bin()
        .current_dir(b.path())
        .env(apply_support::TOKEN_ENV, TOKEN)
        .args(apply_support::APPLY)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("another apply is writing to target location"),
        "{said}"
    );
    // And the other way round: a server asked to apply while the CLI's run holds the target.
    drop(server);
    let c = Project::new();
    c.live_config(&sandbox, "");
    let server = Server::start(&c, Start::default());
    let holder = Server::start(&b, Start::default());
    plan_and_apply(&holder);
    let r = post(&server, "/plan", "");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(&server, "/apply", "{}");
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body
            .contains("another apply is writing to target location"),
        "{}",
        r.body
    );
}

/// Event streams are capped: a flood of open streams is refused with 503 past the cap, and a
/// closed one frees its place.
#[test]
fn event_streams_past_the_cap_are_refused_until_one_closes() {
    use std::io::{Read, Write};
    let (project, _sandbox) = project("", None);
    let server = Server::start(&project, Start::default());
    let path = format!("{API}/events/{ID}?for=60");
    let open = |n: usize| -> Vec<std::net::TcpStream> {
        (0..n)
            .map(|_| {
                let mut s = std::net::TcpStream::connect(&server.addr).unwrap();
                write!(s, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).unwrap();
                // The first event (the status) says the stream is open.
                let mut first = [0u8; 64];
                let n = s.read(&mut first).unwrap();
                assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
                s
            })
            .collect()
    };
    let mut streams = open(64);
    let r = server.call("GET", &format!("{API}/events/{ID}?for=1"), None);
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("64 event streams are open"), "{}", r.body);
    drop(streams.pop());
    // The server sees the closed connection at its next write (a keep-alive or an event).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = server.call("GET", &format!("{API}/events/{ID}?for=0.2"), None);
        if r.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a closed stream never freed its place"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

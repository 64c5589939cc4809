//! `ghl-migrate check` run as a binary against the sandbox (and a scripted peer): all passing,
//! each kind of failure with its fix, V1's end-of-support notice, fixture accounts, and no
//! token in any output even at `RUST_LOG=trace`.

mod client_rawserver;
mod support;

use std::path::Path;

use assert_cmd::Command;
use client_rawserver::{Reply, Server};
use serde_json::json;
use support::{LOCATION, Sandbox, TOKEN, TOKEN_2};

fn write_config(dir: &Path, source: &str, target: &str) -> std::path::PathBuf {
    let path = dir.join("migration.yaml");
    let text = format!(
        "name: demo\nsource:\n{source}\ntarget:\n{target}\nrate_limit:\n  timeout_ms: 2000\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn live(api: &str, base: &str, location: &str, var: &str) -> String {
    format!("  api: {api}\n  location_id: {location}\n  token_env: {var}\n  base_url: {base}")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check(config: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"));
    cmd.arg("check")
        .arg("-c")
        .arg(config)
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn both_accounts_pass_and_the_headers_are_shown() {
    let sandbox = Sandbox::start(&support::account(3), &[]);
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let config = write_config(
        dir.path(),
        &live("v1", &format!("{base}/v1"), LOCATION, "SRC_KEY"),
        &live("v2", &base, LOCATION, "TGT_TOKEN"),
    );
    let run = check(&config, &[("SRC_KEY", TOKEN), ("TGT_TOKEN", TOKEN_2)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("check: all passed"), "{}", run.stdout);
    assert!(run.stdout.contains("end-of-support"), "{}", run.stdout);
    assert!(
        run.stdout.contains("contacts search: 3 contacts in all"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("rate limit: 100 requests per 10000 ms"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("daily"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
}

#[test]
fn a_wrong_token_fails_with_a_fix_and_exit_1() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let config = write_config(
        dir.path(),
        &live("v2", &base, LOCATION, "SRC"),
        &live("v2", &base, LOCATION, "TGT"),
    );
    let run = check(&config, &[("SRC", "wrong-token-value"), ("TGT", TOKEN)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("FAIL  location: GET /locations/"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("answered HTTP 401"), "{}", run.stdout);
    assert!(
        run.stdout.contains("fix: the token in $SRC was refused"),
        "{}",
        run.stdout
    );
    // Every read fails the same way: the fix is given once, the other reads point to it.
    assert_eq!(
        run.stdout.matches("was refused").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("fix: as above"), "{}", run.stdout);
    assert!(!run.stdout.contains("wrong-token-value") && !run.stderr.contains("wrong-token-value"));
}

#[test]
fn a_v1_base_url_without_v1_gets_that_hint() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let config = write_config(
        dir.path(),
        &live("v1", &base, LOCATION, "SRC"),
        &live("v2", &base, LOCATION, "TGT"),
    );
    let run = check(&config, &[("SRC", TOKEN), ("TGT", TOKEN)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "fix: the V1 API lives under /v1: set `base_url: {base}/v1`"
        )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("scope"), "{}", run.stdout);
}

#[test]
fn a_wrong_location_fails() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let config = write_config(
        dir.path(),
        &live("v2", &base, "LOCwrong000000000000", "SRC"),
        &live("v1", &format!("{base}/v1"), "LOCwrong000000000000", "TGT"),
    );
    let run = check(&config, &[("SRC", TOKEN), ("TGT", TOKEN)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("FAIL  location: GET /locations/LOCwrong000000000000 answered HTTP 403"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("belongs to location LOCwrong000000000000"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_scope_names_the_scope() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &[
            "--token-scopes",
            "SANDBOX_TOKEN_2=contacts,locations,custom-fields,opportunities",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let config = write_config(
        dir.path(),
        &live("v2", &base, LOCATION, "SRC"),
        &live("v2", &base, LOCATION, "TGT"),
    );
    let run = check(&config, &[("SRC", TOKEN_2), ("TGT", TOKEN)]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("FAIL  users: GET /users/ answered HTTP 401"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("`users.readonly`"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("FAIL").count(), 1, "{}", run.stdout);
}

#[test]
fn a_missing_token_variable_says_what_to_export() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &live("v2", "http://127.0.0.1:9", LOCATION, "NOT_SET_ANYWHERE_XYZ"),
        "  api: fixture\n  path: target.json",
    );
    std::fs::write(
        dir.path().join("target.json"),
        support::account(2).to_string(),
    )
    .unwrap();
    let run = check(&config, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("FAIL  token: $NOT_SET_ANYWHERE_XYZ is not set or empty"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("fix: export NOT_SET_ANYWHERE_XYZ="),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ok    fixture: loads: location LOCsandbox0000000001"),
        "{}",
        run.stdout
    );
}

#[test]
fn fixture_accounts_pass_when_their_files_load() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "  api: fixture\n  path: s.json",
        "  api: fixture\n  path: t.json",
    );
    std::fs::write(dir.path().join("s.json"), support::account(1).to_string()).unwrap();
    std::fs::write(dir.path().join("t.json"), support::account(2).to_string()).unwrap();
    let run = check(&config, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    std::fs::write(dir.path().join("t.json"), "{\"location\": ").unwrap();
    let run = check(&config, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("FAIL  fixture:"), "{}", run.stdout);
}

#[test]
fn an_unreachable_server_is_reported_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let config = write_config(
        dir.path(),
        &live("v2", &base, LOCATION, "SRC"),
        "  api: fixture\n  path: t.json",
    );
    std::fs::write(dir.path().join("t.json"), support::account(1).to_string()).unwrap();
    let run = check(&config, &[("SRC", TOKEN)]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(&format!("fix: cannot reach {base}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("skipped: the server is not reachable"),
        "{}",
        run.stdout
    );
}

#[test]
fn no_token_appears_in_any_output_even_at_trace() {
    const CANARY: &str = "tok-CANARY-7f3a9c-SECRET";
    // A server that echoes the Authorization header back in its error messages.
    let server = Server::start(|req, _| {
        let auth = req.header("authorization").unwrap_or_default().to_string();
        Reply::status(
            401,
            &json!({"statusCode": 401, "message": format!("Invalid token: {auth}")}).to_string(),
        )
    });
    let sandbox = Sandbox::start(&support::account(2), &[]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &live("v2", &server.base, LOCATION, "SRC"),
        &live("v2", &format!("http://{}", sandbox.addr), LOCATION, "TGT"),
    );
    for level in ["trace", "debug", "info"] {
        for command in [
            vec!["check"],
            vec!["config"],
            vec!["export", "--account", "source", "-o"],
            vec!["export", "--account", "target", "-o"],
        ] {
            let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"));
            cmd.args(&command);
            if command[0] == "export" {
                cmd.arg(dir.path().join("out.json"));
            }
            let out = cmd
                .arg("-c")
                .arg(&config)
                .env("RUST_LOG", level)
                .env("SRC", CANARY)
                .env("TGT", TOKEN)
                .output()
                .unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                !all.contains("CANARY"),
                "{level} {command:?} leaked the token:\n{all}"
            );
            assert!(
                !all.contains(TOKEN),
                "{level} {command:?} leaked the sandbox token:\n{all}"
            );
            if level == "trace" && command[0] == "check" {
                assert!(
                    all.contains("[redacted]"),
                    "the echoed token is shown redacted:\n{all}"
                );
            }
        }
    }
    let exported = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert!(!exported.contains(TOKEN));
}

#[test]
fn each_of_several_tokens_is_checked_and_a_bad_one_is_named_never_shown() {
    let sandbox = Sandbox::start(&support::account(1), &[]);
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let target = format!(
        "  api: v2\n  location_id: {LOCATION}\n  token_env: [TGT_A, TGT_B, TGT_C]\n  base_url: {base}"
    );
    let config = write_config(dir.path(), &live("v2", &base, LOCATION, "SRC"), &target);
    let env = [
        ("SRC", TOKEN),
        ("TGT_A", TOKEN),
        ("TGT_B", TOKEN_2),
        ("TGT_C", "not-a-token-of-this-location"),
    ];
    let run = check(&config, &env);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ok    token $TGT_B: accepted"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("FAIL  token $TGT_C"), "{}", run.stdout);
    assert!(
        run.stdout.contains("the token in $TGT_C was refused"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("not-a-token") && !run.stderr.contains("not-a-token"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    let unset = check(&config, &env[..3]);
    assert!(
        unset.stdout.contains("FAIL  token $TGT_C"),
        "{}",
        unset.stdout
    );
    assert!(unset.stdout.contains("export TGT_C="), "{}", unset.stdout);
}

#[test]
fn the_target_token_s_pipeline_scopes_and_workflows_are_reported() {
    let sandbox = Sandbox::start(
        &support::account(1),
        &[
            "--token-scopes",
            "SANDBOX_TOKEN_2=contacts,locations,custom-fields,opportunities,users",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", sandbox.addr);
    let config = write_config(
        dir.path(),
        &live("v2", &base, LOCATION, "SRC"),
        &live("v2", &base, LOCATION, "TGT"),
    );
    // A token with every scope may create and change pipelines and read the workflows.
    let full = check(&config, &[("SRC", TOKEN), ("TGT", TOKEN)]);
    assert_eq!(full.code, 0, "{}", full.stdout);
    for line in [
        "ok    pipelines.create: the token may create pipelines",
        "ok    pipelines.write: the token may add stages to pipelines",
        "ok    workflows: 0 workflows, 0 published",
    ] {
        assert!(full.stdout.contains(line), "{line}\n{}", full.stdout);
    }
    // Without the scopes: a note (map-only is a choice), with the reason and the fix.
    let scoped = check(&config, &[("SRC", TOKEN), ("TGT", TOKEN_2)]);
    assert_eq!(scoped.code, 0, "{}", scoped.stdout);
    for line in [
        "note  pipelines.create: the target token may not use `pipelines.create`",
        "note  pipelines.write: the target token may not use `pipelines.write`",
        "give the token the scope `pipelines.create`",
        "note  workflows: cannot be read",
    ] {
        assert!(scoped.stdout.contains(line), "{line}\n{}", scoped.stdout);
    }
}

//! The `sandbox` command's own errors: a token variable that is not set, a bad flag value,
//! an account file that does not load. Each fails before serving, without leaking values.

use assert_cmd::Command;

fn sandbox() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"));
    cmd.arg("sandbox");
    cmd
}

fn account_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    std::fs::write(
        &path,
        r#"{"location":{"id":"LOCcli00000000000001","name":"Cli"}}"#,
    )
    .unwrap();
    (dir, path)
}

#[test]
fn an_unset_token_variable_is_named_and_fails() {
    let (_dir, path) = account_file();
    let output = sandbox()
        .arg("--account")
        .arg(&path)
        .args(["--token-env", "GHL_SANDBOX_SURELY_UNSET"])
        .env_remove("GHL_SANDBOX_SURELY_UNSET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GHL_SANDBOX_SURELY_UNSET"), "{stderr}");
}

#[test]
fn a_bad_fault_or_latency_is_a_usage_error() {
    let (_dir, path) = account_file();
    for flags in [["--fault", "explode"], ["--latency-ms", "9..1"]] {
        let output = sandbox()
            .arg("--account")
            .arg(&path)
            .args(["--token-env", "T"])
            .args(flags)
            .env("T", "secret-value")
            .output()
            .unwrap();
        // Usage errors exit 1 (2 is reserved for `plan --detailed-exitcode`).
        assert_eq!(output.status.code(), Some(1), "{flags:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("secret-value"));
    }
}

#[test]
fn an_account_that_does_not_load_fails_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{ not json").unwrap();
    let output = sandbox()
        .arg("--account")
        .arg(&path)
        .args(["--token-env", "T"])
        .env("T", "x")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("broken.json"));
}

#[test]
fn unchecked_serves_an_account_whose_references_dangle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dangling.json");
    let account = r#"{"location":{"id":"LOCcli00000000000001","name":"Cli"},
        "pipelines":[{"id":"P","name":"Sales","stages":[{"id":"s","name":"New"}]}],
        "opportunities":[{"id":"O","name":"Ghost","pipelineId":"P","contactId":"gone"}]}"#;
    std::fs::write(&path, account).unwrap();
    let refused = sandbox()
        .arg("--account")
        .arg(&path)
        .args(["--token-env", "T"])
        .env("T", "x")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"))
        .args(["sandbox", "--unchecked", "--token-env", "T", "--account"])
        .arg(&path)
        .env("T", "x")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut line, mut served) = (String::new(), String::new());
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    std::io::BufRead::read_line(&mut out, &mut served).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("sandbox listening on http://127.0.0.1:"),
        "{line}"
    );
    // The location it serves, by id and name, so that migration.yaml can name it.
    assert!(
        served.starts_with(
            "serving location LOCcli00000000000001 (\"Cli\"): V2 routes at http://127.0.0.1:"
        ),
        "{served}"
    );
}

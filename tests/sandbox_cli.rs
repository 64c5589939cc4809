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
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
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

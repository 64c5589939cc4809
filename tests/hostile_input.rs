//! Hostile or odd input refused early, clearly and where it sits (issue 15): YAML alias bombs
//! in plans and declarations, a byte-order mark, a plan cut short before `not_done`, a rate
//! limit of zero, a token that would travel in clear.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("ghl-migrate").unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn demo(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo")
        .join(file)
}

/// Nested anchors: each level repeats the one before ten times (`levels` deep).
fn bomb(levels: usize) -> String {
    let mut text = String::from("bomb:\n  a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..levels {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text += &format!("  a{i}: &a{i} [{refs}]\n");
    }
    text
}

/// A declaration of the demo migration in `dir`, with `extra` appended.
fn declaration(dir: &Path, extra: &str) -> PathBuf {
    let text = format!(
        "name: demo\nsource:\n  api: fixture\n  path: {}\ntarget:\n  api: fixture\n  path: {}\n{extra}",
        demo("source.json").display(),
        demo("target.json").display()
    );
    let path = dir.join("migration.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_alias_bomb_in_a_plan_is_refused_before_it_is_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let demo_plan =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/demo.plan.yaml"))
            .unwrap();
    let at = demo_plan.find("\nformat:").unwrap() + 1;
    let plan = format!("{}{}{}", &demo_plan[..at], bomb(6), &demo_plan[at..]);
    let path = dir.path().join("bomb.plan.yaml");
    std::fs::write(&path, plan).unwrap();
    let out = bin().arg("show").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("bomb.plan.yaml:") && said.contains("anchors and aliases are not accepted"),
        "{said}"
    );
}

#[test]
fn an_alias_bomb_in_a_declaration_is_refused_where_it_sits() {
    let dir = tempfile::tempdir().unwrap();
    let path = declaration(dir.path(), &bomb(6));
    let out = bin().arg("config").arg("-c").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("migration.yaml:9:7") && said.contains("anchor"),
        "{said}"
    );
}

#[test]
fn a_byte_order_mark_before_the_declaration_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = declaration(dir.path(), "");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    let out = bin().arg("config").arg("-c").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_plan_cut_short_before_not_done_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let demo_plan =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/demo.plan.yaml"))
            .unwrap();
    let cut = demo_plan
        .find("\nnot_done:")
        .expect("the demo plan has not_done")
        + 1;
    assert!(
        demo_plan[cut..].lines().count() > 1,
        "not_done lists entries"
    );
    let path = dir.path().join("cut.plan.yaml");
    std::fs::write(&path, &demo_plan[..cut]).unwrap();
    let out = bin().arg("show").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("not_done"), "{}", stderr(&out));
}

#[test]
fn a_rate_limit_of_zero_per_interval_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = declaration(dir.path(), "rate_limit:\n  max_per_interval: 0\n");
    let out = bin().arg("config").arg("-c").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("migration.yaml:9:3") && said.contains("max_per_interval must be at least 1"),
        "{said}"
    );
}

/// A live target whose `base_url` is `url`.
fn live_target(dir: &Path, url: &str) -> Output {
    let text = format!(
        "name: demo\nsource:\n  api: fixture\n  path: {}\ntarget:\n  api: v2\n  \
         location_id: TGT0000000000000000a\n  token_env: HOSTILE_TEST_TOKEN\n  base_url: {url}\n",
        demo("source.json").display()
    );
    let path = dir.join("migration.yaml");
    std::fs::write(&path, text).unwrap();
    bin().arg("config").arg("-c").arg(&path).output().unwrap()
}

#[test]
fn plain_http_to_another_machine_is_refused_and_to_this_one_accepted() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "http://api.example.test",
        "http://10.0.0.5:8080/v2",
        "http://user@evil.test",
    ] {
        let out = live_target(dir.path(), url);
        assert_eq!(out.status.code(), Some(1), "{url}: {}", stderr(&out));
        assert!(stderr(&out).contains("in clear"), "{url}: {}", stderr(&out));
    }
    for url in [
        "http://127.0.0.1:8802",
        "http://localhost:8802/",
        "http://[::1]:8802",
        "https://api.example.test",
    ] {
        let out = live_target(dir.path(), url);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", stderr(&out));
    }
}

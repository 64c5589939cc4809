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

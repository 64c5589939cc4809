//! The dashboard in a real browser, used as a person would: headless Chromium (driven over the
//! DevTools protocol) loads `/`, presses Plan, reviews the summary, sets the pacing, presses
//! Apply, watches the run (updated by the event stream), presses Stop, then Resume, and reads
//! the end, while the apply runs against the sandbox. Screenshots of each moment are kept in
//! the test's temporary target folder. Without Chromium the test skips, except with CI=true.

mod apply_support;
mod browser_support;
mod serve_support;
mod support;

use apply_support::{Project, canonical, expected_target, options, serve};
use browser_support::Browser;
use serve_support::{Server, Start};

/// Keeps a screenshot beside the test binaries (target/tmp/serve-dashboard-NAME.png).
fn keep(browser: &mut Browser, name: &str) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-dashboard-{name}.png"));
    std::fs::write(&path, browser.screenshot()).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// `current` in the page's "current / total (p %)".
fn current(overall: &str) -> u64 {
    overall
        .split('/')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn a_person_runs_a_whole_migration_from_the_dashboard() {
    let Some(mut browser) = Browser::launch(1280, 1100) else {
        return;
    };
    let expected = expected_target();
    let project = Project::new();
    std::fs::remove_file(project.plan_path()).unwrap();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let server = Server::start(&project, Start::default());

    browser.navigate(&format!("http://{}/", server.addr));
    browser.wait_text("state", |s| s == "no plan");
    assert_eq!(browser.text("migration-id"), "t");
    assert_eq!(
        browser.eval("document.getElementById('plan-missing').hidden"),
        false
    );

    // Plan, and review what it will do.
    browser.click("do-plan");
    browser.wait_text("readiness", |s| s == "100 %");
    browser.wait_text("state", |s| s == "not started");
    assert_eq!(browser.text("pipelines-mapped"), "1");
    assert_eq!(browser.text("steps"), "26");
    let summary = browser.text("summary");
    assert!(summary.contains("contacts create 10, merge 1"), "{summary}");
    keep(&mut browser, "planned");

    // Slow the run down from the page: one request every 300 ms.
    browser.eval("document.getElementById('rate-limit-delay').value = '0.3'");
    browser.eval("document.querySelector('#pacing button').click()");
    browser.wait_text("origins", |s| {
        s.contains("POST /api/v1/migration/config/update")
    });

    // Apply, and watch it move (the figures come from the event stream).
    browser.click("do-apply");
    browser.wait_text("state", |s| s == "running");
    browser.wait_text("overall", |s| current(s) >= 2);
    let stream = browser.wait_text("stream", |s| s.contains("updated"));
    assert!(stream.starts_with("live"), "{stream}");
    let kinds = browser.text("kinds");
    for kind in ["custom fields", "contacts", "opportunities"] {
        assert!(kinds.contains(kind), "{kind} missing in {kinds}");
    }
    assert!(kinds.contains("/ 11"), "contacts out of 11: {kinds}");
    assert_ne!(browser.text("rate"), "–", "objects/s shown");
    let rate = browser.text("rate-limit");
    assert!(
        rate.contains("batch 4") && rate.contains("delay 0.3 s"),
        "{rate}"
    );
    assert_eq!(browser.text("failures"), "none");
    keep(&mut browser, "running");

    // Stop: it settles and stays resumable.
    browser.click("do-stop");
    browser.wait_text("state", |s| s == "stopped");
    let stopped = current(&browser.text("overall"));
    assert!(stopped < 26, "stopped at {stopped} of 26");
    assert!(
        browser.text("message").contains("interrupted"),
        "{}",
        browser.text("message")
    );
    keep(&mut browser, "stopped");

    // Resume, to the end.
    browser.click("do-resume");
    browser.wait_text("state", |s| s == "completed");
    assert_eq!(browser.text("overall"), "26 / 26 (100 %)");
    assert_eq!(browser.text("failures"), "none");
    assert_eq!(
        browser.eval("document.getElementById('error').hidden"),
        true
    );
    keep(&mut browser, "completed");

    // The summary reads as the CLI's, and the target holds exactly the plan's objects.
    let summary = server.get("/api/v1/migration/summary");
    assert_eq!(summary["finished"], true, "{summary}");
    assert_eq!(canonical(&sandbox.account()), expected);
}

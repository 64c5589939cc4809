//! The dashboard in a real browser: headless Chromium loads `/` while an apply runs against the
//! sandbox, and the page (after its script ran and its event stream delivered) shows what a
//! person should see: the plan's readiness and summary, the run's state, progress per kind,
//! objects/s and the rate limit. Without Chromium the test skips, except in CI (CI=true).

mod apply_support;
mod serve_support;
mod support;

use std::process::Command;

use apply_support::{Project, options, serve};
use serve_support::{Server, Start};

/// The browser, or `None` (and a note) when it is not installed outside CI.
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI=true but chromium is not installed (.ci/run installs it)"
        );
        eprintln!(
            "SKIPPED: chromium is not installed (apt-get install chromium); the dashboard was not tested in a browser"
        );
    }
    found
}

/// The page as the browser left it: `--virtual-time-budget` lets its script run, fetch and
/// follow the event stream (which ends every second, `events_for=1`, so the virtual clock can
/// move on) before the DOM is dumped.
fn dump_dom(browser: &str, url: &str) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=2500",
            "--dump-dom",
            url,
        ])
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The text of the element with `id` in `dom` (the first tag's content, tags removed).
fn text_of(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let open_end = start + dom[start..].find('>').unwrap() + 1;
    let mut depth = 0usize;
    let mut out = String::new();
    let mut rest = &dom[open_end..];
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let gt = lt + rest[lt..].find('>').unwrap();
        let tag = &rest[lt + 1..gt];
        if tag.starts_with('/') {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if !tag.ends_with('/')
            && !matches!(tag.split_whitespace().next(), Some("input" | "br"))
        {
            depth += 1;
        }
        out.push(' ');
        rest = &rest[gt + 1..];
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_dashboard_shows_a_running_apply_in_a_real_browser() {
    let Some(browser) = chromium() else {
        return;
    };
    let project = Project::new();
    let sandbox = serve(options());
    // One request every 400 ms: the apply runs for several seconds while the browser looks.
    project.live_config(&sandbox, "  min_delay_ms: 400\n");
    let server = Server::start(&project, Start::default());
    let r = server.call("POST", "/api/v1/migration/plan", None);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = server.call("POST", "/api/v1/migration/apply", Some("{}"));
    assert_eq!(r.status, 202, "{}", r.body);
    server.wait_for("a step done", |s| {
        s["overall"]["current"].as_u64() >= Some(1)
    });

    let dom = dump_dom(browser, &format!("http://{}/?events_for=1", server.addr));
    assert_eq!(text_of(&dom, "migration-id"), "t", "{dom}");
    let state = text_of(&dom, "state");
    assert!(
        ["running", "stopping", "completed"].contains(&state.as_str()),
        "state {state:?}"
    );
    let stream = text_of(&dom, "stream");
    assert!(
        stream.contains("updated"),
        "the event stream was not followed: {stream:?}"
    );
    // The plan: readiness, the mapping figures and what it does per kind.
    assert_eq!(text_of(&dom, "readiness"), "100 %");
    assert_eq!(text_of(&dom, "pipelines-mapped"), "1");
    let summary = text_of(&dom, "summary");
    assert!(
        summary.contains("contacts") && summary.contains("create 10"),
        "{summary}"
    );
    // The run: progress per kind, overall, objects/s, rate limit.
    let kinds = text_of(&dom, "kinds");
    for kind in ["custom fields", "contacts", "opportunities"] {
        assert!(kinds.contains(kind), "{kind} missing in {kinds}");
    }
    assert!(kinds.contains("/ 11"), "contacts out of 11: {kinds}");
    let overall = text_of(&dom, "overall");
    assert!(overall.contains("/ 19"), "{overall}");
    assert_ne!(text_of(&dom, "rate"), "–", "objects/s shown");
    let rate = text_of(&dom, "rate-limit");
    assert!(
        rate.contains("batch 4") && rate.contains("delay 0.4 s"),
        "{rate}"
    );
    assert!(text_of(&dom, "failures").contains("none"));
    assert!(
        dom.contains("id=\"error\" class=\"error\" hidden"),
        "no error shown"
    );
}

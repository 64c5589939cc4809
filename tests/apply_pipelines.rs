//! Creating pipelines and stages over real HTTP against the sandbox (V2), issue #11: a missing
//! pipeline is created whole and a missing stage added without touching the others; a crash at
//! any write then `--resume` leaves no second pipeline or stage and loses none; a pipeline changed
//! since the plan fails its stage step as stale; a token without the scopes plans them as blocked;
//! the demo applies with no opportunity blocked.

mod apply_support;

use std::io::{Read, Write};
use std::path::Path;

use apply_support::*;
use ghl_migrate::model::Account;
use ghl_migrate::sandbox::{Handle, Scope, TokenConfig};

const SOURCE_P: &str = r#"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "pipelines": [
    {"id": "P1", "name": "Sales", "stages": [
      {"id": "S1", "name": "New", "stageWinProbability": 10},
      {"id": "S2", "name": "Negotiation", "stageWinProbability": 60},
      {"id": "S3", "name": "Verbal Commit", "stageWinProbability": 80},
      {"id": "S4", "name": "Won", "stageWinProbability": 100}]},
    {"id": "P2", "name": "Renewals", "stages": [
      {"id": "R1", "name": "Due", "stageWinProbability": 30},
      {"id": "R2", "name": "Renewed", "stageWinProbability": 90}]}
  ],
  "contacts": [
    {"id": "C1", "email": "a@acme.test", "firstName": "Ann"},
    {"id": "C2", "email": "b@acme.test", "firstName": "Bob"}
  ],
  "opportunities": [
    {"id": "O1", "name": "Deal A", "pipelineId": "P1", "pipelineStageId": "S2", "status": "open", "contactId": "C1"},
    {"id": "O2", "name": "Deal B", "pipelineId": "P1", "pipelineStageId": "S3", "status": "open", "contactId": "C2"},
    {"id": "O3", "name": "Renewal A", "pipelineId": "P2", "pipelineStageId": "R2", "status": "won", "contactId": "C1"},
    {"id": "O4", "name": "Deal C", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C2"}
  ]
}"#;

const TARGET_P: &str = r#"{
  "location": {"id": "TGT0000000000000000a", "name": "Target"},
  "pipelines": [
    {"id": "TPaaaaaaaaaaaaaaaaaa", "name": "sales", "stages": [
      {"id": "11111111-1111-1111-1111-111111111111", "name": "New", "stageWinProbability": 15},
      {"id": "22222222-2222-2222-2222-222222222222", "name": "Won", "stageWinProbability": 95}]},
    {"id": "TPbbbbbbbbbbbbbbbbbb", "name": "Other", "stages": [
      {"id": "33333333-3333-3333-3333-333333333333", "name": "Only", "stageWinProbability": 50}]}
  ],
  "contacts": [
    {"id": "TC1aaaaaaaaaaaaaaaaa", "email": "z@acme.test", "firstName": "Zed",
     "dateAdded": "2025-01-01T00:00:00.000Z"}
  ],
  "opportunities": [
    {"id": "TOaaaaaaaaaaaaaaaaaa", "name": "Old deal", "pipelineId": "TPaaaaaaaaaaaaaaaaaa",
     "pipelineStageId": "22222222-2222-2222-2222-222222222222", "status": "won", "contactId": "TC1aaaaaaaaaaaaaaaaa"}
  ]
}"#;

/// The pipelines and opportunities by name, ids aside: what a run must leave, whatever ids the
/// server gave. A second pipeline or stage shows as a repeated line, a lost one as a missing one.
fn shape(account: &Account) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &account.pipelines {
        let stages: Vec<String> = p
            .stages
            .iter()
            .map(|s| format!("{} {:?}", s.name, s.stage_win_probability))
            .collect();
        lines.push(format!("pipeline {}: {}", p.name, stages.join(", ")));
    }
    for o in &account.opportunities {
        let p = account.pipelines.iter().find(|p| p.id == o.pipeline_id);
        let stage = p
            .and_then(|p| {
                p.stages
                    .iter()
                    .find(|s| Some(&s.id) == o.pipeline_stage_id.as_ref())
            })
            .map_or("?", |s| s.name.as_str());
        let contact = account
            .contacts
            .iter()
            .find(|c| c.id == o.contact_id)
            .and_then(|c| c.email.clone())
            .unwrap_or_default();
        lines.push(format!(
            "opportunity {} of {contact} in {} / {stage}",
            o.name,
            p.map_or("?", |p| p.name.as_str())
        ));
    }
    lines.sort();
    lines
}

fn expected_shape() -> Vec<String> {
    let mut lines: Vec<String> = [
        "pipeline sales: New Some(15.0), Negotiation Some(60.0), Verbal Commit Some(80.0), Won Some(95.0)",
        "pipeline Other: Only Some(50.0)",
        "pipeline Renewals: Due Some(30.0), Renewed Some(90.0)",
        "opportunity Old deal of z@acme.test in sales / Won",
        "opportunity Deal A of a@acme.test in sales / Negotiation",
        "opportunity Deal B of b@acme.test in sales / Verbal Commit",
        "opportunity Renewal A of a@acme.test in Renewals / Renewed",
        "opportunity Deal C of b@acme.test in sales / New",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.sort();
    lines
}

fn serve_target() -> Handle {
    serve_json(TARGET_P, options())
}

#[test]
fn missing_pipelines_and_stages_are_created_and_nothing_existing_changes() {
    let project = Project::of(SOURCE_P, TARGET_P);
    let plan = project.read_plan();
    assert_eq!(plan.summary.opportunities.get("blocked"), None);
    assert_eq!(plan.summary.readiness_percent, 100.0);
    let sandbox = serve_target();
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let account = sandbox.account();
    assert_eq!(shape(&account), expected_shape());
    // The existing stages keep their ids (so their opportunities stay where they are).
    let sales = account
        .pipelines
        .iter()
        .find(|p| p.name == "sales")
        .unwrap();
    assert_eq!(sales.stages[0].id, "11111111-1111-1111-1111-111111111111");
    assert_eq!(sales.stages[3].id, "22222222-2222-2222-2222-222222222222");
    // A second apply has nothing to do.
    let before = sandbox.stats();
    let again = project.apply(&[], &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(sandbox.stats().writes_committed, before.writes_committed);
}

/// Crashes at `hook`, resumes, and says what differs from the uninterrupted run, if anything.
fn crash_and_resume(project: &Project, hook: &str, expected: &[String]) -> Option<String> {
    let sandbox = serve_target();
    project.live_config(&sandbox, "");
    let _ = std::fs::remove_file(project.state_path());
    let out = project.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", hook)]);
    assert_eq!(
        out.status.code(),
        None,
        "{hook} did not crash: {}",
        text(&out)
    );
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(0), "{hook}: {}", text(&out));
    let got = shape(&sandbox.account());
    (got != expected).then(|| format!("{hook}: {got:#?}"))
}

#[test]
fn a_crash_at_any_pipeline_or_stage_write_then_resume_leaves_no_duplicate_and_no_lost_stage() {
    let project = Project::of(SOURCE_P, TARGET_P);
    let steps = project.read_plan().steps.len();
    let expected = expected_shape();
    // Every write of this plan is a pipeline, a stage, a contact or an opportunity: crash at
    // each one's intent, answer and record.
    let bad: Vec<String> = (1..=steps)
        .flat_map(|w| ["intent", "sent", "recorded"].map(|p| format!("{w}:{p}")))
        .filter_map(|hook| crash_and_resume(&project, &hook, &expected))
        .collect();
    eprintln!(
        "pipeline and stage writes: {} crash points, {} with a difference",
        steps * 3,
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

/// `PUT /opportunities/pipelines/{id}` straight to the sandbox, as someone editing the target.
fn put_pipeline(sandbox: &Handle, id: &str, body: &serde_json::Value) {
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(sandbox.addr).unwrap();
    write!(
        s,
        "PUT /opportunities/pipelines/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Version: 2021-07-28\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A pipeline the plan adds stages to proves the location on a resume before any write only by
/// its id and name: a location whose pipeline has the same name but another id is not it.
#[test]
fn a_resume_before_any_write_against_a_look_alike_location_is_refused() {
    let project = Project::of(SOURCE_P, TARGET_P);
    let sandbox = serve_target();
    project.live_config(&sandbox, "");
    project.begin_and_crash();
    let other = serve_json(
        &TARGET_P.replace("TPaaaaaaaaaaaaaaaaaa", "TPzzzzzzzzzzzzzzzzzz"),
        options(),
    );
    project.live_config(&other, "");
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(
            "pipeline TPaaaaaaaaaaaaaaaaaa (sales, the plan adds stages to it): not there"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(other.stats().writes_committed, 0);
    assert_eq!(sandbox.stats().writes_committed, 0);
}

#[test]
fn a_pipeline_changed_since_the_plan_fails_its_stage_step_as_stale() {
    let project = Project::of(SOURCE_P, TARGET_P);
    let sandbox = serve_target();
    project.live_config(&sandbox, "");
    project.begin_and_crash();
    // Someone renames `Won` in the target after the plan was made.
    put_pipeline(
        &sandbox,
        "TPaaaaaaaaaaaaaaaaaa",
        &serde_json::json!({"name": "sales", "stages": [
            {"id": "11111111-1111-1111-1111-111111111111", "name": "New", "stageWinProbability": 15},
            {"id": "22222222-2222-2222-2222-222222222222", "name": "Closed Won", "stageWinProbability": 95}]}),
    );
    let out = project.apply(&["--resume"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains(
            "stale: pipeline `sales` changed since the plan: stage `Won` was renamed `Closed Won`"
        ),
        "{}",
        text(&out)
    );
    let account = sandbox.account();
    let sales = account
        .pipelines
        .iter()
        .find(|p| p.name == "sales")
        .unwrap();
    let names: Vec<&str> = sales.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["New", "Closed Won"],
        "nothing added, nothing lost"
    );
    // The other pipeline's work is not held up.
    assert!(account.pipelines.iter().any(|p| p.name == "Renewals"));
}

fn live_plan(sandbox: &Handle, token: &str) -> ghl_migrate::plan::Plan {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("source.json"), SOURCE_P).unwrap();
    let config = format!(
        "name: t\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: v2\n  \
         location_id: {TARGET_LOCATION}\n  token_env: {TOKEN_ENV}\n  base_url: {}\n",
        sandbox.url()
    );
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .env(TOKEN_ENV, token)
        .args(["plan", "-o", "p.yaml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    ghl_migrate::plan::file::read(&dir.path().join("p.yaml")).unwrap()
}

#[test]
fn a_token_without_the_pipeline_scopes_plans_them_blocked_with_reason_and_fix() {
    let mut opts = options();
    let mut scoped = TokenConfig::new("scoped-token");
    scoped.scopes = Some(vec![
        Scope::Locations,
        Scope::CustomFields,
        Scope::Contacts,
        Scope::Opportunities,
        Scope::Users,
    ]);
    opts.tokens.push(scoped);
    let sandbox = serve_json(TARGET_P, opts);
    let full = live_plan(&sandbox, TOKEN);
    assert_eq!(full.summary.opportunities.get("blocked"), None);
    assert_eq!(full.summary.readiness_percent, 100.0);
    let plan = live_plan(&sandbox, "scoped-token");
    assert_eq!(plan.summary.opportunities["blocked"], 3);
    assert!(
        !plan
            .steps
            .iter()
            .any(|s| s.id.starts_with("pipeline/") || s.id.starts_with("stage/"))
    );
    let reasons: Vec<&str> = plan.not_done.iter().map(|n| n.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("`pipelines.create`")
            && r.contains("give the token the scope `pipelines.create`")),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("`pipelines.write`")),
        "{reasons:#?}"
    );
    // Nothing was written by finding that out.
    assert_eq!(sandbox.stats().writes_committed, 0);
}

#[test]
fn the_demo_applies_over_v2_with_no_opportunity_blocked() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let target: Account = ghl_migrate::fixture::load(&demo.join("target.json")).unwrap();
    let source: Account = ghl_migrate::fixture::load(&demo.join("source.json")).unwrap();
    let sandbox = ghl_migrate::sandbox::start(target.clone(), options()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "name: demo\nsource:\n  api: fixture\n  path: {}\ntarget:\n  api: v2\n  \
         location_id: {}\n  token_env: {TOKEN_ENV}\n  base_url: {}\nrate_limit:\n  search_lag_ms: 0\n",
        demo.join("source.json").display(),
        target.location.id,
        sandbox.url()
    );
    std::fs::write(dir.path().join("migration.yaml"), config).unwrap();
    let run = |args: &[&str]| {
        bin()
            .current_dir(dir.path())
            .env(TOKEN_ENV, TOKEN)
            .args(args)
            .output()
            .unwrap()
    };
    let planned = run(&["plan", "-o", "demo.plan.yaml"]);
    assert!(planned.status.success(), "{}", text(&planned));
    let plan = ghl_migrate::plan::file::read(&dir.path().join("demo.plan.yaml")).unwrap();
    assert_eq!(plan.summary.opportunities.get("blocked"), None);
    let applied = run(&["apply", "demo.plan.yaml", "--progress", "none"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let after = sandbox.account();
    let created = plan.summary.opportunities["create"] as usize;
    assert_eq!(
        after.opportunities.len(),
        target.opportunities.len() + created
    );
    // Every source pipeline is in the target, with every stage, in the source's order.
    for p in &source.pipelines {
        let t = after
            .pipelines
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(&p.name))
            .unwrap_or_else(|| panic!("no pipeline {}", p.name));
        let names: Vec<&str> = t.stages.iter().map(|s| s.name.as_str()).collect();
        let wanted: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
        let in_order: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| wanted.contains(n))
            .collect();
        assert_eq!(in_order, wanted, "{}", p.name);
    }
    // The target's existing stages are all still there, unchanged.
    for p in &target.pipelines {
        let now = after.pipelines.iter().find(|t| t.id == p.id).unwrap();
        for s in &p.stages {
            assert!(
                now.stages.contains(s),
                "{} / {} changed or lost",
                p.name,
                s.name
            );
        }
    }
}

#[test]
fn answers_lost_after_pipeline_and_stage_writes_create_nothing_twice() {
    let project = Project::of(SOURCE_P, TARGET_P);
    let mut opts = options();
    // The server acts, then the answer is lost (dropped, 504, cut in half): each write is in
    // doubt, looked up by name, and found.
    opts.faults = [
        "drop,method=POST,path=/opportunities/pipelines,count=1",
        "504,method=PUT,path=/opportunities/pipelines/,count=1",
        "malformed,method=PUT,path=/opportunities/pipelines/,count=1",
    ]
    .iter()
    .map(|f| f.parse().unwrap())
    .collect();
    let sandbox = serve_json(TARGET_P, opts);
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(shape(&sandbox.account()), expected_shape());
}

/// A stage write that reaches the server after the client gave up on it (a timeout, then the
/// request lands late) is in doubt like a create: the re-read must wait until it can no longer
/// land. Re-sent at once, the late one would replace the whole stage list after the second one:
/// the stage the run recorded is deleted (its opportunities moved) and another made in its place.
#[test]
fn a_stage_write_that_lands_late_is_not_sent_again_before_it_could_have_landed() {
    // The stage write, and (already waited out as a create) the pipeline create.
    for fault in [
        "late,method=PUT,path=/opportunities/pipelines/,count=1,delay_ms=1500",
        "late,method=POST,path=/opportunities/pipelines$,count=1,delay_ms=1500",
    ] {
        let project = Project::of(SOURCE_P, TARGET_P);
        let mut opts = options();
        opts.faults = vec![fault.parse().unwrap()];
        let sandbox = serve_json(TARGET_P, opts);
        project.live_config(&sandbox, "  timeout_ms: 400\n  late_write_ms: 3000\n");
        let out = project.apply(&[], &[]);
        assert_eq!(out.status.code(), Some(0), "{fault}: {}", text(&out));
        // Let anything still on its way land before looking.
        std::thread::sleep(std::time::Duration::from_millis(2000));
        let got = shape(&sandbox.account());
        assert_eq!(got, expected_shape(), "{fault}: {}", text(&out));
    }
}

/// A target pipeline with a stage that has no win probability cannot take a new stage (the
/// update would make the server recompute every probability): the plan says so and adds none,
/// rather than an apply failing midway with opportunities left behind.
#[test]
fn a_target_stage_without_probability_is_said_by_the_plan_not_found_by_the_apply() {
    let target = TARGET_P.replace(
        r#"{"id": "11111111-1111-1111-1111-111111111111", "name": "New", "stageWinProbability": 15}"#,
        r#"{"id": "11111111-1111-1111-1111-111111111111", "name": "New"}"#,
    );
    assert_ne!(target, TARGET_P);
    let project = Project::of(SOURCE_P, &target);
    let plan = project.read_plan();
    let adds: Vec<&str> = plan
        .steps
        .iter()
        .filter(
            |s| matches!(&s.action, ghl_migrate::plan::Action::AddStage(a) if !a.in_new_pipeline),
        )
        .map(|s| s.id.as_str())
        .collect();
    assert!(adds.is_empty(), "stage additions planned: {adds:?}");
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("stage `sales / New` of the target has no win probability")),
        "{:#?}",
        plan.warnings
    );
    // What is planned applies whole.
    let sandbox = serve_json(&target, options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A crash right after a pipeline or stage write was sent, then a re-plan against the target
/// as it now is (the write landed), then an apply of that plan: no second pipeline or stage, no
/// lost one, every opportunity where it belongs.
#[test]
fn a_crash_after_a_pipeline_or_stage_write_then_a_re_plan_then_apply_makes_nothing_twice() {
    let project = Project::of(SOURCE_P, TARGET_P);
    let original = std::fs::read_to_string(project.plan_path()).unwrap();
    let steps = project.read_plan().steps.len();
    let expected = expected_shape();
    let mut bad = Vec::new();
    // Every write of this plan, the pipeline and stage ones among them.
    for w in 1..=steps {
        std::fs::write(project.plan_path(), &original).unwrap();
        let sandbox = serve_target();
        let live = project.live_config(&sandbox, "");
        // The re-plan reads the same ledger as the apply, to see the stopped run.
        let mut config = std::fs::read_to_string(&live).unwrap();
        config.push_str("state: state.sqlite\n");
        std::fs::write(&live, config).unwrap();
        let _ = std::fs::remove_file(project.state_path());
        let hook = format!("{w}:sent");
        let out = project.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", hook.as_str())]);
        assert_eq!(out.status.code(), None, "{hook}: {}", text(&out));
        let replan = bin()
            .current_dir(project.path())
            .env(TOKEN_ENV, TOKEN)
            .args(["plan", "-c", "live.yaml"])
            .output()
            .unwrap();
        assert!(replan.status.success(), "{hook}: {}", text(&replan));
        let out = project.apply(&[], &[]);
        assert_eq!(out.status.code(), Some(0), "{hook}: {}", text(&out));
        let got = shape(&sandbox.account());
        if got != expected {
            bad.push(format!("{hook}: {got:#?}"));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

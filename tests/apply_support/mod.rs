//! Shared by the `apply_*` tests: a small migration project (source and target fixtures, a plan
//! made by the real `plan` command), the project's own sandbox serving the target over HTTP, the
//! binary run against it, and the target reduced to a canonical form to compare exactly.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

use ghl_migrate::model::Account;
use ghl_migrate::sandbox::{self, Handle, Options, RateLimit, TokenConfig};

pub const TOKEN_ENV: &str = "GHL_APPLY_TEST_TOKEN";
pub const TOKEN: &str = "apply-test-token";
/// Two more tokens of the same target, for runs with several (set in every run's environment).
pub const MORE_TOKENS: [(&str, &str); 2] = [
    ("GHL_APPLY_TEST_TOKEN_B", "apply-test-token-b"),
    ("GHL_APPLY_TEST_TOKEN_C", "apply-test-token-c"),
];
pub const TARGET_LOCATION: &str = "TGT0000000000000000a";

/// `apply` of the project's plan against the sandbox, with the ledger `state.sqlite`.
pub const APPLY_STATE: [&str; 6] = [
    "apply",
    "plans/t.plan.yaml",
    "-c",
    "live.yaml",
    "--state",
    "state.sqlite",
];

/// `apply` of the project's plan against the sandbox, with the declaration's own ledger.
pub const APPLY: [&str; 6] = [
    "apply",
    "plans/t.plan.yaml",
    "-c",
    "live.yaml",
    "--progress",
    "none",
];

pub const SOURCE: &str = r#"{
  "location": {"id": "SRC0000000000000000a", "name": "Source"},
  "customFields": [
    {"id": "F1", "name": "Region", "dataType": "TEXT"},
    {"id": "F2", "name": "Interests", "dataType": "TEXT"},
    {"id": "F3", "name": "Score", "dataType": "NUMERICAL"}
  ],
  "pipelines": [{"id": "P1", "name": "Sales", "stages": [
    {"id": "S1", "name": "New"}, {"id": "S2", "name": "Won"}]}],
  "contacts": [
    {"id": "C1", "email": "a@acme.test", "firstName": "Ann", "tags": ["vip"],
     "customFields": [{"id": "F1", "value": "North"}, {"id": "F2", "value": "SEO"}]},
    {"id": "C2", "email": "b@acme.test", "firstName": "Bob", "customFields": [{"id": "F3", "value": 7}]},
    {"id": "C3", "email": "c@acme.test", "firstName": "Cat", "tags": ["lead"]},
    {"id": "C4", "email": "d@acme.test", "firstName": "Dan", "customFields": [{"id": "F2", "value": "Ads"}]},
    {"id": "C5", "email": "e@acme.test", "firstName": "Eve"},
    {"id": "C6", "email": "f@acme.test", "firstName": "Fay", "phone": "+15550106"},
    {"id": "C7", "email": "g@acme.test", "firstName": "Gus", "tags": ["vip", "lead"]},
    {"id": "C8", "email": "h@acme.test", "firstName": "Hal"},
    {"id": "C9", "phone": "+15550109", "firstName": "Ivy"},
    {"id": "C10", "email": "old@acme.test", "phone": "+15550110", "firstName": "Old", "tags": ["vip"]},
    {"id": "C11", "firstName": "Nokey", "lastName": "Person", "tags": ["walk-in"]}
  ],
  "opportunities": [
    {"id": "O1", "name": "Deal A", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C1", "monetaryValue": 100},
    {"id": "O2", "name": "Deal B", "pipelineId": "P1", "pipelineStageId": "S2", "status": "won", "contactId": "C2", "monetaryValue": 200},
    {"id": "O3", "name": "Deal C", "pipelineId": "P1", "pipelineStageId": "S1", "status": "open", "contactId": "C3"},
    {"id": "O4", "name": "Deal I", "pipelineId": "P1", "pipelineStageId": "S1", "status": "lost", "contactId": "C9"},
    {"id": "O5", "name": "Deal Old", "pipelineId": "P1", "pipelineStageId": "S2", "status": "open", "contactId": "C10"}
  ],
  "users": [{"id": "U1", "name": "Ann Owner", "email": "owner@acme.test"}],
  "notes": [
    {"id": "N1", "contactId": "C1", "body": "Called about the renewal.", "userId": "U1", "dateAdded": "2024-01-02T03:04:05.000Z"},
    {"id": "N2", "contactId": "C1", "body": "Second call:\n- wants a quote\n- _soon_ 日本 ✅", "dateAdded": "2024-01-09T10:00:00.000Z"},
    {"id": "N3", "contactId": "C10", "body": "Existing customer since 2019.", "userId": "U1", "dateAdded": "2019-05-01T08:00:00.000Z"},
    {"id": "N4", "contactId": "C11", "body": "Walk-in, left no details.", "dateAdded": "2024-02-02T12:00:00.000Z"},
    {"id": "N5", "contactId": "C9", "body": "Phone-only contact: call after 5pm.", "userId": "U1", "dateAdded": "2024-02-03T12:00:00.000Z"}
  ],
  "tasks": [
    {"id": "T1", "contactId": "C2", "title": "Send quote", "dueDate": "2024-02-01T09:00:00.000Z", "completed": false, "assignedTo": "U1"},
    {"id": "T2", "contactId": "C10", "title": "Renewal call", "dueDate": "2024-03-01T09:00:00.000Z", "completed": true},
    {"id": "T3", "contactId": "C3", "title": "Follow up", "body": "by email", "dueDate": "2024-03-05T09:00:00.000Z", "completed": false}
  ]
}"#;

pub const TARGET: &str = r#"{
  "location": {"id": "TGT0000000000000000a", "name": "Target"},
  "customFields": [{"id": "TF1aaaaaaaaaaaaaaaaa", "name": "Region", "fieldKey": "contact.region", "dataType": "TEXT"}],
  "pipelines": [{"id": "TPaaaaaaaaaaaaaaaaaa", "name": "Sales", "stages": [
    {"id": "11111111-1111-1111-1111-111111111111", "name": "New"},
    {"id": "22222222-2222-2222-2222-222222222222", "name": "Won"}]}],
  "contacts": [
    {"id": "TC1aaaaaaaaaaaaaaaaa", "email": "old@acme.test", "firstName": "Old", "tags": ["customer"],
     "dateAdded": "2025-01-01T00:00:00.000Z"}
  ],
  "notes": [{"id": "TN1aaaaaaaaaaaaaaaaa", "contactId": "TC1aaaaaaaaaaaaaaaaa",
    "body": "Existing customer since 2019.", "dateAdded": "2025-01-02T00:00:00.000Z"}]
}"#;

const PLAN_CONFIG: &str = "name: t\nsource:\n  api: fixture\n  path: source.json\n\
target:\n  api: fixture\n  path: target.json\n";

/// A migration project in a temporary folder, with its plan written by the real `plan`.
pub struct Project {
    pub dir: TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project::of(SOURCE, TARGET)
    }

    /// The same project with another source account (the target stays [`TARGET`]).
    pub fn with_source(source: &str) -> Project {
        Project::of(source, TARGET)
    }

    /// A project migrating `source` (a fixture's JSON) into the usual target.
    pub fn with(source: &str) -> Project {
        Project::of(source, TARGET)
    }

    /// A project migrating these source and target accounts (JSON fixtures).
    pub fn of(source: &str, target: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("source.json"), source).unwrap();
        std::fs::write(dir.path().join("target.json"), target).unwrap();
        std::fs::write(dir.path().join("migration.yaml"), PLAN_CONFIG).unwrap();
        let out = bin().current_dir(dir.path()).arg("plan").output().unwrap();
        assert!(out.status.success(), "plan failed: {}", text(&out));
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn plan_path(&self) -> PathBuf {
        self.path().join("plans/t.plan.yaml")
    }

    pub fn state_path(&self) -> PathBuf {
        self.path().join("state.sqlite")
    }

    /// `live.yaml`: the same migration with the target served by `sandbox` over V2.
    pub fn live_config(&self, sandbox: &Handle, rate_limit: &str) -> PathBuf {
        self.live_config_over("v2", &sandbox.url(), rate_limit)
    }

    /// `live.yaml` with the target served by `sandbox` over V1.
    pub fn live_config_v1(&self, sandbox: &Handle) -> PathBuf {
        self.live_config_over("v1", &sandbox.v1_url(), "")
    }

    /// The sandbox's search shows every write at once and handles every request as it
    /// arrives unless told otherwise, so in-doubt creates are looked up without waiting, unless
    /// `rate_limit` sets `search_lag_ms` or `late_write_ms`.
    fn live_config_over(&self, api: &str, url: &str, rate_limit: &str) -> PathBuf {
        self.live_config_tokens(api, url, TOKEN_ENV, rate_limit)
    }

    /// `live.yaml` over V2 naming the target's three tokens in `token_env`.
    pub fn live_config_three_tokens(&self, sandbox: &Handle, rate_limit: &str) -> PathBuf {
        let names = [TOKEN_ENV, MORE_TOKENS[0].0, MORE_TOKENS[1].0];
        self.live_config_token_list(sandbox, &names, rate_limit)
    }

    /// `live.yaml` over V2 naming these variables in `token_env`, in this order.
    pub fn live_config_token_list(
        &self,
        sandbox: &Handle,
        names: &[&str],
        rate_limit: &str,
    ) -> PathBuf {
        let names = format!("[{}]", names.join(", "));
        self.live_config_tokens("v2", &sandbox.url(), &names, rate_limit)
    }

    fn live_config_tokens(
        &self,
        api: &str,
        url: &str,
        token_env: &str,
        rate_limit: &str,
    ) -> PathBuf {
        let path = self.path().join("live.yaml");
        let mut lag = String::new();
        for key in ["search_lag_ms", "late_write_ms"] {
            if !rate_limit.contains(key) {
                lag += &format!("  {key}: 0\n");
            }
        }
        let text = format!(
            "name: t\nsource:\n  api: fixture\n  path: source.json\ntarget:\n  api: {api}\n  \
             location_id: {TARGET_LOCATION}\n  token_env: {token_env}\n  base_url: {url}\n\
             rate_limit:\n  max_in_flight: 4\n{lag}{rate_limit}"
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The plan as `plan` wrote it.
    pub fn read_plan(&self) -> ghl_migrate::plan::Plan {
        serde_yaml::from_str(&std::fs::read_to_string(self.plan_path()).unwrap()).unwrap()
    }

    /// Edits the plan file as a person would by hand: read, change, write back.
    pub fn edit_plan(&self, edit: impl FnOnce(&mut ghl_migrate::plan::Plan)) {
        let mut plan = self.read_plan();
        edit(&mut plan);
        std::fs::write(self.plan_path(), serde_yaml::to_string(&plan).unwrap()).unwrap();
    }

    /// Starts the same apply as [`Project::apply`] in the background; its output goes where
    /// `output` says (piped to read it, or null).
    pub fn spawn_apply(&self, output: impl Fn() -> std::process::Stdio) -> std::process::Child {
        self.spawn(
            &[&APPLY_STATE[..], &["--progress", "none"]].concat(),
            output,
        )
    }

    /// Starts `ghl-migrate ARGS` in the project folder in the background, with the target's
    /// tokens set (and no abort hook); its output goes where `output` says.
    pub fn spawn(
        &self,
        args: &[&str],
        output: impl Fn() -> std::process::Stdio,
    ) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("ghl-migrate"))
            .current_dir(self.path())
            .env(TOKEN_ENV, TOKEN)
            .envs(MORE_TOKENS)
            .env_remove("GHL_MIGRATE_TEST_ABORT")
            .args(args)
            .stdout(output())
            .stderr(output())
            .spawn()
            .unwrap()
    }

    /// `ghl-migrate apply plans/t.plan.yaml -c live.yaml --state state.sqlite` plus `extra`.
    pub fn apply(&self, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = bin();
        cmd.current_dir(self.path())
            .env(TOKEN_ENV, TOKEN)
            .envs(MORE_TOKENS)
            .env_remove("GHL_MIGRATE_TEST_ABORT")
            .args(APPLY_STATE)
            .args(["--progress", "none"])
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

impl Project {
    /// Starts a run and crashes it right after the first intent is recorded: the stale-plan check
    /// is behind us, so faults set now hit only the writes and lookups of the resumed run.
    pub fn begin_and_crash(&self) {
        let out = self.apply(&[], &[("GHL_MIGRATE_TEST_ABORT", "1:intent")]);
        assert_eq!(out.status.code(), None, "expected a crash: {}", text(&out));
    }
}

/// `ghl-migrate ARGS` in `project`'s folder, with the target tokens set (and no abort hook).
pub fn run(project: &Project, args: &[&str]) -> Output {
    run_with(project, args, &[])
}

/// [`run`] with `env` added.
pub fn run_with(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = bin();
    cmd.current_dir(project.path())
        .env(TOKEN_ENV, TOKEN)
        .envs(MORE_TOKENS)
        .env_remove("GHL_MIGRATE_TEST_ABORT")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn bin() -> Command {
    Command::cargo_bin("ghl-migrate").unwrap()
}

/// stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn target_account() -> Account {
    serde_json::from_str(TARGET).unwrap()
}

/// Sandbox options: one token, a burst limit that does not get in the way.
pub fn options() -> Options {
    Options {
        tokens: vec![TokenConfig::new(TOKEN)],
        rate: RateLimit {
            max: 10_000,
            interval_ms: 1_000,
        },
        ..Options::default()
    }
}

/// Sandbox options with the target's three tokens (sliding windows), each with a burst small
/// enough that a run needs all of them at once.
pub fn three_tokens() -> Options {
    let mut opts = options();
    opts.rate = RateLimit {
        max: 6,
        interval_ms: 200,
    };
    opts.window = sandbox::WindowKind::Sliding;
    for (_, token) in MORE_TOKENS {
        opts.tokens.push(TokenConfig::new(token));
    }
    opts
}

/// A sandbox serving the target fixture.
pub fn serve(options: Options) -> Handle {
    sandbox::start(target_account(), options).unwrap()
}

/// A sandbox serving this target account (JSON).
pub fn serve_json(target: &str, options: Options) -> Handle {
    sandbox::start(serde_json::from_str(target).unwrap(), options).unwrap()
}

/// An admin call to the sandbox (`POST /_sandbox/...`) with a JSON body.
pub fn admin_post(sandbox: &Handle, path: &str, body: &str) {
    let mut s = std::net::TcpStream::connect(sandbox.addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 2"), "{path}: {answer}");
}

/// The account reduced to what a migration must get right, ids aside, sorted: a duplicate shows
/// as a repeated line, a missing object as a missing one.
pub fn canonical(account: &Account) -> Vec<String> {
    let field_name = |id: &str| {
        account
            .custom_fields
            .iter()
            .find(|f| f.id == id)
            .map_or(format!("?{id}"), |f| f.name.clone())
    };
    let contact_key = |id: &str| {
        account
            .contacts
            .iter()
            .find(|c| c.id == id)
            .map_or(format!("?{id}"), |c| {
                c.email.clone().or(c.phone.clone()).unwrap_or_default()
            })
    };
    let mut lines = Vec::new();
    for f in &account.custom_fields {
        lines.push(format!("field {} {} {}", f.name, f.data_type, f.model()));
    }
    for c in &account.contacts {
        let mut tags = c.tags.clone();
        tags.sort();
        let mut values: Vec<String> = c
            .custom_fields
            .iter()
            .map(|v| format!("{}={}", field_name(&v.id), v.value))
            .collect();
        values.sort();
        lines.push(format!(
            "contact {:?} {:?} {:?} tags={tags:?} values={values:?}",
            c.email, c.phone, c.first_name
        ));
    }
    for o in &account.opportunities {
        lines.push(format!(
            "opportunity {} of {} in {} / {:?} {:?} {:?}",
            o.name,
            contact_key(&o.contact_id),
            o.pipeline_id,
            o.pipeline_stage_id,
            o.status,
            o.monetary_value
        ));
    }
    for n in &account.notes {
        lines.push(format!(
            "note of {} {:?}",
            contact_key(&n.contact_id),
            n.body
        ));
    }
    for t in &account.tasks {
        lines.push(format!(
            "task of {} {:?} {:?} due {:?} completed {} assigned {:?}",
            contact_key(&t.contact_id),
            t.title,
            t.body,
            t.due_date,
            t.completed,
            t.assigned_to
        ));
    }
    lines.sort();
    lines
}

/// What an uninterrupted apply leaves in a fresh sandbox.
pub fn expected_target() -> Vec<String> {
    let project = Project::new();
    let sandbox = serve(options());
    project.live_config(&sandbox, "");
    let out = project.apply(&[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    canonical(&sandbox.account())
}

/// Makes the plan another, consistent revision of itself: one step fewer, and a summary that
/// counts what it holds.
pub fn another_revision(plan: &mut ghl_migrate::plan::Plan) {
    let dropped = plan.steps.pop().unwrap();
    let counts = match dropped.action.kind() {
        "opportunity" => &mut plan.summary.opportunities,
        "contact" => &mut plan.summary.contacts,
        "note" => &mut plan.summary.notes,
        "task" => &mut plan.summary.tasks,
        _ => &mut plan.summary.custom_fields,
    };
    *counts.get_mut("create").unwrap() -= 1;
}

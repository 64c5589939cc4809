//! The `apply` command: read the plan, open the target (a live location, or a fixture loaded in
//! memory for CI dry runs), run the executor with its checkpoint, print the report, and say how
//! to resume when it stopped early.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ghl_migrate::apply::{self, AbortAt, Ending, Options, Report, Run};
use ghl_migrate::config::{self, ApiKind, Loaded};
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::fixture;
use ghl_migrate::ghl::Ghl;
use ghl_migrate::ghl::memory::{MemoryAccount, MemoryOptions};
use ghl_migrate::ghl::remote::{self, Side};
use ghl_migrate::plan::Plan;
use ghl_migrate::progress::{ActivityProbe, Bar, Event, JsonLines, LogLines, Progress, Silent};
use ghl_migrate::state::{Access, Durability, State, TargetLock};

use super::budget_wait;

/// Test hook (documented for contributors only): abort the process at write N, phase P
/// (`N:intent`, `N:sent`, `N:recorded`), as a crash would.
const ABORT_VAR: &str = "GHL_MIGRATE_TEST_ABORT";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plan to apply (plans/<name>.plan.yaml).
    plan: PathBuf,
    /// Continue a run that stopped early (rate limit, daily budget, network, interrupt, crash).
    #[arg(long)]
    resume: bool,
    /// The checkpoint (default: `state:` in migration.yaml, else .ghl-migrate/<name>.sqlite).
    #[arg(long)]
    state: Option<PathBuf>,
    /// The declaration naming the target.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// Fixture targets: write the target as the apply left it to this file.
    #[arg(long)]
    write_fixture: Option<PathBuf>,
    /// `full` also survives a machine losing power (slower commits).
    #[arg(long, value_enum, default_value_t = Sync::Normal)]
    sync: Sync,
    /// Progress on stderr: a live display on a terminal, timestamped log lines otherwise (auto);
    /// or `bars`, `log`, `json` (JSON lines, each with `ts`), `none`.
    #[arg(long, value_enum, default_value_t = ProgressKind::Auto)]
    progress: ProgressKind,
    /// When the target's daily API budget runs down to `rate_limit.daily_reserve`, wait for it
    /// to come back and go on (saying when), instead of stopping with exit 75.
    #[arg(long)]
    wait_for_budget: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Sync {
    Normal,
    Full,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum ProgressKind {
    Auto,
    Bars,
    Log,
    Json,
    None,
}

pub fn run(args: Args) -> Result<i32> {
    let plan = read_plan(&args.plan)?;
    let loaded = config::load(&args.config, &super::env_var)?;
    if loaded.config.name != plan.name {
        return Err(Error::Other(format!(
            "{} declares migration `{}`, but the plan is for `{}`; pass the right one with -c",
            args.config.display(),
            loaded.config.name,
            plan.name
        )));
    }
    if args.write_fixture.is_some() && loaded.config.target.api != ApiKind::Fixture {
        return Err(Error::Other(
            "--write-fixture is for fixture targets (a dry run in memory); for a live target, \
             use `ghl-migrate export --account target -o FILE` after the apply"
                .into(),
        ));
    }
    if args.resume && loaded.config.target.api == ApiKind::Fixture {
        // The in-memory target of an interrupted dry run is gone: resuming would re-create
        // nothing that ran and point later steps at objects that no longer exist.
        return Err(Error::Other(
            "--resume: a fixture target is applied in memory, so an interrupted dry run has \
             nothing to resume; run the dry run again with a fresh --state"
                .into(),
        ));
    }
    let state_path = args.state.clone().unwrap_or_else(|| loaded.state_path());
    let durability = match args.sync {
        Sync::Normal => Durability::Normal,
        Sync::Full => Durability::Full,
    };
    let mut state = State::open(&state_path, Access::Write(durability))?;
    let _target_lock = target_lock(&loaded, &state_path)?;
    let options = Options {
        abort_at: abort_hook()?,
        ..options(&loaded, &args.plan, args.resume)
    };
    // Before anything is written: what the writes may set off in the target (not among JSON
    // progress lines, which machines read).
    if !args.resume
        && !matches!(args.progress, ProgressKind::Json)
        && let Some(w) = plan
            .warnings
            .iter()
            .find(|w| w.starts_with(ghl_migrate::plan::AUTOMATIONS_WARNING))
    {
        eprintln!("warning: {w}");
    }
    outln!("{}", preamble(&plan, args.resume));
    // A live target is opened first, so that progress can show what its connection is doing.
    let live = match loaded.config.target.api {
        ApiKind::Fixture => None,
        ApiKind::V1 | ApiKind::V2 => Some(remote::open(
            Side::Target,
            &loaded.config.target,
            &loaded.config.rate_limit,
            &super::env_var,
        )?),
    };
    let probe = live.as_ref().and_then(|t| t.http()).map(|http| {
        let http = http.clone();
        std::sync::Arc::new(move || http.activity()) as ActivityProbe
    });
    let progress = progress_sink(args.progress, probe);
    let rt = super::runtime()?;
    let result = rt.block_on(async {
        let options = Options {
            interrupt: Some(interrupt_on_signals()),
            ..options
        };
        let session = Session {
            plan: &plan,
            state: &mut state,
            progress: progress.as_ref(),
            options,
        };
        match &live {
            None => execute(&loaded, session, args.write_fixture.as_deref()).await,
            Some(target) => {
                let wait = WaitForBudget {
                    wait: args.wait_for_budget,
                    json: matches!(args.progress, ProgressKind::Json),
                };
                run_live(&loaded, session, target, wait).await
            }
        }
    });
    if !matches!(args.progress, ProgressKind::Json) {
        for var in live
            .as_ref()
            .map(remote::Remote::refused_tokens)
            .unwrap_or_default()
        {
            eprintln!("warning: {}", ghl_migrate::progress::refused_token(&var));
        }
    }
    let report = match result {
        Ok(report) => report,
        // Stopped before the run began (e.g. rate-limited while checking the plan is not stale).
        Err(err) if stopped_early(&err) => {
            eprintln!("error: {err}");
            outln!("resume with: {}", resume_command(&args));
            return Ok(exit::RESUMABLE);
        }
        Err(err) => return Err(err),
    };
    out!("{}", apply::render(&report));
    match report.ending {
        Ending::Stopped { .. } => outln!("resume with: {}", resume_command(&args)),
        Ending::Error { .. } => outln!("fix that, then resume with: {}", resume_command(&args)),
        _ => {}
    }
    Ok(report.exit_code())
}

/// `Applying 229 steps to Acme Holdings (jzjq…)`: what is about to be written, and where.
/// One apply per target location on this machine, whatever folder or ledger it runs from (held
/// until dropped); none for a fixture target, applied in memory.
pub fn target_lock(loaded: &Loaded, state_path: &Path) -> Result<Option<TargetLock>> {
    let target = &loaded.config.target;
    match target.api {
        ApiKind::Fixture => Ok(None),
        ApiKind::V1 | ApiKind::V2 => TargetLock::acquire(
            target.base_url().unwrap_or_default(),
            target.location_id.as_deref().unwrap_or_default(),
            state_path,
        )
        .map(Some),
    }
}

fn preamble(plan: &Plan, resume: bool) -> String {
    let verb = if resume { "Resuming" } else { "Applying" };
    let n = plan.steps.len();
    let target = &plan.target;
    let name = match target.name.is_empty() {
        true => target.location.clone(),
        false => format!("{} ({})", target.name, target.location),
    };
    format!("{verb} {n} step{} to {name}", if n == 1 { "" } else { "s" })
}

/// The options a declaration gives an apply of `plan_path` (the CLI adds its test hook,
/// `serve` its live knobs).
pub(crate) fn options(loaded: &Loaded, plan_path: &Path, resume: bool) -> Options {
    Options {
        resume,
        // Each of the target's tokens has its own window: as many steps in flight per token.
        max_in_flight: loaded.config.rate_limit.max_in_flight
            * loaded.config.target.token_vars().len().max(1),
        max_in_flight_live: None,
        interrupt: None,
        plan_path: plan_path.to_path_buf(),
        abort_at: None,
        dry_run: loaded.config.target.api == ApiKind::Fixture,
        // An in-memory target has no search index to lag behind it.
        search_lag: live_only(loaded, loaded.config.rate_limit.search_lag_ms),
        // Nor can a write to it arrive late.
        late_write: live_only(loaded, loaded.config.rate_limit.late_write_ms),
    }
}

/// One apply, whatever the target.
pub(crate) struct Session<'a> {
    pub plan: &'a Plan,
    pub state: &'a mut State,
    pub progress: &'a dyn Progress,
    pub options: Options,
}

/// Runs one apply session against the declaration's target: a fixture in memory (a dry run,
/// written to `write_fixture` when given) or the live location. `serve` runs applies here too.
pub(crate) async fn execute(
    loaded: &Loaded,
    session: Session<'_>,
    write_fixture: Option<&Path>,
) -> Result<Report> {
    match loaded.config.target.api {
        ApiKind::Fixture => apply_to_fixture(loaded, session, write_fixture).await,
        ApiKind::V1 | ApiKind::V2 => {
            let target = remote::open(
                Side::Target,
                &loaded.config.target,
                &loaded.config.rate_limit,
                &super::env_var,
            )?;
            let wait = WaitForBudget {
                wait: false,
                json: false,
            };
            run_live(loaded, session, &target, wait).await
        }
    }
}

/// `apply --wait-for-budget`: a run stopped by the target's daily budget waits for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitForBudget {
    pub wait: bool,
    /// Progress goes out as JSON lines: the wait is told as an event, not a line of text.
    pub json: bool,
}

/// One apply session against a live target; with `wait`, a run the daily budget stopped waits
/// for it to come back and goes on (see [`budget_wait`]).
async fn run_live(
    loaded: &Loaded,
    mut session: Session<'_>,
    target: &remote::Remote,
    wait: WaitForBudget,
) -> Result<Report> {
    // The steps finished when the last wait the server's reset time asked for began (`None`
    // before any: a wait of zero, the budget looking back already, is not one).
    let mut before_wait: Option<Option<usize>> = None;
    let result = loop {
        let result = session.run(target).await;
        let stopped = match &result {
            Ok(report) => matches!(report.ending, Ending::Stopped { .. }),
            Err(err) => stopped_early(err),
        };
        let finished = budget_wait::finished(&result);
        let in_vain = before_wait.is_some_and(|b| finished.is_none() || finished == b);
        let reserve = loaded.config.rate_limit.daily_reserve;
        let pause = budget_wait::needed(target, reserve)
            .filter(|_| stopped && wait.wait)
            .map(|p| budget_wait::after_last(p, in_vain));
        let Some(pause) = pause else {
            break result;
        };
        before_wait = (!pause.is_zero()).then_some(finished);
        let interrupt = session.options.interrupt.clone();
        let json = wait.json.then_some(session.progress);
        if !budget_wait::wait(target, pause, interrupt, json).await {
            break result;
        }
        session.options.resume = true;
    };
    for var in target.refused_tokens() {
        session
            .progress
            .event(&Event::TokenRefused { token_env: &var });
    }
    result
}

impl Session<'_> {
    async fn run<G: Ghl>(&mut self, target: &G) -> Result<Report> {
        let run = Run {
            target,
            plan: self.plan,
            state: &mut *self.state,
            progress: self.progress,
        };
        apply::apply(run, self.options.clone()).await
    }
}

/// The CI dry run: the fixture target in memory, the same executor and checkpoint.
async fn apply_to_fixture(
    loaded: &Loaded,
    mut session: Session<'_>,
    write_to: Option<&Path>,
) -> Result<Report> {
    let path =
        loaded.config.target.path.as_ref().ok_or_else(|| {
            Error::Other("the target is a fixture but names no `path`".to_string())
        })?;
    let account = fixture::load(&loaded.resolve(path))?;
    let target = MemoryAccount::new(account, MemoryOptions::default());
    let report = session.run(&target).await?;
    if let Some(out) = write_to {
        fixture::save(out, &target.snapshot())?;
    }
    Ok(report)
}

/// Reads and validates a plan file (format, ids, order, references).
pub fn read_plan(path: &Path) -> Result<Plan> {
    ghl_migrate::plan::file::read(path)
}

/// An error that ends the run before it began but goes away by itself: rate limit, daily
/// budget, an unanswered or refused connection (network down).
fn stopped_early(err: &Error) -> bool {
    err.is_resumable()
}

/// The exact command that continues this run.
fn resume_command(args: &Args) -> String {
    let mut cmd = format!("ghl-migrate apply {} --resume", args.plan.display());
    if let Some(state) = &args.state {
        cmd.push_str(&format!(" --state {}", state.display()));
    }
    if args.config != Path::new("migration.yaml") {
        cmd.push_str(&format!(" -c {}", args.config.display()));
    }
    cmd
}

/// Ctrl-C or SIGTERM raise the flag: the executor stops launching and lets in-flight steps settle.
/// A second one exits at once (exit 75): the steps still in flight stay in doubt in the
/// checkpoint, and the resume looks them up before sending anything again.
fn interrupt_on_signals() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if next_signal().await.is_err() {
            return;
        }
        let _ = tx.send(true);
        if next_signal().await.is_ok() {
            eprintln!("interrupted again: stopping now; resume with --resume");
            std::process::exit(exit::RESUMABLE);
        }
    });
    rx
}

/// The next Ctrl-C or SIGTERM.
async fn next_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}

/// How often log lines say where the run is.
const LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

pub(super) fn progress_sink(kind: ProgressKind, probe: Option<ActivityProbe>) -> Box<dyn Progress> {
    let tty = std::io::stderr().is_terminal();
    match kind {
        ProgressKind::Bars => Box::new(Bar::stderr(probe)),
        ProgressKind::Auto if tty => Box::new(Bar::stderr(probe)),
        ProgressKind::Auto | ProgressKind::Log => {
            Box::new(LogLines::new(std::io::stderr(), probe, LOG_EVERY))
        }
        ProgressKind::Json => Box::new(JsonLines::new(std::io::stderr())),
        ProgressKind::None => Box::new(Silent),
    }
}

fn abort_hook() -> Result<Option<AbortAt>> {
    match super::env_var(ABORT_VAR) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|e| Error::Other(format!("{ABORT_VAR}: {e}"))),
    }
}

/// A delay that only a live target has (an in-memory one answers every write at once).
fn live_only(loaded: &Loaded, ms: u64) -> std::time::Duration {
    match loaded.config.target.api {
        ApiKind::Fixture => std::time::Duration::ZERO,
        ApiKind::V1 | ApiKind::V2 => std::time::Duration::from_millis(ms),
    }
}

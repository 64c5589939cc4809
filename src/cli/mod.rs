//! The command line: flags as typed (clap), one module per command, and the only place that
//! prints. Errors are rendered once here and mapped to the documented exit codes.

/// Prints to stdout like `print!`; a reader that stops early (`| head`) is not an error.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::emit(&format!($($arg)*))
    };
}

/// Prints a line to stdout like `println!`; a reader that stops early is not an error.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) mod apply;
mod budget_wait;
pub(crate) mod check;
pub(crate) mod config_cmd;
mod diff;
mod export;
pub(crate) mod plan;
mod probe;
mod sandbox;
mod show;
pub(crate) mod status;
mod undo;

use clap::{Parser, Subcommand};

use ghl_migrate::error::{Error, Result, exit};

/// Migrate a GoHighLevel sub-account into another one: plan, review, apply, resume.
#[derive(Debug, Parser)]
#[command(name = "ghl-migrate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read both accounts and write a reviewable plan.
    Plan(plan::Args),
    /// Render a plan for people (text), PR comments (markdown) or machines (json).
    Show(show::Args),
    /// Show what changed between two revisions of a plan.
    Diff(diff::Args),
    /// Execute a plan against the target, checkpointed; `--resume` continues a stopped run.
    Apply(apply::Args),
    /// Progress and results of a plan's apply, from its checkpoint.
    Status(status::Args),
    /// Write a reviewable plan that removes exactly what this migration wrote (apply runs it).
    Undo(undo::Args),
    /// Snapshot a live account into a fixture file.
    Export(export::Args),
    /// Test both connections: auth, location, scopes, rate-limit headers.
    Check(check::Args),
    /// Measure a live account's rate limits (fixed or sliding window, 429 cost, Retry-After).
    Probe(probe::Args),
    /// Print the effective configuration and where each value came from (secrets redacted).
    Config(config_cmd::Args),
    /// Serve a fixture account over the GoHighLevel V1 and V2 routes (a local stand-in).
    Sandbox(sandbox::Args),
    /// The old system's HTTP API and a live dashboard, over the same engine.
    Serve(crate::serve::Args),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    // Usage errors exit 1, not clap's 2: 2 means "the plan has changes" (a contract).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = err.print();
            return code;
        }
    };
    init_logging();
    let result = match cli.command {
        Command::Plan(args) => plan::run(args),
        Command::Show(args) => show::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Status(args) => status::run(args),
        Command::Undo(args) => undo::run(args),
        Command::Export(args) => export::run(args),
        Command::Check(args) => check::run(args),
        Command::Probe(args) => probe::run(args),
        Command::Config(args) => config_cmd::run(args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Serve(args) => crate::serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Diagnostics on stderr, filtered by `RUST_LOG` (off unless set). Nothing logged carries a token.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Prints an error for people and returns its exit code.
fn report(err: &Error) -> i32 {
    eprintln!("error: {err}");
    err.exit_code()
}

/// A multi-threaded runtime for the commands that talk to the network.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))
}

/// The process environment, as the library's `vars` lookups expect it.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Writes text to stdout and flushes; a closed pipe ends the output quietly.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

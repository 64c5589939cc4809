//! The `sandbox` command: serves a fixture account over the GoHighLevel V1 and V2 routes on
//! 127.0.0.1 until killed, printing one line with its address for a parent process to read.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use ghl_migrate::error::{Error, Result};
use ghl_migrate::sandbox::{
    self, FaultRule, LatencyRange, Options, RateLimit, Scope, TokenConfig, WindowKind,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The fixture account to serve (JSON, or YAML by extension).
    #[arg(long, value_name = "FILE")]
    account: PathBuf,
    /// Serve the account even if its references dangle (an opportunity whose contact or
    /// stage is gone), as a real account's may.
    #[arg(long)]
    unchecked: bool,
    /// The port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// An environment variable holding an accepted token (repeatable). Tokens are never
    /// taken from the command line.
    #[arg(long = "token-env", value_name = "NAME", required = true)]
    token_env: Vec<String>,
    /// Limits the token in NAME to some route families, e.g.
    /// `NAME=contacts,opportunities` (also locations, custom-fields, users, v1).
    #[arg(long = "token-scopes", value_name = "NAME=SCOPES")]
    token_scopes: Vec<String>,
    /// Gives the token in NAME its own burst limit, e.g. `NAME=25/10000`.
    #[arg(long = "token-rate", value_name = "NAME=MAX/MS")]
    token_rate: Vec<String>,
    /// Requests allowed per interval, per (token, location).
    #[arg(long, default_value_t = 100)]
    rate_max: u32,
    /// The burst interval in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    rate_interval_ms: u64,
    /// How the burst limit counts: `fixed` windows one after the other, or `sliding` (at most
    /// MAX within any interval).
    #[arg(long, value_name = "fixed|sliding", default_value = "fixed")]
    rate_window: WindowKind,
    /// Requests allowed per day per location.
    #[arg(long, default_value_t = 200_000)]
    daily: u64,
    /// How long a day lasts, in milliseconds (to rehearse waiting for the daily budget).
    #[arg(long, value_name = "MS", default_value_t = 86_400_000)]
    day_ms: u64,
    /// Announce this in `x-ratelimit-daily-reset` whatever the truth (a wrong reset time).
    #[arg(long, value_name = "MS")]
    daily_reset_ms: Option<u64>,
    /// The `Version` header values accepted on V2 routes (repeatable); default: every
    /// published one (2021-04-15, 2021-07-28, 2023-02-21, v3), as the live API.
    #[arg(long = "version-header", value_name = "VERSION")]
    version_header: Vec<String>,
    /// A uniform random delay per request, `MIN..MAX` milliseconds.
    #[arg(long, value_name = "A..B")]
    latency_ms: Option<LatencyRange>,
    /// Seeds latency and probabilistic faults.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The location refuses contacts whose email or phone is already taken.
    #[arg(long)]
    forbid_duplicates: bool,
    /// A fault rule (repeatable): `KIND[,method=M][,path=PREFIX][,count=N][,p=PROB]`,
    /// KIND one of 429, 401, 422 (after committing), 500, 504, drop, hang, malformed, late
    /// (handled `delay_ms=MS` after it arrived, whether or not the client still waits).
    #[arg(long = "fault", value_name = "RULE")]
    faults: Vec<FaultRule>,
    /// Searches show a new contact or opportunity only this long after its creation, as an
    /// index catching up with writes would.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    search_lag_ms: u64,
    /// Answer in the OpenAPI spec's shapes instead of the live API's (the contact search's
    /// `address` and epoch-ms `dateOfBirth`, typed opportunity values).
    #[arg(long)]
    spec_shapes: bool,
    /// Store these writes other than sent (repeatable): `options` (picklist options of a field
    /// create ignored), `date` (a DATE value a day earlier), `date-epoch` (only one sent as epoch
    /// milliseconds), `textbox-list` (its first item only); on contacts and opportunities.
    #[arg(long = "wrong-writes", value_name = "KIND")]
    wrong_writes: Vec<sandbox::WrongWrite>,
}

pub fn run(args: Args) -> Result<i32> {
    let account = if args.unchecked {
        let text = std::fs::read_to_string(&args.account).map_err(|source| Error::Read {
            path: args.account.clone(),
            source,
        })?;
        ghl_migrate::fixture::parse(&args.account, &text)?
    } else {
        ghl_migrate::fixture::load(&args.account)?
    };
    let options = options(&args)?;
    let location = format!("{} ({:?})", account.location.id, account.location.name);
    let handle = sandbox::start(account, options)
        .map_err(|e| Error::Other(format!("cannot start the sandbox: {e}")))?;
    outln!("sandbox listening on {}", handle.url());
    outln!(
        "serving location {location}: V2 routes at {}, V1 at {}",
        handle.url(),
        handle.v1_url()
    );
    let _ = std::io::stdout().flush();
    handle.wait();
    Ok(0)
}

fn options(args: &Args) -> Result<Options> {
    let scopes = by_name(&args.token_scopes, "--token-scopes", |s| {
        s.split(',')
            .map(|x| x.trim().parse::<Scope>())
            .collect::<std::result::Result<Vec<_>, _>>()
    })?;
    let rates = by_name(&args.token_rate, "--token-rate", |s| s.parse::<RateLimit>())?;
    let mut tokens = Vec::new();
    for name in &args.token_env {
        let token = super::env_var(name)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::MissingToken {
                side: "sandbox".into(),
                var: name.clone(),
            })?;
        tokens.push(TokenConfig {
            token: token.trim().to_string(),
            scopes: scopes.get(name).cloned(),
            rate: rates.get(name).copied(),
        });
    }
    Ok(Options {
        port: args.port,
        tokens,
        rate: RateLimit {
            max: args.rate_max,
            interval_ms: args.rate_interval_ms,
        },
        window: args.rate_window,
        daily: args.daily,
        day_ms: args.day_ms,
        daily_reset_ms: args.daily_reset_ms,
        versions: if args.version_header.is_empty() {
            sandbox::PUBLISHED_VERSIONS
                .iter()
                .map(|v| v.to_string())
                .collect()
        } else {
            args.version_header.clone()
        },
        latency: args.latency_ms,
        seed: args.seed,
        forbid_duplicates: args.forbid_duplicates,
        faults: args.faults.clone(),
        search_lag_ms: args.search_lag_ms,
        spec_shapes: args.spec_shapes,
        wrong_writes: args.wrong_writes.clone(),
    })
}

/// `NAME=VALUE` flags as a map, each value parsed.
fn by_name<T>(
    flags: &[String],
    flag: &str,
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<HashMap<String, T>> {
    flags
        .iter()
        .map(|f| {
            let (name, value) = f
                .split_once('=')
                .ok_or_else(|| Error::Other(format!("{flag} {f:?}: expected NAME=VALUE")))?;
            let value = parse(value).map_err(|e| Error::Other(format!("{flag}: {e}")))?;
            Ok((name.to_string(), value))
        })
        .collect()
}

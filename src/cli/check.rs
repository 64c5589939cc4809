//! The `check` command: tests both accounts (concurrently) before anything is planned:
//! reachable, token accepted, the right location, every read the migrator needs allowed, and the
//! rate-limit headers the server sends. Each failure says what to fix. Exit 0 when all pass.

use std::fmt;
use std::path::PathBuf;

use ghl_migrate::access::{self, Access, Permission};
use ghl_migrate::config::{self, AccountConfig, ApiKind, Loaded, RateLimitConfig};
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::fixture;
use ghl_migrate::ghl::probe::{self, Read};
use ghl_migrate::ghl::ratelimit::RateHeaders;
use ghl_migrate::ghl::remote::{self, Remote, Side};
use ghl_migrate::ghl::{ApiError, ApiErrorKind, Ghl, v1};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The declaration whose accounts to check.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
}

/// Retries per read during a check: enough to ride out a 429, few enough to answer quickly.
const CHECK_RETRIES: u32 = 2;

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let runtime = super::runtime()?;
    let (source, target) = runtime.block_on(async {
        tokio::join!(
            check_side(&loaded, Side::Source),
            check_side(&loaded, Side::Target)
        )
    });
    let mut problems = 0;
    for report in [source, target] {
        outln!("{}", report.title);
        for line in &report.lines {
            outln!("{line}");
            problems += usize::from(line.status == Status::Fail);
        }
    }
    if problems == 0 {
        outln!("check: all passed");
        Ok(exit::OK)
    } else {
        outln!("check: {problems} problem(s); see `fix:` above");
        Ok(exit::ERROR)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Fail,
    Note,
}

/// One finding: what was tried, what happened, and how to fix it.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Line {
    pub status: Status,
    pub what: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Line {
    fn ok(what: &str, detail: impl Into<String>) -> Self {
        Line {
            status: Status::Ok,
            what: what.into(),
            detail: detail.into(),
            fix: None,
        }
    }

    fn note(what: &str, detail: impl Into<String>) -> Self {
        Line {
            status: Status::Note,
            what: what.into(),
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(what: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Line {
            status: Status::Fail,
            what: what.into(),
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.status {
            Status::Ok => "ok  ",
            Status::Fail => "FAIL",
            Status::Note => "note",
        };
        write!(f, "  {tag}  {}: {}", self.what, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n        fix: {fix}")?;
        }
        Ok(())
    }
}

/// What `check` found for one account.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Report {
    pub title: String,
    pub lines: Vec<Line>,
}

impl Report {
    /// No finding failed.
    pub fn passed(&self) -> bool {
        self.lines.iter().all(|l| l.status != Status::Fail)
    }
}

/// Checks one account of the declaration (`serve`'s test-connection asks the same).
pub(crate) async fn check_side(loaded: &Loaded, side: Side) -> Report {
    let account = match side {
        Side::Source => &loaded.config.source,
        Side::Target => &loaded.config.target,
    };
    if account.api == ApiKind::Fixture {
        return check_fixture(loaded, side, account);
    }
    let location = account.location_id.clone().unwrap_or_default();
    let title = format!(
        "{side} ({}, location {location}, {}):",
        account.api.as_str(),
        account.base_url().unwrap_or_default()
    );
    let mut lines = Vec::new();
    if account.api == ApiKind::V1 {
        lines.push(Line::note("api v1", v1::END_OF_SUPPORT));
    }
    let names = account.token_vars();
    let var = names.first().cloned().unwrap_or_default();
    let rate = RateLimitConfig {
        max_retries: loaded.config.rate_limit.max_retries.min(CHECK_RETRIES),
        ..loaded.config.rate_limit.clone()
    };
    // Every read with the first token; each other token is tried on its own below.
    let first = std::slice::from_ref(&var);
    let remote = match remote::open_with(side, account, first, &rate, &super::env_var) {
        Ok(remote) => remote,
        Err(Error::MissingToken { var, .. }) => {
            lines.push(Line::fail(
                "token",
                format!("${var} is not set or empty"),
                format!(
                    "export {var}=<the {} of location {location}>",
                    token_kind(account.api)
                ),
            ));
            return Report { title, lines };
        }
        Err(e @ Error::BadToken { .. }) => {
            lines.push(Line::fail(
                "token",
                e.to_string(),
                format!(
                    "export {var}=<the {} of location {location}>, on one line",
                    token_kind(account.api)
                ),
            ));
            return Report { title, lines };
        }
        Err(e) => {
            lines.push(Line::fail(
                "connection",
                e.to_string(),
                "fix the account in migration.yaml",
            ));
            return Report { title, lines };
        }
    };
    lines.push(Line::ok("token", format!("${var} is set")));
    if account.api == ApiKind::V1 {
        let key = remote::token(side, account, &super::env_var).ok();
        match key.and_then(|k| v1::key_location(k.expose())) {
            Some(own) if own == location => lines.push(Line::ok(
                "location",
                format!("the API key belongs to {location}"),
            )),
            Some(own) => lines.push(Line::fail(
                "location",
                format!("the API key belongs to location {own}, not {location}"),
                format!("use the API key of {location}, or set `location_id: {own}`"),
            )),
            // Not a JWT: the location read below is the only check.
            None => {}
        }
    }
    // One failure repeated on every read (a refused token) gets its fix once, then a pointer.
    let mut fixed: Vec<(ApiErrorKind, Option<u16>, String)> = Vec::new();
    for read in Read::ALL {
        match probe::probe(&remote, read).await {
            Ok(probed) => match probed.location {
                Some(found) if found.id != location => lines.push(Line::fail(
                    read.label(),
                    format!(
                        "the server answered for location {}, not {location}",
                        found.id
                    ),
                    "check `location_id` in migration.yaml",
                )),
                _ => lines.push(Line::ok(read.label(), probed.summary)),
            },
            Err(err)
                if read == Read::Location
                    && account.api == ApiKind::V1
                    && err.status == Some(401) =>
            {
                lines.push(Line::note(
                    read.label(),
                    format!("{err}; V1 location keys may not read locations, so the location is not confirmed"),
                ));
            }
            Err(err) => {
                let unreachable = err.status.is_none()
                    && matches!(err.kind, ApiErrorKind::Retryable | ApiErrorKind::Ambiguous);
                let fix = fix_for(&err, read, account, &var);
                let fix = match fixed
                    .iter()
                    .find(|(kind, status, _)| (*kind, *status) == (err.kind, err.status))
                {
                    Some((_, _, first)) if *first == fix => "as above".to_string(),
                    Some(_) if err.kind == ApiErrorKind::Auth => {
                        format!("as above (this read needs the scope `{}`)", read.scope())
                    }
                    _ => fix,
                };
                fixed.push((err.kind, err.status, fix_for(&err, read, account, &var)));
                lines.push(Line::fail(read.label(), err.to_string(), fix));
                if unreachable {
                    lines.push(Line::note(
                        "remaining reads",
                        "skipped: the server is not reachable",
                    ));
                    break;
                }
            }
        }
    }
    if side == Side::Target {
        lines.extend(write_lines(&remote).await);
    }
    lines.push(rate_line(&remote));
    for other in names.iter().skip(1) {
        lines.push(check_token(side, account, &rate, other).await);
    }
    Report { title, lines }
}

/// One more token of the account: set, accepted for its location, and its rate limit.
async fn check_token(
    side: Side,
    account: &AccountConfig,
    rate: &RateLimitConfig,
    var: &str,
) -> Line {
    let what = format!("token ${var}");
    let location = account.location_id.clone().unwrap_or_default();
    let only = [var.to_string()];
    let remote = match remote::open_with(side, account, &only, rate, &super::env_var) {
        Ok(remote) => remote,
        Err(e) => {
            return Line::fail(
                &what,
                e.to_string(),
                format!(
                    "export {var}=<another {} of location {location}>, or remove {var} from token_env",
                    token_kind(account.api)
                ),
            );
        }
    };
    let read = if account.api == ApiKind::V1 {
        Read::Contacts
    } else {
        Read::Location
    };
    match probe::probe(&remote, read).await {
        Ok(probed) => match probed.location {
            Some(found) if found.id != location => Line::fail(
                &what,
                format!(
                    "the server answered for location {}, not {location}",
                    found.id
                ),
                format!("use a token of location {location} in ${var}"),
            ),
            _ => Line::ok(
                &what,
                format!(
                    "accepted ({}: {}); rate limit {}",
                    read.label(),
                    probed.summary,
                    describe_headers(&remote_headers(&remote))
                ),
            ),
        },
        Err(err) => Line::fail(&what, err.to_string(), fix_for(&err, read, account, var)),
    }
}

fn remote_headers(remote: &Remote) -> RateHeaders {
    remote
        .http()
        .map(|http| http.limiter().last_headers())
        .unwrap_or_default()
}

/// What the target's token may do beyond records: create and change pipelines (else a missing
/// pipeline or stage blocks its opportunities), and read the workflows that writes may fire.
async fn write_lines(remote: &Remote) -> Vec<Line> {
    let access = match remote {
        Remote::V1(_) => Access::v1(),
        Remote::V2(c) => c.pipeline_access().await,
    };
    let mut lines = Vec::new();
    for (scope, permission, what) in [
        (
            access::CREATE_SCOPE,
            &access.create_pipelines,
            "create pipelines",
        ),
        (
            access::WRITE_SCOPE,
            &access.change_pipelines,
            "add stages to pipelines",
        ),
    ] {
        lines.push(match permission {
            Permission::Allowed => Line::ok(scope, format!("the token may {what}")),
            Permission::Refused { reason, fix } => Line::note(
                scope,
                format!(
                    "{reason}; a missing one is blocked, not created (fix, to have it created: {fix})"
                ),
            ),
        });
    }
    lines.push(match remote.workflows().await {
        Ok(all) => {
            let published = all.iter().filter(|w| w.is_published()).count();
            Line::ok(
                "workflows",
                format!(
                    "{} workflows, {published} published (creating records may fire them)",
                    all.len()
                ),
            )
        }
        Err(e) => Line::note(
            "workflows",
            format!(
                "cannot be read ({e}); the plan will not know which workflows writes may fire \
                 (give the token `workflows.readonly`)"
            ),
        ),
    });
    lines
}

fn token_kind(api: ApiKind) -> &'static str {
    match api {
        ApiKind::V1 => "location API key",
        _ => "Private Integration Token",
    }
}

/// How to fix a failed read, by what the failure means.
fn fix_for(err: &ApiError, read: Read, account: &AccountConfig, var: &str) -> String {
    let location = account.location_id.as_deref().unwrap_or_default();
    let base = account.base_url().unwrap_or_default();
    let v1_without_prefix =
        account.api == ApiKind::V1 && !base.trim_end_matches('/').ends_with("/v1");
    match (err.kind, err.status) {
        // V2's routes answer a V1 request sent without the prefix: 404, or 401 (no Version).
        (_, Some(401 | 404)) if v1_without_prefix => format!(
            "the V1 API lives under /v1: set `base_url: {}/v1` in migration.yaml",
            base.trim_end_matches('/')
        ),
        (ApiErrorKind::Auth, Some(401)) => format!(
            "the token in ${var} was refused: check that it is a valid, unexpired {} of location \
             {location}; GoHighLevel also answers 401 for a missing scope, so check it has `{}`",
            token_kind(account.api),
            read.scope()
        ),
        (ApiErrorKind::Auth, _) => format!(
            "the token in ${var} may not read this: give it the scope `{}`, or check that it \
             belongs to location {location}",
            read.scope()
        ),
        (ApiErrorKind::Permanent, Some(400 | 404 | 422)) if read == Read::Location => format!(
            "location {location} is not reachable with this token: check `location_id` in migration.yaml"
        ),
        (ApiErrorKind::Permanent, _) => format!(
            "the server refused the read; check `location_id` and that the token has `{}`",
            read.scope()
        ),
        (ApiErrorKind::Protocol, _) => {
            format!("the server at {base} does not answer like GoHighLevel: check `base_url`")
        }
        (ApiErrorKind::RateLimited | ApiErrorKind::DailyBudget, _) => {
            "the rate limit is exhausted for now: try again later".into()
        }
        (ApiErrorKind::Retryable | ApiErrorKind::Ambiguous, Some(_)) => {
            "the server failed; try again later".into()
        }
        (ApiErrorKind::Retryable | ApiErrorKind::Ambiguous, None) => format!(
            "cannot reach {base}: check the network, `base_url`, or raise rate_limit.timeout_ms"
        ),
    }
}

fn rate_line(remote: &Remote) -> Line {
    let h = remote_headers(remote);
    if h.any() {
        Line::ok("rate limit", describe_headers(&h))
    } else {
        Line::note(
            "rate limit",
            "no X-RateLimit headers seen; pacing falls back to rate_limit settings and 429 backoff",
        )
    }
}

fn describe_headers(h: &RateHeaders) -> String {
    let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
    let mut s = format!(
        "{} requests per {} ms ({} left in this window)",
        n(h.max.map(u64::from)),
        n(h.interval_ms),
        n(h.remaining.map(u64::from))
    );
    if h.daily_limit.is_some() || h.daily_remaining.is_some() {
        s.push_str(&format!(
            "; daily {} left of {}",
            n(h.daily_remaining),
            n(h.daily_limit)
        ));
    }
    s
}

fn check_fixture(loaded: &Loaded, side: Side, account: &AccountConfig) -> Report {
    let path = loaded.resolve(
        account
            .path
            .as_deref()
            .unwrap_or_else(|| std::path::Path::new("")),
    );
    let title = format!("{side} (fixture {}):", path.display());
    let line = match fixture::load(&path) {
        Ok(a) => Line::ok(
            "fixture",
            format!(
                "loads: location {}, {} custom fields, {} pipelines, {} users, {} contacts, {} opportunities",
                a.location.id,
                a.custom_fields.len(),
                a.pipelines.len(),
                a.users.len(),
                a.contacts.len(),
                a.opportunities.len()
            ),
        ),
        Err(e) => Line::fail(
            "fixture",
            e.to_string(),
            "fix the file, or `path` in migration.yaml",
        ),
    };
    Report {
        title,
        lines: vec![line],
    }
}

//! `migration.yaml`: what to move, from where to where, and how. Parsed strictly: unknown keys
//! are errors with file, line and column. Secrets are never here, only the names of the
//! environment variables that hold them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The whole declaration, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Names the plan (`plans/<name>.plan.yaml`) and the state file.
    pub name: String,
    pub source: AccountConfig,
    pub target: AccountConfig,
    /// Object kinds to move; all of them when absent.
    #[serde(default = "ObjectKind::all")]
    pub objects: Vec<ObjectKind>,
    #[serde(default)]
    pub mappings: Mappings,
    #[serde(default)]
    pub filters: Filters,
    /// What to do with a source contact that already exists in the target.
    #[serde(default)]
    pub existing_contacts: ExistingPolicy,
    /// Create the pipelines and stages the target lacks when its token may (`false`: map
    /// pipelines and stages by name only, and block what has no counterpart).
    #[serde(default = "defaults::create_pipelines")]
    pub create_pipelines: bool,
    /// A tag added to every contact the migration creates or merges, so that the target's
    /// workflows can filter migrated records out (none by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_migrated: Option<String>,
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// Country calling code for phone numbers written without one (E.164 matching), e.g. `"1"`.
    #[serde(default = "defaults::phone_country_code")]
    pub phone_country_code: String,
    /// Where the checkpoint lives; default `.ghl-migrate/<name>.sqlite` in the current folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PathBuf>,
}

/// Which API an account is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    V1,
    V2,
    Fixture,
}

impl ApiKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ApiKind::V1 => "v1",
            ApiKind::V2 => "v2",
            ApiKind::Fixture => "fixture",
        }
    }

    /// The production base URL for a live API.
    pub fn default_base_url(&self) -> Option<&'static str> {
        match self {
            ApiKind::V1 => Some("https://rest.gohighlevel.com/v1"),
            ApiKind::V2 => Some("https://services.leadconnectorhq.com"),
            ApiKind::Fixture => None,
        }
    }
}

/// One account: a live location (`v1`, `v2`) or a fixture file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub api: ApiKind,
    /// Live accounts: the location (sub-account) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Live accounts: the name of the environment variable holding the token or V1 API key,
    /// or a list of names, one per token of the same location (each token has its own burst
    /// window; the location's daily budget is shared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<TokenEnv>,
    /// Live accounts: overrides the API's base URL (e.g. a local sandbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Fixture accounts: the JSON or YAML file, relative to migration.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
}

/// `token_env`: one variable name, or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TokenEnv {
    One(String),
    Many(Vec<String>),
}

/// Read by hand rather than untagged, so that anything else (a number, a map, a nested list)
/// is refused where it sits and says what is expected.
impl<'de> Deserialize<'de> for TokenEnv {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Names;
        impl<'de> serde::de::Visitor<'de> for Names {
            type Value = TokenEnv;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "the name of an environment variable or a list of names (e.g. \
                     [GHL_TOKEN_A, GHL_TOKEN_B])",
                )
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<TokenEnv, E> {
                Ok(TokenEnv::One(v.to_string()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<TokenEnv, A::Error> {
                let mut names = Vec::new();
                while let Some(Name(name)) = seq.next_element()? {
                    names.push(name);
                }
                Ok(TokenEnv::Many(names))
            }
        }
        d.deserialize_any(Names)
    }
}

/// One name in a `token_env` list.
struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct One;
        impl serde::de::Visitor<'_> for One {
            type Value = Name;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "the name of an environment variable (a list holds names only, e.g. \
                     [GHL_TOKEN_A, GHL_TOKEN_B])",
                )
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Name, E> {
                Ok(Name(v.to_string()))
            }
        }
        d.deserialize_str(One)
    }
}

impl TokenEnv {
    /// The variable names, in the order written.
    pub fn names(&self) -> Vec<String> {
        match self {
            TokenEnv::One(name) => vec![name.clone()],
            TokenEnv::Many(names) => names.clone(),
        }
    }
}

impl From<&str> for TokenEnv {
    fn from(name: &str) -> Self {
        TokenEnv::One(name.to_string())
    }
}

impl AccountConfig {
    /// The names of the variables holding the account's tokens (empty for a fixture).
    pub fn token_vars(&self) -> Vec<String> {
        self.token_env
            .as_ref()
            .map(TokenEnv::names)
            .unwrap_or_default()
    }

    /// The effective base URL of a live account.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url
            .as_deref()
            .or_else(|| self.api.default_base_url())
    }
}

/// The object kinds the tool moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    CustomFields,
    Pipelines,
    Contacts,
    Opportunities,
    /// Each migrated contact's notes.
    Notes,
    /// Each migrated contact's tasks.
    Tasks,
}

impl ObjectKind {
    pub fn all() -> Vec<ObjectKind> {
        vec![
            ObjectKind::CustomFields,
            ObjectKind::Pipelines,
            ObjectKind::Contacts,
            ObjectKind::Opportunities,
            ObjectKind::Notes,
            ObjectKind::Tasks,
        ]
    }
}

/// Explicit mappings that override matching by name, source -> target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mappings {
    /// Source field name or key -> target field name or key.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    /// Source pipeline name -> target pipeline name.
    #[serde(default)]
    pub pipelines: BTreeMap<String, String>,
    /// `Source pipeline / Source stage` -> target stage name (in the mapped pipeline).
    #[serde(default)]
    pub stages: BTreeMap<String, String>,
    /// Source user email -> target user email.
    #[serde(default)]
    pub users: BTreeMap<String, String>,
}

/// Which source objects to leave out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    #[serde(default)]
    pub contacts: ContactFilter,
    #[serde(default)]
    pub opportunities: OpportunityFilter,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFilter {
    /// Skip contacts carrying any of these tags (case-insensitive).
    #[serde(default)]
    pub skip_tags: Vec<String>,
    /// When not empty, only contacts carrying at least one of these tags.
    #[serde(default)]
    pub only_tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunityFilter {
    /// When not empty, only opportunities in these statuses.
    #[serde(default)]
    pub statuses: Vec<crate::model::OpportunityStatus>,
    /// Source pipelines whose opportunities are left out.
    #[serde(default)]
    pub skip_pipelines: Vec<String>,
}

/// The policy for a source contact that already exists in the target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExistingPolicy {
    /// Fill in what the target lacks, add tags; never overwrite or remove (the default).
    #[default]
    Merge,
    /// Replace the target's values with the source's (tags are still only added).
    Overwrite,
    /// Leave existing contacts alone.
    Skip,
}

/// Overrides of the pacing the server announces. The server's headers always win where lower.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// At most this many requests in flight per account.
    #[serde(default = "defaults::max_in_flight")]
    pub max_in_flight: usize,
    /// Stop (exit 75) when the daily remaining budget falls to this many requests.
    #[serde(default = "defaults::daily_reserve")]
    pub daily_reserve: u64,
    /// Retries of a call answered 429 before the run stops to be resumed.
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
    /// A ceiling lower than the server's: at most this many requests per interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_interval: Option<u32>,
    /// A minimum pause between two requests to one account, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_delay_ms: Option<u64>,
    /// Per-request timeout, in milliseconds.
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// How long the target's search may lag behind its writes, in milliseconds: a create left
    /// in doubt (no answer, a 504, a crash) is looked up only once this long has passed, so
    /// that a contact or opportunity that did land is found rather than sent twice.
    #[serde(default = "defaults::search_lag_ms")]
    pub search_lag_ms: u64,
    /// How long after it was sent a write the client gave up on (a timeout, a 504, a dropped
    /// connection, a crash) may still land on the server, in milliseconds. An in-doubt create
    /// is looked up only after this and `search_lag_ms` have both passed: looked up sooner, a
    /// write still on its way would be missed and sent again.
    #[serde(default = "defaults::late_write_ms")]
    pub late_write_ms: u64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            max_in_flight: defaults::max_in_flight(),
            daily_reserve: defaults::daily_reserve(),
            max_retries: defaults::max_retries(),
            max_per_interval: None,
            min_delay_ms: None,
            timeout_ms: defaults::timeout_ms(),
            search_lag_ms: defaults::search_lag_ms(),
            late_write_ms: defaults::late_write_ms(),
        }
    }
}

mod defaults {
    pub fn create_pipelines() -> bool {
        true
    }
    pub fn phone_country_code() -> String {
        "1".into()
    }
    pub fn max_in_flight() -> usize {
        16
    }
    pub fn daily_reserve() -> u64 {
        1_000
    }
    pub fn max_retries() -> u32 {
        6
    }
    pub fn timeout_ms() -> u64 {
        30_000
    }
    pub fn search_lag_ms() -> u64 {
        15_000
    }
    /// Gateways in front of web APIs commonly cut a request after 60 to 100 s (Cloudflare's
    /// origin timeout is 100 s); GoHighLevel's own bound is not published.
    pub fn late_write_ms() -> u64 {
        120_000
    }
}

/// Environment variables honoured as overrides of `rate_limit` (the seed system's names).
pub mod env {
    /// Requests in flight at once (overrides `rate_limit.max_in_flight`).
    pub const BATCH_SIZE: &str = "MIGRATION_BATCH_SIZE";
    /// Minimum pause between requests, in seconds, fractions allowed (`rate_limit.min_delay_ms`).
    pub const RATE_LIMIT_DELAY: &str = "MIGRATION_RATE_LIMIT_DELAY";
}

/// A loaded declaration and the folder its relative paths are resolved against.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub path: PathBuf,
    pub dir: PathBuf,
    /// Where each effective `rate_limit` value came from (`default`, the file, or a variable).
    pub origins: BTreeMap<String, String>,
}

impl Loaded {
    /// A path from the declaration, resolved against its folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }

    /// The checkpoint database's path: `state:` (relative to migration.yaml), else
    /// `.ghl-migrate/<name>.sqlite` in the current folder, beside `plans/`.
    pub fn state_path(&self) -> PathBuf {
        match &self.config.state {
            Some(p) => self.resolve(p),
            None => PathBuf::from(".ghl-migrate").join(format!("{}.sqlite", self.config.name)),
        }
    }
}

/// The text of a declaration file, less a byte-order mark some editors put first.
pub fn read_text(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Reads, parses and validates `migration.yaml`, applying environment overrides from `vars`.
pub fn load(path: &Path, vars: &dyn Fn(&str) -> Option<String>) -> Result<Loaded> {
    let text = read_text(path)?;
    let mut config = parse(path, &text)?;
    let mut origins = BTreeMap::new();
    let file = path.display().to_string();
    let raw: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_default();
    let rate_keys = [
        "max_in_flight",
        "daily_reserve",
        "max_retries",
        "max_per_interval",
        "min_delay_ms",
        "timeout_ms",
        "search_lag_ms",
        "late_write_ms",
    ];
    for key in rate_keys {
        let set = raw.get("rate_limit").and_then(|r| r.get(key)).is_some();
        let origin = if set { file.clone() } else { "default".into() };
        origins.insert(format!("rate_limit.{key}"), origin);
    }
    if let Some(v) = vars(env::BATCH_SIZE) {
        config.rate_limit.max_in_flight =
            v.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::Other(format!(
                    "environment variable {}: expected a positive whole number, got {v:?}",
                    env::BATCH_SIZE
                ))
            })?;
        origins.insert(
            "rate_limit.max_in_flight".into(),
            format!("${}", env::BATCH_SIZE),
        );
    }
    if let Some(v) = vars(env::RATE_LIMIT_DELAY) {
        let secs: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| (0.0..=600.0).contains(s))
            .ok_or_else(|| {
                Error::Other(format!(
                    "environment variable {}: expected seconds from 0 to 600 (e.g. 0.2), got {v:?}",
                    env::RATE_LIMIT_DELAY
                ))
            })?;
        config.rate_limit.min_delay_ms = Some((secs * 1000.0).round() as u64);
        origins.insert(
            "rate_limit.min_delay_ms".into(),
            format!("${}", env::RATE_LIMIT_DELAY),
        );
    }
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(Loaded {
        config,
        path: path.to_path_buf(),
        dir,
        origins,
    })
}

/// Parses and validates a declaration's text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    crate::yaml_guard::check(path, text, crate::yaml_guard::DECLARATION)?;
    let config: Config = serde_yaml::from_str(text).map_err(|e| Error::yaml(path, &e))?;
    validate(path, text, &config)?;
    Ok(config)
}

fn validate(path: &Path, text: &str, config: &Config) -> Result<()> {
    let at = |key: &str, message: String| -> Error {
        match locate(text, key) {
            Some((line, column)) => Error::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message,
            },
            None => Error::Invalid {
                path: path.to_path_buf(),
                message,
            },
        }
    };
    // The side's own `token_env:` line (both sides may have one).
    let at_token_env = |side: &str, message: String| -> Error {
        match locate_under(text, side, "token_env") {
            Some((line, column)) => Error::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message,
            },
            None => at(side, message),
        }
    };
    if config.name.trim().is_empty()
        || !config
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(at(
            "name",
            format!(
                "name {:?} must be non-empty and use only letters, digits, '-', '_' and '.' (it names files)",
                config.name
            ),
        ));
    }
    for (side, account) in [("source", &config.source), ("target", &config.target)] {
        match account.api {
            ApiKind::Fixture => {
                if account.path.is_none() {
                    return Err(at(side, format!("{side}: `api: fixture` needs `path`")));
                }
                for (key, set) in [
                    ("location_id", account.location_id.is_some()),
                    ("token_env", account.token_env.is_some()),
                    ("base_url", account.base_url.is_some()),
                ] {
                    if set {
                        return Err(at(
                            side,
                            format!("{side}: `{key}` is for live accounts, not `api: fixture`"),
                        ));
                    }
                }
            }
            ApiKind::V1 | ApiKind::V2 => {
                for (key, set) in [
                    ("location_id", account.location_id.is_some()),
                    ("token_env", account.token_env.is_some()),
                ] {
                    if !set {
                        return Err(at(
                            side,
                            format!("{side}: `api: {}` needs `{key}`", account.api.as_str()),
                        ));
                    }
                }
                if account.path.is_some() {
                    return Err(at(
                        side,
                        format!("{side}: `path` is for `api: fixture` only"),
                    ));
                }
                if let Some(url) = &account.base_url {
                    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
                    if !scheme_ok || url.len() <= "https://".len() {
                        return Err(at(
                            "base_url",
                            format!(
                                "{side}.base_url {url:?} is not an http(s) URL (e.g. https://services.leadconnectorhq.com)"
                            ),
                        ));
                    }
                    if let Some(rest) = url.strip_prefix("http://")
                        && !is_loopback(rest)
                    {
                        return Err(at(
                            "base_url",
                            format!(
                                "{side}.base_url {url:?} is plain HTTP to another machine: the \
                                 token would travel in clear; use https:// (plain http:// is \
                                 accepted only for this machine: localhost, 127.0.0.1, [::1])"
                            ),
                        ));
                    }
                }
                let vars = account.token_vars();
                if vars.is_empty() {
                    return Err(at_token_env(
                        side,
                        format!("{side}: token_env must name at least one environment variable"),
                    ));
                }
                for (i, var) in vars.iter().enumerate() {
                    let valid = !var.is_empty()
                        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !var.starts_with(|c: char| c.is_ascii_digit());
                    if !valid {
                        return Err(at_token_env(
                            side,
                            format!(
                                "{side}: token_env must be the NAME of an environment variable \
                                 (letters, digits, '_'), not the token itself"
                            ),
                        ));
                    }
                    if vars[..i].contains(var) {
                        return Err(at_token_env(
                            side,
                            format!("{side}: token_env names {var} twice"),
                        ));
                    }
                }
            }
        }
    }
    let code = &config.phone_country_code;
    if code.is_empty() || code.len() > 3 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(at(
            "phone_country_code",
            format!(
                "phone_country_code {code:?} must be 1 to 3 digits, without `+` (e.g. \"1\", \"44\")"
            ),
        ));
    }
    if config.rate_limit.max_per_interval == Some(0) {
        return Err(at(
            "max_per_interval",
            "rate_limit.max_per_interval must be at least 1 (0 would never let a request go); \
             leave it out to follow the server's own limit"
                .into(),
        ));
    }
    if config.rate_limit.max_in_flight == 0 {
        return Err(at(
            "max_in_flight",
            "rate_limit.max_in_flight must be at least 1".into(),
        ));
    }
    Ok(())
}

/// Whether the host of a URL (the part after `scheme://`) is this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Line and column of `key:` within the top-level block `parent:` (e.g. `target:` then its
/// `token_env:`).
fn locate_under(text: &str, parent: &str, key: &str) -> Option<(usize, usize)> {
    let start = text.lines().position(|l| {
        l.strip_prefix(parent)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    })?;
    let block = text
        .lines()
        .enumerate()
        .skip(start + 1)
        .take_while(|(_, l)| l.is_empty() || l.starts_with([' ', '\t', '#']));
    block.into_iter().find_map(|(i, line)| {
        let (line_no, column) = locate(line, key)?;
        Some((i + line_no, column))
    })
}

/// The line and column (1-based) of the first line that sets `key`, for messages about it.
fn locate(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let rest = trimmed.strip_prefix(key)?;
        rest.trim_start()
            .starts_with(':')
            .then(|| (i + 1, line.len() - trimmed.len() + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config> {
        parse(Path::new("migration.yaml"), text)
    }

    const MINIMAL: &str = "name: demo\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: fixture\n  path: t.json\n";

    #[test]
    fn minimal_declaration_gets_defaults() {
        let c = parse_str(MINIMAL).unwrap();
        assert_eq!(c.objects, ObjectKind::all());
        assert_eq!(c.existing_contacts, ExistingPolicy::Merge);
        assert_eq!(c.rate_limit, RateLimitConfig::default());
    }

    #[test]
    fn unknown_key_is_an_error_with_line_and_column() {
        let text = format!("{MINIMAL}colour: blue\n");
        let err = parse_str(&text).unwrap_err().to_string();
        assert!(
            err.starts_with("migration.yaml:8:1: unknown field `colour`"),
            "{err}"
        );
    }

    #[test]
    fn malformed_yaml_names_line_and_column() {
        let err = parse_str("name: demo\nsource: [unclosed\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("migration.yaml:"), "{err}");
        assert!(err.contains(':'), "{err}");
    }

    #[test]
    fn live_account_needs_location_and_token_env() {
        let text = "name: d\nsource:\n  api: v2\n  token_env: T\ntarget:\n  api: fixture\n  path: t.json\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert_eq!(
            err,
            "migration.yaml:2:1: source: `api: v2` needs `location_id`"
        );
    }

    #[test]
    fn a_token_pasted_into_token_env_is_refused_without_echoing_it() {
        let text = "name: d\nsource:\n  api: v2\n  location_id: L\n  token_env: pit-abc.def\ntarget:\n  api: fixture\n  path: t.json\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert!(err.contains("NAME of an environment variable"), "{err}");
        assert!(!err.contains("pit-abc.def"), "{err}");
    }

    #[test]
    fn token_env_takes_one_name_or_a_list() {
        let one = "name: d\nsource:\n  api: v2\n  location_id: L\n  token_env: T\ntarget:\n  api: fixture\n  path: t.json\n";
        assert_eq!(parse_str(one).unwrap().source.token_vars(), ["T"]);
        let many = one.replace("token_env: T", "token_env: [TOK_A, TOK_B]");
        assert_eq!(
            parse_str(&many).unwrap().source.token_vars(),
            ["TOK_A", "TOK_B"]
        );
        for (bad, says) in [
            ("token_env: []", "at least one"),
            ("token_env: [TOK_A, TOK_A]", "names TOK_A twice"),
            (
                "token_env: [TOK_A, pit-x.y]",
                "NAME of an environment variable",
            ),
        ] {
            let err = parse_str(&one.replace("token_env: T", bad))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(!err.contains("pit-x.y"), "{err}");
        }
    }

    #[test]
    fn environment_overrides_rate_limit_and_records_origin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("migration.yaml");
        std::fs::write(&path, MINIMAL).unwrap();
        let vars = |k: &str| match k {
            env::BATCH_SIZE => Some("4".to_string()),
            env::RATE_LIMIT_DELAY => Some("0.2".to_string()),
            _ => None,
        };
        let loaded = load(&path, &vars).unwrap();
        assert_eq!(loaded.config.rate_limit.max_in_flight, 4);
        assert_eq!(loaded.config.rate_limit.min_delay_ms, Some(200));
        assert_eq!(
            loaded.origins["rate_limit.max_in_flight"],
            "$MIGRATION_BATCH_SIZE"
        );
        assert_eq!(loaded.origins["rate_limit.daily_reserve"], "default");
    }

    #[test]
    fn a_base_url_without_a_scheme_is_refused_where_it_is_written() {
        let text = "name: d\nsource:\n  api: v2\n  location_id: L\n  token_env: T\n  base_url: 127.0.0.1:8080\ntarget:\n  api: fixture\n  path: t.json\n";
        let err = parse_str(text).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "migration.yaml:6:3: source.base_url \"127.0.0.1:8080\" is not an http(s) URL"
            ),
            "{err}"
        );
    }

    #[test]
    fn an_absurd_delay_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("migration.yaml");
        std::fs::write(&path, MINIMAL).unwrap();
        let vars = |k: &str| (k == env::RATE_LIMIT_DELAY).then(|| "1e300".to_string());
        let err = load(&path, &vars).unwrap_err().to_string();
        assert!(err.contains("from 0 to 600"), "{err}");
    }

    #[test]
    fn bad_environment_override_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("migration.yaml");
        std::fs::write(&path, MINIMAL).unwrap();
        let vars = |k: &str| (k == env::BATCH_SIZE).then(|| "many".to_string());
        let err = load(&path, &vars).unwrap_err().to_string();
        assert!(err.contains("MIGRATION_BATCH_SIZE"), "{err}");
    }
}

//! How a sandbox is set up: tokens and their scopes and limits, the rate limits, latency,
//! the seed, and the faults it starts with. Also the parsers for the CLI spellings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::faults::FaultRule;

/// Everything `sandbox::start` needs besides the account.
#[derive(Debug, Clone)]
pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    /// The tokens (V2 bearer tokens and V1 API keys alike) the sandbox accepts.
    pub tokens: Vec<TokenConfig>,
    /// The burst limit per (token, location).
    pub rate: RateLimit,
    /// Whether the burst limit counts a fixed window or the last interval before each request.
    pub window: WindowKind,
    /// Requests per day per location, shared by all its tokens.
    pub daily: u64,
    /// How long the sandbox's day lasts, in milliseconds (GoHighLevel's: 86,400,000); shorter
    /// to rehearse a migration that waits for its daily budget.
    pub day_ms: u64,
    /// Announce this in `x-ratelimit-daily-reset` whatever the truth (a server whose reset time
    /// is wrong: GoHighLevel's header is unverified); `None`: the time left in the day.
    pub daily_reset_ms: Option<u64>,
    /// `Version` header values accepted on V2 routes (default: every published one).
    pub versions: Vec<String>,
    /// A uniform random delay before each API request is handled.
    pub latency: Option<LatencyRange>,
    /// Seeds latency and probabilistic faults, so runs repeat.
    pub seed: u64,
    /// The location's "Allow Duplicate Contact" setting is off.
    pub forbid_duplicates: bool,
    pub faults: Vec<FaultRule>,
    /// Searches show a new contact or opportunity only this long after it was created.
    pub search_lag_ms: u64,
    /// Answer in the spec's shapes instead of the live API's (see `sandbox::live`).
    pub spec_shapes: bool,
    /// Writes stored other than sent (see `sandbox::WrongWrite`).
    pub wrong_writes: Vec<super::WrongWrite>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            tokens: Vec::new(),
            rate: RateLimit::default(),
            window: WindowKind::Fixed,
            daily: 200_000,
            day_ms: super::limiter::DAY.as_millis() as u64,
            daily_reset_ms: None,
            versions: super::pipeline::PUBLISHED_VERSIONS
                .iter()
                .map(|v| v.to_string())
                .collect(),
            latency: None,
            seed: 0,
            forbid_duplicates: false,
            faults: Vec::new(),
            search_lag_ms: 0,
            spec_shapes: false,
            wrong_writes: Vec::new(),
        }
    }
}

/// How the burst limit counts: GoHighLevel does not say which (ghl-api.md §7), so the sandbox
/// can play either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowKind {
    /// Windows of `interval_ms` one after the other, from a token's first request: a burst may
    /// straddle a boundary (up to `2 × max` within one interval).
    #[default]
    Fixed,
    /// At most `max` requests within any `interval_ms`: each request is counted against the
    /// last interval before it.
    Sliding,
}

impl FromStr for WindowKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "fixed" => Ok(WindowKind::Fixed),
            "sliding" => Ok(WindowKind::Sliding),
            _ => Err(format!("window {s:?} is not `fixed` or `sliding`")),
        }
    }
}

/// A burst limit: at most `max` requests per `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub max: u32,
    pub interval_ms: u64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            max: 100,
            interval_ms: 10_000,
        }
    }
}

/// One accepted token. Its value is a secret: `Debug` never shows it.
#[derive(Clone)]
pub struct TokenConfig {
    pub token: String,
    /// The route families it may call; `None` means all of them.
    pub scopes: Option<Vec<Scope>>,
    /// Its own burst limit instead of `Options::rate`.
    pub rate: Option<RateLimit>,
}

impl TokenConfig {
    pub fn new(token: impl Into<String>) -> Self {
        TokenConfig {
            token: token.into(),
            scopes: None,
            rate: None,
        }
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.as_ref().is_none_or(|s| s.contains(&scope))
    }
}

impl fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenConfig")
            .field("token", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("rate", &self.rate)
            .finish()
    }
}

/// A family of routes a token may be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `GET /locations/{id}`.
    Locations,
    /// `/locations/{id}/customFields`.
    CustomFields,
    /// `/contacts/...`.
    Contacts,
    /// `/opportunities/...` (the pipelines list included).
    Opportunities,
    /// `POST /opportunities/pipelines` (`pipelines.create`).
    PipelinesCreate,
    /// `/opportunities/pipelines/{id}` (`pipelines.write`).
    PipelinesWrite,
    /// `/workflows/` (`workflows.readonly`).
    Workflows,
    /// `/users/`.
    Users,
    /// Everything under `/v1` (a V1 location API key).
    V1,
}

impl Scope {
    /// The family a request belongs to (`post`: whether it is a POST).
    pub fn of_request(post: bool, path: &str) -> Scope {
        let path = path.trim_end_matches('/');
        if path == "/opportunities/pipelines" && post {
            Scope::PipelinesCreate
        } else if path.starts_with("/opportunities/pipelines/") {
            Scope::PipelinesWrite
        } else if path == "/workflows" {
            Scope::Workflows
        } else {
            Scope::of_path(path)
        }
    }

    /// The family a request path belongs to, whatever its method.
    pub fn of_path(path: &str) -> Scope {
        if path == "/v1" || path.starts_with("/v1/") {
            Scope::V1
        } else if path.starts_with("/locations/") && path.contains("/customFields") {
            Scope::CustomFields
        } else if path.starts_with("/locations") {
            Scope::Locations
        } else if path.starts_with("/opportunities") {
            Scope::Opportunities
        } else if path.starts_with("/users") {
            Scope::Users
        } else {
            Scope::Contacts
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    /// Accepts the family names (`contacts`, `custom-fields`, ...) and GoHighLevel's scope
    /// names (`contacts.write`, `locations/customFields.readonly`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let family = s.split('.').next().unwrap_or(s);
        Ok(match family {
            "locations" => Scope::Locations,
            "custom-fields" | "customFields" | "locations/customFields" => Scope::CustomFields,
            "contacts" => Scope::Contacts,
            "opportunities" => Scope::Opportunities,
            "users" => Scope::Users,
            "v1" => Scope::V1,
            "workflows" => Scope::Workflows,
            "pipelines" if s.ends_with(".create") => Scope::PipelinesCreate,
            "pipelines" | "pipelines-write" => Scope::PipelinesWrite,
            "pipelines-create" => Scope::PipelinesCreate,
            _ => return Err(format!("unknown scope {s:?}")),
        })
    }
}

/// A delay range in milliseconds, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyRange {
    pub min_ms: u64,
    pub max_ms: u64,
}

impl FromStr for LatencyRange {
    type Err = String;

    /// `100..400` or a single `250`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("latency {s:?} is not MS or MIN..MAX (milliseconds)");
        let (a, b) = s.split_once("..").unwrap_or((s, s));
        let min_ms: u64 = a.trim().parse().map_err(|_| bad())?;
        let max_ms: u64 = b
            .trim()
            .trim_start_matches('=')
            .parse()
            .map_err(|_| bad())?;
        if min_ms > max_ms {
            return Err(bad());
        }
        Ok(LatencyRange { min_ms, max_ms })
    }
}

impl FromStr for RateLimit {
    type Err = String;

    /// `MAX/INTERVAL_MS`, e.g. `25/10000`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("rate {s:?} is not MAX/INTERVAL_MS");
        let (max, interval) = s.split_once('/').ok_or_else(bad)?;
        Ok(RateLimit {
            max: max.trim().parse().map_err(|_| bad())?,
            interval_ms: interval.trim().parse().map_err(|_| bad())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_spellings() {
        assert_eq!(
            "100..400".parse::<LatencyRange>().unwrap(),
            LatencyRange {
                min_ms: 100,
                max_ms: 400
            }
        );
        assert!("400..100".parse::<LatencyRange>().is_err());
        assert_eq!(
            "25/10000".parse::<RateLimit>().unwrap(),
            RateLimit {
                max: 25,
                interval_ms: 10_000
            }
        );
        assert_eq!("contacts.write".parse::<Scope>().unwrap(), Scope::Contacts);
        assert_eq!(
            "locations/customFields.readonly".parse::<Scope>().unwrap(),
            Scope::CustomFields
        );
    }

    #[test]
    fn paths_belong_to_families() {
        assert_eq!(Scope::of_path("/v1/contacts/"), Scope::V1);
        assert_eq!(
            Scope::of_path("/locations/abc/customFields"),
            Scope::CustomFields
        );
        assert_eq!(Scope::of_path("/locations/abc"), Scope::Locations);
        assert_eq!(
            Scope::of_path("/opportunities/pipelines"),
            Scope::Opportunities
        );
        assert_eq!(Scope::of_path("/contacts/search"), Scope::Contacts);
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = TokenConfig::new("s3cret");
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}

//! Injected faults: rules that pick requests (by method and path prefix, for the next N or
//! with a probability) and what to do to them. Set at start and changed through
//! `POST /_sandbox/faults`.

use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// What happens to a picked request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// 429 Too Many Requests, before acting (a storm).
    #[serde(rename = "429")]
    TooManyRequests,
    /// 401 `Invalid JWT`, before acting: a token refused in the middle of a run, as one
    /// revoked while the run was going would be.
    #[serde(rename = "401")]
    Unauthorized,
    /// 500, before acting: nothing was written.
    #[serde(rename = "500")]
    ServerError,
    /// 504 after the write was committed.
    #[serde(rename = "504")]
    GatewayTimeout,
    /// 422 after the write was committed: the live API has created a contact and still
    /// answered 422 (highlevel-api-docs #64).
    #[serde(rename = "422")]
    UnprocessableAfterActing,
    /// The connection is closed without a response after the write was committed.
    #[serde(rename = "drop")]
    Drop,
    /// No answer, ever (before acting).
    #[serde(rename = "hang")]
    Hang,
    /// The answer's JSON body is cut in half (after acting).
    #[serde(rename = "malformed")]
    Malformed,
    /// The request reaches the server late: it is handled (a write committed) `delay_ms` after
    /// it arrived, then answered, whether or not the client is still waiting.
    #[serde(rename = "late")]
    Late,
}

impl FaultKind {
    /// Whether the request is handled (and a write committed) before the fault shows.
    pub fn after_acting(self) -> bool {
        matches!(
            self,
            FaultKind::GatewayTimeout
                | FaultKind::UnprocessableAfterActing
                | FaultKind::Drop
                | FaultKind::Malformed
                | FaultKind::Late
        )
    }
}

/// One rule: which requests, how many of them, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    pub kind: FaultKind,
    /// e.g. `POST`; any method when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// e.g. `/contacts/`; any path when absent. A trailing `$` asks for this exact path
    /// (`/contacts/$` is the contact create, not the search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Only the next N matching requests; every one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Each matching request with this probability (0..=1); always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// For `late`: how long after its arrival the request is handled (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// A fault picked for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// For [`FaultKind::Late`]: how long the request waits before it is handled.
    pub delay: std::time::Duration,
}

/// How long a `late` request waits when its rule does not say.
const LATE_DEFAULT_MS: u64 = 1_000;

impl FaultRule {
    pub fn new(kind: FaultKind) -> Self {
        FaultRule {
            kind,
            method: None,
            path_prefix: None,
            count: None,
            probability: None,
            delay_ms: None,
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| match p.strip_suffix('$') {
                    Some(exact) => path == exact,
                    None => path.starts_with(p),
                })
            && self.count != Some(0)
    }
}

impl FromStr for FaultRule {
    type Err = String;

    /// `KIND[,method=M][,path=PREFIX][,count=N][,p=PROB][,delay_ms=MS]`, e.g.
    /// `drop,method=POST,count=1`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(',');
        let kind = parts.next().unwrap_or_default().trim();
        let kind: FaultKind = serde_json::from_value(serde_json::Value::String(kind.into()))
            .map_err(|_| {
                format!(
                    "fault {s:?}: kind must be one of 429, 401, 422, 500, 504, drop, hang, \
                     malformed, late"
                )
            })?;
        let mut rule = FaultRule::new(kind);
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault {s:?}: {part:?} is not key=value"))?;
            let bad = || format!("fault {s:?}: bad value for {key}");
            match key.trim() {
                "method" => rule.method = Some(value.trim().to_ascii_uppercase()),
                "path" => rule.path_prefix = Some(value.trim().to_string()),
                "count" => rule.count = Some(value.trim().parse().map_err(|_| bad())?),
                "delay_ms" => rule.delay_ms = Some(value.trim().parse().map_err(|_| bad())?),
                "p" | "probability" => {
                    let p: f64 = value.trim().parse().map_err(|_| bad())?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad());
                    }
                    rule.probability = Some(p);
                }
                other => return Err(format!("fault {s:?}: unknown key {other:?}")),
            }
        }
        Ok(rule)
    }
}

/// The active rules and the seeded generator behind their probabilities.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: StdRng,
}

impl Faults {
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Self {
        Faults {
            rules,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    pub fn replace(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
    }

    /// The fault for this request, if a rule picks it (the first matching rule decides;
    /// a counted rule is used up by one).
    pub fn pick(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.rules.iter().position(|r| r.matches(method, path))?;
        let rule = &mut self.rules[index];
        if let Some(p) = rule.probability
            && !self.rng.random_bool(p)
        {
            return None;
        }
        if let Some(count) = rule.count.as_mut() {
            *count -= 1;
        }
        Some(Fault {
            kind: rule.kind,
            delay: std::time::Duration::from_millis(rule.delay_ms.unwrap_or(LATE_DEFAULT_MS)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_cli_spelling() {
        let rule: FaultRule = "drop,method=post,path=/contacts/,count=2".parse().unwrap();
        assert_eq!(rule.kind, FaultKind::Drop);
        assert_eq!(rule.method.as_deref(), Some("POST"));
        assert_eq!(rule.path_prefix.as_deref(), Some("/contacts/"));
        assert_eq!(rule.count, Some(2));
        assert!("nope".parse::<FaultRule>().is_err());
        assert!("429,p=2".parse::<FaultRule>().is_err());
        let late: FaultRule = "late,delay_ms=40000".parse().unwrap();
        assert_eq!((late.kind, late.delay_ms), (FaultKind::Late, Some(40_000)));
    }

    #[test]
    fn counted_rules_pick_the_next_n_matching_requests() {
        let mut faults = Faults::new(vec!["429,method=GET,count=2".parse().unwrap()], 1);
        assert_eq!(faults.pick("POST", "/contacts/"), None);
        let kind = |f: Option<Fault>| f.map(|f| f.kind);
        assert_eq!(
            kind(faults.pick("GET", "/contacts/x")),
            Some(FaultKind::TooManyRequests)
        );
        assert_eq!(
            kind(faults.pick("GET", "/users/")),
            Some(FaultKind::TooManyRequests)
        );
        assert_eq!(faults.pick("GET", "/users/"), None);
    }

    #[test]
    fn a_trailing_dollar_matches_the_exact_path() {
        let mut faults = Faults::new(vec!["422,method=POST,path=/contacts/$".parse().unwrap()], 1);
        assert_eq!(faults.pick("POST", "/contacts/search"), None);
        assert_eq!(
            faults.pick("POST", "/contacts/").map(|f| f.kind),
            Some(FaultKind::UnprocessableAfterActing)
        );
    }

    #[test]
    fn probabilities_are_seeded() {
        let run = |seed| {
            let mut f = Faults::new(vec!["500,p=0.5".parse().unwrap()], seed);
            (0..32)
                .map(|_| f.pick("GET", "/").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert!(run(7).iter().any(|x| *x) && run(7).iter().any(|x| !*x));
    }
}

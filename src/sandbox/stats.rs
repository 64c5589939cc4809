//! What the sandbox saw: requests by route and by status, 429s sent, faults injected and
//! writes committed. Read through `GET /_sandbox/stats`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub requests: u64,
    /// Keyed `METHOD /route/{param}`.
    pub by_route: BTreeMap<String, u64>,
    /// Keyed by the status code (`"200"`); dropped connections and hangs count under `"none"`.
    pub by_status: BTreeMap<String, u64>,
    /// Every 429 sent, by the limiter or by a fault.
    pub too_many_requests: u64,
    pub faults_injected: u64,
    /// Writes that changed the account (creates, updates, tag additions, upserts).
    pub writes_committed: u64,
    /// Requests presented with each accepted token, in the order the tokens were configured
    /// (never the tokens themselves).
    #[serde(default)]
    pub by_token: Vec<u64>,
}

impl Stats {
    /// Counts one answered (or dropped, `status: None`) request.
    pub fn record(&mut self, route: &str, status: Option<u16>) {
        self.requests += 1;
        *self.by_route.entry(route.to_string()).or_default() += 1;
        let key = status.map_or_else(|| "none".to_string(), |s| s.to_string());
        *self.by_status.entry(key).or_default() += 1;
        if status == Some(429) {
            self.too_many_requests += 1;
        }
    }
}

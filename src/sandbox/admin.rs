//! The admin routes under `/_sandbox/` (no auth, not rate-limited, not counted): read the
//! account back, read or reset the statistics, and change faults at run time.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::app::{App, lock};
use super::faults::FaultRule;
use super::options::LatencyRange;
use super::reply::{self, Reply};
use super::stats::Stats;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/_sandbox/account", get(account))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/reset-stats", post(reset_stats))
        .route("/_sandbox/reset-limits", post(reset_limits))
        .route("/_sandbox/faults", get(faults).post(set_faults))
}

async fn account(State(app): State<Arc<App>>) -> Reply {
    Ok(reply::ok(
        serde_json::to_value(app.memory.snapshot()).unwrap_or_default(),
    ))
}

async fn stats(State(app): State<Arc<App>>) -> Reply {
    Ok(reply::ok(
        serde_json::to_value(lock(&app.stats).clone()).unwrap_or_default(),
    ))
}

async fn reset_stats(State(app): State<Arc<App>>) -> Reply {
    *lock(&app.stats) = Stats::default();
    Ok(reply::ok(json!({"reset": true})))
}

async fn reset_limits(State(app): State<Arc<App>>) -> Reply {
    lock(&app.limiter).reset();
    Ok(reply::ok(json!({"reset": true})))
}

/// `POST /_sandbox/faults`: every field optional; `faults` replaces the rule list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultsUpdate {
    faults: Option<Vec<FaultRule>>,
    forbid_duplicates: Option<bool>,
    /// `"100..400"`, or `"off"` to remove the latency.
    latency_ms: Option<String>,
    /// Writes to store other than sent; `[]` for none.
    wrong_writes: Option<Vec<super::WrongWrite>>,
}

fn current(app: &App) -> Value {
    json!({
        "faults": lock(&app.faults).rules(),
        "forbidDuplicates": app.memory.options().forbid_duplicates,
        "latencyMs": lock(&app.latency).range,
        "wrongWrites": *lock(&app.wrong_writes),
    })
}

async fn faults(State(app): State<Arc<App>>) -> Reply {
    Ok(reply::ok(current(&app)))
}

async fn set_faults(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let update: FaultsUpdate =
        serde_json::from_slice(&body).map_err(|e| reply::bad_request(e.to_string()))?;
    if let Some(latency) = &update.latency_ms {
        let range = match latency.trim() {
            "" | "off" => None,
            text => Some(text.parse::<LatencyRange>().map_err(reply::bad_request)?),
        };
        lock(&app.latency).range = range;
    }
    if let Some(rules) = update.faults {
        lock(&app.faults).replace(rules);
    }
    if let Some(wrong) = update.wrong_writes {
        *lock(&app.wrong_writes) = wrong;
    }
    if let Some(forbid) = update.forbid_duplicates {
        app.memory.set_forbid_duplicates(forbid);
    }
    Ok(reply::ok(current(&app)))
}

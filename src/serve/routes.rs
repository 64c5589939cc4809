//! The HTTP surface. The old system's six routes keep their paths and keys:
//! `GET /api/v1/migration/config`, `POST .../config/update`, `GET .../summary`,
//! `GET .../status/{migration_id}`, `GET .../debug/env`, `GET .../test-connection`.
//! Runs through HTTP: `GET|POST .../plan`, `POST .../apply` (202), `POST .../stop/{id}`,
//! `POST .../resume/{id}` (202), `GET .../events/{id}` (server-sent events). The dashboard at `/`.
//! Every route sits behind [`auth::require`] and [`origin::require`]; bodies are at most [`BODY_LIMIT`] bytes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use ghl_migrate::ghl::remote::Side;

use super::reply::{Refusal, Reply, strict_json};
use super::settings::Update;
use super::{App, auth, dashboard, origin, runs, status};
use crate::cli;

/// The largest request body accepted (the API's bodies are a few keys).
pub const BODY_LIMIT: usize = 16 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let api = "/api/v1/migration";
    Router::new()
        .route(&format!("{api}/config"), get(config))
        .route(&format!("{api}/config/update"), post(config_update))
        .route(&format!("{api}/summary"), get(summary))
        .route(&format!("{api}/status/{{migration_id}}"), get(status))
        .route(&format!("{api}/debug/env"), get(debug_env))
        .route(&format!("{api}/test-connection"), get(test_connection))
        .route(&format!("{api}/plan"), get(plan_read).post(plan_make))
        .route(&format!("{api}/apply"), post(apply))
        .route(&format!("{api}/stop/{{migration_id}}"), post(stop))
        .route(&format!("{api}/resume/{{migration_id}}"), post(resume))
        .route(&format!("{api}/events/{{migration_id}}"), get(events))
        .merge(dashboard::routes())
        .fallback(|| async { Refusal::not_found("no such route") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            app.guard.clone(),
            origin::require,
        ))
        .layer(middleware::from_fn_with_state(
            app.guard.clone(),
            auth::require,
        ))
        .with_state(app)
}

type Shared = State<Arc<App>>;

fn ok(value: Value) -> Response {
    axum::Json(value).into_response()
}

fn accepted(value: Value) -> Response {
    (StatusCode::ACCEPTED, axum::Json(value)).into_response()
}

/// The path's migration id must be the one this server serves.
fn known(app: &App, id: &str) -> Reply<()> {
    if id == app.migration_id {
        Ok(())
    } else {
        Err(Refusal::not_found(format!(
            "no migration `{id}` here; this server serves `{}`",
            app.migration_id
        )))
    }
}

async fn config(State(app): Shared) -> Response {
    ok(config_document(&app))
}

fn config_document(app: &App) -> Value {
    let loaded = app.settings.loaded();
    let text = std::fs::read_to_string(&loaded.path).unwrap_or_default();
    let raw: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_default();
    let entries = cli::config_cmd::entries(&loaded, &raw, &cli::env_var);
    app.settings.document(entries)
}

async fn config_update(State(app): Shared, body: Bytes) -> Reply<Response> {
    let update: Update = strict_json(&body)?;
    app.settings.update(&update).map_err(Refusal::bad_request)?;
    Ok(ok(config_document(&app)))
}

async fn summary(State(app): Shared) -> Reply<Response> {
    let plan = app.plan()?;
    let reading = cli::status::read(&plan, &app.state_path).map_err(|e| Refusal::of(&e))?;
    Ok(ok(cli::status::summary(&plan, &reading)))
}

async fn status(State(app): Shared, Path(id): Path<String>) -> Reply<Response> {
    known(&app, &id)?;
    Ok(ok(status::status(&app)))
}

async fn debug_env(State(app): Shared) -> Response {
    ok(env_document(&app, &cli::env_var))
}

/// What the server runs with: settings by value, secrets only as "set, N characters".
fn env_document(app: &App, vars: &dyn Fn(&str) -> Option<String>) -> Value {
    let loaded = app.settings.loaded();
    let mut secrets: Vec<String> = [&loaded.config.source, &loaded.config.target]
        .iter()
        .flat_map(|a| a.token_vars())
        .collect();
    secrets.extend(app.token_env.clone());
    secrets.sort();
    secrets.dedup();
    let plain = [
        ghl_migrate::config::env::BATCH_SIZE,
        ghl_migrate::config::env::RATE_LIMIT_DELAY,
        "RUST_LOG",
    ];
    let mut variables = serde_json::Map::new();
    for name in plain {
        variables.insert(name.into(), json!(vars(name)));
    }
    for name in &secrets {
        let shown = match vars(name) {
            Some(v) if !v.is_empty() => format!("set, {} characters", v.chars().count()),
            Some(_) => "set, empty".to_string(),
            None => "not set".to_string(),
        };
        variables.insert(name.clone(), json!(shown));
    }
    json!({
        "variables": variables,
        "secrets": secrets,
        "migration_id": app.migration_id,
        "config": app.config_path.display().to_string(),
        "plan": app.plan_path.display().to_string(),
        "state": app.state_path.display().to_string(),
        "working_directory": std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default(),
        "listen": app.listen.to_string(),
        "auth": if app.guard.requires_token() { "token required" } else { "none (loopback)" },
        "version": env!("CARGO_PKG_VERSION"),
    })
}

async fn test_connection(State(app): Shared) -> Response {
    let loaded = app.settings.loaded();
    let (source, target) = tokio::join!(
        cli::check::check_side(&loaded, Side::Source),
        cli::check::check_side(&loaded, Side::Target)
    );
    let side = |r: &cli::check::Report| json!({"connected": r.passed(), "title": r.title, "lines": r.lines});
    ok(json!({
        "ok": source.passed() && target.passed(),
        "source": side(&source),
        "target": side(&target),
    }))
}

async fn plan_read(State(app): Shared) -> Reply<Response> {
    let plan = app.plan()?;
    Ok(ok(runs::plan_document(&app, &plan)))
}

async fn plan_make(State(app): Shared, body: Bytes) -> Reply<Response> {
    let Empty {} = strict_json(&body)?;
    Ok(ok(runs::plan(&app).await?))
}

/// A body that must hold no key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// `POST /apply`'s body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyBody {
    /// Continue a stopped run (as `apply --resume`).
    #[serde(default)]
    resume: bool,
}

async fn apply(State(app): Shared, body: Bytes) -> Reply<Response> {
    let body: ApplyBody = strict_json(&body)?;
    Ok(accepted(runs::start(&app, body.resume)?))
}

async fn resume(State(app): Shared, Path(id): Path<String>, body: Bytes) -> Reply<Response> {
    known(&app, &id)?;
    let Empty {} = strict_json(&body)?;
    Ok(accepted(runs::start(&app, true)?))
}

async fn stop(State(app): Shared, Path(id): Path<String>, body: Bytes) -> Reply<Response> {
    known(&app, &id)?;
    let Empty {} = strict_json(&body)?;
    Ok(accepted(runs::stop(&app)?))
}

/// `GET /events/{id}?for=SECONDS`: the stream ends after SECONDS when given (for clients
/// behind proxies that cut long answers, and a headless browser whose clock waits for them).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    #[serde(rename = "for")]
    lifetime: Option<f64>,
}

async fn events(
    State(app): Shared,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Reply<Response> {
    known(&app, &id)?;
    if app.hub.open_streams() >= super::events::MAX_STREAMS {
        return Err(Refusal::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} event streams are open already (the most this server keeps); close one, or \
                 poll GET /api/v1/migration/status/{id}",
                super::events::MAX_STREAMS
            ),
        ));
    }
    let lifetime = query
        .lifetime
        .map(|s| {
            (0.1..=86_400.0)
                .contains(&s)
                .then(|| Duration::from_secs_f64(s))
                .ok_or_else(|| Refusal::bad_request("for: seconds from 0.1 to 86400"))
        })
        .transpose()?;
    Ok(app
        .hub
        .stream(status::status(&app), lifetime)
        .into_response())
}

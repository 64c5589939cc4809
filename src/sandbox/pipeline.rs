//! What happens around every API request, in order: latency, the rate limiter (429),
//! authentication (token, `Version` header, scope), injected faults, the handler, and the
//! rate-limit headers and statistics on the way out.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::app::{App, lock};
use super::conn::KillSwitch;
use super::faults::FaultKind;
use super::limiter::{Caller, Verdict};
use super::options::Scope;
use super::reply;

/// The API version whose shapes the V2 routes serve.
pub const API_VERSION: &str = "2021-07-28";

/// Every `Version` value GoHighLevel publishes; the live API accepts each of them on the
/// established routes and answers 401 to anything else.
pub const PUBLISHED_VERSIONS: &[&str] = &["2021-04-15", "2021-07-28", "2023-02-21", "v3"];

/// The middleware over every API route (not the `/_sandbox/` admin routes).
pub async fn pipeline(
    State(app): State<Arc<App>>,
    ConnectInfo(switch): ConnectInfo<KillSwitch>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(path.clone(), |m| m.as_str().to_string());
    let route = format!("{method} {route}");
    if let Some(delay) = app.next_delay() {
        tokio::time::sleep(delay).await;
    }
    let presented = bearer(request.headers()).unwrap_or_default();
    let mut verdict = {
        let config = app.token(&presented);
        let caller = Caller {
            token: &presented,
            location: &app.location_id,
            rate: config.and_then(|c| c.rate).unwrap_or(app.rate),
            window: app.window,
            daily: app.daily,
            day: app.day,
        };
        lock(&app.limiter).check(caller, Instant::now())
    };
    if let Some(announced) = app.daily_reset {
        verdict.daily_reset = announced;
    }
    let answered = if verdict.allowed {
        match authenticate(
            &app,
            request.headers(),
            &presented,
            Scope::of_request(method == "POST", &path),
        ) {
            Ok(()) => handle(&app, &route, &switch, request, next).await,
            Err(refusal) => Some(refusal),
        }
    } else {
        Some(reply::too_many_requests())
    };
    if method != "GET" {
        app.note_write();
    }
    let status = answered.as_ref().map(|r| r.status().as_u16());
    let token_index = app.tokens.iter().position(|t| t.token == presented);
    {
        let mut stats = lock(&app.stats);
        stats.record(&route, status);
        if let Some(i) = token_index {
            if stats.by_token.len() <= i {
                stats.by_token.resize(i + 1, 0);
            }
            stats.by_token[i] += 1;
        }
    }
    let mut response = answered.unwrap_or_else(reply::internal_error);
    rate_headers(response.headers_mut(), &verdict);
    response
}

/// Runs the handler with any fault that picks this request; `None` when the connection was cut.
async fn handle(
    app: &Arc<App>,
    route: &str,
    switch: &KillSwitch,
    request: Request,
    next: Next,
) -> Option<Response> {
    let fault = {
        let (method, path) = (request.method().as_str(), request.uri().path());
        lock(&app.faults).pick(method, path)
    };
    let Some(fault) = fault else {
        return Some(next.run(request).await);
    };
    lock(&app.stats).faults_injected += 1;
    match fault.kind {
        FaultKind::TooManyRequests => Some(reply::too_many_requests()),
        FaultKind::Unauthorized => Some(reply::unauthorized("Invalid JWT")),
        FaultKind::ServerError => Some(reply::internal_error()),
        FaultKind::Hang => {
            lock(&app.stats).record(route, None);
            std::future::pending::<()>().await;
            None
        }
        FaultKind::GatewayTimeout => {
            next.run(request).await;
            Some(reply::gateway_timeout())
        }
        FaultKind::UnprocessableAfterActing => {
            next.run(request).await;
            Some(reply::unprocessable(vec![
                "customFields.0.property value should not exist".into(),
            ]))
        }
        FaultKind::Drop => {
            next.run(request).await;
            switch.kill();
            None
        }
        FaultKind::Malformed => Some(truncate(next.run(request).await).await),
        // Handled in a task of its own, so that a client giving up does not cancel the write
        // (nor its noting for the search lag, which the pipeline would do after the answer).
        FaultKind::Late => {
            let app = Arc::clone(app);
            let late = tokio::spawn(async move {
                tokio::time::sleep(fault.delay).await;
                let answer = next.run(request).await;
                app.note_write();
                answer
            });
            late.await.ok()
        }
    }
}

/// 401 for a missing or unknown token, a missing or wrong `Version` (V2), or a missing scope.
fn authenticate(
    app: &App,
    headers: &HeaderMap,
    presented: &str,
    scope: Scope,
) -> Result<(), Response> {
    let Some(config) = app.token(presented) else {
        return Err(reply::unauthorized(if scope == Scope::V1 {
            "Api key is invalid."
        } else {
            "Invalid token: access token is invalid"
        }));
    };
    if scope != Scope::V1 {
        match headers.get("version").and_then(|v| v.to_str().ok()) {
            None => return Err(reply::unauthorized("version header was not found.")),
            Some(v) if !app.versions.iter().any(|known| known == v.trim()) => {
                return Err(reply::unauthorized("version header is invalid"));
            }
            Some(_) => {}
        }
    }
    if !config.allows(scope) {
        return Err(reply::unauthorized(
            "The token is not authorized for this scope.",
        ));
    }
    Ok(())
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn rate_headers(headers: &mut HeaderMap, v: &Verdict) {
    let pairs = [
        ("x-ratelimit-max", u64::from(v.max)),
        ("x-ratelimit-remaining", u64::from(v.remaining)),
        ("x-ratelimit-interval-milliseconds", v.interval_ms),
        ("x-ratelimit-limit-daily", v.daily_limit),
        ("x-ratelimit-daily-remaining", v.daily_remaining),
        ("x-ratelimit-daily-reset", v.daily_reset.as_millis() as u64),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from(value));
    }
}

/// The same answer with its body cut in half: no longer JSON.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = if bytes.len() > 1 {
        bytes.slice(..bytes.len() / 2)
    } else {
        axum::body::Bytes::from_static(b"{")
    };
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

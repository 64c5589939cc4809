//! The HTTP layer shared by the V1 and V2 clients: sends one logical request through the
//! account's rate limiter, retries what is safe to retry, and turns every failure into a
//! classified [`ApiError`] whose text names the method, path and status, never the token.
//!
//! Retry rules: a read (GET) is retried on anything transient (429, refused, timeout, reset,
//! 5xx) within the retry budget; a write (POST, PUT) is retried blind only where the server
//! cannot have acted (429, connection refused). An ambiguous write failure goes back to the
//! caller, who looks the object up before sending it again.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::Value;

use super::ApiResult;
use super::error::{ApiError, ApiErrorKind};
use super::lanes::{Lane, Lanes};
use super::ratelimit::{Limiter, Outcome, RateHeaders, Refusal};
use super::redact::{self, Redactor};

/// A token (V2 PIT/OAuth token or V1 API key). Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Secret {
    value: String,
    redactor: Redactor,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        let redactor = Redactor::new(&value);
        Secret { value, redactor }
    }

    /// The value, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The HTTP methods the clients use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    /// Idempotent (a repeat finds the object gone), so resent like a GET after any failure.
    Delete,
    /// A POST that only reads (`POST /contacts/search`): resent like a GET after any failure.
    Search,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post | Method::Search => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Writes may have taken effect when their outcome is unknown.
    pub fn is_write(&self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Delete)
    }
}

/// One request: method, path under the base URL (no query), query pairs, JSON body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::Get,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Request {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    /// A search: a POST whose body is a query; it changes nothing, so it is retried as a read.
    pub fn search(path: impl Into<String>, body: Value) -> Self {
        Request {
            method: Method::Search,
            ..Request::post(path, body)
        }
    }

    pub fn put(path: impl Into<String>, body: Value) -> Self {
        Request {
            method: Method::Put,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    /// A `DELETE`, with no body.
    pub fn delete(path: impl Into<String>) -> Self {
        Request {
            method: Method::Delete,
            ..Request::get(path)
        }
    }

    /// The same request carrying a JSON body (`DELETE /contacts/{id}/tags`).
    pub fn with_body(self, body: Value) -> Self {
        Request {
            body: Some(body),
            ..self
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    /// `GET /contacts/search`: method and path, never query values (they may hold personal data).
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

/// How to reach one account.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// e.g. `https://services.leadconnectorhq.com`; a trailing slash is ignored.
    pub base_url: String,
    /// Extra headers sent with every request (e.g. V2's `Version`).
    pub headers: Vec<(&'static str, &'static str)>,
    pub timeout: Duration,
    pub max_retries: u32,
}

/// An HTTP connection to one account, paced by the shared limiters of its tokens.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
    headers: Vec<(&'static str, &'static str)>,
    max_retries: u32,
    lanes: Arc<Lanes>,
    /// Raised by [`Http::stop_sending`]: nothing that has not left yet leaves after it.
    stop: Arc<tokio::sync::watch::Sender<bool>>,
    /// What this connection is doing, for progress (see [`Http::activity`]).
    counters: Arc<Counters>,
}

/// Counts kept as requests come and go; read as an [`Activity`].
#[derive(Debug, Default)]
struct Counters {
    sent: std::sync::atomic::AtomicU64,
    waiting: std::sync::atomic::AtomicU64,
    retrying: std::sync::atomic::AtomicU64,
    too_many: std::sync::atomic::AtomicU64,
}

/// What a connection is doing now, for a person watching: requests sent so far, waiting for
/// the rate limiter, pausing before a retry; 429s seen; the rate the server announces.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Activity {
    pub sent: u64,
    pub waiting_for_rate_limit: u64,
    pub retrying: u64,
    pub too_many_requests: u64,
    /// The announced ceiling: requests per interval.
    pub max: Option<u32>,
    pub remaining: Option<u32>,
    pub interval_ms: Option<u64>,
}

/// Counts one request as being in a state while it lives.
struct Counting<'a>(&'a std::sync::atomic::AtomicU64);

impl<'a> Counting<'a> {
    fn new(counter: &'a std::sync::atomic::AtomicU64) -> Self {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Counting(counter)
    }
}

impl Drop for Counting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The pause before resending after a refused connection or a transient read failure.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(100) * 2u32.saturating_pow(attempt.min(5));
    base.min(Duration::from_secs(3)) + Duration::from_millis(rand::random::<u64>() % 50)
}

impl Http {
    /// A connection with the account's tokens, each with its limiter (at least one).
    pub fn new(options: HttpOptions, lanes: Vec<Lane>) -> ApiResult<Self> {
        // reqwest is built without a default crypto provider; ring is the project's choice.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .user_agent(concat!("ghl-migrate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ApiError::new(
                    ApiErrorKind::Protocol,
                    "client",
                    format!("cannot build the HTTP client: {}", e.without_url()),
                )
            })?;
        Ok(Http {
            client,
            base: options.base_url.trim_end_matches('/').to_string(),
            headers: options.headers,
            max_retries: options.max_retries,
            lanes: Arc::new(Lanes::new(lanes)),
            stop: Arc::new(tokio::sync::watch::Sender::new(false)),
            counters: Arc::default(),
        })
    }

    /// The first token's limiter (for `check` to report the headers it saw).
    pub fn limiter(&self) -> &Arc<Limiter> {
        &self.lanes.first().limiter
    }

    /// The account's tokens.
    pub fn lanes(&self) -> &[Lane] {
        self.lanes.all()
    }

    /// What this connection is doing now (for progress): every token's requests; the ceiling
    /// and what is left of it summed over the tokens still in use (each has its own window).
    pub fn activity(&self) -> Activity {
        use std::sync::atomic::Ordering::Relaxed;
        let headers: Vec<RateHeaders> = self
            .lanes
            .all()
            .iter()
            .filter(|lane| !lane.is_refused())
            .map(|lane| lane.limiter.last_headers())
            .collect();
        let sum = |of: fn(&RateHeaders) -> Option<u32>| {
            headers.iter().filter_map(of).reduce(|a, b| a + b)
        };
        Activity {
            sent: self.counters.sent.load(Relaxed),
            waiting_for_rate_limit: self.counters.waiting.load(Relaxed),
            retrying: self.counters.retrying.load(Relaxed),
            too_many_requests: self.counters.too_many.load(Relaxed),
            max: sum(|h| h.max),
            remaining: sum(|h| h.remaining),
            interval_ms: headers.iter().find_map(|h| h.interval_ms),
        }
    }

    /// From now on, no request of this connection leaves: those waiting for the limiter (or
    /// for a retry) give up with a "not sent" error, those already on the wire settle.
    pub fn stop_sending(&self) {
        self.stop.send_replace(true);
    }

    /// Lets requests leave again after [`Http::stop_sending`], for a new run on the same
    /// connection (`apply --wait-for-budget` going on); the stopped run has settled by then.
    pub fn resume_sending(&self) {
        self.stop.send_replace(false);
    }

    /// Runs `wait` unless sending stops first; `Err` (nothing sent) when it does.
    async fn unless_stopped<T>(
        &self,
        endpoint: &str,
        wait: impl Future<Output = T>,
    ) -> ApiResult<T> {
        let mut stop = self.stop.subscribe();
        tokio::select! {
            biased;
            _ = stop.wait_for(|&s| s) => Err(ApiError::new(
                ApiErrorKind::Retryable,
                endpoint,
                "not sent: the run is stopping",
            )),
            done = wait => Ok(done),
        }
    }

    /// Sends a request, retrying as the rules in this module's header say; the JSON body of a
    /// 2xx answer (`null` when empty).
    pub async fn send(&self, req: &Request) -> ApiResult<Value> {
        let endpoint = req.endpoint();
        let mut limited = 0u32;
        let mut failed = 0u32;
        loop {
            // Waiting for the limiters sends nothing, so a stop ends the wait at once.
            let waiting = Counting::new(&self.counters.waiting);
            let (index, permit) = self
                .unless_stopped(&endpoint, self.lanes.acquire())
                .await?
                .map_err(|r| match r {
                    Refusal::DailyBudget { remaining } => ApiError::new(
                        ApiErrorKind::DailyBudget,
                        endpoint.clone(),
                        format!(
                            "only {remaining} requests of today's API budget are left, at or below \
                         rate_limit.daily_reserve (kept for other uses of this location); \
                         continue when the budget resets, or lower the reserve"
                        ),
                    ),
                })?;
            drop(waiting);
            self.counters
                .sent
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let lane = &self.lanes.all()[index];
            let started = Instant::now();
            let attempt = self.attempt(req, &lane.token).await;
            let (outcome, headers) = match &attempt {
                Ok(answer) => (Outcome::Status(answer.status), answer.headers.clone()),
                Err(_) => (Outcome::NoResponse, RateHeaders::default()),
            };
            let pause = lane.limiter.complete(permit, outcome, &headers);
            let elapsed = started.elapsed().as_millis() as u64;
            let result = match attempt {
                Ok(answer) => {
                    tracing::debug!(endpoint = %endpoint, status = answer.status, elapsed_ms = elapsed, "answer");
                    // A server may echo the token: remove it before any of the body can be
                    // quoted (error messages keep only a prefix, which would hide a partial echo).
                    let body = self.redact_body(&answer.body);
                    interpret(req.method, &endpoint, answer.status, &body)
                }
                Err(failure) => {
                    tracing::debug!(endpoint = %endpoint, error = %failure.message, elapsed_ms = elapsed, "no answer");
                    Err(failure.into_error(req.method, &endpoint))
                }
            };
            let err = match result {
                Ok(value) => return Ok(value),
                Err(err) => self.redact(err),
            };
            if err.kind == ApiErrorKind::Auth && err.status.is_some() {
                if self.lanes.refuse(index) {
                    tracing::warn!(endpoint = %endpoint, status = err.status, token_env = %lane.var, "the token was refused; going on with the account's other tokens");
                    continue;
                }
                return Err(ApiError {
                    message: format!("{} (the token in ${})", err.message, lane.var),
                    ..err
                });
            }
            if err.status == Some(429) {
                limited += 1;
                self.counters
                    .too_many
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(endpoint = %endpoint, attempt = limited, pause_ms = pause.map(|p| p.as_millis() as u64), "429");
                if limited > self.max_retries {
                    return Err(ApiError {
                        kind: ApiErrorKind::RateLimited,
                        message: format!(
                            "still rate-limited (HTTP 429) after {} retries; resume later",
                            self.max_retries
                        ),
                        ..err
                    });
                }
                continue;
            }
            if err.kind == ApiErrorKind::Retryable && failed < self.max_retries {
                failed += 1;
                let _retrying = Counting::new(&self.counters.retrying);
                self.unless_stopped(&endpoint, tokio::time::sleep(backoff(failed)))
                    .await?;
                continue;
            }
            return Err(err);
        }
    }

    /// Sends a write and reads its answer with `read`. An answer that cannot be read (not JSON,
    /// wrong shape) after a 2xx means the server acted without saying on what: ambiguous.
    pub async fn write<T>(
        &self,
        req: &Request,
        read: impl FnOnce(&str, &Value) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let endpoint = req.endpoint();
        let answer = self.send(req).await.map_err(unreadable_write)?;
        read(&endpoint, &answer).map_err(unreadable_write)
    }

    /// Sends one request with the first token, outside the pacing and without retries, and
    /// answers what the server said about its limits. For the probe only: it is how a 429 is
    /// provoked on purpose, so it never goes through the limiter.
    pub async fn send_unpaced(&self, req: &Request) -> ApiResult<RawAnswer> {
        let lane = self.lanes.first();
        let answer = self
            .attempt(req, &lane.token)
            .await
            .map_err(|f| self.redact(f.into_error(req.method, &req.endpoint())))?;
        Ok(RawAnswer {
            status: answer.status,
            headers: answer.headers,
            retry_after: answer.retry_after,
        })
    }

    /// The body with every token of the account replaced by `[redacted]`.
    fn redact_body<'a>(&self, body: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        redact::redact_all(&self.redactors(), body)
    }

    /// The error with every token of the account removed from its text.
    fn redact(&self, mut err: ApiError) -> ApiError {
        let secrets = self.redactors();
        err.message = redact::redact_all_str(&secrets, &err.message).into_owned();
        err.endpoint = redact::redact_all_str(&secrets, &err.endpoint).into_owned();
        err
    }

    /// What removes each of the account's tokens from a text (all of them together: two
    /// tokens may share a part).
    fn redactors(&self) -> Vec<&Redactor> {
        self.lanes.all().iter().map(|l| &l.token.redactor).collect()
    }

    /// One attempt on the wire, with one of the account's tokens.
    async fn attempt(&self, req: &Request, token: &Secret) -> Result<Answer, Failure> {
        let url = format!("{}{}", self.base, req.path);
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post | Method::Search => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| Failure::local("the token contains characters not allowed in a header"))?;
        auth.set_sensitive(true);
        let mut builder = self
            .client
            .request(method, url)
            .header(AUTHORIZATION, auth)
            .header("Accept", "application/json");
        for (name, value) in &self.headers {
            builder = builder.header(*name, *value);
        }
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(Failure::transport)?;
        let status = response.status().as_u16();
        let headers = RateHeaders::from_pairs(
            response
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?))),
        );
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(Failure::transport)?;
        Ok(Answer {
            status,
            headers,
            retry_after,
            body: body.to_vec(),
        })
    }
}

/// A response as received.
struct Answer {
    status: u16,
    headers: RateHeaders,
    retry_after: Option<String>,
    body: Vec<u8>,
}

/// One answer as the probe needs it: status, rate-limit headers, `Retry-After` if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: RateHeaders,
    pub retry_after: Option<String>,
}

/// No response: what went wrong on the way.
#[derive(Debug)]
struct Failure {
    transport: Transport,
    message: String,
}

/// The transport failures the classification distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The connection was never made: the server cannot have acted.
    Refused,
    /// The request may have reached the server: timeout, reset, broken body.
    Interrupted,
    /// Nothing left this process (e.g. a token that cannot be put in a header).
    Local,
}

impl Failure {
    fn transport(e: reqwest::Error) -> Self {
        let transport = if e.is_connect() {
            Transport::Refused
        } else if e.is_builder() {
            Transport::Local
        } else {
            Transport::Interrupted
        };
        let what = if e.is_timeout() {
            "timed out".to_string()
        } else if e.is_connect() {
            "could not connect".to_string()
        } else {
            "connection failed".to_string()
        };
        let mut message = what;
        let mut source = std::error::Error::source(&e);
        let mut depth = 0;
        while let Some(s) = source {
            if depth < 3 {
                message.push_str(&format!(": {s}"));
            }
            depth += 1;
            source = s.source();
        }
        Failure { transport, message }
    }

    fn local(message: &str) -> Self {
        Failure {
            transport: Transport::Local,
            message: message.to_string(),
        }
    }

    fn into_error(self, method: Method, endpoint: &str) -> ApiError {
        ApiError::new(
            classify_transport(method, self.transport),
            endpoint,
            self.message,
        )
    }
}

/// A write whose answer could not be read may have taken effect.
fn unreadable_write(mut err: ApiError) -> ApiError {
    if err.kind == ApiErrorKind::Protocol {
        err.kind = ApiErrorKind::Ambiguous;
        err.message = format!("{}; the write may have taken effect", err.message);
    }
    err
}

/// The kind of a failure without a response.
pub fn classify_transport(method: Method, transport: Transport) -> ApiErrorKind {
    match transport {
        Transport::Refused => ApiErrorKind::Retryable,
        // Nothing was sent; the only local failure is a token unfit for a header.
        Transport::Local => ApiErrorKind::Auth,
        Transport::Interrupted if method.is_write() => ApiErrorKind::Ambiguous,
        Transport::Interrupted => ApiErrorKind::Retryable,
    }
}

/// The kind of an HTTP status that is not a success.
pub fn classify_status(method: Method, status: u16) -> ApiErrorKind {
    match status {
        429 => ApiErrorKind::Retryable,
        401 | 403 => ApiErrorKind::Auth,
        408 | 500..=599 if method.is_write() => ApiErrorKind::Ambiguous,
        408 | 500..=599 => ApiErrorKind::Retryable,
        _ => ApiErrorKind::Permanent,
    }
}

/// Turns a response into the JSON value it carries, or a classified error.
pub fn interpret(method: Method, endpoint: &str, status: u16, body: &[u8]) -> ApiResult<Value> {
    if (200..300).contains(&status) {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                ApiErrorKind::Protocol,
                endpoint,
                format!("the answer is not JSON ({e})"),
            )
            .with_status(status)
        });
    }
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let message = json
        .as_ref()
        .and_then(server_message)
        .unwrap_or_else(|| snippet(body));
    let mut err =
        ApiError::new(classify_status(method, status), endpoint, message).with_status(status);
    err.existing_id = json
        .as_ref()
        .and_then(|j| j.pointer("/meta/contactId"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Err(err)
}

/// The server's own message: `message` (a string or a list), else `error`.
fn server_message(body: &Value) -> Option<String> {
    match body.get("message") {
        Some(Value::String(s)) => return Some(s.clone()),
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect();
            return Some(parts.join("; "));
        }
        _ => {}
    }
    body.get("error")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The start of a body that is not JSON, on one line.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "empty answer".into();
    }
    let cut: String = one_line.chars().take(200).collect();
    if cut.len() < one_line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Removes every occurrence of the token from an error's text (a server may echo it).
pub fn redact(mut err: ApiError, token: &Secret) -> ApiError {
    err.message = redact_text(&err.message, token);
    err.endpoint = redact_text(&err.endpoint, token);
    err
}

/// The body with the token, in any form it may be echoed in, replaced by `[redacted]`
/// (borrowed when absent).
pub fn redact_body<'a>(body: &'a [u8], token: &Secret) -> std::borrow::Cow<'a, [u8]> {
    token.redactor.redact(body)
}

/// Replaces the token, in any form it may be echoed in, in a text with `[redacted]`.
pub fn redact_text(text: &str, token: &Secret) -> String {
    token.redactor.redact_str(text).into_owned()
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;

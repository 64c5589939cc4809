//! A recording proxy in front of a sandbox: forwards every request unchanged and logs when it
//! arrived and was answered, its route, status and the rate-limit headers of the answer. The
//! log is the limiter's trace (request timestamps as the server saw them, headers the client saw).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// One proxied request.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Milliseconds since the proxy started, when the request arrived and was answered.
    pub arrived_ms: f64,
    pub answered_ms: f64,
    pub method: String,
    /// The path without its query.
    pub path: String,
    pub status: u16,
    pub remaining: Option<u32>,
}

impl Entry {
    /// A read: it moves no object forward, it only looks.
    pub fn is_read(&self) -> bool {
        self.method == "GET" || self.path.ends_with("/search")
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    epoch: Instant,
    log: Arc<Mutex<Vec<Entry>>>,
}

/// A running proxy; its log is read with [`Proxy::take`].
pub struct Proxy {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Entry>>>,
}

impl Proxy {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The log so far (sorted by arrival), emptied.
    pub fn take(&self) -> Vec<Entry> {
        let mut log = std::mem::take(&mut *self.log.lock().unwrap());
        log.sort_by(|a, b| a.arrived_ms.total_cmp(&b.arrived_ms));
        log
    }
}

/// Starts a proxy to `upstream` (e.g. `http://127.0.0.1:PORT`) on the current tokio runtime.
pub async fn start(upstream: String) -> std::io::Result<Proxy> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let log = Arc::new(Mutex::new(Vec::new()));
    let shared = Shared {
        upstream,
        client: reqwest::Client::new(),
        epoch: Instant::now(),
        log: Arc::clone(&log),
    };
    let app = Router::new().fallback(forward).with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Proxy { addr, log })
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let arrived = s.epoch.elapsed().as_secs_f64() * 1000.0;
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or(path.clone(), |p| p.to_string());
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let mut upstream = s
        .client
        .request(method.clone(), format!("{}{}", s.upstream, path_and_query))
        .body(body);
    for (name, value) in headers.iter() {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let (status, headers, body) = match upstream.send().await {
        Ok(answer) => {
            let status = answer.status();
            let headers = answer.headers().clone();
            let body = answer.bytes().await.unwrap_or_default();
            (status, headers, body)
        }
        Err(_) => (StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new()),
    };
    let remaining = headers
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    s.log.lock().unwrap().push(Entry {
        arrived_ms: arrived,
        answered_ms: s.epoch.elapsed().as_secs_f64() * 1000.0,
        method: method.to_string(),
        path,
        status: status.as_u16(),
        remaining,
    });
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in headers.iter() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

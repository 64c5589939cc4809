//! A tiny scripted HTTP/1.1 server on 127.0.0.1 for the client tests: a real HTTP peer that
//! answers each request with whatever the test's script says (canned answers, hangs, cut
//! connections), and records every request it received.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// A query parameter, percent-decoded.
    pub fn query(&self, key: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == key).then(|| decode(v))
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the server does with one request.
pub enum Reply {
    /// Status, extra headers, body.
    Json(u16, Vec<(String, String)>, String),
    /// Never answer (until the client gives up).
    Hang,
    /// Close the connection without answering.
    Cut,
}

impl Reply {
    pub fn ok(body: serde_json::Value) -> Self {
        Reply::Json(200, Vec::new(), body.to_string())
    }

    pub fn status(status: u16, body: &str) -> Self {
        Reply::Json(status, Vec::new(), body.to_string())
    }

    pub fn with_headers(self, headers: &[(&str, String)]) -> Self {
        match self {
            Reply::Json(s, mut h, b) => {
                h.extend(headers.iter().map(|(k, v)| (k.to_string(), v.clone())));
                Reply::Json(s, h, b)
            }
            other => other,
        }
    }
}

pub type Script = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// A running server; it stops with the test process.
pub struct Server {
    pub base: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    /// Starts a server that answers request number `n` (0-based) with `script(request, n)`.
    pub fn start(script: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let log = Arc::clone(&received);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let script = Arc::clone(&script);
                let log = Arc::clone(&log);
                thread::spawn(move || serve(stream, &*script, &log));
            }
        });
        Server { base, received }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

fn serve(stream: TcpStream, script: &Script, log: &Mutex<Vec<Received>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Received {
            method,
            target,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        let n = {
            let mut log = log.lock().unwrap();
            log.push(req.clone());
            log.len() - 1
        };
        match script(&req, n) {
            Reply::Json(status, extra, body) => {
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if writer.write_all(head.as_bytes()).is_err()
                    || writer.write_all(body.as_bytes()).is_err()
                {
                    return;
                }
            }
            Reply::Hang => {
                thread::sleep(Duration::from_secs(30));
                return;
            }
            Reply::Cut => return,
        }
    }
}

/// Rate-limit headers as GoHighLevel sends them.
pub fn rate_headers(
    max: u32,
    remaining: u32,
    interval_ms: u64,
    daily: u64,
) -> Vec<(&'static str, String)> {
    vec![
        ("x-ratelimit-max", max.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-interval-milliseconds", interval_ms.to_string()),
        ("x-ratelimit-limit-daily", "200000".to_string()),
        ("x-ratelimit-daily-remaining", daily.to_string()),
    ]
}

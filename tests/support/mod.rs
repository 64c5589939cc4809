//! A small harness for integration tests: starts `ghl-migrate sandbox` as a child process on
//! a free port, reads its address line, kills it on drop; and a plain HTTP/1.1 client over a
//! std `TcpStream` (no TLS, no async) to talk to it, including its `/_sandbox/` admin routes.
//! Use it with `mod support;`.

#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The token every harness sandbox accepts (through the `SANDBOX_TOKEN` variable).
pub const TOKEN: &str = "sandbox-test-token";
/// A second accepted token (through `SANDBOX_TOKEN_2`), for per-token limits and scopes.
pub const TOKEN_2: &str = "sandbox-test-token-2";
/// The location id of [`account`].
pub const LOCATION: &str = "LOCsandbox0000000001";
pub const PIPELINE: &str = "PIPsandbox0000000001";
pub const STAGE: &str = "5f0e3c2a-0000-4000-8000-000000000001";
pub const FIELD: &str = "FLDsandbox0000000001";

/// A small account: one custom field, one pipeline with two stages, one user and
/// `contacts` contacts (`c0000@example.com` ..., one second apart), without opportunities.
pub fn account(contacts: usize) -> Value {
    let contacts: Vec<Value> = (0..contacts)
        .map(|i| {
            json!({
                "id": format!("CON{i:017}"),
                "firstName": format!("Contact{i}"),
                "email": format!("c{i:04}@example.com"),
                "phone": format!("+1555{i:07}"),
                "dateAdded": format!("2024-01-01T00:{:02}:{:02}.000Z", i / 60 % 60, i % 60),
            })
        })
        .collect();
    json!({
        "location": {"id": LOCATION, "name": "Sandbox target"},
        "customFields": [{"id": FIELD, "name": "Pincode", "fieldKey": "contact.pincode", "dataType": "TEXT"}],
        "pipelines": [{"id": PIPELINE, "name": "Sales", "stages": [
            {"id": STAGE, "name": "New"},
            {"id": "5f0e3c2a-0000-4000-8000-000000000002", "name": "Won"}
        ]}],
        "users": [{"id": "USRsandbox0000000001", "name": "Una User", "email": "una@example.com"}],
        "contacts": contacts,
        "opportunities": [],
    })
}

/// A running `ghl-migrate sandbox` child process, killed on drop.
pub struct Sandbox {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl Sandbox {
    /// Serves `account` with both harness tokens accepted and the given extra CLI flags.
    pub fn start(account: &Value, flags: &[&str]) -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("account.json");
        std::fs::write(&path, serde_json::to_vec_pretty(account).unwrap()).unwrap();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"))
            .arg("sandbox")
            .arg("--account")
            .arg(&path)
            .args([
                "--token-env",
                "SANDBOX_TOKEN",
                "--token-env",
                "SANDBOX_TOKEN_2",
            ])
            .args(flags)
            .env("SANDBOX_TOKEN", TOKEN)
            .env("SANDBOX_TOKEN_2", TOKEN_2)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ghl-migrate sandbox");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the address line");
        let addr = line
            .trim()
            .strip_prefix("sandbox listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Sandbox {
            child,
            addr,
            _dir: dir,
        }
    }

    /// A request with the V2 headers (bearer token and `Version: 2021-07-28`).
    pub fn v2(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        self.request(method, path, &v2_headers(TOKEN), body)
    }

    /// A request with the V1 header (bearer API key).
    pub fn v1(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let auth = format!("Bearer {TOKEN}");
        self.request(method, path, &[("Authorization", auth.as_str())], body)
    }

    pub fn request<H: AsRef<str>>(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, H)],
        body: Option<&Value>,
    ) -> Response {
        let raw = raw_request(
            method,
            path,
            headers,
            body.map(|b| b.to_string()).as_deref(),
        );
        send(&self.addr, &raw).expect("a response")
    }

    /// The account as the sandbox holds it now (`GET /_sandbox/account`).
    pub fn account(&self) -> Value {
        self.request::<&str>("GET", "/_sandbox/account", &[], None)
            .json()
    }

    pub fn stats(&self) -> Value {
        self.request::<&str>("GET", "/_sandbox/stats", &[], None)
            .json()
    }

    /// `POST /_sandbox/faults` with a body like `{"faults":[{"kind":"429","count":2}]}`.
    pub fn set_faults(&self, body: Value) -> Value {
        let response = self.request::<&str>("POST", "/_sandbox/faults", &[], Some(&body));
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The V2 headers for a token.
pub fn v2_headers(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Authorization", format!("Bearer {token}")),
        ("Version", "2021-07-28".to_string()),
    ]
}

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// The bytes of an HTTP/1.1 request that asks the server to close after answering.
pub fn raw_request<H: AsRef<str>>(
    method: &str,
    path: &str,
    headers: &[(&str, H)],
    body: Option<&str>,
) -> String {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n");
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {}\r\n", value.as_ref()));
    }
    if let Some(body) = body {
        raw.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    raw.push_str("\r\n");
    raw.push_str(body.unwrap_or_default());
    raw
}

/// What came back on the socket when there was no complete response.
#[derive(Debug)]
pub enum NoResponse {
    /// The server closed the connection (EOF or reset) without sending a byte.
    Closed,
    /// Nothing arrived before the read timeout.
    TimedOut,
    /// Some bytes, but not an HTTP response.
    Garbage(Vec<u8>),
}

/// Sends a raw request and reads the whole answer (the server closes after it).
pub fn send(addr: &str, raw: &str) -> Result<Response, NoResponse> {
    send_with_timeout(addr, raw, Duration::from_secs(10))
}

pub fn send_with_timeout(addr: &str, raw: &str, timeout: Duration) -> Result<Response, NoResponse> {
    let mut stream = TcpStream::connect(addr).expect("connect to the sandbox");
    stream.set_read_timeout(Some(timeout)).unwrap();
    stream.write_all(raw.as_bytes()).expect("send the request");
    let mut bytes = Vec::new();
    match stream.read_to_end(&mut bytes) {
        Ok(_) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            if bytes.is_empty() {
                return Err(NoResponse::TimedOut);
            }
        }
        Err(_) if bytes.is_empty() => return Err(NoResponse::Closed),
        Err(_) => {}
    }
    if bytes.is_empty() {
        return Err(NoResponse::Closed);
    }
    parse(&bytes).ok_or(NoResponse::Garbage(bytes))
}

fn parse(bytes: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Response {
        status,
        headers,
        body: body.to_string(),
    })
}

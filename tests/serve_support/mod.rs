//! Shared by the `serve_*` tests: `ghl-migrate serve` started as a child process in a migration
//! project (`apply_support::Project`, its target served by the project's sandbox), spoken to over
//! real HTTP, with its server-sent events read as a client would.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::apply_support::{Project, TOKEN, TOKEN_ENV};
use crate::support::{self, Response};

/// The migration id of `apply_support::Project` (its `name`).
pub const ID: &str = "t";

/// A running `ghl-migrate serve`, killed (SIGKILL) on drop.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`, where to connect.
    pub addr: String,
}

/// How to start a server.
#[derive(Default)]
pub struct Start<'a> {
    /// `--listen` (default `127.0.0.1:0`).
    pub listen: Option<&'a str>,
    pub args: &'a [&'a str],
    pub env: &'a [(&'a str, &'a str)],
}

impl Server {
    /// `ghl-migrate serve -c live.yaml --state state.sqlite` in the project's folder.
    pub fn start(project: &Project, start: Start<'_>) -> Server {
        let listen = start.listen.unwrap_or("127.0.0.1:0");
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("ghl-migrate"));
        cmd.current_dir(project.path())
            .args(["serve", "-c", "live.yaml", "--state", "state.sqlite"])
            .args(["--listen", listen])
            .args(start.args)
            .env(TOKEN_ENV, TOKEN)
            .env_remove("MIGRATION_BATCH_SIZE")
            .env_remove("MIGRATION_RATE_LIMIT_DELAY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in start.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start ghl-migrate serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the address line");
        let Some(url) = line.trim().strip_prefix("serve listening on http://") else {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("unexpected first line {line:?}; stderr: {err}");
        };
        // Bound to 0.0.0.0 or another address: connect through loopback on its port.
        let port = url.rsplit(':').next().unwrap();
        Server {
            child,
            addr: format!("127.0.0.1:{port}"),
        }
    }

    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        self.call_with(method, path, body, &[])
    }

    pub fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        // As a browser or curl would: `Host` names the address connected to, unless the
        // caller sends its own.
        let own_host = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host"));
        let host = own_host.map_or(self.addr.as_str(), |(_, v)| *v);
        let others: Vec<_> = headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
            .copied()
            .collect();
        let raw = support::raw_request(method, path, &others, body).replacen(
            "Host: sandbox\r\n",
            &format!("Host: {host}\r\n"),
            1,
        );
        support::send_with_timeout(&self.addr, &raw, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e:?}"))
    }

    /// `GET`, expecting 200, as JSON.
    pub fn get(&self, path: &str) -> Value {
        let r = self.call("GET", path, None);
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        r.json()
    }

    pub fn status(&self) -> Value {
        self.get(&format!("/api/v1/migration/status/{ID}"))
    }

    /// Polls the status until `done` holds (or fails after a minute, showing the last one).
    pub fn wait_for(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self.status();
            if done(&status) {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; status {status}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server-sent events of `seconds` seconds of the stream: (name, data) pairs.
    pub fn events(&self, seconds: f64) -> Vec<(String, Value)> {
        let path = format!("/api/v1/migration/events/{ID}?for={seconds}");
        let r = self.call("GET", &path, None);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("text/event-stream"));
        parse_events(&dechunk(&r.body))
    }

    /// Kills the server as `kill -9` would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything the server wrote on stderr (after it exited).
    pub fn stderr(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chunked HTTP body, joined.
pub fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// `event: NAME` / `data: JSON` blocks.
pub fn parse_events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_string());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(d).ok();
                }
            }
            Some((name?, data?))
        })
        .collect()
}

/// A raw request on a fresh connection (for bodies the harness would not build).
pub fn send_raw(addr: &str, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).to_string()
}

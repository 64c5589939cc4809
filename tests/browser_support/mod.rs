//! A headless Chromium driven over the DevTools protocol, for tests that use a page as a person
//! would: load it, click, read what it shows, take a screenshot. The protocol runs over a
//! WebSocket, spoken here with a minimal client (text frames, no extensions) on a std TcpStream.
//! `None` from [`Browser::launch`] when Chromium is not installed (outside CI: see
//! [`Browser::launch`]).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running headless Chromium and a DevTools connection to its one page.
pub struct Browser {
    child: Child,
    socket: TcpStream,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Chromium binary on PATH, if any.
fn binary() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

impl Browser {
    /// Starts Chromium with a window of `width` x `height`. Without Chromium: `None` and a note
    /// on stderr, except with `CI=true`, where a missing browser fails the test.
    pub fn launch(width: u32, height: u32) -> Option<Browser> {
        let Some(bin) = binary() else {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "CI=true but chromium is not installed (.ci/run installs it)"
            );
            eprintln!(
                "SKIPPED: chromium is not installed (apt-get install chromium); \
                 the page was not tested in a browser"
            );
            return None;
        };
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let port = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("chromium ended before it listened");
            }
            if let Some(rest) = line.trim().strip_prefix("DevTools listening on ws://") {
                let host = rest.split('/').next().unwrap();
                break host.rsplit(':').next().unwrap().to_string();
            }
        };
        // Keep draining its stderr, so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let debugger = format!("127.0.0.1:{port}");
        let list = http_get(&debugger, "/json/list");
        let targets: Value = serde_json::from_str(&list).expect("the target list");
        let page = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .expect("a page target");
        let ws = page["webSocketDebuggerUrl"].as_str().unwrap();
        let path = format!("/{}", ws.splitn(4, '/').nth(3).unwrap());
        let socket = websocket(&debugger, &path);
        Some(Browser {
            child,
            socket,
            next_id: 0,
            _profile: profile,
        })
    }

    /// Sends a DevTools command and returns its `result`.
    pub fn command(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        send_frame(&mut self.socket, message.as_bytes());
        loop {
            let text = read_message(&mut self.socket);
            let reply: Value = serde_json::from_str(&text).unwrap();
            if reply["id"] == id {
                if let Some(err) = reply.get("error") {
                    panic!("{method}: {err}");
                }
                return reply["result"].clone();
            }
        }
    }

    pub fn navigate(&mut self, url: &str) {
        self.command("Page.navigate", json!({"url": url}));
    }

    /// Evaluates a JavaScript expression in the page; its value (promises awaited).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.command(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// The text an element shows (`""` when there is none).
    pub fn text(&mut self, id: &str) -> String {
        let v = self.eval(&format!(
            "(document.getElementById({}) || {{}}).innerText || ''",
            json!(id)
        ));
        v.as_str()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Clicks a button, as a person would.
    pub fn click(&mut self, id: &str) {
        let ok = self.eval(&format!(
            "(() => {{ const b = document.getElementById({}); if (!b || b.disabled) return false; b.click(); return true; }})()",
            json!(id)
        ));
        assert_eq!(ok, true, "#{id} is missing or disabled");
    }

    /// Waits until element `id` shows text that `done` accepts (at most a minute).
    pub fn wait_text(&mut self, id: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text(id);
            if done(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "#{id} still shows {text:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG of the page as it is now.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let r = self.command("Page.captureScreenshot", json!({"format": "png"}));
        ghl_migrate::ghl::v1::base64url_decode(r["data"].as_str().unwrap()).unwrap()
    }
}

/// A plain HTTP GET's body (read by its Content-Length: the DevTools server keeps the
/// connection open).
fn http_get(addr: &str, path: &str) -> String {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut reader = BufReader::new(s);
    write!(
        reader.get_mut(),
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

/// Opens a WebSocket (RFC 6455 handshake; the server's accept key is not checked).
fn websocket(addr: &str, path: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "no WebSocket: {head}");
    s
}

/// One masked text frame (a client must mask; the key may be any four bytes).
fn send_frame(s: &mut TcpStream, payload: &[u8]) {
    let mask = [0x5a, 0x17, 0xc3, 0x09];
    let mut frame = vec![0x81u8];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    s.write_all(&frame).unwrap();
}

/// The next whole text message (fragments joined; control frames skipped).
fn read_message(s: &mut TcpStream) -> String {
    let mut message = Vec::new();
    loop {
        let mut head = [0u8; 2];
        s.read_exact(&mut head).unwrap();
        let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
        let mut len = u64::from(head[1] & 0x7f);
        if len == 126 {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).unwrap();
            len = u64::from(u16::from_be_bytes(b));
        } else if len == 127 {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).unwrap();
            len = u64::from_be_bytes(b);
        }
        let mut payload = vec![0u8; len as usize];
        s.read_exact(&mut payload).unwrap();
        match opcode {
            0x0..=0x2 => {
                message.extend_from_slice(&payload);
                if fin {
                    return String::from_utf8(message).unwrap();
                }
            }
            0x8 => panic!("the browser closed the DevTools connection"),
            _ => {}
        }
    }
}

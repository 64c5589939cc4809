//! Who may call the server: on a loopback address anyone on this machine; on any other address
//! only a caller presenting the token held in the variable `--token-env` names, as
//! `Authorization: Bearer TOKEN` (tools) or HTTP Basic with the token as password (a browser
//! asks for it once and sends it with every request, the event stream included). The token is
//! compared in constant time and never echoed, logged or shown.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use ghl_migrate::error::{Error, Result};
use ghl_migrate::ghl::v1::base64url_decode;

/// The access rule of one server.
#[derive(Clone)]
pub struct Guard {
    /// SHA-256 of the token, when one is required (the server keeps no copy of the token).
    token: Option<[u8; 32]>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.token.is_some() {
            "Guard(token required)"
        } else {
            "Guard(open)"
        })
    }
}

/// 127.0.0.0/8 and ::1 (and ::ffff:127.x.y.z): only this machine can reach them. Every other
/// address, the unspecified ones (0.0.0.0, ::) included, may be reached from elsewhere.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        std::net::IpAddr::V4(ip) => ip.is_loopback(),
        std::net::IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl Guard {
    /// The rule for `listen`: a token is required off loopback, and used whenever one is named.
    pub fn new(
        listen: &SocketAddr,
        token_env: Option<&str>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Guard> {
        let Some(var) = token_env else {
            if is_loopback(listen) {
                return Ok(Guard { token: None });
            }
            return Err(Error::Other(format!(
                "serve: {listen} is not a loopback address, so every request must carry a token: \
                 put one in an environment variable and name it with --token-env NAME"
            )));
        };
        match vars(var).map(|v| v.trim().to_string()) {
            Some(token) if !token.is_empty() => Ok(Guard {
                token: Some(Sha256::digest(token.as_bytes()).into()),
            }),
            _ => Err(Error::Other(format!(
                "serve: the environment variable {var} (named by --token-env) is not set or empty"
            ))),
        }
    }

    pub fn requires_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether an `Authorization` header value grants access.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let Some(presented) = authorization.and_then(presented_token) else {
            return false;
        };
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        constant_time_eq(expected, &presented)
    }
}

/// The token in `Bearer TOKEN`, or the password in `Basic base64(user:TOKEN)`.
fn presented_token(value: &str) -> Option<String> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(base64url_decode(rest)?).ok()?;
        return decoded
            .split_once(':')
            .map(|(_, password)| password.to_string());
    }
    None
}

/// Equal digests, compared without an early exit (the time taken says nothing of where they
/// differ; comparing digests also hides the token's length).
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware: 401 (with a Basic challenge, so a browser asks) without the token.
pub async fn require(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        // The bytes as UTF-8: `to_str` refuses anything beyond visible ASCII, and a token may
        // hold any character its variable can.
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok());
    if guard.admits(authorization) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({
            "error": "this server needs its token: send `Authorization: Bearer TOKEN` \
                      (the token is in the variable `serve --token-env` names)",
            "status": 401,
        })),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"ghl-migrate\", charset=\"UTF-8\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        (name == "SERVE_TOKEN").then(|| "s3cret".to_string())
    }

    #[test]
    fn loopback_is_127_slash_8_and_ipv6_one() {
        for a in ["127.0.0.1:1", "127.0.0.2:1", "127.255.0.9:1", "[::1]:1"] {
            assert!(is_loopback(&a.parse().unwrap()), "{a}");
        }
        for a in ["0.0.0.0:1", "[::]:1", "10.0.0.1:1", "192.168.1.2:1"] {
            assert!(!is_loopback(&a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn off_loopback_a_token_is_required_at_start() {
        let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let err = Guard::new(&any, None, &vars).unwrap_err().to_string();
        assert!(err.contains("--token-env"), "{err}");
        let err = Guard::new(&any, Some("UNSET"), &vars)
            .unwrap_err()
            .to_string();
        assert!(err.contains("UNSET"), "{err}");
        assert!(Guard::new(&any, Some("SERVE_TOKEN"), &vars).is_ok());
        let local: SocketAddr = "127.0.0.1:0".parse().unwrap();
        assert!(!Guard::new(&local, None, &vars).unwrap().requires_token());
    }

    #[test]
    fn bearer_and_basic_admit_only_the_token() {
        let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let g = Guard::new(&any, Some("SERVE_TOKEN"), &vars).unwrap();
        assert!(g.admits(Some("Bearer s3cret")));
        assert!(g.admits(Some("bearer  s3cret ")));
        // "me:s3cret" in base64.
        assert!(g.admits(Some("Basic bWU6czNjcmV0")));
        assert!(!g.admits(Some("Basic bWU6czNjcmV1")));
        assert!(!g.admits(Some("Bearer s3cre")));
        assert!(!g.admits(Some("s3cret")));
        assert!(!g.admits(None));
        assert!(!format!("{g:?}").contains("s3cret"));
    }
}

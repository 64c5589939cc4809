//! Which browser pages may use the server: only its own. A page on another site, open in the
//! operator's browser, can send a request to a loopback server (a form, or `fetch` with a
//! `text/plain` body, needs no CORS preflight) and ride on a browser's saved Basic credentials;
//! and a name that site controls can be made to resolve to 127.0.0.1 (DNS rebinding) so that it
//! reads the answers as well. So: a request that changes something (any method but GET, HEAD,
//! OPTIONS) coming from a page of another origin (`Origin`, `Sec-Fetch-Site`) is refused; and
//! on an open (loopback, tokenless) server, a request for a host name other than a loopback one
//! is refused. Tools (curl, scripts) send neither header and are not concerned.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::Guard;
use super::reply::Refusal;

/// The middleware: 403 for another site's page, or a host name that is not this machine's.
pub async fn require(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    match refusal(request.method(), request.headers(), guard.requires_token()) {
        Some(why) => Refusal::new(StatusCode::FORBIDDEN, why).into_response(),
        None => next.run(request).await,
    }
}

/// Why the request is refused, if it is.
fn refusal(method: &Method, headers: &HeaderMap, token_required: bool) -> Option<String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST.as_str());
    if !token_required && let Some(host) = host.filter(|h| !is_loopback_host(h)) {
        return Some(format!(
            "Host `{host}` is not this machine: a server without a token answers only to \
             localhost or a loopback address (a name resolving to 127.0.0.1 may be another \
             site's)"
        ));
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    if let Some(site) = text("sec-fetch-site").filter(|s| matches!(*s, "cross-site" | "same-site"))
    {
        return Some(format!(
            "a page of another site (Sec-Fetch-Site: {site}) may not change anything here"
        ));
    }
    let origin = text(header::ORIGIN.as_str())?;
    let own = host.is_some_and(|h| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|o| o.eq_ignore_ascii_case(h))
    });
    (!own).then(|| {
        format!(
            "Origin `{origin}` is not this server's: a page of another site may not change \
             anything here"
        )
    })
}

/// `localhost`, `*.localhost`, 127.x.y.z or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn loopback_host_names() {
        for h in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.",
            "app.localhost:1",
            "127.0.0.1:8080",
            "127.9.9.9",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.evil.example:80",
            "10.0.0.1:8080",
            "[::2]:1",
            "",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn only_the_own_origin_changes_anything() {
        let own = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(refusal(&Method::POST, &own, false), None);
        let tool = headers(&[("host", "127.0.0.1:8080")]);
        assert_eq!(refusal(&Method::POST, &tool, false), None);
        let other = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ]);
        assert!(refusal(&Method::POST, &other, true).is_some());
        assert_eq!(refusal(&Method::GET, &other, false), None);
        let null = headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]);
        assert!(refusal(&Method::DELETE, &null, false).is_some());
        let fetch = headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]);
        assert!(refusal(&Method::POST, &fetch, false).is_some());
        let rebound = headers(&[("host", "evil.example:8080")]);
        assert!(refusal(&Method::GET, &rebound, false).is_some());
        // Behind a token, any name may be used (the token is what admits).
        assert_eq!(refusal(&Method::GET, &rebound, true), None);
    }
}

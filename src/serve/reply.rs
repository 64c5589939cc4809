//! Answers: errors as `{"error": message, "status": code}` with the HTTP status that says what
//! kind of problem it is, and request bodies parsed strictly (an unknown key is a 400 naming it).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use ghl_migrate::error::Error;

/// A refused request.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

pub type Reply<T> = Result<T, Refusal>;

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::CONFLICT, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::NOT_FOUND, message)
    }

    /// An error of the engine: a checkpoint that refuses (locked by another apply, another
    /// plan's, a partial run without resume) is a conflict; a plan or declaration that does not
    /// read is unprocessable; anything else is the server's failure.
    pub fn of(err: &Error) -> Self {
        let status = match err {
            Error::State { .. } => StatusCode::CONFLICT,
            Error::Syntax { .. } | Error::Invalid { .. } | Error::Plan { .. } | Error::Cycle(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                StatusCode::NOT_FOUND
            }
            Error::Api { .. }
            | Error::MissingToken { .. }
            | Error::BadToken { .. }
            | Error::StalePlan { .. } => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Refusal::new(status, err.to_string())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({"error": self.message, "status": self.status.as_u16()});
        (self.status, Json(body)).into_response()
    }
}

/// Parses a JSON request body into `T` (which denies unknown fields): an unknown key, a wrong
/// type or broken JSON is a 400 that says which. An empty body reads as `{}`.
pub fn strict_json<T: DeserializeOwned>(body: &[u8]) -> Reply<T> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| Refusal::bad_request(format!("request body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        a: Option<u32>,
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = strict_json::<Body>(br#"{"a": 1, "colour": 2}"#).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(
            err.message.contains("unknown field `colour`"),
            "{}",
            err.message
        );
        assert!(strict_json::<Body>(b"").is_ok());
        let err = strict_json::<Body>(br#"{"a": "x"}"#).unwrap_err();
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }
}

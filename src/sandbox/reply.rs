//! The sandbox's answers in GoHighLevel's shapes: JSON bodies and the error bodies of the
//! official specs (`BadRequestDTO`, `UnauthorizedDTO`, `UnprocessableDTO`) and of live traffic.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A JSON answer with a status.
pub fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub fn ok(body: Value) -> Response {
    json(StatusCode::OK, body)
}

pub fn created(body: Value) -> Response {
    json(StatusCode::CREATED, body)
}

/// 400 `{statusCode, message}`.
pub fn bad_request(message: impl Into<String>) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({"statusCode": 400, "message": message.into()}),
    )
}

/// 401 `{statusCode, message, error: "Unauthorized"}`.
pub fn unauthorized(message: &str) -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        json!({"statusCode": 401, "message": message, "error": "Unauthorized"}),
    )
}

/// 403 as seen live for a location the token may not use (checked after the scope).
pub fn forbidden() -> Response {
    json(
        StatusCode::FORBIDDEN,
        json!({"statusCode": 403, "message": "The token does not have access to this location."}),
    )
}

/// 422 `{statusCode, message: [...], error: "Unprocessable Entity"}`.
pub fn unprocessable(messages: Vec<String>) -> Response {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"statusCode": 422, "message": messages, "error": "Unprocessable Entity"}),
    )
}

/// 429 with GoHighLevel's body and, as live, no `Retry-After`.
pub fn too_many_requests() -> Response {
    json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"statusCode": 429, "message": "Too Many Requests"}),
    )
}

pub fn internal_error() -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"statusCode": 500, "message": "Internal server error"}),
    )
}

pub fn gateway_timeout() -> Response {
    json(
        StatusCode::GATEWAY_TIMEOUT,
        json!({"statusCode": 504, "message": "Gateway Timeout"}),
    )
}

/// 404 as NestJS words it for an unknown route.
pub fn not_found(method: &str, path: &str) -> Response {
    json(
        StatusCode::NOT_FOUND,
        json!({"statusCode": 404, "message": format!("Cannot {method} {path}"), "error": "Not Found"}),
    )
}

/// Handlers return either an answer or an error answer.
pub type Reply = Result<Response, Response>;

//! The V1 routes under `/v1` (`rest.gohighlevel.com/v1` shapes, bearer location API key,
//! no `Version` header). The location is the API key's, so no route names it except
//! `GET /v1/locations/{id}`.

mod contacts;
mod other;
mod shapes;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::app::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/contacts/", get(contacts::list).post(contacts::create))
        .route("/v1/contacts/lookup", get(contacts::lookup))
        .route(
            "/v1/contacts/{id}",
            get(contacts::get).put(contacts::update),
        )
        .route("/v1/contacts/{id}/tags/", post(contacts::add_tags))
        .route(
            "/v1/custom-fields/",
            get(other::custom_fields).post(other::create_custom_field),
        )
        .route("/v1/pipelines/", get(other::pipelines))
        .route(
            "/v1/pipelines/{pid}/opportunities",
            get(other::opportunities),
        )
        .route(
            "/v1/pipelines/{pid}/opportunities/",
            post(other::create_opportunity),
        )
        .route("/v1/users/", get(other::users))
        .route("/v1/locations/{id}", get(other::location))
}

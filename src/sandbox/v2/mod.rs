//! The V2 routes (`services.leadconnectorhq.com` shapes, `Version: 2021-07-28`).

mod contacts;
mod location;
mod opportunities;
mod pipelines;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};

use super::app::App;
use super::reply;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/locations/{id}", get(location::location))
        .route(
            "/locations/{id}/customFields",
            get(location::custom_fields).post(location::create_custom_field),
        )
        .route(
            "/opportunities/pipelines",
            get(location::pipelines).post(pipelines::create),
        )
        .route(
            "/opportunities/pipelines/{id}",
            get(pipelines::get)
                .put(pipelines::update)
                .delete(pipelines::delete),
        )
        .route("/workflows/", get(pipelines::workflows))
        .route("/users/", get(location::users))
        .route("/users/search", get(location::search_users))
        .route("/contacts/", post(contacts::create))
        .route("/contacts/search", post(contacts::search))
        .route("/contacts/search/duplicate", get(contacts::duplicate))
        .route("/contacts/upsert", post(contacts::upsert))
        .route("/contacts/{id}", get(contacts::get).put(contacts::update))
        .route("/contacts/{id}/tags", post(contacts::add_tags))
        .route("/opportunities/search", get(opportunities::search))
        .route("/opportunities/", post(opportunities::create))
        .route("/opportunities/{id}", get(opportunities::get))
}

/// The query parameters, 422 for any outside `allowed` (NestJS forbids unknown ones).
pub(super) fn known_query(
    query: &HashMap<String, String>,
    allowed: &[&str],
) -> Result<(), Response> {
    let unknown: Vec<String> = query
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(reply::unprocessable(unknown))
    }
}

/// The location named by a required query parameter: 422 when absent, 403 when not ours.
pub(super) fn query_location(
    app: &App,
    query: &HashMap<String, String>,
    name: &str,
) -> Result<(), Response> {
    match query.get(name).filter(|v| !v.is_empty()) {
        None => Err(reply::unprocessable(vec![format!(
            "{name} should not be empty"
        )])),
        Some(id) => app.check_location(id),
    }
}

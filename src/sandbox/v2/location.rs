//! V2 location-level reads and custom-field creation: `GET /locations/{id}`,
//! `GET|POST /locations/{id}/customFields`, `GET /opportunities/pipelines`, `GET /users/search`
//! and the deprecated `GET /users/`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use super::{known_query, query_location};
use crate::ghl::{Ghl, NewCustomField};
use crate::sandbox::app::App;
use crate::sandbox::reply::{self, Reply};
use crate::sandbox::shapes::object;
use crate::sandbox::validate::{self, CREATE_CUSTOM_FIELD};

pub async fn location(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    app.check_location(&id)?;
    let location = app.memory.read(|a| a.location.clone());
    let mut value = object(&location);
    value["companyId"] = json!(company_id(&location.id));
    Ok(reply::ok(json!({ "location": value })))
}

/// The agency (company) a location belongs to: one made-up id per location.
fn company_id(location_id: &str) -> String {
    format!("cmp{}", location_id.chars().take(17).collect::<String>())
}

/// `GET /users/search?companyId&locationId&skip&limit` -> `{users, count}`: the users of this
/// location (the sandbox's company has no others).
pub async fn search_users(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    known_query(
        &query,
        &[
            "companyId",
            "query",
            "skip",
            "limit",
            "locationId",
            "type",
            "role",
            "ids",
            "sort",
            "sortDirection",
            "enabled2waySync",
        ],
    )?;
    match query.get("companyId") {
        Some(c) if *c == company_id(&app.location_id) => {}
        Some(c) if !c.is_empty() => return Err(reply::forbidden()),
        _ => {
            return Err(reply::unprocessable(vec![
                "companyId should not be empty".into(),
            ]));
        }
    }
    if let Some(location) = query.get("locationId") {
        app.check_location(location)?;
    }
    let number = |name: &str, default: usize| -> Result<usize, axum::response::Response> {
        match query.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| reply::unprocessable(vec![format!("{name} must be a number")])),
        }
    };
    let (skip, limit) = (number("skip", 0)?, number("limit", 25)?);
    let (users, count): (Vec<Value>, usize) = app.memory.read(|a| {
        let page = a.users.iter().skip(skip).take(limit).map(object).collect();
        (page, a.users.len())
    });
    Ok(reply::ok(json!({ "users": users, "count": count })))
}

/// `?model=contact|opportunity|all`; without it every field is listed.
pub async fn custom_fields(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    app.check_location(&id)?;
    known_query(&query, &["model"])?;
    let model = query.get("model").map_or("all", String::as_str);
    if !["contact", "opportunity", "all"].contains(&model) {
        return Err(reply::unprocessable(vec![
            "model must be one of the following values: contact, opportunity, all".into(),
        ]));
    }
    let fields: Vec<Value> = app.memory.read(|a| {
        a.custom_fields
            .iter()
            .filter(|f| model == "all" || f.model() == model)
            .map(|f| with_location(object(f), &id))
            .collect()
    });
    Ok(reply::ok(json!({ "customFields": fields })))
}

pub async fn create_custom_field(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply {
    app.check_location(&id)?;
    let (new, _): (NewCustomField, _) = validate::decode(&CREATE_CUSTOM_FIELD, &body)?;
    let new = app.stored_field(new);
    let field = app
        .memory
        .create_custom_field(&new)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::created(
        json!({ "customField": with_location(object(&field), &id) }),
    ))
}

pub async fn pipelines(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    known_query(&query, &["locationId"])?;
    query_location(&app, &query, "locationId")?;
    let pipelines: Vec<Value> = app.memory.read(|a| {
        a.pipelines
            .iter()
            .map(|p| {
                let mut v = with_location(object(p), &a.location.id);
                v["showInFunnel"] = json!(true);
                v["showInPieChart"] = json!(true);
                v
            })
            .collect()
    });
    Ok(reply::ok(json!({ "pipelines": pipelines })))
}

pub async fn users(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    known_query(&query, &["locationId"])?;
    query_location(&app, &query, "locationId")?;
    let users: Vec<Value> = app.memory.read(|a| a.users.iter().map(object).collect());
    Ok(reply::ok(json!({ "users": users })))
}

fn with_location(mut value: Value, location_id: &str) -> Value {
    value["locationId"] = json!(location_id);
    value
}

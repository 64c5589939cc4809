//! V2 pipeline writes and the workflows read, with the live semantics (ghl-api.md §7):
//! `POST /opportunities/pipelines` (scope `pipelines.create`), `GET|PUT|DELETE
//! /opportunities/pipelines/{id}` (scope `pipelines.write`; the PUT replaces the whole stage
//! list) and `GET /workflows/?locationId` (scope `workflows.readonly`), served from the fixture.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use super::{known_query, query_location};
use crate::ghl::memory::PipelineInput;
use crate::model::Pipeline;
use crate::sandbox::app::App;
use crate::sandbox::reply::{self, Reply};
use crate::sandbox::shapes::object;
use crate::sandbox::validate::{self, CREATE_PIPELINE, UPDATE_PIPELINE};

/// A pipeline as the API answers it: with its location and chart flags.
fn shape(p: &Pipeline, location_id: &str) -> Value {
    let mut v = object(p);
    v["locationId"] = json!(location_id);
    v["showInFunnel"] = json!(true);
    v["showInPieChart"] = json!(true);
    v
}

pub async fn create(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let (input, raw): (PipelineInput, Value) = validate::decode(&CREATE_PIPELINE, &body)?;
    app.check_location(raw["locationId"].as_str().unwrap_or_default())?;
    let created = app
        .memory
        .create_pipeline_now(&input)
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::created(
        json!({ "pipeline": shape(&created, &app.location_id) }),
    ))
}

pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    match app.memory.pipeline(&id) {
        Some(p) => Ok(reply::ok(
            json!({ "pipeline": shape(&p, &app.location_id) }),
        )),
        None => Err(reply::bad_request(format!(
            "Pipeline with id {id} not found"
        ))),
    }
}

pub async fn update(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let (input, _): (PipelineInput, Value) = validate::decode(&UPDATE_PIPELINE, &body)?;
    let updated = app
        .memory
        .update_pipeline_now(&id, &input)
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::ok(
        json!({ "pipeline": shape(&updated, &app.location_id) }),
    ))
}

pub async fn delete(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    app.memory
        .delete_pipeline(&id)
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::ok(json!({ "succeeded": true })))
}

pub async fn workflows(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    known_query(&query, &["locationId"])?;
    query_location(&app, &query, "locationId")?;
    let workflows: Vec<Value> = app.memory.read(|a| {
        a.workflows
            .iter()
            .flatten()
            .map(|w| {
                let mut v = object(w);
                v["locationId"] = json!(a.location.id);
                v["version"] = json!(1);
                v
            })
            .collect()
    });
    Ok(reply::ok(json!({ "workflows": workflows })))
}

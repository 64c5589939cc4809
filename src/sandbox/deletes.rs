//! The DELETE routes `undo` uses, V2 and V1, with the live semantics: an object that is not
//! there answers 400 "… not found" (as the live API answers a missing contact), a contact
//! takes its notes and tasks with it, a custom field its values, removing tags keeps the others.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::delete;
use serde_json::json;

use super::app::App;
use super::reply::{self, Reply};
use super::validate::TAGS;
use crate::ghl::{Deleted, Doomed};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/contacts/{id}", delete(contact))
        .route("/contacts/{id}/tags", delete(tags))
        .route("/opportunities/{id}", delete(opportunity))
        .route("/locations/{loc}/customFields/{id}", delete(field))
        .route("/contacts/{cid}/notes/{id}", delete(note))
        .route("/contacts/{cid}/tasks/{id}", delete(task))
        .route("/v1/contacts/{id}", delete(contact))
        .route("/v1/contacts/{id}/tags/", delete(tags))
        .route(
            "/v1/pipelines/{pid}/opportunities/{id}",
            delete(v1_opportunity),
        )
        .route("/v1/custom-fields/{id}", delete(field_v1))
        .route("/v1/contacts/{cid}/notes/{id}", delete(note))
        .route("/v1/contacts/{cid}/tasks/{id}", delete(task))
}

/// Deletes `what`, or answers as the API does when it is not there.
fn remove(app: &App, what: Doomed, label: &str) -> Reply {
    match app.memory.delete_now(&what) {
        Deleted::Now => {
            app.committed();
            Ok(reply::ok(json!({ "succeded": true })))
        }
        Deleted::AlreadyGone => Err(reply::bad_request(format!(
            "{label} with id {} not found",
            what.id()
        ))),
    }
}

async fn contact(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    remove(&app, Doomed::Contact { id }, "Contact")
}

async fn opportunity(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    let pipeline_id = String::new();
    remove(&app, Doomed::Opportunity { id, pipeline_id }, "Opportunity")
}

async fn v1_opportunity(
    State(app): State<Arc<App>>,
    Path((pipeline_id, id)): Path<(String, String)>,
) -> Reply {
    let in_pipeline = app.memory.read(|a| {
        a.opportunities
            .iter()
            .any(|o| o.id == id && o.pipeline_id == pipeline_id)
    });
    if !in_pipeline {
        return Err(reply::bad_request(format!(
            "Opportunity with id {id} not found"
        )));
    }
    remove(&app, Doomed::Opportunity { id, pipeline_id }, "Opportunity")
}

async fn field(State(app): State<Arc<App>>, Path((location, id)): Path<(String, String)>) -> Reply {
    app.check_location(&location)?;
    remove(&app, Doomed::CustomField { id }, "Custom field")
}

async fn field_v1(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    remove(&app, Doomed::CustomField { id }, "Custom field")
}

async fn note(
    State(app): State<Arc<App>>,
    Path((contact_id, id)): Path<(String, String)>,
) -> Reply {
    remove(&app, Doomed::Note { contact_id, id }, "Note")
}

async fn task(
    State(app): State<Arc<App>>,
    Path((contact_id, id)): Path<(String, String)>,
) -> Reply {
    remove(&app, Doomed::Task { contact_id, id }, "Task")
}

/// `DELETE .../contacts/{id}/tags {tags}`: the contact's tags afterwards.
async fn tags(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    #[derive(serde::Deserialize)]
    struct Tags {
        tags: Vec<String>,
    }
    let (tags, _): (Tags, _) = super::validate::decode(&TAGS, &body)?;
    let all = app
        .memory
        .remove_tags(&id, &tags.tags)
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::ok(json!({ "tags": all })))
}

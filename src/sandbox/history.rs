//! Notes and tasks, V2 and V1: `GET|POST /contacts/{id}/notes`, `GET|POST /contacts/{id}/tasks`,
//! `POST /locations/{id}/tasks/search` (`{limit, skip, contactId[], completed, ...}` ->
//! `{tasks, total}`), and V1's `/v1/contacts/{id}/notes/` and `/v1/contacts/{id}/tasks/` (tasks
//! with `description` and `status: completed|incompleted`). Notes list newest first, as live.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::app::App;
use super::reply::{self, Reply};
use super::shapes::object;
use super::validate::{self, Dto, Ty};
use crate::ghl::v1::history::task_from_v1;
use crate::ghl::{Ghl, NewNote, NewTask};
use crate::model::{Note, Task};

/// `NotesDTO`.
pub const CREATE_NOTE: Dto = Dto {
    fields: &[
        ("body", Ty::Str),
        ("userId", Ty::Str),
        ("title", Ty::Str),
        ("color", Ty::Str),
        ("pinned", Ty::Bool),
    ],
    required: &["body"],
    strict: true,
};

/// `CreateTaskParams`.
pub const CREATE_TASK: Dto = Dto {
    fields: &[
        ("title", Ty::Str),
        ("body", Ty::Str),
        ("dueDate", Ty::Str),
        ("completed", Ty::Bool),
        ("assignedTo", Ty::Str),
    ],
    required: &["title", "dueDate", "completed"],
    strict: true,
};

/// `TaskSearchParamsDto`.
pub const SEARCH_TASKS: Dto = Dto {
    fields: &[
        ("contactId", Ty::StrList),
        ("completed", Ty::Bool),
        ("assignedTo", Ty::StrList),
        ("query", Ty::Str),
        ("limit", Ty::Num),
        ("skip", Ty::Num),
        ("businessId", Ty::Str),
    ],
    required: &[],
    strict: true,
};

const V1_NOTE: Dto = Dto {
    fields: &[("body", Ty::Str), ("userId", Ty::Str)],
    required: &["body"],
    strict: false,
};

const V1_TASK: Dto = Dto {
    fields: &[
        ("title", Ty::Str),
        ("description", Ty::Str),
        ("dueDate", Ty::Str),
        ("status", Ty::OneOf(&["completed", "incompleted"])),
        ("assignedTo", Ty::Str),
    ],
    required: &["title", "dueDate"],
    strict: false,
};

/// The most tasks one search page holds.
const MAX_TASK_PAGE: u64 = 100;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/contacts/{id}/notes", get(notes).post(create_note))
        .route("/contacts/{id}/tasks", get(tasks).post(create_task))
        .route("/locations/{id}/tasks/search", post(search_tasks))
        .route(
            "/v1/contacts/{id}/notes/",
            get(v1_notes).post(v1_create_note),
        )
        .route(
            "/v1/contacts/{id}/tasks/",
            get(v1_tasks).post(v1_create_task),
        )
}

fn known_contact(app: &App, id: &str) -> Result<(), axum::response::Response> {
    match app.memory.contact(id) {
        Some(_) => Ok(()),
        None => Err(reply::bad_request(format!(
            "Contact with id {id} not found"
        ))),
    }
}

fn notes_json(app: &App, id: &str, shape: fn(&Value) -> Value) -> Value {
    let mut notes = app.memory.notes_of(id);
    notes.reverse();
    Value::Array(notes.iter().map(|n| shape(&object(n))).collect())
}

fn tasks_json(app: &App, id: &str, shape: fn(&Task) -> Value) -> Value {
    Value::Array(app.memory.tasks_of(id).iter().map(shape).collect())
}

async fn notes(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    known_contact(&app, &id)?;
    Ok(reply::ok(
        json!({ "notes": notes_json(&app, &id, Value::clone) }),
    ))
}

async fn tasks(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    known_contact(&app, &id)?;
    Ok(reply::ok(json!({ "tasks": tasks_json(&app, &id, object) })))
}

async fn create_note(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let (new, _): (NewNote, Value) = validate::decode(&CREATE_NOTE, &body)?;
    let note = add_note(&app, &id, &new).await?;
    Ok(reply::created(json!({ "note": object(&note) })))
}

async fn create_task(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let (new, _): (NewTask, Value) = validate::decode(&CREATE_TASK, &body)?;
    let task = add_task(&app, &id, &new).await?;
    Ok(reply::created(json!({ "task": object(&task) })))
}

async fn add_note(app: &App, id: &str, new: &NewNote) -> Result<Note, axum::response::Response> {
    if new.body.trim().is_empty() {
        return Err(reply::unprocessable(vec![
            "body should not be empty".into(),
        ]));
    }
    let note = app
        .memory
        .create_note(id, new)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(note)
}

async fn add_task(app: &App, id: &str, new: &NewTask) -> Result<Task, axum::response::Response> {
    let task = app
        .memory
        .create_task(id, new)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(task)
}

/// Every task of the location matching the filters, `skip`/`limit` paged, oldest first.
async fn search_tasks(
    State(app): State<Arc<App>>,
    Path(location): Path<String>,
    body: Bytes,
) -> Reply {
    let (_, raw): (Value, Value) = validate::decode(&SEARCH_TASKS, &body)?;
    app.check_location(&location)?;
    let limit = raw["limit"].as_u64().unwrap_or(25).clamp(1, MAX_TASK_PAGE) as usize;
    let skip = raw["skip"].as_u64().unwrap_or(0) as usize;
    let contacts: Option<Vec<&str>> = raw["contactId"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_str).collect());
    let completed = raw["completed"].as_bool();
    let (page, total) = app.memory.read(|a| {
        let matching: Vec<&Task> = a
            .tasks
            .iter()
            .filter(|t| {
                contacts
                    .as_ref()
                    .is_none_or(|c| c.contains(&t.contact_id.as_str()))
            })
            .filter(|t| completed.is_none_or(|c| c == t.completed))
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(limit)
            .map(|t| object(*t))
            .collect();
        (page, matching.len())
    });
    Ok(reply::ok(json!({ "tasks": page, "total": total })))
}

async fn v1_notes(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    known_contact(&app, &id)?;
    Ok(reply::ok(
        json!({ "notes": notes_json(&app, &id, v1_note) }),
    ))
}

async fn v1_tasks(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    known_contact(&app, &id)?;
    Ok(reply::ok(
        json!({ "tasks": tasks_json(&app, &id, v1_task) }),
    ))
}

async fn v1_create_note(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let (_, raw): (Value, Value) = validate::decode(&V1_NOTE, &body)?;
    let new = NewNote {
        body: raw["body"].as_str().unwrap_or_default().to_string(),
        user_id: raw["userId"].as_str().map(String::from),
    };
    let note = add_note(&app, &id, &new).await?;
    Ok(reply::ok(v1_note(&object(&note))))
}

async fn v1_create_task(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let (_, raw): (Value, Value) = validate::decode(&V1_TASK, &body)?;
    let as_v2: NewTask = serde_json::from_value(task_from_v1(&raw))
        .map_err(|e| reply::unprocessable(vec![e.to_string()]))?;
    let task = add_task(&app, &id, &as_v2).await?;
    Ok(reply::ok(v1_task(&task)))
}

/// A note as V1 answers it: the author as `createdBy`.
fn v1_note(v2: &Value) -> Value {
    let mut n = v2.clone();
    if let Some(map) = n.as_object_mut()
        && let Some(by) = map.remove("userId")
    {
        map.insert("createdBy".into(), by);
    }
    n
}

/// A task as V1 answers it: `description` and `status`.
fn v1_task(t: &Task) -> Value {
    let mut v = object(t);
    if let Some(map) = v.as_object_mut() {
        if let Some(body) = map.remove("body") {
            map.insert("description".into(), body);
        }
        map.remove("completed");
        let status = if t.completed {
            "completed"
        } else {
            "incompleted"
        };
        map.insert("status".into(), json!(status));
    }
    v
}

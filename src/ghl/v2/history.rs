//! V2 notes and tasks: `GET|POST /contacts/{id}/notes`, `GET|POST /contacts/{id}/tasks` and the
//! location-wide `POST /locations/{id}/tasks/search` (paged by `skip`).

use serde_json::{Value, json};

use super::V2;
use crate::ghl::history::TASK_PAGE;
use crate::ghl::http::Request;
use crate::ghl::wire::{self, array, convert, convert_all, member, segment};
use crate::ghl::{ApiResult, NewNote, NewTask};
use crate::model::{Note, Task};

impl V2 {
    pub(super) async fn notes_of(&self, contact_id: &str) -> ApiResult<Vec<Note>> {
        let req = Request::get(format!("/contacts/{}/notes", segment(contact_id)));
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(&endpoint, "note", array(&endpoint, &body, "notes")?)
    }

    pub(super) async fn tasks_of(&self, contact_id: &str) -> ApiResult<Vec<Task>> {
        let req = Request::get(format!("/contacts/{}/tasks", segment(contact_id)));
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(&endpoint, "task", array(&endpoint, &body, "tasks")?)
    }

    pub(super) async fn all_tasks(&self) -> ApiResult<Vec<Task>> {
        let path = format!("/locations/{}/tasks/search", segment(&self.location_id));
        let mut all: Vec<Task> = Vec::new();
        loop {
            let req = Request::search(
                path.clone(),
                json!({ "limit": TASK_PAGE, "skip": all.len() }),
            );
            let endpoint = req.endpoint();
            let body = self.http.send(&req).await?;
            let page = array(&endpoint, &body, "tasks")?;
            for t in page {
                all.push(convert(&endpoint, "task", &task_shape(t))?);
            }
            let total = body.get("total").and_then(Value::as_u64);
            if !wire::more_pages(page.len(), TASK_PAGE, all.len(), total) {
                return Ok(all);
            }
        }
    }

    pub(super) async fn add_note(&self, contact_id: &str, note: &NewNote) -> ApiResult<Note> {
        let body = serde_json::to_value(note).unwrap_or_default();
        let req = Request::post(format!("/contacts/{}/notes", segment(contact_id)), body);
        self.http
            .write(&req, |at, body| {
                convert(at, "note", member(at, body, "note")?)
            })
            .await
    }

    pub(super) async fn add_task(&self, contact_id: &str, task: &NewTask) -> ApiResult<Task> {
        let body = serde_json::to_value(task).unwrap_or_default();
        let req = Request::post(format!("/contacts/{}/tasks", segment(contact_id)), body);
        self.http
            .write(&req, |at, body| {
                convert(at, "task", member(at, body, "task")?)
            })
            .await
    }
}

/// A task from the location-wide search: its contact may come as `contactId` or as
/// `contactDetails.id`, its text as `body` or `description`.
fn task_shape(raw: &Value) -> Value {
    let mut t = raw.clone();
    if let Value::Object(map) = &mut t {
        if !map.contains_key("contactId")
            && let Some(id) = raw.pointer("/contactDetails/id").cloned()
        {
            map.insert("contactId".into(), id);
        }
        if !map.contains_key("body")
            && let Some(d) = raw.get("description").cloned()
        {
            map.insert("body".into(), d);
        }
        if let Some(Value::String(id)) = raw.get("_id")
            && !map.contains_key("id")
        {
            map.insert("id".into(), Value::String(id.clone()));
        }
    }
    t
}

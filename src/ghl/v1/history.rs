//! V1 notes and tasks, contact by contact (V1 has no location-wide task search):
//! `GET|POST /contacts/{id}/notes/` (listed by the V1 docs, unverified live) and
//! `GET|POST /contacts/{id}/tasks/`, whose tasks say `description` and
//! `status: completed|incompleted` where V2 says `body` and `completed`.

use serde_json::{Value, json};

use super::{V1, created};
use crate::ghl::http::Request;
use crate::ghl::wire::{array, convert, segment};
use crate::ghl::{ApiResult, NewNote, NewTask};
use crate::model::{Note, Task};

impl V1 {
    pub(super) async fn notes_of(&self, contact_id: &str) -> ApiResult<Vec<Note>> {
        let req = Request::get(format!("/contacts/{}/notes/", segment(contact_id)));
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        array(&endpoint, &body, "notes")?
            .iter()
            .map(|n| convert(&endpoint, "note", &note_from_v1(n)))
            .collect()
    }

    pub(super) async fn tasks_of(&self, contact_id: &str) -> ApiResult<Vec<Task>> {
        let req = Request::get(format!("/contacts/{}/tasks/", segment(contact_id)));
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        array(&endpoint, &body, "tasks")?
            .iter()
            .map(|t| convert(&endpoint, "task", &task_from_v1(t)))
            .collect()
    }

    pub(super) async fn add_note(&self, contact_id: &str, note: &NewNote) -> ApiResult<Note> {
        let mut body = json!({ "body": note.body });
        if let Some(u) = &note.user_id {
            body["userId"] = json!(u);
        }
        let req = Request::post(format!("/contacts/{}/notes/", segment(contact_id)), body);
        self.http
            .write(&req, |at, body| {
                convert(at, "note", &note_from_v1(created(body, "note")))
            })
            .await
    }

    pub(super) async fn add_task(&self, contact_id: &str, task: &NewTask) -> ApiResult<Task> {
        let req = Request::post(
            format!("/contacts/{}/tasks/", segment(contact_id)),
            task_to_v1(task),
        );
        self.http
            .write(&req, |at, body| {
                convert(at, "task", &task_from_v1(created(body, "task")))
            })
            .await
    }
}

/// A V1 note in the V2 shape: the author may be `createdBy`.
pub fn note_from_v1(raw: &Value) -> Value {
    let mut n = raw.clone();
    if let Value::Object(map) = &mut n
        && !map.contains_key("userId")
        && let Some(by) = raw.get("createdBy").cloned()
    {
        map.insert("userId".into(), by);
    }
    n
}

/// A V1 task in the V2 shape.
pub fn task_from_v1(raw: &Value) -> Value {
    let mut t = raw.clone();
    if let Value::Object(map) = &mut t {
        if let Some(d) = map.remove("description") {
            map.entry("body").or_insert(d);
        }
        if let Some(status) = map.remove("status") {
            map.insert("completed".into(), json!(status == "completed"));
        }
    }
    t
}

/// A task create in V1's shape (V1 strips milliseconds from `dueDate`, or refuses updates).
pub fn task_to_v1(task: &NewTask) -> Value {
    let due = match task.due_date.split_once('.') {
        Some((whole, rest)) if rest.ends_with('Z') => format!("{whole}Z"),
        _ => task.due_date.clone(),
    };
    let mut body = json!({
        "title": task.title,
        "dueDate": due,
        "status": if task.completed { "completed" } else { "incompleted" },
    });
    if let Some(d) = &task.body {
        body["description"] = json!(d);
    }
    if let Some(a) = &task.assigned_to {
        body["assignedTo"] = json!(a);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_tasks_say_description_and_status() {
        let v2 = task_from_v1(
            &json!({"id": "T", "title": "Call", "description": "d", "status": "completed"}),
        );
        assert_eq!(
            v2,
            json!({"id": "T", "title": "Call", "body": "d", "completed": true})
        );
        let sent = task_to_v1(&NewTask {
            title: "Call".into(),
            due_date: "2026-01-02T03:04:05.678Z".into(),
            ..Default::default()
        });
        assert_eq!(
            sent,
            json!({"title": "Call", "dueDate": "2026-01-02T03:04:05Z", "status": "incompleted"})
        );
    }
}

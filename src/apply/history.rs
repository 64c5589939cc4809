//! Notes and tasks at apply time: the request a `create_note` or `create_task` step sends (its
//! contact resolved to a target id), and how an in-doubt one is found again: by listing that
//! contact's notes or tasks, one request, and looking for the same text, or the same title
//! and due date.

use super::request::{Created, Unresolved, resolve};
use crate::ghl::{ApiResult, Ghl, NewNote, NewTask};
use crate::plan::history::{same_task, same_text};
use crate::plan::{NoteCreate, TaskCreate};

/// A note create: the target contact and the body.
pub fn note(n: &NoteCreate, created: &Created) -> Result<(String, NewNote), Unresolved> {
    Ok((
        resolve(&n.contact, created)?,
        NewNote {
            body: n.body.clone(),
            user_id: n.user_id.clone(),
        },
    ))
}

/// A task create: the target contact and the body.
pub fn task(t: &TaskCreate, created: &Created) -> Result<(String, NewTask), Unresolved> {
    Ok((
        resolve(&t.contact, created)?,
        NewTask {
            title: t.title.clone(),
            body: t.body.clone(),
            due_date: t.due_date.clone(),
            completed: t.completed,
            assigned_to: t.assigned_to.clone(),
        },
    ))
}

/// The id of the note on `contact` with this text, if there is one that is not `claimed`.
pub async fn find_note<G: Ghl>(
    ghl: &G,
    contact: &str,
    note: &NewNote,
    claimed: &[String],
) -> ApiResult<Option<String>> {
    let notes = ghl.contact_notes(contact).await?;
    Ok(notes
        .into_iter()
        .find(|n| same_text(&n.body, &note.body) && !claimed.contains(&n.id))
        .map(|n| n.id))
}

/// The id of the task on `contact` with this title and due date, if there is one that is not
/// `claimed`.
pub async fn find_task<G: Ghl>(
    ghl: &G,
    contact: &str,
    task: &NewTask,
    claimed: &[String],
) -> ApiResult<Option<String>> {
    let tasks = ghl.contact_tasks(contact).await?;
    Ok(tasks
        .into_iter()
        .find(|t| {
            same_task(&t.title, t.due_date.as_deref(), &task.title, &task.due_date)
                && !claimed.contains(&t.id)
        })
        .map(|t| t.id))
}

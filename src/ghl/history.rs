//! Contacts' notes and tasks across the network boundary: the write bodies (`NotesDTO`,
//! `CreateTaskParams`) and reading the history of the contacts a plan needs, concurrently
//! within the account's own limiter, with an estimate of its cost given before it is spent.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::{ApiResult, Ghl};
use crate::model::{Note, Task};

/// `POST /contacts/{id}/notes` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// `POST /contacts/{id}/tasks` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub due_date: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// Tasks per `POST /locations/{id}/tasks/search` page.
pub const TASK_PAGE: usize = 100;

/// Whose history to read, and which parts of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryScope {
    /// Contact ids of this account.
    pub contacts: Vec<String>,
    pub notes: bool,
    pub tasks: bool,
}

/// What reading a scope will cost, worked out before anything is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCost {
    /// One `GET /contacts/{id}/notes` per contact.
    pub notes: u64,
    /// One per contact, or the pages of the location-wide search (at least one; one more per
    /// [`TASK_PAGE`] tasks).
    pub tasks: u64,
    /// Whether tasks come through the location-wide search.
    pub tasks_by_search: bool,
}

impl ReadCost {
    pub fn of(scope: &HistoryScope, tasks_by_search: bool) -> Self {
        let n = scope.contacts.len() as u64;
        let tasks = match (scope.tasks, tasks_by_search) {
            (false, _) => 0,
            (true, true) => 1,
            (true, false) => n,
        };
        ReadCost {
            notes: if scope.notes { n } else { 0 },
            tasks,
            tasks_by_search: scope.tasks && tasks_by_search,
        }
    }

    pub fn requests(&self) -> u64 {
        self.notes + self.tasks
    }

    /// Seconds the requests take at `per_interval` requests per `interval_ms`.
    pub fn seconds_at(&self, per_interval: u32, interval_ms: u64) -> f64 {
        let per = f64::from(per_interval.max(1));
        (self.requests() as f64 / per).ceil() * interval_ms as f64 / 1000.0
    }
}

/// Reads the notes and tasks of the scope's contacts: `in_flight` contacts at a time (the
/// account's limiter paces them); tasks through the location-wide search where the API has
/// one. `done` is called with the number of contacts read so far.
pub async fn read<G: Ghl>(
    ghl: &G,
    scope: &HistoryScope,
    in_flight: usize,
    done: &(dyn Fn(usize) + Sync),
) -> ApiResult<(Vec<Note>, Vec<Task>)> {
    let searched = if scope.tasks {
        ghl.location_tasks().await?
    } else {
        None
    };
    let wanted: HashSet<&str> = scope.contacts.iter().map(String::as_str).collect();
    let per_contact_tasks = scope.tasks && searched.is_none();
    let count = AtomicUsize::new(0);
    let per_contact: Vec<(Vec<Note>, Vec<Task>)> = futures::stream::iter(&scope.contacts)
        .map(|id| async {
            let notes = match scope.notes {
                true => ghl.contact_notes(id).await?,
                false => vec![],
            };
            let tasks = match per_contact_tasks {
                true => ghl.contact_tasks(id).await?,
                false => vec![],
            };
            done(count.fetch_add(1, Ordering::Relaxed) + 1);
            ApiResult::Ok((with_contact(notes, id), with_contact(tasks, id)))
        })
        .buffered(in_flight.max(1))
        .try_collect()
        .await?;
    let (mut notes, mut tasks): (Vec<Note>, Vec<Task>) = (vec![], vec![]);
    for (n, t) in per_contact {
        notes.extend(n);
        tasks.extend(t);
    }
    if let Some(all) = searched {
        tasks.extend(
            all.into_iter()
                .filter(|t| wanted.contains(t.contact_id.as_str())),
        );
    }
    Ok((notes, tasks))
}

/// Records read from one contact's list carry its id (the lists may leave it out).
fn with_contact<T: OfContact>(mut items: Vec<T>, contact_id: &str) -> Vec<T> {
    for item in &mut items {
        item.set_contact(contact_id);
    }
    items
}

trait OfContact {
    fn set_contact(&mut self, id: &str);
}

impl OfContact for Note {
    fn set_contact(&mut self, id: &str) {
        self.contact_id = id.to_string();
    }
}

impl OfContact for Task {
    fn set_contact(&mut self, id: &str) {
        self.contact_id = id.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_cost_one_request_per_contact_and_tasks_one_search() {
        let scope = HistoryScope {
            contacts: (0..250).map(|i| format!("C{i}")).collect(),
            notes: true,
            tasks: true,
        };
        let v2 = ReadCost::of(&scope, true);
        assert_eq!((v2.notes, v2.tasks, v2.requests()), (250, 1, 251));
        // 251 requests at 100 per 10 s: three windows.
        assert_eq!(v2.seconds_at(100, 10_000), 30.0);
        let v1 = ReadCost::of(&scope, false);
        assert_eq!(v1.requests(), 500);
    }
}

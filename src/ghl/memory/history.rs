//! Notes and tasks of an in-memory location: per-contact lists (indexed, so a large location
//! is not scanned per contact) and creates stamped with the logical clock, as the API stamps
//! them with "now".

use std::collections::{HashMap, HashSet};

use super::{MemoryAccount, State, not_found};
use crate::ghl::{ApiResult, NewNote, NewTask};
use crate::model::{Account, Note, Task};

/// Where each contact's notes and tasks are in the account's lists.
#[derive(Debug, Default)]
pub(super) struct HistoryIndex {
    notes: HashMap<String, Vec<usize>>,
    tasks: HashMap<String, Vec<usize>>,
    /// Every note and task id.
    pub(super) ids: HashSet<String>,
}

impl HistoryIndex {
    pub(super) fn new(account: &Account) -> Self {
        let mut index = HistoryIndex::default();
        for (i, n) in account.notes.iter().enumerate() {
            index.notes.entry(n.contact_id.clone()).or_default().push(i);
            index.ids.insert(n.id.clone());
        }
        for (i, t) in account.tasks.iter().enumerate() {
            index.tasks.entry(t.contact_id.clone()).or_default().push(i);
            index.ids.insert(t.id.clone());
        }
        index
    }
}

impl MemoryAccount {
    /// One contact's notes, in the order they were added.
    pub fn notes_of(&self, contact_id: &str) -> Vec<Note> {
        let state = self.lock();
        let at = state.history.notes.get(contact_id);
        at.into_iter()
            .flatten()
            .map(|&i| state.account.notes[i].clone())
            .collect()
    }

    /// One contact's tasks, in the order they were added.
    pub fn tasks_of(&self, contact_id: &str) -> Vec<Task> {
        let state = self.lock();
        let at = state.history.tasks.get(contact_id);
        at.into_iter()
            .flatten()
            .map(|&i| state.account.tasks[i].clone())
            .collect()
    }

    pub(super) fn create_note_now(&self, contact_id: &str, new: &NewNote) -> ApiResult<Note> {
        let mut state = self.lock();
        state.known_contact("POST /contacts/{id}/notes", contact_id)?;
        let note = Note {
            id: state.next_history_id(),
            contact_id: contact_id.to_string(),
            body: new.body.clone(),
            user_id: new.user_id.clone(),
            date_added: Some(state.tick()),
        };
        let i = state.account.notes.len();
        state.account.notes.push(note.clone());
        let at = state.history.notes.entry(contact_id.to_string());
        at.or_default().push(i);
        Ok(note)
    }

    pub(super) fn create_task_now(&self, contact_id: &str, new: &NewTask) -> ApiResult<Task> {
        let mut state = self.lock();
        state.known_contact("POST /contacts/{id}/tasks", contact_id)?;
        let task = Task {
            id: state.next_history_id(),
            contact_id: contact_id.to_string(),
            title: new.title.clone(),
            body: new.body.clone(),
            assigned_to: new.assigned_to.clone(),
            due_date: Some(new.due_date.clone()),
            completed: new.completed,
        };
        let i = state.account.tasks.len();
        state.account.tasks.push(task.clone());
        let at = state.history.tasks.entry(contact_id.to_string());
        at.or_default().push(i);
        Ok(task)
    }
}

impl State {
    fn known_contact(&self, endpoint: &str, id: &str) -> ApiResult<()> {
        match self.contact_at.contains_key(id) {
            true => Ok(()),
            false => Err(not_found(endpoint, id)),
        }
    }

    /// A fresh id for a note or task.
    fn next_history_id(&mut self) -> String {
        let State { history, ids, .. } = self;
        let id = ids.next(|id| history.ids.contains(id));
        history.ids.insert(id.clone());
        id
    }

    /// Advances the logical clock and gives "now".
    fn tick(&mut self) -> String {
        self.clock_ms += 1000;
        super::iso(self.clock_ms)
    }
}

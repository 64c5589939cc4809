//! Deletes in an in-memory location, as the live API does them: a contact takes its notes and
//! tasks with it, a custom field its values; an id is never given out again (the id counter
//! only moves on). The indexes built for appends are rebuilt after a removal.

use super::{MemoryAccount, State, history::HistoryIndex};
use crate::ghl::{ApiResult, Deleted, Doomed};

impl MemoryAccount {
    /// Removes one object; `AlreadyGone` when it is not there.
    pub fn delete_now(&self, what: &Doomed) -> Deleted {
        let mut state = self.lock();
        let gone = match what {
            Doomed::Contact { id } => state.delete_contact(id),
            Doomed::Opportunity { id, .. } => {
                let removed = state.opportunity_ids.remove(id);
                state.account.opportunities.retain(|o| &o.id != id);
                removed
            }
            Doomed::CustomField { id } => {
                let before = state.account.custom_fields.len();
                state.account.custom_fields.retain(|f| &f.id != id);
                let removed = state.account.custom_fields.len() != before;
                if removed {
                    for c in &mut state.account.contacts {
                        c.custom_fields.retain(|v| &v.id != id);
                    }
                    for o in &mut state.account.opportunities {
                        o.custom_fields.retain(|v| &v.id != id);
                    }
                }
                removed
            }
            Doomed::Note { contact_id, id } => {
                let notes = &mut state.account.notes;
                let before = notes.len();
                notes.retain(|n| !(&n.id == id && &n.contact_id == contact_id));
                let removed = notes.len() != before;
                state.reindex_history(removed)
            }
            Doomed::Task { contact_id, id } => {
                let tasks = &mut state.account.tasks;
                let before = tasks.len();
                tasks.retain(|t| !(&t.id == id && &t.contact_id == contact_id));
                let removed = tasks.len() != before;
                state.reindex_history(removed)
            }
        };
        if gone {
            Deleted::Now
        } else {
            Deleted::AlreadyGone
        }
    }

    /// Removes these tags from a contact (case-insensitive), keeping the others; its tags after.
    pub fn remove_tags(&self, id: &str, tags: &[String]) -> ApiResult<Vec<String>> {
        let mut state = self.lock();
        let (contact, _) = state.contact_mut("DELETE /contacts/{id}/tags", id)?;
        contact
            .tags
            .retain(|t| !tags.iter().any(|r| r.trim().eq_ignore_ascii_case(t)));
        Ok(contact.tags.clone())
    }
}

impl State {
    fn delete_contact(&mut self, id: &str) -> bool {
        if self.contact_at.remove(id).is_none() {
            return false;
        }
        self.account.contacts.retain(|c| c.id != id);
        self.account.notes.retain(|n| n.contact_id != id);
        self.account.tasks.retain(|t| t.contact_id != id);
        self.contact_at = self
            .account
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        self.reindex_history(true)
    }

    /// Rebuilds the notes' and tasks' positions after a removal, keeping every id ever given
    /// out as taken; passes `removed` through.
    fn reindex_history(&mut self, removed: bool) -> bool {
        if removed {
            let taken = std::mem::take(&mut self.history.ids);
            self.history = HistoryIndex::new(&self.account);
            self.history.ids.extend(taken);
        }
        removed
    }
}

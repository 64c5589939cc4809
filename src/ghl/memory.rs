//! An in-memory GoHighLevel location: the `Ghl` trait over a `model::Account` held behind a
//! lock, with the real API's write semantics (generated ids and field keys, the duplicate-contact
//! refusal, partial updates, additive tags, reference checks on opportunities). It backs the
//! sandbox server and stands in for a live account in tests.

mod clock;
mod delete;
mod history;
mod ids;
mod pipelines;
mod write;

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

pub use clock::{epoch_ms, iso};
pub use pipelines::{PipelineInput, StageInput, position_probability};

use crate::ghl::{
    ApiError, ApiErrorKind, ApiResult, ContactKey, ContactWrite, Deleted, Doomed, Ghl,
    NewCustomField, NewNote, NewOpportunity, NewTask, PipelineWrite,
};
use crate::model::{
    Account, Contact, CustomField, Location, Note, Opportunity, Pipeline, Task, User, Workflow,
};
use ids::IdGen;

/// The message GoHighLevel gives when a location refuses a duplicate contact.
pub const DUPLICATE_MESSAGE: &str = "This location does not allow duplicated contacts.";

/// How the in-memory location behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryOptions {
    /// The location's "Allow Duplicate Contact" setting is off: a contact whose email or phone
    /// is already taken is refused.
    pub forbid_duplicates: bool,
}

/// An existing contact that a new or changed contact collides with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub contact_id: String,
    pub contact_name: String,
    /// `email` or `phone`: the field that matched (email is checked first).
    pub matching_field: &'static str,
}

/// The result of an upsert: whether a contact was created, and the contact as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Upserted {
    pub new: bool,
    pub contact: Contact,
}

/// One location in memory. Cheap to share behind an `Arc`; every call takes the lock briefly.
#[derive(Debug)]
pub struct MemoryAccount {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    account: Account,
    options: MemoryOptions,
    ids: IdGen,
    /// The logical clock (epoch ms) stamped on new contacts as `dateAdded`.
    clock_ms: i64,
    /// Where each contact is in `account.contacts` (records are only ever appended), so that a
    /// 100,000-contact location is not scanned on every write.
    contact_at: HashMap<String, usize>,
    opportunity_ids: HashSet<String>,
    history: history::HistoryIndex,
}

/// 2026-01-01T00:00:00Z: where the logical clock starts when the fixture holds older dates.
const CLOCK_START_MS: i64 = 1_767_225_600_000;

impl MemoryAccount {
    pub fn new(account: Account, options: MemoryOptions) -> Self {
        let latest = account
            .contacts
            .iter()
            .filter_map(|c| c.date_added.as_deref().and_then(epoch_ms))
            .max()
            .unwrap_or(0);
        let ids = IdGen::new(account.location.id.clone());
        let contact_at = account
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let opportunity_ids = account.opportunities.iter().map(|o| o.id.clone()).collect();
        let history = history::HistoryIndex::new(&account);
        MemoryAccount {
            state: Mutex::new(State {
                account,
                options,
                ids,
                clock_ms: latest.max(CLOCK_START_MS),
                contact_at,
                opportunity_ids,
                history,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the whole location as it is now.
    pub fn snapshot(&self) -> Account {
        self.lock().account.clone()
    }

    /// The location, consuming the in-memory account.
    pub fn into_account(self) -> Account {
        self.state
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .account
    }

    /// Reads the location under the lock without copying it all.
    pub fn read<R>(&self, f: impl FnOnce(&Account) -> R) -> R {
        f(&self.lock().account)
    }

    pub fn options(&self) -> MemoryOptions {
        self.lock().options.clone()
    }

    /// Turns the location's duplicate-contact refusal on or off.
    pub fn set_forbid_duplicates(&self, forbid: bool) {
        self.lock().options.forbid_duplicates = forbid;
    }

    /// The contact an email or phone would duplicate (email first), whatever the setting.
    pub fn duplicate_of(&self, email: Option<&str>, phone: Option<&str>) -> Option<Duplicate> {
        write::duplicate_of(&self.lock().account, email, phone, None)
    }

    /// One contact by id.
    pub fn contact(&self, id: &str) -> Option<Contact> {
        let state = self.lock();
        let i = *state.contact_at.get(id)?;
        state.account.contacts.get(i).cloned()
    }

    /// `POST /contacts/upsert`: updates the contact the email (then phone) matches with the
    /// given fields (tags replace), or creates one.
    pub fn upsert_contact(&self, write: &ContactWrite) -> ApiResult<Upserted> {
        const ENDPOINT: &str = "POST /contacts/upsert";
        let mut state = self.lock();
        let found = write::duplicate_of(
            &state.account,
            write.email.as_deref(),
            write.phone.as_deref(),
            None,
        );
        match found {
            Some(dup) => {
                let (contact, fields) = state.contact_mut(ENDPOINT, &dup.contact_id)?;
                write::apply_contact_write(contact, write, fields);
                if !write.tags.is_empty() {
                    contact.tags = write::union_tags(&[], &write.tags);
                }
                Ok(Upserted {
                    new: false,
                    contact: contact.clone(),
                })
            }
            None => Ok(Upserted {
                new: true,
                contact: state.insert_contact(write),
            }),
        }
    }

    /// The tags of a contact after adding some (`POST /contacts/{id}/tags` answers with them).
    pub fn add_tags(&self, id: &str, tags: &[String]) -> ApiResult<Vec<String>> {
        let mut state = self.lock();
        let (contact, _) = state.contact_mut("POST /contacts/{id}/tags", id)?;
        contact.tags = write::union_tags(&contact.tags, tags);
        Ok(contact.tags.clone())
    }

    /// Replaces a contact's tags (what `tags` in `PUT /contacts/{id}` does).
    pub fn replace_tags(&self, id: &str, tags: &[String]) -> ApiResult<Vec<String>> {
        let mut state = self.lock();
        let (contact, _) = state.contact_mut("PUT /contacts/{id}", id)?;
        contact.tags = write::union_tags(&[], tags);
        Ok(contact.tags.clone())
    }

    fn create_contact_now(&self, write: &ContactWrite) -> ApiResult<Contact> {
        let mut state = self.lock();
        if state.options.forbid_duplicates
            && let Some(dup) = write::duplicate_of(
                &state.account,
                write.email.as_deref(),
                write.phone.as_deref(),
                None,
            )
        {
            return Err(duplicate_error("POST /contacts/", &dup));
        }
        Ok(state.insert_contact(write))
    }

    fn update_contact_now(&self, id: &str, write: &ContactWrite) -> ApiResult<Contact> {
        const ENDPOINT: &str = "PUT /contacts/{id}";
        let mut state = self.lock();
        if state.options.forbid_duplicates
            && let Some(dup) = write::duplicate_of(
                &state.account,
                write.email.as_deref(),
                write.phone.as_deref(),
                Some(id),
            )
        {
            return Err(duplicate_error(ENDPOINT, &dup));
        }
        let (contact, fields) = state.contact_mut(ENDPOINT, id)?;
        write::apply_contact_write(contact, write, fields);
        Ok(contact.clone())
    }

    fn create_custom_field_now(&self, field: &NewCustomField) -> ApiResult<CustomField> {
        let mut state = self.lock();
        let State { account, ids, .. } = &mut *state;
        let mut created = write::new_custom_field(&account.custom_fields, field)
            .map_err(|message| refused("POST /locations/{id}/customFields", message))?;
        created.id = ids.next(|id| account.custom_fields.iter().any(|f| f.id == id));
        account.custom_fields.push(created.clone());
        Ok(created)
    }

    fn create_opportunity_now(&self, new: &NewOpportunity) -> ApiResult<Opportunity> {
        let mut state = self.lock();
        let state = &mut *state;
        let mut created =
            write::new_opportunity(&state.account, new, |id| state.contact_at.contains_key(id))
                .map_err(|message| refused("POST /opportunities/", message))?;
        let taken = &state.opportunity_ids;
        created.id = state.ids.next(|id| taken.contains(id));
        state.opportunity_ids.insert(created.id.clone());
        state.account.opportunities.push(created.clone());
        Ok(created)
    }
}

impl State {
    /// Stores a new contact built from a write, with a fresh id and `dateAdded`.
    fn insert_contact(&mut self, write: &ContactWrite) -> Contact {
        let State {
            account,
            ids,
            clock_ms,
            contact_at,
            ..
        } = self;
        *clock_ms += 1000;
        let mut contact = Contact {
            id: ids.next(|id| contact_at.contains_key(id)),
            date_added: Some(iso(*clock_ms)),
            ..Contact::default()
        };
        write::apply_contact_write(&mut contact, write, &account.custom_fields);
        contact.tags = write::union_tags(&[], &write.tags);
        contact_at.insert(contact.id.clone(), account.contacts.len());
        account.contacts.push(contact.clone());
        contact
    }

    /// A contact to change, and the location's custom fields (which its values refer to).
    fn contact_mut(
        &mut self,
        endpoint: &str,
        id: &str,
    ) -> ApiResult<(&mut Contact, &[CustomField])> {
        let i = *self
            .contact_at
            .get(id)
            .ok_or_else(|| not_found(endpoint, id))?;
        let Account {
            contacts,
            custom_fields,
            ..
        } = &mut self.account;
        Ok((&mut contacts[i], custom_fields))
    }
}

/// A refusal of this object (HTTP 400).
fn refused(endpoint: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(ApiErrorKind::Permanent, endpoint, message).with_status(400)
}

fn not_found(endpoint: &str, id: &str) -> ApiError {
    refused(endpoint, format!("Contact with id {id} not found"))
}

fn duplicate_error(endpoint: &str, dup: &Duplicate) -> ApiError {
    let mut err = refused(endpoint, DUPLICATE_MESSAGE);
    err.existing_id = Some(dup.contact_id.clone());
    err
}

impl Ghl for MemoryAccount {
    async fn location(&self) -> ApiResult<Location> {
        Ok(self.read(|a| a.location.clone()))
    }

    async fn custom_fields(&self) -> ApiResult<Vec<CustomField>> {
        Ok(self.read(|a| a.custom_fields.clone()))
    }

    async fn pipelines(&self) -> ApiResult<Vec<Pipeline>> {
        Ok(self.read(|a| a.pipelines.clone()))
    }

    async fn users(&self) -> ApiResult<Vec<User>> {
        Ok(self.read(|a| a.users.clone()))
    }

    async fn contacts(&self) -> ApiResult<Vec<Contact>> {
        Ok(self.read(|a| a.contacts.clone()))
    }

    async fn opportunities(&self) -> ApiResult<Vec<Opportunity>> {
        Ok(self.read(|a| a.opportunities.clone()))
    }

    async fn create_custom_field(&self, field: &NewCustomField) -> ApiResult<CustomField> {
        self.create_custom_field_now(field)
    }

    async fn create_contact(&self, contact: &ContactWrite) -> ApiResult<Contact> {
        self.create_contact_now(contact)
    }

    async fn update_contact(&self, id: &str, contact: &ContactWrite) -> ApiResult<Contact> {
        self.update_contact_now(id, contact)
    }

    async fn add_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        self.add_tags(id, tags).map(|_| ())
    }

    async fn create_opportunity(&self, opportunity: &NewOpportunity) -> ApiResult<Opportunity> {
        self.create_opportunity_now(opportunity)
    }

    async fn find_contacts(&self, key: &ContactKey) -> ApiResult<Vec<Contact>> {
        Ok(self.read(|a| {
            a.contacts
                .iter()
                .filter(|c| write::matches_key(c, key))
                .cloned()
                .collect()
        }))
    }

    async fn get_contact(&self, id: &str) -> ApiResult<Option<Contact>> {
        Ok(self.contact(id))
    }

    async fn get_opportunity(&self, id: &str, _pipeline: &str) -> ApiResult<Option<Opportunity>> {
        Ok(self.read(|a| a.opportunities.iter().find(|o| o.id == id).cloned()))
    }

    async fn find_opportunities(
        &self,
        contact_id: &str,
        pipeline_id: &str,
    ) -> ApiResult<Vec<Opportunity>> {
        Ok(self.read(|a| {
            a.opportunities
                .iter()
                .filter(|o| o.contact_id == contact_id && o.pipeline_id == pipeline_id)
                .cloned()
                .collect()
        }))
    }

    async fn create_pipeline(&self, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        self.create_pipeline_now(&pipeline.into())
    }

    async fn update_pipeline(&self, id: &str, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        self.update_pipeline_now(id, &pipeline.into())
    }

    async fn get_pipeline(&self, id: &str) -> ApiResult<Option<Pipeline>> {
        Ok(self.pipeline(id))
    }

    async fn workflows(&self) -> ApiResult<Vec<Workflow>> {
        Ok(self.read(|a| a.workflows.clone().unwrap_or_default()))
    }

    async fn contact_notes(&self, contact_id: &str) -> ApiResult<Vec<Note>> {
        Ok(self.notes_of(contact_id))
    }

    async fn contact_tasks(&self, contact_id: &str) -> ApiResult<Vec<Task>> {
        Ok(self.tasks_of(contact_id))
    }

    async fn location_tasks(&self) -> ApiResult<Option<Vec<Task>>> {
        Ok(Some(self.read(|a| a.tasks.clone())))
    }

    async fn create_note(&self, contact_id: &str, note: &NewNote) -> ApiResult<Note> {
        self.create_note_now(contact_id, note)
    }

    async fn create_task(&self, contact_id: &str, task: &NewTask) -> ApiResult<Task> {
        self.create_task_now(contact_id, task)
    }

    async fn delete(&self, what: &Doomed) -> ApiResult<Deleted> {
        Ok(self.delete_now(what))
    }

    async fn remove_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        self.remove_tags(id, tags).map(|_| ())
    }
}

#[cfg(test)]
mod tests;

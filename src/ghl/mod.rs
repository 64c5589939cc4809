//! The network boundary: one trait that every account implements (live V1 and V2 clients,
//! the in-memory fixture account), so planning and the executor are written once.

pub mod accounts;
pub mod delete;
pub mod error;
pub mod history;
pub mod http;
pub mod lag_probe;
pub mod lanes;
pub mod limits_probe;
pub mod live_shapes;
pub mod memory;
pub mod payload;
pub mod probe;
pub mod ratelimit;
pub mod redact;
pub mod remote;
pub mod v1;
pub mod v1_shapes;
pub mod v2;
pub mod wire;

use std::future::Future;

pub use delete::{Deleted, Doomed};
pub use error::{ApiError, ApiErrorKind};
pub use history::{NewNote, NewTask};
pub use payload::{
    ContactWrite, CustomFieldWrite, NewCustomField, NewOpportunity, PipelineWrite, StageWrite,
};

use crate::model::{
    Account, Contact, CustomField, Location, Note, Opportunity, Pipeline, Task, User, Workflow,
};

/// Result of every call across the network boundary.
pub type ApiResult<T> = Result<T, ApiError>;

/// What identifies a contact in the target when looking it up (reconciliation, duplicates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactKey {
    /// Lowercased, trimmed email.
    pub email: Option<String>,
    /// E.164 phone.
    pub phone: Option<String>,
}

/// A GoHighLevel location as seen through its API (or a fixture standing in for one).
///
/// Every method is one logical operation; implementations page, retry and pace internally.
/// Futures are `Send` so the executor may drive many at once.
pub trait Ghl: Send + Sync {
    fn location(&self) -> impl Future<Output = ApiResult<Location>> + Send;
    fn custom_fields(&self) -> impl Future<Output = ApiResult<Vec<CustomField>>> + Send;
    fn pipelines(&self) -> impl Future<Output = ApiResult<Vec<Pipeline>>> + Send;
    fn users(&self) -> impl Future<Output = ApiResult<Vec<User>>> + Send;
    /// Every contact of the location, all pages.
    fn contacts(&self) -> impl Future<Output = ApiResult<Vec<Contact>>> + Send;
    /// Every opportunity of the location, all pipelines and pages.
    fn opportunities(&self) -> impl Future<Output = ApiResult<Vec<Opportunity>>> + Send;

    fn create_custom_field(
        &self,
        field: &NewCustomField,
    ) -> impl Future<Output = ApiResult<CustomField>> + Send;
    /// `POST /contacts/`: creates one contact.
    fn create_contact(
        &self,
        contact: &ContactWrite,
    ) -> impl Future<Output = ApiResult<Contact>> + Send;
    /// `PUT /contacts/{id}` with only the given fields. Never carries tags (they would replace).
    fn update_contact(
        &self,
        id: &str,
        contact: &ContactWrite,
    ) -> impl Future<Output = ApiResult<Contact>> + Send;
    /// `POST /contacts/{id}/tags`: adds tags, keeps the others.
    fn add_contact_tags(
        &self,
        id: &str,
        tags: &[String],
    ) -> impl Future<Output = ApiResult<()>> + Send;
    fn create_opportunity(
        &self,
        opportunity: &NewOpportunity,
    ) -> impl Future<Output = ApiResult<Opportunity>> + Send;

    /// Contacts matching an email or phone (the duplicate search), for reconciliation.
    fn find_contacts(
        &self,
        key: &ContactKey,
    ) -> impl Future<Output = ApiResult<Vec<Contact>>> + Send;
    /// One contact by id; `None` when it does not exist.
    fn get_contact(&self, id: &str) -> impl Future<Output = ApiResult<Option<Contact>>> + Send;
    /// One opportunity by id (a read that is right at once, unlike the search); `None` when
    /// it does not exist. `pipeline_id` is the pipeline it was created in (V1 reads by pipeline).
    fn get_opportunity(
        &self,
        id: &str,
        pipeline_id: &str,
    ) -> impl Future<Output = ApiResult<Option<Opportunity>>> + Send;
    /// The opportunities of one contact in one pipeline, for reconciliation.
    fn find_opportunities(
        &self,
        contact_id: &str,
        pipeline_id: &str,
    ) -> impl Future<Output = ApiResult<Vec<Opportunity>>> + Send;

    /// `POST /opportunities/pipelines`: a new pipeline with its stages (scope `pipelines.create`).
    fn create_pipeline(
        &self,
        pipeline: &PipelineWrite,
    ) -> impl Future<Output = ApiResult<Pipeline>> + Send;
    /// `PUT /opportunities/pipelines/{id}`: **replaces** the name and the whole stage list (scope
    /// `pipelines.write`). Never called with a list that leaves out an existing stage.
    fn update_pipeline(
        &self,
        id: &str,
        pipeline: &PipelineWrite,
    ) -> impl Future<Output = ApiResult<Pipeline>> + Send;
    /// One pipeline as it is now; `None` when it does not exist.
    fn get_pipeline(&self, id: &str) -> impl Future<Output = ApiResult<Option<Pipeline>>> + Send {
        async move {
            let all = self.pipelines().await?;
            Ok(all.into_iter().find(|p| p.id == id))
        }
    }
    /// The location's workflows (`GET /workflows/`, read-only).
    fn workflows(&self) -> impl Future<Output = ApiResult<Vec<Workflow>>> + Send;
    /// The run is stopping: send nothing more. Requests still waiting (for the rate limiter, or
    /// to be retried) fail without being sent; those already sent settle. An account with no
    /// waits (in memory) has nothing to do.
    fn stop_sending(&self) {}
    /// `GET /contacts/{id}/notes`: every note of one contact (the list has no paging).
    fn contact_notes(&self, contact_id: &str) -> impl Future<Output = ApiResult<Vec<Note>>> + Send;
    /// `GET /contacts/{id}/tasks`: every task of one contact.
    fn contact_tasks(&self, contact_id: &str) -> impl Future<Output = ApiResult<Vec<Task>>> + Send;
    /// Every task of the location through the location-wide search, all pages; `None` when
    /// the API has no such search (V1: tasks are read contact by contact).
    fn location_tasks(&self) -> impl Future<Output = ApiResult<Option<Vec<Task>>>> + Send;
    /// `POST /contacts/{id}/notes`.
    fn create_note(
        &self,
        contact_id: &str,
        note: &NewNote,
    ) -> impl Future<Output = ApiResult<Note>> + Send;
    /// `POST /contacts/{id}/tasks`.
    fn create_task(
        &self,
        contact_id: &str,
        task: &NewTask,
    ) -> impl Future<Output = ApiResult<Task>> + Send;
    /// Deletes one object (`undo`); `AlreadyGone` when it was not there.
    fn delete(&self, what: &Doomed) -> impl Future<Output = ApiResult<Deleted>> + Send {
        let endpoint = format!("DELETE {}", what.kind());
        async move { Err(delete::unsupported(&endpoint)) }
    }
    /// `DELETE /contacts/{id}/tags`: removes these tags, keeps the others (`undo`).
    fn remove_contact_tags(
        &self,
        id: &str,
        tags: &[String],
    ) -> impl Future<Output = ApiResult<()>> + Send {
        let _ = (id, tags);
        async move { Err(delete::unsupported("DELETE /contacts/{id}/tags")) }
    }
    /// Whether `what` is still there, by reads that are right at once (by id, or the
    /// contact's own list), never by a search.
    fn exists(&self, what: &Doomed) -> impl Future<Output = ApiResult<bool>> + Send {
        async move {
            Ok(match what {
                Doomed::Contact { id } => self.get_contact(id).await?.is_some(),
                Doomed::Opportunity { id, pipeline_id } => {
                    self.get_opportunity(id, pipeline_id).await?.is_some()
                }
                Doomed::CustomField { id } => {
                    self.custom_fields().await?.iter().any(|f| &f.id == id)
                }
                Doomed::Note { contact_id, id } => match self.get_contact(contact_id).await? {
                    None => false,
                    Some(_) => self
                        .contact_notes(contact_id)
                        .await?
                        .iter()
                        .any(|n| &n.id == id),
                },
                Doomed::Task { contact_id, id } => match self.get_contact(contact_id).await? {
                    None => false,
                    Some(_) => self
                        .contact_tasks(contact_id)
                        .await?
                        .iter()
                        .any(|t| &t.id == id),
                },
            })
        }
    }
}

/// Reads a whole account; the reads run concurrently within the account's own limiter.
pub async fn snapshot<G: Ghl>(ghl: &G) -> ApiResult<Account> {
    let (location, custom_fields, pipelines, users, contacts, opportunities) = futures::try_join!(
        ghl.location(),
        ghl.custom_fields(),
        ghl.pipelines(),
        ghl.users(),
        ghl.contacts(),
        ghl.opportunities(),
    )?;
    Ok(Account {
        location,
        custom_fields,
        pipelines,
        users,
        contacts,
        opportunities,
        workflows: None,
        access: Default::default(),
        // A contact's history is read for the contacts a plan needs, not for the whole
        // location: see [`history::read`].
        notes: vec![],
        tasks: vec![],
    })
}

//! The network boundary: one trait that every account implements (live V1 and V2 clients,
//! the in-memory fixture account), so planning and the executor are written once.

pub mod accounts;
pub mod error;
pub mod http;
pub mod lag_probe;
pub mod lanes;
pub mod limits_probe;
pub mod memory;
pub mod payload;
pub mod probe;
pub mod ratelimit;
pub mod remote;
pub mod v1;
pub mod v1_shapes;
pub mod v2;
pub mod wire;

use std::future::Future;

pub use error::{ApiError, ApiErrorKind};
pub use payload::{ContactWrite, CustomFieldWrite, NewCustomField, NewOpportunity};

use crate::model::{Account, Contact, CustomField, Location, Opportunity, Pipeline, User};

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
    /// The opportunities of one contact in one pipeline, for reconciliation.
    fn find_opportunities(
        &self,
        contact_id: &str,
        pipeline_id: &str,
    ) -> impl Future<Output = ApiResult<Vec<Opportunity>>> + Send;
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
    })
}

//! The live V2 client (`services.leadconnectorhq.com`, `Version: 2021-07-28`): the [`Ghl`]
//! trait over the official routes, paging every list to its end.

mod history;

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::OnceCell;

mod pipelines;

pub use pipelines::{create_body as create_pipeline_body, update_body as update_pipeline_body};

use super::delete;
use super::http::{Http, Request};
use super::live_shapes;
use super::wire::{self, array, convert, convert_all, member, segment, with_location};
use super::{
    ApiError, ApiResult, ContactKey, ContactWrite, Ghl, NewCustomField, NewNote, NewOpportunity,
    NewTask, PipelineWrite,
};
use super::{Deleted, Doomed};
use crate::model::{
    Contact, CustomField, Location, Note, Opportunity, Pipeline, Task, User, Workflow,
};

/// The `Version` header for contacts, opportunities, locations and users.
pub const VERSION: &str = "2021-07-28";

/// Contacts per `POST /contacts/search` page (the API's maximum).
pub const CONTACT_PAGE: usize = 500;

/// Opportunities per `GET /opportunities/search` page (the API's maximum).
pub const OPPORTUNITY_PAGE: usize = 100;

/// Users per `GET /users/search` page.
pub const USER_PAGE: usize = 100;

/// A V2 location reached with a Private Integration Token or OAuth token.
#[derive(Debug, Clone)]
pub struct V2 {
    http: Http,
    location_id: String,
    /// The `GET /locations/{id}` answer, read once: the location and the `companyId` the users
    /// search needs.
    location_answer: Arc<OnceCell<Value>>,
}

impl V2 {
    /// `http` must send the `Version` header (see [`VERSION`]).
    pub fn new(http: Http, location_id: impl Into<String>) -> Self {
        V2 {
            http,
            location_id: location_id.into(),
            location_answer: Arc::new(OnceCell::new()),
        }
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// The location's answer (`{location: {...}}`), read once.
    async fn location_answer(&self) -> ApiResult<(String, &Value)> {
        let req = Request::get(format!("/locations/{}", segment(&self.location_id)));
        let endpoint = req.endpoint();
        let body = self
            .location_answer
            .get_or_try_init(|| self.http.send(&req))
            .await?;
        Ok((endpoint, body))
    }

    /// `GET /users/search?companyId&locationId`, paged by `skip` while pages come back full.
    async fn search_users(&self) -> ApiResult<Vec<User>> {
        let (at, body) = self.location_answer().await?;
        let company = member(&at, member(&at, body, "location")?, "companyId")?
            .as_str()
            .ok_or_else(|| wire::shape_error(&at, "`location.companyId` is not text"))?
            .to_string();
        let mut all: Vec<User> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        loop {
            let req = Request::get("/users/search")
                .query("companyId", &company)
                .query("locationId", &self.location_id)
                .query("skip", all.len().to_string())
                .query("limit", USER_PAGE.to_string());
            let endpoint = req.endpoint();
            let body = self.http.send(&req).await?;
            let page: Vec<User> =
                convert_all(&endpoint, "user", array(&endpoint, &body, "users")?)?;
            let got = page.len();
            // A server that ignores `skip` answers the same page forever: an error (the
            // deprecated route is tried next), never an endless loop or a duplicate.
            if let Some(again) = page.iter().find(|u| !seen.insert(u.id.clone())) {
                return Err(wire::shape_error(
                    &endpoint,
                    format!(
                        "user {} comes back on a later page (`skip` ignored?)",
                        again.id
                    ),
                ));
            }
            all.extend(page);
            if !wire::more_pages(got, USER_PAGE, all.len(), None) {
                return Ok(all);
            }
        }
    }

    /// The deprecated `GET /users/?locationId` (gone from the official SDK 3.0).
    async fn legacy_users(&self) -> ApiResult<Vec<User>> {
        let req = Request::get("/users/").query("locationId", &self.location_id);
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(&endpoint, "user", array(&endpoint, &body, "users")?)
    }

    /// Every opportunity matching the extra query pairs, of every status, following `meta` page
    /// by page.
    async fn search_opportunities(&self, filters: &[(&str, &str)]) -> ApiResult<Vec<Opportunity>> {
        let mut first = Request::get("/opportunities/search")
            .query("location_id", &self.location_id)
            .query("status", "all")
            .query("limit", OPPORTUNITY_PAGE.to_string());
        for (k, v) in filters {
            first = first.query(k, *v);
        }
        let (endpoint, items) =
            wire::all_meta_pages(&self.http, &first, "opportunities", OPPORTUNITY_PAGE).await?;
        items
            .iter()
            .map(|o| read_opportunity(&endpoint, o))
            .collect()
    }

    /// `GET /contacts/search/duplicate` with one key (`email` or `number`).
    async fn duplicate(&self, param: &str, value: &str) -> ApiResult<Option<Contact>> {
        let req = Request::get("/contacts/search/duplicate")
            .query("locationId", &self.location_id)
            .query(param, value);
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        // The miss is 200 `{"contact": null}`; an answer without the key is no known shape,
        // and reading it as a miss would send an in-doubt create again.
        match body.get("contact") {
            Some(Value::Null) => Ok(None),
            None => Err(wire::shape_error(
                &endpoint,
                format!(
                    "the answer has no `contact` (not even null): {}",
                    live_shapes::describe(&body)
                ),
            )),
            Some(c) => read_contact(&endpoint, c).map(Some),
        }
    }
}

/// One contact of any contact answer, in the model's shape (see [`live_shapes`]).
fn read_contact(endpoint: &str, raw: &Value) -> ApiResult<Contact> {
    let normal =
        live_shapes::contact(raw).map_err(|e| wire::shape_error(endpoint, e.to_string()))?;
    convert(endpoint, "contact", &normal)
}

/// One opportunity of any opportunity answer, in the model's shape.
fn read_opportunity(endpoint: &str, raw: &Value) -> ApiResult<Opportunity> {
    let normal =
        live_shapes::opportunity(raw).map_err(|e| wire::shape_error(endpoint, e.to_string()))?;
    convert(endpoint, "opportunity", &normal)
}

/// A contact-write body for `PUT`: never `tags` (they would replace every tag).
fn update_body(contact: &ContactWrite) -> Value {
    let mut body = serde_json::to_value(contact).unwrap_or_default();
    if let Value::Object(map) = &mut body {
        map.remove("tags");
    }
    body
}

fn body_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// The request bodies the V2 client sends, exposed for the OpenAPI conformance test.
pub mod bodies {
    use super::*;

    pub fn create_contact(contact: &ContactWrite, location_id: &str) -> Value {
        with_location(body_of(contact), location_id)
    }

    pub fn update_contact(contact: &ContactWrite) -> Value {
        update_body(contact)
    }

    pub fn add_tags(tags: &[String]) -> Value {
        json!({ "tags": tags })
    }

    pub fn create_custom_field(field: &NewCustomField) -> Value {
        body_of(field)
    }

    pub fn create_opportunity(opportunity: &NewOpportunity, location_id: &str) -> Value {
        with_location(body_of(opportunity), location_id)
    }

    pub fn search_contacts(location_id: &str, search_after: Option<&Value>) -> Value {
        let mut body = json!({ "locationId": location_id, "pageLimit": CONTACT_PAGE });
        if let Some(after) = search_after {
            body["searchAfter"] = after.clone();
        }
        body
    }
}

impl Ghl for V2 {
    async fn location(&self) -> ApiResult<Location> {
        let (endpoint, body) = self.location_answer().await?;
        convert(&endpoint, "location", member(&endpoint, body, "location")?)
    }

    async fn custom_fields(&self) -> ApiResult<Vec<CustomField>> {
        let req = Request::get(format!(
            "/locations/{}/customFields",
            segment(&self.location_id)
        ))
        .query("model", "all");
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(
            &endpoint,
            "custom field",
            array(&endpoint, &body, "customFields")?,
        )
    }

    async fn pipelines(&self) -> ApiResult<Vec<Pipeline>> {
        let req = Request::get("/opportunities/pipelines").query("locationId", &self.location_id);
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(&endpoint, "pipeline", array(&endpoint, &body, "pipelines")?)
    }

    /// Through `/users/search` (with the location's `companyId`); the deprecated `/users/`
    /// when that fails for another reason than a stop; an error naming both when both fail.
    async fn users(&self) -> ApiResult<Vec<User>> {
        let searched = match self.search_users().await {
            Ok(users) => return Ok(users),
            Err(e) if e.is_resumable_stop() => return Err(e),
            Err(e) => e,
        };
        self.legacy_users().await.map_err(|legacy| ApiError {
            message: format!(
                "{}; and before it, {searched} (the users are read through /users/search, then \
                 the deprecated /users/; check the token's users.readonly scope)",
                legacy.message
            ),
            ..legacy
        })
    }

    async fn contacts(&self) -> ApiResult<Vec<Contact>> {
        let mut all: Vec<Contact> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut after: Option<Value> = None;
        loop {
            let req = Request::search(
                "/contacts/search",
                bodies::search_contacts(&self.location_id, after.as_ref()),
            );
            let endpoint = req.endpoint();
            let body = self.http.send(&req).await?;
            let page = array(&endpoint, &body, "contacts")?;
            for c in page {
                let contact = read_contact(&endpoint, c)?;
                // Pages that come back again (a cursor cycle, an ignored `searchAfter`) are an
                // error, never an endless loop or a contact read twice.
                if !seen.insert(contact.id.clone()) {
                    return Err(wire::shape_error(
                        &endpoint,
                        format!("contact {} comes back on a later page", contact.id),
                    ));
                }
                all.push(contact);
            }
            let total = body.get("total").and_then(Value::as_u64);
            if !wire::more_pages(page.len(), CONTACT_PAGE, all.len(), total) {
                break;
            }
            let next = page
                .last()
                .and_then(|c| c.get("searchAfter"))
                .filter(|v| !v.is_null())
                .cloned()
                .ok_or_else(|| {
                    wire::shape_error(
                        &endpoint,
                        "a full page whose last contact has no `searchAfter`",
                    )
                })?;
            if after.as_ref() == Some(&next) {
                return Err(wire::shape_error(
                    &endpoint,
                    "the page cursor (searchAfter) repeats",
                ));
            }
            after = Some(next);
        }
        Ok(all)
    }

    async fn opportunities(&self) -> ApiResult<Vec<Opportunity>> {
        self.search_opportunities(&[]).await
    }

    async fn create_custom_field(&self, field: &NewCustomField) -> ApiResult<CustomField> {
        let req = Request::post(
            format!("/locations/{}/customFields", segment(&self.location_id)),
            bodies::create_custom_field(field),
        );
        self.http
            .write(&req, |at, body| {
                convert(at, "custom field", member(at, body, "customField")?)
            })
            .await
    }

    async fn create_contact(&self, contact: &ContactWrite) -> ApiResult<Contact> {
        let req = Request::post(
            "/contacts/",
            bodies::create_contact(contact, &self.location_id),
        );
        self.http
            .write(&req, |at, body| {
                read_contact(at, member(at, body, "contact")?)
            })
            .await
    }

    async fn update_contact(&self, id: &str, contact: &ContactWrite) -> ApiResult<Contact> {
        let req = Request::put(
            format!("/contacts/{}", segment(id)),
            bodies::update_contact(contact),
        );
        self.http
            .write(&req, |at, body| {
                read_contact(at, member(at, body, "contact")?)
            })
            .await
    }

    async fn add_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        let req = Request::post(
            format!("/contacts/{}/tags", segment(id)),
            bodies::add_tags(tags),
        );
        self.http.write(&req, |_, _| Ok(())).await
    }

    async fn create_opportunity(&self, opportunity: &NewOpportunity) -> ApiResult<Opportunity> {
        let req = Request::post(
            "/opportunities/",
            bodies::create_opportunity(opportunity, &self.location_id),
        );
        self.http
            .write(&req, |at, body| {
                read_opportunity(at, member(at, body, "opportunity")?)
            })
            .await
    }

    async fn find_contacts(&self, key: &ContactKey) -> ApiResult<Vec<Contact>> {
        let mut found: Vec<Contact> = Vec::new();
        if let Some(email) = key.email.as_deref().filter(|e| !e.is_empty())
            && let Some(c) = self.duplicate("email", email).await?
        {
            found.push(c);
        }
        if let Some(phone) = key.phone.as_deref().filter(|p| !p.is_empty())
            && let Some(c) = self.duplicate("number", phone).await?
            && !found.iter().any(|f| f.id == c.id)
        {
            found.push(c);
        }
        Ok(found)
    }

    async fn get_contact(&self, id: &str) -> ApiResult<Option<Contact>> {
        let req = Request::get(format!("/contacts/{}", segment(id)));
        let endpoint = req.endpoint();
        match self.http.send(&req).await {
            Ok(body) => read_contact(&endpoint, member(&endpoint, &body, "contact")?).map(Some),
            Err(e) if wire::is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get_opportunity(&self, id: &str, _pipeline: &str) -> ApiResult<Option<Opportunity>> {
        let req = Request::get(format!("/opportunities/{}", segment(id)));
        let endpoint = req.endpoint();
        match self.http.send(&req).await {
            Ok(body) => {
                read_opportunity(&endpoint, member(&endpoint, &body, "opportunity")?).map(Some)
            }
            Err(e) if wire::is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn find_opportunities(
        &self,
        contact_id: &str,
        pipeline_id: &str,
    ) -> ApiResult<Vec<Opportunity>> {
        let found = self
            .search_opportunities(&[("contact_id", contact_id), ("pipeline_id", pipeline_id)])
            .await?;
        // A server that ignores a filter must not make us report someone else's opportunity.
        Ok(found
            .into_iter()
            .filter(|o| o.contact_id == contact_id && o.pipeline_id == pipeline_id)
            .collect())
    }

    async fn create_pipeline(&self, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        self.post_pipeline(pipeline).await
    }

    async fn update_pipeline(&self, id: &str, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        self.put_pipeline(id, pipeline).await
    }

    async fn workflows(&self) -> ApiResult<Vec<Workflow>> {
        self.read_workflows().await
    }

    async fn contact_notes(&self, contact_id: &str) -> ApiResult<Vec<Note>> {
        self.notes_of(contact_id).await
    }

    async fn contact_tasks(&self, contact_id: &str) -> ApiResult<Vec<Task>> {
        self.tasks_of(contact_id).await
    }

    async fn location_tasks(&self) -> ApiResult<Option<Vec<Task>>> {
        self.all_tasks().await.map(Some)
    }

    async fn create_note(&self, contact_id: &str, note: &NewNote) -> ApiResult<Note> {
        self.add_note(contact_id, note).await
    }

    async fn create_task(&self, contact_id: &str, task: &NewTask) -> ApiResult<Task> {
        self.add_task(contact_id, task).await
    }

    async fn delete(&self, what: &Doomed) -> ApiResult<Deleted> {
        delete::send(&self.http, &delete::v2_request(what, &self.location_id)).await
    }

    async fn remove_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        let req = Request::delete(format!("/contacts/{}/tags", segment(id)))
            .with_body(bodies::add_tags(tags));
        self.http.send(&req).await.map(|_| ())
    }
}

//! The live V1 client (`rest.gohighlevel.com/v1`, a location API key). V1 has reached
//! end-of-support at GoHighLevel; it is here to migrate *from* old accounts. Shapes are
//! converted to and from the model by [`super::v1_shapes`].
//!
//! Beware: V1's `POST /contacts/` upserts on an email or phone match, so a "create" can
//! update an existing contact; the executor looks contacts up before creating them.

pub mod history;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::try_join_all;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use super::delete;
use super::http::{Http, Request};
use super::v1_shapes::{self, Tags};
use super::wire::{self, array, convert, convert_all, member, segment};
use super::{
    ApiError, ApiErrorKind, ApiResult, ContactKey, ContactWrite, Ghl, NewCustomField, NewNote,
    NewOpportunity, NewTask, PipelineWrite,
};
use super::{Deleted, Doomed};
use crate::model::{
    Contact, CustomField, DataType, Location, Note, Opportunity, Pipeline, Task, User, Workflow,
};

/// Records per V1 list page (the API's maximum).
pub const PAGE: usize = 100;

/// What `check` prints about V1.
pub const END_OF_SUPPORT: &str = "GoHighLevel API V1 has reached end-of-support: existing keys \
     keep working unsupported and new keys are no longer issued; move to V2 with a Private \
     Integration Token (`api: v2`)";

/// A V1 location reached with its location API key.
#[derive(Debug)]
pub struct V1 {
    http: Http,
    location_id: String,
    /// The first custom-field read, shared by `custom_fields` and the contact conversion
    /// (which needs the DATE fields), so a snapshot reads the fields once.
    first_fields: OnceCell<Vec<CustomField>>,
    first_fields_taken: AtomicBool,
    /// The pipelines, read once: V1 cannot create them, and opportunities are listed per pipeline.
    pipelines: OnceCell<Vec<Pipeline>>,
}

impl V1 {
    pub fn new(http: Http, location_id: impl Into<String>) -> Self {
        V1 {
            http,
            location_id: location_id.into(),
            first_fields: OnceCell::new(),
            first_fields_taken: AtomicBool::new(false),
            pipelines: OnceCell::new(),
        }
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// The ids of the DATE custom fields (from the first field read).
    async fn date_fields(&self) -> ApiResult<BTreeSet<String>> {
        let fields = self
            .first_fields
            .get_or_try_init(|| self.read_custom_fields())
            .await?;
        Ok(fields
            .iter()
            .filter(|f| f.data_type == DataType::Date)
            .map(|f| f.id.clone())
            .collect())
    }

    async fn read_custom_fields(&self) -> ApiResult<Vec<CustomField>> {
        let req = Request::get("/custom-fields/");
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(
            &endpoint,
            "custom field",
            array(&endpoint, &body, "customFields")?,
        )
    }

    async fn read_pipelines(&self) -> ApiResult<Vec<Pipeline>> {
        let req = Request::get("/pipelines/");
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(&endpoint, "pipeline", array(&endpoint, &body, "pipelines")?)
    }

    /// Pages a V1 list (`limit`, `startAfter`, `startAfterId`, `meta.total`) to its end.
    async fn list_all(&self, path: &str, key: &str) -> ApiResult<(String, Vec<Value>)> {
        let first = Request::get(path).query("limit", PAGE.to_string());
        wire::all_meta_pages(&self.http, &first, key, PAGE).await
    }

    /// `GET /locations/{id}`, without a fallback (for `check`).
    pub async fn read_location(&self) -> ApiResult<Location> {
        let req = Request::get(format!("/locations/{}", segment(&self.location_id)));
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert(&endpoint, "location", created(&body, "location"))
    }

    async fn pipeline_opportunities(&self, pipeline_id: &str) -> ApiResult<Vec<Opportunity>> {
        let path = format!("/pipelines/{}/opportunities", segment(pipeline_id));
        let (endpoint, raw) = self.list_all(&path, "opportunities").await?;
        raw.iter()
            .map(|o| {
                convert(
                    &endpoint,
                    "opportunity",
                    &v1_shapes::opportunity_from_v1(o, pipeline_id),
                )
            })
            .collect()
    }

    async fn contact_of(&self, endpoint: &str, raw: &Value) -> ApiResult<Contact> {
        let dates = self.date_fields().await?;
        convert(
            endpoint,
            "contact",
            &v1_shapes::contact_from_v1(raw, &dates),
        )
    }

    async fn lookup(&self, param: &str, value: &str) -> ApiResult<Vec<Contact>> {
        let req = Request::get("/contacts/lookup").query(param, value);
        let endpoint = req.endpoint();
        let body = match self.http.send(&req).await {
            Ok(body) => body,
            Err(e) if wire::is_not_found(&e) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for raw in array(&endpoint, &body, "contacts")? {
            out.push(self.contact_of(&endpoint, raw).await?);
        }
        Ok(out)
    }
}

/// The contact a V1 contact write answers with, in the model's shape.
fn contact_answer(endpoint: &str, body: &Value, dates: &BTreeSet<String>) -> ApiResult<Contact> {
    let raw = member(endpoint, body, "contact")?;
    convert(endpoint, "contact", &v1_shapes::contact_from_v1(raw, dates))
}

/// The object a V1 write answers with: under `key`, or the answer itself.
fn created<'a>(body: &'a Value, key: &str) -> &'a Value {
    body.get(key).filter(|v| v.is_object()).unwrap_or(body)
}

/// The location id inside a V1 API key (a JWT whose payload holds `location_id`), if it is one.
/// Used by `check` to tell a key for another location from a wrong `location_id`.
pub fn key_location(key: &str) -> Option<String> {
    let payload = key.split('.').nth(1)?;
    let bytes = base64url_decode(payload)?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("location_id")
        .or_else(|| claims.get("locationId"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Base64, URL-safe or standard alphabet, padding optional (`serve` reads Basic auth with it).
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

impl Ghl for V1 {
    /// `GET /locations/{id}` (its answer bare or under `location`). A location key may not be
    /// allowed that read: then the configured id stands for the key's own location.
    async fn location(&self) -> ApiResult<Location> {
        match self.read_location().await {
            Ok(location) => Ok(location),
            Err(e) if matches!(e.kind, ApiErrorKind::Auth | ApiErrorKind::Permanent) => {
                Ok(Location {
                    id: self.location_id.clone(),
                    name: String::new(),
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn custom_fields(&self) -> ApiResult<Vec<CustomField>> {
        if !self.first_fields_taken.swap(true, Ordering::SeqCst) {
            return self
                .first_fields
                .get_or_try_init(|| self.read_custom_fields())
                .await
                .cloned();
        }
        self.read_custom_fields().await
    }

    async fn pipelines(&self) -> ApiResult<Vec<Pipeline>> {
        self.pipelines
            .get_or_try_init(|| self.read_pipelines())
            .await
            .cloned()
    }

    async fn users(&self) -> ApiResult<Vec<User>> {
        let req = Request::get("/users/");
        let endpoint = req.endpoint();
        let body = self.http.send(&req).await?;
        convert_all(&endpoint, "user", array(&endpoint, &body, "users")?)
    }

    async fn contacts(&self) -> ApiResult<Vec<Contact>> {
        let dates = self.date_fields().await?;
        let (endpoint, raw) = self.list_all("/contacts/", "contacts").await?;
        raw.iter()
            .map(|c| convert(&endpoint, "contact", &v1_shapes::contact_from_v1(c, &dates)))
            .collect()
    }

    async fn opportunities(&self) -> ApiResult<Vec<Opportunity>> {
        let pipelines = self.pipelines().await?;
        let per_pipeline =
            try_join_all(pipelines.iter().map(|p| self.pipeline_opportunities(&p.id))).await?;
        Ok(per_pipeline.into_iter().flatten().collect())
    }

    async fn create_custom_field(&self, field: &NewCustomField) -> ApiResult<CustomField> {
        let req = Request::post("/custom-fields/", v1_shapes::custom_field_to_v1(field));
        self.http
            .write(&req, |at, body| {
                convert(at, "custom field", created(body, "customField"))
            })
            .await
    }

    async fn create_contact(&self, contact: &ContactWrite) -> ApiResult<Contact> {
        let req = Request::post("/contacts/", v1_shapes::contact_to_v1(contact, Tags::Send));
        let dates = self.date_fields().await?;
        self.http
            .write(&req, |at, body| contact_answer(at, body, &dates))
            .await
    }

    async fn update_contact(&self, id: &str, contact: &ContactWrite) -> ApiResult<Contact> {
        let req = Request::put(
            format!("/contacts/{}", segment(id)),
            v1_shapes::contact_to_v1(contact, Tags::Omit),
        );
        let dates = self.date_fields().await?;
        self.http
            .write(&req, |at, body| contact_answer(at, body, &dates))
            .await
    }

    async fn add_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        let req = Request::post(
            format!("/contacts/{}/tags/", segment(id)),
            json!({ "tags": tags }),
        );
        self.http.write(&req, |_, _| Ok(())).await
    }

    async fn create_opportunity(&self, opportunity: &NewOpportunity) -> ApiResult<Opportunity> {
        let req = Request::post(
            format!(
                "/pipelines/{}/opportunities/",
                segment(&opportunity.pipeline_id)
            ),
            v1_shapes::opportunity_to_v1(opportunity),
        );
        self.http
            .write(&req, |at, body| {
                let raw = v1_shapes::opportunity_from_v1(
                    created(body, "opportunity"),
                    &opportunity.pipeline_id,
                );
                convert(at, "opportunity", &raw)
            })
            .await
    }

    async fn find_contacts(&self, key: &ContactKey) -> ApiResult<Vec<Contact>> {
        let mut found: Vec<Contact> = Vec::new();
        if let Some(email) = key.email.as_deref().filter(|e| !e.is_empty()) {
            found.extend(self.lookup("email", email).await?);
        }
        if let Some(phone) = key.phone.as_deref().filter(|p| !p.is_empty()) {
            for c in self.lookup("phone", phone).await? {
                if !found.iter().any(|f| f.id == c.id) {
                    found.push(c);
                }
            }
        }
        Ok(found)
    }

    async fn get_contact(&self, id: &str) -> ApiResult<Option<Contact>> {
        let req = Request::get(format!("/contacts/{}", segment(id)));
        let endpoint = req.endpoint();
        match self.http.send(&req).await {
            Ok(body) => self
                .contact_of(&endpoint, member(&endpoint, &body, "contact")?)
                .await
                .map(Some),
            Err(e) if wire::is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// V1 reads opportunities per pipeline: the pipeline's list, then the one with this id.
    async fn get_opportunity(&self, id: &str, pipeline_id: &str) -> ApiResult<Option<Opportunity>> {
        if pipeline_id.is_empty() {
            return Ok(self.opportunities().await?.into_iter().find(|o| o.id == id));
        }
        Ok(self
            .pipeline_opportunities(pipeline_id)
            .await?
            .into_iter()
            .find(|o| o.id == id))
    }

    async fn find_opportunities(
        &self,
        contact_id: &str,
        pipeline_id: &str,
    ) -> ApiResult<Vec<Opportunity>> {
        Ok(self
            .pipeline_opportunities(pipeline_id)
            .await?
            .into_iter()
            .filter(|o| o.contact_id == contact_id)
            .collect())
    }

    async fn contact_notes(&self, contact_id: &str) -> ApiResult<Vec<Note>> {
        self.notes_of(contact_id).await
    }

    async fn contact_tasks(&self, contact_id: &str) -> ApiResult<Vec<Task>> {
        self.tasks_of(contact_id).await
    }

    async fn location_tasks(&self) -> ApiResult<Option<Vec<Task>>> {
        Ok(None)
    }

    async fn create_note(&self, contact_id: &str, note: &NewNote) -> ApiResult<Note> {
        self.add_note(contact_id, note).await
    }

    async fn create_task(&self, contact_id: &str, task: &NewTask) -> ApiResult<Task> {
        self.add_task(contact_id, task).await
    }

    async fn delete(&self, what: &Doomed) -> ApiResult<Deleted> {
        delete::send(&self.http, &delete::v1_request(what)).await
    }

    async fn remove_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        let req = Request::delete(format!("/contacts/{}/tags/", segment(id)))
            .with_body(json!({ "tags": tags }));
        self.http.send(&req).await.map(|_| ())
    }

    async fn create_pipeline(&self, _: &PipelineWrite) -> ApiResult<Pipeline> {
        Err(no_v1_route("POST /pipelines/"))
    }

    async fn update_pipeline(&self, id: &str, _: &PipelineWrite) -> ApiResult<Pipeline> {
        Err(no_v1_route(&format!("PUT /pipelines/{id}")))
    }

    async fn workflows(&self) -> ApiResult<Vec<Workflow>> {
        Err(no_v1_route("GET /workflows/"))
    }
}

/// V1 has no route to create or change pipelines, nor to list workflows.
fn no_v1_route(endpoint: &str) -> ApiError {
    ApiError::new(
        ApiErrorKind::Permanent,
        endpoint,
        "the V1 API has no such route (pipelines and workflows are V2 only)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_is_read_from_a_jwt_key() {
        // {"location_id":"ve9EPM428h8vShlRW1KT","version":1}
        let key = "eyJhbGciOiJIUzI1NiJ9.eyJsb2NhdGlvbl9pZCI6InZlOUVQTTQyOGg4dlNobFJXMUtUIiwidmVyc2lvbiI6MX0.sig";
        assert_eq!(key_location(key).as_deref(), Some("ve9EPM428h8vShlRW1KT"));
        assert_eq!(key_location("not-a-jwt"), None);
        assert_eq!(key_location("a.!!!.c"), None);
    }
}

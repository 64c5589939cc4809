//! V2 contact routes: create, read, update, add tags, upsert, the duplicate lookup and the
//! `searchAfter`-paged search.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{known_query, query_location};
use crate::ghl::memory::DUPLICATE_MESSAGE;
use crate::ghl::{ApiError, ContactWrite, Ghl};
use crate::sandbox::app::App;
use crate::sandbox::live;
use crate::sandbox::paging::page_after;
use crate::sandbox::reply::{self, Reply};
use crate::sandbox::shapes::{self, ContactQuery};
use crate::sandbox::validate::{
    self, CREATE_CONTACT, SEARCH_CONTACTS, TAGS, UPDATE_CONTACT, UPSERT_CONTACT,
};

/// The most `pageLimit` may ask for, and how deep `page` paging may go.
const MAX_PAGE_LIMIT: u64 = 500;
const MAX_PAGE_DEPTH: u64 = 10_000;

/// A refused write as the API answers it; a duplicate carries `meta.contactId`.
fn refusal(app: &App, err: &ApiError, write: &ContactWrite) -> Response {
    if err.message == DUPLICATE_MESSAGE
        && let Some(dup) = app
            .memory
            .duplicate_of(write.email.as_deref(), write.phone.as_deref())
    {
        return reply::json(
            StatusCode::BAD_REQUEST,
            json!({
                "statusCode": 400,
                "message": DUPLICATE_MESSAGE,
                "meta": {
                    "contactId": dup.contact_id,
                    "contactName": dup.contact_name,
                    "matchingField": dup.matching_field,
                },
            }),
        );
    }
    reply::bad_request(err.message.clone())
}

fn body_location(app: &App, raw: &Value) -> Result<(), Response> {
    app.check_location(raw["locationId"].as_str().unwrap_or_default())
}

pub async fn create(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let (write, raw): (ContactWrite, _) = validate::decode(&CREATE_CONTACT, &body)?;
    body_location(&app, &raw)?;
    let write = app.stored_contact(write);
    let contact = app
        .memory
        .create_contact(&write)
        .await
        .map_err(|e| refusal(&app, &e, &write))?;
    app.committed();
    Ok(reply::created(
        json!({ "contact": shapes::contact(&contact, &app.location_id) }),
    ))
}

pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    let contact = app
        .memory
        .contact(&id)
        .ok_or_else(|| reply::bad_request(format!("Contact with id {id} not found")))?;
    Ok(reply::ok(
        json!({ "contact": shapes::contact(&contact, &app.location_id) }),
    ))
}

/// Sets the given fields; `tags`, when given, replace every tag (as the spec warns).
pub async fn update(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let (write, raw): (ContactWrite, Value) = validate::decode(&UPDATE_CONTACT, &body)?;
    let write = app.stored_contact(write);
    let mut contact = app
        .memory
        .update_contact(&id, &write)
        .await
        .map_err(|e| refusal(&app, &e, &write))?;
    if raw.get("tags").is_some_and(Value::is_array) {
        contact.tags = app
            .memory
            .replace_tags(&id, &write.tags)
            .map_err(|e| reply::bad_request(e.message))?;
    }
    app.committed();
    Ok(reply::ok(json!({
        "succeded": true,
        "contact": shapes::contact(&contact, &app.location_id),
    })))
}

pub async fn add_tags(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let all = app.add_tags(&id, &body, &TAGS)?;
    Ok(reply::created(json!({ "tags": all })))
}

/// Updates the contact the email (then phone) matches, or creates one;
/// `createNewIfDuplicateAllowed` creates when the location allows duplicates.
pub async fn upsert(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let (write, raw): (ContactWrite, Value) = validate::decode(&UPSERT_CONTACT, &body)?;
    body_location(&app, &raw)?;
    let force_new = raw["createNewIfDuplicateAllowed"].as_bool() == Some(true)
        && !app.memory.options().forbid_duplicates;
    let (new, contact) = if force_new {
        let c = app
            .memory
            .create_contact(&write)
            .await
            .map_err(|e| refusal(&app, &e, &write))?;
        (true, c)
    } else {
        let up = app
            .memory
            .upsert_contact(&write)
            .map_err(|e| refusal(&app, &e, &write))?;
        (up.new, up.contact)
    };
    app.committed();
    Ok(reply::ok(json!({
        "new": new,
        "contact": shapes::contact(&contact, &app.location_id),
        "traceId": format!("sandbox-{}", contact.id),
    })))
}

/// `?locationId&email|number`: `{contact}` (null when none matches).
pub async fn duplicate(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    known_query(&query, &["locationId", "email", "number"])?;
    query_location(&app, &query, "locationId")?;
    let found = app.memory.duplicate_of(
        query.get("email").map(String::as_str),
        query.get("number").map(String::as_str),
    );
    let contact = found
        .filter(|d| app.searchable(&d.contact_id))
        .and_then(|d| app.memory.contact(&d.contact_id))
        .map(|c| shapes::contact(&c, &app.location_id));
    Ok(reply::ok(json!({ "contact": contact })))
}

/// `{locationId, pageLimit, searchAfter?, page?, query?}` -> `{contacts, total}`, ordered by
/// (`dateAdded`, id); each contact carries its `searchAfter` cursor.
pub async fn search(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let value = validate::parse(&body)?;
    let problems = validate::problems(&SEARCH_CONTACTS, &value);
    if !problems.is_empty() {
        return Err(reply::unprocessable(problems));
    }
    body_location(&app, &value)?;
    let limit = value["pageLimit"].as_u64().unwrap_or(20);
    if limit == 0 || limit > MAX_PAGE_LIMIT {
        return Err(reply::unprocessable(vec![format!(
            "pageLimit must not be greater than {MAX_PAGE_LIMIT}"
        )]));
    }
    let cursor = match value.get("searchAfter") {
        None | Some(Value::Null) => None,
        Some(v) => Some(search_after(v)?),
    };
    let page = value["page"].as_u64().unwrap_or(1).max(1);
    if cursor.is_none() && page * limit > MAX_PAGE_DEPTH {
        return Err(reply::bad_request(format!(
            "page * pageLimit must not exceed {MAX_PAGE_DEPTH}; use searchAfter"
        )));
    }
    let filter = ContactQuery::new(value["query"].as_str().unwrap_or_default());
    let skip = if cursor.is_none() {
        (page - 1) * limit
    } else {
        0
    } as usize;
    let cursor = cursor.as_ref().map(|(ts, id)| (*ts, id.as_str()));
    let (contacts, total) = app.memory.read(|a| {
        let matching: Vec<_> = shapes::keyed_contacts(a)
            .into_iter()
            .filter(|k| filter.matches(k.item) && app.searchable(&k.item.id))
            .collect();
        let total = matching.len();
        let (items, _) = page_after(matching, cursor, skip + limit as usize);
        let contacts: Vec<Value> = items
            .into_iter()
            .skip(skip)
            .map(|k| {
                let mut c = shapes::contact(k.item, &a.location.id);
                if !app.spec_shapes {
                    c = live::search_contact(c);
                }
                c["searchAfter"] = json!([k.ts, k.id]);
                c
            })
            .collect();
        (contacts, total)
    });
    Ok(reply::ok(json!({ "contacts": contacts, "total": total })))
}

/// `[timestamp, id]` as sent back from a previous page.
fn search_after(value: &Value) -> Result<(i64, String), Response> {
    let bad = || reply::unprocessable(vec!["searchAfter must be [number, string]".into()]);
    let items = value.as_array().ok_or_else(bad)?;
    match items.as_slice() {
        [ts, id] => Ok((
            ts.as_i64().ok_or_else(bad)?,
            id.as_str().ok_or_else(bad)?.to_string(),
        )),
        _ => Err(bad()),
    }
}

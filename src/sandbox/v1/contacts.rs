//! V1 contact routes: the paged list, lookup, read, the upserting create, update and tags.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::shapes::{self, Meta};
use crate::ghl::{ContactKey, Ghl};
use crate::sandbox::app::App;
use crate::sandbox::paging::page_after;
use crate::sandbox::reply::{self, Reply};
use crate::sandbox::shapes::{ContactQuery, keyed_contacts};
use crate::sandbox::validate::{self, V1_CONTACT, V1_TAGS};

/// `?limit&startAfterId&startAfter&query` -> `{contacts, meta}`, oldest first.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let filter = ContactQuery::new(query.get("query").map_or("", String::as_str));
    let (contacts, last, total, more, list) = app.memory.read(|a| {
        let matching: Vec<_> = keyed_contacts(a)
            .into_iter()
            .filter(|k| filter.matches(k.item))
            .collect();
        let total = matching.len();
        let list = shapes::list_query(&query, &matching);
        let Ok(list) = list else {
            return (Vec::new(), None, total, false, list);
        };
        let cursor = list.cursor.as_ref().map(|(ts, id)| (*ts, id.as_str()));
        let (page, more) = page_after(matching, cursor, list.limit);
        let last = page.last().map(|k| (k.ts, k.id.clone()));
        let contacts: Vec<Value> = page
            .iter()
            .map(|k| shapes::contact(k.item, &a.location.id))
            .collect();
        (contacts, last, total, more, Ok(list))
    });
    let list = list?;
    let meta = shapes::meta(Meta {
        headers: &headers,
        path: "/v1/contacts/".into(),
        limit: list.limit,
        total,
        last,
        more,
    });
    Ok(reply::ok(json!({ "contacts": contacts, "meta": meta })))
}

/// `?email&phone` -> `{contacts}` (empty when none match).
pub async fn lookup(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let key = ContactKey {
        email: query.get("email").cloned().filter(|s| !s.is_empty()),
        phone: query.get("phone").cloned().filter(|s| !s.is_empty()),
    };
    if key.email.is_none() && key.phone.is_none() {
        return Err(reply::unprocessable(vec![
            "email or phone is required".into(),
        ]));
    }
    let found = app.memory.find_contacts(&key).await.unwrap_or_default();
    let contacts: Vec<Value> = found
        .iter()
        .map(|c| shapes::contact(c, &app.location_id))
        .collect();
    Ok(reply::ok(json!({ "contacts": contacts })))
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

/// V1 create upserts: a contact whose email or phone matches is updated instead.
pub async fn create(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let raw = v1_body(&body)?;
    let write = shapes::contact_write(&raw)?;
    if write.email.is_none() && write.phone.is_none() {
        return Err(reply::unprocessable(vec![
            "email or phone is required".into(),
        ]));
    }
    let up = app
        .memory
        .upsert_contact(&write)
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::ok(
        json!({ "contact": shapes::contact(&up.contact, &app.location_id) }),
    ))
}

/// Sets the given fields; `tags`, when given, replace every tag.
pub async fn update(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let raw = v1_body(&body)?;
    let write = shapes::contact_write(&raw)?;
    let mut contact = app
        .memory
        .update_contact(&id, &write)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    if raw.get("tags").is_some_and(Value::is_array) {
        contact.tags = app
            .memory
            .replace_tags(&id, &write.tags)
            .map_err(|e| reply::bad_request(e.message))?;
    }
    app.committed();
    Ok(reply::ok(
        json!({ "contact": shapes::contact(&contact, &app.location_id) }),
    ))
}

pub async fn add_tags(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Reply {
    let all = app.add_tags(&id, &body, &V1_TAGS)?;
    Ok(reply::ok(json!({ "tags": all })))
}

fn v1_body(body: &Bytes) -> Result<Value, axum::response::Response> {
    let raw = validate::parse(body)?;
    let problems = validate::problems(&V1_CONTACT, &raw);
    if problems.is_empty() {
        Ok(raw)
    } else {
        Err(reply::unprocessable(problems))
    }
}

//! V1 record shapes and their conversion to and from the model: contacts read with
//! `customField:[{id,value}]` and written with `customField:{id: value}`; opportunities with
//! an embedded `contact`; list `meta` with `startAfterId`/`startAfter` and `nextPageUrl`.

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::ghl::ContactWrite;
use crate::model::{Account, Contact, Opportunity};
use crate::sandbox::paging::Keyed;
use crate::sandbox::reply;
use crate::sandbox::shapes::object;

/// A contact as V1 returns it.
pub fn contact(contact: &Contact, location_id: &str) -> Value {
    let mut value = object(contact);
    if let Some(map) = value.as_object_mut() {
        let fields = map.remove("customFields").unwrap_or_else(|| json!([]));
        map.insert("customField".into(), fields);
        map.insert("locationId".into(), json!(location_id));
        map.insert("contactName".into(), json!(contact.display_name()));
        map.insert("type".into(), json!("lead"));
    }
    value
}

/// A V1 contact body as the model's write: `customField:{id: value}` becomes
/// `customFields:[{id, field_value}]`.
pub fn contact_write(body: &Value) -> Result<ContactWrite, Response> {
    let mut body: Map<String, Value> = body.as_object().cloned().unwrap_or_default();
    let values: Vec<Value> = match body.remove("customField") {
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(id, v)| json!({"id": id, "field_value": v}))
            .collect(),
        _ => Vec::new(),
    };
    body.insert("customFields".into(), Value::Array(values));
    serde_json::from_value(Value::Object(body))
        .map_err(|e| reply::unprocessable(vec![e.to_string()]))
}

/// An opportunity as V1 returns it.
pub fn opportunity(account: &Account, opportunity: &Opportunity) -> Value {
    let contact = account
        .contacts
        .iter()
        .find(|c| c.id == opportunity.contact_id);
    json!({
        "id": opportunity.id,
        "name": opportunity.name,
        "monetaryValue": opportunity.monetary_value,
        "pipelineId": opportunity.pipeline_id,
        "pipelineStageId": opportunity.pipeline_stage_id,
        "assignedTo": opportunity.assigned_to,
        "status": opportunity.status,
        "contact": contact.map(|c| json!({
            "id": c.id, "name": c.display_name(), "companyName": c.company_name,
            "email": c.email, "phone": c.phone, "tags": c.tags,
        })),
    })
}

/// `limit` (default 20, at most 100) and the cursor `startAfterId`/`startAfter`.
pub struct ListQuery {
    pub limit: usize,
    pub cursor: Option<(i64, String)>,
}

pub fn list_query<T>(
    query: &HashMap<String, String>,
    items: &[Keyed<T>],
) -> Result<ListQuery, Response> {
    let limit = match query.get("limit") {
        None => 20,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| reply::unprocessable(vec!["limit must be 1 to 100".into()]))?,
    };
    let after: Option<i64> = query.get("startAfter").and_then(|s| s.parse().ok());
    let cursor = match query.get("startAfterId").filter(|s| !s.is_empty()) {
        Some(id) => items
            .iter()
            .find(|k| &k.id == id)
            .map(|k| k.ts)
            .or(after)
            .map(|ts| (ts, id.clone())),
        None => after.map(|ts| (ts, "\u{10FFFF}".to_string())),
    };
    Ok(ListQuery { limit, cursor })
}

/// The `meta` of a V1 list page.
pub struct Meta<'a> {
    pub headers: &'a HeaderMap,
    /// The path (with any fixed query) the next page is fetched from.
    pub path: String,
    pub limit: usize,
    pub total: usize,
    pub last: Option<(i64, String)>,
    pub more: bool,
}

pub fn meta(m: Meta<'_>) -> Value {
    let host = m
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let next = match (&m.last, m.more) {
        (Some((ts, id)), true) => Some(format!(
            "http://{host}{}?limit={}&startAfter={ts}&startAfterId={id}",
            m.path, m.limit
        )),
        _ => None,
    };
    json!({
        "total": m.total,
        "nextPageUrl": next,
        "startAfterId": m.last.as_ref().map(|(_, id)| id),
        "startAfter": m.last.as_ref().map(|(ts, _)| ts),
        "currentPage": null,
        "nextPage": null,
        "prevPage": null,
    })
}

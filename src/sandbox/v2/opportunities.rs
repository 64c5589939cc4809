//! V2 opportunity routes: `GET /opportunities/search` (snake_case query under 2021-07-28,
//! camelCase under v3, `meta` paging) and `POST /opportunities/`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::{known_query, query_location};
use crate::ghl::{Ghl, NewOpportunity};
use crate::sandbox::app::App;
use crate::sandbox::paging::page_after;
use crate::sandbox::reply::{self, Reply};
use crate::sandbox::shapes;
use crate::sandbox::validate::{self, CREATE_OPPORTUNITY};

/// The query parameters of `GET /opportunities/search` in version 2021-07-28.
const SEARCH_PARAMS: &[&str] = &[
    "q",
    "location_id",
    "pipeline_id",
    "pipeline_stage_id",
    "contact_id",
    "status",
    "assigned_to",
    "campaignId",
    "id",
    "order",
    "endDate",
    "startAfter",
    "startAfterId",
    "date",
    "country",
    "page",
    "limit",
    "getTasks",
    "getNotes",
    "getCalendarEvents",
];
const MAX_LIMIT: usize = 100;

/// Under `Version: v3` these parameters are camelCase (`locationId`, ...).
const V3_NAMES: &[(&str, &str)] = &[
    ("locationId", "location_id"),
    ("pipelineId", "pipeline_id"),
    ("pipelineStageId", "pipeline_stage_id"),
    ("contactId", "contact_id"),
    ("assignedTo", "assigned_to"),
];

/// The query in 2021-07-28 names: a v3 query is renamed; 422 for the other version's names.
fn in_snake_case(
    headers: &HeaderMap,
    query: HashMap<String, String>,
) -> Result<HashMap<String, String>, Response> {
    let v3 = headers.get("version").and_then(|v| v.to_str().ok()) == Some("v3");
    let mut renamed = HashMap::new();
    let mut wrong = Vec::new();
    for (key, value) in query {
        let camel = V3_NAMES.iter().find(|(c, _)| *c == key);
        let snake = V3_NAMES.iter().find(|(_, s)| *s == key);
        match (v3, camel, snake) {
            (true, Some((_, s)), _) => {
                renamed.insert(s.to_string(), value);
            }
            (true, _, Some(_)) | (false, Some(_), _) => {
                wrong.push(format!("property {key} should not exist"));
            }
            _ => {
                renamed.insert(key, value);
            }
        }
    }
    if wrong.is_empty() {
        Ok(renamed)
    } else {
        Err(reply::unprocessable(wrong))
    }
}

pub async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let query = in_snake_case(&headers, query)?;
    known_query(&query, SEARCH_PARAMS)?;
    query_location(&app, &query, "location_id")?;
    let limit = match query.get("limit") {
        None => 20,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                reply::unprocessable(vec![format!("limit must not be greater than {MAX_LIMIT}")])
            })?,
    };
    let param = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    let (pipeline, stage, contact) = (
        param("pipeline_id"),
        param("pipeline_stage_id"),
        param("contact_id"),
    );
    let status = param("status").filter(|s| s != "all");
    let (last, total, more, values) = app.memory.read(|account| {
        let matching: Vec<_> = shapes::keyed_opportunities(account)
            .into_iter()
            .filter(|k| {
                let o = &k.item;
                app.searchable(&o.id)
                    && pipeline.as_ref().is_none_or(|p| &o.pipeline_id == p)
                    && stage
                        .as_ref()
                        .is_none_or(|s| o.pipeline_stage_id.as_ref() == Some(s))
                    && contact.as_ref().is_none_or(|c| &o.contact_id == c)
                    && status
                        .as_ref()
                        .is_none_or(|s| serde_json::to_value(o.status).ok() == Some(json!(s)))
            })
            .collect();
        let total = matching.len();
        let cursor = cursor(&matching, &query);
        let cursor = cursor.as_ref().map(|(ts, id)| (*ts, id.as_str()));
        let (items, more) = page_after(matching, cursor, limit);
        let values: Vec<Value> = items
            .iter()
            .map(|k| app.v2_opportunity(account, k.item))
            .collect();
        let last = items.last().map(|k| (k.ts, k.id.clone()));
        (last, total, more, values)
    });
    let next_url = match (more, &last) {
        (true, Some((last_ts, last_id))) => {
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            let mut url = format!(
                "http://{host}/opportunities/search?location_id={}&limit={limit}&startAfter={}&startAfterId={}",
                app.location_id, last_ts, last_id
            );
            for (name, value) in [("pipeline_id", &pipeline), ("contact_id", &contact)] {
                if let Some(v) = value {
                    url.push_str(&format!("&{name}={v}"));
                }
            }
            Some(url)
        }
        _ => None,
    };
    Ok(reply::ok(json!({
        "opportunities": values,
        "meta": {
            "total": total,
            "nextPageUrl": next_url,
            "startAfterId": last.as_ref().map(|(_, id)| id),
            "startAfter": last.as_ref().map(|(ts, _)| ts),
            "currentPage": null,
            "nextPage": null,
            "prevPage": null,
        },
        "aggregations": {},
    })))
}

/// The paging cursor: `startAfterId` (its own timestamp), else `startAfter` alone.
fn cursor<T>(
    items: &[crate::sandbox::paging::Keyed<T>],
    query: &HashMap<String, String>,
) -> Option<(i64, String)> {
    let after: Option<i64> = query.get("startAfter").and_then(|s| s.parse().ok());
    match query.get("startAfterId").filter(|s| !s.is_empty()) {
        Some(id) => {
            let ts = items.iter().find(|k| &k.id == id).map(|k| k.ts).or(after)?;
            Some((ts, id.clone()))
        }
        None => after.map(|ts| (ts, "\u{10FFFF}".to_string())),
    }
}

/// `GET /opportunities/{id}`: right at once, whatever the search lag.
pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    app.memory
        .read(|a| {
            a.opportunities
                .iter()
                .find(|o| o.id == id)
                .map(|o| shapes::opportunity(a, o))
        })
        .map(|value| reply::ok(json!({ "opportunity": value })))
        .ok_or_else(|| reply::bad_request(format!("Opportunity with id {id} not found")))
}

pub async fn create(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let (new, raw): (NewOpportunity, Value) = validate::decode(&CREATE_OPPORTUNITY, &body)?;
    app.check_location(raw["locationId"].as_str().unwrap_or_default())?;
    let new = app.stored_opportunity(new);
    let created = app
        .memory
        .create_opportunity(&new)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    let value = app.memory.read(|a| app.v2_opportunity(a, &created));
    Ok(reply::created(json!({ "opportunity": value })))
}

//! V1 custom fields, pipelines and their opportunities, users and the location.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::shapes::{self, Meta};
use crate::ghl::{ContactWrite, Ghl, NewCustomField, NewOpportunity};
use crate::model::OpportunityStatus;
use crate::sandbox::app::App;
use crate::sandbox::paging::page_after;
use crate::sandbox::reply::{self, Reply};
use crate::sandbox::shapes::{keyed_opportunities, object};
use crate::sandbox::validate::{self, V1_CUSTOM_FIELD, V1_OPPORTUNITY};

pub async fn custom_fields(State(app): State<Arc<App>>) -> Reply {
    let fields: Vec<Value> = app
        .memory
        .read(|a| a.custom_fields.iter().map(object).collect());
    Ok(reply::ok(json!({ "customFields": fields })))
}

/// Answers the bare field object.
pub async fn create_custom_field(State(app): State<Arc<App>>, body: Bytes) -> Reply {
    let (new, _): (NewCustomField, _) = validate::decode(&V1_CUSTOM_FIELD, &body)?;
    let field = app
        .memory
        .create_custom_field(&new)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::ok(object(&field)))
}

pub async fn pipelines(State(app): State<Arc<App>>) -> Reply {
    let pipelines: Vec<Value> = app.memory.read(|a| {
        a.pipelines
            .iter()
            .map(|p| {
                let mut v = object(p);
                v["locationId"] = json!(a.location.id);
                v
            })
            .collect()
    });
    Ok(reply::ok(json!({ "pipelines": pipelines })))
}

/// `?limit&startAfterId&startAfter&stageId&status` -> `{opportunities, meta}`.
pub async fn opportunities(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(pid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    if !app.memory.read(|a| a.pipelines.iter().any(|p| p.id == pid)) {
        return Err(reply::bad_request(format!("Pipeline {pid} not found")));
    }
    let stage = query.get("stageId").filter(|s| !s.is_empty()).cloned();
    let status = query.get("status").filter(|s| !s.is_empty()).cloned();
    let (values, total, more, last, list) = app.memory.read(|a| {
        let matching: Vec<_> = keyed_opportunities(a)
            .into_iter()
            .filter(|k| {
                let o = &k.item;
                o.pipeline_id == pid
                    && stage
                        .as_ref()
                        .is_none_or(|s| o.pipeline_stage_id.as_ref() == Some(s))
                    && status
                        .as_ref()
                        .is_none_or(|s| serde_json::to_value(o.status).ok() == Some(json!(s)))
            })
            .collect();
        let total = matching.len();
        let list = shapes::list_query(&query, &matching);
        let Ok(list) = list else {
            return (Vec::new(), total, false, None, list);
        };
        let cursor = list.cursor.as_ref().map(|(ts, id)| (*ts, id.as_str()));
        let (page, more) = page_after(matching, cursor, list.limit);
        let last = page.last().map(|k| (k.ts, k.id.clone()));
        let values: Vec<Value> = page
            .iter()
            .map(|k| shapes::opportunity(a, k.item))
            .collect();
        (values, total, more, last, Ok(list))
    });
    let list = list?;
    let meta = shapes::meta(Meta {
        headers: &headers,
        path: format!("/v1/pipelines/{pid}/opportunities"),
        limit: list.limit,
        total,
        last,
        more,
    });
    Ok(reply::ok(json!({ "opportunities": values, "meta": meta })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Opportunity {
    title: String,
    status: OpportunityStatus,
    stage_id: String,
    contact_id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    monetary_value: Option<f64>,
    assigned_to: Option<String>,
    company_name: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// `{title, status, stageId, contactId | email | phone, ...}`: without `contactId` the
/// contact is upserted from email/phone first, as V1 does. Answers the bare opportunity.
pub async fn create_opportunity(
    State(app): State<Arc<App>>,
    Path(pid): Path<String>,
    body: Bytes,
) -> Reply {
    let (body, _): (V1Opportunity, _) = validate::decode(&V1_OPPORTUNITY, &body)?;
    let contact_id = match (&body.contact_id, &body.email, &body.phone) {
        (Some(id), _, _) => id.clone(),
        (None, None, None) => {
            return Err(reply::unprocessable(vec![
                "contactId, email or phone is required".into(),
            ]));
        }
        _ => {
            let write = ContactWrite {
                email: body.email.clone(),
                phone: body.phone.clone(),
                name: body.name.clone(),
                company_name: body.company_name.clone(),
                tags: body.tags.clone(),
                ..ContactWrite::default()
            };
            let up = app
                .memory
                .upsert_contact(&write)
                .map_err(|e| reply::bad_request(e.message))?;
            up.contact.id
        }
    };
    let new = NewOpportunity {
        pipeline_id: pid,
        name: body.title,
        pipeline_stage_id: Some(body.stage_id),
        status: body.status,
        contact_id,
        monetary_value: body.monetary_value,
        assigned_to: body.assigned_to,
        custom_fields: Vec::new(),
    };
    let created = app
        .memory
        .create_opportunity(&new)
        .await
        .map_err(|e| reply::bad_request(e.message))?;
    app.committed();
    Ok(reply::ok(
        app.memory.read(|a| shapes::opportunity(a, &created)),
    ))
}

pub async fn users(State(app): State<Arc<App>>) -> Reply {
    let users: Vec<Value> = app.memory.read(|a| a.users.iter().map(object).collect());
    Ok(reply::ok(json!({ "users": users })))
}

/// The API key's own location, as a bare object; 403 for any other id.
pub async fn location(State(app): State<Arc<App>>, Path(id): Path<String>) -> Reply {
    app.check_location(&id)?;
    Ok(reply::ok(app.memory.read(|a| object(&a.location))))
}

//! Removing what a migration wrote, one object at a time: what can be deleted, and how a
//! delete ended. Deletes are idempotent: an object already gone is a success, said as such.

use serde::{Deserialize, Serialize};

use super::http::Request;
use super::wire::{self, segment};
use super::{ApiError, ApiErrorKind, ApiResult};

/// One target object to delete, with what its route needs besides its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Doomed {
    Contact {
        id: String,
    },
    /// V1 deletes an opportunity through its pipeline.
    Opportunity {
        id: String,
        pipeline_id: String,
    },
    CustomField {
        id: String,
    },
    Note {
        contact_id: String,
        id: String,
    },
    Task {
        contact_id: String,
        id: String,
    },
}

impl Doomed {
    pub fn id(&self) -> &str {
        match self {
            Doomed::Contact { id }
            | Doomed::Opportunity { id, .. }
            | Doomed::CustomField { id }
            | Doomed::Note { id, .. }
            | Doomed::Task { id, .. } => id,
        }
    }

    /// The object kind, as the plan and the ledger name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Doomed::Contact { .. } => "contact",
            Doomed::Opportunity { .. } => "opportunity",
            Doomed::CustomField { .. } => "custom_field",
            Doomed::Note { .. } => "note",
            Doomed::Task { .. } => "task",
        }
    }
}

/// How a delete ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// This request deleted it.
    Now,
    /// It was not there (deleted before: by an earlier attempt whose answer was lost, or by
    /// a person).
    AlreadyGone,
}

/// Sends a `DELETE`: a not-found answer means the object is already gone.
pub async fn send(http: &super::http::Http, req: &Request) -> ApiResult<Deleted> {
    match http.send(req).await {
        Ok(_) => Ok(Deleted::Now),
        Err(e) if wire::is_not_found(&e) => Ok(Deleted::AlreadyGone),
        Err(e) => Err(e),
    }
}

/// The V2 route that deletes `what` (`location` names the custom field's location).
pub fn v2_request(what: &Doomed, location: &str) -> Request {
    Request::delete(match what {
        Doomed::Contact { id } => format!("/contacts/{}", segment(id)),
        Doomed::Opportunity { id, .. } => format!("/opportunities/{}", segment(id)),
        Doomed::CustomField { id } => format!(
            "/locations/{}/customFields/{}",
            segment(location),
            segment(id)
        ),
        Doomed::Note { contact_id, id } => {
            format!("/contacts/{}/notes/{}", segment(contact_id), segment(id))
        }
        Doomed::Task { contact_id, id } => {
            format!("/contacts/{}/tasks/{}", segment(contact_id), segment(id))
        }
    })
}

/// The V1 route that deletes `what` (public-api.gohighlevel.com; not in specs/, unverified live).
pub fn v1_request(what: &Doomed) -> Request {
    Request::delete(match what {
        Doomed::Contact { id } => format!("/contacts/{}", segment(id)),
        Doomed::Opportunity { id, pipeline_id } => format!(
            "/pipelines/{}/opportunities/{}",
            segment(pipeline_id),
            segment(id)
        ),
        Doomed::CustomField { id } => format!("/custom-fields/{}", segment(id)),
        Doomed::Note { contact_id, id } => {
            format!("/contacts/{}/notes/{}", segment(contact_id), segment(id))
        }
        Doomed::Task { contact_id, id } => {
            format!("/contacts/{}/tasks/{}", segment(contact_id), segment(id))
        }
    })
}

/// What an account without deletes answers.
pub fn unsupported(endpoint: &str) -> ApiError {
    ApiError::new(
        ApiErrorKind::Permanent,
        endpoint,
        "this account cannot delete objects",
    )
}

//! V2 pipeline writes and the workflows read [U: the routes are in the live docs
//! (marketplace.gohighlevel.com/docs/ghl/opportunities/create-pipeline, update-pipeline) and a
//! staff comment on highlevel-api-docs #248, not in the vendored spec]: create, full-replacement
//! update, and the probes that tell `plan` whether the token may use them.

use serde_json::{Value, json};

use super::V2;
use crate::access::{self, Access, Permission};
use crate::ghl::http::Request;
use crate::ghl::wire::{array, convert, convert_all, segment, with_location};
use crate::ghl::{ApiErrorKind, ApiResult, Ghl, PipelineWrite};
use crate::model::{Pipeline, Workflow};

/// `POST /opportunities/pipelines` body.
pub fn create_body(pipeline: &PipelineWrite, location_id: &str) -> Value {
    with_location(
        serde_json::to_value(pipeline).unwrap_or_default(),
        location_id,
    )
}

/// `PUT /opportunities/pipelines/{id}` body: no `locationId` (refused at the top level of an
/// update, as integrators report [U]).
pub fn update_body(pipeline: &PipelineWrite) -> Value {
    serde_json::to_value(pipeline).unwrap_or_default()
}

/// The pipeline in an answer: under `pipeline`, or the answer itself.
fn pipeline_of(endpoint: &str, body: &Value) -> ApiResult<Pipeline> {
    let raw = body
        .get("pipeline")
        .filter(|p| p.is_object())
        .unwrap_or(body);
    convert(endpoint, "pipeline", raw)
}

impl V2 {
    pub(super) async fn post_pipeline(&self, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        let req = Request::post(
            "/opportunities/pipelines",
            create_body(pipeline, self.location_id()),
        );
        self.http().write(&req, pipeline_of).await
    }

    pub(super) async fn put_pipeline(
        &self,
        id: &str,
        pipeline: &PipelineWrite,
    ) -> ApiResult<Pipeline> {
        let req = Request::put(
            format!("/opportunities/pipelines/{}", segment(id)),
            update_body(pipeline),
        );
        self.http().write(&req, pipeline_of).await
    }

    pub(super) async fn read_workflows(&self) -> ApiResult<Vec<Workflow>> {
        let req = Request::get("/workflows/").query("locationId", self.location_id());
        let endpoint = req.endpoint();
        let body = self.http().send(&req).await?;
        convert_all(&endpoint, "workflow", array(&endpoint, &body, "workflows")?)
    }

    /// What the token may do to pipelines, found out without changing anything: a create whose
    /// body lacks every required property (refused by validation when the scope is there, by
    /// authorisation when not), and a read of one pipeline, which needs `pipelines.write`.
    pub async fn pipeline_access(&self) -> Access {
        let create = Request::post(
            "/opportunities/pipelines",
            json!({ "locationId": self.location_id() }),
        );
        let create_pipelines = match self.http().send(&create).await {
            Err(e) if e.kind == ApiErrorKind::Auth => {
                Access::missing_scope(access::CREATE_SCOPE, &e.to_string())
            }
            Err(e) if e.kind == ApiErrorKind::Permanent => Permission::Allowed,
            Err(e) => unknown(access::CREATE_SCOPE, &e.to_string()),
            Ok(_) => unknown(
                access::CREATE_SCOPE,
                "the server accepted an empty pipeline create",
            ),
        };
        let change_pipelines = match self.pipelines().await.map(|p| p.into_iter().next()) {
            Ok(Some(first)) => {
                let read = Request::get(format!("/opportunities/pipelines/{}", segment(&first.id)));
                match self.http().send(&read).await {
                    Ok(_) => Permission::Allowed,
                    Err(e) if e.kind == ApiErrorKind::Auth => {
                        Access::missing_scope(access::WRITE_SCOPE, &e.to_string())
                    }
                    Err(e) => unknown(access::WRITE_SCOPE, &e.to_string()),
                }
            }
            // No pipeline to add stages to: nothing needs the scope.
            Ok(None) => Permission::Allowed,
            Err(e) => unknown(access::WRITE_SCOPE, &e.to_string()),
        };
        Access {
            create_pipelines,
            change_pipelines,
        }
    }
}

/// A probe that did not answer clearly: treated as refused, so nothing is planned that may fail.
fn unknown(scope: &str, detail: &str) -> Permission {
    Permission::Refused {
        reason: format!("whether the target token may use `{scope}` is unknown ({detail})"),
        fix: "run `ghl-migrate check`, then re-plan".into(),
    }
}

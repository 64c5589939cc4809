//! Request bodies the migrator sends, in the V2 shapes of the official OpenAPI specs
//! (`CreateContactDto`, `UpdateContactDto`, `CreateCustomFieldsDTO`, opportunities `CreateDto`).
//! The live client adds `locationId`; V1 converts these on send.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{DataType, OpportunityStatus, text_fields};

/// `POST /locations/{id}/customFields` body (less `locationId`, which is in the path).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomField {
    pub name: String,
    pub data_type: DataType,
    /// `contact` or `opportunity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    /// Picklist options. The V2 spec has no field for them; community clients send `options` [U].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// One custom-field value in a write: `{id, field_value}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldWrite {
    pub id: String,
    pub field_value: Value,
}

/// A contact create or update body. Absent fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    /// Only on create: on update `tags` would replace every tag the contact has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldWrite>,
}

text_fields!(impl ContactWrite { dnd, tags, custom_fields });

/// `POST /opportunities/` body (less `locationId`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOpportunity {
    pub pipeline_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_stage_id: Option<String>,
    pub status: OpportunityStatus,
    pub contact_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldWrite>,
}

/// One stage in a pipeline create or update body. An update keeps a stage sent with its `id`,
/// creates one sent without, and deletes every stage left out; a stage sent without
/// `stageWinProbability` makes the server recompute every stage's probability, so this type
/// always carries one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageWrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// 0-based, in the order the stages are sent.
    pub position: i64,
    pub stage_win_probability: f64,
}

/// `POST /opportunities/pipelines` body (less `locationId`) and `PUT
/// /opportunities/pipelines/{id}` body: the name and the whole stage list [U: live docs only,
/// not in the vendored spec].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineWrite {
    pub name: String,
    pub stages: Vec<StageWrite>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_opportunity_probability: Option<bool>,
}

//! The account snapshot: a location's data in GoHighLevel's own V2 object shapes.
//!
//! A fixture file, an `export` of a live account and what the live clients fetch are all
//! this one type, so everything downstream (matching, planning, the sandbox) works on it.
//! Fields the API returns that the migrator does not use are ignored on read.

mod history;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use history::{Note, Task};

/// One whole location: what `plan` reads from each side. Unknown top-level keys are refused,
/// so a misspelt list in a hand-written fixture (`contact:`) is an error, not an empty account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    pub location: Location,
    #[serde(default)]
    pub custom_fields: Vec<CustomField>,
    #[serde(default)]
    pub pipelines: Vec<Pipeline>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub opportunities: Vec<Opportunity>,
    /// The location's workflows (`GET /workflows/?locationId`), when they were read: `None`
    /// when the token may not read them (or nobody asked), so nothing is known about them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflows: Option<Vec<Workflow>>,
    /// What the token reading this account may change (not part of the account's data).
    #[serde(skip)]
    pub access: crate::access::Access,
    /// Notes of the contacts (all of a fixture's; of the contacts a plan migrates or matches
    /// when read live). Absent in older fixtures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Tasks of the contacts, as for `notes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// A custom field definition (`GET /locations/{id}/customFields`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    pub id: String,
    pub name: String,
    /// Server-generated key such as `contact.pincode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_key: Option<String>,
    pub data_type: DataType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picklist_options: Vec<String>,
    /// `contact` or `opportunity`; absent means `contact`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

impl CustomField {
    /// The object kind the field belongs to (`contact` unless the API says otherwise).
    pub fn model(&self) -> &str {
        self.model.as_deref().unwrap_or("contact")
    }
}

/// GoHighLevel's custom-field data types (V1 and V2), spelled as the API spells them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DataType {
    #[default]
    Text,
    LargeText,
    Numerical,
    Phone,
    /// Sic: the API spells it `MONETORY`.
    Monetory,
    Checkbox,
    SingleOptions,
    MultipleOptions,
    Float,
    Time,
    Date,
    TextboxList,
    FileUpload,
    Signature,
    Radio,
    Email,
    /// A type this tool does not know; such a field is reported, never written.
    #[serde(other)]
    Unknown,
}

impl DataType {
    /// Types whose definition carries picklist options.
    pub fn has_options(&self) -> bool {
        matches!(
            self,
            DataType::Checkbox
                | DataType::SingleOptions
                | DataType::MultipleOptions
                | DataType::Radio
        )
    }

    /// The API's spelling, e.g. `MULTIPLE_OPTIONS`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DataType::Text => "TEXT",
            DataType::LargeText => "LARGE_TEXT",
            DataType::Numerical => "NUMERICAL",
            DataType::Phone => "PHONE",
            DataType::Monetory => "MONETORY",
            DataType::Checkbox => "CHECKBOX",
            DataType::SingleOptions => "SINGLE_OPTIONS",
            DataType::MultipleOptions => "MULTIPLE_OPTIONS",
            DataType::Float => "FLOAT",
            DataType::Time => "TIME",
            DataType::Date => "DATE",
            DataType::TextboxList => "TEXTBOX_LIST",
            DataType::FileUpload => "FILE_UPLOAD",
            DataType::Signature => "SIGNATURE",
            DataType::Radio => "RADIO",
            DataType::Email => "EMAIL",
            DataType::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for DataType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Whether the stages' win probabilities are set by hand (else derived from positions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_opportunity_probability: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub id: String,
    pub name: String,
    /// The stage's win probability, 0 to 100 (absent in V1 and in older reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_win_probability: Option<f64>,
}

/// A workflow of the location (`GET /workflows/`): creating records can fire a published one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `published` or `draft`.
    #[serde(default)]
    pub status: String,
}

impl Workflow {
    /// Whether it runs (a draft fires nothing).
    pub fn is_published(&self) -> bool {
        self.status.eq_ignore_ascii_case("published")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A custom-field value as the V2 API returns it on a contact: `{id, value}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldValue {
    pub id: String,
    #[serde(alias = "field_value", alias = "fieldValue")]
    pub value: Value,
}

/// A contact (`GET /contacts/{id}`, `POST /contacts/search`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<FieldValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
}

/// The standard (non-custom) contact fields the migrator copies, by their API names.
pub const CONTACT_STANDARD_FIELDS: &[&str] = &[
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "website",
    "timezone",
    "source",
    "dateOfBirth",
];

/// A contact's optional text fields with their API names, the standard fields then
/// `assignedTo`, for any struct that holds them: `text_fields!(impl Contact { left out })`
/// gives the struct `text_fields()` and `text_fields_mut()` (used for contacts and contact
/// writes). The one place that lists them. The struct's other fields are named as left out, so
/// the destructuring stays exhaustive: a field added to the struct must be placed here or
/// explicitly left out.
macro_rules! text_fields {
    (impl $ty:ident { $($left_out:ident),* }) => {
        impl $ty {
            /// Every optional text field with its API name: the standard fields, then
            /// `assignedTo` (the same order for a contact and a contact write).
            pub fn text_fields(&self) -> [(&'static str, &Option<String>); $crate::model::TEXT_FIELDS] {
                $crate::model::text_fields!(self, $ty { $($left_out),* })
            }

            /// The text fields, to set them.
            pub fn text_fields_mut(
                &mut self,
            ) -> [(&'static str, &mut Option<String>); $crate::model::TEXT_FIELDS] {
                $crate::model::text_fields!(self, $ty { $($left_out),* })
            }
        }
    };
    ($value:expr, $ty:ident { $($left_out:ident),* }) => {{
        let $ty {
            first_name,
            last_name,
            name,
            email,
            phone,
            company_name,
            address1,
            city,
            state,
            postal_code,
            country,
            website,
            timezone,
            source,
            date_of_birth,
            assigned_to,
            $($left_out: _),*
        } = $value;
        [
            ("firstName", first_name),
            ("lastName", last_name),
            ("name", name),
            ("email", email),
            ("phone", phone),
            ("companyName", company_name),
            ("address1", address1),
            ("city", city),
            ("state", state),
            ("postalCode", postal_code),
            ("country", country),
            ("website", website),
            ("timezone", timezone),
            ("source", source),
            ("dateOfBirth", date_of_birth),
            ("assignedTo", assigned_to),
        ]
    }};
}
pub(crate) use text_fields;

/// How many fields [`text_fields!`] lists.
pub const TEXT_FIELDS: usize = 16;

text_fields!(impl Contact { id, dnd, tags, custom_fields, date_added });

impl Contact {
    /// A standard field's non-blank value by its API name (see [`CONTACT_STANDARD_FIELDS`]).
    pub fn standard_field(&self, api_name: &str) -> Option<&str> {
        if !CONTACT_STANDARD_FIELDS.contains(&api_name) {
            return None;
        }
        self.text_fields()
            .into_iter()
            .find(|(name, _)| *name == api_name)
            .and_then(|(_, v)| v.as_deref())
            .filter(|s| !s.trim().is_empty())
    }

    /// A name for people: full name, else first + last, else email, else phone, else id.
    pub fn display_name(&self) -> String {
        if let Some(n) = self.name.as_deref().filter(|s| !s.trim().is_empty()) {
            return n.trim().to_string();
        }
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.email
            .clone()
            .or_else(|| self.phone.clone())
            .unwrap_or_else(|| self.id.clone())
    }
}

/// Opportunity status values the API accepts.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum OpportunityStatus {
    #[default]
    Open,
    Won,
    Lost,
    Abandoned,
}

/// An opportunity (`GET /opportunities/search`). Its custom values are `{id, fieldValue}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opportunity {
    pub id: String,
    pub name: String,
    pub pipeline_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_stage_id: Option<String>,
    #[serde(default)]
    pub status: OpportunityStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary_value: Option<f64>,
    pub contact_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<OpportunityFieldValue>,
}

/// A custom-field value on an opportunity: the API names it `fieldValue`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityFieldValue {
    pub id: String,
    #[serde(alias = "value", alias = "field_value")]
    pub field_value: Value,
}

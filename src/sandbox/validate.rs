//! Request-body checks shaped on the official DTOs (`CreateContactDto`, `UpdateContactDto`,
//! `UpsertContactDto`, `TagsDTO`, `CreateCustomFieldsDTO`, opportunities `CreateDto`): required
//! fields, types, enum values and unknown properties, answered like NestJS's validation pipe
//! (422 with one message per problem). V1 bodies are checked the same way but loosely.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::reply;

/// The type a property must have.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Bool,
    Num,
    Obj,
    Array,
    /// An array of strings.
    StrList,
    /// A string out of a fixed list.
    OneOf(&'static [&'static str]),
    /// `customFields: [{id, key?, field_value}]`.
    FieldValues,
    /// A pipeline's `stages: [{id?, name, position?, stageWinProbability?, ...}]`.
    Stages,
    Any,
}

/// A request body's schema.
#[derive(Debug, Clone, Copy)]
pub struct Dto {
    pub fields: &'static [(&'static str, Ty)],
    pub required: &'static [&'static str],
    /// Unknown properties are refused (V2); V1 ignores them.
    pub strict: bool,
}

/// Every data type; the first ones are those a V2 field create accepts (the spec's enum,
/// custom-fields.json), the last three only V1 and older accounts hold.
const DATA_TYPES: &[&str] = &[
    "TEXT",
    "LARGE_TEXT",
    "NUMERICAL",
    "PHONE",
    "MONETORY",
    "CHECKBOX",
    "SINGLE_OPTIONS",
    "MULTIPLE_OPTIONS",
    "DATE",
    "TEXTBOX_LIST",
    "FILE_UPLOAD",
    "RADIO",
    "EMAIL",
    "FLOAT",
    "TIME",
    "SIGNATURE",
];
const V2_DATA_TYPES: &[&str] = DATA_TYPES.split_at(DATA_TYPES.len() - 3).0;
const STATUSES: &[&str] = &["open", "won", "lost", "abandoned"];

macro_rules! contact_fields {
    ($($extra:expr),*) => {
        &[
            ("firstName", Ty::Str),
            ("lastName", Ty::Str),
            ("name", Ty::Str),
            ("email", Ty::Str),
            ("phone", Ty::Str),
            ("address1", Ty::Str),
            ("city", Ty::Str),
            ("state", Ty::Str),
            ("postalCode", Ty::Str),
            ("website", Ty::Str),
            ("timezone", Ty::Str),
            ("dnd", Ty::Bool),
            ("dndSettings", Ty::Obj),
            ("inboundDndSettings", Ty::Obj),
            ("tags", Ty::StrList),
            ("customFields", Ty::FieldValues),
            ("source", Ty::Str),
            ("dateOfBirth", Ty::Any),
            ("country", Ty::Str),
            ("assignedTo", Ty::Str),
            // Not in the spec's UpdateContactDto, but sent by clients and accepted live [U].
            ("companyName", Ty::Str),
            $($extra),*
        ]
    };
}

pub const CREATE_CONTACT: Dto = Dto {
    fields: contact_fields!(("locationId", Ty::Str), ("gender", Ty::Str)),
    required: &["locationId"],
    strict: true,
};

pub const UPDATE_CONTACT: Dto = Dto {
    fields: contact_fields!(),
    required: &[],
    strict: true,
};

pub const UPSERT_CONTACT: Dto = Dto {
    fields: contact_fields!(
        ("locationId", Ty::Str),
        ("gender", Ty::Str),
        ("createNewIfDuplicateAllowed", Ty::Bool)
    ),
    required: &["locationId"],
    strict: true,
};

pub const TAGS: Dto = Dto {
    fields: &[("tags", Ty::StrList)],
    required: &["tags"],
    strict: true,
};

pub const CREATE_CUSTOM_FIELD: Dto = Dto {
    fields: &[
        ("name", Ty::Str),
        ("dataType", Ty::OneOf(V2_DATA_TYPES)),
        ("placeholder", Ty::Str),
        ("acceptedFormat", Ty::Array),
        ("isMultipleFile", Ty::Bool),
        ("maxNumberOfFiles", Ty::Num),
        ("textBoxListOptions", Ty::Array),
        ("position", Ty::Num),
        ("model", Ty::OneOf(&["contact", "opportunity"])),
        // Picklist options: not in the spec; community clients send `options` [U].
        ("options", Ty::StrList),
    ],
    required: &["name", "dataType"],
    strict: true,
};

pub const CREATE_OPPORTUNITY: Dto = Dto {
    fields: &[
        ("pipelineId", Ty::Str),
        ("locationId", Ty::Str),
        ("name", Ty::Str),
        ("pipelineStageId", Ty::Str),
        ("status", Ty::OneOf(STATUSES)),
        ("contactId", Ty::Str),
        ("monetaryValue", Ty::Num),
        ("assignedTo", Ty::Str),
        ("customFields", Ty::FieldValues),
    ],
    required: &["pipelineId", "locationId", "name", "status", "contactId"],
    strict: true,
};

/// `POST /opportunities/pipelines` (live docs, create-pipeline) [U: not in the vendored spec].
pub const CREATE_PIPELINE: Dto = Dto {
    fields: &[
        ("name", Ty::Str),
        ("locationId", Ty::Str),
        ("stages", Ty::Stages),
        ("useOpportunityProbability", Ty::Bool),
        ("showInFunnel", Ty::Bool),
        ("showInPieChart", Ty::Bool),
    ],
    required: &["name", "locationId", "stages"],
    strict: true,
};

/// `PUT /opportunities/pipelines/{id}` (live docs, update-pipeline): no `locationId`.
pub const UPDATE_PIPELINE: Dto = Dto {
    fields: &[
        ("name", Ty::Str),
        ("stages", Ty::Stages),
        ("useOpportunityProbability", Ty::Bool),
        ("showInFunnel", Ty::Bool),
        ("showInPieChart", Ty::Bool),
    ],
    required: &["name", "stages"],
    strict: true,
};

/// The properties a stage of a pipeline body may have.
const STAGE_KEYS: &[&str] = &[
    "id",
    "name",
    "position",
    "stageWinProbability",
    "showInFunnel",
    "showInPieChart",
    "color",
];

pub const SEARCH_CONTACTS: Dto = Dto {
    fields: &[
        ("locationId", Ty::Str),
        ("pageLimit", Ty::Num),
        ("page", Ty::Num),
        ("searchAfter", Ty::Array),
        ("query", Ty::Str),
        ("filters", Ty::Array),
        ("sort", Ty::Array),
    ],
    required: &["locationId"],
    strict: true,
};

pub const V1_CONTACT: Dto = Dto {
    fields: &[
        ("firstName", Ty::Str),
        ("lastName", Ty::Str),
        ("name", Ty::Str),
        ("email", Ty::Str),
        ("phone", Ty::Str),
        ("companyName", Ty::Str),
        ("address1", Ty::Str),
        ("city", Ty::Str),
        ("state", Ty::Str),
        ("postalCode", Ty::Str),
        ("country", Ty::Str),
        ("website", Ty::Str),
        ("timezone", Ty::Str),
        ("source", Ty::Str),
        ("dateOfBirth", Ty::Any),
        ("dnd", Ty::Bool),
        ("tags", Ty::StrList),
        ("customField", Ty::Obj),
    ],
    required: &[],
    strict: false,
};

pub const V1_TAGS: Dto = Dto {
    fields: &[("tags", Ty::StrList)],
    required: &["tags"],
    strict: false,
};

pub const V1_CUSTOM_FIELD: Dto = Dto {
    fields: &[
        ("name", Ty::Str),
        ("dataType", Ty::OneOf(DATA_TYPES)),
        ("placeholder", Ty::Str),
        ("position", Ty::Num),
        ("options", Ty::StrList),
    ],
    required: &["name", "dataType"],
    strict: false,
};

pub const V1_OPPORTUNITY: Dto = Dto {
    fields: &[
        ("title", Ty::Str),
        ("status", Ty::OneOf(STATUSES)),
        ("stageId", Ty::Str),
        ("contactId", Ty::Str),
        ("email", Ty::Str),
        ("phone", Ty::Str),
        ("name", Ty::Str),
        ("monetaryValue", Ty::Num),
        ("assignedTo", Ty::Str),
        ("companyName", Ty::Str),
        ("source", Ty::Str),
        ("tags", Ty::StrList),
    ],
    required: &["title", "status", "stageId"],
    strict: false,
};

/// Every problem with a body, in NestJS's words; empty when it fits.
pub fn problems(dto: &Dto, body: &Value) -> Vec<String> {
    let Some(object) = body.as_object() else {
        return vec!["body must be an object".into()];
    };
    let mut out = Vec::new();
    for key in object.keys() {
        if dto.strict && !dto.fields.iter().any(|(name, _)| name == key) {
            out.push(format!("property {key} should not exist"));
        }
    }
    for (name, ty) in dto.fields {
        match object.get(*name) {
            None | Some(Value::Null) if dto.required.contains(name) => {
                out.push(format!("{name} should not be empty"));
                out.extend(type_problem(name, *ty, &Value::Null));
            }
            None | Some(Value::Null) => {}
            Some(value) => out.extend(type_problem(name, *ty, value)),
        }
    }
    out
}

fn type_problem(name: &str, ty: Ty, value: &Value) -> Option<String> {
    let fits = match ty {
        Ty::Str => value.is_string(),
        Ty::Bool => value.is_boolean(),
        Ty::Num => value.is_number(),
        Ty::Obj => value.is_object(),
        Ty::Array => value.is_array(),
        Ty::Any => true,
        Ty::StrList => {
            return match value.as_array() {
                None => Some(format!("{name} must be an array")),
                Some(items) if items.iter().all(Value::is_string) => None,
                Some(_) => Some(format!("each value in {name} must be a string")),
            };
        }
        Ty::OneOf(allowed) => {
            return match value.as_str() {
                Some(s) if allowed.contains(&s) => None,
                _ => Some(format!(
                    "{name} must be one of the following values: {}",
                    allowed.join(", ")
                )),
            };
        }
        Ty::FieldValues => return field_values_problem(name, value),
        Ty::Stages => return stages_problem(name, value),
    };
    let what = match ty {
        Ty::Str => "a string",
        Ty::Bool => "a boolean value",
        Ty::Num => "a number conforming to the specified constraints",
        Ty::Obj => "an object",
        _ => "an array",
    };
    (!fits).then(|| format!("{name} must be {what}"))
}

fn field_values_problem(name: &str, value: &Value) -> Option<String> {
    let Some(items) = value.as_array() else {
        return Some(format!("{name} must be an array"));
    };
    for (i, item) in items.iter().enumerate() {
        let Some(object) = item.as_object() else {
            return Some(format!("{name}.{i} must be an object"));
        };
        if let Some(key) = object
            .keys()
            .find(|k| !["id", "key", "field_value"].contains(&k.as_str()))
        {
            return Some(format!("{name}.{i}.property {key} should not exist"));
        }
        // The spec requires `id`; the live API also takes `key` alone (a field key).
        let named = |k: &str| object.get(k).is_some_and(Value::is_string);
        if !named("id") && !named("key") {
            return Some(format!("{name}.{i}.id must be a string"));
        }
    }
    None
}

fn stages_problem(name: &str, value: &Value) -> Option<String> {
    let Some(items) = value.as_array() else {
        return Some(format!("{name} must be an array"));
    };
    for (i, item) in items.iter().enumerate() {
        let Some(object) = item.as_object() else {
            return Some(format!("{name}.{i} must be an object"));
        };
        if let Some(key) = object.keys().find(|k| !STAGE_KEYS.contains(&k.as_str())) {
            return Some(format!("{name}.{i}.property {key} should not exist"));
        }
        if !object.get("name").is_some_and(Value::is_string) {
            return Some(format!("{name}.{i}.name must be a string"));
        }
        for key in ["position", "stageWinProbability"] {
            if object.get(key).is_some_and(|v| !v.is_number()) {
                return Some(format!("{name}.{i}.{key} must be a number"));
            }
        }
        if let Some(p) = object.get("stageWinProbability").and_then(Value::as_f64)
            && !(0.0..=100.0).contains(&p)
        {
            return Some(format!(
                "{name}.{i}.stageWinProbability must not be greater than 100"
            ));
        }
    }
    None
}

/// Parses a JSON body: 400 when it is not JSON, as NestJS's body parser answers.
pub fn parse(body: &Bytes) -> Result<Value, Response> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        reply::json(
            StatusCode::BAD_REQUEST,
            json!({"statusCode": 400, "message": format!("Unexpected token in JSON: {e}"), "error": "Bad Request"}),
        )
    })
}

/// Parses, checks against the DTO and converts a body: 400 or 422 answers on failure.
pub fn decode<T: DeserializeOwned>(dto: &Dto, body: &Bytes) -> Result<(T, Value), Response> {
    let value = parse(body)?;
    let found = problems(dto, &value);
    if !found.is_empty() {
        return Err(reply::unprocessable(found));
    }
    let typed = serde_json::from_value(keys_as_ids(value.clone()))
        .map_err(|e| reply::unprocessable(vec![e.to_string()]))?;
    Ok((typed, value))
}

/// `customFields` items given by `key` only carry it as their `id` (the model resolves a
/// field by id or key).
fn keys_as_ids(mut value: Value) -> Value {
    if let Some(items) = value.get_mut("customFields").and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            if !item.contains_key("id")
                && let Some(key) = item.get("key").cloned()
            {
                item.insert("id".into(), key);
            }
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_create_contact_body_has_no_problems() {
        let body = json!({"locationId": "L", "email": "a@b.c", "tags": ["x"],
            "customFields": [{"id": "F", "field_value": ["a", "b"]}]});
        assert!(problems(&CREATE_CONTACT, &body).is_empty());
    }

    #[test]
    fn missing_required_wrong_types_and_unknown_properties_are_named() {
        let body = json!({"email": 5, "tags": "x", "bogus": 1,
            "customFields": [{"field_value": 1}]});
        let found = problems(&CREATE_CONTACT, &body);
        assert!(found.contains(&"property bogus should not exist".to_string()));
        assert!(found.contains(&"locationId should not be empty".to_string()));
        assert!(found.contains(&"email must be a string".to_string()));
        assert!(found.contains(&"tags must be an array".to_string()));
        assert!(found.contains(&"customFields.0.id must be a string".to_string()));
    }

    #[test]
    fn enums_are_checked_and_v1_ignores_unknown_properties() {
        let body = json!({"pipelineId": "P", "locationId": "L", "name": "n",
            "status": "pending", "contactId": "C"});
        assert_eq!(problems(&CREATE_OPPORTUNITY, &body).len(), 1);
        let v1 = json!({"email": "a@b.c", "whatever": true});
        assert!(problems(&V1_CONTACT, &v1).is_empty());
    }
}

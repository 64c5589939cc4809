//! The reads `check` tries on a live account, one small page each, so that a missing scope
//! or a wrong location shows up before `plan` runs.

use serde_json::Value;

use super::http::Request;
use super::remote::Remote;
use super::wire::{array, segment};
use super::{ApiResult, Ghl};
use crate::model::Location;

/// One read the migrator needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Location,
    CustomFields,
    Pipelines,
    Users,
    Contacts,
    Opportunities,
}

impl Read {
    pub const ALL: [Read; 6] = [
        Read::Location,
        Read::CustomFields,
        Read::Pipelines,
        Read::Users,
        Read::Contacts,
        Read::Opportunities,
    ];

    /// What people call it.
    pub fn label(&self) -> &'static str {
        match self {
            Read::Location => "location",
            Read::CustomFields => "custom fields",
            Read::Pipelines => "pipelines",
            Read::Users => "users",
            Read::Contacts => "contacts search",
            Read::Opportunities => "opportunities search",
        }
    }

    /// The V2 scope the read needs.
    pub fn scope(&self) -> &'static str {
        match self {
            Read::Location => "locations.readonly",
            Read::CustomFields => "locations/customFields.readonly",
            Read::Pipelines | Read::Opportunities => "opportunities.readonly",
            Read::Users => "users.readonly",
            Read::Contacts => "contacts.readonly",
        }
    }
}

/// What a successful read showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    /// e.g. `12 custom fields`, `1,234 contacts in all`.
    pub summary: String,
    /// The location, for [`Read::Location`] on V2.
    pub location: Option<Location>,
}

impl Probed {
    fn count(n: usize, noun: Noun) -> Self {
        Probed {
            summary: noun.count(n as u64),
            location: None,
        }
    }

    fn total(body: &Value, pointer: &str, noun: Noun, scope: &str) -> Self {
        let summary = match body.pointer(pointer).and_then(Value::as_u64) {
            Some(t) => format!("{} {scope}", noun.count(t)),
            None => format!("{} readable", noun.1),
        };
        Probed {
            summary,
            location: None,
        }
    }
}

/// A noun's singular and plural.
#[derive(Debug, Clone, Copy)]
struct Noun(&'static str, &'static str);

impl Noun {
    /// `1 pipeline`, `3 pipelines`.
    fn count(&self, n: u64) -> String {
        format!("{n} {}", if n == 1 { self.0 } else { self.1 })
    }
}

const FIELDS: Noun = Noun("custom field", "custom fields");
const PIPELINES: Noun = Noun("pipeline", "pipelines");
const USERS: Noun = Noun("user", "users");
const CONTACTS: Noun = Noun("contact", "contacts");
const OPPORTUNITIES: Noun = Noun("opportunity", "opportunities");

/// Tries one read on a live account.
pub async fn probe(remote: &Remote, read: Read) -> ApiResult<Probed> {
    let location_id = remote.location_id();
    match (read, remote) {
        (Read::Location, Remote::V2(_)) => {
            let location = remote.location().await?;
            Ok(Probed {
                summary: format!("{} {:?}", location.id, location.name),
                location: Some(location),
            })
        }
        (Read::Location, Remote::V1(c)) => {
            let location = c.read_location().await?;
            Ok(Probed {
                summary: format!("{} {:?}", location.id, location.name),
                location: Some(location),
            })
        }
        (Read::CustomFields, _) => Ok(Probed::count(remote.custom_fields().await?.len(), FIELDS)),
        (Read::Pipelines, _) => Ok(Probed::count(remote.pipelines().await?.len(), PIPELINES)),
        (Read::Users, _) => Ok(Probed::count(remote.users().await?.len(), USERS)),
        (Read::Contacts, Remote::V2(c)) => {
            let body = serde_json::json!({"locationId": location_id, "pageLimit": 1});
            let req = Request::post("/contacts/search", body);
            let answer = c.http().send(&req).await?;
            array(&req.endpoint(), &answer, "contacts")?;
            Ok(Probed::total(&answer, "/total", CONTACTS, "in all"))
        }
        (Read::Contacts, Remote::V1(c)) => {
            let req = Request::get("/contacts/").query("limit", "1");
            let answer = c.http().send(&req).await?;
            array(&req.endpoint(), &answer, "contacts")?;
            Ok(Probed::total(&answer, "/meta/total", CONTACTS, "in all"))
        }
        (Read::Opportunities, Remote::V2(c)) => {
            let req = Request::get("/opportunities/search")
                .query("location_id", location_id)
                .query("limit", "1");
            let answer = c.http().send(&req).await?;
            array(&req.endpoint(), &answer, "opportunities")?;
            Ok(Probed::total(
                &answer,
                "/meta/total",
                OPPORTUNITIES,
                "in all",
            ))
        }
        (Read::Opportunities, Remote::V1(c)) => {
            let pipelines = remote.pipelines().await?;
            let Some(first) = pipelines.first() else {
                return Ok(Probed {
                    summary: "no pipelines, so no opportunities to read".into(),
                    location: None,
                });
            };
            let req = Request::get(format!("/pipelines/{}/opportunities", segment(&first.id)))
                .query("limit", "1");
            let answer = c.http().send(&req).await?;
            array(&req.endpoint(), &answer, "opportunities")?;
            Ok(Probed::total(
                &answer,
                "/meta/total",
                OPPORTUNITIES,
                "in the first pipeline",
            ))
        }
    }
}

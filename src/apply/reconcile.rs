//! Reconciliation: a create that may have happened (the process died after sending it, or the
//! answer was lost) is looked up in the target by its natural key before anything is re-sent.
//! A field by name, a contact by its source-id stamp, email or phone, an opportunity by
//! contact + pipeline + name, a pipeline by name (an added stage is looked up by name in its
//! pipeline by the step itself, before every attempt).

use serde_json::Value;

use super::request::Request;
use crate::ghl::{ApiResult, ContactKey, Ghl};
use crate::model::Contact;
use crate::plan::{Action, ContactCreate};

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The object exists: the step is done, with this id.
    Exists(String),
    /// It does not: the create is sent (again).
    Absent,
    /// Nothing identifies the object in the target: it cannot be safely re-sent.
    NoKey,
    /// The step only has idempotent effects: it is simply re-sent.
    Idempotent,
    /// What the step does is already so (an object to delete is gone): done, with this id.
    AlreadyDone(String),
}

/// Whether the step creates an object (which [`lookup`] then searches the target for); the
/// other steps only have idempotent effects.
pub fn creates(action: &Action) -> bool {
    matches!(
        action,
        Action::CreateField(_)
            | Action::CreateContact(_)
            | Action::CreateOpportunity(_)
            | Action::CreatePipeline(_)
            | Action::CreateNote(_)
            | Action::CreateTask(_)
    )
}

/// Whether a write of this step that may have landed is waited out (it can no longer land late)
/// before the target is read again: every create, and a stage addition, whose `PUT` replaces the
/// whole stage list: a late one landing after a re-send would delete the stage the re-send made
/// (its opportunities moved to another stage) and make another.
pub fn waits_in_doubt(action: &Action) -> bool {
    creates(action) || matches!(action, Action::AddStage(_))
}

/// Looks up the object a step creates. `request` is the step's resolved request; `claimed`
/// the target ids other steps of the run own (a note or task twin's is not this one's).
pub async fn lookup<G: Ghl>(
    ghl: &G,
    action: &Action,
    request: &Request,
    claimed: &[String],
) -> ApiResult<Found> {
    match (action, request) {
        (Action::CreateField(_), Request::CreateField(f)) => {
            let model = f.model.as_deref().unwrap_or("contact");
            let fields = ghl.custom_fields().await?;
            Ok(fields
                .into_iter()
                .find(|x| same_name(&x.name, &f.name) && x.model() == model)
                .map_or(Found::Absent, |x| Found::Exists(x.id)))
        }
        (Action::CreateContact(plan), Request::CreateContact(body)) => {
            lookup_contact(ghl, plan, body).await
        }
        // Pipeline names are unique per location, case-insensitively.
        (Action::CreatePipeline(_), Request::CreatePipeline(p)) => {
            let pipelines = ghl.pipelines().await?;
            Ok(pipelines
                .into_iter()
                .find(|x| same_name(&x.name, &p.name))
                .map_or(Found::Absent, |x| Found::Exists(x.id)))
        }
        (Action::CreateOpportunity(_), Request::CreateOpportunity(o)) => {
            let found = ghl
                .find_opportunities(&o.contact_id, &o.pipeline_id)
                .await?;
            Ok(found
                .into_iter()
                .find(|x| same_name(&x.name, &o.name))
                .map_or(Found::Absent, |x| Found::Exists(x.id)))
        }
        (Action::CreateNote(_), Request::CreateNote { contact, body }) => {
            let found = super::history::find_note(ghl, contact, body, claimed).await?;
            Ok(found.map_or(Found::Absent, Found::Exists))
        }
        (Action::CreateTask(_), Request::CreateTask { contact, body }) => {
            let found = super::history::find_task(ghl, contact, body, claimed).await?;
            Ok(found.map_or(Found::Absent, Found::Exists))
        }
        // A delete in doubt: a read by id (right at once, unlike a search) says whether it went.
        (Action::Delete(_), Request::Delete(what)) => Ok(match ghl.exists(what).await? {
            true => Found::Absent,
            false => Found::AlreadyDone(what.id().to_string()),
        }),
        _ => Ok(Found::Idempotent),
    }
}

async fn lookup_contact<G: Ghl>(
    ghl: &G,
    plan: &ContactCreate,
    body: &crate::ghl::ContactWrite,
) -> ApiResult<Found> {
    let email = body
        .email
        .as_deref()
        .map(normalise_email)
        .filter(|e| !e.is_empty());
    let phone = body.phone.clone().filter(|p| !p.trim().is_empty());
    // The source-id stamp, when the plan writes one: the only key of a contact without
    // email or phone, and the most exact key of any contact.
    let stamp = body.custom_fields.iter().find(|v| {
        !plan.source_id.is_empty() && v.field_value == Value::String(plan.source_id.clone())
    });
    if let Some(stamp) =
        stamp.filter(|_| plan.identity == "source_id" || email.is_none() && phone.is_none())
    {
        let contacts = ghl.contacts().await?;
        return Ok(contacts
            .into_iter()
            .find(|c| has_value(c, &stamp.id, &stamp.field_value))
            .map_or(Found::Absent, |c| Found::Exists(c.id)));
    }
    let key = match (plan.identity.as_str(), &email, &phone) {
        ("phone", _, Some(p)) => ContactKey {
            email: None,
            phone: Some(p.clone()),
        },
        (_, Some(e), _) => ContactKey {
            email: Some(e.clone()),
            phone: None,
        },
        (_, None, Some(p)) => ContactKey {
            email: None,
            phone: Some(p.clone()),
        },
        (_, None, None) => return Ok(Found::NoKey),
    };
    let found = ghl.find_contacts(&key).await?;
    if let Some(c) = found.iter().find(|c| is_this_contact(c, plan, body)) {
        return Ok(Found::Exists(c.id.clone()));
    }
    if found.is_empty() {
        return Ok(Found::Absent);
    }
    // Someone else holds the key (a household sharing a phone), and the duplicate lookup names
    // one contact per key: ours may be hidden behind them. Only the whole list can tell; rare
    // (an answer lost on a shared key), so its cost is paid only then.
    let all = ghl.contacts().await?;
    Ok(all
        .into_iter()
        .find(|c| is_this_contact(c, plan, body))
        .map_or(Found::Absent, |c| Found::Exists(c.id)))
}

/// Whether a target contact is the one this create makes (and not another person who shares
/// a phone with it): the same source-id stamp; else, for a contact keyed by email, the same
/// email; for one keyed by phone, the same phone and no other email.
pub fn is_this_contact(c: &Contact, plan: &ContactCreate, body: &crate::ghl::ContactWrite) -> bool {
    let stamp = body.custom_fields.iter().find(|v| {
        !plan.source_id.is_empty() && v.field_value == Value::String(plan.source_id.clone())
    });
    if let Some(stamp) = stamp
        && has_value(c, &stamp.id, &stamp.field_value)
    {
        return true;
    }
    let email = |e: &Option<String>| e.as_deref().map(normalise_email).filter(|e| !e.is_empty());
    match plan.identity.as_str() {
        "email" => email(&c.email).is_some() && email(&c.email) == email(&body.email),
        "phone" => {
            let phone = |p: &Option<String>| p.as_deref().map(digits).filter(|d| !d.is_empty());
            phone(&c.phone).is_some()
                && phone(&c.phone) == phone(&body.phone)
                && (email(&c.email).is_none() || email(&c.email) == email(&body.email))
        }
        _ => false,
    }
}

fn has_value(c: &Contact, field: &str, value: &Value) -> bool {
    c.custom_fields
        .iter()
        .any(|v| v.id == field && &v.value == value)
}

fn normalise_email(e: &str) -> String {
    e.trim().to_lowercase()
}

fn digits(p: &str) -> String {
    p.chars().filter(char::is_ascii_digit).collect()
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ghl::{ContactWrite, CustomFieldWrite};
    use crate::model::FieldValue;

    fn create(
        identity: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> (ContactCreate, ContactWrite) {
        let plan = ContactCreate {
            identity: identity.into(),
            source_id: "SRC1".into(),
            ..Default::default()
        };
        let body = ContactWrite {
            email: email.map(String::from),
            phone: phone.map(String::from),
            ..Default::default()
        };
        (plan, body)
    }

    fn contact(email: Option<&str>, phone: Option<&str>) -> Contact {
        Contact {
            id: "T1".into(),
            email: email.map(String::from),
            phone: phone.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn a_contact_keyed_by_phone_is_not_another_person_with_that_phone() {
        let (plan, body) = create("phone", None, Some("+15550100001"));
        assert!(is_this_contact(
            &contact(None, Some("+15550100001")),
            &plan,
            &body
        ));
        // Someone else, with an email, who shares the phone (a family, a switchboard).
        assert!(!is_this_contact(
            &contact(Some("c@acme.test"), Some("+15550100001")),
            &plan,
            &body
        ));
        assert!(!is_this_contact(
            &contact(None, Some("+15550100002")),
            &plan,
            &body
        ));
    }

    #[test]
    fn a_contact_keyed_by_email_must_have_that_email() {
        let (plan, body) = create("email", Some("Jane@Acme.test"), Some("+15550100001"));
        assert!(is_this_contact(
            &contact(Some("jane@acme.test"), None),
            &plan,
            &body
        ));
        assert!(!is_this_contact(
            &contact(Some("bob@acme.test"), Some("+15550100001")),
            &plan,
            &body
        ));
    }

    #[test]
    fn the_source_id_stamp_identifies_any_contact() {
        let (plan, mut body) = create("source_id", None, None);
        body.custom_fields.push(CustomFieldWrite {
            id: "STAMP".into(),
            field_value: "SRC1".into(),
        });
        let mut c = contact(None, None);
        assert!(!is_this_contact(&c, &plan, &body));
        c.custom_fields.push(FieldValue {
            id: "STAMP".into(),
            value: "SRC1".into(),
        });
        assert!(is_this_contact(&c, &plan, &body));
    }
}

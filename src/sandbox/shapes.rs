//! Records as the API returns them: the model's V2 objects plus the fields the server adds
//! (`locationId`, the opportunity's `contact`, the search cursor), and the sort keys paging uses.

use serde::Serialize;
use serde_json::{Value, json};

use super::paging::Keyed;
use crate::ghl::memory::epoch_ms;
use crate::model::{Account, Contact, Opportunity};

/// A serializable record as a JSON object.
pub fn object<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or_else(|_| json!({}))
}

/// A V2 contact: the model's shape plus `locationId`.
pub fn contact(contact: &Contact, location_id: &str) -> Value {
    let mut value = object(contact);
    value["locationId"] = json!(location_id);
    value
}

/// Contacts keyed by (`dateAdded` in epoch ms, id); a contact without a date sorts first.
pub fn keyed_contacts(account: &Account) -> Vec<Keyed<&Contact>> {
    account
        .contacts
        .iter()
        .map(|c| Keyed {
            ts: c.date_added.as_deref().and_then(epoch_ms).unwrap_or(0),
            id: c.id.clone(),
            item: c,
        })
        .collect()
}

/// Opportunities carry no date in the model: their key is their creation order, as
/// epoch ms from 2021-01-01 one second apart.
pub fn keyed_opportunities(account: &Account) -> Vec<Keyed<&Opportunity>> {
    const BASE_MS: i64 = 1_609_459_200_000;
    account
        .opportunities
        .iter()
        .enumerate()
        .map(|(i, o)| Keyed {
            ts: BASE_MS + 1000 * i as i64,
            id: o.id.clone(),
            item: o,
        })
        .collect()
}

/// A V2 opportunity: the model's shape plus `locationId` and the embedded `contact`.
pub fn opportunity(account: &Account, opportunity: &Opportunity) -> Value {
    let mut value = object(opportunity);
    value["locationId"] = json!(account.location.id);
    if let Some(c) = account
        .contacts
        .iter()
        .find(|c| c.id == opportunity.contact_id)
    {
        value["contact"] = json!({
            "id": c.id, "name": c.display_name(), "email": c.email, "phone": c.phone, "tags": c.tags,
        });
    }
    value
}

/// A free-text contact filter (name, email, phone, company; case-insensitive).
pub struct ContactQuery(String);

impl ContactQuery {
    pub fn new(text: &str) -> Self {
        ContactQuery(text.trim().to_lowercase())
    }

    pub fn matches(&self, contact: &Contact) -> bool {
        if self.0.is_empty() {
            return true;
        }
        [
            Some(contact.display_name()),
            contact.email.clone(),
            contact.phone.clone(),
            contact.company_name.clone(),
        ]
        .into_iter()
        .flatten()
        .any(|s| s.to_lowercase().contains(&self.0))
    }
}

//! On resume, one read that the target is the location this run wrote to: a contact the run
//! created (or, before it created any, one the plan merges into) must be there. The location
//! read alone cannot always tell: on V1, a location key may not read its own location, and a
//! location restored from a backup or a sibling copy has the same id.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::ghl::{ApiErrorKind, Ghl};
use crate::plan::{Action, Plan};
use crate::state::{StepRecord, StepStatus};

/// A contact the target must hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness<'a> {
    pub contact_id: &'a str,
    pub why: &'static str,
}

/// The contact to look for: the first this run created, else the first the plan merges into.
pub fn witness<'a>(plan: &'a Plan, records: &'a [StepRecord]) -> Option<Witness<'a>> {
    let created = records.iter().find_map(|r| match (&r.target_id, r.status) {
        (Some(id), StepStatus::Done) if r.action == "create_contact" && !r.reconciled => {
            Some(id.as_str())
        }
        _ => None,
    });
    if let Some(contact_id) = created {
        return Some(Witness {
            contact_id,
            why: "this run created",
        });
    }
    plan.steps.iter().find_map(|s| match &s.action {
        Action::MergeContact(u) | Action::OverwriteContact(u) => Some(Witness {
            contact_id: u.into.as_str(),
            why: "the plan updates",
        }),
        _ => None,
    })
}

/// Refuses to resume when the target lacks the witness contact (one read, when there is one).
pub async fn check<G: Ghl>(
    target: &G,
    plan: &Plan,
    records: &[StepRecord],
    requests: &AtomicU64,
) -> Result<()> {
    let Some(w) = witness(plan, records) else {
        return Ok(());
    };
    requests.fetch_add(1, Ordering::Relaxed);
    let missing = match target.get_contact(w.contact_id).await {
        Ok(Some(_)) => return Ok(()),
        Ok(None) => "it is not there".to_string(),
        Err(e) if matches!(e.kind, ApiErrorKind::Auth | ApiErrorKind::Permanent) => {
            format!("reading it was refused ({e})")
        }
        Err(source) => {
            return Err(Error::Api {
                side: "target".into(),
                source,
            });
        }
    };
    Err(Error::Other(format!(
        "the target does not look like the location this run wrote to: contact {} ({}) was \
         read to check, and {missing}; check that the token or API key is for location {} (if \
         the contact was deleted on purpose, make a new plan and start a new checkpoint)",
        w.contact_id, w.why, plan.target.location
    )))
}

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

/// At most this many witnesses are read: one contact deleted by a person since must not stop
/// a resume, and a target that holds none of them is not the one the run wrote to.
const WITNESSES: usize = 3;

/// The contacts to look for: the first ones this run created, else the first the plan updates.
pub fn witnesses<'a>(plan: &'a Plan, records: &'a [StepRecord]) -> Vec<Witness<'a>> {
    let created: Vec<Witness> = records
        .iter()
        .filter_map(|r| match (&r.target_id, r.status) {
            (Some(id), StepStatus::Done) if r.action == "create_contact" => Some(Witness {
                contact_id: id.as_str(),
                why: "this run created it",
            }),
            _ => None,
        })
        .take(WITNESSES)
        .collect();
    if !created.is_empty() {
        return created;
    }
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::MergeContact(u) | Action::OverwriteContact(u) => Some(Witness {
                contact_id: u.into.as_str(),
                why: "the plan updates it",
            }),
            _ => None,
        })
        .take(WITNESSES)
        .collect()
}

/// Refuses to resume when the target holds none of the witnesses (a read each, until one is
/// found; none when there are no witnesses).
pub async fn check<G: Ghl>(
    target: &G,
    plan: &Plan,
    records: &[StepRecord],
    requests: &AtomicU64,
) -> Result<()> {
    let witnesses = witnesses(plan, records);
    let mut missing = Vec::new();
    for w in &witnesses {
        requests.fetch_add(1, Ordering::Relaxed);
        match target.get_contact(w.contact_id).await {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => missing.push(format!("{} ({}): not there", w.contact_id, w.why)),
            Err(e) if matches!(e.kind, ApiErrorKind::Auth | ApiErrorKind::Permanent) => {
                missing.push(format!("{} ({}): refused, {e}", w.contact_id, w.why))
            }
            Err(source) => {
                return Err(Error::Api {
                    side: "target".into(),
                    source,
                });
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Other(format!(
        "the target does not look like the location this run wrote to: none of the contacts read \
         to check is there ({}); check that the token or API key is for location {} (if they \
         were deleted on purpose, make a new plan and start a new checkpoint)",
        missing.join("; "),
        plan.target.location
    )))
}

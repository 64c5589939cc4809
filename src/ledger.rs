//! The target as this migration knows it: an account snapshot completed with what the ledger
//! says the migration wrote, read by id (a read that is right at once), because the target's
//! searches lag its writes (about 10 s live). `plan` and apply's stale check read the target
//! this way, so a plan made right after an apply sees every object that apply wrote.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt, stream};

use crate::ghl::{ApiResult, Ghl};
use crate::model::Account;
use crate::progress::{Event, Progress};
use crate::state::ObjectRecord;

/// Objects written less than this long ago are read by id even when a search shows them:
/// a search can show the record as it was before our write for a while (about 10 s live).
pub const RECENT_MS: i64 = 120_000;

/// What completing a snapshot found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    /// Source id -> target id, per kind, of every object the migration wrote that the target
    /// still holds.
    pub mapped: HashMap<String, HashMap<String, String>>,
    /// Objects the migration created that the target no longer has (a person deleted them).
    pub gone: Vec<ObjectRecord>,
}

impl View {
    /// The target id the ledger maps source object `source_id` of `kind` to, if it is there.
    pub fn target_of(&self, kind: &str, source_id: &str) -> Option<&str> {
        self.mapped.get(kind)?.get(source_id).map(String::as_str)
    }

    /// The gone object of `kind` created for `source_id`, if there is one. Notes and tasks are
    /// keyed by their step id (`note/<contact>/<source id>`), whose contact part changes once
    /// the contact is matched: they are found by the source id at its end.
    pub fn gone(&self, kind: &str, source_id: &str) -> Option<&ObjectRecord> {
        self.gone.iter().find(|o| {
            o.kind == kind
                && match kind {
                    "note" | "task" => o.source_key.rsplit('/').next() == Some(source_id),
                    _ => o.source_key == source_id,
                }
        })
    }
}

/// How the target is read by id: so many requests at a time (the account's limiter paces
/// them), the progress shown where it goes.
pub struct Reading<'a> {
    pub in_flight: usize,
    pub progress: &'a dyn Progress,
}

/// Completes `account` (a fresh snapshot of the target) with the ledger's `objects`: each
/// contact or opportunity the snapshot lacks, or that was written recently, is read by id and
/// put in (replacing the version the search gave). Objects of other kinds are listed whole by the API, so the snapshot's
/// version stands. Returns how many reads it took.
pub async fn complete<G: Ghl>(
    ghl: &G,
    account: &mut Account,
    objects: &[ObjectRecord],
    reading: &Reading<'_>,
) -> ApiResult<usize> {
    let now = now_ms();
    let contacts: HashSet<&str> = account.contacts.iter().map(|c| c.id.as_str()).collect();
    let opportunities: HashSet<&str> = account
        .opportunities
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    let wanted: Vec<&ObjectRecord> = objects
        .iter()
        .filter(|o| {
            let recent = now - o.at_ms < RECENT_MS;
            match o.kind.as_str() {
                "contact" => recent || !contacts.contains(o.target_id.as_str()),
                "opportunity" => recent || !opportunities.contains(o.target_id.as_str()),
                _ => false,
            }
        })
        .collect();
    let read: Vec<Read> = stream::iter(&wanted)
        .map(|o| async move {
            Ok(match o.kind.as_str() {
                "contact" => Read::Contact(ghl.get_contact(&o.target_id).await?.map(Box::new)),
                _ => {
                    let pipeline = pipeline_of(o).unwrap_or_default();
                    Read::Opportunity(ghl.get_opportunity(&o.target_id, &pipeline).await?)
                }
            })
        })
        .buffered(reading.in_flight.max(1))
        .try_collect()
        .await?;
    for r in read {
        match r {
            Read::Contact(Some(c)) => {
                account.contacts.retain(|x| x.id != c.id);
                account.contacts.push(*c);
            }
            Read::Opportunity(Some(x)) => {
                account.opportunities.retain(|y| y.id != x.id);
                account.opportunities.push(x);
            }
            Read::Contact(None) | Read::Opportunity(None) => {}
        }
    }
    Ok(wanted.len())
}

/// One object read by id: as it is now, or `None` when it is gone.
enum Read {
    Contact(Option<Box<crate::model::Contact>>),
    Opportunity(Option<crate::model::Opportunity>),
}

/// Puts in `account` (a target [`complete`]d with `objects`) the notes and tasks of every
/// contact the ledger names that the target still holds, each contact's own lists read by id
/// (an undo decides on them, and its stale check reads them the same way). Returns how many
/// reads it took.
pub async fn complete_history<G: Ghl>(
    ghl: &G,
    account: &mut Account,
    objects: &[ObjectRecord],
    reading: &Reading<'_>,
) -> ApiResult<usize> {
    let held: HashSet<&str> = account.contacts.iter().map(|c| c.id.as_str()).collect();
    let mut contacts: Vec<String> = objects
        .iter()
        .filter_map(|o| match o.kind.as_str() {
            "contact" => Some(o.target_id.clone()),
            "note" | "task" => contact_of(o),
            _ => None,
        })
        .filter(|id| held.contains(id.as_str()))
        .collect();
    contacts.sort();
    contacts.dedup();
    let total = contacts.len();
    let count = AtomicUsize::new(0);
    let read: Vec<_> = stream::iter(&contacts)
        .map(|id| async {
            let notes = ghl.contact_notes(id).await?;
            let tasks = ghl.contact_tasks(id).await?;
            reading.progress.event(&Event::ReadProgress {
                side: "target",
                done: count.fetch_add(1, Ordering::Relaxed) + 1,
                total,
            });
            ApiResult::Ok((notes, tasks))
        })
        .buffered(reading.in_flight.max(1))
        .try_collect()
        .await?;
    let named: HashSet<&str> = contacts.iter().map(String::as_str).collect();
    account
        .notes
        .retain(|n| !named.contains(n.contact_id.as_str()));
    account
        .tasks
        .retain(|t| !named.contains(t.contact_id.as_str()));
    for (notes, tasks) in read {
        account.notes.extend(notes);
        account.tasks.extend(tasks);
    }
    Ok(2 * total)
}

/// Whose notes and tasks a plan read from the target: all of them (a fixture target holds
/// them whole), or those of these target contacts (a live target is read per contact).
#[derive(Debug, Clone, Copy)]
pub enum HistoryRead<'a> {
    All,
    Of(&'a HashSet<String>),
}

impl HistoryRead<'_> {
    fn covers(&self, contact: Option<&str>) -> bool {
        match (self, contact) {
            (HistoryRead::All, _) => true,
            (HistoryRead::Of(read), Some(c)) => read.contains(c),
            (HistoryRead::Of(_), None) => false,
        }
    }
}

/// What the ledger's `objects` are in `account` (a target [`complete`]d with them): mapped
/// when the target holds them, gone when the migration created them and it does not. A note or
/// task is known gone only when its contact's notes and tasks were read (`history`).
pub fn view(account: &Account, objects: &[ObjectRecord], history: HistoryRead<'_>) -> View {
    let contacts: HashSet<&str> = account.contacts.iter().map(|c| c.id.as_str()).collect();
    let opportunities: HashSet<&str> = account
        .opportunities
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    let fields: HashSet<&str> = account
        .custom_fields
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    let notes: HashSet<&str> = account.notes.iter().map(|n| n.id.as_str()).collect();
    let tasks: HashSet<&str> = account.tasks.iter().map(|t| t.id.as_str()).collect();
    let read = |o: &ObjectRecord| history.covers(contact_of(o).as_deref());
    let mut view = View::default();
    for o in objects {
        let present = match o.kind.as_str() {
            "contact" => contacts.contains(o.target_id.as_str()),
            "opportunity" => opportunities.contains(o.target_id.as_str()),
            "custom_field" => fields.contains(o.target_id.as_str()),
            "note" => notes.contains(o.target_id.as_str()) || !read(o),
            "task" => tasks.contains(o.target_id.as_str()) || !read(o),
            // A kind this build does not read back (added by later step types) stays mapped.
            _ => true,
        };
        if present {
            view.mapped
                .entry(o.kind.clone())
                .or_default()
                .insert(o.source_key.clone(), o.target_id.clone());
        } else if o.how != "merged" {
            view.gone.push(o.clone());
        }
    }
    view
}

/// The pipeline an opportunity was created in, from the request the ledger recorded.
fn pipeline_of(o: &ObjectRecord) -> Option<String> {
    recorded(o, "pipelineId")
}

/// The target contact a note or task was created on, from the request the ledger recorded.
pub fn contact_of(o: &ObjectRecord) -> Option<String> {
    recorded(o, "contact")
}

/// A text value named `key` in the request the ledger recorded for `o` (at its top, or in the
/// request kind's object).
fn recorded(o: &ObjectRecord, key: &str) -> Option<String> {
    let body: serde_json::Value = serde_json::from_str(o.body.as_deref()?).ok()?;
    let find = |v: &serde_json::Value| v.get(key).and_then(|p| p.as_str()).map(String::from);
    find(&body).or_else(|| body.as_object()?.values().find_map(find))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

//! One step's requests, exactly once: an in-doubt create is looked up before it is (re-)sent,
//! once the target's search has had time to catch up with the write that may have landed; an
//! ambiguous failure makes the step in doubt; a duplicate refusal after an in-doubt attempt
//! means our earlier request did land. Idempotent updates are simply re-sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::before;
use super::canary::{self, Canary};
use super::merge;
use super::reconcile::{self, Found};
use super::request::Request;
use crate::ghl::{ApiError, ApiErrorKind, ApiResult, ContactWrite, Deleted, Doomed, Ghl};
use crate::plan::Action;

/// How many times one step is re-sent after ambiguous failures before the run stops.
const AMBIGUOUS_TRIES: u32 = 3;

/// What became of one step.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done {
        target_id: String,
        reconciled: bool,
        /// What an update found before writing, for the ledger (see `before`).
        before: Option<String>,
    },
    /// The API refused the object (recorded; the run goes on).
    Failed { reason: String },
    /// The run must stop; `in_doubt` says whether the request may have been acted on.
    Stop { error: ApiError, in_doubt: bool },
}

/// Everything one step needs to run.
pub struct StepRun<'a, G> {
    pub ghl: &'a G,
    /// The step's id (`contact/<email or phone>` names the key a merge was matched by).
    pub step_id: &'a str,
    pub action: &'a Action,
    pub request: Request,
    /// When the request in doubt was sent, at the latest (for a checkpoint's: when this
    /// session began); `None` when none was sent.
    pub doubt_since: Option<Instant>,
    /// How long the target's search may take to show a write.
    pub search_lag: Duration,
    /// How long after it was sent a write may still land.
    pub late_write: Duration,
    /// Raised when the run stops: a step still waiting for the search gives way (in doubt).
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Counts every request sent, for the report.
    pub requests: &'a AtomicU64,
    /// Verifies the first write of each unverified shape.
    pub canary: &'a Canary,
    /// Target ids other steps of the run own, for a note or task lookup (see `reconcile`).
    pub claimed: Vec<String>,
    /// What an update found in the contact before writing (JSON of `plan::undo::Before`).
    pub before: std::sync::Mutex<Option<String>>,
}

impl<G: Ghl> StepRun<'_, G> {
    pub async fn run(self) -> Outcome {
        // When the lookup may run: the write in doubt can no longer land (`late_write` after it
        // was sent, and not before we gave up on it) and the search shows it if it did.
        let mut look_after = self
            .doubt_since
            .map(|sent| sent + self.late_write + self.search_lag);
        let mut last = None;
        // A create refused with 422 may still have created (highlevel-api-docs #64): it is in
        // doubt until the lookup says; absent, the refusal stands.
        let mut refused: Option<ApiError> = None;
        for _ in 0..AMBIGUOUS_TRIES {
            let in_doubt = look_after.is_some();
            if let Some(after) = look_after {
                // Looking too early would miss an object that did land, and send it again.
                if reconcile::waits_in_doubt(self.action) && !self.settled(after).await {
                    let error = ApiError::new(
                        ApiErrorKind::Retryable,
                        "",
                        "the run stopped before this step could be looked up",
                    );
                    return stop(error, true);
                }
                self.count();
                let found =
                    reconcile::lookup(self.ghl, self.action, &self.request, &self.claimed).await;
                if let (Some(e), Ok(found)) = (&refused, &found)
                    && !matches!(found, Found::Exists(_))
                {
                    return Outcome::Failed {
                        reason: refusal_stands(e, found),
                    };
                }
                match found {
                    Ok(Found::Exists(id) | Found::AlreadyDone(id)) => {
                        return Outcome::Done {
                            target_id: id,
                            reconciled: true,
                            before: None,
                        };
                    }
                    Ok(Found::Absent) | Ok(Found::Idempotent) => {}
                    Ok(Found::NoKey) => {
                        return Outcome::Failed {
                            reason: "the create may have happened, but the object has no natural \
                                     key (email, phone or source-id stamp) to look it up by; check \
                                     the target by hand"
                                .into(),
                        };
                    }
                    Err(error) => return stop(error, true),
                }
            }
            let sent = Instant::now();
            match self.send_or_gone(in_doubt).await {
                Ok((target_id, reconciled)) => {
                    return Outcome::Done {
                        target_id,
                        reconciled,
                        before: self.before.lock().ok().and_then(|mut b| b.take()),
                    };
                }
                Err(e) if refusal_in_doubt(&e, self.action) && refused.is_none() => {
                    // An answer: whatever the server did, it did before answering.
                    look_after = Some(Instant::now() + self.search_lag);
                    refused = Some(e);
                }
                Err(e) if e.kind == ApiErrorKind::Permanent => {
                    return match e.existing_id.clone() {
                        // Our own earlier request may have created it and the server now calls it
                        // a duplicate; only if the existing contact is this one (not another person
                        // sharing a phone) is the step done with it.
                        Some(id) if in_doubt && self.is_own_contact(&id).await => Outcome::Done {
                            target_id: id,
                            reconciled: true,
                            before: None,
                        },
                        _ => Outcome::Failed {
                            reason: e.to_string(),
                        },
                    };
                }
                // Written wrong (it exists: a resume finds it) or held back (sent again on resume).
                Err(e) if let Some(written) = canary::stopped(&e) => {
                    return stop(e, written && reconcile::creates(self.action));
                }
                // A malformed answer to a write is as ambiguous as no answer: it may have acted.
                Err(e) if matches!(e.kind, ApiErrorKind::Ambiguous | ApiErrorKind::Protocol) => {
                    let landed_by = (sent + self.late_write).max(Instant::now());
                    look_after = Some(landed_by + self.search_lag);
                    last = Some(e);
                }
                Err(e) => return stop(e, in_doubt),
            }
        }
        stop(
            last.unwrap_or_else(|| ApiError::new(ApiErrorKind::Ambiguous, "", "no answer")),
            true,
        )
    }

    /// Waits until `until`; false when the run stops first.
    async fn settled(&self, until: Instant) -> bool {
        let mut stopping = self.stopping.clone();
        tokio::select! {
            _ = tokio::time::sleep_until(until) => true,
            Ok(_) = stopping.wait_for(|&s| s) => false,
        }
    }

    /// Whether the contact a duplicate refusal names is the one this create step makes.
    async fn is_own_contact(&self, id: &str) -> bool {
        let (Action::CreateContact(plan), Request::CreateContact(body)) =
            (self.action, &self.request)
        else {
            return false;
        };
        self.count();
        match self.ghl.get_contact(id).await {
            Ok(Some(c)) => reconcile::is_this_contact(&c, plan, body),
            _ => false,
        }
    }

    /// Reads the contact an update writes into, right before the write: it must still hold the
    /// key the plan matched it by, and a merge sends only what it still lacks.
    async fn read_before_update(
        &self,
        id: &str,
        body: &ContactWrite,
        add_tags: &[String],
        in_doubt: bool,
    ) -> ApiResult<ContactWrite> {
        let (Action::MergeContact(update) | Action::OverwriteContact(update)) = self.action else {
            return Ok(body.clone());
        };
        self.count();
        let endpoint = format!("GET /contacts/{id}");
        let refuse = |message: String| ApiError::new(ApiErrorKind::Permanent, &endpoint, message);
        let contact = self
            .ghl
            .get_contact(id)
            .await?
            .ok_or_else(|| refuse("the contact to update is no longer in the target".into()))?;
        if let Some(why) = merge::mismatch(&contact, &update.matched_by, self.step_id) {
            return Err(refuse(why));
        }
        let attempt = before::Attempt {
            overwrite: matches!(self.action, Action::OverwriteContact(_)),
            in_doubt,
        };
        let found = before::of(&contact, body, add_tags, attempt);
        if let Ok(mut slot) = self.before.lock() {
            *slot = serde_json::to_string(&found).ok();
        }
        Ok(match self.action {
            Action::MergeContact(_) => merge::still_empty(&contact, body),
            _ => body.clone(),
        })
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Refuses to delete a contact that holds a note or task now: the undo's own were deleted
    /// before it (its `after`), and one a person added since the undo plan's check would go
    /// with the contact. A contact already gone has nothing (its delete says so).
    async fn nothing_added_to(&self, contact: &str) -> ApiResult<()> {
        let read = async {
            self.count();
            let notes = self.ghl.contact_notes(contact).await?;
            self.count();
            Ok::<_, ApiError>((notes, self.ghl.contact_tasks(contact).await?))
        };
        let (notes, tasks) = match read.await {
            // A contact not found is answered 400 or 404 (ghl-api.md §7): gone, or refused?
            Err(e) if e.kind == ApiErrorKind::Permanent => {
                self.count();
                return match self.ghl.get_contact(contact).await? {
                    None => Ok(()),
                    Some(_) => Err(e),
                };
            }
            read => read?,
        };
        let held: Vec<String> = notes
            .iter()
            .map(|n| format!("note {:?}", crate::plan::label::text_start(&n.body)))
            .chain(tasks.iter().map(|t| format!("task {:?}", t.title)))
            .collect();
        if held.is_empty() {
            return Ok(());
        }
        Err(ApiError::new(
            ApiErrorKind::Permanent,
            format!("GET /contacts/{contact}/notes"),
            format!(
                "contact {contact} now holds {} that this undo did not plan to delete (added \
                 since the undo plan was checked): left alone with it",
                held.join(", ")
            ),
        ))
    }

    /// Sends the step's request(s): the target id, and whether it found its work already done
    /// (a delete answered "not found": the object is gone, recorded as reconciled).
    async fn send_or_gone(&self, in_doubt: bool) -> ApiResult<(String, bool)> {
        if let Request::Delete(what) = &self.request {
            if let Doomed::Contact { id } = what {
                self.nothing_added_to(id).await?;
            }
            self.count();
            let deleted = self.ghl.delete(what).await?;
            return Ok((what.id().to_string(), deleted == Deleted::AlreadyGone));
        }
        self.send(in_doubt).await.map(|id| (id, false))
    }

    /// Sends the step's request(s); returns the target id the step created or used.
    async fn send(&self, in_doubt: bool) -> ApiResult<String> {
        match &self.request {
            Request::CreateField(f) => {
                let write = async {
                    self.count();
                    let field = self.ghl.create_custom_field(f).await?;
                    self.canary.learn(&field).await;
                    Ok(field.id)
                };
                self.canary.guard(self.ghl, &self.request, write).await
            }
            Request::CreateContact(c) => {
                let write = async {
                    self.count();
                    Ok(self.ghl.create_contact(c).await?.id)
                };
                self.canary.guard(self.ghl, &self.request, write).await
            }
            Request::UpdateContact { id, body, add_tags } => {
                let write = async {
                    let body = self
                        .read_before_update(id, body, add_tags, in_doubt)
                        .await?;
                    if body != Default::default() {
                        self.count();
                        self.ghl.update_contact(id, &body).await?;
                    }
                    if !add_tags.is_empty() {
                        self.count();
                        self.ghl.add_contact_tags(id, add_tags).await?;
                    }
                    Ok(id.clone())
                };
                self.canary.guard(self.ghl, &self.request, write).await
            }
            Request::CreateOpportunity(o) => {
                let write = async {
                    self.count();
                    Ok(self.ghl.create_opportunity(o).await?.id)
                };
                self.canary.guard(self.ghl, &self.request, write).await
            }
            Request::CreatePipeline(p) => {
                self.count();
                Ok(self.ghl.create_pipeline(p).await?.id)
            }
            Request::AddStage { pipeline_id, stage } => {
                super::pipelines::add_stage(self.ghl, pipeline_id, stage, || self.count()).await
            }
            Request::CreateNote { contact, body } => {
                self.count();
                Ok(self.ghl.create_note(contact, body).await?.id)
            }
            Request::CreateTask { contact, body } => {
                self.count();
                Ok(self.ghl.create_task(contact, body).await?.id)
            }
            // Sent by `send_or_gone`.
            Request::Delete(what) => Ok(what.id().to_string()),
            Request::RestoreContact(restore) => {
                super::restore::send(self.ghl, restore, || self.count()).await
            }
        }
    }
}

/// A 422 answered to a create: the live API has been seen to create and still answer 422.
fn refusal_in_doubt(e: &ApiError, action: &Action) -> bool {
    e.kind == ApiErrorKind::Permanent && e.status == Some(422) && reconcile::creates(action)
}

/// Why a create refused with 422 failed, once the lookup did not find it.
fn refusal_stands(e: &ApiError, found: &Found) -> String {
    match found {
        Found::NoKey => format!(
            "{e} (it may have been created anyway, and nothing identifies it to look it up by; \
             check the target by hand)"
        ),
        _ => format!("{e} (looked up afterwards: not created)"),
    }
}

fn stop(error: ApiError, in_doubt: bool) -> Outcome {
    Outcome::Stop { error, in_doubt }
}

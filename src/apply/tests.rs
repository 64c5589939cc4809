//! The executor against the in-memory location (a real `Ghl` implementation with the API's write
//! semantics), with faults injected around it: lost answers, refusals, rate-limit stops, crashes
//! simulated by leaving steps `sending` in the checkpoint.

use std::collections::HashMap;
use std::sync::Mutex;

use super::testing::*;
use super::*;
use crate::ghl::memory::{MemoryAccount, MemoryOptions};
use crate::ghl::{
    ApiError, ApiErrorKind, ApiResult, ContactKey, ContactWrite, NewCustomField, NewNote,
    NewOpportunity, NewTask,
};
use crate::model::{
    Account, Contact, CustomField, Location, Note, Opportunity, Pipeline, Stage, Task, User,
};
use crate::progress::Silent;
use crate::state::{Access, Change, Durability, Update};

fn target() -> MemoryAccount {
    let account = Account {
        location: Location {
            id: "TGT".into(),
            name: "Target".into(),
        },
        pipelines: vec![Pipeline {
            id: PIPELINE.into(),
            name: "Sales".into(),
            stages: vec![Stage {
                id: STAGE.into(),
                name: "New".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        contacts: vec![Contact {
            id: "EXIST1".into(),
            email: Some("old@x.test".into()),
            tags: vec!["customer".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    MemoryAccount::new(account, MemoryOptions::default())
}

/// Fields, contacts referring to a new field, a merge, opportunities of new and existing contacts.
fn full_plan(target: &MemoryAccount) -> Plan {
    let mut plan = plan_of(vec![
        field_step("custom_field/region", "Region"),
        contact_step(
            "contact/a@x.test",
            "a@x.test",
            &[("custom_field/region", "EU")],
        ),
        contact_step("contact/b@x.test", "b@x.test", &[]),
        merge_step("contact/old@x.test", "EXIST1", "+15550100", &["vip"]),
        opportunity_step("opportunity/a-deal", "contact/a@x.test", "A deal"),
        opportunity_step("opportunity/b-deal", "contact/b@x.test", "B deal"),
        opportunity_step("opportunity/old-deal", "EXIST1", "Old deal"),
    ]);
    plan.target.fingerprint = crate::plan::fingerprint::account(&target.snapshot());
    plan
}

fn open(dir: &tempfile::TempDir) -> State {
    State::open(
        &dir.path().join("s.sqlite"),
        Access::Write(Durability::Normal),
    )
    .unwrap()
}

fn options(resume: bool) -> Options {
    Options {
        resume,
        max_in_flight: 4,
        ..Default::default()
    }
}

async fn run<G: Ghl>(g: &G, plan: &Plan, state: &mut State, resume: bool) -> Result<Report> {
    run_with(g, plan, state, options(resume)).await
}

async fn run_with<G: Ghl>(g: &G, plan: &Plan, state: &mut State, opts: Options) -> Result<Report> {
    let run = Run {
        target: g,
        plan,
        state,
        progress: &Silent,
    };
    apply(run, opts).await
}

/// A fresh run that stops when `interrupt` is raised.
fn interruptible(interrupt: tokio::sync::watch::Receiver<bool>) -> Options {
    Options {
        interrupt: Some(interrupt),
        ..options(false)
    }
}

/// The target as the full plan should leave it, ids aside.
fn assert_applied(t: &MemoryAccount) {
    let a = t.snapshot();
    assert_eq!(a.custom_fields.len(), 1, "{:?}", a.custom_fields);
    let region = &a.custom_fields[0].id;
    assert_eq!(a.contacts.len(), 3, "{:?}", a.contacts);
    let by_email = |e: &str| {
        a.contacts
            .iter()
            .find(|c| c.email.as_deref() == Some(e))
            .unwrap()
            .clone()
    };
    let ca = by_email("a@x.test");
    assert_eq!(ca.custom_fields.len(), 1);
    assert_eq!(&ca.custom_fields[0].id, region);
    let old = by_email("old@x.test");
    assert_eq!(old.phone.as_deref(), Some("+15550100"));
    let mut tags = old.tags.clone();
    tags.sort();
    assert_eq!(tags, vec!["customer", "vip"]);
    assert_eq!(a.opportunities.len(), 3, "{:?}", a.opportunities);
    let opp_of = |name: &str| {
        a.opportunities
            .iter()
            .find(|o| o.name == name)
            .unwrap()
            .contact_id
            .clone()
    };
    assert_eq!(opp_of("A deal"), ca.id);
    assert_eq!(opp_of("B deal"), by_email("b@x.test").id);
    assert_eq!(opp_of("Old deal"), "EXIST1");
}

#[tokio::test]
async fn a_plan_is_applied_completely_and_a_second_apply_writes_nothing() {
    let t = target();
    let plan = full_plan(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    let report = run(&t, &plan, &mut state, false).await.unwrap();
    assert_eq!(report.ending, Ending::Complete);
    assert_eq!(report.exit_code(), 0);
    assert_eq!(report.kinds["contact"].created, 2);
    assert_eq!(report.kinds["contact"].updated, 1);
    assert_eq!(report.kinds["opportunity"].created, 3);
    assert_applied(&t);

    let before = t.snapshot();
    let again = run(&t, &plan, &mut state, false).await.unwrap();
    assert_eq!(again.ending, Ending::Complete);
    assert_eq!(again.session_requests, 0);
    assert_eq!(t.snapshot(), before);
}

#[tokio::test]
async fn a_stale_plan_is_refused_before_any_write() {
    let t = target();
    let mut plan = full_plan(&t);
    plan.target.fingerprint = "sha256:old".into();
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    let before = t.snapshot();
    let err = run(&t, &plan, &mut state, false).await.unwrap_err();
    assert!(matches!(err, Error::StalePlan { .. }), "{err}");
    assert!(err.to_string().contains("re-run plan"));
    assert_eq!(t.snapshot(), before);
    assert_eq!(state.run().unwrap(), None);
}

#[tokio::test]
async fn a_dangling_reference_is_a_plan_error() {
    let t = target();
    let mut plan = full_plan(&t);
    plan.steps.remove(2); // contact/b@x.test, which opportunity/b-deal refers to
    let dir = tempfile::tempdir().unwrap();
    let err = run(&t, &plan, &mut open(&dir), false).await.unwrap_err();
    assert!(matches!(err, Error::Plan { .. }), "{err}");
    assert!(err.to_string().contains("contact/b@x.test"), "{err}");
}

/// Leaves the checkpoint as a crash right after sending `ids` would: intents recorded, no results.
fn crash_after_sending(state: &mut State, plan: &Plan, ids: &[&str]) {
    state.begin(&crate::state::NewRun::of(plan)).unwrap();
    let updates: Vec<Update> = ids
        .iter()
        .map(|id| Update {
            id: id.to_string(),
            change: Change::Sending { body: None },
        })
        .collect();
    state.record(&updates).unwrap();
}

#[tokio::test]
async fn steps_in_doubt_are_looked_up_before_they_are_sent_again() {
    let t = target();
    let plan = full_plan(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    // The field's create reached the target; the contact's did not.
    crash_after_sending(
        &mut state,
        &plan,
        &["custom_field/region", "contact/b@x.test"],
    );
    t.create_custom_field(&NewCustomField {
        name: "Region".into(),
        model: Some("contact".into()),
        ..Default::default()
    })
    .await
    .unwrap();

    let err = run(&t, &plan, &mut state, false).await.unwrap_err();
    assert!(err.to_string().contains("add --resume"), "{err}");

    let report = run(&t, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete, "{report:?}");
    assert_eq!(report.reconciled, 1);
    assert_applied(&t);
}

#[tokio::test]
async fn an_opportunity_in_doubt_is_found_by_contact_pipeline_and_name() {
    let t = target();
    let plan = full_plan(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    crash_after_sending(&mut state, &plan, &["opportunity/old-deal"]);
    t.create_opportunity(&NewOpportunity {
        pipeline_id: PIPELINE.into(),
        pipeline_stage_id: Some(STAGE.into()),
        name: "Old deal".into(),
        contact_id: "EXIST1".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let report = run(&t, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete);
    assert_eq!(report.reconciled, 1);
    assert_applied(&t);
}

/// Faults around a real location: writes that happen but whose answer is lost, refusals, stops.
struct Faulty {
    inner: MemoryAccount,
    /// Writes (by kind: "field", "contact", "opportunity", "update") and what to do on them.
    faults: Mutex<Vec<(&'static str, Fault)>>,
    /// Contact lookups that find nothing, as a search lagging behind writes would.
    blind_lookups: Mutex<u32>,
    /// Raised by a [`Fault::Interrupt`] write.
    interrupt: Option<tokio::sync::watch::Sender<bool>>,
    /// Lookups do not see contacts and opportunities created less than this long ago, as a
    /// search index that catches up with writes after a while.
    search_lag: std::time::Duration,
    born: Mutex<HashMap<String, tokio::time::Instant>>,
}

#[derive(Clone, Copy)]
enum Fault {
    /// The write happens, the answer is lost (e.g. a 504 after commit).
    LostAnswer,
    /// Refused before acting: rate limit beyond the retry budget.
    RateLimited,
    /// Refused for good.
    Refused,
    /// The write happens and the operator presses Ctrl-C as its answer arrives.
    Interrupt,
    /// The write happens, a moment later than the others.
    Slow,
}

impl Faulty {
    fn new(inner: MemoryAccount, faults: Vec<(&'static str, Fault)>) -> Self {
        Faulty {
            inner,
            faults: Mutex::new(faults),
            blind_lookups: Mutex::new(0),
            interrupt: None,
            search_lag: std::time::Duration::ZERO,
            born: Mutex::new(HashMap::new()),
        }
    }

    /// Notes when an object was created, for the search lag.
    fn born<T>(&self, id: impl Fn(&T) -> &str, created: ApiResult<T>) -> ApiResult<T> {
        if let Ok(object) = &created {
            let now = tokio::time::Instant::now();
            self.born
                .lock()
                .unwrap()
                .insert(id(object).to_string(), now);
        }
        created
    }

    /// Whether the search index shows the object yet.
    fn indexed(&self, id: &str) -> bool {
        self.born
            .lock()
            .unwrap()
            .get(id)
            .is_none_or(|&at| at.elapsed() >= self.search_lag)
    }

    /// Takes the first fault planned for this kind of write.
    fn fault(&self, kind: &str) -> Option<Fault> {
        let mut f = self.faults.lock().unwrap();
        let i = f.iter().position(|(k, _)| *k == kind)?;
        Some(f.remove(i).1)
    }

    async fn write<T>(
        &self,
        kind: &str,
        op: impl std::future::Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        let err = |k| ApiError::new(k, format!("POST /{kind}"), "injected");
        match self.fault(kind) {
            None => op.await,
            Some(Fault::LostAnswer) => {
                op.await?;
                Err(err(ApiErrorKind::Ambiguous).with_status(504))
            }
            Some(Fault::RateLimited) => Err(err(ApiErrorKind::RateLimited).with_status(429)),
            Some(Fault::Refused) => Err(err(ApiErrorKind::Permanent).with_status(422)),
            Some(Fault::Interrupt) => {
                let done = op.await;
                if let Some(tx) = &self.interrupt {
                    tx.send_replace(true);
                }
                done
            }
            Some(Fault::Slow) => {
                tokio::task::yield_now().await;
                op.await
            }
        }
    }
}

impl Ghl for Faulty {
    async fn location(&self) -> ApiResult<Location> {
        self.inner.location().await
    }
    async fn custom_fields(&self) -> ApiResult<Vec<CustomField>> {
        self.inner.custom_fields().await
    }
    async fn pipelines(&self) -> ApiResult<Vec<Pipeline>> {
        self.inner.pipelines().await
    }
    async fn users(&self) -> ApiResult<Vec<User>> {
        self.inner.users().await
    }
    async fn contacts(&self) -> ApiResult<Vec<Contact>> {
        let all = self.inner.contacts().await?;
        Ok(all.into_iter().filter(|c| self.indexed(&c.id)).collect())
    }
    async fn opportunities(&self) -> ApiResult<Vec<Opportunity>> {
        self.inner.opportunities().await
    }
    async fn create_custom_field(&self, field: &NewCustomField) -> ApiResult<CustomField> {
        self.write("field", self.inner.create_custom_field(field))
            .await
    }
    async fn create_contact(&self, contact: &ContactWrite) -> ApiResult<Contact> {
        let op = async {
            let created = self.inner.create_contact(contact).await;
            self.born(|c: &Contact| &c.id, created)
        };
        self.write("contact", op).await
    }
    async fn update_contact(&self, id: &str, contact: &ContactWrite) -> ApiResult<Contact> {
        self.write("update", self.inner.update_contact(id, contact))
            .await
    }
    async fn add_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        self.write("tags", self.inner.add_contact_tags(id, tags))
            .await
    }
    async fn create_opportunity(&self, o: &NewOpportunity) -> ApiResult<Opportunity> {
        let op = async {
            let created = self.inner.create_opportunity(o).await;
            self.born(|o: &Opportunity| &o.id, created)
        };
        self.write("opportunity", op).await
    }
    async fn find_contacts(&self, key: &ContactKey) -> ApiResult<Vec<Contact>> {
        {
            let mut blind = self.blind_lookups.lock().unwrap();
            if *blind > 0 {
                *blind -= 1;
                return Ok(vec![]);
            }
        }
        let found = self.inner.find_contacts(key).await?;
        Ok(found.into_iter().filter(|c| self.indexed(&c.id)).collect())
    }
    async fn get_contact(&self, id: &str) -> ApiResult<Option<Contact>> {
        self.inner.get_contact(id).await
    }
    async fn get_opportunity(&self, id: &str, p: &str) -> ApiResult<Option<Opportunity>> {
        self.inner.get_opportunity(id, p).await
    }
    async fn find_opportunities(&self, c: &str, p: &str) -> ApiResult<Vec<Opportunity>> {
        let found = self.inner.find_opportunities(c, p).await?;
        Ok(found.into_iter().filter(|o| self.indexed(&o.id)).collect())
    }
    async fn create_pipeline(&self, p: &crate::ghl::PipelineWrite) -> ApiResult<Pipeline> {
        self.write("pipeline", self.inner.create_pipeline(p)).await
    }
    async fn update_pipeline(
        &self,
        id: &str,
        p: &crate::ghl::PipelineWrite,
    ) -> ApiResult<Pipeline> {
        self.write("stages", self.inner.update_pipeline(id, p))
            .await
    }
    async fn get_pipeline(&self, id: &str) -> ApiResult<Option<Pipeline>> {
        self.inner.get_pipeline(id).await
    }
    async fn workflows(&self) -> ApiResult<Vec<crate::model::Workflow>> {
        self.inner.workflows().await
    }
    async fn contact_notes(&self, c: &str) -> ApiResult<Vec<Note>> {
        self.inner.contact_notes(c).await
    }
    async fn contact_tasks(&self, c: &str) -> ApiResult<Vec<Task>> {
        self.inner.contact_tasks(c).await
    }
    async fn location_tasks(&self) -> ApiResult<Option<Vec<Task>>> {
        self.inner.location_tasks().await
    }
    async fn create_note(&self, c: &str, note: &NewNote) -> ApiResult<Note> {
        self.write("note", self.inner.create_note(c, note)).await
    }
    async fn create_task(&self, c: &str, task: &NewTask) -> ApiResult<Task> {
        self.write("task", self.inner.create_task(c, task)).await
    }
}

#[tokio::test]
async fn lost_answers_after_the_write_create_nothing_twice() {
    let t = Faulty::new(
        target(),
        vec![
            ("field", Fault::LostAnswer),
            ("contact", Fault::LostAnswer),
            ("opportunity", Fault::LostAnswer),
            ("update", Fault::LostAnswer),
            ("tags", Fault::LostAnswer),
        ],
    );
    let plan = full_plan(&t.inner);
    let dir = tempfile::tempdir().unwrap();
    let report = run(&t, &plan, &mut open(&dir), false).await.unwrap();
    assert_eq!(report.ending, Ending::Complete, "{report:?}");
    assert_eq!(report.reconciled, 3);
    assert_applied(&t.inner);
}

#[tokio::test]
async fn a_refused_object_fails_its_dependents_are_blocked_and_the_rest_goes_on() {
    let t = Faulty::new(target(), vec![("contact", Fault::Refused)]);
    let plan = full_plan(&t.inner);
    let dir = tempfile::tempdir().unwrap();
    let report = run(&t, &plan, &mut open(&dir), false).await.unwrap();
    assert_eq!(report.ending, Ending::Rejected);
    assert_eq!(report.exit_code(), 4);
    assert_eq!(report.kinds["contact"].failed, 1);
    assert_eq!(report.kinds["opportunity"].blocked, 1);
    assert_eq!(report.kinds["opportunity"].created, 2);
    let blocked = report
        .failures
        .iter()
        .find(|f| f.status == "blocked")
        .unwrap();
    assert!(blocked.reason.contains("which failed"), "{blocked:?}");
    let failed = report
        .failures
        .iter()
        .find(|f| f.status == "failed")
        .unwrap();
    assert!(failed.reason.contains("422"), "{failed:?}");
}

/// The full plan, run until a rate limit stops it at the first opportunity (fields and
/// contacts written); its checkpoint lives in `dir`.
async fn stopped_by_a_rate_limit(dir: &tempfile::TempDir) -> (Faulty, Plan, State, Report) {
    let t = Faulty::new(target(), vec![("opportunity", Fault::RateLimited)]);
    let plan = full_plan(&t.inner);
    let mut state = open(dir);
    let report = run(&t, &plan, &mut state, false).await.unwrap();
    assert!(
        matches!(report.ending, Ending::Stopped { .. }),
        "{report:?}"
    );
    (t, plan, state, report)
}

#[tokio::test]
async fn a_rate_limit_stop_is_resumable_and_the_resume_finishes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (t, plan, mut state, report) = stopped_by_a_rate_limit(&dir).await;
    assert_eq!(report.exit_code(), 75);
    assert!(report.kinds["opportunity"].pending >= 1);
    let report = run(&t, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete, "{report:?}");
    assert_eq!(report.reconciled, 0);
    assert_applied(&t.inner);
}

/// The full plan with contact b also carrying a phone, against a location that refuses
/// duplicates, and a checkpoint that crashed after sending b's create.
fn b_in_doubt_where_duplicates_are_refused(
    t: &MemoryAccount,
    dir: &tempfile::TempDir,
) -> (Plan, State) {
    t.set_forbid_duplicates(true);
    let mut plan = full_plan(t);
    if let crate::plan::Action::CreateContact(c) = &mut plan.steps[2].action {
        c.fields.insert("phone".into(), "+15550199".into());
    }
    let mut state = open(dir);
    crash_after_sending(&mut state, &plan, &["contact/b@x.test"]);
    (plan, state)
}

/// The checkpoint's record of one step.
fn record(state: &State, id: &str) -> crate::state::StepRecord {
    state
        .steps()
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap()
}

#[tokio::test]
async fn a_duplicate_refusal_naming_our_own_contact_after_an_in_doubt_attempt_means_done() {
    let t = Faulty::new(target(), vec![]);
    let dir = tempfile::tempdir().unwrap();
    let (plan, mut state) = b_in_doubt_where_duplicates_are_refused(&t.inner, &dir);
    // The earlier create landed (same email and phone), but the lookup misses it, as a search
    // lagging behind writes would; the re-send is refused as a duplicate naming it.
    let landed = t
        .inner
        .create_contact(&ContactWrite {
            email: Some("b@x.test".into()),
            phone: Some("+15550199".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    *t.blind_lookups.lock().unwrap() = 1;
    let before = t.inner.snapshot().contacts.len();
    let report = run(&t, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete, "{report:?}");
    assert_eq!(
        t.inner.snapshot().contacts.len(),
        before + 1,
        "only contact a is new"
    );
    let b = record(&state, "contact/b@x.test");
    assert_eq!(b.target_id, Some(landed.id));
}

#[tokio::test]
async fn a_duplicate_refusal_naming_another_person_is_a_failure_not_done() {
    let t = target();
    let dir = tempfile::tempdir().unwrap();
    let (plan, mut state) = b_in_doubt_where_duplicates_are_refused(&t, &dir);
    // Someone else holds that phone: our earlier create never landed. Adopting that contact
    // would lose b@x.test and hang b's opportunity on another person.
    let other = t
        .create_contact(&ContactWrite {
            email: Some("other@x.test".into()),
            phone: Some("+15550199".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let report = run(&t, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Rejected, "{report:?}");
    let b = record(&state, "contact/b@x.test");
    assert_ne!(b.target_id, Some(other.id));
    assert!(
        report.failures.iter().any(|f| f.id == "contact/b@x.test"),
        "{report:?}"
    );
}

#[tokio::test]
async fn an_interrupt_stops_cleanly_and_resume_finishes() {
    let t = target();
    let plan = full_plan(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    let (tx, rx) = tokio::sync::watch::channel(true);
    let report = run_with(&t, &plan, &mut state, interruptible(rx))
        .await
        .unwrap();
    drop(tx);
    assert_eq!(
        report.ending,
        Ending::Stopped {
            reason: "interrupted".into()
        }
    );
    let report = run(&t, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete);
    assert_applied(&t);
}

#[tokio::test]
async fn an_interrupt_as_the_last_steps_land_is_a_complete_run() {
    let mut t = Faulty::new(
        target(),
        vec![("field", Fault::Interrupt), ("field", Fault::Slow)],
    );
    let (tx, rx) = tokio::sync::watch::channel(false);
    t.interrupt = Some(tx);
    let mut plan = plan_of(vec![
        field_step("custom_field/a", "A"),
        field_step("custom_field/b", "B"),
    ]);
    plan.target.fingerprint = crate::plan::fingerprint::account(&t.inner.snapshot());
    let dir = tempfile::tempdir().unwrap();
    let report = run_with(&t, &plan, &mut open(&dir), interruptible(rx))
        .await
        .unwrap();
    // Nothing was left to do when the stop was seen: not "stopped, resume" but complete.
    assert_eq!(report.ending, Ending::Complete, "{report:?}");
    assert_eq!(t.inner.snapshot().custom_fields.len(), 2);
}

#[tokio::test]
async fn a_resume_against_another_location_is_refused() {
    let t = target();
    let plan = full_plan(&t);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    crash_after_sending(&mut state, &plan, &["custom_field/region"]);
    let mut elsewhere = t.snapshot();
    elsewhere.location.id = "OTHER".into();
    let other = MemoryAccount::new(elsewhere, MemoryOptions::default());
    let err = run(&other, &plan, &mut state, true).await.unwrap_err();
    assert!(
        err.to_string().contains("target is location OTHER"),
        "{err}"
    );
    assert_eq!(other.snapshot().custom_fields.len(), 0);
}

/// A create whose answer is lost is looked up once the search has caught up: with the lag
/// waited out, nothing is created twice; looked up at once, the same lookup misses and the
/// contact and the opportunity are sent again (the duplicates the wait is for).
#[tokio::test(start_paused = true)]
async fn in_doubt_creates_are_looked_up_after_the_search_lag() {
    let lag = std::time::Duration::from_secs(5);
    for (wait, contacts, opportunities) in [(lag, 2, 1), (std::time::Duration::ZERO, 3, 2)] {
        let mut t = Faulty::new(
            target(),
            vec![
                ("contact", Fault::LostAnswer),
                ("opportunity", Fault::LostAnswer),
            ],
        );
        t.search_lag = lag;
        let mut plan = plan_of(vec![
            contact_step("contact/a@x.test", "a@x.test", &[]),
            opportunity_step("opportunity/a-deal", "contact/a@x.test", "A deal"),
        ]);
        plan.target.fingerprint = crate::plan::fingerprint::account(&t.inner.snapshot());
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            search_lag: wait,
            ..options(false)
        };
        let report = run_with(&t, &plan, &mut open(&dir), opts).await.unwrap();
        assert_eq!(report.ending, Ending::Complete, "{report:?}");
        let a = t.inner.snapshot();
        assert_eq!(
            a.contacts.len(),
            contacts,
            "waited {wait:?}: {:?}",
            a.contacts
        );
        assert_eq!(a.opportunities.len(), opportunities, "waited {wait:?}");
    }
}

/// A target with the right location id that is not the one the run wrote to (restored from a
/// backup, a sibling copy, a V1 key whose location cannot be read): the resume is refused
/// before anything is written, because a contact the run created is not there.
#[tokio::test]
async fn a_resume_against_a_copy_that_lacks_the_runs_writes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (t, plan, mut state, _) = stopped_by_a_rate_limit(&dir).await;

    let copy = target();
    let err = run(&copy, &plan, &mut state, true).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("does not look like the location this run wrote to"),
        "{err}"
    );
    assert_eq!(copy.snapshot(), target().snapshot(), "nothing written");
    // The location the run did write to resumes.
    let report = run(&t.inner, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete);
    assert_applied(&t.inner);
}

#[test]
fn the_witnesses_are_created_contacts_else_merge_targets() {
    let t = target();
    let plan = full_plan(&t);
    let ids = |w: Vec<same_target::Witness>| -> Vec<String> {
        w.iter().map(|w| w.contact_id.to_string()).collect()
    };
    assert_eq!(ids(same_target::witnesses(&plan, &[])), ["EXIST1"]);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    state.begin(&crate::state::NewRun::of(&plan)).unwrap();
    let done = |id: &str, target_id: &str| Update {
        id: id.into(),
        change: Change::Done {
            target_id: target_id.into(),
            reconciled: false,
        },
    };
    state
        .record(&[
            done("contact/a@x.test", "NEW_A"),
            done("contact/b@x.test", "NEW_B"),
        ])
        .unwrap();
    let records = state.steps().unwrap();
    assert_eq!(
        ids(same_target::witnesses(&plan, &records)),
        ["NEW_A", "NEW_B"]
    );
}

#[tokio::test]
async fn one_created_contact_deleted_since_does_not_stop_a_resume() {
    // Stopped at the last of the three opportunities, after both contacts were created.
    let t = Faulty::new(
        target(),
        vec![
            ("opportunity", Fault::Slow),
            ("opportunity", Fault::Slow),
            ("opportunity", Fault::RateLimited),
        ],
    );
    let plan = full_plan(&t.inner);
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    let report = run(&t, &plan, &mut state, false).await.unwrap();
    assert_eq!(report.exit_code(), 75, "{report:?}");
    let created = state
        .steps()
        .unwrap()
        .into_iter()
        .find(|s| s.action == "create_contact")
        .and_then(|s| s.target_id)
        .unwrap();
    let mut account = t.inner.snapshot();
    account.contacts.retain(|c| c.id != created);
    let without_one = MemoryAccount::new(account, MemoryOptions::default());
    // The resume goes on; only what needed the deleted contact fails, with its reason.
    let report = run(&without_one, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Rejected, "{report:?}");
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert!(
        report.failures[0].reason.contains("not found"),
        "{report:?}"
    );
}

/// A stop (here a rate limit on another step) does not wait for a step that is waiting out the
/// search lag: that step stays in doubt, and the resume looks it up.
#[tokio::test(start_paused = true)]
async fn a_stop_does_not_wait_out_the_search_lag() {
    let t = Faulty::new(
        target(),
        vec![
            ("contact", Fault::LostAnswer),
            ("contact", Fault::RateLimited),
        ],
    );
    let mut plan = plan_of(vec![
        contact_step("contact/a@x.test", "a@x.test", &[]),
        contact_step("contact/b@x.test", "b@x.test", &[]),
    ]);
    plan.target.fingerprint = crate::plan::fingerprint::account(&t.inner.snapshot());
    let dir = tempfile::tempdir().unwrap();
    let mut state = open(&dir);
    let lag = std::time::Duration::from_secs(60);
    let opts = Options {
        search_lag: lag,
        ..options(false)
    };
    let started = tokio::time::Instant::now();
    let report = run_with(&t, &plan, &mut state, opts).await.unwrap();
    assert!(
        matches!(report.ending, Ending::Stopped { .. }),
        "{report:?}"
    );
    assert!(
        started.elapsed() < lag,
        "the stop waited {:?}",
        started.elapsed()
    );
    let sending = state
        .steps()
        .unwrap()
        .into_iter()
        .filter(|s| s.status == StepStatus::Sending)
        .count();
    assert_eq!(sending, 1, "the step whose answer was lost stays in doubt");
    let report = run(&t.inner, &plan, &mut state, true).await.unwrap();
    assert_eq!(report.ending, Ending::Complete, "{report:?}");
    assert_eq!(report.reconciled, 1);
    assert_eq!(
        t.inner.snapshot().contacts.len(),
        3,
        "nothing created twice"
    );
}

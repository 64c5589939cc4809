//! The migration's ledger: one SQLite file (WAL) holding every run of every plan revision
//! against the target (per step: status, attempts, the target id it created or used, the
//! request it sent, its last error and timings) and the map of every source object to the
//! target object this migration created, merged into or adopted.
//!
//! The executor commits a step's intent (`sending`, with its request) before the request leaves
//! and the result right after; many results are grouped in one transaction. One writer at a
//! time: opening for writing takes an OS lock that the kernel drops when the process dies.
//! A session that ends cleanly folds the write-ahead log into the main file, so the file alone
//! is the whole ledger; one that did not is marked, so a copy missing its `-wal` is refused.

mod history;
mod lock;
mod records;
mod schema;
mod status;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::plan::fingerprint::ObjectDigest;

pub use history::{RunState, RunSummary};
pub use lock::{Lock, TargetLock, holder, lock_path};
pub use records::{
    Change, NewRun, NewStep, ObjectRecord, RunRecord, SessionEnd, SessionUsage, StepRecord, Update,
    plan_fingerprint, short_revision,
};
pub use status::StepStatus;

/// How hard a commit tries to reach the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Survives a killed process (WAL with `synchronous=NORMAL`).
    #[default]
    Normal,
    /// Also survives a machine losing power (`synchronous=FULL`).
    Full,
}

/// Whether the caller writes (apply) or only reads (status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Creates the file if needed and takes the single-writer lock.
    Write(Durability),
    /// An existing file only, no lock.
    Read,
}

/// An open ledger, with one run selected (the one `run`, `steps`, `record` act on).
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
    _lock: Option<Lock>,
    writer: bool,
    current: Option<i64>,
    usage: Usage,
}

/// The session's time and requests: what it has so far, and how much of it the run's totals
/// already hold (saved with every record, so that a killed session's count is not lost).
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    now: SessionUsage,
    saved: SessionUsage,
    /// The session is counted in the run's `sessions`.
    counted: bool,
}

/// The meta key set while a writer has the ledger open: its records may live in the `-wal`.
const OPEN_SESSION: &str = "open_session";

const RUN_COLUMNS: &str = "id, plan_name, plan_fingerprint, target_api, target_location,
    started_at_ms, finished_at_ms, sessions, active_ms, requests, pid, dry_run, undo";

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: r.get(0)?,
        plan_name: r.get(1)?,
        plan_fingerprint: r.get(2)?,
        target_api: r.get(3)?,
        target_location: r.get(4)?,
        started_at_ms: r.get(5)?,
        finished_at_ms: r.get(6)?,
        sessions: r.get(7)?,
        active_ms: r.get(8)?,
        requests: r.get(9)?,
        pid: r.get(10)?,
        dry_run: r.get::<_, i64>(11)? != 0,
        undo: r.get::<_, i64>(12)? != 0,
    })
}

impl State {
    /// Opens (for writing: creates, and locks) the ledger at `path`. A file that is not a
    /// ledger is refused before anything is changed (no lock file, no mode change).
    pub fn open(path: &Path, access: Access) -> Result<State> {
        let writer = matches!(access, Access::Write(_));
        if !writer && !path.exists() {
            return Err(state_error(
                path,
                "no checkpoint here: nothing was applied yet".to_string(),
            ));
        }
        refuse_if_not_sqlite(path)?;
        let wal_present = wal_path(path).exists();
        if writer && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let flags = if writer {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        };
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| db_error(path, &e))?;
        let found = schema::inspect(&conn).map_err(|e| db_error(path, &e))?;
        match found {
            schema::Found::Current | schema::Found::Upgradable(_) => {}
            schema::Found::Empty if writer => {}
            schema::Found::Empty => {
                return Err(state_error(path, "the checkpoint is empty".to_string()));
            }
            schema::Found::OtherVersion(v) => {
                return Err(state_error(
                    path,
                    format!(
                        "checkpoint format version {v}, this ghl-migrate reads versions 1 to {}",
                        schema::VERSION
                    ),
                ));
            }
            schema::Found::Foreign => {
                return Err(state_error(
                    path,
                    "not a ghl-migrate checkpoint (another SQLite database); \
                     pass another --state or move this file away"
                        .to_string(),
                ));
            }
        }
        // Another writer may be starting at this very moment: a writer decides after it holds
        // the lock (the other one then either holds it still, or has ended). A log that exists
        // now but is empty was created by this opening, not left by a crash.
        let lock = match access {
            Access::Write(_) => Some(Lock::acquire(path)?),
            Access::Read => None,
        };
        let wal_empty_now = std::fs::metadata(wal_path(path)).map_or(true, |m| m.len() == 0);
        if found != schema::Found::Empty && !wal_present && wal_empty_now && unclean(&conn) {
            return Err(state_error(path, lost_wal_message(path)));
        }
        if let Access::Write(durability) = access {
            // It holds personal data (emails, phones, server messages): owner only.
            restrict_to_owner(path)?;
            match found {
                schema::Found::Empty => schema::create(&mut conn),
                schema::Found::Upgradable(from) => schema::upgrade(&mut conn, from),
                _ => Ok(()),
            }
            .map_err(|e| db_error(path, &e))?;
            configure(&conn, durability).map_err(|e| db_error(path, &e))?;
            mark_open(&conn).map_err(|e| db_error(path, &e))?;
        } else if found == schema::Found::Upgradable(1) {
            return Err(state_error(
                path,
                "a checkpoint of format version 1: the next `apply` upgrades it in place".into(),
            ));
        }
        Ok(State {
            conn,
            path: path.to_path_buf(),
            _lock: lock,
            writer,
            current: None,
            usage: Usage::default(),
        })
    }

    /// Opens an existing ledger to read it; one of format version 1 is upgraded first (which
    /// takes the writer's lock for a moment).
    pub fn open_upgrading(path: &Path) -> Result<State> {
        let needs_upgrade = {
            let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| db_error(path, &e))?;
            matches!(
                schema::inspect(&conn).map_err(|e| db_error(path, &e))?,
                schema::Found::Upgradable(_)
            )
        };
        if needs_upgrade {
            drop(State::open(path, Access::Write(Durability::Normal))?);
        }
        State::open(path, Access::Read)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every run in the ledger, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id"))
            .map_err(|e| self.err(&e))?;
        let rows = stmt.query_map([], run_row).map_err(|e| self.err(&e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(&e))
    }

    /// Selects the latest run of the plan revision `fingerprint`; `None` when it never ran.
    pub fn select_revision(&mut self, fingerprint: &str) -> Result<Option<RunRecord>> {
        let run = self
            .conn
            .query_row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE plan_fingerprint = ?1
                     ORDER BY id DESC LIMIT 1"
                ),
                [fingerprint],
                run_row,
            )
            .optional()
            .map_err(|e| self.err(&e))?;
        self.current = run.as_ref().map(|r| r.id);
        Ok(run)
    }

    /// Selects the latest run of any revision.
    pub fn select_latest(&mut self) -> Result<Option<RunRecord>> {
        let latest = self.runs()?.pop();
        self.current = latest.as_ref().map(|r| r.id);
        Ok(latest)
    }

    /// The selected run.
    pub fn run(&self) -> Result<Option<RunRecord>> {
        let Some(id) = self.current else {
            return Ok(None);
        };
        self.conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [id],
                run_row,
            )
            .optional()
            .map_err(|e| self.err(&e))
    }

    /// Every step of the selected run, in plan order (none when no run is selected).
    pub fn steps(&self) -> Result<Vec<StepRecord>> {
        match self.current {
            Some(run) => self.steps_of(run),
            None => Ok(Vec::new()),
        }
    }

    /// The requests of the merges and overwrites later runs (after run `after`, not undos or dry
    /// runs) did on the ledger entry `kind`/`source_key`, oldest first: a later revision's
    /// merge into an object an earlier one created keeps the created entry in the map.
    pub fn later_merges(&self, kind: &str, source_key: &str, after: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.body FROM steps s JOIN runs r ON r.id = s.run_id
                 WHERE s.kind = ?1 AND s.source_key = ?2 AND s.run_id > ?3
                   AND s.status = 'done' AND s.body IS NOT NULL
                   AND s.action IN ('merge_contact', 'overwrite_contact')
                   AND r.undo = 0 AND r.dry_run = 0
                 ORDER BY s.run_id",
            )
            .map_err(|e| self.err(&e))?;
        let rows = stmt
            .query_map(params![kind, source_key, after], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(&e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(&e))
    }

    /// Every step of run `run`, in plan order.
    pub fn steps_of(&self, run: i64) -> Result<Vec<StepRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, action, status, attempts, target_id, reconciled, last_error,
                        started_at_ms, finished_at_ms FROM steps WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(&e))?;
        let rows = stmt
            .query_map([run], |r| {
                let status: String = r.get(3)?;
                Ok((
                    status,
                    StepRecord {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        action: r.get(2)?,
                        status: StepStatus::Pending,
                        attempts: r.get(4)?,
                        target_id: r.get(5)?,
                        reconciled: r.get::<_, i64>(6)? != 0,
                        last_error: r.get(7)?,
                        started_at_ms: r.get(8)?,
                        finished_at_ms: r.get(9)?,
                    },
                ))
            })
            .map_err(|e| self.err(&e))?;
        let mut out = Vec::new();
        for row in rows {
            let (status, mut rec) = row.map_err(|e| self.err(&e))?;
            rec.status = status
                .parse()
                .map_err(|m: String| state_error(&self.path, m))?;
            out.push(rec);
        }
        Ok(out)
    }

    /// The map: every object this migration created, merged into or adopted (and has not
    /// undone) in target location `location`.
    pub fn objects(&self, location: &str) -> Result<Vec<ObjectRecord>> {
        // A version-2 ledger read as it is has no `before`.
        let before = match schema::has_column(&self.conn, "objects", "before") {
            Ok(true) => "o.before",
            _ => "NULL",
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT o.kind, o.source_key, o.target_id, o.how, o.run_id, o.step_id, o.body,
                        o.at_ms, {}
                 FROM objects o JOIN runs r ON r.id = o.run_id
                 WHERE r.target_location = ?1 ORDER BY o.run_id, o.kind, o.source_key",
                before
            ))
            .map_err(|e| self.err(&e))?;
        let rows = stmt
            .query_map([location], |r| {
                Ok(ObjectRecord {
                    kind: r.get(0)?,
                    source_key: r.get(1)?,
                    target_id: r.get(2)?,
                    how: r.get(3)?,
                    run_id: r.get(4)?,
                    step_id: r.get(5)?,
                    body: r.get(6)?,
                    at_ms: r.get(7)?,
                    before: r.get(8)?,
                })
            })
            .map_err(|e| self.err(&e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(&e))
    }

    /// Steps that earlier runs against target location `location` left in doubt (sent, no
    /// answer recorded) and that no later run finished: the write may have landed. Their ids
    /// and source objects (`kind`, `source_key`): a new revision's step of the same id or
    /// source object must be looked up before it is sent.
    pub fn doubts_elsewhere(&self, location: &str) -> Result<Vec<(String, String)>> {
        let current = self.current.unwrap_or(0);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT DISTINCT s.id, s.kind || ' ' || coalesce(s.source_key, s.id)
                 FROM steps s JOIN runs r ON r.id = s.run_id
                 WHERE s.status = 'sending' AND r.id != ?1 AND r.dry_run = 0
                   AND r.target_location = ?2
                   AND NOT EXISTS (SELECT 1 FROM steps l WHERE l.id = s.id
                                   AND l.run_id > s.run_id AND l.status = 'done')
                 ORDER BY s.id",
            )
            .map_err(|e| self.err(&e))?;
        let rows = stmt
            .query_map(params![current, location], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(&e))?;
        rows.collect::<rusqlite::Result<Vec<(String, String)>>>()
            .map_err(|e| self.err(&e))
    }

    /// Keeps the target as a plan saw it (each object's digest), under the plan's target
    /// fingerprint, so a stale apply can say what changed since; the latest few are kept.
    pub fn record_view(&mut self, fingerprint: &str, objects: &[ObjectDigest]) -> Result<()> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_error(&path, &e);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM views WHERE fingerprint = ?1", [fingerprint])
            .map_err(err)?;
        tx.execute(
            "DELETE FROM views WHERE fingerprint NOT IN (SELECT fingerprint FROM views
                 GROUP BY fingerprint ORDER BY max(at_ms) DESC LIMIT 3)",
            [],
        )
        .map_err(err)?;
        {
            let now = now_ms();
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO views (fingerprint, kind, id, label, digest, at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for o in objects {
                insert
                    .execute(params![fingerprint, o.kind, o.id, o.label, o.digest, now])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The target as the plan with target fingerprint `fingerprint` saw it, if it was kept.
    pub fn view(&self, fingerprint: &str) -> Result<Option<Vec<ObjectDigest>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT kind, id, label, digest FROM views WHERE fingerprint = ?1")
            .map_err(|e| self.err(&e))?;
        let rows = stmt
            .query_map([fingerprint], |r| {
                let kind: String = r.get(0)?;
                Ok(ObjectDigest {
                    kind: static_kind(&kind),
                    id: r.get(1)?,
                    label: r.get(2)?,
                    digest: r.get(3)?,
                })
            })
            .map_err(|e| self.err(&e))?;
        let all = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(&e))?;
        Ok((!all.is_empty()).then_some(all))
    }

    /// Records a new run with every step pending and selects it; the selected run is replaced
    /// when it is of the same revision and never sent anything.
    pub fn begin(&mut self, run: &NewRun) -> Result<()> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_error(&path, &e);
        let unused = match (self.run()?, self.current) {
            (Some(r), Some(id)) if r.plan_fingerprint == run.plan_fingerprint => self
                .steps_of(id)?
                .iter()
                .all(|s| s.status == StepStatus::Pending && s.attempts == 0)
                .then_some(id),
            _ => None,
        };
        let tx = self.conn.transaction().map_err(err)?;
        if let Some(id) = unused {
            tx.execute("DELETE FROM steps WHERE run_id = ?1", [id])
                .map_err(err)?;
            tx.execute("DELETE FROM runs WHERE id = ?1", [id])
                .map_err(err)?;
        }
        tx.execute(
            "INSERT INTO runs (plan_name, plan_fingerprint, target_api, target_location,
                               started_at_ms, pid, undo, dry_run)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                run.plan_name,
                run.plan_fingerprint,
                run.target_api,
                run.target_location,
                now_ms(),
                std::process::id() as i64,
                run.undo as i64,
                run.dry_run as i64,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO steps (run_id, id, seq, kind, action, status, source_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
                )
                .map_err(err)?;
            for (seq, step) in run.steps.iter().enumerate() {
                insert
                    .execute(params![
                        id,
                        step.id,
                        seq as i64,
                        step.kind,
                        step.action,
                        step.source_key
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        self.current = Some(id);
        Ok(())
    }

    /// Notes that this process now runs the selected run (for `status`).
    pub fn start_session(&mut self) -> Result<()> {
        let run = self.selected()?;
        self.conn
            .execute(
                "UPDATE runs SET pid = ?2 WHERE id = ?1",
                params![run, std::process::id() as i64],
            )
            .map_err(|e| self.err(&e))?;
        Ok(())
    }

    /// Applies many step changes of the selected run in one transaction (one commit, one
    /// sync); a step done also enters the map (an undo's step done leaves it).
    pub fn record(&mut self, updates: &[Update]) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let run = self.selected()?;
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_error(&path, &e);
        let (undo, dry_run): (bool, bool) = self
            .conn
            .query_row("SELECT undo, dry_run FROM runs WHERE id = ?1", [run], |r| {
                Ok((r.get::<_, i64>(0)? != 0, r.get::<_, i64>(1)? != 0))
            })
            .map_err(err)?;
        let now = now_ms();
        let tx = self.conn.transaction().map_err(err)?;
        for u in updates {
            let changed = match &u.change {
                Change::Sending { body } => tx.execute(
                    "UPDATE steps SET status = 'sending', attempts = attempts + 1,
                            started_at_ms = coalesce(started_at_ms, ?3),
                            body = coalesce(?4, body) WHERE run_id = ?1 AND id = ?2",
                    params![run, u.id, now, body],
                ),
                Change::Before { before } => tx.execute(
                    "UPDATE steps SET before = ?3 WHERE run_id = ?1 AND id = ?2",
                    params![run, u.id, before],
                ),
                Change::Pending { reason } => tx.execute(
                    "UPDATE steps SET status = 'pending', last_error = ?3
                     WHERE run_id = ?1 AND id = ?2",
                    params![run, u.id, reason],
                ),
                Change::Done {
                    target_id,
                    reconciled,
                } => tx
                    .execute(
                        "UPDATE steps SET status = 'done', target_id = ?3, reconciled = ?4,
                                finished_at_ms = ?5 WHERE run_id = ?1 AND id = ?2",
                        params![run, u.id, target_id, *reconciled as i64, now],
                    )
                    .and_then(|n| {
                        if !dry_run {
                            map_object(&tx, run, &u.id, undo, now)?;
                        }
                        Ok(n)
                    }),
                Change::Failed { reason } => tx.execute(
                    "UPDATE steps SET status = 'failed', last_error = ?3, finished_at_ms = ?4
                     WHERE run_id = ?1 AND id = ?2",
                    params![run, u.id, reason, now],
                ),
                Change::Blocked { reason } => tx.execute(
                    "UPDATE steps SET status = 'blocked', last_error = ?3, finished_at_ms = ?4
                     WHERE run_id = ?1 AND id = ?2",
                    params![run, u.id, reason, now],
                ),
            }
            .map_err(err)?;
            if changed != 1 {
                return Err(state_error(
                    &self.path,
                    format!("step `{}` is not in this checkpoint", u.id),
                ));
            }
        }
        let usage = self.usage;
        add_usage(&tx, run, &usage, None).map_err(err)?;
        tx.commit().map_err(err)?;
        self.usage.saved = usage.now;
        self.usage.counted = true;
        Ok(())
    }

    /// What the session has sent and spent so far: saved with the next `record`.
    pub fn session_so_far(&mut self, usage: SessionUsage) {
        self.usage.now = usage;
    }

    /// Adds a session's time and requests to the selected run and marks it finished when it is.
    pub fn end_session(&mut self, end: SessionEnd) -> Result<()> {
        let run = self.selected()?;
        let usage = Usage {
            now: SessionUsage {
                active_ms: end.active_ms,
                requests: end.requests,
            },
            ..self.usage
        };
        add_usage(&self.conn, run, &usage, end.finished.then(now_ms)).map_err(|e| self.err(&e))?;
        self.usage = Usage::default();
        Ok(())
    }

    /// The migration's history: every run, oldest first, and where it stands.
    pub fn history(&self) -> Result<Vec<RunSummary>> {
        let writer = self.writer_pid();
        self.runs()?
            .iter()
            .map(|r| {
                let steps = self.steps_of(r.id)?;
                Ok(RunSummary::of(r, &steps, writer))
            })
            .collect()
    }

    /// The process that holds the ledger open for writing now, if any (an apply running).
    pub fn writer_pid(&self) -> Option<u32> {
        lock::holder(&self.path).flatten()
    }

    fn selected(&self) -> Result<i64> {
        self.current
            .ok_or_else(|| state_error(&self.path, "no run was begun in this ledger".into()))
    }

    fn err(&self, e: &rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }
}

/// Adds to run `run`'s totals what `usage` has beyond what they already hold (and the session
/// itself, the first time), and marks the run finished at `finished`.
fn add_usage(
    conn: &Connection,
    run: i64,
    usage: &Usage,
    finished: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE runs SET sessions = sessions + ?2, active_ms = active_ms + ?3,
                requests = requests + ?4, finished_at_ms = coalesce(?5, finished_at_ms)
         WHERE id = ?1",
        params![
            run,
            (!usage.counted) as i64,
            usage.now.active_ms - usage.saved.active_ms,
            usage.now.requests - usage.saved.requests,
            finished,
        ],
    )?;
    Ok(())
}

impl Drop for State {
    /// A clean end: the write-ahead log goes into the main file, which alone is then the
    /// whole ledger (a copy of it without its `-wal` loses nothing).
    fn drop(&mut self) {
        if self.writer {
            let _ = self
                .conn
                .execute("DELETE FROM meta WHERE key = ?1", [OPEN_SESSION]);
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

/// Puts a done step's object in the map (or, for an undo, takes it out). Creates and
/// adoptions are not turned into merges by a later revision's merge into the same object.
fn map_object(
    tx: &rusqlite::Transaction<'_>,
    run: i64,
    step: &str,
    undo: bool,
    now: i64,
) -> rusqlite::Result<()> {
    if undo {
        tx.execute(
            "DELETE FROM objects WHERE (kind, source_key) IN
                 (SELECT kind, source_key FROM steps WHERE run_id = ?1 AND id = ?2)",
            params![run, step],
        )?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO objects (kind, source_key, target_id, how, run_id, step_id, body, at_ms,
                              before)
         SELECT kind, source_key, target_id,
                CASE WHEN action NOT LIKE 'create%' THEN 'merged'
                     WHEN reconciled != 0 THEN 'adopted' ELSE 'created' END,
                run_id, id, body, ?3, before
         FROM steps WHERE run_id = ?1 AND id = ?2 AND source_key IS NOT NULL
         ON CONFLICT (kind, source_key) DO UPDATE SET
             target_id = excluded.target_id, how = excluded.how, run_id = excluded.run_id,
             step_id = excluded.step_id, body = excluded.body, at_ms = excluded.at_ms,
             before = excluded.before
         WHERE excluded.how != 'merged' OR objects.how = 'merged'",
        params![run, step, now],
    )?;
    Ok(())
}

/// The kinds an [`ObjectDigest`] names.
fn static_kind(kind: &str) -> &'static str {
    ["custom_field", "pipeline", "user", "contact", "opportunity"]
        .into_iter()
        .find(|k| *k == kind)
        .unwrap_or("object")
}

/// Whether the ledger says a writer had it open and did not end cleanly.
fn unclean(conn: &Connection) -> bool {
    conn.query_row(
        "SELECT value FROM meta WHERE key = ?1",
        [OPEN_SESSION],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .ok()
    .flatten()
    .is_some()
}

/// Marks the ledger open by a writer, in the main file itself (a checkpoint moves the mark and
/// everything before it out of the log): a copy of the file without its `-wal` shows the mark.
fn mark_open(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![OPEN_SESSION, std::process::id().to_string()],
    )?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

fn lost_wal_message(path: &Path) -> String {
    format!(
        "the last apply on this checkpoint did not end cleanly, and its latest records live in \
         its write-ahead log {}, which is missing (was the file copied or moved without it?). \
         Put that file back beside the checkpoint; resuming without it would send again what \
         was already written. A checkpoint is the .sqlite file alone only after an apply ends \
         by itself (finished, stopped, or interrupted once with Ctrl-C); after a crash or \
         kill, keep its -wal file with it",
        wal_path(path).display()
    )
}

/// `<state>-wal`, SQLite's write-ahead log beside the database.
fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push("-wal");
    PathBuf::from(name)
}

/// Refuses an existing, non-empty file that is not an SQLite database, before touching it.
fn refuse_if_not_sqlite(path: &Path) -> Result<()> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(_) => return Ok(()),
        }
    }
    if read == 0 || header == *b"SQLite format 3\0" {
        return Ok(());
    }
    Err(state_error(path, not_a_ledger()))
}

fn configure(conn: &Connection, durability: Durability) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    debug_assert_eq!(mode.to_lowercase(), "wal");
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.execute_batch(&format!("PRAGMA synchronous = {sync};"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn state_error(path: &Path, message: String) -> Error {
    Error::State {
        path: path.to_path_buf(),
        message,
    }
}

/// A file that is no SQLite database: most often the wrong `--state`, sometimes a damaged ledger.
fn not_a_ledger() -> String {
    format!(
        "not a ghl-migrate checkpoint (not an SQLite file, or corrupt): pass the right --state. \
         If it is this migration's ledger, damaged: {WITHOUT_IT}"
    )
}

/// What a person must know before going on without the ledger: only the target's search finds
/// what the migration wrote then, and it finds a fresh write only after its lag.
const WITHOUT_IT: &str = "keep a copy of it: it is the only record of what the migration \
     wrote. To go on without it, move it away and re-run plan against the target, waiting first \
     at least rate_limit.search_lag_ms (15 s unless set) after the last apply ended: a plan \
     made sooner cannot find the newest writes and would create them again";

/// SQLite's errors, phrased for a person (a corrupt or foreign file says so).
fn db_error(path: &Path, e: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let message = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_a_ledger(),
        Some(ErrorCode::DatabaseCorrupt) => format!("the checkpoint is corrupt: {WITHOUT_IT}"),
        _ => e.to_string(),
    };
    state_error(path, message)
}

#[cfg(test)]
mod tests;

/// Creates the checkpoint's folder, readable by its owner only, with a `.gitignore` that keeps
/// checkpoints (personal data) out of commits.
fn create_private_dir(dir: &Path) -> Result<()> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    if !existed {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let _ = std::fs::write(
            dir.join(".gitignore"),
            "# ghl-migrate checkpoints hold personal data\n*\n",
        );
    }
    Ok(())
}

/// Makes the checkpoint file readable and writable by its owner only.
fn restrict_to_owner(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| Error::Write {
                path: path.to_path_buf(),
                source,
            },
        )?;
    }
    Ok(())
}

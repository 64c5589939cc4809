//! The checkpoint: a SQLite file (WAL) recording, for one plan, the status of every step, its
//! attempts, the target id it created or used, its last error and timings.
//!
//! The executor commits a step's intent (`sending`) before its request leaves and the result
//! right after; many results are grouped in one transaction. One writer at a time: opening for
//! writing takes an OS lock that the kernel drops when the process dies.

mod lock;
mod records;
mod schema;
mod status;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::{Error, Result};

pub use lock::{Lock, holder, lock_path};
pub use records::{
    Change, NewRun, NewStep, RunRecord, SessionEnd, StepRecord, Update, plan_fingerprint,
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

/// An open checkpoint.
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
    _lock: Option<Lock>,
}

impl State {
    /// Opens (for writing: creates, and locks) the checkpoint at `path`.
    pub fn open(path: &Path, access: Access) -> Result<State> {
        let lock = match access {
            Access::Write(_) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    create_private_dir(dir)?;
                }
                Some(Lock::acquire(path)?)
            }
            Access::Read => {
                if !path.exists() {
                    return Err(state_error(
                        path,
                        "no checkpoint here: nothing was applied yet".to_string(),
                    ));
                }
                None
            }
        };
        let flags = match access {
            Access::Write(_) => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            Access::Read => OpenFlags::SQLITE_OPEN_READ_ONLY,
        };
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| db_error(path, &e))?;
        if matches!(access, Access::Write(_)) {
            // It holds personal data (emails, phones, server messages): owner only.
            restrict_to_owner(path)?;
        }
        let found = schema::inspect(&conn).map_err(|e| db_error(path, &e))?;
        match found {
            schema::Found::Current => {}
            schema::Found::Empty if matches!(access, Access::Write(_)) => {
                schema::create(&mut conn).map_err(|e| db_error(path, &e))?;
            }
            schema::Found::Empty => {
                return Err(state_error(path, "the checkpoint is empty".to_string()));
            }
            schema::Found::OtherVersion(v) => {
                return Err(state_error(
                    path,
                    format!(
                        "checkpoint format version {v}, this ghl-migrate reads version {}",
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
        if let Access::Write(durability) = access {
            configure(&conn, durability).map_err(|e| db_error(path, &e))?;
        }
        Ok(State {
            conn,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run this checkpoint belongs to, if one was begun.
    pub fn run(&self) -> Result<Option<RunRecord>> {
        self.conn
            .query_row(
                "SELECT plan_name, plan_fingerprint, target_api, target_location, started_at_ms,
                        finished_at_ms, sessions, active_ms, requests FROM run WHERE id = 1",
                [],
                |r| {
                    Ok(RunRecord {
                        plan_name: r.get(0)?,
                        plan_fingerprint: r.get(1)?,
                        target_api: r.get(2)?,
                        target_location: r.get(3)?,
                        started_at_ms: r.get(4)?,
                        finished_at_ms: r.get(5)?,
                        sessions: r.get(6)?,
                        active_ms: r.get(7)?,
                        requests: r.get(8)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(&e))
    }

    /// Every step, in plan order.
    pub fn steps(&self) -> Result<Vec<StepRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, action, status, attempts, target_id, reconciled, last_error,
                        started_at_ms, finished_at_ms FROM steps ORDER BY seq",
            )
            .map_err(|e| self.err(&e))?;
        let rows = stmt
            .query_map([], |r| {
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

    /// Records a new run with every step pending, replacing a run that never sent anything.
    pub fn begin(&mut self, run: &NewRun) -> Result<()> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_error(&path, &e);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM steps", []).map_err(err)?;
        tx.execute("DELETE FROM run", []).map_err(err)?;
        tx.execute(
            "INSERT INTO run (id, plan_name, plan_fingerprint, target_api, target_location,
                              started_at_ms)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![
                run.plan_name,
                run.plan_fingerprint,
                run.target_api,
                run.target_location,
                now_ms()
            ],
        )
        .map_err(err)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO steps (id, seq, kind, action, status) VALUES (?1, ?2, ?3, ?4, 'pending')",
                )
                .map_err(err)?;
            for (seq, step) in run.steps.iter().enumerate() {
                insert
                    .execute(params![step.id, seq as i64, step.kind, step.action])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Applies many step changes in one transaction (one commit, one sync).
    pub fn record(&mut self, updates: &[Update]) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_error(&path, &e);
        let now = now_ms();
        let tx = self.conn.transaction().map_err(err)?;
        for u in updates {
            let changed = match &u.change {
                Change::Sending => tx.execute(
                    "UPDATE steps SET status = 'sending', attempts = attempts + 1,
                            started_at_ms = coalesce(started_at_ms, ?2) WHERE id = ?1",
                    params![u.id, now],
                ),
                Change::Pending { reason } => tx.execute(
                    "UPDATE steps SET status = 'pending', last_error = ?2 WHERE id = ?1",
                    params![u.id, reason],
                ),
                Change::Done {
                    target_id,
                    reconciled,
                } => tx.execute(
                    "UPDATE steps SET status = 'done', target_id = ?2, reconciled = ?3,
                            finished_at_ms = ?4 WHERE id = ?1",
                    params![u.id, target_id, *reconciled as i64, now],
                ),
                Change::Failed { reason } => tx.execute(
                    "UPDATE steps SET status = 'failed', last_error = ?2, finished_at_ms = ?3
                     WHERE id = ?1",
                    params![u.id, reason, now],
                ),
                Change::Blocked { reason } => tx.execute(
                    "UPDATE steps SET status = 'blocked', last_error = ?2, finished_at_ms = ?3
                     WHERE id = ?1",
                    params![u.id, reason, now],
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
        tx.commit().map_err(err)
    }

    /// Adds a session's time and requests to the run and marks it finished when it is.
    pub fn end_session(&mut self, end: SessionEnd) -> Result<()> {
        let finished = end.finished.then(now_ms);
        self.conn
            .execute(
                "UPDATE run SET sessions = sessions + 1, active_ms = active_ms + ?1,
                        requests = requests + ?2, finished_at_ms = coalesce(?3, finished_at_ms)
                 WHERE id = 1",
                params![end.active_ms, end.requests, finished],
            )
            .map_err(|e| self.err(&e))?;
        Ok(())
    }

    fn err(&self, e: &rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }
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

/// SQLite's errors, phrased for a person (a corrupt or foreign file says so).
fn db_error(path: &Path, e: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let message = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            "not a ghl-migrate checkpoint (not an SQLite file, or corrupt); \
             pass another --state or move this file away"
                .to_string()
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "the checkpoint is corrupt; move it away and re-run plan against the target".to_string()
        }
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

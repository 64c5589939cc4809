//! The ledger's tables and their version. A file that is not SQLite, or SQLite that is not
//! ours, or ours at a version this build cannot upgrade, is refused with a message instead of
//! being touched. A version-1 checkpoint (one run of one plan revision) is upgraded in place.

use rusqlite::{Connection, OptionalExtension};

/// Marks a database as a ghl-migrate checkpoint.
pub const APPLICATION: &str = "ghl-migrate/state";
/// Bumped on any change of the tables below. Version 3 added `before` to steps and objects
/// (what a merge or overwrite found in the contact before writing, for `undo`).
pub const VERSION: i64 = 3;

/// Every run of every plan revision, their steps, and the map of what this migration wrote.
const TABLES: &str = "
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_name        TEXT NOT NULL,
    plan_fingerprint TEXT NOT NULL,
    target_api       TEXT NOT NULL,
    target_location  TEXT NOT NULL,
    started_at_ms    INTEGER NOT NULL,
    finished_at_ms   INTEGER,
    sessions         INTEGER NOT NULL DEFAULT 0,
    active_ms        INTEGER NOT NULL DEFAULT 0,
    requests         INTEGER NOT NULL DEFAULT 0,
    pid              INTEGER,
    undo             INTEGER NOT NULL DEFAULT 0,
    dry_run          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE steps (
    run_id         INTEGER NOT NULL REFERENCES runs (id),
    id             TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    action         TEXT NOT NULL,
    status         TEXT NOT NULL
                   CHECK (status IN ('pending', 'sending', 'done', 'failed', 'blocked')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    target_id      TEXT,
    reconciled     INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    started_at_ms  INTEGER,
    finished_at_ms INTEGER,
    source_key     TEXT,
    body           TEXT,
    before         TEXT,
    PRIMARY KEY (run_id, id)
);
CREATE INDEX steps_by_status ON steps (run_id, status);
CREATE TABLE objects (
    kind       TEXT NOT NULL,
    source_key TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    how        TEXT NOT NULL,
    run_id     INTEGER NOT NULL,
    step_id    TEXT NOT NULL,
    body       TEXT,
    at_ms      INTEGER NOT NULL,
    before     TEXT,
    PRIMARY KEY (kind, source_key)
);
CREATE INDEX objects_by_target ON objects (target_id);
CREATE TABLE views (
    fingerprint TEXT NOT NULL,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    label       TEXT NOT NULL,
    digest      TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (fingerprint, kind, id)
);
";

/// What a database file turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// No tables at all: a new file.
    Empty,
    /// Our checkpoint at this version.
    Current,
    /// Our checkpoint at an older version (1 or 2): upgraded in place when opened for writing.
    /// Version 2 is also read as it is (it lacks only what `undo` reads of merges).
    Upgradable(i64),
    /// Our checkpoint at another version.
    OtherVersion(String),
    /// Some other SQLite database.
    Foreign,
}

/// Looks at an open database without changing it.
pub fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    if tables == 0 {
        return Ok(Found::Empty);
    }
    let has_meta: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |r| r.get(0),
    )?;
    if has_meta == 0 {
        return Ok(Found::Foreign);
    }
    let get = |key: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    };
    if get("application")?.as_deref() != Some(APPLICATION) {
        return Ok(Found::Foreign);
    }
    match get("schema_version")? {
        Some(v) if v == VERSION.to_string() => Ok(Found::Current),
        Some(v) if v == "1" => Ok(Found::Upgradable(1)),
        Some(v) if v == "2" => Ok(Found::Upgradable(2)),
        Some(v) => Ok(Found::OtherVersion(v)),
        None => Ok(Found::Foreign),
    }
}

/// Creates the tables in an empty database.
pub fn create(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")?;
    tx.execute_batch(TABLES)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('application', ?1), ('schema_version', ?2)",
        rusqlite::params![APPLICATION, VERSION.to_string()],
    )?;
    tx.commit()
}

/// Upgrades an older checkpoint in place, in one transaction, losing nothing.
pub fn upgrade(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    match from {
        1 => upgrade_v1(conn),
        _ => upgrade_v2(conn),
    }
}

/// Version 2 to 3: the `before` columns, empty for what was written before (an undo says a
/// merge's earlier values are unknown rather than guess them).
fn upgrade_v2(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "ALTER TABLE steps ADD COLUMN before TEXT;
         ALTER TABLE objects ADD COLUMN before TEXT;",
    )?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [VERSION.to_string()],
    )?;
    tx.commit()
}

/// Upgrades a version-1 checkpoint (one run, its steps) in one transaction: the run becomes
/// run 1 of the ledger, its steps are kept as they are, and what its done steps wrote enters
/// the map (keyed by step id: version 1 did not record source ids). Nothing is dropped.
fn upgrade_v1(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch("ALTER TABLE run RENAME TO run_v1; ALTER TABLE steps RENAME TO steps_v1;")?;
    tx.execute_batch("DROP INDEX IF EXISTS steps_by_status;")?;
    tx.execute_batch(TABLES)?;
    tx.execute_batch(
        "INSERT INTO runs (id, plan_name, plan_fingerprint, target_api, target_location,
                           started_at_ms, finished_at_ms, sessions, active_ms, requests)
             SELECT 1, plan_name, plan_fingerprint, target_api, target_location, started_at_ms,
                    finished_at_ms, sessions, active_ms, requests FROM run_v1;
         INSERT INTO steps (run_id, id, seq, kind, action, status, attempts, target_id,
                            reconciled, last_error, started_at_ms, finished_at_ms, source_key)
             SELECT 1, id, seq, kind, action, status, attempts, target_id, reconciled,
                    last_error, started_at_ms, finished_at_ms, 'step:' || id FROM steps_v1;
         INSERT INTO objects (kind, source_key, target_id, how, run_id, step_id, at_ms)
             SELECT kind, 'step:' || id, target_id,
                    CASE WHEN action LIKE 'create%' THEN 'created' ELSE 'merged' END,
                    1, id, coalesce(finished_at_ms, 0)
             FROM steps_v1 WHERE status = 'done' AND target_id IS NOT NULL;
         DROP TABLE steps_v1;
         DROP TABLE run_v1;",
    )?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [VERSION.to_string()],
    )?;
    tx.commit()
}

/// Whether a table has a column (a version-2 ledger read as it is lacks `before`).
pub fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The version-1 tables, for the upgrade's test.
#[cfg(test)]
pub const V1_TABLES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE run (
    id INTEGER PRIMARY KEY CHECK (id = 1), plan_name TEXT NOT NULL,
    plan_fingerprint TEXT NOT NULL, target_api TEXT NOT NULL, target_location TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL, finished_at_ms INTEGER,
    sessions INTEGER NOT NULL DEFAULT 0, active_ms INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE steps (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, action TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, target_id TEXT,
    reconciled INTEGER NOT NULL DEFAULT 0, last_error TEXT, started_at_ms INTEGER,
    finished_at_ms INTEGER
);
CREATE INDEX steps_by_status ON steps (status);
INSERT INTO meta (key, value) VALUES ('application', 'ghl-migrate/state'), ('schema_version', '1');
";

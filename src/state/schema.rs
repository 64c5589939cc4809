//! The checkpoint's tables and their version. A file that is not SQLite, or SQLite that is not
//! ours, or ours at another version, is refused with a message instead of being touched.

use rusqlite::{Connection, OptionalExtension};

/// Marks a database as a ghl-migrate checkpoint.
pub const APPLICATION: &str = "ghl-migrate/state";
/// Bumped on any incompatible change of the tables below.
pub const VERSION: i64 = 1;

const CREATE: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE run (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    plan_name        TEXT NOT NULL,
    plan_fingerprint TEXT NOT NULL,
    target_api       TEXT NOT NULL,
    target_location  TEXT NOT NULL,
    started_at_ms    INTEGER NOT NULL,
    finished_at_ms   INTEGER,
    sessions         INTEGER NOT NULL DEFAULT 0,
    active_ms        INTEGER NOT NULL DEFAULT 0,
    requests         INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE steps (
    id             TEXT PRIMARY KEY,
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
    finished_at_ms INTEGER
);
CREATE INDEX steps_by_status ON steps (status);
";

/// What a database file turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// No tables at all: a new file.
    Empty,
    /// Our checkpoint at this version.
    Current,
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
        Some(v) => Ok(Found::OtherVersion(v)),
        None => Ok(Found::Foreign),
    }
}

/// Creates the tables in an empty database.
pub fn create(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(CREATE)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('application', ?1), ('schema_version', ?2)",
        rusqlite::params![APPLICATION, VERSION.to_string()],
    )?;
    tx.commit()
}

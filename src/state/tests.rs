//! The checkpoint's state machine and its refusals (corrupt, foreign, locked).

use super::*;

fn new_run(ids: &[&str]) -> NewRun {
    NewRun {
        plan_name: "p".into(),
        plan_fingerprint: "sha256:abc".into(),
        target_api: "v2".into(),
        target_location: "L".into(),
        steps: ids
            .iter()
            .map(|id| NewStep {
                id: id.to_string(),
                kind: "contact".into(),
                action: "create_contact".into(),
            })
            .collect(),
    }
}

fn upd(id: &str, change: Change) -> Update {
    Update {
        id: id.into(),
        change,
    }
}

fn write() -> Access {
    Access::Write(Durability::Normal)
}

#[test]
fn a_new_file_has_no_run_and_begin_records_every_step_pending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/p.sqlite");
    let mut st = State::open(&path, write()).unwrap();
    assert_eq!(st.run().unwrap(), None);
    st.begin(&new_run(&["contact/a", "contact/b"])).unwrap();
    let run = st.run().unwrap().unwrap();
    assert_eq!(run.plan_fingerprint, "sha256:abc");
    assert_eq!(run.finished_at_ms, None);
    let steps = st.steps().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].id, "contact/a");
    assert!(steps.iter().all(|s| s.status == StepStatus::Pending));
}

#[test]
fn intent_then_result_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    {
        let mut st = State::open(&path, write()).unwrap();
        st.begin(&new_run(&["a/1", "a/2", "a/3"])).unwrap();
        st.record(&[upd("a/1", Change::Sending), upd("a/2", Change::Sending)])
            .unwrap();
        st.record(&[upd(
            "a/1",
            Change::Done {
                target_id: "T1".into(),
                reconciled: false,
            },
        )])
        .unwrap();
        // a/2 is left in doubt, as a crash would leave it.
    }
    let st = State::open(&path, Access::Read).unwrap();
    let steps = st.steps().unwrap();
    assert_eq!(steps[0].status, StepStatus::Done);
    assert_eq!(steps[0].target_id.as_deref(), Some("T1"));
    assert_eq!(steps[0].attempts, 1);
    assert_eq!(steps[1].status, StepStatus::Sending);
    assert_eq!(steps[2].status, StepStatus::Pending);
    assert_eq!(steps[2].attempts, 0);
}

#[test]
fn failures_blocks_and_retries_are_recorded_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = State::open(&dir.path().join("p.sqlite"), write()).unwrap();
    st.begin(&new_run(&["a/1", "a/2", "a/3"])).unwrap();
    st.record(&[upd("a/1", Change::Sending), upd("a/3", Change::Sending)])
        .unwrap();
    st.record(&[
        upd(
            "a/1",
            Change::Failed {
                reason: "400 bad email".into(),
            },
        ),
        upd(
            "a/2",
            Change::Blocked {
                reason: "a/1 failed".into(),
            },
        ),
        upd(
            "a/3",
            Change::Pending {
                reason: "429".into(),
            },
        ),
    ])
    .unwrap();
    st.record(&[upd("a/3", Change::Sending)]).unwrap();
    let steps = st.steps().unwrap();
    assert_eq!(steps[0].status, StepStatus::Failed);
    assert_eq!(steps[0].last_error.as_deref(), Some("400 bad email"));
    assert_eq!(steps[1].status, StepStatus::Blocked);
    assert_eq!(steps[2].status, StepStatus::Sending);
    assert_eq!(steps[2].attempts, 2);
}

#[test]
fn an_unknown_step_is_an_error_and_nothing_of_the_batch_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = State::open(&dir.path().join("p.sqlite"), write()).unwrap();
    st.begin(&new_run(&["a/1"])).unwrap();
    let err = st
        .record(&[upd("a/1", Change::Sending), upd("zz", Change::Sending)])
        .unwrap_err();
    assert!(err.to_string().contains("`zz`"), "{err}");
    assert_eq!(st.steps().unwrap()[0].status, StepStatus::Pending);
}

#[test]
fn sessions_add_up_and_the_last_one_finishes_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = State::open(&dir.path().join("p.sqlite"), write()).unwrap();
    st.begin(&new_run(&["a/1"])).unwrap();
    st.end_session(SessionEnd {
        active_ms: 100,
        requests: 3,
        finished: false,
    })
    .unwrap();
    assert_eq!(st.run().unwrap().unwrap().finished_at_ms, None);
    st.end_session(SessionEnd {
        active_ms: 50,
        requests: 2,
        finished: true,
    })
    .unwrap();
    let run = st.run().unwrap().unwrap();
    assert_eq!((run.sessions, run.active_ms, run.requests), (2, 150, 5));
    assert!(run.finished_at_ms.is_some());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    std::fs::write(
        &path,
        "this is not a database, just some text that is long enough",
    )
    .unwrap();
    let err = State::open(&path, write()).unwrap_err().to_string();
    assert!(err.contains("not a ghl-migrate checkpoint"), "{err}");
    let err = State::open(&path, Access::Read).unwrap_err().to_string();
    assert!(err.contains("not a ghl-migrate checkpoint"), "{err}");
}

#[test]
fn another_sqlite_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE photos (id INTEGER)")
            .unwrap();
    }
    let err = State::open(&path, write()).unwrap_err().to_string();
    assert!(err.contains("another SQLite database"), "{err}");
    let conn = Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_checkpoint_of_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    drop(State::open(&path, write()).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let err = State::open(&path, write()).unwrap_err().to_string();
    assert!(err.contains("version 99"), "{err}");
}

#[test]
fn a_second_writer_is_refused_but_a_reader_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    let _first = State::open(&path, write()).unwrap();
    let err = State::open(&path, write()).unwrap_err().to_string();
    assert!(err.contains("another apply is running"), "{err}");
    State::open(&path, Access::Read).unwrap();
}

#[test]
fn reading_a_missing_checkpoint_says_nothing_was_applied() {
    let dir = tempfile::tempdir().unwrap();
    let err = State::open(&dir.path().join("none.sqlite"), Access::Read)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nothing was applied yet"), "{err}");
    assert!(!dir.path().join("none.sqlite").exists());
}

#[test]
fn the_checkpoint_is_in_wal_mode_with_the_chosen_durability() {
    let dir = tempfile::tempdir().unwrap();
    for (durability, level) in [(Durability::Normal, 1), (Durability::Full, 2)] {
        let path = dir.path().join(format!("{level}.sqlite"));
        let st = State::open(&path, Access::Write(durability)).unwrap();
        let mode: String = st
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = st
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", level));
    }
}

#[cfg(unix)]
#[test]
fn the_checkpoint_is_private_and_kept_out_of_git() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".ghl-migrate").join("t.sqlite");
    let state = State::open(&path, write()).unwrap();
    drop(state);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let ignore = std::fs::read_to_string(path.parent().unwrap().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"));
}

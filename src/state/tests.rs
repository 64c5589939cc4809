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
                source_key: Some(format!("S{id}")),
            })
            .collect(),
        undo: false,
        dry_run: false,
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
        st.record(&[
            upd("a/1", Change::Sending { body: None }),
            upd("a/2", Change::Sending { body: None }),
        ])
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
    let mut st = State::open(&path, Access::Read).unwrap();
    st.select_latest().unwrap();
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
    st.record(&[
        upd("a/1", Change::Sending { body: None }),
        upd("a/3", Change::Sending { body: None }),
    ])
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
    st.record(&[upd("a/3", Change::Sending { body: None })])
        .unwrap();
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
        .record(&[
            upd("a/1", Change::Sending { body: None }),
            upd("zz", Change::Sending { body: None }),
        ])
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
fn a_session_killed_before_its_end_keeps_what_it_sent_up_to_its_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    let so_far = |active_ms, requests| SessionUsage {
        active_ms,
        requests,
    };
    {
        let mut st = State::open(&path, write()).unwrap();
        st.begin(&new_run(&["a/1", "a/2"])).unwrap();
        st.session_so_far(so_far(40, 3));
        st.record(&[upd("a/1", Change::Sending { body: None })])
            .unwrap();
        st.session_so_far(so_far(90, 7));
        st.record(&[upd("a/1", Change::Pending { reason: "x".into() })])
            .unwrap();
        // What came after the last record is lost with the process: no end_session.
        st.session_so_far(so_far(120, 9));
    }
    let mut st = State::open(&path, write()).unwrap();
    st.select_latest().unwrap();
    let run = st.run().unwrap().unwrap();
    assert_eq!((run.sessions, run.active_ms, run.requests), (1, 90, 7));
    // The next session adds its own, whole, once.
    st.session_so_far(so_far(10, 2));
    st.record(&[upd("a/2", Change::Sending { body: None })])
        .unwrap();
    st.end_session(SessionEnd {
        active_ms: 30,
        requests: 4,
        finished: false,
    })
    .unwrap();
    let run = st.run().unwrap().unwrap();
    assert_eq!((run.sessions, run.active_ms, run.requests), (2, 120, 11));
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

#[test]
fn a_done_step_enters_the_map_with_its_request_and_an_undo_takes_it_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = State::open(&dir.path().join("p.sqlite"), write()).unwrap();
    st.begin(&new_run(&["contact/a", "contact/b"])).unwrap();
    st.record(&[
        upd(
            "contact/a",
            Change::Sending {
                body: Some("{\"create_contact\":{}}".into()),
            },
        ),
        upd("contact/b", Change::Sending { body: None }),
    ])
    .unwrap();
    // In doubt: nothing is mapped yet.
    assert!(st.objects("L").unwrap().is_empty());
    st.record(&[
        upd(
            "contact/a",
            Change::Done {
                target_id: "T1".into(),
                reconciled: false,
            },
        ),
        upd(
            "contact/b",
            Change::Done {
                target_id: "T2".into(),
                reconciled: true,
            },
        ),
    ])
    .unwrap();
    let objects = st.objects("L").unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0].source_key, "Scontact/a");
    assert_eq!(objects[0].target_id, "T1");
    assert_eq!(objects[0].how, "created");
    assert_eq!(objects[0].body.as_deref(), Some("{\"create_contact\":{}}"));
    assert_eq!(objects[1].how, "adopted");
    assert!(st.objects("another location").unwrap().is_empty());
    // An undo run's step done on the same source object takes it out of the map.
    st.begin(&NewRun {
        undo: true,
        plan_fingerprint: "sha256:undo".into(),
        ..new_run(&["contact/a"])
    })
    .unwrap();
    st.record(&[upd(
        "contact/a",
        Change::Done {
            target_id: "T1".into(),
            reconciled: false,
        },
    )])
    .unwrap();
    let left: Vec<String> = st
        .objects("L")
        .unwrap()
        .into_iter()
        .map(|o| o.target_id)
        .collect();
    assert_eq!(left, vec!["T2".to_string()]);
    let history = st.history().unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[1].undo);
}

#[test]
fn a_dry_run_is_recorded_but_maps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = State::open(&dir.path().join("p.sqlite"), write()).unwrap();
    st.begin(&NewRun {
        dry_run: true,
        ..new_run(&["contact/a"])
    })
    .unwrap();
    st.record(&[upd(
        "contact/a",
        Change::Done {
            target_id: "T1".into(),
            reconciled: false,
        },
    )])
    .unwrap();
    assert!(st.objects("L").unwrap().is_empty());
    assert!(st.runs().unwrap()[0].dry_run);
}

#[test]
fn every_run_of_every_revision_is_kept_and_a_revision_selects_its_latest() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = State::open(&dir.path().join("p.sqlite"), write()).unwrap();
    st.begin(&new_run(&["a/1"])).unwrap();
    st.record(&[upd("a/1", Change::Sending { body: None })])
        .unwrap();
    st.begin(&NewRun {
        plan_fingerprint: "sha256:def".into(),
        ..new_run(&["b/1", "b/2"])
    })
    .unwrap();
    assert_eq!(st.runs().unwrap().len(), 2);
    let first = st.select_revision("sha256:abc").unwrap().unwrap();
    assert_eq!(first.id, 1);
    assert_eq!(st.steps().unwrap().len(), 1);
    assert_eq!(st.select_revision("sha256:def").unwrap().unwrap().id, 2);
    assert_eq!(st.steps().unwrap().len(), 2);
    // A run that never sent anything is replaced by the next begin of its revision.
    st.begin(&NewRun {
        plan_fingerprint: "sha256:def".into(),
        ..new_run(&["b/1", "b/2"])
    })
    .unwrap();
    let ids: Vec<i64> = st.runs().unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![1, 3]);
    assert!(st.select_revision("sha256:none").unwrap().is_none());
    assert!(st.steps().unwrap().is_empty());
}

#[test]
fn a_version_1_checkpoint_is_upgraded_in_place_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::V1_TABLES).unwrap();
        conn.execute_batch(
            "INSERT INTO run (id, plan_name, plan_fingerprint, target_api, target_location,
                              started_at_ms, sessions, requests)
                 VALUES (1, 'p', 'sha256:abc', 'v2', 'L', 5, 2, 40);
             INSERT INTO steps (id, seq, kind, action, status, attempts, target_id)
                 VALUES ('contact/a', 0, 'contact', 'create_contact', 'done', 1, 'T1'),
                        ('contact/b', 1, 'contact', 'create_contact', 'sending', 1, NULL);",
        )
        .unwrap();
    }
    // Read-only opening says what to do, and changes nothing.
    let err = State::open(&path, Access::Read).unwrap_err().to_string();
    assert!(err.contains("upgrades it in place"), "{err}");
    let mut st = State::open(&path, write()).unwrap();
    let run = st.select_revision("sha256:abc").unwrap().unwrap();
    assert_eq!((run.id, run.sessions, run.requests), (1, 2, 40));
    let steps = st.steps().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].target_id.as_deref(), Some("T1"));
    assert_eq!(steps[1].status, StepStatus::Sending);
    let objects = st.objects("L").unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(
        (objects[0].target_id.as_str(), objects[0].how.as_str()),
        ("T1", "created")
    );
    // The upgraded run goes on: its step in doubt can still be recorded.
    st.record(&[upd(
        "contact/b",
        Change::Done {
            target_id: "T2".into(),
            reconciled: true,
        },
    )])
    .unwrap();
    assert_eq!(st.objects("L").unwrap().len(), 2);
}

/// #15.10: `--state` naming a file that is not a checkpoint is refused before anything is
/// changed: no lock file beside it, its mode kept, its bytes kept.
#[cfg(unix)]
#[test]
fn a_file_that_is_not_a_checkpoint_is_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("tool");
    std::fs::write(&tool, "#!/bin/sh\necho hello, this is a script\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let photos = dir.path().join("photos.db");
    Connection::open(&photos)
        .unwrap()
        .execute_batch("CREATE TABLE photos (id INTEGER)")
        .unwrap();
    std::fs::set_permissions(&photos, std::fs::Permissions::from_mode(0o644)).unwrap();
    for (path, mode) in [(&tool, 0o755), (&photos, 0o644)] {
        let before = std::fs::read(path).unwrap();
        let err = State::open(path, write()).unwrap_err().to_string();
        assert!(err.contains("not a ghl-migrate checkpoint"), "{err}");
        let now = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(now, mode, "{}", path.display());
        assert!(!lock_path(path).exists(), "{}", path.display());
        assert_eq!(std::fs::read(path).unwrap(), before);
    }
}

/// #15.7: a checkpoint whose last session did not end cleanly keeps its latest records in its
/// `-wal`; a copy without that file is refused instead of resuming as if they were not sent.
#[test]
fn a_copy_without_its_write_ahead_log_is_refused_after_a_crash_and_fine_after_a_clean_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    let wal = dir.path().join("p.sqlite-wal");
    let mut st = State::open(&path, write()).unwrap();
    st.begin(&new_run(&["a/1", "a/2"])).unwrap();
    st.record(&[upd("a/1", Change::Sending { body: None })])
        .unwrap();
    // A crash: the process is gone without closing the ledger.
    std::mem::forget(st);
    assert!(wal.exists());
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    for access in [write(), Access::Read] {
        let err = State::open(&copy, access).unwrap_err().to_string();
        assert!(err.contains("write-ahead log"), "{err}");
        assert!(err.contains("copy.sqlite-wal"), "{err}");
    }
    // With its log, the same checkpoint opens; a clean end folds the log into the file.
    std::fs::copy(&wal, dir.path().join("copy.sqlite-wal")).unwrap();
    let mut st = State::open(&copy, write()).unwrap();
    assert_eq!(
        st.select_latest().unwrap().map(|r| r.id),
        Some(1),
        "the run was recorded"
    );
    assert_eq!(st.steps().unwrap()[0].status, StepStatus::Sending);
    drop(st);
    let alone = dir.path().join("alone.sqlite");
    std::fs::copy(&copy, &alone).unwrap();
    let mut st = State::open(&alone, write()).unwrap();
    st.select_latest().unwrap();
    assert_eq!(st.steps().unwrap()[0].status, StepStatus::Sending);
}

#[test]
fn a_merge_keeps_what_it_found_before_in_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    let mut st = State::open(&path, write()).unwrap();
    let mut run = new_run(&["contact/a"]);
    run.steps[0].action = "merge_contact".into();
    st.begin(&run).unwrap();
    let before = r#"{"fields":{"phone":null},"tags_added":["vip"]}"#;
    st.record(&[
        upd(
            "contact/a",
            Change::Before {
                before: before.into(),
            },
        ),
        upd(
            "contact/a",
            Change::Done {
                target_id: "T1".into(),
                reconciled: false,
            },
        ),
    ])
    .unwrap();
    let objects = st.objects("L").unwrap();
    assert_eq!(objects[0].how, "merged");
    assert_eq!(objects[0].before.as_deref(), Some(before));
}

#[test]
fn a_version_2_ledger_is_read_as_it_is_and_upgraded_in_place_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite");
    {
        let mut st = State::open(&path, write()).unwrap();
        st.begin(&new_run(&["contact/a"])).unwrap();
        st.record(&[upd(
            "contact/a",
            Change::Done {
                target_id: "T1".into(),
                reconciled: false,
            },
        )])
        .unwrap();
    }
    {
        // What version 2 wrote: the same tables without `before`.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "ALTER TABLE steps DROP COLUMN before; ALTER TABLE objects DROP COLUMN before;
             UPDATE meta SET value = '2' WHERE key = 'schema_version';",
        )
        .unwrap();
    }
    // Read as it is (status, plan): the map is there, without what merges found before.
    let st = State::open(&path, Access::Read).unwrap();
    let objects = st.objects("L").unwrap();
    assert_eq!((objects.len(), objects[0].before.as_deref()), (1, None));
    drop(st);
    // Opened to write: upgraded in place, nothing lost, and what comes next has its `before`.
    let mut st = State::open(&path, write()).unwrap();
    assert_eq!(st.objects("L").unwrap(), objects);
    let conn = Connection::open(&path).unwrap();
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, schema::VERSION.to_string());
    st.select_revision("sha256:abc").unwrap().unwrap();
    assert_eq!(st.steps().unwrap()[0].status, StepStatus::Done);
}

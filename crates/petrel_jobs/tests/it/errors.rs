//! Files the store cannot use, and what it says about them.

use std::time::Duration;

use petrel_jobs::{JobStore, SqliteStore, StoreError, StoreOptions};
use rusqlite::Connection;

use crate::common::{T0, new_job, open_store};

fn assert_corrupt(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    std::fs::write(&path, bytes).unwrap();
    let err = SqliteStore::open(&path).expect_err("garbage opened as a store");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "{} is not a Petrel job store or is corrupt",
            path.display()
        )),
        "{message}"
    );
    assert!(
        message.ends_with("move it away to start with an empty queue (jobs in it are lost)"),
        "{message}"
    );
    // Nothing was written over the file.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_garbage_file_is_reported_as_corrupt() {
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_corrupt(&garbage);
    assert_corrupt(b"hello, this is not a database at all");
}

#[test]
fn a_store_locked_by_another_connection_is_busy_after_the_timeout() {
    let t = open_store();
    let job = t.store.enqueue(new_job("a"), T0).unwrap();

    let mut locker = Connection::open(&t.path).unwrap();
    let tx = locker
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .unwrap();

    let options = StoreOptions {
        busy_timeout: Duration::from_millis(100),
        ..StoreOptions::default()
    };
    // WAL: opening and reading do not need the lock.
    let store = SqliteStore::open_with(&t.path, options).unwrap();
    assert!(store.get(&job.id).unwrap().is_some());

    let err = store.claim_due(T0, 10).unwrap_err();
    assert!(
        matches!(err, StoreError::Busy { waited, .. } if waited == Duration::from_millis(100)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&t.path.display().to_string()), "{message}");
    assert!(
        message.contains("locked by another connection for 100 ms"),
        "{message}"
    );
    assert!(matches!(
        store.enqueue(new_job("b"), T0),
        Err(StoreError::Busy { .. })
    ));
    assert!(matches!(
        store.append_log(&job.id, 1, "x", T0),
        Err(StoreError::Busy { .. })
    ));

    tx.rollback().unwrap();
    assert_eq!(
        store.claim_due(T0, 10).unwrap().len(),
        1,
        "works again once the lock is gone"
    );
    store.enqueue(new_job("b"), T0).unwrap();
}

#[test]
fn an_unwritable_folder_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    // Its "folder" is a file.
    let path = blocker.join("jobs.db");
    let err = SqliteStore::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot open the job store {}", path.display())),
        "{err}"
    );
}

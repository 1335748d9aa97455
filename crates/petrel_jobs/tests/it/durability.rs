//! An acknowledged enqueue is in the file even when the store never shuts down.

use std::io::Write;
use std::process::Command;

use petrel_jobs::{JobStatus, JobStore, SqliteStore};

use crate::common::{T0, new_job, open_store};

const CHILD_ENV: &str = "PETREL_JOBS_TEST_CHILD_STORE";

#[test]
fn enqueued_job_survives_a_store_that_is_never_closed() {
    let t = open_store();
    let job = t.store.enqueue(new_job("a"), T0).unwrap();
    // No drop: no close, no checkpoint, the writer thread still parked. The job lives only in
    // the WAL, which a new connection must read.
    std::mem::forget(t.store);
    let reopened = SqliteStore::open(&t.path).unwrap();
    let stored = reopened.get(&job.id).unwrap().expect("job lost");
    assert_eq!(stored.status, JobStatus::Queued);
    assert_eq!(stored.request, job.request);
}

#[test]
fn enqueued_job_survives_an_aborted_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability::child_enqueues_then_aborts",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "the child should have aborted:\n{stdout}"
    );
    let id = stdout
        .lines()
        // The test harness prints the test name on the same line.
        .find_map(|l| l.split_once("ENQUEUED ").map(|(_, id)| id.trim()))
        .unwrap_or_else(|| {
            panic!(
                "no id from the child:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });

    let store = SqliteStore::open(&path).unwrap();
    let stored = store.get(id).unwrap().expect("job lost");
    assert_eq!(stored.status, JobStatus::Queued);
}

/// The child half of the test above; does nothing when run as a normal test.
#[test]
fn child_enqueues_then_aborts() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = SqliteStore::open(path.as_ref()).unwrap();
    let job = store.enqueue(new_job("a"), T0).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "ENQUEUED {}", job.id).unwrap();
    out.flush().unwrap();
    // No destructors, no close: as close to `kill -9` right after the 202 as a test gets.
    std::process::abort();
}

//! Many threads, and two stores on one file standing in for two processes.

use std::collections::HashSet;

use petrel_jobs::{JobStatus, JobStore, SqliteStore};

use crate::common::{T0, new_job, open_store};

#[test]
fn fifty_threads_enqueue_two_hundred_each() {
    let t = open_store();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|thread| {
                let store = &t.store;
                s.spawn(move || {
                    (0..200)
                        .map(|i| {
                            store
                                .enqueue(new_job(&format!("t{thread}-{i}")), T0 + i)
                                .unwrap()
                                .id
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), 10_000);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 10_000, "ids repeat");

    // All there after reopening: each enqueue returned only after its commit.
    drop(t.store);
    let store = SqliteStore::open(&t.path).unwrap();
    let stored: HashSet<String> = store
        .list(usize::MAX)
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(stored.len(), 10_000);
    assert!(ids.iter().all(|id| stored.contains(id)));
}

#[test]
fn two_stores_on_one_file_never_claim_the_same_job() {
    let t = open_store();
    let other = SqliteStore::open(&t.path).unwrap();
    let stores = [&t.store, &other];

    // 2,000 jobs, enqueued through both stores at once.
    let mut all: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|thread| {
                let store = stores[thread % 2];
                s.spawn(move || {
                    (0..250)
                        .map(|_| store.enqueue(new_job("f"), T0).unwrap().id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    // Four claimers, two per store, each claiming small batches and finishing them.
    let mut claimed: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|thread| {
                let store = stores[thread % 2];
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let jobs = store.claim_due(T0, 7).unwrap();
                        if jobs.is_empty() {
                            break mine;
                        }
                        for job in jobs {
                            assert_eq!(job.attempts, 1, "{} claimed before", job.id);
                            store.succeed(&job.id, T0).unwrap();
                            mine.push(job.id);
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    assert_eq!(
        claimed.len(),
        all.len(),
        "a job was claimed twice or not at all"
    );
    all.sort();
    claimed.sort();
    assert_eq!(claimed, all);
    let done = t.store.list(usize::MAX).unwrap();
    assert!(
        done.iter()
            .all(|j| j.status == JobStatus::Succeeded && j.attempts == 1)
    );
}

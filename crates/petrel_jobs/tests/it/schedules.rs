//! Scheduled occurrences: fired exactly once across schedulers, the overlap policies, and
//! which runner's jobs a crash leaves to re-run.

use std::sync::Arc;

use petrel_jobs::{
    Fired, JobKind, JobStatus, JobStore, NewJob, Occurrence, Overlap, SqliteStore, schedule_key,
};

use crate::common::{T0, open_store, request};

const MINUTE: i64 = 60_000;

fn occurrence(function: &str, at_ms: i64, overlap: Overlap) -> Occurrence {
    Occurrence {
        job: NewJob {
            function: function.into(),
            kind: JobKind::NetlifyScheduled,
            request: request(&format!("{{\"next_run\":{}}}", at_ms + MINUTE)),
            max_attempts: 1,
        },
        at_ms,
        overlap,
    }
}

fn queued(fired: Fired) -> petrel_jobs::Job {
    match fired {
        Fired::Queued(job) => job,
        other => panic!("expected a queued job, got {other:?}"),
    }
}

fn skipped(fired: Fired) -> String {
    match fired {
        Fired::Skipped(job) => {
            assert_eq!(job.status, JobStatus::Skipped);
            job.last_error.expect("a reason")
        }
        other => panic!("expected a skipped occurrence, got {other:?}"),
    }
}

#[test]
fn an_occurrence_fires_once_and_moves_the_cursor() {
    let t = open_store();
    let key = schedule_key(JobKind::NetlifyScheduled, "nightly");
    assert_eq!(t.store.last_fired(&key).unwrap(), None);

    let job = queued(
        t.store
            .fire(occurrence("nightly", T0, Overlap::Allow), T0)
            .unwrap(),
    );
    assert_eq!(job.scheduled_for_ms, Some(T0));
    assert_eq!(t.store.last_fired(&key).unwrap(), Some(T0));
    let stored = t.store.get(&job.id).unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.scheduled_for_ms, stored.exclusive),
        (JobStatus::Queued, Some(T0), false)
    );

    // The same occurrence again, or an older one: nothing is written.
    for at in [T0, T0 - MINUTE] {
        let again = t
            .store
            .fire(occurrence("nightly", at, Overlap::Allow), T0)
            .unwrap();
        assert!(matches!(again, Fired::AlreadyFired), "{again:?}");
    }
    assert_eq!(t.store.list(10).unwrap().len(), 1);
    // Another function's schedule has its own cursor.
    queued(
        t.store
            .fire(occurrence("other", T0, Overlap::Allow), T0)
            .unwrap(),
    );
    assert_eq!(
        t.store
            .latest_occurrence("nightly", JobKind::NetlifyScheduled)
            .unwrap()
            .map(|j| j.id),
        Some(job.id)
    );
}

#[test]
fn two_schedulers_on_one_store_fire_each_occurrence_once() {
    let t = open_store();
    let second = Arc::new(SqliteStore::open(&t.path).unwrap());
    let first: Arc<dyn JobStore> = Arc::new(SqliteStore::open(&t.path).unwrap());
    let stores: [Arc<dyn JobStore>; 2] = [first, second];
    let occurrences = 300;
    let threads: Vec<_> = stores
        .iter()
        .map(|store| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut mine = 0;
                for n in 0..occurrences {
                    let at = T0 + n * MINUTE;
                    if let Fired::Queued(_) = store
                        .fire(occurrence("race", at, Overlap::Allow), at)
                        .unwrap()
                    {
                        mine += 1;
                    }
                }
                mine
            })
        })
        .collect();
    let counts: Vec<i64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(counts.iter().sum::<i64>(), occurrences, "{counts:?}");
    let jobs = t.store.list(1000).unwrap();
    assert_eq!(jobs.len() as i64, occurrences);
    let mut times: Vec<i64> = jobs.iter().filter_map(|j| j.scheduled_for_ms).collect();
    times.sort();
    times.dedup();
    assert_eq!(times.len() as i64, occurrences, "every occurrence once");
}

#[test]
fn overlap_skip_skips_while_the_previous_run_is_queued_or_running() {
    let t = open_store();
    let first = queued(
        t.store
            .fire(occurrence("s", T0, Overlap::Skip), T0)
            .unwrap(),
    );
    assert!(first.exclusive);
    let why = skipped(
        t.store
            .fire(occurrence("s", T0 + MINUTE, Overlap::Skip), T0 + MINUTE)
            .unwrap(),
    );
    assert!(why.contains("still waiting"), "{why}");

    let claimed = t.store.claim_due(T0 + MINUTE, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    let why = skipped(
        t.store
            .fire(
                occurrence("s", T0 + 2 * MINUTE, Overlap::Skip),
                T0 + 2 * MINUTE,
            )
            .unwrap(),
    );
    assert!(why.contains("still going"), "{why}");

    t.store.succeed(&first.id, T0 + 2 * MINUTE + 5).unwrap();
    queued(
        t.store
            .fire(
                occurrence("s", T0 + 3 * MINUTE, Overlap::Skip),
                T0 + 3 * MINUTE,
            )
            .unwrap(),
    );
    let statuses: Vec<JobStatus> = t.store.list(10).unwrap().iter().map(|j| j.status).collect();
    assert_eq!(
        statuses,
        [
            JobStatus::Queued,
            JobStatus::Skipped,
            JobStatus::Skipped,
            JobStatus::Succeeded
        ]
    );
}

#[test]
fn overlap_queue_one_waits_for_the_previous_run_and_keeps_one_waiting() {
    let t = open_store();
    let first = queued(
        t.store
            .fire(occurrence("q", T0, Overlap::QueueOne), T0)
            .unwrap(),
    );
    assert_eq!(t.store.claim_due(T0, 10).unwrap().len(), 1);

    // While the first runs, the next occurrence is queued but not claimed.
    let second = queued(
        t.store
            .fire(occurrence("q", T0 + MINUTE, Overlap::QueueOne), T0 + MINUTE)
            .unwrap(),
    );
    assert!(t.store.claim_due(T0 + MINUTE, 10).unwrap().is_empty());
    let why = skipped(
        t.store
            .fire(
                occurrence("q", T0 + 2 * MINUTE, Overlap::QueueOne),
                T0 + 2 * MINUTE,
            )
            .unwrap(),
    );
    assert!(why.contains("already waiting"), "{why}");

    t.store.succeed(&first.id, T0 + 2 * MINUTE + 1).unwrap();
    let claimed = t.store.claim_due(T0 + 2 * MINUTE + 1, 10).unwrap();
    assert_eq!(
        claimed.iter().map(|j| &j.id).collect::<Vec<_>>(),
        [&second.id]
    );
}

#[test]
fn overlap_allow_runs_side_by_side() {
    let t = open_store();
    queued(
        t.store
            .fire(occurrence("a", T0, Overlap::Allow), T0)
            .unwrap(),
    );
    assert_eq!(t.store.claim_due(T0, 10).unwrap().len(), 1);
    queued(
        t.store
            .fire(occurrence("a", T0 + MINUTE, Overlap::Allow), T0 + MINUTE)
            .unwrap(),
    );
    assert_eq!(t.store.claim_due(T0 + MINUTE, 10).unwrap().len(), 1);
}

#[test]
fn only_a_gone_runners_jobs_are_requeued() {
    let t = open_store();
    let other = SqliteStore::open(&t.path).unwrap();
    queued(
        t.store
            .fire(occurrence("crash", T0, Overlap::Skip), T0)
            .unwrap(),
    );
    let claimed = other.claim_due(T0, 1).unwrap();
    assert_eq!(claimed.len(), 1);

    // `other` is alive (another process, as far as the store can tell): its run is left alone.
    assert_eq!(t.store.requeue_interrupted(T0 + 1).unwrap(), 0);
    // It dies between the claim and the run: its job is queued again, attempt given back.
    drop(other);
    assert_eq!(t.store.requeue_interrupted(T0 + 2).unwrap(), 1);
    let job = t.store.get(&claimed[0].id).unwrap().unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Queued, 0));
    let again = t.store.claim_due(T0 + 2, 1).unwrap();
    assert_eq!(again[0].id, claimed[0].id);
    assert_eq!(again[0].attempts, 1);
}

#[test]
fn caught_up_runs_queue_behind_each_other_one_claim_at_a_time() {
    let t = open_store();
    for n in 0..3 {
        queued(
            t.store
                .fire(
                    occurrence("late", T0 + n * MINUTE, Overlap::Queue),
                    T0 + 5 * MINUTE,
                )
                .unwrap(),
        );
    }
    let now = T0 + 5 * MINUTE;
    let first = t.store.claim_due(now, 10).unwrap();
    assert_eq!(first.len(), 1, "one at a time");
    assert_eq!(first[0].scheduled_for_ms, Some(T0));
    assert!(t.store.claim_due(now, 10).unwrap().is_empty());
    t.store.succeed(&first[0].id, now).unwrap();
    let second = t.store.claim_due(now, 10).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(
        second[0].scheduled_for_ms,
        Some(T0 + MINUTE),
        "oldest first"
    );
}

#[test]
fn a_dead_runners_lock_file_is_swept_at_the_next_open() {
    let t = open_store();
    let runners = t.path.with_file_name("jobs.db-runners");
    let count = || std::fs::read_dir(&runners).unwrap().count();
    assert_eq!(count(), 1, "the open store's own lock");
    // A lock file nobody holds: a process that died without closing its store.
    std::fs::write(runners.join("01DEADRUNNER.lock"), "").unwrap();
    assert_eq!(count(), 2);
    let second = SqliteStore::open(&t.path).unwrap();
    assert_eq!(count(), 2, "the dead one swept, the new one added");
    drop(second);
    assert_eq!(count(), 1, "a closed store removes its own");
}

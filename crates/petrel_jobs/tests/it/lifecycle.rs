//! One store, one thread: the life of a job.

use petrel_jobs::{
    Clock, FakeClock, JobKind, JobLogLine, JobRequest, JobStatus, JobStore, NewJob, RetryPolicy,
    SqliteStore, StoreError,
};

use crate::common::{T0, new_job, open_store};

#[test]
fn enqueue_claim_succeed() {
    let t = open_store();
    let clock = FakeClock::new(T0);
    let job = t
        .store
        .enqueue(new_job("send-background"), clock.now_ms())
        .unwrap();
    assert_eq!(job.id.len(), 26);
    assert_eq!(
        (job.status, job.attempts, job.max_attempts),
        (JobStatus::Queued, 0, 3)
    );
    assert_eq!((job.created_at_ms, job.run_at_ms), (T0, T0));
    assert_eq!(t.store.next_due().unwrap(), Some(T0));

    clock.advance(10);
    let claimed = t.store.claim_due(clock.now_ms(), 10).unwrap();
    assert_eq!(claimed.len(), 1);
    let run = &claimed[0];
    assert_eq!(run.id, job.id);
    assert_eq!(
        (run.status, run.attempts, run.started_at_ms),
        (JobStatus::Running, 1, Some(T0 + 10))
    );
    assert!(
        t.store.claim_due(clock.now_ms(), 10).unwrap().is_empty(),
        "claimed twice"
    );
    assert_eq!(t.store.next_due().unwrap(), None);

    clock.advance(5);
    t.store.succeed(&job.id, clock.now_ms()).unwrap();
    let done = t.store.get(&job.id).unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.finished_at_ms, Some(T0 + 15));
    assert_eq!(done.attempts, 1);
}

#[test]
fn request_round_trips() {
    let t = open_store();
    let request = JobRequest {
        method: "PUT".into(),
        path: "/api/report/7?full=1&x=%20".into(),
        headers: vec![
            ("x-a".into(), "1".into()),
            ("set-cookie".into(), "a=1".into()),
            ("set-cookie".into(), "b=2".into()),
        ],
        body: vec![0, 159, 146, 150, 255, b'\n'],
        params: serde_json::json!({"id": "7", "rest": ["a", "b"]}),
        route_pattern: Some("/api/report/[id]".into()),
    };
    let new = NewJob {
        function: "/api/report/[id]".into(),
        kind: JobKind::NextBackground,
        request: request.clone(),
        max_attempts: 0,
    };
    let job = t.store.enqueue(new, T0).unwrap();
    assert_eq!(job.max_attempts, 1, "0 is stored as 1");
    let stored = t.store.get(&job.id).unwrap().unwrap();
    assert_eq!(stored.request, request);
    assert_eq!(stored.kind, JobKind::NextBackground);
    assert_eq!(stored.function, "/api/report/[id]");
    assert_eq!(stored.max_attempts, 1);
}

#[test]
fn claims_due_jobs_oldest_first_up_to_the_limit() {
    let t = open_store();
    let a = t.store.enqueue(new_job("a"), T0 + 1).unwrap();
    let b = t.store.enqueue(new_job("b"), T0 + 2).unwrap();
    let c = t.store.enqueue(new_job("c"), T0 + 3).unwrap();
    assert_eq!(
        t.store.claim_due(T0, 10).unwrap().len(),
        0,
        "nothing due yet"
    );
    assert!(t.store.claim_due(T0 + 10, 0).unwrap().is_empty());

    let first: Vec<_> = t
        .store
        .claim_due(T0 + 2, 10)
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(first, vec![a.id, b.id]);
    let second: Vec<_> = t
        .store
        .claim_due(T0 + 10, 1)
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(second, vec![c.id]);
}

/// Netlify's schedule, exactly: run 1 fails → due 60 s later; run 2 fails → due 120 s later;
/// run 3 fails → failed for good.
#[test]
fn failed_runs_follow_the_netlify_schedule_then_fail() {
    let t = open_store();
    let clock = FakeClock::new(T0);
    let policy = RetryPolicy::netlify();
    let job = t
        .store
        .enqueue(new_job("flaky-background"), clock.now_ms())
        .unwrap();

    let mut runs = 0;
    for (delay, error) in [
        (Some(60_000), "boom 1"),
        (Some(120_000), "boom 2"),
        (None, "boom 3"),
    ] {
        let claimed = t.store.claim_due(clock.now_ms(), 10).unwrap();
        assert_eq!(claimed.len(), 1, "run {}", runs + 1);
        let run = &claimed[0];
        runs += 1;
        assert_eq!(run.attempts, runs);

        let retry_at = policy.next_run_at(&run.id, run.attempts, run.max_attempts, clock.now_ms());
        assert_eq!(retry_at, delay.map(|d| clock.now_ms() + d));
        t.store
            .fail(&run.id, error, retry_at, clock.now_ms())
            .unwrap();

        let Some(delay) = delay else { break };
        let stored = t.store.get(&job.id).unwrap().unwrap();
        assert_eq!(stored.status, JobStatus::Queued);
        assert_eq!(stored.last_error.as_deref(), Some(error));
        assert_eq!(t.store.next_due().unwrap(), Some(clock.now_ms() + delay));

        clock.advance(delay - 1);
        assert!(
            t.store.claim_due(clock.now_ms(), 10).unwrap().is_empty(),
            "due 1 ms early"
        );
        clock.advance(1);
    }

    assert_eq!(runs, 3);
    let failed = t.store.get(&job.id).unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.last_error.as_deref(), Some("boom 3"));
    assert_eq!(failed.finished_at_ms, Some(T0 + 180_000));
    assert_eq!(t.store.next_due().unwrap(), None);
    assert!(
        t.store
            .claim_due(clock.now_ms() + 10_000_000, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_interrupted_run_does_not_use_up_an_attempt() {
    let mut t = open_store();
    let clock = FakeClock::new(T0);
    let job = t
        .store
        .enqueue(new_job("long-background"), clock.now_ms())
        .unwrap();

    // Run 1 fails and is retried; run 2 is interrupted by a crash.
    let run = t.store.claim_due(clock.now_ms(), 1).unwrap().remove(0);
    t.store
        .fail(
            &run.id,
            "boom",
            Some(clock.now_ms() + 1_000),
            clock.now_ms(),
        )
        .unwrap();
    clock.advance(1_000);
    assert_eq!(t.store.claim_due(clock.now_ms(), 1).unwrap()[0].attempts, 2);

    clock.advance(30_000);
    // The store that claimed it is still open: its run is not interrupted.
    assert_eq!(t.store.requeue_interrupted(clock.now_ms()).unwrap(), 0);
    // A crash and a new start: the old store is gone when the new one looks.
    t.store = SqliteStore::open(&t.path).unwrap();
    assert_eq!(t.store.requeue_interrupted(clock.now_ms()).unwrap(), 1);
    let requeued = t.store.get(&job.id).unwrap().unwrap();
    assert_eq!(requeued.status, JobStatus::Queued);
    assert_eq!(
        requeued.attempts, 1,
        "the interrupted run gave its attempt back"
    );
    assert_eq!(requeued.run_at_ms, clock.now_ms(), "re-run at once");
    assert_eq!(requeued.last_error.as_deref(), Some("boom"));
    assert_eq!(t.store.requeue_interrupted(clock.now_ms()).unwrap(), 0);

    let again = t.store.claim_due(clock.now_ms(), 1).unwrap();
    assert_eq!(again[0].attempts, 2);
}

#[test]
fn reporting_a_run_needs_a_running_job() {
    let t = open_store();
    let job = t.store.enqueue(new_job("a"), T0).unwrap();
    let err = t.store.succeed(&job.id, T0).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotRunning {
                status: JobStatus::Queued,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(t.store.succeed("nope", T0), Err(StoreError::NotFound(id)) if id == "nope"));

    t.store.claim_due(T0, 1).unwrap();
    t.store.succeed(&job.id, T0).unwrap();
    let err = t.store.fail(&job.id, "late", None, T0).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotRunning {
                status: JobStatus::Succeeded,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "job {} is succeeded, not running: its run cannot be reported",
            job.id
        )
    );
}

#[test]
fn logs_keep_their_order_and_attempt() {
    let t = open_store();
    let clock = FakeClock::new(T0);
    let a = t.store.enqueue(new_job("a"), clock.now_ms()).unwrap();
    let b = t.store.enqueue(new_job("b"), clock.now_ms()).unwrap();
    for (attempt, line) in [(1, "start"), (1, "boom"), (2, "start"), (2, "done")] {
        clock.advance(1);
        t.store
            .append_log(&a.id, attempt, line, clock.now_ms())
            .unwrap();
        t.store
            .append_log(&b.id, attempt, &format!("b {line}"), clock.now_ms())
            .unwrap();
    }
    let lines = t.store.logs(&a.id).unwrap();
    let expect = |attempt, at_ms, line: &str| JobLogLine {
        attempt,
        at_ms,
        line: line.into(),
    };
    assert_eq!(
        lines,
        vec![
            expect(1, T0 + 1, "start"),
            expect(1, T0 + 2, "boom"),
            expect(2, T0 + 3, "start"),
            expect(2, T0 + 4, "done")
        ]
    );
    assert_eq!(t.store.logs(&b.id).unwrap()[1].line, "b boom");
    assert!(t.store.logs("nope").unwrap().is_empty());
    assert!(matches!(
        t.store.append_log("nope", 1, "x", T0),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn concurrent_log_lines_of_one_job_are_all_kept_in_order() {
    let t = open_store();
    let job = t.store.enqueue(new_job("chatty"), T0).unwrap();
    std::thread::scope(|s| {
        for thread in 0..4 {
            let (store, id) = (&t.store, &job.id);
            s.spawn(move || {
                for i in 0..50 {
                    store
                        .append_log(id, 1, &format!("{thread} {i}"), T0)
                        .unwrap();
                }
            });
        }
    });
    let lines = t.store.logs(&job.id).unwrap();
    assert_eq!(lines.len(), 200);
    for thread in 0..4 {
        let mine: Vec<u32> = lines
            .iter()
            .filter_map(|l| l.line.strip_prefix(&format!("{thread} ")))
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(mine, (0..50).collect::<Vec<_>>());
    }
}

#[test]
fn list_get_and_retry() {
    let t = open_store();
    let ids: Vec<String> = (0..5)
        .map(|i| {
            t.store
                .enqueue(new_job(&format!("f{i}")), T0 + i)
                .unwrap()
                .id
        })
        .collect();
    let newest: Vec<String> = t.store.list(3).unwrap().into_iter().map(|j| j.id).collect();
    assert_eq!(newest, vec![ids[4].clone(), ids[3].clone(), ids[2].clone()]);
    assert_eq!(t.store.list(100).unwrap().len(), 5);
    assert!(t.store.get("01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap().is_none());

    let err = t.store.retry(&ids[0], T0).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotRetryable {
                status: JobStatus::Queued,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("job {} is queued: only a failed job can be retried", ids[0])
    );
    assert!(matches!(
        t.store.retry("nope", T0),
        Err(StoreError::NotFound(_))
    ));

    // Fail ids[0] for good, then retry it by hand: a fresh set of attempts, due now.
    let run = t.store.claim_due(T0, 1).unwrap().remove(0);
    assert_eq!(run.id, ids[0]);
    t.store.fail(&run.id, "gave up", None, T0 + 50).unwrap();
    let retried = t.store.retry(&run.id, T0 + 100).unwrap();
    assert_eq!(
        (retried.status, retried.attempts, retried.run_at_ms),
        (JobStatus::Queued, 0, T0 + 100)
    );
    assert_eq!(retried.finished_at_ms, None);
    assert_eq!(
        t.store.get(&run.id).unwrap().unwrap().status,
        JobStatus::Queued
    );
    let err = t.store.retry(&run.id, T0 + 100).unwrap_err();
    assert!(matches!(err, StoreError::NotRetryable { .. }), "{err:?}");
}

#[test]
fn prune_keeps_the_newest_finished_and_unfinished_jobs() {
    let t = open_store();
    let clock = FakeClock::new(T0);
    // Four jobs finished at T0+100, +200, +300 (succeeded) and +400 (failed).
    let mut finished = Vec::new();
    for (i, ok) in [(1, true), (2, true), (3, true), (4, false)] {
        let job = t.store.enqueue(new_job("f"), clock.now_ms()).unwrap();
        t.store
            .append_log(&job.id, 1, "line", clock.now_ms())
            .unwrap();
        t.store.claim_due(clock.now_ms(), 1).unwrap();
        clock.set(T0 + i * 100);
        if ok {
            t.store.succeed(&job.id, clock.now_ms()).unwrap();
        } else {
            t.store.fail(&job.id, "x", None, clock.now_ms()).unwrap();
        }
        finished.push(job.id);
    }
    let running = t.store.enqueue(new_job("r"), T0).unwrap();
    t.store.claim_due(clock.now_ms(), 1).unwrap();
    let queued = t.store.enqueue(new_job("q"), T0).unwrap();

    assert_eq!(t.store.prune(2, 0).unwrap(), 2, "beyond the newest two");
    assert!(t.store.get(&finished[0]).unwrap().is_none());
    assert!(t.store.get(&finished[1]).unwrap().is_none());
    assert!(
        t.store.logs(&finished[0]).unwrap().is_empty(),
        "logs go with their job"
    );
    assert_eq!(t.store.logs(&finished[2]).unwrap().len(), 1);

    assert_eq!(
        t.store.prune(100, T0 + 350).unwrap(),
        1,
        "finished before T0+350"
    );
    assert!(t.store.get(&finished[2]).unwrap().is_none());
    assert!(t.store.get(&finished[3]).unwrap().is_some());

    assert_eq!(t.store.prune(0, 0).unwrap(), 1);
    assert_eq!(
        t.store.get(&running.id).unwrap().unwrap().status,
        JobStatus::Running
    );
    assert_eq!(
        t.store.get(&queued.id).unwrap().unwrap().status,
        JobStatus::Queued
    );
    assert_eq!(t.store.list(10).unwrap().len(), 2);
}

#[test]
fn enqueue_then_answers_after_the_commit_without_blocking_the_caller() {
    let t = open_store();
    let (tx, rx) = std::sync::mpsc::channel();
    for name in ["a-background", "b-background"] {
        let tx = tx.clone();
        t.store.enqueue_then(
            new_job(name),
            T0,
            Box::new(move |result| {
                let _ = tx.send(result);
            }),
        );
    }
    let mut ids = Vec::new();
    for _ in 0..2 {
        let job = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("answered")
            .expect("committed");
        // Committed: another reader sees it.
        assert_eq!(
            t.store.get(&job.id).unwrap().map(|j| j.status),
            Some(JobStatus::Queued)
        );
        ids.push(job.id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2);
}

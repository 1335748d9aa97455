//! The scheduler against a real SQLite store, with time from a `FakeClock` (and one test of
//! the async driver on a fast `ScaledClock`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use petrel_jobs::{FakeClock, JobStatus, ScaledClock, SqliteStore};

use super::*;

/// 2026-11-22T17:47:10Z
const T: i64 = 1_795_369_630_000;
const MINUTE: i64 = 60_000;
/// 2026-11-22T17:50:00Z
const T_1750: i64 = T + 2 * MINUTE + 50_000;

fn target(function: &str, cron: &str, missed: MissedRuns) -> ScheduledTarget {
    ScheduledTarget {
        function: function.into(),
        kind: JobKind::NetlifyScheduled,
        schedule: Schedule::parse(cron).unwrap(),
        path: format!("/.netlify/functions/{function}"),
        overlap: Overlap::Allow,
        missed,
        missed_cap: DEFAULT_MISSED_CAP,
        max_attempts: 1,
    }
}

struct Setup {
    store: Arc<SqliteStore>,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.sqlite");
    Setup {
        store: Arc::new(SqliteStore::open(&path).unwrap()),
        path,
        _dir: dir,
    }
}

fn times(occurrences: &[Occurrence]) -> Vec<String> {
    occurrences.iter().map(|o| iso(o.at_ms)).collect()
}

fn fire(store: &SqliteStore, due: Vec<Occurrence>, now: i64) -> usize {
    due.into_iter()
        .filter(|o| matches!(store.fire(o.clone(), now).unwrap(), Fired::Queued(_)))
        .count()
}

#[test]
fn fires_on_time_with_netlifys_request() {
    let s = setup();
    let clock = FakeClock::new(T);
    let mut scheduler = Scheduler::new(s.store.clone(), Arc::new(clock.clone()));
    scheduler
        .set_targets(vec![target("sched", "*/5 * * * *", MissedRuns::Skip)], T)
        .unwrap();
    assert!(scheduler.due(T).is_empty());
    assert_eq!(scheduler.next_wake(), Some(T_1750));
    assert!(scheduler.due(T_1750 - 1).is_empty());

    let due = scheduler.due(T_1750 + 3);
    assert_eq!(times(&due), ["2026-11-22T17:50:00.000Z"]);
    let request = &due[0].job.request;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/.netlify/functions/sched");
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        r#"{"next_run":"2026-11-22T17:55:00.000Z"}"#,
        "the run at 17:50 carries the following slot"
    );
    assert!(
        request
            .headers
            .contains(&("user-agent".into(), "Netlify Clockwork".into()))
    );
    assert!(
        request
            .headers
            .contains(&("x-nf-event".into(), "schedule".into()))
    );
    assert_eq!(scheduler.next_wake(), Some(T_1750 + 5 * MINUTE));
    assert!(scheduler.due(T_1750 + 4 * MINUTE).is_empty());
    assert_eq!(
        times(&scheduler.due(T_1750 + 5 * MINUTE + 900)),
        ["2026-11-22T17:55:00.000Z"]
    );
}

/// The store says the schedule last fired at 17:00; the scheduler starts at 17:32:00.5.
fn after_downtime(missed: MissedRuns, cap: usize) -> Vec<String> {
    let s = setup();
    let at_1700 = T - 47 * MINUTE - 10_000;
    let mut first = Scheduler::new(s.store.clone(), Arc::new(FakeClock::new(at_1700)));
    first
        .set_targets(vec![target("report", "*/5 * * * *", missed)], at_1700 - 1)
        .unwrap();
    assert_eq!(fire(&s.store, first.due(at_1700), at_1700), 1);
    drop(first);

    let now = at_1700 + 32 * MINUTE + 500;
    let mut second = Scheduler::new(s.store.clone(), Arc::new(FakeClock::new(now)));
    let mut restarted = target("report", "*/5 * * * *", missed);
    restarted.missed_cap = cap;
    second.set_targets(vec![restarted], now).unwrap();
    let due = second.due(now);
    assert_eq!(second.next_wake(), Some(at_1700 + 35 * MINUTE));
    times(&due)
}

#[test]
fn missed_runs_policies() {
    assert!(after_downtime(MissedRuns::Skip, 24).is_empty());
    assert_eq!(
        after_downtime(MissedRuns::Once, 24),
        ["2026-11-22T17:30:00.000Z"]
    );
    assert_eq!(
        after_downtime(MissedRuns::All, 24),
        [
            "2026-11-22T17:05:00.000Z",
            "2026-11-22T17:10:00.000Z",
            "2026-11-22T17:15:00.000Z",
            "2026-11-22T17:20:00.000Z",
            "2026-11-22T17:25:00.000Z",
            "2026-11-22T17:30:00.000Z"
        ]
    );
    assert_eq!(
        after_downtime(MissedRuns::All, 2),
        ["2026-11-22T17:25:00.000Z", "2026-11-22T17:30:00.000Z"],
        "capped: the latest ones"
    );
}

#[test]
fn a_late_wake_up_counts_as_missed_beyond_the_grace() {
    let s = setup();
    let mut scheduler = Scheduler::new(s.store.clone(), Arc::new(FakeClock::new(T)));
    scheduler
        .set_targets(vec![target("m", "* * * * *", MissedRuns::Skip)], T)
        .unwrap();
    // Asleep from 17:47:10 to 17:50:00.5 (a suspended laptop): 17:48 and 17:49 were missed,
    // 17:50 is on time.
    let due = scheduler.due(T_1750 + 500);
    assert_eq!(times(&due), ["2026-11-22T17:50:00.000Z"]);
}

#[test]
fn reloading_keeps_a_schedules_place_and_adds_new_ones() {
    let s = setup();
    let mut scheduler = Scheduler::new(s.store.clone(), Arc::new(FakeClock::new(T)));
    scheduler
        .set_targets(vec![target("a", "*/5 * * * *", MissedRuns::Skip)], T)
        .unwrap();
    assert_eq!(fire(&s.store, scheduler.due(T_1750), T_1750), 1);
    scheduler
        .set_targets(
            vec![
                target("a", "*/5 * * * *", MissedRuns::Skip),
                target("b", "* * * * *", MissedRuns::Skip),
            ],
            T_1750 + 10_000,
        )
        .unwrap();
    assert_eq!(scheduler.len(), 2);
    assert_eq!(scheduler.next_wake(), Some(T_1750 + MINUTE));
    assert_eq!(
        times(&scheduler.due(T_1750 + MINUTE)),
        ["2026-11-22T17:51:00.000Z"]
    );
    scheduler.set_targets(Vec::new(), T_1750 + MINUTE).unwrap();
    assert_eq!(scheduler.next_wake(), None);
}

#[test]
fn two_schedulers_on_one_store_fire_each_occurrence_once() {
    let s = setup();
    let other: Arc<dyn JobStore> = Arc::new(SqliteStore::open(&s.path).unwrap());
    let clock = FakeClock::new(T);
    let targets = || {
        vec![
            target("every-minute", "* * * * *", MissedRuns::Skip),
            target("every-five", "*/5 * * * *", MissedRuns::Skip),
        ]
    };
    let mut a = Scheduler::new(s.store.clone(), Arc::new(clock.clone()));
    let mut b = Scheduler::new(other.clone(), Arc::new(clock.clone()));
    a.set_targets(targets(), T).unwrap();
    b.set_targets(targets(), T).unwrap();
    // Two hours: each wakes when it thinks the next occurrence is due, a little late by
    // turns; they take turns going first, and both fire every occurrence they find due.
    let mut queued = 0;
    let mut step = 0i64;
    loop {
        step += 1;
        let wake = a.next_wake().min(b.next_wake()).unwrap();
        if wake > T + 120 * MINUTE {
            break;
        }
        clock.set(wake + (step * 137) % 900);
        let now = clock.now_ms();
        let (first, second) = if step % 2 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let first_due = first.due(now);
        let second_due = second.due(now);
        let stores: [&dyn JobStore; 2] = [s.store.as_ref(), other.as_ref()];
        for (n, o) in first_due.into_iter().chain(second_due).enumerate() {
            if let Fired::Queued(_) = stores[n % 2].fire(o, now).unwrap() {
                queued += 1;
            }
        }
    }
    let jobs = s.store.list(1000).unwrap();
    assert_eq!(jobs.len(), queued);
    let count = |f: &str| jobs.iter().filter(|j| j.function == f).count();
    // 17:48 … 19:47: 120 minutes, 24 multiples of five.
    assert_eq!((count("every-minute"), count("every-five")), (120, 24));
    let mut keys: Vec<_> = jobs
        .iter()
        .map(|j| (j.function.clone(), j.scheduled_for_ms))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), jobs.len(), "no occurrence twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_fires_on_a_fast_clock_and_stops() {
    let s = setup();
    // 600× real time from 17:49:30: a minute passes every 100 ms.
    let clock = Arc::new(ScaledClock::new(T_1750 - 30_000, 600.0));
    let scheduler = Scheduler::new(s.store.clone(), clock.clone());
    let (targets_tx, targets) = watch::channel(vec![target("m", "* * * * *", MissedRuns::Skip)]);
    let (stop_tx, stop) = watch::channel(false);
    let woken = Arc::new(AtomicUsize::new(0));
    let counter = woken.clone();
    let driver = tokio::spawn(run(
        scheduler,
        targets,
        stop,
        Arc::new(move |_job: &Job| {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    ));
    while clock.now_ms() < T_1750 + 3 * MINUTE + 30_000 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // A new schedule set reaches the running driver.
    targets_tx
        .send(vec![target("n", "*/2 * * * *", MissedRuns::Skip)])
        .unwrap();
    while clock.now_ms() < T_1750 + 6 * MINUTE + 30_000 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop_tx.send(true).unwrap();
    driver.await.unwrap();

    let mut jobs = s.store.list(100).unwrap();
    jobs.sort_by_key(|j| j.scheduled_for_ms);
    let fired: Vec<(String, String)> = jobs
        .iter()
        .map(|j| (j.function.clone(), iso(j.scheduled_for_ms.unwrap())))
        .collect();
    let expected: Vec<(String, String)> = [
        ("m", "17:50"),
        ("m", "17:51"),
        ("m", "17:52"),
        ("m", "17:53"),
        ("n", "17:54"),
        ("n", "17:56"),
    ]
    .iter()
    .map(|(f, t)| (f.to_string(), format!("2026-11-22T{t}:00.000Z")))
    .collect();
    assert_eq!(fired, expected);
    assert!(jobs.iter().all(|j| j.status == JobStatus::Queued));
    assert_eq!(woken.load(Ordering::SeqCst), 6);
}

#[test]
fn caught_up_runs_wait_for_each_other_unless_overlap_is_allowed() {
    let s = setup();
    let start = T_1750;
    let mut first = Scheduler::new(s.store.clone(), Arc::new(FakeClock::new(start)));
    first
        .set_targets(vec![target("c", "* * * * *", MissedRuns::All)], start - 1)
        .unwrap();
    assert_eq!(fire(&s.store, first.due(start), start), 1);

    // Back three minutes later: 17:51 and 17:52 were missed, 17:53 is on time.
    let now = start + 3 * MINUTE + 200;
    let mut again = Scheduler::new(s.store.clone(), Arc::new(FakeClock::new(now)));
    let mut skip = target("c", "* * * * *", MissedRuns::All);
    skip.overlap = Overlap::Skip;
    again.set_targets(vec![skip], now).unwrap();
    let policies: Vec<Overlap> = again.due(now).iter().map(|o| o.overlap).collect();
    assert_eq!(policies, [Overlap::Queue, Overlap::Queue, Overlap::Skip]);
}

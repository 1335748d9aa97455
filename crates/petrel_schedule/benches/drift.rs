//! Scheduler drift benchmark (see `bench/README.md`, "drift.rs").
//!
//! The real driver ([`petrel_schedule::scheduler::run`]) on the real clock and a real SQLite
//! store in a temp dir, with a claimer task playing the job runner (woken by `on_queued`,
//! claims in batches, marks each job succeeded from a few finisher threads, as the runner's
//! per-job tasks do). Drift = the time an occurrence was claimed minus its scheduled time.
//!
//! 1. spread: 10,000 schedules `S * * * * *`, S = i % 60 (≈167 due each second);
//! 2. all at once: 10,000 schedules `0 * * * * *`;
//! 3. idle: 10,000 schedules `0 0 1 1 *` (none due), process CPU over an idle window, and the
//!    time `set_targets` takes for them;
//! 4. breakdown: the pieces of one 10,000-occurrence wave timed on their own (`due`, the
//!    fire commits, the claims, the finishes), and the disk's fsync cost.
//!
//! Knobs (env): `DRIFT_SECS` (measured window per drift scenario, default 130),
//! `DRIFT_WARMUP_SECS` (5), `DRIFT_IDLE_SECS` (10), `DRIFT_SCHEDULES` (10000),
//! `DRIFT_FINISHERS` (32 threads calling `succeed`), `DRIFT_CLAIM_BATCH` (1000),
//! `DRIFT_SCENARIOS` (comma list of `spread,all,idle,breakdown`; default all),
//! `DRIFT_DIR` (where the temp dirs go; default the system temp dir).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use petrel_jobs::{Clock, Fired, Job, JobKind, JobStore, Overlap, SqliteStore, SystemClock};
use petrel_schedule::Schedule;
use petrel_schedule::scheduler::{DEFAULT_MISSED_CAP, MissedRuns, ScheduledTarget, Scheduler, run};
use tokio::sync::{Notify, watch};

/// DECISIONS: fire drift p99 ≤ 20 ms.
const DRIFT_P99_TARGET_MS: i64 = 20;
/// "Scheduler CPU when idle ≈ 0": read here as under 0.5 % of one core.
const IDLE_CPU_TARGET_PCT: f64 = 0.5;
/// Linux reports `/proc/self/stat` times in USER_HZ ticks, 100 a second on every platform.
const TICKS_PER_SEC: f64 = 100.0;

struct Config {
    secs: u64,
    warmup_secs: u64,
    idle_secs: u64,
    schedules: usize,
    finishers: usize,
    claim_batch: usize,
    scenarios: Vec<String>,
    dir: PathBuf,
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

impl Config {
    fn from_env() -> Config {
        let scenarios = std::env::var("DRIFT_SCENARIOS")
            .unwrap_or_else(|_| "spread,all,idle,breakdown".into())
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Config {
            secs: env_num("DRIFT_SECS", 130),
            warmup_secs: env_num("DRIFT_WARMUP_SECS", 5),
            idle_secs: env_num("DRIFT_IDLE_SECS", 10),
            schedules: env_num("DRIFT_SCHEDULES", 10_000),
            finishers: env_num::<usize>("DRIFT_FINISHERS", 32).max(1),
            claim_batch: env_num::<usize>("DRIFT_CLAIM_BATCH", 1000).max(1),
            scenarios,
            dir: std::env::var_os("DRIFT_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
        }
    }

    fn wants(&self, scenario: &str) -> bool {
        self.scenarios.iter().any(|s| s == scenario)
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn now_ms() -> i64 {
    SystemClock.now_ms()
}

/// User + system CPU time of the whole process (exited threads included), in ms, at 10 ms
/// resolution.
fn process_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    ticks * 1000.0 / TICKS_PER_SEC
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures (the box may be shared).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

#[derive(Clone)]
struct Dist {
    count: usize,
    p50: i64,
    p90: i64,
    p99: i64,
    max: i64,
}

impl Dist {
    fn of(mut values: Vec<i64>) -> Dist {
        values.sort_unstable();
        Dist {
            count: values.len(),
            p50: percentile(&values, 50.0),
            p90: percentile(&values, 90.0),
            p99: percentile(&values, 99.0),
            max: values.last().copied().unwrap_or(0),
        }
    }
}

fn target(index: usize, schedule: Schedule) -> ScheduledTarget {
    let function = format!("fn{index:05}");
    ScheduledTarget {
        path: format!("/.netlify/functions/{function}"),
        function,
        kind: JobKind::NetlifyScheduled,
        schedule,
        overlap: Overlap::Skip,
        missed: MissedRuns::Skip,
        missed_cap: DEFAULT_MISSED_CAP,
        max_attempts: 1,
    }
}

/// `n` targets; `expression(i)` is parsed once per distinct expression.
fn targets(
    n: usize,
    expression: impl Fn(usize) -> String,
    parse: fn(&str) -> Result<Schedule, petrel_schedule::ScheduleError>,
) -> Vec<ScheduledTarget> {
    let mut parsed: std::collections::HashMap<String, Schedule> = Default::default();
    (0..n)
        .map(|i| {
            let expr = expression(i);
            let schedule = parsed
                .entry(expr.clone())
                .or_insert_with(|| parse(&expr).expect("valid schedule"))
                .clone();
            target(i, schedule)
        })
        .collect()
}

fn open_store(dir: &Path) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(&dir.join("jobs.sqlite")).expect("open the store"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Threads calling `succeed` for the ids sent to them (the runner records each outcome from
/// the job's own task, so several finishes share one commit).
struct Finishers {
    tx: Option<mpsc::Sender<String>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    errors: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl Finishers {
    fn start(store: Arc<dyn JobStore>, n: usize) -> Finishers {
        let (tx, rx) = mpsc::channel::<String>();
        let rx = Arc::new(Mutex::new(rx));
        let errors = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let threads = (0..n)
            .map(|_| {
                let rx = rx.clone();
                let store = store.clone();
                let errors = errors.clone();
                let finished = finished.clone();
                std::thread::spawn(move || {
                    loop {
                        let next = rx.lock().expect("finisher queue").recv();
                        let Ok(id) = next else { break };
                        if store.succeed(&id, now_ms()).is_err() {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        finished.fetch_add(1, Ordering::Release);
                    }
                })
            })
            .collect();
        Finishers {
            tx: Some(tx),
            threads,
            errors,
            finished,
        }
    }

    /// How many finishes were done (failed ones too).
    fn finished(&self) -> usize {
        self.finished.load(Ordering::Acquire)
    }

    fn sender(&self) -> mpsc::Sender<String> {
        self.tx.clone().expect("finishers running")
    }

    /// Waits for every finish sent; returns how many failed.
    fn stop(mut self) -> usize {
        self.tx = None;
        for thread in self.threads.drain(..) {
            thread.join().expect("finisher thread");
        }
        self.errors.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------------------------
// Drift scenarios (spread, all at once)

struct DriftResult {
    name: &'static str,
    expected: usize,
    /// `created_at_ms - scheduled`: when the driver read the clock for the wave.
    created: Dist,
    /// `on_queued` time − scheduled: the occurrence's commit answered to the driver.
    queued: Dist,
    /// `started_at_ms - scheduled`: the claim as the store records it (DECISIONS' drift).
    claimed: Dist,
    /// Claim call returned − scheduled: the runner has the job in hand.
    in_hand: Dist,
    duplicates: usize,
    finish_errors: usize,
    claim_calls: usize,
    claim_call_ms: Dist,
    /// Per wave (one scheduled instant): the last commit answered, − scheduled.
    wave_last_queued: Dist,
    cpu_pct: f64,
    wall_secs: f64,
}

#[derive(Default)]
struct Recorded {
    queued: Vec<(i64, i64)>,
    /// (function, scheduled, created, started, in hand)
    claimed: Vec<(String, i64, i64, i64, i64)>,
    claim_calls: Vec<i64>,
}

fn expected_in(targets: &[ScheduledTarget], from: i64, to: i64) -> usize {
    targets
        .iter()
        .map(|t| {
            let mut n = 0;
            let mut at = from - 1;
            while let Some(next) = t.schedule.next_after(at) {
                if next >= to {
                    break;
                }
                n += 1;
                at = next;
            }
            n
        })
        .sum()
}

fn drift_scenario(cfg: &Config, name: &'static str, targets: Vec<ScheduledTarget>) -> DriftResult {
    let dir = tempfile::Builder::new()
        .prefix("petrel-drift-")
        .tempdir_in(&cfg.dir)
        .expect("temp dir");
    let store = open_store(dir.path());
    let store_dyn: Arc<dyn JobStore> = store.clone();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rt = runtime();
    let started = Instant::now();

    let start_ms = now_ms() + cfg.warmup_secs as i64 * 1000;
    let end_ms = start_ms + cfg.secs as i64 * 1000;
    let expected = expected_in(&targets, start_ms, end_ms);
    println!(
        "[{name}] {} schedules; warm-up {} s, then {} s measured ({expected} occurrences expected); load average {}",
        targets.len(),
        cfg.warmup_secs,
        cfg.secs,
        load_average()
    );

    let recorded = Arc::new(Mutex::new(Recorded::default()));
    let claimed_in_window = Arc::new(AtomicUsize::new(0));
    let notify = Arc::new(Notify::new());
    let stopping = Arc::new(AtomicBool::new(false));
    let finishers = Finishers::start(store_dyn.clone(), cfg.finishers);

    let on_queued: Arc<dyn Fn(&Job) + Send + Sync> = {
        let recorded = recorded.clone();
        let notify = notify.clone();
        Arc::new(move |job: &Job| {
            let now = now_ms();
            if let Some(at) = job.scheduled_for_ms {
                recorded.lock().expect("recorded").queued.push((at, now));
            }
            notify.notify_one();
        })
    };

    let (_targets_tx, targets_rx) = watch::channel(targets);
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = Scheduler::new(store_dyn.clone(), clock.clone());

    let (cpu_start, cpu_end) = rt.block_on(async {
        let driver = tokio::spawn(run(scheduler, targets_rx, stop_rx, on_queued));
        let claimer = {
            let store = store_dyn.clone();
            let recorded = recorded.clone();
            let claimed_in_window = claimed_in_window.clone();
            let notify = notify.clone();
            let stopping = stopping.clone();
            let finish = finishers.sender();
            let batch = cfg.claim_batch;
            tokio::spawn(async move {
                while !stopping.load(Ordering::Relaxed) {
                    tokio::select! {
                        _ = notify.notified() => {}
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                    loop {
                        let now = now_ms();
                        let call = Instant::now();
                        let store = store.clone();
                        let jobs = tokio::task::spawn_blocking(move || store.claim_due(now, batch))
                            .await
                            .expect("claim task")
                            .expect("claim_due");
                        let in_hand = now_ms();
                        let full = jobs.len() == batch;
                        {
                            let mut rec = recorded.lock().expect("recorded");
                            rec.claim_calls.push(call.elapsed().as_micros() as i64);
                            for job in jobs {
                                if let Some(at) = job.scheduled_for_ms
                                    && (start_ms..end_ms).contains(&at)
                                {
                                    claimed_in_window.fetch_add(1, Ordering::Relaxed);
                                    rec.claimed.push((
                                        job.function.clone(),
                                        at,
                                        job.created_at_ms,
                                        job.started_at_ms.unwrap_or(in_hand),
                                        in_hand,
                                    ));
                                }
                                let _ = finish.send(job.id);
                            }
                        }
                        if !full {
                            break;
                        }
                    }
                }
            })
        };

        // Warm-up, then the measured window.
        tokio::time::sleep(Duration::from_millis((start_ms - now_ms()).max(0) as u64)).await;
        let cpu_start = (process_cpu_ms(), Instant::now());
        let mut last_report = Instant::now();
        while now_ms() < end_ms {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if last_report.elapsed() >= Duration::from_secs(30) {
                last_report = Instant::now();
                println!(
                    "[{name}] {:>3} s left, {} claimed so far, load average {}",
                    (end_ms - now_ms()) / 1000,
                    claimed_in_window.load(Ordering::Relaxed),
                    load_average()
                );
            }
        }
        let cpu_end = (process_cpu_ms(), Instant::now());
        // Let the last occurrences of the window be claimed (or give up after 30 s).
        let deadline = Instant::now() + Duration::from_secs(30);
        while claimed_in_window.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stopping.store(true, Ordering::Relaxed);
        let _ = stop_tx.send(true);
        notify.notify_one();
        driver.await.expect("driver");
        claimer.await.expect("claimer");
        (cpu_start, cpu_end)
    });
    let finish_errors = finishers.stop();
    drop(rt);
    drop(store_dyn);
    drop(store);

    let rec = std::mem::take(&mut *recorded.lock().expect("recorded"));
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    for (function, at, ..) in &rec.claimed {
        if !seen.insert((function.as_str(), *at)) {
            duplicates += 1;
        }
    }
    let queued_in_window: Vec<(i64, i64)> = rec
        .queued
        .iter()
        .copied()
        .filter(|(at, _)| (start_ms..end_ms).contains(at))
        .collect();
    let mut waves: std::collections::BTreeMap<i64, i64> = Default::default();
    for (at, when) in &queued_in_window {
        let last = waves.entry(*at).or_insert(i64::MIN);
        *last = (*last).max(when - at);
    }
    let cpu_ms = cpu_end.0 - cpu_start.0;
    let window = cpu_end.1.duration_since(cpu_start.1).as_secs_f64();
    DriftResult {
        name,
        expected,
        created: Dist::of(rec.claimed.iter().map(|c| c.2 - c.1).collect()),
        queued: Dist::of(queued_in_window.iter().map(|(at, w)| w - at).collect()),
        claimed: Dist::of(rec.claimed.iter().map(|c| c.3 - c.1).collect()),
        in_hand: Dist::of(rec.claimed.iter().map(|c| c.4 - c.1).collect()),
        duplicates,
        finish_errors,
        claim_calls: rec.claim_calls.len(),
        claim_call_ms: Dist::of(rec.claim_calls.iter().map(|us| us / 1000).collect()),
        wave_last_queued: Dist::of(waves.into_values().collect()),
        cpu_pct: cpu_ms / 10.0 / window,
        wall_secs: started.elapsed().as_secs_f64(),
    }
}

// ---------------------------------------------------------------------------------------------
// Idle

struct IdleResult {
    schedules: usize,
    set_targets_cold_ms: f64,
    set_targets_warm_ms: f64,
    cpu_ms: f64,
    window_secs: f64,
}

fn idle_scenario(cfg: &Config) -> IdleResult {
    let dir = tempfile::Builder::new()
        .prefix("petrel-drift-idle-")
        .tempdir_in(&cfg.dir)
        .expect("temp dir");
    let store: Arc<dyn JobStore> = open_store(dir.path());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let targets = targets(cfg.schedules, |_| "0 0 1 1 *".into(), Schedule::parse);
    println!(
        "[idle] {} schedules `0 0 1 1 *`, {} s idle window",
        targets.len(),
        cfg.idle_secs
    );
    let mut scheduler = Scheduler::new(store.clone(), clock.clone());
    // Startup: every schedule is new (one cursor read each); then a reload of the same set.
    let t = Instant::now();
    scheduler
        .set_targets(targets.clone(), now_ms())
        .expect("set_targets");
    let set_targets_cold_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    scheduler
        .set_targets(targets.clone(), now_ms())
        .expect("set_targets");
    let set_targets_warm_ms = t.elapsed().as_secs_f64() * 1000.0;

    let rt = runtime();
    let (cpu_ms, window_secs) = rt.block_on(async {
        let (_targets_tx, targets_rx) = watch::channel(targets);
        let (stop_tx, stop_rx) = watch::channel(false);
        let on_queued: Arc<dyn Fn(&Job) + Send + Sync> = Arc::new(|_: &Job| {});
        let driver = tokio::spawn(run(scheduler, targets_rx, stop_rx, on_queued));
        // Let the driver take its schedules and settle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (cpu0, t0) = (process_cpu_ms(), Instant::now());
        tokio::time::sleep(Duration::from_secs(cfg.idle_secs)).await;
        let (cpu1, t1) = (process_cpu_ms(), Instant::now());
        let _ = stop_tx.send(true);
        driver.await.expect("driver");
        (cpu1 - cpu0, t1.duration_since(t0).as_secs_f64())
    });
    IdleResult {
        schedules: cfg.schedules,
        set_targets_cold_ms,
        set_targets_warm_ms,
        cpu_ms,
        window_secs,
    }
}

// ---------------------------------------------------------------------------------------------
// Breakdown: one all-at-once wave, piece by piece, and the disk

/// The pieces of one wave of `size` occurrences due at the same instant, each timed on its own
/// (µs), over `rounds` waves a minute apart (in store time; no waiting).
struct WaveCost {
    label: &'static str,
    /// Occurrences in a wave (median).
    size: usize,
    rounds: usize,
    due: Dist,
    fire: Dist,
    first_answer: Dist,
    claim: Dist,
    finish: Dist,
    finish_errors: usize,
}

fn fsync_cost(dir: &Path) -> (Dist, Dist) {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).expect("probe file");
    let block = [7u8; 4096];
    let mut time = |data_only: bool| {
        let samples = (0..20)
            .map(|_| {
                file.write_all(&block).expect("write");
                let t = Instant::now();
                if data_only {
                    file.sync_data().expect("fdatasync");
                } else {
                    file.sync_all().expect("fsync");
                }
                t.elapsed().as_micros() as i64
            })
            .collect();
        Dist::of(samples)
    };
    let all = time(false);
    let data = time(true);
    let _ = std::fs::remove_file(path);
    (all, data)
}

fn micros(t: Instant) -> i64 {
    t.elapsed().as_micros() as i64
}

/// `rounds` waves of `targets`, `step_ms` apart in store time from a minute boundary in the
/// past (each wave is on time at its instant exactly).
fn wave_cost(
    cfg: &Config,
    dir: &Path,
    label: &'static str,
    targets: Vec<ScheduledTarget>,
    step_ms: i64,
    rounds: usize,
) -> WaveCost {
    let store: Arc<dyn JobStore> = open_store(&dir.join(label));
    println!(
        "[breakdown] {label}: {rounds} waves {step_ms} ms apart (store time) of {} schedules, piece by piece",
        targets.len()
    );
    let base = (now_ms() / 60_000 - 1) * 60_000 - rounds as i64 * step_ms;
    let mut sizes = Vec::with_capacity(rounds);
    let mut scheduler = Scheduler::new(store.clone(), Arc::new(SystemClock));
    scheduler
        .set_targets(targets, base - 30_000)
        .expect("set_targets");
    let finishers = Finishers::start(store.clone(), cfg.finishers);
    let send = finishers.sender();
    let (mut due_us, mut fire_us, mut first_us, mut claim_us, mut finish_us) =
        (vec![], vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        let at = base + round as i64 * step_ms;
        let t = Instant::now();
        let due = scheduler.due(at);
        due_us.push(micros(t));
        let occurrences = due.len();
        assert!(occurrences > 0, "a wave at {at}");
        sizes.push(occurrences as i64);

        // As the driver's fire_all: every occurrence sent at once, the writer groups them.
        let (tx, rx) = mpsc::channel::<Result<Fired, petrel_jobs::StoreError>>();
        let t = Instant::now();
        for occurrence in due {
            let tx = tx.clone();
            store.fire_then(
                occurrence,
                at,
                Box::new(move |result| {
                    let _ = tx.send(result);
                }),
            );
        }
        drop(tx);
        let mut fired = 0;
        for (index, result) in rx.into_iter().enumerate() {
            if index == 0 {
                first_us.push(micros(t));
            }
            assert!(matches!(result, Ok(Fired::Queued(_))), "queued: {result:?}");
            fired = index + 1;
        }
        assert_eq!(fired, occurrences, "every occurrence answered");
        fire_us.push(micros(t));

        let t = Instant::now();
        let mut ids = Vec::with_capacity(occurrences);
        loop {
            let jobs = store.claim_due(at + 1, cfg.claim_batch).expect("claim_due");
            let full = jobs.len() == cfg.claim_batch;
            ids.extend(jobs.into_iter().map(|j| j.id));
            if !full {
                break;
            }
        }
        claim_us.push(micros(t));
        assert_eq!(ids.len(), occurrences, "every job claimed");

        let t = Instant::now();
        let target = finishers.finished() + ids.len();
        for id in ids {
            send.send(id).expect("finisher queue");
        }
        while finishers.finished() < target {
            std::thread::sleep(Duration::from_micros(100));
        }
        finish_us.push(micros(t));
    }
    drop(send);
    let finish_errors = finishers.stop();
    WaveCost {
        label,
        size: Dist::of(sizes).p50 as usize,
        rounds,
        due: Dist::of(due_us),
        fire: Dist::of(fire_us),
        first_answer: Dist::of(first_us),
        claim: Dist::of(claim_us),
        finish: Dist::of(finish_us),
        finish_errors,
    }
}

struct Breakdown {
    waves: Vec<WaveCost>,
    fsync: Dist,
    fdatasync: Dist,
}

fn breakdown(cfg: &Config) -> Breakdown {
    let dir = tempfile::Builder::new()
        .prefix("petrel-drift-parts-")
        .tempdir_in(&cfg.dir)
        .expect("temp dir");
    let (fsync, fdatasync) = fsync_cost(dir.path());
    let spread = targets(
        cfg.schedules,
        |i| format!("{} * * * * *", i % 60),
        Schedule::parse_with_seconds,
    );
    let all = targets(
        cfg.schedules,
        |_| "0 * * * * *".into(),
        Schedule::parse_with_seconds,
    );
    let waves = vec![
        wave_cost(cfg, dir.path(), "spread", spread, 1000, 120),
        wave_cost(cfg, dir.path(), "all-at-once", all, 60_000, 5),
    ];
    Breakdown {
        waves,
        fsync,
        fdatasync,
    }
}

// ---------------------------------------------------------------------------------------------
// Report

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "NO" }
}

fn dist_row(scenario: &str, metric: &str, d: &Dist, target: bool) {
    let (target_text, met) = if target {
        (
            format!("p99 ≤ {DRIFT_P99_TARGET_MS}"),
            if d.count == 0 {
                "n/a (no samples)"
            } else {
                yes(d.p99 <= DRIFT_P99_TARGET_MS)
            },
        )
    } else {
        (String::from("-"), "")
    };
    println!(
        "{scenario:<12} {metric:<34} {:>7} {:>6} {:>6} {:>6} {:>6}  {target_text:<10} {met}",
        d.count, d.p50, d.p90, d.p99, d.max
    );
}

fn print_drift(r: &DriftResult) {
    println!(
        "{:<12} {:<34} {:>7} {:>6} {:>6} {:>6} {:>6}",
        "scenario", "drift (ms after scheduled)", "count", "p50", "p90", "p99", "max"
    );
    dist_row(r.name, "claimed (started_at) [DECISIONS]", &r.claimed, true);
    dist_row(r.name, "claimed, in runner's hand", &r.in_hand, true);
    dist_row(
        r.name,
        "fired: commit answered (on_queued)",
        &r.queued,
        true,
    );
    dist_row(
        r.name,
        "fired: created_at (driver's now)",
        &r.created,
        false,
    );
    dist_row(
        r.name,
        "per wave: last commit answered",
        &r.wave_last_queued,
        false,
    );
    dist_row(r.name, "claim_due call (ms)", &r.claim_call_ms, false);
    println!(
        "{:<12} expected {} occurrences, claimed {} (missing {}), duplicates {}, finish errors {}, {} claim calls, process CPU {:.1} % of a core in the window, {:.0} s wall",
        r.name,
        r.expected,
        r.claimed.count,
        r.expected.saturating_sub(r.claimed.count),
        r.duplicates,
        r.finish_errors,
        r.claim_calls,
        r.cpu_pct,
        r.wall_secs
    );
}

fn main() {
    let cfg = Config::from_env();
    let started = Instant::now();
    println!(
        "drift benchmark: {} schedules, window {} s (+{} s warm-up), idle {} s, {} finisher threads, claim batch {}, store under {}",
        cfg.schedules,
        cfg.secs,
        cfg.warmup_secs,
        cfg.idle_secs,
        cfg.finishers,
        cfg.claim_batch,
        cfg.dir.display()
    );

    let spread = cfg.wants("spread").then(|| {
        let t = targets(
            cfg.schedules,
            |i| format!("{} * * * * *", i % 60),
            Schedule::parse_with_seconds,
        );
        drift_scenario(&cfg, "spread", t)
    });
    let all = cfg.wants("all").then(|| {
        let t = targets(
            cfg.schedules,
            |_| "0 * * * * *".into(),
            Schedule::parse_with_seconds,
        );
        drift_scenario(&cfg, "all-at-once", t)
    });
    let idle = cfg.wants("idle").then(|| idle_scenario(&cfg));
    let parts = cfg.wants("breakdown").then(|| breakdown(&cfg));

    println!();
    println!(
        "=== summary ({:.0} s in all) ===",
        started.elapsed().as_secs_f64()
    );
    for r in spread.iter().chain(all.iter()) {
        print_drift(r);
        println!();
    }
    if let Some(i) = &idle {
        let pct = i.cpu_ms / 10.0 / i.window_secs;
        println!(
            "idle         process CPU over {:.1} s with {} schedules: {:.0} ms = {:.2} % of a core (10 ms resolution)  target ≈ 0 (< {IDLE_CPU_TARGET_PCT} %): {}",
            i.window_secs,
            i.schedules,
            i.cpu_ms,
            pct,
            yes(pct < IDLE_CPU_TARGET_PCT)
        );
        println!(
            "startup      set_targets({}): {:.1} ms new (a cursor read each), {:.1} ms reload",
            i.schedules, i.set_targets_cold_ms, i.set_targets_warm_ms
        );
        println!();
    }
    if let Some(b) = &parts {
        println!(
            "breakdown: one wave's pieces timed on their own, ms (p50 / max over the rounds); claim batch {}, {} finisher threads",
            cfg.claim_batch, cfg.finishers
        );
        println!(
            "{:<20} {:>15} {:>15} {:>15} {:>15} {:>15}",
            "wave (size x n)", "due()", "fire: 1st answer", "fire: all", "claim all", "succeed all"
        );
        let ms = |d: &Dist| {
            format!(
                "{:.1} / {:.1}",
                d.p50 as f64 / 1000.0,
                d.max as f64 / 1000.0
            )
        };
        for w in &b.waves {
            println!(
                "{:<20} {:>15} {:>15} {:>15} {:>15} {:>15}",
                format!("{} {}x{}", w.label, w.size, w.rounds),
                ms(&w.due),
                ms(&w.first_answer),
                ms(&w.fire),
                ms(&w.claim),
                ms(&w.finish)
            );
            if w.finish_errors > 0 {
                println!("  {} succeed errors", w.finish_errors);
            }
        }
        println!(
            "disk           fsync (4 KiB write + sync_all) p50 {:.2} ms, max {:.2} ms; fdatasync p50 {:.2} ms, max {:.2} ms",
            b.fsync.p50 as f64 / 1000.0,
            b.fsync.max as f64 / 1000.0,
            b.fdatasync.p50 as f64 / 1000.0,
            b.fdatasync.max as f64 / 1000.0
        );
    }
    println!("load average at the end: {}", load_average());
}

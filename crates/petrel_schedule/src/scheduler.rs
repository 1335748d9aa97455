//! The scheduler: turns each schedule's occurrences into jobs in the durable job store, on
//! time, and exactly once however many schedulers share the store (the store's per-schedule
//! cursor decides which one fires an occurrence). What was missed while no scheduler ran
//! follows the schedule's missed-run policy.
//!
//! It runs nothing itself: the job runner claims the jobs it writes like any background job.
//! It sleeps until the earliest next occurrence (a heap of schedules), so an idle scheduler
//! costs no CPU however many schedules it holds.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use petrel_jobs::{
    Clock, Fired, Job, JobKind, JobRequest, JobStore, NewJob, Occurrence, Overlap, StoreError,
    schedule_key,
};
use tokio::sync::watch;

use crate::{Schedule, iso};

/// How late (in real time) an occurrence may be fired and still count as on time: a minute,
/// cron's own granularity, so a loaded machine or a long start-up never loses one. Older ones
/// were missed (downtime, a suspended laptop) and follow the missed-run policy. On a clock
/// running faster than real time the grace is as much clock time as passes in it.
pub const ON_TIME_GRACE_MS: i64 = 60_000;

/// The most missed occurrences `missed = "all"` fires, unless configured.
pub const DEFAULT_MISSED_CAP: usize = 24;

/// Occurrences looked at when counting missed runs, at most (an every-minute schedule after
/// months of downtime would otherwise take a while to count).
const MAX_LOOKBACK: usize = 100_000;

/// The user agent of a scheduled invocation (Netlify's).
pub const USER_AGENT: &str = "Netlify Clockwork";

/// What happens to the occurrences that passed while no scheduler was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedRuns {
    /// Nothing: the schedule goes on from now (Netlify's behaviour, the default).
    #[default]
    Skip,
    /// One run for all of them (the latest missed occurrence).
    Once,
    /// Each of them, oldest first, up to the schedule's cap (the latest ones).
    All,
}

impl MissedRuns {
    /// The name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            MissedRuns::Skip => "skip",
            MissedRuns::Once => "once",
            MissedRuns::All => "all",
        }
    }
}

impl fmt::Display for MissedRuns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MissedRuns {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "skip" => Ok(MissedRuns::Skip),
            "once" => Ok(MissedRuns::Once),
            "all" => Ok(MissedRuns::All),
            other => Err(format!(
                "unknown missed-run policy {other:?}: use \"skip\", \"once\" or \"all\""
            )),
        }
    }
}

/// One schedule, as the scheduler needs it.
#[derive(Debug, Clone)]
pub struct ScheduledTarget {
    /// The Netlify function's name, or the Next.js page (`/api/cron`).
    pub function: String,
    /// [`JobKind::NetlifyScheduled`] or [`JobKind::NextScheduled`].
    pub kind: JobKind,
    /// When it fires.
    pub schedule: Schedule,
    /// The path its invocation is sent to.
    pub path: String,
    /// What an occurrence does while earlier runs are still going.
    pub overlap: Overlap,
    /// What happens to occurrences missed while no scheduler ran.
    pub missed: MissedRuns,
    /// The most missed occurrences [`MissedRuns::All`] fires.
    pub missed_cap: usize,
    /// Runs of one occurrence in all (1: no retries, the default).
    pub max_attempts: u32,
}

impl ScheduledTarget {
    fn key(&self) -> String {
        schedule_key(self.kind, &self.function)
    }
}

/// The request of a scheduled invocation, as Netlify sends it: `POST`, user agent `Netlify
/// Clockwork`, `x-nf-event: schedule`, and a JSON body with the next scheduled time.
pub fn scheduled_request(path: &str, next_run_ms: Option<i64>) -> JobRequest {
    let body = serde_json::json!({ "next_run": next_run_ms.map(iso) }).to_string();
    JobRequest {
        method: "POST".into(),
        path: path.into(),
        headers: vec![
            ("user-agent".into(), USER_AGENT.into()),
            ("x-nf-event".into(), "schedule".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: body.into_bytes(),
        params: serde_json::Value::Object(serde_json::Map::new()),
        route_pattern: None,
    }
}

struct Entry {
    target: ScheduledTarget,
    /// Every occurrence at or before this time has been dealt with.
    cursor_ms: i64,
}

/// The schedules and where each one is in time. Its methods are synchronous (and
/// [`Scheduler::set_targets`] reads the store); [`run`] drives it.
pub struct Scheduler {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
    entries: Vec<Entry>,
    /// (next occurrence, entry index), earliest first.
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    /// [`ON_TIME_GRACE_MS`] in the clock's time.
    grace_ms: i64,
}

impl Scheduler {
    /// A scheduler with no schedules yet.
    pub fn new(store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Scheduler {
        let grace_ms = (ON_TIME_GRACE_MS as f64 * clock.speed().max(1.0)) as i64;
        Scheduler {
            store,
            clock,
            entries: Vec::new(),
            heap: BinaryHeap::new(),
            grace_ms,
        }
    }

    /// How many schedules it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces the schedules (at start, and when `petrel dev` reloads). A schedule it
    /// already holds keeps its place in time; a new one starts after the store's last fired
    /// occurrence, so what was missed meanwhile follows its missed-run policy at the next
    /// [`Scheduler::due`]. One never fired before starts now (its first occurrence is the
    /// next one).
    pub fn set_targets(
        &mut self,
        targets: Vec<ScheduledTarget>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut held: HashMap<String, i64> = self
            .entries
            .drain(..)
            .map(|e| (e.target.key(), e.cursor_ms))
            .collect();
        let mut entries = Vec::with_capacity(targets.len());
        for target in targets {
            let key = target.key();
            let cursor_ms = match held.remove(&key) {
                Some(cursor) => cursor,
                None => self.store.last_fired(&key)?.unwrap_or(now_ms),
            };
            entries.push(Entry { target, cursor_ms });
        }
        self.entries = entries;
        self.heap = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(index, e)| {
                let next = e.target.schedule.next_after(e.cursor_ms)?;
                Some(Reverse((next, index)))
            })
            .collect();
        Ok(())
    }

    /// When the next occurrence of any schedule is due.
    pub fn next_wake(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// The occurrences to fire at `now_ms`: those of the last [`ON_TIME_GRACE_MS`], plus
    /// older missed ones as each schedule's policy says. Moves the schedules past `now_ms`.
    pub fn due(&mut self, now_ms: i64) -> Vec<Occurrence> {
        let mut out = Vec::new();
        while let Some(&Reverse((at, index))) = self.heap.peek() {
            if at > now_ms {
                break;
            }
            self.heap.pop();
            let entry = &mut self.entries[index];
            select(entry, now_ms, self.grace_ms, &mut out);
            entry.cursor_ms = now_ms;
            if let Some(next) = entry.target.schedule.next_after(now_ms) {
                self.heap.push(Reverse((next, index)));
            }
        }
        out
    }
}

/// Adds the occurrences of `entry` in `(cursor, now]` that its policy fires.
fn select(entry: &Entry, now_ms: i64, grace_ms: i64, out: &mut Vec<Occurrence>) {
    let target = &entry.target;
    let cap = match target.missed {
        MissedRuns::Skip => 0,
        MissedRuns::Once => 1,
        MissedRuns::All => target.missed_cap,
    };
    let mut missed = VecDeque::new();
    let mut missed_count = 0usize;
    let mut on_time = Vec::new();
    let mut at = entry.cursor_ms;
    for _ in 0..MAX_LOOKBACK {
        match target.schedule.next_after(at) {
            Some(next) if next <= now_ms => {
                if next >= now_ms - grace_ms {
                    on_time.push(next);
                } else {
                    missed_count += 1;
                    if cap > 0 {
                        if missed.len() == cap {
                            missed.pop_front();
                        }
                        missed.push_back(next);
                    }
                }
                at = next;
            }
            _ => break,
        }
    }
    if missed_count > 0 {
        tracing::info!(
            target: "petrel::schedules",
            "{}: {missed_count} occurrence(s) passed while no scheduler was running; missed = \"{}\" runs {} of them",
            target.function,
            target.missed,
            missed.len()
        );
    }
    // Caught-up runs wait for each other (and for a run still going), unless overlap is allowed.
    let catch_up = match target.overlap {
        Overlap::Allow => Overlap::Allow,
        _ => Overlap::Queue,
    };
    let missed = missed.into_iter().map(|at| (at, catch_up));
    let on_time = on_time.into_iter().map(|at| (at, target.overlap));
    for (at, overlap) in missed.chain(on_time) {
        out.push(Occurrence {
            job: NewJob {
                function: target.function.clone(),
                kind: target.kind,
                request: scheduled_request(&target.path, target.schedule.next_after(at)),
                max_attempts: target.max_attempts.max(1),
            },
            at_ms: at,
            overlap,
        });
    }
}

/// Drives `scheduler` until `stop` turns true: takes each new set of schedules from
/// `targets`, fires what is due, and sleeps until the next occurrence. `on_queued` is called
/// for each job it queued (to wake the runner).
pub async fn run(
    mut scheduler: Scheduler,
    mut targets: watch::Receiver<Vec<ScheduledTarget>>,
    mut stop: watch::Receiver<bool>,
    on_queued: Arc<dyn Fn(&Job) + Send + Sync>,
) {
    let clock = scheduler.clock.clone();
    let store = scheduler.store.clone();
    let mut reload = true;
    loop {
        if *stop.borrow() {
            break;
        }
        if reload {
            reload = false;
            let next = targets.borrow_and_update().clone();
            let now = clock.now_ms();
            let (back, result) = tokio::task::spawn_blocking(move || {
                let result = scheduler.set_targets(next, now);
                (scheduler, result)
            })
            .await
            .expect("the scheduler's store task panicked");
            scheduler = back;
            if let Err(err) = result {
                tracing::error!(target: "petrel::schedules", "could not read the schedules' last runs: {err}");
            }
        }
        let now = clock.now_ms();
        let due = scheduler.due(now);
        if !due.is_empty() {
            fire_all(&store, due, now, &on_queued).await;
        }
        let sleep = match scheduler.next_wake() {
            Some(at) => clock.real_delay(at - clock.now_ms()),
            // Nothing scheduled: wait for new schedules or the stop.
            None => std::time::Duration::from_secs(3600),
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            changed = targets.changed() => {
                if changed.is_err() {
                    break;
                }
                reload = true;
            }
            _ = stop.changed() => {}
        }
    }
}

/// Fires `due` (they share the store's commits), and logs what each did.
async fn fire_all(
    store: &Arc<dyn JobStore>,
    due: Vec<Occurrence>,
    now: i64,
    on_queued: &Arc<dyn Fn(&Job) + Send + Sync>,
) {
    let mut answers = Vec::with_capacity(due.len());
    for occurrence in due {
        let (done, answer) = tokio::sync::oneshot::channel();
        let label = (occurrence.job.function.clone(), occurrence.at_ms);
        store.fire_then(
            occurrence,
            now,
            Box::new(move |result| {
                let _ = done.send(result);
            }),
        );
        answers.push((label, answer));
    }
    for ((function, at), answer) in answers {
        match answer.await {
            Ok(Ok(Fired::Queued(job))) => {
                tracing::info!(
                    target: "petrel::schedules",
                    job = %job.id,
                    "Scheduled function {function} fired for {} (job {})",
                    iso(at),
                    job.id
                );
                on_queued(&job);
            }
            Ok(Ok(Fired::Skipped(job))) => tracing::info!(
                target: "petrel::schedules",
                job = %job.id,
                "Scheduled function {function}: the occurrence of {} was {}",
                iso(at),
                job.last_error.as_deref().unwrap_or("skipped")
            ),
            Ok(Ok(Fired::AlreadyFired)) => tracing::debug!(
                target: "petrel::schedules",
                "Scheduled function {function}: the occurrence of {} was fired by another scheduler",
                iso(at)
            ),
            Ok(Err(err)) => tracing::error!(
                target: "petrel::schedules",
                "Scheduled function {function}: could not fire the occurrence of {}: {err}",
                iso(at)
            ),
            Err(_) => tracing::error!(
                target: "petrel::schedules",
                "Scheduled function {function}: the job store stopped before the occurrence of {} was written",
                iso(at)
            ),
        }
    }
}

#[cfg(test)]
mod tests;

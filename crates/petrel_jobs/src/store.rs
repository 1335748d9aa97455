//! The store contract, independent of the database behind it (SQLite now, PostgreSQL later).

use crate::{Fired, Job, JobKind, JobLogLine, NewJob, Occurrence, StoreError};

/// Durable storage of background jobs. Every time is passed in (`now_ms`, from a
/// [`crate::Clock`]); the store never reads the system clock.
pub trait JobStore: Send + Sync + 'static {
    /// Queues `job`, due at once. Durable: returns only after the transaction holding the job
    /// committed (WAL + `synchronous = FULL`), so the caller may answer 202.
    fn enqueue(&self, job: NewJob, now_ms: i64) -> Result<Job, StoreError>;

    /// [`JobStore::enqueue`] for async callers: returns at once and calls `done` with the
    /// result once the job is committed (on the store's own thread; keep `done` short, e.g. a
    /// oneshot send). The default blocks; stores with a writer thread answer from it.
    fn enqueue_then(
        &self,
        job: NewJob,
        now_ms: i64,
        done: Box<dyn FnOnce(Result<Job, StoreError>) + Send>,
    ) {
        done(self.enqueue(job, now_ms));
    }

    /// Atomically moves up to `limit` queued jobs with `run_at <= now` (oldest `run_at` first)
    /// to running, `attempts += 1`, `started_at = now`, and returns them in that order. Two
    /// processes on one store never claim the same job.
    fn claim_due(&self, now_ms: i64, limit: usize) -> Result<Vec<Job>, StoreError>;

    /// A running job's run succeeded: final. A job that is not running (finished, or requeued
    /// by `requeue_interrupted` meanwhile) → [`StoreError::NotRunning`]; no such job →
    /// [`StoreError::NotFound`].
    fn succeed(&self, id: &str, now_ms: i64) -> Result<(), StoreError>;

    /// A running job's run failed (throw, worker exit, timeout). `Some(at)`: queued again, due
    /// at `at`; `None`: failed for good (`finished_at = now`). Either way `last_error = error`.
    /// Errors as [`JobStore::succeed`].
    fn fail(
        &self,
        id: &str,
        error: &str,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Every running job whose runner (the process that claimed it) is gone — crashed, killed
    /// or stopped before the run ended — is queued again, due now, and its attempt is given
    /// back (an interrupted run does not use one up). Jobs of runners still alive (another
    /// process on the same store) are left alone. Returns how many were queued again.
    fn requeue_interrupted(&self, now_ms: i64) -> Result<usize, StoreError>;

    /// Fires one occurrence of a schedule, exactly once across every scheduler on the store:
    /// in one transaction the schedule's cursor moves to `occurrence.at_ms` (nothing is
    /// written when it is already there or past it: [`Fired::AlreadyFired`]), and the
    /// occurrence becomes a queued job, or a skipped one when its overlap policy says so.
    /// Durable when it returns, like [`JobStore::enqueue`].
    fn fire(&self, occurrence: Occurrence, now_ms: i64) -> Result<Fired, StoreError>;

    /// [`JobStore::fire`] for async callers, answering through `done` (see
    /// [`JobStore::enqueue_then`]).
    fn fire_then(
        &self,
        occurrence: Occurrence,
        now_ms: i64,
        done: Box<dyn FnOnce(Result<Fired, StoreError>) + Send>,
    ) {
        done(self.fire(occurrence, now_ms));
    }

    /// The latest occurrence fired for the schedule (see [`crate::schedule_key`]), if any.
    fn last_fired(&self, schedule_key: &str) -> Result<Option<i64>, StoreError>;

    /// The job of the function's latest scheduled occurrence still in the store.
    fn latest_occurrence(&self, function: &str, kind: JobKind) -> Result<Option<Job>, StoreError>;

    /// The earliest `run_at` of a queued job (the runner sleeps until then).
    fn next_due(&self) -> Result<Option<i64>, StoreError>;

    /// Appends one line to the job's log, tagged with the attempt that printed it.
    fn append_log(&self, id: &str, attempt: u32, line: &str, now_ms: i64)
    -> Result<(), StoreError>;

    /// The job's log lines, in the order they were appended.
    fn logs(&self, id: &str) -> Result<Vec<JobLogLine>, StoreError>;

    /// Up to `limit` jobs, newest first.
    fn list(&self, limit: usize) -> Result<Vec<Job>, StoreError>;

    /// One job.
    fn get(&self, id: &str) -> Result<Option<Job>, StoreError>;

    /// A failed job is queued again, due now, with a fresh set of attempts (`attempts = 0`).
    /// Any other state: [`StoreError::NotRetryable`].
    fn retry(&self, id: &str, now_ms: i64) -> Result<Job, StoreError>;

    /// Retention: deletes succeeded and failed jobs (with their logs) beyond the newest `keep`
    /// (by finish time), or finished before `older_than_ms`. Returns how many jobs.
    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, StoreError>;
}

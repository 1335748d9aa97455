//! Every SQL statement of the store, in one place.
//!
//! Kept portable so a PostgreSQL store can reuse the statements: plain tables, `?N` parameters
//! (PostgreSQL spells them `$N`), `RETURNING`, `COALESCE`, no SQLite functions. What differs is
//! marked: the column types `BLOB` (→ `BYTEA`) and the claim's sub-select, which PostgreSQL
//! needs to write `FOR UPDATE SKIP LOCKED` (SQLite has one writer at a time, so the IMMEDIATE
//! transaction around it is enough there). The SQLite-only statements (PRAGMAs, the schema
//! check) are at the end.
//!
//! Times are integer milliseconds since the Unix epoch; statuses and kinds are the lower-case
//! names of [`crate::JobStatus`] and [`crate::JobKind`]; headers and params are JSON text.

/// The columns of a job, in the order `job_from_row` reads them.
macro_rules! job_columns {
    () => {
        "id, function_name, kind, status, attempts, max_attempts, created_at_ms, run_at_ms, \
         started_at_ms, finished_at_ms, last_error, request_method, request_path, \
         request_headers, request_body, request_params, route_pattern, scheduled_for_ms, \
         exclusive"
    };
}

/// Schema version 1 (`PRAGMA user_version = 1`); a new store is created as version 1 and then
/// upgraded, so there is one path to the current schema.
pub const SCHEMA_V1: &str = "
CREATE TABLE jobs (
    id              VARCHAR(26) NOT NULL PRIMARY KEY,
    function_name   TEXT NOT NULL,
    kind            VARCHAR(32) NOT NULL,
    status          VARCHAR(16) NOT NULL,
    attempts        INTEGER NOT NULL,
    max_attempts    INTEGER NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    run_at_ms       BIGINT NOT NULL,
    started_at_ms   BIGINT,
    finished_at_ms  BIGINT,
    last_error      TEXT,
    request_method  TEXT NOT NULL,
    request_path    TEXT NOT NULL,
    request_headers TEXT NOT NULL,
    request_body    BLOB NOT NULL,
    request_params  TEXT NOT NULL,
    route_pattern   TEXT
);
CREATE INDEX jobs_due ON jobs (status, run_at_ms, id);
CREATE INDEX jobs_finished ON jobs (status, finished_at_ms);
CREATE INDEX jobs_created ON jobs (created_at_ms);
CREATE TABLE job_logs (
    job_id  VARCHAR(26) NOT NULL,
    seq     INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    at_ms   BIGINT NOT NULL,
    line    TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
";

/// Version 1 → 2: scheduled occurrences (a unique key per function and scheduled time, the
/// time itself, and whether the run must wait for the function's previous run), the runner
/// (process) that claimed a running job, and each schedule's last fired occurrence.
pub const UPGRADE_V2: &str = "
ALTER TABLE jobs ADD COLUMN occurrence_key TEXT;
ALTER TABLE jobs ADD COLUMN scheduled_for_ms BIGINT;
ALTER TABLE jobs ADD COLUMN exclusive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN runner_id VARCHAR(26);
CREATE UNIQUE INDEX jobs_occurrence ON jobs (occurrence_key);
CREATE INDEX jobs_function ON jobs (function_name, kind, status, run_at_ms, id);
CREATE TABLE schedule_cursors (
    schedule           TEXT NOT NULL PRIMARY KEY,
    last_occurrence_ms BIGINT NOT NULL
);
";

/// ?1 id, ?2 function, ?3 kind, ?4 max_attempts, ?5 now, ?6 method, ?7 path, ?8 headers JSON,
/// ?9 body, ?10 params JSON, ?11 route pattern.
pub const INSERT_JOB: &str = concat!(
    "INSERT INTO jobs (",
    job_columns!(),
    ") VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?5, ?5, NULL, NULL, NULL, ?6, ?7, ?8, ?9, ?10, ?11, \
     NULL, 0)"
);

/// A schedule's occurrence: as [`INSERT_JOB`], plus ?12 status (`queued` or `skipped`), ?13
/// finished at (skipped: now), ?14 why it was skipped, ?15 occurrence key, ?16 scheduled time,
/// ?17 exclusive (0/1). The key is unique: a second insert of one occurrence does nothing.
pub const INSERT_OCCURRENCE: &str = concat!(
    "INSERT INTO jobs (",
    job_columns!(),
    ", occurrence_key) VALUES (?1, ?2, ?3, ?12, 0, ?4, ?5, ?5, NULL, ?13, ?14, ?6, ?7, ?8, ?9, \
     ?10, ?11, ?16, ?17, ?15) ON CONFLICT (occurrence_key) DO NOTHING"
);

/// ?1 schedule, ?2 occurrence. Moves the schedule's cursor forward to ?2; changes no row when
/// the cursor is already there or past it (another scheduler fired this occurrence).
pub const ADVANCE_CURSOR: &str = "INSERT INTO schedule_cursors (schedule, last_occurrence_ms) \
     VALUES (?1, ?2) ON CONFLICT (schedule) DO UPDATE SET last_occurrence_ms = \
     excluded.last_occurrence_ms WHERE schedule_cursors.last_occurrence_ms < \
     excluded.last_occurrence_ms";

/// ?1 schedule.
pub const CURSOR_OF: &str = "SELECT last_occurrence_ms FROM schedule_cursors WHERE schedule = ?1";

/// ?1 function, ?2 kind: its queued and its running jobs.
pub const ACTIVE_OF: &str = "SELECT \
     COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0), \
     COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) \
     FROM jobs WHERE function_name = ?1 AND kind = ?2 AND status IN ('queued', 'running')";

/// ?1 function, ?2 kind: its latest scheduled occurrence.
pub const LATEST_OCCURRENCE: &str = concat!(
    "SELECT ",
    job_columns!(),
    " FROM jobs WHERE function_name = ?1 AND kind = ?2 AND scheduled_for_ms IS NOT NULL \
     ORDER BY scheduled_for_ms DESC LIMIT 1"
);

/// ?1 now, ?2 limit, ?3 runner id. The `status = 'queued'` outside the sub-select is what makes
/// a claim safe where the sub-select may see an older snapshot (PostgreSQL without SKIP
/// LOCKED). An exclusive job (a scheduled run that must not overlap) waits while a run of its
/// function is going, and only the first in line of its function can be claimed, so one claim
/// never takes two of them.
pub const CLAIM_DUE: &str = concat!(
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at_ms = ?1, \
     runner_id = ?3 \
     WHERE status = 'queued' AND id IN (\
        SELECT id FROM jobs AS j WHERE status = 'queued' AND run_at_ms <= ?1 \
        AND (exclusive = 0 OR (NOT EXISTS (SELECT 1 FROM jobs AS r \
             WHERE r.function_name = j.function_name AND r.kind = j.kind \
             AND r.status = 'running') \
             AND j.id = (SELECT q.id FROM jobs AS q WHERE q.function_name = j.function_name \
             AND q.kind = j.kind AND q.status = 'queued' AND q.exclusive = 1 \
             ORDER BY q.run_at_ms, q.id LIMIT 1))) \
        ORDER BY run_at_ms, id LIMIT ?2) \
     RETURNING ",
    job_columns!()
);

/// ?1 id, ?2 now.
pub const SUCCEED: &str = "UPDATE jobs SET status = 'succeeded', finished_at_ms = ?2 \
                           WHERE id = ?1 AND status = 'running'";

/// ?1 id, ?2 run at, ?3 error.
pub const FAIL_RETRY: &str = "UPDATE jobs SET status = 'queued', run_at_ms = ?2, last_error = ?3 \
                              WHERE id = ?1 AND status = 'running'";

/// ?1 id, ?2 now, ?3 error.
pub const FAIL_FINAL: &str = "UPDATE jobs SET status = 'failed', finished_at_ms = ?2, \
                              last_error = ?3 WHERE id = ?1 AND status = 'running'";

/// The runners (processes) holding running jobs; NULL for jobs claimed before version 2.
pub const RUNNING_RUNNERS: &str = "SELECT DISTINCT runner_id FROM jobs WHERE status = 'running'";

/// ?1 now, ?2 runner id (NULL: the jobs no runner is recorded for).
pub const REQUEUE_INTERRUPTED: &str = "UPDATE jobs SET status = 'queued', run_at_ms = ?1, \
     attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, runner_id = NULL \
     WHERE status = 'running' AND (runner_id = ?2 OR (?2 IS NULL AND runner_id IS NULL))";

pub const NEXT_DUE: &str = "SELECT MIN(run_at_ms) FROM jobs WHERE status = 'queued'";

/// ?1 id.
pub const STATUS_OF: &str = "SELECT status FROM jobs WHERE id = ?1";

/// ?1 job id, ?2 attempt, ?3 now, ?4 line. Inserts nothing when the job does not exist. `seq`
/// numbers a job's lines; writes are serialised (SQLite's single writer, a unique key in
/// PostgreSQL), so the `MAX` cannot hand out a number twice.
pub const APPEND_LOG: &str = "INSERT INTO job_logs (job_id, seq, attempt, at_ms, line) \
     SELECT id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_logs WHERE job_id = ?1), ?2, ?3, ?4 \
     FROM jobs WHERE id = ?1";

/// ?1 job id.
pub const LOGS: &str = "SELECT attempt, at_ms, line FROM job_logs WHERE job_id = ?1 ORDER BY seq";

/// ?1 limit.
pub const LIST: &str = concat!(
    "SELECT ",
    job_columns!(),
    " FROM jobs ORDER BY created_at_ms DESC, id DESC LIMIT ?1"
);

/// ?1 id.
pub const GET: &str = concat!("SELECT ", job_columns!(), " FROM jobs WHERE id = ?1");

/// ?1 id, ?2 now.
pub const RETRY: &str = concat!(
    "UPDATE jobs SET status = 'queued', run_at_ms = ?2, attempts = 0, finished_at_ms = NULL \
     WHERE id = ?1 AND status = 'failed' RETURNING ",
    job_columns!()
);

/// The jobs `prune` removes: ?1 finished before, ?2 how many of the newest finished to keep.
macro_rules! prunable {
    () => {
        "SELECT id FROM jobs WHERE status IN ('succeeded', 'failed', 'skipped') AND (finished_at_ms < ?1 \
         OR id NOT IN (SELECT id FROM jobs WHERE status IN ('succeeded', 'failed', 'skipped') \
                       ORDER BY finished_at_ms DESC, id DESC LIMIT ?2))"
    };
}

/// Logs first, in the same transaction, so no orphan lines stay behind.
pub const PRUNE_LOGS: &str = concat!("DELETE FROM job_logs WHERE job_id IN (", prunable!(), ")");
pub const PRUNE_JOBS: &str = concat!("DELETE FROM jobs WHERE id IN (", prunable!(), ")");

// SQLite only.

pub const SQLITE_SCHEMA_VERSION: &str = "PRAGMA user_version";
pub const SQLITE_APPLICATION_ID: &str = "PRAGMA application_id";
/// Objects in the file: a file without a Petrel version but with tables is someone else's.
pub const SQLITE_OBJECT_COUNT: &str = "SELECT COUNT(*) FROM sqlite_master";
pub const SQLITE_WAL: &str = "PRAGMA journal_mode = WAL";
/// Copies the WAL back into the database without waiting for (or blocking) the writer.
pub const SQLITE_CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

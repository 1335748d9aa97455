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
         request_headers, request_body, request_params, route_pattern"
    };
}

/// Schema version 1 (`PRAGMA user_version = 1`).
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

/// ?1 id, ?2 function, ?3 kind, ?4 max_attempts, ?5 now, ?6 method, ?7 path, ?8 headers JSON,
/// ?9 body, ?10 params JSON, ?11 route pattern.
pub const INSERT_JOB: &str = concat!(
    "INSERT INTO jobs (",
    job_columns!(),
    ") VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?5, ?5, NULL, NULL, NULL, ?6, ?7, ?8, ?9, ?10, ?11)"
);

/// ?1 now, ?2 limit. The `status = 'queued'` outside the sub-select is what makes a claim safe
/// where the sub-select may see an older snapshot (PostgreSQL without SKIP LOCKED).
pub const CLAIM_DUE: &str = concat!(
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at_ms = ?1 \
     WHERE status = 'queued' AND id IN (\
        SELECT id FROM jobs WHERE status = 'queued' AND run_at_ms <= ?1 \
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

/// ?1 now.
pub const REQUEUE_INTERRUPTED: &str = "UPDATE jobs SET status = 'queued', run_at_ms = ?1, \
     attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
     WHERE status = 'running'";

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
        "SELECT id FROM jobs WHERE status IN ('succeeded', 'failed') AND (finished_at_ms < ?1 \
         OR id NOT IN (SELECT id FROM jobs WHERE status IN ('succeeded', 'failed') \
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

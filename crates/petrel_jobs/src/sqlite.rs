//! [`JobStore`] on one SQLite file.
//!
//! Two connections per store. Enqueues and log lines go to a writer thread that owns one
//! connection and commits everything pending in ONE transaction (group commit): with
//! `synchronous = FULL` every commit waits for an fsync of the WAL, and sharing that fsync is
//! what lets many concurrent enqueues through. Everything else (claims, results, reads) uses a
//! second connection behind a mutex; WAL lets it read while the writer writes, and SQLite's
//! lock (with the busy timeout) orders its writes against the writer's, and against other
//! processes on the same file.
//!
//! Every write transaction is `BEGIN IMMEDIATE`: it takes the write lock up front, so waiting
//! for it goes through the busy timeout instead of failing half-way with `SQLITE_BUSY`.
//!
//! Which process runs a job: each open store is a *runner* with its own id, recorded on the
//! jobs it claims, and holds an exclusive lock (`flock`) on `<store>-runners/<id>.lock` for as
//! long as it is open. The kernel drops that lock when the process dies, however it dies, so
//! `requeue_interrupted` can tell a crashed runner's jobs (lock free) from those of a runner
//! still at work in another process (lock held).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};

use crate::Clock as _;

use crate::{
    Fired, Job, JobKind, JobLogLine, JobStatus, JobStore, NewJob, Occurrence, Overlap, StoreError,
    new_job_id, sql,
};

/// The schema version this build creates and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// `PRAGMA application_id`: "PETR". Tells a Petrel store from another program's database.
const APPLICATION_ID: i64 = 0x5045_5452;

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a statement waits for another connection's lock before [`StoreError::Busy`].
    pub busy_timeout: Duration,
    /// At most this many enqueues and log lines share one commit.
    pub max_batch: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
            max_batch: 512,
        }
    }
}

/// The SQLite job store. Dropping it stops the writer thread once pending writes committed.
#[derive(Debug)]
pub struct SqliteStore {
    ctx: Arc<Ctx>,
    /// This store's runner id (see the module docs).
    runner_id: String,
    /// Held locked while the store is open; removed on drop.
    runner_lock: Option<(PathBuf, std::fs::File)>,
    conn: Mutex<Connection>,
    /// `Option` so `Drop` can hang up before joining the thread.
    writer: Option<Sender<Command>>,
    writer_thread: Option<JoinHandle<()>>,
}

/// What error messages need to know.
#[derive(Debug)]
struct Ctx {
    path: PathBuf,
    busy_timeout: Duration,
}

impl Ctx {
    fn err(&self, e: rusqlite::Error) -> StoreError {
        let path = self.path.clone();
        match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy {
                    path,
                    waited: self.busy_timeout,
                },
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => StoreError::Corrupt {
                    path,
                    detail: e.to_string(),
                },
                ErrorCode::DiskFull | ErrorCode::TooBig => StoreError::DiskFull { path },
                ErrorCode::CannotOpen => StoreError::Open {
                    path,
                    source: Arc::new(e),
                },
                _ => StoreError::Database {
                    path,
                    source: Arc::new(e),
                },
            },
            // A row this build cannot read back (unknown status, broken JSON, …).
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::Corrupt {
                path,
                detail: format!("unreadable job row: {e}"),
            },
            _ => StoreError::Database {
                path,
                source: Arc::new(e),
            },
        }
    }

    fn json(&self, e: serde_json::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Arc::new(e),
        }
    }

    fn writer_stopped(&self) -> StoreError {
        StoreError::WriterStopped {
            path: self.path.clone(),
        }
    }
}

/// A write handed to the writer thread; `reply` gets the result after the commit.
enum Command {
    Enqueue {
        job: Box<Job>,
        headers: String,
        params: String,
        reply: EnqueueReply,
    },
    AppendLog {
        id: String,
        attempt: u32,
        line: String,
        at_ms: i64,
        reply: SyncSender<Result<(), StoreError>>,
    },
    /// `succeed`/`fail`: a conditional update of a running job (`statement` from `sql`, with
    /// `?1` id, `?2` time, and `?3` the error when there is one).
    Finish {
        statement: &'static str,
        id: String,
        at_ms: i64,
        error: Option<String>,
        reply: SyncSender<Result<(), StoreError>>,
    },
    /// `claim_due`.
    Claim {
        now_ms: i64,
        limit: usize,
        runner_id: String,
        reply: SyncSender<Result<Vec<Job>, StoreError>>,
    },
    /// `fire`: the occurrence's job as it would be queued.
    Fire {
        job: Box<Job>,
        headers: String,
        params: String,
        schedule: String,
        key: String,
        overlap: Overlap,
        reply: Box<dyn FnOnce(Result<Fired, StoreError>) + Send>,
    },
}

/// How an enqueue's caller gets its answer: a blocked thread, or a callback run on the writer
/// thread right after the commit (async callers: no thread parked per request).
enum EnqueueReply {
    Wait(SyncSender<Result<Box<Job>, StoreError>>),
    Call(Box<dyn FnOnce(Result<Job, StoreError>) + Send>),
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Enqueue { .. } => "Enqueue",
            Command::AppendLog { .. } => "AppendLog",
            Command::Finish { .. } => "Finish",
            Command::Claim { .. } => "Claim",
            Command::Fire { .. } => "Fire",
        })
    }
}

impl std::fmt::Debug for EnqueueReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EnqueueReply::Wait(_) => "Wait",
            EnqueueReply::Call(_) => "Call",
        })
    }
}

/// What one command of a batch did.
#[derive(Debug)]
enum Written {
    /// The statement changed a row.
    Yes,
    /// It changed none.
    No,
    /// `Finish` found the job, but not running (its status).
    NotRunning(String),
    /// `Claim`'s jobs.
    Claimed(Vec<Job>),
    /// `Fire` wrote the occurrence with this status (and why it was skipped).
    Fired(JobStatus, Option<String>),
}

impl Command {
    /// `written`: what the command's statement did (a log line for a missing job changes none).
    fn answer(self, result: Result<Written, StoreError>, ctx: &Ctx) {
        // A send fails only when the caller is gone, and then nobody needs the answer.
        match self {
            Command::Enqueue { job, reply, .. } => match reply {
                EnqueueReply::Wait(reply) => {
                    let _ = reply.send(result.map(|_| job));
                }
                EnqueueReply::Call(done) => done(result.map(|_| *job)),
            },
            Command::AppendLog { id, reply, .. } => {
                let _ = reply.send(match result {
                    Ok(Written::Yes) => Ok(()),
                    Ok(_) => Err(StoreError::NotFound(id)),
                    Err(e) => Err(e),
                });
            }
            Command::Finish { id, reply, .. } => {
                let _ = reply.send(match result {
                    Ok(Written::Yes) => Ok(()),
                    Ok(Written::NotRunning(status)) => match status.parse() {
                        Ok(status) => Err(StoreError::NotRunning { id, status }),
                        Err(detail) => Err(StoreError::Corrupt {
                            path: ctx.path.clone(),
                            detail: format!("job {id}: {detail}"),
                        }),
                    },
                    Ok(_) => Err(StoreError::NotFound(id)),
                    Err(e) => Err(e),
                });
            }
            Command::Claim { reply, .. } => {
                let _ = reply.send(match result {
                    Ok(Written::Claimed(jobs)) => Ok(jobs),
                    Ok(_) => Ok(Vec::new()),
                    Err(e) => Err(e),
                });
            }
            Command::Fire { job, reply, .. } => reply(match result {
                Ok(Written::Fired(status, reason)) => {
                    let mut job = *job;
                    job.status = status;
                    job.last_error = reason;
                    if status == JobStatus::Skipped {
                        job.finished_at_ms = Some(job.created_at_ms);
                        Ok(Fired::Skipped(job))
                    } else {
                        Ok(Fired::Queued(job))
                    }
                }
                Ok(_) => Ok(Fired::AlreadyFired),
                Err(e) => Err(e),
            }),
        }
    }
}

impl SqliteStore {
    /// Opens (creating it and its folder if needed) the store at `path`, with a 5 s busy
    /// timeout.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens the store at `path` with `options`.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<SqliteStore, StoreError> {
        let ctx = Arc::new(Ctx {
            path: path.to_path_buf(),
            busy_timeout: options.busy_timeout,
        });
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: ctx.path.clone(),
                source: Arc::new(e),
            })?;
        }
        let mut conn = open_connection(&ctx)?;
        ensure_schema(&mut conn, &ctx)?;
        let writer_conn = open_connection(&ctx)?;

        let checkpoint_conn = open_connection(&ctx)?;
        let (wrote, written) = mpsc::sync_channel(1);
        let checkpoint_ctx = Arc::clone(&ctx);
        std::thread::Builder::new()
            .name("petrel-jobs-checkpoint".into())
            .spawn(move || run_checkpointer(checkpoint_conn, written, &checkpoint_ctx))
            .map_err(|e| StoreError::Open {
                path: ctx.path.clone(),
                source: Arc::new(e),
            })?;

        let (tx, rx) = mpsc::channel();
        let max_batch = options.max_batch.max(1);
        let thread_ctx = Arc::clone(&ctx);
        let writer_thread = std::thread::Builder::new()
            .name("petrel-jobs-writer".into())
            .spawn(move || run_writer(writer_conn, rx, max_batch, &thread_ctx, wrote))
            .map_err(|e| StoreError::Open {
                path: ctx.path.clone(),
                source: Arc::new(e),
            })?;

        let runner_id = new_job_id(crate::SystemClock.now_ms());
        let runner_lock = lock_runner(&ctx, &runner_id)?;
        Ok(SqliteStore {
            ctx,
            runner_id,
            runner_lock: Some(runner_lock),
            conn: Mutex::new(conn),
            writer: Some(tx),
            writer_thread: Some(writer_thread),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.ctx.path
    }

    /// This store's runner id, recorded on the jobs it claims.
    pub fn runner_id(&self) -> &str {
        &self.runner_id
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done transaction: rusqlite rolls back
        // when the `Transaction` drops during unwinding.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, command: Command) -> Result<(), StoreError> {
        let writer = self
            .writer
            .as_ref()
            .ok_or_else(|| self.ctx.writer_stopped())?;
        writer.send(command).map_err(|_| self.ctx.writer_stopped())
    }

    /// Runs `f` in an IMMEDIATE transaction on the shared connection and commits.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.ctx.err(e))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| self.ctx.err(e))?;
        Ok(value)
    }

    /// Hands `command` to the writer; one the writer never got is answered here, with the
    /// writer's error (for callers that wait on a callback, not on `send`'s result).
    fn send_or_answer(&self, command: Command) {
        let rejected = match &self.writer {
            Some(writer) => writer.send(command).err().map(|e| e.0),
            None => Some(command),
        };
        if let Some(command) = rejected {
            command.answer(Err(self.ctx.writer_stopped()), &self.ctx);
        }
    }

    /// The status of `id` (after a conditional update changed nothing), or NotFound.
    fn status_of(&self, conn: &Connection, id: &str) -> Result<JobStatus, StoreError> {
        let status: Option<String> = conn
            .prepare_cached(sql::STATUS_OF)
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(|e| self.ctx.err(e))?;
        let status = status.ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        status.parse().map_err(|detail| StoreError::Corrupt {
            path: self.ctx.path.clone(),
            detail: format!("job {id}: {detail}"),
        })
    }

    /// `succeed`/`fail`: one conditional update of a running job, through the writer.
    fn finish(
        &self,
        statement: &'static str,
        id: &str,
        at_ms: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Command::Finish {
            statement,
            id: id.to_owned(),
            at_ms,
            error: error.map(str::to_owned),
            reply,
        })?;
        answer.recv().map_err(|_| self.ctx.writer_stopped())?
    }
}

impl SqliteStore {
    /// The job as stored, with its headers and params encoded.
    fn prepare(&self, job: NewJob, now_ms: i64) -> Result<(Box<Job>, String, String), StoreError> {
        let headers = serde_json::to_string(&job.request.headers).map_err(|e| self.ctx.json(e))?;
        let params = serde_json::to_string(&job.request.params).map_err(|e| self.ctx.json(e))?;
        let job = Box::new(Job {
            id: new_job_id(now_ms),
            function: job.function,
            kind: job.kind,
            status: JobStatus::Queued,
            attempts: 0,
            max_attempts: job.max_attempts.max(1),
            created_at_ms: now_ms,
            run_at_ms: now_ms,
            started_at_ms: None,
            finished_at_ms: None,
            last_error: None,
            request: job.request,
            scheduled_for_ms: None,
            exclusive: false,
        });
        Ok((job, headers, params))
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Hanging up ends the writer's loop after it answered everything already sent.
        self.writer.take();
        if let Some(thread) = self.writer_thread.take() {
            let _ = thread.join();
        }
        // Jobs still marked running by this store are re-run by the next one that looks.
        if let Some((path, file)) = self.runner_lock.take() {
            let _ = std::fs::remove_file(&path);
            drop(file);
        }
    }
}

fn open_connection(ctx: &Ctx) -> Result<Connection, StoreError> {
    let conn = Connection::open(&ctx.path).map_err(|e| ctx.err(e))?;
    conn.busy_timeout(ctx.busy_timeout)
        .map_err(|e| ctx.err(e))?;
    let mode: String = conn
        .query_row(sql::SQLITE_WAL, [], |r| r.get(0))
        .map_err(|e| ctx.err(e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database {
            path: ctx.path.clone(),
            source: Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(format!(
                "SQLite cannot use WAL mode on this file (journal mode stays {mode}); put the \
                 store on a local disk"
            ))),
        });
    }
    // FULL: a commit returns only once the WAL is on disk, so an acknowledged job survives a
    // power cut, not only a crash (DECISIONS, "Background functions").
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| ctx.err(e))?;
    // Checkpoints run on their own thread (see `run_checkpointer`): inside a commit they would
    // hold up every enqueue and claim sharing it.
    conn.pragma_update(None, "wal_autocheckpoint", 0)
        .map_err(|e| ctx.err(e))?;
    Ok(conn)
}

/// Creates schema v1 in an empty file; refuses other programs' databases and newer schemas.
fn ensure_schema(conn: &mut Connection, ctx: &Ctx) -> Result<(), StoreError> {
    let read_i64 = |conn: &Connection, q: &str| -> Result<i64, StoreError> {
        conn.query_row(q, [], |r| r.get(0)).map_err(|e| ctx.err(e))
    };
    let not_ours = |detail: String| StoreError::Corrupt {
        path: ctx.path.clone(),
        detail,
    };

    // Read first: an existing store needs no write lock to be opened.
    if read_i64(conn, sql::SQLITE_SCHEMA_VERSION)? == 0 {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| ctx.err(e))?;
        // Checked again under the lock: another process may have created it meanwhile.
        if read_i64(&tx, sql::SQLITE_SCHEMA_VERSION)? == 0 {
            if read_i64(&tx, sql::SQLITE_OBJECT_COUNT)? > 0 {
                return Err(not_ours("an SQLite database of another program".into()));
            }
            tx.execute_batch(sql::SCHEMA_V1).map_err(|e| ctx.err(e))?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|e| ctx.err(e))?;
            tx.pragma_update(None, "user_version", 1)
                .map_err(|e| ctx.err(e))?;
        }
        tx.commit().map_err(|e| ctx.err(e))?;
    }

    let application_id = read_i64(conn, sql::SQLITE_APPLICATION_ID)?;
    if application_id != APPLICATION_ID {
        return Err(not_ours(format!(
            "an SQLite database of another program (application id {application_id:#x})"
        )));
    }
    let found = read_i64(conn, sql::SQLITE_SCHEMA_VERSION)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: ctx.path.clone(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < 2 {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| ctx.err(e))?;
        // Checked again under the lock: another process may have upgraded it meanwhile.
        if read_i64(&tx, sql::SQLITE_SCHEMA_VERSION)? < 2 {
            tx.execute_batch(sql::UPGRADE_V2).map_err(|e| ctx.err(e))?;
            tx.pragma_update(None, "user_version", 2)
                .map_err(|e| ctx.err(e))?;
        }
        tx.commit().map_err(|e| ctx.err(e))?;
    }
    Ok(())
}

/// The folder of the store's runner lock files.
fn runners_dir(ctx: &Ctx) -> PathBuf {
    let mut name = ctx.path.file_name().unwrap_or_default().to_os_string();
    name.push("-runners");
    ctx.path.with_file_name(name)
}

/// Creates and locks this store's runner lock file.
fn lock_runner(ctx: &Ctx, runner_id: &str) -> Result<(PathBuf, std::fs::File), StoreError> {
    let open_error = |e: std::io::Error| StoreError::Open {
        path: ctx.path.clone(),
        source: Arc::new(e),
    };
    let dir = runners_dir(ctx);
    std::fs::create_dir_all(&dir).map_err(open_error)?;
    // Lock files of runners that died holding no job are swept here (those holding jobs are
    // removed by `requeue_interrupted`).
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".lock"))
            {
                runner_is_gone(ctx, id);
            }
        }
    }
    let path = dir.join(format!("{runner_id}.lock"));
    let file = std::fs::File::create(&path).map_err(open_error)?;
    file.try_lock().map_err(|e| {
        open_error(match e {
            std::fs::TryLockError::Error(e) => e,
            std::fs::TryLockError::WouldBlock => std::io::Error::other("runner lock taken"),
        })
    })?;
    Ok((path, file))
}

/// Whether the runner `id` (of this store file) is gone: its lock file is missing or nobody
/// holds its lock. A gone runner's lock file is removed.
fn runner_is_gone(ctx: &Ctx, id: &str) -> bool {
    let path = runners_dir(ctx).join(format!("{id}.lock"));
    let Ok(file) = std::fs::File::open(&path) else {
        return true;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = std::fs::remove_file(&path);
            true
        }
        Err(_) => false,
    }
}

/// The checkpoint thread: after commits (told by the writer, at most one wake-up pending),
/// copies the WAL back into the database, then waits a little so a busy writer is not
/// followed page by page. Idle when nothing is written; ends with the writer.
fn run_checkpointer(conn: Connection, written: Receiver<()>, ctx: &Ctx) {
    let checkpoint = || {
        if let Err(e) = conn.query_row(sql::SQLITE_CHECKPOINT, [], |_| Ok(())) {
            // Busy is normal (another process is checkpointing); the next commit retries.
            if !matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            ) {
                tracing::warn!(target: "petrel::jobs", "checkpoint of {} failed: {e}", ctx.path.display());
            }
        }
    };
    while written.recv().is_ok() {
        checkpoint();
        std::thread::sleep(Duration::from_millis(250));
    }
    // A last one, so a closed store leaves a short WAL.
    checkpoint();
}

/// The writer thread: take what is pending (up to `max_batch`), write it in one transaction,
/// commit, answer, and tell the checkpointer. Ends when the store is dropped.
fn run_writer(
    mut conn: Connection,
    rx: Receiver<Command>,
    max_batch: usize,
    ctx: &Ctx,
    wrote: SyncSender<()>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &batch) {
            Ok(written) => {
                for (command, written) in batch.drain(..).zip(written) {
                    command.answer(Ok(written), ctx);
                }
                // Full: a checkpoint is already due.
                let _ = wrote.try_send(());
            }
            // Whatever failed (busy, disk full, I/O) failed the whole transaction, so every
            // caller in it gets the error: none of their writes happened. The statements
            // themselves cannot fail for one job alone (ids are unique, JSON was encoded by
            // the caller).
            Err(e) => {
                let error = ctx.err(e);
                for command in batch.drain(..) {
                    command.answer(Err(error.clone()), ctx);
                }
            }
        }
    }
}

fn write_batch(conn: &mut Connection, batch: &[Command]) -> Result<Vec<Written>, rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut written = Vec::with_capacity(batch.len());
    {
        let mut insert = tx.prepare_cached(sql::INSERT_JOB)?;
        let mut append = tx.prepare_cached(sql::APPEND_LOG)?;
        for command in batch {
            let changed = match command {
                Command::Finish {
                    statement,
                    id,
                    at_ms,
                    error,
                    ..
                } => {
                    let mut stmt = tx.prepare_cached(statement)?;
                    let changed = match error {
                        Some(error) => stmt.execute(params![id, at_ms, error])?,
                        None => stmt.execute(params![id, at_ms])?,
                    };
                    if changed == 0 {
                        let status: Option<String> = tx
                            .prepare_cached(sql::STATUS_OF)?
                            .query_row([id], |r| r.get(0))
                            .optional()?;
                        written.push(status.map_or(Written::No, Written::NotRunning));
                    } else {
                        written.push(Written::Yes);
                    }
                    continue;
                }
                Command::Claim {
                    now_ms,
                    limit,
                    runner_id,
                    ..
                } => {
                    let mut stmt = tx.prepare_cached(sql::CLAIM_DUE)?;
                    let mut jobs = stmt
                        .query_map(params![now_ms, sql_limit(*limit), runner_id], job_from_row)?
                        .collect::<Result<Vec<_>, _>>()?;
                    // RETURNING gives rows in no particular order.
                    jobs.sort_by(|a, b| (a.run_at_ms, &a.id).cmp(&(b.run_at_ms, &b.id)));
                    written.push(Written::Claimed(jobs));
                    continue;
                }
                Command::Fire {
                    job,
                    headers,
                    params,
                    schedule,
                    key,
                    overlap,
                    ..
                } => {
                    written.push(fire_occurrence(
                        &tx, job, headers, params, schedule, key, *overlap,
                    )?);
                    continue;
                }
                Command::Enqueue {
                    job,
                    headers,
                    params,
                    ..
                } => insert.execute(&job_params(job, headers, params)[..])?,
                Command::AppendLog {
                    id,
                    attempt,
                    line,
                    at_ms,
                    ..
                } => append.execute(params![id, attempt, at_ms, line])?,
            };
            written.push(if changed > 0 {
                Written::Yes
            } else {
                Written::No
            });
        }
    }
    tx.commit()?;
    Ok(written)
}

/// A kind is stored by its name.
impl rusqlite::ToSql for JobKind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
    }
}

/// `?1`…`?11` of [`sql::INSERT_JOB`] (and the start of [`sql::INSERT_OCCURRENCE`]).
#[allow(
    clippy::ptr_arg,
    reason = "`&dyn ToSql` needs a sized value to point at"
)]
fn job_params<'j>(
    job: &'j Job,
    headers: &'j String,
    params: &'j String,
) -> [&'j dyn rusqlite::ToSql; 11] {
    [
        &job.id,
        &job.function,
        &job.kind,
        &job.max_attempts,
        &job.created_at_ms,
        &job.request.method,
        &job.request.path,
        headers,
        &job.request.body,
        params,
        &job.request.route_pattern,
    ]
}

/// One `Fire` in the writer's transaction.
#[allow(clippy::ptr_arg, reason = "passed on to `job_params`")]
fn fire_occurrence(
    tx: &rusqlite::Transaction<'_>,
    job: &Job,
    headers: &String,
    params: &String,
    schedule: &str,
    key: &str,
    overlap: Overlap,
) -> Result<Written, rusqlite::Error> {
    let scheduled_for = job.scheduled_for_ms.unwrap_or(job.created_at_ms);
    if tx
        .prepare_cached(sql::ADVANCE_CURSOR)?
        .execute(params![schedule, scheduled_for])?
        == 0
    {
        return Ok(Written::No);
    }
    let (queued, running): (i64, i64) = tx
        .prepare_cached(sql::ACTIVE_OF)?
        .query_row(params![job.function, job.kind.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let skipped = match overlap {
        Overlap::Allow => None,
        Overlap::Skip if running > 0 => {
            Some("skipped: the previous run was still going (overlap = \"skip\")")
        }
        Overlap::Skip if queued > 0 => {
            Some("skipped: the previous occurrence was still waiting to run (overlap = \"skip\")")
        }
        Overlap::Skip => None,
        Overlap::QueueOne if queued > 0 => Some(
            "skipped: a run was already waiting for the previous one to end (overlap = \"queue-one\")",
        ),
        Overlap::QueueOne | Overlap::Queue => None,
    };
    let (status, finished_at) = match skipped {
        Some(_) => (JobStatus::Skipped, Some(job.created_at_ms)),
        None => (JobStatus::Queued, None),
    };
    let exclusive = overlap != Overlap::Allow;
    let status_name = status.as_str();
    let mut values = job_params(job, headers, params).to_vec();
    values.extend_from_slice(&[
        &status_name as &dyn rusqlite::ToSql,
        &finished_at,
        &skipped,
        &key,
        &scheduled_for,
        &exclusive,
    ]);
    let inserted = tx
        .prepare_cached(sql::INSERT_OCCURRENCE)?
        .execute(&values[..])?;
    Ok(if inserted == 0 {
        Written::No
    } else {
        Written::Fired(status, skipped.map(str::to_owned))
    })
}

fn conversion(
    index: usize,
    e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, e.into())
}

/// Reads a row of `job_columns!()`.
fn job_from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    let kind: String = row.get(2)?;
    let status: String = row.get(3)?;
    let headers: String = row.get(13)?;
    let params: String = row.get(15)?;
    Ok(Job {
        id: row.get(0)?,
        function: row.get(1)?,
        kind: kind.parse::<JobKind>().map_err(|e| conversion(2, e))?,
        status: status.parse::<JobStatus>().map_err(|e| conversion(3, e))?,
        attempts: row.get(4)?,
        max_attempts: row.get(5)?,
        created_at_ms: row.get(6)?,
        run_at_ms: row.get(7)?,
        started_at_ms: row.get(8)?,
        finished_at_ms: row.get(9)?,
        last_error: row.get(10)?,
        request: crate::JobRequest {
            method: row.get(11)?,
            path: row.get(12)?,
            headers: serde_json::from_str(&headers).map_err(|e| conversion(13, e))?,
            body: row.get(14)?,
            params: serde_json::from_str(&params).map_err(|e| conversion(15, e))?,
            route_pattern: row.get(16)?,
        },
        scheduled_for_ms: row.get(17)?,
        exclusive: row.get(18)?,
    })
}

/// SQLite's integers are signed 64-bit; a `usize` limit beyond that means "no limit".
fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl JobStore for SqliteStore {
    fn enqueue(&self, job: NewJob, now_ms: i64) -> Result<Job, StoreError> {
        let (job, headers, params) = self.prepare(job, now_ms)?;
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Command::Enqueue {
            job,
            headers,
            params,
            reply: EnqueueReply::Wait(reply),
        })?;
        let job = answer.recv().map_err(|_| self.ctx.writer_stopped())??;
        Ok(*job)
    }

    fn enqueue_then(
        &self,
        job: NewJob,
        now_ms: i64,
        done: Box<dyn FnOnce(Result<Job, StoreError>) + Send>,
    ) {
        let command = match self.prepare(job, now_ms) {
            Ok((job, headers, params)) => Command::Enqueue {
                job,
                headers,
                params,
                reply: EnqueueReply::Call(done),
            },
            Err(err) => return done(Err(err)),
        };
        self.send_or_answer(command);
    }

    fn claim_due(&self, now_ms: i64, limit: usize) -> Result<Vec<Job>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Through the writer: one writer per store never waits on its own lock, and the claim
        // shares a commit with the enqueues of the moment.
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Command::Claim {
            now_ms,
            limit,
            runner_id: self.runner_id.clone(),
            reply,
        })?;
        answer.recv().map_err(|_| self.ctx.writer_stopped())?
    }

    fn succeed(&self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.finish(sql::SUCCEED, id, now_ms, None)
    }

    fn fail(
        &self,
        id: &str,
        error: &str,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        match retry_at_ms {
            Some(at) => self.finish(sql::FAIL_RETRY, id, at, Some(error)),
            None => self.finish(sql::FAIL_FINAL, id, now_ms, Some(error)),
        }
    }

    fn requeue_interrupted(&self, now_ms: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            let runners: Vec<Option<String>> = tx
                .prepare_cached(sql::RUNNING_RUNNERS)
                .and_then(|mut s| {
                    s.query_map([], |r| r.get(0))?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(|e| self.ctx.err(e))?;
            let mut requeued = 0;
            for runner in runners {
                let gone = match &runner {
                    None => true,
                    Some(id) => id != &self.runner_id && runner_is_gone(&self.ctx, id),
                };
                if gone {
                    requeued += tx
                        .prepare_cached(sql::REQUEUE_INTERRUPTED)
                        .and_then(|mut s| s.execute(params![now_ms, runner]))
                        .map_err(|e| self.ctx.err(e))?;
                }
            }
            Ok(requeued)
        })
    }

    fn fire(&self, occurrence: Occurrence, now_ms: i64) -> Result<Fired, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.fire_then(
            occurrence,
            now_ms,
            Box::new(move |result| {
                let _ = reply.send(result);
            }),
        );
        answer.recv().map_err(|_| self.ctx.writer_stopped())?
    }

    fn fire_then(
        &self,
        occurrence: Occurrence,
        now_ms: i64,
        done: Box<dyn FnOnce(Result<Fired, StoreError>) + Send>,
    ) {
        let schedule = occurrence.schedule_key();
        let key = occurrence.key();
        let command = match self.prepare(occurrence.job, now_ms) {
            Ok((mut job, headers, params)) => {
                job.scheduled_for_ms = Some(occurrence.at_ms);
                job.exclusive = occurrence.overlap != Overlap::Allow;
                Command::Fire {
                    job,
                    headers,
                    params,
                    schedule,
                    key,
                    overlap: occurrence.overlap,
                    reply: done,
                }
            }
            Err(err) => return done(Err(err)),
        };
        self.send_or_answer(command);
    }

    fn last_fired(&self, schedule_key: &str) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(sql::CURSOR_OF)
            .and_then(|mut s| s.query_row([schedule_key], |r| r.get(0)).optional())
            .map_err(|e| self.ctx.err(e))
    }

    fn latest_occurrence(&self, function: &str, kind: JobKind) -> Result<Option<Job>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(sql::LATEST_OCCURRENCE)
            .and_then(|mut s| {
                s.query_row(params![function, kind.as_str()], job_from_row)
                    .optional()
            })
            .map_err(|e| self.ctx.err(e))
    }

    fn next_due(&self) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(sql::NEXT_DUE)
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(|e| self.ctx.err(e))
    }

    fn append_log(
        &self,
        id: &str,
        attempt: u32,
        line: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Command::AppendLog {
            id: id.to_owned(),
            attempt,
            line: line.to_owned(),
            at_ms: now_ms,
            reply,
        })?;
        answer.recv().map_err(|_| self.ctx.writer_stopped())?
    }

    fn logs(&self, id: &str) -> Result<Vec<JobLogLine>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(sql::LOGS)
            .map_err(|e| self.ctx.err(e))?;
        let lines = stmt
            .query_map([id], |r| {
                Ok(JobLogLine {
                    attempt: r.get(0)?,
                    at_ms: r.get(1)?,
                    line: r.get(2)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.ctx.err(e))?;
        Ok(lines)
    }

    fn list(&self, limit: usize) -> Result<Vec<Job>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(sql::LIST)
            .map_err(|e| self.ctx.err(e))?;
        let jobs = stmt
            .query_map([sql_limit(limit)], job_from_row)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.ctx.err(e))?;
        Ok(jobs)
    }

    fn get(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(sql::GET)
            .and_then(|mut s| s.query_row([id], job_from_row).optional())
            .map_err(|e| self.ctx.err(e))
    }

    fn retry(&self, id: &str, now_ms: i64) -> Result<Job, StoreError> {
        self.write(|tx| {
            let job = tx
                .prepare_cached(sql::RETRY)
                .and_then(|mut s| s.query_row(params![id, now_ms], job_from_row).optional())
                .map_err(|e| self.ctx.err(e))?;
            match job {
                Some(job) => Ok(job),
                None => {
                    let status = self.status_of(tx, id)?;
                    Err(StoreError::NotRetryable {
                        id: id.to_owned(),
                        status,
                    })
                }
            }
        })
    }

    fn prune(&self, keep: usize, older_than_ms: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            let args = params![older_than_ms, sql_limit(keep)];
            tx.prepare_cached(sql::PRUNE_LOGS)
                .and_then(|mut s| s.execute(args))
                .and_then(|_| tx.prepare_cached(sql::PRUNE_JOBS))
                .and_then(|mut s| s.execute(args))
                .map_err(|e| self.ctx.err(e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_use_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a/b/jobs.db")).unwrap();
        let conn = store.conn();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync, version), ("wal", 2, SCHEMA_VERSION));
    }

    #[test]
    fn refuses_another_programs_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER);")
            .unwrap();
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(
            err.to_string().contains("is not a Petrel job store"),
            "{err}"
        );
    }

    #[test]
    fn a_version_1_store_is_upgraded_with_its_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(sql::SCHEMA_V1).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO jobs VALUES ('01J', 'old-background', 'netlify_background', \
                 'running', 1, 3, 5, 5, 5, NULL, NULL, 'POST', '/x', '[]', x'', '{}', NULL)",
                [],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);
        // A run claimed by a version-1 Petrel has no runner: it counts as interrupted.
        assert_eq!(store.requeue_interrupted(10).unwrap(), 1);
        let job = store.get("01J").unwrap().unwrap();
        assert_eq!(
            (job.status, job.scheduled_for_ms, job.exclusive),
            (JobStatus::Queued, None, false)
        );
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = SqliteStore::open(&path).err().unwrap();
        assert!(
            matches!(
                err,
                StoreError::NewerSchema {
                    found: 99,
                    supported: 2,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

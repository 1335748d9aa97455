//! Store errors. Each message names the store file and says what to do, because the person
//! reading it is running `petrel`, not debugging it.

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::JobStatus;

/// What went wrong in a [`crate::JobStore`] call.
///
/// `Clone` because one failed group commit answers every caller in the batch with the same
/// error; sources are therefore behind `Arc`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The file is not an SQLite database, is damaged, or is some other program's database.
    #[error(
        "{} is not a Petrel job store or is corrupt ({detail}): move it away to start with an \
         empty queue (jobs in it are lost)",
        path.display()
    )]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What SQLite or the schema check said.
        detail: String,
    },

    /// The file was written by a newer Petrel with a schema this one does not know.
    #[error(
        "{} was written by a newer Petrel (job store schema {found}, this Petrel reads up to \
         {supported}): run the newer Petrel, or move the file away to start with an empty queue \
         (jobs in it are lost)",
        path.display()
    )]
    NewerSchema {
        /// The store file.
        path: PathBuf,
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// The newest schema this build knows.
        supported: i64,
    },

    /// Another connection kept the database locked for longer than the busy timeout.
    #[error(
        "the job store {} stayed locked by another connection for {} ms: is another Petrel \
         process using the same store file? stop it or give each its own file, then try again",
        path.display(),
        waited.as_millis()
    )]
    Busy {
        /// The store file.
        path: PathBuf,
        /// The busy timeout that ran out.
        waited: Duration,
    },

    /// The disk (or the SQLite size limit) is full; the write did not happen.
    #[error(
        "the disk holding the job store {} is full: free some space and try again (the change \
         was not saved)",
        path.display()
    )]
    DiskFull {
        /// The store file.
        path: PathBuf,
    },

    /// The file or its folder cannot be created or opened.
    #[error(
        "cannot open the job store {}: {source}; check that its folder can be created and \
         written to",
        path.display()
    )]
    Open {
        /// The store file.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: Arc<dyn Error + Send + Sync>,
    },

    /// Any other database failure (I/O error, read-only file, …).
    #[error("job store {}: {source}", path.display())]
    Database {
        /// The store file.
        path: PathBuf,
        /// The database's error.
        #[source]
        source: Arc<dyn Error + Send + Sync>,
    },

    /// The store's writer thread is gone (it panicked), so nothing can be queued.
    #[error(
        "the job store {} cannot queue jobs: its writer thread stopped; restart Petrel",
        path.display()
    )]
    WriterStopped {
        /// The store file.
        path: PathBuf,
    },

    /// No job has this id.
    #[error("no job with id {0}")]
    NotFound(String),

    /// Only a failed job can be retried by hand.
    #[error("job {id} is {status}: only a failed job can be retried")]
    NotRetryable {
        /// The job.
        id: String,
        /// Its state.
        status: JobStatus,
    },

    /// `succeed`/`fail` on a job that is not running (finished already, or requeued since).
    #[error("job {id} is {status}, not running: its run cannot be reported")]
    NotRunning {
        /// The job.
        id: String,
        /// Its state.
        status: JobStatus,
    },
}

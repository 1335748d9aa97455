//! The Node.js side of Petrel: a pool of long-lived Node worker processes that run user
//! handler code, the framed protocol that links each worker to the host, and the JavaScript
//! shim (`js/`) that turns each request into a genuine `http.IncomingMessage` /
//! `http.ServerResponse` for the platform adapter.
//!
//! This crate knows nothing about routing or project layout: it is given a route table
//! ([`WorkerRoute`]) and requests with metadata ([`RequestMeta`]), and returns responses.
//! It never reads the user's files itself.

mod codec;
mod link;
mod pool;
pub mod protocol;
mod shim;

pub use pool::{BoxError, JobLogSink, PoolConfig, WorkerBody, WorkerPool, WorkerResponseBody};
pub use protocol::{RequestMeta, ServerAddress, ToWorker, WorkerRoute};

use std::time::Duration;

/// Failure to start the pool or a worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The embedded shim could not be written to the temp folder.
    #[error("could not write the worker shim to the temp folder: {0}")]
    Shim(std::io::Error),
    /// Socket or process I/O failed.
    #[error("worker I/O failed: {0}")]
    Io(std::io::Error),
    /// A worker process did not start.
    #[error("{0}")]
    Start(String),
}

/// Why a request could not be answered by a worker.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Every worker is busy and the wait queue is full or the wait timed out.
    #[error("all workers are busy")]
    Saturated,
    /// No worker is alive (all crashed and are restarting) within the wait time.
    #[error("no worker is available")]
    NoWorker,
    /// The handler did not produce a response head within the time limit.
    #[error("the handler did not respond within {after:?}")]
    Timeout {
        /// The limit that passed.
        after: Duration,
    },
    /// The worker died or dropped the connection while the request was in flight.
    #[error("worker {pid} failed: {detail}")]
    WorkerLost {
        /// Process id of the worker.
        pid: u32,
        /// What happened.
        detail: String,
    },
}

//! The durable job store of background functions (Netlify `-background` functions and Next
//! routes run in the background).
//!
//! What it is: the [`JobStore`] contract (enqueue, claim, finish, retry, logs, retention), its
//! SQLite implementation [`SqliteStore`] (WAL, `synchronous = FULL`, group commit of enqueues,
//! claims atomic across processes), the [`RetryPolicy`] that says when a failed run goes again,
//! and the [`Clock`] every time comes from (a [`FakeClock`] in tests).
//!
//! What it is not: it runs nothing. The runner (which claims jobs, runs them in workers and
//! reports back) and the HTTP side (which answers 202 once [`JobStore::enqueue`] returned) live
//! elsewhere. The contract is `shared/DECISIONS.md`, "Background functions".
#![warn(missing_docs)]

mod clock;
mod error;
mod id;
mod model;
mod retry;
mod sql;
mod sqlite;
mod store;

pub use clock::{Clock, FakeClock, ScaledClock, SystemClock};
pub use error::StoreError;
pub use id::new_job_id;
pub use model::{
    Fired, Job, JobKind, JobLogLine, JobRequest, JobStatus, NewJob, Occurrence, Overlap,
    schedule_key,
};
pub use retry::RetryPolicy;
pub use sqlite::{SCHEMA_VERSION, SqliteStore, StoreOptions};
pub use store::JobStore;

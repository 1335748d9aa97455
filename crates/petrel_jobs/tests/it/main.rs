//! Store behaviour on real SQLite files in temporary folders; time from a `FakeClock`.

mod bench;
mod common;
mod concurrency;
mod durability;
mod errors;
mod lifecycle;
mod schedules;

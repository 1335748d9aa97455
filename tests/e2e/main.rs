//! End-to-end tests: the real `petrel` binary, real Node workers, a real HTTP client.

mod app_router;
mod background;
mod cli;
mod conformance;
mod dev;
mod harness;
mod middleware;
mod migrate;
mod netlify;
mod schedules;
mod spine;
mod workers;

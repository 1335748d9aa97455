//! Integration tests for `petrel_compile`: fixture snapshots, real execution under Node,
//! errors, caching and static config extraction.

mod cache;
mod config;
mod errors;
mod run;
mod snapshots;
mod support;

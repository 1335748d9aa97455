//! Integration tests for `petrel_compile`: fixture snapshots, real execution under Node,
//! errors, caching, static config extraction (Next.js and Netlify).

mod cache;
mod config;
mod errors;
mod netlify;
mod run;
mod snapshots;
mod support;

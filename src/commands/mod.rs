//! One module per subcommand.

pub mod dev;
pub mod invoke;
pub mod jobs;
pub mod migrate;
pub mod routes;
pub mod schedules;
mod serve_args;
pub mod start;

//! One module per subcommand.

pub mod dev;
pub mod routes;
mod serve_args;
pub mod start;

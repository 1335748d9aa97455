//! One module per subcommand.

pub mod dev;
pub mod routes;
pub mod start;

//! One module per subcommand.

pub mod start;

//! The arguments `petrel dev` and `petrel start` share, named like `next dev`/`next start`'s.

use std::path::PathBuf;

use clap::Args;

use crate::app::ServeSettings;

/// Where and how to serve a project.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Port to listen on (0 picks a free one).
    #[arg(short = 'p', long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Host name or address to listen on.
    #[arg(short = 'H', long, default_value = "0.0.0.0")]
    pub hostname: String,
    /// Number of Node workers (default: one per CPU core for `start`, one for `dev`).
    #[arg(long)]
    pub workers: Option<usize>,
}

impl ServeArgs {
    /// The settings for `petrel dev` (`dev`) or `petrel start`.
    pub fn into_settings(self, dev: bool, json: bool) -> ServeSettings {
        ServeSettings {
            dir: self.dir.unwrap_or_else(|| PathBuf::from(".")),
            hostname: self.hostname,
            port: self.port,
            workers: self.workers,
            dev,
            json,
        }
    }
}

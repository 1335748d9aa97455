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
    /// Run Petrel's clock (schedules, job retries) this many times faster than real time,
    /// e.g. 60 to see an hour of schedules in a minute.
    #[arg(long, value_name = "FACTOR")]
    pub clock_speed: Option<f64>,
    /// Set Petrel's clock to this UTC time (e.g. 2026-11-22T17:49:30Z) when start-up ends,
    /// instead of the real time.
    #[arg(long, value_name = "TIME", value_parser = parse_utc)]
    pub clock_start: Option<i64>,
}

/// `2026-11-22T17:49:30Z` (RFC 3339) as ms since the epoch.
fn parse_utc(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("{e}; write the time as RFC 3339, e.g. 2026-11-22T17:49:30Z"))
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
            clock_speed: self.clock_speed,
            clock_start_ms: self.clock_start,
        }
    }
}

//! `petrel dev [DIR]`: serve the project's API routes and rebuild them on every change.

use std::path::PathBuf;

use clap::Args;

use crate::app::{self, ServeSettings};

/// Arguments of `petrel dev`, named like `next dev`'s.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Port to listen on (0 picks a free one).
    #[arg(short = 'p', long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Host name or address to listen on.
    #[arg(short = 'H', long, default_value = "0.0.0.0")]
    pub hostname: String,
    /// Number of Node workers (default: one; each change starts new ones).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Runs `petrel dev`.
pub async fn run(args: DevArgs, json: bool) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    app::serve_project(ServeSettings {
        dir,
        hostname: args.hostname,
        port: args.port,
        workers: args.workers,
        dev: true,
        json,
    })
    .await
}

//! `petrel`: runs the serverless functions of a Next.js project (Pages API routes) in Node
//! workers behind a Rust HTTP server.

mod app;
mod commands;
mod output;

use clap::{Parser, Subcommand};

/// Petrel runs your Next.js API routes, locally and self-hosted.
#[derive(Debug, Parser)]
#[command(name = "petrel", version, about, long_about = None)]
struct Cli {
    /// Print logs as JSON lines (for machines) instead of human-readable lines.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the project's API routes in production mode (like `next start`).
    Start(commands::start::StartArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    output::init_logging(cli.json);
    // `PETREL_THREADS` sets the number of runtime threads; 1 runs the host on one thread
    // (no cross-thread wake-ups), which the benchmark in bench/ compares.
    let threads: usize = std::env::var("PETREL_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        if threads > 1 {
            b.worker_threads(threads);
        }
        b
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            output::fatal(&anyhow::anyhow!("could not start the async runtime: {err}"));
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Start(args) => commands::start::run(args, cli.json).await,
        }
    });
    output::flush();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            output::fatal(&err);
            std::process::ExitCode::FAILURE
        }
    }
}

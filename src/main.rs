//! `petrel`: runs the serverless functions of a Next.js project (Pages API routes) in Node
//! workers behind a Rust HTTP server.

#[macro_use]
mod output;
mod app;
mod commands;
mod dev;

use clap::{Parser, Subcommand};

// The host allocates small buffers per request (headers, frames); mimalloc does this with a
// fraction of glibc malloc's cost (bench/spine.py profile: malloc/free were 15% of host CPU).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Serve the project's API routes and rebuild them on every change (like `next dev`).
    Dev(commands::dev::DevArgs),
    /// Run one function or API route now and print its answer (a scheduled one gets the
    /// scheduler's request).
    Invoke(commands::invoke::InvokeArgs),
    /// List background jobs, show one (`jobs show ID`), or queue a failed one again (`jobs retry ID`).
    Jobs(commands::jobs::JobsArgs),
    /// Turn Next.js advanced API routes into Netlify Functions (`--dry-run` shows the diff).
    Migrate(commands::migrate::MigrateArgs),
    /// Print the route table: URL pattern, file, kind and config of every API route.
    Routes(commands::routes::RoutesArgs),
    /// List the scheduled functions with their next three fire times (UTC) and last run.
    Schedules(commands::schedules::SchedulesArgs),
    /// Serve the project's API routes in production mode (like `next start`).
    Start(commands::start::StartArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    output::init_logging(cli.json);
    // The host's own work per request is small next to the Node handler's, and wake-ups
    // across threads cost more than they save on few cores: one runtime thread per four
    // cores (at least one; one means a single-threaded runtime, no cross-thread wake-ups).
    // Measured on 2 cores: 1 thread gave 74k rps vs 62-71k with 2 (bench/spine.py setup).
    // `PETREL_THREADS` overrides it.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads: usize = std::env::var("PETREL_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or((cores / 4).max(1));
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
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
            Command::Dev(args) => commands::dev::run(args, cli.json).await,
            Command::Invoke(args) => commands::invoke::run(args, cli.json).await,
            Command::Jobs(args) => commands::jobs::run(args, cli.json),
            Command::Migrate(args) => commands::migrate::run(args, cli.json),
            Command::Routes(args) => commands::routes::run(args, cli.json),
            Command::Schedules(args) => commands::schedules::run(args, cli.json),
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

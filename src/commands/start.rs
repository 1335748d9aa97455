//! `petrel start [DIR]`: build the project's API routes, start the workers, serve.

use clap::Args;

use super::serve_args::ServeArgs;
use crate::app;

/// Arguments of `petrel start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Runs `petrel start`.
pub async fn run(args: StartArgs, json: bool) -> anyhow::Result<()> {
    app::serve_project(args.serve.into_settings(false, json)).await
}

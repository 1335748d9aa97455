//! `petrel dev [DIR]`: serve the project's API routes and rebuild them on every change.

use clap::Args;

use super::serve_args::ServeArgs;
use crate::app;

/// Arguments of `petrel dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Runs `petrel dev`.
pub async fn run(args: DevArgs, json: bool) -> anyhow::Result<()> {
    app::serve_project(args.serve.into_settings(true, json)).await
}

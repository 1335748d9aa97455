//! `petrel migrate [DIR] --dry-run`: the plan for turning Next.js advanced API routes into
//! Netlify Functions (which route becomes which function, at which path or on which
//! schedule, and what needs a hand afterwards). Writing the files comes in a later version;
//! this one only plans, so it asks for `--dry-run` to say so.

use std::path::PathBuf;

use clap::Args;
use petrel_migrate::{Kind, plan};
use petrel_project::{Mode, ProjectBuilder};

/// Arguments of `petrel migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Prints the plan (JSON with `--json`); exits non-zero when a route cannot be migrated.
pub fn run(args: MigrateArgs, json: bool) -> anyhow::Result<()> {
    if !args.dry_run {
        anyhow::bail!(
            "this version of petrel migrate only plans the migration and writes nothing: run `petrel migrate --dry-run` to see the plan"
        );
    }
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let project = ProjectBuilder::new(&dir, Mode::Start)?.build()?;
    let plan = plan(&project);
    if json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else if plan.routes.is_empty() && plan.problems.is_empty() {
        println!(
            "No advanced API routes (config.type \"experimental-background\" or \"experimental-scheduled\"): nothing to migrate."
        );
    } else {
        for route in &plan.routes {
            let (kind, how) = match route.kind {
                Kind::Background => (
                    "background",
                    format!("path {}", route.path.as_deref().unwrap_or("")),
                ),
                Kind::Scheduled => (
                    "scheduled",
                    format!("schedule \"{}\"", route.schedule.as_deref().unwrap_or("")),
                ),
            };
            println!("{}  ({})", route.page, route.file);
            println!("    → {}  {kind}, {how}", route.target);
            for follow_up in &route.follow_ups {
                println!("    ! {follow_up}");
            }
        }
        for problem in &plan.problems {
            println!("{}  ({})", problem.page, problem.file);
            println!("    ⨯ {}", problem.error);
        }
        println!(
            "\n{} route(s) to migrate, {} that cannot be migrated as they are. Nothing was changed (--dry-run).",
            plan.routes.len(),
            plan.problems.len()
        );
    }
    if !plan.problems.is_empty() {
        anyhow::bail!(
            "{} advanced route(s) cannot be migrated; the reasons are listed above",
            plan.problems.len()
        );
    }
    Ok(())
}

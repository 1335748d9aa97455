//! `petrel migrate [DIR]`: turns Next.js advanced API routes into Netlify Functions. Prints,
//! per route, the new function, its path or schedule, how the handler is kept and what needs a
//! hand; `--dry-run` prints the unified diff instead of writing. Writing refuses to overwrite
//! files or to mix with uncommitted changes, unless `--force`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use std::io::{IsTerminal as _, Write as _};

use petrel_migrate::{Kind, Plan, changes, check, plan_with_progress, write};
use petrel_project::{Mode, ProjectBuilder};

/// Arguments of `petrel migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print what would change (a unified diff), and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write even over existing files and with uncommitted changes in the git tree.
    #[arg(long)]
    pub force: bool,
    /// Delete each migrated route that no other file imports: its module moves next to its
    /// function (netlify/functions/_petrel/routes/), so only the function remains.
    #[arg(long)]
    pub delete_routes: bool,
}

/// Plans, then shows or writes the migration; exits non-zero when a route cannot be migrated
/// (the others are still migrated).
pub fn run(args: MigrateArgs, json: bool) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    // Progress on a terminal, for projects large enough to wait for.
    let show = std::io::stderr().is_terminal() && !json;
    if show {
        eprint!("  reading the project…");
    }
    let project = ProjectBuilder::new(&dir, Mode::Start)?.build()?;
    let plan = plan_with_progress(&project, args.delete_routes, &mut |done, total| {
        if show {
            eprint!("\r\x1b[2K  planning: {done}/{total} routes");
            if done == total {
                eprintln!();
            }
        }
    });
    let changes = changes(&project, &plan, args.delete_routes);
    if json {
        outln!("{}", serde_json::to_string_pretty(&plan)?);
    } else if plan.routes.is_empty() && plan.problems.is_empty() {
        outln!(
            "No advanced API routes (config.type \"experimental-background\" or \"experimental-scheduled\"): nothing to migrate."
        );
    } else {
        print_table(&plan, args.delete_routes);
    }
    if args.dry_run {
        if !json {
            for change in &changes {
                out!("{}", change.diff());
            }
            outln!(
                "\n{} route(s) to migrate, {} that cannot be migrated as they are. Nothing was changed (--dry-run).",
                plan.routes.len(),
                plan.problems.len()
            );
        }
    } else if !changes.is_empty() {
        check(&project, &changes, args.force).map_err(|refused| anyhow::anyhow!("{refused}"))?;
        if show {
            eprintln!("  writing {} file(s)…", changes.len());
        }
        write(&changes).context("could not write the migration")?;
        let _ = std::io::stderr().flush();
        if !json {
            outln!();
            for change in &changes {
                let what = match (&change.before, &change.after) {
                    (None, _) => "created",
                    (Some(_), Some(_)) => "changed",
                    (Some(_), None) => "deleted",
                };
                outln!("  {what} {}", change.shown);
            }
            outln!(
                "\n{} route(s) migrated. Review with `git diff`; run `petrel dev` to try the functions.",
                plan.routes.len()
            );
        }
    }
    if !plan.problems.is_empty() {
        anyhow::bail!(
            "{} advanced route(s) cannot be migrated; the reasons are listed above",
            plan.problems.len()
        );
    }
    Ok(())
}

fn print_table(plan: &Plan, delete_routes: bool) {
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
        outln!("{}  ({})", route.page, route.file);
        outln!("    → {}  {kind}, {how}, {}", route.target, route.approach);
        for follow_up in &route.follow_ups {
            outln!("    ! {follow_up}");
        }
        if delete_routes && !route.used_by.is_empty() {
            outln!(
                "    ! the route is kept (without its advanced config): {} import(s) it",
                route.used_by.join(", ")
            );
        }
    }
    for problem in &plan.problems {
        outln!("{}  ({})", problem.page, problem.file);
        outln!("    ⨯ {}", problem.error);
    }
}

//! `petrel schedules [DIR]`: every scheduled function of the project (Netlify `schedule`, the v1
//! `schedule()` helper, `netlify.toml`, and Next.js `experimental-scheduled` routes) with its
//! next three fire times in UTC and its last run (from the project's job store).

use std::path::PathBuf;

use clap::Args;
use petrel_jobs::{Clock as _, Job, JobKind, JobStore as _};
use petrel_project::{Mode, ProjectBuilder, RouteKind};
use petrel_schedule::{Schedule, iso};

/// Arguments of `petrel schedules`.
#[derive(Debug, Args)]
pub struct SchedulesArgs {
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

struct Row {
    name: String,
    file: String,
    schedule: String,
    next: Vec<String>,
    error: Option<String>,
    last: Option<Job>,
}

/// "succeeded (occurrence 2026-11-22T17:50:00.000Z, job 01…)".
fn describe(job: &Job) -> String {
    let occurrence = job.scheduled_for_ms.map(iso).unwrap_or_default();
    let mut text = format!("{} (occurrence {occurrence}, job {})", job.status, job.id);
    if let Some(error) = &job.last_error {
        text.push_str(&format!(": {error}"));
    }
    text
}

/// Prints the schedules (a JSON array with `--json`); exits non-zero when one is invalid.
pub fn run(args: SchedulesArgs, json: bool) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let project = ProjectBuilder::new(&dir, Mode::Start)?.build()?;
    let now = petrel_jobs::SystemClock.now_ms();
    // The last runs, when the project has a store (it is not created just to look).
    let store_path = crate::app::job_store_path(&project.root);
    let store = if store_path.exists() {
        Some(petrel_jobs::SqliteStore::open(&store_path)?)
    } else {
        None
    };
    let last = |name: &str, kind: JobKind| -> anyhow::Result<Option<Job>> {
        Ok(match &store {
            Some(store) => store.latest_occurrence(name, kind)?,
            None => None,
        })
    };
    let rel = |file: &std::path::Path| {
        file.strip_prefix(&project.root)
            .unwrap_or(file)
            .display()
            .to_string()
    };
    let row =
        |name: String, file: String, cron: &str, build_error: Option<String>, last: Option<Job>| {
            let (next, error) = match Schedule::parse(cron) {
                Ok(schedule) => (schedule.next_n(now, 3).into_iter().map(iso).collect(), None),
                Err(err) => (Vec::new(), Some(err.to_string())),
            };
            Row {
                name,
                file,
                schedule: cron.to_string(),
                next,
                error: build_error.or(error),
                last,
            }
        };
    let mut rows = Vec::new();
    for function in &project.functions {
        if let Some(cron) = &function.config.schedule {
            rows.push(row(
                function.name.clone(),
                rel(&function.file),
                cron,
                function.error.as_ref().map(|e| e.message.clone()),
                last(&function.name, JobKind::NetlifyScheduled)?,
            ));
        }
    }
    for route in &project.routes {
        if let RouteKind::Scheduled { schedule } = &route.config.kind {
            rows.push(row(
                route.page.clone(),
                rel(&route.file),
                schedule.as_deref().unwrap_or(""),
                route.error.as_ref().map(|e| e.message.clone()),
                last(&route.page, JobKind::NextScheduled)?,
            ));
        }
    }
    let broken = rows.iter().filter(|r| r.error.is_some()).count();
    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "function": r.name, "file": r.file, "schedule": r.schedule,
                    "next": r.next, "error": r.error,
                    "last_run": r.last.as_ref().map(|job| serde_json::json!({
                        "job": job.id,
                        "status": job.status.as_str(),
                        "occurrence": job.scheduled_for_ms.map(iso),
                        "started_at": job.started_at_ms.map(iso),
                        "finished_at": job.finished_at_ms.map(iso),
                        "error": job.last_error,
                    })),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else if rows.is_empty() {
        outln!("(no scheduled functions)");
    } else {
        for r in &rows {
            outln!("{}  {}  \"{}\"", r.name, r.file, r.schedule);
            match &r.error {
                Some(error) => outln!("    ⨯ {error}"),
                None => outln!("    next (UTC): {}", r.next.join(", ")),
            }
            match &r.last {
                Some(job) => outln!("    last run: {}", describe(job)),
                None => outln!("    last run: never"),
            }
        }
    }
    if broken > 0 {
        anyhow::bail!("{broken} schedule(s) are invalid; the reasons are listed above");
    }
    Ok(())
}

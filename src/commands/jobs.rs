//! `petrel jobs`: the background jobs of a project, from its job store.
//!
//! - `petrel jobs [DIR]` lists recent jobs (newest first).
//! - `petrel jobs show ID [DIR]` shows one, with the log lines of each attempt.
//! - `petrel jobs retry ID [DIR]` queues a failed job again (with a fresh set of attempts); a
//!   running `petrel start`/`dev` picks it up.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use petrel_jobs::{Clock as _, Job, JobStore as _, SqliteStore, SystemClock};

/// Arguments of `petrel jobs`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JobsArgs {
    #[command(subcommand)]
    action: Option<JobsAction>,
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// How many jobs to list.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(Debug, Subcommand)]
enum JobsAction {
    /// Show one job and its log lines.
    Show {
        /// The job id.
        id: String,
        /// The project folder (default: the current folder).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Queue a failed job again.
    Retry {
        /// The job id.
        id: String,
        /// The project folder (default: the current folder).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Runs `petrel jobs`.
pub fn run(args: JobsArgs, json: bool) -> anyhow::Result<()> {
    match args.action {
        None => list(&project_dir(args.dir), args.limit, json),
        Some(JobsAction::Show { id, dir }) => show(&project_dir(dir), &id, json),
        Some(JobsAction::Retry { id, dir }) => retry(&project_dir(dir), &id),
    }
}

fn project_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| PathBuf::from("."))
}

fn open(dir: &Path) -> anyhow::Result<SqliteStore> {
    let path = crate::app::job_store_path(dir);
    if !path.exists() {
        anyhow::bail!(
            "{} has no background jobs yet (no {}); they are stored when a background function is first called",
            dir.display(),
            path.display()
        );
    }
    SqliteStore::open(&path).with_context(|| format!("could not open {}", path.display()))
}

fn list(dir: &Path, limit: usize, json: bool) -> anyhow::Result<()> {
    let jobs = open(dir)?.list(limit)?;
    if json {
        let rows: Vec<serde_json::Value> = jobs.iter().map(job_json).collect();
        outln!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if jobs.is_empty() {
        outln!("(no jobs)");
        return Ok(());
    }
    let rows: Vec<[String; 6]> = jobs
        .iter()
        .map(|job| {
            [
                job.id.clone(),
                job.function.clone(),
                job.status.to_string(),
                format!("{}/{}", job.attempts, job.max_attempts),
                time(job.created_at_ms),
                job.last_error
                    .as_deref()
                    .map(|e| e.lines().next().unwrap_or("").to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "ID",
        "Function",
        "Status",
        "Attempts",
        "Created (UTC)",
        "Last error",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 6]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let _ = write!(text, "{cell:<w$}  ", w = widths[i]);
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
    }
    out!("{out}");
    Ok(())
}

fn show(dir: &Path, id: &str, json: bool) -> anyhow::Result<()> {
    let store = open(dir)?;
    let job = store
        .get(id)?
        .with_context(|| format!("no job {id} in {}", dir.display()))?;
    let logs = store.logs(id)?;
    if json {
        let mut value = job_json(&job);
        value["logs"] = logs
            .iter()
            .map(|l| serde_json::json!({"attempt": l.attempt, "at": time(l.at_ms), "line": l.line}))
            .collect();
        outln!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    outln!("Job       {}", job.id);
    outln!("Function  {}", job.function);
    outln!("Status    {}", job.status);
    outln!("Attempts  {} of {}", job.attempts, job.max_attempts);
    outln!("Created   {}", time(job.created_at_ms));
    if let Some(at) = job.started_at_ms {
        outln!("Started   {}", time(at));
    }
    if let Some(at) = job.finished_at_ms {
        outln!("Finished  {}", time(at));
    }
    outln!("Request   {} {}", job.request.method, job.request.path);
    if let Some(error) = &job.last_error {
        outln!("Error     {error}");
    }
    if !logs.is_empty() {
        outln!("Log");
        for line in logs {
            outln!("  [attempt {}] {}", line.attempt, line.line);
        }
    }
    Ok(())
}

fn retry(dir: &Path, id: &str) -> anyhow::Result<()> {
    let job = open(dir)?.retry(id, SystemClock.now_ms())?;
    outln!(
        "Job {} ({}) is queued again; a running `petrel start` or `petrel dev` of this project runs it.",
        job.id,
        job.function
    );
    Ok(())
}

fn job_json(job: &Job) -> serde_json::Value {
    serde_json::json!({
        "id": job.id,
        "function": job.function,
        "status": job.status.to_string(),
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "created": time(job.created_at_ms),
        "started": job.started_at_ms.map(time),
        "finished": job.finished_at_ms.map(time),
        "last_error": job.last_error,
        "kind": job.kind.as_str(),
        "scheduled_for": job.scheduled_for_ms.map(time),
        "method": job.request.method,
        "path": job.request.path,
    })
}

/// `2026-11-24 21:56:16.123` (UTC) from milliseconds since the epoch.
fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_times() {
        assert_eq!(super::time(0), "1970-01-01 00:00:00.000");
        assert_eq!(super::time(1_795_989_376_123), "2026-11-29 21:56:16.123");
        assert_eq!(super::time(951_782_400_000), "2000-02-29 00:00:00.000");
    }
}

//! What a job is: the request it replays, its state and its log lines.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which adapter runs the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A Netlify Function whose name ends in `-background`.
    NetlifyBackground,
    /// A Next.js API route run in the background.
    NextBackground,
    /// An occurrence of a scheduled Netlify Function.
    NetlifyScheduled,
    /// An occurrence of a scheduled Next.js API route (`type: "experimental-scheduled"`).
    NextScheduled,
}

impl JobKind {
    /// The name stored in the database (and shown to people).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::NetlifyBackground => "netlify_background",
            JobKind::NextBackground => "next_background",
            JobKind::NetlifyScheduled => "netlify_scheduled",
            JobKind::NextScheduled => "next_scheduled",
        }
    }

    /// Whether the job is an occurrence of a schedule.
    pub fn is_scheduled(self) -> bool {
        matches!(self, JobKind::NetlifyScheduled | JobKind::NextScheduled)
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "netlify_background" => Ok(JobKind::NetlifyBackground),
            "next_background" => Ok(JobKind::NextBackground),
            "netlify_scheduled" => Ok(JobKind::NetlifyScheduled),
            "next_scheduled" => Ok(JobKind::NextScheduled),
            other => Err(format!("unknown job kind {other:?}")),
        }
    }
}

/// The HTTP request that started the job, replayed to the function on every run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query as received.
    pub path: String,
    /// Header names and values in the order received (repeats kept).
    pub headers: Vec<(String, String)>,
    /// The whole request body (background payloads are small: 256 KB at most).
    pub body: Vec<u8>,
    /// Route parameters, as the adapter expects them.
    pub params: serde_json::Value,
    /// The route pattern that matched (`config.path` of a Netlify Function), if any.
    pub route_pattern: Option<String>,
}

/// A job to be queued.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Netlify function name, or the Next page (`/api/report`).
    pub function: String,
    /// Which adapter runs it.
    pub kind: JobKind,
    /// The request to replay.
    pub request: JobRequest,
    /// Runs allowed in all (failures use them up; interrupted runs do not). 0 is stored as 1:
    /// every job runs at least once.
    pub max_attempts: u32,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for `run_at_ms`.
    Queued,
    /// Claimed by a runner.
    Running,
    /// A run succeeded (final).
    Succeeded,
    /// The last allowed run failed (final until retried by hand).
    Failed,
    /// A scheduled occurrence that was not run, because of the schedule's overlap policy
    /// (final; `last_error` says why).
    Skipped,
}

impl JobStatus {
    /// The name stored in the database (and shown to people).
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Skipped => "skipped",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "queued" => Ok(JobStatus::Queued),
            "running" => Ok(JobStatus::Running),
            "succeeded" => Ok(JobStatus::Succeeded),
            "failed" => Ok(JobStatus::Failed),
            "skipped" => Ok(JobStatus::Skipped),
            other => Err(format!("unknown job status {other:?}")),
        }
    }
}

/// A stored job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Stable execution id: 26 characters, Crockford base32, time-ordered, unique
    /// (see [`crate::new_job_id`]).
    pub id: String,
    /// Netlify function name, or the Next page.
    pub function: String,
    /// Which adapter runs it.
    pub kind: JobKind,
    /// Where it is in its life.
    pub status: JobStatus,
    /// Runs started that counted (an interrupted run does not count).
    pub attempts: u32,
    /// Runs allowed in all.
    pub max_attempts: u32,
    /// When it was queued.
    pub created_at_ms: i64,
    /// When it is due (for a queued job).
    pub run_at_ms: i64,
    /// When the latest run started.
    pub started_at_ms: Option<i64>,
    /// When it reached a final state.
    pub finished_at_ms: Option<i64>,
    /// The error of the latest failed run.
    pub last_error: Option<String>,
    /// The request to replay.
    pub request: JobRequest,
    /// For a scheduled occurrence: the time it was scheduled for.
    pub scheduled_for_ms: Option<i64>,
    /// Whether the run waits while another run of its function is going.
    pub exclusive: bool,
}

/// What a schedule does with an occurrence that comes while earlier runs are still going
/// (`overlap` in the function's config or `petrel.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Overlap {
    /// Skip it while the previous run is queued or running (the default).
    #[default]
    Skip,
    /// Run it at once, beside the previous run.
    Allow,
    /// Queue it to run after the previous run; an occurrence that finds one already waiting
    /// is skipped.
    QueueOne,
    /// Queue it to run after every run before it, however many wait. Not a setting: the
    /// missed runs a scheduler catches up on (`missed = "once"` or `"all"`) run one after
    /// another this way, unless the schedule allows overlap.
    Queue,
}

impl Overlap {
    /// The name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Overlap::Skip => "skip",
            Overlap::Allow => "allow",
            Overlap::QueueOne => "queue-one",
            Overlap::Queue => "queue",
        }
    }
}

impl FromStr for Overlap {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "skip" => Ok(Overlap::Skip),
            "allow" => Ok(Overlap::Allow),
            "queue-one" => Ok(Overlap::QueueOne),
            other => Err(format!(
                "unknown overlap policy {other:?}: use \"skip\", \"allow\" or \"queue-one\""
            )),
        }
    }
}

/// One occurrence of a schedule, to be fired (turned into a job) exactly once.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// The job it becomes; `kind` is a scheduled kind.
    pub job: NewJob,
    /// When it was scheduled for.
    pub at_ms: i64,
    /// What to do while earlier runs are going.
    pub overlap: Overlap,
}

impl Occurrence {
    /// The schedule's identity in the store: its kind and function.
    pub fn schedule_key(&self) -> String {
        schedule_key(self.job.kind, &self.job.function)
    }

    /// The occurrence's unique key: the scheduled time, then the schedule
    /// (`000001795369800000@netlify_scheduled:nightly`). Time first, so the keys of one wave
    /// sit side by side in the index instead of on a page each.
    pub fn key(&self) -> String {
        format!("{:018}@{}", self.at_ms, self.schedule_key())
    }
}

/// The identity of a schedule in the store (`netlify_scheduled:nightly`).
pub fn schedule_key(kind: JobKind, function: &str) -> String {
    format!("{}:{function}", kind.as_str())
}

/// What firing an occurrence did.
#[derive(Debug, Clone)]
pub enum Fired {
    /// A job was queued for it.
    Queued(Job),
    /// It was recorded as skipped (the job's `last_error` says why).
    Skipped(Job),
    /// Another scheduler fired it (or a later occurrence) already: nothing was written.
    AlreadyFired,
}

/// One line a job's function printed (or the runner wrote about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLogLine {
    /// The attempt (1-based) that printed it.
    pub attempt: u32,
    /// When it was appended.
    pub at_ms: i64,
    /// The text, without its newline.
    pub line: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Skipped,
        ] {
            assert_eq!(s.to_string().parse::<JobStatus>(), Ok(s));
        }
        for k in [
            JobKind::NetlifyBackground,
            JobKind::NextBackground,
            JobKind::NetlifyScheduled,
            JobKind::NextScheduled,
        ] {
            assert_eq!(k.to_string().parse::<JobKind>(), Ok(k));
            // serde and the database use the same names.
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(JobStatus::Succeeded.to_string(), "succeeded");
        for o in [Overlap::Skip, Overlap::Allow, Overlap::QueueOne] {
            assert_eq!(o.as_str().parse::<Overlap>(), Ok(o));
        }
        assert!(
            "never"
                .parse::<Overlap>()
                .unwrap_err()
                .contains("queue-one")
        );
    }
}

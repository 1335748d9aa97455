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
}

impl JobKind {
    /// The name stored in the database (and shown to people).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::NetlifyBackground => "netlify_background",
            JobKind::NextBackground => "next_background",
        }
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
}

impl JobStatus {
    /// The name stored in the database (and shown to people).
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
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
        ] {
            assert_eq!(s.to_string().parse::<JobStatus>(), Ok(s));
        }
        for k in [JobKind::NetlifyBackground, JobKind::NextBackground] {
            assert_eq!(k.to_string().parse::<JobKind>(), Ok(k));
            // serde and the database use the same names.
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(JobStatus::Succeeded.to_string(), "succeeded");
    }
}

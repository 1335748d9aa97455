//! `petrel.toml`: Petrel's own settings for a project (every key is listed in
//! `docs/config.md`). Unknown keys are errors, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::Path;

use petrel_jobs::Overlap;
use petrel_schedule::scheduler::MissedRuns;
use serde::Deserialize;

/// The whole file. Every field has the platform's default.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[workers]`: the Node worker pool.
    pub workers: WorkerSettings,
    /// `[functions]`: limits applied to every route.
    pub functions: FunctionSettings,
    /// `[netlify]`: limits of Netlify Functions.
    pub netlify: NetlifySettings,
    /// `[background]`: the durable job queue of background functions.
    pub background: BackgroundSettings,
    /// `[schedules]`: how scheduled functions run.
    pub schedules: ScheduleSettings,
}

/// `[schedules]`, and each `[schedules.functions."<name or /api/page>"]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// The policies of every schedule without its own.
    #[serde(flatten)]
    pub defaults: SchedulePolicy,
    /// One function's (or Next.js route's) policies.
    pub functions: BTreeMap<String, SchedulePolicy>,
}

/// The settings of a schedule; unset ones fall back (function's config, then
/// `[schedules.functions."name"]`, then `[schedules]`, then the default).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulePolicy {
    /// `"skip"` (default), `"allow"` or `"queue-one"`.
    pub overlap: Option<String>,
    /// `"skip"` (default, as Netlify), `"once"` or `"all"`.
    pub missed: Option<String>,
    /// The most missed runs `missed = "all"` runs (default 24).
    pub missed_cap: Option<usize>,
    /// Time limit of one run in seconds (default 30, as Netlify).
    pub timeout: Option<f64>,
    /// Runs of one occurrence in all (default 1: no retries, as Netlify).
    pub max_attempts: Option<u32>,
}

impl SchedulePolicy {
    /// The overlap policy, if set (checked at load).
    pub fn overlap(&self) -> Option<Overlap> {
        self.overlap.as_deref().and_then(|s| s.parse().ok())
    }

    /// The missed-run policy, if set (checked at load).
    pub fn missed(&self) -> Option<MissedRuns> {
        self.missed.as_deref().and_then(|s| s.parse().ok())
    }

    fn check(&self, table: &str) -> Result<(), String> {
        if let Some(Err(e)) = self.overlap.as_deref().map(str::parse::<Overlap>) {
            return Err(format!("petrel.toml: {table} overlap: {e}"));
        }
        if let Some(Err(e)) = self.missed.as_deref().map(str::parse::<MissedRuns>) {
            return Err(format!("petrel.toml: {table} missed: {e}"));
        }
        Ok(())
    }
}

/// `[background] retry_backoff`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetryBackoff {
    /// First delay in seconds.
    pub base: f64,
    /// Each next delay is this many times the previous (default 2).
    #[serde(default = "default_factor")]
    pub factor: f64,
    /// Longest delay in seconds (default 3600).
    #[serde(default = "default_cap")]
    pub cap: f64,
}

fn default_factor() -> f64 {
    2.0
}

fn default_cap() -> f64 {
    3600.0
}

/// `[background]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BackgroundSettings {
    /// Runs of one job in all, first run included (default 3, as Netlify).
    pub max_attempts: Option<u32>,
    /// Seconds to wait before each retry (default `[60, 120]`, as Netlify).
    pub retry_delays: Option<Vec<f64>>,
    /// Exponential retry delays instead of a list: `{ base = 30, factor = 2, cap = 600 }`
    /// (seconds), as many as `max_attempts` allows.
    pub retry_backoff: Option<RetryBackoff>,
    /// Spread each retry delay by up to ± this fraction (0 to 1; default 0), so jobs that
    /// failed together do not all come back at once.
    pub retry_jitter: Option<f64>,
    /// Jobs running at the same time (default 16).
    pub concurrency: Option<usize>,
    /// Time limit of one run in seconds (default 900, as Netlify).
    pub timeout: Option<f64>,
    /// Largest request body accepted, in bytes (default 262144, Netlify's 256 KB).
    pub payload_limit: Option<usize>,
    /// Finished jobs kept in the store, newest first (default 1000).
    pub keep_finished: Option<usize>,
    /// Days finished jobs are kept (default 7).
    pub keep_days: Option<f64>,
}

/// `[netlify]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NetlifySettings {
    /// Time limit in seconds of a synchronous function without its own `timeout` (default 60,
    /// Netlify production's).
    pub timeout: Option<f64>,
}

/// `[workers]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Number of Node processes (default: one per CPU core).
    pub count: Option<usize>,
    /// Requests one worker serves at once before it counts as saturated (default 128).
    pub concurrency: Option<usize>,
    /// Requests that may wait for a worker when all are saturated (default 1024).
    pub queue_limit: Option<usize>,
    /// How long a request may wait for a worker before it gets 503, in ms (default 10000).
    pub queue_timeout_ms: Option<u64>,
}

/// `[functions]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FunctionSettings {
    /// Time limit in seconds of a route without `maxDuration` (default 300).
    pub timeout: Option<f64>,
}

impl Settings {
    /// Reads `<root>/petrel.toml`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<Settings, String> {
        let path = root.join("petrel.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Settings::default());
            }
            Err(err) => return Err(format!("petrel.toml: could not read: {err}")),
        };
        let settings: Settings = toml::from_str(&text).map_err(|err| {
            let location = err
                .span()
                .map(|span| {
                    let line = text[..span.start].matches('\n').count() + 1;
                    format!(":{line}")
                })
                .unwrap_or_default();
            format!("petrel.toml{location}: {}", err.message())
        })?;
        settings.schedules.defaults.check("[schedules]")?;
        for (name, policy) in &settings.schedules.functions {
            policy.check(&format!("[schedules.functions.\"{name}\"]"))?;
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("petrel.toml"),
            "[workers]\ncount = 2\nconcurency = 3\n",
        )
        .unwrap();
        let err = Settings::load(dir.path()).unwrap_err();
        assert!(err.starts_with("petrel.toml:3:"), "{err}");
        assert!(err.contains("concurency"), "{err}");
    }

    #[test]
    fn background_retry_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("petrel.toml"),
            "[background]\nmax_attempts = 5\nretry_backoff = { base = 30 }\nretry_jitter = 0.1\n",
        )
        .unwrap();
        let settings = Settings::load(dir.path()).unwrap();
        let background = settings.background;
        assert_eq!(background.max_attempts, Some(5));
        assert_eq!(
            background.retry_backoff,
            Some(RetryBackoff {
                base: 30.0,
                factor: 2.0,
                cap: 3600.0
            })
        );
        assert_eq!(background.retry_jitter, Some(0.1));
    }

    #[test]
    fn schedule_policies() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| std::fs::write(dir.path().join("petrel.toml"), text).unwrap();
        write(
            "[schedules]\noverlap = \"allow\"\ntimeout = 10\n\n[schedules.functions.\"nightly\"]\nmissed = \"all\"\nmissed_cap = 5\n",
        );
        let settings = Settings::load(dir.path()).unwrap().schedules;
        assert_eq!(settings.defaults.overlap(), Some(Overlap::Allow));
        assert_eq!(settings.defaults.timeout, Some(10.0));
        let nightly = &settings.functions["nightly"];
        assert_eq!(nightly.missed(), Some(MissedRuns::All));
        assert_eq!(nightly.missed_cap, Some(5));

        write("[schedules.functions.\"/api/cron\"]\noverlap = \"sometimes\"\n");
        let err = Settings::load(dir.path()).unwrap_err();
        assert!(
            err.contains("[schedules.functions.\"/api/cron\"] overlap")
                && err.contains("queue-one"),
            "{err}"
        );
        write("[schedules]\nmised = \"all\"\n");
        assert!(Settings::load(dir.path()).unwrap_err().contains("mised"));
    }

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Settings::default());
    }
}

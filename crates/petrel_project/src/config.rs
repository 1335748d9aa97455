//! A Pages API route's `export const config`, checked and turned into typed settings.
//!
//! Extraction (what is literal, where a value sits in the file) belongs to `petrel_compile`;
//! this module decides what the values mean, with Next's defaults.

use petrel_compile::StaticExports;
use serde_json::Value;

/// Which runtime a route asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// `nodejs` (default): `(req, res)` handler.
    Nodejs,
    /// `edge` / `experimental-edge`: `(Request) => Response`, run in Node with the Web APIs.
    Edge,
}

/// Netlify's legacy "advanced API route" kinds, kept for the background/scheduled work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteKind {
    /// A normal API route.
    Normal,
    /// `config.type = "experimental-background"`.
    Background,
    /// `config.type = "experimental-scheduled"` with its `schedule`.
    Scheduled {
        /// The cron expression, if given.
        schedule: Option<String>,
    },
}

/// The settings of one Pages API route.
#[derive(Debug, Clone, PartialEq)]
pub struct PagesApiConfig {
    /// `api.bodyParser !== false`.
    pub body_parser: bool,
    /// `api.bodyParser.sizeLimit` as written (string or number), default `"1mb"`.
    pub size_limit: Value,
    /// `api.responseLimit` as written (bool, string or number), default `true` (4 MB).
    pub response_limit: Value,
    /// `api.externalResolver`.
    pub external_resolver: bool,
    /// `maxDuration` in seconds (config or top-level export).
    pub max_duration: Option<f64>,
    /// `runtime` (config or top-level export).
    pub runtime: Runtime,
    /// Legacy Netlify route kind from `config.type`.
    pub kind: RouteKind,
    /// Petrel's `overlap` policy of a scheduled route.
    pub overlap: Option<petrel_jobs::Overlap>,
    /// Petrel's `missed` (missed-run) policy of a scheduled route.
    pub missed: Option<petrel_schedule::scheduler::MissedRuns>,
}

impl Default for PagesApiConfig {
    fn default() -> Self {
        PagesApiConfig {
            body_parser: true,
            size_limit: Value::String("1mb".into()),
            response_limit: Value::Bool(true),
            external_resolver: false,
            max_duration: None,
            runtime: Runtime::Nodejs,
            kind: RouteKind::Normal,
            overlap: None,
            missed: None,
        }
    }
}

/// Petrel's own schedule keys of a config object (`overlap`, `missed`), checked.
pub(crate) fn schedule_policies(
    object: &serde_json::Map<String, Value>,
) -> Result<
    (
        Option<petrel_jobs::Overlap>,
        Option<petrel_schedule::scheduler::MissedRuns>,
    ),
    String,
> {
    let read = |key: &str| -> Result<Option<&str>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("`{key}` must be a string; found {other}")),
        }
    };
    let overlap = read("overlap")?
        .map(str::parse)
        .transpose()
        .map_err(|e| format!("`overlap`: {e}"))?;
    let missed = read("missed")?
        .map(str::parse)
        .transpose()
        .map_err(|e| format!("`missed`: {e}"))?;
    Ok((overlap, missed))
}

impl PagesApiConfig {
    /// Reads the config from a route's static exports; the error names the bad key and the fix.
    pub fn from_exports(exports: &StaticExports) -> Result<Self, String> {
        let mut config = PagesApiConfig::default();
        let empty = serde_json::Map::new();
        let object = match &exports.config {
            None => &empty,
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(format!(
                    "`config` must be an object literal, found {}",
                    describe(other)
                ));
            }
        };
        if let Some(api) = object.get("api") {
            let Value::Object(api) = api else {
                return Err(format!(
                    "`config.api` must be an object, found {}",
                    describe(api)
                ));
            };
            match api.get("bodyParser") {
                None | Some(Value::Null) | Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => config.body_parser = false,
                Some(Value::Object(parser)) => match parser.get("sizeLimit") {
                    None | Some(Value::Null) => {}
                    Some(limit) => {
                        check_size(limit)
                            .map_err(|e| format!("`config.api.bodyParser.sizeLimit` {e}"))?;
                        config.size_limit = limit.clone();
                    }
                },
                // Next treats any other truthy value as "parse with defaults".
                Some(_) => {}
            }
            match api.get("responseLimit") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => config.response_limit = Value::Bool(*b),
                Some(limit) => {
                    check_size(limit).map_err(|e| format!("`config.api.responseLimit` {e}"))?;
                    config.response_limit = limit.clone();
                }
            }
            match api.get("externalResolver") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => config.external_resolver = *b,
                Some(other) => {
                    return Err(format!(
                        "`config.api.externalResolver` must be true or false, found {}",
                        describe(other)
                    ));
                }
            }
        }
        let max_duration = object
            .get("maxDuration")
            .cloned()
            .or(exports.max_duration.map(Value::from));
        match max_duration {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if n.as_f64().is_some_and(|s| s > 0.0) => {
                config.max_duration = n.as_f64();
            }
            Some(other) => {
                return Err(format!(
                    "`maxDuration` must be a positive number of seconds, found {}",
                    describe(&other)
                ));
            }
        }
        let runtime = object
            .get("runtime")
            .cloned()
            .or(exports.runtime.clone().map(Value::String));
        match runtime.as_ref().and_then(Value::as_str) {
            None | Some("nodejs") => {}
            Some("edge" | "experimental-edge") => config.runtime = Runtime::Edge,
            Some(other) => {
                return Err(format!(
                    "`runtime` has an invalid value {other:?}; expected one of \"nodejs\", \"edge\", \"experimental-edge\""
                ));
            }
        }
        let schedule = object
            .get("schedule")
            .and_then(Value::as_str)
            .map(str::to_string);
        config.kind = match object.get("type").and_then(Value::as_str) {
            Some("experimental-background") => RouteKind::Background,
            Some("experimental-scheduled") => RouteKind::Scheduled { schedule },
            _ => RouteKind::Normal,
        };
        (config.overlap, config.missed) = schedule_policies(object)?;
        Ok(config)
    }

    /// The settings the worker's Pages adapter reads.
    pub fn worker_settings(&self) -> Value {
        serde_json::json!({
            "bodyParser": self.body_parser,
            "sizeLimit": self.size_limit,
            "responseLimit": self.response_limit,
            "externalResolver": self.external_resolver,
            "runtime": match self.runtime {
                Runtime::Nodejs => "nodejs",
                Runtime::Edge => "edge",
            },
        })
    }
}

/// Accepts what the `bytes` package parses: a non-negative number of bytes, or a string
/// like `1mb`, `500kb`, `100b`, `1.5 MB`.
fn check_size(value: &Value) -> Result<(), String> {
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|v| v >= 0.0) => Ok(()),
        Value::String(s) if parse_size(s).is_some() => Ok(()),
        other => Err(format!(
            "must be a size such as '1mb', '500kb' or a number of bytes, found {}",
            describe(other)
        )),
    }
}

/// Parses a `bytes`-style size string into bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        "tb" => 1 << 40,
        "pb" => 1 << 50,
        _ => return None,
    };
    Some((number * factor as f64).floor() as u64)
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {s:?}"),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports(config: Value) -> StaticExports {
        StaticExports {
            config: Some(config),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_match_next() {
        let c = PagesApiConfig::from_exports(&StaticExports::default()).unwrap();
        assert_eq!(c, PagesApiConfig::default());
        assert_eq!(c.worker_settings()["sizeLimit"], "1mb");
    }

    #[test]
    fn reads_api_keys_and_legacy_type() {
        let c = PagesApiConfig::from_exports(&exports(serde_json::json!({
            "api": { "bodyParser": { "sizeLimit": 50 }, "responseLimit": "8mb", "externalResolver": true },
            "maxDuration": 5,
            "type": "experimental-scheduled",
            "schedule": "@daily"
        })))
        .unwrap();
        assert!(c.body_parser);
        assert_eq!(c.size_limit, serde_json::json!(50));
        assert_eq!(c.response_limit, serde_json::json!("8mb"));
        assert!(c.external_resolver);
        assert_eq!(c.max_duration, Some(5.0));
        assert_eq!(
            c.kind,
            RouteKind::Scheduled {
                schedule: Some("@daily".into())
            }
        );
    }

    #[test]
    fn rejects_bad_values_with_the_key_name() {
        let err = PagesApiConfig::from_exports(&exports(
            serde_json::json!({ "api": { "bodyParser": { "sizeLimit": "lots" } } }),
        ))
        .unwrap_err();
        assert!(err.contains("config.api.bodyParser.sizeLimit"), "{err}");
        let err = PagesApiConfig::from_exports(&exports(serde_json::json!({ "runtime": "bun" })))
            .unwrap_err();
        assert!(err.contains("\"bun\""), "{err}");
    }

    #[test]
    fn parses_sizes_like_the_bytes_package() {
        assert_eq!(parse_size("1mb"), Some(1_048_576));
        assert_eq!(parse_size("100b"), Some(100));
        assert_eq!(parse_size("1.5 KB"), Some(1536));
        assert_eq!(parse_size("lots"), None);
    }
}

//! An App Router route handler (`app/**/route.ts`): its exported HTTP methods and its segment
//! config (`dynamic`, `revalidate`, `runtime`, `maxDuration`, …), checked the way `next build`
//! checks them.
//!
//! Extraction (what is literal, where a value sits) belongs to `petrel_compile`; this module
//! decides what the values mean.

use petrel_compile::StaticExports;
use serde_json::Value;

use crate::Runtime;

/// The HTTP methods a route handler may export, in the order Next.js lists them in `Allow`.
pub const HTTP_METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// `export const dynamic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dynamic {
    /// `auto` (default).
    Auto,
    /// `force-dynamic`.
    ForceDynamic,
    /// `force-static`: a GET-only handler is rendered once, with an emptied request.
    ForceStatic,
    /// `error`: like `force-static`, and reading request data is an error.
    Error,
}

impl Dynamic {
    fn name(self) -> &'static str {
        match self {
            Dynamic::Auto => "auto",
            Dynamic::ForceDynamic => "force-dynamic",
            Dynamic::ForceStatic => "force-static",
            Dynamic::Error => "error",
        }
    }
}

/// The segment config of one route handler.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentConfig {
    /// `dynamic`.
    pub dynamic: Dynamic,
    /// `revalidate` in seconds; `None` for `false` or when not set.
    pub revalidate: Option<f64>,
    /// `runtime`.
    pub runtime: Runtime,
    /// `maxDuration` in seconds.
    pub max_duration: Option<f64>,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        SegmentConfig {
            dynamic: Dynamic::Auto,
            revalidate: None,
            runtime: Runtime::Nodejs,
            max_duration: None,
        }
    }
}

/// The exported HTTP methods and segment config of a route handler module, or the first
/// problem, worded for people (`at` is `file` or `file (route /x)`, prefixed to located ones
/// as `file:line:column`).
pub fn read_route_handler(
    exports: &StaticExports,
    shown_file: &str,
    page: &str,
) -> Result<(Vec<String>, SegmentConfig), String> {
    let methods: Vec<String> = HTTP_METHODS
        .iter()
        .filter(|m| exports.named_exports.iter().any(|e| e == *m))
        .map(|m| (*m).to_string())
        .collect();
    let mut config = SegmentConfig {
        runtime: match exports.runtime.as_deref() {
            Some("edge" | "experimental-edge") => Runtime::Edge,
            _ => Runtime::Nodejs,
        },
        max_duration: exports.max_duration,
        ..SegmentConfig::default()
    };
    for (name, value) in &exports.segment {
        let value = match value {
            Ok(value) => value,
            Err(problem) => {
                let mut text = format!(
                    "{shown_file}:{}:{} (route {page}): {}",
                    problem.line, problem.column, problem.message
                );
                for line in problem.code_frame.lines() {
                    text.push_str("\n      ");
                    text.push_str(line);
                }
                return Err(text);
            }
        };
        let invalid = |expected: &str| {
            format!(
                "{shown_file} (route {page}): invalid segment config `{name}` = {value}: expected {expected}"
            )
        };
        match name.as_str() {
            "dynamic" => {
                config.dynamic = match value.as_str() {
                    Some("auto") => Dynamic::Auto,
                    Some("force-dynamic") => Dynamic::ForceDynamic,
                    Some("force-static") => Dynamic::ForceStatic,
                    Some("error") => Dynamic::Error,
                    _ => {
                        return Err(invalid(
                            "\"auto\", \"force-dynamic\", \"force-static\" or \"error\"",
                        ));
                    }
                }
            }
            "revalidate" => {
                config.revalidate = match value {
                    Value::Bool(false) => None,
                    Value::Number(n) if n.as_f64().is_some_and(|s| s >= 0.0) => n.as_f64(),
                    _ => return Err(invalid("false or a number of seconds (0 or more)")),
                }
            }
            "dynamicParams" if !value.is_boolean() => return Err(invalid("true or false")),
            "fetchCache" if !value.is_string() => return Err(invalid("a string")),
            // `preferredRegion` only matters to a hosting platform.
            _ => {}
        }
    }
    Ok((methods, config))
}

impl SegmentConfig {
    /// The settings the worker's App Router adapter reads.
    pub fn worker_settings(&self, methods: &[String]) -> Value {
        serde_json::json!({
            "methods": methods,
            "dynamic": self.dynamic.name(),
            "revalidate": self.revalidate,
            "runtime": match self.runtime {
                Runtime::Nodejs => "nodejs",
                Runtime::Edge => "edge",
            },
        })
    }

    /// How `petrel routes` shows it: the keys that differ from the defaults.
    pub fn summary(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if self.dynamic != Dynamic::Auto {
            parts.push(format!("dynamic={}", self.dynamic.name()));
        }
        if let Some(seconds) = self.revalidate {
            parts.push(format!("revalidate={seconds}"));
        }
        if self.runtime == Runtime::Edge {
            parts.push("runtime=edge (run in Node with the Web APIs)".to_string());
        }
        if let Some(seconds) = self.max_duration {
            parts.push(format!("maxDuration={seconds}"));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn read(source: &str) -> Result<(Vec<String>, SegmentConfig), String> {
        let exports =
            petrel_compile::extract_static_exports(Path::new("app/x/route.ts"), source).unwrap();
        read_route_handler(&exports, "app/x/route.ts", "/x")
    }

    #[test]
    fn methods_in_next_order_and_the_segment_config() {
        let (methods, config) = read(
            "export const dynamic = 'force-static';\nexport const revalidate = 60;\nexport const runtime = 'edge';\nexport const maxDuration = 5;\nexport const preferredRegion = 'iad1';\nexport async function POST() {}\nexport const GET = () => new Response('x');\nexport function helper() {}\n",
        )
        .unwrap();
        assert_eq!(methods, ["GET", "POST"]);
        assert_eq!(
            config,
            SegmentConfig {
                dynamic: Dynamic::ForceStatic,
                revalidate: Some(60.0),
                runtime: Runtime::Edge,
                max_duration: Some(5.0),
            }
        );
        assert_eq!(
            config.summary(),
            [
                "dynamic=force-static",
                "revalidate=60",
                "runtime=edge (run in Node with the Web APIs)",
                "maxDuration=5"
            ]
        );
        let (_, config) =
            read("export const revalidate = false;\nexport function GET() {}\n").unwrap();
        assert_eq!(config.revalidate, None);
    }

    #[test]
    fn bad_values_name_the_file_and_line() {
        let err = read("const d = 'force-static';\nexport const dynamic = d;\n").unwrap_err();
        assert!(err.starts_with("app/x/route.ts:2:24 (route /x): "), "{err}");
        assert!(err.contains("`d` is an identifier"), "{err}");
        let err = read("export const dynamic = 'sometimes';\n").unwrap_err();
        assert_eq!(
            err,
            "app/x/route.ts (route /x): invalid segment config `dynamic` = \"sometimes\": expected \"auto\", \"force-dynamic\", \"force-static\" or \"error\""
        );
        let err = read("export const revalidate = -1;\n").unwrap_err();
        assert!(err.contains("expected false or a number"), "{err}");
    }
}

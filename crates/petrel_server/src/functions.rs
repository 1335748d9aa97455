//! Routing of Netlify Functions, which comes before Next.js routing (as on Netlify, where
//! functions are matched before the framework sees the request): custom `config.path`
//! patterns, and the default URL `/.netlify/functions/<name>` (with any sub-path) for
//! functions that have none.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use petrel_router::NetlifyRouteTable;

use crate::body::ServerBody;

/// The URL prefix of every function's default route.
const DEFAULT_PREFIX: &str = "/.netlify/functions/";

/// How a function runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionMode {
    /// Answers the request.
    Sync,
    /// Answers 202 once queued, and runs from the durable job queue.
    Background,
    /// Runs on a schedule; by URL only in `petrel dev`.
    Scheduled,
}

/// What the server needs to know about a Netlify Function.
#[derive(Debug, Clone)]
pub struct FunctionTarget {
    /// Id in the workers' route table.
    pub id: u32,
    /// The function's name.
    pub name: String,
    /// Time limit of one invocation.
    pub timeout: Duration,
    /// How it runs.
    pub mode: FunctionMode,
    /// Whether the name is valid (else every request gets Netlify's 400).
    pub valid_name: bool,
    /// Its `config.path` patterns (empty: served at the default URL).
    pub paths: Vec<String>,
    /// Why it could not be built (`petrel dev` answers with it).
    pub build_error: Option<Arc<str>>,
    /// When it runs, for a scheduled function (a dev request gets the `next_run` it gives).
    pub schedule: Option<petrel_schedule::Schedule>,
}

/// The functions of one generation.
pub struct Functions {
    by_path: NetlifyRouteTable<FunctionTarget>,
    by_name: HashMap<String, FunctionTarget>,
}

impl Functions {
    /// `by_path` holds the functions with `config.path`; `all` every function.
    pub fn new(by_path: NetlifyRouteTable<FunctionTarget>, all: Vec<FunctionTarget>) -> Self {
        Functions {
            by_path,
            by_name: all.into_iter().map(|f| (f.name.clone(), f)).collect(),
        }
    }

    /// No functions.
    pub fn none() -> Self {
        Functions::new(NetlifyRouteTable::new(Vec::new()), Vec::new())
    }

    /// Whether the project has any function.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The worker route id of the function `name`.
    pub fn id_of(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).map(|f| f.id)
    }

    /// The function `name`.
    pub fn get(&self, name: &str) -> Option<&FunctionTarget> {
        self.by_name.get(name)
    }
}

/// What routing a request to the functions gave.
pub enum FunctionRoute {
    /// No function takes this request: on to the Next.js routes.
    NotMine,
    /// Answered by the host (404, 400, 501).
    Answer(Response<ServerBody>, String),
    /// The function did not build (`petrel dev` answers with its error).
    BuildError(Arc<str>, String),
    /// Queue this background function.
    Background {
        /// The function.
        target: FunctionTarget,
        /// URL params (not percent-decoded).
        params: serde_json::Map<String, serde_json::Value>,
        /// The `config.path` pattern that matched.
        pattern: Option<String>,
    },
    /// Run this function.
    Run {
        /// The function.
        target: FunctionTarget,
        /// URL params (not percent-decoded, as on Netlify).
        params: serde_json::Map<String, serde_json::Value>,
        /// The `config.path` pattern that matched, when routed by one.
        pattern: Option<String>,
    },
}

/// Routes `method` + `target` (path and query as received) among the functions.
pub fn route(functions: &Functions, method: &str, target: &str, dev: bool) -> FunctionRoute {
    if functions.is_empty() {
        return FunctionRoute::NotMine;
    }
    let pathname = target.split_once('?').map_or(target, |(p, _)| p);
    if let Some(rest) = pathname.strip_prefix(DEFAULT_PREFIX) {
        let name = rest.split('/').next().unwrap_or("");
        return match functions.by_name.get(name) {
            Some(function) if function.paths.is_empty() => {
                checked(function.clone(), serde_json::Map::new(), None, dev)
            }
            Some(function) => {
                tracing::warn!(
                    target: "petrel::server",
                    "Function {name} cannot be invoked on {pathname}, because the function has the following URL paths defined: {}",
                    function.paths.join(", ")
                );
                not_found(name)
            }
            None => not_found(name),
        };
    }
    let Some(matched) = functions.by_path.match_request(method, pathname) else {
        return FunctionRoute::NotMine;
    };
    let params = matched
        .params
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    checked(
        matched.value.clone(),
        params,
        Some(matched.pattern.to_string()),
        dev,
    )
}

/// The function, unless its name, kind or build stops it.
fn checked(
    target: FunctionTarget,
    params: serde_json::Map<String, serde_json::Value>,
    pattern: Option<String>,
    dev: bool,
) -> FunctionRoute {
    let label = target.name.clone();
    if !target.valid_name {
        return FunctionRoute::Answer(
            text(
                StatusCode::BAD_REQUEST,
                "Function name should consist only of alphanumeric characters, hyphen & underscores.",
            ),
            label,
        );
    }
    if let Some(error) = &target.build_error {
        return FunctionRoute::BuildError(error.clone(), label);
    }
    match target.mode {
        FunctionMode::Background => {
            return FunctionRoute::Background {
                target,
                params,
                pattern,
            };
        }
        // On Netlify a scheduled function is not reachable by URL; `dev` runs it now.
        FunctionMode::Scheduled if !dev => return not_found(&label),
        _ => {}
    }
    FunctionRoute::Run {
        target,
        params,
        pattern,
    }
}

fn not_found(name: &str) -> FunctionRoute {
    FunctionRoute::Answer(
        text(StatusCode::NOT_FOUND, "Function not found..."),
        name.to_string(),
    )
}

/// A plain answer of the functions router. The platform's own texts (404, 400) come without a
/// Content-Type, as `netlify dev` sends them (conformance c03, c04).
fn text(status: StatusCode, body: &str) -> Response<ServerBody> {
    let mut response = Response::new(ServerBody::full(body.to_string()));
    *response.status_mut() = status;
    if status == StatusCode::NOT_IMPLEMENTED {
        response.headers_mut().insert(
            "content-type",
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    response
}

/// Without a job queue (none configured) a background function must not run as if it were
/// synchronous.
pub(crate) fn no_queue(name: &str) -> Response<ServerBody> {
    text(
        StatusCode::NOT_IMPLEMENTED,
        &format!(
            "Function {name} is a background function, and this server has no job queue, so it is not run (and never as if it were synchronous).\n"
        ),
    )
}

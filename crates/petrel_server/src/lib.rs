//! The HTTP front of Petrel: accepts connections (hyper, HTTP/1.1), normalises the path the
//! way Next does, matches the route table, hands the request to a Node worker and streams
//! the answer back, logging one line per request.
//!
//! It owns no user code and no files: the route table and the worker pool are given to it.

pub mod background;
mod body;
mod compress;
mod fresh;
mod functions;
mod pages;

pub use body::ServerBody;
pub use fresh::{Freshness, FreshnessPublisher};
pub use functions::{FunctionMode, FunctionTarget, Functions};
pub use pages::next_etag;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderName;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use petrel_jobs::{Clock as _, SystemClock};
use petrel_router::{NormalizeOptions, Normalized, ParamValue, RouteTable};
use petrel_worker::{DispatchError, RequestMeta, WorkerBody, WorkerPool};
use tokio::net::TcpListener;

/// What the server needs to know about a routable entry.
#[derive(Debug, Clone)]
pub struct RouteTarget {
    /// Id of the route in the workers' route table.
    pub id: u32,
    /// Route pattern for logs.
    pub page: String,
    /// Time limit for the response head (`maxDuration`, else the default).
    pub timeout: Duration,
    /// A legacy Netlify "advanced API route" (`config.type = "experimental-background"`): its
    /// requests are queued as background jobs.
    pub background: bool,
    /// A legacy scheduled API route (`config.type = "experimental-scheduled"`): run by the
    /// scheduler; by URL only in `petrel dev` (Netlify answered 404).
    pub scheduled: bool,
    /// Why the route could not be built (`petrel dev` keeps serving the other routes and
    /// answers this one with the error).
    pub build_error: Option<Arc<str>>,
}

/// Settings of the front server that hold for its whole life.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// `petrel dev` (dev-style error pages) or `petrel start`.
    pub dev: bool,
}

/// One build of the project as the server serves it: the route table, the `next.config`
/// options that shape URLs, and the workers that run this build's code. `petrel dev`
/// replaces it after every change; requests already running keep the one they started with.
pub struct Generation {
    routes: RouteTable<RouteTarget>,
    /// Background and scheduled routes by page (the runner finds a job's route by it).
    routes_by_page: std::collections::HashMap<String, RouteTarget>,
    functions: Functions,
    pool: WorkerPool,
    /// The lower-priority workers that run background jobs (else `pool`).
    background_pool: Option<WorkerPool>,
    normalize: NormalizeOptions,
    /// The project has an App Router (`app/`): unmatched paths get its not-found page.
    app_router: bool,
}

impl Generation {
    /// A generation from a route table, its started workers, and `basePath`/`trailingSlash`.
    pub fn new(
        routes: RouteTable<RouteTarget>,
        pool: WorkerPool,
        base_path: String,
        trailing_slash: bool,
    ) -> Self {
        let routes_by_page = routes
            .iter()
            .map(|(_, t)| t)
            .filter(|t| t.background || t.scheduled)
            .map(|t| (t.page.clone(), t.clone()))
            .collect();
        Generation {
            routes,
            routes_by_page,
            functions: Functions::none(),
            pool,
            background_pool: None,
            normalize: NormalizeOptions {
                base_path,
                trailing_slash,
            },
            app_router: false,
        }
    }

    /// The project has an App Router: a path no route matches gets its not-found page (which
    /// varies on the RSC headers) rather than the Pages 404, as with `next start`.
    pub fn with_app_router(mut self, app_router: bool) -> Self {
        self.app_router = app_router;
        self
    }

    fn not_found(&self, dev: bool) -> Response<ServerBody> {
        let mut response = pages::error_page(StatusCode::NOT_FOUND, dev);
        if self.app_router {
            response.headers_mut().insert(
                hyper::header::VARY,
                hyper::header::HeaderValue::from_static(pages::APP_NOT_FOUND_VARY),
            );
        }
        response
    }

    /// The Netlify Functions it serves (before the Next.js routes).
    pub fn with_functions(mut self, functions: Functions) -> Self {
        self.functions = functions;
        self
    }

    /// Background jobs run on `pool` (lower-priority workers) instead of the HTTP workers.
    pub fn with_background_pool(mut self, pool: WorkerPool) -> Self {
        self.background_pool = Some(pool);
        self
    }

    /// The worker pool.
    pub fn pool(&self) -> &WorkerPool {
        &self.pool
    }

    /// The workers that run background jobs.
    pub fn background_pool(&self) -> &WorkerPool {
        self.background_pool.as_ref().unwrap_or(&self.pool)
    }

    /// Stops every worker of this generation.
    pub async fn shutdown(&self) {
        self.pool.shutdown().await;
        if let Some(pool) = &self.background_pool {
            pool.shutdown().await;
        }
    }

    /// Lets requests in flight finish (up to `max_wait`), then stops every worker.
    pub async fn drain(&self, max_wait: Duration) {
        self.pool.drain(max_wait).await;
        if let Some(pool) = &self.background_pool {
            pool.drain(max_wait).await;
        }
    }
}

/// Everything a request needs: the current generation, options, and (in dev) the hook that
/// holds requests back while a change on disk is being built.
pub struct App {
    current: RwLock<Arc<Generation>>,
    options: ServerOptions,
    freshness: Option<Freshness>,
    background: Option<Arc<background::BackgroundQueue>>,
}

impl App {
    /// Builds the app from its first generation.
    pub fn new(generation: Generation, options: ServerOptions) -> Self {
        App {
            current: RwLock::new(Arc::new(generation)),
            options,
            freshness: None,
            background: None,
        }
    }

    /// Makes requests wait for the build of changes `freshness` has seen (`petrel dev`).
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = Some(freshness);
        self
    }

    /// Queues requests to background functions in `queue` (else they get 501).
    pub fn with_background(mut self, queue: Arc<background::BackgroundQueue>) -> Self {
        self.background = Some(queue);
        self
    }

    /// The generation new requests use.
    pub fn current(&self) -> Arc<Generation> {
        self.current.read().expect("generation lock").clone()
    }

    /// Serves new requests from `generation`; returns the previous one (to drain and stop).
    pub fn replace(&self, generation: Generation) -> Arc<Generation> {
        std::mem::replace(
            &mut *self.current.write().expect("generation lock"),
            Arc::new(generation),
        )
    }
}

/// Serves connections from `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    tracing::warn!("accept failed: {err}");
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(handle(app, req, remote).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers one request.
pub async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    remote: SocketAddr,
) -> Response<ServerBody> {
    let started = Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let (response, page) = route_and_dispatch(&app, req, &target, remote).await;
    // Next's dev log leaves out its own normalisation redirects; we log them, as they help.
    tracing::info!(
        target: "petrel::request",
        method = %method,
        path = %target,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        route = page.as_deref().unwrap_or(""),
        "{method} {target} {} in {}",
        response.status().as_u16(),
        format_duration(started.elapsed()),
    );
    response
}

fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.1}s", ms / 1000.0)
    } else {
        format!("{}ms", ms.round() as u64)
    }
}

async fn route_and_dispatch(
    app: &App,
    req: Request<Incoming>,
    target: &str,
    remote: SocketAddr,
) -> (Response<ServerBody>, Option<String>) {
    let dev = app.options.dev;
    if !NODE_METHODS.contains(&req.method().as_str()) {
        return (pages::unknown_method(), None);
    }
    if let Some(freshness) = &app.freshness {
        freshness.wait().await;
    }
    let generation = app.current();
    match functions::route(&generation.functions, req.method().as_str(), target, dev) {
        functions::FunctionRoute::NotMine => {}
        functions::FunctionRoute::Answer(response, name) => return (response, Some(name)),
        functions::FunctionRoute::BuildError(error, name) => {
            let html = accepts_html(req.headers());
            return (pages::build_error(&error, html), Some(name));
        }
        functions::FunctionRoute::Background {
            target: function,
            params,
            pattern,
        } => {
            let Some(queue) = &app.background else {
                return (functions::no_queue(&function.name), Some(function.name));
            };
            let accepting = background::Accepting {
                function: &function.name,
                kind: petrel_jobs::JobKind::NetlifyBackground,
                params,
                pattern,
            };
            let response = background::accept(queue, req, target, accepting).await;
            return (response, Some(function.name));
        }
        functions::FunctionRoute::Run {
            target: function,
            params,
            pattern,
        } => {
            // `petrel dev` runs a scheduled function now, sent what the scheduler sends.
            let req = match &function.schedule {
                Some(schedule) => {
                    let now = app
                        .background
                        .as_ref()
                        .map_or_else(|| SystemClock.now_ms(), |q| q.clock().now_ms());
                    scheduled_invocation(req, schedule.next_after(now))
                }
                None => req.map(|body| body.map_err(Into::into).boxed()),
            };
            let target = Target {
                id: function.id,
                label: &function.name,
                timeout: function.timeout,
                pattern,
            };
            let response = dispatch(&generation, req, target, params, remote).await;
            return (response, Some(function.name));
        }
    }
    let pathname = match petrel_router::normalize(target, &generation.normalize) {
        Normalized::Route { pathname, .. } => pathname,
        Normalized::Redirect { location } => return (pages::normalize_redirect(&location), None),
        Normalized::BadRequest => return (pages::error_page(StatusCode::BAD_REQUEST, dev), None),
        Normalized::NotFound => return (generation.not_found(dev), None),
    };
    let Some(matched) = generation.routes.match_path(&pathname) else {
        return (generation.not_found(dev), None);
    };
    let route = matched.value;
    // On Netlify a scheduled route was rewritten to its 404 page; `next dev` runs it as a
    // normal route, and so does `petrel dev`.
    if route.scheduled && !dev {
        return (generation.not_found(dev), None);
    }
    if let Some(error) = &route.build_error {
        let html = accepts_html(req.headers());
        return (pages::build_error(error, html), Some(route.page.clone()));
    }
    let mut params = serde_json::Map::new();
    for (name, value) in matched.params {
        let value = match value {
            ParamValue::One(s) => serde_json::Value::String(s),
            ParamValue::Many(v) => {
                serde_json::Value::Array(v.into_iter().map(serde_json::Value::String).collect())
            }
        };
        params.insert(name, value);
    }
    if route.background {
        let Some(queue) = &app.background else {
            return (functions::no_queue(&route.page), Some(route.page.clone()));
        };
        let accepting = background::Accepting {
            function: &route.page,
            kind: petrel_jobs::JobKind::NextBackground,
            params,
            pattern: None,
        };
        let response = background::accept(queue, req, target, accepting).await;
        return (response, Some(route.page.clone()));
    }
    let target = Target {
        id: route.id,
        label: &route.page,
        timeout: route.timeout,
        pattern: None,
    };
    let req = req.map(|body| body.map_err(Into::into).boxed());
    let response = dispatch(&generation, req, target, params, remote).await;
    (response, Some(route.page.clone()))
}

/// The request a scheduled function gets, made from a dev request to its URL (as `netlify
/// dev` does): `POST`, the scheduler's user agent and event header, and the `next_run` body;
/// the client's other headers (the host, so `request.url` points here) are kept.
fn scheduled_invocation(req: Request<Incoming>, next_run: Option<i64>) -> Request<WorkerBody> {
    let request = petrel_schedule::scheduler::scheduled_request(req.uri().path(), next_run);
    let (mut parts, _) = req.into_parts();
    parts.method = hyper::Method::POST;
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) {
            parts.headers.insert(name, value);
        }
    }
    parts.headers.remove(hyper::header::TRANSFER_ENCODING);
    parts.headers.insert(
        hyper::header::CONTENT_LENGTH,
        hyper::header::HeaderValue::from(request.body.len()),
    );
    let body = http_body_util::Full::new(bytes::Bytes::from(request.body))
        .map_err(|never| match never {})
        .boxed();
    Request::from_parts(parts, body)
}

/// Where a request goes in the workers.
struct Target<'a> {
    id: u32,
    /// Route or function name, for messages.
    label: &'a str,
    timeout: Duration,
    /// The Netlify `config.path` pattern that matched.
    pattern: Option<String>,
}

/// Sends the request to a worker and maps the answer (or the failure) to a response.
async fn dispatch(
    generation: &Generation,
    req: Request<WorkerBody>,
    target: Target<'_>,
    params: serde_json::Map<String, serde_json::Value>,
    remote: SocketAddr,
) -> Response<ServerBody> {
    let meta = RequestMeta {
        route: target.id,
        params,
        remote_addr: remote.ip().to_canonical().to_string(),
        remote_port: remote.port(),
        pattern: target.pattern,
    };
    let negotiation = compress::Negotiation::from_request(req.method(), req.headers());
    match generation.pool.dispatch(req, &meta, target.timeout).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            for name in HOP_BY_HOP {
                parts.headers.remove(name);
            }
            let response = Response::from_parts(parts, ServerBody::Worker(body));
            compress::apply(negotiation, response)
        }
        Err(err) => dispatch_error(target.label, err),
    }
}

/// Whether the client prefers an HTML page (a browser) to plain text (curl, fetch).
fn accepts_html(headers: &hyper::HeaderMap) -> bool {
    headers
        .get_all(hyper::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// The methods Node's HTTP parser accepts (`http.METHODS` of Node 20); `next start` answers
/// any other token with a bare 400 before Next sees the request.
const NODE_METHODS: [&str; 35] = [
    "ACL",
    "BIND",
    "CHECKOUT",
    "CONNECT",
    "COPY",
    "DELETE",
    "GET",
    "HEAD",
    "LINK",
    "LOCK",
    "M-SEARCH",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MOVE",
    "NOTIFY",
    "OPTIONS",
    "PATCH",
    "POST",
    "PROPFIND",
    "PROPPATCH",
    "PURGE",
    "PUT",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "SOURCE",
    "SUBSCRIBE",
    "TRACE",
    "UNBIND",
    "UNLINK",
    "UNLOCK",
    "UNSUBSCRIBE",
];

/// Headers that describe the worker hop, not the client connection (the last one is the
/// worker's mark of a failed invocation, meant for the background runner only).
const HOP_BY_HOP: [HeaderName; 4] = [
    hyper::header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    hyper::header::TRANSFER_ENCODING,
    HeaderName::from_static(INVOCATION_ERROR_HEADER),
];

/// Set by a worker on a 500 it sent because the handler threw (or its module failed).
pub const INVOCATION_ERROR_HEADER: &str = "x-petrel-invocation-error";

fn dispatch_error(page: &str, err: DispatchError) -> Response<ServerBody> {
    match err {
        DispatchError::Saturated | DispatchError::NoWorker => {
            tracing::warn!(target: "petrel::server", page, "503 for {page}: {err}");
            pages::host_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable: every Petrel worker is busy. Retry shortly.\n",
            )
        }
        DispatchError::Timeout { after } => {
            tracing::error!(
                target: "petrel::server",
                page,
                "{page} did not respond within {}s and was answered with 504. Raise `maxDuration` in the route's config if it needs longer.",
                after.as_secs_f64()
            );
            pages::host_error(
                StatusCode::GATEWAY_TIMEOUT,
                &format!(
                    "Gateway Timeout: {page} did not respond within {}s.\n",
                    after.as_secs_f64()
                ),
            )
        }
        DispatchError::WorkerLost { pid, detail } => {
            tracing::error!(
                target: "petrel::server",
                page,
                "request to {page} failed: worker {pid}: {detail}"
            );
            pages::host_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

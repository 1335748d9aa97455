//! The HTTP front of Petrel: accepts connections (hyper, HTTP/1.1), normalises the path the
//! way Next does, matches the route table, hands the request to a Node worker and streams
//! the answer back, logging one line per request.
//!
//! It owns no user code and no files: the route table and the worker pool are given to it.

mod body;
mod compress;
mod pages;

pub use body::ServerBody;
pub use pages::next_etag;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderName;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use petrel_router::{NormalizeOptions, Normalized, ParamValue, RouteTable};
use petrel_worker::{DispatchError, RequestMeta, WorkerPool};
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
}

/// Settings of the front server.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// `basePath` from next.config ("" when none).
    pub base_path: String,
    /// `trailingSlash` from next.config.
    pub trailing_slash: bool,
    /// `petrel dev` (dev-style error pages) or `petrel start`.
    pub dev: bool,
}

/// Everything a request needs: routes, workers, options.
pub struct App {
    routes: RouteTable<RouteTarget>,
    pool: WorkerPool,
    options: ServerOptions,
    normalize: NormalizeOptions,
}

impl App {
    /// Builds the app from a route table and a started worker pool.
    pub fn new(routes: RouteTable<RouteTarget>, pool: WorkerPool, options: ServerOptions) -> Self {
        let normalize = NormalizeOptions {
            base_path: options.base_path.clone(),
            trailing_slash: options.trailing_slash,
        };
        App {
            routes,
            pool,
            options,
            normalize,
        }
    }

    /// The worker pool.
    pub fn pool(&self) -> &WorkerPool {
        &self.pool
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
    let pathname = match petrel_router::normalize(target, &app.normalize) {
        Normalized::Route { pathname, .. } => pathname,
        Normalized::Redirect { location } => return (pages::normalize_redirect(&location), None),
        Normalized::BadRequest => return (pages::error_page(StatusCode::BAD_REQUEST, dev), None),
        Normalized::NotFound => return (pages::error_page(StatusCode::NOT_FOUND, dev), None),
    };
    let Some(matched) = app.routes.match_path(&pathname) else {
        return (pages::error_page(StatusCode::NOT_FOUND, dev), None);
    };
    let route = matched.value;
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
    let meta = RequestMeta {
        route: route.id,
        params,
        remote_addr: remote.ip().to_canonical().to_string(),
        remote_port: remote.port(),
    };
    let negotiation = compress::Negotiation::from_request(req.method(), req.headers());
    let request = req.map(|body| body.map_err(Into::into).boxed());
    let page = Some(route.page.clone());
    match app.pool.dispatch(request, &meta, route.timeout).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            for name in HOP_BY_HOP {
                parts.headers.remove(name);
            }
            let response = Response::from_parts(parts, ServerBody::Worker(body));
            (compress::apply(negotiation, response), page)
        }
        Err(err) => (dispatch_error(&route.page, err), page),
    }
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

/// Headers that describe the worker hop, not the client connection.
const HOP_BY_HOP: [HeaderName; 3] = [
    hyper::header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    hyper::header::TRANSFER_ENCODING,
];

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

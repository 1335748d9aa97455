//! The composition root: loads the project, starts the worker pool and the HTTP server, and
//! wires them together. The only place that knows every crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use petrel_project::{Mode, Project};
use petrel_router::{RoutePattern, RouteTable};
use petrel_server::{App, RouteTarget, ServerOptions};
use petrel_worker::{PoolConfig, ServerAddress, ToWorker, WorkerPool, WorkerRoute};
use tokio::net::TcpListener;

use crate::output;

/// Time limit of a handler without `maxDuration` (DECISIONS.md: 300 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// What `start` (and later `dev`) need to serve a project.
pub struct ServeSettings {
    pub dir: PathBuf,
    pub hostname: String,
    pub port: u16,
    pub workers: Option<usize>,
    pub dev: bool,
    pub json: bool,
}

/// Loads, builds and serves a project until Ctrl-C / SIGTERM.
pub async fn serve_project(settings: ServeSettings) -> anyhow::Result<()> {
    let started = Instant::now();
    let mode = if settings.dev { Mode::Dev } else { Mode::Start };
    let dir = settings.dir.clone();
    let project = tokio::task::spawn_blocking(move || petrel_project::load(&dir, mode))
        .await
        .context("the build task panicked")??;
    tracing::debug!(
        "project loaded and built in {} ms",
        started.elapsed().as_millis()
    );
    for warning in &project.warnings {
        tracing::warn!(target: "petrel::build", "{warning}");
    }

    let listener = TcpListener::bind((settings.hostname.as_str(), settings.port))
        .await
        .with_context(|| {
            format!(
                "could not listen on {}:{}; is another server using the port? Pick another with --port",
                settings.hostname, settings.port
            )
        })?;
    let addr = listener.local_addr()?;

    let default_timeout = project
        .settings
        .functions
        .timeout
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT);
    let (table, worker_routes) = route_tables(&project, default_timeout)?;
    let init = ToWorker::Init {
        routes: worker_routes,
        dev: settings.dev,
        base_path: project.base_path.clone(),
        root: project.root.clone(),
        server: ServerAddress {
            host: client_host(&settings.hostname, addr),
            port: addr.port(),
        },
    };
    let process_env: std::collections::HashMap<String, String> = std::env::vars().collect();
    let env_files = petrel_project::load_env_files(&project.root, mode, &process_env)
        .map_err(anyhow::Error::msg)?;
    let mut pool_config = PoolConfig::new(project.root.clone());
    pool_config.env.extend(env_files.vars.iter().cloned());
    let workers = &project.settings.workers;
    if let Some(n) = settings.workers.or(workers.count) {
        pool_config.workers = n.max(1);
    }
    if let Some(n) = workers.concurrency {
        pool_config.concurrency_per_worker = n.max(1);
    }
    if let Some(n) = workers.queue_limit {
        pool_config.queue_limit = n;
    }
    if let Some(ms) = workers.queue_timeout_ms {
        pool_config.queue_timeout = Duration::from_millis(ms);
    }
    pool_config.env.push((
        "NODE_ENV".into(),
        if settings.dev {
            "development"
        } else {
            "production"
        }
        .into(),
    ));
    let pool = WorkerPool::start(pool_config, init)
        .await
        .context("could not start the Node workers")?;
    tracing::debug!("workers ready at {} ms", started.elapsed().as_millis());

    let app = Arc::new(App::new(
        table,
        pool.clone(),
        ServerOptions {
            base_path: project.base_path.clone(),
            trailing_slash: project.trailing_slash,
            dev: settings.dev,
        },
    ));
    output::ready(
        &settings.hostname,
        addr,
        &project,
        &env_files.files,
        started.elapsed(),
        settings.json,
    );
    let served = petrel_server::serve(listener, app, shutdown_signal()).await;
    pool.shutdown().await;
    served.context("the HTTP server failed")
}

/// Builds the router's table and the workers' route list from the project.
fn route_tables(
    project: &Project,
    default_timeout: Duration,
) -> anyhow::Result<(RouteTable<RouteTarget>, Vec<WorkerRoute>)> {
    let mut entries = Vec::new();
    let mut worker_routes = Vec::new();
    for (index, route) in project.routes.iter().enumerate() {
        let id = index as u32;
        let pattern = RoutePattern::parse(&route.page)
            .with_context(|| format!("bad route pattern for {}", route.file.display()))?;
        let timeout = route
            .config
            .max_duration
            .map(Duration::from_secs_f64)
            .unwrap_or(default_timeout);
        entries.push((
            pattern,
            RouteTarget {
                id,
                page: route.page.clone(),
                timeout,
            },
        ));
        worker_routes.push(WorkerRoute {
            id,
            page: route.page.clone(),
            module: route.module.clone(),
            kind: "pages",
            config: route.config.worker_settings(),
        });
    }
    Ok((RouteTable::new(entries)?, worker_routes))
}

/// The host name clients use for this listener (what `x-forwarded-host` carries).
fn client_host(hostname: &str, addr: SocketAddr) -> String {
    match hostname {
        "0.0.0.0" | "::" => "localhost".into(),
        _ => addr.ip().to_string(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

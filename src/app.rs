//! The composition root: loads the project, starts the worker pool and the HTTP server, and
//! wires them together. The only place that knows every crate.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use petrel_jobs::Clock;
use petrel_project::{FunctionApi, Mode, Project, ProjectBuilder, Settings};
use petrel_router::{NetlifyPath, NetlifyRoute, NetlifyRouteTable, RoutePattern, RouteTable};
use petrel_schedule::scheduler::ScheduledTarget;
use petrel_server::{
    App, Freshness, FunctionMode, FunctionTarget, Functions, Generation, RouteTarget, ServerOptions,
};
use petrel_worker::{PoolConfig, ServerAddress, ToWorker, WorkerPool, WorkerRoute};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::{dev, output};

/// Time limit of a handler without `maxDuration` (DECISIONS.md: 300 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Time limit of a synchronous Netlify Function without `timeout` (DECISIONS.md: Netlify
/// production's 60 s).
const NETLIFY_SYNC_TIMEOUT: Duration = Duration::from_secs(60);
/// Time limit of a scheduled run (Netlify's 30 s), unless configured.
const SCHEDULED_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest buffered request body of a Netlify Function (Netlify's 6 MB).
const NETLIFY_BODY_LIMIT: u64 = 6_000_000;

/// What `start` and `dev` need to serve a project.
pub struct ServeSettings {
    pub dir: PathBuf,
    pub hostname: String,
    pub port: u16,
    pub workers: Option<usize>,
    pub dev: bool,
    pub json: bool,
    /// `--clock-speed`: Petrel's clock runs this many times faster than real time.
    pub clock_speed: Option<f64>,
    /// `--clock-start`: Petrel's clock starts at this time (ms since the epoch).
    pub clock_start_ms: Option<i64>,
}

impl ServeSettings {
    pub fn mode(&self) -> Mode {
        if self.dev { Mode::Dev } else { Mode::Start }
    }

    /// The clock of the scheduler and the job queue: the real one, unless `--clock-speed` or
    /// `--clock-start` asked for another.
    pub fn clock(&self) -> Arc<dyn Clock> {
        if self.clock_speed.is_none() && self.clock_start_ms.is_none() {
            return Arc::new(petrel_jobs::SystemClock);
        }
        let start = self
            .clock_start_ms
            .unwrap_or_else(|| petrel_jobs::SystemClock.now_ms());
        Arc::new(petrel_jobs::ScaledClock::new(
            start,
            self.clock_speed.unwrap_or(1.0),
        ))
    }
}

/// What every generation of workers shares: where the server listens and how it was asked
/// to run.
pub struct Launch {
    pub settings: ServeSettings,
    pub addr: SocketAddr,
    /// Where background jobs' console output goes (set once the job store is open).
    pub job_log: std::sync::OnceLock<petrel_worker::JobLogSink>,
    /// Where `petrel dev` sends the schedules of each new build (set once the scheduler runs).
    pub schedules: std::sync::OnceLock<watch::Sender<Vec<ScheduledTarget>>>,
}

/// Loads, builds and serves a project until Ctrl-C / SIGTERM.
pub async fn serve_project(settings: ServeSettings) -> anyhow::Result<()> {
    let started = Instant::now();
    let mode = settings.mode();
    let mut builder = ProjectBuilder::new(&settings.dir, mode)?;
    let root = builder.root().to_path_buf();
    let listener = TcpListener::bind((settings.hostname.as_str(), settings.port))
        .await
        .with_context(|| {
            format!(
                "could not listen on {}:{}; is another server using the port? Pick another with --port",
                settings.hostname, settings.port
            )
        })?;
    let addr = listener.local_addr()?;
    let launch = Arc::new(Launch {
        settings,
        addr,
        job_log: std::sync::OnceLock::new(),
        schedules: std::sync::OnceLock::new(),
    });

    // The workers boot (~60 ms of Node start-up) while the project is read and built (which
    // may itself run Node for next.config): they get the routes and the environment by
    // message once the build is done.
    let petrel_settings =
        Settings::load(&root).map_err(|e| petrel_project::ProjectError::Build(vec![e]))?;
    let early_pool = tokio::spawn(WorkerPool::start(
        pool_config(&launch, &root, &petrel_settings),
        worker_init(&launch, &root, "", Vec::new(), Vec::new()),
    ));
    let (builder, built) = tokio::task::spawn_blocking(move || {
        let built = builder.build();
        (builder, built)
    })
    .await
    .context("the build task panicked")?;
    let dev = launch.settings.dev;
    let project = match built.and_then(|p| if dev { Ok(p) } else { p.require_all_routes() }) {
        Ok(project) => project,
        Err(err) => {
            if let Ok(Ok(pool)) = early_pool.await {
                pool.shutdown().await;
            }
            return Err(err.into());
        }
    };
    if launch.settings.dev {
        dev::report_route_errors(&project, &mut Default::default());
    }
    tracing::debug!(
        "project loaded and built in {} ms",
        started.elapsed().as_millis()
    );
    for warning in &project.warnings {
        tracing::warn!(target: "petrel::build", "{warning}");
    }
    if !dev {
        // A bad schedule stops nothing else (`petrel dev` prints these with the other errors).
        for error in project.schedule_errors(true) {
            tracing::error!(
                target: "petrel::build",
                "{error}\n   This function is not scheduled; everything else runs. Fix the schedule and restart."
            );
        }
    }

    let clock = launch.settings.clock();
    let queue = match open_job_queue(&project, launch.settings.dev, clock.clone()) {
        Ok(queue) => queue,
        Err(err) => {
            if let Ok(Ok(pool)) = early_pool.await {
                pool.shutdown().await;
            }
            return Err(err);
        }
    };
    if let Some(queue) = &queue {
        let _ = launch.job_log.set(job_log_sink(queue.store().clone()));
    }
    let pool = early_pool
        .await
        .context("the worker start task panicked")?
        .context("could not start the Node workers")?;
    let generation = start_generation(&launch, &project, Some(pool))
        .await
        .context("could not start the Node workers")?;
    tracing::debug!("workers ready at {} ms", started.elapsed().as_millis());

    let dev = launch.settings.dev;
    let mut app = App::new(generation, ServerOptions { dev });
    let mut watching = None;
    if dev {
        let (freshness, publisher) = Freshness::new();
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let watch = dev::ProjectWatch::new(builder.root(), publisher, events_tx)
            .context(
                "could not watch the project folder for changes (if the system's inotify limit was reached, raise it: sudo sysctl fs.inotify.max_user_watches=524288)",
            )?;
        let probe = watch.clone();
        app = app.with_freshness(freshness.with_probe(move || probe.probe()));
        watching = Some((watch, events_rx));
    }
    if let Some(queue) = &queue {
        app = app.with_background(queue.clone());
    }
    let app = Arc::new(app);
    let (stop_jobs, jobs_stopped) = watch::channel(false);
    let mut job_tasks = Vec::new();
    if let Some(queue) = queue {
        let host = match client_host(&launch.settings.hostname, addr) {
            ip6 if ip6.contains(':') => format!("[{ip6}]:{}", addr.port()),
            name => format!("{name}:{}", addr.port()),
        };
        let runner = petrel_server::background::Runner::new(app.clone(), queue.clone(), &host);
        job_tasks.push(tokio::spawn(runner.run(jobs_stopped.clone())));
        // The scheduler writes each occurrence as a job, and wakes the runner for it.
        let targets = scheduled_targets(&project);
        if !targets.is_empty() {
            tracing::info!(
                target: "petrel::schedules",
                "Scheduler started with {} schedule(s); `petrel schedules` lists them",
                targets.len()
            );
        }
        let (schedules, targets) = watch::channel(targets);
        let _ = launch.schedules.set(schedules);
        let scheduler = petrel_schedule::scheduler::Scheduler::new(queue.store().clone(), clock);
        let woken = queue.clone();
        job_tasks.push(tokio::spawn(petrel_schedule::scheduler::run(
            scheduler,
            targets,
            jobs_stopped,
            Arc::new(move |_job: &petrel_jobs::Job| woken.notify_queued()),
        )));
    }
    let dev_session = match watching {
        Some((watch, events_rx)) => Some(dev::DevSession::start(
            app.clone(),
            launch.clone(),
            builder,
            &project,
            watch,
            events_rx,
        )?),
        None => None,
    };
    output::ready(
        &launch.settings.hostname,
        addr,
        &project,
        &project.env_files,
        started.elapsed(),
        launch.settings.json,
    );
    let served = petrel_server::serve(listener, app.clone(), shutdown_signal()).await;
    if let Some(session) = dev_session {
        session.stop().await;
    }
    let _ = stop_jobs.send(true);
    for task in job_tasks {
        let _ = task.await;
    }
    app.current().shutdown().await;
    served.context("the HTTP server failed")
}

/// Where the background job store lives (`.petrel/jobs.sqlite`).
pub fn job_store_path(root: &Path) -> PathBuf {
    root.join(".petrel").join("jobs.sqlite")
}

/// The durable job queue, when the project has background or scheduled functions or a store
/// from an earlier run (whose unfinished jobs must still run), and always in `dev`.
fn open_job_queue(
    project: &Project,
    dev: bool,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Option<Arc<petrel_server::background::BackgroundQueue>>> {
    let path = job_store_path(&project.root);
    // `dev` always has a queue: a background function added while it runs must work at once.
    if !dev && !has_jobs(project) && !path.exists() {
        return Ok(None);
    }
    let store = petrel_jobs::SqliteStore::open(&path)
        .with_context(|| format!("could not open the background job store {}", path.display()))?;
    let configured = &project.settings.background;
    let mut settings = petrel_server::background::BackgroundSettings::default();
    if let Some(n) = configured.max_attempts {
        settings.max_attempts = n.max(1);
    }
    let jitter = configured.retry_jitter.unwrap_or(0.0).clamp(0.0, 1.0);
    if let Some(backoff) = &configured.retry_backoff {
        settings.retry = Arc::new(petrel_jobs::RetryPolicy::exponential(
            (backoff.base * 1000.0) as i64,
            backoff.factor,
            (backoff.cap * 1000.0) as i64,
            settings.max_attempts.saturating_sub(1),
            jitter,
        ));
    } else if let Some(delays) = &configured.retry_delays {
        settings.retry = Arc::new(petrel_jobs::RetryPolicy {
            delays_ms: delays.iter().map(|s| (s * 1000.0) as i64).collect(),
            jitter,
        });
    } else if jitter > 0.0 {
        settings.retry = Arc::new(petrel_jobs::RetryPolicy {
            jitter,
            ..petrel_jobs::RetryPolicy::netlify()
        });
    }
    if let Some(n) = configured.concurrency {
        settings.concurrency = n.max(1);
    }
    if let Some(seconds) = configured.timeout {
        settings.run_timeout = Duration::from_secs_f64(seconds);
    }
    if let Some(bytes) = configured.payload_limit {
        settings.payload_limit = bytes;
    }
    if let Some(n) = configured.keep_finished {
        settings.keep_finished = n;
    }
    if let Some(days) = configured.keep_days {
        settings.keep_for = Duration::from_secs_f64(days * 86_400.0);
    }
    Ok(Some(petrel_server::background::BackgroundQueue::new(
        Arc::new(store),
        clock,
        settings,
    )))
}

/// The schedule settings of `name` (a function, or a Next.js page): the function's own
/// config first, then `[schedules.functions."name"]`, then `[schedules]`.
struct SchedulePolicy<'a> {
    own: &'a petrel_project::SchedulePolicy,
    defaults: &'a petrel_project::SchedulePolicy,
}

impl<'a> SchedulePolicy<'a> {
    fn of(project: &'a Project, name: &str) -> Self {
        static NONE: std::sync::LazyLock<petrel_project::SchedulePolicy> =
            std::sync::LazyLock::new(Default::default);
        let schedules = &project.settings.schedules;
        SchedulePolicy {
            own: schedules.functions.get(name).unwrap_or(&NONE),
            defaults: &schedules.defaults,
        }
    }

    fn timeout(&self) -> Duration {
        self.own
            .timeout
            .or(self.defaults.timeout)
            .map(Duration::from_secs_f64)
            .unwrap_or(SCHEDULED_TIMEOUT)
    }

    fn target(
        &self,
        function: &str,
        kind: petrel_jobs::JobKind,
        schedule: petrel_schedule::Schedule,
        path: String,
        overlap: Option<petrel_jobs::Overlap>,
        missed: Option<petrel_schedule::scheduler::MissedRuns>,
    ) -> ScheduledTarget {
        ScheduledTarget {
            function: function.to_string(),
            kind,
            schedule,
            path,
            overlap: overlap
                .or(self.own.overlap())
                .or(self.defaults.overlap())
                .unwrap_or_default(),
            missed: missed
                .or(self.own.missed())
                .or(self.defaults.missed())
                .unwrap_or_default(),
            missed_cap: self
                .own
                .missed_cap
                .or(self.defaults.missed_cap)
                .unwrap_or(petrel_schedule::scheduler::DEFAULT_MISSED_CAP),
            max_attempts: self
                .own
                .max_attempts
                .or(self.defaults.max_attempts)
                .unwrap_or(1)
                .max(1),
        }
    }
}

/// Every schedule of the project that built (a broken one is reported and not fired).
pub fn scheduled_targets(project: &Project) -> Vec<ScheduledTarget> {
    let mut targets = Vec::new();
    for function in &project.functions {
        let config = &function.config;
        let Some(cron) = &config.schedule else {
            continue;
        };
        if function.error.is_some() || !function.valid_name {
            continue;
        }
        let Ok(schedule) = petrel_schedule::Schedule::parse(cron) else {
            continue;
        };
        targets.push(SchedulePolicy::of(project, &function.name).target(
            &function.name,
            petrel_jobs::JobKind::NetlifyScheduled,
            schedule,
            format!("/.netlify/functions/{}", function.name),
            config.overlap,
            config.missed,
        ));
    }
    for route in &project.routes {
        let petrel_project::RouteKind::Scheduled {
            schedule: Some(cron),
        } = &route.config.kind
        else {
            continue;
        };
        if route.error.is_some() {
            continue;
        }
        let Ok(schedule) = petrel_schedule::Schedule::parse(cron) else {
            continue;
        };
        targets.push(SchedulePolicy::of(project, &route.page).target(
            &route.page,
            petrel_jobs::JobKind::NextScheduled,
            schedule,
            format!("{}{}", project.base_path, route.page),
            route.config.overlap,
            route.config.missed,
        ));
    }
    targets
}

/// Writes the lines background jobs print into their job's log, from one thread (a store
/// write waits for a commit; the worker's messages must not wait for it).
fn job_log_sink(store: Arc<dyn petrel_jobs::JobStore>) -> petrel_worker::JobLogSink {
    let (tx, rx) = std::sync::mpsc::channel::<(String, u32, String)>();
    std::thread::Builder::new()
        .name("petrel-job-log".into())
        .spawn(move || {
            use petrel_jobs::Clock as _;
            while let Ok((job, attempt, line)) = rx.recv() {
                let now = petrel_jobs::SystemClock.now_ms();
                if let Err(err) = store.append_log(&job, attempt, &line, now) {
                    tracing::warn!(target: "petrel::jobs", "could not keep a log line of job {job}: {err}");
                }
            }
        })
        .expect("spawn the job log thread");
    let tx = std::sync::Mutex::new(tx);
    petrel_worker::JobLogSink(Arc::new(move |job, attempt, line| {
        let _ = tx
            .lock()
            .expect("job log channel")
            .send((job, attempt, line));
    }))
}

/// Whether any function or route of the project runs from the job queue (in the background
/// or on a schedule).
fn has_jobs(project: &Project) -> bool {
    project
        .functions
        .iter()
        .any(|f| f.config.background || f.config.schedule.is_some())
        || project.routes.iter().any(|r| {
            matches!(
                r.config.kind,
                petrel_project::RouteKind::Background | petrel_project::RouteKind::Scheduled { .. }
            )
        })
}

/// The default time limit of a handler (petrel.toml `[functions] timeout`, else 300 s).
fn default_timeout(project: &Project) -> Duration {
    project
        .settings
        .functions
        .timeout
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// Builds the route table and starts workers for `project`. `spare`, when given, is a pool
/// started earlier that never served: it is given this project's routes and environment
/// instead of starting new processes (`petrel dev` keeps one ready for the next change).
pub async fn start_generation(
    launch: &Launch,
    project: &Project,
    spare: Option<WorkerPool>,
) -> anyhow::Result<Generation> {
    let (table, functions, init) = route_tables(launch, project)?;
    // The background workers get the same table (built once).
    let background_init = has_jobs(project).then(|| init.clone());
    let pool = match spare {
        Some(pool) => {
            pool.update_init(init);
            pool
        }
        None => {
            WorkerPool::start(pool_config(launch, &project.root, &project.settings), init).await?
        }
    };
    let mut generation = Generation::new(
        table,
        pool,
        project.base_path.clone(),
        project.trailing_slash,
    )
    .with_functions(functions)
    .with_app_router(project.app_dir.is_some());
    if let Some(init) = background_init {
        // Jobs run on their own, lower-priority workers (DECISIONS.md), so a CPU-heavy job
        // does not slow the HTTP workers down.
        let mut config = pool_config(launch, &project.root, &project.settings);
        config.workers = 1;
        config.nice = Some(19);
        config.job_log = launch.job_log.get().cloned();
        let background = WorkerPool::start(config, init).await?;
        generation = generation.with_background_pool(background);
    }
    Ok(generation)
}

/// Starts workers with no routes, to be given routes later by [`start_generation`].
pub async fn start_spare_pool(launch: &Launch, project: &Project) -> anyhow::Result<WorkerPool> {
    let init = worker_init(launch, &project.root, "", Vec::new(), Vec::new());
    Ok(WorkerPool::start(pool_config(launch, &project.root, &project.settings), init).await?)
}

fn pool_config(launch: &Launch, root: &Path, project_settings: &Settings) -> PoolConfig {
    let settings = &launch.settings;
    let mut pool_config = PoolConfig::new(root.to_path_buf());
    let workers = &project_settings.workers;
    // `next dev` is one process; one worker also makes a reload after a change cheapest.
    let default_count = if settings.dev { Some(1) } else { None };
    if let Some(n) = settings.workers.or(workers.count).or(default_count) {
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
    // What Netlify's CLI sets for functions run locally (`Netlify.env.get("CONTEXT")`,
    // `purgeCache` skipping), unless the real environment says otherwise.
    for (key, value) in [
        ("CONTEXT", if settings.dev { "dev" } else { "production" }),
        ("NETLIFY_LOCAL", "true"),
    ] {
        if std::env::var_os(key).is_none() {
            pool_config.env.push((key.into(), value.into()));
        }
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
    pool_config
}

fn worker_init(
    launch: &Launch,
    root: &Path,
    base_path: &str,
    routes: Vec<WorkerRoute>,
    env: Vec<(String, String)>,
) -> ToWorker {
    ToWorker::Init {
        routes,
        env,
        dev: launch.settings.dev,
        base_path: base_path.to_string(),
        root: root.to_path_buf(),
        server: ServerAddress {
            host: client_host(&launch.settings.hostname, launch.addr),
            port: launch.addr.port(),
        },
    }
}

/// Builds the router's table and the workers' init message from the project.
fn route_tables(
    launch: &Launch,
    project: &Project,
) -> anyhow::Result<(RouteTable<RouteTarget>, Functions, ToWorker)> {
    let default_timeout = default_timeout(project);
    let mut entries = Vec::new();
    let mut worker_routes = Vec::new();
    for (index, route) in project.routes.iter().enumerate() {
        let id = index as u32;
        let pattern = RoutePattern::parse(&route.page)
            .with_context(|| format!("bad route pattern for {}", route.file.display()))?;
        let scheduled = matches!(
            route.config.kind,
            petrel_project::RouteKind::Scheduled { .. }
        );
        let timeout = route
            .config
            .max_duration
            .map(Duration::from_secs_f64)
            .unwrap_or_else(|| {
                if scheduled {
                    SchedulePolicy::of(project, &route.page).timeout()
                } else {
                    default_timeout
                }
            });
        entries.push((
            pattern,
            RouteTarget {
                id,
                page: route.page.clone(),
                timeout,
                background: route.config.kind == petrel_project::RouteKind::Background,
                scheduled,
                build_error: route.error.as_ref().map(|e| Arc::from(e.message.as_str())),
            },
        ));
        if route.error.is_none() {
            worker_routes.push(WorkerRoute {
                id,
                page: route.page.clone(),
                module: route.module.clone(),
                kind: "pages",
                config: route.config.worker_settings(),
            });
        }
    }
    let mut by_path = Vec::new();
    let mut all_functions = Vec::new();
    for (offset, function) in project.functions.iter().enumerate() {
        let id = (project.routes.len() + offset) as u32;
        let config = &function.config;
        let schedule = config
            .schedule
            .as_deref()
            .and_then(|cron| petrel_schedule::Schedule::parse(cron).ok());
        let timeout = match (&config.schedule, config.timeout) {
            (_, Some(seconds)) => Duration::from_secs_f64(seconds),
            (Some(_), None) => SchedulePolicy::of(project, &function.name).timeout(),
            (None, None) => project
                .settings
                .netlify
                .timeout
                .map(Duration::from_secs_f64)
                .unwrap_or(NETLIFY_SYNC_TIMEOUT),
        };
        let target = FunctionTarget {
            id,
            name: function.name.clone(),
            timeout,
            schedule,
            mode: if config.background {
                FunctionMode::Background
            } else if config.schedule.is_some() {
                FunctionMode::Scheduled
            } else {
                FunctionMode::Sync
            },
            valid_name: function.valid_name,
            paths: config.paths.clone(),
            build_error: function
                .error
                .as_ref()
                .map(|e| Arc::from(e.message.as_str())),
        };
        if !config.paths.is_empty() {
            let parse = |paths: &[String]| -> anyhow::Result<Vec<NetlifyPath>> {
                paths
                    .iter()
                    .map(|p| {
                        NetlifyPath::parse(p)
                            .with_context(|| format!("function {}: bad path {p}", function.name))
                    })
                    .collect()
            };
            by_path.push(NetlifyRoute {
                paths: parse(&config.paths)?,
                excluded: parse(&config.excluded_paths)?,
                methods: config.methods.clone(),
                value: target.clone(),
            });
        }
        all_functions.push(target);
        if function.error.is_none() {
            worker_routes.push(WorkerRoute {
                id,
                page: function.name.clone(),
                module: function.module.clone(),
                kind: "netlify",
                config: serde_json::json!({
                    "name": function.name,
                    "api": match function.api {
                        FunctionApi::V1 => "v1",
                        FunctionApi::V2 => "v2",
                    },
                    "bodyLimit": NETLIFY_BODY_LIMIT,
                }),
            });
        }
    }
    // App Router route handlers share the URL space (and its precedence) with Pages routes.
    let first_app_id = project.routes.len() + project.functions.len();
    for (offset, route) in project.app_routes.iter().enumerate() {
        let id = (first_app_id + offset) as u32;
        let pattern = RoutePattern::parse(&route.page)
            .with_context(|| format!("bad route pattern for {}", route.file.display()))?;
        entries.push((
            pattern,
            RouteTarget {
                id,
                page: route.page.clone(),
                timeout: route
                    .segment
                    .max_duration
                    .map(Duration::from_secs_f64)
                    .unwrap_or(default_timeout),
                background: false,
                scheduled: false,
                build_error: route.error.as_ref().map(|e| Arc::from(e.message.as_str())),
            },
        ));
        if route.error.is_none() {
            worker_routes.push(WorkerRoute {
                id,
                page: route.page.clone(),
                module: route.module.clone(),
                kind: "app",
                config: route.segment.worker_settings(&route.methods),
            });
        }
    }
    let functions = Functions::new(NetlifyRouteTable::new(by_path), all_functions);
    Ok((
        RouteTable::new(entries)?,
        functions,
        worker_init(
            launch,
            &project.root,
            &project.base_path,
            worker_routes,
            project.env.clone(),
        ),
    ))
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

//! `petrel dev`'s loop: watch the project folder, rebuild what changed, and swap in a new
//! generation of workers while requests in flight finish on the old one.
//!
//! Node cannot unload an ES module, so new code needs a fresh process. To make that quick, a
//! *spare* pool (Node started, shim loaded, no routes) waits for the next change and is given
//! the new route table at once; a new spare starts after each swap. Requests that arrive while
//! a change is being built wait for it ([`petrel_server::Freshness`]), so the first request
//! after a save always sees the new code.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use petrel_project::{Mode, Project, ProjectBuilder};
use petrel_server::{App, FreshnessPublisher};
use petrel_worker::WorkerPool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::app::{self, Launch};

/// Folders whose changes never affect the served code (or are written by petrel itself).
const IGNORED_DIRS: [&str; 6] = [
    "node_modules",
    ".petrel",
    ".git",
    ".next",
    ".netlify",
    ".turbo",
];

/// Quiet time that ends a burst of file events (an editor's save is often several).
const SETTLE: Duration = Duration::from_millis(8);
/// The longest a burst is allowed to delay a build.
const MAX_SETTLE: Duration = Duration::from_millis(150);
/// How long requests of a replaced generation may take to finish before its workers stop.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);
/// Delay before a spare pool starts, so it does not compete with the first requests.
const SPARE_DELAY: Duration = Duration::from_millis(500);

/// The running watch-and-reload loop.
pub struct DevSession {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    _watcher: ProjectWatcher,
}

impl DevSession {
    /// Starts watching `builder`'s project; `project` is what is serving now.
    pub fn start(
        app: Arc<App>,
        launch: Arc<Launch>,
        builder: ProjectBuilder,
        project: &Project,
        env: Vec<(String, String)>,
        publisher: FreshnessPublisher,
    ) -> anyhow::Result<DevSession> {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let watcher = watch_project(builder.root(), publisher.clone(), events_tx)?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let state = ReloadState {
            app,
            launch,
            builder: Some(builder),
            signature: signature(project, &env),
            printed_errors: current_errors(project),
            project: project.clone(),
            env,
            spare: None,
            draining: Vec::new(),
            publisher,
        };
        let task = tokio::spawn(state.run(events_rx, stop_rx));
        Ok(DevSession {
            stop: stop_tx,
            task,
            _watcher: watcher,
        })
    }

    /// Stops the loop and every worker it started (the spare and the draining ones).
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Prints each route's build error once: the ones in `printed` were printed before.
pub fn report_route_errors(project: &Project, printed: &mut HashSet<String>) {
    let now = current_errors(project);
    for message in &now {
        if !printed.contains(message) {
            tracing::error!(target: "petrel::build", "{message}");
        }
    }
    *printed = now;
}

fn current_errors(project: &Project) -> HashSet<String> {
    project
        .routes
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| e.message.clone()))
        .collect()
}

/// What the workers of a generation depend on, besides the transpiled code.
fn signature(project: &Project, env: &[(String, String)]) -> String {
    let mut text = format!("{}|{}|", project.base_path, project.trailing_slash);
    for route in &project.routes {
        text.push_str(&format!(
            "{}|{}|{:?}|{:?}\n",
            route.page,
            route.module.display(),
            route.config,
            route.error
        ));
    }
    text.push_str(&format!("{env:?}"));
    text
}

/// Watches the project root (its own entries) and every folder in it except the ignored
/// ones (recursively), so `node_modules` costs no inotify watches.
fn watch_project(
    root: &Path,
    publisher: FreshnessPublisher,
    events: mpsc::UnboundedSender<()>,
) -> notify::Result<ProjectWatcher> {
    let root = root.to_path_buf();
    let (dirs_tx, dirs_rx) = std::sync::mpsc::channel::<PathBuf>();
    let handler_root = root.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let relevant: Vec<&PathBuf> = event
            .paths
            .iter()
            .filter(|p| is_relevant(&handler_root, p))
            .collect();
        if relevant.is_empty() {
            return;
        }
        for path in &relevant {
            // A new top-level folder needs its own recursive watch.
            if matches!(event.kind, EventKind::Create(_))
                && path.parent() == Some(handler_root.as_path())
                && path.is_dir()
            {
                let _ = dirs_tx.send(path.to_path_buf());
            }
        }
        publisher.changed();
        let _ = events.send(());
    })?;
    watcher.watch(&root, RecursiveMode::NonRecursive)?;
    for entry in std::fs::read_dir(&root)?.flatten() {
        let path = entry.path();
        if path.is_dir() && is_relevant(&root, &path) {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    // Top-level folders created later are added by a small thread (the handler cannot borrow
    // the watcher it belongs to).
    let watcher = Arc::new(std::sync::Mutex::new(watcher));
    let adder = Arc::downgrade(&watcher);
    std::thread::Builder::new()
        .name("petrel-watch".into())
        .spawn(move || {
            while let Ok(dir) = dirs_rx.recv() {
                let Some(watcher) = adder.upgrade() else {
                    return;
                };
                let _ = watcher
                    .lock()
                    .expect("watcher lock")
                    .watch(&dir, RecursiveMode::Recursive);
            }
        })?;
    Ok(ProjectWatcher(watcher))
}

/// Keeps the watcher alive (the thread that adds folders to it only holds a weak reference).
struct ProjectWatcher(
    #[allow(dead_code, reason = "held for its Drop")] Arc<std::sync::Mutex<RecommendedWatcher>>,
);

/// Whether a change at `path` can affect what is served.
fn is_relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    !rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        IGNORED_DIRS.contains(&name.as_ref())
    })
}

struct ReloadState {
    app: Arc<App>,
    launch: Arc<Launch>,
    builder: Option<ProjectBuilder>,
    signature: String,
    printed_errors: HashSet<String>,
    /// The project being served (its settings shape the spare pool).
    project: Project,
    env: Vec<(String, String)>,
    spare: Option<SparePool>,
    draining: Vec<WorkerPool>,
    publisher: FreshnessPublisher,
}

/// Workers started ahead of the next change, and the environment they were started with.
struct SparePool {
    env: Vec<(String, String)>,
    /// Ends the delay before the spare starts (a change came early).
    hurry: Arc<tokio::sync::Notify>,
    pool: JoinHandle<anyhow::Result<WorkerPool>>,
}

impl ReloadState {
    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<()>,
        mut stop: oneshot::Receiver<()>,
    ) {
        self.prepare_spare(SPARE_DELAY);
        loop {
            tokio::select! {
                event = events.recv() => {
                    if event.is_none() {
                        break;
                    }
                }
                _ = &mut stop => break,
            }
            settle(&mut events).await;
            let covered = self.publisher.seen();
            self.reload().await;
            self.publisher.built(covered);
            self.draining.retain(|pool| pool.live_workers() > 0);
        }
        if let Some(spare) = self.spare.take() {
            spare.pool.abort();
            if let Ok(Ok(pool)) = spare.pool.await {
                pool.shutdown().await;
            }
        }
        for pool in self.draining.drain(..) {
            pool.shutdown().await;
        }
    }

    /// Rebuilds the project and, when anything the workers run changed, swaps in new workers.
    async fn reload(&mut self) {
        let started = Instant::now();
        let mut builder = self.builder.take().expect("builder is home between builds");
        let (builder, built) = match tokio::task::spawn_blocking(move || {
            let built = builder.build_with_report();
            (builder, built)
        })
        .await
        {
            Ok(pair) => pair,
            Err(err) => {
                tracing::error!(target: "petrel::dev", "the build task failed: {err}");
                return;
            }
        };
        self.builder = Some(builder);
        let (project, report) = match built {
            Ok(pair) => pair,
            Err(err) => {
                tracing::error!(
                    target: "petrel::dev",
                    "{err}\n   The previous build keeps serving until this is fixed."
                );
                return;
            }
        };
        report_route_errors(&project, &mut self.printed_errors);
        for warning in &project.warnings {
            tracing::warn!(target: "petrel::build", "{warning}");
        }
        let env = match app::load_env(&project, Mode::Dev) {
            Ok(env) => env.vars,
            Err(err) => {
                tracing::error!(target: "petrel::dev", "{err}");
                self.env.clone()
            }
        };
        let signature = signature(&project, &env);
        if report.transpiled.is_empty() && signature == self.signature {
            return;
        }
        let spare = self.take_spare(&env).await;
        let generation = match app::start_generation(&self.launch, &project, &env, spare).await {
            Ok(generation) => generation,
            Err(err) => {
                tracing::error!(
                    target: "petrel::dev",
                    "could not start workers for the new build: {err:#}; the previous build keeps serving"
                );
                return;
            }
        };
        let old = self.app.replace(generation);
        let old_pool = old.pool().clone();
        self.draining.push(old_pool.clone());
        tokio::spawn(async move { old_pool.drain(DRAIN_LIMIT).await });
        self.signature = signature;
        self.env = env;
        self.project = project;
        let what = if report.transpiled.is_empty() {
            "routes or environment changed".to_string()
        } else {
            format!("transpiled {}", report.transpiled.join(", "))
        };
        tracing::info!(
            target: "petrel::dev",
            ms = started.elapsed().as_secs_f64() * 1000.0,
            transpiled = report.transpiled.len(),
            "✓ Reloaded in {}ms ({what})",
            started.elapsed().as_millis()
        );
        self.prepare_spare(SPARE_DELAY);
    }

    /// The spare pool, if one was started with `env` (it is hurried along when still
    /// waiting or booting); a spare with another environment is stopped.
    async fn take_spare(&mut self, env: &[(String, String)]) -> Option<WorkerPool> {
        let spare = self.spare.take()?;
        if spare.env != env {
            spare.pool.abort();
            if let Ok(Ok(pool)) = spare.pool.await {
                pool.shutdown().await;
            }
            return None;
        }
        spare.hurry.notify_one();
        match spare.pool.await {
            Ok(Ok(pool)) if pool.live_workers() > 0 => Some(pool),
            Ok(Ok(pool)) => {
                pool.shutdown().await;
                None
            }
            _ => None,
        }
    }

    fn prepare_spare(&mut self, delay: Duration) {
        let launch = self.launch.clone();
        let env = self.env.clone();
        let project = self.project.clone();
        let spare_env = env.clone();
        let hurry = Arc::new(tokio::sync::Notify::new());
        let woken = hurry.clone();
        self.spare = Some(SparePool {
            env,
            hurry,
            pool: tokio::spawn(async move {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = woken.notified() => {}
                }
                app::start_spare_pool(&launch, &project, &spare_env).await
            }),
        });
    }
}

/// Waits until events stop arriving for [`SETTLE`] (at most [`MAX_SETTLE`]).
async fn settle(events: &mut mpsc::UnboundedReceiver<()>) {
    let deadline = Instant::now() + MAX_SETTLE;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        match tokio::time::timeout(SETTLE.min(deadline - now), events.recv()).await {
            Ok(Some(())) => continue,
            _ => return,
        }
    }
}

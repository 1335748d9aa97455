//! `petrel dev`'s loop: watch the project folder, rebuild what changed, and swap in a new
//! generation of workers while requests in flight finish on the old one.
//!
//! Node cannot unload an ES module, so new code needs a fresh process. To make that quick, a
//! *spare* pool (Node started, shim loaded, no routes) waits for the next change and is given
//! the new route table at once; a new spare starts after each swap. Requests that arrive while
//! a change is being built wait for it ([`petrel_server::Freshness`]), so the first request
//! after a save always sees the new code.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};
use petrel_project::{Project, ProjectBuilder};
use petrel_server::{App, FreshnessPublisher};
use petrel_worker::WorkerPool;
use tokio::io::unix::AsyncFd;
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
    reader: JoinHandle<()>,
}

impl DevSession {
    /// Starts the reload loop for `builder`'s project; `project` is what is serving now,
    /// `watch` and `events` the watcher of its folder and the channel it reports to.
    pub fn start(
        app: Arc<App>,
        launch: Arc<Launch>,
        builder: ProjectBuilder,
        project: &Project,
        watch: ProjectWatch,
        events_rx: mpsc::UnboundedReceiver<()>,
    ) -> anyhow::Result<DevSession> {
        let publisher = watch.publisher.clone();
        let reader = watch.spawn_reader()?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let state = ReloadState {
            app,
            launch,
            builder: Some(builder),
            signature: signature(project),
            printed_errors: current_errors(project),
            project: project.clone(),
            spare: None,
            draining: Vec::new(),
            publisher,
        };
        let task = tokio::spawn(state.run(events_rx, stop_rx));
        Ok(DevSession {
            stop: stop_tx,
            task,
            reader,
        })
    }

    /// Stops the loop and every worker it started (the spare and the draining ones).
    pub async fn stop(self) {
        self.reader.abort();
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
        .filter_map(|r| r.error.as_ref())
        .chain(project.app_routes.iter().filter_map(|r| r.error.as_ref()))
        .chain(project.functions.iter().filter_map(|f| f.error.as_ref()))
        .map(|e| e.message.clone())
        .collect()
}

/// What the workers of a generation depend on, besides the transpiled code.
fn signature(project: &Project) -> String {
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
    for route in &project.app_routes {
        text.push_str(&format!(
            "{}|{}|{:?}|{:?}|{:?}\n",
            route.page,
            route.module.display(),
            route.methods,
            route.segment,
            route.error
        ));
    }
    for function in &project.functions {
        text.push_str(&format!(
            "{}|{}|{:?}|{:?}|{:?}\n",
            function.name,
            function.module.display(),
            function.api,
            function.config,
            function.error
        ));
    }
    text.push_str(&format!("{:?}", project.env));
    text
}

/// Watches the project folder with inotify: the root and every folder in it except the
/// ignored ones (so `node_modules` costs no watches), adding folders as they appear.
///
/// Events are read by a task when the inotify descriptor becomes readable, and also by
/// [`ProjectWatch::probe`] at the start of each request: the kernel queues a file's events
/// before the `write` that caused them returns, so a request sent after a save always finds
/// them, however late the task runs.
#[derive(Clone)]
pub struct ProjectWatch {
    state: Arc<std::sync::Mutex<WatchState>>,
    publisher: FreshnessPublisher,
    events: mpsc::UnboundedSender<()>,
}

struct WatchState {
    /// Owned by tokio's readiness registration, so the descriptor lives as long as it.
    inotify: AsyncFd<Inotify>,
    root: PathBuf,
    dirs: HashMap<WatchDescriptor, PathBuf>,
    buffer: Vec<u8>,
}

const WATCH_MASK: WatchMask = WatchMask::MODIFY
    .union(WatchMask::CLOSE_WRITE)
    .union(WatchMask::CREATE)
    .union(WatchMask::DELETE)
    .union(WatchMask::MOVED_FROM)
    .union(WatchMask::MOVED_TO)
    .union(WatchMask::ATTRIB);

impl ProjectWatch {
    /// Starts watching `root`; changes bump `publisher` and wake the reload loop via `events`.
    pub fn new(
        root: &Path,
        publisher: FreshnessPublisher,
        events: mpsc::UnboundedSender<()>,
    ) -> std::io::Result<ProjectWatch> {
        #[allow(
            deprecated,
            reason = "the safe constructor; sound here because the AsyncFd owns the Inotify, so the descriptor stays open while registered"
        )]
        let inotify = AsyncFd::with_interest(Inotify::init()?, tokio::io::Interest::READABLE)?;
        let mut state = WatchState {
            inotify,
            root: root.to_path_buf(),
            dirs: HashMap::new(),
            buffer: vec![0; 64 * 1024],
        };
        state.add_tree(root)?;
        Ok(ProjectWatch {
            state: Arc::new(std::sync::Mutex::new(state)),
            publisher,
            events,
        })
    }

    /// Reads the queued events (without blocking) and reports a change if there was one.
    pub fn probe(&self) {
        let changed = self.state.lock().expect("watch lock").drain();
        if changed {
            self.publisher.changed();
            let _ = self.events.send(());
        }
    }

    /// Reads events whenever the descriptor becomes readable, until the task is dropped.
    fn spawn_reader(&self) -> std::io::Result<JoinHandle<()>> {
        let watch = self.clone();
        Ok(tokio::spawn(async move {
            loop {
                let ready = std::future::poll_fn(|cx| {
                    let state = watch.state.lock().expect("watch lock");
                    // Readiness is cleared before reading: an event that arrives after the
                    // read sets it again, so none is missed.
                    state
                        .inotify
                        .poll_read_ready(cx)
                        .map(|ready| ready.map(|mut guard| guard.clear_ready()))
                })
                .await;
                if ready.is_err() {
                    return;
                }
                watch.probe();
            }
        }))
    }
}

impl WatchState {
    /// Watches `dir` and every folder under it that is not ignored.
    fn add_tree(&mut self, dir: &Path) -> std::io::Result<()> {
        let wd = self.inotify.get_ref().watches().add(dir, WATCH_MASK)?;
        self.dirs.insert(wd, dir.to_path_buf());
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) && is_relevant(&self.root, &path) {
                // A folder that vanished meanwhile is no error.
                let _ = self.add_tree(&path);
            }
        }
        Ok(())
    }

    /// Reads every queued event; true when one of them can affect what is served.
    fn drain(&mut self) -> bool {
        let mut changed = false;
        loop {
            let mut buffer = std::mem::take(&mut self.buffer);
            let mut new_dirs = Vec::new();
            let read = match self.inotify.get_mut().read_events(&mut buffer) {
                Ok(events) => {
                    let mut any = false;
                    for event in events {
                        any = true;
                        if event.mask.contains(EventMask::Q_OVERFLOW) {
                            changed = true;
                            continue;
                        }
                        if event.mask.contains(EventMask::IGNORED) {
                            self.dirs.remove(&event.wd);
                            continue;
                        }
                        let Some(dir) = self.dirs.get(&event.wd) else {
                            continue;
                        };
                        let path = match event.name {
                            Some(name) => dir.join(name),
                            None => dir.clone(),
                        };
                        if !is_relevant(&self.root, &path) {
                            continue;
                        }
                        changed = true;
                        if event.mask.contains(EventMask::ISDIR)
                            && event
                                .mask
                                .intersects(EventMask::CREATE | EventMask::MOVED_TO)
                        {
                            new_dirs.push(path);
                        }
                    }
                    any
                }
                Err(_) => false,
            };
            self.buffer = buffer;
            for dir in new_dirs {
                let _ = self.add_tree(&dir);
            }
            if !read {
                return changed;
            }
        }
    }
}

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
    spare: Option<SparePool>,
    draining: Vec<Arc<petrel_server::Generation>>,
    publisher: FreshnessPublisher,
}

/// Workers started ahead of the next change (they get the build and its environment by
/// message when they are used).
struct SparePool {
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
            self.draining
                .retain(|generation| generation.pool().live_workers() > 0);
        }
        if let Some(spare) = self.spare.take() {
            spare.pool.abort();
            if let Ok(Ok(pool)) = spare.pool.await {
                pool.shutdown().await;
            }
        }
        for generation in self.draining.drain(..) {
            generation.shutdown().await;
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
        let signature = signature(&project);
        if report.transpiled.is_empty() && signature == self.signature {
            return;
        }
        let spare = self.take_spare().await;
        let generation = match app::start_generation(&self.launch, &project, spare).await {
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
        // The scheduler follows the schedules of the build now serving.
        if let Some(schedules) = self.launch.schedules.get() {
            let _ = schedules.send(app::scheduled_targets(&project));
        }
        self.draining.push(old.clone());
        tokio::spawn(async move { old.drain(DRAIN_LIMIT).await });
        self.signature = signature;
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

    /// The spare pool (hurried along when it is still waiting or booting).
    async fn take_spare(&mut self) -> Option<WorkerPool> {
        let spare = self.spare.take()?;
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
        let project = self.project.clone();
        let hurry = Arc::new(tokio::sync::Notify::new());
        let woken = hurry.clone();
        self.spare = Some(SparePool {
            hurry,
            pool: tokio::spawn(async move {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = woken.notified() => {}
                }
                app::start_spare_pool(&launch, &project).await
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

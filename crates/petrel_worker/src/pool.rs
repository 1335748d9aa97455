//! The worker pool: N supervised Node processes, least-loaded dispatch, a bounded wait
//! queue when every worker is saturated, and replacement of workers that exit or hang.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame, SizeHint};
use hyper::{Request, Response};
use tokio::net::UnixListener;
use tokio::process::{Child, Command};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use crate::codec::{self, RequestFraming};
use crate::link::{BodyChunks, Link, ReadBody, StreamGuard};
use crate::protocol::{FrameKind, FromWorker, RequestMeta, ToWorker};
use crate::{DispatchError, WorkerError};

/// Boxed error type of request bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Request body handed to a worker.
pub type WorkerBody = BoxBody<Bytes, BoxError>;

/// How the pool runs its workers.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Number of Node processes.
    pub workers: usize,
    /// The `node` executable.
    pub node: PathBuf,
    /// Working directory of the workers (the project root).
    pub cwd: PathBuf,
    /// Extra environment for the workers.
    pub env: Vec<(String, String)>,
    /// Requests one worker serves at the same time before it counts as saturated.
    pub concurrency_per_worker: usize,
    /// Requests allowed to wait when every worker is saturated.
    pub queue_limit: usize,
    /// How long a request waits for a free worker before it gets 503.
    pub queue_timeout: Duration,
    /// How long a worker may take to start and report ready.
    pub start_timeout: Duration,
    /// Extra `node` arguments (from `PETREL_NODE_ARGS`, split on spaces), e.g. `--cpu-prof`
    /// or `--inspect` for debugging a worker.
    pub node_args: Vec<String>,
    /// Run the workers at this lower OS priority (`nice -n`), e.g. the background-job pool, so a
    /// CPU-heavy job does not starve the HTTP workers.
    pub nice: Option<i32>,
    /// Receives what background jobs print (job id, attempt, line).
    pub job_log: Option<JobLogSink>,
}

/// Where the lines a background job prints go (its job's log).
#[derive(Clone)]
pub struct JobLogSink(pub Arc<dyn Fn(String, u32, String) + Send + Sync>);

impl std::fmt::Debug for JobLogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobLogSink")
    }
}

impl PoolConfig {
    /// Defaults for `project_root`: one worker per core, `node` from `PATH`
    /// (or `PETREL_NODE`), 128 concurrent requests per worker, 1,024 waiting for 10 s.
    pub fn new(project_root: PathBuf) -> Self {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        PoolConfig {
            workers,
            node: std::env::var_os("PETREL_NODE")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("node")),
            cwd: project_root,
            env: Vec::new(),
            concurrency_per_worker: 128,
            queue_limit: 1024,
            queue_timeout: Duration::from_secs(10),
            start_timeout: Duration::from_secs(15),
            node_args: std::env::var("PETREL_NODE_ARGS")
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            nice: None,
            job_log: None,
        }
    }
}

/// A pool of Node workers. Cheap to clone.
#[derive(Clone)]
pub struct WorkerPool {
    inner: Arc<Inner>,
}

struct Inner {
    config: PoolConfig,
    shim: PathBuf,
    socket_dir: PathBuf,
    /// The init message and its version (bumped by `update_init`, under the lock).
    init: RwLock<(u64, ToWorker)>,
    slots: Vec<Slot>,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    live_changed: Notify,
    shutting_down: AtomicBool,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

struct Slot {
    worker: RwLock<Option<Arc<Worker>>>,
    inflight: AtomicUsize,
}

struct Worker {
    slot: usize,
    pid: u32,
    link: Arc<Link>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
    /// Version of the init message the worker was started with.
    init_version: u64,
}

impl Worker {
    fn kill(&self) {
        if let Some(tx) = self.kill.lock().expect("kill lock").take() {
            let _ = tx.send(());
        }
    }
}

impl WorkerPool {
    /// Starts every worker and waits until all of them are ready.
    pub async fn start(config: PoolConfig, init: ToWorker) -> Result<WorkerPool, WorkerError> {
        let shim = crate::shim::materialize().map_err(WorkerError::Shim)?;
        let socket_dir = std::env::temp_dir().join(format!(
            "petrel-{}-{}",
            std::process::id(),
            std::time::SystemTime::UNIX_EPOCH
                .elapsed()
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&socket_dir).map_err(WorkerError::Io)?;
        let workers = config.workers.max(1);
        let total_permits = workers * config.concurrency_per_worker.max(1);
        let inner = Arc::new(Inner {
            slots: (0..workers)
                .map(|_| Slot {
                    worker: RwLock::new(None),
                    inflight: AtomicUsize::new(0),
                })
                .collect(),
            config,
            shim,
            socket_dir,
            init: RwLock::new((0, init)),
            permits: Arc::new(Semaphore::new(total_permits)),
            waiting: AtomicUsize::new(0),
            live_changed: Notify::new(),
            shutting_down: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
        });
        // Serving starts as soon as the first worker is ready. The others start after it, so
        // the first one boots without competing for the cores (it is what the first request
        // waits for), and join as they come up.
        let (first_tx, mut first_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run_slot(inner.clone(), 0, first_tx.clone()));
        inner.tasks.lock().expect("tasks lock").push(task);
        let pool = WorkerPool {
            inner: inner.clone(),
        };
        match first_rx.recv().await {
            Some(Ok(())) => {}
            Some(Err(err)) => {
                pool.shutdown().await;
                return Err(err);
            }
            None => {
                pool.shutdown().await;
                return Err(WorkerError::Start("worker supervisor stopped".into()));
            }
        }
        for index in 1..workers {
            let task = tokio::spawn(run_slot(inner.clone(), index, first_tx.clone()));
            inner.tasks.lock().expect("tasks lock").push(task);
        }
        Ok(pool)
    }

    /// Number of workers currently alive.
    pub fn live_workers(&self) -> usize {
        self.inner
            .slots
            .iter()
            .filter(|s| s.worker.read().expect("slot lock").is_some())
            .count()
    }

    /// Process ids of the live workers.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.inner
            .slots
            .iter()
            .filter_map(|s| s.worker.read().expect("slot lock").as_ref().map(|w| w.pid))
            .collect()
    }

    /// Sends a request to the least-loaded worker and returns its response head; the body
    /// streams from the worker. `timeout` bounds the wait for the response head.
    pub async fn dispatch(
        &self,
        request: Request<WorkerBody>,
        meta: &RequestMeta,
        timeout: Duration,
    ) -> Result<Response<WorkerResponseBody>, DispatchError> {
        let inner = &self.inner;
        let permit = self.acquire_permit().await?;
        let worker = self.pick_worker().await?;
        let guard = InflightGuard {
            inner: inner.clone(),
            slot: worker.slot,
            _permit: permit,
        };
        inner.slots[worker.slot]
            .inflight
            .fetch_add(1, Ordering::Relaxed);
        let lost = |detail: String| DispatchError::WorkerLost {
            pid: worker.pid,
            detail,
        };
        let (parts, body) = request.into_parts();
        let body_empty = body.is_end_stream();
        let head_request = parts.method == hyper::Method::HEAD;
        let (stream, head_rx, stream_guard) = worker
            .link
            .begin(head_request, body_empty)
            .map_err(|e| lost(e.to_string()))?;
        let meta_json = serde_json::to_vec(meta).expect("request meta serializes");
        let mut head = bytes::BytesMut::new();
        let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let framing = codec::encode_request_head(
            &parts.method,
            target,
            &parts.headers,
            body_empty,
            &mut head,
        );
        let link = &worker.link;
        link.send(FrameKind::Meta, stream, Bytes::from(meta_json))
            .and_then(|()| link.send(FrameKind::Data, stream, head.freeze()))
            .map_err(|e| lost(e.to_string()))?;
        if framing != RequestFraming::Empty {
            tokio::spawn(pump_request_body(link.clone(), stream, body, framing));
        }
        match tokio::time::timeout(timeout, head_rx).await {
            Ok(Ok(Ok((head, read_body)))) => {
                let mut response = Response::new(WorkerResponseBody {
                    body: match read_body {
                        ReadBody::Complete { bytes, sized } => BodyState::Complete(bytes, sized),
                        ReadBody::Streaming(rx) => BodyState::Streaming(rx),
                    },
                    _stream: Some(stream_guard),
                    _inflight: Some(guard),
                });
                *response.status_mut() = head.status;
                *response.version_mut() = codec::VERSION;
                *response.headers_mut() = head.headers;
                if let Some(reason) = head.reason {
                    response.extensions_mut().insert(reason);
                }
                Ok(response)
            }
            Ok(Ok(Err(err))) => Err(worker_failure(&worker, &err.to_string())),
            Ok(Err(_)) => Err(worker_failure(&worker, "the exchange was dropped")),
            Err(_) => {
                // Closing the exchange aborts the request inside the worker.
                drop(stream_guard);
                // A handler past its time limit is either slow-async (the worker is fine)
                // or spinning (the event loop is stuck): probe, and replace a stuck worker.
                let suspect = worker.clone();
                tokio::spawn(async move {
                    if !suspect.link.ping(Duration::from_secs(2)).await {
                        tracing::warn!(
                            pid = suspect.pid,
                            "worker {} does not respond (a handler is blocking its event loop); replacing it",
                            suspect.pid
                        );
                        suspect.kill();
                    }
                });
                Err(DispatchError::Timeout { after: timeout })
            }
        }
    }

    async fn acquire_permit(&self) -> Result<OwnedSemaphorePermit, DispatchError> {
        let inner = &self.inner;
        if let Ok(permit) = inner.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if inner.waiting.fetch_add(1, Ordering::AcqRel) >= inner.config.queue_limit {
            inner.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(DispatchError::Saturated);
        }
        let result = tokio::time::timeout(
            inner.config.queue_timeout,
            inner.permits.clone().acquire_owned(),
        )
        .await;
        inner.waiting.fetch_sub(1, Ordering::AcqRel);
        match result {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(DispatchError::Saturated),
        }
    }

    async fn pick_worker(&self) -> Result<Arc<Worker>, DispatchError> {
        let inner = &self.inner;
        let deadline = Instant::now() + inner.config.queue_timeout;
        loop {
            let notified = inner.live_changed.notified();
            let mut best: Option<(usize, Arc<Worker>)> = None;
            for slot in &inner.slots {
                let guard = slot.worker.read().expect("slot lock");
                if let Some(worker) = guard.as_ref()
                    && !worker.link.is_closed()
                {
                    let load = slot.inflight.load(Ordering::Relaxed);
                    if best.as_ref().is_none_or(|(l, _)| load < *l) {
                        best = Some((load, worker.clone()));
                    }
                }
            }
            if let Some((_, worker)) = best {
                return Ok(worker);
            }
            let now = Instant::now();
            if now >= deadline || inner.shutting_down.load(Ordering::Acquire) {
                return Err(DispatchError::NoWorker);
            }
            let _ = tokio::time::timeout(deadline - now, notified).await;
        }
    }

    /// Replaces the route table in every worker (and in workers started later).
    ///
    /// A worker that is still starting got the previous message; its slot sends this one once
    /// the worker is in place (see `run_slot`), so none is left with the old table.
    pub fn update_init(&self, init: ToWorker) {
        let mut current = self.inner.init.write().expect("init lock");
        *current = (current.0 + 1, init);
        // Sent while holding the lock: a slot that places its worker after this loop finds
        // the new version when it checks (it takes the lock too).
        for slot in &self.inner.slots {
            if let Some(worker) = slot.worker.read().expect("slot lock").as_ref() {
                let _ = worker.link.send_control(&current.1);
            }
        }
    }

    /// Requests in flight (including responses still streaming) and waiting for a worker.
    pub fn busy(&self) -> usize {
        let inflight: usize = self
            .inner
            .slots
            .iter()
            .map(|s| s.inflight.load(Ordering::Relaxed))
            .sum();
        inflight + self.inner.waiting.load(Ordering::Relaxed)
    }

    /// Lets the requests in flight finish (up to `max_wait`), then stops every worker. Used
    /// when `petrel dev` replaces the workers after a change: old requests end on old code.
    pub async fn drain(&self, max_wait: Duration) {
        let deadline = Instant::now() + max_wait;
        while self.busy() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.shutdown().await;
    }

    /// Stops every worker and waits for the processes to exit.
    pub async fn shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Release);
        for slot in &self.inner.slots {
            if let Some(worker) = slot.worker.read().expect("slot lock").as_ref() {
                // Closing the link makes the worker exit by itself (flushing its output);
                // the slot kills it if it has not exited within the grace period.
                worker.link.close();
                worker.kill();
            }
        }
        self.inner.live_changed.notify_waiters();
        let tasks: Vec<_> = self
            .inner
            .tasks
            .lock()
            .expect("tasks lock")
            .drain(..)
            .collect();
        for task in tasks {
            let _ = task.await;
        }
        let _ = std::fs::remove_dir_all(&self.inner.socket_dir);
    }
}

/// Why an exchange failed, worded for the log.
fn worker_failure(worker: &Worker, detail: &str) -> DispatchError {
    let detail = if worker.link.is_closed() {
        "the worker process exited while handling the request".to_string()
    } else {
        format!("the worker closed the connection: {detail}")
    };
    DispatchError::WorkerLost {
        pid: worker.pid,
        detail,
    }
}

/// Sends a request body to the worker as it arrives from the client.
async fn pump_request_body(
    link: Arc<Link>,
    stream: u32,
    mut body: WorkerBody,
    framing: RequestFraming,
) {
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client's upload broke off: the worker sees its connection close.
            let _ = link.send(FrameKind::End, stream, Bytes::new());
            return;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        let payload = match framing {
            RequestFraming::Chunked => codec::encode_chunk(&data),
            _ => data,
        };
        if link.send(FrameKind::Data, stream, payload).is_err() {
            return;
        }
    }
    if framing == RequestFraming::Chunked {
        let _ = link.send(
            FrameKind::Data,
            stream,
            Bytes::from_static(codec::LAST_CHUNK),
        );
    }
}

struct InflightGuard {
    inner: Arc<Inner>,
    slot: usize,
    _permit: OwnedSemaphorePermit,
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        self.inner.slots[self.slot]
            .inflight
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body from a worker: complete when it arrived with the head, else streamed.
/// Dropping it early closes the exchange, which aborts the request inside the worker
/// (`req` emits `close`).
pub struct WorkerResponseBody {
    body: BodyState,
    _stream: Option<StreamGuard>,
    _inflight: Option<InflightGuard>,
}

enum BodyState {
    /// The whole body; `false` = length not announced (sent chunked).
    Complete(Option<Bytes>, bool),
    Streaming(BodyChunks),
    Done,
}

impl Body for WorkerResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        match &mut self.body {
            BodyState::Complete(bytes, _) => {
                let bytes = bytes.take();
                self.body = BodyState::Done;
                Poll::Ready(bytes.filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b))))
            }
            BodyState::Streaming(rx) => match rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(bytes))) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
                Poll::Ready(Some(Err(err))) => {
                    self.body = BodyState::Done;
                    Poll::Ready(Some(Err(err)))
                }
                Poll::Ready(None) => {
                    self.body = BodyState::Done;
                    Poll::Ready(None)
                }
                Poll::Pending => Poll::Pending,
            },
            BodyState::Done => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.body {
            BodyState::Complete(bytes, sized) => {
                *sized && bytes.as_ref().is_none_or(|b| b.is_empty())
            }
            BodyState::Streaming(_) => false,
            BodyState::Done => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.body {
            BodyState::Complete(bytes, true) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            BodyState::Complete(_, false) => SizeHint::default(),
            BodyState::Streaming(_) => SizeHint::default(),
            BodyState::Done => SizeHint::with_exact(0),
        }
    }
}

/// Runs one worker slot for the pool's lifetime: start, serve, restart after an exit.
async fn run_slot(
    inner: Arc<Inner>,
    index: usize,
    first: mpsc::UnboundedSender<Result<(), WorkerError>>,
) {
    let mut first = Some(first);
    let mut backoff = Duration::from_millis(100);
    loop {
        if inner.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let started = Instant::now();
        match start_worker(&inner, index).await {
            Ok((worker, mut child, kill_rx)) => {
                {
                    // The table changed while this worker started: give it the new one before
                    // it can take requests (frames on the link keep their order). Holding the
                    // init lock while placing the worker means `update_init` either runs
                    // before (seen here) or after (and finds the worker in its slot).
                    let current = inner.init.read().expect("init lock");
                    if current.0 != worker.init_version {
                        let _ = worker.link.send_control(&current.1);
                    }
                    *inner.slots[index].worker.write().expect("slot lock") = Some(worker.clone());
                }
                inner.live_changed.notify_waiters();
                // A stop that began while this worker was starting did not see it: stop it now.
                if inner.shutting_down.load(Ordering::Acquire) {
                    worker.link.close();
                    worker.kill();
                }
                if let Some(tx) = first.take() {
                    let _ = tx.send(Ok(()));
                }
                let status = tokio::select! {
                    status = child.wait() => status,
                    _ = kill_rx => {
                        let grace = if inner.shutting_down.load(Ordering::Acquire) {
                            Duration::from_secs(2)
                        } else {
                            Duration::ZERO
                        };
                        match tokio::time::timeout(grace, child.wait()).await {
                            Ok(status) => status,
                            Err(_) => {
                                let _ = child.start_kill();
                                child.wait().await
                            }
                        }
                    }
                };
                {
                    let mut slot = inner.slots[index].worker.write().expect("slot lock");
                    if slot.as_ref().is_some_and(|w| Arc::ptr_eq(w, &worker)) {
                        *slot = None;
                    }
                }
                if inner.shutting_down.load(Ordering::Acquire) {
                    return;
                }
                let how = match status {
                    Ok(s) => s.to_string(),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(
                    pid = worker.pid,
                    "worker {} exited ({how}); starting a replacement",
                    worker.pid
                );
                if started.elapsed() < Duration::from_secs(2) {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                } else {
                    backoff = Duration::from_millis(100);
                }
            }
            Err(err) => {
                if let Some(tx) = first.take() {
                    // The pool's start reports it; the slot keeps trying unless the pool stops.
                    tracing::debug!("worker {index} failed to start: {err}");
                    let _ = tx.send(Err(err));
                } else {
                    tracing::error!("could not start a worker: {err}");
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

static SPAWN_COUNTER: AtomicUsize = AtomicUsize::new(0);

async fn start_worker(
    inner: &Arc<Inner>,
    index: usize,
) -> Result<(Arc<Worker>, Child, oneshot::Receiver<()>), WorkerError> {
    let n = SPAWN_COUNTER.fetch_add(1, Ordering::Relaxed);
    let socket_path = inner.socket_dir.join(format!("w{index}-{n}.sock"));
    let _ = std::fs::remove_file(&socket_path);
    let listener = UnixListener::bind(&socket_path).map_err(WorkerError::Io)?;
    let config = &inner.config;
    // `nice` (coreutils) lowers the priority and execs node: no unsafe pre-exec hook needed.
    let mut command = match config.nice {
        Some(n) => {
            let mut c = Command::new("nice");
            c.arg("-n").arg(n.to_string()).arg(&config.node);
            c
        }
        None => Command::new(&config.node),
    };
    command
        .arg("--enable-source-maps")
        .arg("--experimental-require-module")
        .arg("--disable-warning=ExperimentalWarning")
        .args(&config.node_args)
        .arg(&inner.shim)
        .current_dir(&config.cwd)
        .env("PETREL_IPC", &socket_path)
        .envs(config.env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        WorkerError::Start(format!(
            "could not run `{}`: {e}. Petrel needs Node.js 20 or newer on PATH (or set PETREL_NODE).",
            config.node.display()
        ))
    })?;
    let pid = child.id().unwrap_or(0);
    let accepted = tokio::select! {
        accepted = tokio::time::timeout(config.start_timeout, listener.accept()) => accepted,
        status = child.wait() => {
            let _ = std::fs::remove_file(&socket_path);
            return Err(WorkerError::Start(format!(
                "the Node worker exited during startup ({})",
                status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string())
            )));
        }
    };
    let _ = std::fs::remove_file(&socket_path);
    let stream = match accepted {
        Ok(Ok((stream, _))) => stream,
        Ok(Err(e)) => return Err(WorkerError::Io(e)),
        Err(_) => {
            let _ = child.start_kill();
            return Err(WorkerError::Start(
                "the Node worker did not connect in time".into(),
            ));
        }
    };
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    let link = Link::start(stream, control_tx);
    let (init_version, init) = inner.init.read().expect("init lock").clone();
    link.send_control(&init).map_err(WorkerError::Io)?;
    let ready = tokio::time::timeout(config.start_timeout, async {
        while let Some(message) = control_rx.recv().await {
            match message {
                FromWorker::Ready { .. } => return true,
                other => log_control(pid, other, None),
            }
        }
        false
    })
    .await;
    if !matches!(ready, Ok(true)) {
        let _ = child.start_kill();
        return Err(WorkerError::Start(
            "the Node worker did not report ready".into(),
        ));
    }
    let job_log = config.job_log.clone();
    tokio::spawn(async move {
        while let Some(message) = control_rx.recv().await {
            log_control(pid, message, job_log.as_ref());
        }
    });
    let (kill_tx, kill_rx) = oneshot::channel();
    let worker = Arc::new(Worker {
        slot: index,
        pid,
        link,
        kill: Mutex::new(Some(kill_tx)),
        init_version,
    });
    tracing::debug!(pid, slot = index, "worker ready");
    Ok((worker, child, kill_rx))
}

fn log_control(pid: u32, message: FromWorker, job_log: Option<&JobLogSink>) {
    if let FromWorker::JobLog { job, attempt, line } = message {
        if let Some(sink) = job_log {
            (sink.0)(job, attempt, line);
        }
        return;
    }
    if let FromWorker::Log { level, page, msg } = message {
        let page = page.as_deref().unwrap_or("");
        match level.as_str() {
            "error" => tracing::error!(target: "petrel::handler", pid, page, "{msg}"),
            "warn" => tracing::warn!(target: "petrel::handler", pid, page, "{msg}"),
            _ => tracing::info!(target: "petrel::handler", pid, page, "{msg}"),
        }
    }
}

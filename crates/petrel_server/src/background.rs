//! Background functions: a request to one is written to the durable job store and answered
//! `202` only after the commit that holds it; a runner then executes the jobs on their own
//! (lower-priority) workers, retrying failures with the configured policy.
//!
//! A run fails when the handler throws (the worker marks that 500 with
//! [`crate::INVOCATION_ERROR_HEADER`]), its worker dies, or it passes the time limit. A
//! response the handler chose, whatever its status, is a success (Netlify ignores it).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use petrel_jobs::{Clock, Job, JobKind, JobRequest, JobStore, NewJob, RetryPolicy};
use petrel_worker::{DispatchError, RequestMeta};
use tokio::sync::{Notify, Semaphore, watch};

use crate::body::ServerBody;
use crate::{App, Generation, INVOCATION_ERROR_HEADER};

/// Largest background payload (Netlify's 256 KB; DECISIONS.md).
pub const DEFAULT_PAYLOAD_LIMIT: usize = 256 * 1024;

/// How background jobs are accepted and run.
#[derive(Clone)]
pub struct BackgroundSettings {
    /// Largest request body accepted (bytes); larger → 413, nothing queued.
    pub payload_limit: usize,
    /// Runs of one job in all (first run plus retries).
    pub max_attempts: u32,
    /// When to run a failed job again.
    pub retry: Arc<RetryPolicy>,
    /// Time limit of one run (15 minutes by default, as Netlify's).
    pub run_timeout: Duration,
    /// Jobs running at the same time.
    pub concurrency: usize,
    /// How long a graceful stop waits for running jobs before leaving them to the next start.
    pub grace: Duration,
    /// Finished jobs kept (the newest ones).
    pub keep_finished: usize,
    /// Finished jobs older than this are deleted.
    pub keep_for: Duration,
}

impl Default for BackgroundSettings {
    fn default() -> Self {
        BackgroundSettings {
            payload_limit: DEFAULT_PAYLOAD_LIMIT,
            max_attempts: 3,
            retry: Arc::new(RetryPolicy::netlify()),
            run_timeout: Duration::from_secs(15 * 60),
            // Jobs are mostly I/O-bound (calls to other services); 16 at a time share one
            // worker well, and claims and results share commits in bigger batches.
            concurrency: 16,
            grace: Duration::from_secs(30),
            keep_finished: 1000,
            keep_for: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The store, the clock and the settings, shared by the server (enqueue) and the runner.
pub struct BackgroundQueue {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
    settings: BackgroundSettings,
    /// Wakes the runner when a job is queued.
    queued: Notify,
}

impl BackgroundQueue {
    /// A queue over `store`, with time from `clock`.
    pub fn new(
        store: Arc<dyn JobStore>,
        clock: Arc<dyn Clock>,
        settings: BackgroundSettings,
    ) -> Arc<BackgroundQueue> {
        Arc::new(BackgroundQueue {
            store,
            clock,
            settings,
            queued: Notify::new(),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn JobStore> {
        &self.store
    }

    /// Where its time comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Wakes the runner: a job was queued by someone else (the scheduler).
    pub fn notify_queued(&self) {
        self.queued.notify_one();
    }
}

/// What the server knows of the background target of a request.
pub struct Accepting<'a> {
    /// Function name or Next.js page.
    pub function: &'a str,
    /// Netlify function or Next.js advanced route.
    pub kind: JobKind,
    /// Route params (as the synchronous run would get them).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The Netlify `config.path` pattern that matched.
    pub pattern: Option<String>,
}

/// Writes the request as a job and answers `202` (empty) once it is on disk; `413` when the
/// payload is too large, `500` when the store fails (nothing queued either way).
pub async fn accept(
    queue: &Arc<BackgroundQueue>,
    req: Request<Incoming>,
    target: &str,
    accepting: Accepting<'_>,
) -> Response<ServerBody> {
    let limit = queue.settings.payload_limit;
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large(accepting.function, limit);
    }
    let body = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                return too_large(accepting.function, limit);
            }
            return text(
                StatusCode::BAD_REQUEST,
                "The request body could not be read; nothing was queued.\n",
            );
        }
    };
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let job = NewJob {
        function: accepting.function.to_string(),
        kind: accepting.kind,
        request: JobRequest {
            method: parts.method.to_string(),
            path: target.to_string(),
            headers,
            body: body.to_vec(),
            params: serde_json::Value::Object(accepting.params),
            route_pattern: accepting.pattern,
        },
        max_attempts: queue.settings.max_attempts,
    };
    let now = queue.clock.now_ms();
    // The store answers from its writer thread after the commit: no thread waits per request.
    let (done, committed) = tokio::sync::oneshot::channel();
    queue.store.enqueue_then(
        job,
        now,
        Box::new(move |result| {
            let _ = done.send(result);
        }),
    );
    match committed.await {
        Ok(Ok(job)) => {
            tracing::info!(
                target: "petrel::jobs",
                job = %job.id,
                function = %job.function,
                "Queueing background function {} for execution (job {})",
                job.function,
                job.id
            );
            queue.queued.notify_one();
            let mut response = Response::new(ServerBody::Full(None));
            *response.status_mut() = StatusCode::ACCEPTED;
            response
                .headers_mut()
                .insert("content-length", HeaderValue::from_static("0"));
            response
        }
        Ok(Err(err)) => {
            tracing::error!(target: "petrel::jobs", "could not queue {}: {err}", accepting.function);
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("The background job could not be stored, so nothing was queued: {err}\n"),
            )
        }
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The background job could not be stored (the store stopped); nothing was queued.\n",
        ),
    }
}

fn too_large(function: &str, limit: usize) -> Response<ServerBody> {
    text(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "Payload Too Large: the request to background function {function} is over the {} KB limit of background functions (Netlify's), so nothing was queued. Send a smaller payload, or store the data elsewhere and send a reference to it.\n",
            limit / 1024
        ),
    )
}

fn text(status: StatusCode, body: &str) -> Response<ServerBody> {
    let mut response = Response::new(ServerBody::full(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Executes queued jobs until told to stop.
pub struct Runner {
    app: Arc<App>,
    queue: Arc<BackgroundQueue>,
    host: Arc<str>,
}

impl Runner {
    /// A runner of `queue`'s jobs on `app`'s current generation. `host` (`127.0.0.1:3000`) is
    /// the `Host` of a job's request that has none (a scheduled run was never an HTTP
    /// request), so `request.url` points at this server.
    pub fn new(app: Arc<App>, queue: Arc<BackgroundQueue>, host: &str) -> Runner {
        Runner {
            app,
            queue,
            host: Arc::from(host),
        }
    }

    /// Re-queues the runs a crash or kill interrupted (they do not use up an attempt), then
    /// claims and runs due jobs until `stop` turns true; then waits up to the grace period for
    /// running jobs, and leaves the others to the next start.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let queue = self.queue.clone();
        let now = queue.clock.now_ms();
        let store = queue.store.clone();
        match tokio::task::spawn_blocking(move || store.requeue_interrupted(now)).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(
                target: "petrel::jobs",
                "{n} background job(s) were interrupted by the last stop; running them again"
            ),
            Ok(Err(err)) => tracing::error!(target: "petrel::jobs", "{err}"),
            _ => {}
        }
        let permits = Arc::new(Semaphore::new(queue.settings.concurrency.max(1)));
        let mut next_prune = tokio::time::Instant::now();
        let running: Arc<Mutex<HashSet<String>>> = Arc::default();
        loop {
            if *stop.borrow() {
                break;
            }
            if tokio::time::Instant::now() >= next_prune {
                // Retention: finished jobs are kept up to a count and an age. And jobs of
                // another process on the same store that died mid-run are taken over.
                next_prune = tokio::time::Instant::now() + Duration::from_secs(60);
                let store = queue.store.clone();
                let keep = queue.settings.keep_finished;
                let now = queue.clock.now_ms();
                let before = now - queue.settings.keep_for.as_millis() as i64;
                let woken = queue.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(err) = store.prune(keep, before) {
                        tracing::warn!(target: "petrel::jobs", "could not prune finished jobs: {err}");
                    }
                    match store.requeue_interrupted(now) {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!(target: "petrel::jobs", "{n} job(s) of a stopped Petrel process sharing this store are queued again");
                            woken.notify_queued();
                        }
                        Err(err) => tracing::warn!(target: "petrel::jobs", "{err}"),
                    }
                });
            }
            // Wait for a free run slot first (a loop that claims nothing while every slot is
            // busy would only spin on the store).
            let first = tokio::select! {
                permit = permits.clone().acquire_owned() => permit.expect("semaphore open"),
                _ = stop.changed() => continue,
            };
            // Claim a slot's worth of jobs at once (one commit for several jobs); the ones
            // beyond the free slots wait here for a slot, marked running (a crash re-runs them).
            let batch = queue.settings.concurrency.max(1);
            let store = queue.store.clone();
            let now = queue.clock.now_ms();
            let claimed =
                match tokio::task::spawn_blocking(move || store.claim_due(now, batch)).await {
                    Ok(Ok(jobs)) => jobs,
                    Ok(Err(err)) => {
                        tracing::error!(target: "petrel::jobs", "{err}");
                        Vec::new()
                    }
                    Err(_) => Vec::new(),
                };
            let got_any = !claimed.is_empty();
            let mut first = Some(first);
            for job in claimed {
                let permit = match first.take() {
                    Some(permit) => permit,
                    None => permits
                        .clone()
                        .acquire_owned()
                        .await
                        .expect("semaphore open"),
                };
                running.lock().expect("running").insert(job.id.clone());
                let app = self.app.clone();
                let queue = queue.clone();
                let running = running.clone();
                let host = self.host.clone();
                tokio::spawn(async move {
                    let id = job.id.clone();
                    let record = execute(&app, &queue, job, &host).await;
                    // The slot is free as soon as the run ended; the outcome's commit follows
                    // (sharing a commit with others). A crash before it re-runs the job; a
                    // graceful stop waits for it (the job counts as running until recorded).
                    drop(permit);
                    record.await;
                    running.lock().expect("running").remove(&id);
                });
            }
            drop(first);
            if got_any {
                continue;
            }
            // Nothing due: sleep until the next job is due, a job is queued, a run ends, or
            // a stop; at most a second (the clock may be moved by tests).
            let store = queue.store.clone();
            let next = tokio::task::spawn_blocking(move || store.next_due())
                .await
                .ok()
                .and_then(Result::ok)
                .flatten();
            let wait = next
                .map(|at| queue.clock.real_delay(at - queue.clock.now_ms()))
                .unwrap_or(Duration::from_secs(1))
                .min(Duration::from_secs(1));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = queue.queued.notified() => {}
                _ = stop.changed() => {}
            }
        }
        // Graceful stop: let running jobs end within the grace period.
        let deadline = tokio::time::Instant::now() + queue.settings.grace;
        while !running.lock().expect("running").is_empty() && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left = running.lock().expect("running").len();
        if left > 0 {
            tracing::warn!(
                target: "petrel::jobs",
                "{left} background job(s) still running at stop; they run again on the next start"
            );
        }
    }
}

/// Runs one job once; returns the recording of its outcome in the store (to await after the
/// run slot is given back).
async fn execute(
    app: &Arc<App>,
    queue: &Arc<BackgroundQueue>,
    job: Job,
    host: &str,
) -> impl std::future::Future<Output = ()> + use<> {
    let what = what(&job);
    let occurrence = job
        .scheduled_for_ms
        .map(|at| format!(", occurrence {}", petrel_schedule::iso(at)))
        .unwrap_or_default();
    tracing::info!(
        target: "petrel::jobs",
        job = %job.id,
        attempt = job.attempts,
        "Running {what} {} (job {}{occurrence}, attempt {} of {})",
        job.function,
        job.id,
        job.attempts,
        job.max_attempts
    );
    let generation = app.current();
    let outcome = match target_of(&generation, &job) {
        Some((id, pool, timeout)) => {
            run_once(
                pool,
                id,
                &job,
                timeout.unwrap_or(queue.settings.run_timeout),
                host,
            )
            .await
        }
        None => Err(format!(
            "the project has no {what} `{}` any more",
            job.function
        )),
    };
    let now = queue.clock.now_ms();
    let store = queue.store.clone();
    let id = job.id.clone();
    let write: Box<dyn FnOnce() -> Result<(), petrel_jobs::StoreError> + Send> = match outcome {
        Ok(()) => {
            tracing::info!(
                target: "petrel::jobs",
                job = %job.id,
                "Done executing {what} {} (job {})",
                job.function,
                job.id
            );
            Box::new(move || store.succeed(&id, now))
        }
        Err(error) => {
            let retry_at =
                queue
                    .settings
                    .retry
                    .next_run_at(&job.id, job.attempts, job.max_attempts, now);
            match retry_at {
                Some(at) => tracing::warn!(
                    target: "petrel::jobs",
                    job = %job.id,
                    "Error during {what} {} execution (job {}, attempt {}): {error}; retrying in {}s",
                    job.function,
                    job.id,
                    job.attempts,
                    (at - now) / 1000
                ),
                None => tracing::error!(
                    target: "petrel::jobs",
                    job = %job.id,
                    "Error during {what} {} execution (job {}, attempt {}): {error}; no attempts left, the job is kept as failed",
                    job.function,
                    job.id,
                    job.attempts
                ),
            }
            log_to_job(queue, &job, &format!("failed: {error}"));
            Box::new(move || store.fail(&id, &error, retry_at, now))
        }
    };
    async move {
        match tokio::task::spawn_blocking(write).await {
            Ok(Err(err)) => {
                tracing::error!(target: "petrel::jobs", "could not record a job's outcome: {err}")
            }
            Err(err) => {
                tracing::error!(target: "petrel::jobs", "could not record a job's outcome: {err}")
            }
            Ok(Ok(())) => {}
        }
    }
}

/// Adds a line to the job's log (what `petrel jobs show` prints), without waiting for it.
fn log_to_job(queue: &Arc<BackgroundQueue>, job: &Job, line: &str) {
    let store = queue.store.clone();
    let (id, attempt, line) = (job.id.clone(), job.attempts, line.to_string());
    let now = queue.clock.now_ms();
    tokio::task::spawn_blocking(move || {
        if let Err(err) = store.append_log(&id, attempt, &line, now) {
            tracing::warn!(target: "petrel::jobs", "could not write the log of job {id}: {err}");
        }
    });
}

/// The worker route id and pool that run `job` in `generation`, and the time limit of a
/// scheduled run (the function's own; background runs have the queue's).
fn target_of<'g>(
    generation: &'g Generation,
    job: &Job,
) -> Option<(u32, &'g petrel_worker::WorkerPool, Option<Duration>)> {
    let (id, timeout) = match job.kind {
        JobKind::NetlifyBackground => (generation.functions.id_of(&job.function)?, None),
        JobKind::NextBackground => (generation.routes_by_page.get(&job.function)?.id, None),
        JobKind::NetlifyScheduled => {
            let function = generation.functions.get(&job.function)?;
            (function.id, Some(function.timeout))
        }
        JobKind::NextScheduled => {
            let route = generation.routes_by_page.get(&job.function)?;
            (route.id, Some(route.timeout))
        }
    };
    Some((id, generation.background_pool(), timeout))
}

/// "background function" or "scheduled function", for log lines.
fn what(job: &Job) -> &'static str {
    if job.kind.is_scheduled() {
        "scheduled function"
    } else {
        "background function"
    }
}

/// One run: the stored request replayed to a worker, with the job id and attempt as headers.
async fn run_once(
    pool: &petrel_worker::WorkerPool,
    route: u32,
    job: &Job,
    timeout: Duration,
    host: &str,
) -> Result<(), String> {
    let request = &job.request;
    let mut builder = Request::builder()
        .method(request.method.as_str())
        .uri(request.path.as_str());
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if !request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        builder = builder.header("host", host);
    }
    builder = builder
        .header("x-petrel-job-id", job.id.as_str())
        .header("x-petrel-attempt", job.attempts.to_string());
    let body = Full::new(Bytes::from(request.body.clone()))
        .map_err(|never| match never {})
        .boxed();
    let http = builder
        .body(body)
        .map_err(|e| format!("the stored request is not valid: {e}"))?;
    let params = match &request.params {
        serde_json::Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    let meta = RequestMeta {
        route,
        params,
        remote_addr: "127.0.0.1".into(),
        remote_port: 0,
        pattern: request.route_pattern.clone(),
    };
    match pool.dispatch(http, &meta, timeout).await {
        Ok(response) => {
            let failed = response.headers().contains_key(INVOCATION_ERROR_HEADER);
            let status = response.status();
            tracing::debug!(target: "petrel::jobs", job = %job.id, "the run answered {status}");
            let body = response.into_body().collect().await;
            if failed {
                let text = body
                    .map(|b| String::from_utf8_lossy(&b.to_bytes()).trim().to_string())
                    .unwrap_or_default();
                Err(if text.is_empty() {
                    format!("the handler failed ({status})")
                } else {
                    text
                })
            } else {
                Ok(())
            }
        }
        Err(DispatchError::Timeout { after }) => Err(format!(
            "the run passed its time limit of {}s",
            after.as_secs()
        )),
        Err(err) => Err(err.to_string()),
    }
}

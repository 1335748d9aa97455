//! Everything Petrel prints for people: the start banner, one line per request in the style
//! of `next dev`, warnings and errors. With `--json`, the same events as JSON lines.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use petrel_project::Project;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the log subscriber: human lines, or JSON lines with `--json`.
/// `PETREL_LOG` (an `EnvFilter` directive such as `debug`) raises the detail.
pub fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_env("PETREL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if json {
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(|| BufferedStdout)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::registry()
            .with(filter)
            .with(HumanLayer)
            .init();
    }
}

/// Prints the start banner (human) or a `ready` event (JSON).
pub fn ready(
    hostname: &str,
    addr: SocketAddr,
    project: &Project,
    env_files: &[String],
    took: Duration,
    json: bool,
) {
    let local = match hostname {
        "0.0.0.0" | "::" => format!("http://localhost:{}", addr.port()),
        _ => format!("http://{addr}"),
    };
    if json {
        tracing::info!(
            target: "petrel::ready",
            url = %local,
            address = %addr,
            routes = project.routes.len(),
            env_files = %env_files.join(","),
            ms = took.as_millis() as u64,
            "ready on {local}"
        );
        return;
    }
    let mut out = String::new();
    let _ = writeln!(out, "   ▲ Petrel {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "   - Local:        {local}");
    if matches!(hostname, "0.0.0.0" | "::") {
        let _ = writeln!(out, "   - Network:      http://{addr}");
    }
    if !env_files.is_empty() {
        let _ = writeln!(out, "   - Environments: {}", env_files.join(", "));
    }
    let _ = writeln!(out, "   - API routes:   {}", project.routes.len());
    let _ = writeln!(out);
    let _ = writeln!(out, " ✓ Ready in {}ms", took.as_millis());
    flush();
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// Prints a fatal error (with its causes) before exiting non-zero.
pub fn fatal(err: &anyhow::Error) {
    flush();
    let mut text = format!(" ⨯ {err}");
    for cause in err.chain().skip(1) {
        let _ = write!(text, "\n   caused by: {cause}");
    }
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Formats events the way `next dev` prints: requests on stdout, problems on stderr.
struct HumanLayer;

impl<S: Subscriber> tracing_subscriber::Layer<S> for HumanLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut visitor = MessageVisitor::default();
        event.record(&mut visitor);
        let meta = event.metadata();
        let target = meta.target();
        let mut line = String::new();
        let to_stderr = match *meta.level() {
            Level::ERROR => {
                line.push_str(" ⨯ ");
                true
            }
            Level::WARN => {
                line.push_str(" ⚠ ");
                true
            }
            _ => {
                line.push(' ');
                false
            }
        };
        if target == "petrel::handler" && !visitor.page.is_empty() && *meta.level() == Level::ERROR
        {
            let _ = write!(line, "{} {{ page: '{}' }}", visitor.message, visitor.page);
        } else {
            line.push_str(&visitor.message);
        }
        line.push('\n');
        if to_stderr {
            // Request lines printed before this problem come first, as they happened.
            stdout_buffer().flush();
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        } else {
            stdout_buffer().push(line.as_bytes());
        }
    }
}

/// Request lines are many and small: they are collected and written every few milliseconds
/// (or when 32 KiB are waiting) by a background thread, instead of one `write` per request.
struct StdoutBuffer {
    pending: std::sync::Mutex<Vec<u8>>,
    wake: std::sync::Condvar,
}

impl StdoutBuffer {
    fn push(&self, bytes: &[u8]) {
        let mut pending = self.pending.lock().expect("stdout buffer");
        pending.extend_from_slice(bytes);
        if pending.len() >= 32 * 1024 {
            self.wake.notify_one();
        }
    }

    fn flush(&self) {
        let chunk = std::mem::take(&mut *self.pending.lock().expect("stdout buffer"));
        if !chunk.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&chunk);
            let _ = out.flush();
        }
    }
}

fn stdout_buffer() -> &'static StdoutBuffer {
    static BUFFER: std::sync::OnceLock<StdoutBuffer> = std::sync::OnceLock::new();
    BUFFER.get_or_init(|| {
        std::thread::Builder::new()
            .name("petrel-log".into())
            .spawn(|| {
                let buffer = stdout_buffer();
                loop {
                    {
                        let pending = buffer.pending.lock().expect("stdout buffer");
                        let _ = buffer
                            .wake
                            .wait_timeout(pending, Duration::from_millis(20))
                            .expect("stdout buffer");
                    }
                    buffer.flush();
                }
            })
            .expect("spawn the log thread");
        StdoutBuffer {
            pending: std::sync::Mutex::new(Vec::new()),
            wake: std::sync::Condvar::new(),
        }
    })
}

/// `Write` into the stdout buffer (for the JSON formatter).
struct BufferedStdout;

impl std::io::Write for BufferedStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        stdout_buffer().push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes out buffered log lines (before exiting).
pub fn flush() {
    stdout_buffer().flush();
}

#[derive(Default)]
struct MessageVisitor {
    message: String,
    page: String,
}

impl Visit for MessageVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_string(),
            "page" => self.page = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

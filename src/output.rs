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

/// `print!` for command output: a closed stdout (`petrel routes | head`) ends the process
/// quietly, as Unix tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::to_stdout(format_args!($($arg)*)) };
}

/// `println!` for command output, with `out!`'s handling of a closed stdout.
macro_rules! outln {
    () => { $crate::output::to_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::to_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Writes command output; exits with status 0 when the reader has gone away (a broken pipe
/// means it has read all it wanted), and with 1 on any other write error.
pub fn to_stdout(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {error}");
        std::process::exit(1);
    }
}

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
            app_routes = project.app_routes.len(),
            functions = project.functions.len(),
            env_files = %env_files.join(","),
            ms = took.as_millis() as u64,
            "ready on {local}"
        );
        return;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "   {} {}",
        paint(Paint::Bold, "▲ Petrel"),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "   - Local:        {local}");
    if matches!(hostname, "0.0.0.0" | "::") {
        let network =
            network_ip().map_or_else(|| addr.to_string(), |ip| format!("{ip}:{}", addr.port()));
        let _ = writeln!(out, "   - Network:      http://{network}");
    }
    if !env_files.is_empty() {
        let _ = writeln!(out, "   - Environments: {}", env_files.join(", "));
    }
    let _ = writeln!(out, "   - API routes:   {}", project.routes.len());
    if !project.app_routes.is_empty() {
        let _ = writeln!(out, "   - App routes:   {}", project.app_routes.len());
    }
    if !project.functions.is_empty() {
        let _ = writeln!(out, "   - Functions:    {}", project.functions.len());
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        " {} Ready in {}ms",
        paint(Paint::Green, "✓"),
        took.as_millis()
    );
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
                let _ = write!(line, " {} ", paint(Paint::Red, "⨯"));
                true
            }
            Level::WARN => {
                let _ = write!(line, " {} ", paint(Paint::Yellow, "⚠"));
                true
            }
            _ => {
                line.push(' ');
                false
            }
        };
        if target == "petrel::handler" && !visitor.page.is_empty() && *meta.level() == Level::ERROR
        {
            // Like `next dev`: the page after the error (on its own line after a stack).
            let sep = if visitor.message.contains('\n') {
                '\n'
            } else {
                ' '
            };
            let _ = write!(
                line,
                "{}{sep}{{ page: '{}' }}",
                visitor.message, visitor.page
            );
        } else if target == "petrel::request" && visitor.status > 0 && colors() {
            // Color the status code the way `next dev` does.
            let status = visitor.status.to_string();
            let color = match visitor.status {
                200..=299 => Paint::Green,
                300..=399 => Paint::Cyan,
                400..=499 => Paint::Yellow,
                _ => Paint::Red,
            };
            let needle = format!(" {status} in ");
            line.push_str(&visitor.message.replacen(
                &needle,
                &format!(" {} in ", paint(color, &status)),
                1,
            ));
        } else if let Some(rest) = visitor.message.strip_prefix("✓ ") {
            let _ = write!(line, "{} {rest}", paint(Paint::Green, "✓"));
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
    status: u64,
}

impl Visit for MessageVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_string(),
            "page" => self.page = value.to_string(),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "status" {
            self.status = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

#[derive(Clone, Copy)]
enum Paint {
    Bold,
    Green,
    Cyan,
    Yellow,
    Red,
}

/// Whether to color the output: stdout is a terminal and `NO_COLOR` is not set.
fn colors() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        use std::io::IsTerminal as _;
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    })
}

fn paint(paint: Paint, text: &str) -> String {
    if !colors() {
        return text.to_string();
    }
    let code = match paint {
        Paint::Bold => "1",
        Paint::Green => "32",
        Paint::Cyan => "36",
        Paint::Yellow => "33",
        Paint::Red => "31",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// This machine's address on its network (what `- Network:` shows), found by asking the OS
/// which local address would route to a public one; no packet is sent.
fn network_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

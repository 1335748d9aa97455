//! `petrel invoke NAME [DIR]`: runs one function now and prints its answer, the way
//! `netlify functions:invoke` does, without a server left running.
//!
//! A scheduled function (or `experimental-scheduled` route) gets what the scheduler sends:
//! `POST`, Netlify's user agent and event header, and `{"next_run": …}`; any other function or
//! route gets a `POST` with `--payload`. The project is served, as `petrel dev` serves it, on
//! a free local port for the length of the call, so the function's `fetch` of the project's
//! own routes works.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use petrel_jobs::Clock as _;
use petrel_project::{Mode, Project, ProjectBuilder, RouteKind};
use petrel_server::{App, ServerOptions};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::app::{Launch, ServeSettings, start_generation};

/// Arguments of `petrel invoke`.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// A Netlify function's name (`nightly-report`) or a Next.js API route (`/api/cron`).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The JSON body sent to a function that is not scheduled (default: none).
    #[arg(long, value_name = "JSON")]
    pub payload: Option<String>,
}

/// What to send, and where.
struct Invocation {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The invocation of `name` in `project`, or an error listing what can be invoked.
fn invocation(project: &Project, name: &str, payload: Option<&str>) -> anyhow::Result<Invocation> {
    let now = petrel_jobs::SystemClock.now_ms();
    let plain = |path: String| Invocation {
        path,
        headers: vec![("content-type".into(), "application/json".into())],
        body: payload.unwrap_or("").as_bytes().to_vec(),
    };
    let scheduled = |path: String, cron: &str| -> anyhow::Result<Invocation> {
        let schedule = petrel_schedule::Schedule::parse(cron)
            .with_context(|| format!("{name} has an invalid schedule"))?;
        let request =
            petrel_schedule::scheduler::scheduled_request(&path, schedule.next_after(now));
        Ok(Invocation {
            path,
            headers: request.headers,
            body: request.body,
        })
    };
    if let Some(function) = project.functions.iter().find(|f| f.name == name) {
        if let Some(error) = &function.error {
            anyhow::bail!("{}", error.message);
        }
        let default = format!("/.netlify/functions/{name}");
        return match &function.config.schedule {
            Some(cron) => scheduled(default, cron),
            None => {
                let path = match function.config.paths.first() {
                    Some(path) if !path.contains([':', '*', '(', '{']) => path.clone(),
                    Some(path) => anyhow::bail!(
                        "function {name} is served at the pattern {path}; call a URL of it while `petrel dev` runs"
                    ),
                    None => default,
                };
                Ok(plain(path))
            }
        };
    }
    if let Some(route) = project.routes.iter().find(|r| r.page == name) {
        if let Some(error) = &route.error {
            anyhow::bail!("{}", error.message);
        }
        let path = format!("{}{}", project.base_path, route.page);
        return match &route.config.kind {
            RouteKind::Scheduled {
                schedule: Some(cron),
            } => scheduled(path, cron),
            _ => Ok(plain(path)),
        };
    }
    let mut known: Vec<&str> = project.functions.iter().map(|f| f.name.as_str()).collect();
    known.extend(project.routes.iter().map(|r| r.page.as_str()));
    anyhow::bail!(
        "{name:?} is neither a Netlify function nor an API route of {}; these are: {}",
        project.root.display(),
        if known.is_empty() {
            "(none)".to_string()
        } else {
            known.join(", ")
        }
    )
}

/// Runs the function once; prints the status line to stderr and the body to stdout. Fails
/// (exit 1) when the answer is a 5xx.
pub async fn run(args: InvokeArgs, json: bool) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let project = ProjectBuilder::new(&dir, Mode::Dev)?.build()?;
    let call = invocation(&project, &args.name, args.payload.as_deref())?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let launch = Launch {
        settings: ServeSettings {
            dir: dir.clone(),
            hostname: "127.0.0.1".into(),
            port: addr.port(),
            workers: Some(1),
            dev: true,
            json,
            clock_speed: None,
            clock_start_ms: None,
        },
        addr,
        job_log: Default::default(),
        schedules: Default::default(),
    };
    let generation = start_generation(&launch, &project, None)
        .await
        .context("could not start the Node workers")?;
    let app = Arc::new(App::new(generation, ServerOptions { dev: true }));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(petrel_server::serve(listener, app.clone(), async {
        let _ = stopped.await;
    }));

    let answer = send(addr, &call).await;
    let _ = stop.send(());
    let _ = server.await;
    app.current().shutdown().await;
    let (status, head, body) = answer?;
    eprintln!("{head}");
    use std::io::Write as _;
    let mut stdout = std::io::stdout();
    stdout.write_all(&body)?;
    if !body.is_empty() && !body.ends_with(b"\n") {
        stdout.write_all(b"\n")?;
    }
    stdout.flush()?;
    if status >= 500 {
        anyhow::bail!("{} answered {status}", args.name);
    }
    Ok(())
}

/// One HTTP/1.1 request over a fresh connection; returns the status, the status line and the
/// (de-chunked) body.
async fn send(
    addr: std::net::SocketAddr,
    call: &Invocation,
) -> anyhow::Result<(u16, String, Vec<u8>)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut request = format!(
        "POST {} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        call.path,
        call.body.len()
    );
    for (name, value) in &call.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    stream.write_all(&call.body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("the server's answer had no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status_line = head.lines().next().unwrap_or("").to_string();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the server's answer had no status")?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, status_line, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&data[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || data.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[(end + 4 + size).min(data.len())..];
    }
    out
}

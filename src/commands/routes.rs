//! `petrel routes [DIR]`: the route table as Petrel matches it, in precedence order — the
//! first thing to look at when a URL does not reach the route you expect.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use petrel_project::{ApiRoute, Mode, PagesApiConfig, ProjectBuilder, RouteKind, Runtime};

/// Arguments of `petrel routes`.
#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// The project folder (default: the current folder).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the route table (a JSON array with `--json`). Routes that do not build are listed
/// with their error; the command then exits non-zero.
pub fn run(args: RoutesArgs, json: bool) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let mut builder = ProjectBuilder::new(&dir, Mode::Start)?;
    let project = builder.build()?;
    let rel = |route: &ApiRoute| {
        route
            .file
            .strip_prefix(&project.root)
            .unwrap_or(&route.file)
            .display()
            .to_string()
    };
    let url = |route: &ApiRoute| format!("{}{}", project.base_path, route.page);
    let broken = project.routes.iter().filter(|r| r.error.is_some()).count();
    if json {
        let rows: Vec<serde_json::Value> = project
            .routes
            .iter()
            .map(|route| {
                serde_json::json!({
                    "route": url(route),
                    "file": rel(route),
                    "kind": kind(&route.config),
                    "config": config_summary(&route.config),
                    "error": route.error.as_ref().map(|e| e.message.clone()),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", table(&project.routes, &url, &rel));
    }
    if broken > 0 {
        anyhow::bail!("{broken} route(s) do not build; their errors are listed above");
    }
    Ok(())
}

fn table(
    routes: &[ApiRoute],
    url: &dyn Fn(&ApiRoute) -> String,
    rel: &dyn Fn(&ApiRoute) -> String,
) -> String {
    let header = ["Route", "File", "Kind", "Config"];
    let rows: Vec<[String; 4]> = routes
        .iter()
        .map(|r| {
            [
                url(r),
                rel(r),
                kind(&r.config),
                config_summary(&r.config).join(", "),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 3 {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ", width = widths[i]);
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, header);
    for (row, route) in rows.iter().zip(routes) {
        line(&mut out, [&row[0], &row[1], &row[2], &row[3]]);
        if let Some(error) = &route.error {
            for text in error.message.lines() {
                let _ = writeln!(out, "    ⨯ {text}");
            }
        }
    }
    if routes.is_empty() {
        let _ = writeln!(
            out,
            "(no API routes: Petrel serves pages/api/** or src/pages/api/**)"
        );
    }
    out
}

/// `pages`, `pages (edge)`, `background` or `scheduled <cron>`.
fn kind(config: &PagesApiConfig) -> String {
    match &config.kind {
        RouteKind::Background => "background".into(),
        RouteKind::Scheduled { schedule } => match schedule {
            Some(cron) => format!("scheduled {cron}"),
            None => "scheduled".into(),
        },
        RouteKind::Normal => match config.runtime {
            Runtime::Nodejs => "pages".into(),
            Runtime::Edge => "pages (edge)".into(),
        },
    }
}

/// The settings that differ from Next's defaults, as `key=value`.
fn config_summary(config: &PagesApiConfig) -> Vec<String> {
    let defaults = PagesApiConfig::default();
    let mut out = Vec::new();
    if !config.body_parser {
        out.push("bodyParser=false".into());
    } else if config.size_limit != defaults.size_limit {
        out.push(format!("sizeLimit={}", plain(&config.size_limit)));
    }
    if config.response_limit != defaults.response_limit {
        out.push(format!("responseLimit={}", plain(&config.response_limit)));
    }
    if config.external_resolver {
        out.push("externalResolver=true".into());
    }
    if let Some(seconds) = config.max_duration {
        out.push(format!("maxDuration={seconds}"));
    }
    out
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

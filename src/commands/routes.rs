//! `petrel routes [DIR]`: the route table as Petrel matches it, in precedence order — the
//! first thing to look at when a URL does not reach the route you expect.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use petrel_project::{
    ApiRoute, FunctionApi, Mode, NetlifyFunction, PagesApiConfig, ProjectBuilder, RouteKind,
    Runtime,
};

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
    let mut rows: Vec<Row> = Vec::new();
    // Netlify Functions come first: they are matched before the Next.js routes.
    for function in &project.functions {
        rows.push(function_row(function, &project.root));
    }
    let mut next_rows: Vec<(String, Row)> = Vec::new();
    for route in &project.routes {
        next_rows.push((
            route.page.clone(),
            Row {
                route: url(route),
                file: rel(route),
                kind: kind(&route.config),
                config: config_summary(&route.config),
                error: route.error.as_ref().map(|e| e.message.clone()),
            },
        ));
    }
    // App Router route handlers share the URL space with Pages routes.
    for route in &project.app_routes {
        next_rows.push((
            route.page.clone(),
            Row {
                route: format!("{}{}", project.base_path, route.page),
                file: route
                    .file
                    .strip_prefix(&project.root)
                    .unwrap_or(&route.file)
                    .display()
                    .to_string(),
                kind: if route.methods.is_empty() {
                    "app (no methods)".to_string()
                } else {
                    format!("app {}", route.methods.join(" "))
                },
                config: route.segment.summary(),
                error: route.error.as_ref().map(|e| e.message.clone()),
            },
        ));
    }
    next_rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.extend(next_rows.into_iter().map(|(_, row)| row));
    let broken = rows.iter().filter(|r| r.error.is_some()).count();
    if json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|row| {
                serde_json::json!({
                    "route": row.route,
                    "file": row.file,
                    "kind": row.kind,
                    "config": row.config,
                    "error": row.error,
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        out!("{}", table(&rows));
    }
    if broken > 0 {
        anyhow::bail!("{broken} route(s) do not build; their errors are listed above");
    }
    Ok(())
}

/// One line of the table.
struct Row {
    route: String,
    file: String,
    kind: String,
    config: Vec<String>,
    error: Option<String>,
}

fn function_row(function: &NetlifyFunction, root: &std::path::Path) -> Row {
    let config = &function.config;
    let route = if config.paths.is_empty() {
        format!("/.netlify/functions/{}", function.name)
    } else {
        config.paths.join(" ")
    };
    let api = match function.api {
        FunctionApi::V1 => "v1",
        FunctionApi::V2 => "v2",
    };
    let kind = if config.background {
        format!("netlify {api} background")
    } else if let Some(cron) = &config.schedule {
        format!("netlify {api} scheduled {cron}")
    } else {
        format!("netlify {api}")
    };
    let mut summary = Vec::new();
    if let Some(methods) = &config.methods {
        summary.push(format!("method={}", methods.join("|")));
    }
    if !config.excluded_paths.is_empty() {
        summary.push(format!("excludedPath={}", config.excluded_paths.join(" ")));
    }
    if let Some(timeout) = config.timeout {
        summary.push(format!("timeout={timeout}"));
    }
    if !function.valid_name {
        summary.push("invalid name (answers 400)".into());
    }
    Row {
        route,
        file: function
            .file
            .strip_prefix(root)
            .unwrap_or(&function.file)
            .display()
            .to_string(),
        kind,
        config: summary,
        error: function.error.as_ref().map(|e| e.message.clone()),
    }
}

fn table(rows: &[Row]) -> String {
    let header = ["Route", "File", "Kind", "Config"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.route.clone(),
                r.file.clone(),
                r.kind.clone(),
                r.config.join(", "),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
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
    for (cells, row) in cells.iter().zip(rows) {
        line(&mut out, [&cells[0], &cells[1], &cells[2], &cells[3]]);
        if let Some(error) = &row.error {
            for text in error.lines() {
                let _ = writeln!(out, "    ⨯ {text}");
            }
        }
    }
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "(no routes: Petrel serves pages/api/**, src/pages/api/** and netlify/functions/*)"
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

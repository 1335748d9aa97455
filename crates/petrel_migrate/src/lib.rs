//! `petrel migrate`: Next.js "advanced API routes" (`config.type` `experimental-background` /
//! `experimental-scheduled`, which Netlify's current Next.js runtime refuses to build) become
//! Netlify Functions.
//!
//! [`plan`] reads a built [`Project`] (so detection is the runtime's: `pages/` or
//! `src/pages/`, `pageExtensions`, static `config`): per route, the function's name, file,
//! `config.path` or `config.schedule`, the route's source without its advanced keys, and what
//! needs a hand afterwards; routes that cannot be migrated get an error of their own and do not
//! stop the others. [`changes`] turns the plan into files: each function runs the route's
//! unchanged handler through an adapter module written once into the functions folder
//! (`res.revalidate`, `revalidatePath` and `revalidateTag` go through small Next.js routes the
//! migration adds), shown as diffs or written.

mod apply;
mod edit;
mod generate;
mod naming;
mod rewrite;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use petrel_project::{Project, RouteKind};

pub use apply::{FileChange, WriteRefused, changes, check, write};
pub use edit::{
    CacheRedirect, redirect_next_cache, rewrite_relative_imports, strip_advanced_config,
};
pub use generate::{
    ADAPTER_FILE, NEXT_CACHE_FILE, REVALIDATE_CACHE_ROUTE, REVALIDATE_ROUTE, function_source,
    import_specifier,
};
pub use naming::{Kind, function_name, function_path};
pub use rewrite::{Handler, idiomatic};

/// One route's migration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoutePlan {
    /// The route (`/api/[slug]/background-function`).
    pub page: String,
    /// Its file, relative to the project.
    pub file: String,
    /// Background or scheduled.
    pub kind: Kind,
    /// The Netlify function's name.
    pub function: String,
    /// The function's file to write, relative to the project.
    pub target: String,
    /// `config.path` of a background function (callers keep their URL).
    pub path: Option<String>,
    /// `config.schedule` of a scheduled function.
    pub schedule: Option<String>,
    /// How the handler is kept: `"adapter"` (the unchanged handler runs through the adapter
    /// module) or `"rewrite"` (the handler's code, rewritten for Netlify's API, moves into the
    /// function; only with `--delete-routes`).
    pub approach: &'static str,
    /// The handler module rewritten for Netlify's API, when it is simple enough.
    #[serde(skip)]
    pub rewritten: Option<String>,
    /// What the migration cannot do by itself, one sentence each, with `file:line`.
    pub follow_ups: Vec<String>,
    /// The route file as it is.
    #[serde(skip)]
    pub route_before: String,
    /// The route file without `type`/`schedule` in its config, and with `revalidatePath` /
    /// `revalidateTag` imported from the migration's `next-cache` module.
    #[serde(skip)]
    pub route_after: String,
    /// It calls `revalidatePath`/`revalidateTag`, so the cache route is needed.
    #[serde(skip)]
    pub uses_next_cache: bool,
    /// Other project files that import the route (then `--delete-routes` keeps it).
    pub used_by: Vec<String>,
    /// The route's `config.api` settings the adapter must honour (`bodyParser`, `sizeLimit`,
    /// `externalResolver`), when not Next's defaults.
    pub adapter_options: serde_json::Map<String, serde_json::Value>,
}

/// A route that cannot be migrated, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RouteProblem {
    /// The route.
    pub page: String,
    /// Its file, relative to the project.
    pub file: String,
    /// What is wrong and what to do.
    pub error: String,
}

/// The whole migration of a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// The routes that will become functions, in route order.
    pub routes: Vec<RoutePlan>,
    /// The advanced routes that cannot be migrated as they are.
    pub problems: Vec<RouteProblem>,
    /// The Next.js route serving `res.revalidate` for the functions, when one is needed.
    #[serde(skip)]
    pub revalidate_route: Option<PathBuf>,
    /// The App Router route serving `revalidatePath`/`revalidateTag`, when one is needed.
    #[serde(skip)]
    pub revalidate_cache_route: Option<PathBuf>,
}

/// Plans the migration of every advanced API route of `project`.
pub fn plan(project: &Project) -> Plan {
    plan_with_progress(project, false, &mut |_, _| {})
}

/// [`plan`], calling `progress(done, total)` after each route (a large project's `petrel
/// migrate` shows it).
/// With `delete_routes`, a route no other file imports and whose handler is simple enough (see
/// [`idiomatic`]) gets the `"rewrite"` approach: its code moves into the function, rewritten
/// for Netlify's API.
pub fn plan_with_progress(
    project: &Project,
    delete_routes: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Plan {
    let rel = |file: &Path| {
        file.strip_prefix(&project.root)
            .unwrap_or(file)
            .display()
            .to_string()
    };
    let functions_dir = rel(&project.functions_dir);
    let mut out = Plan::default();
    let mut candidates = Vec::new();
    let total = project.routes.len();
    for (done, route) in project.routes.iter().enumerate() {
        progress(done, total);
        let file = rel(&route.file);
        let source = std::fs::read_to_string(&route.file).unwrap_or_default();
        let (kind, schedule) = match &route.config.kind {
            RouteKind::Background => (Kind::Background, None),
            RouteKind::Scheduled { schedule } => (Kind::Scheduled, schedule.clone()),
            RouteKind::Normal => {
                // A config the build could not read, or one Next.js never reads (CommonJS),
                // may still be meant as an advanced route's: say so rather than skip it.
                if source.contains("experimental-background")
                    || source.contains("experimental-scheduled")
                {
                    let error = match &route.error {
                        Some(error) => format!(
                            "its `config` must be an object literal for the migration to read it: {}",
                            error.message
                        ),
                        None => "it mentions an advanced route type, but not in an `export const config = {…}` object literal, the only config Next.js (and Netlify's runtime) reads, so it runs as a normal route today; write the config that way to migrate it".into(),
                    };
                    out.problems.push(RouteProblem {
                        page: route.page.clone(),
                        file,
                        error,
                    });
                }
                continue;
            }
        };
        if kind == Kind::Scheduled && schedule.is_none() {
            out.problems.push(RouteProblem {
                page: route.page.clone(),
                file,
                error: "schedule is required when type is \"experimental-scheduled\": add e.g. `schedule: \"@hourly\"` to the config, then migrate".into(),
            });
            continue;
        }
        let route_after = match strip_advanced_config(&route.file, &source) {
            Ok(Some(after)) => after,
            Ok(None) => {
                out.problems.push(RouteProblem {
                    page: route.page.clone(),
                    file,
                    error: "its config is not an `export const config = {…}` object literal (CommonJS?), so the migration cannot take `type`/`schedule` out of it: write it as one, then migrate".into(),
                });
                continue;
            }
            Err(error) => {
                out.problems.push(RouteProblem {
                    page: route.page.clone(),
                    file,
                    error,
                });
                continue;
            }
        };
        let mut follow_ups = follow_ups(&file, &source);
        let next_cache = generate::import_specifier(
            route.file.parent().unwrap_or(&project.root),
            &project.functions_dir.join(NEXT_CACHE_FILE),
        );
        let (route_after, uses_next_cache) = match redirect_next_cache(
            &route.file,
            &route_after,
            &next_cache,
        ) {
            Ok(redirect) => {
                follow_ups.extend(redirect.moved.iter().map(|(line, name)| {
                        format!("{file}:{line}: `{name}` needs Next.js: it now comes from {functions_dir}/{NEXT_CACHE_FILE}, which has the App Router route {REVALIDATE_CACHE_ROUTE} (written by the migration) make the call; set PETREL_REVALIDATE_SECRET in the site's environment so only your functions can call it")
                    }));
                follow_ups.extend(redirect.left.iter().map(|(line, what)| {
                        format!("{file}:{line}: `{what}` (next/cache) cannot run in a Netlify Function: move that code into a Next.js route and `fetch` it from the function (by hand)")
                    }));
                (redirect.source, !redirect.moved.is_empty())
            }
            Err(_) => (route_after, false),
        };
        let function = function_name(&route.page, kind);
        let target = format!("{functions_dir}/{function}.mts");
        candidates.push(RoutePlan {
            page: route.page.clone(),
            file: file.clone(),
            kind,
            path: (kind == Kind::Background)
                .then(|| function_path(&project.base_path, &route.page)),
            schedule,
            approach: "adapter",
            rewritten: idiomatic(&rewrite::Handler {
                file: &route.file,
                source: &source,
                kind,
                page: &route.page,
                body_parsed: route.config.body_parser,
            }),
            follow_ups,
            uses_next_cache,
            function,
            target,
            route_before: source,
            route_after,
            adapter_options: adapter_options(&route.config),
            used_by: Vec::new(),
        });
    }

    progress(total, total);

    // Names must be unique among the new functions and the project's own.
    let mut taken: HashMap<String, usize> = HashMap::new();
    for plan in &candidates {
        *taken.entry(plan.function.clone()).or_default() += 1;
    }
    for plan in candidates {
        let existing = project
            .functions
            .iter()
            .find(|f| f.name == plan.function)
            .map(|f| rel(&f.file));
        let error = if taken[&plan.function] > 1 {
            Some(format!(
                "another advanced route would also become the function `{}`; rename one of the routes, then migrate",
                plan.function
            ))
        } else {
            existing.map(|file| {
                format!(
                    "the project already has a function `{}` ({file}); rename it or the route, then migrate",
                    plan.function
                )
            })
        };
        match error {
            Some(error) => out.problems.push(RouteProblem {
                page: plan.page,
                file: plan.file,
                error,
            }),
            None => out.routes.push(plan),
        }
    }
    let importers = importers(
        project,
        out.routes.iter().map(|r| project.root.join(&r.file)),
    );
    for route in &mut out.routes {
        if let Some(users) = importers.get(&project.root.join(&route.file)) {
            route.used_by = users.iter().map(|f| rel(f)).collect();
        }
        if delete_routes && route.used_by.is_empty() && route.rewritten.is_some() {
            route.approach = "rewrite";
            // A JavaScript handler stays JavaScript.
            if [".js", ".jsx", ".mjs", ".cjs"]
                .iter()
                .any(|ext| route.file.ends_with(ext))
            {
                route.target = route.target.replace(".mts", ".mjs");
            }
        }
    }
    if out.routes.iter().any(apply::uses_revalidate) {
        out.revalidate_route = revalidate_route(project);
        if out.revalidate_route.is_none() {
            for route in out.routes.iter_mut().filter(|r| apply::uses_revalidate(r)) {
                route.follow_ups.push(
                    "no page extension of this project is TypeScript, so the revalidation route was not written: add a Next.js API route at /api/petrel-revalidate that calls `res.revalidate` for each of `req.body.paths`".into(),
                );
            }
        }
    }
    if out.routes.iter().any(|r| r.uses_next_cache) {
        out.revalidate_cache_route = revalidate_cache_route(project);
        if out.revalidate_cache_route.is_none() {
            for route in out.routes.iter_mut().filter(|r| r.uses_next_cache) {
                route.follow_ups.push(format!(
                    "no page extension of this project is TypeScript, so the cache revalidation route was not written: add an App Router route at {REVALIDATE_CACHE_ROUTE} that calls `revalidatePath`/`revalidateTag` for each entry of the body's `revalidatePath`/`revalidateTag`"
                ));
            }
        }
    }
    out
}

/// Where the cache revalidation route goes: `api/petrel-revalidate-cache/route.<ext>` in the
/// App Router folder (`app/`, or `src/app/` in a `src/` project), with the first TypeScript
/// page extension.
fn revalidate_cache_route(project: &Project) -> Option<PathBuf> {
    let in_src = project
        .pages_dir
        .as_ref()
        .is_some_and(|pages| pages.starts_with(project.root.join("src")));
    let app = if !project.root.join("app").is_dir() && in_src {
        project.root.join("src").join("app")
    } else {
        project.root.join("app")
    };
    let ext = typescript_extension(project)?;
    Some(
        app.join("api")
            .join("petrel-revalidate-cache")
            .join(format!("route.{ext}")),
    )
}

/// The first page extension that is TypeScript (the routes the migration writes are).
fn typescript_extension(project: &Project) -> Option<&str> {
    project
        .page_extensions
        .iter()
        .find(|e| e.ends_with("ts") && !e.ends_with("mts") && !e.ends_with("cts"))
        .map(String::as_str)
}

/// For each of `files`, the project's source files that import it (relative specifiers,
/// with or without extension). Skips `node_modules` and build folders.
fn importers(
    project: &Project,
    files: impl Iterator<Item = PathBuf>,
) -> HashMap<PathBuf, Vec<PathBuf>> {
    let targets: Vec<PathBuf> = files.collect();
    let mut out: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    if targets.is_empty() {
        return out;
    }
    let stems: Vec<String> = targets
        .iter()
        .filter_map(|t| t.file_stem().map(|s| s.to_string_lossy().to_string()))
        .collect();
    let mut stack = vec![project.root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !["node_modules", ".git", ".next", ".netlify", ".petrel"]
                    .contains(&name.as_str())
                {
                    stack.push(path);
                }
                continue;
            }
            let is_source = ["js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts"]
                .iter()
                .any(|ext| name.ends_with(&format!(".{ext}")));
            if !is_source || targets.contains(&path) {
                continue;
            }
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            // Cheap first: only files naming one of the routes are parsed.
            if !stems.iter().any(|s| source.contains(s.as_str())) {
                continue;
            }
            let dir = path.parent().unwrap_or(&project.root);
            for specifier in edit::relative_specifiers(&path, &source) {
                let resolved = edit::normalize(&dir.join(&specifier));
                for target in &targets {
                    if resolved == *target || resolved == target.with_extension("") {
                        out.entry(target.clone()).or_default().push(path.clone());
                    }
                }
            }
        }
    }
    out
}

/// The route's body-parsing settings, for the adapter (only those that differ from Next's
/// defaults).
fn adapter_options(
    config: &petrel_project::PagesApiConfig,
) -> serde_json::Map<String, serde_json::Value> {
    let defaults = petrel_project::PagesApiConfig::default();
    let mut out = serde_json::Map::new();
    if config.body_parser != defaults.body_parser {
        out.insert("bodyParser".into(), config.body_parser.into());
    }
    if config.size_limit != defaults.size_limit {
        out.insert("sizeLimit".into(), config.size_limit.clone());
    }
    if config.external_resolver {
        out.insert("externalResolver".into(), true.into());
    }
    out
}

/// Where the revalidation route goes: `api/petrel-revalidate.<ext>` in the pages folder, with
/// the first TypeScript page extension.
fn revalidate_route(project: &Project) -> Option<PathBuf> {
    let pages = project
        .pages_dir
        .clone()
        .unwrap_or_else(|| project.root.join("pages"));
    let ext = typescript_extension(project)?;
    Some(pages.join("api").join(format!("petrel-revalidate.{ext}")))
}

/// Next.js-only APIs a function cannot call, and what becomes of each (`next/cache` imports
/// are read from the syntax tree instead: see [`redirect_next_cache`]).
const NEXT_ONLY: [(&str, &str); 1] = [(
    "res.revalidate",
    "`res.revalidate` needs Next.js: the adapter sends it to the Next.js route /api/petrel-revalidate (written by the migration) with `fetch`; set PETREL_REVALIDATE_SECRET in the site's environment so only your functions can call it",
)];

/// `file:line: what` for each use of a Next.js-only API in `source`.
fn follow_ups(file: &str, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (line_no, line) in source.lines().enumerate() {
        for (needle, what) in NEXT_ONLY {
            if line.contains(needle) {
                out.push(format!("{file}:{}: {what}", line_no + 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;

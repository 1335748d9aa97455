//! `petrel migrate`: Next.js "advanced API routes" (`config.type` `experimental-background` /
//! `experimental-scheduled`, which Netlify's current Next.js runtime refuses to build) become
//! Netlify Functions.
//!
//! This crate plans the migration from a built [`Project`] (so detection is the runtime's:
//! `pages/` or `src/pages/`, `pageExtensions`, static `config`): per route, the function's
//! name, file, `config.path` or `config.schedule`, and what needs a hand afterwards; routes
//! that cannot be migrated get an error of their own and do not stop the others. Writing the
//! files comes next.

mod naming;

use std::collections::HashMap;
use std::path::Path;

use petrel_project::{Project, RouteKind};

pub use naming::{Kind, function_name, function_path};

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
    /// What the migration cannot do by itself, one sentence each, with `file:line`.
    pub follow_ups: Vec<String>,
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
}

/// Plans the migration of every advanced API route of `project`.
pub fn plan(project: &Project) -> Plan {
    let rel = |file: &Path| {
        file.strip_prefix(&project.root)
            .unwrap_or(file)
            .display()
            .to_string()
    };
    let functions_dir = rel(&project.functions_dir);
    let mut out = Plan::default();
    let mut candidates = Vec::new();
    for route in &project.routes {
        let file = rel(&route.file);
        let source = std::fs::read_to_string(&route.file).unwrap_or_default();
        let (kind, schedule) = match &route.config.kind {
            RouteKind::Background => (Kind::Background, None),
            RouteKind::Scheduled { schedule } => (Kind::Scheduled, schedule.clone()),
            RouteKind::Normal => {
                // A config the build could not read may still be an advanced route's: the
                // runtime would have refused the build, so say so rather than skip it.
                if let Some(error) = &route.error
                    && (source.contains("experimental-background")
                        || source.contains("experimental-scheduled"))
                {
                    out.problems.push(RouteProblem {
                        page: route.page.clone(),
                        file,
                        error: format!(
                            "{}; its `config` must be an object literal for the migration to read it",
                            error.message
                        ),
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
        let function = function_name(&route.page, kind);
        let target = format!("{functions_dir}/{function}.mts");
        candidates.push(RoutePlan {
            page: route.page.clone(),
            file: file.clone(),
            kind,
            path: (kind == Kind::Background)
                .then(|| function_path(&project.base_path, &route.page)),
            schedule,
            follow_ups: follow_ups(&file, &source),
            function,
            target,
        });
    }

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
    out
}

/// Next.js-only APIs a function cannot call: they stay in a Next.js route the function calls.
const NEXT_ONLY: [(&str, &str); 3] = [
    (
        "res.revalidate",
        "`res.revalidate` needs Next.js: it moves into a Next.js API route the function calls with `fetch`",
    ),
    (
        "revalidatePath",
        "`revalidatePath` needs Next.js: it moves into a Next.js API route the function calls with `fetch`",
    ),
    (
        "revalidateTag",
        "`revalidateTag` needs Next.js: it moves into a Next.js API route the function calls with `fetch`",
    ),
];

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

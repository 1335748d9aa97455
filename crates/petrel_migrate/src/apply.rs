//! From a plan to files: every file the migration creates or changes, shown as a unified diff
//! (`--dry-run`) or written, refusing to overwrite what exists or to mix with uncommitted work.

use std::path::{Path, PathBuf};

use petrel_project::Project;

use crate::edit::rewrite_relative_imports;
use crate::generate::{
    ADAPTER_FILE, ADAPTER_SOURCE, NEXT_CACHE_FILE, REVALIDATE_CACHE_SOURCE, REVALIDATE_SOURCE,
    function_source, next_cache_source, rewritten_function_source,
};
use crate::{Plan, RoutePlan};

/// One file the migration creates (`before` is `None`), changes, or deletes (`after` is
/// `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Where it is.
    pub path: PathBuf,
    /// The path relative to the project, for people.
    pub shown: String,
    /// What is there now.
    pub before: Option<String>,
    /// What will be there (`None`: the file is deleted).
    pub after: Option<String>,
}

impl FileChange {
    /// The change as a unified diff (`/dev/null` for a new file).
    pub fn diff(&self) -> String {
        let side = |text: &Option<String>, prefix: &str| match text {
            Some(_) => format!("{prefix}/{}", self.shown),
            None => "/dev/null".to_string(),
        };
        similar::TextDiff::from_lines(
            self.before.as_deref().unwrap_or(""),
            self.after.as_deref().unwrap_or(""),
        )
        .unified_diff()
        .context_radius(3)
        .header(&side(&self.before, "a"), &side(&self.after, "b"))
        .to_string()
    }
}

/// Every file change of `plan`: each function, each edited route, and (once) the adapter and
/// the revalidation route when needed and not there yet. With `delete_routes`, a route no
/// other file imports is moved next to its function (its relative imports follow) and its
/// file deleted, so only the function remains.
pub fn changes(project: &Project, plan: &Plan, delete_routes: bool) -> Vec<FileChange> {
    let rel = |path: &Path| {
        path.strip_prefix(&project.root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let mut out = Vec::new();
    for route in &plan.routes {
        let route_file = project.root.join(&route.file);
        let function_file = project.root.join(&route.target);
        if route.approach == "rewrite"
            && let Some(module) = &route.rewritten
            && let Ok(module) = rewrite_relative_imports(&route_file, &function_file, module)
        {
            out.push(FileChange {
                shown: rel(&function_file),
                path: function_file,
                before: None,
                after: Some(rewritten_function_source(route, &module)),
            });
            out.push(FileChange {
                shown: route.file.clone(),
                path: route_file,
                before: Some(route.route_before.clone()),
                after: None,
            });
            continue;
        }
        let moved = (delete_routes && route.used_by.is_empty())
            .then(|| moved_route(project, route, &route_file))
            .and_then(|moved| {
                let text =
                    rewrite_relative_imports(&route_file, &moved, &route.route_after).ok()?;
                Some((moved, text))
            });
        let handler_file = moved.as_ref().map_or(&route_file, |(path, _)| path);
        out.push(FileChange {
            shown: rel(&function_file),
            path: function_file.clone(),
            before: None,
            after: Some(function_source(
                route,
                &project.functions_dir,
                handler_file,
                &project.base_path,
            )),
        });
        match moved {
            Some((path, text)) => {
                out.push(FileChange {
                    shown: rel(&path),
                    path,
                    before: None,
                    after: Some(text),
                });
                out.push(FileChange {
                    shown: route.file.clone(),
                    path: route_file,
                    before: Some(route.route_before.clone()),
                    after: None,
                });
            }
            None if route.route_before != route.route_after => out.push(FileChange {
                shown: route.file.clone(),
                path: route_file,
                before: Some(route.route_before.clone()),
                after: Some(route.route_after.clone()),
            }),
            None => {}
        }
    }
    if plan.routes.iter().all(|r| r.approach == "rewrite") {
        return out;
    }
    let adapter = project.functions_dir.join(ADAPTER_FILE);
    if !adapter.exists() {
        out.push(FileChange {
            shown: rel(&adapter),
            path: adapter,
            before: None,
            after: Some(ADAPTER_SOURCE.to_string()),
        });
    }
    // The adapter imports it; so do routes calling `revalidatePath`/`revalidateTag`.
    let next_cache = project.functions_dir.join(NEXT_CACHE_FILE);
    if !next_cache.exists() {
        out.push(FileChange {
            shown: rel(&next_cache),
            path: next_cache,
            before: None,
            after: Some(next_cache_source(&project.base_path)),
        });
    }
    if let Some(route) = &plan.revalidate_cache_route
        && !route.exists()
    {
        out.push(FileChange {
            shown: rel(route),
            path: route.clone(),
            before: None,
            after: Some(REVALIDATE_CACHE_SOURCE.to_string()),
        });
    }
    if let Some(route) = &plan.revalidate_route
        && !route.exists()
    {
        out.push(FileChange {
            shown: rel(route),
            path: route.clone(),
            before: None,
            after: Some(REVALIDATE_SOURCE.to_string()),
        });
    }
    out
}

/// Why the files were not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteRefused {
    /// New files that already exist (`--force` overwrites them).
    Exists(Vec<String>),
    /// The project's git tree has uncommitted changes (`--force` goes on anyway).
    Dirty(Vec<String>),
}

impl std::fmt::Display for WriteRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteRefused::Exists(files) => write!(
                f,
                "these files already exist and would be overwritten: {}; move them away, or run with --force",
                files.join(", ")
            ),
            WriteRefused::Dirty(files) => write!(
                f,
                "the project has uncommitted changes ({}); commit or stash them first so the migration can be reviewed and undone, or run with --force",
                files.join(", ")
            ),
        }
    }
}

/// Checks that `changes` can be written: no new file exists, and the git tree (if the project
/// is in one) is clean. `force` skips both checks.
pub fn check(project: &Project, changes: &[FileChange], force: bool) -> Result<(), WriteRefused> {
    if force {
        return Ok(());
    }
    let exists: Vec<String> = changes
        .iter()
        .filter(|c| c.before.is_none() && c.path.exists())
        .map(|c| c.shown.clone())
        .collect();
    if !exists.is_empty() {
        return Err(WriteRefused::Exists(exists));
    }
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(&project.root)
        .args([
            "status",
            "--porcelain",
            "--untracked-files=normal",
            "--",
            ".",
        ])
        .output();
    if let Ok(out) = status
        && out.status.success()
    {
        let dirty: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.get(3..).unwrap_or(l).to_string())
            .filter(|f| !f.starts_with(".petrel"))
            .collect();
        if !dirty.is_empty() {
            return Err(WriteRefused::Dirty(dirty));
        }
    }
    Ok(())
}

/// Writes `changes` (creating folders, deleting what goes).
pub fn write(changes: &[FileChange]) -> std::io::Result<()> {
    for change in changes {
        match &change.after {
            Some(text) => {
                if let Some(parent) = change.path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&change.path, text)?;
            }
            None => {
                std::fs::remove_file(&change.path)?;
                // Folders the deletion emptied go too (`pages/api/[slug]/`); the first one
                // that is not empty stops it.
                let mut dir = change.path.parent();
                while let Some(d) = dir {
                    if std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
            }
        }
    }
    Ok(())
}

/// Where `--delete-routes` moves a route's module: next to the adapter, named after its
/// function, with the route file's extension.
fn moved_route(project: &Project, route: &RoutePlan, route_file: &Path) -> PathBuf {
    let ext = route_file
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    project
        .functions_dir
        .join("_petrel/routes")
        .join(format!("{}{ext}", route.function))
}

/// Whether a route uses a Next.js-only API that the revalidation route serves.
pub(crate) fn uses_revalidate(route: &RoutePlan) -> bool {
    route.route_before.contains("res.revalidate") || route.route_before.contains(".revalidate(")
}

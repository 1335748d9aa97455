//! From a plan to files: every file the migration creates or changes, shown as a unified diff
//! (`--dry-run`) or written, refusing to overwrite what exists or to mix with uncommitted work.

use std::path::{Path, PathBuf};

use petrel_project::Project;

use crate::generate::{ADAPTER_FILE, ADAPTER_SOURCE, REVALIDATE_SOURCE, function_source};
use crate::{Plan, RoutePlan};

/// One file the migration creates (`before` is `None`) or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Where it is.
    pub path: PathBuf,
    /// The path relative to the project, for people.
    pub shown: String,
    /// What is there now.
    pub before: Option<String>,
    /// What will be there.
    pub after: String,
}

impl FileChange {
    /// The change as a unified diff (`/dev/null` for a new file).
    pub fn diff(&self) -> String {
        let before = self.before.as_deref().unwrap_or("");
        let old = if self.before.is_some() {
            format!("a/{}", self.shown)
        } else {
            "/dev/null".to_string()
        };
        similar::TextDiff::from_lines(before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(&old, &format!("b/{}", self.shown))
            .to_string()
    }
}

/// Every file change of `plan`: each function, each edited route, and (once) the adapter and
/// the revalidation route when needed and not there yet.
pub fn changes(project: &Project, plan: &Plan) -> Vec<FileChange> {
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
        out.push(FileChange {
            shown: rel(&function_file),
            path: function_file,
            before: None,
            after: function_source(
                route,
                &project.functions_dir,
                &route_file,
                &project.base_path,
            ),
        });
        if route.route_before != route.route_after {
            out.push(FileChange {
                shown: route.file.clone(),
                path: route_file,
                before: Some(route.route_before.clone()),
                after: route.route_after.clone(),
            });
        }
    }
    if plan.routes.is_empty() {
        return out;
    }
    let adapter = project.functions_dir.join(ADAPTER_FILE);
    if !adapter.exists() {
        out.push(FileChange {
            shown: rel(&adapter),
            path: adapter,
            before: None,
            after: ADAPTER_SOURCE.to_string(),
        });
    }
    if let Some(route) = &plan.revalidate_route
        && !route.exists()
    {
        out.push(FileChange {
            shown: rel(route),
            path: route.clone(),
            before: None,
            after: REVALIDATE_SOURCE.to_string(),
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

/// Writes `changes` (creating folders).
pub fn write(changes: &[FileChange]) -> std::io::Result<()> {
    for change in changes {
        if let Some(parent) = change.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&change.path, &change.after)?;
    }
    Ok(())
}

/// Whether a route uses a Next.js-only API that the revalidation route serves.
pub(crate) fn uses_revalidate(route: &RoutePlan) -> bool {
    route.route_before.contains("res.revalidate") || route.route_before.contains(".revalidate(")
}

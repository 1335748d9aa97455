//! Discovery of Pages API routes: the files under `<pages>/api/`.
//!
//! Rules (observed on `next build`/`next start`, plus where we deliberately do better):
//! - The pages directory is `<root>/pages`; `<root>/src/pages` is used only when there is no
//!   `<root>/pages` directory. With both, `src/pages` is ignored completely (we add a warning).
//! - Every file under `<pages>/api/`, at any depth, whose name ends with `.<ext>` for one of the
//!   page extensions is a route. When several extensions match, the longest is stripped
//!   (`where.api.ts` with `api.ts` configured → `/api/where`). `index` maps to its folder
//!   (`api/index.ts` → `/api`); a *folder* named `index` stays a literal segment.
//! - `_private.ts` and `thing.test.ts` are ordinary routes, as in Next.
//! - Skipped: `*.d.ts` (`.d.mts`, `.d.cts`) with a warning (Next would crash on them),
//!   `node_modules` folders, and files and folders whose name starts with `.` (silently).
//!   Names that are not UTF-8 are skipped with a warning. Symbolic links are followed; a link
//!   back to one of its own ancestor folders is skipped with a warning.
//! - Two files for one route: `dup.ts` + `dup/index.ts` → the folder index is kept (Next's
//!   observed winner) with a warning naming both; `x.ts` + `x.js` → the extension listed first
//!   in `page_extensions` is kept, with a warning.
//! - Invalid patterns and route conflicts (see [`crate::RouteTable::new`]) are errors naming the
//!   file(s).
//!
//! Results are deterministic: folders are read in byte order of the names and routes are
//! sorted by page. Paths in warnings and errors are relative to the project root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{RouteRef, RouterError};
use crate::pattern::RoutePattern;
use crate::table::RouteTable;
use crate::walk::{FolderWalk, absolute_root, checked_extensions, split_extension};

/// Next's default `pageExtensions`.
pub const DEFAULT_PAGE_EXTENSIONS: &[&str] = &["tsx", "ts", "jsx", "js"];

/// The Pages API routes of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagesScan {
    /// The pages directory used (`<root>/pages` or `<root>/src/pages`, absolute), or `None`
    /// when the project has neither (e.g. an App-Router-only project).
    pub pages_dir: Option<PathBuf>,
    /// The routes, sorted by page.
    pub routes: Vec<DiscoveredRoute>,
    /// Human-readable warnings (skipped files, duplicate routes, ignored `src/pages`).
    pub warnings: Vec<String>,
}

impl PagesScan {
    /// Builds the route table of the scanned routes (errors name the files).
    pub fn route_table(&self) -> Result<RouteTable<DiscoveredRoute>, RouterError> {
        let routes = self
            .routes
            .iter()
            .map(|r| Ok((RoutePattern::parse(&r.page)?, r.clone())))
            .collect::<Result<Vec<_>, RouterError>>()?;
        RouteTable::new_with_files(routes, |r: &DiscoveredRoute| Some(r.file.as_path()))
    }
}

/// One Pages API route file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiscoveredRoute {
    /// The page string, e.g. `/api/items/[id]`.
    pub page: String,
    /// The absolute path of the file.
    pub file: PathBuf,
}

/// A route file before duplicates are resolved.
struct Candidate {
    page: String,
    file: PathBuf,
    relative: PathBuf,
    /// Defined as `<folder>/index.<ext>`.
    is_index: bool,
    /// Position of the matched extension in `page_extensions`.
    extension_rank: usize,
}

struct Walk<'a> {
    folders: FolderWalk,
    extensions: Vec<&'a str>,
    candidates: Vec<Candidate>,
}

/// Scans `project_root` for Pages API routes. `page_extensions` is Next's `pageExtensions`
/// (use [`DEFAULT_PAGE_EXTENSIONS`] when the project does not set it); a leading `.` on an
/// entry is ignored.
pub fn scan_pages_api(
    project_root: &Path,
    page_extensions: &[&str],
) -> Result<PagesScan, RouterError> {
    let extensions = checked_extensions(page_extensions)?;
    let root = absolute_root(project_root)?;
    let mut walk = Walk {
        folders: FolderWalk::new(root.clone()),
        extensions,
        candidates: Vec::new(),
    };
    let root_pages = root.join("pages");
    let src_pages = root.join("src").join("pages");
    let pages_dir = if root_pages.is_dir() {
        if src_pages.is_dir() {
            walk.folders.warnings.push(format!(
                "{} is ignored because {} exists (Next.js uses only one pages directory); move its routes into {}",
                walk.folders.relative(&src_pages).display(),
                walk.folders.relative(&root_pages).display(),
                walk.folders.relative(&root_pages).display(),
            ));
        }
        Some(root_pages)
    } else if src_pages.is_dir() {
        Some(src_pages)
    } else {
        None
    };

    if let Some(pages_dir) = &pages_dir {
        let api = pages_dir.join("api");
        if api.is_dir() {
            walk.walk_dir(&api, &["api".to_owned()])?;
        }
    }

    let Walk {
        candidates,
        folders: FolderWalk { mut warnings, .. },
        ..
    } = walk;
    let routes = resolve_duplicates(candidates, &mut warnings);
    check_routes(&routes)?;
    Ok(PagesScan {
        pages_dir,
        routes: routes
            .into_iter()
            .map(|c| DiscoveredRoute {
                page: c.page,
                file: c.file,
            })
            .collect(),
        warnings,
    })
}

impl Walk<'_> {
    /// Walks `dir`, whose route segments (from the pages directory) are `segments`.
    fn walk_dir(&mut self, dir: &Path, segments: &[String]) -> Result<(), RouterError> {
        let Some(entries) = self.folders.enter(dir)? else {
            return Ok(());
        };
        for entry in entries {
            if entry.is_dir {
                if entry.name == "node_modules" {
                    continue;
                }
                let mut child = segments.to_vec();
                child.push(entry.name);
                self.walk_dir(&entry.path, &child)?;
            } else {
                self.add_file(&entry.name, entry.path, segments)?;
            }
        }
        self.folders.leave();
        Ok(())
    }

    fn add_file(
        &mut self,
        name: &str,
        path: PathBuf,
        segments: &[String],
    ) -> Result<(), RouterError> {
        let Some((extension_rank, stem)) = split_extension(name, &self.extensions) else {
            return Ok(());
        };
        let relative = self.folders.relative(&path).to_path_buf();
        if [".d.ts", ".d.mts", ".d.cts"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        {
            self.folders.warnings.push(format!(
                "skipping {}: TypeScript declaration files are not API routes (Next.js would try to build it as a route and fail); move it out of pages/api",
                relative.display()
            ));
            return Ok(());
        }
        let is_index = stem == "index";
        let mut page = String::new();
        for segment in segments {
            page.push('/');
            page.push_str(segment);
        }
        if !is_index {
            page.push('/');
            page.push_str(stem);
        }
        if let Err(problem) = RoutePattern::parse_inner(&page) {
            return Err(RouterError::InvalidPattern {
                route: RouteRef {
                    page,
                    file: Some(relative),
                },
                problem,
            });
        }
        self.candidates.push(Candidate {
            page,
            file: path,
            relative,
            is_index,
            extension_rank,
        });
        Ok(())
    }
}

/// Keeps one file per page, warning about the others; returns the routes sorted by page.
fn resolve_duplicates(candidates: Vec<Candidate>, warnings: &mut Vec<String>) -> Vec<Candidate> {
    let mut by_page: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    for candidate in candidates {
        by_page
            .entry(candidate.page.clone())
            .or_default()
            .push(candidate);
    }
    let mut routes = Vec::with_capacity(by_page.len());
    for (page, mut group) in by_page {
        group.sort_by(|a, b| {
            b.is_index
                .cmp(&a.is_index)
                .then(a.extension_rank.cmp(&b.extension_rank))
                .then_with(|| a.relative.cmp(&b.relative))
        });
        let mut group = group.into_iter();
        let Some(winner) = group.next() else {
            continue;
        };
        let losers: Vec<Candidate> = group.collect();
        if !losers.is_empty() {
            let why = if losers.iter().any(|l| l.is_index != winner.is_index) {
                "the folder index wins, as in Next.js"
            } else {
                "its extension comes first in pageExtensions"
            };
            let others: Vec<String> = losers
                .iter()
                .map(|l| l.relative.display().to_string())
                .collect();
            warnings.push(format!(
                "duplicate API route {page}: {} and {} both define it; using {} ({why}); delete or rename the other file",
                winner.relative.display(),
                others.join(" and "),
                winner.relative.display(),
            ));
        }
        routes.push(winner);
    }
    routes
}

/// Checks the routes for conflicts, naming files by their project-relative paths.
fn check_routes(routes: &[Candidate]) -> Result<(), RouterError> {
    let patterns = routes
        .iter()
        .map(|c| {
            RoutePattern::parse_inner(&c.page)
                .map(|p| (p, c))
                .map_err(|problem| RouterError::InvalidPattern {
                    route: RouteRef {
                        page: c.page.clone(),
                        file: Some(c.relative.clone()),
                    },
                    problem,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    RouteTable::new_with_files(patterns, |c: &&Candidate| Some(c.relative.as_path()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn project(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "export default function handler() {}\n").unwrap();
        }
        dir
    }

    fn pages(scan: &PagesScan) -> Vec<&str> {
        scan.routes.iter().map(|r| r.page.as_str()).collect()
    }

    #[test]
    fn longest_extension_is_stripped() {
        let dir = project(&["pages/api/where.api.ts", "pages/api/plain.ts"]);
        let scan = scan_pages_api(dir.path(), &["ts", "api.ts"]).unwrap();
        assert_eq!(pages(&scan), ["/api/plain", "/api/where"]);
        // With only "api.ts", plain.ts is not a route.
        let scan = scan_pages_api(dir.path(), &[".api.ts"]).unwrap();
        assert_eq!(pages(&scan), ["/api/where"]);
    }

    #[test]
    fn extension_alone_is_not_a_route_and_index_folders_are_literal() {
        let dir = project(&[
            "pages/api/index/index.ts",
            "pages/api/index/x.ts",
            "pages/api/index.ts",
            "pages/api/.ts",
        ]);
        let scan = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        assert_eq!(pages(&scan), ["/api", "/api/index", "/api/index/x"]);
        assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
    }

    #[test]
    fn no_pages_directory() {
        let dir = project(&["app/api/x/route.ts"]);
        let scan = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        assert_eq!(scan.pages_dir, None);
        assert!(scan.routes.is_empty());
    }

    #[test]
    fn bad_extensions() {
        let dir = project(&[]);
        assert!(matches!(
            scan_pages_api(dir.path(), &[]),
            Err(RouterError::NoPageExtensions)
        ));
        assert!(matches!(
            scan_pages_api(dir.path(), &["ts", "."]),
            Err(RouterError::InvalidPageExtension { .. })
        ));
    }

    #[test]
    fn same_page_from_two_extensions_keeps_the_first_listed() {
        let dir = project(&["pages/api/x.js", "pages/api/x.ts"]);
        let scan = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        assert_eq!(scan.routes.len(), 1);
        assert!(scan.routes[0].file.ends_with("pages/api/x.ts"));
        assert_eq!(
            scan.warnings,
            [
                "duplicate API route /api/x: pages/api/x.ts and pages/api/x.js both define it; \
              using pages/api/x.ts (its extension comes first in pageExtensions); delete or \
              rename the other file"
            ]
        );
    }

    #[test]
    fn invalid_file_names_are_errors_naming_the_file() {
        let dir = project(&["pages/api/[...slug]/x.ts"]);
        let err = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid pages/api/[...slug]/x.ts (route `/api/[...slug]/x`): the catch-all segment \
             `[...slug]` must be the last segment of the route; move the file out of the \
             `[...slug]` folder or make it `[...slug].<ext>` itself"
        );
        let dir = project(&["pages/api/[[id]].ts"]);
        assert!(matches!(
            scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS),
            Err(RouterError::InvalidPattern { .. })
        ));
    }

    #[test]
    fn conflicts_are_errors_naming_both_files() {
        let dir = project(&["pages/api/[a].ts", "pages/api/[b].ts"]);
        let err = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "You cannot use different slug names for the same dynamic path ('a' !== 'b')."
            ),
            "{text}"
        );
        assert!(text.contains("pages/api/[a].ts") && text.contains("pages/api/[b].ts"));

        let dir = project(&["pages/api/docs/index.ts", "pages/api/docs/[[...p]].ts"]);
        let err = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap_err();
        assert!(matches!(err, RouterError::OptionalCatchAllShadow { .. }));
        assert!(err.to_string().contains("pages/api/docs/index.ts"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_but_loops_skipped() {
        let dir = project(&["pages/api/real/x.ts", "shared/y.ts"]);
        let api = dir.path().join("pages/api");
        std::os::unix::fs::symlink(dir.path().join("shared"), api.join("linked")).unwrap();
        std::os::unix::fs::symlink(&api, api.join("real/loop")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("missing.ts"), api.join("dangling.ts")).unwrap();
        let scan = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        assert_eq!(pages(&scan), ["/api/linked/y", "/api/real/x"]);
        assert_eq!(scan.warnings.len(), 2, "{:?}", scan.warnings);
        assert!(scan.warnings[0].starts_with("skipping pages/api/dangling.ts: "));
        assert_eq!(
            scan.warnings[1],
            "skipping pages/api/real/loop: it links back to one of its parent folders"
        );
    }
}

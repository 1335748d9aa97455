//! Discovery of App Router route handlers: the `route.<ext>` files under `<app>/`, and the
//! conflicts between them, the App Router's pages and the Pages API routes.
//!
//! Rules (observed on `next build`/`next start` 16.4.6, Turbopack; `nextjs-api-semantics.md`
//! §8.1 and the `nextjs_app` conformance fixture):
//! - The app directory is `<root>/app`, else `<root>/src/app`, chosen on its own the way
//!   [`scan_pages_api`](crate::scan_pages_api) chooses `pages`/`src/pages`. With both, `src/app`
//!   is ignored (we add a warning). When the project has a pages directory and an app directory
//!   in different folders (`pages` + `src/app`, or `src/pages` + `app`), Next refuses to build:
//!   so do we ([`RouterError::SplitSourceDirs`]).
//! - A route handler is a file named `route.<ext>` for one of the page extensions (longest
//!   extension wins, a leading `.` on an extension is ignored), at any depth. It serves its
//!   folder's URL: `app/route.ts` is `/`, `app/api/items/[id]/route.ts` is `/api/items/[id]`.
//! - Folder names: `(group)` (starts with `(` and ends with `)`) and `@slot` (parallel route)
//!   are left out of the URL; a folder starting with `_` is private and skipped with its whole
//!   subtree; every upper-case `%5F` in a folder name stands for `_` (`%5Funder` → `_under`,
//!   `a%5Fb` → `a_b`; a lower-case `%5f` stays as it is, with a warning); `[id]`, `[...slug]`
//!   and `[[...slug]]` are dynamic segments as in Pages; anything else is a literal segment —
//!   including intercepting folders such as `(.)photo`, which Next serves at the literal URL
//!   `/(.)photo` (we warn).
//! - Skipped: `node_modules` folders and files and folders whose name starts with `.`
//!   (silently), names that are not UTF-8 (with a warning). Symbolic links are followed; a link
//!   back to one of its own ancestor folders is skipped with a warning.
//! - Errors, as in Next: a route handler and a page (`page.<ext>`) at one URL
//!   ([`RouterError::ConflictingRouteAndPage`]); two route handlers at one URL through groups
//!   or slots ([`RouterError::ConflictingAppRoutes`]); invalid dynamic segments and the route
//!   conflicts of [`RouteTable::new`] (which `next start` reports), naming the files.
//!   `route.ts` and `route.js` in one folder are not an error in Next (it serves one of them,
//!   not predictably which): we keep the extension listed first in `page_extensions`, with a
//!   warning.
//! - Not covered: metadata routes (`sitemap.ts`, `robots.ts`, `icon.tsx`, …).
//!
//! App routes and Pages API routes share one URL space: [`api_route_table`] builds one table
//! over both (precedence static > `[x]` > `[...x]` > `[[...x]]` across the two routers) and
//! [`check_app_pages_conflicts`] reports the routes both routers define, as Next does.
//!
//! Results are deterministic: folders are read in byte order of the names and routes are
//! sorted by page. Paths in warnings and errors are relative to the project root.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{AppEntryRef, RouteRef, RouterError};
use crate::pattern::RoutePattern;
use crate::scan::{DiscoveredRoute, PagesScan};
use crate::table::RouteTable;
use crate::walk::{FolderWalk, absolute_root, checked_extensions, split_extension};

/// The App Router route handlers of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppScan {
    /// The app directory used (`<root>/app` or `<root>/src/app`, absolute), or `None` when the
    /// project has neither.
    pub app_dir: Option<PathBuf>,
    /// The route handlers, sorted by page.
    pub routes: Vec<DiscoveredAppRoute>,
    /// Human-readable warnings (skipped files, duplicate route files, ignored `src/app`).
    pub warnings: Vec<String>,
}

/// One App Router route handler file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiscoveredAppRoute {
    /// The page string, e.g. `/api/items/[id]` (groups and slots left out).
    pub page: String,
    /// The absolute path of the file.
    pub file: PathBuf,
}

/// Which router a route of [`api_route_table`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouterKind {
    /// A Pages API route (`pages/api/**`).
    Pages,
    /// An App Router route handler (`app/**/route.<ext>`).
    App,
}

/// A route of either router, as stored in the table of [`api_route_table`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NextRoute {
    /// The router that defines it.
    pub router: RouterKind,
    /// The page string, e.g. `/api/items/[id]`.
    pub page: String,
    /// The absolute path of the file.
    pub file: PathBuf,
}

/// What a leaf file of the app tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Leaf {
    Route,
    Page,
}

/// A `route.<ext>` or `page.<ext>` file before conflicts are resolved.
struct Entry {
    leaf: Leaf,
    /// The URL, e.g. `/x`.
    page: String,
    /// Next's name for the file, e.g. `/(a)/x/route`.
    entry: String,
    file: PathBuf,
    relative: PathBuf,
    /// Position of the matched extension in `page_extensions`.
    extension_rank: usize,
}

impl Entry {
    fn entry_ref(&self) -> Box<AppEntryRef> {
        Box::new(AppEntryRef {
            entry: self.entry.clone(),
            file: self.relative.clone(),
        })
    }
}

struct Walk<'a> {
    folders: FolderWalk,
    extensions: Vec<&'a str>,
    entries: Vec<Entry>,
}

/// Scans `project_root` for App Router route handlers. `page_extensions` is Next's
/// `pageExtensions` (use [`DEFAULT_PAGE_EXTENSIONS`](crate::DEFAULT_PAGE_EXTENSIONS) when the
/// project does not set it); a leading `.` on an entry is ignored.
pub fn scan_app_routes(
    project_root: &Path,
    page_extensions: &[&str],
) -> Result<AppScan, RouterError> {
    let extensions = checked_extensions(page_extensions)?;
    let mut walk = Walk {
        folders: FolderWalk::new(absolute_root(project_root)?),
        extensions,
        entries: Vec::new(),
    };
    let app_dir = walk.choose_app_dir()?;
    if let Some(app_dir) = &app_dir {
        walk.walk_dir(app_dir, &[], &[])?;
    }

    let Walk {
        entries,
        folders: FolderWalk { mut warnings, .. },
        ..
    } = walk;
    let routes = resolve(entries, &mut warnings)?;
    check_routes(&routes)?;
    Ok(AppScan {
        app_dir,
        routes: routes
            .into_iter()
            .map(|e| DiscoveredAppRoute {
                page: e.page,
                file: e.file,
            })
            .collect(),
        warnings,
    })
}

/// Fails when an App Router route handler and a Pages API route define the same page (Next's
/// build error "App Router and Pages Router both match path"), or when the two sets of routes
/// conflict in one route table (different parameter names at one position, catch-all clashes:
/// see [`RouteTable::new`]; `next start` refuses to start then). `project_root` is the root
/// both scans were made from; errors name the files relative to it.
pub fn check_app_pages_conflicts(
    app: &AppScan,
    pages: &PagesScan,
    project_root: &Path,
) -> Result<(), RouterError> {
    api_route_table(pages, app, project_root).map(|_| ())
}

/// One route table over the Pages API routes and the App Router route handlers: they share the
/// URL space and Next's precedence (static > `[x]` > `[...x]` > `[[...x]]`, segment by segment,
/// whichever router defines the route). Fails as [`check_app_pages_conflicts`] does.
///
/// Callers that keep their own values per route can do the same by passing both lists to
/// [`RouteTable::new_with_files`] after calling [`check_app_pages_conflicts`].
pub fn api_route_table(
    pages: &PagesScan,
    app: &AppScan,
    project_root: &Path,
) -> Result<RouteTable<NextRoute>, RouterError> {
    let root = absolute_root(project_root)?;
    let relative = |file: &Path| file.strip_prefix(&root).unwrap_or(file).to_path_buf();

    let pages_by_page: HashMap<&str, &DiscoveredRoute> =
        pages.routes.iter().map(|r| (r.page.as_str(), r)).collect();
    for route in &app.routes {
        if let Some(pages_route) = pages_by_page.get(route.page.as_str()) {
            return Err(RouterError::AppAndPagesConflict {
                page: route.page.clone(),
                app_file: relative(&route.file),
                pages_file: relative(&pages_route.file),
            });
        }
    }

    let all = pages
        .routes
        .iter()
        .map(|r| (RouterKind::Pages, &r.page, &r.file))
        .chain(
            app.routes
                .iter()
                .map(|r| (RouterKind::App, &r.page, &r.file)),
        );
    let mut routes = Vec::with_capacity(pages.routes.len() + app.routes.len());
    for (router, page, file) in all {
        let pattern =
            RoutePattern::parse_inner(page).map_err(|problem| RouterError::InvalidPattern {
                route: RouteRef {
                    page: page.clone(),
                    file: Some(relative(file)),
                },
                problem,
            })?;
        let route = NextRoute {
            router,
            page: page.clone(),
            file: file.clone(),
        };
        routes.push((pattern, (route, relative(file))));
    }
    // Checked with project-relative file names, then rebuilt without them (cannot fail).
    let checked = RouteTable::new_with_files(routes, |(_, relative): &(NextRoute, PathBuf)| {
        Some(relative.as_path())
    })?;
    RouteTable::new(
        checked
            .iter()
            .map(|(pattern, (route, _))| (pattern.clone(), route.clone()))
            .collect(),
    )
}

impl Walk<'_> {
    /// `<root>/app`, else `<root>/src/app`; fails when the pages directory (chosen the same
    /// way) is in the other folder, as Next does.
    fn choose_app_dir(&mut self) -> Result<Option<PathBuf>, RouterError> {
        let find = |name: &str| {
            let at_root = self.folders.root.join(name);
            let in_src = self.folders.root.join("src").join(name);
            if at_root.is_dir() {
                Some((at_root, in_src.is_dir().then_some(in_src)))
            } else if in_src.is_dir() {
                Some((in_src, None))
            } else {
                None
            }
        };
        let Some((app_dir, ignored)) = find("app") else {
            return Ok(None);
        };
        if let Some(pages_dir) = find("pages").map(|(dir, _)| dir)
            && pages_dir.parent() != app_dir.parent()
        {
            return Err(RouterError::SplitSourceDirs {
                pages_dir: self.folders.relative(&pages_dir).to_path_buf(),
                app_dir: self.folders.relative(&app_dir).to_path_buf(),
            });
        }
        if let Some(ignored) = ignored {
            self.folders.warnings.push(format!(
                "{} is ignored because {} exists (Next.js uses only one app directory); move its routes into {}",
                self.folders.relative(&ignored).display(),
                self.folders.relative(&app_dir).display(),
                self.folders.relative(&app_dir).display(),
            ));
        }
        Ok(Some(app_dir))
    }

    /// Walks `dir`, whose folder names (from the app directory) are `names` and whose URL
    /// segments are `segments`.
    fn walk_dir(
        &mut self,
        dir: &Path,
        names: &[String],
        segments: &[String],
    ) -> Result<(), RouterError> {
        let Some(entries) = self.folders.enter(dir)? else {
            return Ok(());
        };
        for entry in entries {
            if entry.is_dir {
                // `_private` folders are left out with their subtree.
                if entry.name == "node_modules" || entry.name.starts_with('_') {
                    continue;
                }
                let mut child_segments = segments.to_vec();
                if let Some(segment) = url_segment(&entry.name) {
                    child_segments.push(segment);
                }
                let mut child_names = names.to_vec();
                child_names.push(entry.name);
                self.walk_dir(&entry.path, &child_names, &child_segments)?;
            } else {
                self.add_file(&entry.name, entry.path, names, segments)?;
            }
        }
        self.folders.leave();
        Ok(())
    }

    fn add_file(
        &mut self,
        name: &str,
        path: PathBuf,
        names: &[String],
        segments: &[String],
    ) -> Result<(), RouterError> {
        let Some((extension_rank, stem)) = split_extension(name, &self.extensions) else {
            return Ok(());
        };
        let leaf = match stem {
            "route" => Leaf::Route,
            "page" => Leaf::Page,
            _ => return Ok(()),
        };
        let relative = self.folders.relative(&path).to_path_buf();
        let mut entry = String::new();
        for name in names {
            entry.push('/');
            entry.push_str(name);
        }
        entry.push('/');
        entry.push_str(stem);
        let page = if segments.is_empty() {
            "/".to_owned()
        } else {
            segments.iter().map(|s| format!("/{s}")).collect()
        };
        if leaf == Leaf::Route {
            if let Err(problem) = RoutePattern::parse_inner(&page) {
                return Err(RouterError::InvalidPattern {
                    route: RouteRef {
                        page,
                        file: Some(relative),
                    },
                    problem,
                });
            }
            self.warn_about_folder_names(names, &relative, &page);
        }
        self.entries.push(Entry {
            leaf,
            page,
            entry,
            file: path,
            relative,
            extension_rank,
        });
        Ok(())
    }

    /// Warns about folder names that Next serves differently from what they suggest.
    fn warn_about_folder_names(&mut self, names: &[String], relative: &Path, page: &str) {
        for name in names {
            if !is_group(name) && ["(.)", "(..)", "(...)"].iter().any(|m| name.starts_with(m)) {
                self.folders.warnings.push(format!(
                    "{}: route handlers do not intercept routes; Next.js serves this one at the \
                     literal URL `{page}` (with the `{name}` folder name in it); rename the folder \
                     if that is not what you want",
                    relative.display()
                ));
            }
            if name.replace("%5F", "").contains("%5f") {
                self.folders.warnings.push(format!(
                    "{}: Next.js turns only an upper-case `%5F` in a folder name into `_`, so the \
                     folder `{name}` stays `{}` in the URL `{page}`; write `%5F` to get `_`",
                    relative.display(),
                    name.replace("%5F", "_"),
                ));
            }
        }
    }
}

/// `(group)`: starts with `(` and ends with `)`.
fn is_group(name: &str) -> bool {
    name.starts_with('(') && name.ends_with(')')
}

/// The URL segment of a folder of the app tree, or `None` for route groups and parallel-route
/// slots. (Private `_folders` never get here.)
fn url_segment(name: &str) -> Option<String> {
    if is_group(name) || name.starts_with('@') {
        return None;
    }
    Some(name.replace("%5F", "_"))
}

/// Reports the conflicts Next reports at build time, and keeps one route file per page (with a
/// warning for `route.ts` + `route.js` in one folder). Returns the routes sorted by page.
fn resolve(entries: Vec<Entry>, warnings: &mut Vec<String>) -> Result<Vec<Entry>, RouterError> {
    let mut by_page: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for entry in entries {
        by_page.entry(entry.page.clone()).or_default().push(entry);
    }
    let mut routes = Vec::with_capacity(by_page.len());
    for (page, mut group) in by_page {
        group.sort_by(|a, b| {
            a.leaf
                .cmp(&b.leaf)
                .then_with(|| a.entry.cmp(&b.entry))
                .then(a.extension_rank.cmp(&b.extension_rank))
        });
        let (route_files, page_files): (Vec<Entry>, Vec<Entry>) =
            group.into_iter().partition(|e| e.leaf == Leaf::Route);
        let Some(first_route) = route_files.first() else {
            continue;
        };
        if let Some(page_file) = page_files.first() {
            return Err(RouterError::ConflictingRouteAndPage {
                page,
                route: first_route.entry_ref(),
                app_page: page_file.entry_ref(),
            });
        }
        // Next names the later file first.
        if let Some(other) = route_files.iter().find(|e| e.entry != first_route.entry) {
            return Err(RouterError::ConflictingAppRoutes {
                page,
                first: other.entry_ref(),
                second: first_route.entry_ref(),
            });
        }
        let mut route_files = route_files.into_iter();
        let Some(winner) = route_files.next() else {
            continue;
        };
        let others: Vec<String> = route_files
            .map(|e| e.relative.display().to_string())
            .collect();
        if !others.is_empty() {
            warnings.push(format!(
                "duplicate route handler {page}: {} and {} both define it; using {} (its extension \
                 comes first in pageExtensions; Next.js serves one of them, not predictably which); \
                 delete the other file",
                winner.relative.display(),
                others.join(" and "),
                winner.relative.display(),
            ));
        }
        routes.push(winner);
    }
    Ok(routes)
}

/// Checks the routes for conflicts, naming files by their project-relative paths.
fn check_routes(routes: &[Entry]) -> Result<(), RouterError> {
    let patterns = routes
        .iter()
        .map(|e| {
            RoutePattern::parse_inner(&e.page)
                .map(|p| (p, e))
                .map_err(|problem| RouterError::InvalidPattern {
                    route: RouteRef {
                        page: e.page.clone(),
                        file: Some(e.relative.clone()),
                    },
                    problem,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    RouteTable::new_with_files(patterns, |e: &&Entry| Some(e.relative.as_path()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{DEFAULT_PAGE_EXTENSIONS, scan_pages_api};
    use std::fs;

    fn project(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(
                &path,
                "export async function GET() { return new Response(); }\n",
            )
            .unwrap();
        }
        dir
    }

    fn scan_ok(dir: &tempfile::TempDir) -> AppScan {
        scan_app_routes(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap()
    }

    fn err(dir: &tempfile::TempDir) -> RouterError {
        scan_app_routes(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap_err()
    }

    /// `(page, file relative to the project)` of every route.
    fn routes(dir: &tempfile::TempDir, scan: &AppScan) -> Vec<(String, String)> {
        scan.routes
            .iter()
            .map(|r| {
                let file = r.file.strip_prefix(dir.path()).unwrap();
                (r.page.clone(), file.display().to_string())
            })
            .collect()
    }

    fn pages(scan: &AppScan) -> Vec<&str> {
        scan.routes.iter().map(|r| r.page.as_str()).collect()
    }

    #[test]
    fn route_files_at_any_depth_and_the_root_route() {
        let dir = project(&[
            "app/route.ts",
            "app/api/items/route.ts",
            "app/api/items/[id]/route.js",
            "app/api/files/[...path]/route.ts",
            "app/api/docs/[[...parts]]/route.tsx",
            "app/api/items/helper.ts",
            "app/api/items/[id]/page-data.ts",
            "app/layout.tsx",
            "app/api/other/routes.ts",
            "app/api/x/route.d.ts",
        ]);
        let scan = scan_ok(&dir);
        assert_eq!(
            scan.app_dir.as_deref(),
            Some(dir.path().join("app").as_path())
        );
        assert_eq!(
            routes(&dir, &scan),
            [
                ("/".into(), "app/route.ts".into()),
                (
                    "/api/docs/[[...parts]]".into(),
                    "app/api/docs/[[...parts]]/route.tsx".into()
                ),
                (
                    "/api/files/[...path]".into(),
                    "app/api/files/[...path]/route.ts".into()
                ),
                ("/api/items".into(), "app/api/items/route.ts".into()),
                (
                    "/api/items/[id]".into(),
                    "app/api/items/[id]/route.js".into()
                ),
            ]
        );
        assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
        assert!(scan.routes.iter().all(|r| r.file.is_absolute()));
    }

    #[test]
    fn groups_and_slots_are_left_out_of_the_url() {
        let dir = project(&[
            "app/(shop)/api/cart/route.ts",
            "app/(a)/(b)/deep/route.ts",
            "app/@modal/api/slot/route.ts",
            "app/(shop)/page.tsx",
        ]);
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/api/cart", "/api/slot", "/deep"]);
        assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
    }

    #[test]
    fn private_folders_are_skipped_with_their_subtree() {
        let dir = project(&[
            "app/_lib/route.ts",
            "app/api/_private/route.ts",
            "app/api/_private/nested/route.ts",
            "app/api/public/route.ts",
            "app/api/not_private/route.ts",
            "app/node_modules/x/route.ts",
            "app/.hidden/route.ts",
        ]);
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/api/not_private", "/api/public"]);
    }

    #[test]
    fn upper_case_percent_5f_is_an_underscore() {
        let dir = project(&[
            "app/rh/%5Funder/route.ts",
            "app/rh/a%5Fb/route.ts",
            "app/rh/%5Fx/[%5Fid]/route.ts",
        ]);
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/rh/_under", "/rh/_x/[_id]", "/rh/a_b"]);
        assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);

        // Next keeps a lower-case `%5f` (we warn).
        let dir = project(&["app/rh/%5flower/route.ts"]);
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/rh/%5flower"]);
        assert_eq!(
            scan.warnings,
            [
                "app/rh/%5flower/route.ts: Next.js turns only an upper-case `%5F` in a folder \
                 name into `_`, so the folder `%5flower` stays `%5flower` in the URL \
                 `/rh/%5flower`; write `%5F` to get `_`"
            ]
        );
    }

    #[test]
    fn intercepting_folders_are_literal_segments_with_a_warning() {
        let dir = project(&["app/feed/(.)photo/route.ts", "app/(..)x/route.ts"]);
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/(..)x", "/feed/(.)photo"]);
        assert_eq!(scan.warnings.len(), 2, "{:?}", scan.warnings);
        assert!(
            scan.warnings[0].starts_with(
                "app/(..)x/route.ts: route handlers do not intercept routes; Next.js serves \
                 this one at the literal URL `/(..)x`"
            ),
            "{:?}",
            scan.warnings
        );
    }

    #[test]
    fn app_dir_selection() {
        // Only src/app.
        let dir = project(&["src/app/api/x/route.ts"]);
        let scan = scan_ok(&dir);
        assert_eq!(
            scan.app_dir.as_deref(),
            Some(dir.path().join("src/app").as_path())
        );
        assert_eq!(pages(&scan), ["/api/x"]);
        // src/app and src/pages together are fine.
        let dir = project(&["src/app/api/x/route.ts", "src/pages/api/y.ts"]);
        assert_eq!(
            pages(&scan_app_routes(dir.path(), &["ts"]).unwrap()),
            ["/api/x"]
        );

        // Both app and src/app: src/app is ignored.
        let dir = project(&["app/a/route.ts", "src/app/b/route.ts"]);
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/a"]);
        assert_eq!(
            scan.warnings,
            [
                "src/app is ignored because app exists (Next.js uses only one app directory); \
                 move its routes into app"
            ]
        );

        // Neither.
        let dir = project(&["pages/api/x.ts"]);
        let scan = scan_ok(&dir);
        assert_eq!(scan.app_dir, None);
        assert!(scan.routes.is_empty());

        // pages and app in different folders: Next refuses to build.
        for files in [
            ["pages/api/x.ts", "src/app/y/route.ts"],
            ["src/pages/api/x.ts", "app/y/route.ts"],
        ] {
            let dir = project(&files);
            let err = err(&dir);
            assert!(
                matches!(err, RouterError::SplitSourceDirs { .. }),
                "{files:?}: {err}"
            );
        }
        let dir = project(&["pages/api/x.ts", "src/app/y/route.ts"]);
        assert_eq!(
            err(&dir).to_string(),
            "`pages` and `app` directories should be under the same folder: found pages and \
             src/app; move one of them so that both are at the project root or both under `src/`"
        );
    }

    #[test]
    fn page_extensions() {
        let dir = project(&[
            "app/a/route.api.ts",
            "app/b/route.ts",
            "app/c/route.page.tsx",
            "app/c/page.page.tsx",
        ]);
        let err = scan_app_routes(dir.path(), &[".api.ts", "page.tsx"]).unwrap_err();
        assert!(matches!(err, RouterError::ConflictingRouteAndPage { .. }));
        fs::remove_file(dir.path().join("app/c/page.page.tsx")).unwrap();
        let scan = scan_app_routes(dir.path(), &[".api.ts", "page.tsx"]).unwrap();
        assert_eq!(pages(&scan), ["/a", "/c"]);
        // With "ts" as well, the longest extension still wins for route.api.ts.
        let scan = scan_app_routes(dir.path(), &["ts", "api.ts"]).unwrap();
        assert_eq!(pages(&scan), ["/a", "/b"]);
        assert!(matches!(
            scan_app_routes(dir.path(), &[]),
            Err(RouterError::NoPageExtensions)
        ));
        assert!(matches!(
            scan_app_routes(dir.path(), &["ts", ".."]),
            Err(RouterError::InvalidPageExtension { .. })
        ));
    }

    #[test]
    fn two_extensions_in_one_folder_keep_the_first_listed() {
        let dir = project(&["app/x/route.js", "app/x/route.ts"]);
        let scan = scan_ok(&dir);
        assert_eq!(
            routes(&dir, &scan),
            [("/x".into(), "app/x/route.ts".into())]
        );
        assert_eq!(
            scan.warnings,
            [
                "duplicate route handler /x: app/x/route.ts and app/x/route.js both define it; \
                 using app/x/route.ts (its extension comes first in pageExtensions; Next.js serves \
                 one of them, not predictably which); delete the other file"
            ]
        );
    }

    #[test]
    fn route_and_page_at_one_url_is_an_error() {
        let dir = project(&["app/x/route.ts", "app/x/page.tsx"]);
        assert_eq!(
            err(&dir).to_string(),
            "Conflicting route and page at /x: route at /x/route and page at /x/page. \
             app/x/route.ts and app/x/page.tsx both serve `/x`; a URL has either a route handler \
             or a page: delete one of them or move it to another folder"
        );
        let dir = project(&["app/route.ts", "app/page.tsx"]);
        assert!(
            err(&dir)
                .to_string()
                .starts_with("Conflicting route and page at /: route at /route and page at /page.")
        );
        // Also through groups and slots.
        let dir = project(&["app/(b)/x/route.ts", "app/(a)/x/page.tsx"]);
        assert!(err(&dir).to_string().starts_with(
            "Conflicting route and page at /x: route at /(b)/x/route and page at /(a)/x/page."
        ));
        let dir = project(&["app/x/route.ts", "app/@slot/x/page.tsx"]);
        assert!(matches!(
            err(&dir),
            RouterError::ConflictingRouteAndPage { .. }
        ));
        // A page in a private folder does not count.
        let dir = project(&["app/x/route.ts", "app/_x/page.tsx"]);
        assert_eq!(pages(&scan_ok(&dir)), ["/x"]);
    }

    #[test]
    fn two_route_handlers_at_one_url_is_an_error() {
        let dir = project(&["app/(a)/x/route.ts", "app/(b)/x/route.ts"]);
        assert_eq!(
            err(&dir).to_string(),
            "Conflicting routes at /x: route at /(b)/x/route and route at /(a)/x/route. \
             app/(b)/x/route.ts and app/(a)/x/route.ts both serve `/x` (route groups `(...)` and \
             slots `@...` are left out of the URL); delete or move one of them"
        );
        let dir = project(&["app/x/route.ts", "app/@slot/x/route.js"]);
        assert!(err(&dir).to_string().starts_with(
            "Conflicting routes at /x: route at /x/route and route at /@slot/x/route."
        ));
    }

    #[test]
    fn invalid_patterns_are_errors_naming_the_file() {
        let dir = project(&["app/api/[...slug]/x/route.ts"]);
        assert_eq!(
            err(&dir).to_string(),
            "invalid app/api/[...slug]/x/route.ts (route `/api/[...slug]/x`): the catch-all \
             segment `[...slug]` must be the last segment of the route; move the file out of the \
             `[...slug]` folder or make it `[...slug].<ext>` itself"
        );
        let dir = project(&["app/api/[[id]]/route.ts"]);
        assert!(matches!(err(&dir), RouterError::InvalidPattern { .. }));
        // An invalid folder without a route file is not an error.
        let dir = project(&["app/api/[[id]]/page.tsx", "app/ok/route.ts"]);
        assert_eq!(pages(&scan_ok(&dir)), ["/ok"]);
    }

    #[test]
    fn route_table_conflicts_are_errors_naming_the_files() {
        let dir = project(&["app/api/[a]/route.ts", "app/api/[b]/x/route.ts"]);
        let text = err(&dir).to_string();
        assert!(
            text.starts_with(
                "You cannot use different slug names for the same dynamic path ('a' !== 'b')."
            ),
            "{text}"
        );
        assert!(text.contains("app/api/[a]/route.ts") && text.contains("app/api/[b]/x/route.ts"));
        let dir = project(&["app/d/route.ts", "app/d/[[...p]]/route.ts"]);
        assert!(matches!(
            err(&dir),
            RouterError::OptionalCatchAllShadow { .. }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_but_loops_skipped() {
        let dir = project(&["app/real/x/route.ts", "shared/y/route.ts"]);
        let app = dir.path().join("app");
        std::os::unix::fs::symlink(dir.path().join("shared"), app.join("linked")).unwrap();
        std::os::unix::fs::symlink(&app, app.join("real/loop")).unwrap();
        let scan = scan_ok(&dir);
        assert_eq!(pages(&scan), ["/linked/y", "/real/x"]);
        assert_eq!(
            scan.warnings,
            ["skipping app/real/loop: it links back to one of its parent folders"]
        );
    }

    #[test]
    fn app_and_pages_routes_at_one_path_conflict() {
        let dir = project(&["app/api/r/route.ts", "pages/api/r.ts", "pages/api/ok.ts"]);
        let app = scan_ok(&dir);
        let pages = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        let err = check_app_pages_conflicts(&app, &pages, dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "App Router and Pages Router both match path: /api/r\n\
             Next.js does not support having both App Router and Pages Router routes matching \
             the same path. Please remove one of the conflicting routes.\n\
             The conflicting files: app/api/r/route.ts (App Router) and pages/api/r.ts (Pages Router)"
        );
        // Through a group, and for dynamic routes with the same names.
        let dir = project(&["app/(x)/api/[id]/route.ts", "pages/api/[id].ts"]);
        let app = scan_ok(&dir);
        let pages = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        assert!(matches!(
            check_app_pages_conflicts(&app, &pages, dir.path()),
            Err(RouterError::AppAndPagesConflict { page, .. }) if page == "/api/[id]"
        ));
    }

    #[test]
    fn app_and_pages_routes_share_one_table() {
        // Different slug names across the two routers: `next start` refuses to start.
        let dir = project(&["app/api/[a]/route.ts", "pages/api/[b].ts"]);
        let app = scan_ok(&dir);
        let pages = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        let text = check_app_pages_conflicts(&app, &pages, dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with(
                "You cannot use different slug names for the same dynamic path ('a' !== 'b')."
            ),
            "{text}"
        );
        assert!(text.contains("app/api/[a]/route.ts") && text.contains("pages/api/[b].ts"));
        let dir = project(&["app/api/d/[...a]/route.ts", "pages/api/d/[[...a]].ts"]);
        let app = scan_ok(&dir);
        let pages = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        assert!(matches!(
            check_app_pages_conflicts(&app, &pages, dir.path()),
            Err(RouterError::CatchAllConflict { .. })
        ));

        // Precedence is shared: static > [x] > [...x], whichever router defines the route.
        let dir = project(&[
            "app/api/post/create/route.ts",
            "pages/api/post/[pid].ts",
            "app/api/post/[...slug]/route.ts",
            "pages/api/hello.ts",
        ]);
        let app = scan_ok(&dir);
        let pages = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
        check_app_pages_conflicts(&app, &pages, dir.path()).unwrap();
        let table = api_route_table(&pages, &app, dir.path()).unwrap();
        let order: Vec<(&str, RouterKind)> =
            table.iter().map(|(p, r)| (p.page(), r.router)).collect();
        assert_eq!(
            order,
            [
                ("/api/hello", RouterKind::Pages),
                ("/api/post/create", RouterKind::App),
                ("/api/post/[pid]", RouterKind::Pages),
                ("/api/post/[...slug]", RouterKind::App),
            ]
        );
        let routed = |path: &str| {
            let m = table.match_path(path).unwrap();
            (m.value.router, m.value.page.clone())
        };
        assert_eq!(
            routed("/api/post/create"),
            (RouterKind::App, "/api/post/create".into())
        );
        assert_eq!(
            routed("/api/post/x"),
            (RouterKind::Pages, "/api/post/[pid]".into())
        );
        assert_eq!(
            routed("/api/post/x/y"),
            (RouterKind::App, "/api/post/[...slug]".into())
        );
        let hello = table.match_path("/api/hello").unwrap();
        assert_eq!(hello.value.file, dir.path().join("pages/api/hello.ts"));
    }
}

//! Errors of this crate. Every message names the route (and the file, when known) and says how
//! to fix the problem.

use std::fmt;
use std::path::PathBuf;

/// A route named in an error message: its page string and, when known, the file defining it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRef {
    /// The page string, e.g. `/api/items/[id]`.
    pub page: String,
    /// The file that defines the route, if the caller told us (the scanner does, with a path
    /// relative to the project root).
    pub file: Option<PathBuf>,
}

impl RouteRef {
    pub(crate) fn page(page: &str) -> Self {
        RouteRef {
            page: page.to_owned(),
            file: None,
        }
    }
}

impl fmt::Display for RouteRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{} (route `{}`)", file.display(), self.page),
            None => write!(f, "route `{}`", self.page),
        }
    }
}

/// A file of the App Router named in an error: the name Next.js gives it and the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEntryRef {
    /// Next's name for the file: its path inside the app directory without the extension,
    /// e.g. `/(shop)/api/cart/route` or `/api/cart/page`.
    pub entry: String,
    /// The file, relative to the project root.
    pub file: PathBuf,
}

/// What is wrong with a route pattern. The `Display` text explains the problem and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternProblem {
    /// The page string does not start with `/`.
    NotAbsolute,
    /// The page string has an empty segment (`//` or a trailing `/`).
    EmptySegment,
    /// A segment is `.` or `..`.
    DotSegment(String),
    /// A bracket segment without a name: `[]`, `[...]`, `[[...]]`.
    EmptyParamName(String),
    /// A parameter name that contains a bracket, e.g. `[[...x]` or `[...x]]`.
    ExtraBrackets(String),
    /// A parameter name starting with `.`, e.g. `[....x]` or `[.x]`.
    LeadingPeriod(String),
    /// An optional parameter that is not a catch-all: `[[x]]`.
    OptionalNotCatchAll(String),
    /// A catch-all (`[...x]` or `[[...x]]`) that is not the last segment.
    CatchAllNotLast(String),
    /// The same parameter name is used twice in one route.
    DuplicateParamName(String),
    /// Two parameter names that are equal once non-word characters are removed (`[a-b]`, `[ab]`).
    ParamNamesDifferBySymbols(String, String),
}

impl fmt::Display for PatternProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternProblem::NotAbsolute => f.write_str("a route must start with `/`"),
            PatternProblem::EmptySegment => f.write_str(
                "the route has an empty segment (`//` or a trailing `/`); remove the extra `/`",
            ),
            PatternProblem::DotSegment(s) => write!(
                f,
                "`{s}` cannot be a route segment; rename the file or folder"
            ),
            PatternProblem::EmptyParamName(s) => write!(
                f,
                "the dynamic segment `{s}` has no parameter name; put a name inside the brackets, e.g. `[id]`, `[...slug]` or `[[...slug]]`"
            ),
            PatternProblem::ExtraBrackets(s) => write!(
                f,
                "the dynamic segment `{s}` has extra brackets; use exactly `[name]`, `[...name]` or `[[...name]]`"
            ),
            PatternProblem::LeadingPeriod(s) => write!(
                f,
                "the parameter name in `{s}` starts with `.`; a catch-all is written with exactly three dots, `[...name]`"
            ),
            PatternProblem::OptionalNotCatchAll(s) => write!(
                f,
                "`{s}`: optional parameters must be catch-all; rename it to `[[...name]]` (optional catch-all) or `[name]` (required)"
            ),
            PatternProblem::CatchAllNotLast(s) => write!(
                f,
                "the catch-all segment `{s}` must be the last segment of the route; move the file out of the `{s}` folder or make it `{s}.<ext>` itself"
            ),
            PatternProblem::DuplicateParamName(n) => write!(
                f,
                "the parameter name `{n}` is used more than once in the route; give each dynamic segment its own name"
            ),
            PatternProblem::ParamNamesDifferBySymbols(a, b) => write!(
                f,
                "the parameter names `{a}` and `{b}` differ only by non-word characters; rename one of them"
            ),
        }
    }
}

/// Errors of route parsing, route-table construction and discovery.
///
/// Variants naming two routes box them to keep `Result<_, RouterError>` small.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouterError {
    /// A page string (or the file it came from) is not a valid route pattern.
    #[error("invalid {route}: {problem}")]
    InvalidPattern {
        /// The offending route.
        route: RouteRef,
        /// What is wrong and how to fix it.
        problem: PatternProblem,
    },
    /// Two routes have the same page string.
    #[error(
        "duplicate route `{}`: defined by both {first} and {second}; delete or rename one of them",
        first.page
    )]
    DuplicatePage {
        /// The route seen first (in precedence order).
        first: Box<RouteRef>,
        /// The route seen second.
        second: Box<RouteRef>,
    },
    /// Two routes use different parameter names at the same dynamic position, e.g.
    /// `pages/api/[a].ts` and `pages/api/[b].ts`. The first sentence is Next.js's build error.
    #[error(
        "You cannot use different slug names for the same dynamic path ('{first_name}' !== '{second_name}'). \
         {first} and {second} use different parameter names at the same position; rename one so that both use the same name"
    )]
    SlugNameConflict {
        /// The route that introduced the first name.
        first: Box<RouteRef>,
        /// The route with the conflicting name.
        second: Box<RouteRef>,
        /// The parameter name used by `first`.
        first_name: String,
        /// The parameter name used by `second`.
        second_name: String,
    },
    /// A required and an optional catch-all in the same folder (`[...a]` and `[[...a]]`).
    #[error(
        "{required} and {optional}: a required catch-all and an optional catch-all cannot be used at the same level; \
         keep only one of them (the optional one also matches the folder path itself)"
    )]
    CatchAllConflict {
        /// The route ending in `[...name]`.
        required: Box<RouteRef>,
        /// The route ending in `[[...name]]`.
        optional: Box<RouteRef>,
    },
    /// A route that an optional catch-all in the same folder already covers with zero segments,
    /// e.g. `pages/api/docs/index.ts` and `pages/api/docs/[[...parts]].ts`.
    #[error(
        "{route} has the same specificity as the optional catch-all {optional}, which also matches `{}`; \
         delete one of them (or make the catch-all required: `[...name]`)",
        route.page
    )]
    OptionalCatchAllShadow {
        /// The plain route (usually a folder `index` file).
        route: Box<RouteRef>,
        /// The optional catch-all route.
        optional: Box<RouteRef>,
    },
    /// An entry of `pageExtensions` is empty (or only dots).
    #[error(
        "invalid page extension {extension:?}: page extensions are non-empty suffixes such as \"ts\" or \"api.ts\"; fix `pageExtensions` in next.config"
    )]
    InvalidPageExtension {
        /// The entry as given.
        extension: String,
    },
    /// No page extensions were given.
    #[error(
        "no page extensions given: pass at least one (Next.js's default is [\"tsx\", \"ts\", \"jsx\", \"js\"])"
    )]
    NoPageExtensions,
    /// Two App Router route handlers resolve to the same URL, through route groups `(…)` or
    /// parallel-route slots `@…` (both left out of the URL). The first sentence is Next.js's
    /// build error, which names the later file first.
    #[error(
        "Conflicting routes at {page}: route at {} and route at {}. {} and {} both serve `{page}` \
         (route groups `(...)` and slots `@...` are left out of the URL); delete or move one of them",
        first.entry, second.entry, first.file.display(), second.file.display()
    )]
    ConflictingAppRoutes {
        /// The URL both resolve to.
        page: String,
        /// The route named first.
        first: Box<AppEntryRef>,
        /// The route named second.
        second: Box<AppEntryRef>,
    },
    /// An App Router route handler and a page resolve to the same URL (e.g. `route.ts` beside
    /// `page.tsx`). The first sentence is Next.js's build error.
    #[error(
        "Conflicting route and page at {page}: route at {} and page at {}. {} and {} both serve \
         `{page}`; a URL has either a route handler or a page: delete one of them or move it to another folder",
        route.entry, app_page.entry, route.file.display(), app_page.file.display()
    )]
    ConflictingRouteAndPage {
        /// The URL both resolve to.
        page: String,
        /// The route handler (`route.<ext>`).
        route: Box<AppEntryRef>,
        /// The page (`page.<ext>`).
        app_page: Box<AppEntryRef>,
    },
    /// An App Router route handler and a Pages API route have the same page. The first two
    /// sentences are Next.js's build error.
    #[error(
        "App Router and Pages Router both match path: {page}\n\
         Next.js does not support having both App Router and Pages Router routes matching the same path. \
         Please remove one of the conflicting routes.\n\
         The conflicting files: {} (App Router) and {} (Pages Router)",
        app_file.display(), pages_file.display()
    )]
    AppAndPagesConflict {
        /// The page both define, e.g. `/api/items`.
        page: String,
        /// The App Router file, relative to the project root.
        app_file: PathBuf,
        /// The Pages Router file, relative to the project root.
        pages_file: PathBuf,
    },
    /// The pages directory and the app directory are not in the same folder (one at the root,
    /// the other under `src/`). The first sentence is Next.js's build error.
    #[error(
        "`pages` and `app` directories should be under the same folder: found {} and {}; \
         move one of them so that both are at the project root or both under `src/`",
        pages_dir.display(), app_dir.display()
    )]
    SplitSourceDirs {
        /// The pages directory, relative to the project root.
        pages_dir: PathBuf,
        /// The app directory, relative to the project root.
        app_dir: PathBuf,
    },
    /// A directory of the pages or app tree could not be read.
    #[error("cannot read {}: {source}; check that it exists and is readable", path.display())]
    Io {
        /// The directory (or file) that could not be read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

//! What a project is, as Petrel serves it: the Pages API routes and App Router route handlers
//! found on disk, each route's static config (validated), and the JavaScript the workers load
//! for it.
//!
//! Loading a project is the "build" step of `petrel start`: every problem (a bad config, a
//! syntax error, an import that does not resolve) is collected and reported together, each
//! naming its file and line, before anything is served.

mod app;
mod config;
mod env;
mod netlify;
mod next_config;
mod settings;

pub use app::{Dynamic, HTTP_METHODS, SegmentConfig, read_route_handler};
pub use config::{PagesApiConfig, RouteKind, Runtime, parse_size};
pub use env::{EnvFiles, load_env_files, parse_dotenv};
pub use netlify::{
    DEFAULT_FUNCTIONS_DIR, DiscoveredFunction, FUNCTION_EXTENSIONS, FunctionApi,
    NetlifyFunctionConfig, NetlifyToml, TomlFunctionSettings, scan_functions, valid_function_name,
};
pub use next_config::{
    NEXT_CONFIG_FILES, NEXT_CONFIG_TIMEOUT, NextConfig, NextConfigError, find_next_config,
    load_next_config, load_next_config_with_env,
};
pub use settings::{
    BackgroundSettings, FunctionSettings, NetlifySettings, RetryBackoff, SchedulePolicy,
    ScheduleSettings, Settings, WorkerSettings,
};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use petrel_compile::{
    CompileError, Compiler, CompilerOptions, NetlifyApi, NetlifyExports, StaticExports,
};

/// How the project is being run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `petrel dev`.
    Dev,
    /// `petrel start`.
    Start,
}

/// One Pages API route, ready to serve.
#[derive(Debug, Clone)]
pub struct ApiRoute {
    /// Route pattern, e.g. `/api/items/[id]`.
    pub page: String,
    /// The user's source file.
    pub file: PathBuf,
    /// The built module the worker imports.
    pub module: PathBuf,
    /// The route's static config.
    pub config: PagesApiConfig,
    /// Whether the file has a default export (the handler).
    pub has_default_export: bool,
    /// Why the route cannot be served (a syntax error, an import that does not resolve, a
    /// bad `config`); `module` is empty then. `petrel dev` answers its requests with this.
    pub error: Option<RouteError>,
}

/// One App Router route handler (`app/**/route.ts`), ready to serve.
#[derive(Debug, Clone)]
pub struct AppRoute {
    /// Route pattern, e.g. `/api/items/[id]` (groups left out).
    pub page: String,
    /// The user's source file.
    pub file: PathBuf,
    /// The built module the worker imports (empty when `error` is set).
    pub module: PathBuf,
    /// The HTTP methods it exports, in Next's order (`DELETE GET HEAD OPTIONS PATCH POST PUT`).
    pub methods: Vec<String>,
    /// Its segment config.
    pub segment: SegmentConfig,
    /// Why the route cannot be served.
    pub error: Option<RouteError>,
}

/// A problem that keeps one route from being served, worded for people: the file (and
/// `line:column` when known), the message and, for syntax errors, a code frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    /// The full message.
    pub message: String,
    /// The error is in the schedule only (a bad cron, or none for a scheduled route): the
    /// function is not scheduled, and `petrel start` serves the rest of the project anyway.
    pub in_schedule: bool,
}

impl RouteError {
    /// An error that stops the route or function.
    pub fn new(message: String) -> Self {
        RouteError {
            message,
            in_schedule: false,
        }
    }
}

impl Project {
    /// The build errors of routes and functions: those in a schedule only (`true`), or the
    /// others (`false`).
    pub fn schedule_errors(&self, in_schedule: bool) -> impl Iterator<Item = &RouteError> {
        self.routes
            .iter()
            .filter_map(|r| r.error.as_ref())
            .chain(self.app_routes.iter().filter_map(|r| r.error.as_ref()))
            .chain(self.functions.iter().filter_map(|f| f.error.as_ref()))
            .filter(move |e| e.in_schedule == in_schedule)
    }
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One Netlify Function, ready to serve.
#[derive(Debug, Clone)]
pub struct NetlifyFunction {
    /// The function's name.
    pub name: String,
    /// Its entry file.
    pub file: PathBuf,
    /// The built module the worker imports (empty when `error` is set).
    pub module: PathBuf,
    /// v1 (`handler`) or v2 (default export).
    pub api: FunctionApi,
    /// Its settings.
    pub config: NetlifyFunctionConfig,
    /// Whether the name is valid (an invalid one is answered with 400, as Netlify does).
    pub valid_name: bool,
    /// Why it cannot be served.
    pub error: Option<RouteError>,
}

/// A loaded project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder.
    pub root: PathBuf,
    /// `pages/` or `src/pages/`, when there is one.
    pub pages_dir: Option<PathBuf>,
    /// Every API route, in precedence order.
    pub routes: Vec<ApiRoute>,
    /// `app/` or `src/app/`, when there is one.
    pub app_dir: Option<PathBuf>,
    /// Every App Router route handler, sorted by page.
    pub app_routes: Vec<AppRoute>,
    /// The Netlify Functions folder (which may not exist).
    pub functions_dir: PathBuf,
    /// Every Netlify Function, by name.
    pub functions: Vec<NetlifyFunction>,
    /// `basePath` ("" when none).
    pub base_path: String,
    /// `trailingSlash`.
    pub trailing_slash: bool,
    /// `pageExtensions`.
    pub page_extensions: Vec<String>,
    /// The `next.config.*` file read, if any.
    pub next_config_file: Option<PathBuf>,
    /// The `.env*` files loaded, in precedence order (for the banner).
    pub env_files: Vec<String>,
    /// Environment for the workers: the `.env*` values (under the real environment), then
    /// next.config `env` (which wins, as Next inlines it).
    pub env: Vec<(String, String)>,
    /// Problems worth telling the user that do not stop serving.
    pub warnings: Vec<String>,
    /// `petrel.toml`.
    pub settings: Settings,
}

/// Why a project could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The project folder does not exist or is not a folder.
    #[error("{0} is not a project folder (it does not exist or is not a directory)")]
    NotAFolder(PathBuf),
    /// Route discovery failed (conflicting routes).
    #[error(transparent)]
    Routes(#[from] petrel_router::RouterError),
    /// One or more routes failed to build; every problem is listed.
    #[error("{} problem(s) found while building the API routes:\n{}", .0.len(), .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Build(Vec<String>),
    /// `next.config.*` could not be read.
    #[error(transparent)]
    NextConfig(#[from] NextConfigError),
    /// A `.env*` file could not be read.
    #[error("{0}")]
    Env(String),
}

/// Default page extensions of Next.js.
pub const DEFAULT_PAGE_EXTENSIONS: [&str; 4] = ["tsx", "ts", "jsx", "js"];

/// Finds, checks and builds every Pages API route of the project at `root`, failing on the
/// first problem list (what `petrel start` and `petrel routes` do).
pub fn load(root: &Path, mode: Mode) -> Result<Project, ProjectError> {
    ProjectBuilder::new(root, mode)?
        .build()?
        .require_all_routes()
}

impl Project {
    /// The project, or every route's build error when any route failed (`petrel start`
    /// serves only a project that builds completely, as `next build` does). A bad schedule
    /// is not one: it stops nothing else (that function is just not scheduled).
    pub fn require_all_routes(self) -> Result<Project, ProjectError> {
        let problems: Vec<String> = self.schedule_errors(false).map(|e| e.to_string()).collect();
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(ProjectError::Build(problems))
        }
    }
}

/// Builds a project again and again (`petrel dev`): keeps the compiler (its manifest of source
/// hashes, so only changed modules are transpiled) and each route's static exports between
/// builds. A route that fails to build is kept in the project with its error, so the other
/// routes go on serving.
pub struct ProjectBuilder {
    root: PathBuf,
    mode: Mode,
    node: PathBuf,
    process_env: HashMap<String, String>,
    /// The last next.config read, and a stamp of what it was read from.
    next_config: Option<(u64, NextConfig)>,
    compiler: Option<(u64, Compiler)>,
    exports: HashMap<PathBuf, (u64, Result<StaticExports, String>)>,
    netlify_exports: HashMap<PathBuf, (u64, Result<NetlifyExports, String>)>,
}

impl std::fmt::Debug for ProjectBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectBuilder")
            .field("root", &self.root)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// The outcome of one build: what changed since the previous one.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// Source files transpiled by this build (project-relative), in order.
    pub transpiled: Vec<String>,
}

impl ProjectBuilder {
    /// Checks that `root` is a project folder.
    pub fn new(root: &Path, mode: Mode) -> Result<Self, ProjectError> {
        if !root.is_dir() {
            return Err(ProjectError::NotAFolder(root.to_path_buf()));
        }
        let root = root
            .canonicalize()
            .map_err(|_| ProjectError::NotAFolder(root.to_path_buf()))?;
        Ok(ProjectBuilder {
            root,
            mode,
            node: std::env::var_os("PETREL_NODE")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("node")),
            process_env: std::env::vars().collect(),
            next_config: None,
            compiler: None,
            exports: HashMap::new(),
            netlify_exports: HashMap::new(),
        })
    }

    /// The canonical project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Scans and builds the project. Problems of one route are kept on the route
    /// ([`ApiRoute::error`]); problems of the whole project (`petrel.toml`, conflicting
    /// routes, the compiler's tsconfig) are errors.
    pub fn build(&mut self) -> Result<Project, ProjectError> {
        self.build_with_report().map(|(project, _)| project)
    }

    /// [`ProjectBuilder::build`], also saying which modules were transpiled.
    pub fn build_with_report(&mut self) -> Result<(Project, BuildReport), ProjectError> {
        let root = self.root.clone();
        let settings = Settings::load(&root).map_err(|e| ProjectError::Build(vec![e]))?;
        let env_files =
            load_env_files(&root, self.mode, &self.process_env).map_err(ProjectError::Env)?;
        self.compiler()?;
        let next_config = self.next_config(&env_files.vars)?;
        let extensions: Vec<&str> = next_config
            .page_extensions
            .iter()
            .map(String::as_str)
            .collect();
        let scan = petrel_router::scan_pages_api(&root, &extensions)?;
        let app_scan = petrel_router::scan_app_routes(&root, &extensions)?;
        petrel_router::check_app_pages_conflicts(&app_scan, &scan, &root)?;
        let mut warnings = next_config.warnings.clone();
        warnings.extend(scan.warnings.iter().cloned());
        warnings.extend(app_scan.warnings.iter().cloned());
        let compiler = self.compiler()?;
        compiler.reset_transpiled();
        let mut routes = Vec::with_capacity(scan.routes.len());
        let mut live_files = std::collections::HashSet::new();
        for discovered in scan.routes {
            live_files.insert(discovered.file.clone());
            let mut route = ApiRoute {
                page: discovered.page,
                file: discovered.file,
                module: PathBuf::new(),
                config: PagesApiConfig::default(),
                has_default_export: true,
                error: None,
            };
            match self.route_exports(&route.file) {
                Ok(exports) => match PagesApiConfig::from_exports(&exports) {
                    Ok(config) => {
                        route.config = config;
                        route.has_default_export = exports.has_default_export;
                    }
                    Err(message) => {
                        route.error = Some(RouteError::new(format!(
                            "{} (route {}): {message}",
                            rel(&root, &route.file),
                            route.page
                        )));
                    }
                },
                Err(message) => route.error = Some(RouteError::new(message)),
            }
            if route.error.is_none()
                && let RouteKind::Scheduled { schedule } = &route.config.kind
            {
                let (problem, at) = match schedule {
                    // Netlify's Next.js runtime v4 refused this too (reference case 48).
                    None => (
                        Some(
                            "schedule is required when type is \"experimental-scheduled\": add e.g. `schedule: \"@hourly\"` to the config".to_string(),
                        ),
                        rel(&root, &route.file),
                    ),
                    Some(cron) => (
                        petrel_schedule::Schedule::parse(cron)
                            .err()
                            .map(|e| format!("invalid `schedule`: {e}")),
                        schedule_location(&root, &route.file, cron),
                    ),
                };
                if let Some(problem) = problem {
                    route.error = Some(RouteError {
                        message: format!("{at} (route {}): {problem}", route.page),
                        in_schedule: true,
                    });
                }
            }
            if route.error.is_none() {
                let compiler = &mut self.compiler.as_mut().expect("compiler created").1;
                match compiler.build_entry(&route.file) {
                    Ok(module) => route.module = module,
                    Err(err) => {
                        route.error = Some(RouteError::new(describe_compile_error(&root, &err)));
                    }
                }
            }
            routes.push(route);
        }
        let mut app_routes = Vec::with_capacity(app_scan.routes.len());
        for discovered in app_scan.routes {
            live_files.insert(discovered.file.clone());
            app_routes.push(self.build_app_route(discovered.page, discovered.file));
        }
        let netlify_toml = NetlifyToml::load(&root).map_err(|e| ProjectError::Build(vec![e]))?;
        let functions_dir = root.join(
            netlify_toml
                .functions_dir
                .as_deref()
                .unwrap_or(DEFAULT_FUNCTIONS_DIR),
        );
        let mut functions = Vec::new();
        for discovered in scan_functions(&functions_dir) {
            live_files.insert(discovered.file.clone());
            let function = self.build_function(discovered, &netlify_toml, &mut warnings);
            functions.push(function);
        }
        self.exports.retain(|file, _| live_files.contains(file));
        self.netlify_exports
            .retain(|file, _| live_files.contains(file));
        for route in &routes {
            if route.error.is_none()
                && !route.has_default_export
                && route.config.runtime == Runtime::Nodejs
            {
                // Next builds it and fails every request; say so up front too.
                warnings.push(format!(
                    "{}: route {} has no default export; requests to it will answer 500. Add `export default function handler(req, res) {{ ... }}`.",
                    rel(&root, &route.file),
                    route.page
                ));
            }
        }
        let compiler = &self.compiler.as_ref().expect("compiler created").1;
        let report = BuildReport {
            transpiled: compiler
                .last_transpiled()
                .iter()
                .map(|f| rel(&root, f))
                .collect(),
        };
        Ok((
            Project {
                root,
                pages_dir: scan.pages_dir,
                routes,
                app_dir: app_scan.app_dir,
                app_routes,
                functions_dir,
                functions,
                base_path: next_config.base_path.clone(),
                trailing_slash: next_config.trailing_slash,
                page_extensions: next_config.page_extensions.clone(),
                next_config_file: next_config.file.clone(),
                env_files: env_files.files,
                env: env_files
                    .vars
                    .into_iter()
                    .chain(next_config.env.iter().cloned())
                    .collect(),
                warnings,
                settings,
            },
            report,
        ))
    }

    /// The compiler, created again when the files that shape compilation changed
    /// (`tsconfig.json`, `jsconfig.json`, `package.json`).
    fn compiler(&mut self) -> Result<&mut Compiler, ProjectError> {
        let stamp = compiler_inputs_stamp(&self.root);
        if self.compiler.as_ref().is_none_or(|(s, _)| *s != stamp) {
            let compiler = Compiler::new(CompilerOptions {
                project_root: self.root.clone(),
                out_dir: self.root.join(".petrel").join("build"),
            })
            .map_err(|e| ProjectError::Build(vec![describe_compile_error(&self.root, &e)]))?;
            self.compiler = Some((stamp, compiler));
        }
        Ok(&mut self.compiler.as_mut().expect("compiler just created").1)
    }

    /// next.config, evaluated again only when the file or the environment changed (its own
    /// imports are not tracked: save next.config itself after changing one).
    fn next_config(&mut self, env: &[(String, String)]) -> Result<NextConfig, ProjectError> {
        let Some(file) = find_next_config(&self.root)? else {
            self.next_config = None;
            return Ok(NextConfig::default());
        };
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let stamp = hash_text(&format!("{}\0{text}\0{env:?}", file.display()));
        if let Some((cached, config)) = &self.next_config
            && *cached == stamp
        {
            return Ok(config.clone());
        }
        let compiler = &mut self.compiler.as_mut().expect("compiler created").1;
        let config = load_next_config_with_env(&self.root, self.mode, compiler, &self.node, env)?;
        if !config.output.trim().is_empty() {
            for line in config.output.lines() {
                tracing::info!(target: "petrel::next_config", "{line}");
            }
        }
        self.next_config = Some((stamp, config.clone()));
        Ok(config)
    }

    /// Reads, checks and builds one App Router route handler.
    fn build_app_route(&mut self, page: String, file: PathBuf) -> AppRoute {
        let shown = rel(&self.root, &file);
        let mut route = AppRoute {
            page,
            file,
            module: PathBuf::new(),
            methods: Vec::new(),
            segment: SegmentConfig::default(),
            error: None,
        };
        let read = self
            .route_exports(&route.file)
            .and_then(|exports| read_route_handler(&exports, &shown, &route.page));
        match read {
            Ok((methods, segment)) => {
                route.methods = methods;
                route.segment = segment;
            }
            Err(message) => {
                route.error = Some(RouteError::new(message));
                return route;
            }
        }
        let compiler = &mut self.compiler.as_mut().expect("compiler created").1;
        match compiler.build_entry(&route.file) {
            Ok(module) => route.module = module,
            Err(err) => {
                route.error = Some(RouteError::new(describe_compile_error(&self.root, &err)));
            }
        }
        route
    }

    /// Reads, checks and builds one Netlify Function.
    fn build_function(
        &mut self,
        discovered: DiscoveredFunction,
        toml: &NetlifyToml,
        warnings: &mut Vec<String>,
    ) -> NetlifyFunction {
        let root = self.root.clone();
        let shown = rel(&root, &discovered.file);
        let mut function = NetlifyFunction {
            name: discovered.name,
            file: discovered.file,
            module: PathBuf::new(),
            api: FunctionApi::V2,
            config: NetlifyFunctionConfig::default(),
            valid_name: discovered.valid_name,
            error: None,
        };
        let fail = |message: String| Some(RouteError::new(message));
        let exports = match self.function_exports(&function.file) {
            Ok(exports) => exports,
            Err(message) => {
                function.error = fail(message);
                return function;
            }
        };
        function.api = match exports.api {
            NetlifyApi::V1 => FunctionApi::V1,
            NetlifyApi::V2 => FunctionApi::V2,
        };
        for warning in &exports.warnings {
            warnings.push(format!(
                "{shown}:{}:{}: {}",
                warning.line, warning.column, warning.message
            ));
        }
        let helper = match &exports.schedule_helper {
            Some(Ok(cron)) => Some(cron.as_str()),
            Some(Err(message)) => {
                function.error = fail(format!("{shown}: {message}"));
                return function;
            }
            None => None,
        };
        // v1 functions ignore `config` (only the `schedule()` helper counts), as on Netlify.
        let config = match function.api {
            FunctionApi::V2 => exports.config.as_ref(),
            FunctionApi::V1 => None,
        };
        match NetlifyFunctionConfig::resolve(
            &function.name,
            config,
            &toml.settings_for(&function.name),
            helper,
        ) {
            Ok((config, more)) => {
                function.config = config;
                warnings.extend(more.into_iter().map(|w| format!("{shown}: {w}")));
            }
            Err(message) => {
                function.error = fail(format!("{shown}: {message}"));
                return function;
            }
        }
        if let Some(cron) = &function.config.schedule
            && let Err(err) = petrel_schedule::Schedule::parse(cron)
        {
            function.error = Some(RouteError {
                message: format!(
                    "{}: Function {} has an invalid schedule: {err}",
                    schedule_location(&root, &function.file, cron),
                    function.name
                ),
                in_schedule: true,
            });
            return function;
        }
        if function.api == FunctionApi::V1 && !exports.has_handler {
            function.error = fail(format!(
                "{shown}: function {} exports neither a default function (v2) nor a `handler` (v1). Add `export default async (req: Request) => new Response(\"ok\")`.",
                function.name
            ));
            return function;
        }
        let compiler = &mut self.compiler.as_mut().expect("compiler created").1;
        match compiler.build_entry(&function.file) {
            Ok(module) => function.module = module,
            Err(err) => function.error = fail(describe_compile_error(&root, &err)),
        }
        function
    }

    /// A function's static exports, parsed again only when its source changed.
    fn function_exports(&mut self, file: &Path) -> Result<NetlifyExports, String> {
        let source = std::fs::read_to_string(file)
            .map_err(|err| format!("{}: could not read: {err}", rel(&self.root, file)))?;
        let hash = hash_text(&source);
        if let Some((cached_hash, exports)) = self.netlify_exports.get(file)
            && *cached_hash == hash
        {
            return exports.clone();
        }
        let exports = petrel_compile::extract_netlify_exports(file, &source)
            .map_err(|err| describe_compile_error(&self.root, &err));
        self.netlify_exports
            .insert(file.to_path_buf(), (hash, exports.clone()));
        exports
    }

    /// The route's static exports, parsed again only when its source changed.
    fn route_exports(&mut self, file: &Path) -> Result<StaticExports, String> {
        let source = std::fs::read_to_string(file)
            .map_err(|err| format!("{}: could not read: {err}", rel(&self.root, file)))?;
        let hash = hash_text(&source);
        if let Some((cached_hash, exports)) = self.exports.get(file)
            && *cached_hash == hash
        {
            return exports.clone();
        }
        let exports = petrel_compile::extract_static_exports(file, &source)
            .map_err(|err| describe_compile_error(&self.root, &err));
        self.exports
            .insert(file.to_path_buf(), (hash, exports.clone()));
        exports
    }
}

/// A fingerprint of the files whose change needs a new compiler.
fn compiler_inputs_stamp(root: &Path) -> u64 {
    let mut text = String::new();
    for name in ["tsconfig.json", "jsconfig.json", "package.json"] {
        text.push_str(name);
        text.push('\0');
        if let Ok(content) = std::fs::read_to_string(root.join(name)) {
            text.push_str(&content);
        }
        text.push('\0');
    }
    hash_text(&text)
}

fn hash_text(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// The error with project-relative paths and, when there is one, its code frame.
fn describe_compile_error(root: &Path, err: &CompileError) -> String {
    let prefix = format!("{}/", root.display());
    let mut text = err.to_string().replace(&prefix, "");
    if let Some(frame) = err.code_frame().filter(|f| !f.trim().is_empty()) {
        for line in frame.lines() {
            text.push_str("\n      ");
            text.push_str(line);
        }
    }
    text
}

/// Where a cron string is written: `file:line` when it is in the file (a `config` or the
/// `schedule()` helper), else `netlify.toml:line` (a `[functions."name"] schedule`), else the
/// file. Only for error messages: the config was read as a literal, so its text is there.
fn schedule_location(root: &Path, file: &Path, cron: &str) -> String {
    let line_in = |path: &Path| -> Option<usize> {
        let text = std::fs::read_to_string(path).ok()?;
        let at = ['"', '\'', '`']
            .iter()
            .find_map(|q| text.find(&format!("{q}{cron}{q}")))?;
        Some(text[..at].matches('\n').count() + 1)
    };
    if let Some(line) = line_in(file) {
        return format!("{}:{line}", rel(root, file));
    }
    if let Some(line) = line_in(&root.join("netlify.toml")) {
        return format!("netlify.toml:{line}");
    }
    rel(root, file)
}

fn rel(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

//! What a project is, as Petrel serves it: the Pages API routes found on disk, each route's
//! static `config` (validated), and the JavaScript the workers load for it.
//!
//! Loading a project is the "build" step of `petrel start`: every problem (a bad config, a
//! syntax error, an import that does not resolve) is collected and reported together, each
//! naming its file and line, before anything is served.

mod config;
mod env;
mod settings;

pub use config::{PagesApiConfig, RouteKind, Runtime, parse_size};
pub use env::{EnvFiles, load_env_files, parse_dotenv};
pub use settings::{FunctionSettings, Settings, WorkerSettings};

use std::path::{Path, PathBuf};

use petrel_compile::{CompileError, Compiler, CompilerOptions};

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
    /// `basePath` ("" when none).
    pub base_path: String,
    /// `trailingSlash`.
    pub trailing_slash: bool,
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
}

/// Default page extensions of Next.js.
pub const DEFAULT_PAGE_EXTENSIONS: [&str; 4] = ["tsx", "ts", "jsx", "js"];

/// Finds, checks and builds every Pages API route of the project at `root`.
pub fn load(root: &Path, _mode: Mode) -> Result<Project, ProjectError> {
    if !root.is_dir() {
        return Err(ProjectError::NotAFolder(root.to_path_buf()));
    }
    let root = root
        .canonicalize()
        .map_err(|_| ProjectError::NotAFolder(root.to_path_buf()))?;
    let settings = Settings::load(&root).map_err(|e| ProjectError::Build(vec![e]))?;
    let scan = petrel_router::scan_pages_api(&root, &DEFAULT_PAGE_EXTENSIONS)?;
    let mut warnings = scan.warnings.clone();
    let out_dir = root.join(".petrel").join("build");
    let mut compiler = Compiler::new(CompilerOptions {
        project_root: root.clone(),
        out_dir,
    })
    .map_err(|e| ProjectError::Build(vec![e.to_string()]))?;
    let mut problems = Vec::new();
    let mut routes = Vec::new();
    for discovered in scan.routes {
        let source = match std::fs::read_to_string(&discovered.file) {
            Ok(s) => s,
            Err(err) => {
                problems.push(format!(
                    "{}: could not read: {err}",
                    rel(&root, &discovered.file)
                ));
                continue;
            }
        };
        let exports = match petrel_compile::extract_static_exports(&discovered.file, &source) {
            Ok(exports) => exports,
            Err(err) => {
                problems.push(describe_compile_error(&root, &err));
                continue;
            }
        };
        let config = match PagesApiConfig::from_exports(&exports) {
            Ok(config) => config,
            Err(message) => {
                problems.push(format!(
                    "{} (route {}): {message}",
                    rel(&root, &discovered.file),
                    discovered.page
                ));
                continue;
            }
        };
        if !exports.has_default_export && config.runtime == Runtime::Nodejs {
            // Next builds it and fails every request; say so up front too.
            warnings.push(format!(
                "{}: route {} has no default export; requests to it will answer 500. Add `export default function handler(req, res) {{ ... }}`.",
                rel(&root, &discovered.file),
                discovered.page
            ));
        }
        let module = match compiler.build_entry(&discovered.file) {
            Ok(module) => module,
            Err(err) => {
                problems.push(describe_compile_error(&root, &err));
                continue;
            }
        };
        routes.push(ApiRoute {
            page: discovered.page,
            file: discovered.file,
            module,
            config,
        });
    }
    if !problems.is_empty() {
        return Err(ProjectError::Build(problems));
    }
    Ok(Project {
        root,
        pages_dir: scan.pages_dir,
        routes,
        base_path: String::new(),
        trailing_slash: false,
        warnings,
        settings,
    })
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

fn rel(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

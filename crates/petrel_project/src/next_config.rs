//! `next.config.*`, read the way Next.js 16 reads it: found by name, built by `petrel_compile`
//! (so `next.config.ts` and ESM/CommonJS configs all work) and evaluated in a short-lived Node
//! process, which prints the keys Petrel uses as JSON.
//!
//! What Next does (next@16, `dist/`), and what this module copies:
//!
//! - **Finding the file** (`server/config.js` `loadConfigImpl`, `shared/lib/constants.js`
//!   `CONFIG_FILES`): `find-up` of `next.config.js`, `next.config.mjs`, `next.config.ts` (and
//!   `next.config.mts` when Node can strip types) from the project folder *upwards*: the first
//!   folder holding one of the names wins, names in that order. When none is found, the same
//!   search for `next.config.cjs`, `.cts`, `.json`, `.jsx`, `.tsx` turns a hit into Next's error
//!   "Configuring Next.js via '…' is not supported". Petrel transpiles TypeScript itself, so
//!   it always accepts `next.config.mts` (Next does on Node 22.18+, where
//!   `process.features.typescript` is set).
//! - **Evaluating** (`loadConfigImpl`, `lib/interop-default.js`, `server/config-shared.js`
//!   `normalizeConfig`): `import()` the module, take `mod.default || mod`; a function is called
//!   with `(phase, { defaultConfig })`; the result is awaited (promises and async functions).
//!   `NODE_ENV` is `development`/`production` by mode and `NEXT_RUNTIME` is `nodejs`, as the
//!   `next` CLI sets them before loading the config. `defaultConfig` is the part of Next's
//!   defaults that does not need `next` installed.
//! - **Validation** (`assignDefaultsAndValidate`, `config-schema.js`, `lib/static-env.js`): a
//!   key set to `null`/`undefined` takes its default; the `basePath` and `pageExtensions` errors
//!   and the `env` "is not allowed" error use Next's wording (plus how to fix it); a non-boolean
//!   `trailingSlash` is only a warning in Next (its zod schema) and is used as a truthy flag,
//!   so it is here too; `exportTrailingSlash` is still accepted with Next's rename warning.
//! - **`env` values**: Next inlines `JSON.stringify(value)` into its bundles, so a number stays
//!   a number in code; Petrel has no bundle and sets `process.env`, whose values are strings.
//!   Strings are kept; numbers, booleans and bigints become `String(value)` (what assigning to
//!   `process.env` gives, and what Next's `populateStaticEnv` does); objects and arrays become
//!   `JSON.stringify(value)`; each such value also gets Next's schema warning ("Expected string,
//!   received number at "env.X"") saying what Petrel did. Functions and symbols are errors.
//!   An `env` that is not an object is an error (Next only warns and then walks its keys).
//!
//! The evaluator (`js/eval_next_config.cjs`) prints its result behind a random marker line, so
//! whatever the config itself prints (`console.log`) is kept apart and handed back in
//! [`NextConfig::output`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use petrel_compile::{CompileError, Compiler};
use serde::Deserialize;

use crate::Mode;

/// The config file names Next.js 16 looks for, in its order of preference.
pub const NEXT_CONFIG_FILES: [&str; 4] = [
    "next.config.js",
    "next.config.mjs",
    "next.config.ts",
    "next.config.mts",
];

/// Names Next.js recognises as a config but refuses (checked only when none of
/// [`NEXT_CONFIG_FILES`] is found).
const UNSUPPORTED_CONFIG_FILES: [&str; 5] = [
    "next.config.cjs",
    "next.config.cts",
    "next.config.json",
    "next.config.jsx",
    "next.config.tsx",
];

/// How long evaluating the config may take before the Node process is killed.
pub const NEXT_CONFIG_TIMEOUT: Duration = Duration::from_secs(60);

const EVALUATOR: &str = include_str!("../js/eval_next_config.cjs");

/// The keys of `next.config.*` that Petrel uses, with Next's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextConfig {
    /// The config file that was evaluated (absolute), `None` when the project has none.
    pub file: Option<PathBuf>,
    /// `basePath`: `""` when unset, else `/prefix` (checked as Next checks it).
    pub base_path: String,
    /// `trailingSlash` (a non-boolean value counts by truthiness, as in Next, with a warning).
    pub trailing_slash: bool,
    /// `pageExtensions`, default `["tsx", "ts", "jsx", "js"]`; kept as written (Next does not
    /// strip a leading dot; one gets a warning).
    pub page_extensions: Vec<String>,
    /// `env`, in the object's key order, keys whose value is `null`/`undefined` left out, values
    /// as strings (see the module documentation for non-string values).
    pub env: Vec<(String, String)>,
    /// Problems Next.js would warn about (schema warnings, renamed keys), worded for people.
    pub warnings: Vec<String>,
    /// What the config printed while it was evaluated (stdout and stderr, in order), for the
    /// caller to show; empty when it printed nothing.
    pub output: String,
}

impl Default for NextConfig {
    fn default() -> Self {
        NextConfig {
            file: None,
            base_path: String::new(),
            trailing_slash: false,
            page_extensions: crate::DEFAULT_PAGE_EXTENSIONS
                .iter()
                .map(|ext| (*ext).to_string())
                .collect(),
            env: Vec::new(),
            warnings: Vec::new(),
            output: String::new(),
        }
    }
}

/// Why `next.config.*` could not be read. Every message names the config file (relative to the
/// project folder) and says how to fix the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NextConfigError {
    /// A config file with a name Next.js refuses (`next.config.cjs`, `.json`, …).
    #[error(
        "{file}: Configuring Next.js via '{name}' is not supported. Please replace the file with 'next.config.js', 'next.config.mjs', or 'next.config.ts'."
    )]
    Unsupported {
        /// The file, project-relative.
        file: String,
        /// Its name.
        name: String,
    },
    /// The config (or a module it imports) does not compile: syntax error, unresolvable import.
    #[error("{}", compile_message(.file, .error))]
    Compile {
        /// The config file, project-relative.
        file: String,
        /// The compiler's error (with `file:line:column` and a code frame).
        #[source]
        error: Box<CompileError>,
    },
    /// Node could not be started.
    #[error(
        "{file}: could not start Node.js ({}) to evaluate it: {source}. Install Node.js 20 or newer, or point PETREL_NODE at it.",
        .node.display()
    )]
    Spawn {
        /// The config file, project-relative.
        file: String,
        /// The `node` that was run.
        node: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// Evaluating the config threw (or its promise rejected).
    #[error("{}", threw_message(.file, .location.as_deref(), .message, .code_frame.as_deref()))]
    Threw {
        /// The config file, project-relative.
        file: String,
        /// `file:line:column` of the throw in the user's source (source-mapped,
        /// project-relative), when the stack names one.
        location: Option<String>,
        /// `Name: message` of what was thrown.
        message: String,
        /// The source line of `location` with a caret.
        code_frame: Option<String>,
        /// The (source-mapped) stack as Node printed it.
        stack: String,
    },
    /// A value Next.js would reject (`basePath`, `pageExtensions`, `env`, …).
    #[error("{file}: invalid config: {message}")]
    Invalid {
        /// The config file, project-relative.
        file: String,
        /// Next's message, plus how to fix it.
        message: String,
    },
    /// Evaluating the config took longer than [`NEXT_CONFIG_TIMEOUT`].
    #[error(
        "{file}: evaluating the config did not finish within {seconds} s. Check for a promise that never settles or a slow network call in the config."
    )]
    Timeout {
        /// The config file, project-relative.
        file: String,
        /// The limit.
        seconds: u64,
    },
    /// Node ended without reporting a result (it crashed, or rejected a flag).
    #[error("{}", no_result_message(.file, .status, .output))]
    NoResult {
        /// The config file, project-relative.
        file: String,
        /// How Node exited.
        status: String,
        /// What it printed.
        output: String,
    },
}

impl NextConfigError {
    /// The config file the error is about, project-relative.
    pub fn file(&self) -> &str {
        match self {
            Self::Unsupported { file, .. }
            | Self::Compile { file, .. }
            | Self::Spawn { file, .. }
            | Self::Threw { file, .. }
            | Self::Invalid { file, .. }
            | Self::Timeout { file, .. }
            | Self::NoResult { file, .. } => file,
        }
    }
}

fn compile_message(file: &str, error: &CompileError) -> String {
    let mut text = error.to_string();
    if let Some(frame) = error.code_frame().filter(|f| !f.trim().is_empty()) {
        for line in frame.lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    let fix = match error {
        CompileError::Syntax { .. } | CompileError::Transform { .. } => {
            "Fix the syntax error above"
        }
        CompileError::Resolve { .. } => "Fix or install the import above",
        _ => "Fix the problem above",
    };
    text.push_str(&format!("\n{fix} so that {file} can be loaded."));
    text
}

fn threw_message(
    file: &str,
    location: Option<&str>,
    message: &str,
    code_frame: Option<&str>,
) -> String {
    let mut text = format!("{}: {message}", location.unwrap_or(file),);
    if let Some(frame) = code_frame {
        for line in frame.lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text.push_str(&format!(
        "\n{file} threw while it was evaluated (Next.js runs it the same way when it starts); fix the error above."
    ));
    text
}

fn no_result_message(file: &str, status: &str, output: &str) -> String {
    let mut text = format!("{file}: Node.js exited ({status}) before the config was evaluated.");
    let output = output.trim();
    if output.is_empty() {
        text.push_str(" It printed nothing.");
    } else {
        text.push_str(" It printed:");
        for line in output.lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text.push_str(
        "\nCheck that Node.js is version 20.17 or newer and that the config does not exit the process or throw outside the config (e.g. in a timer).",
    );
    text
}

/// Finds the config file of the project at `root` as Next.js 16 does (see the module
/// documentation): `Ok(None)` when there is none. Spawns nothing.
///
/// # Errors
///
/// [`NextConfigError::Unsupported`] when the only config found has a name Next refuses.
pub fn find_next_config(root: &Path) -> Result<Option<PathBuf>, NextConfigError> {
    let start = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    if let Some(found) = find_up(&start, &NEXT_CONFIG_FILES) {
        return Ok(Some(found));
    }
    if let Some(found) = find_up(&start, &UNSUPPORTED_CONFIG_FILES) {
        return Err(NextConfigError::Unsupported {
            file: display_path(&start, &found),
            name: found
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        });
    }
    Ok(None)
}

/// `find-up`: the first of `names` (in order) that is a file in `dir`, else in its parent, and
/// so on up to the filesystem root.
fn find_up(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    dir.ancestors().find_map(|dir| {
        names
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
    })
}

/// Reads the project's `next.config.*`: finds it ([`find_next_config`]), builds it with
/// `compiler` into the build folder and evaluates it with `node` for `mode`. A project without
/// a config gets [`NextConfig::default`] without starting Node.
///
/// Same as [`load_next_config_with_env`] with no extra environment.
///
/// # Errors
///
/// See [`NextConfigError`].
pub fn load_next_config(
    root: &Path,
    mode: Mode,
    compiler: &mut Compiler,
    node: &Path,
) -> Result<NextConfig, NextConfigError> {
    load_next_config_with_env(root, mode, compiler, node, &[])
}

/// [`load_next_config`], with `env` added to the environment Node inherits: pass the variables
/// of the project's `.env*` files ([`crate::EnvFiles::vars`]), which Next.js loads before it
/// evaluates the config, so `basePath: process.env.BASE_PATH` works as in Next.
///
/// # Errors
///
/// See [`NextConfigError`].
pub fn load_next_config_with_env(
    root: &Path,
    mode: Mode,
    compiler: &mut Compiler,
    node: &Path,
    env: &[(String, String)],
) -> Result<NextConfig, NextConfigError> {
    let Some(file) = find_next_config(root)? else {
        return Ok(NextConfig::default());
    };
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let shown = display_path(&root, &file);
    let module = compiler
        .build_entry(&file)
        .map_err(|error| NextConfigError::Compile {
            file: shown.clone(),
            error: Box::new(error),
        })?;
    let run = Evaluation {
        root: &root,
        canonical_root: root.canonicalize().unwrap_or_else(|_| root.clone()),
        out_dir: compiler.out_dir().to_path_buf(),
        file: &file,
        shown: &shown,
    };
    let (result, output) = run.run(&module, mode, node, env)?;
    run.interpret(result, output)
}

/// What the evaluator prints behind its marker.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EvalResult {
    Ok {
        #[expect(dead_code, reason = "always true; selects the variant")]
        ok: True,
        config: EvalConfig,
        #[serde(default)]
        warnings: Vec<String>,
    },
    Failed {
        kind: String,
        #[serde(default)]
        message: String,
        error: Option<ThrownError>,
    },
}

/// Matches only `true`, so `{ ok: false, … }` falls through to [`EvalResult::Failed`].
#[derive(Debug)]
struct True;

impl<'de> Deserialize<'de> for True {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        if bool::deserialize(de)? {
            Ok(True)
        } else {
            Err(serde::de::Error::custom("not ok"))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvalConfig {
    base_path: String,
    trailing_slash: bool,
    page_extensions: Vec<String>,
    env: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct ThrownError {
    name: String,
    message: String,
    stack: String,
}

struct Evaluation<'a> {
    root: &'a Path,
    canonical_root: PathBuf,
    out_dir: PathBuf,
    file: &'a Path,
    shown: &'a str,
}

impl Evaluation<'_> {
    /// Runs the evaluator on the built `module`; returns its JSON and the rest of the output.
    fn run(
        &self,
        module: &Path,
        mode: Mode,
        node: &Path,
        env: &[(String, String)],
    ) -> Result<(String, String), NextConfigError> {
        let (phase, node_env) = match mode {
            Mode::Dev => ("phase-development-server", "development"),
            Mode::Start => ("phase-production-server", "production"),
        };
        let marker = format!("\u{1}petrel-next-config-{:016x}:", random_u64());
        let spawn_error = |source: std::io::Error| NextConfigError::Spawn {
            file: self.shown.to_string(),
            node: node.to_path_buf(),
            source,
        };
        // One pipe for stdout and stderr, so the config's output keeps its order.
        let (mut reader, writer) = std::io::pipe().map_err(spawn_error)?;
        let mut command = Command::new(node);
        command
            .arg("--enable-source-maps")
            .arg("--experimental-require-module")
            .arg("--disable-warning=ExperimentalWarning")
            .arg("-e")
            .arg(EVALUATOR)
            .arg(module)
            .arg(phase)
            .arg(&marker)
            .arg(self.shown)
            .current_dir(self.root)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("NODE_ENV", node_env)
            .env("NEXT_RUNTIME", "nodejs")
            .stdin(Stdio::null())
            .stdout(writer.try_clone().map_err(spawn_error)?)
            .stderr(writer);
        let mut child = command.spawn().map_err(spawn_error)?;
        // Close our copies of the pipe's write end, or reading never ends.
        drop(command);

        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let read = reader.read_to_end(&mut bytes);
            let _ = send.send(read.map(|_| bytes));
        });
        let bytes = match receive.recv_timeout(NEXT_CONFIG_TIMEOUT) {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(err)) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(spawn_error(err));
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(NextConfigError::Timeout {
                    file: self.shown.to_string(),
                    seconds: NEXT_CONFIG_TIMEOUT.as_secs(),
                });
            }
        };
        let status = child.wait().map_err(spawn_error)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match split_output(&text, &marker) {
            Some((json, output)) => Ok((json, output)),
            None => Err(NextConfigError::NoResult {
                file: self.shown.to_string(),
                status: status.to_string(),
                output: self.relative_paths(&text),
            }),
        }
    }

    fn interpret(&self, json: String, output: String) -> Result<NextConfig, NextConfigError> {
        let result: EvalResult =
            serde_json::from_str(&json).map_err(|err| NextConfigError::NoResult {
                file: self.shown.to_string(),
                status: format!("unreadable result: {err}"),
                output: format!("{output}\n{json}"),
            })?;
        match result {
            EvalResult::Ok {
                config, warnings, ..
            } => Ok(NextConfig {
                file: Some(self.file.to_path_buf()),
                base_path: config.base_path,
                trailing_slash: config.trailing_slash,
                page_extensions: config.page_extensions,
                env: config.env,
                warnings,
                output,
            }),
            EvalResult::Failed {
                kind,
                message,
                error,
            } => match (kind.as_str(), error) {
                ("threw", Some(error)) => Err(self.threw(error)),
                _ => Err(NextConfigError::Invalid {
                    file: self.shown.to_string(),
                    message,
                }),
            },
        }
    }

    fn threw(&self, error: ThrownError) -> NextConfigError {
        let message = if error.name.is_empty() {
            error.message.clone()
        } else if error.message.is_empty() {
            error.name.clone()
        } else {
            format!("{}: {}", error.name, error.message)
        };
        let frame = self.user_frame(&error.stack);
        let location = frame.as_ref().map(|(path, line, column)| {
            format!("{}:{line}:{column}", display_path(self.root, path))
        });
        let code_frame = frame
            .as_ref()
            .and_then(|(path, line, column)| source_frame(path, *line, *column));
        let stack = self.relative_paths(
            &error
                .stack
                .lines()
                .filter(|line| !line.contains("[eval]"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        NextConfigError::Threw {
            file: self.shown.to_string(),
            location,
            message,
            code_frame,
            stack,
        }
    }

    /// `text` with the project folder taken out of absolute paths.
    fn relative_paths(&self, text: &str) -> String {
        text.replace(&format!("{}/", self.canonical_root.display()), "")
            .replace(&format!("{}/", self.root.display()), "")
    }

    /// The first stack frame in the user's own source: not Node's, not a package's, not a
    /// built file, not the evaluator.
    fn user_frame(&self, stack: &str) -> Option<(PathBuf, u32, u32)> {
        stack
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("at "))
            .filter_map(frame_location)
            .find(|(path, _, _)| {
                path.is_absolute()
                    && !path.starts_with(&self.out_dir)
                    && !path.components().any(|c| c.as_os_str() == "node_modules")
                    && path.is_file()
            })
    }
}

/// The `(path, line, column)` of one stack frame (`fn (/a/b.js:1:2)`, `/a/b.js:1:2`,
/// `file:///a/b.js:1:2`), if it names a file.
fn frame_location(frame: &str) -> Option<(PathBuf, u32, u32)> {
    let frame = frame.trim_end();
    let location = match frame.strip_suffix(')') {
        Some(inner) => &inner[inner.rfind('(')? + 1..],
        None => frame,
    };
    let location = location.strip_prefix("async ").unwrap_or(location);
    let (rest, column) = location.rsplit_once(':')?;
    let (path, line) = rest.rsplit_once(':')?;
    let line = line.parse().ok()?;
    let column = column.parse().ok()?;
    let path = match path.strip_prefix("file://") {
        Some(url_path) => PathBuf::from(percent_decode(url_path)),
        None => PathBuf::from(path),
    };
    Some((path, line, column))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `N | source line` and a caret under `column` (1-based), like the compiler's code frames.
fn source_frame(path: &Path, line: u32, column: u32) -> Option<String> {
    let source = std::fs::read_to_string(path).ok()?;
    let text = source
        .lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)?
        .trim_end_matches('\r');
    let line_no = line.to_string();
    let padding: String = text
        .chars()
        .take(usize::try_from(column).ok()?.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!(
        "{line_no} | {text}\n{} | {padding}^",
        " ".repeat(line_no.len())
    ))
}

/// Splits the evaluator's output into its result (the JSON after the last `marker`) and
/// everything else (what the config printed).
fn split_output(text: &str, marker: &str) -> Option<(String, String)> {
    let start = text.rfind(marker)?;
    let json_start = start + marker.len();
    let json_end = text[json_start..]
        .find('\n')
        .map_or(text.len(), |i| json_start + i);
    let json = text[json_start..json_end].to_string();
    // The evaluator writes "\n" before the marker so that it starts a line.
    let before = text[..start].strip_suffix('\n').unwrap_or(&text[..start]);
    let after = text.get(json_end + 1..).unwrap_or("");
    Some((json, format!("{before}{after}")))
}

/// `path` as shown to the user: relative to `root` when inside it, `../…` when in a folder
/// above it (a config found upwards), else absolute.
fn display_path(root: &Path, path: &Path) -> String {
    let canonical_root = root.canonicalize().ok();
    for base in std::iter::once(root).chain(canonical_root.as_deref()) {
        for (ups, ancestor) in base.ancestors().enumerate() {
            if let Ok(rest) = path.strip_prefix(ancestor) {
                if ancestor.parent().is_none() && ups > 0 {
                    break;
                }
                let mut shown = PathBuf::new();
                for _ in 0..ups {
                    shown.push("..");
                }
                shown.push(rest);
                return shown.display().to_string();
            }
        }
    }
    path.display().to_string()
}

/// A random number for the output marker (no `rand` dependency: std's hasher keys are random).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use petrel_compile::CompilerOptions;
    use std::sync::OnceLock;

    /// `node` from PATH; tests that evaluate a config are skipped (with a note) without it.
    fn node() -> Option<PathBuf> {
        static HAVE: OnceLock<bool> = OnceLock::new();
        let have = *HAVE.get_or_init(|| {
            let ok = Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            if !ok {
                eprintln!("note: `node` not found; skipping next.config evaluation tests");
            }
            ok
        });
        have.then(|| PathBuf::from("node"))
    }

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn load_with(
        root: &Path,
        mode: Mode,
        node: &Path,
        env: &[(String, String)],
    ) -> Result<NextConfig, NextConfigError> {
        let mut compiler = Compiler::new(CompilerOptions::new(root)).unwrap();
        load_next_config_with_env(root, mode, &mut compiler, node, env)
    }

    /// Evaluates the config of a project made of `files` (None when node is missing).
    fn eval(files: &[(&str, &str)], mode: Mode) -> Option<Result<NextConfig, NextConfigError>> {
        let node = node()?;
        let dir = project(files);
        Some(load_with(dir.path(), mode, &node, &[]))
    }

    fn config(files: &[(&str, &str)]) -> Option<NextConfig> {
        eval(files, Mode::Start).map(|r| r.unwrap_or_else(|e| panic!("{e}")))
    }

    fn error(files: &[(&str, &str)]) -> Option<NextConfigError> {
        eval(files, Mode::Start).map(|r| match r {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(err) => err,
        })
    }

    fn invalid(name: &str, body: &str) -> Option<String> {
        let text = format!("module.exports = {body};\n");
        let err = error(&[(name, &text)])?;
        assert!(
            matches!(err, NextConfigError::Invalid { .. }),
            "expected Invalid, got {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{name}: invalid config: ")),
            "{message}"
        );
        Some(message)
    }

    #[test]
    fn no_config_gives_defaults_without_node() {
        let dir = project(&[("pages/api/hello.js", "export default () => {}")]);
        let mut compiler = Compiler::new(CompilerOptions::new(dir.path())).unwrap();
        // A node that does not exist: it must not be needed.
        let config = load_next_config(
            dir.path(),
            Mode::Start,
            &mut compiler,
            Path::new("/nonexistent/petrel-test-node"),
        )
        .unwrap();
        assert_eq!(config, NextConfig::default());
        assert_eq!(config.page_extensions, ["tsx", "ts", "jsx", "js"]);
        assert!(compiler.last_transpiled().is_empty());
    }

    #[test]
    fn cjs_module_exports() {
        let Some(config) = config(&[(
            "next.config.js",
            r#"/** @type {import('next').NextConfig} */
const nextConfig = {
  basePath: "/docs",
  trailingSlash: true,
  pageExtensions: ["page.tsx", "ts"],
  env: { API_URL: "https://example.com", EMPTY: "" },
  images: { remotePatterns: [] },
  reactStrictMode: true,
  async redirects() { return []; },
};
module.exports = nextConfig;
"#,
        )]) else {
            return;
        };
        assert!(config.file.as_ref().unwrap().ends_with("next.config.js"));
        assert_eq!(config.base_path, "/docs");
        assert!(config.trailing_slash);
        assert_eq!(config.page_extensions, ["page.tsx", "ts"]);
        assert_eq!(
            config.env,
            [
                ("API_URL".to_string(), "https://example.com".to_string()),
                ("EMPTY".to_string(), String::new())
            ]
        );
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        assert_eq!(config.output, "");
    }

    #[test]
    fn esm_export_default_js_and_mjs() {
        for name in ["next.config.js", "next.config.mjs"] {
            let Some(config) = config(&[(
                name,
                "const config = { basePath: '/esm' };\nexport default config;\n",
            )]) else {
                return;
            };
            assert_eq!(config.base_path, "/esm", "{name}");
            assert!(config.file.unwrap().ends_with(name));
        }
    }

    #[test]
    fn esm_named_exports_only_are_the_config() {
        // interopDefault: `mod.default || mod`, so without a default export Next reads the
        // named exports (a next.config.ts works so in Next; a .mjs one fails there).
        let Some(config) = config(&[("next.config.mjs", "export const basePath = '/named';\n")])
        else {
            return;
        };
        assert_eq!(config.base_path, "/named");
        // An empty module is an empty config.
        let config = self::config(&[("next.config.mjs", "")]).unwrap();
        assert_eq!(config.base_path, "");
        assert!(config.file.is_some());
    }

    #[test]
    fn throw_from_a_timer_during_evaluation_is_reported_as_a_throw() {
        let Some(err) = error(&[(
            "next.config.js",
            "setTimeout(() => {\n  throw new Error('late');\n}, 0);\nmodule.exports = new Promise((r) => setTimeout(r, 200));\n",
        )]) else {
            return;
        };
        let NextConfigError::Threw {
            location,
            message,
            stack,
            ..
        } = &err
        else {
            panic!("expected Threw, got {err:?}");
        };
        assert_eq!(location.as_deref(), Some("next.config.js:2:9"), "{err}");
        assert_eq!(message, "Error: late");
        assert!(!stack.contains("[eval]"), "{stack}");
    }

    #[test]
    fn typescript_config_with_type_import_and_local_import() {
        let Some(config) = config(&[
            (
                "next.config.ts",
                r#"import type { NextConfig } from "next";
import { prefix } from "./config/prefix";

const nextConfig: NextConfig = {
  basePath: prefix satisfies string,
  env: { FROM_TS: `${__dirname.length > 0}` },
};

export default nextConfig;
"#,
            ),
            (
                "config/prefix.ts",
                "export const prefix: string = '/ts' as const;\n",
            ),
        ]) else {
            return;
        };
        assert_eq!(config.base_path, "/ts");
        assert_eq!(config.env, [("FROM_TS".to_string(), "true".to_string())]);
    }

    #[test]
    fn mts_config_is_read() {
        let Some(config) = config(&[(
            "next.config.mts",
            "const c: { basePath: string } = { basePath: '/mts' };\nexport default c;\n",
        )]) else {
            return;
        };
        assert_eq!(config.base_path, "/mts");
    }

    #[test]
    fn function_export_gets_phase_and_default_config() {
        let files = [(
            "next.config.js",
            r#"module.exports = (phase, { defaultConfig }) => ({
  basePath: phase === "phase-development-server" ? "/dev" : "/prod",
  env: {
    PHASE: phase,
    MODE: process.env.NODE_ENV,
    RUNTIME: process.env.NEXT_RUNTIME,
    DEFAULT_EXTS: defaultConfig.pageExtensions.join(","),
  },
});
"#,
        )];
        let Some(dev) = eval(&files, Mode::Dev) else {
            return;
        };
        let dev = dev.unwrap();
        assert_eq!(dev.base_path, "/dev");
        assert_eq!(
            dev.env,
            [
                ("PHASE".into(), "phase-development-server".into()),
                ("MODE".into(), "development".into()),
                ("RUNTIME".into(), "nodejs".into()),
                ("DEFAULT_EXTS".into(), "tsx,ts,jsx,js".into()),
            ]
        );
        let start = eval(&files, Mode::Start).unwrap().unwrap();
        assert_eq!(start.base_path, "/prod");
        assert_eq!(start.env[0].1, "phase-production-server");
        assert_eq!(start.env[1].1, "production");
    }

    #[test]
    fn async_function_and_promise_exports() {
        let Some(config) = config(&[(
            "next.config.mjs",
            r#"export default async (phase) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { basePath: "/async", trailingSlash: phase === "phase-production-server" };
};
"#,
        )]) else {
            return;
        };
        assert_eq!(config.base_path, "/async");
        assert!(config.trailing_slash);

        let config = self::config(&[(
            "next.config.js",
            "module.exports = new Promise((resolve) => setTimeout(() => resolve({ basePath: '/promise' }), 5));\n",
        )])
        .unwrap();
        assert_eq!(config.base_path, "/promise");
    }

    #[test]
    fn timers_left_by_the_config_do_not_keep_node_alive() {
        let started = std::time::Instant::now();
        let Some(config) = config(&[(
            "next.config.js",
            "setInterval(() => {}, 1000);\nmodule.exports = { basePath: '/timer' };\n",
        )]) else {
            return;
        };
        assert_eq!(config.base_path, "/timer");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn throw_names_the_line_of_the_config() {
        let Some(err) = error(&[(
            "next.config.js",
            "const a = 1;\nif (a) {\n  throw new Error('boom');\n}\nmodule.exports = {};\n",
        )]) else {
            return;
        };
        let NextConfigError::Threw {
            file,
            location,
            message,
            code_frame,
            ..
        } = &err
        else {
            panic!("expected Threw, got {err:?}");
        };
        assert_eq!(file, "next.config.js");
        assert_eq!(location.as_deref(), Some("next.config.js:3:9"));
        assert_eq!(message, "Error: boom");
        assert_eq!(
            code_frame.as_deref(),
            Some("3 |   throw new Error('boom');\n  |         ^")
        );
        let text = err.to_string();
        assert!(
            text.starts_with("next.config.js:3:9: Error: boom\n"),
            "{text}"
        );
        assert!(text.contains("fix the error above"), "{text}");
    }

    #[test]
    fn throw_in_typescript_is_source_mapped() {
        let Some(err) = error(&[(
            "next.config.ts",
            r#"import type { NextConfig } from "next";

interface Options { strict: boolean }
const options: Options = { strict: true };

export default function config(phase: string): NextConfig {
  if (options.strict) throw new TypeError(`bad phase ${phase}`);
  return {};
}
"#,
        )]) else {
            return;
        };
        let NextConfigError::Threw {
            location, message, ..
        } = &err
        else {
            panic!("expected Threw, got {err:?}");
        };
        assert_eq!(location.as_deref(), Some("next.config.ts:7:29"), "{err}");
        assert_eq!(message, "TypeError: bad phase phase-production-server");
    }

    #[test]
    fn throw_in_an_imported_module_names_that_module() {
        let Some(err) = error(&[
            (
                "next.config.mjs",
                "import { check } from './lib/check.mjs';\ncheck();\nexport default {};\n",
            ),
            (
                "lib/check.mjs",
                "export function check() {\n  throw new Error('missing API_URL');\n}\n",
            ),
        ]) else {
            return;
        };
        let NextConfigError::Threw { location, file, .. } = &err else {
            panic!("expected Threw, got {err:?}");
        };
        assert_eq!(file, "next.config.mjs");
        assert_eq!(location.as_deref(), Some("lib/check.mjs:2:9"), "{err}");
    }

    #[test]
    fn rejected_promise_and_thrown_string() {
        let Some(err) = error(&[(
            "next.config.js",
            "module.exports = async () => { throw 'plain string'; };\n",
        )]) else {
            return;
        };
        let NextConfigError::Threw {
            message, location, ..
        } = &err
        else {
            panic!("expected Threw, got {err:?}");
        };
        assert_eq!(message, "plain string");
        assert_eq!(location, &None);
        assert!(
            err.to_string().starts_with("next.config.js: plain string"),
            "{err}"
        );
    }

    #[test]
    fn syntax_error_is_the_compilers() {
        let Some(err) = error(&[(
            "next.config.js",
            "module.exports = {\n  basePath: '/x',,\n};\n",
        )]) else {
            return;
        };
        let NextConfigError::Compile { file, error } = &err else {
            panic!("expected Compile, got {err:?}");
        };
        assert_eq!(file, "next.config.js");
        let (path, line, _) = error.location().unwrap();
        assert_eq!((path, line), (Path::new("next.config.js"), 2));
        let text = err.to_string();
        assert!(text.starts_with("next.config.js:2:"), "{text}");
        assert!(text.contains("2 |   basePath: '/x',,"), "{text}");
        assert!(text.contains("Fix the syntax error above"), "{text}");
    }

    #[test]
    fn missing_package_import_is_a_compile_error() {
        let Some(err) = error(&[(
            "next.config.mjs",
            "import plugin from 'petrel-no-such-plugin';\nexport default plugin({});\n",
        )]) else {
            return;
        };
        assert!(matches!(err, NextConfigError::Compile { .. }), "{err:?}");
        assert!(err.to_string().contains("petrel-no-such-plugin"), "{err}");
    }

    #[test]
    fn base_path_errors() {
        let Some(m) = invalid("next.config.js", "{ basePath: '/' }") else {
            return;
        };
        assert!(
            m.contains(
                "Specified basePath /. basePath has to be either an empty string or a path prefix"
            ),
            "{m}"
        );
        let m = invalid("next.config.js", "{ basePath: 'docs' }").unwrap();
        assert!(
            m.contains(
                r#"Specified basePath has to start with a /, found "docs". Write "/docs" instead."#
            ),
            "{m}"
        );
        let m = invalid("next.config.js", "{ basePath: '/docs/' }").unwrap();
        assert!(
            m.contains(r#"Specified basePath should not end with /, found "/docs/". Write "/docs" instead."#),
            "{m}"
        );
        let m = invalid("next.config.js", "{ basePath: 5 }").unwrap();
        assert!(
            m.contains(r#"Specified basePath is not a string, found type "number""#),
            "{m}"
        );
        // null/undefined take the default, as in Next.
        let config = config(&[("next.config.js", "module.exports = { basePath: null };")]).unwrap();
        assert_eq!(config.base_path, "");
    }

    #[test]
    fn page_extensions_errors_and_dot_warning() {
        let Some(m) = invalid("next.config.js", "{ pageExtensions: 'ts' }") else {
            return;
        };
        assert!(
            m.contains(r#"Specified pageExtensions is not an array of strings, found "ts". Please update this config or remove it."#),
            "{m}"
        );
        let m = invalid("next.config.js", "{ pageExtensions: [] }").unwrap();
        assert!(
            m.contains("Specified pageExtensions is an empty array."),
            "{m}"
        );
        let m = invalid("next.config.js", "{ pageExtensions: ['ts', 1] }").unwrap();
        assert!(m.contains(r#"found "1" of type "number""#), "{m}");
        let config = config(&[(
            "next.config.js",
            "module.exports = { pageExtensions: ['.ts', 'js'] };",
        )])
        .unwrap();
        assert_eq!(config.page_extensions, [".ts", "js"]);
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
        assert!(
            config.warnings[0].contains(r#"Write "ts" instead"#),
            "{:?}",
            config.warnings
        );
    }

    #[test]
    fn env_key_errors() {
        for key in ["NODE_OPTIONS", "node_path", "__NEXT_X", "NEXT_RUNTIME"] {
            let Some(m) = invalid("next.config.js", &format!("{{ env: {{ {key}: 'x' }} }}")) else {
                return;
            };
            assert!(
                m.contains(&format!(
                    r#"The key "{key}" under "env" in next.config.js is not allowed. https://nextjs.org/docs/messages/env-key-not-allowed"#
                )),
                "{m}"
            );
        }
        // Next checks keys only for values that are set; `NODE_` alone does not match its rule.
        let config = config(&[(
            "next.config.js",
            "module.exports = { env: { NODE_X: undefined, __Y: null, NODE_: 'ok', NEXT_RUNTIMES: 'ok' } };",
        )])
        .unwrap();
        assert_eq!(
            config.env,
            [
                ("NODE_".to_string(), "ok".to_string()),
                ("NEXT_RUNTIMES".to_string(), "ok".to_string())
            ]
        );
    }

    #[test]
    fn env_values_become_strings() {
        let Some(config) = config(&[(
            "next.config.js",
            "module.exports = { env: { S: 'text', N: 3000, B: false, O: { a: [1, 'x'] }, U: undefined } };",
        )]) else {
            return;
        };
        assert_eq!(
            config.env,
            [
                ("S".to_string(), "text".to_string()),
                ("N".to_string(), "3000".to_string()),
                ("B".to_string(), "false".to_string()),
                ("O".to_string(), r#"{"a":[1,"x"]}"#.to_string()),
            ]
        );
        assert_eq!(config.warnings.len(), 3, "{:?}", config.warnings);
        assert!(
            config.warnings[0].starts_with(
                r#"Invalid next.config.js options detected: Expected string, received number at "env.N". See more info here: https://nextjs.org/docs/messages/invalid-next-config Petrel sets process.env.N to "3000""#
            ),
            "{:?}",
            config.warnings
        );
        let m = invalid("next.config.js", "{ env: { F: () => 1 } }").unwrap();
        assert!(m.contains("env.F in next.config.js is a function"), "{m}");
        let m = invalid("next.config.js", "{ env: 'A=1' }").unwrap();
        assert!(
            m.contains("Specified env is not an object, found string"),
            "{m}"
        );
    }

    #[test]
    fn trailing_slash_non_boolean_warns_and_counts_by_truthiness() {
        let Some(config) = config(&[(
            "next.config.js",
            "module.exports = { trailingSlash: 'yes' };",
        )]) else {
            return;
        };
        assert!(config.trailing_slash);
        assert_eq!(
            config.warnings,
            [
                r#"Invalid next.config.js options detected: Expected boolean, received string at "trailingSlash". See more info here: https://nextjs.org/docs/messages/invalid-next-config"#
            ]
        );
        let config = self::config(&[(
            "next.config.js",
            "module.exports = { exportTrailingSlash: true };",
        )])
        .unwrap();
        assert!(config.trailing_slash);
        assert!(config.warnings[0].contains(r#"renamed to "trailingSlash""#));
    }

    #[test]
    fn non_object_config_is_an_error() {
        let Some(m) = invalid("next.config.js", "42") else {
            return;
        };
        assert!(m.contains("must export an object"), "{m}");
        assert!(m.contains("found number"), "{m}");
        let m = invalid("next.config.js", "() => undefined").unwrap();
        assert!(m.contains("found undefined"), "{m}");
        let err = error(&[(
            "next.config.mjs",
            "export const basePath = '/x';\nexport default null;\n",
        )])
        .unwrap();
        assert!(err.to_string().contains("found null"), "{err}");
    }

    #[test]
    fn console_output_does_not_break_the_result() {
        let Some(config) = config(&[(
            "next.config.js",
            r#"console.log("loading config");
console.error("to stderr");
console.log('{"ok":true,"config":{"basePath":"/fake"}}');
process.stdout.write("no newline at the end");
module.exports = { basePath: "/real" };
"#,
        )]) else {
            return;
        };
        assert_eq!(config.base_path, "/real");
        assert_eq!(
            config.output,
            "loading config\nto stderr\n{\"ok\":true,\"config\":{\"basePath\":\"/fake\"}}\nno newline at the end"
        );
    }

    #[test]
    fn env_files_reach_the_config() {
        let Some(node) = node() else {
            return;
        };
        let dir = project(&[(
            "next.config.js",
            "module.exports = { basePath: process.env.PETREL_TEST_BASE_PATH };",
        )]);
        let env = [("PETREL_TEST_BASE_PATH".to_string(), "/from-env".to_string())];
        let config = load_with(dir.path(), Mode::Start, &node, &env).unwrap();
        assert_eq!(config.base_path, "/from-env");
    }

    #[test]
    fn file_order_and_unsupported_names() {
        let dir = project(&[
            ("next.config.ts", "export default { basePath: '/ts' }"),
            ("next.config.mjs", "export default { basePath: '/mjs' }"),
            ("next.config.cjs", "module.exports = {}"),
        ]);
        assert_eq!(
            find_next_config(dir.path()).unwrap().unwrap(),
            std::path::absolute(dir.path())
                .unwrap()
                .join("next.config.mjs")
        );
        std::fs::write(dir.path().join("next.config.js"), "").unwrap();
        assert!(
            find_next_config(dir.path())
                .unwrap()
                .unwrap()
                .ends_with("next.config.js")
        );

        let dir = project(&[("next.config.cjs", "module.exports = {}")]);
        let err = find_next_config(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "next.config.cjs: Configuring Next.js via 'next.config.cjs' is not supported. Please replace the file with 'next.config.js', 'next.config.mjs', or 'next.config.ts'."
        );
        // A folder with a config's name is not a config.
        let dir = project(&[("next.config.js/index.js", "")]);
        assert!(find_next_config(dir.path()).unwrap().is_none());
    }

    #[test]
    fn config_in_a_parent_folder_is_found_as_next_does() {
        let dir = project(&[
            ("next.config.mjs", "export default { basePath: '/parent' };"),
            ("app/pages/api/a.js", "export default () => {}"),
        ]);
        let app = dir.path().join("app");
        let found = find_next_config(&app).unwrap().unwrap();
        assert!(found.ends_with("next.config.mjs"));
        let Some(node) = node() else {
            return;
        };
        let config = load_with(&app, Mode::Start, &node, &[]).unwrap();
        assert_eq!(config.base_path, "/parent");
        std::fs::write(dir.path().join("next.config.mjs"), "throw new Error('up');").unwrap();
        let err = load_with(&app, Mode::Start, &node, &[]).unwrap_err();
        assert_eq!(err.file(), "../next.config.mjs");
        assert!(
            err.to_string()
                .starts_with("../next.config.mjs:1:7: Error: up"),
            "{err}"
        );
    }

    #[test]
    fn missing_node_is_a_spawn_error() {
        let dir = project(&[("next.config.js", "module.exports = {};")]);
        let mut compiler = Compiler::new(CompilerOptions::new(dir.path())).unwrap();
        let err = load_next_config(
            dir.path(),
            Mode::Dev,
            &mut compiler,
            Path::new("/nonexistent/petrel-test-node"),
        )
        .unwrap_err();
        assert!(matches!(err, NextConfigError::Spawn { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("next.config.js: could not start Node.js"),
            "{err}"
        );
    }

    #[test]
    fn process_exit_in_the_config_is_reported_with_its_output() {
        let Some(err) = error(&[("next.config.js", "console.log('bye');\nprocess.exit(3);\n")])
        else {
            return;
        };
        let NextConfigError::NoResult { status, output, .. } = &err else {
            panic!("expected NoResult, got {err:?}");
        };
        assert!(status.contains('3'), "{status}");
        assert_eq!(output.trim(), "bye");
        assert!(err.to_string().contains("  bye"), "{err}");
    }

    #[test]
    fn frame_locations() {
        assert_eq!(
            frame_location("Object.<anonymous> (/a/b c/next.config.js:3:9)"),
            Some((PathBuf::from("/a/b c/next.config.js"), 3, 9))
        );
        assert_eq!(
            frame_location("file:///a/b%20c/next.config.mjs:1:7"),
            Some((PathBuf::from("/a/b c/next.config.mjs"), 1, 7))
        );
        assert_eq!(frame_location("async Promise.all (index 0)"), None);
        assert_eq!(
            frame_location("node:internal/modules/run_main:123:26"),
            Some((PathBuf::from("node:internal/modules/run_main"), 123, 26))
        );
    }

    #[test]
    fn output_split() {
        let marker = "\u{1}m:";
        assert_eq!(
            split_output("a\nb\n\u{1}m:{\"x\":1}\nlate", marker),
            Some(("{\"x\":1}".to_string(), "a\nblate".to_string()))
        );
        assert_eq!(
            split_output("partial\n\u{1}m:{}\n", marker),
            Some(("{}".to_string(), "partial".to_string()))
        );
        assert_eq!(split_output("nothing", marker), None);
    }

    #[test]
    fn display_paths() {
        let root = Path::new("/petrel-test/a/b");
        assert_eq!(
            display_path(root, Path::new("/petrel-test/a/b/next.config.js")),
            "next.config.js"
        );
        assert_eq!(
            display_path(root, Path::new("/petrel-test/a/next.config.js")),
            "../next.config.js"
        );
        assert_eq!(display_path(root, Path::new("/other/x.js")), "/other/x.js");
    }
}

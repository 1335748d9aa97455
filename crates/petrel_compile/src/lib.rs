//! `petrel_compile` turns a Next.js project's route modules (TypeScript, TSX, JSX, JavaScript)
//! into JavaScript that Node.js 20 loads directly from a build folder, and reads a route's
//! static `config` export.
//!
//! What it is:
//!
//! - A per-file transpiler built on [oxc](https://oxc.rs) (parse → semantic checks →
//!   TypeScript/JSX transform → print with a source map), driven by [`Compiler::build_entry`],
//!   which compiles an entry and every *project* module it imports, transitively, each once.
//! - An import rewriter: every static `import`/`export … from`, literal dynamic `import("…")`
//!   and literal `require("…")` is resolved with `oxc_resolver` (tsconfig/jsconfig `paths` and
//!   `baseUrl`, extension probing, `index` files, `.js`-written-for-`.ts`) and pointed at the
//!   right output file.
//! - A static reader of `export const config = {…}`, `runtime` and `maxDuration`:
//!   [`extract_static_exports`] (Next.js rules), and of a Netlify Function's handler API, `config`
//!   and `schedule()` cron: [`extract_netlify_exports`] (Netlify rules).
//!
//! What it is not: a bundler (npm packages stay in `node_modules` and are loaded by Node), a
//! type checker (types are stripped, never checked), or a down-leveller (the target is Node 20;
//! only TypeScript and JSX syntax is transformed, plus anything oxc's `node20` target lowers).
//!
//! # Module format
//!
//! Each source file gets one output, decided after the TypeScript transform (so type-only
//! imports — `import type …`, or `import { NextApiRequest } from "next"` used only as a type —
//! are gone and never need the package installed):
//!
//! - **ESM** when the program still has value `import`/`export` declarations, top-level
//!   `await`, or `import.meta` (and always for `.mjs`/`.mts`): written to
//!   `<out>/<path relative to the project>.mjs`, e.g. `pages/api/hello.ts` →
//!   `<out>/pages/api/hello.ts.mjs`. If the module uses the free identifiers `require`,
//!   `__filename` or `__dirname`, a one-line prelude defines them: `require` through
//!   `createRequire(import.meta.url)` from `node:module` (the build folder is inside the
//!   project, so bare packages resolve from the project's `node_modules`), `__filename` /
//!   `__dirname` as the *original* source file's absolute path and directory (so
//!   `path.join(__dirname, "data.txt")` finds the user's files). `import.meta.url`,
//!   `import.meta.filename` and `import.meta.dirname` are likewise replaced by the original
//!   file's values.
//! - **CommonJS** otherwise (`module.exports = handler`, `require(…)`): written to
//!   `<out>/<rel>.cjs`, with `var __filename`/`var __dirname` redefined to the original paths
//!   when referenced, and `"use strict"` kept (or added when the source was an ES module whose
//!   module syntax was all type-only). `.cjs` sources are parsed as CommonJS.
//!
//! The prelude, when present, is the first line of the output and the source map is shifted by
//! one line to match, so positions stay exact.
//!
//! Workers run Node with `--experimental-require-module`, so a CommonJS output may `require()`
//! an ESM output (without top-level `await`). A TypeScript `export =` in a file that is ESM by
//! the rule above is an error (it would need both formats at once).
//!
//! # Transform settings
//!
//! - Target `node20`: TypeScript and JSX syntax is removed/compiled; other syntax is kept as is
//!   unless Node 20 lacks it (e.g. `using` declarations, which need `@oxc-project/runtime`).
//! - Imports whose bindings are only used as types are elided (regardless of
//!   `verbatimModuleSyntax`), so `import { NextApiRequest } from "next"` never needs `next`.
//! - JSX uses the automatic runtime (`react/jsx-runtime`, or tsconfig `jsxImportSource`)
//!   unless tsconfig says `"jsx": "react"` (classic, with `jsxFactory`/`jsxFragmentFactory`).
//! - tsconfig `experimentalDecorators` (+ `emitDecoratorMetadata`) selects TypeScript's legacy
//!   decorators; their runtime helpers are provided by petrel (written to
//!   `<out>/__petrel_runtime/`) when `@oxc-project/runtime` is not installed. Standard (TC39)
//!   decorators are rejected with an error, because Node 20 cannot run them and oxc does not
//!   lower them.
//! - Class fields without an initializer in TypeScript files are dropped unless
//!   `useDefineForClassFields` is in effect (explicitly, or through a `target` of ES2022 or
//!   later), as `tsc` does.
//!
//! # Import rewriting
//!
//! A specifier that resolves to
//!
//! - a JS/TS file of the project outside any `node_modules` → the relative path of that file's
//!   output (`./lib/db.ts.mjs`), and that file is compiled too. Files outside the project root
//!   (a monorepo's `../shared`) are built under `<out>/__external/<absolute path>`;
//! - a `.json` file outside `node_modules` → for `import`, a generated `<out>/<rel>.json.mjs`
//!   that default-exports the parsed JSON and has named exports for keys that are identifier
//!   names (import attributes are dropped); for `require`, the absolute path of the original;
//! - a Node builtin (`fs`, `node:fs`) or a package in `node_modules` → unchanged (if Node,
//!   resolving from the output folder, would not find the same file, the absolute path / a
//!   `file://` URL is used instead);
//! - any other file → its absolute path (`require`) or `file://` URL (`import`);
//! - `@netlify/functions` when the project does not install it → petrel's stand-in
//!   `<out>/__petrel_runtime/netlify-functions.mjs` (`schedule`, `stream`, `builder`,
//!   `getContext`, `purgeCache` as they behave locally), so a function that calls them runs
//!   without the package.
//!
//! Unresolvable specifiers are [`CompileError::Resolve`] errors with the importer's
//! `file:line:column`. `import`s resolve with the `node` + `import` conditions, `require`s with
//! `node` + `require`.
//!
//! # Outputs and caching
//!
//! Every output has a `.map` next to it (sources = the absolute original path, so
//! `node --enable-source-maps` prints `/abs/pages/api/boom.ts:3:9`) and a
//! `//# sourceMappingURL=` comment. Files are written atomically (temporary file + rename). A
//! manifest in the output folder records each module's source hash, format and rewritten
//! specifiers; a module whose source, options and dependency outputs are unchanged is not
//! re-transpiled ([`Compiler::last_transpiled`] lists the ones that were). Resolution is
//! redone on every [`Compiler::build_entry`] call (the resolver cache is cleared first), so an
//! added or deleted file that changes where a specifier points is noticed.
//!
//! # Static exports
//!
//! [`extract_static_exports`] parses a route file (without transforming it) and reads
//! `export const config`, `runtime` and `maxDuration` as Next.js does, literals only; see
//! [`StaticExports`] and the literal rules documented on the function.
//!
//! [`extract_netlify_exports`] does the same for a Netlify Function entry file: v1 (`handler`) or
//! v2 (default export), the v2 in-source `config` with Netlify's literal rules (what Netlify
//! drops is dropped and reported as a [`NetlifyWarning`], not an error), and the cron of the v1
//! `schedule()` helper with Netlify's build errors; see [`NetlifyExports`].

mod config;
mod error;
mod imports;
mod netlify;
mod output;
mod transpile;

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

use oxc::allocator::Allocator;

pub use crate::{
    config::{SEGMENT_EXPORTS, SegmentProblem, StaticExports, extract_static_exports},
    error::CompileError,
    netlify::{
        NetlifyApi, NetlifyExports, NetlifyWarning, SCHEDULE_CRON_ERROR, SCHEDULE_UNUSED_ERROR,
        extract_netlify_exports,
    },
    output::ModuleFormat,
};
use crate::{
    error::{display_path, position},
    imports::{ImportKind, MetaValues, Resolvers, Rewrite, Target},
    output::{DepRecord, Layout, Manifest, ManifestEntry, file_url, fnv1a, relative_specifier},
};

/// Folder (inside the build folder) for petrel's own copies of oxc runtime helpers.
const RUNTIME_DIR: &str = "__petrel_runtime";

/// Where the project is and where its build goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompilerOptions {
    /// The project root (the folder with `package.json`, `tsconfig.json`, `pages/`).
    pub project_root: PathBuf,
    /// The build folder, usually `<root>/.petrel/build`. A relative path is taken relative to
    /// `project_root`. It should be inside the project so Node finds `node_modules` from it.
    pub out_dir: PathBuf,
}

impl CompilerOptions {
    /// Options with the default build folder `<project_root>/.petrel/build`.
    pub fn new(project_root: impl Into<PathBuf>) -> Self {
        let project_root = project_root.into();
        let out_dir = project_root.join(".petrel").join("build");
        Self {
            project_root,
            out_dir,
        }
    }
}

/// Output of one module in the current build.
#[derive(Debug, Clone)]
struct ModuleInfo {
    output: PathBuf,
}

/// Per-`build_entry` state: which modules have been visited (each is checked once per call).
#[derive(Default)]
struct Session {
    modules: HashMap<PathBuf, ModuleInfo>,
    json: HashMap<PathBuf, PathBuf>,
}

/// Compiles entries of one project into its build folder. Keeps resolver caches and the
/// manifest between calls; `Send`, not `Sync` (wrap it in a `Mutex` to share).
pub struct Compiler {
    layout: Layout,
    resolvers: Resolvers,
    transform: oxc::transformer::TransformOptions,
    manifest: Manifest,
    manifest_dirty: bool,
    transpiled: Vec<PathBuf>,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler")
            .field("project_root", &self.layout.root)
            .field("out_dir", &self.layout.out_dir)
            .field("last_transpiled", &self.transpiled)
            .finish_non_exhaustive()
    }
}

impl Compiler {
    /// Creates the build folder and reads `tsconfig.json` (or, failing that, `jsconfig.json`)
    /// from the project root if present, following `extends`.
    ///
    /// # Errors
    ///
    /// [`CompileError::Io`] when the root does not exist or the build folder cannot be created;
    /// [`CompileError::Tsconfig`] when the config file is invalid.
    pub fn new(opts: CompilerOptions) -> Result<Self, CompileError> {
        let root = fs::canonicalize(&opts.project_root)
            .map_err(|e| CompileError::io(&opts.project_root, e))?;
        let out_dir = if opts.out_dir.is_absolute() {
            opts.out_dir.clone()
        } else {
            root.join(&opts.out_dir)
        };
        fs::create_dir_all(&out_dir).map_err(|e| CompileError::io(&out_dir, e))?;
        let out_dir = fs::canonicalize(&out_dir).map_err(|e| CompileError::io(&out_dir, e))?;
        let layout = Layout { root, out_dir };

        let config_file = ["tsconfig.json", "jsconfig.json"]
            .iter()
            .map(|name| layout.root.join(name))
            .find(|p| p.is_file());
        let mut resolvers = Resolvers::new(config_file.as_deref());
        let mut config_text = String::new();
        let mut compiler_options = None;
        if let Some(file) = &config_file {
            config_text = fs::read_to_string(file).map_err(|e| CompileError::io(file, e))?;
            let tsconfig = resolvers
                .load_tsconfig(file)
                .map_err(|e| CompileError::Tsconfig {
                    file: file.clone(),
                    message: e.to_string(),
                })?;
            compiler_options = Some(tsconfig.compiler_options.clone());
        }
        let transform = transpile::transform_options(compiler_options.as_ref());
        let fingerprint = output::options_fingerprint(&layout, &config_text);
        let manifest = Manifest::load(&layout.out_dir, &fingerprint);
        Ok(Self {
            layout,
            resolvers,
            transform,
            manifest,
            manifest_dirty: false,
            transpiled: Vec::new(),
        })
    }

    /// The canonical project root.
    pub fn project_root(&self) -> &Path {
        &self.layout.root
    }

    /// The canonical build folder.
    pub fn out_dir(&self) -> &Path {
        &self.layout.out_dir
    }

    /// Build `entry` and every project module it imports, transitively. Returns the absolute
    /// path of the entry's output. A relative `entry` is taken relative to the project root.
    ///
    /// Unchanged modules (same source, same options, same dependency outputs) are not
    /// re-transpiled.
    ///
    /// # Errors
    ///
    /// The first error met: [`CompileError::Syntax`]/[`CompileError::Transform`] in any module
    /// of the graph, [`CompileError::Resolve`] for an unresolvable specifier,
    /// [`CompileError::Io`], or [`CompileError::Unsupported`] for an entry that is not a
    /// JS/TS file.
    pub fn build_entry(&mut self, entry: &Path) -> Result<PathBuf, CompileError> {
        let joined = if entry.is_absolute() {
            entry.to_path_buf()
        } else {
            self.layout.root.join(entry)
        };
        let entry = fs::canonicalize(&joined).map_err(|e| CompileError::io(&joined, e))?;
        if !transpile::is_source_file(&entry) {
            return Err(CompileError::Unsupported {
                file: self.display(&entry),
                message: "not a JavaScript or TypeScript source file (.ts .tsx .mts .cts .js .jsx .mjs .cjs)".into(),
            });
        }
        self.resolvers.clear_cache();
        let mut session = Session::default();
        let result = self.build_module(&entry, &mut session);
        if self.manifest_dirty {
            let saved = self.manifest.save(&self.layout.out_dir);
            self.manifest_dirty = false;
            if result.is_ok() {
                saved?;
            }
        }
        result.map(|info| info.output)
    }

    /// Source files (absolute, canonical) actually transpiled — and generated JSON modules
    /// actually rewritten — by the `build_entry` calls since the compiler was created or
    /// [`Compiler::reset_transpiled`] was last called, in order.
    pub fn last_transpiled(&self) -> &[PathBuf] {
        &self.transpiled
    }

    /// Clears the [`Compiler::last_transpiled`] list.
    pub fn reset_transpiled(&mut self) {
        self.transpiled.clear();
    }

    fn display(&self, file: &Path) -> PathBuf {
        display_path(Some(&self.layout.root), file)
    }

    fn build_module(
        &mut self,
        src: &Path,
        session: &mut Session,
    ) -> Result<ModuleInfo, CompileError> {
        if let Some(info) = session.modules.get(src) {
            return Ok(info.clone());
        }
        let source = fs::read_to_string(src).map_err(|e| CompileError::io(src, e))?;
        let hash = format!(
            "{:016x}",
            fnv1a(&[self.manifest.fingerprint.as_bytes(), source.as_bytes()])
        );
        if let Some(entry) = self.manifest.modules.get(src).cloned()
            && entry.hash == hash
            && entry.output.is_file()
            && output::append_extension(&entry.output, ".map").is_file()
        {
            let info = ModuleInfo {
                output: entry.output.clone(),
            };
            session.modules.insert(src.to_path_buf(), info.clone());
            if self.deps_unchanged(src, &info, &entry.deps, session)? {
                return Ok(info);
            }
        }
        self.transpile_module(src, &source, hash, session)
    }

    /// Whether every recorded dependency still rewrites to the same specifier (resolving it
    /// again and building the modules it points at).
    fn deps_unchanged(
        &mut self,
        src: &Path,
        info: &ModuleInfo,
        deps: &[DepRecord],
        session: &mut Session,
    ) -> Result<bool, CompileError> {
        let out_dir = self.layout.output_dir_of(src);
        for dep in deps {
            let Ok(target) = self
                .resolvers
                .resolve(src, &out_dir, dep.kind, &dep.specifier)
            else {
                return Ok(false);
            };
            if self.rewrite_for(info, dep.kind, &target, session)? != dep.rewrite {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn transpile_module(
        &mut self,
        src: &Path,
        source: &str,
        hash: String,
        session: &mut Session,
    ) -> Result<ModuleInfo, CompileError> {
        let display = self.display(src);
        let allocator = Allocator::default();
        let mut prepared = transpile::prepare(&allocator, src, &display, source, &self.transform)?;
        let format = prepared.format;
        let output = self.layout.module_output(src, format);
        let info = ModuleInfo {
            output: output.clone(),
        };
        session.modules.insert(src.to_path_buf(), info.clone());

        let out_dir = self.layout.output_dir_of(src);
        let mut rewrites: HashMap<(ImportKind, String), Rewrite> = HashMap::new();
        let mut deps = Vec::new();
        for site in imports::collect(&prepared.program, &prepared.scoping) {
            let key = (site.kind, site.specifier.clone());
            if rewrites.contains_key(&key) {
                continue;
            }
            let target = self
                .resolvers
                .resolve(src, &out_dir, site.kind, &site.specifier)
                .map_err(|message| {
                    let pos = position(source, site.span.start, site.span.end);
                    CompileError::Resolve {
                        file: display.clone(),
                        line: pos.line,
                        column: pos.column,
                        specifier: site.specifier.clone(),
                        message,
                        code_frame: pos.code_frame,
                    }
                })?;
            let rewrite = self.rewrite_for(&info, site.kind, &target, session)?;
            deps.push(DepRecord {
                kind: site.kind,
                specifier: site.specifier,
                rewrite: rewrite.clone(),
            });
            rewrites.insert(key, rewrite);
        }

        let meta = (format == ModuleFormat::Esm).then(|| MetaValues {
            url: file_url(src),
            filename: src.to_string_lossy().into_owned(),
            dirname: src.parent().unwrap_or(src).to_string_lossy().into_owned(),
        });
        imports::apply(
            &mut prepared.program,
            &prepared.scoping,
            &allocator,
            &rewrites,
            meta.as_ref(),
        );
        let prelude = transpile::prelude(&prepared, src);
        let emitted = transpile::emit(&prepared.program, src, &output, &prelude);
        // The map first: once the code appears, a Node worker may load it (and its map).
        output::write_atomic(
            &output::append_extension(&output, ".map"),
            emitted.map.as_bytes(),
        )?;
        output::write_atomic(&output, emitted.code.as_bytes())?;

        if let Some(old) = self.manifest.modules.get(src)
            && old.output != output
        {
            // The module changed format; drop the stale output so nothing loads it by mistake.
            let _ = fs::remove_file(&old.output);
            let _ = fs::remove_file(output::append_extension(&old.output, ".map"));
        }
        self.manifest.modules.insert(
            src.to_path_buf(),
            ManifestEntry {
                hash,
                format,
                output,
                deps,
            },
        );
        self.manifest_dirty = true;
        self.transpiled.push(src.to_path_buf());
        Ok(info)
    }

    fn rewrite_for(
        &mut self,
        importer: &ModuleInfo,
        kind: ImportKind,
        target: &Target,
        session: &mut Session,
    ) -> Result<Rewrite, CompileError> {
        let specifier = match (target, kind) {
            (Target::Unchanged, _) => return Ok(Rewrite::default()),
            (Target::Source(dep), _) => {
                let dep = self.build_module(dep, session)?;
                relative_specifier(&importer.output, &dep.output)
            }
            (Target::Json(json), ImportKind::Import) => {
                let module = self.json_module(json, session)?;
                return Ok(Rewrite {
                    specifier: Some(relative_specifier(&importer.output, &module)),
                    strip_attributes: true,
                });
            }
            (Target::Json(path) | Target::Absolute(path), ImportKind::Require) => {
                path.to_string_lossy().into_owned()
            }
            (Target::Absolute(path), ImportKind::Import) => file_url(path),
            (Target::Helper(name), _) => {
                let helper = self.runtime_helper(name)?;
                relative_specifier(&importer.output, &helper)
            }
            (Target::Shim(name), _) => {
                let shim = self.platform_shim(name)?;
                relative_specifier(&importer.output, &shim)
            }
        };
        Ok(Rewrite {
            specifier: Some(specifier),
            strip_attributes: false,
        })
    }

    /// Writes (if changed) petrel's copy of an oxc runtime helper and returns its path.
    fn runtime_helper(&self, name: &str) -> Result<PathBuf, CompileError> {
        let source = transpile::runtime_helper(name).unwrap_or_default();
        let path = self
            .layout
            .out_dir
            .join(RUNTIME_DIR)
            .join(format!("{name}.cjs"));
        output::write_if_changed(&path, source.as_bytes())?;
        Ok(path)
    }

    /// Writes (if changed) petrel's stand-in for a platform package and returns its path.
    fn platform_shim(&self, name: &str) -> Result<PathBuf, CompileError> {
        let source = imports::PLATFORM_SHIMS
            .iter()
            .chain(&imports::NEXT_SHIMS)
            .find(|(_, shim, _)| *shim == name)
            .map_or("", |(_, _, source)| source);
        let path = self
            .layout
            .out_dir
            .join(RUNTIME_DIR)
            .join(format!("{name}.mjs"));
        output::write_if_changed(&path, source.as_bytes())?;
        Ok(path)
    }

    /// Writes (if changed) the ESM wrapper of a JSON file and returns its path.
    fn json_module(&mut self, json: &Path, session: &mut Session) -> Result<PathBuf, CompileError> {
        if let Some(out) = session.json.get(json) {
            return Ok(out.clone());
        }
        let text = fs::read_to_string(json).map_err(|e| CompileError::io(json, e))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CompileError::Syntax {
                file: self.display(json),
                line: u32::try_from(e.line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.column()).unwrap_or(u32::MAX),
                message: format!("invalid JSON: {e}"),
                code_frame: String::new(),
            })?;
        let code = json_module_code(&text, &value);
        let out = self.layout.json_module_output(json);
        if output::write_if_changed(&out, code.as_bytes())? {
            self.transpiled.push(json.to_path_buf());
        }
        session.json.insert(json.to_path_buf(), out.clone());
        Ok(out)
    }
}

/// `export default JSON.parse(<text>)` plus named exports for identifier-name keys.
fn json_module_code(text: &str, value: &serde_json::Value) -> String {
    let mut code = format!(
        "const data = JSON.parse({});\nexport default data;\n",
        transpile::json_string(text)
    );
    if let Some(object) = value.as_object() {
        let names: Vec<&String> = object
            .keys()
            .filter(|k| *k != "default" && is_identifier_name(k))
            .collect();
        if !names.is_empty() {
            let mut exports = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                code.push_str(&format!(
                    "const _{i} = data[{}];\n",
                    transpile::json_string(name)
                ));
                exports.push(format!("_{i} as {name}"));
            }
            code.push_str(&format!("export {{ {} }};\n", exports.join(", ")));
        }
    }
    code
}

fn is_identifier_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiler_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Compiler>();
    }

    #[test]
    fn json_module_exports_identifier_keys() {
        let text = r#"{"a": 1, "b-c": 2, "class": 3, "default": 4}"#;
        let value = serde_json::from_str(text).unwrap();
        let code = json_module_code(text, &value);
        assert!(code.contains("export { _0 as a, _1 as class };"), "{code}");
    }
}

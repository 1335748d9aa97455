//! Module specifiers: finding them in a transformed program ([`collect`]), resolving them with
//! `oxc_resolver` ([`Resolvers`]), and writing the rewritten ones back ([`apply`]).
//!
//! Sites that are rewritten: static `import … from "x"`, `export … from "x"`, `export * from
//! "x"`, dynamic `import("x")` and calls of the free `require("x")` — with a string literal or a
//! template literal without `${}` as the specifier. Computed specifiers are left alone.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use oxc::{
    allocator::Allocator,
    ast::ast::{
        Argument, CallExpression, ExportAllDeclaration, ExportFromDeclaration, Expression,
        ImportDeclaration, ImportExpression, StringLiteral,
    },
    ast::builder::AstBuilder,
    ast_visit::{Visit, VisitMut, walk, walk_mut},
    semantic::Scoping,
    span::Span,
    str::Str,
};
use oxc_resolver::{
    ResolveError, ResolveOptions, Resolver, TsconfigDiscovery, TsconfigOptions, TsconfigReferences,
};
use serde::{Deserialize, Serialize};

/// How a specifier is loaded, which selects the `exports` conditions used to resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ImportKind {
    /// `import`/`export … from`/`import()`: conditions `node`, `import`.
    Import,
    /// `require()`: conditions `node`, `require`.
    Require,
}

/// What to do with one specifier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Rewrite {
    /// The new specifier; `None` keeps the original.
    pub specifier: Option<String>,
    /// Drop import attributes (`with { type: "json" }`), because the target became a JS module.
    #[serde(default)]
    pub strip_attributes: bool,
}

/// One specifier occurrence in a program.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub kind: ImportKind,
    pub specifier: String,
    pub span: Span,
}

fn literal_value<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    match expr {
        Expression::StringLiteral(lit) => Some(lit.value.as_str()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() && t.quasis.len() == 1 => {
            t.quasis[0].value.cooked.map(|c| c.as_str())
        }
        _ => None,
    }
}

fn argument_literal<'a>(arg: &Argument<'a>) -> Option<&'a str> {
    arg.as_expression().and_then(literal_value)
}

/// `require(...)` where `require` is not bound anywhere in the module.
fn is_free_require(call: &CallExpression<'_>, scoping: &Scoping) -> bool {
    let Expression::Identifier(ident) = &call.callee else {
        return false;
    };
    ident.name == "require"
        && !call.arguments.is_empty()
        && ident
            .reference_id
            .get()
            .is_some_and(|id| scoping.get_reference(id).symbol_id().is_none())
}

/// Every specifier site in `program`, in source order.
pub(crate) fn collect(program: &oxc::ast::ast::Program<'_>, scoping: &Scoping) -> Vec<Site> {
    let mut collector = Collector {
        scoping,
        sites: Vec::new(),
    };
    collector.visit_program(program);
    collector.sites
}

struct Collector<'s> {
    scoping: &'s Scoping,
    sites: Vec<Site>,
}

impl Collector<'_> {
    fn push(&mut self, kind: ImportKind, lit: &StringLiteral<'_>) {
        self.sites.push(Site {
            kind,
            specifier: lit.value.to_string(),
            span: lit.span,
        });
    }
}

impl<'a> Visit<'a> for Collector<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.push(ImportKind::Import, &it.source);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.push(ImportKind::Import, &it.source);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.push(ImportKind::Import, &it.source);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Some(value) = literal_value(&it.source) {
            self.sites.push(Site {
                kind: ImportKind::Import,
                specifier: value.to_owned(),
                span: span_of(&it.source),
            });
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if is_free_require(it, self.scoping)
            && let Some(value) = argument_literal(&it.arguments[0])
        {
            let span = it.arguments[0].as_expression().map_or(it.span, span_of);
            self.sites.push(Site {
                kind: ImportKind::Require,
                specifier: value.to_owned(),
                span,
            });
        }
        walk::walk_call_expression(self, it);
    }
}

fn span_of(expr: &Expression<'_>) -> Span {
    use oxc::span::GetSpan;
    expr.span()
}

/// Original-file values substituted for `import.meta.url`/`.filename`/`.dirname`.
pub(crate) struct MetaValues {
    pub url: String,
    pub filename: String,
    pub dirname: String,
}

/// Rewrites specifiers per `rewrites` (keyed by kind and original specifier) and, when `meta`
/// is given, replaces `import.meta.url`/`filename`/`dirname` with the original file's values.
pub(crate) fn apply<'a>(
    program: &mut oxc::ast::ast::Program<'a>,
    scoping: &Scoping,
    allocator: &'a Allocator,
    rewrites: &HashMap<(ImportKind, String), Rewrite>,
    meta: Option<&MetaValues>,
) {
    let mut applier = Applier {
        scoping,
        builder: AstBuilder::new(allocator),
        allocator,
        rewrites,
        meta,
    };
    applier.visit_program(program);
}

struct Applier<'s, 'a> {
    scoping: &'s Scoping,
    builder: AstBuilder<'a>,
    allocator: &'a Allocator,
    rewrites: &'s HashMap<(ImportKind, String), Rewrite>,
    meta: Option<&'s MetaValues>,
}

impl<'a> Applier<'_, 'a> {
    fn lookup(&self, kind: ImportKind, specifier: &str) -> Option<&Rewrite> {
        self.rewrites.get(&(kind, specifier.to_owned()))
    }

    fn rewrite_literal(&self, lit: &mut StringLiteral<'a>) -> bool {
        let Some(rewrite) = self.lookup(ImportKind::Import, lit.value.as_str()) else {
            return false;
        };
        if let Some(new) = &rewrite.specifier {
            lit.value = Str::from_str_in(new, &self.allocator);
            lit.raw = None;
            lit.lone_surrogates = false;
        }
        rewrite.strip_attributes
    }

    fn string_expr(&self, span: Span, value: &str) -> Expression<'a> {
        Expression::new_string_literal(
            span,
            Str::from_str_in(value, &self.allocator),
            None,
            &self.builder,
        )
    }
}

impl<'a> VisitMut<'a> for Applier<'_, 'a> {
    fn visit_import_declaration(&mut self, it: &mut ImportDeclaration<'a>) {
        if self.rewrite_literal(&mut it.source) {
            it.with_clause = None;
        }
    }

    fn visit_export_from_declaration(&mut self, it: &mut ExportFromDeclaration<'a>) {
        if self.rewrite_literal(&mut it.source) {
            it.with_clause = None;
        }
    }

    fn visit_export_all_declaration(&mut self, it: &mut ExportAllDeclaration<'a>) {
        if self.rewrite_literal(&mut it.source) {
            it.with_clause = None;
        }
    }

    fn visit_import_expression(&mut self, it: &mut ImportExpression<'a>) {
        walk_mut::walk_import_expression(self, it);
        let Some(value) = literal_value(&it.source) else {
            return;
        };
        let Some(rewrite) = self.lookup(ImportKind::Import, value).cloned() else {
            return;
        };
        if let Some(new) = &rewrite.specifier {
            it.source = self.string_expr(span_of(&it.source), new);
        }
        if rewrite.strip_attributes {
            it.options = None;
        }
    }

    fn visit_call_expression(&mut self, it: &mut CallExpression<'a>) {
        walk_mut::walk_call_expression(self, it);
        if !is_free_require(it, self.scoping) {
            return;
        }
        let Some(value) = argument_literal(&it.arguments[0]) else {
            return;
        };
        let Some(new) = self
            .lookup(ImportKind::Require, value)
            .and_then(|r| r.specifier.clone())
        else {
            return;
        };
        let span = it.arguments[0].as_expression().map_or(it.span, span_of);
        it.arguments[0] = Argument::from(self.string_expr(span, &new));
    }

    fn visit_expression(&mut self, it: &mut Expression<'a>) {
        if let Some(meta) = self.meta
            && let Expression::StaticMemberExpression(member) = it
            && matches!(member.object, Expression::ImportMeta(_))
        {
            let value = match member.property.name.as_str() {
                "url" => Some(meta.url.as_str()),
                "filename" => Some(meta.filename.as_str()),
                "dirname" => Some(meta.dirname.as_str()),
                _ => None,
            };
            if let Some(value) = value {
                *it = self.string_expr(member.span, value);
                return;
            }
        }
        walk_mut::walk_expression(self, it);
    }
}

/// Where a specifier points, as far as rewriting is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Keep the specifier: a Node builtin, a URL, or a package Node finds (the same file) from
    /// the output directory too.
    Unchanged,
    /// A JS/TS source file of the project (outside `node_modules`): compile it and point at its
    /// output.
    Source(PathBuf),
    /// A `.json` file outside `node_modules`.
    Json(PathBuf),
    /// Anything else (a package file Node would not find from the output directory, a native
    /// addon, a data file): point at the original by absolute path / `file://` URL.
    Absolute(PathBuf),
    /// An oxc runtime helper (`@oxc-project/runtime/helpers/<name>`) that is not installed but
    /// that petrel provides itself (the legacy-decorator helpers).
    Helper(String),
    /// A platform package that is not installed but that petrel provides a local stand-in for
    /// (`@netlify/functions`): the shim's name.
    Shim(&'static str),
}

/// Packages petrel provides when the project does not install them: (specifier, shim name,
/// shim source).
pub(crate) const PLATFORM_SHIMS: [(&str, &str, &str); 1] = [(
    "@netlify/functions",
    "netlify-functions",
    include_str!("../shims/netlify-functions.mjs"),
)];

/// Modules petrel always provides, installed or not: Next.js's request-bound APIs, which need
/// Next's server around them (the shims hand over to the worker's implementation).
pub(crate) const NEXT_SHIMS: [(&str, &str, &str); 3] = [
    (
        "next/server",
        "next-server",
        include_str!("../shims/next-server.mjs"),
    ),
    (
        "next/headers",
        "next-headers",
        include_str!("../shims/next-headers.mjs"),
    ),
    (
        "next/navigation",
        "next-navigation",
        include_str!("../shims/next-navigation.mjs"),
    ),
];

/// Prefix of the specifiers oxc's transform emits for its runtime helpers.
pub(crate) const HELPER_PREFIX: &str = "@oxc-project/runtime/helpers/";

/// The two resolvers (import and require conditions) sharing one cache, plus the tsconfig
/// `paths` patterns used to phrase errors.
pub(crate) struct Resolvers {
    import: Resolver,
    require: Resolver,
    /// What Node's ESM loader does for bare specifiers: no extension probing, no tsconfig.
    import_node: Resolver,
    alias_patterns: Vec<String>,
}

const EXTENSIONS: &[&str] = &[
    ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json", ".node",
];

impl Resolvers {
    /// Resolvers using `tsconfig` (a `tsconfig.json` or `jsconfig.json`) for `paths`/`baseUrl`.
    pub fn new(tsconfig: Option<&Path>) -> Self {
        let options = ResolveOptions {
            tsconfig: tsconfig.map(|config_file| {
                TsconfigDiscovery::Manual(TsconfigOptions {
                    config_file: config_file.to_path_buf(),
                    references: TsconfigReferences::Disabled,
                })
            }),
            condition_names: vec!["node".into(), "import".into()],
            extensions: EXTENSIONS.iter().map(|e| (*e).to_owned()).collect(),
            extension_alias: vec![
                (
                    ".js".into(),
                    vec![".ts".into(), ".tsx".into(), ".js".into(), ".jsx".into()],
                ),
                (".jsx".into(), vec![".tsx".into(), ".jsx".into()]),
                (".mjs".into(), vec![".mts".into(), ".mjs".into()]),
                (".cjs".into(), vec![".cts".into(), ".cjs".into()]),
            ],
            builtin_modules: true,
            node_path: false,
            ..ResolveOptions::default()
        };
        let import = Resolver::new(options.clone());
        let require = import.clone_with_options(ResolveOptions {
            condition_names: vec!["node".into(), "require".into()],
            ..options.clone()
        });
        let import_node = import.clone_with_options(ResolveOptions {
            tsconfig: None,
            fully_specified: true,
            extension_alias: Vec::new(),
            extensions: vec![".js".into(), ".json".into(), ".node".into()],
            ..options
        });
        Self {
            import,
            require,
            import_node,
            alias_patterns: Vec::new(),
        }
    }

    /// Forgets cached file-system state (files may have been added or removed since).
    pub fn clear_cache(&self) {
        self.import.clear_cache();
    }

    /// Loads the tsconfig (following `extends`) and remembers its `paths` patterns.
    pub fn load_tsconfig(
        &mut self,
        path: &Path,
    ) -> Result<std::sync::Arc<oxc_resolver::TsConfig>, ResolveError> {
        let tsconfig = self.import.resolve_tsconfig(path)?;
        self.alias_patterns = tsconfig
            .compiler_options
            .paths
            .iter()
            .flat_map(|paths| paths.keys().cloned())
            .collect();
        Ok(tsconfig)
    }

    fn resolver(&self, kind: ImportKind) -> &Resolver {
        match kind {
            ImportKind::Import => &self.import,
            ImportKind::Require => &self.require,
        }
    }

    /// Resolves `specifier` as written in `importer`, whose output lives in `output_dir`.
    /// The error is the user-facing message.
    pub fn resolve(
        &self,
        importer: &Path,
        output_dir: &Path,
        kind: ImportKind,
        specifier: &str,
    ) -> Result<Target, String> {
        if ["data:", "http:", "https:", "file:"]
            .iter()
            .any(|p| specifier.starts_with(p))
        {
            return Ok(Target::Unchanged);
        }
        let bare = specifier.strip_suffix(".js").unwrap_or(specifier);
        if let Some((_, shim, _)) = NEXT_SHIMS.iter().find(|(s, _, _)| *s == bare) {
            return Ok(Target::Shim(shim));
        }
        let dir = importer.parent().unwrap_or(importer);
        let resolver = self.resolver(kind);
        let resolution = match resolver.resolve(dir, specifier) {
            Ok(resolution) => resolution,
            Err(ResolveError::Builtin { .. }) => return Ok(Target::Unchanged),
            Err(error) => {
                if let Some(name) = specifier.strip_prefix(HELPER_PREFIX)
                    && crate::transpile::runtime_helper(name).is_some()
                {
                    return Ok(Target::Helper(name.to_owned()));
                }
                if let Some((_, shim, _)) = PLATFORM_SHIMS.iter().find(|(s, _, _)| *s == specifier)
                {
                    return Ok(Target::Shim(shim));
                }
                return Err(self.not_found_message(specifier, &error));
            }
        };
        let path = resolution.path().to_path_buf();
        let in_node_modules = path.components().any(|c| c.as_os_str() == "node_modules");
        if in_node_modules {
            if is_bare(specifier) {
                // Node resolves the unchanged specifier from the output file; keep it only if
                // that finds the very same file.
                let node = match kind {
                    ImportKind::Import => &self.import_node,
                    ImportKind::Require => resolver,
                };
                let same = node
                    .resolve(output_dir, specifier)
                    .is_ok_and(|r| r.path() == path);
                if same {
                    return Ok(Target::Unchanged);
                }
            }
            return Ok(Target::Absolute(path));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if ext == "json" {
            Ok(Target::Json(path))
        } else if crate::transpile::is_source_file(&path) {
            Ok(Target::Source(path))
        } else {
            Ok(Target::Absolute(path))
        }
    }

    fn is_alias(&self, specifier: &str) -> bool {
        self.alias_patterns
            .iter()
            .any(|pattern| match pattern.split_once('*') {
                Some((prefix, suffix)) => {
                    specifier.len() >= prefix.len() + suffix.len()
                        && specifier.starts_with(prefix)
                        && specifier.ends_with(suffix)
                }
                None => specifier == pattern,
            })
    }

    fn not_found_message(&self, specifier: &str, error: &ResolveError) -> String {
        let base = format!("Module not found: Can't resolve '{specifier}'");
        if let Some(helper) = specifier.strip_prefix(HELPER_PREFIX) {
            return format!(
                "{base}: the transform needs oxc's runtime helper `{helper}` for syntax Node 20 does not support natively (e.g. `using` declarations); install it with `npm install @oxc-project/runtime`"
            );
        }
        let not_found = matches!(
            error,
            ResolveError::NotFound(_) | ResolveError::MatchedAliasNotFound(..)
        );
        if is_bare(specifier) && !self.is_alias(specifier) && not_found {
            let package = package_name(specifier);
            format!("{base} (is `{package}` installed? run npm install)")
        } else if not_found {
            base
        } else {
            format!("{base}: {error}")
        }
    }
}

/// A specifier naming a package (not relative, absolute or a `#` subpath import).
pub(crate) fn is_bare(specifier: &str) -> bool {
    !(specifier.starts_with('.')
        || specifier.starts_with('/')
        || specifier.starts_with('#')
        || Path::new(specifier).is_absolute())
}

/// `@scope/name/sub` → `@scope/name`, `name/sub` → `name`.
fn package_name(specifier: &str) -> &str {
    let mut parts = specifier.splitn(3, '/');
    let first = parts.next().unwrap_or(specifier);
    if first.starts_with('@') {
        match parts.next() {
            Some(second) => &specifier[..first.len() + 1 + second.len()],
            None => first,
        }
    } else {
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name("react/jsx-runtime"), "react");
        assert_eq!(package_name("@scope/pkg/sub"), "@scope/pkg");
        assert_eq!(package_name("@scope"), "@scope");
        assert_eq!(package_name("lodash"), "lodash");
    }

    #[test]
    fn bare_specifiers() {
        assert!(is_bare("next"));
        assert!(is_bare("@/lib/db"));
        assert!(!is_bare("./x"));
        assert!(!is_bare("../x"));
        assert!(!is_bare("/abs/x"));
        assert!(!is_bare("#internal"));
    }
}

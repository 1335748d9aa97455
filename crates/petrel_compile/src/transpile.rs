//! One file through oxc: parse → semantic checks → TypeScript/JSX transform → module-format
//! decision ([`prepare`]), and printing with a source map ([`emit`]).
//!
//! Import rewriting happens between the two (see [`crate::imports`]), on the transformed AST.

use std::path::Path;

use oxc::{
    allocator::Allocator,
    ast::ast::{
        AwaitExpression, ForOfStatement, Program, Statement, VariableDeclaration,
        VariableDeclarationKind,
    },
    ast_visit::{Visit, walk},
    codegen::{Codegen, CodegenOptions, IndentChar},
    diagnostics::OxcDiagnostic,
    parser::Parser,
    semantic::{Scoping, SemanticBuilder},
    span::{SourceType, Span},
    syntax::scope::ScopeFlags,
    transformer::{JsxRuntime, TransformOptions, Transformer},
};

use crate::{
    error::{CompileError, position},
    output::ModuleFormat,
};

/// Extensions this crate compiles (without the dot).
pub(crate) const SOURCE_EXTENSIONS: &[&str] =
    &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// Whether `path` has one of [`SOURCE_EXTENSIONS`] (and is not a `.d.ts` declaration file).
pub(crate) fn is_source_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts") {
        return false;
    }
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCE_EXTENSIONS.contains(&e))
}

/// The parser source type for a file, by extension. `.mjs`/`.mts` are always modules, `.cjs`
/// is always CommonJS; everything else is "unambiguous" (a module iff it has ESM syntax,
/// top-level `await` or `import.meta`).
pub(crate) fn source_type_for(path: &Path) -> Option<SourceType> {
    let ext = path.extension()?.to_str()?;
    let base = match ext {
        "ts" | "mts" | "cts" => SourceType::ts(),
        "tsx" => SourceType::tsx(),
        "js" | "jsx" | "mjs" | "cjs" => SourceType::jsx(),
        _ => return None,
    };
    Some(match ext {
        "mts" => base.with_module(true),
        "mjs" => base.with_module(true).with_jsx(false),
        "cjs" => base.with_commonjs(true).with_jsx(false),
        _ => base.with_unambiguous(true),
    })
}

/// Transform options: Node 20 target (nothing lowered that Node 20 runs natively), TypeScript
/// stripping with import elision, automatic JSX runtime, and the relevant tsconfig switches.
pub(crate) fn transform_options(
    compiler_options: Option<&oxc_resolver::CompilerOptions>,
) -> TransformOptions {
    let mut options = TransformOptions::from_target("node20").unwrap_or_default();
    options.jsx.runtime = JsxRuntime::Automatic;
    // TypeScript's `useDefineForClassFields` defaults to true only for targets >= ES2022 (the
    // compiler's own default target is older). Without it, class fields that have no
    // initializer are type declarations only and must not become `undefined`-initialised
    // fields (which would, e.g., clobber values a base-class constructor assigned).
    let use_define_for_class_fields = compiler_options.is_some_and(|co| {
        co.use_define_for_class_fields.unwrap_or_else(|| {
            co.target.as_deref().is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                t == "esnext"
                    || t.strip_prefix("es")
                        .and_then(|y| y.parse::<u32>().ok())
                        .is_some_and(|y| y >= 2022)
            })
        })
    });
    options.typescript.remove_class_fields_without_initializer = !use_define_for_class_fields;
    if let Some(co) = compiler_options {
        if co.experimental_decorators == Some(true) {
            options.decorator.legacy = true;
            options.decorator.emit_decorator_metadata = co.emit_decorator_metadata == Some(true);
        }
        if co.jsx.as_deref() == Some("react") {
            options.jsx.runtime = JsxRuntime::Classic;
            if let Some(factory) = &co.jsx_factory {
                options.jsx.pragma = Some(factory.clone());
                options.typescript.jsx_pragma = factory.clone().into();
            }
            if let Some(fragment) = &co.jsx_fragment_factory {
                options.jsx.pragma_frag = Some(fragment.clone());
                options.typescript.jsx_pragma_frag = fragment.clone().into();
            }
        }
        if let Some(source) = &co.jsx_import_source {
            options.jsx.import_source = Some(source.clone());
        }
    }
    options
}

/// Free (unbound) CommonJS names the program references.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FreeNames {
    pub require: bool,
    pub filename: bool,
    pub dirname: bool,
}

/// A transformed program, ready for import rewriting and printing.
pub(crate) struct Prepared<'a> {
    pub program: Program<'a>,
    /// Scoping rebuilt after the transform (in sync with `program`).
    pub scoping: Scoping,
    pub format: ModuleFormat,
    pub free: FreeNames,
    /// A CommonJS output that must start with `"use strict"` (its source had the directive, or
    /// was an ES module whose module syntax was all type-only).
    pub strict: bool,
}

/// Parses, checks and transforms `source`, and decides the output format.
pub(crate) fn prepare<'a>(
    allocator: &'a Allocator,
    path: &Path,
    display: &Path,
    source: &'a str,
    options: &TransformOptions,
) -> Result<Prepared<'a>, CompileError> {
    let source_type = source_type_for(path).ok_or_else(|| CompileError::Unsupported {
        file: display.to_path_buf(),
        message: "not a JavaScript or TypeScript file".into(),
    })?;

    // A byte-order mark is not JavaScript; editors do not count it as a column either.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let parsed = Parser::new(allocator, source, source_type).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        return Err(syntax_error(display, source, error, false));
    }
    if parsed.panicked {
        return Err(CompileError::Syntax {
            file: display.to_path_buf(),
            line: 1,
            column: 1,
            message: "the parser gave up on this file".into(),
            code_frame: String::new(),
        });
    }
    let mut program = parsed.program;

    let semantic = SemanticBuilder::new()
        .with_check_syntax_error(true)
        .with_excess_capacity(2.0)
        .with_enum_eval(true)
        .build(&program);
    if let Some(error) = semantic.diagnostics.errors().next() {
        return Err(syntax_error(display, source, error, false));
    }
    let scoping = semantic.semantic.into_scoping();

    let export_assignment = program.body.iter().find_map(|stmt| match stmt {
        Statement::TSExportAssignment(assign) => Some(assign.span),
        _ => None,
    });

    let transformed =
        Transformer::new(allocator, path, options).build_with_scoping(scoping, &mut program);
    if let Some(error) = transformed.diagnostics.errors().next() {
        return Err(syntax_error(display, source, error, true));
    }
    if !options.decorator.legacy && source.contains('@') {
        let mut find = FirstDecorator::default();
        find.visit_program(&program);
        if let Some(span) = find.span {
            return Err(transform_error(
                display,
                source,
                span,
                "decorators need `\"experimentalDecorators\": true` in tsconfig.json: petrel compiles \
                 TypeScript's legacy decorators only, and Node 20 cannot run standard decorators",
            ));
        }
    }

    // A hashbang is only valid as the very first line, where the prelude may go.
    program.hashbang = None;
    let format = decide_format(&program, path);
    if format == ModuleFormat::Esm
        && let Some(span) = export_assignment
    {
        return Err(transform_error(
            display,
            source,
            span,
            "`export =` makes this a CommonJS module, but it also uses ES module syntax \
             (`import`/`export`, top-level `await` or `import.meta`); use `export default` \
             instead, or `import x = require(\"...\")` for the imports",
        ));
    }
    let mut strict = false;
    if format == ModuleFormat::Cjs {
        // The TypeScript transform appends a synthetic `export {}` when it removed every
        // import/export; a CommonJS output cannot carry it.
        program.body.retain(|stmt| !is_synthetic_empty_export(stmt));
        let before = program.directives.len();
        program.directives.retain(|d| !d.is_use_strict());
        strict = program.directives.len() != before || program.source_type.is_module();
    }

    let scoping = SemanticBuilder::new()
        .build(&program)
        .semantic
        .into_scoping();
    let unresolved = scoping.root_unresolved_references();
    let free = FreeNames {
        require: unresolved.contains_key("require"),
        filename: unresolved.contains_key("__filename"),
        dirname: unresolved.contains_key("__dirname"),
    };
    Ok(Prepared {
        program,
        scoping,
        format,
        free,
        strict,
    })
}

fn syntax_error(
    display: &Path,
    source: &str,
    error: &OxcDiagnostic,
    transform: bool,
) -> CompileError {
    // Prefer the primary label; otherwise the last one (for "already declared" errors that is
    // the redeclaration, where Node reports it too).
    let span = error
        .labels
        .iter()
        .find(|l| l.primary())
        .or_else(|| error.labels.last())
        .map(oxc::diagnostics::LabeledSpan::span);
    let (start, end) = span.map_or((0, 0), |s| (s.start, s.end));
    let pos = position(source, start, end);
    let mut message = error.message.to_string();
    if let Some(help) = &error.help {
        message.push_str(" (");
        message.push_str(help);
        message.push(')');
    }
    let file = display.to_path_buf();
    if transform {
        CompileError::Transform {
            file,
            line: pos.line,
            column: pos.column,
            message,
            code_frame: pos.code_frame,
        }
    } else {
        CompileError::Syntax {
            file,
            line: pos.line,
            column: pos.column,
            message,
            code_frame: pos.code_frame,
        }
    }
}

fn transform_error(display: &Path, source: &str, span: Span, message: &str) -> CompileError {
    let pos = position(source, span.start, span.end);
    CompileError::Transform {
        file: display.to_path_buf(),
        line: pos.line,
        column: pos.column,
        message: message.to_owned(),
        code_frame: pos.code_frame,
    }
}

/// The first decorator in a program, if any.
#[derive(Default)]
struct FirstDecorator {
    span: Option<Span>,
}

impl<'a> Visit<'a> for FirstDecorator {
    fn visit_decorator(&mut self, it: &oxc::ast::ast::Decorator<'a>) {
        if self.span.is_none() {
            self.span = Some(it.span);
        }
    }
}

fn is_synthetic_empty_export(stmt: &Statement<'_>) -> bool {
    matches!(stmt, Statement::ExportNamedDeclaration(decl)
        if decl.specifiers.is_empty() && decl.span.is_empty() && decl.span.start == 0)
}

/// ESM iff the (transformed) program still has value imports/exports, top-level `await`, or
/// `import.meta`; `.mjs`/`.mts` sources are always ESM.
fn decide_format(program: &Program<'_>, path: &Path) -> ModuleFormat {
    if matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("mjs" | "mts")
    ) {
        return ModuleFormat::Esm;
    }
    if !program.source_type.is_module() {
        return ModuleFormat::Cjs;
    }
    let has_module_decl = program
        .body
        .iter()
        .any(|stmt| stmt.as_module_declaration().is_some() && !is_synthetic_empty_export(stmt));
    if has_module_decl {
        return ModuleFormat::Esm;
    }
    let mut scan = EsmOnlySyntax::default();
    scan.visit_program(program);
    if scan.found {
        ModuleFormat::Esm
    } else {
        ModuleFormat::Cjs
    }
}

/// Finds top-level `await` (incl. `for await` and `await using`) and `import.meta`.
#[derive(Default)]
struct EsmOnlySyntax {
    function_depth: u32,
    found: bool,
}

impl<'a> Visit<'a> for EsmOnlySyntax {
    fn visit_function(&mut self, it: &oxc::ast::ast::Function<'a>, flags: ScopeFlags) {
        self.function_depth += 1;
        walk::walk_function(self, it, flags);
        self.function_depth -= 1;
    }

    fn visit_arrow_function_expression(&mut self, it: &oxc::ast::ast::ArrowFunctionExpression<'a>) {
        self.function_depth += 1;
        walk::walk_arrow_function_expression(self, it);
        self.function_depth -= 1;
    }

    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        if self.function_depth == 0 {
            self.found = true;
        }
        walk::walk_await_expression(self, it);
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        if it.r#await && self.function_depth == 0 {
            self.found = true;
        }
        walk::walk_for_of_statement(self, it);
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        if it.kind == VariableDeclarationKind::AwaitUsing && self.function_depth == 0 {
            self.found = true;
        }
        walk::walk_variable_declaration(self, it);
    }

    fn visit_import_meta(&mut self, _it: &oxc::ast::ast::ImportMeta) {
        self.found = true;
    }
}

/// The first line of an output, defining what the module format does not provide:
/// `require`/`__filename`/`__dirname` for ESM, the original `__filename`/`__dirname` (and
/// `"use strict"`) for CommonJS. Empty when nothing is needed.
pub(crate) fn prelude(prepared: &Prepared<'_>, source_path: &Path) -> String {
    let filename = json_string(&source_path.to_string_lossy());
    let dirname = json_string(
        &source_path
            .parent()
            .unwrap_or(source_path)
            .to_string_lossy(),
    );
    let free = prepared.free;
    let mut out = String::new();
    match prepared.format {
        ModuleFormat::Esm => {
            if free.require {
                out.push_str(
                    "import { createRequire as __petrel_createRequire } from \"node:module\"; \
                     const require = __petrel_createRequire(import.meta.url); ",
                );
            }
            if free.filename {
                out.push_str(&format!("const __filename = {filename}; "));
            }
            if free.dirname {
                out.push_str(&format!("const __dirname = {dirname}; "));
            }
        }
        ModuleFormat::Cjs => {
            if prepared.strict {
                out.push_str("\"use strict\"; ");
            }
            if free.filename {
                out.push_str(&format!("var __filename = {filename}; "));
            }
            if free.dirname {
                out.push_str(&format!("var __dirname = {dirname}; "));
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

pub(crate) fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Printed code and its source map (JSON text).
pub(crate) struct Emitted {
    pub code: String,
    pub map: String,
}

/// Prints `program` with `prelude` as its first line (when non-empty), a trailing
/// `//# sourceMappingURL=` comment, and a v3 source map whose only source is the absolute
/// `source_path`.
pub(crate) fn emit(
    program: &Program<'_>,
    source_path: &Path,
    output_path: &Path,
    prelude: &str,
) -> Emitted {
    let options = CodegenOptions {
        source_map_path: Some(source_path.to_path_buf()),
        indent_char: IndentChar::Space,
        indent_width: 2,
        ..CodegenOptions::default()
    };
    let printed = Codegen::new().with_options(options).build(program);
    let output_name = output_path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let map_name = format!("{output_name}.map");

    let mut code = String::with_capacity(printed.code.len() + prelude.len() + 64);
    let mut shift = 0;
    if !prelude.is_empty() {
        code.push_str(prelude);
        code.push('\n');
        shift = 1;
    }
    code.push_str(&printed.code);
    if !code.ends_with('\n') {
        code.push('\n');
    }
    code.push_str("//# sourceMappingURL=");
    code.push_str(&map_name);
    code.push('\n');

    let map_json = printed.map.map(|m| m.to_json_string()).unwrap_or_default();
    let mut map: serde_json::Value = serde_json::from_str(&map_json)
        .unwrap_or_else(|_| serde_json::json!({"version": 3, "mappings": ""}));
    if let Some(obj) = map.as_object_mut() {
        obj.insert("file".into(), output_name.into());
        obj.insert(
            "sources".into(),
            serde_json::json!([source_path.to_string_lossy()]),
        );
        if shift > 0 {
            let mappings = obj
                .get("mappings")
                .and_then(|m| m.as_str())
                .unwrap_or_default();
            let shifted = format!("{}{mappings}", ";".repeat(shift));
            obj.insert("mappings".into(), shifted.into());
        }
    }
    Emitted {
        code,
        map: map.to_string(),
    }
}

/// Source of a runtime helper petrel provides when `@oxc-project/runtime` is not installed.
/// Each is a CommonJS module whose `module.exports` is the helper function, which serves both a
/// default `import` and a `require`.
pub(crate) fn runtime_helper(name: &str) -> Option<&'static str> {
    match name {
        // Legacy (`experimentalDecorators`) decorator application, TypeScript semantics:
        // 2 arguments = class decorators (may return a replacement class); 4 arguments =
        // member decorators on a property descriptor (`null` = read it from the target).
        "decorate" => Some(
            r#""use strict";
module.exports = function decorate(decorators, target, key, desc) {
  const memberCall = arguments.length > 3;
  const classCall = arguments.length < 3;
  let current;
  if (typeof Reflect === "object" && Reflect !== null && typeof Reflect.decorate === "function") {
    current = Reflect.decorate(decorators, target, key, desc);
  } else {
    if (classCall) current = target;
    else if (desc === null) current = desc = Object.getOwnPropertyDescriptor(target, key);
    else current = desc;
    for (let i = decorators.length - 1; i >= 0; i -= 1) {
      const decorator = decorators[i];
      if (!decorator) continue;
      const produced = classCall
        ? decorator(current)
        : memberCall
          ? decorator(target, key, current)
          : decorator(target, key);
      if (produced) current = produced;
    }
  }
  if (memberCall && current) Object.defineProperty(target, key, current);
  return current;
};
"#,
        ),
        "decorateParam" => Some(
            r#""use strict";
module.exports = function decorateParam(index, decorator) {
  return function (target, key) {
    decorator(target, key, index);
  };
};
"#,
        ),
        "decorateMetadata" => Some(
            r#""use strict";
module.exports = function decorateMetadata(metadataKey, metadataValue) {
  if (typeof Reflect === "object" && Reflect !== null && typeof Reflect.metadata === "function") {
    return Reflect.metadata(metadataKey, metadataValue);
  }
  return undefined;
};
"#,
        ),
        _ => None,
    }
}

//! Static exports of a route file: `export const config = {…}`, top-level `runtime` and
//! `maxDuration`, whether there is a default export, and the other export names — read from the
//! syntax tree without running anything, the way Next.js reads them at build time. The literal
//! rules are documented on [`extract_static_exports`].

use std::path::Path;

use oxc::{
    allocator::Allocator,
    ast::ast::{
        ArrayExpressionElement, BindingPattern, Declaration, ExportDefaultDeclarationKind,
        Expression, ModuleExportName, ObjectPropertyKind, Program, PropertyKind, Statement,
        UnaryOperator, VariableDeclarationKind,
    },
    parser::Parser,
    span::{GetSpan, SourceType, Span},
};
use serde_json::{Map, Value};

use crate::{
    error::{CompileError, position},
    transpile::source_type_for,
};

/// What a route file exports, as far as can be known without running it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaticExports {
    /// `export const config = {...}` as JSON, object keys in source order. `undefined`
    /// properties are omitted (see the module docs).
    pub config: Option<Value>,
    /// The route's runtime: top-level `export const runtime = "edge"`, else `config.runtime`.
    pub runtime: Option<String>,
    /// Top-level `export const maxDuration = 5`, else `config.maxDuration`.
    pub max_duration: Option<f64>,
    /// `export default …`, `export { x as default }`, `export { default } from …`, or a
    /// top-level CommonJS `module.exports = …` / TypeScript `export = …`.
    pub has_default_export: bool,
    /// Every other ESM export name (value exports only, no types), in source order — e.g.
    /// `GET`, `POST`, `config`.
    pub named_exports: Vec<String>,
    /// App Router segment config (`export const dynamic = "force-static"`, `revalidate`,
    /// `dynamicParams`, `fetchCache`, `preferredRegion`) as literal values, in source order.
    /// Their values are checked by the project, which knows what each may be. One that is
    /// not a literal is a problem only for an App Router route (Pages routes ignore them), so
    /// it is kept here rather than failing the extraction.
    pub segment: Vec<(String, Result<Value, SegmentProblem>)>,
}

/// A segment config export that is not statically readable, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentProblem {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The offending source line with a caret underneath.
    pub code_frame: String,
}

/// The App Router segment config exports read statically (besides `runtime` and
/// `maxDuration`, which Pages routes share).
pub const SEGMENT_EXPORTS: [&str; 5] = [
    "dynamic",
    "revalidate",
    "dynamicParams",
    "fetchCache",
    "preferredRegion",
];

const VALID_RUNTIMES: &[&str] = &["nodejs", "edge", "experimental-edge"];

/// Reads the static exports of `source`. `file` is used for the source type (by extension;
/// TypeScript+JSX when it has none we know) and in error messages, as given.
///
/// # Literal rules
///
/// `config` must be an object literal. Allowed values, recursively: string, number (also with a
/// leading `-` or `+`), boolean and `null` literals, template literals without `${}`, arrays and
/// object literals of those. TypeScript wrappers (`as const`, `satisfies PageConfig`, `as X`,
/// `<X>v`, `v!`) and parentheses are ignored. The identifier `undefined` behaves like
/// `JSON.stringify`: an object property whose value is `undefined` is omitted, an array element
/// becomes `null` (as does an array hole).
///
/// Everything else is a [`CompileError::Config`] naming the property path and the offending
/// source position: spreads, identifiers (other than `undefined`), calls, functions and methods,
/// getters/setters, computed keys, member expressions, operators, `new`, BigInt and RegExp
/// literals. The binding must be `const` (a `let`/`var` could be reassigned, so it cannot be
/// read statically). `export { config }` / `export { c as config }` of a top-level `const` in
/// the same file is read like `export const config`; re-exporting `config` from another module
/// is an error.
///
/// `runtime` (top-level or `config.runtime`) must be `"nodejs"`, `"edge"` or
/// `"experimental-edge"`; `maxDuration` (top-level or `config.maxDuration`) must be a number.
///
/// # Errors
///
/// [`CompileError::Syntax`] when the file does not parse, [`CompileError::Config`] when a
/// `config`/`runtime`/`maxDuration` export is not a static literal or has an invalid value.
pub fn extract_static_exports(file: &Path, source: &str) -> Result<StaticExports, CompileError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let allocator = Allocator::default();
    let program = parse_for_analysis(&allocator, file, source)?;
    Extractor {
        file,
        source,
        program: &program,
        out: StaticExports::default(),
        config_runtime: None,
        config_max_duration: None,
    }
    .run()
}

/// Parses `source` (already without a BOM) for static analysis only: the source type comes from
/// `file`'s extension (TypeScript+JSX, unambiguous, when unknown); the first parse error is a
/// [`CompileError::Syntax`] naming `file` as given.
pub(crate) fn parse_for_analysis<'a>(
    allocator: &'a Allocator,
    file: &Path,
    source: &'a str,
) -> Result<Program<'a>, CompileError> {
    let source_type =
        source_type_for(file).unwrap_or_else(|| SourceType::tsx().with_unambiguous(true));
    let parsed = Parser::new(allocator, source, source_type).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        let span = error
            .labels
            .first()
            .map_or(Span::new(0, 0), oxc::diagnostics::LabeledSpan::span);
        let pos = position(source, span.start, span.end);
        return Err(CompileError::Syntax {
            file: file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            message: error.message.to_string(),
            code_frame: pos.code_frame,
        });
    }
    Ok(parsed.program)
}

struct Extractor<'s, 'a> {
    file: &'s Path,
    source: &'s str,
    program: &'s Program<'a>,
    out: StaticExports,
    config_runtime: Option<String>,
    config_max_duration: Option<f64>,
}

/// The exports whose values are read statically.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    Config,
    Runtime,
    MaxDuration,
    /// One of [`SEGMENT_EXPORTS`].
    Segment(&'static str),
}

impl Special {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "config" => Some(Self::Config),
            "runtime" => Some(Self::Runtime),
            "maxDuration" => Some(Self::MaxDuration),
            _ => SEGMENT_EXPORTS
                .iter()
                .find(|s| **s == name)
                .map(|s| Self::Segment(s)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Runtime => "runtime",
            Self::MaxDuration => "maxDuration",
            Self::Segment(name) => name,
        }
    }
}

impl<'a> Extractor<'_, 'a> {
    fn run(mut self) -> Result<StaticExports, CompileError> {
        for stmt in &self.program.body {
            self.statement(stmt)?;
        }
        if self.out.runtime.is_none() {
            self.out.runtime = self.config_runtime.take();
        }
        if self.out.max_duration.is_none() {
            self.out.max_duration = self.config_max_duration.take();
        }
        let mut seen = std::collections::HashSet::new();
        self.out
            .named_exports
            .retain(|name| seen.insert(name.clone()));
        Ok(self.out)
    }

    fn named(&mut self, name: &str) {
        if name == "default" {
            self.out.has_default_export = true;
        } else {
            self.out.named_exports.push(name.to_owned());
        }
    }

    fn statement(&mut self, stmt: &Statement<'a>) -> Result<(), CompileError> {
        match stmt {
            Statement::ExportDeclaration(export) => self.export_declaration(&export.declaration)?,
            Statement::ExportNamedDeclaration(export) if export.export_kind.is_value() => {
                for spec in &export.specifiers {
                    if !spec.export_kind.is_value() {
                        continue;
                    }
                    let exported = module_export_name(&spec.exported);
                    self.named(&exported);
                    if let Some(special) = Special::from_name(&exported) {
                        let local = module_export_name(&spec.local);
                        self.local_special(special, &local, spec.local.span())?;
                    }
                }
            }
            Statement::ExportFromDeclaration(export) if export.export_kind.is_value() => {
                for spec in &export.specifiers {
                    if !spec.export_kind.is_value() {
                        continue;
                    }
                    let exported = module_export_name(&spec.exported);
                    self.named(&exported);
                    if let Some(special) = Special::from_name(&exported) {
                        return Err(self.error(
                            spec.span,
                            format!(
                                "`{}` is re-exported from \"{}\"; Next.js reads `{}` statically from the route file itself. Fix: declare it here as `export const {} = …` with a literal value.",
                                special.name(),
                                export.source.value,
                                special.name(),
                                special.name()
                            ),
                        ));
                    }
                }
            }
            Statement::ExportAllDeclaration(export) if export.export_kind.is_value() => {
                if let Some(name) = &export.exported {
                    self.named(&module_export_name(name));
                }
            }
            Statement::ExportDefaultDeclaration(export)
                if !matches!(
                    export.declaration,
                    ExportDefaultDeclarationKind::TSInterfaceDeclaration(_)
                ) =>
            {
                self.out.has_default_export = true;
            }
            Statement::TSExportAssignment(_) => self.out.has_default_export = true,
            Statement::ExpressionStatement(expr) => {
                if let Expression::AssignmentExpression(assign) = &expr.expression
                    && let Some(target) = assign.left.as_member_expression()
                    && (target.is_specific_member_access("module", "exports")
                        || target.is_specific_member_access("exports", "default"))
                {
                    self.out.has_default_export = true;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn export_declaration(&mut self, decl: &Declaration<'a>) -> Result<(), CompileError> {
        match decl {
            Declaration::VariableDeclaration(var) if !var.declare => {
                for declarator in &var.declarations {
                    for ident in declarator.id.get_binding_identifiers() {
                        self.named(ident.name.as_str());
                    }
                    if let BindingPattern::BindingIdentifier(ident) = &declarator.id
                        && let Some(special) = Special::from_name(ident.name.as_str())
                    {
                        self.read_special(special, var.kind, ident.span, declarator.init.as_ref())?;
                    }
                }
            }
            Declaration::FunctionDeclaration(func) if !func.is_typescript_syntax() => {
                if let Some(id) = &func.id {
                    self.named(id.name.as_str());
                    if let Some(special) = Special::from_name(id.name.as_str()) {
                        return Err(self.unsupported(special.name(), id.span, "it is a function"));
                    }
                }
            }
            Declaration::ClassDeclaration(class) if !class.declare => {
                if let Some(id) = &class.id {
                    self.named(id.name.as_str());
                    if let Some(special) = Special::from_name(id.name.as_str()) {
                        return Err(self.unsupported(special.name(), id.span, "it is a class"));
                    }
                }
            }
            Declaration::TSEnumDeclaration(e) if !e.declare => self.named(e.id.name.as_str()),
            Declaration::TSNamespaceDeclaration(ns) if !ns.declare => {
                self.named(ns.id.name.as_str());
            }
            Declaration::TSImportEqualsDeclaration(import) if import.import_kind.is_value() => {
                self.named(import.id.name.as_str());
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks and reads the `const` declaring `special`. A segment config problem is kept
    /// in [`StaticExports::segment`] instead of failing (see there).
    fn read_special(
        &mut self,
        special: Special,
        kind: VariableDeclarationKind,
        span: Span,
        init: Option<&Expression<'a>>,
    ) -> Result<(), CompileError> {
        let mut result = self.check_const(special, kind, span);
        if result.is_ok()
            && let Some(init) = init
        {
            result = self.special_value(special, init);
        }
        match (special, result) {
            (
                Special::Segment(name),
                Err(CompileError::Config {
                    line,
                    column,
                    message,
                    code_frame,
                    ..
                }),
            ) => {
                let problem = SegmentProblem {
                    line,
                    column,
                    message,
                    code_frame,
                };
                self.out.segment.push((name.to_owned(), Err(problem)));
                Ok(())
            }
            (_, result) => result,
        }
    }

    fn check_const(
        &self,
        special: Special,
        kind: VariableDeclarationKind,
        span: Span,
    ) -> Result<(), CompileError> {
        if kind == VariableDeclarationKind::Const {
            return Ok(());
        }
        let keyword = match kind {
            VariableDeclarationKind::Var => "var",
            VariableDeclarationKind::Let => "let",
            _ => "using",
        };
        let name = special.name();
        Err(self.error(
            span,
            format!(
                "`{name}` is declared with `{keyword}`; Next.js reads `{name}` statically, so it must be a `const` with a literal value. Fix: use `export const {name} = …`."
            ),
        ))
    }

    /// `export { local as <special> }`: find the top-level declaration of `local`.
    fn local_special(
        &mut self,
        special: Special,
        local: &str,
        at: Span,
    ) -> Result<(), CompileError> {
        for stmt in &self.program.body {
            let var = match stmt {
                Statement::VariableDeclaration(var) => var,
                Statement::ExportDeclaration(export) => match &export.declaration {
                    Declaration::VariableDeclaration(var) => var,
                    _ => continue,
                },
                _ => continue,
            };
            for declarator in &var.declarations {
                if let BindingPattern::BindingIdentifier(ident) = &declarator.id
                    && ident.name == local
                {
                    return self.read_special(
                        special,
                        var.kind,
                        ident.span,
                        declarator.init.as_ref(),
                    );
                }
            }
        }
        let name = special.name();
        Err(self.error(
            at,
            format!(
                "`{name}` is exported from `{local}`, which is not a top-level `const` of this file (an import, function or class); Next.js reads `{name}` statically, so it must be a literal. Fix: declare `export const {name} = …` with a literal value."
            ),
        ))
    }

    fn special_value(
        &mut self,
        special: Special,
        init: &Expression<'a>,
    ) -> Result<(), CompileError> {
        match special {
            Special::Config => {
                let inner = init.get_inner_expression();
                if !matches!(inner, Expression::ObjectExpression(_)) {
                    if inner.is_specific_id("undefined") {
                        return Ok(());
                    }
                    let what = self.describe(inner);
                    return Err(self.unsupported("config", inner.span(), &what));
                }
                self.out.config = self.value(inner, "config")?;
            }
            Special::Runtime => {
                if let Some(value) = self.value(init, "runtime")? {
                    self.out.runtime = Some(self.runtime_value(
                        &value,
                        init.get_inner_expression().span(),
                        "runtime",
                    )?);
                }
            }
            Special::Segment(name) => {
                if let Some(value) = self.value(init, name)? {
                    self.out.segment.push((name.to_owned(), Ok(value)));
                }
            }
            Special::MaxDuration => {
                if let Some(value) = self.value(init, "maxDuration")? {
                    self.out.max_duration = Some(self.max_duration_value(
                        &value,
                        init.get_inner_expression().span(),
                        "maxDuration",
                    )?);
                }
            }
        }
        Ok(())
    }

    fn runtime_value(&self, value: &Value, span: Span, path: &str) -> Result<String, CompileError> {
        match value.as_str() {
            Some(s) if VALID_RUNTIMES.contains(&s) => Ok(s.to_owned()),
            _ => {
                let shown = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                Err(self.error(
                    span,
                    format!(
                        "`{path}` has an invalid value: unknown variant `{shown}`, expected one of `nodejs`, `edge`, `experimental-edge`"
                    ),
                ))
            }
        }
    }

    fn max_duration_value(
        &self,
        value: &Value,
        span: Span,
        path: &str,
    ) -> Result<f64, CompileError> {
        value.as_f64().ok_or_else(|| {
            self.error(
                span,
                format!("`{path}` must be a number (seconds), got `{value}`"),
            )
        })
    }

    /// Evaluates a literal. `Ok(None)` is `undefined`.
    fn value(&mut self, expr: &Expression<'a>, path: &str) -> Result<Option<Value>, CompileError> {
        let expr = expr.get_inner_expression();
        let value = match expr {
            Expression::StringLiteral(lit) => Value::String(lit.value.to_string()),
            Expression::BooleanLiteral(lit) => Value::Bool(lit.value),
            Expression::NullLiteral(_) => Value::Null,
            Expression::NumericLiteral(lit) => self.number(lit.value, lit.span, path)?,
            Expression::UnaryExpression(unary)
                if matches!(
                    unary.operator,
                    UnaryOperator::UnaryNegation | UnaryOperator::UnaryPlus
                ) && matches!(
                    unary.argument.get_inner_expression(),
                    Expression::NumericLiteral(_)
                ) =>
            {
                let Expression::NumericLiteral(lit) = unary.argument.get_inner_expression() else {
                    unreachable!("checked by the guard")
                };
                let n = if unary.operator == UnaryOperator::UnaryNegation {
                    -lit.value
                } else {
                    lit.value
                };
                self.number(n, unary.span, path)?
            }
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
                match t.quasis.first().and_then(|q| q.value.cooked) {
                    Some(cooked) => Value::String(cooked.to_string()),
                    None if t.quasis.is_empty() => Value::String(String::new()),
                    None => {
                        return Err(self.unsupported(
                            path,
                            t.span,
                            "the template literal has an invalid escape",
                        ));
                    }
                }
            }
            Expression::Identifier(ident) if ident.name == "undefined" => return Ok(None),
            Expression::ArrayExpression(array) => {
                let mut items = Vec::with_capacity(array.elements.len());
                for (i, element) in array.elements.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    match element {
                        ArrayExpressionElement::SpreadElement(spread) => {
                            return Err(self.spread(&item_path, spread.span));
                        }
                        ArrayExpressionElement::Elision(_) => items.push(Value::Null),
                        _ => {
                            let Some(expr) = element.as_expression() else {
                                continue;
                            };
                            items.push(self.value(expr, &item_path)?.unwrap_or(Value::Null));
                        }
                    }
                }
                Value::Array(items)
            }
            Expression::ObjectExpression(object) => {
                let mut map = Map::new();
                for property in &object.properties {
                    let prop = match property {
                        ObjectPropertyKind::SpreadProperty(spread) => {
                            return Err(self.spread(path, spread.span));
                        }
                        ObjectPropertyKind::ObjectProperty(prop) => prop,
                    };
                    let key_text = self.snippet(prop.key.span());
                    if prop.computed {
                        return Err(self.unsupported(
                            &format!("{path}[{key_text}]"),
                            prop.key.span(),
                            "computed keys (`[key]: …`) are not allowed",
                        ));
                    }
                    let Some(key) = prop.key.static_name() else {
                        return Err(self.unsupported(
                            path,
                            prop.key.span(),
                            "the property key is not a name",
                        ));
                    };
                    let prop_path = format!("{path}.{key}");
                    if prop.kind != PropertyKind::Init {
                        return Err(self.unsupported(
                            &prop_path,
                            prop.span,
                            "it is a getter/setter",
                        ));
                    }
                    if prop.method {
                        return Err(self.unsupported(&prop_path, prop.span, "it is a method"));
                    }
                    let value_expr = prop.value.get_inner_expression();
                    let Some(value) = self.value(&prop.value, &prop_path)? else {
                        continue;
                    };
                    match prop_path.as_str() {
                        "config.runtime" => {
                            self.config_runtime =
                                Some(self.runtime_value(&value, value_expr.span(), &prop_path)?);
                        }
                        "config.maxDuration" => {
                            self.config_max_duration = Some(self.max_duration_value(
                                &value,
                                value_expr.span(),
                                &prop_path,
                            )?);
                        }
                        _ => {}
                    }
                    map.insert(key.into_owned(), value);
                }
                Value::Object(map)
            }
            other => {
                let what = self.describe(other);
                return Err(self.unsupported(path, other.span(), &what));
            }
        };
        Ok(Some(value))
    }

    fn number(&self, n: f64, span: Span, path: &str) -> Result<Value, CompileError> {
        // 2^53: integers up to here are exact in f64.
        const MAX_SAFE: f64 = 9_007_199_254_740_992.0;
        if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
            return Ok(Value::from(n as i64));
        }
        serde_json::Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| self.unsupported(path, span, "the number is not finite"))
    }

    fn describe(&self, expr: &Expression<'a>) -> String {
        let text = self.snippet(expr.span());
        let kind = match expr {
            Expression::Identifier(_) => "an identifier",
            Expression::CallExpression(_) => "a function call",
            Expression::NewExpression(_) => "a `new` expression",
            Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
                "a function"
            }
            Expression::ClassExpression(_) => "a class",
            Expression::TemplateLiteral(_) | Expression::TaggedTemplateExpression(_) => {
                "a template literal with `${}` substitutions"
            }
            Expression::BigIntLiteral(_) => "a BigInt",
            Expression::RegExpLiteral(_) => "a regular expression",
            Expression::ConditionalExpression(_) => "a conditional expression",
            Expression::BinaryExpression(_)
            | Expression::LogicalExpression(_)
            | Expression::UnaryExpression(_) => "an operator expression",
            Expression::AwaitExpression(_) => "an `await` expression",
            _ if expr.is_member_expression() => "a member expression",
            _ => "not a literal",
        };
        format!("`{text}` is {kind}")
    }

    fn snippet(&self, span: Span) -> String {
        snippet(self.source, span)
    }

    fn unsupported(&self, path: &str, span: Span, what: &str) -> CompileError {
        let root = path.split(['.', '[']).next().unwrap_or(path);
        self.error(
            span,
            format!(
                "unsupported value for `{path}`: {what}; Next.js reads `{root}` statically, so it must be a literal (string, number, boolean, object or array). Fix: inline the value."
            ),
        )
    }

    fn spread(&self, path: &str, span: Span) -> CompileError {
        let root = path.split(['.', '[']).next().unwrap_or(path);
        let text = self.snippet(span);
        self.error(
            span,
            format!(
                "Next.js can't recognize the exported `{root}` field: `{path}` contains an unsupported spread (`{text}`); it is read statically, so it must be an object literal. Fix: write the properties out."
            ),
        )
    }

    fn error(&self, span: Span, message: String) -> CompileError {
        let pos = position(self.source, span.start, span.end);
        CompileError::Config {
            file: self.file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            message,
            code_frame: pos.code_frame,
        }
    }
}

fn module_export_name(name: &ModuleExportName<'_>) -> String {
    match name {
        ModuleExportName::IdentifierName(id) => id.name.to_string(),
        ModuleExportName::IdentifierReference(id) => id.name.to_string(),
        ModuleExportName::StringLiteral(lit) => lit.value.to_string(),
    }
}

/// The source text at `span` on one line, shortened to 40 characters (for messages).
pub(crate) fn snippet(source: &str, span: Span) -> String {
    let text = source
        .get(span.start as usize..span.end as usize)
        .unwrap_or_default();
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 40 {
        let short: String = one_line.chars().take(37).collect();
        format!("{short}...")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn extract(src: &str) -> Result<StaticExports, CompileError> {
        extract_static_exports(Path::new("pages/api/t.ts"), src)
    }

    #[test]
    fn reads_nested_literals_in_source_order() {
        let got = extract(
            "export const config = { api: { bodyParser: { sizeLimit: '1mb' }, responseLimit: -1, externalResolver: true }, list: [`a`, null, undefined], skip: undefined } satisfies X;\nexport default function h() {}",
        )
        .unwrap();
        assert_eq!(
            got.config,
            Some(
                json!({"api": {"bodyParser": {"sizeLimit": "1mb"}, "responseLimit": -1, "externalResolver": true}, "list": ["a", null, null]})
            )
        );
        let keys: Vec<_> = got
            .config
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["api", "list"]);
        assert!(got.has_default_export);
        assert_eq!(got.named_exports, ["config"]);
    }

    #[test]
    fn identifier_error_names_the_path() {
        let err = extract("const size = '2mb';\nexport const config = { api: { bodyParser: { sizeLimit: size } } };").unwrap_err();
        assert_eq!(
            err.to_string(),
            "pages/api/t.ts:2:57: unsupported value for `config.api.bodyParser.sizeLimit`: `size` is an identifier; Next.js reads `config` statically, so it must be a literal (string, number, boolean, object or array). Fix: inline the value."
        );
    }

    #[test]
    fn segment_config_is_read_and_its_problems_kept() {
        let got = extract(
            "export const dynamic = 'force-static';\nconst r = 60;\nexport { r as revalidate };\nexport let fetchCache = 'auto';\nexport const preferredRegion = ['iad1'];\nexport const dynamicParams = flag;\nexport async function GET() {}\n",
        )
        .unwrap();
        assert_eq!(got.segment.len(), 5, "{:?}", got.segment);
        assert_eq!(
            got.segment[0],
            ("dynamic".into(), Ok(json!("force-static")))
        );
        assert_eq!(got.segment[1], ("revalidate".into(), Ok(json!(60))));
        let (name, fetch_cache) = &got.segment[2];
        assert_eq!(name, "fetchCache");
        assert!(
            fetch_cache
                .as_ref()
                .unwrap_err()
                .message
                .contains("declared with `let`")
        );
        assert_eq!(
            got.segment[3],
            ("preferredRegion".into(), Ok(json!(["iad1"])))
        );
        let (name, problem) = &got.segment[4];
        assert_eq!(name, "dynamicParams");
        let problem = problem.as_ref().unwrap_err();
        assert_eq!((problem.line, problem.column), (6, 30));
        assert!(
            problem.message.contains("`flag` is an identifier"),
            "{problem:?}"
        );
        assert!(got.named_exports.contains(&"GET".to_string()));
    }

    #[test]
    fn let_config_is_rejected() {
        let err = extract("export let config = {};").unwrap_err();
        assert!(err.to_string().contains("declared with `let`"), "{err}");
    }

    #[test]
    fn reexported_local_const() {
        let got =
            extract("const c = { maxDuration: 3 } as const;\nexport { c as config };").unwrap();
        assert_eq!(got.config, Some(json!({"maxDuration": 3})));
        assert_eq!(got.max_duration, Some(3.0));
    }

    #[test]
    fn commonjs_default() {
        let got = extract("module.exports = function (req, res) {};").unwrap();
        assert!(got.has_default_export);
    }
}

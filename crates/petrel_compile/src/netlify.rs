//! Static analysis of a Netlify Function entry file: which handler API it uses (v1 `handler` or
//! v2 default export), its in-source `config` and the cron of the v1 `schedule()` helper — read
//! from the syntax tree without running anything, the way Netlify's build (zip-it-and-ship-it)
//! reads them. See [`extract_netlify_exports`] for the rules, including where they deliberately
//! differ from Netlify.
//!
//! Unlike [`crate::extract_static_exports`] (Next.js, where a non-literal `config` fails the
//! build), Netlify silently drops what it cannot read; here such drops are reported as
//! [`NetlifyWarning`]s and only a syntax error is an `Err`.

use std::{collections::HashMap, fmt, path::Path};

use oxc::{
    allocator::Allocator,
    ast::ast::{
        ArrayExpressionElement, AssignmentOperator, AssignmentTarget, BindingPattern,
        CallExpression, Declaration, ExportDefaultDeclarationKind, Expression,
        ImportDeclarationSpecifier, ModuleExportName, ObjectExpression, ObjectPropertyKind,
        Program, PropertyKey, PropertyKind, Statement, UnaryOperator, VariableDeclaration,
    },
    span::{GetSpan, Span},
};
use serde_json::{Map, Value};

use crate::{config::parse_for_analysis, error::position, is_identifier_name};

/// The module Netlify's `schedule` helper is imported from.
const FUNCTIONS_MODULE: &str = "@netlify/functions";

/// Netlify's build error when `schedule` is imported from `@netlify/functions` but the exported
/// `handler` is not a call to it.
pub const SCHEDULE_UNUSED_ERROR: &str = "The `schedule` helper was imported but we couldn't find any usages. If you meant to schedule a function, please check that `schedule` is invoked and `handler` correctly exported.";

/// Netlify's build error when the first argument of `schedule(…)` is not a string literal (or an
/// identifier bound to one in the same file).
pub const SCHEDULE_CRON_ERROR: &str = "Unable to find cron expression for scheduled function. The cron expression (first argument) for the `schedule` helper needs to be accessible inside the file and cannot be imported.";

/// Which Netlify Functions handler API a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetlifyApi {
    /// Lambda-compatible `handler(event, context)` (named `handler` export), also the fallback
    /// when a file has neither a `handler` nor a default export.
    V1,
    /// Web-standard `export default async (req: Request, context) => Response`.
    V2,
}

/// A problem that did not stop the analysis, typically a `config` property Netlify drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetlifyWarning {
    /// 1-based line of the offending source.
    pub line: u32,
    /// 1-based column (in Unicode scalar values) of the offending source.
    pub column: u32,
    /// What is wrong (naming the property path, e.g. `config.rateLimit.windowSize`), what
    /// Netlify does with it, and how to fix it.
    pub message: String,
}

impl fmt::Display for NetlifyWarning {
    /// `line:column: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// What a Netlify Function entry file exports, as far as Netlify's build can know statically.
#[derive(Debug, Clone, PartialEq)]
pub struct NetlifyExports {
    /// [`NetlifyApi::V2`] ⇔ `has_default && !has_handler`; otherwise [`NetlifyApi::V1`] (a file
    /// with both is v1; with neither, v1).
    pub api: NetlifyApi,
    /// A named `handler` export: `export const handler`, `export function handler`,
    /// `export { handler }`, `export { x as handler }`, `export { handler } from "…"`,
    /// `export * as handler from "…"`,
    /// `exports.handler = …`, `module.exports.handler = …`, or a `handler` key in
    /// `module.exports = { handler, … }` / `module.exports = { handler: … }`.
    pub has_handler: bool,
    /// A default export: `export default …`, `export { x as default }`,
    /// `export { default } from "…"`, `export * as default from "…"`, `exports.default = …`,
    /// `module.exports.default = …`.
    /// (`module.exports = …` is not a default export.)
    pub has_default: bool,
    /// The in-source `config` object of a v2 function, with Netlify's literal rules (see
    /// [`extract_netlify_exports`]); `None` for v1 functions (Netlify ignores `config` there),
    /// when there is no `config` export, or when it is not an object literal.
    pub config: Option<Value>,
    /// Problems that did not stop reading, in source order of discovery.
    pub warnings: Vec<NetlifyWarning>,
    /// The v1 `schedule(cron, handler)` helper of `@netlify/functions`: `None` when `schedule`
    /// is not imported (or the function is v2, where Netlify does not look at it),
    /// `Some(Ok(cron))` when the exported `handler` is `schedule("<cron>", fn)`, and
    /// `Some(Err(message))` with Netlify's build error ([`SCHEDULE_UNUSED_ERROR`] or
    /// [`SCHEDULE_CRON_ERROR`]) otherwise.
    pub schedule_helper: Option<Result<String, String>>,
}

/// Reads the Netlify exports of a function entry file. `file` selects the source type by
/// extension (`.mts`/`.mjs` are modules, `.cjs` CommonJS, `.ts`/`.js` either; TypeScript+JSX when
/// the extension is unknown) and is used, as given, in syntax errors.
///
/// # v1 or v2
///
/// v2 when the file has a default export and no named `handler` export (see the fields of
/// [`NetlifyExports`] for the recognised forms), v1 otherwise. Only top-level statements count.
///
/// # `config` literal rules (Netlify's)
///
/// Read for v2 functions only, from `export const config = {…}` (any declaration keyword, with
/// or without a type annotation such as `: Config`), `export { config }` / `export { c as config }`
/// of a top-level variable, `exports.config = {…}` or `module.exports.config = {…}` (the last one
/// in the file wins). Accepted values, recursively: string, number and boolean literals, `null`,
/// `!0` (`true`) and `!1` (`false`), arrays and object literals. Object keys are names or string
/// literals; later duplicates win; key order is kept.
///
/// Everything else is dropped, as Netlify drops it, with a warning naming the property path:
/// identifiers (including imported values), template literals (even without `${}`), calls,
/// member expressions, operators (including `-1`), functions, methods and getters/setters,
/// spreads, computed and numeric keys. An array element that is not a literal becomes `null`
/// (Netlify reads it as `undefined`, which normally makes the value invalid). `undefined`
/// itself is dropped silently (an object property) or becomes `null` (an array element).
///
/// A `config` that is not an object literal (an identifier, a call, a re-export from another
/// module), or a `config` in a v1 file, is ignored with a warning.
///
/// Deliberate superset of Netlify: TypeScript wrappers and parentheses — `satisfies Config`,
/// `as const`, `as Config`, `<Config>{…}`, `x!` — are looked through, at any depth. A top-level
/// `satisfies` gets a warning, because Netlify's build ignores a `config` written
/// `{…} satisfies Config` (reference §3.1) and the function would behave differently there.
///
/// # `schedule` helper (v1)
///
/// `schedule` counts as imported through `import { schedule } from "@netlify/functions"` (or
/// `{ schedule as s }`), `const { schedule } = require("@netlify/functions")` (or
/// `{ schedule: s }`), and — beyond what Netlify's build recognises —
/// `const s = require("@netlify/functions").schedule`. For a v1 file that imports it, the
/// exported `handler` must be a call `schedule(cron, fn)` written as
/// `export const handler = schedule(…)`, `exports.handler = schedule(…)`,
/// `module.exports.handler = schedule(…)`, or `export { h as handler }` of a top-level
/// `h = schedule(…)`. The cron is a string literal, or an identifier whose top-level binding (the
/// last `const`/`let`/`var` initialiser or plain assignment, as Netlify resolves it) is a string
/// literal. A template literal, an imported or otherwise non-literal cron is
/// [`SCHEDULE_CRON_ERROR`]; no such call is [`SCHEDULE_UNUSED_ERROR`] (Netlify also does not
/// see `module.exports = { handler: schedule(…) }` or `exports.handler = h` — a warning then
/// explains how to write it).
///
/// # Errors
///
/// [`CompileError::Syntax`] when the file does not parse; nothing else (see `warnings`).
///
/// [`CompileError::Syntax`]: crate::CompileError::Syntax
pub fn extract_netlify_exports(
    file: &Path,
    source: &str,
) -> Result<NetlifyExports, crate::CompileError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let allocator = Allocator::default();
    let program = parse_for_analysis(&allocator, file, source)?;
    let mut analyzer = Analyzer::new(source);
    analyzer.scan_bindings(&program);
    analyzer.scan_exports(&program);
    Ok(analyzer.finish())
}

/// An exported `handler` whose value is known.
struct HandlerSite<'s, 'a> {
    /// The value as Netlify sees it (a binding is already resolved for `export { h as handler }`).
    value: &'s Expression<'a>,
    /// Whether Netlify's build looks at this form when searching for `schedule(…)`.
    seen_by_netlify: bool,
    at: Span,
}

/// Where the `config` export's value comes from.
enum ConfigValue<'s, 'a> {
    Expr(&'s Expression<'a>),
    /// `export { x as config }` with no top-level initialised variable `x`.
    Unbound(&'a str),
    /// `export { config } from "<source>"`.
    ReExported(&'a str),
    /// `export function config` / `export class config`.
    Declaration(&'static str),
}

struct ConfigSite<'s, 'a> {
    value: ConfigValue<'s, 'a>,
    at: Span,
}

/// Why a value is not a Netlify literal.
struct NonLiteral {
    /// "`P` is an identifier".
    what: String,
    /// A literal the user probably meant (for a plain template literal).
    suggestion: Option<String>,
}

struct Analyzer<'s, 'a> {
    source: &'s str,
    /// Top-level variable initialisers and plain assignments (the last one wins).
    bindings: HashMap<&'a str, &'s Expression<'a>>,
    /// Local name → module specifier of every value import (ESM) and CommonJS destructuring of
    /// `require("…")`.
    imports: HashMap<&'a str, &'a str>,
    /// Local names of the `schedule` helper, with where each was imported.
    schedule_locals: Vec<(&'a str, Span)>,
    has_handler: bool,
    has_default: bool,
    handlers: Vec<HandlerSite<'s, 'a>>,
    config: Option<ConfigSite<'s, 'a>>,
    warnings: Vec<NetlifyWarning>,
}

impl<'s, 'a> Analyzer<'s, 'a> {
    fn new(source: &'s str) -> Self {
        Self {
            source,
            bindings: HashMap::new(),
            imports: HashMap::new(),
            schedule_locals: Vec::new(),
            has_handler: false,
            has_default: false,
            handlers: Vec::new(),
            config: None,
            warnings: Vec::new(),
        }
    }

    /// First pass: bindings, imports and the `schedule` helper's local names.
    fn scan_bindings(&mut self, program: &'s Program<'a>) {
        for stmt in &program.body {
            match stmt {
                Statement::VariableDeclaration(var) => self.variable_bindings(var),
                Statement::ExportDeclaration(export) => {
                    if let Declaration::VariableDeclaration(var) = &export.declaration {
                        self.variable_bindings(var);
                    }
                }
                Statement::ExpressionStatement(stmt) => {
                    if let Expression::AssignmentExpression(assign) = &stmt.expression
                        && assign.operator == AssignmentOperator::Assign
                        && let AssignmentTarget::AssignmentTargetIdentifier(ident) = &assign.left
                    {
                        self.bindings.insert(ident.name.as_str(), &assign.right);
                    }
                }
                Statement::ImportDeclaration(import) if import.import_kind.is_value() => {
                    let from = import.source.value.as_str();
                    for spec in import.specifiers.iter().flatten() {
                        let local = match spec {
                            ImportDeclarationSpecifier::ImportSpecifier(spec) => {
                                if !spec.import_kind.is_value() {
                                    continue;
                                }
                                if from == FUNCTIONS_MODULE
                                    && export_name(&spec.imported) == "schedule"
                                {
                                    self.schedule_locals
                                        .push((spec.local.name.as_str(), spec.span));
                                }
                                &spec.local
                            }
                            ImportDeclarationSpecifier::ImportDefaultSpecifier(spec) => &spec.local,
                            ImportDeclarationSpecifier::ImportNamespaceSpecifier(spec) => {
                                &spec.local
                            }
                        };
                        self.imports.insert(local.name.as_str(), from);
                    }
                }
                _ => {}
            }
        }
    }

    fn variable_bindings(&mut self, var: &'s VariableDeclaration<'a>) {
        if var.declare {
            return;
        }
        for declarator in &var.declarations {
            let Some(init) = &declarator.init else {
                continue;
            };
            match &declarator.id {
                BindingPattern::BindingIdentifier(ident) => {
                    self.bindings.insert(ident.name.as_str(), init);
                    // `const s = require("@netlify/functions").schedule` (not seen by Netlify).
                    if let Expression::StaticMemberExpression(member) = init.get_inner_expression()
                        && member.property.name == "schedule"
                        && require_of(&member.object).is_some_and(|m| m == FUNCTIONS_MODULE)
                    {
                        self.schedule_locals
                            .push((ident.name.as_str(), declarator.span));
                    }
                }
                BindingPattern::ObjectPattern(pattern) => {
                    let Some(from) = require_of(init) else {
                        continue;
                    };
                    for prop in &pattern.properties {
                        let BindingPattern::BindingIdentifier(local) = &prop.value else {
                            continue;
                        };
                        self.imports.insert(local.name.as_str(), from);
                        if from == FUNCTIONS_MODULE
                            && !prop.computed
                            && property_key_name(&prop.key) == Some("schedule")
                        {
                            self.schedule_locals.push((local.name.as_str(), prop.span));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Second pass: the exports.
    fn scan_exports(&mut self, program: &'s Program<'a>) {
        for stmt in &program.body {
            match stmt {
                Statement::ExportDeclaration(export) => {
                    self.export_declaration(&export.declaration)
                }
                Statement::ExportNamedDeclaration(export) if export.export_kind.is_value() => {
                    for spec in &export.specifiers {
                        if !spec.export_kind.is_value() {
                            continue;
                        }
                        let local = export_name(&spec.local);
                        match export_name(&spec.exported) {
                            "handler" => {
                                self.has_handler = true;
                                if let Some(value) = self.bindings.get(local).copied() {
                                    self.handlers.push(HandlerSite {
                                        value,
                                        seen_by_netlify: true,
                                        at: spec.span,
                                    });
                                }
                            }
                            "default" => self.has_default = true,
                            "config" => {
                                let value = self
                                    .bindings
                                    .get(local)
                                    .map_or(ConfigValue::Unbound(local), |e| ConfigValue::Expr(e));
                                self.config = Some(ConfigSite {
                                    value,
                                    at: spec.span,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                Statement::ExportFromDeclaration(export) if export.export_kind.is_value() => {
                    for spec in &export.specifiers {
                        if !spec.export_kind.is_value() {
                            continue;
                        }
                        match export_name(&spec.exported) {
                            "handler" => self.has_handler = true,
                            "default" => self.has_default = true,
                            "config" => {
                                self.config = Some(ConfigSite {
                                    value: ConfigValue::ReExported(export.source.value.as_str()),
                                    at: spec.span,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                Statement::ExportAllDeclaration(export) if export.export_kind.is_value() => {
                    match export.exported.as_ref().map(export_name) {
                        Some("default") => self.has_default = true,
                        Some("handler") => self.has_handler = true,
                        _ => {}
                    }
                }
                Statement::ExportDefaultDeclaration(export)
                    if !matches!(
                        export.declaration,
                        ExportDefaultDeclarationKind::TSInterfaceDeclaration(_)
                    ) =>
                {
                    self.has_default = true;
                }
                Statement::ExpressionStatement(stmt) => {
                    if let Expression::AssignmentExpression(assign) = &stmt.expression
                        && assign.operator == AssignmentOperator::Assign
                    {
                        self.assignment(&assign.left, &assign.right);
                    }
                }
                _ => {}
            }
        }
    }

    fn export_declaration(&mut self, decl: &'s Declaration<'a>) {
        match decl {
            Declaration::VariableDeclaration(var) if !var.declare => {
                for declarator in &var.declarations {
                    if declarator
                        .id
                        .get_binding_identifiers()
                        .iter()
                        .any(|ident| ident.name == "handler")
                    {
                        self.has_handler = true;
                    }
                    let (BindingPattern::BindingIdentifier(ident), Some(init)) =
                        (&declarator.id, &declarator.init)
                    else {
                        continue;
                    };
                    match ident.name.as_str() {
                        "handler" => self.handlers.push(HandlerSite {
                            value: init,
                            seen_by_netlify: true,
                            at: ident.span,
                        }),
                        "config" => {
                            self.config = Some(ConfigSite {
                                value: ConfigValue::Expr(init),
                                at: ident.span,
                            });
                        }
                        _ => {}
                    }
                }
            }
            Declaration::FunctionDeclaration(func) if !func.is_typescript_syntax() => {
                if let Some(id) = &func.id {
                    self.named_declaration(id.name.as_str(), id.span, "a function");
                }
            }
            Declaration::ClassDeclaration(class) if !class.declare => {
                if let Some(id) = &class.id {
                    self.named_declaration(id.name.as_str(), id.span, "a class");
                }
            }
            _ => {}
        }
    }

    fn named_declaration(&mut self, name: &str, at: Span, what: &'static str) {
        match name {
            "handler" => self.has_handler = true,
            "config" => {
                self.config = Some(ConfigSite {
                    value: ConfigValue::Declaration(what),
                    at,
                });
            }
            _ => {}
        }
    }

    /// `exports.x = …`, `module.exports.x = …`, `module.exports = { … }` at the top level.
    fn assignment(&mut self, left: &'s AssignmentTarget<'a>, right: &'s Expression<'a>) {
        let AssignmentTarget::StaticMemberExpression(member) = left else {
            return;
        };
        let mut path = Vec::new();
        if !dotted_path(&member.object, &mut path) {
            return;
        }
        path.push(member.property.name.as_str());
        let name = match path.as_slice() {
            ["exports", name] | ["module", "exports", name] => *name,
            ["module", "exports"] => {
                self.module_exports_object(right);
                return;
            }
            _ => return,
        };
        match name {
            "handler" => {
                self.has_handler = true;
                self.handlers.push(HandlerSite {
                    value: right,
                    seen_by_netlify: true,
                    at: member.span(),
                });
            }
            "default" => self.has_default = true,
            "config" => {
                self.config = Some(ConfigSite {
                    value: ConfigValue::Expr(right),
                    at: member.span(),
                });
            }
            _ => {}
        }
    }

    /// `module.exports = { handler, … }` / `{ handler: … }`.
    fn module_exports_object(&mut self, right: &'s Expression<'a>) {
        let Expression::ObjectExpression(object) = right.get_inner_expression() else {
            return;
        };
        for property in &object.properties {
            let ObjectPropertyKind::ObjectProperty(prop) = property else {
                continue;
            };
            if prop.computed || property_key_name(&prop.key) != Some("handler") {
                continue;
            }
            self.has_handler = true;
            if prop.kind == PropertyKind::Init && !prop.method {
                self.handlers.push(HandlerSite {
                    value: &prop.value,
                    seen_by_netlify: false,
                    at: prop.span,
                });
            }
        }
    }

    fn finish(mut self) -> NetlifyExports {
        let api = if self.has_default && !self.has_handler {
            NetlifyApi::V2
        } else {
            NetlifyApi::V1
        };
        let config = match (self.config.take(), api) {
            (None, _) => None,
            (Some(site), NetlifyApi::V2) => self.read_config(site),
            (Some(site), NetlifyApi::V1) => {
                self.warn(
                    site.at,
                    "`config` is ignored: this is a v1 function (it exports a named `handler`, or has no default export), and Netlify reads the in-source `config` only for v2 functions (a default export and no `handler` export). Fix: for a v1 function, set options in netlify.toml under `[functions.\"<name>\"]` (and use the `schedule` helper for a cron), or migrate to a v2 `export default` handler.".to_owned(),
                );
                None
            }
        };
        let schedule_helper = self.schedule_helper(api);
        NetlifyExports {
            api,
            has_handler: self.has_handler,
            has_default: self.has_default,
            config,
            warnings: self.warnings,
            schedule_helper,
        }
    }

    fn schedule_helper(&mut self, api: NetlifyApi) -> Option<Result<String, String>> {
        let &(_, imported_at) = self.schedule_locals.first()?;
        if api == NetlifyApi::V2 {
            self.warn(
                imported_at,
                "the `schedule` helper of `@netlify/functions` is imported, but this is a v2 function (a default export and no `handler` export), so Netlify ignores the helper and the function is not scheduled. Fix: declare the cron in the config, `export const config = { schedule: \"@hourly\" }`.".to_owned(),
            );
            return None;
        }
        let mut found = false;
        let mut cron = None;
        let mut near_misses = Vec::new();
        for site in &self.handlers {
            if site.seen_by_netlify
                && let Some(call) = self.schedule_call(site.value)
            {
                found = true;
                if let Some(value) = self.cron_of(call) {
                    cron = Some(value);
                }
                continue;
            }
            // What Netlify does not see: `exports.handler = h` with `h = schedule(…)`, or
            // `module.exports = { handler: schedule(…) }`.
            let resolved = match site.value.get_inner_expression() {
                Expression::Identifier(ident) => self.bindings.get(ident.name.as_str()).copied(),
                other => Some(other),
            };
            if resolved.is_some_and(|value| self.schedule_call(value).is_some()) {
                near_misses.push(site.at);
            }
        }
        if let Some(cron) = cron {
            return Some(Ok(cron));
        }
        if found {
            return Some(Err(SCHEDULE_CRON_ERROR.to_owned()));
        }
        for at in near_misses {
            self.warn(
                at,
                "the exported `handler` is a `schedule(…)` call, but Netlify only finds it when it is written `export const handler = schedule(…)`, `exports.handler = schedule(…)` or `module.exports.handler = schedule(…)` (not inside `module.exports = { … }`, nor through another variable), so its build fails. Fix: write it in one of those forms.".to_owned(),
            );
        }
        Some(Err(SCHEDULE_UNUSED_ERROR.to_owned()))
    }

    /// `value` as a call of the `schedule` helper.
    fn schedule_call(&self, value: &'s Expression<'a>) -> Option<&'s CallExpression<'a>> {
        let Expression::CallExpression(call) = value.get_inner_expression() else {
            return None;
        };
        let Expression::Identifier(callee) = call.callee.get_inner_expression() else {
            return None;
        };
        self.schedule_locals
            .iter()
            .any(|(local, _)| *local == callee.name.as_str())
            .then_some(&**call)
    }

    fn cron_of(&self, call: &CallExpression<'a>) -> Option<String> {
        let mut arg = call
            .arguments
            .first()?
            .as_expression()?
            .get_inner_expression();
        if let Expression::Identifier(ident) = arg
            && !self.imports.contains_key(ident.name.as_str())
            && let Some(bound) = self.bindings.get(ident.name.as_str())
        {
            arg = bound.get_inner_expression();
        }
        match arg {
            Expression::StringLiteral(lit) => Some(lit.value.to_string()),
            _ => None,
        }
    }

    fn read_config(&mut self, site: ConfigSite<'s, 'a>) -> Option<Value> {
        let expr = match site.value {
            ConfigValue::Expr(expr) => {
                if matches!(
                    expr.without_parentheses(),
                    Expression::TSSatisfiesExpression(_)
                ) {
                    self.warn(
                        site.at,
                        "`config` is written `{ … } satisfies Config`: Petrel reads it, but Netlify's build ignores a config written this way (the function would get no path on Netlify). Fix: write `export const config: Config = { … }`.".to_owned(),
                    );
                }
                expr.get_inner_expression()
            }
            ConfigValue::Unbound(local) => {
                let what = match self.imports.get(local) {
                    Some(from) => format!("imported from \"{from}\""),
                    None => "not a top-level variable initialised in this file".to_owned(),
                };
                self.warn(
                    site.at,
                    format!(
                        "`config` is ignored: it is exported from `{local}`, which is {what}; Netlify reads `config` statically from the function file. Fix: declare `export const config = {{ … }}` with literal values in this file."
                    ),
                );
                return None;
            }
            ConfigValue::ReExported(from) => {
                self.warn(
                    site.at,
                    format!(
                        "`config` is ignored: it is re-exported from \"{from}\", and Netlify reads `config` statically from the function file itself. Fix: declare `export const config = {{ … }}` with literal values in this file."
                    ),
                );
                return None;
            }
            ConfigValue::Declaration(what) => {
                self.warn(
                    site.at,
                    format!(
                        "`config` is ignored: it is {what}, and Netlify reads only an object literal (`export const config = {{ … }}`). Fix: export an object literal with literal values."
                    ),
                );
                return None;
            }
        };
        match expr {
            Expression::ObjectExpression(object) => Some(self.object(object, "config")),
            Expression::Identifier(ident) if ident.name == "undefined" => None,
            other => {
                let reason = self.non_literal(other);
                self.warn(
                    other.span(),
                    format!(
                        "`config` is ignored: {}, not an object literal, and Netlify reads the in-source `config` statically, only from an object literal with literal values. Fix: write the object inline, `export const config = {{ path: \"/api/example\" }}`.",
                        reason.what
                    ),
                );
                None
            }
        }
    }

    fn object(&mut self, object: &'s ObjectExpression<'a>, path: &str) -> Value {
        let mut map = Map::new();
        for property in &object.properties {
            let prop = match property {
                ObjectPropertyKind::SpreadProperty(spread) => {
                    let text = self.snippet(spread.span);
                    self.warn(
                        spread.span,
                        format!(
                            "`{path}`: the spread `{text}` is ignored; Netlify reads `config` statically and drops spread properties, so none of the spread properties are used. Fix: write the properties out with literal values."
                        ),
                    );
                    continue;
                }
                ObjectPropertyKind::ObjectProperty(prop) => prop,
            };
            if prop.computed {
                let key = self.snippet(prop.key.span());
                self.warn(
                    prop.key.span(),
                    format!(
                        "`{path}[{key}]` is ignored: Netlify reads `config` statically and drops properties with a computed key (`[{key}]: …`). Fix: write the key as a plain name or string, e.g. `path: …`."
                    ),
                );
                continue;
            }
            let Some(key) = property_key_name(&prop.key) else {
                let key = self.snippet(prop.key.span());
                self.warn(
                    prop.key.span(),
                    format!(
                        "`{path}` property `{key}` is ignored: Netlify reads only keys that are names or strings. Fix: quote the key (`\"{key}\": …`)."
                    ),
                );
                continue;
            };
            let prop_path = join_key(path, key);
            if prop.kind != PropertyKind::Init || prop.method {
                let what = if prop.method {
                    "a method"
                } else {
                    "a getter/setter"
                };
                self.warn(
                    prop.span,
                    format!(
                        "`{prop_path}` is ignored: it is {what}, and Netlify reads `config` statically and drops any property whose value is not a literal. Fix: write `{key}: <literal>` (a string, number, boolean, null, array or object literal)."
                    ),
                );
                continue;
            }
            let value = prop.value.get_inner_expression();
            if value.is_specific_id("undefined") {
                continue;
            }
            match self.literal(value, &prop_path) {
                Ok(v) => {
                    map.insert(key.to_owned(), v);
                }
                Err(reason) => {
                    let fix = reason.suggestion.map_or_else(
                        || "write the value inline as a literal (a string, number, boolean, null, array or object literal)".to_owned(),
                        |s| format!("use the literal {s}"),
                    );
                    self.warn(
                        value.span(),
                        format!(
                            "`{prop_path}` is ignored: {}; Netlify reads `config` statically and drops any property whose value is not a literal. Fix: {fix}.",
                            reason.what
                        ),
                    );
                }
            }
        }
        Value::Object(map)
    }

    /// A Netlify literal. Nested objects and arrays report their own dropped parts and never fail.
    fn literal(&mut self, expr: &'s Expression<'a>, path: &str) -> Result<Value, NonLiteral> {
        let expr = expr.get_inner_expression();
        match expr {
            Expression::StringLiteral(lit) => Ok(Value::String(lit.value.to_string())),
            Expression::BooleanLiteral(lit) => Ok(Value::Bool(lit.value)),
            Expression::NullLiteral(_) => Ok(Value::Null),
            Expression::NumericLiteral(lit) => number(lit.value).ok_or_else(|| NonLiteral {
                what: format!("`{}` is not a finite number", self.snippet(lit.span)),
                suggestion: None,
            }),
            // Minifiers write `true` as `!0` and `false` as `!1`; Netlify reads those.
            Expression::UnaryExpression(unary)
                if unary.operator == UnaryOperator::LogicalNot
                    && matches!(
                        unary.argument.get_inner_expression(),
                        Expression::NumericLiteral(_)
                    ) =>
            {
                let Expression::NumericLiteral(lit) = unary.argument.get_inner_expression() else {
                    unreachable!("checked by the guard")
                };
                Ok(Value::Bool(lit.value == 0.0))
            }
            Expression::ArrayExpression(array) => {
                let mut items = Vec::with_capacity(array.elements.len());
                for (i, element) in array.elements.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    let item = match element {
                        ArrayExpressionElement::Elision(_) => Value::Null,
                        ArrayExpressionElement::SpreadElement(spread) => {
                            let text = self.snippet(spread.span);
                            self.array_warning(
                                spread.span,
                                &item_path,
                                &format!("the spread `{text}` is not read"),
                                None,
                            );
                            Value::Null
                        }
                        _ => {
                            let Some(expr) = element.as_expression() else {
                                continue;
                            };
                            let inner = expr.get_inner_expression();
                            if inner.is_specific_id("undefined") {
                                Value::Null
                            } else {
                                match self.literal(inner, &item_path) {
                                    Ok(v) => v,
                                    Err(reason) => {
                                        self.array_warning(
                                            inner.span(),
                                            &item_path,
                                            &reason.what,
                                            reason.suggestion,
                                        );
                                        Value::Null
                                    }
                                }
                            }
                        }
                    };
                    items.push(item);
                }
                Ok(Value::Array(items))
            }
            Expression::ObjectExpression(object) => Ok(self.object(object, path)),
            other => Err(self.non_literal(other)),
        }
    }

    fn array_warning(&mut self, at: Span, path: &str, what: &str, suggestion: Option<String>) {
        let fix = suggestion.map_or_else(
            || "write the element inline as a literal (a string, number, boolean, null, array or object literal)".to_owned(),
            |s| format!("use the literal {s}"),
        );
        self.warn(
            at,
            format!(
                "`{path}` is read as `undefined` (null here): {what}; Netlify reads `config` statically and turns an array element that is not a literal into `undefined`, which usually makes the whole value invalid. Fix: {fix}."
            ),
        );
    }

    fn non_literal(&self, expr: &Expression<'a>) -> NonLiteral {
        let text = self.snippet(expr.span());
        let mut suggestion = None;
        let kind = match expr {
            Expression::Identifier(ident) => match self.imports.get(ident.name.as_str()) {
                Some(from) => format!("an identifier imported from \"{from}\""),
                None => "an identifier".to_owned(),
            },
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
                suggestion = t
                    .single_quasi()
                    .map(|s| Value::String(s.to_string()).to_string());
                "a template literal (Netlify drops template literals even without `${}` substitutions)".to_owned()
            }
            Expression::TemplateLiteral(_) | Expression::TaggedTemplateExpression(_) => {
                "a template literal with `${}` substitutions".to_owned()
            }
            Expression::CallExpression(_) => "a function call".to_owned(),
            Expression::NewExpression(_) => "a `new` expression".to_owned(),
            Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
                "a function".to_owned()
            }
            Expression::ClassExpression(_) => "a class".to_owned(),
            Expression::BigIntLiteral(_) => "a BigInt".to_owned(),
            Expression::RegExpLiteral(_) => "a regular expression".to_owned(),
            Expression::UnaryExpression(unary)
                if unary.operator == UnaryOperator::UnaryNegation
                    && matches!(
                        unary.argument.get_inner_expression(),
                        Expression::NumericLiteral(_)
                    ) =>
            {
                "a negative number, which is an operator expression to Netlify".to_owned()
            }
            Expression::ConditionalExpression(_) => "a conditional expression".to_owned(),
            Expression::BinaryExpression(_)
            | Expression::LogicalExpression(_)
            | Expression::UnaryExpression(_) => "an operator expression".to_owned(),
            Expression::AwaitExpression(_) => "an `await` expression".to_owned(),
            _ if expr.is_member_expression() => "a member expression".to_owned(),
            _ => "not a literal".to_owned(),
        };
        NonLiteral {
            what: format!("{} is {kind}", code(&text)),
            suggestion,
        }
    }

    fn snippet(&self, span: Span) -> String {
        crate::config::snippet(self.source, span)
    }

    fn warn(&mut self, at: Span, message: String) {
        let pos = position(self.source, at.start, at.end);
        self.warnings.push(NetlifyWarning {
            line: pos.line,
            column: pos.column,
            message,
        });
    }
}

/// A JSON number: integers up to 2^53 as integers, other finite numbers as floats.
fn number(n: f64) -> Option<Value> {
    const MAX_SAFE: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        return Some(Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Value::Number)
}

/// `text` as inline code: `` `x` ``, or ``` `` `x` `` ``` when it contains a backtick.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// `config.key`, or `config["x-y"]` for a key that is not an identifier name.
fn join_key(path: &str, key: &str) -> String {
    if is_identifier_name(key) {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

/// The module of `require("<module>")`.
fn require_of<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    let Expression::CallExpression(call) = expr.get_inner_expression() else {
        return None;
    };
    if !call.callee.is_specific_id("require") || call.arguments.len() != 1 {
        return None;
    }
    match call.arguments.first()?.as_expression()? {
        Expression::StringLiteral(lit) => Some(lit.value.as_str()),
        _ => None,
    }
}

/// A non-computed object key that is a name or a string literal.
fn property_key_name<'a>(key: &PropertyKey<'a>) -> Option<&'a str> {
    match key {
        PropertyKey::StaticIdentifier(ident) => Some(ident.name.as_str()),
        PropertyKey::StringLiteral(lit) => Some(lit.value.as_str()),
        _ => None,
    }
}

/// Appends the identifiers of a dotted chain (`module.exports`) to `path`; false when `expr` is
/// anything else.
fn dotted_path<'a>(expr: &Expression<'a>, path: &mut Vec<&'a str>) -> bool {
    match expr {
        Expression::Identifier(ident) => {
            path.push(ident.name.as_str());
            true
        }
        Expression::StaticMemberExpression(member) => {
            if !dotted_path(&member.object, path) {
                return false;
            }
            path.push(member.property.name.as_str());
            true
        }
        _ => false,
    }
}

fn export_name<'a>(name: &ModuleExportName<'a>) -> &'a str {
    match name {
        ModuleExportName::IdentifierName(id) => id.name.as_str(),
        ModuleExportName::IdentifierReference(id) => id.name.as_str(),
        ModuleExportName::StringLiteral(lit) => lit.value.as_str(),
    }
}

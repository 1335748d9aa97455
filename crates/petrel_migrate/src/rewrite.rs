//! The idiomatic rewrite: when a route's handler is simple enough, the function gets the
//! handler's own code written for Netlify's API instead of running it through the adapter.
//!
//! "Simple enough" is decided on the syntax tree, conservatively, so that behaviour cannot
//! change:
//! - the default export is a function (declaration or arrow with a block body) taking
//!   `(req, res)` as plain names, which nothing inside re-declares;
//! - `req` is only used as `req.method` (→ `request.method`), `req.query.<p>` for a
//!   single-segment dynamic parameter `<p>` of the page (→ `context.params.<p>`), and, for a
//!   scheduled route only, `req.body` (→ `body`, from `await request.json()`: a scheduled
//!   invocation's body is always JSON);
//! - `res` is only called as `res.<m>(…)` or `res.status(…).<m>(…)` with `<m>` one of `json`,
//!   `send`, `end`, `status`, `setHeader`, `write`: the answer of a background or scheduled
//!   function is thrown away, so each call becomes `void [its arguments]` (they are still
//!   evaluated, in order);
//! - no value is imported from `next` (type imports from it are dropped).
//!
//! Anything else (`res.revalidate`, `req.headers`, passing `req` on…) keeps the adapter.

use std::path::Path;

use oxc::{
    allocator::Allocator,
    ast::ast::{
        Argument, BindingPattern, CallExpression, ExportDefaultDeclarationKind, Expression,
        FormalParameters, FunctionBody, Statement, StaticMemberExpression,
    },
    ast_visit::{Visit, walk},
    parser::Parser,
    span::{GetSpan, SourceType},
};

use crate::Kind;

/// Methods of `res` whose calls only shape the (discarded) answer.
const ANSWER_METHODS: [&str; 6] = ["json", "send", "end", "status", "setHeader", "write"];

/// The handler module rewritten as a Netlify Function module (without the header comment,
/// the `Config` import and `config`), or `None` when it is not simple enough.
pub fn idiomatic(file: &Path, source: &str, kind: Kind, page: &str) -> Option<String> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(file)
        .unwrap_or_else(|_| SourceType::tsx())
        .with_unambiguous(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if parsed.diagnostics.has_errors() {
        return None;
    }
    let params: Vec<String> = page
        .split('/')
        .filter_map(|s| s.strip_prefix('[')?.strip_suffix(']'))
        .filter(|s| !s.starts_with("..."))
        .map(str::to_string)
        .collect();

    let mut edits: Vec<(u32, u32, String)> = Vec::new();
    let mut handler = None;
    for statement in &parsed.program.body {
        match statement {
            Statement::ImportDeclaration(import)
                if import.source.value == "next" || import.source.value.starts_with("next/") =>
            {
                if !import.import_kind.is_type() {
                    let all_types = import.specifiers.as_ref().is_some_and(|specs| {
                        specs.iter().all(|s| match s {
                            oxc::ast::ast::ImportDeclarationSpecifier::ImportSpecifier(s) => {
                                s.import_kind.is_type()
                            }
                            _ => false,
                        })
                    });
                    if !all_types {
                        return None;
                    }
                }
                edits.push((
                    import.span.start,
                    line_end(source, import.span.end),
                    String::new(),
                ));
            }
            Statement::ExportNamedDeclaration(_) | Statement::ExportDeclaration(_)
                if is_config(statement) =>
            {
                edits.push((
                    statement.span().start,
                    line_end(source, statement.span().end),
                    String::new(),
                ));
            }
            Statement::ExportDefaultDeclaration(export) => {
                let (params_node, body) = match &export.declaration {
                    ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                        (&*f.params, f.body.as_deref()?)
                    }
                    ExportDefaultDeclarationKind::ArrowFunctionExpression(arrow) => {
                        match &arrow.body {
                            oxc::ast::ast::ArrowFunctionBody::FunctionBody(body) => {
                                (&*arrow.params, &**body)
                            }
                            _ => return None,
                        }
                    }
                    _ => return None,
                };
                handler = Some((export.span.start, params_node, body));
            }
            _ => {}
        }
    }
    let (start, params_node, body) = handler?;
    let (req, res) = names(params_node)?;

    let mut check = Check {
        req: req.clone(),
        res: res.clone(),
        params: &params,
        scheduled: kind == Kind::Scheduled,
        source,
        edits: Vec::new(),
        handled: 0,
        seen: 0,
        uses_body: false,
        ok: true,
    };
    check.visit_function_body(body);
    if !check.ok || check.handled != check.seen {
        return None;
    }
    let uses_body = check.uses_body;
    edits.extend(check.edits);
    let mut head = String::from("export default async (request: Request, context: Context) => {");
    if uses_body {
        head.push_str("\n  const body = await request.json();");
    }
    edits.push((start, body.span.start + 1, head));

    edits.sort_by_key(|e| e.0);
    let mut out = source.to_string();
    for (from, to, text) in edits.into_iter().rev() {
        out.replace_range(from as usize..to as usize, &text);
    }
    Some(out)
}

/// `(req, res)` as plain names (one or two of them).
fn names(params: &FormalParameters<'_>) -> Option<(String, Option<String>)> {
    if params.rest.is_some() || params.items.is_empty() || params.items.len() > 2 {
        return None;
    }
    let name = |i: usize| -> Option<String> {
        let item = params.items.get(i)?;
        if item.initializer.is_some() {
            return None;
        }
        match &item.pattern {
            BindingPattern::BindingIdentifier(id) => Some(id.name.to_string()),
            _ => None,
        }
    };
    let req = name(0)?;
    let res = if params.items.len() == 2 {
        Some(name(1)?)
    } else {
        None
    };
    Some((req, res))
}

fn is_config(statement: &Statement<'_>) -> bool {
    let Statement::ExportDeclaration(export) = statement else {
        return false;
    };
    let oxc::ast::ast::Declaration::VariableDeclaration(var) = &export.declaration else {
        return false;
    };
    var.declarations
        .iter()
        .any(|d| matches!(&d.id, BindingPattern::BindingIdentifier(id) if id.name == "config"))
}

/// Through the end of the line (a removed statement takes its line with it).
fn line_end(source: &str, end: u32) -> u32 {
    let end = end as usize;
    match source[end..].find('\n') {
        Some(n) if source[end..end + n].trim().is_empty() => (end + n + 1) as u32,
        _ => end as u32,
    }
}

struct Check<'s, 'p> {
    req: String,
    res: Option<String>,
    params: &'p [String],
    scheduled: bool,
    source: &'s str,
    edits: Vec<(u32, u32, String)>,
    /// References of `req`/`res` that were rewritten.
    handled: usize,
    /// Every reference of `req`/`res`.
    seen: usize,
    uses_body: bool,
    ok: bool,
}

impl Check<'_, '_> {
    fn is(&self, expr: &Expression<'_>, name: &str) -> bool {
        matches!(expr, Expression::Identifier(id) if id.name == name)
    }

    fn is_res(&self, expr: &Expression<'_>) -> bool {
        self.res.as_deref().is_some_and(|res| self.is(expr, res))
    }

    /// `res.m(…)` or `res.status(…).m(…)`: the argument spans, in order.
    fn answer_call(&self, call: &CallExpression<'_>) -> Option<Vec<(u32, u32)>> {
        let Expression::StaticMemberExpression(member) = &call.callee else {
            return None;
        };
        if !ANSWER_METHODS.contains(&member.property.name.as_str()) {
            return None;
        }
        let mut args = Vec::new();
        if self.is_res(&member.object) {
        } else if let Expression::CallExpression(inner) = &member.object
            && let Expression::StaticMemberExpression(status) = &inner.callee
            && status.property.name == "status"
            && self.is_res(&status.object)
        {
            args.extend(inner.arguments.iter().map(arg_span));
        } else {
            return None;
        }
        args.extend(call.arguments.iter().map(arg_span));
        Some(args)
    }
}

fn arg_span(arg: &Argument<'_>) -> (u32, u32) {
    let span = arg.span();
    (span.start, span.end)
}

impl<'a> Visit<'a> for Check<'_, '_> {
    fn visit_binding_identifier(&mut self, it: &oxc::ast::ast::BindingIdentifier<'a>) {
        if it.name == self.req.as_str() || self.res.as_deref() == Some(it.name.as_str()) {
            // Re-declared inside: references could mean something else.
            self.ok = false;
        }
    }

    fn visit_identifier_reference(&mut self, it: &oxc::ast::ast::IdentifierReference<'a>) {
        if it.name == self.req.as_str() || self.res.as_deref() == Some(it.name.as_str()) {
            self.seen += 1;
        }
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let Some(args) = self.answer_call(it) {
            let inner: Vec<&str> = args
                .iter()
                .map(|&(s, e)| &self.source[s as usize..e as usize])
                .collect();
            let text = if inner.is_empty() {
                "undefined".to_string()
            } else {
                format!("void [{}]", inner.join(", "))
            };
            self.edits.push((it.span.start, it.span.end, text));
            self.handled += 1;
            self.seen += 1;
            // The arguments are copied as written: one that uses `req` or `res` would need an
            // edit inside the copy, so that is not simple (the adapter takes it).
            let before = self.seen;
            for arg in &it.arguments {
                self.visit_argument(arg);
            }
            if let Expression::StaticMemberExpression(member) = &it.callee
                && let Expression::CallExpression(inner) = &member.object
            {
                for arg in &inner.arguments {
                    self.visit_argument(arg);
                }
            }
            if self.seen != before {
                self.ok = false;
            }
            return;
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        // req.query.<param>
        if let Expression::StaticMemberExpression(inner) = &it.object
            && self.is(&inner.object, &self.req.clone())
            && inner.property.name == "query"
        {
            if self.params.iter().any(|p| p == it.property.name.as_str()) {
                self.edits.push((
                    it.span.start,
                    it.span.end,
                    format!("context.params.{}", it.property.name),
                ));
                self.handled += 1;
                self.seen += 1;
            } else {
                self.seen += 1;
            }
            return;
        }
        if self.is(&it.object, &self.req.clone()) {
            self.seen += 1;
            match it.property.name.as_str() {
                "method" => {
                    self.edits
                        .push((it.span.start, it.span.end, "request.method".into()));
                    self.handled += 1;
                }
                "body" if self.scheduled => {
                    self.edits.push((it.span.start, it.span.end, "body".into()));
                    self.uses_body = true;
                    self.handled += 1;
                }
                _ => {}
            }
            return;
        }
        walk::walk_static_member_expression(self, it);
    }

    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        walk::walk_function_body(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(kind: Kind, page: &str, source: &str) -> Option<String> {
        idiomatic(Path::new("route.ts"), source, kind, page)
    }

    #[test]
    fn simple_handlers_are_rewritten() {
        let out = rewrite(
            Kind::Scheduled,
            "/api/refresh",
            "import type { NextApiRequest, NextApiResponse } from \"next\";\nimport { log } from \"../../lib/log\";\n\n// Every hour.\nexport default async function handler(req: NextApiRequest, res: NextApiResponse) {\n  log(req.method, req.body.next_run);\n  res.status(200).json({ ok: await log(\"done\") });\n}\n\nexport const config = {\n  maxDuration: 10,\n};\n",
        )
        .unwrap();
        assert_eq!(
            out,
            "import { log } from \"../../lib/log\";\n\n// Every hour.\nexport default async (request: Request, context: Context) => {\n  const body = await request.json();\n  log(request.method, body.next_run);\n  void [200, { ok: await log(\"done\") }];\n}\n\n"
        );
        let out = rewrite(
            Kind::Background,
            "/api/[slug]/import",
            "export default async (req, res) => {\n  await run(req.query.slug);\n  res.end();\n};\n",
        )
        .unwrap();
        assert_eq!(
            out,
            "export default async (request: Request, context: Context) => {\n  await run(context.params.slug);\n  undefined;\n};\n"
        );
    }

    #[test]
    fn anything_else_keeps_the_adapter() {
        let not = |kind, page: &str, source: &str| {
            assert_eq!(rewrite(kind, page, source), None, "{source}");
        };
        let page = "/api/[slug]/x";
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req.body); res.end(); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req.query.other); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req.headers.host); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req); };\n",
        );
        not(
            Kind::Scheduled,
            page,
            "export default async (req, res) => { await res.revalidate('/'); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { res.status(200).json(req.cookies); };\n",
        );
        not(
            Kind::Scheduled,
            page,
            "export default (req, res) => { res.json(req.body); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { const req2 = 1; { let req = 2; } };\n",
        );
        not(
            Kind::Background,
            page,
            "const h = (req, res) => res.end();\nexport default h;\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => res.end();\n",
        );
        not(
            Kind::Background,
            page,
            "import { NextResponse } from 'next/server';\nimport next from 'next';\nexport default (req, res) => { res.end(); };\n",
        );
    }
}

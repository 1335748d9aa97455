//! The idiomatic rewrite: when a route's handler is simple enough, the function gets the
//! handler's own code written for Netlify's API instead of running it through the adapter.
//!
//! "Simple enough" is decided on the syntax tree, conservatively, so that behaviour does not
//! change:
//! - the default export is a function (declaration or arrow with a block body) taking
//!   `(req, res)` as plain names, which nothing inside re-declares;
//! - `req` is only used as:
//!   - `req.method` → `request.method`;
//!   - `req.query.<p>` for a single-segment dynamic parameter `<p>` of the page →
//!     `decodeURIComponent(context.params.<p>)` (Netlify does not decode them; Next.js did);
//!   - `req.query.<name>` / `req.query["name"]` for anything else → `searchParam(request,
//!     "name")`, a small function added to the file (a repeated key is an array, as in Next.js);
//!   - `req.headers.<name>` / `req.headers["name"]` for a lower-case name other than `cookie` →
//!     `(request.headers.get("name") ?? undefined)`;
//!   - `req.body` → `body`: for a scheduled route `await request.json()` (its body is always
//!     JSON), for a background route `await nextBody(request)`, a small function added to the
//!     file that parses it by content type as Next.js's default body parser did (JSON, form,
//!     else text); not when the route turned the body parser off;
//! - `res` is only called as `res.<m>(…)` or `res.status(…).<m>(…)` with `<m>` one of `json`,
//!   `send`, `end`, `status`, `setHeader`, `write`: the answer of a background or scheduled
//!   function is thrown away, so each call becomes `void [its arguments]` (they are still
//!   evaluated, in order);
//! - no value is imported from `next` (type imports from it are dropped).
//!
//! Anything else (`res.revalidate`, `req.cookies`, a catch-all parameter, passing `req` on…)
//! keeps the adapter.

use std::path::Path;

use oxc::{
    allocator::Allocator,
    ast::ast::{
        Argument, BindingPattern, CallExpression, ComputedMemberExpression,
        ExportDefaultDeclarationKind, Expression, FormalParameters, FunctionBody, Statement,
        StaticMemberExpression,
    },
    ast_visit::{Visit, walk},
    parser::Parser,
    span::{GetSpan, SourceType},
};

use crate::Kind;

/// Methods of `res` whose calls only shape the (discarded) answer.
const ANSWER_METHODS: [&str; 6] = ["json", "send", "end", "status", "setHeader", "write"];

/// Added to a rewritten module that reads search parameters (TypeScript, JavaScript).
const SEARCH_PARAM_HELPER: [&str; 2] = [
    "\n/** `req.query.<name>` as Next.js gave it: a repeated key is an array. */\nfunction searchParam(request: Request, name: string): string | string[] | undefined {\n  const values = new URL(request.url).searchParams.getAll(name);\n  return values.length > 1 ? values : values[0];\n}\n",
    "\n/** `req.query.<name>` as Next.js gave it: a repeated key is an array. */\nfunction searchParam(request, name) {\n  const values = new URL(request.url).searchParams.getAll(name);\n  return values.length > 1 ? values : values[0];\n}\n",
];

/// Added to a rewritten background module that reads the body (TypeScript, JavaScript).
const BODY_HELPER: [&str; 2] = [
    "\n/** `req.body` as Next.js's default body parser gave it: by content type, JSON (`{}` when empty), a form as an object, else the text. */\nasync function nextBody(request: Request): Promise<any> {\n  const type = (request.headers.get(\"content-type\") ?? \"\").split(\";\")[0].trim().toLowerCase();\n  const text = await request.text();\n  if (type === \"application/json\" || type === \"application/ld+json\") return text === \"\" ? {} : JSON.parse(text);\n  if (type === \"application/x-www-form-urlencoded\") return parseForm(text);\n  return text;\n}\n",
    "\n/** `req.body` as Next.js's default body parser gave it: by content type, JSON (`{}` when empty), a form as an object, else the text. */\nasync function nextBody(request) {\n  const type = (request.headers.get(\"content-type\") ?? \"\").split(\";\")[0].trim().toLowerCase();\n  const text = await request.text();\n  if (type === \"application/json\" || type === \"application/ld+json\") return text === \"\" ? {} : JSON.parse(text);\n  if (type === \"application/x-www-form-urlencoded\") return parseForm(text);\n  return text;\n}\n",
];

/// The module `idiomatic` reads (its parts that decide what the rewrite may do).
pub struct Handler<'a> {
    /// The route file (for its syntax: TypeScript, JSX).
    pub file: &'a Path,
    /// Its source.
    pub source: &'a str,
    /// Background or scheduled.
    pub kind: Kind,
    /// The route (`/api/[slug]/import`): its single-segment parameters are `context.params`.
    pub page: &'a str,
    /// Next.js parsed the body (`config.api.bodyParser` not `false`).
    pub body_parsed: bool,
}

/// The handler module rewritten as a Netlify Function module (without the header comment,
/// the `Config` import and `config`), or `None` when it is not simple enough.
pub fn idiomatic(handler_module: &Handler<'_>) -> Option<String> {
    let Handler {
        file,
        source,
        kind,
        page,
        body_parsed,
    } = *handler_module;
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
        .filter(|s| !s.starts_with("...") && !s.starts_with('['))
        .map(str::to_string)
        .collect();
    // `[...x]`, `[[...x]]`: Netlify gives `a/b` where Next.js gave `["a", "b"]`.
    let catch_alls: Vec<String> = page
        .split('/')
        .filter_map(|s| Some(s.split_once("...")?.1.trim_end_matches(']').to_string()))
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
        catch_alls: &catch_alls,
        source,
        edits: Vec::new(),
        handled: 0,
        seen: 0,
        uses_body: false,
        uses_search: false,
        ok: true,
    };
    check.visit_function_body(body);
    if !check.ok || check.handled != check.seen || (check.uses_body && !body_parsed) {
        return None;
    }
    let (uses_body, uses_search) = (check.uses_body, check.uses_search);
    edits.extend(check.edits);
    // A JavaScript route stays JavaScript (its function is a `.mjs` file).
    let flavour = usize::from(!source_type.is_typescript());
    let mut head = String::from(if flavour == 0 {
        "export default async (request: Request, context: Context) => {"
    } else {
        "export default async (request, context) => {"
    });
    if uses_body {
        head.push_str(match kind {
            Kind::Scheduled => "\n  const body = await request.json();",
            Kind::Background => "\n  const body = await nextBody(request);",
        });
    }
    edits.push((start, body.span.start + 1, head));

    edits.sort_by_key(|e| e.0);
    let mut out = source.to_string();
    for (from, to, text) in edits.into_iter().rev() {
        out.replace_range(from as usize..to as usize, &text);
    }
    if uses_search {
        out.push_str(SEARCH_PARAM_HELPER[flavour]);
    }
    if uses_body && kind == Kind::Background {
        out.push_str(BODY_HELPER[flavour]);
        out.insert_str(
            0,
            "import { parse as parseForm } from \"node:querystring\";\n",
        );
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
    catch_alls: &'p [String],
    source: &'s str,
    edits: Vec<(u32, u32, String)>,
    /// References of `req`/`res` that were rewritten.
    handled: usize,
    /// Every reference of `req`/`res`.
    seen: usize,
    uses_body: bool,
    uses_search: bool,
    ok: bool,
}

impl Check<'_, '_> {
    fn is(&self, expr: &Expression<'_>, name: &str) -> bool {
        matches!(expr, Expression::Identifier(id) if id.name == name)
    }

    /// `req.<field>`.
    fn is_req_field(&self, expr: &Expression<'_>, field: &str) -> bool {
        matches!(expr, Expression::StaticMemberExpression(member)
            if member.property.name == field && self.is(&member.object, &self.req))
    }

    /// The rewrite of `req.query[name]` / `req.headers[name]` (`object` is `req.query` or
    /// `req.headers`), or `None` when there is none.
    fn field_read(&mut self, object: &Expression<'_>, name: &str) -> Option<String> {
        if self.is_req_field(object, "query") {
            if self.params.iter().any(|p| p == name) {
                return Some(format!("decodeURIComponent(context.params.{name})"));
            }
            if self.catch_alls.iter().any(|p| p == name) {
                return None;
            }
            self.uses_search = true;
            return Some(format!("searchParam(request, {})", quoted(name)));
        }
        if self.is_req_field(object, "headers")
            && !name.is_empty()
            && !["cookie", "set-cookie"].contains(&name)
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Some(format!(
                "(request.headers.get({}) ?? undefined)",
                quoted(name)
            ));
        }
        None
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

fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
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

    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        // req.query["name"], req.headers["name"]
        if self.is_req_field(&it.object, "query") || self.is_req_field(&it.object, "headers") {
            self.seen += 1;
            if let Expression::StringLiteral(name) = &it.expression
                && let Some(text) = self.field_read(&it.object, name.value.as_str())
            {
                self.edits.push((it.span.start, it.span.end, text));
                self.handled += 1;
            }
            return;
        }
        walk::walk_computed_member_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        // req.query.<name>, req.headers.<name>
        if self.is_req_field(&it.object, "query") || self.is_req_field(&it.object, "headers") {
            self.seen += 1;
            if let Some(text) = self.field_read(&it.object, it.property.name.as_str()) {
                self.edits.push((it.span.start, it.span.end, text));
                self.handled += 1;
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
                "body" => {
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
        rewrite_with(kind, page, source, true)
    }

    fn rewrite_with(kind: Kind, page: &str, source: &str, body_parsed: bool) -> Option<String> {
        idiomatic(&Handler {
            file: Path::new("route.ts"),
            source,
            kind,
            page,
            body_parsed,
        })
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
            "export default async (request: Request, context: Context) => {\n  await run(decodeURIComponent(context.params.slug));\n  undefined;\n};\n"
        );
    }

    #[test]
    fn search_params_headers_and_a_background_body() {
        let out = rewrite(
            Kind::Background,
            "/api/[slug]/import",
            "export default async function handler(req, res) {\n  const { to } = req.body;\n  await send(to, req.query.slug, req.query.dry, req.query[\"x-y\"], req.headers[\"user-agent\"], req.headers.host.split(\":\")[0]);\n  res.status(202).end();\n}\n",
        )
        .unwrap();
        assert_eq!(
            out,
            "import { parse as parseForm } from \"node:querystring\";\nexport default async (request: Request, context: Context) => {\n  const body = await nextBody(request);\n  const { to } = body;\n  await send(to, decodeURIComponent(context.params.slug), searchParam(request, \"dry\"), searchParam(request, \"x-y\"), (request.headers.get(\"user-agent\") ?? undefined), (request.headers.get(\"host\") ?? undefined).split(\":\")[0]);\n  void [202];\n}\n".to_string() + SEARCH_PARAM_HELPER[0] + BODY_HELPER[0]
        );
    }

    #[test]
    fn a_javascript_route_stays_javascript() {
        let out = idiomatic(&Handler {
            file: Path::new("route.js"),
            source: "export default function (req, res) {\n  run(req.query.dry);\n}\n",
            kind: Kind::Background,
            page: "/api/x",
            body_parsed: true,
        })
        .unwrap();
        assert_eq!(
            out,
            "export default async (request, context) => {\n  run(searchParam(request, \"dry\"));\n}\n".to_string()
                + SEARCH_PARAM_HELPER[1]
        );
    }

    #[test]
    fn anything_else_keeps_the_adapter() {
        let not = |kind, page: &str, source: &str| {
            assert_eq!(rewrite(kind, page, source), None, "{source}");
        };
        let page = "/api/[slug]/x";
        assert_eq!(
            rewrite_with(
                Kind::Background,
                page,
                "export default (req, res) => { run(req.body); };\n",
                false
            ),
            None,
            "the body parser was off: req.body was undefined"
        );
        not(
            Kind::Background,
            "/api/files/[...path]",
            "export default (req, res) => { run(req.query.path); };\n",
        );
        not(
            Kind::Background,
            "/api/docs/[[...slug]]",
            "export default (req, res) => { run(req.query.slug); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req.cookies.session); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req.headers.Host, req.headers.cookie); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { const name = 'host'; run(req.headers[name]); };\n",
        );
        not(
            Kind::Background,
            page,
            "export default (req, res) => { run(req.query); };\n",
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

//! Span-based edits of a route file: the migrated route keeps its code, formatting and
//! comments; only `type` and `schedule` leave its `export const config = {…}` (or the whole
//! declaration, when nothing else was in it), so the route no longer runs as an advanced route
//! while the new function runs its handler.

use std::path::Path;

use oxc::{
    allocator::Allocator,
    ast::ast::{BindingPattern, Declaration, Expression, ObjectPropertyKind, Statement},
    parser::Parser,
    span::{GetSpan, SourceType},
};

/// The config keys that made the route an advanced one.
const ADVANCED_KEYS: [&str; 2] = ["type", "schedule"];

/// `source` without the advanced keys of its `export const config`. `Ok(None)`: there is no
/// `export const config = {…}` object literal to edit (a CommonJS route, say).
pub fn strip_advanced_config(file: &Path, source: &str) -> Result<Option<String>, String> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(file)
        .unwrap_or_else(|_| SourceType::tsx())
        .with_unambiguous(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        let at = error
            .labels
            .first()
            .map_or(0, |label| label.span().start as usize);
        let line = source[..at.min(source.len())].matches('\n').count() + 1;
        return Err(format!(
            "{}:{line}: cannot be parsed: {}",
            file.display(),
            error.message
        ));
    }
    for statement in &parsed.program.body {
        let Statement::ExportDeclaration(export) = statement else {
            continue;
        };
        let Declaration::VariableDeclaration(var) = &export.declaration else {
            continue;
        };
        if var.declarations.len() != 1 {
            continue;
        }
        let declarator = &var.declarations[0];
        let BindingPattern::BindingIdentifier(id) = &declarator.id else {
            continue;
        };
        if id.name != "config" {
            continue;
        }
        let Some(Expression::ObjectExpression(object)) = declarator
            .init
            .as_ref()
            .map(|e| e.without_parentheses().get_inner_expression())
        else {
            return Ok(None);
        };
        let props: Vec<(u32, u32, bool)> = object
            .properties
            .iter()
            .map(|p| {
                let span = p.span();
                let advanced = match p {
                    ObjectPropertyKind::ObjectProperty(prop) => {
                        !prop.computed
                            && prop
                                .key
                                .static_name()
                                .is_some_and(|k| ADVANCED_KEYS.contains(&k.as_ref()))
                    }
                    ObjectPropertyKind::SpreadProperty(_) => false,
                };
                (span.start, span.end, advanced)
            })
            .collect();
        if !props.iter().any(|p| p.2) {
            return Ok(Some(source.to_string()));
        }
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        if props.iter().all(|p| p.2) {
            // Nothing else in the config: the declaration goes, with its line.
            let mut start = export.span.start as usize;
            let mut end = export.span.end as usize;
            if source[end..].starts_with("\r\n") {
                end += 2;
            } else if source[end..].starts_with('\n') {
                end += 1;
            }
            // A blank line left before it would double up with the one after.
            if source[..start].ends_with("\n\n")
                && (end == source.len() || source[end..].starts_with('\n'))
            {
                start -= 1;
            }
            cuts.push((start, end));
        } else {
            let mut i = 0;
            while i < props.len() {
                if !props[i].2 {
                    i += 1;
                    continue;
                }
                let first = i;
                while i < props.len() && props[i].2 {
                    i += 1;
                }
                let last = i - 1;
                if i < props.len() {
                    // Kept properties follow: cut up to the next one (comma and spacing included).
                    cuts.push((props[first].0 as usize, props[i].0 as usize));
                } else {
                    // At the end: cut from the end of the last kept one.
                    let kept_end = props[first - 1].1 as usize;
                    cuts.push((kept_end, props[last].1 as usize));
                }
            }
        }
        let mut out = source.to_string();
        for (start, end) in cuts.into_iter().rev() {
            out.replace_range(start..end, "");
        }
        return Ok(Some(out));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(source: &str) -> String {
        strip_advanced_config(Path::new("route.ts"), source)
            .unwrap()
            .expect("a config")
    }

    #[test]
    fn removes_only_the_advanced_keys() {
        let cases = [
            (
                "export default h;\n\nexport const config = {\n  type: \"experimental-background\",\n};\n",
                "export default h;\n",
            ),
            (
                "export const config = { type: 'experimental-scheduled', schedule: '@daily' };\nexport default h;\n",
                "export default h;\n",
            ),
            (
                "// keep me\nexport const config = {\n  // the body size\n  api: { bodyParser: false },\n  type: \"experimental-background\",\n  maxDuration: 10,\n};\n",
                "// keep me\nexport const config = {\n  // the body size\n  api: { bodyParser: false },\n  maxDuration: 10,\n};\n",
            ),
            (
                "export const config = {\n  type: 'experimental-scheduled',\n  schedule: '*/5 * * * *',\n  maxDuration: 10,\n};\n",
                "export const config = {\n  maxDuration: 10,\n};\n",
            ),
            (
                "export const config = { maxDuration: 5, schedule: \"@hourly\", type: \"experimental-scheduled\" };\n",
                "export const config = { maxDuration: 5 };\n",
            ),
            (
                "export const config = ({ runtime: 'nodejs', type: 'experimental-background' }) as const;\n",
                "export const config = ({ runtime: 'nodejs' }) as const;\n",
            ),
        ];
        for (before, after) in cases {
            assert_eq!(strip(before), after, "from:\n{before}");
        }
    }

    #[test]
    fn no_config_literal_is_none_and_bad_syntax_is_an_error() {
        let none = strip_advanced_config(
            Path::new("route.js"),
            "module.exports = h;\nmodule.exports.config = { type: 'experimental-background' };\n",
        )
        .unwrap();
        assert_eq!(none, None);
        let err =
            strip_advanced_config(Path::new("pages/api/x.ts"), "export const = ;\n").unwrap_err();
        assert!(
            err.starts_with("pages/api/x.ts:1: cannot be parsed"),
            "{err}"
        );
    }
}

/// The `next/cache` functions a migrated route may keep calling: they come from the
/// migration's `next-cache` module instead, which has Next.js make the call.
pub const MOVABLE_CACHE_FUNCTIONS: [&str; 2] = ["revalidatePath", "revalidateTag"];

/// What [`redirect_next_cache`] did to a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheRedirect {
    /// The module with its `revalidatePath`/`revalidateTag` imported from the new specifier.
    pub source: String,
    /// `(line, name)` of each function now imported from there.
    pub moved: Vec<(usize, String)>,
    /// `(line, what)` of each other use of `next/cache`, which still needs a hand.
    pub left: Vec<(usize, String)>,
}

/// `source` with `revalidatePath`/`revalidateTag` imported from `specifier` instead of
/// `next/cache` (the import is split when it also names other functions, which stay).
/// Namespace, default and dynamic imports and `require` are left as they are, and listed.
pub fn redirect_next_cache(
    file: &Path,
    source: &str,
    specifier: &str,
) -> Result<CacheRedirect, String> {
    use oxc::ast::ast::ImportDeclarationSpecifier;

    let allocator = Allocator::default();
    let source_type = SourceType::from_path(file)
        .unwrap_or_else(|_| SourceType::tsx())
        .with_unambiguous(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if parsed.diagnostics.has_errors() {
        return Err(format!("{}: cannot be parsed", file.display()));
    }
    let line = |at: u32| source[..at as usize].matches('\n').count() + 1;
    let quoted = serde_json::to_string(specifier).expect("a string");
    let mut out = CacheRedirect {
        source: source.to_string(),
        moved: Vec::new(),
        left: Vec::new(),
    };
    let mut edits: Vec<(u32, u32, String)> = Vec::new();
    for statement in &parsed.program.body {
        let Statement::ImportDeclaration(import) = statement else {
            continue;
        };
        if import.source.value != "next/cache" || import.import_kind.is_type() {
            continue;
        }
        let at = line(import.span.start);
        let Some(specs) = &import.specifiers else {
            out.left.push((at, "import \"next/cache\"".into()));
            continue;
        };
        let mut ours = Vec::new();
        let mut others = Vec::new();
        for spec in specs {
            let text = &source[spec.span().start as usize..spec.span().end as usize];
            match spec {
                ImportDeclarationSpecifier::ImportSpecifier(named)
                    if !named.import_kind.is_type()
                        && MOVABLE_CACHE_FUNCTIONS.contains(&named.imported.name().as_str()) =>
                {
                    out.moved.push((at, named.imported.name().to_string()));
                    ours.push(text);
                }
                ImportDeclarationSpecifier::ImportSpecifier(named) => {
                    if !named.import_kind.is_type() {
                        out.left.push((at, named.imported.name().to_string()));
                    }
                    others.push(text);
                }
                _ => {
                    out.left.push((at, text.to_string()));
                    others.push(text);
                }
            }
        }
        if ours.is_empty() {
            continue;
        }
        if others.is_empty() {
            // Only the module changes (quote style kept).
            let (start, end) = (import.source.span.start + 1, import.source.span.end - 1);
            edits.push((start, end, specifier.to_string()));
        } else {
            // With named imports, the only other kind an import can have is one default.
            let default = specs.iter().find_map(|s| match s {
                ImportDeclarationSpecifier::ImportDefaultSpecifier(d) => {
                    Some(&source[d.span.start as usize..d.span.end as usize])
                }
                _ => None,
            });
            let named: Vec<&str> = others
                .iter()
                .copied()
                .filter(|t| Some(*t) != default)
                .collect();
            let kept = match (default, named.is_empty()) {
                (Some(d), true) => format!("import {d} from \"next/cache\";"),
                (Some(d), false) => {
                    format!(
                        "import {d}, {{ {} }} from \"next/cache\";",
                        named.join(", ")
                    )
                }
                (None, _) => format!("import {{ {} }} from \"next/cache\";", named.join(", ")),
            };
            edits.push((
                import.span.start,
                import.span.end,
                format!("{kept}\nimport {{ {} }} from {quoted};", ours.join(", ")),
            ));
        }
    }
    // Dynamic imports and `require` of next/cache are not redirected.
    for (start, _, spec) in specifiers(file, source)? {
        if spec == "next/cache"
            && !parsed.program.body.iter().any(
                |s| matches!(s, Statement::ImportDeclaration(i) if i.source.span.start == start),
            )
        {
            out.left.push((
                line(start),
                "a dynamic import or require of next/cache".into(),
            ));
        }
    }
    for (start, end, text) in edits.into_iter().rev() {
        out.source
            .replace_range(start as usize..end as usize, &text);
    }
    Ok(out)
}

/// Every module specifier of `source` (`import … from`, `export … from`, `import()`,
/// `require()`) with its span (the quotes included). A file that does not parse has none.
fn specifiers(file: &Path, source: &str) -> Result<Vec<(u32, u32, String)>, String> {
    use oxc::ast::ast::{Argument, ExportAllDeclaration, ImportExpression};
    use oxc::ast_visit::Visit;

    struct Specifiers {
        spans: Vec<(u32, u32, String)>,
    }
    impl<'a> Visit<'a> for Specifiers {
        fn visit_import_declaration(&mut self, it: &oxc::ast::ast::ImportDeclaration<'a>) {
            self.spans.push((
                it.source.span.start,
                it.source.span.end,
                it.source.value.to_string(),
            ));
        }
        fn visit_export_from_declaration(&mut self, it: &oxc::ast::ast::ExportFromDeclaration<'a>) {
            self.spans.push((
                it.source.span.start,
                it.source.span.end,
                it.source.value.to_string(),
            ));
        }
        fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
            self.spans.push((
                it.source.span.start,
                it.source.span.end,
                it.source.value.to_string(),
            ));
        }
        fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
            if let Expression::StringLiteral(s) = &it.source {
                self.spans
                    .push((s.span.start, s.span.end, s.value.to_string()));
            }
            oxc::ast_visit::walk::walk_import_expression(self, it);
        }
        fn visit_call_expression(&mut self, it: &oxc::ast::ast::CallExpression<'a>) {
            if let Expression::Identifier(callee) = &it.callee
                && callee.name == "require"
                && let Some(Argument::StringLiteral(s)) = it.arguments.first()
            {
                self.spans
                    .push((s.span.start, s.span.end, s.value.to_string()));
            }
            oxc::ast_visit::walk::walk_call_expression(self, it);
        }
    }

    let allocator = Allocator::default();
    let source_type = SourceType::from_path(file)
        .unwrap_or_else(|_| SourceType::tsx())
        .with_unambiguous(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        return Err(format!(
            "{}: cannot be parsed: {}",
            file.display(),
            error.message
        ));
    }
    let mut found = Specifiers { spans: Vec::new() };
    found.visit_program(&parsed.program);
    found.spans.sort_by_key(|s| s.0);
    Ok(found.spans)
}

fn is_relative(specifier: &str) -> bool {
    specifier.starts_with("./") || specifier.starts_with("../")
}

/// The relative module specifiers of `source` (empty when it does not parse).
pub(crate) fn relative_specifiers(file: &Path, source: &str) -> Vec<String> {
    specifiers(file, source)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, _, s)| s)
        .filter(|s| is_relative(s))
        .collect()
}

/// `source` (the module at `from_file`) with every relative module specifier (`import … from`,
/// `export … from`, `import()`, `require()`) rewritten to point at the same file from
/// `to_file`: what moving the module needs. Bare specifiers (packages, `@/` aliases) stay.
pub fn rewrite_relative_imports(
    from_file: &Path,
    to_file: &Path,
    source: &str,
) -> Result<String, String> {
    let from_dir = from_file.parent().unwrap_or(Path::new(""));
    let to_dir = to_file.parent().unwrap_or(Path::new(""));
    let mut out = source.to_string();
    for (start, end, specifier) in specifiers(from_file, source)?.into_iter().rev() {
        if !is_relative(&specifier) {
            continue;
        }
        let target = normalize(&from_dir.join(&specifier));
        let mut moved = crate::generate::relative_path(to_dir, &target);
        if specifier.ends_with('/') && !moved.ends_with('/') {
            moved.push('/');
        }
        // Keep the quote style: replace what is between the quotes.
        out.replace_range(start as usize + 1..end as usize - 1, &moved);
    }
    Ok(out)
}

/// `a/b/../c` → `a/c` (no file system access: the file may not exist yet).
pub(crate) fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod move_tests {
    use super::*;

    #[test]
    fn relative_specifiers_follow_the_move() {
        let source = "import db from \"../../../lib/db\";\nimport type { X } from './types';\nimport next from 'next';\nimport alias from '@/lib/alias';\nexport * from \"../shared/all\";\nexport { a } from './a.js';\nconst lazy = () => import('../../../lib/lazy');\nconst cjs = require(\"./cjs\");\n";
        let moved = rewrite_relative_imports(
            Path::new("/p/pages/api/jobs/run.ts"),
            Path::new("/p/netlify/functions/_petrel/routes/run.ts"),
            source,
        )
        .unwrap();
        assert_eq!(
            moved,
            "import db from \"../../../../lib/db\";\nimport type { X } from '../../../../pages/api/jobs/types';\nimport next from 'next';\nimport alias from '@/lib/alias';\nexport * from \"../../../../pages/api/shared/all\";\nexport { a } from '../../../../pages/api/jobs/a.js';\nconst lazy = () => import('../../../../lib/lazy');\nconst cjs = require(\"../../../../pages/api/jobs/cjs\");\n"
        );
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn redirect(source: &str) -> CacheRedirect {
        redirect_next_cache(
            Path::new("pages/api/x.ts"),
            source,
            "../../netlify/functions/_petrel/next-cache",
        )
        .unwrap()
    }

    #[test]
    fn revalidate_functions_come_from_the_new_module() {
        let out = redirect(
            "// cache\nimport { revalidatePath, revalidateTag as tag } from 'next/cache';\nimport type { X } from \"next/cache\";\nexport default () => { revalidatePath('/'); tag('t', 'max'); };\n",
        );
        assert_eq!(
            out.source,
            "// cache\nimport { revalidatePath, revalidateTag as tag } from '../../netlify/functions/_petrel/next-cache';\nimport type { X } from \"next/cache\";\nexport default () => { revalidatePath('/'); tag('t', 'max'); };\n"
        );
        assert_eq!(
            out.moved,
            vec![(2, "revalidatePath".into()), (2, "revalidateTag".into())]
        );
        assert!(out.left.is_empty());
    }

    #[test]
    fn other_functions_stay_and_are_listed() {
        let out = redirect(
            "import { unstable_cache, revalidateTag, type CacheEntry } from \"next/cache\";\nconst m = await import(\"next/cache\");\n",
        );
        assert_eq!(
            out.source,
            "import { unstable_cache, type CacheEntry } from \"next/cache\";\nimport { revalidateTag } from \"../../netlify/functions/_petrel/next-cache\";\nconst m = await import(\"next/cache\");\n"
        );
        assert_eq!(out.moved, vec![(1, "revalidateTag".into())]);
        assert_eq!(
            out.left,
            vec![
                (1, "unstable_cache".into()),
                (2, "a dynamic import or require of next/cache".into())
            ]
        );
        let out = redirect("import * as cache from \"next/cache\";\n");
        assert_eq!(out.source, "import * as cache from \"next/cache\";\n");
        assert_eq!(out.left, vec![(1, "* as cache".into())]);
    }
}

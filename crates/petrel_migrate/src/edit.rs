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

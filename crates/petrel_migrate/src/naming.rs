//! What a migrated route's Netlify Function is called and where it answers: the function name
//! from the route's page, and its `config.path` from the route's URL pattern, so callers keep
//! their URLs.

/// How a route runs on Netlify after the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `type: "experimental-background"` → a `-background` function.
    Background,
    /// `type: "experimental-scheduled"` → a function with `config.schedule`.
    Scheduled,
}

/// The function name for the route `page` (`/api/[slug]/background-function`):
/// the page's segments after `/api`, dynamic ones by their parameter name, joined by `-`,
/// with anything Netlify does not allow in a name (only letters, digits, `-` and `_`) as `-`.
/// A background function's name ends in `-background` (the suffix, not `config.background`,
/// which still has a deploy bug: netlify/cli#8354); a scheduled one's never does (the suffix
/// would make it a background function).
pub fn function_name(page: &str, kind: Kind) -> String {
    let rest = page.strip_prefix("/api").unwrap_or(page);
    let parts: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            let name = segment
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_start_matches("...");
            name.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .trim_matches('-')
                .to_string()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let base = if parts.is_empty() {
        "api".to_string()
    } else {
        parts.join("-")
    };
    match kind {
        Kind::Background if base.ends_with("-background") || base == "background" => base,
        Kind::Background => format!("{base}-background"),
        Kind::Scheduled if base.ends_with("-background") => format!("{base}-scheduled"),
        Kind::Scheduled => base,
    }
}

/// The Netlify `config.path` (URLPattern) serving the same URLs as the Next.js route `page`
/// under `base_path`: `[id]` → `:id`, `[...slug]` → `:slug+` (one or more segments),
/// `[[...slug]]` → `:slug*` (none or more, the `/` before it included). URLPattern's special
/// characters in fixed text are escaped.
pub fn function_path(base_path: &str, page: &str) -> String {
    let mut out = String::from(base_path.trim_end_matches('/'));
    for segment in page.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if let Some(name) = segment
            .strip_prefix("[[...")
            .and_then(|s| s.strip_suffix("]]"))
        {
            out.push(':');
            out.push_str(name);
            out.push('*');
        } else if let Some(name) = segment
            .strip_prefix("[...")
            .and_then(|s| s.strip_suffix(']'))
        {
            out.push(':');
            out.push_str(name);
            out.push('+');
        } else if let Some(name) = segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            out.push(':');
            out.push_str(name);
        } else {
            for c in segment.chars() {
                if matches!(c, ':' | '*' | '+' | '?' | '(' | ')' | '{' | '}' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use petrel_router::NetlifyPath;

    #[test]
    fn names() {
        let cases = [
            (
                "/api/[slug]/background-function",
                Kind::Background,
                "slug-background-function-background",
            ),
            (
                "/api/import-background",
                Kind::Background,
                "import-background",
            ),
            ("/api/report", Kind::Background, "report-background"),
            ("/api/report", Kind::Scheduled, "report"),
            ("/api/hello-scheduled", Kind::Scheduled, "hello-scheduled"),
            (
                "/api/sync-background",
                Kind::Scheduled,
                "sync-background-scheduled",
            ),
            (
                "/api/blog/[...path]",
                Kind::Background,
                "blog-path-background",
            ),
            ("/api/[[...all]]", Kind::Scheduled, "all"),
            ("/api", Kind::Scheduled, "api"),
            ("/api/v1.2/tasks", Kind::Scheduled, "v1-2-tasks"),
        ];
        for (page, kind, want) in cases {
            assert_eq!(function_name(page, kind), want, "{page} {kind:?}");
        }
    }

    /// basePath, page, the expected path, URLs it matches, URLs it does not.
    type PathCase = (
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    );

    #[test]
    fn paths_match_the_routes_urls() {
        let cases: [PathCase; 5] = [
            (
                "",
                "/api/[slug]/background-function",
                "/api/:slug/background-function",
                &["/api/a/background-function"],
                &["/api/background-function", "/api/a/b/background-function"],
            ),
            (
                "",
                "/api/files/[...path]",
                "/api/files/:path+",
                &["/api/files/a", "/api/files/a/b/c"],
                &["/api/files", "/api/files/"],
            ),
            (
                "",
                "/api/docs/[[...path]]",
                "/api/docs/:path*",
                &["/api/docs", "/api/docs/a", "/api/docs/a/b"],
                &["/api/docsx"],
            ),
            (
                "/base",
                "/api/report",
                "/base/api/report",
                &["/base/api/report"],
                &["/api/report"],
            ),
            (
                "",
                "/api/odd(1)",
                "/api/odd\\(1\\)",
                &["/api/odd(1)"],
                &["/api/odd1"],
            ),
        ];
        for (base, page, want, yes, no) in cases {
            let path = function_path(base, page);
            assert_eq!(path, want, "{page}");
            let compiled = NetlifyPath::parse(&path).unwrap();
            for url in yes {
                assert!(compiled.matches(url).is_some(), "{path} should match {url}");
            }
            for url in no {
                assert!(
                    compiled.matches(url).is_none(),
                    "{path} should not match {url}"
                );
            }
        }
    }
}

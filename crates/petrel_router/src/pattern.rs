//! Route patterns: Next's "page" strings such as `/api/items/[id]`, parsed into segments.

use std::fmt;
use std::str::FromStr;

use crate::error::{PatternProblem, RouteRef, RouterError};

/// One URL segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A literal segment, compared with the percent-decoded request segment (case-sensitive).
    Static(String),
    /// `[name]`: exactly one non-empty segment.
    Dynamic(String),
    /// `[...name]`: one or more segments; always last.
    CatchAll(String),
    /// `[[...name]]`: zero or more segments; always last.
    OptionalCatchAll(String),
}

impl Segment {
    /// Parses one segment of a page string (`items`, `[id]`, `[...path]`, `[[...parts]]`).
    fn parse(text: &str) -> Result<Segment, PatternProblem> {
        if text.is_empty() {
            return Err(PatternProblem::EmptySegment);
        }
        let Some(inner) = text
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            if text == "." || text == ".." {
                return Err(PatternProblem::DotSegment(text.to_owned()));
            }
            return Ok(Segment::Static(text.to_owned()));
        };
        let (segment, name) = if let Some(inner2) = inner
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            match inner2.strip_prefix("...") {
                Some(name) => (Segment::OptionalCatchAll(name.to_owned()), name),
                None => return Err(PatternProblem::OptionalNotCatchAll(text.to_owned())),
            }
        } else if let Some(name) = inner.strip_prefix("...") {
            (Segment::CatchAll(name.to_owned()), name)
        } else {
            (Segment::Dynamic(inner.to_owned()), inner)
        };
        if name.is_empty() {
            return Err(PatternProblem::EmptyParamName(text.to_owned()));
        }
        if name.contains(['[', ']']) {
            return Err(PatternProblem::ExtraBrackets(text.to_owned()));
        }
        if name.starts_with('.') {
            return Err(PatternProblem::LeadingPeriod(text.to_owned()));
        }
        Ok(segment)
    }

    /// The parameter name, or `None` for a static segment.
    pub fn param_name(&self) -> Option<&str> {
        match self {
            Segment::Static(_) => None,
            Segment::Dynamic(n) | Segment::CatchAll(n) | Segment::OptionalCatchAll(n) => Some(n),
        }
    }

    /// Whether the segment is a catch-all (`[...x]` or `[[...x]]`).
    pub fn is_catch_all(&self) -> bool {
        matches!(self, Segment::CatchAll(_) | Segment::OptionalCatchAll(_))
    }

    /// Rank within one folder: static < `[x]` < `[...x]` < `[[...x]]` (lower wins).
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Segment::Static(_) => 0,
            Segment::Dynamic(_) => 1,
            Segment::CatchAll(_) => 2,
            Segment::OptionalCatchAll(_) => 3,
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Static(s) => f.write_str(s),
            Segment::Dynamic(n) => write!(f, "[{n}]"),
            Segment::CatchAll(n) => write!(f, "[...{n}]"),
            Segment::OptionalCatchAll(n) => write!(f, "[[...{n}]]"),
        }
    }
}

/// A route pattern such as `/api/items/[id]` (Next's "page" string), validated and split into
/// segments. `/` is the pattern with no segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoutePattern {
    page: String,
    segments: Vec<Segment>,
}

impl RoutePattern {
    /// Parses and validates a page string.
    ///
    /// The string must start with `/` and have no empty segments (no `//`, no trailing `/`
    /// except for `/` itself). Dynamic segments are `[name]`, `[...name]` and `[[...name]]`;
    /// a segment is dynamic only when it starts with `[` and ends with `]`. Catch-alls must be
    /// last, names must be non-empty, bracket-free and not start with `.`, and no two names in one
    /// pattern may be equal (or equal once non-word characters are removed, as Next checks).
    pub fn parse(page: &str) -> Result<Self, RouterError> {
        Self::parse_inner(page).map_err(|problem| RouterError::InvalidPattern {
            route: RouteRef::page(page),
            problem,
        })
    }

    pub(crate) fn parse_inner(page: &str) -> Result<Self, PatternProblem> {
        let rest = page.strip_prefix('/').ok_or(PatternProblem::NotAbsolute)?;
        let mut segments = Vec::new();
        if !rest.is_empty() {
            for text in rest.split('/') {
                segments.push(Segment::parse(text)?);
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            if segment.is_catch_all() && i + 1 != segments.len() {
                return Err(PatternProblem::CatchAllNotLast(segment.to_string()));
            }
            if let Some(name) = segment.param_name() {
                for &seen in &names {
                    if seen == name {
                        return Err(PatternProblem::DuplicateParamName(name.to_owned()));
                    }
                    if word_chars(seen) == word_chars(name) {
                        return Err(PatternProblem::ParamNamesDifferBySymbols(
                            seen.to_owned(),
                            name.to_owned(),
                        ));
                    }
                }
                names.push(name);
            }
        }
        Ok(RoutePattern {
            page: page.to_owned(),
            segments,
        })
    }

    /// The page string, e.g. `/api/items/[id]`.
    pub fn page(&self) -> &str {
        &self.page
    }

    /// The segments, in path order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The parameter names, in path order.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(Segment::param_name)
    }

    /// Whether the pattern has at least one dynamic segment.
    pub fn is_dynamic(&self) -> bool {
        self.segments
            .iter()
            .any(|s| !matches!(s, Segment::Static(_)))
    }
}

/// The ASCII word characters of `name` (what remains after removing JavaScript's `\W`).
fn word_chars(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.page)
    }
}

impl FromStr for RoutePattern {
    type Err = RouterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RoutePattern::parse(s)
    }
}

impl serde::Serialize for RoutePattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(page: &str) -> PatternProblem {
        match RoutePattern::parse(page) {
            Err(RouterError::InvalidPattern { problem, route }) => {
                assert_eq!(route.page, page);
                problem
            }
            other => panic!("{page}: expected InvalidPattern, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_segment_kind() {
        let p = RoutePattern::parse("/api/items/[id]/x/[[...rest]]").unwrap();
        assert_eq!(p.page(), "/api/items/[id]/x/[[...rest]]");
        assert_eq!(
            p.segments(),
            [
                Segment::Static("api".into()),
                Segment::Static("items".into()),
                Segment::Dynamic("id".into()),
                Segment::Static("x".into()),
                Segment::OptionalCatchAll("rest".into()),
            ]
        );
        assert_eq!(p.param_names().collect::<Vec<_>>(), ["id", "rest"]);
        assert!(p.is_dynamic());
        let c = RoutePattern::parse("/api/files/[...path]").unwrap();
        assert_eq!(c.segments()[2], Segment::CatchAll("path".into()));
    }

    #[test]
    fn root_and_static_patterns() {
        let root = RoutePattern::parse("/").unwrap();
        assert!(root.segments().is_empty());
        assert!(!root.is_dynamic());
        let p: RoutePattern = "/api/thing.test".parse().unwrap();
        assert_eq!(p.segments()[1], Segment::Static("thing.test".into()));
        assert_eq!(p.to_string(), "/api/thing.test");
    }

    #[test]
    fn brackets_only_count_at_both_ends() {
        let p = RoutePattern::parse("/api/a[b]/[c/d]x/[").unwrap();
        assert_eq!(
            p.segments(),
            [
                Segment::Static("api".into()),
                Segment::Static("a[b]".into()),
                Segment::Static("[c".into()),
                Segment::Static("d]x".into()),
                Segment::Static("[".into()),
            ]
        );
    }

    #[test]
    fn display_round_trips_segments() {
        let page = "/api/[a]/b/[...c]";
        let p = RoutePattern::parse(page).unwrap();
        let rebuilt: String = p.segments().iter().map(|s| format!("/{s}")).collect();
        assert_eq!(rebuilt, page);
        assert_eq!(
            Segment::OptionalCatchAll("x".into()).to_string(),
            "[[...x]]"
        );
    }

    #[test]
    fn rejects_malformed_page_strings() {
        assert_eq!(problem("api/x"), PatternProblem::NotAbsolute);
        assert_eq!(problem(""), PatternProblem::NotAbsolute);
        assert_eq!(problem("/api//x"), PatternProblem::EmptySegment);
        assert_eq!(problem("/api/x/"), PatternProblem::EmptySegment);
        assert_eq!(
            problem("/api/../x"),
            PatternProblem::DotSegment("..".into())
        );
        assert_eq!(problem("/api/./x"), PatternProblem::DotSegment(".".into()));
    }

    #[test]
    fn rejects_bad_parameter_names() {
        assert_eq!(
            problem("/api/[]"),
            PatternProblem::EmptyParamName("[]".into())
        );
        assert_eq!(
            problem("/api/[...]"),
            PatternProblem::EmptyParamName("[...]".into())
        );
        assert_eq!(
            problem("/api/[[...]]"),
            PatternProblem::EmptyParamName("[[...]]".into())
        );
        assert_eq!(
            problem("/api/[[...x]"),
            PatternProblem::ExtraBrackets("[[...x]".into())
        );
        assert_eq!(
            problem("/api/[...x]]"),
            PatternProblem::ExtraBrackets("[...x]]".into())
        );
        assert_eq!(
            problem("/api/[....x]"),
            PatternProblem::LeadingPeriod("[....x]".into())
        );
        assert_eq!(
            problem("/api/[[x]]"),
            PatternProblem::OptionalNotCatchAll("[[x]]".into())
        );
    }

    #[test]
    fn catch_all_must_be_last() {
        assert_eq!(
            problem("/api/[...slug]/x"),
            PatternProblem::CatchAllNotLast("[...slug]".into())
        );
        assert_eq!(
            problem("/api/[[...slug]]/[id]"),
            PatternProblem::CatchAllNotLast("[[...slug]]".into())
        );
    }

    #[test]
    fn parameter_names_must_be_distinct() {
        assert_eq!(
            problem("/api/[id]/x/[id]"),
            PatternProblem::DuplicateParamName("id".into())
        );
        assert_eq!(
            problem("/api/[id]/[...id]"),
            PatternProblem::DuplicateParamName("id".into())
        );
        assert_eq!(
            problem("/api/[a-b]/[ab]"),
            PatternProblem::ParamNamesDifferBySymbols("a-b".into(), "ab".into())
        );
    }

    #[test]
    fn error_messages_name_the_route_and_the_fix() {
        let err = RoutePattern::parse("/api/[...slug]/x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid route `/api/[...slug]/x`: the catch-all segment `[...slug]` must be the last \
             segment of the route; move the file out of the `[...slug]` folder or make it \
             `[...slug].<ext>` itself"
        );
    }
}

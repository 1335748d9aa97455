//! The route table: routes sorted by Next's precedence, and request-path matching.
//!
//! Order: segment by segment, static < `[x]` < `[...x]` < `[[...x]]`, and a route that ends at
//! a folder comes before the routes inside that folder. This is the depth-first order of Next's
//! route tree; taking the first route in this order that matches gives the same answer as Next
//! (static pages first, then dynamic routes in sorted order), e.g. `/api/post/create/x` goes to
//! `post/[...slug]` even though `post/create` exists.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use crate::error::{RouteRef, RouterError};
use crate::normalize::decode_segment;
use crate::pattern::{RoutePattern, Segment};

/// The value of one route parameter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A `[name]` segment; serialises as a string.
    One(String),
    /// A `[...name]` or `[[...name]]` segment; serialises as an array of strings.
    Many(Vec<String>),
}

/// A successful match of a request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'a, T> {
    /// The value stored with the matched route.
    pub value: &'a T,
    /// The matched route's pattern.
    pub pattern: &'a RoutePattern,
    /// The parameters in path order, each segment percent-decoded after splitting on `/`.
    /// An optional catch-all that matched zero segments is absent (not an empty array).
    pub params: Vec<(String, ParamValue)>,
}

impl<T> RouteMatch<'_, T> {
    /// The value of parameter `name`, if present.
    pub fn param(&self, name: &str) -> Option<&ParamValue> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Routes sorted by Next's precedence, built once and then matched against request paths.
#[derive(Debug, Clone)]
pub struct RouteTable<T> {
    entries: Vec<(RoutePattern, T)>,
}

impl<T> RouteTable<T> {
    /// Builds the table. Errors name the routes by page only; see [`RouteTable::new_with_files`].
    ///
    /// Fails when two routes have the same page, when two routes use different parameter names
    /// at the same position (`[a]` and `[b]` in one folder: Next's "You cannot use different slug
    /// names for the same dynamic path"), when a folder has both `[...x]` and `[[...x]]`, or when
    /// a route collides with the zero-segment case of an optional catch-all (`docs` and
    /// `docs/[[...parts]]`).
    pub fn new(routes: Vec<(RoutePattern, T)>) -> Result<Self, RouterError> {
        Self::new_with_files(routes, |_| None)
    }

    /// Like [`RouteTable::new`], with `file_of` telling which file defines each route so that
    /// error messages can name it.
    pub fn new_with_files(
        mut routes: Vec<(RoutePattern, T)>,
        file_of: impl Fn(&T) -> Option<&Path>,
    ) -> Result<Self, RouterError> {
        routes.sort_by(|(a, _), (b, _)| precedence(a, b).then_with(|| a.page().cmp(b.page())));
        check_conflicts(&routes, &file_of)?;
        Ok(RouteTable { entries: routes })
    }

    /// Matches a request path: the raw pathname as received (still percent-encoded, no query,
    /// basePath removed, already normalised by [`normalize()`](crate::normalize())).
    ///
    /// Returns `None` when no route matches, and also when the path does not start with `/`,
    /// has an empty segment (`//`, trailing `/`), or has a segment that is not valid
    /// percent-encoded UTF-8 (`normalize` answers those before routing).
    pub fn match_path<'a>(&'a self, path: &str) -> Option<RouteMatch<'a, T>> {
        let rest = path.strip_prefix('/')?;
        let raw: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let segments: Vec<String> = raw
            .iter()
            .map(|raw| {
                if raw.is_empty() {
                    None
                } else {
                    decode_segment(raw)
                }
            })
            .collect::<Option<_>>()?;
        self.entries.iter().find_map(|(pattern, value)| {
            match_segments(pattern, &raw, &segments).map(|params| RouteMatch {
                value,
                pattern,
                params,
            })
        })
    }

    /// The routes in precedence order.
    pub fn iter(&self) -> impl Iterator<Item = (&RoutePattern, &T)> {
        self.entries.iter().map(|(p, v)| (p, v))
    }

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no routes.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Next's precedence: compare segment by segment (static before `[x]` before `[...x]` before
/// `[[...x]]`, static names alphabetically); a pattern that is a prefix of the other comes first.
fn precedence(a: &RoutePattern, b: &RoutePattern) -> Ordering {
    for (x, y) in a.segments().iter().zip(b.segments()) {
        let ord = x.rank().cmp(&y.rank()).then_with(|| match (x, y) {
            (Segment::Static(x), Segment::Static(y)) => x.cmp(y),
            _ => Ordering::Equal,
        });
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.segments().len().cmp(&b.segments().len())
}

/// Matches request segments (`raw` as received, `segments` decoded) against one pattern;
/// returns the parameters on success.
///
/// A static segment is compared with the raw text, as Next does: `/api/%70ing` does not reach
/// `/api/ping` (verified on `next start` 16, Pages and App Router alike). Only a name with
/// characters a client must percent-encode (`héllo`) is compared decoded.
fn match_segments(
    pattern: &RoutePattern,
    raw: &[&str],
    segments: &[String],
) -> Option<Vec<(String, ParamValue)>> {
    let mut params = Vec::new();
    for (i, segment) in pattern.segments().iter().enumerate() {
        match segment {
            Segment::Static(name) => {
                let matches = if sent_as_is(name) {
                    *raw.get(i)? == name.as_str()
                } else {
                    segments.get(i)? == name
                };
                if !matches {
                    return None;
                }
            }
            Segment::Dynamic(name) => {
                let value = segments.get(i)?;
                params.push((name.clone(), ParamValue::One(value.clone())));
            }
            Segment::CatchAll(name) => {
                if segments.len() <= i {
                    return None;
                }
                params.push((name.clone(), ParamValue::Many(segments[i..].to_vec())));
                return Some(params);
            }
            Segment::OptionalCatchAll(name) => {
                if segments.len() > i {
                    params.push((name.clone(), ParamValue::Many(segments[i..].to_vec())));
                }
                return Some(params);
            }
        }
    }
    (segments.len() == pattern.segments().len()).then_some(params)
}

/// Whether a client sends this path segment unencoded: only URL path characters
/// (unreserved, sub-delims, `:` and `@`).
fn sent_as_is(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b))
}

/// A segment with its parameter name erased: the key of a node in Next's route tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shape<'a> {
    Static(&'a str),
    Dynamic,
    CatchAll,
    OptionalCatchAll,
}

fn shape(segments: &[Segment]) -> Vec<Shape<'_>> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Static(n) => Shape::Static(n),
            Segment::Dynamic(_) => Shape::Dynamic,
            Segment::CatchAll(_) => Shape::CatchAll,
            Segment::OptionalCatchAll(_) => Shape::OptionalCatchAll,
        })
        .collect()
}

fn check_conflicts<T>(
    routes: &[(RoutePattern, T)],
    file_of: &impl Fn(&T) -> Option<&Path>,
) -> Result<(), RouterError> {
    let route_ref = |i: usize| {
        Box::new(RouteRef {
            page: routes[i].0.page().to_owned(),
            file: file_of(&routes[i].1).map(Path::to_path_buf),
        })
    };
    let mut pages: HashMap<&str, usize> = HashMap::new();
    // (shape of the folder, shape of the dynamic segment) → (parameter name, route index)
    let mut names: HashMap<(Vec<Shape<'_>>, Shape<'_>), (&str, usize)> = HashMap::new();
    let mut exact: HashMap<Vec<Shape<'_>>, usize> = HashMap::new();
    let mut required_rest: HashMap<Vec<Shape<'_>>, usize> = HashMap::new();
    let mut optional_rest: Vec<(Vec<Shape<'_>>, usize)> = Vec::new();

    for (i, (pattern, _)) in routes.iter().enumerate() {
        if let Some(&first) = pages.get(pattern.page()) {
            return Err(RouterError::DuplicatePage {
                first: route_ref(first),
                second: route_ref(i),
            });
        }
        pages.insert(pattern.page(), i);

        let full = shape(pattern.segments());
        for (pos, segment) in pattern.segments().iter().enumerate() {
            let Some(name) = segment.param_name() else {
                continue;
            };
            let key = (full[..pos].to_vec(), full[pos].clone());
            match names.get(&key) {
                Some(&(seen, first)) if seen != name => {
                    return Err(RouterError::SlugNameConflict {
                        first: route_ref(first),
                        second: route_ref(i),
                        first_name: seen.to_owned(),
                        second_name: name.to_owned(),
                    });
                }
                Some(_) => {}
                None => {
                    names.insert(key, (name, i));
                }
            }
        }

        match pattern.segments().last() {
            Some(Segment::CatchAll(_)) => {
                let folder = full[..full.len() - 1].to_vec();
                if let Some(&(_, optional)) = optional_rest.iter().find(|(f, _)| *f == folder) {
                    return Err(RouterError::CatchAllConflict {
                        required: route_ref(i),
                        optional: route_ref(optional),
                    });
                }
                required_rest.insert(folder, i);
            }
            Some(Segment::OptionalCatchAll(_)) => {
                let folder = full[..full.len() - 1].to_vec();
                if let Some(&required) = required_rest.get(&folder) {
                    return Err(RouterError::CatchAllConflict {
                        required: route_ref(required),
                        optional: route_ref(i),
                    });
                }
                optional_rest.push((folder, i));
            }
            _ => {}
        }
        exact.insert(full, i);
    }

    for (folder, optional) in &optional_rest {
        if let Some(&route) = exact.get(folder) {
            return Err(RouterError::OptionalCatchAllShadow {
                route: route_ref(route),
                optional: route_ref(*optional),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pages: &[&str]) -> Result<RouteTable<String>, RouterError> {
        RouteTable::new(
            pages
                .iter()
                .map(|p| (RoutePattern::parse(p).unwrap(), (*p).to_owned()))
                .collect(),
        )
    }

    fn order(pages: &[&str]) -> Vec<String> {
        table(pages)
            .unwrap()
            .iter()
            .map(|(p, _)| p.page().to_owned())
            .collect()
    }

    #[test]
    fn static_segments_match_the_raw_text_unless_they_need_encoding() {
        let t = table(&["/api/ping", "/api/héllo", "/rh/_under", "/api/[id]/x"]).unwrap();
        let page = |path: &str| t.match_path(path).map(|m| m.value.clone());
        assert_eq!(page("/api/ping").as_deref(), Some("/api/ping"));
        assert_eq!(page("/api/p%69ng"), None);
        assert_eq!(page("/rh/%5Funder"), None);
        assert_eq!(page("/api/h%C3%A9llo").as_deref(), Some("/api/héllo"));
        // Parameters are still decoded.
        let m = t.match_path("/api/a%20b/x").unwrap();
        assert_eq!(m.params, vec![("id".into(), ParamValue::One("a b".into()))]);
    }

    #[test]
    fn sorts_by_next_precedence() {
        assert_eq!(
            order(&[
                "/api/post/[...slug]",
                "/api/post/[pid]",
                "/api/[[...all]]",
                "/api/post/create",
                "/api/[x]/y",
                "/api/post",
                "/api/a",
            ]),
            [
                "/api/a",
                "/api/post",
                "/api/post/create",
                "/api/post/[pid]",
                "/api/post/[...slug]",
                "/api/[x]/y",
                "/api/[[...all]]",
            ]
        );
    }

    #[test]
    fn matches_the_first_route_in_precedence_order() {
        let t = table(&["/api/[a]/x", "/api/b/[c]", "/api/b/[...rest]"]).unwrap();
        let m = t.match_path("/api/b/x").unwrap();
        assert_eq!(m.pattern.page(), "/api/b/[c]");
        assert_eq!(m.params, [("c".into(), ParamValue::One("x".into()))]);
        let m = t.match_path("/api/q/x").unwrap();
        assert_eq!(m.pattern.page(), "/api/[a]/x");
        let m = t.match_path("/api/b/x/y").unwrap();
        assert_eq!(m.pattern.page(), "/api/b/[...rest]");
        assert_eq!(
            m.param("rest"),
            Some(&ParamValue::Many(vec!["x".into(), "y".into()]))
        );
        assert!(t.match_path("/api/q/y").is_none());
    }

    #[test]
    fn rejects_malformed_request_paths() {
        let t = table(&["/", "/api/[[...all]]"]).unwrap();
        assert_eq!(t.match_path("/").unwrap().pattern.page(), "/");
        assert_eq!(t.match_path("/api").unwrap().params, []);
        assert!(t.match_path("").is_none());
        assert!(t.match_path("api").is_none());
        assert!(t.match_path("/api/a//b").is_none());
        assert!(t.match_path("/api/a/").is_none());
        assert!(t.match_path("/api/%ZZ").is_none());
        assert!(t.match_path("/api/%FF").is_none());
    }

    #[test]
    fn params_serialise_as_string_or_array() {
        let one = serde_json::to_string(&ParamValue::One("a b".into())).unwrap();
        let many = serde_json::to_string(&ParamValue::Many(vec!["x".into()])).unwrap();
        assert_eq!((one.as_str(), many.as_str()), ("\"a b\"", "[\"x\"]"));
    }

    #[test]
    fn different_slug_names_in_one_folder_fail_like_next() {
        let err = table(&["/api/[b]", "/api/[a]"]).unwrap_err();
        assert!(matches!(
            &err,
            RouterError::SlugNameConflict { first_name, second_name, .. }
                if first_name == "a" && second_name == "b"
        ));
        assert!(err.to_string().starts_with(
            "You cannot use different slug names for the same dynamic path ('a' !== 'b')."
        ));
        // Also when the two routes continue differently below the dynamic folder.
        assert!(matches!(
            table(&["/api/c/[id]/x", "/api/c/[slug]"]),
            Err(RouterError::SlugNameConflict { .. })
        ));
        assert!(matches!(
            table(&["/api/[...a]", "/api/x/[...b]", "/api/[...c]"]),
            Err(RouterError::SlugNameConflict { .. })
        ));
        // Same name at the same place, and different kinds, are fine.
        table(&[
            "/api/[id]",
            "/api/[id]/x",
            "/api/[...rest]",
            "/api/y/[other]",
        ])
        .unwrap();
    }

    #[test]
    fn other_conflicts() {
        assert!(matches!(
            table(&["/api/x", "/api/x"]),
            Err(RouterError::DuplicatePage { .. })
        ));
        assert!(matches!(
            table(&["/api/d/[[...a]]", "/api/d/[...a]"]),
            Err(RouterError::CatchAllConflict { .. })
        ));
        assert!(matches!(
            table(&["/api/d/[[...a]]", "/api/d"]),
            Err(RouterError::OptionalCatchAllShadow { .. })
        ));
        // `/api/d/[id]` does not collide with the zero-segment case.
        table(&["/api/d/[[...a]]", "/api/d/[id]"]).unwrap();
    }

    #[test]
    fn errors_name_files_when_known() {
        let routes = vec![
            (RoutePattern::parse("/api/[a]").unwrap(), "pages/api/[a].ts"),
            (RoutePattern::parse("/api/[b]").unwrap(), "pages/api/[b].ts"),
        ];
        let err = RouteTable::new_with_files(routes, |f| Some(Path::new(*f))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "You cannot use different slug names for the same dynamic path ('a' !== 'b'). \
             pages/api/[a].ts (route `/api/[a]`) and pages/api/[b].ts (route `/api/[b]`) use \
             different parameter names at the same position; rename one so that both use the \
             same name"
        );
    }
}

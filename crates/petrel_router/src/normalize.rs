//! Path normalisation that Next performs before routing, answering the request itself (308,
//! 400, 404) without calling a handler.
//!
//! Order of the rules, as observed on `next start`:
//! 1. Repeated slashes and backslashes in the path: 308 to the path with each `\` turned into `/`
//!    and each run of `/` collapsed (query kept). The trailing slash is left alone, so
//!    `//api/ping/` takes two redirects (`/api/ping/`, then `/api/ping`), like Next.
//! 2. Trailing slash, applied to the whole path **before** the basePath check:
//!    - `trailing_slash = false`: `/x/` → 308 `/x` (the root `/` stays).
//!    - `trailing_slash = true`: `/x` → 308 `/x/` when the last segment contains no `.`;
//!      `/x/file.ext/` → 308 `/x/file.ext` when the last segment ends in `.` + ASCII word
//!      characters (Next's "file" rule); other paths are left alone. Paths under
//!      `/.well-known` (also right after the basePath) are never redirected in this mode.
//! 3. basePath (case-sensitive): the path must be the basePath or start with basePath + `/`,
//!    otherwise 404.
//! 4. Every path segment must be valid percent-encoding of UTF-8, otherwise 400.
//!
//! The repeated-slash redirect copies the query verbatim; the trailing-slash redirect
//! re-serialises it the way `URLSearchParams` does (`?a=1&b` → `?a=1&b=`), as observed on
//! Next 16.4.6 (conformance case c05b). An empty query is dropped; a
//! `#fragment` in the target is ignored. Request targets that do not start with `/` (absolute
//! form, `*`) are a 400: the HTTP layer converts absolute-form targets before calling this.

/// Next config values that affect normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// `basePath`: `""` or a path such as `/base` (a trailing `/` is ignored).
    pub base_path: String,
    /// `trailingSlash`.
    pub trailing_slash: bool,
}

/// The outcome of [`normalize()`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Normalized {
    /// Route this request.
    Route {
        /// The pathname to give to [`crate::RouteTable::match_path`]: basePath removed, trailing
        /// slash removed (only present when `trailing_slash = true`), still percent-encoded;
        /// `/` when nothing is left.
        pathname: String,
        /// The pathname with the basePath removed, exactly as received (trailing slash and
        /// percent-encoding kept): the start of the handler's `req.url`.
        url_path: String,
        /// The raw query string without the `?`; `None` when the target had no `?`.
        query: Option<String>,
    },
    /// Answer 308 with this `Location` (and `Refresh: 0;url=<location>`, body = location).
    Redirect {
        /// The redirect target: a path plus the original query string.
        location: String,
    },
    /// Answer 400: invalid percent-escape in the path (incl. invalid UTF-8 after decoding).
    BadRequest,
    /// Answer 404: the path is outside the basePath.
    NotFound,
}

/// Normalises a raw request target (`path?query`) the way Next does before routing.
pub fn normalize(target: &str, opts: &NormalizeOptions) -> Normalized {
    let target = target.split_once('#').map_or(target, |(before, _)| before);
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    if !path.starts_with('/') {
        return Normalized::BadRequest;
    }
    let with_query = |location: String| {
        let location = match query {
            Some(q) if !q.is_empty() => format!("{location}?{q}"),
            _ => location,
        };
        Normalized::Redirect { location }
    };

    if path.contains("//") || path.contains('\\') {
        return with_query(collapse_slashes(path));
    }
    let base = opts.base_path.trim_end_matches('/');
    if let Some(location) = trailing_slash_redirect(path, base, opts.trailing_slash) {
        let query = query.map(reserialize_query).unwrap_or_default();
        let location = if query.is_empty() {
            location
        } else {
            format!("{location}?{query}")
        };
        return Normalized::Redirect { location };
    }

    let url_path = if base.is_empty() {
        path
    } else if path == base {
        "/"
    } else {
        match path.strip_prefix(base) {
            Some(rest) if rest.starts_with('/') => rest,
            _ => return Normalized::NotFound,
        }
    };
    if url_path
        .split('/')
        .any(|segment| decode_segment(segment).is_none())
    {
        return Normalized::BadRequest;
    }
    let pathname = match url_path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => url_path,
    };
    Normalized::Route {
        pathname: pathname.to_owned(),
        url_path: url_path.to_owned(),
        query: query.map(str::to_owned),
    }
}

/// Turns `\` into `/` and collapses runs of `/`.
/// Parses a query as `application/x-www-form-urlencoded` and serialises it again, the way
/// `new URLSearchParams(q).toString()` does: `+` and `%20` become `+`, bare keys get `=`,
/// every byte outside `*-._` and ASCII alphanumerics is percent-encoded.
pub fn reserialize_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !out.is_empty() {
            out.push('&');
        }
        serialize_form_component(&decode_form_component(name), &mut out);
        out.push('=');
        serialize_form_component(&decode_form_component(value), &mut out);
    }
    out
}

/// `+` → space, then lenient percent-decoding (invalid escapes kept), then UTF-8 (lossy).
fn decode_form_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serialize_form_component(text: &str, out: &mut String) {
    for &byte in text.as_bytes() {
        match byte {
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        let c = if c == '\\' { '/' } else { c };
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The trailing-slash redirect target for `path` (which has no `//`), if any.
fn trailing_slash_redirect(path: &str, base: &str, trailing_slash: bool) -> Option<String> {
    if path == "/" {
        return None;
    }
    if !trailing_slash {
        return path.strip_suffix('/').map(str::to_owned);
    }
    let well_known = |p: &str| p.starts_with("/.well-known");
    if well_known(path) || (!base.is_empty() && path.strip_prefix(base).is_some_and(well_known)) {
        return None;
    }
    match path.strip_suffix('/') {
        Some(without) => {
            let last = without.rsplit('/').next().unwrap_or_default();
            looks_like_file(last).then(|| without.to_owned())
        }
        None => {
            let last = path.rsplit('/').next().unwrap_or_default();
            (!last.is_empty() && !last.contains('.')).then(|| format!("{path}/"))
        }
    }
}

/// Next's "file" test for the last segment: something, a `.`, then one or more ASCII word
/// characters up to the end (`thing.test`, `v1.2`; not `.env`, `a.`, `a.b-c`).
fn looks_like_file(segment: &str) -> bool {
    match segment.rfind('.') {
        Some(dot) if dot > 0 => {
            let ext = &segment[dot + 1..];
            !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        _ => false,
    }
}

/// Strictly percent-decodes one path segment: every `%` must start a `%XX` escape and the
/// decoded bytes must be UTF-8. `+` stays `+`. `None` when the segment is invalid.
pub(crate) fn decode_segment(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'%') {
        let at = i + offset;
        let escape = bytes.get(at + 1..at + 3)?;
        if !escape.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        i = at + 3;
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> NormalizeOptions {
        NormalizeOptions::default()
    }

    fn slash(base: &str) -> NormalizeOptions {
        NormalizeOptions {
            base_path: base.to_owned(),
            trailing_slash: true,
        }
    }

    fn redirect(location: &str) -> Normalized {
        Normalized::Redirect {
            location: location.to_owned(),
        }
    }

    fn route(pathname: &str, url_path: &str, query: Option<&str>) -> Normalized {
        Normalized::Route {
            pathname: pathname.to_owned(),
            url_path: url_path.to_owned(),
            query: query.map(str::to_owned),
        }
    }

    #[test]
    fn decodes_segments_strictly() {
        assert_eq!(decode_segment("a%20b").as_deref(), Some("a b"));
        assert_eq!(decode_segment("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(decode_segment("a%2fb").as_deref(), Some("a/b"));
        assert_eq!(decode_segment("%E2%9C%93").as_deref(), Some("✓"));
        assert_eq!(decode_segment("%25").as_deref(), Some("%"));
        assert_eq!(decode_segment("a+b").as_deref(), Some("a+b"));
        assert_eq!(decode_segment("").as_deref(), Some(""));
        for bad in [
            "%ZZ",
            "%",
            "%2",
            "a%",
            "%G0",
            "%FF",
            "%E2%9C",
            "%ED%A0%80",
            "%C0%AF",
        ] {
            assert_eq!(decode_segment(bad), None, "{bad}");
        }
    }

    #[test]
    fn default_mode_strips_trailing_slash() {
        assert_eq!(normalize("/api/ping/", &default()), redirect("/api/ping"));
        assert_eq!(normalize("/api/?a=1", &default()), redirect("/api?a=1"));
        // Re-serialised like URLSearchParams (observed on Next 16.4.6).
        assert_eq!(
            normalize("/api/ping/?a=1&b&c=x+y&d=%ZZ&e[]=1", &default()),
            redirect("/api/ping?a=1&b=&c=x+y&d=%25ZZ&e%5B%5D=1")
        );
        assert_eq!(normalize("/api/ping/?", &default()), redirect("/api/ping"));
        assert_eq!(normalize("/", &default()), route("/", "/", None));
        assert_eq!(
            normalize("/api/ping?x=1", &default()),
            route("/api/ping", "/api/ping", Some("x=1"))
        );
        assert_eq!(
            normalize("/api/ping?", &default()),
            route("/api/ping", "/api/ping", Some(""))
        );
    }

    #[test]
    fn repeated_slashes_and_backslashes_redirect_first() {
        assert_eq!(normalize("//api/ping", &default()), redirect("/api/ping"));
        assert_eq!(
            normalize("/api/files/a//b?q=1//2", &default()),
            redirect("/api/files/a/b?q=1//2")
        );
        assert_eq!(normalize("/api\\ping", &default()), redirect("/api/ping"));
        // The trailing slash is a second, separate redirect.
        assert_eq!(normalize("//api/ping/", &default()), redirect("/api/ping/"));
        assert_eq!(normalize("//", &default()), redirect("/"));
        // Before the basePath check.
        assert_eq!(normalize("//x", &slash("/base")), redirect("/x"));
    }

    #[test]
    fn trailing_slash_mode_adds_the_slash() {
        let opts = slash("/base");
        assert_eq!(
            normalize("/base/api/where?a=1", &opts),
            redirect("/base/api/where/?a=1")
        );
        assert_eq!(normalize("/base", &opts), redirect("/base/"));
        assert_eq!(normalize("/api/where", &opts), redirect("/api/where/"));
        assert_eq!(
            normalize("/base/api/where/?a=1", &opts),
            route("/api/where", "/api/where/", Some("a=1"))
        );
        assert_eq!(normalize("/base/", &opts), route("/", "/", None));
    }

    #[test]
    fn trailing_slash_mode_treats_file_like_paths_as_files() {
        let opts = slash("");
        assert_eq!(
            normalize("/api/thing.test", &opts),
            route("/api/thing.test", "/api/thing.test", None)
        );
        assert_eq!(
            normalize("/api/thing.test/", &opts),
            redirect("/api/thing.test")
        );
        assert_eq!(normalize("/api/v1.2/", &opts), redirect("/api/v1.2"));
        // A dot but not a "file": neither rule applies, served as is.
        assert_eq!(
            normalize("/api/a.", &opts),
            route("/api/a.", "/api/a.", None)
        );
        assert_eq!(
            normalize("/api/a./", &opts),
            route("/api/a.", "/api/a./", None)
        );
        assert_eq!(
            normalize("/api/.env/", &opts),
            route("/api/.env", "/api/.env/", None)
        );
        // Dots in earlier segments do not matter.
        assert_eq!(normalize("/api/v1.0/x", &opts), redirect("/api/v1.0/x/"));
    }

    #[test]
    fn trailing_slash_mode_leaves_well_known_alone() {
        let opts = slash("/base");
        assert_eq!(normalize("/.well-known/x", &opts), Normalized::NotFound);
        assert_eq!(
            normalize("/base/.well-known/x", &opts),
            route("/.well-known/x", "/.well-known/x", None)
        );
        assert_eq!(
            normalize("/base/.well-known/a.json/", &opts),
            route("/.well-known/a.json", "/.well-known/a.json/", None)
        );
    }

    #[test]
    fn base_path_is_a_case_sensitive_prefix() {
        let opts = NormalizeOptions {
            base_path: "/base".into(),
            trailing_slash: false,
        };
        assert_eq!(
            normalize("/base/api/x", &opts),
            route("/api/x", "/api/x", None)
        );
        assert_eq!(normalize("/base", &opts), route("/", "/", None));
        assert_eq!(normalize("/base/", &opts), redirect("/base"));
        assert_eq!(normalize("/BASE/api/x", &opts), Normalized::NotFound);
        assert_eq!(normalize("/basement/api/x", &opts), Normalized::NotFound);
        assert_eq!(normalize("/api/x", &opts), Normalized::NotFound);
        // A trailing `/` in the option is ignored.
        let lenient = NormalizeOptions {
            base_path: "/base/".into(),
            trailing_slash: false,
        };
        assert_eq!(
            normalize("/base/api/x", &lenient),
            route("/api/x", "/api/x", None)
        );
    }

    #[test]
    fn invalid_escapes_are_a_bad_request_after_redirects_and_base_path() {
        assert_eq!(
            normalize("/api/items/%ZZ", &default()),
            Normalized::BadRequest
        );
        assert_eq!(normalize("/api/%FF/x", &default()), Normalized::BadRequest);
        assert_eq!(
            normalize("/api/items/%ZZ/", &default()),
            redirect("/api/items/%ZZ")
        );
        let based = NormalizeOptions {
            base_path: "/base".into(),
            trailing_slash: false,
        };
        assert_eq!(normalize("/other/%ZZ", &based), Normalized::NotFound);
        // Escapes in the query are not checked.
        assert_eq!(
            normalize("/api/echo?x=%ZZ", &default()),
            route("/api/echo", "/api/echo", Some("x=%ZZ"))
        );
    }

    #[test]
    fn odd_targets() {
        assert_eq!(normalize("", &default()), Normalized::BadRequest);
        assert_eq!(normalize("*", &default()), Normalized::BadRequest);
        assert_eq!(
            normalize("http://h/api", &default()),
            Normalized::BadRequest
        );
        assert_eq!(
            normalize("/api/ping#frag?x", &default()),
            route("/api/ping", "/api/ping", None)
        );
        assert_eq!(
            normalize("/api/items/a%2Fb", &default()),
            route("/api/items/a%2Fb", "/api/items/a%2Fb", None)
        );
    }
}

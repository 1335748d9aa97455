use super::*;

/// `None` = no match; `Some("")` = match without params; otherwise `name=value` pairs joined by
/// `&`, in pattern order.
fn run(path: &str, request: &str) -> Option<String> {
    let compiled = NetlifyPath::parse(path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    compiled.matches(request).map(|params| {
        params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn check(cases: &[(&str, &str, Option<&str>)]) {
    for &(path, request, expected) in cases {
        assert_eq!(
            run(path, request).as_deref(),
            expected,
            "path {path:?}, request {request:?}"
        );
    }
}

fn reason(path: &str) -> String {
    match NetlifyPath::parse(path) {
        Err(NetlifyPathError::InvalidUrlPattern { path: p, reason }) => {
            assert_eq!(p, path);
            reason
        }
        other => panic!("{path}: expected InvalidUrlPattern, got {other:?}"),
    }
}

#[test]
fn reference_cases() {
    check(&[
        // §14 cases 7, 8, 15.
        ("/api/items/:id", "/api/items/42", Some("id=42")),
        ("/api/items/:id", "/api/items/42/", Some("id=42")),
        ("/api/items/:id", "/api/items/a%20b", Some("id=a%20b")),
        ("/api/items/:id", "/api/items", None),
        ("/api/items/:id", "/api/items/", None),
        ("/api/items/:id", "/api/items/42/x", None),
        ("/api/items/:id", "/API/items/42", None),
        // Case 13.
        ("/api/wild/*", "/api/wild/a/b/c", Some("0=a/b/c")),
        ("/api/wild/*", "/api/wild/a/b/c/", Some("0=a/b/c")),
        ("/api/wild/*", "/api/wild/a", Some("0=a")),
        ("/api/wild/*", "/api/wild", None),
        ("/api/wild/*", "/api/wild/", None),
        ("/api/wild/*", "/api/wildx", None),
        // Case 14.
        ("/api/opt/:x?", "/api/opt", Some("")),
        ("/api/opt/:x?", "/api/opt/", Some("")),
        ("/api/opt/:x?", "/api/opt/zz", Some("x=zz")),
        ("/api/opt/:x?", "/api/opt/a/b", None),
        ("/api/opt/:x?", "/api/optzz", None),
    ]);
}

#[test]
fn literal_paths() {
    check(&[
        ("/lower", "/lower", Some("")),
        ("/lower", "/lower/", Some("")),
        ("/lower", "/lower//", None),
        ("/lower", "/lowerx", None),
        ("/lower", "/LOWER", None),
        ("/Mixed/Case", "/Mixed/Case", Some("")),
        ("/Mixed/Case", "/mixed/case", None),
        ("/", "/", Some("")),
        ("/", "//", Some("")),
        ("/", "/x", None),
        ("/", "", None),
        ("/foo/", "/foo/", Some("")),
        ("/foo/", "/foo//", Some("")),
        ("/foo/", "/foo", None),
        ("/index.html", "/index.html", Some("")),
        // Literal text is compared as written (no percent-encoding, no decoding).
        ("/a%20b", "/a%20b", Some("")),
        ("/a b", "/a%20b", None),
    ]);
}

#[test]
fn literal_detection_follows_netlify() {
    let cases: &[(&str, bool)] = &[
        ("/", true),
        ("/api/items", true),
        ("/api/items/:id", false),
        ("/api/*", false),
        ("/api/a*b", false),
        ("/blog{/:slug}?", false),
        ("/api/[x]", false),
        ("/api/(\\d+)", false),
        // A `:` that does not start a segment does not make the path a pattern.
        ("/a-:b", true),
        ("/api/\\:id", true),
        // Neither do URLPattern modifiers or a lone `}`: such paths are literals and are not
        // checked against the URLPattern syntax.
        ("/a?", true),
        ("/a+", true),
        ("/a}", true),
        ("/a)", true),
        ("/a\\", true),
    ];
    for &(path, literal) in cases {
        let parsed = NetlifyPath::parse(path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!(parsed.is_literal(), literal, "{path}");
        assert_eq!(parsed.as_str(), path);
        assert_eq!(parsed.to_string(), path);
    }
    check(&[("/a-:b", "/a-:b", Some("")), ("/a-:b", "/a-x", None)]);
}

#[test]
fn named_groups() {
    check(&[
        ("/:x", "/foo", Some("x=foo")),
        ("/:x", "/", None),
        ("/:x", "/foo/bar", None),
        ("/api/:a/:b", "/api/1/2", Some("a=1&b=2")),
        ("/api/:a/x/:b", "/api/1/x/2/", Some("a=1&b=2")),
        ("/api/:a/x/:b", "/api/1/y/2", None),
        // Lazy segment groups: the first group takes as little as it can.
        (
            "/post/:year-:month",
            "/post/2024-05",
            Some("year=2024&month=05"),
        ),
        (
            "/post/:year-:month",
            "/post/2024-05-01",
            Some("year=2024&month=05-01"),
        ),
        ("/post/:year-:month", "/post/2024", None),
        ("/api/:file.json", "/api/data.json", Some("file=data")),
        ("/api/:file.json", "/api/a.b.json", Some("file=a.b")),
        ("/api/:file.json", "/api/data.xml", None),
        // Names: `$`, `_`, digits after the first character, non-ASCII letters.
        ("/:$x_1", "/v", Some("$x_1=v")),
        ("/:café", "/v", Some("café=v")),
        // Params are not decoded; an encoded `/` stays inside one segment.
        ("/f/:name", "/f/a%2Fb", Some("name=a%2Fb")),
        // Case-sensitive.
        ("/API/:x", "/api/1", None),
    ]);
}

#[test]
fn modifiers() {
    check(&[
        ("/files/:path+", "/files/a", Some("path=a")),
        ("/files/:path+", "/files/a/b/c", Some("path=a/b/c")),
        ("/files/:path+", "/files/a/b/c/", Some("path=a/b/c")),
        ("/files/:path+", "/files", None),
        ("/files/:path+", "/files/", None),
        ("/files/:path*", "/files", Some("")),
        ("/files/:path*", "/files/", Some("")),
        ("/files/:path*", "/files/a/b", Some("path=a/b")),
        ("/files/:path*", "/filesx", None),
        ("/:a?/:b?", "/", Some("")),
        ("/:a?/:b?", "/x", Some("a=x")),
        ("/:a?/:b?", "/x/y", Some("a=x&b=y")),
        // A modifier without a prefix applies to the bare group.
        ("/:a-:x?", "/v-", Some("a=v")),
        ("/:a-:x?", "/v-b", Some("a=v&x=b")),
        ("/:a-:x+", "/v-b/c", None),
        ("/:a-:x+", "/v-bc", Some("a=v&x=bc")),
        // Wildcards with modifiers.
        ("/api/*?", "/api", Some("")),
        ("/api/*?", "/api/x/y", Some("0=x/y")),
        ("/api/*+", "/api/x/y", Some("0=x/y")),
        ("/a/**", "/a", Some("")),
        ("/a/**", "/a/b/c", Some("0=b/c")),
    ]);
}

#[test]
fn wildcards_and_regexp_groups() {
    check(&[
        ("/*", "/", Some("0=")),
        ("/*", "/a/b", Some("0=a/b")),
        ("/a/*/b/*", "/a/x/b/y/z", Some("0=x&1=y/z")),
        ("/a/*/b/*", "/a/x/y/b/z", Some("0=x/y&1=z")),
        ("/*.png", "/img/a.png", Some("0=img/a")),
        ("/*.png", "/img/a.jpg", None),
        ("/items/:id(\\d+)", "/items/42", Some("id=42")),
        ("/items/:id(\\d+)", "/items/42/", Some("id=42")),
        ("/items/:id(\\d+)", "/items/abc", None),
        ("/items/:id(\\d+)", "/items/4a", None),
        ("/items/(\\d+)", "/items/7", Some("0=7")),
        ("/items/(\\d+)/*", "/items/7/x", Some("0=7&1=x")),
        (
            "/:kind(posts|pages)/:id",
            "/posts/1",
            Some("kind=posts&id=1"),
        ),
        ("/:kind(posts|pages)/:id", "/users/1", None),
        (
            "/img/:name([a-z]+).:ext(png|jpe?g)",
            "/img/cat.jpeg",
            Some("name=cat&ext=jpeg"),
        ),
        ("/img/:name([a-z]+).:ext(png|jpe?g)", "/img/cat.gif", None),
        ("/v/:n(\\d{2,3})", "/v/123", Some("n=123")),
        ("/v/:n(\\d{2,3})", "/v/1234", None),
        ("/x/(a(?:b|c))", "/x/ac", Some("0=ac")),
        // A custom regexp may cross `/`.
        ("/docs/:rest(.*)", "/docs/a/b", Some("rest=a/b")),
        ("/docs/:rest(.*)", "/docs", None),
        // Repeated custom groups.
        ("/n/:ids(\\d+)+", "/n/1/22/333", Some("ids=1/22/333")),
        ("/n/:ids(\\d+)+", "/n/1/x", None),
        ("/n/:ids(\\d+)*", "/n", Some("")),
        // Lookahead.
        ("/u/:name((?!admin$)[a-z]+)", "/u/bob", Some("name=bob")),
        ("/u/:name((?!admin$)[a-z]+)", "/u/admin", None),
    ]);
}

#[test]
fn non_capturing_groups_and_escapes() {
    check(&[
        ("/blog{/:slug}?", "/blog", Some("")),
        ("/blog{/:slug}?", "/blog/", Some("")),
        ("/blog{/:slug}?", "/blog/hello", Some("slug=hello")),
        ("/blog{/:slug}?", "/blog/a/b", None),
        ("/books{/old}?", "/books", Some("")),
        ("/books{/old}?", "/books/old", Some("")),
        ("/books{/old}?", "/books/new", None),
        ("/books{/old}", "/books/old", Some("")),
        ("/books{/old}", "/books", None),
        ("/a{/b}*", "/a/b/b/b", Some("")),
        ("/a{/b}+", "/a", None),
        ("/p{/:x}+", "/p/1/2", Some("x=1/2")),
        ("/p{/:x}*", "/p", Some("")),
        ("/p{-:x-}+", "/p-1--2-", Some("x=1--2")),
        // The request's trailing `/` is removed before matching, so a pattern that needs a
        // trailing `/` can only be met by a request ending in `//`.
        ("/g/{:id}?", "/g/", None),
        ("/g/{:id}?", "/g//", Some("")),
        ("/g/{:id}?", "/g/1", Some("id=1")),
        ("/e/{}?:x", "/e/1", Some("x=1")),
        ("/e/{*}?", "/e/anything/here", Some("0=anything/here")),
        ("/api/\\*", "/api/*", Some("")),
        ("/api/\\*", "/api/x", None),
        ("/api/\\:id/:x", "/api/:id/1", Some("x=1")),
        ("/api/\\{x\\}/:y", "/api/%7Bx%7D/1", Some("y=1")),
        ("/esc/\\(x\\)/*", "/esc/(x)/1", Some("0=1")),
    ]);
}

#[test]
fn fixed_text_is_percent_encoded_like_urlpattern() {
    check(&[
        ("/caf\u{e9}/:x", "/caf%C3%A9/1", Some("x=1")),
        ("/caf\u{e9}/:x", "/caf\u{e9}/1", None),
        ("/a b/:x", "/a%20b/1", Some("x=1")),
        ("/a%20b/:x", "/a%20b/1", Some("x=1")),
        ("/q\\?/:x", "/q%3F/1", Some("x=1")),
    ]);
}

#[test]
fn param_names_in_pattern_order() {
    let p = NetlifyPath::parse("/a/:x/*/(\\d+)/:y?").unwrap();
    assert_eq!(p.param_names(), ["x", "0", "1", "y"]);
    assert!(NetlifyPath::parse("/a/b").unwrap().param_names().is_empty());
}

#[test]
fn must_start_with_a_slash() {
    for path in ["noslash", "", "api/items/:id", "*", ":id", " /x"] {
        let err = NetlifyPath::parse(path).unwrap_err();
        assert_eq!(err, NetlifyPathError::MustStartWithSlash, "{path:?}");
        assert_eq!(err.to_string(), "Must start with a '/'");
    }
}

#[test]
fn invalid_url_patterns() {
    let cases: &[(&str, &str)] = &[
        ("/api/{", "expected `}`"),
        ("/api/{x", "expected `}`"),
        ("/api/{x}}", "unexpected `}`"),
        ("/api/{a{b}}", "expected `}`"),
        ("/api/{:a:b}", "expected `}`"),
        ("/api/(", "unbalanced"),
        ("/products(", "unbalanced"),
        ("/api/(\\d+", "unbalanced"),
        ("/api/()", "missing regexp group body"),
        ("/api/(?:a)", "cannot start with `?`"),
        ("/api/((a))", "capturing groups are not allowed"),
        ("/api/(a(b))", "capturing groups are not allowed"),
        ("/api/(a(", "capturing groups are not allowed"),
        ("/api/(\u{e9})", "non-ASCII"),
        ("/api/(a\\", "invalid escape"),
        ("/api/:", "missing parameter name"),
        ("/:", "missing parameter name"),
        ("/api/:1", "missing parameter name"),
        ("/api/:-x", "missing parameter name"),
        ("/api/:id/:id", "duplicate group name `id`"),
        ("/api/:id/{:id}?", "duplicate group name `id`"),
        ("/api/:x??", "unexpected modifier `?`"),
        ("/api/:x+?", "unexpected modifier `?`"),
        ("/api/*/a?", "unexpected modifier `?`"),
        ("/api/*/+", "unexpected modifier `+`"),
        ("/api/*/}", "unexpected `}`"),
        ("/api/:x\\", "at the end of the pattern"),
        // Invalid regular expressions inside groups.
        ("/api/([)", "unterminated character class"),
        ("/api/(a{)", "incomplete quantifier"),
        ("/api/(*)", "nothing to repeat"),
        ("/api/(a|*)", "nothing to repeat"),
        ("/api/(\\q)", "invalid escape"),
        ("/api/([z-a])", "out of order"),
        // Valid JavaScript, but not implemented here.
        ("/api/(a(?<n>b))", "unsupported"),
        ("/api/(a(?<=b))", "unsupported"),
        ("/api/(a\\1)", "unsupported"),
        ("/api/(\\p{L})", "unsupported"),
    ];
    for &(path, expected) in cases {
        let reason = reason(path);
        assert!(
            reason.contains(expected),
            "{path}: reason {reason:?} should contain {expected:?}"
        );
        assert_eq!(
            NetlifyPath::parse(path).unwrap_err().to_string(),
            format!("'{path}' is not a valid path according to the URLPattern specification")
        );
    }
}

#[test]
fn tokenizer_and_parser_build_urlpattern_parts() {
    let parts = parse_parts("/blog{/:slug}?/x-:y(\\d+)*/*").unwrap();
    assert_eq!(
        parts,
        [
            Part::Fixed {
                value: "/blog".into(),
                modifier: Modifier::None,
            },
            Part::Group {
                name: "slug".into(),
                kind: GroupKind::Segment,
                prefix: "/".into(),
                suffix: String::new(),
                modifier: Modifier::Optional,
            },
            Part::Fixed {
                value: "/x-".into(),
                modifier: Modifier::None,
            },
            Part::Group {
                name: "y".into(),
                kind: GroupKind::Regexp("\\d+".into()),
                prefix: String::new(),
                suffix: String::new(),
                modifier: Modifier::ZeroOrMore,
            },
            Part::Group {
                name: "0".into(),
                kind: GroupKind::Full,
                prefix: "/".into(),
                suffix: String::new(),
                modifier: Modifier::None,
            },
        ]
    );
    // `{text}` without a modifier is plain text; `{}` is nothing.
    assert_eq!(
        parse_parts("/a{b}{}c").unwrap(),
        [Part::Fixed {
            value: "/abc".into(),
            modifier: Modifier::None,
        }]
    );
}

#[test]
fn route_table_first_match_in_registry_order() {
    let route =
        |paths: &[&str], excluded: &[&str], methods: Option<&[&str]>, value: &'static str| {
            NetlifyRoute {
                paths: paths
                    .iter()
                    .map(|p| NetlifyPath::parse(p).unwrap())
                    .collect(),
                excluded: excluded
                    .iter()
                    .map(|p| NetlifyPath::parse(p).unwrap())
                    .collect(),
                methods: methods.map(|m| m.iter().map(|s| (*s).to_owned()).collect()),
                value,
            }
        };
    let table = NetlifyRouteTable::new(vec![
        route(
            &["/api/items/:id"],
            &["/api/items/secret"],
            Some(&["GET", "POST"][..]),
            "items",
        ),
        route(&["/lower"], &[], Some(&["POST"][..]), "lower"),
        route(&["/api/*"], &["/api/private/*"], None, "catch-all"),
        route(&["/one", "/two/:n"], &[], Some(&[][..]), "multi"),
        route(&[], &[], None, "default-url-only"),
        route(&["/api/items/:id"], &[], Some(&["DELETE"][..]), "deleter"),
    ]);
    assert_eq!(table.len(), 6);
    assert!(!table.is_empty());
    assert_eq!(table.routes()[1].value, "lower");

    let hit = |method: &str, path: &str| {
        table
            .match_request(method, path)
            .map(|m| (*m.value, m.index, m.pattern, m.params))
    };
    let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };

    assert_eq!(
        hit("GET", "/api/items/42"),
        Some(("items", 0, "/api/items/:id", p(&[("id", "42")])))
    );
    assert_eq!(
        hit("POST", "/api/items/42/"),
        Some(("items", 0, "/api/items/:id", p(&[("id", "42")])))
    );
    // Excluded: falls through to the next route that matches.
    assert_eq!(
        hit("GET", "/api/items/secret"),
        Some(("catch-all", 2, "/api/*", p(&[("0", "items/secret")])))
    );
    // Method mismatch: falls through too; a later route may take it.
    assert_eq!(
        hit("DELETE", "/api/items/42"),
        Some(("catch-all", 2, "/api/*", p(&[("0", "items/42")])))
    );
    assert_eq!(hit("POST", "/lower"), Some(("lower", 1, "/lower", p(&[]))));
    assert_eq!(hit("GET", "/lower"), None);
    // Request methods are compared exactly.
    assert_eq!(hit("post", "/lower"), None);
    assert_eq!(hit("GET", "/api/private/x"), None);
    assert_eq!(
        hit("PUT", "/two/3"),
        Some(("multi", 3, "/two/:n", p(&[("n", "3")])))
    );
    assert_eq!(hit("GET", "/one/"), Some(("multi", 3, "/one", p(&[]))));
    assert_eq!(hit("GET", "/nope"), None);

    let m = table.match_request("GET", "/api/items/7").unwrap();
    assert_eq!(m.param("id"), Some("7"));
    assert_eq!(m.param("nope"), None);
}

#[test]
fn paths_compare_and_serialize_as_written() {
    let a: NetlifyPath = "/api/:x".parse().unwrap();
    let b = NetlifyPath::parse("/api/:x").unwrap();
    assert_eq!(a, b);
    assert_ne!(a, NetlifyPath::parse("/api/:y").unwrap());
    assert_eq!(serde_json::to_string(&a).unwrap(), "\"/api/:x\"");
}

#[test]
fn long_request_paths_do_not_overflow_the_stack() {
    let p = NetlifyPath::parse("/p{/:x}+").unwrap();
    let long = "/p".to_owned() + &"/ab".repeat(20_000);
    let result = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || p.matches(&long).is_some())
        .unwrap()
        .join()
        .unwrap();
    // Too deep to match within the recursion limit: reported as no match.
    assert!(!result);
    let p = NetlifyPath::parse("/p{/:x}+").unwrap();
    let ok = "/p".to_owned() + &"/ab".repeat(200);
    assert_eq!(p.matches(&ok).unwrap()[0].1.len(), 200 * 3 - 1);
    // Single-character repeats do not recurse per character.
    let p = NetlifyPath::parse("/w/*").unwrap();
    let long = "/w/".to_owned() + &"a".repeat(200_000);
    assert!(p.matches(&long).is_some());
}

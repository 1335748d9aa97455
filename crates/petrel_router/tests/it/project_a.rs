//! Project `a`: §9.2 cases 1–38 (routing part) and the §2.1 precedence rules.

use petrel_router::{DEFAULT_PAGE_EXTENSIONS, NormalizeOptions};

use crate::fixtures::{Expect, Outcome, PROJECT_A, check_cases, project, resolve, table};

use Expect::{BadRequest, NotFound, Redirect, Route};

#[test]
fn conformance_cases_1_to_38() {
    let dir = project(PROJECT_A);
    let table = table(dir.path(), DEFAULT_PAGE_EXTENSIONS);
    let cases: &[(&str, &str, Expect)] = &[
        (
            "1-4",
            "/api/ping",
            Route("/api/ping", "pages/api/ping.ts", "{}"),
        ),
        ("5", "/api/ping/", Redirect("/api/ping")),
        ("6", "//api/ping", Redirect("/api/ping")),
        ("7", "/api/PING", NotFound),
        ("8", "/api", Route("/api", "pages/api/index.ts", "{}")),
        ("9", "/api/", Redirect("/api")),
        ("10", "/api/index", NotFound),
        (
            "11",
            "/api/items",
            Route("/api/items", "pages/api/items/index.ts", "{}"),
        ),
        (
            "12",
            "/api/items?a=1&a=2&b=&c",
            Route("/api/items", "pages/api/items/index.ts", "{}"),
        ),
        (
            "13",
            "/api/items/index",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"index"}"#,
            ),
        ),
        (
            "14",
            "/api/items/new",
            Route("/api/items/new", "pages/api/items/new.ts", "{}"),
        ),
        (
            "15",
            "/api/items/42",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"42"}"#,
            ),
        ),
        (
            "16",
            "/api/items/42?id=other&x=1",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"42"}"#,
            ),
        ),
        (
            "17",
            "/api/items/a%20b",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"a b"}"#,
            ),
        ),
        (
            "18",
            "/api/items/a%2Fb",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"a/b"}"#,
            ),
        ),
        (
            "18b",
            "/api/items/a%2fb",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"a/b"}"#,
            ),
        ),
        (
            "19",
            "/api/items/%E2%9C%93",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"✓"}"#,
            ),
        ),
        (
            "20",
            "/api/items/a+b",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"a+b"}"#,
            ),
        ),
        (
            "21",
            "/api/items/%25",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"%"}"#,
            ),
        ),
        ("22", "/api/items/%ZZ", BadRequest),
        ("23", "/api/items/42/extra", NotFound),
        (
            "24",
            "/api/files/a/b/c",
            Route(
                "/api/files/[...path]",
                "pages/api/files/[...path].ts",
                r#"{"path":["a","b","c"]}"#,
            ),
        ),
        ("25", "/api/files", NotFound),
        (
            "26",
            "/api/files/a%2Fb/c",
            Route(
                "/api/files/[...path]",
                "pages/api/files/[...path].ts",
                r#"{"path":["a/b","c"]}"#,
            ),
        ),
        (
            "27",
            "/api/files/x?path=q",
            Route(
                "/api/files/[...path]",
                "pages/api/files/[...path].ts",
                r#"{"path":["x"]}"#,
            ),
        ),
        ("28", "/api/files/a//b", Redirect("/api/files/a/b")),
        (
            "29",
            "/api/docs",
            Route(
                "/api/docs/[[...parts]]",
                "pages/api/docs/[[...parts]].ts",
                "{}",
            ),
        ),
        (
            "30",
            "/api/docs?parts=q",
            Route(
                "/api/docs/[[...parts]]",
                "pages/api/docs/[[...parts]].ts",
                "{}",
            ),
        ),
        (
            "31",
            "/api/docs/a/b?z=1",
            Route(
                "/api/docs/[[...parts]]",
                "pages/api/docs/[[...parts]].ts",
                r#"{"parts":["a","b"]}"#,
            ),
        ),
        (
            "32",
            "/api/post/create",
            Route("/api/post/create", "pages/api/post/create.ts", "{}"),
        ),
        (
            "33",
            "/api/post/abc",
            Route(
                "/api/post/[pid]",
                "pages/api/post/[pid].ts",
                r#"{"pid":"abc"}"#,
            ),
        ),
        (
            "34",
            "/api/post/create/x",
            Route(
                "/api/post/[...slug]",
                "pages/api/post/[...slug].ts",
                r#"{"slug":["create","x"]}"#,
            ),
        ),
        ("35", "/api/post", NotFound),
        (
            "36",
            "/api/_private",
            Route("/api/_private", "pages/api/_private.ts", "{}"),
        ),
        (
            "36b",
            "/api/thing.test",
            Route("/api/thing.test", "pages/api/thing.test.ts", "{}"),
        ),
        (
            "37",
            "/api/items/42?a[]=1&a[]=2&b[c]=d",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":"42"}"#,
            ),
        ),
        ("38", "/api/nothing-here", NotFound),
    ];
    check_cases(dir.path(), &table, &NormalizeOptions::default(), cases);
}

#[test]
fn handler_cases_route_to_their_files() {
    let dir = project(PROJECT_A);
    let table = table(dir.path(), DEFAULT_PAGE_EXTENSIONS);
    let cases: &[(&str, &str, Expect)] = &[
        (
            "39",
            "/api/echo",
            Route("/api/echo", "pages/api/echo.ts", "{}"),
        ),
        (
            "57",
            "/api/echo?x=%ZZ&y=%E2%9C%93",
            Route("/api/echo", "pages/api/echo.ts", "{}"),
        ),
        (
            "58",
            "/api/hdrs",
            Route("/api/hdrs", "pages/api/hdrs.ts", "{}"),
        ),
        (
            "65",
            "/api/go?s=301",
            Route("/api/go", "pages/api/go.ts", "{}"),
        ),
        (
            "82",
            "/api/headers-out",
            Route("/api/headers-out", "pages/api/headers-out.ts", "{}"),
        ),
        (
            "93",
            "/api/boom-async",
            Route("/api/boom-async", "pages/api/boom-async.ts", "{}"),
        ),
        (
            "96",
            "/api/returns-response",
            Route(
                "/api/returns-response",
                "pages/api/returns-response.ts",
                "{}",
            ),
        ),
        (
            "101",
            "/api/exit",
            Route("/api/exit", "pages/api/exit.ts", "{}"),
        ),
    ];
    check_cases(dir.path(), &table, &NormalizeOptions::default(), cases);
}

#[test]
fn discovery_and_matching_rules() {
    let dir = project(PROJECT_A);
    let table = table(dir.path(), DEFAULT_PAGE_EXTENSIONS);
    let cases: &[(&str, &str, Expect)] = &[
        // §2.1: case-sensitive, no extension fallback.
        (
            "Mixed",
            "/api/Mixed",
            Route("/api/Mixed", "pages/api/Mixed.ts", "{}"),
        ),
        ("mixed", "/api/mixed", NotFound),
        ("ping.json", "/api/ping.json", NotFound),
        // §1: nested folders, index folders, skipped files.
        (
            "deep",
            "/api/deep/er/est/leaf",
            Route(
                "/api/deep/er/est/leaf",
                "pages/api/deep/er/est/leaf.ts",
                "{}",
            ),
        ),
        ("d.ts", "/api/types.d", NotFound),
        (
            "dup",
            "/api/dup",
            Route("/api/dup", "pages/api/dup/index.ts", "{}"),
        ),
        ("node_modules", "/api/node_modules/pkg", NotFound),
        ("dot dir", "/api/.hidden/secret", NotFound),
        ("src ignored", "/api/only-in-src", NotFound),
        ("not api", "/ssg", NotFound),
        ("root", "/", NotFound),
        // Static segments compare with the raw segment: an encoded letter does not reach the
        // route (verified on `next start` 16.4.6: `/api/p%69ng` and `/api/%70ing` are 404).
        ("encoded static", "/api/p%69ng", NotFound),
        ("encoded slash", "/api/post%2Fcreate", NotFound),
        // Dynamic segments take any single segment, including dots.
        (
            "dots",
            "/api/items/..",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].ts",
                r#"{"id":".."}"#,
            ),
        ),
        (
            "many",
            "/api/post/a/b/c",
            Route(
                "/api/post/[...slug]",
                "pages/api/post/[...slug].ts",
                r#"{"slug":["a","b","c"]}"#,
            ),
        ),
        (
            "optional many",
            "/api/docs/a%20b",
            Route(
                "/api/docs/[[...parts]]",
                "pages/api/docs/[[...parts]].ts",
                r#"{"parts":["a b"]}"#,
            ),
        ),
        ("bad utf-8", "/api/items/%FF", BadRequest),
        ("bad escape, no route", "/api/nothing/%ZZ", BadRequest),
        ("two redirects", "//api/ping/", Redirect("/api/ping/")),
        ("backslash", "/api\\ping", Redirect("/api/ping")),
        (
            "query re-serialised (Next 16.4.6, conformance c05b)",
            "/api/ping/?a=1&b",
            Redirect("/api/ping?a=1&b="),
        ),
    ];
    check_cases(dir.path(), &table, &NormalizeOptions::default(), cases);
}

#[test]
fn url_path_is_the_raw_path() {
    let dir = project(PROJECT_A);
    let table = table(dir.path(), DEFAULT_PAGE_EXTENSIONS);
    let got = resolve(
        dir.path(),
        &table,
        &NormalizeOptions::default(),
        "/api/items/a%20b?x=1",
    );
    let Outcome::Route { url, .. } = got else {
        panic!("expected a route, got {got:?}");
    };
    assert_eq!(url, "/api/items/a%20b");
}

/// The Next.js docs example: `pages/api/post/create.js`, `[pid].js`, `[...slug].js`.
#[test]
fn docs_example_precedence() {
    let dir = project(&[
        "pages/api/post/create.js",
        "pages/api/post/[pid].js",
        "pages/api/post/[...slug].js",
    ]);
    let table = table(dir.path(), DEFAULT_PAGE_EXTENSIONS);
    let order: Vec<&str> = table.iter().map(|(p, _)| p.page()).collect();
    assert_eq!(
        order,
        ["/api/post/create", "/api/post/[pid]", "/api/post/[...slug]"]
    );
    let cases: &[(&str, &str, Expect)] = &[
        (
            "create",
            "/api/post/create",
            Route("/api/post/create", "pages/api/post/create.js", "{}"),
        ),
        (
            "pid",
            "/api/post/abc",
            Route(
                "/api/post/[pid]",
                "pages/api/post/[pid].js",
                r#"{"pid":"abc"}"#,
            ),
        ),
        (
            "slug",
            "/api/post/a/b",
            Route(
                "/api/post/[...slug]",
                "pages/api/post/[...slug].js",
                r#"{"slug":["a","b"]}"#,
            ),
        ),
        (
            "slug over create",
            "/api/post/create/x",
            Route(
                "/api/post/[...slug]",
                "pages/api/post/[...slug].js",
                r#"{"slug":["create","x"]}"#,
            ),
        ),
        ("folder", "/api/post", NotFound),
    ];
    check_cases(dir.path(), &table, &NormalizeOptions::default(), cases);
}

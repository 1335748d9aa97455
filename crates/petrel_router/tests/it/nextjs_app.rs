//! App Router discovery against the recorded conformance fixture `nextjs_app` (fixture b of
//! `nextjs-api-semantics.md` §9.3, recorded from `next start` 16.4.6): the scan must find exactly
//! the route handlers Next built, and the combined Pages + App table must route the fixture's
//! routing cases (c119, c132, c133, c140–c143 of `cases.json`) to the handlers Next used.

use std::path::{Path, PathBuf};

use petrel_router::{
    DEFAULT_PAGE_EXTENSIONS, RouterKind, api_route_table, check_app_pages_conflicts,
    scan_app_routes, scan_pages_api,
};

/// The route handlers of `next build`'s route table for the fixture (`Route (app)`, without
/// the pages `/` and `/_not-found`), in byte order.
const NEXT_BUILT: &[&str] = &[
    "/rh",
    "/rh/_under",
    "/rh/absredirect",
    "/rh/after",
    "/rh/body",
    "/rh/both",
    "/rh/catch/[...slug]",
    "/rh/cookies",
    "/rh/customopts",
    "/rh/dynconst",
    "/rh/dynhead/[id]",
    "/rh/edge",
    "/rh/edgeerr",
    "/rh/edgeinfo",
    "/rh/edgep/[id]",
    "/rh/err",
    "/rh/errkinds",
    "/rh/forcestatic",
    "/rh/form",
    "/rh/fsheaders",
    "/rh/fsjson",
    "/rh/fspost",
    "/rh/grouped",
    "/rh/hdrs",
    "/rh/headonly",
    "/rh/hello",
    "/rh/items/[id]",
    "/rh/items/new",
    "/rh/json",
    "/rh/kinds",
    "/rh/methods",
    "/rh/nav",
    "/rh/nextjson",
    "/rh/nextredir",
    "/rh/nocontent",
    "/rh/nonresponse",
    "/rh/notfound",
    "/rh/nothing",
    "/rh/opt/[[...slug]]",
    "/rh/p/[id]",
    "/rh/post/[...slug]",
    "/rh/post/[pid]",
    "/rh/post/create",
    "/rh/postonly",
    "/rh/query",
    "/rh/redir",
    "/rh/reqcookies",
    "/rh/reqhdrs",
    "/rh/revalidated",
    "/rh/revconst",
    "/rh/rohdrs",
    "/rh/shop/[cat]/[item]",
    "/rh/static",
    "/rh/stream",
    "/rh/teapot",
    "/rh/text",
    "/rh/textlen",
    "/rh/urlinfo",
    "/rh/vary",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance/nextjs_app/project")
        .canonicalize()
        .expect("the nextjs_app fixture exists")
}

#[test]
fn finds_exactly_the_route_handlers_next_built() {
    let root = fixture();
    let scan = scan_app_routes(&root, DEFAULT_PAGE_EXTENSIONS).unwrap();
    assert_eq!(scan.app_dir, Some(root.join("app")));
    assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
    let pages: Vec<&str> = scan.routes.iter().map(|r| r.page.as_str()).collect();
    assert_eq!(pages, NEXT_BUILT);
    for route in &scan.routes {
        assert!(
            !route.page.contains("_private")
                && !route.page.contains('(')
                && !route.page.contains("%5F"),
            "{}",
            route.page
        );
        assert!(route.file.ends_with("route.ts"), "{}", route.file.display());
    }
    let file_of = |page: &str| {
        let route = scan.routes.iter().find(|r| r.page == page).unwrap();
        route.file.strip_prefix(&root).unwrap().to_path_buf()
    };
    assert_eq!(file_of("/rh"), Path::new("app/rh/route.ts"));
    assert_eq!(file_of("/rh/_under"), Path::new("app/rh/%5Funder/route.ts"));
    assert_eq!(
        file_of("/rh/grouped"),
        Path::new("app/(group)/rh/grouped/route.ts")
    );
    assert_eq!(
        file_of("/rh/shop/[cat]/[item]"),
        Path::new("app/rh/shop/[cat]/[item]/route.ts")
    );
}

#[test]
fn routes_the_recorded_cases_like_next() {
    let root = fixture();
    let app = scan_app_routes(&root, DEFAULT_PAGE_EXTENSIONS).unwrap();
    let pages = scan_pages_api(&root, DEFAULT_PAGE_EXTENSIONS).unwrap();
    check_app_pages_conflicts(&app, &pages, &root).unwrap();
    let table = api_route_table(&pages, &app, &root).unwrap();
    assert_eq!(table.len(), NEXT_BUILT.len() + 1);

    // (request path, router and page that answered in the golden; None = 404)
    let cases: &[(&str, Option<(RouterKind, &str)>)] = &[
        (
            "/rh/catch/a/b%20c",
            Some((RouterKind::App, "/rh/catch/[...slug]")),
        ),
        ("/rh/opt", Some((RouterKind::App, "/rh/opt/[[...slug]]"))),
        (
            "/rh/opt/x/y",
            Some((RouterKind::App, "/rh/opt/[[...slug]]")),
        ),
        (
            "/rh/catch/a%2Fb/c",
            Some((RouterKind::App, "/rh/catch/[...slug]")),
        ),
        ("/rh/catch", None),
        ("/rh/nope", None),
        ("/api/nope", None),
        ("/rh/HELLO", None),
        ("/rh/hello.json", None),
        ("/api/hello", Some((RouterKind::Pages, "/api/hello"))),
        ("/rh/grouped", Some((RouterKind::App, "/rh/grouped"))),
        ("/(group)/rh/grouped", None),
        ("/rh/_private", None),
        ("/rh/_under", Some((RouterKind::App, "/rh/_under"))),
        ("/rh", Some((RouterKind::App, "/rh"))),
        ("/rh/items/new", Some((RouterKind::App, "/rh/items/new"))),
        ("/rh/items/42", Some((RouterKind::App, "/rh/items/[id]"))),
        (
            "/rh/post/create",
            Some((RouterKind::App, "/rh/post/create")),
        ),
        ("/rh/post/abc", Some((RouterKind::App, "/rh/post/[pid]"))),
        (
            "/rh/post/create/x",
            Some((RouterKind::App, "/rh/post/[...slug]")),
        ),
        ("/rh/post", None),
    ];
    for (path, expected) in cases {
        let got = table
            .match_path(path)
            .map(|m| (m.value.router, m.value.page.as_str()));
        assert_eq!(got, *expected, "{path}");
    }
}

//! Project `c` (`basePath: "/base"`, `trailingSlash: true`, `pageExtensions:
//! ["api.ts","page.tsx"]`, `pages/` and `src/pages/`): §9.2 cases 102–107. Project `d`: only
//! `src/pages/`.

use petrel_router::{DEFAULT_PAGE_EXTENSIONS, NormalizeOptions, scan_pages_api};

use crate::fixtures::{
    Expect, Outcome, PROJECT_C, PROJECT_C_EXTENSIONS, check_cases, project, resolve, table,
};

use Expect::{NotFound, Redirect, Route};

fn options() -> NormalizeOptions {
    NormalizeOptions {
        base_path: "/base".to_owned(),
        trailing_slash: true,
    }
}

#[test]
fn conformance_cases_102_to_107() {
    let dir = project(PROJECT_C);
    let table = table(dir.path(), PROJECT_C_EXTENSIONS);
    let cases: &[(&str, &str, Expect)] = &[
        (
            "102",
            "/base/api/where/?a=1",
            Route("/api/where", "pages/api/where.api.ts", "{}"),
        ),
        (
            "103",
            "/base/api/where?a=1",
            Redirect("/base/api/where/?a=1"),
        ),
        ("103b", "/api/where", Redirect("/api/where/")),
        ("104", "/api/where/", NotFound),
        ("104b", "/base/api/onlysrc/", NotFound),
        ("104c", "/base/api/helper/", NotFound),
        (
            "105",
            "/base/api/",
            Route("/api", "pages/api/index.api.ts", "{}"),
        ),
        ("105b", "/base/api", Redirect("/base/api/")),
        (
            "106",
            "/base/api/items/7/",
            Route(
                "/api/items/[id]",
                "pages/api/items/[id].api.ts",
                r#"{"id":"7"}"#,
            ),
        ),
        (
            "107",
            "/base/api/go/",
            Route("/api/go", "pages/api/go.api.ts", "{}"),
        ),
        // §2.2 basePath rows.
        ("base root", "/base", Redirect("/base/")),
        ("base root slash", "/base/", NotFound),
        ("BASE", "/BASE/api/where/", NotFound),
        ("basement", "/basement/api/where/", NotFound),
        (
            "repeated slashes first",
            "//base/api/where/",
            Redirect("/base/api/where/"),
        ),
        ("bad escape", "/base/api/items/%ZZ/", Expect::BadRequest),
    ];
    check_cases(dir.path(), &table, &options(), cases);
}

#[test]
fn url_path_keeps_the_trailing_slash() {
    let dir = project(PROJECT_C);
    let table = table(dir.path(), PROJECT_C_EXTENSIONS);
    for (target, want) in [
        ("/base/api/where/?a=1", "/api/where/"),
        ("/base/api/", "/api/"),
        ("/base/api/items/7/", "/api/items/7/"),
    ] {
        match resolve(dir.path(), &table, &options(), target) {
            Outcome::Route { url, .. } => assert_eq!(url, want, "{target}"),
            other => panic!("{target}: expected a route, got {other:?}"),
        }
    }
}

#[test]
fn project_c_scan() {
    let dir = project(PROJECT_C);
    let scan = scan_pages_api(dir.path(), PROJECT_C_EXTENSIONS).unwrap();
    assert_eq!(
        scan.pages_dir.as_deref(),
        Some(dir.path().join("pages").as_path())
    );
    let pages: Vec<&str> = scan.routes.iter().map(|r| r.page.as_str()).collect();
    assert_eq!(pages, ["/api", "/api/go", "/api/items/[id]", "/api/where"]);
    assert_eq!(
        scan.warnings,
        [
            "src/pages is ignored because pages exists (Next.js uses only one pages directory); \
          move its routes into pages"
        ]
    );
    for route in &scan.routes {
        assert!(route.file.is_absolute(), "{route:?}");
    }
}

#[test]
fn project_d_uses_src_pages() {
    let dir = project(&["src/pages/api/nodefault.ts", "src/pages/index.tsx"]);
    let scan = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
    assert_eq!(
        scan.pages_dir.as_deref(),
        Some(dir.path().join("src/pages").as_path())
    );
    let table = scan.route_table().unwrap();
    let cases: &[(&str, &str, Expect)] = &[(
        "d",
        "/api/nodefault",
        Route("/api/nodefault", "src/pages/api/nodefault.ts", "{}"),
    )];
    check_cases(dir.path(), &table, &NormalizeOptions::default(), cases);
}

//! Fixture projects and the request pipeline shared by the tests.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use petrel_router::{
    DiscoveredRoute, NormalizeOptions, Normalized, ParamValue, RouteTable, normalize,
    scan_pages_api,
};
use serde_json::{Map, Value, json};

/// Placeholder content of every fixture file; the router never reads it.
const HANDLER: &str = "export default function handler(req, res) { res.end(); }\n";

/// Project `a` of §9.1 (Pages only, default `pageExtensions`), plus the discovery edge cases of
/// §1 and §2.1 (`Mixed.ts`, nested folders, `types.d.ts`, `dup.ts` + `dup/index.ts`) and files
/// that must be ignored.
pub const PROJECT_A: &[&str] = &[
    "pages/api/ping.ts",
    "pages/api/index.ts",
    "pages/api/items/index.ts",
    "pages/api/items/[id].ts",
    "pages/api/items/new.ts",
    "pages/api/files/[...path].ts",
    "pages/api/docs/[[...parts]].ts",
    "pages/api/post/create.ts",
    "pages/api/post/[pid].ts",
    "pages/api/post/[...slug].ts",
    "pages/api/_private.ts",
    "pages/api/thing.test.ts",
    "pages/api/echo.ts",
    "pages/api/hdrs.ts",
    "pages/api/raw.ts",
    "pages/api/limited.ts",
    "pages/api/limitnum.ts",
    "pages/api/go.ts",
    "pages/api/sendkinds.ts",
    "pages/api/status.ts",
    "pages/api/methods.ts",
    "pages/api/headers-out.ts",
    "pages/api/setcookie.ts",
    "pages/api/writehead.ts",
    "pages/api/twice.ts",
    "pages/api/endtwice.ts",
    "pages/api/afterheaders.ts",
    "pages/api/stream.ts",
    "pages/api/revalidate.ts",
    "pages/api/boom.ts",
    "pages/api/boom-async.ts",
    "pages/api/boom-after.ts",
    "pages/api/importthrow.ts",
    "pages/api/silent.ts",
    "pages/api/returns-response.ts",
    "pages/api/maxdur.ts",
    "pages/api/legacy.ts",
    "pages/api/edge.ts",
    "pages/api/big.ts",
    "pages/api/bigcustom.ts",
    "pages/api/env.ts",
    "pages/api/exit.ts",
    // §1 / §2.1 discovery cases.
    "pages/api/Mixed.ts",
    "pages/api/deep/er/est/leaf.ts",
    "pages/api/types.d.ts",
    "pages/api/dup.ts",
    "pages/api/dup/index.ts",
    // Not API routes.
    "pages/ssg.tsx",
    "pages/_app.tsx",
    "pages/api/notes.md",
    "pages/api/data.json",
    "pages/api/node_modules/pkg/index.js",
    "pages/api/.hidden/secret.ts",
    "pages/api/.eslintrc.js",
    "src/pages/api/only-in-src.ts",
];

/// Project `c` of §9.1: `basePath: "/base"`, `trailingSlash: true`,
/// `pageExtensions: ["api.ts", "page.tsx"]`, with both `pages/` and `src/pages/`.
pub const PROJECT_C: &[&str] = &[
    "pages/api/where.api.ts",
    "pages/api/index.api.ts",
    "pages/api/items/[id].api.ts",
    "pages/api/go.api.ts",
    "pages/api/helper.ts",
    "pages/index.page.tsx",
    "src/pages/api/onlysrc.api.ts",
];

/// The page extensions of project `c`.
pub const PROJECT_C_EXTENSIONS: &[&str] = &["api.ts", "page.tsx"];

/// Writes `files` (paths relative to the project root) into a new temp dir.
pub fn project(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in files {
        let path = dir.path().join(file);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, HANDLER).expect("write fixture file");
    }
    dir
}

/// Scans `root` and builds its route table.
pub fn table(root: &Path, extensions: &[&str]) -> RouteTable<DiscoveredRoute> {
    let scan = scan_pages_api(root, extensions).expect("scan");
    scan.route_table().expect("route table")
}

/// What the server does with a request, as far as routing decides it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The route `page` (defined by `file`, relative to the root) with `params` (a JSON object in
    /// path order) and `url` (the start of `req.url`: basePath removed, as received).
    Route {
        page: String,
        file: String,
        params: Value,
        url: String,
    },
    /// 308 to this location.
    Redirect(String),
    /// 404 (outside basePath, or no route).
    NotFound,
    /// 400.
    BadRequest,
}

/// Runs `target` through `normalize` and `match_path`.
pub fn resolve(
    root: &Path,
    table: &RouteTable<DiscoveredRoute>,
    opts: &NormalizeOptions,
    target: &str,
) -> Outcome {
    match normalize(target, opts) {
        Normalized::Route {
            pathname,
            url_path,
            query: _,
        } => match table.match_path(&pathname) {
            Some(m) => {
                let params: Map<String, Value> = m
                    .params
                    .iter()
                    .map(|(name, value)| {
                        let value = match value {
                            ParamValue::One(s) => json!(s),
                            ParamValue::Many(v) => json!(v),
                        };
                        (name.clone(), value)
                    })
                    .collect();
                assert_eq!(
                    serde_json::to_value(m.params.iter().map(|(_, v)| v).collect::<Vec<_>>())
                        .expect("serialise"),
                    Value::Array(params.values().cloned().collect()),
                    "ParamValue serialises as string / array"
                );
                Outcome::Route {
                    page: m.pattern.page().to_owned(),
                    file: m
                        .value
                        .file
                        .strip_prefix(root)
                        .expect("file under root")
                        .display()
                        .to_string(),
                    params: Value::Object(params),
                    url: url_path,
                }
            }
            None => Outcome::NotFound,
        },
        Normalized::Redirect { location } => Outcome::Redirect(location),
        Normalized::NotFound => Outcome::NotFound,
        Normalized::BadRequest => Outcome::BadRequest,
    }
}

/// An expected outcome, written compactly in case tables.
pub enum Expect {
    /// Route `page` served by `file` with params `params` (JSON text, key order checked).
    Route(&'static str, &'static str, &'static str),
    /// 308 to the location.
    Redirect(&'static str),
    /// 404.
    NotFound,
    /// 400.
    BadRequest,
}

/// Checks every `(case, target, expected)`; reports all mismatches at once.
pub fn check_cases(
    root: &Path,
    table: &RouteTable<DiscoveredRoute>,
    opts: &NormalizeOptions,
    cases: &[(&str, &str, Expect)],
) {
    let mut failures = String::new();
    for (case, target, expected) in cases {
        let got = resolve(root, table, opts, target);
        let ok = match (expected, &got) {
            (
                Expect::Route(page, file, params),
                Outcome::Route {
                    page: got_page,
                    file: got_file,
                    params: got_params,
                    ..
                },
            ) => {
                let want: Value = serde_json::from_str(params).expect("params JSON in case");
                // serde_json keeps key order (preserve_order), so this also checks the order.
                page == got_page
                    && file == got_file
                    && serde_json::to_string(&want).ok() == serde_json::to_string(got_params).ok()
            }
            (Expect::Redirect(location), Outcome::Redirect(got)) => location == got,
            (Expect::NotFound, Outcome::NotFound) | (Expect::BadRequest, Outcome::BadRequest) => {
                true
            }
            _ => false,
        };
        if !ok {
            let want = match expected {
                Expect::Route(page, file, params) => format!("Route {page} ({file}) {params}"),
                Expect::Redirect(l) => format!("Redirect {l}"),
                Expect::NotFound => "NotFound".to_owned(),
                Expect::BadRequest => "BadRequest".to_owned(),
            };
            let _ = writeln!(
                failures,
                "case {case}: {target}\n  expected {want}\n  got      {got:?}"
            );
        }
    }
    assert!(failures.is_empty(), "routing mismatches:\n{failures}");
}

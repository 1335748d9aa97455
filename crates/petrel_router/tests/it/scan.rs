//! Snapshot of the scanned route table of project `a`.

use petrel_router::{DEFAULT_PAGE_EXTENSIONS, Segment, scan_pages_api};
use serde_json::{Value, json};

use crate::fixtures::{PROJECT_A, project};

#[test]
fn project_a_route_table() {
    let dir = project(PROJECT_A);
    let scan = scan_pages_api(dir.path(), DEFAULT_PAGE_EXTENSIONS).unwrap();
    let table = scan.route_table().unwrap();
    let routes: Vec<Value> = table
        .iter()
        .map(|(pattern, route)| {
            let kinds: Vec<&str> = pattern
                .segments()
                .iter()
                .map(|s| match s {
                    Segment::Static(_) => "static",
                    Segment::Dynamic(_) => "dynamic",
                    Segment::CatchAll(_) => "catch-all",
                    Segment::OptionalCatchAll(_) => "optional-catch-all",
                })
                .collect();
            json!({
                "page": pattern.page(),
                "file": route.file.strip_prefix(dir.path()).unwrap(),
                "segments": kinds.join(" "),
                "params": pattern.param_names().collect::<Vec<_>>(),
            })
        })
        .collect();
    let snapshot = json!({
        "pages_dir": scan.pages_dir.as_deref().map(|d| d.strip_prefix(dir.path()).unwrap()),
        "routes": routes,
        "warnings": scan.warnings,
    });
    insta::assert_json_snapshot!("project_a_route_table", snapshot);
}

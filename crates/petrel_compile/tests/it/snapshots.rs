//! Fixture projects (`tests/fixtures/<case>/`) built and snapshotted: every output file, with
//! temp paths redacted and source maps summarised.

use crate::support::{Project, build_and_run, have_node, package};

fn snapshot(case: &str, project: &Project, entries: &[&str]) {
    for entry in entries {
        project
            .build(entry)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
    }
    insta::assert_snapshot!(case, project.outputs());
}

#[test]
fn esm_handler() {
    let p = Project::fixture("esm_handler");
    snapshot("esm_handler", &p, &["pages/api/hello.ts"]);
    if have_node() {
        assert_eq!(
            build_and_run(&p, "pages/api/hello.ts"),
            serde_json::json!({"rows": [{"id": 1}], "slug": "petrel-site", "site": "function"})
        );
    }
}

#[test]
fn cjs_handler() {
    let p = Project::fixture("cjs_handler");
    snapshot("cjs_handler", &p, &["pages/api/legacy.js"]);
    if have_node() {
        let body = build_and_run(&p, "pages/api/legacy.js");
        assert_eq!(body["file"], "legacy.js");
        assert_eq!(body["text"], "<hello>");
    }
}

#[test]
fn esm_prelude() {
    let p = Project::fixture("esm_prelude");
    snapshot("esm_prelude", &p, &["pages/api/mixed.ts"]);
    if have_node() {
        let body = build_and_run(&p, "pages/api/mixed.ts");
        assert_eq!(body["pkg"], serde_json::json!({"local": true}));
    }
}

#[test]
fn typescript_features() {
    let p = Project::fixture("typescript_features");
    package(
        &p,
        "react",
        &[
            ("package.json", "{\"name\":\"react\",\"main\":\"index.js\"}"),
            ("index.js", "exports.Fragment = 'fragment';\n"),
            (
                "jsx-runtime.js",
                "exports.jsx = (t, p) => ({ t, p });\nexports.jsxs = exports.jsx;\nexports.Fragment = 'fragment';\n",
            ),
        ],
    );
    snapshot("typescript_features", &p, &["pages/api/features.tsx"]);
    if have_node() {
        assert_eq!(
            build_and_run(&p, "pages/api/features.tsx"),
            serde_json::json!({"method": "GET", "el": "object", "ok": {"value": 1}})
        );
    }
}

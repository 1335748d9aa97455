//! Unchanged modules are not re-transpiled.

use std::path::PathBuf;

use serde_json::json;

use crate::support::{Project, build_and_run, have_node};

fn names(p: &Project, list: &[PathBuf]) -> Vec<String> {
    list.iter()
        .map(|f| {
            f.strip_prefix(&p.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn project() -> Project {
    let p = Project::new();
    p.file("lib/dep.ts", "export const dep = 1;\n");
    p.file("lib/leaf.ts", "export const leaf = 'leaf';\n");
    p.file("data.json", "{\"d\": true}\n");
    p.file(
        "pages/api/entry.ts",
        "import { dep } from '../../lib/dep';\nimport { leaf } from '../../lib/leaf';\nimport data from '../../data.json';\nexport default (req, res) => res.json({ dep, leaf, d: data.d });\n",
    );
    p
}

#[test]
fn second_build_transpiles_nothing() {
    let p = project();
    let mut c = p.compiler();
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    assert_eq!(
        names(&p, c.last_transpiled()),
        [
            "lib/dep.ts",
            "lib/leaf.ts",
            "data.json",
            "pages/api/entry.ts"
        ]
    );
    c.reset_transpiled();
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    assert!(c.last_transpiled().is_empty(), "{:?}", c.last_transpiled());

    // A fresh compiler reads the manifest from disk.
    let mut c2 = p.compiler();
    c2.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    assert!(
        c2.last_transpiled().is_empty(),
        "{:?}",
        c2.last_transpiled()
    );
}

#[test]
fn only_the_changed_module_is_retranspiled() {
    let p = project();
    let mut c = p.compiler();
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    c.reset_transpiled();
    p.file("lib/dep.ts", "export const dep = 2;\n");
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    assert_eq!(names(&p, c.last_transpiled()), ["lib/dep.ts"]);
    if have_node() {
        assert_eq!(
            build_and_run(&p, "pages/api/entry.ts"),
            json!({"dep": 2, "leaf": "leaf", "d": true})
        );
    }
}

#[test]
fn a_format_change_retranspiles_importers_and_removes_the_stale_output() {
    let p = project();
    let mut c = p.compiler();
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    c.reset_transpiled();
    // lib/dep.ts becomes CommonJS: its output moves from .mjs to .cjs, so the importer's
    // rewritten specifier changes too.
    p.file("lib/dep.ts", "exports.dep = 3;\n");
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    assert_eq!(
        names(&p, c.last_transpiled()),
        ["lib/dep.ts", "pages/api/entry.ts"]
    );
    assert!(p.out_dir().join("lib/dep.ts.cjs").is_file());
    assert!(!p.out_dir().join("lib/dep.ts.mjs").exists());
    if have_node() {
        assert_eq!(
            build_and_run(&p, "pages/api/entry.ts"),
            json!({"dep": 3, "leaf": "leaf", "d": true})
        );
    }
}

#[test]
fn a_new_file_that_changes_resolution_retranspiles_the_importer() {
    let p = Project::new();
    p.file("lib/x.js", "export const x = 'js';\n");
    p.file(
        "pages/api/e.ts",
        "import { x } from '../../lib/x';\nexport default (req, res) => res.json({ x });\n",
    );
    let mut c = p.compiler();
    c.build_entry("pages/api/e.ts".as_ref()).unwrap();
    c.reset_transpiled();
    // `.ts` wins over `.js` in extension probing.
    p.file("lib/x.ts", "export const x = 'ts';\n");
    c.build_entry("pages/api/e.ts".as_ref()).unwrap();
    assert_eq!(
        names(&p, c.last_transpiled()),
        ["lib/x.ts", "pages/api/e.ts"]
    );
}

#[test]
fn deleted_output_is_rebuilt() {
    let p = project();
    let mut c = p.compiler();
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    c.reset_transpiled();
    std::fs::remove_file(p.out_dir().join("lib/leaf.ts.mjs")).unwrap();
    c.build_entry("pages/api/entry.ts".as_ref()).unwrap();
    assert_eq!(names(&p, c.last_transpiled()), ["lib/leaf.ts"]);
}

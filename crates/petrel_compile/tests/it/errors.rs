//! Syntax and resolution errors carry `file:line:column`.

use petrel_compile::CompileError;

use crate::support::Project;

#[test]
fn syntax_error_has_location_and_frame() {
    let p = Project::new();
    p.file(
        "pages/api/bad.ts",
        "export default function handler() {\n  const x = ;\n}\n",
    );
    let err = p.build("pages/api/bad.ts").unwrap_err();
    assert!(matches!(err, CompileError::Syntax { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("pages/api/bad.ts:2:13: "), "{text}");
    insta::assert_snapshot!(
        "syntax_error",
        format!("{text}\n{}", err.code_frame().unwrap())
    );
}

#[test]
fn early_error_from_semantic_checks() {
    let p = Project::new();
    p.file(
        "pages/api/dup.ts",
        "let a = 1;\nlet a = 2;\nexport default a;\n",
    );
    let err = p.build("pages/api/dup.ts").unwrap_err();
    assert!(
        matches!(err, CompileError::Syntax { line: 2, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("has already been declared"),
        "{err}"
    );
}

#[test]
fn syntax_error_in_an_imported_module_names_that_module() {
    let p = Project::new();
    p.file("lib/broken.ts", "export const = 1;\n");
    p.file(
        "pages/api/a.ts",
        "import '../../lib/broken';\nexport default () => {};\n",
    );
    let err = p.build("pages/api/a.ts").unwrap_err();
    assert!(err.to_string().starts_with("lib/broken.ts:1:14: "), "{err}");
}

#[test]
fn unresolved_relative_import() {
    let p = Project::new();
    p.file(
        "pages/api/a.ts",
        "import { x } from './ok';\n\nimport { y } from './nope';\nexport default () => x + y;\n",
    );
    p.file("pages/api/ok.ts", "export const x = 1;\n");
    let err = p.build("pages/api/a.ts").unwrap_err();
    assert_eq!(
        err.to_string(),
        "pages/api/a.ts:3:19: Module not found: Can't resolve './nope'"
    );
    let CompileError::Resolve { specifier, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(specifier, "./nope");
    insta::assert_snapshot!("unresolved_relative", err.code_frame().unwrap());
}

#[test]
fn unresolved_require_and_dynamic_import() {
    let p = Project::new();
    p.file(
        "pages/api/r.js",
        "module.exports = () => require('./missing');\n",
    );
    let err = p.build("pages/api/r.js").unwrap_err();
    assert_eq!(
        err.to_string(),
        "pages/api/r.js:1:32: Module not found: Can't resolve './missing'"
    );
    p.file(
        "pages/api/d.ts",
        "export default async () => {\n  await import(`./gone`);\n};\n",
    );
    let err = p.build("pages/api/d.ts").unwrap_err();
    assert_eq!(
        err.to_string(),
        "pages/api/d.ts:2:16: Module not found: Can't resolve './gone'"
    );
}

#[test]
fn unresolved_package_suggests_installing_it() {
    let p = Project::new();
    p.file(
        "pages/api/p.ts",
        "import { z } from '@acme/zod/v4';\nexport default () => z;\n",
    );
    let err = p.build("pages/api/p.ts").unwrap_err();
    assert_eq!(
        err.to_string(),
        "pages/api/p.ts:1:19: Module not found: Can't resolve '@acme/zod/v4' (is `@acme/zod` installed? run npm install)"
    );
}

#[test]
fn unresolved_alias_has_no_install_hint() {
    let p = Project::new();
    p.file(
        "tsconfig.json",
        "{ \"compilerOptions\": { \"paths\": { \"@/*\": [\"./*\"] } } }",
    );
    p.file(
        "pages/api/p.ts",
        "import { db } from '@/lib/nope';\nexport default () => db;\n",
    );
    let err = p.build("pages/api/p.ts").unwrap_err();
    assert_eq!(
        err.to_string(),
        "pages/api/p.ts:1:20: Module not found: Can't resolve '@/lib/nope'"
    );
}

#[test]
fn type_only_import_of_a_missing_module_is_fine() {
    let p = Project::new();
    p.file("pages/api/t.ts", "import type { X } from './types-that-do-not-exist';\nimport { Y } from 'not-installed';\nexport default (x: X, y: Y) => 1;\n");
    p.build("pages/api/t.ts").unwrap();
}

#[test]
fn invalid_tsconfig_is_reported() {
    let p = Project::new();
    p.file("tsconfig.json", "{ \"compilerOptions\": ");
    let err =
        petrel_compile::Compiler::new(petrel_compile::CompilerOptions::new(&p.root)).unwrap_err();
    assert!(matches!(err, CompileError::Tsconfig { .. }), "{err:?}");
}

#[test]
fn entry_must_be_a_source_file() {
    let p = Project::new();
    p.file("pages/api/readme.md", "# hi\n");
    let err = p.build("pages/api/readme.md").unwrap_err();
    assert!(matches!(err, CompileError::Unsupported { .. }), "{err:?}");
    let err = p.build("pages/api/missing.ts").unwrap_err();
    assert!(matches!(err, CompileError::Io { .. }), "{err:?}");
}

#[test]
fn standard_decorators_without_experimental_decorators() {
    let p = Project::new();
    p.file(
        "pages/api/deco.ts",
        "function d(v: any, c: any) {}\n@d class A {}\nexport default A;\n",
    );
    let err = p.build("pages/api/deco.ts").unwrap_err();
    assert!(matches!(err, CompileError::Transform { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "pages/api/deco.ts:2:1: decorators need `\"experimentalDecorators\": true`"
        ),
        "{err}"
    );
}

#[test]
fn export_assignment_mixed_with_es_imports() {
    let p = Project::new();
    p.file(
        "pages/api/eq.ts",
        "import fs from 'fs';\nexport = function () { return fs; };\n",
    );
    let err = p.build("pages/api/eq.ts").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("pages/api/eq.ts:2:1: `export =` makes this a CommonJS module"),
        "{err}"
    );
}

#[test]
fn missing_runtime_helper_says_what_to_install() {
    let p = Project::new();
    p.file(
        "pages/api/using.ts",
        "export default function h() {\n  using x = { [Symbol.dispose]() {} };\n}\n",
    );
    let err = p.build("pages/api/using.ts").unwrap_err();
    assert!(
        err.to_string().contains("npm install @oxc-project/runtime"),
        "{err}"
    );
}

#[test]
fn byte_order_mark_and_hashbang_are_accepted() {
    let p = Project::new();
    p.file(
        "pages/api/bom.ts",
        "\u{feff}#!/usr/bin/env node\nexport default () => __dirname;\n",
    );
    let out = p.build("pages/api/bom.ts").unwrap();
    let code = std::fs::read_to_string(out).unwrap();
    assert!(code.starts_with("const __dirname = "), "{code}");
}

//! Real execution: build a temp project and run the output under Node.

use serde_json::json;

use crate::support::{Project, build_and_run, have_node, package, run_handler};

const TYPES: &str = "import type { NextApiRequest, NextApiResponse } from 'next';\n";

#[test]
fn esm_default_export_handler_without_next_installed() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "pages/api/hello.ts",
        &format!(
            "{TYPES}interface Out {{ hello: string }}\nexport default function handler(req: NextApiRequest, res: NextApiResponse<Out>) {{\n  res.status(200).json({{ hello: 'world' as string }});\n}}\n"
        ),
    );
    // A value-style import used only as a type is elided too.
    p.file(
        "pages/api/elided.ts",
        "import { NextApiRequest, NextApiResponse } from 'next';\nexport default (req: NextApiRequest, res: NextApiResponse) => res.json({ ok: true });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/hello.ts"),
        json!({"hello": "world"})
    );
    assert_eq!(
        build_and_run(&p, "pages/api/elided.ts"),
        json!({"ok": true})
    );
    let out = p.build("pages/api/hello.ts").unwrap();
    assert_eq!(out, p.root.join(".petrel/build/pages/api/hello.ts.mjs"));
}

#[test]
fn commonjs_module_exports_handler() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "lib/greet.ts",
        "export function greet(name: string): string { return `hi ${name}`; }\n",
    );
    p.file("lib/plain.js", "exports.twice = (n) => n * 2;\n");
    p.file(
        "pages/api/cjs.js",
        "const { greet } = require('../../lib/greet');\nconst { twice } = require('../../lib/plain');\nmodule.exports = function handler(req, res) {\n  res.json({ msg: greet('cjs'), n: twice(21) });\n};\n",
    );
    // TypeScript whose only module syntax is a type import stays CommonJS.
    p.file(
        "pages/api/cjsts.ts",
        &format!("{TYPES}const handler = (req: NextApiRequest, res: NextApiResponse) => res.json({{ strict: (function (this: unknown) {{ return this === undefined; }})() }});\nmodule.exports = handler;\n"),
    );
    assert_eq!(
        build_and_run(&p, "pages/api/cjs.js"),
        json!({"msg": "hi cjs", "n": 42})
    );
    let out = p.build("pages/api/cjs.js").unwrap();
    assert!(out.ends_with("pages/api/cjs.js.cjs"), "{}", out.display());
    assert!(p.out_dir().join("lib/greet.ts.mjs").is_file());
    assert!(p.out_dir().join("lib/plain.js.cjs").is_file());

    let out = p.build("pages/api/cjsts.ts").unwrap();
    assert!(out.ends_with("cjsts.ts.cjs"), "{}", out.display());
    assert_eq!(
        build_and_run(&p, "pages/api/cjsts.ts"),
        json!({"strict": true})
    );
}

#[test]
fn extensionless_index_and_js_for_ts_imports() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file("lib/a.ts", "export const a = 'a';\n");
    p.file("lib/dir/index.ts", "export const dir = 'index';\n");
    p.file("lib/b.ts", "export const b = 'b-from-ts';\n");
    p.file("lib/c.mts", "export const c = 'mts';\n");
    p.file(
        "lib/comp.tsx",
        "export const comp = (x: number) => x + 1;\n",
    );
    p.file("lib/lazy.ts", "export const lazy = 'dynamic';\n");
    p.file(
        "lib/reexport.ts",
        "export * from './a';\nexport { dir as d } from './dir';\n",
    );
    p.file(
        "pages/api/imports.ts",
        "import { a } from '../../lib/a';\nimport { dir } from '../../lib/dir';\nimport { b } from '../../lib/b.js';\nimport { c } from '../../lib/c.mjs';\nimport { comp } from '../../lib/comp';\nimport * as re from '../../lib/reexport';\nexport default async function (req, res) {\n  const { lazy } = await import('../../lib/lazy');\n  res.json({ a, dir, b, c, comp: comp(1), lazy, re: [re.a, re.d] });\n}\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/imports.ts"),
        json!({"a": "a", "dir": "index", "b": "b-from-ts", "c": "mts", "comp": 2, "lazy": "dynamic", "re": ["a", "index"]})
    );
}

#[test]
fn tsconfig_paths_alias() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "tsconfig.json",
        "{\n  // Next.js default\n  \"compilerOptions\": {\n    \"strict\": true,\n    \"paths\": { \"@/*\": [\"./src/*\"] },\n  },\n}\n",
    );
    p.file("src/lib/db.ts", "export const db = { name: 'db' };\n");
    p.file(
        "pages/api/alias.ts",
        "import { db } from '@/lib/db';\nexport default (req, res) => res.json(db);\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/alias.ts"),
        json!({"name": "db"})
    );
}

#[test]
fn jsconfig_paths_alias() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "jsconfig.json",
        "{ \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"~/*\": [\"lib/*\"] } } }\n",
    );
    p.file("lib/x.js", "export const x = 'js alias';\n");
    p.file(
        "pages/api/j.js",
        "import { x } from '~/x';\nexport default (req, res) => res.json({ x });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/j.js"),
        json!({"x": "js alias"})
    );
}

#[test]
fn json_import_and_require() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file("data/site.json", "{ \"name\": \"petrel\", \"tags\": [1, 2], \"class\": \"c\", \"__proto__\": { \"x\": 1 } }\n");
    p.file(
        "pages/api/esmjson.ts",
        "import site from '../../data/site.json';\nimport { name } from '../../data/site.json' with { type: 'json' };\nexport default async (req, res) => {\n  const dyn = (await import('../../data/site.json')).default;\n  res.json({ name, tags: site.tags, cls: site.class, proto: Object.keys(site).includes('__proto__'), dyn: dyn.name });\n};\n",
    );
    p.file(
        "pages/api/cjsjson.js",
        "const site = require('../../data/site.json');\nmodule.exports = (req, res) => res.json({ name: site.name });\n",
    );
    p.file(
        "pages/api/esmrequire.ts",
        "export default (req, res) => res.json({ name: require('../../data/site.json').name });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/esmjson.ts"),
        json!({"name": "petrel", "tags": [1, 2], "cls": "c", "proto": true, "dyn": "petrel"})
    );
    assert_eq!(
        build_and_run(&p, "pages/api/cjsjson.js"),
        json!({"name": "petrel"})
    );
    assert_eq!(
        build_and_run(&p, "pages/api/esmrequire.ts"),
        json!({"name": "petrel"})
    );
    assert!(p.out_dir().join("data/site.json.mjs").is_file());
}

#[test]
fn node_modules_packages_cjs_and_esm_only() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    package(
        &p,
        "fake-cjs",
        &[
            (
                "package.json",
                "{\"name\":\"fake-cjs\",\"main\":\"lib/main.js\"}",
            ),
            ("lib/main.js", "module.exports = { kind: 'cjs' };\n"),
        ],
    );
    package(
        &p,
        "fake-esm",
        &[
            (
                "package.json",
                "{\"name\":\"fake-esm\",\"type\":\"module\",\"exports\":{\".\":{\"import\":\"./index.js\"}}}",
            ),
            (
                "index.js",
                "export const kind = 'esm-only';\nexport default 'esm-default';\n",
            ),
        ],
    );
    package(
        &p,
        "fake-dual",
        &[
            (
                "package.json",
                "{\"name\":\"fake-dual\",\"exports\":{\".\":{\"import\":\"./esm.mjs\",\"require\":\"./cjs.cjs\"}}}",
            ),
            ("esm.mjs", "export const via = 'import';\n"),
            ("cjs.cjs", "exports.via = 'require';\n"),
        ],
    );
    p.file(
        "pages/api/pkgs.ts",
        "import cjs from 'fake-cjs';\nimport esmDefault, { kind } from 'fake-esm';\nimport { via } from 'fake-dual';\nimport { readFileSync } from 'node:fs';\nimport path from 'path';\nexport default (req, res) => res.json({ cjs: cjs.kind, kind, esmDefault, via, viaRequire: require('fake-dual').via, fs: typeof readFileSync, sep: path.sep });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/pkgs.ts"),
        json!({"cjs": "cjs", "kind": "esm-only", "esmDefault": "esm-default", "via": "import", "viaRequire": "require", "fs": "function", "sep": "/"})
    );
    // Package specifiers are left alone.
    let code = std::fs::read_to_string(p.out_dir().join("pages/api/pkgs.ts.mjs")).unwrap();
    assert!(code.contains("from \"fake-esm\""), "{code}");
    assert!(code.contains("from \"node:fs\""), "{code}");
}

#[test]
fn top_level_await() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "pages/api/tla.ts",
        "const value: number = await new Promise((r) => setTimeout(() => r(42), 1));\nexport default (req, res) => res.json({ value });\n",
    );
    // No import/export at all, only top-level await: still ESM.
    p.file(
        "lib/side.ts",
        "globalThis.sideValue = await Promise.resolve('side');\n",
    );
    p.file("pages/api/side.ts", "import '../../lib/side';\nexport default (req, res) => res.json({ side: globalThis.sideValue });\n");
    assert_eq!(build_and_run(&p, "pages/api/tla.ts"), json!({"value": 42}));
    assert_eq!(
        build_and_run(&p, "pages/api/side.ts"),
        json!({"side": "side"})
    );
    assert!(p.out_dir().join("lib/side.ts.mjs").is_file());
}

#[test]
fn dirname_and_filename_point_at_the_source() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file("pages/api/data.txt", "hello from the source dir\n");
    p.file(
        "pages/api/dir.ts",
        "import fs from 'fs';\nimport path from 'path';\nimport { fileURLToPath } from 'url';\nconst text = fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8').trim();\nexport default (req, res) => res.json({ text, dirname: __dirname, filename: __filename, meta: fileURLToPath(import.meta.url), metaDir: import.meta.dirname, req: typeof require('node:os').cpus });\n",
    );
    p.file(
        "pages/api/dircjs.js",
        "const fs = require('fs');\nconst path = require('path');\nmodule.exports = (req, res) => res.json({ text: fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8').trim(), filename: __filename });\n",
    );
    let dir = p.root.join("pages/api");
    let body = build_and_run(&p, "pages/api/dir.ts");
    assert_eq!(body["text"], "hello from the source dir");
    assert_eq!(body["dirname"], dir.to_string_lossy().as_ref());
    assert_eq!(
        body["filename"],
        dir.join("dir.ts").to_string_lossy().as_ref()
    );
    assert_eq!(body["meta"], dir.join("dir.ts").to_string_lossy().as_ref());
    assert_eq!(body["metaDir"], dir.to_string_lossy().as_ref());
    assert_eq!(body["req"], "function");
    let body = build_and_run(&p, "pages/api/dircjs.js");
    assert_eq!(body["text"], "hello from the source dir");
    assert_eq!(
        body["filename"],
        dir.join("dircjs.js").to_string_lossy().as_ref()
    );
}

#[test]
fn thrown_error_stack_points_at_the_ts_source() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    // Types before the throw shift columns in the output; the map must undo that.
    p.file(
        "pages/api/boom.ts",
        "type T = { a: number };\nexport default function handler(req: unknown, res: unknown): T {\n  throw new Error('boom');\n}\n",
    );
    // With a prelude line (free `require`) the map is shifted by one line.
    p.file(
        "pages/api/boom2.ts",
        "const os: typeof import('os') = require('os');\nexport default (req: unknown, res: unknown): void => {\n  if (os) { throw new Error('boom2'); }\n};\n",
    );
    p.file("pages/api/boom3.js", "const x = require('path');\nmodule.exports = function (req, res) {\n    throw new Error('boom3');\n};\n");
    let stack = |entry: &str| {
        let out = p.build(entry).unwrap();
        run_handler(&out)["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let s = stack("pages/api/boom.ts");
    let expected = format!("{}:3:9", p.root.join("pages/api/boom.ts").display());
    assert!(s.contains(&expected), "expected {expected} in\n{s}");
    let s = stack("pages/api/boom2.ts");
    let expected = format!("{}:3:19", p.root.join("pages/api/boom2.ts").display());
    assert!(s.contains(&expected), "expected {expected} in\n{s}");
    let s = stack("pages/api/boom3.js");
    let expected = format!("{}:3:11", p.root.join("pages/api/boom3.js").display());
    assert!(s.contains(&expected), "expected {expected} in\n{s}");
}

#[test]
fn module_outside_the_project_root() {
    if !have_node() {
        return;
    }
    let p = Project::in_subdir("app");
    p.file(
        "../shared/util.ts",
        "export const shared = (s: string) => s.toUpperCase();\n",
    );
    p.file("pages/api/ext.ts", "import { shared } from '../../../shared/util';\nexport default (req, res) => res.json({ v: shared('ext') });\n");
    assert_eq!(build_and_run(&p, "pages/api/ext.ts"), json!({"v": "EXT"}));
    let expected = p
        .out_dir()
        .join("__external")
        .join(p.base.join("shared/util.ts.mjs").strip_prefix("/").unwrap());
    assert!(expected.is_file(), "{}", expected.display());
}

#[test]
fn jsx_uses_the_automatic_runtime() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    package(
        &p,
        "react",
        &[
            ("package.json", "{\"name\":\"react\",\"main\":\"index.js\"}"),
            ("index.js", "module.exports = {};\n"),
            (
                "jsx-runtime.js",
                "exports.jsx = (type, props) => ({ type, props });\nexports.jsxs = exports.jsx;\nexports.Fragment = 'fragment';\n",
            ),
        ],
    );
    p.file(
        "pages/api/el.tsx",
        "const El = () => <b id=\"x\">hi</b>;\nexport default (req, res) => res.json(<El />);\n",
    );
    p.file(
        "pages/api/el.js",
        "module.exports = (req, res) => res.json(<i>cjs</i>);\n",
    );
    let body = build_and_run(&p, "pages/api/el.tsx");
    assert_eq!(body["props"], json!({}));
    assert_eq!(
        build_and_run(&p, "pages/api/el.js"),
        json!({"type": "i", "props": {"children": "cjs"}})
    );
}

#[test]
fn typescript_export_assignment_and_import_equals() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file("lib/math.cjs", "exports.add = (a, b) => a + b;\n");
    p.file(
        "pages/api/eq.ts",
        "import math = require('../../lib/math.cjs');\nenum Color { Red = 'red' }\nnamespace NS { export const v = 1; }\nconst handler = (req: unknown, res: any) => res.json({ sum: math.add(1, 2), color: Color.Red, ns: NS.v });\nexport = handler;\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/eq.ts"),
        json!({"sum": 3, "color": "red", "ns": 1})
    );
}

#[test]
fn legacy_decorators_from_tsconfig() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "tsconfig.json",
        "{ \"compilerOptions\": { \"experimentalDecorators\": true } }\n",
    );
    p.file(
        "pages/api/deco.ts",
        "function tag(value: string) { return (target: any) => { target.tag = value; }; }\n@tag('tagged')\nclass Service { static tag?: string }\nexport default (req, res) => res.json({ tag: Service.tag });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/deco.ts"),
        json!({"tag": "tagged"})
    );
}

#[test]
fn import_cycle_between_modules() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "lib/a.ts",
        "import { b } from './b';\nexport const a = () => 'a' + b();\nexport const name = 'A';\n",
    );
    p.file(
        "lib/b.ts",
        "import { name } from './a';\nexport const b = () => 'b' + name;\n",
    );
    p.file(
        "pages/api/cycle.ts",
        "import { a } from '../../lib/a';\nexport default (req, res) => res.json({ v: a() });\n",
    );
    assert_eq!(build_and_run(&p, "pages/api/cycle.ts"), json!({"v": "abA"}));
}

#[test]
fn uninitialised_class_fields_follow_typescript_semantics() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    // Without `useDefineForClassFields` (TypeScript's default below ES2022) `data: string` is a
    // type declaration, so the value the base constructor assigned survives.
    p.file(
        "pages/api/fields.ts",
        "class Base { constructor() { this.init(); } init() {} }\nclass Child extends Base { data: string; init() { this.data = 'set by base'; } }\nexport default (req, res) => res.json({ data: new Child().data });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/fields.ts"),
        json!({"data": "set by base"})
    );

    let p = Project::new();
    p.file(
        "tsconfig.json",
        "{ \"compilerOptions\": { \"target\": \"ES2022\" } }",
    );
    p.file(
        "pages/api/fields.ts",
        "class Base { constructor() { this.init(); } init() {} }\nclass Child extends Base { data: string; init() { this.data = 'set by base'; } }\nexport default (req, res) => res.json({ data: new Child().data ?? 'reset' });\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/fields.ts"),
        json!({"data": "reset"})
    );
}

#[test]
fn esm_imports_named_exports_of_a_commonjs_module() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    p.file(
        "lib/plain.js",
        "#!/usr/bin/env node\nexports.twice = (n) => n * 2;\nexports.where = __dirname;\n",
    );
    p.file("pages/api/named.ts", "import { twice, where } from '../../lib/plain';\nexport default (req, res) => res.json({ n: twice(2), where });\n");
    let body = build_and_run(&p, "pages/api/named.ts");
    assert_eq!(body["n"], 4);
    assert_eq!(body["where"], p.root.join("lib").to_string_lossy().as_ref());
}

#[test]
fn netlify_functions_helpers_without_the_package_installed() {
    if !have_node() {
        return;
    }
    let p = Project::new();
    // ESM import and CommonJS require of the runtime helpers, plus a type-only import.
    p.file(
        "pages/api/sched.ts",
        "import type { Config } from '@netlify/functions';\nimport { schedule, getContext } from '@netlify/functions';\nconst h = schedule('@daily', (req, res) => {\n  let message = '';\n  try { getContext(); } catch (e) { message = e.message; }\n  res.json({ same: typeof h, message });\n});\nexport default h;\n",
    );
    p.file(
        "pages/api/req.js",
        "const { stream, builder } = require('@netlify/functions');\nmodule.exports = builder(stream((req, res) => res.json({ ok: true })));\n",
    );
    assert_eq!(
        build_and_run(&p, "pages/api/sched.ts"),
        json!({"same": "function", "message": "getContext() can only be called within a Netlify serverless function's request handler or one of its async children."})
    );
    assert_eq!(build_and_run(&p, "pages/api/req.js"), json!({"ok": true}));
    assert!(
        p.root
            .join(".petrel/build/__petrel_runtime/netlify-functions.mjs")
            .is_file()
    );
}

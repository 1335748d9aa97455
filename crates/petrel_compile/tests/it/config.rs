//! Static `config` extraction: the examples of the Next.js API semantics reference (§5, §9.1).

use std::path::Path;

use petrel_compile::{CompileError, StaticExports, extract_static_exports};
use serde_json::json;

fn extract(file: &str, src: &str) -> StaticExports {
    extract_static_exports(Path::new(file), src).unwrap_or_else(|e| panic!("{e}"))
}

fn error(file: &str, src: &str) -> CompileError {
    extract_static_exports(Path::new(file), src).expect_err("expected a config error")
}

const HANDLER: &str = "export default function handler(req, res) { res.send('ok'); }\n";

#[test]
fn body_parser_false() {
    let got = extract(
        "pages/api/raw.ts",
        &format!("export const config = {{ api: {{ bodyParser: false }} }};\n{HANDLER}"),
    );
    assert_eq!(got.config, Some(json!({"api": {"bodyParser": false}})));
    assert!(got.has_default_export);
    assert_eq!(got.runtime, None);
}

#[test]
fn size_limit_string_and_number() {
    let got = extract(
        "pages/api/limited.ts",
        "export const config = { api: { bodyParser: { sizeLimit: '100b' } } };",
    );
    assert_eq!(
        got.config,
        Some(json!({"api": {"bodyParser": {"sizeLimit": "100b"}}}))
    );
    let got = extract(
        "pages/api/limitnum.ts",
        "export const config = { api: { bodyParser: { sizeLimit: 50 } } };",
    );
    assert_eq!(
        got.config,
        Some(json!({"api": {"bodyParser": {"sizeLimit": 50}}}))
    );
    assert!(got.config.unwrap()["api"]["bodyParser"]["sizeLimit"].is_u64());
}

#[test]
fn response_limit_and_external_resolver() {
    let got = extract(
        "pages/api/bigcustom.ts",
        "export const config = { api: { responseLimit: '1kb', externalResolver: true } };\nexport const other = 1;",
    );
    assert_eq!(
        got.config,
        Some(json!({"api": {"responseLimit": "1kb", "externalResolver": true}}))
    );
    assert_eq!(got.named_exports, ["config", "other"]);
    let got = extract(
        "pages/api/nolimit.ts",
        "export const config = { api: { responseLimit: false, bodyParser: { sizeLimit: 1.5e6 } } };",
    );
    assert_eq!(
        got.config,
        Some(json!({"api": {"responseLimit": false, "bodyParser": {"sizeLimit": 1_500_000}}}))
    );
}

#[test]
fn max_duration_in_config_and_top_level() {
    let got = extract(
        "pages/api/maxdur.ts",
        "export const config = { maxDuration: 1 };",
    );
    assert_eq!(got.config, Some(json!({"maxDuration": 1})));
    assert_eq!(got.max_duration, Some(1.0));
    let got = extract(
        "pages/api/maxdur2.ts",
        "export const maxDuration = 5;\nexport const config = { maxDuration: 1 };",
    );
    assert_eq!(got.max_duration, Some(5.0), "top-level wins");
    let err = error("pages/api/maxdur3.ts", "export const maxDuration = '5';");
    assert_eq!(
        err.to_string(),
        "pages/api/maxdur3.ts:1:28: `maxDuration` must be a number (seconds), got `\"5\"`"
    );
}

#[test]
fn legacy_type_and_schedule_are_kept() {
    let got = extract(
        "pages/api/legacy.ts",
        "export const config = { type: \"experimental-background\", schedule: \"@daily\" };",
    );
    assert_eq!(
        got.config,
        Some(json!({"type": "experimental-background", "schedule": "@daily"}))
    );
    let keys: Vec<_> = got
        .config
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["type", "schedule"]);
}

#[test]
fn runtime_from_config_and_top_level() {
    let got = extract(
        "pages/api/edge.ts",
        "export const config = { runtime: \"edge\" };\nexport default async (req) => new Response('x');",
    );
    assert_eq!(got.runtime.as_deref(), Some("edge"));
    assert_eq!(got.config, Some(json!({"runtime": "edge"})));
    let got = extract(
        "app/rh/edge/route.ts",
        "export const runtime = 'edge';\nexport async function GET(req: Request) { return Response.json({}); }\nexport const POST = GET;",
    );
    assert_eq!(got.runtime.as_deref(), Some("edge"));
    assert_eq!(got.named_exports, ["runtime", "GET", "POST"]);
    assert!(!got.has_default_export);
    assert_eq!(got.config, None);
}

#[test]
fn invalid_runtime() {
    let err = error(
        "pages/api/bun.ts",
        "export const config = { runtime: \"bun\" };",
    );
    insta::assert_snapshot!("invalid_runtime", err);
}

#[test]
fn spread_is_an_error() {
    let err = error(
        "pages/api/cfgvar.ts",
        "const base = { api: {} };\nexport const config = { ...base };\n",
    );
    assert!(
        matches!(
            err,
            CompileError::Config {
                line: 2,
                column: 25,
                ..
            }
        ),
        "{err:?}"
    );
    insta::assert_snapshot!(
        "spread_error",
        format!("{err}\n{}", err.code_frame().unwrap())
    );
    let err = error(
        "pages/api/cfgvar.ts",
        "const extra = {};\nexport const config = { api: { bodyParser: { ...extra } } };\n",
    );
    assert!(
        err.to_string()
            .contains("`config.api.bodyParser` contains an unsupported spread (`...extra`)"),
        "{err}"
    );
}

#[test]
fn identifier_is_an_error() {
    let err = error(
        "pages/api/cfgvar.ts",
        "const size = \"2mb\";\nexport const config = { api: { bodyParser: { sizeLimit: size } } };\n",
    );
    assert_eq!(
        err.to_string(),
        "pages/api/cfgvar.ts:2:57: unsupported value for `config.api.bodyParser.sizeLimit`: `size` is an identifier; Next.js reads `config` statically, so it must be a literal (string, number, boolean, object or array). Fix: inline the value."
    );
    // Shorthand properties are identifiers too.
    let err = error(
        "pages/api/short.ts",
        "const runtime = 'edge';\nexport const config = { runtime };",
    );
    assert!(
        err.to_string()
            .contains("`config.runtime`: `runtime` is an identifier"),
        "{err}"
    );
}

#[test]
fn other_unsupported_values() {
    let cases = [
        (
            "export const config = { api: { sizeLimit: getSize() } };",
            "`config.api.sizeLimit`: `getSize()` is a function call",
        ),
        (
            "export const config = { handler() {} };",
            "`config.handler`: it is a method",
        ),
        (
            "export const config = { fn: () => 1 };",
            "`config.fn`: `() => 1` is a function",
        ),
        ("export const config = { ['a' + 'b']: 1 };", "computed keys"),
        (
            "export const config = { v: process.env.X };",
            "`process.env.X` is a member expression",
        ),
        (
            "export const config = { v: `a${1}` };",
            "template literal with `${}`",
        ),
        (
            "export const config = { list: [1, ...more] };",
            "`config.list[1]` contains an unsupported spread",
        ),
        (
            "export const config = makeConfig();",
            "`config`: `makeConfig()` is a function call",
        ),
        ("export const config = { v: 1n };", "is a BigInt"),
    ];
    for (src, expected) in cases {
        let err = error("pages/api/x.ts", src);
        assert!(err.to_string().contains(expected), "{src}\n=> {err}");
    }
}

#[test]
fn typescript_wrappers_and_literal_forms() {
    let got = extract(
        "pages/api/ts.ts",
        "import type { PageConfig } from 'next';\nexport const config = {\n  api: { bodyParser: { sizeLimit: `4mb` } as const, responseLimit: -1 },\n  'quoted-key': +2,\n  1: null,\n  nothing: undefined,\n  arr: [true, undefined, , 'x'],\n} satisfies PageConfig;\n",
    );
    assert_eq!(
        got.config,
        Some(
            json!({"api": {"bodyParser": {"sizeLimit": "4mb"}, "responseLimit": -1}, "quoted-key": 2, "1": null, "arr": [true, null, null, "x"]})
        )
    );
    let got = extract(
        "pages/api/ts2.ts",
        "export const config = (<const>{ api: { externalResolver: true } })!;",
    );
    assert_eq!(got.config, Some(json!({"api": {"externalResolver": true}})));
}

#[test]
fn export_specifier_of_a_local_const() {
    let got = extract(
        "pages/api/spec.ts",
        "const config = { api: { bodyParser: false } };\nexport { config };\nexport default () => {};",
    );
    assert_eq!(got.config, Some(json!({"api": {"bodyParser": false}})));
    let err = error(
        "pages/api/spec2.ts",
        "import { shared } from './shared';\nexport { shared as config };",
    );
    assert!(err.to_string().contains("not a top-level `const`"), "{err}");
    let err = error(
        "pages/api/spec3.ts",
        "export { config } from './shared-config';",
    );
    assert!(
        err.to_string().starts_with(
            "pages/api/spec3.ts:1:10: `config` is re-exported from \"./shared-config\""
        ),
        "{err}"
    );
    let err = error("pages/api/spec4.ts", "let config = {};\nexport { config };");
    assert!(err.to_string().contains("declared with `let`"), "{err}");
}

#[test]
fn exports_inventory() {
    let got = extract(
        "app/items/route.ts",
        "export type T = 1;\nexport interface I {}\nexport declare const d: number;\nexport async function GET() {}\nexport const { a, b: [c] } = obj;\nexport class K {}\nexport enum E { X }\nconst h = 1;\nexport { h as HEAD, h as default };\nexport * as ns from './ns';\nexport * from './all';\nexport { type Q, R } from './r';",
    );
    assert_eq!(
        got.named_exports,
        ["GET", "a", "c", "K", "E", "HEAD", "ns", "R"]
    );
    assert!(got.has_default_export);
    let got = extract(
        "pages/api/cjs.js",
        "module.exports = (req, res) => res.end();",
    );
    assert!(got.has_default_export);
    let got = extract("pages/api/none.ts", "export const x = 1;");
    assert!(!got.has_default_export);
}

#[test]
fn syntax_error_in_route_file() {
    let err = error("pages/api/bad.ts", "export const config = { api: };");
    assert!(
        matches!(err, CompileError::Syntax { line: 1, .. }),
        "{err:?}"
    );
}

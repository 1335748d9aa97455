//! Netlify Function static analysis: the v1/v2 decision, the in-source `config` literal rules and
//! the `schedule()` helper, as in the Netlify Functions reference (§2.1, §3.1, §3.2, §14).

use std::path::Path;

use petrel_compile::{
    CompileError, NetlifyApi, NetlifyExports, NetlifyWarning, SCHEDULE_CRON_ERROR,
    SCHEDULE_UNUSED_ERROR, extract_netlify_exports,
};
use serde_json::json;

fn analyze(file: &str, src: &str) -> NetlifyExports {
    extract_netlify_exports(Path::new(file), src).unwrap_or_else(|e| panic!("{e}"))
}

/// `(line, column)` of each warning.
fn positions(warnings: &[NetlifyWarning]) -> Vec<(u32, u32)> {
    warnings.iter().map(|w| (w.line, w.column)).collect()
}

const V2: &str = "export default async () => new Response(\"ok\");\n";

// --- v1 / v2 decision (§2.1) ---------------------------------------------------------------

#[track_caller]
fn assert_api(file: &str, src: &str, api: NetlifyApi, has_handler: bool, has_default: bool) {
    let got = analyze(file, src);
    assert_eq!(
        (got.api, got.has_handler, got.has_default),
        (api, has_handler, has_default),
        "{file}: {src}"
    );
}

#[test]
fn esm_decision_table() {
    use NetlifyApi::{V1, V2 as Two};
    assert_api("hello.mts", V2, Two, false, true);
    assert_api(
        "fn.mts",
        "export default function (req: Request) { return new Response('x'); }",
        Two,
        false,
        true,
    );
    assert_api(
        "v1.mts",
        "export const handler = async () => ({ statusCode: 200 });",
        V1,
        true,
        false,
    );
    assert_api(
        "v1fn.ts",
        "export async function handler(event: unknown) { return { statusCode: 200 }; }",
        V1,
        true,
        false,
    );
    assert_api(
        "spec.mjs",
        "async function handler() {}\nexport { handler };",
        V1,
        true,
        false,
    );
    assert_api(
        "renamed.mjs",
        "const h = async () => ({ statusCode: 200 });\nexport { h as handler };",
        V1,
        true,
        false,
    );
    assert_api(
        "reexport.mjs",
        "export { handler } from './impl.mjs';",
        V1,
        true,
        false,
    );
    assert_api(
        "asdefault.mjs",
        "const main = async () => new Response('ok');\nexport { main as default };",
        Two,
        false,
        true,
    );
    assert_api(
        "defaultfrom.mts",
        "export { default } from './impl.mts';",
        Two,
        false,
        true,
    );
    // Both: v1 (the reference's `e-both.mjs`).
    assert_api(
        "e-both.mjs",
        "export const handler = async () => ({ statusCode: 200 });\nexport default async () => new Response('v2');",
        V1,
        true,
        true,
    );
    assert_api(
        "both-fn.mts",
        "export function handler() {}\nexport default () => new Response('v2');",
        V1,
        true,
        true,
    );
    // Neither: v1.
    assert_api("neither.mts", "export const other = 1;", V1, false, false);
    assert_api("empty.mjs", "", V1, false, false);
    // Type-only exports do not count.
    assert_api(
        "types.ts",
        "export type handler = string;\nexport default interface X {}\nexport declare const h: number;",
        V1,
        false,
        false,
    );
}

#[test]
fn commonjs_decision_table() {
    use NetlifyApi::{V1, V2};
    assert_api(
        "v1.js",
        "exports.handler = async (event) => ({ statusCode: 200, body: 'ok' });",
        V1,
        true,
        false,
    );
    assert_api(
        "v1m.cjs",
        "module.exports.handler = async () => ({ statusCode: 200 });",
        V1,
        true,
        false,
    );
    assert_api(
        "obj.js",
        "const handler = async () => ({ statusCode: 200 });\nmodule.exports = { handler };",
        V1,
        true,
        false,
    );
    assert_api(
        "objkey.cjs",
        "module.exports = { handler: async () => ({ statusCode: 200 }), other: 1 };",
        V1,
        true,
        false,
    );
    assert_api(
        "v2.js",
        "exports.default = async () => new Response('ok');",
        V2,
        false,
        true,
    );
    assert_api(
        "v2m.cjs",
        "module.exports.default = async () => new Response('ok');",
        V2,
        false,
        true,
    );
    assert_api(
        "both.js",
        "exports.default = async () => new Response('ok');\nexports.handler = async () => ({ statusCode: 200 });",
        V1,
        true,
        true,
    );
    // `module.exports = fn` is neither a default nor a `handler` export.
    assert_api(
        "plain.cjs",
        "module.exports = async () => new Response('ok');",
        V1,
        false,
        false,
    );
    // Only top-level statements count.
    assert_api(
        "nested.js",
        "if (true) { exports.default = () => new Response('x'); }",
        V1,
        false,
        false,
    );
}

// --- config literal rules (§3.1) -----------------------------------------------------------

#[test]
fn config_literals_in_source_order() {
    let got = analyze(
        "items.mts",
        r#"import type { Config, Context } from "@netlify/functions";
export default async (req: Request, context: Context) => new Response(context.params.id);
export const config: Config = {
  path: ["/api/items/:id", "/items/:id"],
  method: ["get", "Post"],
  preferStatic: !0,
  background: !1,
  "excludedPath": "/api/items/secret",
  name: "Items",
  rateLimit: { windowLimit: 60, windowSize: 50, aggregateBy: ["ip", "domain"], action: "rate_limit" },
  timeout: 26,
  memory: 1.5e3,
  region: null,
  skipped: undefined,
};
"#,
    );
    assert_eq!(got.api, NetlifyApi::V2);
    assert_eq!(got.warnings, []);
    let config = got.config.expect("config");
    assert_eq!(
        config,
        json!({
            "path": ["/api/items/:id", "/items/:id"],
            "method": ["get", "Post"],
            "preferStatic": true,
            "background": false,
            "excludedPath": "/api/items/secret",
            "name": "Items",
            "rateLimit": {"windowLimit": 60, "windowSize": 50, "aggregateBy": ["ip", "domain"], "action": "rate_limit"},
            "timeout": 26,
            "memory": 1500,
            "region": null,
        })
    );
    let keys: Vec<_> = config.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "path",
            "method",
            "preferStatic",
            "background",
            "excludedPath",
            "name",
            "rateLimit",
            "timeout",
            "memory",
            "region"
        ]
    );
    assert!(config["memory"].is_u64());
}

#[test]
fn template_literal_and_identifier_are_dropped_with_warnings() {
    let got = analyze(
        "tpl.mts",
        "const P = \"/p\";\nexport default async () => new Response(\"ok\");\nexport const config = {\n  path: `/tpl`,\n  excludedPath: P,\n  method: \"GET\",\n};\n",
    );
    assert_eq!(got.api, NetlifyApi::V2);
    assert_eq!(got.config, Some(json!({"method": "GET"})));
    assert_eq!(positions(&got.warnings), [(4, 9), (5, 17)]);
    assert_eq!(
        got.warnings[0].message,
        "`config.path` is ignored: `` `/tpl` `` is a template literal (Netlify drops template literals even without `${}` substitutions); Netlify reads `config` statically and drops any property whose value is not a literal. Fix: use the literal \"/tpl\"."
    );
    assert_eq!(
        got.warnings[1].message,
        "`config.excludedPath` is ignored: `P` is an identifier; Netlify reads `config` statically and drops any property whose value is not a literal. Fix: write the value inline as a literal (a string, number, boolean, null, array or object literal)."
    );
    assert_eq!(
        got.warnings[1].to_string(),
        format!("5:17: {}", got.warnings[1].message)
    );
}

#[test]
fn other_non_literals_are_dropped() {
    let got = analyze(
        "mixed.ts",
        r#"import { ROUTE } from "./routes";
const base = { name: "b" };
const key = "timeout";
export default async () => new Response("ok");
export const config = {
  path: ROUTE,
  excludedPath: `/x/${ROUTE}`,
  method: ["GET", ROUTE, , "POST"],
  name: String("n"),
  ...base,
  [key]: 10,
  timeout: -1,
  memory: 1024,
  rateLimit: { windowLimit: 60, windowSize: base.size },
  schedule() { return "@daily"; },
  1: "numeric key",
};
"#,
    );
    assert_eq!(
        got.config,
        Some(json!({
            "method": ["GET", null, null, "POST"],
            "memory": 1024,
            "rateLimit": {"windowLimit": 60},
        }))
    );
    let paths: Vec<_> = got
        .warnings
        .iter()
        .map(|w| w.message.split('`').nth(1).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "config.path",
            "config.excludedPath",
            "config.method[1]",
            "config.name",
            "config",
            "config[key]",
            "config.timeout",
            "config.rateLimit.windowSize",
            "config.schedule",
            "config",
        ]
    );
    assert_eq!(
        positions(&got.warnings),
        [
            (6, 9),
            (7, 17),
            (8, 19),
            (9, 9),
            (10, 3),
            (11, 4),
            (12, 12),
            (14, 45),
            (15, 3),
            (16, 3)
        ]
    );
    let messages: Vec<_> = got.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages[0].contains("`ROUTE` is an identifier imported from \"./routes\""),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("with `${}` substitutions"),
        "{}",
        messages[1]
    );
    assert!(
        messages[2].starts_with("`config.method[1]` is read as `undefined` (null here)"),
        "{}",
        messages[2]
    );
    assert!(messages[3].contains("a function call"), "{}", messages[3]);
    assert!(
        messages[4].contains("the spread `...base` is ignored"),
        "{}",
        messages[4]
    );
    assert!(messages[5].contains("computed key"), "{}", messages[5]);
    assert!(messages[6].contains("negative number"), "{}", messages[6]);
    assert!(messages[8].contains("it is a method"), "{}", messages[8]);
    assert!(
        messages[9].contains("property `1` is ignored"),
        "{}",
        messages[9]
    );
    for message in &messages {
        assert!(message.contains("Fix:"), "{message}");
    }
}

#[test]
fn config_export_forms() {
    // `exports.config` in CommonJS.
    let got = analyze(
        "cjs.js",
        "exports.default = async () => new Response('ok');\nexports.config = { path: '/cjs' };",
    );
    assert_eq!(got.api, NetlifyApi::V2);
    assert_eq!(got.config, Some(json!({"path": "/cjs"})));
    let got = analyze(
        "cjs2.cjs",
        "module.exports.default = async () => new Response('ok');\nmodule.exports.config = { path: '/cjs2' };",
    );
    assert_eq!(got.config, Some(json!({"path": "/cjs2"})));

    // `const config = {…}; export { config }` and a renamed local.
    let got = analyze(
        "spec.mts",
        &format!("const config = {{ path: '/spec' }};\n{V2}export {{ config }};"),
    );
    assert_eq!(got.config, Some(json!({"path": "/spec"})));
    let got = analyze(
        "spec2.mjs",
        &format!("{V2}const c = {{ path: '/spec2' }};\nexport {{ c as config }};"),
    );
    assert_eq!(got.config, Some(json!({"path": "/spec2"})));

    // `satisfies`, `as const`, `as Config`: accepted (superset of Netlify); a top-level
    // `satisfies`, which Netlify's build ignores, is read with a warning saying so.
    for (file, wrapped, warned) in [
        ("sat.mts", "{ path: '/satisfies' } satisfies Config", true),
        ("asconst.ts", "{ path: '/satisfies' } as const", false),
        ("ascfg.mts", "({ path: '/satisfies' }) as Config", false),
        (
            "inner.mts",
            "{ path: '/satisfies' as const } satisfies Config",
            true,
        ),
    ] {
        let got = analyze(
            file,
            &format!(
                "import type {{ Config }} from '@netlify/functions';\n{V2}export const config = {wrapped};"
            ),
        );
        assert_eq!(got.config, Some(json!({"path": "/satisfies"})), "{file}");
        if warned {
            assert_eq!(got.warnings.len(), 1, "{file}");
            assert!(
                got.warnings[0]
                    .message
                    .contains("Netlify's build ignores a config written this way"),
                "{file}"
            );
        } else {
            assert_eq!(got.warnings, [], "{file}");
        }
    }

    // No config.
    let got = analyze("none.mts", V2);
    assert_eq!(got.config, None);
    assert_eq!(got.warnings, []);
    let got = analyze("emptycfg.mts", &format!("{V2}export const config = {{}};"));
    assert_eq!(got.config, Some(json!({})));
}

#[test]
fn config_that_is_not_an_object_literal_is_ignored() {
    let got = analyze(
        "call.mts",
        &format!("import {{ make }} from './make';\n{V2}export const config = make();"),
    );
    assert_eq!(got.config, None);
    assert_eq!(positions(&got.warnings), [(3, 23)]);
    assert!(
        got.warnings[0]
            .message
            .starts_with("`config` is ignored: `make()` is a function call, not an object literal"),
        "{}",
        got.warnings[0].message
    );

    let got = analyze(
        "reexport.mts",
        &format!("{V2}export {{ config }} from './shared';"),
    );
    assert_eq!(got.config, None);
    assert_eq!(positions(&got.warnings), [(2, 10)]);
    assert!(
        got.warnings[0]
            .message
            .contains("re-exported from \"./shared\""),
        "{}",
        got.warnings[0].message
    );

    let got = analyze(
        "imported.mts",
        &format!("import {{ shared }} from './shared';\n{V2}export {{ shared as config }};"),
    );
    assert_eq!(got.config, None);
    assert!(
        got.warnings[0]
            .message
            .contains("imported from \"./shared\""),
        "{}",
        got.warnings[0].message
    );
}

#[test]
fn v1_config_is_ignored_with_a_warning() {
    let got = analyze(
        "e-both.mjs",
        "export const handler = async () => ({ statusCode: 200 });\nexport default async () => new Response('v2');\nexport const config = { path: '/both' };",
    );
    assert_eq!(got.api, NetlifyApi::V1);
    assert_eq!(got.config, None);
    assert_eq!(positions(&got.warnings), [(3, 14)]);
    assert!(
        got.warnings[0].message.contains("this is a v1 function"),
        "{}",
        got.warnings[0].message
    );
}

// --- schedule helper (§3.2) ----------------------------------------------------------------

const FN: &str = "async () => ({ statusCode: 200 })";

#[track_caller]
fn schedule(file: &str, src: &str) -> Option<Result<String, String>> {
    let got = analyze(file, src);
    assert_eq!(got.api, NetlifyApi::V1, "{src}");
    got.schedule_helper
}

#[test]
fn schedule_with_a_string_literal() {
    let got = schedule(
        "sched.ts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nexport const handler = schedule(\"@daily\", {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("@daily".to_owned())));
}

#[test]
fn schedule_with_a_const_identifier() {
    let got = schedule(
        "sched.mts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nconst CRON = \"*/10 * * * *\";\nexport const handler = schedule(CRON, {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("*/10 * * * *".to_owned())));
    // `export { h as handler }` of a top-level call.
    let got = schedule(
        "sched2.mts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nconst h = schedule(\"@hourly\", {FN});\nexport {{ h as handler }};"
        ),
    );
    assert_eq!(got, Some(Ok("@hourly".to_owned())));
}

#[test]
fn schedule_with_a_let_or_reassigned_identifier() {
    // Netlify resolves the last top-level initialiser or assignment, whatever the keyword.
    let got = schedule(
        "let.ts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nlet CRON = \"@daily\";\nCRON = \"@hourly\";\nexport const handler = schedule(CRON, {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("@hourly".to_owned())));
}

#[test]
fn schedule_with_a_template_literal_is_netlifys_error() {
    let got = schedule(
        "tpl.mts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nexport const handler = schedule(`@daily`, {FN});"
        ),
    );
    assert_eq!(
        got,
        Some(Err("Unable to find cron expression for scheduled function. The cron expression (first argument) for the `schedule` helper needs to be accessible inside the file and cannot be imported.".to_owned()))
    );
    assert_eq!(got, Some(Err(SCHEDULE_CRON_ERROR.to_owned())));
}

#[test]
fn schedule_with_an_imported_or_computed_cron_is_netlifys_error() {
    for cron in ["CRON", "`${CRON}`", "getCron()", "crons.daily"] {
        let got = schedule(
            "imp.ts",
            &format!(
                "import {{ schedule }} from \"@netlify/functions\";\nimport {{ CRON, crons, getCron }} from \"./cron\";\nexport const handler = schedule({cron}, {FN});"
            ),
        );
        assert_eq!(got, Some(Err(SCHEDULE_CRON_ERROR.to_owned())), "{cron}");
    }
}

#[test]
fn schedule_imported_but_unused_is_netlifys_error() {
    let got = schedule(
        "unused.mts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nexport const handler = {FN};"
        ),
    );
    assert_eq!(
        got,
        Some(Err("The `schedule` helper was imported but we couldn't find any usages. If you meant to schedule a function, please check that `schedule` is invoked and `handler` correctly exported.".to_owned()))
    );
    assert_eq!(got, Some(Err(SCHEDULE_UNUSED_ERROR.to_owned())));
    // Applied, but not to the exported handler.
    let got = schedule(
        "other.mts",
        &format!(
            "import {{ schedule }} from \"@netlify/functions\";\nexport const job = schedule(\"@daily\", {FN});\nexport const handler = {FN};"
        ),
    );
    assert_eq!(got, Some(Err(SCHEDULE_UNUSED_ERROR.to_owned())));
    // No handler at all.
    let got = schedule(
        "none.mts",
        "import { schedule } from \"@netlify/functions\";\nexport const x = 1;",
    );
    assert_eq!(got, Some(Err(SCHEDULE_UNUSED_ERROR.to_owned())));
}

#[test]
fn schedule_renamed_import() {
    let got = schedule(
        "renamed.mts",
        &format!(
            "import {{ schedule as cron }} from \"@netlify/functions\";\nexport const handler = cron(\"0 0 * * 1\", {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("0 0 * * 1".to_owned())));
    // The original name is not the helper any more.
    let got = schedule(
        "renamed2.mts",
        &format!(
            "import {{ schedule as cron }} from \"@netlify/functions\";\nconst schedule = (c: string, f: unknown) => f;\nexport const handler = schedule(\"@daily\", {FN});"
        ),
    );
    assert_eq!(got, Some(Err(SCHEDULE_UNUSED_ERROR.to_owned())));
}

#[test]
fn schedule_with_commonjs_require() {
    let got = schedule(
        "cjs.js",
        &format!(
            "const {{ schedule }} = require(\"@netlify/functions\");\nexports.handler = schedule(\"@weekly\", {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("@weekly".to_owned())));
    let got = schedule(
        "cjs2.cjs",
        &format!(
            "const {{ schedule: s }} = require(\"@netlify/functions\");\nconst CRON = '@monthly';\nmodule.exports.handler = s(CRON, {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("@monthly".to_owned())));
    let got = schedule(
        "cjs3.js",
        &format!(
            "const schedule = require(\"@netlify/functions\").schedule;\nexports.handler = schedule(\"@yearly\", {FN});"
        ),
    );
    assert_eq!(got, Some(Ok("@yearly".to_owned())));
    let got = schedule(
        "cjs4.js",
        &format!(
            "const {{ schedule }} = require(\"@netlify/functions\");\nexports.handler = schedule(`@daily`, {FN});"
        ),
    );
    assert_eq!(got, Some(Err(SCHEDULE_CRON_ERROR.to_owned())));
}

#[test]
fn schedule_inside_module_exports_object_is_not_seen_by_netlify() {
    let got = analyze(
        "obj.js",
        &format!(
            "const {{ schedule }} = require(\"@netlify/functions\");\nmodule.exports = {{ handler: schedule(\"@daily\", {FN}) }};"
        ),
    );
    assert!(got.has_handler);
    assert_eq!(
        got.schedule_helper,
        Some(Err(SCHEDULE_UNUSED_ERROR.to_owned()))
    );
    assert_eq!(positions(&got.warnings), [(2, 20)]);
    assert!(
        got.warnings[0]
            .message
            .contains("`exports.handler = schedule(…)`"),
        "{}",
        got.warnings[0].message
    );
}

#[test]
fn schedule_not_imported_or_v2() {
    let got = analyze(
        "local.mts",
        &format!(
            "const schedule = (c: string, f: unknown) => f;\nexport const handler = schedule(\"@daily\", {FN});"
        ),
    );
    assert_eq!(got.schedule_helper, None);
    let got = analyze(
        "ns.mts",
        &format!(
            "import * as nf from \"@netlify/functions\";\nexport const handler = nf.schedule(\"@daily\", {FN});"
        ),
    );
    assert_eq!(got.schedule_helper, None);
    // v2: Netlify does not look at the helper; the cron belongs in `config.schedule`.
    let got = analyze(
        "v2.mts",
        &format!("import {{ schedule }} from \"@netlify/functions\";\n{V2}"),
    );
    assert_eq!(got.api, NetlifyApi::V2);
    assert_eq!(got.schedule_helper, None);
    assert_eq!(positions(&got.warnings), [(1, 10)]);
    assert!(
        got.warnings[0].message.contains("config = { schedule:"),
        "{}",
        got.warnings[0].message
    );
}

// --- errors ----------------------------------------------------------------------------------

#[test]
fn syntax_error_is_an_error_with_position() {
    let err = extract_netlify_exports(Path::new("bad.mts"), "export default (;\n")
        .expect_err("syntax error");
    assert!(
        matches!(err, CompileError::Syntax { line: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("bad.mts:1:"), "{err}");
}

#[test]
fn byte_order_mark_is_ignored() {
    let got = analyze(
        "bom.mts",
        "\u{feff}export default async () => new Response('ok');\nexport const config = { path: P };",
    );
    assert_eq!(got.config, Some(json!({})));
    assert_eq!(positions(&got.warnings), [(2, 31)]);
}

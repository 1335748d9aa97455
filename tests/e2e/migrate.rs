//! `petrel migrate` end to end: a project's advanced API routes run under Petrel before the
//! migration and their Netlify Functions after it, given the same requests and the same
//! schedule; what the handlers did must be the same.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{Server, copy_fixture};

fn lines(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn petrel(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(args)
        .arg(dir)
        .output()
        .expect("run petrel")
}

/// `petrel start` of `project` with a fresh `out` file, on a clock at 17:49 running 60× (the
/// 17:50 occurrence a second later).
fn start_fast(project: &Path, out: &Path) -> Server {
    let _ = std::fs::remove_file(out);
    Server::start_with_env(
        "start",
        project,
        &[
            "--clock-start",
            "2026-11-22T17:49:00Z",
            "--clock-speed",
            "60",
        ],
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    )
}

/// Starts the project (see [`start_fast`]), sends one request to the background route, and
/// returns what the handlers recorded and the server's log.
fn exercise(project: &Path, out: &Path) -> (Vec<serde_json::Value>, String) {
    let server = start_fast(project, out);
    let reply = server.request(
        "POST",
        "/api/abc/import?x=1",
        &[
            ("content-type", "application/json"),
            ("cookie", "session=s1"),
        ],
        br#"{"items":[1,2]}"#,
    );
    assert_eq!(reply.status, 202, "{}", reply.text());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = lines(out);
        let refreshes = got.iter().filter(|l| l["who"] == "refresh").count();
        let imports = got.iter().filter(|l| l["who"] == "import").count();
        if (refreshes >= 1 && imports >= 1) || Instant::now() > deadline {
            // The run's revalidations are logged after its record: wait for the last one.
            let _ = server.wait_for_log("revalidate /news", Duration::from_secs(10));
            return (lines(out), server.logs());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn first<'a>(got: &'a [serde_json::Value], who: &str) -> &'a serde_json::Value {
    got.iter()
        .find(|l| l["who"] == who)
        .unwrap_or_else(|| panic!("no {who} in {got:?}"))
}

#[test]
fn migrated_functions_do_what_the_advanced_routes_did() {
    let project = copy_fixture("advanced-routes");
    let out = project.path().join("runs.jsonl");

    let (before, before_logs) = exercise(project.path(), &out);
    assert_eq!(
        first(&before, "import"),
        &serde_json::json!({
            "who": "import", "method": "POST", "slug": "abc", "x": "1",
            "body": {"items": [1, 2]}, "cookie": "s1"
        }),
        "{before_logs}"
    );
    assert_eq!(
        first(&before, "refresh")["next_run"],
        "2026-11-22T17:55:00.000Z"
    );
    assert!(before_logs.contains("revalidate /blog"), "{before_logs}");

    let migrated = petrel(&["migrate"], project.path());
    let text = String::from_utf8_lossy(&migrated.stdout);
    assert!(
        migrated.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    for file in [
        "netlify/functions/slug-import-background.mts",
        "netlify/functions/refresh.mts",
        "netlify/functions/_petrel/next-adapter.mts",
        "pages/api/petrel-revalidate.ts",
    ] {
        assert!(
            project.path().join(file).is_file(),
            "{file} missing\n{text}"
        );
    }
    let route = std::fs::read_to_string(project.path().join("pages/api/refresh.ts")).unwrap();
    assert!(
        route.contains("maxDuration: 20") && !route.contains("experimental-scheduled"),
        "{route}"
    );

    let (after, after_logs) = exercise(project.path(), &out);
    assert_eq!(
        first(&after, "import"),
        first(&before, "import"),
        "{after_logs}"
    );
    let refresh = |got: &[serde_json::Value]| {
        got.iter()
            .filter(|l| l["who"] == "refresh")
            .map(|l| (l["method"].clone(), l["next_run"].clone()))
            .take(1)
            .collect::<Vec<_>>()
    };
    assert_eq!(refresh(&after), refresh(&before), "{after_logs}");
    for path in ["/blog", "/news"] {
        assert!(
            after_logs.contains(&format!("revalidate {path}")),
            "{after_logs}"
        );
    }
    assert!(
        after_logs.contains("Scheduled function refresh fired for 2026-11-22T17:50:00.000Z"),
        "{after_logs}"
    );

    // Migrated: a second run finds nothing to do and changes nothing.
    let again = petrel(&["migrate", "--dry-run"], project.path());
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{text}");
    assert!(text.contains("nothing to migrate"), "{text}");
}

/// The generated TypeScript type-checks (`tsc --noEmit`, strict) against the real
/// `@netlify/functions` types from npm (installed by scripts/test.sh in
/// `crates/petrel_migrate/templates-test`), with the routes' `next` imports pointed at a
/// Next-shaped stand-in of its API types.
#[test]
fn the_generated_functions_type_check() {
    let project = copy_fixture("advanced-routes");
    let migrated = petrel(&["migrate"], project.path());
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    type_check(project.path());
}

/// Runs `tsc --noEmit` (strict) on the project's functions and pages, with the real
/// `@netlify/functions` types and the stand-in for `next`'s.
fn type_check(project: &Path) {
    let tools = crate::harness::repo_root().join("crates/petrel_migrate/templates-test");
    let tsc = tools.join("node_modules/.bin/tsc");
    assert!(
        tsc.is_file(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        tools.display()
    );
    let tsconfig = serde_json::json!({
        "compilerOptions": {
            "strict": true,
            "module": "esnext",
            "moduleResolution": "bundler",
            "target": "es2022",
            "allowImportingTsExtensions": true,
            "noEmit": true,
            "types": ["node"],
            "typeRoots": [tools.join("node_modules/@types")],
            "paths": {
                "@netlify/functions": [tools.join("node_modules/@netlify/functions")],
                "next": [tools.join("sample/next-types.ts")],
                "next/cache": [tools.join("sample/next-cache-types.ts")],
            },
        },
        "include": ["netlify/functions/**/*.mts", "pages/**/*.ts", "lib/**/*.ts"],
    });
    std::fs::write(
        project.join("tsconfig.json"),
        serde_json::to_string_pretty(&tsconfig).unwrap(),
    )
    .unwrap();
    let checked = Command::new(&tsc)
        .args(["--noEmit", "-p"])
        .arg(project.join("tsconfig.json"))
        .output()
        .expect("run tsc");
    assert!(
        checked.status.success(),
        "tsc found errors in the generated files:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// The background fixture's advanced route (our rewrite of the official migration example's
/// `pages/api/[slug]/background-function.ts`), migrated with `--delete-routes`: its handler is
/// rewritten for Netlify's API, the route file is gone, and the same request reaches the
/// handler with the same slug, body and attempt header.
#[test]
fn the_migration_examples_background_route_keeps_its_url_and_input() {
    let project = copy_fixture("background");
    let out = project.path().join("runs.jsonl");
    let run = |project: &Path| {
        let _ = std::fs::remove_file(&out);
        let server = Server::start_with_env(
            "start",
            project,
            &[],
            &[("PETREL_TEST_OUT", out.to_str().unwrap())],
        );
        let reply = server.request(
            "POST",
            "/api/blog/background-function",
            &[("content-type", "application/json")],
            br#"{"post":7}"#,
        );
        assert_eq!(reply.status, 202, "{}", reply.text());
        let deadline = Instant::now() + Duration::from_secs(15);
        while lines(&out).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(25));
        }
        let got = lines(&out);
        assert_eq!(got.len(), 1, "{got:?}\n{}", server.logs());
        got[0].clone()
    };
    let before = run(project.path());
    assert_eq!(
        before,
        serde_json::json!({"fn": "next-background", "slug": "blog", "body": {"post": 7}, "attempt": "1"})
    );
    let migrated = petrel(&["migrate", "--delete-routes"], project.path());
    assert!(
        migrated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&migrated.stdout),
        String::from_utf8_lossy(&migrated.stderr)
    );
    let root = project.path();
    assert!(
        root.join("netlify/functions/slug-background-function-background.mts")
            .is_file()
    );
    let function = std::fs::read_to_string(
        root.join("netlify/functions/slug-background-function-background.mts"),
    )
    .unwrap();
    assert!(
        function.contains("decodeURIComponent(context.params.slug)")
            && function.contains("await nextBody(request)")
            && function.contains("request.headers.get(\"x-petrel-attempt\")"),
        "rewritten for Netlify's API:\n{function}"
    );
    assert!(!root.join("netlify/functions/_petrel").exists());
    assert!(
        !root.join("pages/api/[slug]").exists(),
        "the route and its emptied folder go"
    );
    assert_eq!(run(project.path()), before);
}

/// Simple handlers, migrated with `--delete-routes`, are rewritten for Netlify's API (no
/// adapter), and a JavaScript one reading `req.cookies` moves next to its function and keeps
/// the adapter:
/// the same request (an encoded route parameter, a repeated search parameter, a
/// header, a form body) and the same schedule give the same records before and after, and the
/// generated files type-check.
#[test]
fn simple_handlers_are_rewritten_and_behave_the_same() {
    let project = crate::harness::project_with(&[
        ("package.json", "{\"private\":true}"),
        (
            "lib/record.ts",
            "import { appendFileSync } from \"node:fs\";\nexport const record = (line: object) =>\n  appendFileSync(process.env.PETREL_TEST_OUT!, JSON.stringify(line) + \"\\n\");\n",
        ),
        (
            "pages/api/[slug]/import.ts",
            "import type { NextApiRequest, NextApiResponse } from \"next\";\nimport { record } from \"../../../lib/record\";\n\nexport default async function importItems(req: NextApiRequest, res: NextApiResponse) {\n  record({ who: \"import\", method: req.method, slug: req.query.slug, dry: req.query.dry, ua: req.headers[\"user-agent\"], body: req.body });\n  res.status(200).json({ done: true });\n}\n\nexport const config = { type: \"experimental-background\" };\n",
        ),
        (
            "pages/api/session.js",
            "import { record } from \"../../lib/record\";\n\nexport default async (req, res) => {\n  record({ who: \"session\", session: req.cookies.session });\n  res.end();\n};\n\nexport const config = { type: \"experimental-background\" };\n",
        ),
        (
            "pages/api/refresh.ts",
            "import type { NextApiRequest, NextApiResponse } from \"next\";\nimport { record } from \"../../lib/record\";\n\nexport default async (req: NextApiRequest, res: NextApiResponse) => {\n  record({ who: \"refresh\", method: req.method, next_run: req.body.next_run });\n  res.end();\n};\n\nexport const config = { type: \"experimental-scheduled\", schedule: \"*/5 * * * *\" };\n",
        ),
    ]);
    let out = project.path().join("runs.jsonl");
    let run = |project: &Path| {
        let server = start_fast(project, &out);
        let reply = server.request(
            "POST",
            "/api/a%20b/import?dry=1&dry=2",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("user-agent", "petrel-test"),
            ],
            b"items=1&items=2&name=a+b",
        );
        assert_eq!(reply.status, 202, "{}", reply.text());
        let reply = server.request("POST", "/api/session", &[("cookie", "session=s%201")], b"");
        assert_eq!(reply.status, 202, "{}", reply.text());
        let deadline = Instant::now() + Duration::from_secs(20);
        let all = ["import", "refresh", "session"];
        loop {
            let got = lines(&out);
            let done = all.iter().all(|who| got.iter().any(|l| l["who"] == *who));
            if done || Instant::now() > deadline {
                let mut got: Vec<serde_json::Value> = all
                    .iter()
                    .filter_map(|who| got.iter().find(|l| l["who"] == *who).cloned())
                    .collect();
                got.sort_by_key(|l| l["who"].to_string());
                return (got, server.logs());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    };
    let (before, logs) = run(project.path());
    assert_eq!(
        before,
        [
            serde_json::json!({"who": "import", "method": "POST", "slug": "a b", "dry": ["1", "2"], "ua": "petrel-test", "body": {"items": ["1", "2"], "name": "a b"}}),
            serde_json::json!({"who": "refresh", "method": "POST", "next_run": "2026-11-22T17:55:00.000Z"}),
            serde_json::json!({"who": "session", "session": "s 1"}),
        ],
        "{logs}"
    );
    let migrated = petrel(&["migrate", "--delete-routes"], project.path());
    let text = String::from_utf8_lossy(&migrated.stdout);
    assert!(migrated.status.success(), "{text}");
    assert!(
        text.contains("background, path /api/:slug/import, rewrite"),
        "{text}"
    );
    assert!(
        text.contains("scheduled, schedule \"*/5 * * * *\", rewrite"),
        "{text}"
    );
    assert!(
        text.contains("background, path /api/session, adapter"),
        "{text}"
    );
    let root = project.path();
    assert!(
        root.join("netlify/functions/_petrel/routes/session-background.js")
            .is_file(),
        "a handler that needs the adapter moves next to its function"
    );
    assert!(!root.join("pages/api/session.js").exists());
    assert!(!root.join("pages/api/refresh.ts").exists());
    let function = std::fs::read_to_string(root.join("netlify/functions/refresh.mts")).unwrap();
    assert!(
        function.contains("const body = await request.json();")
            && function.contains("next_run: body.next_run")
            && function.contains("import { record } from \"../../lib/record\";"),
        "{function}"
    );
    let function =
        std::fs::read_to_string(root.join("netlify/functions/slug-import-background.mts")).unwrap();
    assert!(
        function.contains("const body = await nextBody(request);")
            && function.contains("searchParam(request, \"dry\")"),
        "{function}"
    );
    type_check(root);
    let _ = std::fs::remove_file(&out);
    let (after, logs) = run(project.path());
    assert_eq!(after, before, "{logs}");
}

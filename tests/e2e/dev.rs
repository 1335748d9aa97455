//! `petrel dev`: real files changed on disk while the real server runs; the very next request
//! must see the change, broken routes answer with their error while the others keep serving.

use std::time::Duration;

use crate::harness::{Server, project_with, write_file};

const TSCONFIG: &str = r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./*"] } } }"#;

fn dev_project() -> tempfile::TempDir {
    project_with(&[
        ("tsconfig.json", TSCONFIG),
        (
            "lib/greeting.ts",
            "export const greeting: string = \"hello\";\n",
        ),
        (
            "pages/api/hello.ts",
            "import { greeting } from \"@/lib/greeting\";\nexport default function handler(req: any, res: any) {\n  res.send(`${greeting} from hello`);\n}\n",
        ),
        (
            "pages/api/other.ts",
            "import { greeting } from \"../../lib/greeting\";\nexport default (req: any, res: any) => res.send(`other ${greeting}`);\n",
        ),
        (
            "pages/api/solo.ts",
            "export default (req: any, res: any) => res.send(\"solo\");\n",
        ),
    ])
}

/// The lines of the log after `from` that report a reload, once there is one (request lines
/// are printed in batches, a few milliseconds later).
fn reload_lines(server: &Server, from: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !server.logs()[from..].contains("Reloaded in") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.logs()[from..]
        .lines()
        .filter(|l| l.contains("Reloaded in"))
        .map(str::to_string)
        .collect()
}

#[test]
fn edits_to_routes_and_imported_modules_reach_the_next_request() {
    let project = dev_project();
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    assert_eq!(server.get("/api/hello").text(), "hello from hello");
    assert_eq!(server.get("/api/other").text(), "other hello");
    assert_eq!(server.get("/api/solo").text(), "solo");

    // An imported module (through the `@/` alias): both importers see it at once.
    let mark = server.logs().len();
    write_file(
        root,
        "lib/greeting.ts",
        "export const greeting: string = \"bonjour\";\n",
    );
    assert_eq!(server.get("/api/hello").text(), "bonjour from hello");
    assert_eq!(server.get("/api/other").text(), "other bonjour");
    // Only the changed module was transpiled again, not the routes that import it.
    let reloads = reload_lines(&server, mark);
    assert_eq!(reloads.len(), 1, "one reload: {reloads:?}");
    assert!(
        reloads[0].ends_with("(transpiled lib/greeting.ts)"),
        "{reloads:?}"
    );

    // The route file itself.
    let mark = server.logs().len();
    write_file(
        root,
        "pages/api/solo.ts",
        "export default (req: any, res: any) => res.status(201).send(\"solo v2\");\n",
    );
    let reply = server.get("/api/solo");
    assert_eq!((reply.status, reply.text().as_str()), (201, "solo v2"));
    let reloads = reload_lines(&server, mark);
    assert!(
        reloads[0].ends_with("(transpiled pages/api/solo.ts)"),
        "{reloads:?}"
    );

    // Added, renamed and deleted routes.
    write_file(
        root,
        "pages/api/added/[id].ts",
        "export default (req: any, res: any) => res.json({ id: req.query.id });\n",
    );
    assert_eq!(server.get("/api/added/7").text(), r#"{"id":"7"}"#);
    std::fs::rename(
        root.join("pages/api/other.ts"),
        root.join("pages/api/renamed.ts"),
    )
    .unwrap();
    assert_eq!(server.get("/api/other").status, 404);
    assert_eq!(server.get("/api/renamed").text(), "other bonjour");
    std::fs::remove_file(root.join("pages/api/added/[id].ts")).unwrap();
    assert_eq!(server.get("/api/added/7").status, 404);

    // A renamed imported module: its importers fail to build until they follow it.
    std::fs::rename(root.join("lib/greeting.ts"), root.join("lib/words.ts")).unwrap();
    let broken = server.get("/api/hello");
    assert_eq!(broken.status, 500);
    assert!(
        broken
            .text()
            .contains("pages/api/hello.ts:1:26: Module not found: Can't resolve '@/lib/greeting'"),
        "{}",
        broken.text()
    );
    assert_eq!(server.get("/api/solo").text(), "solo v2");
    write_file(
        root,
        "pages/api/hello.ts",
        "import { greeting } from \"@/lib/words\";\nexport default (req: any, res: any) => res.send(`${greeting} again`);\n",
    );
    assert_eq!(server.get("/api/hello").text(), "bonjour again");
}

#[test]
fn an_unchanged_save_does_not_restart_anything() {
    let project = dev_project();
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    assert_eq!(server.get("/api/solo").text(), "solo");
    let mark = server.logs().len();
    // Same bytes written again, and a file outside any module graph.
    write_file(
        root,
        "pages/api/solo.ts",
        "export default (req: any, res: any) => res.send(\"solo\");\n",
    );
    write_file(root, "README.md", "notes\n");
    assert_eq!(server.get("/api/solo").text(), "solo");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !server.logs()[mark..].contains("Reloaded in"),
        "{}",
        server.logs()
    );
}

#[test]
fn in_flight_requests_finish_on_the_old_code() {
    let project = project_with(&[(
        "pages/api/slow.ts",
        "export default async (req: any, res: any) => {\n  await new Promise((r) => setTimeout(r, 600));\n  res.send(\"old\");\n};\n",
    )]);
    let root = project.path().to_path_buf();
    let server = Server::start_dev(&root, &[]);
    let addr = server.addr.clone();
    let slow =
        std::thread::spawn(move || crate::harness::request(&addr, "GET", "/api/slow", &[], b""));
    std::thread::sleep(Duration::from_millis(200));
    write_file(
        &root,
        "pages/api/slow.ts",
        "export default (req: any, res: any) => res.send(\"new\");\n",
    );
    assert_eq!(server.get("/api/slow").text(), "new");
    let old = slow.join().unwrap();
    assert_eq!((old.status, old.text().as_str()), (200, "old"));
}

/// Each error kind answers 500 naming file:line:column, is printed once, leaves the other
/// routes serving, and is gone as soon as the file is fixed.
#[test]
fn build_and_import_errors_name_the_place_and_recover() {
    let project = dev_project();
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    let fixed = "export default (req: any, res: any) => res.send(\"fixed\");\n";
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "syntax error",
            "export default function h(req: any, res: any) {\n  res.send(\"x\" +);\n}\n",
            &["pages/api/solo.ts:2:17", "Unexpected token"],
        ),
        (
            "unresolved import",
            "import { missing } from \"@/lib/nope\";\nexport default (req: any, res: any) => res.send(missing);\n",
            &["pages/api/solo.ts:1:25", "Can't resolve '@/lib/nope'"],
        ),
        (
            "non-literal config",
            "const limit = \"1mb\";\nexport const config = { api: { bodyParser: { sizeLimit: limit } } };\nexport default (req: any, res: any) => res.send(\"x\");\n",
            &["pages/api/solo.ts:2:57", "config.api.bodyParser.sizeLimit"],
        ),
        (
            "throw at import time",
            "const ready = false;\nif (!ready) throw new Error(\"database url missing\");\nexport default (req: any, res: any) => res.send(\"x\");\n",
            &["pages/api/solo.ts:2:19", "Error: database url missing"],
        ),
    ];
    for (kind, source, needles) in cases {
        let mark = server.logs().len();
        write_file(root, "pages/api/solo.ts", source);
        let reply = server.get("/api/solo");
        assert_eq!(reply.status, 500, "{kind}: {}", reply.text());
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{kind}");
        let body = reply.text();
        for needle in needles {
            assert!(body.contains(needle), "{kind}: {needle:?} not in {body}");
        }
        // A browser gets the same as an HTML page.
        let html = server.request("GET", "/api/solo", &[("accept", "text/html")], b"");
        assert_eq!(html.status, 500, "{kind}");
        assert!(
            html.header("content-type")
                .unwrap()
                .starts_with("text/html"),
            "{kind}"
        );
        assert!(html.text().contains(needles[0]), "{kind}: {}", html.text());
        // Other routes are unaffected.
        assert_eq!(
            server.get("/api/hello").text(),
            "hello from hello",
            "{kind}"
        );
        // The terminal shows the error with its place.
        assert!(
            server.wait_for_log(needles[0], Duration::from_secs(5)),
            "{kind}: not printed: {}",
            server.logs()
        );
        let printed = server.logs()[mark..].matches(needles[0]).count();
        if kind != "throw at import time" {
            // Build errors are printed once, however many requests hit the route.
            assert_eq!(printed, 1, "{kind}: {}", &server.logs()[mark..]);
        }
        write_file(root, "pages/api/solo.ts", fixed);
        let reply = server.get("/api/solo");
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (200, "fixed"),
            "{kind}"
        );
    }
}

#[test]
fn handler_exceptions_print_a_stack_with_ts_lines() {
    let project = project_with(&[(
        "pages/api/boom.ts",
        "type Req = { query: Record<string, string> };\n\nexport default function handler(req: Req, res: any) {\n  throw new Error(\"boom at line 4\");\n}\n",
    )]);
    let server = Server::start_dev(project.path(), &[]);
    let reply = server.get("/api/boom");
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains("pages/api/boom.ts:4:9"),
        "{}",
        reply.text()
    );
    assert!(
        server.wait_for_log("pages/api/boom.ts:4:9", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    // A code frame of the line, as `next dev` prints, and the page.
    assert!(
        server.wait_for_log(
            "> 4 |   throw new Error(\"boom at line 4\");",
            Duration::from_secs(5)
        ),
        "{}",
        server.logs()
    );
    assert!(server.wait_for_log("{ page: '/api/boom' }", Duration::from_secs(5)));
}

#[test]
fn env_files_reload_with_dev_precedence() {
    let project = project_with(&[
        (
            ".env",
            "A=from-env\nB=from-env\nC=from-env\nD=$A-expanded\n",
        ),
        (".env.development", "B=from-env-development\n"),
        (".env.production", "C=from-env-production\n"),
        (".env.local", "A=from-env-local\n"),
        (
            "pages/api/env.ts",
            "export default (req: any, res: any) => res.json({ A: process.env.A, B: process.env.B, C: process.env.C, D: process.env.D, NODE_ENV: process.env.NODE_ENV });\n",
        ),
    ]);
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    assert_eq!(
        server.get("/api/env").json(),
        serde_json::json!({
            "A": "from-env-local",
            "B": "from-env-development",
            "C": "from-env",
            "D": "from-env-local-expanded",
            "NODE_ENV": "development",
        })
    );
    assert!(
        server
            .logs()
            .contains("- Environments: .env.local, .env.development, .env"),
        "{}",
        server.logs()
    );
    write_file(root, ".env.development.local", "B=from-dev-local\n");
    let env = server.get("/api/env").json();
    assert_eq!(env["B"], "from-dev-local");
}

#[test]
fn next_config_changes_apply_without_a_restart() {
    let project = project_with(&[
        (
            "next.config.js",
            "module.exports = { basePath: \"/base\", pageExtensions: [\"api.ts\"] };\n",
        ),
        (
            "pages/api/where.api.ts",
            "export default (req: any, res: any) => res.json({ url: req.url });\n",
        ),
        (
            "pages/api/helper.ts",
            "export default (req: any, res: any) => res.send(\"not a route\");\n",
        ),
    ]);
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    assert_eq!(
        server.get("/base/api/where").text(),
        r#"{"url":"/api/where"}"#
    );
    assert_eq!(server.get("/api/where").status, 404);
    assert_eq!(server.get("/base/api/helper").status, 404);

    write_file(
        root,
        "next.config.js",
        "module.exports = (phase) => ({ basePath: \"/v2\", trailingSlash: true, env: { PHASE: phase } });\n",
    );
    // pageExtensions back to the default: helper.ts is a route, where.api.ts is `/api/where.api`.
    assert_eq!(server.get("/v2/api/helper/").text(), "not a route");
    assert_eq!(server.get("/base/api/where/").status, 404);
    // (a last segment with a dot takes no trailing slash, as in Next)
    assert_eq!(server.get("/v2/api/where.api").status, 200);
    let redirect = server.get("/v2/api/helper");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/v2/api/helper/"));

    // A config that throws keeps the previous one serving and says where it failed.
    write_file(
        root,
        "next.config.js",
        "const x = 1;\nthrow new Error(\"bad config\");\n",
    );
    assert_eq!(server.get("/v2/api/helper/").text(), "not a route");
    assert!(
        server.wait_for_log("next.config.js:2:7", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
}

#[test]
fn a_tsconfig_paths_change_is_picked_up() {
    let project = dev_project();
    let root = project.path();
    write_file(
        root,
        "other/lib/greeting.ts",
        "export const greeting: string = \"from other\";\n",
    );
    let server = Server::start_dev(root, &[]);
    assert_eq!(server.get("/api/hello").text(), "hello from hello");
    write_file(
        root,
        "tsconfig.json",
        r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./other/*"] } } }"#,
    );
    assert_eq!(server.get("/api/hello").text(), "from other from hello");
}

#[test]
fn a_package_json_imports_change_is_picked_up() {
    let project = project_with(&[
        (
            "package.json",
            r##"{ "name": "p", "private": true, "imports": { "#greeting": "./lib/a.ts" } }"##,
        ),
        ("lib/a.ts", "export const greeting: string = \"from a\";\n"),
        ("lib/b.ts", "export const greeting: string = \"from b\";\n"),
        (
            "pages/api/hi.ts",
            "import { greeting } from \"#greeting\";\nexport default (req: any, res: any) => res.send(greeting);\n",
        ),
    ]);
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    assert_eq!(server.get("/api/hi").text(), "from a");
    write_file(
        root,
        "package.json",
        r##"{ "name": "p", "private": true, "imports": { "#greeting": "./lib/b.ts" } }"##,
    );
    assert_eq!(server.get("/api/hi").text(), "from b");
}
